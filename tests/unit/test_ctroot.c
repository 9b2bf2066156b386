/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctroot (as root; skipped otherwise): a copy container's root is its private area; an overlay
 * container's root is the merged view of its template tree (owners as on disk) and its upper
 * layer (whiteouts hide tree entries), mounted where the host never sees it; the refusals. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctroot.h"
#include "error.h"
#include "fixtures.h"
#include "util.h"

#define TREE "t.0123456789abcdef"

static char base[256];
static struct gconf g;

static int setup(void **state)
{
	(void)state;
	fx_tmpdir(base, sizeof(base), "ctroot");
	g.private_dir = xasprintf("%s/private", base);
	g.template_dir = xasprintf("%s/tpl", base);
	g.run_dir = xasprintf("%s/run", base);
	g.config_dir = xasprintf("%s/conf", base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(base);
	free(g.private_dir);
	free(g.template_dir);
	free(g.run_dir);
	free(g.config_dir);
	cerr_clear();
	return 0;
}

static void own(const char *dir, const char *rel, uid_t uid)
{
	char *p = xasprintf("%s/%s", dir, rel);
	assert_int_equal(lchown(p, uid, uid), 0);
	free(p);
}

static int check_merged(int rootfd, void *arg)
{
	(void)arg;
	struct stat st;
	assert_int_equal(fstatat(rootfd, "etc/fromtree", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_uid, 5); /* the tree's, container-relative: not idmapped */
	assert_int_equal(fstatat(rootfd, "etc/fromupper", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_uid, 100005);                                         /* the upper layer's, shifted */
	assert_int_equal(fstatat(rootfd, "etc/gone", &st, AT_SYMLINK_NOFOLLOW), -1); /* whiteout */
	char *t = NULL;
	assert_int_equal(read_file_at(rootfd, "etc/both", &t, NULL), 0);
	assert_string_equal(t, "upper\n");
	free(t);
	return 7;
}

static int check_copy(int rootfd, void *arg)
{
	struct stat st;
	assert_int_equal(fstatat(rootfd, "sbin/init", &st, 0), 0);
	*(int *)arg = 1;
	return 0;
}

static bool host_sees_overlay(void)
{
	char *mi = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL), 0);
	bool seen = strstr(mi, base) != NULL;
	free(mi);
	return seen;
}

static void test_ctroot(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("not root: mounts need it, skipped\n");
		skip();
	}
	char *tree = xasprintf("%s/trees/" TREE, g.template_dir), *priv = xasprintf("%s/101", g.private_dir);
	fx_write(tree, "etc/fromtree", "t\n");
	fx_write(tree, "etc/both", "tree\n");
	fx_write(tree, "etc/gone", "x\n");
	own(tree, "etc/fromtree", 5);
	fx_write(priv, "upper/etc/fromupper", "u\n");
	fx_write(priv, "upper/etc/both", "upper\n");
	own(priv, "upper/etc/fromupper", 100005);
	char *wh = xasprintf("%s/upper/etc/gone", priv);
	assert_int_equal(mknod(wh, S_IFCHR, makedev(0, 0)), 0);
	free(wh);
	static const char *dirs[] = {"work", "lower", "root"};
	for (size_t i = 0; i < 3; i++) {
		char *d = xasprintf("%s/%s", priv, dirs[i]);
		assert_int_equal(mkdir(d, 0700), 0);
		free(d);
	}
	struct ct_config c = {.ctid = 101, .layout = UNCONST("overlay"), .template_tree = UNCONST(TREE)};
	assert_int_equal(ctroot_run(&g, &c, check_merged, NULL), 7);
	assert_false(host_sees_overlay());
	/* the descriptor outlives the helper and its namespace */
	int fd = -1;
	assert_int_equal(ctroot_open(&g, &c, &fd), 0);
	struct stat st;
	assert_int_equal(fstatat(fd, "etc/fromupper", &st, 0), 0);
	close(fd);

	/* refusals */
	c.template_tree = NULL;
	assert_true(ctroot_run(&g, &c, check_merged, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	cerr_clear();
	c.template_tree = UNCONST("t.fedcba9876543210");
	assert_true(ctroot_run(&g, &c, check_merged, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_NOPRIVATE);
	cerr_clear();
	c.ctid = 102;
	assert_true(ctroot_run(&g, &c, check_merged, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_NOPRIVATE);
	cerr_clear();

	/* copy: the private area itself */
	char *p2 = xasprintf("%s/102", g.private_dir);
	fx_write(p2, "sbin/init", "#!/bin/sh\n");
	struct ct_config cc = {.ctid = 102};
	int seen = 0;
	assert_int_equal(ctroot_run(&g, &cc, check_copy, &seen), 0);
	assert_int_equal(seen, 1);
	free(p2);
	free(tree);
	free(priv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctroot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
