/* set CTID --PARAM VALUE ... [--save] */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "devbpf.h"
#include "error.h"
#include "guestnet.h"
#include "lock.h"
#include "log.h"
#include "netlink.h"
#include "quota.h"
#include "runconf.h"
#include "state.h"
#include "util.h"

/* Repeated PF_JOIN options (--nameserver A --nameserver B) become one space-separated list. */
struct joined {
	const struct param *p;
	char *text;
};

int cli_apply_options(struct ct_config *c, int argc, char **argv, int first, unsigned flag, bool *save)
{
	struct joined j[8];
	unsigned nj = 0;
	const char *ifname = NULL;
	int r = 0;
	for (int i = first; i < argc && r >= 0; i++) {
		const struct param *p;
		const char *v;
		if (save && strcmp(argv[i], "--save") == 0) {
			*save = true;
			continue;
		}
		if (strcmp(argv[i], "--ifname") == 0) {
			if (i + 1 >= argc)
				return cerr(EX_BADSYNTAX, 0, "option --ifname needs a value");
			ifname = argv[++i];
			continue;
		}
		/* per-interface options: after --ifname, or alone for the first interface */
		const char *a = argv[i];
		if (str_startswith(a, "--") && i + 1 < argc && !strchr(a, '=')) {
			char key[32];
			snprintf(key, sizeof(key), "%s", a + 2);
			for (char *s = key; *s; s++)
				if (*s == '-')
					*s = '_';
			if (param_is_netif_key(key) && (ifname || (strcmp(key, "ipadd") && strcmp(key, "ipdel")))) {
				r = param_netif_set(c, ifname, key, argv[++i]);
				continue;
			}
		}
		r = cli_param(argc, argv, &i, flag, &p, &v);
		if (r == 0)
			r = cli_usage("%s: unknown option '%s'", argv[0], argv[i]);
		if (r < 0)
			break;
		if (p->flags & PF_JOIN) {
			unsigned k = 0;
			while (k < nj && j[k].p != p)
				k++;
			if (k == nj && nj < ARRAY_SIZE(j))
				j[nj++] = (struct joined){p, xstrdup(v)};
			else if (k < nj) {
				char *t = xasprintf("%s %s", j[k].text, v);
				free(j[k].text);
				j[k].text = t;
			}
			continue;
		}
		r = param_set(c, p, v);
	}
	for (unsigned k = 0; k < nj; k++) {
		if (r >= 0)
			r = param_set(c, j[k].p, j[k].text);
		free(j[k].text);
	}
	return r < 0 ? r : 0;
}

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
	    x->ip_filter_off != y->ip_filter_off)
		return true;
	for (unsigned j = 0; j < x->nips; j++)
		if (!has_ip(y, x->ips[j]))
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
	bool host_changed = !same(old->hostname, c->hostname);
	bool dns_changed = !same(old->nameserver, c->nameserver) || !same(old->searchdomain, c->searchdomain);
	if (!host_changed && !dns_changed && !ips_changed)
		return 0;
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, c->ctid);
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cerr(EX_NOPRIVATE, errno, "open private area %s", root);
	uid_t owner = c->userns ? c->uid_base : 0;
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
	if (a->nnetif != b->nnetif)
		return true;
	for (unsigned i = 0; i < a->nnetif; i++)
		if (strcmp(a->netif[i].ifname, b->netif[i].ifname) || netif_differs(a, i, b, i))
			return true;
	return false;
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

/* set on a running container: the options change its running configuration (and, with --save,
 * the saved one too); what changed is applied live. */
static int set_running(struct gconf *g, unsigned ctid, int argc, char **argv, const struct ct_state *st)
{
	struct ct_config *c = NULL, *old = NULL, *rold = NULL, *rnew = NULL;
	_cleanup_free_ char *before = NULL, *after = NULL, *rbefore = NULL, *rafter = NULL, *root = NULL;
	bool save = false, dummy = false;
	int r;
	if ((r = load_running(g, ctid, &rold)) < 0 || (r = load_running(g, ctid, &rnew)) < 0)
		goto out;
	rbefore = ini_render(rnew->doc);
	if ((r = cli_apply_options(rnew, argc, argv, 2, PF_SET, &save)) < 0)
		goto out;
	rafter = ini_render(rnew->doc);
	if (save) {
		if ((r = ctconf_load(g, ctid, &c)) < 0 || (r = ctconf_load(g, ctid, &old)) < 0)
			goto out;
		before = ini_render(c->doc);
		if ((r = cli_apply_options(c, argc, argv, 2, PF_SET, &dummy)) < 0)
			goto out;
		after = ini_render(c->doc);
		if (net_differs(old, c) && ((r = net_check_conflicts(g, c)) < 0 || (r = net_check_bridges(g, c)) < 0))
			goto out;
	}
	if (net_differs(rold, rnew) && ((r = net_check_conflicts(g, rnew)) < 0 || (r = net_check_bridges(g, rnew)) < 0))
		goto out;
	root = xasprintf("%s/%u", g->private_dir, ctid);
	const struct cg_ops *ops = cg_backend(st->cg.mode);
	if ((r = ops->apply(&st->cg, rnew, root, true)) < 0)
		goto out;
	if ((r = apply_net_live(g, rold, rnew, st)) < 0)
		goto out;
	if ((r = quota_ct_update(g, rold, rnew)) < 0)
		goto out;
	if (strcmp(rbefore, rafter) && (r = runconf_save(g, rnew)) < 0)
		goto out;
	if (save && strcmp(before, after)) {
		if ((r = ctconf_save(c)) < 0)
			goto out;
		log_file_only("Configuration saved");
		printf("Saved parameters for CT %u\n", ctid);
	} else if (save || !strcmp(rbefore, rafter)) {
		printf("No changes in CT configuration, not saving\n");
	} else {
		fprintf(stderr, "WARNING: Settings were not saved to the container configuration file and will be lost "
				"after CT restart. Use --save to save them.\n");
	}
	r = 0;
out:
	if (c)
		ctconf_free(c);
	if (old)
		ctconf_free(old);
	if (rold)
		ctconf_free(rold);
	if (rnew)
		ctconf_free(rnew);
	return r;
}

int cmd_set(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl set CTID --PARAM VALUE ... [--save]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "set", &lk)) < 0)
		return r;
	log_set_ctid(ctid);
	struct ct_state st;
	if (ct_running(g, ctid, &st)) {
		r = set_running(g, ctid, argc, argv, &st);
		ct_lock_release(&lk);
		return r;
	}
	struct ct_config *c = NULL, *old = NULL;
	_cleanup_free_ char *before = NULL, *after = NULL;
	bool save = false;
	if ((r = ctconf_load(g, ctid, &c)) < 0 || (r = ctconf_load(g, ctid, &old)) < 0)
		goto out;
	before = ini_render(c->doc);
	if ((r = cli_apply_options(c, argc, argv, 2, PF_SET, &save)) < 0)
		goto out;
	after = ini_render(c->doc);
	if (strcmp(before, after) == 0) {
		printf("No changes in CT configuration, not saving\n");
		r = 0;
		goto out;
	}
	if (!save) {
		r = cerr(EX_NOTRUNNING, 0,
			 "container %u is not running: nothing was changed (use --save to change its config)", ctid);
		goto out;
	}
	if (net_differs(old, c) && ((r = net_check_conflicts(g, c)) < 0 || (r = net_check_bridges(g, c)) < 0))
		goto out;
	/* the quota lives on the filesystem: applied at --save when stopped */
	if ((r = quota_ct_update(g, old, c)) < 0)
		goto out;
	if ((r = ctconf_save(c)) < 0)
		goto out;
	log_file_only("Configuration saved");
	printf("Saved parameters for CT %u\n", ctid);
	r = 0;
out:
	if (c)
		ctconf_free(c);
	if (old)
		ctconf_free(old);
	ct_lock_release(&lk);
	return r;
}
