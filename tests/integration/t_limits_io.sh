#!/bin/bash
# Issue 4, acceptance 5: --iolimit 5M holds a direct-I/O write (dd oflag=direct) inside the
# container to 5 MB/s (+-20%), on a filesystem on a loop device: the private area lives on an ext4
# image this test makes, loop-mounts and removes again.
# long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 missing"
need_template
leak_snapshot
CT=$(ctid 1)
IMG=$TMPD/io.img
MNT=$TMPD/iofs
truncate -s 512M "$IMG"
mkfs.ext4 -q -F "$IMG" || { fail "mkfs.ext4"; finish; }
mkdir -p "$MNT"
# -o loop: an autoclear loop device, freed with the last unmount (even the lazy one of the cleanup)
mount -o loop "$IMG" "$MNT" || { fail "mount -o loop $IMG"; finish; }
LOOPDEV=$(findmnt -n -o SOURCE "$MNT")
log "private area on $LOOPDEV ($(cat /sys/class/block/${LOOPDEV##*/}/dev))"
mkdir -p "$MNT/private"
sed -i "s|^private_dir .*|private_dir  = $MNT/private|" "$CONF"
# the device's own speed first (from the host, unthrottled): the band below only means
# something when the device is well above 5 MB/s
t0=$(date +%s%N)
dd if=/dev/zero of="$MNT/cct-base" bs=1M count=50 oflag=direct 2>/dev/null
t1=$(date +%s%N)
rm -f "$MNT/cct-base"
base=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", 50 / ((e - s) / 1e9) }')
log "uncapped dd oflag=direct on $LOOPDEV from the host: $base MiB/s"
create_ct "$CT" --iolimit 5M
start_ct "$CT"
l=$(ubc_val "$CT" iobytes limit)
[ "$l" = 5242880 ] && ok "ubc iobytes limit 5242880 bytes/s" || fail "ubc iobytes limit 5242880" "$(cc ubc "$CT" 2>&1)"
b0=$(ubc_val "$CT" iobytes held)
t0=$(date +%s%N)
run cc exec "$CT" -- dd if=/dev/zero of=/cct-io bs=1M count=25 oflag=direct
t1=$(date +%s%N)
log "dd: $(printf '%s' "$OUT" | tail -1)"
rate=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", 25 * 1048576 / ((e - s) / 1e9) / 1048576 }')
log "dd oflag=direct of 25 MiB under --iolimit 5M: $rate MiB/s"
if [ "$RC" = 0 ] && awk -v r="$rate" 'BEGIN { exit !(r >= 4.0 && r <= 6.0) }'; then
	ok "direct write held at $rate MiB/s (5 +-20%)"
elif [ "$RC" = 0 ] && awk -v r="$rate" -v b="$base" 'BEGIN { exit !(r < 4.0 && b < 8.0) }'; then
	warn "direct write at $rate MiB/s, below 5 +-20%, but the device itself only does $base MiB/s here (emulated or busy host): the cap cannot be shown"
else
	fail "direct write at 5 MiB/s +-20%: $rate (exit $RC, uncapped $base MiB/s)" "$OUT"
fi
b1=$(ubc_val "$CT" iobytes held)
[ $((b1 - b0)) -ge $((25 * 1048576)) ] && ok "ubc iobytes counted the write ($((b1 - b0)) bytes)" || fail "ubc iobytes counts the write" "$b0 -> $b1"
check "set --iolimit 10M (live)" cc set "$CT" --iolimit 10M
t0=$(date +%s%N)
run cc exec "$CT" -- dd if=/dev/zero of=/cct-io bs=1M count=30 oflag=direct
t1=$(date +%s%N)
rate=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", 30 / ((e - s) / 1e9) }')
log "after set --iolimit 10M: $rate MiB/s"
if awk -v r="$rate" 'BEGIN { exit !(r >= 8.0 && r <= 12.0) }'; then
	ok "after set --iolimit 10M: $rate MiB/s (10 +-20%)"
elif awk -v r="$rate" -v b="$base" 'BEGIN { exit !(r < 8.0 && b < 14.0) }'; then
	warn "after set --iolimit 10M: $rate MiB/s, but the device only does $base MiB/s here"
else
	fail "10 MiB/s +-20% after set: $rate (uncapped $base MiB/s)"
fi
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
umount "$MNT" && ok "loop fs unmounted" || fail "umount $MNT"
finish
