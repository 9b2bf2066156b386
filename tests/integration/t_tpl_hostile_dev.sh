#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 9: device nodes and host-side reads. A template's device nodes became real
# nodes owned by host root, and at start cellctl opened guest files such as etc/machine-id as
# host root: a guest that made one a device node (or a symlink to one) had host root open a
# device. Now a template's device nodes exist only in its /dev, owned by the container's mapped
# root with their set-id bits dropped, and cellctl never opens a guest's non-regular file: inotify
# on the nodes sees no open while the container is started, written to and stopped, with a user
# namespace (a template's nodes) and without one (nodes the guest made itself with mknod).
# timeout: 600
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing"
need_template
A=$(ctid 1) B=$(ctid 2)
BASE=$TMPD/bb
unpack_busybox "$BASE"
leak_snapshot

# watch PATH NAME: count the opens of PATH in the background (stop with unwatch NAME)
declare -A WPID
watch() {
	rm -f "$TMPD/ready.$2"
	python3 "$LIB_DIR/tpl_hostile.py" watch-open "$1" "$TMPD/ready.$2" > "$TMPD/opens.$2" 2>&1 &
	WPID[$2]=$!
	BG_PIDS+=("${WPID[$2]}")
	wait_for 10 test -e "$TMPD/ready.$2" || fail "inotify watch on $1 ready" "$(cat "$TMPD/opens.$2")"
}
unwatch() { # NAME...: stop the watchers
	local n
	for n in "$@"; do kill -TERM "${WPID[$n]}" 2>/dev/null; done
	for n in "$@"; do wait "${WPID[$n]}" 2>/dev/null; done
}
opens() { cat "$TMPD/opens.$1"; }

# ---- a template's nodes, with a user namespace ----
python3 "$LIB_DIR/tpl_hostile.py" entries "$TPL_DIR/cache/devs.tar" "$BASE" \
	"chr:dev/cellctl-probe:1:3:4666" "blk:dev/cellctl-blk:7:0:2660" "fifo:dev/cellctl-fifo" \
	"symlink:etc/machine-id:/dev/cellctl-probe" "symlink:etc/hostname:/dev/cellctl-probe" \
	"symlink:etc/hosts:../dev/cellctl-blk" "symlink:etc/resolv.conf:/dev/cellctl-fifo" || fail "craft the template"
create_ct "$A" --ostemplate devs --hostname devs-host --nameserver 192.0.2.53
P=$PRIV_DIR/$A
base=$(disk_root "$A")
got=$(stat -c '%F %t:%T %u:%g %a' "$P/dev/cellctl-probe" "$P/dev/cellctl-blk" | tr '\n' ';')
want="character special file 1:3 $base:$base 666;block special file 7:0 $base:$base 660;"
[ "$got" = "$want" ] && ok "the template's device nodes: the container's root owns them, set-id bits dropped ($got)" ||
	fail "the template's device nodes owned by the mapped root, no set-id bits" "want: $want" "got:  $got"
if [ "$base" != 0 ]; then
	[ -z "$(find "$P" -xdev \( -type c -o -type b \) -uid 0)" ] && ok "no device node of the private area belongs to host root" ||
		fail "no device node owned by host root" "$(find "$P" -xdev \( -type c -o -type b \) -uid 0)"
else # ownership mapped: 0 on disk is the container's root; host users cannot reach private_dir
	expect_match '^700$' "$(stat -c %a "$PRIV_DIR")" "ownership mapped: private_dir is 0700"
fi

watch "$P/dev/cellctl-probe" probe
watch "$P/dev/cellctl-blk" blk
watch "$P/dev/cellctl-fifo" fifo
start_ct "$A"
expect_output '^devs-host$' cc exec "$A" -- hostname
check "set --hostname on the running container" cc set "$A" --hostname devs-host2
check "set --nameserver on the running container" cc set "$A" --nameserver 192.0.2.54
check "stop" cc stop "$A" --fast
unwatch probe blk fifo
n1=$(opens probe) n2=$(opens blk) n3=$(opens fifo)
[ "$n1" = 0 ] && [ "$n2" = 0 ] && [ "$n3" = 0 ] && ok "the host opened none of the guest's device nodes or FIFO (opens: $n1 $n2 $n3)" ||
	fail "the host opened none of the guest's device nodes or FIFO (opens of char, block, fifo: $n1 $n2 $n3)"
[ -f "$P/etc/hostname" ] && [ ! -L "$P/etc/hostname" ] && [ "$(cat "$P/etc/hostname")" = devs-host2 ] &&
	ok "etc/hostname became a regular file of the guest's" || fail "etc/hostname became a regular file" "$(ls -la "$P/etc/hostname")"
grep -q '192.0.2.54' "$P/etc/resolv.conf" 2>/dev/null && [ -f "$P/etc/resolv.conf" ] &&
	ok "etc/resolv.conf (a symlink to a FIFO) became a regular file" || fail "etc/resolv.conf became a regular file" "$(ls -la "$P/etc/resolv.conf")"
[ "$(stat -c '%F %t:%T' "$P/dev/cellctl-probe")" = "character special file 1:3" ] && ok "the node itself is untouched" ||
	fail "the node itself is untouched" "$(ls -la "$P/dev/cellctl-probe")"
check "destroy" cc destroy "$A"

# ---- nodes the guest made itself (a privileged container's root may mknod) ----
create_ct "$B" --userns no --hostname priv-host
start_ct "$B"
check "the guest replaces etc/machine-id, etc/hostname and etc/hosts with device nodes" cc exec "$B" -- \
	sh -c 'rm -f /etc/machine-id /etc/hostname /etc/hosts && mknod /etc/machine-id c 1 3 && mknod /etc/hostname c 1 3 && mknod /etc/hosts c 1 5'
check "stop" cc stop "$B" --fast
P=$PRIV_DIR/$B
watch "$P/etc/machine-id" mid
watch "$P/etc/hostname" hn
watch "$P/etc/hosts" hosts
start_ct "$B"
check "set --hostname on the running container" cc set "$B" --hostname priv-host2
check "stop" cc stop "$B" --fast
unwatch mid hn hosts
n1=$(opens mid) n2=$(opens hn) n3=$(opens hosts)
[ "$n1" = 0 ] && [ "$n2" = 0 ] && [ "$n3" = 0 ] && ok "the host opened none of the nodes the guest made (opens: $n1 $n2 $n3)" ||
	fail "the host opened none of the nodes the guest made (machine-id, hostname, hosts: $n1 $n2 $n3)"
[ -f "$P/etc/hostname" ] && [ "$(cat "$P/etc/hostname")" = priv-host2 ] && ok "etc/hostname is a regular file again" ||
	fail "etc/hostname is a regular file again" "$(ls -la "$P/etc/hostname")"
check "destroy" cc destroy "$B"
finish
