#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18, action scripts: vzctl's CTID.premount, .mount, .start, .stop, .umount, .postumount and
# the global vps.* run once each, in order, with their environment (the inside ones in the guest);
# premount/mount/start failures abort the start with exit 79 and leave nothing behind, a failing
# stop script is logged and the stop succeeds, the timeout kills a script's whole process group,
# unsafe files (writable by others, not root's, a symlink) are refused, no scripts: nothing runs.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
REC=$TMPD/hooks.rec
export HOOK_LEAK_CHECK=from-the-caller

# mkhook NAME BODY: an executable root-owned script NAME in the config directory
mkhook() {
	printf '#!/bin/sh\n%s\n' "$2" > "$CONF_DIR/$1"
	chmod 755 "$CONF_DIR/$1"
}
# pfile PATH: a file of the guest's tree in its private area (layout overlay: the upper layer)
pfile() { if [ -d "$PRIV_DIR/$CT/upper" ]; then echo "$PRIV_DIR/$CT/upper/$1"; else echo "$PRIV_DIR/$CT/$1"; fi; }
rmhooks() { rm -f "$CONF_DIR"/vps.* "$CONF_DIR/$CT".{premount,mount,start,stop,umount,postumount}; }
# one line per host script: phase, then the variables, then the names of everything in its env
HOSTREC='echo "$CELLCTL_HOOK|$VEID|$CTID|$VE_CONFFILE|$VE_PRIVATE|$VE_STATE|$PATH|$(env | cut -d= -f1 | sort | tr "\n" ,)" >> '"$REC"

create_ct "$CT"
chmod 755 "$CONF_DIR"

# ---- no scripts: nothing happens -----------------------------------------------------------
start_ct "$CT"
check "stop $CT (no scripts)" cc stop "$CT"
grep -q 'action script' "$LOG_FILE" && fail "no scripts: none run" "$(grep 'action script' "$LOG_FILE")" ||
	ok "no scripts: nothing in the log about action scripts"

# ---- all of them: once each, in order, with their environment -------------------------------
mkhook vps.mount "echo vps.mount >> $REC"
mkhook vps.umount "echo vps.umount >> $REC"
mkhook "$CT.premount" "$HOSTREC; [ -d \"\$VE_ROOT\" ] && echo premount-root=\$VE_ROOT >> $REC"
mkhook "$CT.mount" "$HOSTREC; [ -x \"\$VE_ROOT/bin/busybox\" ] && [ -d \"\$VE_ROOT/proc/1\" ] && echo mount-sees-root >> $REC
printf 'host-says \\033[31mred\\n'"
mkhook "$CT.start" 'echo "start|$VEID|$VE_STATE|$CELLCTL_HOOK|$VE_ROOT|$(hostname)|$(cat /proc/1/comm)|${HOOK_LEAK_CHECK:-none}" >> /hooks-inside.log
printf "guest-says \033]0;title\007\n"'
mkhook "$CT.stop" 'echo "stop|$VEID|$VE_STATE|$CELLCTL_HOOK" >> /hooks-inside.log; touch /stop-ran'
mkhook "$CT.umount" "$HOSTREC; [ -e \"\$VE_ROOT/stop-ran\" ] && echo umount-sees-root-after-stop >> $REC"
mkhook "$CT.postumount" "$HOSTREC"
: > "$REC"
start_ct "$CT"
run cc exec "$CT" -- cat /hooks-inside.log
expect_match "^start\|$CT\|starting\|start\|/\|[^|]+\|init\|none$" "$OUT" "the start script ran inside the guest, with its environment and not the caller's"
# a reboot from inside runs no script (the container is neither stopped nor started by cellctl)
init_start() { cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}'; }
booted_again() { is_running "$CT" && s=$(init_start) && [ -n "$s" ] && [ "$s" != "$1" ]; }
s0=$(init_start)
nrec=$(wc -l < "$REC")
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot >/dev/null 2>&1
if wait_for 60 booted_again "$s0"; then
	[ "$(wc -l < "$REC")" = "$nrec" ] && [ "$(cc exec "$CT" -- cat /hooks-inside.log | wc -l)" = 1 ] &&
		ok "a reboot from inside runs no action script" || fail "a reboot from inside runs no action script" "$(cat "$REC")"
else
	fail "the guest rebooted" "$(ct_status "$CT")"
fi
check "stop $CT" cc stop "$CT"
inside=$(cat "$(pfile hooks-inside.log)" 2>&1)
expect_match "^stop\|$CT\|stopping\|stop$" "$inside" "the stop script ran inside the guest before the stop"
[ "$(grep -c . <<< "$inside")" = 2 ] && ok "the inside scripts ran once each" || fail "the inside scripts ran once each" "$inside"
order=$(cut -d'|' -f1 "$REC" | tr '\n' ' ')
expect_match '^premount premount-root=[^ ]+ vps.mount mount mount-sees-root vps.umount umount umount-sees-root-after-stop postumount $' "$order" "host scripts once each, in order, global first ($order)"
expect_match "^premount-root=$PRIV_DIR/$CT\$" "$(grep premount-root "$REC")" "premount: VE_ROOT is the private area"
for ph in premount mount umount postumount; do
	line=$(grep "^$ph|" "$REC")
	st=starting
	case $ph in umount | postumount) st=stopping ;; esac
	expect_match "^$ph\|$CT\|$CT\|$CONF_DIR/$CT.conf\|$PRIV_DIR/$CT\|$st\|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\|" "$line" "$ph: VEID, CTID, VE_CONFFILE, VE_PRIVATE, VE_STATE, PATH"
	names=$(cut -d'|' -f8 <<< "$line")
	if grep -Eq 'HOOK_LEAK_CHECK|CELLCTL_CONF|HOME|TERM|SUDO|SSH' <<< "$names"; then
		fail "$ph: nothing of the caller's environment" "$names"
	else
		ok "$ph: nothing of the caller's environment ($names)"
	fi
done
grep -q "action script $CT.mount: host-says" "$LOG_FILE" && grep -q "action script $CT.start: guest-says" "$LOG_FILE" &&
	ok "the scripts' output is in the log" || fail "the scripts' output is in the log" "$(grep 'action script' "$LOG_FILE")"
grep -a 'says' "$LOG_FILE" | grep -q $'\033' && fail "the scripts' output is escaped in the log" "$(grep -a says "$LOG_FILE" | cat -A)" ||
	ok "the scripts' output is escaped in the log (no raw ESC)"
grep -a 'action script' "$LOG_FILE" | sed 's/^/# log: /'
leak_check "after a run with every script"

# ---- a privileged container (no user namespace): the inside scripts run there too -----------
CT2=$(ctid 2)
create_ct "$CT2" --userns no
mkhook "$CT2.start" 'echo "start|$VEID|$(id -u)|$(cat /proc/1/comm)" > /hooks-inside.log'
mkhook "$CT2.stop" 'echo "stop|$VEID" >> /hooks-inside.log'
start_ct "$CT2"
expect_output "^start\|$CT2\|0\|init$" cc exec "$CT2" -- cat /hooks-inside.log
check "stop $CT2" cc stop "$CT2"
expect_match "^stop\|$CT2$" "$(cat "$PRIV_DIR/$CT2/hooks-inside.log" "$PRIV_DIR/$CT2/upper/hooks-inside.log" 2>/dev/null)" "privileged: the stop script ran inside"
rm -f "$CONF_DIR/$CT2".{start,stop}
check "destroy $CT2" cc destroy "$CT2"

# ---- failures before the start abort it, and leave nothing ----------------------------------
rmhooks
: > "$REC"
mkhook "$CT.premount" "echo premount >> $REC; echo premount-fails; exit 3"
mkhook "$CT.mount" "echo mount >> $REC"
expect_exit 79 cc start "$CT"
expect_match 'action script .*premount failed \(exit status 3\)' "$OUT" "premount failure: the message says which script and its status"
is_down "$CT" && ok "premount failure: the container is down" || fail "premount failure: the container is down" "$(ct_status "$CT")"
[ "$(cat "$REC")" = premount ] && ok "premount failure: the mount script did not run" || fail "premount failure: the mount script did not run" "$(cat "$REC")"
leak_check "after a premount failure"

: > "$REC"
mkhook "$CT.premount" "echo premount >> $REC"
mkhook "$CT.mount" "echo mount >> $REC; exit 1"
mkhook "$CT.start" "echo start-ran > /start-ran"
rm -f "$(pfile start-ran)"
expect_exit 79 cc start "$CT"
expect_match 'action script .*mount failed' "$OUT" "mount failure: the message names the script"
is_down "$CT" && ok "mount failure: the container is down" || fail "mount failure: the container is down" "$(ct_status "$CT")"
[ ! -e "$(pfile start-ran)" ] && [ "$(tr '\n' ' ' < "$REC")" = "premount mount " ] &&
	ok "mount failure: the start script did not run" || fail "mount failure: the start script did not run" "$(cat "$REC")"
leak_check "after a mount failure"

# a failing start script: the start fails (79) and the container is stopped, with its umount and
# postumount scripts (as vzctl)
rmhooks
: > "$REC"
mkhook "$CT.start" "exit 5"
mkhook "$CT.umount" "echo umount >> $REC"
mkhook "$CT.postumount" "echo postumount >> $REC"
expect_exit 79 cc start "$CT"
expect_match 'failed inside the container \(exit status 5\)' "$OUT" "start failure: the message gives the status"
is_down "$CT" && ok "start failure: the container was stopped" || fail "start failure: the container was stopped" "$(ct_status "$CT")"
[ "$(tr '\n' ' ' < "$REC")" = "umount postumount " ] && ok "start failure: umount and postumount ran" ||
	fail "start failure: umount and postumount ran" "$(cat "$REC")"
leak_check "after a start-script failure"

# stop --fast: no stop script (the guest is killed), but the umount and postumount scripts, with
# VE_ROOT the guest's root as at a clean stop (stop --fast reads the config only for them)
rmhooks
: > "$REC"
mkhook "$CT.stop" "echo stop >> $REC"
mkhook "$CT.umount" "[ -e \"\$VE_ROOT/bin/sh\" ] && echo umount-sees-root >> $REC"
mkhook "$CT.postumount" "echo postumount >> $REC"
start_ct "$CT"
check "stop --fast with umount and postumount scripts" cc stop "$CT" --fast
[ "$(tr '\n' ' ' < "$REC")" = "umount-sees-root postumount " ] && ok "stop --fast: umount (seeing the root) and postumount ran, no stop script" ||
	fail "stop --fast: umount (seeing the root) and postumount ran, no stop script" "$(cat "$REC")"
is_down "$CT" && ok "stop --fast: the container is down" || fail "stop --fast: the container is down"

# a failing stop script: logged, the stop succeeds
rmhooks
mkhook "$CT.stop" "echo stop-script-fails; exit 4"
start_ct "$CT"
check "stop succeeds although its stop script fails" cc stop "$CT"
expect_match 'stop failed inside the container \(exit status 4\)' "$OUT" "the stop script's failure is reported as a warning"
is_down "$CT" && ok "the container is down" || fail "the container is down"
grep -q "action script $CT.stop: stop-script-fails" "$LOG_FILE" && ok "the stop script's output is in the log" ||
	fail "the stop script's output is in the log"

# ---- the timeout kills the script's whole process group -------------------------------------
rmhooks
sed -i 's/^\[defaults\]$/[defaults]\naction_script_timeout = 1/' "$CONF"
mkhook "$CT.premount" "sleep 1000 & echo \$! > $TMPD/bgpid; sleep 1000"
t0=$(date +%s%N)
expect_exit 79 cc start "$CT"
ms=$((($(date +%s%N) - t0) / 1000000))
expect_match 'timed out after 1 s' "$OUT" "premount timeout: the message says so"
[ "$ms" -lt 8000 ] && ok "premount timeout: start failed after $ms ms" || fail "premount timeout: start failed after $ms ms"
bg=$(cat "$TMPD/bgpid" 2>/dev/null)
sleep 0.2
if [ -n "$bg" ] && [ -e "/proc/$bg" ] && ! grep -q '^State:.*Z' "/proc/$bg/status" 2>/dev/null; then
	fail "premount timeout: the script's background child was killed too" "$(cat "/proc/$bg/status" | head -3)"
else
	ok "premount timeout: the script's background child was killed too"
fi
leak_check "after a premount timeout"
rmhooks
mkhook "$CT.start" "sleep 1000"
t0=$(date +%s%N)
expect_exit 79 cc start "$CT"
ms=$((($(date +%s%N) - t0) / 1000000))
expect_match 'timed out after 1 s' "$OUT" "start-script timeout: the message says so"
[ "$ms" -lt 15000 ] && ok "start-script timeout: start failed after $ms ms" || fail "start-script timeout: start failed after $ms ms"
is_down "$CT" && ok "start-script timeout: the container was stopped" || fail "start-script timeout: the container was stopped"
leak_check "after a start-script timeout"
sed -i '/^action_script_timeout = 1$/d' "$CONF"

# ---- unsafe files are refused ------------------------------------------------------------
rmhooks
mkhook "$CT.premount" "exit 0"
chmod 757 "$CONF_DIR/$CT.premount"
expect_exit 79 cc start "$CT"
expect_match 'refused: it is writable by group or others' "$OUT" "a world-writable script is refused"
chmod 755 "$CONF_DIR/$CT.premount"
chown 1000 "$CONF_DIR/$CT.premount"
expect_exit 79 cc start "$CT"
expect_match 'refused: it is not owned by root' "$OUT" "a script not owned by root is refused"
rm -f "$CONF_DIR/$CT.premount"
mkhook target "exit 0"
ln -s "$CONF_DIR/target" "$CONF_DIR/$CT.premount"
expect_exit 79 cc start "$CT"
expect_match 'refused: it is a symbolic link' "$OUT" "a symlinked script is refused"
rm -f "$CONF_DIR/$CT.premount" "$CONF_DIR/target"
mkhook "$CT.stop" "exit 0"
chmod 777 "$CONF_DIR"
start_ct "$CT"
check "stop with a refused stop script" cc stop "$CT"
expect_match 'the directory ct is writable by group or others' "$OUT" "a script in a directory others can write is refused (logged at stop)"
chmod 755 "$CONF_DIR"
rmhooks
is_down "$CT" && ok "the container is down after the refusals" || fail "the container is down after the refusals"
finish
