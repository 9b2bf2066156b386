#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, guest views: sysinfo(2) answered by the monitor (seccomp user notification) from the
# container's cgroup. A busybox container with --ram 256M: busybox free and uptime, and a static
# probe (sysinfotest.c) run through exec and by the guest's init, see 256M, a few seconds of
# uptime and the container's task count; a bad pointer gets EFAULT; a guest calling sysinfo in a
# loop does not keep stop from working; a guest reboot's new init is answered too; sysinfo no
# gives the host's values; cellctl run under another seccomp listener (as in a nested
# container) starts the container with the kernel's sysinfo and says so once in the log; so does
# nesting yes (no rule: the guest may need a listener of its own).
. "$(dirname "$0")/lib.sh"
need_template
leak_snapshot
CT=$(ctid 1)
PROBE=$TMPD/sysinfotest
gcc -static -O1 -o "$PROBE" "$LIB_DIR/sysinfotest.c" 2> "$TMPD/gcc.log" || skip "cannot build a static probe: $(head -3 "$TMPD/gcc.log")"
HOST_TOTAL=$("$PROBE" | sed -n 's/.*total=\([0-9]*\).*/\1/p')
[ -n "$HOST_TOTAL" ] || fail "the probe runs on the host" "$("$PROBE")"
RAM=$((256 * 1024 * 1024))

# the probe into the guest's tree, and a boot-script line that runs it as a child of init
install_probe() {
	local top="$PRIV_DIR/$1"
	[ -d "$top/upper" ] && top=$top/upper
	cp "$PROBE" "$top/sysinfotest"
	chmod 755 "$top/sysinfotest"
	echo '/sysinfotest > /sysinfo.init 2>&1' >> "$PRIV_DIR/$1/etc/init.d/rcS"
}
# busybox free takes "cached" from /proc/meminfo: with the host's file its used column is
# meaningless (total - free - the host's cache); a private lxcfs gives the container's
LXPID=""
if command -v lxcfs > /dev/null; then
	LXMP=$TMPD/lxcfs
	mkdir -p "$LXMP"
	sed -i "s|^mount_point = .*|mount_point = $LXMP|" "$CONF"
	lxcfs -l -p "$TMPD/lxcfs.pid" "$LXMP" > "$TMPD/lxcfs.log" 2>&1 &
	LXPID=$!
	BG_PIDS+=("$LXPID")
	wait_for 10 test -f "$LXMP/proc/meminfo" && ok "private lxcfs up" || fail "lxcfs starts" "$(cat "$TMPD/lxcfs.log")"
else
	log "no lxcfs: busybox free's used column is not checked"
fi
field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p"; }
probe() { cc exec "$CT" -- /sysinfotest "$@"; }

create_ct "$CT" --ram 256M
install_probe "$CT"
start_ct "$CT"

# ---- busybox free and uptime, through exec ----
out=$(cc exec "$CT" -- free -m)
log "with the view, busybox free -m: $(echo "$out" | tr '\n' '|')"
total=$(echo "$out" | awk '/^Mem:/ {print $2}')
used=$(echo "$out" | awk '/^Mem:/ {print $3}')
[ "$total" = 256 ] && ok "busybox free -m: total 256" || fail "busybox free -m total 256" "$out"
if [ -n "$LXPID" ]; then
	[ -n "$used" ] && [ "$used" -ge 0 ] 2>/dev/null && [ "$used" -lt 256 ] && ok "busybox free -m: used $used MiB" ||
		fail "busybox free -m: used between 0 and 256" "$out"
fi
out=$(cc exec "$CT" -- uptime)
log "with the view, busybox uptime: $out"
echo "$out" | grep -Eq 'up +[01] min' && ok "busybox uptime: the container's (under 2 min)" || fail "busybox uptime shows the container's" "$out"
out=$(cc exec "$CT" -- sh -c 'free -m')
[ "$(echo "$out" | awk '/^Mem:/ {print $2}')" = 256 ] && ok "free -m from a shell started by exec: 256" || fail "free in sh -c" "$out"

# ---- the probe: exec, and init's child ----
out=$(probe)
log "probe through exec: $out"
[ "$(echo "$out" | field total)" = "$RAM" ] && ok "exec: totalram = 256 MiB" || fail "exec: totalram" "$out"
[ "$(echo "$out" | field unit)" = 1 ] && ok "exec: mem_unit 1" || fail "exec: mem_unit" "$out"
up=$(echo "$out" | field uptime)
[ -n "$up" ] && [ "$up" -lt 120 ] && ok "exec: uptime $up s" || fail "exec: uptime under 120 s" "$out"
procs=$(echo "$out" | field procs)
[ -n "$procs" ] && [ "$procs" -ge 2 ] && [ "$procs" -lt 100 ] && ok "exec: procs $procs (the container's tasks)" ||
	fail "exec: procs of the container" "$out"
free=$(echo "$out" | field free)
[ -n "$free" ] && [ "$free" -gt 0 ] && [ "$free" -lt "$RAM" ] && ok "exec: freeram below totalram" || fail "exec: freeram" "$out"
wait_for 10 test -s "$PRIV_DIR/$CT/sysinfo.init" || true
top="$PRIV_DIR/$CT"
[ -d "$top/upper" ] && top=$top/upper
out=$(cat "$top/sysinfo.init" 2>/dev/null)
log "probe run by the guest's boot script: $out"
[ "$(echo "$out" | field total)" = "$RAM" ] && ok "init's child: totalram = 256 MiB" || fail "init's child: totalram" "$out"

# exec with a terminal (the pty helper's path, as enter's)
if command -v script > /dev/null; then
	out=$(script -qec "nsenter --net=/run/netns/$NS -- $CELLCTL exec $CT -- /sysinfotest" /dev/null | tr -d '\r')
	[ "$(echo "$out" | field total)" = "$RAM" ] && ok "exec on a pty: totalram = 256 MiB" || fail "exec on a pty" "$out"
fi

# each exec's listener is dropped once its command is gone: the monitor's fds do not grow
mon=$(monitor_pid "$CT")
fds0=$(ls /proc/"$mon"/fd | wc -l)
for i in $(seq 10); do probe > /dev/null; done
sleep 0.5
fds1=$(ls /proc/"$mon"/fd | wc -l)
[ "$fds1" -le "$fds0" ] && ok "the monitor's fds did not grow over 10 execs ($fds0 -> $fds1)" ||
	fail "the monitor drops the listeners of finished execs" "$fds0 -> $fds1: $(ls -l /proc/"$mon"/fd)"

# ---- bad pointers: EFAULT, as the kernel's own sysinfo ----
expect_output '^null=EFAULT low=EFAULT kernel=EFAULT$' probe bad

# ---- a guest spamming sysinfo: answered, and stop still works promptly ----
# (a tenth of them under the VM's emulation, TIMEOUT_SCALE > 1, where each costs ~1 ms)
nloop=20000
[ "${TIMEOUT_SCALE:-1}" -gt 1 ] && nloop=2000
t0=$(date +%s%N)
out=$(probe loop $nloop)
t1=$(date +%s%N)
[ "$out" = "loop $nloop ok" ] && ok "$nloop sysinfo calls answered in $(((t1 - t0) / 1000000)) ms" || fail "a loop of sysinfo calls" "$out"
cc exec "$CT" -- sh -c '/sysinfotest loop 100000000 > /dev/null 2>&1 & /sysinfotest loop 100000000 > /dev/null 2>&1 & sleep 1'
sleep 1
t0=$(date +%s%N)
check "stop $CT while the guest loops on sysinfo" timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" stop "$CT"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 15000 ] && ok "stop took $ms ms with sysinfo loops running" || fail "stop promptly under a sysinfo flood" "$ms ms"

# ---- reboot: the new init's listener answers ----
# (the old init's shutdown takes seconds, during which the container still reads as running:
# wait for the new init, by its start time, as t_reboot does; a probe in the window between the
# two inits got no answer, once, under the VM's emulation)
start_ct "$CT"
init_start() { cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}'; }
booted_again() { is_running "$CT" && s=$(init_start) && [ -n "$s" ] && [ "$s" != "$1" ]; }
s0=$(init_start)
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot > /dev/null 2>&1
wait_for 60 booted_again "$s0" || fail "the container runs again after reboot, with a new init" "$(ct_status "$CT")"
wait_for 30 sh -c "nsenter --net=/run/netns/$NS -- '$CELLCTL' exec $CT -- /sysinfotest | grep -q 'total=$RAM '" &&
	ok "after a guest reboot: totalram 256 MiB" || fail "sysinfo after reboot" "$(probe)"
up=$(probe | field uptime)
[ -n "$up" ] && [ "$up" -lt 60 ] && ok "after reboot: uptime $up s (the new init's)" || fail "uptime after reboot" "$(probe)"
check "stop $CT" cc stop "$CT"

# ---- sysinfo no: the kernel's answer ----
expect_exit 21 cc set "$CT" --sysinfo maybe
check "set --sysinfo no" cc set "$CT" --sysinfo no --save
grep -q '^sysinfo = no' "$CONF_DIR/$CT.conf" && ok "the config says sysinfo = no" || fail "sysinfo = no saved" "$(cat "$CONF_DIR/$CT.conf")"
start_ct "$CT"
out=$(probe)
[ "$(echo "$out" | field total)" = "$HOST_TOTAL" ] && ok "sysinfo no: the host's totalram" || fail "sysinfo no: host total $HOST_TOTAL" "$out"
out=$(cc exec "$CT" -- free -m)
log "without the view, busybox free -m: $(echo "$out" | tr '\n' '|')"
log "without the view, busybox uptime: $(cc exec "$CT" -- uptime)"
[ "$(echo "$out" | awk '/^Mem:/ {print $2}')" != 256 ] && ok "sysinfo no: busybox free shows the host's" || fail "sysinfo no: free" "$out"
check "stop $CT" cc stop "$CT"
check "set --sysinfo yes" cc set "$CT" --sysinfo yes --save
# nesting yes: no rule (the guest may need a listener of its own), the kernel's answer
check "set --nesting yes" cc set "$CT" --nesting yes --save
start_ct "$CT"
out=$(probe)
[ "$(echo "$out" | field total)" = "$HOST_TOTAL" ] && ok "nesting yes: the kernel answers (host totalram)" || fail "nesting yes: host totalram" "$out"
check "stop $CT" cc stop "$CT"
check "set --nesting no" cc set "$CT" --nesting no --save

# ---- a privileged container (no user namespace): exec runs from a sealed copy ----
CTP=$(ctid 2)
create_ct "$CTP" --userns no --ram 128M
install_probe "$CTP"
start_ct "$CTP"
out=$(cc exec "$CTP" -- /sysinfotest)
[ "$(echo "$out" | field total)" = $((128 * 1024 * 1024)) ] && ok "privileged container: totalram = 128 MiB" ||
	fail "privileged container: totalram" "$out"
wait_for 10 test -s "$PRIV_DIR/$CTP/sysinfo.init" || true
[ "$(field total < "$PRIV_DIR/$CTP/sysinfo.init")" = $((128 * 1024 * 1024)) ] && ok "privileged container: init's child too" ||
	fail "privileged container: init's child" "$(cat "$PRIV_DIR/$CTP/sysinfo.init")"
check "stop $CTP" cc stop "$CTP"

# ---- under another listener (as nested): the kernel's answer, one log line, start works ----
n0=$(grep -c 'seccomp listener exists above' "$LOG_FILE" 2>/dev/null)
rm -f "$top/sysinfo.init"
check "start under a seccomp listener" "$PROBE" listen nsenter --net="/run/netns/$NS" -- "$CELLCTL" start "$CT"
use_ct "$CT"
wait_for 10 test -s "$top/sysinfo.init" || true
out=$(cat "$top/sysinfo.init" 2>/dev/null)
[ "$(echo "$out" | field total)" = "$HOST_TOTAL" ] && ok "under a listener: init's filter without the rule (host totalram)" ||
	fail "under a listener: init's child sees the host's totalram" "$out"
[ "$(probe | field total)" = "$RAM" ] && ok "under a listener: exec from outside it still gets the view" ||
	fail "exec outside the listener" "$(probe)"
n1=$(grep -c 'seccomp listener exists above' "$LOG_FILE" 2>/dev/null)
[ $((n1 - n0)) = 1 ] && ok "under a listener: one log line says so" || fail "one log line about the listener" "$n0 -> $n1"
out=$("$PROBE" listen nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- /sysinfotest)
[ "$(echo "$out" | field total)" = "$HOST_TOTAL" ] && ok "exec under a listener: host totalram, exec works" ||
	fail "exec under a listener" "$out"
t0=$(date +%s%N)
check "stop $CT" cc stop "$CT"
t1=$(date +%s%N)
log "stop without sysinfo loops: $(((t1 - t0) / 1000000)) ms"
if [ -n "$LXPID" ]; then
	kill -9 "$LXPID"
	wait "$LXPID" 2> /dev/null
	umount -l "$LXMP" 2> /dev/null || fusermount -u "$LXMP" 2> /dev/null
fi
finish
