/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-container monitor: supervises init, holds the console, cleans up. */
#pragma once
#include <stdint.h>

#include "cgroup.h"
#include "config.h"

/* Fork the monitor (double fork + setsid). Returns 0 once the guest's init has been exec'd and
 * the state file is written, or the error the monitor reported. */
int monitor_launch(const struct gconf *g, struct ct_config *c, const struct cg_paths *cg, const char *root,
		   int lock_fd);
/* Have the next monitor_launch (or monitor_run) restore the container from the CRIU checkpoint in
 * dir instead of booting it (NULL: boot). */
void monitor_set_restore(const char *dir);
/* The fd at which a monitor finds the start's CT lock (flock'd), held until start is done. */
#define MONITOR_LOCK_FD 4

/* The monitor's body (also the entry of the static cellctl-monitor binary): report_fd gets
 * "0 ok" once init runs, or "CODE message". Never returns. */
void monitor_run(const struct gconf *g, struct ct_config *c, const struct cg_paths *cg, const char *root,
		 int report_fd) __attribute__((noreturn));

/* Connect to a running container's monitor and send a command line ("stop", "console").
 * Returns the connected socket or -errno. */
int monitor_connect(const struct gconf *g, unsigned ctid, const char *cmd);

/* Under the CT lock, with no state file: remove this CTID's monitor socket when nobody listens on
 * it (left by a monitor killed at a bad moment). 1 when one was removed, 0 when there was none (or
 * it cannot be told), -EBUSY when a process still listens on it. */
int monitor_sock_clear_stale(const struct gconf *g, unsigned ctid);

/* start --wait: ask the monitor of container ctid, which answers once the guest has booted
 * (READY=1 from systemd, or the boot scripts of other inits finished), or hangs up when the
 * container stops. Waits until timeout_s seconds after since_ms (now_ms() clock). 0 booted;
 * EX_NOTRUNNING when the monitor cannot be reached or the container stopped first; EX_TIMEOUT
 * when the boot has not finished by then (the container keeps running); EX_SYSTEM when too many
 * commands wait already. */
int monitor_wait_ready(const struct gconf *g, unsigned ctid, uint64_t since_ms, int timeout_s);
