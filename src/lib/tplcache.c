/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tplcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctroot.h"
#include "error.h"
#include "fscopy.h"
#include "fsutil.h"
#include "lock.h"
#include "log.h"
#include "state.h"
#include "template.h"
#include "tpltree.h"
#include "util.h"

/* ---- the origin file ---- */

static void copy_field(char *dst, size_t len, const char *v)
{
	size_t n = strlen(v);
	if (n >= len)
		return;
	memcpy(dst, v, n + 1);
}

void tpl_origin_parse(const char *text, struct tpl_origin *o)
{
	memset(o, 0, sizeof(*o));
	_cleanup_free_ char *t = xstrdup(text ? text : "");
	for (char *line = t, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = strtrim(line);
		char *v = strtrim(eq + 1);
		if (!strcmp(k, "parent") && tpl_name_ok(v)) {
			copy_field(o->parent, sizeof(o->parent), v);
		} else if (!strcmp(k, "ctid")) {
			unsigned id;
			if (parse_uint(v, 0, UINT32_MAX, &id) == 0)
				o->ctid = id;
		} else if (!strcmp(k, "layer")) {
			o->layer = !strcmp(v, "yes");
		} else if (!strcmp(k, "parent_tree") && tpl_tree_name_ok(v)) {
			copy_field(o->parent_tree, sizeof(o->parent_tree), v);
		} else if (!strcmp(k, "created") || !strcmp(k, "layout")) {
			bool ok = true;
			for (const char *p = v; *p; p++)
				ok = ok && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    *p == '-' || *p == ':');
			if (ok && k[0] == 'c')
				copy_field(o->created, sizeof(o->created), v);
			else if (ok)
				copy_field(o->layout, sizeof(o->layout), v);
		}
	}
}

char *tpl_origin_format(const struct tpl_origin *o)
{
	struct strbuf b = {0};
	sb_add(&b, "; written by cellctl template commit\n");
	if (o->parent[0])
		sb_printf(&b, "parent = %s\n", o->parent);
	sb_printf(&b, "ctid = %u\n", o->ctid);
	if (o->created[0])
		sb_printf(&b, "created = %s\n", o->created);
	if (o->layout[0])
		sb_printf(&b, "layout = %s\n", o->layout);
	if (o->layer)
		sb_add(&b, "layer = yes\n");
	if (o->parent_tree[0])
		sb_printf(&b, "parent_tree = %s\n", o->parent_tree);
	return sb_done(&b);
}

static char *origin_path(const struct gconf *g, const char *name)
{
	return xasprintf("%s/cache/%s" TPL_ORIGIN_SUFFIX, g->template_dir, name);
}

int tpl_origin_read(const struct gconf *g, const char *name, struct tpl_origin *o)
{
	memset(o, 0, sizeof(*o));
	if (!g->template_dir || !tpl_name_ok(name))
		return -ENOENT;
	_cleanup_free_ char *p = origin_path(g, name);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 4096)
		return -EINVAL;
	char text[4097];
	ssize_t len = read_full(fd, text, sizeof(text) - 1);
	if (len < 0)
		return (int)len;
	text[len] = '\0';
	tpl_origin_parse(text, o);
	return 0;
}

/* ---- commit ---- */

/* The template name of a tree name (NAME.ID), malloc'd; NULL when it is none. */
static char *tree_template(const char *tree)
{
	if (!tpl_tree_name_ok(tree))
		return NULL;
	return xstrndup(tree, strlen(tree) - 17);
}

static void names_free(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --layer: the checks, and the layer's origin (its parent, the tree it lies on) */
static int layer_origin(const struct gconf *g, const struct ct_config *c, const char *name, struct tpl_origin *org)
{
	if (!ctconf_overlay(c))
		return cerr(EX_LAYOUT, 0,
			    "container %u has layout copy: --layer packs the upper layer of a layout overlay container "
			    "(commit it without --layer for a full template)",
			    c->ctid);
	_cleanup_free_ char *parent = c->template_tree ? tree_template(c->template_tree) : NULL;
	if (!parent)
		return cerr(EX_BADCONFIG, 0, "container %u has layout overlay but no valid template_tree in %s", c->ctid,
			    c->path ? c->path : "its config");
	if (!strcmp(parent, name))
		return cerr(EX_BADVALUE, 0, "template %s: a layer cannot replace the template it lies on (give it another name)",
			    name);
	char **chain = NULL;
	unsigned n = 0;
	int r = tpl_tree_chain(g, c->template_tree, &chain, &n);
	if (r < 0)
		return r;
	names_free(chain, n);
	if (n >= TPL_LAYERS_MAX)
		return cerr(EX_LAYOUT, 0,
			    "container %u lies on a stack of %u template trees: a layer over it passes the depth limit (%u)",
			    c->ctid, n, TPL_LAYERS_MAX);
	org->layer = true;
	copy_field(org->parent, sizeof(org->parent), parent);
	copy_field(org->parent_tree, sizeof(org->parent_tree), c->template_tree);
	return 0;
}

/* Pack the upper layer alone (the private area is host root's: its names are ours). */
static int pack_upper(const char *root, const char *archive, struct tpl_pack_opts *po)
{
	_cleanup_close_ int pfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int ufd = pfd < 0 ? -1 : openat(pfd, CT_OVL_UPPER, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return cerr(EX_NOPRIVATE, errno, "open the upper layer %s/" CT_OVL_UPPER, root);
	_cleanup_free_ char *upper = xasprintf("%s/" CT_OVL_UPPER, root);
	po->srcfd = ufd;
	po->low_kept = false; /* an upper layer holds the block's ids only: any other is the overflow id */
	po->layer = true;
	return tpl_pack_opts(upper, archive, po);
}

/* Every archive of template name in the cache but keep (all when keep is NULL): removed. */
static void remove_archives(const struct gconf *g, const char *name, const char *keep)
{
	static const char *const sfx[] = {".tar.zst", ".tar.xz", ".tar.gz", ".tar.bz2", ".tar"};
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		_cleanup_free_ char *p = xasprintf("%s/cache/%s%s", g->template_dir, name, sfx[i]);
		if (keep && !strcmp(p, keep))
			continue;
		if (unlink(p) < 0 && errno != ENOENT)
			log_warn("cannot remove %s: %m", p);
	}
}

/* What commits killed on the way left in the cache (.commit-NAME.PID.tar.zst, and the archiver's
 * ..commit-NAME.PID.tar.zst.XXXXXX): removed when that PID is gone. */
static void sweep_commits(const char *cache)
{
	DIR *d = opendir(cache);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		const char *n = e->d_name, *s = n[0] == '.' && n[1] == '.' ? n + 1 : n;
		const char *t = strstr(s, ".tar.zst"), *p = t;
		if (strncmp(s, ".commit-", 8) != 0 || !t)
			continue;
		while (p > s && p[-1] >= '0' && p[-1] <= '9')
			p--;
		long pid = p < t && p[-1] == '.' ? strtol(p, NULL, 10) : 0;
		if (pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue;
		if (unlinkat(dirfd(d), n, 0) == 0)
			log_info("removed %s/%s, left by an interrupted template commit", cache, n);
	}
	closedir(d);
}

struct packarg {
	const char *root, *archive;
	struct tpl_pack_opts po;
};

static int pack_fd(int rootfd, void *arg)
{
	struct packarg *a = arg;
	a->po.srcfd = rootfd;
	return tpl_pack_opts(a->root, a->archive, &a->po);
}

static void conf_free(struct ct_config **c)
{
	if (*c)
		ctconf_free(*c);
}

int tpl_commit(const struct gconf *g, unsigned ctid, const char *name, const struct tpl_commit_opts *o)
{
	if (!tpl_name_ok(name)) {
		_cleanup_free_ char *e = str_escape(name ? name : "");
		return cerr(EX_BADVALUE, 0,
			    "invalid template name '%s' (letters, digits, '.', '_' and '-', not starting with '.', at "
			    "most 128)",
			    e);
	}
	if (!g->template_dir)
		return cerr(EX_NOTEMPLATE, 0, "no template directory configured");
	_cleanup_(ct_lock_release) struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "commit", &lk);
	if (r < 0)
		return r;
	_cleanup_(conf_free) struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
	struct stat st;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "private area %s", root);
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running: stop it first (a template is made from a stopped "
					   "container)",
			    ctid);
	struct tpl_origin org = {.ctid = ctid};
	if (o->layer && (r = layer_origin(g, c, name, &org)) < 0)
		return r;
	_cleanup_free_ char *existing = tpl_find(g, name);
	if (existing && !o->force)
		return cerr(EX_PRIVEXISTS, 0, "template %s exists (%s): --force replaces it", name, existing);

	if (o->layer) {
		/* (the parent and its tree: layer_origin) */
	} else if (c->ostemplate && tpl_name_ok(c->ostemplate)) {
		if (strcmp(c->ostemplate, name) != 0) {
			copy_field(org.parent, sizeof(org.parent), c->ostemplate);
		} else {
			/* replacing its own template: the new one descends from what that one came from */
			struct tpl_origin old;
			if (tpl_origin_read(g, name, &old) == 0)
				memcpy(org.parent, old.parent, sizeof(org.parent));
		}
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(org.created, sizeof(org.created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	copy_field(org.layout, sizeof(org.layout), ctconf_overlay(c) ? "overlay" : "copy");

	_cleanup_free_ char *cache = xasprintf("%s/cache", g->template_dir);
	if ((r = mkdir_p(cache, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", cache);
	sweep_commits(cache);
	_cleanup_free_ char *tmp = xasprintf("%s/.commit-%s.%d.tar.zst", cache, name, (int)getpid());
	_cleanup_free_ char *archive = xasprintf("%s/%s.tar.zst", cache, name);
	/* the whole root as the host sees it (ctroot.h): layout overlay, the merged root, in a mount
	 * nobody else sees, whose lower layer is container-relative and upper layer shifted. Ids below
	 * the block size are container-relative already wherever they occur (that lower layer, a
	 * private area kept container-relative on disk and bound idmapped) and stay: the block and
	 * [0, size) never overlap */
	struct packarg pa = {.root = root,
			     .archive = tmp,
			     .po = {.progress = o->progress,
				    .id_base = c->userns ? c->uid_base : 0,
				    .id_size = c->userns ? c->uid_size : 0,
				    .low_kept = true}};
	uint64_t t0 = now_ms();
	if ((r = o->layer ? pack_upper(root, tmp, &pa.po) : ctroot_run(g, c, pack_fd, &pa)) < 0) {
		unlink(tmp);
		return r;
	}
	/* into place under the trees' lock: no create is extracting the archive it replaces */
	_cleanup_(ct_lock_release) struct ct_lock tlk = CT_LOCK_INIT;
	if ((r = tpl_tree_lock(g, &tlk)) < 0) {
		unlink(tmp);
		return r;
	}
	free(existing);
	existing = tpl_find(g, name);
	if (existing && !o->force) {
		unlink(tmp);
		return cerr(EX_PRIVEXISTS, 0, "template %s was made meanwhile (%s): --force replaces it", name, existing);
	}
	if (rename(tmp, archive) < 0) {
		r = cerr(EX_SYSTEM, errno, "rename %s to %s", tmp, archive);
		unlink(tmp);
		return r;
	}
	remove_archives(g, name, archive);
	/* the origin replaced atomically; one that cannot be written must not stay as the replaced
	 * template's (a parent this one may not have) */
	_cleanup_free_ char *opath = origin_path(g, name);
	_cleanup_free_ char *text = tpl_origin_format(&org);
	if ((r = write_file_atomic(opath, text, strlen(text), 0644)) < 0) {
		log_warn("template %s: cannot write its origin %s: %s", name, opath, strerror(-r));
		if (unlink(opath) < 0 && errno != ENOENT)
			log_warn("cannot remove %s: %m", opath);
	}
	log_file_only("Template %s committed from container %u in %llu ms%s%s", name, ctid,
		      (unsigned long long)(now_ms() - t0), o->layer ? ", a layer over " : "", o->layer ? org.parent_tree : "");
	return 0;
}

/* ---- layers ---- */

bool tpl_is_layer(const struct gconf *g, const char *name)
{
	struct tpl_origin o;
	return tpl_origin_read(g, name, &o) == 0 && o.layer;
}

int tpl_tree_for(const struct gconf *g, const char *tname, const char *archive, volatile int *cancel, char **tree,
		 bool *made)
{
	struct tpl_origin o;
	if (tpl_origin_read(g, tname, &o) < 0 || !o.layer)
		return tpl_tree_ensure(g, tname, archive, cancel, tree, made);
	if (!o.parent_tree[0])
		return cerr(EX_BADTEMPLATE, 0, "template %s is a layer, but its origin names no parent tree", tname);
	return tpl_tree_ensure_layer(g, tname, archive, o.parent_tree, cancel, tree, made);
}

/* Remove every .layers.* scratch directory in the private directory pfd (named dir). */
static void sweep_layer_scratch(int pfd, const char *dir)
{
	int dfd = dup(pfd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, ".layers.", 8) && e->d_type == DT_DIR && fs_remove_tree(pfd, e->d_name) < 0)
			log_warn("cannot remove %s/%s", dir, e->d_name);
	closedir(d);
}

int tpl_layer_copy(const struct gconf *g, const char *tname, const char *archive, int dstfd, const struct idshift *map,
		   volatile int *cancel)
{
	_cleanup_(ct_lock_release) struct ct_lock tlk = CT_LOCK_INIT;
	int r = tpl_tree_lock(g, &tlk); /* held throughout: no prune removes the trees being read */
	if (r < 0)
		return r;
	_cleanup_free_ char *tree = NULL;
	bool made;
	if ((r = tpl_tree_for(g, tname, archive, cancel, &tree, &made)) < 0)
		return r;
	_cleanup_close_ int pfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", g->private_dir);
	/* the lock is exclusive: any scratch directory here is one a killed copy left */
	sweep_layer_scratch(pfd, g->private_dir);
	char name[48];
	snprintf(name, sizeof(name), ".layers.%d", (int)getpid());
	if (mkdirat(pfd, name, 0700) < 0)
		return cerr(EX_SYSTEM, errno, "create %s/%s", g->private_dir, name);
	_cleanup_free_ char *scratch = xasprintf("%s/%s", g->private_dir, name);
	int rootfd = -1;
	r = ctroot_open_stack(g, tree, scratch, &rootfd);
	if (r == 0) {
		struct fscopy_opts fo = {.map = map, .cancel = cancel};
		r = fscopy_tree(rootfd, dstfd, &fo);
		close(rootfd);
	}
	if (fs_remove_tree(pfd, name) < 0)
		log_warn("cannot remove %s", scratch);
	return r;
}

/* prune's keep: the tree every layer template lies on */
static int keep_parents(const struct gconf *g, void *arg, char ***names, unsigned *n)
{
	(void)arg;
	char **t = NULL;
	unsigned cnt = 0;
	int r = tpl_list(g, &t, &cnt);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < cnt; i++) {
		struct tpl_origin o;
		if (tpl_origin_read(g, t[i], &o) == 0 && o.layer && o.parent_tree[0]) {
			*names = xrealloc(*names, (*n + 1) * sizeof(**names));
			(*names)[(*n)++] = xstrdup(o.parent_tree);
		}
	}
	names_free(t, cnt);
	return 0;
}

int tpl_prune(const struct gconf *g, char ***removed, unsigned *n)
{
	return tpl_tree_prune_keep(g, keep_parents, NULL, removed, n);
}

/* ---- who uses what ---- */

struct ctuse {
	unsigned ctid;
	char *ostemplate, *tree_tpl, *tree;
	char **below; /* the templates of the trees below tree (a layer's stack), nbelow of them */
	unsigned nbelow;
};
struct uses {
	struct ctuse *v;
	unsigned n;
	bool broken;
	unsigned broken_ctid;
};

static int note_use(unsigned ctid, struct ct_config **c, void *arg)
{
	struct uses *u = arg;
	if (!*c) {
		if (!u->broken)
			u->broken_ctid = ctid;
		u->broken = true;
		return 0;
	}
	u->v = xrealloc(u->v, (u->n + 1) * sizeof(*u->v));
	struct ctuse *e = &u->v[u->n++];
	*e = (struct ctuse){.ctid = ctid};
	e->ostemplate = (*c)->ostemplate ? xstrdup((*c)->ostemplate) : NULL;
	bool tree = ctconf_overlay(*c) && (*c)->template_tree && *(*c)->template_tree;
	e->tree = tree ? xstrdup((*c)->template_tree) : NULL;
	e->tree_tpl = tree ? tree_template((*c)->template_tree) : NULL;
	return 0;
}

static void uses_free(struct uses *u)
{
	for (unsigned i = 0; i < u->n; i++) {
		free(u->v[i].ostemplate);
		free(u->v[i].tree_tpl);
		free(u->v[i].tree);
		names_free(u->v[i].below, u->v[i].nbelow);
	}
	free(u->v);
}

/* Each container's trees below its own (a stack it cannot be read is left out: its top tree
 * alone is known) */
static void note_stacks(const struct gconf *g, struct uses *u)
{
	struct cerr_saved sv;
	cerr_save(&sv);
	for (unsigned k = 0; k < u->n; k++) {
		struct ctuse *e = &u->v[k];
		char **chain = NULL;
		unsigned nc = 0;
		if (!e->tree || tpl_tree_chain(g, e->tree, &chain, &nc) < 0)
			continue;
		for (unsigned i = 1; i < nc; i++) {
			char *t = tree_template(chain[i]);
			if (!t)
				continue;
			e->below = xrealloc(e->below, (e->nbelow + 1) * sizeof(*e->below));
			e->below[e->nbelow++] = t;
		}
		names_free(chain, nc);
	}
	cerr_restore(&sv);
}

/* Does container e's root lie on a tree of template name (its own, or one below a layer's)? */
static bool uses_tree_of(const struct ctuse *e, const char *name)
{
	bool r = e->tree_tpl && !strcmp(e->tree_tpl, name);
	for (unsigned i = 0; !r && i < e->nbelow; i++)
		r = !strcmp(e->below[i], name);
	return r;
}

void tpl_info_free(struct tpl_info *v, unsigned n)
{
	for (unsigned i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].archive);
		free(v[i].users);
		for (unsigned k = 0; k < v[i].nchildren; k++)
			free(v[i].children[k]);
		free(v[i].children);
	}
	free(v);
}

int tpl_info_list(const struct gconf *g, struct tpl_info **out, unsigned *n)
{
	*out = NULL;
	*n = 0;
	char **names = NULL;
	unsigned cnt = 0;
	int r = tpl_list(g, &names, &cnt);
	if (r < 0)
		return r;
	struct uses u = {0};
	if (cnt && (r = ctconf_foreach(g, 0, note_use, &u)) < 0) {
		for (unsigned i = 0; i < cnt; i++)
			free(names[i]);
		free(names);
		return r;
	}
	note_stacks(g, &u);
	struct tpl_info *v = xcalloc(cnt ? cnt : 1, sizeof(*v));
	for (unsigned i = 0; i < cnt; i++) {
		struct tpl_info *t = &v[i];
		t->name = names[i];
		t->archive = tpl_find(g, t->name);
		struct stat st;
		if (t->archive && stat(t->archive, &st) == 0)
			t->size = (uint64_t)st.st_size;
		t->has_origin = tpl_origin_read(g, t->name, &t->origin) == 0;
		for (unsigned k = 0; k < u.n; k++) {
			const struct ctuse *e = &u.v[k];
			if ((e->ostemplate && !strcmp(e->ostemplate, t->name)) || uses_tree_of(e, t->name)) {
				t->users = xrealloc(t->users, (t->nusers + 1) * sizeof(*t->users));
				t->users[t->nusers++] = e->ctid; /* (ctconf_foreach goes in CTID order) */
			}
		}
	}
	free(names);
	for (unsigned i = 0; i < cnt; i++) {
		if (!v[i].has_origin || !v[i].origin.parent[0])
			continue;
		for (unsigned k = 0; k < cnt; k++) {
			if (k == i || strcmp(v[k].name, v[i].origin.parent) != 0)
				continue;
			v[k].children = xrealloc(v[k].children, (v[k].nchildren + 1) * sizeof(*v[k].children));
			v[k].children[v[k].nchildren++] = xstrdup(v[i].name); /* (tpl_list order: sorted) */
		}
	}
	uses_free(&u);
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- remove ---- */

int tpl_remove(const struct gconf *g, const char *name, char ***trees, unsigned *n)
{
	*trees = NULL;
	*n = 0;
	if (!tpl_name_ok(name)) {
		_cleanup_free_ char *e = str_escape(name ? name : "");
		return cerr(EX_BADVALUE, 0, "invalid template name '%s'", e);
	}
	if (!g->template_dir)
		return cerr(EX_NOTEMPLATE, 0, "no template directory configured");
	_cleanup_(ct_lock_release) struct ct_lock tlk = CT_LOCK_INIT;
	int r = tpl_tree_lock(g, &tlk);
	if (r < 0)
		return r;
	_cleanup_free_ char *archive = tpl_find(g, name);
	if (!archive)
		return cerr(EX_NOTEMPLATE, 0, "template %s not found in %s/cache", name, g->template_dir);
	struct uses u = {0};
	if ((r = ctconf_foreach(g, CTCONF_EACH_BROKEN, note_use, &u)) < 0)
		return r;
	struct strbuf users = {0}, kids = {0};
	note_stacks(g, &u); /* a layer's tree: the trees below it are the container's too */
	for (unsigned k = 0; k < u.n; k++)
		if (uses_tree_of(&u.v[k], name))
			sb_printf(&users, "%s%u", users.len ? ", " : "", u.v[k].ctid);
	char **names = NULL;
	unsigned cnt = 0;
	if (tpl_list(g, &names, &cnt) == 0) {
		for (unsigned i = 0; i < cnt; i++) {
			struct tpl_origin o;
			if (strcmp(names[i], name) != 0 && tpl_origin_read(g, names[i], &o) == 0 && !strcmp(o.parent, name))
				sb_printf(&kids, "%s%s", kids.len ? ", " : "", names[i]);
			free(names[i]);
		}
		free(names);
	}
	_cleanup_free_ char *ulist = sb_done(&users), *klist = sb_done(&kids);
	if (u.broken)
		r = cerr(EX_BADCONFIG, 0, "the config of container %u does not load: it may use template %s, which stays",
			 u.broken_ctid, name);
	else if (*ulist || *klist)
		r = cerr(EX_TPLINUSE, 0, "template %s is in use%s%s%s%s (its containers must go first, then the templates "
					 "made from it)",
			 name, *ulist ? ": the tree of containers " : "", ulist, *klist ? (*ulist ? "; the parent of " : ": the parent of ") : "",
			 klist);
	if (r < 0) {
		uses_free(&u);
		return r;
	}
	remove_archives(g, name, NULL);
	_cleanup_free_ char *opath = origin_path(g, name);
	unlink(opath);
	/* its trees: none is in use (refused above) */
	_cleanup_free_ char *dir = tpl_trees_dir(g);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int dfd2 = dfd >= 0 ? dup(dfd) : -1;
	DIR *d = dfd2 >= 0 ? fdopendir(dfd2) : NULL;
	for (struct dirent *e; d && r == 0 && (e = readdir(d));) {
		_cleanup_free_ char *t = tree_template(e->d_name);
		if (!t || strcmp(t, name) != 0)
			continue;
		if ((r = fs_remove_tree(dfd, e->d_name)) < 0) {
			r = cerr(EX_SYSTEM, r, "remove the template tree %s/%s", dir, e->d_name);
			break;
		}
		_cleanup_free_ char *rec = xasprintf("%s" TPL_TREE_PARENT, e->d_name);
		if (unlinkat(dfd, rec, 0) < 0 && errno != ENOENT)
			log_warn("cannot remove %s/%s: %m", dir, rec);
		*trees = xrealloc(*trees, (*n + 1) * sizeof(**trees));
		(*trees)[(*n)++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	else if (dfd2 >= 0)
		close(dfd2);
	uses_free(&u);
	if (r == 0)
		log_file_only("Template %s removed", name);
	return r;
}
