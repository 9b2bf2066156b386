/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups: the file layer both backends share. A cgroup directory opened once and checked to be
 * the one its container's start made, control-file reads and writes (each write logged at debug
 * level), tree walks and removal, and the limit-writing helpers of apply. */
#include "cgroup_int.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/magic.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

/* ---- environment (tests redirect everything below a fake root) ---- */

const char *cg_root(void)
{
	const char *r = getenv("CELLCTL_CGROUP_ROOT");
	return r && *r ? r : "/sys/fs/cgroup";
}

bool cg_root_overridden(void)
{
	const char *r = getenv("CELLCTL_CGROUP_ROOT");
	return r && *r;
}

const char *cg_sysfs_root(void)
{
	const char *r = getenv("CELLCTL_SYSFS_ROOT");
	return r && *r ? r : "/sys";
}

/* Is controller ctrl one of the comma separated names in list? */
bool cg_list_has(const char *list, const char *ctrl)
{
	size_t l = strlen(ctrl);
	for (const char *s = list; *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == l && strncmp(s, ctrl, l) == 0)
			return true;
		if (!e)
			break;
		s = e + 1;
	}
	return false;
}

/* ---- small file helpers ---- */

int cg_hier_index(const struct cg_paths *p, const char *ctrl)
{
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(ctrl, "unified") == 0 ? strcmp(p->h[i].name, "unified") == 0
						 : cg_list_has(p->h[i].name, ctrl))
			return (int)i;
	return -1;
}

char *cg_limit_dir(const struct cg_hier *h)
{
	return xasprintf("%s/%s", h->mount, h->rel);
}

void cgdir_close(struct cgdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->path);
	d->path = NULL;
}

int cgd_open(const char *path, struct cgdir *d)
{
	int fd = open(path, CGDIR_FLAGS);
	if (fd < 0)
		return -errno;
	d->fd = fd;
	d->path = xstrdup(path);
	return 0;
}

/* The cgroup name below d (the leaf, a guest's sub-cgroup). */
int cgd_sub(const struct cgdir *d, const char *name, struct cgdir *out)
{
	int fd = openat(d->fd, name, CGDIR_FLAGS);
	if (fd < 0)
		return -errno;
	out->fd = fd;
	out->path = xasprintf("%s/%s", d->path, name);
	return 0;
}

/* The parent directory of path (shared: ancestors are only read, or enabled at create). */
int cgd_open_parent(const char *path, struct cgdir *d)
{
	_cleanup_free_ char *up = xstrdup(path);
	char *slash = strrchr(up, '/');
	if (!slash || slash == up)
		return -EINVAL;
	*slash = 0;
	return cgd_open(up, d);
}

int cg_write(const struct cgdir *d, const char *file, const char *val)
{
	int r = write_file_at(d->fd, file, val);
	log_debug("cgroup write %s/%s = \"%s\"%s%s", d->path, file, val, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	return r;
}

int cg_read(const struct cgdir *d, const char *file, char **out)
{
	int r = read_file_at(d->fd, file, out, NULL);
	if (r >= 0)
		strtrim(*out);
	return r;
}

/* ---- identity ---- */

uint64_t cg_fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Open hierarchy h's limit cgroup and check that it is the one create recorded. 0; -ENOENT when it
 * is gone; -ENODATA when no identity was recorded (not created by this container's start);
 * -ESTALE when the directory is another cgroup (made anew under the same name). Records nothing. */
int cg_open_limit(const struct cg_hier *h, struct cgdir *d)
{
	if (!h->ino)
		return -ENODATA;
	_cleanup_free_ char *path = cg_limit_dir(h);
	int r = cgd_open(path, d);
	if (r < 0)
		return r;
	if (cg_fd_ino(d->fd) != h->ino) {
		cgdir_close(d);
		return -ESTALE;
	}
	return 0;
}

/* Record why h's limit cgroup cannot be used (r from cg_open_limit); returns a negative errno. */
int cg_limit_err(const struct cg_hier *h, int r)
{
	_cleanup_free_ char *path = cg_limit_dir(h);
	struct stat st;
	if (r == -ESTALE) {
		unsigned long long now = stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
		cerr(EX_CGFOREIGN, 0,
		     "cgroup %s is not the one this container was started in (inode %llu, recorded %llu; "
		     "another installation's container with the same CTID and [cgroup] parent?): left alone",
		     path, now, (unsigned long long)h->ino);
		return -ESTALE;
	}
	if (r == -ENODATA) {
		cerr(EX_CGFOREIGN, 0, "no identity of cgroup %s was recorded when the container started: not touched", path);
		return -ESTALE;
	}
	if (r == -ENOENT)
		/* made by this start (its identity is recorded) and gone: another installation's start
		 * of the same CTID took it, still empty, for one left behind */
		return cerr(EX_CGFOREIGN, ENOENT,
			    "cgroup %s was removed after this container's start made it (another installation's "
			    "start of the same CTID and [cgroup] parent?)",
			    path);
	return cerr(EX_SYSTEM, r, "open cgroup %s", path);
}

/* For the operations that tear down (kill, destroy, reset): 1 opened and verified; 0 nothing of
 * ours there (gone, or never created by this container); <0 another cgroup (error recorded). */
int cg_open_teardown(const struct cg_hier *h, struct cgdir *d)
{
	int r = cg_open_limit(h, d);
	if (r == -ENOENT || r == -ENODATA)
		return 0;
	return r < 0 ? cg_limit_err(h, r) : 1;
}

int cg_open_ctrl(const struct cg_paths *p, const char *ctrl, struct cgdir *d)
{
	int i = cg_hier_index(p, ctrl);
	if (i < 0)
		return 0;
	int r = cg_open_limit(&p->h[i], d);
	return r < 0 ? cg_limit_err(&p->h[i], r) : 1;
}

/* ---- tree walks ---- */

/* Call fn(d, sub, name, arg) for each cgroup directly below d; stops at the first non-zero return.
 * d unreadable: -errno (recorded when report); gone: 0. */
typedef int (*sub_fn)(const struct cgdir *d, const struct cgdir *sub, const char *name, void *arg);

static int each_sub(const struct cgdir *d, sub_fn fn, void *arg, bool report)
{
	int fd = openat(d->fd, ".", CGDIR_FLAGS); /* a stream of its own for readdir */
	if (fd < 0 && errno == ENOENT)
		return 0;
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		return report ? cerr(EX_SYSTEM, r, "open cgroup %s", d->path) : r;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		_cleanup_cgdir_ struct cgdir sub = CGDIR_INIT;
		if (cgd_sub(d, de->d_name, &sub) < 0)
			continue; /* a file (DT_UNKNOWN), or removed meanwhile */
		r = fn(d, &sub, de->d_name, arg);
	}
	closedir(dir);
	return r;
}

struct walk_arg {
	cg_walk_fn fn;
	void *arg;
};

static int walk_sub(const struct cgdir *d, const struct cgdir *sub, const char *name, void *arg)
{
	(void)d;
	(void)name;
	const struct walk_arg *w = arg;
	return cg_walk(sub, w->fn, w->arg);
}

int cg_walk(const struct cgdir *d, cg_walk_fn fn, void *arg)
{
	int r = fn(d, arg);
	if (r != 0)
		return r;
	struct walk_arg w = {fn, arg};
	return each_sub(d, walk_sub, &w, false);
}

/* Call fn on each pid listed in d's cgroup.procs (none when it cannot be read). */
static void each_pid(const struct cgdir *d, void (*fn)(pid_t pid, void *arg), void *arg)
{
	_cleanup_free_ char *text = NULL;
	if (cg_read(d, "cgroup.procs", &text) < 0)
		return;
	char *save = NULL;
	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		fn((pid_t)atoi(t), arg);
}

static void count_pid(pid_t pid, void *arg)
{
	(void)pid;
	(*(unsigned *)arg)++;
}

static int count_procs(const struct cgdir *d, void *arg)
{
	each_pid(d, count_pid, arg);
	return 0;
}

static void kill_pid(pid_t pid, void *arg)
{
	(void)arg;
	if (pid > 1 && pid != getpid())
		kill(pid, SIGKILL);
}

int cg_kill_procs(const struct cgdir *d, void *arg)
{
	(void)arg;
	each_pid(d, kill_pid, NULL);
	return 0;
}

struct pidlist {
	pid_t *v;
	size_t n, cap;
};

static void add_pid(pid_t pid, void *arg)
{
	struct pidlist *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap * 2 + 32;
		l->v = xrealloc(l->v, l->cap * sizeof(pid_t));
	}
	l->v[l->n++] = pid;
}

static int collect_procs(const struct cgdir *d, void *arg)
{
	each_pid(d, add_pid, arg);
	return 0;
}

size_t cg_tree_pids(const struct cg_paths *p, pid_t **pids)
{
	struct pidlist l = {0};
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		hi = cg_hier_index(p, "pids");
	if (hi < 0 && p->n)
		hi = 0;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	if (hi >= 0 && cg_open_limit(&p->h[hi], &d) == 0)
		cg_walk(&d, collect_procs, &l);
	*pids = l.v;
	return l.n;
}

static unsigned tree_procs(const struct cgdir *d)
{
	unsigned n = 0;
	cg_walk(d, count_procs, &n);
	return n;
}

/* No process in d or below (a removed cgroup is empty too). */
bool cg_tree_empty(const struct cgdir *d)
{
	_cleanup_free_ char *ev = NULL;
	if (cg_read(d, "cgroup.events", &ev) == 0) {
		char *pop = strstr(ev, "populated ");
		if (pop)
			return pop[10] == '0';
	}
	return tree_procs(d) == 0;
}

void cg_pause(unsigned *us)
{
	unsigned cur = *us ? *us : 200;
	*us = cur >= 5000 ? 10000 : cur * 2;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)cur * 1000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cg_freeze_settle(const struct cgdir *d, const char *state_file, const char *ctl_file, const char *thaw_value,
		     bool (*settled)(const char *text, bool on), bool on, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	unsigned us = 0;
	for (;;) {
		_cleanup_free_ char *st = NULL;
		int r = cg_read(d, state_file, &st);
		if (r < 0)
			return cerr(EX_FREEZE, r, "read %s/%s", d->path, state_file);
		if (settled(st, on))
			return 0;
		if (now_ms() >= end)
			break;
		cg_pause(&us);
	}
	if (on) {
		cg_write(d, ctl_file, thaw_value);
		return cerr(EX_FREEZE, ETIMEDOUT, "%s did not get frozen within %u ms (thawed again)", d->path, timeout_ms);
	}
	return cerr(EX_FREEZE, ETIMEDOUT, "%s did not thaw within %u ms", d->path, timeout_ms);
}

/* cgroup2's cgroup.events of d, open for poll(POLLPRI) (which fires when "populated" changes), or
 * -1 (v1, or not a cgroup2 file system: a test's fake tree) */
static int open_events(const struct cgdir *d)
{
	if (d->fd < 0)
		return -1;
	int fd = openat(d->fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	struct statfs sf;
	if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* "populated 0" in the events file (reading it also re-arms its poll); -1 when unreadable */
static int events_empty(int ev)
{
	char buf[256];
	ssize_t n = pread(ev, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *pop = strstr(buf, "populated ");
	return pop ? pop[10] == '0' : -1;
}

int cg_wait_empty(const struct cgdir *d, unsigned timeout_ms, bool rekill)
{
	uint64_t end = now_ms() + timeout_ms;
	_cleanup_close_ int ev = rekill ? -1 : open_events(d);
	unsigned us = 0;
	for (;;) {
		int e = ev >= 0 ? events_empty(ev) : -1;
		if (e == 1 || (e < 0 && cg_tree_empty(d)))
			return 0;
		uint64_t now = now_ms();
		if (now >= end)
			return cerr(EX_SYSTEM, ETIMEDOUT, "processes left in %s after %u ms", d->path, timeout_ms);
		if (rekill)
			cg_walk(d, cg_kill_procs, NULL);
		if (e >= 0) {
			/* at most 5 ms per poll: a "populated 0" that came within a few ms of the
			 * "populated 1" (a stop right after a start) was seen to wake nobody here until the
			 * poll ran out (every such stop took 100 ms on 6.18; the kernel rate-limits this
			 * file's notifications, the likely cause), and a re-read costs one pread */
			struct pollfd p = {.fd = ev, .events = POLLPRI};
			int left = (int)(end - now);
			poll(&p, 1, left > 5 ? 5 : left);
		} else {
			cg_pause(&us);
		}
	}
}

/* rmdir name below d, retried briefly on EBUSY (its last process may still be exiting). */
static int rmdir_at(const struct cgdir *d, const char *name)
{
	unsigned us = 0;
	for (int i = 0;; i++) {
		if (unlinkat(d->fd, name, AT_REMOVEDIR) == 0) {
			log_debug("cgroup rmdir %s/%s", d->path, name);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 40)
			return cerr(EX_SYSTEM, errno, "remove cgroup %s/%s", d->path, name);
		cg_pause(&us);
	}
}

int cg_nproc_at(const struct cg_hier *h, bool pids_current)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	_cleanup_free_ char *cur = NULL;
	uint64_t v;
	int r = cg_open_limit(h, &d);
	if (r < 0)
		return r == -ESTALE ? r : 0;
	if (pids_current && cg_read(&d, "pids.current", &cur) == 0 && parse_u64(cur, &v) == 0)
		return v > INT32_MAX ? INT32_MAX : (int)v;
	return (int)tree_procs(&d);
}

static int rm_sub(const struct cgdir *d, const struct cgdir *sub, const char *name, void *arg)
{
	(void)arg;
	int r = cg_rm_below(sub);
	return r < 0 ? r : rmdir_at(d, name);
}

/* rmdir every cgroup below d (not d itself), deepest first. */
int cg_rm_below(const struct cgdir *d)
{
	return each_sub(d, rm_sub, NULL, true);
}

/* Remove the cgroup name below parent with everything below it, if it is the cgroup ino (any
 * when ino is 0). 0 removed or missing; -ESTALE another cgroup (nothing recorded). */
int cg_remove_cgroup(const struct cgdir *parent, const char *name, uint64_t ino)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cgd_sub(parent, name, &d);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s/%s", parent->path, name);
	if (ino && cg_fd_ino(d.fd) != ino)
		return -ESTALE;
	/* the usual shape first, a limit cgroup with its leaf and nothing else: two rmdirs instead
	 * of a walk (a readdir of each); anything else (a guest's sub-cgroups, a process still
	 * exiting) fails here and is walked below */
	if (unlinkat(d.fd, LEAF, AT_REMOVEDIR) == 0)
		log_debug("cgroup rmdir %s/" LEAF, d.path);
	if (unlinkat(parent->fd, name, AT_REMOVEDIR) == 0) {
		log_debug("cgroup rmdir %s/%s", parent->path, name);
		return 0;
	}
	if ((r = cg_rm_below(&d)) < 0)
		return r;
	return rmdir_at(parent, name);
}

/* ---- block devices ---- */

int cg_blkdev_whole_disk(const char *sysroot, unsigned maj, unsigned min, unsigned *wmaj, unsigned *wmin)
{
	_cleanup_free_ char *dir = xasprintf("%s/dev/block/%u:%u", sysroot, maj, min);
	_cleanup_free_ char *part = xasprintf("%s/partition", dir);
	/* ".." after the symlinked device dir resolves physically: the parent disk */
	_cleanup_free_ char *devf = access(part, F_OK) == 0 ? xasprintf("%s/../dev", dir) : xasprintf("%s/dev", dir);
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, devf, &text, NULL);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	if (sscanf(text, "%u:%u", wmaj, wmin) != 2)
		return -EINVAL;
	return 0;
}

static int private_disk(const char *private_path, unsigned *maj, unsigned *min)
{
	if (!private_path)
		return -ENOENT;
	struct stat st;
	if (stat(private_path, &st) < 0)
		return -errno;
	return cg_blkdev_whole_disk(cg_sysfs_root(), major(st.st_dev), minor(st.st_dev), maj, min);
}
int cg_io_disk(struct wctx *w, const char *private_path, bool io_set, unsigned *maj, unsigned *min)
{
	int r = private_disk(private_path, maj, min);
	if (r == 0)
		return 1;
	if (!io_set)
		return 0;
	r = cerr(EX_IOLIMIT, r, "find the disk behind %s for iolimit", private_path ? private_path : "(none)");
	return cg_wfail(w, r);
}

static unsigned host_cpus(void)
{
	int n = get_nprocs();
	return n > 0 ? (unsigned)n : 1;
}

/* cfs quota in us per 100000 us period, 0 for none: cpulimit capped at cpus x 100%. */
uint64_t cg_cpu_quota(const struct ct_config *c)
{
	uint64_t q = 0;
	if (c->cpulimit) {
		q = (uint64_t)c->cpulimit * 1000;
		if (c->cpulimit_host)
			q *= host_cpus();
	}
	if (c->cpus) {
		uint64_t cap = (uint64_t)c->cpus * 100000;
		if (!q || q > cap)
			q = cap;
	}
	return q;
}

/* ---- apply ---- */

/* Write one limit file. must: the value is not the default, so a missing file is an error
 * (otherwise the controller may simply be absent and nothing is lost). Returns <0 only when the
 * caller must stop (live). */
int cg_wlimit(struct wctx *w, const struct cgdir *d, const char *ctrl, const char *file, const char *val, bool must,
	      int excode)
{
	int r = cg_write(d, file, val);
	if (r == 0)
		return 0;
	if (r == -ENOENT) {
		if (!must) {
			log_debug("cgroup %s/%s missing: %s left as is", d->path, file, val);
			return 0;
		}
		r = cerr(excode, ENOENT, "controller %s not available (missing %s/%s)", ctrl, d->path, file);
	} else {
		r = cerr(excode, r, "write \"%s\" to %s/%s", val, d->path, file);
	}
	return cg_wfail(w, r);
}

int cg_wfail(struct wctx *w, int r)
{
	if (!w->err)
		w->err = r;
	return w->live ? r : 0;
}

void cg_fmt_u64_or(char *buf, size_t len, uint64_t v, const char *unset)
{
	if (v == SIZE_UNLIMITED)
		snprintf(buf, len, "%s", unset);
	else
		snprintf(buf, len, "%" PRIu64, v);
}
