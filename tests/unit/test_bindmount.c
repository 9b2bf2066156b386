/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bind mounts from the host: the spec's parser and printer (round trip, canonical form, bad
 * specs), --bindmount / --bindmount-del on a config (replace by guest path, all, the limit), the
 * [bindmount] section written by set and read back (mpN keys, stale keys dropped, bad keys and
 * values refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindmount.h"
#include "config.h"
#include "error.h"
#include "util.h"

static void test_roundtrip(void **state)
{
	(void)state;
	static const char *const canon[] = {
		"/srv/share:/mnt/share",
		"/srv/share:/mnt/share:ro",
		"/srv/a:/b,propagation=slave",
		"/srv/a:/b:ro,propagation=shared,idmap",
		"/srv/a:/b,idmap",
		"/x_y-z.1:/opt/x_y-z.1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(canon); i++) {
		struct ct_bind b;
		char buf[1200];
		assert_int_equal(bind_parse(canon[i], &b), 0);
		bind_format(&b, buf, sizeof(buf));
		assert_string_equal(buf, canon[i]);
	}
	/* other spellings print canonically */
	static const char *const alt[][2] = {
		{"/a:/b:rw", "/a:/b"},
		{"/a:/b,propagation=private", "/a:/b"},
		{"/a:/b:ro,idmap,propagation=slave", "/a:/b:ro,propagation=slave,idmap"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(alt); i++) {
		struct ct_bind b;
		char buf[1200];
		assert_int_equal(bind_parse(alt[i][0], &b), 0);
		bind_format(&b, buf, sizeof(buf));
		assert_string_equal(buf, alt[i][1]);
	}
	struct ct_bind b;
	assert_int_equal(bind_parse("/h:/g:ro,propagation=slave,idmap", &b), 0);
	assert_string_equal(b.host, "/h");
	assert_string_equal(b.guest, "/g");
	assert_true(b.ro);
	assert_true(b.idmap);
	assert_int_equal(b.prop, BIND_SLAVE);
	assert_string_equal(bind_prop_name(BIND_SHARED), "shared");
}

static void test_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"/a",
		"/a:",
		":/b",
		"a:/b",
		"/a:b",
		"/a:/b:",
		"/a:/b:rx",
		"/a:/b:ro:rw",
		"/a:/b,",
		"/a:/b,bogus",
		"/a:/b,propagation=",
		"/a:/b,propagation=up",
		"/a:/b,propagation=slave,propagation=private",
		"/a:/b,idmap,idmap",
		"/a/../etc:/b",
		"/a:/b/..",
		"/a:/./b",
		"/a//c:/b",
		"/a/:/b",
		"/a:/b/",
		"/:/b",
		"/a:/",
		"/a:/proc",
		"/a:/proc/sys",
		"/a:/sys/x",
		"/a:/dev",
		"/a:/dev/shm",
		"/a b:/b",
		"/a:/b\tc",
		"/a\":/b",
		"/a:/b'",
		"/a\\:/b",
		"/a\n:/b",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ct_bind b;
		if (bind_parse(bad[i], &b) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	}
	/* /procfoo and /device are not /proc and /dev */
	struct ct_bind b;
	assert_int_equal(bind_parse("/a:/procfoo", &b), 0);
	assert_int_equal(bind_parse("/a:/device", &b), 0);
	char *longp = xmalloc(BIND_PATH_MAX + 10);
	longp[0] = '/';
	memset(longp + 1, 'x', BIND_PATH_MAX + 2);
	longp[BIND_PATH_MAX + 3] = 0;
	_cleanup_free_ char *spec = xasprintf("%s:/b", longp);
	assert_int_equal(bind_parse(spec, &b), -ENAMETOOLONG);
	free(longp);
}

static struct gconf *fake_gconf(void)
{
	struct gconf *g = xcalloc(1, sizeof(*g));
	g->config_dir = xstrdup("/nonexistent");
	g->userns_size = 65536;
	g->stop_timeout = 120;
	return g;
}

static void test_set_and_save(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	const struct param *add = param_find("bindmount"), *del = param_find("bindmount-del");
	assert_non_null(add);
	assert_non_null(del);
	assert_true(add->flags & PF_LIVE);
	assert_int_equal(param_set(c, add, "/srv/a:/mnt/a:ro"), 0);
	assert_int_equal(param_set(c, add, "/srv/b:/mnt/b,propagation=slave"), 0);
	assert_int_equal(param_set(c, add, "/srv/c:/mnt/a"), 0); /* the same guest path: replaced */
	assert_int_equal(c->nbinds, 2);
	assert_string_equal(c->binds[0].host, "/srv/c");
	assert_false(c->binds[0].ro);
	cerr_clear();
	assert_int_not_equal(param_set(c, add, "/srv/c:relative"), 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_int_not_equal(param_set(c, del, "/mnt/none"), 0);
	assert_int_equal(c->nbinds, 2);
	_cleanup_free_ char *text = ini_render(c->doc);
	assert_non_null(strstr(text, "[bindmount]\nmp0 = /srv/c:/mnt/a\nmp1 = /srv/b:/mnt/b,propagation=slave\n"));
	/* read back */
	struct ct_config *c2 = NULL;
	assert_int_equal(ctconf_from_text(g, 101, "101.conf", text, &c2), 0);
	assert_int_equal(c2->nbinds, 2);
	assert_true(bind_same(&c2->binds[0], &c->binds[0]));
	assert_true(bind_same(&c2->binds[1], &c->binds[1]));
	/* removal renumbers, and the last one takes the section with it */
	assert_int_equal(param_set(c, del, "/mnt/a/"), 0);
	_cleanup_free_ char *t2 = ini_render(c->doc);
	assert_non_null(strstr(t2, "mp0 = /srv/b:/mnt/b,propagation=slave\n"));
	assert_null(strstr(t2, "mp1"));
	assert_int_equal(param_set(c, del, "all"), 0);
	_cleanup_free_ char *t3 = ini_render(c->doc);
	assert_null(strstr(t3, "bindmount"));
	/* at most BIND_MAX */
	for (unsigned i = 0; i < BIND_MAX; i++) {
		char s[64];
		snprintf(s, sizeof(s), "/srv/x:/mnt/%u", i);
		assert_int_equal(param_set(c, add, s), 0);
	}
	assert_int_not_equal(param_set(c, add, "/srv/x:/mnt/one-more"), 0);
	assert_int_equal(c->nbinds, BIND_MAX);
	ctconf_free(c);
	ctconf_free(c2);
	gconf_free(g);
}

static void test_load_errors(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	static const struct {
		const char *text;
		int code;
	} cases[] = {
		{"[bindmount]\nmount0 = /a:/b\n", EX_BADCONFIG},
		{"[bindmount]\nmp01 = /a:/b\n", EX_BADCONFIG},
		{"[bindmount]\nmp0 = /a:b\n", EX_BADVALUE},
		{"[bindmount]\nmp0 = /a:/b\nmp1 = /c:/b\n", EX_BADVALUE},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ct_config *c = NULL;
		cerr_clear();
		assert_int_not_equal(ctconf_from_text(g, 101, "101.conf", cases[i].text, &c), 0);
		assert_int_equal(cerr_exit(), cases[i].code);
		assert_non_null(strstr(cerr_msg(), "101.conf"));
	}
	struct ct_config *c = NULL;
	cerr_clear();
	assert_int_equal(ctconf_from_text(g, 101, "101.conf", "[bindmount]\nmp7 = /a:/b:ro\nmp2 =\n", &c), 0);
	assert_int_equal(c->nbinds, 1);
	ctconf_free(c);
	gconf_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_set_and_save),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
