/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the parameter table (params.c), the per-interface parameters
 * (params_netif.c) and the bind mounts' config half (bindmount.c); not for use outside them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define NETIF_SECTION "netif" /* marker: the value lives in the [netif.X] sections */

#define STR_(x) #x
#define STR(x) STR_(x)
#define BOOL_FORM "yes or no (also on/off, true/false, 1/0)"
#define IFNAME_FORM "an interface name of 1 to 15 characters without /, :, comma or white space"
#define MAC_FORM "a unicast MAC address such as 02:1a:2b:3c:4d:5e"
#define RATE_FORM                                                                                        \
	"bits per second with an optional suffix k, M or G (10^3, 10^6, 10^9), such as 50M or 800k, "      \
	"from 8k to 16G; 0 or empty for no limit"
#define VENET_FORM                                                                                       \
	"an IPv4 or IPv6 address without prefix (or with /32, /128), such as 203.0.113.5 or 2001:db8::5"
#define BIND_FORM                                                                                        \
	"HOSTDIR:GUESTDIR[:ro|rw][,propagation=private|slave|shared][,idmap] with absolute paths without . or .. "  \
	"components, colons, commas, quotes or white space, such as /srv/share:/mnt/share:ro; GUESTDIR not /, not "  \
	"under /proc, /sys or /dev; at most 32"
#define CIDR_FORM "an IPv4 or IPv6 address with an optional /prefix, such as 10.77.0.101/24 or fd00::65/64"

/* ---- params_util.c: helpers both halves call (never each other) ---- */
/* Split on commas and white space into a NULL-terminated vector (tokens in one buffer *store). */
char **params_split(const char *v, char **store, size_t *n);
/* An IPv4 or IPv6 address (no prefix); *family AF_INET or AF_INET6. */
bool params_valid_addr(const char *s, int *family);
/* What follows the quoted value for an apply function's error r: ": expected FORM", " is out of
 * range: expected FORM" or " not found: expected FORM" (in buf). */
const char *params_why(int r, const char *form, char *buf, size_t len);
/* cerr(code, "NAME: [sec] key: invalid value 'V'" + params_why(r, form)). */
int params_bad_key(const char *name, int code, const char *sec, const char *key, const char *v, int r,
		   const char *form);

/* ---- params_netif.c: the table's interface parameters and the [netif.X] sections ---- */
/* [venet] ipadd: add / remove routed addresses (net_routed_addr forms; "all" for ipdel); print them. */
int venet_ap_ipadd(struct ct_config *c, const char *v);
int venet_ap_ipdel(struct ct_config *c, const char *v);
void venet_pr_ipadd(const struct ct_config *c, char *buf, unsigned len);
/* [venet] rate_in / rate_out: the routed interface's bandwidth limits (net_parse_rate forms). */
int venet_ap_rate_in(struct ct_config *c, const char *v);
int venet_ap_rate_out(struct ct_config *c, const char *v);
void venet_pr_rate_in(const struct ct_config *c, char *buf, unsigned len);
void venet_pr_rate_out(const struct ct_config *c, char *buf, unsigned len);
int netif_ap_ipadd(struct ct_config *c, const char *v);
int netif_ap_ipdel(struct ct_config *c, const char *v);
void netif_pr_ipadd(const struct ct_config *c, char *buf, unsigned len);
void netif_pr_ip(const struct ct_config *c, char *buf, unsigned len);
int netif_ap_add(struct ct_config *c, const char *v);
int netif_ap_del(struct ct_config *c, const char *v);
void netif_pr_names(const struct ct_config *c, char *buf, unsigned len);
/* Write the interfaces of c into its [netif.X] sections (drop those of interfaces gone). */
void netif_sync(struct ct_config *c);
/* Read the interface section sec ("netif.NAME") from t into c; errors name the file name. */
int netif_load(struct ct_config *c, const struct conf_text *t, const char *name, const char *sec);
