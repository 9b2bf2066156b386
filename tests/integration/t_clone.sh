#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14, clone and flatten: clone of a stopped container, overlay to overlay (the same template
# tree, a copy of the upper layer moved into the new id block), copy to copy, overlay to copy (a
# flattened copy); with and without a user namespace: both start, the source's data is in the
# clone, writes in one are not in the other, the clone's owners on disk are in its block, its
# UUID, id block and MACs are new, its name, hostname and addresses are not copied. flatten: an
# overlay container becomes a full copy that starts with its data and owners; the tree stays for
# the others. Refusals (running source, existing destination, bad CTIDs, copy to overlay, flatten
# of a copy) with their exit codes and nothing left behind. The clone times go to the log.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
ext4_dirs 160 # the same on every kernel and temp dir (lib.sh)
A=$(ctid 1) B=$(ctid 2) C=$(ctid 3) D=$(ctid 4) E=$(ctid 5) F=$(ctid 6) G=$(ctid 7)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
ms() { date +%s%N | cut -c1-13; }
guest_mac() { cc exec "$1" -- cat "/sys/class/net/$2/address" 2>&1; }
# nothing of CTID $1 exists: no config, no private area, no partial one
nothing_of() {
	if [ -e "$CONF_DIR/$1.conf" ] || [ -e "$PRIV_DIR/$1" ] || [ -e "$PRIV_DIR/.$1.partial" ]; then
		fail "$2: nothing of $1 is left" "$(ls -la "$CONF_DIR" "$PRIV_DIR")"
	else
		ok "$2: nothing of $1 is left"
	fi
}
timed_clone() { # SRC DST ARGS...: clone, its time in CLONE_MS
	local t0
	t0=$(ms)
	use_ct "$2"
	check "clone $*" cc clone "$@"
	CLONE_MS=$(($(ms) - t0))
}

# ---- overlay, with a user namespace -----------------------------------------------------------
create_ct "$A" --layout overlay --hostname clone-a --name clone-a --ipadd 10.77.9.1/24 --netif_add eth1
tree=$(conf_get "$A" template_tree)
T=$TPL_DIR/trees/$tree
abase=$(conf_get "$A" uid_base)
start_ct "$A"
check "write data in $A" cc exec "$A" -- sh -c 'echo from-a > /data && echo u > /by-1000 && chown 1000:1000 /by-1000 && rm /bin/ls'
amac=$(guest_mac "$A" eth1)

# refusals while the source runs, and for bad CTIDs: nothing is made
expect_exit 32 cc clone "$A" "$B"
nothing_of "$B" "clone of a running container"
expect_exit 32 cc flatten "$A"
[ -d "$PRIV_DIR/$A/upper" ] && ok "the refused flatten left $A as it was" || fail "the refused flatten left $A as it was"
check "stop $A" cc stop "$A"
expect_exit 20 cc clone "$A" 12
expect_exit 20 cc clone abc "$B"
expect_exit 27 cc clone "$A"
expect_exit 14 cc clone "$(ctid 90)" "$B"
nothing_of "$B" "clone of a missing container"
expect_exit 44 cc clone "$A" "$A"
expect_exit 21 cc clone "$A" "$B" --layout zfs
nothing_of "$B" "clone with a bad --layout"

# a setuid file with a file capability of the container's root (revision 3: its rootid is a host
# uid), as root inside would leave it in the upper layer
capfile=$PRIV_DIR/$A/upper/capped
printf 'x' > "$capfile"
chown "$abase:$abase" "$capfile"
chmod 4755 "$capfile"
setcap() { # FILE ROOTID: cap_net_raw permitted, revision 3
	python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1], "security.capability", struct.pack("<IIIIII", 0x03000001, 1 << 13, 0, 0, 0, int(sys.argv[2])))' "$1" "$2"
}
getcap_root() { python3 -c 'import os, struct, sys
v = os.getxattr(sys.argv[1], "security.capability"); print(struct.unpack("<I", v[20:24])[0] if len(v) == 24 else "v2")' "$1" 2>&1; }
setcap "$capfile" "$abase"

timed_clone "$A" "$B" --hostname clone-b --ipadd 10.77.9.2/24
log "clone overlay -> overlay (userns): $CLONE_MS ms"
ovl_ms=$CLONE_MS
expect_match '^overlay$' "$(conf_get "$B" layout)" "the clone is an overlay too"
expect_match "^$tree\$" "$(conf_get "$B" template_tree)" "the clone shares the template tree"
bbase=$(conf_get "$B" uid_base)
[ -n "$bbase" ] && [ "$bbase" != "$abase" ] && ok "the clone has its own id block ($bbase, not $abase)" ||
	fail "the clone has its own id block" "$abase $bbase"
[ "$(conf_get "$A" uuid)" != "$(conf_get "$B" uuid)" ] && ok "a new UUID" || fail "a new UUID"
expect_match '^$' "$(conf_get "$B" name)" "the name is not copied"
# names (#15): the source by its name; a name another container has is refused, nothing made
expect_exit 21 cc clone clone-a "$G" --name clone-a
expect_match 'clone-a' "$OUT" "a name in use is refused, naming it"
[ -e "$CONF_DIR/$G.conf" ] || [ -e "$PRIV_DIR/$G" ] && fail "nothing made for the refused clone" || ok "nothing made for the refused clone"
expect_match '^clone-b$' "$(conf_get "$B" hostname)" "--hostname given"
grep -q '10\.77\.9\.1\b' "$CONF_DIR/$B.conf" && fail "the source's addresses are not copied" "$(cat "$CONF_DIR/$B.conf")" ||
	ok "the source's addresses are not copied"
grep -q '10\.77\.9\.2' "$CONF_DIR/$B.conf" && ok "--ipadd given" || fail "--ipadd given" "$(cat "$CONF_DIR/$B.conf")"
expect_match "^$B\$" "$(conf_get "$B" quota_id)" "its own quota project ID"
expect_match "^$bbase:$bbase\$" "$(stat -c '%u:%g' "$PRIV_DIR/$B/upper/data" 2>&1)" "owners in the clone's upper layer moved to its block"
expect_match "^$((bbase + 1000)):$((bbase + 1000))\$" "$(stat -c '%u:%g' "$PRIV_DIR/$B/upper/by-1000" 2>&1)" \
	"uid 1000 inside is $((bbase + 1000)) in the clone's upper layer"
expect_match "^$bbase:$bbase 4755\$" "$(stat -c '%u:%g %a' "$PRIV_DIR/$B/upper/capped" 2>&1)" "a setuid file keeps its mode in the clone"
expect_match "^$bbase\$" "$(getcap_root "$PRIV_DIR/$B/upper/capped")" "a file capability's root id moved to the clone's block"
expect_match "^$abase\$" "$(getcap_root "$capfile")" "the source's file capability is untouched"
[ -c "$PRIV_DIR/$B/upper/bin/ls" ] && ok "the whiteout of a deleted file is copied" || fail "the whiteout of a deleted file is copied"
start_ct "$A"
start_ct "$B"
expect_output '^from-a$' cc exec "$B" -- cat /data
expect_output '^1000 1000$' cc exec "$B" -- stat -c '%u %g' /by-1000
expect_output '^gone$' cc exec "$B" -- sh -c 'test -e /bin/ls || echo gone'
expect_output '^0 0$' cc exec "$B" -- stat -c '%u %g' /bin/busybox
expect_output '^clone-b$' cc exec "$B" -- hostname
check "write in $B" cc exec "$B" -- sh -c 'echo b > /only-b'
check "write in $A" cc exec "$A" -- sh -c 'echo a > /only-a'
expect_output '^no$' cc exec "$A" -- sh -c 'test -e /only-b && echo yes || echo no'
expect_output '^no$' cc exec "$B" -- sh -c 'test -e /only-a && echo yes || echo no'
bmac=$(guest_mac "$B" eth1)
[ -n "$bmac" ] && [ "$bmac" != "$amac" ] && ok "a new MAC ($amac -> $bmac)" || fail "a new MAC" "$amac $bmac"
check "stop $A" cc stop "$A"
expect_exit 44 cc clone "$A" "$B"
check "stop $B" cc stop "$B"

# ---- flatten ---------------------------------------------------------------------------------
# a copy that fails midway (a directory deeper than the copy's limit of 256): the clone leaves
# nothing, the flatten leaves the container as it was
deep=$PRIV_DIR/$B/upper/deep
mkdir -p "$deep/$(printf 'd/%.0s' $(seq 1 260))"
cp "$CONF_DIR/$B.conf" "$TMPD/b.conf.before"
expect_exit 3 cc clone "$B" "$C"
expect_match 'too deep' "$OUT" "a tree too deep is refused, saying so"
nothing_of "$C" "a clone that failed midway"
expect_exit 3 cc flatten "$B"
cmp -s "$CONF_DIR/$B.conf" "$TMPD/b.conf.before" && [ -d "$PRIV_DIR/$B/upper" ] &&
	! ls -a "$PRIV_DIR" | grep -q "^\.$B\." && ok "a flatten that failed midway left $B as it was" ||
	fail "a flatten that failed midway left $B as it was" "$(ls -a "$PRIV_DIR")"
rm -rf "$deep"
# a flatten killed after the private area was renamed away: the next one undoes that first
mv "$PRIV_DIR/$B" "$PRIV_DIR/.$B.flattened"
check "flatten $B" cc flatten "$B"
expect_match '^copy$' "$(conf_get "$B" layout)" "flatten: the config says layout copy"
expect_match '^$' "$(conf_get "$B" template_tree)" "flatten: no template_tree"
[ ! -e "$PRIV_DIR/$B/upper" ] && [ -x "$PRIV_DIR/$B/bin/busybox" ] && ok "flatten: a full copy in the private area" ||
	fail "flatten: a full copy in the private area" "$(ls -la "$PRIV_DIR/$B")"
expect_match "^$bbase:$bbase\$" "$(stat -c '%u:%g' "$PRIV_DIR/$B/bin/busybox" 2>&1)" "flatten: the tree's files moved into the block"
expect_match "^$((bbase + 1000)):" "$(stat -c '%u:%g' "$PRIV_DIR/$B/by-1000" 2>&1)" "flatten: the upper's owners kept"
ls -a "$PRIV_DIR" | grep -q "^\.$B\." && fail "flatten leaves nothing beside the private area" "$(ls -a "$PRIV_DIR")" ||
	ok "flatten leaves nothing beside the private area"
[ -d "$T" ] && ok "flatten keeps the tree ($A uses it)" || fail "flatten keeps the tree"
# a flatten killed after the swap, before the config was saved: the next one finishes it
cp "$CONF_DIR/$B.conf" "$TMPD/b.conf.flat"
cp "$TMPD/b.conf.before" "$CONF_DIR/$B.conf"
mkdir "$PRIV_DIR/.$B.flattened"
check "flatten $B again" cc flatten "$B"
expect_match '^copy$' "$(conf_get "$B" layout)" "an interrupted flatten is finished by the next: layout copy"
[ ! -e "$PRIV_DIR/.$B.flattened" ] && ok "an interrupted flatten is finished by the next: the old area is gone" ||
	fail "an interrupted flatten is finished by the next: the old area is gone"
start_ct "$B"
expect_output '^from-a$' cc exec "$B" -- cat /data
expect_output '^b$' cc exec "$B" -- cat /only-b
expect_output '^0 0$' cc exec "$B" -- stat -c '%u %g' /bin/busybox
expect_output '^1000 1000$' cc exec "$B" -- stat -c '%u %g' /by-1000
expect_output '^gone$' cc exec "$B" -- sh -c 'test -e /bin/ls || echo gone'
check "stop $B" cc stop "$B"
expect_exit 89 cc flatten "$B"
expect_exit 89 cc clone "$B" "$C" --layout overlay
nothing_of "$C" "clone of a copy to overlay"

# overlay -> copy (flattened), copy -> copy
timed_clone "$A" "$C" --layout copy
log "clone overlay -> copy (userns, flattened): $CLONE_MS ms"
cbase=$(conf_get "$C" uid_base)
expect_match '^copy$' "$(conf_get "$C" layout)" "clone --layout copy of an overlay: layout copy"
expect_match "^$cbase:$cbase\$" "$(stat -c '%u:%g' "$PRIV_DIR/$C/bin/busybox" 2>&1)" "the flattened clone's tree files are in its block"
expect_match "^$cbase:$cbase\$" "$(stat -c '%u:%g' "$PRIV_DIR/$C/data" 2>&1)" "the flattened clone's upper files are in its block"
timed_clone "$B" "$D"
log "clone copy -> copy (userns): $CLONE_MS ms"
copy_ms=$CLONE_MS
dbase=$(conf_get "$D" uid_base)
expect_match "^$dbase:$dbase\$" "$(stat -c '%u:%g' "$PRIV_DIR/$D/bin/busybox" 2>&1)" "copy -> copy: owners moved to the clone's block"
expect_match "^$((dbase + 1000)):" "$(stat -c '%u:%g' "$PRIV_DIR/$D/by-1000" 2>&1)" "copy -> copy: uid 1000 moved too"
start_ct "$C"
start_ct "$D"
expect_output '^from-a$' cc exec "$C" -- cat /data
expect_output '^a$' cc exec "$C" -- cat /only-a
expect_output '^b$' cc exec "$D" -- cat /only-b
expect_output '^1000 1000$' cc exec "$D" -- stat -c '%u %g' /by-1000
check "stop $C" cc stop "$C"
check "stop $D" cc stop "$D"
log "clone figures (busybox, userns): overlay $ovl_ms ms, copy $copy_ms ms"
for x in "$B" "$C" "$D"; do check "destroy $x" cc destroy "$x"; done
[ -d "$T" ] && ok "the tree stays while $A uses it" || fail "the tree stays while $A uses it"

# ---- without a user namespace ----------------------------------------------------------------
create_ct "$F" --layout overlay --userns no
start_ct "$F"
check "write data in $F" cc exec "$F" -- sh -c 'echo from-f > /data && echo u > /by-1000 && chown 1000:1000 /by-1000'
check "stop $F" cc stop "$F"
timed_clone "$F" "$G"
log "clone overlay -> overlay (no userns): $CLONE_MS ms"
expect_match '^1000:1000$' "$(stat -c '%u:%g' "$PRIV_DIR/$G/upper/by-1000" 2>&1)" "no userns: owners as they were"
start_ct "$G"
expect_output '^from-f$' cc exec "$G" -- cat /data
check "stop $G" cc stop "$G"
check "flatten $G (no userns)" cc flatten "$G"
expect_match '^0:0$' "$(stat -c '%u:%g' "$PRIV_DIR/$G/bin/busybox" 2>&1)" "no userns flatten: owners as they were"
start_ct "$G"
expect_output '^from-f$' cc exec "$G" -- cat /data
expect_output '^1000 1000$' cc exec "$G" -- stat -c '%u %g' /by-1000
check "stop $G" cc stop "$G"
timed_clone "$G" "$E"
log "clone copy -> copy (no userns): $CLONE_MS ms"
expect_match '^1000:1000$' "$(stat -c '%u:%g' "$PRIV_DIR/$E/by-1000" 2>&1)" "no userns copy -> copy: owners as they were"
start_ct "$E"
expect_output '^from-f$' cc exec "$E" -- cat /data
check "stop $E" cc stop "$E"
for x in "$A" "$E" "$F" "$G"; do check "destroy $x" cc destroy "$x"; done
expect_output "Removed template tree" cc template prune
umount "$TMPD/ext"
finish
