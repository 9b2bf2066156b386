/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of inode numbers (inoset.h). */
#include "inoset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t slot_of(uint64_t ino, size_t cap)
{
	/* a 64-bit mix (splitmix64's finaliser): inode numbers come in runs */
	ino ^= ino >> 30;
	ino *= 0xbf58476d1ce4e5b9ull;
	ino ^= ino >> 27;
	ino *= 0x94d049bb133111ebull;
	ino ^= ino >> 31;
	return (size_t)ino & (cap - 1);
}

static void put(uint64_t *slot, size_t cap, uint64_t ino)
{
	size_t i = slot_of(ino, cap);
	while (slot[i] && slot[i] != ino)
		i = (i + 1) & (cap - 1);
	slot[i] = ino;
}

bool inoset_has(const struct inoset *s, uint64_t ino)
{
	if (!ino)
		return s->has_zero;
	if (!s->cap)
		return false;
	for (size_t i = slot_of(ino, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == ino)
			return true;
		if (!s->slot[i])
			return false;
	}
}

bool inoset_add(struct inoset *s, uint64_t ino)
{
	if (!ino) {
		bool was = s->has_zero;
		s->has_zero = true;
		return !was;
	}
	if (inoset_has(s, ino))
		return false;
	/* at most half full */
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *slot = xmalloc(cap * sizeof(*slot));
		memset(slot, 0, cap * sizeof(*slot));
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				put(slot, cap, s->slot[i]);
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	put(s->slot, s->cap, ino);
	s->n++;
	return true;
}

void inoset_free(struct inoset *s)
{
	free(s->slot);
	*s = (struct inoset)INOSET_INIT;
}
