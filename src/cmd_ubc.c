/* ubc [CTID...] [-j]: beancounters of running containers, /proc/user_beancounters style. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

int cmd_ubc(struct gconf *g, int argc, char **argv)
{
	bool json = false;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	unsigned n = 0;
	int r;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cli_usage("ubc: unknown option '%s'", argv[i]);
		else if ((r = cli_ctid(argv[i], &ids[n++])) < 0)
			return r;
	}
	bool named = n > 0;
	if (!named) {
		_cleanup_free_ unsigned *all = NULL;
		unsigned na = 0;
		if ((r = ctconf_list(g, &all, &na)) < 0)
			return r;
		free(ids);
		ids = xcalloc(na + 1, sizeof(*ids));
		for (unsigned i = 0; i < na; i++)
			ids[n++] = all[i];
	}
	struct ubc_ct *cts = xcalloc(n + 1, sizeof(*cts));
	unsigned nc = 0;
	r = 0;
	for (unsigned i = 0; i < n; i++) {
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
	if (r == 0) {
		_cleanup_free_ char *text = json ? ubc_format_json(cts, nc) : ubc_format_table(cts, nc);
		fputs(text, stdout);
	}
	free(cts);
	return r;
}
