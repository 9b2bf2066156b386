/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ifstats: a container's interface counters; see ifstats.h. */
#include "ifstats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "antispoof.h"
#include "netaddr.h"
#include "netlink.h"
#include "shape.h"

const char *const ifstat_names[IFS_N] = {"in_bytes",    "in_packets", "in_drops",   "out_bytes",
					 "out_packets", "out_drops",  "spoof_drops"};

bool ifstat_field_parse(const char *field, enum ifstat_key *key, char ifname[16])
{
	const char *colon = strchr(field, ':'), *k = colon ? colon + 1 : field;
	ifname[0] = 0;
	if (colon) {
		size_t n = (size_t)(colon - field);
		if (n == 0 || n > 15)
			return false;
		memcpy(ifname, field, n);
		ifname[n] = 0;
		if (!net_valid_ifname(ifname))
			return false;
	}
	for (int i = 0; i < IFS_N; i++)
		if (!strcmp(k, ifstat_names[i])) {
			*key = (enum ifstat_key)i;
			return true;
		}
	return false;
}

/* Add the counters of host interface host_ifname to out. */
static int read_one(const char *host_ifname, uint64_t out[IFS_N])
{
	struct shape_stats s;
	int r = shape_read_stats(host_ifname, &s);
	if (r < 0)
		return r;
	uint64_t spoof[SPOOF_NREASONS];
	r = net_spoof_counters(host_ifname, spoof);
	if (r < 0)
		return r;
	out[IFS_IN_BYTES] += s.in_bytes;
	out[IFS_IN_PACKETS] += s.in_packets;
	out[IFS_IN_DROPS] += s.in_drops;
	out[IFS_OUT_BYTES] += s.out_bytes;
	out[IFS_OUT_PACKETS] += s.out_packets;
	out[IFS_OUT_DROPS] += s.out_drops;
	for (int i = 0; i < SPOOF_NREASONS; i++)
		out[IFS_SPOOF_DROPS] += spoof[i];
	return 0;
}

int ifstat_read(const struct gconf *g, const struct ct_config *c, const char *ifname, uint64_t out[IFS_N])
{
	memset(out, 0, IFS_N * sizeof(uint64_t));
	for (unsigned i = 0; i < c->nnetif; i++) {
		if (strcmp(c->netif[i].ifname, ifname))
			continue;
		struct net_ifres res;
		int r = net_resolve_netif(g, c, i, &res);
		return r < 0 ? r : read_one(res.host_ifname, out);
	}
	return -ENOENT;
}
