/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A migration's pre-copy, the pure part (precopy.h): the first pass's records, the token. */
#include "precopy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int by_ino(const void *a, const void *b)
{
	const struct pc_record *x = a, *y = b;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int pc_records_load(struct tpl_precopy *pc, const void *buf, size_t len)
{
	if (len % sizeof(struct pc_record))
		return -EINVAL;
	size_t n = len / sizeof(struct pc_record);
	pc->rec = xrealloc(pc->rec, (pc->nrec + n) * sizeof(*pc->rec));
	memcpy(pc->rec + pc->nrec, buf, len);
	pc->nrec += n;
	qsort(pc->rec, pc->nrec, sizeof(*pc->rec), by_ino);
	/* one record per inode: a repeated one (the sender never repeats one) is not trusted at all */
	size_t w = 0;
	for (size_t i = 0; i < pc->nrec;) {
		size_t j = i + 1;
		while (j < pc->nrec && pc->rec[j].ino == pc->rec[i].ino)
			j++;
		if (j == i + 1)
			pc->rec[w++] = pc->rec[i];
		i = j;
	}
	pc->nrec = w;
	return 0;
}

const struct pc_record *pc_record_find(const struct tpl_precopy *pc, uint64_t ino)
{
	struct pc_record key = {.ino = ino};
	return pc->nrec ? bsearch(&key, pc->rec, pc->nrec, sizeof(*pc->rec), by_ino) : NULL;
}

void pc_records_free(struct tpl_precopy *pc)
{
	free(pc->rec);
	pc->rec = NULL;
	pc->nrec = 0;
	inoset_free(&pc->used);
}

bool pc_token_ok(const char *s) { return s && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32; }
