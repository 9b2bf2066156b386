/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Disk quota per container: project quotas on the filesystem of the private areas.
 *
 * Each container has a project ID, recorded in its config as [container] quota_id and by default
 * equal to its CTID (CTIDs are below 2^31, so they fit the 32-bit project ID, and they are unique
 * and stable; 0 is the filesystem's default project and never a CTID). The ID and the
 * FS_XFLAG_PROJINHERIT flag are set on the private area's top directory before the template is
 * unpacked (everything created below inherits them), and on every inode of an existing tree by a
 * walk (quota_tag_tree). Limits go in with quotactl(Q_SETQUOTA, PRJQUOTA) in 1 KiB blocks and
 * inodes; usage comes from Q_GETQUOTA.
 *
 * When the filesystem cannot enforce project quotas (no prjquota/pquota mount option, tmpfs,
 * overlayfs, a kernel without quota support), the limits are "not enforced": create and set warn
 * through the logger ("disk quota not enforced: REASON"), and usage comes from a walk of the tree
 * (du-style: st_blocks, hard links counted once, no other mounts).
 *
 * Exit codes (vzctl's disk quota range 60-68):
 *   60 QUOTA_EX_INIT   the project ID could not be set on the private area
 *   62 QUOTA_EX_READ   quota usage could not be read
 *   63 QUOTA_EX_SET    the limits could not be set
 * A filesystem that does not enforce quotas is a warning, never an error. Removing the entry at
 * destroy only warns on failure. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

enum { QUOTA_EX_INIT = 60, QUOTA_EX_READ = 62, QUOTA_EX_SET = 63 };

/* A limit that is not set ("unlimited"); matches SIZE_UNLIMITED in config.h. */
#define QUOTA_NONE UINT64_MAX

/* The filesystem that holds a path, and what it can do about project quotas. */
struct quota_fs {
	dev_t dev;             /* st_dev of the probed path */
	char mnt[512];         /* mount point (from /proc/self/mountinfo) */
	char source[512];      /* mount source, e.g. /dev/loop0 */
	char fstype[32];
	bool accounting;       /* project usage is tracked by the filesystem */
	bool enforced;         /* project limits are enforced */
	char reason[512];      /* why not enforced ("" when enforced) */
};

/* One container's disk usage and limits, as `quota` and the report show them. */
struct quota_info {
	uint32_t projid;
	bool enforced;         /* limits enforced by the filesystem */
	bool from_quota;       /* usage read through quotactl (else a tree walk) */
	bool known;            /* usage could be determined at all (private area present) */
	uint64_t used_kb, used_inodes;
	uint64_t bsoft_kb, bhard_kb, isoft, ihard; /* QUOTA_NONE when unlimited */
	int64_t btime, itime;  /* grace period end (Unix time) once over the soft limit; 0 none */
	char reason[512];      /* why not enforced */
};

/* ---- pure ---- */
/* The container's project ID: [container] quota_id from its config, else its CTID. */
uint32_t quota_ct_projid(const struct ct_config *c);
/* Record [container] quota_id in c->doc (when absent) so that ctconf_save persists it. */
void quota_ct_assign(struct ct_config *c);
/* Config bytes -> quotactl 1 KiB blocks, rounded up; QUOTA_NONE -> 0 (quotactl's "no limit"). */
uint64_t quota_bytes_to_kb(uint64_t bytes);
/* Config inode count -> quotactl value; QUOTA_NONE -> 0. */
uint64_t quota_inodes_to_q(uint64_t n);
/* A quotactl limit back to ours: 0 -> QUOTA_NONE. */
uint64_t quota_from_q(uint64_t v);
/* The vzquota-style table of `cellctl quota` (malloc'd). now: for the grace column. */
char *quota_format_table(const struct quota_info *q, int64_t now);
/* The same as a JSON object (malloc'd, ending in a newline): ctid, projid, enforced, usage_from
 * ("quota", "walk", null when unknown), reason (why not enforced, else null), and blocks_kb and
 * inodes, each {used, soft, hard, over, grace_until}: null for unknown usage, for no limit and
 * for no grace period running (grace_until: its end in Unix time). */
char *quota_format_json(unsigned ctid, const struct quota_info *q);

/* ---- the filesystem ---- */
/* Describe the filesystem holding path (0, fs filled; fs->enforced tells whether limits work).
 * -errno (no cerr) when path cannot be examined at all. */
int quota_probe(const char *path, struct quota_fs *fs);
/* Set projid (and PROJINHERIT on directories) on dirfd and every inode below it: no symlink is
 * followed, other mounts are skipped, and symlinks, devices, fifos and sockets are skipped
 * because the ioctl needs a real open fd (they keep their project; new ones created in a tagged
 * directory inherit it from the kernel). *skipped counts them. 0 or -errno (no cerr). */
int quota_tag_tree(int dirfd, uint32_t projid, unsigned long *skipped);
/* The project ID and inherit flag of an open file. */
int quota_get_projid(int fd, uint32_t *projid, bool *inherit);
/* Usage by a walk (du-style). 0 or -errno (no cerr). */
int quota_walk_usage(int dirfd, uint64_t *kb, uint64_t *inodes);
/* quotactl on PRJQUOTA. Limits in 1 KiB blocks / inodes, 0 = none. fd: any fd on the filesystem
 * (quotactl_fd), or -1 to use fs->source. 0 or -errno (no cerr). */
int quota_set_limits(const struct quota_fs *fs, int fd, uint32_t projid, uint64_t bsoft_kb, uint64_t bhard_kb,
		     uint64_t isoft, uint64_t ihard);
int quota_get(const struct quota_fs *fs, int fd, uint32_t projid, struct quota_info *out);

/* ---- hooks for the container operations (errors through cerr) ---- */
/* create: dir is the (new, empty or unpacked) private area. Tags it, sets the limits from c.
 * Not enforced: warns when c has limits, returns 0. */
int quota_ct_setup(const struct gconf *g, const struct ct_config *c, const char *dir);
/* set: apply c's limits live when they differ from old's (old NULL: always). */
int quota_ct_update(const struct gconf *g, const struct ct_config *old, const struct ct_config *c);
/* start: make sure the private area carries the project ID (walks it once when not, e.g. after
 * quotas were enabled on the filesystem) and the limits match the config. Logs, never warns. */
int quota_ct_ensure(const struct gconf *g, const struct ct_config *c);
/* destroy (after the private area is gone, before the config is renamed), and create's failure
 * path: clear the entry so a new container with the same project ID starts from zero. Never
 * records an error (a failure is logged as a warning); always returns 0. */
int quota_ct_remove(const struct gconf *g, unsigned ctid);
/* Usage and limits of a container. fs: a probe of private_dir to reuse when the private area is
 * on the same filesystem (NULL: probe). 0, or cerr(QUOTA_EX_READ). A missing private area is not
 * an error: out->known is false. */
int quota_ct_info(const struct gconf *g, const struct ct_config *c, const struct quota_fs *fs, struct quota_info *out);
