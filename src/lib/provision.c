/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "provision.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "guestacct.h"
#include "lock.h"
#include "log.h"
#include "state.h"
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
 * opened): *text, *st. -ENOENT, -ELOOP (a symbolic link), -EINVAL (not a regular file), -EFBIG. */
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

static int set_password(int rootfd, const struct ct_config *c, const char *user, const char *password)
{
	_cleanup_close_ int etc = guest_open(rootfd, "/etc", O_PATH | O_DIRECTORY, 0);
	if (etc < 0)
		return etc == -ENOENT ? cerr(EX_CHANGEPASS, 0, "CT %u has no /etc", c->ctid)
				      : cerr(EX_SYSTEM, -etc, "open /etc in CT %u", c->ctid);
	_cleanup_free_ char *shadow = NULL, *defs = NULL, *hash = NULL, *text = NULL;
	struct stat st, dst;
	int r = read_at(etc, "shadow", &shadow, &st);
	if (r < 0)
		return read_err(c->ctid, "/etc/shadow", r);
	if (read_at(etc, "login.defs", &defs, &dst) < 0)
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
	if ((r = guest_write_file(etc, "shadow", text, strlen(text), st.st_mode & 07777, st.st_uid, st.st_gid)) < 0)
		return cerr(EX_SYSTEM, -r, "write /etc/shadow in CT %u", c->ctid);
	log_file_only("password of user %s set", user);
	return 0;
}

/* dirfd/.ssh, made (0700, owned by uid:gid) when missing; never a symbolic link. */
static int open_ssh_dir(int home, const struct ct_config *c, const char *path, uid_t uid, gid_t gid)
{
	struct stat st;
	if (fstatat(home, ".ssh", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return cerr(EX_SYSTEM, errno, "look at %s in CT %u", path, c->ctid);
		if (mkdirat(home, ".ssh", 0700) < 0)
			return cerr(EX_SYSTEM, errno, "create %s in CT %u", path, c->ctid);
		int fd = openat(home, ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return cerr(EX_SYSTEM, e, "set up %s in CT %u", path, c->ctid);
		}
		return fd;
	}
	if (S_ISLNK(st.st_mode))
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is a symbolic link: refused (nothing written)", path, c->ctid);
	if (!S_ISDIR(st.st_mode))
		return cerr(EX_CHANGEPASS, 0, "%s in CT %u is not a directory: refused", path, c->ctid);
	int fd = openat(home, ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? cerr(EX_SYSTEM, errno, "open %s in CT %u", path, c->ctid) : fd;
}

static int add_key(int rootfd, const struct ct_config *c, const char *user, const char *line, struct prov_result *res)
{
	_cleanup_close_ int etc = guest_open(rootfd, "/etc", O_PATH | O_DIRECTORY, 0);
	if (etc < 0)
		return etc == -ENOENT ? cerr(EX_CHANGEPASS, 0, "CT %u has no /etc", c->ctid)
				      : cerr(EX_SYSTEM, -etc, "open /etc in CT %u", c->ctid);
	_cleanup_free_ char *passwd = NULL;
	struct stat st;
	int r = read_at(etc, "passwd", &passwd, &st);
	if (r < 0)
		return read_err(c->ctid, "/etc/passwd", r);
	struct acct_pw pw = {0};
	r = acct_passwd_find(passwd, user, &pw);
	if (r == -ENOENT)
		return cerr(EX_CHANGEPASS, 0, "CT %u has no user %s in /etc/passwd", c->ctid, user);
	if (r < 0)
		return cerr(EX_CHANGEPASS, 0, "the line of user %s in /etc/passwd of CT %u is malformed", user, c->ctid);
	_cleanup_free_ char *home = pw.home;
	/* the ids on disk: shifted into the container's block, as its other files */
	uint64_t uid = pw.uid, gid = pw.gid;
	if (c->userns) {
		if (uid >= c->uid_size || gid >= c->uid_size)
			return cerr(EX_CHANGEPASS, 0, "user %s of CT %u has ids %u:%u outside its user namespace (%u ids)",
				    user, c->ctid, pw.uid, pw.gid, c->uid_size);
		uid += c->uid_base;
		gid += c->uid_base;
	}
	char e[256];
	str_escape_buf(home, e, sizeof(e));
	_cleanup_close_ int hfd = guest_open(rootfd, home, O_PATH | O_DIRECTORY, 0);
	if (hfd < 0)
		return cerr(EX_CHANGEPASS, -hfd, "the home directory %s of user %s in CT %u", e, user, c->ctid);
	_cleanup_free_ char *sshpath = xasprintf("%s/.ssh", e), *kpath = xasprintf("%s/.ssh/authorized_keys", e);
	_cleanup_close_ int sfd = open_ssh_dir(hfd, c, sshpath, (uid_t)uid, (gid_t)gid);
	if (sfd < 0)
		return sfd;
	_cleanup_free_ char *old = NULL;
	r = read_at(sfd, "authorized_keys", &old, &st);
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
	if ((r = guest_write_file(sfd, "authorized_keys", text, strlen(text), st.st_mode & 07777, st.st_uid, st.st_gid)) < 0)
		return cerr(EX_SYSTEM, -r, "write %s in CT %u", kpath, c->ctid);
	log_file_only("SSH key added to %s (user %s)", kpath, user);
	res->key_added = true;
	return 0;
}

/* The guest's root: the private area (layout copy), or the running init's root (layout overlay). */
static int open_root(const struct gconf *g, const struct ct_config *c, int *rootfd)
{
	struct ct_state st;
	bool running = ct_running(g, c->ctid, &st);
	if (ctconf_overlay(c) && !running)
		return cerr(EX_NOTRUNNING, 0,
			    "CT %u (layout overlay) is not running: its merged tree exists only while it "
			    "runs; start it to set a password or an SSH key",
			    c->ctid);
	_cleanup_free_ char *root = ctconf_overlay(c) ? xasprintf("/proc/%d/root", (int)st.init_pid)
						      : xasprintf("%s/%u", g->private_dir, c->ctid);
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_NOPRIVATE, errno, "open private area %s", root);
	if (ctconf_overlay(c) && !proc_alive(st.init_pid, st.init_start)) {
		close(fd);
		return cerr(EX_NOTRUNNING, 0, "CT %u stopped", c->ctid);
	}
	*rootfd = fd;
	return 0;
}

/* The work of ct_provision, under the lock. */
static int provision_locked(const struct gconf *g, const struct ct_config *c, const struct prov_req *rq,
			    struct prov_result *res)
{
	_cleanup_close_ int rootfd = -1;
	int r = open_root(g, c, &rootfd);
	if (r < 0)
		return r;
	if (rq->user && rq->password) {
		if ((r = set_password(rootfd, c, rq->user, rq->password)) < 0)
			return r;
		res->password_set = true;
	}
	if (rq->key_line && (r = add_key(rootfd, c, rq->key_user ? rq->key_user : "root", rq->key_line, res)) < 0)
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
