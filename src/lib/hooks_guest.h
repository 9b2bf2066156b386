/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action scripts that run inside a running container (start, stop): the host reads the file
 * and feeds it to the guest's /bin/sh, which runs as `cellctl exec` runs a command (nsexec.h). */
#pragma once
#include "config.h"
#include "hooks.h"

/* Run phase ph's inside scripts of running container c (the global DIR/vps.PHASE first, then
 * DIR/CTID.PHASE): each file is checked (hook_check; it need not be executable), read on the host
 * and given, after "export NAME='value'" lines of its environment (hook_env_shell, VE_ROOT=/), to
 * the guest's /bin/sh on its standard input (a sealed memfd), never executed from a guest path.
 * Output to the log, escaped; after the global timeout the command's process group is killed.
 * 0 when none failed (or there were none), else cerr EX_ACTIONSCRIPT for the first failure. */
int hooks_run_guest(const struct gconf *g, const struct ct_config *c, enum hook_phase ph);
