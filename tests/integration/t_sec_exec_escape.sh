#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 3, the printing half: text a guest or a tenant chose never reaches the admin's
# terminal with its control characters raw. A command name in exec's and enter's errors, and the
# description in list's table, are shown escaped (\x1b, \x07, \x0a); list -j keeps such text valid
# JSON with every control character \u-escaped. Before the fix "x\nFORGED-LINE\e]0;pwned\a" went
# out raw: a forged line, and a terminal title set by the guest.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
leak_snapshot
make_cts
EVIL=$'/no/such\e]0;pwned\a\nFORGED-LINE'
ESC=$'\e'
BEL=$'\a'
raw_free() { # LABEL TEXT: no ESC, no BEL, no line starting with FORGED-LINE
	if grep -q -e "$ESC" -e "$BEL" <<< "$2" || grep -q '^FORGED-LINE' <<< "$2"; then
		fail "$1" "$(cat -v <<< "$2")"
	else
		ok "$1"
	fi
}

for ct in "$CTU" "$CTP"; do
	[ "$ct" = "$CTU" ] && L=userns || L=privileged
	# two arguments: executed directly, no shell in between
	OUT=$(cc exec "$ct" -- "$EVIL" arg 2>&1 >/dev/null)
	RC=$?
	expect_match '^127$' "$RC" "$L: exec of a missing command exits 127"
	raw_free "$L: exec's error shows the command name without raw control characters" "$OUT"
	expect_match 'cannot execute /no/such\\x1b\]0;pwned\\x07\\x0aFORGED-LINE in container' "$OUT" "$L: ... it shows them escaped"
	if command -v python3 >/dev/null; then
		printf '%s\n' "$CELLCTL exec $ct -- \$'/no/such\\e]0;pwned\\a\\nFORGED-LINE' arg" \
			"$CELLCTL enter $ct --exec \$'/no/such\\e]0;pwned\\a\\nFORGED-LINE' arg" |
			sed "s|^|nsenter --net=/run/netns/$NS -- |" > "$TMPD/script"
		run timeout $((120 * SCALE)) python3 "$LIB_DIR/helpers/pty_drive.py" "$TMPD/script" "$TMPD/term.log"
		expect_match 'LINE 1 rc=127' "$OUT" "$L: exec on a terminal: 127"
		expect_match 'LINE 2 rc=127' "$OUT" "$L: enter --exec: 127"
		shown=$(tr -d '\r' < "$TMPD/term.log")
		grep -q "$ESC]0;pwned" <<< "$shown" && fail "$L: no raw title sequence reached the terminal" "$(cat -v <<< "$shown")" ||
			ok "$L: no raw title sequence reached the terminal"
		grep -q '^FORGED-LINE' <<< "$shown" && fail "$L: no forged line on the terminal" "$(cat -v <<< "$shown")" ||
			ok "$L: no forged line on the terminal"
		expect_match 'cannot execute /no/such\\x1b\]0;pwned\\x07\\x0aFORGED-LINE in container' "$shown" "$L: the terminal shows the name escaped"
	fi
done

# list: a description is free text (anything but CR and LF)
check "set a description with control characters" cc set "$CTU" --description $'desc\e]0;pwned\a\x7f' --save
run cc list -a -o ctid,description
raw_free "list: no raw control characters in the table" "$OUT"
grep -q $'\x7f' <<< "$OUT" && fail "list: no raw DEL in the table" || ok "list: no raw DEL in the table"
expect_match "^ *$CTU +desc\\\\x1b\\]0;pwned\\\\x07\\\\x7f\$" "$OUT" "list: the description shows escaped"
run cc list -a -j -o ctid,description
raw_free "list -j: no raw control characters" "$OUT"
printf '%s\n' "$OUT" > "$TMPD/list.json"
run python3 -c '
import json, sys
d = {o["ctid"]: o for o in json.load(open(sys.argv[1]))}
v = d[int(sys.argv[2])]["description"]
assert v == "desc\x1b]0;pwned\x07\x7f", repr(v)
print("ok")' "$TMPD/list.json" "$CTU"
[ "$RC" = 0 ] && ok "list -j: valid JSON that decodes to the description as set" || fail "list -j: valid JSON that decodes to the description as set" "$OUT" "$(cat "$TMPD/list.json")"

check "stop $CTU" cc stop "$CTU" --fast
check "stop $CTP" cc stop "$CTP" --fast
finish
