#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, routed mode in a real guest: an unmodified Debian 12 (templates/debian-12, systemd)
# with only routed addresses (venet0). cellctl writes venet0 into the guest's own network
# configuration (ifupdown stanza, systemd-networkd file), so that after boot, and after a
# restart of the guest's network services, venet0 keeps its addresses and its default routes via
# 169.254.0.1 and fe80::1, and the host reaches sshd on the routed address.
# long
# timeout: 900
IPADD_MODE=routed
. "$(dirname "$0")/lib.sh"

command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/deps.sh installs it)"
command -v busybox >/dev/null || skip "busybox (for nc) is not installed"
need_template debian-12
leak_snapshot
CT=$(ctid 1)
IP=10.79.0.$((CCT_ID % 200 + 20))
IP6=fd00:79::$((CCT_ID % 200 + 20))
in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
in_ns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'

ssh_banner() { timeout 10 nsenter --net="/run/netns/$NS" -- busybox nc -w 3 "$IP" 22 < /dev/null 2>/dev/null | head -1 | tr -d '\r'; }
# venet_state WHEN: venet0 has both addresses and both default routes; the host reaches both
venet_state() {
	run cc exec "$CT" -- ip -o addr show dev venet0
	expect_match "inet $IP/32 " "$OUT" "$1: venet0 has $IP/32"
	expect_match "inet6 $IP6/128 " "$OUT" "$1: venet0 has $IP6/128"
	run cc exec "$CT" -- ip route show default
	expect_match '^default via 169\.254\.0\.1 dev venet0' "$OUT" "$1: the IPv4 default route is via 169.254.0.1"
	run cc exec "$CT" -- ip -6 route show default
	expect_match '^default via fe80::1 dev venet0' "$OUT" "$1: the IPv6 default route is via fe80::1"
	local b
	b=$(ssh_banner)
	expect_match '^SSH-2\.0-OpenSSH' "$b" "$1: sshd answers on $IP:22 from the host"
	wait_for 5 in_ns busybox ping -6 -c 1 -W 1 "$IP6" && ok "$1: the host pings $IP6" || fail "$1: the host pings $IP6"
}

create_ct "$CT" --ostemplate debian-12 --hostname routed1 --ipadd "$IP" --ipadd "$IP6" --nameserver 10.79.0.1
use_ct "$CT"
run cc start "$CT" --wait --timeout 120
[ "$RC" = 0 ] && ok "start --wait ($OUT)" || { fail "start --wait returned 0 (got $RC)" "$OUT"; finish; }

nd=$(cat "$PRIV_DIR/$CT/etc/systemd/network/10-cellctl-venet0.network" 2>/dev/null)
ifu=$(cat "$PRIV_DIR/$CT/etc/network/interfaces.d/cellctl" 2>/dev/null; cat "$PRIV_DIR/$CT/etc/network/interfaces" 2>/dev/null)
[ -n "$nd" ] && log "the guest has a systemd-networkd file for venet0"
printf '%s\n' "$ifu" | grep -q 'iface venet0' && log "the guest has an ifupdown stanza for venet0"
[ -n "$nd" ] || printf '%s\n' "$ifu" | grep -q 'iface venet0' && ok "venet0 is in the guest's network configuration" ||
	fail "venet0 is in the guest's network configuration" "$ifu"
[ -z "$(printf '%s\n' "$ifu" | grep 'iface eth0')" ] && ok "no bridged eth0 stanza" || fail "no bridged eth0 stanza" "$ifu"
venet_state "after boot"

# the guest's own network services restarted, from a venet0 without addresses or routes: their
# configuration (not cellctl) brings it back to the same state
cc exec "$CT" -- sh -c 'ip route flush dev venet0; ip -6 route flush dev venet0; ip addr flush dev venet0 scope global'
run cc exec "$CT" -- ip -o addr show dev venet0
[ -z "$(printf '%s\n' "$OUT" | grep "$IP/")" ] && ok "venet0's addresses and routes flushed inside" || fail "venet0's addresses flushed inside" "$OUT"
if cc exec "$CT" -- systemctl is-enabled systemd-networkd >/dev/null 2>&1; then
	check "restart systemd-networkd in the guest" cc exec "$CT" -- systemctl restart systemd-networkd
fi
if cc exec "$CT" -- systemctl is-enabled networking >/dev/null 2>&1; then
	check "restart networking (ifupdown) in the guest" cc exec "$CT" -- systemctl restart networking
fi
sleep 1
venet_state "after the guest's network services restarted"

check "stop" cc stop "$CT"
ip -n "$NS" link show dev "venet$CT" >/dev/null 2>&1 && fail "venet$CT is gone after stop" || ok "venet$CT is gone after stop"
leak_check "after stop"
finish
