/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fscopy.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "util.h"

/* A hard-linked inode of the source already copied: its (device, inode) and its path in the copy. */
struct link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walk {
	struct fscopy_opts *o;
	int dsttop;
	unsigned max_depth;
	struct link *links; /* open addressing, cap a power of two (0: none yet) */
	size_t nlinks, cap;
	struct strbuf path; /* the entry's path relative to the top, for messages and links */
	dev_t topdev;
};

static const char *wpath(const struct walk *w) { return w->path.len ? w->path.s : "."; }

static int walk_err(const struct walk *w, int err, const char *what)
{
	return cerr(EX_SYSTEM, err, "%s %s", what, wpath(w));
}

static bool cancelled(const struct walk *w) { return w->o->cancel && *w->o->cancel; }

static uint32_t map_id(const struct walk *w, uint32_t id) { return w->o->map ? idshift_id(w->o->map, id) : id; }

/* The path through which the xattr calls reach dirfd/name without following a symlink at name
 * (the directory's magic link resolves to the very directory); name NULL: dirfd itself, reached
 * by following its magic link (the xa_* calls below follow it only then: XA_SELF). */
static void xa_path(char *buf, size_t len, int dirfd, const char *name)
{
	if (name)
		snprintf(buf, len, "/proc/self/fd/%d/%s", dirfd, name);
	else
		snprintf(buf, len, "/proc/self/fd/%d", dirfd);
}

#define XA_SELF(path) (!strchr((path) + sizeof("/proc/self/fd/") - 1, '/'))

static ssize_t xa_listx(const char *path, char *buf, size_t size)
{
	return XA_SELF(path) ? listxattr(path, buf, size) : llistxattr(path, buf, size);
}

static ssize_t xa_getx(const char *path, const char *name, void *buf, size_t size)
{
	return XA_SELF(path) ? getxattr(path, name, buf, size) : lgetxattr(path, name, buf, size);
}

static int xa_setx(const char *path, const char *name, const void *buf, size_t size)
{
	return XA_SELF(path) ? setxattr(path, name, buf, size, 0) : lsetxattr(path, name, buf, size, 0);
}

static int xa_removex(const char *path, const char *name)
{
	return XA_SELF(path) ? removexattr(path, name) : lremovexattr(path, name);
}

static size_t link_slot(const struct walk *w, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)dev;
	size_t i = (size_t)(h ^ (h >> 29)) & (w->cap - 1);
	while (w->links[i].path && (w->links[i].dev != dev || w->links[i].ino != ino))
		i = (i + 1) & (w->cap - 1);
	return i;
}

static const char *link_find(const struct walk *w, dev_t dev, ino_t ino)
{
	return w->cap ? w->links[link_slot(w, dev, ino)].path : NULL;
}

static void link_add(struct walk *w, dev_t dev, ino_t ino, const char *path)
{
	if ((w->nlinks + 1) * 2 > w->cap) {
		struct walk nw = {.cap = w->cap ? w->cap * 2 : 64};
		nw.links = xcalloc(nw.cap, sizeof(*nw.links));
		for (size_t i = 0; i < w->cap; i++)
			if (w->links[i].path)
				nw.links[link_slot(&nw, w->links[i].dev, w->links[i].ino)] = w->links[i];
		free(w->links);
		w->links = nw.links;
		w->cap = nw.cap;
	}
	size_t i = link_slot(w, dev, ino);
	w->links[i] = (struct link){.dev = dev, .ino = ino, .path = xstrdup(path)};
	w->nlinks++;
}

/* A value read from the source, rewritten for the destination when it carries ids: 1 keep it,
 * 0 drop it (malformed, warned). */
static int xa_fix(const struct walk *w, const char *name, unsigned char *v, size_t size)
{
	bool changed;
	int k = 0;
	if (!strcmp(name, "security.capability"))
		k = w->o->map ? idshift_fcaps(w->o->map, v, size, &changed) : 0;
	else if (!strcmp(name, "system.posix_acl_access") || !strcmp(name, "system.posix_acl_default"))
		k = w->o->map ? idshift_acl(w->o->map, v, size, &changed) : 0;
	if (k < 0) {
		_cleanup_free_ char *e = str_escape(wpath(w));
		log_warn("dropping the malformed %s of %s", name, e);
		return 0;
	}
	return 1;
}

/* Read the names of the xattrs at path (malloc'd list of NUL-terminated names, *len bytes). */
static int xa_list(const char *path, char **out, ssize_t *len)
{
	*out = NULL;
	*len = 0;
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = xa_listx(path, NULL, 0);
		if (n < 0)
			return errno == ENOTSUP ? 0 : -errno;
		if (n == 0)
			return 0;
		char *b = xmalloc((size_t)n);
		ssize_t m = xa_listx(path, b, (size_t)n);
		if (m >= 0) {
			*out = b;
			*len = m;
			return 0;
		}
		free(b);
		if (errno != ERANGE)
			return -errno;
	}
	return -ERANGE;
}

static int xa_get(const char *path, const char *name, unsigned char **out, size_t *size)
{
	*out = NULL;
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = xa_getx(path, name, NULL, 0);
		if (n < 0)
			return -errno;
		unsigned char *b = xmalloc((size_t)n + 1);
		ssize_t m = xa_getx(path, name, b, (size_t)n);
		if (m >= 0) {
			*out = b;
			*size = (size_t)m;
			return 0;
		}
		free(b);
		if (errno != ERANGE)
			return -errno;
	}
	return -ERANGE;
}

/* Copy the xattrs of sdir/name onto ddir/name (name NULL: the directories themselves). */
static int copy_xattrs(struct walk *w, int sdir, int ddir, const char *name)
{
	char sp[PATH_MAX], dp[PATH_MAX];
	if (name && strlen(name) + 32 > sizeof(sp))
		return walk_err(w, ENAMETOOLONG, "xattrs of");
	xa_path(sp, sizeof(sp), sdir, name);
	xa_path(dp, sizeof(dp), ddir, name);
	_cleanup_free_ char *list = NULL;
	ssize_t len;
	int r = xa_list(sp, &list, &len);
	if (r < 0)
		return walk_err(w, -r, "list the xattrs of");
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(list + off) + 1) {
		const char *xn = list + off;
		_cleanup_free_ unsigned char *v = NULL;
		size_t size;
		if ((r = xa_get(sp, xn, &v, &size)) < 0) {
			if (r == -ENODATA)
				continue;
			return cerr(EX_SYSTEM, -r, "read xattr %s of %s", xn, wpath(w));
		}
		if (!xa_fix(w, xn, v, size))
			continue;
		if (xa_setx(dp, xn, v, size) < 0) {
			if (errno != ENOTSUP)
				return cerr(EX_SYSTEM, errno, "set xattr %s on the copy of %s", xn, wpath(w));
			log_warn("the copy of %s loses its xattr %s: not supported there", wpath(w), xn);
		}
	}
	return 0;
}

/* Owner, xattrs, mode and times of the copy ddir/name (name NULL: ddir itself) from st; chown
 * first (it clears setuid and file capabilities), then the xattrs, then the mode. */
static int set_attrs(struct walk *w, int sdir, int ddir, const char *name, const struct stat *st)
{
	uid_t uid = map_id(w, st->st_uid);
	gid_t gid = map_id(w, st->st_gid);
	int r = name ? fchownat(ddir, name, uid, gid, AT_SYMLINK_NOFOLLOW) : fchown(ddir, uid, gid);
	if (r < 0)
		return walk_err(w, errno, "chown the copy of");
	if ((r = copy_xattrs(w, sdir, ddir, name)) < 0)
		return r;
	if (!S_ISLNK(st->st_mode)) {
		r = name ? fchmodat(ddir, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW)
			 : fchmod(ddir, st->st_mode & 07777);
		if (r < 0)
			return walk_err(w, errno, "chmod the copy of");
	}
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};
	r = name ? utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(ddir, ts);
	if (r < 0)
		return walk_err(w, errno, "set the times of the copy of");
	return 0;
}

/* Copy the bytes of in to out, keeping holes; out is empty. */
static int copy_data(struct walk *w, int in, int out, off_t size)
{
	static __thread char buf[128 * 1024];
	off_t pos = 0;
	bool cfr = true;
	while (pos < size) {
		off_t d = lseek(in, pos, SEEK_DATA), h;
		if (d < 0 && errno == ENXIO)
			break; /* a hole up to the end */
		if (d < 0) {
			d = pos; /* no SEEK_DATA here: all of it */
			h = size;
		} else if ((h = lseek(in, d, SEEK_HOLE)) < 0 || h > size) {
			h = size;
		}
		off_t io = d, oo = d;
		while (io < h) {
			if (cancelled(w))
				return cerr(EX_SYSTEM, EINTR, "copy interrupted at %s", wpath(w));
			ssize_t n = -1;
			if (cfr) {
				n = copy_file_range(in, &io, out, &oo, (size_t)(h - io), 0);
				if (n < 0 && errno != EINTR) {
					if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
					    errno != EOPNOTSUPP && errno != EBADF)
						return walk_err(w, errno, "copy the data of");
					cfr = false;
				}
			}
			if (!cfr) {
				size_t want = (size_t)(h - io) < sizeof(buf) ? (size_t)(h - io) : sizeof(buf);
				n = pread(in, buf, want, io);
				if (n < 0 && errno != EINTR)
					return walk_err(w, errno, "read");
				if (n > 0) {
					for (ssize_t done = 0; done < n;) {
						ssize_t k = pwrite(out, buf + done, (size_t)(n - done), oo + done);
						if (k < 0 && errno != EINTR)
							return walk_err(w, errno, "write the copy of");
						if (k > 0)
							done += k;
					}
					io += n;
					oo += n;
				}
			}
			if (n == 0)
				break; /* shorter than its stat said */
			if (n > 0)
				w->o->bytes += (uint64_t)n;
		}
		pos = h;
	}
	if (ftruncate(out, size) < 0)
		return walk_err(w, errno, "set the size of the copy of");
	return 0;
}

/* fd, just opened by its name, is still the entry that was statted as st (its type and inode):
 * fst gets its stat. */
static int same_entry(const struct walk *w, int fd, const struct stat *st, struct stat *fst, const char *what)
{
	if (fstat(fd, fst) < 0 || (fst->st_mode & S_IFMT) != (st->st_mode & S_IFMT) || fst->st_ino != st->st_ino)
		return walk_err(w, EAGAIN, what);
	return 0;
}

static int copy_dir(struct walk *w, int sdir, int ddir, unsigned depth);

static int copy_entry(struct walk *w, int sdir, int ddir, const char *name, unsigned depth)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return walk_err(w, errno, "stat");
	w->o->files++;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		const char *first = link_find(w, st.st_dev, st.st_ino);
		if (first) {
			if (linkat(w->dsttop, first, ddir, name, 0) < 0)
				return walk_err(w, errno, "hard-link the copy of");
			return 0;
		}
	}
	int r;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: {
		if (depth + 1 > w->max_depth)
			return walk_err(w, ELOOP, "too deep a directory (over the copy's depth limit):");
		if (mkdirat(ddir, name, 0700) < 0)
			return walk_err(w, errno, "create the copy of");
		_cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return walk_err(w, errno, "open");
		struct stat sst;
		if ((r = same_entry(w, s, &st, &sst, "changed during the copy:")) < 0)
			return r;
		if ((r = copy_dir(w, s, d, depth + 1)) < 0)
			return r;
		return set_attrs(w, s, d, NULL, &st);
	}
	case S_IFREG: {
		_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (in < 0)
			return walk_err(w, errno, "open");
		struct stat fst;
		if ((r = same_entry(w, in, &st, &fst, "changed during the copy:")) < 0)
			return r;
		_cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return walk_err(w, errno, "create the copy of");
		if ((r = copy_data(w, in, out, fst.st_size)) < 0)
			return r;
		break;
	}
	case S_IFLNK: {
		_cleanup_free_ char *target = xmalloc((size_t)PATH_MAX + 1);
		ssize_t n = readlinkat(sdir, name, target, PATH_MAX);
		if (n < 0)
			return walk_err(w, errno, "read the symlink");
		target[n] = 0;
		if (symlinkat(target, ddir, name) < 0)
			return walk_err(w, errno, "create the copy of");
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (mknodat(ddir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return walk_err(w, errno, "create the copy of");
		break;
	default:
		return walk_err(w, EINVAL, "unknown file type:");
	}
	if ((r = set_attrs(w, sdir, ddir, name, &st)) < 0)
		return r;
	if (st.st_nlink > 1)
		link_add(w, st.st_dev, st.st_ino, w->path.s);
	return 0;
}

/* Walk the entries of dfd, calling fn on each with w->path naming it. */
static int walk_entries(struct walk *w, int dfd, int (*fn)(struct walk *w, int dfd, const char *name, void *arg), void *arg)
{
	int fd = dup(dfd);
	if (fd < 0)
		return walk_err(w, errno, "read the directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return walk_err(w, errno, "read the directory");
	}
	rewinddir(d);
	size_t base = w->path.len;
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			if (errno)
				r = walk_err(w, errno, "read the directory");
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (cancelled(w)) {
			r = cerr(EX_SYSTEM, EINTR, "interrupted at %s", wpath(w));
			break;
		}
		w->path.len = base;
		if (base)
			sb_add(&w->path, "/");
		sb_add(&w->path, e->d_name);
		if ((r = fn(w, dfd, e->d_name, arg)) < 0)
			break;
	}
	w->path.len = base;
	if (w->path.s)
		w->path.s[base] = 0;
	closedir(d);
	return r;
}

struct copy_arg {
	int ddir;
	unsigned depth;
};

static int copy_one(struct walk *w, int sdir, const char *name, void *arg)
{
	const struct copy_arg *a = arg;
	return copy_entry(w, sdir, a->ddir, name, a->depth);
}

static int copy_dir(struct walk *w, int sdir, int ddir, unsigned depth)
{
	struct copy_arg a = {.ddir = ddir, .depth = depth};
	return walk_entries(w, sdir, copy_one, &a);
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->cap; i++)
		free(w->links[i].path);
	free(w->links);
	free(w->path.s);
}

int fscopy_tree(int srcfd, int dstfd, struct fscopy_opts *o)
{
	struct walk w = {.o = o, .dsttop = dstfd, .max_depth = o->max_depth ? o->max_depth : FSCOPY_MAX_DEPTH};
	struct stat st;
	int r;
	if (fstat(srcfd, &st) < 0 || !S_ISDIR(st.st_mode))
		r = walk_err(&w, errno ? errno : ENOTDIR, "copy the top of");
	else if ((r = copy_dir(&w, srcfd, dstfd, 0)) == 0)
		r = set_attrs(&w, srcfd, dstfd, NULL, &st);
	walk_free(&w);
	return r;
}

/* Re-own dirfd/name (name NULL: dirfd itself) whose stat is st. */
static int reown_entry(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	uid_t uid = map_id(w, st->st_uid);
	gid_t gid = map_id(w, st->st_gid);
	char p[PATH_MAX];
	if (name && strlen(name) + 32 > sizeof(p))
		return walk_err(w, ENAMETOOLONG, "re-own");
	xa_path(p, sizeof(p), dirfd, name);
	/* chown drops the file capability: read it (and the ACLs) first */
	static const char *names[] = {"security.capability", "system.posix_acl_access", "system.posix_acl_default"};
	unsigned char *v[3] = {NULL, NULL, NULL};
	size_t size[3] = {0, 0, 0};
	bool write[3] = {false, false, false};
	int r = 0;
	bool chowned = uid != st->st_uid || gid != st->st_gid;
	for (size_t i = 0; i < 3 && r == 0 && !S_ISLNK(st->st_mode); i++) {
		int k = xa_get(p, names[i], &v[i], &size[i]);
		if (k == -ENODATA || k == -ENOTSUP)
			continue;
		if (k < 0) {
			r = cerr(EX_SYSTEM, -k, "read xattr %s of %s", names[i], wpath(w));
			break;
		}
		bool changed = false;
		k = i == 0 ? idshift_fcaps(w->o->map, v[i], size[i], &changed)
			   : idshift_acl(w->o->map, v[i], size[i], &changed);
		if (k < 0) {
			_cleanup_free_ char *e = str_escape(wpath(w));
			log_warn("dropping the malformed %s of %s", names[i], e);
			if (xa_removex(p, names[i]) < 0 && errno != ENODATA)
				r = cerr(EX_SYSTEM, errno, "remove xattr %s of %s", names[i], wpath(w));
			continue;
		}
		write[i] = changed || (i == 0 && chowned);
	}
	if (r == 0 && chowned) {
		int k = name ? fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) : fchown(dirfd, uid, gid);
		if (k < 0)
			r = walk_err(w, errno, "chown");
		else if (!S_ISLNK(st->st_mode) && (st->st_mode & 06000) &&
			 (name ? fchmodat(dirfd, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW)
			       : fchmod(dirfd, st->st_mode & 07777)) < 0)
			r = walk_err(w, errno, "chmod");
	}
	for (size_t i = 0; i < 3 && r == 0; i++)
		if (write[i] && xa_setx(p, names[i], v[i], size[i]) < 0)
			r = cerr(EX_SYSTEM, errno, "set xattr %s of %s", names[i], wpath(w));
	for (size_t i = 0; i < 3; i++)
		free(v[i]);
	if (r == 0)
		w->o->files++;
	return r;
}

static int reown_dir(struct walk *w, int dfd, unsigned depth);

static int reown_one(struct walk *w, int dfd, const char *name, void *arg)
{
	unsigned depth = *(const unsigned *)arg;
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return walk_err(w, errno, "stat");
	if (st.st_dev != w->topdev)
		return walk_err(w, EXDEV, "a mount point (not crossed) at");
	if (S_ISDIR(st.st_mode)) {
		if (depth + 1 > w->max_depth)
			return walk_err(w, ELOOP, "too deep a directory (over the walk's depth limit):");
		_cleanup_close_ int s = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return walk_err(w, errno, "open");
		struct stat sst;
		int r = same_entry(w, s, &st, &sst, "changed during the walk:");
		if (r == 0)
			r = reown_dir(w, s, depth + 1);
		if (r < 0)
			return r;
	}
	return reown_entry(w, dfd, name, &st);
}

static int reown_dir(struct walk *w, int dfd, unsigned depth) { return walk_entries(w, dfd, reown_one, &depth); }

int fscopy_reown(int dirfd, struct fscopy_opts *o)
{
	struct walk w = {.o = o, .max_depth = o->max_depth ? o->max_depth : FSCOPY_MAX_DEPTH};
	struct stat st;
	int r;
	if (!o->map)
		return 0;
	if (fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode))
		r = walk_err(&w, errno ? errno : ENOTDIR, "re-own the top of");
	else {
		w.topdev = st.st_dev;
		if ((r = reown_dir(&w, dirfd, 0)) == 0)
			r = reown_entry(&w, dirfd, NULL, &st);
	}
	walk_free(&w);
	return r;
}
