#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10: templates are untrusted input. Containers are created (default: user namespace) from
# crafted archives: traversal, absolute paths, symlink then file, hard links out, device nodes,
# setuid files, control characters in names, truncated and corrupt archives. Each is refused with
# exit 47 and a clear message, or contained; nothing outside the private area changes, and no
# half-created container, temp dir or uid-block reservation is left. (Sparse bombs, deep trees and
# host-side reads of guest files have tests of their own: t_tpl_hostile_{sparse,deep,dev}.sh.)
# timeout: 600
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing"
need_template
CT=$(ctid 1)
BASE=$TMPD/bb
unpack_busybox "$BASE"
OUTSIDE=$TMPD/outside
mkdir -p "$OUTSIDE/dir"
echo "host data" > "$OUTSIDE/canary"
chmod 0640 "$OUTSIDE/canary"
chmod 0750 "$OUTSIDE/dir"

# Everything in the test's temp dir but cellctl's own areas: what a template must never change.
host_state() {
	(cd "$TMPD" && find . -mindepth 1 \( -path ./private -o -path ./run -o -path ./template -o -path ./ct -o -path ./bb \
		-o -path ./leak.base -o -path ./leak.now -o -name cellctl.log -o -name 'out.*' \) -prune -o \
		-printf '%p %y %m %n %U:%G %s\n' | sort
	sha256sum "$OUTSIDE/canary")
}
leak_snapshot
HOST0=$(host_state)

mk() { # mk NAME SPEC...: the busybox tree, then the SPEC entries (tpl_hostile.py), as template NAME
	local name=$1
	shift
	python3 "$LIB_DIR/tpl_hostile.py" entries "$TPL_DIR/cache/$name.tar" "$BASE" "$@" ||
		{ fail "craft template $name"; return 1; }
}

# The common checks after every create: the host is unchanged, nothing half-made is left.
after() {
	local desc=$1 now left
	now=$(host_state)
	[ "$now" = "$HOST0" ] && ok "$desc: nothing outside the private area changed" ||
		fail "$desc: nothing outside the private area changed" "$(diff <(printf '%s\n' "$HOST0") <(printf '%s\n' "$now"))"
	if printf '%s' "$OUT" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'; then
		fail "$desc: no raw control character in the output" "$(printf '%s' "$OUT" | od -c | head -5)"
	fi
	left=$(ls -A "$RUN_DIR/idmap" 2>/dev/null)
	[ -z "$left" ] || fail "$desc: no uid block reservation left in run_dir/idmap" "$left"
}

# refused NAME REGEX DESC: create exits 47 with REGEX in its message, and leaves no trace.
refused() {
	local name=$1 re=$2 desc=$3
	run cc create "$CT" --ostemplate "$name"
	if [ "$RC" = 47 ] && printf '%s\n' "$OUT" | grep -Eq -- "$re"; then
		ok "$desc: refused with exit 47: $(printf '%s' "$OUT" | head -1)"
	else
		fail "$desc: refused with exit 47 and /$re/ (got exit $RC)" "$OUT"
		[ "$RC" = 0 ] && cc destroy "$CT" >/dev/null 2>&1
	fi
	[ -z "$(ls -A "$PRIV_DIR")" ] && [ ! -e "$CONF_DIR/$CT.conf" ] && ok "$desc: no container, private area or temp dir left" ||
		fail "$desc: no container, private area or temp dir left" "$(ls -A "$PRIV_DIR" "$CONF_DIR")"
	after "$desc"
	rm -f "$TPL_DIR/cache/$name".tar*
}

# contained NAME DESC: create succeeds and changes nothing outside; the caller checks the inside,
# then calls gone.
contained() {
	local name=$1 desc=$2
	use_ct "$CT"
	run cc create "$CT" --ostemplate "$name"
	[ "$RC" = 0 ] && ok "$desc: created" || fail "$desc: created (exit $RC)" "$OUT"
	after "$desc"
}
gone() {
	check "destroy" cc destroy "$CT"
	rm -f "$CONF_DIR/$CT.conf.destroyed" "$TPL_DIR/cache/$1".tar*
}

P=$PRIV_DIR/$CT

# ---- paths out of the tree ----
mk dotdot "file:../outside/pwned-dotdot:x" && refused dotdot "unsafe entry '\.\./outside/pwned-dotdot'" "'..' entry"
mk dotdot2 "file:etc/../../outside/pwned:x" && refused dotdot2 "unsafe entry" "'..' inside a name"
mk absolute "file:$OUTSIDE/pwned-abs:x" && refused absolute "unsafe entry '/" "absolute path"
mk abslink "hardlink:stolen:$OUTSIDE/canary" && refused abslink "unsafe entry 'stolen' \(hard link to '/" "hard link to an absolute path"
mk dotlink "hardlink:stolen:../outside/canary" && refused dotlink "hard link to '\.\./outside/canary'" "hard link out with '..'"
mk longname "file:$(printf 'a/%.0s' $(seq 1 2100))x:y" && refused longname "unsafe entry" "a name longer than PATH_MAX"

# ---- symlinks ----
mk symfile "symlink:evil:$OUTSIDE" "file:evil/pwned:x" &&
	refused symfile "'evil/pwned' \(it passes through a symbolic link\)" "symlink to the host, then a file through it"
mk symdir "symlink:up:../../../../../../../..$OUTSIDE" "dir:up/newdir:0777" &&
	refused symdir "passes through a symbolic link" "relative symlink climbing out, then a directory through it"
mk symhard "symlink:up:$OUTSIDE" "hardlink:stolen:up/canary" &&
	refused symhard "hard link target passes through a symbolic link" "hard link through a symlink to a host file"
mk symdeep "dir:a:0755" "symlink:a/b:/" "file:a/b/etc/pwned:x" &&
	refused symdeep "passes through a symbolic link" "symlink to / deeper in the tree"
mk topsym "symlink:.:/" && refused topsym "top of the template must be a directory" "'.' as a symlink to /"
mk topfile "file:.:x" && refused topfile "top of the template must be a directory" "'.' as a regular file"
mk notdir "file:etc/hostname/x:y" && refused notdir "not a directory|cannot extract" "a file below a regular file"

# a symlink replaced by a file of the same name: the link goes, its target stays
if mk symreplace "symlink:etc/motd:$OUTSIDE/canary" "file:etc/motd:pwned" "symlink:etc/odir:$OUTSIDE/dir" "dir:etc/odir:0777"; then
	contained symreplace "symlink, then a file and a directory of the same names"
	[ -f "$P/etc/motd" ] && [ ! -L "$P/etc/motd" ] && [ "$(cat "$P/etc/motd")" = pwned ] &&
		ok "the file replaced the symlink inside the private area" || fail "the file replaced the symlink" "$(ls -la "$P/etc/motd")"
	[ -d "$P/etc/odir" ] && [ ! -L "$P/etc/odir" ] && [ "$(stat -c %a "$OUTSIDE/dir")" = 750 ] &&
		ok "the directory replaced the symlink; the host directory keeps mode 0750" ||
		fail "the directory replaced the symlink" "$(ls -lad "$P/etc/odir" "$OUTSIDE/dir")"
	gone symreplace
fi

# a hard link carrying data, to a symlink that leads to a host file
if mk hardsym "symlink:l:$OUTSIDE/canary" "hardlink:h:l:pwned"; then
	run cc create "$CT" --ostemplate hardsym
	use_ct "$CT"
	case $RC in
	0 | 47) ok "hard link with data to a symlink out: exit $RC" ;;
	*) fail "hard link with data to a symlink out: exit 0 or 47" "$OUT" ;;
	esac
	after "hard link with data to a symlink out"
	[ "$(stat -c %h "$OUTSIDE/canary")" = 1 ] && ok "the host file has one link still" || fail "the host file has one link still"
	[ "$RC" = 0 ] && gone hardsym
	rm -f "$TPL_DIR/cache/hardsym.tar"
fi

# ---- hard links inside: fine; to directories or nothing: refused ----
mk harddir "hardlink:etcl:etc" && refused harddir "hard link to the directory 'etc'" "hard link to a directory"
mk hardmissing "hardlink:x:nothere" && refused hardmissing "hard link to 'nothere', which is not there" "hard link to a missing file"

# ---- device nodes: only in dev/ ----
mk devout "chr:root/mem:1:1:0666" && refused devout "device node 'root/mem' outside /dev" "char device outside /dev"
mk blkout "blk:etc/disk:8:0:0666" && refused blkout "device node 'etc/disk' outside /dev" "block device outside /dev"
mk devdev "dir:dev:0755" "chr:dev:1:3" && refused devdev "device node 'dev' outside /dev" "a device node replacing dev itself"
mk devlink "chr:dev/probe:1:3:0600" "hardlink:etc/probe:dev/probe" &&
	refused devlink "device node 'etc/probe' outside /dev \(a hard link to 'dev/probe'" "hard link to a device node, outside /dev"

# ---- setuid files: only as the container's mapped owner ----
if mk suid "file:bin/suid:#!/bin/sh:4755:0:0" "file:bin/sgid:#!/bin/sh:2755:0:0" "file:bin/suid-user:x:4711:1000:1000"; then
	contained suid "setuid and setgid files"
	base=$(disk_root "$CT")
	got=$(stat -c '%u:%g %a' "$P/bin/suid" "$P/bin/sgid" "$P/bin/suid-user" | tr '\n' ' ')
	want="$base:$base 4755 $base:$base 2755 $((base + 1000)):$((base + 1000)) 4711 "
	[ "$got" = "$want" ] && ok "set-id files keep their bits, owned by the mapped ids ($got)" ||
		fail "set-id files owned by the mapped ids" "want: $want" "got:  $got"
	if [ "$base" != 0 ]; then
		roots=$(find "$P" -xdev -uid 0 -perm /6000 2>/dev/null)
		[ -z "$roots" ] && ok "no set-id file owned by host root in the private area" || fail "no set-id file owned by host root" "$roots"
	else # ownership mapped: 0 on disk is the container's root; host users cannot reach private_dir
		expect_match '^700$' "$(stat -c %a "$PRIV_DIR")" "ownership mapped: private_dir is 0700"
	fi
	gone suid
fi
mk suidout "file:bin/suid:x:4755:70000:0" && refused suidout "owner 70000:0 does not fit the id range" "a set-id file owned by an id beyond the block"

# ---- control characters in names and link targets ----
mk ctlname 'file:../\x1b[2J\x1b]0;pwned\x07evil:x' &&
	refused ctlname "unsafe entry '\.\./\\\\x1b\[2J\\\\x1b\]0;pwned\\\\x07evil'" "a traversal named with terminal escapes (printed escaped)"
mk ctllink 'hardlink:x:../\x1b[31mred' && refused ctllink "hard link to '\.\./\\\\x1b\[31mred'" "a hard-link target with escapes (printed escaped)"
if mk ctlinside 'file:etc/\x1b[2Jodd\x07name:x'; then
	contained ctlinside "a file named with control characters, inside the tree"
	[ -n "$(find "$P/etc" -name $'\e[2Jodd\aname')" ] && ok "the oddly named file is there, as named" || fail "the oddly named file is there"
	gone ctlinside
fi
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$LOG_FILE" 2>/dev/null; then
	fail "no raw control character in cellctl.log" "$(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$LOG_FILE" | od -c | head)"
else
	ok "no raw control character in cellctl.log"
fi

# ---- truncated and corrupt archives ----
sz=$(stat -c %s "$BUSYBOX_TPL")
head -c $((sz / 2)) "$BUSYBOX_TPL" > "$TPL_DIR/cache/cut.tar.zst"
refused cut "is corrupt" "a .tar.zst cut in half"
zstd -dc "$BUSYBOX_TPL" | gzip -1 > "$TPL_DIR/cache/flipped.tar.gz"
printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$TPL_DIR/cache/flipped.tar.gz" bs=1 seek=$(($(stat -c %s "$TPL_DIR/cache/flipped.tar.gz") / 2)) conv=notrunc status=none
# the flipped bytes decode into other bytes until gzip's CRC at the end catches them: what they
# decode into depends on the template's bytes (its mtimes), and a garbage entry header before that
# point is refused as an unsafe entry; either way exit 47 and nothing created
refused flipped "is corrupt|unsafe entry" "a .tar.gz with bytes flipped in the middle"
# zstd frames written without a checksum can decode into other bytes: refused or contained
cp "$BUSYBOX_TPL" "$TPL_DIR/cache/zflip.tar.zst"
printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$TPL_DIR/cache/zflip.tar.zst" bs=1 seek=$((sz / 2)) conv=notrunc status=none
run cc create "$CT" --ostemplate zflip
use_ct "$CT"
case $RC in
0 | 47) ok "a .tar.zst with bytes flipped in the middle: exit $RC: $(printf '%s' "$OUT" | head -1)" ;;
*) fail "a .tar.zst with bytes flipped in the middle: exit 0 or 47" "$OUT" ;;
esac
after "a .tar.zst with bytes flipped in the middle"
[ "$RC" = 0 ] && gone zflip
rm -f "$TPL_DIR/cache/zflip.tar.zst"
zstd -dc "$BUSYBOX_TPL" | head -c 700000 > "$TPL_DIR/cache/cuttar.tar"
refused cuttar "is corrupt|[Tt]runcated" "an uncompressed tar cut mid-entry"
echo "this is not a tarball" | gzip > "$TPL_DIR/cache/junk.tar.gz"
refused junk "is corrupt" "a gzip of text"
: > "$TPL_DIR/cache/empty.tar.xz"
refused empty "is corrupt|has no init" "an empty file"
head -c 65536 /dev/urandom > "$TPL_DIR/cache/noise.tar.bz2"
refused noise "is corrupt" "random bytes"

# the busybox template itself still makes a working container
create_ct "$CT"
start_ct "$CT"
expect_output '^ok$' cc exec "$CT" -- echo ok
check "stop" cc stop "$CT" --fast
check "destroy" cc destroy "$CT"
after "the busybox template"
finish
