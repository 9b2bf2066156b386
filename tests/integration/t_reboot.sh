#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, acceptance 5: `reboot` inside the guest brings it back with a new init (the monitor
# restarts it); `poweroff` and `halt` inside stop it and clean up.
# timeout: 400
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)

# init's start time in clock ticks since boot (field 22 of /proc/1/stat, seen from inside)
init_start() { cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}'; }
booted_again() { is_running "$CT" && s=$(init_start) && [ -n "$s" ] && [ "$s" != "$1" ]; }

create_ct "$CT" --hostname reboot-guest
start_ct "$CT"
s0=$(init_start)
expect_match '^[0-9]+$' "$s0" "init start time read from /proc/1/stat ($s0)"
mp0=$(monitor_pid "$CT") || fail "monitor found"
fds0=$(ls /proc/"$mp0"/fd 2>/dev/null | wc -l)
check "mark the guest before reboot" cc exec "$CT" -- sh -c 'echo before > /reboot-mark'

prev=$s0
for i in 1 2 3; do
	# the exec may end with the namespace: its status does not matter
	timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot >/dev/null 2>&1
	if wait_for 60 booted_again "$prev"; then
		s=$(init_start)
		ok "reboot $i: the container came back with a new init (start time $prev -> $s)"
		prev=$s
	else
		fail "reboot $i: the container came back with a new init" "status: $(ct_status "$CT")" "$(tail -5 "$LOG_FILE" 2>/dev/null)"
		break
	fi
done
# A destroy (or start) in the window of a reboot, when status says down because the old init is
# gone and the monitor is starting the new one without the CT lock, must not act on the container:
# before, it waited 5 s for the monitor, gave up and removed the private area of a running guest.
seen=0
for i in 1 2; do
	timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot >/dev/null 2>&1 &
	rb=$!
	for _ in $(seq 300); do
		if is_down "$CT"; then
			seen=$((seen + 1))
			run cc destroy "$CT"
			[ "$RC" = 9 ] || [ "$RC" = 32 ] && ok "destroy during reboot $i refused (exit $RC)" ||
				fail "destroy during reboot $i refused with 9 or 32" "exit $RC: $OUT"
			break
		fi
		sleep 0.01
	done
	wait "$rb" 2>/dev/null
	wait_for 60 is_running "$CT" || fail "the container runs again after reboot $i" "$(ct_status "$CT")"
done
[ "$seen" -gt 0 ] || echo "# the reboot window was not seen by status: destroy during reboot not tried"
expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
expect_output '(^|/)init' sh -c "nsenter --net=/run/netns/$NS -- $CELLCTL exec $CT -- cat /proc/1/cmdline | tr '\\0' ' '"
expect_output '^reboot-guest$' cc exec "$CT" -- hostname
expect_output '^before$' cc exec "$CT" -- cat /reboot-mark
mp1=$(monitor_pid "$CT")
if [ -n "$mp1" ] && [ "$mp1" = "$mp0" ]; then
	fds1=$(ls /proc/"$mp1"/fd 2>/dev/null | wc -l)
	[ "$fds1" -le "$fds0" ] && ok "the monitor's fds did not grow over 3 reboots ($fds0 -> $fds1)" ||
		fail "the monitor's fds did not grow over 3 reboots ($fds0 -> $fds1)" "$(ls -l /proc/"$mp1"/fd)"
else
	echo "# monitor pid changed over the reboots ($mp0 -> $mp1)"
fi
n=$(cc console "$CT" --log 2>/dev/null | grep -c 'busybox guest booted')
[ "$n" -ge 2 ] && ok "the console log shows the boots ($n)" || warn "the console log shows $n boot message(s) after 3 reboots"

# poweroff inside: the container stops and everything is cleaned up
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- poweroff >/dev/null 2>&1
if wait_for 60 is_down "$CT"; then ok "poweroff inside stops the container"; else fail "poweroff inside stops the container" "$(ct_status "$CT")"; fi
wait_for 10 sh -c "! test -e /proc/$mp0" && ok "the monitor exited after poweroff" || fail "the monitor exited after poweroff (pid $mp0 alive)"
leak_check "after poweroff inside"

# halt inside: the same
start_ct "$CT"
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- halt >/dev/null 2>&1
if wait_for 60 is_down "$CT"; then ok "halt inside stops the container"; else fail "halt inside stops the container" "$(ct_status "$CT")"; fi
leak_check "after halt inside"

# and it starts again afterwards
start_ct "$CT"
expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
check "stop --fast" cc stop "$CT" --fast
check "destroy" cc destroy "$CT"
finish
