#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 2: nothing of the caller's but fds 0-2 (or the pty) reaches a command run by exec
# or enter. Before the fix `cellctl exec CT -- sh -c 'cat /proc/self/fd/9/...' 9< /host/dir` read
# host files, and writing through the fd planted files on the host. Also: a directory as fd 0-2 is
# refused (exit 21), and a config that cannot be loaded fails exec (its own exit code) instead of
# running the command with the default capabilities. Both a user-namespace and a privileged
# container; exec with pipes, exec on a pty, enter.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
leak_snapshot
make_cts
H=$TMPD/hostdir
mkdir -p "$H"
echo HOSTSECRET > "$H/secret"
have_script=0
command -v script >/dev/null && have_script=1
# on_pty CMD: run CMD (a shell command line) on a terminal of its own (script(1)); OUT, RC
on_pty() {
	OUT=$(timeout 30 script -qec "$1" /dev/null < "${PTY_IN:-/dev/null}" 2>&1 | tr -d '\r')
	RC=$?
}
no_host() { # LABEL: OUT must show neither the secret nor any path of ours
	if grep -q -e HOSTSECRET -e "$TMPD" <<< "$OUT"; then fail "$1" "$OUT"; else ok "$1"; fi
}

for ct in "$CTU" "$CTP"; do
	[ "$ct" = "$CTU" ] && L=userns || L=privileged
	# pipes
	run cc exec "$ct" -- sh -c 'cat /proc/self/fd/9/secret; ls -l /proc/$$/fd/' 9< "$H" 8> "$TMPD/out8"
	no_host "$L: exec: fd 9 (a host directory) does not reach the command"
	fds=$(cc exec "$ct" -- sh -c 'ls /proc/$$/fd/; true' 9< "$H" 8> "$TMPD/out8" 7< /dev/null | tr '\n' ' ')
	expect_match '^0 1 2 $' "$fds" "$L: exec: the command has fds 0 1 2 only ($fds)"
	run cc exec "$ct" -- sh -c 'echo planted > /proc/self/fd/9/planted' 9< "$H"
	[ -e "$H/planted" ] && fail "$L: exec: no file planted on the host through fd 9" || ok "$L: exec: no file planted on the host through fd 9"
	rm -f "$H/planted"
	# a directory as stdin or stdout
	expect_exit 21 cc exec "$ct" -- sh -c 'cat /proc/self/fd/0/secret' < "$H"
	no_host "$L: exec with a directory as stdin is refused"
	expect_match 'standard input is a directory' "$OUT" "$L: ... and says why"
	# on a pty
	if [ $have_script = 1 ]; then
		on_pty "nsenter --net=/run/netns/$NS -- $CELLCTL exec $ct -- sh -c 'tty; cat /proc/self/fd/9/secret; ls -l /proc/\$\$/fd/' 9< $H"
		expect_match '/dev/pts/[0-9]+$' "$OUT" "$L: exec on a terminal runs on a pty of the container"
		no_host "$L: exec on a pty: fd 9 does not reach the command"
		PTY_IN=$TMPD/enter.in
		printf '%s\n' 'cat /proc/self/fd/9/secret; ls -l /proc/$$/fd/; echo ENTER-DONE; exit' > "$PTY_IN"
		on_pty "nsenter --net=/run/netns/$NS -- $CELLCTL enter $ct 9< $H"
		PTY_IN=
		expect_match 'ENTER-DONE' "$OUT" "$L: enter ran the shell"
		no_host "$L: enter: fd 9 does not reach the shell"
	fi
done

# a config that cannot be loaded: no command runs (it would get the default capabilities)
ct=$CTU
cp "$CONF_DIR/$ct.conf" "$TMPD/saved.conf"
printf '[security]\ncapability = sys_module:on\n[broken\n' >> "$CONF_DIR/$ct.conf"
expect_exit 85 cc exec "$ct" -- touch /ran-with-broken-config
printf '[security]\ncapability = no_such_cap:on\n' >> "$TMPD/bad-cap.conf"
cat "$TMPD/saved.conf" "$TMPD/bad-cap.conf" > "$CONF_DIR/$ct.conf"
expect_exit 21 cc exec "$ct" -- touch /ran-with-broken-config
rm -f "$CONF_DIR/$ct.conf"
expect_exit 14 cc exec "$ct" -- touch /ran-with-broken-config
cp "$TMPD/saved.conf" "$CONF_DIR/$ct.conf"
[ -e "$PRIV_DIR/$ct/ran-with-broken-config" ] && fail "no command ran without a valid config" || ok "no command ran without a valid config"
check "exec works again with the config back" cc exec "$ct" -- true

check "stop $CTU" cc stop "$CTU" --fast
check "stop $CTP" cc stop "$CTP" --fast
finish
