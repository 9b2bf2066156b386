#!/bin/bash
# Issue 4, acceptance 4: two busy containers pinned to one CPU with --cpumask, at --cpuunits 2000
# and 1000, split their CPU time 2:1 (+-20%).
# long
. "$(dirname "$0")/lib.sh"
# ---- beancounter helpers (the same block is in every t_limits_*.sh) ----
# ubc_val CTID RESOURCE COLUMN: one number from `cellctl ubc CTID` (COLUMN: held maxheld barrier limit failcnt)
ubc_val() {
	cc ubc "$1" 2>/dev/null | awk -v r="$2" -v c="$3" '
		BEGIN { split("held maxheld barrier limit failcnt", n, " "); for (i in n) col[n[i]] = i + 1 }
		{ if ($1 ~ /:$/) { $1 = ""; $0 = $0 } }
		$1 == r { print $(col[c]); exit }'
}
# ct_cgdirs CTID: the container's limit cgroup in every hierarchy
ct_cgdirs() { local d; for d in $(cg_self_dirs); do [ -d "$d/cellctl/$1" ] && echo "$d/cellctl/$1"; done; }
# kill_marked CTID REGEX: SIGKILL the processes in the container whose command line matches REGEX
# (only ones this test started inside it), until none is left
kill_marked() {
	local i d p
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local left=0
		for d in $(ct_cgdirs "$1"); do
			for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
				if proc_cmd "$p" | grep -Eq -- "$2"; then kill -9 "$p" 2>/dev/null; left=1; fi
			done
		done
		[ $left = 0 ] && return 0
		sleep 0.2
	done
}
cg_mode() { case "$(stat -f -c %T /sys/fs/cgroup)" in cgroup2fs) echo unified ;; tmpfs) [ -d /sys/fs/cgroup/unified ] && echo hybrid || echo legacy ;; *) echo legacy ;; esac; }
# ---- end of helpers ----
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
cc_bg exec "$A" -- sh -c ': cct-busy; while :; do :; done' > /dev/null 2>&1
pa=$CC_PID
cc_bg exec "$B" -- sh -c ': cct-busy; while :; do :; done' > /dev/null 2>&1
pb=$CC_PID
sleep 1
t0=$(date +%s%N); a0=$(ubc_val "$A" cputime held); b0=$(ubc_val "$B" cputime held)
sleep 5
a1=$(ubc_val "$A" cputime held); b1=$(ubc_val "$B" cputime held); t1=$(date +%s%N)
ratio=$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { if (b <= 0) print 0; else printf "%.2f", a / b }')
log "CPU $cpu: A (2000) used $(((a1 - a0) / 1000)) ms, B (1000) $(((b1 - b0) / 1000)) ms in 5 s: ratio $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r >= 1.6 && r <= 2.4) }' && ok "cpuunits 2000:1000 split CPU time $ratio:1 (2:1 +-20%)" || fail "2:1 +-20% split, got $ratio"
# share of one CPU over the whole measured interval (a little more than 5 s: the ubc calls)
tot=$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v s="$t0" -v e="$t1" 'BEGIN { printf "%d", (a + b) * 1000 * 100 / (e - s) }')
[ "$tot" -le 110 ] && ok "both together used ${tot}% of one CPU (pinned to one)" || fail "pinned to one CPU: ${tot}%"
kill_marked "$A" cct-busy
kill_marked "$B" cct-busy
wait "$pa" "$pb" 2>/dev/null
for c in "$A" "$B"; do
	check "stop $c" cc stop "$c"
	check "destroy $c" cc destroy "$c"
done
finish
