/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota-report: one pass over every container (stopped ones too) collecting disk quota usage and
 * the beancounter counters, threshold evaluation, failure deltas against a small state file
 * (vzubc -r style), and rendering as text, JSON or the Prometheus text exposition format.
 * Everything but report_collect and the state file I/O is pure (unit-tested).
 *
 * Levels and the exit status (the worst level over all containers):
 *   0 ok    every percentage under --warn
 *   1 warn  a percentage at or over --warn (default 90), or a fail counter rose since the last run
 *   2 crit  a percentage at or over --crit (default: none), or disk blocks/inodes at or over
 *           their hard limit (writes fail there)
 * A percentage is usage over the limit that bites first: the soft limit for disk blocks and inodes
 * (the hard one when no soft is set), memory.max for RAM, memory.swap.max for swap, pids.max for
 * numproc. Unlimited resources have no percentage. Disk limits that the filesystem does not
 * enforce still count (usage from a walk against the configured limits), and say "not enforced".
 *
 * The JSON document (version 1; keys are an API, new keys may be added, none removed):
 *   {"version": 1, "generated": UNIX_TIME, "warn_pct": N, "crit_pct": N|null, "status": 0|1|2,
 *    "deltas": "ok"|"no-previous-state"|"corrupt-state",
 *    "containers": [{"ctid": N, "state": "running"|"stopped", "level": "ok"|"warn"|"crit",
 *      "worst_pct": X|null, "worst": "diskspace"|"diskinodes"|"physpages"|"swappages"|"numproc"|null,
 *      "disk": {"enforced": BOOL, "usage_from": "quota"|"walk"|null, "reason": S|null,
 *               "blocks_kb": {"used": N|null, "soft": N|null, "hard": N|null, "percent": X|null},
 *               "inodes":    {"used": ..., "soft": ..., "hard": ..., "percent": ...}},
 *      "memory_bytes": {"held": N|null, "limit": N|null, "failcnt": N|null, "percent": X|null},
 *      "swap_bytes": {same}, "numproc": {same},
 *      "cpu_usec": N|null, "io_bytes": N|null,
 *      "net": [{"ifname": S, "in_bytes": N, "in_packets": N, "in_drops": N, "out_bytes": N,
 *               "out_packets": N, "out_drops": N, "spoof_drops": N}, ...] | null (stopped),
 *      "new_failures": {"physpages": N, "swappages": N, "numproc": N} | null (no previous state),
 *      "notes": [S, ...]}, ...]}
 *   null: unknown (stopped container, missing counter) or unlimited. Containers are in report
 *   order: offenders first (crit, then warn), then by worst percentage, then by CTID.
 *
 * The state file: "# cellctl quota-report state 1" then lines "CTID RESOURCE FAILCNT" for the
 * running containers of the last run (entries of containers not in this run are kept). A counter
 * lower than the stored one was reset (the container restarted): all of it counts as new. A
 * container without an entry counts from 0. A missing or corrupt file gives no deltas at all,
 * and is rewritten. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ifstats.h"

#define REP_NONE UINT64_MAX

enum rep_level { REP_OK = 0, REP_WARN = 1, REP_CRIT = 2 };
enum rep_format { REP_TEXT, REP_JSON, REP_PROM };
/* Fail counters with deltas, named as the beancounter rows. */
enum rep_fail { REP_F_PHYSPAGES, REP_F_SWAPPAGES, REP_F_NUMPROC, REP_F_N };
/* The resources with a percentage. */
enum rep_pct { REP_P_DISK, REP_P_INODES, REP_P_MEM, REP_P_SWAP, REP_P_NPROC, REP_P_N };
enum rep_state_status { REP_STATE_OK, REP_STATE_MISSING, REP_STATE_CORRUPT };

/* held/limit/failcnt; REP_NONE when unknown or unlimited (limit). */
struct rep_res {
	uint64_t held, limit, failcnt;
};

struct rep_ct {
	unsigned ctid;
	bool running;
	/* disk (1 KiB blocks, inodes); limits REP_NONE when unlimited */
	bool disk_known, disk_enforced, disk_from_quota;
	char disk_reason[256];
	uint64_t disk_used_kb, disk_soft_kb, disk_hard_kb;
	uint64_t ino_used, ino_soft, ino_hard;
	/* running containers only: memory and swap in bytes, numproc in tasks */
	struct rep_res mem, swap, nproc;
	uint64_t cpu_usec, io_bytes;
	/* running containers only: each interface's counters (ifstats.h) */
	unsigned nnet;
	struct rep_net {
		char ifname[16];
		uint64_t v[IFS_N];
	} net[MAX_NETIF];
	/* filled by report_deltas */
	bool has_deltas;
	uint64_t fail_delta[REP_F_N];
	/* filled by report_evaluate */
	double pct[REP_P_N]; /* < 0: no limit */
	int worst;           /* enum rep_pct of the worst percentage, -1 none */
	enum rep_level level;
};

struct rep_opts {
	double warn, crit; /* percent; crit < 0: none */
};

struct rep_state_entry {
	unsigned ctid;
	uint64_t f[REP_F_N];
};
struct rep_state {
	enum rep_state_status status;
	struct rep_state_entry *e;
	size_t n;
};

const char *report_fail_name(enum rep_fail f); /* "physpages", "swappages", "numproc" */
const char *report_pct_name(enum rep_pct p);   /* "diskspace", "diskinodes", "physpages", ... */
const char *report_level_name(enum rep_level l);

/* Percentages and levels of every container; returns the exit status (the worst level). */
int report_evaluate(struct rep_ct *cts, size_t n, const struct rep_opts *o);
/* Offenders first (crit, warn), then by worst percentage (descending), then CTID. */
void report_sort(struct rep_ct *cts, size_t n);

/* State file: parse (status OK, or CORRUPT with nothing kept), format the new state (this run's
 * running containers plus prev's entries for containers not in this run), and the deltas. */
void report_state_parse(const char *text, struct rep_state *st);
char *report_state_format(const struct rep_ct *cts, size_t n, const struct rep_state *prev);
void report_deltas(struct rep_ct *cts, size_t n, const struct rep_state *prev);
void report_state_free(struct rep_state *st);
/* Read path into st: a missing file is REP_STATE_MISSING, an unreadable or malformed one
 * REP_STATE_CORRUPT. Never fails. */
void report_state_load(const char *path, struct rep_state *st);

/* The notes on one evaluated container ("disk space at hard limit", "numproc at 95% of its limit",
 * "physpages failcnt +3", ...), in report order; returns how many. */
#define REP_NOTES_MAX 12
#define REP_NOTE_LEN 96
size_t report_notes(const struct rep_ct *c, const struct rep_opts *o, char notes[REP_NOTES_MAX][REP_NOTE_LEN]);

struct rep_meta {
	int64_t generated; /* Unix time */
	struct rep_opts opts;
	int status;        /* the exit status */
	enum rep_state_status state;
};
/* Render (malloc'd; report_render.c). */
char *report_render(const struct rep_ct *cts, size_t n, const struct rep_meta *m, enum rep_format f);
/* Parse a --format value; -EINVAL when unknown. */
int report_format_parse(const char *s, enum rep_format *f);

/* Collect ids (every container when n == 0 and all is true). Named containers must exist
 * (cerr EX_NOCONF); for the "all" listing a container whose config cannot be read is skipped with
 * a warning. *out is malloc'd (*nout entries). */
int report_collect(const struct gconf *g, const unsigned *ids, size_t n, struct rep_ct **out, size_t *nout);
