#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14, a template from a container (run, install, commit): template commit packs a stopped
# container's root (a full copy, or the merged overlay root) into a new template in
# container-relative ownership (the container's block moved back to 0, file-capability root ids
# too), records its origin; containers made from it in both layouts, with and without a user
# namespace, see the files and owners as written; template list shows parent, size and users;
# template remove is refused while a container uses the template's tree or a template names it as
# parent, and allowed afterwards; bad input is refused with its exit code and leaves nothing.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing (the archives are read with tarfile)"
command -v zstd >/dev/null || skip "zstd missing"
need_template
leak_snapshot
ext4_dirs 256 # the same on every kernel and temp dir (lib.sh)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
cache_state() { ls -A "$TPL_DIR/cache" | sort | tr '\n' ' '; }

# tar_list ARCHIVE: one line per entry, "PATH UID:GID MODE[ cap=REV:ROOTID]", PATH without "./"
tar_list() {
	zstd -dc "$1" | python3 -c '
import sys, tarfile, struct, base64
for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|"):
    cap = ""
    h = m.pax_headers
    v = None
    for k, x in h.items():
        if k == "LIBARCHIVE.xattr.security.capability":
            v = base64.b64decode(x + "=" * (-len(x) % 4))
        elif k == "SCHILY.xattr.security.capability" and v is None:
            v = x.encode("utf-8", "surrogateescape")
    if v is not None:
        magic = struct.unpack("<I", v[:4])[0]
        rev = magic >> 24
        root = struct.unpack("<I", v[20:24])[0] if rev == 3 and len(v) >= 24 else 0
        cap = " cap=%d:%d" % (rev, root)
    name = m.name[2:] if m.name.startswith("./") else m.name
    print("%s %d:%d %o%s" % (name or ".", m.uid, m.gid, m.mode, cap))
'
}
# setcap_raw FILE ROOTID: cap_net_raw+ep as the kernel stores it for a guest root of host uid ROOTID
# (a revision 3 value; ROOTID 0: the revision 2 value of the host's root)
setcap_raw() {
	python3 - "$1" "$2" <<-'EOF'
		import os, struct, sys
		root = int(sys.argv[2])
		v = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0) if root == 0 else \
		    struct.pack("<IIIIII", 0x03000001, 1 << 13, 0, 0, 0, root)
		os.setxattr(sys.argv[1], "security.capability", v, follow_symlinks=False)
	EOF
}
# cap_of FILE: "REV:ROOTID" of its security.capability, "none" without one
cap_of() {
	python3 - "$1" <<-'EOF'
		import os, struct, sys
		try:
		    v = os.getxattr(sys.argv[1], "security.capability", follow_symlinks=False)
		except OSError:
		    print("none"); sys.exit(0)
		rev = struct.unpack("<I", v[:4])[0] >> 24
		print("%d:%d" % (rev, struct.unpack("<I", v[20:24])[0] if rev == 3 else 0))
	EOF
}

WRITE='echo data > /data.txt && mkdir -p /home/u && echo mine > /home/u/f && chown -R 1000:1001 /home/u &&
cp /bin/busybox /bin/suidbb && chmod 4755 /bin/suidbb && cp /bin/busybox /bin/capbb && rm /bin/ls'

# make_source CTID LAYOUT USERNS: a container from busybox with the files above written inside,
# stopped, and a file capability on /bin/capbb as its root would have set it
make_source() {
	local id=$1 layout=$2 userns=$3 base=0 f
	create_ct "$id" --layout "$layout" --userns "$userns"
	start_ct "$id"
	check "write files inside $id ($layout, userns $userns)" cc exec "$id" -- sh -c "$WRITE"
	check "stop $id" cc stop "$id"
	[ "$userns" = yes ] && base=$(disk_root "$id") # the root on disk: uid_base, 0 with ownership mapped
	f=$PRIV_DIR/$id/bin/capbb
	[ "$layout" = overlay ] && f=$PRIV_DIR/$id/upper/bin/capbb
	setcap_raw "$f" "$base" && ok "file capability set on $f (root $base)" || fail "file capability set on $f"
}

# check_archive NAME DESC: the archive of template NAME holds the files as written, container-relative
check_archive() {
	local a=$TPL_DIR/cache/$1.tar.zst l
	[ -f "$a" ] && ok "$2: the archive $1.tar.zst exists" || { fail "$2: the archive $1.tar.zst exists" "$(cache_state)"; return; }
	l=$(tar_list "$a")
	expect_match '^\. 0:0 ' "$l" "$2: the top is root's (0:0)"
	expect_match '^data\.txt 0:0 644$' "$l" "$2: data.txt 0:0"
	expect_match '^home/u/f 1000:1001 644$' "$l" "$2: home/u/f 1000:1001 (a non-root guest uid)"
	expect_match '^bin/suidbb 0:0 4755$' "$l" "$2: the setuid file keeps 4755 and root"
	expect_match '^bin/capbb 0:0 755 cap=(2:0|3:0)$' "$l" "$2: the file capability belongs to root 0"
	expect_match '^bin/busybox 0:0 ' "$l" "$2: a file of the template stays 0:0"
	if grep -q '^bin/ls ' <<< "$l"; then fail "$2: /bin/ls, deleted inside, is not in the archive"; else
		ok "$2: /bin/ls, deleted inside, is not in the archive"; fi
	local big
	big=$(awk '{ split($2, o, ":"); if (o[1] >= 65536 || o[2] >= 65536) print }' <<< "$l" | head -3)
	[ -z "$big" ] && ok "$2: every owner is container-relative" || fail "$2: every owner is container-relative" "$big"
}

# check_child CTID DESC: a container made from a committed template sees the files as written
check_child() {
	local id=$1
	start_ct "$id"
	expect_output '^data$' cc exec "$id" -- cat /data.txt
	expect_output '^1000 1001 644 mine$' cc exec "$id" -- sh -c 'echo $(stat -c "%u %g %a" /home/u/f) $(cat /home/u/f)'
	expect_output '^0 0 4755$' cc exec "$id" -- stat -c '%u %g %a' /bin/suidbb
	expect_output '^gone$' cc exec "$id" -- sh -c 'test -e /bin/ls || echo gone'
	check "stop $id" cc stop "$id"
}

S1=$(ctid 1) S2=$(ctid 2) S3=$(ctid 3) S4=$(ctid 4)
C1=$(ctid 11) C2=$(ctid 12) C3=$(ctid 13) C4=$(ctid 14) C5=$(ctid 15)

# ---- from a full copy with a user namespace --------------------------------------------------
make_source "$S1" copy yes
base1=$(disk_root "$S1")
expect_match "^$((base1 + 1000)):$((base1 + 1001))\$" "$(stat -c '%u:%g' "$PRIV_DIR/$S1/home/u/f")" \
	"the source's files on disk: shifted, or container-relative with ownership mapped"
# files the host put there: an owner outside the block (65534 in the archive: what the guest saw),
# one below the block size (container-relative already, as in a mapped private area: kept)
echo h > "$PRIV_DIR/$S1/host-far" && chown 300000:300000 "$PRIV_DIR/$S1/host-far"
echo h > "$PRIV_DIR/$S1/host-low" && chown 5:6 "$PRIV_DIR/$S1/host-low"
# the guest's symlinks (to host paths, as the host sees them) and special files: packed as what they
# are, never followed, never opened (a FIFO would hang the commit)
ln -s /etc/shadow "$PRIV_DIR/$S1/leak" && ln -s /etc "$PRIV_DIR/$S1/leakdir" && mkfifo "$PRIV_DIR/$S1/fifo"
# what a commit killed on the way leaves (its PID gone) is removed by the next one
sleep 0 &
dead=$!
wait "$dead"
touch "$TPL_DIR/cache/.commit-app.$dead.tar.zst" "$TPL_DIR/cache/..commit-app.$dead.tar.zst.AbC123"
t0=$(date +%s%N)
expect_output "^Template app committed from container $S1\$" cc template commit "$S1" app
t1=$(date +%s%N)
log "commit of a busybox container (copy): $(((t1 - t0) / 1000000)) ms"
check_archive app "copy, userns"
l=$(tar_list "$TPL_DIR/cache/app.tar.zst")
expect_match '^host-far 65534:65534 ' "$l" "an owner outside the block is packed as 65534"
expect_match '^host-low 5:6 ' "$l" "an owner below the block size is kept"
kinds=$(zstd -dc "$TPL_DIR/cache/app.tar.zst" | python3 -c 'import sys, tarfile
for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|"):
    n = m.name[2:] if m.name.startswith("./") else m.name
    if n in ("leak", "leakdir", "fifo") or n.startswith("leakdir/"):
        print(n, "sym" if m.issym() else "fifo" if m.isfifo() else "other", m.linkname, m.size)')
expect_match '^leak sym /etc/shadow 0$' "$kinds" "a guest symlink to a host file is packed as the symlink"
expect_match '^fifo fifo  0$' "$kinds" "a FIFO is packed as a FIFO"
grep -q '^leakdir/' <<< "$kinds" && fail "a symlink to a host directory is not walked" "$kinds" ||
	ok "a symlink to a host directory is not walked"
expect_match '^700 |^600 ' "$(stat -c '%a ' "$TPL_DIR/cache/app.tar.zst")" "the archive is private (0600)"
expect_match "^parent = busybox\$" "$(cat "$TPL_DIR/cache/app.origin" 2>&1)" "the origin names the parent"
expect_match "^ctid = $S1\$" "$(cat "$TPL_DIR/cache/app.origin" 2>&1)" "the origin names the container"
[ -z "$(ls -A "$TPL_DIR/cache" | grep '^\.')" ] && ok "no temporary file is left in the cache" ||
	fail "no temporary file is left in the cache" "$(cache_state)"

# containers from it: both layouts, with and without a user namespace
create_ct "$C1" --ostemplate app --layout copy --userns yes
create_ct "$C2" --ostemplate app --layout copy --userns no
create_ct "$C3" --ostemplate app --layout overlay --userns yes
create_ct "$C4" --ostemplate app --layout overlay --userns no
bc1=$(disk_root "$C1")
expect_match "^$((bc1 + 1000)):$((bc1 + 1001))\$" "$(stat -c '%u:%g' "$PRIV_DIR/$C1/home/u/f")" \
	"copy, userns: in the new container's ids on disk (its block, or container-relative when mapped)"
# a revision 3 capability whose root id is 0 reads back as revision 2 on the host
if [ "$bc1" = 0 ]; then want_cap='^2:0$'; else want_cap="^3:$bc1\$"; fi
expect_match "$want_cap" "$(cap_of "$PRIV_DIR/$C1/bin/capbb")" "copy, userns: the file capability belongs to its root ($bc1)"
expect_match '^1000:1001$' "$(stat -c '%u:%g' "$PRIV_DIR/$C2/home/u/f")" "copy, no userns: 1000:1001 on disk"
expect_match '^2:0$' "$(cap_of "$PRIV_DIR/$C2/bin/capbb")" "copy, no userns: the host root's file capability"
tree=$(conf_get "$C3" template_tree)
expect_match '^app\.[0-9a-f]{16}$' "$tree" "overlay: a tree of the new template ($tree)"
expect_match '^1000:1001$' "$(stat -c '%u:%g' "$TPL_DIR/trees/$tree/home/u/f")" "overlay: the tree is container-relative"
for id in "$C1" "$C2" "$C3" "$C4"; do check_child "$id"; done

# ---- list ---------------------------------------------------------------------------------------
run cc template list
printf '%s\n' "$OUT" | sed 's/^/# /'
expect_match '^NAME +PARENT +SIZE +CONTAINERS$' "$OUT" "list: the header"
expect_match "^app +busybox +[0-9.]+[BKMG] +$C1,$C2,$C3,$C4\$" "$OUT" "list: app's parent, size and users"
expect_match "^busybox +- +[0-9.]+[BKMG] +$S1\$" "$OUT" "list: busybox is used by $S1"
expect_output '^app$' cc template list -1
run cc template list -H
grep -q '^NAME' <<< "$OUT" && fail "list -H: no header" || ok "list -H: no header"
run cc template list -j
printf '%s\n' "$OUT" | sed 's/^/# /'
js=$(python3 -c '
import json, sys
d = {t["name"]: t for t in json.loads(sys.stdin.read())}
a, b = d["app"], d["busybox"]
print(a["parent"], a["origin"]["ctid"], a["origin"]["layout"], ",".join(map(str, a["containers"])),
      a["size"] > 0, b["parent"], ",".join(b["children"]))' <<< "$OUT" 2>&1)
expect_match "^busybox $S1 copy $C1,$C2,$C3,$C4 True None app\$" "$js" "list -j: parent, origin, users, children"

# ---- remove -------------------------------------------------------------------------------------
expect_exit 92 cc template remove app
expect_match "$C3.*$C4|$C4.*$C3" "$OUT" "remove names the containers that use its tree"
expect_exit 92 cc template rm busybox
expect_match "parent of app" "$OUT" "remove names the template made from it"
[ -f "$TPL_DIR/cache/app.tar.zst" ] && [ -d "$TPL_DIR/trees/$tree" ] && ok "a refused remove leaves everything" ||
	fail "a refused remove leaves everything"
for id in "$C3" "$C4"; do check "destroy $id" cc destroy "$id"; done
run cc template remove app
[ "$RC" = 0 ] && ok "remove once no container uses its tree (copy containers do not)" ||
	fail "remove once no container uses its tree" "$OUT"
expect_match "^Removed template tree $tree\$" "$OUT" "remove names the tree it removed"
[ ! -e "$TPL_DIR/cache/app.tar.zst" ] && [ ! -e "$TPL_DIR/cache/app.origin" ] && [ ! -e "$TPL_DIR/trees/$tree" ] &&
	ok "the archive, its origin and its tree are gone" || fail "the archive, its origin and its tree are gone" "$(cache_state)"
check "a copy container outlives its template's removal" cc start "$C1"
check "stop $C1" cc stop "$C1"
for id in "$C1" "$C2"; do check "destroy $id" cc destroy "$id"; done

# ---- from the merged root of an overlay container, with a user namespace -------------------------
make_source "$S2" overlay yes
t0=$(date +%s%N)
run cc template commit "$S2" app-ovl
t1=$(date +%s%N)
log "commit of a busybox container (overlay, merged root): $(((t1 - t0) / 1000000)) ms"
if [ "$RC" = 0 ]; then
	ok "commit of an overlay container"
	check_archive app-ovl "overlay, userns"
	create_ct "$C5" --ostemplate app-ovl --layout copy
	check_child "$C5"
	check "destroy $C5" cc destroy "$C5"
	check "remove app-ovl" cc template remove app-ovl
else
	fail "commit of an overlay container (exit $RC)" "$OUT"
fi

# ---- from the merged root of an overlay container without a user namespace ----------------------
make_source "$S4" overlay no
check "commit $S4 (overlay, no userns)" cc template commit "$S4" app-ovl-nons
check_archive app-ovl-nons "overlay, no userns"
check "remove app-ovl-nons" cc template remove app-ovl-nons

# ---- from a full copy without a user namespace: nothing to move ----------------------------------
make_source "$S3" copy no
check "commit $S3 (no userns)" cc template commit "$S3" app-nons
check_archive app-nons "copy, no userns"
create_ct "$C5" --ostemplate app-nons --layout overlay
check_child "$C5"
check "destroy $C5" cc destroy "$C5"

# ---- bad input ----------------------------------------------------------------------------------
before=$(cache_state)
sum=$(md5sum < "$TPL_DIR/cache/app-nons.tar.zst")
expect_exit 44 cc template commit "$S3" app-nons
expect_match 'exists.*--force' "$OUT" "an existing name: refused, --force named"
[ "$(md5sum < "$TPL_DIR/cache/app-nons.tar.zst")" = "$sum" ] && ok "the existing template is untouched" ||
	fail "the existing template is untouched"
start_ct "$S3"
expect_exit 32 cc template commit "$S3" app-run
expect_match 'running: stop it first' "$OUT" "a running container: refused"
check "write a second version inside" cc exec "$S3" -- sh -c 'echo v2 > /v2'
check "stop $S3" cc stop "$S3"
for bad in '../evil' '.hidden' 'a/b' 'sp ace' "$(printf 'esc\033[31m')" ''; do
	expect_exit 21 cc template commit "$S3" "$bad"
done
expect_exit 14 cc template commit "$(ctid 90)" app-none
expect_exit 20 cc template commit notactid app-none
expect_exit 27 cc template commit "$S3"
expect_exit 20 cc template list --force
expect_exit 91 cc template remove no-such
expect_exit 21 cc template remove ../busybox
[ "$(cache_state)" = "$before" ] && ok "bad input leaves the cache as it was" ||
	fail "bad input leaves the cache as it was" "before: $before" "after: $(cache_state)"
# --force replaces it (and the other compression of that name goes)
cp "$TPL_DIR/cache/app-nons.tar.zst" "$TPL_DIR/cache/app-nons.tar"
check "commit --force replaces a template" cc template commit "$S3" app-nons --force
grep -q '^v2 0:0 ' <<< "$(tar_list "$TPL_DIR/cache/app-nons.tar.zst")" && [ ! -e "$TPL_DIR/cache/app-nons.tar" ] &&
	ok "--force: the new archive, the other one of that name gone" || fail "--force: the new archive" "$(cache_state)"
# committing a container over its own template: the new one keeps the old one's parent
create_ct "$C5" --ostemplate app-nons --layout copy
check "commit $C5 over its own template" cc template commit "$C5" app-nons --force
expect_match "^parent = busybox\$" "$(cat "$TPL_DIR/cache/app-nons.origin")" "its parent stays busybox"
# a build replaces a committed template: it has no origin any more (not run: recipes take long)

for id in "$S1" "$S2" "$S3" "$S4" "$C5"; do check "destroy $id" cc destroy "$id"; done
check "remove app-nons" cc template remove app-nons
expect_output '^busybox$' cc template list -1
umount "$TMPD/ext"
finish
