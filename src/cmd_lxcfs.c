/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lxcfs rebind [CTID ...|--all]: fresh lxcfs binds in running containers after lxcfs was restarted. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "lxcfs.h"
#include "state.h"
#include "util.h"

static const struct cli_opt lxcfs_opts[] = {
	{'a', "all", 'a', NULL, "every running container", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_lxcfs = {"lxcfs",
				  cmd_lxcfs,
				  "rebind [CTID ...]",
				  lxcfs_opts,
				  0,
				  "Replace stale lxcfs binds (lxcfs was restarted) in running containers."};

int cmd_lxcfs(struct gconf *g, int argc, char **argv)
{
	bool all = false, verb = false;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	unsigned n = 0;
	int r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_lxcfs, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		if (r == 'a')
			all = true;
		else if (r == CLI_ARG && !verb) {
			if (strcmp(v, "rebind") != 0)
				return cerr(EX_BADSYNTAX, 0, "lxcfs: unknown subcommand '%s' (rebind)", v);
			verb = true;
		} else if (r != CLI_ARG || (r = cli_ctid(g, v, &ids[n++])) < 0)
			return r;
	}
	if (!verb)
		return cerr(EX_NOTENOUGH, 0, "lxcfs: say rebind CTID ... or rebind --all");
	if (all == (n > 0))
		return cerr(n ? EX_BADSYNTAX : EX_NOTENOUGH, 0, "lxcfs rebind: give CTIDs or --all, not %s",
			    n ? "both" : "neither");
	if (all) {
		free(ids);
		ids = NULL;
		if ((r = ctconf_list(g, &ids, &n)) < 0)
			return r;
	}
	int first = 0;
	unsigned failed = 0;
	for (unsigned i = 0; i < n; i++) {
		if (all && !ct_running(g, ids[i], NULL))
			continue;
		unsigned fixed = 0;
		r = lxcfs_rebind(g, ids[i], &fixed);
		if (r < 0) {
			if (!all || n == 1)
				return r;
			/* --all: say it and go on with the others; the exit code is the first failure's */
			log_warn("%s", cerr_msg() ? cerr_msg() : "lxcfs rebind failed");
			if (!first)
				first = cerr_exit();
			failed++;
			cerr_clear();
			continue;
		}
		if (fixed)
			printf("CT %u: %u lxcfs bind%s replaced\n", ids[i], fixed, fixed == 1 ? "" : "s");
		else
			printf("CT %u: no stale lxcfs bind\n", ids[i]);
	}
	return first ? cerr(first, 0, "lxcfs rebind failed in %u container%s", failed, failed == 1 ? "" : "s") : 0;
}
