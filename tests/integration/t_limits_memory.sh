#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 1: --ram 64M --swap 0; a 200 MiB allocation inside is OOM-killed, the
# container and its init keep running, the host is unaffected, and ubc's physpages failcnt rises.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
CT=$(ctid 1)

create_ct "$CT" --ram 64M --swap 0
start_ct "$CT"
init0=$(cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}')
expect_output '^Version: 2\.5$' cc ubc "$CT"
lim=$(ubc_val "$CT" physpages limit)
[ "$lim" = 16384 ] && ok "ubc physpages limit is 64M in pages ($lim)" || fail "ubc physpages limit 16384" "$(cc ubc "$CT" 2>&1)"
swl=$(ubc_val "$CT" swappages limit)
[ "$swl" = 0 ] && ok "ubc swappages limit is 0 (--swap 0)" || fail "ubc swappages limit 0, got '$swl'" "$(cc ubc "$CT" 2>&1)"
f0=$(ubc_val "$CT" physpages failcnt)
log "physpages failcnt before: $f0"

# 200 MiB into one process: tail keeps a line without newlines whole
run cc exec "$CT" -- sh -c 'head -c 209715200 /dev/zero | tail -c 209715200 | wc -c'
log "allocation: exit $RC, output: $OUT"
case "$OUT" in
*209715200*) fail "the 200 MiB allocation must not succeed under --ram 64M --swap 0" "$OUT" ;;
*) ok "the 200 MiB allocation did not complete (exit $RC)" ;;
esac
f1=$(ubc_val "$CT" physpages failcnt)
if [ -n "$f1" ] && [ -n "$f0" ] && [ "$f1" -gt "$f0" ]; then ok "physpages failcnt rose: $f0 -> $f1"; else fail "physpages failcnt rises ($f0 -> $f1)" "$(cc ubc "$CT" 2>&1)"; fi
# the kill was the kernel's OOM killer, inside this container's cgroup
oomk=""
for d in $(ct_cgdirs "$CT"); do
	[ -f "$d/memory.events" ] && oomk=$(awk '$1 == "oom_kill" {print $2}' "$d/memory.events")
	# v1 counts the kill in the cgroup of the killed task (the leaf): sum the subtree
	[ -f "$d/memory.oom_control" ] && oomk=$(find "$d" -name memory.oom_control -exec cat {} + | awk '$1 == "oom_kill" {n += $2} END {print n}')
	[ -n "$oomk" ] && break
done
log "container cgroup oom_kill counter: ${oomk:-none}"
if [ -n "$oomk" ]; then
	[ "$oomk" -ge 1 ] && ok "an OOM kill was counted in the container's memory cgroup ($oomk)" || fail "oom_kill counted in the container's cgroup" "$oomk"
fi
maxh=$(ubc_val "$CT" physpages maxheld)
[ "$maxh" != - ] && [ "$maxh" -le 16384 ] && ok "physpages maxheld $maxh <= limit 16384" || fail "physpages maxheld <= 16384" "$maxh"
expect_output "^CTID $CT exist running\$" cc status "$CT"
init1=$(cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}')
[ -n "$init0" ] && [ "$init0" = "$init1" ] && ok "the guest's init is the same process (start time $init1)" || fail "init survived" "$init0 vs $init1"
expect_output '^still-alive$' cc exec "$CT" -- echo still-alive
# a smaller allocation still works
expect_output '^20971520$' cc exec "$CT" -- sh -c 'head -c 20971520 /dev/zero | tail -c 20971520 | wc -c'
# the host is unaffected: our shell and the monitor live on
mp=$(monitor_pid "$CT") && ok "the monitor lives on (pid $mp)" || fail "the monitor lives on"
# JSON has the same numbers
run cc ubc "$CT" -j
expect_match "\"ctid\": $CT, \"resources\"" "$OUT" "ubc -j names the container"
expect_match '"physpages": \{"held": [0-9]+, "maxheld": [0-9]+, "barrier": 0, "limit": 16384, "failcnt": [1-9][0-9]*\}' "$OUT" "ubc -j physpages"
# list -o with vzlist suffixes
run cc list -H -o ctid,physpages.l,physpages.f,swappages.l
expect_match "^ *$CT +16384 +[1-9][0-9]* +0\$" "$OUT" "list -o physpages.l,physpages.f,swappages.l"

check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
