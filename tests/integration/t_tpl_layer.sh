#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14, template commit --layer: a stopped overlay container's upper layer packed alone, in
# container-relative ownership, with its whiteouts (character devices 0:0) and opaque directories
# (trusted.overlay.opaque), recorded as a layer over its template tree; containers made from it on
# overlay stack lowerdir=LAYER:PARENT..., on copy get the merged tree; a second layer over the
# first; the depth limit; remove and prune keep what a layer lies on; a copy container is refused;
# hostile layer archives (a real device node, overlay xattrs in a plain template) are refused or
# cleaned. With and without a user namespace.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing (the archives are read with tarfile)"
command -v zstd >/dev/null || skip "zstd missing"
need_template
leak_snapshot
ext4_dirs 384 # overlay upper layers and idmapped trees on every kernel (lib.sh)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
cache_state() { ls -A "$TPL_DIR/cache" | sort | tr '\n' ' '; }
size_of() { stat -c %s "$1"; }
# xattr_get PATH NAME: its value ("none" without one)
xattr_get() {
	python3 -c 'import os, sys
try: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())
except OSError: print("none")' "$1" "$2"
}
# ovl_xattrs DIR: the entries below DIR carrying a trusted.overlay.* xattr
ovl_xattrs() {
	python3 -c 'import os, sys
for d, ds, fs in os.walk(sys.argv[1]):
    for n in ds + fs:
        p = os.path.join(d, n)
        if any(x.startswith("trusted.overlay.") for x in os.listxattr(p, follow_symlinks=False)): print(p)' "$1"
}

# tar_kinds ARCHIVE: "PATH TYPE UID:GID [opaque=V] [DEVMAJOR:DEVMINOR]" per entry (TYPE f d l c b h p)
tar_kinds() {
	zstd -dc "$1" | python3 -c '
import sys, tarfile, base64
for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|"):
    n = m.name[2:] if m.name.startswith("./") else m.name
    t = "d" if m.isdir() else "l" if m.issym() else "h" if m.islnk() else "c" if m.ischr() else "b" if m.isblk() else "p" if m.isfifo() else "f"
    extra = ""
    for k, x in m.pax_headers.items():
        if k.endswith("xattr.trusted.overlay.opaque"):
            v = base64.b64decode(x + "=" * (-len(x) % 4)).decode() if k.startswith("LIBARCHIVE") else x
            extra = " opaque=" + v
    if m.ischr() or m.isblk():
        extra += " %d:%d" % (m.devmajor, m.devminor)
    print("%s %s %d:%d%s" % (n or ".", t, m.uid, m.gid, extra))
'
}

# a base template with a directory whose content a layer replaces
base=$TMPD/base
unpack_busybox "$base"
mkdir -p "$base/opt/old" && echo a > "$base/opt/old/a" && echo b > "$base/opt/old/b"
tar -C "$base" --numeric-owner -c . | zstd -q > "$TPL_DIR/cache/base.tar.zst"
rm -rf "$base"
bsize=$(size_of "$TPL_DIR/cache/base.tar.zst")

WRITE='echo added > /added && rm /etc/shells && rm -rf /opt/old && mkdir /opt/old && echo new > /opt/old/only &&
mkdir -p /home/u && echo mine > /home/u/f && chown -R 1000:1001 /home/u'

# one round per user namespace setting
round() {
	local u=$1 n=$2 S C1 C2 C3 C4 L1 L2 ptree t1 t2 l id
	S=$(ctid $((n + 1))) C1=$(ctid $((n + 2))) C2=$(ctid $((n + 3))) C3=$(ctid $((n + 4))) C4=$(ctid $((n + 5)))
	L1=lay1-$u L2=lay2-$u
	log "---- userns $u ----"
	create_ct "$S" --ostemplate base --layout overlay --userns "$u"
	start_ct "$S"
	check "write, delete and replace a directory inside $S" cc exec "$S" -- sh -c "$WRITE"
	check "stop $S" cc stop "$S"
	ptree=$(conf_get "$S" template_tree)
	local ta tb
	ta=$(date +%s%N)
	expect_output "^Template $L1 committed from container $S \\(a layer\\)\$" cc template commit "$S" "$L1" --layer
	tb=$(date +%s%N)
	log "$u: commit --layer: $(((tb - ta) / 1000000)) ms"
	l=$(tar_kinds "$TPL_DIR/cache/$L1.tar.zst")
	expect_match '^\. d 0:0$' "$l" "$u: the layer's top is root's (container-relative)"
	expect_match '^added f 0:0$' "$l" "$u: the added file is in the layer"
	expect_match '^home/u/f f 1000:1001$' "$l" "$u: a guest uid comes back container-relative"
	expect_match '^etc/shells c 0:0 0:0$' "$l" "$u: the deleted template file is a whiteout (0:0)"
	expect_match '^opt/old d 0:0 opaque=y$' "$l" "$u: the replaced directory is opaque"
	expect_match '^opt/old/only f ' "$l" "$u: the opaque directory's new content"
	grep -qE '^(bin/busybox|opt/old/a) ' <<< "$l" && fail "$u: only the upper layer is packed" "$l" ||
		ok "$u: only the upper layer is packed (no template file)"
	grep -q 'trusted.overlay' <<< "$(zstd -dc "$TPL_DIR/cache/$L1.tar.zst" | strings | grep -v opaque)" &&
		fail "$u: no other overlayfs xattr (origin, impure) is packed" || ok "$u: no other overlayfs xattr is packed"
	t1=$(size_of "$TPL_DIR/cache/$L1.tar.zst")
	log "$u: layer archive $t1 bytes, the base template $bsize bytes"
	[ "$t1" -lt $((bsize / 10)) ] && ok "$u: the layer is small ($t1 < $bsize / 10)" || fail "$u: the layer is small" "$t1 vs $bsize"
	o=$(cat "$TPL_DIR/cache/$L1.origin")
	expect_match '^layer = yes$' "$o" "$u: the origin says layer"
	expect_match '^parent = base$' "$o" "$u: the origin names the parent"
	expect_match "^parent_tree = $ptree\$" "$o" "$u: the origin names the parent's tree version ($ptree)"

	# overlay: a stack of the layer over base
	ta=$(date +%s%N)
	create_ct "$C1" --ostemplate "$L1" --layout overlay --userns "$u"
	tb=$(date +%s%N)
	log "$u: the first create from the layer (overlay, its tree extracted): $(((tb - ta) / 1000000)) ms"
	t1=$(conf_get "$C1" template_tree)
	expect_match "^$L1\\.[0-9a-f]{16}\$" "$t1" "$u: overlay: the layer's own tree ($t1)"
	expect_match "^$ptree\$" "$(cat "$TPL_DIR/trees/$t1.parent" 2>&1)" "$u: the layer's tree records its parent tree"
	[ -c "$TPL_DIR/trees/$t1/etc/shells" ] && [ "$(stat -c '%t:%T' "$TPL_DIR/trees/$t1/etc/shells")" = 0:0 ] &&
		ok "$u: the whiteout is extracted as 0:0" || fail "$u: the whiteout is extracted as 0:0"
	expect_match '^y$' "$(xattr_get "$TPL_DIR/trees/$t1/opt/old" trusted.overlay.opaque)" \
		"$u: the opaque mark is extracted"
	start_ct "$C1"
	expect_output '^added$' cc exec "$C1" -- cat /added
	expect_output '^gone$' cc exec "$C1" -- sh -c 'test -e /etc/shells || echo gone'
	expect_output '^only$' cc exec "$C1" -- ls /opt/old
	expect_output '^1000 1001 mine$' cc exec "$C1" -- sh -c 'echo $(stat -c "%u %g" /home/u/f) $(cat /home/u/f)'
	expect_output '^0 0$' cc exec "$C1" -- stat -c '%u %g' /bin/busybox
	check "$u: write a second layer inside $C1" cc exec "$C1" -- sh -c 'echo second > /second && rm /added'
	check "stop $C1" cc stop "$C1"
	mv "$TPL_DIR/trees/$ptree" "$TPL_DIR/moved-tree"
	expect_exit 91 cc start "$C1"
	expect_match "$ptree.*the layer $t1 lies on it" "$OUT" "$u: start with a tree of the stack missing: refused, named"
	mv "$TPL_DIR/moved-tree" "$TPL_DIR/trees/$ptree"

	# copy: the merged tree, no whiteouts or opaque marks; the scratch of a killed copy goes
	mkdir -p "$PRIV_DIR/.layers.4194305/w/x" && touch "$PRIV_DIR/.layers.4194305/w/x/f"
	ta=$(date +%s%N)
	create_ct "$C2" --ostemplate "$L1" --layout copy --userns "$u"
	tb=$(date +%s%N)
	log "$u: create from the layer (copy: the merged stack copied): $(((tb - ta) / 1000000)) ms"
	[ ! -e "$PRIV_DIR/.layers.4194305" ] && ok "$u: copy: a killed copy's scratch directory is removed" ||
		fail "$u: copy: a killed copy's scratch directory stays" "$(ls -la "$PRIV_DIR")"
	l=$(ls -a "$PRIV_DIR" | grep '^\.layers\.')
	[ -z "$l" ] && ok "$u: copy: no scratch directory left" || fail "$u: copy: scratch left" "$l"
	local root=0
	[ "$u" = yes ] && root=$(disk_root "$C2")
	[ -f "$PRIV_DIR/$C2/added" ] && [ ! -e "$PRIV_DIR/$C2/etc/shells" ] && [ "$(ls "$PRIV_DIR/$C2/opt/old")" = only ] &&
		ok "$u: copy: the merged tree (whiteouts applied, the opaque dir alone)" ||
		fail "$u: copy: the merged tree" "$(ls -la "$PRIV_DIR/$C2" "$PRIV_DIR/$C2/opt/old" 2>&1)"
	l=$(find "$PRIV_DIR/$C2" -path "$PRIV_DIR/$C2/dev" -prune -o -type c -print)
	[ -z "$l" ] && ok "$u: copy: no device node outside /dev" || fail "$u: copy: no device node outside /dev" "$l"
	l=$(ovl_xattrs "$PRIV_DIR/$C2")
	[ -z "$l" ] && ok "$u: copy: no overlayfs xattr" || fail "$u: copy: no overlayfs xattr" "$l"
	expect_match "^$root:$root \$|^$root:$root\$" "$(stat -c '%u:%g' "$PRIV_DIR/$C2/bin/busybox")" \
		"$u: copy: a base file in the container's ids on disk ($root)"
	expect_match "^$((root + 1000)):$((root + 1001))\$" "$(stat -c '%u:%g' "$PRIV_DIR/$C2/home/u/f")" \
		"$u: copy: a layer file in the container's ids on disk"
	start_ct "$C2"
	expect_output '^added$' cc exec "$C2" -- cat /added
	check "stop $C2" cc stop "$C2"

	# a second layer over the first
	check "$u: commit a second layer" cc template commit "$C1" "$L2" --layer
	expect_match "^parent_tree = $t1\$" "$(cat "$TPL_DIR/cache/$L2.origin")" "$u: the second layer lies on the first's tree"
	ta=$(date +%s%N)
	create_ct "$C3" --ostemplate "$L2" --layout overlay --userns "$u"
	tb=$(date +%s%N)
	log "$u: the first create from the second layer (overlay): $(((tb - ta) / 1000000)) ms"
	t2=$(conf_get "$C3" template_tree)
	start_ct "$C3"
	expect_output '^second$' cc exec "$C3" -- cat /second
	expect_output '^gone gone only$' cc exec "$C3" -- sh -c \
		'echo $(test -e /added || echo gone) $(test -e /etc/shells || echo gone) $(ls /opt/old)'
	expect_match 'lowerdir=lower:lower\.1:lower\.2' "$(cc exec "$C3" -- cat /proc/self/mountinfo 2>&1 | grep ' / / ')" \
		"$u: the root is an overlay of three trees"
	check "stop $C3" cc stop "$C3"
	# clone and flatten of a container on a stack; a full template of its merged root
	local C5
	C5=$(ctid $((n + 6)))
	use_ct "$C5"
	check "$u: clone $C3 (overlay, a stack of three)" cc clone "$C3" "$C5"
	expect_match "^$t2\$" "$(conf_get "$C5" template_tree)" "$u: the clone lies on the same stack"
	start_ct "$C5"
	expect_output '^second gone$' cc exec "$C5" -- sh -c 'echo $(cat /second) $(test -e /added || echo gone)'
	check "stop $C5" cc stop "$C5"
	check "$u: flatten $C5" cc flatten "$C5"
	[ -f "$PRIV_DIR/$C5/second" ] && [ ! -e "$PRIV_DIR/$C5/added" ] && [ "$(ls "$PRIV_DIR/$C5/opt/old")" = only ] &&
		ok "$u: flatten: the merged stack" || fail "$u: flatten: the merged stack" "$(ls "$PRIV_DIR/$C5")"
	check "destroy $C5" cc destroy "$C5"
	check "$u: a full template of $C3's merged root" cc template commit "$C3" "full-$u"
	l=$(tar_kinds "$TPL_DIR/cache/full-$u.tar.zst")
	expect_match '^bin/busybox f ' "$l" "$u: the full template holds the base's files"
	grep -qE '^(added|etc/shells) ' <<< "$l" && fail "$u: the full template has no deleted file" ||
		ok "$u: the full template has no deleted file (nor a whiteout)"
	check "$u: remove full-$u" cc template remove "full-$u"
	create_ct "$C4" --ostemplate "$L2" --layout copy --userns "$u"
	[ -f "$PRIV_DIR/$C4/second" ] && [ ! -e "$PRIV_DIR/$C4/added" ] && [ ! -e "$PRIV_DIR/$C4/etc/shells" ] &&
		ok "$u: copy of the second layer: the merged tree of three" || fail "$u: copy of the second layer" "$(ls "$PRIV_DIR/$C4")"

	# list, remove and prune
	run cc template list
	expect_match "^$L1 +base +[0-9.]+[BKMG] +$C1,$C2,$C3\$" "$OUT" "$u: list: the layer's parent and users (the second layer's $C3 too)"
	expect_match "^base +- +[0-9.]+[BKMG] +$S,$C1,$C3\$" "$OUT" "$u: list: base is used by the containers on its stacks"
	expect_match "^$L2 +$L1 +" "$OUT" "$u: list: the second layer's parent"
	run cc template list -j
	expect_match "^True $ptree base$" "$(python3 -c '
import json, sys
d = {t["name"]: t for t in json.loads(sys.stdin.read())}
o = d[sys.argv[1]]
print(o["origin"]["layer"], o["origin"]["parent_tree"], o["parent"])' "$L1" <<< "$OUT" 2>&1)" "$u: list -j: layer, parent tree, parent"
	expect_exit 92 cc template remove base
	expect_exit 92 cc template remove "$L1"
	expect_match "parent of $L2|$C1" "$OUT" "$u: remove of a layer's parent names why"
	for id in "$C1" "$C2" "$C3" "$C4" "$S"; do check "destroy $id" cc destroy "$id"; done
	check "$u: prune" cc template prune
	[ -d "$TPL_DIR/trees/$ptree" ] && [ -d "$TPL_DIR/trees/$t1" ] && ok "$u: prune keeps the trees layers lie on" ||
		fail "$u: prune keeps the trees layers lie on" "$(ls "$TPL_DIR/trees")"
	[ ! -e "$TPL_DIR/trees/$t2" ] && [ ! -e "$TPL_DIR/trees/$t2.parent" ] &&
		ok "$u: prune removes the unused top layer's tree and its record" || fail "$u: prune removes $t2" "$(ls "$TPL_DIR/trees")"
	check "$u: remove $L2" cc template remove "$L2"
	check "$u: remove $L1" cc template remove "$L1"
	[ ! -e "$TPL_DIR/trees/$t1.parent" ] && ok "$u: remove takes the tree's record too" || fail "$u: remove takes the record"
}

round yes 0
round no 10

# ---- refusals -------------------------------------------------------------------------------------
P=$(ctid 30) D=$(ctid 31)
create_ct "$P" --ostemplate base --layout copy
expect_exit 89 cc template commit "$P" lay-copy --layer
expect_match 'layout copy' "$OUT" "--layer on a copy container: refused, says why"
expect_exit 20 cc template list --layer
check "destroy $P" cc destroy "$P"
create_ct "$P" --ostemplate base --layout overlay
expect_exit 21 cc template commit "$P" base --layer
[ ! -e "$TPL_DIR/cache/base.origin" ] && ok "a layer over its own template name: refused" || fail "base.origin appeared"

# the depth limit: base and 7 layers stack; an 8th layer is refused
prev=base
for k in 1 2 3 4 5 6 7; do
	check "depth: create from $prev" cc create "$D" --ostemplate "$prev" --layout overlay
	use_ct "$D"
	check "depth: commit layer d$k" cc template commit "$D" "d$k" --layer
	check "depth: destroy" cc destroy "$D"
	prev=d$k
done
create_ct "$D" --ostemplate d7 --layout overlay
start_ct "$D"
expect_output '^ok$' cc exec "$D" -- echo ok
check "stop $D" cc stop "$D"
expect_exit 89 cc template commit "$D" d8 --layer
expect_match 'depth limit' "$OUT" "an eighth layer: refused (the depth limit)"
check "destroy $D" cc destroy "$D"
for k in 7 6 5 4 3 2 1; do check "remove d$k" cc template remove "d$k"; done

# hostile archives: a real device node in a layer, overlay marks in a plain template
ptree=$(conf_get "$P" template_tree)
mk_tar() { # NAME KIND: a template archive with one hostile entry beside busybox's init
	python3 - "$TPL_DIR/cache/$1.tar" "$2" <<-'EOF'
		import io, sys, tarfile
		out, kind = sys.argv[1], sys.argv[2]
		with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
		    d = tarfile.TarInfo("."); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
		    e = tarfile.TarInfo("evil")
		    if kind == "dev":
		        e.type = tarfile.CHRTYPE; e.devmajor, e.devminor = 1, 3
		    elif kind == "wh":
		        e.type = tarfile.CHRTYPE; e.devmajor, e.devminor = 0, 0
		    elif kind == "opaque":
		        e.type = tarfile.DIRTYPE; e.mode = 0o755
		        e.pax_headers = {"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.trusted.overlay.redirect": "/x"}
		    t.addfile(e)
		    s = tarfile.TarInfo("sbin"); s.type = tarfile.DIRTYPE; s.mode = 0o755; t.addfile(s)
		    i = tarfile.TarInfo("sbin/init"); i.size = 3; i.mode = 0o755; t.addfile(i, io.BytesIO(b"#!\n"))
	EOF
}
mk_tar evil-dev dev
printf 'layer = yes\nparent = base\nparent_tree = %s\n' "$ptree" > "$TPL_DIR/cache/evil-dev.origin"
E=$(ctid 32)
use_ct "$E"
expect_exit 47 cc create "$E" --ostemplate evil-dev --layout overlay
expect_match 'device node' "$OUT" "a layer with a real device node (1:3): refused"
[ -z "$(ls -A "$TPL_DIR/trees" | grep evil)" ] && ok "nothing of it is left in trees/" || fail "trees/ is clean" "$(ls -A "$TPL_DIR/trees")"
mk_tar evil-wh wh
expect_exit 47 cc create "$E" --ostemplate evil-wh --layout overlay
expect_match 'device node' "$OUT" "a plain template with a whiteout outside /dev: refused"
mk_tar evil-opq opaque
printf 'layer = yes\nparent = base\nparent_tree = %s\n' "$ptree" > "$TPL_DIR/cache/evil-opq.origin"
run cc create "$E" --ostemplate evil-opq --layout overlay
[ "$RC" = 0 ] && ok "a layer with an opaque dir and a redirect xattr is created" || fail "create from evil-opq" "$OUT"
t=$(conf_get "$E" template_tree)
expect_match '^y$' "$(xattr_get "$TPL_DIR/trees/$t/evil" trusted.overlay.opaque)" "its opaque mark stays"
[ "$(xattr_get "$TPL_DIR/trees/$t/evil" trusted.overlay.redirect)" != none ] &&
	fail "the redirect xattr is dropped" || ok "the redirect xattr is dropped"
check "destroy $E" cc destroy "$E"
mk_tar evil-opq2 opaque # the same archive as a plain template: no overlay mark at all
run cc create "$E" --ostemplate evil-opq2 --layout overlay
[ "$RC" = 0 ] && ok "a plain template with overlay xattrs is created" || fail "create from evil-opq2" "$OUT"
t=$(conf_get "$E" template_tree)
[ "$(xattr_get "$TPL_DIR/trees/$t/evil" trusted.overlay.opaque)" != none ] &&
	fail "a plain template's tree loses trusted.overlay.opaque" || ok "a plain template's tree loses trusted.overlay.opaque"
check "destroy $E" cc destroy "$E"
create_ct "$E" --ostemplate evil-opq2 --layout copy --userns no
expect_match '^y$' "$(xattr_get "$PRIV_DIR/$E/evil" trusted.overlay.opaque)" \
	"a private copy keeps the guest's trusted.overlay.* (not a lower layer)"
check "destroy $E" cc destroy "$E"
check "destroy $P" cc destroy "$P"
umount "$TMPD/ext"
finish
