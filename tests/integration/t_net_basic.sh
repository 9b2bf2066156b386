#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 3, acceptance 1: two containers on the default bridge (which carries 10.77.0.1/24) reach
# each other, the bridge and the host; busybox httpd in one serves a 10 MiB file that busybox wget
# in the other fetches intact; an address added live without --save answers at once and is gone
# after a restart.  The netns of the test plays the host.
. "$(dirname "$0")/lib.sh"

need_template
# the default bridge gets an address, so that the host (the netns) can reach its containers
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
grep -q '^bridge_address = 10.77.0.1/24$' "$CONF" || { fail "bridge_address added to $CONF" "$(cat "$CONF")"; finish; }

A=$(ctid 1)
B=$(ctid 2)
leak_snapshot

# host_ping ADDR: one ping from the host (the netns)
host_ping() { nsenter --net="/run/netns/$NS" -- busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
# ct_ping CT ADDR: one ping from inside CT
ct_ping() { cc exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
guest_ips() { cc exec "$1" -- ip -o -4 addr show dev eth0 2>&1 | awk '{print $4}' | sort | tr '\n' ' '; }

create_ct "$A" --hostname web1 --ipadd 10.77.0.101/24
create_ct "$B" --hostname web2 --ipadd 10.77.0.102/24
start_ct "$A"
start_ct "$B"

# the host side as documented: veth<CTID>.0 on the bridge, up, host MAC fe:...
for c in "$A" "$B"; do
	run ip -n "$NS" -o link show dev "veth$c.0"
	expect_match "master $BRIDGE " "$OUT" "host veth veth$c.0 is attached to $BRIDGE"
	expect_match 'link/ether fe:' "$OUT" "host veth veth$c.0 has a MAC starting with fe"
	expect_match '<[^>]*UP' "$OUT" "host veth veth$c.0 is up"
done
run ip -n "$NS" -o -4 addr show dev "$BRIDGE"
expect_match 'inet 10\.77\.0\.1/24 ' "$OUT" "the bridge $BRIDGE has 10.77.0.1/24"
expect_match '^10\.77\.0\.101/24 $' "$(guest_ips "$A")" "$A has 10.77.0.101/24 on eth0"
expect_match '^10\.77\.0\.102/24 $' "$(guest_ips "$B")" "$B has 10.77.0.102/24 on eth0"
run cc exec "$A" -- ip -o link show dev lo
expect_match 'LOWER_UP|state UNKNOWN' "$OUT" "lo is up in $A"

# reachability
wait_for 5 ct_ping "$A" 10.77.0.102 && ok "$A pings $B (10.77.0.102)" || fail "$A pings $B (10.77.0.102)" "$(cc exec "$A" -- ping -c 1 -W 1 10.77.0.102 2>&1)"
wait_for 5 ct_ping "$A" 10.77.0.1 && ok "$A pings the bridge (10.77.0.1)" || fail "$A pings the bridge (10.77.0.1)" "$(cc exec "$A" -- ping -c 1 -W 1 10.77.0.1 2>&1)"
wait_for 5 ct_ping "$B" 10.77.0.101 && ok "$B pings $A (10.77.0.101)" || fail "$B pings $A (10.77.0.101)"
for ip in 10.77.0.101 10.77.0.102; do
	wait_for 5 host_ping "$ip" && ok "the host pings $ip" || fail "the host pings $ip" "$(nsenter --net="/run/netns/$NS" -- busybox ping -c 1 -W 1 "$ip" 2>&1)"
done

# busybox httpd in A serves a 10 MiB file; busybox wget in B fetches it; checksums match
check "a 10 MiB file in $A" cc exec "$A" -- sh -c 'mkdir -p /srv/www && head -c 10485760 /dev/urandom > /srv/www/big.bin'
want=$(cc exec "$A" -- sha256sum /srv/www/big.bin | awk '{print $1}')
# where the file lands on disk: the private area (layout copy) or its upper layer (overlay)
f=$PRIV_DIR/$A/srv/www/big.bin
[ -d "$PRIV_DIR/$A/upper" ] && f=$PRIV_DIR/$A/upper/srv/www/big.bin
host_sum=$(sha256sum "$f" 2>/dev/null | awk '{print $1}')
[ -n "$want" ] && [ "$want" = "$host_sum" ] && ok "checksum inside = checksum of the private area's copy" || fail "checksum inside ($want) = on the host ($host_sum)"
check "busybox httpd runs in $A" cc exec "$A" -- httpd -p 8080 -h /srv/www
# (no wget -T: the static busybox 1.35 wget segfaults with it; busybox timeout bounds it instead)
fetch() { cc exec "$B" -- timeout 20 wget -q -O /tmp/big.bin http://10.77.0.101:8080/big.bin; }
if wait_for 5 fetch; then ok "busybox wget in $B fetches http://10.77.0.101:8080/big.bin"; else
	run cc exec "$B" -- timeout 20 wget -O /tmp/big.bin http://10.77.0.101:8080/big.bin
	fail "busybox wget in $B fetches http://10.77.0.101:8080/big.bin (exit $RC)" "$OUT"
fi
got=$(cc exec "$B" -- sha256sum /tmp/big.bin 2>&1 | awk '{print $1}')
size=$(cc exec "$B" -- sh -c 'wc -c < /tmp/big.bin' 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ] && ok "sha256 of the fetched file matches ($got, ${size// /} bytes)" ||
	fail "sha256 of the fetched file matches" "sent $want" "got  $got (${size// /} bytes)"
# the host fetches it too, through the bridge
hget=$(nsenter --net="/run/netns/$NS" -- busybox timeout 20 busybox wget -q -O - http://10.77.0.101:8080/big.bin 2>/dev/null | sha256sum | awk '{print $1}')
[ "$hget" = "$want" ] && ok "the host fetches the same file through the bridge" || fail "the host fetches the same file through the bridge ($hget)"

# a second address, live, without --save: answers at once, config unchanged, gone after restart
cp "$CONF_DIR/$A.conf" "$TMPD/a.conf.before"
run cc set "$A" --ipadd 10.77.0.201/24
[ "$RC" = 0 ] && ok "set $A --ipadd 10.77.0.201/24 (live, no --save)" || fail "set $A --ipadd 10.77.0.201/24 (exit $RC)" "$OUT"
expect_match 'WARNING: Settings were not saved' "$OUT" "set without --save warns that the change is lost at restart"
# at once: the very first ping (one retry for ARP only, no waiting loop)
if host_ping 10.77.0.201 || host_ping 10.77.0.201; then ok "the host pings 10.77.0.201 at once"; else
	fail "the host pings 10.77.0.201 at once" "$(guest_ips "$A")"
fi
ct_ping "$B" 10.77.0.201 || ct_ping "$B" 10.77.0.201 && ok "$B pings 10.77.0.201 at once" || fail "$B pings 10.77.0.201 at once"
expect_match '10\.77\.0\.201/24' "$(guest_ips "$A")" "eth0 in $A has 10.77.0.201/24"
cmp -s "$TMPD/a.conf.before" "$CONF_DIR/$A.conf" && ok "the config of $A is byte-identical (no --save)" ||
	fail "the config of $A is byte-identical (no --save)" "$(diff "$TMPD/a.conf.before" "$CONF_DIR/$A.conf")"
check "stop $A" cc stop "$A" --fast
run ip -n "$NS" -o link show dev "veth$A.0"
[ "$RC" != 0 ] && ok "veth$A.0 is gone after stop" || fail "veth$A.0 is gone after stop" "$OUT"
check "start $A again" cc start "$A"
expect_match '^10\.77\.0\.101/24 $' "$(guest_ips "$A")" "after the restart eth0 in $A has only 10.77.0.101/24"
host_ping 10.77.0.201 && fail "10.77.0.201 no longer answers after the restart" || ok "10.77.0.201 no longer answers after the restart"
wait_for 5 host_ping 10.77.0.101 && ok "10.77.0.101 answers after the restart" || fail "10.77.0.101 answers after the restart"
wait_for 5 ct_ping "$B" 10.77.0.101 && ok "$B pings $A after the restart" || fail "$B pings $A after the restart"

# The stop renames the host veth out of the way (down, ccgone<ifindex>) and the kernel deletes it
# with the container's network namespace. A host process that holds the namespace keeps that
# link alive, down and nameless for the next start, which works at once; it goes when let go.
ipid=$(sed -n 's/^init \([0-9]*\) .*/\1/p' "$RUN_DIR/$A.state")
nsenter --net=/proc/"$ipid"/ns/net -- sleep 300 &
pinner=$!
pinned() { [ "$(readlink /proc/$pinner/ns/net)" = "$(readlink /proc/"$ipid"/ns/net)" ]; }
wait_for 3 pinned || fail "the host process is in $A's network namespace" "$(readlink /proc/$pinner/ns/net)"
check "stop $A while a host process holds its network namespace" cc stop "$A" --fast
run ip -n "$NS" -o link show dev "veth$A.0"
[ "$RC" != 0 ] && ok "veth$A.0's name is free when stop returns" || fail "veth$A.0's name is free when stop returns" "$OUT"
retired=$(ip -n "$NS" -o link show | grep ': ccgone' || true)
if grep -q "state DOWN" <<< "$retired" && ! grep -q "UP" <<< "${retired%%>*}"; then ok "the old host veth stays, renamed and down, while its namespace is held"; else
	fail "the old host veth stays, renamed and down, while its namespace is held" "$retired"; fi
check "start $A again at once" cc start "$A"
wait_for 5 host_ping 10.77.0.101 && ok "10.77.0.101 answers beside the retired link" || fail "10.77.0.101 answers beside the retired link"
check "stop $A" cc stop "$A" --fast
kill "$pinner"
wait "$pinner" 2> /dev/null
wait_for 5 no_retired && ok "the retired link went with the namespace once it was let go" ||
	fail "the retired link went with the namespace once it was let go" "$(ip -n "$NS" -o link show)"
check "start $A" cc start "$A"

check "stop $A" cc stop "$A" --fast
check "stop $B" cc stop "$B" --fast
left=$(ip -n "$NS" -o link show | grep -E "veth($A|$B)\." || true)
[ -z "$left" ] && ok "no host veth left after stop" || fail "no host veth left after stop" "$left"
check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
finish
