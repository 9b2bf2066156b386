/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate.c's pure parts: DEST parsing (what ssh would take for an option or a second word is
 * refused), the ssh argv (no shell word is built from a string), the pre-check reply's numbers.
 * migonline.c: a CRIU userns image's maps rebased onto another block; the checkpoint's images
 * archive, round trip and the entries the receiver refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "migonline.h"
#include "migrate.h"
#include "util.h"
#include "ustar.h"

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


/* ---- migonline ---- */

static size_t varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* an UidGidExtent message */
static size_t extent(uint8_t *p, uint32_t first, uint32_t lower, uint32_t count)
{
	size_t n = 0;
	p[n++] = 1 << 3;
	n += varint(p + n, first);
	p[n++] = 2 << 3;
	n += varint(p + n, lower);
	p[n++] = 3 << 3;
	n += varint(p + n, count);
	return n;
}

/* a userns image: magics, one UsernsEntry with uid_map and gid_map of one extent each (and an
 * unknown field 7 = 42 in the entry, kept) */
static size_t userns_img(uint8_t *p, uint32_t first, uint32_t lower, uint32_t count)
{
	static const uint8_t magic[8] = {0x19, 0x43, 0x56, 0x54, 0x06, 0x49, 0x47, 0x55};
	memcpy(p, magic, 8);
	uint8_t e[64], x[32];
	size_t en = 0, xn = extent(x, first, lower, count);
	for (int f = 1; f <= 2; f++) {
		e[en++] = (uint8_t)(f << 3 | 2);
		e[en++] = (uint8_t)xn;
		memcpy(e + en, x, xn);
		en += xn;
	}
	e[en++] = 7 << 3;
	e[en++] = 42;
	p[8] = (uint8_t)en;
	p[9] = p[10] = p[11] = 0;
	memcpy(p + 12, e, en);
	return 12 + en;
}

static void test_userns_rebase(void **state)
{
	(void)state;
	uint8_t in[128], want[128], *out = NULL;
	size_t olen = 0;
	/* 100000 is 3 bytes of varint, 3000000 four: the lengths are recomputed */
	size_t n = userns_img(in, 0, 100000, 65536);
	size_t wn = userns_img(want, 0, 3000000, 65536);
	assert_int_equal(criu_userns_rebase(in, n, 3000000, 65536, &out, &olen), 0);
	assert_int_equal(olen, wn);
	assert_memory_equal(out, want, wn);
	free(out);
	/* an extent not at 0 keeps its offset in the block */
	n = userns_img(in, 1000, 101000, 10);
	wn = userns_img(want, 1000, 201000, 10);
	assert_int_equal(criu_userns_rebase(in, n, 200000, 65536, &out, &olen), 0);
	assert_int_equal(olen, wn);
	assert_memory_equal(out, want, wn);
	free(out);
	/* an extent beyond the block, a bad magic, a cut image: refused */
	n = userns_img(in, 0, 100000, 65537);
	assert_int_equal(criu_userns_rebase(in, n, 200000, 65536, &out, &olen), -EINVAL);
	n = userns_img(in, 0, 100000, 65536);
	in[4] ^= 1;
	assert_int_equal(criu_userns_rebase(in, n, 200000, 65536, &out, &olen), -EINVAL);
	in[4] ^= 1;
	assert_int_equal(criu_userns_rebase(in, n - 1, 200000, 65536, &out, &olen), -EINVAL);
	assert_int_equal(criu_userns_rebase(in, 6, 200000, 65536, &out, &olen), -EINVAL);
	/* the magics alone: no entry, kept as it is */
	assert_int_equal(criu_userns_rebase(in, 8, 200000, 65536, &out, &olen), 0);
	assert_int_equal(olen, 8);
	free(out);
}

static char *tmpdir(void)
{
	char t[] = "/tmp/test_migrate.XXXXXX";
	assert_non_null(mkdtemp(t));
	return xstrdup(t);
}

static void rmtree(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* the archive of a directory with two files, in a temp file (its fd at 0) */
static int make_stream(const char *top)
{
	_cleanup_free_ char *src = xasprintf("%s/src", top), *f1 = xasprintf("%s/src/pages-1.img", top),
			    *f2 = xasprintf("%s/src/inventory.img", top), *arc = xasprintf("%s/arc", top);
	assert_int_equal(mkdir(src, 0700), 0);
	char big[1500];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(write_file_replace(f1, big, sizeof(big), 0600), 0);
	assert_int_equal(write_file_replace(f2, "inv", 3, 0600), 0);
	int fd = open(arc, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(mig_images_send(src, fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_images_roundtrip(void **state)
{
	(void)state;
	_cleanup_free_ char *top = tmpdir();
	int fd = make_stream(top);
	_cleanup_free_ char *dst = xasprintf("%s/dst", top), *f1 = xasprintf("%s/dst/pages-1.img", top), *t = NULL;
	assert_int_equal(mig_images_receive(fd, dst), 0);
	size_t len = 0;
	assert_int_equal(read_file_at(AT_FDCWD, f1, &t, &len), 0);
	assert_int_equal(len, 1500);
	for (size_t i = 0; i < len; i++)
		assert_int_equal((unsigned char)t[i], (unsigned char)(i * 7));
	struct stat st;
	assert_int_equal(stat(f1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	/* a second receive into the same place is refused (the directory exists) */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(mig_images_receive(fd, dst) < 0);
	close(fd);
	rmtree(top);
}

static void rechecksum(unsigned char *h)
{
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	char c[8];
	snprintf(c, sizeof(c), "%06o", sum & 0777777);
	memcpy(h + 148, c, 7);
	h[155] = ' ';
}

/* the first entry's header changed by how (0: its checksum broken; 1: a symlink; 2: a name with
 * '/'; 3: the name ".."; 4: the stream cut in the first file; 5: both entries the same name):
 * refused with EX_RESTORE, and nothing is left */
static void hostile(int how)
{
	_cleanup_free_ char *top = tmpdir();
	int fd = make_stream(top);
	_cleanup_free_ char *dst = xasprintf("%s/dst", top);
	unsigned char h[512];
	assert_int_equal(pread(fd, h, 512, 0), 512);
	off_t second = 512 + ((strcmp((char *)h, "pages-1.img") ? 3 + 509 : 1500 + 36));
	switch (how) {
	case 0:
		h[0] ^= 1;
		break;
	case 1:
		h[156] = '2';
		memcpy(h + 157, "/etc/passwd", 12);
		rechecksum(h);
		break;
	case 2:
		memcpy(h, "a/x", 4);
		rechecksum(h);
		break;
	case 3:
		memset(h, 0, 100);
		memcpy(h, "..", 3);
		rechecksum(h);
		break;
	case 4:
		assert_int_equal(ftruncate(fd, 700), 0);
		break;
	case 5: {
		unsigned char h2[512];
		assert_int_equal(pread(fd, h2, 512, second), 512);
		memcpy(h2, h, 100);
		rechecksum(h2);
		assert_int_equal(pwrite(fd, h2, 512, second), 512);
		break;
	}
	}
	if (how != 4 && how != 5)
		assert_int_equal(pwrite(fd, h, 512, 0), 512);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(mig_images_receive(fd, dst) < 0);
	assert_int_equal(cerr_exit(), EX_RESTORE);
	assert_int_equal(access(dst, F_OK), -1);
	close(fd);
	rmtree(top);
}

static void test_images_hostile(void **state)
{
	(void)state;
	for (int how = 0; how <= 5; how++)
		hostile(how);
}

/* ustar.c: the size field both ways of writing it, and what is refused */
static void test_ustar_fields(void **state)
{
	(void)state;
	unsigned char h[USTAR_BLK];
	struct {
		const char *field; /* 12 bytes */
		int64_t want;
	} cases[] = {
		{"00000001750\0", 1000},
		{"   1750 \0\0\0\0", 1000},
		{"777777777777", 68719476735LL}, /* 12 digits, no terminator */
		{"00000000000\0", 0},
		{"\0\0\0\0\0\0\0\0\0\0\0\0", -1}, /* no digit */
		{"0000000017x\0", -1},
		{"-0000000001\0", -1},
		{"            ", -1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(h, 0, sizeof(h));
		memcpy(h + 124, cases[i].field, 12);
		assert_int_equal(ustar_size(h), cases[i].want);
	}
	/* GNU base-256: 0x80 then big-endian; a negative one (0xff...) refused */
	memset(h, 0, sizeof(h));
	h[124] = 0x80;
	h[134] = 0x01;
	h[135] = 0x02;
	assert_int_equal(ustar_size(h), 0x0102);
	h[124] = 0xff;
	assert_int_equal(ustar_size(h), -1);
	/* the checksum: what a reader recomputes */
	memset(h, 0, sizeof(h));
	memcpy(h, "name", 4);
	ustar_set_checksum(h);
	unsigned want = 0;
	assert_int_equal(sscanf((const char *)h + 148, "%o", &want), 1);
	assert_int_equal(want, ustar_sum(h));
	assert_int_equal(h[154], 0);
	assert_int_equal(h[155], ' ');
	assert_false(ustar_zero_block(h));
	memset(h, 0, sizeof(h));
	assert_true(ustar_zero_block(h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_ok),
		cmocka_unit_test(test_dest_bad),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_userns_rebase),
		cmocka_unit_test(test_images_roundtrip),
		cmocka_unit_test(test_images_hostile),
		cmocka_unit_test(test_ustar_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
