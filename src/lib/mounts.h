/* The container's filesystem view (DESIGN.md §4), built by the child in its new mount namespace. */
#pragma once
#include <stdbool.h>

#include "cgroup.h"

struct mnt_opts {
	const char *root; /* absolute path of the private area */
	bool userns;
	enum cg_mode cgmode;
};

/* Step 1 (before dropping to the namespace's root uid): make every mount a slave and bind the
 * private area onto itself, then chdir into it. */
int mnt_bind_root(const struct mnt_opts *o);
/* Step 2 (cwd is the new root): /proc (read-only sys, masked files), /sys read-only, cgroup2,
 * /dev tmpfs with the basic nodes, devpts, console (master returned), /dev/shm, /run with
 * /run/host/container-manager, and an sd_notify socket bound at /run/host/notify (*notify_fd,
 * -1 when the guest has no /run). */
int mnt_populate(const struct mnt_opts *o, int *console_master, int *notify_fd);
/* Step 3: pivot_root into cwd, detach the old root, make / shared. */
int mnt_pivot(void);
