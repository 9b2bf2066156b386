#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (migration between hosts, offline): `cellctl migrate CTID DEST` between two "hosts" on
# this machine: host A is the test's own netns and config, host B a second netns with its own
# config (config, private and run dirs, bridge, cgroup parent, user-ID block: a different block
# forces the ownership rebase a real second host takes). A running busybox container moves A->B
# over a wrapper as `ssh` (nsenter into B) and keeps its IP, MAC, hostname, files and owners; one
# moves over a real sshd listening only in B's netns (keys made here, a forced command giving the
# destination's cellctl its config), the source kept stopped and disabled. Hostile: the
# destination dies mid-copy (the source runs again as before, nothing is left on B); the CTID is
# taken on B (refused before the source stops); bad DEST strings; --online where CRIU cannot
# checkpoint (this host: CRIU 3.17 on a 6.13+ kernel) refused with 162 and CRIU's reason before
# anything is asked of B or changed here; --online of a stopped container moves it offline and
# says so. (Online migration itself: t_migrate_online, in the VM.)
. "$(dirname "$0")/lib.sh"

need_template
command -v python3 >/dev/null || skip "python3 missing"
command -v sha256sum >/dev/null || skip "sha256sum missing"
leak_snapshot

CT1=$(ctid 1)
CT2=$(ctid 2)
CT3=$(ctid 3)
HB=$TMPD/hostb
NSB="cctb-migr-$CCT_ID"
SSHD_PID=""
MADE_RUN_SSHD=0

# ---- host B -------------------------------------------------------------------------------
second_host "$NSB" "$HB" || { fail "ip netns add $NSB"; finish; }
ccb() { CELLCTL_CONF=$HB/cellctl.conf nsenter --net="/run/netns/$NSB" -- "$CELLCTL" "$@"; }

mig_cleanup() {
	local c
	[ -n "$SSHD_PID" ] && kill -9 "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
	if [ -e "/run/netns/$NSB" ]; then
		for c in "$CT1" "$CT2" "$CT3" "$(ctid 4)" "$(ctid 5)"; do
			[ -e "$HB/ct/$c.conf" ] || continue
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" stop "$c" --fast >/dev/null 2>&1
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" destroy "$c" >/dev/null 2>&1
		done
		ip netns del "$NSB" 2>/dev/null
	fi
	[ $MADE_RUN_SSHD = 1 ] && rmdir /run/sshd 2>/dev/null
	MADE_RUN_SSHD=0
}
trap 'rc=$?; mig_cleanup; (exit $rc); cleanup' EXIT

# the wrapper as ssh: [options] HOST WORDS... -> the words run by a shell (as sshd does) in B's
# netns with B's config. MIG_KILL_AFTER=N: the receiver of restore-backup (of MIG_KILL_CMD) gets N
# bytes, then dies. MIG_HOLD=FILE: the copy waits until FILE exists (the source is stopped
# meanwhile). MIG_AFTER_PRECOPY=SCRIPT: run once the pre-copy's receiver is done (the guest changing
# files before the stop). MIG_SAVE=FILE: the final pass's stream is saved there too.
cat > "$TMPD/fakessh" <<EOF
#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
while [ \$# -gt 0 ]; do case \$1 in -p|-i|-o|-F) shift 2 ;; -*) shift ;; *) break ;; esac; done
host=\$1
shift
echo "\$host \$*" >> "$TMPD/fakessh.log"
run() { exec nsenter --net=/run/netns/$NSB env CELLCTL_CONF=$HB/cellctl.conf sh -c "exec \$*"; }
if [ -n "\${MIG_HOLD:-}" ] && [[ " \$* " == *" restore-backup "* ]]; then
	for _ in \$(seq 1 300); do [ -e "\$MIG_HOLD" ] && break; sleep 0.1; done
fi
if [ -n "\${MIG_KILL_AFTER:-}" ] && [[ " \$* " == *" \${MIG_KILL_CMD:-restore-backup} "* ]]; then
	fifo=$TMPD/fakessh.fifo
	rm -f "\$fifo"
	mkfifo "\$fifo"
	( run "\$@" ) < "\$fifo" &
	rpid=\$!
	exec 3> "\$fifo"
	head -c "\$MIG_KILL_AFTER" >&3
	sleep 0.5
	kill -9 \$rpid
	wait \$rpid
	exec 3>&-
	rm -f "\$fifo"
	echo "fakessh: the receiver died after \$MIG_KILL_AFTER bytes" >&2
	exit 255
fi
if [ -n "\${MIG_AFTER_PRECOPY:-}" ] && [[ " \$* " == *" migrate-precopy "* ]] && [[ " \$* " != *" --abort "* ]]; then
	( run "\$@" )
	rc=\$?
	[ \$rc = 0 ] && bash "\$MIG_AFTER_PRECOPY" >> "$TMPD/after-precopy.log" 2>&1
	exit \$rc
fi
if [ -n "\${MIG_SAVE:-}" ] && [[ " \$* " == *" restore-backup "* ]]; then
	tee "\$MIG_SAVE" | ( run "\$@" )
	exit \${PIPESTATUS[1]}
fi
if [ -n "\${MIG_FAIL_START:-}" ] && [ "\$2" = start ]; then
	echo "fakessh: start refused for the test" >&2
	exit 1
fi
run "\$@"
EOF
mig_transport "$TMPD/fakessh"

# the container's view: address, MAC, hostname, a file's sha and owner
view() {
	local fn=$1 ct=$2
	$fn exec "$ct" -- sh -c 'ip -o -4 addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address; hostname;
		sha256sum /data/blob | cut -d" " -f1; stat -c %u:%g /data/blob /data/owned'
}
conf_val() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | head -1; }

# ---- 1. a running container A->B over the wrapper ------------------------------------------
# ownership shifted: the host ids on disk are the block's (mapped would keep container-relative
# ids on disk, the same on both hosts)
create_ct "$CT1" --hostname mig1 --ipadd 10.77.0.101/24 --ownership shifted
start_ct "$CT1"
check "the guest's files" cc exec "$CT1" -- sh -c 'mkdir -p /data; dd if=/dev/urandom of=/data/blob bs=1k count=300 2>/dev/null;
	echo mine > /data/owned; chown 1000:1001 /data/owned; chown 33:33 /data/blob'
VIEW_A=$(view cc "$CT1")
log "view on A: $(echo $VIEW_A)"
expect_match '^10\.77\.0\.101/24' "$VIEW_A" "the source container has its address"
UIDA=$(stat -c %u "$PRIV_DIR/$CT1/data/owned")
BASEA=$(conf_val "$CONF_DIR/$CT1.conf" uid_base)
[ "$UIDA" = $((BASEA + 1000)) ] && ok "on A the owner is in A's block ($UIDA)" || fail "on A the owner is in A's block" "$UIDA, base $BASEA"

run cc migrate "$CT1" hostb -j
if [ "$RC" = 0 ]; then ok "migrate $CT1 hostb -j"; else fail "migrate $CT1 hostb -j (exit $RC)" "$OUT" "$(cat "$TMPD/fakessh.log" 2>/dev/null)"; fi
JSON=$(grep '^{' <<< "$OUT" | tail -1)
DOWN1=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["was_running"] and d["source"]=="destroyed" and d["mode"]=="offline"
assert abs(d["stop"] + d["copy"] + d["start"] - d["downtime"]) < 0.01; print(d["downtime"])' "$JSON" 2>/dev/null) &&
	ok "JSON: was_running, source destroyed, downtime $DOWN1 s" || fail "the JSON line" "$OUT"
log "downtime (busybox, wrapper): $DOWN1 s"
check "the destination's check and restore went through ssh words" grep -q "^hostb $CELLCTL migrate-check $CT1 - --json\$" "$TMPD/fakessh.log"
expect_match "hostb $CELLCTL restore-backup - $CT1" "$(cat "$TMPD/fakessh.log")" "the copy is restore-backup - CTID there"
wait_for 5 ccb exec "$CT1" -- true
[ "$(ccb status "$CT1" 2>&1)" = "CTID $CT1 exist running" ] && ok "$CT1 runs on B" || fail "$CT1 runs on B" "$(ccb status "$CT1" 2>&1)"
is_deleted "$CT1" && ok "$CT1 is gone from A" || fail "$CT1 is gone from A" "$(ct_status "$CT1")"
[ ! -e "$PRIV_DIR/$CT1" ] && ok "A's private area of $CT1 is removed" || fail "A's private area of $CT1 is removed"
VIEW_B=$(view ccb "$CT1")
[ "$VIEW_A" = "$VIEW_B" ] && ok "on B: the same address, MAC, hostname, file sha and owners (in the container)" ||
	fail "the container's view on B" "A: $VIEW_A" "B: $VIEW_B"
BASEB=$(conf_val "$HB/ct/$CT1.conf" uid_base)
UIDB=$(stat -c %u "$HB/private/$CT1/data/owned")
[ -n "$BASEB" ] && [ "$UIDB" = $((BASEB + 1000)) ] && [ "$UIDB" != "$UIDA" ] &&
	ok "owners rebased onto B's block on disk ($UIDA on A, $UIDB = $BASEB + 1000 on B)" ||
	fail "owners rebased on B" "A $UIDA, B $UIDB, B's base $BASEB"
[ "$(conf_val "$HB/ct/$CT1.conf" uuid)" != "" ] && ok "B's config keeps a UUID" || fail "B's config keeps a UUID"
[ -z "$(ls -A "$HB/private" | grep -v "^$CT1\$")" ] && ok "nothing else in B's private dir (no spool, no partial)" ||
	fail "nothing else in B's private dir" "$(ls -la "$HB/private")"

# ---- 2. refused before anything happens ----------------------------------------------------
create_ct "$CT3" --hostname mig3 --ipadd 10.77.0.103/24
start_ct "$CT3"
check "a file in $CT3" cc exec "$CT3" -- sh -c 'mkdir -p /data; dd if=/dev/urandom of=/data/blob bs=1k count=2000 2>/dev/null;
	echo x > /data/owned; chown 1000:1001 /data/owned'
VIEW3=$(view cc "$CT3")
MON3=$(monitor_pid "$CT3")
: > "$TMPD/fakessh.log"
expect_exit 20 cc migrate "$CT3" "-oProxyCommand=touch $TMPD/pwned" # (an unknown option)
for d in "-oProxyCommand=touch $TMPD/pwned" "root@-oProxyCommand=x" "host b" "hostb;reboot" " hostb" 'host$(id)' "hostb:0"; do
	expect_exit 21 cc migrate "$CT3" -- "$d"
done
[ ! -s "$TMPD/fakessh.log" ] && [ ! -e "$TMPD/pwned" ] && ok "no bad DEST reached ssh" || fail "no bad DEST reached ssh" "$(cat "$TMPD/fakessh.log")"
if criu check >/dev/null 2>&1; then
	log "criu check passes here: --online is tested by t_migrate_online"
else
	: > "$TMPD/fakessh.log"
	expect_exit 162 cc migrate "$CT3" hostb --online
	expect_match 'online migration is not possible: this host cannot checkpoint: .*(CRIU|criu)' "$OUT" \
		"--online: the message gives CRIU's reason"
	[ ! -s "$TMPD/fakessh.log" ] && [ "$(monitor_pid "$CT3")" = "$MON3" ] && is_running "$CT3" &&
		ok "--online refused before B was asked anything; the source runs on (the same monitor)" ||
		fail "--online refused before anything" "$(cat "$TMPD/fakessh.log")" "$(ct_status "$CT3")"
	case "$(conf_val "$CONF_DIR/$CT3.conf" disabled)" in
	"" | no) ok "--online refused: the source is not disabled" ;;
	*) fail "--online refused: the source is not disabled" "$(grep -n disabled "$CONF_DIR/$CT3.conf")" ;;
	esac
fi
check "a container $CT3 on B" ccb create "$CT3" --hostname other
expect_exit 161 cc migrate "$CT3" hostb
expect_match "exists" "$OUT" "CTID taken on B: the message says it exists"
[ "$(monitor_pid "$CT3")" = "$MON3" ] && is_running "$CT3" && ok "the source was not stopped (the same monitor)" ||
	fail "the source was not stopped" "$(ct_status "$CT3")"
check "B's $CT3 destroyed" ccb destroy "$CT3"
# an address in use by a running container on B's bridge: refused before the source stops
check "B's $CT1 takes $CT3's address too" ccb set "$CT1" --ipadd 10.77.0.103/24
expect_exit 161 cc migrate "$CT3" hostb
expect_match "10\.77\.0\.103" "$OUT" "address in use on B: the message names it"
check "B's $CT1 gives it back" ccb set "$CT1" --ipdel 10.77.0.103/24
[ "$(monitor_pid "$CT3")" = "$MON3" ] && ok "still the same monitor" || fail "still the same monitor"

# ---- 3. the destination dies mid-copy ------------------------------------------------------
# during the pre-copy: the source never stopped
MIG_KILL_CMD=migrate-precopy MIG_KILL_AFTER=300000 run cc migrate "$CT3" hostb
[ "$RC" = 160 ] && ok "pre-copy's receiver killed mid-stream: exit 160" || fail "pre-copy's receiver killed: exit 160, got $RC" "$OUT"
expect_match "pre-copy of container $CT3" "$OUT" "... the message names the pre-copy"
[ "$(monitor_pid "$CT3")" = "$MON3" ] && is_running "$CT3" && ok "... the source never stopped (the same monitor)" ||
	fail "the source never stopped during the pre-copy" "$(ct_status "$CT3")"
case "$(conf_val "$CONF_DIR/$CT3.conf" disabled)" in
"" | no) ok "... and is not left disabled" ;;
*) fail "after a failed pre-copy the source is not disabled" "$(grep -n disabled "$CONF_DIR/$CT3.conf")" ;;
esac
[ ! -e "$HB/ct/$CT3.conf" ] && [ -z "$(ls -A "$HB/private" | grep -v "^$CT1\$")" ] && ok "nothing of $CT3 on B (no pre-copy stage)" ||
	fail "nothing of $CT3 on B after the pre-copy died" "$(ls -la "$HB/ct" "$HB/private")"
# during the final copy (no pre-copy: the whole tree streams while it is down)
MIG_KILL_AFTER=300000 run cc migrate "$CT3" hostb --no-precopy
[ "$RC" = 160 ] && ok "receiver killed mid-copy: exit 160" || fail "receiver killed mid-copy: exit 160, got $RC" "$OUT"
log "$(tail -3 <<< "$OUT" | tr '\n' ' ')"
wait_for 10 cc exec "$CT3" -- true
is_running "$CT3" && ok "the source runs again" || fail "the source runs again" "$(ct_status "$CT3")"
[ "$(view cc "$CT3")" = "$VIEW3" ] && ok "the source as before (address, MAC, hostname, file, owners)" || fail "the source as before" "$(view cc "$CT3")"
[ ! -e "$HB/ct/$CT3.conf" ] && [ -z "$(ls -A "$HB/private" | grep -v "^$CT1\$")" ] && ok "nothing of $CT3 on B (config, private, spool)" ||
	fail "nothing of $CT3 on B" "$(ls -la "$HB/ct" "$HB/private")"

# ---- 3a. while the copy runs, the stopped source does not start (it is disabled meanwhile) -----
rm -f "$TMPD/hold" "$TMPD/held.rc"
: > "$TMPD/fakessh.log"
(
	MIG_HOLD=$TMPD/hold MIG_FAIL_START=1 cc migrate "$CT3" hostb > "$TMPD/held.out" 2>&1
	echo $? > "$TMPD/held.rc"
) &
wait_for 30 grep -q "restore-backup - $CT3" "$TMPD/fakessh.log"
[ "$(conf_val "$CONF_DIR/$CT3.conf" disabled)" = yes ] && ok "the source is disabled during the copy" ||
	fail "the source is disabled during the copy" "$(grep -n disabled "$CONF_DIR/$CT3.conf")"
run cc start "$CT3"
case "$RC" in
9 | 105) ok "a start of the source during the copy is refused (exit $RC)" ;;
*) fail "a start of the source during the copy is refused (exit 9 or 105)" "exit $RC: $OUT" ;;
esac
is_down "$CT3" && ok "the source stays down during the copy" || fail "the source stays down during the copy" "$(ct_status "$CT3")"
touch "$TMPD/hold"
wait_for 60 test -s "$TMPD/held.rc"
[ "$(cat "$TMPD/held.rc" 2>/dev/null)" = 160 ] && ok "the held migration failed at B's start: exit 160" ||
	fail "the held migration: exit 160" "$(cat "$TMPD/held.rc" "$TMPD/held.out" 2>&1)"
wait_for 10 cc exec "$CT3" -- true
is_running "$CT3" && ok "the source runs again" || fail "the source runs again after the held migration" "$(ct_status "$CT3")"
case "$(conf_val "$CONF_DIR/$CT3.conf" disabled)" in
"" | no) ok "the source is enabled again" ;;
*) fail "the source is enabled again" "$(grep -n disabled "$CONF_DIR/$CT3.conf")" ;;
esac
[ ! -e "$HB/ct/$CT3.conf" ] && ok "B's restored $CT3 was destroyed (held run)" || fail "B's restored $CT3 was destroyed (held run)"

# ---- 3b. the start there fails: the destination's container goes (or stays with --keep-dst) ---
MIG_FAIL_START=1 run cc migrate "$CT3" hostb
[ "$RC" = 160 ] && ok "start refused on B: exit 160" || fail "start refused on B: exit 160, got $RC" "$OUT"
expect_match "did not start on hostb" "$OUT" "the message says it did not start there"
wait_for 10 cc exec "$CT3" -- true
[ "$(view cc "$CT3")" = "$VIEW3" ] && ok "the source runs again as before" || fail "the source runs again as before" "$(ct_status "$CT3")"
[ ! -e "$HB/ct/$CT3.conf" ] && [ -z "$(ls -A "$HB/private" | grep -v "^$CT1\$")" ] && ok "B's restored $CT3 was destroyed" ||
	fail "B's restored $CT3 was destroyed" "$(ls -la "$HB/ct" "$HB/private")"
MIG_FAIL_START=1 run cc migrate "$CT3" hostb --keep-dst
[ "$RC" = 160 ] && [ "$(ccb status "$CT3" 2>&1)" = "CTID $CT3 exist down" ] && ok "--keep-dst: B keeps it, stopped" ||
	fail "--keep-dst: B keeps it, stopped (exit $RC)" "$OUT" "$(ccb status "$CT3" 2>&1)"
wait_for 10 cc exec "$CT3" -- true
is_running "$CT3" && ok "... and the source runs again" || fail "the source runs again (--keep-dst)" "$(ct_status "$CT3")"
check "B's kept $CT3 destroyed" ccb destroy "$CT3"

# ---- 3c. a stopped container: no start there, no downtime; backup -o - and restore-backup - -----
CT4=$(ctid 4)
create_ct "$CT4" --hostname mig4
check "migrate a stopped container" cc migrate "$CT4" hostb -j
expect_match '"was_running": ?false' "$OUT" "JSON: was_running false"
expect_match '"downtime": ?0\.000' "$OUT" "JSON: no downtime"
[ "$(ccb status "$CT4" 2>&1)" = "CTID $CT4 exist down" ] && ok "$CT4 on B, stopped" || fail "$CT4 on B, stopped" "$(ccb status "$CT4" 2>&1)"
check "B's $CT4 destroyed" ccb destroy "$CT4"
create_ct "$CT4" --hostname mig4
: > "$TMPD/fakessh.log"
check "migrate --online a stopped container" cc migrate "$CT4" hostb --online
expect_match "^Container $CT4 is not running: --online migrates it offline" "$OUT" "--online of a stopped container: it says it moves offline"
expect_match "migrate-check $CT4 - --json\$" "$(cat "$TMPD/fakessh.log")" "... and asks B no CRIU check"
[ "$(ccb status "$CT4" 2>&1)" = "CTID $CT4 exist down" ] && ok "$CT4 on B, stopped (--online)" || fail "$CT4 on B, stopped (--online)" "$(ccb status "$CT4" 2>&1)"
expect_exit 20 ccb backup "$CT4" -o - -j
run bash -c "CELLCTL_CONF=$HB/cellctl.conf nsenter --net=/run/netns/$NSB -- $CELLCTL backup $CT4 -o - > $TMPD/pipe.tar.zst"
[ "$RC" = 0 ] && [ "$(head -c 4 "$TMPD/pipe.tar.zst" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] && ok "backup -o -: a zstd stream on stdout" ||
	fail "backup -o -" "$OUT"
check "B's $CT4 destroyed" ccb destroy "$CT4"
run bash -c "CELLCTL_CONF=$CONF nsenter --net=/run/netns/$NS -- $CELLCTL restore-backup - $CT4 < $TMPD/pipe.tar.zst"
[ "$RC" = 0 ] && is_down "$CT4" && ok "restore-backup - reads it from stdin" || fail "restore-backup - reads stdin" "$OUT"
[ "$(conf_val "$CONF_DIR/$CT4.conf" hostname)" = mig4 ] && ok "... the same container" || fail "restored from stdin: hostname" "$(cat "$CONF_DIR/$CT4.conf")"
check "destroy $CT4" cc destroy "$CT4"
if command -v script >/dev/null; then
	# a terminal as stdin or stdout: refused, nothing read or written
	script -qec "nsenter --net=/run/netns/$NS -- env CELLCTL_CONF=$CONF $CELLCTL restore-backup - $CT4; echo rc=\$?" /dev/null > "$TMPD/tty.out" 2>&1 < /dev/null
	grep -q 'rc=21' "$TMPD/tty.out" && is_deleted "$CT4" && ok "restore-backup - from a terminal: exit 21" || fail "restore-backup - from a terminal" "$(cat "$TMPD/tty.out")"
	script -qec "nsenter --net=/run/netns/$NS -- env CELLCTL_CONF=$CONF $CELLCTL backup $CT3 -o -; echo rc=\$?" /dev/null > "$TMPD/tty.out" 2>&1 < /dev/null
	grep -q 'rc=21' "$TMPD/tty.out" && ok "backup -o - to a terminal: exit 21" || fail "backup -o - to a terminal" "$(head -c 300 "$TMPD/tty.out")"
	script -qec "nsenter --net=/run/netns/$NS -- env CELLCTL_CONF=$CONF $CELLCTL migrate-check $CT4 -; echo rc=\$?" /dev/null > "$TMPD/tty.out" 2>&1 < /dev/null
	grep -q 'rc=21' "$TMPD/tty.out" && ok "migrate-check - from a terminal: exit 21" || fail "migrate-check - from a terminal" "$(cat "$TMPD/tty.out")"
fi
head -c 100000 "$TMPD/pipe.tar.zst" > "$TMPD/cut.tar.zst"
run bash -c "CELLCTL_CONF=$CONF nsenter --net=/run/netns/$NS -- $CELLCTL restore-backup - $CT4 < $TMPD/cut.tar.zst"
[ "$RC" = 17 ] && is_deleted "$CT4" && [ -z "$(ls -A "$PRIV_DIR" | grep -v -e "^$CT3\$")" ] && ok "a cut stream on stdin: exit 17, nothing left" ||
	fail "a cut stream on stdin: exit 17, nothing left (exit $RC)" "$OUT" "$(ls -la "$PRIV_DIR")"

# ---- 4. over a real sshd in B's netns, --keep-src --------------------------------------------
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ ! -x "$SSHD" ] || ! command -v ssh-keygen >/dev/null || ! command -v ssh >/dev/null; then
	warn "no sshd/ssh (openssh-server, openssh-client): the real-sshd case is skipped"
else
	ip link add mig-a$((CCT_ID % 100000)) netns "$NS" type veth peer name mig-b netns "$NSB"
	ip -n "$NS" addr add 192.168.251.1/24 dev mig-a$((CCT_ID % 100000))
	ip -n "$NS" link set mig-a$((CCT_ID % 100000)) up
	ip -n "$NSB" addr add 192.168.251.2/24 dev mig-b
	ip -n "$NSB" link set mig-b up
	K=$TMPD/sshkeys
	mkdir -m 700 "$K"
	ssh-keygen -q -t ed25519 -N '' -C hostb -f "$K/host_key"
	ssh-keygen -q -t ed25519 -N '' -C migrate -f "$K/client_key"
	PORT=$((20000 + CCT_ID % 20000))
	cat > "$K/remote" <<EOF
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# the forced command: B's cellctl with B's config; the words as ssh sent them (no quoting needed)
echo "\$SSH_ORIGINAL_COMMAND" >> "$K/remote.log"
export CELLCTL_CONF=$HB/cellctl.conf
set -- \$SSH_ORIGINAL_COMMAND
[ "\$1" = cellctl ] || { echo "not a cellctl command" >&2; exit 2; }
shift
exec "$CELLCTL" "\$@"
EOF
	chmod 755 "$K/remote"
	echo "command=\"$K/remote\",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding $(cat "$K/client_key.pub")" > "$K/authorized_keys"
	echo "[192.168.251.2]:$PORT $(cut -d' ' -f1,2 "$K/host_key.pub")" > "$K/known_hosts"
	cat > "$K/sshd_config" <<EOF
Port $PORT
ListenAddress 192.168.251.2
HostKey $K/host_key
AuthorizedKeysFile $K/authorized_keys
PidFile $K/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
EOF
	[ -d /run/sshd ] || { mkdir -m 755 /run/sshd && MADE_RUN_SSHD=1; }
	nsenter --net="/run/netns/$NSB" -- "$SSHD" -D -e -f "$K/sshd_config" 2> "$K/sshd.log" &
	SSHD_PID=$!
	if wait_for 10 nsenter --net="/run/netns/$NS" -- bash -c "echo > /dev/tcp/192.168.251.2/$PORT"; then
		ok "sshd listens on 192.168.251.2:$PORT in B's netns"
	else
		fail "sshd listens in B's netns" "$(cat "$K/sshd.log")"
	fi
	! ss -Hltn "sport = :$PORT" | grep -q . && nsenter --net="/run/netns/$NSB" -- ss -Hltn "sport = :$PORT" | grep -q 192.168.251.2 &&
		ok "... its socket is in B's netns, none in the host's" || fail "sshd's socket only in B's netns" "$(ss -Hltn "sport = :$PORT")"
	sed -e '/^\[migrate\]/,$d' "$CONF" > "$TMPD/conf-ssh"
	cat >> "$TMPD/conf-ssh" <<EOF
[migrate]
ssh = $(command -v ssh)
ssh_options = -F /dev/null -i $K/client_key -o UserKnownHostsFile=$K/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes
remote_command = cellctl
EOF
	create_ct "$CT2" --hostname mig2 --ipadd 10.77.0.102/24 --onboot yes
	start_ct "$CT2"
	check "a file in $CT2" cc exec "$CT2" -- sh -c 'mkdir -p /data; dd if=/dev/urandom of=/data/blob bs=1k count=100 2>/dev/null;
		echo x > /data/owned; chown 1000:1001 /data/owned'
	VIEW2=$(view cc "$CT2")
	CELLCTL_CONF=$TMPD/conf-ssh run cc migrate "$CT2" "root@192.168.251.2:$PORT" --keep-src
	if [ "$RC" = 0 ]; then ok "migrate over sshd (--keep-src)"; else fail "migrate over sshd (exit $RC)" "$OUT" "$(tail -5 "$K/sshd.log")"; fi
	log "$(echo $OUT)"
	DOWN2=$(sed -n 's/^Downtime: \([0-9.]*\) s.*/\1/p' <<< "$OUT")
	[ -n "$DOWN2" ] && ok "the downtime is reported: $DOWN2 s" || fail "the downtime is reported" "$OUT"
	expect_match "^cellctl migrate-check $CT2 - --json" "$(cat "$K/remote.log" 2>/dev/null)" "sshd ran the forced command with the check's words"
	wait_for 5 ccb exec "$CT2" -- true
	[ "$(view ccb "$CT2")" = "$VIEW2" ] && ok "on B (over sshd): the same address, MAC, hostname, file and owners" ||
		fail "$CT2's view on B" "A: $VIEW2" "B: $(view ccb "$CT2")"
	is_down "$CT2" && ok "the source is kept, stopped" || fail "the source is kept, stopped" "$(ct_status "$CT2")"
	[ "$(conf_val "$CONF_DIR/$CT2.conf" disabled)" = yes ] && ok "... and disabled" || fail "the kept source is disabled" "$(cat "$CONF_DIR/$CT2.conf")"
	expect_exit 105 cc start "$CT2"
	# a wrong key: refused before the source stops (ssh's exit 255)
	sed -i "s|-i $K/client_key|-i $K/host_key|" "$TMPD/conf-ssh"
	MON3=$(monitor_pid "$CT3")
	CELLCTL_CONF=$TMPD/conf-ssh expect_exit 161 cc migrate "$CT3" "root@192.168.251.2:$PORT"
	expect_match "cannot reach" "$OUT" "an unreachable destination: the message says so"
	[ "$(monitor_pid "$CT3")" = "$MON3" ] && ok "the source was not stopped" || fail "the source was not stopped"
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
	check "the kept source destroyed" cc destroy "$CT2"
fi

# ---- 5. the pre-copy: the guest's files change between its pass and the stop --------------------
CT5=$(ctid 5)
create_ct "$CT5" --hostname mig5 --ipadd 10.77.0.105/24 --ownership shifted
start_ct "$CT5"
check "files in $CT5" cc exec "$CT5" -- sh -c 'mkdir -p /data/d1 /data/d2; dd if=/dev/urandom of=/data/big bs=1k count=3000 2>/dev/null;
	echo keep > /data/keep; ln /data/keep /data/keep.hard; chown 1000:1001 /data/keep; chmod 4750 /data/keep
	echo one > /data/d1/f; echo two > /data/d2/f; echo old > /data/change; echo gone > /data/gone;
	dd if=/dev/urandom of=/data/same-size bs=1k count=64 2>/dev/null; echo x > /data/touched'
P5=$PRIV_DIR/$CT5/data
# an unchanged file with an xattr and a file capability (v3: its root the container's): they must
# come through the object's move into place
python3 -c 'import os, struct, sys
p, root = sys.argv[1], int(sys.argv[2])
os.setxattr(p, "user.note", b"kept")
os.setxattr(p, "security.capability", struct.pack("<IIIIII", 0x03000000 | 1, 1 << 10, 0, 0, 0, root))' \
	"$P5/big" "$(conf_val "$CONF_DIR/$CT5.conf" uid_base)" && ok "an xattr and a file capability on /data/big" ||
	fail "set an xattr and a file capability on /data/big"
sleep 2.5 # the files are older than the pre-copy's t0 (its margin: 2 s)
cat > "$TMPD/between.sh" <<EOF
# between the pre-copy and the stop, what a guest may do (done from the host, in its tree)
set -e
echo new text > $P5/change
rm $P5/gone
echo made later > $P5/new && chown --reference=$P5 $P5/new
mv $P5/d1 $P5/t && mv $P5/d2 $P5/d1 && mv $P5/t $P5/d2
# the same size and mtime, other bytes: only its ctime tells
m=\$(stat -c %y $P5/same-size)
dd if=/dev/urandom of=$P5/same-size bs=1k count=64 conv=notrunc 2>/dev/null
touch -d "\$m" $P5/same-size
chmod 640 $P5/touched
echo between done
EOF
rm -f "$TMPD/after-precopy.log"
SAME_BEFORE=$(sha256sum "$P5/same-size" | cut -d' ' -f1)
# the guest renames a file to and fro between two directories all the while (the walk can meet it
# twice: it must send it once)
check "a rename loop in $CT5" cc exec "$CT5" -- sh -c 'mkdir -p /data/r1 /data/r2; echo moving > /data/r1/m;
	(while :; do mv /data/r1/m /data/r2/m; mv /data/r2/m /data/r1/m; done) </dev/null >/dev/null 2>&1 &'
sleep 2.5
MIG_AFTER_PRECOPY=$TMPD/between.sh MIG_SAVE=$TMPD/final.stream run cc migrate "$CT5" hostb --keep-src -j
if [ "$RC" = 0 ]; then ok "migrate $CT5 with a pre-copy, files changed between the passes"; else fail "migrate $CT5 with a pre-copy (exit $RC)" "$OUT" "$(cat "$TMPD/after-precopy.log" 2>/dev/null)"; fi
expect_match "between done" "$(cat "$TMPD/after-precopy.log" 2>/dev/null)" "the guest's changes ran between the passes"
JSON=$(grep '^{' <<< "$OUT" | tail -1)
python3 -c 'import json,sys; d=json.loads(sys.argv[1])
assert d["precopy"] is True, "precopy"
assert d["precopy_files"] >= 8, d["precopy_files"]
assert d["precopy_bytes"] >= 3000*1024, d["precopy_bytes"]
assert d["unchanged_bytes"] >= 3000*1024, d["unchanged_bytes"]
assert d["unchanged_files"] < d["precopy_files"], (d["unchanged_files"], d["precopy_files"])' "$JSON" &&
	ok "JSON: pre-copy figures (the 3 MB file sent while it ran, not again)" || fail "JSON: pre-copy figures" "$JSON"
log "pre-copy: $JSON"
FINAL=$(stat -c %s "$TMPD/final.stream" 2>/dev/null || echo 0)
[ "$FINAL" -gt 0 ] && [ "$FINAL" -lt 1000000 ] && ok "the final pass streamed $FINAL bytes (the unchanged 3 MB file was not sent again)" ||
	fail "the final pass is small" "$FINAL bytes"
# the trees on both hosts, container-relative (helpers/treelist.py: type, mode, owners, size, data,
# link target, hard links, xattrs, ACLs, file capabilities), and the regular files' mtimes
tree_of() {
	python3 "$LIB_DIR/helpers/treelist.py" "$1" "$2"
	(cd "$1" && find . -type f -printf '%P %T@\n' | sort)
}
BASE5A=$(conf_val "$CONF_DIR/$CT5.conf" uid_base)
BASE5B=$(conf_val "$HB/ct/$CT5.conf" uid_base)
tree_of "$PRIV_DIR/$CT5" "$BASE5A" > "$TMPD/tree.a"
tree_of "$HB/private/$CT5" "$BASE5B" > "$TMPD/tree.b"
[ -s "$TMPD/tree.a" ] && cmp -s "$TMPD/tree.a" "$TMPD/tree.b" && ok "B's tree is the source's as it was at the stop ($(wc -l < "$TMPD/tree.a") entries)" ||
	fail "B's tree is the source's" "$(diff "$TMPD/tree.a" "$TMPD/tree.b" | head -20)"
[ "$(cat "$HB/private/$CT5/data/d1/f")" = two ] && [ "$(cat "$HB/private/$CT5/data/change")" = "new text" ] &&
	[ ! -e "$HB/private/$CT5/data/gone" ] && [ "$(sha256sum "$HB/private/$CT5/data/same-size" | cut -d' ' -f1)" != "$SAME_BEFORE" ] &&
	ok "... swapped directories, a changed, a removed, and a same-size same-mtime rewritten file as the guest left them" ||
	fail "the changes between the passes reached B" "$(ls -la "$HB/private/$CT5/data")"
[ -z "$(ls -A "$HB/private" | grep -v -e "^$CT1\$" -e "^$CT5\$" -e "^$CT2\$")" ] && ok "no pre-copy stage or spool left on B" ||
	fail "no pre-copy stage left on B" "$(ls -la "$HB/private")"
wait_for 5 ccb exec "$CT5" -- true
[ "$(ccb exec "$CT5" -- stat -c '%u:%g %a' /data/keep)" = "1000:1001 4750" ] && ok "on B, the guest sees the owner and mode of an unchanged file" ||
	fail "owner and mode of an unchanged file on B" "$(ccb exec "$CT5" -- stat -c '%u:%g %a' /data/keep 2>&1)"
# the final pass alone is no backup: refused by a restore-backup by hand, nothing made
expect_exit 17 cc restore-backup "$TMPD/final.stream" "$(ctid 6)"
expect_match "final pass of a migration" "$OUT" "... the message says what it is"
is_deleted "$(ctid 6)" && ok "... and nothing was made" || fail "nothing made from a final pass" "$(ct_status "$(ctid 6)")"
check "stop $CT5 on B" ccb stop "$CT5" --fast
check "destroy $CT5 on B" ccb destroy "$CT5"
check "destroy the kept source $CT5" cc destroy "$CT5"
# the destination's stage is the migration's own (its token): another one of the same CTID (from
# another host) is refused while its stage is young, and an old one is swept
T1=0123456789abcdef0123456789abcdef T2=fedcba9876543210fedcba9876543210
mkdir -m 700 "$HB/private/.precopy.$CT5.$T1"
run bash -c "printf x | CELLCTL_CONF=$HB/cellctl.conf nsenter --net=/run/netns/$NSB -- $CELLCTL migrate-precopy $CT5 $T2"
[ "$RC" = 9 ] && grep -q "another migration of container $CT5" <<< "$OUT" && ok "migrate-precopy: another migration's young stage: exit 9" ||
	fail "migrate-precopy: another migration's young stage: exit 9 (got $RC)" "$OUT"
[ -d "$HB/private/.precopy.$CT5.$T1" ] && [ ! -e "$HB/private/.precopy.$CT5.$T2" ] && ok "... its stage kept, none made" ||
	fail "the other migration's stage kept" "$(ls -la "$HB/private")"
touch -d '2 hours ago' "$HB/private/.precopy.$CT5.$T1"
run bash -c "printf x | CELLCTL_CONF=$HB/cellctl.conf nsenter --net=/run/netns/$NSB -- $CELLCTL migrate-precopy $CT5 $T2"
[ "$RC" = 17 ] && [ ! -e "$HB/private/.precopy.$CT5.$T1" ] && [ ! -e "$HB/private/.precopy.$CT5.$T2" ] &&
	ok "an old stage is swept; a stream that is no pre-copy: exit 17, nothing left" || fail "old stage swept, bad stream 17 (got $RC)" "$OUT" "$(ls -la "$HB/private")"
for t in ../../../../tmp/x 0123 "$T1/.."; do
	expect_exit 21 ccb migrate-precopy "$CT5" "$t" --abort
done
expect_exit 21 ccb restore-backup "$TMPD/final.stream" "$CT5" --precopy ../../x

# ---- B's containers go; nothing left there ----------------------------------------------------
for c in "$CT1" "$CT2"; do
	[ -e "$HB/ct/$c.conf" ] || continue
	check "stop $c on B" ccb stop "$c" --fast
	check "destroy $c on B" ccb destroy "$c"
done
left=$(cd "$HB/run" && find . \( -name '*.state' -o -name '*.sock' -o -name '*.pid' \) | sort)
[ -z "$left" ] && ok "nothing left in B's run dir" || fail "nothing left in B's run dir" "$left"
check "stop $CT3" cc stop "$CT3" --fast
check "destroy $CT3" cc destroy "$CT3"
mig_cleanup
finish
