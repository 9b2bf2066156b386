#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 3, acceptance 2: the guest MAC is derived from the container UUID: identical across three
# restarts, locally administered and unicast, different per interface and per container; the
# host-side MAC starts with fe.
. "$(dirname "$0")/lib.sh"

need_template
A=$(ctid 1)
B=$(ctid 2)
leak_snapshot

guest_mac() { cc exec "$1" -- cat "/sys/class/net/$2/address" 2>&1; }
host_mac() { ip -n "$NS" -o link show dev "$1" 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# locally administered (bit 1 of the first octet set) and unicast (bit 0 clear)
la_unicast() {
	[[ $1 =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || return 1
	local b=$((16#${1:0:2}))
	[ $((b & 3)) = 2 ]
}

create_ct "$A" --ipadd 10.77.1.1/24 --netif_add eth1
create_ct "$B" --ipadd 10.77.1.2/24 --netif_add eth1
cp "$CONF_DIR/$A.conf" "$TMPD/a.conf.before"

declare -A first=()
for round in 0 1 2 3; do
	start_ct "$A"
	for ifc in eth0 eth1; do
		m=$(guest_mac "$A" "$ifc")
		if [ "$round" = 0 ]; then
			first[$ifc]=$m
			la_unicast "$m" && ok "$A $ifc MAC $m is locally administered and unicast" ||
				fail "$A $ifc MAC is locally administered and unicast" "$m"
		elif [ "$m" = "${first[$ifc]}" ]; then
			ok "restart $round: $A $ifc MAC unchanged ($m)"
		else
			fail "restart $round: $A $ifc MAC unchanged" "first ${first[$ifc]}" "now   $m"
		fi
		hm=$(host_mac "veth$A.${ifc#eth}")
		case "$hm" in
		fe:*) [ "$round" = 0 ] && ok "host side veth$A.${ifc#eth} MAC $hm starts with fe" ;;
		*) fail "host side veth$A.${ifc#eth} MAC starts with fe (round $round)" "'$hm'" "$(ip -n "$NS" -o link)" ;;
		esac
	done
	check "stop $A (round $round)" cc stop "$A" --fast
done
[ "${first[eth0]}" != "${first[eth1]}" ] && ok "eth0 and eth1 of $A have different MACs" || fail "eth0 and eth1 of $A have different MACs" "${first[eth0]}"
cmp -s "$TMPD/a.conf.before" "$CONF_DIR/$A.conf" && ok "starting does not write the derived MAC into the config" ||
	warn "the config of $A changed across starts: $(diff "$TMPD/a.conf.before" "$CONF_DIR/$A.conf" | tr '\n' ' ')"

# a second container: its own MACs, none shared with the first, both running at once
start_ct "$A"
start_ct "$B"
all=$(for c in "$A" "$B"; do for ifc in eth0 eth1; do guest_mac "$c" "$ifc"; host_mac "veth$c.${ifc#eth}"; done; done)
dups=$(printf '%s\n' "$all" | sort | uniq -d)
n=$(printf '%s\n' "$all" | sort -u | grep -c .)
[ -z "$dups" ] && [ "$n" = 8 ] && ok "8 distinct MACs over 2 containers x 2 interfaces x (guest, host)" ||
	fail "8 distinct MACs over 2 containers x 2 interfaces x (guest, host)" "$all"
[ "$(guest_mac "$A" eth0)" = "${first[eth0]}" ] && ok "$A keeps its MAC while $B runs too" || fail "$A keeps its MAC while $B runs too"
check "stop $A" cc stop "$A" --fast
check "stop $B" cc stop "$B" --fast

# many containers: never a shared MAC (derived from distinct UUIDs)
ids=()
for i in $(seq 10 29); do
	c=$(ctid "$i")
	create_ct "$c" --netif_add eth0
	ids+=("$c")
done
macs=""
for c in "${ids[@]}"; do
	run cc start "$c"
	[ "$RC" = 0 ] || { fail "start $c" "$OUT"; continue; }
	macs+="$(guest_mac "$c" eth0) $c"$'\n'
	run cc stop "$c" --fast
done
dups=$(printf '%s' "$macs" | awk '{print $1}' | sort | uniq -d)
[ -z "$dups" ] && [ "$(printf '%s' "$macs" | grep -c .)" = 20 ] && ok "20 more containers: 20 distinct guest MACs" ||
	fail "20 more containers: 20 distinct guest MACs" "$macs"
for c in "${ids[@]}" "$A" "$B"; do run cc destroy "$c"; done
finish
