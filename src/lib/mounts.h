/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's filesystem view (DESIGN.md §4).
 *
 * The tree is built by a helper that is root in the host's user namespace, in a mount namespace
 * the host's user namespace owns, while it sits in the container's pid, net and cgroup
 * namespaces (so /proc, /sys and /sys/fs/cgroup are the container's). A copy of that namespace
 * made from inside the container's user namespace is what init gets: the kernel locks every
 * mount of such a copy (MNT_LOCKED and the MNT_LOCK_* flags), so root inside can neither unmount
 * the masks nor reveal what they cover. See spawn.c for the sequence. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"

struct mnt_opts {
	const char *root; /* absolute path of the private area */
	bool userns;
	enum cg_mode cgmode;
	uid_t uid; /* the container's root on the host (uid_base, or 0 without a user namespace) */
	gid_t gid;
	bool nesting; /* leave the /proc masks and the boot id to mnt_late_masks (unlocked) */
	const char *tree; /* layout overlay: the template tree under the private area's upper layer */
	const char *lxcfs; /* the live lxcfs's mount point to bind its files from, or NULL */
	int userns_fd;    /* with a user namespace, layout overlay or ownership mapped: the container's (idmaps the
			   tree, or the private area), else -1 */
	const char *const *lowers; /* layout overlay over a layer template: the trees below o->tree, nearest first */
	unsigned nlowers;
	bool rdonly; /* o->tree (and lowers) only, no upper layer: a read-only overlay (at least 2 trees) */
};

/* The most trees an overlay stack of mnt_bind_root takes (tpltree.h: TPL_LAYERS_MAX). */
#define MNT_LOWERS_MAX 8u
/* overlayfs's lowerdir value for dirs (n of them, the top first): joined with ':', each ':', ','
 * and '\\' in a name escaped with a backslash (malloc'd). NULL for no dirs, more than
 * MNT_LOWERS_MAX, or an empty name. Pure. */
char *mnt_lowerdir(const char *const *dirs, unsigned n);

/* Step 1 (in a fresh mount namespace): make every mount private, bind the private area onto
 * itself, then chdir into it. Layout overlay (o->tree): bind the tree read-only onto the private
 * area's lower/ (idmapped through o->userns_fd when >= 0: the tree's container-relative ids appear
 * as the container's host ids), and each of o->lowers the same way onto lower.1/, lower.2/ ...
 * (made when missing), mount an overlayfs of them (lowerdir=lower:lower.1:...) under upper/
 * (work/) on root/, and chdir into that; o->rdonly: no upper, a read-only overlay. Ownership mapped (no o->tree, o->userns_fd >= 0): the private area is bound onto itself
 * idmapped through o->userns_fd (its container-relative ids appear as the block's host ids); the
 * mount points proc, sys and dev are made on disk first when missing (owned by 0). cerr
 * EX_CANTMOUNT, saying when the filesystem cannot be idmapped. */
int mnt_bind_root(const struct mnt_opts *o);
/* Step 2 (cwd is the new root): /proc (read-only sys, masked files), /sys read-only, cgroup2,
 * /dev tmpfs with the basic nodes, devpts, console (master returned), /dev/shm, /run with
 * /run/host/container-manager, and an sd_notify socket bound at /run/host/notify (*notify_fd,
 * -1 when the guest has no /run); with o->lxcfs, lxcfs's files over /proc's and /sys's (lxcfs.h). What it creates belongs to the container's root (o->uid). */
int mnt_populate(const struct mnt_opts *o, int *console_master, int *notify_fd);
/* Step 3: pivot_root into cwd and detach the old root. */
int mnt_pivot(void);
/* In init, after mnt_enter, for [security] nesting: the /proc masks and the boot id, made in the
 * container's own mount namespace, so not locked: containers nested in the guest can then mount
 * a procfs of their own (and root inside can unmount the masks). */
int mnt_late_masks(void);
/* In init: join the mount namespace nsfd, make rootfd (a directory of that namespace) the root
 * and cwd, and make / shared again. */
int mnt_enter(int nsfd, int rootfd);
