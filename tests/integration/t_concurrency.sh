#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# long
# timeout: 1200
# Issue 2, acceptance 4: 20 containers started and stopped concurrently, then 100 sequential
# start/stop cycles of one container. No error, and nothing leaks: mounts, cgroups, processes,
# links and the fds of this shell, before and after; and the monitors' fds stay flat.
. "$(dirname "$0")/lib.sh"

N=${CCT_CONC_N:-20}
CYCLES=${CCT_CYCLES:-100}
need_template
leak_snapshot

ids=()
for i in $(seq 1 "$N"); do ids+=("$(ctid "$i")"); done
errs=0
for c in "${ids[@]}"; do
	use_ct "$c"
	run cc create "$c" --hostname "conc-$c"
	[ "$RC" = 0 ] || { errs=$((errs + 1)); fail "create $c" "$OUT"; }
done
[ $errs = 0 ] && ok "created $N containers"
bases=$(for c in "${ids[@]}"; do sed -n 's/^[[:space:]]*uid_base[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$c.conf"; done | sort)
[ "$(printf '%s\n' "$bases" | sort -u | wc -l)" = "$N" ] && ok "$N distinct uid blocks" || fail "$N distinct uid blocks" "$bases"

# start all at once
t0=$(date +%s%N)
pids=()
for c in "${ids[@]}"; do
	cc start "$c" > "$TMPD/start.$c.out" 2>&1 &
	pids+=($!)
done
errs=0
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || { errs=$((errs + 1)); fail "concurrent start ${ids[$k]}" "$(cat "$TMPD/start.${ids[$k]}.out")"; }
done
[ $errs = 0 ] && ok "$N concurrent starts succeeded ($((($(date +%s%N) - t0) / 1000000)) ms)"
running=0
for c in "${ids[@]}"; do is_running "$c" && running=$((running + 1)); done
[ $running = "$N" ] && ok "all $N running" || fail "all $N running (only $running)"
run cc list -H -o ctid
[ "$(printf '%s\n' "$OUT" | grep -c '[0-9]')" = "$N" ] && ok "list shows $N running" || fail "list shows $N running" "$OUT"
nmon=0
for c in "${ids[@]}"; do monitor_pid "$c" >/dev/null && nmon=$((nmon + 1)); done
[ $nmon = "$N" ] && ok "one monitor per container ($nmon)" || fail "one monitor per container ($nmon of $N)"
errs=0 wrong=""
for c in "${ids[@]}"; do
	run cc exec "$c" -- hostname
	[ "$RC" = 0 ] || { errs=$((errs + 1)); fail "exec hostname in $c" "$OUT"; }
	[ "$OUT" = "conc-$c" ] || wrong="$wrong $c:$OUT"
done
[ $errs = 0 ] && ok "exec works in every container"
[ -z "$wrong" ] && ok "every container has its own hostname" || fail "every container has its own hostname" "$wrong"

# stop all at once (graceful: busybox init takes ~2 s; all in parallel)
t0=$(date +%s%N)
pids=()
for c in "${ids[@]}"; do
	cc stop "$c" --timeout 60 > "$TMPD/stop.$c.out" 2>&1 &
	pids+=($!)
done
errs=0
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || { errs=$((errs + 1)); fail "concurrent stop ${ids[$k]}" "$(cat "$TMPD/stop.${ids[$k]}.out")"; }
done
[ $errs = 0 ] && ok "$N concurrent graceful stops succeeded ($((($(date +%s%N) - t0) / 1000000)) ms)"
down=0
for c in "${ids[@]}"; do is_down "$c" && down=$((down + 1)); done
[ $down = "$N" ] && ok "all $N down" || fail "all $N down (only $down)"
leak_check "after $N concurrent start/stop"

# concurrent start/stop --fast mixed on the same set again
pids=()
for c in "${ids[@]}"; do
	(
		cc start "$c" || { echo "start: exit $?"; exit 1; }
		cc exec "$c" true
		e=$?
		cc stop "$c" --fast
		s=$?
		echo "exec true: exit $e; stop --fast: exit $s"
		[ $e = 0 ] && [ $s = 0 ]
	) > "$TMPD/mix.$c.out" 2>&1 &
	pids+=($!)
done
errs=0
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || { errs=$((errs + 1)); fail "concurrent start+exec+stop --fast ${ids[$k]}" "$(cat "$TMPD/mix.${ids[$k]}.out")"; }
done
[ $errs = 0 ] && ok "$N concurrent start/exec/stop --fast sequences succeeded"
leak_check "after $N concurrent start/exec/stop --fast"

# 100 sequential cycles of one container
C=${ids[0]}
fd0=$(fd_count)
errs=0
t0=$(date +%s%N)
for i in $(seq 1 "$CYCLES"); do
	run cc start "$C"
	if [ "$RC" != 0 ]; then errs=$((errs + 1)); [ $errs -le 3 ] && fail "cycle $i: start" "$OUT"; continue; fi
	if [ $((i % 10)) = 1 ]; then
		mp=$(monitor_pid "$C") && echo "# cycle $i: monitor $mp has $(ls /proc/"$mp"/fd 2>/dev/null | wc -l) fds, rss $(awk '/^VmRSS/{print $2 $3}' /proc/"$mp"/status 2>/dev/null)"
	fi
	run cc stop "$C" --fast
	if [ "$RC" != 0 ]; then errs=$((errs + 1)); [ $errs -le 3 ] && fail "cycle $i: stop --fast" "$OUT"; fi
done
ms=$((($(date +%s%N) - t0) / 1000000))
[ $errs = 0 ] && ok "$CYCLES start/stop --fast cycles without an error ($ms ms, $((ms / CYCLES)) ms/cycle)" || fail "$CYCLES cycles: $errs errors"
[ "$(fd_count)" = "$fd0" ] && ok "test shell fds unchanged over the cycles ($fd0)" || fail "test shell fds: $fd0 -> $(fd_count)"
is_down "$C" && ok "$C down after the cycles" || fail "$C down after the cycles" "$(ct_status "$C")"
leak_check "after $CYCLES sequential cycles"

for c in "${ids[@]}"; do
	run cc destroy "$c"
	[ "$RC" = 0 ] || fail "destroy $c" "$OUT"
done
left=$(ls -A "$PRIV_DIR")
[ -z "$left" ] && ok "private_dir empty after destroying all" || fail "private_dir empty" "$left"
finish
