/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lxcfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "state.h"
#include "util.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

static const struct lxcfs_bind binds[] = {
	{"proc/cpuinfo", false, false},
	{"proc/meminfo", false, false},
	{"proc/stat", false, false},
	{"proc/uptime", false, false},
	{"proc/diskstats", false, false},
	{"proc/swaps", false, false},
	{"proc/loadavg", false, false},
	{"proc/slabinfo", false, false},
	{"sys/devices/system/cpu", true, false},
	{"sys/devices/system/cpu/online", false, true},
};

const struct lxcfs_bind *lxcfs_binds(unsigned *n)
{
	*n = ARRAY_SIZE(binds);
	return binds;
}

static const char *mount_point(const struct gconf *g) { return g->lxcfs_mount ? g->lxcfs_mount : LXCFS_MOUNT_DEFAULT; }

int lxcfs_live(const char *mp, dev_t *dev)
{
	struct statfs sf;
	struct stat top, f;
	if (statfs(mp, &sf) < 0 || stat(mp, &top) < 0)
		return -errno;
	if ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	_cleanup_free_ char *p = xasprintf("%s/proc/meminfo", mp);
	if (stat(p, &f) < 0)
		return -errno;
	if (!S_ISREG(f.st_mode) || f.st_dev != top.st_dev)
		return -EMEDIUMTYPE;
	if (dev)
		*dev = top.st_dev;
	return 0;
}

/* A detached read-only (nosuid, nodev, noexec) copy of mp/path, or -errno. */
static int clone_ro(const char *mp, const char *path)
{
	_cleanup_free_ char *src = xasprintf("%s/%s", mp, path);
	int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		return -errno;
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	if (mount_setattr(t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		int e = -errno;
		close(t);
		return e;
	}
	return t;
}

/* Does mp/path exist as the kind b wants (a directory or a regular file)? */
static bool served(const char *mp, const struct lxcfs_bind *b)
{
	_cleanup_free_ char *src = xasprintf("%s/%s", mp, b->path);
	struct stat st;
	if (stat(src, &st) < 0)
		return false;
	return b->dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

int lxcfs_bind_all(const char *mp)
{
	if (!mp)
		return 0;
	int n = 0;
	bool prev = false;
	for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
		const struct lxcfs_bind *b = &binds[i];
		bool skip = b->fallback && prev;
		prev = false;
		struct stat st;
		/* the target is in the procfs or sysfs we have just mounted: no guest name on the way */
		if (skip || !served(mp, b) || lstat(b->path, &st) < 0 ||
		    (b->dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		int t = clone_ro(mp, b->path);
		if (t < 0)
			continue; /* lxcfs went away since the check: this one stays the kernel's */
		if (move_mount(t, "", AT_FDCWD, b->path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			int e = errno;
			close(t);
			return cerr(EX_CANTMOUNT, e, "bind lxcfs's %s/%s over the container's /%s", mp, b->path, b->path);
		}
		close(t);
		prev = true;
		n++;
	}
	return n;
}

/* ---- mountinfo ---- */

/* Field i (0-based, space separated) of line [s, e): its start and length. */
static bool mi_field(const char *s, const char *e, unsigned i, const char **f, size_t *len)
{
	for (unsigned k = 0;; k++) {
		while (s < e && *s == ' ')
			s++;
		if (s >= e)
			return false;
		const char *w = s;
		while (s < e && *s != ' ')
			s++;
		if (k == i) {
			*f = w;
			*len = (size_t)(s - w);
			return true;
		}
	}
}

static void copy_field(char *dst, size_t n, const char *f, size_t len)
{
	snprintf(dst, n, "%.*s", (int)(len < n ? len : n - 1), f);
}

/* Parse one line: mount point field 4, major:minor field 2, then after " - " fstype and source. */
static bool mi_line(const char *s, const char *e, const char *mp, struct lxcfs_mnt *out)
{
	const char *f;
	size_t len;
	if (!mi_field(s, e, 4, &f, &len) || len != strlen(mp) || memcmp(f, mp, len) != 0)
		return false;
	const char *sep = NULL;
	for (const char *p = s; p + 3 <= e; p++)
		if (p[0] == ' ' && p[1] == '-' && p[2] == ' ') {
			sep = p + 3;
			break;
		}
	struct lxcfs_mnt m = {0};
	char dev[32];
	if (!sep || !mi_field(s, e, 2, &f, &len))
		return false;
	copy_field(dev, sizeof(dev), f, len);
	if (sscanf(dev, "%u:%u", &m.maj, &m.min) != 2)
		return false;
	if (!mi_field(sep, e, 0, &f, &len))
		return false;
	copy_field(m.fstype, sizeof(m.fstype), f, len);
	if (mi_field(sep, e, 1, &f, &len))
		copy_field(m.source, sizeof(m.source), f, len);
	*out = m;
	return true;
}

int lxcfs_mountinfo_top(const char *text, const char *mp, struct lxcfs_mnt *out)
{
	int found = 0;
	/* later lines are mounted later: the last one at mp is on top */
	for (const char *s = text; s && *s;) {
		const char *e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		struct lxcfs_mnt m;
		if (mi_line(s, e, mp, &m)) {
			*out = m;
			found = 1;
		}
		s = *e ? e + 1 : e;
	}
	return found;
}

bool lxcfs_mnt_is_lxcfs(const struct lxcfs_mnt *m)
{
	return strcmp(m->fstype, "fuse.lxcfs") == 0 || (strcmp(m->fstype, "fuse") == 0 && strcmp(m->source, "lxcfs") == 0);
}

/* ---- a running container ---- */

const char *lxcfs_state_name(const struct gconf *g, pid_t init_pid)
{
	char rp[64];
	snprintf(rp, sizeof(rp), "/proc/%d/root", (int)init_pid);
	_cleanup_close_ int root = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return "-";
	_cleanup_close_ int fd = guest_open_nofollow(root, "proc/meminfo", O_PATH);
	struct statfs sf;
	struct stat st;
	if (fd < 0)
		return "off";
	if (fstatfs(fd, &sf) < 0)
		return errno == ENOTCONN ? "stale" : "off";
	if ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC || fstat(fd, &st) < 0)
		return "off";
	dev_t live;
	return lxcfs_live(mount_point(g), &live) == 0 && live == st.st_dev ? "ok" : "stale";
}

const char *lxcfs_for_start(const struct gconf *g, const struct ct_config *c, bool first_boot)
{
	if (c->lxcfs_off)
		return NULL;
	if (c->userns && c->nesting) {
		/* binds over /proc files, locked, would make the kernel refuse the nested containers'
		 * own procfs mounts */
		if (first_boot)
			log_file_quiet("lxcfs views off: [security] nesting = yes");
		return NULL;
	}
	const char *mp = mount_point(g);
	int r = lxcfs_live(mp, NULL);
	if (r == 0)
		return mp;
	if (first_boot) {
		_cleanup_free_ char *e = str_escape(mp);
		log_file_quiet("lxcfs views off: no live lxcfs at %s (%s); /proc/meminfo, uptime and the others are "
			       "the "
			       "kernel's",
			       e, r == -EMEDIUMTYPE ? "not a FUSE mount serving proc/meminfo" : strerror(-r));
	}
	return NULL;
}

/* ---- rebind ---- */

/* Does ctid's config want lxcfs views (lxcfs yes, no nesting)? A config that cannot be read: no. */
static bool wants_views(const struct gconf *g, unsigned ctid)
{
	struct ct_config *c = NULL;
	struct cerr_saved s;
	cerr_save(&s);
	bool yes = ctconf_load(g, ctid, &c) == 0 && !c->lxcfs_off && !(c->userns && c->nesting);
	ctconf_free(c);
	cerr_restore(&s);
	return yes;
}

struct fix {
	const struct lxcfs_bind *b;
	int tree; /* the fresh copy, detached */
};

/* In the child, in the container's mount namespace: replace f's stale bind. 0, 1 when what is
 * there is no longer ours (left alone), or -errno. */
static int replace_one(int rootfd, const struct fix *f)
{
	_cleanup_free_ char *dir = xstrdup(f->b->path);
	char *slash = strrchr(dir, '/');
	*slash = 0;
	const char *name = slash + 1;
	_cleanup_close_ int dfd = guest_open_nofollow(rootfd, dir, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	if (fchdir(dfd) < 0)
		return -errno;
	/* a bind an earlier rebind made is ours and not locked: it goes; the one start made is
	 * locked in a container with a user namespace (EINVAL): the fresh one goes on top */
	if (umount2(name, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return -errno;
	_cleanup_close_ int tfd = guest_open_nofollow(dfd, name, O_PATH);
	if (tfd == -ENOENT)
		return 1; /* the guest's kernel has no such file */
	if (tfd < 0)
		return tfd;
	/* what is there now must be a stale lxcfs file (ENOTCONN), or a file or directory of lxcfs,
	 * procfs or sysfs of the kind we bind: anything else (the guest mounted over its /proc) stays */
	struct stat st;
	struct statfs sf;
	if (fstat(tfd, &st) < 0 || fstatfs(tfd, &sf) < 0) {
		if (errno != ENOTCONN)
			return -errno;
	} else if ((f->b->dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) ||
		   ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC && (unsigned long)sf.f_type != PROC_SUPER_MAGIC &&
		    (unsigned long)sf.f_type != SYSFS_MAGIC)) {
		return 1;
	}
	if (move_mount(f->tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* Reports {index, result} for the first failure, or {number replaced, 0}. */
static __attribute__((noreturn)) void rebind_in_child(int nsfd, int rootfd, const struct fix *fx, unsigned n, int pipefd)
{
	int res[2] = {0, 0};
	if (setns(nsfd, CLONE_NEWNS) < 0)
		res[1] = -errno;
	for (unsigned i = 0; i < n && !res[1]; i++) {
		int r = replace_one(rootfd, &fx[i]);
		if (r < 0) {
			res[0] = (int)i;
			res[1] = r;
		} else if (r == 0) {
			res[0]++;
		}
	}
	if (write(pipefd, res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	_exit(res[1] ? 1 : 0);
}

int lxcfs_rebind(const struct gconf *g, unsigned ctid, unsigned *fixed)
{
	*fixed = 0;
	struct ct_state st;
	if (!ct_running(g, ctid, &st))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	const char *mp = mount_point(g);
	_cleanup_free_ char *emp = str_escape(mp);
	dev_t live;
	int r = lxcfs_live(mp, &live);
	if (r < 0)
		return cerr(EX_CANTMOUNT, r == -EMEDIUMTYPE ? 0 : r,
			    "no live lxcfs at %s%s: start lxcfs (or remount it there) first", emp,
			    r == -EMEDIUMTYPE ? " (not a FUSE mount serving proc/meminfo)" : "");
	_cleanup_close_ int pidfd = proc_pidfd(st.init_pid, st.init_start);
	if (pidfd < 0)
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)st.init_pid);
	_cleanup_free_ char *mi = NULL;
	size_t milen;
	if ((r = read_file_at(AT_FDCWD, p, &mi, &milen)) < 0)
		return cerr(EX_SYSTEM, r, "read %s", p);
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)st.init_pid);
	_cleanup_close_ int nsfd = open(p, O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "/proc/%d/root", (int)st.init_pid);
	_cleanup_close_ int rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsfd < 0 || rootfd < 0)
		return cerr(EX_SYSTEM, errno, "open the mount namespace of container %u", ctid);
	/* the files read and opened are init's: it is still the process the state names */
	if (!proc_alive(st.init_pid, st.init_start))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);

	struct fix fx[ARRAY_SIZE(binds)];
	unsigned n = 0;
	bool add = wants_views(g, ctid), dir_bound = false;
	for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
		char where[64];
		struct lxcfs_mnt m;
		snprintf(where, sizeof(where), "/%s", binds[i].path);
		bool top = lxcfs_mountinfo_top(mi, where, &m);
		if (binds[i].fallback && dir_bound)
			continue;
		if (top && lxcfs_mnt_is_lxcfs(&m)) {
			/* what start (or an earlier rebind) bound: an lxcfs mount on top there */
			dir_bound |= binds[i].dir;
			if (makedev(m.maj, m.min) == live)
				continue; /* fresh already */
		} else if (!top && add && served(mp, &binds[i])) {
			/* started while lxcfs was not running: the kernel's file, no mount on it */
			dir_bound |= binds[i].dir;
		} else {
			continue;
		}
		int t = clone_ro(mp, binds[i].path);
		if (t < 0) {
			r = cerr(EX_CANTMOUNT, t, "bind lxcfs's %s/%s", emp, binds[i].path);
			goto out;
		}
		fx[n++] = (struct fix){&binds[i], t};
	}
	if (n == 0)
		goto out;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = cerr(EX_SYSTEM, errno, "pipe");
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		r = cerr(EX_SYSTEM, errno, "fork");
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		rebind_in_child(nsfd, rootfd, fx, n, pfd[1]);
	}
	close(pfd[1]);
	int res[2] = {0, -EPROTO}, status;
	ssize_t got = read(pfd[0], res, sizeof(res));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(res))
		res[1] = -EPROTO;
	if (res[1] < 0) {
		r = cerr(EX_CANTMOUNT, res[1], "container %u: replace its /%s with lxcfs's", ctid,
			 res[0] >= 0 && (unsigned)res[0] < n ? fx[res[0]].b->path : "?");
	} else {
		*fixed = res[0] >= 0 ? (unsigned)res[0] : 0;
		r = 0;
	}
out:
	for (unsigned i = 0; i < n; i++)
		close(fx[i].tree);
	return r < 0 ? r : 0;
}
