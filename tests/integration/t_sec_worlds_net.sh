#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 10, the network half: two cellctl installations on one host (a production one and
# a test world) with a container of the same CTID share its link group (NET_GROUP_BASE | CTID)
# and its default veth names. Each host-side link cellctl makes also carries its container's
# alias ("cellctl UUID"), and a link is the container's only when both match. Checked here, with
# A's container running (bridged eth0 with an upload limit: a veth and an IFB):
#   1. B's start of the same CTID, whose veth name is taken, is refused (exit 130) and leaves A's
#      veth and IFB alone (the old code took A's veth for a stale one of its own and deleted it);
#   2. B's container without interfaces starts and stops: A's links stay (the old stop deleted
#      every link of the group);
#   3. B's container with its own veth name (wbCTID) runs beside A's: B's stop leaves A's links, and
#      A's stop leaves B's (each with a warning naming the other's link); A starts again beside B.
# A's links must keep their ifindex and A's container must reach the host throughout.
# timeout: 300
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
leak_snapshot
CT=$(ctid 1)
. "$(dirname "$0")/worlds.sh"
trap 'rc=$?; worlds_cleanup; (exit $rc); cleanup' EXIT

in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
ifidx() { in_ns ip -o link show dev "$1" 2>/dev/null | cut -d: -f1; }
link_alias() { in_ns ip -d link show dev "$1" 2>/dev/null | sed -n 's/^ *alias //p'; }
# reaches CT WORLD: the container pings the host's bridge address (WORLD: A, the test's own, or
# a directory mkworld made)
reaches() {
	if [ "$2" = A ]; then
		cc exec "$1" -- ping -c 1 -W 3 10.77.0.1 >/dev/null 2>&1
	else
		in_world "$2" exec "$1" -- ping -c 1 -W 3 10.77.0.1 >/dev/null 2>&1
	fi
}

# ---- A's container: eth0 on the bridge, with an upload limit (its IFB) ----
create_ct "$CT" --ipadd 10.77.0.11/24
check "A: set --rate_out 10M --save" cc set "$CT" --ifname eth0 --rate_out 10M --save
start_ct "$CT"
VA=veth$CT.0
IA=$(ifidx "$VA")
IFB=cifb$IA
IB=$(ifidx "$IFB")
UUID_A=$(sed -n 's/^uuid *= *//p' "$CONF_DIR/$CT.conf")
expect_match "^cellctl $UUID_A\$" "$(link_alias "$VA")" "A's veth $VA carries A's alias"
expect_match "^cellctl $UUID_A\$" "$(link_alias "$IFB")" "A's IFB $IFB carries A's alias"
A=A
# a_links_untouched WHAT: A's veth and IFB are the same links (ifindex) and A still reaches the host
a_links_untouched() {
	local ia ib
	ia=$(ifidx "$VA")
	ib=$(ifidx "$IFB")
	if [ "$ia" = "$IA" ] && [ "$ib" = "$IB" ] && reaches "$CT" "$A"; then
		ok "$1: A's $VA ($ia) and $IFB ($ib) untouched, A reaches the host"
	else
		fail "$1: A's $VA and $IFB untouched" "veth ifindex $IA -> $ia, IFB ifindex $IB -> $ib" \
			"A reaches the host: $(reaches "$CT" "$A" && echo yes || echo no)"
	fi
}
a_links_untouched "before B"

# ---- 1. B's CT with the same veth name: refused, A's links left ----
mkworld b "self/$CG_NAME-b" 8
B=$TMPD/b
check "B: create $CT with 10.77.0.12/24" in_world "$B" create "$CT" --ipadd 10.77.0.12/24
expect_exit 130 in_world "$B" start "$CT"
expect_match "$VA exists and does not belong to this container" "$OUT" "B's start names the veth it will not take"
a_links_untouched "B's refused start"
is_running "$CT" && ok "A's container still runs" || fail "A's container still runs"

# ---- 2. B's CT without interfaces: its start and stop leave A's links ----
check "B: --netif_del all --save" in_world "$B" set "$CT" --netif_del all --save
check "B: start $CT (no interfaces)" in_world "$B" start "$CT"
check "B: stop $CT --fast" in_world "$B" stop "$CT" --fast
a_links_untouched "B's stop of a container with no interfaces"

# ---- 3. B's CT with its own veth name, beside A's ----
VB=wb$CT
check "B: --netif_add eth0,,$VB --save" in_world "$B" set "$CT" --netif_add "eth0,,$VB" --save
check "B: --ifname eth0 --ipadd 10.77.0.12/24 --rate_out 10M --save" \
	in_world "$B" set "$CT" --ifname eth0 --ipadd 10.77.0.12/24 --rate_out 10M --save
check "B: start $CT beside A's" in_world "$B" start "$CT"
UUID_B=$(sed -n 's/^uuid *= *//p' "$B/ct/$CT.conf")
IVB=$(ifidx "$VB")
IFBB=cifb$IVB
expect_match "^cellctl $UUID_B\$" "$(link_alias "$VB")" "B's veth $VB carries B's alias"
expect_match "group ($((0x80000000 | CT))|$(((0x80000000 | CT) - 0x100000000))) " "$(in_ns ip -d link show dev "$VB")" \
	"... and the same link group as A's"
reaches "$CT" "$B" && ok "B's container reaches the host" || fail "B's container reaches the host"
check "B: stop $CT --fast" in_world "$B" stop "$CT" --fast
a_links_untouched "B's stop beside A's"
[ -z "$(ifidx "$VB")" ] && [ -z "$(ifidx "$IFBB")" ] && ok "B's stop removed B's own $VB and $IFBB" ||
	fail "B's stop removed B's own $VB and $IFBB" "$(in_ns ip -o link show)"
expect_match "link $VA has the link group of CT $CT but not its alias: not ours, left alone" \
	"$(cat "$B/cellctl.log")" "B's log names A's link it left alone"

check "B: start $CT again" in_world "$B" start "$CT"
IVB=$(ifidx "$VB")
IFBB=cifb$IVB
IB2=$(ifidx "$IFBB")
check "A: stop $CT --fast (B's running)" cc stop "$CT" --fast
if [ "$(ifidx "$VB")" = "$IVB" ] && [ "$(ifidx "$IFBB")" = "$IB2" ] && reaches "$CT" "$B"; then
	ok "A's stop left B's $VB and $IFBB, and B reaches the host"
else
	fail "A's stop left B's $VB and $IFBB" "$(in_ns ip -o link show)"
fi
[ -z "$(ifidx "$VA")" ] && [ -z "$(ifidx "$IFB")" ] && ok "A's stop removed A's own $VA and $IFB" ||
	fail "A's stop removed A's own $VA and $IFB" "$(in_ns ip -o link show)"
check "A: start $CT again, beside B's" cc start "$CT"
VA_NEW=$(ifidx "$VA")
[ -n "$VA_NEW" ] && reaches "$CT" "$A" && ok "A's container is back and reaches the host" ||
	fail "A's container is back and reaches the host"

check "B: stop $CT --fast" in_world "$B" stop "$CT" --fast
check "B: destroy $CT" in_world "$B" destroy "$CT"
[ -n "$(ifidx "$VA")" ] && reaches "$CT" "$A" && ok "A's container runs on after B's destroy" ||
	fail "A's container runs on after B's destroy"
check "A: stop" cc stop "$CT" --fast
check "A: destroy" cc destroy "$CT"
leak_check
finish
