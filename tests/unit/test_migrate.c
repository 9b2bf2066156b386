/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate.c's pure parts: DEST parsing (what ssh would take for an option or a second word is
 * refused), the ssh argv (no shell word is built from a string), the pre-check reply's numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "util.h"

static void test_dest_ok(void **state)
{
	(void)state;
	struct mig_dest d;
	assert_int_equal(mig_dest_parse("hostb", &d), 0);
	assert_string_equal(d.host, "hostb");
	assert_string_equal(d.user, "");
	assert_int_equal(d.port, 0);
	assert_int_equal(mig_dest_parse("root@10.0.0.2:2222", &d), 0);
	assert_string_equal(d.user, "root");
	assert_string_equal(d.host, "10.0.0.2");
	assert_int_equal(d.port, 2222);
	assert_int_equal(mig_dest_parse("admin@[fd00::2]:22", &d), 0);
	assert_string_equal(d.host, "fd00::2");
	assert_int_equal(d.port, 22);
	assert_int_equal(mig_dest_parse("[fd00::2]", &d), 0);
	assert_string_equal(d.host, "fd00::2");
	assert_int_equal(mig_dest_parse("node-3.example.org", &d), 0);
}

static void test_dest_bad(void **state)
{
	(void)state;
	struct mig_dest d;
	static const char *bad[] = {"",
				    "-oProxyCommand=x",
				    "root@-oProxyCommand=x",
				    "-host",
				    "host b",
				    " host",
				    "host;reboot",
				    "host$(id)",
				    "a@b@c",
				    "@host",
				    "host:",
				    "host:0",
				    "host:65536",
				    "host:22x",
				    "[fd00::2",
				    "[]",
				    "[fd00::2]x",
				    "[fd00::zz]",
				    "us er@host",
				    "host\n",
				    ".host",
				    "host/x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mig_dest_parse(bad[i], &d) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(mig_dest_parse(NULL, &d), -EINVAL);
}

static void test_argv(void **state)
{
	(void)state;
	struct gconf g = {0};
	g.migrate_ssh = UNCONST("/usr/bin/ssh");
	g.migrate_ssh_options = UNCONST("-o BatchMode=yes  -i /k");
	g.migrate_remote = UNCONST("env CELLCTL_CONF=/x cellctl");
	struct mig_dest d;
	assert_int_equal(mig_dest_parse("root@hostb:2222", &d), 0);
	const char *words[] = {"restore-backup", "-", "101", NULL};
	char **v = mig_ssh_argv(&g, &d, words);
	const char *want[] =
		{"/usr/bin/ssh",    "-o",      "BatchMode=yes",  "-i", "/k",  "-p", "2222", "root@hostb", "env",
		 "CELLCTL_CONF=/x", "cellctl", "restore-backup", "-",  "101", NULL};
	for (size_t i = 0; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[sizeof(want) / sizeof(want[0]) - 1]);
	mig_argv_free(v);
	g.migrate_ssh_options = NULL;
	assert_int_equal(mig_dest_parse("hostb", &d), 0);
	v = mig_ssh_argv(&g, &d, NULL);
	assert_string_equal(v[1], "hostb");
	assert_string_equal(v[2], "env");
	mig_argv_free(v);
}

static void test_json(void **state)
{
	(void)state;
	uint64_t v = 0;
	const char *t = "{\"version\":\"0.1\",\"format\":1,\"ctid\":101,\"free_kib\": 123456789012}\n";
	assert_int_equal(mig_json_u64(t, "format", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mig_json_u64(t, "free_kib", &v), 0);
	assert_int_equal(v, 123456789012ull);
	assert_int_equal(mig_json_u64(t, "free", &v), -ENOENT);
	assert_int_equal(mig_json_u64(t, "version", &v), -ENOENT); /* a string */
	assert_int_equal(mig_json_u64("{\"format\":-1}", "format", &v), -ENOENT);
	assert_int_equal(mig_json_u64("", "format", &v), -ENOENT);
	assert_int_equal(mig_json_u64("{\"format\"", "format", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_ok),
		cmocka_unit_test(test_dest_bad),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
