/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interface parameters: the table's ipadd, ipdel, ip, netif_add and netif_del, and the
 * per-interface keys (--ifname IFNAME --mac ..., [netif.IFNAME] mac = ...) in one typed table
 * that set, the reader and set --save all go through. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "netaddr.h"
#include "params_int.h"
#include "util.h"

/* ---- the interfaces of a config ---- */

static struct ct_netif *netif_find(struct ct_config *c, const char *ifname)
{
	for (unsigned i = 0; i < c->nnetif; i++)
		if (!strcasecmp(c->netif[i].ifname, ifname))
			return &c->netif[i];
	return NULL;
}

static void netif_clear(struct ct_netif *n)
{
	for (unsigned j = 0; j < n->nips; j++)
		free(n->ips[j]);
	memset(n, 0, sizeof(*n));
}

/* Remove address j of n's list, keeping the order of the rest. */
static void ips_remove(struct ct_netif *n, unsigned j)
{
	free(n->ips[j]);
	memmove(&n->ips[j], &n->ips[j + 1], (n->nips - j - 1) * sizeof(char *));
	n->nips--;
}

/* Append the valid addresses a[0..cnt) to n's list, skipping those it has (or that come twice in
 * a): -ERANGE when the list would outgrow MAX_IPS or its config line ("ipadd = A B ...")
 * INI_LINE_MAX, with nothing added. */
static int ips_append(struct ct_netif *n, char *const *a, size_t cnt)
{
	size_t len = strlen("ipadd = ");
	for (unsigned j = 0; j < n->nips; j++)
		len += strlen(n->ips[j]) + 1;
	for (size_t i = 0; i < cnt; i++)
		len += strlen(a[i]) + 1;
	if (len > INI_LINE_MAX)
		return -ERANGE;
	bool dup[MAX_IPS] = {false};
	unsigned total = n->nips;
	for (size_t i = 0; i < cnt; i++) {
		for (unsigned j = 0; j < n->nips && !dup[i]; j++)
			dup[i] = !strcmp(n->ips[j], a[i]);
		for (size_t k = 0; k < i && !dup[i]; k++)
			dup[i] = !strcmp(a[k], a[i]);
		if (!dup[i] && ++total > MAX_IPS)
			return -ERANGE;
	}
	for (size_t i = 0; i < cnt; i++)
		if (!dup[i])
			n->ips[n->nips++] = xstrdup(a[i]);
	return 0;
}

/* Add addresses (all validated first) to n; duplicates are skipped, but count against
 * MAX_IPS. */
static int netif_add_ips(struct ct_netif *n, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = params_split(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	unsigned total = n->nips;
	for (size_t i = 0; i < cnt; i++) {
		if (!param_valid_cidr(tok[i]))
			return -EINVAL;
		total++;
	}
	if (total > MAX_IPS)
		return -ERANGE;
	return ips_append(n, tok, cnt);
}

static struct ct_netif *netif_new(struct ct_config *c, const char *ifname)
{
	if (c->nnetif >= MAX_NETIF)
		return NULL;
	struct ct_netif *n = &c->netif[c->nnetif++];
	memset(n, 0, sizeof(*n));
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	return n;
}

/* ---- the routed interface: [venet] ipadd ---- */

int venet_ap_ipadd(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = params_split(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	char canon[MAX_IPS][64], *a[MAX_IPS];
	if (cnt > MAX_IPS)
		return -ERANGE;
	for (size_t i = 0; i < cnt; i++) {
		if (net_routed_addr(tok[i], canon[i], sizeof(canon[i])) < 0)
			return -EINVAL;
		a[i] = canon[i];
	}
	return ips_append(&c->venet, a, cnt);
}

int venet_ap_rate_in(struct ct_config *c, const char *v) { return net_parse_rate(v, &c->venet.rate_in); }
int venet_ap_rate_out(struct ct_config *c, const char *v) { return net_parse_rate(v, &c->venet.rate_out); }
void venet_pr_rate_in(const struct ct_config *c, char *buf, unsigned len) { net_format_rate(c->venet.rate_in, buf, len); }
void venet_pr_rate_out(const struct ct_config *c, char *buf, unsigned len)
{
	net_format_rate(c->venet.rate_out, buf, len);
}

/* Remove the addresses of v ("all": every one) from the routed interface. */
static int venet_del(struct ct_config *c, char **tok, size_t cnt)
{
	struct ct_netif *n = &c->venet;
	for (size_t i = 0; i < cnt; i++) {
		bool all = !strcasecmp(tok[i], "all");
		char canon[64] = "";
		if (!all && net_routed_addr(tok[i], canon, sizeof(canon)) < 0)
			continue; /* another prefix: an address of a bridged interface */
		for (unsigned j = 0; j < n->nips;) {
			if (!all && strcmp(n->ips[j], canon)) {
				j++;
				continue;
			}
			ips_remove(n, j);
		}
	}
	return 0;
}

int venet_ap_ipdel(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = params_split(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	for (size_t i = 0; i < cnt; i++)
		if (strcasecmp(tok[i], "all") && net_routed_addr(tok[i], NULL, 0) < 0)
			return -EINVAL;
	return venet_del(c, tok, cnt);
}

void venet_pr_ipadd(const struct ct_config *c, char *buf, unsigned len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned j = 0; j < c->venet.nips; j++) {
		const char *ip = c->venet.ips[j];
		if (off + strlen(ip) + 2 > len)
			return;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", ip);
	}
}

/* ---- the table's interface parameters ---- */

int netif_ap_ipadd(struct ct_config *c, const char *v)
{
	/* routed mode ([network] ipadd_mode, the default): the routed interface venet0 */
	if (!c->ipadd_bridged)
		return venet_ap_ipadd(c, v);
	/* vzctl --ipadd: the first interface, eth0 when there is none yet */
	bool created = c->nnetif == 0;
	if (created && !netif_new(c, "eth0"))
		return -ERANGE;
	int r = netif_add_ips(&c->netif[0], v);
	if (r < 0 && created)
		netif_clear(&c->netif[--c->nnetif]);
	return r;
}

int netif_ap_ipdel(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = params_split(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	for (size_t i = 0; i < cnt; i++)
		if (strcasecmp(tok[i], "all") && !param_valid_cidr(tok[i]))
			return -EINVAL;
	/* a bare --ipdel removes the address wherever it is: routed and bridged */
	venet_del(c, tok, cnt);
	for (size_t i = 0; i < cnt; i++) {
		bool all = !strcasecmp(tok[i], "all");
		size_t al = strcspn(tok[i], "/");
		for (unsigned k = 0; k < c->nnetif; k++) {
			struct ct_netif *n = &c->netif[k];
			for (unsigned j = 0; j < n->nips;) {
				/* "A" removes A with any prefix; "A/P" only that one */
				bool m = all || !strcmp(n->ips[j], tok[i]) ||
					 (!tok[i][al] && !strncmp(n->ips[j], tok[i], al) &&
					  (n->ips[j][al] == '/' || !n->ips[j][al]));
				if (!m) {
					j++;
					continue;
				}
				ips_remove(n, j);
			}
		}
	}
	return 0;
}

void netif_pr_ipadd(const struct ct_config *c, char *buf, unsigned len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->nnetif; k++)
		for (unsigned j = 0; j < c->netif[k].nips; j++) {
			const char *ip = c->netif[k].ips[j];
			if (off + strlen(ip) + 2 > len)
				return;
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", ip);
		}
}

/* the addresses of every interface without their prefix, the routed ones first: list's IP_ADDR column */
void netif_pr_ip(const struct ct_config *c, char *buf, unsigned len)
{
	size_t used = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->venet.nips; k++) {
		int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", c->venet.ips[k]);
		if (w > 0 && used + (size_t)w < len)
			used += (size_t)w;
	}
	for (unsigned i = 0; i < c->nnetif; i++)
		for (unsigned k = 0; k < c->netif[i].nips; k++) {
			char a[64];
			snprintf(a, sizeof(a), "%s", c->netif[i].ips[k]);
			a[strcspn(a, "/")] = 0;
			int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", a);
			if (w > 0 && used + (size_t)w < len)
				used += (size_t)w;
		}
}

/* "ifname[,mac,host_ifname,host_mac,bridge]" */
int netif_ap_add(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *s = xstrdup(v);
	char *f[5] = {NULL};
	int n = 0;
	for (char *p = s, *q; n < 5; p = q + 1) {
		f[n++] = strtrim(p);
		if (!(q = strchr(p, ',')))
			break;
		*q = 0;
	}
	if (n == 5 && strchr(f[4], ','))
		return -EINVAL;
	if (!net_valid_ifname(f[0]) || netif_find(c, f[0]) || !strcasecmp(f[0], NET_VENET_GUEST))
		return -EINVAL; /* venet0 is the routed interface's */
	if ((f[1] && *f[1] && !net_valid_mac(f[1])) || (f[2] && *f[2] && !net_valid_ifname(f[2])) ||
	    (f[3] && *f[3] && !net_valid_mac(f[3])) || (f[4] && *f[4] && !net_valid_ifname(f[4])))
		return -EINVAL;
	struct ct_netif *ni = netif_new(c, f[0]);
	if (!ni)
		return -ERANGE;
	if (f[1])
		snprintf(ni->mac, sizeof(ni->mac), "%s", f[1]);
	if (f[2])
		snprintf(ni->host_ifname, sizeof(ni->host_ifname), "%s", f[2]);
	if (f[3])
		snprintf(ni->host_mac, sizeof(ni->host_mac), "%s", f[3]);
	if (f[4])
		snprintf(ni->bridge, sizeof(ni->bridge), "%s", f[4]);
	return 0;
}

int netif_ap_del(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "all")) {
		for (unsigned i = 0; i < c->nnetif; i++)
			netif_clear(&c->netif[i]);
		c->nnetif = 0;
		return 0;
	}
	struct ct_netif *n = netif_find(c, v);
	if (!n)
		return -ENOENT;
	unsigned i = (unsigned)(n - c->netif);
	netif_clear(n);
	memmove(&c->netif[i], &c->netif[i + 1], (c->nnetif - i - 1) * sizeof(*n));
	c->nnetif--;
	memset(&c->netif[c->nnetif], 0, sizeof(*n));
	return 0;
}

void netif_pr_names(const struct ct_config *c, char *buf, unsigned len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->nnetif && off + 17 < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", c->netif[k].ifname);
}

/* ---- the per-interface keys ---- */

enum nk_kind {
	NK_MAC,    /* char[18] at off: a unicast MAC */
	NK_IFNAME, /* char[16] at off: an interface name */
	NK_GW4,    /* char[64] at off: an IPv4 address, "none" clears */
	NK_GW6,    /* char[64] at off: an IPv6 address, "none" clears */
	NK_OFF,    /* bool at off: the opt-out of a filter, stored as "no" */
	NK_IPS,    /* the address list: added to */
	NK_IPDEL,  /* removes from the address list (set only, not a key of the file) */
	NK_RATE,   /* uint64_t at off: bits per second (net_parse_rate), 0 = unlimited */
};

static const struct netif_key {
	const char *key;
	enum nk_kind kind;
	size_t off, size;
	int bad_exit;
	const char *form;
} netif_keys[] = {
	/* in the order set --save writes them */
	{"mac", NK_MAC, offsetof(struct ct_netif, mac), sizeof(((struct ct_netif *)0)->mac), EX_BADVALUE, MAC_FORM},
	{"host_ifname", NK_IFNAME, offsetof(struct ct_netif, host_ifname), sizeof(((struct ct_netif *)0)->host_ifname),
	 EX_BADVALUE, IFNAME_FORM},
	{"host_mac", NK_MAC, offsetof(struct ct_netif, host_mac), sizeof(((struct ct_netif *)0)->host_mac), EX_BADVALUE,
	 MAC_FORM},
	{"bridge", NK_IFNAME, offsetof(struct ct_netif, bridge), sizeof(((struct ct_netif *)0)->bridge), EX_BADVALUE,
	 IFNAME_FORM},
	{"ipadd", NK_IPS, 0, 0, EX_BADIP, CIDR_FORM "; at most " STR(MAX_IPS) " per interface"},
	{"ipdel", NK_IPDEL, 0, 0, EX_BADIP, CIDR_FORM " (without /prefix: any prefix), or all"},
	{"gw", NK_GW4, offsetof(struct ct_netif, gw), sizeof(((struct ct_netif *)0)->gw), EX_BADIP,
	 "an IPv4 address such as 10.77.0.1, or none"},
	{"gw6", NK_GW6, offsetof(struct ct_netif, gw6), sizeof(((struct ct_netif *)0)->gw6), EX_BADIP,
	 "an IPv6 address such as fd00::1, or none"},
	{"mac_filter", NK_OFF, offsetof(struct ct_netif, mac_filter_off), 0, EX_BADVALUE, BOOL_FORM},
	{"ip_filter", NK_OFF, offsetof(struct ct_netif, ip_filter_off), 0, EX_BADVALUE, BOOL_FORM},
	{"rate_in", NK_RATE, offsetof(struct ct_netif, rate_in), 0, EX_BADVALUE, RATE_FORM},
	{"rate_out", NK_RATE, offsetof(struct ct_netif, rate_out), 0, EX_BADVALUE, RATE_FORM},
};

static const struct netif_key *netif_key_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(netif_keys); i++)
		if (!strcmp(key, netif_keys[i].key))
			return &netif_keys[i];
	return NULL;
}

bool param_is_netif_key(const char *key) { return netif_key_find(key) != NULL; }

/* Validate v and store it into interface n of c; 0 or -EINVAL / -ERANGE / -ENOENT. */
static int nk_apply(const struct netif_key *k, struct ct_config *c, struct ct_netif *n, const char *v)
{
	char *field = (char *)n + k->off;
	int fam;
	bool on;
	switch (k->kind) {
	case NK_MAC:
		if (!net_valid_mac(v))
			return -EINVAL;
		snprintf(field, k->size, "%s", v);
		return 0;
	case NK_IFNAME:
		if (!net_valid_ifname(v))
			return -EINVAL;
		snprintf(field, k->size, "%s", v);
		return 0;
	case NK_GW4:
	case NK_GW6:
		if (strcmp(v, "none") &&
		    (!params_valid_addr(v, &fam) || fam != (k->kind == NK_GW6 ? AF_INET6 : AF_INET)))
			return -EINVAL;
		snprintf(field, k->size, "%s", strcmp(v, "none") ? v : "");
		return 0;
	case NK_OFF:
		if (parse_bool(v, &on) < 0)
			return -EINVAL;
		*(bool *)field = !on;
		return 0;
	case NK_RATE:
		return net_parse_rate(v, (uint64_t *)(void *)field);
	case NK_IPS:
		return netif_add_ips(n, v);
	case NK_IPDEL: {
		/* netif_ap_ipdel works on every interface: narrow it to this one */
		struct ct_config one = *c;
		one.netif[0] = *n;
		one.nnetif = 1;
		int r = netif_ap_ipdel(&one, v);
		if (r == 0)
			*n = one.netif[0];
		return r;
	}
	}
	return -EINVAL;
}

/* The value set --save writes for k ("" when there is none: the key goes). */
static void nk_print(const struct netif_key *k, const struct ct_netif *n, char *buf, size_t len)
{
	const char *field = (const char *)n + k->off;
	size_t off = 0;
	buf[0] = 0;
	switch (k->kind) {
	case NK_MAC:
	case NK_IFNAME:
	case NK_GW4:
	case NK_GW6:
		snprintf(buf, len, "%s", field);
		break;
	case NK_OFF:
		snprintf(buf, len, "%s", *(const bool *)field ? "no" : "");
		break;
	case NK_RATE:
		net_format_rate(*(const uint64_t *)(const void *)field, buf, len);
		break;
	case NK_IPS:
		for (unsigned j = 0; j < n->nips; j++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", j ? " " : "", n->ips[j]);
		break;
	case NK_IPDEL:
		break;
	}
}

int param_netif_set(struct ct_config *c, const char *ifname, const char *key, const char *value)
{
	if (ifname && !strcasecmp(ifname, NET_VENET_GUEST)) {
		/* --ifname venet0 --ipadd/--ipdel: the routed interface, whatever ipadd_mode says; its
		 * bandwidth limits, [venet] rate_in/out */
		bool rin = !strcmp(key, "rate_in");
		if (rin || !strcmp(key, "rate_out")) {
			int r = rin ? venet_ap_rate_in(c, value) : venet_ap_rate_out(c, value);
			if (r < 0) {
				char w[512], e[256];
				return cerr(EX_BADVALUE, 0, "invalid --%s value for interface %s: '%s'%s", key, NET_VENET_GUEST,
					    str_escape_buf(value, e, sizeof(e)), params_why(r, RATE_FORM, w, sizeof(w)));
			}
			netif_sync(c);
			return 0;
		}
		bool add = !strcmp(key, "ipadd");
		if (!add && strcmp(key, "ipdel"))
			return cerr(EX_BADVALUE, 0,
				    "--%s: %s is the routed interface: only --ipadd, --ipdel, --rate_in and --rate_out "
				    "apply to it",
				    key, NET_VENET_GUEST);
		int r = add ? venet_ap_ipadd(c, value) : venet_ap_ipdel(c, value);
		if (r < 0) {
			char w[512], e[256];
			return cerr(EX_BADIP, 0, "invalid --%s value for interface %s: '%s'%s", key, NET_VENET_GUEST,
				    str_escape_buf(value, e, sizeof(e)), params_why(r, VENET_FORM, w, sizeof(w)));
		}
		netif_sync(c);
		return 0;
	}
	struct ct_netif *n = ifname ? netif_find(c, ifname) : (c->nnetif ? &c->netif[0] : NULL);
	/* --ifname IF --ipadd A makes the bridged interface IF when there is none (the bridged
	 * counterpart of a bare --ipadd in routed mode) */
	bool made = false;
	if (!n && ifname && !strcmp(key, "ipadd") && net_valid_ifname(ifname) && (n = netif_new(c, ifname)))
		made = true;
	if (!n)
		return cerr(EX_BADVALUE, 0, "no interface %s: add it first with --netif_add %s", ifname ? ifname : "eth0",
			    ifname ? ifname : "eth0");
	const struct netif_key *k = netif_key_find(key);
	if (!k)
		return cerr(EX_BADSYNTAX, 0, "--%s is not an interface option", key);
	int r = nk_apply(k, c, n, value);
	if (r < 0 && made)
		netif_clear(&c->netif[--c->nnetif]);
	if (r < 0) {
		char w[512], e[256];
		return cerr(k->bad_exit, 0, "invalid --%s value for interface %s: '%s'%s", key, made ? ifname : n->ifname,
			    str_escape_buf(value, e, sizeof(e)), params_why(r, k->form, w, sizeof(w)));
	}
	netif_sync(c);
	return 0;
}

/* ---- the [netif.X] sections ---- */

void netif_sync(struct ct_config *c)
{
	struct ini_doc *d = c->doc;
	char vb[MAX_IPS * 48];
	venet_pr_ipadd(c, vb, sizeof(vb));
	if (vb[0])
		ini_set(d, "venet", "ipadd", vb);
	else
		ini_unset(d, "venet", "ipadd");
	char rb[32];
	venet_pr_rate_in(c, rb, sizeof(rb));
	if (rb[0])
		ini_set(d, "venet", "rate_in", rb);
	else
		ini_unset(d, "venet", "rate_in");
	venet_pr_rate_out(c, rb, sizeof(rb));
	if (rb[0])
		ini_set(d, "venet", "rate_out", rb);
	else
		ini_unset(d, "venet", "rate_out");
	/* drop sections of interfaces that are gone */
	for (size_t i = 0;;) {
		const char *sec;
		if (ini_section_at(d, i, &sec) < 0)
			break;
		if (!strncasecmp(sec, "netif.", 6) && !netif_find(c, sec + 6)) {
			_cleanup_free_ char *s = xstrdup(sec);
			ini_remove_section(d, s);
			continue;
		}
		i++;
	}
	for (unsigned i = 0; i < c->nnetif; i++) {
		const struct ct_netif *n = &c->netif[i];
		_cleanup_free_ char *sec = xasprintf("netif.%s", n->ifname);
		char v[ARRAY_SIZE(netif_keys)][MAX_IPS * 52];
		bool any = false;
		for (size_t j = 0; j < ARRAY_SIZE(netif_keys); j++) {
			nk_print(&netif_keys[j], n, v[j], sizeof(v[j]));
			any |= v[j][0] != 0;
		}
		const char *dummy;
		if (ini_key_at(d, sec, 0, &dummy, &dummy) < 0 && !any) {
			/* create the header even for an interface with no keys */
			ini_set(d, sec, "mac", "");
			ini_unset(d, sec, "mac");
		}
		for (size_t j = 0; j < ARRAY_SIZE(netif_keys); j++) {
			if (netif_keys[j].kind == NK_IPDEL)
				continue;
			if (v[j][0])
				ini_set(d, sec, netif_keys[j].key, v[j]);
			else
				ini_unset(d, sec, netif_keys[j].key);
		}
	}
}

int netif_load(struct ct_config *c, const struct conf_text *t, const char *name, const char *sec)
{
	const char *ifname = sec + 6;
	if (!net_valid_ifname(ifname))
		return cerr(EX_BADCONFIG, 0, "%s: [%s]: invalid interface name", name, sec);
	struct ct_netif *n = netif_new(c, ifname);
	if (!n)
		return cerr(EX_BADCONFIG, 0, "%s: [%s]: more than %d interfaces", name, sec, MAX_NETIF);
	for (size_t j = 0; j < ARRAY_SIZE(netif_keys); j++) {
		const struct netif_key *k = &netif_keys[j];
		const char *v = k->kind == NK_IPDEL ? NULL : conf_get(t, sec, k->key);
		if (v && *v && nk_apply(k, c, n, v) < 0)
			return params_bad_key(name, k->bad_exit, sec, k->key, v, -EINVAL, k->form);
	}
	return 0;
}
