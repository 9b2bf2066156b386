#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 11: each command's option table drives its parsing, its --help and where main finds the
# CTID. `start --wait CTID` (options first) works (it failed with "invalid CTID '--wait'"); values
# of options are never taken for the CTID; `list -o` with nine or more parameter columns keeps
# each header above its column (the ninth overwrote the first); a command failure reaches the
# log file as well as stderr.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
create_ct "$CT"

# ---- the CTID after the options ------------------------------------------------------------
run cc start --wait "$CT"
[ "$RC" = 0 ] && ok "start --wait $CT (options before the CTID): exit 0" || fail "start --wait $CT: exit 0 (got $RC)" "$OUT"
expect_match "Container $CT booted in [0-9.]+ s" "$OUT" "start --wait $CT waits for the boot"
is_running "$CT" && ok "the container runs" || fail "the container runs" "$(ct_status "$CT")"
expect_exit 32 cc start --force "$CT"
expect_exit 20 cc start --bogus "$CT"
expect_match "start: unknown option '--bogus'" "$OUT" "an unknown option is named"
# the value of --timeout is not the CTID, though it is a number
check "stop --timeout 200 --fast $CT" cc stop --timeout 200 --fast "$CT"
is_down "$CT" && ok "stopped" || fail "stopped" "$(ct_status "$CT")"
# set: --PARAM VALUE and --save before the CTID
check "set --ram 96M --save $CT" cc set --ram 96M --save "$CT"
grep -Eq '^ *ram *= *96M' "$CONF_DIR/$CT.conf" && ok "set saved ram = 96M" || fail "set saved ram = 96M" "$(cat "$CONF_DIR/$CT.conf")"
expect_exit 20 cc start --wait abc
expect_match "invalid CTID 'abc'" "$OUT" "a bad CTID after the options is the one named"
expect_exit 20 cc start "$CT" --wait --timeout

# ---- --help from the table -----------------------------------------------------------------
expect_output '^usage: cellctl start CTID \[--wait\] \[--timeout S\] \[--force\]$' cc start --help
expect_match '^  --timeout S +with --wait' "$OUT" "start --help describes --timeout"
expect_output '^  -o\|--output FIELD,\.\.\. ' cc list -h
expect_output '^  set CTID \[--save\] \[--ifname NAME\] \[--userpasswd USER:PASSWORD\] \[--ssh-key FILE\] \[--ssh-user USER\] \[--ownership MODE\] \[--PARAM VALUE \.\.\.\]$' cc --help
# suspend and resume (issue 16): in the command list, with their usage
expect_output '^  suspend CTID$' cc --help
expect_output '^  resume CTID$' cc --help
expect_output '^usage: cellctl suspend CTID$' cc suspend --help
expect_output '^  backup CTID \[--mode stop\|suspend\|live\] \[--dumpdir DIR\] \[-o\|--output FILE\] \[--compress zstd\|gzip\|none\] \[-j\|--json\]$' cc --help
expect_output '^usage: cellctl restore-backup FILE CTID \[--force\] \[--name N\] \[--precopy TOKEN\]$' cc restore-backup --help
# chkpnt and restore (issue 16): in the command list, with their usage
expect_output '^  chkpnt CTID \[--dumpfile DIR\] \[--dumpdir DIR\] \[--tcp-established\]$' cc --help
expect_output '^usage: cellctl restore CTID \[--dumpfile DIR\] \[--dumpdir DIR\]$' cc restore --help
# migrate (issue 16): in the command list; its destination's half migrate-check is plumbing, not listed
expect_output '^  migrate CTID DEST \[--remove-src\] \[--keep-src\] \[--keep-dst\] \[--online\] \[--no-precopy\] \[-j\|--json\]$' cc --help
run cc --help
! grep -q 'migrate-check' <<< "$OUT" && ok "migrate-check is not in the command list" || fail "migrate-check is not in the command list" "$OUT"
# migrate --online's destination half migrate-restore: plumbing too
! grep -q 'migrate-restore' <<< "$OUT" && ok "migrate-restore is not in the command list" || fail "migrate-restore is not in the command list" "$OUT"
expect_output '^usage: cellctl migrate-check CTID \[CONF\|-\] \[-j\|--json\] \[--online\]$' cc migrate-check --help
expect_output '^usage: cellctl migrate-restore CTID \[--enable\]$' cc migrate-restore --help
run cc set --help
expect_match ' --bindmount --bindmount_del' "$OUT" "set --help lists --bindmount and --bindmount_del"
run cc create --help
expect_match ' --bindmount' "$OUT" "create --help lists --bindmount"
run cc set --help
expect_match ' --listen .* --listen_del' "$OUT" "set --help lists --listen and --listen_del"
expect_match ' --onconnect --idle_stop' "$OUT" "set --help lists --onconnect and --idle_stop"
is_down "$CT" && ok "--help does nothing" || fail "--help does nothing" "$(ct_status "$CT")"

# ---- list -o with nine or more parameter columns ------------------------------------------
f=ram,swap,cpuunits,cpulimit,cpus,ioprio,diskspace,diskinodes,iolimit,iopslimit,ctid
run cc list -a -o "$f"
want=$(printf '%s' "$f" | tr 'a-z,' 'A-Z ')
got=$(printf '%s\n' "$OUT" | head -1 | tr -s ' ' | sed 's/^ //; s/ $//')
[ "$RC" = 0 ] && [ "$got" = "$want" ] && ok "list -o with 11 columns: each header once, in order" ||
	fail "list -o with 11 columns: header '$want'" "exit $RC: $OUT"
row=$(printf '%s\n' "$OUT" | awk -v ct="$CT" '$NF == ct')
[ "$(printf '%s' "$row" | awk '{print $1}')" = 96M ] && ok "the RAM column holds ram" || fail "the RAM column holds ram" "$OUT"

# ---- a failure reaches the log file --------------------------------------------------------
expect_exit 31 cc stop "$CT"
grep -q "CT $CT : stop failed (exit 31): container $CT is not running" "$LOG_FILE" &&
	ok "the failure is in the log file" || fail "the failure is in the log file" "$(tail -5 "$LOG_FILE")"

check "destroy $CT" cc destroy "$CT"
leak_check
finish
