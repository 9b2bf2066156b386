/* SPDX-License-Identifier: GPL-2.0-or-later */
/* distnet: the distribution's network configuration files, rendered from the config; see distnet.h. */
#include "distnet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "util.h"

/* ---- text helpers ---- */

static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!*p || !**p)
		return false;
	const char *nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + *len;
	return true;
}

/* Does the line (leading blanks skipped) start with prefix? */
static bool line_starts(const char *line, size_t len, const char *prefix)
{
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	size_t pl = strlen(prefix);
	return len >= pl && !memcmp(line, prefix, pl);
}

/* The first two words of a line (up to a '#'), copied into w1/w2 ("" when missing). */
static void two_words(const char *line, size_t len, char *w1, char *w2, size_t sz)
{
	char buf[512];
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, line, n);
	buf[n] = 0;
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	char *save = NULL, *a = strtok_r(buf, " \t\r", &save), *b = a ? strtok_r(NULL, " \t\r", &save) : NULL;
	snprintf(w1, sz, "%s", a ? a : "");
	snprintf(w2, sz, "%s", b ? b : "");
}

/* ---- os-release and the family table ---- */

struct family {
	const char *name;
	const char *ids[8]; /* os-release IDs (matched against ID, then each word of ID_LIKE) */
	unsigned writers;   /* DNET_* this family may get */
};

static const struct family families[] = {
	{"debian", {"debian", "ubuntu", "devuan", "raspbian", "linuxmint", "kali", "pop", NULL},
	 DNET_IFUPDOWN | DNET_NETWORKD},
};

char *dnet_osrel_value(const char *text, const char *key)
{
	const char *p = text, *line;
	size_t len, kl = strlen(key);
	char *found = NULL;
	while (next_line(&p, &line, &len)) {
		if (len <= kl || memcmp(line, key, kl) || line[kl] != '=')
			continue;
		const char *v = line + kl + 1, *end = line + len;
		while (end > v && isspace((unsigned char)end[-1]))
			end--;
		struct strbuf b = {0};
		char q = 0;
		if (v < end && (*v == '"' || *v == '\'')) {
			q = *v++;
			if (end > v && end[-1] == q)
				end--;
		}
		for (; v < end; v++) {
			if (q == '"' && *v == '\\' && v + 1 < end)
				v++;
			sb_addn(&b, v, 1);
		}
		free(found); /* the last assignment wins, as in a shell */
		found = sb_done(&b);
	}
	return found;
}

static const struct family *find_family(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		for (size_t k = 0; families[i].ids[k]; k++)
			if (!strcmp(families[i].ids[k], id))
				return &families[i];
	return NULL;
}

static const struct family *family_of(const char *os_release)
{
	if (!os_release)
		return NULL;
	_cleanup_free_ char *id = dnet_osrel_value(os_release, "ID");
	const struct family *f = id && *id ? find_family(id) : NULL;
	if (f)
		return f;
	_cleanup_free_ char *like = dnet_osrel_value(os_release, "ID_LIKE");
	if (!like)
		return NULL;
	for (char *save = NULL, *t = strtok_r(like, " \t", &save); t && !f; t = strtok_r(NULL, " \t", &save))
		f = find_family(t);
	return f;
}

const char *dnet_family(const char *os_release)
{
	const struct family *f = family_of(os_release);
	return f ? f->name : NULL;
}

unsigned dnet_choose(const char *os_release, bool has_ifupdown, bool networkd_enabled)
{
	const struct family *f = family_of(os_release);
	if (!f)
		return 0;
	unsigned w = 0;
	if (has_ifupdown)
		w |= DNET_IFUPDOWN;
	if (networkd_enabled)
		w |= DNET_NETWORKD;
	return w & f->writers;
}

bool dnet_is_ours(const char *text) { return text && !strncmp(text, DNET_OURS_MARK, strlen(DNET_OURS_MARK)); }

bool dnet_ifname_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 15 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.@-", *s))
			return false;
	return true;
}

/* ---- what one interface needs, computed from the config ---- */

struct gwplan {
	char addr[INET6_ADDRSTRLEN]; /* "" = none */
	bool onlink_route;           /* outside every subnet: an on-link host route first */
	bool is_default;             /* this interface carries the family's default route */
};

struct ifplan {
	const char *name;
	char addrs[MAX_IPS][INET6_ADDRSTRLEN + 5]; /* "A/P" */
	bool v6[MAX_IPS];
	unsigned naddr;
	struct gwplan gw4, gw6;
	bool have_v6;
};

static bool link_local6(const struct net_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

static void fmt_addr(const struct net_addr *a, bool with_prefix, char *out, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->bytes, t, sizeof(t)))
		t[0] = 0;
	if (with_prefix)
		snprintf(out, len, "%s/%u", t, a->prefix);
	else
		snprintf(out, len, "%s", t);
}

static void plan_gw(const struct net_addr *addrs, unsigned na, const char *text, int family, struct gwplan *g)
{
	memset(g, 0, sizeof(*g));
	struct net_addr gw;
	if (!text || !*text || net_parse_addr(text, &gw) < 0 || gw.has_prefix || gw.family != family)
		return;
	bool onlink = link_local6(&gw);
	for (unsigned i = 0; i < na && !onlink; i++)
		onlink = net_in_subnet(&gw, &addrs[i]);
	fmt_addr(&gw, false, g->addr, sizeof(g->addr));
	g->onlink_route = !onlink;
}

/* false when the interface is left out entirely (bad name). */
static bool plan_if(const struct ct_netif *n, struct ifplan *p)
{
	memset(p, 0, sizeof(*p));
	if (!dnet_ifname_ok(n->ifname))
		return false;
	p->name = n->ifname;
	struct net_addr addrs[MAX_IPS];
	unsigned na = 0;
	for (unsigned i = 0; i < n->nips && i < MAX_IPS; i++) {
		if (net_parse_addr(n->ips[i], &addrs[na]) < 0)
			continue;
		fmt_addr(&addrs[na], true, p->addrs[na], sizeof(p->addrs[na]));
		p->v6[na] = addrs[na].family == AF_INET6;
		p->have_v6 |= p->v6[na];
		na++;
	}
	p->naddr = na;
	plan_gw(addrs, na, n->gw, AF_INET, &p->gw4);
	plan_gw(addrs, na, n->gw6, AF_INET6, &p->gw6);
	return true;
}

static bool plan_empty(const struct ifplan *p) { return !p->naddr && !p->gw4.addr[0] && !p->gw6.addr[0]; }

/* All interfaces; the default route of each family on the last interface with such a gateway. */
static struct ifplan *plan_all(const struct ct_config *c, bool *usable)
{
	struct ifplan *pl = xcalloc(MAX_NETIF, sizeof(*pl));
	int last4 = -1, last6 = -1;
	for (unsigned k = 0; k < c->nnetif && k < MAX_NETIF; k++) {
		usable[k] = plan_if(&c->netif[k], &pl[k]);
		if (usable[k] && pl[k].gw4.addr[0])
			last4 = (int)k;
		if (usable[k] && pl[k].gw6.addr[0])
			last6 = (int)k;
	}
	if (last4 >= 0)
		pl[last4].gw4.is_default = true;
	if (last6 >= 0)
		pl[last6].gw6.is_default = true;
	return pl;
}

static bool ns_ok(const char *s)
{
	unsigned char b[16];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static bool domain_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return false;
	return true;
}

/* The valid words of a list, space-separated ("" when none). */
static char *clean_list(const char *list, bool (*ok)(const char *))
{
	struct strbuf b = {0};
	if (!list)
		return sb_done(&b);
	_cleanup_free_ char *copy = xstrdup(list);
	for (char *save = NULL, *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		if (!ok(t))
			continue;
		if (b.len)
			sb_add(&b, " ");
		sb_add(&b, t);
	}
	return sb_done(&b);
}

/* ---- ifupdown ---- */

static void ifupdown_stanza(struct strbuf *b, const struct ifplan *p, const char *ns, const char *se)
{
	const char *n = p->name;
	sb_printf(b, "auto %s\niface %s inet manual\n", n, n);
	for (unsigned i = 0; i < p->naddr; i++)
		sb_printf(b, "\tup ip %saddr replace %s dev %s%s\n", p->v6[i] ? "-6 " : "", p->addrs[i], n,
			  p->v6[i] ? " nodad" : "");
	const struct gwplan *gws[2] = {&p->gw4, &p->gw6};
	for (int f = 0; f < 2; f++) {
		const struct gwplan *g = gws[f];
		const char *fam = f ? "-6 " : "";
		if (!g->addr[0])
			continue;
		if (g->onlink_route)
			sb_printf(b, "\tup ip %sroute replace %s dev %s%s\n", fam, g->addr, n, f ? "" : " scope link");
		if (g->is_default)
			sb_printf(b, "\tup ip %sroute replace default via %s dev %s\n", fam, g->addr, n);
	}
	for (unsigned i = 0; i < p->naddr; i++)
		sb_printf(b, "\tdown ip %saddr del %s dev %s 2>/dev/null || true\n", p->v6[i] ? "-6 " : "", p->addrs[i], n);
	if (ns && *ns)
		sb_printf(b, "\tdns-nameservers %s\n", ns);
	if (se && *se)
		sb_printf(b, "\tdns-search %s\n", se);
}

char *dnet_ifupdown_stanzas(const struct ct_config *c, const char *nameservers, const char *search, unsigned skip)
{
	bool usable[MAX_NETIF] = {0};
	_cleanup_free_ struct ifplan *pl = plan_all(c, usable);
	_cleanup_free_ char *ns = clean_list(nameservers, ns_ok), *se = clean_list(search, domain_ok);
	struct strbuf b = {0};
	bool dns_done = false;
	for (unsigned k = 0; k < c->nnetif && k < MAX_NETIF; k++) {
		if (!usable[k] || plan_empty(&pl[k]) || (skip & (1u << k)))
			continue;
		if (b.len)
			sb_add(&b, "\n");
		ifupdown_stanza(&b, &pl[k], dns_done ? NULL : ns, dns_done ? NULL : se);
		dns_done = true;
	}
	return sb_done(&b);
}

static void ifupdown_header(struct strbuf *b, unsigned ctid)
{
	sb_printf(b, DNET_OURS_MARK " by cellctl for CT %u: the interfaces it sets up before init.\n", ctid);
	sb_add(b, "# Rewritten at start and at a live change; to keep your own version, put the line\n"
		  "#   \"# cellctl: keep\" in the first 5 lines, or remove the file's u+w permission.\n"
		  "# \"inet manual\" with \"ip ... replace\": \"inet static\" would fail on the addresses\n"
		  "# that cellctl has already set.\n");
}

char *dnet_ifupdown_file(unsigned ctid, const char *stanzas)
{
	if (!stanzas || !*stanzas)
		return NULL;
	struct strbuf b = {0};
	ifupdown_header(&b, ctid);
	sb_add(&b, "\n");
	sb_add(&b, stanzas);
	return sb_done(&b);
}

static void block(struct strbuf *b, unsigned ctid, const char *stanzas)
{
	sb_printf(b, DNET_BLOCK_BEGIN " (generated for CT %u; the lines up to \"" DNET_BLOCK_END
		     "\" are rewritten at start and at a live change)\n",
		  ctid);
	sb_add(b, "# \"inet manual\" with \"ip ... replace\": \"inet static\" would fail on the addresses\n"
		  "# that cellctl has already set.\n");
	sb_add(b, stanzas);
	if (stanzas[strlen(stanzas) - 1] != '\n')
		sb_add(b, "\n");
	sb_add(b, DNET_BLOCK_END "\n");
}

/* At a DNET_BLOCK_BEGIN line: where the text after the matching DNET_BLOCK_END line starts, or
 * NULL when no end line follows (then only the begin line is dropped, and nothing of the admin's
 * after it). */
static const char *block_skip(const char *p)
{
	const char *line;
	size_t len;
	while (next_line(&p, &line, &len))
		if (line_starts(line, len, DNET_BLOCK_END))
			return p;
	return NULL;
}

char *dnet_ifupdown_main_edit(const char *old, unsigned ctid, const char *stanzas)
{
	bool want = stanzas && *stanzas;
	if (!old && !want)
		return NULL;
	struct strbuf b = {0};
	if (!old)
		sb_add(&b, "# interfaces(5) file used by ifup(8) and ifdown(8)\n\nauto lo\niface lo inet loopback\n");
	bool placed = false;
	const char *p = old, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		if (line_starts(line, len, DNET_BLOCK_BEGIN)) {
			const char *after = block_skip(p);
			if (after) {
				if (want && !placed)
					block(&b, ctid, stanzas);
				placed = true;
				p = after;
			}
			continue;
		}
		sb_addn(&b, line, len);
		sb_add(&b, "\n");
	}
	if (want && !placed) {
		if (b.len && !(b.len >= 2 && b.s[b.len - 1] == '\n' && b.s[b.len - 2] == '\n'))
			sb_add(&b, "\n");
		block(&b, ctid, stanzas);
	}
	return sb_done(&b);
}

bool dnet_ifupdown_sources_dir(const char *main_text)
{
	const char *p = main_text, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char w1[256], w2[256];
		two_words(line, len, w1, w2, sizeof(w1));
		if (!strcmp(w1, "source")) {
			if (!strcmp(w2, DNET_IFUPDOWN_DIR "/*") || !strcmp(w2, "interfaces.d/*"))
				return true;
		} else if (!strcmp(w1, "source-directory")) {
			size_t l = strlen(w2);
			while (l > 1 && w2[l - 1] == '/')
				w2[--l] = 0;
			if (!strcmp(w2, DNET_IFUPDOWN_DIR) || !strcmp(w2, "interfaces.d"))
				return true;
		}
	}
	return false;
}

unsigned dnet_ifupdown_declared(const char *text, const struct ct_config *c)
{
	unsigned mask = 0;
	const char *p = text, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		if (line_starts(line, len, DNET_BLOCK_BEGIN)) {
			const char *after = block_skip(p);
			if (after)
				p = after;
			continue;
		}
		char w1[256], w2[256];
		two_words(line, len, w1, w2, sizeof(w1));
		if (strcmp(w1, "iface"))
			continue;
		for (unsigned k = 0; k < c->nnetif && k < 32; k++)
			if (!strcmp(w2, c->netif[k].ifname))
				mask |= 1u << k;
	}
	return mask;
}

/* ---- systemd-networkd ---- */

char *dnet_networkd_name(const char *ifname)
{
	return xasprintf(DNET_NETWORKD_PREFIX "%s" DNET_NETWORKD_SUFFIX, ifname);
}

char *dnet_networkd_render(const struct ct_config *c, unsigned k, const char *nameservers, const char *search)
{
	if (k >= c->nnetif || k >= MAX_NETIF)
		return NULL;
	bool usable[MAX_NETIF] = {0};
	_cleanup_free_ struct ifplan *pl = plan_all(c, usable);
	const struct ifplan *p = &pl[k];
	if (!usable[k] || plan_empty(p))
		return NULL;
	/* DNS on the first interface that gets a file */
	unsigned first = 0;
	while (first < k && (!usable[first] || plan_empty(&pl[first])))
		first++;
	_cleanup_free_ char *ns = clean_list(first == k ? nameservers : NULL, ns_ok);
	_cleanup_free_ char *se = clean_list(first == k ? search : NULL, domain_ok);

	struct strbuf b = {0};
	sb_printf(&b, DNET_OURS_MARK " by cellctl for CT %u: %s as cellctl sets it up before init.\n", c->ctid,
		  p->name);
	sb_add(&b, "# Rewritten at start and at a live change; to keep your own version, put the line\n"
		   "#   \"# cellctl: keep\" in the first 5 lines, or remove the file's u+w permission.\n");
	sb_printf(&b, "\n[Match]\nName=%s\n\n[Network]\n", p->name);
	if (p->have_v6)
		sb_add(&b, "IPv6AcceptRA=no\n");
	for (char *save = NULL, *t = strtok_r(ns, " ", &save); t; t = strtok_r(NULL, " ", &save))
		sb_printf(&b, "DNS=%s\n", t);
	if (*se)
		sb_printf(&b, "Domains=%s\n", se);
	for (unsigned i = 0; i < p->naddr; i++) {
		sb_printf(&b, "\n[Address]\nAddress=%s\n", p->addrs[i]);
		/* as cellctl sets them: IPv4 without a broadcast address (networkd 252 fails the link
		 * with ERANGE when it has to change that on an address already present), IPv6 without DAD */
		sb_add(&b, p->v6[i] ? "DuplicateAddressDetection=none\n" : "Broadcast=no\n");
	}
	const struct gwplan *gws[2] = {&p->gw4, &p->gw6};
	for (int f = 0; f < 2; f++) {
		const struct gwplan *g = gws[f];
		if (!g->addr[0])
			continue;
		if (g->onlink_route)
			sb_printf(&b, "\n[Route]\nDestination=%s/%u\n%s", g->addr, f ? 128u : 32u, f ? "" : "Scope=link\n");
		if (g->is_default)
			sb_printf(&b, "\n[Route]\nGateway=%s\n", g->addr);
	}
	return sb_done(&b);
}
