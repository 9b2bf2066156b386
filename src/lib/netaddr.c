/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netaddr: names, MACs and addresses as text; see netaddr.h. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

int net_host_ifname(unsigned ctid, unsigned idx, char out[16])
{
	if (ctid < CTID_MIN || ctid > CTID_MAX || idx >= MAX_NETIF)
		return -EINVAL;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "veth%u.%u", ctid, idx);
	if (n > 0 && n < IFNAMSIZ) {
		memcpy(out, buf, (size_t)n + 1);
		return 0;
	}
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char b36[16];
	int k = 0;
	for (unsigned v = ctid; v; v /= 36)
		b36[k++] = digits[v % 36];
	int off = snprintf(out, 16, "vz");
	while (k > 0)
		out[off++] = b36[--k];
	snprintf(out + off, (size_t)(16 - off), ".%u", idx);
	return 0;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void mac_hash(const char *tag, const void *key, size_t keylen, unsigned idx, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a(h, tag, strlen(tag) + 1);
	h = fnv1a(h, key, keylen);
	uint8_t ib[4] = {(uint8_t)idx, (uint8_t)(idx >> 8), (uint8_t)(idx >> 16), (uint8_t)(idx >> 24)};
	h = fnv1a(h, ib, sizeof(ib));
	/* one more round so the low-entropy tail bytes spread into every output byte */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
}

static void mac_format(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int derive_mac(const char *uuid, unsigned idx, bool host, char out[18])
{
	uuid_t u;
	if (!uuid || uuid_parse(uuid, u) < 0)
		return -EINVAL;
	uint8_t m[6];
	mac_hash(host ? "host" : "guest", u, sizeof(u), idx, m);
	if (host) {
		m[0] = 0xfe;
	} else {
		m[0] = (uint8_t)((m[0] | 0x02) & ~0x01);
		if (m[0] == 0xfe) /* keep guest MACs apart from host-side ones */
			m[0] = 0x02;
	}
	mac_format(m, out);
	return 0;
}

/* Without a uuid (a hand-written config) the MACs come from the CTID: still stable, and known to
 * the anti-spoofing filter (a random MAC would not be). */
static void ctid_mac(unsigned ctid, unsigned idx, bool host, char out[18])
{
	uint8_t m[6];
	mac_hash(host ? "host-ctid" : "guest-ctid", &ctid, sizeof(ctid), idx, m);
	m[0] = host ? 0xfe : (uint8_t)((m[0] | 0x02) & ~0x01);
	if (!host && m[0] == 0xfe)
		m[0] = 0x02;
	mac_format(m, out);
}

void net_bridge_mac(const char *name, char out[18])
{
	uint8_t m[6];
	mac_hash("bridge", name, strlen(name), 0, m);
	m[0] = (uint8_t)((m[0] | 0x02) & ~0x01);
	if (m[0] == 0xfe)
		m[0] = 0x02;
	mac_format(m, out);
}

int net_guest_mac(const char *uuid, unsigned idx, char out[18]) { return derive_mac(uuid, idx, false, out); }
int net_host_mac(const char *uuid, unsigned idx, char out[18]) { return derive_mac(uuid, idx, true, out); }

int net_parse_addr(const char *s, struct net_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	struct net_addr a = {0};
	if (inet_pton(AF_INET, buf, a.bytes) == 1)
		a.family = AF_INET;
	else if (strchr(buf, ':') && inet_pton(AF_INET6, buf, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	unsigned maxp = a.family == AF_INET ? 32 : 128;
	a.prefix = maxp;
	if (slash) {
		const char *p = slash + 1;
		size_t len = strlen(p);
		if (len == 0 || len > 3 || (len > 1 && p[0] == '0'))
			return -EINVAL;
		unsigned v = 0;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > maxp)
			return -ERANGE;
		a.prefix = v;
		a.has_prefix = true;
	}
	*out = a;
	return 0;
}

void net_format_addr(const struct net_addr *a, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->bytes, t, sizeof(t)))
		snprintf(t, sizeof(t), "?");
	if (a->has_prefix)
		snprintf(buf, len, "%s/%u", t, a->prefix);
	else
		snprintf(buf, len, "%s", t);
}

unsigned net_addr_len(int family) { return family == AF_INET ? 4 : 16; }

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, net_addr_len(a->family));
}

void net_solicited_node(const struct net_addr *a, struct net_addr *out)
{
	static const uint8_t head[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	*out = (struct net_addr){.family = AF_INET6, .prefix = 128};
	memcpy(out->bytes, head, sizeof(head));
	memcpy(out->bytes + 13, a->bytes + 13, 3);
}

bool net_in_subnet(const struct net_addr *addr, const struct net_addr *net)
{
	if (addr->family != net->family)
		return false;
	unsigned p = net->prefix, full = p / 8, rest = p % 8;
	if (memcmp(addr->bytes, net->bytes, full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr->bytes[full] & mask) == (net->bytes[full] & mask);
}

bool net_parse_mac(const char *s, uint8_t m[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	for (int i = 0; i < 6; i++) {
		char h[3] = {s[3 * i], s[3 * i + 1], 0};
		m[i] = (uint8_t)strtoul(h, NULL, 16);
	}
	return true;
}

bool net_valid_mac(const char *s)
{
	uint8_t m[6];
	if (!net_parse_mac(s, m) || (m[0] & 0x01))
		return false;
	return m[0] | m[1] | m[2] | m[3] | m[4] | m[5];
}

bool net_valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= ' ' || ch >= 0x7f || strchr("/:,[]\"';#\\", ch))
			return false;
	}
	return true;
}

int net_parse_rate(const char *s, uint64_t *bps)
{
	*bps = 0;
	if (!*s)
		return 0;
	uint64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > NET_RATE_MAX)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	uint64_t mul = 1;
	if (*p == 'k' || *p == 'K')
		mul = 1000;
	else if (*p == 'M')
		mul = 1000000;
	else if (*p == 'G')
		mul = 1000000000;
	else if (*p)
		return -EINVAL;
	if (*p && p[1])
		return -EINVAL;
	if (v > NET_RATE_MAX / mul)
		return -ERANGE;
	v *= mul;
	if (v && v < NET_RATE_MIN)
		return -ERANGE;
	*bps = v;
	return 0;
}

void net_format_rate(uint64_t bps, char *buf, size_t len)
{
	if (!bps)
		snprintf(buf, len, "%s", "");
	else if (bps % 1000000000 == 0)
		snprintf(buf, len, "%" PRIu64 "G", bps / 1000000000);
	else if (bps % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "M", bps / 1000000);
	else if (bps % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", bps / 1000);
	else
		snprintf(buf, len, "%" PRIu64, bps);
}

void net_ifb_name(int ifindex, char out[16]) { snprintf(out, 16, "cifb%u", (unsigned)ifindex); }

void net_owner_of(unsigned ctid, const char *uuid, struct net_owner *out)
{
	out->group = NET_GROUP_BASE | ctid;
	uuid_t u;
	char canon[37];
	/* only a well-formed uuid, in one spelling: the alias is compared byte for byte */
	if (uuid && uuid_parse(uuid, u) == 0) {
		uuid_unparse_lower(u, canon);
		snprintf(out->alias, sizeof(out->alias), "cellctl %s", canon);
	} else {
		snprintf(out->alias, sizeof(out->alias), "cellctl ct %u", ctid);
	}
}

int net_resolve_netif(const struct gconf *g, const struct ct_config *c, unsigned idx, struct net_ifres *out)
{
	if (idx >= c->nnetif)
		return -EINVAL;
	const struct ct_netif *n = &c->netif[idx];
	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s", n->ifname);
	if (n->host_ifname[0])
		snprintf(out->host_ifname, sizeof(out->host_ifname), "%s", n->host_ifname);
	else if (net_host_ifname(c->ctid, idx, out->host_ifname) < 0)
		return -EINVAL;
	if (n->mac[0])
		snprintf(out->mac, sizeof(out->mac), "%s", n->mac);
	else if (!c->uuid || net_guest_mac(c->uuid, idx, out->mac) < 0)
		ctid_mac(c->ctid, idx, false, out->mac);
	if (n->host_mac[0])
		snprintf(out->host_mac, sizeof(out->host_mac), "%s", n->host_mac);
	else if (!c->uuid || net_host_mac(c->uuid, idx, out->host_mac) < 0)
		ctid_mac(c->ctid, idx, true, out->host_mac);
	const char *br = n->bridge[0] ? n->bridge : (g && g->bridge ? g->bridge : "");
	snprintf(out->bridge, sizeof(out->bridge), "%s", br);
	out->default_bridge = g && g->bridge && !strcmp(out->bridge, g->bridge);
	return 0;
}

int net_venet_ifname(unsigned ctid, char out[16])
{
	if (ctid < CTID_MIN || ctid > CTID_MAX)
		return -EINVAL;
	/* "venet" and at most 10 digits (CTID_MAX): always within IFNAMSIZ - 1 */
	_Static_assert(sizeof(NET_VENET_IFNAME) - 1 + 10 < IFNAMSIZ, "venet<CTID> fits an interface name");
	snprintf(out, 16, "%s%u", NET_VENET_IFNAME, ctid);
	return 0;
}

int net_venet_resolve(const struct ct_config *c, struct net_ifres *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s", NET_VENET_GUEST);
	if (net_venet_ifname(c->ctid, out->host_ifname) < 0)
		return -EINVAL;
	if (!c->uuid || net_guest_mac(c->uuid, NET_VENET_IDX, out->mac) < 0)
		ctid_mac(c->ctid, NET_VENET_IDX, false, out->mac);
	if (!c->uuid || net_host_mac(c->uuid, NET_VENET_IDX, out->host_mac) < 0)
		ctid_mac(c->ctid, NET_VENET_IDX, true, out->host_mac);
	return 0;
}

int net_routed_addr(const char *s, char *out, size_t len)
{
	struct net_addr a;
	int r = net_parse_addr(s, &a);
	if (r < 0)
		return r;
	if (a.has_prefix && a.prefix != 8 * net_addr_len(a.family))
		return -EDOM;
	a.has_prefix = false;
	a.prefix = 8 * net_addr_len(a.family);
	if (out) {
		char buf[64];
		net_format_addr(&a, buf, sizeof(buf));
		snprintf(out, len, "%s", buf);
	}
	return a.family;
}

void net_venet_netif(const struct ct_config *c, struct net_venet_if *out)
{
	memset(out, 0, sizeof(*out));
	struct ct_netif *n = &out->n;
	snprintf(n->ifname, sizeof(n->ifname), "%s", NET_VENET_GUEST);
	for (unsigned i = 0; i < c->venet.nips && i < MAX_IPS; i++) {
		char a[48];
		int f = net_routed_addr(c->venet.ips[i], a, sizeof(a));
		if (f < 0)
			continue;
		char *dst = out->buf[n->nips];
		snprintf(dst, sizeof(out->buf[0]), "%s/%u", a, f == AF_INET ? 32u : 128u);
		n->ips[n->nips++] = dst;
		if (f == AF_INET)
			snprintf(n->gw, sizeof(n->gw), "%s", NET_VENET_GW4);
		else
			snprintf(n->gw6, sizeof(n->gw6), "%s", NET_VENET_GW6);
	}
}
