/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clone, flatten */
#include <stdio.h>

#include "cli.h"
#include "ctclone.h"
#include "error.h"
#include "util.h"

static const struct cli_opt clone_opts[] = {
	{'l', "layout", 0, "copy|overlay", "the clone's layout (default: the source's; overlay needs an overlay source)", false},
	{'n', "name", 0, "N", "the clone's name (default: none)", false},
	{'H', "hostname", 0, "H", "the clone's host name (default: none)", false},
	{'i', "ipadd", 0, "A", "an address of the clone (repeatable; addresses are never copied)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_clone = {"clone",
				  cmd_clone,
				  "SRC DST",
				  clone_opts,
				  0,
				  "Make container DST from the stopped container SRC: a copy of its tree and config, "
				  "with a new UUID, MACs and id block."};

struct clone_args {
	const char *name, *hostname;
	const char **ips;
	int nips;
};

static int clone_apply(struct ct_config *c, void *arg)
{
	const struct clone_args *a = arg;
	int r = 0;
	if (a->name)
		r = param_set(c, param_find("name"), a->name);
	if (r == 0 && a->hostname)
		r = param_set(c, param_find("hostname"), a->hostname);
	for (int i = 0; r == 0 && i < a->nips; i++)
		r = param_set(c, param_find("ipadd"), a->ips[i]);
	return r;
}

int cmd_clone(struct gconf *g, int argc, char **argv)
{
	_cleanup_free_ const char **ips = xcalloc((size_t)argc, sizeof(char *));
	struct clone_args ca = {.ips = ips};
	struct clone_opts o = {.apply = clone_apply, .arg = &ca};
	const char *ids[2] = {NULL, NULL};
	int nids = 0, r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_clone, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'l':
			o.layout = v;
			break;
		case 'n':
			ca.name = v;
			break;
		case 'H':
			ca.hostname = v;
			break;
		case 'i':
			ips[ca.nips++] = v;
			break;
		case CLI_ARG:
			if (nids == 2)
				return cli_usage("clone: one SRC and one DST ('%s' is one too many)", v);
			ids[nids++] = v;
			break;
		default:
			return r;
		}
	}
	if (nids < 2)
		return cerr(EX_NOTENOUGH, 0,
			    "usage: cellctl clone SRC DST [--layout copy|overlay] [--name N] "
			    "[--hostname H] [--ipadd A]...");
	unsigned src, dst;
	if ((r = cli_ctid(g, ids[0], &src)) < 0 || (r = cli_ctid(NULL, ids[1], &dst)) < 0)
		return r;
	r = ct_clone(g, src, dst, &o);
	if (r == 0)
		printf("Container %u cloned from %u\n", dst, src);
	return r;
}

const struct cli_cmd cli_flatten = {"flatten",
				    cmd_flatten,
				    "CTID",
				    NULL,
				    CLI_CTID,
				    "Turn the stopped overlay container into a full private copy (layout copy)."};

int cmd_flatten(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl flatten CTID");
	if (argc > 2)
		return cli_usage("flatten: unknown argument '%s'", argv[2]);
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	r = ct_flatten(g, ctid);
	if (r == 0)
		printf("Container %u flattened: layout copy\n", ctid);
	return r;
}
