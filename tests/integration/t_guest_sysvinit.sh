#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 6: Debian 12 with sysvinit-core as init (templates/debian-12-sysvinit) boots, answers ssh
# on its IP, reboots and stops cleanly.
# long
# timeout: 900
. "$(dirname "$0")/lib.sh"
GUEST_TPL=debian-12-sysvinit
GUEST_INIT=sysvinit
. "$LIB_DIR/guest.sh"
finish
