#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 8: deep trees. 1,000 and 2,000 nested directories took minutes to extract (a
# check per prefix of every entry: cubic), while create held the global idmap.lck, so every
# other create on the host waited. Now extraction is linear in the archive's size (times printed,
# beside bsdtar's when it is installed), and a second create finishes while the first one's
# extraction is stopped. Parallel creates still get distinct uid blocks, and the block of a create
# killed halfway is free again.
# timeout: 900
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 missing"
need_template
BASE=$TMPD/bb
unpack_busybox "$BASE"
A=$(ctid 1) B=$(ctid 2) C=$(ctid 3) D=$(ctid 4)
leak_snapshot

uid_base_of() { sed -n 's/^[[:space:]]*uid_base[[:space:]]*=[[:space:]]*//p' "$CONF_DIR/$1.conf"; }

# The helper of the create running in the background ($CC_PID), as soon as it exists.
helper_pid() {
	local i c
	for i in $(seq 1 3000); do
		for c in $(cat "/proc/$CC_PID/task/$CC_PID/children" 2>/dev/null); do
			case "$(proc_cmd "$c")" in *cellctl-archive\ extract*) echo "$c"; return 0 ;; esac
		done
		kill -0 "$CC_PID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# ---- time: 1000 and 2000 deep ----
declare -A ms
for d in 1000 2000; do
	python3 "$LIB_DIR/tpl_hostile.py" deep "$TPL_DIR/cache/deep$d.tar" "$d" "$BASE" || fail "craft deep$d"
	t0=$(date +%s%N)
	run timeout 300 nsenter --net="/run/netns/$NS" -- "$CELLCTL" create "$A" --ostemplate "deep$d"
	ms[$d]=$((($(date +%s%N) - t0) / 1000000))
	use_ct "$A"
	[ "$RC" = 0 ] && ok "create from a $d-deep tree ($(du -k "$TPL_DIR/cache/deep$d.tar" | cut -f1) KiB tar) in ${ms[$d]} ms" ||
		fail "create from a $d-deep tree (exit $RC after ${ms[$d]} ms)" "$OUT"
	bottom=$PRIV_DIR/$A/deep$(printf '/d%.0s' $(seq 2 "$d"))/f
	[ "$(cat "$bottom" 2>/dev/null)" = bottom ] && ok "the file at depth $d is there" || fail "the file at depth $d is there"
	if command -v bsdtar >/dev/null; then
		for mode in secure -P; do
			rm -rf "$TMPD/x" && mkdir "$TMPD/x"
			t0=$(date +%s%N)
			if [ $mode = -P ]; then
				bsdtar -x -P -p --numeric-owner -C "$TMPD/x" -f "$TPL_DIR/cache/deep$d.tar"
			else
				bsdtar -x -p --numeric-owner -C "$TMPD/x" -f "$TPL_DIR/cache/deep$d.tar"
			fi
			log "libarchive alone (bsdtar $mode), $d deep: $((($(date +%s%N) - t0) / 1000000)) ms"
		done
		rm -rf "$TMPD/x"
	fi
	cc destroy "$A" > /dev/null
	rm -f "$CONF_DIR/$A.conf.destroyed"
done
# The work per entry is proportional to its name's length (one openat2, then libarchive's calls
# by name), so the total is bounded by the archive's size; the old check per prefix was cubic in
# the depth: 12-16 s for 1000 deep, about 100 s for 2000. The bounds leave room for a loaded host.
[ "${ms[1000]}" -lt 10000 ] && ok "1000 deep in under 10 s (${ms[1000]} ms)" || fail "1000 deep in under 10 s (${ms[1000]} ms)"
[ "${ms[2000]}" -lt 30000 ] && ok "2000 deep in under 30 s (${ms[2000]} ms)" || fail "2000 deep in under 30 s (${ms[2000]} ms)"
log "2000 deep / 1000 deep: ${ms[2000]} / ${ms[1000]} ms (names 4x longer in all, tar 2x; cubic would be 8x)"

# ---- a long extraction blocks no other create ----
cc_bg create "$A" --ostemplate deep2000
use_ct "$A"
if hp=$(helper_pid); then
	kill -STOP "$hp"
	t0=$(date +%s%N)
	run timeout 60 nsenter --net="/run/netns/$NS" -- "$CELLCTL" create "$B"
	use_ct "$B"
	bms=$((($(date +%s%N) - t0) / 1000000))
	[ "$RC" = 0 ] && ok "a second create finishes (${bms} ms) while the first one's extraction is stopped" ||
		fail "a second create finishes while the first one's extraction is stopped (exit $RC after $bms ms)" "$OUT"
	kill -0 "$CC_PID" 2>/dev/null && ok "the first create is still running meanwhile" || fail "the first create is still running meanwhile"
	kill -CONT "$hp"
else
	fail "saw the cellctl-archive helper of the first create"
fi
wait "$CC_PID"
rc=$?
[ $rc = 0 ] && ok "the first create completes after it is resumed" || fail "the first create completes (exit $rc)"
ba=$(uid_base_of "$A") bb=$(uid_base_of "$B")
[ -n "$ba" ] && [ -n "$bb" ] && [ "$ba" != "$bb" ] && ok "distinct uid blocks: $ba and $bb" || fail "distinct uid blocks" "$ba / $bb"

# ---- killed halfway: its block is not leaked ----
cc_bg create "$C" --ostemplate deep2000
use_ct "$C"
if hp=$(helper_pid); then
	kill -STOP "$hp"
	resv=$(cat "$RUN_DIR/idmap/$C" 2>/dev/null)
	kill -9 "$CC_PID"
	wait "$CC_PID" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$hp" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$hp" 2>/dev/null && fail "the helper dies with the killed create" || ok "the helper died with the killed create"
	log "the killed create had reserved block ${resv:-?}"
else
	fail "saw the cellctl-archive helper of the create to kill"
fi
create_ct "$D"
bd=$(uid_base_of "$D")
want=$((USERNS_BASE + 2 * USERNS_SIZE))
[ "$bd" = "$want" ] && ok "the next create gets the killed create's block ($bd): it was not leaked" ||
	fail "the next create gets the lowest free block $want" "got $bd (A $ba, B $bb, killed C ${resv:-?})"
[ -z "$(ls -A "$RUN_DIR/idmap" 2>/dev/null)" ] && ok "no reservation left in run_dir/idmap" || fail "no reservation left" "$(ls -la "$RUN_DIR/idmap")"
check "create $C after its killed create" cc create "$C"

# ---- parallel creates: distinct blocks ----
for c in $A $B $C $D; do cc destroy "$c" > /dev/null; done
rm -f "$CONF_DIR"/*.destroyed
ids=()
for i in $(seq 11 18); do ids+=("$(ctid "$i")"); done
pids=()
for c in "${ids[@]}"; do
	use_ct "$c"
	cc create "$c" > "$TMPD/out.$c" 2>&1 &
	pids+=($!)
done
errs=0
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || { errs=$((errs + 1)); fail "parallel create ${ids[$k]}" "$(cat "$TMPD/out.${ids[$k]}")"; }
done
[ $errs = 0 ] && ok "${#ids[@]} parallel creates succeeded"
bases=$(for c in "${ids[@]}"; do uid_base_of "$c"; done | sort -n)
[ "$(printf '%s\n' "$bases" | sort -u | wc -l)" = "${#ids[@]}" ] && ok "${#ids[@]} distinct uid blocks" || fail "distinct uid blocks" "$bases"
[ "$(printf '%s\n' "$bases" | head -1)" = "$USERNS_BASE" ] && [ "$(printf '%s\n' "$bases" | tail -1)" = $((USERNS_BASE + 7 * USERNS_SIZE)) ] &&
	ok "the lowest blocks, none skipped" || fail "the lowest blocks, none skipped" "$bases"
for c in "${ids[@]}"; do cc destroy "$c" > /dev/null || fail "destroy $c"; done
finish
