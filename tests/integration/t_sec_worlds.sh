#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 10: two cellctl installations on one host (say a production /etc/cellctl and a
# test world), each with a container of the same CTID, never touch each other's container.
#   1. Both worlds name the same cgroup directory (the issue's case: both put CT N at
#      <own cgroup>/NAME/N). B's start is refused (exit 38, naming the cgroup) and changes no limit
#      of A's; B's stop --fast, set and destroy leave A's container alone. Then B runs CT N there,
#      crashes (monitor and init killed), and A starts CT N in the empty cgroup B left: B's stale
#      record then names a cgroup that is no longer B's, and B's stop --fast and destroy must not
#      kill A's container (the old code did: "init killed by signal 9" in A's log).
#   2. The worlds name different directories: both run CT N side by side; set, stop --fast and
#      destroy in one world never reach the other's, both ways round.
#   3. Both worlds start CT N in the same directory at the same moment, 5 times: one wins, the
#      other is refused (38) and leaves nothing; the winner runs in the cgroup it recorded.
# A's container must keep the same init (pid and start time), boot count and limits throughout,
# and its log must show no stop or kill while B acts.
# timeout: 400
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)

. "$(dirname "$0")/worlds.sh"
trap 'rc=$?; worlds_cleanup; (exit $rc); cleanup' EXIT

# "PID STARTTIME" of the init recorded in a run dir's state file, and the boot count
state_init() { awk '$1 == "init" {print $2, $3}' "$1/$CT.state" 2>/dev/null; }
state_boots() { awk '$1 == "boots" {print $2}' "$1/$CT.state" 2>/dev/null; }
state_monitor() { awk '$1 == "monitor" {print $2}' "$1/$CT.state" 2>/dev/null; }
# Is the process PID with that start time (field 22) alive?
alive() { [ "$(awk '{print $22}' "/proc/$1/stat" 2>/dev/null)" = "$2" ]; }
# The limit cgroup dir of CT below NAME in the unified hierarchy (v2 or hybrid), and its memory
# limit file in whichever hierarchy has one.
cg_unified() {
	local d
	for d in $(cg_self_dirs); do
		[ "$(stat -f -c %T "$d")" = cgroup2fs ] && { echo "$d/$1/$CT"; return 0; }
	done
	return 1
}
mem_limit() {
	local d f
	for d in $(cg_self_dirs); do
		for f in "$d/$1/$CT/memory.max" "$d/$1/$CT/memory.limit_in_bytes"; do
			[ -f "$f" ] && { cat "$f"; return 0; }
		done
	done
	echo none
}

# A's container, with what must not change while another world acts
A_RUN=$RUN_DIR
a_untouched() {
	local what=$1 init boots ino lim
	init=$(state_init "$A_RUN")
	boots=$(state_boots "$A_RUN")
	ino=$(stat -c %i "$(cg_unified "$A_CG")" 2>/dev/null)
	lim=$(mem_limit "$A_CG")
	if [ "$init" = "$A_INIT" ] && alive $A_INIT && [ "$boots" = "$A_BOOTS" ] && [ "$ino" = "$A_INO" ] &&
		[ "$lim" = "$A_LIM" ] && is_running "$CT"; then
		ok "$what: A's container untouched (init $A_INIT alive, boot $boots, cgroup inode $ino, memory limit $lim)"
	else
		fail "$what: A's container untouched" "init: $A_INIT -> $init (alive: $(alive $A_INIT && echo yes || echo no))" \
			"boots: $A_BOOTS -> $boots" "cgroup inode: $A_INO -> $ino" "memory limit: $A_LIM -> $lim" \
			"status: $(ct_status "$CT")"
	fi
	local new
	new=$(tail -n +$((A_LOGLINES + 1)) "$LOG_FILE" 2>/dev/null | grep -E "CT $CT : .*(stop|kill|halt|start)" || true)
	[ -z "$new" ] && ok "$what: A's log shows no stop, kill or start" || fail "$what: A's log shows no stop, kill or start" "$new"
}
a_snapshot() {
	A_INIT=$(state_init "$A_RUN")
	A_BOOTS=$(state_boots "$A_RUN")
	A_INO=$(stat -c %i "$(cg_unified "$A_CG")" 2>/dev/null)
	A_LIM=$(mem_limit "$A_CG")
	A_LOGLINES=$(wc -l < "$LOG_FILE")
	log "A: init $A_INIT, boot $A_BOOTS, cgroup $(cg_unified "$A_CG") inode $A_INO, memory limit $A_LIM"
}
A_CG=$CG_NAME
cg_unified "$A_CG" > /dev/null || skip "no cgroup2 hierarchy found for this shell"

# ==== 1. both worlds name the same cgroup directory ==========================================
log "---- 1. world B names the same cgroup directory as A: self/$CG_NAME"
mkworld b "self/$CG_NAME" 8
B=$TMPD/b
create_ct "$CT" --ram 64M
start_ct "$CT"
a_snapshot
[ "$A_LIM" = 67108864 ] && ok "A's memory limit is 64M" || fail "A's memory limit is 64M" "$A_LIM"
check "B: create $CT (its own private area)" in_world "$B" create "$CT" --ram 32M

run in_world "$B" start "$CT"
[ "$RC" = 38 ] && ok "B: start $CT refused with exit 38" || fail "B: start $CT refused with exit 38 (got $RC)" "$OUT"
expect_match "cgroup .*/$CG_NAME/$CT already holds processes" "$OUT" "B: the refusal names the cgroup"
[ ! -e "$B/run/$CT.state" ] && ok "B: no state file after the refused start" || fail "B: no state file after the refused start" "$(cat "$B/run/$CT.state")"
run in_world "$B" status "$CT"
expect_match "^CTID $CT exist down$" "$OUT" "B: its container is down"
a_untouched "after B's refused start"

run in_world "$B" stop "$CT" --fast
[ "$RC" = 31 ] && ok "B: stop --fast of its (stopped) $CT: not running, exit 31" || fail "B: stop --fast: exit 31 (got $RC)" "$OUT"
a_untouched "after B's stop --fast"
expect_exit 31 in_world "$B" set "$CT" --ram 48M
check "B: set --ram 48M --save (its config only)" in_world "$B" set "$CT" --ram 48M --save
a_untouched "after B's set"

# B runs CT N in that directory while A's is stopped, then crashes: its monitor and init die
# (both are this test's processes), its state file and its empty cgroup stay behind
check "A: stop $CT" cc stop "$CT" --fast
check "B: start $CT in the directory A left" in_world "$B" start "$CT"
b_ino=$(stat -c %i "$(cg_unified "$CG_NAME")")
b_mon=$(state_monitor "$B/run")
read -r b_init _ <<< "$(state_init "$B/run")"
if [ -n "$b_mon" ] && [ -n "$b_init" ]; then
	kill -9 "$b_mon"
	kill -9 "$b_init"
	wait_for 10 sh -c "! test -e /proc/$b_init && ! grep -q . $(cg_unified "$CG_NAME")/ct/cgroup.procs" &&
		ok "B crashed: monitor $b_mon and init $b_init killed, its cgroup (inode $b_ino) empty" ||
		fail "B crashed: its processes are gone"
else
	fail "B's state names its monitor and init" "$(cat "$B/run/$CT.state" 2>&1)"
fi
[ -e "$B/run/$CT.state" ] && ok "B's stale state file stays" || fail "B's stale state file stays"

check "A: start $CT in the empty cgroup B left behind" cc start "$CT"
a_snapshot
[ "$A_INO" != "$b_ino" ] && ok "A's start made a new cgroup (inode $b_ino -> $A_INO)" || fail "A's start made a new cgroup (inode $b_ino -> $A_INO)"
grep -q "removing the empty cgroup .*/$CG_NAME/$CT" "$LOG_FILE" && ok "A's log says it removed the cgroup B left" ||
	fail "A's log says it removed the cgroup B left" "$(tail -5 "$LOG_FILE")"

# B's record names the path, but that cgroup is A's now
run in_world "$B" stop "$CT" --fast
log "B: stop --fast: exit $RC: $OUT"
a_untouched "after B's stop --fast with a stale record"
[ ! -e "$B/run/$CT.state" ] && ok "B's stale state file is gone" || fail "B's stale state file is gone"
expect_match "not the one this container was started in" "$(cat "$B/cellctl.log")" "B's log says the cgroup is not its own"
run in_world "$B" start "$CT"
[ "$RC" = 38 ] && ok "B: start $CT beside A's running one refused, exit 38" || fail "B: start refused with 38 (got $RC)" "$OUT"
check "B: destroy $CT" in_world "$B" destroy "$CT"
[ ! -e "$B/private/$CT" ] && ok "B: its private area is gone" || fail "B: its private area is gone"
[ -d "$PRIV_DIR/$CT/bin" ] && ok "A: its private area is intact" || fail "A: its private area is intact"
a_untouched "after B's destroy"
expect_output '^alive$' cc exec "$CT" -- echo alive

# ==== 2. different directory names ================================================================
log "---- 2. world C names its own directory: self/$CG_NAME-c"
mkworld c "self/$CG_NAME-c" 16
C=$TMPD/c
check "C: create $CT" in_world "$C" create "$CT" --ram 32M
check "C: start $CT beside A's" in_world "$C" start "$CT"
c_cg=$(cg_unified "$CG_NAME-c")
[ -d "$c_cg" ] && ok "C's container runs in its own cgroup ($c_cg)" || fail "C's container runs in its own cgroup" "$c_cg"
[ "$(state_init "$C/run")" != "$A_INIT" ] && ok "two inits" || fail "two inits"
a_untouched "after C's start"
check "C: set $CT --ram 48M (live)" in_world "$C" set "$CT" --ram 48M
[ "$(mem_limit "$CG_NAME-c")" = 50331648 ] && ok "C's limit is 48M" || fail "C's limit is 48M" "$(mem_limit "$CG_NAME-c")"
a_untouched "after C's live set"
check "C: stop $CT --fast" in_world "$C" stop "$CT" --fast
a_untouched "after C's stop --fast"
[ ! -e "$c_cg" ] && ok "C's cgroup is gone" || fail "C's cgroup is gone" "$c_cg"

# and the other way round: A acts, C's container keeps running
check "C: start $CT again" in_world "$C" start "$CT"
c_init=$(state_init "$C/run")
c_limit=$(mem_limit "$CG_NAME-c")
check "A: set $CT --ram 96M (live)" cc set "$CT" --ram 96M
check "A: stop $CT --fast" cc stop "$CT" --fast
check "A: destroy $CT" cc destroy "$CT"
if [ "$(state_init "$C/run")" = "$c_init" ] && alive $c_init && [ "$(mem_limit "$CG_NAME-c")" = "$c_limit" ]; then
	ok "after A's set, stop --fast and destroy: C's container untouched (init $c_init, limit $c_limit)"
else
	fail "C's container untouched by A" "init $c_init -> $(state_init "$C/run")" "limit $c_limit -> $(mem_limit "$CG_NAME-c")"
fi
run in_world "$C" exec "$CT" -- echo alive
expect_match '^alive$' "$OUT" "C's container answers"
check "C: stop $CT" in_world "$C" stop "$CT" --fast
check "C: destroy $CT" in_world "$C" destroy "$CT"

# ==== 3. both worlds start CT N in the same directory at the same moment ===========================
# Exactly one may win the directory; the other is refused (38) and leaves nothing; the winner runs
# in the cgroup its state file records (same inode).
log "---- 3. A and B start $CT in the same directory at once"
mkworld b2 "self/$CG_NAME" 24
B2=$TMPD/b2
create_ct "$CT"
check "B: create $CT" in_world "$B2" create "$CT"
rec_ino() { awk -v r="$CG_NAME/$CT" '$1 == "unified" && $3 == r {print $4}' "$1/$CT.state" 2>/dev/null; }
for round in 1 2 3 4 5; do
	cc start "$CT" > "$TMPD/ra" 2>&1 &
	pa=$!
	in_world "$B2" start "$CT" > "$TMPD/rb" 2>&1 &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	win="" run_dir=""
	if [ $ra = 0 ] && [ $rb = 0 ]; then
		fail "round $round: both starts succeeded" "A: $(cat "$TMPD/ra")" "B: $(cat "$TMPD/rb")"
	elif [ $ra = 0 ]; then
		win=A run_dir=$A_RUN
	elif [ $rb = 0 ]; then
		win=B run_dir=$B2/run
	else
		warn "round $round: neither start won (A: $ra $(cat "$TMPD/ra"); B: $rb $(cat "$TMPD/rb"))"
	fi
	if [ -n "$win" ]; then
		lose=$([ $win = A ] && echo "$rb $(cat "$TMPD/rb")" || echo "$ra $(cat "$TMPD/ra")")
		case "$lose" in
		38\ *) ok "round $round: $win started, the other was refused with 38" ;;
		*) fail "round $round: $win started, the other refused with 38" "$lose" ;;
		esac
		ino=$(stat -c %i "$(cg_unified "$CG_NAME")" 2>/dev/null)
		[ -n "$ino" ] && [ "$(rec_ino "$run_dir")" = "$ino" ] && ok "round $round: $win runs in the cgroup its state records (inode $ino)" ||
			fail "round $round: $win runs in the cgroup its state records" "recorded $(rec_ino "$run_dir"), found $ino"
		read -r ip _ <<< "$(state_init "$run_dir")"
		grep -q "/$CG_NAME/$CT/" "/proc/$ip/cgroup" 2>/dev/null && ok "round $round: $win's init is in it" ||
			fail "round $round: $win's init is in its cgroup" "$(cat "/proc/$ip/cgroup" 2>&1)"
	fi
	[ $ra = 0 ] && { check "round $round: A: stop" cc stop "$CT" --fast; }
	[ $rb = 0 ] && { check "round $round: B: stop" in_world "$B2" stop "$CT" --fast; }
	[ $ra != 0 ] && [ ! -e "$A_RUN/$CT.state" ] || [ $ra = 0 ] || fail "round $round: A's refused start left a state file"
	[ $rb != 0 ] && [ ! -e "$B2/run/$CT.state" ] || [ $rb = 0 ] || fail "round $round: B's refused start left a state file"
done
leak_check "after the concurrent starts"
check "A: destroy $CT" cc destroy "$CT"
check "B: destroy $CT" in_world "$B2" destroy "$CT"
finish
