/* SPDX-License-Identifier: GPL-2.0-or-later */
/* suspend and resume: a running container's processes frozen and thawed through its cgroup
 * freezer (cg_ops.freeze), and the "suspended" state that status, list, stop and exec see. */
#pragma once
#include <stdbool.h>

#include "config.h"
#include "state.h"

/* How long suspend waits for every process to be frozen before it gives up (and thaws). */
#define CT_FREEZE_TIMEOUT_MS 10000u

/* Freeze running container ctid (under its lock). cerr EX_NOTRUNNING when it is not running,
 * EX_SUSPENDED when it is suspended already, EX_FREEZE when the freezer fails (or the freeze
 * times out: the container is thawed again and keeps running). */
int ct_suspend(const struct gconf *g, unsigned ctid);
/* Thaw container ctid (under its lock). cerr EX_NOTRUNNING when it is not running, EX_FREEZE
 * when it is not suspended or the freezer fails. */
int ct_resume(const struct gconf *g, unsigned ctid);
/* Is the running container whose run state is st suspended (its freeze asked for)? false when
 * that cannot be read. Records nothing. */
bool ct_suspended(const struct ct_state *st);
