/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctset.h"

#include <fcntl.h>
#include <string.h>

#include "bindmnt.h"
#include "ctname.h"
#include "ctnet.h"
#include "ctops.h"
#include "error.h"
#include "guestnet.h"
#include "lock.h"
#include "log.h"
#include "netlink.h"
#include "quota.h"
#include "routed.h"
#include "runconf.h"
#include "sockact.h"
#include "sockwait.h"
#include "state.h"
#include "util.h"

static int find_if(const struct ct_config *c, const char *name)
{
	for (unsigned i = 0; i < c->nnetif; i++)
		if (strcmp(c->netif[i].ifname, name) == 0)
			return (int)i;
	return -1;
}

static bool has_ip(const struct ct_netif *n, const char *ip)
{
	for (unsigned i = 0; i < n->nips; i++)
		if (strcmp(n->ips[i], ip) == 0)
			return true;
	return false;
}

static bool same(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* Anything the host side, the guest's MAC or the anti-spoofing filter depends on (interface
 * names and MACs are derived from the position, so a moved interface differs too). */
static bool netif_differs(const struct ct_config *a, unsigned i, const struct ct_config *b, unsigned k)
{
	const struct ct_netif *x = &a->netif[i], *y = &b->netif[k];
	if (i != k || strcmp(x->mac, y->mac) || strcmp(x->bridge, y->bridge) || strcmp(x->host_ifname, y->host_ifname) ||
	    strcmp(x->host_mac, y->host_mac) || x->nips != y->nips || x->mac_filter_off != y->mac_filter_off ||
	    x->ip_filter_off != y->ip_filter_off || x->rate_in != y->rate_in || x->rate_out != y->rate_out)
		return true;
	for (unsigned j = 0; j < x->nips; j++)
		if (!has_ip(y, x->ips[j]))
			return true;
	return false;
}

/* The routed addresses differ (as sets). */
static bool venet_differs(const struct ct_config *a, const struct ct_config *b)
{
	if (a->venet.nips != b->venet.nips)
		return true;
	for (unsigned j = 0; j < a->venet.nips; j++)
		if (!has_ip(&b->venet, a->venet.ips[j]))
			return true;
	return false;
}

/* Apply network, hostname and DNS differences between the running configuration old and the new
 * one c to the running guest. */
static int apply_net_live(const struct gconf *g, const struct ct_config *old, const struct ct_config *c,
			  const struct ct_state *st)
{
	pid_t pid = st->init_pid;
	int r;
	bool ips_changed = false;
	for (unsigned i = 0; i < old->nnetif; i++)
		if (find_if(c, old->netif[i].ifname) < 0) {
			if ((r = net_netif_down(g, old, i)) < 0)
				return r;
			ips_changed = true; /* the guest's network files lose that interface */
		}
	for (unsigned i = 0; i < c->nnetif; i++) {
		const struct ct_netif *n = &c->netif[i];
		int oi = find_if(old, n->ifname);
		if (oi < 0)
			continue;
		const struct ct_netif *o = &old->netif[oi];
		/* host side, MAC and filter first: an address removed below is refused by then */
		if (netif_differs(old, (unsigned)oi, c, i) && (r = net_netif_change(g, old, (unsigned)oi, c, i, pid)) < 0)
			return r;
		for (unsigned k = 0; k < o->nips; k++)
			if (!has_ip(n, o->ips[k])) {
				if ((r = net_guest_addr_del(pid, n->ifname, o->ips[k])) < 0)
					return r;
				ips_changed = true;
			}
		for (unsigned k = 0; k < n->nips; k++)
			if (!has_ip(o, n->ips[k])) {
				if ((r = net_guest_addr_add(pid, n->ifname, n->ips[k])) < 0)
					return r;
				ips_changed = true;
			}
		if (!same(o->gw, n->gw) || !same(o->gw6, n->gw6)) {
			if ((r = net_guest_setup(pid, n, 1)) < 0)
				return r;
			ips_changed = true; /* the guest's network files carry the gateways */
		}
	}
	for (unsigned i = 0; i < c->nnetif; i++)
		if (find_if(old, c->netif[i].ifname) < 0) {
			if ((r = net_netif_up(g, c, i, pid)) < 0)
				return r;
			ips_changed = true;
		}
	bool venet_rates = old->venet.rate_in != c->venet.rate_in || old->venet.rate_out != c->venet.rate_out;
	if (venet_differs(old, c) || (venet_rates && old->venet.nips && c->venet.nips)) {
		if ((r = routed_change(g, old, c, pid)) < 0)
			return r;
		ips_changed = ips_changed || venet_differs(old, c);
	}
	bool host_changed = !same(old->hostname, c->hostname);
	bool dns_changed = !same(old->nameserver, c->nameserver) || !same(old->searchdomain, c->searchdomain);
	if (!host_changed && !dns_changed && !ips_changed)
		return 0;
	/* layout overlay: the merged tree, which only the container's mount namespace has (init's
	 * root); the upper layer must not be written under a mounted overlay */
	_cleanup_free_ char *root = ctconf_overlay(c) ? xasprintf("/proc/%d/root", (int)pid)
						       : xasprintf("%s/%u", g->private_dir, c->ctid);
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cerr(EX_NOPRIVATE, errno, "open private area %s", root);
	/* on disk (a copy's private area: 0 when mapped) or through the merged tree (the upper layer,
	 * shifted) */
	uid_t owner = ctconf_disk_root(c);
	if ((host_changed || ips_changed) && (r = gnet_write_hostname(rootfd, c, owner, owner)) < 0)
		return r;
	if (host_changed && c->hostname && (r = gnet_set_hostname_live(pid, c->hostname)) < 0)
		return r;
	if (dns_changed && (r = gnet_write_resolv(rootfd, c, owner, owner)) < 0)
		return r;
	return 0;
}

static bool net_differs(const struct ct_config *a, const struct ct_config *b)
{
	if (a->nnetif != b->nnetif || venet_differs(a, b))
		return true;
	for (unsigned i = 0; i < a->nnetif; i++)
		if (strcmp(a->netif[i].ifname, b->netif[i].ifname) || netif_differs(a, i, b, i))
			return true;
	return false;
}

/* A changed network configuration must not clash with a neighbour's, and its bridges must exist
 * (or be ones cellctl may create). */
static int check_net(const struct gconf *g, const struct ct_config *old, const struct ct_config *c)
{
	int r;
	if (!net_differs(old, c))
		return 0;
	if ((r = ct_check_net_conflicts(g, c)) < 0)
		return r;
	return net_check_bridges(g, c);
}

/* The configuration a running container runs with: its running configuration, or (started by a
 * cellctl without one) its saved config. */
static int load_running(const struct gconf *g, unsigned ctid, struct ct_config **out)
{
	int r = runconf_load(g, ctid, out);
	if (r != -ENOENT)
		return r;
	log_debug("CT %u has no running configuration: live changes are computed against its config", ctid);
	return ctconf_load(g, ctid, out);
}

/* The changed configuration and the one before, with their texts to tell whether anything changed. */
struct change {
	struct ct_config *old, *c;
	char *before, *after;
};

static void change_free(struct change *ch)
{
	if (ch->old)
		ctconf_free(ch->old);
	if (ch->c)
		ctconf_free(ch->c);
	free(ch->before);
	free(ch->after);
	memset(ch, 0, sizeof(*ch));
}

static bool changed(const struct change *ch) { return strcmp(ch->before, ch->after) != 0; }

/* A changed listen list must not take another container's endpoint (nor be its own conflict). */
static int check_listen(const struct gconf *g, const struct change *ch)
{
	if (same(ch->old->listen, ch->c->listen))
		return 0;
	return sockact_check_conflicts(g, ch->c);
}

/* Load a configuration twice (load: the running or the saved one) and apply the options to the
 * second copy. */
static int change_load(const struct gconf *g, unsigned ctid, int (*load)(const struct gconf *, unsigned, struct ct_config **),
		       const struct set_opts *o, bool *save, struct change *ch)
{
	int r;
	if ((r = load(g, ctid, &ch->old)) < 0 || (r = load(g, ctid, &ch->c)) < 0)
		return r;
	ch->before = ini_render(ch->c->doc);
	if ((r = o->apply(ch->c, o->arg, save)) < 0)
		return r;
	/* a new name must be no other container's (the CTID is the one being renamed) */
	if (ch->c->name && !same(ch->old->name, ch->c->name) && (r = ct_name_check(g, ctid, ch->c->name)) < 0)
		return r;
	ch->after = ini_render(ch->c->doc);
	return 0;
}

static int save_config(struct change *saved, enum ct_set_result *res)
{
	int r = ctconf_save(saved->c);
	if (r < 0)
		return r;
	log_file_only("Configuration saved");
	*res = CT_SET_SAVED;
	return 0;
}

/* set on a running container: the options change its running configuration (and, with save,
 * the saved one too); what changed is applied live. */
static int set_running(const struct gconf *g, unsigned ctid, const struct set_opts *o, const struct ct_state *st,
		       enum ct_set_result *res)
{
	struct change run = {0}, saved = {0};
	bool save = false, dummy = false;
	int r;
	if ((r = change_load(g, ctid, load_running, o, &save, &run)) < 0)
		goto out;
	if (save && ((r = change_load(g, ctid, ctconf_load, o, &dummy, &saved)) < 0 ||
		     (r = check_net(g, saved.old, saved.c)) < 0 || (r = check_listen(g, &saved)) < 0))
		goto out;
	if ((r = check_net(g, run.old, run.c)) < 0)
		goto out;
	if ((r = bmnt_check_new(g, run.old, run.c, true)) < 0 ||
	    (save && (r = bmnt_check_new(g, saved.old, saved.c, false)) < 0))
		goto out;
	if ((r = ct_apply_limits(g, &st->cg, run.c, true)) < 0)
		goto out;
	if ((r = apply_net_live(g, run.old, run.c, st)) < 0)
		goto out;
	if ((r = bmnt_live(g, run.old, run.c, st->init_pid)) < 0)
		goto out;
	if ((r = quota_ct_update(g, run.old, run.c)) < 0)
		goto out;
	if (changed(&run) && (r = runconf_save(g, run.c)) < 0)
		goto out;
	if (save && changed(&saved))
		r = save_config(&saved, res);
	else
		*res = save || !changed(&run) ? CT_SET_UNCHANGED : CT_SET_LIVE_ONLY;
out:
	change_free(&run);
	change_free(&saved);
	return r;
}

/* set on a stopped container: only its saved config changes. */
static int set_stopped(const struct gconf *g, unsigned ctid, const struct set_opts *o, enum ct_set_result *res)
{
	struct change saved = {0};
	bool save = false;
	int r = change_load(g, ctid, ctconf_load, o, &save, &saved);
	if (r < 0)
		goto out;
	if (!changed(&saved)) {
		*res = CT_SET_UNCHANGED;
		goto out;
	}
	if (!save) {
		r = cerr(EX_NOTRUNNING, 0, "container %u is not running: nothing was changed (use --save to change its config)",
			 ctid);
		goto out;
	}
	if ((r = check_net(g, saved.old, saved.c)) < 0 || (r = bmnt_check_new(g, saved.old, saved.c, true)) < 0 ||
	    (r = check_listen(g, &saved)) < 0)
		goto out;
	/* the quota lives on the filesystem: applied at --save when stopped */
	if ((r = quota_ct_update(g, saved.old, saved.c)) < 0)
		goto out;
	r = save_config(&saved, res);
	/* onconnect: the waiter holds what the config now says (or goes) */
	if (r == 0 && (saved.old->onconnect != saved.c->onconnect || !same(saved.old->listen, saved.c->listen) ||
		       (saved.c->onconnect && saved.c->listen && !sockwait_present(g, ctid))))
		r = sockwait_sync(g, ctid);
out:
	change_free(&saved);
	return r;
}

int ct_set(const struct gconf *g, unsigned ctid, const struct set_opts *o, enum ct_set_result *res)
{
	struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "set", &lk);
	if (r < 0)
		return r;
	log_set_ctid(ctid);
	*res = CT_SET_UNCHANGED;
	struct ct_state st;
	if (ct_running(g, ctid, &st))
		r = set_running(g, ctid, o, &st, res);
	else
		r = set_stopped(g, ctid, o, res);
	ct_lock_release(&lk);
	return r;
}
