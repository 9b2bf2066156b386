#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14, idmapped ownership of layout copy: a userns container's private area is
# container-relative on disk (ownership mapped: root = 0) and bound idmapped at start where
# private_dir's filesystem can be idmapped, else shifted into the block at extraction (the
# fallback, with an info line: the VM's /tmp, an overlay over tmpfs on 6.1, where an ext4 loop
# private_dir then gives mapped). Files made inside land in [0,size)
# or in the shifted range; the guest sees its root's files as root's; a host user whose uid is a
# container uid reaches nothing (private_dir 0700); setuid and file capabilities work inside; the
# files the host writes into the guest get the container's root on disk; --ownership shifted
# keeps the old layout; set --ownership converts a stopped container both ways.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
owners() { stat -c '%u:%g' "$@" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }

# the guest helper: a static program (setuid, file capability, run as another user)
HAVE_IDSHOW=no
if command -v gcc >/dev/null && command -v python3 >/dev/null &&
	gcc -O2 -static -o "$TMPD/idshow" "$LIB_DIR/helpers/idshow.c" > "$TMPD/gcc.log" 2>&1; then
	HAVE_IDSHOW=yes
else
	warn "no static gcc or no python3: the setuid and file capability checks are skipped"
fi
# caps_xattr FILE ROOTID: security.capability v3, cap_net_raw (13) permitted and effective
caps_xattr() {
	python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1], "security.capability", struct.pack("<6I", 0x03000001, 1 << 13, 0, 0, 0, int(sys.argv[2])))' "$1" "$2"
}
# guest_checks CT DESC: the ownership a guest sees and what a host user can do, for either layout
guest_checks() {
	local ct=$1 d=$2 droot P=$PRIV_DIR/$1
	droot=$(disk_root "$ct")
	expect_output '^0 0$' cc exec "$ct" -- stat -c '%u %g' /bin/busybox
	check "$d: make files inside as root and as uid 1000" cc exec "$ct" -- sh -c \
		'echo r > /own-root && echo u > /own-user && chown 1000:1000 /own-user && chmod 600 /own-user /own-root && mkdir -p /home/u && chown 1000:1000 /home/u'
	expect_match "^$droot:$droot $((droot + 1000)):$((droot + 1000))\$" "$(owners "$P/own-root" "$P/own-user")" \
		"$d: on disk, root's file is $droot, uid 1000's is $((droot + 1000))"
	expect_output '^1000 1000$' cc exec "$ct" -- stat -c '%u %g' /own-user
	if [ "$HAVE_IDSHOW" = yes ]; then
		cp "$TMPD/idshow" "$P/bin/idshow" && cp "$TMPD/idshow" "$P/bin/idsuid" && cp "$TMPD/idshow" "$P/bin/idcap" &&
			chown "$droot:$droot" "$P/bin/idshow" "$P/bin/idsuid" "$P/bin/idcap" && chmod 4755 "$P/bin/idsuid" &&
			caps_xattr "$P/bin/idcap" "$droot" || fail "$d: install the helpers"
		expect_output '^euid=1000 capeff=0000000000000000$' cc exec "$ct" -- /bin/idshow as 1000 /bin/idshow show
		expect_output '^euid=0 ' cc exec "$ct" -- /bin/idshow as 1000 /bin/idsuid show
		expect_output '^euid=1000 capeff=0000000000002000$' cc exec "$ct" -- /bin/idshow as 1000 /bin/idcap show
	fi
}

# ---- the default: mapped where private_dir's filesystem can be idmapped -----------------------
chmod 755 "$PRIV_DIR" # a private_dir open to host users: a mapped create must close it
use_ct "$A"
run cc create "$A" --hostname own-a --ipadd 10.77.7.11/24 --nameserver 10.77.7.53
[ "$RC" = 0 ] && ok "create $A" || fail "create $A" "$OUT"
MODE=$(conf_get "$A" ownership)
log "private_dir on $(stat -f -c %T "$PRIV_DIR"), kernel $(uname -r): ownership $MODE"
if [ "$MODE" = mapped ]; then
	ok "ownership mapped where the filesystem can be idmapped"
	expect_match '^700$' "$(stat -c %a "$PRIV_DIR")" "private_dir closed to host users (0700)"
	grep -q "now mode 0700" "$LOG_FILE" && ok "the log says private_dir was closed" || fail "the log says private_dir was closed"
	expect_match '^0:0$' "$(owners "$PRIV_DIR/$A/bin/busybox")" "extracted with no shift: root's files are 0:0 on disk"
elif [ "$MODE" = shifted ]; then
	ok "ownership shifted where the filesystem cannot be idmapped"
	grep -q "cannot be idmapped.*ownership shifted" "$LOG_FILE" && ok "the log says why it fell back to shifted" ||
		fail "the log says why it fell back to shifted" "$(tail -3 "$LOG_FILE")"
	base=$(conf_get "$A" uid_base)
	expect_match "^$base:$base\$" "$(owners "$PRIV_DIR/$A/bin/busybox")" "shifted at extraction"
	expect_exit 5 cc create "$C" --ownership mapped
	expect_match 'cannot be idmapped' "$OUT" "--ownership mapped on such a filesystem says why"
	[ ! -e "$CONF_DIR/$C.conf" ] && [ -z "$(ls -A "$PRIV_DIR" | grep -v "^$A\$")" ] && ok "nothing left by the refused create" ||
		fail "nothing left by the refused create" "$(ls -A "$PRIV_DIR" "$CONF_DIR")"
else
	fail "the ownership is recorded (got '$MODE')"
fi
start_ct "$A"
guest_checks "$A" "$MODE"
# the files the host writes into the guest belong to its root on disk (start and a live set)
droot=$(disk_root "$A")
check "set --hostname and --nameserver live" cc set "$A" --hostname own-a2 --nameserver 10.77.7.54
expect_match "^$droot:$droot $droot:$droot $droot:$droot\$" \
	"$(owners "$PRIV_DIR/$A/etc/hostname" "$PRIV_DIR/$A/etc/hosts" "$PRIV_DIR/$A/etc/resolv.conf")" \
	"hostname, hosts, resolv.conf written by the host belong to $droot on disk"
expect_output '^own-a2$' cc exec "$A" -- cat /etc/hostname
expect_output '^0 0$' cc exec "$A" -- stat -c '%u %g' /etc/resolv.conf
if command -v setpriv >/dev/null && [ "$MODE" = mapped ]; then
	# container uid 1000 is host uid 1000 on disk: only private_dir's 0700 keeps host user 1000 out
	run setpriv --reuid 1000 --regid 1000 --clear-groups cat "$PRIV_DIR/$A/own-user"
	[ "$RC" != 0 ] && ok "host uid 1000 cannot read the container's uid 1000 file" || fail "host uid 1000 cannot read it" "$OUT"
	run setpriv --reuid 1000 --regid 1000 --clear-groups sh -c "echo x > '$PRIV_DIR/$A/home/u/x'"
	[ "$RC" != 0 ] && [ ! -e "$PRIV_DIR/$A/home/u/x" ] && ok "host uid 1000 cannot write into the container's uid 1000 dir" ||
		fail "host uid 1000 cannot write there" "$OUT"
	chmod 755 "$PRIV_DIR"
	run setpriv --reuid 1000 --regid 1000 --clear-groups cat "$PRIV_DIR/$A/own-user"
	chmod 700 "$PRIV_DIR"
	expect_match '^u$' "$OUT" "(why: with private_dir open, host uid 1000 would read it)"
fi
check "stop $A" cc stop "$A"
# a guest without the mount points: start makes them (host root cannot create through the
# idmapped bind), owned by the container's root on disk
rmdir "$PRIV_DIR/$A/proc" "$PRIV_DIR/$A/sys"
start_ct "$A"
expect_match "^$droot:$droot $droot:$droot\$" "$(owners "$PRIV_DIR/$A/proc" "$PRIV_DIR/$A/sys")" \
	"missing /proc and /sys made at start, owned by $droot on disk"
expect_output '^u$' cc exec "$A" -- cat /own-user
check "stop $A again" cc stop "$A"
if [ "$MODE" = mapped ]; then
	# a clone of a mapped container stays mapped: container-relative ids need no move
	E=$(ctid 5)
	use_ct "$E"
	check "clone $A $E" cc clone "$A" "$E"
	expect_match '^mapped$' "$(conf_get "$E" ownership)" "the clone keeps ownership mapped"
	expect_match '^0:0 1000:1000$' "$(owners "$PRIV_DIR/$E/own-root" "$PRIV_DIR/$E/own-user")" \
		"the clone's owners on disk stay container-relative"
	start_ct "$E"
	expect_output '^1000 1000 u$' cc exec "$E" -- sh -c 'echo "$(stat -c "%u %g" /own-user) $(cat /own-user)"'
	check "stop $E" cc stop "$E"
	check "destroy $E" cc destroy "$E"
fi

# ---- --ownership shifted: the layout of before, still working ----------------------------------
create_ct "$B" --ownership shifted --hostname own-b
expect_match '^shifted$' "$(conf_get "$B" ownership)" "--ownership shifted is recorded"
base=$(conf_get "$B" uid_base)
expect_match "^$base:$base\$" "$(owners "$PRIV_DIR/$B/bin/busybox")" "shifted on disk ($base)"
start_ct "$B"
guest_checks "$B" shifted
check "stop $B" cc stop "$B"

# ---- conversion: set --ownership on a stopped container, both ways --------------------------------
# the tree as it must stay (names, types, modes, sizes, content; owners relative to the root's)
tree_sum() { (cd "$PRIV_DIR/$1" && find . -printf '%p %y %m %s\n' | sort && find . -type f -exec cat {} + | md5sum) | md5sum; }
rel_owners() { # CT: each entry's owner less the disk root's, sorted
	local d
	d=$(disk_root "$1")
	(cd "$PRIV_DIR/$1" && find . -printf '%p %U %G\n') | awk -v d="$d" '{print $1, $2 - d, $3 - d}' | sort | md5sum
}
converted_checks() { # CT DESC: owners, set-id bit, file capability and the guest after a conversion
	local ct=$1 d=$2 droot
	droot=$(disk_root "$ct")
	expect_match "^$droot:$droot $((droot + 1000)):$((droot + 1000))\$" "$(owners "$PRIV_DIR/$ct/own-root" "$PRIV_DIR/$ct/own-user")" \
		"$d: owners moved on disk (root $droot, uid 1000 $((droot + 1000)))"
	[ "$(tree_sum "$ct")" = "$sum0" ] && ok "$d: names, modes, sizes and content kept" || fail "$d: the tree changed"
	[ "$(rel_owners "$ct")" = "$rel0" ] && ok "$d: every owner moved with the root" || fail "$d: some owner did not move"
	start_ct "$ct"
	expect_output '^u$' cc exec "$ct" -- cat /own-user
	expect_output '^1000 1000$' cc exec "$ct" -- stat -c '%u %g' /own-user
	if [ "$HAVE_IDSHOW" = yes ]; then
		expect_match '^4755$' "$(stat -c %a "$PRIV_DIR/$ct/bin/idsuid")" "$d: the setuid bit kept"
		expect_output '^euid=0 ' cc exec "$ct" -- /bin/idshow as 1000 /bin/idsuid show
		expect_output '^euid=1000 capeff=0000000000002000$' cc exec "$ct" -- /bin/idshow as 1000 /bin/idcap show
	fi
	check "$d: stop" cc stop "$ct"
}
if [ "$MODE" = mapped ]; then
	start_ct "$A"
	expect_exit 32 cc set "$A" --ownership shifted
	check "stop $A for the conversion" cc stop "$A"
	sum0=$(tree_sum "$A") rel0=$(rel_owners "$A")
	run cc set "$A" --ownership shifted
	[ "$RC" = 0 ] && ok "set --ownership shifted ($OUT)" || fail "set --ownership shifted" "$OUT"
	expect_match '^shifted$' "$(conf_get "$A" ownership)" "the config records shifted"
	converted_checks "$A" "mapped to shifted"
	run cc set "$A" --ownership mapped
	[ "$RC" = 0 ] && ok "set --ownership mapped ($OUT)" || fail "set --ownership mapped" "$OUT"
	expect_match '^mapped$' "$(conf_get "$A" ownership)" "the config records mapped"
	converted_checks "$A" "shifted to mapped"
	expect_output 'already' cc set "$A" --ownership mapped

	# an interrupted conversion (the record written, part of the tree re-owned): the next start
	# finishes it before the container runs
	base=$(conf_get "$A" uid_base)
	printf 'shifted\n' > "$PRIV_DIR/.$A.reowning"
	chown -h "$base:$base" "$PRIV_DIR/$A/own-root" "$PRIV_DIR/$A/etc"
	start_ct "$A"
	grep -q "finishing the interrupted conversion of container $A to ownership shifted" "$LOG_FILE" &&
		ok "start finishes an interrupted conversion" || fail "start finishes an interrupted conversion" "$(tail -3 "$LOG_FILE")"
	[ ! -e "$PRIV_DIR/.$A.reowning" ] && ok "the record is gone" || fail "the record is gone"
	expect_match '^shifted$' "$(conf_get "$A" ownership)" "the config records the finished conversion"
	expect_match "^$base:$base $((base + 1000)):$((base + 1000))\$" "$(owners "$PRIV_DIR/$A/own-root" "$PRIV_DIR/$A/own-user")" \
		"the whole tree is shifted"
	expect_output '^0 0$' cc exec "$A" -- stat -c '%u %g' /etc
	check "stop $A" cc stop "$A"
else
	expect_exit 5 cc set "$B" --ownership mapped
	expect_match 'cannot be idmapped' "$OUT" "set --ownership mapped where the filesystem cannot: refused, says why"
	expect_match '^shifted$' "$(conf_get "$B" ownership)" "nothing changed"
	[ ! -e "$PRIV_DIR/.$B.reowning" ] && ok "no conversion record left" || fail "no conversion record left"
fi
# where the default fell back (the VM: tmpfs on 6.1), an ext4 private_dir gives mapped there too
if [ "$MODE" != mapped ] && command -v mkfs.ext4 >/dev/null && truncate -s 96M "$TMPD/ext4.img" &&
	mkfs.ext4 -q -F "$TMPD/ext4.img" && mkdir -p "$TMPD/ext4" && mount -o loop "$TMPD/ext4.img" "$TMPD/ext4"; then
	D=$(ctid 4)
	mkdir -m 700 "$TMPD/ext4/private"
	sed -i 's|^private_dir  = private$|private_dir  = ext4/private|' "$CONF"
	PRIV_SAVED=$PRIV_DIR PRIV_DIR=$TMPD/ext4/private
	create_ct "$D" --hostname own-d
	expect_match '^mapped$' "$(conf_get "$D" ownership)" "ext4 private_dir: ownership mapped"
	start_ct "$D"
	guest_checks "$D" "mapped on ext4"
	check "stop $D" cc stop "$D"
	sum0=$(tree_sum "$D") rel0=$(rel_owners "$D")
	check "convert $D to shifted" cc set "$D" --ownership shifted
	converted_checks "$D" "ext4: mapped to shifted"
	check "convert $D to mapped" cc set "$D" --ownership mapped
	converted_checks "$D" "ext4: shifted to mapped"
	check "destroy $D" cc destroy "$D"
	sed -i 's|^private_dir  = ext4/private$|private_dir  = private|' "$CONF"
	PRIV_DIR=$PRIV_SAVED
	umount "$TMPD/ext4" || umount -l "$TMPD/ext4"
else
	log "ext4 private_dir case: not run (the default is mapped here already, or no mkfs.ext4/loop)"
fi
expect_exit 21 cc set "$B" --ownership sideways
expect_exit 20 cc set "$B" --ownership mapped --hostname x
expect_exit 14 cc set "$C" --ownership mapped

# ---- refusals -------------------------------------------------------------------------------------
expect_exit 21 cc create "$C" --ownership sideways
expect_exit 21 cc create "$C" --ownership mapped --userns no
expect_match 'user namespace' "$OUT" "--ownership without a user namespace: refused, says why"
expect_exit 21 cc create "$C" --ownership mapped --layout overlay
expect_match 'overlay' "$OUT" "--ownership with layout overlay: refused, says why"
[ ! -e "$CONF_DIR/$C.conf" ] && [ ! -e "$PRIV_DIR/$C" ] && ok "nothing left by the refused creates" || fail "nothing left"
create_ct "$C" --userns no
expect_match '^$' "$(conf_get "$C" ownership)" "no user namespace: no ownership key"
expect_exit 21 cc set "$C" --ownership mapped
expect_match 'no user namespace' "$OUT" "set --ownership without a user namespace: refused, says why"
check "destroy $C" cc destroy "$C"
create_ct "$C" --layout overlay
expect_exit 21 cc set "$C" --ownership mapped
expect_match 'upper layer stays shifted' "$OUT" "set --ownership on layout overlay: refused, says why"
check "destroy $C" cc destroy "$C"
run cc list -a -H -o ctid,ownership
expect_match "(^|[[:space:]])$A +$(conf_get "$A" ownership)[[:space:]]+$B +shifted[[:space:]]*\$" "$(printf '%s' "$OUT" | tr '\n' ' ')" "list -o ownership"

# a record of an interrupted conversion goes with its container, and never reaches a new one
printf 'mapped\n' > "$PRIV_DIR/.$B.reowning"
check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
[ ! -e "$PRIV_DIR/.$B.reowning" ] && ok "destroy removes the record of a conversion" || fail "destroy removes the record"
printf 'mapped\n' > "$PRIV_DIR/.$C.reowning"
create_ct "$C" --ownership shifted
[ ! -e "$PRIV_DIR/.$C.reowning" ] && ok "create removes a stale record of its CTID" || fail "create removes a stale record"
check "destroy $C" cc destroy "$C"
expect_match '^$' "$(ls -A "$PRIV_DIR")" "private_dir empty"
finish
