#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: at host boot a bridge made by the host's network config may not be there (or up) yet
# when `cellctl boot` runs. boot waits for the bridges of its containers that cellctl does not
# make, until each exists and is up or [boot] bridge_wait seconds have passed; then the
# containers whose bridge is still missing fail to start (counted, named in a warning), and the
# command does not hang.
# timeout: 200
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
HB="cchb$((CCT_ID % 100000))" # the host's own bridge: not [network] bridge, not in bridges
check "host bridge $HB made (as ifupdown would)" ip -n "$NS" link add "$HB" type bridge
ip -n "$NS" link set "$HB" up
create_ct "$A" --onboot yes --netif_add "eth1,,,,$HB"
ip -n "$NS" link del "$HB"

# bad input
{ cat "$CONF"; printf '[boot]\nbridge_wait = soon\n'; } > "$TMPD/bad.conf"
CELLCTL_CONF=$TMPD/bad.conf expect_exit 85 cc boot
expect_match "\\[boot\\] bridge_wait: invalid value 'soon'" "$OUT" "a bad [boot] bridge_wait is named"
is_down "$A" && ok "$A still down after the bad config" || fail "$A started despite the bad config"

# the bridge appears (down) 2 s into the boot and comes up 2 s later: boot waits for both
t0=$(date +%s%N)
cc_bg boot > "$TMPD/boot.out" 2>&1
bootpid=$CC_PID
sleep 2
is_down "$A" && ok "boot waits: $A not started while $HB is missing" || fail "$A started before its bridge existed"
ip -n "$NS" link add "$HB" type bridge
sleep 2
is_down "$A" && ok "boot waits: $A not started while $HB is down" || fail "$A started while its bridge was down"
ip -n "$NS" link set "$HB" up
wait "$bootpid"
rc=$?
t=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 0 ] && ok "boot exits 0 once the bridge is up (${t} ms)" || fail "boot exits 0 once the bridge is up (got $rc)" "$(cat "$TMPD/boot.out")"
is_running "$A" && ok "$A runs, on $HB" || fail "$A runs" "$(cat "$TMPD/boot.out")"
run cc exec "$A" -- cat /sys/class/net/eth1/address
[ "$RC" = 0 ] && ok "$A has eth1 (on $HB)" || fail "$A has eth1" "$OUT"
ip -n "$NS" -o link show master "$HB" | grep -q . && ok "$HB has $A's port" || fail "$HB has no port" "$(ip -n "$NS" -o link show)"
grep -q "boot: waiting up to 60 s for 1 bridge(s) that are not up yet" "$LOG_FILE" && ok "the wait is logged" ||
	fail "the wait is logged" "$(grep boot: "$LOG_FILE")"
grep -q "boot: the bridges are up after [0-9]* ms" "$LOG_FILE" && ok "the end of the wait is logged" ||
	fail "the end of the wait is logged" "$(grep boot: "$LOG_FILE")"
check "stop $A" cc stop "$A"

# the bridge never comes: boot gives up after bridge_wait, the start fails and is counted
ip -n "$NS" link del "$HB"
{ cat "$CONF"; printf '[boot]\nbridge_wait = 2\n'; } > "$TMPD/bw.conf"
t0=$(date +%s%N)
CELLCTL_CONF=$TMPD/bw.conf run timeout 60 nsenter --net="/run/netns/$NS" -- "$CELLCTL" boot
t=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" = 1 ] && ok "boot exits 1 when the bridge never comes" || fail "boot exits 1 when the bridge never comes (got $RC)" "$OUT"
[ "$t" -ge 2000 ] && [ "$t" -lt 30000 ] && ok "it waited bridge_wait (2 s) and no longer: ${t} ms" || fail "waited ${t} ms (2 s expected)"
expect_match "bridge $HB is not up after 2 s" "$OUT" "a warning names the missing bridge"
expect_match "boot: started 0, failed 1, skipped 0" "$OUT" "the summary counts the failed start"
is_down "$A" && ok "$A is down" || fail "$A is down"

# bridge_wait = 0: no wait at all
{ cat "$CONF"; printf '[boot]\nbridge_wait = 0\n'; } > "$TMPD/bw0.conf"
CELLCTL_CONF=$TMPD/bw0.conf run cc boot
[ "$RC" = 1 ] && ok "bridge_wait = 0: boot exits 1 at once" || fail "bridge_wait = 0 (got $RC)" "$OUT"

check "destroy $A" cc destroy "$A"
finish
