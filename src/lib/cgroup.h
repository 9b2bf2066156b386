/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups: mode detection and one backend vtable for v2, hybrid and legacy v1. The rest of the
 * code does not know which mode it runs in. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

enum cg_mode { CG_UNIFIED = 2, CG_HYBRID = 3, CG_LEGACY = 1 };

/* Where a container's cgroups live: resolved once at start and stored in the run state, so later
 * commands use the same paths. rel is relative to each hierarchy's mount, e.g. "cellctl/101"
 * (limit cgroup); the leaf for init is rel + "/ct". For "self", each hierarchy's entry differs.
 * ino is the identity of the limit cgroup that start created (its inode number, which on cgroup2
 * is the cgroup ID): every later operation opens the directory once, checks it is still that
 * cgroup and works relative to that fd, so a cgroup of the same name made by someone else (another
 * installation with the same CTID and parent) is never touched. */
#define CG_MAX_HIER 12
struct cg_hier {
	char name[32];    /* "unified", "memory", "cpu,cpuacct", ... */
	char mount[256];  /* /sys/fs/cgroup/memory */
	char rel[512];    /* path of the limit cgroup relative to mount, no leading slash */
	uint64_t ino;     /* identity recorded by create; 0: none (this start did not create it) */
};
struct cg_paths {
	enum cg_mode mode;
	unsigned n;
	struct cg_hier h[CG_MAX_HIER]; /* h[0] is the unified hierarchy when one exists */
};

/* Detect the host mode from statfs("/sys/fs/cgroup") (CELLCTL_CGROUP_ROOT overrides the root,
 * for tests against a fake directory). */
int cg_detect(enum cg_mode *mode);
/* Compute the paths for a container: parent is gconf cg_parent ("self" nests under the caller's
 * own cgroup in every hierarchy, read from /proc/self/cgroup, as self/cellctl; "self/NAME" the same
 * with the directory NAME; anything else is a path below each hierarchy's root). No ino yet. */
int cg_resolve(const struct gconf *g, unsigned ctid, struct cg_paths *out);
/* A valid [cgroup] parent: "self", "self/NAME" or a relative path; components of letters, digits
 * and ._@:+- (no "." or "..", no white space: the run state is space separated). */
bool cg_parent_valid(const char *parent);
/* Serialise/parse the paths for the run state file (one "name mount rel ino" line per hierarchy;
 * a line without ino parses with ino 0). */
char *cg_paths_format(const struct cg_paths *p);
int cg_paths_parse(const char *text, struct cg_paths *p);

/* Beancounter-style statistics of one container, read from its limit cgroup (hierarchical
 * counters, so the leaf and anything the guest creates below it are included). */
enum cg_res {
	CG_RES_PHYSPAGES, /* memory, 4 KiB pages */
	CG_RES_SWAPPAGES, /* swap, 4 KiB pages */
	CG_RES_NUMPROC,   /* tasks (pids controller), items */
	CG_RES_CPUTIME,   /* CPU time used, microseconds; limit = cap in percent of one CPU */
	CG_RES_IOBYTES,   /* bytes read + written; limit = io.max bytes/s */
	CG_RES_IOOPS,     /* read + write operations; limit = io.max operations/s */
	CG_RES_N
};
/* A counter this kernel/mode does not have (printed "-", JSON null). */
#define CG_STAT_NONE UINT64_MAX
/* "unlimited", as /proc/user_beancounters prints it (LONG_MAX). */
#define CG_STAT_UNLIMITED ((uint64_t)INT64_MAX)
struct cg_stat {
	uint64_t held, maxheld, barrier, limit, failcnt; /* each may be CG_STAT_NONE */
};
const char *cg_res_name(enum cg_res r); /* "physpages", ... */

/* Every operation below except create acts only on the limit cgroups whose identity create recorded
 * in p (struct cg_hier ino): a directory that is gone counts as empty; one that is another cgroup
 * (or has no recorded identity) is left alone, with an EX_CGFOREIGN error from the operations that
 * change something (apply, attach, kill, destroy) and silence from the ones that read. */
struct cg_ops {
	/* Make the limit cgroup and its leaf "ct"; enable controllers in ancestors (v2); copy
	 * cpuset.cpus/mems on v1; record each limit cgroup's identity in p. A limit cgroup that
	 * exists already is refused (EX_CGFOREIGN, naming it) when it or a cgroup below it holds a
	 * process; an empty one (left by a crash) is removed and made anew. On failure the
	 * hierarchies created so far keep their identity in p, for destroy. */
	int (*create)(struct cg_paths *p);
	/* Put every limit of c in force: the limits, then the device rules (both entries below).
	 * private_path: the container's private area (io.max targets the whole disk behind it).
	 * live: on a running container (errors then leave the old value in force). The one call
	 * for start and for set. */
	int (*apply)(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live);
	/* The resource limits of c alone (memory, cpu, cpuset, I/O, pids), written to the limit
	 * cgroups; arguments as apply. */
	int (*limits)(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live);
	/* The device rules of c (defaults, devices, devnodes): the BPF device program on the unified
	 * limit cgroup, replaced atomically (v2, hybrid); devices.allow/devices.deny in the limit
	 * cgroup and its leaf (legacy v1). EX_DEVICES on failure. */
	int (*devices)(const struct cg_paths *p, const struct ct_config *c, bool live);
	/* Move pid into the leaf (every hierarchy). */
	int (*attach)(const struct cg_paths *p, pid_t pid);
	/* Kill every process in the container's cgroups (cgroup.kill or freeze+kill), wait until
	 * empty (up to timeout_ms). */
	int (*kill)(const struct cg_paths *p, unsigned timeout_ms);
	/* Number of processes in the container (0 when none). */
	int (*nproc)(const struct cg_paths *p);
	/* Freeze (on) or thaw (!on) every process of the container: cgroup.freeze on the unified
	 * limit cgroup, waiting for cgroup.events "frozen 1" (v2, hybrid); freezer.state FROZEN /
	 * THAWED (legacy v1). Freezing waits up to timeout_ms: a container that does not get frozen
	 * by then is thawed again and EX_FREEZE recorded. EX_FREEZE too when the kernel has no
	 * freezer (no cgroup.freeze, no freezer hierarchy). */
	int (*freeze)(const struct cg_paths *p, bool on, unsigned timeout_ms);
	/* 1 when the container is frozen (or being frozen: the freeze was asked for), 0 when not,
	 * -errno when that cannot be read (no freezer, the cgroup is gone). Records nothing. */
	int (*frozen)(const struct cg_paths *p);
	/* Remove the leaf and the limit cgroup (rmdir, retry briefly on EBUSY). Missing is fine. */
	int (*destroy)(const struct cg_paths *p);
	/* Fill st[CG_RES_N] from the counters (missing ones CG_STAT_NONE). -ENOENT when the limit
	 * cgroup is gone (container stopped meanwhile). Never records an error (cheap, silent). */
	int (*stats)(const struct cg_paths *p, struct cg_stat st[CG_RES_N]);
};
const struct cg_ops *cg_backend(enum cg_mode mode);
/* The memory view of a container (sysinfo interception, sysnotif.c), in bytes: the limit cgroup's
 * memory limit and usage, swap limit and usage (v1: memory+swap minus memory), tasks
 * (pids.current) and memory.stat's text (malloc'd, NULL when unreadable; the caller frees it).
 * CG_STAT_NONE for what is unknown or unlimited. -ENOENT when the cgroup is gone; records no
 * error. */
struct cg_memview {
	uint64_t limit, usage, swap_limit, swap_usage, tasks;
	char *memstat;
};
int cg_memview(const struct cg_paths *p, struct cg_memview *mv);
/* The stats above keep, per process, the fds of the parents of the limit cgroups and what the
 * kernel's pids controller offers; this forgets them (the unit tests change both). */
void cg_stats_forget(void);
/* The CPU pressure of the container: avg10, avg60 and avg300 of the "some" line of the unified
 * limit cgroup's cpu.pressure (PSI: the percentage of time some task waited for a CPU) into
 * avg[3]. -ENOENT when there is none (no unified hierarchy, PSI off, container gone). Records no
 * error. */
int cg_cpu_pressure(const struct cg_paths *p, double avg[3]);
/* Pure: the three averages of the line named line ("some", "full") of a PSI file's text; -ENOENT
 * without that line, -EINVAL when it is malformed (or an average is over 100). */
int cg_psi_parse(const char *text, const char *line, double avg[3]);
/* Is every hierarchy's limit cgroup still the one recorded at start? 0 yes; -ENOENT one is gone;
 * -ESTALE one is another cgroup or has no recorded identity (EX_CGFOREIGN recorded, naming it).
 * For code outside this module that joins the container's cgroups (exec). */
int cg_verify(const struct cg_paths *p);
/* A start killed between making its cgroups and recording them in the state file leaves empty
 * cgroups nobody knows about: remove p's limit cgroups (and leaves) where they exist and hold no
 * process (what holds one is left alone). For commands that find no state file under the CT lock. */
int cg_remove_leftovers(const struct cg_paths *p);
/* Has a limit cgroup whose identity was recorded gone away, or been replaced by another of the
 * same name? (Another start of the same CTID and parent took it as left behind.) Records nothing. */
bool cg_lost(const struct cg_paths *p);
/* An O_RDONLY|O_DIRECTORY fd of hierarchy i's limit cgroup, checked as cg_verify does (errors as
 * there), to work relative to (e.g. openat(fd, "ct/cgroup.procs") to join the leaf). */
int cg_limit_dirfd(const struct cg_paths *p, unsigned i);
/* fd (O_PATH|O_DIRECTORY) of the unified leaf for CLONE_INTO_CGROUP, or a negative errno
 * (-ENOENT when there is no unified hierarchy). */
int cg_leaf_fd(const struct cg_paths *p);
/* The v1 leaves' "tasks" files, opened for writing (fds[i] for hierarchy i, -1 for the unified
 * one): a child given them moves itself by writing "0" to each, which moves only the writing
 * thread and so, unlike a pid written to cgroup.procs, never waits for the threadgroup lock's RCU
 * grace period (the kernel checks the opener's credentials: ours). 0, or cerr with every fd
 * closed. */
int cg_leaf_tasks_open(const struct cg_paths *p, int fds[CG_MAX_HIER]);
/* Close the fds >= 0 of an array of CG_MAX_HIER, setting them to -1. */
void cg_fds_close(int fds[CG_MAX_HIER]);
/* Move process pid into the unified leaf only (cgroup.procs), cerr on failure; 0 when there is no
 * unified hierarchy. */
int cg_attach_unified(const struct cg_paths *p, pid_t pid);
/* fd of the unified limit cgroup, for attaching BPF programs, or -errno. */
int cg_limit_fd(const struct cg_paths *p);
/* Every process in the container's cgroups (the unified hierarchy when there is one), into a
 * malloc'd array the caller frees; returns the count. */
size_t cg_tree_pids(const struct cg_paths *p, pid_t **pids);
/* Empty the leaf for a new init after a reboot: rmdir the (empty) cgroups the guest made below
 * it and turn off the controllers it enabled in its cgroup.subtree_control. */
int cg_reset_leaf(const struct cg_paths *p);
/* Chown the leaf's delegatable files to uid/gid (userns delegation, /sys/kernel/cgroup/delegate). */
int cg_delegate(const struct cg_paths *p, uid_t uid, gid_t gid);

/* The monitors' cgroup: a leaf named CG_MONITOR beside the containers' limit cgroups, below the
 * same [cgroup] parent, in every hierarchy of p. The monitor moves itself there before it boots
 * its container (a restore: once it has started), so that it lives neither in the cgroup of whoever ran start (a systemd
 * unit restarted, an ssh session closed by logind) nor in the container's (its limits, its kill).
 * Made when missing (and again when another container's destroy removed it meanwhile). */
#define CG_MONITOR "monitor"
/* The cgroups a monitor left (directory fds, -1 where unknown). */
struct cg_origin {
	unsigned n;
	int fd[CG_MAX_HIER];
};
/* Move the calling monitor there (made when missing): v1 by "0" into tasks (the monitor must be
 * single-threaded), unified by its pid into cgroup.procs unless it is there already (forked into
 * it: cg_monitor_launch_fds). from gets the cgroups left (unified_origin, when >= 0, is taken as
 * the unified one: the monitor forked into its cgroup never was in it). cerr on failure. */
int cg_monitor_enter(const struct cg_paths *p, struct cg_origin *from, int unified_origin);
/* For forking a monitor straight into the monitors' unified cgroup (CLONE_INTO_CGROUP), sparing
 * its move the threadgroup lock's RCU grace period: *into the monitors' unified cgroup (made when
 * missing), *origin the caller's own unified cgroup (where the monitor would have been): two
 * directory fds, or both -1 and a negative errno (no unified hierarchy...; nothing recorded). */
int cg_monitor_launch_fds(const struct cg_paths *p, int *into, int *origin);
/* At the monitor's end: back into the cgroups it came from where they still exist (a process
 * cannot rmdir the cgroup it is in), then the monitors' cgroup and the parent go when empty
 * (cg_monitor_remove). Where it cannot go back it stays, and whoever comes next removes them. */
void cg_monitor_leave(const struct cg_paths *p, struct cg_origin *from);
/* At the end of a monitor whose container a `cellctl stop` stops: stay where it is (the stop
 * waits for its exit, then removes the cgroups: cg_monitor_remove), which spares the move back,
 * whose first write waits for an RCU grace period on a hybrid host (about 10 ms). */
void cg_origin_drop(struct cg_origin *from);
/* Remove the monitors' cgroup and the shared parent where they are empty (quietly): after a
 * monitor has exited (stop) or died. */
void cg_monitor_remove(const struct cg_paths *p);

/* Pure conversions (unit-tested). */
unsigned cg_cpuunits_to_weight(unsigned cpuunits);          /* /10, clamped to 1..10000 */
void cg_cpulimit_to_max(unsigned pct, unsigned ncpus, bool host_pct, char *buf, unsigned len); /* "50000 100000" or "max 100000" */
unsigned cg_ioprio_to_weight(int ioprio);                    /* 0..7 -> io.weight (4 -> 100) */
unsigned cg_ioprio_to_blkio_weight(int ioprio);              /* 0..7 -> v1 blkio.weight (4 -> 500) */
/* The whole disk behind block device maj:min, looked up in sysroot ("/sys"; a fake dir in tests):
 * a partition maps to its parent disk; loop, dm and whole disks map to themselves. -ENODEV when
 * sysroot has no such device (e.g. an anonymous device of tmpfs, overlayfs or btrfs). */
int cg_blkdev_whole_disk(const char *sysroot, unsigned maj, unsigned min, unsigned *wmaj, unsigned *wmin);
/* Environment overrides, for tests: CELLCTL_CGROUP_ROOT (instead of /sys/fs/cgroup),
 * CELLCTL_CGROUP_MODE=unified|hybrid|legacy (no statfs), CELLCTL_PROC_SELF_CGROUP (instead of
 * /proc/self/cgroup), CELLCTL_SYSFS_ROOT (instead of /sys, for io.max device lookup and delegate). */
