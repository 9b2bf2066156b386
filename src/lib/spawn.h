/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spawning the guest's init: clone3 into new namespaces, a numbered handshake over a socketpair,
 * and exec. Runs in the monitor. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"

#define SPAWN_MAX_LISTEN 16 /* passed sockets (SOCKSPEC_MAX) */

struct spawn_req {
	const struct gconf *g;
	const struct ct_config *c;
	const struct cg_paths *cg;
	const char *root; /* private area */
	/* Migrate instead of CLONE_INTO_CGROUP: a fork into a cgroup that has seen cgroup.kill is
	 * killed by the kernel (observed on 6.18), so a reboot in the same cgroup must migrate. */
	bool migrate;
	const char *lxcfs; /* the live lxcfs to bind from (lxcfs_for_start), or NULL */
	/* Passed sockets (sockact.h): init gets them as fds 3 .. 3+nlisten-1 (the only ones it
	 * inherits besides stdio) with LISTEN_FDS, LISTEN_PID=1 and LISTEN_FDNAMES=listen_names */
	const int *listen_fds;
	unsigned nlisten;
	const char *listen_names;
};

struct spawn_res {
	pid_t pid;
	int pidfd;
	int console_master;
	int notify_fd; /* the guest's /run/host/notify socket (NOTIFY_SOCKET of init), or -1 */
	int sysinfo_fd; /* init's seccomp listener for sysinfo (sysnotif.h); -1 none, -errno refused
			 * (-EBUSY: a listener exists above) */
};

/* Returns 0 once init has been exec'd; on failure the child is reaped and cerr says why
 * (EX_BADTEMPLATE when no init could be executed). */
int spawn_init(const struct spawn_req *rq, struct spawn_res *out);
