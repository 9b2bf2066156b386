/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup: conversions, path state round trip, resolution, and the v2 and v1 backends against a
 * fake cgroup directory (CELLCTL_CGROUP_ROOT, plain files standing in for control files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "fixtures.h"
#include "util.h"

static char tmp[256];
static bool cgfs; /* the fake cgroupfs (below) is on */

/* ---- helpers ---- */

static void mkfile(const char *rel, const char *content)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	char *slash = strrchr(path, '/');
	*slash = 0;
	assert_int_equal(mkdir_p(path, 0755), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *slurp(const char *rel)
{
	static char buf[4096];
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	char *text = NULL;
	if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", strtrim(text));
	free(text);
	return buf;
}

static bool exists(const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return access(path, F_OK) == 0;
}

/* empty every regular file below dir (the fake files are not truncated by writes) */
static void truncate_all(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			truncate_all(p);
		else if (S_ISREG(st.st_mode))
			assert_int_equal(truncate(p, 0), 0);
	}
	closedir(d);
}

/* remove regular files and symlinks (what the kernel would do at rmdir), keeping dirs */
static void remove_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			remove_files(p);
		else
			unlink(p);
	}
	closedir(d);
}

static void trunc_cg(void)
{
	char d[300];
	snprintf(d, sizeof(d), "%s/cg", tmp);
	truncate_all(d);
}

static int setup(void **state)
{
	(void)state;
	fx_cgroot_setup(tmp, sizeof(tmp), "cg");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cgfs = false;
	fx_cgroot_teardown(tmp);
	return 0;
}

static void init_config(struct ct_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ctid = 101;
	c->ram = c->swap = c->numproc = SIZE_UNLIMITED;
	c->cpuunits = 1000;
	c->ioprio = 4;
}

/* A fake sysfs where the private area's st_dev is partition 1 of disk 8:0. */
static void fake_sysfs(const char *private_rel)
{
	char priv[512], sys[512];
	snprintf(priv, sizeof(priv), "%s/%s", tmp, private_rel);
	assert_int_equal(mkdir_p(priv, 0755), 0);
	struct stat st;
	assert_int_equal(stat(priv, &st), 0);
	mkfile("sys/devices/disk/dev", "8:0\n");
	mkfile("sys/devices/disk/part1/dev", "8:1\n");
	mkfile("sys/devices/disk/part1/partition", "1\n");
	snprintf(sys, sizeof(sys), "%s/sys/dev/block", tmp);
	assert_int_equal(mkdir_p(sys, 0755), 0);
	char link[600];
	snprintf(link, sizeof(link), "%s/%u:%u", sys, major(st.st_dev), minor(st.st_dev));
	assert_int_equal(symlink("../../devices/disk/part1", link), 0);
	snprintf(sys, sizeof(sys), "%s/sys", tmp);
	setenv("CELLCTL_SYSFS_ROOT", sys, 1);
}

/* ---- pure conversions ---- */

static void test_conversions(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(cg_cpuunits_to_weight(8), 1);
	assert_int_equal(cg_cpuunits_to_weight(1000), 100);
	assert_int_equal(cg_cpuunits_to_weight(500000), 10000);
	assert_int_equal(cg_cpuunits_to_weight(0), 1);
	cg_cpulimit_to_max(50, 2, false, buf, sizeof(buf));
	assert_string_equal(buf, "50000 100000");
	cg_cpulimit_to_max(200, 2, false, buf, sizeof(buf));
	assert_string_equal(buf, "200000 100000");
	cg_cpulimit_to_max(25, 2, true, buf, sizeof(buf));
	assert_string_equal(buf, "50000 100000");
	cg_cpulimit_to_max(0, 2, false, buf, sizeof(buf));
	assert_string_equal(buf, "max 100000");
	assert_int_equal(cg_ioprio_to_weight(4), 100);
	assert_int_equal(cg_ioprio_to_blkio_weight(4), 500);
	for (int i = 0; i < 7; i++) {
		assert_true(cg_ioprio_to_weight(i) < cg_ioprio_to_weight(i + 1));
		assert_true(cg_ioprio_to_blkio_weight(i) < cg_ioprio_to_blkio_weight(i + 1));
	}
	for (int i = -1; i <= 8; i++) {
		assert_in_range(cg_ioprio_to_weight(i), 1, 10000);
		assert_in_range(cg_ioprio_to_blkio_weight(i), 100, 1000);
	}
}

static void test_whole_disk(void **state)
{
	(void)state;
	mkfile("sys/devices/disk/dev", "8:0\n");
	mkfile("sys/devices/disk/part1/dev", "8:1\n");
	mkfile("sys/devices/disk/part1/partition", "1\n");
	mkfile("sys/devices/loop0/dev", "7:0\n");
	char d[512];
	snprintf(d, sizeof(d), "%s/sys/dev/block", tmp);
	assert_int_equal(mkdir_p(d, 0755), 0);
	char l[600];
	snprintf(l, sizeof(l), "%s/8:1", d);
	assert_int_equal(symlink("../../devices/disk/part1", l), 0);
	snprintf(l, sizeof(l), "%s/8:0", d);
	assert_int_equal(symlink("../../devices/disk", l), 0);
	snprintf(l, sizeof(l), "%s/7:0", d);
	assert_int_equal(symlink("../../devices/loop0", l), 0);
	snprintf(d, sizeof(d), "%s/sys", tmp);
	unsigned ma = 0, mi = 0;
	assert_int_equal(cg_blkdev_whole_disk(d, 8, 1, &ma, &mi), 0);
	assert_int_equal(ma, 8);
	assert_int_equal(mi, 0);
	assert_int_equal(cg_blkdev_whole_disk(d, 8, 0, &ma, &mi), 0);
	assert_int_equal(ma, 8);
	assert_int_equal(mi, 0);
	assert_int_equal(cg_blkdev_whole_disk(d, 7, 0, &ma, &mi), 0);
	assert_int_equal(ma, 7);
	assert_int_equal(mi, 0);
	assert_int_equal(cg_blkdev_whole_disk(d, 0, 42, &ma, &mi), -ENODEV);
}

/* ---- state round trip ---- */

static void test_paths_roundtrip(void **state)
{
	(void)state;
	struct cg_paths p = {.mode = CG_HYBRID, .n = 3};
	strcpy(p.h[0].name, "unified");
	strcpy(p.h[0].mount, "/sys/fs/cgroup/unified");
	strcpy(p.h[0].rel, "cellctl/101");
	strcpy(p.h[1].name, "memory");
	strcpy(p.h[1].mount, "/sys/fs/cgroup/memory");
	strcpy(p.h[1].rel, "process_api/9f66/cellctl/101");
	strcpy(p.h[2].name, "cpu,cpuacct");
	strcpy(p.h[2].mount, "/sys/fs/cgroup/cpu,cpuacct");
	strcpy(p.h[2].rel, "cellctl/101");
	p.h[0].ino = 4242;
	p.h[1].ino = UINT64_MAX - 1; /* cgroup2 ids are 64-bit */
	char *text = cg_paths_format(&p);
	struct cg_paths q;
	assert_int_equal(cg_paths_parse(text, &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
	char *again = cg_paths_format(&q);
	assert_string_equal(text, again);
	free(text);
	free(again);

	assert_int_equal(cg_paths_parse("mode unified\nunified\t/sys/fs/cgroup  cellctl/7\n", &q), 0);
	assert_int_equal(q.mode, CG_UNIFIED);
	assert_int_equal(q.n, 1);
	assert_string_equal(q.h[0].rel, "cellctl/7");
	assert_int_equal(cg_paths_parse("", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode weird\nunified /a b\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b c\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a /abs\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a x/../../etc\n", &q), -EINVAL);
	/* the identity: a fourth field; without one (an older state file) it is 0, "none recorded" */
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b 12\n", &q), 0);
	assert_true(q.h[0].ino == 12);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b\n", &q), 0);
	assert_true(q.h[0].ino == 0);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b 12 13\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b -1\n", &q), -EINVAL);
	assert_int_equal(cg_paths_parse("mode unified\nunified /a b 18446744073709551616\n", &q), -EINVAL);
}

static void test_parent_valid(void **state)
{
	(void)state;
	static const char *const good[] = {"cellctl", "self", "self/cellctl", "self/cct-t_lifecycle-123",
					   "machine.slice/cells", "/machine//cells/", "a@b:c+d_e.f", "selfish"};
	static const char *const bad[] = {"", "self/", "/", "self//", "a/../b", "..", "a/.", "self/..",
					  "two words", "tab\there", "new\nline", "x;rm", "ümlaut"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(cg_parent_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(cg_parent_valid(bad[i]));
	assert_false(cg_parent_valid(NULL));
}

/* ---- resolution ---- */

static void fake_v1_layout(void)
{
	static const char *const dirs[] = {"memory", "cpu,cpuacct", "cpuset", "blkio", "pids",
					   "freezer", "devices", "systemd", "unified"};
	char p[600];
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/cg/%s", tmp, dirs[i]);
		assert_int_equal(mkdir_p(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/cg/cpu", tmp);
	assert_int_equal(symlink("cpu,cpuacct", p), 0);
	snprintf(p, sizeof(p), "%s/cg/cpuacct", tmp);
	assert_int_equal(symlink("cpu,cpuacct", p), 0);
	mkfile("self-cgroup", "12:name=systemd:/\n11:pids:/\n7:blkio:/\n4:memory:/process_api/9f66\n"
			      "3:cpuset:/\n2:cpuacct,cpu:/\n6:freezer:/\n5:devices:/\n0::/user/x.scope\n");
	char sc[600];
	snprintf(sc, sizeof(sc), "%s/self-cgroup", tmp);
	setenv("CELLCTL_PROC_SELF_CGROUP", sc, 1);
}

static const struct cg_hier *find(const struct cg_paths *p, const char *name)
{
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(p->h[i].name, name) == 0)
			return &p->h[i];
	return NULL;
}

static void test_resolve_hybrid_self(void **state)
{
	(void)state;
	fake_v1_layout();
	setenv("CELLCTL_CGROUP_MODE", "hybrid", 1);
	struct gconf g = {.cg_parent = UNCONST("self")};
	struct cg_paths p;
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	assert_int_equal(p.mode, CG_HYBRID);
	assert_string_equal(p.h[0].name, "unified");
	char want[600];
	snprintf(want, sizeof(want), "%s/cg/unified", tmp);
	assert_string_equal(p.h[0].mount, want);
	assert_string_equal(p.h[0].rel, "user/x.scope/cellctl/101");
	const struct cg_hier *m = find(&p, "memory");
	assert_non_null(m);
	assert_string_equal(m->rel, "process_api/9f66/cellctl/101");
	const struct cg_hier *c = find(&p, "cpu,cpuacct");
	assert_non_null(c);
	assert_string_equal(c->rel, "cellctl/101");
	snprintf(want, sizeof(want), "%s/cg/cpu,cpuacct", tmp);
	assert_string_equal(c->mount, want);
	assert_non_null(find(&p, "cpuset"));
	assert_non_null(find(&p, "blkio"));
	assert_non_null(find(&p, "pids"));
	assert_null(find(&p, "freezer"));
	assert_null(find(&p, "devices"));
	assert_null(find(&p, "systemd"));
	assert_int_equal(p.n, 6);

	/* default parent, and a parent with stray slashes */
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	assert_string_equal(p.h[0].rel, "cellctl/101");
	assert_string_equal(find(&p, "memory")->rel, "cellctl/101");
	g.cg_parent = UNCONST("/machine//cells/");
	assert_int_equal(cg_resolve(&g, 2147483647, &p), 0);
	assert_string_equal(p.h[0].rel, "machine/cells/2147483647");

	/* self/NAME: the caller's own cgroups, a directory of that name (a test world's unique name) */
	g.cg_parent = UNCONST("self/cct-run-42");
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	assert_string_equal(p.h[0].rel, "user/x.scope/cct-run-42/101");
	assert_string_equal(find(&p, "memory")->rel, "process_api/9f66/cct-run-42/101");
	assert_string_equal(find(&p, "cpu,cpuacct")->rel, "cct-run-42/101");
	g.cg_parent = UNCONST("self/a b");
	assert_true(cg_resolve(&g, 101, &p) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	cerr_clear();
	g.cg_parent = UNCONST("self/../../escape");
	assert_true(cg_resolve(&g, 101, &p) < 0);
	cerr_clear();
	/* the caller's own cgroup with white space (the run state is space separated) */
	mkfile("self-cgroup2", "0::/user/my scope\n");
	char sc2[600];
	snprintf(sc2, sizeof(sc2), "%s/self-cgroup2", tmp);
	setenv("CELLCTL_PROC_SELF_CGROUP", sc2, 1);
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	g.cg_parent = UNCONST("self");
	assert_true(cg_resolve(&g, 101, &p) < 0);
	assert_non_null(strstr(cerr_msg(), "white space"));
	cerr_clear();
	snprintf(sc2, sizeof(sc2), "%s/self-cgroup", tmp);
	setenv("CELLCTL_PROC_SELF_CGROUP", sc2, 1);

	setenv("CELLCTL_CGROUP_MODE", "legacy", 1);
	g.cg_parent = UNCONST("self");
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	assert_null(find(&p, "unified"));
	assert_non_null(find(&p, "freezer"));
	assert_non_null(find(&p, "devices"));
	assert_string_equal(find(&p, "memory")->rel, "process_api/9f66/cellctl/101");

	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	assert_int_equal(p.n, 1);
	snprintf(want, sizeof(want), "%s/cg", tmp);
	assert_string_equal(p.h[0].mount, want);
	assert_string_equal(p.h[0].rel, "user/x.scope/cellctl/101");
}

/* ---- a fake cgroupfs ----
 * With cgfs on, a directory made below tmp/cg gets the control files the kernel would give a new
 * cgroup of its hierarchy, and removing one takes its files along, refused (EBUSY) while it has
 * sub-cgroups or processes, as on cgroupfs. (mkdir, mkdirat, unlinkat and rmdir are wrapped:
 * -Wl,--wrap in Makefile.am.) */
int __real_mkdir(const char *path, mode_t mode);
int __real_mkdirat(int dfd, const char *path, mode_t mode);
int __real_unlinkat(int dfd, const char *path, int flags);
int __real_rmdir(const char *path);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_mkdirat(int dfd, const char *path, mode_t mode);
int __wrap_unlinkat(int dfd, const char *path, int flags);
int __wrap_rmdir(const char *path);

/* path (relative to dfd) as an absolute path, or NULL when not below tmp/cg */
static const char *cgfs_path(int dfd, const char *path, char *buf, size_t len)
{
	char base[600] = "", link[64];
	if (path[0] != '/' && dfd != AT_FDCWD) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
		ssize_t n = readlink(link, base, sizeof(base) - 1);
		if (n <= 0)
			return NULL;
		base[n] = 0;
		snprintf(buf, len, "%s/%s", base, path);
	} else {
		snprintf(buf, len, "%s", path);
	}
	char root[300];
	snprintf(root, sizeof(root), "%s/cg/", tmp);
	return cgfs && strncmp(buf, root, strlen(root)) == 0 ? buf : NULL;
}

static void put(const char *dir, const char *name, const char *content)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void cgfs_populate(const char *dir)
{
	const char *rel = dir + strlen(tmp) + 4; /* after "/cg/" */
	const char *mode = getenv("CELLCTL_CGROUP_MODE");
	bool v2 = mode && strcmp(mode, "unified") == 0;
	char hier[64];
	snprintf(hier, sizeof(hier), "%.*s", (int)strcspn(rel, "/"), rel);
	put(dir, "cgroup.procs", "");
	if (v2 || strcmp(hier, "unified") == 0) {
		static const char *const f[] = {"cgroup.subtree_control", "cgroup.kill", "memory.max", "memory.swap.max",
						"cpu.weight", "cpu.max", "pids.max", "io.max", "io.weight"};
		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			put(dir, f[i], "");
		/* v2: the root delegates these; hybrid: every controller is bound to v1 */
		put(dir, "cgroup.controllers", v2 ? "cpu io memory pids\n" : "\n");
		put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
		return;
	}
	put(dir, "tasks", "");
	static const struct {
		const char *hier, *files[5];
	} v1[] = {
		{"memory", {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"}},
		{"cpu,cpuacct", {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"}},
		{"cpuset", {"cpuset.cpus", "cpuset.mems"}},
		{"blkio", {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
			   "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"}},
		{"pids", {"pids.max"}},
		{"freezer", {"freezer.state"}},
		{"devices", {"devices.allow", "devices.deny"}},
	};
	for (size_t i = 0; i < ARRAY_SIZE(v1); i++)
		if (strcmp(v1[i].hier, hier) == 0)
			for (size_t k = 0; k < 5 && v1[i].files[k]; k++)
				put(dir, v1[i].files[k], "");
}

static int cgfs_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return __real_rmdir(dir);
	bool busy = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		char p[1024];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			busy = true;
	}
	closedir(d);
	char procs[1024];
	struct stat st;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (stat(procs, &st) == 0 && st.st_size > 0)
		busy = true;
	if (busy) {
		errno = EBUSY;
		return -1;
	}
	remove_files(dir);
	return __real_rmdir(dir);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	char buf[1024];
	int r = __real_mkdir(path, mode);
	if (r == 0 && cgfs_path(AT_FDCWD, path, buf, sizeof(buf)))
		cgfs_populate(buf);
	return r;
}

int __wrap_mkdirat(int dfd, const char *path, mode_t mode)
{
	char buf[1024];
	int r = __real_mkdirat(dfd, path, mode);
	if (r == 0 && cgfs_path(dfd, path, buf, sizeof(buf)))
		cgfs_populate(buf);
	return r;
}

int __wrap_unlinkat(int dfd, const char *path, int flags)
{
	char buf[1024];
	if ((flags & AT_REMOVEDIR) && cgfs_path(dfd, path, buf, sizeof(buf)))
		return cgfs_rmdir(buf);
	return __real_unlinkat(dfd, path, flags);
}

int __wrap_rmdir(const char *path)
{
	char buf[1024];
	if (cgfs_path(AT_FDCWD, path, buf, sizeof(buf)))
		return cgfs_rmdir(buf);
	return __real_rmdir(path);
}

static uint64_t ino_of(const char *rel)
{
	char path[1024];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* ---- v2 backend ---- */

/* The root of a cgroup2 hierarchy; create makes everything below it. */
static void fake_v2_root(void)
{
	mkfile("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	mkfile("cg/cgroup.subtree_control", "");
	mkfile("cg/cgroup.procs", "");
	cgfs = true;
}

static void test_v2_backend(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	fake_v2_root();
	fake_sysfs("private/101");
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	assert_true(p.h[0].ino == 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_non_null(ops);
	assert_int_equal(ops->create(&p), 0);
	/* the identity of the limit cgroup it made */
	assert_true(p.h[0].ino != 0);
	assert_true(p.h[0].ino == ino_of("cg/cellctl/101"));
	assert_int_equal(cg_verify(&p), 0);
	assert_string_equal(slurp("cg/cellctl/cgroup.subtree_control"), "+cpu +io +memory +pids");
	assert_string_equal(slurp("cg/cellctl/101/cgroup.subtree_control"), "+cpu +io +memory +pids");
	assert_string_equal(slurp("cg/cgroup.subtree_control"), "");         /* root: not ours */
	assert_string_equal(slurp("cg/cellctl/101/ct/cgroup.subtree_control"), ""); /* never the leaf */

	struct ct_config c;
	init_config(&c);
	c.ram = 1ull << 30;
	c.swap = 512ull << 20;
	c.cpuunits = 500;
	c.cpulimit = 50;
	c.numproc = 100;
	c.iolimit = 10ull << 20;
	c.ioprio = 7;
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	assert_int_equal(ops->limits(&p, &c, priv, false), 0);
	assert_string_equal(slurp("cg/cellctl/101/memory.max"), "1073741824");
	assert_string_equal(slurp("cg/cellctl/101/memory.swap.max"), "536870912");
	assert_string_equal(slurp("cg/cellctl/101/cpu.weight"), "50");
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "50000 100000");
	assert_string_equal(slurp("cg/cellctl/101/pids.max"), "100");
	assert_string_equal(slurp("cg/cellctl/101/io.weight"), "default 280");
	assert_string_equal(slurp("cg/cellctl/101/io.max"), "8:0 rbps=10485760 wbps=10485760 riops=max wiops=max");

	/* cpus caps the quota */
	trunc_cg();
	c.cpulimit = 300;
	c.cpus = 2;
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "200000 100000");
	c.cpulimit = 0;
	trunc_cg();
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "200000 100000");

	/* back to unlimited: every file says max */
	trunc_cg();
	init_config(&c);
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/cellctl/101/memory.max"), "max");
	assert_string_equal(slurp("cg/cellctl/101/memory.swap.max"), "max");
	assert_string_equal(slurp("cg/cellctl/101/cpu.weight"), "100");
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "max 100000");
	assert_string_equal(slurp("cg/cellctl/101/pids.max"), "max");
	assert_string_equal(slurp("cg/cellctl/101/io.max"), "8:0 rbps=max wbps=max riops=max wiops=max");

	/* a missing controller file: fine when unset, an error naming the controller when set */
	char f[600];
	snprintf(f, sizeof(f), "%s/cg/cellctl/101/pids.max", tmp);
	unlink(f);
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);
	c.numproc = 50;
	cerr_clear();
	assert_int_equal(ops->limits(&p, &c, priv, true), -ENOENT);
	assert_non_null(cerr_msg());
	assert_non_null(strstr(cerr_msg(), "controller pids not available"));
	assert_int_equal(cerr_exit(), EX_RESOURCE);
	cerr_clear();
	/* iolimit with no disk behind the private area */
	c.numproc = SIZE_UNLIMITED;
	c.iopslimit = 100;
	unsetenv("CELLCTL_SYSFS_ROOT");
	assert_true(ops->limits(&p, &c, "/proc", true) < 0);
	assert_int_equal(cerr_exit(), EX_IOLIMIT);
	cerr_clear();

	/* attach, nproc */
	trunc_cg();
	assert_int_equal(ops->attach(&p, 4242), 0);
	assert_string_equal(slurp("cg/cellctl/101/ct/cgroup.procs"), "4242");
	mkfile("cg/cellctl/101/ct/cgroup.procs", "11\n12\n");
	mkfile("cg/cellctl/101/ct/guest/cgroup.procs", "13\n");
	assert_int_equal(ops->nproc(&p), 3);
	pid_t *pids = NULL;
	assert_int_equal(cg_tree_pids(&p, &pids), 3);
	free(pids);
	mkfile("cg/cellctl/101/pids.current", "7\n");
	assert_int_equal(ops->nproc(&p), 7);

	/* fds */
	int fd = cg_limit_fd(&p);
	assert_true(fd >= 0);
	close(fd);
	fd = cg_leaf_fd(&p);
	assert_true(fd >= 0);
	close(fd);
	fd = cg_limit_dirfd(&p, 0);
	assert_true(fd >= 0);
	assert_true(faccessat(fd, "ct/cgroup.procs", F_OK, 0) == 0);
	close(fd);

	/* destroy: the guest's own sub-cgroup first, then leaf, limit, and the empty parent */
	mkfile("cg/cellctl/101/ct/cgroup.procs", "");
	mkfile("cg/cellctl/101/ct/guest/cgroup.procs", "");
	assert_int_equal(ops->destroy(&p), 0);
	assert_false(exists("cg/cellctl"));
	assert_true(exists("cg/cgroup.controllers"));
	assert_int_equal(ops->destroy(&p), 0); /* missing is fine */
	assert_int_equal(ops->nproc(&p), 0);
	assert_int_equal(ops->kill(&p, 100), 0);
}

/* CT 101's cgroups made by a start on a fake pure-v2 host (the limit cgroup and its leaf);
 * the backend's operations. */
static const struct cg_ops *v2_made(struct cg_paths *p)
{
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	fake_v2_root();
	assert_int_equal(cg_resolve(NULL, 101, p), 0);
	const struct cg_ops *ops = cg_backend(p->mode);
	assert_int_equal(ops->create(p), 0);
	return ops;
}

/* A reboot's new init must be able to join the leaf: the cgroups the guest's systemd made below
 * it go, and the controllers it enabled there are switched off (seen in the VM: EBUSY). */
static void test_reset_leaf(void **state)
{
	(void)state;
	struct cg_paths p;
	v2_made(&p);
	char d[512];
	static const char *const dirs[] = {"init.scope", "system.slice", "system.slice/ssh.service", "user.slice"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(d, sizeof(d), "%s/cg/cellctl/101/ct/%s", tmp, dirs[i]);
		assert_int_equal(mkdir(d, 0755), 0);
	}
	mkfile("cg/cellctl/101/ct/cgroup.subtree_control", "cpu memory pids\n");
	assert_int_equal(cg_reset_leaf(&p), 0);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(d, sizeof(d), "cg/cellctl/101/ct/%s", dirs[i]);
		assert_false(exists(d));
	}
	assert_true(exists("cg/cellctl/101/ct/cgroup.procs")); /* the leaf itself stays */
	/* the last of the 3 writes (fake files are not truncated by a write, as cgroup files) */
	assert_memory_equal(slurp("cg/cellctl/101/ct/cgroup.subtree_control"), "-pids", 5);
	/* nothing to do: fine */
	mkfile("cg/cellctl/101/ct/cgroup.subtree_control", "");
	assert_int_equal(cg_reset_leaf(&p), 0);
}

static void test_v2_create_fresh(void **state)
{
	(void)state;
	/* plain directories (no cgroupfs): no control files appear, so only the first level's
	 * enable step can run */
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	mkfile("cg/cgroup.controllers", "cpu memory pids\n");
	mkfile("cg/cgroup.subtree_control", "cpu memory pids\n");
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	/* fails at enabling in "cellctl" (no cgroup.controllers in a plain dir) */
	assert_true(cg_backend(p.mode)->create(&p) < 0);
	assert_true(exists("cg/cellctl"));
	assert_true(p.h[0].ino == 0); /* the limit cgroup was not made: nothing to tear down */
	cerr_clear();
}

/* ---- v1 (hybrid) backend ---- */

static void fake_v1_tree(void)
{
	fake_v1_layout();
	mkfile("cg/cpuset/cpuset.cpus", "0-1\n");
	mkfile("cg/cpuset/cpuset.mems", "0\n");
	mkfile("cg/memory/process_api/9f66/cgroup.procs", "");
	mkfile("cg/unified/cgroup.controllers", "");
	cgfs = true;
}

/* The v2 freezer: cgroup.freeze written, cgroup.events waited on; a freeze that does not take
 * (events keep "frozen 0") times out, is undone and says so (16); no cgroup.freeze: 16. */
static void test_v2_freeze(void **state)
{
	(void)state;
	struct cg_paths p;
	const struct cg_ops *ops = v2_made(&p);
	/* plain files: no cgroup.freeze yet (a kernel before 5.2) */
	assert_true(ops->freeze(&p, true, 50) < 0);
	assert_int_equal(cerr_exit(), EX_FREEZE);
	cerr_clear();
	assert_true(ops->frozen(&p) < 0);
	mkfile("cg/cellctl/101/cgroup.freeze", "0\n");
	mkfile("cg/cellctl/101/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(ops->freeze(&p, true, 50), 0);
	assert_string_equal(slurp("cg/cellctl/101/cgroup.freeze"), "1");
	assert_int_equal(ops->frozen(&p), 1);
	/* thaw waits for "frozen 0" */
	mkfile("cg/cellctl/101/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(ops->freeze(&p, false, 50), 0);
	assert_string_equal(slurp("cg/cellctl/101/cgroup.freeze"), "0");
	assert_int_equal(ops->frozen(&p), 0);
	/* the kernel never reports it frozen: timed out, thawed again */
	assert_true(ops->freeze(&p, true, 50) < 0);
	assert_int_equal(cerr_exit(), EX_FREEZE);
	assert_non_null(strstr(cerr_msg(), "did not get frozen"));
	cerr_clear();
	assert_string_equal(slurp("cg/cellctl/101/cgroup.freeze"), "0");
	assert_int_equal(ops->frozen(&p), 0);
}

/* The legacy v1 freezer: freezer.state FROZEN / THAWED in the freezer hierarchy's limit cgroup. */
static void test_v1_freeze(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "legacy", 1);
	fake_v1_tree();
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_true(ops->freeze != cg_backend(CG_HYBRID)->freeze); /* hybrid uses the unified one */
	assert_int_equal(ops->create(&p), 0);
	mkfile("cg/freezer/cellctl/101/freezer.state", "THAWED\n");
	assert_int_equal(ops->frozen(&p), 0);
	assert_int_equal(ops->freeze(&p, true, 50), 0);
	assert_string_equal(slurp("cg/freezer/cellctl/101/freezer.state"), "FROZEN");
	assert_int_equal(ops->frozen(&p), 1);
	assert_int_equal(ops->freeze(&p, false, 50), 0);
	assert_string_equal(slurp("cg/freezer/cellctl/101/freezer.state"), "THAWED");
	assert_int_equal(ops->frozen(&p), 0);
	/* no freezer hierarchy */
	struct cg_paths q = p;
	for (unsigned i = 0; i < q.n; i++)
		if (!strcmp(q.h[i].name, "freezer"))
			snprintf(q.h[i].name, sizeof(q.h[i].name), "nofreezer");
	assert_true(ops->freeze(&q, true, 50) < 0);
	assert_int_equal(cerr_exit(), EX_FREEZE);
	cerr_clear();
}

static void test_v1_backend(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "hybrid", 1);
	fake_v1_tree();
	mkfile("self-cgroup", "4:memory:/process_api/9f66\n1:cpu,cpuacct:/\n3:cpuset:/\n7:blkio:/\n"
			      "11:pids:/\n0::/\n");
	fake_sysfs("private/101");
	struct gconf g = {.cg_parent = UNCONST("self")};
	struct cg_paths p;
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_int_equal(ops->create(&p), 0);
	for (unsigned i = 0; i < p.n; i++) {
		char rel[600];
		snprintf(rel, sizeof(rel), "cg/%s/%s", p.h[i].name, p.h[i].rel);
		assert_true(p.h[i].ino != 0);
		assert_true(p.h[i].ino == ino_of(rel));
	}
	assert_string_equal(slurp("cg/cpuset/cellctl/cpuset.cpus"), "0-1");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/cpuset.cpus"), "0-1");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/ct/cpuset.mems"), "0");

	struct ct_config c;
	init_config(&c);
	c.ram = 1ull << 30;
	c.swap = 1ull << 30;
	c.cpuunits = 500;
	c.cpulimit = 150;
	c.numproc = 64;
	c.iolimit = 1 << 20;
	c.cpumask = UNCONST("1");
	mkfile("cg/cpuset/cellctl/101/cpuset.cpus", ""); /* plain files are not truncated by writes */
	mkfile("cg/cpuset/cellctl/101/ct/cpuset.cpus", "");
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	assert_int_equal(ops->limits(&p, &c, priv, false), 0);
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.limit_in_bytes"), "1073741824");
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.memsw.limit_in_bytes"), "2147483648");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.shares"), "512");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.cfs_period_us"), "100000");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.cfs_quota_us"), "150000");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/cpuset.cpus"), "1");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/ct/cpuset.cpus"), "1");
	assert_string_equal(slurp("cg/blkio/cellctl/101/blkio.throttle.read_bps_device"), "8:0 1048576");
	assert_string_equal(slurp("cg/blkio/cellctl/101/blkio.throttle.write_iops_device"), "8:0 0");
	assert_string_equal(slurp("cg/blkio/cellctl/101/ct/blkio.throttle.read_bps_device"), "8:0 1048576");
	assert_string_equal(slurp("cg/pids/cellctl/101/pids.max"), "64");

	trunc_cg();
	mkfile("cg/cpuset/cellctl/cpuset.cpus", "0-1\n");
	init_config(&c);
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.limit_in_bytes"), "-1");
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.memsw.limit_in_bytes"), "-1");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.shares"), "1024");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.cfs_quota_us"), "-1");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/cpuset.cpus"), "0-1");
	assert_string_equal(slurp("cg/blkio/cellctl/101/blkio.throttle.read_bps_device"), "8:0 0");
	assert_string_equal(slurp("cg/pids/cellctl/101/pids.max"), "max");

	/* without memsw files, swap is skipped, not an error */
	char f[600];
	snprintf(f, sizeof(f), "%s/cg/memory/process_api/9f66/cellctl/101/memory.memsw.limit_in_bytes", tmp);
	unlink(f);
	c.ram = 1ull << 20;
	c.swap = 1ull << 20;
	assert_int_equal(ops->limits(&p, &c, priv, true), 0);

	trunc_cg();
	assert_int_equal(ops->attach(&p, 77), 0);
	assert_string_equal(slurp("cg/unified/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/pids/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/ct/cgroup.procs"), "77");

	/* a process in the leaf keeps destroy from removing it (EBUSY, as the kernel) */
	assert_true(ops->destroy(&p) < 0);
	cerr_clear();
	assert_true(exists("cg/pids/cellctl/101/ct"));
	trunc_cg();
	assert_int_equal(ops->destroy(&p), 0);
	assert_false(exists("cg/memory/process_api/9f66/cellctl"));
	assert_true(exists("cg/memory/process_api/9f66"));
	assert_false(exists("cg/pids/cellctl"));
	assert_false(exists("cg/unified/cellctl"));
}

/* Legacy v1: device rules go behind the vtable to devices.allow/deny of the limit cgroup and its
 * leaf (the BPF program is for hybrid and unified hosts); apply, the one call of start and set,
 * includes them. */
static void test_v1_devices(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "legacy", 1);
	fake_v1_tree();
	fake_sysfs("private/101");
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_true(ops->devices != cg_backend(CG_HYBRID)->devices);
	assert_true(cg_backend(CG_HYBRID)->devices == cg_backend(CG_UNIFIED)->devices);
	assert_int_equal(ops->create(&p), 0);
	/* default deny before the limit cgroup has children */
	assert_string_equal(slurp("cg/devices/cellctl/101/devices.deny"), "a");

	struct ct_config c;
	init_config(&c);
	char devs[] = "c:10:200:rw c:1:9:none", devs2[] = "b:259:100:rw", bad[] = "x:1:2:rw";
	c.devices = devs;
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	trunc_cg();
	assert_int_equal(ops->apply(&p, &c, priv, false), 0);
	/* plain files keep the last line written: the container's own rules come last */
	assert_string_equal(slurp("cg/devices/cellctl/101/devices.allow"), "c 10:200 rw");
	assert_string_equal(slurp("cg/devices/cellctl/101/devices.deny"), "c 1:9 rwm");
	assert_string_equal(slurp("cg/devices/cellctl/101/ct/devices.allow"), "c 10:200 rw");
	assert_string_equal(slurp("cg/devices/cellctl/101/ct/devices.deny"), "c 1:9 rwm");
	/* limits went in with the same call */
	assert_string_equal(slurp("cg/pids/cellctl/101/pids.max"), "max");

	/* the devices entry alone, live, as set uses it through apply */
	trunc_cg();
	c.devices = devs2;
	assert_int_equal(ops->devices(&p, &c, true), 0);
	assert_string_equal(slurp("cg/devices/cellctl/101/devices.allow"), "b 259:100 rw");
	assert_string_equal(slurp("cg/pids/cellctl/101/pids.max"), "");

	/* a bad rule is EX_DEVICES, and nothing is written */
	trunc_cg();
	c.devices = bad;
	assert_true(ops->apply(&p, &c, priv, true) < 0);
	assert_int_equal(cerr_exit(), EX_DEVICES);
	cerr_clear();
	assert_string_equal(slurp("cg/devices/cellctl/101/devices.allow"), "");

	/* without a devices hierarchy there is nothing to apply */
	struct cg_paths q = p;
	q.n = 0;
	for (unsigned i = 0; i < p.n; i++)
		if (strcmp(p.h[i].name, "devices") != 0)
			q.h[q.n++] = p.h[i];
	c.devices = NULL;
	assert_int_equal(ops->devices(&q, &c, true), 0);

	trunc_cg();
	assert_int_equal(ops->destroy(&p), 0);
	assert_false(exists("cg/devices/cellctl"));
}

/* ---- identity: one installation never touches another's cgroups ---- */

/* Another installation's container runs in cellctl/101: start refuses it before changing anything
 * (its limits stay), and the refused start tears nothing down. */
static void test_create_refuses_busy(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "hybrid", 1);
	fake_v1_tree();
	struct cg_paths theirs, ours;
	assert_int_equal(cg_resolve(NULL, 101, &theirs), 0);
	const struct cg_ops *ops = cg_backend(theirs.mode);
	assert_int_equal(ops->create(&theirs), 0);
	mkfile("cg/memory/cellctl/101/memory.limit_in_bytes", "67108864\n");
	/* v2 reports it in cgroup.events, v1 only has the processes */
	mkfile("cg/unified/cellctl/101/cgroup.events", "populated 1\nfrozen 0\n");
	mkfile("cg/unified/cellctl/101/ct/cgroup.procs", "4242\n");
	mkfile("cg/pids/cellctl/101/ct/cgroup.procs", "4242\n");
	uint64_t before = ino_of("cg/unified/cellctl/101");

	assert_int_equal(cg_resolve(NULL, 101, &ours), 0);
	assert_true(ops->create(&ours) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "/cg/unified/cellctl/101 already holds processes"));
	cerr_clear();
	for (unsigned i = 0; i < ours.n; i++)
		assert_true(ours.h[i].ino == 0);
	/* what a failed start does next: nothing of theirs goes */
	assert_int_equal(ops->kill(&ours, 100), 0);
	assert_int_equal(ops->destroy(&ours), 0);
	assert_true(ino_of("cg/unified/cellctl/101") == before);
	assert_string_equal(slurp("cg/memory/cellctl/101/memory.limit_in_bytes"), "67108864");
	assert_string_equal(slurp("cg/pids/cellctl/101/ct/cgroup.procs"), "4242");

	/* only a v1 hierarchy holds a process: refused too */
	mkfile("cg/unified/cellctl/101/cgroup.events", "populated 0\nfrozen 0\n");
	mkfile("cg/unified/cellctl/101/ct/cgroup.procs", "");
	assert_true(ops->create(&ours) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "/cg/pids/cellctl/101 already holds processes"));
	cerr_clear();
	assert_true(ino_of("cg/unified/cellctl/101") == before);
}

/* An empty cgroup left behind (a crash) is removed and made anew: start works, with the new
 * directory's identity. */
static void test_create_replaces_stale(void **state)
{
	(void)state;
	struct cg_paths old, p;
	const struct cg_ops *ops = v2_made(&old);
	char d[600];
	snprintf(d, sizeof(d), "%s/cg/cellctl/101/ct/init.scope", tmp);
	assert_int_equal(mkdir(d, 0755), 0); /* a guest's sub-cgroup, empty */
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	assert_int_equal(ops->create(&p), 0);
	assert_true(p.h[0].ino == ino_of("cg/cellctl/101"));
	assert_false(exists("cg/cellctl/101/ct/init.scope"));
	assert_true(exists("cg/cellctl/101/ct/cgroup.procs"));
	assert_int_equal(cg_verify(&p), 0);
}

/* Another installation's start of the same CTID takes our new, still empty cgroup for one left
 * behind and removes it: leaf first, then the limit cgroup. Caught between the two (the limit
 * cgroup still ours, its leaf gone), delegate and attach say so (38), not "open cgroup" (3): a CI
 * run of t_sec_worlds once saw exit 3 there. */
static void test_leaf_removed_meanwhile(void **state)
{
	(void)state;
	struct cg_paths p;
	const struct cg_ops *ops = v2_made(&p);
	char d[600];
	snprintf(d, sizeof(d), "%s/cg/cellctl/101/ct", tmp);
	assert_int_equal(cgfs_rmdir(d), 0);
	assert_int_equal(cg_verify(&p), 0); /* the limit cgroup is still the one made */
	assert_true(cg_delegate(&p, 1000, 1000) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "/cg/cellctl/101/ct was removed after this container's start made it"));
	cerr_clear();
	assert_true(ops->attach(&p, 77) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
}

/* The container's recorded cgroup was replaced by another of the same name (another installation
 * started its own CT 101 there): no operation touches the new one. */
/* CT 101's cgroups made by a start (v2), then its limit cgroup taken away: renamed to "gone", so
 * that its inode number stays taken. */
static const struct cg_ops *create_then_take_away(struct cg_paths *p)
{
	const struct cg_ops *ops = v2_made(p);
	fake_sysfs("private/101");
	char a[600], b[600];
	snprintf(a, sizeof(a), "%s/cg/cellctl/101", tmp);
	snprintf(b, sizeof(b), "%s/cg/cellctl/gone", tmp);
	assert_int_equal(rename(a, b), 0);
	return ops;
}

static void test_identity(void **state)
{
	(void)state;
	struct cg_paths p;
	/* ours goes away; theirs takes the name */
	const struct cg_ops *ops = create_then_take_away(&p);
	struct cg_paths theirs;
	assert_int_equal(cg_resolve(NULL, 101, &theirs), 0);
	assert_int_equal(ops->create(&theirs), 0);
	assert_true(theirs.h[0].ino != p.h[0].ino);
	mkfile("cg/cellctl/101/memory.max", "67108864\n");
	mkfile("cg/cellctl/101/ct/cgroup.procs", "4242\n");
	mkfile("cg/cellctl/101/cgroup.events", "populated 1\nfrozen 0\n");
	mkfile("cg/cellctl/101/ct/init.scope/cgroup.procs", "");

	assert_true(cg_lost(&p));
	assert_false(cg_lost(&theirs));
	assert_int_equal(cg_verify(&p), -ESTALE);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "is not the one this container was started in"));
	cerr_clear();

	struct ct_config c;
	init_config(&c);
	c.ram = 32ull << 20;
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	assert_true(ops->apply(&p, &c, priv, true) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
	assert_true(ops->attach(&p, 77) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
	assert_true(ops->kill(&p, 100) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
	assert_true(ops->destroy(&p) < 0);
	cerr_clear();
	assert_true(cg_reset_leaf(&p) < 0);
	cerr_clear();
	assert_true(cg_leaf_fd(&p) < 0);
	assert_true(cg_limit_fd(&p) < 0);
	assert_true(cg_limit_dirfd(&p, 0) < 0);
	assert_true(cg_delegate(&p, 1000, 1000) < 0);
	cerr_clear();
	/* the readers see nothing of theirs */
	struct cg_stat st[CG_RES_N];
	assert_int_equal(ops->stats(&p, st), -ENOENT);
	assert_int_equal(ops->nproc(&p), -ESTALE);
	pid_t *pids = NULL;
	assert_int_equal(cg_tree_pids(&p, &pids), 0);
	free(pids);
	/* theirs is untouched: limit, process, sub-cgroup, no kill */
	assert_string_equal(slurp("cg/cellctl/101/memory.max"), "67108864");
	assert_string_equal(slurp("cg/cellctl/101/ct/cgroup.procs"), "4242");
	assert_string_equal(slurp("cg/cellctl/101/cgroup.kill"), "");
	assert_true(exists("cg/cellctl/101/ct/init.scope"));
	assert_true(ino_of("cg/cellctl/101") == theirs.h[0].ino);

	/* no identity recorded (a state file of an older cellctl): teardown leaves it alone quietly,
	 * changes are refused */
	p.h[0].ino = 0;
	assert_false(cg_lost(&p)); /* nothing recorded, nothing lost */
	assert_int_equal(ops->kill(&p, 100), 0);
	assert_int_equal(ops->destroy(&p), 0);
	assert_true(ops->apply(&p, &c, priv, true) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "no identity"));
	cerr_clear();
	assert_string_equal(slurp("cg/cellctl/101/cgroup.kill"), "");
	assert_true(exists("cg/cellctl/101/ct/init.scope"));

	/* and theirs, with its own identity, works */
	mkfile("cg/cellctl/101/cgroup.events", "populated 0\nfrozen 0\n");
	mkfile("cg/cellctl/101/ct/cgroup.procs", "");
	assert_int_equal(ops->kill(&theirs, 100), 0);
	assert_string_equal(slurp("cg/cellctl/101/cgroup.kill"), "1");
	assert_int_equal(ops->destroy(&theirs), 0);
	assert_false(exists("cg/cellctl/101"));
	assert_true(cg_lost(&theirs)); /* gone */
	assert_true(exists("cg/cellctl/gone")); /* ours (renamed away) was never in the way */
}

/* Another installation's start of the same CTID took our just-made, still empty limit cgroup for
 * one left behind and removed it before our init was in it (sec_worlds saw this in the VM): the
 * steps after create refuse with 38, as for a replaced cgroup, not with a system error (3). */
static void test_removed_after_create(void **state)
{
	(void)state;
	struct cg_paths p;
	const struct cg_ops *ops = create_then_take_away(&p);
	struct ct_config c;
	init_config(&c);
	c.ram = 32ull << 20;
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	assert_true(ops->apply(&p, &c, priv, false) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	assert_non_null(strstr(cerr_msg(), "was removed"));
	cerr_clear();
	assert_true(ops->attach(&p, 77) < 0);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
	assert_int_equal(cg_verify(&p), -ENOENT);
	assert_int_equal(cerr_exit(), EX_CGFOREIGN);
	cerr_clear();
	/* teardown: nothing of ours left, quietly */
	assert_int_equal(ops->kill(&p, 100), 0);
	assert_true(cg_lost(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test_setup_teardown(test_whole_disk, setup, teardown),
		cmocka_unit_test(test_paths_roundtrip),
		cmocka_unit_test(test_parent_valid),
		cmocka_unit_test_setup_teardown(test_resolve_hybrid_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_replaces_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_removed_meanwhile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_after_create, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
