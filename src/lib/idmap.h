/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User-id blocks of containers with a user namespace: [uid_base, uid_base + size) each. */
#pragma once
#include <stdint.h>

#include "config.h"

/* A block chosen by a create that has not written its config yet:
 * run_dir/idmap/CTID holds "BASE\n" and stays flock'd by that create. */
struct idmap_res {
	const struct gconf *g;
	int fd;
	char *path;
};
#define IDMAP_RES_INIT {.g = NULL, .fd = -1, .path = NULL}

/* Choose the lowest block at or above [userns] base that overlaps no container's recorded
 * uid_base and no live reservation, and reserve it for ctid. The global idmap lock is held only
 * while choosing: a long extraction afterwards blocks nobody. A reservation whose create died
 * (its flock is gone) is stale and removed here. cerr EX_RESOURCE when no block is left. */
int idmap_reserve(const struct gconf *g, unsigned ctid, uint32_t *base, struct idmap_res *res);
/* Drop the reservation (after the config recording the block is written, or on failure).
 * Safe on an unused one. */
void idmap_release(struct idmap_res *res);

/* A user namespace whose uid and gid maps are the one line "inside outside count" (for an idmapped
 * mount: on-disk ids [inside, inside + count) become kernel ids from outside on; any other on-disk
 * id shows as the overflow id and cannot be written). It is held by a child that exists only until
 * this returns: an O_CLOEXEC fd of it, or -1 (errno not kept). */
int idmap_userns_fd(uint32_t inside, uint32_t outside, uint32_t count);

/* Can the filesystem of dir be mounted idmapped (MOUNT_ATTR_IDMAP) through a user namespace that
 * maps 0 to base for size ids? A throwaway user namespace with that map is made (a child that
 * waits), a detached clone of dir is given the idmap, and both are dropped: nothing is mounted.
 * 1 yes; 0 no, with the reason (static text) in *why; a few hundred microseconds. */
int idmap_probe(const char *dir, uint32_t base, uint32_t size, const char **why);
