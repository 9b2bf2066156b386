#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 7: the sparse-map bomb. A 3 MiB .tar.zst holding one sparse file with 6 million
# map segments made cellctl-archive (host root, unlimited) grow to ~650 MiB. Now the extractor
# runs with an address-space limit and a seccomp filter against new processes (seen on the live
# helper), absurd sparse maps are refused with exit 47 and a clear message, its peak RSS stays
# under the limit, and nothing is left. A real sparse file still extracts, sparse.
# timeout: 600
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing"
command -v zstd >/dev/null || skip "zstd missing"
need_template
CT=$(ctid 1)
BASE=$TMPD/bb
unpack_busybox "$BASE"
LIMIT_MIB=256
leak_snapshot

# peak RSS (KiB) of the slowest-growing descendant: the create and its cellctl-archive helper
peak_run() {
	python3 - "$@" <<-'EOF'
		import resource, subprocess, sys
		p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		sys.stdout.buffer.write(p.stdout)
		print("\nRC=%d MAXRSS_KIB=%d" % (p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
	EOF
}

nothing_left() {
	[ -z "$(ls -A "$PRIV_DIR")" ] && [ ! -e "$CONF_DIR/$CT.conf" ] && [ -z "$(ls -A "$RUN_DIR/idmap" 2>/dev/null)" ] &&
		ok "$1: no container, private area, temp dir or uid block reservation left" ||
		fail "$1: nothing left" "$(ls -A "$PRIV_DIR" "$CONF_DIR" "$RUN_DIR/idmap" 2>&1)"
	rm -f "$CONF_DIR"/*.destroyed
}

# The helper of the create running in the background ($CC_PID), as soon as it exists.
helper_pid() {
	local i c
	for i in $(seq 1 1000); do
		for c in $(cat "/proc/$CC_PID/task/$CC_PID/children" 2>/dev/null); do
			case "$(proc_cmd "$c")" in *cellctl-archive\ extract*) echo "$c"; return 0 ;; esac
		done
		kill -0 "$CC_PID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# ---- the bomb: 6 million segments, 3 MiB compressed ----
python3 "$LIB_DIR/tpl_hostile.py" sparse "$TMPD/bomb.tar" 6000000 "$BASE" || fail "craft the sparse bomb"
zstd -q -3 --rm "$TMPD/bomb.tar" -o "$TPL_DIR/cache/bomb.tar.zst"
log "the bomb: $(du -k "$TPL_DIR/cache/bomb.tar.zst" | cut -f1) KiB .tar.zst, 6000000 segments"

# the helper is confined while it works: seen in /proc while it is stopped
cc_bg create "$CT" --ostemplate bomb
if hp=$(helper_pid); then
	kill -STOP "$hp"
	st=$(grep -E '^(Seccomp|NoNewPrivs):' "/proc/$hp/status" | tr -s '\t ' ' ' | tr '\n' ' ')
	as=$(awk '/^Max address space/ {print $4}' "/proc/$hp/limits")
	kill -CONT "$hp"
	expect_match 'NoNewPrivs: 1 Seccomp: 2' "$st" "cellctl-archive runs under a seccomp filter, no_new_privs ($st)"
	[ "$as" = $((LIMIT_MIB * 1048576)) ] && ok "cellctl-archive's address space is limited to $LIMIT_MIB MiB" ||
		fail "cellctl-archive's address space is limited to $LIMIT_MIB MiB" "Max address space: $as"
else
	fail "saw the cellctl-archive helper of the create"
fi
wait "$CC_PID"
rc=$?
use_ct "$CT"
[ $rc = 47 ] && ok "the backgrounded create of the bomb exits 47" || fail "the backgrounded create of the bomb exits 47 (got $rc)"
[ $rc = 0 ] && cc destroy "$CT" > /dev/null
nothing_left "the bomb, first create"

t0=$(date +%s%N)
run peak_run nsenter --net="/run/netns/$NS" -- "$CELLCTL" create "$CT" --ostemplate bomb
ms=$((($(date +%s%N) - t0) / 1000000))
use_ct "$CT"
rss=$(printf '%s\n' "$OUT" | sed -n 's/^RC=[0-9]* MAXRSS_KIB=//p')
crc=$(printf '%s\n' "$OUT" | sed -n 's/^RC=\([0-9]*\) .*/\1/p')
msg=$(printf '%s\n' "$OUT" | grep -v '^RC=' | grep . | head -1)
log "sparse bomb: exit $crc in $ms ms, peak RSS $((rss / 1024)) MiB: $msg"
[ "$crc" = 47 ] && ok "the sparse bomb is refused with exit 47" || fail "the sparse bomb is refused with exit 47 (got $crc)" "$OUT"
[ "$crc" = 0 ] && cc destroy "$CT" > /dev/null
expect_match 'sparse (map|file)' "$msg" "the message names the sparse map"
[ -n "$rss" ] && [ "$rss" -lt $((LIMIT_MIB * 1024)) ] && ok "peak RSS $((rss / 1024)) MiB stays under the $LIMIT_MIB MiB limit" ||
	fail "peak RSS under $LIMIT_MIB MiB" "$((${rss:-0} / 1024)) MiB"
nothing_left "the bomb"

# ---- above the per-file bound, well below the memory limit: refused by count ----
python3 "$LIB_DIR/tpl_hostile.py" sparse "$TPL_DIR/cache/many.tar" 100000 "$BASE" || fail "craft the 100000-segment file"
run cc create "$CT" --ostemplate many
[ "$RC" = 47 ] && ok "100000 segments: refused with exit 47" || fail "100000 segments: refused with exit 47 (got $RC)" "$OUT"
[ "$RC" = 0 ] && cc destroy "$CT" > /dev/null
expect_match "entry 'sparse-bomb' is a sparse file of 100000 segments \(at most 65536\)" "$OUT" "100000 segments: the message says why"
nothing_left "100000 segments"

# ---- a real sparse file still extracts, as a sparse file ----
cp -a "$BASE" "$TMPD/sp"
truncate -s 64M "$TMPD/sp/var/log/lastlog"
printf 'start' | dd of="$TMPD/sp/var/log/lastlog" conv=notrunc status=none
printf 'middle' | dd of="$TMPD/sp/var/log/lastlog" bs=1M seek=32 conv=notrunc status=none
printf 'end' | dd of="$TMPD/sp/var/log/lastlog" bs=1 seek=$((64 * 1048576 - 3)) conv=notrunc status=none
tar -C "$TMPD/sp" --sparse --format=pax --numeric-owner -cf "$TPL_DIR/cache/sparse.tar" .
want=$(sha256sum < "$TMPD/sp/var/log/lastlog")
rm -rf "$TMPD/sp"
create_ct "$CT" --ostemplate sparse
f=$PRIV_DIR/$CT/var/log/lastlog
[ "$(sha256sum < "$f")" = "$want" ] && ok "the sparse file's contents are intact" || fail "the sparse file's contents are intact"
[ "$(stat -c %s "$f")" = $((64 * 1048576)) ] && [ "$(du -k "$f" | cut -f1)" -lt 1024 ] &&
	ok "it is 64 MiB long and takes $(du -k "$f" | cut -f1) KiB on disk" || fail "it stays sparse" "$(ls -ls "$f")"
check "destroy" cc destroy "$CT"
finish
