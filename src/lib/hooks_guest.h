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

/* The runner of one inside script, in a process whose fd 0 is the script (sealed memfd) and fds 1
 * and 2 the log pipe: joins container ctid as `cellctl exec` does, runs the guest's /bin/sh on it,
 * kills the shell's process group after timeout_s, and exits with the shell's status (raising
 * SIGKILL on a timeout). For a privileged container it first re-executes argv (the hidden command
 * `cellctl hook-exec CTID TIMEOUT`) from a sealed copy of the binary, as exec does: the process
 * that joins the container is never the host's cellctl file. Never returns. */
__attribute__((noreturn)) void hooks_guest_runner(const struct gconf *g, unsigned ctid, unsigned timeout_s,
						  char *const *reexec_argv);
