#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, item 6: every container runs under the default syscall filter. A static probe
# (sectest.c) copied into the guest calls each denied system call through the 64-bit entry, the
# i386 entry (int $0x80) and with the x32 bit, and gets the documented errno: from a process the
# guest's init started (its boot script), from `exec` and from `enter`, with a user namespace and
# without one. Init has no no_new_privs by default. The per-container adjustments work
# (seccomp_allow, seccomp_deny, no_new_privs, seccomp = no), and bad values are refused.
. "$(dirname "$0")/lib.sh"

command -v gcc >/dev/null || skip "gcc is needed to build the probe"
[ "$(uname -m)" = x86_64 ] || skip "the probe is x86_64 code"
need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
CTP=$(ctid 3)
CT4=$(ctid 4)
PROBE=$TMPD/sectest
gcc -static -no-pie -O1 -o "$PROBE" "$LIB_DIR/sectest.c" 2> "$TMPD/gcc.log" || skip "cannot build a static probe: $(head -3 "$TMPD/gcc.log")"

# what the man page documents, per call and entry
EXPECTED="kexec_load 64 EPERM
kexec_file_load 64 EPERM
init_module 64 EPERM
finit_module 64 EPERM
delete_module 64 EPERM
add_key 64 ENOSYS
request_key 64 ENOSYS
keyctl 64 ENOSYS
open_by_handle_at 64 EPERM
bpf 64 EPERM
userfaultfd 64 EPERM
perf_event_open 64 EPERM
swapon 64 EPERM
swapoff 64 EPERM
acct 64 EPERM
syslog 64 EPERM
uselib 64 EPERM
getpid 64 ok
kexec_load 32 EPERM
init_module 32 EPERM
finit_module 32 EPERM
delete_module 32 EPERM
add_key 32 ENOSYS
request_key 32 ENOSYS
keyctl 32 ENOSYS
open_by_handle_at 32 EPERM
bpf 32 EPERM
userfaultfd 32 EPERM
perf_event_open 32 EPERM
swapon 32 EPERM
swapoff 32 EPERM
acct 32 EPERM
syslog 32 EPERM
uselib 32 EPERM
getpid 32 ok
kexec_load x32 EPERM
init_module x32 EPERM
keyctl x32 ENOSYS
tcgets 64 ok
tiocsti 64 EPERM
tiocsti_hi 64 EPERM
tioclinux 64 EPERM
tiocsti 32 EPERM
tioclinux 32 EPERM
tiocsti x32 EPERM"

# compare WHERE TEXT: every expected line, and nothing else
compare() {
	local d
	d=$(diff <(printf '%s\n' "$EXPECTED") <(printf '%s\n' "$2" | tr -d '\r'))
	if [ -z "$d" ]; then
		ok "$1: every denied call fails with the documented errno on every entry ($(printf '%s\n' "$EXPECTED" | wc -l) probes)"
	else
		fail "$1: every denied call fails with the documented errno on every entry" "$d"
	fi
}

# install PRIVATE: the probe, and a line in the boot script that runs it as a child of init
install_probe() {
	cp "$PROBE" "$1/sectest"
	chmod 755 "$1/sectest"
	echo '/sectest > /sectest.init 2>&1' >> "$1/etc/init.d/rcS"
}
status_field() { cc exec "$1" -- sh -c "grep '^$2:' /proc/$3/status | cut -f2"; }

for mode in userns privileged; do
	if [ $mode = userns ]; then c=$CT; create_ct "$c" --hostname sec1; else c=$CTP; create_ct "$c" --userns no --hostname sec3; fi
	install_probe "$PRIV_DIR/$c"
	start_ct "$c"
	if wait_for 20 test -s "$PRIV_DIR/$c/sectest.init" && wait_for 5 grep -q '^tiocsti x32' "$PRIV_DIR/$c/sectest.init"; then
		compare "$mode, a child of init (its boot script)" "$(cat "$PRIV_DIR/$c/sectest.init")"
	else
		fail "$mode: the boot script ran the probe" "$(cat "$PRIV_DIR/$c/sectest.init" 2>&1)"
	fi
	run cc exec "$c" -- /sectest
	compare "$mode, exec" "$OUT"
	run cc enter "$c" --exec /sectest < /dev/null
	compare "$mode, enter" "$(printf '%s\n' "$OUT" | grep -v -e '^entered into CT' -e '^exited from CT')"
	expect_match '^2$' "$(status_field "$c" Seccomp 1)" "$mode: init runs in seccomp filter mode"
	expect_match '^1$' "$(status_field "$c" Seccomp_filters 1)" "$mode: init has one filter"
	expect_match '^0$' "$(status_field "$c" NoNewPrivs 1)" "$mode: init has no no_new_privs (setuid programs work)"
	expect_match '^2$' "$(status_field "$c" Seccomp self)" "$mode: an exec'd command runs in seccomp filter mode"
	expect_match '^0$' "$(status_field "$c" NoNewPrivs self)" "$mode: an exec'd command has no no_new_privs"
	check "stop $c" cc stop "$c" --fast
	check "destroy $c" cc destroy "$c"
done

# adjustments: keyctl allowed again, sethostname denied with EACCES, no_new_privs on
create_ct "$CT2" --hostname sec2 --seccomp_allow keyctl --seccomp-deny sethostname:eacces --no_new_privs yes
run grep -E '^(seccomp_allow|seccomp_deny|no_new_privs) *=' "$CONF_DIR/$CT2.conf"
expect_match 'seccomp_deny = sethostname:EACCES' "$OUT" "the config holds the adjustments ($(echo $OUT))"
cp "$PROBE" "$PRIV_DIR/$CT2/sectest"
start_ct "$CT2"
run cc exec "$CT2" -- /sectest keyctl
expect_match '^keyctl 64 ok$' "$OUT" "seccomp_allow keyctl: keyctl works again (64-bit)"
expect_match '^keyctl 32 ok$' "$OUT" "seccomp_allow keyctl: keyctl works again (i386)"
run cc exec "$CT2" -- /sectest hostname
expect_match '^sethostname 64 EACCES$' "$OUT" "seccomp_deny sethostname:EACCES (64-bit)"
expect_match '^sethostname 32 EACCES$' "$OUT" "seccomp_deny sethostname:EACCES (i386)"
run cc exec "$CT2" -- /sectest
expect_match '^kexec_load 32 EPERM$' "$OUT" "the rest of the default list still holds"
expect_output '^sec2$' cc exec "$CT2" -- hostname
expect_match '^1$' "$(status_field "$CT2" NoNewPrivs 1)" "no_new_privs = yes: init has it"
expect_match '^1$' "$(status_field "$CT2" NoNewPrivs self)" "no_new_privs = yes: an exec'd command has it"
check "stop $CT2" cc stop "$CT2" --fast
check "destroy $CT2" cc destroy "$CT2"

# seccomp = no
create_ct "$CT4" --hostname sec4 --seccomp no
cp "$PROBE" "$PRIV_DIR/$CT4/sectest"
start_ct "$CT4"
expect_match '^0$' "$(status_field "$CT4" Seccomp 1)" "seccomp = no: init has no filter"
expect_match '^0$' "$(status_field "$CT4" Seccomp self)" "seccomp = no: exec has no filter"
run cc exec "$CT4" -- /sectest keyctl
expect_match '^keyctl 64 ok$' "$OUT" "seccomp = no: keyctl works"
check "stop $CT4" cc stop "$CT4" --fast
check "destroy $CT4" cc destroy "$CT4"

# bad values
CT5=$(ctid 5)
use_ct "$CT5"
expect_exit 21 cc create "$CT5" --seccomp_deny no_such_call
expect_exit 21 cc create "$CT5" --seccomp_deny ptrace:EWHAT
expect_exit 21 cc create "$CT5" --seccomp_allow ptrace
expect_exit 21 cc create "$CT5" --seccomp maybe
expect_exit 21 cc create "$CT5" --no_new_privs sometimes
[ ! -e "$CONF_DIR/$CT5.conf" ] && [ ! -e "$PRIV_DIR/$CT5" ] && ok "refused creates leave nothing" || fail "refused creates leave nothing"
finish
