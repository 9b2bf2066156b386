/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Launching cellctl's helper programs (cellctl-monitor, cellctl-archive): a fork, a report pipe
 * the helper finds at a fixed fd, the exec, and the wait for its report. */
#pragma once
#include <stdbool.h>

#define HELPER_REPORT_FD 3 /* where a helper finds the write end of its report pipe */
#define HELPER_PASS_FD 4   /* where it finds the fd handed to it (helper_req.pass_fd) */
#define HELPER_ORIGIN_FD 5 /* where it finds helper_req.origin_fd (into_cgroup) */
#define HELPER_MAX_KEEP 16 /* helper_req.keep_fds */

struct helper_req {
	const char *path;  /* the binary to execute (see helper_path); NULL: fallback */
	char *const *argv;
	int pass_fd;       /* handed to the helper as HELPER_PASS_FD (kept across exec); -1: none, and
			    * HELPER_PASS_FD is closed in the helper */
	const int *keep_fds; /* handed to the helper as HELPER_PASS_FD+1, +2, ... (kept across exec) */
	unsigned nkeep;      /* how many (at most HELPER_MAX_KEEP) */
	bool detach;       /* double fork and setsid: the helper is no child of ours and outlives us */
	bool die_with_us;  /* killed (SIGKILL) when we die; SIGINT and SIGTERM back to their default */
	/* In the child when path is NULL or cannot be executed: the helper's work done in-process,
	 * with the report pipe at report_fd (close-on-exec; HELPER_REPORT_FD is not set up). Must not
	 * return. NULL: the child exits with 127. */
	void (*fallback)(void *arg, int report_fd);
	void *arg;
	volatile int *cancel; /* set (by a signal handler) while we wait: the helper is killed */
	/* detach only: the helper is forked straight into the cgroup of cgroup_fd (a directory of the
	 * unified hierarchy: CLONE_INTO_CGROUP, which spares the move's RCU grace period; a plain fork
	 * where the kernel refuses it), and finds origin_fd (the cgroup it would have been in) as
	 * HELPER_ORIGIN_FD. Without into_cgroup HELPER_ORIGIN_FD is closed in the helper (or holds the
	 * first kept fd): into_cgroup and keep_fds exclude each other. */
	bool into_cgroup;
	int cgroup_fd, origin_fd;
};

/* Fork and exec a helper, then wait for it: for our child to exit (with detach: the
 * intermediate one, at once) and for the helper's report (cerr_report_write on
 * HELPER_REPORT_FD: it arrives, or the pipe closes when the helper is gone). Returns the report:
 * 0, or a negative errno with the helper's error recorded; -ENODATA when it ended without one.
 * status (may be NULL) gets the wait status of our child. EX_SYSTEM when pipe or fork fail. */
int helper_spawn(const struct helper_req *rq, int *status);
