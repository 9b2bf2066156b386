/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nlsock: the libnl plumbing under netlink.c (private to the netlink layer: nothing above it
 * includes this). A route socket with the kernel's own errno kept, opened in the caller's network
 * namespace or in a guest's, and the single requests the operations of netlink.c are made of.
 * Errors: negative errno; nlc_open and nlc_open_in record a cerr, the requests do not (their
 * callers say what failed). Every request is logged at debug level. */
#pragma once
#include <sys/types.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "netaddr.h"

struct nlc {
	struct nl_sock *sk;
	int kerr; /* the kernel's errno of the last failed request (negative), 0 when none */
};

/* A libnl return value r as a negative errno (0 for r >= 0), preferring what the kernel said. */
int nlc_err(struct nlc *c, int r);
/* Open a route socket in the current network namespace. cerr(EX_SYSTEM). */
int nlc_open(struct nlc *c);
/* The same, recording nothing (for readers that report a plain -errno). */
int nlc_open_quiet(struct nlc *c);
/* Open a route socket inside the network namespace of pid (entered for nl_connect only).
 * cerr(EX_NETDEV / EX_SYSTEM). */
int nlc_open_in(struct nlc *c, pid_t pid);
/* Close the socket (c->sk NULL is fine). */
void nlc_close(struct nlc *c);

/* a as a libnl address with its prefix length (the caller puts it). */
struct nl_addr *nlc_addr(const struct net_addr *a);
/* "aa:bb:cc:dd:ee:ff" as a libnl link-layer address; NULL for NULL, "" or a bad MAC. */
struct nl_addr *nlc_lladdr(const char *mac);

/* Link by name: 0 and *out (the caller puts it), -ENODEV when there is none. */
int nlc_link_get(struct nlc *c, const char *name, struct rtnl_link **out);
/* Is host veth l (of the caller's namespace) the peer of guest_ifname in the network namespace of
 * pid: its peer in another namespace (a link netnsid), there a veth of that name whose own peer is
 * l? 0, -EXDEV when not, or the -errno of opening a socket there (recorded). */
int nlc_veth_peer_in(struct rtnl_link *l, pid_t pid, const char *guest_ifname);
/* Set l up (nothing to do when it is). */
int nlc_link_up(struct nlc *c, struct rtnl_link *l);
/* Delete a link by name; a missing one is fine (0). */
int nlc_link_del(struct nlc *c, const char *name);
/* Is link l o's: its group and its alias both o's? */
bool nlc_link_owned(struct rtnl_link *l, const struct net_owner *o);
/* Give link name o's alias (RTM_SETLINK: the kernel takes no alias when it creates a link). */
int nlc_link_claim(struct nlc *c, const char *name, const struct net_owner *o);
/* The name prefix of a host veth retired by nlc_links_retire_owned. */
#define RETIRE_PREFIX "ccgone"
/* At a container's end: each of o's veths whose peer is in another namespace (the container's,
 * about to go) is set down and renamed RETIRE_PREFIX<ifindex hex>, which frees its name at once
 * and leaves the unregistration to the kernel when the namespace goes (a delete waits for an RCU
 * barrier: 15-20 ms); anything else of o's (an IFB, a veth whose peer never left) is deleted: in
 * one request for the whole group when no other link carries the group (the same CTID of another
 * installation: then one by one, theirs left alone with a warning). 0 or -errno (nothing
 * recorded). */
int nlc_links_retire_owned(struct nlc *c, const struct net_owner *o);
/* Add address a to interface ifindex (ifname for the log); IPv6 without duplicate address
 * detection. An address already there is fine (0). */
int nlc_addr_add(struct nlc *c, int ifindex, const char *ifname, const struct net_addr *a);
/* Wait until the IPv6 addresses of addrs (of na; the others are skipped) are usable from
 * outside: the kernel adds an address at once (IFA_F_NODAD: never tentative) but joins its
 * solicited-node group later, from its address work queue, and a neighbour's solicitation for the
 * address before that goes unanswered (the first packet to it then waits for the neighbour's next
 * try, 1 s). So start and set return only once every group is joined on ifindex: one
 * RTM_GETMULTICAST dump, usually at once, polled up to 1 s, then a warning (the address works a
 * moment later). ifname is for the messages. */
void nlc_addr6_wait_joined(struct nlc *c, int ifindex, const char *ifname, const struct net_addr *addrs, unsigned na);
/* Add or replace a route of family through ifindex: to dst (NULL: the default route), via gw
 * (NULL: on-link, scope link). */
int nlc_route_add(struct nlc *c, int family, int ifindex, const char *ifname, const struct net_addr *dst,
		  const struct net_addr *gw);
/* A tc request (qdisc, class or filter: RTM_*) for ifindex with its tcmsg filled in; the caller
 * adds the attributes and sends it. */
struct nl_msg *nlc_tc_msg(int type, int flags, int ifindex, uint32_t handle, uint32_t parent, uint32_t info);
/* Send msg (freed) and read what comes back, fn called for each answer (NL_CB_VALID). NLQ_DUMP:
 * a dump (NLM_F_DUMP), read to its end. NLQ_GET: a plain get (a neighbour): its one answer, then
 * the acknowledgement, so that the socket's sequence stays in step; an error comes alone.
 * NLQ_GET_ECHO: the same for a get the kernel answers only as an echo (a qdisc: NLM_F_ECHO).
 * 0 or -errno (nothing recorded). */
enum nlc_query_kind { NLQ_DUMP, NLQ_GET, NLQ_GET_ECHO };
int nlc_query(struct nlc *c, struct nl_msg *msg, enum nlc_query_kind kind, nl_recvmsg_msg_cb_t fn, void *arg);
/* Give ifindex a clsact qdisc (its ingress and egress filter hooks); one that is there already
 * (clsact or ingress, made by someone else) is shared: 0. */
int nlc_clsact_ensure(struct nlc *c, int ifindex, const char *ifname);
