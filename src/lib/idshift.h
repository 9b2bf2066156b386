/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Owner ids moved between layouts (pure): a container's ids are container-relative on disk
 * ([0, size): the template trees) or shifted into its block ([base, base + size): a private copy
 * or an overlay's upper layer of a container with a user namespace). A mapping is up to two
 * ranges, each moving [from, from + size) to [to, to + size): e.g. a flatten maps [0, size) to
 * base and keeps [base, base + size); a clone maps [old_base, old_base + size) to new_base. An id
 * in no range is left alone (overflowuid 65534 of a tree made elsewhere, the host's own ids in a
 * container without a user namespace): nothing outside the ranges is guessed at. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* security.capability values (linux/capability.h's vfs layout): magic_etc, 2 x (permitted,
 * inheritable), and for revision 3 the root id, all little-endian 32-bit words. */
#define VFS_CAP_REV_MASK 0xFF000000u
#define VFS_CAP_REV1 0x01000000u
#define VFS_CAP_REV2 0x02000000u
#define VFS_CAP_REV3 0x03000000u
#define VFS_CAP_SZ1 12
#define VFS_CAP_SZ2 20
#define VFS_CAP_SZ3 24

static inline uint32_t le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void le32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

#define IDSHIFT_MAX_RANGES 2

struct idshift {
	unsigned n;
	struct {
		uint32_t from, to, size;
	} r[IDSHIFT_MAX_RANGES];
};

/* Add the range [from, from + size) -> [to, to + size) to m (zero-initialised first). The first
 * range that holds an id maps it. -EINVAL when m is full, size is 0 or a range passes 2^32. */
int idshift_add(struct idshift *m, uint32_t from, uint32_t to, uint32_t size);
/* Does m move any id at all (some range with from != to)? */
bool idshift_moves(const struct idshift *m);
/* id through m (unchanged when no range holds it). */
uint32_t idshift_id(const struct idshift *m, uint32_t id);

/* Rewrite the security.capability value v (size bytes) in place for a tree moved through m: a
 * revision 3 value's rootid is mapped (it is a host uid: it moves with the tree); revision 1 and
 * 2 values (no rootid: root of every namespace) are left as they are. *changed says whether v was
 * changed. -EINVAL for a malformed value (unknown revision or a size that does not fit it). */
int idshift_fcaps(const struct idshift *m, unsigned char *v, size_t size, bool *changed);
/* The same for a raw POSIX ACL xattr value (system.posix_acl_access / _default: version 2, then
 * {u16 tag, u16 perm, u32 id}): the ids of the named user and group entries are mapped. */
int idshift_acl(const struct idshift *m, unsigned char *v, size_t size, bool *changed);
