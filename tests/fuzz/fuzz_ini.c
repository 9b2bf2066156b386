/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_ini: the config readers and the line-preserving editor on arbitrary text.
 *
 * Input: an edit line "SECTION|KEY|VALUE", then the text of a config file.
 *  1. the readers: ctconf_load (iniparser checks the syntax, the parameter table reads the
 *     values) and gconf_load on the text: no crash, no leak, whatever they answer;
 *  2. the editor: ini_render(ini_parse(text)) is the text, byte for byte;
 *  3. when iniparser accepts the text, the editor and iniparser read the same values; but not
 *     for a text with a "[]" header (after it iniparser cuts the section name short) or with a
 *     ':' in a section name (iniparser's "section:key" namespace is flat);
 *  4. the edit: on such a text of blank, comment, section and key lines,
 *     ini_set(SECTION, KEY, VALUE) (SECTION and KEY as cellctl writes them: a table
 *     section or netif.IFNAME, a known key), when the editor takes the value
 *     (ini_value_ok): both readers then read VALUE back, and every other value is unchanged. */
#include <ctype.h>
#include <sys/stat.h>

#include "config.h"
#include "fuzz.h"
#include "ini.h"
#include "netaddr.h"

static struct gconf g;
static char *ct_path, *g_path;

static const char *const extra_keys[] = {"mac",     "host_ifname", "host_mac", "bridge", "ipadd",
					 "gw",      "gw6",         "quota_id", NULL};

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
	g_path = xasprintf("%s/cellctl.conf", dir);
	setenv("CELLCTL_CONF", g_path, 1);
	return 0;
}

static bool known_section(const char *s)
{
	if (!strncmp(s, "netif.", 6))
		return net_valid_ifname(s + 6);
	unsigned n;
	const struct param *t = param_table(&n);
	for (unsigned i = 0; i < n; i++)
		if (t[i].section && !strcmp(t[i].section, s))
			return strcmp(s, "netif") != 0;
	return false;
}

static bool known_key(const char *k)
{
	unsigned n;
	const struct param *t = param_table(&n);
	for (unsigned i = 0; i < n; i++)
		if (t[i].key && !strcmp(t[i].key, k))
			return true;
	for (size_t i = 0; extra_keys[i]; i++)
		if (!strcmp(extra_keys[i], k))
			return true;
	return false;
}

/* Split iniparser's "section:key"; false when ambiguous (a ':' in the section or key). */
static bool split_key(const char *sk, char *sec, char *key, size_t len)
{
	const char *c = strchr(sk, ':');
	if (!c || strchr(c + 1, ':') || (size_t)(c - sk) >= len || strlen(c + 1) >= len)
		return false;
	snprintf(sec, len, "%.*s", (int)(c - sk), sk);
	snprintf(key, len, "%s", c + 1);
	return true;
}

/* A "[]..." header: iniparser 4.1 keeps the section before it but cuts that name to the length
 * of the "[]" line less one (strlwc with the line's length); the editor keeps the name whole. */
static bool empty_header(const char *text)
{
	for (const char *p = text; *p;) {
		const char *s = p + strspn(p, " \t\r\v\f");
		if (s[0] == '[' && s[1] == ']')
			return true;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* A section name with a ':': iniparser keeps "section:key" in one flat namespace, where the
 * section "[a:b]" and the key b of section a are the same entry. */
static bool colon_section(const struct ini_doc *d)
{
	const char *s;
	for (size_t i = 0; ini_section_at(d, i, &s) == 0; i++)
		if (strchr(s, ':'))
			return true;
	return false;
}

/* Both readers see the same keys and values. */
static void same_view(const struct ini_doc *d, dictionary *dict, const char *text)
{
	char sec[1100], key[1100];
	for (ssize_t i = 0; i < dict->size; i++) {
		if (!dict->key[i] || !dict->val[i] || !split_key(dict->key[i], sec, key, sizeof(sec)))
			continue;
		const char *v = ini_get(d, sec, key);
		FZ_CHECK(fz_streq(v, dict->val[i]), "[%s] %s: iniparser '%s', editor '%s'\ntext: %s", fz_esc(sec),
			 fz_esc(key), fz_esc(dict->val[i]), fz_esc(v), fz_esc(text));
	}
	const char *s;
	for (size_t i = 0; ini_section_at(d, i, &s) == 0; i++) {
		const char *k, *v;
		for (size_t j = 0; ini_key_at(d, s, j, &k, &v) == 0; j++) {
			_cleanup_free_ char *sk = xasprintf("%s:%s", s, k);
			/* no name: iniparser refuses "= v", but ignores a last line "=" (one character) */
			if (strchr(s, ':') || strchr(k, ':') || !*k)
				continue;
			const char *iv = iniparser_getstring(dict, sk, NULL);
			const char *ev = ini_get(d, s, k); /* the last one counts */
			FZ_CHECK(fz_streq(iv, ev), "[%s] %s: editor '%s', iniparser '%s'\ntext: %s", fz_esc(s), fz_esc(k),
				 fz_esc(ev), fz_esc(iv), fz_esc(text));
		}
	}
}

/* Every line blank, a comment, a section header or a key (with a name): iniparser refuses other
 * lines, but ignores a last line of one character without a newline ("x", "[", "="), which
 * stops being the last line after an edit. */
static bool well_formed(const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		const char *s = p + strspn(p, " \t\r\v\f"), *e = p + n;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s < e && *s != ';' && *s != '#' && !(*s == '[' && e[-1] == ']') &&
		    !(*s != '=' && memchr(s, '=', (size_t)(e - s))))
			return false;
		p += n + (p[n] != 0);
	}
	return true;
}

static void edit(const char *text, dictionary *before, char *spec)
{
	char *f[3] = {spec, NULL, NULL};
	for (int i = 1; i < 3; i++) {
		char *bar = f[i - 1] ? strchr(f[i - 1], '|') : NULL;
		if (bar) {
			*bar = 0;
			f[i] = bar + 1;
		}
	}
	const char *sec = f[0] && known_section(f[0]) ? f[0] : "container";
	const char *key = f[1] && known_key(f[1]) ? f[1] : "description";
	const char *value = f[2] ? f[2] : f[0];
	if (!ini_value_ok(key, value))
		return;
	struct ini_doc *d = ini_parse(text);
	ini_set(d, sec, key, value);
	_cleanup_free_ char *out = ini_render(d);
	ini_free(d);

	d = ini_parse(out);
	const char *v = ini_get(d, sec, key);
	FZ_CHECK(fz_streq(v, value), "editor reads [%s] %s back as '%s', not '%s'\nafter: %s", fz_esc(sec), fz_esc(key),
		 fz_esc(v), fz_esc(value), fz_esc(out));
	ini_free(d);

	dictionary *after = fz_iniparser(out);
	FZ_CHECK(after, "iniparser refuses the edited text\nbefore: %s\nafter: %s", fz_esc(text), fz_esc(out));
	_cleanup_free_ char *sk = xasprintf("%s:%s", sec, key);
	for (char *p = sk; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	v = iniparser_getstring(after, sk, NULL);
	FZ_CHECK(fz_streq(v, value), "iniparser reads [%s] %s back as '%s', not '%s'\nafter: %s", fz_esc(sec),
		 fz_esc(key), fz_esc(v), fz_esc(value), fz_esc(out));
	/* nothing else changed */
	for (ssize_t i = 0; i < before->size; i++) {
		if (!before->key[i] || !strcmp(before->key[i], sk))
			continue;
		const char *a = before->val[i], *b = iniparser_getstring(after, before->key[i], NULL);
		if (!a) /* a section entry: still there */
			FZ_CHECK(iniparser_find_entry(after, before->key[i]), "section %s lost\nafter: %s",
				 fz_esc(before->key[i]), fz_esc(out));
		else
			FZ_CHECK(fz_streq(a, b), "%s changed from '%s' to '%s'\nafter: %s", fz_esc(before->key[i]),
				 fz_esc(a), fz_esc(b), fz_esc(out));
	}
	for (ssize_t i = 0; i < after->size; i++) {
		if (!after->key[i] || !strcmp(after->key[i], sk) || !after->val[i])
			continue;
		FZ_CHECK(iniparser_find_entry(before, after->key[i]), "%s appeared\nafter: %s", fz_esc(after->key[i]),
			 fz_esc(out));
	}
	iniparser_freedict(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	char *nl = strchr(in, '\n');
	const char *text = nl ? nl + 1 : "";
	_cleanup_free_ char *spec = xstrndup(in, nl ? (size_t)(nl - in) : strlen(in));

	/* 1. the readers */
	fz_write(ct_path, text);
	struct ct_config *c = NULL;
	if (ctconf_load(&g, 101, &c) == 0)
		ctconf_free(c);
	fz_write(g_path, text);
	struct gconf *gc = NULL;
	if (gconf_load(&gc) == 0)
		gconf_free(gc);
	cerr_clear();

	/* 2. the editor keeps every byte */
	struct ini_doc *d = ini_parse(text);
	_cleanup_free_ char *r = ini_render(d);
	FZ_CHECK(!strcmp(r, text), "render differs\nin:  %s\nout: %s", fz_esc(text), fz_esc(r));

	/* 3. one view of the file */
	dictionary *dict = fz_iniparser(text);
	unsigned lno;
	const char *ltext;
	/* cellctl acts only on texts its lint accepts (an empty "[]" header, continued or not, is
	 * refused there) */
	if (dict && ini_lint(d, &lno, &ltext) == INI_LINT_OK && !empty_header(text) && !colon_section(d)) {
		same_view(d, dict, text);
		/* 4. the edit */
		if (well_formed(text))
			edit(text, dict, spec);
	}
	if (dict)
		iniparser_freedict(dict);
	ini_free(d);
	return 0;
}
