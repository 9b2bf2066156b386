/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bindmnt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bindmount.h"
#include "error.h"
#include "idmap.h"
#include "log.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int openat2_fd(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* The host directory of b, reached through no symbolic link at all. */
static int open_host(const struct ct_bind *b)
{
	return openat2_fd(AT_FDCWD, b->host, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

int bmnt_check(const struct gconf *g, const struct ct_config *c, const struct ct_bind *b, int code)
{
	_cleanup_free_ char *eh = str_escape(b->host);
	if (b->prop == BIND_SHARED && c->userns)
		return cerr(code, 0,
			    "bind mount %s: propagation=shared needs a container without a user namespace (its mounts "
			    "would reach the host): use slave or private",
			    eh);
	if (b->idmap && !c->userns)
		return cerr(code, 0, "bind mount %s: idmap needs a container with a user namespace", eh);
	int fd = open_host(b);
	if (fd < 0) {
		if (fd == -ENOENT)
			return cerr(code, 0, "bind mount: host directory %s does not exist", eh);
		if (fd == -ELOOP)
			return cerr(code, 0, "bind mount: host path %s goes through a symbolic link: give the real path", eh);
		if (fd == -ENOTDIR)
			return cerr(code, 0, "bind mount: host path %s is not a directory", eh);
		return cerr(code, fd, "bind mount: open host directory %s", eh);
	}
	close(fd);
	/* the private areas and the template trees (the lower layers of layout overlay) are
	 * containers' roots: a container could swap a directory there, or write another's files */
	const char *dirs[] = {g->private_dir, g->template_dir};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char real[PATH_MAX];
		if (!dirs[i])
			continue;
		bool clash = under(b->host, dirs[i]) || under(dirs[i], b->host);
		if (!clash && realpath(dirs[i], real))
			clash = under(b->host, real) || under(real, b->host);
		if (clash)
			return cerr(code, 0,
				    "bind mount: host directory %s is in or above the containers' %s (%s): a container "
				    "could "
				    "change it",
				    eh, i ? "templates" : "private areas", dirs[i]);
	}
	return 0;
}

/* Is the host's mount that holds fd shared (a "shared:N" tag in mountinfo)? true when unknown. */
static bool host_mount_shared(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return true;
	_cleanup_free_ char *mi = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, &len) < 0)
		return true;
	for (char *l = mi; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = 0;
		unsigned long long id;
		char *end;
		id = strtoull(l, &end, 10);
		if (end != l && id == sx.stx_mnt_id) {
			char *dash = strstr(l, " - ");
			char *tag = strstr(l, " shared:");
			return tag && (!dash || tag < dash);
		}
		l = e ? e + 1 : NULL;
	}
	return true;
}

/* What set and create say about b beyond refusing it: a slave or shared bind of a host directory
 * whose mount is private propagates nothing. */
static void warn_propagation(const struct ct_bind *b)
{
	if (b->prop == BIND_PRIVATE)
		return;
	_cleanup_close_ int fd = open_host(b);
	if (fd < 0 || host_mount_shared(fd))
		return;
	_cleanup_free_ char *eh = str_escape(b->host);
	log_warn("bind mount %s: propagation=%s, but the host's mount of it is private: nothing propagates (make "
		 "that mount shared: mount --make-shared)",
		 eh, bind_prop_name(b->prop));
}

static bool has_same(const struct ct_config *c, const struct ct_bind *b)
{
	for (unsigned i = 0; c && i < c->nbinds; i++)
		if (bind_same(&c->binds[i], b))
			return true;
	return false;
}

int bmnt_check_new(const struct gconf *g, const struct ct_config *old, const struct ct_config *c, bool warn)
{
	for (unsigned i = 0; i < c->nbinds; i++) {
		int r;
		if (has_same(old, &c->binds[i]))
			continue;
		if ((r = bmnt_check(g, c, &c->binds[i], EX_BADVALUE)) < 0)
			return r;
		if (warn)
			warn_propagation(&c->binds[i]);
	}
	return 0;
}

/* ---- the detached trees ---- */

/* A detached recursive clone of b's host directory: nosuid, nodev, read-only when asked, its
 * propagation, idmapped when asked: on-disk ids 1 to size-1 become the container's same ids (host
 * uid N shows as N inside), and 0 stays out of the map, so that host root's files show as nobody
 * (no capability of the guest's root reaches them) and nothing written through the share is ever
 * owned by host root (the guest's root cannot write there as root: no setuid-root file of a
 * guest's making on the host). */
static int prepare(const struct ct_bind *b, const struct ct_config *c, int code)
{
	_cleanup_free_ char *eh = str_escape(b->host);
	_cleanup_close_ int fd = open_host(b);
	if (fd < 0)
		return cerr(code, fd, "bind mount: open host directory %s", eh);
	int t = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (t < 0)
		return cerr(EX_CANTMOUNT, errno, "bind mount: clone host directory %s", eh);
	/* slave: the clone is a peer of the host's mount when that is shared, now its slave */
	struct mount_attr a = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->ro ? MOUNT_ATTR_RDONLY : 0),
			       .propagation = b->prop == BIND_PRIVATE ? MS_PRIVATE
					      : b->prop == BIND_SLAVE ? MS_SLAVE
								      : 0};
	if (mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
		int e = errno;
		close(t);
		return cerr(EX_CANTMOUNT, e, "bind mount: set the attributes of %s", eh);
	}
	if (b->idmap) {
		_cleanup_close_ int ns = c->uid_size > 1 ? idmap_userns_fd(1, c->uid_base + 1, c->uid_size - 1) : -1;
		struct mount_attr m = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
		if (ns < 0 || mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &m, sizeof(m)) < 0) {
			int e = ns < 0 ? EINVAL : errno;
			close(t);
			return cerr(EX_CANTMOUNT, e, "bind mount: idmap %s%s", eh,
				    e == EINVAL ? " (its filesystem cannot be idmapped on this kernel)" : "");
		}
	}
	return t;
}

/* In a child: attach tree in a private mount namespace of the host's user namespace, copy that
 * namespace into the container's user namespace (the kernel locks every mount of such a copy:
 * read-only, nosuid, nodev cannot be cleared from inside), and send back a clone of the copy's
 * mount (locked flags kept; its root is not MNT_LOCKED, so it can be unmounted again). */
static __attribute__((noreturn)) void lock_child(int tree, int userns_fd, int sock)
{
	int r = 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV, "mode=700") < 0 || mkdir("/proc/b", 0700) < 0 ||
	    move_mount(tree, "", AT_FDCWD, "/proc/b", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    setns(userns_fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0)
		r = errno;
	int t = r ? -1
		  : (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/b", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (!r && t < 0)
		r = errno;
	if (r) {
		if (write(sock, &r, sizeof(r)) < 0)
			_exit(1);
		_exit(1);
	}
	_exit(fd_send(sock, &r, sizeof(r), t) < 0 ? 1 : 0);
}

/* The locked clone of tree (closed), or cerr. */
static int lock_tree(int tree, int userns_fd, const struct ct_bind *b)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close(tree);
		return cerr(EX_SYSTEM, errno, "socketpair");
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		lock_child(tree, userns_fd, sv[1]);
	}
	int e = pid < 0 ? errno : EPROTO, fd = -1;
	close(sv[1]);
	close(tree);
	if (pid > 0) {
		if (fd_recv(sv[0], &e, sizeof(e), 0, &fd) != (ssize_t)sizeof(e))
			e = EPROTO;
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(sv[0]);
	if (e || fd < 0) {
		if (fd >= 0)
			close(fd);
		_cleanup_free_ char *eh = str_escape(b->host);
		return cerr(EX_CANTMOUNT, e ? e : EPROTO, "bind mount %s: lock it for the container's user namespace", eh);
	}
	return fd;
}

/* The tree to attach for b: prepared, and locked with a user namespace. */
static int open_one(const struct ct_config *c, const struct ct_bind *b, int userns_fd, int code)
{
	int t = prepare(b, c, code);
	if (t < 0 || !c->userns)
		return t;
	return lock_tree(t, userns_fd, b);
}

int bmnt_open_all(const struct gconf *g, const struct ct_config *c, int userns_fd, int **trees)
{
	*trees = NULL;
	if (!c->nbinds)
		return 0;
	int *t = xmalloc(c->nbinds * sizeof(int));
	for (unsigned i = 0; i < c->nbinds; i++)
		t[i] = -1;
	for (unsigned i = 0; i < c->nbinds; i++) {
		int r = bmnt_check(g, c, &c->binds[i], EX_CANTMOUNT);
		if (r >= 0)
			r = t[i] = open_one(c, &c->binds[i], userns_fd, EX_CANTMOUNT);
		if (r < 0) {
			bmnt_close_all(c, t);
			return r;
		}
	}
	*trees = t;
	return 0;
}

void bmnt_close_all(const struct ct_config *c, int *trees)
{
	for (unsigned i = 0; trees && i < c->nbinds; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	free(trees);
}

/* ---- in the container's mount namespace ---- */

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Make the guest directory path (absolute, clean) inside rootfd, each missing component as the
 * caller (the container's root), every step resolved as the guest would (symlinks stay inside). */
static int guest_mkdirs(int rootfd, const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = 0;
		int fd = openat2_fd(rootfd, p, O_PATH | O_DIRECTORY, IN_ROOT);
		if (fd == -ENOENT) {
			char *last = strrchr(p, '/');
			*last = 0;
			int pfd = openat2_fd(rootfd, *p ? p : "/", O_PATH | O_DIRECTORY, IN_ROOT);
			*last = '/';
			if (pfd < 0)
				return pfd;
			int r = mkdirat(pfd, last + 1, 0755) < 0 && errno != EEXIST ? -errno : 0;
			close(pfd);
			if (r < 0)
				return r;
			fd = openat2_fd(rootfd, p, O_PATH | O_DIRECTORY, IN_ROOT);
		}
		if (fd < 0)
			return fd;
		close(fd);
		if (!slash)
			return 0;
		*slash = '/';
		s = slash;
	}
}

static int attach_one(int rootfd, const struct ct_bind *b, int tree)
{
	_cleanup_free_ char *eg = str_escape(b->guest);
	int r = guest_mkdirs(rootfd, b->guest);
	if (r < 0)
		return cerr(EX_CANTMOUNT, r, "bind mount: make the guest directory %s", eg);
	_cleanup_close_ int fd = openat2_fd(rootfd, b->guest, O_PATH | O_DIRECTORY, IN_ROOT);
	if (fd < 0)
		return cerr(EX_CANTMOUNT, fd, "bind mount: open the guest directory %s", eg);
	/* a guest symlink may lead anywhere in its tree, but never onto the kernel's files */
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return cerr(EX_CANTMOUNT, errno, "bind mount: statfs the guest directory %s", eg);
	if ((unsigned long)sf.f_type == PROC_SUPER_MAGIC || (unsigned long)sf.f_type == SYSFS_MAGIC ||
	    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC || (unsigned long)sf.f_type == DEVPTS_SUPER_MAGIC)
		return cerr(EX_CANTMOUNT, 0, "bind mount: the guest directory %s leads into /proc, /sys or /dev/pts", eg);
	if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cerr(EX_CANTMOUNT, errno, "bind mount: attach %s on the guest's %s", b->host, eg);
	return 0;
}

/* c's binds in attach order: shorter guest paths first (a parent before what is bound inside it). */
static void attach_order(const struct ct_config *c, unsigned *ord)
{
	for (unsigned i = 0; i < c->nbinds; i++) {
		unsigned j = i;
		for (; j > 0 && strlen(c->binds[ord[j - 1]].guest) > strlen(c->binds[i].guest); j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
}

int bmnt_attach_all(const struct ct_config *c, int *trees)
{
	if (!trees)
		return 0;
	int r = 0;
	unsigned ord[BIND_MAX];
	attach_order(c, ord);
	if (c->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		r = cerr(EX_CANTMOUNT, errno, "bind mounts: become the container's root");
	_cleanup_close_ int rootfd = r < 0 ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!r && rootfd < 0)
		r = cerr(EX_CANTMOUNT, errno, "open the container's root");
	for (unsigned k = 0; k < c->nbinds && !r; k++)
		r = attach_one(rootfd, &c->binds[ord[k]], trees[ord[k]]);
	bmnt_close_all(c, trees);
	return r;
}

/* ---- live ---- */

struct live {
	const struct ct_config *old, *c;
	bool *del, *add;  /* per bind of old / of c */
	int *trees;       /* per bind of c, for add */
	int *otrees;      /* per bind of old, for del: a tree to put it back with when the set fails (-1: none) */
	struct stat *src; /* per bind of old: its host directory (st_ino 0: gone) */
	int rootfd, procfd, nsfd, usernsfd;
};

/* Detach old bind b (its host directory src) at its guest path: 0, 1 when nothing is mounted
 * there (gone already), or cerr. */
static int detach_one(const struct live *l, const struct ct_bind *b, const struct stat *src)
{
	_cleanup_free_ char *eg = str_escape(b->guest);
	_cleanup_close_ int fd = openat2_fd(l->rootfd, b->guest, O_PATH | O_DIRECTORY, IN_ROOT);
	if (fd == -ENOENT)
		return 1;
	if (fd < 0)
		return cerr(EX_CANTMOUNT, fd, "bind mount: open the guest directory %s", eg);
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) < 0)
		return cerr(EX_CANTMOUNT, errno, "bind mount: statx the guest directory %s", eg);
	if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) || !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return 1;
	if (src->st_ino && (sx.stx_ino != src->st_ino || makedev(sx.stx_dev_major, sx.stx_dev_minor) != src->st_dev))
		return cerr(EX_CANTMOUNT, 0,
			    "bind mount: what is mounted on the guest's %s is not the bind of %s (the guest's own "
			    "mount?): "
			    "left alone",
			    eg, b->host);
	char p[32];
	snprintf(p, sizeof(p), "self/fd/%d", fd);
	if (fchdir(l->procfd) < 0)
		return cerr(EX_CANTMOUNT, errno, "bind mount: chdir /proc");
	if (umount2(p, MNT_DETACH) < 0) {
		if (errno == EINVAL && l->old->userns)
			return 2; /* locked: made at start in the copy init got */
		return cerr(EX_CANTMOUNT, errno, "bind mount: unmount the guest's %s", eg);
	}
	return 0;
}

struct live_res {
	int r, code, locked;
	char msg[512];
};

static __attribute__((noreturn)) void live_child(const struct live *l, int fd)
{
	struct live_res res = {0};
	if (setns(l->nsfd, CLONE_NEWNS) < 0)
		res.r = cerr(EX_CANTMOUNT, errno, "join the container's mount namespace");
	else if (l->usernsfd >= 0 && (setns(l->usernsfd, CLONE_NEWUSER) < 0 || setgroups(0, NULL) < 0 ||
				      setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		res.r = cerr(EX_CANTMOUNT, errno, "become the container's root");
	bool gone[BIND_MAX] = {false}; /* binds of old this call detached */
	for (unsigned i = 0; i < l->old->nbinds && !res.r; i++) {
		if (!l->del[i])
			continue;
		int r = detach_one(l, &l->old->binds[i], &l->src[i]);
		if (r == 2)
			res.locked++;
		else if (r < 0)
			res.r = r;
		else if (r == 0)
			gone[i] = true;
	}
	unsigned ord[BIND_MAX], k = 0;
	attach_order(l->c, ord);
	for (; k < l->c->nbinds && !res.r; k++)
		if (l->add[ord[k]])
			res.r = attach_one(l->rootfd, &l->c->binds[ord[k]], l->trees[ord[k]]);
	if (res.r < 0) {
		res.code = cerr_exit();
		snprintf(res.msg, sizeof(res.msg), "%s", cerr_msg() ? cerr_msg() : "bind mount failed");
		/* the set fails and the running config stays as it was: the binds this call attached
		 * before the failure go again (each only if it is still ours at its guest path) */
		for (unsigned j = k ? k - 1 : 0; j-- > 0;) { /* k: one past the failed one; 0 when a detach failed */
			struct stat ts;
			if (l->add[ord[j]] && fstat(l->trees[ord[j]], &ts) == 0)
				detach_one(l, &l->c->binds[ord[j]], &ts);
		}
		/* and the binds it detached come back, parents first */
		unsigned oord[BIND_MAX];
		attach_order(l->old, oord);
		struct cerr_saved saved;
		cerr_save(&saved);
		size_t n = strlen(res.msg);
		for (unsigned j = 0; j < l->old->nbinds; j++) {
			unsigned i = oord[j];
			if (gone[i] && (l->otrees[i] < 0 || attach_one(l->rootfd, &l->old->binds[i], l->otrees[i]) < 0) &&
			    n < sizeof(res.msg) - 1) {
				_cleanup_free_ char *eg = str_escape(l->old->binds[i].guest);
				n += (size_t)snprintf(res.msg + n, sizeof(res.msg) - n,
						      " (the removed bind on %s could not be put back)", eg);
			}
		}
		cerr_restore(&saved);
	}
	_exit(write(fd, &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
}

static int run_live(struct live *l)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return cerr(EX_SYSTEM, errno, "fork");
	}
	if (pid == 0) {
		close(pfd[0]);
		live_child(l, pfd[1]);
	}
	close(pfd[1]);
	struct live_res res;
	ssize_t n = read_full(pfd[0], &res, sizeof(res));
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(res))
		return cerr(EX_CANTMOUNT, EPROTO, "bind mounts: the helper in the container's mount namespace died");
	res.msg[sizeof(res.msg) - 1] = 0;
	if (res.r < 0)
		return cerr(res.code ? res.code : EX_CANTMOUNT, 0, "%s", res.msg);
	if (res.locked)
		log_warn("%d bind mount(s) made at start stay mounted until the container's next start: the kernel "
			 "locks "
			 "them in a container with a user namespace",
			 res.locked);
	return 0;
}

int bmnt_live(const struct gconf *g, const struct ct_config *old, const struct ct_config *c, pid_t init_pid)
{
	bool del[BIND_MAX] = {false}, add[BIND_MAX] = {false}, any = false;
	for (unsigned i = 0; i < old->nbinds; i++)
		any |= del[i] = !has_same(c, &old->binds[i]);
	for (unsigned i = 0; i < c->nbinds; i++)
		any |= add[i] = !has_same(old, &c->binds[i]);
	if (!any)
		return 0;
	int r = bmnt_check_new(g, old, c, false); /* set warned already */
	if (r < 0)
		return r;
	int trees[BIND_MAX], otrees[BIND_MAX];
	struct stat src[BIND_MAX];
	struct live l = {.old = old,
			 .c = c,
			 .del = del,
			 .add = add,
			 .trees = trees,
			 .otrees = otrees,
			 .src = src,
			 .usernsfd = -1};
	for (unsigned i = 0; i < BIND_MAX; i++)
		trees[i] = otrees[i] = -1;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)init_pid);
	l.nsfd = open(p, O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "/proc/%d/root", (int)init_pid);
	l.rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	l.procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->userns) {
		snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)init_pid);
		l.usernsfd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (l.nsfd < 0 || l.rootfd < 0 || l.procfd < 0 || (c->userns && l.usernsfd < 0)) {
		r = cerr(EX_SYSTEM, errno, "open the namespaces of container %u", c->ctid);
		goto out;
	}
	for (unsigned i = 0; i < old->nbinds; i++) {
		if (!del[i])
			continue;
		int fd = open_host(&old->binds[i]);
		if (fd < 0 || fstat(fd, &src[i]) < 0)
			memset(&src[i], 0, sizeof(src[i]));
		if (fd >= 0)
			close(fd);
		/* best effort: a bind whose host directory is gone cannot be put back */
		struct cerr_saved saved;
		cerr_save(&saved);
		otrees[i] = open_one(old, &old->binds[i], l.usernsfd, EX_BADVALUE);
		cerr_restore(&saved);
	}
	for (unsigned i = 0; i < c->nbinds; i++)
		if (add[i] && (r = trees[i] = open_one(c, &c->binds[i], l.usernsfd, EX_BADVALUE)) < 0)
			goto out;
	r = run_live(&l);
out:
	for (unsigned i = 0; i < BIND_MAX; i++) {
		if (trees[i] >= 0)
			close(trees[i]);
		if (otrees[i] >= 0)
			close(otrees[i]);
	}
	if (l.nsfd >= 0)
		close(l.nsfd);
	if (l.rootfd >= 0)
		close(l.rootfd);
	if (l.procfd >= 0)
		close(l.procfd);
	if (l.usernsfd >= 0)
		close(l.usernsfd);
	return r;
}
