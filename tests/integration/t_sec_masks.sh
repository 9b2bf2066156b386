#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 5: the masks over /proc (kcore, keys, timer_list, sysrq-trigger, the read-only
# /proc/sys, the boot id) and the read-only /sys are locked in a user-namespace container: root
# inside cannot unmount them (plain or lazy, also from a mount namespace of its own), cannot make
# them writable, cannot mount a fresh procfs or a non-recursive bind of /proc that would show
# what they hide, and a recursive bind keeps them. A privileged container (--userns no) gets the
# same masks; its root holds CAP_SYS_ADMIN over the host, so the kernel cannot lock them there
# (the man page says so): that part only checks they are in place.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
CTP=$(ctid 2)

# ex CMD: run a shell command inside $CT; OUT/RC as run()
ex() { run cc exec "$CT" -- sh -c "$1"; }
# mounted PATH: is PATH a mount point in the container (mountinfo field 5)?
mounted() { cc exec "$CT" -- sh -c "awk '{print \$5}' /proc/self/mountinfo | grep -qx '$1'"; }
mount_opts() { cc exec "$CT" -- sh -c "awk '\$5 == \"$1\" {print \$6}' /proc/self/mountinfo | tail -1"; }

create_ct "$CT" --hostname masks
start_ct "$CT"

# the masks this kernel has files for (kcore and sysrq-trigger depend on its config)
masks=()
for f in /proc/kcore /proc/keys /proc/timer_list /proc/sysrq-trigger /proc/sys/kernel/random/boot_id; do
	if cc exec "$CT" -- test -e "$f"; then masks+=("$f"); else log "$f does not exist on this kernel"; fi
done
locked=("${masks[@]}" /proc/sys /proc/sys/net /proc /sys /sys/fs/cgroup)
for m in "${locked[@]}"; do
	mounted "$m" && ok "$m is a mount point inside" || fail "$m is a mount point inside" "$(cc exec "$CT" -- cat /proc/self/mountinfo)"
done
for f in /proc/kcore /proc/keys /proc/timer_list; do
	cc exec "$CT" -- test -e "$f" || continue
	ex "wc -c < $f"
	expect_match '^ *0$' "$OUT" "$f reads as an empty file ($OUT)"
done
expect_match '^ro,' "$(mount_opts /proc/sys)" "/proc/sys is read-only"
expect_match '^ro,' "$(mount_opts /sys)" "/sys is read-only"
keys_before=$(cc exec "$CT" -- wc -c /proc/keys 2>&1)

# the attack: root inside tries to get rid of each mask
for m in "${locked[@]}"; do
	ex "umount $m"
	[ "$RC" != 0 ] && ok "umount $m fails inside ($OUT)" || fail "umount $m fails inside"
	ex "umount -l $m"
	[ "$RC" != 0 ] && ok "umount -l $m fails inside ($OUT)" || fail "umount -l $m fails inside"
	mounted "$m" && ok "$m is still mounted" || fail "$m is still mounted"
done
ex "mount -o remount,rw /proc/sys"
[ "$RC" != 0 ] && ok "remount /proc/sys read-write fails" || fail "remount /proc/sys read-write fails"
ex "mount -o remount,bind,rw /proc/sys"
[ "$RC" != 0 ] && ok "remount the /proc/sys bind read-write fails" || fail "remount the /proc/sys bind read-write fails"
expect_match '^ro,' "$(mount_opts /proc/sys)" "/proc/sys is still read-only"
ex "echo 1 > /proc/sys/kernel/ctrl-alt-del"
[ "$RC" != 0 ] && ok "a write under /proc/sys fails ($OUT)" || fail "a write under /proc/sys fails"
ex "mount -o remount,rw /sys"
[ "$RC" != 0 ] && ok "remount /sys read-write fails" || fail "remount /sys read-write fails"
expect_match '^ro,' "$(mount_opts /sys)" "/sys is still read-only"
if cc exec "$CT" -- test -e /proc/sysrq-trigger; then
	ex "mount -o remount,bind,rw /proc/sysrq-trigger"
	[ "$RC" != 0 ] && ok "remount /proc/sysrq-trigger read-write fails" || fail "remount /proc/sysrq-trigger read-write fails"
fi
ex "mkdir -p /mnt/k && touch /mnt/k/f && mount -o move /proc/keys /mnt/k/f"
[ "$RC" != 0 ] && ok "moving the keys mask away fails ($OUT)" || fail "moving the keys mask away fails"
mounted /proc/keys && ok "/proc/keys is still masked" || fail "/proc/keys is still masked"
# a procfs without the masks
ex "mkdir -p /mnt/p && mount -t proc proc /mnt/p"
[ "$RC" != 0 ] && ok "a fresh procfs mount is refused ($OUT)" || { fail "a fresh procfs mount is refused"; cc exec "$CT" -- umount /mnt/p; }
ex "mount -o bind /proc /mnt/p"
[ "$RC" != 0 ] && ok "a non-recursive bind of /proc is refused ($OUT)" || { fail "a non-recursive bind of /proc is refused"; cc exec "$CT" -- umount /mnt/p; }
# (each: the step before the attempt must work, or the failure proves nothing)
ex "mount -o rbind /proc /mnt/p && echo bound && umount /mnt/p/keys; r=\$?; umount -l /mnt/p; exit \$r"
[ "$RC" != 0 ] && printf '%s\n' "$OUT" | grep -qx bound && ok "in a recursive bind of /proc the keys mask cannot be unmounted either" ||
	fail "in a recursive bind of /proc the keys mask cannot be unmounted either" "$OUT"
# from a mount namespace of root's own (same user namespace), and from a nested user namespace
ex "unshare -m sh -c 'echo inside; umount /proc/keys || umount -l /proc/keys'"
[ "$RC" != 0 ] && printf '%s\n' "$OUT" | grep -qx inside && ok "umount /proc/keys fails in a new mount namespace too" ||
	fail "umount /proc/keys fails in a new mount namespace too" "$OUT"
ex "unshare -U -r -m sh -c 'echo inside; umount /proc/keys || umount -l /proc/keys'"
[ "$RC" != 0 ] && printf '%s\n' "$OUT" | grep -qx inside && ok "umount /proc/keys fails in a nested user namespace too" ||
	fail "umount /proc/keys fails in a nested user namespace too" "$OUT"
expect_output "^$(printf '%s' "$keys_before" | sed 's/[]\/$*.^[]/\\&/g')\$" cc exec "$CT" -- wc -c /proc/keys

# the guest itself still works: its init and the exec'd shell see the same tree
expect_output '^masks$' cc exec "$CT" -- hostname
check "a tmpfs can still be mounted inside" cc exec "$CT" -- sh -c 'mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && umount /mnt/t'

# a reboot gets a fresh, locked tree again
if cc exec "$CT" -- test -e /proc/sys/kernel/random/boot_id; then
	b1=$(cc exec "$CT" -- cat /proc/sys/kernel/random/boot_id)
	cc exec "$CT" -- reboot > /dev/null 2>&1
	rebooted() { b=$(cc exec "$CT" -- cat /proc/sys/kernel/random/boot_id 2>/dev/null) && [ -n "$b" ] && [ "$b" != "$b1" ]; }
	if wait_for 30 rebooted; then
		ok "the guest rebooted"
		ex "umount /proc/keys"
		[ "$RC" != 0 ] && ok "after reboot: umount /proc/keys still fails" || fail "after reboot: umount /proc/keys still fails"
	else
		fail "the guest rebooted (boot id changes)"
	fi
fi
check "stop $CT" cc stop "$CT" --fast
check "destroy $CT" cc destroy "$CT"

# nesting = yes: the same masks, made unlocked inside, so a nested container can mount a procfs
CTN=$(ctid 3)
create_ct "$CTN" --hostname masksn --nesting yes
start_ct "$CTN"
for m in "${masks[@]}" /proc/sys; do
	cc exec "$CTN" -- sh -c "awk '{print \$5}' /proc/self/mountinfo | grep -qx '$m'" &&
		ok "nesting: $m is masked" || fail "nesting: $m is masked"
done
run cc exec "$CTN" -- wc -c /proc/keys
expect_match '^ *0 ' "$OUT" "nesting: /proc/keys reads as empty ($OUT)"
run cc exec "$CTN" -- sh -c "awk '\$5 == \"/proc/sys\" {print \$6}' /proc/self/mountinfo"
expect_match '^ro,' "$OUT" "nesting: /proc/sys is read-only"
check "nesting: a fresh procfs can be mounted (for a nested container)" \
	cc exec "$CTN" -- sh -c 'mkdir -p /mnt/p && mount -t proc proc /mnt/p && test -e /mnt/p/self/status && umount /mnt/p'
check "nesting: a nested pid namespace gets its own /proc" \
	cc exec "$CTN" -- sh -c 'unshare -p -f -m --mount-proc sh -c "test \$(cat /proc/self/stat | cut -d\" \" -f1) -lt 5"'
run cc exec "$CTN" -- mount -o remount,rw /sys
[ "$RC" != 0 ] && ok "nesting: /sys stays locked read-only" || fail "nesting: /sys stays locked read-only"
run cc exec "$CTN" -- umount /proc
[ "$RC" != 0 ] && ok "nesting: /proc itself stays locked" || fail "nesting: /proc itself stays locked"
check "stop $CTN" cc stop "$CTN" --fast
check "destroy $CTN" cc destroy "$CTN"

# The tree is built by the host's root: a guest whose /proc, /sys, /dev or /run is a symlink out
# to the host must not get the host's directory mounted over or written to.
CTS=$(ctid 4)
create_ct "$CTS" --hostname maskss
HOSTDIR=$TMPD/hostdir
for d in proc sys dev run; do
	mkdir -p "$HOSTDIR/$d"
	echo host > "$HOSTDIR/$d/keep"
	mv "$PRIV_DIR/$CTS/$d" "$PRIV_DIR/$CTS/$d.real"
	ln -s "$HOSTDIR/$d" "$PRIV_DIR/$CTS/$d"
	run cc start "$CTS"
	if [ $d = run ]; then
		# a guest without a /run directory starts without the /run tmpfs
		[ "$RC" = 0 ] && ok "a guest whose /run is a symlink starts (without /run)" || fail "a guest whose /run is a symlink starts" "$OUT"
		cc stop "$CTS" --fast > /dev/null 2>&1
	else
		expect_match '^50$' "$RC" "start refuses a guest whose /$d is a symlink to the host (exit $RC: $OUT)"
	fi
	grep -qF " $HOSTDIR/" /proc/self/mountinfo && fail "nothing is mounted on the host's directory ($d)" "$(grep -F "$HOSTDIR" /proc/self/mountinfo)" ||
		ok "nothing is mounted on the host's directory ($d)"
	left=$(ls -A "$HOSTDIR/$d")
	[ "$left" = keep ] && ok "the host's directory is untouched ($d)" || fail "the host's directory is untouched ($d)" "$left"
	rm "$PRIV_DIR/$CTS/$d"
	mv "$PRIV_DIR/$CTS/$d.real" "$PRIV_DIR/$CTS/$d"
done
check "the repaired guest starts" cc start "$CTS"
check "stop $CTS" cc stop "$CTS" --fast
check "destroy $CTS" cc destroy "$CTS"

# a user-id block above 2^31: the host's root mounts the guest's devpts with the container's tty
# group, which some kernels (6.1) cannot take that high; the guest must start all the same
CTH=$(ctid 5)
HIGH=$((2147483648 + CCT_SLOT % 1000 * 131072))
sed -i "s/^base    = .*/base    = $HIGH/" "$CONF"
create_ct "$CTH" --hostname masksh
sed -i "s/^base    = .*/base    = $USERNS_BASE/" "$CONF"
run grep '^uid_base' "$CONF_DIR/$CTH.conf"
expect_match "= $HIGH\$" "$OUT" "the container got a block above 2^31 ($OUT)"
start_ct "$CTH"
expect_output "^ *0 +$HIGH +65536" cc exec "$CTH" -- cat /proc/self/uid_map
expect_output '^1$' cc exec "$CTH" -- sh -c 'exec 3<>/dev/ptmx && ls /dev/pts | grep -x 1'
expect_output '^entered' cc enter "$CTH" --exec true
run cc exec "$CTH" -- umount /proc/keys
[ "$RC" != 0 ] && ok "high block: umount /proc/keys fails inside" || fail "high block: umount /proc/keys fails inside"
check "stop $CTH" cc stop "$CTH" --fast
check "destroy $CTH" cc destroy "$CTH"

# privileged: the same masks, not lockable
create_ct "$CTP" --userns no --hostname masksp
start_ct "$CTP"
for m in "${masks[@]}" /proc/sys; do
	cc exec "$CTP" -- sh -c "awk '{print \$5}' /proc/self/mountinfo | grep -qx '$m'" &&
		ok "privileged: $m is masked" || fail "privileged: $m is masked"
done
run cc exec "$CTP" -- sh -c "awk '\$5 == \"/proc/sys\" {print \$6}' /proc/self/mountinfo"
expect_match '^ro,' "$OUT" "privileged: /proc/sys is read-only"
run cc exec "$CTP" -- wc -c /proc/keys
expect_match '^ *0 ' "$OUT" "privileged: /proc/keys reads as empty ($OUT)"
run cc exec "$CTP" -- umount /proc/keys
log "privileged: umount /proc/keys inside exits $RC (the kernel cannot lock mounts against the host's root; documented)"
check "stop $CTP" cc stop "$CTP" --fast
check "destroy $CTP" cc destroy "$CTP"
finish
