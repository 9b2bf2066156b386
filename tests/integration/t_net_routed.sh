#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, routed mode (venet-like): the test's netns plays the host, with an "uplink" veth
# (upl0) into a second netns that plays the upstream router (192.0.2.254/24, 2001:db8:77::fe/64,
# the same subnets as the routed addresses: only the host's proxy ARP / proxy NDP entries make
# the containers' addresses reachable). Containers with [network] ipadd_mode = routed (a bare
# --ipadd) get venet0: reachable from the router over IPv4 and IPv6, reaching the router and
# each other only through the host's routing; an address a container adds itself is not usable
# (its packets never reach the router); live --ipadd / --ipdel add and cut an address at once
# (route, proxy entry, filter); venet0 beside a bridged eth1; stop and destroy leave no route,
# proxy entry or veth; bad input and a host without forwarding are refused with their codes.
IPADD_MODE=routed
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24\nuplink = upl0|" "$CONF"
grep -q '^ipadd_mode = routed$' "$CONF" || { fail "ipadd_mode = routed in $CONF" "$(cat "$CONF")"; finish; }

leak_snapshot
# the router's netns: removed at exit whatever happens (before lib.sh's cleanup)
RNS="$NS-r"
trap 'rc=$?; ip netns del "$RNS" 2>/dev/null; (exit $rc); cleanup' EXIT
ip netns add "$RNS" || { fail "ip netns add $RNS"; finish; }
ip -n "$NS" link add upl0 type veth peer name rtr0 netns "$RNS"
ip -n "$NS" link set upl0 up
ip -n "$RNS" link set lo up
ip -n "$RNS" link set rtr0 up
ip -n "$NS" addr add 192.0.2.1/24 dev upl0
ip -n "$NS" addr add 2001:db8:77::1/64 dev upl0 nodad
ip -n "$RNS" addr add 192.0.2.254/24 dev rtr0
ip -n "$RNS" addr add 2001:db8:77::fe/64 dev rtr0 nodad
in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
in_r() { nsenter --net="/run/netns/$RNS" -- "$@"; }
# proxies answer at once (the default delays a proxied answer up to 0.8 s)
in_ns sh -c 'echo 0 > /proc/sys/net/ipv4/neigh/upl0/proxy_delay; echo 0 > /proc/sys/net/ipv6/neigh/upl0/proxy_delay'

A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
X=$(ctid 4)

r_ping() { in_r busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
r_ping6() { in_r busybox ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; }
ct_ping() { cc exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
ct_ping6() { cc exec "$1" -- ping -6 -c 1 -W 1 "$2" >/dev/null 2>&1; }
proxies() { ip -n "$NS" neigh show proxy 2>&1; }
r_echos6() { in_r cat /proc/net/snmp6 | awk '$1 == "Icmp6InEchos" { print $2 }'; }
r_echos() { in_r cat /proc/net/snmp | awk '$1 == "Icmp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else { print $c; exit } }'; }

log "---- bad input"
expect_exit 71 cc create "$X" --ipadd 192.0.2.50/24
expect_exit 71 cc create "$X" --ifname venet0 --ipadd 2001:db8:77::50/64
expect_exit 71 cc create "$X" --venet_ipadd 192.0.2.300
[ -e "$CONF_DIR/$X.conf" ] && fail "refused creates left no config" || ok "refused creates left no config"
sed 's|^ipadd_mode = routed$|ipadd_mode = venet|' "$CONF" > "$TMPD/g-bad.conf"
run env CELLCTL_CONF="$TMPD/g-bad.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" list -a
[ "$RC" = 85 ] && expect_match 'ipadd_mode' "$OUT" "ipadd_mode = venet: exit 85 naming the key" ||
	fail "ipadd_mode = venet: exit 85 (got $RC)" "$OUT"

create_ct "$A" --ipadd 192.0.2.10 --ipadd 2001:db8:77::10
create_ct "$B" --ipadd 192.0.2.11/32 --ipadd 2001:db8:77::11/128
run cat "$CONF_DIR/$A.conf"
expect_match '\[venet\]' "$OUT" "$A's config has a [venet] section"
expect_match 'ipadd = 192\.0\.2\.10 2001:db8:77::10' "$OUT" "[venet] ipadd holds both addresses"
[ -z "$(grep 'netif' "$CONF_DIR/$A.conf")" ] && ok "no bridged interface was made" || fail "no bridged interface was made" "$OUT"

log "---- a host without forwarding: refused naming the sysctl, nothing left"
in_ns sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
run cc start "$A"
[ "$RC" = 104 ] && expect_match 'net\.ipv4\.ip_forward' "$OUT" "start without ip_forward: exit 104 naming net.ipv4.ip_forward" ||
	fail "start without ip_forward: exit 104 (got $RC)" "$OUT"
in_ns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
run cc start "$A"
[ "$RC" = 104 ] && expect_match 'net\.ipv6\.conf\.all\.forwarding' "$OUT" "start without IPv6 forwarding: exit 104 naming it" ||
	fail "start without IPv6 forwarding: exit 104 (got $RC)" "$OUT"
in_ns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
run cc start "$A"
[ "$RC" = 104 ] && expect_match 'net\.ipv6\.conf\.upl0\.proxy_ndp' "$OUT" "start without proxy_ndp on the uplink: exit 104 naming it" ||
	fail "start without proxy_ndp: exit 104 (got $RC)" "$OUT"
sed 's|^uplink = upl0$|uplink = nosuch0|' "$CONF" > "$TMPD/g-up.conf"
run env CELLCTL_CONF="$TMPD/g-up.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$A"
[ "$RC" = 104 ] && expect_match 'nosuch0' "$OUT" "uplink = nosuch0: start exits 104 naming it" ||
	fail "uplink = nosuch0: start exits 104 (got $RC)" "$OUT"
has_venet() { ip -n "$NS" link show dev "venet$1" >/dev/null 2>&1; }
has_venet "$A" && fail "refused starts left no venet$A" || ok "refused starts left no venet$A"
[ -z "$(proxies | grep 192.0.2)" ] && ok "refused starts left no proxy entry" || fail "refused starts left no proxy entry" "$(proxies)"
in_ns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/upl0/proxy_ndp'

log "---- two routed containers"
start_ct "$A"
start_ct "$B"
for c in "$A" "$B"; do
	run ip -n "$NS" -d link show dev "venet$c"
	expect_match 'veth' "$OUT" "host side venet$c is a veth"
	# ip prints the group as a signed number
	expect_match "group $(((0x80000000 | c) - 0x100000000)) " "$(ip -n "$NS" -o link show dev "venet$c" 2>&1)" "venet$c carries the container's link group"
	expect_match 'alias cellctl ' "$(ip -n "$NS" -o link show dev "venet$c" 2>&1)" "venet$c carries the container's alias (its owner)"
	[ -z "$(ip -n "$NS" -o link show dev "venet$c" | grep master)" ] && ok "venet$c is on no bridge" || fail "venet$c is on no bridge"
done
run ip -n "$NS" -4 route show 192.0.2.10
expect_match "dev venet$A" "$OUT" "host route 192.0.2.10 dev venet$A"
run ip -n "$NS" -6 route show 2001:db8:77::10
expect_match "dev venet$A" "$OUT" "host route 2001:db8:77::10 dev venet$A"
run proxies
expect_match '192\.0\.2\.10 dev upl0' "$OUT" "proxy ARP entry for 192.0.2.10 on upl0"
expect_match '2001:db8:77::11 dev upl0' "$OUT" "proxy NDP entry for 2001:db8:77::11 on upl0"
run cc exec "$A" -- ip addr show dev venet0
expect_match 'inet 192\.0\.2\.10/32' "$OUT" "$A has 192.0.2.10/32 on venet0"
expect_match 'inet6 2001:db8:77::10/128' "$OUT" "$A has 2001:db8:77::10/128 on venet0"
run cc exec "$A" -- ip route show
expect_match 'default via 169\.254\.0\.1 dev venet0' "$OUT" "$A's IPv4 default route is via 169.254.0.1"
run cc exec "$A" -- ip -6 route show
expect_match 'default via fe80::1 dev venet0' "$OUT" "$A's IPv6 default route is via fe80::1"
run cc list -H -o ctid,ip
expect_match "$A +192\.0\.2\.10 2001:db8:77::10" "$OUT" "list -o ip shows the routed address"

for a in 192.0.2.10 192.0.2.11; do
	wait_for 5 r_ping "$a" && ok "the router pings $a" || fail "the router pings $a" "$(proxies)"
done
for a in 2001:db8:77::10 2001:db8:77::11; do
	wait_for 8 r_ping6 "$a" && ok "the router pings $a (IPv6)" || fail "the router pings $a (IPv6)" "$(proxies)"
done
UPMAC=$(ip -n "$NS" -o link show dev upl0 | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p')
run in_r ip neigh show 192.0.2.10
expect_match "lladdr ${UPMAC:-MISSING} " "$OUT" "the router's ARP answer for 192.0.2.10 came from the host (upl0's MAC)"
wait_for 5 ct_ping "$A" 192.0.2.254 && ok "$A pings the router" || fail "$A pings the router"
wait_for 8 ct_ping6 "$A" 2001:db8:77::fe && ok "$A pings the router (IPv6)" || fail "$A pings the router (IPv6)"
wait_for 5 ct_ping "$A" 192.0.2.11 && ok "$A pings $B (through the host)" || fail "$A pings $B"
wait_for 8 ct_ping6 "$A" 2001:db8:77::11 && ok "$A pings $B (IPv6)" || fail "$A pings $B (IPv6)"
run cc exec "$A" -- ip neigh show
[ -z "$(printf '%s\n' "$OUT" | grep -E '^192\.0\.2\.11 |^2001:db8:77::11 ')" ] && ok "$A has no neighbour entry for $B: only the host is on its link" ||
	fail "$A has no neighbour entry for $B" "$OUT"
# the host's own pings
in_ns busybox ping -c 1 -W 1 192.0.2.10 >/dev/null 2>&1 && ok "the host pings 192.0.2.10" || fail "the host pings 192.0.2.10"

log "---- a source address the container was not given"
# root in A takes B's address and one nobody has, and pings the router from them
cc exec "$A" -- ip addr add 192.0.2.11/32 dev venet0 >/dev/null 2>&1
cc exec "$A" -- ip addr add 192.0.2.99/32 dev venet0 >/dev/null 2>&1
run cc exec "$A" -- ip -4 addr show dev venet0
expect_match '192\.0\.2\.99/32' "$OUT" "root in $A added 192.0.2.99 to venet0"
v4drops() { cc netstat -H "$A" 2>/dev/null | awk '$2 == "venet0" { print $7; exit }'; }
run cc netstat -H "$A"
expect_match "venet0 +venet$A +mac,ip " "$OUT" "netstat shows venet0's filter"
d0=$(v4drops)
for src in 192.0.2.11 192.0.2.99; do
	before=$(r_echos)
	cc exec "$A" -- ping -c 3 -W 1 -I "$src" 192.0.2.254 >/dev/null 2>&1
	after=$(r_echos)
	[ -n "$before" ] && [ "$before" = "$after" ] && ok "echo requests from $A with source $src never reach the router ($before -> $after)" ||
		fail "echo requests from $A with source $src never reach the router ($before -> $after)"
done
before=$(r_echos)
cc exec "$A" -- ping -c 2 -W 1 -I 192.0.2.10 192.0.2.254 >/dev/null 2>&1
after=$(r_echos)
[ "$after" -ge $((before + 2)) ] 2>/dev/null && ok "the same from its own 192.0.2.10 reach the router ($before -> $after)" ||
	fail "the same from its own 192.0.2.10 reach the router ($before -> $after)"
# IPv6: an address of B's and one nobody has (usable at once: no DAD)
cc exec "$A" -- sh -c 'echo 0 > /proc/sys/net/ipv6/conf/venet0/accept_dad' >/dev/null 2>&1
cc exec "$A" -- ip -6 addr add 2001:db8:77::11/128 dev venet0 >/dev/null 2>&1
cc exec "$A" -- ip -6 addr add 2001:db8:77::99/128 dev venet0 >/dev/null 2>&1
run cc exec "$A" -- ip -6 addr show dev venet0
expect_match 'inet6 2001:db8:77::99/128 scope global *$' "$(printf '%s\n' "$OUT" | grep 2001:db8:77::99)" "root in $A added 2001:db8:77::99 to venet0 (usable: not tentative)"
v6drops() { cc netstat -H "$A" 2>/dev/null | awk '$2 == "venet0" { print $8; exit }'; }
e0=$(v6drops)
for src in 2001:db8:77::11 2001:db8:77::99; do
	before=$(r_echos6)
	run cc exec "$A" -- ping -6 -c 3 -W 1 -I "$src" 2001:db8:77::fe
	after=$(r_echos6)
	[ -n "$before" ] && [ "$before" = "$after" ] && ok "IPv6 echo requests from $A with source $src never reach the router ($before -> $after)" ||
		fail "IPv6 echo requests from $A with source $src never reach the router ($before -> $after)" "$OUT"
done
before=$(r_echos6)
cc exec "$A" -- ping -6 -c 2 -W 1 -I 2001:db8:77::10 2001:db8:77::fe >/dev/null 2>&1
after=$(r_echos6)
[ "$after" -ge $((before + 2)) ] 2>/dev/null && ok "the same from its own 2001:db8:77::10 reach the router ($before -> $after)" ||
	fail "the same from its own 2001:db8:77::10 reach the router ($before -> $after)"
e1=$(v6drops)
[ -n "$e0" ] && [ "$e1" -ge $((e0 + 6)) ] 2>/dev/null && ok "the filter on venet$A counted them as ipv6 drops ($e0 -> $e1)" ||
	fail "the filter on venet$A counted them as ipv6 drops ($e0 -> $e1)" "$(cc netstat "$A" 2>&1)"
cc exec "$A" -- ip -6 addr del 2001:db8:77::11/128 dev venet0 >/dev/null 2>&1
cc exec "$A" -- ip -6 addr del 2001:db8:77::99/128 dev venet0 >/dev/null 2>&1
d1=$(v4drops)
[ -n "$d0" ] && [ "$d1" -ge $((d0 + 6)) ] 2>/dev/null && ok "the filter on venet$A counted the spoofed packets as ipv4 drops ($d0 -> $d1)" ||
	fail "the filter on venet$A counted the spoofed packets ($d0 -> $d1)" "$(cc netstat "$A" 2>&1)"
cc exec "$A" -- ip addr del 192.0.2.11/32 dev venet0 >/dev/null 2>&1
cc exec "$A" -- ip addr del 192.0.2.99/32 dev venet0 >/dev/null 2>&1
wait_for 5 r_ping 192.0.2.11 && ok "$B still answers at 192.0.2.11" || fail "$B still answers at 192.0.2.11"

log "---- live --ipadd / --ipdel"
check "set $A --ipadd 192.0.2.12 (live, no --save)" cc set "$A" --ipadd 192.0.2.12
wait_for 5 r_ping 192.0.2.12 && ok "the router pings the address added live" || fail "the router pings 192.0.2.12" "$(proxies)"
expect_match '192\.0\.2\.12 dev upl0' "$(proxies)" "proxy entry for 192.0.2.12"
check "set $A --ipadd 2001:db8:77::12 (live)" cc set "$A" --ipadd 2001:db8:77::12
wait_for 8 r_ping6 2001:db8:77::12 && ok "the router pings 2001:db8:77::12 added live" || fail "the router pings 2001:db8:77::12"
check "set $A --ipdel 192.0.2.12 --ipdel 2001:db8:77::12" cc set "$A" --ipdel 192.0.2.12 --ipdel 2001:db8:77::12
r_ping 192.0.2.12 && fail "192.0.2.12 is unreachable at once after --ipdel" || ok "192.0.2.12 is unreachable at once after --ipdel"
r_ping6 2001:db8:77::12 && fail "2001:db8:77::12 is unreachable after --ipdel" || ok "2001:db8:77::12 is unreachable after --ipdel"
run proxies
[ -z "$(printf '%s\n' "$OUT" | grep -E '192\.0\.2\.12 |2001:db8:77::12 ')" ] && ok "the proxy entries of the removed addresses are gone" ||
	fail "the proxy entries of the removed addresses are gone" "$OUT"
expect_match '192\.0\.2\.10 dev upl0' "$OUT" "the proxy entry of 192.0.2.10 stays"
[ -z "$(ip -n "$NS" route show 192.0.2.12)" ] && ok "the route to 192.0.2.12 is gone" || fail "the route to 192.0.2.12 is gone"
[ -z "$(cc exec "$A" -- ip addr show dev venet0 | grep 192.0.2.12)" ] && ok "192.0.2.12 left $A's venet0" || fail "192.0.2.12 left $A's venet0"
wait_for 5 r_ping 192.0.2.10 && ok "192.0.2.10 still answers" || fail "192.0.2.10 still answers"
# a live IPv6 address on a host whose uplink lost proxy_ndp: refused naming the sysctl, nothing made
in_ns sh -c 'echo 0 > /proc/sys/net/ipv6/conf/upl0/proxy_ndp'
run cc set "$A" --ipadd 2001:db8:77::13
[ "$RC" = 104 ] && expect_match 'net\.ipv6\.conf\.upl0\.proxy_ndp' "$OUT" "live IPv6 --ipadd without proxy_ndp: exit 104 naming it" ||
	fail "live IPv6 --ipadd without proxy_ndp: exit 104 (got $RC)" "$OUT"
in_ns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/upl0/proxy_ndp'
[ -z "$(proxies | grep '2001:db8:77::13 ')$(ip -n "$NS" -6 route show 2001:db8:77::13)" ] &&
	ok "the refused address has no proxy entry and no route" || fail "the refused address has no proxy entry and no route" "$(proxies)"
[ -z "$(cc exec "$A" -- ip addr show dev venet0 | grep 2001:db8:77::13)" ] && ok "nor is it on $A's venet0" || fail "nor is it on $A's venet0"
check "set $A --ipadd 192.0.2.14 then works (the refused change left no trace)" cc set "$A" --ipadd 192.0.2.14
wait_for 5 r_ping 192.0.2.14 && ok "the router pings 192.0.2.14" || fail "the router pings 192.0.2.14"
[ -z "$(cc exec "$A" -- ip addr show dev venet0 | grep 2001:db8:77::13)" ] && ok "2001:db8:77::13 did not come back with the next set" ||
	fail "2001:db8:77::13 did not come back with the next set"
check "set $A --ipdel 192.0.2.14" cc set "$A" --ipdel 192.0.2.14
# an address of a running neighbour is refused
expect_exit 78 cc set "$A" --ipadd 192.0.2.11
# removing the last address removes the interface; adding one makes it again
check "set $B --ipdel all" cc set "$B" --ipdel all
has_venet "$B" && fail "venet$B is gone with $B's last routed address" || ok "venet$B is gone with $B's last routed address"
[ -z "$(proxies | grep -E '192\.0\.2\.11 |2001:db8:77::11 ')" ] && ok "and its proxy entries" || fail "and its proxy entries" "$(proxies)"
check "set $B --ipadd 192.0.2.11 (the interface again)" cc set "$B" --ipadd 192.0.2.11
wait_for 5 r_ping 192.0.2.11 && ok "the router pings $B again" || fail "the router pings $B again"

log "---- reboot inside the guest: the interface comes back, no entry is doubled or left"
init_start() { cc exec "$B" -- cut -d' ' -f22 /proc/1/stat 2>/dev/null; }
booted_again() { local s; s=$(init_start) && [ -n "$s" ] && [ "$s" != "$1" ]; }
s0=$(init_start)
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$B" -- reboot >/dev/null 2>&1
wait_for 60 booted_again "$s0" && ok "$B rebooted" || fail "$B rebooted" "$(ct_status "$B")"
# it boots with its config of start: both addresses again
wait_for 5 r_ping 192.0.2.11 && ok "the router pings $B after its reboot" || fail "the router pings $B after its reboot" "$(proxies)"
wait_for 8 r_ping6 2001:db8:77::11 && ok "the router pings $B over IPv6 after its reboot" || fail "the router pings $B over IPv6 after its reboot"
[ "$(proxies | grep -c '^192\.0\.2\.11 ')" = 1 ] && ok "one proxy entry for 192.0.2.11 after the reboot" || fail "one proxy entry for 192.0.2.11" "$(proxies)"

log "---- routed venet0 beside a bridged eth1"
create_ct "$C" --ipadd 192.0.2.13 --ifname eth1 --ipadd 10.77.0.13/24
run cat "$CONF_DIR/$C.conf"
expect_match '\[netif\.eth1\]' "$OUT" "$C's config has the bridged eth1"
start_ct "$C"
wait_for 5 r_ping 192.0.2.13 && ok "the router pings $C at 192.0.2.13 (venet0)" || fail "the router pings $C at 192.0.2.13"
wait_for 5 in_ns busybox ping -c 1 -W 1 10.77.0.13 && ok "the host pings $C at 10.77.0.13 over the bridge (eth1)" || fail "the host pings $C at 10.77.0.13"
run cc exec "$C" -- ip -o addr show
expect_match 'venet0 +inet 192\.0\.2\.13/32' "$OUT" "$C has its routed address on venet0"
expect_match 'eth1 +inet 10\.77\.0\.13/24' "$OUT" "$C has its bridged address on eth1"

log "---- stop and destroy leave nothing"
for c in "$A" "$B" "$C"; do check "stop $c" cc stop "$c"; done
for c in "$A" "$B" "$C"; do has_venet "$c" && fail "venet$c is gone after stop" || ok "venet$c is gone after stop"; done
run proxies
[ -z "$(printf '%s\n' "$OUT" | grep -E '192\.0\.2\.|2001:db8:77::')" ] && ok "no proxy entry is left after stop" || fail "no proxy entry is left after stop" "$OUT"
run ip -n "$NS" route show
[ -z "$(printf '%s\n' "$OUT" | grep -E '192\.0\.2\.1[0-9]')" ] && ok "no host route is left after stop" || fail "no host route is left after stop" "$OUT"
run ip -n "$NS" -6 route show
[ -z "$(printf '%s\n' "$OUT" | grep -E '2001:db8:77::1[0-9]')" ] && ok "no IPv6 host route is left after stop" || fail "no IPv6 host route is left" "$OUT"
for c in "$A" "$B" "$C"; do check "destroy $c" cc destroy "$c"; done
[ -z "$(proxies | grep -E '192\.0\.2\.|2001:db8:77::')" ] && ok "no proxy entry after destroy" || fail "no proxy entry after destroy" "$(proxies)"
ip -n "$NS" link del upl0
finish
