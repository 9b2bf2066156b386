/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups, private to the module: the shared file layer (cgroup_fs.c), the v2 backend
 * (cgroup_v2.c), the v1 backend (cgroup_v1.c) and the beancounter statistics (cgroup_stats.c),
 * which cgroup.c (detection, resolution, create, attach, destroy, delegation and the vtables)
 * puts together. The backends and stats use cgroup_fs.c only; cgroup.c uses all of them, and
 * nothing calls back into cgroup.c. */
#pragma once
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "util.h"

/* The container's init cgroup below each limit cgroup. */
#define LEAF "ct"

/* ---- environment (tests redirect everything below a fake root) ---- */

/* CELLCTL_CGROUP_ROOT, else /sys/fs/cgroup. */
const char *cg_root(void);
/* Is CELLCTL_CGROUP_ROOT set? (then v1 hierarchies are found as its directories, not in mountinfo) */
bool cg_root_overridden(void);
/* CELLCTL_SYSFS_ROOT, else /sys. */
const char *cg_sysfs_root(void);
/* One pause of a wait that polls, *us (0 at first) keeping its state: 0.2 ms doubling to 10 ms, so
 * that what ends at once (a killed cgroup usually empties within a millisecond) is seen at once and
 * what takes long costs few wake-ups. */
void cg_pause(unsigned *us);

/* ---- hierarchies and cgroup directories ---- */

/* Is controller ctrl one of the comma separated names in list? */
bool cg_list_has(const char *list, const char *ctrl);
/* Index in p of the hierarchy holding ctrl ("unified": the cgroup2 one), -1 when none. */
int cg_hier_index(const struct cg_paths *p, const char *ctrl);
/* Path of h's limit cgroup (malloc'd). */
char *cg_limit_dir(const struct cg_hier *h);

/* One cgroup directory, opened once: every access goes relative to fd, never through the path
 * again; path is for messages. */
struct cgdir {
	int fd;
	char *path;
};
#define CGDIR_INIT {.fd = -1, .path = NULL}
#define CGDIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)

void cgdir_close(struct cgdir *d);
#define _cleanup_cgdir_ _cleanup_(cgdir_close)
/* Open the cgroup at path into d: 0 or -errno (nothing recorded). */
int cgd_open(const char *path, struct cgdir *d);
/* The cgroup name below d (the leaf, a guest's sub-cgroup). */
int cgd_sub(const struct cgdir *d, const char *name, struct cgdir *out);
/* The parent directory of path (shared: ancestors are only read, or enabled at create). */
int cgd_open_parent(const char *path, struct cgdir *d);
/* Write val to d's control file (logged at debug level); -errno, nothing recorded. */
int cg_write(const struct cgdir *d, const char *file, const char *val);
/* Read d's control file into *out (malloc'd, white space trimmed); -errno, nothing recorded. */
int cg_read(const struct cgdir *d, const char *file, char **out);

/* ---- identity ---- */

/* Inode number of fd (the cgroup ID on cgroup2), 0 when fstat fails. */
uint64_t cg_fd_ino(int fd);
/* Open hierarchy h's limit cgroup and check that it is the one create recorded. 0; -ENOENT when it
 * is gone; -ENODATA when no identity was recorded (not created by this container's start);
 * -ESTALE when the directory is another cgroup (made anew under the same name). Records nothing. */
int cg_open_limit(const struct cg_hier *h, struct cgdir *d);
/* Record why h's limit cgroup cannot be used (r from cg_open_limit); returns a negative errno. */
int cg_limit_err(const struct cg_hier *h, int r);
/* For the operations that tear down (kill, destroy, reset): 1 opened and verified; 0 nothing of
 * ours there (gone, or never created by this container); <0 another cgroup (error recorded). */
int cg_open_teardown(const struct cg_hier *h, struct cgdir *d);
/* The (verified) limit cgroup of the hierarchy holding ctrl ("unified": the cgroup2 one): 1
 * opened; 0 no such hierarchy; <0 it cannot be used (error recorded). */
int cg_open_ctrl(const struct cg_paths *p, const char *ctrl, struct cgdir *d);

/* ---- tree walks ---- */

/* Call fn on d and on every cgroup below it, parents first; stops at the first non-zero return. */
typedef int (*cg_walk_fn)(const struct cgdir *d, void *arg);
int cg_walk(const struct cgdir *d, cg_walk_fn fn, void *arg);
/* walk function: SIGKILL every process listed in d's cgroup.procs (never pid 1 or ourselves). */
int cg_kill_procs(const struct cgdir *d, void *arg);
/* No process in d or below (a removed cgroup is empty too). */
bool cg_tree_empty(const struct cgdir *d);
/* Wait up to timeout_ms until d's tree is empty, killing what is left on each round when rekill. */
int cg_wait_empty(const struct cgdir *d, unsigned timeout_ms, bool rekill);
/* After a freeze (on) or thaw written to d: wait until settled(text of d's state file, on), for up
 * to timeout_ms (pauses of cg_pause). A freeze that does not settle in time is undone (thaw_value
 * written to ctl_file). 0, or cerr EX_FREEZE. */
int cg_freeze_settle(const struct cgdir *d, const char *state_file, const char *ctl_file, const char *thaw_value,
		     bool (*settled)(const char *text, bool on), bool on, unsigned timeout_ms);
/* Processes in h's limit cgroup and below (pids_current: pids.current where it exists, which counts
 * threads too); 0 when it is gone, -ESTALE when it is another cgroup (nothing recorded). */
int cg_nproc_at(const struct cg_hier *h, bool pids_current);
/* rmdir every cgroup below d (not d itself), deepest first. */
int cg_rm_below(const struct cgdir *d);
/* Remove the cgroup name below parent with everything below it, if it is the cgroup ino (any
 * when ino is 0). 0 removed or missing; -ESTALE another cgroup (nothing recorded). */
int cg_remove_cgroup(const struct cgdir *parent, const char *name, uint64_t ino);

/* ---- what both backends' apply share ---- */

/* One apply's state: live (a running container: stop at the first error) and its first error. */
struct wctx {
	bool live;
	int err;
};
/* Write one limit file. must: the value is not the default, so a missing file is an error
 * (otherwise the controller may simply be absent and nothing is lost). Returns <0 only when the
 * caller must stop (live). */
int cg_wlimit(struct wctx *w, const struct cgdir *d, const char *ctrl, const char *file, const char *val, bool must,
	      int excode);
/* Record error r (already a cerr) in w: returns r when the caller must stop (live), else 0. */
int cg_wfail(struct wctx *w, int r);
/* v as a decimal number, or unset when it is SIZE_UNLIMITED. */
void cg_fmt_u64_or(char *buf, size_t len, uint64_t v, const char *unset);
/* cfs quota in us per 100000 us period, 0 for none: cpulimit capped at cpus x 100%. */
uint64_t cg_cpu_quota(const struct ct_config *c);
/* The whole disk behind the private area, for io.max and blkio.throttle: 1 found; 0 not found and not needed (io_set false) or not found
 * with the error recorded in w (not live); <0 not found on a live apply (stop). */
int cg_io_disk(struct wctx *w, const char *private_path, bool io_set, unsigned *maj, unsigned *min);

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int _r = (x);                                                                      \
		if (_r < 0)                                                                        \
			return _r;                                                                 \
	} while (0)

/* ioprio (0..7, clamped) as an index of an 8-entry weight table. */
static inline unsigned cg_ioprio_index(int ioprio)
{
	return ioprio < 0 ? 0 : ioprio > 7 ? 7 : (unsigned)ioprio;
}

/* ---- the backends (entries of the vtables in cgroup.c) ---- */

/* Limit writes of cg_ops.apply, devices aside (cg_ops.devices): first error or 0. */
int cg2_limits(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live);
int cg1_limits(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live);
/* cg_ops.devices: the BPF program on the unified limit cgroup (v2, hybrid); devices.allow and
 * devices.deny in the limit cgroup and its leaf (legacy v1). */
int cg2_devices(const struct cg_paths *p, const struct ct_config *c, bool live);
int cg1_devices(const struct cg_paths *p, const struct ct_config *c, bool live);
/* cg_ops.kill: cgroup.kill on the unified hierarchy (v2, hybrid); freeze and kill (legacy). */
int cg2_kill(const struct cg_paths *p, unsigned timeout_ms);
int cg1_kill(const struct cg_paths *p, unsigned timeout_ms);
/* cg_ops.freeze and cg_ops.frozen: cgroup.freeze (v2, hybrid); freezer.state (legacy). */
int cg2_freeze(const struct cg_paths *p, bool on, unsigned timeout_ms);
int cg1_freeze(const struct cg_paths *p, bool on, unsigned timeout_ms);
int cg2_frozen(const struct cg_paths *p);
int cg1_frozen(const struct cg_paths *p);
/* cg_ops.nproc */
int cg2_nproc(const struct cg_paths *p);
int cg1_nproc(const struct cg_paths *p);
/* cg_ops.stats (cgroup_stats.c) */
int cg2_stats(const struct cg_paths *p, struct cg_stat st[CG_RES_N]);
int cg1_stats(const struct cg_paths *p, struct cg_stat st[CG_RES_N]);

/* Create's per-hierarchy steps. v2: enable the container controllers in d's
 * cgroup.subtree_control (those d has). */
int cg2_enable_controllers(const struct cgdir *d);
/* v1: copy cpuset.cpus/mems from the parent when d's are empty (new v1 cpusets start empty);
 * -ENOENT (recorded) when the parent's are empty too (a level just made, not filled yet).
 * parent NULL: d's parent, opened only when d lacks a value. */
int cg1_cpuset_inherit(const struct cgdir *parent, const struct cgdir *d);
/* v1: default-deny in a new limit cgroup of the devices hierarchy (before it has children). */
int cg1_devices_init(const struct cgdir *lim);

/* A v1 hierarchy as mounted. */
/* systemd's named v1 hierarchy (hybrid and legacy hosts): a container's and its monitor's
 * processes leave the caller's cgroup there too, or systemd counts them in the unit that ran
 * start and kills them with it. */
#define CG_SYSTEMD "name=systemd"
struct cg1_mount {
	char name[32];   /* "memory", "cpu,cpuacct", ... */
	char mount[256]; /* /sys/fs/cgroup/memory */
	char root[256];  /* the mount's root inside the hierarchy ("/" normally) */
};
/* The mounted v1 hierarchies: from /proc/self/mountinfo, or the directories of cg_root() when
 * that is overridden or mountinfo has none. */
size_t cg1_mounts(struct cg1_mount *m, size_t max);
