#!/bin/bash
# Issue 4, acceptance 2: a fork bomb in a container with --numproc 64 reaches at most 64 tasks,
# ubc's numproc failcnt rises, and once the bomb is killed the container is usable.
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
sleep 0.5
h=$(ubc_val "$CT" numproc held)
[ -n "$h" ] && [ "$h" -lt 10 ] && ok "after the kill the container is back to $h tasks" || fail "bomb gone" "$h"
expect_output '^usable$' cc exec "$CT" -- echo usable
expect_output "^CTID $CT exist running\$" cc status "$CT"
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
