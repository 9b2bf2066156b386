#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14: where neither --layout nor the sample chooses, create makes layout overlay when this
# host can ([defaults] layout = overlay, the built-in default): the private area's filesystem takes
# an upper layer and, with a user namespace, template_dir's takes an idmapped mount (probed at
# create with a throwaway user namespace). Else it falls back to a full copy, says why and records
# layout = copy. [defaults] layout = copy makes copies without a word; a bad value is refused.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
set_default() { sed -i "s/^layout *=.*/layout     = $1/" "$CONF"; }
ms() { date +%s%N | cut -c1-13; }

# Can template_dir's filesystem be idmapped here? Ask the kernel the same way, by hand: a detached
# idmapped clone through a user namespace of a sleeping child (python's os.open_tree is absent on
# Debian 12: the syscalls by number, x86_64).
idmap_ok() {
	python3 - "$1" <<-'PY'
		import ctypes, os, subprocess, sys, struct
		libc = ctypes.CDLL(None, use_errno=True)
		p = subprocess.Popen(["unshare", "-U", "sleep", "30"])
		try:
		    for _ in range(100):
		        if os.readlink(f"/proc/{p.pid}/ns/user") != os.readlink("/proc/self/ns/user"):
		            break
		        __import__("time").sleep(0.02)
		    for f in ("uid_map", "gid_map"):
		        open(f"/proc/{p.pid}/{f}", "w").write("0 100000 65536\n")
		    ns = os.open(f"/proc/{p.pid}/ns/user", os.O_RDONLY)
		    AT_FDCWD, OPEN_TREE_CLONE, AT_EMPTY_PATH = -100, 1, 0x1000
		    t = libc.syscall(428, AT_FDCWD, sys.argv[1].encode(), OPEN_TREE_CLONE)
		    attr = struct.pack("QQQQ", 0x100000, 0, 0, ns)  # MOUNT_ATTR_IDMAP
		    r = libc.syscall(442, t, b"", AT_EMPTY_PATH, attr, len(attr)) if t >= 0 else -1
		    sys.exit(0 if r == 0 else 1)
		finally:
		    p.kill()
		    p.wait()
	PY
}

set_default overlay
if idmap_ok "$TPL_DIR"; then want_userns=overlay; else want_userns=copy; fi
log "template_dir $(stat -f -c %T "$TPL_DIR") on $(uname -r): idmapped mounts -> $want_userns"

# ---- the default, with a user namespace ------------------------------------------------------
t0=$(ms)
create_ct "$CT"
t1=$(ms)
log "default create (userns): $((t1 - t0)) ms, layout $(conf_get "$CT" layout)"
expect_match "^$want_userns\$" "$(conf_get "$CT" layout)" "default with userns: layout $want_userns recorded"
if [ "$want_userns" = copy ]; then
	expect_match 'does not support idmapped mounts' "$OUT" "the fallback to a copy says why"
else
	expect_match '^$' "$(grep -i 'layout copy' <<< "$OUT")" "no fallback message"
	[ -e "$PRIV_DIR/$CT/bin" ] && fail "no copy of the template" || ok "no copy of the template"
fi
start_ct "$CT"
expect_output '^0 0$' cc exec "$CT" -- stat -c '%u %g' /bin/busybox
check "write inside" cc exec "$CT" -- sh -c 'echo kept > /root/f'
check "stop" cc stop "$CT"
start_ct "$CT"
expect_output '^kept$' cc exec "$CT" -- cat /root/f
check "stop" cc stop "$CT"

# ---- without: overlay needs no idmapped mount -----------------------------------------------
create_ct "$CT2" --userns no
expect_match '^overlay$' "$(conf_get "$CT2" layout)" "default without userns: layout overlay"
start_ct "$CT2"
expect_output '^ok$' cc exec "$CT2" -- echo ok
check "stop" cc stop "$CT2"
check "destroy" cc destroy "$CT2"

# ---- a private_dir that cannot hold an upper layer (itself an overlay) -----------------------
mkdir -p "$TMPD/po/l" "$TMPD/po/u" "$TMPD/po/w" "$TMPD/po/m"
mount -t overlay overlay -o "lowerdir=$TMPD/po/l,upperdir=$TMPD/po/u,workdir=$TMPD/po/w" "$TMPD/po/m"
sed -i "s|^private_dir *=.*|private_dir  = $TMPD/po/m|" "$CONF"
create_ct "$CT2" --userns no
expect_match '^copy$' "$(conf_get "$CT2" layout)" "private_dir on overlayfs: layout copy recorded"
expect_match 'cannot hold an overlay upper layer' "$OUT" "and the reason is given"
[ -x "$TMPD/po/m/$CT2/bin/busybox" ] && ok "a full copy" || fail "a full copy"
start_ct "$CT2"
expect_output '^ok$' cc exec "$CT2" -- echo ok
check "stop" cc stop "$CT2"
check "destroy" cc destroy "$CT2"
umount "$TMPD/po/m"
sed -i "s|^private_dir *=.*|private_dir  = private|" "$CONF"

# ---- [defaults] layout = copy, and a bad value ----------------------------------------------
set_default copy
create_ct "$CT2"
expect_match '^copy$' "$(conf_get "$CT2" layout)" "[defaults] layout = copy: layout copy"
expect_match '^$' "$(grep -i 'overlay is not usable' <<< "$OUT")" "without a fallback message"
check "destroy" cc destroy "$CT2"
set_default cow
expect_exit 85 cc create "$CT2"
expect_match "\\[defaults\\] layout: invalid value 'cow'" "$OUT" "a bad [defaults] layout is named"
[ -e "$CONF_DIR/$CT2.conf" ] && fail "nothing created" || ok "nothing created"
set_default copy

check "destroy" cc destroy "$CT"
leak_check
finish
