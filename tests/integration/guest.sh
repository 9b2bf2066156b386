# SPDX-License-Identifier: GPL-2.0-or-later
# tests/integration/guest.sh: the real-OS guest scenario (issue 6), sourced by t_guest_*.sh after
# lib.sh with GUEST_TPL (template name) and GUEST_INIT (systemd | sysvinit) set.
#
# 1. build the template (once per run), create a container with an IP on the bridge, start --wait;
# 2. the guest is up: systemd `is-system-running` (running, or degraded with the failed units
#    listed) / sysvinit runlevel 2; it knows it is in a container; sshd answers on its IP from
#    the host (the test's netns) with its banner; the console offers a login prompt;
# 3. `reboot` inside: a new boot id, and the IP answers again;
# 4. `stop` finishes cleanly (no kill fallback, the log says so) in under 10 s.

command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/deps.sh installs it)"
command -v busybox >/dev/null || skip "busybox (for nc) is not installed"
need_template "$GUEST_TPL"
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.78.0.1/24|" "$CONF"
leak_snapshot
CT=$(ctid 1)
IP=10.78.0.$((CCT_ID % 200 + 20))

# ssh_banner: the first line sshd sends, read from the host side
ssh_banner() { timeout 10 nsenter --net="/run/netns/$NS" -- busybox nc -w 3 "$IP" 22 < /dev/null 2>/dev/null | head -1 | tr -d '\r'; }
boot_id() { cc exec "$CT" -- cat /proc/sys/kernel/random/boot_id 2>/dev/null; }
guest_state() {
	if [ "$GUEST_INIT" = systemd ]; then
		cc exec "$CT" -- systemctl is-system-running 2>/dev/null
	else
		cc exec "$CT" -- runlevel 2>/dev/null
	fi
}
check_up() { # $1: when
	local st
	st=$(guest_state)
	if [ "$GUEST_INIT" = systemd ]; then
		case "$st" in
		running) ok "$1: systemctl is-system-running says running" ;;
		degraded)
			ok "$1: systemctl is-system-running says degraded (failed units below)"
			cc exec "$CT" -- systemctl --failed --no-legend --plain | sed 's/^/# failed unit: /'
			;;
		*) fail "$1: systemctl is-system-running says running or degraded (got '$st')" \
			"$(cc exec "$CT" -- systemctl list-jobs --no-pager 2>&1 | head -20)" ;;
		esac
	else
		expect_match '^N? ?[N0-9] 2$' "$st" "$1: sysvinit is in runlevel 2 ($st)"
	fi
	local b
	b=$(ssh_banner)
	expect_match '^SSH-2\.0-OpenSSH' "$b" "$1: sshd answers on $IP:22 from the host ($b)"
}

t0=$(date +%s%N)
create_ct "$CT" --ostemplate "$GUEST_TPL" --hostname guest1 --ipadd "$IP/24" --nameserver 10.78.0.1
log "create took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
use_ct "$CT"
run cc start "$CT" --wait --timeout 120
[ "$RC" = 0 ] && ok "start --wait ($OUT)" || { fail "start --wait returned 0 (got $RC)" "$OUT" "$(cc console "$CT" --log 2>&1 | tail -30)"; finish; }
grep "Container booted" "$LOG_FILE" | tail -1 | sed 's/^/# /'
if [ "$GUEST_INIT" = systemd ]; then
	grep -q "Container booted: READY=1" "$LOG_FILE" && ok "the boot was seen through READY=1 on NOTIFY_SOCKET" ||
		fail "the boot was seen through READY=1 on NOTIFY_SOCKET" "$(grep 'Container booted' "$LOG_FILE")"
fi
check_up "after start --wait"
run cc exec "$CT" -- systemd-detect-virt -c
if [ "$GUEST_INIT" = systemd ]; then
	[ -n "$OUT" ] && [ "$OUT" != none ] && ok "systemd-detect-virt -c reports a container ($OUT)" || fail "systemd-detect-virt -c reports a container (got '$OUT')"
	expect_output '^container=cellctl$' cc exec "$CT" -- sh -c 'tr "\0" "\n" < /proc/1/environ | grep ^container='
	expect_output '^(0::/init\.scope|0::/)$' cc exec "$CT" -- sh -c 'grep ^0:: /proc/1/cgroup'
	expect_output '^cgroup2 ' cc exec "$CT" -- sh -c 'grep " /sys/fs/cgroup " /proc/mounts'
else
	expect_output '^container=cellctl$' cc exec "$CT" -- sh -c 'tr "\0" "\n" < /proc/1/environ | grep ^container='
fi
expect_output '^cellctl$' cc exec "$CT" -- cat /run/host/container-manager
uuid=$(sed -n 's/^uuid *= *//p' "$CONF_DIR/$CT.conf" | tr -d -)
expect_output "^$uuid\$" cc exec "$CT" -- cat /etc/machine-id
expect_output '^guest1$' cc exec "$CT" -- hostname
run cc exec "$CT" -- ip -o -4 addr show dev eth0
expect_match "inet $IP/24 " "$OUT" "the guest's own network start kept $IP on eth0"
# the console: a getty offers a login prompt there
if wait_for 30 sh -c "nsenter --net=/run/netns/$NS -- $CELLCTL console $CT --log 2>/dev/null | grep -q 'login:'"; then
	ok "the console shows a login prompt"
else
	fail "the console shows a login prompt" "$(cc console "$CT" --log 2>&1 | tail -15)"
fi

# reboot from inside
b1=$(boot_id)
timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" exec "$CT" -- reboot > /dev/null 2>&1
new_boot() { b=$(boot_id) && [ -n "$b" ] && [ "$b" != "$b1" ] && [ -n "$(ssh_banner)" ]; }
if wait_for 120 new_boot; then
	ok "after reboot: a new boot id ($b1 -> $(boot_id))"
	settled() { [ "$(guest_state)" != starting ]; }
	wait_for 60 settled || true
	check_up "after reboot"
else
	fail "after reboot: a new boot id and sshd answering" "boot id $(boot_id)" "$(tail -5 "$LOG_FILE")"
fi

# a clean stop, without the kill fallback
t0=$(date +%s%N)
check "stop" cc stop "$CT"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 10000 ] && ok "stop took $ms ms (< 10 s)" || fail "stop took $ms ms (< 10 s)"
line=$(grep "Container stopped" "$LOG_FILE" | tail -1)
expect_match 'stopped cleanly in [0-9]+ ms' "$line" "the log says the stop was clean ($line)"
# (a pipe, not <(...): /dev/fd is missing in the VM, and a grep error read as "no kill")
if tail -4 "$LOG_FILE" | grep -qE "by kill|killing it"; then fail "no kill fallback in the log" "$(tail -4 "$LOG_FILE")"; else ok "no kill fallback in the log"; fi
leak_check "after stop"
