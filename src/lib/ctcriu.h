/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chkpnt and restore: a running container's whole tree checkpointed by CRIU (and stopped), and
 * brought back by its monitor (criu.h). */
#pragma once
#include <stdbool.h>

#include "config.h"

struct chkpnt_opts {
	const char *dumpfile; /* the checkpoint's directory, or NULL: DUMPDIR/Dump.CTID */
	const char *dumpdir;  /* where the default directory goes, or NULL: [backup] dumpdir */
	bool tcp_established; /* keep established TCP connections (--tcp-established) */
	bool criu_checked;    /* the caller ran criu_host_check already (migrate --online): not again */
};

/* The checkpoint directory of ctid for o (malloc'd): o->dumpfile, else DIR/Dump.CTID with DIR
 * o->dumpdir or g->dumpdir. */
char *ct_chkpnt_dir(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o);

/* Checkpoint running container ctid into its checkpoint directory (made, must not hold a
 * checkpoint already) and stop it: CRIU dumps init's whole tree (namespaces, mounts, the console
 * as an external tty) and kills it; the monitor then cleans up as after a stop. EX_BADKERNEL when
 * CRIU cannot work here (nothing done), EX_NOTRUNNING, EX_SUSPENDED, EX_BADVALUE (a checkpoint is
 * there already), EX_FREEZE when the dump fails (the container keeps running). */
int ct_chkpnt(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o);

/* Restore stopped container ctid from its checkpoint directory: start's cgroups, limits, device
 * program and delegation, then a monitor that has CRIU restore the tree as its child, with a new
 * console and the host veths made ours again. The checkpoint is removed once the container runs.
 * EX_BADKERNEL (nothing done), EX_RUNNING, EX_RESTORE (no checkpoint there, or CRIU failed: the
 * container stays stopped, the checkpoint is kept). */
int ct_restore(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o);
