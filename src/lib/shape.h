/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shape: the bandwidth limits of a container interface ([netif.X] rate_in / rate_out), as tc
 * objects on the host-side end of its veth, made through libnl-route (part of the netlink layer:
 * netlink.c calls it with its socket; nothing else but the counters is for the layers above).
 *
 *  - rate_in (traffic to the container, its download) leaves the host through the host-side
 *    veth: a TBF root qdisc (handle SHAPE_HANDLE) on that veth shapes it.
 *  - rate_out (traffic from the container, its upload) enters the host on the veth's ingress,
 *    where no qdisc can queue. A u32 match-all filter (priority SHAPE_PRIO, terminal) on the
 *    veth's clsact ingress redirects every frame (mirred egress redirect, verdict stolen) to an
 *    IFB device, "cifb<veth ifindex>" (net_ifb_name), whose TBF root qdisc shapes it; the IFB
 *    hands the frames back to the veth's receive path. The anti-spoofing filter (priority 1,
 *    netlink.h) runs before the redirect: a spoofed frame is dropped before it is shaped. The IFB
 *    is the container's (its link group and alias, netaddr.h: struct net_owner), so stop's teardown
 *    deletes it with the veths; net_netif_down deletes it by name.
 *  - A shaper, not a policer: TCP reaches the rate instead of collapsing on drops (libnl-route
 *    has no police action, and some kernels have no act_police anyway).
 *
 * Changing a rate replaces the TBF's parameters in place (NLM_F_REPLACE on the same handle: no
 * new qdisc, the queue is kept). Errors: negative errno with cerr(EX_NETDEV) naming the
 * interface; a failed change leaves the previous limit in force. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "nlsock.h"

#define SHAPE_HANDLE 0xc5110000u /* the TBF's handle, c511: (on the veth and on the IFB) */
#define SHAPE_PRIO 2u            /* the redirect filter's priority: after the anti-spoofing one */
#define SHAPE_MIN_BURST 131072u  /* bytes: two 64 KiB GSO packets */

/* The TBF parameters for rate bps (bits/s, > 0) on a device of MTU mtu. Pure.
 *  - rate: bps / 8 bytes a second (the TBF counts whole frames, Ethernet header included: a TCP
 *    stream's payload gets about 95% of it at MTU 1500).
 *  - burst (bucket): 10 ms of the rate, at least SHAPE_MIN_BURST and two full frames. Large
 *    enough that timer granularity and GSO bursts do not cost throughput, and that every packet
 *    fits in it: the TBF sends the packet at the head of its queue only when the bucket holds
 *    its size, so a live decrease to a bucket smaller than a (GSO, up to 64 KiB plus headers)
 *    packet queued under the old one would stall the queue for good. A full bucket lets one
 *    burst through at line rate after an idle spell; under sustained load the rate holds
 *    (10 ms of burst is 0.2% of a 5 s window).
 *  - limit (queue in bytes): 50 ms of the rate plus the burst, at least 64 KiB: TCP keeps the
 *    link busy while its window adapts instead of losing packets to a tiny queue. */
struct shape_tbf {
	uint32_t rate;  /* bytes a second */
	uint32_t burst; /* bytes */
	uint32_t limit; /* bytes */
};
void shape_tbf_params(uint64_t bps, unsigned mtu, struct shape_tbf *out);

/* Make the shaping of the host-side veth ifindex (called ifname, owned by o) what rate_in and
 * rate_out (bits/s, 0 = none) say: add, change in place or remove the TBF on the veth, and the
 * IFB (made o's) with its TBF and the redirect filter. An IFB of that name that is not o's is an
 * error (EX_NETDEV), left alone. Idempotent. */
int shape_apply(struct nlc *c, int ifindex, const char *ifname, const struct net_owner *o, uint64_t rate_in,
		uint64_t rate_out);

/* Delete the IFB of the host-side veth ifindex when there is one owned by o (before the veth goes:
 * net_netif_down). Missing, or not o's, is fine (0: left alone). */
int shape_ifb_del(struct nlc *c, int ifindex, const struct net_owner *o);

/* The traffic of one host-side veth and its shapers' drops, from the kernel's counters. */
struct shape_stats {
	uint64_t in_bytes, in_packets;   /* to the container: the veth's transmit counters */
	uint64_t out_bytes, out_packets; /* from the container: the veth's receive counters */
	bool in_on, out_on;              /* a TBF is there (rate_in / rate_out) */
	uint64_t in_drops, out_drops;    /* packets the TBFs dropped (queue full) */
};
/* Read them for the host-side veth host_ifname (caller's network namespace). 0, -ENODEV when the
 * veth is missing, other -errno (nothing recorded). */
int shape_read_stats(const char *host_ifname, struct shape_stats *out);
