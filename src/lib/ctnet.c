/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctnet: network conflicts between containers; see ctnet.h. */
#include "ctnet.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "netaddr.h"
#include "runconf.h"
#include "state.h"

/* Does address text a (any prefix) appear among n's addresses? */
static bool addr_among(const char *a, const struct ct_netif *n)
{
	struct net_addr x, y;
	if (net_parse_addr(a, &x) < 0)
		return false;
	for (unsigned b = 0; b < n->nips; b++)
		if (net_parse_addr(n->ips[b], &y) == 0 && net_addr_equal(&x, &y))
			return true;
	return false;
}

/* A routed address belongs to one container only (whatever the interfaces: it is routed to
 * it): c's routed addresses against every address of o, and c's others against o's routed ones. */
static const char *routed_clash(const struct ct_config *c, const struct ct_config *o)
{
	for (unsigned a = 0; a < c->venet.nips; a++) {
		if (addr_among(c->venet.ips[a], &o->venet))
			return c->venet.ips[a];
		for (unsigned j = 0; j < o->nnetif; j++)
			if (addr_among(c->venet.ips[a], &o->netif[j]))
				return c->venet.ips[a];
	}
	for (unsigned i = 0; i < c->nnetif; i++)
		for (unsigned a = 0; a < c->netif[i].nips; a++)
			if (addr_among(c->netif[i].ips[a], &o->venet))
				return c->netif[i].ips[a];
	return NULL;
}

/* c's interfaces against those of o, another container. */
static int check_against(const struct gconf *g, const struct ct_config *c, const struct net_ifres *mine,
			 const struct ct_config *o)
{
	int running = -1; /* looked up only when an address could clash */
	const char *clash = routed_clash(c, o);
	if (clash && (running = ct_running(g, o->ctid, NULL)))
		return cerr(EX_IPINUSE, 0, "IP address %s already used by CT %u", clash, o->ctid);
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

struct conflict_scan {
	const struct gconf *g;
	const struct ct_config *c;
	const struct net_ifres *mine;
	bool had_error; /* an error was recorded before the scan: not ours to clear */
};

static int scan_one(unsigned ctid, struct ct_config **o, void *arg)
{
	struct conflict_scan *s = arg;
	if (ctid == s->c->ctid)
		return 0;
	int r = check_against(s->g, s->c, s->mine, *o);
	if (r < 0)
		return r;
	/* a running neighbour: what it runs with now (live changes included) counts too */
	struct ct_config *run = NULL;
	if (runconf_load(s->g, ctid, &run) == 0) {
		r = check_against(s->g, s->c, s->mine, run);
		ctconf_free(run);
	} else if (!s->had_error) {
		cerr_clear();
	}
	return r;
}

int ct_check_net_conflicts(const struct gconf *g, const struct ct_config *c)
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
	if (c->nnetif == 0 && c->venet.nips == 0)
		return 0;
	struct conflict_scan s = {g, c, mine, cerr_msg() != NULL};
	return ctconf_foreach(g, 0, scan_one, &s);
}
