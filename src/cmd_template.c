/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template list | template build NAME */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "template.h"
#include "util.h"

const struct cli_cmd cli_template = {"template", cmd_template, "list | template build NAME", NULL, 0,
				     "List the template cache, or build a template from its recipe."};

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
	return cerr(EX_BADSYNTAX, 0, "usage: cellctl template list | cellctl template build NAME");
}
