/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ubc: beancounter statistics read from a fake cgroup directory (v2, hybrid v1), the table and
 * JSON rendering against fixed input, and the list -o field names. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "fixtures.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

static char tmp[256];

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

static int setup(void **state)
{
	(void)state;
	fx_cgroot_setup(tmp, sizeof(tmp), "ubc");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_cgroot_teardown(tmp);
	return 0;
}

#define UNL CG_STAT_UNLIMITED
#define NA CG_STAT_NONE

static void assert_stat(const struct cg_stat *s, uint64_t held, uint64_t maxheld, uint64_t barrier, uint64_t limit,
			uint64_t failcnt)
{
	assert_int_equal(s->held, held);
	assert_int_equal(s->maxheld, maxheld);
	assert_int_equal(s->barrier, barrier);
	assert_int_equal(s->limit, limit);
	assert_int_equal(s->failcnt, failcnt);
}

/* ---- v2 ---- */

/* The paths of a running container: resolved, with the identity start records (the inode of each
 * limit cgroup that exists). */
static void resolve_started(const struct gconf *g, unsigned ctid, struct cg_paths *p)
{
	assert_int_equal(cg_resolve(g, ctid, p), 0);
	for (unsigned i = 0; i < p->n; i++) {
		char path[1200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", p->h[i].mount, p->h[i].rel);
		p->h[i].ino = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
}

static void test_stats_v2(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	const char *d = "cg/cellctl/101/";
	char f[1024];
#define MK(file, text) (snprintf(f, sizeof(f), "%s%s", d, file), mkfile(f, text))
	MK("memory.current", "8392704\n");
	MK("memory.peak", "67108864\n");
	MK("memory.max", "67108864\n");
	MK("memory.events", "low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\noom_group_kill 0\n");
	MK("memory.swap.current", "0\n");
	MK("memory.swap.max", "max\n");
	MK("memory.swap.events", "high 0\nmax 3\nfail 0\n");
	/* no memory.swap.peak (kernel < 6.5): maxheld "-" */
	MK("pids.current", "5\n");
	MK("pids.peak", "64\n");
	MK("pids.max", "64\n");
	MK("pids.events", "max 0\n");
	MK("ct/pids.events", "max 40\n");      /* old kernels count in the forking task's cgroup */
	MK("ct/sub/pids.events", "max 2\n");   /* a guest's own sub-cgroup: not walked (cheap ubc) */
	MK("cpu.stat", "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\nnr_periods 50\n"
		       "nr_throttled 12\nthrottled_usec 99\n");
	MK("cpu.max", "50000 100000\n");
	MK("io.stat", "7:0 rbytes=4096 wbytes=10485760 rios=1 wios=160 dbytes=0 dios=0\n"
		      "8:0 rbytes=100 wbytes=0 rios=2 wios=0 dbytes=0 dios=0\n");
	MK("io.max", "7:0 rbps=max wbps=5242880 riops=max wiops=max\n");
	mkfile("self", "0::/\n");

	struct cg_paths p;
	resolve_started(NULL, 101, &p);
	const struct cg_ops *ops = cg_backend(p.mode);
	assert_non_null(ops->stats);
	struct cg_stat st[CG_RES_N];
	assert_int_equal(ops->stats(&p, st), 0);
	assert_stat(&st[CG_RES_PHYSPAGES], 2049, 16384, 0, 16384, 19);
	assert_stat(&st[CG_RES_SWAPPAGES], 0, NA, 0, UNL, 3);
	assert_stat(&st[CG_RES_NUMPROC], 5, 64, 64, 64, 40);
	assert_stat(&st[CG_RES_CPUTIME], 1234567, 1234567, 0, 50, 12);
	assert_stat(&st[CG_RES_IOBYTES], 4096 + 10485760 + 100, 4096 + 10485760 + 100, 0, 5242880, NA);
	assert_stat(&st[CG_RES_IOOPS], 163, 163, 0, UNL, NA);

	/* hierarchical pids.events (pids.events.local present): the limit cgroup's own count (a
	 * property of the kernel, looked up once per process: forgotten here, another kernel) */
	MK("pids.events.local", "max 0\n");
	MK("pids.events", "max 7\n");
	cg_stats_forget();
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_NUMPROC].failcnt, 7);

	/* unlimited, and controllers not enabled: "-" */
	MK("memory.max", "max\n");
	MK("pids.max", "max\n");
	MK("cpu.max", "max 100000\n");
	snprintf(f, sizeof(f), "%s/%sio.stat", tmp, d);
	unlink(f);
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_PHYSPAGES].limit, UNL);
	assert_int_equal(st[CG_RES_NUMPROC].limit, UNL);
	assert_int_equal(st[CG_RES_NUMPROC].barrier, UNL);
	assert_int_equal(st[CG_RES_CPUTIME].limit, UNL);
	assert_stat(&st[CG_RES_IOBYTES], NA, NA, NA, NA, NA);

	/* the container's cgroup is gone: -ENOENT */
	resolve_started(NULL, 102, &p);
	assert_int_equal(ops->stats(&p, st), -ENOENT);
#undef MK
}

/* ---- CPU pressure (list's laverage) ---- */

static void test_psi(void **state)
{
	(void)state;
	double a[3] = {-1, -1, -1};
	const char *psi = "some avg10=1.50 avg60=0.25 avg300=12.00 total=123456\n"
			  "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
	assert_int_equal(cg_psi_parse(psi, "some", a), 0);
	assert_true(a[0] == 1.5 && a[1] == 0.25 && a[2] == 12.0);
	assert_int_equal(cg_psi_parse(psi, "full", a), 0);
	assert_true(a[0] == 0 && a[1] == 0 && a[2] == 0);
	assert_int_equal(cg_psi_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", "some", a), -ENOENT);
	assert_int_equal(cg_psi_parse("", "some", a), -ENOENT);
	assert_int_equal(cg_psi_parse("someone avg10=1.00 avg60=1.00 avg300=1.00\n", "some", a), -ENOENT);
	/* malformed: a key missing or out of order, not a number, negative, over 100, trailing junk */
	assert_int_equal(cg_psi_parse("some avg10=1.00 avg300=1.00 avg60=1.00\n", "some", a), -EINVAL);
	assert_int_equal(cg_psi_parse("some avg10=x avg60=1.00 avg300=1.00\n", "some", a), -EINVAL);
	assert_int_equal(cg_psi_parse("some avg10=-1 avg60=1.00 avg300=1.00\n", "some", a), -EINVAL);
	assert_int_equal(cg_psi_parse("some avg10=100.01 avg60=1.00 avg300=1.00\n", "some", a), -EINVAL);
	assert_int_equal(cg_psi_parse("some avg10=1.0x avg60=1.00 avg300=1.00\n", "some", a), -EINVAL);
	assert_int_equal(cg_psi_parse("some avg10=1.00 avg60=1.00\n", "some", a), -EINVAL);

	/* read from the container's unified limit cgroup */
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	mkfile("cg/cellctl/101/cpu.pressure", psi);
	mkfile("self", "0::/\n");
	struct cg_paths p;
	resolve_started(NULL, 101, &p);
	assert_int_equal(cg_cpu_pressure(&p, a), 0);
	assert_true(a[0] == 1.5 && a[1] == 0.25 && a[2] == 12.0);
	/* no cpu.pressure (PSI off), or the cgroup gone */
	char f[1024];
	snprintf(f, sizeof(f), "%s/cg/cellctl/101/cpu.pressure", tmp);
	unlink(f);
	assert_int_equal(cg_cpu_pressure(&p, a), -ENOENT);
	resolve_started(NULL, 102, &p);
	assert_int_equal(cg_cpu_pressure(&p, a), -ENOENT);
}

/* ---- hybrid (v1 counters) ---- */

static void test_stats_v1(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "hybrid", 1);
	mkfile("self-cgroup", "4:memory:/process_api/9f66\n2:cpuacct:/\n1:cpu:/\n3:cpuset:/\n5:devices:/\n"
			      "6:freezer:/\n7:blkio:/\n8:pids:/\n0::/\n");
	char sc[300];
	snprintf(sc, sizeof(sc), "%s/self-cgroup", tmp);
	setenv("CELLCTL_PROC_SELF_CGROUP", sc, 1);
	mkfile("cg/unified/cgroup.procs", "");
	mkfile("cg/unified/cellctl/101/cpu.stat", "usage_usec 777\n");
	const char *m = "cg/memory/process_api/9f66/cellctl/101/";
	char f[1024];
#define MK(dir, file, text) (snprintf(f, sizeof(f), "%s%s", dir, file), mkfile(f, text))
	MK(m, "memory.usage_in_bytes", "4096000\n");
	MK(m, "memory.max_usage_in_bytes", "67108864\n");
	MK(m, "memory.limit_in_bytes", "67108864\n");
	MK(m, "memory.failcnt", "1234\n");
	/* v1 counts OOM kills and refused forks in the task's own cgroup only, and no task runs in
	 * the limit cgroup itself: its files are not read (made non-zero here to show it) */
	MK(m, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n");
	MK(m, "ct/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"); /* local on v1 */
	MK(m, "memory.memsw.usage_in_bytes", "4096000\n");
	MK(m, "memory.memsw.max_usage_in_bytes", "67108864\n");
	MK(m, "memory.memsw.limit_in_bytes", "67108864\n"); /* --swap 0: memsw = mem */
	MK(m, "memory.memsw.failcnt", "5\n");
	const char *pd = "cg/pids/cellctl/101/";
	MK(pd, "pids.current", "3\n");
	MK(pd, "pids.peak", "64\n");
	MK(pd, "pids.max", "64\n");
	MK(pd, "pids.events", "max 7\n");
	MK(pd, "ct/pids.events", "max 9\n");
	const char *cpu = "cg/cpu/cellctl/101/";
	MK(cpu, "cpu.cfs_quota_us", "50000\n");
	MK(cpu, "cpu.cfs_period_us", "100000\n");
	MK(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 5\n");
	MK("cg/cpuacct/cellctl/101/", "cpuacct.usage", "5000000000\n");
	const char *b = "cg/blkio/cellctl/101/";
	MK(b, "blkio.throttle.io_service_bytes_recursive",
	   "7:0 Read 4096\n7:0 Write 1048576\n7:0 Sync 1048576\n7:0 Async 4096\n7:0 Discard 0\n7:0 Total 1052672\n"
	   "Total 1052672\n");
	MK(b, "blkio.throttle.io_serviced_recursive", "7:0 Read 1\n7:0 Write 256\n7:0 Total 257\nTotal 257\n");
	MK(b, "blkio.throttle.read_bps_device", "");
	MK(b, "blkio.throttle.write_bps_device", "7:0 5242880\n");
	MK(b, "blkio.throttle.read_iops_device", "");
	MK(b, "blkio.throttle.write_iops_device", "");
	/* directories make the v1 hierarchies visible to resolution */
	static const char *const hier[] = {"cg/cpuset/x", "cg/devices/x", "cg/freezer/x"};
	for (size_t i = 0; i < ARRAY_SIZE(hier); i++)
		mkfile(hier[i], "");

	struct gconf g = {.cg_parent = UNCONST("self")};
	struct cg_paths p;
	resolve_started(&g, 101, &p);
	assert_int_equal(p.mode, CG_HYBRID);
	const struct cg_ops *ops = cg_backend(p.mode);
	struct cg_stat st[CG_RES_N];
	assert_int_equal(ops->stats(&p, st), 0);
	assert_stat(&st[CG_RES_PHYSPAGES], 1000, 16384, 0, 16384, 1236);
	assert_stat(&st[CG_RES_SWAPPAGES], 0, 0, 0, 0, 5);
	assert_stat(&st[CG_RES_NUMPROC], 3, 64, 64, 64, 9);
	assert_stat(&st[CG_RES_CPUTIME], 5000000, 5000000, 0, 50, 4);
	assert_stat(&st[CG_RES_IOBYTES], 1052672, 1052672, 0, 5242880, NA);
	assert_stat(&st[CG_RES_IOOPS], 257, 257, 0, UNL, NA);

	/* v1 "unlimited" (PAGE_COUNTER_MAX bytes), no quota, swap limit = memsw - mem */
	MK(m, "memory.limit_in_bytes", "9223372036854771712\n");
	MK(m, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	MK(cpu, "cpu.cfs_quota_us", "-1\n");
	MK(pd, "pids.max", "max\n");
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_PHYSPAGES].limit, UNL);
	assert_int_equal(st[CG_RES_SWAPPAGES].limit, UNL);
	assert_int_equal(st[CG_RES_CPUTIME].limit, UNL);
	assert_int_equal(st[CG_RES_NUMPROC].limit, UNL);
	MK(m, "memory.limit_in_bytes", "67108864\n");
	MK(m, "memory.memsw.limit_in_bytes", "134217728\n");
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_SWAPPAGES].limit, 16384);
	/* no quota needs no period (not read then); a quota without its period: "-" */
	char per[1100];
	snprintf(per, sizeof(per), "%s/%scpu.cfs_period_us", tmp, cpu);
	assert_int_equal(unlink(per), 0);
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_CPUTIME].limit, UNL);
	MK(cpu, "cpu.cfs_quota_us", "50000\n");
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_CPUTIME].limit, NA);
	MK(cpu, "cpu.cfs_period_us", "200000\n");
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_CPUTIME].limit, 25);
	MK(cpu, "cpu.cfs_quota_us", "-1\n");

	/* no cpuacct hierarchy: hybrid falls back to the unified core cpu.stat */
	snprintf(f, sizeof(f), "%s/cg/cpuacct", tmp);
	rm_rf(f);
	resolve_started(&g, 101, &p);
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_CPUTIME].held, 777);

	/* legacy mode without swap accounting and without the pids controller: "-" */
	setenv("CELLCTL_CGROUP_MODE", "legacy", 1);
	snprintf(f, sizeof(f), "%s/%smemory.memsw.usage_in_bytes", tmp, m);
	unlink(f);
	snprintf(f, sizeof(f), "%s/cg/pids", tmp);
	rm_rf(f);
	resolve_started(&g, 101, &p);
	ops = cg_backend(p.mode);
	assert_int_equal(ops->stats(&p, st), 0);
	assert_int_equal(st[CG_RES_PHYSPAGES].held, 1000);
	assert_stat(&st[CG_RES_SWAPPAGES], NA, NA, NA, NA, NA);
	assert_stat(&st[CG_RES_NUMPROC], NA, NA, NA, NA, NA);
#undef MK
}

/* ---- rendering ---- */

static void fixed(struct ubc_ct *c)
{
	memset(c, 0, 2 * sizeof(*c));
	c[0].ctid = 101;
	c[0].st[CG_RES_PHYSPAGES] = (struct cg_stat){2267, 2399, 0, UNL, 0};
	c[0].st[CG_RES_SWAPPAGES] = (struct cg_stat){0, NA, 0, 0, 3};
	c[0].st[CG_RES_NUMPROC] = (struct cg_stat){20, 26, 65, 65, 0};
	c[0].st[CG_RES_CPUTIME] = (struct cg_stat){1500, 1500, 0, 50, 7};
	c[0].st[CG_RES_IOBYTES] = (struct cg_stat){4096, 4096, 0, UNL, NA};
	c[0].st[CG_RES_IOOPS] = (struct cg_stat){1, 1, 0, UNL, NA};
	c[1] = c[0];
	c[1].ctid = 2147483647;
}

static void test_table(void **state)
{
	(void)state;
	struct ubc_ct c[2];
	fixed(c);
	char *t = ubc_format_table(c, 2);
	const char *want =
		"Version: 2.5\n"
		"       uid  resource                     held              maxheld              barrier                limit              failcnt\n"
		"      101:  physpages                    2267                 2399                    0  9223372036854775807                    0\n"
		"            swappages                       0                    -                    0                    0                    3\n"
		"            numproc                        20                   26                   65                   65                    0\n"
		"            cputime                      1500                 1500                    0                   50                    7\n"
		"            iobytes                      4096                 4096                    0  9223372036854775807                    -\n"
		"            ioops                           1                    1                    0  9223372036854775807                    -\n"
		"2147483647:  physpages                    2267                 2399                    0  9223372036854775807                    0\n";
	assert_int_equal(strncmp(t, want, strlen(want)), 0);
	/* every line of a block is 129 characters, as /proc/user_beancounters */
	char *l2 = strchr(t, '\n') + 1;
	assert_int_equal(strcspn(l2, "\n"), 129);
	assert_int_equal(strcspn(strchr(l2, '\n') + 1, "\n"), 129);
	free(t);
	t = ubc_format_table(c, 0);
	assert_int_equal(strncmp(t, "Version: 2.5\n       uid  resource", 32), 0);
	assert_int_equal(strchr(strchr(t, '\n') + 1, '\n')[1], 0); /* header only */
	free(t);
}

static void test_json(void **state)
{
	(void)state;
	struct ubc_ct c[2];
	fixed(c);
	char *t = ubc_format_json(c, 1);
	const char *want =
		"[\n"
		"  {\"ctid\": 101, \"resources\": {\n"
		"    \"physpages\": {\"held\": 2267, \"maxheld\": 2399, \"barrier\": 0, \"limit\": 9223372036854775807, \"failcnt\": 0},\n"
		"    \"swappages\": {\"held\": 0, \"maxheld\": null, \"barrier\": 0, \"limit\": 0, \"failcnt\": 3},\n"
		"    \"numproc\": {\"held\": 20, \"maxheld\": 26, \"barrier\": 65, \"limit\": 65, \"failcnt\": 0},\n"
		"    \"cputime\": {\"held\": 1500, \"maxheld\": 1500, \"barrier\": 0, \"limit\": 50, \"failcnt\": 7},\n"
		"    \"iobytes\": {\"held\": 4096, \"maxheld\": 4096, \"barrier\": 0, \"limit\": 9223372036854775807, \"failcnt\": null},\n"
		"    \"ioops\": {\"held\": 1, \"maxheld\": 1, \"barrier\": 0, \"limit\": 9223372036854775807, \"failcnt\": null}\n"
		"  }}\n"
		"]\n";
	assert_string_equal(t, want);
	free(t);
	t = ubc_format_json(c, 0);
	assert_string_equal(t, "[]\n");
	free(t);
	t = ubc_format_json(c, 2);
	assert_non_null(strstr(t, "}},\n  {\"ctid\": 2147483647, "));
	free(t);
}

static void test_fields(void **state)
{
	(void)state;
	enum cg_res r;
	enum ubc_col c;
	assert_true(ubc_field_parse("physpages", &r, &c));
	assert_int_equal(r, CG_RES_PHYSPAGES);
	assert_int_equal(c, UBC_HELD);
	assert_true(ubc_field_parse("physpages.f", &r, &c));
	assert_int_equal(c, UBC_FAILCNT);
	assert_true(ubc_field_parse("swappages.m", &r, &c));
	assert_int_equal(r, CG_RES_SWAPPAGES);
	assert_int_equal(c, UBC_MAXHELD);
	assert_true(ubc_field_parse("numproc.l", &r, &c));
	assert_int_equal(r, CG_RES_NUMPROC);
	assert_int_equal(c, UBC_LIMIT);
	assert_true(ubc_field_parse("numproc.b", &r, &c));
	assert_int_equal(c, UBC_BARRIER);
	assert_true(ubc_field_parse("iobytes.l", &r, &c));
	assert_false(ubc_field_parse("physpages.x", &r, &c));
	assert_false(ubc_field_parse("physpages.ff", &r, &c));
	assert_false(ubc_field_parse("physpage", &r, &c));
	assert_false(ubc_field_parse("kmemsize", &r, &c));
	char buf[32];
	ubc_value_str(NA, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	ubc_value_str(UNL, buf, sizeof(buf));
	assert_string_equal(buf, "9223372036854775807");
	assert_string_equal(cg_res_name(CG_RES_IOOPS), "ioops");
}

/* ubc_collect over 40 containers as ubc walks them: the 18 with a state file whose init lives
 * and a cgroup, each with its own counters; one whose init is gone, none, or a cgroup gone are not
 * running. A control file larger than the one-read buffer is read whole. */
static void test_collect_many(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	mkfile("self", "0::/\n");
	char run[300];
	snprintf(run, sizeof(run), "%s/run", tmp);
	assert_int_equal(mkdir_p(run, 0755), 0);
	struct gconf g = {.run_dir = run};
	unsigned long long me;
	assert_int_equal(proc_starttime(getpid(), &me), 0);
	for (unsigned i = 0; i < 40; i++) {
		unsigned id = 101 + i;
		char f[300], v[64];
		snprintf(v, sizeof(v), "%u\n", id);
		snprintf(f, sizeof(f), "cg/cellctl/%u/pids.current", id);
		mkfile(f, v);
		snprintf(f, sizeof(f), "cg/cellctl/%u/memory.current", id);
		mkfile(f, "40960\n");
		if (i % 2)
			continue; /* no state: not running */
		struct ct_state st = {.monitor_pid = getpid(), .monitor_start = me, .init_pid = getpid(),
				      .init_start = me + (i == 10), .boots = 1}; /* 111: its init is gone */
		resolve_started(NULL, id, &st.cg);
		assert_int_equal(state_write(&g, id, &st), 0);
	}
	/* 113's cgroup is gone */
	char gone[300];
	snprintf(gone, sizeof(gone), "%s/cg/cellctl/113", tmp);
	rm_rf(gone);
	/* 115's io.stat is larger than a page: 300 devices */
	_cleanup_free_ char *io = xstrdup("");
	for (unsigned k = 0; k < 300; k++) {
		char *more = xasprintf("%s%u:%u rbytes=10 wbytes=1 rios=1 wios=0 dbytes=0 dios=0\n", io, 8, k);
		free(io);
		io = more;
	}
	assert_true(strlen(io) > 8192);
	mkfile("cg/cellctl/115/io.stat", io);

	unsigned n = 0;
	for (unsigned i = 0; i < 40; i++) {
		unsigned id = 101 + i;
		struct ubc_ct one;
		cerr_clear();
		int r = ubc_collect(&g, id, &one);
		if (i % 2 || id == 111 || id == 113) {
			assert_int_equal(r, -ESRCH);
			assert_int_equal(cerr_exit(), EX_NOTRUNNING);
			continue;
		}
		assert_int_equal(r, 0);
		n++;
		assert_int_equal(one.ctid, id);
		assert_int_equal(one.st[CG_RES_NUMPROC].held, id);
		assert_int_equal(one.st[CG_RES_PHYSPAGES].held, 10);
		assert_int_equal(one.st[CG_RES_IOBYTES].held, id == 115 ? 3300 : NA);
		assert_int_equal(one.st[CG_RES_IOOPS].held, id == 115 ? 300 : NA);
	}
	assert_int_equal(n, 18);
	cerr_clear();
}

/* The parents of the limit cgroups are opened once per process: each container's own directory
 * is still checked below it (another cgroup in its place, a symlink: not read), and a parent
 * removed and made again (the last stop, then a start) is opened again. */
static void test_parent_cache(void **state)
{
	(void)state;
	setenv("CELLCTL_CGROUP_MODE", "unified", 1);
	mkfile("self", "0::/\n");
	cg_stats_forget();
	mkfile("cg/cellctl/101/pids.current", "3\n");
	mkfile("cg/cellctl/102/pids.current", "4\n");
	struct cg_paths a, b;
	resolve_started(NULL, 101, &a);
	resolve_started(NULL, 102, &b);
	const struct cg_ops *ops = cg_backend(a.mode);
	struct cg_stat st[CG_RES_N];
	assert_int_equal(ops->stats(&a, st), 0);
	assert_int_equal(st[CG_RES_NUMPROC].held, 3);
	assert_int_equal(ops->stats(&b, st), 0);
	assert_int_equal(st[CG_RES_NUMPROC].held, 4);

	/* 101 made anew by someone else (another inode: made while the old one still exists): not
	 * the container's */
	char path[600], other[600];
	mkfile("cg/new101/pids.current", "99\n");
	snprintf(path, sizeof(path), "%s/cg/cellctl/101", tmp);
	snprintf(other, sizeof(other), "%s/cg/new101", tmp);
	rm_rf(path);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(ops->stats(&a, st), -ENOENT);

	/* a symlink in 102's place, to a directory with the recorded identity: not followed */
	snprintf(other, sizeof(other), "%s/cg/elsewhere", tmp);
	assert_int_equal(rename(path, other), 0);
	snprintf(path, sizeof(path), "%s/cg/cellctl/102", tmp);
	snprintf(other, sizeof(other), "%s/cg/moved102", tmp);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(ops->stats(&b, st), -ENOENT);

	/* the parent removed and made again, 102 started anew below it: read through the new parent */
	snprintf(path, sizeof(path), "%s/cg/cellctl", tmp);
	rm_rf(path);
	mkfile("cg/cellctl/102/pids.current", "5\n");
	resolve_started(NULL, 102, &b);
	assert_int_equal(ops->stats(&b, st), 0);
	assert_int_equal(st[CG_RES_NUMPROC].held, 5);
	cg_stats_forget();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stats_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_cache, setup, teardown),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_fields),
		cmocka_unit_test_setup_teardown(test_collect_many, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
