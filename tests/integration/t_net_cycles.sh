#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# long
# Issue 3, acceptance 3: after 100 start/stop cycles of a container with two interfaces (eth0 on
# the default bridge with an address and a gateway, eth1 on a second bridge with an IPv4 and an
# IPv6 address), the host (the test's netns) has exactly the links, addresses and routes it had
# before.  CYCLES=N overrides the count.
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.2.1/24|" "$CONF"
CYCLES=${CYCLES:-100}
A=$(ctid 1)
BR2="ccx${BRIDGE#ccbr}"
BR2=${BR2:0:15}
sed -i "s|^bridge = $BRIDGE\$|&\nbridges = $BR2|" "$CONF" # cellctl may create it

# net_state: the host's links (name, flags, master, MAC), addresses and routes (all tables),
# without what changes by itself (link state words, address lifetimes, DAD flags, ifindexes).
net_state() {
	wait_retired
	ip -n "$NS" -o link show | sed -e 's/^[0-9]*: //' -e 's/\\.*link\/\([a-z]*\) \([0-9a-f:]*\).*/ \1 \2/' \
		-e 's/ qdisc [^ ]*//; s/ state [A-Z]*//; s/ mode [A-Z]*//; s/ group [^ ]*//; s/ qlen [0-9]*//' \
		-e 's/\(NO-CARRIER\|LOWER_UP\),\?//g; s/,>/>/' | sort
	echo "--- addr"
	ip -n "$NS" -o addr show | sed -e 's/^[0-9]*: //' -e 's/\\.*//' -e 's/ tentative//; s/ dadfailed//' | sort
	echo "--- route"
	ip -n "$NS" route show table all | sed 's/ linkdown//' | sort
	echo "--- route6"
	ip -n "$NS" -6 route show table all | sed 's/ expires [0-9]*sec//; s/ linkdown//' | sort
}
ncount() { # links addrs routes
	printf '%s links, %s addresses, %s routes' "$(ip -n "$NS" -o link show | wc -l)" "$(ip -n "$NS" -o addr show | wc -l)" \
		"$(($(ip -n "$NS" route show table all | wc -l) + $(ip -n "$NS" -6 route show table all | wc -l)))"
}

leak_snapshot
before0=$(net_state)
log "before anything: $(ncount)"
create_ct "$A" --hostname cyc --ipadd 10.77.2.10/24 --gw 10.77.2.1 --netif_add "eth1,,,,$BR2" \
	--ifname eth1 --ipadd 10.88.0.10/16 --ipadd fd00:77::10/64
run cat "$CONF_DIR/$A.conf"
expect_match '^\[netif\.eth1\]' "$OUT" "the config has both interfaces"

# a first cycle creates the two bridges (they stay, by design): the baseline is taken after it
check "warm-up start" cc start "$A"
run cc exec "$A" -- ip -o addr
expect_match 'eth0 +inet 10\.77\.2\.10/24' "$OUT" "eth0 has 10.77.2.10/24"
expect_match 'eth1 +inet 10\.88\.0\.10/16' "$OUT" "eth1 has 10.88.0.10/16"
expect_match 'eth1 +inet6 fd00:77::10/64' "$OUT" "eth1 has fd00:77::10/64"
run cc exec "$A" -- ip route
expect_match '^default via 10\.77\.2\.1 dev eth0' "$OUT" "default route via 10.77.2.1 on eth0"
run ip -n "$NS" -o link show dev "veth$A.1"
expect_match "master $BR2 " "$OUT" "veth$A.1 is on the second bridge $BR2"
# the bridges' own IPv6 link-local addresses appear once they have carrier and settle after DAD
# (the kernel's doing, asynchronous): let them settle before the baseline is taken
wait_for 5 sh -c "! ip -n '$NS' -6 addr show tentative | grep -q -e '$BRIDGE' -e '$BR2'" ||
	warn "the bridges' IPv6 addresses still tentative after 5 s: $(ip -n "$NS" -6 addr show tentative | tr '\n' ' ')"
check "warm-up stop" cc stop "$A" --fast
before=$(net_state)
d=$(diff <(echo "$before0") <(echo "$before") | grep '^[<>]' | grep -v -e "$BRIDGE" -e "$BR2" || true)
[ -z "$d" ] && ok "the warm-up cycle changed nothing but the two bridges" || fail "the warm-up cycle changed nothing but the two bridges" "$d"
log "baseline after the warm-up: $(ncount)"

t0=$(date +%s%N)
bad=0
for i in $(seq 1 "$CYCLES"); do
	run cc start "$A"
	if [ "$RC" != 0 ]; then fail "start, cycle $i (exit $RC)" "$OUT"; bad=1; break; fi
	# both host veths exist while it runs (cheap: one netlink dump)
	links=$(ip -n "$NS" -o link show)
	if ! grep -q "veth$A\.0@.* master $BRIDGE " <<< "$links" || ! grep -q "veth$A\.1@.* master $BR2 " <<< "$links"; then
		fail "cycle $i: veth$A.0 on $BRIDGE and veth$A.1 on $BR2 while running" "$links"
		bad=1
	fi
	run cc stop "$A" --fast
	if [ "$RC" != 0 ]; then fail "stop --fast, cycle $i (exit $RC)" "$OUT"; bad=1; break; fi
	if [ $((i % 25)) = 0 ] || [ "$i" = "$CYCLES" ]; then
		now=$(net_state)
		d=$(diff <(echo "$before") <(echo "$now") | grep '^[<>]' || true)
		if [ -n "$d" ]; then
			fail "after $i cycles: links, addresses and routes as before" "$d"
			bad=1
			break
		fi
		log "after $i cycles: $(ncount)"
	fi
	[ $bad = 0 ] || break
done
t1=$(date +%s%N)
[ $bad = 0 ] && ok "$CYCLES start/stop cycles with two interfaces: links, addresses and routes exactly as before ($(ncount); $(((t1 - t0) / 1000000 / CYCLES)) ms per cycle)"
# the same check again a little later: nothing was left to an asynchronous teardown that
# would come back (or go away) afterwards
sleep 1
d=$(diff <(echo "$before") <(net_state) | grep '^[<>]' || true)
[ -z "$d" ] && ok "1 s later still exactly as before" || fail "1 s later still exactly as before" "$d"

# graceful stops and restart too (a few: busybox init spends ~2 s shutting down)
check "start" cc start "$A"
check "restart --fast" cc restart "$A" --fast
check "stop (graceful)" cc stop "$A"
d=$(diff <(echo "$before") <(net_state) | grep '^[<>]' || true)
[ -z "$d" ] && ok "after restart and a graceful stop: exactly as before" || fail "after restart and a graceful stop: exactly as before" "$d"
check "destroy $A" cc destroy "$A"
# the second bridge stays by design (as the default one does): remove it, it is not a leak
ip -n "$NS" link del "$BR2" 2>/dev/null
finish
