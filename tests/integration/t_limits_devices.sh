#!/bin/bash
# Issue 4, acceptance 6: the devices allowlist. /dev/null, zero and urandom work; a block device
# node made with mknod cannot be opened; `set --devices c:10:200:rw` on the running container
# lets /dev/net/tun open without a restart, and `--devices c:10:200:none` denies it again.
# (--userns no: in a user namespace the kernel refuses device nodes anyway, whatever the program.)
. "$(dirname "$0")/lib.sh"
# ---- beancounter helpers (the same block is in every t_limits_*.sh) ----
# ubc_val CTID RESOURCE COLUMN: one number from `cellctl ubc CTID` (COLUMN: held maxheld barrier limit failcnt)
ubc_val() {
	cc ubc "$1" 2>/dev/null | awk -v r="$2" -v c="$3" '
		BEGIN { split("held maxheld barrier limit failcnt", n, " "); for (i in n) col[n[i]] = i + 1 }
		{ if ($1 ~ /:$/) { $1 = ""; $0 = $0 } }
		$1 == r { print $(col[c]); exit }'
}
# ct_cgdirs CTID: the container's limit cgroup in every hierarchy
ct_cgdirs() { local d; for d in $(cg_self_dirs); do [ -d "$d/cellctl/$1" ] && echo "$d/cellctl/$1"; done; }
# kill_marked CTID REGEX: SIGKILL the processes in the container whose command line matches REGEX
# (only ones this test started inside it), until none is left
kill_marked() {
	local i d p
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local left=0
		for d in $(ct_cgdirs "$1"); do
			for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
				if proc_cmd "$p" | grep -Eq -- "$2"; then kill -9 "$p" 2>/dev/null; left=1; fi
			done
		done
		[ $left = 0 ] && return 0
		sleep 0.2
	done
}
cg_mode() { case "$(stat -f -c %T /sys/fs/cgroup)" in cgroup2fs) echo unified ;; tmpfs) [ -d /sys/fs/cgroup/unified ] && echo hybrid || echo legacy ;; *) echo legacy ;; esac; }
# ---- end of helpers ----
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
