/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fscopy on a temp tree: a copy keeps types, modes (setuid too), times, xattrs, hard links, holes
 * and symlinks (never followed), maps owners and file capabilities, stops at the depth limit and
 * when cancelled; the in-place re-own maps owners and puts setuid and capabilities back. Owners
 * need root: without it those cases are skipped with a message. */
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
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "fixtures.h"
#include "fscopy.h"
#include "util.h"

static char top[256];

static int setup(void **state)
{
	(void)state;
	fx_tmpdir(top, sizeof(top), "fscopy");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(top);
	cerr_clear();
	return 0;
}

static char *p(const char *rel)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
	return buf[i];
}

static void put32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static struct stat lst(const char *rel)
{
	struct stat st;
	assert_int_equal(lstat(p(rel), &st), 0);
	return st;
}

static int opendir_at(const char *rel)
{
	int fd = open(p(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void set_times(const char *rel, time_t t)
{
	const struct timespec ts[2] = {{.tv_sec = t}, {.tv_sec = t, .tv_nsec = 123}};
	assert_int_equal(utimensat(AT_FDCWD, p(rel), ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* The source tree: what every kind of entry looks like. */
static void make_tree(bool root)
{
	assert_int_equal(mkdir(p("src"), 0751), 0);
	fx_write(top, "src/file", "hello\n");
	fx_write(top, "src/sub/deeper/inner", "inner\n");
	assert_int_equal(chmod(p("src/file"), 04755), 0);
	assert_int_equal(link(p("src/file"), p("src/sub/hard")), 0);
	assert_int_equal(symlink("/etc/passwd", p("src/link")), 0);
	assert_int_equal(symlink("../../..", p("src/sub/up")), 0);
	assert_int_equal(mkfifo(p("src/fifo"), 0620), 0);
	assert_int_equal(chmod(p("src/fifo"), 0620), 0);
	/* a sparse file: 4 KiB of data at 0 and at 7 MiB, 8 MiB long */
	int fd = open(p("src/sparse"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	char blk[4096];
	memset(blk, 'x', sizeof(blk));
	assert_int_equal(pwrite(fd, blk, sizeof(blk), 0), sizeof(blk));
	assert_int_equal(pwrite(fd, blk, sizeof(blk), 7 << 20), sizeof(blk));
	assert_int_equal(ftruncate(fd, 8 << 20), 0);
	close(fd);
	assert_int_equal(lsetxattr(p("src/file"), "user.note", "v1", 2, 0), 0);
	assert_int_equal(lsetxattr(p("src"), "user.top", "t", 1, 0), 0);
	if (root) {
		assert_int_equal(mknod(p("src/whiteout"), S_IFCHR | 0, makedev(0, 0)), 0);
		assert_int_equal(lsetxattr(p("src/sub"), "trusted.overlay.opaque", "y", 1, 0), 0);
		/* owners: in the container's old block, one outside it */
		assert_int_equal(lchown(p("src"), 100000, 100000), 0);
		assert_int_equal(lchown(p("src/file"), 101000, 101001), 0);
		assert_int_equal(chmod(p("src/file"), 04755), 0); /* chown cleared it */
		assert_int_equal(lchown(p("src/link"), 100001, 100002), 0);
		assert_int_equal(lchown(p("src/sub"), 70000, 70000), 0);
		/* a file capability (cap_net_raw) of the old block's root, revision 3 */
		unsigned char cap[VFS_CAP_SZ3] = {0};
		put32(cap, 0x03000001u);
		put32(cap + 4, 1u << 13);
		put32(cap + 20, 100000);
		assert_int_equal(lsetxattr(p("src/sparse"), "security.capability", cap, sizeof(cap), 0), 0);
	}
	set_times("src/file", 1000000000);
	set_times("src/link", 1000000001);
	set_times("src/sub", 1000000002);
	set_times("src", 1000000003);
}

static void test_copy(void **state)
{
	(void)state;
	bool root = geteuid() == 0;
	if (!root)
		print_message(
			"not root: owners, device nodes, trusted. xattrs and file capabilities are not checked\n");
	make_tree(root);
	assert_int_equal(mkdir(p("dst"), 0700), 0);
	struct idshift m = {0};
	assert_int_equal(idshift_add(&m, 100000, 300000, 65536), 0);
	struct fscopy_opts o = {.map = root ? &m : NULL};
	int s = opendir_at("src"), d = opendir_at("dst");
	assert_int_equal(fscopy_tree(s, d, &o), 0);
	close(s);
	close(d);
	assert_true(o.files >= 9); /* 10 as root: the whiteout too */

	char *text = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, p("dst/file"), &text, NULL), 0);
	assert_string_equal(text, "hello\n");
	free(text);
	assert_int_equal(read_file_at(AT_FDCWD, p("dst/sub/deeper/inner"), &text, NULL), 0);
	assert_string_equal(text, "inner\n");
	free(text);
	struct stat f = lst("dst/file"), h = lst("dst/sub/hard");
	assert_int_equal(f.st_mode & 07777, 04755); /* setuid kept after the chown */
	assert_int_equal(f.st_ino, h.st_ino);       /* one inode, linked twice */
	assert_int_equal(f.st_nlink, 2);
	assert_int_equal(f.st_mtim.tv_sec, 1000000000);
	assert_int_equal(f.st_mtim.tv_nsec, 123);
	assert_int_equal(lst("dst").st_mode & 07777, 0751);
	assert_int_equal(lst("dst").st_mtim.tv_sec, 1000000003);
	assert_int_equal(lst("dst/sub").st_mtim.tv_sec, 1000000002);
	assert_int_equal(lst("dst/link").st_mtim.tv_sec, 1000000001);
	char target[64] = {0};
	assert_true(S_ISLNK(lst("dst/link").st_mode));
	assert_int_equal(readlink(p("dst/link"), target, sizeof(target) - 1), 11);
	assert_string_equal(target, "/etc/passwd");
	assert_true(S_ISLNK(lst("dst/sub/up").st_mode));
	assert_true(S_ISFIFO(lst("dst/fifo").st_mode));
	assert_int_equal(lst("dst/fifo").st_mode & 07777, 0620);
	struct stat sp = lst("dst/sparse");
	assert_int_equal(sp.st_size, 8 << 20);
	assert_true((uint64_t)sp.st_blocks * 512 < (1u << 20)); /* the holes stayed holes */
	assert_int_equal(o.bytes, 8192 + 12);                   /* the sparse file's data, hello and inner */
	char v[8] = {0};
	assert_int_equal(lgetxattr(p("dst/file"), "user.note", v, sizeof(v)), 2);
	assert_string_equal(v, "v1");
	assert_int_equal(lgetxattr(p("dst"), "user.top", v, sizeof(v)), 1); /* the top's own */
	if (!root)
		return;
	struct stat w = lst("dst/whiteout");
	assert_true(S_ISCHR(w.st_mode));
	assert_int_equal(w.st_rdev, makedev(0, 0));
	assert_int_equal(lgetxattr(p("dst/sub"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(lst("dst").st_uid, 300000);
	assert_int_equal(f.st_uid, 301000);
	assert_int_equal(f.st_gid, 301001);
	assert_int_equal(lst("dst/link").st_uid, 300001); /* the link itself, not its target */
	assert_int_equal(lst("dst/link").st_gid, 300002);
	assert_int_equal(lst("dst/sub").st_uid, 70000); /* outside the block: left alone */
	unsigned char cap[32];
	assert_int_equal(lgetxattr(p("dst/sparse"), "security.capability", cap, sizeof(cap)), VFS_CAP_SZ3);
	assert_int_equal(get32(cap + 20), 300000);
	assert_int_equal(get32(cap + 4), 1u << 13);
	/* the source is untouched */
	assert_int_equal(lst("src/file").st_uid, 101000);
	assert_int_equal(lgetxattr(p("src/sparse"), "security.capability", cap, sizeof(cap)), VFS_CAP_SZ3);
	assert_int_equal(get32(cap + 20), 100000);
}

static void test_reown(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("not root: chown needs it, skipped\n");
		skip();
	}
	make_tree(true);
	struct idshift m = {0};
	assert_int_equal(idshift_add(&m, 100000, 300000, 65536), 0);
	struct fscopy_opts o = {.map = &m};
	int s = opendir_at("src");
	assert_int_equal(fscopy_reown(s, &o), 0);
	close(s);
	assert_int_equal(lst("src").st_uid, 300000);
	struct stat f = lst("src/file");
	assert_int_equal(f.st_uid, 301000);
	assert_int_equal(f.st_gid, 301001);
	assert_int_equal(f.st_mode & 07777, 04755); /* put back after the chown cleared it */
	assert_int_equal(lst("src/link").st_uid, 300001);
	assert_int_equal(lst("src/sub").st_uid, 70000);
	assert_int_equal(lst("src/sub/deeper/inner").st_uid, 0);
	unsigned char cap[32];
	assert_int_equal(lgetxattr(p("src/sparse"), "security.capability", cap, sizeof(cap)), VFS_CAP_SZ3);
	assert_int_equal(get32(cap + 20), 300000);
	/* and back: the same tree as before */
	struct idshift b = {0};
	assert_int_equal(idshift_add(&b, 300000, 100000, 65536), 0);
	o.map = &b;
	s = opendir_at("src");
	assert_int_equal(fscopy_reown(s, &o), 0);
	close(s);
	assert_int_equal(lst("src/file").st_uid, 101000);
	assert_int_equal(lst("src/file").st_mode & 07777, 04755);
	assert_int_equal(lgetxattr(p("src/sparse"), "security.capability", cap, sizeof(cap)), VFS_CAP_SZ3);
	assert_int_equal(get32(cap + 20), 100000);
}

static void test_depth_cancel(void **state)
{
	(void)state;
	fx_write(top, "src/a/b/c/d/e/f", "x");
	assert_int_equal(mkdir(p("dst"), 0700), 0);
	struct fscopy_opts o = {.max_depth = 3};
	int s = opendir_at("src"), d = opendir_at("dst");
	assert_int_equal(fscopy_tree(s, d, &o), -ELOOP);
	assert_non_null(strstr(cerr_msg(), "depth"));
	cerr_clear();
	rm_rf(p("dst"));
	assert_int_equal(mkdir(p("dst"), 0700), 0);
	close(d);
	d = opendir_at("dst");
	o.max_depth = 0; /* the default takes it */
	assert_int_equal(fscopy_tree(s, d, &o), 0);
	rm_rf(p("dst"));
	assert_int_equal(mkdir(p("dst"), 0700), 0);
	close(d);
	d = opendir_at("dst");
	volatile int cancel = 1;
	o.cancel = &cancel;
	assert_int_equal(fscopy_tree(s, d, &o), -EINTR);
	assert_int_equal(cerr_exit(), EX_SYSTEM);
	close(s);
	close(d);
	/* a file as the top: refused */
	int fd = open(p("src/a/b/c/d/e/f"), O_RDONLY | O_CLOEXEC);
	d = opendir_at("dst");
	o.cancel = NULL;
	assert_int_equal(fscopy_tree(fd, d, &o), -ENOTDIR);
	close(fd);
	close(d);
	cerr_clear();
	/* the re-own walk has the same limit (a map that moves none of these owners: no root needed) */
	struct idshift m = {0};
	assert_int_equal(idshift_add(&m, 100000, 300000, 65536), 0);
	struct fscopy_opts ro = {.map = &m, .max_depth = 3};
	s = opendir_at("src");
	assert_int_equal(fscopy_reown(s, &ro), -ELOOP);
	assert_non_null(strstr(cerr_msg(), "depth"));
	cerr_clear();
	ro.max_depth = 0;
	assert_int_equal(fscopy_reown(s, &ro), 0);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_cancel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
