#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 4: root inside a container (user namespace, the default) tries each spoof on the
# shared bridge; the anti-spoofing filter on its host-side veth drops it and counts it. A second
# attacker with the filter turned off (mac_filter = ip_filter = no) runs the same attacks as the
# control: they work there, so each check below observes a real effect. Spoofs: a changed MAC
# being answered; gratuitous ARP (arping -U) for another container's address poisoning the
# host's and a neighbour's ARP cache; a foreign IPv4 and IPv6 source address; an unsolicited
# neighbour advertisement claiming another container's IPv6 address; a rogue router
# advertisement. Legitimate traffic (ARP, ND, DAD, pings over IPv4 and IPv6) keeps working.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/spoof.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
A=$(ctid 1) # attacker, filtered (the default)
B=$(ctid 2) # victim
C=$(ctid 3) # a neighbour whose caches must stay clean
D=$(ctid 4) # attacker with the filter turned off: the control
leak_snapshot

create_ct "$A" --ipadd 10.77.0.101/24 --ipadd fd00:77::101/64
create_ct "$B" --ipadd 10.77.0.102/24 --ipadd fd00:77::102/64
create_ct "$C" --ipadd 10.77.0.103/24 --ipadd fd00:77::103/64
create_ct "$D" --ipadd 10.77.0.104/24 --ipadd fd00:77::104/64 --mac_filter no --ip_filter no
expect_match '^userns = yes' "$(grep '^userns' "$CONF_DIR/$A.conf")" "the attacker runs in a user namespace (the default)"
expect_match '^mac_filter = no' "$(grep '^mac_filter' "$CONF_DIR/$D.conf")" "the control's opt-out is in its config"
for c in "$A" "$B" "$C" "$D"; do start_ct "$c"; done
in_ns ip addr add fd00:77::1/64 dev "$BRIDGE" nodad
# the attackers: A, and the control D when it could be made (an older cellctl has no opt-out)
ATT=("$A")
is_running "$D" && ATT+=("$D")
need_rawsend "${ATT[@]}"

expect_match '^mac,ip$' "$(filter_state "$A")" "netstat: $A's eth0 is filtered (mac,ip)"
expect_match '^off$' "$(filter_state "$D")" "netstat: $D's eth0 is not filtered (off)"
run tc_filters "veth$A.0"
expect_match 'bpf .*cellctl_spoof direct-action' "$OUT" "veth$A.0 carries the cellctl_spoof tc filter (direct action)"
run tc_filters "veth$D.0"
[ -z "$(printf '%s' "$OUT" | grep cellctl_spoof)" ] && ok "veth$D.0 carries no filter (opted out)" || fail "veth$D.0 carries no filter" "$OUT"

B_MAC=$(guest_mac "$B")
declare -A MAC6=([$A]=fd00:77::101 [$D]=fd00:77::104) V4=([$A]=10.77.0.101 [$D]=10.77.0.104) MAC=()
for c in "${ATT[@]}"; do MAC[$c]=$(guest_mac "$c"); done

# legitimate traffic first: ARP, ND (the guests did DAD for their link-local addresses), pings
ping4() { cc exec "$1" -- ping -c 1 -W 2 "$2" > /dev/null 2>&1; }
ping6() { cc exec "$1" -- ping -6 -c 1 -W 2 "$2" > /dev/null 2>&1; }
for c in "$A" "$B" "$C" "$D"; do
	wait_for 5 ping4 "$c" 10.77.0.1 && ok "$c pings the host over IPv4" || fail "$c pings the host over IPv4"
	wait_for 8 ping6 "$c" fd00:77::1 && ok "$c pings the host over IPv6" || fail "$c pings the host over IPv6"
done
wait_for 5 ping4 "$A" 10.77.0.102 && ok "$A pings $B" || fail "$A pings $B"
wait_for 5 ping6 "$A" fd00:77::102 && ok "$A pings $B over IPv6" || fail "$A pings $B over IPv6"
ll_ready() { cc exec "$1" -- ip -6 addr show dev eth0 2>/dev/null | grep fe80 | grep -qv -e tentative -e dadfailed; }
for c in "$A" "$B"; do
	wait_for 10 ll_ready "$c" && ok "$c's link-local address passed duplicate address detection" ||
		fail "$c's link-local address passed duplicate address detection" "$(cc exec "$c" -- ip -6 addr show dev eth0 2>&1)"
done

# attack ATTACKER WHAT CMD...: run CMD inside the attacker
attack() { local c=$1; shift; cc exec "$c" -- sh -c "$*" > /dev/null 2>&1; }
# blocked_or_works ATTACKER DESC OK_WHEN_BLOCKED: ok for A when blocked, for D when it worked
verdict() {
	local c=$1 desc=$2 blocked=$3
	if [ "$c" = "$A" ]; then
		[ "$blocked" = 1 ] && ok "filtered $A: $desc: blocked" || fail "filtered $A: $desc: blocked" "${@:4}"
	else
		[ "$blocked" = 0 ] && ok "control $D (no filter): $desc: works" ||
			fail "control $D (no filter): $desc: works (else this test cannot see the spoof)" "${@:4}"
	fi
}

# ---- 1. a changed MAC, and being answered ---------------------------------------------------
for c in "${ATT[@]}"; do
	run cc exec "$c" -- sh -c 'ip link set eth0 address 02:de:ad:be:ef:01 && ip neigh flush dev eth0 &&
		ping -c 2 -W 2 10.77.0.1'
	[ "$RC" = 0 ] && b=0 || b=1
	verdict "$c" "a changed MAC (02:de:ad:be:ef:01) is answered by the host" "$b" "$OUT"
	attack "$c" "ip link set eth0 address ${MAC[$c]}; ip neigh flush dev eth0"
	in_ns ip neigh flush dev "$BRIDGE"
	wait_for 5 ping4 "$c" 10.77.0.1 && ok "$c is answered again with its own MAC" || fail "$c is answered again with its own MAC"
done
n=$(drops "$A" mac)
[ "${n:-0}" -ge 2 ] && ok "netstat counts $A's frames from a foreign MAC ($n)" || fail "netstat counts frames from a foreign MAC" "$(cc netstat "$A" 2>&1)"

# ---- 2. gratuitous ARP for another container's address --------------------------------------
for c in "${ATT[@]}"; do
	in_ns busybox ping -c 1 -W 2 10.77.0.102 > /dev/null 2>&1
	ping4 "$C" 10.77.0.102
	[ "$(host_neigh 10.77.0.102)" = "$B_MAC" ] && [ "$(ct_neigh "$C" 10.77.0.102)" = "$B_MAC" ] ||
		fail "the host and $C know $B's MAC for 10.77.0.102 before the attack" "$(host_neigh 10.77.0.102) $(ct_neigh "$C" 10.77.0.102)"
	sleep 1.2 # past the neighbour table's locktime (1 s): an ARP may replace the entry now
	a0=$(drops "$A" arp)
	# (the control tries up to 3 times: now and then a neighbour's entry has just changed state,
	# and Linux takes no new MAC within its locktime)
	for try in 1 2 3; do
		attack "$c" "ip addr add 10.77.0.102/32 dev eth0; arping -U -c 2 -I eth0 10.77.0.102; ip addr del 10.77.0.102/32 dev eth0"
		sleep 0.3
		h=$(host_neigh 10.77.0.102) n=$(ct_neigh "$C" 10.77.0.102)
		[ "$c" = "$A" ] || [ "$n" = "${MAC[$c]}" ] && break
		log "control: $C not poisoned yet (try $try): $(cc exec "$C" -- ip neigh show 2>&1 | tr '\n' ' ')"
	done
	[ "$h" = "$B_MAC" ] && [ "$n" = "$B_MAC" ] && b=1 || b=0
	[ "$c" = "$D" ] && { [ "$h" = "${MAC[$D]}" ] && [ "$n" = "${MAC[$D]}" ] || b=1; }
	verdict "$c" "arping -U for $B's 10.77.0.102 poisons the host's and $C's ARP cache" "$b" \
		"host: 10.77.0.102 -> $h, $C: -> $n ($B is $B_MAC, $c is ${MAC[$c]})" "$(cc exec "$C" -- ip neigh show 2>&1)"
	a1=$(drops "$A" arp)
	[ "$c" = "$A" ] && { [ "$((a1 - a0))" -ge 2 ] && ok "netstat counts the 2 gratuitous ARPs ($a0 -> $a1)" || fail "netstat counts the gratuitous ARPs" "$a0 -> $a1"; }
	in_ns ip neigh flush dev "$BRIDGE"
	attack "$C" "ip neigh flush dev eth0"
done

# ---- 3. a foreign IPv4 source address -------------------------------------------------------
for c in "${ATT[@]}"; do
	ping4 "$c" 10.77.0.1 # the host's MAC is known: the spoofed packets go out without ARP
	e0=$(icmp_in_echos) v0=$(drops "$A" ipv4)
	attack "$c" "ip addr add 10.77.0.150/32 dev eth0; ping -c 3 -W 1 -I 10.77.0.150 10.77.0.1; ip addr del 10.77.0.150/32 dev eth0"
	e1=$(icmp_in_echos) v1=$(drops "$A" ipv4)
	[ "$e1" = "$e0" ] && b=1 || b=0
	[ "$c" = "$D" ] && [ "$((e1 - e0))" -lt 3 ] && b=1
	verdict "$c" "echo requests from 10.77.0.150 (not its address) reach the host" "$b" "host InEchos $e0 -> $e1"
	[ "$c" = "$A" ] && { [ "$((v1 - v0))" -ge 3 ] && ok "netstat counts the foreign IPv4 sources ($v0 -> $v1)" || fail "netstat counts the foreign IPv4 sources" "$v0 -> $v1"; }
done

# ---- 4. a foreign IPv6 source address -------------------------------------------------------
for c in "${ATT[@]}"; do
	ping6 "$c" fd00:77::1
	e0=$(icmp6_in_echos) v0=$(drops "$A" ipv6)
	# (busybox ip has no nodad: wait out the address's duplicate address detection, ~1 s)
	attack "$c" "ip addr add fd00:77::150/128 dev eth0; i=0; while ip -6 addr show dev eth0 | grep -q tentative &&
		[ \$i -lt 40 ]; do sleep 0.1; i=\$((i + 1)); done; ping -6 -c 3 -W 1 -I fd00:77::150 fd00:77::1;
		ip addr del fd00:77::150/128 dev eth0"
	e1=$(icmp6_in_echos) v1=$(drops "$A" ipv6)
	[ "$e1" = "$e0" ] && b=1 || b=0
	[ "$c" = "$D" ] && [ "$((e1 - e0))" -lt 3 ] && b=1
	verdict "$c" "echo requests from fd00:77::150 (not its address) reach the host" "$b" "host Icmp6InEchos $e0 -> $e1"
	[ "$c" = "$A" ] && { [ "$((v1 - v0))" -ge 3 ] && ok "netstat counts the foreign IPv6 sources ($v0 -> $v1)" || fail "netstat counts the foreign IPv6 sources" "$v0 -> $v1"; }
done

# ---- 5. neighbour discovery claiming another container's IPv6 address -----------------------
# (from the attacker's own address, so only the claim itself is wrong)
for c in "${ATT[@]}"; do
	in_ns busybox ping -6 -c 1 -W 2 fd00:77::102 > /dev/null 2>&1
	ping6 "$C" fd00:77::102
	[ "$(host_neigh fd00:77::102)" = "$B_MAC" ] && [ "$(ct_neigh "$C" fd00:77::102)" = "$B_MAC" ] ||
		fail "the host and $C know $B's MAC for fd00:77::102 before the attack" "$(host_neigh fd00:77::102) $(ct_neigh "$C" fd00:77::102)"
	n0=$(drops "$A" nd)
	run cc exec "$c" -- /tmp/rawsend eth0 "$(na_frame "${MAC[$c]}" "${MAC6[$c]}" fd00:77::102 "${MAC[$c]}")"
	[ "$RC" = 0 ] || fail "$c sends a crafted neighbour advertisement" "$OUT"
	sleep 0.3
	h=$(host_neigh fd00:77::102) n=$(ct_neigh "$C" fd00:77::102)
	[ "$h" = "$B_MAC" ] && [ "$n" = "$B_MAC" ] && b=1 || b=0
	[ "$c" = "$D" ] && { [ "$h" = "${MAC[$D]}" ] && [ "$n" = "${MAC[$D]}" ] || b=1; }
	verdict "$c" "an unsolicited NA for $B's fd00:77::102 poisons the host's and $C's neighbour cache" "$b" \
		"host: fd00:77::102 -> $h, $C: -> $n ($B is $B_MAC, $c is ${MAC[$c]})"
	n1=$(drops "$A" nd)
	[ "$c" = "$A" ] && { [ "$((n1 - n0))" = 1 ] && ok "netstat counts the neighbour advertisement ($n0 -> $n1)" || fail "netstat counts the neighbour advertisement" "$n0 -> $n1"; }
	in_ns ip -6 neigh flush dev "$BRIDGE"
	attack "$C" "ip -6 neigh flush dev eth0"
done

# ---- 6. a rogue router advertisement --------------------------------------------------------
for c in "${ATT[@]}"; do
	ll=$(ll6 "${MAC[$c]}")
	g0=$(drops "$A" guard)
	run cc exec "$c" -- /tmp/rawsend eth0 "$(ra_frame "${MAC[$c]}" "$ll")"
	sleep 0.3
	rt=$(ip -n "$NS" -6 route show default 2>&1)
	[ -z "$rt" ] && b=1 || b=0
	verdict "$c" "a router advertisement from $ll gives the host a default route" "$b" "$rt"
	g1=$(drops "$A" guard)
	[ "$c" = "$A" ] && { [ "$((g1 - g0))" = 1 ] && ok "netstat counts the router advertisement ($g0 -> $g1)" || fail "netstat counts the router advertisement" "$g0 -> $g1"; }
	ip -n "$NS" -6 route flush default proto ra 2> /dev/null
done

# ---- legitimate traffic still works; the counters as documented -----------------------------
wait_for 5 ping4 "$A" 10.77.0.1 && ok "$A still pings the host" || fail "$A still pings the host"
wait_for 5 ping6 "$A" fd00:77::1 && ok "$A still pings the host over IPv6" || fail "$A still pings the host over IPv6"
wait_for 5 ping4 "$A" 10.77.0.103 && ok "$A still pings $C" || fail "$A still pings $C"
for c in "$B" "$C"; do
	for r in mac arp ipv4 ipv6 nd guard; do
		n=$(drops "$c" "$r")
		[ "$n" = 0 ] || fail "nothing of the well-behaved $c was dropped ($r: $n)" "$(cc netstat "$c" 2>&1)" "$(tc_filters "veth$c.0")"
	done
done
ok "nothing of the well-behaved $B and $C was dropped"
run cc netstat "$A"
expect_match '^ +CTID IFNAME +HOST_IFNAME +FILTER +MAC +ARP +IPV4 +IPV6 +ND +GUARD +OTHER$' "$(printf '%s\n' "$OUT" | head -1)" "netstat header"
expect_match "^ *$A eth0 +veth$A\\.0 +mac,ip( +[0-9]+){7}$" "$(printf '%s\n' "$OUT" | sed -n 2p)" "netstat row of $A"
run cc netstat -j "$A" "$D"
printf '%s' "$OUT" | python3 -c 'import json, sys; d = json.load(sys.stdin); i = d[0]["interfaces"][0]
assert d[0]["ctid"] == int(sys.argv[1]) and i["filter"] == "mac,ip" and i["dropped"]["nd"] >= 1 and d[1]["interfaces"][0]["filter"] == "off"' "$A" &&
	ok "netstat -j is JSON with the same figures" || fail "netstat -j is JSON with the same figures" "$OUT"
expect_exit 14 cc netstat "$(ctid 9)"

for c in "$A" "$B" "$C" "$D"; do check "stop $c" cc stop "$c" --fast; done
expect_exit 31 cc netstat "$A"
for c in "$A" "$B" "$C" "$D"; do run cc destroy "$c"; done
finish
