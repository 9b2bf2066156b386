/* SPDX-License-Identifier: GPL-2.0-or-later */
/* set CTID --PARAM VALUE ... [--save] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctown.h"
#include "ctset.h"
#include "error.h"
#include "state.h"
#include "util.h"

struct set_args {
	int argc;
	char **argv;
};

static int set_apply(struct ct_config *c, void *arg, bool *save)
{
	struct set_args *a = arg;
	return cli_apply_options(c, a->argc, a->argv, 2, PF_SET, save);
}

/* The parameters themselves are parsed by cli_apply_options (cli.c); this table gives --help and
 * main the options that are not parameters. */
static const struct cli_opt set_opts[] = {
	{'s', "save", 0, NULL, "change the config too (a stopped container: only the config)", false},
	{'i', "ifname", 0, "NAME", "the interface the per-interface options after it change", false},
	{'o', "ownership", 0, "MODE", "mapped or shifted: convert a stopped copy container (alone)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_set = {"set", cmd_set, "CTID", set_opts, CLI_CTID | CLI_PARAMS,
				"Change parameters: live on a running container, in its config with --save."};

/* On a running container: tell which options of argv take effect at the next start only
 * (parameters without PF_LIVE). */
static void note_next_start(unsigned ctid, int argc, char **argv, bool save)
{
	for (int i = 2; i < argc; i++) {
		char name[64];
		if (!str_startswith(argv[i], "--") || strlen(argv[i]) >= sizeof(name) + 2)
			continue;
		snprintf(name, sizeof(name), "%s", argv[i] + 2);
		name[strcspn(name, "=")] = 0;
		const struct param *p = param_find(name);
		if (!p || (p->flags & PF_LIVE))
			continue;
		if (save)
			printf("Note: --%s applies at the next start of CT %u\n", p->name, ctid);
		else
			fprintf(stderr, "WARNING: --%s applies only at a start of CT %u: without --save it has no effect\n",
				p->name, ctid);
	}
}

int cmd_set(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl set CTID --PARAM VALUE ... [--save]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	/* --ownership converts the private area of a stopped container: alone (--save is implied) */
	const char *own = NULL;
	bool others = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ownership") && i + 1 < argc)
			own = argv[++i];
		else if (str_startswith(argv[i], "--ownership="))
			own = argv[i] + strlen("--ownership=");
		else if (strcmp(argv[i], "--save") != 0)
			others = true;
	}
	if (own && others)
		return cerr(EX_BADSYNTAX, 0, "set --ownership converts the container's private area: give it alone");
	if (own) {
		bool changed;
		uint64_t t0 = now_ms();
		if ((r = ct_set_ownership(g, ctid, own, &changed)) < 0)
			return r;
		if (changed)
			printf("Converted CT %u to ownership %s in %llu ms\n", ctid, own, (unsigned long long)(now_ms() - t0));
		else
			printf("CT %u has ownership %s already\n", ctid, own);
		return 0;
	}
	struct set_args a = {argc, argv};
	struct set_opts o = {.apply = set_apply, .arg = &a};
	enum ct_set_result res;
	if ((r = ct_set(g, ctid, &o, &res)) < 0)
		return r;
	switch (res) {
	case CT_SET_SAVED:
		printf("Saved parameters for CT %u\n", ctid);
		break;
	case CT_SET_UNCHANGED:
		printf("No changes in CT configuration, not saving\n");
		break;
	case CT_SET_LIVE_ONLY:
		fprintf(stderr, "WARNING: Settings were not saved to the container configuration file and will be lost "
				"after CT restart. Use --save to save them.\n");
		break;
	}
	struct ct_state st;
	if (res != CT_SET_UNCHANGED && ct_running(g, ctid, &st))
		note_next_start(ctid, argc, argv, res == CT_SET_SAVED);
	return 0;
}
