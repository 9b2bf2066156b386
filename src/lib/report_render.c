/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota-report: the text, JSON and Prometheus renderings of collected and evaluated containers.
 * Pure (unit-tested). See report.h for the formats (an API: keep them stable). */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

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
		char nt[REP_NOTES_MAX][REP_NOTE_LEN];
		size_t nn = report_notes(c, &m->opts, nt);
		struct strbuf ns = {0};
		for (size_t k = 0; k < nn; k++)
			sb_printf(&ns, "%s%s", k ? "; " : "", nt[k]);
		r[TC_NOTES] = sb_done(&ns);
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
					fprintf(f, "  %u %s failcnt +%" PRIu64 "\n", cts[i].ctid, report_fail_name((enum rep_fail)k),
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

static void jnum(struct json *j, uint64_t v)
{
	if (v == REP_NONE)
		json_null(j);
	else
		json_u64(j, v);
}

static void jpct(struct json *j, double p)
{
	if (p < 0)
		json_null(j);
	else
		json_numf(j, "%.2f", p);
}

static void jlim(struct json *j, const char *key, uint64_t used, uint64_t soft, uint64_t hard, double pct)
{
	json_key(j, key);
	json_obj(j);
	json_key(j, "used");
	jnum(j, used);
	json_key(j, "soft");
	jnum(j, soft);
	json_key(j, "hard");
	jnum(j, hard);
	json_key(j, "percent");
	jpct(j, pct);
	json_end(j);
}

static void jres(struct json *j, const char *key, const struct rep_res *r, bool running, double pct)
{
	struct rep_res none = {REP_NONE, REP_NONE, REP_NONE};
	if (!running)
		r = &none;
	json_key(j, key);
	json_obj(j);
	json_key(j, "held");
	jnum(j, r->held);
	json_key(j, "limit");
	jnum(j, r->limit);
	json_key(j, "failcnt");
	jnum(j, r->failcnt);
	json_key(j, "percent");
	jpct(j, pct);
	json_end(j);
}

static char *render_json(const struct rep_ct *cts, size_t n, const struct rep_meta *m)
{
	struct json j;
	json_init(&j);
	json_obj(&j);
	json_key(&j, "version");
	json_u64(&j, 1);
	json_key(&j, "generated");
	json_i64(&j, m->generated);
	json_key(&j, "warn_pct");
	json_numf(&j, "%g", m->opts.warn);
	json_key(&j, "crit_pct");
	if (m->opts.crit >= 0)
		json_numf(&j, "%g", m->opts.crit);
	else
		json_null(&j);
	json_key(&j, "status");
	json_i64(&j, m->status);
	json_key(&j, "deltas");
	json_str(&j, m->state == REP_STATE_OK ? "ok" : m->state == REP_STATE_MISSING ? "no-previous-state" : "corrupt-state");
	json_nl(&j, 1);
	json_key(&j, "containers");
	json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		const struct rep_ct *c = &cts[i];
		json_nl(&j, 2);
		json_obj(&j);
		json_key(&j, "ctid");
		json_u64(&j, c->ctid);
		json_key(&j, "state");
		json_str(&j, c->running ? "running" : "stopped");
		json_key(&j, "level");
		json_str(&j, report_level_name(c->level));
		json_key(&j, "worst_pct");
		jpct(&j, c->worst >= 0 ? c->pct[c->worst] : -1);
		json_key(&j, "worst");
		json_str(&j, c->worst >= 0 ? report_pct_name((enum rep_pct)c->worst) : NULL);
		json_nl(&j, 3);
		json_key(&j, "disk");
		json_obj(&j);
		json_key(&j, "enforced");
		json_bool(&j, c->disk_enforced);
		json_key(&j, "usage_from");
		json_str(&j, !c->disk_known ? NULL : c->disk_from_quota ? "quota" : "walk");
		json_key(&j, "reason");
		json_str(&j, c->disk_enforced || !c->disk_reason[0] ? NULL : c->disk_reason);
		uint64_t du = c->disk_known ? c->disk_used_kb : REP_NONE, iu = c->disk_known ? c->ino_used : REP_NONE;
		json_nl(&j, 4);
		jlim(&j, "blocks_kb", du, c->disk_soft_kb, c->disk_hard_kb, c->pct[REP_P_DISK]);
		json_nl(&j, 4);
		jlim(&j, "inodes", iu, c->ino_soft, c->ino_hard, c->pct[REP_P_INODES]);
		json_end(&j);
		json_nl(&j, 3);
		jres(&j, "memory_bytes", &c->mem, c->running, c->pct[REP_P_MEM]);
		json_nl(&j, 3);
		jres(&j, "swap_bytes", &c->swap, c->running, c->pct[REP_P_SWAP]);
		json_nl(&j, 3);
		jres(&j, "numproc", &c->nproc, c->running, c->pct[REP_P_NPROC]);
		json_nl(&j, 3);
		json_key(&j, "cpu_usec");
		jnum(&j, c->running ? c->cpu_usec : REP_NONE);
		json_key(&j, "io_bytes");
		jnum(&j, c->running ? c->io_bytes : REP_NONE);
		json_nl(&j, 3);
		json_key(&j, "net");
		if (c->running) {
			json_arr(&j);
			for (unsigned k = 0; k < c->nnet; k++) {
				json_obj(&j);
				json_key(&j, "ifname");
				json_str(&j, c->net[k].ifname);
				for (int v = 0; v < IFS_N; v++) {
					json_key(&j, ifstat_names[v]);
					json_u64(&j, c->net[k].v[v]);
				}
				json_end(&j);
			}
			json_end(&j);
		} else {
			json_null(&j);
		}
		json_nl(&j, 3);
		json_key(&j, "new_failures");
		if (c->has_deltas) {
			json_obj(&j);
			for (int k = 0; k < REP_F_N; k++) {
				json_key(&j, report_fail_name((enum rep_fail)k));
				json_u64(&j, c->fail_delta[k]);
			}
			json_end(&j);
		} else {
			json_null(&j);
		}
		json_nl(&j, 3);
		json_key(&j, "notes");
		json_arr(&j);
		char nt[REP_NOTES_MAX][REP_NOTE_LEN];
		size_t nn = report_notes(c, &m->opts, nt);
		for (size_t k = 0; k < nn; k++)
			json_str(&j, nt[k]);
		json_end(&j);
		json_end(&j);
	}
	json_end_nl(&j, 1);
	json_end(&j);
	return json_done(&j);
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
	static const char *const net_help[IFS_N] = {
		"Bytes sent to the container on an interface.",
		"Packets sent to the container on an interface.",
		"Packets to the container its bandwidth limit (rate_in) dropped.",
		"Bytes the container sent on an interface.",
		"Packets the container sent on an interface.",
		"Packets from the container its bandwidth limit (rate_out) dropped.",
		"Frames from the container the anti-spoofing filter dropped.",
	};
	for (int k = 0; k < IFS_N; k++) {
		fprintf(f, "# HELP cellctl_net_%s_total %s\n# TYPE cellctl_net_%s_total counter\n", ifstat_names[k],
			net_help[k], ifstat_names[k]);
		for (size_t i = 0; i < n; i++)
			for (unsigned x = 0; cts[i].running && x < cts[i].nnet; x++)
				fprintf(f, "cellctl_net_%s_total{ctid=\"%u\",ifname=\"%s\"} %" PRIu64 "\n", ifstat_names[k],
					cts[i].ctid, cts[i].net[x].ifname, cts[i].net[x].v[k]);
	}
	fprintf(f, "# HELP cellctl_new_failures Fail counter increase since the previous quota-report run.\n"
		   "# TYPE cellctl_new_failures gauge\n");
	for (size_t i = 0; i < n; i++)
		if (cts[i].has_deltas && cts[i].running)
			for (int k = 0; k < REP_F_N; k++)
				fprintf(f, "cellctl_new_failures{ctid=\"%u\",resource=\"%s\"} %" PRIu64 "\n", cts[i].ctid,
					report_fail_name((enum rep_fail)k), cts[i].fail_delta[k]);
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
