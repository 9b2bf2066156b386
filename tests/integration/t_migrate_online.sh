#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (online migration): `cellctl migrate CTID DEST --online` between two "hosts" on one
# kernel, as t_migrate sets them up (host B: its own netns, config, private and run dirs, bridge,
# cgroup parent and a different user-ID block; the transport a wrapper entering B's netns). Needs
# a CRIU that works (the VM: Debian's 6.1 kernel); elsewhere it skips (t_migrate checks the
# refusal there). A busybox container with a user namespace and a bridged veth runs a counter loop
# and moves online: on B it runs with the same counter process (its pid in the container) counting
# on from where it stood, the same IP and MACs, its user namespace mapped onto B's block; the
# source is gone, no checkpoint is left on either side; the JSON line gives the frozen time. The
# destination's receiver killed in the middle of the checkpoint's images: exit 160, B's copy
# destroyed, the source restored from its local checkpoint (the same counter process counting on).
# The offline downtime of the same container in the same run, beside the frozen time.
# long
. "$(dirname "$0")/lib.sh"

need_template
command -v python3 >/dev/null || skip "python3 missing"
command -v criu >/dev/null || skip "no criu (scripts/deps.sh installs it)"
criu check >/dev/null 2>&1 || skip "criu check fails here ($(criu check 2>&1 | tail -1)): the VM runs this test"
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
leak_snapshot

CT1=$(ctid 1)
CT2=$(ctid 2)
HB=$TMPD/hostb
NSB="cctb-migo-$CCT_ID"

# ---- host B -------------------------------------------------------------------------------
second_host "$NSB" "$HB" 10.77.0.1/24 || { fail "ip netns add $NSB"; finish; }
ccb() { CELLCTL_CONF=$HB/cellctl.conf nsenter --net="/run/netns/$NSB" -- "$CELLCTL" "$@"; }

mig_cleanup() {
	local c
	if [ -e "/run/netns/$NSB" ]; then
		for c in "$CT1" "$CT2"; do
			[ -e "$HB/ct/$c.conf" ] || continue
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" stop "$c" --fast >/dev/null 2>&1
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" destroy "$c" >/dev/null 2>&1
		done
		ip netns del "$NSB" 2>/dev/null
	fi
}
trap 'rc=$?; mig_cleanup; (exit $rc); cleanup' EXIT

# the wrapper as ssh (t_migrate's): the words run by a shell in B's netns with B's config.
# MIG_KILL_IMAGES=N: the receiver of migrate-restore gets N bytes of the images, then dies.
# MIG_SPOIL=CTID: migrate-restore reads the images, spoils A's own checkpoint of CTID (its core
# images removed: the local restore must fail) and fails.
cat > "$TMPD/fakessh" <<EOF
#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
while [ \$# -gt 0 ]; do case \$1 in -p|-i|-o|-F) shift 2 ;; -*) shift ;; *) break ;; esac; done
host=\$1
shift
echo "\$host \$*" >> "$TMPD/fakessh.log"
run() { exec nsenter --net=/run/netns/$NSB env CELLCTL_CONF=$HB/cellctl.conf sh -c "exec \$*"; }
if [ -n "\${MIG_KILL_IMAGES:-}" ] && [[ " \$* " == *" migrate-restore "* ]]; then
	fifo=$TMPD/fakessh.fifo
	rm -f "\$fifo"
	mkfifo "\$fifo"
	( run "\$@" ) < "\$fifo" &
	rpid=\$!
	exec 3> "\$fifo"
	head -c "\$MIG_KILL_IMAGES" >&3
	sleep 0.5
	kill -9 \$rpid
	wait \$rpid
	exec 3>&-
	rm -f "\$fifo"
	echo "fakessh: the receiver died after \$MIG_KILL_IMAGES bytes" >&2
	exit 255
fi
if [ -n "\${MIG_SPOIL:-}" ] && [[ " \$* " == *" migrate-restore "* ]]; then
	cat > /dev/null
	rm -f $TMPD/dump/migrate/dump.\$MIG_SPOIL/core-*.img
	echo "fakessh: the restore there fails, A's checkpoint spoilt" >&2
	exit 1
fi
run "\$@"
EOF
mig_transport "$TMPD/fakessh"
conf_val() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | head -1; }

# a container with a counter loop (no shell on its console: CRIU cannot dump a job-control shell
# on a tty); its pid (in the container) and count are read from DIR/cnt
mkct() {
	create_ct "$1" --ipadd "$2"
	local it=$PRIV_DIR/$1/etc/inittab
	sed '/respawn:-\/bin\/sh/d' "$it" > "$TMPD/inittab" && cat "$TMPD/inittab" > "$it"
	start_ct "$1"
	check "start a counter loop in $1" cc exec "$1" -- sh -c \
		'(sh -c '\''i=0; while :; do i=$((i+1)); echo "$$ $i" > /cnt.new; mv /cnt.new /cnt; sleep 0.1; done'\'' &) </dev/null >/dev/null 2>&1'
}
cpid() { cut -d' ' -f1 "$1/cnt" 2>/dev/null; }
cval() { cut -d' ' -f2 "$1/cnt" 2>/dev/null; }
counted() { [ "$(cval "$1")" -ge "$2" ] 2>/dev/null; }
gview() { # the container's IP, guest MAC and root's id map, through cellctl FN
	$1 exec "$2" -- sh -c 'ip -o -4 addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address' 2>/dev/null
}
hmac() { ip -n "$1" -o link show dev "veth$2.0" 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
json_get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

# ---- 1. a running container moves online A->B ---------------------------------------------
mkct "$CT1" 10.77.0.101/24
A1=$PRIV_DIR/$CT1 B1=$HB/private/$CT1
wait_for 20 counted "$A1" 5 && ok "the counter counts ($(cat "$A1/cnt"))" || fail "the counter counts" "$(ls -la "$A1")"
VIEW1=$(gview cc "$CT1")
HMAC1=$(hmac "$NS" "$CT1")
P1=$(cpid "$A1")
BASEA=$(conf_val "$CONF_DIR/$CT1.conf" uid_base)
log "before: $(echo $VIEW1), host MAC $HMAC1, counter $(cat "$A1/cnt"), uid base $BASEA"

run cc migrate "$CT1" hostb --online -j
[ "$RC" = 0 ] && ok "migrate $CT1 hostb --online -j" ||
	fail "migrate --online (exit $RC)" "$OUT" "$(cat "$TMPD/fakessh.log")" "$(grep -h Error "$HB"/dump/migrate/*/restore.log 2>/dev/null | head)"
JSON=$(grep '^{' <<< "$OUT" | tail -1)
FROZEN=$(json_get "$JSON" frozen)
[ "$(json_get "$JSON" mode)" = online ] && [ -n "$FROZEN" ] && [ "$(json_get "$JSON" source)" = destroyed ] &&
	ok "JSON: mode online, frozen $FROZEN s, source destroyed" || fail "the JSON line" "$OUT"
log "online migration: $JSON"
python3 -c 'import json,sys; d=json.loads(sys.argv[1])
assert d["precopy"] is True and d["unchanged_files"] > 0 and d["unchanged_files"] < d["precopy_files"], d' "$JSON" &&
	ok "JSON: a pre-copy ran before the checkpoint, the final pass left out the unchanged files (the counter's not)" ||
	fail "the pre-copy of an online migration" "$JSON"
expect_match "migrate-precopy $CT1 [0-9a-f]{32}\$" "$(cat "$TMPD/fakessh.log")" "the pre-copy went to migrate-precopy there, with the migration's token"
expect_match "migrate-check $CT1 - --json --online" "$(cat "$TMPD/fakessh.log")" "B was asked whether it can restore"
expect_match "migrate-restore $CT1 --enable\$" "$(cat "$TMPD/fakessh.log")" "the images went to migrate-restore there (which enables it)"
! grep -q "set $CT1 --disabled no" "$TMPD/fakessh.log" && ok "no separate ssh round trip to enable it" || fail "no separate enable" "$(cat "$TMPD/fakessh.log")"
case "$(conf_val "$HB/ct/$CT1.conf" disabled)" in
"" | no) ok "B's copy is enabled" ;;
*) fail "B's copy is enabled" "$(grep -n disabled "$HB/ct/$CT1.conf")" ;;
esac
[ "$(ccb status "$CT1" 2>&1)" = "CTID $CT1 exist running" ] && ok "$CT1 runs on B" || fail "$CT1 runs on B" "$(ccb status "$CT1" 2>&1)"
V1=$(cval "$B1")
sleep 1
P2=$(cpid "$B1") V2=$(cval "$B1")
[ "$P2" = "$P1" ] && ok "on B: the same counter process (pid $P2 in the container)" || fail "on B: the same counter process" "$P1 -> $P2"
[ "$V2" -gt "$V1" ] 2>/dev/null && ok "on B: the counter counts on ($V1 -> $V2), writing its files" ||
	fail "on B: the counter counts on" "$V1 -> $V2" "$(ls -ln "$B1" | head)"
[ "$(gview ccb "$CT1")" = "$VIEW1" ] && ok "on B: the same IP and guest MAC" || fail "on B: the same IP and MAC" "$VIEW1" "$(gview ccb "$CT1")"
[ "$(hmac "$NSB" "$CT1")" = "$HMAC1" ] && ok "on B: the same host veth MAC" || fail "on B: the host veth MAC" "$HMAC1 -> $(hmac "$NSB" "$CT1")"
BASEB=$(conf_val "$HB/ct/$CT1.conf" uid_base)
MAPB=$(ccb exec "$CT1" -- cat /proc/self/uid_map 2>/dev/null | awk '{print $1, $2}')
[ -n "$BASEB" ] && [ "$BASEB" != "$BASEA" ] && [ "$MAPB" = "0 $BASEB" ] &&
	ok "on B: the user namespace maps root onto B's block ($BASEB, A's was $BASEA)" || fail "on B: the id map" "$MAPB, B's base $BASEB"
OWNB=$(stat -c %u "$B1/cnt" 2>/dev/null)
[ "$OWNB" = "$BASEB" ] && ok "on B: the counter's new files are owned by B's block" || fail "on B: the counter's files' owner" "$OWNB"
is_deleted "$CT1" && [ ! -e "$A1" ] && ok "$CT1 is gone from A" || fail "$CT1 is gone from A" "$(ct_status "$CT1")"
[ -z "$(ls -A "$TMPD/dump/migrate" 2>/dev/null)" ] && [ -z "$(ls -A "$HB/dump/migrate" 2>/dev/null)" ] &&
	ok "no checkpoint left on A or B" || fail "no checkpoint left" "$(ls -la "$TMPD/dump/migrate" "$HB/dump/migrate" 2>&1)"
CGA=$(our_cgroups | grep "/$CG_NAME/$CT1\(/\|\$\)")
[ -z "$CGA" ] && ok "A's cgroups of $CT1 are removed" || fail "A's cgroups of $CT1 are removed" "$CGA" "$(grep -a "$CT1" "$TMPD"/*.log "$TMPD"/*/cellctl.log 2>/dev/null | grep -aiE "warn|error|cgroup|clean" | tail -8)"
[ "$(stat -c %a "$HB/dump/migrate" 2>/dev/null)" = 700 ] && ok "B's checkpoint directory's parent is root-only (0700), in its dumpdir" ||
	fail "B's checkpoint parent 0700" "$(stat -c %a "$HB/dump/migrate" 2>&1)"

# ---- 2. the receiver dies in the middle of the images: the source restored from its checkpoint --
mkct "$CT2" 10.77.0.102/24
A2=$PRIV_DIR/$CT2
wait_for 20 counted "$A2" 5 && ok "$CT2's counter counts" || fail "$CT2's counter counts"
VIEW2=$(gview cc "$CT2")
P3=$(cpid "$A2")
MIG_KILL_IMAGES=20000 run cc migrate "$CT2" hostb --online
[ "$RC" = 160 ] && ok "receiver of the images killed: exit 160" || fail "receiver of the images killed: exit 160, got $RC" "$OUT"
expect_match "restored here from its checkpoint: its processes run on" "$OUT" "the message says the source was restored from its checkpoint"
log "$(echo $OUT | tail -c 400)"
[ ! -e "$HB/ct/$CT2.conf" ] && [ ! -e "$HB/private/$CT2" ] && ok "B's copy of $CT2 was destroyed" ||
	fail "B's copy of $CT2 destroyed" "$(ls -la "$HB/ct" "$HB/private")"
is_running "$CT2" && ok "the source runs again" || fail "the source runs again" "$(ct_status "$CT2")"
V3=$(cval "$A2")
sleep 1
[ "$(cpid "$A2")" = "$P3" ] && [ "$(cval "$A2")" -gt "$V3" ] 2>/dev/null &&
	ok "the source's counter process carries on ($P3, $V3 -> $(cval "$A2"))" || fail "the source's counter carries on" "$P3 -> $(cat "$A2/cnt")"
[ "$(gview cc "$CT2")" = "$VIEW2" ] && ok "the source has its IP and MAC" || fail "the source's IP and MAC" "$(gview cc "$CT2")"
case "$(conf_val "$CONF_DIR/$CT2.conf" disabled)" in
"" | no) ok "the source is enabled again" ;;
*) fail "the source is enabled again" "$(grep -n disabled "$CONF_DIR/$CT2.conf")" ;;
esac
[ -z "$(ls -A "$TMPD/dump/migrate" 2>/dev/null)" ] && ok "A's checkpoint is spent (removed)" || fail "A's checkpoint removed" "$(ls -la "$TMPD/dump/migrate")"

# ---- 2b. the restore there fails and the source's own checkpoint is spoilt: started cold --------
check "a new counter in $CT2" cc exec "$CT2" -- sh -c \
	'(sh -c '\''i=0; while :; do i=$((i+1)); echo "$$ $i" > /cnt.new; mv /cnt.new /cnt; sleep 0.1; done'\'' &) </dev/null >/dev/null 2>&1'
MON2=$(monitor_pid "$CT2")
MIG_SPOIL=$CT2 run cc migrate "$CT2" hostb --online
[ "$RC" = 160 ] && ok "the restore there failed: exit 160" || fail "the restore there failed: exit 160, got $RC" "$OUT"
expect_match "could not be restored here from its checkpoint .*started cold" "$OUT" "the message says the source was started cold, and why"
log "$(echo $OUT | tail -c 400)"
wait_for 20 is_running "$CT2" && [ "$(monitor_pid "$CT2")" != "$MON2" ] && ok "the source runs again, started anew (a new monitor)" ||
	fail "the source was started cold" "$(ct_status "$CT2")"
[ ! -e "$HB/ct/$CT2.conf" ] && [ ! -e "$HB/private/$CT2" ] && ok "B's copy of $CT2 was destroyed" ||
	fail "B's copy of $CT2 destroyed (cold start)" "$(ls -la "$HB/ct" "$HB/private")"
case "$(conf_val "$CONF_DIR/$CT2.conf" disabled)" in
"" | no) ok "the source is enabled again (cold start)" ;;
*) fail "the source is enabled again (cold start)" "$(grep -n disabled "$CONF_DIR/$CT2.conf")" ;;
esac
[ -z "$(ls -A "$TMPD/dump/migrate" 2>/dev/null)" ] && ok "A's spoilt checkpoint is removed too" || fail "A's spoilt checkpoint removed" "$(ls -la "$TMPD/dump/migrate")"

# ---- 3. the same container offline, for the downtime beside the frozen time ------------------
run cc migrate "$CT2" hostb -j
[ "$RC" = 0 ] && ok "migrate $CT2 offline" || fail "migrate $CT2 offline (exit $RC)" "$OUT"
DOWN=$(json_get "$(grep '^{' <<< "$OUT" | tail -1)" downtime)
log "figures (emulated, upper bounds): online frozen $FROZEN s; offline downtime $DOWN s"
[ "$(ccb status "$CT2" 2>&1)" = "CTID $CT2 exist running" ] && ok "$CT2 runs on B (offline)" || fail "$CT2 runs on B" "$(ccb status "$CT2" 2>&1)"

for c in "$CT1" "$CT2"; do
	[ -e "$HB/ct/$c.conf" ] || continue
	check "stop $c on B" ccb stop "$c" --fast
	check "destroy $c on B" ccb destroy "$c"
done
for c in "$CT1" "$CT2"; do # (left on A by a failed migration)
	[ -e "$CONF_DIR/$c.conf" ] || continue
	cc stop "$c" --fast >/dev/null 2>&1
	check "destroy $c on A" cc destroy "$c"
done
left=$(cd "$HB/run" && find . \( -name '*.state' -o -name '*.sock' -o -name '*.pid' \) | sort)
[ -z "$left" ] && ok "nothing left in B's run dir" || fail "nothing left in B's run dir" "$left"
mig_cleanup
finish
