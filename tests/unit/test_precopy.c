/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A migration's pre-copy (precopy.h): the inode set; the first pass written and received into a
 * stage; the final pass (a backup stream) with references for the files that did not change, and
 * its restore over the stage giving the tree as it was at the final pass (changed, added, removed,
 * renamed-directory, hard-linked, sparse and empty files, xattrs, modes); references refused
 * without a stage, a missing or wrong-sized object, a stream cut short or altered. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bkarchive.h"
#include "error.h"
#include "fixtures.h"
#include "inoset.h"
#include "precopy.h"
#include "template.h"
#include "tplarchive.h"
#include "util.h"

/* expr must be 0: else the recorded error is printed */
#define assert_ok(expr)                                                                                                \
	do {                                                                                                           \
		int r_ = (expr);                                                                                       \
		if (r_ != 0)                                                                                           \
			fail_msg("%s: %d: %s", #expr, r_, cerr_msg() ? cerr_msg() : "(no message)");                  \
	} while (0)

static void test_inoset(void **state)
{
	(void)state;
	struct inoset s = INOSET_INIT;
	assert_false(inoset_has(&s, 0));
	assert_false(inoset_has(&s, 7));
	assert_true(inoset_add(&s, 0));
	assert_false(inoset_add(&s, 0));
	assert_true(inoset_has(&s, 0));
	/* runs of numbers, and ones that collide in the low bits, across growths */
	for (uint64_t i = 1; i <= 5000; i++) {
		assert_true(inoset_add(&s, i));
		assert_true(inoset_add(&s, i << 32));
	}
	assert_false(inoset_add(&s, 4999));
	assert_int_equal(s.n, 10000);
	for (uint64_t i = 1; i <= 5000; i++) {
		assert_true(inoset_has(&s, i));
		assert_true(inoset_has(&s, i << 32));
	}
	assert_false(inoset_has(&s, 5001));
	assert_false(inoset_has(&s, UINT64_MAX));
	uint64_t rec[3] = {UINT64_MAX, 123456789012345ull, 5};
	assert_int_equal(inoset_add_records(&s, rec, sizeof(rec)), 0);
	assert_true(inoset_has(&s, UINT64_MAX));
	assert_true(inoset_has(&s, 123456789012345ull));
	assert_int_equal(inoset_add_records(&s, rec, 7), -EINVAL);
	inoset_free(&s);
	assert_false(inoset_has(&s, 5));
}

struct world {
	char top[256], src[300], stage[300], dst[300], conf[300], pass1[300], pass2[300];
	int listfd;
	struct tpl_precopy pc;
};

static void write_at(const char *dir, const char *rel, const char *data, size_t n)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_full(fd, data, n), 0);
	close(fd);
}

static char *slurp(const char *dir, const char *rel, size_t *n)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	char *text = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, p, &text, n), 0);
	return text;
}

/* The source tree, made a while before t0. */
static void make_world(struct world *w)
{
	fx_tmpdir(w->top, sizeof(w->top), "precopy");
	snprintf(w->src, sizeof(w->src), "%s/src", w->top);
	snprintf(w->stage, sizeof(w->stage), "%s/stage", w->top);
	snprintf(w->dst, sizeof(w->dst), "%s/dst", w->top);
	snprintf(w->conf, sizeof(w->conf), "%s/ct.conf", w->top);
	snprintf(w->pass1, sizeof(w->pass1), "%s/pass1.tar", w->top);
	snprintf(w->pass2, sizeof(w->pass2), "%s/pass2.tar", w->top);
	assert_int_equal(mkdir(w->src, 0755), 0);
	assert_int_equal(mkdir(w->stage, 0700), 0);
	assert_int_equal(mkdir(w->dst, 0755), 0);
	fx_write(NULL, w->conf, "[container]\nhostname = x\n");
	char big[70000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	fx_write(w->src, "etc/keep", "unchanged\n");
	fx_write(w->src, "etc/change", "old text\n");
	fx_write(w->src, "etc/gone", "removed later\n");
	fx_write(w->src, "a/one", "file in a\n");
	fx_write(w->src, "b/one", "file in b\n");
	write_at(w->src, "big", big, sizeof(big));
	fx_write(w->src, "empty", "");
	_cleanup_free_ char *p = xasprintf("%s/etc/keep", w->src), *l = xasprintf("%s/etc/keep.link", w->src);
	assert_int_equal(link(p, l), 0);
	assert_int_equal(chmod(p, 04711), 0);
	/* a sparse file: 1 MiB hole, then data */
	_cleanup_free_ char *sp = xasprintf("%s/sparse", w->src);
	int fd = open(sp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "tail", 4, 1 << 20), 4);
	close(fd);
	/* (xattrs where the filesystem has user ones) */
	_cleanup_free_ char *ch = xasprintf("%s/etc/change", w->src);
	setxattr(p, "user.note", "kept", 4, 0);
	_cleanup_free_ char *l2 = xasprintf("%s/lnk", w->src);
	assert_int_equal(symlink("etc/keep", l2), 0);
	(void)ch;
	usleep(30 * 1000); /* the kernel's coarse clock: its tick behind */
	w->listfd = open(w->top, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	assert_true(w->listfd >= 0);
	w->pc = (struct tpl_precopy){.listfd = w->listfd, .statfd = -1};
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->pc.t0_sec = ts.tv_sec;
	w->pc.t0_nsec = ts.tv_nsec;
}

static void pass1(struct world *w)
{
	int fd = open(w->pass1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_ok(tpl_precopy_write(fd, "zstd", w->src, &w->pc));
	close(fd);
	/* big, empty (not sent: no data), sparse, etc/keep once for its two names, the others */
	assert_int_equal(w->pc.files, 7);
	struct stat st;
	assert_int_equal(fstat(w->listfd, &st), 0);
	assert_int_equal(st.st_size, 7 * 8);
	fd = open(w->pass1, O_RDONLY | O_CLOEXEC);
	uint64_t n = 0;
	assert_ok(tpl_precopy_receive(fd, w->stage, NULL, &n));
	close(fd);
	assert_int_equal(n, 7);
	_cleanup_free_ char *done = xasprintf("%s/" PC_COMPLETE, w->stage);
	assert_int_equal(access(done, F_OK), 0);
}

/* The final pass, with the list read back as cellctl-archive reads it. */
static void pass2(struct world *w)
{
	char buf[4096];
	ssize_t n = pread(w->listfd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_int_equal(inoset_add_records(&w->pc.sent, buf, (size_t)n), 0);
	w->pc.files = w->pc.bytes = 0;
	struct tpl_pack_opts po = {.precopy = &w->pc};
	assert_ok(bk_archive_write(w->pass2, "none", "{\"format\": 1}\n", w->conf, w->src, &po));
}

static void free_world(struct world *w)
{
	inoset_free(&w->pc.sent);
	close(w->listfd);
	rm_rf(w->top);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct world w;
	make_world(&w);
	pass1(&w);
	/* the guest goes on: a changed file, a removed one, a new one, two directories swapped
	 * (their files keep their ctimes: only the inode pairs them with their objects), a file
	 * whose data changed with its mtime put back */
	fx_write(w.src, "etc/change", "new text!\n");
	_cleanup_free_ char *gone = xasprintf("%s/etc/gone", w.src);
	assert_int_equal(unlink(gone), 0);
	fx_write(w.src, "etc/new", "made after the first pass\n");
	_cleanup_free_ char *a = xasprintf("%s/a", w.src), *b = xasprintf("%s/b", w.src), *t = xasprintf("%s/t", w.src);
	assert_int_equal(rename(a, t), 0);
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(rename(t, b), 0);
	pass2(&w);
	/* unchanged and sent: big, sparse, etc/keep (two names), a/one and b/one (their inodes did not
	 * change: rename stamps only the directories moved) */
	assert_int_equal(w.pc.files, 5);
	struct tpl_extract_opts xo = {.precopy_dir = w.stage};
	assert_ok(bk_archive_restore(w.pass2, w.dst, &xo));
	size_t n;
	_cleanup_free_ char *c1 = slurp(w.dst, "etc/change", &n), *c2 = slurp(w.dst, "etc/keep", &n),
			    *c3 = slurp(w.dst, "a/one", &n), *c4 = slurp(w.dst, "b/one", &n),
			    *c5 = slurp(w.dst, "etc/new", &n), *c6 = slurp(w.dst, "big", &n);
	assert_string_equal(c1, "new text!\n");
	assert_string_equal(c2, "unchanged\n");
	assert_string_equal(c3, "file in b\n");
	assert_string_equal(c4, "file in a\n");
	assert_string_equal(c5, "made after the first pass\n");
	assert_int_equal(n, 70000);
	for (size_t i = 0; i < n; i++)
		if (c6[i] != (char)(i * 7 + 3))
			fail_msg("big differs at %zu", i);
	_cleanup_free_ char *c7 = slurp(w.dst, "sparse", &n);
	assert_int_equal(n, (1 << 20) + 4);
	assert_memory_equal(c7 + (1 << 20), "tail", 4);
	struct stat s1, s2;
	_cleanup_free_ char *k1 = xasprintf("%s/etc/keep", w.dst), *k2 = xasprintf("%s/etc/keep.link", w.dst);
	assert_int_equal(stat(k1, &s1), 0);
	assert_int_equal(stat(k2, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_int_equal(s1.st_nlink, 2);
	assert_int_equal(s1.st_mode & 07777, 04711);
	char xv[16] = "";
	if (getxattr(k1, "user.note", xv, sizeof(xv)) >= 0)
		assert_string_equal(xv, "kept");
	_cleanup_free_ char *g = xasprintf("%s/etc/gone", w.dst), *e = xasprintf("%s/empty", w.dst);
	assert_int_equal(access(g, F_OK), -1);
	assert_int_equal(stat(e, &s1), 0);
	assert_int_equal(s1.st_size, 0);
	/* the objects used were moved into place; what is left: etc/change's and etc/gone's */
	unsigned left = 0;
	_cleanup_free_ char *cmd = xasprintf("ls -A %s | grep -v '^\\.complete$' | wc -l", w.stage);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%u", &left), 1);
	pclose(f);
	assert_int_equal(left, 2);
	free_world(&w);
}

/* A final pass restored without a stage (restore-backup of it by hand), with an object missing or
 * not the size it should be: refused, EX_RESTORE. */
static void test_refused(void **state)
{
	(void)state;
	struct world w;
	make_world(&w);
	pass1(&w);
	pass2(&w);
	assert_true(w.pc.files > 0);
	struct tpl_extract_opts none = {0};
	assert_true(bk_archive_restore(w.pass2, w.dst, &none) < 0);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	assert_non_null(strstr(cerr_msg(), "pre-copy"));
	/* an object cut: the size check */
	rm_rf(w.dst);
	assert_int_equal(mkdir(w.dst, 0755), 0);
	struct stat st;
	_cleanup_free_ char *big = xasprintf("%s/big", w.src);
	assert_int_equal(stat(big, &st), 0);
	_cleanup_free_ char *obj = xasprintf("%s/%llu", w.stage, (unsigned long long)st.st_ino);
	assert_int_equal(truncate(obj, 10), 0);
	struct tpl_extract_opts xo = {.precopy_dir = w.stage};
	cerr_clear();
	assert_true(bk_archive_restore(w.pass2, w.dst, &xo) < 0);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	/* missing */
	assert_int_equal(unlink(obj), 0);
	rm_rf(w.dst);
	assert_int_equal(mkdir(w.dst, 0755), 0);
	cerr_clear();
	assert_true(bk_archive_restore(w.pass2, w.dst, &xo) < 0);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	if (!strstr(cerr_msg(), "missing"))
		fail_msg("%s", cerr_msg());
	free_world(&w);
}

/* The first pass's stream cut short, altered, or not a pre-copy at all: refused, no mark. */
static void test_bad_stream(void **state)
{
	(void)state;
	struct world w;
	make_world(&w);
	int fd = open(w.pass1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tpl_precopy_write(fd, "none", w.src, &w.pc), 0);
	close(fd);
	size_t n;
	_cleanup_free_ char *s = slurp(w.top, "pass1.tar", &n);
	_cleanup_free_ char *done = xasprintf("%s/" PC_COMPLETE, w.stage);
	/* cut */
	write_at(w.top, "cut.tar", s, n / 2);
	_cleanup_free_ char *cut = xasprintf("%s/cut.tar", w.top);
	fd = open(cut, O_RDONLY | O_CLOEXEC);
	uint64_t k;
	cerr_clear();
	assert_true(tpl_precopy_receive(fd, w.stage, NULL, &k) < 0);
	close(fd);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	assert_int_equal(access(done, F_OK), -1);
	/* one byte of the big file's data changed: the checksum */
	rm_rf(w.stage);
	assert_int_equal(mkdir(w.stage, 0700), 0);
	char *hit = memmem(s, n, "\x03\x0a\x11\x18", 4);
	assert_non_null(hit);
	hit[1] ^= 1;
	write_at(w.top, "alt.tar", s, n);
	_cleanup_free_ char *alt = xasprintf("%s/alt.tar", w.top);
	fd = open(alt, O_RDONLY | O_CLOEXEC);
	cerr_clear();
	assert_true(tpl_precopy_receive(fd, w.stage, NULL, &k) < 0);
	close(fd);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	if (!strstr(cerr_msg(), "checksum"))
		fail_msg("%s", cerr_msg());
	assert_int_equal(access(done, F_OK), -1);
	/* a backup archive is no pre-copy */
	rm_rf(w.stage);
	assert_int_equal(mkdir(w.stage, 0700), 0);
	struct tpl_pack_opts po = {0};
	assert_int_equal(bk_archive_write(w.pass2, "none", "{\"format\": 1}\n", w.conf, w.src, &po), 0);
	fd = open(w.pass2, O_RDONLY | O_CLOEXEC);
	cerr_clear();
	assert_true(tpl_precopy_receive(fd, w.stage, NULL, &k) < 0);
	close(fd);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	free_world(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inoset),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
