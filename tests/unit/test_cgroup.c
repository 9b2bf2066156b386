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
#include "util.h"

static char tmp[256];

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

static void rm_rf(const char *dir)
{
	remove_files(dir);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		rm_rf(p);
	}
	closedir(d);
	rmdir(dir);
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
	snprintf(tmp, sizeof(tmp), "/tmp/cellctl-test-cg.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	char root[300];
	snprintf(root, sizeof(root), "%s/cg", tmp);
	setenv("CELLCTL_CGROUP_ROOT", root, 1);
	cerr_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(tmp);
	unsetenv("CELLCTL_CGROUP_ROOT");
	unsetenv("CELLCTL_CGROUP_MODE");
	unsetenv("CELLCTL_PROC_SELF_CGROUP");
	unsetenv("CELLCTL_SYSFS_ROOT");
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
	struct gconf g = {.cg_parent = (char *)"self"};
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
	g.cg_parent = (char *)"/machine//cells/";
	assert_int_equal(cg_resolve(&g, 2147483647, &p), 0);
	assert_string_equal(p.h[0].rel, "machine/cells/2147483647");

	setenv("CELLCTL_CGROUP_MODE", "legacy", 1);
	g.cg_parent = (char *)"self";
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

/* ---- v2 backend ---- */

static void fake_v2_tree(void)
{
	mkfile("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	mkfile("cg/cgroup.subtree_control", "");
	mkfile("cg/cellctl/cgroup.controllers", "cpu io memory pids\n"); /* no cpuset here */
	mkfile("cg/cellctl/cgroup.subtree_control", "");
	static const char *const files[] = {"cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
					    "cgroup.kill", "memory.max", "memory.swap.max", "cpu.weight",
					    "cpu.max", "pids.max", "io.max", "io.weight"};
	char rel[256];
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(rel, sizeof(rel), "cg/cellctl/101/%s", files[i]);
		mkfile(rel, strcmp(files[i], "cgroup.controllers") == 0 ? "cpu io memory pids\n" : "");
	}
	mkfile("cg/cellctl/101/ct/cgroup.procs", "");
	mkfile("cg/cellctl/101/ct/cgroup.subtree_control", "");
}

static void test_v2_backend(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	fake_v2_tree();
	fake_sysfs("private/101");
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_non_null(ops);
	assert_int_equal(ops->create(&p), 0);
	assert_int_equal(ops->create(&p), 0); /* idempotent */
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
	assert_int_equal(ops->apply(&p, &c, priv, false), 0);
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
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "200000 100000");
	c.cpulimit = 0;
	trunc_cg();
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);
	assert_string_equal(slurp("cg/cellctl/101/cpu.max"), "200000 100000");

	/* back to unlimited: every file says max */
	trunc_cg();
	init_config(&c);
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);
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
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);
	c.numproc = 50;
	cerr_clear();
	assert_int_equal(ops->apply(&p, &c, priv, true), -ENOENT);
	assert_non_null(cerr_msg());
	assert_non_null(strstr(cerr_msg(), "controller pids not available"));
	assert_int_equal(cerr_exit(), EX_RESOURCE);
	cerr_clear();
	/* iolimit with no disk behind the private area */
	c.numproc = SIZE_UNLIMITED;
	c.iopslimit = 100;
	unsetenv("CELLCTL_SYSFS_ROOT");
	assert_true(ops->apply(&p, &c, "/proc", true) < 0);
	assert_int_equal(cerr_exit(), EX_IOLIMIT);
	cerr_clear();

	/* attach, nproc */
	trunc_cg();
	assert_int_equal(ops->attach(&p, 4242), 0);
	assert_string_equal(slurp("cg/cellctl/101/ct/cgroup.procs"), "4242");
	mkfile("cg/cellctl/101/cgroup.procs", "");
	mkfile("cg/cellctl/101/ct/cgroup.procs", "11\n12\n");
	mkfile("cg/cellctl/101/ct/guest/cgroup.procs", "13\n");
	assert_int_equal(ops->nproc(&p), 3);
	mkfile("cg/cellctl/101/pids.current", "7\n");
	assert_int_equal(ops->nproc(&p), 7);

	/* fds */
	int fd = cg_limit_fd(&p);
	assert_true(fd >= 0);
	close(fd);
	fd = cg_leaf_fd(&p);
	assert_true(fd >= 0);
	close(fd);

	/* destroy: the guest's own sub-cgroup first, then leaf, limit, and the empty parent */
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/cg/cellctl", tmp);
	remove_files(dir);
	assert_int_equal(ops->destroy(&p), 0);
	assert_false(exists("cg/cellctl"));
	assert_true(exists("cg/cgroup.controllers"));
	assert_int_equal(ops->destroy(&p), 0); /* missing is fine */
	assert_int_equal(ops->nproc(&p), 0);
	assert_int_equal(ops->kill(&p, 100), 0);
}

/* A reboot's new init must be able to join the leaf: the cgroups the guest's systemd made below
 * it go, and the controllers it enabled there are switched off (seen in the VM: EBUSY). */
static void test_reset_leaf(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	fake_v2_tree();
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
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
	/* a fresh parent: create makes the dirs (plain mkdir here: no control files appear, so only
	 * the first level's enable step can run) */
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	mkfile("cg/cgroup.controllers", "cpu memory pids\n");
	mkfile("cg/cgroup.subtree_control", "cpu memory pids\n");
	struct cg_paths p;
	assert_int_equal(cg_resolve(NULL, 101, &p), 0);
	/* fails at enabling in "cellctl" (no cgroup.controllers in a plain dir) */
	assert_true(cg_backend(p.mode)->create(&p) < 0);
	assert_true(exists("cg/cellctl"));
	cerr_clear();
}

/* ---- v1 (hybrid) backend ---- */

static void fake_v1_tree(void)
{
	fake_v1_layout();
	static const char *const lv[] = {"cellctl", "cellctl/101", "cellctl/101/ct"};
	char rel[512];
	for (size_t i = 0; i < ARRAY_SIZE(lv); i++) {
		snprintf(rel, sizeof(rel), "cg/cpuset/%s/cpuset.cpus", lv[i]);
		mkfile(rel, "");
		snprintf(rel, sizeof(rel), "cg/cpuset/%s/cpuset.mems", lv[i]);
		mkfile(rel, "");
		snprintf(rel, sizeof(rel), "cg/memory/process_api/9f66/%s/cgroup.procs", lv[i]);
		mkfile(rel, "");
		static const char *const others[] = {"cpu,cpuacct", "blkio", "pids", "cpuset", "unified"};
		for (size_t k = 0; k < ARRAY_SIZE(others); k++) {
			snprintf(rel, sizeof(rel), "cg/%s/%s/cgroup.procs", others[k], lv[i]);
			mkfile(rel, "");
		}
	}
	mkfile("cg/cpuset/cpuset.cpus", "0-1\n");
	mkfile("cg/cpuset/cpuset.mems", "0\n");
	mkfile("cg/unified/cgroup.controllers", "");
	mkfile("cg/unified/cellctl/cgroup.controllers", "");
	mkfile("cg/unified/cellctl/101/cgroup.controllers", "");
	mkfile("cg/unified/cellctl/101/cgroup.kill", "");
	static const char *const mem[] = {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"};
	for (size_t i = 0; i < ARRAY_SIZE(mem); i++) {
		snprintf(rel, sizeof(rel), "cg/memory/process_api/9f66/cellctl/101/%s", mem[i]);
		mkfile(rel, "");
	}
	mkfile("cg/cpu,cpuacct/cellctl/101/cpu.shares", "");
	mkfile("cg/cpu,cpuacct/cellctl/101/cpu.cfs_period_us", "");
	mkfile("cg/cpu,cpuacct/cellctl/101/cpu.cfs_quota_us", "");
	mkfile("cg/blkio/cellctl/101/blkio.throttle.read_bps_device", "");
	mkfile("cg/blkio/cellctl/101/blkio.throttle.write_bps_device", "");
	mkfile("cg/blkio/cellctl/101/blkio.throttle.read_iops_device", "");
	mkfile("cg/blkio/cellctl/101/blkio.throttle.write_iops_device", "");
	mkfile("cg/pids/cellctl/101/pids.max", "");
}

static void test_v1_backend(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "hybrid", 1);
	fake_v1_tree();
	mkfile("self-cgroup", "4:memory:/process_api/9f66\n1:cpu,cpuacct:/\n3:cpuset:/\n7:blkio:/\n"
			      "11:pids:/\n0::/\n");
	fake_sysfs("private/101");
	struct gconf g = {.cg_parent = (char *)"self"};
	struct cg_paths p;
	assert_int_equal(cg_resolve(&g, 101, &p), 0);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_int_equal(ops->create(&p), 0);
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
	c.cpumask = (char *)"1";
	mkfile("cg/cpuset/cellctl/101/cpuset.cpus", ""); /* plain files are not truncated by writes */
	mkfile("cg/cpuset/cellctl/101/ct/cpuset.cpus", "");
	char priv[512];
	snprintf(priv, sizeof(priv), "%s/private/101", tmp);
	assert_int_equal(ops->apply(&p, &c, priv, false), 0);
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.limit_in_bytes"), "1073741824");
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/memory.memsw.limit_in_bytes"), "2147483648");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.shares"), "512");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.cfs_period_us"), "100000");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/cpu.cfs_quota_us"), "150000");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/cpuset.cpus"), "1");
	assert_string_equal(slurp("cg/cpuset/cellctl/101/ct/cpuset.cpus"), "1");
	assert_string_equal(slurp("cg/blkio/cellctl/101/blkio.throttle.read_bps_device"), "8:0 1048576");
	assert_string_equal(slurp("cg/blkio/cellctl/101/blkio.throttle.write_iops_device"), "8:0 0");
	assert_string_equal(slurp("cg/pids/cellctl/101/pids.max"), "64");

	trunc_cg();
	mkfile("cg/cpuset/cellctl/cpuset.cpus", "0-1\n");
	init_config(&c);
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);
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
	assert_int_equal(ops->apply(&p, &c, priv, true), 0);

	trunc_cg();
	assert_int_equal(ops->attach(&p, 77), 0);
	assert_string_equal(slurp("cg/unified/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/memory/process_api/9f66/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/pids/cellctl/101/ct/cgroup.procs"), "77");
	assert_string_equal(slurp("cg/cpu,cpuacct/cellctl/101/ct/cgroup.procs"), "77");

	char dir[600];
	snprintf(dir, sizeof(dir), "%s/cg", tmp);
	remove_files(dir);
	assert_int_equal(ops->destroy(&p), 0);
	assert_false(exists("cg/memory/process_api/9f66/cellctl"));
	assert_true(exists("cg/memory/process_api/9f66"));
	assert_false(exists("cg/pids/cellctl"));
	assert_false(exists("cg/unified/cellctl"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test_setup_teardown(test_whole_disk, setup, teardown),
		cmocka_unit_test(test_paths_roundtrip),
		cmocka_unit_test_setup_teardown(test_resolve_hybrid_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_backend, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
