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

int cmd_quota(struct gconf *g, int argc, char **argv)
{
	if (argc != 2)
		return cerr(argc < 2 ? EX_NOTENOUGH : EX_BADSYNTAX, 0, "usage: cellctl quota CTID");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	struct quota_info q;
	r = quota_ct_info(g, c, NULL, &q);
	ctconf_free(c);
	if (r < 0)
		return r;
	_cleanup_free_ char *t = quota_format_table(&q, (int64_t)time(NULL));
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

/* --name VALUE or --name=VALUE; 1 when matched (value set), 0 when not, <0 on a missing value. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return cerr(EX_BADSYNTAX, 0, "option %s needs a value", name);
	*value = argv[++*i];
	return 1;
}

int cmd_quota_report(struct gconf *g, int argc, char **argv)
{
	enum rep_format fmt = REP_TEXT;
	struct rep_opts o = {.warn = 90, .crit = -1};
	const char *output = NULL, *state = NULL;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	size_t n = 0;
	int r;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if ((r = opt_value(argc, argv, &i, "--format", &v)) != 0) {
			if (r < 0)
				return r;
			if (report_format_parse(v, &fmt) < 0)
				return cerr(EX_BADVALUE, 0, "unknown report format '%s' (text, json or prom)", v);
		} else if ((r = opt_value(argc, argv, &i, "--output", &v)) != 0) {
			if (r < 0)
				return r;
			if (!*v)
				return cerr(EX_BADVALUE, 0, "empty --output file name");
			output = v;
		} else if ((r = opt_value(argc, argv, &i, "--state", &v)) != 0) {
			if (r < 0)
				return r;
			if (!*v)
				return cerr(EX_BADVALUE, 0, "empty --state file name");
			state = v;
		} else if ((r = opt_value(argc, argv, &i, "--warn", &v)) != 0) {
			if (r < 0 || (r = parse_pct("--warn", v, &o.warn)) < 0)
				return r;
		} else if ((r = opt_value(argc, argv, &i, "--crit", &v)) != 0) {
			if (r < 0 || (r = parse_pct("--crit", v, &o.crit)) < 0)
				return r;
		} else if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			fmt = REP_JSON;
		} else if (argv[i][0] == '-') {
			return cli_usage("quota-report: unknown option '%s'", argv[i]);
		} else if ((r = cli_ctid(argv[i], &ids[n++])) < 0) {
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
