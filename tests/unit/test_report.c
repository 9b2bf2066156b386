/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c: thresholds and exit status, ordering, the failure-delta state file (missing, corrupt,
 * round trip, counter resets), and the text / JSON / Prometheus renderings against fixed input.
 * Also the soft:hard parsing of --diskspace / --diskinodes. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "report.h"
#include "util.h"

#define N REP_NONE

static struct rep_ct ct_stopped(unsigned id, uint64_t used, uint64_t soft, uint64_t hard)
{
	struct rep_ct c;
	memset(&c, 0, sizeof(c));
	c.ctid = id;
	c.disk_known = true;
	c.disk_enforced = true;
	c.disk_from_quota = true;
	c.disk_used_kb = used;
	c.disk_soft_kb = soft;
	c.disk_hard_kb = hard;
	c.ino_used = 100;
	c.ino_soft = c.ino_hard = N;
	c.mem = c.swap = c.nproc = (struct rep_res){N, N, N};
	c.cpu_usec = c.io_bytes = N;
	return c;
}

static struct rep_ct ct_running(unsigned id, uint64_t np, uint64_t nplim, uint64_t npfail)
{
	struct rep_ct c = ct_stopped(id, 2048, N, N);
	c.running = true;
	c.mem = (struct rep_res){64ull << 20, 256ull << 20, 0};
	c.swap = (struct rep_res){0, N, 0};
	c.nproc = (struct rep_res){np, nplim, npfail};
	c.cpu_usec = 1500000;
	c.io_bytes = 10ull << 20;
	c.nnet = 1;
	snprintf(c.net[0].ifname, sizeof(c.net[0].ifname), "eth0");
	for (int k = 0; k < IFS_N; k++)
		c.net[0].v[k] = 1000 + (uint64_t)k;
	return c;
}

/* ---- thresholds ---- */

static void test_levels(void **state)
{
	(void)state;
	struct rep_opts o = {.warn = 90, .crit = -1};
	struct rep_ct c[4] = {ct_stopped(101, 1000, 10000, 20000), ct_stopped(102, 9000, 10000, 20000),
			      ct_stopped(103, 12000, 10000, 20000), ct_stopped(104, 20000, 10000, 20000)};
	assert_int_equal(report_evaluate(c, 1, &o), 0);
	assert_int_equal(c[0].level, REP_OK);
	assert_int_equal(c[0].worst, REP_P_DISK);
	assert_true(c[0].pct[REP_P_DISK] > 9.99 && c[0].pct[REP_P_DISK] < 10.01);
	assert_true(c[0].pct[REP_P_INODES] < 0); /* unlimited: no percentage */
	/* exactly at warn (90% of the soft limit) */
	assert_int_equal(report_evaluate(c, 2, &o), 1);
	assert_int_equal(c[1].level, REP_WARN);
	/* over soft, under hard: warn only while no --crit */
	assert_int_equal(report_evaluate(c, 3, &o), 1);
	assert_int_equal(c[2].level, REP_WARN);
	/* at the hard limit: crit */
	assert_int_equal(report_evaluate(c, 4, &o), 2);
	assert_int_equal(c[3].level, REP_CRIT);
	/* --crit 110: 120% of soft is crit */
	o.crit = 110;
	assert_int_equal(report_evaluate(c, 3, &o), 2);
	assert_int_equal(c[2].level, REP_CRIT);
	assert_int_equal(c[1].level, REP_WARN);
	/* --warn 95: 90% is fine */
	o = (struct rep_opts){.warn = 95, .crit = -1};
	assert_int_equal(report_evaluate(c, 2, &o), 0);
	/* hard limit only: the percentage is of the hard limit, and reaching it is crit */
	struct rep_ct h = ct_stopped(105, 500, N, 1000);
	assert_int_equal(report_evaluate(&h, 1, &o), 0);
	assert_true(h.pct[REP_P_DISK] > 49.9 && h.pct[REP_P_DISK] < 50.1);
	h.ino_used = 1200;
	h.ino_soft = 1000;
	h.ino_hard = 1200;
	assert_int_equal(report_evaluate(&h, 1, &o), 2);
	assert_int_equal(h.worst, REP_P_INODES);
	/* numproc at its limit (running): warn; a risen failcnt alone: warn */
	struct rep_ct r[2] = {ct_running(201, 64, 64, 0), ct_running(202, 3, 64, 7)};
	assert_int_equal(report_evaluate(r, 2, &o), 1);
	assert_int_equal(r[0].level, REP_WARN);
	assert_int_equal(r[0].worst, REP_P_NPROC);
	assert_int_equal(r[1].level, REP_OK);
	r[1].has_deltas = true;
	r[1].fail_delta[REP_F_NUMPROC] = 2;
	assert_int_equal(report_evaluate(r + 1, 1, &o), 1);
	assert_int_equal(r[1].level, REP_WARN);
	/* nothing at all */
	assert_int_equal(report_evaluate(NULL, 0, &o), 0);
}

/* A full container stops a little short of its hard block limit (the filesystem refuses the
 * write that would cross it): seen in the VM at 50M of 40M:50M reported as WARN, not CRIT. */
static void test_disk_full_just_below_hard(void **state)
{
	(void)state;
	struct rep_opts o = {.warn = 90, .crit = -1};
	struct rep_ct c[3] = {ct_stopped(301, 51200 - 24, 40960, 51200), ct_stopped(302, 51200 - 600, 40960, 51200),
			      ct_stopped(303, 97, 50, 100)};
	assert_int_equal(report_evaluate(c, 1, &o), 2); /* 24 KiB short of the hard limit: full */
	assert_int_equal(c[0].level, REP_CRIT);
	assert_int_equal(report_evaluate(c + 1, 1, &o), 1); /* 600 KiB short (>1%): over soft only */
	assert_int_equal(c[1].level, REP_WARN);
	assert_int_equal(report_evaluate(c + 2, 1, &o), 2); /* tiny limits: one 4 KiB block of slack */
	assert_int_equal(c[2].level, REP_CRIT);
	c[2].disk_used_kb = 60; /* over soft, far from hard */
	assert_int_equal(report_evaluate(c + 2, 1, &o), 1);
	assert_int_equal(c[2].level, REP_WARN);
}

static void test_sort(void **state)
{
	(void)state;
	struct rep_opts o = {.warn = 90, .crit = -1};
	struct rep_ct c[5] = {ct_stopped(101, 1000, 10000, 20000), ct_stopped(102, 9500, 10000, 20000),
			      ct_stopped(103, 5000, 10000, 20000), ct_stopped(104, 20000, 10000, 20000),
			      ct_stopped(100 + 5, 5000, 10000, 20000)};
	report_evaluate(c, 5, &o);
	report_sort(c, 5);
	unsigned want[5] = {104, 102, 103, 105, 101}; /* crit, warn, then by percentage, then CTID */
	for (int i = 0; i < 5; i++)
		assert_int_equal(c[i].ctid, want[i]);
}

/* ---- state file ---- */

static void test_state_parse(void **state)
{
	(void)state;
	struct rep_state st;
	report_state_parse("# cellctl quota-report state 1\n101 numproc 5\n101 physpages 2\n102 swappages 0\n", &st);
	assert_int_equal(st.status, REP_STATE_OK);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.e[0].ctid, 101);
	assert_int_equal(st.e[0].f[REP_F_NUMPROC], 5);
	assert_int_equal(st.e[0].f[REP_F_PHYSPAGES], 2);
	report_state_free(&st);
	report_state_parse("# cellctl quota-report state 1\n", &st); /* empty: fine */
	assert_int_equal(st.status, REP_STATE_OK);
	assert_int_equal(st.n, 0);
	static const char *bad[] = {
		"",
		"garbage\n",
		"# cellctl quota-report state 2\n101 numproc 5\n", /* unknown version */
		"# cellctl quota-report state 1\n101 numproc five\n",
		"# cellctl quota-report state 1\n101 numproc -1\n",
		"# cellctl quota-report state 1\n101 kmemsize 1\n",
		"# cellctl quota-report state 1\n5 numproc 1\n", /* not a CTID */
		"# cellctl quota-report state 1\n101 numproc 1 extra\n",
		"# cellctl quota-report state 1\n101 numproc 1\n102 numpr", /* torn */
		"\177ELF\x01\x01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		report_state_parse(bad[i], &st);
		assert_int_equal(st.status, REP_STATE_CORRUPT);
		assert_int_equal(st.n, 0);
		assert_null(st.e);
	}
	report_state_parse(NULL, &st);
	assert_int_equal(st.status, REP_STATE_CORRUPT);
}

static void test_state_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/cellctl-test-report.XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *path = xasprintf("%s/state", dir);
	struct rep_state st;
	report_state_load(path, &st); /* missing */
	assert_int_equal(st.status, REP_STATE_MISSING);
	assert_int_equal(st.n, 0);
	assert_int_equal(write_file_atomic(path, "junk\n", 5, 0600), 0);
	report_state_load(path, &st); /* corrupt */
	assert_int_equal(st.status, REP_STATE_CORRUPT);

	/* first run (corrupt state): no deltas; the new state round-trips */
	struct rep_ct c[3] = {ct_running(101, 5, 64, 3), ct_running(102, 1, 64, 0), ct_stopped(103, 1, N, N)};
	report_deltas(c, 3, &st);
	for (int i = 0; i < 3; i++)
		assert_false(c[i].has_deltas);
	_cleanup_free_ char *text = report_state_format(c, 3, &st);
	assert_string_equal(text, "# cellctl quota-report state 1\n"
				  "101 physpages 0\n101 swappages 0\n101 numproc 3\n"
				  "102 physpages 0\n102 swappages 0\n102 numproc 0\n");
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
	report_state_load(path, &st);
	assert_int_equal(st.status, REP_STATE_OK);
	assert_int_equal(st.n, 2);

	/* second run, nothing new: no deltas */
	report_deltas(c, 3, &st);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(c[i].has_deltas, true);
		for (int k = 0; k < REP_F_N; k++)
			assert_int_equal(c[i].fail_delta[k], 0);
	}
	/* numproc failcnt rose by 4 on 101; 102 restarted with a lower counter (a reset: all new);
	 * 104 was not there before (counts from 0) */
	c[0].nproc.failcnt = 7;
	c[1].mem.failcnt = 0;
	struct rep_ct more[4] = {c[0], c[1], c[2], ct_running(104, 1, 64, 2)};
	report_deltas(more, 4, &st);
	assert_int_equal(more[0].fail_delta[REP_F_NUMPROC], 4);
	assert_int_equal(more[0].fail_delta[REP_F_PHYSPAGES], 0);
	assert_int_equal(more[3].fail_delta[REP_F_NUMPROC], 2);
	struct rep_state reset;
	report_state_parse("# cellctl quota-report state 1\n102 numproc 9\n", &reset);
	more[1].nproc.failcnt = 3;
	report_deltas(more + 1, 1, &reset);
	assert_int_equal(more[1].fail_delta[REP_F_NUMPROC], 3);
	report_state_free(&reset);

	/* a run over only 104 keeps the other containers' entries */
	_cleanup_free_ char *t2 = report_state_format(more + 3, 1, &st);
	assert_non_null(strstr(t2, "101 numproc 3\n"));
	assert_non_null(strstr(t2, "102 numproc 0\n"));
	assert_non_null(strstr(t2, "104 numproc 2\n"));
	report_state_free(&st);
	unlink(path);
	rmdir(dir);
}

/* ---- renderings ---- */

static struct rep_ct fixture[3];
static struct rep_meta meta;

static void make_fixture(enum rep_state_status s)
{
	fixture[0] = ct_stopped(101, 1000, 10240, 20480);
	fixture[0].disk_enforced = false;
	fixture[0].disk_from_quota = false;
	snprintf(fixture[0].disk_reason, sizeof(fixture[0].disk_reason), "tmpfs at /x has no project quota support");
	fixture[1] = ct_stopped(102, 51200, 40960, 51200);
	fixture[1].ino_used = 1100;
	fixture[1].ino_soft = 1000;
	fixture[1].ino_hard = 1200;
	fixture[2] = ct_running(103, 64, 64, 5);
	meta = (struct rep_meta){.generated = 1700000000, .opts = {.warn = 90, .crit = -1}, .state = s};
	struct rep_state st;
	report_state_parse("# cellctl quota-report state 1\n103 numproc 2\n", &st);
	if (s != REP_STATE_OK)
		st.status = s;
	report_deltas(fixture, 3, &st);
	report_state_free(&st);
	meta.status = report_evaluate(fixture, 3, &meta.opts);
	report_sort(fixture, 3);
}

static void test_text(void **state)
{
	(void)state;
	make_fixture(REP_STATE_OK);
	assert_int_equal(meta.status, 2);
	_cleanup_free_ char *t = report_render(fixture, 3, &meta, REP_TEXT);
	const char *want =
		"cellctl quota-report: 3 containers, 1 critical, 1 warning (warn 90%, crit none)\n"
		"CTID  LEVEL  STATE             DISK  DISK%          INODES  INODE%       RAM  RAM%  SWAP  NPROC  NPROC%   CPU   IO  NOTES\n"
		" 102  CRIT   stopped    50M/40M:50M   125%  1100/1000:1200    110%         -     -     -      -       -     -    -  disk space at hard limit; inodes over soft limit\n"
		" 103  WARN   running             2M      -             100       -  64M/256M   25%     0  64/64    100%  1.5s  10M  numproc at 100% of its limit; numproc failcnt +3\n"
		" 101  ok     stopped  1000K/10M:20M     9%             100       -         -     -     -      -       -     -    -  disk quota not enforced\n"
		"new failures since the last run:\n"
		"  103 numproc failcnt +3\n";
	if (strcmp(t, want))
		print_message("got:\n%s", t);
	assert_string_equal(t, want);
	make_fixture(REP_STATE_MISSING);
	free(t);
	t = report_render(fixture, 3, &meta, REP_TEXT);
	assert_non_null(strstr(t, "failure deltas: none (no previous run recorded)\n"));
	assert_null(strstr(t, "failcnt +"));
	make_fixture(REP_STATE_CORRUPT);
	free(t);
	t = report_render(fixture, 3, &meta, REP_TEXT);
	assert_non_null(strstr(t, "state file was unreadable"));
	free(t);
	t = report_render(NULL, 0, &meta, REP_TEXT);
	assert_non_null(strstr(t, "0 containers"));
}

static void test_json(void **state)
{
	(void)state;
	make_fixture(REP_STATE_OK);
	_cleanup_free_ char *t = report_render(fixture, 3, &meta, REP_JSON);
	const char *want =
		"{\"version\": 1, \"generated\": 1700000000, \"warn_pct\": 90, \"crit_pct\": null, \"status\": 2, \"deltas\": \"ok\",\n"
		" \"containers\": [\n"
		"  {\"ctid\": 102, \"state\": \"stopped\", \"level\": \"crit\", \"worst_pct\": 125.00, \"worst\": \"diskspace\",\n"
		"   \"disk\": {\"enforced\": true, \"usage_from\": \"quota\", \"reason\": null,\n"
		"    \"blocks_kb\": {\"used\": 51200, \"soft\": 40960, \"hard\": 51200, \"percent\": 125.00},\n"
		"    \"inodes\": {\"used\": 1100, \"soft\": 1000, \"hard\": 1200, \"percent\": 110.00}},\n"
		"   \"memory_bytes\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"swap_bytes\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"numproc\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"cpu_usec\": null, \"io_bytes\": null,\n"
		"   \"net\": null,\n"
		"   \"new_failures\": {\"physpages\": 0, \"swappages\": 0, \"numproc\": 0},\n"
		"   \"notes\": [\"disk space at hard limit\", \"inodes over soft limit\"]},\n"
		"  {\"ctid\": 103, \"state\": \"running\", \"level\": \"warn\", \"worst_pct\": 100.00, \"worst\": \"numproc\",\n"
		"   \"disk\": {\"enforced\": true, \"usage_from\": \"quota\", \"reason\": null,\n"
		"    \"blocks_kb\": {\"used\": 2048, \"soft\": null, \"hard\": null, \"percent\": null},\n"
		"    \"inodes\": {\"used\": 100, \"soft\": null, \"hard\": null, \"percent\": null}},\n"
		"   \"memory_bytes\": {\"held\": 67108864, \"limit\": 268435456, \"failcnt\": 0, \"percent\": 25.00},\n"
		"   \"swap_bytes\": {\"held\": 0, \"limit\": null, \"failcnt\": 0, \"percent\": null},\n"
		"   \"numproc\": {\"held\": 64, \"limit\": 64, \"failcnt\": 5, \"percent\": 100.00},\n"
		"   \"cpu_usec\": 1500000, \"io_bytes\": 10485760,\n"
		"   \"net\": [{\"ifname\": \"eth0\", \"in_bytes\": 1000, \"in_packets\": 1001, \"in_drops\": 1002, "
		"\"out_bytes\": 1003, \"out_packets\": 1004, \"out_drops\": 1005, \"spoof_drops\": 1006}],\n"
		"   \"new_failures\": {\"physpages\": 0, \"swappages\": 0, \"numproc\": 3},\n"
		"   \"notes\": [\"numproc at 100% of its limit\", \"numproc failcnt +3\"]},\n"
		"  {\"ctid\": 101, \"state\": \"stopped\", \"level\": \"ok\", \"worst_pct\": 9.77, \"worst\": \"diskspace\",\n"
		"   \"disk\": {\"enforced\": false, \"usage_from\": \"walk\", \"reason\": \"tmpfs at /x has no project quota support\",\n"
		"    \"blocks_kb\": {\"used\": 1000, \"soft\": 10240, \"hard\": 20480, \"percent\": 9.77},\n"
		"    \"inodes\": {\"used\": 100, \"soft\": null, \"hard\": null, \"percent\": null}},\n"
		"   \"memory_bytes\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"swap_bytes\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"numproc\": {\"held\": null, \"limit\": null, \"failcnt\": null, \"percent\": null},\n"
		"   \"cpu_usec\": null, \"io_bytes\": null,\n"
		"   \"net\": null,\n"
		"   \"new_failures\": {\"physpages\": 0, \"swappages\": 0, \"numproc\": 0},\n"
		"   \"notes\": [\"disk quota not enforced\"]}\n"
		" ]}\n";
	if (strcmp(t, want))
		print_message("got:\n%s", t);
	assert_string_equal(t, want);
	free(t);
	make_fixture(REP_STATE_MISSING);
	t = report_render(fixture, 3, &meta, REP_JSON);
	assert_non_null(strstr(t, "\"deltas\": \"no-previous-state\""));
	assert_non_null(strstr(t, "\"new_failures\": null"));
	free(t);
	t = report_render(NULL, 0, &meta, REP_JSON);
	assert_non_null(strstr(t, "\"containers\": []}\n"));
}

static void test_prom(void **state)
{
	(void)state;
	make_fixture(REP_STATE_OK);
	_cleanup_free_ char *t = report_render(fixture, 3, &meta, REP_PROM);
	/* every sample line belongs to a family announced by HELP and TYPE just before, and has a
	 * ctid label */
	char family[128] = "";
	bool help = false, type = false;
	unsigned samples = 0;
	_cleanup_free_ char *copy = xstrdup(t);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		char name[128];
		if (sscanf(line, "# HELP %127s", name) == 1) {
			snprintf(family, sizeof(family), "%s", name);
			help = true;
			type = false;
			continue;
		}
		if (sscanf(line, "# TYPE %127s", name) == 1) {
			assert_string_equal(name, family);
			type = strstr(line, " gauge") || strstr(line, " counter");
			continue;
		}
		assert_true(help && type);
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		assert_int_equal(line[strlen(family)], '{');
		assert_non_null(strstr(line, "{ctid=\""));
		samples++;
	}
	assert_true(samples > 20);
	static const char *want[] = {
		"# TYPE cellctl_disk_used_bytes gauge\ncellctl_disk_used_bytes{ctid=\"102\"} 52428800\n"
		"cellctl_disk_used_bytes{ctid=\"103\"} 2097152\ncellctl_disk_used_bytes{ctid=\"101\"} 1024000\n",
		"# TYPE cellctl_disk_hard_limit_bytes gauge\ncellctl_disk_hard_limit_bytes{ctid=\"102\"} 52428800\n"
		"cellctl_disk_hard_limit_bytes{ctid=\"101\"} 20971520\n# HELP",
		"cellctl_disk_quota_enforced{ctid=\"101\"} 0\n",
		"cellctl_quota_level{ctid=\"102\"} 2\ncellctl_quota_level{ctid=\"103\"} 1\ncellctl_quota_level{ctid=\"101\"} 0\n",
		"# TYPE cellctl_numproc_failures_total counter\ncellctl_numproc_failures_total{ctid=\"103\"} 5\n# HELP",
		"cellctl_cpu_seconds_total{ctid=\"103\"} 1.500000\n",
		"cellctl_memory_limit_bytes{ctid=\"103\"} 268435456\n",
		"# TYPE cellctl_swap_limit_bytes gauge\n# HELP", /* unlimited: no sample */
		"cellctl_new_failures{ctid=\"103\",resource=\"numproc\"} 3\n",
		"# TYPE cellctl_net_in_bytes_total counter\ncellctl_net_in_bytes_total{ctid=\"103\",ifname=\"eth0\"} 1000\n# HELP",
		"cellctl_net_out_drops_total{ctid=\"103\",ifname=\"eth0\"} 1005\n",
		"cellctl_net_spoof_drops_total{ctid=\"103\",ifname=\"eth0\"} 1006\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(t, want[i]))
			print_message("missing:\n%s\nin:\n%s", want[i], t);
		assert_non_null(strstr(t, want[i]));
	}
}

static void test_format_parse(void **state)
{
	(void)state;
	enum rep_format f;
	assert_int_equal(report_format_parse("text", &f), 0);
	assert_int_equal(f, REP_TEXT);
	assert_int_equal(report_format_parse("json", &f), 0);
	assert_int_equal(f, REP_JSON);
	assert_int_equal(report_format_parse("prom", &f), 0);
	assert_int_equal(f, REP_PROM);
	assert_int_equal(report_format_parse("xml", &f), -EINVAL);
	assert_int_equal(report_format_parse("", &f), -EINVAL);
	assert_int_equal(report_format_parse("JSON", &f), -EINVAL);
}

/* --diskspace / --diskinodes soft[:hard], through the parameter table the CLI uses. */
static void test_soft_hard(void **state)
{
	(void)state;
	struct gconf g = {.config_dir = UNCONST("/nonexistent"), .private_dir = UNCONST("/nonexistent")};
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(&g, 101, NULL, &c), 0);
	const struct param *ds = param_find("diskspace"), *di = param_find("diskinodes");
	assert_non_null(ds);
	assert_non_null(di);
	assert_int_equal(param_set(c, ds, "40M:50M"), 0);
	assert_int_equal(c->diskspace_soft, 40ull << 20);
	assert_int_equal(c->diskspace_hard, 50ull << 20);
	assert_int_equal(param_set(c, ds, "1G"), 0); /* one value: both */
	assert_int_equal(c->diskspace_soft, 1ull << 30);
	assert_int_equal(c->diskspace_hard, 1ull << 30);
	assert_int_equal(param_set(c, ds, "100"), 0); /* bare number: KB, as vzctl */
	assert_int_equal(c->diskspace_soft, 100 * 1024);
	assert_int_equal(param_set(c, ds, "unlimited"), 0);
	assert_int_equal(c->diskspace_soft, SIZE_UNLIMITED);
	assert_int_equal(param_set(c, di, "1000:1200"), 0);
	assert_int_equal(c->diskinodes_soft, 1000);
	assert_int_equal(c->diskinodes_hard, 1200);
	static const char *bad[] = {"50M:40M", "-5M", "5M:-1", "abc", "1200:1000x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cerr_clear();
		assert_true(param_set(c, ds, bad[i]) < 0);
		assert_int_equal(cerr_exit(), EX_BADVALUE);
	}
	cerr_clear();
	assert_true(param_set(c, di, "1200:1000") < 0);
	assert_int_equal(c->diskinodes_soft, 1000); /* unchanged */
	cerr_clear();
	ctconf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),	     cmocka_unit_test(test_disk_full_just_below_hard),	     cmocka_unit_test(test_sort),   cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_state_files),  cmocka_unit_test(test_text),   cmocka_unit_test(test_json),
		cmocka_unit_test(test_prom),	     cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_soft_hard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
