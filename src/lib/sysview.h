/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's sysinfo(2) (pure): the answer the monitor gives a guest's sysinfo call, computed
 * from the container's cgroup counters and the host's own sysinfo. See sysnotif.h for the part
 * that talks to the kernel. */
#pragma once
#include <stdint.h>
#include <sys/sysinfo.h>

/* A counter that could not be read (or "max": no limit). */
#define SV_NONE UINT64_MAX

/* What the answer is computed from: bytes, SV_NONE when unknown or unlimited. */
struct sysview_in {
	uint64_t mem_limit;  /* memory.max / memory.limit_in_bytes */
	uint64_t mem_usage;  /* memory.current / memory.usage_in_bytes */
	uint64_t shmem;      /* memory.stat shmem (v1: total_shmem) */
	uint64_t swap_limit; /* memory.swap.max / memsw limit minus the memory limit */
	uint64_t swap_usage; /* memory.swap.current / memsw usage minus the memory usage */
	uint64_t tasks;      /* pids.current (threads), SV_NONE when the pids controller is off */
	uint64_t uptime_s;   /* seconds since the container's init started */
	struct sysinfo host; /* the host's sysinfo(2) */
};

/* The container's struct sysinfo (mem_unit 1): totalram = the memory limit, capped at the host's
 * RAM; freeram = totalram - usage (as lxcfs's MemFree); sharedram = shmem; bufferram 0 (lxcfs's
 * Buffers); totalswap = the swap limit capped at the host's swap (0 when the host has none or the
 * usage is unknown), freeswap = totalswap - swap usage; procs = the tasks (the host's when
 * unknown), capped at 65535; uptime; loads = the host's; totalhigh, freehigh 0. -ENODATA when the
 * memory usage is unknown (then the kernel's own answer is better than a made up one). */
int sysview_compute(const struct sysview_in *in, struct sysinfo *out);

/* The value of "KEY N" in a flat keyed file (memory.stat), SV_NONE when absent or not a number. */
uint64_t sysview_stat_key(const char *text, const char *key);
