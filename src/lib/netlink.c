/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink: veth pairs, bridges, addresses and routes through libnl-3; see netlink.h. */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#include "antispoof.h"
#include "error.h"
#include "log.h"
#include "nlsock.h"
#include "shape.h"
#include "util.h"

/* ---- bridge and veth (caller's netns) ---- */

bool net_bridge_creatable(const struct gconf *g, const char *name)
{
	if (g->bridge && !strcmp(g->bridge, name))
		return true;
	if (!g->bridges)
		return false;
	_cleanup_free_ char *s = xstrdup(g->bridges);
	char *save = NULL;
	for (char *t = strtok_r(s, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save))
		if (!strcmp(t, name))
			return true;
	return false;
}

static int bridge_ensure(struct nlc *c, const char *name, const char *address, bool may_create)
{
	struct rtnl_link *l = NULL;
	int r = 0;
	struct net_addr a;
	if (address && net_parse_addr(address, &a) < 0)
		return cerr(EX_BADIP, 0, "bridge %s: invalid address '%s'", name, address);
	if (!net_valid_ifname(name))
		return cerr(EX_NETDEV, 0, "invalid bridge name '%s'", name);
	for (int tries = 0; tries < 3; tries++) {
		log_debug("netlink: get link %s", name);
		r = nlc_link_get(c, name, &l);
		if (r != -ENODEV)
			break;
		if (!may_create)
			return cerr(EX_NETDEV, ENODEV,
				    "bridge %s does not exist (cellctl creates only the default bridge and those in "
				    "[network] bridges)",
				    name);
		char ms[18];
		net_bridge_mac(name, ms);
		log_debug("netlink: add bridge %s address %s", name, ms);
		struct rtnl_link *nb = rtnl_link_bridge_alloc();
		if (!nb)
			abort();
		struct nl_addr *ll = nlc_lladdr(ms);
		rtnl_link_set_name(nb, name);
		rtnl_link_set_addr(nb, ll);
		rtnl_link_set_flags(nb, IFF_UP);
		r = nlc_err(c, rtnl_link_add(c->sk, nb, NLM_F_CREATE | NLM_F_EXCL));
		nl_addr_put(ll);
		rtnl_link_put(nb);
		if (r != -EEXIST) /* EEXIST: another cellctl won the race; look again */
			break;
	}
	if (r < 0)
		return cerr(EX_NETDEV, r, "create bridge %s", name);
	if (l) {
		const char *type = rtnl_link_get_type(l);
		if (!type || strcmp(type, "bridge")) {
			rtnl_link_put(l);
			return cerr(EX_NETDEV, 0, "%s exists and is not a bridge", name);
		}
		r = nlc_link_up(c, l);
		if (r < 0) {
			rtnl_link_put(l);
			return cerr(EX_NETDEV, r, "set bridge %s up", name);
		}
		rtnl_link_put(l);
	}
	if (address) {
		int idx = (int)if_nametoindex(name);
		if (idx <= 0)
			return cerr(EX_NETDEV, errno, "find bridge %s", name);
		r = nlc_addr_add(c, idx, name, &a);
		if (r < 0)
			return cerr(EX_NETDEV, r, "add address %s to bridge %s", address, name);
	}
	return 0;
}

int net_bridge_ensure(const char *name, const char *address)
{
	struct nlc c = {0};
	int r = nlc_open(&c);
	if (r < 0)
		return r;
	r = bridge_ensure(&c, name, address, true);
	nlc_close(&c);
	return r;
}

static int veth_add_once(struct nlc *c, const char *host_if, const char *host_mac, const char *guest_if,
			 const char *guest_mac, pid_t pid, int master, const struct net_owner *o, bool up)
{
	log_debug("netlink: add veth %s (%s, group %#x) peer %s (%s) in netns of pid %d, master ifindex %d", host_if,
		  host_mac ? host_mac : "random", o->group, guest_if, guest_mac ? guest_mac : "random", (int)pid, master);
	struct rtnl_link *v = rtnl_link_veth_alloc();
	if (!v)
		abort();
	struct rtnl_link *peer = rtnl_link_veth_get_peer(v);
	struct nl_addr *hm = nlc_lladdr(host_mac), *gm = nlc_lladdr(guest_mac);
	rtnl_link_set_name(v, host_if);
	if (hm)
		rtnl_link_set_addr(v, hm);
	if (up)
		rtnl_link_set_flags(v, IFF_UP);
	if (master > 0)
		rtnl_link_set_master(v, master);
	rtnl_link_set_group(v, o->group);
	rtnl_link_set_name(peer, guest_if);
	if (gm)
		rtnl_link_set_addr(peer, gm);
	/* not IFF_UP here: the kernel opens the peer before the host side exists (ENOTCONN); the
	 * guest setup brings it up */
	rtnl_link_set_ns_pid(peer, pid);
	int r = nlc_err(c, rtnl_link_add(c->sk, v, NLM_F_CREATE | NLM_F_EXCL));
	if (hm)
		nl_addr_put(hm);
	if (gm)
		nl_addr_put(gm);
	rtnl_link_put(peer);
	rtnl_link_veth_release(v);
	if (r >= 0 && (r = nlc_link_claim(c, host_if, o)) < 0)
		nlc_link_del(c, host_if); /* just made (NLM_F_EXCL): ours, but not marked so */
	return r;
}

static int veth_add(struct nlc *c, const char *host_if, const char *host_mac, const char *guest_if,
		    const char *guest_mac, pid_t pid, const char *bridge, const struct net_owner *o, bool up)
{
	if (!net_valid_ifname(host_if) || !net_valid_ifname(guest_if))
		return cerr(EX_VETH, 0, "invalid interface name '%s' or '%s'", host_if, guest_if);
	int master = 0;
	if (bridge && *bridge) {
		master = (int)if_nametoindex(bridge);
		if (master <= 0)
			return cerr(EX_VETH, errno, "find bridge %s", bridge);
	}
	int r = veth_add_once(c, host_if, host_mac, guest_if, guest_mac, pid, master, o, up);
	if (r == -EEXIST) {
		/* a leftover of ours (crashed monitor): only ever remove a veth */
		struct rtnl_link *old = NULL;
		log_debug("netlink: get link %s", host_if);
		if (nlc_link_get(c, host_if, &old) == 0) {
			const char *type = rtnl_link_get_type(old);
			bool veth = type && !strcmp(type, "veth");
			bool ours = nlc_link_owned(old, o);
			rtnl_link_put(old);
			if (!veth)
				return cerr(EX_VETH, EEXIST, "host interface %s exists and is not a veth", host_if);
			/* the group and the alias name the container that made it: never take another's (the
			 * same CTID of another installation on this host has the same group) */
			if (!ours)
				return cerr(EX_VETH, EEXIST,
					    "host interface %s exists and does not belong to this container (another "
					    "installation's container with this CTID, or someone else's link?)",
					    host_if);
			log_info("removing stale host interface %s", host_if);
			r = nlc_link_del(c, host_if);
			if (r < 0)
				return cerr(EX_VETH, r, "delete stale interface %s", host_if);
			r = veth_add_once(c, host_if, host_mac, guest_if, guest_mac, pid, master, o, up);
		}
	}
	if (r < 0)
		return cerr(EX_VETH, r, "create veth pair %s/%s", host_if, guest_if);
	return 0;
}

uint32_t net_link_group(unsigned ctid) { return NET_GROUP_BASE | ctid; }

void net_link_owner(const struct ct_config *c, struct net_owner *out) { net_owner_of(c->ctid, c->uuid, out); }

/* ---- the anti-spoofing filter: a tc BPF filter on the host side's ingress ---- */

/* First in line (priority 1): filters an admin or the traffic shaping adds later still see what
 * it lets through (it answers TC_ACT_UNSPEC for those). */
#define SPOOF_PRIO 1u
#define SPOOF_HANDLE 1u

static uint32_t ingress_parent(void) { return TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS); }
static uint32_t spoof_info(void) { return TC_H_MAKE(SPOOF_PRIO << 16, htons(ETH_P_ALL)); }

struct tc_found {
	uint32_t prog_id;
	bool found;
};

static int on_tfilter(struct nl_msg *msg, void *arg)
{
	struct tc_found *f = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	if (h->nlmsg_type != RTM_NEWTFILTER)
		return NL_OK;
	struct tcmsg *t = nlmsg_data(h);
	struct nlattr *tb[TCA_MAX + 1], *ob[TCA_BPF_MAX + 1];
	if (nlmsg_parse(h, sizeof(*t), tb, TCA_MAX, NULL) < 0 || TC_H_MAJ(t->tcm_info) != SPOOF_PRIO << 16 ||
	    !tb[TCA_KIND] || !tb[TCA_OPTIONS] || strcmp(nla_get_string(tb[TCA_KIND]), "bpf"))
		return NL_OK;
	if (nla_parse_nested(ob, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL) < 0 || !ob[TCA_BPF_ID] || !ob[TCA_BPF_NAME] ||
	    strcmp(nla_get_string(ob[TCA_BPF_NAME]), SPOOF_PROG_NAME))
		return NL_OK;
	f->prog_id = nla_get_u32(ob[TCA_BPF_ID]);
	f->found = true;
	return NL_OK;
}

/* The id of the program of our filter on ifindex; -ENOENT when there is none. */
static int tc_spoof_find(struct nlc *c, int ifindex, uint32_t *prog_id)
{
	struct tc_found f = {0};
	int r = nlc_query(c, nlc_tc_msg(RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0, ingress_parent(), 0), NLQ_DUMP, on_tfilter,
			  &f);
	if (r < 0)
		return r;
	if (!f.found)
		return -ENOENT;
	*prog_id = f.prog_id;
	return 0;
}

static int tc_spoof_attach(struct nlc *c, int ifindex, const char *ifname, int prog_fd)
{
	log_debug("netlink: add filter bpf %s (prio %u) to %s ingress", SPOOF_PROG_NAME, SPOOF_PRIO, ifname);
	/* NLM_F_REPLACE: a filter that is there already gets the new program atomically */
	struct nl_msg *msg = nlc_tc_msg(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE, ifindex, SPOOF_HANDLE,
				    ingress_parent(), spoof_info());
	struct nlattr *opt = NULL;
	if (nla_put_string(msg, TCA_KIND, "bpf") < 0 || !(opt = nla_nest_start(msg, TCA_OPTIONS)) ||
	    nla_put_u32(msg, TCA_BPF_FD, (uint32_t)prog_fd) < 0 || nla_put_string(msg, TCA_BPF_NAME, SPOOF_PROG_NAME) < 0 ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0)
		abort();
	nla_nest_end(msg, opt);
	return nlc_err(c, nl_send_sync(c->sk, msg));
}

static int tc_spoof_del(struct nlc *c, int ifindex, const char *ifname)
{
	uint32_t id;
	if (tc_spoof_find(c, ifindex, &id) == -ENOENT)
		return 0;
	log_debug("netlink: delete filter %s from %s ingress", SPOOF_PROG_NAME, ifname);
	struct nl_msg *msg = nlc_tc_msg(RTM_DELTFILTER, 0, ifindex, 0, ingress_parent(), spoof_info());
	int r = nlc_err(c, nl_send_sync(c->sk, msg));
	return r == -ENOENT ? 0 : r;
}

/* Install (or atomically replace, keeping the counters) the filter of interface n, or remove it
 * when n opts out of both checks. */
static int spoof_install(struct nlc *hc, const struct ct_netif *n, const struct net_ifres *res)
{
	int ifindex = (int)if_nametoindex(res->host_ifname);
	if (ifindex <= 0)
		return cerr(EX_VETH, errno, "find host interface %s", res->host_ifname);
	struct spoof_cfg cfg;
	if (spoof_cfg_from_netif(n, res->mac, &cfg) < 0)
		return cerr(EX_BADVALUE, EINVAL, "%s: cannot build the anti-spoofing filter", n->ifname);
	int r;
	if (!spoof_cfg_active(&cfg)) {
		if ((r = tc_spoof_del(hc, ifindex, res->host_ifname)) < 0)
			return cerr(EX_NETDEV, r, "remove the anti-spoofing filter from %s", res->host_ifname);
		return 0;
	}
	uint32_t id;
	int mapfd = -1;
	if (tc_spoof_find(hc, ifindex, &id) == 0)
		mapfd = spoof_map_of_prog(id);
	if (mapfd < 0 && (mapfd = spoof_map_create()) < 0)
		return mapfd;
	int pfd = spoof_load(&cfg, mapfd);
	close(mapfd);
	if (pfd < 0)
		return pfd;
	r = nlc_clsact_ensure(hc, ifindex, res->host_ifname);
	if (r >= 0)
		r = tc_spoof_attach(hc, ifindex, res->host_ifname, pfd);
	close(pfd);
	if (r < 0)
		return cerr(EX_NETDEV, r, "attach the anti-spoofing filter to %s", res->host_ifname);
	return 0;
}

int net_spoof_counters(const char *host_ifname, uint64_t out[SPOOF_NREASONS])
{
	memset(out, 0, SPOOF_NREASONS * sizeof(uint64_t));
	int ifindex = (int)if_nametoindex(host_ifname);
	if (ifindex <= 0)
		return -ENODEV;
	struct nlc c = {0};
	int r = nlc_open(&c);
	if (r < 0)
		return r;
	uint32_t id;
	r = tc_spoof_find(&c, ifindex, &id);
	nlc_close(&c);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	_cleanup_close_ int mfd = spoof_map_of_prog(id);
	if (mfd < 0)
		return 0;
	r = spoof_map_read(mfd, out);
	return r < 0 ? r : 1;
}

/* ---- guest side ---- */

static int guest_link(struct nlc *c, const char *ifname, int *ifindex)
{
	struct rtnl_link *l = NULL;
	log_debug("netlink: get link %s (guest)", ifname);
	int r = nlc_link_get(c, ifname, &l);
	if (r < 0)
		return cerr(EX_NETDEV, r, "find interface %s in the container", ifname);
	*ifindex = rtnl_link_get_ifindex(l);
	r = nlc_link_up(c, l);
	rtnl_link_put(l);
	if (r < 0)
		return cerr(EX_NETDEV, r, "set %s up in the container", ifname);
	return 0;
}

static bool is_link_local6(const struct net_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

static int setup_gw(struct nlc *c, const struct ct_netif *n, int ifindex, const struct net_addr *addrs,
		    unsigned na, const char *gwtext, int family)
{
	if (!gwtext || !*gwtext)
		return 0;
	struct net_addr gw;
	if (net_parse_addr(gwtext, &gw) < 0 || gw.has_prefix || gw.family != family)
		return cerr(EX_BADIP, 0, "%s: invalid gateway '%s'", n->ifname, gwtext);
	bool onlink = is_link_local6(&gw);
	for (unsigned i = 0; i < na && !onlink; i++)
		onlink = net_in_subnet(&gw, &addrs[i]);
	int r = 0;
	if (!onlink)
		r = nlc_route_add(c, family, ifindex, n->ifname, &gw, NULL);
	if (r >= 0)
		r = nlc_route_add(c, family, ifindex, n->ifname, NULL, &gw);
	if (r < 0)
		return cerr(EX_NETDEV, r, "%s: add default route via %s", n->ifname, gwtext);
	return 0;
}

static int setup_one(struct nlc *c, const struct ct_netif *n)
{
	struct net_addr addrs[MAX_IPS];
	unsigned na = 0;
	for (unsigned i = 0; i < n->nips && i < MAX_IPS; i++)
		if (net_parse_addr(n->ips[i], &addrs[na]) == 0)
			na++;
		else
			return cerr(EX_BADIP, 0, "%s: invalid address '%s'", n->ifname, n->ips[i]);
	int ifindex = 0;
	int r = guest_link(c, n->ifname, &ifindex);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < na; i++) {
		r = nlc_addr_add(c, ifindex, n->ifname, &addrs[i]);
		if (r < 0)
			return cerr(EX_NETDEV, r, "%s: add address %s", n->ifname, n->ips[i]);
	}
	r = setup_gw(c, n, ifindex, addrs, na, n->gw, AF_INET);
	if (r >= 0)
		r = setup_gw(c, n, ifindex, addrs, na, n->gw6, AF_INET6);
	if (r >= 0)
		nlc_addr6_wait_joined(c, ifindex, n->ifname, addrs, na);
	return r;
}

static int guest_setup(struct nlc *c, const struct ct_netif *nifs, unsigned n, bool lo)
{
	int r, idx;
	if (lo && (r = guest_link(c, "lo", &idx)) < 0)
		return r;
	for (unsigned i = 0; i < n; i++)
		if ((r = setup_one(c, &nifs[i])) < 0)
			return r;
	return 0;
}

int net_guest_setup(pid_t guest_pid, const struct ct_netif *nifs, unsigned n)
{
	struct nlc c = {0};
	int r = nlc_open_in(&c, guest_pid);
	if (r < 0)
		return r;
	r = guest_setup(&c, nifs, n, true);
	nlc_close(&c);
	return r;
}

/* The address addr parsed into a, and a netlink socket in the guest's network namespace. */
static int guest_addr_open(pid_t guest_pid, const char *addr, struct net_addr *a, struct nlc *c)
{
	if (net_parse_addr(addr, a) < 0)
		return cerr(EX_BADIP, 0, "invalid address '%s'", addr);
	return nlc_open_in(c, guest_pid);
}

int net_guest_addr_add(pid_t guest_pid, const char *ifname, const char *addr)
{
	struct net_addr a;
	struct nlc c = {0};
	int r = guest_addr_open(guest_pid, addr, &a, &c);
	if (r < 0)
		return r;
	int ifindex = 0;
	r = guest_link(&c, ifname, &ifindex);
	if (r >= 0 && (r = nlc_addr_add(&c, ifindex, ifname, &a)) < 0)
		cerr(EX_NETDEV, r, "%s: add address %s", ifname, addr);
	if (r >= 0)
		nlc_addr6_wait_joined(&c, ifindex, ifname, &a, 1);
	nlc_close(&c);
	return r;
}

struct del_ctx {
	struct nlc *c;
	int ifindex;
	const struct net_addr *a;
	int err;
};

static void del_matching(struct nl_object *obj, void *arg)
{
	struct del_ctx *d = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *loc = rtnl_addr_get_local(ra);
	if (rtnl_addr_get_ifindex(ra) != d->ifindex || !loc || rtnl_addr_get_family(ra) != d->a->family ||
	    nl_addr_get_len(loc) != net_addr_len(d->a->family) ||
	    memcmp(nl_addr_get_binary_addr(loc), d->a->bytes, net_addr_len(d->a->family)))
		return;
	if (d->a->has_prefix && (unsigned)rtnl_addr_get_prefixlen(ra) != d->a->prefix)
		return;
	char t[80];
	log_debug("netlink: delete address %s (guest ifindex %d)", nl_addr2str(loc, t, sizeof(t)), d->ifindex);
	int r = nlc_err(d->c, rtnl_addr_delete(d->c->sk, ra, 0));
	if (r < 0 && r != -EADDRNOTAVAIL && !d->err)
		d->err = r;
}

int net_guest_addr_del(pid_t guest_pid, const char *ifname, const char *addr)
{
	struct net_addr a;
	struct nlc c = {0};
	int r = guest_addr_open(guest_pid, addr, &a, &c);
	if (r < 0)
		return r;
	struct rtnl_link *l = NULL;
	struct nl_cache *cache = NULL;
	log_debug("netlink: get link %s (guest)", ifname);
	r = nlc_link_get(&c, ifname, &l);
	if (r == -ENODEV) {
		r = 0; /* no interface: no address either */
		goto out;
	}
	if (r < 0) {
		cerr(EX_NETDEV, r, "find interface %s in the container", ifname);
		goto out;
	}
	log_debug("netlink: dump addresses (guest)");
	r = nlc_err(&c, rtnl_addr_alloc_cache(c.sk, &cache));
	if (r < 0) {
		cerr(EX_NETDEV, r, "list addresses in the container");
		goto out;
	}
	struct del_ctx d = {&c, rtnl_link_get_ifindex(l), &a, 0};
	nl_cache_foreach(cache, del_matching, &d);
	if ((r = d.err) < 0)
		cerr(EX_NETDEV, r, "%s: delete address %s", ifname, addr);
out:
	if (cache)
		nl_cache_free(cache);
	if (l)
		rtnl_link_put(l);
	nlc_close(&c);
	return r;
}

/* ---- whole containers ---- */

/* Everything that can be refused without touching the kernel, before anything is created. */
static int validate_netif(const struct ct_netif *n)
{
	struct net_addr a;
	if (!net_valid_ifname(n->ifname))
		return cerr(EX_BADVALUE, 0, "invalid interface name '%s'", n->ifname);
	for (unsigned i = 0; i < n->nips; i++)
		if (net_parse_addr(n->ips[i], &a) < 0)
			return cerr(EX_BADIP, 0, "%s: invalid address '%s'", n->ifname, n->ips[i]);
	if (n->gw[0] && (net_parse_addr(n->gw, &a) < 0 || a.has_prefix || a.family != AF_INET))
		return cerr(EX_BADIP, 0, "%s: invalid gateway '%s'", n->ifname, n->gw);
	if (n->gw6[0] && (net_parse_addr(n->gw6, &a) < 0 || a.has_prefix || a.family != AF_INET6))
		return cerr(EX_BADIP, 0, "%s: invalid gateway '%s'", n->ifname, n->gw6);
	if ((n->mac[0] && !net_valid_mac(n->mac)) || (n->host_mac[0] && !net_valid_mac(n->host_mac)))
		return cerr(EX_BADVALUE, 0, "%s: invalid MAC address", n->ifname);
	return 0;
}

static int netif_up(struct nlc *hc, struct nlc *gc, const struct gconf *g, const struct ct_config *c,
		    unsigned idx, pid_t pid, char *last_bridge)
{
	struct net_ifres res;
	if (net_resolve_netif(g, c, idx, &res) < 0)
		return cerr(EX_VETH, EINVAL, "CT %u: cannot name interface %u", c->ctid, idx);
	int r;
	if (res.bridge[0] && strcmp(last_bridge, res.bridge)) {
		r = bridge_ensure(hc, res.bridge, res.default_bridge ? g->bridge_address : NULL,
				  net_bridge_creatable(g, res.bridge));
		if (r < 0)
			return r;
		snprintf(last_bridge, 16, "%s", res.bridge);
	}
	/* the host side stays down (so the guest side has no carrier) until its filter is in place */
	struct net_owner o;
	net_link_owner(c, &o);
	r = veth_add(hc, res.host_ifname, res.host_mac[0] ? res.host_mac : NULL, res.ifname,
		     res.mac[0] ? res.mac : NULL, pid, res.bridge[0] ? res.bridge : NULL, &o, false);
	if (r < 0)
		return r;
	if ((r = spoof_install(hc, &c->netif[idx], &res)) < 0)
		return r;
	const struct ct_netif *n = &c->netif[idx];
	if ((n->rate_in || n->rate_out) &&
	    (r = shape_apply(hc, (int)if_nametoindex(res.host_ifname), res.host_ifname, &o, n->rate_in, n->rate_out)) <
		    0)
		return r;
	struct rtnl_link *l = NULL;
	if ((r = nlc_link_get(hc, res.host_ifname, &l)) >= 0) {
		r = nlc_link_up(hc, l);
		rtnl_link_put(l);
	}
	if (r < 0)
		return cerr(EX_VETH, r, "set %s up", res.host_ifname);
	return gc ? setup_one(gc, &c->netif[idx]) : 0;
}

/* Delete the host link called name only when it is our container's (group and alias): a name
 * that clashed with someone else's interface must survive our rollback. */
static void del_if_ours(struct nlc *hc, const char *name, const struct ct_config *c)
{
	struct rtnl_link *l = NULL;
	if (nlc_link_get(hc, name, &l) < 0)
		return;
	struct net_owner o;
	net_link_owner(c, &o);
	bool ours = nlc_link_owned(l, &o);
	rtnl_link_put(l);
	if (ours)
		nlc_link_del(hc, name);
}

static void undo_links(struct nlc *hc, const struct gconf *g, const struct ct_config *c, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		struct net_ifres res;
		if (net_resolve_netif(g, c, i, &res) == 0)
			del_if_ours(hc, res.host_ifname, c);
	}
}

int net_setup_container(const struct gconf *g, const struct ct_config *c, pid_t guest_pid)
{
	if (c->nnetif == 0)
		return 0;
	int r;
	for (unsigned k = 0; k < c->nnetif; k++)
		if ((r = validate_netif(&c->netif[k])) < 0)
			return r;
	struct nlc hc = {0}, gc = {0};
	if ((r = nlc_open(&hc)) < 0)
		return r;
	char last_bridge[16] = "";
	unsigned i = 0;
	for (; i < c->nnetif; i++)
		if ((r = netif_up(&hc, NULL, g, c, i, guest_pid, last_bridge)) < 0)
			break;
	if (r >= 0 && (r = nlc_open_in(&gc, guest_pid)) >= 0)
		r = guest_setup(&gc, c->netif, c->nnetif, true);
	if (r < 0)
		undo_links(&hc, g, c, i < c->nnetif ? i + 1 : i);
	nlc_close(&gc);
	nlc_close(&hc);
	return r;
}

int net_netif_up(const struct gconf *g, const struct ct_config *c, unsigned idx, pid_t guest_pid)
{
	if (idx >= c->nnetif)
		return cerr(EX_BADVALUE, 0, "no interface number %u", idx);
	int r = validate_netif(&c->netif[idx]);
	if (r < 0)
		return r;
	struct nlc hc = {0}, gc = {0};
	r = nlc_open(&hc);
	if (r < 0)
		return r;
	r = nlc_open_in(&gc, guest_pid);
	char last_bridge[16] = "";
	if (r >= 0)
		r = netif_up(&hc, &gc, g, c, idx, guest_pid, last_bridge);
	if (r < 0) {
		struct net_ifres res;
		if (net_resolve_netif(g, c, idx, &res) == 0)
			del_if_ours(&hc, res.host_ifname, c);
	}
	nlc_close(&gc);
	nlc_close(&hc);
	return r;
}

/* One change request for link l: new name and/or MAC and/or master (-1: none, 0: unchanged). */
static int link_modify(struct nlc *c, struct rtnl_link *l, const char *name, const char *mac, int master)
{
	struct rtnl_link *ch = rtnl_link_alloc();
	if (!ch)
		abort();
	struct nl_addr *ll = nlc_lladdr(mac);
	if (name)
		rtnl_link_set_name(ch, name);
	if (ll)
		rtnl_link_set_addr(ch, ll);
	if (master)
		rtnl_link_set_master(ch, master > 0 ? master : 0);
	int r = nlc_err(c, rtnl_link_change(c->sk, l, ch, 0));
	if (ll)
		nl_addr_put(ll);
	rtnl_link_put(ch);
	return r;
}

/* The host side of a live interface: our group's link called name. */
static int host_link(struct nlc *hc, const struct ct_config *c, const char *name, struct rtnl_link **out)
{
	int r = nlc_link_get(hc, name, out);
	if (r < 0)
		return cerr(EX_VETH, r, "find host interface %s", name);
	struct net_owner o;
	net_link_owner(c, &o);
	if (!nlc_link_owned(*out, &o)) {
		rtnl_link_put(*out);
		*out = NULL;
		return cerr(EX_VETH, EEXIST, "host interface %s does not belong to CT %u", name, c->ctid);
	}
	return 0;
}

static int netif_change(struct nlc *hc, const struct gconf *g, const struct net_ifres *ro, const struct ct_config *nc,
			unsigned ni, const struct net_ifres *rn, pid_t pid)
{
	struct rtnl_link *l = NULL;
	int r = host_link(hc, nc, ro->host_ifname, &l);
	if (r < 0)
		return r;
	const char *newname = strcmp(ro->host_ifname, rn->host_ifname) ? rn->host_ifname : NULL;
	const char *newmac = strcasecmp(ro->host_mac, rn->host_mac) && rn->host_mac[0] ? rn->host_mac : NULL;
	int master = 0;
	if (strcmp(ro->bridge, rn->bridge)) {
		if (rn->bridge[0]) {
			r = bridge_ensure(hc, rn->bridge, rn->default_bridge ? g->bridge_address : NULL,
					  net_bridge_creatable(g, rn->bridge));
			if (r < 0)
				goto out;
			master = (int)if_nametoindex(rn->bridge);
			if (master <= 0) {
				r = cerr(EX_NETDEV, errno, "find bridge %s", rn->bridge);
				goto out;
			}
		} else {
			master = -1;
		}
	}
	if (newname || newmac || master) {
		log_debug("netlink: change host interface %s:%s%s%s%s%s", ro->host_ifname, newname ? " name " : "",
			  newname ? newname : "", newmac ? " address " : "", newmac ? newmac : "",
			  master ? " master" : "");
		r = link_modify(hc, l, newname, newmac, master);
		if (r == -EBUSY && newname) { /* older kernels rename only a link that is down */
			struct rtnl_link *down = rtnl_link_alloc();
			if (!down)
				abort();
			rtnl_link_unset_flags(down, IFF_UP);
			r = nlc_err(hc, rtnl_link_change(hc->sk, l, down, 0));
			rtnl_link_put(down);
			if (r >= 0)
				r = link_modify(hc, l, newname, newmac, master);
			struct rtnl_link *now = NULL;
			if (nlc_link_get(hc, newname && r >= 0 ? newname : ro->host_ifname, &now) == 0) {
				int u = nlc_link_up(hc, now);
				rtnl_link_put(now);
				if (r >= 0)
					r = u;
			}
		}
		if (r < 0) {
			r = cerr(EX_VETH, r, "change host interface %s", ro->host_ifname);
			goto out;
		}
	}
	if (strcasecmp(ro->mac, rn->mac) && rn->mac[0]) {
		struct nlc gc = {0};
		struct rtnl_link *gl = NULL;
		if ((r = nlc_open_in(&gc, pid)) < 0)
			goto out;
		log_debug("netlink: set address %s on %s (guest)", rn->mac, rn->ifname);
		r = nlc_link_get(&gc, rn->ifname, &gl);
		if (r >= 0) {
			r = link_modify(&gc, gl, NULL, rn->mac, 0);
			rtnl_link_put(gl);
		}
		nlc_close(&gc);
		if (r < 0) {
			r = cerr(EX_NETDEV, r, "set MAC %s on %s in the container", rn->mac, rn->ifname);
			goto out;
		}
	}
	r = spoof_install(hc, &nc->netif[ni], rn);
out:
	rtnl_link_put(l);
	return r;
}

int net_netif_change(const struct gconf *g, const struct ct_config *oc, unsigned oi, const struct ct_config *nc,
		     unsigned ni, pid_t guest_pid)
{
	struct net_ifres ro, rn;
	if (net_resolve_netif(g, oc, oi, &ro) < 0 || net_resolve_netif(g, nc, ni, &rn) < 0)
		return cerr(EX_BADVALUE, EINVAL, "CT %u: cannot name interface %u", nc->ctid, ni);
	int r = validate_netif(&nc->netif[ni]);
	if (r < 0)
		return r;
	struct nlc hc = {0};
	if ((r = nlc_open(&hc)) < 0)
		return r;
	r = netif_change(&hc, g, &ro, nc, ni, &rn, guest_pid);
	const struct ct_netif *on = &oc->netif[oi], *nn = &nc->netif[ni];
	if (r >= 0 && (on->rate_in != nn->rate_in || on->rate_out != nn->rate_out)) {
		int ifindex = (int)if_nametoindex(rn.host_ifname);
		struct net_owner o;
		net_link_owner(nc, &o);
		r = shape_apply(&hc, ifindex, rn.host_ifname, &o, nn->rate_in, nn->rate_out);
		if (r < 0) {
			/* put back what the download side may have changed already */
			struct cerr_saved es;
			cerr_save(&es);
			int u = shape_apply(&hc, ifindex, rn.host_ifname, &o, on->rate_in, on->rate_out);
			cerr_restore(&es);
			cerr_wrap(r, 0, "%s: %s", nn->ifname,
				  u < 0 ? "the bandwidth limits may be half changed" : "the previous bandwidth limits stay in force");
		}
	}
	nlc_close(&hc);
	return r;
}

int net_netif_down(const struct gconf *g, const struct ct_config *c, unsigned idx)
{
	struct net_ifres res;
	if (net_resolve_netif(g, c, idx, &res) < 0)
		return cerr(EX_BADVALUE, EINVAL, "no interface number %u", idx);
	struct nlc hc = {0};
	int r = nlc_open(&hc);
	if (r < 0)
		return r;
	struct rtnl_link *l = NULL;
	r = nlc_link_get(&hc, res.host_ifname, &l);
	if (r == -ENODEV) {
		nlc_close(&hc);
		return 0; /* gone already */
	}
	if (r < 0) {
		nlc_close(&hc);
		return cerr(EX_VETH, r, "find host interface %s", res.host_ifname);
	}
	struct net_owner o;
	net_link_owner(c, &o);
	bool ours = nlc_link_owned(l, &o);
	int ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	if (!ours)
		r = cerr(EX_VETH, EEXIST, "host interface %s does not belong to CT %u: left alone", res.host_ifname,
			 c->ctid);
	/* the IFB of its upload limit does not go with the veth */
	else if ((r = shape_ifb_del(&hc, ifindex, &o)) < 0)
		r = cerr(EX_NETDEV, r, "delete the IFB device of %s", res.host_ifname);
	else if ((r = nlc_link_del(&hc, res.host_ifname)) < 0)
		r = cerr(EX_VETH, r, "delete interface %s", res.host_ifname);
	nlc_close(&hc);
	return r;
}

int net_teardown_container(const struct gconf *g, const struct ct_config *c)
{
	struct nlc hc = {0};
	int r = nlc_open(&hc);
	if (r < 0)
		return r;
	struct net_owner o;
	net_link_owner(c, &o);
	/* the veths are renamed out of the way and die with the container's namespace; an IFB is
	 * deleted */
	int first = nlc_links_retire_owned(&hc, &o);
	if (first < 0)
		cerr(EX_VETH, first, "delete the interfaces of CT %u", c->ctid);
	/* then each by name: normally gone with the group already; a same-named interface that is
	 * not ours is never touched */
	for (unsigned i = 0; i < c->nnetif; i++) {
		struct net_ifres res;
		if (net_resolve_netif(g, c, i, &res) == 0)
			del_if_ours(&hc, res.host_ifname, c);
	}
	nlc_close(&hc);
	return first;
}

/* ---- bridges ---- */

/* Look link name up: 0 with *bridge and *up filled, -ENODEV when there is none, another -errno
 * (nothing recorded). */
static int link_probe(const char *name, bool *bridge, bool *up)
{
	struct nlc c = {0};
	int r = nlc_open_quiet(&c);
	if (r < 0)
		return r;
	struct rtnl_link *l = NULL;
	r = nlc_link_get(&c, name, &l);
	nlc_close(&c);
	if (r < 0)
		return r;
	const char *type = rtnl_link_get_type(l);
	*bridge = type && !strcmp(type, "bridge");
	*up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
	rtnl_link_put(l);
	return 0;
}

/* A bridge that cellctl may not create must exist (and be a bridge) now. */
static int check_bridge(const struct gconf *g, const char *name)
{
	if (!name[0] || net_bridge_creatable(g, name))
		return 0;
	bool bridge, up;
	int r = link_probe(name, &bridge, &up);
	if (r == -ENODEV)
		return cerr(EX_BADVALUE, 0,
			    "bridge %s does not exist (cellctl creates only the default bridge %s and those listed in "
			    "[network] bridges)",
			    name, g->bridge ? g->bridge : "");
	if (r < 0)
		return cerr(EX_NETDEV, r, "look up bridge %s", name);
	if (!bridge)
		return cerr(EX_BADVALUE, 0, "%s is not a bridge", name);
	return 0;
}

int net_bridge_ready(const char *name)
{
	bool bridge, up;
	int r = link_probe(name, &bridge, &up);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (!bridge)
		return -EMEDIUMTYPE;
	return up ? 1 : 0;
}

int net_check_bridges(const struct gconf *g, const struct ct_config *c)
{
	for (unsigned i = 0; i < c->nnetif; i++) {
		struct net_ifres res;
		int r = net_resolve_netif(g, c, i, &res);
		if (r < 0)
			return cerr(EX_BADVALUE, EINVAL, "CT %u: cannot name interface %s", c->ctid, c->netif[i].ifname);
		if ((r = check_bridge(g, res.bridge)) < 0)
			return r;
	}
	return 0;
}

/* ---- for routed.c ---- */

int net_veth_add_down(struct nlc *hc, const struct ct_config *c, const struct net_ifres *res, pid_t guest_pid)
{
	struct net_owner o;
	net_link_owner(c, &o);
	return veth_add(hc, res->host_ifname, res->host_mac, res->ifname, res->mac, guest_pid, NULL, &o, false);
}

int net_spoof_set(struct nlc *hc, const struct ct_netif *n, const struct net_ifres *res)
{
	return spoof_install(hc, n, res);
}

void net_link_del_ours(struct nlc *hc, const char *name, const struct ct_config *c) { del_if_ours(hc, name, c); }

int net_adopt_restored(const struct gconf *g, const struct ct_config *c, pid_t init)
{
	struct nlc hc = {0};
	int r = nlc_open(&hc);
	if (r < 0)
		return r;
	struct net_owner o;
	net_link_owner(c, &o);
	for (unsigned i = 0; r >= 0 && i < c->nnetif; i++) {
		struct net_ifres res;
		struct rtnl_link *l = NULL;
		if (net_resolve_netif(g, c, i, &res) < 0) {
			r = cerr(EX_VETH, EINVAL, "CT %u: cannot name interface %u", c->ctid, i);
			break;
		}
		if ((r = nlc_link_get(&hc, res.host_ifname, &l)) < 0) {
			r = cerr(EX_VETH, r, "find the restored host interface %s", res.host_ifname);
			break;
		}
		const char *type = rtnl_link_get_type(l);
		if (!type || strcmp(type, "veth")) {
			rtnl_link_put(l);
			r = cerr(EX_VETH, 0, "the restored host interface %s is not a veth", res.host_ifname);
			break;
		}
		if ((r = nlc_veth_peer_in(l, init, res.ifname)) < 0) {
			rtnl_link_put(l);
			r = cerr(EX_VETH, r, "the host interface %s is not the peer of the restored container's %s",
				 res.host_ifname, res.ifname);
			break;
		}
		/* CRIU made it with a random MAC and no group: ours again, as start makes it */
		struct rtnl_link *ch = rtnl_link_alloc();
		if (!ch)
			abort();
		struct nl_addr *ll = nlc_lladdr(res.host_mac[0] ? res.host_mac : NULL);
		if (ll)
			rtnl_link_set_addr(ch, ll);
		rtnl_link_set_group(ch, o.group);
		r = nlc_err(&hc, rtnl_link_change(hc.sk, l, ch, 0));
		if (ll)
			nl_addr_put(ll);
		rtnl_link_put(ch);
		rtnl_link_put(l);
		if (r < 0 || (r = nlc_link_claim(&hc, res.host_ifname, &o)) < 0) {
			r = cerr(EX_VETH, r, "set the MAC and group of the restored %s", res.host_ifname);
			break;
		}
		if ((r = spoof_install(&hc, &c->netif[i], &res)) < 0)
			break;
		const struct ct_netif *n = &c->netif[i];
		if ((n->rate_in || n->rate_out) &&
		    (r = shape_apply(&hc, (int)if_nametoindex(res.host_ifname), res.host_ifname, &o, n->rate_in,
				     n->rate_out)) < 0)
			break;
	}
	nlc_close(&hc);
	return r < 0 ? r : 0;
}
