#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command that walks all container configs (ctconf_foreach) lives with a neighbour whose
# config is broken, and takes no error from it (issue 11, part 2): list shows it with "-", ubc
# shows it while it runs, quota-report warns and goes on, create and set still find the real
# network conflicts (with running neighbours), and a user id block is still found.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)

create_ct "$A" --ipadd 10.77.9.1/24 --hostname a.example
create_ct "$B" --ipadd 10.77.9.2/24 --hostname b.example
start_ct "$A"
start_ct "$B"
cp "$CONF_DIR/$B.conf" "$TMPD/b.conf"
echo "this line is not ini at all" >> "$CONF_DIR/$B.conf"
expect_exit 85 cc set "$B" --hostname x.example --save # really broken

# list: both, the broken one with "-" and no error
run cc list -a -H -o ctid,hostname
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -Eq "^ *$A +a\.example$" && printf '%s\n' "$OUT" | grep -Eq "^ *$B +-$"; then
	ok "list -a shows $A and the broken $B (with -)"
else
	fail "list -a shows $A and the broken $B (with -) (exit $RC)" "$OUT"
fi
expect_match '^$' "$(cc list -a -H -o ctid 2>&1 >/dev/null)" "list prints no error for the broken config"

# ubc: both run, the beancounters need no config
run cc ubc
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -Eq "^ *$A: " && printf '%s\n' "$OUT" | grep -Eq "^ *$B: "; then
	ok "ubc lists both running containers"
else
	fail "ubc lists both running containers (exit $RC)" "$OUT"
fi

# quota-report: warns about the broken one, reports the other
run cc quota-report --state "$TMPD/qr.state" --format json
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q "skipping container $B" &&
	printf '%s\n' "$OUT" | grep -q "\"ctid\": *$A"; then
	ok "quota-report warns about $B and reports $A"
else
	fail "quota-report warns about $B and reports $A (exit $RC)" "$OUT"
fi

# create and set: the broken neighbour blocks nothing, a running one's address is still refused
use_ct "$C"
expect_exit 78 cc create "$C" --ipadd 10.77.9.1/24
is_deleted "$C" && ok "the refused create left nothing" || fail "the refused create left nothing" "$(ct_status "$C")"
create_ct "$C" --ipadd 10.77.9.3/24 --userns yes
run grep -E '^ *uid_base *=' "$CONF_DIR/$C.conf"
[ "$RC" = 0 ] && ok "$C got a user id block: $OUT" || fail "$C got a user id block" "$(cat "$CONF_DIR/$C.conf")"
expect_exit 78 cc set "$C" --ipadd 10.77.9.1 --save
check "set $C --ipadd 10.77.9.4 --save" cc set "$C" --ipadd 10.77.9.4 --save

cp "$TMPD/b.conf" "$CONF_DIR/$B.conf"
check "stop $A" cc stop "$A" --fast
check "stop $B" cc stop "$B" --fast
finish
