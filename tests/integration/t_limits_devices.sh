#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4, acceptance 6: the devices allowlist. /dev/null, zero and urandom work; a block device
# node made with mknod cannot be opened; `set --devices c:10:200:rw` on the running container
# lets /dev/net/tun open without a restart, and `--devices c:10:200:none` denies it again.
# (--userns no: in a user namespace the kernel refuses device nodes anyway, whatever the program.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits.sh"
need_template
leak_snapshot
CT=$(ctid 1)
[ -c /dev/net/tun ] || [ -e /sys/module/tun ] || modprobe tun 2>/dev/null || true

create_ct "$CT" --userns no
start_ct "$CT"
expect_output '^ok$' cc exec "$CT" -- sh -c 'echo x > /dev/null && echo ok'
expect_output '^16$' cc exec "$CT" -- sh -c 'head -c 16 /dev/zero | wc -c'
expect_output '^16$' cc exec "$CT" -- sh -c 'head -c 16 /dev/urandom | wc -c'
# mknod of any block device is allowed by the default rules; opening it is not
check "mknod a block node (7:0, loop0) inside" cc exec "$CT" -- mknod /dev/cct-blk b 7 0
run cc exec "$CT" -- sh -c 'head -c 1 /dev/cct-blk > /dev/null'
[ "$RC" != 0 ] && ok "opening the block node fails: $OUT" || fail "a block device node must not open" "$OUT"
expect_match 'not permitted|denied' "$OUT" "the error is EPERM"
check "mknod /dev/net/tun inside" cc exec "$CT" -- sh -c 'mkdir -p /dev/net && mknod /dev/net/tun c 10 200'
tun_open() { cc exec "$CT" -- sh -c 'exec 3<>/dev/net/tun && echo opened'; }
run tun_open
[ "$RC" != 0 ] && ok "/dev/net/tun denied by default ($OUT)" || fail "/dev/net/tun must be denied by default" "$OUT"
check "set --devices c:10:200:rw (live)" cc set "$CT" --devices c:10:200:rw
run tun_open
[ "$RC" = 0 ] && [ "$OUT" = opened ] && ok "/dev/net/tun opens after set, without a restart" || fail "/dev/net/tun opens after set --devices c:10:200:rw" "$OUT"
check "set --devices c:10:200:none (live)" cc set "$CT" --devices c:10:200:none
run tun_open
[ "$RC" != 0 ] && ok "/dev/net/tun denied again ($OUT)" || fail "/dev/net/tun denied after c:10:200:none" "$OUT"
expect_output '^ok$' cc exec "$CT" -- sh -c 'echo x > /dev/null && echo ok'
check "stop $CT" cc stop "$CT"
check "destroy $CT" cc destroy "$CT"
finish
