#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 6: `start --wait` returns once the guest has booted, times out with a clear error (exit 15)
# when it never does, and says so (exit 31) when the guest stops during its boot. The busybox
# guest has no sd_notify: its boot counts as done when init has children and no boot script
# (/etc/init.d/rcS) runs. Also: each boot gets its own boot id, and an empty /etc/machine-id is
# filled from the container's UUID. (systemd's READY=1 path: t_guest_debian.)
# timeout: 300
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
create_ct "$CT"
uuid=$(sed -n 's/^uuid *= *//p' "$CONF_DIR/$CT.conf")
base=$(disk_root "$CT")
: > "$PRIV_DIR/$CT/etc/machine-id"
chown "$base:$base" "$PRIV_DIR/$CT/etc/machine-id"

use_ct "$CT"
run cc start "$CT" --wait
[ "$RC" = 0 ] && ok "start --wait returned 0" || fail "start --wait returned 0 (got $RC)" "$OUT"
expect_match "Container $CT booted in [0-9.]+ s" "$OUT" "start --wait says the guest booted"
grep -q "Container booted: boot scripts finished" "$LOG_FILE" && ok "the log says how the boot was seen to finish" ||
	fail "the log says how the boot was seen to finish" "$(tail -5 "$LOG_FILE")"
expect_output '^booted$' cc exec "$CT" -- sh -c 'pgrep -f /etc/init.d/rcS >/dev/null && echo running || echo booted'

want=$(printf '%s' "$uuid" | tr -d -)
expect_output "^$want\$" cc exec "$CT" -- cat /etc/machine-id

host_boot=$(cat /proc/sys/kernel/random/boot_id)
b1=$(cc exec "$CT" -- cat /proc/sys/kernel/random/boot_id)
expect_match '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$b1" "the guest has a boot id ($b1)"
[ "$b1" != "$host_boot" ] && ok "the guest's boot id is its own, not the host's" || fail "the guest's boot id is its own, not the host's"
expect_exit 1 cc exec "$CT" -- sh -c 'echo x > /proc/sys/kernel/random/boot_id'
init_start() { cc exec "$CT" -- cat /proc/1/stat 2>/dev/null | awk '{print $22}'; }
s0=$(init_start)
booted_again() { is_running "$CT" && s=$(init_start) && [ -n "$s" ] && [ "$s" != "$s0" ]; }
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot >/dev/null 2>&1
if wait_for 60 booted_again; then
	b2=$(cc exec "$CT" -- cat /proc/sys/kernel/random/boot_id)
	[ -n "$b2" ] && [ "$b2" != "$b1" ] && ok "a reboot gives a new boot id ($b1 -> $b2)" || fail "a reboot gives a new boot id ($b1 -> $b2)"
	expect_output "^$want\$" cc exec "$CT" -- cat /etc/machine-id
else
	fail "the container came back after reboot" "$(tail -5 "$LOG_FILE")"
fi
check "stop" cc stop "$CT"

# a boot that never finishes: a boot script that hangs
hang_boot "$CT"
t0=$(date +%s)
run cc start "$CT" --wait --timeout 3
t1=$(date +%s)
[ "$RC" = 15 ] && ok "start --wait --timeout 3 on a hanging boot exits 15" || fail "start --wait --timeout 3 on a hanging boot exits 15 (got $RC)" "$OUT"
expect_match "did not finish booting within 3 s" "$OUT" "the timeout error says what happened"
[ $((t1 - t0)) -le 8 ] && ok "the timeout came after $((t1 - t0)) s" || fail "the timeout came after $((t1 - t0)) s (want ~3)"
is_running "$CT" && ok "the container keeps running after the timeout" || fail "the container keeps running after the timeout"
check "stop the hanging container" cc stop "$CT" --fast
rm -f "$PRIV_DIR/$CT/etc/init.d/S50hang"

# a guest that powers off during its boot
cat > "$PRIV_DIR/$CT/etc/init.d/S50off" <<'EOS'
#!/bin/sh
[ "$1" = start ] && { sleep 1; poweroff -f; sleep 100; }
exit 0
EOS
chmod 755 "$PRIV_DIR/$CT/etc/init.d/S50off"
run cc start "$CT" --wait --timeout 60
[ "$RC" = 31 ] && ok "start --wait on a guest that powers off during boot exits 31" || fail "start --wait on a guest that powers off during boot exits 31 (got $RC)" "$OUT"
expect_match "stopped before its boot finished" "$OUT" "the error says the guest stopped"
wait_for 30 is_down "$CT" && ok "the container is down" || fail "the container is down" "$(ct_status "$CT")"
rm -f "$PRIV_DIR/$CT/etc/init.d/S50off"

expect_exit 21 cc start "$CT" --wait --timeout 0
expect_exit 21 cc start "$CT" --wait --timeout abc
expect_exit 20 cc start "$CT" --wait --timeout
expect_exit 20 cc start "$CT" --timeout 5
is_down "$CT" && ok "bad --timeout starts nothing" || fail "bad --timeout starts nothing"
leak_check "after the start --wait cases"
finish
