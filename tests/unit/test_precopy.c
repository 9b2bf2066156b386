/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A migration's pre-copy (precopy.h): the inode set; the first pass written and received into a
 * stage; the final pass (a backup stream) with references for the files that did not change, and
 * its restore over the stage giving the tree as it was at the final pass (changed, added, removed,
 * renamed-directory, hard-linked, sparse and empty files, xattrs, modes); references refused
 * without a stage, a missing or wrong-sized object, a stream cut short or altered. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "backup.h"
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
	assert_true(inoset_add(&s, UINT64_MAX));
	assert_true(inoset_has(&s, UINT64_MAX));
	assert_false(inoset_has(&s, UINT64_MAX - 1));
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

/* system.posix_acl_access: version 2, then (tag, perm, id) little-endian: user::rw-,
 * user:1234:r--, group::r--, mask::r--, other::r-- */
static const unsigned char acl_bytes[] = {2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 4, 0, 0xd2, 4, 0, 0,
					  4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0,
					  4, 0, 0xff, 0xff, 0xff, 0xff};

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
	if (geteuid() == 0) {
		/* a v2 file capability (cap_net_bind_service, effective) */
		unsigned char cap[20] = {0};
		cap[3] = 0x02;
		cap[0] = 0x01;
		cap[5] = 0x04; /* permitted: bit 10 */
		assert_int_equal(setxattr(p, "security.capability", cap, sizeof(cap), 0), 0);
		/* an ACL on big (user 1234 may read): its reference takes the other way into place */
		_cleanup_free_ char *bp = xasprintf("%s/big", w->src);
		assert_int_equal(setxattr(bp, "system.posix_acl_access", acl_bytes, sizeof(acl_bytes), 0), 0);
	}
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

static int write_pass1(struct world *w, const char *compress)
{
	int fd = open(w->pass1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	int top = open(w->src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(top >= 0);
	int r = tpl_precopy_write(fd, compress, top, &w->pc, NULL);
	close(top);
	close(fd);
	return r;
}

static void pass1(struct world *w)
{
	assert_ok(write_pass1(w, "zstd"));
	/* big, empty (not sent: no data), sparse, etc/keep once for its two names, the others */
	assert_int_equal(w->pc.files, 7);
	struct stat st;
	assert_int_equal(fstat(w->listfd, &st), 0);
	assert_int_equal(st.st_size, 7 * sizeof(struct pc_record));
	int fd = open(w->pass1, O_RDONLY | O_CLOEXEC);
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
	char buf[8192];
	ssize_t n = pread(w->listfd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	pc_records_free(&w->pc);
	assert_int_equal(pc_records_load(&w->pc, buf, (size_t)n), 0);
	w->pc.files = w->pc.bytes = 0;
	/* from inside the tree, as the archiver works (it enters it: its paths are relative) */
	struct tpl_pack_opts po = {.precopy = &w->pc};
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(here >= 0);
	assert_int_equal(chdir(w->src), 0);
	assert_ok(bk_archive_write(w->pass2, "none", "{\"format\": 1}\n", w->conf, ".", &po));
	assert_int_equal(fchdir(here), 0);
	close(here);
}

static void free_world(struct world *w)
{
	pc_records_free(&w->pc);
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
	if (geteuid() == 0) {
		/* a file capability survives the object's move into place (set after its chown) */
		unsigned char a1[32], a2[32];
		_cleanup_free_ char *sk = xasprintf("%s/etc/keep", w.src);
		ssize_t l1 = getxattr(sk, "security.capability", a1, sizeof(a1));
		ssize_t l2 = getxattr(k1, "security.capability", a2, sizeof(a2));
		assert_true(l1 > 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(a1, a2, (size_t)l1);
		/* and an ACL (the object moved over the file extraction made with it) */
		unsigned char acl[64];
		_cleanup_free_ char *db = xasprintf("%s/big", w.dst);
		ssize_t la = getxattr(db, "system.posix_acl_access", acl, sizeof(acl));
		assert_int_equal(la, sizeof(acl_bytes));
		assert_memory_equal(acl, acl_bytes, sizeof(acl_bytes));
	}
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
	assert_ok(write_pass1(&w, "none"));
	int fd;
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

/* The data decides: with t0 ahead (every file counts as not stamped since), a file rewritten in
 * place with the same size after the first pass is sent whole, not referred to. */
static void test_same_size_rewrite(void **state)
{
	(void)state;
	struct world w;
	make_world(&w);
	w.pc.t0_sec += 3600;
	pass1(&w);
	fx_write(w.src, "etc/change", "OLD TEXT\n"); /* as "old text\n": 9 bytes */
	pass2(&w);
	/* big, sparse, keep, a/one, b/one, etc/gone: referred to; etc/change: sent */
	assert_int_equal(w.pc.files, 6);
	struct tpl_extract_opts xo = {.precopy_dir = w.stage};
	assert_ok(bk_archive_restore(w.pass2, w.dst, &xo));
	size_t n;
	_cleanup_free_ char *c = slurp(w.dst, "etc/change", &n);
	assert_string_equal(c, "OLD TEXT\n");
	free_world(&w);
}

static void test_records(void **state)
{
	(void)state;
	struct tpl_precopy pc = {0};
	struct pc_record r[4] = {{.ino = 30, .size = 3}, {.ino = 10, .size = 1}, {.ino = 20, .size = 2}, {.ino = 10, .size = 9}};
	assert_int_equal(pc_records_load(&pc, r, sizeof(r)), 0);
	assert_int_equal(pc.nrec, 2); /* inode 10 twice: no record for it at all */
	assert_null(pc_record_find(&pc, 10));
	assert_int_equal(pc_record_find(&pc, 20)->size, 2);
	assert_int_equal(pc_record_find(&pc, 30)->size, 3);
	assert_null(pc_record_find(&pc, 31));
	assert_int_equal(pc_records_load(&pc, r, sizeof(r) - 1), -EINVAL);
	pc_records_free(&pc);
	assert_null(pc_record_find(&pc, 20));
	assert_true(pc_token_ok("0123456789abcdef0123456789abcdef"));
	assert_false(pc_token_ok("0123456789ABCDEF0123456789abcdef"));
	assert_false(pc_token_ok("0123456789abcdef0123456789abcde"));
	assert_false(pc_token_ok("../../../etc/passwd0123456789abc"));
	assert_false(pc_token_ok(NULL));
}

/* A hand-made first pass: the format entry, then entries (name, data), then a checksum entry of
 * csize bytes (65: a well-formed one, whatever its digits). */
static void hand_stream(const char *path, const char *const *names, const char *csum, size_t csize)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	const char *fmt = PC_FORMAT;
	struct {
		const char *n, *d;
		size_t l;
	} all[8];
	size_t k = 0;
	all[k].n = PC_FORMAT_NAME, all[k].d = fmt, all[k].l = strlen(fmt), k++;
	for (size_t i = 0; names[i]; i++)
		all[k].n = names[i], all[k].d = "data", all[k].l = 4, k++;
	all[k].n = PC_SUM_NAME, all[k].d = csum, all[k].l = csize, k++;
	for (size_t i = 0; i < k; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, all[i].n);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, (la_int64_t)all[i].l);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, all[i].d, all[i].l), (la_ssize_t)all[i].l);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static int receive_file(const char *path, const char *stage)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	uint64_t n;
	cerr_clear();
	int r = tpl_precopy_receive(fd, stage, NULL, &n);
	close(fd);
	return r;
}

/* Streams the sender never writes: refused, no mark. */
static void test_hostile_streams(void **state)
{
	(void)state;
	char top[256];
	fx_tmpdir(top, sizeof(top), "precopy-hostile");
	_cleanup_free_ char *st = xasprintf("%s/stage", top), *f = xasprintf("%s/s.tar", top),
			    *done = xasprintf("%s/stage/" PC_COMPLETE, top);
	char sum[66];
	memset(sum, '0', 64);
	sum[64] = '\n';
	sum[65] = 0;
	struct {
		const char *names[4];
		size_t csize;
		const char *why;
	} cases[] = {
		{{"obj/5", "obj/5", NULL}, 65, "twice"},
		{{"obj/0005", NULL}, 65, "no object"},
		{{"obj/5/x", NULL}, 65, "no object"},
		{{"obj/../5", NULL}, 65, "no object"},
		{{"../obj/5", NULL}, 65, "no object"},
		{{"obj/5", NULL}, 64, "checksum"},
		{{"obj/5", NULL}, 65, "checksum is wrong"},
	};
	char longsum[200];
	memset(longsum, '0', sizeof(longsum));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		rm_rf(st);
		assert_int_equal(mkdir(st, 0700), 0);
		hand_stream(f, cases[i].names, cases[i].csize == 65 ? sum : longsum, cases[i].csize);
		assert_true(receive_file(f, st) < 0);
		assert_int_equal(cerr_exit(), EX_RESTORE);
		if (!strstr(cerr_msg(), cases[i].why))
			fail_msg("case %zu: %s", i, cerr_msg());
		assert_int_equal(access(done, F_OK), -1);
	}
	/* a checksum entry longer than a checksum */
	rm_rf(st);
	assert_int_equal(mkdir(st, 0700), 0);
	const char *one[] = {"obj/5", NULL};
	hand_stream(f, one, longsum, sizeof(longsum));
	assert_true(receive_file(f, st) < 0);
	assert_int_equal(access(done, F_OK), -1);
	rm_rf(top);
}

/* A final pass whose reference is malformed (a sign, an overflow, no size, not a file): refused. */
static void test_bad_reference(void **state)
{
	(void)state;
	char top[256];
	fx_tmpdir(top, sizeof(top), "precopy-ref");
	_cleanup_free_ char *f = xasprintf("%s/b.tar", top), *dst = xasprintf("%s/dst", top),
			    *stage = xasprintf("%s/stage", top);
	assert_int_equal(mkdir(stage, 0700), 0);
	const char *bad[] = {"5 -1", "5 18446744073709551616", "5", "-5 1", "5 1 2", " 5 1", "5  1"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct archive *a = archive_write_new();
		archive_write_set_format_pax_restricted(a);
		assert_int_equal(archive_write_open_filename(a, f), ARCHIVE_OK);
		const char *man = "{\"format\": 1, \"precopy\": true}\n", *conf = "[container]\n";
		const char *names[] = {BK_MANIFEST, BK_CONFIG, "root", "root/f"};
		for (size_t k = 0; k < 4; k++) {
			struct archive_entry *e = archive_entry_new();
			archive_entry_set_pathname(e, names[k]);
			archive_entry_set_filetype(e, k == 2 ? AE_IFDIR : AE_IFREG);
			archive_entry_set_perm(e, 0644);
			const char *d = k == 0 ? man : k == 1 ? conf : "";
			archive_entry_set_size(e, k < 2 ? (la_int64_t)strlen(d) : 0);
			if (k == 3)
				archive_entry_xattr_add_entry(e, PC_XATTR, bad[i], strlen(bad[i]));
			assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
			if (k < 2)
				archive_write_data(a, d, strlen(d));
			archive_entry_free(e);
		}
		archive_write_close(a);
		archive_write_free(a);
		rm_rf(dst);
		assert_int_equal(mkdir(dst, 0755), 0);
		struct tpl_extract_opts xo = {.precopy_dir = stage};
		cerr_clear();
		assert_true(bk_archive_restore(f, dst, &xo) < 0);
		assert_int_equal(cerr_exit(), EX_RESTORE);
		if (!strstr(cerr_msg(), "malformed pre-copy reference"))
			fail_msg("'%s': %s", bad[i], cerr_msg());
	}
	rm_rf(top);
}

/* The names of dir in readdir's order (what the walk meets), into v (at most n); their count. */
static size_t dir_order(const char *dir, char v[][32], size_t n)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t k = 0;
	struct dirent *de;
	while ((de = readdir(d)) && k < n)
		if (de->d_name[0] != '.' && strlen(de->d_name) < 32)
			memcpy(v[k++], de->d_name, strlen(de->d_name) + 1);
	closedir(d);
	return k;
}

static size_t pos_of(char v[][32], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return i;
	return n;
}

/* A file the walk already sent, renamed into a directory it has still to visit, while it is held
 * up in the middle of a big file (its output a pipe nobody reads): met twice, sent once (the
 * receiver refuses an object twice). */
static void test_rename_midwalk(void **state)
{
	(void)state;
	char top[256];
	fx_tmpdir(top, sizeof(top), "precopy-mid");
	_cleanup_free_ char *tree = xasprintf("%s/t", top), *stage = xasprintf("%s/stage", top),
			    *out = xasprintf("%s/p1.tar", top);
	assert_int_equal(mkdir(tree, 0755), 0);
	assert_int_equal(mkdir(stage, 0700), 0);
	const char *dirs[] = {"d0", "d1", "d2", "d3"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", tree, dirs[i]);
		assert_int_equal(mkdir(d, 0755), 0);
	}
	char order[8][32];
	size_t nd = dir_order(tree, order, 8);
	assert_int_equal(nd, 4);
	const char *first = order[0], *last = order[3];
	_cleanup_free_ char *fdir = xasprintf("%s/%s", tree, first);
	char big[4 << 20];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 2654435761u >> 13);
	char small[16][32];
	for (int i = 0; i < 12; i++) {
		char n[16];
		snprintf(n, sizeof(n), "s%d", i);
		fx_write(fdir, n, "a small file\n");
	}
	write_at(fdir, "big", big, sizeof(big));
	size_t nf = dir_order(fdir, small, 16), bpos = pos_of(small, nf, "big");
	if (bpos == 0)
		skip(); /* (the big file comes first in this directory's order: nothing is sent before it) */
	const char *moved = small[0];
	int p[2];
	assert_int_equal(pipe(p), 0);
	int listfd = open(top, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	assert_true(listfd >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		struct tpl_precopy pc = {.listfd = listfd, .statfd = -1};
		int t = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_exit(tpl_precopy_write(p[1], "none", t, &pc, NULL) < 0 ? 1 : 0);
	}
	close(p[1]);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(ofd >= 0);
	char buf[65536];
	size_t got = 0;
	bool moved_yet = false;
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		assert_int_equal(write_full(ofd, buf, (size_t)n), 0);
		got += (size_t)n;
		if (!moved_yet && got >= (1 << 20)) {
			/* the walk is in the big file now, past the small ones before it */
			_cleanup_free_ char *from = xasprintf("%s/%s", fdir, moved),
					    *to = xasprintf("%s/%s/%s", tree, last, moved);
			assert_int_equal(rename(from, to), 0);
			moved_yet = true;
		}
	}
	close(p[0]);
	close(ofd);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(moved_yet);
	assert_ok(receive_file(out, stage));
	struct stat ls;
	assert_int_equal(fstat(listfd, &ls), 0);
	assert_int_equal(ls.st_size, 13 * sizeof(struct pc_record)); /* 12 small files and big, once each */
	close(listfd);
	rm_rf(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inoset),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_stream),
		cmocka_unit_test(test_same_size_rewrite),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_hostile_streams),
		cmocka_unit_test(test_bad_reference),
		cmocka_unit_test(test_rename_midwalk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
