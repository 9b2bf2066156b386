/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers of the command layer: CTID and usage errors, --PARAM options of the parameter
 * table. The cmd_*.c files call these; nothing here calls back into a command or into main. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctname.h"
#include "error.h"
#include "util.h"

int cli_ctid(const struct gconf *g, const char *s, unsigned *ctid)
{
	/* a word that is not all digits is a container's name (a name never is) */
	if (g && s && *s && strspn(s, "0123456789") != strlen(s)) {
		const struct param *p = param_find("name");
		int r = p && p->ok && p->ok(s) ? ct_name_find(g, s, ctid) : -ENOENT;
		if (r != -ENOENT)
			return r;
	}
	int r = ctid_parse(s, ctid);
	if (r < 0) {
		/* as vzctl: a word that is neither a CTID nor a container's name is a bad CTID */
		char e[128];
		return cerr(EX_BADSYNTAX, 0, "invalid CTID '%s' (a number from %u to %u%s)",
			    str_escape_buf(s ? s : "", e, sizeof(e)), CTID_MIN, CTID_MAX,
			    g ? ", or the name of a container: no container has that name" : "");
	}
	return 0;
}

int cli_usage(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cerr(EX_BADSYNTAX, 0, "%s", buf);
}

int cli_param(int argc, char **argv, int *i, unsigned flag, const struct param **p, const char **value)
{
	const char *a = argv[*i];
	if (!str_startswith(a, "--") || !a[2])
		return 0;
	char name[64];
	const char *eq = strchr(a + 2, '=');
	size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	if (n >= sizeof(name))
		return 0;
	memcpy(name, a + 2, n);
	name[n] = 0;
	for (char *s = name; *s; s++)
		if (*s == '-')
			*s = '_';
	const struct param *q = param_find(name);
	if (!q)
		return 0;
	if (!(q->flags & flag))
		return cerr(EX_BADSYNTAX, 0, "option --%s is not accepted here", name);
	if (eq) {
		*value = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return cerr(EX_BADSYNTAX, 0, "option --%s needs a value", name);
		*value = argv[++*i];
	}
	*p = q;
	return 1;
}

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

/* ---- option tables ---- */

void cli_parse_init(struct cli_parse *p, const struct cli_cmd *cmd, int argc, char **argv, int first)
{
	*p = (struct cli_parse){.cmd = cmd, .argc = argc, .argv = argv, .i = first};
}

/* The table's entry for option a ("--name", "--name=value", "-c"); *eq the value after '='. */
static const struct cli_opt *find_opt(const struct cli_cmd *cmd, const char *a, const char **eq)
{
	*eq = NULL;
	if (!cmd->opts)
		return NULL;
	if (a[0] == '-' && a[1] == '-') {
		const char *name = a + 2, *e = strchr(name, '=');
		size_t n = e ? (size_t)(e - name) : strlen(name);
		for (const struct cli_opt *o = cmd->opts; o->id; o++)
			if (o->name && strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
				*eq = e ? e + 1 : NULL;
				return o;
			}
		return NULL;
	}
	for (const struct cli_opt *o = cmd->opts; o->id; o++)
		if (o->short_name && a[1] == o->short_name && !a[2])
			return o;
	return NULL;
}

static bool is_option(const char *a) { return a[0] == '-' && a[1]; }

int cli_next(struct cli_parse *p, const char **value)
{
	*value = NULL;
	if (p->i >= p->argc)
		return CLI_END;
	const char *a = p->argv[p->i++];
	if (!p->dashdash && strcmp(a, "--") == 0) {
		p->dashdash = true;
		return cli_next(p, value);
	}
	if (p->dashdash || !is_option(a)) {
		*value = a;
		return CLI_ARG;
	}
	const char *eq;
	const struct cli_opt *o = find_opt(p->cmd, a, &eq);
	if (!o) {
		if ((p->cmd->flags & CLI_PARAMS) && a[1] == '-') {
			*value = a;
			p->other_value = !strchr(a, '=') && p->i < p->argc ? p->argv[p->i++] : NULL;
			return CLI_OTHER;
		}
		return cli_usage("%s: unknown option '%s'", p->cmd->name, a);
	}
	if (!o->arg) {
		if (eq)
			return cli_usage("%s: option --%s takes no value", p->cmd->name, o->name);
		return o->id;
	}
	if (o->rest)
		return o->id;
	if (eq) {
		*value = eq;
	} else {
		if (p->i >= p->argc)
			return cli_usage("%s: option %s needs a value", p->cmd->name, a);
		*value = p->argv[p->i++];
	}
	return o->id;
}

int cli_json_only(const struct cli_cmd *cmd, int argc, char **argv, int first, bool *json)
{
	struct cli_parse p;
	const char *v;
	int r;
	*json = false;
	cli_parse_init(&p, cmd, argc, argv, first);
	while ((r = cli_next(&p, &v)) != CLI_END) {
		if (r == 'j')
			*json = true;
		else if (r == CLI_ARG)
			return cli_usage("%s: unknown option '%s'", cmd->name, v);
		else if (r < 0)
			return r;
	}
	return 0;
}

bool cli_prepare(const struct cli_cmd *cmd, int argc, char **argv)
{
	bool help = false;
	int ctid_at = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (!is_option(a)) {
			if (ctid_at < 0)
				ctid_at = i;
			if (cmd->flags & CLI_CMDLINE)
				break; /* the CTID, then the command line */
			continue;
		}
		const char *eq;
		const struct cli_opt *o = find_opt(cmd, a, &eq);
		if (!o) {
			if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
				help = true;
			else if ((cmd->flags & CLI_PARAMS) && a[1] == '-' && !strchr(a, '='))
				i++; /* --PARAM VALUE */
			continue;
		}
		if (o->arg && o->rest)
			break;
		if (o->arg && !eq)
			i++;
	}
	if (!help && (cmd->flags & CLI_CTID) && argc > 2 && is_option(argv[1]) && ctid_at > 1) {
		char *id = argv[ctid_at];
		memmove(&argv[2], &argv[1], sizeof(char *) * (size_t)(ctid_at - 1));
		argv[1] = id;
	}
	return help;
}

/* " [--name ARG]" or " [-c|--name ARG]" */
static void opt_synopsis(FILE *f, const struct cli_opt *o, bool brackets)
{
	fputs(brackets ? " [" : "", f);
	if (o->short_name)
		fprintf(f, "-%c%s", o->short_name, o->name ? "|" : "");
	if (o->name)
		fprintf(f, "--%s", o->name);
	if (o->arg)
		fprintf(f, " %s", o->arg);
	fputs(brackets ? "]" : "", f);
}

void cli_usage_line(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "%s%s%s", cmd->name, cmd->args ? " " : "", cmd->args ? cmd->args : "");
	for (const struct cli_opt *o = cmd->opts; o && o->id; o++)
		opt_synopsis(f, o, true);
	if (cmd->flags & CLI_PARAMS)
		fputs(" [--PARAM VALUE ...]", f);
}

void cli_help(FILE *f, const struct cli_cmd *cmd)
{
	fputs("usage: cellctl ", f);
	cli_usage_line(f, cmd);
	fprintf(f, "\n%s\n", cmd->help ? cmd->help : "");
	if (cmd->opts && cmd->opts->id) {
		fputs("\noptions:\n", f);
		for (const struct cli_opt *o = cmd->opts; o->id; o++) {
			char *s = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&s, &len);
			if (!m)
				return;
			opt_synopsis(m, o, false);
			fclose(m);
			fprintf(f, "  %-22s %s\n", s, o->help ? o->help : "");
			free(s);
		}
	}
	if (cmd->flags & CLI_PARAMS) {
		fputs("  --PARAM VALUE          a container parameter (see cellctl(8), PARAMETERS)\n", f);
		/* the parameters this command takes, from the table (shell completion reads this list) */
		unsigned flag = strcmp(cmd->name, "create") == 0 ? PF_CREATE : PF_SET, n, col = 0;
		const struct param *t = param_table(&n);
		fputs("\nparameters:\n ", f);
		for (unsigned i = 0; i < n; i++) {
			if (!(t[i].flags & flag))
				continue;
			size_t w = strlen(t[i].name) + 3;
			if (col + w > 96) {
				fputs("\n ", f);
				col = 0;
			}
			fprintf(f, " --%s", t[i].name);
			col += (unsigned)w;
		}
		fputs("\n", f);
	}
}
