#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (checkpoint and restore): chkpnt and restore through CRIU.
# Everywhere: the options (--dumpfile and --dumpdir exclude each other: 20, an unknown one: 20); a
# host where CRIU cannot work (no criu binary, CRIU 3.17 on a kernel >= 6.13, `criu check`
# failing: fake binaries through $CELLCTL_CRIU, and the real one when it fails here) makes both
# commands fail at once with exit 5 and the reason, nothing made, the container running on.
# Where `criu check` passes (the VM, Debian's 6.1 kernel): a busybox container with a user
# namespace and a bridged veth runs a counter loop; chkpnt stops it (status down, no host veth,
# the counter stands still); restore brings it back: running, the same counter process (its pid in
# the container) counting on from where it was, the same IP and MACs (guest and host side, the
# host veth ours again: its group), the host reaches it, the checkpoint directory is gone; a TCP
# connection from the host held open across a second checkpoint (--tcp-established) carries data
# afterwards; a stop afterwards is clean, and nothing leaks. A criu that swaps a decoy veth pair in
# under the host veth's name: the restore refuses to adopt it (130), the decoy untouched. restore without a checkpoint: 17;
# chkpnt of a stopped container: 31; restore of a running one: 32. A shell on the console (the
# template's own inittab) fails the dump (16) and that container runs on.
# long
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
leak_snapshot
CT=$(ctid 1)
DUMPS=$TMPD/dumps
create_ct "$CT" --ipadd 10.77.0.101/24
# no shell on the console: CRIU cannot checkpoint a job-control shell on a tty (documented)
it=$PRIV_DIR/$CT/etc/inittab
sed '/respawn:-\/bin\/sh/d' "$it" > "$TMPD/inittab" && cat "$TMPD/inittab" > "$it"
start_ct "$CT"

expect_exit 20 cc chkpnt "$CT" --dumpfile "$DUMPS/x" --dumpdir "$DUMPS"
expect_exit 20 cc chkpnt "$CT" --bogus
expect_exit 20 cc restore "$CT" --dumpfile "$DUMPS/x" --dumpdir "$DUMPS"
expect_exit 20 cc restore "$CT" --tcp-established

# ---- the early refusal, with fake criu binaries ----
FAKE=$TMPD/fakecriu
mkdir -p "$FAKE"
printf '#!/bin/sh\ncase "$1" in --version) echo "Version: 3.17.1";; check) echo "Looks good.";; *) touch %s/ran;; esac\n' \
	"$FAKE" > "$FAKE/v317"
printf '#!/bin/sh\ncase "$1" in --version) echo "Version: 4.1";; check) echo "Error (criu/kerndat.c:1): no vdso for the test"; exit 1;; *) touch %s/ran;; esac\n' \
	"$FAKE" > "$FAKE/checkfails"
chmod 755 "$FAKE"/*
refused() { # DESC REGEX: chkpnt and restore fail with 5 and REGEX, nothing ran or was made, CT runs on
	local d=$1 re=$2
	expect_exit 5 env CELLCTL_CRIU="$CRIU_BIN" nsenter --net="/run/netns/$NS" -- "$CELLCTL" chkpnt "$CT" --dumpdir "$DUMPS"
	expect_match "$re" "$OUT" "$d: chkpnt says why"
	expect_exit 5 env CELLCTL_CRIU="$CRIU_BIN" nsenter --net="/run/netns/$NS" -- "$CELLCTL" restore "$CT" --dumpdir "$DUMPS"
	expect_match "$re" "$OUT" "$d: restore says why"
	[ ! -e "$DUMPS" ] && [ ! -e "$FAKE/ran" ] && ok "$d: no dump made, criu never asked to dump" ||
		fail "$d: nothing made" "$(ls -la "$DUMPS" "$FAKE" 2>&1)"
	is_running "$CT" && ok "$d: the container runs on" || fail "$d: the container runs on" "$(cc status "$CT")"
}
CRIU_BIN=$FAKE/none refused "no criu binary" "no criu binary"
CRIU_BIN=$FAKE/checkfails refused "criu check fails" "criu check. failed: Error \(criu/kerndat.c:1\): no vdso for the test"
kv=$(uname -r)
if [ "${kv%%.*}" -gt 6 ] || { [ "${kv%%.*}" = 6 ] && [ "$(echo "$kv" | cut -d. -f2)" -ge 13 ]; }; then
	CRIU_BIN=$FAKE/v317 refused "CRIU 3.17 on kernel $kv" "older than 4.1 cannot work on kernel 6.13 or newer"
fi

# ---- the real CRIU ----
if ! command -v criu >/dev/null; then
	warn "no criu here (scripts/deps.sh installs it): the round trip is not tested"
	finish
fi
if ! criu check >/dev/null 2>&1; then
	CRIU_BIN=$(command -v criu) refused "the host's CRIU ($(criu check 2>&1 | tail -1))" "not possible here"
	log "criu check fails on this host (kernel $kv): the round trip runs in the VM (tests/vm/run)"
	expect_exit 0 cc stop "$CT"
	finish
fi

# a counter loop: its pid (in the container's pid namespace) and its count
check "start a counter loop in the guest" cc exec "$CT" -- sh -c \
	'(sh -c '\''i=0; while :; do i=$((i+1)); echo "$$ $i" > /cnt.new; mv /cnt.new /cnt; sleep 0.1; done'\'' &) </dev/null >/dev/null 2>&1'
CNT=$PRIV_DIR/$CT/cnt
cpid() { cut -d' ' -f1 "$CNT" 2>/dev/null; }
cval() { cut -d' ' -f2 "$CNT" 2>/dev/null; }
counted() { [ "$(cval)" -ge "$1" ] 2>/dev/null; }
wait_for 20 counted 5 && ok "the counter counts ($(cat "$CNT"))" || fail "the counter counts" "$(ls -la "$PRIV_DIR/$CT")"
host_ping() { nsenter --net="/run/netns/$NS" -- busybox ping -c 1 -W 2 "$1" >/dev/null 2>&1; }
wait_for 10 host_ping 10.77.0.101 && ok "the host pings the container" || fail "the host pings the container"
gmac() { cc exec "$CT" -- cat /sys/class/net/eth0/address 2>/dev/null; }
hlink() { ip -n "$NS" -o link show dev "veth$CT.0" 2>/dev/null; }
hmac() { hlink | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
hgroup() { ip -n "$NS" -d -o link show dev "veth$CT.0" 2>/dev/null | sed -n 's/.* group \([^ ]*\) .*/\1/p'; }
GMAC=$(gmac) HMAC=$(hmac) HGROUP=$(hgroup) GIP=$(cc exec "$CT" -- ip -o -4 addr show dev eth0 | awk '{print $4}')
log "before: guest MAC $GMAC, host MAC $HMAC, host group $HGROUP, guest IP $GIP, counter $(cat "$CNT")"

run cc chkpnt "$CT" --dumpdir "$DUMPS"
[ "$RC" = 0 ] && ok "chkpnt $CT" || { fail "chkpnt $CT (exit $RC)" "$OUT" "$(grep Error "$DUMPS/Dump.$CT/dump.log" | head)"; finish; }
expect_match "^Container $CT checkpointed to $DUMPS/Dump.$CT and stopped\$" "$OUT" "chkpnt says where the checkpoint is"
expect_output "^CTID $CT exist down\$" cc status "$CT"
P1=$(cpid) V1=$(cval)
sleep 1
[ "$(cval)" = "$V1" ] && ok "checkpointed: the counter stands at $V1" || fail "checkpointed: the counter stands" "$V1 -> $(cval)"
[ -z "$(hlink)" ] && ok "checkpointed: no host veth" || fail "checkpointed: no host veth" "$(hlink)"
[ -f "$DUMPS/Dump.$CT/inventory.img" ] && ok "the checkpoint is in $DUMPS/Dump.$CT" || fail "the checkpoint is there" "$(ls "$DUMPS" 2>&1)"
expect_exit 31 cc chkpnt "$CT" --dumpdir "$DUMPS"
expect_exit 17 cc restore "$CT" --dumpdir "$TMPD/nodumps"

t0=$(date +%s%N)
run cc restore "$CT" --dumpdir "$DUMPS"
t1=$(date +%s%N)
[ "$RC" = 0 ] && ok "restore $CT ($(((t1 - t0) / 1000000)) ms, emulated)" ||
	{ fail "restore $CT (exit $RC)" "$OUT" "$(grep Error "$DUMPS/Dump.$CT/restore.log" | head)"; finish; }
expect_match "^Container $CT restored\$" "$OUT" "restore says so"
expect_output "^CTID $CT exist running\$" cc status "$CT"
expect_exit 32 cc restore "$CT" --dumpdir "$DUMPS"
sleep 1
P2=$(cpid) V2=$(cval)
[ "$P2" = "$P1" ] && ok "restored: the same counter process (pid $P2 in the container)" || fail "restored: the same counter process" "$P1 -> $P2"
[ "$V2" -gt "$V1" ] 2>/dev/null && ok "restored: the counter counts on from $V1 ($V2)" || fail "restored: the counter counts on" "$V1 -> $V2"
[ "$(gmac)" = "$GMAC" ] && ok "restored: the guest MAC is the same ($GMAC)" || fail "restored: the guest MAC" "$GMAC -> $(gmac)"
[ "$(hmac)" = "$HMAC" ] && ok "restored: the host veth MAC is the same ($HMAC)" || fail "restored: the host veth MAC" "$HMAC -> $(hmac)"
[ "$(hgroup)" = "$HGROUP" ] && ok "restored: the host veth is ours (group $HGROUP)" || fail "restored: the host veth group" "$HGROUP -> $(hgroup)"
expect_match "master $BRIDGE " "$(hlink)" "restored: the host veth is on $BRIDGE"
GIP2=$(cc exec "$CT" -- ip -o -4 addr show dev eth0 | awk '{print $4}')
[ "$GIP2" = "$GIP" ] && ok "restored: the guest IP is the same ($GIP)" || fail "restored: the guest IP" "$GIP -> $GIP2"
wait_for 10 host_ping 10.77.0.101 && ok "restored: the host pings the container" || fail "restored: the host pings the container"
[ ! -e "$DUMPS/Dump.$CT" ] && ok "the spent checkpoint is removed" || fail "the spent checkpoint is removed" "$(ls "$DUMPS/Dump.$CT" | head)"
check "exec in the restored container" cc exec "$CT" -- true
log "after: counter $(cat "$CNT"), guest MAC $(gmac), host MAC $(hmac)"

# the host veth adopted after a restore must be the restored guest's peer: a criu that swaps a
# decoy veth pair (both ends on the host) in under the host veth's name makes the restore fail,
# the decoy untouched (no MAC, group or filter of ours); a plain restore afterwards works
run cc chkpnt "$CT" --dumpdir "$DUMPS"
[ "$RC" = 0 ] && ok "chkpnt again" || fail "chkpnt again (exit $RC)" "$OUT"
cat > "$FAKE/swap" <<EOF
#!/bin/sh
$(command -v criu) "\$@"
rc=\$?
if [ "\$1" = restore ] && [ \$rc = 0 ]; then
	ip link set veth$CT.0 down
	ip link set veth$CT.0 name vx$CT
	ip link add veth$CT.0 type veth peer name vd$CT
fi
exit \$rc
EOF
chmod 755 "$FAKE/swap"
run env CELLCTL_CRIU="$FAKE/swap" nsenter --net="/run/netns/$NS" -- "$CELLCTL" restore "$CT" --dumpdir "$DUMPS"
[ "$RC" = 130 ] && ok "a decoy under the host veth's name: restore fails (exit 130)" || fail "a decoy host veth: restore fails with 130 (exit $RC)" "$OUT"
expect_match "veth$CT.0 is not the peer of the restored container's eth0" "$OUT" "the message names the host veth and the guest's interface"
[ "$(hgroup)" != "$HGROUP" ] && [ "$(hmac)" != "$HMAC" ] && ok "the decoy was not adopted (group $(hgroup), MAC $(hmac))" ||
	fail "the decoy was not adopted" "$(hlink)"
is_down "$CT" && ok "the container is down after the refused adoption" || fail "down after the refused adoption" "$(ct_status "$CT")"
ip -n "$NS" link del "veth$CT.0" 2>/dev/null
ip -n "$NS" link del "vx$CT" 2>/dev/null
run cc restore "$CT" --dumpdir "$DUMPS"
[ "$RC" = 0 ] && ok "a plain restore afterwards" || fail "a plain restore afterwards (exit $RC)" "$OUT" "$(grep Error "$DUMPS/Dump.$CT/restore.log" | head)"
sleep 1
[ "$(cpid)" = "$P1" ] && [ "$(hgroup)" = "$HGROUP" ] && ok "... the same counter process, the host veth ours again" ||
	fail "after the plain restore" "$(cat "$CNT")" "$(hlink)"

# a TCP connection from the host, held open across a checkpoint with --tcp-established
TCPOUT=$PRIV_DIR/$CT/tcp.out
check "a listener in the guest" cc exec "$CT" -- sh -c '(nc -l -p 5000 > /tcp.out &) </dev/null >/dev/null 2>&1'
sleep 1
nsenter --net="/run/netns/$NS" -- python3 -c '
import os, socket, sys, time
s = socket.create_connection(("10.77.0.101", 5000), timeout=10)
s.sendall(b"before\n")
t = time.time() + 600
while not os.path.exists(sys.argv[1]) and time.time() < t:
    time.sleep(0.2)
s.settimeout(60)
s.sendall(b"after\n")
time.sleep(2)
s.close()
print("sent")
' "$TMPD/go" > "$TMPD/tcp.client" 2>&1 &
BG_PIDS+=($!)
TCPC=$!
sent_before() { grep -qx before "$TCPOUT" 2>/dev/null; }
wait_for 20 sent_before && ok "the host's connection reached the guest" || fail "the host's connection reached the guest" "$(cat "$TMPD/tcp.client")"
run cc chkpnt "$CT" --dumpdir "$DUMPS" --tcp-established
[ "$RC" = 0 ] && ok "chkpnt --tcp-established with a connection open" ||
	fail "chkpnt --tcp-established (exit $RC)" "$OUT" "$(grep Error "$DUMPS/Dump.$CT/dump.log" | head)"
run cc restore "$CT" --dumpdir "$DUMPS"
[ "$RC" = 0 ] && ok "restore the connection's container" ||
	fail "restore the connection's container (exit $RC)" "$OUT" "$(grep Error "$DUMPS/Dump.$CT/restore.log" | head)"
touch "$TMPD/go"
sent_after() { grep -qx after "$TCPOUT" 2>/dev/null; }
wait_for 60 sent_after && ok "the connection survived the checkpoint: 'after' arrived on it" ||
	fail "the connection survived the checkpoint" "$(cat "$TMPD/tcp.client"; cat "$TCPOUT")"
wait "$TCPC" 2>/dev/null
[ "$(cval)" -gt "$V2" ] 2>/dev/null && [ "$(cpid)" = "$P1" ] && ok "the counter counts on after the second restore ($(cat "$CNT"))" ||
	fail "the counter counts on after the second restore" "$(cat "$CNT")"

check "stop the restored container" cc stop "$CT" --timeout 30
expect_output "^CTID $CT exist down\$" cc status "$CT"
check "destroy $CT" cc destroy "$CT"

# the known limit: a shell on the console (the busybox template's own inittab) fails the dump,
# and the container runs on
CT2=$(ctid 2)
create_ct "$CT2"
start_ct "$CT2"
expect_exit 16 cc chkpnt "$CT2" --dumpdir "$DUMPS"
expect_match "criu dump of container $CT2 failed .*dump.log.*keeps running" "$OUT" "a failed dump says so and names the log"
expect_output "^CTID $CT2 exist running\$" cc status "$CT2"
check "exec in the container whose dump failed" cc exec "$CT2" -- true
[ ! -e "$DUMPS/Dump.$CT2/inventory.img" ] && ok "no checkpoint left to restore" || fail "no checkpoint left to restore"
expect_exit 32 cc restore "$CT2" --dumpdir "$DUMPS"
check "stop $CT2" cc stop "$CT2"
finish
