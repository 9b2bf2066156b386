/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The running configuration of a container: run_dir/CTID.running, the container config (INI, the
 * same format as CTID.conf) as its start applied it, plus every live change `set` made since,
 * with or without --save. Live changes are computed against it, never against the saved config
 * (which an unsaved `set` does not touch and an admin may edit at any time). Written at every
 * boot of the container (so a guest reboot, which boots the config the monitor started with,
 * resets it), rewritten by each live `set`, removed at cleanup. Mode 0600 in run_dir (0700). */
#pragma once
#include "config.h"

char *runconf_path(const struct gconf *g, unsigned ctid);
/* Atomic write of c->doc. cerr(EX_SYSTEM) on failure. */
int runconf_save(const struct gconf *g, const struct ct_config *c);
/* -ENOENT (no cerr) when there is none: the container is not running, or an older cellctl
 * started it; other errors recorded with cerr. */
int runconf_load(const struct gconf *g, unsigned ctid, struct ct_config **out);
void runconf_remove(const struct gconf *g, unsigned ctid);
