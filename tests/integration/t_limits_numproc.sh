#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 2: a fork bomb in a container with --numproc 64 reaches at most 64 tasks,
# ubc's numproc failcnt rises, and once the bomb is killed the container is usable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
CT=$(ctid 1)

create_ct "$CT" --numproc 64
start_ct "$CT"
lim=$(ubc_val "$CT" numproc limit)
[ "$lim" = 64 ] && ok "ubc numproc limit 64" || fail "ubc numproc limit 64, got '$lim'" "$(cc ubc "$CT" 2>&1)"
f0=$(ubc_val "$CT" numproc failcnt)
# the bomb: every shell forks two more and keeps its slot for a while; marked for the kill below
cc_bg exec "$CT" -- sh -c ': cct-forkbomb; b() { b & b & sleep 6001; }; b' > /dev/null 2>&1
peak=0
for i in $(seq 1 60); do
	h=$(ubc_val "$CT" numproc held)
	[ -n "$h" ] && [ "$h" -gt "$peak" ] && peak=$h
	f=$(ubc_val "$CT" numproc failcnt)
	[ -n "$f" ] && [ "$f" -gt "$f0" ] && [ "$h" -ge 60 ] && break
	sleep 0.25
done
log "numproc held peaked at $peak while sampled; failcnt $f0 -> $f"
[ "$peak" -le 64 ] && [ "$peak" -ge 20 ] && ok "the bomb ran, with at most 64 tasks (peak sampled $peak)" || fail "tasks <= 64 and the bomb ran (peak $peak)"
[ -n "$f" ] && [ "$f" -gt "$f0" ] && ok "numproc failcnt rose: $f0 -> $f" || fail "numproc failcnt rises ($f0 -> $f)" "$(cc ubc "$CT" 2>&1)"
mh=$(ubc_val "$CT" numproc maxheld)
if [ "$mh" = - ]; then log "no pids.peak on this kernel: maxheld is '-'"; else
	[ "$mh" -le 64 ] && ok "numproc maxheld $mh <= 64" || fail "numproc maxheld <= 64" "$mh"; fi
run cc list -H -o ctid,numproc.l,numproc.f
expect_match "^ *$CT +64 +[1-9][0-9]*\$" "$OUT" "list -o numproc.l,numproc.f"
# kill the bomb from the host (its processes only: they carry the marker)
kill_marked "$CT" 'cct-forkbomb|sleep 6001' 
wait "$CC_PID" 2>/dev/null
# the killed ones are reaped by the container's init: on a loaded host that takes a moment
few_tasks() { h=$(ubc_val "$CT" numproc held); [ -n "$h" ] && [ "$h" -lt 10 ]; }
wait_for 10 few_tasks
h=$(ubc_val "$CT" numproc held)
[ -n "$h" ] && [ "$h" -lt 10 ] && ok "after the kill the container is back to $h tasks" || fail "bomb gone" "$h"
expect_output '^usable$' cc exec "$CT" -- echo usable
expect_output "^CTID $CT exist running\$" cc status "$CT"
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
