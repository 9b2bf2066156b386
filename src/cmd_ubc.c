/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ubc [CTID...] [-j]: beancounters of running containers, /proc/user_beancounters style. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "phase.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

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
		else if (r != CLI_ARG || (r = cli_ctid(g, v, &ids[n++])) < 0)
			return r;
	}
	/* without names: every container that runs. The beancounters need no config, so none is
	 * loaded (a broken one is listed as well). */
	bool named = n > 0;
	/* and of those only the ones with a state file can run: the others' are not opened */
	_cleanup_free_ unsigned *run = NULL;
	unsigned nrun = 0;
	bool have_run = false;
	if (!named) {
		free(ids);
		ids = NULL;
		if ((r = ctconf_list(g, &ids, &n)) < 0)
			return r;
		have_run = state_ids(g, &run, &nrun) == 0;
	}
	phase_mark("ubc.ids");
	struct ubc_ct *cts = xcalloc(n + 1, sizeof(*cts));
	unsigned nc = 0;
	r = 0;
	for (unsigned i = 0; i < n; i++) {
		if (have_run && !ctid_in(run, nrun, ids[i]))
			continue;
		struct cerr_saved es;
		cerr_save(&es);
		int k = ubc_collect(g, ids[i], &cts[nc]);
		if (k == 0) {
			nc++;
		} else if (named) {
			r = k; /* a named container must be running: report it, print nothing */
			break;
		}
		cerr_restore(&es); /* stopped (or stopped meanwhile): not listed */
	}
	phase_mark("ubc.collected");
	if (r == 0) {
		_cleanup_free_ char *text = json ? ubc_format_json(cts, nc) : ubc_format_table(cts, nc);
		fputs(text, stdout);
	}
	free(cts);
	return r;
}
