# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by the t_limits_*.sh tests (sourced after lib.sh; not a test itself).
# ubc_val CTID RESOURCE COLUMN: one number from `cellctl ubc CTID` (COLUMN: held maxheld barrier limit failcnt)
ubc_val() {
	cc ubc "$1" 2>/dev/null | awk -v r="$2" -v c="$3" '
		BEGIN { split("held maxheld barrier limit failcnt", n, " "); for (i in n) col[n[i]] = i + 1 }
		{ if ($1 ~ /:$/) { $1 = ""; $0 = $0 } }
		$1 == r { print $(col[c]); exit }'
}
# ubc_row CTID RESOURCE: "held maxheld barrier limit failcnt" of one resource, from one `cellctl
# ubc` (so the columns are read at the same instant)
ubc_row() {
	cc ubc "$1" 2>/dev/null | awk -v r="$2" '
		{ if ($1 ~ /:$/) { $1 = ""; $0 = $0 } }
		$1 == r { print $2, $3, $4, $5, $6; exit }'
}
# ct_cgdirs CTID: the container's limit cgroup in every hierarchy
ct_cgdirs() { local d; for d in $(cg_self_dirs); do [ -d "$d/$CG_NAME/$1" ] && echo "$d/$CG_NAME/$1"; done; }
# ct_pids CTID REGEX: the processes in the container whose command line matches REGEX (note: the
# `cellctl exec` process joins the container too, and busybox dd overwrites its own argv, so
# "of=/x" reads "of /x")
ct_pids() {
	local d p
	for d in $(ct_cgdirs "$1"); do
		for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
			proc_cmd "$p" | grep -Eq -- "$2" && echo "$p"
		done
	done | sort -un
}
has_proc() { [ -n "$(ct_pids "$1" "$2")" ]; }
# wait_proc CTID REGEX SECONDS: wait until such a process runs in the container (under emulation
# `cellctl exec` alone can take seconds, so a fixed sleep after starting one proves nothing)
# (by the clock: each look walks the container's cgroups, far slower than wait_for's 0.1 s step)
wait_proc() {
	local end=$((SECONDS + $3))
	until has_proc "$1" "$2"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
# kill_marked CTID REGEX: SIGKILL the processes in the container whose command line matches REGEX
# (only ones this test started inside it), until none is left
kill_marked() {
	# each process is killed the moment it is seen (a fork bomb refills freed slots while a
	# full list is being made first)
	local i d p left
	for i in $(seq 1 30); do
		left=0
		for d in $(ct_cgdirs "$1"); do
			for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
				if proc_cmd "$p" | grep -Eq -- "$2"; then kill -9 "$p" 2>/dev/null; left=1; fi
			done
		done
		[ $left = 0 ] && return 0
		sleep 0.2
	done
}
# Timed samples of a container cgroup's own counters. The clock is bash's $EPOCHREALTIME, taken
# right before a pure-bash read of the file: no fork, no `cellctl ubc` between the clock and the
# counter (a ubc call lasts 0.1-1 s under qemu TCG and varies, which would bend a few-second window).
# stamp: S_T = the time in microseconds (no command substitution: that would fork)
stamp() { S_T=${EPOCHREALTIME/[.,]/}; }
# ct_io_file CTID: the cgroup's per-device I/O byte counter (v2 io.stat, v1
# blkio.throttle.io_service_bytes_recursive)
ct_io_file() {
	local d f
	for d in $(ct_cgdirs "$1"); do
		for f in io.stat blkio.throttle.io_service_bytes_recursive; do
			[ -f "$d/$f" ] && { echo "$d/$f"; return 0; }
		done
	done
	return 1
}
# io_sample FILE MAJ:MIN: S_T (us) and S_IO (bytes read plus written on that device)
io_sample() {
	local dev kv a b
	stamp
	S_IO=0
	if [ "${1##*/}" = io.stat ]; then
		while read -r dev a; do
			[ "$dev" = "$2" ] || continue
			for kv in $a; do
				case $kv in rbytes=* | wbytes=*) S_IO=$((S_IO + ${kv#*=})) ;; esac
			done
		done < "$1"
	else
		while read -r dev a b; do
			[ "$dev" = "$2" ] && { [ "$a" = Read ] || [ "$a" = Write ]; } && S_IO=$((S_IO + b))
		done < "$1"
	fi
}
io_bytes() { io_sample "$1" "$2"; echo "$S_IO"; }
# ct_cpu_src CTID: where the cgroup's CPU time and throttled periods are: "FILE" (v2 cpu.stat),
# or "USAGE STAT" (v1 cpuacct.usage in ns, cpu.stat)
ct_cpu_src() {
	local d u="" st=""
	for d in $(ct_cgdirs "$1"); do
		if [ -f "$d/cpu.stat" ] && grep -q '^usage_usec ' "$d/cpu.stat" && grep -q '^nr_throttled ' "$d/cpu.stat"; then
			echo "$d/cpu.stat"
			return 0
		fi
		[ -f "$d/cpuacct.usage" ] && u=$d/cpuacct.usage
		[ -f "$d/cpu.cfs_quota_us" ] && [ -f "$d/cpu.stat" ] && st=$d/cpu.stat
	done
	[ -n "$u" ] && [ -n "$st" ] && { echo "$u $st"; return 0; }
	return 1
}
# cpu_sample SRC...: S_T (us), S_CPU (us of CPU time) and S_THR (throttled periods)
cpu_sample() {
	local k v
	stamp
	S_CPU="" S_THR=""
	if [ $# = 1 ]; then
		while read -r k v; do
			case $k in usage_usec) S_CPU=$v ;; nr_throttled) S_THR=$v ;; esac
		done < "$1"
	else
		read -r v < "$1"
		S_CPU=$((v / 1000))
		while read -r k v; do [ "$k" = nr_throttled ] && S_THR=$v; done < "$2"
	fi
}
cg_mode() { case "$(stat -f -c %T /sys/fs/cgroup)" in cgroup2fs) echo unified ;; tmpfs) [ -d /sys/fs/cgroup/unified ] && echo hybrid || echo legacy ;; *) echo legacy ;; esac; }
