#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, acceptance 1 and 2: template -> create -> start (the guest's init is PID 1) -> exec
# checks -> stop -> destroy, and afterwards nothing of the container is left anywhere.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)

expect_output '^CTID '"$CT"' deleted$' cc status "$CT"
expect_output 'busybox' cc template list
create_ct "$CT" --hostname lc-guest.example
expect_output '^CTID '"$CT"' exist down$' cc status "$CT"
[ -f "$CONF_DIR/$CT.conf" ] && ok "config $CT.conf written" || fail "config $CT.conf written"
[ -d "$PRIV_DIR/$CT" ] && ok "private area $PRIV_DIR/$CT exists" || fail "private area exists"
uuid=$(sed -n 's/^[[:space:]]*uuid[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$CT.conf" | head -1)
expect_match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$uuid" "config has a uuid ($uuid)"
expect_match 'ostemplate[[:space:]]*=[[:space:]]*busybox' "$(cat "$CONF_DIR/$CT.conf")" "config names the default template"

start_ct "$CT"
expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
# the leak counters see the running container (so that their zero at the end means something)
cgs=$(our_cgroups)
[ -n "$cgs" ] && ok "the container's cgroups nest under this shell's own ($(printf '%s\n' "$cgs" | grep -c "/$CG_NAME/$CT\$") hierarchies)" ||
	fail "the container's cgroups nest under this shell's own cgroups" "$(cg_self_dirs)"
v2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
echo "$cgs" | grep -q "^$v2/.*$CG_NAME/$CT\$" && ok "a cgroup on the unified hierarchy ($v2)" || fail "a cgroup on the unified hierarchy ($v2)" "$cgs"
stray=$(ls -d /sys/fs/cgroup/*/"$CG_NAME"/"$CT" /sys/fs/cgroup/*/cellctl/"$CT" 2>/dev/null | while read -r d; do printf '%s\n' "$cgs" | grep -qx "$d" || echo "$d"; done)
[ -z "$stray" ] && ok "no cgroup outside this shell's own ([cgroup] parent = self/$CG_NAME)" || fail "no cgroup outside this shell's own" "$stray"
procs=$(our_procs)
expect_match "cellctl-monitor $CT" "$procs" "the process counter sees the monitor"
expect_match "in cgroup /$CG_NAME/$CT" "$procs" "the process counter sees the guest's processes"
mp=$(monitor_pid "$CT") && ok "monitor process 'cellctl-monitor $CT' exists (pid $mp)" || fail "monitor process 'cellctl-monitor $CT' exists"

# the guest's own init is PID 1
cmdline=$(cc exec "$CT" -- cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
expect_match '(^|/)init( |$)' "$cmdline" "exec cat /proc/1/cmdline shows init ($cmdline)"
expect_output '^lc-guest.example$' cc exec "$CT" -- hostname
expect_exit 7 cc exec "$CT" -- sh -c 'exit 7'
expect_exit 0 cc exec "$CT" true
expect_exit 1 cc exec "$CT" -- false
# stdin and stdout pass through
OUT=$(printf 'through-stdin\n' | cc exec "$CT" -- cat 2>&1)
expect_match '^through-stdin$' "$OUT" "stdin passes through exec"
OUT=$(cc exec "$CT" -- sh -c 'echo to-stderr >&2' 2>&1 >/dev/null)
expect_match '^to-stderr$' "$OUT" "stderr passes through exec"

# ps sees only the container's processes
run cc exec "$CT" -- ps
ps_out=$OUT
expect_match '^ *1 .*init' "$ps_out" "ps inside: PID 1 is init"
nps=$(printf '%s\n' "$ps_out" | grep -c '^ *[0-9]')
host_nps=$(ls -d /proc/[0-9]* | wc -l)
if [ "$nps" -ge 1 ] && [ "$nps" -le 10 ] && ! printf '%s\n' "$ps_out" | grep -Eq 'cellctl-monitor|nsenter|t_lifecycle|kthreadd'; then
	ok "ps inside shows only the guest's $nps processes (host has $host_nps)"
else
	fail "ps inside shows only the guest's processes" "$ps_out"
fi
run cc exec "$CT" -- sh -c 'ls -d /proc/[0-9]* | wc -l'
[ "${OUT//[[:space:]]/}" -le 10 ] 2>/dev/null && ok "/proc inside holds only guest pids ($OUT)" || fail "/proc inside holds only guest pids" "$OUT"

# the Container Interface: environment, read-only /proc/sys and /sys, /dev
env1=$(cc exec "$CT" -- cat /proc/1/environ 2>&1 | tr '\0' '\n')
expect_match '^container=cellctl$' "$env1" "init's environment has container=cellctl"
expect_match "^container_uuid=$uuid\$" "$env1" "init's environment has container_uuid=$uuid"
mounts_in=$(cc exec "$CT" -- cat /proc/mounts 2>&1)
expect_match '^[^ ]+ /proc/sys [^ ]+ ro[, ]' "$mounts_in" "/proc/sys is mounted read-only"
expect_match '^[^ ]+ /sys [^ ]+ ro[, ]' "$mounts_in" "/sys is mounted read-only"
expect_match '^[^ ]+ /proc proc .*nosuid.*nodev.*noexec' "$mounts_in" "/proc is nosuid,nodev,noexec"
expect_match '^[^ ]+ /sys/fs/cgroup cgroup2 ' "$mounts_in" "a cgroup2 at /sys/fs/cgroup"
expect_match '^[^ ]+ /dev tmpfs ' "$mounts_in" "/dev is a tmpfs"
expect_match '^[^ ]+ /dev/pts devpts ' "$mounts_in" "/dev/pts is a devpts"
run cc exec "$CT" -- sh -c 'echo guest > /proc/sys/kernel/hostname'
[ "$RC" != 0 ] && ok "writing /proc/sys/kernel/hostname fails ($OUT)" || fail "writing /proc/sys/kernel/hostname must fail"
run cc exec "$CT" -- sh -c 'echo 1 > /proc/sys/vm/drop_caches'
[ "$RC" != 0 ] && ok "writing /proc/sys/vm/drop_caches fails" || fail "writing /proc/sys/vm/drop_caches must fail"
run cc exec "$CT" -- sh -c 'touch /sys/cellctl-test || mkdir /sys/kernel/cellctl-test'
[ "$RC" != 0 ] && ok "writing into /sys fails" || fail "writing into /sys must fail"
check "/proc/sys/net stays writable" cc exec "$CT" -- sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
expect_output '^lc-guest.example$' cc exec "$CT" -- hostname
for f in kcore keys timer_list sysrq-trigger; do
	# (this kernel may lack some of them: kcore and sysrq-trigger are config options)
	[ -e "/proc/$f" ] || { log "/proc/$f does not exist on this host"; continue; }
	expect_match "^[^ ]+ /proc/$f " "$mounts_in" "/proc/$f is masked (a mount covers it)"
done
if [ -e /proc/kcore ]; then
	run cc exec "$CT" -- sh -c 'head -c 16 /proc/kcore | wc -c'
	[ "${OUT//[[:space:]]/}" = 0 ] || [ "$RC" != 0 ] && ok "/proc/kcore reads nothing" || fail "/proc/kcore reads nothing" "$OUT"
fi
check "/dev/null /dev/zero /dev/urandom work" cc exec "$CT" -- sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c | grep -q 4 && head -c 4 /dev/urandom | wc -c | grep -q 4'
check "/dev/console, /dev/ptmx, /dev/fd exist" cc exec "$CT" -- sh -c '[ -e /dev/console ] && [ -e /dev/ptmx ] && [ -e /dev/fd ] && [ -e /dev/tty ]'
check "/run/host/container-manager exists" cc exec "$CT" -- test -e /run/host/container-manager

# list shows it
expect_output "^ *$CT +[0-9-]+ +running" cc list
expect_output "^ *$CT +[0-9-]+ +running" cc list -a
expect_output "lc-guest.example" cc list

# stop: nothing left, not even while the config and private area remain
check "stop $CT" cc stop "$CT"
expect_output '^CTID '"$CT"' exist down$' cc status "$CT"
monitor_pid "$CT" >/dev/null && fail "monitor gone after stop" "$(monitor_pid "$CT")" || ok "monitor gone after stop"
left=$(our_cgroups)
[ -z "$left" ] && ok "no cgroup dirs after stop" || fail "no cgroup dirs after stop" "$left"
expect_exit 31 cc exec "$CT" true

# restart cycle through `restart`
check "start again" cc start "$CT"
check "restart" cc restart "$CT"
expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
check "stop --fast" cc stop "$CT" --fast
expect_output '^CTID '"$CT"' exist down$' cc status "$CT"

# destroy: private area gone, config kept as .destroyed
check "destroy $CT" cc destroy "$CT"
expect_output '^CTID '"$CT"' deleted$' cc status "$CT"
[ ! -e "$PRIV_DIR/$CT" ] && ok "private area removed" || fail "private area removed" "$(ls -la "$PRIV_DIR")"
[ ! -e "$CONF_DIR/$CT.conf" ] && [ -f "$CONF_DIR/$CT.conf.destroyed" ] && ok "config kept as $CT.conf.destroyed" ||
	fail "config kept as $CT.conf.destroyed" "$(ls -la "$CONF_DIR")"
left=$(ls -A "$PRIV_DIR")
[ -z "$left" ] && ok "private_dir is empty (no temp dirs)" || fail "private_dir is empty" "$left"
left=$(find "$RUN_DIR" -name "$CT*" -o -name "*.$CT.*" | grep -v "/console/" || true)
[ -z "$left" ] && ok "no run files of $CT (state, socket, lock)" || fail "no run files of $CT" "$left"
expect_exit 1 cc list -a
expect_match '^Container\(s\) not found' "$OUT" "empty list says Container(s) not found"

# the log names the container
expect_match "cellctl : CT $CT : " "$(cat "$LOG_FILE" 2>/dev/null)" "log file has 'cellctl : CT $CT : ...' lines"

# delete is an alias of destroy
create_ct "$CT"
check "delete (alias of destroy)" cc delete "$CT"
expect_output '^CTID '"$CT"' deleted$' cc status "$CT"

finish
