/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota.c: project ID from the config, unit conversions, the vzquota table, and the du-style
 * usage walk (hard links once, symlinks not followed). No root needed. */
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
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "quota.h"
#include "util.h"

static void test_projid(void **state)
{
	(void)state;
	struct gconf g = {.config_dir = UNCONST("/nonexistent"), .private_dir = UNCONST("/nonexistent")};
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(&g, 4242, NULL, &c), 0);
	assert_int_equal(quota_ct_projid(c), 4242); /* default: the CTID */
	quota_ct_assign(c);
	assert_string_equal(ini_get(c->doc, "container", "quota_id"), "4242");
	ctconf_free(c);
	/* quota_id is read through the parameter table: a recorded one is kept, a bogus one refused */
	assert_int_equal(ctconf_from_text(&g, 4242, "t.conf", "[container]\nquota_id = 777\n", &c), 0);
	quota_ct_assign(c); /* never overwrites */
	assert_int_equal(quota_ct_projid(c), 777);
	ctconf_free(c);
	assert_true(ctconf_from_text(&g, 4242, "t.conf", "[container]\nquota_id = bogus\n", &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	cerr_clear();
}

static void test_units(void **state)
{
	(void)state;
	assert_int_equal(quota_bytes_to_kb(QUOTA_NONE), 0);
	assert_int_equal(quota_bytes_to_kb(0), 0);
	assert_int_equal(quota_bytes_to_kb(1), 1);
	assert_int_equal(quota_bytes_to_kb(1024), 1);
	assert_int_equal(quota_bytes_to_kb(1025), 2);
	assert_int_equal(quota_bytes_to_kb(50ull << 20), 51200);
	assert_int_equal(quota_inodes_to_q(QUOTA_NONE), 0);
	assert_int_equal(quota_inodes_to_q(1200), 1200);
	assert_int_equal(quota_from_q(0), QUOTA_NONE);
	assert_int_equal(quota_from_q(5), 5);
}

static void test_table(void **state)
{
	(void)state;
	struct quota_info q = {.enforced = true, .known = true, .from_quota = true, .used_kb = 123456, .used_inodes = 45678,
			       .bsoft_kb = 100000, .bhard_kb = 2306867, .isoft = 131072, .ihard = 144179,
			       .btime = 1000 + 6 * 86400 + 3600 * 5};
	_cleanup_free_ char *t = quota_format_table(&q, 1000);
	const char *want = "   resource          usage       softlimit      hardlimit    grace\n"
			   "  1k-blocks         123456*         100000        2306867     6d5h\n"
			   "     inodes          45678          131072         144179         \n";
	if (strcmp(t, want))
		print_message("got:\n%s", t);
	assert_string_equal(t, want);
	q.enforced = false;
	q.from_quota = false;
	q.bsoft_kb = q.bhard_kb = QUOTA_NONE;
	snprintf(q.reason, sizeof(q.reason), "tmpfs at /x has no project quota support");
	_cleanup_free_ char *t2 = quota_format_table(&q, 1000);
	assert_non_null(strstr(t2, "  1k-blocks         123456       unlimited      unlimited         \n"));
	assert_non_null(strstr(t2, "note: not enforced (tmpfs at /x has no project quota support); usage from a walk"));
}

static void test_json_form(void **state)
{
	(void)state;
	struct quota_info q = {.projid = 7, .enforced = true, .known = true, .from_quota = true, .used_kb = 123456,
			       .used_inodes = 45678, .bsoft_kb = 100000, .bhard_kb = 2306867, .isoft = QUOTA_NONE,
			       .ihard = QUOTA_NONE, .btime = 5000};
	_cleanup_free_ char *t = quota_format_json(101, &q);
	const char *want = "{\n  \"ctid\": 101,\n  \"projid\": 7,\n  \"enforced\": true,\n  \"usage_from\": \"quota\",\n"
			   "  \"reason\": null,\n"
			   "  \"blocks_kb\": {\"used\": 123456, \"soft\": 100000, \"hard\": 2306867, \"over\": true, "
			   "\"grace_until\": 5000},\n"
			   "  \"inodes\": {\"used\": 45678, \"soft\": null, \"hard\": null, \"over\": false, "
			   "\"grace_until\": null}\n}\n";
	if (strcmp(t, want))
		print_message("got:\n%s", t);
	assert_string_equal(t, want);
	/* unknown usage, not enforced: the reason, nulls */
	q = (struct quota_info){.projid = 7, .bsoft_kb = QUOTA_NONE, .bhard_kb = QUOTA_NONE, .isoft = QUOTA_NONE,
				.ihard = QUOTA_NONE};
	snprintf(q.reason, sizeof(q.reason), "tmpfs \"x\"");
	_cleanup_free_ char *t2 = quota_format_json(101, &q);
	assert_non_null(strstr(t2, "\"usage_from\": null,\n  \"reason\": \"tmpfs \\\"x\\\"\",\n"));
	assert_non_null(strstr(t2, "\"blocks_kb\": {\"used\": null, \"soft\": null, \"hard\": null, \"over\": false"));
}

static void wr(int dfd, const char *name, size_t n)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	for (size_t done = 0; done < n; done += sizeof(buf))
		assert_int_equal(write_full(fd, buf, n - done < sizeof(buf) ? n - done : sizeof(buf)), 0);
	close(fd);
}

static void test_walk(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/cellctl-test-quota.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(mkdirat(dfd, "sub", 0755), 0);
	wr(dfd, "sub/a", 1 << 20);
	assert_int_equal(linkat(dfd, "sub/a", dfd, "b", 0), 0); /* a hard link: counted once */
	assert_int_equal(symlinkat("/", dfd, "escape"), 0);      /* never followed */
	wr(dfd, "c", 10);
	struct stat sa, sc, sd, ss, st;
	assert_int_equal(fstatat(dfd, "sub/a", &sa, 0), 0);
	assert_int_equal(fstatat(dfd, "c", &sc, 0), 0);
	assert_int_equal(fstatat(dfd, "sub", &sd, 0), 0);
	assert_int_equal(fstatat(dfd, "escape", &ss, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstat(dfd, &st), 0);
	uint64_t blocks = (uint64_t)(sa.st_blocks + sc.st_blocks + sd.st_blocks + ss.st_blocks + st.st_blocks);
	uint64_t kb = 0, inodes = 0;
	assert_int_equal(quota_walk_usage(dfd, &kb, &inodes), 0);
	assert_int_equal(inodes, 5); /* top, sub, a(=b), escape, c */
	assert_int_equal(kb, (blocks + 1) / 2);
	assert_true(kb >= 1024);
	unlinkat(dfd, "sub/a", 0);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	unlinkat(dfd, "b", 0);
	unlinkat(dfd, "c", 0);
	unlinkat(dfd, "escape", 0);
	close(dfd);
	rmdir(dir);
}

/* quotactl on a filesystem without quotas fails cleanly; computing the command word for
 * Q_GETQUOTA (0x800007 << 8) overflowed a signed int in QCMD() and stopped the UBSan build. */
static void test_quotactl_cmd(void **state)
{
	(void)state;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct quota_info qi;
	memset(&qi, 0xa5, sizeof(qi));
	int r = quota_get(NULL, fd, 4242, &qi);
	/* no quotas there: an error, or (ESRCH, "quotas off", read as no dquot yet) zero usage */
	if (r == 0) {
		assert_int_equal(qi.used_kb, 0);
		assert_int_equal(qi.used_inodes, 0);
	} else {
		assert_true(r < 0);
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_projid),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_table), cmocka_unit_test(test_quotactl_cmd),
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
