/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shape: TBF shapers on the host side of a veth, the upload one behind an IFB; see shape.h. */
#include "shape.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

void shape_tbf_params(uint64_t bps, unsigned mtu, struct shape_tbf *out)
{
	uint64_t rate = bps / 8;
	if (rate == 0)
		rate = 1;
	if (rate > INT32_MAX)
		rate = INT32_MAX;
	uint64_t frame = (uint64_t)(mtu ? mtu : 1500) + ETH_HLEN;
	uint64_t burst = rate / 100;
	if (burst < SHAPE_MIN_BURST)
		burst = SHAPE_MIN_BURST;
	if (burst < 2 * frame)
		burst = 2 * frame;
	uint64_t limit = burst + rate / 20;
	if (limit < 65536)
		limit = 65536;
	if (burst > INT32_MAX)
		burst = INT32_MAX;
	if (limit > INT32_MAX)
		limit = INT32_MAX;
	out->rate = (uint32_t)rate;
	out->burst = (uint32_t)burst;
	out->limit = (uint32_t)limit;
}

static uint32_t ingress_parent(void) { return TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS); }

/* ---- the TBF ---- */

/* Our TBF on ifindex: the qdisc (the caller puts it) or NULL. */
static int tbf_find(struct nlc *c, int ifindex, struct rtnl_qdisc **out)
{
	struct nl_cache *cache = NULL;
	*out = NULL;
	int r = nlc_err(c, rtnl_qdisc_alloc_cache(c->sk, &cache));
	if (r < 0)
		return r;
	struct rtnl_qdisc *q = rtnl_qdisc_get(cache, ifindex, SHAPE_HANDLE);
	if (q && strcmp(rtnl_tc_get_kind(TC_CAST(q)) ? rtnl_tc_get_kind(TC_CAST(q)) : "", "tbf")) {
		rtnl_qdisc_put(q);
		q = NULL;
	}
	*out = q;
	nl_cache_free(cache);
	return 0;
}

/* Add our TBF as the root qdisc of ifindex, or change its parameters in place. */
static int tbf_set(struct nlc *c, int ifindex, const char *ifname, unsigned mtu, uint64_t bps)
{
	struct shape_tbf p;
	shape_tbf_params(bps, mtu, &p);
	log_debug("netlink: qdisc tbf %x: root of %s: rate %" PRIu32 " B/s burst %" PRIu32 " limit %" PRIu32,
		  SHAPE_HANDLE >> 16, ifname, p.rate, p.burst, p.limit);
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), SHAPE_HANDLE);
	int r = rtnl_tc_set_kind(TC_CAST(q), "tbf");
	if (r >= 0) {
		rtnl_tc_set_mtu(TC_CAST(q), mtu ? mtu : 1500);
		rtnl_qdisc_tbf_set_limit(q, (int)p.limit);
		rtnl_qdisc_tbf_set_rate(q, (int)p.rate, (int)p.burst, 0);
		/* same handle: the kernel changes the qdisc in place; another root is replaced */
		r = rtnl_qdisc_add(c->sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	}
	r = nlc_err(c, r);
	rtnl_qdisc_put(q);
	return r;
}

/* Remove our TBF from ifindex (the device falls back to its default qdisc); none is fine. */
static int tbf_del(struct nlc *c, int ifindex, const char *ifname)
{
	struct rtnl_qdisc *q = NULL;
	int r = tbf_find(c, ifindex, &q);
	if (r < 0 || !q)
		return r;
	log_debug("netlink: delete qdisc tbf %x: from %s", SHAPE_HANDLE >> 16, ifname);
	struct rtnl_qdisc *d = rtnl_qdisc_alloc();
	if (!d)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(d), ifindex);
	rtnl_tc_set_parent(TC_CAST(d), rtnl_tc_get_parent(TC_CAST(q)));
	rtnl_tc_set_handle(TC_CAST(d), SHAPE_HANDLE);
	r = nlc_err(c, rtnl_qdisc_delete(c->sk, d));
	rtnl_qdisc_put(d);
	rtnl_qdisc_put(q);
	return r == -ENOENT ? 0 : r;
}

/* ---- the IFB and the redirect ---- */

/* The IFB of veth ifindex: its ifindex, 0 when there is none; -EEXIST when a link of that name
 * is not ours (another group or alias). */
static int ifb_find(struct nlc *c, int ifindex, const struct net_owner *o, char name[16])
{
	net_ifb_name(ifindex, name);
	struct rtnl_link *l = NULL;
	int r = nlc_link_get(c, name, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	int idx = nlc_link_owned(l, o) ? rtnl_link_get_ifindex(l) : -EEXIST;
	rtnl_link_put(l);
	return idx;
}

/* Create the IFB (up, o's) and return its ifindex. */
static int ifb_add(struct nlc *c, const char *name, const struct net_owner *o)
{
	log_debug("netlink: add ifb %s (group %#x)", name, o->group);
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		abort();
	rtnl_link_set_name(l, name);
	rtnl_link_set_group(l, o->group);
	rtnl_link_set_flags(l, IFF_UP);
	int r = rtnl_link_set_type(l, "ifb");
	if (r >= 0)
		r = rtnl_link_add(c->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	r = nlc_err(c, r);
	rtnl_link_put(l);
	if (r < 0)
		return r;
	if ((r = nlc_link_claim(c, name, o)) < 0) {
		nlc_link_del(c, name); /* just made (NLM_F_EXCL): ours, but not marked so */
		return r;
	}
	struct rtnl_link *now = NULL;
	if ((r = nlc_link_get(c, name, &now)) < 0)
		return r;
	r = nlc_link_up(c, now);
	int idx = rtnl_link_get_ifindex(now);
	rtnl_link_put(now);
	return r < 0 ? r : idx;
}

/* Is our redirect filter (u32 at SHAPE_PRIO) on the ingress of ifindex? 1 yes, 0 no. */
static int redirect_find(struct nlc *c, int ifindex)
{
	struct nl_cache *cache = NULL;
	int r = nlc_err(c, rtnl_cls_alloc_cache(c->sk, ifindex, ingress_parent(), &cache));
	if (r < 0)
		return r == -EINVAL || r == -ENOENT ? 0 : r; /* no clsact: no filter */
	int found = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_cls *cl = (struct rtnl_cls *)o;
		const char *kind = rtnl_tc_get_kind(TC_CAST(cl));
		if (rtnl_cls_get_prio(cl) == SHAPE_PRIO && kind && !strcmp(kind, "u32"))
			found = 1;
	}
	nl_cache_free(cache);
	return found;
}

/* Add the match-all u32 filter that redirects everything ingress of ifindex to ifb_index. */
static int redirect_add(struct nlc *c, int ifindex, const char *ifname, int ifb_index, const char *ifb)
{
	int r = nlc_clsact_ensure(c, ifindex, ifname);
	if (r < 0)
		return r;
	log_debug("netlink: add filter u32 (prio %u, match all, terminal) to %s ingress: mirred redirect to %s",
		  SHAPE_PRIO, ifname, ifb);
	struct rtnl_cls *cl = rtnl_cls_alloc();
	struct rtnl_act *act = rtnl_act_alloc();
	if (!cl || !act)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(cl), ifindex);
	rtnl_tc_set_parent(TC_CAST(cl), ingress_parent());
	rtnl_cls_set_prio(cl, SHAPE_PRIO);
	rtnl_cls_set_protocol(cl, ETH_P_ALL);
	if ((r = rtnl_tc_set_kind(TC_CAST(cl), "u32")) < 0 || (r = rtnl_tc_set_kind(TC_CAST(act), "mirred")) < 0)
		goto out;
	/* one key that matches every packet (offset 0, mask 0); terminal: no further filter runs */
	if ((r = rtnl_u32_add_key_uint32(cl, 0, 0, 0, 0)) < 0 || (r = rtnl_u32_set_cls_terminal(cl)) < 0)
		goto out;
	rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	rtnl_mirred_set_ifindex(act, (uint32_t)ifb_index);
	if ((r = rtnl_u32_add_action(cl, act)) < 0)
		goto out;
	r = rtnl_cls_add(c->sk, cl, NLM_F_CREATE | NLM_F_EXCL);
out:
	r = nlc_err(c, r);
	rtnl_act_put(act);
	rtnl_cls_put(cl);
	return r;
}

/* Remove every filter at SHAPE_PRIO from the ingress of ifindex; none is fine. */
static int redirect_del(struct nlc *c, int ifindex, const char *ifname)
{
	int r = redirect_find(c, ifindex);
	if (r <= 0)
		return r;
	log_debug("netlink: delete filter u32 (prio %u) from %s ingress", SHAPE_PRIO, ifname);
	struct nl_msg *msg =
		nlc_tc_msg(RTM_DELTFILTER, 0, ifindex, 0, ingress_parent(), TC_H_MAKE(SHAPE_PRIO << 16, htons(ETH_P_ALL)));
	r = nlc_err(c, nl_send_sync(c->sk, msg)); /* frees msg */
	return r == -ENOENT ? 0 : r;
}

static int ifb_del(struct nlc *c, const char *name)
{
	log_debug("netlink: delete ifb %s", name);
	return nlc_link_del(c, name);
}

int shape_ifb_del(struct nlc *c, int ifindex, const struct net_owner *o)
{
	char name[16];
	int r = ifb_find(c, ifindex, o, name);
	if (r <= 0)
		return r == -EEXIST ? 0 : r;
	return ifb_del(c, name);
}

/* ---- the whole ---- */

static int upload_set(struct nlc *c, int ifindex, const char *ifname, const struct net_owner *o, unsigned mtu,
		      uint64_t bps)
{
	char ifb[16];
	int idx = ifb_find(c, ifindex, o, ifb), r;
	if (idx == -EEXIST)
		return cerr(EX_NETDEV, EEXIST,
			    "%s: the IFB device %s for the upload limit exists and is not this container's", ifname, ifb);
	if (idx < 0)
		return cerr(EX_NETDEV, idx, "%s: look up the IFB device %s", ifname, ifb);
	bool made = false;
	if (idx == 0) {
		if ((idx = ifb_add(c, ifb, o)) < 0)
			return cerr(EX_NETDEV, idx, "%s: create the IFB device %s (is the kernel's ifb driver there?)",
				    ifname, ifb);
		made = true;
	}
	/* the shaper first, then the redirect: no frame ever reaches an unshaped IFB */
	if ((r = tbf_set(c, idx, ifb, mtu, bps)) < 0) {
		r = cerr(EX_NETDEV, r, "%s: set the upload limit (tbf on %s)", ifname, ifb);
		goto fail;
	}
	if ((r = redirect_find(c, ifindex)) < 0 || (r == 0 && (r = redirect_add(c, ifindex, ifname, idx, ifb)) < 0)) {
		r = cerr(EX_NETDEV, r, "%s: redirect the upload to %s (u32 filter, mirred action)", ifname, ifb);
		goto fail;
	}
	return 0;
fail:
	if (made)
		ifb_del(c, ifb);
	return r;
}

static int upload_off(struct nlc *c, int ifindex, const char *ifname, const struct net_owner *o)
{
	int r = redirect_del(c, ifindex, ifname);
	if (r < 0)
		return cerr(EX_NETDEV, r, "%s: remove the upload redirect", ifname);
	if ((r = shape_ifb_del(c, ifindex, o)) < 0)
		return cerr(EX_NETDEV, r, "%s: delete its IFB device", ifname);
	return 0;
}

int shape_apply(struct nlc *c, int ifindex, const char *ifname, const struct net_owner *o, uint64_t rate_in,
		uint64_t rate_out)
{
	struct rtnl_link *l = NULL;
	int r = nlc_link_get(c, ifname, &l);
	if (r < 0)
		return cerr(EX_VETH, r, "find host interface %s", ifname);
	unsigned mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	if (rate_in)
		r = tbf_set(c, ifindex, ifname, mtu, rate_in);
	else
		r = tbf_del(c, ifindex, ifname);
	if (r < 0)
		return cerr(EX_NETDEV, r, "%s: %s the download limit (tbf)", ifname, rate_in ? "set" : "remove");
	return rate_out ? upload_set(c, ifindex, ifname, o, mtu, rate_out) : upload_off(c, ifindex, ifname, o);
}

/* ---- counters ---- */

struct root_found {
	bool on;
	uint64_t drops;
};

static int on_root_qdisc(struct nl_msg *msg, void *arg)
{
	struct root_found *f = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	if (h->nlmsg_type != RTM_NEWQDISC)
		return NL_OK;
	struct tcmsg *t = nlmsg_data(h);
	struct nlattr *tb[TCA_MAX + 1], *sb[TCA_STATS_MAX + 1];
	if (nlmsg_parse(h, sizeof(*t), tb, TCA_MAX, NULL) < 0 || t->tcm_handle != SHAPE_HANDLE || !tb[TCA_KIND] ||
	    strcmp(nla_get_string(tb[TCA_KIND]), "tbf"))
		return NL_OK;
	f->on = true;
	if (tb[TCA_STATS2] && nla_parse_nested(sb, TCA_STATS_MAX, tb[TCA_STATS2], NULL) >= 0 && sb[TCA_STATS_QUEUE] &&
	    nla_len(sb[TCA_STATS_QUEUE]) >= (int)sizeof(struct gnet_stats_queue)) {
		struct gnet_stats_queue qs;
		memcpy(&qs, nla_data(sb[TCA_STATS_QUEUE]), sizeof(qs));
		f->drops = qs.drops;
	}
	return NL_OK;
}

/* Our TBF at the root of ifindex, and its drops: one RTM_GETQDISC for that interface's root (a
 * dump of the qdiscs would read every interface of the host, once per container). */
static void tbf_stats(struct nlc *c, int ifindex, bool *on, uint64_t *drops)
{
	/* the kernel sends a qdisc it was asked for only as an echo */
	struct root_found f = {0};
	nlc_query(c, nlc_tc_msg(RTM_GETQDISC, 0, ifindex, 0, TC_H_ROOT, 0), NLQ_GET_ECHO, on_root_qdisc, &f);
	*on = f.on;
	*drops = f.drops;
}

int shape_read_stats(const char *host_ifname, struct shape_stats *out)
{
	memset(out, 0, sizeof(*out));
	int ifindex = (int)if_nametoindex(host_ifname);
	if (ifindex <= 0)
		return -ENODEV;
	struct nlc c = {0};
	int r = nlc_open_quiet(&c);
	if (r < 0)
		return r;
	struct rtnl_link *l = NULL;
	if ((r = nlc_link_get(&c, host_ifname, &l)) >= 0) {
		out->in_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
		out->in_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
		out->out_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
		out->out_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
		rtnl_link_put(l);
	}
	if (r >= 0) {
		tbf_stats(&c, ifindex, &out->in_on, &out->in_drops);
		char ifb[16];
		net_ifb_name(ifindex, ifb);
		int ifbi = (int)if_nametoindex(ifb);
		if (ifbi > 0)
			tbf_stats(&c, ifbi, &out->out_on, &out->out_drops);
	}
	nlc_close(&c);
	return r;
}
