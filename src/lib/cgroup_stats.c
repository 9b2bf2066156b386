/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups: beancounter-style statistics of a container, read from its limit cgroups (v2 and v1
 * counters), never recording an error. */
#include "cgroup_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- stats (beancounters) ---- */

const char *cg_res_name(enum cg_res r)
{
	static const char *const names[CG_RES_N] = {"physpages", "swappages", "numproc", "cputime", "iobytes", "ioops"};
	return (unsigned)r < CG_RES_N ? names[r] : "?";
}

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (LONG_MAX rounded down to a page). */
#define V1_UNLIMITED_BYTES 0x7FFFFFFFFFFFF000ULL

/* The parents of the limit cgroups ([cgroup] parent in each hierarchy), opened once per process:
 * ubc and list read hundreds of containers below the same few, and the walk of the whole path
 * (/sys/fs/cgroup/HIER/.../parent/CTID) per container and hierarchy was a good part of their
 * time. A parent is the host's own directory (a guest is given its leaf only); one that was
 * removed and made again meanwhile (a last stop, then a start) is opened again. */
#define ST_PARENTS 16
static struct {
	char *path;
	int fd;
} st_parents[ST_PARENTS];
static unsigned st_nparents;

/* fd of the directory path (len bytes of it), cached; -1 when it cannot be opened. fresh: open
 * it again (the cached one was removed). */
static int st_parent_fd(const char *path, size_t len, bool fresh)
{
	unsigned i = 0;
	for (; i < st_nparents; i++)
		if (strlen(st_parents[i].path) == len && strncmp(st_parents[i].path, path, len) == 0)
			break;
	if (i < st_nparents && !fresh)
		return st_parents[i].fd;
	if (i == st_nparents && st_nparents == ST_PARENTS)
		return -1;
	_cleanup_free_ char *dir = xstrndup(path, len);
	int fd = open(dir, CGDIR_FLAGS);
	if (fd < 0)
		return -1;
	if (i < st_nparents) {
		close(st_parents[i].fd);
		st_parents[i].fd = fd;
		return fd;
	}
	st_parents[i].path = dir;
	dir = NULL;
	st_parents[i].fd = fd;
	st_nparents++;
	return fd;
}

/* The limit cgroup's fd below its cached parent (O_NOFOLLOW), checked against the identity
 * recorded at start; -1 when that cannot be done (the caller opens the whole path). */
static int st_open_below(const struct cg_hier *h, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path || !slash[1])
		return -1;
	for (int again = 0; again < 2; again++) {
		int up = st_parent_fd(path, (size_t)(slash - path), again);
		if (up < 0)
			return -1;
		int fd = openat(up, slash + 1, CGDIR_FLAGS);
		if (fd >= 0) {
			if (cg_fd_ino(fd) == h->ino)
				return fd;
			close(fd);
			return -2; /* another cgroup: not the container's */
		}
		if (errno != ENOENT)
			return -1;
	}
	return -2; /* gone, also below a parent opened again */
}

/* Stats read control files relative to an fd of each limit cgroup (one path walk per hierarchy,
 * not per file: ubc over hundreds of containers stays fast), checked to be the container's own.
 * dfd < 0: missing (or not the container's cgroup: nothing is read from another's). */
static int st_open(const struct cg_hier *h)
{
	if (!h->ino)
		return -1;
	_cleanup_free_ char *path = cg_limit_dir(h);
	int fd = st_open_below(h, path);
	if (fd != -1)
		return fd < 0 ? -1 : fd;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	return cg_open_limit(h, &d) == 0 ? take_fd(&d.fd) : -1;
}

/* A control file's text, trimmed: one read into a page on the stack (ubc reads some 25 files per
 * container), a larger file read whole. */
static int st_read(int dfd, const char *file, char **out)
{
	if (dfd < 0)
		return -ENOENT;
	char buf[4096];
	ssize_t n = read_small_at(dfd, file, buf, sizeof(buf));
	if (n >= 0) {
		*out = xstrdup(strtrim(buf));
		return 0;
	}
	if (n != -EFBIG)
		return (int)n;
	int r = read_file_at(dfd, file, out, NULL);
	if (r >= 0)
		strtrim(*out);
	return r;
}

/* A single-value control file: a number, "max" (CG_STAT_UNLIMITED), else CG_STAT_NONE. */
static uint64_t st_val(int dfd, const char *file)
{
	char buf[128];
	uint64_t v;
	if (dfd < 0 || read_small_at(dfd, file, buf, sizeof(buf)) < 0)
		return CG_STAT_NONE;
	char *text = strtrim(buf);
	if (strcmp(text, "max") == 0)
		return CG_STAT_UNLIMITED;
	if (parse_u64(text, &v) < 0)
		return CG_STAT_NONE;
	return v;
}

/* "key value" line of a flat keyed file (memory.events, cpu.stat, pids.events); NONE when absent. */
static uint64_t st_key(int dfd, const char *file, const char *key)
{
	char buf[4096];
	_cleanup_free_ char *big = NULL;
	char *text = buf;
	ssize_t got = dfd < 0 ? -ENOENT : read_small_at(dfd, file, buf, sizeof(buf));
	if (got == -EFBIG && read_file_at(dfd, file, &big, NULL) >= 0)
		text = strtrim(big);
	else if (got < 0)
		return CG_STAT_NONE;
	else
		text = strtrim(buf);
	size_t kl = strlen(key);
	for (char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		uint64_t v;
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
			char num[32];
			size_t n = strcspn(l + kl + 1, "\n");
			if (n >= sizeof(num))
				return CG_STAT_NONE;
			memcpy(num, l + kl + 1, n);
			num[n] = 0;
			return parse_u64(num, &v) == 0 ? v : CG_STAT_NONE;
		}
	}
	return CG_STAT_NONE;
}

static uint64_t st_add(uint64_t a, uint64_t b)
{
	if (a == CG_STAT_NONE)
		return b;
	if (b == CG_STAT_NONE)
		return a;
	return a + b;
}

static uint64_t st_pages(uint64_t bytes)
{
	if (bytes == CG_STAT_NONE || bytes == CG_STAT_UNLIMITED || bytes >= V1_UNLIMITED_BYTES)
		return bytes == CG_STAT_NONE ? CG_STAT_NONE : CG_STAT_UNLIMITED;
	return bytes / 4096;
}

static void st_none(struct cg_stat *s)
{
	s->held = s->maxheld = s->barrier = s->limit = s->failcnt = CG_STAT_NONE;
}

/* Event counters that some kernels keep in the cgroup of the task concerned only (v1
 * memory.oom_control oom_kill; pids.events max before 6.12 and on v1): the limit cgroup's plus
 * its leaf's, where every guest process runs. Sub-cgroups a guest makes below its leaf are not
 * walked, to keep ubc cheap. */
static uint64_t st_key_leaf(int dfd, const char *file, const char *key)
{
	char leaf[64]; /* LEAF/file, opened in one openat (no fd of the leaf directory) */
	snprintf(leaf, sizeof(leaf), LEAF "/%s", file);
	return st_add(st_key(dfd, file, key), st_key(dfd, leaf, key));
}

/* pids.events.local there: -1 not looked up yet, per version of the hierarchy (v1, v2) */
static int pids_local[2] = {-1, -1};

void cg_stats_forget(void)
{
	for (unsigned i = 0; i < st_nparents; i++) {
		close(st_parents[i].fd);
		free(st_parents[i].path);
	}
	st_nparents = 0;
	pids_local[0] = pids_local[1] = -1;
}

/* pids.events "max" is hierarchical when the kernel also has pids.events.local (v2, 6.12+): a
 * property of the kernel and the hierarchy's version, looked up once per process for each. */
static uint64_t pids_failcnt(int dfd, bool v2)
{
	/* v1 counts a refused fork in the forking task's cgroup only, and no task runs in the limit
	 * cgroup itself (all are in its leaf or below): the leaf's count is the sum */
	if (!v2)
		return st_key(dfd, LEAF "/pids.events", "max");
	int *local = pids_local;
	if (local[v2] < 0)
		local[v2] = faccessat(dfd, "pids.events.local", F_OK, 0) == 0;
	if (local[v2])
		return st_key(dfd, "pids.events", "max");
	return st_key_leaf(dfd, "pids.events", "max");
}

static void stat_numproc(int dfd, bool v2, struct cg_stat *s)
{
	st_none(s);
	s->held = st_val(dfd, "pids.current");
	if (s->held == CG_STAT_NONE)
		return;
	s->maxheld = st_val(dfd, "pids.peak");
	s->limit = st_val(dfd, "pids.max");
	s->barrier = s->limit;
	s->failcnt = pids_failcnt(dfd, v2);
}

/* Call fn on each "key=number" word of the "MAJ:MIN k=v ..." lines of io.stat or io.max (words
 * whose value is not a number, such as "max", are skipped). */
static void each_io_kv(const char *text, void (*fn)(const char *key, uint64_t v, void *arg), void *arg)
{
	_cleanup_free_ char *buf = xstrdup(text);
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(t, '=');
		uint64_t v;
		if (!eq)
			continue;
		*eq = 0;
		if (parse_u64(eq + 1, &v) == 0)
			fn(t, v, arg);
	}
}

struct io_min {
	const char *k1, *k2;
	uint64_t best;
};

static void io_min_kv(const char *key, uint64_t v, void *arg)
{
	struct io_min *m = arg;
	if ((strcmp(key, m->k1) == 0 || strcmp(key, m->k2) == 0) && v < m->best)
		m->best = v;
}

/* The smallest finite value of the given keys over the lines of io.max; UNLIMITED when every one
 * is "max" (or there are no lines). */
static uint64_t io_max_min(const char *text, const char *k1, const char *k2)
{
	struct io_min m = {k1, k2, CG_STAT_UNLIMITED};
	each_io_kv(text, io_min_kv, &m);
	return m.best;
}

/* io.stat: the sums of rbytes, wbytes, rios and wios over every device. */
static void io_sum_kv(const char *key, uint64_t v, void *arg)
{
	static const char *const keys[4] = {"rbytes", "wbytes", "rios", "wios"};
	uint64_t *sum = arg;
	for (unsigned k = 0; k < 4; k++)
		if (strcmp(key, keys[k]) == 0)
			sum[k] += v;
}

int cg2_stats(const struct cg_paths *p, struct cg_stat st[CG_RES_N])
{
	for (unsigned i = 0; i < CG_RES_N; i++)
		st_none(&st[i]);
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_close_ int dir = st_open(&p->h[hi]);
	if (dir < 0)
		return -ENOENT;

	struct cg_stat *s = &st[CG_RES_PHYSPAGES];
	s->held = st_pages(st_val(dir, "memory.current"));
	if (s->held != CG_STAT_NONE) {
		s->maxheld = st_pages(st_val(dir, "memory.peak"));
		s->barrier = 0;
		s->limit = st_pages(st_val(dir, "memory.max"));
		s->failcnt = st_add(st_key(dir, "memory.events", "max"), st_key(dir, "memory.events", "oom_kill"));
	}
	s = &st[CG_RES_SWAPPAGES];
	s->held = st_pages(st_val(dir, "memory.swap.current"));
	if (s->held != CG_STAT_NONE) {
		s->maxheld = st_pages(st_val(dir, "memory.swap.peak"));
		s->barrier = 0;
		s->limit = st_pages(st_val(dir, "memory.swap.max"));
		s->failcnt = st_key(dir, "memory.swap.events", "max");
	}
	stat_numproc(dir, true, &st[CG_RES_NUMPROC]);

	s = &st[CG_RES_CPUTIME];
	_cleanup_free_ char *cpustat = NULL;
	if (st_read(dir, "cpu.stat", &cpustat) == 0) {
		unsigned long long v;
		char *k = strstr(cpustat, "usage_usec ");
		if (k && sscanf(k + 11, "%llu", &v) == 1)
			s->held = s->maxheld = v;
		k = strstr(cpustat, "nr_throttled ");
		if (k && sscanf(k + 13, "%llu", &v) == 1)
			s->failcnt = v;
	}
	if (s->held != CG_STAT_NONE) {
		_cleanup_free_ char *max = NULL;
		unsigned long long q, per;
		s->barrier = 0;
		if (st_read(dir, "cpu.max", &max) == 0) {
			if (strncmp(max, "max", 3) == 0)
				s->limit = CG_STAT_UNLIMITED;
			else if (sscanf(max, "%llu %llu", &q, &per) == 2 && per)
				s->limit = q * 100 / per;
		}
	}

	_cleanup_free_ char *io = NULL, *iomax = NULL;
	if (st_read(dir, "io.stat", &io) == 0) {
		uint64_t sum[4] = {0, 0, 0, 0};
		each_io_kv(io, io_sum_kv, sum);
		bool have_max = st_read(dir, "io.max", &iomax) == 0;
		st[CG_RES_IOBYTES].held = st[CG_RES_IOBYTES].maxheld = sum[0] + sum[1];
		st[CG_RES_IOOPS].held = st[CG_RES_IOOPS].maxheld = sum[2] + sum[3];
		st[CG_RES_IOBYTES].barrier = st[CG_RES_IOOPS].barrier = 0;
		if (have_max) {
			st[CG_RES_IOBYTES].limit = io_max_min(iomax, "rbps", "wbps");
			st[CG_RES_IOOPS].limit = io_max_min(iomax, "riops", "wiops");
		}
	}
	return 0;
}

/* blkio.throttle.io_service_bytes / io_serviced: "MAJ:MIN Read N" ... "Total N"; sum Read+Write. */
static uint64_t blkio_sum(int dfd, const char *file)
{
	_cleanup_free_ char *rec = xasprintf("%s_recursive", file);
	_cleanup_free_ char *text = NULL;
	if (st_read(dfd, rec, &text) < 0 && st_read(dfd, file, &text) < 0)
		return CG_STAT_NONE;
	uint64_t sum = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char op[16];
		unsigned long long v;
		if (sscanf(l, "%*u:%*u %15s %llu", op, &v) == 2 && (strcmp(op, "Read") == 0 || strcmp(op, "Write") == 0))
			sum += v;
	}
	return sum;
}

/* blkio.throttle.*_device: "MAJ:MIN N" lines; the smallest N over both files, else UNLIMITED. */
static uint64_t blkio_limit(int dfd, const char *f1, const char *f2)
{
	uint64_t best = CG_STAT_UNLIMITED;
	const char *files[2] = {f1, f2};
	for (unsigned i = 0; i < 2; i++) {
		_cleanup_free_ char *text = NULL;
		if (st_read(dfd, files[i], &text) < 0)
			continue;
		char *save = NULL;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			unsigned long long v;
			if (sscanf(l, "%*u:%*u %llu", &v) == 1 && v && v < best)
				best = v;
		}
	}
	return best;
}

/* O_PATH fd of the limit cgroup in the hierarchy holding ctrl, -1 when none. */
static int v1_fd(const struct cg_paths *p, const char *ctrl)
{
	int i = cg_hier_index(p, ctrl);
	if (i < 0)
		return -1;
	return st_open(&p->h[i]);
}

int cg1_stats(const struct cg_paths *p, struct cg_stat st[CG_RES_N])
{
	for (unsigned i = 0; i < CG_RES_N; i++)
		st_none(&st[i]);
	if (!p->n)
		return -ENOENT;
	_cleanup_close_ int mem = v1_fd(p, "memory"), pids = v1_fd(p, "pids"), cpu = v1_fd(p, "cpu");
	_cleanup_close_ int acct = v1_fd(p, "cpuacct"), blkio = v1_fd(p, "blkio");
	_cleanup_close_ int uni = p->mode == CG_HYBRID ? v1_fd(p, "unified") : -1;
	/* gone: the hierarchy that tracks processes (unified in hybrid mode), else memory, else any */
	bool gone;
	if (p->mode == CG_HYBRID && cg_hier_index(p, "unified") >= 0)
		gone = uni < 0;
	else if (cg_hier_index(p, "memory") >= 0)
		gone = mem < 0;
	else {
		_cleanup_close_ int any = v1_fd(p, p->h[0].name);
		gone = any < 0;
	}
	if (gone)
		return -ENOENT;

	struct cg_stat *s = &st[CG_RES_PHYSPAGES];
	uint64_t usage = st_val(mem, "memory.usage_in_bytes");
	uint64_t maxu = st_val(mem, "memory.max_usage_in_bytes");
	uint64_t lim = st_val(mem, "memory.limit_in_bytes");
	if (usage != CG_STAT_NONE) {
		s->held = st_pages(usage);
		s->maxheld = st_pages(maxu);
		s->barrier = 0;
		s->limit = st_pages(lim);
		/* like v2's max + oom_kill: refused charges (memory.failcnt, which recent kernels no
		 * longer count) plus OOM kills (counted in the killed task's cgroup only on v1: the
		 * leaf, as no task runs in the limit cgroup itself; its own count is always 0) */
		s->failcnt = st_add(st_val(mem, "memory.failcnt"), st_key(mem, LEAF "/memory.oom_control", "oom_kill"));
	}
	/* swap = memory+swap minus memory (needs swap accounting: memory.memsw.*) */
	s = &st[CG_RES_SWAPPAGES];
	uint64_t swu = st_val(mem, "memory.memsw.usage_in_bytes");
	if (swu != CG_STAT_NONE && usage != CG_STAT_NONE) {
		uint64_t swm = st_val(mem, "memory.memsw.max_usage_in_bytes");
		uint64_t swl = st_val(mem, "memory.memsw.limit_in_bytes");
		s->held = st_pages(swu > usage ? swu - usage : 0);
		if (swm != CG_STAT_NONE && maxu != CG_STAT_NONE)
			s->maxheld = st_pages(swm > maxu ? swm - maxu : 0);
		s->barrier = 0;
		if (swl == CG_STAT_NONE || lim == CG_STAT_NONE)
			s->limit = CG_STAT_NONE;
		else if (swl >= V1_UNLIMITED_BYTES || lim >= V1_UNLIMITED_BYTES)
			s->limit = CG_STAT_UNLIMITED;
		else
			s->limit = st_pages(swl > lim ? swl - lim : 0);
		s->failcnt = st_val(mem, "memory.memsw.failcnt");
	}
	stat_numproc(pids, false, &st[CG_RES_NUMPROC]);

	s = &st[CG_RES_CPUTIME];
	uint64_t ns = st_val(acct, "cpuacct.usage");
	if (ns != CG_STAT_NONE)
		s->held = ns / 1000;
	else
		s->held = st_key(uni, "cpu.stat", "usage_usec"); /* hybrid: the unified core counter */
	s->maxheld = s->held;
	if (s->held != CG_STAT_NONE) {
		s->barrier = 0;
		_cleanup_free_ char *qs = NULL;
		unsigned long long q;
		if (st_read(cpu, "cpu.cfs_quota_us", &qs) == 0) {
			uint64_t per;
			if (strcmp(qs, "-1") == 0)
				s->limit = CG_STAT_UNLIMITED; /* the period is not read: nothing to divide */
			else if (sscanf(qs, "%llu", &q) == 1 && (per = st_val(cpu, "cpu.cfs_period_us")) != CG_STAT_NONE && per)
				s->limit = q * 100 / per;
		}
		s->failcnt = st_key(cpu, "cpu.stat", "nr_throttled");
	}

	if (blkio >= 0) {
		struct cg_stat *b = &st[CG_RES_IOBYTES], *o = &st[CG_RES_IOOPS];
		b->held = b->maxheld = blkio_sum(blkio, "blkio.throttle.io_service_bytes");
		o->held = o->maxheld = blkio_sum(blkio, "blkio.throttle.io_serviced");
		if (b->held != CG_STAT_NONE) {
			b->barrier = 0;
			b->limit = blkio_limit(blkio, "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device");
		}
		if (o->held != CG_STAT_NONE) {
			o->barrier = 0;
			o->limit = blkio_limit(blkio, "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device");
		}
	}
	return 0;
}


/* ---- CPU pressure (list's laverage) ---- */

int cg_psi_parse(const char *text, const char *line, double avg[3])
{
	static const char *const keys[3] = {"avg10=", "avg60=", "avg300="};
	size_t ll = strlen(line);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, line, ll) != 0 || l[ll] != ' ')
			continue;
		const char *s = l + ll;
		for (unsigned i = 0; i < 3; i++) {
			while (*s == ' ')
				s++;
			size_t kl = strlen(keys[i]);
			if (strncmp(s, keys[i], kl) != 0)
				return -EINVAL;
			s += kl;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			char *end;
			errno = 0;
			double v = strtod(s, &end);
			if (errno || (*end != ' ' && *end != '\n' && *end != 0) || v > 100.0)
				return -EINVAL;
			avg[i] = v;
			s = end;
		}
		return 0;
	}
	return -ENOENT;
}

int cg_cpu_pressure(const struct cg_paths *p, double avg[3])
{
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_close_ int dir = st_open(&p->h[hi]);
	_cleanup_free_ char *text = NULL;
	int r = st_read(dir, "cpu.pressure", &text);
	if (r < 0)
		return r;
	return cg_psi_parse(text, "some", avg);
}

/* ---- the memory view (sysinfo interception) ---- */
static uint64_t mv_val(int dfd, const char *file)
{
	uint64_t v = st_val(dfd, file);
	return v == CG_STAT_UNLIMITED || (v != CG_STAT_NONE && v >= V1_UNLIMITED_BYTES) ? CG_STAT_NONE : v;
}

int cg_memview(const struct cg_paths *p, struct cg_memview *mv)
{
	mv->limit = mv->usage = mv->swap_limit = mv->swap_usage = mv->tasks = CG_STAT_NONE;
	mv->memstat = NULL;
	if (p->mode == CG_UNIFIED) {
		int hi = cg_hier_index(p, "unified");
		_cleanup_close_ int dir = hi < 0 ? -1 : st_open(&p->h[hi]);
		if (dir < 0)
			return -ENOENT;
		mv->usage = st_val(dir, "memory.current");
		mv->limit = mv_val(dir, "memory.max");
		mv->swap_usage = st_val(dir, "memory.swap.current");
		mv->swap_limit = mv_val(dir, "memory.swap.max");
		mv->tasks = st_val(dir, "pids.current");
		if (st_read(dir, "memory.stat", &mv->memstat) < 0)
			mv->memstat = NULL;
		return 0;
	}
	_cleanup_close_ int mem = v1_fd(p, "memory"), pids = v1_fd(p, "pids");
	if (mem < 0)
		return -ENOENT;
	mv->usage = st_val(mem, "memory.usage_in_bytes");
	mv->limit = mv_val(mem, "memory.limit_in_bytes");
	uint64_t swu = st_val(mem, "memory.memsw.usage_in_bytes");
	uint64_t swl = mv_val(mem, "memory.memsw.limit_in_bytes");
	if (swu != CG_STAT_NONE && mv->usage != CG_STAT_NONE)
		mv->swap_usage = swu > mv->usage ? swu - mv->usage : 0;
	if (swl != CG_STAT_NONE && mv->limit != CG_STAT_NONE)
		mv->swap_limit = swl > mv->limit ? swl - mv->limit : 0;
	mv->tasks = st_val(pids, "pids.current");
	if (st_read(mem, "memory.stat", &mv->memstat) < 0)
		mv->memstat = NULL;
	return 0;
}
