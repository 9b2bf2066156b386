#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 11: the exit codes man/cellctl.8 (EXIT STATUS) documents are the ones cellctl returns, for
# the two it had wrong or missing: 78 for an address that is taken (here the default bridge's own
# address, at create and at set) and 105 (vzctl's code) for starting a disabled container; start
# --force still starts it. scripts/check-exit-codes checks that every code in error.h is documented.
. "$(dirname "$0")/lib.sh"

need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
grep -q '^bridge_address = 10.77.0.1/24$' "$CONF" || { fail "bridge_address added to $CONF" "$(cat "$CONF")"; finish; }
A=$(ctid 1)
B=$(ctid 2)
leak_snapshot

# 78: the bridge's own address
use_ct "$A"
expect_exit 78 cc create "$A" --ipadd 10.77.0.1/24
expect_match "10\.77\.0\.1" "$OUT" "the message names the address"
[ ! -e "$CONF_DIR/$A.conf" ] && ok "the refused create left no config" || fail "the refused create left no config"
create_ct "$A" --ipadd 10.77.0.101/24
expect_exit 78 cc set "$A" --ipadd 10.77.0.1/24 --save
grep -q '10\.77\.0\.1/' "$CONF_DIR/$A.conf" && fail "the refused set changed nothing" "$(cat "$CONF_DIR/$A.conf")" ||
	ok "the refused set changed nothing"

# 105: start of a disabled container (not 21, as the man page said before)
create_ct "$B" --disabled yes
expect_exit 105 cc start "$B"
expect_match "disabled" "$OUT" "the message says the container is disabled"
is_running "$B" && fail "a disabled container did not start" || ok "a disabled container did not start"
expect_exit 0 cc start "$B" --force
is_running "$B" && ok "start --force starts a disabled container" || fail "start --force starts a disabled container"
check "stop $B" cc stop "$B" --fast

leak_check "after the exit-code cases"
finish
