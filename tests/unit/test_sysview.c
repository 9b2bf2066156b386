/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's sysinfo(2) answer (sysview.c): the memory limit unlimited or above the host's
 * RAM, usage above the limit, swap cases, task counts, memory.stat parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "sysview.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

static struct sysview_in host16(void)
{
	struct sysview_in in;
	memset(&in, 0, sizeof(in));
	in.host.totalram = 16 * GiB;
	in.host.freeram = 3 * GiB;
	in.host.totalswap = 2 * GiB;
	in.host.freeswap = 1 * GiB;
	in.host.procs = 900;
	in.host.uptime = 864000;
	in.host.loads[0] = 65536;
	in.host.loads[1] = 2 * 65536;
	in.host.loads[2] = 3 * 65536;
	in.host.mem_unit = 1;
	in.mem_limit = 256 * MiB;
	in.mem_usage = 100 * MiB;
	in.shmem = 4 * MiB;
	in.swap_limit = SV_NONE;
	in.swap_usage = 0;
	in.tasks = 7;
	in.uptime_s = 42;
	return in;
}

static void limited(void **s)
{
	(void)s;
	struct sysview_in in = host16();
	struct sysinfo o;
	memset(&o, 0x55, sizeof(o));
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.mem_unit, 1);
	assert_int_equal(o.totalram, 256 * MiB);
	assert_int_equal(o.freeram, 156 * MiB);
	assert_int_equal(o.sharedram, 4 * MiB);
	assert_int_equal(o.bufferram, 0);
	assert_int_equal(o.procs, 7);
	assert_int_equal(o.uptime, 42);
	assert_int_equal(o.loads[0], 65536); /* the host's */
	assert_int_equal(o.loads[2], 3 * 65536);
	assert_int_equal(o.totalhigh, 0);
	assert_int_equal(o.freehigh, 0);
	/* swap unlimited: the host's swap size, none of it used by us */
	assert_int_equal(o.totalswap, 2 * GiB);
	assert_int_equal(o.freeswap, 2 * GiB);
}

static void unlimited_and_oversized(void **s)
{
	(void)s;
	struct sysview_in in = host16();
	struct sysinfo o;
	in.mem_limit = SV_NONE; /* "max" */
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalram, 16 * GiB);
	assert_int_equal(o.freeram, 16 * GiB - 100 * MiB);
	in.mem_limit = 64 * GiB; /* more than the host has */
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalram, 16 * GiB);
	/* a host reporting in pages (mem_unit 4096, as 32-bit kernels do) */
	in.host.totalram = 4 * 1024 * 1024;
	in.host.totalswap = 0;
	in.host.mem_unit = 4096;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalram, 16 * GiB);
	assert_int_equal(o.mem_unit, 1);
}

static void usage_over_limit(void **s)
{
	(void)s;
	struct sysview_in in = host16();
	struct sysinfo o;
	in.mem_usage = 300 * MiB; /* the kernel lets usage pass the limit briefly */
	in.shmem = 400 * MiB;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalram, 256 * MiB);
	assert_int_equal(o.freeram, 0);
	assert_int_equal(o.sharedram, 256 * MiB);
	in.mem_usage = SV_NONE; /* unknown: the kernel answers */
	assert_int_equal(sysview_compute(&in, &o), -ENODATA);
}

static void swap(void **s)
{
	(void)s;
	struct sysview_in in = host16();
	struct sysinfo o;
	in.swap_limit = 512 * MiB;
	in.swap_usage = 100 * MiB;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalswap, 512 * MiB);
	assert_int_equal(o.freeswap, 412 * MiB);
	in.swap_limit = 0; /* --swap 0 */
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalswap, 0);
	assert_int_equal(o.freeswap, 0);
	in.swap_limit = 8 * GiB; /* more than the host's swap */
	in.swap_usage = 3 * GiB;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalswap, 2 * GiB);
	assert_int_equal(o.freeswap, 0);
	in.swap_usage = SV_NONE; /* no swap accounting */
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalswap, 0);
	in = host16();
	in.host.totalswap = 0; /* a host without swap */
	in.swap_limit = 512 * MiB;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.totalswap, 0);
	assert_int_equal(o.freeswap, 0);
}

static void tasks(void **s)
{
	(void)s;
	struct sysview_in in = host16();
	struct sysinfo o;
	in.tasks = 100000;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.procs, 65535);
	in.tasks = SV_NONE; /* no pids controller: the host's count */
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.procs, 900);
	in.shmem = SV_NONE;
	assert_int_equal(sysview_compute(&in, &o), 0);
	assert_int_equal(o.sharedram, 0);
}

static void stat_key(void **s)
{
	(void)s;
	const char *v2 = "anon 1234\nfile 5678\nkernel 1\nshmem 4096\nfile_mapped 2\nshmem_thp 0\n";
	assert_int_equal(sysview_stat_key(v2, "shmem"), 4096);
	assert_int_equal(sysview_stat_key(v2, "file"), 5678);
	assert_int_equal(sysview_stat_key(v2, "anon"), 1234);
	assert_int_equal(sysview_stat_key(v2, "shmem_thp"), 0);
	assert_int_equal(sysview_stat_key(v2, "total_shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key(v2, "file_m"), SV_NONE);
	const char *v1 = "cache 8192\nshmem 0\ntotal_cache 16384\ntotal_shmem 12288";
	assert_int_equal(sysview_stat_key(v1, "total_shmem"), 12288);
	assert_int_equal(sysview_stat_key(v1, "cache"), 8192);
	/* malformed values are unknown, not zero */
	assert_int_equal(sysview_stat_key("shmem -1\n", "shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key("shmem 12x\n", "shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key("shmem \n", "shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key("shmem 99999999999999999999999\n", "shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key("", "shmem"), SV_NONE);
	assert_int_equal(sysview_stat_key("shmem", "shmem"), SV_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limited),
		cmocka_unit_test(unlimited_and_oversized),
		cmocka_unit_test(usage_over_limit),
		cmocka_unit_test(swap),
		cmocka_unit_test(tasks),
		cmocka_unit_test(stat_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
