/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of inode numbers (open addressing, grows by doubling): the inodes a migration's pre-copy
 * met, so that each is sent once. Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inoset {
	uint64_t *slot; /* 0 marks an empty slot: inode 0 is kept apart (has_zero) */
	size_t cap, n;
	bool has_zero;
};

#define INOSET_INIT                                                                                                    \
	{                                                                                                              \
		NULL, 0, 0, false                                                                                      \
	}

/* Add ino; true when it was not there yet. Aborts when memory runs out (xmalloc's rule). */
bool inoset_add(struct inoset *s, uint64_t ino);
bool inoset_has(const struct inoset *s, uint64_t ino);
void inoset_free(struct inoset *s);
