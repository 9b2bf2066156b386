/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink: bridged veth networking through libnl-3 (links, addresses, routes, the tc filter).
 * Names, MACs and addresses as text (and how they are derived) are in netaddr.h.
 *
 *  - Anti-spoofing: every host-side veth made here gets the filter of antispoof.h on its ingress
 *    (a clsact qdisc and a tc "bpf" filter at priority 1, direct action) before it is brought up,
 *    unless the interface opts out of both checks (mac_filter/ip_filter = no).
 *  - With a gateway outside every subnet of the interface, the guest gets an on-link route to the
 *    gateway first, so "--ipadd 10.0.0.5 --gw 10.0.0.1" works on a bridge.
 *
 * Errors: negative errno; user-facing failures are recorded with cerr() (EX_NETDEV, EX_VETH,
 * EX_BADIP, EX_BADVALUE). Every netlink request is logged at debug level.
 * Netlink operations work in the caller's network namespace unless they take a guest pid; those
 * open a socket inside /proc/PID/ns/net (setns there and straight back) and do all the work
 * through it, so the caller never stays in the guest's namespace. Not thread-safe (setns). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "antispoof.h"
#include "config.h"
#include "netaddr.h"

struct nlc;

/* ---- netlink, in the caller's network namespace ---- */

/* Host-side links made by net_setup_container/net_netif_up carry the link group (IFLA_GROUP,
 * "ip link show group N") NET_GROUP_BASE | CTID and the alias of their container (netaddr.h:
 * struct net_owner); the stale-link check, rollback, live changes and teardown act only on links
 * carrying both. */
uint32_t net_link_group(unsigned ctid);
void net_link_owner(const struct ct_config *c, struct net_owner *out);

/* Create bridge name when missing (with a fixed MAC derived from its name, so the bridge's MAC
 * does not move as ports come and go), bring it up, add address ("A/P", may be NULL) when not
 * present. cerr(EX_NETDEV) naming the bridge. */
int net_bridge_ensure(const char *name, const char *address);
/* May cellctl create this bridge: the default one ([network] bridge) or one listed in
 * [network] bridges? Any other bridge must exist: create and set refuse an interface on a missing
 * one (EX_BADVALUE, net_check_bridges), start refuses it (EX_NETDEV) and creates nothing. */
bool net_bridge_creatable(const struct gconf *g, const char *name);
/* Is bridge name there and up (IFF_UP; carrier is not asked: a bridge without ports has none)?
 * 1 yes; 0 missing or down; -EMEDIUMTYPE when name is not a bridge; other -errno (nothing
 * recorded). For boot, which waits for the bridges the host's network config makes. */
int net_bridge_ready(const char *name);

/* ---- inside the guest's network namespace (pid of a process in it) ---- */

/* lo up; then for each interface: up, its addresses (IPv6 with IFA_F_NODAD), the on-link route to
 * an off-subnet gateway, the default routes (gw, gw6; replaced when present). Idempotent: existing
 * addresses are kept, so it also applies a changed gateway live. cerr(EX_NETDEV/EX_BADIP). */
int net_guest_setup(pid_t guest_pid, const struct ct_netif *nifs, unsigned n);
/* Add / remove one address ("A[/P]") on ifname inside the guest (set --ipadd/--ipdel live).
 * add: an address already present is fine; del: a missing one is fine. A del without "/P"
 * removes the address with whatever prefix it has. */
int net_guest_addr_add(pid_t guest_pid, const char *ifname, const char *addr);
int net_guest_addr_del(pid_t guest_pid, const char *ifname, const char *addr);

/* ---- whole containers ---- */

/* Bring up every interface of c for the guest whose init is guest_pid: bridge (bridge_address
 * only for the default bridge), veth, guest-side configuration. On failure the host links it
 * created are deleted again. */
int net_setup_container(const struct gconf *g, const struct ct_config *c, pid_t guest_pid);
/* Live --netif_add: the same for c->netif[idx] only. */
int net_netif_up(const struct gconf *g, const struct ct_config *c, unsigned idx, pid_t guest_pid);
/* Live change of an interface that is in the running config oc (as oc->netif[oi]) and in the new
 * one nc (nc->netif[ni]): host name, host MAC, bridge (released when none), the guest side's MAC,
 * and the anti-spoofing filter, rebuilt from nc (its addresses, MAC, opt-outs) and replaced
 * atomically, keeping its counters. Addresses and routes are not touched here. */
int net_netif_change(const struct gconf *g, const struct ct_config *oc, unsigned oi, const struct ct_config *nc,
		     unsigned ni, pid_t guest_pid);
/* Live --netif_del: delete the host side of c->netif[idx] (the guest side goes with it). */
int net_netif_down(const struct gconf *g, const struct ct_config *c, unsigned idx);
/* Delete every host-side veth of c: all links of group net_link_group(ctid) in one request (one
 * batch in the kernel; this also catches interfaces renumbered or removed from the config since
 * start), then each interface's resolved host name (normally already gone). Missing is fine;
 * returns the first real error. */
int net_teardown_container(const struct gconf *g, const struct ct_config *c);

/* The drop counters of the anti-spoofing filter on host interface host_ifname (in the caller's
 * network namespace), by reason (antispoof.h). 1 when our filter is there, 0 when it is not
 * (counters all zero), -ENODEV when the interface is missing, other -errno on errors (no cerr). */
int net_spoof_counters(const char *host_ifname, uint64_t out[SPOOF_NREASONS]);

/* After a CRIU restore: the host side of each bridged interface, recreated by CRIU with a random
 * MAC and no group, gets its MAC, link group and alias back, and its anti-spoofing filter and rate
 * limits (as start gives them), once it is known to be the peer of the guest's interface in the
 * network namespace of init (the restored init's pid): a host link of that name that is not is
 * refused, untouched. cerr(EX_VETH/EX_NETDEV). */
int net_adopt_restored(const struct gconf *g, const struct ct_config *c, pid_t init);

/* ---- for routed.c (the routed interface): the operations above, on its socket hc ---- */

/* The veth pair res->host_ifname <-> res->ifname (MACs of res, no bridge), the host side c's
 * (its link group and alias: net_link_owner) and left down, the guest side in the netns of
 * guest_pid. cerr(EX_VETH). */
int net_veth_add_down(struct nlc *hc, const struct ct_config *c, const struct net_ifres *res, pid_t guest_pid);
/* Install or atomically replace the anti-spoofing filter of n (its addresses, res->mac) on
 * res->host_ifname's ingress. cerr(EX_NETDEV/EX_VETH). */
int net_spoof_set(struct nlc *hc, const struct ct_netif *n, const struct net_ifres *res);
/* Delete host link name only when it is c's (its link group and alias). */
void net_link_del_ours(struct nlc *hc, const char *name, const struct ct_config *c);

/* create and set: every bridge c uses must exist now (and be a bridge), unless cellctl may create
 * it (net_bridge_creatable); cerr EX_BADVALUE naming it. (start refuses such a bridge too, when
 * it comes to it: EX_NETDEV.) */
int net_check_bridges(const struct gconf *g, const struct ct_config *c);
