#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 4: two busy containers pinned to one CPU with --cpumask, at --cpuunits 2000
# and 1000, split their CPU time 2:1 (+-20%). The split is their cgroups' CPU time (the counters
# ubc cputime shows, read directly) over an 8 s window that opens only once both loops run, each checked to be allowed on that one
# CPU alone; a ratio of the two needs no trust in the clock (qemu TCG, busy host).
# long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
cpu=$(cut -d, -f1 /sys/fs/cgroup/cpuset/cpuset.effective_cpus 2>/dev/null || cut -d, -f1 /sys/fs/cgroup/cpuset.cpus.effective 2>/dev/null)
cpu=${cpu%%-*}
cpu=${cpu:-0}
create_ct "$A" --cpuunits 2000 --cpumask "$cpu"
create_ct "$B" --cpuunits 1000 --cpumask "$cpu"
start_ct "$A"
start_ct "$B"
# the loop's own shell, not the `cellctl exec` that started it (which joins the container first)
LOOPRE='^sh -c : cct-busy'
cc_bg exec "$A" -- sh -c ': cct-busy; while :; do :; done' > /dev/null 2>&1
pa=$CC_PID
cc_bg exec "$B" -- sh -c ': cct-busy; while :; do :; done' > /dev/null 2>&1
pb=$CC_PID
# measure only once both loops run (under emulation `cellctl exec` alone can take seconds: a
# window that opens before B's loop starts gives A the CPU to itself and skews the ratio)
for c in "$A" "$B"; do
	if wait_proc "$c" "$LOOPRE" 120; then
		p=$(ct_pids "$c" "$LOOPRE" | head -1)
		on=$(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ "$on" = "$cpu" ] && ok "the loop in $c runs on CPU $cpu only" || fail "the loop in $c is pinned to CPU $cpu" "Cpus_allowed_list: $on"
	else
		fail "the busy loop runs in $c"
	fi
done
sleep 1
# both cgroups' counters read back to back, with the clock, in the shell itself (limits.sh
# cpu_sample): the two windows are the same to within microseconds
srcA=$(ct_cpu_src "$A") && srcB=$(ct_cpu_src "$B") || fail "the CPU time counters of $A and $B" "$(ct_cgdirs "$A")"
W=8
cpu_sample $srcA; t0=$S_T a0=$S_CPU
cpu_sample $srcB; b0=$S_CPU
sleep $W
cpu_sample $srcA; t1=$S_T a1=$S_CPU
cpu_sample $srcB; b1=$S_CPU
ratio=$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { if (b <= 0) print 0; else printf "%.2f", a / b }')
log "CPU $cpu: A (2000) used $(((a1 - a0) / 1000)) ms, B (1000) $(((b1 - b0) / 1000)) ms in $(((t1 - t0) / 1000)) ms: ratio $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r >= 1.6 && r <= 2.4) }' && ok "cpuunits 2000:1000 split CPU time $ratio:1 (2:1 +-20%)" || fail "2:1 +-20% split, got $ratio"
# share of one CPU over the window
tot=$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v s="$t0" -v e="$t1" 'BEGIN { printf "%d", (a + b) * 100 / (e - s) }')
[ "$tot" -le 110 ] && ok "both together used ${tot}% of one CPU (pinned to one)" || fail "pinned to one CPU: ${tot}%"
kill_marked "$A" cct-busy
kill_marked "$B" cct-busy
wait "$pa" "$pb" 2>/dev/null
# ubc shows the same counters (they only grow: at least what was read above; asked once the
# loops are gone, which under emulation leave little CPU for anything else)
ua=$(ubc_val "$A" cputime held); ub=$(ubc_val "$B" cputime held)
[ "${ua:-0}" -ge "$a1" ] && [ "${ub:-0}" -ge "$b1" ] && ok "ubc cputime held of A and B ($ua, $ub us) follow their cgroups" ||
	fail "ubc cputime held >= the cgroups' own counters" "A $ua < $a1 or B $ub < $b1"
for c in "$A" "$B"; do
	check "stop $c" cc stop "$c"
	check "destroy $c" cc destroy "$c"
done
finish
