/* netlink: veth pairs, bridges, addresses and routes through libnl-3; see netlink.h. */
#include "netlink.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <uuid/uuid.h>

#include "error.h"
#include "log.h"
#include "state.h"
#include "util.h"

/* ---- pure helpers ---- */

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

static unsigned addr_len(int family) { return family == AF_INET ? 4 : 16; }

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, addr_len(a->family));
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

static bool mac_parse(const char *s, uint8_t m[6])
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
	if (!mac_parse(s, m) || (m[0] & 0x01))
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
		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == ':' || ch == ',')
			return false;
	}
	return true;
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
	/* without a uuid (hand-written legacy config) the kernel picks random MACs */
	if (n->mac[0])
		snprintf(out->mac, sizeof(out->mac), "%s", n->mac);
	else if (c->uuid)
		net_guest_mac(c->uuid, idx, out->mac);
	if (n->host_mac[0])
		snprintf(out->host_mac, sizeof(out->host_mac), "%s", n->host_mac);
	else if (c->uuid)
		net_host_mac(c->uuid, idx, out->host_mac);
	const char *br = n->bridge[0] ? n->bridge : (g && g->bridge ? g->bridge : "");
	snprintf(out->bridge, sizeof(out->bridge), "%s", br);
	out->default_bridge = g && g->bridge && !strcmp(out->bridge, g->bridge);
	return 0;
}

/* ---- netlink plumbing ---- */

struct nlc {
	struct nl_sock *sk;
	int kerr; /* the kernel's errno of the last failed request (negative), 0 when none */
};

static int on_nlerr(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	((struct nlc *)arg)->kerr = e->error;
	return NL_STOP;
}

/* A libnl return value as a negative errno, preferring what the kernel said. */
static int nlc_err(struct nlc *c, int r)
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

static void nlc_close(struct nlc *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

/* Open a route socket in the current netns. */
static int nlc_open(struct nlc *c)
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

/* Open a route socket inside the network namespace of pid: a netlink socket stays bound to the
 * namespace it was created in, so the process enters it only for nl_connect() and leaves at once. */
static int nlc_open_in(struct nlc *c, pid_t pid)
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

static struct nl_addr *mk_nladdr(const struct net_addr *a)
{
	struct nl_addr *na = nl_addr_build(a->family, a->bytes, addr_len(a->family));
	if (!na)
		abort();
	nl_addr_set_prefixlen(na, (int)a->prefix);
	return na;
}

static struct nl_addr *mk_lladdr(const char *mac)
{
	uint8_t m[6];
	if (!mac || !*mac || !mac_parse(mac, m))
		return NULL;
	struct nl_addr *na = nl_addr_build(AF_LLC, m, 6);
	if (!na)
		abort();
	return na;
}

/* Link by name: 0 and *out, -ENODEV when there is none. */
static int link_get(struct nlc *c, const char *name, struct rtnl_link **out)
{
	*out = NULL;
	int r = nlc_err(c, rtnl_link_get_kernel(c->sk, 0, name, out));
	if (r == -ENOENT)
		r = -ENODEV;
	return r;
}

static int link_set_up(struct nlc *c, struct rtnl_link *l)
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

static int link_del(struct nlc *c, const char *name)
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

static int addr_add(struct nlc *c, int ifindex, const char *ifname, const struct net_addr *a)
{
	char t[80];
	struct net_addr shown = *a;
	shown.has_prefix = true;
	net_format_addr(&shown, t, sizeof(t));
	log_debug("netlink: add address %s to %s", t, ifname);
	struct rtnl_addr *ra = rtnl_addr_alloc();
	if (!ra)
		abort();
	struct nl_addr *na = mk_nladdr(a);
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

/* dst == NULL: default route of family. gw == NULL: on-link (scope link) route. */
static int route_add(struct nlc *c, int family, int ifindex, const char *ifname, const struct net_addr *dst,
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
	struct nl_addr *nd = mk_nladdr(dst ? dst : &zero);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_dst(rt, nd);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	struct nl_addr *ng = NULL;
	if (gw) {
		ng = mk_nladdr(gw);
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

/* ---- bridge and veth (caller's netns) ---- */

static int bridge_ensure(struct nlc *c, const char *name, const char *address)
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
		r = link_get(c, name, &l);
		if (r != -ENODEV)
			break;
		uint8_t m[6];
		mac_hash("bridge", name, strlen(name), 0, m);
		m[0] = (uint8_t)((m[0] | 0x02) & ~0x01);
		if (m[0] == 0xfe)
			m[0] = 0x02;
		char ms[18];
		mac_format(m, ms);
		log_debug("netlink: add bridge %s address %s", name, ms);
		struct rtnl_link *nb = rtnl_link_bridge_alloc();
		if (!nb)
			abort();
		struct nl_addr *ll = mk_lladdr(ms);
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
		r = link_set_up(c, l);
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
		r = addr_add(c, idx, name, &a);
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
	r = bridge_ensure(&c, name, address);
	nlc_close(&c);
	return r;
}

static int veth_add_once(struct nlc *c, const char *host_if, const char *host_mac, const char *guest_if,
			 const char *guest_mac, pid_t pid, int master, uint32_t group)
{
	log_debug("netlink: add veth %s (%s, group %#x) peer %s (%s) in netns of pid %d, master ifindex %d", host_if,
		  host_mac ? host_mac : "random", group, guest_if, guest_mac ? guest_mac : "random", (int)pid, master);
	struct rtnl_link *v = rtnl_link_veth_alloc();
	if (!v)
		abort();
	struct rtnl_link *peer = rtnl_link_veth_get_peer(v);
	struct nl_addr *hm = mk_lladdr(host_mac), *gm = mk_lladdr(guest_mac);
	rtnl_link_set_name(v, host_if);
	if (hm)
		rtnl_link_set_addr(v, hm);
	rtnl_link_set_flags(v, IFF_UP);
	if (master > 0)
		rtnl_link_set_master(v, master);
	if (group)
		rtnl_link_set_group(v, group);
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
	return r;
}

static int veth_add(struct nlc *c, const char *host_if, const char *host_mac, const char *guest_if,
		    const char *guest_mac, pid_t pid, const char *bridge, uint32_t group)
{
	if (!net_valid_ifname(host_if) || !net_valid_ifname(guest_if))
		return cerr(EX_VETH, 0, "invalid interface name '%s' or '%s'", host_if, guest_if);
	int master = 0;
	if (bridge && *bridge) {
		master = (int)if_nametoindex(bridge);
		if (master <= 0)
			return cerr(EX_VETH, errno, "find bridge %s", bridge);
	}
	int r = veth_add_once(c, host_if, host_mac, guest_if, guest_mac, pid, master, group);
	if (r == -EEXIST) {
		/* a leftover of ours (crashed monitor): only ever remove a veth */
		struct rtnl_link *old = NULL;
		log_debug("netlink: get link %s", host_if);
		if (link_get(c, host_if, &old) == 0) {
			const char *type = rtnl_link_get_type(old);
			bool veth = type && !strcmp(type, "veth");
			bool ours = rtnl_link_get_group(old) == group;
			rtnl_link_put(old);
			if (!veth)
				return cerr(EX_VETH, EEXIST, "host interface %s exists and is not a veth", host_if);
			/* the link group names the container that made it: never take another's */
			if (!ours)
				return cerr(EX_VETH, EEXIST, "host interface %s exists and does not belong to this container",
					    host_if);
			log_info("removing stale host interface %s", host_if);
			r = link_del(c, host_if);
			if (r < 0)
				return cerr(EX_VETH, r, "delete stale interface %s", host_if);
			r = veth_add_once(c, host_if, host_mac, guest_if, guest_mac, pid, master, group);
		}
	}
	if (r < 0)
		return cerr(EX_VETH, r, "create veth pair %s/%s", host_if, guest_if);
	return 0;
}

int net_veth_add(const char *host_if, const char *host_mac, const char *guest_if, const char *guest_mac,
		 pid_t guest_pid, const char *bridge)
{
	struct nlc c = {0};
	int r = nlc_open(&c);
	if (r < 0)
		return r;
	r = veth_add(&c, host_if, host_mac, guest_if, guest_mac, guest_pid, bridge, 0);
	nlc_close(&c);
	return r;
}

int net_link_del(const char *name)
{
	struct nlc c = {0};
	int r = nlc_open(&c);
	if (r < 0)
		return r;
	r = link_del(&c, name);
	nlc_close(&c);
	if (r < 0)
		return cerr(EX_VETH, r, "delete interface %s", name);
	return 0;
}

uint32_t net_link_group(unsigned ctid) { return NET_GROUP_BASE | ctid; }

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

/* ---- guest side ---- */

static int guest_link(struct nlc *c, const char *ifname, int *ifindex)
{
	struct rtnl_link *l = NULL;
	log_debug("netlink: get link %s (guest)", ifname);
	int r = link_get(c, ifname, &l);
	if (r < 0)
		return cerr(EX_NETDEV, r, "find interface %s in the container", ifname);
	*ifindex = rtnl_link_get_ifindex(l);
	r = link_set_up(c, l);
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
		r = route_add(c, family, ifindex, n->ifname, &gw, NULL);
	if (r >= 0)
		r = route_add(c, family, ifindex, n->ifname, NULL, &gw);
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
		r = addr_add(c, ifindex, n->ifname, &addrs[i]);
		if (r < 0)
			return cerr(EX_NETDEV, r, "%s: add address %s", n->ifname, n->ips[i]);
	}
	r = setup_gw(c, n, ifindex, addrs, na, n->gw, AF_INET);
	if (r >= 0)
		r = setup_gw(c, n, ifindex, addrs, na, n->gw6, AF_INET6);
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

int net_guest_addr_add(pid_t guest_pid, const char *ifname, const char *addr)
{
	struct net_addr a;
	if (net_parse_addr(addr, &a) < 0)
		return cerr(EX_BADIP, 0, "invalid address '%s'", addr);
	struct nlc c = {0};
	int r = nlc_open_in(&c, guest_pid);
	if (r < 0)
		return r;
	int ifindex = 0;
	r = guest_link(&c, ifname, &ifindex);
	if (r >= 0 && (r = addr_add(&c, ifindex, ifname, &a)) < 0)
		cerr(EX_NETDEV, r, "%s: add address %s", ifname, addr);
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
	    nl_addr_get_len(loc) != addr_len(d->a->family) ||
	    memcmp(nl_addr_get_binary_addr(loc), d->a->bytes, addr_len(d->a->family)))
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
	if (net_parse_addr(addr, &a) < 0)
		return cerr(EX_BADIP, 0, "invalid address '%s'", addr);
	struct nlc c = {0};
	int r = nlc_open_in(&c, guest_pid);
	if (r < 0)
		return r;
	struct rtnl_link *l = NULL;
	struct nl_cache *cache = NULL;
	log_debug("netlink: get link %s (guest)", ifname);
	r = link_get(&c, ifname, &l);
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
		r = bridge_ensure(hc, res.bridge, res.default_bridge ? g->bridge_address : NULL);
		if (r < 0)
			return r;
		snprintf(last_bridge, 16, "%s", res.bridge);
	}
	r = veth_add(hc, res.host_ifname, res.host_mac[0] ? res.host_mac : NULL, res.ifname,
		     res.mac[0] ? res.mac : NULL, pid, res.bridge[0] ? res.bridge : NULL, net_link_group(c->ctid));
	if (r < 0)
		return r;
	return gc ? setup_one(gc, &c->netif[idx]) : 0;
}

/* Delete the host link called name only when it carries our container's link group: a name that
 * clashed with someone else's interface must survive our rollback. */
static void del_if_ours(struct nlc *hc, const char *name, uint32_t group)
{
	struct rtnl_link *l = NULL;
	if (link_get(hc, name, &l) < 0)
		return;
	bool ours = rtnl_link_get_group(l) == group;
	rtnl_link_put(l);
	if (ours)
		link_del(hc, name);
}

static void undo_links(struct nlc *hc, const struct gconf *g, const struct ct_config *c, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		struct net_ifres res;
		if (net_resolve_netif(g, c, i, &res) == 0)
			del_if_ours(hc, res.host_ifname, net_link_group(c->ctid));
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
			del_if_ours(&hc, res.host_ifname, net_link_group(c->ctid));
	}
	nlc_close(&gc);
	nlc_close(&hc);
	return r;
}

int net_netif_down(const struct gconf *g, const struct ct_config *c, unsigned idx)
{
	struct net_ifres res;
	if (net_resolve_netif(g, c, idx, &res) < 0)
		return cerr(EX_BADVALUE, EINVAL, "no interface number %u", idx);
	return net_link_del(res.host_ifname);
}

int net_teardown_container(const struct gconf *g, const struct ct_config *c)
{
	struct nlc hc = {0};
	int r = nlc_open(&hc);
	if (r < 0)
		return r;
	int first = group_del(&hc, net_link_group(c->ctid));
	if (first < 0)
		cerr(EX_VETH, first, "delete the interfaces of CT %u", c->ctid);
	/* then each by name: normally gone with the group already; a same-named interface that is
	 * not ours (another group) is never touched */
	for (unsigned i = 0; i < c->nnetif; i++) {
		struct net_ifres res;
		if (net_resolve_netif(g, c, i, &res) == 0)
			del_if_ours(&hc, res.host_ifname, net_link_group(c->ctid));
	}
	nlc_close(&hc);
	return first;
}

/* ---- conflicts ---- */

static int check_against(const struct gconf *g, const struct ct_config *c, const struct net_ifres *mine,
			 const struct ct_config *o)
{
	int running = -1; /* looked up only when an address could clash */
	for (unsigned j = 0; j < o->nnetif; j++) {
		struct net_ifres res;
		if (net_resolve_netif(g, o, j, &res) < 0)
			continue;
		for (unsigned i = 0; i < c->nnetif; i++) {
			const struct net_ifres *m = &mine[i];
			if (m->mac[0] && !strcasecmp(m->mac, res.mac))
				return cerr(EX_BADVALUE, 0, "MAC %s already used by CT %u", m->mac, o->ctid);
			if (!strcmp(m->host_ifname, res.host_ifname))
				return cerr(EX_BADVALUE, 0, "host interface %s already used by CT %u", m->host_ifname,
					    o->ctid);
			if (strcmp(m->bridge, res.bridge) || !c->netif[i].nips || !o->netif[j].nips)
				continue;
			for (unsigned a = 0; a < c->netif[i].nips; a++)
				for (unsigned b = 0; b < o->netif[j].nips; b++) {
					struct net_addr x, y;
					if (net_parse_addr(c->netif[i].ips[a], &x) < 0 ||
					    net_parse_addr(o->netif[j].ips[b], &y) < 0 || !net_addr_equal(&x, &y))
						continue;
					if (running < 0)
						running = ct_running(g, o->ctid, NULL);
					if (running)
						return cerr(EX_IPINUSE, 0, "IP address %s already used by CT %u",
							    c->netif[i].ips[a], o->ctid);
				}
		}
	}
	return 0;
}

int net_check_conflicts(const struct gconf *g, const struct ct_config *c)
{
	struct net_ifres mine[MAX_NETIF];
	struct net_addr braddr;
	bool have_br = g->bridge_address && net_parse_addr(g->bridge_address, &braddr) == 0;
	for (unsigned i = 0; i < c->nnetif; i++) {
		if (net_resolve_netif(g, c, i, &mine[i]) < 0)
			return cerr(EX_BADVALUE, EINVAL, "CT %u: cannot name interface %s", c->ctid, c->netif[i].ifname);
		for (unsigned k = 0; k < i; k++) {
			if (mine[i].mac[0] && !strcasecmp(mine[i].mac, mine[k].mac))
				return cerr(EX_BADVALUE, 0, "MAC %s used twice", mine[i].mac);
			if (!strcmp(mine[i].host_ifname, mine[k].host_ifname))
				return cerr(EX_BADVALUE, 0, "host interface %s used twice", mine[i].host_ifname);
		}
		for (unsigned a = 0; a < c->netif[i].nips && have_br && mine[i].default_bridge; a++) {
			struct net_addr x;
			if (net_parse_addr(c->netif[i].ips[a], &x) == 0 && net_addr_equal(&x, &braddr))
				return cerr(EX_IPINUSE, 0, "IP address %s is the address of bridge %s",
					    c->netif[i].ips[a], mine[i].bridge);
		}
	}
	if (c->nnetif == 0)
		return 0;
	_cleanup_free_ unsigned *ids = NULL;
	unsigned n = 0;
	int r = ctconf_list(g, &ids, &n);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	bool had_error = cerr_msg() != NULL;
	for (unsigned k = 0; k < n; k++) {
		if (ids[k] == c->ctid)
			continue;
		struct ct_config *o = NULL;
		r = ctconf_load(g, ids[k], &o);
		if (r < 0) {
			/* a broken neighbour must not block this container; forget its error */
			log_debug("conflict check: skipping CT %u: %s", ids[k], cerr_msg() ? cerr_msg() : strerror(-r));
			if (!had_error)
				cerr_clear();
			continue;
		}
		r = check_against(g, c, mine, o);
		ctconf_free(o);
		if (r < 0)
			return r;
	}
	return 0;
}
