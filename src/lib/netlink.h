/* netlink: bridged veth networking through libnl-3 (links, addresses, routes), plus the pure
 * helpers the config layer and the unit tests use (names, MACs, address parsing).
 *
 * Naming and derivation (stable contract, see man/cellctl.8):
 *  - host-side interface of interface number IDX (its position in the config, 0..15) of container
 *    CTID: "veth<CTID>.<IDX>" when that fits in 15 characters (IFNAMSIZ-1); otherwise
 *    "vz<CTID in lowercase base 36>.<IDX>" (at most 2+6+1+2 = 11 characters, since
 *    2147483647 = "zik0zj"). The two forms cannot collide: one starts with "veth", the other with
 *    "vz"; within each form the number and the index are written unambiguously.
 *  - MACs: the first bytes of FNV-1a-64 over a domain tag ("guest"/"host"), the 16 bytes of the
 *    container UUID and IDX. Guest MAC: locally administered, unicast, first byte never 0xfe.
 *    Host MAC: first byte 0xfe, so a bridge with an uplink never adopts a container's MAC.
 *    A config without a UUID gets MACs derived the same way from the CTID (never random: the
 *    anti-spoofing filter must know the guest's MAC).
 *  - Anti-spoofing: every host-side veth made here gets the filter of antispoof.h on its ingress
 *    (a clsact qdisc and a tc "bpf" filter at priority 1, direct action) before it is brought up,
 *    unless the interface opts out of both checks (mac_filter/ip_filter = no).
 *  - An address without "/PREFIX" is a host address: /32 for IPv4, /128 for IPv6 (vzctl's
 *    --ipadd default). With a gateway outside every subnet of the interface, the guest gets an
 *    on-link route to the gateway first, so "--ipadd 10.0.0.5 --gw 10.0.0.1" works on a bridge.
 *
 * Errors: negative errno; user-facing failures are recorded with cerr() (EX_NETDEV, EX_VETH,
 * EX_BADIP, EX_BADVALUE, EX_IPINUSE). Every netlink request is logged at debug level.
 * Netlink operations work in the caller's network namespace unless they take a guest pid; those
 * open a socket inside /proc/PID/ns/net (setns there and straight back) and do all the work
 * through it, so the caller never stays in the guest's namespace. Not thread-safe (setns). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "antispoof.h"
#include "config.h"

/* ---- pure helpers ---- */

struct net_addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t bytes[16];   /* network order; 4 used for IPv4 */
	unsigned prefix;     /* 0..32 / 0..128 */
	bool has_prefix;     /* "/P" was given (else prefix is the full length) */
};

/* Host-side name for interface idx of ctid (see above). out holds at least 16 bytes.
 * -EINVAL for a CTID outside 101..2147483647 or idx >= MAX_NETIF. */
int net_host_ifname(unsigned ctid, unsigned idx, char out[16]);
/* MACs from the container UUID ("xxxxxxxx-xxxx-..."), as "aa:bb:cc:dd:ee:ff". -EINVAL on a bad UUID. */
int net_guest_mac(const char *uuid, unsigned idx, char out[18]);
int net_host_mac(const char *uuid, unsigned idx, char out[18]);
/* "A", "A/P" (IPv4 or IPv6). Strict: no spaces, decimal prefix without sign or leading zeros.
 * -EINVAL on bad syntax, -ERANGE on a prefix too long for the family. */
int net_parse_addr(const char *s, struct net_addr *out);
/* Text form "A/P" (or "A" when full-length and prefix was not given); buf >= 64 bytes. */
void net_format_addr(const struct net_addr *a, char *buf, size_t len);
/* Same family and same address bytes (prefix ignored). */
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
/* Is addr inside net/net->prefix (same family)? */
bool net_in_subnet(const struct net_addr *addr, const struct net_addr *net);
/* "aa:bb:cc:dd:ee:ff" (hex, either case), unicast and not all zero (the kernel refuses others). */
bool net_valid_mac(const char *s);
/* 1..15 printable ASCII characters, none of '/', ':', ',' or white space, not "." or "..". */
bool net_valid_ifname(const char *s);

/* The effective settings of c->netif[idx]: empty fields resolved (names from net_host_ifname,
 * MACs from c->uuid, bridge from g->bridge). default_bridge: the bridge is g->bridge. */
struct net_ifres {
	char ifname[16], mac[18], host_ifname[16], host_mac[18], bridge[16];
	bool default_bridge;
};
int net_resolve_netif(const struct gconf *g, const struct ct_config *c, unsigned idx, struct net_ifres *out);

/* ---- netlink, in the caller's network namespace ---- */

/* Host-side veths made by net_setup_container/net_netif_up carry the link group (IFLA_GROUP,
 * "ip link show group N") NET_GROUP_BASE | CTID, so that stop deletes them all at once. The high
 * bit keeps it clear of the small group numbers admins use. */
#define NET_GROUP_BASE 0x80000000u
uint32_t net_link_group(unsigned ctid);

/* Create bridge name when missing (with a fixed MAC derived from its name, so the bridge's MAC
 * does not move as ports come and go), bring it up, add address ("A/P", may be NULL) when not
 * present. cerr(EX_NETDEV) naming the bridge. */
int net_bridge_ensure(const char *name, const char *address);
/* May cellctl create this bridge: the default one ([network] bridge) or one listed in
 * [network] bridges? Any other bridge must exist: create and set refuse an interface on a missing
 * one (EX_BADVALUE, net_check_bridges), start refuses it (EX_NETDEV) and creates nothing. */
bool net_bridge_creatable(const struct gconf *g, const char *name);
/* Create the pair host_if <-> guest_if, the guest side created directly in the network namespace
 * of guest_pid (left down: net_guest_setup brings it up); set both MACs (NULL: kernel's random); enslave host_if to bridge
 * (NULL: none) and bring it up. A stale veth called host_if is deleted first; an existing non-veth
 * link of that name is an error. cerr(EX_VETH). */
int net_veth_add(const char *host_if, const char *host_mac, const char *guest_if, const char *guest_mac,
		 pid_t guest_pid, const char *bridge);
/* Delete a link by name; a missing one is fine (returns 0). */
int net_link_del(const char *name);

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

/* Config-level checks for create/set (c is the new config, ctid c->ctid): no other container may
 * use one of c's guest MACs or host interface names (cerr EX_BADVALUE "MAC ... already used by
 * CT N"); no running container on the same bridge may have one of c's addresses, nor may the
 * default bridge's own address be used (cerr EX_IPINUSE). c's own interfaces must not share a MAC.
 * A running neighbour is checked with its saved and its running configuration (runconf.h).
 * Unreadable other configs are skipped (logged). */
int net_check_conflicts(const struct gconf *g, const struct ct_config *c);
/* create and set: every bridge c uses must exist now (and be a bridge), unless cellctl may create
 * it (net_bridge_creatable); cerr EX_BADVALUE naming it. (start refuses such a bridge too, when
 * it comes to it: EX_NETDEV.) */
int net_check_bridges(const struct gconf *g, const struct ct_config *c);
