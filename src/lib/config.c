/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The global config (cellctl.conf) and container configs (CTID.conf), samples and running
 * configurations, all through one reader (conf_parse): each file is read once, the editor
 * (ini.c) checks its lines and keeps the text for set --save, iniparser reads the values from
 * the same bytes, and the parameter table fills struct ct_config from them. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <iniparser.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bindmount.h"
#include "cgroup.h"
#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#ifndef DATADIR
#define DATADIR "/usr/share/cellctl"
#endif
#define GCONF_DEFAULT_PATH "/etc/cellctl/cellctl.conf"

int ctid_parse(const char *s, unsigned *out)
{
	if (!s || !*s)
		return -EINVAL;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > CTID_MAX)
			return -ERANGE;
	}
	if (v < CTID_MIN)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

/* ---- global config ---- */

void gconf_free(struct gconf *g)
{
	if (!g)
		return;
	free(g->path);
	free(g->config_dir);
	free(g->private_dir);
	free(g->template_dir);
	free(g->recipe_dir);
	free(g->sample_dir);
	free(g->dumpdir);
	free(g->run_dir);
	free(g->log_file);
	free(g->cg_parent);
	free(g->bridge);
	free(g->lxcfs_mount);
	free(g->migrate_ssh);
	free(g->migrate_ssh_options);
	free(g->migrate_remote);
	free(g->bridge_address);
	free(g->bridges);
	free(g->uplink);
	free(g->default_template);
	free(g->default_sample);
	free(g);
}

static struct gconf *gconf_defaults(void)
{
	struct gconf *g = xcalloc(1, sizeof(*g));
	g->config_dir = xstrdup("/etc/cellctl/ct");
	g->private_dir = xstrdup("/var/lib/cellctl/private");
	g->template_dir = xstrdup("/var/lib/cellctl/template");
	g->recipe_dir = xstrdup(DATADIR "/templates");
	g->sample_dir = xstrdup("/etc/cellctl/samples");
	g->dumpdir = xstrdup("/var/lib/cellctl/dump");
	g->run_dir = xstrdup("/run/cellctl");
	g->log_file = xstrdup("/var/log/cellctl.log");
	g->cg_parent = xstrdup("cellctl");
	g->bridge = xstrdup("cellbr0");
	g->default_template = xstrdup("busybox");
	g->userns_default = true;
	g->userns_base = 100000;
	g->userns_size = 65536;
	g->stop_timeout = 120;
	g->hook_timeout = 60;
	g->boot_parallel = 4;
	g->boot_bridge_wait = 60;
	g->shutdown_parallel = 16;
	g->lxcfs_mount = xstrdup("/var/lib/lxcfs");
	g->migrate_ssh = xstrdup("ssh");
	g->migrate_ssh_options = xstrdup("-o BatchMode=yes");
	g->migrate_remote = xstrdup("cellctl");
	return g;
}

static int bad_gkey(const char *path, const char *sk, const char *v)
{
	char sec[64];
	size_t n = strcspn(sk, ":");
	snprintf(sec, sizeof(sec), "%.*s", (int)n, sk);
	return cerr(EX_BADCONFIG, 0, "%s: [%s] %s: invalid value '%s'", path, sec, sk + n + (sk[n] ? 1 : 0), v);
}

/* A path setting: relative values are relative to the config file's directory. */
static int gpath(dictionary *d, const char *path, const char *dir, const char *sk, char **dst)
{
	const char *v = iniparser_getstring(d, sk, NULL);
	if (!v)
		return 0;
	if (!*v)
		return bad_gkey(path, sk, v);
	free(*dst);
	*dst = v[0] == '/' ? xstrdup(v) : xasprintf("%s/%s", dir, v);
	return 0;
}

static int gstr(dictionary *d, const char *sk, char **dst)
{
	const char *v = iniparser_getstring(d, sk, NULL);
	if (!v)
		return 0;
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
	return 1;
}

/* [network] bridges: interface names separated by spaces or commas */
static bool gconf_bridges_valid(const char *list)
{
	_cleanup_free_ char *s = xstrdup(list);
	char *save = NULL;
	for (char *t = strtok_r(s, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save))
		if (!net_valid_ifname(t))
			return false;
	return true;
}

static int gconf_parse(struct gconf *g, dictionary *d)
{
	const char *path = g->path;
	_cleanup_free_ char *pcopy = xstrdup(path);
	char rdir[PATH_MAX];
	const char *dir = dirname(pcopy);
	if (realpath(dir, rdir))
		dir = rdir;
	static const struct {
		const char *sk;
		size_t off;
	} paths[] = {
		{"paths:config_dir", offsetof(struct gconf, config_dir)},
		{"paths:private_dir", offsetof(struct gconf, private_dir)},
		{"paths:template_dir", offsetof(struct gconf, template_dir)},
		{"paths:recipe_dir", offsetof(struct gconf, recipe_dir)},
		{"paths:sample_dir", offsetof(struct gconf, sample_dir)},
		{"backup:dumpdir", offsetof(struct gconf, dumpdir)},
		{"paths:run_dir", offsetof(struct gconf, run_dir)},
		{"paths:log_file", offsetof(struct gconf, log_file)},
		{"lxcfs:mount_point", offsetof(struct gconf, lxcfs_mount)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int r = gpath(d, path, dir, paths[i].sk, (char **)((char *)g + paths[i].off));
		if (r < 0)
			return r;
	}

	const char *v;
	gstr(d, "cgroup:parent", &g->cg_parent);
	if (!g->cg_parent || g->cg_parent[0] == '/' || !cg_parent_valid(g->cg_parent))
		return bad_gkey(path, "cgroup:parent", g->cg_parent ? g->cg_parent : "");
	gstr(d, "network:bridge", &g->bridge);
	if (!g->bridge || !net_valid_ifname(g->bridge))
		return bad_gkey(path, "network:bridge", g->bridge ? g->bridge : "");
	gstr(d, "network:bridge_address", &g->bridge_address);
	if (g->bridge_address && !param_valid_cidr(g->bridge_address))
		return bad_gkey(path, "network:bridge_address", g->bridge_address);
	gstr(d, "network:bridges", &g->bridges);
	if (g->bridges && !gconf_bridges_valid(g->bridges))
		return bad_gkey(path, "network:bridges", g->bridges);
	if ((v = iniparser_getstring(d, "network:ipadd_mode", NULL))) {
		if (strcmp(v, "routed") && strcmp(v, "bridged"))
			return bad_gkey(path, "network:ipadd_mode", v);
		g->ipadd_bridged = !strcmp(v, "bridged");
	}
	gstr(d, "network:uplink", &g->uplink);
	if (g->uplink && !gconf_bridges_valid(g->uplink))
		return bad_gkey(path, "network:uplink", g->uplink);
	gstr(d, "defaults:ostemplate", &g->default_template);
	if (!g->default_template)
		return bad_gkey(path, "defaults:ostemplate", "");
	gstr(d, "defaults:config", &g->default_sample);
	if ((v = iniparser_getstring(d, "defaults:layout", NULL))) {
		if (strcmp(v, "overlay") && strcmp(v, "copy"))
			return bad_gkey(path, "defaults:layout", v);
		g->layout_copy = !strcmp(v, "copy");
	}

	if ((v = iniparser_getstring(d, "userns:default", NULL)) && parse_bool(v, &g->userns_default) < 0)
		return bad_gkey(path, "userns:default", v);
	if ((v = iniparser_getstring(d, "userns:base", NULL)) && parse_uint(v, 0, UINT32_MAX, &g->userns_base) < 0)
		return bad_gkey(path, "userns:base", v);
	if ((v = iniparser_getstring(d, "userns:size", NULL)) && parse_uint(v, 1, UINT32_MAX, &g->userns_size) < 0)
		return bad_gkey(path, "userns:size", v);
	if ((uint64_t)g->userns_base + g->userns_size > UINT32_MAX) {
		char both[64];
		snprintf(both, sizeof(both), "%u+%u", g->userns_base, g->userns_size);
		return bad_gkey(path, "userns:size", both);
	}
	if ((v = iniparser_getstring(d, "defaults:stop_timeout", NULL)) &&
	    parse_uint(v, 1, 86400 * 7, &g->stop_timeout) < 0)
		return bad_gkey(path, "defaults:stop_timeout", v);
	if ((v = iniparser_getstring(d, "defaults:action_script_timeout", NULL)) &&
	    parse_uint(v, 1, 86400, &g->hook_timeout) < 0)
		return bad_gkey(path, "defaults:action_script_timeout", v);
	if ((v = iniparser_getstring(d, "boot:parallel", NULL)) && parse_uint(v, 1, 256, &g->boot_parallel) < 0)
		return bad_gkey(path, "boot:parallel", v);
	if ((v = iniparser_getstring(d, "boot:shutdown_parallel", NULL)) &&
	    parse_uint(v, 1, 256, &g->shutdown_parallel) < 0)
		return bad_gkey(path, "boot:shutdown_parallel", v);
	if ((v = iniparser_getstring(d, "boot:bridge_wait", NULL)) && parse_uint(v, 0, 3600, &g->boot_bridge_wait) < 0)
		return bad_gkey(path, "boot:bridge_wait", v);
	gstr(d, "migrate:ssh", &g->migrate_ssh);
	if (!g->migrate_ssh)
		return bad_gkey(path, "migrate:ssh", "");
	gstr(d, "migrate:ssh_options", &g->migrate_ssh_options);
	gstr(d, "migrate:remote_command", &g->migrate_remote);
	if (!g->migrate_remote || !g->migrate_remote[strspn(g->migrate_remote, " \t")])
		return bad_gkey(path, "migrate:remote_command", "");
	return 0;
}

int gconf_load(struct gconf **out)
{
	const char *env = getenv("CELLCTL_CONF");
	bool from_env = env && *env;
	const char *path = from_env ? env : GCONF_DEFAULT_PATH;
	struct gconf *g = gconf_defaults();

	if (access(path, F_OK) < 0) {
		int e = errno;
		if (e == ENOENT && !from_env) {
			log_debug("no %s, using built-in defaults", path);
			*out = g;
			return 0;
		}
		gconf_free(g);
		cerr(EX_NOGCONF, e, "global config %s", path);
		return -e;
	}
	if (access(path, R_OK) < 0) {
		int e = errno;
		gconf_free(g);
		cerr(EX_NOGCONF, e, "read global config %s", path);
		return -e;
	}
	g->path = xstrdup(path);
	struct conf_text t;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file_at(AT_FDCWD, path, &text, &len);
	if (r < 0)
		cerr(EX_NOGCONF, -r, "read global config %s", path);
	else
		r = conf_parse(path, text, len, &t);
	if (r == 0) {
		r = gconf_parse(g, t.dict);
		conf_text_free(&t);
	}
	if (r < 0) {
		gconf_free(g);
		return r;
	}
	*out = g;
	return 0;
}

/* ---- container configs ---- */

char *ctconf_path(const struct gconf *g, unsigned ctid)
{
	return xasprintf("%s/%u.conf", g->config_dir, ctid);
}

void ctconf_free(struct ct_config *c)
{
	if (!c)
		return;
	free(c->path);
	ini_free(c->doc);
	free(c->hostname);
	free(c->ostemplate);
	free(c->uuid);
	free(c->name);
	free(c->description);
	free(c->origin_sample);
	free(c->layout);
	free(c->template_tree);
	free(c->ownership);
	free(c->cpumask);
	free(c->capability);
	free(c->devices);
	free(c->devnodes);
	free(c->nameserver);
	free(c->searchdomain);
	for (unsigned i = 0; i < c->nnetif; i++)
		for (unsigned j = 0; j < c->netif[i].nips; j++)
			free(c->netif[i].ips[j]);
	for (unsigned j = 0; j < c->venet.nips; j++)
		free(c->venet.ips[j]);
	bind_free(c);
	free(c->listen);
	free(c);
}

static struct ct_config *ctconf_new(const struct gconf *g, unsigned ctid)
{
	struct ct_config *c = xcalloc(1, sizeof(*c));
	c->ctid = ctid;
	c->path = ctconf_path(g, ctid);
	c->userns = g->userns_default;
	c->uid_size = g->userns_size;
	c->stop_timeout = g->stop_timeout;
	c->ipadd_bridged = g->ipadd_bridged;
	c->ram = c->swap = c->numproc = SIZE_UNLIMITED;
	c->diskspace_soft = c->diskspace_hard = SIZE_UNLIMITED;
	c->diskinodes_soft = c->diskinodes_hard = SIZE_UNLIMITED;
	c->cpuunits = 1000;
	c->ioprio = 4;
	return c;
}

/* Build the config of ctid from a text read once; name (the file it came from) in messages. */
static int from_text(const struct gconf *g, unsigned ctid, const char *name, const char *text, size_t len,
		     struct ct_config **out)
{
	struct conf_text t;
	int r = conf_parse(name, text, len, &t);
	if (r < 0)
		return r;
	struct ct_config *c = ctconf_new(g, ctid);
	r = param_load(c, &t, name);
	c->doc = t.doc; /* kept for set --save */
	t.doc = NULL;
	conf_text_free(&t);
	if (r < 0) {
		ctconf_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int ctconf_from_text(const struct gconf *g, unsigned ctid, const char *name, const char *text, struct ct_config **out)
{
	return from_text(g, ctid, name, text ? text : "", text ? strlen(text) : 0, out);
}

int ctconf_from_doc(const struct gconf *g, unsigned ctid, struct ini_doc *doc, struct ct_config **out)
{
	_cleanup_free_ char *path = ctconf_path(g, ctid);
	_cleanup_free_ char *text = doc ? ini_render(doc) : NULL;
	ini_free(doc);
	return ctconf_from_text(g, ctid, path, text, out);
}

int ctconf_load(const struct gconf *g, unsigned ctid, struct ct_config **out)
{
	_cleanup_free_ char *path = ctconf_path(g, ctid);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	/* one read for the usual config (list reads a thousand), a larger one read whole */
	char buf[8192];
	ssize_t n = read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	int r = n < 0 ? (int)n : 0;
	if (n == -EFBIG)
		r = read_file_at(AT_FDCWD, path, &text, &len);
	if (r == -ENOENT) {
		cerr(EX_NOCONF, 0, "container %u config %s not found", ctid, path);
		return -ENOENT;
	}
	if (r < 0)
		return cerr(EX_NOCONF, r, "read container %u config %s", ctid, path);
	return text ? from_text(g, ctid, path, text, len, out) : from_text(g, ctid, path, buf, (size_t)n, out);
}

int ctconf_save(struct ct_config *c)
{
	if (!c->doc)
		c->doc = ini_new();
	/* what is written is what iniparser reads back as meant, or nothing is written */
	_cleanup_free_ char *text = NULL;
	int r = conf_check_edit(c->path, c->doc, &text);
	if (r < 0)
		return r;
	r = write_file_atomic(c->path, text, strlen(text), 0644);
	if (r < 0)
		return cerr(EX_CONFSAVE, r, "save container config %s", c->path);
	return 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

int ctid_dir_list(const char *dirpath, const char *suffix, unsigned **ids, unsigned *n)
{
	*ids = NULL;
	*n = 0;
	DIR *dir = opendir(dirpath);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	size_t sl = strlen(suffix);
	unsigned *v = NULL, cnt = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		if (len <= sl || strcmp(name + len - sl, suffix) != 0)
			continue;
		char num[16];
		if (len - sl >= sizeof(num))
			continue;
		memcpy(num, name, len - sl);
		num[len - sl] = 0;
		unsigned id;
		if (num[0] == '0' || ctid_parse(num, &id) < 0) /* canonical names only: not 0101.conf */
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = id;
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_uint);
	*ids = v;
	*n = cnt;
	return 0;
}

bool ctid_in(const unsigned *ids, unsigned n, unsigned id)
{
	return n && bsearch(&id, ids, n, sizeof(*ids), cmp_uint) != NULL;
}

int ctconf_list(const struct gconf *g, unsigned **ids, unsigned *n)
{
	int r = ctid_dir_list(g->config_dir, ".conf", ids, n);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open config dir %s", g->config_dir);
	return 0;
}

int ctconf_load_sample(const struct gconf *g, unsigned ctid, const char *name, struct ct_config **out)
{
	if (!name || !*name || name[0] == '.' || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
							     "0123456789._-") != strlen(name))
		return cerr(EX_BADVALUE, 0, "invalid config sample name '%s'", name ? name : "");
	_cleanup_free_ char *path = xasprintf("%s/ve-%s.conf-sample", g->sample_dir, name);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file_at(AT_FDCWD, path, &text, &len);
	if (r == -ENOENT) {
		cerr(EX_NOCONF, 0, "config sample %s not found", path);
		return -ENOENT;
	}
	if (r < 0)
		return cerr(EX_NOCONF, r, "read config sample %s", path);
	return from_text(g, ctid, path, text, len, out);
}

int ctconf_foreach(const struct gconf *g, unsigned flags, ctconf_each_fn fn, void *arg)
{
	return ctconf_foreach_wanted(g, flags, NULL, fn, arg);
}

int ctconf_foreach_wanted(const struct gconf *g, unsigned flags, ctconf_want_fn want, ctconf_each_fn fn, void *arg)
{
	_cleanup_free_ unsigned *ids = NULL;
	unsigned n = 0;
	int r = ctconf_list(g, &ids, &n);
	if (r < 0)
		return r;
	bool had_error = cerr_msg() != NULL; /* not ours to clear */
	for (unsigned i = 0; i < n; i++) {
		if (want && !want(ids[i], arg))
			continue;
		struct ct_config *c = NULL;
		r = ctconf_load(g, ids[i], &c);
		if (r < 0) {
			log_debug("config of container %u does not load: %s", ids[i],
				  cerr_msg() ? cerr_msg() : strerror(-r));
			c = NULL;
			if ((flags & CTCONF_EACH_BROKEN) && (r = fn(ids[i], &c, arg)) != 0)
				return r;
			if (!had_error)
				cerr_clear();
			continue;
		}
		r = fn(ids[i], &c, arg);
		if (c)
			ctconf_free(c);
		if (r != 0)
			return r;
	}
	return 0;
}
