#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 5: --iolimit 5M holds a direct-I/O write (dd oflag=direct) inside the
# container to 5 MiB/s (+-20%), on a filesystem on a loop device (the private area lives on an
# ext4 image this test makes, loop-mounts and removes again); set --iolimit 10M on the running
# container then holds it to 10 MiB/s (+-20%).
#
# How the rate is taken: the kernel's own byte counter of the container's cgroup for the loop
# device (v2 io.stat, v1 blkio.throttle.io_service_bytes_recursive), sampled (limits.sh io_sample:
# clock and counter read together, no fork between) over an 8 s window that starts once the write
# is under way and ends while dd is still writing. Not the wall clock
# of `cellctl exec dd`: that includes exec's start-up (seconds under qemu TCG, or on a busy host)
# and the burst the throttle lets through at the start, and so read 2.2-4.5 MiB/s in the VM for
# a cap that held exactly. The test also checks that dd really has the file open with O_DIRECT.
# When the device itself (uncapped) is too slow to tell the cap from its own speed, the test
# says SKIP with the figures, after every other check.
# long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 missing"
need_template
leak_snapshot
CT=$(ctid 1)
IMG=$TMPD/io.img
MNT=$TMPD/iofs
WIN=8
# (busybox dd turns its argv's "if=/dev/zero" into "if /dev/zero")
DDRE='^dd if[= ]/dev/zero of[= ]/cct-io( |$)'
truncate -s 512M "$IMG"
mkfs.ext4 -q -F "$IMG" || { fail "mkfs.ext4"; finish; }
mkdir -p "$MNT"
# -o loop: an autoclear loop device, freed with the last unmount (even the lazy one of the cleanup)
mount -o loop "$IMG" "$MNT" || { fail "mount -o loop $IMG"; finish; }
LOOPDEV=$(findmnt -n -o SOURCE "$MNT")
DEV=$(cat "/sys/class/block/${LOOPDEV##*/}/dev")
log "private area on $LOOPDEV ($DEV), cgroups $(cg_mode)"
mkdir -p "$MNT/private"
sed -i "s|^private_dir .*|private_dir  = $MNT/private|" "$CONF"
# the device's own speed first (from the host, unthrottled, no exec in the way): the band below
# only means something when the device is well above the cap
t0=$(date +%s%N)
dd if=/dev/zero of="$MNT/cct-base" bs=1M count=50 oflag=direct 2>/dev/null
t1=$(date +%s%N)
rm -f "$MNT/cct-base"
base=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", 50 / ((e - s) / 1e9) }')
log "uncapped dd oflag=direct on $LOOPDEV from the host: $base MiB/s"
SKIP_WHY=""

# io_phase CAP_MIB: a direct write in the container, measured over the window; RATE (MiB/s) and
# MOVED (bytes on the device from before dd to after it) are set. Status 1: no figure (a failure
# has been recorded).
io_phase() {
	local cap=$1 out=$TMPD/dd.$1.out f f2 pid fl="" s0 b0 b1 t0 t1 alive
	RATE="" MOVED=0
	f=$(ct_io_file "$CT") || { fail "an I/O byte counter in the cgroups of $CT" "$(ct_cgdirs "$CT")"; return 1; }
	s0=$(io_bytes "$f" "$DEV")
	# more than the window plus a generous start at the cap: dd must still be writing at its end
	cc_bg exec "$CT" -- dd if=/dev/zero of=/cct-io bs=1M count=$((cap * (WIN + 16))) oflag=direct > "$out" 2>&1
	if ! wait_proc "$CT" "$DDRE" 120; then
		fail "dd oflag=direct runs in $CT" "$(cat "$out")"
		return 1
	fi
	pid=$(ct_pids "$CT" "$DDRE" | head -1)
	for f2 in /proc/"$pid"/fd/*; do
		case "$(readlink "$f2" 2>/dev/null)" in
		*/cct-io) fl=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/${f2##*/}" 2>/dev/null) ;;
		esac
	done
	# O_DIRECT is 040000 on x86 and most others (the flags are printed in octal)
	if [ -n "$fl" ] && [ $((0$fl & 040000)) != 0 ]; then
		ok "dd in $CT has /cct-io open with O_DIRECT (flags $fl)"
	else
		fail "dd in $CT has /cct-io open with O_DIRECT" "flags: ${fl:-no fd on /cct-io}"
	fi
	# under way: the first MiB has reached the loop device; then let the start-up burst pass
	local end=$((SECONDS + 60))
	while [ $(($(io_bytes "$f" "$DEV") - s0)) -lt 1048576 ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
	if [ $(($(io_bytes "$f" "$DEV") - s0)) -lt 1048576 ]; then
		fail "dd's writes reach $LOOPDEV ($DEV) in the counter of $CT within 60 s" "$(cat "$f")"
		kill_marked "$CT" "$DDRE"
		wait "$CC_PID" 2>/dev/null
		return 1
	fi
	sleep 1
	io_sample "$f" "$DEV"; t0=$S_T b0=$S_IO
	sleep "$WIN"
	io_sample "$f" "$DEV"; t1=$S_T b1=$S_IO
	has_proc "$CT" "$DDRE" && alive=1 || alive=0
	kill_marked "$CT" "$DDRE"
	wait "$CC_PID" 2>/dev/null
	MOVED=$(($(io_bytes "$f" "$DEV") - s0))
	RATE=$(awk -v a="$b0" -v b="$b1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (b - a) / 1048576 / ((e - s) / 1e6) }')
	log "--iolimit ${cap}M: $(awk -v a="$b0" -v b="$b1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f MiB in %.3f s", (b - a) / 1048576, (e - s) / 1e6 }') on $DEV: $RATE MiB/s"
	if [ $alive = 0 ]; then
		fail "dd still writing at the end of the ${WIN} s window (it ended early: not held at ${cap} MiB/s?)" "$(cat "$out")"
		return 1
	fi
	return 0
}

# in_band CAP: RATE within CAP +-20% (ok), else fail, or a SKIP reason when the device is too slow
in_band() {
	local cap=$1 what=$2
	if awk -v r="$RATE" -v c="$cap" 'BEGIN { exit !(r >= c * 0.8 && r <= c * 1.2) }'; then
		ok "$what: $RATE MiB/s ($cap +-20%)"
	elif awk -v r="$RATE" -v c="$cap" -v b="$base" 'BEGIN { exit !(r < c * 0.8 && b < c * 1.6) }'; then
		SKIP_WHY="$what: $RATE MiB/s, below $cap +-20%, but $LOOPDEV itself only does $base MiB/s uncapped here (< 1.6 x $cap): the cap cannot be told from the device's own speed"
		log "$SKIP_WHY"
	else
		fail "$what: $cap MiB/s +-20% expected, got $RATE (uncapped $base MiB/s)"
	fi
}

create_ct "$CT" --iolimit 5M
start_ct "$CT"
l=$(ubc_val "$CT" iobytes limit)
[ "$l" = 5242880 ] && ok "ubc iobytes limit 5242880 bytes/s" || fail "ubc iobytes limit 5242880" "$(cc ubc "$CT" 2>&1)"
u0=$(ubc_val "$CT" iobytes held)
if io_phase 5; then
	in_band 5 "direct write under --iolimit 5M"
	u1=$(ubc_val "$CT" iobytes held)
	[ $((u1 - u0)) -ge "$MOVED" ] && [ "$MOVED" -gt 0 ] && ok "ubc iobytes counted the write ($((u1 - u0)) bytes, $MOVED on $DEV)" ||
		fail "ubc iobytes counts the write ($MOVED bytes on $DEV)" "$u0 -> $u1"
fi
check "set --iolimit 10M (live)" cc set "$CT" --iolimit 10M
l=$(ubc_val "$CT" iobytes limit)
[ "$l" = 10485760 ] && ok "ubc iobytes limit now 10485760 bytes/s" || fail "ubc iobytes limit 10485760 after set" "$(cc ubc "$CT" 2>&1)"
io_phase 10 && in_band 10 "direct write after set --iolimit 10M"
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
umount "$MNT" && ok "loop fs unmounted" || fail "umount $MNT"
if [ -n "$SKIP_WHY" ] && [ "$FAILS" = 0 ]; then
	leak_check "end of test" && skip "$SKIP_WHY"
	LEAK_BASE=""
fi
finish
