/* SPDX-License-Identifier: GPL-2.0-or-later */
/* criu, criutar: the version and kernel gate of checkpoint/restore, the argv of `criu dump|restore`
 * (the console as an external tty, the veths, the options that must and must not be there), the
 * checkpoint's record, and the device nodes of its tmpfs archives made empty files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "criu.h"
#include "criutar.h"
#include "fixtures.h"
#include "util.h"

static void version_parse(void **state)
{
	(void)state;
	struct criu_version v;
	assert_int_equal(criu_version_parse("Version: 3.17.1\n", &v), 0);
	assert_int_equal(v.major, 3);
	assert_int_equal(v.minor, 17);
	assert_int_equal(v.sub, 1);
	assert_int_equal(criu_version_parse("Version: 4.1\nGitID: v4.1\n", &v), 0);
	assert_int_equal(v.major, 4);
	assert_int_equal(v.minor, 1);
	assert_int_equal(v.sub, 0);
	assert_int_equal(criu_version_parse("Warn: something\nVersion:\t3.15.2-dirty\n", &v), 0);
	assert_int_equal(v.minor, 15);
	assert_int_equal(criu_version_parse("Version: x.1\n", &v), -EINVAL);
	assert_int_equal(criu_version_parse("Version: 3\n", &v), -EINVAL);
	assert_int_equal(criu_version_parse("criu 3.17", &v), -EINVAL);
	assert_int_equal(criu_version_parse("", &v), -EINVAL);
	assert_int_equal(criu_version_parse(NULL, &v), -EINVAL);
	unsigned a, b;
	assert_int_equal(criu_kernel_parse("6.1.0-57-amd64", &a, &b), 0);
	assert_int_equal(a, 6);
	assert_int_equal(b, 1);
	assert_int_equal(criu_kernel_parse("6.18.44-fc-v1272", &a, &b), 0);
	assert_int_equal(b, 18);
	assert_int_equal(criu_kernel_parse("linux", &a, &b), -EINVAL);
	assert_int_equal(criu_kernel_parse("6", &a, &b), -EINVAL);
}

static void gate(void **state)
{
	(void)state;
	struct criu_version v317 = {3, 17, 1}, v40 = {4, 0, 9}, v41 = {4, 1, 0}, v314 = {3, 14, 0}, v5 = {5, 0, 0};
	assert_null(criu_gate(&v317, 6, 1));
	assert_null(criu_gate(&v317, 6, 12));
	assert_non_null(criu_gate(&v317, 6, 13));
	assert_non_null(criu_gate(&v317, 6, 18));
	assert_non_null(criu_gate(&v317, 7, 0));
	assert_non_null(strstr(criu_gate(&v317, 6, 18), "4.1"));
	assert_non_null(criu_gate(&v40, 6, 13));
	assert_null(criu_gate(&v41, 6, 13));
	assert_null(criu_gate(&v41, 6, 18));
	assert_null(criu_gate(&v5, 7, 2));
	assert_non_null(criu_gate(&v314, 5, 10));
	assert_non_null(strstr(criu_gate(&v314, 5, 10), "3.15"));
}

static int find(char **v, const char *s)
{
	for (int i = 0; v[i]; i++)
		if (!strcmp(v[i], s))
			return i;
	return -1;
}

/* the value after option opt (its first occurrence whose value starts with prefix) */
static const char *after(char **v, const char *opt, const char *prefix)
{
	for (int i = 0; v[i]; i++)
		if (!strcmp(v[i], opt) && v[i + 1] && str_startswith(v[i + 1], prefix))
			return v[i + 1];
	return NULL;
}

static void argv_dump(void **state)
{
	(void)state;
	struct criu_req r = {.images = "/d/Dump.101", .log = "dump.log", .pid = 4242, .tty_id = "tty[8800:23]"};
	char **v = criu_argv("/usr/sbin/criu", &r);
	assert_non_null(v);
	assert_string_equal(v[0], "/usr/sbin/criu");
	assert_string_equal(v[1], "dump");
	assert_string_equal(after(v, "-t", ""), "4242");
	assert_string_equal(after(v, "-D", ""), "/d/Dump.101");
	assert_string_equal(after(v, "-o", ""), "dump.log");
	assert_string_equal(after(v, "--network-lock", ""), "iptables");
	assert_string_equal(after(v, "--external", "tty"), "tty[8800:23]");
	assert_string_equal(after(v, "--ext-mount-map", "/dev"), "/dev/console:console");
	assert_string_equal(after(v, "--ext-mount-map", "a"), "auto");
	assert_true(find(v, "--tcp-established") < 0);
	assert_true(find(v, "--restore-sibling") < 0);
	assert_true(find(v, "--root") < 0);
	assert_true(find(v, "--leave-running") < 0);
	criu_argv_free(v);
	r.tcp_established = true;
	r.tty_id = NULL;
	v = criu_argv("criu", &r);
	assert_true(find(v, "--tcp-established") > 0);
	assert_null(after(v, "--external", "tty"));
	assert_null(after(v, "--ext-mount-map", "/dev"));
	criu_argv_free(v);
	/* what a dump cannot do without */
	r.pid = 0;
	assert_null(criu_argv("criu", &r));
	r.pid = 1;
	r.images = NULL;
	assert_null(criu_argv("criu", &r));
	r.images = "/d";
	r.tty_id = "pts[1]";
	assert_null(criu_argv("criu", &r));
}

static void argv_restore(void **state)
{
	(void)state;
	struct criu_veth ve[2] = {{"eth0", "veth101.0", "br0"}, {"eth1", "veth101.1", ""}};
	struct criu_req r = {.restore = true,
			     .images = "/d/Dump.101",
			     .log = "restore.log",
			     .root = "/var/lib/cellctl/private/101",
			     .tty_id = "tty[8800:23]",
			     .tty_fd = 7,
			     .console_path = "/dev/pts/3",
			     .veths = ve,
			     .nveth = 2,
			     .pidfile = "/d/Dump.101/restore.pid"};
	char **v = criu_argv("criu", &r);
	assert_non_null(v);
	assert_string_equal(v[1], "restore");
	assert_string_equal(after(v, "--root", ""), "/var/lib/cellctl/private/101");
	assert_true(find(v, "--restore-sibling") > 0);
	assert_true(find(v, "--restore-detached") > 0);
	assert_string_equal(after(v, "--pidfile", ""), "/d/Dump.101/restore.pid");
	assert_string_equal(after(v, "--inherit-fd", ""), "fd[7]:tty[8800:23]");
	assert_string_equal(after(v, "--ext-mount-map", "console"), "console:/dev/pts/3");
	assert_string_equal(after(v, "--external", "veth[eth0]"), "veth[eth0]:veth101.0@br0");
	assert_string_equal(after(v, "--external", "veth[eth1]"), "veth[eth1]:veth101.1");
	assert_true(find(v, "-t") < 0);
	assert_true(find(v, "--network-lock") < 0); /* a dump option: criu restore warns about it */
	assert_true(find(v, "--cgroup-root") < 0);
	criu_argv_free(v);
	/* the cgroups of this start (a migrated checkpoint names another host's) */
	const char *roots[] = {"memory:/x/101/ct"};
	r.cgroup_root = "/cct/101/ct";
	r.cgroup_roots = roots;
	r.ncgroup_root = 1;
	v = criu_argv("criu", &r);
	assert_non_null(v);
	assert_string_equal(after(v, "--cgroup-root", "/"), "/cct/101/ct");
	assert_string_equal(after(v, "--cgroup-root", "memory"), "memory:/x/101/ct");
	criu_argv_free(v);
	static const char *const bad_roots[] = {"memory/x", ":/x", "memory:x", "memory:/x:y"};
	for (int i = 0; i < 4; i++) {
		r.cgroup_roots = &bad_roots[i];
		assert_null(criu_argv("criu", &r));
	}
	r.ncgroup_root = 0;
	r.cgroup_root = "cct/101";
	assert_null(criu_argv("criu", &r));
	r.cgroup_root = "/cct:1/101";
	assert_null(criu_argv("criu", &r));
	r.cgroup_root = NULL;
	/* names that would change CRIU's syntax, and what a restore cannot do without */
	struct criu_veth bad[3] = {{"eth0", "veth101.0@x", "br0"}, {"eth0]", "veth101.0", "br0"}, {"eth0", "veth101.0", "br:0"}};
	for (int i = 0; i < 3; i++) {
		r.veths = &bad[i];
		r.nveth = 1;
		assert_null(criu_argv("criu", &r));
	}
	r.veths = ve;
	r.console_path = "/dev/pts/3:x";
	assert_null(criu_argv("criu", &r));
	r.console_path = "/dev/pts/3";
	r.tty_fd = -1;
	assert_null(criu_argv("criu", &r));
	r.tty_fd = 7;
	r.root = NULL;
	assert_null(criu_argv("criu", &r));
	r.root = "/r";
	r.pidfile = NULL;
	assert_null(criu_argv("criu", &r));
	criu_argv_free(NULL);
}

static void meta_round_trip(void **state)
{
	(void)state;
	char buf[256];
	char *dir = fx_tmpdir(buf, sizeof(buf), "criu");
	char tty[64];
	bool tcp = false;
	assert_true(criu_meta_read(dir, tty, sizeof(tty), &tcp) < 0);
	assert_int_equal(criu_meta_write(dir, "tty[8800:23]", true), 0);
	assert_int_equal(criu_meta_read(dir, tty, sizeof(tty), &tcp), 0);
	assert_string_equal(tty, "tty[8800:23]");
	assert_true(tcp);
	assert_int_equal(criu_meta_write(dir, NULL, false), 0);
	assert_int_equal(criu_meta_read(dir, tty, sizeof(tty), &tcp), 0);
	assert_string_equal(tty, "");
	assert_false(tcp);
	fx_write(dir, "cellctl-checkpoint", "tty /etc/passwd\ntcp 0\n");
	assert_true(criu_meta_read(dir, tty, sizeof(tty), &tcp) < 0);
	fx_write(dir, "cellctl-checkpoint", "tty tty[1:2]\n");
	assert_true(criu_meta_read(dir, tty, sizeof(tty), &tcp) < 0);
	rm_rf(dir);
}

/* a ustar header: name, type, size, device numbers; checksum filled in */
static void tar_hdr(unsigned char *b, const char *name, char type, unsigned size, unsigned maj, unsigned min)
{
	memset(b, 0, 512);
	snprintf((char *)b, 100, "%s", name);
	snprintf((char *)b + 100, 8, "%07o", 0644);
	snprintf((char *)b + 108, 8, "%07o", 0);
	snprintf((char *)b + 116, 8, "%07o", 0);
	snprintf((char *)b + 124, 12, "%011o", size);
	snprintf((char *)b + 136, 12, "%011o", 0);
	b[156] = (unsigned char)type;
	memcpy(b + 257, "ustar  ", 8);
	snprintf((char *)b + 329, 8, "%07o", maj);
	snprintf((char *)b + 337, 8, "%07o", min);
	memset(b + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	b[155] = ' ';
}

static bool sum_ok(const unsigned char *h)
{
	unsigned char c[512];
	memcpy(c, h, 512);
	memset(c + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += c[i];
	return strtoul((const char *)h + 148, NULL, 8) == sum;
}

static void tar_nodes(void **state)
{
	(void)state;
	char buf[256];
	char *dir = fx_tmpdir(buf, sizeof(buf), "criutar");
	char *in = xasprintf("%s/tmpfs-dev-34.tar.gz.img", dir), *out = xasprintf("%s/out", dir);
	/* ./null (a character device), ./a (a regular file of 2 bytes: a data block), ./sda (block) */
	unsigned char t[7][512];
	tar_hdr(t[0], "./null", '3', 0, 1, 3);
	tar_hdr(t[1], "./a", '0', 2, 0, 0);
	memset(t[2], 0, 512);
	memcpy(t[2], "hi", 2);
	tar_hdr(t[3], "./sda", '4', 0, 8, 0);
	tar_hdr(t[4], "./pts", '5', 0, 0, 0);
	memset(t[5], 0, 512);
	memset(t[6], 0, 512);
	gzFile g = gzopen(in, "wb");
	assert_int_equal(gzwrite(g, t, sizeof(t)), (int)sizeof(t));
	gzclose(g);
	assert_int_equal(criutar_fix_nodes(in, out), 2);
	unsigned char r[7][512];
	g = gzopen(out, "rb");
	assert_int_equal(gzread(g, r, sizeof(r)), (int)sizeof(r));
	gzclose(g);
	assert_int_equal(r[0][156], '0');
	assert_string_equal((char *)r[0], "./null");
	assert_int_equal(strtoul((char *)r[0] + 124, NULL, 8), 0);
	assert_int_equal(strtoul((char *)r[0] + 329, NULL, 8), 0);
	assert_true(sum_ok(r[0]));
	assert_memory_equal(r[1], t[1], 512); /* the file and its data untouched */
	assert_memory_equal(r[2], t[2], 512);
	assert_int_equal(r[3][156], '0');
	assert_true(sum_ok(r[3]));
	assert_memory_equal(r[4], t[4], 512);
	/* in place over a checkpoint directory */
	assert_int_equal(criutar_fix_dir(dir), 2);
	assert_int_equal(criutar_fix_dir(dir), 0);
	/* not a tar, and one cut short in a file's data */
	g = gzopen(in, "wb");
	gzwrite(g, "not a tar", 9);
	gzclose(g);
	assert_int_equal(criutar_fix_nodes(in, out), -EINVAL);
	g = gzopen(in, "wb");
	gzwrite(g, t, 2 * 512);
	gzclose(g);
	assert_int_equal(criutar_fix_nodes(in, out), -EINVAL);
	memcpy(t[1] + 257, "xxxxx", 5);
	g = gzopen(in, "wb");
	gzwrite(g, t, sizeof(t));
	gzclose(g);
	assert_int_equal(criutar_fix_nodes(in, out), -EINVAL);
	assert_true(criutar_fix_dir("/nonexistent-cellctl") < 0);
	free(in);
	free(out);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_parse),   cmocka_unit_test(gate),
		cmocka_unit_test(argv_dump),       cmocka_unit_test(argv_restore),
		cmocka_unit_test(meta_round_trip), cmocka_unit_test(tar_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
