#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 1: a process inside loops PTRACE_SEIZE on the next PIDs while the admin runs
# `cellctl exec`. It must never catch exec's helper with host credentials (before the fix: State t,
# Uid 0 seen from the host, 65534 inside), nor get at the host binary through its /proc/PID/exe.
# User namespace: the helper is non-dumpable, so the seize fails (EPERM). Privileged container
# (its root has CAP_SYS_PTRACE, so it may catch the helper): what it catches already has the
# container's bounding set, holds none of our fds, and runs from a sealed memfd, so writing
# through its exe fails and the (copied) binary stays byte-identical.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
build_helper ptrace_seize
leak_snapshot
copy_cellctl
make_cts
mkdir -p "$TMPD/hostdir"
echo HOSTSECRET > "$TMPD/hostdir/secret"

# attack CT LABEL: run the seizer for SEIZE s while exec runs as often as it can, then let it try
# to write through what it grabbed; the log is in $TMPD/seize-LABEL.log
SEIZE=8
attack() {
	local ct=$1 label=$2 n=0 t_end
	check "$label: put the seizer in" put_in "$ct" "$HELPERS/ptrace_seize" /ptrace_seize
	cc exec "$ct" -- sh -c "/ptrace_seize $SEIZE /seize.log 6 </dev/null >/dev/null 2>&1 &"
	wait_for $((10 * SCALE)) grep -q START "$PRIV_DIR/$ct/seize.log" || fail "$label: the seizer runs"
	t_end=$((SECONDS + SEIZE - 2))
	while [ $SECONDS -lt $t_end ] && [ $n -lt 300 ]; do
		ccopy exec "$ct" -- /bin/true 9< "$TMPD/hostdir" || fail "$label: exec true (run $n)"
		n=$((n + 1))
	done
	log "$label: $n execs while the seizer ran"
	wait_for $((30 * SCALE)) grep -q '^END' "$PRIV_DIR/$ct/seize.log" || fail "$label: the seizer ends"
	cp "$PRIV_DIR/$ct/seize.log" "$TMPD/seize-$label.log"
	log "$label: $(grep SEIZE-DONE "$TMPD/seize-$label.log"); caught: $(sed -n 's/^CAUGHT.* comm=\([^ ]*\) .*/\1/p' "$TMPD/seize-$label.log" | sort | uniq -c | tr -s ' \n' ' ')"
	log "$label: refused: $(sed -n 's/^REFUSED.* comm=\([^ ]*\) .*/\1/p' "$TMPD/seize-$label.log" | sort | uniq -c | tr -s ' \n' ' ')"
}

# ---- user namespace ----------------------------------------------------------------------------
attack "$CTU" userns
L=$TMPD/seize-userns.log
helpers=$(grep 'CAUGHT.* comm=cellctl ' "$L")
if [ -z "$helpers" ]; then
	ok "userns: exec's helper was never caught by a tracer inside"
else
	fail "userns: exec's helper was caught by a tracer inside (host credentials show as uid 65534)" "$(head -5 <<< "$helpers")"
fi
refused=$(grep -c 'REFUSED.* comm=cellctl ' "$L")
if [ "$refused" -gt 0 ]; then
	ok "userns: the seizer hit a live helper and was refused ($refused times)"
else
	warn "userns: the seizer never hit a live helper (no refusal): the race was not exercised this time"
fi
grep -q '^WROTE' "$L" && fail "userns: wrote through a helper's exe" "$(cat "$L")" || ok "userns: nothing written through /proc/PID/exe"
copy_intact && ok "userns: the binary is byte-identical" || fail "userns: the binary changed" "$(cmp "$COPY" "$TMPD/cellctl.orig")"

# ---- privileged --------------------------------------------------------------------------------
bnd=$(cc exec "$CTP" -- sh -c 'grep CapBnd /proc/self/status' | awk '{print $2}')
expect_match '^[0-9a-f]{16}$' "$bnd" "privileged: the container's bounding set is $bnd"
copy_cellctl
attack "$CTP" priv
L=$TMPD/seize-priv.log
helpers=$(grep -E 'CAUGHT.* comm=(memfd:)?cellctl ' "$L")
log "privileged: $(printf '%s' "$helpers" | grep -c . ) helpers caught (its root has CAP_SYS_PTRACE), e.g.:"
log "$(head -1 <<< "$helpers" | cut -c1-400)"
bad=$(printf '%s\n' "$helpers" | grep -v "capbnd=$bnd " | grep . )
[ -z "$bad" ] && ok "privileged: every caught helper already had the container's bounding set" ||
	fail "privileged: a caught helper had more than the container's bounding set $bnd" "$(head -3 <<< "$bad")"
bad=$(printf '%s\n' "$helpers" | grep -e "$TMPD" -e "exe=/[^m]" | grep . )
[ -z "$bad" ] && ok "privileged: no caught helper held our fds or ran from a host file" ||
	fail "privileged: a caught helper held our fds or ran from a host file" "$(head -3 <<< "$bad")"
grep -q '^WROTE' "$L" && fail "privileged: wrote through a helper's exe" "$(grep -e WROTE -e TARGET "$L")" ||
	ok "privileged: nothing written through /proc/PID/exe ($(grep WRITE-FAILED "$L" | sed 's/.*: //' | sort | uniq -c | tr -s ' ' ' '))"
copy_intact && ok "privileged: the binary is byte-identical" || fail "privileged: the binary changed" "$(cmp "$COPY" "$TMPD/cellctl.orig")"

check "stop $CTU" cc stop "$CTU" --fast
check "stop $CTP" cc stop "$CTP" --fast
finish
