/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Beancounters: per-container statistics from the cgroup counters (cg_ops.stats), rendered as a
 * /proc/user_beancounters-style table or JSON, and the list -o fields with vzlist's suffixes.
 *
 * Rows and units (see cgroup.h enum cg_res): physpages and swappages in 4 KiB pages, numproc in
 * tasks, cputime in microseconds (limit: cap in percent of one CPU), iobytes in bytes and ioops
 * in operations (limit: the io.max / blkio.throttle rate per second). "unlimited" is
 * 9223372036854775807. A counter the kernel or cgroup mode does not have is "-" in the table
 * and in list, null in JSON. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "config.h"

struct ubc_ct {
	unsigned ctid;
	struct cg_stat st[CG_RES_N];
};

/* Statistics of a running container. Records cerr(EX_NOTRUNNING) and returns -ESRCH when it is
 * not running (or stopped while being read). */
int ubc_collect(const struct gconf *g, unsigned ctid, struct ubc_ct *out);

/* The table: "Version: 2.5", the header, then one block of rows per container (uid = CTID,
 * right-aligned with ':' on the first row). Returns a malloc'd string. */
char *ubc_format_table(const struct ubc_ct *cts, size_t n);
/* JSON: [{"ctid": N, "resources": {"physpages": {"held": N, "maxheld": N, "barrier": N,
 * "limit": N, "failcnt": N}, "swappages": {...}, "numproc": {...}, "cputime": {...},
 * "iobytes": {...}, "ioops": {...}}}, ...]; a missing counter is null. malloc'd string. */
char *ubc_format_json(const struct ubc_ct *cts, size_t n);

/* The five columns, in table order. */
enum ubc_col { UBC_HELD, UBC_MAXHELD, UBC_BARRIER, UBC_LIMIT, UBC_FAILCNT, UBC_NCOL };
uint64_t ubc_col_value(const struct cg_stat *s, enum ubc_col c);
/* A list -o field: "physpages" (held), "physpages.m" (maxheld), ".b" barrier, ".l" limit,
 * ".f" failcnt; the same for every row name. false when name is no beancounter field. */
bool ubc_field_parse(const char *name, enum cg_res *res, enum ubc_col *col);
/* A value as text: digits, or "-" for CG_STAT_NONE. */
void ubc_value_str(uint64_t v, char *buf, size_t len);
