#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, import-vz: a legacy OpenVZ container (a CTID.conf and a simfs-style private area built
# from the busybox template with OpenVZ's unshifted owners) becomes a cellctl container. A dry run
# prints the report and changes nothing; --copy leaves the original as it was, --move takes it;
# both start with the file's hostname, venet address (routed), memory and process limits in the
# cgroup, and the tree's owners shifted into the new id block (on disk) and as they were (inside).
# Refused with their codes and nothing left: ploop (the config's VE_LAYOUT and a ploop private
# area), a bad line, a value cellctl refuses, a missing config or private area, an existing CTID.
# Interrupted (SIGINT) copy and move of a larger tree leave nothing; a --move across file systems
# is refused; the import times go to the output.
# long
IPADD_MODE=routed
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/limits.sh"

need_template
leak_snapshot
A=$(ctid 1) B=$(ctid 2) X=$(ctid 3)
in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
in_ns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
nothing_of() {
	if [ -e "$CONF_DIR/$1.conf" ] || [ -e "$PRIV_DIR/$1" ] || [ -e "$PRIV_DIR/.$1.partial" ] ||
		[ -e "$PRIV_DIR/.$1.vzmove" ]; then
		fail "$2: nothing of $1 is left" "$(ls -la "$CONF_DIR" "$PRIV_DIR")"
	else
		ok "$2: nothing of $1 is left"
	fi
}
# owners, modes and names of a tree: what must not change
ms() { date +%s%N | cut -c1-13; }
tree_sum() { (cd "$1" && find . -printf '%U:%G %m %p\n' | sort | md5sum | cut -d' ' -f1); }

VZ=$TMPD/vz
# vz_private ID: an OpenVZ private area (simfs: the root tree itself), owners as in the container
vz_private() {
	local d=$VZ/private/$1
	unpack_busybox "$d"
	mkdir -p "$d/home/u" "$d/var/www"
	echo data > "$d/home/u/file"
	chown -R 1000:1000 "$d/home/u"
	chown 33:33 "$d/var/www"
	chmod 2750 "$d/var/www"
}
# vz_conf ID HOSTNAME IP: a CTID.conf as vzctl leaves it
vz_conf() {
	mkdir -p "$VZ/conf"
	cat > "$VZ/conf/$1.conf" <<-EOC
		# written by vzctl (a test fixture)
		ONBOOT="yes"
		PHYSPAGES="0:65536"
		SWAPPAGES="0:32768"
		KMEMSIZE="14372700:14790164"
		PRIVVMPAGES="65536:69632"
		NUMPROC="100:123"
		TCPSNDBUF="1720320:2703360"
		DISKSPACE="1048576:1153024"
		DISKINODES="200000:220000"
		QUOTATIME="0"
		CPUUNITS="2000"
		VE_ROOT="/vz/root/\$VEID"
		VE_PRIVATE="$VZ/private/\$VEID"
		VE_LAYOUT="simfs"
		OSTEMPLATE="busybox"
		ORIGIN_SAMPLE="vswap-256m"
		HOSTNAME="$2"
		IP_ADDRESS="$3"
		NAMESERVER="192.0.2.53"
		DESCRIPTION="imported from OpenVZ"
		NAME="vz$1"
		FEATURES="nfs:on"
	EOC
}

vz_private 501
vz_conf 501 vz-one.example.com 192.0.2.77
before=$(tree_sum "$VZ/private/501")

log "---- dry run: the report, nothing made"
use_ct "$A"
expect_output 'translated +PHYSPAGES="0:65536" -> ram 256M' cc import-vz "$A" --conf "$VZ/conf/501.conf" --dry-run
expect_match 'approximated NUMPROC="100:123" -> numproc 123' "$OUT" "NUMPROC: the limit, the barrier dropped"
expect_match 'ignored +KMEMSIZE=' "$OUT" "KMEMSIZE ignored with a reason"
expect_match 'translated +VE_PRIVATE=.* -> the private area to import: '"$VZ"'/private/501' "$OUT" "\$VEID expanded in VE_PRIVATE"
expect_match 'translated +IP_ADDRESS="192.0.2.77" -> venet_ipadd 192.0.2.77' "$OUT" "IP_ADDRESS to the routed venet0"
expect_match '[0-9]+ keys: [0-9]+ translated, 1 approximated, [0-9]+ ignored, 0 refused' "$OUT" "the summary line"
nothing_of "$A" "dry run"
[ "$(tree_sum "$VZ/private/501")" = "$before" ] && ok "dry run: the OpenVZ tree unchanged" || fail "dry run: the OpenVZ tree unchanged"

log "---- refusals: codes, nothing left"
expect_exit 27 cc import-vz "$X"
expect_exit 20 cc import-vz "$X" --conf "$VZ/conf/501.conf" --copy --move
expect_exit 14 cc import-vz "$X" --conf "$VZ/conf/nope.conf"
sed 's/^VE_LAYOUT=.*/VE_LAYOUT="ploop"/' "$VZ/conf/501.conf" > "$VZ/conf/ploop.conf"
expect_exit 89 cc import-vz "$X" --conf "$VZ/conf/ploop.conf"
expect_match 'ploop' "$OUT" "VE_LAYOUT=ploop: the message says ploop"
mkdir -p "$VZ/ploop/root.hdd" && : > "$VZ/ploop/DiskDescriptor.xml"
expect_exit 89 cc import-vz "$X" --conf "$VZ/conf/501.conf" --private "$VZ/ploop"
printf 'HOSTNAME="x"\nIP_ADDRESS=$(reboot)\n' > "$VZ/conf/bad.conf"
expect_exit 85 cc import-vz "$X" --conf "$VZ/conf/bad.conf" --private "$VZ/private/501"
expect_match 'bad.conf:2:' "$OUT" "a bad line: file and line named"
sed 's/^HOSTNAME=.*/HOSTNAME="bad_name!"/' "$VZ/conf/501.conf" > "$VZ/conf/badhost.conf"
expect_exit 70 cc import-vz "$X" --conf "$VZ/conf/badhost.conf"
expect_match 'refused +HOSTNAME=' "$OUT" "a refused value: the report says which key"
expect_exit 43 cc import-vz "$X" --conf "$VZ/conf/501.conf" --private "$VZ/private/none"
expect_exit 21 cc import-vz "$X" --conf "$VZ/conf/501.conf" --private "$TMPD"
expect_match 'private_dir' "$OUT" "a private area holding private_dir: refused naming it"
mkdir -p "$VZ/empty"
expect_exit 47 cc import-vz "$X" --conf "$VZ/conf/501.conf" --private "$VZ/empty"
nothing_of "$X" "refused imports"
[ "$(tree_sum "$VZ/private/501")" = "$before" ] && ok "refusals: the OpenVZ tree unchanged" || fail "refusals: the OpenVZ tree unchanged"

log "---- --copy"
use_ct "$A"
t0=$(ms)
check "import-vz $A (copy)" cc import-vz "$A" --conf "$VZ/conf/501.conf"
log "import --copy of the busybox tree: $(($(ms) - t0)) ms"
expect_match "Container $A imported" "$OUT" "import says so"
[ "$(tree_sum "$VZ/private/501")" = "$before" ] && ok "copy: the OpenVZ tree unchanged" || fail "copy: the OpenVZ tree unchanged"
abase=$(conf_get "$A" uid_base)
[ -n "$abase" ] && [ "$abase" -ge "$USERNS_BASE" ] && ok "$A has an id block ($abase)" || fail "$A has an id block" "$(cat "$CONF_DIR/$A.conf")"
expect_match '^copy$' "$(conf_get "$A" layout)" "$A has layout copy"
expect_match "^$abase:$abase\$" "$(stat -c %u:%g "$PRIV_DIR/$A/etc/passwd")" "root's files shifted on disk"
expect_match "^$((abase + 1000)):$((abase + 1000))\$" "$(stat -c %u:%g "$PRIV_DIR/$A/home/u/file")" "uid 1000's file shifted on disk"
expect_match "^$((abase + 33)):$((abase + 33)) 2750\$" "$(stat -c '%u:%g %a' "$PRIV_DIR/$A/var/www")" "a setgid dir shifted, its mode kept"
expect_exit 44 cc import-vz "$A" --conf "$VZ/conf/501.conf"
expect_exit 21 cc import-vz "$X" --conf "$VZ/conf/501.conf"
expect_match 'vz501' "$OUT" "NAME taken by $A: refused naming it"
nothing_of "$X" "import with a name in use"
sed '/^NAME=/d; /^IP_ADDRESS=/d' "$VZ/conf/501.conf" > "$VZ/conf/noname.conf"
asum=$(tree_sum "$PRIV_DIR/$A")
expect_exit 21 cc import-vz "$X" --conf "$VZ/conf/noname.conf" --private "$PRIV_DIR/$A" --move
expect_match 'inside cellctl' "$OUT" "the private area of $A: refused"
nothing_of "$X" "import of a cellctl private area"
[ "$(tree_sum "$PRIV_DIR/$A")" = "$asum" ] && ok "$A's private area stays" || fail "$A's private area stays" "$(ls -la "$PRIV_DIR")"
grep -q "import-vz: translated   PHYSPAGES" "$LOG_FILE" && ok "the report is in the log" || fail "the report is in the log" "$(tail -5 "$LOG_FILE")"
start_ct "$A"
expect_output '^vz-one\.example\.com$' cc exec vz501 -- hostname
expect_output 'inet 192\.0\.2\.77/32' cc exec "$A" -- ip addr show dev venet0
expect_output '^1000:1000$' cc exec "$A" -- stat -c %u:%g /home/u/file
expect_output '^0:0$' cc exec "$A" -- stat -c %u:%g /etc/passwd
mem="" pids=""
for d in $(ct_cgdirs "$A"); do
	[ -f "$d/memory.max" ] && mem=$(cat "$d/memory.max")
	[ -f "$d/memory.limit_in_bytes" ] && mem=$(cat "$d/memory.limit_in_bytes")
	[ -f "$d/pids.max" ] && pids=$(cat "$d/pids.max")
done
expect_match '^268435456$' "$mem" "PHYSPAGES 0:65536 pages: 256M in the memory cgroup"
expect_match '^123$' "$pids" "NUMPROC 100:123: pids.max 123"
check "stop $A" cc stop "$A"

log "---- --move"
vz_private 502
vz_conf 502 vz-two.example.com 192.0.2.78
use_ct "$B"
t0=$(ms)
check "import-vz $B (move)" cc import-vz "$B" --conf "$VZ/conf/502.conf" --move
log "import --move of the busybox tree: $(($(ms) - t0)) ms"
[ -e "$VZ/private/502" ] && fail "move: the OpenVZ tree is gone" || ok "move: the OpenVZ tree is gone"
bbase=$(conf_get "$B" uid_base)
[ -n "$bbase" ] && [ "$bbase" != "$abase" ] && ok "$B has its own id block ($bbase)" || fail "$B has its own id block"
expect_match "^$((bbase + 1000)):$((bbase + 1000))\$" "$(stat -c %u:%g "$PRIV_DIR/$B/home/u/file")" "move: re-owned in place"
expect_match "^$((bbase + 33)):$((bbase + 33)) 2750\$" "$(stat -c '%u:%g %a' "$PRIV_DIR/$B/var/www")" "move: setgid kept"
start_ct "$B"
expect_output '^vz-two\.example\.com$' cc exec "$B" -- hostname
expect_output 'inet 192\.0\.2\.78/32' cc exec "$B" -- ip addr show dev venet0
expect_output '^1000:1000$' cc exec "$B" -- stat -c %u:%g /home/u/file
log "---- a --move refused after the checks: the tree stays where it was"
vz_private 503
vz_conf 503 vz-three.example.com 192.0.2.78
b3=$(tree_sum "$VZ/private/503")
expect_exit 78 cc import-vz "$X" --conf "$VZ/conf/503.conf" --move
nothing_of "$X" "move refused (address in use)"
[ "$(tree_sum "$VZ/private/503")" = "$b3" ] && ok "the refused move left the OpenVZ tree as it was" || fail "the refused move left the OpenVZ tree as it was"
check "stop $B" cc stop "$B"

log "---- a tree the walk refuses (too deep): copy and move fail, nothing left, the tree put back"
deep=$VZ/private/503/deep$(printf '/d%.0s' $(seq 300))
mkdir -p "$deep" && chown 1000:1000 "$deep"
b3=$(tree_sum "$VZ/private/503")
expect_exit 3 cc import-vz "$X" --conf "$VZ/conf/503.conf"
nothing_of "$X" "copy of a too deep tree"
expect_exit 3 cc import-vz "$X" --conf "$VZ/conf/503.conf" --move
nothing_of "$X" "move of a too deep tree"
[ "$(tree_sum "$VZ/private/503")" = "$b3" ] && ok "the failed move put the OpenVZ tree back, owners as they were" ||
	fail "the failed move put the OpenVZ tree back, owners as they were" "$(ls -la "$VZ/private" "$VZ/private/503" 2>&1)"

log "---- interrupted (SIGINT) copy and move of a larger tree: nothing left, the tree as it was"
vz_private 505
sed "s|^IP_ADDRESS=.*|IP_ADDRESS=\"192.0.2.80\"|; s|^NAME=.*|NAME=\"vz505\"|" "$VZ/conf/501.conf" > "$VZ/conf/505.conf"
python3 -c 'import os, sys
for d in range(100):
	p = os.path.join(sys.argv[1], "data", "d%d" % d)
	os.makedirs(p)
	for f in range(100):
		n = os.path.join(p, "f%d" % f)
		with open(n, "w") as fh: fh.write("x" * 100)
		os.chown(n, 1000, 1000)' "$VZ/private/505"
b5=$(tree_sum "$VZ/private/505")
t0=$(ms)
use_ct "$X"
check "import-vz $X (copy, 10000 more files)" cc import-vz "$X" --conf "$VZ/conf/505.conf"
log "import --copy of the busybox tree and 10000 files: $(($(ms) - t0)) ms"
check "destroy $X" cc destroy "$X"
interrupt() { # ARGS...: import-vz X in the background, SIGINT once its partial area exists
	cc_bg import-vz "$X" --conf "$VZ/conf/505.conf" "$@"
	# a tight poll (wait_for's 0.1 s steps can miss a --move, whose partial area lives for the
	# re-own of the 10000 files only), then a short wait into the copy or the re-own
	local i=0
	while [ ! -e "$PRIV_DIR/.$X.partial" ] && [ ! -e "$PRIV_DIR/.$X.vzmove" ] && [ $i -lt 4000 ]; do
		sleep 0.005
		i=$((i + 1))
	done
	sleep 0.02
	kill -INT "$CC_PID" 2>/dev/null
	wait "$CC_PID"
	RC=$?
}
for how in --copy --move; do
	interrupt $how
	[ "$RC" = 3 ] && ok "interrupted import $how: exit 3" || fail "interrupted import $how: exit 3 (got $RC)"
	nothing_of "$X" "interrupted import $how"
	[ "$(tree_sum "$VZ/private/505")" = "$b5" ] && ok "interrupted import $how: the OpenVZ tree as it was" ||
		fail "interrupted import $how: the OpenVZ tree as it was" "$(ls -la "$VZ/private" 2>&1)"
done
t0=$(ms)
check "import-vz $X (move, 10000 more files)" cc import-vz "$X" --conf "$VZ/conf/505.conf" --move
log "import --move of the busybox tree and 10000 files: $(($(ms) - t0)) ms"
expect_match "^$(($(conf_get "$X" uid_base) + 1000))\$" "$(stat -c %u "$PRIV_DIR/$X/data/d99/f99")" "the last file re-owned"
check "destroy $X" cc destroy "$X"

log "---- a --move killed (SIGKILL) on the way: the next create of the CTID leaves the moved tree alone"
# (the moved tree is the only copy: it is no create's leftover, never removed as one)
vz_private 506
sed "s|^IP_ADDRESS=.*|IP_ADDRESS=\"192.0.2.81\"|; s|^NAME=.*|NAME=\"vz506\"|" "$VZ/conf/501.conf" > "$VZ/conf/506.conf"
python3 -c 'import os, sys
for d in range(100):
	p = os.path.join(sys.argv[1], "data", "d%d" % d)
	os.makedirs(p)
	for f in range(100):
		with open(os.path.join(p, "f%d" % f), "w") as fh: fh.write("x")' "$VZ/private/506"
cc_bg import-vz "$X" --conf "$VZ/conf/506.conf" --move
i=0
while [ ! -e "$PRIV_DIR/.$X.vzmove" ] && [ ! -e "$PRIV_DIR/.$X.partial" ] && [ ! -e "$PRIV_DIR/$X" ] && [ $i -lt 4000 ]; do
	sleep 0.005
	i=$((i + 1))
done
kill -KILL "$CC_PID" 2>/dev/null
wait "$CC_PID" 2>/dev/null
if [ -e "$CONF_DIR/$X.conf" ]; then
	log "the import finished before the kill: nothing to check"
	check "destroy $X" cc destroy "$X"
else
	cc create "$X" >/dev/null 2>&1
	moved=$(ls -d "$PRIV_DIR/.$X.vzmove/data/d99" "$PRIV_DIR/$X/data/d99" 2>/dev/null | head -1)
	[ -n "$moved" ] && ok "the killed move's tree survived the next create" ||
		fail "the killed move's tree survived the next create" "$(ls -la "$PRIV_DIR" 2>&1)"
	[ -e "$CONF_DIR/$X.conf" ] && cc destroy "$X" >/dev/null 2>&1
	rm -rf "$PRIV_DIR/.$X.vzmove" "$PRIV_DIR/$X"
fi

log "---- --move across file systems: refused (exit 3, use --copy), the tree where it was"
SHM=""
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$TMPD")" ]; then
	SHM=$(mktemp -d /dev/shm/cct-import-vz.XXXXXX)
	trap 'rc=$?; rm -rf "$SHM"; (exit $rc); cleanup' EXIT
	mkdir -p "$SHM/private" && cp -a "$VZ/private/501" "$SHM/private/504"
	sed "s|^VE_PRIVATE=.*|VE_PRIVATE=\"$SHM/private/\$VEID\"|; s|^IP_ADDRESS=.*|IP_ADDRESS=\"192.0.2.79\"|; s|^NAME=.*|NAME=\"vz504\"|" "$VZ/conf/501.conf" > "$VZ/conf/504.conf"
	b4=$(tree_sum "$SHM/private/504")
	expect_exit 3 cc import-vz "$X" --conf "$VZ/conf/504.conf" --move
	expect_match 'use --copy' "$OUT" "the message says to use --copy"
	nothing_of "$X" "move across file systems"
	[ "$(tree_sum "$SHM/private/504")" = "$b4" ] && ok "the refused move left the tree as it was" || fail "the refused move left the tree as it was"
	rm -rf "$SHM"
else
	log "skipped: /dev/shm is not another file system here"
fi

check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
leak_check
finish
