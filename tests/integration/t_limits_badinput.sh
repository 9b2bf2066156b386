#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 9: bad limits on a running container (unknown device, --ram -5,
# --cpulimit 0%, --ioprio 9, a value the kernel refuses) each give a clear error, and the old
# value stays in force (cgroup, ubc) and in the config.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
CT=$(ctid 1)
create_ct "$CT" --ram 64M --swap 0 --cpulimit 50 --ioprio 3 --cpumask 0
start_ct "$CT"
conf() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$CT.conf"; }
snap() { echo "ram=$(conf ram) cpulimit=$(conf cpulimit) ioprio=$(conf ioprio) devices=$(conf devices) cpumask=$(conf cpumask) | $(cc ubc "$CT" | awk '$0 ~ /physpages|cputime/ {print $(NF-1)}' | tr '\n' ' ')"; }
before=$(snap)
log "before: $before"
bad() {
	local desc=$1
	shift
	run cc set "$CT" "$@" --save
	if [ "$RC" != 0 ] && [ -n "$OUT" ]; then ok "$desc: refused, exit $RC: $OUT"; else fail "$desc must fail with a message (exit $RC)" "$OUT"; fi
	local now
	now=$(snap)
	[ "$now" = "$before" ] && ok "$desc: old values stay in the config and in force" || fail "$desc: values unchanged" "before: $before" "now:    $now"
}
bad "unknown device" --devices q:10:200:rw
expect_match "expected rules b\\|c:MAJOR:MINOR:PERMS or all:PERMS" "$OUT" "--devices: the message names the accepted form"
bad "unknown device name" --devnodes no-such-device:rw
bad "--ram -5" --ram -5
expect_match "invalid value for --ram: '-5': expected a size of at least 1M such as 512M, 12G" "$OUT" "--ram -5: the message names the accepted form"
bad "--cpulimit 0%" --cpulimit 0%
expect_match "'0%' is out of range: expected .*from 1% to 100%" "$OUT" "--cpulimit 0%: the message names the accepted range"
bad "--ioprio 9" --ioprio 9
expect_match "'9' is out of range: expected a number from 0 to 7" "$OUT" "--ioprio 9: the message names the accepted range"
bad "--numproc 10:x" --numproc 10:x
expect_match "expected a number of processes such as 256, or barrier:limit such as 200:256" "$OUT" "--numproc 10:x: the message names barrier:limit"
bad "--cpumask 1,,2" --cpumask 1,,2
expect_match "expected CPU numbers and ranges .*such as 0-2,7" "$OUT" "--cpumask 1,,2: the message names the accepted form"
bad "a CPU that does not exist (the kernel refuses cpuset.cpus)" --cpumask 4095
# a memory limit below the usage: v1 refuses it (EBUSY) when it cannot reclaim; v2 accepts any
# memory.max and OOM-kills instead, so there this case does not exist
if [ "$(cg_mode)" != unified ]; then
	# 40 MiB in the guest's /dev/shm: tmpfs pages charged to the container that cannot be
	# reclaimed without swap (a shell variable is not kept resident by busybox sh)
	check "hold 40 MiB in /dev/shm" cc exec "$CT" -- sh -c 'head -c 41943040 /dev/zero > /dev/shm/cct-hold'
	h=$(ubc_val "$CT" physpages held)
	log "holding $h pages"
	[ "$h" -gt 10000 ] && ok "the container holds $h pages" || fail "the container holds more than 10000 pages" "$h"
	bad "--ram 8M below the usage of $h pages (v1 refuses)" --ram 8M
	check "release the memory" cc exec "$CT" -- rm -f /dev/shm/cct-hold
else
	log "pure cgroup2: memory.max below usage is accepted by the kernel (it reclaims or OOM-kills), no refusal to test"
fi
expect_output '^alive$' cc exec "$CT" -- echo alive
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
