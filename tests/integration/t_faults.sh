#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, fault injection: SIGKILL of `cellctl` (and of the container's monitor) at random points
# of create, start, stop, set --save, destroy, restart and a guest reboot, FAULT_ITER times (200 by
# default). After each kill the next command must find a consistent state and finish what was
# half done: it succeeds, the config still parses, and what the state says matches what exists
# (a running container has its monitor and init; a stopped one has no monitor, cgroup, veth, state
# file or mount; a deleted one has no config and no private area). At the end nothing is leaked.
# long
# timeout: 1800
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
ITER=${FAULT_ITER:-200}
IP=10.$((CCT_SLOT % 200 + 20)).0.2/24
RANDOM=${FAULT_SEED:-$$}
log "seed ${FAULT_SEED:-$$}, $ITER iterations"

# the kinds of outcome, counted for the closing figures
declare -A killed_at finished_at
nkilled=0 nfinished=0 nmonkills=0 nbad=0

status_of() { cc status "$CT" 2>&1; }
state_word() {
	case "$1" in
	"CTID $CT deleted") echo deleted ;;
	"CTID $CT exist down") echo down ;;
	"CTID $CT exist running") echo running ;;
	*) echo "?" ;;
	esac
}
mon_pid() { sed -n 's/^monitor \([0-9]*\) .*/\1/p' "$RUN_DIR/$CT.state" 2>/dev/null; }
host_veths() { wait_retired; ip -n "$NS" -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v -e '^lo$' -e "^$BRIDGE\$" || true; }
# this container's cgroups (not the per-test parent, which cellctl leaves when it holds others)
ct_cgroups() { our_cgroups | grep "/$CT\(/\|\$\)" || true; }
# wait (up to 15 s) while someone holds the CT lock: a monitor that outlived its killed
# `cellctl start` holds it until that start is finished or undone
wait_unlocked() { [ ! -e "$RUN_DIR/lock/$CT.lck" ] || flock -w 15 "$RUN_DIR/lock/$CT.lck" true; }
ct_mounts() { grep -F "$PRIV_DIR/$CT" /proc/self/mountinfo | awk '{print $5}' || true; }
# the guest's init pid as the host sees it (from the state file), alive?
init_alive() {
	local p
	p=$(sed -n 's/^init \([0-9]*\) .*/\1/p' "$RUN_DIR/$CT.state" 2>/dev/null)
	[ -n "$p" ] && [ -d "/proc/$p" ]
}

bad() {
	nbad=$((nbad + 1))
	fail "$@"
}

# The invariants of a state, after a command that was not killed; W = the state word.
check_state() {
	local why=$1 s w left
	s=$(status_of)
	w=$(state_word "$s")
	case "$w" in
	running)
		[ -n "$(mon_pid)" ] && [ -d "/proc/$(mon_pid)" ] || bad "$why: running, but no monitor" "$(cat "$RUN_DIR/$CT.state" 2>&1)"
		init_alive || bad "$why: running, but no init"
		run cc exec "$CT" -- true
		[ "$RC" = 0 ] || bad "$why: running, but exec true fails (exit $RC)" "$OUT"
		;;
	down | deleted)
		[ -e "$RUN_DIR/$CT.state" ] && bad "$why: $w, but a state file is left" "$(cat "$RUN_DIR/$CT.state")"
		[ -e "$RUN_DIR/$CT.sock" ] && bad "$why: $w, but a socket is left"
		left=$(host_veths)
		[ -n "$left" ] && bad "$why: $w, but host veths are left" "$left"
		left=$(ct_cgroups)
		[ -n "$left" ] && bad "$why: $w, but cgroups are left" "$left"
		left=$(ct_mounts)
		[ -n "$left" ] && bad "$why: $w, but mounts are left" "$left"
		if [ "$w" = deleted ]; then
			[ -e "$CONF_DIR/$CT.conf" ] && bad "$why: deleted, but $CT.conf exists"
			[ -e "$PRIV_DIR/$CT" ] && bad "$why: deleted, but the private area exists"
		else
			[ -f "$CONF_DIR/$CT.conf" ] || bad "$why: down, but no config"
			[ -d "$PRIV_DIR/$CT" ] || bad "$why: down, but no private area"
		fi
		;;
	*)
		bad "$why: status says something else" "$s"
		;;
	esac
	# the config parses and holds one of the values set wrote
	if [ -f "$CONF_DIR/$CT.conf" ]; then
		run cc list -a -H -o ctid,hostname
		[ "$RC" = 0 ] || bad "$why: list -a fails (exit $RC): a broken config?" "$OUT" "$(cat "$CONF_DIR/$CT.conf")"
		local h
		h=$(sed -n 's/^[[:space:]]*hostname[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$CT.conf")
		case "$h" in
		fault-a | fault-b | fault-c) ;;
		*) bad "$why: hostname in the config is '$h', not one that create or set wrote" "$(cat "$CONF_DIR/$CT.conf")" ;;
		esac
	fi
	W=$w
}

# The next command for the state status reports, never killed: it must succeed. A monitor that
# outlived its killed `cellctl start` holds the CT lock until that start is finished or undone
# (exit 9 meanwhile): then the state is read again and the command chosen anew (up to 15 s); the
# same when a 'running' container stopped by itself before the stop (exit 31).
recover() {
	local why=$1 w i=0 pick=$((RANDOM % 6))
	while :; do
		wait_unlocked
		w=$(state_word "$(status_of)")
		case "$w" in
		deleted) run cc create "$CT" --hostname fault-a --ipadd "$IP" ;;
		down) if [ $((pick % 3)) = 0 ]; then run cc destroy "$CT"; else run cc start "$CT"; fi ;;
		running) if [ $((pick % 2)) = 0 ]; then run cc stop "$CT" --fast; else run cc stop "$CT" --timeout 5; fi ;;
		*)
			# an unknown status: stop and destroy must still bring it back
			cc stop "$CT" --fast >/dev/null 2>&1
			run cc destroy "$CT"
			;;
		esac
		# 9: the lock is held; 31 after 'running': the container finished stopping on its own
		# between the status and the stop (a killed stop had already signalled its init)
		{ [ "$RC" = 9 ] || { [ "$RC" = 31 ] && [ "$w" = running ]; }; } && [ $i -lt 75 ] || break
		sleep 0.2
		i=$((i + 1))
	done
	[ $i = 0 ] || log "$why: waited $((i * 200)) ms for the CT lock"
	[ "$RC" = 0 ] || bad "$why: the next command for a '$w' container fails (exit $RC)" "$OUT" "$(tail -5 "$LOG_FILE")"
}

# How long each operation takes when left alone (ms), so the kills land inside it.
declare -A dur
measure() {
	local op=$1 t0
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	dur[$op]=$((($(date +%s%N) - t0) / 1000000 + 2))
}
use_ct "$CT"
measure create cc create "$CT" --hostname fault-a --ipadd "$IP"
measure set cc set "$CT" --hostname fault-b --save
measure start cc start "$CT"
measure restart cc restart "$CT"
measure stop cc stop "$CT" --timeout 5
cc start "$CT" >/dev/null 2>&1
measure stopfast cc stop "$CT" --fast
measure destroy cc destroy "$CT"
dur[reboot]=400
log "durations (ms): $(for k in "${!dur[@]}"; do printf '%s=%s ' "$k" "${dur[$k]}"; done)"

# run_killed DELAY_MS ARGS...: run cellctl ARGS in the test's netns, SIGKILL it after DELAY_MS
# unless it ended first (status 0 when it was killed). timeout kills itself with the same signal
# afterwards, so the shell sees 137.
run_killed() {
	local ms=$1
	shift
	timeout -s KILL "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" nsenter --net="/run/netns/$NS" -- "$CELLCTL" "$@" >/dev/null 2>&1
	[ $? = 137 ]
}
# kill the monitor after DELAY_MS, in the background (the monitor of this test's own CTID only)
kill_monitor_later() {
	local ms=$1
	(
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		p=$(mon_pid)
		if [ -n "$p" ] && grep -q "^cellctl-monitor $CT" "/proc/$p/cmdline" 2>/dev/null; then
			kill -9 "$p" 2>/dev/null && echo killed
		fi
	) > "$TMPD/monkill" &
	MK_PID=$!
}

check_state "start"
w=$W
for i in $(seq 1 "$ITER"); do
	case "$w" in
	deleted) ops=(create) ;;
	down) ops=(start start set destroy) ;;
	running) ops=(stop stopfast set restart reboot) ;;
	*) ops=(destroy) ;;
	esac
	op=${ops[$((RANDOM % ${#ops[@]}))]}
	d=${dur[$op]:-100}
	[ "$d" -gt 4000 ] && d=4000
	ms=$((RANDOM % d + 1))
	MK_PID=""
	# a third of the time, the monitor dies too, at another random point
	if [ "$w" = running ] || [ "$op" = start ] || [ "$op" = restart ]; then
		[ $((RANDOM % 3)) = 0 ] && kill_monitor_later $((RANDOM % (d + 50)))
	fi
	h=fault-$(printf 'abc' | cut -c$((RANDOM % 3 + 1)))
	case "$op" in
	create) run_killed "$ms" create "$CT" --hostname fault-a --ipadd "$IP" ;;
	start) run_killed "$ms" start "$CT" ;;
	stop) run_killed "$ms" stop "$CT" --timeout 5 ;;
	stopfast) run_killed "$ms" stop "$CT" --fast ;;
	set) run_killed "$ms" set "$CT" --hostname "$h" --ram $((RANDOM % 200 + 64))M --save ;;
	destroy) run_killed "$ms" destroy "$CT" ;;
	restart) run_killed "$ms" restart "$CT" ;;
	reboot)
		# the guest reboots itself; the monitor is what gets killed, at a random point of the respawn
		timeout 10 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot >/dev/null 2>&1
		[ -z "$MK_PID" ] && kill_monitor_later "$ms"
		false
		;;
	esac
	if [ $? = 0 ]; then
		nkilled=$((nkilled + 1))
		killed_at[$op]=$((${killed_at[$op]:-0} + 1))
	else
		nfinished=$((nfinished + 1))
		finished_at[$op]=$((${finished_at[$op]:-0} + 1))
	fi
	if [ -n "$MK_PID" ]; then
		wait "$MK_PID" 2>/dev/null
		grep -q killed "$TMPD/monkill" 2>/dev/null && nmonkills=$((nmonkills + 1))
	fi
	why="iteration $i ($op killed after ${ms} ms)"
	s=$(status_of)
	before=$nbad
	recover "$why"
	check_state "$why, then the next command"
	w=$W
	if [ "$nbad" -gt "$before" ]; then
		log "$why: state before recovery: $s"
		# do not pile failures on failures: start over from a clean slate
		[ "$nbad" -gt 20 ] && break
		cc stop "$CT" --fast >/dev/null 2>&1
		cc destroy "$CT" >/dev/null 2>&1
		w=$(state_word "$(status_of)")
	fi
done

log "killed mid-way: $nkilled ($(for k in "${!killed_at[@]}"; do printf '%s=%s ' "$k" "${killed_at[$k]}"; done))"
log "finished before the kill: $nfinished ($(for k in "${!finished_at[@]}"; do printf '%s=%s ' "$k" "${finished_at[$k]}"; done))"
log "monitors killed: $nmonkills"
[ "$nbad" = 0 ] && ok "$ITER iterations of SIGKILL at random points: every next command found a consistent state ($nkilled commands and $nmonkills monitors killed mid-way)"
[ "$nkilled" -ge $((ITER / 3)) ] && ok "at least a third of the commands were killed mid-way ($nkilled of $ITER)" ||
	fail "at least a third of the commands were killed mid-way ($nkilled of $ITER): the delays miss the commands"

cc stop "$CT" --fast >/dev/null 2>&1
cc destroy "$CT" >/dev/null 2>&1
rm -f "$CONF_DIR/$CT.conf.destroyed"
rm -rf --one-file-system "${PRIV_DIR:?}"/.[!.]* 2>/dev/null
finish
