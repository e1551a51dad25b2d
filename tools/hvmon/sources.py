"""Where records come from: a file still being written (tail -f), a pty
or other character device, QEMU's -serial chardev as a TCP or unix socket.

A source spec is [NAME=]SPEC with SPEC one of
    PATH              a file (followed as it grows) or a device (a pty)
    tcp:HOST:PORT     QEMU -serial tcp:HOST:PORT,server=on
    unix:PATH         QEMU -serial unix:PATH,server=on
Each source runs in a thread and puts (label, bytes) on a queue, and
(label, None) when it has ended for good.  Sockets are reconnected (an
emulator that was relaunched listens again).
"""
import os
import socket
import stat
import threading
import time


class Source(threading.Thread):
    def __init__(self, spec, out, follow=True, poll=0.1):
        super().__init__(daemon=True)
        label, _, rest = spec.partition("=")
        if rest and "/" not in label and ":" not in label:
            self.label, self.spec = label, rest
        else:
            self.label, self.spec = spec, spec
        self.out, self.follow, self.poll = out, follow, poll
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.sock = None      # the connected socket, for send()
        self.device = False   # a pty or other device, writable for send()
        self.wfd = None

    def stop(self):
        self.stopping.set()
        if self.wfd is not None:
            os.close(self.wfd)
            self.wfd = None

    def send(self, data):
        """Writes to the instance's log port (the control channel): on a
        socket, or a pty or other device; a file cannot take it.  True if
        it was written whole."""
        try:
            if self.sock is not None:
                self.sock.sendall(data)
                return True
            if self.device:
                if self.wfd is None:
                    self.wfd = os.open(self.spec, os.O_WRONLY | os.O_NOCTTY)
                return os.write(self.wfd, data) == len(data)
        except OSError:
            pass
        return False

    def run(self):
        try:
            if self.spec.startswith("tcp:"):
                host, _, port = self.spec[4:].rpartition(":")
                self._socket(socket.AF_INET, (host or "127.0.0.1", int(port)))
            elif self.spec.startswith("unix:"):
                self._socket(socket.AF_UNIX, self.spec[5:])
            else:
                self._path(self.spec)
        finally:
            self.out.put((self.label, None))

    def _socket(self, family, addr):
        while not self.stopping.is_set():
            s = socket.socket(family, socket.SOCK_STREAM)
            try:
                s.connect(addr)
            except OSError:
                s.close()
                if not self.follow:
                    return
                time.sleep(self.poll * 3)
                continue
            self.connected.set()
            s.settimeout(self.poll)
            self.sock = s
            with s:
                while not self.stopping.is_set():
                    try:
                        data = s.recv(65536)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    self.out.put((self.label, data))
            self.sock = None
            self.connected.clear()
            if not self.follow:
                return

    def _path(self, path):
        f = None
        ino = None
        while not self.stopping.is_set():
            if f is None:
                try:
                    f = open(path, "rb", buffering=0)
                except OSError:
                    if not self.follow:
                        return
                    time.sleep(self.poll)
                    continue
                st = os.fstat(f.fileno())
                ino = st.st_ino
                regular = stat.S_ISREG(st.st_mode)
                self.device = stat.S_ISCHR(st.st_mode)
                if not regular:
                    os.set_blocking(f.fileno(), True)
                self.connected.set()
            if regular:
                data = f.read(65536)
                if data:
                    self.out.put((self.label, data))
                    continue
                if not self.follow:
                    return
                # tail -f: wait for more; reopen when the file was replaced
                # or truncated (a new emulator run writing a new capture)
                try:
                    st = os.stat(path)
                    if st.st_ino != ino or st.st_size < f.tell():
                        f.close()
                        f = None
                        continue
                except OSError:
                    pass
                time.sleep(self.poll)
            else:
                import select
                r, _, _ = select.select([f], [], [], self.poll)
                if not r:
                    continue
                try:
                    data = os.read(f.fileno(), 65536)
                except OSError:  # a pty whose other side closed
                    data = b""
                if not data:
                    f.close()
                    f = None
                    if not self.follow:
                        return
                    time.sleep(self.poll)
                    continue
                self.out.put((self.label, data))
