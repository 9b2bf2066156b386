#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, locks: a state-changing command finds the CT locked -> exit 9, and the message names the
# holder's pid and operation; status, list and exec never block on the lock; stale locks are
# cleared.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
LCK=$RUN_DIR/lock/$CT.lck

create_ct "$CT"
mkdir -p "$RUN_DIR/lock"

# Is the lock file flock'ed by anyone? Read from /proc/locks: probing with flock(1) itself would
# take the lock for a moment and race with the cellctl under test.
lock_held() {
	local ino
	ino=$(stat -c %i "$LCK" 2>/dev/null) || return 1
	grep -Eq "FLOCK +ADVISORY +WRITE +[0-9]+ +[0-9a-f]+:[0-9a-f]+:$ino " /proc/locks
}

# hold_lock OP: a process of ours that writes "PID\nOP\n" into the lock file and holds flock on it
hold_lock() {
	(
		printf '%s\n%s\n' "$BASHPID" "$1" > "$LCK"
		exec 9< "$LCK"
		flock -x 9
		exec sleep 600
	) &
	HOLDER=$!
	BG_PIDS+=("$HOLDER")
	wait_for 5 lock_held
}
release_lock() {
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
}

hold_lock create
expect_exit 9 timeout 20 nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$CT"
expect_match "$HOLDER" "$OUT" "the message names the holder's pid $HOLDER"
expect_match 'create' "$OUT" "the message names the holder's operation (create)"
expect_exit 9 timeout 20 nsenter --net="/run/netns/$NS" -- "$CELLCTL" destroy "$CT"
expect_exit 9 timeout 20 nsenter --net="/run/netns/$NS" -- "$CELLCTL" set "$CT" --hostname locked --save
run timeout 10 nsenter --net="/run/netns/$NS" -- "$CELLCTL" status "$CT"
[ "$RC" = 0 ] && [ "$OUT" = "CTID $CT exist down" ] && ok "status does not block on the lock" || fail "status does not block on the lock (exit $RC)" "$OUT"
run timeout 10 nsenter --net="/run/netns/$NS" -- "$CELLCTL" list -a
[ "$RC" = 0 ] && ok "list does not block on the lock" || fail "list does not block on the lock (exit $RC)" "$OUT"
release_lock
[ -d "$PRIV_DIR/$CT" ] && ok "the locked destroy did nothing" || fail "the locked destroy did nothing"

# exec never takes the lock: run it while the CT is locked
start_ct "$CT"
hold_lock stop
run timeout 10 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- echo unlocked
[ "$RC" = 0 ] && [ "$OUT" = unlocked ] && ok "exec does not block on the lock" || fail "exec does not block on the lock (exit $RC)" "$OUT"
expect_exit 9 timeout 20 nsenter --net="/run/netns/$NS" -- "$CELLCTL" stop "$CT" --fast
expect_match "$HOLDER" "$OUT" "stop: the message names pid $HOLDER"
release_lock

# a real holder: a graceful stop (busybox init takes ~2 s) holds the lock while another command runs
cc_bg stop "$CT" --timeout 60
STOPPER=$CC_PID
wait_for 5 lock_held
run timeout 20 nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$CT"
if kill -0 "$STOPPER" 2>/dev/null; then
	expect_match '^9$' "$RC" "start during a running stop: exit 9 ($RC)"
	expect_match "$STOPPER" "$OUT" "the message names the stopping cellctl's pid $STOPPER"
	expect_match 'stop' "$OUT" "the message names the operation (stop)"
else
	warn "the stop finished before the second command ran (start gave $RC: $OUT)"
fi
wait "$STOPPER" && ok "the graceful stop succeeded" || fail "the graceful stop succeeded"
wait_for 10 is_down "$CT" || cc stop "$CT" --fast >/dev/null 2>&1

# stale locks: a dead pid in the file and no flock held
printf '%s\n%s\n' 999999999 start > "$LCK"
check "a stale lock file (dead pid) is cleared: start works" cc start "$CT"
check "stop" cc stop "$CT" --fast
# a live pid that does not hold the flock (this test's shell) is stale as well
printf '%s\n%s\n' $$ destroy > "$LCK"
check "a lock file without flock held is cleared: start works" cc start "$CT"
check "stop" cc stop "$CT" --fast
# garbage in the lock file
printf 'garbage\n' > "$LCK"
check "a garbage lock file is cleared" cc start "$CT"
check "stop" cc stop "$CT" --fast

check "destroy" cc destroy "$CT"
[ ! -e "$LCK" ] && ok "no lock file left after destroy" || fail "no lock file left after destroy" "$(cat "$LCK")"
finish
