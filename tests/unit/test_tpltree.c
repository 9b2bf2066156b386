/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Template trees: the ID and path derivation (pure), and, as root, one extraction shared by two
 * ensures, a rebuilt archive getting a new tree, and prune keeping the tree a config names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "fixtures.h"
#include "tplarchive.h"
#include "tpltree.h"
#include "util.h"

static void test_tree_id(void **state)
{
	(void)state;
	struct stat a = {0};
	a.st_ino = 1234;
	a.st_size = 5678;
	a.st_mtim.tv_sec = 1700000000;
	a.st_mtim.tv_nsec = 42;
	char id1[17], id2[17];
	tpl_tree_id(&a, id1);
	assert_int_equal(strlen(id1), 16);
	assert_int_equal(strspn(id1, "0123456789abcdef"), 16);
	tpl_tree_id(&a, id2);
	assert_string_equal(id1, id2); /* stable */
	struct stat b = a;
	b.st_mtim.tv_nsec = 43; /* rebuilt in place: a new tree */
	tpl_tree_id(&b, id2);
	assert_string_not_equal(id1, id2);
	b = a;
	b.st_ino = 1235; /* replaced by rename (tpl_pack): a new tree */
	tpl_tree_id(&b, id2);
	assert_string_not_equal(id1, id2);
	b = a;
	b.st_size = 5679;
	tpl_tree_id(&b, id2);
	assert_string_not_equal(id1, id2);
	b = a;
	b.st_atim.tv_sec = 1; /* reading it changes nothing */
	b.st_ctim.tv_sec = 2;
	tpl_tree_id(&b, id2);
	assert_string_equal(id1, id2);
}

static void test_tree_name(void **state)
{
	(void)state;
	struct stat a = {0};
	a.st_ino = 7;
	char id[17];
	tpl_tree_id(&a, id);
	char *n = tpl_tree_name("debian-12", &a);
	char *want = xasprintf("debian-12.%s", id);
	assert_string_equal(n, want);
	assert_true(tpl_tree_name_ok(n));
	free(want);
	free(n);
	assert_true(tpl_tree_name_ok("busybox.0123456789abcdef"));
	assert_true(tpl_tree_name_ok("a.b.0123456789abcdef"));
	assert_false(tpl_tree_name_ok(NULL));
	assert_false(tpl_tree_name_ok(""));
	assert_false(tpl_tree_name_ok("busybox"));
	assert_false(tpl_tree_name_ok(".0123456789abcdef"));         /* no template name */
	assert_false(tpl_tree_name_ok("busybox.0123456789ABCDEF"));  /* lowercase only */
	assert_false(tpl_tree_name_ok("busybox.0123456789abcde"));   /* 15 digits */
	assert_false(tpl_tree_name_ok("busybox-0123456789abcdef"));  /* no dot */
	assert_false(tpl_tree_name_ok(".busybox.0123456789abcdef")); /* hidden: a partial one */
	assert_false(tpl_tree_name_ok("bu/sy.0123456789abcdef"));
	assert_false(tpl_tree_name_ok("../x.0123456789abcdef"));
	struct gconf g = {.template_dir = UNCONST("/var/lib/cellctl/template")};
	char *d = tpl_trees_dir(&g), *p = tpl_tree_path(&g, "busybox.0123456789abcdef");
	assert_string_equal(d, "/var/lib/cellctl/template/trees");
	assert_string_equal(p, "/var/lib/cellctl/template/trees/busybox.0123456789abcdef");
	free(d);
	free(p);
}

/* an archiver whose extraction sees the archive rebuilt meanwhile (as template build would) */
static const char *race_src;
static int racing_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o)
{
	int r = tpl_archive_extract(archive, destdir, o);
	if (r == 0 && unlink(archive) == 0)
		r = tpl_archive_pack(race_src, archive, NULL);
	return r;
}
static const struct tpl_archiver racing = {.extract = racing_extract, .pack = tpl_archive_pack};

/* as root: ensure extracts once, in container-relative ownership, into a 0700 trees dir; prune
 * removes only what no config names */
static void test_tree_ensure_prune(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	tpl_set_archiver(&tpl_archive_local);
	char base[128];
	fx_tmpdir(base, sizeof(base), "tpltree");
	char *src = xasprintf("%s/src", base), *td = xasprintf("%s/tpl", base), *cd = xasprintf("%s/conf", base),
	     *rd = xasprintf("%s/run", base), *arch = xasprintf("%s/tpl/cache/t1.tar", base);
	fx_write(src, "sbin/init", "#!/bin/sh\n");
	fx_write(src, "etc/hostname", "x\n");
	assert_int_equal(mkdir_p(cd, 0755), 0);
	assert_int_equal(mkdir_p(rd, 0755), 0);
	char *cache = xasprintf("%s/cache", td);
	assert_int_equal(mkdir_p(cache, 0755), 0);
	free(cache);
	assert_int_equal(tpl_archive_pack(src, arch, NULL), 0);
	struct gconf g = {.template_dir = td, .config_dir = cd, .run_dir = rd};
	struct ct_lock lk = CT_LOCK_INIT;
	assert_int_equal(tpl_tree_lock(&g, &lk), 0);
	char *t1 = NULL, *t2 = NULL;
	bool made = false;
	assert_int_equal(tpl_tree_ensure(&g, "t1", arch, NULL, &t1, &made), 0);
	assert_true(made);
	assert_true(tpl_tree_name_ok(t1));
	assert_int_equal(tpl_tree_ensure(&g, "t1", arch, NULL, &t2, &made), 0);
	assert_false(made); /* the second create shares it */
	assert_string_equal(t1, t2);
	ct_lock_release(&lk);
	char *tdir = xasprintf("%s/trees", td), *init = xasprintf("%s/trees/%s/sbin/init", td, t1);
	struct stat st;
	assert_int_equal(stat(tdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(init, &st), 0);
	assert_int_equal(st.st_uid, 0); /* container-relative: no shift */
	/* a rebuilt archive (a new inode) gets a new tree; the old one stays */
	assert_int_equal(unlink(arch), 0);
	fx_write(src, "etc/hostname", "y\n");
	assert_int_equal(tpl_archive_pack(src, arch, NULL), 0);
	/* an extraction killed midway left its partial tree: the next ensure starts afresh */
	struct stat as;
	assert_int_equal(stat(arch, &as), 0);
	char *next = tpl_tree_name("t1", &as);
	char *junk = xasprintf("%s/trees/.%s.partial", td, next);
	fx_write(junk, "half/extracted", "x");
	char *t3 = NULL;
	assert_int_equal(tpl_tree_lock(&g, &lk), 0);
	assert_int_equal(tpl_tree_ensure(&g, "t1", arch, NULL, &t3, &made), 0);
	ct_lock_release(&lk);
	assert_true(made);
	assert_string_equal(t3, next);
	assert_string_not_equal(t1, t3);
	assert_int_not_equal(stat(junk, &st), 0);
	char *half = xasprintf("%s/trees/%s/half", td, t3);
	assert_int_not_equal(stat(half, &st), 0);
	free(half);
	free(next);
	/* and prune removes one it finds */
	fx_write(junk, "half/extracted", "x");
	assert_int_equal(stat(init, &st), 0);
	/* rebuilt during the extraction: nothing is kept under the old archive's ID */
	assert_int_equal(unlink(arch), 0);
	fx_write(src, "etc/hostname", "z\n");
	assert_int_equal(tpl_archive_pack(src, arch, NULL), 0);
	struct stat old;
	assert_int_equal(stat(arch, &old), 0);
	char *oldname = tpl_tree_name("t1", &old), *oldpath = xasprintf("%s/trees/%s", td, oldname),
	     *oldpart = xasprintf("%s/trees/.%s.partial", td, oldname);
	race_src = src;
	tpl_set_archiver(&racing);
	char *t4 = NULL;
	assert_int_equal(tpl_tree_lock(&g, &lk), 0);
	assert_int_equal(tpl_tree_ensure(&g, "t1", arch, NULL, &t4, &made), -EAGAIN);
	ct_lock_release(&lk);
	tpl_set_archiver(&tpl_archive_local);
	assert_null(t4);
	assert_int_equal(cerr_exit(), EX_SYSTEM);
	cerr_clear();
	assert_int_not_equal(stat(oldpath, &st), 0);
	assert_int_not_equal(stat(oldpart, &st), 0);
	free(oldname);
	free(oldpath);
	free(oldpart);
	/* a container names t3: prune removes t1 only */
	char *conf = xasprintf("[container]\nlayout = overlay\ntemplate_tree = %s\n", t3);
	fx_write(cd, "101.conf", conf);
	char **rm = NULL;
	unsigned n = 0;
	assert_int_equal(tpl_tree_prune(&g, &rm, &n), 0);
	assert_int_equal(n, 2);
	bool got_t1 = false, got_junk = false;
	for (unsigned i = 0; i < n; i++) {
		got_t1 |= !strcmp(rm[i], t1);
		got_junk |= !strcmp(rm[i], strrchr(junk, '/') + 1);
		free(rm[i]);
	}
	free(rm);
	assert_true(got_t1);
	assert_true(got_junk);
	assert_int_not_equal(stat(junk, &st), 0);
	free(junk);
	assert_int_not_equal(stat(init, &st), 0);
	char *p3 = tpl_tree_path(&g, t3);
	assert_int_equal(stat(p3, &st), 0);
	/* a config that does not load: nothing is removed */
	fx_write(cd, "102.conf", "[container\n");
	char *c101 = xasprintf("%s/101.conf", cd);
	assert_int_equal(unlink(c101), 0);
	free(c101);
	assert_true(tpl_tree_prune(&g, &rm, &n) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	assert_int_equal(n, 0);
	assert_int_equal(stat(p3, &st), 0);
	rm_rf(base);
	free(p3);
	free(conf);
	free(tdir);
	free(init);
	free(t1);
	free(t2);
	free(t3);
	free(src);
	free(td);
	free(cd);
	free(rd);
	free(arch);
}

/* The stack of a layer's tree: its recorded parents, down to a full template's tree; a missing
 * tree, a bad record and a loop past the depth limit are errors (no root needed: no extraction). */
static void test_tree_chain(void **state)
{
	(void)state;
	char base[128];
	cerr_clear(); /* (what the test before left) */
	fx_tmpdir(base, sizeof(base), "tplchain");
	struct gconf g = {.template_dir = base};
	const char *t0 = "base.0000000000000001", *t1 = "lay.0000000000000002", *t2 = "lay2.0000000000000003";
	char *d = xasprintf("%s/trees", base);
	for (const char *const *t = (const char *const[]){t0, t1, t2, NULL}; *t; t++) {
		char *p = xasprintf("%s/x", *t);
		fx_write(d, p, "");
		free(p);
	}
	char *r1 = xasprintf("%s" TPL_TREE_PARENT, t1), *r2 = xasprintf("%s" TPL_TREE_PARENT, t2);
	char *c1 = xasprintf("%s\n", t0), *c2 = xasprintf("%s\n", t1);
	fx_write(d, r1, c1);
	fx_write(d, r2, c2);
	char **v = NULL;
	unsigned n = 0;
	assert_int_equal(tpl_tree_chain(&g, t2, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], t2);
	assert_string_equal(v[1], t1);
	assert_string_equal(v[2], t0);
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(tpl_tree_chain(&g, t0, &v, &n), 0);
	assert_int_equal(n, 1);
	free(v[0]);
	free(v);
	/* the parent gone: the error names it */
	char *p0 = xasprintf("%s/%s", d, t0), *moved = xasprintf("%s/gone", base);
	assert_int_equal(rename(p0, moved), 0);
	assert_true(tpl_tree_chain(&g, t2, &v, &n) < 0);
	assert_int_equal(cerr_exit(), EX_NOTEMPLATE);
	assert_non_null(strstr(cerr_msg(), t0));
	cerr_clear();
	assert_int_equal(rename(moved, p0), 0);
	/* a record that is no tree name */
	fx_write(d, r1, "../../etc\n");
	assert_true(tpl_tree_chain(&g, t1, &v, &n) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	cerr_clear();
	/* a loop: stopped at the depth limit */
	char *back = xasprintf("%s\n", t2);
	fx_write(d, r1, back);
	assert_true(tpl_tree_chain(&g, t2, &v, &n) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(strstr(cerr_msg(), "depth limit"));
	cerr_clear();
	assert_true(tpl_tree_chain(&g, "../x", &v, &n) < 0);
	cerr_clear();
	rm_rf(base);
	free(back);
	free(p0);
	free(moved);
	free(r1);
	free(r2);
	free(c1);
	free(c2);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_id),
		cmocka_unit_test(test_tree_name),
		cmocka_unit_test(test_tree_ensure_prune),
		cmocka_unit_test(test_tree_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
