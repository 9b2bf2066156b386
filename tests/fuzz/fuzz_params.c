/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_params: every parameter of the table through set and set --save.
 *
 * Input: lines "NAME VALUE" (a table parameter: ram, devices, netif_add, ...) or "KEY@IFNAME VALUE"
 * (a per-interface option: mac@eth0, ipadd@ for the first interface), applied in order to a
 * container config as `cellctl set` applies its options; like set, the first error ends it.
 *  - each value the table takes prints in a form the table takes back, to the same value
 *    (parse -> print -> parse), on a fresh config;
 *  - after the last option the config text (what set --save writes) loads again through
 *    ctconf_load (iniparser and the table), and every parameter and interface reads back as set.
 */
#include <sys/stat.h>

#include "config.h"
#include "fuzz.h"
#include "ini.h"

#define MAX_OPS 24

static struct gconf g;
static char *ct_path;

static const char base_doc[] = "; fuzz_params base config\n"
			       "[container]\n"
			       "hostname = base.example ; inline comment\n"
			       "[resources]\n"
			       "ram = 512M\n"
			       "# a comment\n"
			       "numproc = 100:120\n"
			       "[netif.eth0]\n"
			       "ipadd = 10.0.0.2/24 fd00::2/64\n"
			       "gw = 10.0.0.1\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	const char *dir = fz_tmpdir();
	g.config_dir = xasprintf("%s/ct", dir);
	mkdir(g.config_dir, 0700);
	g.userns_default = true;
	g.userns_size = 65536;
	g.stop_timeout = 120;
	ct_path = xasprintf("%s/101.conf", g.config_dir);
	return 0;
}

static struct ct_config *fresh(const char *doc)
{
	struct ct_config *c = NULL;
	int r = ctconf_from_doc(&g, 101, doc ? ini_parse(doc) : NULL, &c);
	FZ_CHECK(r == 0, "base config refused: %s", cerr_msg());
	return c;
}

/* parse -> print -> parse: the printed form reads back to itself. */
static void reprint(const struct param *p, const struct ct_config *c)
{
	/* their printers list what several options built (interface names, all addresses) */
	char a[4096] = "", b[4096] = "";
	if ((p->type == PT_FUNC && !p->fn_apply) || !param_print(p, c, a, sizeof(a)) || !strcmp(p->name, "netif_add") ||
	    !strcmp(p->name, "ipadd"))
		return;
	if (!a[0])
		return; /* unset */
	struct ct_config *f = fresh(NULL);
	int r = param_set(f, p, a);
	FZ_CHECK(r == 0, "--%s: printed value '%s' is refused: %s", p->name, fz_esc(a), fz_esc(cerr_msg()));
	param_print(p, f, b, sizeof(b));
	FZ_CHECK(!strcmp(a, b), "--%s: '%s' reads back as '%s'", p->name, fz_esc(a), fz_esc(b));
	ctconf_free(f);
}

static void same_netifs(const struct ct_config *a, const struct ct_config *b, const char *text)
{
	FZ_CHECK(a->nnetif == b->nnetif, "%u interfaces set, %u read back\nconfig: %s", a->nnetif, b->nnetif,
		 fz_esc(text));
	for (unsigned i = 0; i < a->nnetif; i++) {
		const struct ct_netif *x = &a->netif[i], *y = &b->netif[i];
		FZ_CHECK(!strcmp(x->ifname, y->ifname) && !strcmp(x->mac, y->mac) && !strcmp(x->host_ifname, y->host_ifname) &&
				 !strcmp(x->host_mac, y->host_mac) && !strcmp(x->bridge, y->bridge) &&
				 !strcmp(x->gw, y->gw) && !strcmp(x->gw6, y->gw6) && x->nips == y->nips,
			 "interface %u: '%s' mac '%s' host '%s' '%s' bridge '%s' gw '%s' '%s' %u ips, read back as "
			 "'%s' mac '%s' host '%s' '%s' bridge '%s' gw '%s' '%s' %u ips\nconfig: %s",
			 i, fz_esc(x->ifname), x->mac, fz_esc(x->host_ifname), x->host_mac, fz_esc(x->bridge), x->gw,
			 x->gw6, x->nips, fz_esc(y->ifname), y->mac, fz_esc(y->host_ifname), y->host_mac,
			 fz_esc(y->bridge), y->gw, y->gw6, y->nips, fz_esc(text));
		for (unsigned k = 0; k < x->nips; k++)
			FZ_CHECK(!strcmp(x->ips[k], y->ips[k]), "interface %s address %u: '%s' read back as '%s'",
				 fz_esc(x->ifname), k, x->ips[k], y->ips[k]);
	}
}

/* What set --save wrote loads again, to the same values. */
static void reload(const struct ct_config *c)
{
	_cleanup_free_ char *text = ini_render(c->doc);
	fz_write(ct_path, text);
	struct ct_config *c2 = NULL;
	int r = ctconf_load(&g, 101, &c2);
	FZ_CHECK(r == 0, "the saved config does not load: %s\nconfig: %s", fz_esc(cerr_msg()), fz_esc(text));
	unsigned n;
	const struct param *t = param_table(&n);
	for (unsigned i = 0; i < n; i++) {
		char a[4096] = "", b[4096] = "";
		if (!param_print(&t[i], c, a, sizeof(a)))
			continue;
		param_print(&t[i], c2, b, sizeof(b));
		FZ_CHECK(!strcmp(a, b), "%s: set '%s', read back '%s'\nconfig: %s", t[i].name, fz_esc(a), fz_esc(b),
			 fz_esc(text));
	}
	same_netifs(c, c2, text);
	ctconf_free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	struct ct_config *c = fresh(base_doc);
	int ops = 0, r = 0;
	char *save = NULL;
	for (char *line = strtok_r(in, "\n", &save); line && ops < MAX_OPS && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		const char *value = sp ? sp + 1 : "";
		if (sp)
			*sp = 0;
		char *at = strchr(line, '@');
		ops++;
		if (at) {
			*at = 0;
			if (!param_is_netif_key(line))
				continue;
			r = param_netif_set(c, at[1] ? at + 1 : NULL, line, value);
			continue;
		}
		const struct param *p = param_find(line);
		if (!p)
			continue;
		r = param_set(c, p, value);
		if (r == 0)
			reprint(p, c);
	}
	if (r == 0 && ops)
		reload(c);
	ctconf_free(c);
	cerr_clear();
	return 0;
}
