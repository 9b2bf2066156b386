/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysview.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* A host's sysinfo field in bytes (mem_unit is 1 on 64-bit hosts, larger on 32-bit ones). */
static uint64_t host_bytes(unsigned long v, unsigned unit)
{
	uint64_t u = unit ? unit : 1;
	if (v && u > UINT64_MAX / v)
		return UINT64_MAX;
	return (uint64_t)v * u;
}

static unsigned long to_ul(uint64_t v)
{
	return v > (uint64_t)(unsigned long)-1 ? (unsigned long)-1 : (unsigned long)v;
}

int sysview_compute(const struct sysview_in *in, struct sysinfo *out)
{
	if (in->mem_usage == SV_NONE)
		return -ENODATA;
	const struct sysinfo *h = &in->host;
	memset(out, 0, sizeof(*out));
	uint64_t total = host_bytes(h->totalram, h->mem_unit);
	if (in->mem_limit != SV_NONE)
		total = min_u64(total, in->mem_limit);
	uint64_t used = min_u64(in->mem_usage, total);
	out->totalram = to_ul(total);
	out->freeram = to_ul(total - used);
	out->sharedram = to_ul(in->shmem == SV_NONE ? 0 : min_u64(in->shmem, used));
	out->bufferram = 0;
	uint64_t hswap = host_bytes(h->totalswap, h->mem_unit);
	if (hswap && in->swap_usage != SV_NONE) {
		uint64_t stotal = in->swap_limit == SV_NONE ? hswap : min_u64(hswap, in->swap_limit);
		out->totalswap = to_ul(stotal);
		out->freeswap = to_ul(stotal - min_u64(in->swap_usage, stotal));
	}
	uint64_t procs = in->tasks == SV_NONE ? h->procs : in->tasks;
	out->procs = (unsigned short)min_u64(procs, 65535);
	out->uptime = (long)min_u64(in->uptime_s, (uint64_t)INT32_MAX);
	for (int i = 0; i < 3; i++)
		out->loads[i] = h->loads[i];
	out->totalhigh = out->freehigh = 0;
	out->mem_unit = 1;
	return 0;
}

uint64_t sysview_stat_key(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l;) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
			const char *s = l + kl + 1;
			if (*s < '0' || *s > '9')
				return SV_NONE;
			errno = 0;
			char *end;
			unsigned long long v = strtoull(s, &end, 10);
			if (errno || (*end && *end != '\n'))
				return SV_NONE;
			return v;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return SV_NONE;
}
