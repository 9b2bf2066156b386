#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, acceptance 7: kill -9 of `cellctl create` halfway leaves no half container visible to
# list, and a second create of the same CTID then succeeds.
# timeout: 400
. "$(dirname "$0")/lib.sh"

need_template
CT=$(ctid 1)

# A large template, so that create takes a while: busybox plus ~150 MB of incompressible data
# and 20000 small files, as an uncompressed tar.
mkdir -p "$TMPD/big"
unpack_busybox "$TMPD/big"
mkdir -p "$TMPD/big/var/bulk"
head -c 150M /dev/urandom > "$TMPD/big/var/bulk/blob"
for d in $(seq 1 40); do
	mkdir -p "$TMPD/big/var/bulk/d$d"
	(cd "$TMPD/big/var/bulk/d$d" && seq 1 500 | xargs touch)
done
tar -C "$TMPD/big" --numeric-owner -cf "$TPL_DIR/cache/big.tar" .
rm -rf "$TMPD/big"
leak_snapshot

t0=$(date +%s%N)
check "a full create from the big template works" cc create "$CT" --ostemplate big
full_ms=$((($(date +%s%N) - t0) / 1000000))
echo "# a full create of the big template takes $full_ms ms"
use_ct "$CT"
check "destroy" cc destroy "$CT"
rm -f "$CONF_DIR/$CT.conf.destroyed"

for attempt in 1 2 3; do
	# kill once extraction is under way: as soon as something appears in private_dir
	cc_bg create "$CT" --ostemplate big
	i=0
	while [ $i -lt 3000 ] && [ -z "$(ls -A "$PRIV_DIR" 2>/dev/null)" ] && kill -0 "$CC_PID" 2>/dev/null; do
		sleep 0.01
		i=$((i + 1))
	done
	sleep 0.$((attempt * 2))
	if kill -0 "$CC_PID" 2>/dev/null; then
		kill -9 "$CC_PID"
		wait "$CC_PID" 2>/dev/null
		ok "attempt $attempt: create killed with SIGKILL halfway ($(du -sm "$PRIV_DIR" 2>/dev/null | cut -f1) MB extracted)"
	else
		wait "$CC_PID"
		warn "attempt $attempt: create finished (exit $?) before it could be killed"
	fi
	run cc list -a -H -o ctid
	if printf '%s\n' "$OUT" | grep -qw "$CT"; then fail "attempt $attempt: list -a shows no half container" "$OUT"; else ok "attempt $attempt: list -a shows no half container"; fi
	run cc status "$CT"
	[ "$OUT" = "CTID $CT deleted" ] && ok "attempt $attempt: status says deleted" || fail "attempt $attempt: status says deleted" "$OUT"
	[ ! -e "$CONF_DIR/$CT.conf" ] && ok "attempt $attempt: no config registered" || fail "attempt $attempt: no config registered"
	[ ! -e "$PRIV_DIR/$CT" ] && ok "attempt $attempt: no private area in its final place" || fail "attempt $attempt: no private area in its final place"
	echo "# left in private_dir after the kill: $(ls -A "$PRIV_DIR" | tr '\n' ' ')"

	check "attempt $attempt: a second create succeeds" cc create "$CT"
	start_ct "$CT"
	expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
	check "stop" cc stop "$CT" --fast
	check "destroy" cc destroy "$CT"
	rm -f "$CONF_DIR/$CT.conf.destroyed"
	left=$(ls -A "$PRIV_DIR")
	[ -z "$left" ] && ok "attempt $attempt: no temp dir of the killed create left after the next create/destroy" ||
		warn "attempt $attempt: the killed create's temp dir is still in private_dir: $left"
	rm -rf --one-file-system "${PRIV_DIR:?}"/.[!.]* "${PRIV_DIR:?}"/* 2>/dev/null
done
finish
