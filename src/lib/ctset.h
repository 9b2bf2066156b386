/* SPDX-License-Identifier: GPL-2.0-or-later */
/* set: change the parameters of a container, live when it runs. */
#pragma once
#include <stdbool.h>

#include "config.h"

/* What a set did, for the command's message. */
enum ct_set_result {
	CT_SET_UNCHANGED, /* no parameter changed: nothing was saved */
	CT_SET_SAVED,     /* the config was saved (running: the changes were applied live too) */
	CT_SET_LIVE_ONLY, /* applied to the running container only: lost at its next start */
};

struct set_opts {
	/* Applies the command line's parameters to c (validation errors abort the set); sets *save
	 * when they ask for the config to be saved. Called once for each configuration that changes
	 * (the running one, the saved one). */
	int (*apply)(struct ct_config *c, void *arg, bool *save);
	void *arg;
};

/* Change the parameters of container ctid, under its CT lock. Running: the options change its
 * running configuration (and, with save, the saved config too), and what changed is applied to
 * the running container (limits, device program, network, hostname and DNS files, quota).
 * Stopped: only with save (else EX_NOTRUNNING, nothing changed); the quota is applied then.
 * *res says what happened. */
int ct_set(const struct gconf *g, unsigned ctid, const struct set_opts *o, enum ct_set_result *res);
