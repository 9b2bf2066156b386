/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Safe filesystem work on untrusted trees: removal that never follows symlinks or crosses
 * mounts, and in-root opens and writes for host-side edits of a guest's files (DESIGN §4). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "util.h"

/* Past this depth, subdirectories are moved up to the top of the tree being removed and dealt
 * with from there, so a hostile guest's very deep tree cannot exhaust fds or the stack. */
#define RM_MAX_DEPTH 128

struct rm_ctx {
	int topfd;         /* the directory being removed (its contents) */
	uint64_t mnt_id;   /* mount id (or st_dev when the kernel lacks STATX_MNT_ID) */
	bool use_mnt_id;
	unsigned moved;    /* subtrees moved up to topfd in this pass */
	unsigned long seq; /* for unique names of moved subtrees */
	int err;           /* first error seen */
	unsigned nerr;     /* errors seen */
};

static void rm_note(struct rm_ctx *c, int r)
{
	if (r >= 0)
		return;
	c->nerr++;
	if (c->err == 0 || (c->err == -EBUSY && r != -EBUSY))
		c->err = r;
}

/* Mount identity of a statx result; mount roots are reported as "other mount". */
static bool same_mount(const struct rm_ctx *c, const struct statx *sx)
{
	if ((sx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx->stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return false;
	if (c->use_mnt_id)
		return (sx->stx_mask & STATX_MNT_ID) && sx->stx_mnt_id == c->mnt_id;
	return (uint64_t)makedev(sx->stx_dev_major, sx->stx_dev_minor) == c->mnt_id;
}

static int rm_contents(struct rm_ctx *c, int dfd, unsigned depth);

/* Remove the directory entry name inside dfd (a directory on our mount). */
static void rm_entry(struct rm_ctx *c, int dfd, const char *name, unsigned depth)
{
	struct statx sx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MNT_ID, &sx) < 0) {
		if (errno != ENOENT)
			rm_note(c, -errno);
		return;
	}
	if (!same_mount(c, &sx)) {
		log_warn("not removing mount point %s (inside the tree being removed)", name);
		rm_note(c, -EBUSY);
		return;
	}
	if (!S_ISDIR(sx.stx_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			rm_note(c, -errno);
		return;
	}
	if (depth >= RM_MAX_DEPTH) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), ".cellctl-rm-%d-%lu", (int)getpid(), c->seq++);
		if (renameat(dfd, name, c->topfd, tmp) < 0)
			rm_note(c, -errno);
		else
			c->moved++;
		return;
	}
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (sub < 0) {
		if (errno != ENOENT)
			rm_note(c, -errno);
		return;
	}
	/* the thing opened must still be on our mount (no swap between statx and open) */
	if (statx(sub, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MNT_ID, &sx) < 0 || !same_mount(c, &sx)) {
		close(sub);
		rm_note(c, -EBUSY);
		return;
	}
	int r = rm_contents(c, sub, depth + 1); /* closes sub */
	if (r < 0)
		return;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rm_note(c, -errno);
}

/* Remove everything inside dfd; takes ownership of dfd. 0 when it is now empty. */
static int rm_contents(struct rm_ctx *c, int dfd, unsigned depth)
{
	unsigned before = c->nerr;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int r = -errno;
		close(dfd);
		rm_note(c, r);
		return r;
	}
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				rm_note(c, -errno);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rm_entry(c, dirfd(d), de->d_name, depth);
	}
	closedir(d);
	return c->nerr != before ? c->err : 0;
}

int fs_remove_tree(int dirfd, const char *name)
{
	if (dirfd < 0 && dirfd != AT_FDCWD)
		return -EBADF;
	if (!name || !*name)
		return -EINVAL;
	struct statx sx, psx;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MNT_ID, &sx) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(sx.stx_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		log_warn("not removing %s: it is a mount point", name);
		return -EBUSY;
	}

	struct rm_ctx c = {.topfd = -1, .use_mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0};
	c.mnt_id = c.use_mnt_id ? (uint64_t)sx.stx_mnt_id : (uint64_t)makedev(sx.stx_dev_major, sx.stx_dev_minor);
	_cleanup_close_ int top = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (top < 0)
		return errno == ENOENT ? 0 : -errno;
	if (statx(top, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MNT_ID, &psx) < 0)
		return -errno;
	if (!same_mount(&c, &psx))
		return -EBUSY;
	c.topfd = top;
	do {
		c.moved = 0;
		int d = fcntl(top, F_DUPFD_CLOEXEC, 3);
		if (d < 0)
			return -errno;
		/* dup shares the offset: rewind so every pass sees the whole directory */
		lseek(d, 0, SEEK_SET);
		rm_contents(&c, d, 0);
	} while (c.moved > 0);
	if (c.err < 0)
		return c.err;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* openat2, retried where the kernel asks (EAGAIN: a concurrent rename or mount made the in-root
 * resolution unsafe) */
static int openat2_retry(int dirfd, const char *path, struct open_how *how)
{
	for (int tries = 0;; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (fd >= 0)
			return (int)fd;
		if ((errno == EAGAIN || errno == EINTR) && tries < 16)
			continue;
		return -errno;
	}
}

int guest_open(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	if (rootfd < 0)
		return -EBADF;
	if (!path || !*path)
		path = "/";
	return openat2_retry(rootfd, path, &how);
}

int guest_open_nofollow(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC | O_NOFOLLOW),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	return openat2_retry(rootfd, path, &how);
}

bool guest_exists(int rootfd, const char *path)
{
	int fd = guest_open(rootfd, path, O_PATH, 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int guest_put(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		     bool durable)
{
	if (!path)
		return -EINVAL;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strlen(base) > 200)
		return -EINVAL;
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	_cleanup_close_ int dfd = guest_open(rootfd, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;

	char tmp[256];
	_cleanup_close_ int fd = -1;
	for (unsigned i = 0; fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), ".#%s.%d.%llx", base, (int)getpid(),
			 (unsigned long long)(now_ms() * 7919u + i * 104729u));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode & 07777);
		if (fd < 0 && (errno != EEXIST || i > 100))
			return -errno;
	}
	int r = write_full(fd, data, len);
	if (r == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		r = -errno;
	/* after chown (which drops set-id bits) and regardless of the umask */
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	if (!durable)
		return 0;
	_cleanup_close_ int sync_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sync_fd >= 0)
		fsync(sync_fd);
	return 0;
}

int guest_write_file(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	return guest_put(rootfd, path, data, len, mode, uid, gid, true);
}

int guest_replace_file(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	return guest_put(rootfd, path, data, len, mode, uid, gid, false);
}

#define MAX_GUEST_FILE (1u << 20) /* the guest owns these files: refuse to slurp anything huge */

int fs_open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		/* (openat2 refuses O_NOCTTY beside O_PATH) */
		.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	if (!path || !*path)
		path = ".";
	return openat2_retry(dirfd, path, &how);
}

/* Open for real (flags) what the O_PATH descriptor pfd refers to, when it is a regular file: a
 * device node, FIFO or socket is never opened, so no driver ever sees an open from us. Takes
 * ownership of pfd. -errno, with errno set too. */
static int reopen_regular(int pfd, int flags)
{
	_cleanup_close_ int fd = pfd;
	struct stat st;
	int r;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
	} else {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		/* (O_NOFOLLOW would refuse the magic link itself: the O_PATH open did not follow) */
		r = open(p, (flags & ~(O_CREAT | O_TRUNC | O_PATH | O_DIRECTORY | O_NOFOLLOW)) | O_CLOEXEC | O_NOCTTY);
		if (r < 0)
			r = -errno;
	}
	if (r < 0)
		errno = -r;
	return r;
}

int fs_open_regular(int dirfd, const char *name, int flags)
{
	int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return reopen_regular(pfd, flags);
}

int guest_open_regular(int rootfd, const char *path, int flags)
{
	int pfd = guest_open(rootfd, path, O_PATH, 0);
	if (pfd < 0)
		return pfd;
	return reopen_regular(pfd, flags);
}

/* Read path inside the guest. *text NULL and *mode 0 when it does not exist or is not a regular
 * file (it gets replaced): only regular files are ever opened. */
int guest_read(int rootfd, const char *path, char **text, mode_t *mode)
{
	*text = NULL;
	*mode = 0;
	_cleanup_close_ int fd = guest_open_regular(rootfd, path, O_RDONLY | O_NONBLOCK);
	if (fd == -ENOENT || fd == -EINVAL)
		return 0;
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > MAX_GUEST_FILE)
		return -EFBIG;
	char *buf = xmalloc((size_t)st.st_size + 1);
	ssize_t n = read_full(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	buf[n] = 0;
	*text = buf;
	*mode = st.st_mode;
	return 0;
}

/* Remove path inside the guest (its last component is never followed). */
int guest_unlink(int rootfd, const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
	_cleanup_close_ int dfd = guest_open(rootfd, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, slash ? slash + 1 : path, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Create parent/name inside the guest (mode 0755, owned by uid:gid) when missing. */
int guest_mkdir(int rootfd, const char *parent, const char *name, uid_t uid, gid_t gid)
{
	_cleanup_close_ int dfd = guest_open(rootfd, parent, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	log_debug("create %s/%s in the container", parent, name);
	if (mkdirat(dfd, name, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

bool guest_is_dir(int rootfd, const char *path)
{
	int fd = guest_open(rootfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}
