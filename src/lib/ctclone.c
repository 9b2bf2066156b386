/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctclone.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include "ctnet.h"
#include "ctops.h"
#include "ctroot.h"
#include "ctname.h"
#include "error.h"
#include "fscopy.h"
#include "fsutil.h"
#include "idmap.h"
#include "lock.h"
#include "log.h"
#include "netlink.h"
#include "quota.h"
#include "state.h"
#include "tpltree.h"
#include "util.h"

static volatile int clone_cancel;
static void on_cancel(int sig)
{
	(void)sig;
	clone_cancel = 1;
}

/* SIGINT, SIGTERM and SIGHUP set clone_cancel while a tree is copied. */
struct sigs {
	struct sigaction old[3];
};
static const int cancel_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void sigs_catch(struct sigs *s)
{
	struct sigaction sa = {.sa_handler = on_cancel};
	clone_cancel = 0;
	for (int i = 0; i < 3; i++)
		sigaction(cancel_sigs[i], &sa, &s->old[i]);
}

static void sigs_restore(struct sigs *s)
{
	for (int i = 0; i < 3; i++)
		sigaction(cancel_sigs[i], &s->old[i], NULL);
}


static int open_dir_at(int dfd, const char *name, const char *what)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", what);
	return fd;
}

/* The source, locked, existing and stopped. */
static int load_stopped(const struct gconf *g, unsigned ctid, const char *op, struct ct_lock *lk, struct ct_config **c)
{
	int r = ct_lock_take(g, ctid, op, lk);
	if (r < 0)
		return r;
	if ((r = ctconf_load(g, ctid, c)) < 0)
		return r;
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running: stop it first", ctid);
	return 0;
}

/* dst's config: src's text without what must not be shared (see ct_clone). */
static int clone_config(const struct gconf *g, const struct ct_config *s, unsigned dst, struct ct_config **out)
{
	_cleanup_free_ char *text = ini_render(s->doc);
	struct ini_doc *doc = ini_parse(text);
	if (!doc)
		return cerr(EX_BADCONFIG, 0, "container %u: its config cannot be read again", s->ctid);
	static const char *ckeys[] = {"uuid", "name", "hostname", "quota_id", "uid_base", "layout", "template_tree"};
	for (size_t i = 0; i < ARRAY_SIZE(ckeys); i++)
		while (ini_unset(doc, "container", ckeys[i]) == 1)
			;
	while (ini_unset(doc, "venet", "ipadd") == 1)
		;
	const char *sec;
	static const char *nkeys[] = {"ipadd", "mac", "host_mac", "host_ifname"};
	for (size_t i = 0; ini_section_at(doc, i, &sec) == 0; i++) {
		if (strncmp(sec, "netif.", 6))
			continue;
		_cleanup_free_ char *name = xstrdup(sec);
		for (size_t k = 0; k < ARRAY_SIZE(nkeys); k++)
			while (ini_unset(doc, name, nkeys[k]) == 1)
				;
	}
	return ctconf_from_doc(g, dst, doc, out);
}

/* Remove private_dir/name when it exists (a leftover, or the tree of a failed step). */
static void remove_named(const struct gconf *g, const char *name, const char *why)
{
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (why)
		log_info("removing %s: %s/%s", why, g->private_dir, name);
	struct cerr_saved es;
	cerr_save(&es);
	if (fs_remove_tree(dfd, name) < 0)
		log_warn("cannot remove %s/%s: %s", g->private_dir, name, cerr_msg() ? cerr_msg() : "error");
	cerr_restore(&es);
}

/* Copy the tree of srcfd into dstfd through map (NULL: owners as they are). */
static int copy_tree(int srcfd, int dstfd, const struct idshift *map, const char *what)
{
	struct fscopy_opts fo = {.map = map, .cancel = &clone_cancel};
	uint64_t t0 = now_ms();
	int r = fscopy_tree(srcfd, dstfd, &fo);
	if (r < 0)
		return cerr_wrap(r, 0, "copy %s", what);
	log_debug("copied %s: %llu entries, %llu bytes in %llu ms", what, (unsigned long long)fo.files,
		  (unsigned long long)fo.bytes, (unsigned long long)(now_ms() - t0));
	return 0;
}

/* The directories of an overlay private area but the upper layer (made by the copy). */
static int overlay_skeleton(int dfd, const char *dir)
{
	if (fchmod(dfd, 0700) < 0)
		return cerr(EX_SYSTEM, errno, "chmod %s", dir);
	static const char *dirs[] = {CT_OVL_UPPER, CT_OVL_WORK, CT_OVL_LOWER, CT_OVL_ROOT};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(dfd, dirs[i], 0700) < 0)
			return cerr(EX_SYSTEM, errno, "create %s/%s", dir, dirs[i]);
	return 0;
}

struct clone_job {
	const struct gconf *g;
	const struct ct_config *s, *d;
	bool to_overlay;
	int dstfd;
	const char *tmp;
};

/* The id mapping from the source's tree to dst's: the source's block (and, for a merged root, the
 * template tree's container-relative ids) to dst's block. */
static const struct idshift *clone_map(const struct clone_job *j, bool merged, struct idshift *m)
{
	if (!j->s->userns)
		return NULL;
	*m = (struct idshift){0};
	idshift_add(m, j->s->uid_base, j->d->uid_base, j->s->uid_size);
	if (merged)
		idshift_add(m, 0, j->d->uid_base, j->s->uid_size);
	return m;
}

static int clone_merged(int rootfd, void *arg)
{
	const struct clone_job *j = arg;
	struct idshift m;
	/* a merged root holds the template tree's container-relative ids too; a copy does not: its ids
	 * below the block are host ids (owners outside the block are left alone) */
	const bool merged = ctconf_overlay(j->s);
	return copy_tree(rootfd, j->dstfd, clone_map(j, merged, &m), merged ? "the merged root" : "the private area");
}

static int clone_tree(const struct clone_job *j)
{
	_cleanup_free_ char *spriv = xasprintf("%s/%u", j->g->private_dir, j->s->ctid);
	struct idshift m;
	/* copy: the private area itself; overlay to copy: the merged root, flattened */
	if (!ctconf_overlay(j->s) || !j->to_overlay)
		return ctroot_run(j->g, j->s, clone_merged, UNCONST(j));
	int r = overlay_skeleton(j->dstfd, j->tmp);
	if (r < 0)
		return r;
	_cleanup_close_ int sfd = open(spriv, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return cerr(EX_NOPRIVATE, errno, "private area %s", spriv);
	_cleanup_close_ int su = open_dir_at(sfd, CT_OVL_UPPER, "the upper layer");
	_cleanup_close_ int du = su >= 0 ? open_dir_at(j->dstfd, CT_OVL_UPPER, "the new upper layer") : -1;
	if (su < 0 || du < 0)
		return su < 0 ? su : du;
	return copy_tree(su, du, clone_map(j, false, &m), "the upper layer");
}

int ct_clone(const struct gconf *g, unsigned src, unsigned dst, const struct clone_opts *o)
{
	uint64_t t0 = now_ms();
	if (src == dst)
		return cerr(EX_PRIVEXISTS, 0, "container %u already exists (a clone needs a new CTID)", dst);
	if (o->layout && strcmp(o->layout, "copy") && strcmp(o->layout, "overlay"))
		return cerr(EX_BADVALUE, 0, "invalid --layout '%s' (copy or overlay)", o->layout);
	_cleanup_lock_ struct ct_lock slk = CT_LOCK_INIT, dlk = CT_LOCK_INIT;
	_cleanup_conf_ struct ct_config *s = NULL, *c = NULL;
	int r = load_stopped(g, src, "clone", &slk, &s);
	if (r < 0)
		return r;
	const bool to_overlay = o->layout ? !strcmp(o->layout, "overlay") : ctconf_overlay(s);
	if (to_overlay && !ctconf_overlay(s))
		return cerr(EX_LAYOUT, 0,
			    "container %u has layout copy: its clone cannot be an overlay (which template tree "
			    "it came from and what changed above it are not known): use --layout copy",
			    src);
	if (to_overlay) {
		/* the clone names the same tree: it must be there (prune keeps it while src names it) */
		_cleanup_free_ char *tree = s->template_tree ? tpl_tree_path(g, s->template_tree) : NULL;
		struct stat st;
		if (!tree)
			return cerr(EX_BADCONFIG, 0, "container %u has layout overlay but no template_tree in %s", src,
				    s->path);
		if (stat(tree, &st) < 0 || !S_ISDIR(st.st_mode))
			return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "the template tree %s of container %u", tree, src);
	}
	if ((r = ct_lock_take(g, dst, "create", &dlk)) < 0 || (r = ct_claim_new(g, dst)) < 0)
		return r;
	if ((r = clone_config(g, s, dst, &c)) < 0)
		return r;
	uuid_t u;
	char ustr[40];
	uuid_generate(u);
	uuid_unparse_lower(u, ustr);
	if ((r = param_set(c, param_find("uuid"), ustr)) < 0 ||
	    (r = param_set(c, param_find("layout"), to_overlay ? "overlay" : "copy")) < 0 ||
	    (to_overlay && (r = param_set(c, param_find("template_tree"), s->template_tree)) < 0))
		return r;
	if (o->apply && (r = o->apply(c, o->arg)) < 0)
		return r;
	_cleanup_(idmap_release) struct idmap_res idres = IDMAP_RES_INIT;
	if ((r = ct_claim_identity(g, c, dst, &idres, true)) < 0)
		return r;
	if ((r = mkdir_p(g->config_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->config_dir);
	char partial[32], name[16];
	snprintf(partial, sizeof(partial), ".%u.partial", dst);
	snprintf(name, sizeof(name), "%u", dst);
	_cleanup_free_ char *tmp = xasprintf("%s/%s", g->private_dir, partial);
	_cleanup_free_ char *root = xasprintf("%s/%s", g->private_dir, name);
	if (mkdir(tmp, 0755) < 0)
		return cerr(EX_SYSTEM, errno, "create %s", tmp);
	struct sigs sg;
	sigs_catch(&sg);
	/* the project ID and its inherit flag on the empty top first: everything copied inherits it */
	r = quota_ct_setup(g, c, tmp);
	_cleanup_close_ int dfd = r < 0 ? -1 : open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && dfd < 0)
		r = cerr(EX_SYSTEM, errno, "open %s", tmp);
	if (r == 0) {
		const struct clone_job j = {.g = g, .s = s, .d = c, .to_overlay = to_overlay, .dstfd = dfd, .tmp = tmp};
		r = clone_tree(&j);
	}
	if (r < 0 && clone_cancel)
		cerr_replace(EX_SYSTEM, EINTR, "clone of container %u to %u interrupted", src, dst);
	bool placed = false;
	if (r == 0)
		r = ct_place_new(c, tmp, root, true, &placed);
	if (r < 0) {
		remove_named(g, placed ? name : partial, NULL);
		quota_ct_remove(g, dst);
	}
	sigs_restore(&sg);
	if (r < 0)
		return r;
	log_set_ctid(dst);
	log_file_only("Container cloned from %u (layout %s%s)", src, to_overlay ? "overlay" : "copy",
		      ctconf_overlay(s) && !to_overlay ? ", flattened" : "");
	log_debug("container %u cloned from %u in %llu ms", dst, src, (unsigned long long)(now_ms() - t0));
	return 0;
}

/* ---- flatten ---- */

static int flatten_copy(int rootfd, void *arg)
{
	const struct clone_job *j = arg;
	struct idshift m = {0};
	if (j->s->userns)
		idshift_add(&m, 0, j->s->uid_base, j->s->uid_size);
	return copy_tree(rootfd, j->dstfd, j->s->userns ? &m : NULL, "the merged root");
}

/* The config of a flattened container: layout copy, no template_tree. */
static int flatten_save(struct ct_config *c)
{
	int r = param_set(c, param_find("layout"), "copy");
	if (r < 0)
		return r;
	while (ini_unset(c->doc, "container", "template_tree") == 1)
		;
	free(c->template_tree);
	c->template_tree = NULL;
	return ctconf_save(c);
}

/* An earlier flatten of c, interrupted: undone (the old area renamed away, the new one not yet
 * in place) or finished (the new one in place, the config not yet saved, or the old area not
 * yet removed): 1 when it finished one whose config was not saved yet. The partial copy of an
 * interrupted copy is removed. */
static int flatten_recover(const struct gconf *g, struct ct_config *c, const char *partial, const char *old, const char *name)
{
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	bool done = false;
	if (faccessat(dfd, old, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			log_info("undoing an interrupted flatten of container %u", c->ctid);
			if (renameat(dfd, old, dfd, name) < 0)
				return cerr(EX_SYSTEM, errno, "rename %s/%s back to %s", g->private_dir, old, name);
		} else {
			log_info("finishing an interrupted flatten of container %u", c->ctid);
			done = ctconf_overlay(c);
			int r = done ? flatten_save(c) : 0;
			if (r < 0)
				return r;
			remove_named(g, old, NULL);
		}
	}
	remove_named(g, partial, "the partial copy of an interrupted flatten");
	return done;
}

int ct_flatten(const struct gconf *g, unsigned ctid)
{
	uint64_t t0 = now_ms();
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	_cleanup_conf_ struct ct_config *c = NULL;
	int r = load_stopped(g, ctid, "flatten", &lk, &c);
	if (r < 0)
		return r;
	char partial[32], old[32], name[16];
	snprintf(partial, sizeof(partial), ".%u.flatten", ctid);
	snprintf(old, sizeof(old), ".%u.flattened", ctid);
	snprintf(name, sizeof(name), "%u", ctid);
	if ((r = flatten_recover(g, c, partial, old, name)) != 0) {
		if (r > 0)
			log_file_only("Container flattened: layout copy (an interrupted flatten finished)");
		return r < 0 ? r : 0;
	}
	if (!ctconf_overlay(c))
		return cerr(EX_LAYOUT, 0, "container %u has layout copy already: nothing to flatten", ctid);
	_cleanup_free_ char *tmp = xasprintf("%s/%s", g->private_dir, partial);
	if (mkdir(tmp, 0755) < 0)
		return cerr(EX_SYSTEM, errno, "create %s", tmp);
	struct sigs sg;
	sigs_catch(&sg);
	r = quota_ct_setup(g, c, tmp);
	_cleanup_close_ int dfd = r < 0 ? -1 : open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && dfd < 0)
		r = cerr(EX_SYSTEM, errno, "open %s", tmp);
	if (r == 0) {
		const struct clone_job j = {.g = g, .s = c, .dstfd = dfd, .tmp = tmp};
		r = ctroot_run(g, c, flatten_copy, UNCONST(&j));
	}
	if (r < 0 && clone_cancel)
		cerr_replace(EX_SYSTEM, EINTR, "flatten of container %u interrupted", ctid);
	/* the swap: the old area aside, the copy in its place, the config, then the old area goes */
	_cleanup_close_ int pfd = r < 0 ? -1 : open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r == 0 && pfd < 0)
		r = cerr(EX_SYSTEM, errno, "open %s", g->private_dir);
	if (r == 0 && renameat(pfd, name, pfd, old) < 0)
		r = cerr(EX_SYSTEM, errno, "rename %s/%s to %s", g->private_dir, name, old);
	if (r == 0 && renameat(pfd, partial, pfd, name) < 0) {
		r = cerr(EX_SYSTEM, errno, "rename %s to %s/%s", tmp, g->private_dir, name);
		if (renameat(pfd, old, pfd, name) < 0)
			log_warn("rename %s/%s back to %s: %m (flatten %u again to finish)", g->private_dir, old, name, ctid);
	}
	if (r == 0 && (r = flatten_save(c)) < 0) {
		/* put the overlay back: the config still says overlay */
		if (renameat(pfd, name, pfd, partial) < 0 || renameat(pfd, old, pfd, name) < 0)
			log_warn("cannot put the overlay area of container %u back: %m (flatten %u again to finish)",
				 ctid, ctid);
	}
	if (r < 0)
		remove_named(g, partial, NULL);
	sigs_restore(&sg);
	if (r < 0)
		return r;
	remove_named(g, old, NULL);
	log_set_ctid(ctid);
	log_file_only("Container flattened: layout copy");
	log_debug("container %u flattened in %llu ms", ctid, (unsigned long long)(now_ms() - t0));
	return 0;
}
