/* quota-report: collection, thresholds, failure deltas and the text / JSON / Prometheus
 * renderings. See report.h for the formats (an API: keep them stable). */
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

int report_format_parse(const char *s, enum rep_format *f)
{
	if (!strcmp(s, "text"))
		*f = REP_TEXT;
	else if (!strcmp(s, "json"))
		*f = REP_JSON;
	else if (!strcmp(s, "prom") || !strcmp(s, "prometheus"))
		*f = REP_PROM;
	else
		return -EINVAL;
	return 0;
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

/* ---- rendering helpers ---- */

static void human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return;
	}
	double v = (double)bytes;
	int u = -1;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	double frac = v - (double)(uint64_t)(v + 0.5);
	if (v < 10 && (frac > 0.05 || frac < -0.05))
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

static void hsize(uint64_t v, uint64_t unit, char *buf, size_t len)
{
	if (v == REP_NONE)
		snprintf(buf, len, "-");
	else
		human(v * unit, buf, len);
}

static void hcount(uint64_t v, char *buf, size_t len)
{
	if (v == REP_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void hpct(double p, char *buf, size_t len)
{
	if (p < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64 "%%", (uint64_t)p);
}

/* "used/soft:hard" with "-" for unlimited; one limit when both are equal or there is no soft one. */
static void triple(uint64_t used, uint64_t soft, uint64_t hard, void (*fmt)(uint64_t, char *, size_t), char *buf,
		   size_t len)
{
	char u[32], s[32], h[32];
	fmt(used, u, sizeof(u));
	if (soft == REP_NONE && hard == REP_NONE) {
		snprintf(buf, len, "%s", u);
		return;
	}
	fmt(soft, s, sizeof(s));
	fmt(hard, h, sizeof(h));
	if (soft == REP_NONE)
		snprintf(buf, len, "%s/%s", u, h);
	else if (soft == hard)
		snprintf(buf, len, "%s/%s", u, s);
	else
		snprintf(buf, len, "%s/%s:%s", u, s, h);
}

static void kb_fmt(uint64_t v, char *b, size_t l) { hsize(v, 1024, b, l); }
static void byte_fmt(uint64_t v, char *b, size_t l) { hsize(v, 1, b, l); }

/* Notes on one container, "; "-separated. */
static void notes(const struct rep_ct *c, const struct rep_opts *o, FILE *f, const char *sep, bool json)
{
	bool first = true;
	char b[512];
#define NOTE(...)                                                                                                      \
	do {                                                                                                           \
		snprintf(b, sizeof(b), __VA_ARGS__);                                                                   \
		if (json) {                                                                                            \
			fprintf(f, "%s\"", first ? "" : sep);                                                          \
			for (const char *q = b; *q; q++)                                                               \
				if (*q == '"' || *q == '\\')                                                           \
					fprintf(f, "\\%c", *q);                                                        \
				else if ((unsigned char)*q < 0x20)                                                     \
					fprintf(f, "\\u%04x", *q);                                                     \
				else                                                                                   \
					fputc(*q, f);                                                                  \
			fputc('"', f);                                                                                 \
		} else {                                                                                               \
			fprintf(f, "%s%s", first ? "" : sep, b);                                                       \
		}                                                                                                      \
		first = false;                                                                                         \
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
}

/* ---- text ---- */

enum { TC_CTID, TC_LEVEL, TC_STATE, TC_DISK, TC_DISKP, TC_INO, TC_INOP, TC_RAM, TC_RAMP, TC_SWAP, TC_NPROC, TC_NPROCP,
       TC_CPU, TC_IO, TC_NOTES, TC_N };
static const char *const text_head[TC_N] = {"CTID", "LEVEL", "STATE", "DISK", "DISK%", "INODES", "INODE%", "RAM", "RAM%",
					     "SWAP", "NPROC", "NPROC%", "CPU", "IO", "NOTES"};

static char *render_text(const struct rep_ct *cts, size_t n, const struct rep_meta *m)
{
	char *(*cell)[TC_N] = xcalloc(n + 1, sizeof(*cell));
	size_t w[TC_N];
	for (int k = 0; k < TC_N; k++) {
		cell[0][k] = xstrdup(text_head[k]);
		w[k] = strlen(text_head[k]);
	}
	unsigned nwarn = 0, ncrit = 0;
	for (size_t i = 0; i < n; i++) {
		const struct rep_ct *c = &cts[i];
		char **r = cell[i + 1], b[128];
		nwarn += c->level == REP_WARN;
		ncrit += c->level == REP_CRIT;
		r[TC_CTID] = xasprintf("%u", c->ctid);
		r[TC_LEVEL] = xstrdup(c->level == REP_CRIT ? "CRIT" : c->level == REP_WARN ? "WARN" : "ok");
		r[TC_STATE] = xstrdup(c->running ? "running" : "stopped");
		if (c->disk_known) {
			triple(c->disk_used_kb, c->disk_soft_kb, c->disk_hard_kb, kb_fmt, b, sizeof(b));
			r[TC_DISK] = xstrdup(b);
			triple(c->ino_used, c->ino_soft, c->ino_hard, hcount, b, sizeof(b));
			r[TC_INO] = xstrdup(b);
		} else {
			r[TC_DISK] = xstrdup("-");
			r[TC_INO] = xstrdup("-");
		}
		hpct(c->pct[REP_P_DISK], b, sizeof(b));
		r[TC_DISKP] = xstrdup(b);
		hpct(c->pct[REP_P_INODES], b, sizeof(b));
		r[TC_INOP] = xstrdup(b);
		if (c->running) {
			triple(c->mem.held, REP_NONE, c->mem.limit, byte_fmt, b, sizeof(b));
			r[TC_RAM] = xstrdup(b);
			triple(c->swap.held, REP_NONE, c->swap.limit, byte_fmt, b, sizeof(b));
			r[TC_SWAP] = xstrdup(b);
			triple(c->nproc.held, REP_NONE, c->nproc.limit, hcount, b, sizeof(b));
			r[TC_NPROC] = xstrdup(b);
			if (c->cpu_usec == REP_NONE)
				snprintf(b, sizeof(b), "-");
			else
				snprintf(b, sizeof(b), "%.1fs", (double)c->cpu_usec / 1e6);
			r[TC_CPU] = xstrdup(b);
			byte_fmt(c->io_bytes, b, sizeof(b));
			r[TC_IO] = xstrdup(b);
		} else {
			r[TC_RAM] = xstrdup("-");
			r[TC_SWAP] = xstrdup("-");
			r[TC_NPROC] = xstrdup("-");
			r[TC_CPU] = xstrdup("-");
			r[TC_IO] = xstrdup("-");
		}
		hpct(c->pct[REP_P_MEM], b, sizeof(b));
		r[TC_RAMP] = xstrdup(b);
		hpct(c->pct[REP_P_NPROC], b, sizeof(b));
		r[TC_NPROCP] = xstrdup(b);
		char *nt = NULL;
		size_t nl = 0;
		FILE *nf = open_memstream(&nt, &nl);
		if (!nf)
			abort();
		notes(c, &m->opts, nf, "; ", false);
		fclose(nf);
		r[TC_NOTES] = nt;
		for (int k = 0; k < TC_N; k++)
			if (strlen(r[k]) > w[k])
				w[k] = strlen(r[k]);
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	char crit[32] = "none";
	if (m->opts.crit >= 0)
		snprintf(crit, sizeof(crit), "%g%%", m->opts.crit);
	fprintf(f, "cellctl quota-report: %zu container%s, %u critical, %u warning (warn %g%%, crit %s)\n", n,
		n == 1 ? "" : "s", ncrit, nwarn, m->opts.warn, crit);
	for (size_t i = 0; i <= n; i++) {
		/* left: level, state, notes; right: the numbers */
		for (int k = 0; k < TC_N; k++) {
			bool left = k == TC_LEVEL || k == TC_STATE || k == TC_NOTES;
			const char *sep = k ? "  " : "";
			if (k == TC_NOTES)
				fprintf(f, "%s%s", cell[i][k][0] ? sep : "", cell[i][k]);
			else if (left)
				fprintf(f, "%s%-*s", sep, (int)w[k], cell[i][k]);
			else
				fprintf(f, "%s%*s", sep, (int)w[k], cell[i][k]);
		}
		fputc('\n', f);
	}
	if (m->state == REP_STATE_MISSING)
		fprintf(f, "failure deltas: none (no previous run recorded)\n");
	else if (m->state == REP_STATE_CORRUPT)
		fprintf(f, "failure deltas: none (the state file was unreadable; it has been rewritten)\n");
	else {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < REP_F_N; k++)
				if (cts[i].has_deltas && cts[i].fail_delta[k]) {
					if (!any)
						fprintf(f, "new failures since the last run:\n");
					any = true;
					fprintf(f, "  %u %s failcnt +%" PRIu64 "\n", cts[i].ctid, fail_names[k],
						cts[i].fail_delta[k]);
				}
		if (!any)
			fprintf(f, "new failures since the last run: none\n");
	}
	fclose(f);
	for (size_t i = 0; i <= n; i++)
		for (int k = 0; k < TC_N; k++)
			free(cell[i][k]);
	free(cell);
	return out;
}

/* ---- JSON ---- */

static void jnum(FILE *f, uint64_t v)
{
	if (v == REP_NONE)
		fputs("null", f);
	else
		fprintf(f, "%" PRIu64, v);
}

static void jpct(FILE *f, double p)
{
	if (p < 0)
		fputs("null", f);
	else
		fprintf(f, "%.2f", p);
}

static void jstr(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void jlim(FILE *f, const char *key, uint64_t used, uint64_t soft, uint64_t hard, double pct)
{
	fprintf(f, "\"%s\": {\"used\": ", key);
	jnum(f, used);
	fputs(", \"soft\": ", f);
	jnum(f, soft);
	fputs(", \"hard\": ", f);
	jnum(f, hard);
	fputs(", \"percent\": ", f);
	jpct(f, pct);
	fputc('}', f);
}

static void jres(FILE *f, const char *key, const struct rep_res *r, bool running, double pct)
{
	struct rep_res none = {REP_NONE, REP_NONE, REP_NONE};
	if (!running)
		r = &none;
	fprintf(f, "\"%s\": {\"held\": ", key);
	jnum(f, r->held);
	fputs(", \"limit\": ", f);
	jnum(f, r->limit);
	fputs(", \"failcnt\": ", f);
	jnum(f, r->failcnt);
	fputs(", \"percent\": ", f);
	jpct(f, pct);
	fputc('}', f);
}

static char *render_json(const struct rep_ct *cts, size_t n, const struct rep_meta *m)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	fprintf(f, "{\"version\": 1, \"generated\": %" PRId64 ", \"warn_pct\": %g, \"crit_pct\": ", m->generated, m->opts.warn);
	if (m->opts.crit >= 0)
		fprintf(f, "%g", m->opts.crit);
	else
		fputs("null", f);
	fprintf(f, ", \"status\": %d, \"deltas\": \"%s\",\n \"containers\": [", m->status,
		m->state == REP_STATE_OK ? "ok" : m->state == REP_STATE_MISSING ? "no-previous-state" : "corrupt-state");
	for (size_t i = 0; i < n; i++) {
		const struct rep_ct *c = &cts[i];
		fprintf(f, "%s\n  {\"ctid\": %u, \"state\": \"%s\", \"level\": \"%s\", \"worst_pct\": ", i ? "," : "", c->ctid,
			c->running ? "running" : "stopped", report_level_name(c->level));
		jpct(f, c->worst >= 0 ? c->pct[c->worst] : -1);
		fputs(", \"worst\": ", f);
		jstr(f, c->worst >= 0 ? pct_names[c->worst] : NULL);
		fprintf(f, ",\n   \"disk\": {\"enforced\": %s, \"usage_from\": ", c->disk_enforced ? "true" : "false");
		jstr(f, !c->disk_known ? NULL : c->disk_from_quota ? "quota" : "walk");
		fputs(", \"reason\": ", f);
		jstr(f, c->disk_enforced || !c->disk_reason[0] ? NULL : c->disk_reason);
		fputs(",\n    ", f);
		uint64_t du = c->disk_known ? c->disk_used_kb : REP_NONE, iu = c->disk_known ? c->ino_used : REP_NONE;
		jlim(f, "blocks_kb", du, c->disk_soft_kb, c->disk_hard_kb, c->pct[REP_P_DISK]);
		fputs(",\n    ", f);
		jlim(f, "inodes", iu, c->ino_soft, c->ino_hard, c->pct[REP_P_INODES]);
		fputs("},\n   ", f);
		jres(f, "memory_bytes", &c->mem, c->running, c->pct[REP_P_MEM]);
		fputs(",\n   ", f);
		jres(f, "swap_bytes", &c->swap, c->running, c->pct[REP_P_SWAP]);
		fputs(",\n   ", f);
		jres(f, "numproc", &c->nproc, c->running, c->pct[REP_P_NPROC]);
		fputs(",\n   \"cpu_usec\": ", f);
		jnum(f, c->running ? c->cpu_usec : REP_NONE);
		fputs(", \"io_bytes\": ", f);
		jnum(f, c->running ? c->io_bytes : REP_NONE);
		fputs(",\n   \"new_failures\": ", f);
		if (c->has_deltas) {
			fputc('{', f);
			for (int k = 0; k < REP_F_N; k++)
				fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", fail_names[k], c->fail_delta[k]);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputs(",\n   \"notes\": [", f);
		notes(c, &m->opts, f, ", ", true);
		fputs("]}", f);
	}
	fprintf(f, "%s]}\n", n ? "\n " : "");
	fclose(f);
	return out;
}

/* ---- Prometheus text exposition format ---- */

enum pv_kind { PV_U64, PV_SECONDS };
struct prom_metric {
	const char *name, *type, *help;
	/* value of container c; false when it has none */
	bool (*get)(const struct rep_ct *c, uint64_t *v);
	enum pv_kind kind;
};

#define G(fn, expr)                                                                                                    \
	static bool fn(const struct rep_ct *c, uint64_t *v)                                                            \
	{                                                                                                              \
		uint64_t x = (expr);                                                                                   \
		*v = x;                                                                                                \
		return x != REP_NONE;                                                                                  \
	}
static uint64_t kb_bytes(uint64_t kb) { return kb == REP_NONE ? REP_NONE : kb * 1024; }
static uint64_t run_only(const struct rep_ct *c, uint64_t v) { return c->running ? v : REP_NONE; }
G(pm_running, c->running ? 1 : 0)
G(pm_level, (uint64_t)c->level)
G(pm_disk_used, c->disk_known ? kb_bytes(c->disk_used_kb) : REP_NONE)
G(pm_disk_soft, kb_bytes(c->disk_soft_kb))
G(pm_disk_hard, kb_bytes(c->disk_hard_kb))
G(pm_disk_enf, c->disk_enforced ? 1 : 0)
G(pm_ino_used, c->disk_known ? c->ino_used : REP_NONE)
G(pm_ino_soft, c->ino_soft)
G(pm_ino_hard, c->ino_hard)
G(pm_mem, run_only(c, c->mem.held))
G(pm_mem_lim, run_only(c, c->mem.limit))
G(pm_mem_fail, run_only(c, c->mem.failcnt))
G(pm_swap, run_only(c, c->swap.held))
G(pm_swap_lim, run_only(c, c->swap.limit))
G(pm_swap_fail, run_only(c, c->swap.failcnt))
G(pm_np, run_only(c, c->nproc.held))
G(pm_np_lim, run_only(c, c->nproc.limit))
G(pm_np_fail, run_only(c, c->nproc.failcnt))
G(pm_cpu, run_only(c, c->cpu_usec))
G(pm_io, run_only(c, c->io_bytes))
#undef G

static const struct prom_metric prom_metrics[] = {
	{"cellctl_container_running", "gauge", "1 when the container is running, 0 when it is stopped.", pm_running, PV_U64},
	{"cellctl_quota_level", "gauge", "Report level of the container: 0 ok, 1 warn, 2 crit.", pm_level, PV_U64},
	{"cellctl_disk_used_bytes", "gauge", "Disk space used by the container's private area.", pm_disk_used, PV_U64},
	{"cellctl_disk_soft_limit_bytes", "gauge", "Disk space soft limit (absent when unlimited).", pm_disk_soft, PV_U64},
	{"cellctl_disk_hard_limit_bytes", "gauge", "Disk space hard limit (absent when unlimited).", pm_disk_hard, PV_U64},
	{"cellctl_disk_quota_enforced", "gauge", "1 when the filesystem enforces the disk limits, 0 when it does not.",
	 pm_disk_enf, PV_U64},
	{"cellctl_disk_inodes_used", "gauge", "Inodes used by the container's private area.", pm_ino_used, PV_U64},
	{"cellctl_disk_inodes_soft_limit", "gauge", "Inode soft limit (absent when unlimited).", pm_ino_soft, PV_U64},
	{"cellctl_disk_inodes_hard_limit", "gauge", "Inode hard limit (absent when unlimited).", pm_ino_hard, PV_U64},
	{"cellctl_memory_used_bytes", "gauge", "Memory held by a running container.", pm_mem, PV_U64},
	{"cellctl_memory_limit_bytes", "gauge", "Memory limit of a running container (absent when unlimited).", pm_mem_lim,
	 PV_U64},
	{"cellctl_memory_failures_total", "counter", "Times a running container hit its memory limit (max + oom_kill).",
	 pm_mem_fail, PV_U64},
	{"cellctl_swap_used_bytes", "gauge", "Swap held by a running container.", pm_swap, PV_U64},
	{"cellctl_swap_limit_bytes", "gauge", "Swap limit of a running container (absent when unlimited).", pm_swap_lim,
	 PV_U64},
	{"cellctl_swap_failures_total", "counter", "Times a running container hit its swap limit.", pm_swap_fail, PV_U64},
	{"cellctl_numproc", "gauge", "Tasks in a running container.", pm_np, PV_U64},
	{"cellctl_numproc_limit", "gauge", "Task limit of a running container (absent when unlimited).", pm_np_lim, PV_U64},
	{"cellctl_numproc_failures_total", "counter", "Forks refused by a running container's task limit.", pm_np_fail,
	 PV_U64},
	{"cellctl_cpu_seconds_total", "counter", "CPU time used by a running container.", pm_cpu, PV_SECONDS},
	{"cellctl_io_bytes_total", "counter", "Bytes read and written by a running container.", pm_io, PV_U64},
};

static char *render_prom(const struct rep_ct *cts, size_t n, const struct rep_meta *m)
{
	(void)m;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	for (size_t k = 0; k < ARRAY_SIZE(prom_metrics); k++) {
		const struct prom_metric *pm = &prom_metrics[k];
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", pm->name, pm->help, pm->name, pm->type);
		for (size_t i = 0; i < n; i++) {
			uint64_t v;
			if (!pm->get(&cts[i], &v))
				continue;
			if (pm->kind == PV_SECONDS)
				fprintf(f, "%s{ctid=\"%u\"} %.6f\n", pm->name, cts[i].ctid, (double)v / 1e6);
			else
				fprintf(f, "%s{ctid=\"%u\"} %" PRIu64 "\n", pm->name, cts[i].ctid, v);
		}
	}
	fprintf(f, "# HELP cellctl_new_failures Fail counter increase since the previous quota-report run.\n"
		   "# TYPE cellctl_new_failures gauge\n");
	for (size_t i = 0; i < n; i++)
		if (cts[i].has_deltas && cts[i].running)
			for (int k = 0; k < REP_F_N; k++)
				fprintf(f, "cellctl_new_failures{ctid=\"%u\",resource=\"%s\"} %" PRIu64 "\n", cts[i].ctid,
					fail_names[k], cts[i].fail_delta[k]);
	fclose(f);
	return out;
}

char *report_render(const struct rep_ct *cts, size_t n, const struct rep_meta *m, enum rep_format fmt)
{
	switch (fmt) {
	case REP_JSON: return render_json(cts, n, m);
	case REP_PROM: return render_prom(cts, n, m);
	case REP_TEXT: break;
	}
	return render_text(cts, n, m);
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
	if (ubc_collect(g, c->ctid, &u) < 0) {
		cerr_clear(); /* stopped (or stopped meanwhile): disk only */
		return;
	}
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
	ctconf_free(cf);
	if (r < 0) {
		if (x->named)
			return r;
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
