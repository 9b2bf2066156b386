/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot and shutdown of every container: onboot/bootorder groups, started or stopped in parallel
 * within a group by forked children (each calling ct_start / ct_stop), and the record of what ran
 * at the last shutdown. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* One container of a boot or shutdown plan. */
struct boot_item {
	unsigned ctid;
	int bootorder;
	unsigned delay;     /* onboot_delay: seconds after its group began before it starts */
	unsigned stop_time; /* its stop_timeout, seconds */
};

/* Sort a plan: for boot (reverse false) higher bootorder first, then shorter delay, then lower
 * CTID; for shutdown (reverse true) lower bootorder first, then higher CTID: the exact reverse.
 * Pure. */
void boot_sort(struct boot_item *v, size_t n, bool reverse);
/* The end (exclusive) of the group that begins at v[i] in a sorted plan: the items of v[i]'s
 * bootorder. i < n. Pure. */
size_t boot_group_end(const struct boot_item *v, size_t n, size_t i);
/* Parse the record of a shutdown: CTIDs, one per line ('#' comments and blank lines ignored,
 * invalid lines skipped). *ids (malloc'd, sorted, unique) and *n. Pure. */
void boot_record_parse(const char *text, unsigned **ids, size_t *n);
/* The record's path: running-at-shutdown beside private_dir (its parent directory), persistent
 * across host reboots (malloc'd). */
char *boot_record_path(const struct gconf *g);

/* What happened to one container: code 0 done, else its exit code and msg (the error). */
enum boot_what { BOOT_STARTED, BOOT_STOPPED, BOOT_FAILED, BOOT_SKIPPED };
typedef void (*boot_report_fn)(unsigned ctid, enum boot_what what, const char *msg, void *arg);

struct boot_opts {
	unsigned parallel;     /* at most this many starts or stops at a time, >= 1 */
	int timeout_s;         /* boot: seconds each container may take from its start to be ready;
	                    * shutdown: the global deadline, after which what is left is killed */
	boot_report_fn report; /* may be NULL; called in the parent, in the order results come */
	void *arg;
};

struct boot_result {
	unsigned done; /* started or stopped */
	unsigned failed, skipped;
};

/* boot: start every container with onboot = yes, and every one recorded by the last shutdown,
 * that is not running and not disabled, group by group (bootorder, higher first), at most
 * o->parallel at a time; each start waits until the guest is ready (as start --wait) or
 * o->timeout_s has passed (then the container, left running, counts as failed). Skipped:
 * disabled or already running. A config that cannot be read counts as failed. Removes the
 * shutdown record once done. Each start and failure is logged. 0 with *res filled (failures are
 * counted, not returned); <0 (cerr) when the configs cannot be listed or on SIGINT/SIGTERM
 * (forwarded to the children, which are waited for: EX_FAIL "interrupted"). */
int ct_boot(const struct gconf *g, const struct boot_opts *o, struct boot_result *res);
/* shutdown: record the running containers (added to an existing record), then stop them group
 * by group in reverse boot order, gracefully with each one's stop_timeout but never past
 * o->timeout_s from the start of the command (then killed). Returns as ct_boot. */
int ct_shutdown(const struct gconf *g, const struct boot_opts *o, struct boot_result *res);
