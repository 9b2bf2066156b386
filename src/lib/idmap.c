/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User-id blocks: chosen under run_dir/lock/idmap.lck, held by a reservation file until the
 * container's config records them, so that no global lock is held while a template unpacks. */
#include "idmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "lock.h"
#include "log.h"
#include "util.h"

static void add_base(uint32_t **v, unsigned *n, uint32_t b)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = b;
}

/* Bases of live reservations in dir; stale ones (no flock holder) are removed. */
static void scan_reservations(int dfd, uint32_t **v, unsigned *n)
{
	int fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d) {
		if (fd2 >= 0)
			close(fd2);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned id;
		if (parse_uint(de->d_name, 1, UINT32_MAX, &id) < 0)
			continue;
		_cleanup_close_ int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			log_debug("removing the stale uid block reservation of container %u", id);
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		char buf[32];
		ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);
		unsigned b;
		if (k <= 0)
			continue;
		buf[k] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (parse_uint(buf, 0, UINT32_MAX, &b) == 0 && b)
			add_base(v, n, b);
	}
	closedir(d);
}

struct base_scan {
	uint32_t **v;
	unsigned *n;
};

static int config_base(unsigned ctid, struct ct_config **c, void *arg)
{
	(void)ctid;
	struct base_scan *s = arg;
	if ((*c)->userns && (*c)->uid_base)
		add_base(s->v, s->n, (*c)->uid_base);
	return 0;
}

/* Bases recorded in container configs (broken ones are skipped: not our error). */
static void scan_configs(const struct gconf *g, uint32_t **v, unsigned *n)
{
	struct base_scan s = {v, n};
	if (ctconf_foreach(g, 0, config_base, &s) < 0)
		cerr_clear(); /* an unreadable config_dir: the reservations still count */
}

static int choose(const struct gconf *g, const uint32_t *bases, unsigned nb, uint32_t *out)
{
	uint64_t cand = g->userns_base;
	for (bool moved = true; moved;) {
		moved = false;
		for (unsigned i = 0; i < nb; i++)
			if (cand < (uint64_t)bases[i] + g->userns_size && bases[i] < cand + g->userns_size) {
				cand = (uint64_t)bases[i] + g->userns_size;
				moved = true;
			}
	}
	if (cand + g->userns_size > UINT32_MAX)
		return cerr(EX_RESOURCE, 0, "no free user id block above %u", g->userns_base);
	*out = (uint32_t)cand;
	return 0;
}

static char *res_dir(const struct gconf *g)
{
	return xasprintf("%s/idmap", g->run_dir);
}

int idmap_reserve(const struct gconf *g, unsigned ctid, uint32_t *base, struct idmap_res *res)
{
	_cleanup_free_ char *dir = res_dir(g);
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", dir);
	struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take_global(g, "idmap", &lk)) < 0)
		return r;
	/* reservations first: one that goes away meanwhile had its config written before */
	_cleanup_free_ uint32_t *bases = NULL;
	unsigned nb = 0;
	char name[16];
	snprintf(name, sizeof(name), "%u", ctid);
	unlinkat(dfd, name, 0); /* ours from a create that died (we hold the CT lock) */
	scan_reservations(dfd, &bases, &nb);
	scan_configs(g, &bases, &nb);
	uint32_t b = 0;
	r = choose(g, bases, nb, &b);
	int fd = -1;
	if (r == 0) {
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		char text[16];
		int len = snprintf(text, sizeof(text), "%u\n", b);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || write_full(fd, text, (size_t)len) < 0) {
			r = cerr(EX_SYSTEM, errno, "reserve the user id block in %s/%s", dir, name);
			if (fd >= 0) {
				unlinkat(dfd, name, 0);
				close(fd);
			}
		}
	}
	ct_lock_release(&lk);
	if (r < 0)
		return r;
	log_debug("user id block %u reserved for container %u", b, ctid);
	*base = b;
	res->g = g;
	res->fd = fd;
	res->path = xasprintf("%s/%s", dir, name);
	return 0;
}

void idmap_release(struct idmap_res *res)
{
	if (res->fd >= 0) {
		/* under the lock: a chooser sees the config or the reservation, never neither */
		struct ct_lock lk = CT_LOCK_INIT;
		(void)ct_lock_take_global(res->g, "idmap", &lk);
		unlink(res->path);
		close(res->fd);
		ct_lock_release(&lk);
	}
	res->fd = -1;
	free(res->path);
	res->path = NULL;
}

int idmap_userns_fd(uint32_t inside, uint32_t outside, uint32_t count)
{
	/* go: parent -> child (its end means "exit"); who: child -> parent, the child's pid as this
	 * /proc names it (the caller may be in another pid namespace than its /proc, as the mount
	 * builder is: clone's pid would name another process there) */
	int go[2], who[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(who, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	/* raw clone: the child is born in the new namespace and only waits, no fork handlers needed */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char self[32], ch;
		close(go[1]);
		close(who[0]);
		ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
		if (n > 0 && write(who[1], self, (size_t)n) != n)
			_exit(1);
		close(who[1]);
		while (read(go[0], &ch, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	close(who[1]);
	int fd = -1;
	char self[32];
	ssize_t k = pid > 0 ? read(who[0], self, sizeof(self) - 1) : -1;
	close(who[0]);
	unsigned long procpid = 0;
	if (k > 0) {
		self[k] = 0;
		char *end;
		procpid = strtoul(self, &end, 10);
		if (*end || procpid == 0 || procpid > INT32_MAX)
			procpid = 0;
	}
	if (procpid) {
		char path[64], map[64];
		int n = snprintf(map, sizeof(map), "%u %u %u\n", inside, outside, count);
		bool ok = true;
		for (int i = 0; i < 2 && ok; i++) {
			snprintf(path, sizeof(path), "/proc/%lu/%s", procpid, i ? "gid_map" : "uid_map");
			int m = open(path, O_WRONLY | O_CLOEXEC);
			ok = m >= 0 && write(m, map, (size_t)n) == n;
			if (m >= 0)
				close(m);
		}
		snprintf(path, sizeof(path), "/proc/%lu/ns/user", procpid);
		if (ok)
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	close(go[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return fd;
}

int idmap_probe(const char *dir, uint32_t base, uint32_t size, const char **why)
{
	int ns = idmap_userns_fd(0, base, size);
	if (ns < 0) {
		*why = "no user namespace could be made to test it";
		return 0;
	}
	int t = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
	int r = 1;
	if (t < 0) {
		*why = "it cannot be bound (open_tree)";
		r = 0;
	} else if (mount_setattr(t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		*why = "its filesystem does not support idmapped mounts";
		r = 0;
	}
	if (t >= 0)
		close(t);
	close(ns);
	return r;
}
