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
ct_cgdirs() { local d; for d in $(cg_self_dirs); do [ -d "$d/cellctl/$1" ] && echo "$d/cellctl/$1"; done; }
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
	local i p left
	for i in 1 2 3 4 5 6 7 8 9 10; do
		left=0
		for p in $(ct_pids "$1" "$2"); do
			kill -9 "$p" 2>/dev/null
			left=1
		done
		[ $left = 0 ] && return 0
		sleep 0.2
	done
}
# ct_io_file CTID: the container cgroup's per-device I/O byte counter file (v2 io.stat, v1
# blkio.throttle.io_service_bytes_recursive); io_bytes FILE MAJ:MIN: bytes read plus written on
# that block device in it. (Two steps, so a timed sample is one awk, not a walk of the hierarchies.)
ct_io_file() {
	local d f
	for d in $(ct_cgdirs "$1"); do
		for f in io.stat blkio.throttle.io_service_bytes_recursive; do
			[ -f "$d/$f" ] && { echo "$d/$f"; return 0; }
		done
	done
	return 1
}
io_bytes() {
	case "$1" in
	*/io.stat)
		awk -v dev="$2" '$1 == dev { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rbytes" || kv[1] == "wbytes") s += kv[2] } }
			END { printf "%.0f\n", s }' "$1" ;;
	*) awk -v dev="$2" '$1 == dev && ($2 == "Read" || $2 == "Write") { s += $3 } END { printf "%.0f\n", s }' "$1" ;;
	esac
}
cg_mode() { case "$(stat -f -c %T /sys/fs/cgroup)" in cgroup2fs) echo unified ;; tmpfs) [ -d /sys/fs/cgroup/unified ] && echo hybrid || echo legacy ;; *) echo legacy ;; esac; }
