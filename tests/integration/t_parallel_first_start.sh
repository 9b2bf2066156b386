#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The first starts on a host (after a reboot nothing runs, so the shared parent cgroup of every
# container does not exist yet, or is empty) run in parallel, as `cellctl boot` runs them. Each
# start removes an empty shared parent left behind, while another is creating its own cgroups in
# it: a start then failed with "read .../cpuset.cpus: No such device" (found by t_boot, about one
# run in four). Rounds of 4 parallel first starts, the parent gone before each round: all start.
. "$(dirname "$0")/lib.sh"

ROUNDS=${CCT_ROUNDS:-12}
need_template
leak_snapshot
ids=()
for i in 1 2 3 4; do
	ids+=("$(ctid "$i")")
	create_ct "$(ctid "$i")"
done
bad=0
for round in $(seq 1 "$ROUNDS"); do
	pids=()
	for c in "${ids[@]}"; do
		cc start "$c" > "$TMPD/start.$c.out" 2>&1 &
		pids+=($!)
	done
	for k in "${!pids[@]}"; do
		if ! wait "${pids[$k]}"; then
			bad=$((bad + 1))
			fail "round $round: start ${ids[$k]}" "$(cat "$TMPD/start.${ids[$k]}.out")"
		fi
	done
	for c in "${ids[@]}"; do
		is_running "$c" && cc stop "$c" --fast > /dev/null 2>&1
	done
done
[ $bad = 0 ] && ok "$ROUNDS rounds of 4 parallel first starts: every start succeeded"
for c in "${ids[@]}"; do check "destroy $c" cc destroy "$c"; done
leak_check
finish
