#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# treelist.py ROOT BASE: one line per entry of the tree ROOT (not following symlinks), sorted, with
# owners, ACL ids and file-capability root ids made container-relative (minus BASE; ids below BASE
# as they are): path, type, mode, uid, gid, size, sha256 of the data, link target, hard-link group,
# xattrs. Two trees with the same listing are the same container tree. With -b, a sparse file's
# allocated blocks are printed too (as "small" or "full").
import hashlib, os, stat, struct, sys

args = [a for a in sys.argv[1:] if a != "-b"]
blocks = "-b" in sys.argv
root, base = args[0], int(args[1])

def rel(i):
    return i - base if i >= base else i

def xattrs(p):
    out = []
    for n in sorted(os.listxattr(p, follow_symlinks=False)):
        v = os.getxattr(p, n, follow_symlinks=False)
        if n in ("system.posix_acl_access", "system.posix_acl_default"):
            ents = []
            for off in range(4, len(v), 8):
                tag, perm, i = struct.unpack_from("<HHI", v, off)
                ents.append("%x:%o:%d" % (tag, perm, rel(i) if tag in (2, 8) else -1))
            v = ",".join(ents)
        elif n == "security.capability":
            magic = struct.unpack_from("<I", v, 0)[0]
            rootid = struct.unpack_from("<I", v, 20)[0] if len(v) >= 24 else 0
            v = "caps=%s root=%d" % (v[4:20].hex(), rel(rootid))
        else:
            v = v.hex()
        out.append("%s=%s" % (n, v))
    return ";".join(out)

inodes, lines = {}, []
for d, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        st = os.lstat(p)
        r = os.path.relpath(p, root)
        h = link = ""
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()
            if st.st_nlink > 1:
                link = "hl:" + inodes.setdefault((st.st_dev, st.st_ino), r)
        elif stat.S_ISLNK(st.st_mode):
            link = os.readlink(p)
        size = st.st_size if not stat.S_ISDIR(st.st_mode) else 0
        extra = ""
        if blocks and stat.S_ISREG(st.st_mode) and st.st_size > 1 << 20:
            extra = " blocks=" + ("small" if st.st_blocks * 512 < st.st_size // 4 else "full")
        dev = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else ""
        lines.append("%s %o %d %d %d %s %s %s %s%s" % (r, st.st_mode, rel(st.st_uid), rel(st.st_gid), size, h, link, dev, xattrs(p), extra))
print("\n".join(sorted(lines)))
