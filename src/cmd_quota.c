/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota CTID: the vzquota-style table; quota-report [CTID...]: the cron report (text, JSON,
 * Prometheus textfile), with thresholds as the exit status and failure deltas. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "quota.h"
#include "report.h"
#include "util.h"

static const struct cli_opt quota_opts[] = {
	{'j', "json", 'j', NULL, "a JSON object instead of the table", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_quota = {"quota", cmd_quota, "CTID", quota_opts, CLI_CTID,
				  "Disk usage and limits of the container, vzquota style."};

int cmd_quota(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl quota CTID [-j]");
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	bool json;
	if ((r = cli_json_only(&cli_quota, argc, argv, 2, &json)) < 0)
		return r;
	struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	struct quota_info q;
	r = quota_ct_info(g, c, NULL, &q);
	ctconf_free(c);
	if (r < 0)
		return r;
	_cleanup_free_ char *t = json ? quota_format_json(ctid, &q) : quota_format_table(&q, (int64_t)time(NULL));
	fputs(t, stdout);
	return 0;
}

static int parse_pct(const char *opt, const char *v, double *out)
{
	char *end = NULL;
	errno = 0;
	double d = v && *v ? strtod(v, &end) : NAN;
	if (!v || !*v || errno || !end || *end || !isfinite(d) || d < 0 || d > 1e6)
		return cerr(EX_BADVALUE, 0, "invalid %s value '%s' (a percentage, 0 or more)", opt, v ? v : "");
	*out = d;
	return 0;
}

static const struct cli_opt report_opts[] = {
	{'f', "format", 0, "text|json|prom", "the report's form (default text)", false},
	{'j', "json", 'j', NULL, "the same as --format json", false},
	{'o', "output", 0, "FILE", "write the report to FILE (atomically) instead of stdout", false},
	{'w', "warn", 0, "PCT", "warn at PCT percent of a limit (default 90)", false},
	{'c', "crit", 0, "PCT", "critical at PCT percent of a limit (default: none)", false},
	{'s', "state", 0, "FILE", "the failure counters of the last run (default run_dir/quota-report.state)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_quota_report = {
	"quota-report", cmd_quota_report, "[CTID ...]", report_opts, 0,
	"Disk and resource report for cron; exit status 0 ok, 1 warn, 2 crit."};

int cmd_quota_report(struct gconf *g, int argc, char **argv)
{
	enum rep_format fmt = REP_TEXT;
	struct rep_opts o = {.warn = 90, .crit = -1};
	const char *output = NULL, *state = NULL;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	size_t n = 0;
	int r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_quota_report, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'f':
			if (report_format_parse(v, &fmt) < 0)
				return cerr(EX_BADVALUE, 0, "unknown report format '%s' (text, json or prom)", v);
			break;
		case 'j':
			fmt = REP_JSON;
			break;
		case 'o':
			if (!*v)
				return cerr(EX_BADVALUE, 0, "empty --output file name");
			output = v;
			break;
		case 's':
			if (!*v)
				return cerr(EX_BADVALUE, 0, "empty --state file name");
			state = v;
			break;
		case 'w':
			if ((r = parse_pct("--warn", v, &o.warn)) < 0)
				return r;
			break;
		case 'c':
			if ((r = parse_pct("--crit", v, &o.crit)) < 0)
				return r;
			break;
		case CLI_ARG:
			if ((r = cli_ctid(g, v, &ids[n++])) < 0)
				return r;
			break;
		default:
			return r;
		}
	}
	if (o.crit >= 0 && o.crit < o.warn)
		return cerr(EX_BADVALUE, 0, "--crit %g is below --warn %g", o.crit, o.warn);

	struct rep_ct *cts = NULL;
	size_t nc = 0;
	if ((r = report_collect(g, ids, n, &cts, &nc)) < 0)
		return r;
	_cleanup_free_ char *spath = state ? xstrdup(state) : xasprintf("%s/quota-report.state", g->run_dir);
	struct rep_state prev;
	report_state_load(spath, &prev);
	report_deltas(cts, nc, &prev);
	struct rep_meta m = {.generated = (int64_t)time(NULL), .opts = o, .state = prev.status};
	m.status = report_evaluate(cts, nc, &o);
	report_sort(cts, nc);
	_cleanup_free_ char *text = report_render(cts, nc, &m, fmt);
	_cleanup_free_ char *newstate = report_state_format(cts, nc, &prev);
	report_state_free(&prev);
	free(cts);

	/* the output first: when it cannot be written, the state keeps the old counters, so the
	 * next run still reports these failures */
	if (output) {
		r = write_file_atomic(output, text, strlen(text), 0644);
		if (r < 0)
			return cerr(EX_SYSTEM, r, "write the report to %s", output);
	} else {
		fputs(text, stdout);
		fflush(stdout);
	}
	if (!state)
		mkdir_p(g->run_dir, 0700);
	if ((r = write_file_atomic(spath, newstate, strlen(newstate), 0600)) < 0)
		log_warn("quota-report: cannot write the state file %s: %s (no failure deltas next time)", spath,
			 strerror(-r));
	return m.status;
}
