#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 4, live: set --ipadd/--ipdel/--mac on a running container rebuild its
# anti-spoofing filter at once (a removed address is refused again, a new MAC passes and the old
# one not), the drop counters survive the rebuild, and the per-interface opt-out (mac_filter,
# ip_filter) works live, with --save across a restart, and for an interface added live.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/spoof.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
A=$(ctid 1)
leak_snapshot

create_ct "$A" --ipadd 10.77.0.101/24 --ipadd fd00:77::101/64
start_ct "$A"
in_ns ip addr add fd00:77::1/64 dev "$BRIDGE" nodad
MAC0=$(guest_mac "$A")

ping4() { cc exec "$A" -- ping -c 1 -W 2 "$@" > /dev/null 2>&1; }
# from_src ADDR: 3 echo requests from ADDR to the host (the guest adds ADDR itself when it does not
# have it: root inside may); prints how many the host received
from_src() {
	local e0 e1 add="" del=""
	if ! cc exec "$A" -- ip addr show dev eth0 | grep -q " $1/"; then
		add="ip addr add $1/32 dev eth0;" del="ip addr del $1/32 dev eth0"
	fi
	ping4 10.77.0.1
	e0=$(icmp_in_echos)
	cc exec "$A" -- sh -c "$add ping -c 3 -W 1 -I $1 10.77.0.1; $del" > /dev/null 2>&1
	e1=$(icmp_in_echos)
	echo $((e1 - e0))
}
restore_mac() { cc exec "$A" -- sh -c "ip link set eth0 address $1; ip neigh flush dev eth0" > /dev/null 2>&1; in_ns ip neigh flush dev "$BRIDGE"; }

wait_for 5 ping4 10.77.0.1 && ok "$A pings the host" || fail "$A pings the host"
n=$(from_src 10.77.0.150)
[ "$n" = 0 ] && ok "a foreign source (10.77.0.150) is refused" || fail "a foreign source (10.77.0.150) is refused ($n got through)"

# ---- --ipadd / --ipdel live -----------------------------------------------------------------
check "set --ipadd 10.77.0.160/24 (live)" cc set "$A" --ipadd 10.77.0.160/24
n=$(from_src 10.77.0.160)
[ "$n" = 3 ] && ok "the address added live is let through at once" || fail "the address added live is let through at once ($n of 3)" "$(tc_filters "veth$A.0")"
in_ns busybox ping -c 1 -W 2 10.77.0.160 > /dev/null 2>&1 && ok "the host reaches 10.77.0.160 (ARP for it passes)" || fail "the host reaches 10.77.0.160"
v0=$(drops "$A" ipv4)
check "set --ipdel 10.77.0.160 (live)" cc set "$A" --ipdel 10.77.0.160
run cc exec "$A" -- ip -4 addr show dev eth0
[ -z "$(printf '%s' "$OUT" | grep 10.77.0.160)" ] && ok "--ipdel removed 10.77.0.160 from the guest" || fail "--ipdel removed 10.77.0.160 from the guest" "$OUT"
n=$(from_src 10.77.0.160)
[ "$n" = 0 ] && ok "the guest re-adding 10.77.0.160 itself is refused (the filter was rebuilt)" ||
	fail "the guest re-adding 10.77.0.160 itself is refused ($n got through)" "$(tc_filters "veth$A.0")"
v1=$(drops "$A" ipv4)
[ "$((v1 - v0))" -ge 3 ] && ok "counted ($v0 -> $v1)" || fail "the refused packets are counted" "$v0 -> $v1"
# IPv6 the same way
check "set --ipadd fd00:77::160/64 (live)" cc set "$A" --ipadd fd00:77::160/64
e0=$(icmp6_in_echos)
cc exec "$A" -- ping -6 -c 3 -W 1 -I fd00:77::160 fd00:77::1 > /dev/null 2>&1
e1=$(icmp6_in_echos)
[ "$((e1 - e0))" = 3 ] && ok "the IPv6 address added live is let through" || fail "the IPv6 address added live is let through ($e0 -> $e1)"
check "set --ipdel fd00:77::160 (live)" cc set "$A" --ipdel fd00:77::160
e0=$(icmp6_in_echos)
cc exec "$A" -- sh -c 'ip addr add fd00:77::160/64 dev eth0; i=0; while ip -6 addr show dev eth0 | grep -q tentative &&
	[ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done; ping -6 -c 3 -W 1 -I fd00:77::160 fd00:77::1; ip addr del fd00:77::160/64 dev eth0' > /dev/null 2>&1
e1=$(icmp6_in_echos)
[ "$e1" = "$e0" ] && ok "the guest re-adding fd00:77::160 itself is refused" || fail "the guest re-adding fd00:77::160 itself is refused ($e0 -> $e1)"

# ---- --mac live -----------------------------------------------------------------------------
total() { local s=0 r; for r in mac arp ipv4 ipv6 nd guard other; do s=$((s + $(drops "$A" "$r"))); done; echo $s; }
t0=$(total)
check "set --mac 02:77:00:00:01:01 (live)" cc set "$A" --mac 02:77:00:00:01:01
[ "$(guest_mac "$A")" = 02:77:00:00:01:01 ] && ok "eth0 in $A has the new MAC at once" || fail "eth0 in $A has the new MAC at once" "$(guest_mac "$A")"
t1=$(total)
[ "$t1" -ge "$t0" ] && [ "$t0" -gt 0 ] && ok "the drop counters survive the rebuilt filter ($t0 -> $t1)" || fail "the drop counters survive the rebuilt filter" "$t0 -> $t1"
restore_mac 02:77:00:00:01:01
wait_for 5 ping4 10.77.0.1 && ok "the new MAC is let through (the host answers)" || fail "the new MAC is let through" "$(tc_filters "veth$A.0")"
m0=$(drops "$A" mac)
cc exec "$A" -- sh -c "ip link set eth0 address $MAC0; ip neigh flush dev eth0; ping -c 2 -W 2 10.77.0.1" > /dev/null 2>&1 &&
	fail "the old MAC is refused now" || ok "the old MAC ($MAC0), set back by the guest, is refused now"
m1=$(drops "$A" mac)
[ "$((m1 - m0))" -ge 1 ] && ok "counted as mac ($m0 -> $m1)" || fail "counted as mac" "$m0 -> $m1"
restore_mac 02:77:00:00:01:01
cmp -s <(grep -c '^mac' "$CONF_DIR/$A.conf") <(echo 0) && ok "the config has no mac (no --save)" || fail "the config has no mac (no --save)" "$(cat "$CONF_DIR/$A.conf")"

# ---- the opt-out, live ----------------------------------------------------------------------
check "set --ip_filter no (live)" cc set "$A" --ip_filter no
expect_match '^mac$' "$(filter_state "$A")" "netstat: the filter of eth0 checks the MAC only"
n=$(from_src 10.77.0.150)
[ "$n" = 3 ] && ok "ip_filter=no: a foreign source passes" || fail "ip_filter=no: a foreign source passes ($n of 3)"
cc exec "$A" -- sh -c "ip link set eth0 address 02:de:ad:be:ef:02; ip neigh flush dev eth0; ping -c 2 -W 2 10.77.0.1" > /dev/null 2>&1 &&
	fail "ip_filter=no: still no foreign MAC" || ok "ip_filter=no: still no foreign MAC"
restore_mac 02:77:00:00:01:01
check "set --ip_filter yes --mac_filter no (live)" cc set "$A" --ip_filter yes --mac_filter no
expect_match '^ip$' "$(filter_state "$A")" "netstat: the filter of eth0 checks the addresses only"
cc exec "$A" -- sh -c "ip link set eth0 address 02:de:ad:be:ef:02; ip neigh flush dev eth0; ping -c 2 -W 2 10.77.0.1" > /dev/null 2>&1 &&
	ok "mac_filter=no: a changed MAC is answered" || fail "mac_filter=no: a changed MAC is answered"
restore_mac 02:77:00:00:01:01
n=$(from_src 10.77.0.150)
[ "$n" = 0 ] && ok "mac_filter=no: a foreign source is still refused" || fail "mac_filter=no: a foreign source is still refused ($n)"
check "set --mac_filter no --ip_filter no --save (both off)" cc set "$A" --mac_filter no --ip_filter no --save
expect_match '^off$' "$(filter_state "$A")" "netstat: eth0 is not filtered"
run tc_filters "veth$A.0"
[ -z "$(printf '%s' "$OUT" | grep cellctl_spoof)" ] && ok "no filter left on veth$A.0" || fail "no filter left on veth$A.0" "$OUT"
expect_match 'mac_filter = no' "$(cat "$CONF_DIR/$A.conf")" "--save wrote mac_filter = no"
expect_match 'ip_filter = no' "$(cat "$CONF_DIR/$A.conf")" "--save wrote ip_filter = no"
check "restart $A" cc restart "$A" --fast
expect_match '^off$' "$(filter_state "$A")" "after a restart eth0 is still not filtered (saved)"
n=$(from_src 10.77.0.150)
[ "$n" = 3 ] && ok "opted out after restart: a foreign source passes" || fail "opted out after restart: a foreign source passes ($n)"

# an interface added live is filtered by default, and can opt out as it is added
check "set --netif_add eth1 --ifname eth1 --ipadd 10.77.1.5/24 (live)" cc set "$A" --netif_add eth1 --ifname eth1 --ipadd 10.77.1.5/24
expect_match '^mac,ip$' "$(filter_state "$A" eth1)" "the interface added live is filtered"
run tc_filters "veth$A.1"
expect_match 'cellctl_spoof' "$OUT" "veth$A.1 carries the filter"
check "set --netif_add eth2 --ifname eth2 --mac_filter no --ip_filter no (live)" cc set "$A" --netif_add eth2 --ifname eth2 --mac_filter no --ip_filter no
expect_match '^off$' "$(filter_state "$A" eth2)" "an interface can opt out as it is added"
check "set --mac_filter yes --ip_filter yes --save" cc set "$A" --mac_filter yes --ip_filter yes --save
expect_match '^mac,ip$' "$(filter_state "$A")" "eth0 is filtered again"
n=$(from_src 10.77.0.150)
[ "$n" = 0 ] && ok "filtered again: a foreign source is refused" || fail "filtered again: a foreign source is refused ($n)"
grep -q '_filter' "$CONF_DIR/$A.conf" && fail "--save with both back on removes the keys" "$(cat "$CONF_DIR/$A.conf")" || ok "--save with both back on removes the keys"

check "stop $A" cc stop "$A" --fast
check "destroy $A" cc destroy "$A"
finish
