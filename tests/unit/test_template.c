/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Templates (path checks, secure extraction, pack round trips, uid shift) and the safe
 * filesystem helpers (fs_remove_tree, guest_write_file, guest_replace_file). Root-only parts skip otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "tplarchive.h"
#include "error.h"
#include "fsutil.h"
#include "idmap.h"
#include "template.h"
#include "tplcache.h"
#include "util.h"

static char base[64]; /* per-test temp dir */

static int setup(void **state)
{
	(void)state;
	strcpy(base, "/tmp/test-template-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	cerr_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int r = fs_remove_tree(AT_FDCWD, base);
	return r < 0 ? -1 : 0;
}

static char *P(const char *rel) { return xasprintf("%s/%s", base, rel); }

static bool exists(const char *rel)
{
	_cleanup_free_ char *p = P(rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

static void put_file(const char *rel, const char *data, mode_t mode)
{
	_cleanup_free_ char *p = P(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write_full(fd, data, strlen(data)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *get_file(const char *rel)
{
	_cleanup_free_ char *p = P(rel);
	char *s = NULL;
	size_t n;
	if (read_file_at(AT_FDCWD, p, &s, &n) < 0)
		return NULL;
	return s;
}

/* ---- pure checks ---- */

static void test_path_ok(void **state)
{
	(void)state;
	static const struct {
		const char *p;
		bool ok;
	} t[] = {
		{"etc/passwd", true}, {"./etc", true},  {"../x", false}, {"a/../../x", false}, {"/abs", false},
		{"", false},          {"a//b", true},   {"..", false},   {"a/..", false},      {".", true},
		{"./", true},         {"a/..b", true},  {"..a/b", true}, {"x/../y", false},    {"./../x", false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (tpl_path_ok(t[i].p) != t[i].ok)
			fail_msg("tpl_path_ok(\"%s\") should be %d", t[i].p, t[i].ok);
	}
	assert_false(tpl_path_ok(NULL));
	char *longp = xmalloc(5000);
	memset(longp, 'a', 4999);
	longp[4999] = '\0';
	assert_false(tpl_path_ok(longp));
	free(longp);
}

static void test_path_clean(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} t[] = {
		{"etc/passwd", "etc/passwd"}, {"./etc/", "etc"}, {".", ""}, {"./", ""}, {"a//b/./c/", "a/b/c"},
		{"./dev/null", "dev/null"},   {"../x", NULL},    {"/abs", NULL}, {"a/../b", NULL}, {"", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		_cleanup_free_ char *c = tpl_path_clean(t[i].in);
		if ((c == NULL) != (t[i].out == NULL) || (c && strcmp(c, t[i].out)))
			fail_msg("tpl_path_clean(\"%s\") = \"%s\", want \"%s\"", t[i].in, c ? c : "(null)",
				 t[i].out ? t[i].out : "(null)");
	}
	assert_true(tpl_path_in_dev("dev/null"));
	assert_true(tpl_path_in_dev("dev/pts/0"));
	assert_false(tpl_path_in_dev("dev"));
	assert_false(tpl_path_in_dev("dev/"));
	assert_false(tpl_path_in_dev("devx/null"));
	assert_false(tpl_path_in_dev("etc/dev/null"));
	assert_false(tpl_path_in_dev(NULL));
}

static void test_name_ok(void **state)
{
	(void)state;
	assert_true(tpl_name_ok("busybox"));
	assert_true(tpl_name_ok("debian-12.x86_64"));
	assert_true(tpl_name_ok("a_b-1.2"));
	assert_false(tpl_name_ok(""));
	assert_false(tpl_name_ok(NULL));
	assert_false(tpl_name_ok(".hidden"));
	assert_false(tpl_name_ok("a/b"));
	assert_false(tpl_name_ok(".."));
	assert_false(tpl_name_ok("a b"));
	assert_false(tpl_name_ok("x;rm"));
}

/* ---- archives built in the test ---- */

enum { E_FILE, E_DIR, E_SYMLINK, E_HARDLINK };
struct ent {
	int type;
	const char *path;
	const char *arg; /* file content, link target */
};

static void make_tar(const char *file, const struct ent *v, size_t n)
{
	struct archive *w = archive_write_new();
	assert_non_null(w);
	assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
	if (str_endswith(file, ".gz"))
		assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(w, file), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, v[i].path);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_mtime(e, 1700000000, 0);
		switch (v[i].type) {
		case E_FILE:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(v[i].arg));
			break;
		case E_DIR:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case E_SYMLINK:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, v[i].arg);
			break;
		case E_HARDLINK:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, v[i].arg);
			archive_entry_set_size(e, 0);
			break;
		}
		assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
		if (v[i].type == E_FILE)
			assert_int_equal(archive_write_data(w, v[i].arg, strlen(v[i].arg)), (la_ssize_t)strlen(v[i].arg));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

/* Extract file into base/dest (created fresh); returns tpl_extract's result. */
static int extract(const char *file, const struct tpl_extract_opts *o)
{
	_cleanup_free_ char *dest = P("dest");
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(fs_remove_tree(dfd, "dest"), 0);
	close(dfd);
	assert_int_equal(mkdir(dest, 0755), 0);
	cerr_clear();
	struct tpl_extract_opts none = {0};
	return tpl_extract(file, dest, o ? o : &none);
}

static void test_extract_good(void **state)
{
	(void)state;
	const struct ent v[] = {
		{E_DIR, "./etc", NULL},
		{E_FILE, "./etc/passwd", "root:x:0:0::/root:/bin/sh\n"},
		{E_SYMLINK, "./etc/mtab", "/proc/self/mounts"},
		{E_HARDLINK, "./etc/passwd-", "./etc/passwd"},
		{E_DIR, "bin", NULL},
		{E_FILE, "bin/true", "#!/bin/sh\n"},
	};
	_cleanup_free_ char *a = P("good.tar");
	make_tar(a, v, ARRAY_SIZE(v));
	char cwd_before[4096], cwd_after[4096];
	assert_non_null(getcwd(cwd_before, sizeof(cwd_before)));
	assert_int_equal(extract(a, NULL), 0);
	assert_non_null(getcwd(cwd_after, sizeof(cwd_after)));
	assert_string_equal(cwd_before, cwd_after);
	_cleanup_free_ char *s = get_file("dest/etc/passwd");
	assert_non_null(s);
	assert_string_equal(s, "root:x:0:0::/root:/bin/sh\n");
	_cleanup_free_ char *m = P("dest/etc/mtab");
	char buf[256];
	ssize_t n = readlink(m, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "/proc/self/mounts");
	_cleanup_free_ char *p1 = P("dest/etc/passwd"), *p2 = P("dest/etc/passwd-");
	struct stat s1, s2;
	assert_int_equal(stat(p1, &s1), 0);
	assert_int_equal(stat(p2, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_int_equal(s1.st_mtime, 1700000000);
}

static void expect_bad(const char *name, const struct ent *v, size_t n, const char *const *outside)
{
	_cleanup_free_ char *a = xasprintf("%s/%s.tar", base, name);
	make_tar(a, v, n);
	char cwd_before[4096], cwd_after[4096];
	assert_non_null(getcwd(cwd_before, sizeof(cwd_before)));
	int r = extract(a, NULL);
	if (r >= 0)
		fail_msg("extracting %s should have failed", name);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(cerr_msg());
	assert_non_null(getcwd(cwd_after, sizeof(cwd_after)));
	assert_string_equal(cwd_before, cwd_after);
	for (; *outside; outside++)
		if (exists(*outside))
			fail_msg("%s: %s/%s was written outside the destination", name, base, *outside);
}

static void test_extract_dotdot(void **state)
{
	(void)state;
	const struct ent v[] = {{E_DIR, "etc", NULL}, {E_FILE, "../evil", "x"}};
	const char *out[] = {"evil", NULL};
	expect_bad("dotdot", v, ARRAY_SIZE(v), out);
	assert_non_null(strstr(cerr_msg(), "unsafe entry '../evil'"));
	const struct ent v2[] = {{E_FILE, "a/../../evil2", "x"}};
	const char *out2[] = {"evil2", NULL};
	expect_bad("dotdot2", v2, ARRAY_SIZE(v2), out2);
}

static void test_extract_absolute(void **state)
{
	(void)state;
	_cleanup_free_ char *abs = P("abs-evil");
	const struct ent v[] = {{E_FILE, abs, "x"}};
	const char *out[] = {"abs-evil", NULL};
	expect_bad("abs", v, ARRAY_SIZE(v), out);
}

static void test_extract_through_symlink(void **state)
{
	(void)state;
	_cleanup_free_ char *outdir = P("outside");
	assert_int_equal(mkdir(outdir, 0755), 0);
	put_file("outside/secret", "host secret\n", 0600);
	/* absolute and relative symlinks leading out, then entries through them */
	const struct ent v[] = {{E_SYMLINK, "link", outdir}, {E_FILE, "link/pwned", "x"}};
	const char *out[] = {"outside/pwned", NULL};
	expect_bad("symlink-abs", v, ARRAY_SIZE(v), out);
	const struct ent v2[] = {{E_SYMLINK, "up", "../outside"}, {E_DIR, "up/newdir", NULL}};
	const char *out2[] = {"outside/newdir", NULL};
	expect_bad("symlink-rel", v2, ARRAY_SIZE(v2), out2);
	/* a hard link to a host file through a symlink would hand the guest that inode */
	const struct ent v3[] = {{E_SYMLINK, "up", "../outside"}, {E_HARDLINK, "stolen", "up/secret"}};
	const char *out3[] = {"dest/stolen", NULL};
	expect_bad("hardlink-through-symlink", v3, ARRAY_SIZE(v3), out3);
	const struct ent v4[] = {{E_HARDLINK, "stolen", "../outside/secret"}};
	expect_bad("hardlink-dotdot", v4, ARRAY_SIZE(v4), out3);
	/* a file over a symlink replaces the link (or fails), never writes through it */
	_cleanup_free_ char *secret = P("outside/secret");
	const struct ent v5[] = {{E_SYMLINK, "x", secret}, {E_FILE, "x", "overwritten"}, {E_HARDLINK, "y", "x"}};
	_cleanup_free_ char *a5 = P("replace.tar");
	make_tar(a5, v5, ARRAY_SIZE(v5));
	(void)extract(a5, NULL);
	_cleanup_free_ char *s = get_file("outside/secret");
	assert_string_equal(s, "host secret\n");
	_cleanup_free_ char *sp = P("outside/secret");
	struct stat st;
	assert_int_equal(stat(sp, &st), 0);
	assert_int_equal(st.st_nlink, 1);
}

static void test_extract_missing_and_cancel(void **state)
{
	(void)state;
	_cleanup_free_ char *a = P("nope.tar.gz");
	assert_true(extract(a, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_NOTEMPLATE);

	const struct ent v[] = {{E_DIR, "etc", NULL}};
	_cleanup_free_ char *g = P("c.tar");
	make_tar(g, v, ARRAY_SIZE(v));
	volatile int cancel = 1;
	struct tpl_extract_opts o = {.cancel = &cancel};
	assert_int_equal(extract(g, &o), -EINTR);
}

static void make_src_tree(void)
{
	_cleanup_free_ char *src = P("src"), *etc = P("src/etc"), *priv = P("src/private"), *bin = P("src/bin");
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(priv, 0700), 0);
	assert_int_equal(mkdir(bin, 0755), 0);
	put_file("src/etc/hostname", "localhost\n", 0644);
	put_file("src/etc/shadow", "root:*:1::::::\n", 0640);
	put_file("src/bin/tool", "#!/bin/sh\necho hi\n", 0751);
	put_file("src/private/key", "k", 0400);
	_cleanup_free_ char *h1 = P("src/bin/tool"), *h2 = P("src/bin/tool-alias"), *l = P("src/bin/sh");
	assert_int_equal(link(h1, h2), 0);
	assert_int_equal(symlink("tool", l), 0);
	/* something sizeable so that a cut archive is really truncated */
	_cleanup_free_ char *big = xmalloc(300000);
	for (size_t i = 0; i < 300000; i++)
		big[i] = (char)('a' + (i * 7919 % 26));
	_cleanup_free_ char *bp = P("src/etc/big");
	assert_int_equal(write_file_atomic(bp, big, 300000, 0644), 0);
}

static mode_t mode_of(const char *rel)
{
	_cleanup_free_ char *p = P(rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static void test_pack_round_trip(void **state)
{
	(void)state;
	make_src_tree();
	_cleanup_free_ char *src = P("src"), *a = P("cache.tar.zst");
	assert_int_equal(tpl_pack(src, a, false), 0);
	assert_int_equal(extract(a, NULL), 0);
	assert_int_equal(mode_of("dest/bin/tool"), 0751);
	assert_int_equal(mode_of("dest/private"), 0700);
	assert_int_equal(mode_of("dest/private/key"), 0400);
	assert_int_equal(mode_of("dest/etc/shadow"), 0640);
	_cleanup_free_ char *s = get_file("dest/etc/hostname");
	assert_string_equal(s, "localhost\n");
	_cleanup_free_ char *l = P("dest/bin/sh");
	char buf[64];
	ssize_t n = readlink(l, buf, sizeof(buf) - 1);
	assert_int_equal(n, 4);
	buf[n] = '\0';
	assert_string_equal(buf, "tool");
	_cleanup_free_ char *h1 = P("dest/bin/tool"), *h2 = P("dest/bin/tool-alias");
	struct stat s1, s2;
	assert_int_equal(stat(h1, &s1), 0);
	assert_int_equal(stat(h2, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_int_equal(s1.st_nlink, 2);
	/* no temp files left beside the archive */
	DIR *d = opendir(base);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		assert_false(str_startswith(de->d_name, ".cache.tar.zst."));
	closedir(d);
	_cleanup_free_ char *big = get_file("dest/etc/big");
	assert_non_null(big);
	assert_int_equal(strlen(big), 300000);

	/* every suffix works */
	static const char *sfx[] = {"tar", "tar.gz", "tar.xz", "tar.bz2"};
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		_cleanup_free_ char *b = xasprintf("%s/x.%s", base, sfx[i]);
		assert_int_equal(tpl_pack(src, b, false), 0);
		assert_int_equal(extract(b, NULL), 0);
		assert_int_equal(mode_of("dest/bin/tool"), 0751);
	}
	_cleanup_free_ char *bad = P("x.zip");
	assert_true(tpl_pack(src, bad, false) < 0);
}

static void test_truncated(void **state)
{
	(void)state;
	make_src_tree();
	_cleanup_free_ char *src = P("src"), *a = P("cut.tar.gz");
	assert_int_equal(tpl_pack(src, a, false), 0);
	struct stat st;
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(truncate(a, st.st_size / 2), 0);
	assert_true(extract(a, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(strstr(cerr_msg(), "is corrupt"));

	/* not an archive at all */
	put_file("junk.tar.gz", "this is not a tarball\n", 0644);
	_cleanup_free_ char *j = P("junk.tar.gz");
	assert_true(extract(j, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
}

static void test_list_find(void **state)
{
	(void)state;
	_cleanup_free_ char *cache = P("cache");
	assert_int_equal(mkdir(cache, 0755), 0);
	put_file("cache/b.tar", "", 0644);
	put_file("cache/a.tar.gz", "", 0644);
	put_file("cache/a.tar.zst", "", 0644);
	put_file("cache/.a.tar.zst.XyZ123", "", 0644);
	put_file("cache/notes.txt", "", 0644);
	put_file("cache/c.tar.bz2", "", 0644);
	struct gconf g = {.template_dir = base};
	char **names = NULL;
	unsigned n = 0;
	assert_int_equal(tpl_list(&g, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c");
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
	_cleanup_free_ char *f = tpl_find(&g, "a"), *want = P("cache/a.tar.zst");
	assert_non_null(f);
	assert_string_equal(f, want);
	assert_null(tpl_find(&g, "zzz"));
	assert_null(tpl_find(&g, "../cache/a"));
}

static void test_build(void **state)
{
	(void)state;
	_cleanup_free_ char *rd = P("recipes"), *r1 = P("recipes/mini"), *r2 = P("recipes/broken");
	assert_int_equal(mkdir(rd, 0755), 0);
	assert_int_equal(mkdir(r1, 0755), 0);
	assert_int_equal(mkdir(r2, 0755), 0);
	put_file("recipes/mini/build", "#!/bin/sh\nset -e\nmkdir -p \"$1/sbin\" \"$1/etc\"\necho hi > \"$1/etc/motd\"\n"
				       "ln -s ../etc/motd \"$1/sbin/init\"\n", 0755);
	put_file("recipes/broken/build", "#!/bin/sh\nmkdir \"$1/x\"\nexit 3\n", 0755);
	_cleanup_free_ char *td = P("tpl");
	struct gconf g = {.template_dir = td, .recipe_dir = rd};
	assert_int_equal(tpl_build(&g, "mini"), 0);
	assert_true(exists("tpl/cache/mini.tar.zst"));
	_cleanup_free_ char *a = tpl_find(&g, "mini");
	assert_non_null(a);
	assert_int_equal(extract(a, NULL), 0);
	_cleanup_free_ char *motd = get_file("dest/etc/motd");
	assert_string_equal(motd, "hi\n");
	assert_int_equal(mode_of("dest"), 0755);

	cerr_clear();
	assert_true(tpl_build(&g, "broken") < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(strstr(cerr_msg(), "status 3"));
	assert_false(exists("tpl/cache/broken.tar.zst"));
	cerr_clear();
	assert_true(tpl_build(&g, "absent") < 0);
	assert_int_equal(cerr_exit(), EX_NOTEMPLATE);
	cerr_clear();
	assert_true(tpl_build(&g, "../x") < 0);
	/* only the cache is left in template_dir: no .build-* directories */
	_cleanup_free_ char *tdp = P("tpl");
	char **names = NULL;
	unsigned n = 0;
	assert_int_equal(tpl_list(&g, &names, &n), 0);
	assert_int_equal(n, 1);
	free(names[0]);
	free(names);
	int cnt = 0;
	DIR *d = opendir(tdp);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.' || !strncmp(de->d_name, ".build", 6))
			cnt++;
	closedir(d);
	assert_int_equal(cnt, 1);
}

/* ---- root only: owners, the uid shift, capabilities, ACLs ---- */

#define NEED_ROOT()                                                                                \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			print_message("skipped: needs root\n");                                    \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static void owner_of(const char *rel, uid_t *u, gid_t *g)
{
	_cleanup_free_ char *p = P(rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	*u = st.st_uid;
	*g = st.st_gid;
}

static void le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_owners_and_shift(void **state)
{
	(void)state;
	NEED_ROOT();
	make_src_tree();
	_cleanup_free_ char *tool = P("src/bin/tool"), *etc = P("src/etc"), *sh = P("src/bin/sh"), *shadow = P("src/etc/shadow");
	assert_int_equal(chown(tool, 1000, 1001), 0);
	assert_int_equal(chown(shadow, 0, 42), 0);
	assert_int_equal(lchown(sh, 7, 8), 0);
	/* CAP_NET_RAW (13) permitted+effective, revision 2 */
	unsigned char cap[20] = {0};
	le32(cap, 0x02000000u | 1u);
	le32(cap + 4, 1u << 13);
	assert_int_equal(setxattr(tool, "security.capability", cap, sizeof(cap), 0), 0);
	/* a default ACL on /etc granting uid 1234 and gid 4321 */
	unsigned char acl[4 + 6 * 8] = {0};
	const unsigned tags[6] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20}, ids[6] = {0, 1234, 0, 4321, 0, 0};
	le32(acl, 2);
	for (int i = 0; i < 6; i++) {
		acl[4 + i * 8] = (unsigned char)tags[i];
		acl[4 + i * 8 + 2] = 7;
		le32(acl + 4 + i * 8 + 4, tags[i] == 0x02 || tags[i] == 0x08 ? ids[i] : 0xffffffffu);
	}
	bool have_acl = setxattr(etc, "system.posix_acl_default", acl, sizeof(acl), 0) == 0;
	if (!have_acl)
		print_message("note: no ACL support on %s, ACL shift not checked\n", base);

	_cleanup_free_ char *src = P("src"), *a = P("own.tar.zst");
	assert_int_equal(tpl_pack(src, a, false), 0);

	/* unshifted: numeric owners as they were */
	assert_int_equal(extract(a, NULL), 0);
	uid_t u;
	gid_t g;
	owner_of("dest/bin/tool", &u, &g);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 1001);
	owner_of("dest/bin/sh", &u, &g);
	assert_int_equal(u, 7);
	assert_int_equal(g, 8);
	_cleanup_free_ char *dtool = P("dest/bin/tool");
	unsigned char got[32];
	ssize_t n = getxattr(dtool, "security.capability", got, sizeof(got));
	assert_int_equal(n, 20);
	assert_memory_equal(got, cap, 20);

	/* shifted into a 65536-id block at 100000 */
	struct tpl_extract_opts o = {.uid_shift = 100000, .uid_size = 65536};
	assert_int_equal(extract(a, &o), 0);
	owner_of("dest/bin/tool", &u, &g);
	assert_int_equal(u, 101000);
	assert_int_equal(g, 101001);
	owner_of("dest/etc/shadow", &u, &g);
	assert_int_equal(u, 100000);
	assert_int_equal(g, 100042);
	owner_of("dest/bin/sh", &u, &g);
	assert_int_equal(u, 100007);
	assert_int_equal(g, 100008);
	owner_of("dest", &u, &g);
	assert_int_equal(u, 100000);
	assert_int_equal(mode_of("dest/bin/tool"), 0751);
	n = getxattr(dtool, "security.capability", got, sizeof(got));
	assert_int_equal(n, 24);
	assert_int_equal(rd32(got) & 0xff000000u, 0x03000000u);
	assert_int_equal(rd32(got) & 1u, 1u);
	assert_int_equal(rd32(got + 4), 1u << 13);
	assert_int_equal(rd32(got + 20), 100000);
	if (have_acl) {
		_cleanup_free_ char *detc = P("dest/etc");
		unsigned char gacl[256];
		n = getxattr(detc, "system.posix_acl_default", gacl, sizeof(gacl));
		assert_true(n >= 4 + 5 * 8);
		bool su = false, sg = false;
		for (ssize_t off = 4; off + 8 <= n; off += 8) {
			unsigned tag = gacl[off];
			if (tag == 0x02)
				su = rd32(gacl + off + 4) == 101234;
			if (tag == 0x08)
				sg = rd32(gacl + off + 4) == 104321;
		}
		assert_true(su);
		assert_true(sg);
	}

	/* an id beyond the block is refused */
	assert_int_equal(chown(tool, 70000, 0), 0);
	assert_int_equal(tpl_pack(src, a, false), 0);
	assert_true(extract(a, &o) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(strstr(cerr_msg(), "bin/tool"));
}

/* template commit's packing: a container's block moved back to container-relative ids (owners,
 * ACL ids, a revision 3 capability's root id); ids below the block kept only for an overlay's lower
 * layer (low_kept), any other id the overflow id; the directory may be given as a descriptor. */
static void test_pack_unshift(void **state)
{
	(void)state;
	NEED_ROOT();
	make_src_tree();
	_cleanup_free_ char *src = P("src"), *tool = P("src/bin/tool"), *etc = P("src/etc"), *sh = P("src/bin/sh"),
			    *shadow = P("src/etc/shadow"), *host = P("src/etc/hostname"), *big = P("src/etc/big");
	const uint32_t B = 100000;
	assert_int_equal(chown(src, B, B), 0);
	assert_int_equal(chown(tool, B + 1000, B + 1001), 0);
	assert_int_equal(chown(shadow, B, B + 42), 0);
	assert_int_equal(lchown(sh, B + 7, B + 8), 0);
	assert_int_equal(chown(host, 5, 6), 0);          /* below the block: a lower layer's */
	assert_int_equal(chown(big, 300000, 300000), 0); /* outside every range */
	assert_int_equal(chmod(tool, 04751), 0);
	unsigned char cap[24] = {0};
	le32(cap, 0x03000000u | 1u);
	le32(cap + 4, 1u << 13);
	le32(cap + 20, B);
	assert_int_equal(setxattr(tool, "security.capability", cap, sizeof(cap), 0), 0);
	unsigned char acl[4 + 6 * 8] = {0};
	const unsigned tags[6] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20}, ids[6] = {0, B + 1234, 0, B + 4321, 0, 0};
	le32(acl, 2);
	for (int i = 0; i < 6; i++) {
		acl[4 + i * 8] = (unsigned char)tags[i];
		acl[4 + i * 8 + 2] = 7;
		le32(acl + 4 + i * 8 + 4, tags[i] == 0x02 || tags[i] == 0x08 ? ids[i] : 0xffffffffu);
	}
	bool have_acl = setxattr(etc, "system.posix_acl_default", acl, sizeof(acl), 0) == 0;

	_cleanup_free_ char *a = P("un.tar.zst");
	int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(sfd > 0);
	struct tpl_pack_opts po = {.id_base = B, .id_size = 65536, .low_kept = true, .srcfd = sfd};
	assert_int_equal(tpl_pack_opts("(fd)", a, &po), 0);
	close(sfd);
	assert_int_equal(extract(a, NULL), 0);
	uid_t u;
	gid_t g;
	owner_of("dest", &u, &g);
	assert_int_equal(u, 0);
	owner_of("dest/bin/tool", &u, &g);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 1001);
	assert_int_equal(mode_of("dest/bin/tool"), 04751);
	owner_of("dest/etc/shadow", &u, &g);
	assert_int_equal(g, 42);
	owner_of("dest/bin/sh", &u, &g);
	assert_int_equal(u, 7);
	owner_of("dest/etc/hostname", &u, &g);
	assert_int_equal(u, 5);
	assert_int_equal(g, 6);
	owner_of("dest/etc/big", &u, &g);
	assert_int_equal(u, TPL_OVERFLOW_ID);
	_cleanup_free_ char *dtool = P("dest/bin/tool");
	unsigned char got[32];
	ssize_t n = getxattr(dtool, "security.capability", got, sizeof(got));
	assert_true(n == 20 || (n == 24 && rd32(got + 20) == 0)); /* the host's root: v2, or v3 of root 0 */
	assert_int_equal(rd32(got + 4), 1u << 13);
	if (have_acl) {
		_cleanup_free_ char *detc = P("dest/etc");
		unsigned char gacl[256];
		n = getxattr(detc, "system.posix_acl_default", gacl, sizeof(gacl));
		bool su = false, sg = false;
		for (ssize_t off = 4; off + 8 <= n; off += 8) {
			su = su || (gacl[off] == 0x02 && rd32(gacl + off + 4) == 1234);
			sg = sg || (gacl[off] == 0x08 && rd32(gacl + off + 4) == 4321);
		}
		assert_true(su);
		assert_true(sg);
	}
	/* a full copy (no low_kept): the low id is the overflow id too; a capability of the host's
	 * root (revision 2) was never the container's: dropped */
	le32(cap, 0x02000000u | 1u);
	assert_int_equal(setxattr(tool, "security.capability", cap, 20, 0), 0);
	po = (struct tpl_pack_opts){.id_base = B, .id_size = 65536};
	assert_int_equal(tpl_pack_opts(src, a, &po), 0);
	assert_int_equal(extract(a, NULL), 0);
	owner_of("dest/etc/hostname", &u, &g);
	assert_int_equal(u, TPL_OVERFLOW_ID);
	assert_true(getxattr(dtool, "security.capability", got, sizeof(got)) < 0);
	/* a block that overlaps the container-relative ids cannot be told apart from them */
	po = (struct tpl_pack_opts){.id_base = 1000, .id_size = 65536, .low_kept = true};
	assert_true(tpl_pack_opts(src, a, &po) < 0);
}

/* The origin file of a committed template: format and parse agree; hostile text gives empty fields. */
static void test_origin_parse(void **state)
{
	(void)state;
	struct tpl_origin o = {.ctid = 101}, b;
	strcpy(o.parent, "debian-12");
	strcpy(o.created, "2026-12-06T23:10:00Z");
	strcpy(o.layout, "overlay");
	_cleanup_free_ char *t = tpl_origin_format(&o);
	tpl_origin_parse(t, &b);
	assert_string_equal(b.parent, "debian-12");
	assert_int_equal(b.ctid, 101);
	assert_string_equal(b.created, "2026-12-06T23:10:00Z");
	assert_string_equal(b.layout, "overlay");
	tpl_origin_parse("parent = ../etc\nctid = x\ncreated = \033[31m\nlayout=copy\nnoise\n", &b);
	assert_string_equal(b.parent, "");
	assert_int_equal(b.ctid, 0);
	assert_string_equal(b.created, "");
	assert_string_equal(b.layout, "copy");
	tpl_origin_parse(NULL, &b);
	assert_string_equal(b.parent, "");
	assert_false(b.layer);
	/* a layer: its flag and the parent's tree version come back; a parent tree that is no tree
	 * name is left empty */
	o.layer = true;
	strcpy(o.parent_tree, "debian-12.0123456789abcdef");
	_cleanup_free_ char *t2 = tpl_origin_format(&o);
	tpl_origin_parse(t2, &b);
	assert_true(b.layer);
	assert_string_equal(b.parent_tree, "debian-12.0123456789abcdef");
	tpl_origin_parse("layer = yes\nparent_tree = ../trees/x.0123456789abcdef\n", &b);
	assert_true(b.layer);
	assert_string_equal(b.parent_tree, "");
	tpl_origin_parse("layer = no\nparent_tree = x.0123456789ABCDEF\n", &b);
	assert_false(b.layer);
	assert_string_equal(b.parent_tree, "");
}

static void test_devices_fifo(void **state)
{
	(void)state;
	NEED_ROOT();
	_cleanup_free_ char *src = P("src"), *dev = P("src/dev"), *null = P("src/dev/null"), *fifo = P("src/dev/initctl");
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(dev, 0755), 0);
	assert_int_equal(mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	_cleanup_free_ char *a = P("dev.tar.gz");
	assert_int_equal(tpl_pack(src, a, false), 0);
	assert_int_equal(extract(a, NULL), 0);
	_cleanup_free_ char *dn = P("dest/dev/null"), *df = P("dest/dev/initctl");
	struct stat st;
	assert_int_equal(lstat(dn, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(lstat(df, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

/* ---- fsutil ---- */

static void test_remove_tree_symlink_outside(void **state)
{
	(void)state;
	_cleanup_free_ char *outdir = P("outside"), *t = P("t"), *t1 = P("t/a"), *t2 = P("t/a/b"), *l = P("t/a/b/out"),
			      *l2 = P("t/filelink");
	assert_int_equal(mkdir(outdir, 0755), 0);
	put_file("outside/keep", "keep me\n", 0644);
	assert_int_equal(mkdir(t, 0755), 0);
	assert_int_equal(mkdir(t1, 0755), 0);
	assert_int_equal(mkdir(t2, 0755), 0);
	put_file("t/a/f", "x", 0644);
	assert_int_equal(symlink(outdir, l), 0);
	_cleanup_free_ char *kp = P("outside/keep");
	assert_int_equal(symlink(kp, l2), 0);
	if (geteuid() == 0) /* not writable: removal must still work as root */
		assert_int_equal(chmod(t2, 0500), 0);
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(fs_remove_tree(dfd, "t"), 0);
	assert_false(exists("t"));
	_cleanup_free_ char *s = get_file("outside/keep");
	assert_string_equal(s, "keep me\n");
	/* missing target */
	assert_int_equal(fs_remove_tree(dfd, "t"), 0);
	/* a symlink as the target itself: the link goes, not what it points to */
	_cleanup_free_ char *top = P("toplink");
	assert_int_equal(symlink(outdir, top), 0);
	assert_int_equal(fs_remove_tree(dfd, "toplink"), 0);
	assert_false(exists("toplink"));
	assert_true(exists("outside/keep"));
	close(dfd);
}

static void test_remove_tree_deep(void **state)
{
	(void)state;
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(mkdirat(dfd, "deep", 0755), 0);
	int cur = openat(dfd, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(mkdirat(cur, "d", 0755), 0);
		int fd = openat(cur, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		close(fd);
		int nx = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(nx >= 0);
		close(cur);
		cur = nx;
	}
	close(cur);
	assert_int_equal(fs_remove_tree(dfd, "deep"), 0);
	assert_false(exists("deep"));
	close(dfd);
}

static void test_remove_tree_mountpoint(void **state)
{
	(void)state;
	NEED_ROOT();
	_cleanup_free_ char *t = P("m"), *mp = P("m/mnt");
	assert_int_equal(mkdir(t, 0755), 0);
	assert_int_equal(mkdir(mp, 0755), 0);
	put_file("m/file", "x", 0644);
	if (mount("tmpfs", mp, "tmpfs", 0, "size=1m") < 0) {
		print_message("skipped: cannot mount tmpfs: %s\n", strerror(errno));
		skip();
	}
	put_file("m/mnt/inside", "on the mount\n", 0644);
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = fs_remove_tree(dfd, "m");
	_cleanup_free_ char *s = get_file("m/mnt/inside");
	bool file_gone = !exists("m/file");
	umount2(mp, MNT_DETACH);
	assert_int_equal(r, -EBUSY);
	assert_non_null(s);
	assert_string_equal(s, "on the mount\n");
	assert_true(file_gone);
	/* the mount point itself as the target */
	assert_int_equal(mount("tmpfs", mp, "tmpfs", 0, "size=1m"), 0);
	_cleanup_free_ char *mname = xasprintf("m/mnt");
	r = fs_remove_tree(dfd, mname);
	umount2(mp, MNT_DETACH);
	assert_int_equal(r, -EBUSY);
	assert_int_equal(fs_remove_tree(dfd, "m"), 0);
	close(dfd);
}

typedef int guest_put_fn(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);

/* what guest_write_file and guest_replace_file (the same without its fsyncs) both keep: a symlink at
 * the target is replaced, never followed; a symlinked parent resolves inside the root; the mode is
 * exact; the owner is set; no temp file stays */
static void guest_put_checks(guest_put_fn *put)
{
	_cleanup_free_ char *root = P("root"), *etc = P("root/etc"), *outdir = P("outside"), *of = P("outside/resolv.conf"),
			      *rl = P("root/etc/resolv.conf");
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(outdir, 0755), 0);
	put_file("outside/resolv.conf", "nameserver 192.0.2.1\n", 0644);
	assert_int_equal(symlink(of, rl), 0); /* absolute symlink out of the guest */
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rfd >= 0);
	const char *data = "nameserver 10.0.0.1\n";
	assert_int_equal(put(rfd, "/etc/resolv.conf", data, strlen(data), 0644, (uid_t)-1, (gid_t)-1), 0);
	_cleanup_free_ char *o = get_file("outside/resolv.conf");
	assert_string_equal(o, "nameserver 192.0.2.1\n");
	_cleanup_free_ char *in = get_file("root/etc/resolv.conf");
	assert_string_equal(in, data);
	struct stat st;
	assert_int_equal(lstat(rl, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);

	/* a symlinked parent directory resolves inside the root */
	_cleanup_free_ char *e2 = P("root/etc2"), *real = P("root/real");
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(outdir, e2), 0); /* "/tmp/.../outside" inside the root: missing */
	assert_true(put(rfd, "etc2/hostname", "h\n", 2, 0644, (uid_t)-1, (gid_t)-1) < 0);
	assert_false(exists("outside/hostname"));
	_cleanup_free_ char *e3 = P("root/etc3");
	assert_int_equal(symlink("../../../../../../real", e3), 0);
	assert_int_equal(put(rfd, "/etc3/hostname", "h\n", 2, 0600, (uid_t)-1, (gid_t)-1), 0);
	_cleanup_free_ char *h = get_file("root/real/hostname");
	assert_string_equal(h, "h\n");
	assert_int_equal(mode_of("root/real/hostname"), 0600);

	assert_true(guest_exists(rfd, "/etc/resolv.conf"));
	assert_true(guest_exists(rfd, "/etc3/hostname"));
	assert_false(guest_exists(rfd, "/etc2/hostname"));
	assert_false(guest_exists(rfd, "/nope"));
	int fd = guest_open(rfd, "../../../etc3/hostname", O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	if (geteuid() == 0) {
		assert_int_equal(put(rfd, "/etc/hostname", "x\n", 2, 0644, 100000, 100005), 0);
		uid_t u;
		gid_t g;
		owner_of("root/etc/hostname", &u, &g);
		assert_int_equal(u, 100000);
		assert_int_equal(g, 100005);
	}
	/* no temp files left */
	DIR *d = opendir(etc);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		assert_false(str_startswith(de->d_name, ".#"));
	closedir(d);
	close(rfd);
}

static void test_guest_write_file(void **state)
{
	(void)state;
	guest_put_checks(guest_write_file);
}

static void test_guest_replace_file(void **state)
{
	(void)state;
	guest_put_checks(guest_replace_file);
}

/* ---- hostile templates ---- */

/* An entry for tests below: kind as archive_entry's filetype, with a hard link (and data) or a
 * sparse map of nseg one-byte segments. */
static void add_raw(struct archive *w, const char *path, mode_t type, mode_t perm, const char *link, const char *data,
		    dev_t rdev, unsigned nseg)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 1700000000, 0);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	else if (link)
		archive_entry_set_hardlink(e, link);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	size_t len = data ? strlen(data) : 0;
	if (nseg) {
		archive_entry_set_size(e, 2 * (la_int64_t)nseg);
		for (unsigned i = 0; i < nseg; i++)
			archive_entry_sparse_add_entry(e, 2 * (la_int64_t)i, 1);
	} else {
		archive_entry_set_size(e, (la_int64_t)len);
	}
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	if (nseg) {
		for (unsigned i = 0; i < nseg; i++)
			assert_int_equal(archive_write_data(w, "x", 1), 1);
	} else if (len) {
		assert_int_equal(archive_write_data(w, data, len), (la_ssize_t)len);
	}
	archive_entry_free(e);
}

static struct archive *raw_open(const char *file)
{
	struct archive *w = archive_write_new();
	assert_non_null(w);
	assert_int_equal(archive_write_set_format_pax(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(w, file), ARCHIVE_OK);
	return w;
}

static void raw_close(struct archive *w)
{
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

static void test_extract_devices_policy(void **state)
{
	(void)state;
	NEED_ROOT();
	_cleanup_free_ char *a = P("dev.tar");
	struct archive *w = raw_open(a);
	add_raw(w, "dev", AE_IFDIR, 0755, NULL, NULL, 0, 0);
	add_raw(w, "dev/probe", AE_IFCHR, 04666, NULL, NULL, makedev(1, 3), 0);
	add_raw(w, "dev/disk", AE_IFBLK, 0640, NULL, NULL, makedev(7, 0), 0);
	add_raw(w, "dev/probe2", AE_IFREG, 0644, "dev/probe", NULL, 0, 0); /* a hard link inside dev */
	raw_close(w);
	struct tpl_extract_opts o = {.uid_shift = 100000, .uid_size = 65536};
	assert_int_equal(extract(a, &o), 0);
	_cleanup_free_ char *pn = P("dest/dev/probe"), *dn = P("dest/dev/disk"), *p2 = P("dest/dev/probe2");
	struct stat st, st2;
	assert_int_equal(lstat(pn, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(st.st_mode & 07777, 0666); /* no set-id bits on a node */
	assert_int_equal(st.st_uid, 100000);
	assert_int_equal(st.st_gid, 100000);
	assert_int_equal(st.st_mtime, 1700000000);
	assert_int_equal(lstat(p2, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(lstat(dn, &st), 0);
	assert_true(S_ISBLK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);

	/* outside dev/: refused, directly or as a hard link */
	const char *out[] = {"dest/etc/mem", NULL};
	_cleanup_free_ char *b = P("devout.tar");
	w = raw_open(b);
	add_raw(w, "etc", AE_IFDIR, 0755, NULL, NULL, 0, 0);
	add_raw(w, "etc/mem", AE_IFCHR, 0666, NULL, NULL, makedev(1, 1), 0);
	raw_close(w);
	assert_true(extract(b, &o) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_non_null(strstr(cerr_msg(), "device node 'etc/mem' outside /dev"));
	assert_false(exists(out[0]));
	_cleanup_free_ char *c = P("devlink.tar");
	w = raw_open(c);
	add_raw(w, "dev", AE_IFDIR, 0755, NULL, NULL, 0, 0);
	add_raw(w, "dev/mem", AE_IFCHR, 0600, NULL, NULL, makedev(1, 1), 0);
	add_raw(w, "mem", AE_IFREG, 0644, "dev/mem", NULL, 0, 0);
	raw_close(w);
	assert_true(extract(c, &o) < 0);
	assert_non_null(strstr(cerr_msg(), "device node 'mem' outside /dev (a hard link to 'dev/mem'"));
	assert_false(exists("dest/mem"));
}

/* A ustar header (libarchive's writers never give a hard link data; a hostile archive may). */
static void ustar(FILE *f, const char *name, char type, mode_t mode, size_t size, const char *link)
{
	char h[512] = {0};
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", (unsigned)mode);
	snprintf(h + 108, 8, "%07o", 0u);
	snprintf(h + 116, 8, "%07o", 0u);
	snprintf(h + 124, 12, "%011zo", size);
	snprintf(h + 136, 12, "%011o", 1700000000u);
	h[156] = type;
	if (link)
		snprintf(h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	assert_int_equal(fwrite(h, 1, sizeof(h), f), sizeof(h));
}

/* libarchive applies a data-carrying hard link's mode by name: through the link when its target is
 * a symlink. Such links are made without metadata. */
static void test_extract_hardlink_to_symlink(void **state)
{
	(void)state;
	_cleanup_free_ char *outdir = P("outside"), *secret = P("outside/secret");
	assert_int_equal(mkdir(outdir, 0755), 0);
	put_file("outside/secret", "host secret\n", 0600);
	_cleanup_free_ char *a = P("hardsym.tar");
	FILE *f = fopen(a, "w");
	assert_non_null(f);
	ustar(f, "l", '2', 0777, 0, secret);
	/* a pax header first: libarchive obeys a hard link's size only in pax interchange format */
	char blk[512] = "20 mtime=1700000000\n";
	ustar(f, "h.pax", 'x', 0644, 20, NULL);
	assert_int_equal(fwrite(blk, 1, 512, f), 512);
	ustar(f, "h", '1', 04777, 5, "l");
	memset(blk, 0, sizeof(blk));
	memcpy(blk, "pwned", 5);
	assert_int_equal(fwrite(blk, 1, 512, f), 512);
	memset(blk, 0, sizeof(blk));
	assert_int_equal(fwrite(blk, 1, 512, f), 512);
	assert_int_equal(fwrite(blk, 1, 512, f), 512);
	fclose(f);
	/* (with the uid shift, as create runs it: libarchive then applies owner and mode) */
	struct tpl_extract_opts o = {.uid_shift = 100000, .uid_size = 65536};
	(void)extract(a, &o);
	assert_int_equal(mode_of("outside/secret"), 0600);
	_cleanup_free_ char *s = get_file("outside/secret");
	assert_string_equal(s, "host secret\n");
	_cleanup_free_ char *h = P("dest/h");
	struct stat st;
	assert_int_equal(lstat(h, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_extract_sparse_bounds(void **state)
{
	(void)state;
	_cleanup_free_ char *a = P("sparse.tar");
	struct archive *w = raw_open(a);
	add_raw(w, "ok", AE_IFREG, 0644, NULL, NULL, 0, 100);
	add_raw(w, "bomb", AE_IFREG, 0644, NULL, NULL, 0, TPL_SPARSE_MAX_FILE + 1);
	raw_close(w);
	assert_true(extract(a, NULL) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	/* (the writer adds an empty segment at the end) */
	assert_non_null(strstr(cerr_msg(), "entry 'bomb' is a sparse file of 6553"));
	assert_non_null(strstr(cerr_msg(), "segments (at most 65536)"));
	_cleanup_free_ char *ok = get_file("dest/ok");
	assert_non_null(ok);
	assert_int_equal(ok[0], 'x');
	assert_false(exists("dest/bomb"));
}

static void test_extract_escapes_names(void **state)
{
	(void)state;
	const struct ent v[] = {{E_FILE, "../\x1b[2J\x1b]0;t\x07x", "x"}};
	const char *out[] = {NULL};
	expect_bad("esc", v, ARRAY_SIZE(v), out);
	assert_non_null(strstr(cerr_msg(), "unsafe entry '../\\x1b[2J\\x1b]0;t\\x07x'"));
	for (const char *p = cerr_msg(); *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* guest_read and fs_open_regular never open a FIFO or a device node (inotify sees no open). */
static void test_regular_only(void **state)
{
	(void)state;
	_cleanup_free_ char *root = P("root"), *etc = P("root/etc"), *fifo = P("root/etc/fifo"), *mid = P("root/etc/machine-id"),
			      *node = P("root/etc/node");
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(symlink("/etc/fifo", mid), 0);
	bool dev = geteuid() == 0 && mknod(node, S_IFCHR | 0666, makedev(1, 3)) == 0;
	put_file("root/etc/hostname", "h1\n", 0644);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(in >= 0);
	assert_true(inotify_add_watch(in, fifo, IN_OPEN) >= 0);
	if (dev)
		assert_true(inotify_add_watch(in, node, IN_OPEN) >= 0);
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rfd >= 0);
	char *text = (char *)1;
	mode_t mode = 1;
	assert_int_equal(guest_read(rfd, "/etc/machine-id", &text, &mode), 0); /* would block if opened */
	assert_null(text);
	assert_int_equal(mode, 0);
	assert_int_equal(guest_read(rfd, "/etc/fifo", &text, &mode), 0);
	assert_null(text);
	if (dev) {
		assert_int_equal(guest_read(rfd, "/etc/node", &text, &mode), 0);
		assert_null(text);
	}
	assert_int_equal(guest_read(rfd, "/etc/hostname", &text, &mode), 0);
	assert_string_equal(text, "h1\n");
	assert_int_equal(mode & 07777, 0644);
	free(text);
	int dfd = open(etc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	errno = 0;
	assert_int_equal(fs_open_regular(dfd, "fifo", O_RDONLY | O_NONBLOCK), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fs_open_regular(dfd, "machine-id", O_RDONLY), -EINVAL); /* the link itself */
	assert_int_equal(fs_open_regular(dfd, "nope", O_RDONLY), -ENOENT);
	if (dev)
		assert_int_equal(fs_open_regular(dfd, "node", O_RDONLY), -EINVAL);
	int fd = fs_open_regular(dfd, "hostname", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOATIME); /* as the quota walk */
	assert_true(fd >= 0);
	char buf[8] = {0};
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	close(fd);
	char ev[4096];
	assert_true(read(in, ev, sizeof(ev)) < 0); /* no IN_OPEN on the FIFO or the node */
	assert_int_equal(errno, EAGAIN);
	/* beneath: no symlink on the way, nothing above */
	_cleanup_free_ char *sub = P("root/etc/sub"), *lnk = P("root/link");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(symlink("etc", lnk), 0);
	fd = fs_open_beneath(rfd, "etc/sub", O_PATH | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fs_open_beneath(rfd, "link/sub", O_PATH | O_DIRECTORY), -ELOOP);
	assert_int_equal(fs_open_beneath(rfd, "../root", O_PATH | O_DIRECTORY), -EXDEV);
	fd = fs_open_beneath(rfd, "", O_PATH | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
	close(rfd);
	close(in);
}

static void test_idmap_reserve(void **state)
{
	(void)state;
	_cleanup_free_ char *cd = P("ct"), *rd = P("run");
	assert_int_equal(mkdir(cd, 0755), 0);
	struct gconf g = {.config_dir = cd, .run_dir = rd, .userns_base = 100000, .userns_size = 65536};
	struct idmap_res r1 = IDMAP_RES_INIT, r2 = IDMAP_RES_INIT, r3 = IDMAP_RES_INIT, r5 = IDMAP_RES_INIT;
	uint32_t b1 = 0, b2 = 0, b3 = 0, b5 = 0;
	assert_int_equal(idmap_reserve(&g, 1001, &b1, &r1), 0);
	assert_int_equal(b1, 100000);
	assert_int_equal(idmap_reserve(&g, 1002, &b2, &r2), 0); /* 1001's reservation is live */
	assert_int_equal(b2, 165536);
	/* a container's config holds the next block */
	put_file("ct/1010.conf", "[container]\nuserns = yes\nuid_base = 231072\n", 0644);
	idmap_release(&r1);
	assert_false(exists("run/idmap/1001"));
	assert_int_equal(idmap_reserve(&g, 1003, &b3, &r3), 0);
	assert_int_equal(b3, 100000);
	/* a reservation nobody holds (its create died) is stale: removed, its block reused */
	idmap_release(&r3);
	put_file("run/idmap/1004", "100000\n", 0600);
	assert_int_equal(idmap_reserve(&g, 1005, &b5, &r5), 0);
	assert_int_equal(b5, 100000);
	assert_false(exists("run/idmap/1004"));
	idmap_release(&r2);
	idmap_release(&r5);
	idmap_release(&r5); /* twice is fine */
	assert_false(exists("run/idmap/1002"));
	assert_false(exists("run/idmap/1005"));
	/* the lock file goes with the lock */
	assert_false(exists("run/lock/idmap.lck"));
	/* none left */
	struct gconf full = {.config_dir = cd, .run_dir = rd, .userns_base = UINT32_MAX - 70000, .userns_size = 65536};
	struct idmap_res r6 = IDMAP_RES_INIT;
	uint32_t b6 = 0;
	assert_int_equal(idmap_reserve(&full, 1006, &b6, &r6), 0);
	struct idmap_res r7 = IDMAP_RES_INIT;
	cerr_clear();
	assert_true(idmap_reserve(&full, 1007, &b6, &r7) < 0);
	assert_int_equal(cerr_exit(), EX_RESOURCE);
	idmap_release(&r6);
}

/* tpl_extract and tpl_pack go to the archiver the program set, and fail cleanly without one. */
static void test_archiver(void **state)
{
	(void)state;
	tpl_set_archiver(NULL);
	cerr_clear();
	assert_true(tpl_pack("/nonexistent-src", "/nonexistent.tar", false) < 0);
	assert_int_equal(cerr_exit(), EX_SYSTEM);
	assert_non_null(strstr(cerr_msg(), "no template archiver"));
	cerr_clear();
	assert_true(tpl_extract("/nonexistent.tar", "/nonexistent-dest", NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "no template archiver"));
	cerr_clear();
	tpl_set_archiver(&tpl_archive_local);
	assert_true(tpl_pack("/nonexistent-src", "/nonexistent.tar", false) < 0);
	assert_null(strstr(cerr_msg(), "no template archiver")); /* libarchive's code answered */
	cerr_clear();
}

int main(void)
{
	tpl_set_archiver(&tpl_archive_local); /* libarchive in this process, as cellctl-archive */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archiver),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_origin_parse),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test_setup_teardown(test_extract_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_missing_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owners_and_shift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_unshift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_tree_symlink_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_tree_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_tree_mountpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_write_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_replace_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_devices_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_hardlink_to_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_sparse_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_escapes_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regular_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idmap_reserve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
