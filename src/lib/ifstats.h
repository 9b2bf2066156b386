/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ifstats: the traffic counters of a running container's interfaces, for list's fields: bytes
 * and packets each way (the host-side veth's counters), the packets the bandwidth shapers
 * dropped (shape.h) and those the anti-spoofing filter dropped (netlink.h), read from the kernel
 * in the caller's network namespace. "in" is traffic to the container, "out" from it, as in
 * rate_in / rate_out. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum ifstat_key {
	IFS_IN_BYTES,
	IFS_IN_PACKETS,
	IFS_IN_DROPS, /* dropped by the rate_in shaper */
	IFS_OUT_BYTES,
	IFS_OUT_PACKETS,
	IFS_OUT_DROPS,   /* dropped by the rate_out shaper */
	IFS_SPOOF_DROPS, /* dropped by the anti-spoofing filter, every reason */
	IFS_N
};
/* "in_bytes", "in_packets", "in_drops", "out_bytes", "out_packets", "out_drops", "spoof_drops" */
extern const char *const ifstat_names[IFS_N];

/* A field "KEY" (the sum over every interface) or "IF:KEY" (interface IF; ':' is never in an
 * interface name): true with *key and ifname ("" for the sum). Pure. */
bool ifstat_field_parse(const char *field, enum ifstat_key *key, char ifname[16]);

/* The counters of interface ifname of c, whose container is running (list sums them over the
 * interfaces itself). 0; -ENOENT when c has no such interface; -ENODEV when its host side is
 * missing; another -errno when the kernel cannot be asked (nothing recorded). */
int ifstat_read(const struct gconf *g, const struct ct_config *c, const char *ifname, uint64_t out[IFS_N]);
