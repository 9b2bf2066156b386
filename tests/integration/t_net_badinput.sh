#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 3, acceptance 6: bad network input gets its documented exit code and a clear message, and
# changes nothing: the host's (the netns's) links, addresses and routes, every config file (byte
# for byte), the private areas, and the running neighbour all stay as they were.
#   71 invalid IP or prefix; 21 bad MAC, interface or bridge name, a MAC or host interface that
#   another container uses; 78 an IP that a running container on the same bridge has (or the
#   bridge's own); 21 at create/set and 104 at start for a bridge that is missing (and not one
#   cellctl may create) or is not a bridge.
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24\nbridges = ccother${CCT_ID: -4}|" "$CONF"
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
D=$(ctid 4)
leak_snapshot

# ---- the host's state ------------------------------------------------------------------------
net_state() {
	wait_retired
	ip -n "$NS" -o link show | sed -e 's/^[0-9]*: //' -e 's/\\.*link\/\([a-z]*\) \([0-9a-f:]*\).*/ \1 \2/' \
		-e 's/ qdisc [^ ]*//; s/ state [A-Z]*//; s/ mode [A-Z]*//; s/ qlen [0-9]*//' \
		-e 's/\(NO-CARRIER\|LOWER_UP\),\?//g; s/,>/>/' | sort
	echo "--- addr"
	ip -n "$NS" -o addr show | sed -e 's/^[0-9]*: //' -e 's/\\.*//' -e 's/ tentative//; s/ dadfailed//' | sort
	echo "--- route"
	ip -n "$NS" route show table all | sed 's/ linkdown//' | sort
	ip -n "$NS" -6 route show table all | sed 's/ expires [0-9]*sec//; s/ linkdown//' | sort
}
files_state() {
	(cd "$TMPD" && find ct private -maxdepth 2 -printf '%p %y %s %m\n' | sort && find ct -type f -exec sha256sum {} + | sort)
	# the global config too
	sha256sum "$CONF"
}
cts_state() { local c; for c in "$A" "$B" "$C" "$D"; do ct_status "$c"; done; }
host_state() { net_state; echo "--- files"; files_state; echo "--- cts"; cts_state; }
BASE=""
baseline() { BASE=$(host_state); }
# same_as_before DESC: nothing changed since baseline
same_as_before() {
	local d
	d=$(diff <(echo "$BASE") <(host_state) | grep '^[<>]' || true)
	if [ -z "$d" ]; then ok "  ...and nothing changed ($1)"; else fail "  ...and nothing changed ($1)" "$d"; fi
}
# bad CODE CMD...: exit CODE with a "cellctl: ..." message, and nothing changed
bad() {
	local code=$1
	shift
	run cc "$@"
	if [ "$RC" = "$code" ]; then
		if printf '%s\n' "$OUT" | grep -q '^cellctl: .'; then
			ok "exit $code: $* -- $(printf '%s' "$OUT" | head -1)"
		else
			fail "exit $code with a 'cellctl: ...' message: $*" "$OUT"
		fi
	else
		fail "exit $code expected, got $RC: $*" "$OUT"
		# undo what a wrongly accepted command did, so that the next cases start from the baseline
		case "$1" in
		create) run cc destroy "$2"; rm -f "$CONF_DIR/$2.conf.destroyed" ;;
		set) [ -f "$TMPD/$2.conf.good" ] && cp "$TMPD/$2.conf.good" "$CONF_DIR/$2.conf" ;;
		start) run cc stop "$2" --fast ;;
		esac
	fi
	same_as_before "$*"
}
# the kernel's own IPv6 DAD on new links settles (routes of link-local addresses come with it)
settle() { wait_for 5 sh -c "! ip -n '$NS' -6 addr show tentative | grep -q ." || warn "IPv6 addresses still tentative: $(ip -n "$NS" -6 addr show tentative | tr '\n' ' ')"; }
host_ping() { nsenter --net="/run/netns/$NS" -- busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }

# A runs with 10.77.0.101 on the default bridge; B is stopped with 10.77.0.102
create_ct "$A" --ipadd 10.77.0.101/24
create_ct "$B" --ipadd 10.77.0.102/24
use_ct "$C"
use_ct "$D"
start_ct "$A"
MAC_A=$(cc exec "$A" -- cat /sys/class/net/eth0/address)
expect_match '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' "$MAC_A" "the guest MAC of $A ($MAC_A)"
wait_for 5 host_ping 10.77.0.101 && ok "$A answers" || fail "$A answers"
# the kernel's own IPv6 DAD on the new links settles before the baseline
settle
for c in "$A" "$B"; do cp "$CONF_DIR/$c.conf" "$TMPD/$c.conf.good"; done
baseline

log "---- invalid IP addresses: 71"
bad 71 create "$C" --ipadd 10.77.0.300/24
bad 71 create "$C" --ipadd abc
bad 71 create "$C" --ipadd 10.77.0
bad 71 set "$B" --ipadd 999.1.1.1 --save
bad 71 set "$B" --ipadd 10.77.0.1.5/24 --save
bad 71 set "$A" --ipadd 10.77.0.1.5/24
bad 71 set "$A" --ipadd fd00::zz/64
bad 71 set "$B" --ifname eth0 --gw 10.77.0.300 --save
bad 71 set "$B" --ifname eth0 --gw6 fd00::zz --save
bad 71 set "$B" --ipdel not-an-ip --save
log "---- invalid prefixes: 71"
bad 71 create "$C" --ipadd 10.77.0.103/33
bad 71 set "$B" --ipadd 10.77.0.103/-1 --save
bad 71 set "$B" --ipadd 10.77.0.103/abc --save
bad 71 set "$B" --ipadd 10.77.0.103/ --save
bad 71 set "$B" --ipadd 10.77.0.103/24/8 --save
bad 71 set "$B" --ipadd fd00::1/129 --save
bad 71 set "$A" --ipadd 10.77.0.103/33

log "---- bad MACs: 21"
bad 21 set "$B" --netif_add eth1,zz:11:22:33:44:55 --save
bad 21 set "$B" --netif_add eth1,00:11:22:33:44 --save
bad 21 set "$B" --netif_add eth1,00:11:22:33:44:55:66 --save
bad 21 set "$B" --netif_add eth1,00-11-22-33-44-55 --save
bad 21 set "$B" --ifname eth0 --mac 0:1:2:3:4:5:6 --save
bad 21 set "$B" --ifname eth0 --host_mac xx --save
bad 21 create "$C" --netif_add eth0,g0:11:22:33:44:55
# a multicast or all-zero MAC cannot be an interface's address (start refuses it): refuse it here too
bad 21 set "$B" --ifname eth0 --mac 01:00:5e:00:00:01 --save
bad 21 set "$B" --ifname eth0 --mac 00:00:00:00:00:00 --save
bad 21 set "$B" --ifname eth0 --host_mac ff:ff:ff:ff:ff:ff --save

log "---- bad interface names: 21"
bad 21 set "$B" --netif_add abcdefghijklmnop --save
bad 21 set "$B" --netif_add eth/1 --save
bad 21 set "$B" --netif_add 'eth 1' --save
bad 21 set "$B" --netif_add 'eth:1' --save
bad 21 set "$B" --netif_add $'eth\t1' --save
bad 21 set "$B" --netif_add '..' --save
bad 21 set "$B" --netif_add '.' --save
bad 21 create "$C" --netif_add abcdefghijklmnopqrstuvwxyz
bad 21 set "$B" --ifname eth0 --host_ifname abcdefghijklmnop --save
bad 21 set "$B" --ifname eth0 --host_ifname 'veth/x' --save
bad 21 set "$B" --netif_add eth1,,abcdefghijklmnop --save
bad 21 set "$B" --ifname eth0 --bridge abcdefghijklmnop --save
bad 21 set "$B" --ifname eth0 --bridge 'bad/name' --save
bad 21 set "$B" --ifname eth0 --bridge 'bad name' --save
bad 21 set "$B" --ifname averyveryverylongname --ipadd 10.77.0.5/24 --save

log "---- a MAC or host interface another container uses: 21"
bad 21 set "$B" --netif_add "eth1,$MAC_A" --save
bad 21 set "$B" --ifname eth0 --mac "$MAC_A" --save
bad 21 set "$B" --ifname eth0 --mac "${MAC_A^^}" --save
bad 21 create "$C" --netif_add "eth0,$MAC_A"
run cc set "$B" --ifname eth0 --host_ifname "veth$A.0" --save
if [ "$RC" = 21 ]; then ok "exit 21: set $B --ifname eth0 --host_ifname veth$A.0 --save -- $OUT"; same_as_before "host_ifname of $A"; else
	fail "exit 21 expected, got $RC: set $B --ifname eth0 --host_ifname veth$A.0 --save (the name of running $A's host veth)" "$OUT"
	# what that leads to: starting B must still not take A's interface away
	run cc start "$B"
	[ "$RC" != 0 ] && ok "  ...start $B then refuses (exit $RC) -- $(printf '%s' "$OUT" | head -1)" || fail "  ...start $B with host_ifname veth$A.0 is refused (exit 0)" "$OUT"
	run ip -n "$NS" -o link show dev "veth$A.0"
	if printf '%s\n' "$OUT" | grep -q "veth$A\.0@.* master $BRIDGE .*group $(ip -n "$NS" -o link show dev "veth$A.0" 2>/dev/null | sed -n 's/.* group \([^ ]*\).*/\1/p')" && wait_for 3 host_ping 10.77.0.101; then
		ok "  ...$A keeps its host veth and answers"
	else
		fail "  ...$A keeps its host veth and answers" "$OUT"
	fi
	is_running "$B" && run cc stop "$B" --fast
	cp "$TMPD/$B.conf.good" "$CONF_DIR/$B.conf"
	same_as_before "host_ifname of $A"
	# put A back on the network for the cases below
	run cc stop "$A" --fast
	check "restart $A to repair its network" cc start "$A"
	wait_for 5 host_ping 10.77.0.101 || fail "$A answers again"
	settle
	baseline
fi
bad 21 create "$C" --netif_add "eth0,,veth$A.0"

log "---- an IP a running container on the same bridge has: 78"
bad 78 set "$B" --ipadd 10.77.0.101/24 --save
bad 78 set "$B" --ipadd 10.77.0.101/16 --save
bad 78 create "$C" --ipadd 10.77.0.101/24
bad 78 create "$C" --ipadd 10.77.0.101
bad 78 create "$C" --ipadd 10.77.0.1/24
bad 78 set "$B" --ipadd 10.77.0.1/24 --save
# checked again at start: a config edited by hand
cp "$TMPD/$B.conf.good" "$CONF_DIR/$B.conf"
sed -i 's|^ipadd = 10\.77\.0\.102/24$|ipadd = 10.77.0.101/24|' "$CONF_DIR/$B.conf"
grep -q '^ipadd = 10\.77\.0\.101/24$' "$CONF_DIR/$B.conf" || fail "test setup: edit the ipadd of $B by hand" "$(cat "$CONF_DIR/$B.conf")"
baseline
bad 78 start "$B"
cp "$TMPD/$B.conf.good" "$CONF_DIR/$B.conf"
baseline

log "---- a bridge that is not a bridge, or missing: 21 at set, 104 at start"
for br in lo "veth$A.0" nosuchbr0; do
	bad 21 set "$B" --ifname eth0 --bridge "$br" --save
	expect_match "$br" "$OUT" "the message names $br"
	# a config edited by hand: refused at start
	sed -i "/^\[netif\.eth0\]/a bridge = $br" "$CONF_DIR/$B.conf"
	grep -q "^bridge = $br\$" "$CONF_DIR/$B.conf" || fail "test setup: set the bridge of $B by hand" "$(cat "$CONF_DIR/$B.conf")"
	baseline
	bad 104 start "$B"
	expect_match "$br" "$OUT" "the message names $br"
	is_down "$B" && ok "$B is down" || fail "$B is down" "$(ct_status "$B")"
	cp "$TMPD/$B.conf.good" "$CONF_DIR/$B.conf"
	baseline
done
bad 21 set "$B" --netif_add eth1,,,,lo --save
# the default bridge named in the global config
for br in lo "veth$A.0"; do
	sed "s|^bridge = $BRIDGE\$|bridge = $br|" "$CONF" > "$TMPD/g-$br.conf"
	run env CELLCTL_CONF="$TMPD/g-$br.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$B"
	[ "$RC" = 104 ] && ok "[network] bridge = $br: start exits 104 -- $(printf '%s' "$OUT" | head -1)" || fail "[network] bridge = $br: start exits 104 (got $RC)" "$OUT"
	same_as_before "[network] bridge = $br"
done
for br in 'bad/br' abcdefghijklmnopq; do
	sed "s|^bridge = $BRIDGE\$|bridge = $br|" "$CONF" > "$TMPD/g-x.conf"
	run env CELLCTL_CONF="$TMPD/g-x.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$B"
	[ "$RC" = 85 ] && printf '%s\n' "$OUT" | grep -q 'bridge' && ok "[network] bridge = $br: exit 85 naming the key -- $OUT" ||
		fail "[network] bridge = $br: exit 85 naming the key (got $RC)" "$OUT"
	same_as_before "[network] bridge = $br"
done
sed "s|^bridge_address = .*|bridge_address = 10.77.0.1/40|" "$CONF" > "$TMPD/g-x.conf"
run env CELLCTL_CONF="$TMPD/g-x.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$B"
[ "$RC" = 85 ] || [ "$RC" = 71 ] && ok "[network] bridge_address = 10.77.0.1/40: exit $RC -- $OUT" || fail "[network] bridge_address = 10.77.0.1/40: exit 85 or 71 (got $RC)" "$OUT"
same_as_before "bad bridge_address"

log "---- a host interface name that an interface not of cellctl already has"
# an admin's own veth pair in the host: starting a container whose host_ifname names it must
# refuse (130), never delete or take over the admin's interface
ip -n "$NS" link add foreign0 type veth peer name foreign1
baseline
run cc set "$B" --ifname eth0 --host_ifname foreign0 --save
if [ "$RC" != 0 ]; then
	ok "set $B --host_ifname foreign0 refused at set (exit $RC) -- $(printf '%s' "$OUT" | head -1)"
	same_as_before "host_ifname foreign0 at set"
else
	baseline
	run cc start "$B"
	if [ "$RC" = 130 ] || [ "$RC" = 104 ] || [ "$RC" = 21 ]; then ok "start $B with host_ifname foreign0 refused (exit $RC) -- $(printf '%s' "$OUT" | head -1)"; else
		fail "start $B with host_ifname = an existing veth of the admin (foreign0) is refused (exit 130), got $RC" "$OUT"
	fi
	same_as_before "start with host_ifname foreign0"
	is_running "$B" && run cc stop "$B" --fast
fi
ip -n "$NS" link del foreign0 2>/dev/null
cp "$TMPD/$B.conf.good" "$CONF_DIR/$B.conf"
baseline

log "---- the same values are fine where they do not clash"
# A stopped: its IP and MAC are free for B at set (the IP check is for running containers only)
check "a 15-character interface name is fine" cc set "$B" --netif_add abcdefghijklmno --save
check "netif_del of it" cc set "$B" --netif_del abcdefghijklmno --save
check "the same IP on another bridge is fine" cc create "$D" --netif_add "eth0,,,,ccother${CCT_ID: -4}" --ifname eth0 --ipadd 10.77.0.101/24
check "destroy $D" cc destroy "$D"
rm -f "$CONF_DIR/$D.conf.destroyed"
check "the same IP as a stopped container is fine at create" cc create "$C" --ipadd 10.77.0.102/24
check "stop $A" cc stop "$A" --fast
check "start $B" cc start "$B"
settle
baseline
bad 78 start "$C"
check "stop $B" cc stop "$B" --fast
check "destroy $C" cc destroy "$C"
rm -f "$CONF_DIR/$C.conf.destroyed"
cmp -s "$TMPD/$A.conf.good" "$CONF_DIR/$A.conf" && ok "the config of $A is byte-identical after everything" || fail "the config of $A is byte-identical" "$(diff "$TMPD/$A.conf.good" "$CONF_DIR/$A.conf")"

for c in "$A" "$B"; do run cc destroy "$c"; done
finish
