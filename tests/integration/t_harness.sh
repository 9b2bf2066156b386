#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The harness checks itself: the leak counters of lib.sh must see a leaked mount, cgroup, process
# and link, or their silence elsewhere means nothing. No container is needed.
. "$(dirname "$0")/lib.sh"

leak_snapshot
(leak_check "clean probe") > "$TMPD/probe.out" 2>&1 && ok "leak_check is quiet when nothing changed" ||
	fail "leak_check is quiet when nothing changed" "$(cat "$TMPD/probe.out")"

# a mount below the temp dir
mkdir -p "$TMPD/private/leak-mnt"
mount -t tmpfs cct-probe "$TMPD/private/leak-mnt"
(leak_check "mount probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a leaked mount" "$(cat "$TMPD/probe.out")" ||
	expect_match 'not ok - no mounts leaked' "$(cat "$TMPD/probe.out")" "leak_check sees a leaked mount"
umount "$TMPD/private/leak-mnt"

# a process naming the temp dir
bash -c "exec -a 'cct-probe $TMPD/x' sleep 300" &
BG_PIDS+=($!)
p=$!
wait_for 5 sh -c "tr '\\0' ' ' < /proc/$p/cmdline | grep -q cct-probe"
(leak_check "process probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a leaked process" "$(cat "$TMPD/probe.out")" ||
	expect_match 'not ok - no procs leaked' "$(cat "$TMPD/probe.out")" "leak_check sees a leaked process"
kill "$p"
wait "$p" 2>/dev/null

# a link in the netns
ip -n "$NS" link add cctprobe0 type veth peer name cctprobe1
(leak_check "link probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a leaked link" "$(cat "$TMPD/probe.out")" ||
	expect_match 'not ok - no links leaked' "$(cat "$TMPD/probe.out")" "leak_check sees a leaked link"
ip -n "$NS" link del cctprobe0

# a cgroup of one of our CTIDs, below this shell's own cgroup (the pids hierarchy, or v2)
d=$(cg_self_dirs | awk '/\/pids$|\/unified$/ && !f {print; f=1}')
if [ -n "$d" ]; then
	if mkdir "$d/$CG_NAME" && mkdir "$d/$CG_NAME/$(ctid 99)" 2>/dev/null; then
		(leak_check "cgroup probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a leaked cgroup" "$(cat "$TMPD/probe.out")" ||
			expect_match 'not ok - no cgroups leaked' "$(cat "$TMPD/probe.out")" "leak_check sees a leaked cgroup"
		rmdir "$d/$CG_NAME/$(ctid 99)"
		# the test's own directory alone counts too (a run must remove the parent it made)
		(leak_check "cgroup parent probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a leaked cgroup parent" "$(cat "$TMPD/probe.out")" ||
			expect_match 'not ok - no cgroups leaked' "$(cat "$TMPD/probe.out")" "leak_check sees a leaked cgroup parent"
	else
		warn "could not make a probe cgroup in $d/$CG_NAME"
	fi
	rmdir "$d/$CG_NAME" 2>/dev/null
fi

# run files
mkdir -p "$RUN_DIR"
touch "$RUN_DIR/$(ctid 1).state"
(leak_check "run file probe") > "$TMPD/probe.out" 2>&1 && fail "leak_check sees a left state file" "$(cat "$TMPD/probe.out")" ||
	expect_match 'not ok - no state/socket/lock files' "$(cat "$TMPD/probe.out")" "leak_check sees a left state file"
rm -f "$RUN_DIR/$(ctid 1).state"

# the assertion helpers
run sh -c 'echo out; echo err >&2; exit 3'
[ "$RC" = 3 ] && [ "$OUT" = "$(printf 'out\nerr')" ] && ok "run captures status and both streams" || fail "run captures status and both streams" "$RC" "$OUT"
(expect_exit 4 sh -c 'exit 5') > /dev/null && fail "expect_exit notices a wrong status" || ok "expect_exit notices a wrong status"
(expect_output '^b$' printf 'a\nb\n') > /dev/null && ok "expect_output matches a line" || fail "expect_output matches a line"
# a match before the last line never fails (it did now and then: grep -q left the printf that fed it
# writing into a closed pipe, and pipefail turned that into "no match")
misses=$( (for i in $(seq 1000); do expect_match b "$(printf 'a\nb\nc\nd')" x > /dev/null || echo miss; done) | grep -c miss)
[ "$misses" = 0 ] && ok "expect_match finds a line before the last every time (1000 tries)" ||
	fail "expect_match finds a line before the last every time" "$misses of 1000 missed"
finish
