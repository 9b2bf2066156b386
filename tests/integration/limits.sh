# Helpers shared by the t_limits_*.sh tests (sourced after lib.sh; not a test itself).
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
