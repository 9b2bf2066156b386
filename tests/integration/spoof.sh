# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by t_net_spoof*.sh (sourced after lib.sh; not a test itself).

# in_ns CMD...: run CMD in the test's netns (the host of the containers)
in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }

# guest_mac CTID [IF]: the MAC of IF (default eth0) inside the container
guest_mac() { cc exec "$1" -- cat "/sys/class/net/${2:-eth0}/address" 2>/dev/null; }

# host_neigh ADDR: the MAC the host (the netns) has for ADDR on the bridge, "" when none
host_neigh() { ip -n "$NS" neigh show "$1" dev "$BRIDGE" 2>/dev/null | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'; }
# ct_neigh CTID ADDR: the same inside a container (busybox has no `ip neigh show ADDR`)
ct_neigh() { cc exec "$1" -- ip neigh show 2>/dev/null | awk -v a="$2" '$1 == a { for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }

# icmp_in_echos / icmp6_in_echos: echo requests the host's stack received (its own counters)
icmp_in_echos() {
	in_ns cat /proc/net/snmp | awk '$1 == "Icmp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else { print $c; exit } }'
}
icmp6_in_echos() { in_ns cat /proc/net/snmp6 | awk '$1 == "Icmp6InEchos" { print $2 }'; }

# drops CTID REASON [IFNAME]: a drop counter of `cellctl netstat` (REASON: mac arp ipv4 ipv6 nd
# guard other; the column order documented in cellctl(8))
drops() {
	cc netstat -H "$1" 2>/dev/null | awk -v r="$2" -v i="${3:-eth0}" '
		BEGIN { split("mac arp ipv4 ipv6 nd guard other", n, " "); for (k in n) col[n[k]] = k + 4 }
		$2 == i { print $(col[r]); exit }'
}
# filter_state CTID [IFNAME]: the FILTER column (mac,ip / mac / ip / off / missing)
filter_state() { cc netstat -H "$1" 2>/dev/null | awk -v i="${2:-eth0}" '$2 == i { print $4; exit }'; }
# tc_filters HOSTIF: the tc filters on the host interface's ingress, for the log
tc_filters() { in_ns tc -s filter show dev "$1" ingress 2>&1; }

# hex helpers for rawsend frames
mac_hex() { printf '%s' "$1" | tr -d ':'; }
ip6_hex() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).packed.hex())' "$1"; }
# ll6 MAC: the EUI-64 link-local address of MAC
ll6() {
	python3 -c 'import sys; m = bytes.fromhex(sys.argv[1].replace(":", "")); import ipaddress
b = bytes([0xfe, 0x80] + [0] * 6 + [m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]]); print(ipaddress.ip_address(b))' "$1"
}

# need_rawsend CTID...: build tests/integration/rawsend.c (static) once and put it into each
# container's /tmp, so the container's own root sends the crafted frames.
need_rawsend() {
	if [ ! -x "$TMPD/rawsend" ]; then
		command -v gcc > /dev/null || { fail "gcc to build the rawsend helper"; return 1; }
		gcc -static -O1 -o "$TMPD/rawsend" "$LIB_DIR/rawsend.c" 2> "$TMPD/rawsend.log" ||
			{ fail "build rawsend (static)" "$(cat "$TMPD/rawsend.log")"; return 1; }
	fi
	local c
	for c in "$@"; do
		install -m 0755 "$TMPD/rawsend" "$PRIV_DIR/$c/tmp/rawsend" || { fail "copy rawsend into $c"; return 1; }
	done
}

# na_frame SRCMAC SRC6 TARGET6 LLMAC: an unsolicited neighbour advertisement (override) to
# all-nodes, claiming TARGET6 for LLMAC
na_frame() {
	printf '333300000001%s86dd' "$(mac_hex "$1")"
	printf '6000000000203aff%s%s' "$(ip6_hex "$2")" "$(ip6_hex ff02::1)"
	printf '8800000020000000%s0201%s' "$(ip6_hex "$3")" "$(mac_hex "$4")"
}
# ra_frame SRCMAC SRC6: a router advertisement (lifetime 1800 s) to all-nodes
ra_frame() {
	printf '333300000001%s86dd' "$(mac_hex "$1")"
	printf '6000000000103aff%s%s' "$(ip6_hex "$2")" "$(ip6_hex ff02::1)"
	printf '8600000040000708' ; printf '0000000000000000'
}
