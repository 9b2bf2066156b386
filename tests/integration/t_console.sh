#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2: the console log holds the guest's boot messages; enter gives a shell on a pty; list
# (text, -H -o, -s, -1, -S, -j) and status strings.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
PY=$(command -v /usr/bin/python3 python3 | head -1)

# empty
expect_exit 1 cc list
expect_match '^Container\(s\) not found$' "$OUT" "empty list: Container(s) not found"
run cc list -j
[ "$RC" = 1 ] && [ "$(printf '%s' "$OUT" | tr -d '[:space:]')" = "[]" ] && ok "empty list -j: [] and exit 1" || fail "empty list -j: [] and exit 1 (exit $RC)" "$OUT"

create_ct "$CT" --hostname console-a
create_ct "$CT2" --hostname console-b
expect_output "^CTID $CT exist down\$" cc status "$CT"
start_ct "$CT"
expect_output "^CTID $CT exist running\$" cc status "$CT"
expect_output "^CTID $(ctid 9) deleted\$" cc status "$(ctid 9)"

# the console log
if wait_for 20 sh -c "nsenter --net=/run/netns/$NS -- $CELLCTL console $CT --log 2>/dev/null | grep -q 'busybox guest booted'"; then
	ok "console --log shows 'busybox guest booted'"
else
	fail "console --log shows 'busybox guest booted'" "$(cc console "$CT" --log 2>&1 | tail -20)"
fi
grep -q 'busybox guest booted' "$RUN_DIR/console/$CT.log" 2>/dev/null && ok "run_dir/console/$CT.log holds the boot message" ||
	fail "run_dir/console/$CT.log holds the boot message" "$(ls -la "$RUN_DIR" "$RUN_DIR/console" 2>&1)"
# something written to /dev/console inside reaches the log
check "write to /dev/console inside" cc exec "$CT" -- sh -c 'echo console-mark-42 > /dev/console'
wait_for 10 grep -q console-mark-42 "$RUN_DIR/console/$CT.log" && ok "/dev/console output reaches the log" || fail "/dev/console output reaches the log"
check "stop" cc stop "$CT"
expect_output 'busybox guest booted' cc console "$CT" --log
check "start again" cc start "$CT"

# enter: a shell on a pty inside (driven through script(1), which gives it a terminal)
if command -v script >/dev/null; then
	run timeout 20 script -qec "nsenter --net=/run/netns/$NS -- $CELLCTL enter $CT" /dev/null <<-'EOF'
		tty; echo "ENTER-$((40+2))"; test -e /run/host/container-manager && echo "INSIDE-$((1+1))"; exit
	EOF
	expect_match 'ENTER-42' "$OUT" "enter runs a shell inside"
	expect_match '^/dev/pts/[0-9]+' "$(printf '%s\n' "$OUT" | tr -d '\r')" "enter's shell has a /dev/pts/N terminal"
	expect_match '^INSIDE-2' "$(printf '%s\n' "$OUT" | tr -d '\r')" "enter's shell is in the container"
fi

# list in its forms
run cc list
hdr=$(printf '%s\n' "$OUT" | head -1 | tr -s ' ' | sed 's/^ //;s/ $//')
expect_match '^CTID NPROC STATUS IP_ADDR HOSTNAME$' "$hdr" "default header: CTID NPROC STATUS IP_ADDR HOSTNAME"
expect_match "^ +$CT +[0-9]+ +running +- +console-a" "$OUT" "default row: $CT nproc running - console-a"
printf '%s\n' "$OUT" | grep -q "$CT2" && fail "list without -a hides stopped $CT2" "$OUT" || ok "list without -a hides stopped $CT2"
expect_output "^ *$CT2 +- +stopped" cc list -a
expect_output "^ *$CT2 " cc list -S
run cc list -S
printf '%s\n' "$OUT" | grep -q " $CT " && fail "list -S hides running $CT" "$OUT" || ok "list -S hides running $CT"
expect_output "^$CT running\$" sh -c "nsenter --net=/run/netns/$NS -- $CELLCTL list -H -o ctid,status | tr -s ' ' | sed 's/^ //;s/ \$//'"
run cc list -1
expect_match "^ *$CT\$" "$OUT" "list -1 prints CTIDs"
run cc list -a -H -o ctid -s -ctid
expect_match "^ *$CT2[[:space:]]+$CT\$" "$(printf '%s\n' "$OUT" | tr '\n' ' ' | sed 's/ *$//')" "list -s -ctid sorts descending"
run cc list -a -H -o hostname -s hostname
expect_match '^console-a console-b$' "$(printf '%s\n' "$OUT" | tr -s ' \n' '  ' | sed 's/^ //;s/ $//')" "list -s hostname sorts"
run cc list -o no_such_field
[ "$RC" != 0 ] && ok "list -o with an unknown field fails ($RC)" || fail "list -o with an unknown field fails"

# JSON
run cc list -a -j
printf '%s\n' "$OUT" > "$TMPD/list.json"
"$PY" -m json.tool "$TMPD/list.json" >/dev/null 2>&1 && ok "list -a -j parses with python3 -m json.tool" || fail "list -j parses" "$OUT"
run "$PY" - "$TMPD/list.json" "$CT" "$CT2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ct, ct2 = int(sys.argv[2]), int(sys.argv[3])
assert isinstance(d, list), "not an array"
by = {o["ctid"]: o for o in d}
assert set(by) == {ct, ct2}, "ctids %r" % list(by)
assert by[ct]["status"] == "running", by[ct]
assert by[ct2]["status"] == "stopped", by[ct2]
assert by[ct]["hostname"] == "console-a", by[ct]
for k in ("ctid", "numproc", "status", "ip", "hostname"):
    assert k in by[ct], "key %s missing: %r" % (k, by[ct])
assert isinstance(by[ct]["numproc"], int) and by[ct]["numproc"] >= 1, by[ct]
assert by[ct2]["numproc"] in (None, 0), by[ct2]
print("ok")
PY
[ "$RC" = 0 ] && ok "list -j: stable keys ctid numproc status ip hostname, numbers bare" || fail "list -j content" "$OUT"
run cc list -j -o ctid,hostname
"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d and set(d[0])=={"ctid","hostname"}' "$OUT" 2>/dev/null &&
	ok "list -j -o ctid,hostname has just those keys" || fail "list -j -o ctid,hostname has just those keys" "$OUT"

# init has the console as stdio but not as its controlling terminal (field 7 of its stat is
# tty_nr 0), as on a real machine: with it, a console login under sysvinit had no job control
# and Ctrl-C went to init
run cc exec "$CT" -- sh -c 'cut -d" " -f7 /proc/1/stat; readlink /proc/1/fd/0'
expect_match '^0' "$OUT" "init has no controlling terminal (tty_nr $(echo "$OUT" | head -1))"
expect_match '/dev/(console|pts/[0-9]+)' "$OUT" "init's stdin is the console"
check "stop $CT" cc stop "$CT" --fast
check "destroy $CT" cc destroy "$CT"
check "destroy $CT2" cc destroy "$CT2"
expect_output "^CTID $CT deleted\$" cc status "$CT"
finish
