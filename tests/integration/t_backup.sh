#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (backup and restore): backup writes a container to one archive (manifest, config, the
# whole tree with container-relative owners, xattrs, ACLs, file capabilities, hard links, sparse
# files) in each mode (stop, suspend, live), and restore-backup makes a container of it under
# another CTID and id block whose tree is the same (a listing with container-relative ids);
# corrupt, truncated and newer-format archives are refused and leave nothing; --force replaces a
# stopped container only once the new one is complete.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
ext4_dirs 240 # the same on every kernel and temp dir (lib.sh): the VM's /tmp holds no xattrs, idmaps or overlays
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
DUMP=$TMPD/dump
LIST=$SRCDIR/tests/integration/helpers/treelist.py
command -v python3 >/dev/null || skip "python3 missing"

create_ct "$A" --name bk-src
start_ct "$A"
# the guest's own files: a non-root owner, a hard link pair, a sparse file (64 MiB, one byte)
check "make the guest's files" cc exec "$A" -- sh -c '
	echo data > /owned; chown 1000:1001 /owned
	echo pair > /hl1; ln /hl1 /hl2
	dd if=/dev/zero of=/sparse bs=1 count=1 seek=67108863 2>/dev/null
	mkdir -p /srv/d; echo x > /srv/d/f; ln -s ../owned /srv/link; ln -s /etc/passwd /srv/abs'
# host side: an xattr, an ACL and a file capability (raw: no acl tools needed), all of the
# container's ids (the disk root of its ownership)
ROOTA=$PRIV_DIR/$A
BASEA=$(disk_root "$A")
python3 - "$ROOTA" "$BASEA" <<'PY' && ok "xattr, ACL and file capability set" || fail "set xattr, ACL and capability"
import os, struct, sys
root, base = sys.argv[1], int(sys.argv[2])
os.setxattr(root + "/srv/d/f", "user.note", b"hello")
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in
      [(1, 6, 0xffffffff), (2, 4, base + 1000), (4, 4, 0xffffffff), (0x10, 4, 0xffffffff), (0x20, 0, 0xffffffff)])
os.setxattr(root + "/srv/d/f", "system.posix_acl_access", acl)
cap = struct.pack("<IIIIII", 0x03000000 | 1, 1 << 13, 0, 0, 0, base)  # cap_net_raw, effective, rootid
os.setxattr(root + "/srv/d/f", "security.capability", cap)
PY
python3 "$LIST" -b "$ROOTA" "$BASEA" > "$TMPD/list.A" || fail "list the tree of $A"
grep -q '^srv/abs 120777 0 0 11  /etc/passwd' "$TMPD/list.A" && ok "an absolute symlink in the guest" || fail "an absolute symlink in the guest" "$(grep ^srv/abs "$TMPD/list.A")"
grep -q '^sparse .* blocks=small' "$TMPD/list.A" && ok "the source's sparse file is sparse" || fail "the source's sparse file is sparse" "$(grep ^sparse "$TMPD/list.A")"
grep -q 'security.capability=caps=.* root=0' "$TMPD/list.A" && grep -q 'posix_acl_access=.*2:4:1000' "$TMPD/list.A" &&
	ok "the listing sees the capability and the ACL container-relative" || fail "listing sees capability and ACL" "$(grep srv/d/f "$TMPD/list.A")"

# a counter loop: the suspend mode must freeze it, the live mode not
check "start a counter loop" cc exec "$A" -- sh -c \
	'(i=0; while :; do i=$((i+1)); echo $i > /run.cnt.new; mv /run.cnt.new /run.cnt; sleep 0.05; done) </dev/null >/dev/null 2>&1 &'
sed -i '/run.cnt/d' "$TMPD/list.A"

# compare RESTORED: its listing equals A's (without the counter file)
compare() {
	local ct=$1 what=$2
	python3 "$LIST" -b "$PRIV_DIR/$ct" "$(disk_root "$ct")" | grep -v '^run.cnt' > "$TMPD/list.$ct"
	if diff -u "$TMPD/list.A" "$TMPD/list.$ct" > "$TMPD/diff.$ct"; then
		ok "$what: the restored tree is the same ($(wc -l < "$TMPD/list.$ct") entries, container-relative ids)"
	else
		fail "$what: the restored tree is the same" "$(head -20 "$TMPD/diff.$ct")"
	fi
}

# ---- mode live (the container runs on) ----
run cc backup "$A" --mode live --dumpdir "$DUMP" -j
[ "$RC" = 0 ] && ok "backup --mode live" || fail "backup --mode live" "$OUT"
JOUT=$OUT
expect_match '^\{"ctid": '"$A"', "file": "'"$DUMP"'/cellctl-'"$A"'-[0-9]{8}-[0-9]{6}\.tar\.zst", "bytes": [0-9]+, "seconds": [0-9.]+\}$' "$OUT" "the JSON line"
F1=$(ls "$DUMP"/cellctl-"$A"-*.tar.zst | head -1)
[ -z "$(ls "$DUMP"/*.partial 2>/dev/null)" ] && ok "no .partial left" || fail "no .partial left"
is_running "$A" && ok "live: the container ran on" || fail "live: the container ran on" "$(ct_status "$A")"
# the archive: manifest first, then config, then the tree, then the checksum
zstd -dc "$F1" | tar -t | head -3 > "$TMPD/first"
expect_match '^cellctl-backup/manifest.json
cellctl-backup/ct.conf
root/?$' "$(cat "$TMPD/first")" "the archive starts with the manifest, the config and the root"
[ "$(zstd -dc "$F1" | tar -t | tail -1)" = cellctl-backup/sha256 ] && ok "the checksum is the last entry" || fail "the checksum is last"
man=$(zstd -dc "$F1" | tar -xO cellctl-backup/manifest.json)
expect_match '"format": 1, "cellctl": "[^"]+", "ctid": '"$A"', "uuid": "[0-9a-f-]{36}", "name": "bk-src"' "$man" "the manifest"
expect_match '"mode": "live"' "$man" "the manifest records the mode"
zstd -dc "$F1" | tar -tv --numeric-owner 2>/dev/null | grep -E ' root/owned$' | grep -q ' 1000/1001 ' &&
	ok "the archive holds container-relative owners (1000/1001)" || fail "container-relative owners in the archive" "$(zstd -dc "$F1" | tar -tv --numeric-owner | grep owned)"
zstd -dc "$F1" | tar -tv --numeric-owner | grep -E ' root/(etc|bin)/?$' | grep -q ' 0/0 ' &&
	ok "root's files are 0/0 in the archive (not this host's block)" || fail "root's files are 0/0 in the archive"

check "restore-backup live archive as $B" cc restore-backup "$F1" "$B"
use_ct "$B"
compare "$B" "live"
ub=$(sed -n 's/^[[:space:]]*uid_base[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$B.conf")
ua=$(sed -n 's/^[[:space:]]*uid_base[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$A.conf")
[ -n "$ub" ] && [ "$ub" != "$ua" ] && ok "$B has its own id block ($ub, $A has $ua)" || fail "$B has its own id block" "$ua / $ub"
uu=$(sed -n 's/^[[:space:]]*uuid[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$B.conf")
expect_match '^[0-9a-f-]{36}$' "$uu" "$B has a UUID"
grep -q "$uu" "$CONF_DIR/$A.conf" && fail "another CTID gets a new UUID" || ok "another CTID gets a new UUID"
grep -q 'layout[[:space:]]*=[[:space:]]*copy' "$CONF_DIR/$B.conf" && ok "restored as layout copy" || fail "restored as layout copy"
start_ct "$B"
expect_output '^data$' cc exec "$B" -- cat /owned
expect_output '^1000 1001$' cc exec "$B" -- stat -c '%u %g' /owned
check "stop $B" cc stop "$B"
check "destroy $B" cc destroy "$B"

# progress on a terminal only: a line on a pty's stderr, none into a pipe (the -j run above)
if command -v script >/dev/null; then
	script -qec "nsenter --net=/run/netns/$NS -- env CELLCTL_CONF=$CONF $CELLCTL backup $A --mode live -o $TMPD/tty.tar.zst" /dev/null > "$TMPD/tty.out" 2>&1
	grep -q 'packing root: [0-9]* files' "$TMPD/tty.out" && ok "a progress line on a terminal" || fail "a progress line on a terminal" "$(tr '\r' '\n' < "$TMPD/tty.out" | tail -3)"
	rm -f "$TMPD/tty.tar.zst"
fi
[ -z "$(grep -F packing <<< "$JOUT")" ] && ok "no progress line into a pipe" || fail "no progress line into a pipe" "$OUT"

# ---- mode suspend: frozen while archived (the counter stands still), thawed after ----
c0=$(cat "$ROOTA/run.cnt")
check "backup --mode suspend" cc backup "$A" --mode suspend -o "$TMPD/s.tar.gz" --compress gzip
is_running "$A" && ok "suspend: the container runs again (thawed)" || fail "suspend: thawed" "$(ct_status "$A")"
sleep 0.3
c1=$(cat "$ROOTA/run.cnt")
[ "$c1" -gt "$c0" ] && ok "suspend: the counter counts on after the backup ($c0 -> $c1)" || fail "suspend: counts on" "$c0 -> $c1"
gzip -t "$TMPD/s.tar.gz" && ok "--compress gzip writes gzip" || fail "--compress gzip writes gzip"
grep -q 'Container backed up (mode suspend)' "$LOG_FILE" && ok "the log records the suspend backup" || fail "log records the backup"
check "restore-backup the suspend archive as $B" cc restore-backup "$TMPD/s.tar.gz" "$B" --name bk-copy
use_ct "$B"
compare "$B" "suspend"
grep -q 'name[[:space:]]*=[[:space:]]*bk-copy' "$CONF_DIR/$B.conf" && ok "--name names the restored one" || fail "--name"

# ---- mode stop: stopped, archived, started again ----
check "backup --mode stop (uncompressed)" cc backup "$A" -o "$TMPD/st.tar" --compress none
is_running "$A" && ok "stop: the container was started again" || fail "stop: started again" "$(ct_status "$A")"
grep -q 'Container stopped cleanly' "$LOG_FILE" && ok "stop: it was stopped cleanly for the backup" || fail "stop: stopped cleanly"
tar -tf "$TMPD/st.tar" >/dev/null 2>&1 && ok "--compress none writes a plain tar" || fail "plain tar"
man=$(tar -xOf "$TMPD/st.tar" cellctl-backup/manifest.json)
expect_match '"mode": "stop"' "$man" "the manifest records mode stop"
check "stop $A" cc stop "$A"

# ---- --force: replace B (stopped) ----
expect_exit 44 cc restore-backup "$TMPD/st.tar" "$B"
check "start $B" cc start "$B"
expect_exit 32 cc restore-backup "$TMPD/st.tar" "$B" --force
check "stop $B" cc stop "$B"
echo mark > "$PRIV_DIR/$B/replaced-mark"
check "restore-backup --force replaces $B" cc restore-backup "$TMPD/st.tar" "$B" --force
[ ! -e "$PRIV_DIR/$B/replaced-mark" ] && ok "--force: the old tree is gone" || fail "--force: the old tree is gone"
compare "$B" "stop (--force)"
[ -z "$(ls -A "$PRIV_DIR" | grep -v -x -e "$A" -e "$B")" ] && ok "nothing else in the private dir" || fail "nothing else in the private dir" "$(ls -A "$PRIV_DIR")"

# ---- the same CTID, the original gone: the UUID is kept ----
uuidA=$(sed -n 's/^[[:space:]]*uuid[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$A.conf")
check "destroy $A" cc destroy "$A"
check "restore-backup into $A again" cc restore-backup "$TMPD/st.tar" "$A"
grep -q "uuid[[:space:]]*=[[:space:]]*$uuidA" "$CONF_DIR/$A.conf" && ok "the same CTID keeps the archive's UUID" || fail "the same CTID keeps its UUID"
grep -q 'name[[:space:]]*=[[:space:]]*bk-src' "$CONF_DIR/$A.conf" && ok "and its name" || fail "the same CTID keeps its name"

# ---- ownership mapped: the private area is container-relative on disk; so is the restored one ----
F=$(ctid 4)
G=$(ctid 5)
create_ct "$F" --ownership mapped
chown 1000:1001 "$PRIV_DIR/$F/etc/hostname" 2>/dev/null
python3 "$LIST" -b "$PRIV_DIR/$F" 0 > "$TMPD/list.F"
check "backup the mapped $F (stopped)" cc backup "$F" -o "$TMPD/mapped.tar.zst"
check "restore-backup it as $G" cc restore-backup "$TMPD/mapped.tar.zst" "$G"
use_ct "$G"
grep -q 'ownership[[:space:]]*=[[:space:]]*mapped' "$CONF_DIR/$G.conf" && ok "$G keeps ownership mapped" || fail "$G keeps ownership mapped" "$(cat "$CONF_DIR/$G.conf")"
python3 "$LIST" -b "$PRIV_DIR/$G" 0 > "$TMPD/list.G"
diff -u "$TMPD/list.F" "$TMPD/list.G" > "$TMPD/diff.G" && ok "mapped: the restored tree is the same, container-relative on disk" ||
	fail "mapped: the restored tree is the same" "$(head -20 "$TMPD/diff.G")"
start_ct "$G"
expect_output '^1000 1001$' cc exec "$G" -- stat -c '%u %g' /etc/hostname
check "stop $G" cc stop "$G"
for ct in "$F" "$G"; do check "destroy $ct" cc destroy "$ct"; done

# ---- layout overlay: the merged tree is archived and restores as a standalone copy ----
D=$(ctid 6)
E=$(ctid 7)
create_ct "$D" --layout overlay
start_ct "$D"
check "write into the overlay's upper layer" cc exec "$D" -- sh -c 'echo upper > /ovl-file; chown 1000:1001 /ovl-file'
expect_exit 89 cc backup "$D" --mode live -o "$TMPD/ovl-live.tar.zst"
[ ! -e "$TMPD/ovl-live.tar.zst" ] && [ ! -e "$TMPD/ovl-live.tar.zst.partial" ] && ok "a refused backup leaves no file" || fail "a refused backup leaves no file"
check "stop $D" cc stop "$D"
check "backup the stopped overlay $D" cc backup "$D" -o "$TMPD/ovl.tar.zst"
man=$(zstd -dc "$TMPD/ovl.tar.zst" | tar -xO cellctl-backup/manifest.json)
expect_match '"layout": "overlay"' "$man" "the manifest says layout overlay"
expect_match '"entries": [1-9][0-9]*' "$man" "the manifest counts the entries"
check "restore-backup the overlay archive as $E" cc restore-backup "$TMPD/ovl.tar.zst" "$E"
use_ct "$E"
grep -q 'layout[[:space:]]*=[[:space:]]*copy' "$CONF_DIR/$E.conf" && ! grep -q template_tree "$CONF_DIR/$E.conf" &&
	ok "$E is a standalone copy (no template tree)" || fail "$E is a standalone copy" "$(cat "$CONF_DIR/$E.conf")"
python3 "$LIST" "$PRIV_DIR/$E" "$(disk_root "$E")" > "$TMPD/list.E"
grep -q '^bin/busybox 100755 0 0 ' "$TMPD/list.E" && grep -q '^ovl-file 100644 1000 1001 ' "$TMPD/list.E" &&
	ok "the lower layer's files (root's) and the upper's (1000) are in it, container-relative" ||
	fail "lower and upper files in the copy" "$(grep -E '^(bin/busybox|ovl-file) ' "$TMPD/list.E")"
start_ct "$E"
expect_output '^upper$' cc exec "$E" -- cat /ovl-file
check "stop $E" cc stop "$E"
for ct in "$D" "$E"; do check "destroy $ct" cc destroy "$ct"; done

# ---- bad archives: refused (17), nothing left ----
before=$(ls -A "$PRIV_DIR" "$CONF_DIR" | sort)
bad_restore() {
	local f=$1 what=$2
	expect_exit 17 cc restore-backup "$f" "$C"
	expect_match "$3" "$OUT" "$what: the message"
	log "$OUT"
	[ "$(ls -A "$PRIV_DIR" "$CONF_DIR" | sort)" = "$before" ] && is_deleted "$C" && ok "$what: nothing left behind" ||
		fail "$what: nothing left behind" "$(ls -A "$PRIV_DIR" "$CONF_DIR")"
}
# a flipped byte in a file's data (uncompressed: only the checksum can tell)
cp "$TMPD/st.tar" "$TMPD/flip.tar"
off=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(d.index(b'pair\n'))" "$TMPD/flip.tar")
printf 'P' | dd of="$TMPD/flip.tar" bs=1 seek="$off" conv=notrunc 2>/dev/null
bad_restore "$TMPD/flip.tar" "a flipped data byte" "checksum is wrong"
# flipped bytes in the middle of a compressed archive
cp "$F1" "$TMPD/flip.tar.zst"
sz=$(stat -c %s "$F1")
printf '\xff\xff\xff\xff' | dd of="$TMPD/flip.tar.zst" bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
bad_restore "$TMPD/flip.tar.zst" "flipped compressed bytes" "corrupt|checksum|damaged"
# truncated
head -c $((sz * 2 / 3)) "$F1" > "$TMPD/trunc.tar.zst"
bad_restore "$TMPD/trunc.tar.zst" "a truncated archive" "corrupt|truncated|damaged"
head -c 40000 "$TMPD/st.tar" > "$TMPD/trunc.tar"
bad_restore "$TMPD/trunc.tar" "a truncated plain tar" "corrupt|truncated|damaged"
# a newer format
mkdir -p "$TMPD/v2" && (cd "$TMPD/v2" && tar -xf "$TMPD/st.tar" cellctl-backup) &&
	sed -i 's/"format": 1,/"format": 2,/' "$TMPD/v2/cellctl-backup/manifest.json" &&
	(cd "$TMPD/v2" && tar -cf "$TMPD/v2.tar" cellctl-backup/manifest.json cellctl-backup/ct.conf)
bad_restore "$TMPD/v2.tar" "a newer format" "format 2, newer than this cellctl"
# hostile trees, extracted as confined as templates: a name out of the tree, a hard link out of it,
# a device node outside /dev
hostile() {
	python3 - "$TMPD/v2/cellctl-backup" "$1" "$2" <<'PY'
import io, sys, tarfile
meta, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for n in ("manifest.json", "ct.conf"):
        data = open(meta + "/" + n, "rb").read().replace(b'"format": 2,', b'"format": 1,')
        i = tarfile.TarInfo("cellctl-backup/" + n); i.size = len(data); t.addfile(i, io.BytesIO(data))
    d = tarfile.TarInfo("root"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    if kind == "dotdot":
        i = tarfile.TarInfo("root/../evil"); i.size = 4; t.addfile(i, io.BytesIO(b"evil"))
    elif kind == "hardlink":
        i = tarfile.TarInfo("root/pw"); i.type = tarfile.LNKTYPE; i.linkname = "cellctl-backup/ct.conf"; t.addfile(i)
    elif kind == "device":
        i = tarfile.TarInfo("root/etc/mem"); i.type = tarfile.CHRTYPE; i.devmajor, i.devminor = 1, 1; t.addfile(i)
PY
}
hostile "$TMPD/dotdot.tar" dotdot
bad_restore "$TMPD/dotdot.tar" "a name out of the tree" "unsafe entry"
[ ! -e "$PRIV_DIR/evil" ] && [ ! -e "$PRIV_DIR/.$C.partial/../evil" ] && ok "nothing written out of the tree" || fail "nothing written out of the tree"
hostile "$TMPD/hardlink.tar" hardlink
bad_restore "$TMPD/hardlink.tar" "a hard link out of the tree" "hard link out of the tree"
hostile "$TMPD/device.tar" device
bad_restore "$TMPD/device.tar" "a device node outside /dev" "outside /dev"
# not a backup at all (a template)
bad_restore "$BUSYBOX_TPL" "a template archive" "not a cellctl backup"
expect_exit 14 cc restore-backup "$TMPD/none.tar" "$C"
expect_exit 20 cc backup "$A" --bogus
expect_exit 21 cc backup "$A" --mode bogus
expect_exit 21 cc backup "$A" --compress xz
expect_exit 20 cc backup "$A" --dumpdir "$DUMP" -o "$TMPD/x.tar"
expect_exit 14 cc backup "$C"
expect_exit 44 cc backup "$A" -o "$TMPD/st.tar" --compress none
expect_exit 27 cc restore-backup "$TMPD/st.tar"

for ct in "$A" "$B"; do check "destroy $ct" cc destroy "$ct"; done
umount "$TMPD/ext"
finish
