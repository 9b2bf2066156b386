/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passed sockets: the spec's parser and printer (tcp, tcp over IPv6, unix, names; canonical form;
 * bad specs), conflicts, LISTEN_FDNAMES, and --listen / --listen-del on a config written by set
 * and read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "error.h"
#include "ini.h"
#include "sockspec.h"
#include "util.h"

static void test_roundtrip(void **state)
{
	(void)state;
	static const char *const canon[] = {
		"tcp:203.0.113.5:80",      "tcp:0.0.0.0:65535", "tcp:[2001:db8::5]:443",      "tcp:[::]:8080=web",
		"tcp:127.0.0.1:1=a.b_c-9", "unix:/run/x.sock",  "unix:/run/web/app.sock=app",
	};
	for (size_t i = 0; i < ARRAY_SIZE(canon); i++) {
		struct sock_spec sp;
		char buf[300];
		assert_int_equal(sockspec_parse(canon[i], &sp), 0);
		sockspec_format(&sp, buf, sizeof(buf));
		assert_string_equal(buf, canon[i]);
	}
	struct sock_spec sp;
	char buf[300];
	assert_int_equal(sockspec_parse("tcp:[2001:DB8:0::0:5]:443=x", &sp), 0);
	assert_int_equal(sp.kind, SOCKSPEC_TCP);
	assert_int_equal(sp.family, AF_INET6);
	assert_int_equal(sp.port, 443);
	assert_string_equal(sp.name, "x");
	sockspec_format(&sp, buf, sizeof(buf));
	assert_string_equal(buf, "tcp:[2001:db8::5]:443=x");
	sockspec_endpoint(&sp, buf, sizeof(buf));
	assert_string_equal(buf, "tcp:[2001:db8::5]:443");
	char longest[200];
	snprintf(longest, sizeof(longest), "unix:/run/%0103d", 0);
	longest[strlen(longest) - 1] = 0; /* 107 bytes and the NUL: sun_path's size */
	assert_int_equal(sockspec_parse(longest, &sp), 0);
	assert_int_equal(sockspec_parse("unix:/a=n", &sp), 0);
	assert_int_equal(sp.kind, SOCKSPEC_UNIX);
	assert_string_equal(sp.path, "/a");
	assert_string_equal(sp.name, "n");
}

static void test_bad(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int r;
	} bad[] = {
		{"", -EINVAL},
		{"tcp", -EINVAL},
		{"tcp:", -EINVAL},
		{"udp:1.2.3.4:53", -EINVAL},
		{"tcp:1.2.3.4", -EINVAL},
		{"tcp:1.2.3.4:", -EINVAL},
		{"tcp:1.2.3.4:0", -ERANGE},
		{"tcp:1.2.3.4:65536", -ERANGE},
		{"tcp:1.2.3.4:080", -EINVAL},
		{"tcp:1.2.3.4:8x", -EINVAL},
		{"tcp:1.2.3.4:-1", -EINVAL},
		{"tcp:1.2.3.256:80", -EINVAL},
		{"tcp:example.com:80", -EINVAL},
		{"tcp:2001:db8::5:80", -EINVAL},
		{"tcp:[2001:db8::5]80", -EINVAL},
		{"tcp:[2001:db8::5:80", -EINVAL},
		{"tcp:[1.2.3.4]:80", -EINVAL},
		{"tcp:1.2.3.4:80=", -EINVAL},
		{"tcp:1.2.3.4:80=a:b", -EINVAL},
		{"tcp:1.2.3.4:80=a b", -EINVAL},
		{"tcp:1.2.3.4:80=a=b", -EINVAL},
		{"tcp:1.2.3.4:80=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -ENAMETOOLONG},
		{"unix:", -EINVAL},
		{"unix:/", -EINVAL},
		{"unix:relative.sock", -EINVAL},
		{"unix:/run/../x", -EINVAL},
		{"unix:/run/./x", -EINVAL},
		{"unix:/run//x", -EINVAL},
		{"unix:/run/x/", -EINVAL},
		{"unix:/run/a b", -EINVAL},
		{"unix:/run/a\"b", -EINVAL},
		{"unix:/run/a\tb", -EINVAL},
		{"unix:/run/"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaa",
		 -ENAMETOOLONG},
		{"unix:/run/"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aa",
		 -ENAMETOOLONG},
		{NULL, -EINVAL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sock_spec sp;
		int r = sockspec_parse(bad[i].s, &sp);
		if (r != bad[i].r)
			fail_msg("'%s': %d, expected %d", bad[i].s ? bad[i].s : "(null)", r, bad[i].r);
	}
}

static void test_conflict(void **state)
{
	(void)state;
	struct sock_spec a, b;
	static const struct {
		const char *a, *b;
		bool same, conflict;
	} cases[] = {
		{"tcp:1.2.3.4:80", "tcp:1.2.3.4:80=x", true, true},
		{"tcp:1.2.3.4:80", "tcp:1.2.3.5:80", false, false},
		{"tcp:1.2.3.4:80", "tcp:1.2.3.4:81", false, false},
		{"tcp:0.0.0.0:80", "tcp:1.2.3.4:80", false, true},
		{"tcp:1.2.3.4:80", "tcp:0.0.0.0:80", false, true},
		{"tcp:[::]:80", "tcp:1.2.3.4:80", false, false},
		{"tcp:[::]:80", "tcp:[::1]:80", false, true},
		{"tcp:[::1]:80", "tcp:[0::1]:80", true, true},
		{"unix:/a", "unix:/a=n", true, true},
		{"unix:/a", "unix:/b", false, false},
		{"unix:/a", "tcp:0.0.0.0:80", false, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(sockspec_parse(cases[i].a, &a), 0);
		assert_int_equal(sockspec_parse(cases[i].b, &b), 0);
		assert_int_equal(sockspec_same(&a, &b), cases[i].same);
		assert_int_equal(sockspec_conflict(&a, &b), cases[i].conflict);
	}
}

static void test_list_and_names(void **state)
{
	(void)state;
	struct sock_spec sp[SOCKSPEC_MAX];
	assert_int_equal(sockspec_list(NULL, sp), 0);
	assert_int_equal(sockspec_list("  ", sp), 0);
	assert_int_equal(sockspec_list("tcp:1.2.3.4:80=http  unix:/run/x.sock\ttcp:[::1]:443=tls", sp), 3);
	char buf[200];
	sockspec_fdnames(sp, 3, buf, sizeof(buf));
	assert_string_equal(buf, "http:unknown:tls");
	assert_int_equal(sockspec_list("tcp:1.2.3.4:80 bogus", sp), -EINVAL);
	char big[SOCKSPEC_MAX * 40 + 40] = "";
	for (unsigned i = 0; i <= SOCKSPEC_MAX; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "tcp:1.2.3.4:%u ", 1000 + i);
	assert_int_equal(sockspec_list(big, sp), -E2BIG);
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
	const struct param *add = param_find("listen"), *del = param_find("listen-del");
	assert_non_null(add);
	assert_non_null(del);
	assert_false(add->flags & PF_LIVE); /* at the next start */
	assert_false(del->flags & PF_CREATE);
	assert_int_equal(param_set(c, add, "tcp:203.0.113.5:80"), 0);
	assert_int_equal(param_set(c, add, "unix:/run/x.sock=app tcp:[::]:443"), 0);
	assert_int_equal(param_set(c, add, "tcp:203.0.113.5:80=http"), 0); /* the same endpoint: renamed */
	assert_string_equal(c->listen, "tcp:203.0.113.5:80=http unix:/run/x.sock=app tcp:[::]:443");
	cerr_clear();
	assert_int_not_equal(param_set(c, add, "tcp:203.0.113.5:99999"), 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "--listen"));
	assert_non_null(strstr(cerr_msg(), "out of range"));
	cerr_clear();
	assert_int_not_equal(param_set(c, del, "tcp:1.1.1.1:80"), 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "not found"));
	_cleanup_free_ char *text = ini_render(c->doc);
	assert_non_null(strstr(text, "listen = tcp:203.0.113.5:80=http unix:/run/x.sock=app tcp:[::]:443\n"));
	/* read back; listen_del never is (it shares the key) */
	struct ct_config *c2 = NULL;
	assert_int_equal(ctconf_from_text(g, 101, "101.conf", text, &c2), 0);
	assert_string_equal(c2->listen, c->listen);
	ctconf_free(c2);
	assert_int_equal(param_set(c, del, "unix:/run/x.sock"), 0);
	_cleanup_free_ char *t2 = ini_render(c->doc);
	assert_non_null(strstr(t2, "listen = tcp:203.0.113.5:80=http tcp:[::]:443\n"));
	assert_int_equal(param_set(c, del, "all"), 0);
	assert_null(c->listen);
	_cleanup_free_ char *t3 = ini_render(c->doc);
	assert_null(strstr(t3, "listen"));
	/* a bad value in a config names the file and the key */
	cerr_clear();
	assert_int_not_equal(ctconf_from_text(g, 101, "101.conf", "[container]\nlisten = tcp:1.2.3.4\n", &c2), 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "101.conf"));
	assert_non_null(strstr(cerr_msg(), "listen"));
	/* at most SOCKSPEC_MAX */
	for (unsigned i = 0; i < SOCKSPEC_MAX; i++) {
		char s[64];
		snprintf(s, sizeof(s), "tcp:10.0.0.1:%u", 2000 + i);
		assert_int_equal(param_set(c, add, s), 0);
	}
	cerr_clear();
	assert_int_not_equal(param_set(c, add, "tcp:10.0.0.1:3000"), 0);
	ctconf_free(c);
	gconf_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_bad),
		cmocka_unit_test(test_conflict),     cmocka_unit_test(test_list_and_names),
		cmocka_unit_test(test_set_and_save),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
