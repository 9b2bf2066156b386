/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run state of a running container: run_dir/CTID.state, written by its monitor. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"

struct ct_state {
	pid_t monitor_pid;
	unsigned long long monitor_start; /* /proc/PID/stat starttime, guards against pid reuse */
	pid_t init_pid;
	unsigned long long init_start;
	bool userns;
	uint32_t uid_base;
	unsigned boots;     /* 1 + number of guest reboots */
	struct cg_paths cg;
};

char *state_path(const struct gconf *g, unsigned ctid, const char *suffix); /* run_dir/CTID<suffix> */
struct sockaddr_un;
/* sa for the Unix socket run_dir/CTID<suffix> (the monitor's ".sock", a waiter's ".wait"); cerr
 * EX_SYSTEM (ENAMETOOLONG) when the path does not fit. */
int state_sockaddr(const struct gconf *g, unsigned ctid, const char *suffix, struct sockaddr_un *sa);
int state_write(const struct gconf *g, unsigned ctid, const struct ct_state *s);
/* -ENOENT when there is no state file. */
int state_read(const struct gconf *g, unsigned ctid, struct ct_state *s);
void state_remove(const struct gconf *g, unsigned ctid);
/* Pure: text form. */
char *state_format(const struct ct_state *s);
int state_parse(const char *text, struct ct_state *s);

/* Numeric field number `field` (4 and up, numbered as in proc(5)) of /proc/PID/stat; -ESRCH
 * when the process is gone or a zombie. */
int proc_stat_field(pid_t pid, int field, unsigned long long *out);
/* starttime field of /proc/PID/stat; -ESRCH when gone. */
int proc_starttime(pid_t pid, unsigned long long *out);
/* Is pid alive and still the process that started at start? */
bool proc_alive(pid_t pid, unsigned long long start);
/* Which signal asks this init to power off (SIGRTMIN+4 systemd, SIGUSR2 busybox, SIGPWR else). */
int ct_poweroff_signal(pid_t init_pid);
/* A pidfd for pid, verified against start; -ESRCH when that process is gone. */
int proc_pidfd(pid_t pid, unsigned long long start);
/* Container running: a state file whose init is alive. Fills s when non-NULL. */
bool ct_running(const struct gconf *g, unsigned ctid, struct ct_state *s);
/* The containers that may run, for a walk over many (list, ubc): the CTIDs with a state file in
 * run_dir, read with one readdir, sorted (*ids NULL and *n 0 when none). A container absent from it
 * is not running (and needs no open of its state file); one in it is checked with ct_running.
 * -errno (no cerr) when the run dir cannot be read: the caller then asks ct_running of each. */
int state_ids(const struct gconf *g, unsigned **ids, unsigned *n);
