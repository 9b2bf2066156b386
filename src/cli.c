/* Shared helpers of the command layer: CTID and usage errors, --PARAM options of the parameter
 * table. The cmd_*.c files call these; nothing here calls back into a command or into main. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "util.h"

int cli_ctid(const char *s, unsigned *ctid)
{
	int r = ctid_parse(s, ctid);
	if (r < 0)
		return cerr(EX_BADSYNTAX, 0, "invalid CTID '%s' (a number from %u to %u)", s ? s : "", CTID_MIN, CTID_MAX);
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
