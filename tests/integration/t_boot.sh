#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: `cellctl boot` starts the onboot containers group by group (higher bootorder first),
# skips disabled ones and those not onboot, goes on past a container that fails (exit 1, the
# summary counts it); `cellctl shutdown` stops every running container in the reverse order and
# records them, so that the next boot starts one that is not onboot too, then drops the record.
# timeout: 400
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1) B=$(ctid 2) C=$(ctid 3) D=$(ctid 4) E=$(ctid 5) F=$(ctid 6) G=$(ctid 7) H=$(ctid 8)
create_ct "$A" --onboot yes --bootorder 30
create_ct "$B" --onboot yes --bootorder 30
create_ct "$C" --onboot yes --bootorder 20
create_ct "$D" --onboot yes --bootorder 20 --onboot_delay 1
create_ct "$E" --onboot yes --bootorder 10
create_ct "$F" --onboot yes
create_ct "$G" --onboot no --bootorder 40
create_ct "$H" --onboot yes --bootorder 40 --disabled yes
grep -q '^onboot_delay *= *1$' "$CONF_DIR/$D.conf" && ok "onboot_delay is saved in [container]" ||
	fail "onboot_delay is saved in [container]" "$(cat "$CONF_DIR/$D.conf")"
RECORD=$TMPD/running-at-shutdown

# bad input
expect_exit 21 cc boot --parallel 0
expect_exit 21 cc boot --timeout x
expect_exit 20 cc boot 101
expect_exit 21 cc set "$D" --onboot_delay 4000
{ cat "$CONF"; printf '[boot]\nparallel = 0\n'; } > "$TMPD/bad.conf"
CELLCTL_CONF=$TMPD/bad.conf expect_exit 85 cc boot
expect_match "\\[boot\\] parallel: invalid value '0'" "$OUT" "a bad [boot] parallel is named"
for c in $A $B $C $D $E $F $G $H; do is_down "$c" || fail "$c down after bad input"; done

# bootorder values in the order the log says containers started (or stopped)
orders() { grep -o "$1: $2 (bootorder [0-9]*)" "$LOG_FILE" | grep -o '[0-9]*)' | tr -d ')' | tr '\n' ' '; }
nonincreasing() { local p=999999 x; for x in $1; do [ "$x" -le "$p" ] || return 1; p=$x; done; }
nondecreasing() { local p=-1 x; for x in $1; do [ "$x" -ge "$p" ] || return 1; p=$x; done; }

run cc boot --parallel 2
[ "$RC" = 0 ] && ok "boot exits 0" || fail "boot exits 0 (got $RC)" "$OUT"
expect_match "boot: started 6, failed 0, skipped 1" "$OUT" "boot's summary: 6 started, 1 skipped (disabled)"
expect_match "Container $H skipped: disabled" "$OUT" "the disabled container is skipped"
for c in $A $B $C $D $E $F; do is_running "$c" && ok "$c (onboot) runs" || fail "$c (onboot) runs" "$OUT"; done
is_down "$G" && ok "$G (onboot no) stays down" || fail "$G (onboot no) stays down"
is_down "$H" && ok "$H (disabled) stays down" || fail "$H (disabled) stays down"
o=$(orders boot started)
[ "$o" = "30 30 20 20 10 0 " ] && ok "started in bootorder groups: $o" || fail "started in bootorder groups (got '$o')"
grep -q "CT $D : boot: started" "$LOG_FILE" && ok "each start is logged" || fail "each start is logged" "$(tail "$LOG_FILE")"
grep -q "boot: 6 container(s) to start, at most 2 at a time" "$LOG_FILE" && ok "--parallel 2 is used" ||
	fail "--parallel 2 is used" "$(cat "$LOG_FILE")"
# when each guest's init began (clock ticks since the host booted): a group starts after the one before
# has booted, and onboot_delay holds D back
st() { cc exec "$1" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}'; }
sa=$(st "$A") sb=$(st "$B") sc=$(st "$C") sd=$(st "$D") se=$(st "$E") sf=$(st "$F")
hz=$(getconf CLK_TCK)
log "init start ticks: A $sa B $sb C $sc D $sd E $se F $sf (CLK_TCK $hz)"
if [ -n "$sa$sb$sc$sd$se$sf" ]; then
	[ "$sa" -le "$sc" ] && [ "$sb" -le "$sc" ] && [ "$sd" -le "$se" ] && [ "$sc" -le "$se" ] && [ "$se" -le "$sf" ] &&
		ok "each group's inits began after the group before" || fail "each group's inits began after the group before"
	[ $((sd - sc)) -ge $((hz * 9 / 10)) ] && ok "onboot_delay 1 started $D about 1 s after $C" ||
		fail "onboot_delay 1 started $D about 1 s after $C ($sc, $sd)"
else
	fail "read the inits' start times"
fi

# a second boot: everything runs already
{ cat "$CONF"; printf '[boot]\nparallel = 3\n'; } > "$TMPD/par.conf"
run env CELLCTL_CONF="$TMPD/par.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" boot
expect_match "boot: started 0, failed 0, skipped 7" "$OUT" "a second boot skips what runs"
grep -q "at most 3 at a time" "$LOG_FILE" && ok "[boot] parallel is the default of --parallel" ||
	fail "[boot] parallel is the default of --parallel" "$(tail -3 "$LOG_FILE")"

for c in $A $B $C $D $E $F; do cc stop "$c" --fast >/dev/null 2>&1; done
# a container that cannot start does not stop the rest
mv "$PRIV_DIR/$C/sbin/init" "$PRIV_DIR/$C/sbin/init.off"
: > "$LOG_FILE"
run cc boot --parallel 2
[ "$RC" = 1 ] && ok "boot exits 1 when one container fails" || fail "boot exits 1 when one container fails (got $RC)" "$OUT"
expect_match "boot: started 5, failed 1, skipped 1" "$OUT" "the summary counts the failure"
expect_match "container $C: " "$OUT" "the failure names the container"
grep -q "CT $C : boot: start failed" "$LOG_FILE" && ok "the failure is logged" || fail "the failure is logged" "$(cat "$LOG_FILE")"
for c in $A $B $D $E $F; do is_running "$c" && ok "$c runs despite $C" || fail "$c runs despite $C"; done
is_down "$C" && ok "$C is down" || fail "$C is down"
mv "$PRIV_DIR/$C/sbin/init.off" "$PRIV_DIR/$C/sbin/init"

# a guest that never finishes booting: failed at the timeout, left running; the next group goes on
cc stop "$E" --fast >/dev/null 2>&1
hang_boot "$E"
t0=$(date +%s)
run cc boot --timeout 3
t1=$(date +%s)
[ "$RC" = 1 ] && ok "a guest not ready at --timeout: boot exits 1" || fail "a guest not ready at --timeout: boot exits 1 (got $RC)" "$OUT"
expect_match "container $E: .*did not finish booting within 3 s.*keeps running.*\\(exit 15\\)" "$OUT" "the timeout is named"
expect_match "boot: started 1, failed 1, skipped 5" "$OUT" "summary with a guest not ready"
[ $((t1 - t0)) -le 15 ] && ok "the timeout held the boot $((t1 - t0)) s" || fail "the timeout held the boot $((t1 - t0)) s"
is_running "$E" && ok "the guest not ready keeps running" || fail "the guest not ready keeps running"
is_running "$C" && ok "$C started with the rest" || fail "$C started with the rest"

# SIGTERM: passed on to the children, no new start, exit 1, nothing left behind
cc stop "$E" --fast >/dev/null 2>&1
cc stop "$F" --fast >/dev/null 2>&1
t0=$(date +%s)
run timeout --preserve-status -s TERM 2 nsenter --net="/run/netns/$NS" -- "$CELLCTL" boot --timeout 60
t1=$(date +%s)
[ "$RC" = 1 ] && ok "boot on SIGTERM exits 1" || fail "boot on SIGTERM exits 1 (got $RC)" "$OUT"
expect_match "interrupted by signal 15" "$OUT" "boot says it was interrupted"
[ $((t1 - t0)) -le 10 ] && ok "boot ended $((t1 - t0)) s after its start" || fail "boot ended $((t1 - t0)) s after its start"
is_down "$F" && ok "no start after SIGTERM ($F, a later group, is down)" || fail "no start after SIGTERM ($F is up)"
rm -f "$PRIV_DIR/$E/etc/init.d/S50hang"
cc stop "$E" --fast >/dev/null 2>&1
check "start $F" cc start "$F"
check "start $E" cc start "$E"

# shutdown: reverse order, records the running ones, G (onboot no) among them
start_ct "$G"
: > "$LOG_FILE"
run cc shutdown --parallel 2 --timeout 60
[ "$RC" = 0 ] && ok "shutdown exits 0" || fail "shutdown exits 0 (got $RC)" "$OUT"
expect_match "shutdown: stopped 7, failed 0" "$OUT" "shutdown's summary"
for c in $A $B $C $D $E $F $G $H; do is_down "$c" || fail "$c down after shutdown"; done
o=$(orders shutdown stopped)
nondecreasing "$o" && [ "$o" = "0 10 20 20 30 30 40 " ] && ok "stopped in reverse bootorder: $o" ||
	fail "stopped in reverse bootorder (got '$o')"
for c in $A $B $C $D $E $F $G; do grep -qx "$c" "$RECORD" || fail "$c recorded in $RECORD" "$(cat "$RECORD" 2>&1)"; done
grep -qx "$H" "$RECORD" && fail "$H (not running) is not recorded" || ok "the record holds the running ones only"

# a second shutdown with nothing running keeps the record
: > "$LOG_FILE"
run cc shutdown
expect_match "shutdown: stopped 0, failed 0" "$OUT" "a shutdown with nothing running"
grep -q "shutdown: 0 running container(s), at most 16 at a time, deadline 300 s" "$LOG_FILE" &&
	ok "shutdown stops 16 at a time by default" || fail "shutdown stops 16 at a time by default" "$(cat "$LOG_FILE")"
{ cat "$CONF"; printf '[boot]\nshutdown_parallel = 5\n'; } > "$TMPD/spar.conf"
CELLCTL_CONF=$TMPD/spar.conf run cc shutdown
grep -q "at most 5 at a time" "$LOG_FILE" && ok "[boot] shutdown_parallel is the default of shutdown's --parallel" ||
	fail "[boot] shutdown_parallel is the default of shutdown's --parallel" "$(cat "$LOG_FILE")"
{ cat "$CONF"; printf '[boot]\nshutdown_parallel = 0\n'; } > "$TMPD/spar0.conf"
CELLCTL_CONF=$TMPD/spar0.conf expect_exit 85 cc shutdown
grep -qx "$G" "$RECORD" && ok "a second shutdown keeps the record" || fail "a second shutdown keeps the record"

# the next boot starts the recorded G too (not onboot), and the onboot C, then drops the record
: > "$LOG_FILE"
run cc boot --parallel 4
[ "$RC" = 0 ] && ok "boot after shutdown exits 0" || fail "boot after shutdown exits 0 (got $RC)" "$OUT"
expect_match "boot: started 7, failed 0, skipped 1" "$OUT" "boot after shutdown: 7 started"
is_running "$G" && ok "$G (onboot no, running at shutdown) is started" || fail "$G (running at shutdown) is started"
o=$(orders boot started)
nonincreasing "$o" && ok "started in order: $o" || fail "started in order (got '$o')"
[ ! -e "$RECORD" ] && ok "boot removes the record" || fail "boot removes the record"
cc stop "$G" --fast >/dev/null 2>&1
run cc boot
is_down "$G" && ok "without a record $G stays down" || fail "without a record $G stays down" "$OUT"

# the global deadline: what still runs 1 s after the start is killed; a graceful stop of busybox
# takes ~3 s, so four groups would take 12 s or more
t0=$(date +%s)
run cc shutdown --timeout 1 --parallel 4
t1=$(date +%s)
[ "$RC" = 0 ] && ok "shutdown --timeout 1" || fail "shutdown --timeout 1 (got $RC)" "$OUT"
expect_match "shutdown: stopped 6, failed 0" "$OUT" "shutdown --timeout 1 stopped the six"
[ $((t1 - t0)) -le 7 ] && ok "the deadline cut the shutdown to $((t1 - t0)) s" || fail "the deadline cut the shutdown ($((t1 - t0)) s)"
for c in $A $B $C $D $E $F $G $H; do is_down "$c" || fail "$c down after shutdown --timeout 1"; done
rm -f "$RECORD"
finish
