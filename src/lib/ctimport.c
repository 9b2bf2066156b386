/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctimport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "ctname.h"
#include "ctnet.h"
#include "ctops.h"
#include "error.h"
#include "fscopy.h"
#include "fsutil.h"
#include "idmap.h"
#include "lock.h"
#include "log.h"
#include "netlink.h"
#include "quota.h"
#include "util.h"

static volatile int import_cancel;
static void on_cancel(int sig)
{
	(void)sig;
	import_cancel = 1;
}


/* The OpenVZ CTID.conf as text: a regular file of at most VZCONF_FILE_MAX bytes, no NUL. */
static int read_conf(const char *path, char **text)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return cerr(errno == ENOENT ? EX_NOCONF : EX_SYSTEM, errno, "OpenVZ config %s", path);
	if (fstat(fd, &st) < 0)
		return cerr(EX_SYSTEM, errno, "OpenVZ config %s", path);
	if (!S_ISREG(st.st_mode))
		return cerr(EX_BADCONFIG, 0, "OpenVZ config %s: not a regular file", path);
	if (st.st_size > VZCONF_FILE_MAX)
		return cerr(EX_BADCONFIG, 0, "OpenVZ config %s: larger than %d bytes: not a container config", path,
			    VZCONF_FILE_MAX);
	size_t cap = (size_t)st.st_size + 1;
	*text = xmalloc(cap + 1);
	ssize_t n = read_full(fd, *text, cap); /* one byte more than its size: a file that grew is refused */
	if (n < 0 || (size_t)n == cap) {
		int e = n < 0 ? (int)-n : EFBIG;
		free(*text);
		*text = NULL;
		return cerr(EX_SYSTEM, e, "read %s", path);
	}
	size_t len = (size_t)n;
	(*text)[len] = 0;
	if (strlen(*text) != len) {
		free(*text);
		*text = NULL;
		return cerr(EX_BADCONFIG, 0, "OpenVZ config %s: a NUL byte: not a text file", path);
	}
	return 0;
}

/* The old container's ID for $VEID: NNN.conf, else the VEID key, else ctid. */
static unsigned old_veid(const char *conf, const struct vz_vars *v, unsigned ctid)
{
	const char *b = strrchr(conf, '/');
	b = b ? b + 1 : conf;
	unsigned id;
	const char *dot = strchr(b, '.');
	if (dot && !strcmp(dot, ".conf")) {
		_cleanup_free_ char *n = xstrndup(b, (size_t)(dot - b));
		if (parse_uint(n, 0, UINT32_MAX, &id) == 0)
			return id;
	}
	for (size_t i = v->n; i-- > 0;)
		if (!strcmp(v->v[i].key, "VEID") && parse_uint(v->v[i].value, 0, UINT32_MAX, &id) == 0)
			return id;
	return ctid;
}

/* Whether path a is path b or under it. */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	return !strncmp(a, b, n) && (a[n] == '/' || !a[n] || n == 1);
}

/* The private area to import: a plain directory with an init, no ploop image, not holding
 * cellctl's private_dir (a copy into itself) nor inside it (another container's private area,
 * which --move would take). */
static int check_private(const struct gconf *g, const char *dir)
{
	_cleanup_free_ char *rs = realpath(dir, NULL), *rp = realpath(g->private_dir, NULL);
	if (rs && rp && path_within(rp, rs))
		return cerr(EX_BADVALUE, 0, "OpenVZ private area %s holds cellctl's private_dir %s: not imported", dir,
			    g->private_dir);
	if (rs && rp && path_within(rs, rp))
		return cerr(EX_BADVALUE, 0, "OpenVZ private area %s is inside cellctl's private_dir %s: not imported", dir,
			    g->private_dir);
	struct stat st;
	if (lstat(dir, &st) < 0)
		return cerr(EX_NOPRIVATE, errno, "OpenVZ private area %s", dir);
	if (!S_ISDIR(st.st_mode))
		return cerr(EX_NOPRIVATE, 0, "OpenVZ private area %s: not a directory", dir);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_NOPRIVATE, errno, "OpenVZ private area %s", dir);
	if (faccessat(fd, "root.hdd", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(fd, "DiskDescriptor.xml", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return cerr(EX_LAYOUT, 0,
			    "OpenVZ private area %s holds a ploop image: not imported (copy the mounted root of the "
			    "container into a plain directory and pass it with --private)",
			    dir);
	if (!ct_has_init(dir))
		return cerr(EX_BADTEMPLATE, 0,
			    "OpenVZ private area %s has no init (/sbin/init, /etc/init or /bin/init)", dir);
	return 0;
}

/* The config translated and the fields create records; the private area in *priv. */
static int import_config(const struct gconf *g, unsigned ctid, const struct import_opts *o, struct vz_report *rep,
			 struct ct_config **out, char **priv)
{
	_cleanup_free_ char *text = NULL;
	int r = read_conf(o->conf, &text);
	if (r < 0)
		return r;
	struct vz_vars vars;
	if ((r = vzconf_parse(text, o->conf, &vars)) < 0)
		return r;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = ctconf_from_text(g, ctid, cpath, NULL, &c)) < 0) {
		vzconf_vars_free(&vars);
		return r;
	}
	vzconf_translate(&vars, old_veid(o->conf, &vars, ctid), c, rep);
	vzconf_vars_free(&vars);
	const struct vz_item *bad = vzconf_first_refused(rep);
	if (bad)
		return cerr(bad->code, 0, "%s:%u: %s refused: %s%s", o->conf, bad->line, bad->key, bad->what,
			    rep->count[VZ_REFUSED] > 1 ? " (and more: see the report)" : "");
	const char *dir = o->private ? o->private : rep->private_dir;
	if (!dir)
		return cerr(EX_NOPRIVATE, 0, "%s has no VE_PRIVATE: name the private area with --private", o->conf);
	struct stat st;
	if (o->dry_run && lstat(dir, &st) < 0 && errno == ENOENT)
		log_warn("dry run: the private area %s does not exist (the import would fail, exit %d)", dir, EX_NOPRIVATE);
	else if ((r = check_private(g, dir)) < 0)
		return r;
	*priv = xstrdup(dir);
	*out = TAKE_PTR(c);
	return 0;
}

/* Move the tree at path through map (fscopy_reown), logging what it did. */
static int reown(const char *path, const struct idshift *map, const char *what)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", path);
	struct fscopy_opts fo = {.map = map, .cancel = &import_cancel};
	uint64_t t0 = now_ms();
	int r = fscopy_reown(fd, &fo);
	if (r < 0)
		return cerr_wrap(r, 0, "%s %s", what, path);
	log_debug("%s %s: %llu entries in %llu ms", what, path, (unsigned long long)fo.files,
		  (unsigned long long)(now_ms() - t0));
	return 0;
}

/* --move failed after the tree was renamed to at: owners back (as far as they go), the tree back
 * at src. False when it could not be renamed back: then it must stay where it is. */
static bool undo_move(const char *at, const char *src, const struct ct_config *c)
{
	struct cerr_saved es;
	cerr_save(&es);
	int saved_cancel = import_cancel;
	import_cancel = 0;
	struct idshift back = {0};
	if (c->userns)
		idshift_add(&back, c->uid_base, 0, c->uid_size);
	if (c->userns && reown(at, &back, "re-owning back") < 0)
		log_warn("the OpenVZ private area could not be fully re-owned back: %s", cerr_msg() ? cerr_msg() : "error");
	bool back_ok = rename(at, src) == 0;
	if (back_ok)
		log_info("the OpenVZ private area is back at %s", src);
	else
		log_warn("cannot put the OpenVZ private area back at %s: %m (it stays at %s)", src, at);
	import_cancel = saved_cancel;
	cerr_restore(&es);
	return back_ok;
}

static void log_report(unsigned ctid, const struct vz_report *rep)
{
	_cleanup_free_ char *text = vzconf_report_render(rep);
	log_set_ctid(ctid);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		log_file_only("import-vz: %s", l);
}

int ct_import_vz(const struct gconf *g, unsigned ctid, const struct import_opts *o, struct vz_report *rep)
{
	uint64_t t0 = now_ms();
	*rep = (struct vz_report){0};
	_cleanup_conf_ struct ct_config *c = NULL;
	_cleanup_free_ char *src = NULL;
	int r = import_config(g, ctid, o, rep, &c, &src);
	if (r < 0 || o->dry_run)
		return r;

	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "create", &lk)) < 0 || (r = ct_claim_new(g, ctid)) < 0)
		return r;
	uuid_t u;
	char ustr[40];
	uuid_generate(u);
	uuid_unparse_lower(u, ustr);
	if ((r = param_set(c, param_find("uuid"), ustr)) < 0 || (r = param_set(c, param_find("layout"), "copy")) < 0 ||
	    (r = param_set(c, param_find("userns"), c->userns ? "yes" : "no")) < 0)
		return r;
	_cleanup_(idmap_release) struct idmap_res idres = IDMAP_RES_INIT;
	if ((r = ct_claim_identity(g, c, ctid, &idres, true)) < 0)
		return r;
	if ((r = mkdir_p(g->private_dir, 0700)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	if ((r = mkdir_p(g->config_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->config_dir);
	/* OpenVZ's owners are the container's own ([0, size)): into the block */
	struct idshift map = {0};
	if (c->userns)
		idshift_add(&map, 0, c->uid_base, c->uid_size);
	/* a moved tree is the only copy of the container: not ".partial" nor CREATING_MARKER, which
	 * the next create of this CTID removes as leftovers (ct_claim_new) after a SIGKILL; a killed
	 * move leaves it at .CTID.vzmove (or CTID, with no config), refused, never removed */
	_cleanup_free_ char *tmp = xasprintf("%s/.%u.%s", g->private_dir, ctid, o->move ? "vzmove" : "partial");
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
	struct sigaction sa = {.sa_handler = on_cancel}, old[3];
	const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	import_cancel = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	bool moved = false, placed = false;
	if (o->move) {
		if (rename(src, tmp) < 0)
			r = cerr(EX_SYSTEM, errno,
				 errno == EXDEV ? "--move: %s is not on the file system of %s: use --copy"
						: "--move: rename %s into %s",
				 src, g->private_dir);
		else
			moved = true;
		if (r == 0 && c->userns)
			r = reown(tmp, &map, "re-owning");
		if (r == 0)
			r = quota_ct_setup(g, c, tmp);
	} else if (mkdir(tmp, 0755) < 0) {
		r = cerr(EX_SYSTEM, errno, "create %s", tmp);
	} else {
		/* the project ID and its inherit flag on the empty top first: the copy inherits it */
		r = quota_ct_setup(g, c, tmp);
		_cleanup_close_ int sfd = r < 0 ? -1 : open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int dfd = sfd < 0 ? -1 : open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (r == 0 && (sfd < 0 || dfd < 0))
			r = cerr(EX_SYSTEM, errno, "open %s", sfd < 0 ? src : tmp);
		struct fscopy_opts fo = {.map = c->userns ? &map : NULL, .cancel = &import_cancel};
		if (r == 0 && (r = fscopy_tree(sfd, dfd, &fo)) < 0)
			cerr_wrap(r, 0, "copy %s", src);
		if (r == 0)
			log_debug("copied %s: %llu entries, %llu bytes", src, (unsigned long long)fo.files,
				  (unsigned long long)fo.bytes);
	}
	if (r < 0 && import_cancel)
		cerr_replace(EX_SYSTEM, EINTR, "import of container %u interrupted", ctid);
	/* (a moved tree gets no marker: see tmp above) */
	if (r == 0)
		r = ct_place_new(c, tmp, root, !o->move, &placed);
	if (r < 0) {
		const char *at = placed ? root : tmp;
		bool keep = false;
		if (moved) {
			keep = !undo_move(at, src, c);
			if (keep)
				cerr_wrap(r, 0, "the OpenVZ private area could not be put back: it is at %s", at);
		}
		_cleanup_close_ int dfd = keep ? -1 : open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		const char *name = strrchr(at, '/') + 1;
		if (dfd >= 0 && faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			struct cerr_saved es;
			cerr_save(&es);
			fs_remove_tree(dfd, name);
			cerr_restore(&es);
		}
		quota_ct_remove(g, ctid);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (r < 0)
		return r;
	log_report(ctid, rep);
	log_file_only("Container imported from OpenVZ (%s, private area %s %s)%s", o->conf, src,
		      o->move ? "moved" : "copied", c->userns ? "" : " (no user namespace)");
	log_debug("container %u imported in %llu ms", ctid, (unsigned long long)(now_ms() - t0));
	return 0;
}
