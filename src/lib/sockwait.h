/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Start on first connection (cellctl.8, SOCKET ACTIVATION, onconnect): while a container with
 * onconnect yes is stopped, a waiter (cellctl-monitor in its waiter mode, one small process per
 * container, in the monitors' cgroup beside the containers) holds its passed sockets and polls
 * them without accepting; the first pending connection makes it run `cellctl start`, whose
 * monitor takes the very same sockets from it (their queues, and the connection waiting there,
 * with them) over its control socket run_dir/CTID.wait. When the container stops, its monitor
 * hands the sockets to a new waiter. idle_stop: the monitor stops the container after that many
 * seconds without a connection (sockact_busy). */
#pragma once
#include <stdbool.h>

#include "cgroup.h"
#include "config.h"
#include "sockact.h"

#define SOCKWAIT_FD0 5 /* where a waiter finds the sockets it is handed (HELPER_PASS_FD + 1) */

/* The monitor at start: take the sockets from the container's waiter when one holds them for the
 * same listen list (it exits then). 1 taken (s filled), 0 no waiter (or one for another list,
 * which has exited: bind afresh), negative errno with cerr on a protocol failure. */
int sockwait_take(const struct gconf *g, const struct ct_config *c, struct sockact_set *s);
/* Start the container's waiter, handing it s (NULL or empty: it binds the sockets itself), with
 * the container's cgroup paths cg (NULL: resolved here, from our cgroup), and wait for its report: 0 once it holds them, or its error (cerr: sockact_open's, EX_LOCKED when
 * another waiter runs). */
int sockwait_spawn(const struct gconf *g, const struct ct_config *c, const struct sockact_set *s, const struct cg_paths *cg);
/* The monitor at its end (s emptied): when the container's config (read again) still has
 * onconnect yes and the same listen list, s goes to a new waiter; otherwise s is closed (its Unix
 * sockets' files removed), and with onconnect yes a new waiter binds the new list. Failures are
 * logged. */
void sockwait_release(const struct gconf *g, unsigned ctid, struct sockact_set *s, const struct cg_paths *cg);
/* End the container's waiter, if any (it closes the sockets, removes the Unix ones; then the
 * monitors' cgroup and the parent go when empty): 1 ended one,
 * 0 none, negative errno with cerr when one did not answer. */
int sockwait_stop(const struct gconf *g, unsigned ctid);
/* After a change of a stopped container's config, at boot, and after a failed start: end its
 * waiter, and start one when it has onconnect yes and sockets (and is not running). 0 or cerr. */
int sockwait_sync(const struct gconf *g, unsigned ctid);
/* Does the container have a waiter (its control socket answers)? */
bool sockwait_present(const struct gconf *g, unsigned ctid);
/* The waiter's life (cellctl-monitor --waiter CTID N CGPATHS): N sockets handed at
 * SOCKWAIT_FD0.., or none (it binds them); it lives in the monitors' cgroup of cg; report on
 * HELPER_REPORT_FD. Never returns. */
__attribute__((noreturn)) void sockwait_main(const struct gconf *g, struct ct_config *c, unsigned nfds,
					     const struct cg_paths *cg);
/* In a child about to run cellctl (start, stop) from a monitor or a waiter: with a [cgroup]
 * parent of "self" or "self/NAME", back into the cgroup that parent was resolved from (cg's limit
 * cgroup, two levels up or more: the caller's), so that cellctl finds the same paths. */
void sockwait_caller_cgroup(const struct gconf *g, const struct cg_paths *cg);
/* The cellctl binary to run (start, stop) from the monitor and the waiter: beside our own
 * executable (a build tree), else SBINDIR's. */
char *sockwait_cellctl_path(void);
