/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template list | build NAME | prune | commit CTID NAME | remove NAME */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "json.h"
#include "template.h"
#include "tplcache.h"
#include "tpltree.h"
#include "util.h"

static const struct cli_opt template_opts[] = {
	{'f', "force", 0, NULL, "commit: replace a template of that name", false},
	{'L', "layer", 0, NULL, "commit: only the container's upper layer, as a layer over its template (layout overlay)",
	 false},
	{'H', "no-header", 'H', NULL, "list: no header line", false},
	{'j', "json", 'j', NULL, "list: a JSON array of objects", false},
	{'1', NULL, '1', NULL, "list: the names only", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_template = {
	"template", cmd_template,
	"list | build NAME | prune | commit CTID NAME [--layer] | remove NAME",
	template_opts, 0,
	"List the template cache, build a template from its recipe, make one from a stopped container, remove one "
	"nobody uses, or remove the template trees no container uses."};

#define USAGE                                                                                                         \
	"usage: cellctl template list [-H] [-j] [-1] | cellctl template build NAME | cellctl template prune | "        \
	"cellctl template commit CTID NAME [--force] [--layer] | cellctl template remove NAME"

/* A size for people: 812K, 1.3M, 2.0G. */
static void human(uint64_t v, char *buf, size_t len)
{
	if (v < 1024)
		snprintf(buf, len, "%lluB", (unsigned long long)v);
	else if (v < (1ull << 20))
		snprintf(buf, len, "%lluK", (unsigned long long)((v + 512) >> 10));
	else if (v < (1ull << 30))
		snprintf(buf, len, "%.1fM", (double)v / (1 << 20));
	else
		snprintf(buf, len, "%.1fG", (double)v / (1 << 30));
}

static void list_json(const struct tpl_info *v, unsigned n)
{
	struct json j;
	json_init(&j);
	json_arr(&j);
	for (unsigned i = 0; i < n; i++) {
		const struct tpl_info *t = &v[i];
		json_nl(&j, 2);
		json_obj(&j);
		json_key(&j, "name");
		json_str(&j, t->name);
		json_key(&j, "parent");
		json_str(&j, t->has_origin && t->origin.parent[0] ? t->origin.parent : NULL);
		json_key(&j, "size");
		json_u64(&j, t->size);
		json_key(&j, "origin");
		if (t->has_origin) {
			json_obj(&j);
			json_key(&j, "ctid");
			json_u64(&j, t->origin.ctid);
			json_key(&j, "created");
			json_str(&j, t->origin.created[0] ? t->origin.created : NULL);
			json_key(&j, "layout");
			json_str(&j, t->origin.layout[0] ? t->origin.layout : NULL);
			json_key(&j, "layer");
			json_bool(&j, t->origin.layer);
			json_key(&j, "parent_tree");
			json_str(&j, t->origin.parent_tree[0] ? t->origin.parent_tree : NULL);
			json_end(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "containers");
		json_arr(&j);
		for (unsigned k = 0; k < t->nusers; k++)
			json_u64(&j, t->users[k]);
		json_end(&j);
		json_key(&j, "children");
		json_arr(&j);
		for (unsigned k = 0; k < t->nchildren; k++)
			json_str(&j, t->children[k]);
		json_end(&j);
		json_end(&j);
	}
	json_end_nl(&j, 0);
	_cleanup_free_ char *s = json_done(&j);
	fputs(s, stdout);
}

static int template_list(struct gconf *g, bool header, bool json, bool names_only)
{
	struct tpl_info *v = NULL;
	unsigned n = 0;
	int r = tpl_info_list(g, &v, &n);
	if (r < 0)
		return r;
	if (json) {
		list_json(v, n);
	} else if (names_only) {
		for (unsigned i = 0; i < n; i++)
			printf("%s\n", v[i].name);
	} else {
		int wn = 4, wp = 6;
		for (unsigned i = 0; i < n; i++) {
			int a = (int)strlen(v[i].name), b = (int)strlen(v[i].origin.parent);
			wn = a > wn ? a : wn;
			wp = b > wp ? b : wp;
		}
		if (header)
			printf("%-*s %-*s %7s %s\n", wn, "NAME", wp, "PARENT", "SIZE", "CONTAINERS");
		for (unsigned i = 0; i < n; i++) {
			char sz[32];
			human(v[i].size, sz, sizeof(sz));
			struct strbuf users = {0};
			for (unsigned k = 0; k < v[i].nusers; k++)
				sb_printf(&users, "%s%u", k ? "," : "", v[i].users[k]);
			_cleanup_free_ char *u = sb_done(&users);
			printf("%-*s %-*s %7s %s\n", wn, v[i].name, wp, v[i].origin.parent[0] ? v[i].origin.parent : "-",
			       sz, *u ? u : "-");
		}
	}
	tpl_info_free(v, n);
	return 0;
}

static void print_trees(char **names, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		printf("Removed template tree %s\n", names[i]);
		free(names[i]);
	}
	free(names);
}

int cmd_template(struct gconf *g, int argc, char **argv)
{
	bool force = false, header = true, json = false, names_only = false, layer = false;
	const char *args[4];
	unsigned nargs = 0;
	struct cli_parse p;
	cli_parse_init(&p, &cli_template, argc, argv, 1);
	const char *v;
	int r;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'f':
			force = true;
			break;
		case 'L':
			layer = true;
			break;
		case 'H':
			header = false;
			break;
		case 'j':
			json = true;
			break;
		case '1':
			names_only = true;
			break;
		case CLI_ARG:
			if (nargs == ARRAY_SIZE(args))
				return cerr(EX_BADSYNTAX, 0, USAGE);
			args[nargs++] = v;
			break;
		default:
			return r < 0 ? r : cerr(EX_BADSYNTAX, 0, USAGE);
		}
	}
	const char *sub = nargs ? args[0] : "";
	bool listing = !strcmp(sub, "list");
	if ((!listing && (!header || json || names_only)) || (strcmp(sub, "commit") != 0 && (force || layer)))
		return cerr(EX_BADSYNTAX, 0, "%s: option not taken by 'template %s'", USAGE, sub);
	if (listing && nargs == 1)
		return template_list(g, header, json, names_only);
	if (!strcmp(sub, "build") && nargs == 2) {
		if ((r = tpl_build(g, args[1])) < 0)
			return r;
		printf("Template %s built\n", args[1]);
		return 0;
	}
	if (!strcmp(sub, "prune") && nargs == 1) {
		char **names = NULL;
		unsigned n = 0;
		r = tpl_prune(g, &names, &n);
		print_trees(names, n);
		return r;
	}
	if (!strcmp(sub, "commit") && nargs == 3) {
		unsigned ctid;
		if ((r = cli_ctid(g, args[1], &ctid)) < 0)
			return r;
		struct tpl_commit_opts o = {.force = force, .progress = true, .layer = layer};
		if ((r = tpl_commit(g, ctid, args[2], &o)) < 0)
			return r;
		printf("Template %s committed from container %u%s\n", args[2], ctid, layer ? " (a layer)" : "");
		return 0;
	}
	if ((!strcmp(sub, "remove") || !strcmp(sub, "rm")) && nargs == 2) {
		char **names = NULL;
		unsigned n = 0;
		r = tpl_remove(g, args[1], &names, &n);
		print_trees(names, n);
		if (r < 0)
			return r;
		printf("Template %s removed\n", args[1]);
		return 0;
	}
	if ((!strcmp(sub, "commit") && nargs < 3) || ((!strcmp(sub, "build") || !strcmp(sub, "remove")) && nargs < 2))
		return cerr(EX_NOTENOUGH, 0, USAGE);
	return cerr(EX_BADSYNTAX, 0, USAGE);
}
