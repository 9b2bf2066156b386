/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c: number and size parsing, formatting, strtrim, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(parse_size("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_size("123", 1, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(parse_size("123", 1024, &v), 0); /* bare number in the default unit */
	assert_int_equal(v, 123 * 1024);
	assert_int_equal(parse_size("10B", 1024, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_size("2K", 1, &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(parse_size("2k", 1, &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(parse_size("512M", 1, &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(parse_size("3G", 1, &v), 0);
	assert_int_equal(v, 3ull << 30);
	assert_int_equal(parse_size("1T", 1, &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(parse_size("5P", 1, &v), 0); /* pages */
	assert_int_equal(v, 5 * 4096);
	assert_int_equal(parse_size("unlimited", 1, &v), 0);
	assert_int_equal(v, SIZE_UNLIMITED);
	assert_int_equal(parse_size("UNLIMITED", 1, &v), 0);
	assert_int_equal(v, SIZE_UNLIMITED);
	/* overflow */
	assert_int_equal(parse_size("18446744073709551615", 1, &v), 0);
	assert_int_equal(parse_size("18446744073709551616", 1, &v), -ERANGE);
	assert_int_equal(parse_size("17179869184G", 1, &v), -ERANGE);
	assert_int_equal(parse_size("20000000T", 1, &v), -ERANGE);
	/* junk */
	v = 77;
	assert_int_equal(parse_size("", 1, &v), -EINVAL);
	assert_int_equal(parse_size(NULL, 1, &v), -EINVAL);
	assert_int_equal(parse_size("G", 1, &v), -EINVAL);
	assert_int_equal(parse_size("12X", 1, &v), -EINVAL);
	assert_int_equal(parse_size("1.5G", 1, &v), -EINVAL);
	assert_int_equal(parse_size("-1", 1, &v), -EINVAL);
	assert_int_equal(parse_size(" 1", 1, &v), -EINVAL);
	assert_int_equal(parse_size("1 G", 1, &v), -EINVAL);
	assert_int_equal(parse_size("1GG", 1, &v), -EINVAL);
	assert_int_equal(v, 77);
}

static void test_format_size(void **state)
{
	(void)state;
	char b[32];
	format_size(0, b, sizeof(b));
	assert_string_equal(b, "0");
	format_size(1000, b, sizeof(b));
	assert_string_equal(b, "1000");
	format_size(1024, b, sizeof(b));
	assert_string_equal(b, "1K");
	format_size(512ull << 20, b, sizeof(b));
	assert_string_equal(b, "512M");
	format_size(1536ull << 20, b, sizeof(b));
	assert_string_equal(b, "1536M");
	format_size(1ull << 30, b, sizeof(b));
	assert_string_equal(b, "1G");
	format_size(3ull << 40, b, sizeof(b));
	assert_string_equal(b, "3T");
	format_size(1ull << 50, b, sizeof(b));
	assert_string_equal(b, "1024T");
	format_size(SIZE_UNLIMITED, b, sizeof(b));
	assert_string_equal(b, "unlimited");
	/* every printed size reads back */
	static const uint64_t vals[] = {1, 4096, 5000, 1ull << 20, 7ull << 30, 123456789};
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		uint64_t back;
		format_size(vals[i], b, sizeof(b));
		assert_int_equal(parse_size(b, 1, &back), 0);
		assert_int_equal(back, vals[i]);
	}
}

static void test_parse_uint(void **state)
{
	(void)state;
	unsigned v = 99;
	assert_int_equal(parse_uint("8", 8, 500000, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(parse_uint("500000", 8, 500000, &v), 0);
	assert_int_equal(v, 500000);
	v = 99;
	assert_int_equal(parse_uint("7", 8, 500000, &v), -ERANGE);
	assert_int_equal(parse_uint("500001", 8, 500000, &v), -ERANGE);
	assert_int_equal(parse_uint("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	v = 99;
	assert_int_equal(parse_uint("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("99999999999999999999999", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1a", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(v, 99);
	uint64_t u;
	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
}

static void test_parse_bool(void **state)
{
	(void)state;
	static const char *yes[] = {"yes", "YES", "on", "true", "1", "True"};
	static const char *no[] = {"no", "No", "off", "false", "0", "OFF"};
	static const char *bad[] = {"", "y", "2", "yes ", "maybe", "nope"};
	bool b;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
}

static void test_strtrim(void **state)
{
	(void)state;
	char a[] = "  hello world \t\n", b[] = "", c[] = "   ", d[] = "x";
	assert_string_equal(strtrim(a), "hello world");
	assert_ptr_equal(strtrim(a), a);
	assert_string_equal(strtrim(b), "");
	assert_string_equal(strtrim(c), "");
	assert_string_equal(strtrim(d), "x");
	assert_true(str_startswith("netif.eth0", "netif."));
	assert_false(str_startswith("net", "netif."));
	assert_true(str_endswith("101.conf", ".conf"));
	assert_false(str_endswith("101.conf.destroyed", ".conf"));
	assert_false(str_endswith("f", ".conf"));
}

typedef int (*writer_fn)(const char *path, const void *data, size_t len, mode_t mode);

/* write_file_atomic and write_file_replace (the same without fsync) behave the same */
static void check_writer(writer_fn wr)
{
	char dir[] = "/tmp/cellctl-test-util.XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *p = xasprintf("%s/file", dir);
	assert_int_equal(wr(p, "one\n", 4, 0600), 0);
	assert_int_equal(wr(p, "second\n", 7, 0640), 0);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(read_file_at(AT_FDCWD, p, &text, &len), 0);
	assert_string_equal(text, "second\n");
	assert_int_equal(len, 7);
	free(text);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* nothing but the file itself in the directory */
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_string_equal(de->d_name, "file");
		n++;
	}
	closedir(dh);
	assert_int_equal(n, 1);
	/* a failing write (no such dir) leaves nothing behind either */
	_cleanup_free_ char *bad = xasprintf("%s/nodir/file", dir);
	assert_true(wr(bad, "x", 1, 0600) < 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_write_file_atomic(void **state)
{
	(void)state;
	check_writer(write_file_atomic);
	check_writer(write_file_replace);
}

/* The helper report protocol shared by cellctl-monitor, cellctl-archive and cellctl. */
static void test_str_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain text 123", "plain text 123"},
		{"", ""},
		{"a\\b", "a\\\\b"},
		{"x\nFORGED-LINE", "x\\x0aFORGED-LINE"},
		{"\x1b]0;pwned\a", "\\x1b]0;pwned\\x07"},
		{"tab\there\r", "tab\\x09here\\x0d"},
		{"del\x7f", "del\\x7f"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},              /* U+00E9 passes */
		{"\xe2\x82\xac", "\xe2\x82\xac"},            /* U+20AC passes */
		{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},    /* U+1F600 passes */
		{"csi\xc2\x9b" "31m", "csi\\xc2\\x9b31m"},   /* C1 CSI, UTF-8 encoded */
		{"raw\x9b", "raw\\x9b"},                     /* 8-bit CSI */
		{"over\xc0\xaf", "over\\xc0\\xaf"},          /* overlong '/' */
		{"sur\xed\xa0\x80", "sur\\xed\\xa0\\x80"},   /* surrogate */
		{"cut\xe2\x82", "cut\\xe2\\x82"},            /* truncated sequence */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *e = str_escape(cases[i].in);
		assert_string_equal(e, cases[i].out);
		free(e);
	}
	char *e = str_escape(NULL);
	assert_string_equal(e, "");
	free(e);
	/* the buffer form never cuts an escape or a UTF-8 sequence in half */
	char buf[8];
	char big[9];
	assert_string_equal(str_escape_buf("ab\ncd", big, sizeof(big)), "ab\\x0acd");
	assert_string_equal(str_escape_buf("ab\ncd", buf, sizeof(buf)), "ab\\x0ac");
	assert_string_equal(str_escape_buf("abcd\nx", buf, sizeof(buf)), "abcd");
	assert_string_equal(str_escape_buf("abcde\xc3\xa9", buf, sizeof(buf)), "abcde\xc3\xa9");
	assert_string_equal(str_escape_buf("abcdef\xc3\xa9", buf, sizeof(buf)), "abcdef");
	assert_string_equal(str_escape_buf("\\\\\\\\", buf, 4), "\\\\");
}

static void test_report_protocol(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	cerr_report_write(p[1], 0);
	close(p[1]);
	assert_int_equal(cerr_report_read(p[0]), 0);
	close(p[0]);

	assert_int_equal(pipe(p), 0);
	cerr_clear();
	cerr(EX_BADTEMPLATE, 0, "no init found in the guest");
	cerr_report_write(p[1], -EINVAL);
	close(p[1]);
	cerr_clear();
	assert_true(cerr_report_read(p[0]) < 0);
	assert_int_equal(cerr_exit(), EX_BADTEMPLATE);
	assert_string_equal(cerr_msg(), "no init found in the guest");
	close(p[0]);

	/* a helper that died before writing */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	cerr_clear();
	assert_int_equal(cerr_report_read(p[0]), -ENODATA);
	assert_null(cerr_msg());
	close(p[0]);
}

/* fd_recv: the one descriptor and the bytes; extra descriptors closed; none; end of file */
static void test_fd_recv(void **state)
{
	(void)state;
	int sv[2], fd, p[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fd_send(sv[0], "abc", 3, p[1]), 0);
	char buf[8] = {0};
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), 0, &fd), 3);
	assert_string_equal(buf, "abc");
	assert_true(fd >= 0 && fd != p[1]);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fd, "x", 1), 1); /* the pipe's write end */
	assert_int_equal(read(p[0], buf, 1), 1);
	close(fd);

	/* two descriptors: the first kept, the second closed (not leaked) */
	union {
		char b[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	int two[2] = {p[0], p[1]};
	struct iovec iov = {.iov_base = UNCONST("y"), .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(two));
	memcpy(CMSG_DATA(cm), two, sizeof(two));
	assert_true(sendmsg(sv[0], &mh, 0) == 1);
	int before = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free number now */
	close(before);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), 0, &fd), 1);
	assert_int_equal(fd, before);
	int after = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the second one's number is free again */
	assert_int_equal(after, before + 1);
	close(after);
	close(fd);

	/* no descriptor; nothing there with MSG_DONTWAIT; end of file */
	assert_int_equal(write(sv[0], "z", 1), 1);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), 0, &fd), 1);
	assert_int_equal(fd, -1);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT, &fd), -EAGAIN);
	close(sv[0]);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), 0, &fd), 0);
	assert_int_equal(fd, -1);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

/* read_small_at: a file read whole into the buffer at every size up to it (one read below half of
 * it, reads on above), -EFBIG beyond, -errno when it cannot be opened; NUL-terminated, NULs kept. */
static void test_read_small_at(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_read_small.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	char want[300], buf[128];
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	want[5] = 0; /* a NUL is kept, and counted */
	const size_t sizes[] = {0, 1, 62, 63, 64, 65, 100, 126, 127, 128, 129, 299};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		int fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, want, n), (ssize_t)n);
		close(fd);
		memset(buf, 'X', sizeof(buf));
		ssize_t r = read_small_at(dfd, "f", buf, sizeof(buf));
		if (n < sizeof(buf)) {
			assert_int_equal(r, (ssize_t)n);
			assert_memory_equal(buf, want, n);
			assert_int_equal(buf[n], 0);
		} else {
			assert_int_equal(r, -EFBIG);
		}
	}
	assert_int_equal(read_small_at(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	/* a kernel file, whole: its last field ends the line */
	char big[2048];
	ssize_t r = read_small_at(AT_FDCWD, "/proc/self/stat", big, sizeof(big));
	assert_true(r > 0 && big[r - 1] == '\n' && strchr(big, ')') != NULL);
	unlinkat(dfd, "f", 0);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),   cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_parse_uint),   cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_strtrim),      cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_report_protocol), cmocka_unit_test(test_str_escape),
		cmocka_unit_test(test_fd_recv),
		cmocka_unit_test(test_read_small_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
