/* set CTID --PARAM VALUE ... [--save] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctset.h"
#include "error.h"
#include "util.h"

/* Repeated PF_JOIN options (--nameserver A --nameserver B) become one space-separated list. */
struct joined {
	const struct param *p;
	char *text;
};

int cli_apply_options(struct ct_config *c, int argc, char **argv, int first, unsigned flag, bool *save)
{
	struct joined j[8];
	unsigned nj = 0;
	const char *ifname = NULL;
	int r = 0;
	for (int i = first; i < argc && r >= 0; i++) {
		const struct param *p;
		const char *v;
		if (save && strcmp(argv[i], "--save") == 0) {
			*save = true;
			continue;
		}
		if (strcmp(argv[i], "--ifname") == 0) {
			if (i + 1 >= argc)
				return cerr(EX_BADSYNTAX, 0, "option --ifname needs a value");
			ifname = argv[++i];
			continue;
		}
		/* per-interface options: after --ifname, or alone for the first interface */
		const char *a = argv[i];
		if (str_startswith(a, "--") && i + 1 < argc && !strchr(a, '=')) {
			char key[32];
			snprintf(key, sizeof(key), "%s", a + 2);
			for (char *s = key; *s; s++)
				if (*s == '-')
					*s = '_';
			if (param_is_netif_key(key) && (ifname || (strcmp(key, "ipadd") && strcmp(key, "ipdel")))) {
				r = param_netif_set(c, ifname, key, argv[++i]);
				continue;
			}
		}
		r = cli_param(argc, argv, &i, flag, &p, &v);
		if (r == 0)
			r = cli_usage("%s: unknown option '%s'", argv[0], argv[i]);
		if (r < 0)
			break;
		if (p->flags & PF_JOIN) {
			unsigned k = 0;
			while (k < nj && j[k].p != p)
				k++;
			if (k == nj && nj < ARRAY_SIZE(j))
				j[nj++] = (struct joined){p, xstrdup(v)};
			else if (k < nj) {
				char *t = xasprintf("%s %s", j[k].text, v);
				free(j[k].text);
				j[k].text = t;
			}
			continue;
		}
		r = param_set(c, p, v);
	}
	for (unsigned k = 0; k < nj; k++) {
		if (r >= 0)
			r = param_set(c, j[k].p, j[k].text);
		free(j[k].text);
	}
	return r < 0 ? r : 0;
}

struct set_args {
	int argc;
	char **argv;
};

static int set_apply(struct ct_config *c, void *arg, bool *save)
{
	struct set_args *a = arg;
	return cli_apply_options(c, a->argc, a->argv, 2, PF_SET, save);
}

int cmd_set(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl set CTID --PARAM VALUE ... [--save]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
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
	return 0;
}
