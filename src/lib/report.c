/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota-report: collection, thresholds, notes and failure deltas (the renderings are in
 * report_render.c). See report.h for the formats (an API: keep them stable). */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgroup.h"
#include "error.h"
#include "log.h"
#include "quota.h"
#include "ubc.h"
#include "util.h"

#define STATE_HEADER "# cellctl quota-report state 1"
#define PAGE_BYTES 4096ull

static const char *const fail_names[REP_F_N] = {"physpages", "swappages", "numproc"};
static const char *const pct_names[REP_P_N] = {"diskspace", "diskinodes", "physpages", "swappages", "numproc"};

const char *report_fail_name(enum rep_fail f) { return f < REP_F_N ? fail_names[f] : "?"; }
const char *report_pct_name(enum rep_pct p) { return p < REP_P_N ? pct_names[p] : "?"; }
const char *report_level_name(enum rep_level l)
{
	return l == REP_CRIT ? "crit" : l == REP_WARN ? "warn" : "ok";
}

/* ---- evaluation ---- */

static double pct_of(uint64_t used, uint64_t limit)
{
	if (used == REP_NONE || limit == REP_NONE || limit == 0)
		return -1;
	return (double)used * 100.0 / (double)limit;
}

static uint64_t first_limit(uint64_t soft, uint64_t hard) { return soft != REP_NONE ? soft : hard; }

static bool at_hard(uint64_t used, uint64_t hard) { return used != REP_NONE && hard != REP_NONE && used >= hard; }
/* Disk blocks: the filesystem refuses the write that would cross the hard limit, so a full
 * container stops a little short of it (a partial last write, block rounding). Within 1% of
 * the hard limit (at least one 4 KiB block) counts as at it. */
static bool at_hard_kb(uint64_t used, uint64_t hard)
{
	if (used == REP_NONE || hard == REP_NONE)
		return false;
	uint64_t slack = hard / 100 > 4 ? hard / 100 : 4;
	return used + slack >= hard;
}

static bool any_delta(const struct rep_ct *c)
{
	for (int f = 0; f < REP_F_N; f++)
		if (c->has_deltas && c->fail_delta[f])
			return true;
	return false;
}

int report_evaluate(struct rep_ct *cts, size_t n, const struct rep_opts *o)
{
	int status = REP_OK;
	for (size_t i = 0; i < n; i++) {
		struct rep_ct *c = &cts[i];
		for (int p = 0; p < REP_P_N; p++)
			c->pct[p] = -1;
		if (c->disk_known) {
			c->pct[REP_P_DISK] = pct_of(c->disk_used_kb, first_limit(c->disk_soft_kb, c->disk_hard_kb));
			c->pct[REP_P_INODES] = pct_of(c->ino_used, first_limit(c->ino_soft, c->ino_hard));
		}
		if (c->running) {
			c->pct[REP_P_MEM] = pct_of(c->mem.held, c->mem.limit);
			c->pct[REP_P_SWAP] = pct_of(c->swap.held, c->swap.limit);
			c->pct[REP_P_NPROC] = pct_of(c->nproc.held, c->nproc.limit);
		}
		c->worst = -1;
		for (int p = 0; p < REP_P_N; p++)
			if (c->pct[p] >= 0 && (c->worst < 0 || c->pct[p] > c->pct[c->worst]))
				c->worst = p;
		double w = c->worst >= 0 ? c->pct[c->worst] : -1;
		c->level = REP_OK;
		if ((w >= 0 && w >= o->warn) || any_delta(c))
			c->level = REP_WARN;
		if ((o->crit >= 0 && w >= 0 && w >= o->crit) ||
		    (c->disk_known && (at_hard_kb(c->disk_used_kb, c->disk_hard_kb) || at_hard(c->ino_used, c->ino_hard))))
			c->level = REP_CRIT;
		if ((int)c->level > status)
			status = (int)c->level;
	}
	return status;
}

static int cmp_ct(const void *a, const void *b)
{
	const struct rep_ct *x = a, *y = b;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	double wx = x->worst >= 0 ? x->pct[x->worst] : -1, wy = y->worst >= 0 ? y->pct[y->worst] : -1;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return x->ctid < y->ctid ? -1 : x->ctid > y->ctid;
}

void report_sort(struct rep_ct *cts, size_t n)
{
	if (n > 1)
		qsort(cts, n, sizeof(*cts), cmp_ct);
}

/* ---- state file ---- */

void report_state_free(struct rep_state *st)
{
	free(st->e);
	st->e = NULL;
	st->n = 0;
}

static struct rep_state_entry *state_find(const struct rep_state *st, unsigned ctid)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->e[i].ctid == ctid)
			return &st->e[i];
	return NULL;
}

void report_state_parse(const char *text, struct rep_state *st)
{
	st->status = REP_STATE_CORRUPT;
	st->e = NULL;
	st->n = 0;
	if (!text || strncmp(text, STATE_HEADER "\n", strlen(STATE_HEADER) + 1) != 0)
		return;
	size_t cap = 0;
	_cleanup_free_ char *copy = xstrdup(text + strlen(STATE_HEADER) + 1);
	for (char *line = copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (!next) /* a last line without its newline: a torn write */
			goto bad;
		*next++ = 0;
		char name[32], extra[2];
		unsigned ctid;
		uint64_t v;
		if (sscanf(line, "%u %31s %" SCNu64 " %1s", &ctid, name, &v, extra) != 3 || ctid < CTID_MIN || ctid > CTID_MAX)
			goto bad;
		/* digits only: sscanf would take "-1" */
		const char *num = strrchr(line, ' ');
		if (!num || strspn(num + 1, "0123456789") != strlen(num + 1))
			goto bad;
		int f = -1;
		for (int k = 0; k < REP_F_N; k++)
			if (!strcmp(name, fail_names[k]))
				f = k;
		if (f < 0)
			goto bad;
		struct rep_state_entry *e = state_find(st, ctid);
		if (!e) {
			if (st->n == cap) {
				cap = cap ? cap * 2 : 64;
				st->e = xrealloc(st->e, cap * sizeof(*st->e));
			}
			e = &st->e[st->n++];
			memset(e, 0, sizeof(*e));
			e->ctid = ctid;
		}
		e->f[f] = v;
	}
	st->status = REP_STATE_OK;
	return;
bad:
	report_state_free(st);
	st->status = REP_STATE_CORRUPT;
}

void report_state_load(const char *path, struct rep_state *st)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, path, &text, NULL);
	if (r == -ENOENT) {
		st->status = REP_STATE_MISSING;
		st->e = NULL;
		st->n = 0;
		return;
	}
	report_state_parse(r < 0 ? NULL : text, st);
}

static bool in_run(const struct rep_ct *cts, size_t n, unsigned ctid)
{
	for (size_t i = 0; i < n; i++)
		if (cts[i].ctid == ctid)
			return true;
	return false;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct rep_state_entry *x = a, *y = b;
	return x->ctid < y->ctid ? -1 : x->ctid > y->ctid;
}

char *report_state_format(const struct rep_ct *cts, size_t n, const struct rep_state *prev)
{
	size_t ne = 0;
	struct rep_state_entry *e = xcalloc(n + (prev ? prev->n : 0) + 1, sizeof(*e));
	for (size_t i = 0; prev && prev->status == REP_STATE_OK && i < prev->n; i++)
		if (!in_run(cts, n, prev->e[i].ctid))
			e[ne++] = prev->e[i];
	for (size_t i = 0; i < n; i++) {
		if (!cts[i].running)
			continue;
		e[ne].ctid = cts[i].ctid;
		e[ne].f[REP_F_PHYSPAGES] = cts[i].mem.failcnt;
		e[ne].f[REP_F_SWAPPAGES] = cts[i].swap.failcnt;
		e[ne].f[REP_F_NUMPROC] = cts[i].nproc.failcnt;
		ne++;
	}
	qsort(e, ne, sizeof(*e), cmp_entry);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	fprintf(f, "%s\n", STATE_HEADER);
	for (size_t i = 0; i < ne; i++)
		for (int k = 0; k < REP_F_N; k++)
			if (e[i].f[k] != REP_NONE)
				fprintf(f, "%u %s %" PRIu64 "\n", e[i].ctid, fail_names[k], e[i].f[k]);
	fclose(f);
	free(e);
	return out;
}

void report_deltas(struct rep_ct *cts, size_t n, const struct rep_state *prev)
{
	for (size_t i = 0; i < n; i++) {
		struct rep_ct *c = &cts[i];
		memset(c->fail_delta, 0, sizeof(c->fail_delta));
		c->has_deltas = prev && prev->status == REP_STATE_OK;
		if (!c->has_deltas || !c->running)
			continue;
		const struct rep_state_entry *e = state_find(prev, c->ctid);
		const uint64_t cur[REP_F_N] = {c->mem.failcnt, c->swap.failcnt, c->nproc.failcnt};
		for (int k = 0; k < REP_F_N; k++) {
			if (cur[k] == REP_NONE)
				continue;
			uint64_t before = e ? e->f[k] : 0;
			c->fail_delta[k] = cur[k] >= before ? cur[k] - before : cur[k]; /* lower: a reset */
		}
	}
}

/* ---- notes ---- */

size_t report_notes(const struct rep_ct *c, const struct rep_opts *o, char notes[REP_NOTES_MAX][REP_NOTE_LEN])
{
	size_t n = 0;
#define NOTE(...)                                                                                                      \
	do {                                                                                                           \
		if (n < REP_NOTES_MAX)                                                                                 \
			snprintf(notes[n++], REP_NOTE_LEN, __VA_ARGS__);                                               \
	} while (0)
	if (c->disk_known) {
		if (at_hard_kb(c->disk_used_kb, c->disk_hard_kb))
			NOTE("disk space at hard limit");
		else if (c->disk_soft_kb != REP_NONE && c->disk_used_kb > c->disk_soft_kb)
			NOTE("disk space over soft limit");
		if (at_hard(c->ino_used, c->ino_hard))
			NOTE("inodes at hard limit");
		else if (c->ino_soft != REP_NONE && c->ino_used > c->ino_soft)
			NOTE("inodes over soft limit");
		bool limited = c->disk_soft_kb != REP_NONE || c->disk_hard_kb != REP_NONE || c->ino_soft != REP_NONE ||
			       c->ino_hard != REP_NONE;
		if (!c->disk_enforced && limited)
			NOTE("disk quota not enforced");
	} else {
		NOTE("no private area");
	}
	for (int p = REP_P_MEM; p < REP_P_N; p++)
		if (c->pct[p] >= 0 && c->pct[p] >= o->warn)
			NOTE("%s at %" PRIu64 "%% of its limit", pct_names[p], (uint64_t)c->pct[p]);
	if (c->has_deltas)
		for (int k = 0; k < REP_F_N; k++)
			if (c->fail_delta[k])
				NOTE("%s failcnt +%" PRIu64, fail_names[k], c->fail_delta[k]);
#undef NOTE
	return n;
}

/* ---- collection ---- */

static uint64_t stat_or_none(uint64_t v, uint64_t mult)
{
	if (v == CG_STAT_NONE || v == CG_STAT_UNLIMITED)
		return REP_NONE;
	return v * mult;
}

static void collect_running(const struct gconf *g, struct rep_ct *c)
{
	struct ubc_ct u;
	struct cerr_saved es;
	cerr_save(&es);
	int r = ubc_collect(g, c->ctid, &u);
	cerr_restore(&es); /* stopped (or stopped meanwhile): disk only */
	if (r < 0)
		return;
	c->running = true;
	const struct cg_stat *s = u.st;
	c->mem = (struct rep_res){stat_or_none(s[CG_RES_PHYSPAGES].held, PAGE_BYTES),
				  stat_or_none(s[CG_RES_PHYSPAGES].limit, PAGE_BYTES),
				  stat_or_none(s[CG_RES_PHYSPAGES].failcnt, 1)};
	c->swap = (struct rep_res){stat_or_none(s[CG_RES_SWAPPAGES].held, PAGE_BYTES),
				   stat_or_none(s[CG_RES_SWAPPAGES].limit, PAGE_BYTES),
				   stat_or_none(s[CG_RES_SWAPPAGES].failcnt, 1)};
	c->nproc = (struct rep_res){stat_or_none(s[CG_RES_NUMPROC].held, 1), stat_or_none(s[CG_RES_NUMPROC].limit, 1),
				    stat_or_none(s[CG_RES_NUMPROC].failcnt, 1)};
	c->cpu_usec = stat_or_none(s[CG_RES_CPUTIME].held, 1);
	c->io_bytes = stat_or_none(s[CG_RES_IOBYTES].held, 1);
}

/* The counters of each interface whose host side is there. */
static void collect_net(const struct gconf *g, struct rep_ct *c, const struct ct_config *cf)
{
	for (unsigned i = 0; i < cf->nnetif && c->nnet < MAX_NETIF; i++) {
		struct rep_net *n = &c->net[c->nnet];
		snprintf(n->ifname, sizeof(n->ifname), "%s", cf->netif[i].ifname);
		int r = ifstat_read(g, cf, n->ifname, n->v);
		if (r == 0)
			c->nnet++;
		else if (r != -ENODEV)
			log_warn("quota-report: container %u: counters of %s: %s", c->ctid, n->ifname, strerror(-r));
	}
}

struct collect {
	const struct gconf *g;
	struct quota_fs *fsp;
	bool named; /* containers named by the caller: any failure is the answer */
	struct rep_ct *cts;
	size_t nc, cap;
};

/* One more container, with its config cf (freed here). */
static int collect_one(struct collect *x, unsigned ctid, struct ct_config *cf)
{
	if (x->nc == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->cts = xrealloc(x->cts, (x->cap + 1) * sizeof(*x->cts));
	}
	struct rep_ct *c = &x->cts[x->nc];
	memset(c, 0, sizeof(*c));
	c->ctid = ctid;
	c->mem = c->swap = c->nproc = (struct rep_res){REP_NONE, REP_NONE, REP_NONE};
	c->cpu_usec = c->io_bytes = REP_NONE;
	struct quota_info q;
	int r = quota_ct_info(x->g, cf, x->fsp, &q);
	if (r < 0) {
		if (x->named) {
			ctconf_free(cf);
			return r;
		}
		log_warn("quota-report: container %u: %s", ctid, cerr_msg() ? cerr_msg() : strerror(-r));
		cerr_clear();
	}
	c->disk_known = r == 0 && q.known;
	c->disk_enforced = r == 0 && q.enforced;
	c->disk_from_quota = r == 0 && q.from_quota;
	snprintf(c->disk_reason, sizeof(c->disk_reason), "%.255s", r == 0 ? q.reason : "");
	c->disk_used_kb = q.used_kb;
	c->ino_used = q.used_inodes;
	c->disk_soft_kb = q.bsoft_kb;
	c->disk_hard_kb = q.bhard_kb;
	c->ino_soft = q.isoft;
	c->ino_hard = q.ihard;
	collect_running(x->g, c);
	if (c->running)
		collect_net(x->g, c, cf);
	ctconf_free(cf);
	x->nc++;
	return 0;
}

static int collect_each(unsigned ctid, struct ct_config **cf, void *arg)
{
	if (!*cf) {
		log_warn("quota-report: skipping container %u: %s", ctid,
			 cerr_msg() ? cerr_msg() : "its config does not load");
		return 0;
	}
	struct ct_config *c = *cf;
	*cf = NULL; /* collect_one frees it */
	return collect_one(arg, ctid, c);
}

int report_collect(const struct gconf *g, const unsigned *ids, size_t n, struct rep_ct **out, size_t *nout)
{
	struct quota_fs fs;
	struct collect x = {.g = g, .named = n > 0};
	if (quota_probe(g->private_dir, &fs) == 0)
		x.fsp = &fs;
	int r = 0;
	if (!x.named) {
		r = ctconf_foreach(g, CTCONF_EACH_BROKEN, collect_each, &x);
	} else {
		for (size_t i = 0; i < n && r == 0; i++) {
			struct ct_config *cf = NULL;
			if ((r = ctconf_load(g, ids[i], &cf)) == 0)
				r = collect_one(&x, ids[i], cf);
		}
	}
	if (r < 0) {
		free(x.cts);
		return r;
	}
	*out = x.cts ? x.cts : xcalloc(1, sizeof(*x.cts));
	*nout = x.nc;
	return 0;
}
