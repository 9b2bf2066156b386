#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (suspend and resume): suspend freezes every process of a running container through its
# cgroup freezer (a counter loop in the guest stops counting) and resume thaws it (it counts on);
# status and list show "suspended"; exec and enter refuse a suspended container (18), a second
# suspend too, resume of one that is not suspended fails (16), both refuse a stopped container
# (31); stop of a suspended container thaws it first and stops it cleanly.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
create_ct "$CT"
start_ct "$CT"
CNT=$PRIV_DIR/$CT/cnt
count() { cat "$CNT" 2>/dev/null; }

expect_exit 31 cc suspend "$(ctid 2)"
expect_exit 31 cc resume "$(ctid 2)"
# a counter loop in the guest, detached from the exec
check "start a counter loop in the guest" cc exec "$CT" -- sh -c \
	'i=0; (while :; do i=$((i+1)); echo $i > /cnt.new; mv /cnt.new /cnt; sleep 0.05; done) </dev/null >/dev/null 2>&1 &'
counted() { [ "$(count)" -ge "$1" ] 2>/dev/null; }
wait_for 10 counted 5 && ok "the counter counts ($(count))" || fail "the counter counts" "$(ls -la "$PRIV_DIR/$CT")"
expect_exit 16 cc resume "$CT"
expect_output "^Container $CT suspended\$" cc suspend "$CT"
expect_output "^CTID $CT exist running suspended\$" cc status "$CT"
expect_output '"suspended": true' cc status "$CT" -j
expect_output "^ *$CT +suspended\$" cc list -H -o ctid,status
expect_output '"status": "suspended"' cc list -j -o ctid,status
c1=$(count)
sleep 1
c2=$(count)
[ -n "$c1" ] && [ "$c1" = "$c2" ] && ok "suspended: the counter stays at $c1 for 1 s" || fail "suspended: the counter stays" "$c1 -> $c2"
expect_exit 18 cc suspend "$CT"
expect_exit 18 cc exec "$CT" -- true
expect_exit 18 cc enter "$CT"
expect_output "^Container $CT resumed\$" cc resume "$CT"
expect_output "^CTID $CT exist running\$" cc status "$CT"
expect_output '"suspended": false' cc status "$CT" -j
sleep 0.5
c3=$(count)
[ -n "$c3" ] && [ "$c3" -gt "$c2" ] && ok "resumed: the counter counts on ($c2 -> $c3)" || fail "resumed: the counter counts on" "$c2 -> $c3"
check "exec works again after resume" cc exec "$CT" -- true

# stop of a suspended container: thawed first, then a clean stop (its init sees the signal)
check "suspend again" cc suspend "$CT"
t0=$(date +%s)
check "stop a suspended container" cc stop "$CT" --timeout 20
t=$(($(date +%s) - t0))
[ "$t" -lt 15 ] && ok "the suspended container stopped in ${t}s (thawed, not waited out)" || fail "stopped quickly" "${t}s"
grep -q "suspended: resuming it to stop it" "$LOG_FILE" 2>/dev/null && ok "stop said it resumed the container first" ||
	warn "the log has no line about the resume before stop"
grep -q "stopped cleanly" "$LOG_FILE" && ok "the stop was clean" || fail "the stop was clean" "$(tail -5 "$LOG_FILE")"
expect_output "^CTID $CT exist down\$" cc status "$CT"
expect_exit 31 cc suspend "$CT"
expect_exit 31 cc resume "$CT"
expect_exit 20 cc suspend "$CT" --bogus
check "destroy $CT" cc destroy "$CT"
leak_check
finish
