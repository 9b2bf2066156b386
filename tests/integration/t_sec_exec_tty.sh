#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 3: a guest process must not push characters into the admin's shell with TIOCSTI.
# Before the fix exec handed the caller's terminal (and its session: /dev/tty) to the guest. Now
# the command has its own session, and a pty of the container in place of each terminal fd of
# ours. Driven by an interactive bash on a pty (helpers/pty_drive.py); the text pushed would run
# `touch $TMPD/pwned-X` in that bash. Also: the terminal's modes are restored however the command
# ends, the exit status passes through, the window size reaches the pty, a pipe on stdout stays a
# pipe (no CRs), and Ctrl-C reaches the command (pty and pipes). User namespace and privileged.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
command -v python3 >/dev/null || skip "python3 missing (the terminal driver)"
command -v bash >/dev/null || skip "bash missing"
build_helper tiocsti
leak_snapshot
make_cts

for ct in "$CTU" "$CTP"; do
	[ "$ct" = "$CTU" ] && L=userns || L=privileged
	check "$L: put the TIOCSTI helper in" put_in "$ct" "$HELPERS/tiocsti" /tiocsti
	X="nsenter --net=/run/netns/$NS -- $CELLCTL exec $ct"
	S=$TMPD/script-$L
	cat > "$S" <<-EOS
		stty -g > $TMPD/stty.0
		$X -- /tiocsti 'touch $TMPD/pwned-$L-stdin'\$'\\n'
		$X -- /tiocsti -t 'touch $TMPD/pwned-$L-devtty'\$'\\n' < /dev/null > /dev/null 2>&1
		$X -- /tiocsti 'touch $TMPD/pwned-$L-stdout'\$'\\n' < /dev/null
		$X -- /tiocsti -t 'touch $TMPD/pwned-$L-stdout-devtty'\$'\\n' < /dev/null
		stty -g > $TMPD/stty.1
		$X -- sh -c 'exit 7'
		$X -- sh -c 'kill -9 \$\$'
		$X -- /no/such/command
		stty -g > $TMPD/stty.2
		$X -- stty size > $TMPD/size.out < /dev/tty
		$X -- stty size
		$X -- sh -c 'echo one; echo two' | od -c > $TMPD/od.out
		@ctrl-c $X -- sleep 30
		@ctrl-c $X -- sleep 30 < /dev/null > /dev/null 2>&1
		stty -g > $TMPD/stty.3
		$X -- sh -c 'sleep 1; exit 3' & wait \$!
		sleep 1; echo SETTLED
	EOS
	rm -f "$TMPD"/stty.*
	run timeout $((240 * SCALE)) python3 "$LIB_DIR/helpers/pty_drive.py" "$S" "$TMPD/term-$L.log"
	log "$L: $(tr '\n' ' ' <<< "$OUT")"
	[ "$RC" = 0 ] && ok "$L: the terminal session ran every line" || fail "$L: the terminal session ran every line" "$OUT" "$(tail -c 2000 "$TMPD/term-$L.log")"
	rcs=$(sed -n 's/^LINE \([0-9]*\) rc=\([0-9]*\)/\1:\2/p' <<< "$OUT" | tr '\n' ' ')
	for w in pwned-$L-stdin pwned-$L-devtty pwned-$L-stdout pwned-$L-stdout-devtty; do
		[ -e "$TMPD/$w" ] && fail "$L: TIOCSTI from inside ran a command in the admin's shell ($w)" ||
			ok "$L: TIOCSTI from inside did not reach the admin's shell (${w#pwned-$L-})"
	done
	expect_match ' 7:7 ' " $rcs" "$L: on a pty exit status 7 passes through"
	expect_match ' 8:137 ' " $rcs" "$L: on a pty a command killed by SIGKILL gives 137"
	expect_match ' 9:127 ' " $rcs" "$L: on a pty a missing command gives 127"
	for i in 1 2 3; do
		cmp -s "$TMPD/stty.0" "$TMPD/stty.$i" && ok "$L: terminal modes restored (check $i)" ||
			fail "$L: terminal modes restored (check $i)" "$(cat "$TMPD/stty.0" "$TMPD/stty.$i" 2>&1)"
	done
	expect_match '^33 99' "$(tr -d '\r' < "$TMPD/size.out" 2>&1)" "$L: the window size (33x99) reaches the pty"
	if grep -q '\\r' "$TMPD/od.out"; then fail "$L: stdout to a pipe stays a pipe (no CR)" "$(cat "$TMPD/od.out")"; else ok "$L: stdout to a pipe stays a pipe (no CR)"; fi
	grep -q 'o   n   e  \\n   t   w   o  \\n' "$TMPD/od.out" && ok "$L: ... and carries the output" || fail "$L: ... and carries the output" "$(cat "$TMPD/od.out")"
	expect_match ' 14:130 ' " $rcs" "$L: Ctrl-C reaches a command on a pty (130)"
	expect_match ' 15:130 ' " $rcs" "$L: Ctrl-C reaches a command without a terminal (130)"
	expect_match ' 17:3 ' " $rcs" "$L: exec in a background job runs to its end (not stopped by SIGTTIN/SIGTTOU)"
done

check "stop $CTU" cc stop "$CTU" --fast
check "stop $CTP" cc stop "$CTP" --fast
finish
