/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template list | template build NAME | template prune */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "template.h"
#include "tpltree.h"
#include "util.h"

const struct cli_cmd cli_template = {"template", cmd_template, "list | template build NAME | template prune", NULL, 0,
				     "List the template cache, build a template from its recipe, or remove the template trees "
				     "no container uses."};

int cmd_template(struct gconf *g, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		char **names = NULL;
		unsigned n = 0;
		int r = tpl_list(g, &names, &n);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < n; i++) {
			printf("%s\n", names[i]);
			free(names[i]);
		}
		free(names);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "build") == 0) {
		int r = tpl_build(g, argv[2]);
		if (r < 0)
			return r;
		printf("Template %s built\n", argv[2]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "prune") == 0) {
		char **names = NULL;
		unsigned n = 0;
		int r = tpl_tree_prune(g, &names, &n);
		for (unsigned i = 0; i < n; i++) {
			printf("Removed template tree %s\n", names[i]);
			free(names[i]);
		}
		free(names);
		return r;
	}
	return cerr(EX_BADSYNTAX, 0, "usage: cellctl template list | cellctl template build NAME | cellctl template prune");
}
