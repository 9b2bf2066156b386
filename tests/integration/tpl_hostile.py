#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Craft hostile template archives for the t_tpl_hostile*.sh tests.

  tpl_hostile.py entries OUT.tar BASEDIR SPEC...   BASEDIR's tree (a bootable rootfs), then the SPEC entries
  tpl_hostile.py sparse OUT.tar SEGMENTS [BASEDIR]  one GNU 1.0 sparse file with SEGMENTS map entries
  tpl_hostile.py deep OUT.tar DEPTH [BASEDIR]       DEPTH nested directories d/d/d/... (plus a file at the bottom)
  tpl_hostile.py watch-open PATH READYFILE          count opens of PATH (inotify IN_OPEN) until SIGTERM,
                                                    then print the count (READYFILE appears once watching)

SPEC is KIND:NAME[:ARG...], names may hold \\xNN escapes (control characters):
  file:NAME:TEXT[:MODE[:UID[:GID]]]  dir:NAME[:MODE]  symlink:NAME:TARGET  hardlink:NAME:TARGET[:TEXT]
  chr:NAME:MAJOR:MINOR[:MODE]  blk:NAME:MAJOR:MINOR[:MODE]  fifo:NAME
A hardlink with TEXT carries data (pax allows it). Everything is written uncompressed; the caller
compresses with the zstd/xz/gzip command line tools when it wants to.
"""
import io
import os
import struct
import sys
import tarfile


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1").decode("utf-8", "surrogateescape")


def add_base(tf, base):
    if base:
        tf.add(base, arcname=".", recursive=True, filter=numeric)


def numeric(ti):
    ti.uname = ti.gname = ""
    return ti


def info(name, kind, mode=0o644, uid=0, gid=0):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = 1700000000
    return ti


def spec_entry(tf, spec):
    parts = spec.split(":")
    kind, name = parts[0], unescape(parts[1])
    a = [unescape(p) for p in parts[2:]]
    if kind == "file":
        data = a[0].encode("utf-8", "surrogateescape")
        ti = info(name, tarfile.REGTYPE, int(a[1], 8) if len(a) > 1 else 0o644,
                  int(a[2]) if len(a) > 2 else 0, int(a[3]) if len(a) > 3 else 0)
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    elif kind == "dir":
        tf.addfile(info(name, tarfile.DIRTYPE, int(a[0], 8) if a else 0o755))
    elif kind == "symlink":
        ti = info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = a[0]
        tf.addfile(ti)
    elif kind == "hardlink":
        ti = info(name, tarfile.LNKTYPE)
        ti.linkname = a[0]
        if len(a) > 1:
            data = a[1].encode()
            ti.size = len(data)
            # libarchive obeys a hard link's size only in pax interchange format: a pax header
            ti.pax_headers = {"comment": "hard link with data"}
            # tarfile never writes data for a hard link: write header and data ourselves
            tf.fileobj.write(ti.tobuf(tf.format, tf.encoding, tf.errors))
            tf.offset += len(ti.tobuf(tf.format, tf.encoding, tf.errors))
            tf.fileobj.write(data + b"\0" * (-len(data) % 512))
            tf.offset += len(data) + (-len(data) % 512)
        else:
            tf.addfile(ti)
    elif kind in ("chr", "blk"):
        ti = info(name, tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE, int(a[2], 8) if len(a) > 2 else 0o666)
        ti.devmajor, ti.devminor = int(a[0]), int(a[1])
        tf.addfile(ti)
    elif kind == "fifo":
        tf.addfile(info(name, tarfile.FIFOTYPE))
    else:
        sys.exit("unknown entry kind " + kind)


def cmd_entries(out, base, specs):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        add_base(tf, base)
        for s in specs:
            spec_entry(tf, s)


def cmd_sparse(out, segments, base=None):
    """A GNU sparse 1.0 (pax) file: the map (count, then offset/size pairs) leads the data."""
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        add_base(tf, base)
        # empty segments at increasing offsets: every one is a list node to libarchive, nothing
        # on disk; the map text is all there is (it compresses to almost nothing)
        realsize = 2 * segments + 2
        head = b"%d\n" % segments
        maplen = len(head) + sum(len(b"%d\n0\n" % (2 * i)) for i in range(segments))
        size = maplen + (-maplen % 512)
        ti = info("GNUSparseFile.0/sparse-bomb", tarfile.REGTYPE)
        ti.size = size
        ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                          "GNU.sparse.name": "sparse-bomb", "GNU.sparse.realsize": str(realsize)}
        buf = ti.tobuf(tf.format, tf.encoding, tf.errors)
        tf.fileobj.write(buf)
        tf.offset += len(buf)
        w = tf.fileobj
        w.write(head)
        chunk = []
        for i in range(segments):
            chunk.append(b"%d\n0\n" % (2 * i))
            if len(chunk) == 65536:
                w.write(b"".join(chunk))
                chunk = []
        w.write(b"".join(chunk))
        w.write(b"\0" * (size - maplen))
        tf.offset += size


def cmd_deep(out, depth, base=None):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        add_base(tf, base)
        p = "deep"
        tf.addfile(info(p, tarfile.DIRTYPE, 0o755))
        for _ in range(depth - 1):
            p += "/d"
            tf.addfile(info(p, tarfile.DIRTYPE, 0o755))
        data = b"bottom\n"
        ti = info(p + "/f", tarfile.REGTYPE)
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))


def cmd_watch_open(path, ready):
    import ctypes
    import signal
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0 or libc.inotify_add_watch(fd, path.encode(), 0x20) < 0:  # IN_OPEN
        sys.exit("inotify on %s: %s" % (path, os.strerror(ctypes.get_errno())))
    opens = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    open(ready, "w").close()
    import select
    while True:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            buf = os.read(fd, 65536)
            off = 0
            while off + 16 <= len(buf):
                _, mask, _, nlen = struct.unpack_from("iIII", buf, off)
                if mask & 0x20:
                    opens += 1
                off += 16 + nlen
        elif stop:
            break
    print(opens)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, out = argv[1], argv[2]
    if cmd == "entries":
        cmd_entries(out, argv[3] if argv[3] != "-" else None, argv[4:])
    elif cmd == "sparse":
        cmd_sparse(out, int(argv[3]), argv[4] if len(argv) > 4 else None)
    elif cmd == "watch-open":
        cmd_watch_open(out, argv[3])
    elif cmd == "deep":
        cmd_deep(out, int(argv[3]), argv[4] if len(argv) > 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
