/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lxcfs: the table of what is bound, the mountinfo reading behind rebind (the topmost mount at a
 * point, escaped and hostile lines), which mounts count as lxcfs's, the live check on a
 * directory that is no FUSE mount, and the config keys ([lxcfs] mount_point, lxcfs = no). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fixtures.h"
#include "lxcfs.h"
#include "util.h"

static void test_table(void **state)
{
	(void)state;
	unsigned n;
	const struct lxcfs_bind *b = lxcfs_binds(&n);
	static const char *const want[] = {"proc/cpuinfo",
					   "proc/meminfo",
					   "proc/stat",
					   "proc/uptime",
					   "proc/diskstats",
					   "proc/swaps",
					   "proc/loadavg",
					   "proc/slabinfo",
					   "sys/devices/system/cpu",
					   "sys/devices/system/cpu/online"};
	assert_int_equal(n, ARRAY_SIZE(want));
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(b[i].path, want[i]);
		/* each has a parent directory and a name: rebind splits them */
		assert_non_null(strchr(b[i].path, '/'));
		assert_true(strlen(b[i].path) + 1 < 64);
	}
	assert_true(b[8].dir && !b[8].fallback);
	/* the cpu/online file only where the cpu directory (the entry before it) was not bound */
	assert_true(!b[9].dir && b[9].fallback);
	for (unsigned i = 0; i < 8; i++)
		assert_true(!b[i].dir && !b[i].fallback);
}

static const char *const mi = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
			      "30 22 0:5 / /proc rw,nosuid,nodev,noexec - proc proc rw\n"
			      "31 30 0:42 /proc/meminfo /proc/meminfo ro,nosuid,nodev,noexec - fuse.lxcfs lxcfs "
			      "rw,user_id=0,group_id=0,allow_other\n"
			      "32 30 0:42 /proc/uptime /proc/uptime ro - fuse.lxcfs lxcfs rw\n"
			      "40 31 0:57 /proc/meminfo /proc/meminfo ro master:9 - fuse.lxcfs lxcfs rw\n"
			      "41 22 0:58 / /proc/meminfo\\040x rw - tmpfs tmpfs rw\n"
			      "42 30 0:59 / /proc/stat rw - fuse sshfs rw";

static void test_mountinfo_top(void **state)
{
	(void)state;
	struct lxcfs_mnt m;
	/* the last line at the point is on top: the fresh bind over the stale one */
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/meminfo", &m), 1);
	assert_int_equal(m.maj, 0);
	assert_int_equal(m.min, 57);
	assert_string_equal(m.fstype, "fuse.lxcfs");
	assert_string_equal(m.source, "lxcfs");
	assert_true(lxcfs_mnt_is_lxcfs(&m));
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/uptime", &m), 1);
	assert_int_equal(m.min, 42);
	/* a guest's FUSE mount is not lxcfs's; its last line has no newline */
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/stat", &m), 1);
	assert_string_equal(m.fstype, "fuse");
	assert_string_equal(m.source, "sshfs");
	assert_false(lxcfs_mnt_is_lxcfs(&m));
	/* no mount there; a point with an escaped space is another point; a prefix is no match */
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/loadavg", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/meminfo x", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc/memin", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top(mi, "/proc", &m), 1);
	assert_string_equal(m.fstype, "proc");
	assert_false(lxcfs_mnt_is_lxcfs(&m));
	/* fuse with source lxcfs (older lxcfs) counts */
	assert_int_equal(lxcfs_mountinfo_top("1 2 0:9 / /proc/swaps ro - fuse lxcfs rw\n", "/proc/swaps", &m), 1);
	assert_true(lxcfs_mnt_is_lxcfs(&m));
}

static void test_mountinfo_hostile(void **state)
{
	(void)state;
	struct lxcfs_mnt m;
	/* truncated lines, no separator, a bad device, overlong fields, empty text */
	assert_int_equal(lxcfs_mountinfo_top("", "/proc/meminfo", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top("31 30 0:42 / /proc/meminfo", "/proc/meminfo", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top("31 30 0:42 / /proc/meminfo ro fuse.lxcfs lxcfs\n", "/proc/meminfo", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top("31 30 x:y / /proc/meminfo ro - fuse.lxcfs lxcfs rw\n", "/proc/meminfo", &m), 0);
	assert_int_equal(lxcfs_mountinfo_top("31 30 0:42 / /proc/meminfo ro - \n", "/proc/meminfo", &m), 0);
	char big[512];
	snprintf(big, sizeof(big), "31 30 0:42 / /proc/meminfo ro - fuse.lxcfs%0200d lxcfs%0200d rw\n", 0, 0);
	assert_int_equal(lxcfs_mountinfo_top(big, "/proc/meminfo", &m), 1);
	assert_int_equal(strlen(m.fstype), sizeof(m.fstype) - 1);
	assert_false(lxcfs_mnt_is_lxcfs(&m));
	assert_int_equal(lxcfs_mountinfo_top("\n\n\n", "/proc/meminfo", &m), 0);
}

static void test_live_not_fuse(void **state)
{
	(void)state;
	char d[256];
	fx_tmpdir(d, sizeof(d), "lxcfs");
	dev_t dev = 0;
	assert_int_equal(lxcfs_live(d, &dev), -EMEDIUMTYPE);
	_cleanup_free_ char *missing = xasprintf("%s/none", d);
	assert_int_equal(lxcfs_live(missing, &dev), -ENOENT);
	rm_rf(d);
}

static void test_config_keys(void **state)
{
	(void)state;
	char d[256];
	fx_tmpdir(d, sizeof(d), "lxcfs-conf");
	_cleanup_free_ char *gp = xasprintf("%s/cellctl.conf", d);
	FILE *f = fopen(gp, "w");
	assert_non_null(f);
	fputs("[lxcfs]\nmount_point = /srv/lxcfs\n", f);
	fclose(f);
	setenv("CELLCTL_CONF", gp, 1);
	struct gconf *g = NULL;
	assert_int_equal(gconf_load(&g), 0);
	assert_string_equal(g->lxcfs_mount, "/srv/lxcfs");
	gconf_free(g);
	f = fopen(gp, "w");
	assert_non_null(f);
	fputs("[paths]\nrun_dir = run\n", f);
	fclose(f);
	assert_int_equal(gconf_load(&g), 0);
	assert_string_equal(g->lxcfs_mount, LXCFS_MOUNT_DEFAULT);
	gconf_free(g);
	unsetenv("CELLCTL_CONF");
	/* lxcfs = yes|no: yes is the default, no sets lxcfs_off, anything else is refused */
	const struct param *p = param_find("lxcfs");
	assert_non_null(p);
	struct ct_config c = {0};
	char buf[16];
	param_print(p, &c, buf, sizeof(buf));
	assert_string_equal(buf, "yes");
	assert_int_equal(param_apply(p, &c, "no"), 0);
	assert_true(c.lxcfs_off);
	param_print(p, &c, buf, sizeof(buf));
	assert_string_equal(buf, "no");
	assert_int_equal(param_apply(p, &c, "yes"), 0);
	assert_false(c.lxcfs_off);
	assert_true(param_apply(p, &c, "maybe") < 0);
	rm_rf(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_mountinfo_top),
		cmocka_unit_test(test_mountinfo_hostile),
		cmocka_unit_test(test_live_not_fuse),
		cmocka_unit_test(test_config_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
