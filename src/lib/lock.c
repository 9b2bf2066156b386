/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lock.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "error.h"
#include "log.h"
#include "util.h"

int lock_format(pid_t pid, const char *op, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%d\n%s\n", (int)pid, op);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int lock_parse(const char *text, pid_t *pid, char *op, size_t oplen)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end != '\n' || v <= 0 || errno)
		return -EINVAL;
	*pid = (pid_t)v;
	const char *o = end + 1;
	size_t n = strcspn(o, "\n");
	if (n == 0 || n >= oplen)
		return -EINVAL;
	memcpy(op, o, n);
	op[n] = 0;
	return 0;
}

/* Open and flock path; loop until the locked inode is the one at path (a releaser unlinks). */
static int lock_open(const char *path, bool wait, int *out)
{
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		struct stat a, b;
		if (fstat(fd, &a) < 0)
			return -errno;
		if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			continue; /* released and unlinked under us: retry on the new file */
		*out = take_fd(&fd);
		return 0;
	}
	return -EAGAIN;
}

static int lock_path(const struct gconf *g, const char *name, char **out)
{
	_cleanup_free_ char *dir = xasprintf("%s/lock", g->run_dir);
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create lock directory %s", dir);
	*out = xasprintf("%s/%s.lck", dir, name);
	return 0;
}

int lock_note(int fd, pid_t pid, const char *op)
{
	char buf[128];
	int n = lock_format(pid, op, buf, sizeof(buf));
	if (n <= 0)
		return -EINVAL;
	if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) < 0)
		return -errno;
	return 0;
}

int ct_lock_take(const struct gconf *g, unsigned ctid, const char *op, struct ct_lock *l)
{
	char name[16];
	snprintf(name, sizeof(name), "%u", ctid);
	_cleanup_free_ char *path = NULL;
	int r = lock_path(g, name, &path);
	if (r < 0)
		return r;
	int fd = -1;
	r = lock_open(path, false, &fd);
	if (r == -EWOULDBLOCK) {
		_cleanup_free_ char *text = NULL;
		pid_t pid = 0;
		char hop[64] = "unknown";
		if (read_file_at(AT_FDCWD, path, &text, NULL) == 0)
			lock_parse(text, &pid, hop, sizeof(hop));
		return cerr(EX_LOCKED, 0, "container %u is locked by pid %d (%s)", ctid, (int)pid, hop);
	}
	if (r < 0)
		return cerr(EX_SYSTEM, r, "lock %s", path);
	if (lock_note(fd, getpid(), op) < 0)
		log_debug("write lock file %s: %m", path);
	l->fd = fd;
	l->path = TAKE_PTR(path);
	return 0;
}

int ct_lock_take_global(const struct gconf *g, const char *name, struct ct_lock *l)
{
	_cleanup_free_ char *path = NULL;
	int r = lock_path(g, name, &path);
	if (r < 0)
		return r;
	int fd = -1;
	r = lock_open(path, true, &fd);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "lock %s", path);
	l->fd = fd;
	l->path = TAKE_PTR(path);
	return 0;
}

bool ct_lock_is(const struct gconf *g, unsigned ctid, int fd)
{
	_cleanup_free_ char *path = xasprintf("%s/lock/%u.lck", g->run_dir, ctid);
	struct stat a, b;
	return fd >= 0 && fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

void ct_lock_release(struct ct_lock *l)
{
	if (l->fd >= 0) {
		if (l->path)
			unlink(l->path);
		close(l->fd);
	}
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}
