/* SPDX-License-Identifier: GPL-2.0-or-later */
/* routed: the routed (venet-like) interface of a container, through libnl-3 (man cellctl.8,
 * "Routed networking"). Below ctops/ctset/spawn, beside netlink.c (whose veth, filter and
 * ownership operations it uses), above nlsock.
 *
 * A container with routed addresses ([venet] ipadd, c->venet) gets a veth pair without a bridge:
 * the guest side "venet0", the host side "venet<CTID>" (net_venet_resolve) carrying the
 * container's link group and alias (net_link_owner), so that stop removes it with the
 * bridged veths. For every address A:
 *  - a host route A/32 or A/128 dev venet<CTID> (gone with the link);
 *  - a proxy neighbour entry (NTF_PROXY: proxy ARP / proxy NDP) for A on every [network] uplink
 *    (these do not go with the link: routed_teardown and ipdel delete them, never one for an
 *    address the container was not given);
 *  - A on venet0 in the guest (IPv6 with IFA_F_NODAD), and the guest's default routes: IPv4
 *    "169.254.0.1 dev venet0 scope link" plus "default via 169.254.0.1", IPv6 "default via
 *    fe80::1 dev venet0".
 * The host side answers for the gateways itself: it carries 169.254.0.1/32 and fe80::1/64
 * (no DAD), rp_filter=1 and accept_ra=0; the anti-spoofing filter of antispoof.h is on its
 * ingress with the routed addresses and venet0's MAC as the only allowed sources.
 * Host requirements, checked before anything is made (cerr EX_NETDEV naming the sysctl):
 * net.ipv4.ip_forward = 1 (IPv4 addresses), net.ipv6.conf.all.forwarding = 1 (IPv6 addresses),
 * and net.ipv6.conf.UPLINK.proxy_ndp = 1 (or conf.all) for each uplink when there are IPv6
 * addresses; each uplink must exist. Sysctls are read and written through /proc/sys/net of the
 * caller's network namespace. Errors: negative errno with cerr (EX_NETDEV, EX_VETH, EX_BADIP). */
#pragma once
#include <sys/types.h>

#include "config.h"

/* Check the host's requirements for c's routed addresses (none: nothing to check). */
int routed_check_host(const struct gconf *g, const struct ct_config *c);
/* Make c's routed interface for the guest whose init is guest_pid (nothing without routed
 * addresses). On failure what it made is removed again. */
int routed_setup(const struct gconf *g, const struct ct_config *c, pid_t guest_pid);
/* Live set: apply the difference of the routed addresses between the running config oc and the
 * new one nc (the interface made or removed as the first address comes or the last goes). An
 * address removed stops passing the filter first, then loses its proxy entries, route and guest
 * address. */
int routed_change(const struct gconf *g, const struct ct_config *oc, const struct ct_config *nc, pid_t guest_pid);
/* Remove c's proxy entries (its routed addresses only) and its host side when it is ours (the
 * link group). Missing is fine; returns the first real error. */
int routed_teardown(const struct gconf *g, const struct ct_config *c);
