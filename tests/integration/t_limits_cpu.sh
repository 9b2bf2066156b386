#!/bin/bash
# Issue 4, acceptance 3: --cpulimit 50 caps a busy loop at 50% of one CPU (+-10%), measured from
# the cgroup's CPU usage (ubc cputime, microseconds) over 5 s.
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
CT=$(ctid 1)

create_ct "$CT" --cpulimit 50
start_ct "$CT"
lim=$(ubc_val "$CT" cputime limit)
[ "$lim" = 50 ] && ok "ubc cputime limit 50 (percent of one CPU)" || fail "ubc cputime limit 50, got '$lim'" "$(cc ubc "$CT" 2>&1)"
cc_bg exec "$CT" -- sh -c ': cct-busy; while :; do :; done' > /dev/null 2>&1
sleep 1
th0=$(ubc_val "$CT" cputime failcnt)
u0=$(ubc_val "$CT" cputime held); t0=$(date +%s%N)
sleep 5
u1=$(ubc_val "$CT" cputime held); t1=$(date +%s%N)
th1=$(ubc_val "$CT" cputime failcnt)
pct=$(awk -v a="$u0" -v b="$u1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 * 100 / (e - s) }')
log "busy loop under --cpulimit 50: $pct% of one CPU"
if awk -v p="$pct" 'BEGIN { exit !(p >= 45 && p <= 55) }'; then
	ok "busy loop capped at $pct% (50% +-10%)"
elif awk -v p="$pct" 'BEGIN { exit !(p < 45) }' && [ "$th1" -gt "$th0" ]; then
	# below the band, yet throttled at the cap: other load on the host took the rest
	warn "busy loop got $pct% < 45% but was throttled at the cap ($th0 -> $th1 periods): host too busy ($(cut -d' ' -f1 /proc/loadavg) load)"
else
	fail "busy loop capped at 50% +-10%: $pct%"
fi
thr=$(ubc_val "$CT" cputime failcnt)
[ "$thr" != - ] && [ "$thr" -gt 0 ] && ok "cputime failcnt counts throttled periods ($thr)" || fail "cputime failcnt > 0" "$thr"
kill_marked "$CT" cct-busy
wait "$CC_PID" 2>/dev/null
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
