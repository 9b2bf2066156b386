/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Anti-spoofing on the host side of a container's veth: a BPF_PROG_TYPE_SCHED_CLS program in
 * direct-action mode, attached by netlink.c as a tc filter on the ingress of the host-side veth
 * (what the container sends enters the host there, before the bridge sees it).
 *
 * Why BPF and not u32: a u32 filter can only drop through an action, and the generic drop action
 * (act_gact) is not in every kernel (this project's development host has cls_u32, cls_bpf and
 * act_mirred only); cls_bpf with direct action returns the verdict itself. It also lets one
 * program parse ARP and ND properly and keep per-reason drop counters in a BPF array map.
 *
 * The program is built by a pure function (spoof_build) from a struct spoof_cfg, so the unit
 * tests run frames through it with an interpreter; spoof_load does the bpf() syscalls.
 *
 * Verdicts: a frame that passes gets TC_ACT_UNSPEC (later tc filters still see it), a dropped one
 * TC_ACT_SHOT, after counting it in slot SPOOF_<reason> of the counter map. */
#pragma once
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Drop reasons: the counter slots, in this order (the names are an output format). */
enum spoof_reason {
	SPOOF_MAC,   /* Ethernet source is not the interface's MAC */
	SPOOF_ARP,   /* ARP claiming a foreign address or MAC, or malformed */
	SPOOF_IPV4,  /* IPv4 from a foreign source address */
	SPOOF_IPV6,  /* IPv6 from a foreign source, or a header that could hide ND */
	SPOOF_ND,    /* neighbour discovery claiming a foreign address or MAC */
	SPOOF_GUARD, /* router advertisement, redirect, DHCP or DHCPv6 server message */
	SPOOF_OTHER, /* another ethertype, a VLAN tag, a truncated header */
	SPOOF_NREASONS
};
extern const char *const spoof_reason_names[SPOOF_NREASONS]; /* "mac", "arp", ... */

#define SPOOF_MAX_V6 (MAX_IPS + 1) /* the configured ones + the EUI-64 link-local */

struct spoof_cfg {
	uint8_t mac[6];    /* the guest side's MAC */
	bool mac_filter;   /* frames (and ARP/ND link-layer addresses) only from mac */
	bool ip_filter;    /* only ARP/IPv4/IPv6, from / claiming the addresses below */
	unsigned n4, n6;
	uint8_t v4[MAX_IPS][4];
	uint8_t v6[SPOOF_MAX_V6][16];
};

/* Fill cfg from an interface's config: mac ("aa:bb:..", the resolved guest MAC), the addresses
 * of n (prefixes dropped), and fe80::EUI-64(mac). -EINVAL on a bad MAC or address. Pure. */
int spoof_cfg_from_netif(const struct ct_netif *n, const char *mac, struct spoof_cfg *cfg);
/* Does cfg filter anything at all (mac_filter or ip_filter)? */
bool spoof_cfg_active(const struct spoof_cfg *cfg);

/* Build the program. map_fd >= 0: count drops in that map (an array of one SPOOF_NREASONS x u64
 * value); < 0: no counting (the unit tests). Returns the number of instructions, -ENOSPC when
 * max is too small, -EINVAL for a config that filters nothing. Pure. */
int spoof_build(const struct spoof_cfg *cfg, int map_fd, struct bpf_insn *out, size_t max);

/* ---- bpf() ---- */

#define SPOOF_PROG_NAME "cellctl_spoof"

/* A new counter map (all zero): fd, or -errno with cerr(EX_NETDEV). */
int spoof_map_create(void);
/* Build and load the program for cfg counting into map_fd: prog fd or -errno (cerr EX_NETDEV,
 * with the verifier's log in the debug log). */
int spoof_load(const struct spoof_cfg *cfg, int map_fd);
/* The counter map used by the loaded program with id prog_id (from the tc filter dump): fd, or
 * -ENOENT when that program is gone or is not ours. */
int spoof_map_of_prog(uint32_t prog_id);
/* Read the counters of a map. */
int spoof_map_read(int map_fd, uint64_t out[SPOOF_NREASONS]);
