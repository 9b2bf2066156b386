#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, guest views: a private lxcfs (-l --enable-cfs) on a temp mount point, named in the
# global config ([lxcfs] mount_point). Without it start works and says so once in the log; with
# it a container with --ram 256M --cpus 1 sees 256M, one CPU, its own uptime and lxcfs's loadavg
# (and one that was started before lxcfs gets them from lxcfs rebind);
# lxcfs no keeps the kernel's; live --cpus reaches lxcfs (the quota copied to init's leaf); lxcfs
# killed and restarted leaves stale binds (list: stale) that lxcfs rebind replaces (list: ok).
. "$(dirname "$0")/lib.sh"
command -v lxcfs >/dev/null || skip "lxcfs not installed"
need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
CT3=$(ctid 3)
LXMP=$TMPD/lxcfs
mkdir -p "$LXMP"
sed -i "s|^mount_point = .*|mount_point = $LXMP|" "$CONF"
grep -q "^mount_point = $LXMP\$" "$CONF" || fail "the test's config names the private lxcfs" "$(cat "$CONF")"
LXPID=""

lxcfs_up() {
	lxcfs -l --enable-cfs -p "$TMPD/lxcfs.pid" "$LXMP" > "$TMPD/lxcfs.log" 2>&1 &
	LXPID=$!
	BG_PIDS+=("$LXPID")
	wait_for 10 test -f "$LXMP/proc/meminfo" && ok "private lxcfs up (pid $LXPID)" || fail "lxcfs starts" "$(cat "$TMPD/lxcfs.log")"
}
# kill lxcfs as a crash would, and take its dead mount away (as a restart of the unit does)
lxcfs_crash() {
	kill -9 "$LXPID"
	wait "$LXPID" 2> /dev/null
	umount -l "$LXMP" 2> /dev/null || fusermount -u "$LXMP" 2> /dev/null
	LXPID=""
}
mem_total() { cc exec "$1" -- awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo; }
# The host's procps free and uptime and coreutils nproc, with their libraries, copied into the
# guest's tree: busybox's free and uptime take total memory, uptime and load from sysinfo(2),
# which lxcfs cannot change; procps reads /proc/meminfo, /proc/uptime and /proc/loadavg.
HB=""
host_tools() {
	local top="$PRIV_DIR/$1" d f
	[ -d "$top/upper" ] && top=$top/upper # layout overlay: the container's own layer
	d=$top/opt/hb
	command -v ldd > /dev/null && [ -x /usr/bin/free ] && [ -x /usr/bin/uptime ] || return 1
	mkdir -p "$d" || return 1
	for f in /usr/bin/free /usr/bin/uptime /usr/bin/nproc $(ldd /usr/bin/free /usr/bin/uptime /usr/bin/nproc | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
		cp -L "$f" "$d/" || return 1
	done
	chmod -R a+rX "$top/opt"
	HB=/opt/hb
}
hb() {
	local ct=$1 tool=$2
	shift 2
	cc exec "$ct" -- $HB/ld-linux-x86-64.so.2 --library-path $HB $HB/$tool "$@"
}
ncpu() { cc exec "$1" -- grep -c '^processor' /proc/cpuinfo; }

# ---- no lxcfs: start works, one log line, list says off ----
create_ct "$CT" --ram 256M --cpus 1 --cpulimit 100
host_tools "$CT" || log "no host procps to copy in: only busybox's tools"
start_ct "$CT"
n=$(grep -c 'lxcfs views off' "$LOG_FILE")
[ "$n" = 1 ] && ok "no lxcfs: one log line says the views are off" || fail "one 'lxcfs views off' line, got $n" "$(tail -5 "$LOG_FILE")"
expect_output "^ *$CT +off\$" cc list -H -o ctid,lxcfs
hostmem=$(free -m | awk '/^Mem:/ {print $2}')
m=$(mem_total "$CT")
log "without lxcfs: MemTotal $m MiB (host $hostmem)"
[ "$m" = "$hostmem" ] && ok "without lxcfs /proc/meminfo has the host's memory" || fail "host memory without lxcfs" "$m vs $hostmem"
for t in "free -m" nproc uptime; do log "without lxcfs, busybox $t: $(cc exec "$CT" -- $t | tr '\n' '|')"; done
if [ -n "$HB" ]; then
	for t in "free -m" nproc uptime; do log "without lxcfs, host's $t: $(hb "$CT" $t | tr '\n' '|')"; done
fi
# lxcfs comes up while the container runs: rebind gives it the views (over the kernel's files)
lxcfs_up
expect_output "^CT $CT: 9 lxcfs binds replaced\$" cc lxcfs rebind "$CT"
expect_output "^ *$CT +ok\$" cc list -H -o ctid,lxcfs
expect_output '^MemTotal: +262144 kB$' cc exec "$CT" -- grep MemTotal /proc/meminfo
expect_output '^0$' cc exec "$CT" -- cat /sys/devices/system/cpu/online
expect_output "^CT $CT: no stale lxcfs bind\$" cc lxcfs rebind "$CT"
check "stop $CT" cc stop "$CT"
expect_output "^ *$CT +-\$" cc list -a -H -o ctid,lxcfs

# ---- lxcfs running at start ----
start_ct "$CT"
expect_output '^MemTotal: +262144 kB$' cc exec "$CT" -- grep MemTotal /proc/meminfo
for t in "free -m" nproc uptime; do log "with lxcfs, busybox $t: $(cc exec "$CT" -- $t | tr '\n' '|')"; done
if [ -n "$HB" ]; then
	for t in "free -m" nproc uptime; do log "with lxcfs, host's $t: $(hb "$CT" $t | tr '\n' '|')"; done
	run hb "$CT" free -m
	expect_match '^Mem: +256 ' "$OUT" "procps free -m: total 256"
	run hb "$CT" uptime
	expect_match 'up +[0-9]+ min' "$OUT" "procps uptime: the container's minutes ($OUT)"
fi
n=$(ncpu "$CT")
[ "$n" = 1 ] && ok "/proc/cpuinfo shows 1 CPU (--cpus 1)" || fail "1 CPU in cpuinfo" "$n"
expect_output '^0$' cc exec "$CT" -- cat /sys/devices/system/cpu/online
run cc exec "$CT" -- nproc
log "nproc inside: $OUT (sched_getaffinity: lxcfs cannot change it; host $(nproc))"
hup=$(cut -d. -f1 /proc/uptime)
cup=$(cc exec "$CT" -- cut -d. -f1 /proc/uptime)
log "uptime: container $cup s, host $hup s; inside: $(cc exec "$CT" -- uptime)"
[ -n "$cup" ] && [ "$cup" -lt 60 ] && [ "$cup" -lt "$hup" ] && ok "/proc/uptime is the container's ($cup s)" || fail "container uptime" "$cup vs host $hup"
pid=$(monitor_pid "$CT" > /dev/null; cc exec "$CT" -- cat /proc/loadavg)
expect_match '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+$' "$pid" "/proc/loadavg is served ($pid)"
run cc exec "$CT" -- sh -c 'grep -E " /proc/(meminfo|loadavg|uptime|stat|cpuinfo) " /proc/self/mountinfo'
n=$(grep -c 'fuse.lxcfs' <<< "$OUT")
[ "$n" = 5 ] && ok "the /proc files are lxcfs binds" || fail "5 lxcfs binds in mountinfo" "$OUT"
expect_match 'ro,nosuid,nodev,noexec' "$(grep meminfo <<< "$OUT")" "the binds are ro,nosuid,nodev,noexec"
expect_exit 1 cc exec "$CT" -- sh -c 'echo x > /proc/meminfo'
expect_output "^ *$CT +ok\$" cc list -H -o ctid,lxcfs

# live --cpus: the quota reaches init's leaf, so lxcfs follows
if [ "$(nproc)" -ge 2 ]; then
	check "set --cpus 2 live" cc set "$CT" --cpus 2 --cpulimit 200
	n=$(ncpu "$CT")
	[ "$n" = 2 ] && ok "after set --cpus 2: 2 CPUs in cpuinfo" || fail "2 CPUs after live set" "$n"
	check "set --cpus 1 live" cc set "$CT" --cpus 1 --cpulimit 100
	n=$(ncpu "$CT")
	[ "$n" = 1 ] && ok "after set --cpus 1: 1 CPU again" || fail "1 CPU after live set" "$n"
fi

# lxcfs no: the kernel's files
create_ct "$CT2" --ram 256M --lxcfs no
start_ct "$CT2"
m=$(mem_total "$CT2")
[ "$m" = "$hostmem" ] && ok "lxcfs no: free shows the host's memory ($m)" || fail "lxcfs no gives host memory" "$m"
expect_output "^ *$CT2 +off\$" cc list -H -o ctid,lxcfs
expect_output "^CT $CT2: no stale lxcfs bind\$" cc lxcfs rebind "$CT2"
expect_output "^ *$CT2 +off\$" cc list -H -o ctid,lxcfs
for t in "free -m" uptime; do log "lxcfs no, busybox $t: $(cc exec "$CT2" -- $t | tr '\n' '|')"; done
check "stop $CT2" cc stop "$CT2"

# a privileged container (no user namespace: its binds are not locked, rebind unmounts them)
create_ct "$CT3" --ram 128M --userns no
start_ct "$CT3"
expect_output '^MemTotal: +131072 kB$' cc exec "$CT3" -- grep MemTotal /proc/meminfo
# a hostile guest mounts its own file over /proc/loadavg: rebind leaves that mount alone
NREP=9
if cc exec "$CT" -- sh -c 'echo guest-own > /tmp/la && mount --bind /tmp/la /proc/loadavg' > /dev/null 2>&1; then
	NREP=8
	ok "the guest mounted its own file over /proc/loadavg"
else
	log "the guest cannot mount over /proc/loadavg here: that check is left out"
fi

# ---- lxcfs dies and comes back: stale, rebind, ok ----
# two rounds show that rebinds do not pile up; under the VM's emulation (TIMEOUT_SCALE > 1), where
# each round costs a minute, one shows the rest (the host runs both)
rounds="1 2"
[ "${TIMEOUT_SCALE:-1}" -gt 1 ] && rounds=1
for round in $rounds; do
	lxcfs_crash
	run cc exec "$CT" -- cat /proc/meminfo
	expect_match 'not connected' "$OUT" "round $round: lxcfs dead: /proc/meminfo gives ENOTCONN"
	expect_output "^ *$CT +stale\$" cc list -H -o ctid,lxcfs
	expect_exit 50 cc lxcfs rebind "$CT"
	lxcfs_up
	expect_output "^ *$CT +stale\$" cc list -H -o ctid,lxcfs
	expect_output "^CT $CT: $NREP lxcfs binds replaced\$" cc lxcfs rebind "$CT"
	expect_output "^ *$CT +ok\$" cc list -H -o ctid,lxcfs
	[ "$NREP" = 8 ] && expect_output '^guest-own$' cc exec "$CT" -- cat /proc/loadavg
	run cc lxcfs rebind --all
	expect_match "^CT $CT: no stale lxcfs bind\$" "$OUT" "round $round: rebind --all: $CT is fresh already"
	expect_match "^CT $CT3: 9 lxcfs binds replaced\$" "$OUT" "round $round: rebind --all: $CT3 (no user namespace) rebound"
	expect_output '^MemTotal: +131072 kB$' cc exec "$CT3" -- grep MemTotal /proc/meminfo
	expect_output "^ *$CT3 +ok\$" cc list -H -o ctid,lxcfs
	expect_output '^MemTotal: +262144 kB$' cc exec "$CT" -- grep MemTotal /proc/meminfo
	expect_output '^0$' cc exec "$CT" -- cat /sys/devices/system/cpu/online
done
run cc exec "$CT" -- sh -c 'grep -c " /proc/meminfo " /proc/self/mountinfo'
log "mounts at /proc/meminfo after rebinds (rounds: $rounds): $OUT"
[ "$OUT" -le 2 ] && ok "rebinds do not pile up (locked: start's and the last rebind's)" || fail "at most 2 mounts at /proc/meminfo" "$OUT"
expect_output '^1$' cc exec "$CT3" -- sh -c 'grep -c " /proc/meminfo " /proc/self/mountinfo'
check "stop $CT3" cc stop "$CT3"

# ---- bad input ----
expect_exit 20 cc lxcfs frobnicate "$CT"
expect_exit 27 cc lxcfs rebind
expect_exit 31 cc lxcfs rebind "$CT2"
expect_exit 21 cc set "$CT" --lxcfs maybe

check "stop $CT" cc stop "$CT"
lxcfs_crash
finish
