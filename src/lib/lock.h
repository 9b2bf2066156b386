/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-container locks: run_dir/lock/CTID.lck, flock'd, holding "PID\nOPERATION\n". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct ct_lock {
	int fd;
	char *path;
};
#define CT_LOCK_INIT {.fd = -1, .path = NULL}

/* Take the lock for op ("start", "stop", ...). When another live cellctl holds it: cerr
 * EX_LOCKED naming its pid and operation. A lock file nobody holds is stale and taken over. */
int ct_lock_take(const struct gconf *g, unsigned ctid, const char *op, struct ct_lock *l);
/* Same for a named global lock (e.g. "idmap"), waiting for it instead of failing. */
int ct_lock_take_global(const struct gconf *g, const char *name, struct ct_lock *l);
/* Is fd the open lock file of ctid (an fd handed over to another process, e.g. the monitor)? */
bool ct_lock_is(const struct gconf *g, unsigned ctid, int fd);
/* Release: unlink while holding, then close. Safe on an untaken lock. */
void ct_lock_release(struct ct_lock *l);
/* A lock released when it goes out of scope: _cleanup_lock_ struct ct_lock l = CT_LOCK_INIT; */
static inline void ct_lock_cleanup(struct ct_lock *l) { ct_lock_release(l); }
#define _cleanup_lock_ __attribute__((cleanup(ct_lock_cleanup)))

/* Pure: the file's contents. */
int lock_format(pid_t pid, const char *op, char *buf, size_t len);
/* Write the holder's line (lock_format) into the lock file fd: written over, then cut to its
 * length, never truncated to 0 first (on ext4 that gives the few bytes a disk block at close,
 * auto_da_alloc, which the release's unlink then frees: with discard, synchronously). 0 or -errno. */
int lock_note(int fd, pid_t pid, const char *op);
int lock_parse(const char *text, pid_t *pid, char *op, size_t oplen);
