#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18, bind mounts from the host (--bindmount HOSTDIR:GUESTDIR[:ro|rw][,propagation=X][,idmap]),
# with and without a user namespace: a read-only share (EROFS inside, not remountable), one host
# directory shared read-write by two containers, propagation slave (a host mount under the shared
# directory appears inside, a mount inside never on the host) and private (neither), shared refused
# with a user namespace, live add and remove (with and without --save), the guest's own mount at a
# bind's place left alone, a guest symlink in the guest path kept inside the guest's tree, a
# restart keeping them, a missing host path refused at set and at start (nothing leaked), a
# symlinked host path and one in the private areas refused, destroy leaving the host directory
# alone; with a user namespace the host's files show as nobody, and idmap shows host uid N as N.
. "$(dirname "$0")/lib.sh"
need_template
leak_snapshot
# private areas on ext4, the same on every kernel (lib.sh: the VM's /tmp cannot be idmapped)
ext4_dirs 200
RO=$TMPD/share-ro
RW=$TMPD/share-rw
PROP=$TMPD/share-prop
mkdir -p "$RO" "$RW" "$PROP"
echo hello > "$RO/file"
chmod 1777 "$RW"
# the propagation source: a shared mount of the test's own (the host's / here is private)
mount -t tmpfs -o size=4m cct-bind "$PROP" && mount --make-shared "$PROP" || fail "a shared tmpfs for propagation"
mkdir -p "$PROP/sub" "$PROP/in"

in_mountinfo() { cc exec "$1" -- sh -c "grep -c ' $2 ' /proc/self/mountinfo || true"; }

# ---- bad input, on a stopped container ----
C0=$(ctid 9)
create_ct "$C0"
expect_exit 21 cc set "$C0" --bindmount "$TMPD/nonexistent:/mnt/x" --save
expect_match 'does not exist' "$OUT" "missing host directory: said so"
ln -s "$RW" "$TMPD/link"
expect_exit 21 cc set "$C0" --bindmount "$TMPD/link:/mnt/x" --save
expect_match 'symbolic link' "$OUT" "symlinked host path: said so"
expect_exit 21 cc set "$C0" --bindmount "$PRIV_DIR:/mnt/x" --save
expect_match 'private areas' "$OUT" "host path in the private areas: said so"
expect_exit 21 cc set "$C0" --bindmount "$TPL_DIR:/mnt/x" --save
expect_match 'templates' "$OUT" "host path in the templates: said so"
expect_exit 21 cc set "$C0" --bindmount "$TMPD:/mnt/x" --save
expect_match 'in or above' "$OUT" "host path above the private areas: said so"
for bad in "rel:/mnt/x" "$RW:mnt" "$RW:/mnt/../etc" "$RW:/proc/x" "$RW:/" "$RW:/mnt/x:rx" "$RW:/mnt/x,propagation=up" \
	"$RW:/mnt/x,bogus" "$RW" "$RW:/mnt/a b"; do
	expect_exit 21 cc set "$C0" --bindmount "$bad" --save
done
expect_exit 21 cc set "$C0" --bindmount-del /mnt/none --save
grep -q bindmount "$CONF_DIR/$C0.conf" && fail "refused binds left no [bindmount] section" "$(cat "$CONF_DIR/$C0.conf")" || ok "refused binds changed nothing"
check "set --bindmount --save (stopped)" cc set "$C0" --bindmount "$RW:/mnt/x:ro,propagation=slave" --bindmount "$RO:/mnt/y" --save
expect_match "mp0 = $RW:/mnt/x:ro,propagation=slave" "$(cat "$CONF_DIR/$C0.conf")" "config: mp0"
expect_match "mp1 = $RO:/mnt/y" "$(cat "$CONF_DIR/$C0.conf")" "config: mp1"
check "same guest path replaces" cc set "$C0" --bindmount "$RW:/mnt/x:rw" --save
run grep -c '^mp' "$CONF_DIR/$C0.conf"
[ "$OUT" = 2 ] && ok "still two binds" || fail "two mp keys" "$(cat "$CONF_DIR/$C0.conf")"
run cc list -a -H -o ctid,bindmount
expect_match "^ *$C0 +$RW:/mnt/x $RO:/mnt/y *\$" "$(grep -E "^ *$C0 " <<< "$OUT")" "list -o bindmount"
run cc list -a -j -o ctid,bindmount
expect_match "\"bindmount\": *\"$RW:/mnt/x $RO:/mnt/y\"" "$OUT" "list -j -o bindmount"
# slave (or shared) of a host directory whose mount is private propagates nothing: a warning
if [ "$(findmnt -n -o PROPAGATION -T "$RW")" = private ]; then
	check "a slave bind of a directory on a private mount" cc set "$C0" --bindmount "$RW:/mnt/w,propagation=slave" --save
	expect_match 'private: nothing propagates' "$OUT" "slave of a private host mount: a warning"
fi
check "a slave bind of a shared mount" cc set "$C0" --bindmount "$PROP:/mnt/p,propagation=slave" --save
grep -q 'nothing propagates' <<< "$OUT" && fail "no warning for a shared host mount" "$OUT" || ok "slave of a shared host mount: no warning"
check "bindmount-del all" cc set "$C0" --bindmount-del all --save
grep -q '^mp' "$CONF_DIR/$C0.conf" && fail "no mp key left" "$(cat "$CONF_DIR/$C0.conf")" || ok "bindmount-del all: no mp key left"
check "destroy $C0" cc destroy "$C0"

n=0
for mode in no yes mapped; do
	n=$((n + 1))
	userns=yes own=""
	[ $mode = no ] && userns=no
	[ $mode = mapped ] && own="--layout copy --ownership mapped"
	A=$(ctid $((n * 10 + 1)))
	B=$(ctid $((n * 10 + 2)))
	log "---- userns $mode: $A and $B ----"
	create_ct "$A" --userns $userns $own --bindmount "$RO:/mnt/ro:ro" --bindmount "$RW:/mnt/share" \
		--bindmount "$PROP:/mnt/prop,propagation=slave"
	create_ct "$B" --userns $userns --bindmount "$RW:/srv/share" --bindmount "$PROP:/mnt/priv"
	start_ct "$A"
	start_ct "$B"
	# read-only
	expect_output '^hello$' cc exec "$A" -- cat /mnt/ro/file
	expect_exit 1 cc exec "$A" -- sh -c 'echo x > /mnt/ro/new'
	expect_match 'Read-only file system' "$OUT" "ro share: EROFS inside ($userns)"
	run cc exec "$A" -- grep ' /mnt/ro ' /proc/self/mountinfo
	expect_match ' ro,nosuid,nodev' "$OUT" "ro share is ro,nosuid,nodev ($OUT)"
	run cc exec "$A" -- grep ' /mnt/share ' /proc/self/mountinfo
	expect_match ' rw,nosuid,nodev' "$OUT" "rw share is rw,nosuid,nodev"
	if [ $userns = yes ]; then
		expect_exit 1 cc exec "$A" -- mount -o remount,bind,rw /mnt/ro
		ok "ro share cannot be made rw inside (locked)"
		expect_output '^(nobody|65534)$' cc exec "$A" -- stat -c %U /mnt/ro/file
		expect_exit 21 cc set "$A" --bindmount "$RW:/mnt/sh,propagation=shared"
		expect_match 'propagation=shared needs a container without a user namespace' "$OUT" "shared refused with userns"
	fi
	# rw, shared by two containers
	check "write in $A" cc exec "$A" -- sh -c "echo from-$A > /mnt/share/f$n"
	expect_output "^from-$A\$" cc exec "$B" -- cat /srv/share/f$n
	[ "$(cat "$RW/f$n")" = "from-$A" ] && ok "the host sees the write" || fail "host sees the write"
	# propagation: slave in A, private in B
	mount -t tmpfs cct-bind-sub "$PROP/sub"
	expect_output '^1$' in_mountinfo "$A" /mnt/prop/sub
	expect_output '^0$' in_mountinfo "$B" /mnt/priv/sub
	umount "$PROP/sub"
	expect_output '^0$' in_mountinfo "$A" /mnt/prop/sub
	if cc exec "$A" -- mount -t tmpfs inside /mnt/prop/in; then
		ok "mount inside $A"
		mountpoint -q "$PROP/in" && fail "a mount inside reached the host" || ok "slave: a mount inside stays inside"
		cc exec "$A" -- umount /mnt/prop/in
	else
		warn "cannot mount inside $A: $OUT"
	fi
	# shared, without a user namespace only: a mount inside reaches the host
	if [ $userns = no ]; then
		check "live add a shared bind" cc set "$A" --bindmount "$PROP:/mnt/shr,propagation=shared"
		if cc exec "$A" -- mount -t tmpfs inside-shared /mnt/shr/in; then
			mountpoint -q "$PROP/in" && ok "shared: a mount inside reaches the host" || fail "shared: the mount inside is not on the host"
			cc exec "$A" -- umount /mnt/shr/in
			mountpoint -q "$PROP/in" && { fail "shared: the unmount inside reaches the host"; umount "$PROP/in"; } ||
				ok "shared: the unmount inside reaches the host"
		else
			warn "cannot mount inside $A: $OUT"
		fi
		check "remove the shared bind" cc set "$A" --bindmount-del /mnt/shr
	fi
	# live add and remove
	check "live add (no --save)" cc set "$A" --bindmount "$RW:/opt/live"
	expect_output "^from-$A\$" cc exec "$A" -- cat /opt/live/f$n
	grep -q /opt/live "$CONF_DIR/$A.conf" && fail "live-only add is not saved" || ok "live-only add is not saved"
	check "live remove" cc set "$A" --bindmount-del /opt/live
	expect_exit 1 cc exec "$A" -- test -e /opt/live/f$n
	# a live set of two binds whose second fails (its guest path is a file): the first goes again
	check "a file where a bind would go" cc exec "$A" -- sh -c 'echo f > /opt/zzfile'
	run cc set "$A" --bindmount "$RW:/opt/a" --bindmount "$RW:/opt/zzfile"
	[ "$RC" != 0 ] && ok "a live set whose second bind fails fails (exit $RC)" || fail "a live set with a failing bind" "$OUT"
	expect_exit 1 cc exec "$A" -- test -e /opt/a/f$n
	run cc exec "$A" -- grep -c " /opt/a " /proc/self/mountinfo
	[ "$OUT" = 0 ] && ok "the first bind of the failed set is gone again" || fail "the first bind of the failed set stays" "$OUT"
	# a live set that removes a bind and then fails at a new one: the removed bind comes back
	check "live add /opt/back" cc set "$A" --bindmount "$RW:/opt/back"
	run cc set "$A" --bindmount-del /opt/back --bindmount "$RW:/opt/zzfile"
	[ "$RC" != 0 ] && ok "a live set that removes one bind and fails at another fails (exit $RC)" ||
		fail "a live set with a removal and a failing bind" "$OUT"
	expect_output "^from-$A\$" cc exec "$A" -- cat /opt/back/f$n
	check "live remove /opt/back" cc set "$A" --bindmount-del /opt/back
	check "live add --save" cc set "$A" --bindmount "$RW:/opt/saved:ro" --save
	expect_output "^from-$A\$" cc exec "$A" -- cat /opt/saved/f$n
	expect_match "$RW:/opt/saved:ro" "$(cat "$CONF_DIR/$A.conf")" "live add --save is saved"
	expect_exit 1 cc exec "$A" -- sh -c "echo x > /opt/saved/new"
	if [ $userns = yes ]; then
		expect_exit 1 cc exec "$A" -- mount -o remount,bind,rw /opt/saved
		ok "a live-added ro bind cannot be made rw inside (locked)"
	fi
	# the guest's own mount at a bind's place is left alone
	if cc exec "$A" -- mount -t tmpfs guestown /opt/saved; then
		expect_exit 50 cc set "$A" --bindmount-del /opt/saved --save
		expect_match 'left alone' "$OUT" "the guest's own mount is left alone"
		cc exec "$A" -- umount /opt/saved
	fi
	check "live remove --save" cc set "$A" --bindmount-del /opt/saved --save
	expect_exit 1 cc exec "$A" -- test -e /opt/saved/f$n
	# a bind made at start is removed live too (made in the namespace init got: not locked)
	check "remove a start-time bind" cc set "$A" --bindmount-del /mnt/ro
	expect_exit 1 cc exec "$A" -- test -e /mnt/ro/file
	# a guest symlink in the guest path stays in the guest's tree
	check "guest symlink" cc exec "$A" -- ln -s /etc /mnt/esc
	check "bind through the guest's symlink" cc set "$A" --bindmount "$RW:/mnt/esc/bound$n"
	expect_output "^from-$A\$" cc exec "$A" -- cat /etc/bound$n/f$n
	[ -e /etc/bound$n ] && fail "the host's /etc got bound$n" || ok "the host's /etc untouched"
	# idmap: host uid 1000 shows as 1000 inside and writes as 1000; host root's files show as
	# nobody, out of the guest root's reach, and nothing written there is ever host root's
	if [ $userns = yes ]; then
		ID=$TMPD/ext/share-id$n # ext4: idmappable on every kernel
		mkdir -p "$ID"
		chown 1000:1000 "$ID"
		echo mine > "$ID/owned"
		chown 1000:1000 "$ID/owned"
		echo host-root > "$ID/rootfile"
		chmod 666 "$ID/rootfile"
		if cc set "$A" --bindmount "$ID:/mnt/id,idmap" --save; then
			expect_output '^1000$' cc exec "$A" -- stat -c %u /mnt/id/owned
			expect_output '^65534$' cc exec "$A" -- stat -c %u /mnt/id/rootfile
			run cc exec "$A" -- sh -c 'echo w > /mnt/id/new'
			[ "$RC" != 0 ] && ok "idmap: root inside cannot create a file (exit $RC)" || fail "idmap: root inside created a file" "$OUT"
			[ ! -e "$ID/new" ] && ok "idmap: root inside creates nothing (it would be host root's)" ||
				fail "idmap: root inside created a file" "$(stat -c %u "$ID/new")"
			run cc exec "$A" -- sh -c 'chmod 4755 /mnt/id/rootfile'
			[ "$RC" != 0 ] && ok "idmap: root inside cannot chmod host root's file (exit $RC)" || fail "idmap: chmod of host root's file" "$OUT"
			[ "$(stat -c %a "$ID/rootfile")" = 666 ] && ok "idmap: host root's file keeps its mode" ||
				fail "idmap: host root's file changed" "$(stat -c %a "$ID/rootfile")"
			check "a guest user of uid 1000" cc exec "$A" -- sh -c 'grep -q "^app:" /etc/passwd || echo "app:x:1000:1000::/:/bin/sh" >> /etc/passwd'
			check "uid 1000 writes the idmapped share" cc exec "$A" -- su app -s /bin/sh -c 'echo u > /mnt/id/byuser'
			[ "$(stat -c %u:%g "$ID/byuser" 2>/dev/null)" = 1000:1000 ] && ok "idmap: written as host uid 1000" ||
				fail "idmap owner of a guest user's file" "$(stat -c %u:%g "$ID/byuser" 2>&1)"
		else
			warn "idmap refused here: $OUT"
			cc set "$A" --bindmount-del /mnt/id --save > /dev/null 2>&1
		fi
	fi
	# a restart keeps the saved ones
	check "restart $A" cc restart "$A"
	expect_output "^from-$A\$" cc exec "$A" -- cat /mnt/share/f$n
	expect_output '^hello$' cc exec "$A" -- cat /mnt/ro/file
	# a missing host path at start: refused, nothing left behind
	check "stop $A" cc stop "$A"
	mkdir "$TMPD/gone"
	check "bind a directory" cc set "$A" --bindmount "$TMPD/gone:/mnt/gone" --save
	rmdir "$TMPD/gone"
	expect_exit 50 cc start "$A"
	expect_match 'does not exist' "$OUT" "missing host directory at start: said so"
	is_down "$A" && ok "$A is down after the refused start" || fail "$A down"
	check "bindmount-del" cc set "$A" --bindmount-del /mnt/gone --save
	check "stop $B" cc stop "$B"
	check "destroy $A" cc destroy "$A"
	check "destroy $B" cc destroy "$B"
	[ "$(cat "$RO/file")" = hello ] && [ -f "$RW/f$n" ] && ok "destroy left the host directories alone" || fail "host dirs after destroy"
done
umount "$PROP"
umount "$TMPD/ext"
finish
