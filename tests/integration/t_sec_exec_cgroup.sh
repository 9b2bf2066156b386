#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# exec joins the cgroup of the guest's init as /proc/INIT/cgroup names it. The guest names its
# own cgroups: a privileged guest can mount a v1 hierarchy and move its init into a cgroup called
# "x0::", and before the fix exec took the "0::" inside that v1 line for the unified one and put
# the command into the unified hierarchy's root (out of the container's cgroup: no limits, no
# device program, not killed by stop). Now only the "0::" line counts, and only under the
# container's own cgroup. A sub-cgroup the guest made (unified) is still joined.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
leak_snapshot
make_cts
grep -q ' - cgroup2 ' /proc/self/mountinfo || skip "no cgroup2 mount"

# the guest's own unified sub-cgroup for init (userns and privileged): exec follows init there
for ct in "$CTU" "$CTP"; do
	[ "$ct" = "$CTU" ] && L=userns || L=privileged
	check "$L: move init into a sub-cgroup 'sub' of its own" cc exec "$ct" -- sh -c 'mkdir -p /sys/fs/cgroup/sub && echo 1 > /sys/fs/cgroup/sub/cgroup.procs'
	expect_output '^0::/sub$' cc exec "$ct" -- sh -c 'grep ^0:: /proc/self/cgroup'
done

# a v1 path with "0::" in it (privileged: it may mount a v1 hierarchy)
v1=$(awk -F: '$1 != 0 && $2 != "" && $2 !~ /^name=/ {print $2; exit}' /proc/self/cgroup)
if [ -z "$v1" ]; then
	log "no v1 hierarchy on this host: the v1 trick does not apply"
else
	check "privileged: mount v1 $v1 inside and move init into x0::" cc exec "$CTP" -- sh -c \
		"mkdir -p /tmp/v1 && mount -t cgroup -o $v1 none /tmp/v1 && mkdir -p '/tmp/v1/x0::' && echo 1 > '/tmp/v1/x0::/cgroup.procs' && grep -F x0:: /proc/1/cgroup"
	run cc exec "$CTP" -- sh -c 'grep ^0:: /proc/self/cgroup'
	expect_match '^0::/sub$' "$OUT" "privileged: exec still joins init's unified cgroup, inside the container ($OUT)"
	check "privileged: put init back and unmount" cc exec "$CTP" -- sh -c "echo 1 > /tmp/v1/cgroup.procs && rmdir '/tmp/v1/x0::' && umount /tmp/v1"
fi

# exec joins only the cgroup the start recorded: with another identity in the run state (as when
# the directory at that path is another installation's cgroup), it refuses (38) and runs nothing
st=$RUN_DIR/$CTU.state
cp "$st" "$TMPD/state.saved"
awk 'NF == 4 && $4 ~ /^[0-9]+$/ { $4 = $4 + 1 } { print }' "$TMPD/state.saved" > "$st"
expect_exit 38 cc exec "$CTU" -- touch /exec-ran
expect_match 'is not the cgroup|not this container|another cgroup|recorded' "$OUT" "the refusal says why ($OUT)"
cp "$TMPD/state.saved" "$st"
expect_exit 1 cc exec "$CTU" -- test -e /exec-ran
check "exec works again with the right identity" cc exec "$CTU" -- true

check "stop $CTU" cc stop "$CTU" --fast
check "stop $CTP" cc stop "$CTP" --fast
finish
