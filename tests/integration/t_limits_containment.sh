#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 7: root inside cannot raise its own limits: writing memory.max / pids.max
# fails, and so does mounting a new cgroup hierarchy to get at them. Checked with and without a
# user namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
create_ct "$A" --ram 64M --numproc 50
create_ct "$B" --ram 64M --numproc 50 --userns no
for CT in "$A" "$B"; do
	start_ct "$CT"
	un=$([ "$CT" = "$A" ] && echo "userns" || echo "no userns")
	for f in memory.max pids.max memory.swap.max cpu.max; do
		run cc exec "$CT" -- sh -c "echo max > /sys/fs/cgroup/$f"
		if [ "$RC" != 0 ]; then
			ok "$un: writing /sys/fs/cgroup/$f inside fails ($OUT)"
		elif [ "$CT" = "$B" ]; then
			# a privileged container is no boundary against its own root (DESIGN.md §7, cellctl(8)):
			# it may write its own leaf; the limit cgroup above it is out of reach (asserted below)
			warn "$un: privileged root wrote its own leaf's $f (the limit cgroup above still holds)"
		else
			fail "$un: writing $f inside must fail" "$OUT"
		fi
	done
	# whatever the guest sees as its cgroup root, its own limits stay as set
	run cc exec "$CT" -- sh -c 'for f in $(find /sys/fs/cgroup -name memory.max -o -name pids.max -o -name memory.limit_in_bytes 2>/dev/null); do echo max > $f 2>/dev/null && echo "wrote $f"; done; true'
	log "$un: writable limit files inside: ${OUT:-none}"
	# new hierarchies: cgroup2, and each v1 controller
	for m in "cgroup2 none" "cgroup -o memory" "cgroup -o pids" "cgroup -o cpu"; do
		set -- $m
		fs=$1; shift
		run cc exec "$CT" -- sh -c "mkdir -p /tmp/cgm && mount -t $fs $* cct /tmp/cgm 2>&1 || exit 1; echo MOUNTED;
			echo procs: \$(cat /tmp/cgm/cgroup.procs | wc -l); ls -d /tmp/cgm/cellctl 2>/dev/null;
			for f in memory.max pids.max memory.limit_in_bytes memory.memsw.limit_in_bytes cpu.cfs_quota_us; do
				[ -e /tmp/cgm/\$f ] && { echo -1 > /tmp/cgm/\$f 2>/dev/null || echo max > /tmp/cgm/\$f 2>/dev/null; } && echo WROTE \$f; done;
			umount /tmp/cgm"
		if ! printf '%s' "$OUT" | grep -q MOUNTED; then
			ok "$un: mounting a new $fs $* hierarchy inside fails ($(printf '%s' "$OUT" | tail -1))"
		elif [ "$fs" = cgroup ] && [ "$(cg_mode)" != unified ]; then
			# hybrid/legacy host: the v1 controllers are mountable inside a cgroup namespace; the
			# mount's root is the guest's own leaf, below the limit cgroup, so nothing written there
			# can raise the container's limits (checked right below, and by ubc). The pure-cgroup2
			# VM run proves the mount itself fails.
			warn "$un: mounting $fs $* inside succeeds on this $(cg_mode) host (root = the guest's leaf: $(printf '%s' "$OUT" | grep -E 'procs:|WROTE|cellctl' | tr '\n' ' '))"
			expect_match '^procs: [0-9]$' "$OUT" "$un: the $fs $* mount shows only the guest's own cgroup (few procs, no host tree)"
			printf '%s' "$OUT" | grep -q '/tmp/cgm/cellctl' && fail "$un: the host's cellctl tree is visible in the $fs $* mount" "$OUT"
		elif [ "$CT" = "$B" ]; then
			warn "$un: privileged root mounted $fs $* (its root is the guest's own cgroup; limits checked below)"
		else
			fail "$un: mounting a new $fs $* hierarchy inside must fail" "$OUT"
		fi
	done
	expect_output '^ +[0-9]+: +physpages +[0-9]+ +[0-9-]+ +0 +16384 ' cc ubc "$CT"
	lim=$(ubc_val "$CT" numproc limit)
	[ "$lim" = 50 ] && ok "$un: numproc limit still 50" || fail "$un: numproc limit still 50" "$lim"
	# and it is enforced
	run cc exec "$CT" -- sh -c 'head -c 104857600 /dev/zero | tail -c 104857600 | wc -c'
	[ "$OUT" != 104857600 ] && ok "$un: 100 MiB still cannot be allocated" || fail "$un: memory limit enforced" "$OUT"
	check "stop $CT" cc stop "$CT"
	check "destroy $CT" cc destroy "$CT"
done
finish
