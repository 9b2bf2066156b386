/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running things inside a running container: exec, enter (the process side; the terminal relay
 * is the command layer's, src/cmd_exec.c), and the console connection. */
#pragma once
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "config.h"

/* What to run and how its standard fds are wired. */
struct ct_exec_req {
	char **argv;   /* the command (looked up in the container's PATH); NULL: a login shell */
	bool pty[3];   /* fds 0, 1, 2 of the command that get the slave of a new pty of the
			* container's own devpts; the others are ours, passed on as they are */
	bool pty_cooked; /* our terminal stays cooked (it echoes, and maps NL to CR NL): the pty
			  * starts with ECHO and ONLCR off */
	bool have_ws;
	struct winsize ws; /* the pty's first window size */
	/* This invocation's full command line: a command into a privileged container (no user
	 * namespace) first runs it again from a sealed copy of the binary (see the man page). */
	char *const *reexec_argv;
};

/* A started command. */
struct ct_proc {
	pid_t pid;  /* our child: ct_proc_wait gives the command's status through it */
	pid_t cmd;  /* the command itself (host pid), leader of its own session and process group */
	int master; /* pty master (O_NONBLOCK), -1 without a pty */
	int done;   /* with a pty: hangs up once the command has ended; -1 otherwise */
};

/* Start a command inside every namespace and the cgroup of the running container, as its root
 * (UID 0 of its user namespace) with its configured capability bounding set, in a session of its
 * own, with nothing of ours but fds 0-2 (and the pty), no signal blocked (ignored ones stay
 * ignored). The helper that joins is non-dumpable
 * from before it joins, and is the guest's root before the command's process exists.
 * Without any pty fd a helper forked straight into the container's unified cgroup joins it and
 * forks the command (p->pid is the helper, which exits with the command's status); where the
 * kernel refuses that clone (before Linux 5.7), the calling process itself joins the container
 * (namespaces, root and credentials: it can only wait and exit afterwards) and every fd above 2
 * is closed in it.
 * Returns 0 once the command runs (execve succeeded), else a negative errno with the error
 * recorded: EX_NOTRUNNING, the config's own code when it cannot be loaded, EX_BADVALUE for a
 * directory as fd 0-2, 127/126 when the command cannot be executed. */
int ct_exec_spawn(const struct gconf *g, unsigned ctid, const struct ct_exec_req *req, struct ct_proc *p);
/* Reap p->pid and close p's fds: the command's status (128+N when killed by signal N). */
int ct_proc_wait(struct ct_proc *p);
/* Connect to the monitor's console relay: an fd for both ways, or a negative errno (cerr set). */
int ct_console_connect(const struct gconf *g, unsigned ctid);
