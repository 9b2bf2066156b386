/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tpltree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "idmap.h"
#include "log.h"
#include "template.h"
#include "util.h"

#define TREE_PARTIAL ".partial"
#define TREE_PARENT TPL_TREE_PARENT

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void tpl_tree_id(const struct stat *st, char buf[17])
{
	/* fixed-width fields, whatever the platform's struct stat */
	uint64_t v[4] = {(uint64_t)st->st_ino, (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
			 (uint64_t)st->st_mtim.tv_nsec};
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		unsigned char le[8];
		for (int k = 0; k < 8; k++)
			le[k] = (unsigned char)(v[i] >> (8 * k));
		h = fnv1a(h, le, sizeof(le));
	}
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

char *tpl_tree_name(const char *tname, const struct stat *st)
{
	char id[17];
	tpl_tree_id(st, id);
	return xasprintf("%s.%s", tname, id);
}

bool tpl_tree_name_ok(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < 18 || s[n - 17] != '.')
		return false;
	for (size_t i = n - 16; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	_cleanup_free_ char *name = xstrndup(s, n - 17);
	return tpl_name_ok(name);
}

char *tpl_trees_dir(const struct gconf *g) { return xasprintf("%s/trees", g->template_dir); }

char *tpl_tree_path(const struct gconf *g, const char *tree) { return xasprintf("%s/trees/%s", g->template_dir, tree); }

int tpl_tree_lock(const struct gconf *g, struct ct_lock *l) { return ct_lock_take_global(g, "trees", l); }

/* trees/ exists, 0700, owned by root: the container-relative ids below collide with host users' */
static int trees_dir_open(const struct gconf *g)
{
	_cleanup_free_ char *dir = tpl_trees_dir(g);
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", dir);
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0700) < 0) {
		int e = errno;
		close(fd);
		return cerr(EX_SYSTEM, e, "make %s private (0700, root)", dir);
	}
	return fd;
}

static bool tree_has_init(int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	return guest_exists(fd, "/sbin/init") || guest_exists(fd, "/etc/init") || guest_exists(fd, "/bin/init");
}

/* The parent recorded beside tree name (trees/NAME.ParentFile): 0 and *parent (malloc'd), -ENOENT when
 * it has none (a full template's tree), -EBADMSG when the record is no tree name. */
static int read_parent(int dfd, const char *name, char **parent)
{
	*parent = NULL;
	_cleanup_free_ char *rec = xasprintf("%s" TREE_PARENT, name);
	_cleanup_close_ int fd = openat(dfd, rec, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	char buf[256];
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (!tpl_tree_name_ok(buf))
		return -EBADMSG;
	*parent = xstrdup(buf);
	return 0;
}

static void chain_free(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The chain below dfd's tree name, name first (tpl_tree_chain); cerr as that. */
static int chain_at(const struct gconf *g, int dfd, const char *name, char ***out, unsigned *n)
{
	char **v = NULL;
	unsigned k = 0;
	int r = 0;
	_cleanup_free_ char *cur = xstrdup(name);
	for (;;) {
		struct stat st;
		int e = fstatat(dfd, cur, &st, AT_SYMLINK_NOFOLLOW) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
		if (e) {
			r = cerr(EX_NOTEMPLATE, e, "the template tree %s/trees/%s%s%s%s", g->template_dir, cur,
				 k ? " (the layer " : "", k ? v[k - 1] : "", k ? " lies on it)" : "");
			break;
		}
		if (k == TPL_LAYERS_MAX) {
			r = cerr(EX_BADTEMPLATE, 0, "the template tree %s/trees/%s lies on more than %u trees (the depth limit)",
				 g->template_dir, name, TPL_LAYERS_MAX);
			break;
		}
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = xstrdup(cur);
		char *parent;
		e = read_parent(dfd, cur, &parent);
		if (e == -ENOENT)
			break;
		if (e < 0) {
			r = cerr(EX_BADTEMPLATE, -e, "read the parent of the template tree %s/trees/%s", g->template_dir, cur);
			break;
		}
		free(cur);
		cur = parent;
	}
	if (r < 0) {
		chain_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int tpl_tree_chain(const struct gconf *g, const char *tree, char ***chain, unsigned *n)
{
	*chain = NULL;
	*n = 0;
	if (!tpl_tree_name_ok(tree)) {
		_cleanup_free_ char *e = str_escape(tree ? tree : "");
		return cerr(EX_BADCONFIG, 0, "invalid template tree name '%s'", e);
	}
	_cleanup_free_ char *dir = tpl_trees_dir(g);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_NOTEMPLATE, errno, "open %s", dir);
	return chain_at(g, dfd, tree, chain, n);
}

int tpl_tree_stack_paths(const struct gconf *g, const char *tree, char ***paths, unsigned *n)
{
	int r = tpl_tree_chain(g, tree, paths, n);
	for (unsigned i = 0; r == 0 && i < *n; i++) {
		char *p = tpl_tree_path(g, (*paths)[i]);
		free((*paths)[i]);
		(*paths)[i] = p;
	}
	return r;
}

int tpl_tree_ensure(const struct gconf *g, const char *tname, const char *archive, volatile int *cancel, char **tree,
		    bool *made)
{
	return tpl_tree_ensure_layer(g, tname, archive, NULL, cancel, tree, made);
}

int tpl_tree_ensure_layer(const struct gconf *g, const char *tname, const char *archive, const char *parent,
			  volatile int *cancel, char **tree, bool *made)
{
	*tree = NULL;
	*made = false;
	struct stat st;
	if (stat(archive, &st) < 0)
		return cerr(EX_NOTEMPLATE, errno, "template %s: %s", tname, archive);
	_cleanup_free_ char *name = tpl_tree_name(tname, &st);
	_cleanup_close_ int dfd = trees_dir_open(g);
	if (dfd < 0)
		return dfd;
	/* a layer: the trees below it are all there, and it fits the depth limit */
	char **below = NULL;
	unsigned nbelow = 0;
	if (parent) {
		if (!tpl_tree_name_ok(parent))
			return cerr(EX_BADTEMPLATE, 0, "template %s: its parent tree is no tree name", tname);
		int r = chain_at(g, dfd, parent, &below, &nbelow);
		if (r < 0)
			return cerr_wrap(r, 0, "template %s is a layer over %s", tname, parent);
		if (nbelow >= TPL_LAYERS_MAX) {
			chain_free(below, nbelow);
			return cerr(EX_BADTEMPLATE, 0,
				    "template %s: a layer over %u trees passes the depth limit (%u trees in a stack)", tname,
				    nbelow, TPL_LAYERS_MAX);
		}
	}
	bool below_init = false;
	for (unsigned i = 0; i < nbelow; i++)
		below_init = below_init || tree_has_init(dfd, below[i]);
	chain_free(below, nbelow);
	struct stat ts;
	if (fstatat(dfd, name, &ts, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(ts.st_mode))
			return cerr(EX_SYSTEM, ENOTDIR, "template tree %s/trees/%s", g->template_dir, name);
		*tree = TAKE_PTR(name);
		return 0;
	}
	_cleanup_free_ char *tmp = xasprintf(".%s" TREE_PARTIAL, name);
	if (faccessat(dfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) == 0 && fs_remove_tree(dfd, tmp) < 0)
		return cerr(EX_SYSTEM, 0, "remove the leftovers of an interrupted extraction: %s/trees/%s",
			    g->template_dir, tmp);
	if (mkdirat(dfd, tmp, 0755) < 0)
		return cerr(EX_SYSTEM, errno, "create %s/trees/%s", g->template_dir, tmp);
	_cleanup_free_ char *tpath = tpl_tree_path(g, tmp);
	struct tpl_extract_opts xo = {.uid_shift = 0, .uid_size = 0, .cancel = cancel, .lower = true, .layer = parent != NULL};
	uint64_t t0 = now_ms();
	int r = tpl_extract(archive, tpath, &xo);
	if (r == -EINTR)
		cerr_replace(EX_SYSTEM, EINTR, "extraction of template %s interrupted", tname);
	if (r == 0 && !tree_has_init(dfd, tmp) && !below_init)
		r = cerr(EX_BADTEMPLATE, 0, "template %s has no init (/sbin/init, /etc/init or /bin/init)", tname);
	/* the archive replaced meanwhile (template build renames a new one into place): what was
	 * extracted may be the new one, which must not carry the old one's ID */
	struct stat now;
	if (r == 0 && (stat(archive, &now) < 0 || now.st_ino != st.st_ino || now.st_size != st.st_size ||
		       now.st_mtim.tv_sec != st.st_mtim.tv_sec || now.st_mtim.tv_nsec != st.st_mtim.tv_nsec))
		r = cerr(EX_SYSTEM, EAGAIN, "template %s changed during its extraction: try again", tname);
	/* a layer's parent is recorded before the tree appears: no layer tree exists without it */
	_cleanup_free_ char *rec = xasprintf("%s" TREE_PARENT, name);
	if (r == 0 && parent) {
		_cleanup_free_ char *rpath = tpl_tree_path(g, rec), *text = xasprintf("%s\n", parent);
		int e = write_file_atomic(rpath, text, strlen(text), 0600);
		if (e < 0)
			r = cerr(EX_SYSTEM, -e, "write %s", rpath);
	} else if (r == 0 && unlinkat(dfd, rec, 0) < 0 && errno != ENOENT) {
		r = cerr(EX_SYSTEM, errno, "remove %s/trees/%s", g->template_dir, rec);
	}
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = cerr(EX_SYSTEM, errno, "rename %s to %s in %s/trees", tmp, name, g->template_dir);
	if (r < 0) {
		fs_remove_tree(dfd, tmp);
		if (parent)
			unlinkat(dfd, rec, 0);
		return r;
	}
	fsync(dfd);
	log_info("template %s extracted into the tree %s/trees/%s in %llu ms", tname, g->template_dir, name,
		 (unsigned long long)(now_ms() - t0));
	*tree = TAKE_PTR(name);
	*made = true;
	return 0;
}

struct used {
	char **names;
	unsigned n;
	bool broken;
	unsigned broken_ctid;
};

static int note_tree(unsigned ctid, struct ct_config **c, void *arg)
{
	struct used *u = arg;
	if (!*c) {
		if (!u->broken)
			u->broken_ctid = ctid;
		u->broken = true;
		return 0;
	}
	if ((*c)->template_tree && *(*c)->template_tree) {
		u->names = xrealloc(u->names, (u->n + 1) * sizeof(*u->names));
		u->names[u->n++] = xstrdup((*c)->template_tree);
	}
	return 0;
}

static bool in_use(const struct used *u, const char *name)
{
	for (unsigned i = 0; i < u->n; i++)
		if (!strcmp(u->names[i], name))
			return true;
	return false;
}

/* Add the trees below every name of u (their parents' chains) to u. */
static void close_chains(int dfd, struct used *u)
{
	for (unsigned i = 0; i < u->n; i++) {
		char *parent;
		unsigned depth = 0;
		_cleanup_free_ char *cur = xstrdup(u->names[i]);
		while (depth++ < TPL_LAYERS_MAX && read_parent(dfd, cur, &parent) == 0) {
			free(cur);
			cur = parent;
			if (!in_use(u, cur)) {
				u->names = xrealloc(u->names, (u->n + 1) * sizeof(*u->names));
				u->names[u->n++] = xstrdup(cur);
			}
		}
	}
}

int tpl_tree_prune(const struct gconf *g, char ***removed, unsigned *n)
{
	return tpl_tree_prune_keep(g, NULL, NULL, removed, n);
}

int tpl_tree_prune_keep(const struct gconf *g, tpl_tree_keep_fn keep, void *arg, char ***removed, unsigned *n)
{
	*removed = NULL;
	*n = 0;
	_cleanup_(ct_lock_release) struct ct_lock lk = CT_LOCK_INIT;
	int r = tpl_tree_lock(g, &lk);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = tpl_trees_dir(g);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : cerr(EX_SYSTEM, errno, "open %s", dir);
	struct used u = {0};
	r = ctconf_foreach(g, CTCONF_EACH_BROKEN, note_tree, &u);
	if (r == 0 && keep)
		r = keep(g, arg, &u.names, &u.n);
	if (r == 0)
		close_chains(dfd, &u);
	if (r == 0 && u.broken)
		r = cerr(EX_BADCONFIG, 0,
			 "the config of container %u does not load: it may use a template tree, none is removed",
			 u.broken_ctid);
	int dfd2 = r < 0 ? -1 : dup(dfd);
	DIR *d = dfd2 >= 0 ? fdopendir(dfd2) : NULL;
	if (r == 0 && !d)
		r = cerr(EX_SYSTEM, errno, "read %s", dir);
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		const char *nm = e->d_name;
		bool partial = nm[0] == '.' && str_endswith(nm, TREE_PARTIAL) && strlen(nm) > 1 + strlen(TREE_PARTIAL);
		if (str_endswith(nm, TREE_PARENT)) { /* a record whose tree is gone goes too */
			_cleanup_free_ char *t = xstrndup(nm, strlen(nm) - strlen(TREE_PARENT));
			struct stat ts;
			if (tpl_tree_name_ok(t) && fstatat(dfd, t, &ts, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
				unlinkat(dfd, nm, 0);
			continue;
		}
		if (!partial && (!tpl_tree_name_ok(nm) || in_use(&u, nm)))
			continue;
		if ((r = fs_remove_tree(dfd, nm)) < 0) {
			r = cerr(EX_SYSTEM, r, "remove the template tree %s/%s", dir, nm);
			break;
		}
		_cleanup_free_ char *rec = xasprintf("%s" TREE_PARENT, nm);
		if (!partial && unlinkat(dfd, rec, 0) < 0 && errno != ENOENT)
			log_warn("cannot remove %s/%s: %m", dir, rec);
		log_info("removed the template tree %s/%s", dir, nm);
		*removed = xrealloc(*removed, (*n + 1) * sizeof(**removed));
		(*removed)[(*n)++] = xstrdup(nm);
	}
	if (d)
		closedir(d);
	else if (dfd2 >= 0)
		close(dfd2);
	for (unsigned i = 0; i < u.n; i++)
		free(u.names[i]);
	free(u.names);
	return r;
}

/* overlayfs registered, or a module the first mount would load */
static bool overlay_known(void)
{
	_cleanup_free_ char *fs = NULL;
	if (read_file_at(AT_FDCWD, "/proc/filesystems", &fs, NULL) >= 0 && strstr(fs, "\toverlay\n"))
		return true;
	struct utsname u;
	if (uname(&u) < 0)
		return false;
	_cleanup_free_ char *mod = xasprintf("/lib/modules/%s/kernel/fs/overlayfs", u.release);
	return access(mod, F_OK) == 0;
}

bool tpl_overlay_usable(const struct gconf *g, bool userns, uint32_t base, uint32_t size, const char **why)
{
	/* filesystems that take an upper layer (xattrs in trusted.*, d_type) */
	static const unsigned long uppers[] = {0xEF53 /* ext2/3/4 */, 0x58465342 /* XFS */, 0x9123683E /* btrfs */,
					       0x01021994 /* tmpfs */, 0xF2F52010 /* f2fs */, 0x2FC12FC1 /* ZFS */};
	struct statfs sf;
	if (!overlay_known()) {
		*why = "the kernel has no overlayfs";
		return false;
	}
	if (statfs(g->private_dir, &sf) < 0) {
		*why = "the private_dir's filesystem cannot be examined";
		return false;
	}
	bool ok = false;
	for (size_t i = 0; i < ARRAY_SIZE(uppers); i++)
		ok = ok || (unsigned long)sf.f_type == uppers[i];
	if (!ok) {
		*why = "the private_dir's filesystem cannot hold an overlay upper layer";
		return false;
	}
	return !userns || idmap_probe(g->template_dir, base, size, why) == 1;
}
