"""Report-stream records, parsed by the decoder's own C parser.

There is one definition of the line format: tools/hvlog_parse.c.  `make
tools` builds it as build/tools/libhvlog.so; this module calls
hvlog_parse_line() through ctypes and keeps the decoder's sequence rules
(tools/hvlog-decode.c: boots, gaps, errors) for a live stream.  A record
comes out as the same dict hvlog-decode prints for it.
"""
import ctypes
import os

LEVELS = ("info", "minor", "major", "emerg")
CATS = ("log", "event", "decision", "action", "outcome", "alarm", "stat", "tick")

TEXT_MAX = 1024
FIELDS_MAX = 32


class _Span(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint16), ("len", ctypes.c_uint16)]


class _Field(ctypes.Structure):
    _fields_ = [("key", _Span), ("value", _Span)]


class _Record(ctypes.Structure):
    """struct hvlog_record (tools/hvlog_parse.h); its size is checked
    against the library's at load time."""
    _fields_ = [("seq", ctypes.c_uint64), ("t_us", ctypes.c_uint64),
                ("level", ctypes.c_uint), ("cat", ctypes.c_uint), ("crc", ctypes.c_uint32),
                ("text", ctypes.c_char * (TEXT_MAX + 1)), ("text_len", ctypes.c_size_t),
                ("name", _Span), ("nfields", ctypes.c_uint), ("fields_dropped", ctypes.c_uint),
                ("fields", _Field * FIELDS_MAX),
                ("frame_off", ctypes.c_size_t), ("frame_len", ctypes.c_size_t),
                ("skipped_status", ctypes.c_int),
                ("skipped_off", ctypes.c_size_t), ("skipped_len", ctypes.c_size_t)]


OK, NONE, ERR_MALFORMED, ERR_CRC = 1, 0, -1, -2

_lib = None


def library_path():
    env = os.environ.get("HVMON_LIBHVLOG")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    return os.path.join(root, os.environ.get("BUILD", "build"), "tools", "libhvlog.so")


def _load():
    global _lib
    if _lib is None:
        path = library_path()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise SystemExit(f"hvmon: cannot load the report-stream parser {path}: {e}\n"
                             "       build it with `make tools` (or set HVMON_LIBHVLOG)")
        lib.hvlog_parse_line.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.POINTER(_Record)]
        lib.hvlog_parse_line.restype = ctypes.c_int
        lib.hvlog_record_size.restype = ctypes.c_size_t
        if lib.hvlog_record_size() != ctypes.sizeof(_Record):
            raise SystemExit("hvmon: struct hvlog_record changed; update tools/hvmon/parse.py")
        _lib = lib
    return _lib


def _str(raw):
    return raw.decode("latin-1")


def parse_line(line):
    """(status, record dict or None, error dicts) for one line of bytes
    (without its newline).  Error dicts are hvlog-decode's
    {"error": "crc"|"malformed", "line": ...}."""
    lib = _load()
    rec = _Record()
    st = lib.hvlog_parse_line(line, len(line), ctypes.byref(rec))
    if st == NONE:
        return st, None, []
    if st != OK:
        frame = line[rec.frame_off:rec.frame_off + rec.frame_len]
        return st, None, [{"error": "crc" if st == ERR_CRC else "malformed",
                           "line": _str(frame)}]
    errs = []
    if rec.skipped_status:
        frame = line[rec.skipped_off:rec.skipped_off + rec.skipped_len]
        errs.append({"error": "crc" if rec.skipped_status == ERR_CRC else "malformed",
                     "line": _str(frame)})
    text = rec.text[:rec.text_len]

    def span(s):
        return _str(text[s.off:s.off + s.len])
    fields = {}
    for k in range(rec.nfields):
        fields[span(rec.fields[k].key)] = span(rec.fields[k].value)
    return st, {"seq": rec.seq, "t_us": rec.t_us, "level": LEVELS[rec.level],
                "cat": CATS[rec.cat], "name": span(rec.name), "fields": fields,
                "text": _str(text), "crc_ok": True}, errs


class StreamDecoder:
    """hvlog-decode's rules over a stream fed line by line: feed() returns
    the objects hvlog-decode prints for the line, in its order; summary()
    its last object."""

    def __init__(self):
        self.prev = None
        self.s = {"records": 0, "crc_errors": 0, "malformed": 0, "gaps": 0, "missing": 0,
                  "boots": 0, "dropped_reported": 0}

    def feed(self, line):
        st, rec, errs = parse_line(line)
        out = []
        for e in errs:
            self.s["crc_errors" if e["error"] == "crc" else "malformed"] += 1
            out.append(e)
        if rec is None:
            return out
        seq = rec["seq"]
        if self.prev is None or seq == 0:
            self.s["boots"] += 1
            out.append({"boot": self.s["boots"]})
        elif seq != self.prev + 1:
            missing = seq - self.prev - 1 if seq > self.prev else 0
            self.s["gaps"] += 1
            self.s["missing"] += missing
            out.append({"gap": {"after": self.prev, "next": seq, "missing": missing}})
        self.prev = seq
        self.s["records"] += 1
        if rec["cat"] == "stat" and rec["name"] == "log_dropped":
            c = rec["fields"].get("count", "")
            if c.isdigit() and c.isascii():
                self.s["dropped_reported"] += int(c)
        out.append(rec)
        return out

    def summary(self):
        return {"summary": dict(self.s)}


class LineSplitter:
    """Bytes in, lines out, as hvlog-decode cuts them: at "\\n"; a line
    longer than 16 KiB keeps its last 8..16 KiB (a record ends its line)."""
    CAP = 16384

    def __init__(self):
        self.buf = bytearray()
        self.total = 0  # bytes of the current line, kept or not

    def _kept(self):
        h = self.CAP // 2
        if self.total <= self.CAP:
            return self.total
        return h + (self.total - self.CAP - 1) % h + 1

    def feed(self, data):
        lines = []
        parts = data.split(b"\n")
        for i, p in enumerate(parts):
            self.buf += p
            self.total += len(p)
            if len(self.buf) > self.CAP:
                self.buf = self.buf[len(self.buf) - self._kept():]
            if i < len(parts) - 1:
                lines.append(bytes(self.buf))
                self.buf = bytearray()
                self.total = 0
        return lines

    def flush(self):
        """The last line without a newline (end of a finished file)."""
        if self.buf:
            line, self.buf, self.total = bytes(self.buf), bytearray(), 0
            return [line]
        return []


def decode_file(path):
    """Every object hvlog-decode prints for a file, summary last."""
    dec, sp = StreamDecoder(), LineSplitter()
    out = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(65536)
            if not chunk:
                break
            for line in sp.feed(chunk):
                out += dec.feed(line)
    for line in sp.flush():
        out += dec.feed(line)
    out.append(dec.summary())
    return out
