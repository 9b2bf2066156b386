/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tearing down what a stopped container leaves behind. Its own module: the monitor runs it when
 * the guest halts, and the container operations (ctops.c) when a monitor has died; ctops.c
 * calls into the monitor, so the monitor cannot call back into ctops.c. */
#pragma once
#include "cgroup.h"
#include "config.h"

/* Remove the proxy neighbour entries (and the host side) of the routed addresses of c (may be
 * NULL) and of ctid's running configuration (live additions); errors are logged, not returned. */
void ct_routed_teardown(const struct gconf *g, unsigned ctid, const struct ct_config *c);
/* Tear down what a container leaves behind when it is gone: processes in its cgroups, the
 * cgroups, host-side network devices, state and socket. Idempotent; used by the monitor and by
 * stop when the monitor itself has died. */
int ct_cleanup(const struct gconf *g, unsigned ctid, const struct cg_paths *cg, const struct ct_config *c);
/* ct_cleanup but the state and socket files: the container still reads as running until the
 * caller removes them (state_remove), for the monitor's last step of a stop (its root's unmount). */
int ct_cleanup_but_state(const struct gconf *g, unsigned ctid, const struct cg_paths *cg, const struct ct_config *c);
