/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idshift.h"

#include <errno.h>

int idshift_add(struct idshift *m, uint32_t from, uint32_t to, uint32_t size)
{
	if (m->n >= IDSHIFT_MAX_RANGES || size == 0 || (uint64_t)from + size > UINT64_C(1) << 32 ||
	    (uint64_t)to + size > UINT64_C(1) << 32)
		return -EINVAL;
	m->r[m->n].from = from;
	m->r[m->n].to = to;
	m->r[m->n].size = size;
	m->n++;
	return 0;
}

bool idshift_moves(const struct idshift *m)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].from != m->r[i].to)
			return true;
	return false;
}

uint32_t idshift_id(const struct idshift *m, uint32_t id)
{
	for (unsigned i = 0; i < m->n; i++)
		if (id >= m->r[i].from && id - m->r[i].from < m->r[i].size)
			return m->r[i].to + (id - m->r[i].from);
	return id;
}



int idshift_fcaps(const struct idshift *m, unsigned char *v, size_t size, bool *changed)
{
	*changed = false;
	if (size < 4)
		return -EINVAL;
	uint32_t rev = le32_get(v) & VFS_CAP_REV_MASK;
	if ((rev == VFS_CAP_REV1 && size == VFS_CAP_SZ1) || (rev == VFS_CAP_REV2 && size == VFS_CAP_SZ2))
		return 0;
	if (rev != VFS_CAP_REV3 || size != VFS_CAP_SZ3)
		return -EINVAL;
	uint32_t root = le32_get(v + 20), nroot = idshift_id(m, root);
	if (nroot != root) {
		le32_put(v + 20, nroot);
		*changed = true;
	}
	return 0;
}

#define PACL_VERSION 2u
#define PACL_USER 0x02u
#define PACL_GROUP 0x08u

int idshift_acl(const struct idshift *m, unsigned char *v, size_t size, bool *changed)
{
	*changed = false;
	if (size < 4 || (size - 4) % 8 != 0 || le32_get(v) != PACL_VERSION)
		return -EINVAL;
	for (size_t off = 4; off < size; off += 8) {
		unsigned tag = (unsigned)v[off] | (unsigned)v[off + 1] << 8;
		if (tag != PACL_USER && tag != PACL_GROUP)
			continue;
		uint32_t id = le32_get(v + off + 4), nid = idshift_id(m, id);
		if (nid != id) {
			le32_put(v + off + 4, nid);
			*changed = true;
		}
	}
	return 0;
}
