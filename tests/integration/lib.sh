# SPDX-License-Identifier: GPL-2.0-or-later
# tests/integration/lib.sh: sourced by every tests/integration/t_*.sh (bash).
#
# Each test gets, and loses again at exit (EXIT/INT/TERM), even when it fails:
#   $TMPD      a temp dir holding everything: cellctl.conf, ct/, private/, template/, run/, log
#   $NS        a network namespace of its own that plays the host: cellctl runs inside it, so the
#              real host's interfaces are never touched (nsenter --net, never `ip netns exec`,
#              which remounts /sys and hides /sys/fs/cgroup)
#   $CONF      the global config ($CELLCTL_CONF): [cgroup] parent = self/$CG_NAME, a bridge name, a
#              userns base and CTIDs unique to this test process, so concurrent runs do not collide
#   $CG_NAME   the cgroup directory of this test's containers, below this shell's own cgroup in
#              every hierarchy: a name unique to the test process (cct-TEST-ID), never a real
#              installation's ("cellctl"), so a test can never join or kill a real container
#   cc ARGS    runs `$CELLCTL ARGS` in $NS with $CELLCTL_CONF
#   ctid N     the Nth CTID this test may use (a unique range, not 101: 101 is the admin's)
# Assertions: ok, fail, warn, check DESC CMD..., expect_exit CODE CMD..., expect_output REGEX CMD...,
# expect_match REGEX TEXT DESC; OUT holds the last command's stdout+stderr and RC its status.
# need_template [NAME] copies template NAME (default busybox; built once per run, shared) into this
# test's cache.
# leak_snapshot / leak_check count mounts, cgroup dirs, processes, veths and the shell's fds.
# finish ends the test: leak check, cleanup, exit 0 (all ok) or 1.  skip "reason" exits 77.

set -u
set -o pipefail

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=${CCT_SRCDIR:-$(cd "$LIB_DIR/../.." && pwd)}
TNAME=$(basename "$0" .sh)
TNAME=${TNAME#t_}
CCT_ID=${CCT_ID:-$$}
FAILS=0
PASSES=0
WARNS=0
OUT=""
RC=0
TMPD=""
NS=""
CTIDS=()        # every CTID the test touched: cleanup stops and destroys these
BG_PIDS=()      # every background PID the test started: cleanup kills these (only these)

log() { printf '# %s\n' "$*"; }
ok() { PASSES=$((PASSES + 1)); printf 'ok - %s\n' "$*"; }
fail() {
	FAILS=$((FAILS + 1))
	printf 'not ok - %s\n' "$1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
warn() { WARNS=$((WARNS + 1)); printf 'warning - %s\n' "$*"; }

skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# ---- the binary ----------------------------------------------------------------------------
. "$LIB_DIR/findbin.sh"

[ "$(id -u)" = 0 ] || skip "needs root"
if ! CELLCTL=$(find_cellctl "$SRCDIR"); then
	printf 'not ok - find the cellctl binary\n'
	exit 1
fi
export CELLCTL
command -v nsenter >/dev/null || skip "nsenter (util-linux) missing"
command -v ip >/dev/null || skip "ip (iproute2) missing"

# ---- ids unique to this test process ------------------------------------------------------
# CTIDs: 100 per slot; userns: 32 blocks of 65536 per slot above 100000000 (below 2^32).
CCT_SLOT=$((CCT_ID % 1500))
CTBASE=$((1000000 + CCT_SLOT * 100 + (CCT_ID / 1500 % 100) * 150000))
ctid() { echo $((CTBASE + $1)); }
USERNS_BASE=$((100000000 + CCT_SLOT * 32 * 65536))
USERNS_SIZE=65536
BRIDGE="ccbr$((CCT_ID % 1000000))"
CG_NAME="cct-$TNAME-$CCT_ID"

# ---- the host side ------------------------------------------------------------------------
# Each hierarchy's cgroup of this shell, as "mountpoint/path" (parent = self/$CG_NAME puts
# containers at <that>/$CG_NAME/CTID).
cg_self_dirs() {
	local id ctrls path fst mp
	while IFS=: read -r id ctrls path; do
		if [ -z "$ctrls" ]; then fst=cgroup2; else fst=cgroup; fi
		mp=$(awk -v t="$fst" -v want="$ctrls" '
			{ for (i = 1; i <= NF; i++) if ($i == "-") break
			  if ($(i + 1) != t) next
			  if (t == "cgroup2") { print $5; exit }
			  n = split(want, w, ","); split($(i + 3), o, ","); m = 0
			  for (j = 1; j <= n; j++) for (k in o) if (o[k] == w[j]) { m++; break }
			  if (m == n) { print $5; exit } }' /proc/self/mountinfo)
		[ -n "$mp" ] || continue
		[ "$path" = / ] && path=""
		printf '%s%s\n' "$mp" "$path"
	done < /proc/self/cgroup
}

# The cgroup dirs of our containers, in every hierarchy: $CG_NAME (and $CG_NAME-SUFFIX, for a
# test's second world), itself and everything below.
our_cgroups() {
	local d c
	for d in $(cg_self_dirs); do
		for c in "$d/$CG_NAME" "$d/$CG_NAME"-*; do
			[ -d "$c" ] && find "$c" -type d 2>/dev/null
		done
	done
	return 0
}

# A process's command line, NULs as spaces, trailing blanks trimmed ("" when it is gone).
proc_cmd() { { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null | sed 's/ *$//'; }
is_our_ctid() {
	case "$1" in *[!0-9]*|"") return 1 ;; esac
	[ "$1" -ge "$CTBASE" ] && [ "$1" -lt $((CTBASE + 100)) ]
}

# Processes that belong to us: monitors of our CTIDs, processes in our containers' cgroups,
# anything naming our temp dir (never our own shell or its children running this scan).
our_procs() {
	local p pid cmd id cg
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] && continue
		[ "$pid" = "$BASHPID" ] && continue
		cmd=$(proc_cmd "$pid") || continue
		[ -n "$cmd" ] || continue
		case "$cmd" in
		"cellctl-monitor "*)
			id=${cmd#cellctl-monitor }
			id=${id%% *}
			is_our_ctid "$id" && { echo "$pid $cmd"; continue; }
			;;
		*"$TMPD"*)
			case "$cmd" in "tr "*|"sed "*|"grep "*|"cat "*) continue ;; esac
			echo "$pid $cmd"
			continue
			;;
		esac
		cg=$(grep -o "/$CG_NAME[^/]*/[0-9]*" "$p/cgroup" 2>/dev/null | head -1) || continue
		[ -n "$cg" ] && echo "$pid [in cgroup $cg] $cmd"
	done
}

# PID of the monitor of CTID (or nothing, status 1).
monitor_pid() {
	local p
	for p in /proc/[0-9]*; do
		case "$(proc_cmd "${p#/proc/}")" in
		"cellctl-monitor $1" | "cellctl-monitor $1 "*)
			echo "${p#/proc/}"
			return 0
			;;
		esac
	done
	return 1
}

# Mount points in this mount namespace, minus ones that other test runs or VMs make meanwhile.
our_mounts() {
	awk '{print $5}' /proc/self/mountinfo | sort | grep -v -e '^/run/netns/' -e '^/tmp/cct\.' -e '^/tmp/cellctl-vm\.' -e '^/tmp/cg2vm\.' || true
	grep -F "$TMPD" /proc/self/mountinfo | awk '{print "TMPD: " $5}' || true
	grep -F "/run/netns/$NS" /proc/self/mountinfo | awk '{print "NS: " $5}' || true
}

# A stop renames each host veth out of the way (ccgone<ifindex hex>, down) and the kernel deletes
# it with the container's network namespace, a few ms after the container's end: wait for that (up
# to 5 s) before the host's links are listed or compared; one still there after is a leak.
no_retired() { ! ip -n "$NS" -o link show 2>/dev/null | grep -q '^[0-9]*: ccgone'; }
wait_retired() { wait_for 5 no_retired || true; }
our_links() {
	wait_retired
	ip -n "$NS" -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v -e '^lo$' -e "^$BRIDGE\$" | sort || true
}
# The test shell's open fds, minus bash's own (10 and up: saved fds, the script) and pipes (the
# command substitution doing the counting): a leak into the shell is something it kept open.
fd_count() {
	local f n=0
	for f in /proc/$$/fd/*; do
		[ "${f##*/}" -lt 10 ] 2>/dev/null || continue
		case "$(readlink "$f" 2>/dev/null)" in pipe:* | "") continue ;; esac
		n=$((n + 1))
	done
	echo $n
}

LEAK_BASE=""
leak_snapshot() {
	LEAK_BASE=$TMPD/leak.base
	mkdir -p "$LEAK_BASE"
	our_mounts > "$LEAK_BASE/mounts"
	our_cgroups > "$LEAK_BASE/cgroups"
	our_procs | sort > "$LEAK_BASE/procs"
	our_links > "$LEAK_BASE/links"
	fd_count > "$LEAK_BASE/fds"
	ls -A "$RUN_DIR" 2>/dev/null | sort > "$LEAK_BASE/run"
}

# leak_check [what]: compare with the snapshot; each difference is a failure.
leak_check() {
	local what=${1:-end of test} d n
	[ -n "$LEAK_BASE" ] || return 0
	n=$TMPD/leak.now
	mkdir -p "$n"
	our_mounts > "$n/mounts"
	our_cgroups > "$n/cgroups"
	our_procs | sort > "$n/procs"
	our_links > "$n/links"
	fd_count > "$n/fds"
	local k bad=0
	# mounts: this mount namespace is shared with everything else on the machine, so only a new
	# mount that names our temp dir (private areas, run_dir) fails; others are reported
	d=$(diff "$LEAK_BASE/mounts" "$n/mounts" | sed -n 's/^> //p')
	if grep -q "TMPD: \|$TMPD" <<< "$d"; then
		fail "no mounts leaked ($what)" "$(printf '%s\n' "$d" | grep "TMPD: \|$TMPD" | head -20)"
		bad=1
	elif [ -n "$d" ]; then
		log "new mounts elsewhere meanwhile (not ours?): $(printf '%s\n' "$d" | head -5 | tr '\n' ' ')"
	fi
	for k in cgroups procs links; do
		d=$(diff "$LEAK_BASE/$k" "$n/$k" | grep '^[<>]' || true)
		if [ -n "$d" ]; then
			fail "no $k leaked ($what)" "$(printf '%s\n' "$d" | head -20)"
			bad=1
		fi
	done
	if [ "$(cat "$LEAK_BASE/fds")" != "$(cat "$n/fds")" ]; then
		fail "test shell fd count unchanged ($what): $(cat "$LEAK_BASE/fds") -> $(cat "$n/fds")" "$(ls -l /proc/$$/fd)"
		bad=1
	fi
	# state, socket and lock files of our containers in run_dir
	local left
	# (lock files only count at the end: a stopped container may keep its lock file until destroy)
	local pat=(-name '*.state' -o -name '*.sock' -o -name '*.pid')
	[ "$what" = "end of test" ] && pat+=(-o -name '*.lck')
	left=$(cd "$RUN_DIR" 2>/dev/null && find . \( "${pat[@]}" \) 2>/dev/null | sort)
	if [ -n "$left" ]; then
		fail "no state/socket/lock files left in run_dir ($what)" "$left"
		bad=1
	fi
	[ $bad = 1 ] || ok "nothing leaked ($what): mounts, cgroups, processes, links, fds, run files"
	return $bad
}

# ---- running things -----------------------------------------------------------------------
# cc ARGS: cellctl inside the test's netns.
cc() { nsenter --net="/run/netns/$NS" -- "$CELLCTL" "$@"; }
# cc_bg ARGS: same, in the background; CC_PID is the cellctl process itself (nsenter execs it).
cc_bg() {
	nsenter --net="/run/netns/$NS" -- "$CELLCTL" "$@" &
	CC_PID=$!
	BG_PIDS+=("$CC_PID")
}

# Remember a CTID for the cleanup (create does it too).
use_ct() {
	local c
	for c in "${CTIDS[@]}"; do [ "$c" = "$1" ] && return 0; done
	CTIDS+=("$1")
}

# run CMD...: OUT = its stdout+stderr, RC = its status (never aborts the test).
run() {
	OUT=$("$@" 2>&1)
	RC=$?
	return 0
}

# check DESC CMD...: ok when CMD exits 0.
check() {
	local desc=$1
	shift
	run "$@"
	if [ "$RC" = 0 ]; then ok "$desc"; else fail "$desc (exit $RC): $*" "$OUT"; fi
	[ "$RC" = 0 ]
}

# expect_exit CODE CMD...: ok when CMD exits CODE.
expect_exit() {
	local code=$1
	shift
	run "$@"
	if [ "$RC" = "$code" ]; then ok "exit $code: $*"; else fail "exit $code expected, got $RC: $*" "$OUT"; fi
	[ "$RC" = "$code" ]
}

# expect_output REGEX CMD...: ok when CMD exits 0 and its output matches the extended REGEX.
expect_output() {
	local re=$1
	shift
	run "$@"
	if [ "$RC" = 0 ] && grep -Eq -- "$re" <<< "$OUT"; then
		ok "/$re/ in output of: $*"
	else
		fail "/$re/ expected in output of: $* (exit $RC)" "$OUT"
		return 1
	fi
}

# expect_match REGEX TEXT DESC
expect_match() {
	# a here-string, not a pipe: grep -q leaves at the first match, and under pipefail the printf it
	# left writing the next line would fail the match (SIGPIPE) now and then
	if grep -Eq -- "$1" <<< "$2"; then ok "$3"; else fail "$3: /$1/ not in" "$2"; return 1; fi
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local t=$1 i=0
	shift
	while [ $i -lt $((t * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

ct_status() { cc status "$1" 2>/dev/null; }
is_running() { [ "$(ct_status "$1")" = "CTID $1 exist running" ]; }
is_down() { [ "$(ct_status "$1")" = "CTID $1 exist down" ]; }
is_deleted() { [ "$(ct_status "$1")" = "CTID $1 deleted" ]; }

# disk_root CTID: the host uid that the container's root has on disk in its private area: 0 for
# ownership mapped (container-relative ids, idmapped at start) and without a user namespace, the
# block's base (uid_base) for ownership shifted (and layout overlay's upper layer).
disk_root() {
	local f="$CONF_DIR/$1.conf" own base
	own=$(sed -n 's/^[[:space:]]*ownership[[:space:]]*=[[:space:]]*//p' "$f" | head -1)
	base=$(sed -n 's/^[[:space:]]*uid_base[[:space:]]*=[[:space:]]*//p' "$f" | head -1)
	if [ "$own" = mapped ] || [ -z "$base" ]; then echo 0; else echo "$base"; fi
}

# create_ct CTID ARGS...: create (recorded for cleanup); fails the test when create fails.
create_ct() {
	local id=$1
	shift
	use_ct "$id"
	check "create $id $*" cc create "$id" "$@"
}
start_ct() {
	use_ct "$1"
	check "start $1" cc start "$1"
}

# hang_boot CTID: give the busybox guest of CTID a boot script that never ends, so that its boot
# never finishes (start --wait and boot time out on it).
hang_boot() {
	cat > "$PRIV_DIR/$1/etc/init.d/S50hang" <<-'EOS'
		#!/bin/sh
		[ "$1" = start ] && exec sleep 100000
		exit 0
	EOS
	chmod 755 "$PRIV_DIR/$1/etc/init.d/S50hang"
}

# ---- templates ----------------------------------------------------------------------------
# The busybox template is built once per run (tests/integration/run sets CCT_CACHE) with
# `cellctl template build busybox`, then copied into each test's template_dir/cache.
# ext4_dirs MiB [noprivate]: private_dir and template_dir on an ext4 image of MiB mounted on
# $TMPD/ext (the same on every kernel and temp dir: the VM's /tmp can neither be idmapped nor hold
# an overlay upper layer); the busybox template copied into its cache; PRIV_DIR and TPL_DIR point
# there. noprivate: private_dir named but not made (the first create makes it). Skips where no
# ext4 image can be made; the test unmounts $TMPD/ext before its leak check.
ext4_dirs() {
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) missing"
	modprobe loop 2>/dev/null
	truncate -s "$1M" "$TMPD/ext.img"
	mkfs.ext4 -q -F "$TMPD/ext.img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
	mkdir -p "$TMPD/ext"
	mount -o loop "$TMPD/ext.img" "$TMPD/ext" || skip "cannot loop-mount an ext4 image here"
	mkdir -p "$TMPD/ext/template/cache"
	[ "${2:-}" = noprivate ] || mkdir -p "$TMPD/ext/private"
	cp "$TPL_DIR"/cache/busybox.tar* "$TMPD/ext/template/cache/"
	sed -i -e "s|^private_dir *=.*|private_dir  = $TMPD/ext/private|" \
		-e "s|^template_dir *=.*|template_dir = $TMPD/ext/template|" "$CONF"
	PRIV_DIR=$TMPD/ext/private
	TPL_DIR=$TMPD/ext/template
}

need_template() {
	local name=${1:-busybox} shared=${CCT_CACHE:-$TMPD/shared-cache} f
	mkdir -p "$shared"
	(
		flock -x 9
		f=$(ls "$shared"/cache/"$name".tar* 2>/dev/null | head -1)
		if [ -z "$f" ]; then
			[ -f "$shared/failed-$name" ] && exit 1
			cat > "$shared/cellctl.conf" <<-EOF
				[paths]
				config_dir = ct
				private_dir = private
				template_dir = .
				recipe_dir = $SRCDIR/templates
				sample_dir = $SRCDIR/conf
				run_dir = run
				log_file = cellctl.log
				[cgroup]
				parent = self/cct-tplbuild-$CCT_ID
			EOF
			log "building the $name template into $shared/cache (once per run)"
			# outside the test's netns: a recipe may fetch packages from the host's mirror (a
			# build touches no network interface)
			if ! CELLCTL_CONF=$shared/cellctl.conf "$CELLCTL" template build "$name" > "$shared/build-$name.log" 2>&1; then
				tail -30 "$shared/build-$name.log"
				touch "$shared/failed-$name"
				exit 1
			fi
		fi
	) 9> "$shared/.lock" || { fail "cellctl template build $name" "$(tail -20 "$shared/build-$name.log" 2>/dev/null)"; finish; }
	f=$(ls "$shared"/cache/"$name".tar* 2>/dev/null | head -1)
	[ -n "$f" ] || { fail "template build produced no $name.tar* in $shared/cache" "$(ls -la "$shared"/cache 2>&1)"; finish; }
	mkdir -p "$TPL_DIR/cache"
	cp "$f" "$TPL_DIR/cache/"
	[ "$name" = busybox ] && BUSYBOX_TPL=$TPL_DIR/cache/${f##*/}
	return 0
}

# Unpack the busybox template into DIR (for tests that build variants of it with tar).
unpack_busybox() {
	mkdir -p "$1"
	case "$BUSYBOX_TPL" in
	*.zst) zstd -dc "$BUSYBOX_TPL" | tar -x --numeric-owner -C "$1" ;;
	*) tar -x --numeric-owner -C "$1" -f "$BUSYBOX_TPL" ;;
	esac
}

# ---- setup --------------------------------------------------------------------------------
TMPD=$(mktemp -d "/tmp/cct.$TNAME.XXXXXX")
chmod 755 "$TMPD"
CONF=$TMPD/cellctl.conf
CONF_DIR=$TMPD/ct
PRIV_DIR=$TMPD/private
TPL_DIR=$TMPD/template
RUN_DIR=$TMPD/run
LOG_FILE=$TMPD/cellctl.log
mkdir -p "$CONF_DIR" "$PRIV_DIR" "$TPL_DIR/cache" "$RUN_DIR"
chmod 700 "$PRIV_DIR" # as cellctl makes it (t_ownership: a create with ownership mapped closes it)
cat > "$CONF" <<EOF
; written by tests/integration/lib.sh for test $TNAME ($CCT_ID)
[paths]
config_dir   = ct
private_dir  = private
template_dir = template
recipe_dir   = $SRCDIR/templates
sample_dir   = $SRCDIR/conf
run_dir      = run
log_file     = cellctl.log

[cgroup]
parent = self/$CG_NAME

[network]
bridge = $BRIDGE
ipadd_mode = ${IPADD_MODE:-bridged}

[userns]
default = yes
base    = $USERNS_BASE
size    = $USERNS_SIZE

[defaults]
ostemplate = busybox
layout     = ${LAYOUT:-copy}

[lxcfs]
; never the host's lxcfs (/var/lib/lxcfs): guest views off unless a test starts its own (t_lxcfs)
mount_point = $TMPD/no-lxcfs

[backup]
; never the host's (/var/lib/cellctl/dump): backups and online migrations' checkpoints
dumpdir = dump
EOF
export CELLCTL_CONF=$CONF

NS="cct-${TNAME:0:16}-$CCT_ID"
cleanup() {
	local rc=$? c p
	trap - EXIT INT TERM
	set +e
	if [ -n "$NS" ] && [ -e "/run/netns/$NS" ]; then
		for c in "${CTIDS[@]}"; do
			if ! is_deleted "$c" 2>/dev/null; then
				timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" stop "$c" --fast >/dev/null 2>&1
				timeout 30 nsenter --net="/run/netns/$NS" -- "$CELLCTL" destroy "$c" >/dev/null 2>&1
			fi
		done
	fi
	for p in "${BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	# a monitor of ours that survived stop/destroy: report it, and end it (it is ours: our CTID)
	for c in "${CTIDS[@]}"; do
		p=$(monitor_pid "$c") && { echo "# cleanup: killing leftover monitor $p of CT $c"; kill -9 "$p"; }
	done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	# this test's cgroup directories, when something left them behind (empty ones only: rmdir)
	for p in $(cg_self_dirs); do
		for c in "$p/$CG_NAME" "$p/$CG_NAME"-*; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	# mounts left below the temp dir would make rm -rf walk into them
	if [ -n "$TMPD" ] && [ -d "$TMPD" ]; then
		grep -F " $TMPD" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "$TMPD"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT TERM

ip netns add "$NS" || { NS=""; echo "not ok - ip netns add failed"; exit 1; }
ip -n "$NS" link set lo up

# finish: leak check (when a snapshot was taken), summary, exit.
finish() {
	[ -z "$LEAK_BASE" ] || leak_check "end of test"
	printf '# %s: %d ok, %d failed, %d warnings\n' "$TNAME" "$PASSES" "$FAILS" "$WARNS"
	[ "$FAILS" = 0 ] && exit 0
	exit 1
}

log "test $TNAME: cellctl=$CELLCTL tmp=$TMPD netns=$NS ctids=$CTBASE.. userns base=$USERNS_BASE"

# second_host NETNS DIR [BRIDGE_ADDRESS]: a second "host" for the migration tests: the network
# namespace NETNS (lo up) and, under DIR, its own config (DIR/cellctl.conf: paths under DIR, cgroup
# parent self/$CG_NAME-b, bridge ${BRIDGE}b, another user-ID block) with this run's templates.
second_host() {
	local ns=$1 dir=$2
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	mkdir -p "$dir/ct" "$dir/private" "$dir/template/cache" "$dir/run"
	chmod 700 "$dir/private"
	cp "$TPL_DIR"/cache/* "$dir/template/cache/"
	cat > "$dir/cellctl.conf" <<-EOF
	; host B of $TNAME ($CCT_ID)
	[paths]
	config_dir   = ct
	private_dir  = private
	template_dir = template
	recipe_dir   = $SRCDIR/templates
	sample_dir   = $SRCDIR/conf
	run_dir      = run
	log_file     = cellctl.log
	[cgroup]
	parent = self/$CG_NAME-b
	[network]
	bridge = ${BRIDGE}b
	${3:+bridge_address = $3}
	ipadd_mode = bridged
	[userns]
	default = yes
	base    = $((USERNS_BASE + 7 * USERNS_SIZE))
	size    = $USERNS_SIZE
	[defaults]
	ostemplate = busybox
	layout     = copy
	[lxcfs]
	mount_point = $TMPD/no-lxcfs
	[backup]
	dumpdir = dump
	EOF
}

# mig_transport WRAPPER: the executable WRAPPER (a test's stand-in for ssh, entering host B) as
# this host's [migrate] ssh, with the cellctl under test as the destination's command
mig_transport() {
	chmod 755 "$1"
	cat >> "$CONF" <<-EOF
	[migrate]
	ssh = $1
	ssh_options = -o BatchMode=yes
	remote_command = $CELLCTL
	EOF
}

# need_quota_fs MiB: an ext4 image of MiB with project quotas, mounted (loop, prjquota) on
# QFS=$TMPD/qfs (LOOPDEV its loop device, released with the mount), or a skip: the pure-cgroup2 VM
# has quota_v2, this host's kernel does not
need_quota_fs() {
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) missing"
	modprobe loop 2>/dev/null
	modprobe quota_v2 2>/dev/null
	QFS=$TMPD/qfs
	mkdir -p "$QFS"
	truncate -s "$1M" "$TMPD/quota.img"
	mkfs.ext4 -q -F -O quota,project -I 256 "$TMPD/quota.img" >/dev/null 2>&1 || skip "mkfs.ext4 -O quota,project failed"
	# -o loop: the loop device is released (autoclear) when the mount goes, also from cleanup
	mount -o loop,prjquota "$TMPD/quota.img" "$QFS" 2>/dev/null || skip "this kernel cannot mount ext4 with prjquota (no quota_v2?)"
	LOOPDEV=$(awk -v m="$QFS" '$2 == m {print $1}' /proc/mounts)
	log "quota filesystem: $LOOPDEV on $QFS"
}

# need_listensrv: SRV, the passed-sockets test server (listensrv.c) built static, or a skip
need_listensrv() {
	command -v gcc > /dev/null || skip "gcc to build the test server"
	SRV=$TMPD/listensrv
	gcc -static -O1 -o "$SRV" "$LIB_DIR/listensrv.c" 2> "$TMPD/gcc.log" ||
		skip "cannot build listensrv: $(head -3 "$TMPD/gcc.log")"
}
