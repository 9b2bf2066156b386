/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lxcfs guest views (cellctl.8, GUEST VIEWS): lxcfs's /proc files and its sys/devices/system/cpu
 * bound over the container's own, so that free, top and uptime inside show the container's
 * limits and uptime; the state of those binds in a running container (list's lxcfs column) and
 * their replacement after lxcfs was restarted (lxcfs rebind). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

#define LXCFS_MOUNT_DEFAULT "/var/lib/lxcfs"

/* A file or directory lxcfs serves, named relative to its mount point and to the guest's root. */
struct lxcfs_bind {
	const char *path; /* "proc/meminfo", "sys/devices/system/cpu" */
	bool dir;
	/* bound only when the entry before it was not (sys/devices/system/cpu/online: lxcfs
	 * versions that serve no cpu directory) */
	bool fallback;
};

/* Pure: the table of what is bound, in order: proc/{cpuinfo,meminfo,stat,uptime,diskstats,swaps,
 * loadavg,slabinfo}, sys/devices/system/cpu, then (fallback) sys/devices/system/cpu/online. */
const struct lxcfs_bind *lxcfs_binds(unsigned *n);

/* Is a live lxcfs mounted at mp: a FUSE mount (statfs magic) whose proc/meminfo is a regular
 * file of that mount? 0 and *dev (the mount's device; NULL allowed), else -errno: -ENOENT (no such
 * directory), -EMEDIUMTYPE (not a FUSE mount), -ENOTCONN (lxcfs died), ... No cerr. */
int lxcfs_live(const char *mp, dev_t *dev);

/* At start, in the mount builder (cwd is the container's new root, its /proc and /sys mounted,
 * not pivoted yet): bind what mp serves over the guest's own, each read-only, nosuid, nodev,
 * noexec; an entry missing on either side is left out. Returns the number bound, or cerr
 * EX_CANTMOUNT. */
int lxcfs_bind_all(const char *mp);

/* One line of /proc/PID/mountinfo, as far as rebind needs it. */
struct lxcfs_mnt {
	unsigned maj, min;
	char fstype[32];
	char source[32];
};
/* Pure: the topmost mount at mount point mp ("/proc/meminfo") in mountinfo text: 1 and *out,
 * 0 when none. Escaped mount points (\040) compare escaped: ours have none. */
int lxcfs_mountinfo_top(const char *text, const char *mp, struct lxcfs_mnt *out);
/* Pure: is m an lxcfs mount (fuse.lxcfs, or fuse with source lxcfs)? */
bool lxcfs_mnt_is_lxcfs(const struct lxcfs_mnt *m);

/* list's lxcfs column of a running container whose init is init_pid: "ok" (its /proc/meminfo
 * is served by the live lxcfs at g's mount point), "stale" (by an lxcfs that died or was
 * replaced), "off" (the kernel's own). Cheap: an O_PATH open through /proc/PID/root, never
 * following a guest symlink, and one statfs. */
const char *lxcfs_state_name(const struct gconf *g, pid_t init_pid);

/* At start, in the monitor: the mount point to bind from when c wants lxcfs and one is live,
 * else NULL; when c wants it and none is live, one line in the log file says so (quiet: not
 * stderr). */
const char *lxcfs_for_start(const struct gconf *g, const struct ct_config *c, bool first_boot);

/* lxcfs rebind: in running container ctid, replace each lxcfs bind that is not the live
 * lxcfs's (stale: its lxcfs died) with a fresh read-only one, inside the container's mount
 * namespace; when its config wants the views (lxcfs yes, no nesting), bind lxcfs's files over
 * those that have no mount at all (it started while lxcfs was not running). Only mount points
 * that mountinfo shows as lxcfs mounts or as no mount point are touched, and only a file or
 * directory of lxcfs, procfs or sysfs; the guest's symlinks are never followed. *fixed: how many
 * were bound. cerr EX_NOTRUNNING, EX_CANTMOUNT
 * (no live lxcfs at the mount point, or a bind failed). */
int lxcfs_rebind(const struct gconf *g, unsigned ctid, unsigned *fixed);
