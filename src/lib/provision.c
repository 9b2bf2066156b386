/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "provision.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "guestacct.h"
#include "lock.h"
#include "log.h"
#include "state.h"
#include "tpltree.h"
#include "util.h"

#define MAX_KEY_FILE 16384
#define MAX_ACCT_FILE (1u << 20)

int prov_read_key(const char *file, char **line)
{
	*line = NULL;
	_cleanup_close_ int fd = fs_open_regular(AT_FDCWD, file, O_RDONLY | O_NONBLOCK);
	if (fd == -EINVAL)
		return cerr(EX_BADVALUE, 0, "--ssh-key %s: not a regular file", file);
	if (fd < 0)
		return cerr(EX_SYSTEM, -fd, "--ssh-key: read %s", file);
	char buf[MAX_KEY_FILE + 2];
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return cerr(EX_SYSTEM, (int)-n, "--ssh-key: read %s", file);
	if (n > MAX_KEY_FILE)
		return cerr(EX_BADVALUE, 0, "--ssh-key %s: larger than %d bytes: not one public key", file, MAX_KEY_FILE);
	buf[n] = 0;
	if (strlen(buf) != (size_t)n)
		return cerr(EX_BADVALUE, 0, "--ssh-key %s: not a public key (a NUL byte)", file);
	const char *why;
	if (acct_authkey_check(buf, line, &why) < 0)
		return cerr(EX_BADVALUE, 0, "--ssh-key %s: not one public key line (TYPE BASE64 [COMMENT]): %s", file, why);
	return 0;
}

/* Read dirfd/name, a regular file that is no symbolic link (a device node, FIFO or socket is never
 * opened): *text, *st. -ENOENT, -ELOOP (a symbolic link), -EINVAL (not a regular file), -EFBIG,
 * -EILSEQ (a NUL byte: the text would end there, and a rewrite would drop the rest). */
static int read_at(int dirfd, const char *name, char **text, struct stat *st)
{
	*text = NULL;
	struct stat lst;
	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(lst.st_mode))
		return -ELOOP;
	_cleanup_close_ int fd = fs_open_regular(dirfd, name, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		return -errno;
	if ((uint64_t)st->st_size > MAX_ACCT_FILE)
		return -EFBIG;
	char *buf = xmalloc((size_t)st->st_size + 1);
	ssize_t n = read_full(fd, buf, (size_t)st->st_size);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	buf[n] = 0;
	if (strlen(buf) != (size_t)n) {
		free(buf);
		return -EILSEQ;
	}
	*text = buf;
	return 0;
}

/* The error of a read_at of path in the guest. */
static int read_err(unsigned ctid, const char *path, int r)
{
	switch (r) {
	case -ENOENT:
		return cerr(EX_CHANGEPASS, 0, "CT %u has no %s", ctid, path);
	case -ELOOP:
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is a symbolic link: refused (nothing written)", path, ctid);
	case -EINVAL:
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is not a regular file: refused (nothing written)", path, ctid);
	case -EFBIG:
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is larger than 1 MiB: refused", path, ctid);
	case -EILSEQ:
		return cerr(EX_CHANGEPASS, 0,
			    "%s in CT %u holds a NUL byte (not a text file): refused (nothing written)", path, ctid);
	default:
		return cerr(EX_SYSTEM, -r, "read %s in CT %u", path, ctid);
	}
}

/* A crypt(3) hash of password with a fresh salt of the method prefix names ("$y$" falls back to
 * "$6$" when this libcrypt lacks it). *out malloc'd. */
static int hash_password(const char *password, const char *prefix, char **out)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt))) {
		if (strcmp(prefix, "$6$") == 0 || !crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
			return cerr(EX_CHANGEPASS, errno, "make a password salt (crypt_gensalt)");
	}
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(password, salt, cd);
	int r = 0;
	if (!h || h[0] == '*' || strncmp(h, salt, 3) != 0)
		r = cerr(EX_CHANGEPASS, errno, "hash the password (crypt)");
	else
		*out = xstrdup(h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

/* ---- the guest's directories: its root, or a stopped overlay container's layers ---- */

/* Where the guest's files are. root: the guest's root (layout copy, or a running init's root),
 * paths resolved inside it. A stopped overlay container has no merged tree: upper (its own
 * layer) over lower (its template tree) are walked as overlayfs would, and what is written goes
 * to the upper layer (directories copied up with the tree's mode and ids, shifted). */
struct groot {
	int root;             /* or -1 */
	int upper, lower;     /* a stopped overlay container's layers */
	uint32_t shift, size; /* the id block of a userns container (shift 0: none) */
};

/* A directory of the guest: fd, where its files are written and read first; lower, where they
 * are read when fd lacks them (-1: nowhere). */
struct gdir {
	int fd, lower;
};
#define GDIR_INIT                                                                                                      \
	{                                                                                                              \
		-1, -1                                                                                                 \
	}

static void gdir_close(struct gdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->lower >= 0)
		close(d->lower);
	*d = (struct gdir)GDIR_INIT;
}

static bool is_whiteout(const struct stat *st) { return S_ISCHR(st->st_mode) && st->st_rdev == 0; }

static bool has_xattr(int fd, const char *name, const char *want)
{
	char v[8];
	ssize_t n = fgetxattr(fd, name, v, sizeof(v));
	return n >= 0 && (!want || ((size_t)n == strlen(want) && !memcmp(v, want, (size_t)n)));
}

/* A lower file's id as the upper layer keeps it: shifted into the block (outside it: root's). */
static uint32_t lower_id(const struct groot *r, uint32_t id) { return r->shift + (r->size && id >= r->size ? 0 : id); }

/* parent/name as a directory, never through a symbolic link (-ELOOP): out. Missing: copied up
 * from the lower layer; missing there too, made with mode, uid, gid when mode is not 0 (else
 * -ENOENT). A whiteout is -ENOENT (or, with mode, -EOPNOTSUPP); a redirected directory
 * -EOPNOTSUPP. */
static int gdir_step(const struct groot *r, const struct gdir *parent, const char *name, mode_t mode, uid_t uid,
		     gid_t gid, struct gdir *out)
{
	struct gdir d = GDIR_INIT;
	struct stat st, lst;
	int r0 = 0;
	if (parent->lower >= 0 && fstatat(parent->lower, name, &lst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(lst.st_mode))
			return -ELOOP;
		if (!S_ISDIR(lst.st_mode))
			return -ENOTDIR;
		if ((d.lower = openat(parent->lower, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return -errno;
	}
	if (fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			r0 = -ELOOP;
		else if (r->root < 0 && is_whiteout(&st))
			r0 = mode ? -EOPNOTSUPP : -ENOENT;
		else if (!S_ISDIR(st.st_mode))
			r0 = -ENOTDIR;
		else if ((d.fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			r0 = -errno;
		else if (r->root < 0 && has_xattr(d.fd, "trusted.overlay.redirect", NULL))
			r0 = -EOPNOTSUPP;
		else if (r->root < 0 && d.lower >= 0 && has_xattr(d.fd, "trusted.overlay.opaque", "y")) {
			close(d.lower);
			d.lower = -1;
		}
	} else if (errno != ENOENT) {
		r0 = -errno;
	} else if (d.lower < 0 && !mode) {
		r0 = -ENOENT;
	} else {
		/* copied up from the tree, or made */
		if (d.lower >= 0) {
			mode = lst.st_mode;
			uid = lower_id(r, lst.st_uid);
			gid = lower_id(r, lst.st_gid);
		}
		if (mkdirat(parent->fd, name, 0700) < 0 ||
		    (d.fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fchown(d.fd, uid, gid) < 0 || fchmod(d.fd, mode & 07777) < 0)
			r0 = -errno;
	}
	if (r0 < 0) {
		gdir_close(&d);
		return r0;
	}
	*out = d;
	return 0;
}

/* The guest's directory path (absolute). Layout copy or running: resolved inside the root. A
 * stopped overlay container: through both layers, copying it up (gdir_step's errors). */
static int gdir_open(const struct groot *r, const char *path, struct gdir *out)
{
	*out = (struct gdir)GDIR_INIT;
	if (r->root >= 0) {
		out->fd = guest_open(r->root, path, O_PATH | O_DIRECTORY, 0);
		return out->fd < 0 ? out->fd : 0;
	}
	struct gdir d = {openat(r->upper, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
			 openat(r->lower, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
	if (d.fd < 0 || d.lower < 0) {
		int e = -errno;
		gdir_close(&d);
		return e;
	}
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		struct gdir next;
		int e = !strcmp(c, "..") ? -ELOOP : gdir_step(r, &d, c, 0, 0, 0, &next);
		gdir_close(&d);
		if (e < 0)
			return e;
		d = next;
	}
	*out = d;
	return 0;
}

/* Read the file name of d: its own, else (not whited out) the lower layer's, whose ids come
 * back shifted as they would be copied up. A whiteout in a stopped overlay container's upper layer
 * is a missing file (-ENOENT), over the tree's file or not. read_at's errors. */
static int gdir_read(const struct groot *r, const struct gdir *d, const char *name, char **text, struct stat *st)
{
	struct stat us;
	int e = fstatat(d->fd, name, &us, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
	if (!e && r->root < 0 && is_whiteout(&us))
		return -ENOENT;
	if (e == ENOENT && d->lower >= 0) {
		e = read_at(d->lower, name, text, st);
		if (e == 0) {
			st->st_uid = lower_id(r, st->st_uid);
			st->st_gid = lower_id(r, st->st_gid);
		}
		return e;
	}
	return read_at(d->fd, name, text, st);
}

/* The error of a gdir_open or gdir_step of path. */
static int dir_err(unsigned ctid, const char *path, int r)
{
	switch (r) {
	case -ENOENT:
		return cerr(EX_CHANGEPASS, 0, "CT %u has no %s", ctid, path);
	case -ELOOP:
		return cerr(EX_CHANGEPASS, 0,
			    "%s in CT %u is (or goes through) a symbolic link: refused (nothing written)", path, ctid);
	case -ENOTDIR:
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is not a directory: refused", path, ctid);
	case -EOPNOTSUPP:
		return cerr(EX_CHANGEPASS, 0,
			    "%s in CT %u was removed or moved inside the container: start it to set this", path, ctid);
	default:
		return cerr(EX_SYSTEM, -r, "open %s in CT %u", path, ctid);
	}
}

static int set_password(const struct groot *gr, const struct ct_config *c, const char *user, const char *password)
{
	_cleanup_(gdir_close) struct gdir etc = GDIR_INIT;
	int r = gdir_open(gr, "/etc", &etc);
	if (r < 0)
		return dir_err(c->ctid, "/etc", r);
	_cleanup_free_ char *shadow = NULL, *defs = NULL, *hash = NULL, *text = NULL;
	struct stat st, dst;
	if ((r = gdir_read(gr, &etc, "shadow", &shadow, &st)) < 0)
		return read_err(c->ctid, "/etc/shadow", r);
	if (gdir_read(gr, &etc, "login.defs", &defs, &dst) < 0)
		defs = NULL; /* no readable login.defs: the default method */
	if ((r = hash_password(password, acct_hash_prefix(defs), &hash)) < 0)
		return r;
	r = acct_shadow_set(shadow, user, hash, (long)(time(NULL) / 86400), &text);
	if (r == -ENOENT)
		return cerr(EX_CHANGEPASS, 0,
			    "CT %u has no user %s in /etc/shadow (cellctl does not create users: add it "
			    "inside the container first)",
			    c->ctid, user);
	if (r < 0)
		return cerr(EX_CHANGEPASS, 0, "the line of user %s in /etc/shadow of CT %u is malformed: not changed",
			    user, c->ctid);
	/* etc as the root: the file is replaced in that directory, nothing is resolved again */
	if ((r = guest_write_file(etc.fd, "shadow", text, strlen(text), st.st_mode & 07777, st.st_uid, st.st_gid)) < 0)
		return cerr(EX_SYSTEM, -r, "write /etc/shadow in CT %u", c->ctid);
	log_file_only("password of user %s set", user);
	return 0;
}

static int add_key(const struct groot *gr, const struct ct_config *c, const char *user, const char *line,
		   struct prov_result *res)
{
	_cleanup_(gdir_close) struct gdir etc = GDIR_INIT, home = GDIR_INIT, ssh = GDIR_INIT;
	int r = gdir_open(gr, "/etc", &etc);
	if (r < 0)
		return dir_err(c->ctid, "/etc", r);
	_cleanup_free_ char *passwd = NULL;
	struct stat st;
	if ((r = gdir_read(gr, &etc, "passwd", &passwd, &st)) < 0)
		return read_err(c->ctid, "/etc/passwd", r);
	struct acct_pw pw = {0};
	r = acct_passwd_find(passwd, user, &pw);
	if (r == -ENOENT)
		return cerr(EX_CHANGEPASS, 0, "CT %u has no user %s in /etc/passwd", c->ctid, user);
	if (r < 0)
		return cerr(EX_CHANGEPASS, 0, "the line of user %s in /etc/passwd of CT %u is malformed", user, c->ctid);
	_cleanup_free_ char *hpath = pw.home;
	/* the ids on disk, as the container's other files have them: shifted into its block, or
	 * container-relative (ownership mapped; the upper layer of layout overlay is shifted) */
	uint64_t uid = pw.uid, gid = pw.gid;
	if (c->userns) {
		if (uid >= c->uid_size || gid >= c->uid_size)
			return cerr(EX_CHANGEPASS, 0, "user %s of CT %u has ids %u:%u outside its user namespace (%u ids)",
				    user, c->ctid, pw.uid, pw.gid, c->uid_size);
		uid_t disk0 = ctconf_overlay(c) ? c->uid_base : ctconf_disk_root(c);
		uid += disk0;
		gid += disk0;
	}
	char e[256];
	str_escape_buf(hpath, e, sizeof(e));
	_cleanup_free_ char *sshpath = xasprintf("%s/.ssh", e), *kpath = xasprintf("%s/.ssh/authorized_keys", e);
	if ((r = gdir_open(gr, hpath, &home)) < 0)
		return dir_err(c->ctid, e, r);
	/* .ssh: never through a symbolic link (a user's link to another's .ssh would hand it over) */
	if ((r = gdir_step(gr, &home, ".ssh", 0700, (uid_t)uid, (gid_t)gid, &ssh)) < 0)
		return dir_err(c->ctid, sshpath, r);
	_cleanup_free_ char *old = NULL;
	r = gdir_read(gr, &ssh, "authorized_keys", &old, &st);
	if (r == -ENOENT) {
		st.st_mode = 0600;
		st.st_uid = (uid_t)uid;
		st.st_gid = (gid_t)gid;
	} else if (r < 0) {
		return read_err(c->ctid, kpath, r);
	}
	_cleanup_free_ char *text = acct_authkeys_add(old, line);
	if (!text) {
		res->key_present = true;
		return 0;
	}
	if ((r = guest_write_file(ssh.fd, "authorized_keys", text, strlen(text), st.st_mode & 07777, st.st_uid, st.st_gid)) < 0)
		return cerr(EX_SYSTEM, -r, "write %s in CT %u", kpath, c->ctid);
	log_file_only("SSH key added to %s (user %s)", kpath, user);
	res->key_added = true;
	return 0;
}

static void groot_close(struct groot *gr)
{
	if (gr->root >= 0)
		close(gr->root);
	if (gr->upper >= 0)
		close(gr->upper);
	if (gr->lower >= 0)
		close(gr->lower);
	gr->root = gr->upper = gr->lower = -1;
}

/* The guest's files: the private area (layout copy), the running init's root (layout overlay),
 * or a stopped overlay container's upper layer over its template tree. */
static int open_root(const struct gconf *g, const struct ct_config *c, struct groot *gr)
{
	*gr = (struct groot){.root = -1, .upper = -1, .lower = -1};
	struct ct_state st;
	bool overlay = ctconf_overlay(c), running = ct_running(g, c->ctid, &st);
	if (overlay && !running) {
		_cleanup_free_ char *upper = xasprintf("%s/%u/" CT_OVL_UPPER, g->private_dir, c->ctid);
		_cleanup_free_ char *tree = c->template_tree ? tpl_tree_path(g, c->template_tree) : NULL;
		if (!tree)
			return cerr(EX_BADCONFIG, 0, "CT %u has layout overlay but no template_tree", c->ctid);
		if ((gr->upper = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return cerr(EX_NOPRIVATE, errno, "open the upper layer %s", upper);
		if ((gr->lower = open(tree, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			int e = errno;
			groot_close(gr);
			return cerr(EX_NOPRIVATE, e, "open the template tree %s", tree);
		}
		gr->shift = c->userns ? c->uid_base : 0;
		gr->size = c->userns ? c->uid_size : 0;
		return 0;
	}
	_cleanup_free_ char *root =
		overlay ? xasprintf("/proc/%d/root", (int)st.init_pid) : xasprintf("%s/%u", g->private_dir, c->ctid);
	gr->root = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (gr->root < 0)
		return cerr(EX_NOPRIVATE, errno, "open private area %s", root);
	if (overlay && !proc_alive(st.init_pid, st.init_start)) {
		groot_close(gr);
		return cerr(EX_NOTRUNNING, 0, "CT %u stopped", c->ctid);
	}
	return 0;
}

/* The work of ct_provision, under the lock. */
static int provision_locked(const struct gconf *g, const struct ct_config *c, const struct prov_req *rq,
			    struct prov_result *res)
{
	_cleanup_(groot_close) struct groot gr;
	int r = open_root(g, c, &gr);
	if (r < 0)
		return r;
	if (rq->user && rq->password) {
		if ((r = set_password(&gr, c, rq->user, rq->password)) < 0)
			return r;
		res->password_set = true;
	}
	if (rq->key_line && (r = add_key(&gr, c, rq->key_user ? rq->key_user : "root", rq->key_line, res)) < 0)
		return r;
	return 0;
}

int ct_provision(const struct gconf *g, unsigned ctid, const struct prov_req *rq, struct prov_result *res)
{
	*res = (struct prov_result){0};
	struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "set", &lk);
	if (r < 0)
		return r;
	log_set_ctid(ctid);
	struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) == 0) {
		r = provision_locked(g, c, rq, res);
		ctconf_free(c);
	}
	ct_lock_release(&lk);
	return r;
}
