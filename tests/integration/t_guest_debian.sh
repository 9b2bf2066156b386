#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 6: an unmodified Debian 12 with systemd as PID 1 (templates/debian-12, built with
# mmdebstrap from the host's mirror) boots, answers ssh on its IP, reboots and stops cleanly.
# long
# timeout: 900
. "$(dirname "$0")/lib.sh"
GUEST_TPL=debian-12
GUEST_INIT=systemd
. "$LIB_DIR/guest.sh"
finish
