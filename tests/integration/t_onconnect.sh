#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18, start on first connection: with onconnect yes a stopped container's sockets are held
# by its waiter (one cellctl-monitor process in the monitors' cgroup of the test); a client that
# connects while the container is stopped gets the guest's answer (the guest's server, slow to
# come up, accepts that very connection: none is lost), and the container is then running; stop
# gives the sockets back to a waiter; idle_stop stops it again after SECONDS without a
# connection, and the next connection starts it again; set --onconnect no ends the waiter (port
# closed); boot gives an onconnect container its waiter, not a start; destroy leaves no waiter,
# process, socket or cgroup.
. "$(dirname "$0")/lib.sh"

need_template
need_listensrv
leak_snapshot
A=$(ctid 1)
get() { nsenter --net="/run/netns/$NS" -- "$SRV" get "$@" 2>&1; }
waiter_pid() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(proc_cmd "${p#/proc/}")" = "cellctl-monitor $1 waiter" ] && { echo "${p#/proc/}"; return 0; }
	done
	return 1
}
has_waiter() { waiter_pid "$1" > /dev/null; }

create_ct "$A" --hostname onc1
rm -f "$PRIV_DIR/$A/sbin/init"
install -m 755 "$SRV" "$PRIV_DIR/$A/sbin/init"
echo 1 > "$PRIV_DIR/$A/listen.delay" # the guest's server accepts only a second after its start

expect_exit 21 cc set "$A" --onconnect maybe --save
expect_exit 21 cc set "$A" --idle_stop -1 --save
check "set --listen --onconnect yes" cc set "$A" --listen tcp:127.0.0.1:8080=web --onconnect yes --save
if wait_for 5 has_waiter "$A"; then
	ok "a stopped onconnect container has a waiter"
	W=$(waiter_pid "$A")
	grep -q "/$CG_NAME/monitor\$" "/proc/$W/cgroup" && ok "the waiter lives in the monitors' cgroup of the test" ||
		fail "the waiter lives in the monitors' cgroup of the test" "$(cat "/proc/$W/cgroup")"
	[ "$(ls "/proc/$W/fd" | wc -l)" -le 6 ] && ok "the waiter holds few fds ($(ls "/proc/$W/fd" | wc -l))" ||
		fail "the waiter holds few fds" "$(ls -l "/proc/$W/fd")"
else
	fail "a stopped onconnect container has a waiter"
fi
is_down "$A" && ok "$A is still down" || fail "$A is still down"

# ---- the first connection starts it, and is answered --------------------------------------------
T0=$(date +%s%N)
R=$(get tcp 127.0.0.1 8080)
T1=$(date +%s%N)
[ "$R" = "hello web onc1" ] && ok "a connection to the stopped container gets the guest's answer ($(((T1 - T0) / 1000000)) ms)" ||
	fail "a connection to the stopped container gets the guest's answer" "$R" "$(tail -5 "$LOG_FILE")"
is_running "$A" && ok "$A is running after the connection" || fail "$A is running after the connection"
has_waiter "$A" && fail "no waiter while it runs" "$(waiter_pid "$A")" || ok "no waiter while it runs"
E=$(cat "$PRIV_DIR/$A/listen.env" 2>&1)
expect_match '^LISTEN_FDS=1$' "$E" "started by a connection: LISTEN_FDS=1"
expect_match '^LISTEN_FDNAMES=web$' "$E" "started by a connection: LISTEN_FDNAMES=web"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web onc1" ] && ok "the running container answers" || fail "the running container answers" "$R"

# ---- stop: the sockets go back to a waiter; the next connection starts it again ------------------
check "stop $A" cc stop "$A" --fast
wait_for 5 has_waiter "$A" && ok "after stop a waiter holds the sockets again" || fail "after stop a waiter holds the sockets again"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web onc1" ] && is_running "$A" && ok "the next connection starts it again" ||
	fail "the next connection starts it again" "$R" "$(ct_status "$A")"

# ---- idle_stop --------------------------------------------------------------------------------
check "set --idle_stop 2" cc set "$A" --idle_stop 2 --save
check "stop $A" cc stop "$A" --fast
wait_for 5 has_waiter "$A"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web onc1" ] && ok "started by a connection, with idle_stop 2" || fail "started by a connection, with idle_stop 2" "$R"
if wait_for 20 is_down "$A"; then
	ok "idle_stop: stopped after 2 s without a connection"
else
	fail "idle_stop: stopped after 2 s without a connection" "$(ct_status "$A")" "$(tail -5 "$LOG_FILE")"
fi
wait_for 5 has_waiter "$A" && ok "idle_stop: a waiter holds the sockets again" || fail "idle_stop: a waiter holds the sockets again"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web onc1" ] && is_running "$A" && ok "idle_stop: the next connection starts it again" ||
	fail "idle_stop: the next connection starts it again" "$R"
check "stop $A" cc stop "$A" --fast
check "set --idle_stop 0" cc set "$A" --idle_stop 0 --save

# ---- onconnect no: the waiter goes, the port closes --------------------------------------------
wait_for 5 has_waiter "$A"
check "set --onconnect no" cc set "$A" --onconnect no --save
has_waiter "$A" && fail "onconnect no: no waiter" || ok "onconnect no: no waiter"
R=$(get tcp 127.0.0.1 8080)
expect_match "refused" "$R" "onconnect no: the port is closed"

# ---- boot: a waiter, not a start ---------------------------------------------------------------
# (onconnect yes saved with the waiter ended by hand: as after a host's reboot)
check "set --onconnect yes" cc set "$A" --onconnect yes --save
wait_for 5 has_waiter "$A" && kill "$(waiter_pid "$A")"
wait_for 5 eval '! has_waiter "$A"'
check "boot" cc boot
expect_match "waiting for a connection" "$OUT" "boot says the container waits for a connection"
has_waiter "$A" && ok "boot: the onconnect container has a waiter" || fail "boot: the onconnect container has a waiter"
is_down "$A" && ok "boot: the onconnect container is not started" || fail "boot: the onconnect container is not started"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web onc1" ] && ok "after boot a connection starts it" || fail "after boot a connection starts it" "$R"

# ---- create with onconnect: a waiter from the start ------------------------------------------------
B=$(ctid 2)
create_ct "$B" --listen tcp:127.0.0.1:8090 --onconnect yes
wait_for 5 has_waiter "$B" && ok "create --onconnect yes: a waiter at once" || fail "create --onconnect yes: a waiter at once"
check "destroy $B" cc destroy "$B"

# ---- destroy: nothing left ---------------------------------------------------------------------
check "stop $A" cc stop "$A" --fast
wait_for 5 has_waiter "$A"
check "destroy $A" cc destroy "$A"
has_waiter "$A" && fail "destroy: no waiter left" || ok "destroy: no waiter left"
R=$(get tcp 127.0.0.1 8080)
expect_match "refused" "$R" "destroy: the port is closed"
[ -e "$RUN_DIR/$A.wait" ] && fail "destroy: the waiter's socket is gone" || ok "destroy: the waiter's socket is gone"
finish
