#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, acceptance 3: with userns = yes the guest sees its own 65536-id block, root inside owns
# the guest's files, and a file made inside belongs on disk to the container's root (0 with
# ownership mapped, the block's base uid with ownership shifted). Also the
# privileged mode (userns = no) works, and two containers never share a block.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
CT3=$(ctid 3)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }

create_ct "$CT" --hostname userns-a
expect_match '^yes$' "$(conf_get "$CT" userns)" "userns = yes is the default (config: $(conf_get "$CT" userns))"
base=$(conf_get "$CT" uid_base)
expect_match "^$USERNS_BASE\$" "$base" "the first container gets the configured base $USERNS_BASE (uid_base = $base)"
base=${base:-$USERNS_BASE}

# ownership: mapped (container-relative on disk, idmapped at start) where private_dir's filesystem
# can be idmapped, else shifted at extraction (t_ownership tests both)
ownership=$(conf_get "$CT" ownership)
expect_match '^(mapped|shifted)$' "$ownership" "the ownership is recorded ($ownership)"
droot=$(disk_root "$CT")
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT/bin/busybox" 2>&1)
expect_match "^$droot:$droot\$" "$own" "host: the template's root-owned files belong to $droot ($ownership: $own)"
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT" 2>&1)
expect_match "^$droot:$droot\$" "$own" "host: the private area root belongs to $droot ($own)"

start_ct "$CT"
run cc exec "$CT" -- cat /proc/self/uid_map
expect_match "^ *0 +$base +65536 *\$" "$OUT" "uid_map inside shows 0 $base 65536"
run cc exec "$CT" -- cat /proc/self/gid_map
expect_match "^ *0 +$base +65536 *\$" "$OUT" "gid_map inside shows 0 $base 65536"
expect_output '^0 0$' cc exec "$CT" -- stat -c '%u %g' /bin/busybox
expect_output '^0 0$' cc exec "$CT" -- stat -c '%u %g' /etc
expect_output '^0$' cc exec "$CT" -- id -u
check "root inside can write its own files" cc exec "$CT" -- sh -c 'echo hi > /etc/userns-test && rm /etc/userns-test'

check "create a file inside" cc exec "$CT" -- sh -c 'echo made > /made-inside'
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT/made-inside" 2>&1)
expect_match "^$droot:$droot\$" "$own" "host: the file made inside belongs to $droot:$droot ($own)"
check "chown 1000:1000 inside" cc exec "$CT" -- sh -c 'echo u > /made-by-1000 && chown 1000:1000 /made-by-1000'
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT/made-by-1000" 2>&1)
expect_match "^$((droot + 1000)):$((droot + 1000))\$" "$own" "host: uid 1000 inside is $((droot + 1000)) on disk ($own)"
run cc exec "$CT" -- sh -c 'chown 65536 /made-inside'
[ "$RC" != 0 ] && ok "ids outside the block cannot be used inside" || fail "chown 65536 inside must fail"
# capabilities over the host are gone: the host's kernel parameters are not the guest's
run cc exec "$CT" -- sh -c 'cat /proc/self/status | grep ^CapEff'
expect_match 'CapEff' "$OUT" "CapEff readable inside ($OUT)"

# a second userns container gets a different, non-overlapping block
create_ct "$CT2" --hostname userns-b
base2=$(conf_get "$CT2" uid_base)
if [ -n "$base2" ] && [ "$base2" != "$base" ] && { [ "$base2" -ge $((base + 65536)) ] || [ $((base2 + 65536)) -le "$base" ]; }; then
	ok "the second container gets its own block ($base2)"
else
	fail "the second container gets its own block (got '$base2', first $base)"
fi
start_ct "$CT2"
run cc exec "$CT2" -- cat /proc/self/uid_map
expect_match "^ *0 +${base2:-x} +65536 *\$" "$OUT" "second container's uid_map: 0 $base2 65536"
check "stop $CT2" cc stop "$CT2" --fast
check "destroy $CT2" cc destroy "$CT2"

# privileged mode
create_ct "$CT3" --userns no --hostname privileged
expect_match '^no$' "$(conf_get "$CT3" userns)" "config says userns = no"
expect_match '^$' "$(conf_get "$CT3" ownership)" "no ownership key without a user namespace"
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT3/bin/busybox" 2>&1)
expect_match '^0:0$' "$own" "host: a privileged container's files stay root-owned ($own)"
start_ct "$CT3"
run cc exec "$CT3" -- cat /proc/self/uid_map
expect_match '^ *0 +0 +4294967295 *$' "$OUT" "privileged: the initial uid_map (0 0 4294967295)"
expect_output '^privileged$' cc exec "$CT3" -- hostname
check "create a file inside the privileged container" cc exec "$CT3" -- sh -c 'echo p > /made-priv'
own=$(stat -c '%u:%g' "$PRIV_DIR/$CT3/made-priv" 2>&1)
expect_match '^0:0$' "$own" "host: the file belongs to 0:0 ($own)"
expect_exit 7 cc exec "$CT3" -- sh -c 'exit 7'
check "stop $CT3" cc stop "$CT3"
check "destroy $CT3" cc destroy "$CT3"

check "stop $CT" cc stop "$CT" --fast
check "destroy $CT" cc destroy "$CT"
left=$(ls -A "$PRIV_DIR")
[ -z "$left" ] && ok "private_dir empty" || fail "private_dir empty" "$left"
finish
