/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netstat [CTID...] [-H] [-j]: the anti-spoofing filter of each interface of running containers
 * and its drop counters (packets, by reason), read from the kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "antispoof.h"
#include "cli.h"
#include "error.h"
#include "json.h"
#include "netlink.h"
#include "runconf.h"
#include "state.h"
#include "util.h"

struct ifrow {
	char ifname[16], host_ifname[16];
	const char *filter; /* "mac,ip", "mac", "ip", "off", or "missing" (configured but not attached) */
	uint64_t drops[SPOOF_NREASONS];
};

static const char *filter_name(const struct ct_netif *n)
{
	if (!n->mac_filter_off && !n->ip_filter_off)
		return "mac,ip";
	if (!n->mac_filter_off)
		return "mac";
	return n->ip_filter_off ? "off" : "ip";
}

/* The rows of one running container; -ENOENT (no cerr) when it is not running. */
static int collect(const struct gconf *g, unsigned ctid, struct ifrow **rows, unsigned *nrows)
{
	*rows = NULL;
	*nrows = 0;
	if (!ct_running(g, ctid, NULL))
		return -ENOENT;
	struct ct_config *c = NULL;
	int r = runconf_load(g, ctid, &c);
	if (r == -ENOENT)
		r = ctconf_load(g, ctid, &c); /* started by a cellctl without running configurations */
	if (r < 0)
		return r;
	*rows = xcalloc(c->nnetif + 2, sizeof(**rows));
	/* the bridged interfaces, then the routed venet0 (always filtered) */
	for (unsigned i = 0; i < c->nnetif + (c->venet.nips ? 1 : 0); i++) {
		struct ifrow *w = &(*rows)[*nrows];
		struct net_ifres res;
		if ((i < c->nnetif ? net_resolve_netif(g, c, i, &res) : net_venet_resolve(c, &res)) < 0)
			continue;
		snprintf(w->ifname, sizeof(w->ifname), "%s", res.ifname);
		snprintf(w->host_ifname, sizeof(w->host_ifname), "%s", res.host_ifname);
		w->filter = i < c->nnetif ? filter_name(&c->netif[i]) : "mac,ip";
		int k = net_spoof_counters(res.host_ifname, w->drops);
		if (k < 0 && k != -ENODEV) {
			ctconf_free(c);
			return cerr(EX_NETDEV, k, "read the filter of %s", res.host_ifname);
		}
		if (k <= 0 && strcmp(w->filter, "off"))
			w->filter = "missing";
		(*nrows)++;
	}
	ctconf_free(c);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

static const struct cli_opt netstat_opts[] = {
	{'H', "no-header", 'H', NULL, "no header line", false},
	{'j', "json", 'j', NULL, "a JSON array", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_netstat = {"netstat", cmd_netstat, "[CTID ...]", netstat_opts, 0,
				    "The anti-spoofing filter of each interface of running containers, and its drops."};

int cmd_netstat(struct gconf *g, int argc, char **argv)
{
	bool json = false, header = true;
	_cleanup_free_ unsigned *ids = xcalloc((size_t)argc + 1, sizeof(*ids));
	unsigned n = 0;
	int r;
	struct cli_parse cp;
	cli_parse_init(&cp, &cli_netstat, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&cp, &v)) != CLI_END) {
		if (r == 'j')
			json = true;
		else if (r == 'H')
			header = false;
		else if (r != CLI_ARG || (r = cli_ctid(g, v, &ids[n++])) < 0)
			return r;
	}
	bool named = n > 0;
	qsort(ids, n, sizeof(*ids), cmp_id); /* CTID order, each once */
	unsigned u = 0;
	for (unsigned i = 0; i < n; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	n = u;
	if (named) {
		for (unsigned i = 0; i < n; i++) {
			_cleanup_free_ char *path = ctconf_path(g, ids[i]);
			if (access(path, F_OK) < 0)
				return cerr(EX_NOCONF, 0, "container %u does not exist", ids[i]);
		}
	} else {
		_cleanup_free_ unsigned *all = NULL;
		unsigned na = 0;
		if ((r = ctconf_list(g, &all, &na)) < 0)
			return r;
		free(ids);
		ids = xcalloc(na + 1, sizeof(*ids));
		for (unsigned i = 0; i < na; i++)
			ids[n++] = all[i];
	}
	struct strbuf sb = {0};
	struct json jw;
	json_init(&jw);
	if (json)
		json_arr(&jw);
	else if (header) {
		sb_printf(&sb, "%10s %-15s %-15s %-7s", "CTID", "IFNAME", "HOST_IFNAME", "FILTER");
		for (int k = 0; k < SPOOF_NREASONS; k++) {
			char up[16];
			snprintf(up, sizeof(up), "%s", spoof_reason_names[k]);
			for (char *p = up; *p; p++)
				*p = (char)(*p - ('a' <= *p && *p <= 'z' ? 32 : 0));
			sb_printf(&sb, " %10s", up);
		}
		sb_add(&sb, "\n");
	}
	r = 0;
	for (unsigned i = 0; i < n && r >= 0; i++) {
		struct ifrow *rows = NULL;
		unsigned nr = 0;
		int k = collect(g, ids[i], &rows, &nr);
		if (k == -ENOENT) {
			if (named)
				r = cerr(EX_NOTRUNNING, 0, "container %u is not running", ids[i]);
			free(rows);
			continue;
		}
		if (k < 0) {
			r = k;
			free(rows);
			break;
		}
		if (json) {
			json_nl(&jw, 2);
			json_obj(&jw);
			json_key(&jw, "ctid");
			json_u64(&jw, ids[i]);
			json_key(&jw, "interfaces");
			json_arr(&jw);
			for (unsigned j = 0; j < nr; j++) {
				json_nl(&jw, 4);
				json_obj(&jw);
				json_key(&jw, "ifname");
				json_str(&jw, rows[j].ifname);
				json_key(&jw, "host_ifname");
				json_str(&jw, rows[j].host_ifname);
				json_key(&jw, "filter");
				json_str(&jw, rows[j].filter);
				json_key(&jw, "dropped");
				json_obj(&jw);
				for (int q = 0; q < SPOOF_NREASONS; q++) {
					json_key(&jw, spoof_reason_names[q]);
					json_u64(&jw, rows[j].drops[q]);
				}
				json_end(&jw);
				json_end(&jw);
			}
			json_end_nl(&jw, 2);
			json_end(&jw);
		} else {
			for (unsigned j = 0; j < nr; j++) {
				sb_printf(&sb, "%10u %-15s %-15s %-7s", ids[i], rows[j].ifname, rows[j].host_ifname,
					  rows[j].filter);
				for (int q = 0; q < SPOOF_NREASONS; q++)
					sb_printf(&sb, " %10llu", (unsigned long long)rows[j].drops[q]);
				sb_add(&sb, "\n");
			}
		}
		free(rows);
	}
	if (json)
		json_end_nl(&jw, 0);
	_cleanup_free_ char *text = json ? json_done(&jw) : sb_done(&sb);
	if (r >= 0)
		fputs(text, stdout);
	return r < 0 ? r : 0;
}
