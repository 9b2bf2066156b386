/* SPDX-License-Identifier: GPL-2.0-or-later */
/* routed: the routed (venet-like) interface through libnl-3; see routed.h. */
#include "routed.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "netlink.h"
#include "nlsock.h"
#include "shape.h"
#include "util.h"

/* The gateways the guest routes through (netaddr.h) are addresses of the host side itself: the
 * host answers ARP and ND for them as for any local address (no proxy_arp on the host side). */
#define ROUTED_GW4 NET_VENET_GW4
#define ROUTED_GW6 NET_VENET_GW6
#define MAX_UPLINKS 16

/* ---- sysctls of the caller's network namespace ---- */

static int sysctl_get(const char *path, long *val)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;
	int r = read_file_at(AT_FDCWD, path, &s, &len);
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	*val = strtol(s, &end, 10);
	return errno || end == s ? -EINVAL : 0;
}

/* "net.ipv6.conf.X.proxy_ndp" for messages, from its /proc/sys path */
static void sysctl_name(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s", path + strlen("/proc/sys/"));
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '.';
}

static int sysctl_need(const char *path, const char *why)
{
	long v = 0;
	int r = sysctl_get(path, &v);
	char name[128];
	sysctl_name(path, name, sizeof(name));
	if (r < 0)
		return cerr(EX_NETDEV, -r, "read %s (%s)", name, why);
	if (v != 1)
		return cerr(EX_NETDEV, 0, "%s needs %s = 1 on the host (it is %ld)", why, name, v);
	return 0;
}

/* net.PROTO.conf.IFNAME.KEY = value */
static int sysctl_set(const char *proto, const char *ifname, const char *key, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", proto, ifname, key);
	log_debug("sysctl: %s = %s", path, value);
	int r = write_file_at(AT_FDCWD, path, value);
	if (r < 0) {
		char name[128];
		sysctl_name(path, name, sizeof(name));
		return cerr(EX_NETDEV, -r, "set %s = %s", name, value);
	}
	return 0;
}

/* ---- the pieces ---- */

static void families(const struct ct_netif *v, bool *v4, bool *v6)
{
	*v4 = *v6 = false;
	for (unsigned i = 0; i < v->nips; i++) {
		int f = net_routed_addr(v->ips[i], NULL, 0);
		*v4 |= f == AF_INET;
		*v6 |= f == AF_INET6;
	}
}

/* The uplinks of [network] uplink (a copy in buf), at most MAX_UPLINKS. */
static unsigned uplinks(const struct gconf *g, char *buf, size_t len, const char *out[MAX_UPLINKS])
{
	unsigned n = 0;
	snprintf(buf, len, "%s", g->uplink ? g->uplink : "");
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t,", &save); t && n < MAX_UPLINKS; t = strtok_r(NULL, " \t,", &save))
		out[n++] = t;
	return n;
}

static bool has_addr(const struct ct_netif *n, const char *a)
{
	for (unsigned i = 0; i < n->nips; i++)
		if (!strcmp(n->ips[i], a))
			return true;
	return false;
}

/* Add or delete the proxy neighbour entry (NTF_PROXY) for a on ifindex. */
static int proxy_op(struct nlc *hc, int ifindex, const char *ifname, const struct net_addr *a, bool add)
{
	char t[64];
	net_format_addr(a, t, sizeof(t));
	log_debug("netlink: %s proxy neighbour %s dev %s", add ? "add" : "delete", t, ifname);
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	if (!n)
		abort();
	struct nl_addr *d = nlc_addr(a);
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, a->family);
	rtnl_neigh_set_dst(n, d);
	rtnl_neigh_set_flags(n, NTF_PROXY);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	int r = add ? nlc_err(hc, rtnl_neigh_add(hc->sk, n, NLM_F_CREATE | NLM_F_REPLACE))
		    : nlc_err(hc, rtnl_neigh_delete(hc->sk, n, 0));
	nl_addr_put(d);
	rtnl_neigh_put(n);
	if (!add && (r == -ENOENT || r == -ENODEV))
		r = 0;
	return r;
}

struct proxy_find {
	int ifindex;
	const struct net_addr *a;
	bool found;
};

static int on_proxy(struct nl_msg *msg, void *arg)
{
	struct proxy_find *f = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	if (h->nlmsg_type != RTM_NEWNEIGH)
		return NL_OK;
	struct ndmsg *nd = nlmsg_data(h);
	struct nlattr *tb[NDA_MAX + 1];
	if (nlmsg_parse(h, sizeof(*nd), tb, NDA_MAX, NULL) < 0 || !(nd->ndm_flags & NTF_PROXY) ||
	    nd->ndm_ifindex != f->ifindex || !tb[NDA_DST])
		return NL_OK;
	unsigned len = net_addr_len(f->a->family);
	if ((unsigned)nla_len(tb[NDA_DST]) == len && !memcmp(nla_data(tb[NDA_DST]), f->a->bytes, len))
		f->found = true;
	return NL_OK;
}

/* Is the proxy entry for a on ifindex there? 1 yes, 0 no, -errno. (LXC has seen such entries
 * fail to appear now and then: every one is looked for after it was added.) One RTM_GETNEIGH for
 * that entry, not a dump of every proxy entry of the host at each address of each start. */
static int proxy_present(struct nlc *hc, int ifindex, const struct net_addr *a)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNEIGH, 0);
	if (!msg)
		abort();
	struct ndmsg nd = {.ndm_family = (uint8_t)a->family, .ndm_flags = NTF_PROXY, .ndm_ifindex = ifindex};
	if (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_DST, (int)net_addr_len(a->family), a->bytes) < 0)
		abort();
	struct proxy_find f = {ifindex, a, false};
	int r = nlc_query(hc, msg, NLQ_GET, on_proxy, &f);
	return r == -ENOENT ? 0 : r < 0 ? r : f.found;
}

/* Add the proxy entry for a on ifindex and see it there (added again up to twice). */
static int proxy_add(struct nlc *hc, int ifindex, const char *ifname, const struct net_addr *a)
{
	int r = 0;
	for (int tries = 0; tries < 3; tries++) {
		if ((r = proxy_op(hc, ifindex, ifname, a, true)) < 0)
			return r;
		if ((r = proxy_present(hc, ifindex, a)) != 0)
			return r < 0 ? r : 0;
		log_warn("the proxy entry just added on %s is not there: adding it again", ifname);
	}
	return -ENOENT;
}

/* Delete the host route a dev ifindex (missing is fine). */
static int route_del(struct nlc *hc, int ifindex, const char *ifname, const struct net_addr *a)
{
	char t[64];
	net_format_addr(a, t, sizeof(t));
	log_debug("netlink: delete route %s dev %s", t, ifname);
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	if (!rt || !nh)
		abort();
	struct nl_addr *d = nlc_addr(a);
	rtnl_route_set_family(rt, (uint8_t)a->family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_dst(rt, d);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	int r = nlc_err(hc, rtnl_route_delete(hc->sk, rt, 0));
	nl_addr_put(d);
	rtnl_route_put(rt);
	return r == -ESRCH || r == -ENOENT || r == -ENODEV ? 0 : r;
}

static int parse_routed(const char *s, struct net_addr *a)
{
	if (net_routed_addr(s, NULL, 0) < 0 || net_parse_addr(s, a) < 0)
		return cerr(EX_BADIP, 0, "%s: invalid routed address '%s'", NET_VENET_GUEST, s);
	a->prefix = 8 * net_addr_len(a->family);
	a->has_prefix = true;
	return 0;
}

/* Route and proxy entries of address s (host side ifindex, name host_if). */
static int addr_up(struct nlc *hc, int ifindex, const char *host_if, const char *const *ups, unsigned nup, const char *s)
{
	struct net_addr a;
	int r = parse_routed(s, &a);
	if (r < 0)
		return r;
	if ((r = nlc_route_add(hc, a.family, ifindex, host_if, &a, NULL)) < 0)
		return cerr(EX_NETDEV, r, "add the route to %s dev %s", s, host_if);
	for (unsigned i = 0; i < nup; i++) {
		int up = (int)if_nametoindex(ups[i]);
		if (up <= 0)
			return cerr(EX_NETDEV, errno, "[network] uplink %s", ups[i]);
		if ((r = proxy_add(hc, up, ups[i], &a)) < 0)
			return cerr(EX_NETDEV, r, "add the proxy %s entry for %s on %s",
				    a.family == AF_INET ? "ARP" : "NDP", s, ups[i]);
	}
	return 0;
}

/* Proxy entries and route of s go (ifindex 0: the host side is gone, its routes with it). */
static int addr_down(struct nlc *hc, int ifindex, const char *host_if, const char *const *ups, unsigned nup, const char *s)
{
	struct net_addr a;
	if (parse_routed(s, &a) < 0)
		return -EINVAL;
	int first = 0, r;
	for (unsigned i = 0; i < nup; i++) {
		int up = (int)if_nametoindex(ups[i]);
		if (up > 0 && (r = proxy_op(hc, up, ups[i], &a, false)) < 0 && !first)
			first = cerr(EX_NETDEV, r, "delete the proxy entry for %s on %s", s, ups[i]);
	}
	if (ifindex > 0 && (r = route_del(hc, ifindex, host_if, &a)) < 0 && !first)
		first = cerr(EX_NETDEV, r, "delete the route to %s dev %s", s, host_if);
	return first;
}

/* The host side's own settings: the gateway addresses, rp_filter, no router advertisements. */
static int host_side(struct nlc *hc, int ifindex, const char *host_if)
{
	int r;
	if ((r = sysctl_set("ipv4", host_if, "rp_filter", "1")) < 0)
		return r;
	struct net_addr gw;
	if (net_parse_addr(ROUTED_GW4 "/32", &gw) < 0)
		abort();
	if ((r = nlc_addr_add(hc, ifindex, host_if, &gw)) < 0)
		return cerr(EX_NETDEV, r, "add %s to %s", ROUTED_GW4, host_if);
	/* IPv6 off on the host (no conf directory): only IPv4 routed addresses can work */
	char p[128];
	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/accept_ra", host_if);
	if (access(p, F_OK) < 0)
		return 0;
	if ((r = sysctl_set("ipv6", host_if, "accept_ra", "0")) < 0)
		return r;
	if (net_parse_addr(ROUTED_GW6 "/64", &gw) < 0)
		abort();
	if ((r = nlc_addr_add(hc, ifindex, host_if, &gw)) < 0) /* without DAD (nlc_addr_add) */
		return cerr(EX_NETDEV, r, "add %s to %s", ROUTED_GW6, host_if);
	return 0;
}

/* ---- the operations ---- */

int routed_check_host(const struct gconf *g, const struct ct_config *c)
{
	if (!c->venet.nips)
		return 0;
	bool v4, v6;
	families(&c->venet, &v4, &v6);
	int r;
	if (v4 && (r = sysctl_need("/proc/sys/net/ipv4/ip_forward", "routed IPv4 addresses")) < 0)
		return r;
	if (v6 && (r = sysctl_need("/proc/sys/net/ipv6/conf/all/forwarding", "routed IPv6 addresses")) < 0)
		return r;
	char buf[512];
	const char *ups[MAX_UPLINKS];
	unsigned nup = uplinks(g, buf, sizeof(buf), ups);
	for (unsigned i = 0; i < nup; i++) {
		if (if_nametoindex(ups[i]) == 0)
			return cerr(EX_NETDEV, ENODEV, "[network] uplink %s does not exist", ups[i]);
		if (!v6)
			continue;
		long all = 0;
		if (sysctl_get("/proc/sys/net/ipv6/conf/all/proxy_ndp", &all) == 0 && all == 1)
			continue;
		char p[128];
		snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/proxy_ndp", ups[i]);
		if ((r = sysctl_need(p, "proxy NDP for routed IPv6 addresses")) < 0)
			return r;
	}
	return 0;
}

static int teardown(struct nlc *hc, const struct gconf *g, const struct ct_config *c, const struct ct_netif *ips)
{
	struct net_ifres res;
	if (net_venet_resolve(c, &res) < 0)
		return cerr(EX_VETH, EINVAL, "CT %u: cannot name the routed interface", c->ctid);
	char buf[512];
	const char *ups[MAX_UPLINKS];
	unsigned nup = uplinks(g, buf, sizeof(buf), ups);
	int first = 0;
	for (unsigned i = 0; i < ips->nips; i++) {
		int r = addr_down(hc, 0, res.host_ifname, ups, nup, ips->ips[i]);
		if (r < 0 && !first)
			first = r;
	}
	/* the IFB of an upload limit does not go with the veth */
	int ifindex = (int)if_nametoindex(res.host_ifname);
	if (ifindex > 0) {
		struct net_owner o;
		net_link_owner(c, &o);
		shape_ifb_del(hc, ifindex, &o);
	}
	net_link_del_ours(hc, res.host_ifname, c);
	return first;
}

static int setup(struct nlc *hc, const struct gconf *g, const struct ct_config *c, pid_t pid)
{
	struct net_ifres res;
	if (net_venet_resolve(c, &res) < 0)
		return cerr(EX_VETH, EINVAL, "CT %u: cannot name the routed interface", c->ctid);
	struct net_venet_if vi;
	net_venet_netif(c, &vi);
	const struct ct_netif *n = &vi.n;
	int r = net_veth_add_down(hc, c, &res, pid);
	if (r < 0)
		return r;
	int ifindex = (int)if_nametoindex(res.host_ifname);
	if (ifindex <= 0)
		return cerr(EX_VETH, errno, "find host interface %s", res.host_ifname);
	/* the filter before the link is up: nothing from the guest passes unchecked; the bandwidth
	 * limits too (shape.h: the same shapers as a bridged interface's) */
	if ((r = host_side(hc, ifindex, res.host_ifname)) < 0 || (r = net_spoof_set(hc, n, &res)) < 0)
		return r;
	if (c->venet.rate_in || c->venet.rate_out) {
		struct net_owner o;
		net_link_owner(c, &o);
		if ((r = shape_apply(hc, ifindex, res.host_ifname, &o, c->venet.rate_in, c->venet.rate_out)) < 0)
			return r;
	}
	struct rtnl_link *l = NULL;
	if ((r = nlc_link_get(hc, res.host_ifname, &l)) >= 0) {
		r = nlc_link_up(hc, l);
		rtnl_link_put(l);
	}
	if (r < 0)
		return cerr(EX_VETH, r, "set %s up", res.host_ifname);
	char buf[512];
	const char *ups[MAX_UPLINKS];
	unsigned nup = uplinks(g, buf, sizeof(buf), ups);
	for (unsigned i = 0; i < n->nips; i++)
		if ((r = addr_up(hc, ifindex, res.host_ifname, ups, nup, n->ips[i])) < 0)
			return r;
	return net_guest_setup(pid, n, 1);
}

int routed_setup(const struct gconf *g, const struct ct_config *c, pid_t guest_pid)
{
	if (!c->venet.nips)
		return 0;
	int r = routed_check_host(g, c);
	if (r < 0)
		return r;
	struct nlc hc = {0};
	if ((r = nlc_open(&hc)) < 0)
		return r;
	r = setup(&hc, g, c, guest_pid);
	if (r < 0) {
		struct cerr_saved es;
		cerr_save(&es);
		teardown(&hc, g, c, &c->venet);
		cerr_restore(&es);
	}
	nlc_close(&hc);
	return r;
}

int routed_teardown(const struct gconf *g, const struct ct_config *c)
{
	if (!c->venet.nips)
		return 0;
	struct nlc hc = {0};
	int r = nlc_open(&hc);
	if (r < 0)
		return r;
	r = teardown(&hc, g, c, &c->venet);
	nlc_close(&hc);
	return r;
}

static int change(struct nlc *hc, const struct gconf *g, const struct ct_config *oc, const struct ct_config *nc, pid_t pid)
{
	const struct ct_netif *o = &oc->venet, *nw = &nc->venet;
	struct net_ifres res;
	if (net_venet_resolve(nc, &res) < 0)
		return cerr(EX_VETH, EINVAL, "CT %u: cannot name the routed interface", nc->ctid);
	int ifindex = (int)if_nametoindex(res.host_ifname);
	if (ifindex <= 0)
		return cerr(EX_VETH, errno, "find host interface %s", res.host_ifname);
	struct net_venet_if vi;
	net_venet_netif(nc, &vi);
	/* the filter first: a removed address is refused from now on */
	int r = net_spoof_set(hc, &vi.n, &res);
	if (r < 0)
		return r;
	char buf[512];
	const char *ups[MAX_UPLINKS];
	unsigned nup = uplinks(g, buf, sizeof(buf), ups);
	for (unsigned i = 0; i < o->nips; i++)
		if (!has_addr(nw, o->ips[i])) {
			if ((r = addr_down(hc, ifindex, res.host_ifname, ups, nup, o->ips[i])) < 0 ||
			    (r = net_guest_addr_del(pid, NET_VENET_GUEST, o->ips[i])) < 0)
				return r;
		}
	for (unsigned i = 0; i < nw->nips; i++)
		if (!has_addr(o, nw->ips[i]) && (r = addr_up(hc, ifindex, res.host_ifname, ups, nup, nw->ips[i])) < 0)
			return r;
	if (o->rate_in != nw->rate_in || o->rate_out != nw->rate_out) {
		struct net_owner ow;
		net_link_owner(nc, &ow);
		if ((r = shape_apply(hc, ifindex, res.host_ifname, &ow, nw->rate_in, nw->rate_out)) < 0) {
			/* put back what the download side may have changed already */
			struct cerr_saved es;
			cerr_save(&es);
			int u = shape_apply(hc, ifindex, res.host_ifname, &ow, o->rate_in, o->rate_out);
			cerr_restore(&es);
			return cerr_wrap(r, 0, "%s: %s", NET_VENET_GUEST,
					 u < 0 ? "the bandwidth limits may be half changed"
					       : "the previous bandwidth limits stay in force");
		}
	}
	/* the new addresses and the gateway of a family that is new (the rest is there already) */
	return net_guest_setup(pid, &vi.n, 1);
}

int routed_change(const struct gconf *g, const struct ct_config *oc, const struct ct_config *nc, pid_t guest_pid)
{
	if (!oc->venet.nips)
		return routed_setup(g, nc, guest_pid);
	if (!nc->venet.nips)
		return routed_teardown(g, oc);
	int r = routed_check_host(g, nc);
	if (r < 0)
		return r;
	struct nlc hc = {0};
	if ((r = nlc_open(&hc)) < 0)
		return r;
	r = change(&hc, g, oc, nc, guest_pid);
	nlc_close(&hc);
	return r;
}
