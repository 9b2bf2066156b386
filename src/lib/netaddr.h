/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netaddr: the pure part of networking: interface names, MACs and addresses, as text. No system
 * calls and no global state; the config layer (params.c, config.c), the netlink layer, the
 * anti-spoofing filter and the unit tests share it.
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
 *  - An address without "/PREFIX" is a host address: /32 for IPv4, /128 for IPv6 (vzctl's
 *    --ipadd default). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

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
/* The fixed MAC of a bridge cellctl creates, from its name (so that it does not move as ports
 * come and go): locally administered, unicast, first byte never 0xfe. */
void net_bridge_mac(const char *name, char out[18]);
/* "A", "A/P" (IPv4 or IPv6). Strict: no spaces, decimal prefix without sign or leading zeros.
 * -EINVAL on bad syntax, -ERANGE on a prefix too long for the family. */
int net_parse_addr(const char *s, struct net_addr *out);
/* Text form "A/P" (or "A" when full-length and prefix was not given); buf >= 64 bytes. */
void net_format_addr(const struct net_addr *a, char *buf, size_t len);
/* Bytes of an address of family: 4 for AF_INET, 16 otherwise. */
unsigned net_addr_len(int family);
/* Same family and same address bytes (prefix ignored). */
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
/* The solicited-node multicast group of IPv6 address a (RFC 4291 2.7.1: ff02::1:ff and a's low
 * 24 bits), which the kernel joins for each address it holds: until it has, a neighbour
 * solicitation for a goes unanswered. */
void net_solicited_node(const struct net_addr *a, struct net_addr *out);
/* Is addr inside net/net->prefix (same family)? */
bool net_in_subnet(const struct net_addr *addr, const struct net_addr *net);
/* "aa:bb:cc:dd:ee:ff" (hex, either case), unicast and not all zero (the kernel refuses others). */
bool net_valid_mac(const char *s);
/* "aa:bb:cc:dd:ee:ff" (hex, either case) into m; false on any other syntax (no other check). */
bool net_parse_mac(const char *s, uint8_t m[6]);
/* The one interface-name check (guest and host sides, bridges, [network] bridge): 1..15
 * printable ASCII characters, not "." or "..", none of white space or / : , [ ] " ' ; # \ (the
 * name becomes a config section "[netif.NAME]" and a value: nothing of INI syntax). */
bool net_valid_ifname(const char *s);

/* A bandwidth in bits per second: decimal digits with an optional SI suffix k, K (10^3), M (10^6)
 * or G (10^9), such as "50M", "800k", "1G"; "" and "0" mean unlimited (*bps = 0). Otherwise
 * NET_RATE_MIN..NET_RATE_MAX. -EINVAL on bad syntax, -ERANGE outside that range. */
#define NET_RATE_MIN 8000ull        /* 8 kbit/s: 1000 bytes a second */
#define NET_RATE_MAX 16000000000ull /* 16 Gbit/s: libnl's rate field is an int of bytes/s */
int net_parse_rate(const char *s, uint64_t *bps);
/* The shortest form of bps net_parse_rate reads back ("50M", "1500k", "12345"); "" for 0. */
void net_format_rate(uint64_t bps, char *buf, size_t len);
/* The name of the IFB device that carries the upload shaper of the host-side veth with interface
 * index ifindex: "cifb<ifindex>" (at most 14 characters). */
void net_ifb_name(int ifindex, char out[16]);

/* Who owns a host-side link cellctl made (a veth's host end, an IFB): its link group
 * (IFLA_GROUP) NET_GROUP_BASE | CTID, which lets stop delete them all in one request, and its
 * alias (IFLA_IFALIAS) "cellctl UUID" (the container's uuid; "cellctl ct CTID" without one),
 * which tells the same CTID of two installations on one host apart: a link is the container's
 * only when both match, and cellctl deletes, reuses or changes no other. The high bit of the
 * group keeps it clear of the small group numbers admins use. */
#define NET_GROUP_BASE 0x80000000u
struct net_owner {
	uint32_t group;
	char alias[64];
};
void net_owner_of(unsigned ctid, const char *uuid, struct net_owner *out);

/* The effective settings of c->netif[idx]: empty fields resolved (names from net_host_ifname,
 * MACs from c->uuid, bridge from g->bridge; g may be NULL: no default bridge).
 * default_bridge: the bridge is g->bridge. -EINVAL when idx is not an interface of c. */
struct net_ifres {
	char ifname[16], mac[18], host_ifname[16], host_mac[18], bridge[16];
	bool default_bridge;
};
int net_resolve_netif(const struct gconf *g, const struct ct_config *c, unsigned idx, struct net_ifres *out);

/* ---- the routed interface (routed.h) ----
 * Guest side "venet0" (vzctl's name); host side "venet<CTID>" ("venet" and at most 10 digits:
 * always within 15 characters for CTIDs up to 2147483647; a wider CTID would get "vn<base 36>").
 * No bridged host name starts with "venet" ("veth..", "vz.."), so the two never collide. MACs
 * derived like those of a bridged interface, with the index NET_VENET_IDX (past the last bridged
 * one). */
#define NET_VENET_GUEST "venet0"
#define NET_VENET_IFNAME "venet"
#define NET_VENET_IDX MAX_NETIF
/* "venet<CTID>" (see above). -EINVAL for a CTID outside 101..2147483647. Pure. */
int net_venet_ifname(unsigned ctid, char out[16]);
/* The names and MACs of c's routed interface (bridge empty). -EINVAL on a bad CTID. Pure. */
int net_venet_resolve(const struct ct_config *c, struct net_ifres *out);
/* The gateways of the routed interface inside the guest: addresses of the host side itself. */
#define NET_VENET_GW4 "169.254.0.1"
#define NET_VENET_GW6 "fe80::1"
/* venet0 as an interface of the guest: its addresses "A/32" / "A/128" (in buf), the gateways of
 * the families it has (gw NET_VENET_GW4, gw6 NET_VENET_GW6); nips 0 when c has no routed
 * address. For the guest setup and the guest's network files. Pure. */
struct net_venet_if {
	struct ct_netif n;
	char buf[MAX_IPS][64];
};
void net_venet_netif(const struct ct_config *c, struct net_venet_if *out);
/* A routed address: "A", "A/32" (IPv4) or "A/128" (IPv6). Its family (AF_INET, AF_INET6) and its
 * canonical text without prefix in out (NULL: check only); -EDOM for any other prefix, -EINVAL /
 * -ERANGE as net_parse_addr. */
int net_routed_addr(const char *s, char *out, size_t len);
