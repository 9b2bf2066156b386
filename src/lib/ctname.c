/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctname.h"

#include <string.h>

#include "error.h"
#include "util.h"

struct name_walk {
	const char *name;
	unsigned skip; /* a container not to count (the one being named) */
	unsigned found[2];
	unsigned n;
};

static int name_each(unsigned ctid, struct ct_config **c, void *arg)
{
	struct name_walk *w = arg;
	if (ctid != w->skip && (*c)->name && strcmp((*c)->name, w->name) == 0 && w->n < ARRAY_SIZE(w->found))
		w->found[w->n++] = ctid;
	return 0;
}

static int walk(const struct gconf *g, const char *name, unsigned skip, struct name_walk *w)
{
	*w = (struct name_walk){.name = name, .skip = skip};
	return ctconf_foreach(g, 0, name_each, w);
}

int ct_name_find(const struct gconf *g, const char *name, unsigned *ctid)
{
	struct name_walk w;
	char e[128];
	int r = walk(g, name, 0, &w);
	if (r < 0)
		return r;
	if (w.n == 0)
		return -ENOENT;
	str_escape_buf(name, e, sizeof(e));
	if (w.n > 1)
		return cerr(EX_BADCONFIG, 0, "the name '%s' is in the configs of CT %u and CT %u: give a CTID", e,
			    w.found[0], w.found[1]);
	*ctid = w.found[0];
	return 0;
}

int ct_name_check(const struct gconf *g, unsigned ctid, const char *name)
{
	struct name_walk w;
	char e[128];
	int r = walk(g, name, ctid, &w);
	if (r < 0)
		return r;
	if (w.n)
		return cerr(EX_BADVALUE, 0, "invalid value for --name: '%s' is the name of CT %u already",
			    str_escape_buf(name, e, sizeof(e)), w.found[0]);
	return 0;
}
