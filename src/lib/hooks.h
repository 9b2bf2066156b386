/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Action scripts (vzctl's CTID.premount ... CTID.postumount and vps.*): the file checks, the
 * environment, and running a host-side script with its output in the log and a timeout. The
 * inside scripts (start, stop) run through hooks_guest.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum hook_phase { HOOK_PREMOUNT, HOOK_MOUNT, HOOK_START, HOOK_STOP, HOOK_UMOUNT, HOOK_POSTUMOUNT, HOOK_NPHASES };

/* The phase's name, which is also the scripts' suffix: "premount", "mount", ... */
const char *hook_phase_name(enum hook_phase ph);
/* Does the phase's script run inside the container (start, stop)? */
bool hook_inside(enum hook_phase ph);

/* What a script learns about its container. */
struct hook_info {
	unsigned ctid;
	const char *conffile; /* the container's config file */
	const char *root;     /* VE_ROOT */
	const char *priv;     /* VE_PRIVATE: the private area */
	enum hook_phase phase;
};
#define HOOK_NENV 9
/* The script's whole environment (pure): VEID, CTID, VE_CONFFILE, VE_ROOT, VE_PRIVATE, VE_STATE
 * ("starting" for premount, mount and start, "stopping" for the others), CELLCTL_HOOK (the phase)
 * and a fixed PATH, into env (HOOK_NENV entries with the closing NULL; each entry allocated, free
 * with hook_env_free). */
void hook_env(const struct hook_info *hi, char *env[HOOK_NENV]);
void hook_env_free(char *env[HOOK_NENV]);
/* The same variables as shell code for a script fed to the guest's /bin/sh (pure): one
 * "export NAME='value'" line each, quotes in values escaped. Allocated. */
char *hook_env_shell(const struct hook_info *hi);

/* The two script paths of a phase, in the order they run: the global one (DIR/vps.PHASE) and the
 * container's (DIR/CTID.PHASE), DIR being dir (the config directory). Allocated. */
void hook_paths(const char *dir, unsigned ctid, enum hook_phase ph, char *paths[2]);

/* May the file at path run as an action script? 0 yes (*fd, when fd is not NULL, gets it open
 * O_RDONLY), 1 when there is no such file (nothing to run), else cerr EX_ACTIONSCRIPT: a symlink,
 * not a regular file, not owned by root, writable by group or others, or a directory on the way
 * from / to it that is not root's or is writable by group or others (sticky world-writable ones
 * such as /tmp excepted), or (exec) not executable. */
int hook_check(const char *path, bool exec, int *fd);

/* Run the host-side script path (checked already) with env, stdin /dev/null, its stdout and
 * stderr in the log (a line at a time, escaped), in a process group of its own that is killed
 * whole after timeout_s seconds. rootfd >= 0: the script gets it as fd 3 and VE_ROOT says
 * /proc/PID/fd/3 (PID its own), the container's root as its mount namespace has it. 0 when it
 * exits 0, else cerr EX_ACTIONSCRIPT (its status, or the timeout). */
int hook_exec_host(const char *path, char *const env[], int rootfd, unsigned timeout_s);

/* Read the output of a script from fd (non-blocking) until EOF or the process behind pidfd has
 * ended and the pipe holds nothing more, or until deadline (now_ms clock): each line to the log
 * as "action script NAME: LINE", escaped. true when the process ended before the deadline. */
bool hook_pump(const char *name, int fd, int pidfd, unsigned long long deadline);

/* The parent's side of one script's run, host or inside: fork_errno is clone's errno when pid < 0
 * (an error then, the pipe closed). Else out[1] is closed, the output pumped (hook_pump) until the
 * script ends or extra_ms after timeout_s, the script killed past that (its process group too
 * with group), and reaped. 0 with *status its wait status and *ms its run time, or cerr
 * EX_ACTIONSCRIPT: the fork, or the timeout. */
int hook_collect(const char *path, int out[2], pid_t pid, int fork_errno, int pidfd, unsigned timeout_s,
		 unsigned extra_ms, bool group, int *status, unsigned long long *ms);

/* Run the phase's host-side scripts (global first, then the container's) for container c: for
 * mount and umount rootfd is the container's root (see hook_exec_host), else -1; VE_ROOT is then
 * the private area. 0 when none failed (or there were none), else the first failure (cerr
 * EX_ACTIONSCRIPT): the container's script does not run after a failed global one. */
int hooks_run_host(const struct gconf *g, const struct ct_config *c, enum hook_phase ph, int rootfd);
/* Is there any script for this phase (either file exists, checked or not)? */
bool hooks_present(const struct gconf *g, unsigned ctid, enum hook_phase ph);
