/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reproducers of what the fuzzers (tests/fuzz) found, one test per finding: the config editor
 * and iniparser read the same file (continued lines, section headers, quotes), set --save writes
 * only values that read back, interface names stay out of INI syntax; the guest's /etc/hosts keeps
 * its localhost line and its names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "error.h"
#include "fixtures.h"
#include "fsutil.h"
#include "guestnet.h"
#include "ini.h"
#include "netaddr.h"
#include "util.h"
#include "vzconf.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	fx_tmpdir(tmpdir, sizeof(tmpdir), "fuzz");
	cerr_clear();
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

static int quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* iniparser's reading of text (NULL: it refuses the file). */
static dictionary *iniparser_of(const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/t.ini", tmpdir);
	assert_int_equal(write_file_atomic(p, text, strlen(text), 0600), 0);
	iniparser_set_error_callback(quiet);
	dictionary *d = iniparser_load(p);
	iniparser_set_error_callback(NULL);
	return d;
}

/* The editor and iniparser agree on key sk ("section:key"); returns the editor's value. */
static const char *both(const struct ini_doc *d, dictionary *dict, const char *sec, const char *key)
{
	_cleanup_free_ char *sk = xasprintf("%s:%s", sec, key);
	const char *a = ini_get(d, sec, key), *b = iniparser_getstring(dict, sk, NULL);
	if (!(a == b || (a && b && !strcmp(a, b))))
		fail_msg("[%s] %s: editor '%s', iniparser '%s'", sec, key, a ? a : "(none)", b ? b : "(none)");
	return a;
}

/* fuzz_ini: "hostname = a\" then "  b": iniparser reads one line "a  b"; the editor read "a\". */
static void test_ini_continued_lines(void **state)
{
	(void)state;
	const char *text = "[container]\nhostname = a\\\n  b\nram = 1G\n; note \\\nswap = 2G\n[x]\nk = v \\";
	struct ini_doc *d = ini_parse(text);
	dictionary *dict = iniparser_of(text);
	assert_non_null(dict);
	assert_string_equal(both(d, dict, "container", "hostname"), "a  b");
	assert_string_equal(both(d, dict, "container", "ram"), "1G");
	assert_null(both(d, dict, "container", "swap")); /* the comment took that line */
	assert_null(both(d, dict, "x", "k"));            /* a continuation at the end is dropped */
	_cleanup_free_ char *out = ini_render(d);
	assert_string_equal(out, text);

	/* a new section goes before the dangling line, which stays dropped */
	ini_set(d, "network", "nameserver", "10.0.0.1");
	ini_set(d, "container", "hostname", "web");
	_cleanup_free_ char *out2 = ini_render(d);
	dictionary *dict2 = iniparser_of(out2);
	assert_non_null(dict2);
	assert_string_equal(both(d, dict2, "network", "nameserver"), "10.0.0.1");
	assert_string_equal(both(d, dict2, "container", "hostname"), "web");
	assert_string_equal(both(d, dict2, "container", "ram"), "1G");
	assert_null(both(d, dict2, "x", "k"));
	assert_true(str_endswith(out2, "\nk = v \\"));
	iniparser_freedict(dict);
	iniparser_freedict(dict2);
	ini_free(d);
}

/* fuzz_ini: a header is a line that starts with '[' and ends with ']'; "[]" changes nothing. */
static void test_ini_section_headers(void **state)
{
	(void)state;
	const char *text = "top = 0\n[a] x = 1\n[s]\n[]\nk = v\n[t] \r\nj = w\n";
	struct ini_doc *d = ini_parse(text);
	dictionary *dict = iniparser_of(text);
	assert_non_null(dict);
	assert_string_equal(both(d, dict, "", "[a] x"), "1");
	assert_null(both(d, dict, "a", "x"));
	assert_string_equal(both(d, dict, "s", "k"), "v");
	assert_string_equal(both(d, dict, "t", "j"), "w");
	iniparser_freedict(dict);
	ini_free(d);
}

/* fuzz_ini: values as iniparser reads them: any white space after '=', an unclosed quote runs to
 * the end of the line, "" followed by more text is not a quoted value. */
static void test_ini_value_syntax(void **state)
{
	(void)state;
	const char *text = "[s]\na =\v v\nb = \"open ; no close\nc = \"\"x\nd = \"q\" junk\ne = ''\nf = '\n";
	struct ini_doc *d = ini_parse(text);
	dictionary *dict = iniparser_of(text);
	assert_non_null(dict);
	assert_string_equal(both(d, dict, "s", "a"), "v");
	assert_string_equal(both(d, dict, "s", "b"), "open ; no close");
	assert_string_equal(both(d, dict, "s", "c"), "\"\"x");
	assert_string_equal(both(d, dict, "s", "d"), "q");
	assert_string_equal(both(d, dict, "s", "e"), "");
	assert_string_equal(both(d, dict, "s", "f"), "'");
	iniparser_freedict(dict);
	ini_free(d);
}

/* ini_set writes values that read back, or ini_value_ok says it cannot. */
static void test_ini_set_reads_back(void **state)
{
	(void)state;
	static const char *const values[] = {
		"C:\\dir\\", /* a trailing backslash continued the line */
		"a \"b\" ; c", "'x' # y", " lead", "tail ", "\"", "'", "\"\"", "a\\", "=x", "[x]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		assert_true(ini_value_ok("description", values[i]));
		struct ini_doc *d = ini_parse("[container]\ndescription = \"old\" junk ; comment\n[resources]\nram = 1G\n");
		ini_set(d, "container", "description", values[i]);
		_cleanup_free_ char *out = ini_render(d);
		dictionary *dict = iniparser_of(out);
		assert_non_null(dict);
		struct ini_doc *d2 = ini_parse(out);
		const char *v = both(d2, dict, "container", "description");
		if (!v || strcmp(v, values[i]))
			fail_msg("'%s' reads back as '%s' from:\n%s", values[i], v ? v : "(none)", out);
		assert_string_equal(both(d2, dict, "resources", "ram"), "1G");
		assert_non_null(strstr(out, "; comment")); /* the inline comment stays */
		iniparser_freedict(dict);
		ini_free(d);
		ini_free(d2);
	}
	/* no form reads back: both quotes where quoting is needed, a line break, a line too long */
	assert_false(ini_value_ok("description", "it's a \"test\"; really"));
	assert_false(ini_value_ok("description", "'\""));
	assert_true(ini_value_ok("description", "it's a \"test\""));
	assert_false(ini_value_ok("description", "a\nb"));
	char long_v[INI_LINE_MAX + 2];
	memset(long_v, 'x', sizeof(long_v) - 1);
	long_v[sizeof(long_v) - 1] = 0;
	assert_false(ini_value_ok("k", long_v));
	long_v[INI_LINE_MAX - strlen("k = ")] = 0;
	assert_true(ini_value_ok("k", long_v));
	_cleanup_free_ char *line = xasprintf("[s]\nk = %s\n", long_v);
	dictionary *dict = iniparser_of(line);
	assert_non_null(dict); /* INI_LINE_MAX is iniparser's limit... */
	iniparser_freedict(dict);
	_cleanup_free_ char *line2 = xasprintf("[s]\nk = %sx\n", long_v);
	assert_null(iniparser_of(line2)); /* ...exactly */

	/* a value that fits, on a line whose padding and comment would make it too long */
	struct ini_doc *d = ini_parse("[s]\nk          = v ; a comment\n");
	ini_set(d, "s", "k", long_v);
	_cleanup_free_ char *out = ini_render(d);
	dict = iniparser_of(out);
	assert_non_null(dict);
	iniparser_freedict(dict);
	ini_free(d);
}

static struct ct_config *new_ct(void)
{
	static struct gconf g = {.userns_default = true, .userns_size = 65536, .stop_timeout = 120, .ipadd_bridged = true};
	g.config_dir = tmpdir;
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(&g, 101, ini_parse("[container]\nhostname = a\n"), &c), 0);
	return c;
}

/* What set --save wrote loads again, to the same interfaces and description. */
static void reload_same(struct ct_config *c)
{
	static struct gconf g = {.userns_default = true, .userns_size = 65536, .stop_timeout = 120, .ipadd_bridged = true};
	g.config_dir = tmpdir;
	assert_int_equal(ctconf_save(c), 0);
	struct ct_config *c2 = NULL;
	cerr_clear();
	if (ctconf_load(&g, 101, &c2) < 0)
		fail_msg("the saved config does not load: %s", cerr_msg());
	assert_int_equal(c2->nnetif, c->nnetif);
	for (unsigned i = 0; i < c->nnetif; i++) {
		assert_string_equal(c2->netif[i].ifname, c->netif[i].ifname);
		assert_int_equal(c2->netif[i].nips, c->netif[i].nips);
	}
	if (c->description)
		assert_string_equal(c2->description, c->description);
	ctconf_free(c2);
}

/* fuzz_params: "--netif_add ethdev]]" saved "[netif.ethdev]]]", which reads back as an
 * interface "ethdev". */
static void test_ifname_ini_syntax(void **state)
{
	(void)state;
	static const char *const bad[] = {"ethdev]]", "a[b", "e\"x", "e'x", "e;x", "e#x", "e\\x"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(net_valid_ifname(bad[i]));
		struct ct_config *c = new_ct();
		cerr_clear();
		assert_int_equal(param_set(c, param_find("netif_add"), bad[i]), -EINVAL);
		assert_int_equal(cerr_exit(), EX_BADVALUE);
		ctconf_free(c);
	}
	assert_true(net_valid_ifname("eth0.100"));
	assert_true(net_valid_ifname("veth101.0"));
	assert_true(net_valid_ifname("br-lan@x=1"));
	struct ct_config *c = new_ct();
	assert_int_equal(param_set(c, param_find("netif_add"), "eth1,,veth101.1,,br-lan"), 0);
	reload_same(c);
	ctconf_free(c);
}

/* fuzz_ini/fuzz_params: a description with both quote characters and a ';' read back cut at
 * the ';'; a long one made a line iniparser refuses, and the container's config no longer
 * loaded. set refuses both (exit 21); what it takes reads back. */
static void test_set_value_reads_back(void **state)
{
	(void)state;
	const struct param *p = param_find("description");
	struct ct_config *c = new_ct();
	cerr_clear();
	assert_int_equal(param_set(c, p, "it's a \"web\" server; really"), -EINVAL);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	ctconf_free(c);

	char long_v[1100];
	memset(long_v, 'd', sizeof(long_v) - 1);
	long_v[sizeof(long_v) - 1] = 0;
	c = new_ct();
	cerr_clear();
	assert_int_equal(param_set(c, p, long_v), -EINVAL);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "one config line"));
	ctconf_free(c);

	c = new_ct();
	assert_int_equal(param_set(c, p, "a \"web\" server; C:\\dir\\"), 0);
	reload_same(c);
	ctconf_free(c);

	/* lists grow by merging: the entry that would overflow the line is refused */
	c = new_ct();
	int r = 0;
	unsigned n = 0;
	for (unsigned minor = 0; r == 0 && minor < 200; minor++) {
		char dev[32];
		snprintf(dev, sizeof(dev), "c:4095:%u:rwm", 1000000 + minor);
		cerr_clear();
		r = param_set(c, param_find("devices"), dev);
		n += r == 0;
	}
	assert_int_equal(r, -EINVAL);
	assert_int_equal(cerr_exit(), EX_DEVICES);
	assert_true(n > 40);
	ctconf_free(c);
}

/* 32 long IPv6 addresses on one interface made "ipadd = ..." longer than iniparser reads: the
 * saved config failed to load. The address that would not fit is refused (exit 71). */
static void test_ipadd_line(void **state)
{
	(void)state;
	struct ct_config *c = new_ct();
	int r = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_IPS && r == 0; i++) {
		char ip[64];
		snprintf(ip, sizeof(ip), "2001:0db8:1111:2222:3333:4444:5555:%04x/128", i);
		cerr_clear();
		r = param_set(c, param_find("ipadd"), ip);
		n += r == 0;
	}
	assert_int_equal(r, -EINVAL);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_true(n >= 20 && n < MAX_IPS);
	reload_same(c);
	/* the per-interface option takes the same limit */
	cerr_clear();
	assert_true(param_netif_set(c, "eth0", "ipadd", "2001:0db8:1111:2222:3333:4444:5555:ffff/128") < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	ctconf_free(c);
}

/* fuzz_guestfiles: the guest's only "127.0.0.1 localhost" line ended in "# cellctl": it counted
 * as the localhost line to keep, then went as one of ours; the guest lost localhost (and the
 * next edit put it back). */
static void test_hosts_tagged_localhost(void **state)
{
	(void)state;
	const char *in = "127.0.0.1 localhost .example.com web\t# cellctl\n192.168.1.5 db\n";
	_cleanup_free_ char *a = gnet_hosts_edit(in, "web.example.com", "10.0.0.2");
	_cleanup_free_ char *b = gnet_hosts_edit(a, "web.example.com", "10.0.0.2");
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(a, "10.0.0.2\tweb.example.com web\t# cellctl\n"));
	assert_non_null(strstr(a, "192.168.1.5 db\n"));
}

/* fuzz_guestfiles: a guest hosts line holding our name was rebuilt from its first 64 words only:
 * the names after them were lost. */
static void test_hosts_many_names(void **state)
{
	(void)state;
	struct strbuf b = {0};
	sb_add(&b, "127.0.0.1 localhost\n10.9.9.9");
	for (int i = 0; i < 100; i++)
		sb_printf(&b, " n%d", i);
	sb_add(&b, " web\n");
	_cleanup_free_ char *in = sb_done(&b);
	_cleanup_free_ char *out = gnet_hosts_edit(in, "web.example.com", NULL);
	struct strbuf e = {0};
	sb_add(&e, "\n10.9.9.9\t");
	for (int i = 0; i < 100; i++)
		sb_printf(&e, "n%d%s", i, i < 99 ? " " : "\n");
	_cleanup_free_ char *want = sb_done(&e);
	if (!strstr(out, want))
		fail_msg("names lost:\n%s", out);
}

/* fuzz_vzconf: an OpenVZ DEVICES rule without permissions ("c:") got "none" appended in place,
 * past the end of its buffer. */
static void test_vz_devices_no_perms(void **state)
{
	(void)state;
	static struct gconf g = {.config_dir = UNCONST("/nonexistent"), .userns_size = 65536, .stop_timeout = 120};
	struct vz_vars v;
	cerr_clear();
	assert_int_equal(vzconf_parse("DEVICES=\"c:\"\nDEVICES2=\"c:1:3:\"\nDEVICES=\"c:1:3:\"\n", "f", &v), 0);
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(&g, 101, NULL, &c), 0);
	struct vz_report rep;
	vzconf_translate(&v, 101, c, &rep);
	assert_int_equal(rep.n, 3);
	assert_null(cerr_msg());
	assert_string_equal(c->devices, "c:1:3:none");
	vzconf_report_free(&rep);
	vzconf_vars_free(&v);
	ctconf_free(c);
	cerr_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ini_continued_lines, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ini_section_headers, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ini_value_syntax, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ini_set_reads_back, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ifname_ini_syntax, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_set_value_reads_back, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ipadd_line, setup_dir, teardown_dir),
		cmocka_unit_test(test_hosts_tagged_localhost),
		cmocka_unit_test(test_hosts_many_names),
		cmocka_unit_test(test_vz_devices_no_perms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
