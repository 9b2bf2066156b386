/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config round trips, ctid parsing, the global config, container configs and the parameter table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"
#include "error.h"
#include "fixtures.h"
#include "ini.h"
#include "iniparser.h"
#include "util.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	fx_tmpdir(tmpdir, sizeof(tmpdir), "config");
	cerr_clear();
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	unsetenv("CELLCTL_CONF");
	rm_rf(tmpdir);
	return 0;
}

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, rel);
	char *t = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, p, &t, NULL), 0);
	return t;
}

/* ---- ini ---- */

static const char *SAMPLE = "; top comment\n"
			    "# another\n"
			    "\n"
			    "[container]\n"
			    "hostname = web1   ; the name\n"
			    "zzz_unknown = keep me\n"
			    "onboot = yes\n"
			    "\n"
			    "[resources]\n"
			    "ram = 1G\n"
			    "; trailing comment in resources\n"
			    "\n"
			    "[other]\n"
			    "x = \"quoted ; value\"\n";

static void test_ini_roundtrip_identity(void **state)
{
	(void)state;
	struct ini_doc *d = ini_parse(SAMPLE);
	char *out = ini_render(d);
	assert_string_equal(out, SAMPLE);
	free(out);
	assert_string_equal(ini_get(d, "container", "hostname"), "web1");
	assert_string_equal(ini_get(d, "CONTAINER", "HostName"), "web1");
	assert_string_equal(ini_get(d, "other", "x"), "quoted ; value");
	assert_null(ini_get(d, "container", "nope"));
	assert_null(ini_get(d, "nosection", "ram"));
	ini_free(d);

	/* no final newline survives too */
	d = ini_parse("[a]\nk = v");
	out = ini_render(d);
	assert_string_equal(out, "[a]\nk = v");
	free(out);
	ini_free(d);
}

static void test_ini_set_keeps_comment(void **state)
{
	(void)state;
	struct ini_doc *d = ini_parse(SAMPLE);
	ini_set(d, "container", "hostname", "web2");
	char *out = ini_render(d);
	assert_non_null(strstr(out, "hostname = web2   ; the name\n"));
	/* everything else intact */
	assert_non_null(strstr(out, "; top comment\n# another\n\n[container]\n"));
	assert_non_null(strstr(out, "zzz_unknown = keep me\nonboot = yes\n"));
	free(out);
	assert_string_equal(ini_get(d, "container", "hostname"), "web2");
	ini_free(d);
}

static void test_ini_set_new_key_and_section(void **state)
{
	(void)state;
	struct ini_doc *d = ini_parse(SAMPLE);
	ini_set(d, "resources", "swap", "2G");
	ini_set(d, "container", "bootorder", "5");
	ini_set(d, "security", "capability", "sys_time:on");
	ini_set(d, "other", "y", "has # hash");
	char *out = ini_render(d);
	const char *want = "; top comment\n"
			   "# another\n"
			   "\n"
			   "[container]\n"
			   "hostname = web1   ; the name\n"
			   "zzz_unknown = keep me\n"
			   "onboot = yes\n"
			   "bootorder = 5\n"
			   "\n"
			   "[resources]\n"
			   "ram = 1G\n"
			   "swap = 2G\n"
			   "; trailing comment in resources\n"
			   "\n"
			   "[other]\n"
			   "x = \"quoted ; value\"\n"
			   "y = \"has # hash\"\n"
			   "\n"
			   "[security]\n"
			   "capability = sys_time:on\n";
	assert_string_equal(out, want);
	free(out);
	assert_string_equal(ini_get(d, "other", "y"), "has # hash");

	/* unset and re-render */
	assert_int_equal(ini_unset(d, "container", "zzz_unknown"), 1);
	assert_int_equal(ini_unset(d, "container", "zzz_unknown"), 0);
	out = ini_render(d);
	assert_null(strstr(out, "zzz_unknown"));
	assert_non_null(strstr(out, "hostname = web1   ; the name\nonboot = yes\nbootorder = 5\n"));
	free(out);

	/* key iteration in file order */
	const char *k, *v;
	assert_int_equal(ini_key_at(d, "container", 0, &k, &v), 0);
	assert_string_equal(k, "hostname");
	assert_int_equal(ini_key_at(d, "container", 2, &k, &v), 0);
	assert_string_equal(k, "bootorder");
	assert_string_equal(v, "5");
	assert_int_equal(ini_key_at(d, "container", 3, &k, &v), -1);

	/* sections in order; remove one */
	const char *s;
	assert_int_equal(ini_section_at(d, 0, &s), 0);
	assert_string_equal(s, "container");
	assert_int_equal(ini_section_at(d, 3, &s), 0);
	assert_string_equal(s, "security");
	assert_int_equal(ini_remove_section(d, "other"), 1);
	assert_null(ini_get(d, "other", "x"));
	assert_string_equal(ini_get(d, "security", "capability"), "sys_time:on");
	ini_free(d);

	/* a fresh doc */
	d = ini_new();
	ini_set(d, "a", "k", "v");
	ini_set(d, "b", "k", "");
	out = ini_render(d);
	assert_string_equal(out, "[a]\nk = v\n\n[b]\nk =\n");
	free(out);
	assert_string_equal(ini_get(d, "b", "k"), "");
	ini_free(d);
}

static void test_ini_save_load(void **state)
{
	(void)state;
	struct ini_doc *d = ini_parse(SAMPLE);
	_cleanup_free_ char *p = xasprintf("%s/x.ini", tmpdir);
	assert_int_equal(ini_save(d, p, 0600), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, p, &text, NULL), 0);
	char *a = ini_render(d);
	assert_string_equal(a, text);
	free(a);
	ini_free(d);
}

/* ---- the one reader ---- */

/* iniparser's reading of a file, loaded the way nothing in cellctl does any more: straight from
 * the path, to compare with */
static char *iniparser_value(const char *rel, const char *sk)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, rel);
	dictionary *d = iniparser_load(p);
	assert_non_null(d);
	const char *v = iniparser_getstring(d, sk, NULL);
	char *out = v ? xstrdup(v) : NULL;
	iniparser_freedict(d);
	return out;
}

static struct gconf *test_gconf(void)
{
	struct gconf *g = NULL;
	_cleanup_free_ char *gp = xasprintf("%s/cellctl.conf", tmpdir);
	put("cellctl.conf", "[paths]\nconfig_dir = ct\nsample_dir = samples\n");
	_cleanup_free_ char *ct = xasprintf("%s/ct", tmpdir), *sm = xasprintf("%s/samples", tmpdir);
	mkdir(ct, 0755);
	mkdir(sm, 0755);
	setenv("CELLCTL_CONF", gp, 1);
	assert_int_equal(gconf_load(&g), 0);
	return g;
}

/* A value continued with a backslash reads the same in the loaded config, the printed parameter
 * and iniparser; so does it after an edit of another key is saved and the file read again. */
static void test_one_read_continuation(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	put("ct/101.conf", "[container]\n"
			   "; a comment that stays\n"
			   "description = first \\\n"
			   "   second ; and a comment\n"
			   "hostname = web1\n"
			   "[resources]\n"
			   "ram = 1G\n");
	_cleanup_free_ char *want = iniparser_value("ct/101.conf", "container:description");
	assert_non_null(want);
	assert_non_null(strstr(want, "second")); /* iniparser joins the lines */
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_string_equal(c->description, want);
	char buf[256];
	param_print(param_find("description"), c, buf, sizeof(buf));
	assert_string_equal(buf, want);
	/* edit another key, save, read again: the continued line and the comment are kept */
	assert_int_equal(param_set(c, param_find("hostname"), "web2"), 0);
	assert_int_equal(ctconf_save(c), 0);
	ctconf_free(c);
	_cleanup_free_ char *text = get("ct/101.conf");
	assert_non_null(strstr(text, "description = first \\\n   second ; and a comment\n"));
	assert_non_null(strstr(text, "; a comment that stays\n"));
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_string_equal(c->description, want);
	assert_string_equal(c->hostname, "web2");
	_cleanup_free_ char *again = iniparser_value("ct/101.conf", "container:description");
	assert_string_equal(again, want);
	/* an edit of the continued value itself: written on one line, read back as set */
	assert_int_equal(param_set(c, param_find("description"), "one line"), 0);
	assert_int_equal(ctconf_save(c), 0);
	ctconf_free(c);
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_string_equal(c->description, "one line");
	ctconf_free(c);
	gconf_free(g);
}

/* The edited text is read again by iniparser before it is written: a value that would read back
 * otherwise than meant is refused and the file left as it was. */
static void test_edit_reread_refuses(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	put("ct/102.conf", "[container]\nhostname = a\n");
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_load(g, 102, &c), 0);
	/* param_set refuses such a value itself; the raw editor writes it (with a warning) */
	ini_set(c->doc, "container", "description", "it's a \"web\" server; really");
	cerr_clear();
	assert_true(ctconf_save(c) < 0);
	assert_int_equal(cerr_exit(), EX_CONFSAVE);
	assert_non_null(strstr(cerr_msg(), "[container] description: the edited file would read"));
	ctconf_free(c);
	_cleanup_free_ char *text = get("ct/102.conf");
	assert_string_equal(text, "[container]\nhostname = a\n");
	/* a value with a line break: flattened by the editor, so not what was meant */
	assert_int_equal(ctconf_load(g, 102, &c), 0);
	ini_set(c->doc, "container", "description", "two\nlines");
	cerr_clear();
	assert_true(ctconf_save(c) < 0);
	assert_int_equal(cerr_exit(), EX_CONFSAVE);
	ctconf_free(c);
	cerr_clear();
	gconf_free(g);
}

/* Lines the reader refuses, with FILE:LINE, in container configs, samples and the global config. */
static void test_reader_line_errors(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	struct ct_config *c = NULL;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		/* an OpenVZ/vzctl config: keys before any section */
		{"# vzctl\nPHYSPAGES=\"0:65536\"\nONBOOT=\"yes\"\n",
		 ":2: key before any [section]: PHYSPAGES=\"0:65536\" (this looks like an OpenVZ/vzctl config; cellctl "
		 "configs are INI with [sections], see cellctl.conf(5))"},
		{"[ ]\nram = 1G\n", ":2: key before any [section]: ram = 1G"},
		{"[container]\nhostname = a\nthis is junk\n", ":3: malformed line: this is junk"},
		{"[container]\n= value\n", ":2: malformed line: = value"},
		{"[container\n", ":1: malformed line: [container"},
		/* a continued malformed line: the number of its first line */
		{"[container]\n\njunk \\\nmore junk\n", ":3: malformed line: junk \\"},
		{"[container]\nhostname = a\nx\001y\n", ":3: malformed line: x\\x01y"},
		/* an empty header: iniparser would file what follows under section "c" (fuzz_ini) */
		{"[container]\n[]\nhostname = a\n", ":2: malformed line: []"},
		{"[container]\n[\\\n]\nhostname = a\n", ":2: malformed line: [\\"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		put("ct/103.conf", cases[i].text);
		cerr_clear();
		assert_true(ctconf_load(g, 103, &c) < 0);
		assert_int_equal(cerr_exit(), EX_BADCONFIG);
		_cleanup_free_ char *want = xasprintf("%s/ct/103.conf%s", tmpdir, cases[i].msg);
		if (strncmp(cerr_msg(), want, strlen(want)))
			fail_msg("case %zu: got '%s', want '%s'", i, cerr_msg(), want);
	}
	/* a NUL byte: iniparser and the editor would read different texts */
	_cleanup_free_ char *p = xasprintf("%s/ct/103.conf", tmpdir);
	assert_int_equal(write_file_atomic(p, "[container]\nhostname = a\0b\n", 26, 0644), 0);
	cerr_clear();
	assert_true(ctconf_load(g, 103, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "103.conf:2: malformed line"));
	/* a line longer than iniparser reads */
	_cleanup_free_ char *lng = xasprintf("[container]\ndescription = %01100d\n", 0);
	put("ct/103.conf", lng);
	cerr_clear();
	assert_true(ctconf_load(g, 103, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "103.conf:2: line too long"));
	/* a sample: the message names the sample file */
	put("samples/ve-ovz.conf-sample", "PHYSPAGES=\"0:65536\"\n");
	cerr_clear();
	assert_true(ctconf_load_sample(g, 905, "ovz", &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	_cleanup_free_ char *sw = xasprintf("%s/samples/ve-ovz.conf-sample:1: key before any [section]", tmpdir);
	assert_non_null(strstr(cerr_msg(), sw));
	/* the global config goes through the same reader */
	gconf_free(g);
	put("cellctl.conf", "CONFIG_DIR = /etc/vz\n[paths]\nconfig_dir = ct\n");
	cerr_clear();
	assert_true(gconf_load(&g) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	_cleanup_free_ char *gw = xasprintf("%s/cellctl.conf:1: key before any [section]: CONFIG_DIR = /etc/vz", tmpdir);
	assert_non_null(strstr(cerr_msg(), gw));
	/* comments, blank lines and a continued comment are fine */
	put("cellctl.conf", "; c\n# c\n\n[paths]\nconfig_dir = ct ; x\n; a \\\n  continued comment\n");
	cerr_clear();
	assert_int_equal(gconf_load(&g), 0);
	gconf_free(g);
}

/* PF_LIVE: what set on a running container changes without a restart. The parameters set can
 * change but only the next start applies are exactly these (set says so for each). */
static void test_param_live(void **state)
{
	(void)state;
	static const char *const next_start[] = {"capability", "seccomp", "seccomp_allow", "seccomp_deny",
						  "no_new_privs", "nesting", "lxcfs", "sysinfo", "listen", "listen_del", "idle_stop"};
	unsigned n;
	const struct param *t = param_table(&n);
	for (unsigned i = 0; i < n; i++) {
		if (!(t[i].flags & PF_SET))
			continue;
		bool want_live = true;
		for (size_t k = 0; k < ARRAY_SIZE(next_start); k++)
			want_live &= strcmp(t[i].name, next_start[k]) != 0;
		if (want_live != !!(t[i].flags & PF_LIVE))
			fail_msg("--%s: PF_LIVE %s", t[i].name, want_live ? "missing" : "set");
	}
}

/* ---- ctid ---- */

static void test_ctid_parse(void **state)
{
	(void)state;
	unsigned id = 0;
	assert_int_equal(ctid_parse("0", &id), -ERANGE);
	assert_int_equal(ctid_parse("100", &id), -ERANGE);
	assert_int_equal(ctid_parse("101", &id), 0);
	assert_int_equal(id, 101);
	assert_int_equal(ctid_parse("2147483647", &id), 0);
	assert_int_equal(id, 2147483647u);
	assert_int_equal(ctid_parse("2147483648", &id), -ERANGE);
	assert_int_equal(ctid_parse("99999999999999999999999", &id), -ERANGE);
	assert_int_equal(ctid_parse("-5", &id), -EINVAL);
	assert_int_equal(ctid_parse("+101", &id), -EINVAL);
	assert_int_equal(ctid_parse("10a", &id), -EINVAL);
	assert_int_equal(ctid_parse("", &id), -EINVAL);
	assert_int_equal(ctid_parse(" 101", &id), -EINVAL);
	assert_int_equal(ctid_parse("101 ", &id), -EINVAL);
	assert_int_equal(ctid_parse("0x65", &id), -EINVAL);
	assert_int_equal(ctid_parse(NULL, &id), -EINVAL);
}

/* ---- global config ---- */

static struct gconf *load_gconf(const char *text)
{
	put("cellctl.conf", text);
	_cleanup_free_ char *p = xasprintf("%s/cellctl.conf", tmpdir);
	setenv("CELLCTL_CONF", p, 1);
	struct gconf *g = NULL;
	cerr_clear();
	int r = gconf_load(&g);
	if (r < 0)
		return NULL;
	return g;
}

static void test_gconf_defaults_and_relative(void **state)
{
	(void)state;
	struct gconf *g = load_gconf("; minimal\n[paths]\nconfig_dir = ct\nprivate_dir = ./private ; inline\n"
				     "run_dir = /abs/run\n[cgroup]\nparent = self\n");
	assert_non_null(g);
	_cleanup_free_ char *ct = xasprintf("%s/ct", tmpdir);
	_cleanup_free_ char *priv = xasprintf("%s/./private", tmpdir);
	assert_string_equal(g->config_dir, ct);
	assert_string_equal(g->private_dir, priv);
	assert_string_equal(g->run_dir, "/abs/run");
	assert_string_equal(g->cg_parent, "self");
	/* defaults */
	assert_string_equal(g->template_dir, "/var/lib/cellctl/template");
	assert_string_equal(g->sample_dir, "/etc/cellctl/samples");
	assert_string_equal(g->log_file, "/var/log/cellctl.log");
	assert_string_equal(g->bridge, "cellbr0");
	assert_null(g->bridge_address);
	assert_string_equal(g->default_template, "busybox");
	assert_null(g->default_sample);
	assert_true(g->userns_default);
	assert_int_equal(g->userns_base, 100000);
	assert_int_equal(g->userns_size, 65536);
	assert_int_equal(g->stop_timeout, 120);
	assert_false(g->layout_copy); /* [defaults] layout = overlay */
	assert_true(str_endswith(g->recipe_dir, "/templates"));
	gconf_free(g);

	g = load_gconf("[network]\nbridge = br9\nbridge_address = 10.77.0.1/24\n[userns]\ndefault = no\n"
		       "base = 200000\nsize = 1000\n[defaults]\nostemplate = debian\nconfig = basic\n"
		       "stop_timeout = 30\nlayout = copy\n");
	assert_non_null(g);
	assert_string_equal(g->bridge, "br9");
	assert_string_equal(g->bridge_address, "10.77.0.1/24");
	assert_false(g->userns_default);
	assert_int_equal(g->userns_base, 200000);
	assert_int_equal(g->userns_size, 1000);
	assert_string_equal(g->default_template, "debian");
	assert_string_equal(g->default_sample, "basic");
	assert_int_equal(g->stop_timeout, 30);
	assert_true(g->layout_copy);
	gconf_free(g);
}

static void test_gconf_errors(void **state)
{
	(void)state;
	assert_null(load_gconf("[paths]\nconfig_dir = ct\nthis line is junk\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	_cleanup_free_ char *want = xasprintf("%s/cellctl.conf:3: malformed line: this line is junk", tmpdir);
	assert_string_equal(cerr_msg(), want);

	assert_null(load_gconf("[userns]\nsize = 0\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "[userns] size"));
	assert_non_null(strstr(cerr_msg(), "cellctl.conf"));

	assert_null(load_gconf("[userns]\nbase = 4294950000\nsize = 65536\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);

	assert_null(load_gconf("[defaults]\nlayout = cow\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "[defaults] layout: invalid value 'cow'"));

	assert_null(load_gconf("[userns]\ndefault = maybe\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "[userns] default: invalid value 'maybe'"));

	assert_null(load_gconf("[network]\nbridge_address = 10.1.2.300/24\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_null(load_gconf("[network]\nbridge = a-very-long-bridge-name\n"));
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	/* [cgroup] parent: self/NAME names the directory below the caller's own cgroups */
	struct gconf *ok = load_gconf("[cgroup]\nparent = self/cct-lifecycle-4711\n");
	assert_non_null(ok);
	assert_string_equal(ok->cg_parent, "self/cct-lifecycle-4711");
	gconf_free(ok);
	static const char *const bad_parent[] = {"self/", "self/../x", "/abs", "two words", "a/../../b"};
	for (size_t i = 0; i < ARRAY_SIZE(bad_parent); i++) {
		_cleanup_free_ char *t = xasprintf("[cgroup]\nparent = %s\n", bad_parent[i]);
		assert_null(load_gconf(t));
		assert_int_equal(cerr_exit(), EX_BADCONFIG);
		assert_non_null(strstr(cerr_msg(), "[cgroup] parent"));
	}

	/* $CELLCTL_CONF names a missing file */
	_cleanup_free_ char *p = xasprintf("%s/nope.conf", tmpdir);
	setenv("CELLCTL_CONF", p, 1);
	struct gconf *g = NULL;
	cerr_clear();
	assert_int_equal(gconf_load(&g), -ENOENT);
	assert_int_equal(cerr_exit(), EX_NOGCONF);
}

/* ---- container configs ---- */

static const char *CT101 = "# container 101\n"
			   "[container]\n"
			   "hostname = ct101.example.com ; name\n"
			   "ostemplate = busybox\n"
			   "uuid = 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n"
			   "onboot = yes\n"
			   "custom_thing = 42\n"
			   "\n"
			   "[resources]\n"
			   "ram = 512M\n"
			   "swap = 1G\n"
			   "cpulimit = 50%\n"
			   "numproc = 100:200\n"
			   "diskspace = 1048576:2G\n"
			   "\n"
			   "[security]\n"
			   "capability = sys_time:on,net_admin:off\n"
			   "\n"
			   "[network]\n"
			   "nameserver = 8.8.8.8 2001:4860:4860::8888\n"
			   "\n"
			   "[netif.eth0]\n"
			   "mac = 02:00:00:00:00:01\n"
			   "ipadd = 10.0.0.2/24 fd00::2/64\n"
			   "gw = 10.0.0.1\n"
			   "\n"
			   "[netif.eth1]\n"
			   "bridge = br1\n";

static void test_ctconf_load_save(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	put("ct/101.conf", CT101);
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_int_equal(c->ctid, 101);
	assert_string_equal(c->hostname, "ct101.example.com");
	assert_string_equal(c->ostemplate, "busybox");
	assert_true(c->onboot);
	assert_false(c->disabled);
	assert_true(c->userns);
	assert_int_equal(c->uid_size, 65536);
	assert_int_equal(c->stop_timeout, 120);
	assert_int_equal(c->ram, 512ull << 20);
	assert_int_equal(c->swap, 1ull << 30);
	assert_int_equal(c->cpulimit, 50);
	assert_true(c->cpulimit_host);
	assert_int_equal(c->cpuunits, 1000);
	assert_int_equal(c->ioprio, 4);
	assert_int_equal(c->numproc, 200);
	assert_int_equal(c->diskspace_soft, 1ull << 30);
	assert_int_equal(c->diskspace_hard, 2ull << 30);
	assert_int_equal(c->diskinodes_soft, SIZE_UNLIMITED);
	assert_string_equal(c->capability, "sys_time:on,net_admin:off");
	assert_string_equal(c->nameserver, "8.8.8.8 2001:4860:4860::8888");
	assert_int_equal(c->nnetif, 2);
	assert_string_equal(c->netif[0].ifname, "eth0");
	assert_string_equal(c->netif[0].mac, "02:00:00:00:00:01");
	assert_int_equal(c->netif[0].nips, 2);
	assert_string_equal(c->netif[0].ips[1], "fd00::2/64");
	assert_string_equal(c->netif[0].gw, "10.0.0.1");
	assert_string_equal(c->netif[1].ifname, "eth1");
	assert_string_equal(c->netif[1].bridge, "br1");

	/* set + save: only the touched lines change */
	assert_int_equal(param_set(c, param_find("ram"), "1G"), 0);
	assert_int_equal(param_set(c, param_find("cpuunits"), "2000"), 0);
	assert_int_equal(param_set(c, param_find("hostname"), "new.example.com"), 0);
	assert_int_equal(ctconf_save(c), 0);
	char *text = get("ct/101.conf");
	assert_non_null(strstr(text, "hostname = new.example.com ; name\n"));
	assert_non_null(strstr(text, "custom_thing = 42\n"));
	assert_non_null(strstr(text, "[resources]\nram = 1G\nswap = 1G\ncpulimit = 50%\nnumproc = 100:200\n"
				     "diskspace = 1048576:2G\ncpuunits = 2000\n"));
	assert_non_null(strstr(text, "[netif.eth1]\nbridge = br1\n"));
	free(text);

	unsigned *ids = NULL, n = 0;
	put("ct/102.conf.destroyed", "");
	put("ct/abc.conf", "");
	put("ct/5.conf", "");
	put("ct/2000.conf", "[container]\n");
	put("ct/103.conf", "[container]\n");
	assert_int_equal(ctconf_list(g, &ids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 101);
	assert_int_equal(ids[1], 103);
	assert_int_equal(ids[2], 2000);
	free(ids);
	ctconf_free(c);

	/* reload: same values */
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_int_equal(c->ram, 1ull << 30);
	assert_int_equal(c->cpuunits, 2000);
	assert_string_equal(c->hostname, "new.example.com");

	/* interfaces: add, ip add/del, remove, all persisted */
	c->ipadd_bridged = true; /* [network] ipadd_mode = bridged: bare --ipadd goes to eth0 */
	assert_int_equal(param_set(c, param_find("netif_add"), "eth2,02:00:00:00:00:09,,,br2"), 0);
	assert_int_equal(param_set(c, param_find("ipadd"), "10.0.0.3/24"), 0);
	assert_int_equal(param_set(c, param_find("ipdel"), "fd00::2"), 0);
	assert_int_equal(param_set(c, param_find("netif_del"), "eth1"), 0);
	assert_int_equal(param_set(c, param_find("netif-add"), "eth0"), -EINVAL); /* exists */
	assert_int_equal(ctconf_save(c), 0);
	ctconf_free(c);
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_int_equal(c->nnetif, 2);
	assert_string_equal(c->netif[0].ifname, "eth0");
	assert_int_equal(c->netif[0].nips, 2);
	assert_string_equal(c->netif[0].ips[0], "10.0.0.2/24");
	assert_string_equal(c->netif[0].ips[1], "10.0.0.3/24");
	assert_string_equal(c->netif[1].ifname, "eth2");
	assert_string_equal(c->netif[1].bridge, "br2");
	char buf[256];
	param_print(param_find("ip"), c, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2 10.0.0.3");
	text = get("ct/101.conf");
	assert_null(strstr(text, "eth1"));
	free(text);
	ctconf_free(c);

	/* missing config */
	cerr_clear();
	assert_int_equal(ctconf_load(g, 999, &c), -ENOENT);
	assert_int_equal(cerr_exit(), EX_NOCONF);
	assert_non_null(strstr(cerr_msg(), "999"));

	/* malformed line */
	put("ct/104.conf", "[container]\nhostname = a\nbroken\n");
	cerr_clear();
	assert_true(ctconf_load(g, 104, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_non_null(strstr(cerr_msg(), "104.conf:3: malformed line: broken"));

	/* invalid value */
	put("ct/105.conf", "[resources]\ncpuunits = 7\n");
	cerr_clear();
	assert_true(ctconf_load(g, 105, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "105.conf: [resources] cpuunits: invalid value '7' is out of range: expected a number from 8"));

	put("ct/106.conf", "[container]\nhostname = -bad-\n");
	cerr_clear();
	assert_true(ctconf_load(g, 106, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADHOSTNAME);

	put("ct/107.conf", "[netif.eth0]\nipadd = 10.0.0.300\n");
	cerr_clear();
	assert_true(ctconf_load(g, 107, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_non_null(strstr(cerr_msg(), "[netif.eth0] ipadd: invalid value '10.0.0.300': expected an IPv4 or IPv6 address"));
	put("ct/108.conf", "[resources]\nram = 64Q\n");
	cerr_clear();
	assert_true(ctconf_load(g, 108, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "[resources] ram: invalid value '64Q': expected a size of at least 1M such as 512M"));

	/* samples */
	put("samples/ve-basic.conf-sample", "[resources]\nram = 256M\n");
	assert_int_equal(ctconf_load_sample(g, 110, "basic", &c), 0);
	assert_string_equal(ini_get(c->doc, "resources", "ram"), "256M");
	assert_int_equal(c->ram, 256ull << 20);
	_cleanup_free_ char *p110 = xasprintf("%s/ct/110.conf", tmpdir);
	assert_string_equal(c->path, p110);
	ctconf_free(c);
	cerr_clear();
	assert_true(ctconf_load_sample(g, 110, "missing", &c) < 0);
	assert_int_equal(cerr_exit(), EX_NOCONF);
	assert_true(ctconf_load_sample(g, 110, "../etc", &c) < 0);
	assert_true(ctconf_load_sample(g, 110, "a/b", &c) < 0);

	gconf_free(g);
}

/* ---- the parameter table ---- */

struct pcase {
	const char *param, *value;
	int ok;            /* 1 good, 0 bad */
	const char *saved; /* the ini value after a good set (NULL: key absent) */
};

static const struct pcase cases[] = {
	{"hostname", "web.example.com", 1, "web.example.com"},
	{"hostname", "a..b", 0, NULL},
	{"hostname", "-x", 0, NULL},
	{"hostname", "under_score", 0, NULL},
	{"onboot", "yes", 1, "yes"},
	{"onboot", "maybe", 0, NULL},
	{"disabled", "off", 1, "no"},
	{"bootorder", "10", 1, "10"},
	{"bootorder", "-1", 0, NULL},
	{"stop_timeout", "30", 1, "30"},
	{"stop-timeout", "0", 0, NULL},
	{"name", "web", 1, "web"},
	{"name", "123", 0, NULL},
	{"name", "a b", 0, NULL},
	{"name", "-web", 0, NULL},
	{"name", "_web", 1, "_web"}, /* valid before the leading '-' rule: configs keep loading */
	{"name", "web-1.a", 1, "web-1.a"},
	{"description", "my box", 1, "my box"},
	{"ram", "1G", 1, "1G"},
	{"ram", "1536M", 1, "1536M"},
	{"ram", "unlimited", 1, "unlimited"},
	{"ram", "12X", 0, NULL},
	{"ram", "99999999999999999999G", 0, NULL},
	{"swap", "0", 1, "0"},
	{"swap", "1000", 1, "1000B"},
	{"cpuunits", "8", 1, "8"},
	{"cpuunits", "500000", 1, "500000"},
	{"cpuunits", "7", 0, NULL},
	{"cpuunits", "500001", 0, NULL},
	{"cpulimit", "200", 1, "200"},
	{"cpulimit", "50%", 1, "50%"},
	{"cpulimit", "0", 0, NULL},
	{"cpulimit", "0%", 0, NULL},
	{"cpulimit", "101%", 0, NULL},
	{"cpulimit", "102401", 0, NULL},
	{"cpus", "2", 1, "2"},
	{"cpus", "0", 0, NULL},
	{"cpus", "1025", 0, NULL},
	{"cpumask", "0-2,7", 1, "0-2,7"},
	{"cpumask", "all", 1, NULL},
	{"cpumask", "3-1", 0, NULL},
	{"cpumask", "1,,2", 0, NULL},
	{"ioprio", "0", 1, "0"},
	{"ioprio", "8", 0, NULL},
	{"iolimit", "10", 1, "10M"},
	{"iolimit", "512K", 1, "512K"},
	{"iolimit", "ten", 0, NULL},
	{"iopslimit", "300", 1, "300"},
	{"iopslimit", "-3", 0, NULL},
	{"numproc", "100", 1, "100"},
	{"numproc", "100:200", 1, "200"},
	{"numproc", "unlimited", 1, "unlimited"},
	{"numproc", "1:x", 0, NULL},
	{"diskspace", "1048576", 1, "1G"},
	{"diskspace", "1G:2G", 1, "1G:2G"},
	{"diskspace", "2G:1G", 0, NULL},
	{"diskspace", "10Q", 0, NULL},
	{"diskinodes", "200000:220000", 1, "200000:220000"},
	{"diskinodes", "5:4", 0, NULL},
	{"capability", "sys_time:on", 1, "sys_time:on"},
	{"capability", "CAP_NET_ADMIN:off,chown:on", 1, "net_admin:off,chown:on"},
	{"capability", "bogus_cap:on", 0, NULL},
	{"capability", "sys_time:maybe", 0, NULL},
	{"devices", "c:10:200:rw", 1, "c:10:200:rw"},
	{"devices", "b:8:*:r all:m", 1, "b:8:*:r all:m"},
	{"devices", "c:1:2:x", 0, NULL},
	{"devices", "d:1:2:r", 0, NULL},
	{"devices", "c:1:r", 0, NULL},
	{"devnodes", "net/tun:rw", 1, "net/tun:rw"},
	{"devnodes", "../etc/passwd:rw", 0, NULL},
	{"nameserver", "1.1.1.1 ::1", 1, "1.1.1.1 ::1"},
	{"nameserver", "inherit", 1, "inherit"},
	{"nameserver", "1.1.1", 0, NULL},
	{"searchdomain", "example.com corp.local", 1, "example.com corp.local"},
	{"searchdomain", "bad_domain", 0, NULL},
	{"ostemplate", "debian-12", 1, "debian-12"},
	{"ostemplate", "../x", 0, NULL},
};

static struct gconf *fake_gconf(void)
{
	struct gconf *g = xcalloc(1, sizeof(*g));
	g->config_dir = xstrdup("/nonexistent");
	g->userns_default = true;
	g->userns_size = 65536;
	g->stop_timeout = 120;
	return g;
}

static void test_param_cases(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *t = &cases[i];
		const struct param *p = param_find(t->param);
		assert_non_null(p);
		struct ct_config *c = NULL;
		assert_int_equal(ctconf_from_doc(g, 101, ini_parse("[container]\n; keep\n"), &c), 0);
		/* a fresh struct as reference for "unchanged" */
		struct ct_config *ref = NULL;
		assert_int_equal(ctconf_from_doc(g, 101, NULL, &ref), 0);
		char *before = ini_render(c->doc);
		cerr_clear();
		int r = param_set(c, p, t->value);
		char *after = ini_render(c->doc);
		if (!t->ok) {
			if (r == 0)
				fail_msg("%s=%s accepted", t->param, t->value);
			assert_int_equal(cerr_exit(), p->bad_exit);
			assert_string_equal(before, after);
			char b1[512], b2[512];
			param_print(p, c, b1, sizeof(b1));
			param_print(p, ref, b2, sizeof(b2));
			assert_string_equal(b1, b2);
		} else {
			if (r != 0)
				fail_msg("%s=%s rejected: %s", t->param, t->value, cerr_msg());
			const char *v = ini_get(c->doc, p->section, p->key);
			if (t->saved) {
				if (!v || strcmp(v, t->saved))
					fail_msg("%s=%s saved as '%s', want '%s'", t->param, t->value, v ? v : "(none)",
						 t->saved);
				/* and it loads back to the same */
				struct ct_config *c2 = NULL;
				assert_int_equal(ctconf_from_doc(g, 101, ini_parse(after), &c2), 0);
				char b1[512], b2[512];
				param_print(p, c, b1, sizeof(b1));
				param_print(p, c2, b2, sizeof(b2));
				assert_string_equal(b1, b2);
				ctconf_free(c2);
			} else {
				assert_null(v);
			}
			assert_non_null(strstr(after, "; keep\n"));
		}
		free(before);
		free(after);
		ctconf_free(c);
		ctconf_free(ref);
	}
	gconf_free(g);
}

/* An invalid value's message names the value and the form the parameter accepts, for every kind
 * of parameter in the table (issue 10: "--ram 12Q says only: invalid value"). */
static const struct {
	const char *param, *value, *want[3];
} value_errors[] = {
	{"ram", "12Q", {"invalid value for --ram: '12Q': expected a size", "512M", "unlimited"}},
	{"ram", "512K", {"'512K' is out of range: expected a size of at least 1M", "P counts 4 KiB pages", NULL}},
	{"swap", "lots", {"--swap: 'lots': expected a size", "2G", NULL}},
	{"numproc", "1:x", {"barrier:limit such as 200:256", NULL, NULL}},
	{"numproc", "0", {"'0' is out of range: expected", "not 0", NULL}},
	{"diskspace", "2G:1G", {"out of range", "soft[:hard]", "soft not above hard"}},
	{"diskinodes", "many", {"soft[:hard] inode counts", NULL, NULL}},
	{"cpulimit", "0%", {"out of range", "from 1% to 100%", "percentage of one CPU"}},
	{"cpulimit", "fast", {"such as 50 or 200", NULL, NULL}},
	{"cpuunits", "7", {"'7' is out of range: expected a number from 8 to 500000", NULL, NULL}},
	{"cpus", "x", {"a number of CPUs from 1 to 1024", NULL, NULL}},
	{"cpumask", "3-1", {"such as 0-2,7", "or all", NULL}},
	{"ioprio", "9", {"is out of range: expected a number from 0 to 7", NULL, NULL}},
	{"iolimit", "fast", {"bytes per second such as 10M", "MB/s", NULL}},
	{"iopslimit", "-1", {"operations per second", NULL, NULL}},
	{"onboot", "maybe", {"yes or no", NULL, NULL}},
	{"disabled", "2", {"yes or no", NULL, NULL}},
	{"bootorder", "-1", {"a number from 0 to 2147483647", NULL, NULL}},
	{"stop_timeout", "0", {"is out of range: expected seconds from 1 to 604800", NULL, NULL}},
	{"capability", "bogus:on", {"name:on or name:off", "net_admin:on", NULL}},
	{"devices", "q:10:200:rw", {"b|c:MAJOR:MINOR:PERMS", "c:10:200:rw", NULL}},
	{"devnodes", "tun", {"NAME:PERMS", "net/tun:rw", NULL}},
	{"hostname", "-x", {"labels of letters, digits and hyphens", "web1.example.com", NULL}},
	{"name", "123", {"not only digits", NULL, NULL}},
	{"description", "a\nb", {"'a\\x0ab': expected one line of text", NULL, NULL}},
	{"nameserver", "1.1.1", {"10.0.0.53", "inherit", NULL}},
	{"searchdomain", "bad_domain", {"example.com", "inherit", NULL}},
	{"ipadd", "10.1.2.300", {"without prefix (or with /32, /128), such as 203.0.113.5", NULL, NULL}}, /* routed */
	{"ipdel", "x", {"or all", NULL, NULL}},
	{"netif_add", "eth0,zz", {"ifname[,mac,host_ifname,host_mac,bridge]", NULL, NULL}},
	{"netif_del", "eth9", {"'eth9' not found: expected the name of an interface", NULL, NULL}},
	{"ostemplate", "../x", {"a template name", NULL, NULL}},
};

static void test_param_value_errors(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	for (size_t i = 0; i < ARRAY_SIZE(value_errors); i++) {
		const struct param *p = param_find(value_errors[i].param);
		assert_non_null(p);
		struct ct_config *c = NULL;
		assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
		cerr_clear();
		if (param_set(c, p, value_errors[i].value) == 0)
			fail_msg("--%s %s accepted", p->name, value_errors[i].value);
		assert_int_equal(cerr_exit(), p->bad_exit);
		for (size_t k = 0; k < 3 && value_errors[i].want[k]; k++)
			if (!strstr(cerr_msg(), value_errors[i].want[k]))
				fail_msg("--%s %s: '%s' not in: %s", p->name, value_errors[i].value, value_errors[i].want[k],
					 cerr_msg());
		ctconf_free(c);
	}
	/* every parameter that takes a value has a form of its own (not just its help line) */
	unsigned n;
	const struct param *t = param_table(&n);
	for (unsigned i = 0; i < n; i++) {
		if (t[i].type == PT_FUNC && !t[i].fn_apply)
			continue;
		assert_non_null(param_form(&t[i]));
		if (t[i].help && !strcmp(param_form(&t[i]), t[i].help))
			fail_msg("--%s has no form of its own for its error messages", t[i].name);
	}
	/* the per-interface options */
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	assert_int_equal(param_set(c, param_find("netif_add"), "eth0"), 0);
	static const struct {
		const char *key, *value, *want;
	} nif[] = {
		{"mac", "zz", "invalid --mac value for interface eth0: 'zz': expected a unicast MAC address such as 02:1a:2b:3c:4d:5e"},
		{"bridge", "a/b", "expected an interface name of 1 to 15 characters"},
		{"gw", "fd00::1", "expected an IPv4 address such as 10.77.0.1, or none"},
		{"gw6", "10.0.0.1", "expected an IPv6 address such as fd00::1, or none"},
		{"rate_in", "50X", "invalid --rate_in value for interface eth0: '50X': expected bits per second"},
		{"rate_out", "17G", "'17G' is out of range: expected bits per second"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(nif); i++) {
		cerr_clear();
		assert_true(param_netif_set(c, "eth0", nif[i].key, nif[i].value) < 0);
		if (!strstr(cerr_msg(), nif[i].want))
			fail_msg("--%s %s: '%s' not in: %s", nif[i].key, nif[i].value, nif[i].want, cerr_msg());
		if (!strncmp(nif[i].key, "rate_", 5))
			assert_int_equal(cerr_exit(), EX_BADVALUE);
	}
	/* rates: kept in bits/s, written to [netif.eth0] in their shortest form, 0 removes the key */
	assert_int_equal(param_netif_set(c, "eth0", "rate_in", "50000k"), 0);
	assert_int_equal(param_netif_set(c, "eth0", "rate_out", "800k"), 0);
	assert_true(c->netif[0].rate_in == 50000000 && c->netif[0].rate_out == 800000);
	assert_string_equal(ini_get(c->doc, "netif.eth0", "rate_in"), "50M");
	assert_string_equal(ini_get(c->doc, "netif.eth0", "rate_out"), "800k");
	assert_int_equal(param_netif_set(c, "eth0", "rate_in", "0"), 0);
	assert_int_equal(param_netif_set(c, "eth0", "rate_out", ""), 0);
	assert_true(c->netif[0].rate_in == 0 && c->netif[0].rate_out == 0);
	assert_null(ini_get(c->doc, "netif.eth0", "rate_in"));
	assert_null(ini_get(c->doc, "netif.eth0", "rate_out"));
	ctconf_free(c);
	gconf_free(g);
}

static void test_param_accumulate(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	const struct param *cap = param_find("capability"), *dev = param_find("devices");
	assert_int_equal(param_set(c, cap, "sys_time:on,net_admin:on"), 0);
	assert_int_equal(param_set(c, cap, "sys_time:off"), 0);
	assert_string_equal(c->capability, "sys_time:off,net_admin:on");
	assert_int_equal(param_set(c, dev, "c:10:200:rw"), 0);
	assert_int_equal(param_set(c, dev, "b:8:0:r"), 0);
	assert_int_equal(param_set(c, dev, "c:10:200:none"), 0);
	assert_string_equal(c->devices, "c:10:200:none b:8:0:r");
	assert_string_equal(ini_get(c->doc, "security", "devices"), "c:10:200:none b:8:0:r");
	assert_int_equal(param_set(c, dev, "none"), 0);
	assert_null(c->devices);
	assert_null(ini_get(c->doc, "security", "devices"));
	/* the list fields print; unset ones leave the buffer empty */
	char buf[64] = "x";
	param_print(param_find("cpulimit"), c, buf, sizeof(buf));
	assert_string_equal(buf, "");
	param_print(param_find("ram"), c, buf, sizeof(buf));
	assert_string_equal(buf, "unlimited");
	assert_null(param_find("nope"));
	assert_ptr_equal(param_find("stop-timeout"), param_find("stop_timeout"));
	unsigned n = 0;
	const struct param *t = param_table(&n);
	assert_true(n > 25);
	for (unsigned i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_non_null(t[i].help);
		assert_true(t[i].bad_exit > 0);
	}
	ctconf_free(c);
	gconf_free(g);
}

static void test_param_ipadd(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	g->ipadd_bridged = true;
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	const struct param *ip = param_find("ipadd");
	cerr_clear();
	assert_true(param_set(c, ip, "10.0.0.5/33") < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_non_null(strstr(cerr_msg(), "/prefix, such as 10.77.0.101/24")); /* the bridged form */
	assert_int_equal(c->nnetif, 0);
	assert_int_equal(param_set(c, ip, "10.0.0.5/24"), 0);
	assert_int_equal(c->nnetif, 1);
	assert_string_equal(c->netif[0].ifname, "eth0");
	assert_string_equal(ini_get(c->doc, "netif.eth0", "ipadd"), "10.0.0.5/24");
	assert_int_equal(param_set(c, param_find("ipdel"), "all"), 0);
	assert_int_equal(c->netif[0].nips, 0);
	assert_null(ini_get(c->doc, "netif.eth0", "ipadd"));
	assert_int_equal(param_set(c, param_find("netif_del"), "all"), 0);
	char *t = ini_render(c->doc);
	assert_null(strstr(t, "netif"));
	free(t);
	ctconf_free(c);
	gconf_free(g);
}

/* ipadd_mode routed (the default): a bare --ipadd goes to [venet] ipadd, host addresses only
 * (EX_BADIP for another prefix); --ifname venet0 reaches it in either mode; a bare --ipdel removes
 * from both; list's ip field shows the routed addresses first. */
static void test_param_ipadd_routed(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	const struct param *ip = param_find("ipadd");
	cerr_clear();
	assert_true(param_set(c, ip, "203.0.113.5/24") < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_non_null(strstr(cerr_msg(), "without prefix"));
	assert_int_equal(param_set(c, ip, "203.0.113.5/32 2001:DB8::5"), 0);
	assert_int_equal(param_set(c, ip, "203.0.113.5"), 0); /* already there */
	assert_int_equal(c->nnetif, 0);
	assert_int_equal(c->venet.nips, 2);
	assert_string_equal(ini_get(c->doc, "venet", "ipadd"), "203.0.113.5 2001:db8::5");
	/* a bridged interface beside it, with --ifname */
	cerr_clear();
	assert_true(param_netif_set(c, "eth1", "ipadd", "10.0.0.300/24") < 0);
	assert_int_equal(c->nnetif, 0);
	assert_non_null(strstr(cerr_msg(), "interface eth1"));
	assert_int_equal(param_netif_set(c, "eth1", "ipadd", "10.0.0.5/24"), 0); /* makes eth1 */
	assert_int_equal(c->nnetif, 1);
	assert_int_equal(param_netif_set(c, "venet0", "ipadd", "203.0.113.6"), 0);
	cerr_clear();
	assert_true(param_netif_set(c, "venet0", "ipadd", "203.0.113.7/31") < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_true(param_netif_set(c, "venet0", "mac", "02:00:00:00:00:01") < 0);
	assert_true(param_set(c, param_find("netif_add"), "venet0") < 0);
	char buf[512];
	assert_true(param_print(param_find("ip"), c, buf, sizeof(buf)));
	assert_string_equal(buf, "203.0.113.5 2001:db8::5 203.0.113.6 10.0.0.5");
	/* the saved text loads back to the same */
	char *t = ini_render(c->doc);
	struct ct_config *c2 = NULL;
	assert_int_equal(ctconf_from_text(g, 101, "x", t, &c2), 0);
	free(t);
	assert_int_equal(c2->venet.nips, 3);
	assert_string_equal(c2->venet.ips[2], "203.0.113.6");
	ctconf_free(c2);
	assert_int_equal(param_set(c, param_find("ipdel"), "203.0.113.5 10.0.0.5"), 0);
	assert_int_equal(c->venet.nips, 2);
	assert_int_equal(c->netif[0].nips, 0);
	assert_int_equal(param_set(c, param_find("venet_ipdel"), "all"), 0);
	assert_int_equal(c->venet.nips, 0);
	assert_null(ini_get(c->doc, "venet", "ipadd"));
	ctconf_free(c);
	/* [venet] ipadd with a prefix in a file: refused naming the key */
	cerr_clear();
	assert_true(ctconf_from_text(g, 101, "x", "[venet]\nipadd = 203.0.113.5/24\n", &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADIP);
	assert_non_null(strstr(cerr_msg(), "[venet] ipadd"));
	gconf_free(g);
}

/* The shipped files: the global config equals the built-in defaults; every sample loads. */
static void test_shipped_conf(void **state)
{
	(void)state;
	const char *top = getenv("TOP_SRCDIR");
	_cleanup_free_ char *topdir = top ? xstrdup(top) : xstrndup(__FILE__, strlen(__FILE__) - strlen("tests/unit/test_config.c"));
	_cleanup_free_ char *conf = xasprintf("%s/conf/cellctl.conf", topdir);
	if (access(conf, R_OK) < 0)
		skip();
	setenv("CELLCTL_CONF", conf, 1);
	struct gconf *g = NULL;
	cerr_clear();
	if (gconf_load(&g) < 0)
		fail_msg("%s", cerr_msg());
	assert_string_equal(g->config_dir, "/etc/cellctl/ct");
	assert_string_equal(g->private_dir, "/var/lib/cellctl/private");
	assert_string_equal(g->run_dir, "/run/cellctl");
	assert_string_equal(g->cg_parent, "cellctl");
	assert_string_equal(g->bridge, "cellbr0");
	assert_null(g->bridge_address);
	assert_null(g->default_sample);
	assert_true(g->userns_default);
	assert_int_equal(g->userns_base, 100000);
	assert_int_equal(g->userns_size, 65536);
	assert_int_equal(g->stop_timeout, 120);
	unsetenv("CELLCTL_CONF");
	free(g->sample_dir);
	g->sample_dir = xasprintf("%s/conf", topdir);
	static const struct {
		const char *name;
		uint64_t ram, swap;
	} s[] = {{"basic", 512ull << 20, 512ull << 20}, {"light", 128ull << 20, 128ull << 20},
		 {"vswap-256m", 256ull << 20, 512ull << 20}, {"vswap-1g", 1ull << 30, 2ull << 30}};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct ct_config *c = NULL;
		if (ctconf_load_sample(g, 101, s[i].name, &c) < 0)
			fail_msg("sample %s: %s", s[i].name, cerr_msg());
		assert_int_equal(c->ram, s[i].ram);
		assert_int_equal(c->swap, s[i].swap);
		assert_true(c->diskspace_soft <= c->diskspace_hard && c->diskspace_hard != SIZE_UNLIMITED);
		assert_true(c->diskinodes_soft != SIZE_UNLIMITED);
		assert_true(c->numproc != SIZE_UNLIMITED);
		ctconf_free(c);
	}
	gconf_free(g);
}

/* ---- ctconf_foreach ---- */

struct seen {
	unsigned ids[8], n;
	bool broken[8];     /* called with *c NULL */
	bool had_error[8];  /* an error was recorded during the call */
	struct ct_config *kept;
	unsigned stop_at;
};

static int visit(unsigned ctid, struct ct_config **c, void *arg)
{
	struct seen *s = arg;
	assert_true(s->n < 8);
	s->ids[s->n] = ctid;
	s->broken[s->n] = *c == NULL;
	s->had_error[s->n] = cerr_msg() != NULL;
	if (*c) {
		assert_int_equal((*c)->ctid, ctid);
		if (ctid == 103 && !s->kept) { /* take this one */
			s->kept = *c;
			*c = NULL;
		}
	}
	s->n++;
	return ctid == s->stop_at ? 7 : 0;
}

static bool only_odd(unsigned ctid, void *arg)
{
	(void)arg;
	return ctid % 2 == 1;
}

static void test_ctconf_foreach(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	struct seen s = {0};
	assert_int_equal(ctconf_foreach(g, 0, visit, &s), 0); /* an empty config_dir */
	assert_int_equal(s.n, 0);
	put("ct/101.conf", "[container]\nhostname = a\n");
	put("ct/102.conf", "this is [ not a valid config\n");
	put("ct/103.conf", "[container]\nhostname = c\n");
	put("ct/104.conf", "[resources]\nram = lots\n"); /* well formed, a bad value */
	put("ct/105.conf.destroyed", "[container]\n");

	/* broken neighbours are skipped, and leave no error behind */
	cerr_clear();
	assert_int_equal(ctconf_foreach(g, 0, visit, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], 101);
	assert_int_equal(s.ids[1], 103);
	assert_false(s.had_error[0] || s.had_error[1]);
	assert_null(cerr_msg());
	assert_non_null(s.kept); /* fn took 103's config: still ours, and valid */
	assert_string_equal(s.kept->hostname, "c");
	ctconf_free(s.kept);

	/* CTCONF_EACH_BROKEN: fn sees them too, with the load error still recorded; then it is gone */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ctconf_foreach(g, CTCONF_EACH_BROKEN, visit, &s), 0);
	assert_int_equal(s.n, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(s.ids[i], 101 + i);
	assert_false(s.broken[0] || s.broken[2]);
	assert_true(s.broken[1] && s.broken[3]);
	assert_true(s.had_error[1] && s.had_error[3]);
	assert_false(s.had_error[0] || s.had_error[2]);
	assert_null(cerr_msg());
	ctconf_free(s.kept);

	/* ctconf_foreach_wanted: a declined container is not loaded at all (its broken config
	 * records no error) and fn never sees it */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ctconf_foreach_wanted(g, CTCONF_EACH_BROKEN, only_odd, visit, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], 101);
	assert_int_equal(s.ids[1], 103);
	assert_false(s.had_error[0] || s.had_error[1]);
	assert_null(cerr_msg());
	ctconf_free(s.kept);

	/* an error recorded before the walk is not the walk's to clear */
	cerr(EX_FAIL, 0, "earlier");
	memset(&s, 0, sizeof(s));
	assert_int_equal(ctconf_foreach(g, 0, visit, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(cerr_msg(), "earlier");
	assert_int_equal(cerr_exit(), EX_FAIL);
	cerr_clear();
	ctconf_free(s.kept);

	/* fn ends the walk: its answer is returned; on a broken config the load error stays */
	memset(&s, 0, sizeof(s));
	s.stop_at = 101;
	assert_int_equal(ctconf_foreach(g, 0, visit, &s), 7);
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	s.stop_at = 102;
	assert_int_equal(ctconf_foreach(g, CTCONF_EACH_BROKEN, visit, &s), 7);
	assert_int_equal(s.n, 2);
	assert_non_null(cerr_msg());
	cerr_clear();

	/* an unreadable config_dir is an error (cerr) */
	free(g->config_dir);
	g->config_dir = xasprintf("%s/ct/101.conf", tmpdir); /* not a directory */
	memset(&s, 0, sizeof(s));
	assert_true(ctconf_foreach(g, 0, visit, &s) < 0);
	assert_int_equal(s.n, 0);
	assert_non_null(cerr_msg());
	cerr_clear();
	gconf_free(g);
}

/* ctconf_load reads a config of any size: in one read when small, read on to the end around the
 * stack buffer's half and its whole size, and whole beyond it; the key after the padding counts. */
static void test_ctconf_load_sizes(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	const size_t sizes[] = {40, 4000, 4095, 4096, 4097, 5000, 8190, 8191, 8192, 8193, 20000};
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		const char *head = "[container]\n", *tail = "hostname = last.example\n";
		size_t want = sizes[i], fixed = strlen(head) + strlen(tail);
		_cleanup_free_ char *text = xmalloc(want + 1024);
		strcpy(text, head);
		size_t n = strlen(text);
		/* comment lines of at most 99 characters up to the wanted size */
		while (n + fixed < want) {
			size_t line = want - n - fixed > 100 ? 100 : want - n - fixed;
			if (line < 2)
				line = 2;
			memset(text + n, '#', line - 1);
			text[n + line - 1] = '\n';
			n += line;
		}
		strcpy(text + n, tail);
		put("ct/101.conf", text);
		struct ct_config *c = NULL;
		assert_int_equal(ctconf_load(g, 101, &c), 0);
		assert_string_equal(c->hostname, "last.example");
		ctconf_free(c);
	}
	/* a NUL byte in a small one is still refused */
	_cleanup_free_ char *p = xasprintf("%s/ct/101.conf", tmpdir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fwrite("[container]\nhost\0name = x\n", 1, 27, f);
	fclose(f);
	struct ct_config *c = NULL;
	assert_true(ctconf_load(g, 101, &c) < 0);
	assert_non_null(strstr(cerr_msg(), "NUL"));
	cerr_clear();
	gconf_free(g);
}

/* param_load finds each key of the file once (a table sorted by "section:key"): in any case, as
 * iniparser folds it, unknown keys left alone, empty values skipped, and a bad value named. */
static void test_param_load_keys(void **state)
{
	(void)state;
	struct gconf *g = test_gconf();
	put("ct/101.conf", "[CONTAINER]\nHostName = web1.example\nnot_a_key = 1\n[Resources]\nRAM = 1G\nswap = 2G\n"
			   "cpulimit =\n");
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_load(g, 101, &c), 0);
	assert_string_equal(c->hostname, "web1.example");
	assert_int_equal(c->ram, 1ull << 30);
	assert_int_equal(c->swap, 2ull << 30);
	ctconf_free(c);
	put("ct/102.conf", "[container]\nhostname = a\n[RESOURCES]\nRam = 64Q\n");
	cerr_clear();
	assert_true(ctconf_load(g, 102, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "[resources] ram: invalid value '64Q'"));
	/* the same file read twice in one process (the table is built once) */
	put("ct/103.conf", "[container]\nhostname = b\n");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ctconf_load(g, 103, &c), 0);
		assert_string_equal(c->hostname, "b");
		ctconf_free(c);
	}
	cerr_clear();
	gconf_free(g);
}

/* The reader's memory file is made once and emptied for each text: a short text after a long one
 * reads as itself (no tail of the long one), and after every fd was closed and another file got
 * the number, a parse neither writes into that file nor fails. */
static const char *parsed(const char *text, const char *key)
{
	static char out[256];
	struct conf_text t;
	if (conf_parse("t.conf", text, strlen(text), &t) < 0)
		return NULL;
	const char *v = conf_get(&t, "container", key);
	snprintf(out, sizeof(out), "%s", v ? v : "(none)");
	conf_text_free(&t);
	return out;
}

static void test_conftext_memfile(void **state)
{
	(void)state;
	assert_string_equal(parsed("[container]\nhostname = a-long-host-name\nram = 1G\nswap = 2G\n", "hostname"),
			    "a-long-host-name");
	assert_string_equal(parsed("[container]\nhostname = b\n", "hostname"), "b");
	assert_string_equal(parsed("[container]\nhostname = b\n", "swap"), "(none)");
	/* the memory file is cut to each text, not emptied: a text of the same length, an empty one,
	 * then a longer one each read as themselves */
	assert_string_equal(parsed("[container]\nhostname = c\n", "hostname"), "c");
	assert_string_equal(parsed("", "hostname"), "(none)");
	assert_string_equal(parsed("[container]\nhostname = d\nram = 2G\nswap = 4G\nname = longer-than-all\n", "name"),
			    "longer-than-all");
	assert_string_equal(parsed("[container]\nname = e\n", "hostname"), "(none)");
	/* a section and key longer than conf_get's stack buffer */
	{
		char big[1200], text[1400];
		memset(big, 'k', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		snprintf(text, sizeof(text), "[container]\nhostname = f\n");
		struct conf_text t;
		assert_int_equal(conf_parse("t.conf", text, strlen(text), &t), 0);
		assert_null(conf_get(&t, "container", big));
		assert_string_equal(conf_get(&t, "container", "hostname"), "f");
		assert_string_equal(conf_get(&t, "CONTAINER", "HOSTNAME"), "f"); /* iniparser's case folding */
		conf_text_free(&t);
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* the child: every fd closed, a file takes the lowest numbers, then a parse */
		for (int fd = 3; fd < 256; fd++)
			close(fd);
		char path[] = "/tmp/test_conftext.XXXXXX";
		int o = mkstemp(path);
		if (o < 0)
			_exit(2);
		for (int i = 0; i < 8; i++)
			if (dup(o) < 0)
				_exit(2);
		const char *v = parsed("[container]\nhostname = child\n", "hostname");
		struct stat st;
		int bad = !v || strcmp(v, "child") != 0 || fstat(o, &st) < 0 || st.st_size != 0;
		unlink(path);
		_exit(bad ? 1 : 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(parsed("[container]\nhostname = parent\n", "hostname"), "parent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctconf_foreach, setup_dir, teardown_dir),
		cmocka_unit_test(test_ini_roundtrip_identity),
		cmocka_unit_test(test_ini_set_keeps_comment),
		cmocka_unit_test(test_ini_set_new_key_and_section),
		cmocka_unit_test_setup_teardown(test_ini_save_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_one_read_continuation, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_edit_reread_refuses, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_reader_line_errors, setup_dir, teardown_dir),
		cmocka_unit_test(test_param_live),
		cmocka_unit_test(test_ctid_parse),
		cmocka_unit_test_setup_teardown(test_gconf_defaults_and_relative, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_gconf_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ctconf_load_save, setup_dir, teardown_dir),
		cmocka_unit_test(test_param_cases),
		cmocka_unit_test(test_param_value_errors),
		cmocka_unit_test(test_param_accumulate),
		cmocka_unit_test(test_param_ipadd),
		cmocka_unit_test(test_param_ipadd_routed),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_conftext_memfile),
		cmocka_unit_test_setup_teardown(test_ctconf_load_sizes, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_param_load_keys, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
