/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestnet: hostname, hosts and resolv.conf inside the guest, written symlink-safely; see guestnet.h. */
#include "guestnet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distnet.h"
#include "netaddr.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"

#define HOSTS_TAG "# cellctl"
/* every word of a line short enough to edit (1023 bytes): a line is rebuilt from its words */
#define HOSTS_WORDS 512

/* Next line of *p (without '\n'); false at the end. */
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

/* Split a line into white-space separated words, up to max; stops at a '#' comment. */
static size_t words(const char *line, size_t len, char *buf, size_t bufsz, char **w, size_t max)
{
	size_t n = len < bufsz - 1 ? len : bufsz - 1;
	memcpy(buf, line, n);
	buf[n] = 0;
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	size_t cnt = 0;
	for (char *save = NULL, *t = strtok_r(buf, " \t\r", &save); t && cnt < max; t = strtok_r(NULL, " \t\r", &save))
		w[cnt++] = t;
	return cnt;
}

/* ---- pure transforms ---- */

bool gnet_opted_out(const char *text, mode_t mode)
{
	if (mode && !(mode & S_IWUSR))
		return true;
	const char *p = text, *line;
	size_t len;
	for (int i = 0; i < GNET_KEEP_LINES && next_line(&p, &line, &len); i++) {
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (len >= strlen(GNET_KEEP_MARKER) && !strncmp(line, GNET_KEEP_MARKER, strlen(GNET_KEEP_MARKER)))
			return true;
	}
	return false;
}

static bool line_has_tag(const char *line, size_t len)
{
	size_t tl = strlen(HOSTS_TAG);
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	return len >= tl && !memcmp(line + len - tl, HOSTS_TAG, tl) &&
	       (len == tl || isspace((unsigned char)line[len - tl - 1]));
}

char *gnet_hosts_edit(const char *old, const char *hostname, const char *addr)
{
	_cleanup_free_ char *shortname = xstrndup(hostname, strcspn(hostname, "."));
	bool has_short = strcmp(shortname, hostname) != 0;
	_cleanup_free_ char *ours = xasprintf("%s\t%s%s%s\t" HOSTS_TAG "\n", addr ? addr : "127.0.1.1", hostname,
					      has_short ? " " : "", has_short ? shortname : "");
	struct strbuf out = {0};
	bool placed = false, have_localhost = false;
	const char *p = old, *line;
	size_t len;
	/* a first pass: is there a 127.0.0.1 ... localhost line to put ours after? (not one of
	 * ours: the loop below drops those) */
	while (next_line(&p, &line, &len)) {
		char buf[1024], *w[HOSTS_WORDS];
		size_t n = words(line, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
		if (len < sizeof(buf) - 1 && line_has_tag(line, len))
			continue;
		for (size_t i = 1; i < n && !have_localhost; i++)
			have_localhost = !strcmp(w[0], "127.0.0.1") && !strcasecmp(w[i], "localhost");
	}
	if (!have_localhost) {
		sb_add(&out, "127.0.0.1\tlocalhost\n");
		sb_add(&out, ours);
		placed = true;
	}
	for (p = old; next_line(&p, &line, &len);) {
		char buf[1024], *w[HOSTS_WORDS];
		size_t n = words(line, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
		if (n == 0 || len >= sizeof(buf) - 1) { /* comment, blank or too long to edit: keep */
			sb_addn(&out, line, len);
			sb_add(&out, "\n");
			continue;
		}
		if (line_has_tag(line, len) || !strcmp(w[0], "127.0.1.1"))
			continue;
		/* drop our names from the line; keep the line as it was when nothing changes */
		size_t kept = 1;
		bool changed = false;
		for (size_t i = 1; i < n; i++) {
			if (!strcasecmp(w[i], hostname) || !strcasecmp(w[i], shortname)) {
				if (strcasecmp(w[i], "localhost")) {
					changed = true;
					continue;
				}
			}
			w[kept++] = w[i];
		}
		if (!changed) {
			sb_addn(&out, line, len);
			sb_add(&out, "\n");
		} else if (kept > 1) {
			for (size_t i = 0; i < kept; i++) {
				sb_add(&out, w[i]);
				sb_add(&out, i == 0 ? "\t" : (i + 1 < kept ? " " : "\n"));
			}
		}
		if (!placed && !strcmp(w[0], "127.0.0.1")) {
			bool lh = false;
			for (size_t i = 1; i < n && !lh; i++)
				lh = !strcasecmp(w[i], "localhost");
			if (lh) {
				sb_add(&out, ours);
				placed = true;
			}
		}
	}
	if (!placed)
		sb_add(&out, ours);
	return sb_done(&out);
}

static void add_list_lines(struct strbuf *b, const char *prefix, const char *list, bool one_line)
{
	_cleanup_free_ char *copy = xstrdup(list);
	bool any = false;
	for (char *save = NULL, *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		if (one_line) {
			sb_add(b, any ? " " : prefix);
			sb_add(b, any ? "" : " ");
		} else {
			sb_add(b, prefix);
			sb_add(b, " ");
		}
		sb_add(b, t);
		if (!one_line)
			sb_add(b, "\n");
		any = true;
	}
	if (one_line && any)
		sb_add(b, "\n");
}

static bool has_words(const char *s) { return s && s[strspn(s, " \t,")]; }

char *gnet_resolv_render(const char *old, const char *nameservers, const char *search)
{
	bool ns = has_words(nameservers), se = has_words(search);
	struct strbuf out = {0};
	const char *p = old, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char buf[1024], *w[2];
		size_t n = words(line, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
		if (n && ((ns && !strcmp(w[0], "nameserver")) ||
			  (se && (!strcmp(w[0], "search") || !strcmp(w[0], "domain")))))
			continue;
		sb_addn(&out, line, len);
		sb_add(&out, "\n");
	}
	if (se)
		add_list_lines(&out, "search", search, true);
	if (ns)
		add_list_lines(&out, "nameserver", nameservers, false);
	return sb_done(&out);
}

static bool loopback_server(const char *s)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, s, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, s, a) == 1)
		return !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	return false;
}

char *gnet_resolv_values(const char *host_text, const char *key)
{
	bool search = !strcmp(key, "search");
	struct strbuf out = {0};
	const char *p = host_text, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char buf[1024], *w[16];
		size_t n = words(line, len, buf, sizeof(buf), w, ARRAY_SIZE(w));
		if (n < 2)
			continue;
		if (search && (!strcmp(w[0], "search") || !strcmp(w[0], "domain"))) {
			out.len = 0; /* the last one wins, as in the resolver */
			if (out.s)
				out.s[0] = 0;
			for (size_t i = 1; i < n; i++) {
				if (i > 1)
					sb_add(&out, " ");
				sb_add(&out, w[i]);
			}
		} else if (!search && !strcmp(w[0], "nameserver") && !loopback_server(w[1])) {
			if (out.len)
				sb_add(&out, " ");
			sb_add(&out, w[1]);
		}
	}
	return sb_done(&out);
}

char *gnet_hosts_addr(const struct ct_config *c)
{
	for (int want = 0; want < 2; want++) {
		for (unsigned k = 0; k <= c->nnetif; k++) {
			/* the bridged interfaces, then the routed one */
			const struct ct_netif *n = k < c->nnetif ? &c->netif[k] : &c->venet;
			for (unsigned j = 0; j < n->nips; j++) {
				const char *ip = n->ips[j];
				bool v6 = strchr(ip, ':') != NULL;
				if (v6 == (want == 1))
					return xstrndup(ip, strcspn(ip, "/"));
			}
		}
	}
	return NULL;
}

/* ---- guest files ---- */

#define UF_OURS 1u /* a file that exists is only rewritten or removed when cellctl generated it */

/* Replace path with the result of make(old text), or remove it when make returns NULL; honours
 * the opt-out. */
static int update_file(int rootfd, const char *path, uid_t uid, gid_t gid, unsigned flags,
		       char *(*make)(const char *old, const void *arg), const void *arg)
{
	_cleanup_free_ char *old = NULL;
	mode_t mode = 0;
	int r = guest_read(rootfd, path, &old, &mode);
	if (r == -ENOTDIR || (r == -ENOENT && !guest_exists(rootfd, "/etc"))) {
		log_warn("container has no /etc: not writing %s", path);
		return 0;
	}
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read %s in the container", path);
	if (gnet_opted_out(old, mode)) {
		log_info("%s in the container opted out: left untouched", path);
		return 0;
	}
	if ((flags & UF_OURS) && old && !dnet_is_ours(old)) {
		log_info("%s in the container was not written by cellctl: left untouched", path);
		return 0;
	}
	_cleanup_free_ char *data = make(old, arg);
	if (!data) {
		if (!old)
			return 0;
		log_debug("remove %s in the container", path);
		if ((r = guest_unlink(rootfd, path)) < 0)
			return cerr(EX_SYSTEM, r, "remove %s in the container", path);
		return 0;
	}
	if (old && !strcmp(old, data))
		return 0;
	mode_t m = mode ? (mode & 07777) : 0644;
	log_debug("write %s in the container", path);
	r = guest_replace_file(rootfd, path, data, strlen(data), m, uid, gid);
	if (r == -ENOENT && !guest_exists(rootfd, "/etc")) {
		log_warn("container has no /etc: not writing %s", path);
		return 0;
	}
	if (r < 0)
		return cerr(EX_SYSTEM, r, "write %s in the container", path);
	return 0;
}

static char *make_hostname(const char *old, const void *arg)
{
	(void)old;
	return xasprintf("%s\n", (const char *)arg);
}

struct hosts_arg {
	const char *hostname, *addr;
};

static char *make_hosts(const char *old, const void *arg)
{
	const struct hosts_arg *h = arg;
	return gnet_hosts_edit(old, h->hostname, h->addr);
}

struct resolv_arg {
	const char *ns, *search;
};

static char *make_resolv(const char *old, const void *arg)
{
	const struct resolv_arg *a = arg;
	return gnet_resolv_render(old, a->ns, a->search);
}

static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

static int write_hostname_files(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	if (!c->hostname || !*c->hostname)
		return 0;
	/* validated by the config layer; checked again because it goes into files line by line */
	if (!valid_hostname(c->hostname))
		return cerr(EX_BADHOSTNAME, EINVAL, "invalid hostname '%s'", c->hostname);
	int r = update_file(rootfd, "/etc/hostname", uid, gid, 0, make_hostname, c->hostname);
	if (r < 0)
		return r;
	_cleanup_free_ char *addr = gnet_hosts_addr(c);
	struct hosts_arg h = {c->hostname, addr};
	return update_file(rootfd, "/etc/hosts", uid, gid, 0, make_hosts, &h);
}

static bool valid_list(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(" \t.-:,%_", *s))
			return false;
	return true;
}

/* The effective nameserver and search lists: "inherit" resolved from the host's resolv.conf
 * (warn: log when that yields nothing). NULL when unset. */
static void dns_lists(const struct ct_config *c, bool warn, char **ns, char **se)
{
	*ns = *se = NULL;
	bool ns_inh = c->nameserver && !strcasecmp(c->nameserver, "inherit");
	bool se_inh = c->searchdomain && !strcasecmp(c->searchdomain, "inherit");
	_cleanup_free_ char *host = NULL;
	if (ns_inh || se_inh) {
		size_t len;
		int r = read_file_at(AT_FDCWD, "/etc/resolv.conf", &host, &len);
		if (r < 0 && warn)
			log_warn("cannot read the host's /etc/resolv.conf to inherit it: %s", strerror(-r));
	}
	if (ns_inh) {
		*ns = gnet_resolv_values(host, "nameserver");
		if (!**ns && warn)
			log_warn("no usable nameserver in the host's /etc/resolv.conf to inherit");
	} else if (c->nameserver) {
		*ns = xstrdup(c->nameserver);
	}
	if (se_inh)
		*se = gnet_resolv_values(host, "search");
	else if (c->searchdomain)
		*se = xstrdup(c->searchdomain);
}

static int write_resolv_file(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	if (!has_words(c->nameserver) && !has_words(c->searchdomain))
		return 0;
	_cleanup_free_ char *ns = NULL, *se = NULL;
	dns_lists(c, true, &ns, &se);
	if ((ns && !valid_list(ns)) || (se && !valid_list(se)))
		return cerr(EX_BADDNS, EINVAL, "invalid nameserver or search domain list");
	struct resolv_arg a = {ns, se};
	return update_file(rootfd, "/etc/resolv.conf", uid, gid, 0, make_resolv, &a);
}

/* ---- the distribution's network configuration (distnet.h) ---- */

/* The names in a guest directory (at most max; hidden ones skipped), via a callback. */
static void guest_list(int rootfd, const char *path, unsigned max, void (*fn)(const char *name, void *arg),
		       void *arg)
{
	int fd = guest_open(rootfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	for (unsigned n = 0; n < max && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		fn(de->d_name, arg);
	}
	closedir(d);
}

struct wants_scan {
	int rootfd;
	bool found;
};

static void wants_one(const char *name, void *arg)
{
	struct wants_scan *w = arg;
	if (w->found || !str_endswith(name, ".wants"))
		return;
	_cleanup_free_ char *p = xasprintf("/etc/systemd/system/%s/systemd-networkd.service", name);
	int fd = guest_open(w->rootfd, p, O_PATH | O_NOFOLLOW, 0); /* the link itself: it may dangle */
	if (fd >= 0) {
		w->found = true;
		close(fd);
	}
}

static bool networkd_enabled(int rootfd)
{
	struct wants_scan w = {rootfd, false};
	guest_list(rootfd, "/etc/systemd/system", 512, wants_one, &w);
	return w.found;
}

static bool has_ifupdown(int rootfd)
{
	return guest_exists(rootfd, DNET_IFUPDOWN_MAIN) || guest_exists(rootfd, "/sbin/ifup") ||
	       guest_exists(rootfd, "/usr/sbin/ifup");
}

static char *make_text(const char *old, const void *arg)
{
	(void)old;
	return arg ? xstrdup(arg) : NULL;
}

struct main_arg {
	unsigned ctid;
	const char *stanzas;
};

static char *make_main(const char *old, const void *arg)
{
	const struct main_arg *m = arg;
	return dnet_ifupdown_main_edit(old, m->ctid, m->stanzas);
}

struct declared_scan {
	int rootfd;
	const struct ct_config *c;
	unsigned mask;
};

static void declared_one(const char *name, void *arg)
{
	struct declared_scan *d = arg;
	if (!strcmp(name, DNET_IFUPDOWN_FILE))
		return;
	_cleanup_free_ char *p = xasprintf(DNET_IFUPDOWN_DIR "/%s", name), *text = NULL;
	mode_t mode;
	if (guest_read(d->rootfd, p, &text, &mode) == 0 && text)
		d->mask |= dnet_ifupdown_declared(text, d->c);
}

static int write_ifupdown(int rootfd, const struct ct_config *c, const char *ns, const char *se, uid_t uid,
			  gid_t gid)
{
	int r;
	if (!guest_is_dir(rootfd, "/etc/network") && (r = guest_mkdir(rootfd, "/etc", "network", uid, gid)) < 0 &&
	    r != -ENOENT)
		return cerr(EX_SYSTEM, r, "create /etc/network in the container");
	if (!guest_is_dir(rootfd, "/etc/network")) { /* e.g. a symlink leading nowhere inside the guest */
		log_warn("/etc/network in the container is not a directory: not writing the ifupdown configuration");
		return 0;
	}
	_cleanup_free_ char *main = NULL;
	mode_t mode = 0;
	if ((r = guest_read(rootfd, DNET_IFUPDOWN_MAIN, &main, &mode)) < 0)
		return cerr(EX_SYSTEM, r, "read " DNET_IFUPDOWN_MAIN " in the container");
	if (gnet_opted_out(main, mode)) {
		log_info(DNET_IFUPDOWN_MAIN " in the container opted out: no ifupdown configuration written");
		return 0;
	}
	bool use_dir = main && dnet_ifupdown_sources_dir(main) && guest_is_dir(rootfd, DNET_IFUPDOWN_DIR);
	/* an interface the admin configures himself is left to him */
	struct declared_scan d = {rootfd, c, dnet_ifupdown_declared(main, c)};
	if (use_dir)
		guest_list(rootfd, DNET_IFUPDOWN_DIR, 256, declared_one, &d);
	for (unsigned k = 0; k < c->nnetif && k < 32; k++)
		if (d.mask & (1u << k))
			log_info("the guest's ifupdown configuration has its own stanza for %s: not writing one",
				 c->netif[k].ifname);
	_cleanup_free_ char *stanzas = dnet_ifupdown_stanzas(c, ns, se, d.mask);
	const char *file = DNET_IFUPDOWN_DIR "/" DNET_IFUPDOWN_FILE;
	if (use_dir) {
		_cleanup_free_ char *text = dnet_ifupdown_file(c->ctid, stanzas);
		if ((r = update_file(rootfd, file, uid, gid, UF_OURS, make_text, text)) < 0)
			return r;
		struct main_arg m = {c->ctid, NULL}; /* a block from before goes */
		return update_file(rootfd, DNET_IFUPDOWN_MAIN, uid, gid, 0, make_main, &m);
	}
	struct main_arg m = {c->ctid, stanzas};
	if ((r = update_file(rootfd, DNET_IFUPDOWN_MAIN, uid, gid, 0, make_main, &m)) < 0)
		return r;
	if (guest_exists(rootfd, file)) /* ours from before, when the main file read the directory */
		return update_file(rootfd, file, uid, gid, UF_OURS, make_text, NULL);
	return 0;
}

struct stale_scan {
	int rootfd;
	const struct ct_config *c;
	const bool *written; /* per interface: a file of that name is current */
	uid_t uid;
	gid_t gid;
	int err;
};

static void stale_one(const char *name, void *arg)
{
	struct stale_scan *s = arg;
	if (s->err < 0 || !str_startswith(name, DNET_NETWORKD_PREFIX) || !str_endswith(name, DNET_NETWORKD_SUFFIX))
		return;
	for (unsigned k = 0; k < s->c->nnetif; k++) {
		_cleanup_free_ char *mine = dnet_networkd_name(s->c->netif[k].ifname);
		if (s->written[k] && !strcmp(mine, name))
			return;
	}
	_cleanup_free_ char *p = xasprintf(DNET_NETWORKD_DIR "/%s", name);
	s->err = update_file(s->rootfd, p, s->uid, s->gid, UF_OURS, make_text, NULL);
}

static int write_networkd(int rootfd, const struct ct_config *c, const char *ns, const char *se, uid_t uid,
			  gid_t gid)
{
	int r;
	if (!guest_is_dir(rootfd, DNET_NETWORKD_DIR) &&
	    (r = guest_mkdir(rootfd, "/etc/systemd", "network", uid, gid)) < 0 && r != -ENOENT)
		return cerr(EX_SYSTEM, r, "create " DNET_NETWORKD_DIR " in the container");
	if (!guest_is_dir(rootfd, DNET_NETWORKD_DIR)) {
		log_warn(DNET_NETWORKD_DIR " in the container is not a directory: not writing networkd files");
		return 0;
	}
	bool written[MAX_NETIF] = {0};
	for (unsigned k = 0; k < c->nnetif && k < MAX_NETIF; k++) {
		_cleanup_free_ char *text = dnet_networkd_render(c, k, ns, se);
		if (!text)
			continue;
		_cleanup_free_ char *name = dnet_networkd_name(c->netif[k].ifname);
		_cleanup_free_ char *p = xasprintf(DNET_NETWORKD_DIR "/%s", name);
		if ((r = update_file(rootfd, p, uid, gid, UF_OURS, make_text, text)) < 0)
			return r;
		written[k] = true;
	}
	/* files of ours for interfaces that are gone, or have nothing left to configure */
	struct stale_scan s = {rootfd, c, written, uid, gid, 0};
	guest_list(rootfd, DNET_NETWORKD_DIR, 1024, stale_one, &s);
	return s.err;
}

/* c with its routed interface venet0 as one more interface, the last one (as at start, where
 * its default routes replace those of the bridged interfaces). */
struct with_venet {
	struct ct_config c;
	struct net_venet_if v;
};

static const struct ct_config *with_venet(const struct ct_config *c, struct with_venet *w)
{
	if (!c->venet.nips || c->nnetif >= MAX_NETIF)
		return c;
	w->c = *c; /* shallow: nothing of it is freed */
	net_venet_netif(c, &w->v);
	w->c.netif[w->c.nnetif++] = w->v.n;
	return &w->c;
}

int gnet_write_netconf(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	_cleanup_free_ struct with_venet *wv = xcalloc(1, sizeof(*wv));
	c = with_venet(c, wv);
	_cleanup_free_ char *osrel = NULL;
	mode_t mode;
	if (guest_read(rootfd, "/etc/os-release", &osrel, &mode) < 0 || !osrel)
		guest_read(rootfd, "/usr/lib/os-release", &osrel, &mode);
	const char *family = dnet_family(osrel);
	if (!family)
		return 0;
	unsigned w = dnet_choose(osrel, has_ifupdown(rootfd), networkd_enabled(rootfd));
	log_debug("guest network configuration for the %s family:%s%s%s", family, w & DNET_IFUPDOWN ? " ifupdown" : "",
		  w & DNET_NETWORKD ? " systemd-networkd" : "", w ? "" : " nothing to write");
	_cleanup_free_ char *ns = NULL, *se = NULL;
	dns_lists(c, false, &ns, &se);
	int r;
	if ((w & DNET_IFUPDOWN) && (r = write_ifupdown(rootfd, c, ns, se, uid, gid)) < 0)
		return r;
	if ((w & DNET_NETWORKD) && (r = write_networkd(rootfd, c, ns, se, uid, gid)) < 0)
		return r;
	return 0;
}

int gnet_write_hostname(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	int r = write_hostname_files(rootfd, c, uid, gid);
	if (r < 0)
		return r;
	/* the live set calls this when addresses or interfaces change */
	return gnet_write_netconf(rootfd, c, uid, gid);
}

int gnet_write_resolv(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	int r = write_resolv_file(rootfd, c, uid, gid);
	if (r < 0)
		return r;
	/* the distribution's files carry the DNS servers too */
	return gnet_write_netconf(rootfd, c, uid, gid);
}

int gnet_write_files(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid)
{
	int r = write_hostname_files(rootfd, c, uid, gid);
	if (r < 0 || (r = write_resolv_file(rootfd, c, uid, gid)) < 0)
		return r;
	return gnet_write_netconf(rootfd, c, uid, gid);
}

int gnet_set_hostname_live(pid_t guest_pid, const char *hostname)
{
	if (!valid_hostname(hostname))
		return cerr(EX_BADHOSTNAME, EINVAL, "invalid hostname '%s'", hostname);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)guest_pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", path);
	_cleanup_close_ int self = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cerr(EX_SYSTEM, errno, "open /proc/self/ns/uts");
	if (setns(nsfd, CLONE_NEWUTS) < 0)
		return cerr(EX_SYSTEM, errno, "enter UTS namespace of pid %d", (int)guest_pid);
	log_debug("sethostname %s in the UTS namespace of pid %d", hostname, (int)guest_pid);
	int r = sethostname(hostname, strlen(hostname)) < 0 ? -errno : 0;
	if (setns(self, CLONE_NEWUTS) < 0) {
		log_error("cannot return to the original UTS namespace: %s", strerror(errno));
		abort(); /* the host's hostname must never be changed by a later call */
	}
	if (r < 0)
		return cerr(EX_SYSTEM, r, "set hostname in the container");
	return 0;
}
