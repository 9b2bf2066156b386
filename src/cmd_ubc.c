/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ubc [CTID...] [-j]: beancounters of running containers, /proc/user_beancounters style. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

struct ubc_scan {
	const struct gconf *g;
	struct ubc_ct *cts;
	unsigned nc, cap;
};

/* Every container that runs, whether or not its config loads (the beancounters need none). */
static int add_running(unsigned ctid, struct ct_config **c, void *arg)
{
	(void)c;
	struct ubc_scan *s = arg;
	if (s->nc == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->cts = xrealloc(s->cts, (s->cap + 1) * sizeof(*s->cts));
	}
	if (ubc_collect(s->g, ctid, &s->cts[s->nc]) == 0)
		s->nc++;
	else
		cerr_clear(); /* stopped (or stopped meanwhile): not listed */
	return 0;
}

static const struct cli_opt ubc_opts[] = {
	{'j', "json", 'j', NULL, "a JSON array", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_ubc = {"ubc", cmd_ubc, "[CTID ...]", ubc_opts, 0,
				"Beancounters of running containers: held, maxheld, barrier, limit, failcnt."};

int cmd_ubc(struct gconf *g, int argc, char **argv)
{
	bool json = false;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	unsigned n = 0;
	int r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_ubc, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		if (r == 'j')
			json = true;
		else if (r != CLI_ARG || (r = cli_ctid(v, &ids[n++])) < 0)
			return r;
	}
	struct ubc_scan s = {.g = g, .cts = xcalloc(n + 1, sizeof(*s.cts)), .cap = n};
	if (n == 0) {
		r = ctconf_foreach(g, CTCONF_EACH_BROKEN, add_running, &s);
	} else {
		r = 0; /* a named container must be running: report it, print nothing */
		for (unsigned i = 0; i < n && r == 0; i++)
			if ((r = ubc_collect(g, ids[i], &s.cts[s.nc])) == 0)
				s.nc++;
	}
	struct ubc_ct *cts = s.cts;
	unsigned nc = s.nc;
	if (r == 0) {
		_cleanup_free_ char *text = json ? ubc_format_json(cts, nc) : ubc_format_table(cts, nc);
		fputs(text, stdout);
	}
	free(cts);
	return r;
}
