/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nlsock: the libnl plumbing of the netlink layer; see nlsock.h. */
#include "nlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "error.h"
#include "log.h"
#include "util.h"

static int on_nlerr(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	((struct nlc *)arg)->kerr = e->error;
	return NL_STOP;
}

/* A libnl return value as a negative errno, preferring what the kernel said. */
int nlc_err(struct nlc *c, int r)
{
	if (r >= 0)
		return 0;
	int k = c->kerr;
	c->kerr = 0;
	if (k < 0)
		return k;
	switch (-r) {
	case NLE_EXIST: return -EEXIST;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOACCESS: return -EACCES;
	case NLE_PERM: return -EPERM;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	default: return -EIO;
	}
}

void nlc_close(struct nlc *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

/* Open a route socket in the current netns. */
int nlc_open(struct nlc *c)
{
	c->kerr = 0;
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return cerr(EX_SYSTEM, ENOMEM, "allocate netlink socket");
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_nlerr, c);
	int r = nl_connect(c->sk, NETLINK_ROUTE);
	if (r < 0) {
		r = nlc_err(c, r);
		nlc_close(c);
		return cerr(EX_SYSTEM, r, "connect netlink socket");
	}
	return 0;
}

int nlc_open_quiet(struct nlc *c)
{
	struct cerr_saved es;
	cerr_save(&es);
	int r = nlc_open(c);
	cerr_restore(&es);
	return r;
}

/* Open a route socket inside the network namespace of pid: a netlink socket stays bound to the
 * namespace it was created in, so the process enters it only for nl_connect() and leaves at once. */
int nlc_open_in(struct nlc *c, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cerr(EX_NETDEV, errno, "open %s", path);
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cerr(EX_SYSTEM, errno, "open /proc/self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return cerr(EX_NETDEV, errno, "enter network namespace of pid %d", (int)pid);
	int r = nlc_open(c);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* staying in the guest's namespace would turn every later host operation against the
		 * guest: refuse to go on (cannot happen with the privilege we just used) */
		log_error("cannot return to the original network namespace: %s", strerror(errno));
		abort();
	}
	return r;
}

struct nl_addr *nlc_addr(const struct net_addr *a)
{
	struct nl_addr *na = nl_addr_build(a->family, a->bytes, net_addr_len(a->family));
	if (!na)
		abort();
	nl_addr_set_prefixlen(na, (int)a->prefix);
	return na;
}

struct nl_addr *nlc_lladdr(const char *mac)
{
	uint8_t m[6];
	if (!mac || !*mac || !net_parse_mac(mac, m))
		return NULL;
	struct nl_addr *na = nl_addr_build(AF_LLC, m, 6);
	if (!na)
		abort();
	return na;
}

/* Link by name: 0 and *out, -ENODEV when there is none. */
int nlc_link_get(struct nlc *c, const char *name, struct rtnl_link **out)
{
	*out = NULL;
	int r = nlc_err(c, rtnl_link_get_kernel(c->sk, 0, name, out));
	if (r == -ENOENT)
		r = -ENODEV;
	return r;
}

int nlc_veth_peer_in(struct rtnl_link *l, pid_t pid, const char *guest_ifname)
{
	int32_t nsid = -1;
	int peer = rtnl_link_get_link(l);
	if (peer <= 0 || rtnl_link_get_link_netnsid(l, &nsid) < 0 || nsid < 0)
		return -EXDEV; /* no peer, or one in the host's own namespace */
	struct nlc gc = {0};
	int r = nlc_open_in(&gc, pid);
	if (r < 0)
		return r;
	struct rtnl_link *g = NULL;
	if (rtnl_link_get_kernel(gc.sk, peer, NULL, &g) < 0 || !g) {
		r = -EXDEV;
	} else {
		const char *type = rtnl_link_get_type(g), *name = rtnl_link_get_name(g);
		if (!type || strcmp(type, "veth") || !name || strcmp(name, guest_ifname) ||
		    rtnl_link_get_link(g) != rtnl_link_get_ifindex(l))
			r = -EXDEV;
		rtnl_link_put(g);
	}
	nlc_close(&gc);
	return r;
}

int nlc_link_up(struct nlc *c, struct rtnl_link *l)
{
	if (rtnl_link_get_flags(l) & IFF_UP)
		return 0;
	log_debug("netlink: set link %s up", rtnl_link_get_name(l));
	struct rtnl_link *ch = rtnl_link_alloc();
	if (!ch)
		abort();
	rtnl_link_set_flags(ch, IFF_UP);
	int r = nlc_err(c, rtnl_link_change(c->sk, l, ch, 0));
	rtnl_link_put(ch);
	return r;
}

int nlc_link_del(struct nlc *c, const char *name)
{
	log_debug("netlink: delete link %s", name);
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		abort();
	rtnl_link_set_name(l, name);
	int r = nlc_err(c, rtnl_link_delete(c->sk, l));
	rtnl_link_put(l);
	if (r == -ENODEV || r == -ENOENT)
		return 0;
	return r;
}

bool nlc_link_owned(struct rtnl_link *l, const struct net_owner *o)
{
	const char *alias = rtnl_link_get_ifalias(l);
	return rtnl_link_get_group(l) == o->group && alias && !strcmp(alias, o->alias);
}

int nlc_link_claim(struct nlc *c, const char *name, const struct net_owner *o)
{
	log_debug("netlink: set alias of %s to \"%s\"", name, o->alias);
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
	if (!msg)
		abort();
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_string(msg, IFLA_IFALIAS, o->alias) < 0)
		abort();
	return nlc_err(c, nl_send_sync(c->sk, msg)); /* frees msg */
}

/* One RTM_DELLINK for every link of a group: the kernel unregisters them as one batch, so a
 * container's veths cost one round of RCU waits instead of one each. */
static int group_del(struct nlc *c, uint32_t group)
{
	log_debug("netlink: delete links of group %#x", group);
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!msg)
		abort();
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_u32(msg, IFLA_GROUP, group) < 0)
		abort();
	int r = nlc_err(c, nl_send_sync(c->sk, msg)); /* frees msg */
	return r == -ENODEV || r == -ENOENT ? 0 : r;
}

/* Take a host veth whose peer is in another (dying) namespace out of the way: down, then renamed
 * to RETIRE_PREFIX and its ifindex in hex (unique among the host's links while it lives). Its
 * unregistration, with the RCU barrier that makes a deletion cost 15-20 ms, is left to the
 * kernel, which deletes the pair when the container's namespace goes. 0, or -errno (nothing
 * recorded): then the caller deletes it. */
static int link_retire(struct nlc *c, struct rtnl_link *l)
{
	char name[IFNAMSIZ];
	snprintf(name, sizeof(name), RETIRE_PREFIX "%x", (unsigned)rtnl_link_get_ifindex(l));
	log_debug("netlink: set link %s down, rename it %s (deleted with its peer's namespace)", rtnl_link_get_name(l),
		  name);
	struct rtnl_link *ch = rtnl_link_alloc();
	if (!ch)
		abort();
	int r = 0;
	if (rtnl_link_get_flags(l) & IFF_UP) {
		rtnl_link_unset_flags(ch, IFF_UP);
		r = nlc_err(c, rtnl_link_change(c->sk, l, ch, 0));
		rtnl_link_put(ch);
		if (!(ch = rtnl_link_alloc()))
			abort();
	}
	if (r == 0) {
		rtnl_link_set_name(ch, name);
		r = nlc_err(c, rtnl_link_change(c->sk, l, ch, 0));
	}
	rtnl_link_put(ch);
	return r == -ENODEV ? 0 : r; /* gone meanwhile with the namespace: what we wanted */
}

struct retire_scan {
	struct nlc *c;
	const struct net_owner *o;
	unsigned ndel, foreign;
	char del[MAX_NETIF * 4][16]; /* to delete, up to that many (an IFB per interface, twice over) */
};

static void retire_one(struct nl_object *obj, void *arg)
{
	struct retire_scan *s = arg;
	struct rtnl_link *l = (struct rtnl_link *)obj;
	if (rtnl_link_get_group(l) != s->o->group)
		return;
	if (!nlc_link_owned(l, s->o)) {
		s->foreign++;
		log_warn("link %s has the link group of CT %u but not its alias: not ours, left alone",
			 rtnl_link_get_name(l), s->o->group & ~NET_GROUP_BASE);
		return;
	}
	const char *type = rtnl_link_get_type(l), *name = rtnl_link_get_name(l);
	int32_t nsid = -1;
	if (!strncmp(name, RETIRE_PREFIX, strlen(RETIRE_PREFIX)))
		return; /* retired already: its namespace is still held somewhere; it goes with it */
	if (type && !strcmp(type, "veth") && rtnl_link_get_link(l) > 0 && rtnl_link_get_link_netnsid(l, &nsid) == 0 &&
	    nsid >= 0 && link_retire(s->c, l) == 0)
		return;
	if (s->ndel < sizeof(s->del) / sizeof(s->del[0]))
		snprintf(s->del[s->ndel], 16, "%s", name);
	s->ndel++;
}

int nlc_links_retire_owned(struct nlc *c, const struct net_owner *o)
{
	struct nl_cache *cache = NULL;
	int r = nlc_err(c, rtnl_link_alloc_cache(c->sk, AF_UNSPEC, &cache));
	if (r < 0)
		return r;
	struct retire_scan s = {.c = c, .o = o};
	nl_cache_foreach(cache, retire_one, &s);
	nl_cache_free(cache);
	if (s.ndel == 0)
		return 0;
	/* one request for the whole group when nothing else carries it: the kernel unregisters
	 * them as one batch (one round of RCU waits; the retired veths go with it then) */
	if (s.foreign == 0)
		return group_del(c, o->group);
	int first = 0;
	for (unsigned i = 0; i < s.ndel && i < sizeof(s.del) / sizeof(s.del[0]); i++)
		if ((r = nlc_link_del(c, s.del[i])) < 0 && first == 0)
			first = r;
	return first;
}

int nlc_addr_add(struct nlc *c, int ifindex, const char *ifname, const struct net_addr *a)
{
	char t[80];
	struct net_addr shown = *a;
	shown.has_prefix = true;
	net_format_addr(&shown, t, sizeof(t));
	log_debug("netlink: add address %s to %s", t, ifname);
	struct rtnl_addr *ra = rtnl_addr_alloc();
	if (!ra)
		abort();
	struct nl_addr *na = nlc_addr(a);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->family);
	rtnl_addr_set_local(ra, na);
	rtnl_addr_set_prefixlen(ra, (int)a->prefix);
	if (a->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD); /* usable at once: no 1-2 s of tentative state */
	int r = nlc_err(c, rtnl_addr_add(c->sk, ra, 0));
	nl_addr_put(na);
	rtnl_addr_put(ra);
	return r == -EEXIST ? 0 : r;
}

struct mc6_scan {
	int ifindex;
	const struct net_addr *groups;
	unsigned n;
	bool *joined;
};

static int on_mc6(struct nl_msg *msg, void *arg)
{
	struct mc6_scan *m = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	/* the dump's answers are typed RTM_GETMULTICAST; newer kernels' notifications RTM_NEWMULTICAST (56) */
	if (h->nlmsg_type != RTM_GETMULTICAST && h->nlmsg_type != 56)
		return NL_OK;
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];
	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0 || ifa->ifa_family != AF_INET6 ||
	    (int)ifa->ifa_index != m->ifindex || !tb[IFA_MULTICAST] || nla_len(tb[IFA_MULTICAST]) != 16)
		return NL_OK;
	for (unsigned i = 0; i < m->n; i++)
		if (!memcmp(nla_data(tb[IFA_MULTICAST]), m->groups[i].bytes, 16))
			m->joined[i] = true;
	return NL_OK;
}

/* Has the kernel joined each IPv6 multicast group groups[i] on ifindex? joined[i] set for those
 * it has (one RTM_GETMULTICAST dump). 0 or -errno (nothing recorded). */
static int mc6_joined(struct nlc *c, int ifindex, const struct net_addr *groups, unsigned n, bool *joined)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETMULTICAST, NLM_F_DUMP);
	if (!msg)
		abort();
	struct ifaddrmsg ifa = {.ifa_family = AF_INET6, .ifa_index = (unsigned)ifindex};
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0)
		abort();
	struct mc6_scan m = {ifindex, groups, n, joined};
	return nlc_query(c, msg, NLQ_DUMP, on_mc6, &m);
}

void nlc_addr6_wait_joined(struct nlc *c, int ifindex, const char *ifname, const struct net_addr *addrs, unsigned na)
{
	struct net_addr groups[MAX_IPS];
	bool joined[MAX_IPS] = {false};
	unsigned ng = 0;
	for (unsigned i = 0; i < na && ng < MAX_IPS; i++)
		if (addrs[i].family == AF_INET6)
			net_solicited_node(&addrs[i], &groups[ng++]);
	if (!ng)
		return;
	uint64_t t0 = now_ms();
	long step_us = 50;
	for (;;) {
		int r = mc6_joined(c, ifindex, groups, ng, joined);
		if (r < 0) {
			log_warn("%s: cannot list the IPv6 multicast groups (%s): not waiting for them", ifname,
				 strerror(-r));
			return;
		}
		unsigned left = 0;
		for (unsigned i = 0; i < ng; i++)
			left += !joined[i];
		uint64_t waited = now_ms() - t0;
		if (!left) {
			if (step_us > 50)
				log_debug("netlink: %s: solicited-node groups joined after %llu ms", ifname,
					  (unsigned long long)waited);
			return;
		}
		if (waited >= 1000) {
			log_warn("%s: the kernel has not joined the solicited-node group of %u IPv6 address(es) "
				 "after 1 s; they answer once it has", ifname, left);
			return;
		}
		struct timespec ts = {0, step_us * 1000};
		nanosleep(&ts, NULL);
		if (step_us < 2000)
			step_us *= 2;
	}
}

/* dst == NULL: default route of family. gw == NULL: on-link (scope link) route. */
int nlc_route_add(struct nlc *c, int family, int ifindex, const char *ifname, const struct net_addr *dst,
		  const struct net_addr *gw)
{
	char ds[80] = "default", gs[80] = "";
	if (dst)
		net_format_addr(dst, ds, sizeof(ds));
	if (gw)
		net_format_addr(gw, gs, sizeof(gs));
	log_debug("netlink: add route %s%s%s dev %s%s", ds, gw ? " via " : "", gs, ifname, gw ? "" : " scope link");
	struct net_addr zero = {.family = family, .prefix = 0};
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	if (!rt || !nh)
		abort();
	struct nl_addr *nd = nlc_addr(dst ? dst : &zero);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_dst(rt, nd);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	struct nl_addr *ng = NULL;
	if (gw) {
		ng = nlc_addr(gw);
		rtnl_route_nh_set_gateway(nh, ng);
	}
	rtnl_route_add_nexthop(rt, nh); /* the route owns nh now */
	int r = nlc_err(c, rtnl_route_add(c->sk, rt, NLM_F_REPLACE));
	nl_addr_put(nd);
	if (ng)
		nl_addr_put(ng);
	rtnl_route_put(rt);
	return r;
}

struct nl_msg *nlc_tc_msg(int type, int flags, int ifindex, uint32_t handle, uint32_t parent, uint32_t info)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	if (!msg)
		abort();
	struct tcmsg t = {.tcm_family = AF_UNSPEC,
			  .tcm_ifindex = ifindex,
			  .tcm_handle = handle,
			  .tcm_parent = parent,
			  .tcm_info = info};
	if (nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0)
		abort();
	return msg;
}

int nlc_query(struct nlc *c, struct nl_msg *msg, enum nlc_query_kind kind, nl_recvmsg_msg_cb_t fn, void *arg)
{
	nl_complete_msg(c->sk, msg);
	if (kind == NLQ_GET_ECHO)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ECHO;
	int r = nl_send(c->sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return nlc_err(c, r);
	struct nl_cb *sc = nl_socket_get_cb(c->sk), *cb = nl_cb_clone(sc);
	nl_cb_put(sc);
	if (!cb)
		abort();
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	r = nlc_err(c, nl_recvmsgs(c->sk, cb));
	nl_cb_put(cb);
	/* a get: the answer came, its acknowledgement follows (an error comes alone, as the answer) */
	if (r >= 0 && kind != NLQ_DUMP)
		r = nlc_err(c, nl_wait_for_ack(c->sk));
	return r < 0 ? r : 0;
}

int nlc_clsact_ensure(struct nlc *c, int ifindex, const char *ifname)
{
	log_debug("netlink: add qdisc clsact to %s", ifname);
	struct nl_msg *msg =
		nlc_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_MAKE(TC_H_CLSACT, 0), TC_H_CLSACT, 0);
	if (nla_put_string(msg, TCA_KIND, "clsact") < 0)
		abort();
	int r = nlc_err(c, nl_send_sync(c->sk, msg)); /* frees msg */
	return r == -EEXIST ? 0 : r;
}
