#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The monitor leaves the cgroup of whoever ran start (issue 12): once its container runs it lives
# in the monitors' leaf beside the containers' limit cgroups ($CG_NAME/monitor), in every
# hierarchy cellctl uses (systemd's name=systemd one included), so that killing everything in the
# starter's cgroup (what systemd does to a unit on restart, logind to a closed session) leaves the
# container and its monitor running. The leaf and the parent go again when the last monitor ends,
# by stop and by a poweroff inside.
. "$(dirname "$0")/lib.sh"
need_template
leak_snapshot

A=$(ctid 1)
B=$(ctid 2)
create_ct "$A" --ostemplate busybox
create_ct "$B" --ostemplate busybox

# The starter's cgroup, as systemd makes one for a unit: in the unified hierarchy and, where it is
# mounted, in systemd's named one (the hierarchies systemd tracks and kills a unit by)
starter=()
for d in $(cg_self_dirs); do
	case "$d" in
	*/unified* | */systemd*) ;;
	*) [ "$(stat -f -c %T "$d")" = cgroup2fs ] || continue ;;
	esac
	mkdir "$d/$CG_NAME-starter" && starter+=("$d/$CG_NAME-starter")
done
[ ${#starter[@]} -gt 0 ] && ok "a starter cgroup in ${#starter[@]} hierarchies: ${starter[*]}" || fail "no starter cgroup made"

# start A from a shell in it. [cgroup] parent is self/$CG_NAME, which would resolve below the
# starter's cgroup now: CELLCTL_PROC_SELF_CGROUP (the tests' stand-in for /proc/self/cgroup) keeps
# resolving it below this shell's, where the other containers of the test are
cp /proc/self/cgroup "$TMPD/self.cgroup"
run env CELLCTL_PROC_SELF_CGROUP="$TMPD/self.cgroup" bash -c 'for s in "$@"; do echo $$ > "$s/cgroup.procs" || exit 9; done
	exec nsenter --net="/run/netns/'"$NS"'" -- "'"$CELLCTL"'" start '"$A" _ "${starter[@]}"
[ "$RC" = 0 ] && ok "start $A from the starter's cgroup" || fail "start $A from the starter's cgroup (exit $RC)" "$OUT"
mon=$(monitor_pid "$A") && ok "monitor of $A: pid $mon" || fail "no monitor of $A"

# where the monitor lives: the monitors' leaf in every hierarchy of ours, never the starter's
bad="" n=0
for d in $(cg_self_dirs); do
	[ -d "$d/$CG_NAME/$A" ] || continue # a hierarchy cellctl does not use (hybrid: freezer, devices)
	n=$((n + 1))
	[ -d "$d/$CG_NAME/monitor" ] || { bad="$bad no $d/$CG_NAME/monitor;"; continue; }
	grep -qx "$mon" "$d/$CG_NAME/monitor/cgroup.procs" || bad="$bad $mon not in $d/$CG_NAME/monitor;"
done
# every hierarchy of the starter is one of ours (unified, name=systemd)
for s in "${starter[@]}"; do
	[ -d "${s%-starter}/$A" ] || bad="$bad $A has no cgroup in ${s%/*};"
done
[ "$n" -ge ${#starter[@]} ] || bad="$bad only $n hierarchies hold $A;"
for s in "${starter[@]}"; do grep -qx "$mon" "$s/cgroup.procs" && bad="$bad still in $s;"; done
[ -z "$bad" ] && ok "the monitor moved into $CG_NAME/monitor in every hierarchy of ours" ||
	fail "the monitor's cgroups:$bad" "$(cat /proc/$mon/cgroup)"
# and not into the container's cgroup (its limits, its kill)
grep -q "/$CG_NAME/$A" /proc/$mon/cgroup && fail "the monitor is in the container's cgroup" "$(cat /proc/$mon/cgroup)" ||
	ok "the monitor is not in the container's cgroup"
# init, which the monitor forks after it moved (init moves itself into the v1 hierarchies, by
# "0" into their tasks files; unified: CLONE_INTO_CGROUP): the container's leaf in every hierarchy
# of ours, nothing of the monitors' leaf or the starter's
ip=$(awk '$1 == "init" {print $2}' "$RUN_DIR/$A.state")
bad="" n=0
for d in $(cg_self_dirs); do
	[ -d "$d/$CG_NAME/$A/ct" ] || continue
	n=$((n + 1))
	grep -qx "$ip" "$d/$CG_NAME/$A/ct/cgroup.procs" || bad="$bad not in $d/$CG_NAME/$A/ct;"
	[ -f "$d/$CG_NAME/$A/ct/tasks" ] && ! grep -qx "$ip" "$d/$CG_NAME/$A/ct/tasks" && bad="$bad thread not in $d/$CG_NAME/$A/ct;"
done
[ -n "$ip" ] && [ "$n" -ge ${#starter[@]} ] && [ -z "$bad" ] && ok "init ($ip) is in $CG_NAME/$A/ct in all $n hierarchies of ours" ||
	fail "init's cgroups (pid ${ip:-?}, $n hierarchies):$bad" "$(cat /proc/"$ip"/cgroup 2>&1)"

# what systemd does to a unit that is stopped or restarted: kill everything in its cgroup
for s in "${starter[@]}"; do
	for p in $(cat "$s/cgroup.procs"); do
		# only what this test started: nothing else can be in the cgroup it made
		echo "# killing $p ($(proc_cmd "$p")) in $s"
		kill -9 "$p"
	done
done
sleep 1
is_running "$A" && ok "$A still runs after its starter's cgroup was killed" || fail "$A died with its starter's cgroup" "$(ct_status "$A")"
kill -0 "$mon" 2>/dev/null && ok "its monitor still runs" || fail "its monitor died with its starter's cgroup"
check "exec $A still works" cc exec "$A" -- true

# two monitors share the leaf; the first to stop leaves it to the other
start_ct "$B"
monb=$(monitor_pid "$B")
check "stop $A" cc stop "$A"
mcg=""
for d in $(cg_self_dirs); do [ -d "$d/$CG_NAME/$B" ] && mcg="$d/$CG_NAME/monitor" && break; done
[ -n "$mcg" ] && grep -qx "$monb" "$mcg/cgroup.procs" && ok "$B's monitor still in $mcg after $A stopped" ||
	fail "$B's monitor is not in the monitors' leaf after $A stopped" "$(cat /proc/$monb/cgroup 2>&1)"

# a poweroff inside: the monitor goes back where it came from and the shared levels go
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$B" -- poweroff >/dev/null 2>&1
wait_for 60 is_down "$B" && ok "poweroff inside stops $B" || fail "poweroff inside stops $B" "$(ct_status "$B")"
wait_for 10 sh -c "! test -e /proc/$monb" && ok "$B's monitor exited" || fail "$B's monitor is still alive"
left=""
for d in $(cg_self_dirs); do [ -e "$d/$CG_NAME" ] && left="$left $d/$CG_NAME"; done
[ -z "$left" ] && ok "no monitors' leaf or parent left after the last monitor ended" || fail "left behind:$left" "$(find $left -type d)"

# the same after a stop: start again from this shell, stop
start_ct "$A"
check "stop $A" cc stop "$A"
left=""
for d in $(cg_self_dirs); do [ -e "$d/$CG_NAME" ] && left="$left $d/$CG_NAME"; done
[ -z "$left" ] && ok "nothing left after stop either" || fail "left behind after stop:$left" "$(find $left -type d)"

# a caller in a cgroup that saw a cgroup.kill: kernels with cgroup kill_seq SIGKILL a child cloned
# into a cgroup that saw another number of them (the monitor into the monitors' leaf, exec's helper
# into the container's): each is forked again where the caller is, and works
kcg=""
for d in $(cg_self_dirs); do [ "$(stat -f -c %T "$d")" = cgroup2fs ] && kcg="$d/$CG_NAME-killed" && break; done
if [ -n "$kcg" ] && mkdir "$kcg" && echo 1 > "$kcg/cgroup.kill"; then
	run env CELLCTL_PROC_SELF_CGROUP="$TMPD/self.cgroup" bash -c 'echo $$ > "$1/cgroup.procs" || exit 9
		nsenter --net="/run/netns/$2" -- "$3" start "$4" || exit 8
		nsenter --net="/run/netns/$2" -- "$3" exec "$4" -- sh -c "exit 7"; echo "exec:$?"
		nsenter --net="/run/netns/$2" -- "$3" stop "$4" --fast' _ "$kcg" "$NS" "$CELLCTL" "$A"
	[ "$RC" = 0 ] && [[ "$OUT" == *exec:7* ]] && ok "start, exec and stop from a cgroup that saw a cgroup.kill" ||
		fail "start, exec and stop from a cgroup that saw a cgroup.kill (exit $RC)" "$OUT"
	rmdir "$kcg"
else
	warn "no cgroup2 hierarchy with cgroup.kill here: the killed-cgroup case is not checked"
fi

for s in "${starter[@]}"; do rmdir "$s"; done
check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
finish
