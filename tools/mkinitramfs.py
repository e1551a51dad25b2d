#!/usr/bin/env python3
"""Pack a directory into an initramfs: a cpio archive in the "newc" format
(Linux Documentation/driver-api/early-userspace/buffer-format.rst).

    python3 tools/mkinitramfs.py DIR OUT

Every file is owned by root with mtime 0, in sorted order, so the same tree
always gives the same bytes.  Regular files, directories and symlinks only.
Python 3 standard library only.
"""

import os
import stat
import sys

MAGIC = "070701"


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


def entry(ino, name, mode, body, nlink=1):
    # c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize c_devmajor
    # c_devminor c_rdevmajor c_rdevminor c_namesize c_check, 8 hex digits each
    fields = (ino, mode, 0, 0, nlink, 0, len(body), 0, 0, 0, 0, len(name) + 1, 0)
    head = (MAGIC + "".join("%08X" % f for f in fields)).encode() + name.encode() + b"\0"
    return head + pad4(len(head)) + body + pad4(len(body))


def pack(root):
    out = bytearray()
    ino = 1
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            out += entry(ino, rel, stat.S_IFDIR | 0o755, b"", 2)
            ino += 1
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                body, mode = os.readlink(path).encode(), stat.S_IFLNK | 0o777
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    body = f.read()
                mode = stat.S_IFREG | (st.st_mode & 0o777)
            else:
                sys.exit(f"mkinitramfs: {path}: not a file, directory or symlink")
            out += entry(ino, os.path.normpath(os.path.join(rel, name)), mode, body)
            ino += 1
    out += entry(0, "TRAILER!!!", 0, b"")
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkinitramfs.py DIR OUT")
    data = pack(sys.argv[1])
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
