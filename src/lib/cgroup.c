/* cgroups: mode detection, path resolution, and the backends (v2, hybrid, legacy v1) behind one
 * vtable. Every write and mkdir is logged at debug level. */
#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "devbpf.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define LEAF "ct"

/* ---- environment (tests redirect everything below a fake root) ---- */

static const char *cg_root(void)
{
	const char *r = getenv("CELLCTL_CGROUP_ROOT");
	return r && *r ? r : "/sys/fs/cgroup";
}

static bool cg_root_overridden(void)
{
	const char *r = getenv("CELLCTL_CGROUP_ROOT");
	return r && *r;
}

static const char *sysfs_root(void)
{
	const char *r = getenv("CELLCTL_SYSFS_ROOT");
	return r && *r ? r : "/sys";
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- detection ---- */

int cg_detect(enum cg_mode *mode)
{
	const char *forced = getenv("CELLCTL_CGROUP_MODE");
	if (forced && *forced) {
		if (strcmp(forced, "unified") == 0)
			*mode = CG_UNIFIED;
		else if (strcmp(forced, "hybrid") == 0)
			*mode = CG_HYBRID;
		else if (strcmp(forced, "legacy") == 0)
			*mode = CG_LEGACY;
		else
			return cerr(EX_SYSTEM, EINVAL, "bad CELLCTL_CGROUP_MODE \"%s\"", forced);
		return 0;
	}
	const char *root = cg_root();
	struct statfs sf;
	if (statfs(root, &sf) < 0)
		return cerr(EX_SYSTEM, errno, "statfs %s (cgroup filesystem not mounted?)", root);
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CG_UNIFIED;
		return 0;
	}
	_cleanup_free_ char *uni = xasprintf("%s/unified", root);
	if ((unsigned long)sf.f_type == TMPFS_MAGIC && statfs(uni, &sf) == 0 &&
	    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
		*mode = CG_HYBRID;
	else
		*mode = CG_LEGACY;
	return 0;
}

static const char *mode_name(enum cg_mode m)
{
	switch (m) {
	case CG_UNIFIED: return "unified";
	case CG_HYBRID: return "hybrid";
	case CG_LEGACY: return "legacy";
	}
	return "?";
}

/* ---- resolution ---- */

/* Is controller ctrl one of the comma separated names in list? */
static bool list_has(const char *list, const char *ctrl)
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

static bool is_v1_controller(const char *s)
{
	static const char *const known[] = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
					    "net_cls", "net_prio", "blkio", "perf_event", "hugetlb",
					    "pids", "rdma", "misc"};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

struct v1mount {
	char name[32];
	char mount[256];
	char root[256]; /* the mount's root inside the hierarchy ("/" normally) */
};

/* v1 hierarchies from /proc/self/mountinfo: "... MOUNTROOT MOUNTPOINT ... - cgroup SRC OPTS" */
static size_t v1_from_mountinfo(struct v1mount *m, size_t max)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (n < max && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char fstype[32], opts[512];
		if (sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2 || strcmp(fstype, "cgroup") != 0)
			continue;
		char mroot[256], mpoint[256];
		if (sscanf(line, "%*s %*s %*s %255s %255s", mroot, mpoint) != 2)
			continue;
		char name[32] = "";
		char *save = NULL;
		for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!is_v1_controller(t))
				continue;
			if (strlen(name) + strlen(t) + 2 > sizeof(name))
				break;
			if (*name)
				strcat(name, ",");
			strcat(name, t);
		}
		if (!*name)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= strcmp(m[i].name, name) == 0;
		if (dup)
			continue;
		snprintf(m[n].name, sizeof(m[n].name), "%s", name);
		snprintf(m[n].mount, sizeof(m[n].mount), "%s", mpoint);
		snprintf(m[n].root, sizeof(m[n].root), "%s", mroot);
		n++;
	}
	free(line);
	return n;
}

/* v1 hierarchies as directories of the root (symlinks such as cpu -> cpu,cpuacct skipped). */
static size_t v1_from_dir(struct v1mount *m, size_t max)
{
	const char *root = cg_root();
	DIR *d = opendir(root);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "unified") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		bool any = false;
		_cleanup_free_ char *names = xstrdup(de->d_name);
		char *save = NULL;
		for (char *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save))
			any |= is_v1_controller(t);
		if (!any)
			continue;
		int k1 = snprintf(m[n].name, sizeof(m[n].name), "%s", de->d_name);
		int k2 = snprintf(m[n].mount, sizeof(m[n].mount), "%s/%s", root, de->d_name);
		if (k1 < 0 || (size_t)k1 >= sizeof(m[n].name) || k2 < 0 || (size_t)k2 >= sizeof(m[n].mount))
			continue;
		snprintf(m[n].root, sizeof(m[n].root), "/");
		n++;
	}
	closedir(d);
	return n;
}

/* The caller's own cgroup in hierarchy name ("" for unified), without leading slash. */
static int self_cgroup(const char *name, char *out, size_t len)
{
	const char *path = getenv("CELLCTL_PROC_SELF_CGROUP");
	if (!path || !*path)
		path = "/proc/self/cgroup";
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, path, &text, NULL);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read %s", path);
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = 0;
		const char *ctrls = c1 + 1;
		bool match;
		if (!*name)
			match = strncmp(l, "0:", 2) == 0 && !*ctrls;
		else {
			/* same set of controllers, whatever the order */
			match = *ctrls != 0;
			_cleanup_free_ char *a = xstrdup(name);
			char *s2 = NULL;
			unsigned na = 0, nb = 0;
			for (char *t = strtok_r(a, ",", &s2); t; t = strtok_r(NULL, ",", &s2), na++)
				match &= list_has(ctrls, t);
			for (const char *t = ctrls; t; t = strchr(t, ','), t = t ? t + 1 : NULL)
				nb++;
			match &= na == nb;
		}
		if (!match)
			continue;
		const char *p = c2 + 1;
		while (*p == '/')
			p++;
		if ((size_t)snprintf(out, len, "%s", p) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return cerr(EX_SYSTEM, ENOENT, "no %s hierarchy in %s", *name ? name : "unified", path);
}

/* Join path parts with single slashes, no leading or trailing slash. */
static int join_rel(char *out, size_t len, const char *const *parts, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		for (const char *s = parts[i]; *s; s++) {
			if (*s == '/' && (k == 0 || out[k - 1] == '/'))
				continue;
			if (k + 1 >= len)
				return -ENAMETOOLONG;
			out[k++] = *s;
		}
		if (k > 0 && out[k - 1] != '/') {
			if (k + 1 >= len)
				return -ENAMETOOLONG;
			out[k++] = '/';
		}
	}
	while (k > 0 && out[k - 1] == '/')
		k--;
	out[k] = 0;
	return 0;
}

static int fill_rel(struct cg_hier *h, const char *parent, bool self, const char *mroot, unsigned ctid)
{
	char own[512] = "", id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	if (self) {
		int r = self_cgroup(strcmp(h->name, "unified") == 0 ? "" : h->name, own, sizeof(own));
		if (r < 0)
			return r;
		/* a hierarchy mounted from a sub-cgroup: make the path relative to the mount */
		const char *mr = mroot;
		while (*mr == '/')
			mr++;
		size_t l = strlen(mr);
		if (l && strncmp(own, mr, l) == 0 && (own[l] == '/' || !own[l]))
			memmove(own, own + l, strlen(own + l) + 1);
		/* the run state is space separated */
		if (strpbrk(own, " \t\n"))
			return cerr(EX_SYSTEM, EINVAL,
				    "the caller's %s cgroup \"%s\" has white space in its name: use a [cgroup] "
				    "parent other than self",
				    h->name, own);
	}
	const char *parts[] = {own, parent, id};
	int r = join_rel(h->rel, sizeof(h->rel), parts, 3);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "cgroup path too long");
	return 0;
}

bool cg_parent_valid(const char *parent)
{
	if (!parent)
		return false;
	const char *s = str_startswith(parent, "self/") ? parent + 5 : parent;
	unsigned comps = 0;
	while (*s) {
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr("._@:+-", s[i]))
				return false;
		comps += n > 0;
		s += n;
		while (*s == '/')
			s++;
	}
	return comps > 0;
}

int cg_resolve(const struct gconf *g, unsigned ctid, struct cg_paths *out)
{
	memset(out, 0, sizeof(*out));
	int r = cg_detect(&out->mode);
	if (r < 0)
		return r;
	const char *parent = g && g->cg_parent && *g->cg_parent ? g->cg_parent : "cellctl";
	if (!cg_parent_valid(parent))
		return cerr(EX_BADVALUE, EINVAL, "bad cgroup parent \"%s\"", parent);
	bool self = strcmp(parent, "self") == 0 || str_startswith(parent, "self/");
	if (strcmp(parent, "self") == 0)
		parent = "cellctl";
	else if (self)
		parent += 5;
	const char *root = cg_root();

	if (out->mode != CG_LEGACY) {
		struct cg_hier *h = &out->h[out->n++];
		snprintf(h->name, sizeof(h->name), "unified");
		snprintf(h->mount, sizeof(h->mount), out->mode == CG_UNIFIED ? "%s" : "%s/unified", root);
		r = fill_rel(h, parent, self, "/", ctid);
		if (r < 0)
			return r;
	}
	if (out->mode == CG_UNIFIED)
		return 0;

	struct v1mount mounts[24];
	size_t nm = 0;
	if (!cg_root_overridden())
		nm = v1_from_mountinfo(mounts, ARRAY_SIZE(mounts));
	if (nm == 0)
		nm = v1_from_dir(mounts, ARRAY_SIZE(mounts));
	static const char *const wanted[] = {"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids", "freezer", "devices"};
	size_t nwanted = out->mode == CG_LEGACY ? 8 : 6;
	for (size_t w = 0; w < nwanted; w++) {
		const struct v1mount *m = NULL;
		for (size_t i = 0; i < nm && !m; i++)
			if (list_has(mounts[i].name, wanted[w]))
				m = &mounts[i];
		if (!m) {
			log_debug("cgroup v1 controller %s not mounted", wanted[w]);
			continue;
		}
		bool have = false;
		for (unsigned i = 0; i < out->n; i++)
			have |= strcmp(out->h[i].name, m->name) == 0;
		if (have)
			continue;
		if (out->n >= CG_MAX_HIER)
			break;
		struct cg_hier *h = &out->h[out->n++];
		snprintf(h->name, sizeof(h->name), "%s", m->name);
		snprintf(h->mount, sizeof(h->mount), "%s", m->mount);
		r = fill_rel(h, parent, self, m->root, ctid);
		if (r < 0)
			return r;
	}
	if (out->n == 0)
		return cerr(EX_SYSTEM, ENOENT, "no cgroup hierarchies found under %s", root);
	return 0;
}

char *cg_paths_format(const struct cg_paths *p)
{
	size_t cap = 64 + p->n * (sizeof(p->h[0]) + 32);
	char *buf = xmalloc(cap);
	size_t k = (size_t)snprintf(buf, cap, "mode %s\n", mode_name(p->mode));
	for (unsigned i = 0; i < p->n && i < CG_MAX_HIER; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s %s %s %" PRIu64 "\n", p->h[i].name, p->h[i].mount,
				      p->h[i].rel, p->h[i].ino);
	return buf;
}

int cg_paths_parse(const char *text, struct cg_paths *p)
{
	memset(p, 0, sizeof(*p));
	_cleanup_free_ char *buf = xstrdup(text);
	char *save = NULL;
	bool have_mode = false;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[5];
		unsigned n = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(l, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2)) {
			if (n == 5)
				return -EINVAL;
			f[n++] = t;
		}
		if (n == 0)
			continue;
		if (!have_mode) {
			if (n != 2 || strcmp(f[0], "mode") != 0)
				return -EINVAL;
			if (strcmp(f[1], "unified") == 0)
				p->mode = CG_UNIFIED;
			else if (strcmp(f[1], "hybrid") == 0)
				p->mode = CG_HYBRID;
			else if (strcmp(f[1], "legacy") == 0)
				p->mode = CG_LEGACY;
			else
				return -EINVAL;
			have_mode = true;
			continue;
		}
		if ((n != 3 && n != 4) || p->n >= CG_MAX_HIER)
			return -EINVAL;
		struct cg_hier *h = &p->h[p->n];
		if (strlen(f[0]) >= sizeof(h->name) || strlen(f[1]) >= sizeof(h->mount) ||
		    strlen(f[2]) >= sizeof(h->rel) || f[2][0] == '/' || strstr(f[2], ".."))
			return -EINVAL;
		if (n == 4 && parse_u64(f[3], &h->ino) < 0)
			return -EINVAL;
		strcpy(h->name, f[0]);
		strcpy(h->mount, f[1]);
		strcpy(h->rel, f[2]);
		p->n++;
	}
	return have_mode && p->n > 0 ? 0 : -EINVAL;
}

/* ---- small file helpers ---- */

static int hier_index(const struct cg_paths *p, const char *ctrl)
{
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(ctrl, "unified") == 0 ? strcmp(p->h[i].name, "unified") == 0
						 : list_has(p->h[i].name, ctrl))
			return (int)i;
	return -1;
}

static char *limit_dir(const struct cg_hier *h)
{
	return xasprintf("%s/%s", h->mount, h->rel);
}

/* One cgroup directory, opened once: every access goes relative to fd, never through the path
 * again; path is for messages. */
struct cgdir {
	int fd;
	char *path;
};
#define CGDIR_INIT {.fd = -1, .path = NULL}
#define CGDIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)

static void cgdir_close(struct cgdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->path);
	d->path = NULL;
}
#define _cleanup_cgdir_ _cleanup_(cgdir_close)

static int cgd_open(const char *path, struct cgdir *d)
{
	int fd = open(path, CGDIR_FLAGS);
	if (fd < 0)
		return -errno;
	d->fd = fd;
	d->path = xstrdup(path);
	return 0;
}

/* The cgroup name below d (the leaf, a guest's sub-cgroup). */
static int cgd_sub(const struct cgdir *d, const char *name, struct cgdir *out)
{
	int fd = openat(d->fd, name, CGDIR_FLAGS);
	if (fd < 0)
		return -errno;
	out->fd = fd;
	out->path = xasprintf("%s/%s", d->path, name);
	return 0;
}

/* The parent directory of path (shared: ancestors are only read, or enabled at create). */
static int cgd_open_parent(const char *path, struct cgdir *d)
{
	_cleanup_free_ char *up = xstrdup(path);
	char *slash = strrchr(up, '/');
	if (!slash || slash == up)
		return -EINVAL;
	*slash = 0;
	return cgd_open(up, d);
}

static int cg_write(const struct cgdir *d, const char *file, const char *val)
{
	int r = write_file_at(d->fd, file, val);
	log_debug("cgroup write %s/%s = \"%s\"%s%s", d->path, file, val, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	return r;
}

static int cg_read(const struct cgdir *d, const char *file, char **out)
{
	int r = read_file_at(d->fd, file, out, NULL);
	if (r >= 0)
		strtrim(*out);
	return r;
}

/* ---- identity ---- */

static uint64_t fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Open hierarchy h's limit cgroup and check that it is the one create recorded. 0; -ENOENT when it
 * is gone; -ENODATA when no identity was recorded (not created by this container's start);
 * -ESTALE when the directory is another cgroup (made anew under the same name). Records nothing. */
static int open_limit(const struct cg_hier *h, struct cgdir *d)
{
	if (!h->ino)
		return -ENODATA;
	_cleanup_free_ char *path = limit_dir(h);
	int r = cgd_open(path, d);
	if (r < 0)
		return r;
	if (fd_ino(d->fd) != h->ino) {
		cgdir_close(d);
		return -ESTALE;
	}
	return 0;
}

/* Record why h's limit cgroup cannot be used (r from open_limit); returns a negative errno. */
static int limit_err(const struct cg_hier *h, int r)
{
	_cleanup_free_ char *path = limit_dir(h);
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
	return cerr(EX_SYSTEM, r, "open cgroup %s", path);
}

/* For the operations that tear down (kill, destroy, reset): 1 opened and verified; 0 nothing of
 * ours there (gone, or never created by this container); <0 another cgroup (error recorded). */
static int open_limit_teardown(const struct cg_hier *h, struct cgdir *d)
{
	int r = open_limit(h, d);
	if (r == -ENOENT || r == -ENODATA)
		return 0;
	return r < 0 ? limit_err(h, r) : 1;
}

int cg_verify(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = open_limit(&p->h[i], &d);
		if (r < 0)
			return limit_err(&p->h[i], r);
	}
	return 0;
}

bool cg_lost(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = open_limit(&p->h[i], &d);
		if (r == -ENOENT || r == -ESTALE)
			return true;
	}
	return false;
}

int cg_limit_dirfd(const struct cg_paths *p, unsigned i)
{
	if (i >= p->n)
		return -EINVAL;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = open_limit(&p->h[i], &d);
	if (r < 0)
		return limit_err(&p->h[i], r);
	return take_fd(&d.fd);
}

/* ---- tree walks ---- */

/* Call fn on d and on every cgroup below it, parents first; stops at the first non-zero return. */
typedef int (*walk_fn)(const struct cgdir *d, void *arg);

static int walk(const struct cgdir *d, walk_fn fn, void *arg)
{
	int r = fn(d, arg);
	if (r != 0)
		return r;
	int fd = openat(d->fd, ".", CGDIR_FLAGS); /* a stream of its own for readdir */
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		r = -errno;
		close(fd);
		return r;
	}
	struct dirent *de;
	while (r == 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		_cleanup_cgdir_ struct cgdir sub = CGDIR_INIT;
		if (cgd_sub(d, de->d_name, &sub) < 0)
			continue; /* a file (DT_UNKNOWN), or removed meanwhile */
		r = walk(&sub, fn, arg);
	}
	closedir(dir);
	return r;
}

static int count_procs(const struct cgdir *d, void *arg)
{
	unsigned *n = arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(d, "cgroup.procs", &text) < 0)
		return 0;
	for (char *s = text; *s; s++)
		if (*s != '\n' && (s == text || s[-1] == '\n'))
			(*n)++;
	return 0;
}

static int kill_procs(const struct cgdir *d, void *arg)
{
	(void)arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(d, "cgroup.procs", &text) < 0)
		return 0;
	char *save = NULL;
	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		int pid = atoi(t);
		if (pid > 1 && pid != getpid())
			kill(pid, SIGKILL);
	}
	return 0;
}

struct pidlist {
	pid_t *v;
	size_t n, cap;
};

static int collect_procs(const struct cgdir *d, void *arg)
{
	struct pidlist *l = arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(d, "cgroup.procs", &text) < 0)
		return 0;
	char *save = NULL;
	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		if (l->n == l->cap) {
			l->cap = l->cap * 2 + 32;
			l->v = xrealloc(l->v, l->cap * sizeof(pid_t));
		}
		l->v[l->n++] = (pid_t)atoi(t);
	}
	return 0;
}

size_t cg_tree_pids(const struct cg_paths *p, pid_t **pids)
{
	struct pidlist l = {0};
	int hi = hier_index(p, "unified");
	if (hi < 0)
		hi = hier_index(p, "pids");
	if (hi < 0 && p->n)
		hi = 0;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	if (hi >= 0 && open_limit(&p->h[hi], &d) == 0)
		walk(&d, collect_procs, &l);
	*pids = l.v;
	return l.n;
}

static unsigned tree_procs(const struct cgdir *d)
{
	unsigned n = 0;
	walk(d, count_procs, &n);
	return n;
}

/* No process in d or below (a removed cgroup is empty too). */
static bool tree_empty(const struct cgdir *d)
{
	_cleanup_free_ char *ev = NULL;
	if (cg_read(d, "cgroup.events", &ev) == 0) {
		char *pop = strstr(ev, "populated ");
		if (pop)
			return pop[10] == '0';
	}
	return tree_procs(d) == 0;
}

static int wait_empty(const struct cgdir *d, unsigned timeout_ms, bool rekill)
{
	uint64_t end = now_ms() + timeout_ms;
	for (;;) {
		if (tree_empty(d))
			return 0;
		if (now_ms() >= end)
			return cerr(EX_SYSTEM, ETIMEDOUT, "processes left in %s after %u ms", d->path, timeout_ms);
		if (rekill)
			walk(d, kill_procs, NULL);
		sleep_ms(10);
	}
}

/* rmdir name below d, retried briefly on EBUSY (its last process may still be exiting). */
static int rmdir_at(const struct cgdir *d, const char *name)
{
	for (int i = 0;; i++) {
		if (unlinkat(d->fd, name, AT_REMOVEDIR) == 0) {
			log_debug("cgroup rmdir %s/%s", d->path, name);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 20)
			return cerr(EX_SYSTEM, errno, "remove cgroup %s/%s", d->path, name);
		sleep_ms(10);
	}
}

/* rmdir every cgroup below d (not d itself), deepest first. */
static int rm_below(const struct cgdir *d)
{
	int fd = openat(d->fd, ".", CGDIR_FLAGS);
	if (fd < 0)
		return errno == ENOENT ? 0 : cerr(EX_SYSTEM, errno, "open cgroup %s", d->path);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int r = -errno;
		close(fd);
		return cerr(EX_SYSTEM, r, "open cgroup %s", d->path);
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		_cleanup_cgdir_ struct cgdir sub = CGDIR_INIT;
		if (cgd_sub(d, de->d_name, &sub) < 0)
			continue;
		if ((r = rm_below(&sub)) == 0)
			r = rmdir_at(d, de->d_name);
	}
	closedir(dir);
	return r;
}

/* Remove the cgroup name below parent with everything below it, if it is the cgroup ino (any
 * when ino is 0). 0 removed or missing; -ESTALE another cgroup (nothing recorded). */
static int remove_cgroup(const struct cgdir *parent, const char *name, uint64_t ino)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cgd_sub(parent, name, &d);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s/%s", parent->path, name);
	if (ino && fd_ino(d.fd) != ino)
		return -ESTALE;
	if ((r = rm_below(&d)) < 0)
		return r;
	return rmdir_at(parent, name);
}

/* ---- create ---- */

static bool word_in(const char *text, const char *w)
{
	size_t l = strlen(w);
	for (const char *s = text; (s = strstr(s, w)); s += l)
		if ((s == text || s[-1] == ' ' || s[-1] == '\n') && (!s[l] || s[l] == ' ' || s[l] == '\n'))
			return true;
	return false;
}

/* Enable the container controllers in d's cgroup.subtree_control (those d has). */
static int enable_controllers(const struct cgdir *d)
{
	static const char *const want[] = {"cpuset", "cpu", "io", "memory", "pids"};
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	int r = cg_read(d, "cgroup.controllers", &avail);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read %s/cgroup.controllers", d->path);
	if (cg_read(d, "cgroup.subtree_control", &enabled) < 0)
		enabled = xstrdup("");
	char line[64] = "";
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		if (!word_in(avail, want[i])) {
			log_debug("cgroup controller %s not available in %s", want[i], d->path);
			continue;
		}
		if (word_in(enabled, want[i]))
			continue;
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s+%s", *line ? " " : "", want[i]);
	}
	if (!*line)
		return 0;
	r = cg_write(d, "cgroup.subtree_control", line);
	if (r == 0)
		return 0;
	/* find out which one the kernel refuses */
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		r = cg_write(d, "cgroup.subtree_control", t);
		if (r == -EBUSY)
			return cerr(EX_SYSTEM, r,
				    "enable %s in %s/cgroup.subtree_control: that cgroup has processes of its own "
				    "(cgroup v2 no-internal-process rule); use a parent cgroup without processes",
				    t + 1, d->path);
		if (r == -EOPNOTSUPP || r == -ENOTSUP) {
			log_warn("cannot enable %s in %s (threaded or unsupported); limits of it are skipped", t + 1, d->path);
			continue;
		}
		if (r < 0)
			return cerr(EX_SYSTEM, r, "enable %s in %s/cgroup.subtree_control", t + 1, d->path);
	}
	return 0;
}

/* Copy cpuset.cpus/mems from the parent when d's are empty (new v1 cpusets start empty). */
static int cpuset_inherit(const struct cgdir *parent, const struct cgdir *d)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *cur = NULL, *pv = NULL;
		int r = cg_read(d, files[i], &cur);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", d->path, files[i]);
		if (*cur)
			continue;
		r = cg_read(parent, files[i], &pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", parent->path, files[i]);
		r = cg_write(d, files[i], pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "write %s/%s", d->path, files[i]);
	}
	return 0;
}

/* Make the cgroup at path (a level below mount, whose length is mlen) with what its hierarchy
 * needs: the controllers enabled in its parent (v2; never in the hierarchy's root), cpuset.cpus
 * and mems (v1). exclusive: it must not exist yet. Opens it into out. */
static int make_level(const char *path, size_t mlen, bool unified, bool cpuset, bool exclusive, struct cgdir *out)
{
	_cleanup_cgdir_ struct cgdir up = CGDIR_INIT;
	int r = cgd_open_parent(path, &up);
	if (r == -ENOENT)
		return -ENOENT; /* a shared ancestor went meanwhile: create_hier makes it again */
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open the parent cgroup of %s", path);
	if (unified && strlen(up.path) > mlen && (r = enable_controllers(&up)) < 0)
		return r;
	if (mkdir(path, 0755) == 0)
		log_debug("cgroup mkdir %s", path);
	else if (errno == ENOENT)
		return -ENOENT; /* as above: the parent was removed between the open and the mkdir */
	else if (errno != EEXIST)
		return cerr(EX_SYSTEM, errno, "create cgroup %s", path);
	else if (exclusive)
		return cerr(EX_CGFOREIGN, EEXIST, "create cgroup %s: another start made it meanwhile", path);
	if ((r = cgd_open(path, out)) < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s", path);
	if (cpuset && (r = cpuset_inherit(&up, out)) < 0)
		return r;
	return 0;
}

/* Make hierarchy h's levels: the ancestors when missing (they are shared), the limit cgroup (which
 * must be new: its identity is recorded in h->ino) and its leaf. */
static int create_hier(struct cg_hier *h)
{
	bool unified = strcmp(h->name, "unified") == 0;
	bool cpuset = !unified && list_has(h->name, "cpuset");
	bool devices = !unified && list_has(h->name, "devices");
	_cleanup_free_ char *path = limit_dir(h);
	size_t mlen = strlen(h->mount);
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = -ENOENT;
	/* A shared ancestor can be removed by another container's stop or destroy (they rmdir it
	 * when it looks empty) between our mkdir of it and of the level below: walk down again. */
	for (int attempt = 0; r == -ENOENT && attempt < 20; attempt++) {
		r = 0;
		/* every '/' after the mount point ends one ancestor */
		for (size_t i = mlen + 1; path[i] && r == 0; i++) {
			if (path[i] != '/')
				continue;
			path[i] = 0;
			_cleanup_cgdir_ struct cgdir a = CGDIR_INIT;
			r = make_level(path, mlen, unified, cpuset, false, &a);
			path[i] = '/';
		}
		if (r == 0)
			r = make_level(path, mlen, unified, cpuset, true, &lim);
	}
	if (r == -ENOENT)
		return cerr(EX_SYSTEM, ENOENT, "create cgroup %s: its parent keeps being removed", path);
	if (r < 0)
		return r;
	h->ino = fd_ino(lim.fd);
	/* v1: default-deny must be set before the limit cgroup has children */
	if (devices && (r = cg_write(&lim, "devices.deny", "a")) < 0 && r != -EINVAL)
		return cerr(EX_DEVICES, r, "write %s/devices.deny", lim.path);
	if (unified && (r = enable_controllers(&lim)) < 0)
		return r;
	if (mkdirat(lim.fd, LEAF, 0755) == 0)
		log_debug("cgroup mkdir %s/" LEAF, lim.path);
	else if (errno != EEXIST)
		return cerr(EX_SYSTEM, errno, "create cgroup %s/" LEAF, lim.path);
	_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
	if ((r = cgd_sub(&lim, LEAF, &leaf)) < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s/" LEAF, lim.path);
	if (cpuset && (r = cpuset_inherit(&lim, &leaf)) < 0)
		return r;
	return 0;
}

/* An empty limit cgroup at h's place (a start that crashed, or another installation's container
 * that has stopped) goes, so that create makes a new one whose identity is ours alone. */
static int remove_stale(const struct cg_hier *h)
{
	_cleanup_free_ char *path = limit_dir(h);
	const char *name = strrchr(path, '/') + 1;
	_cleanup_cgdir_ struct cgdir up = CGDIR_INIT, d = CGDIR_INIT;
	if (cgd_open_parent(path, &up) < 0 || cgd_sub(&up, name, &d) < 0)
		return 0;
	/* looked at again just before: another start may have put its init there meanwhile */
	if (!tree_empty(&d))
		return cerr(EX_CGFOREIGN, 0, "cgroup %s already holds processes that this start did not put there: not using it",
			    path);
	log_info("removing the empty cgroup %s left behind by an earlier start", path);
	int r = remove_cgroup(&up, name, fd_ino(d.fd));
	if (r < 0)
		return cerr_replace(EX_CGFOREIGN, r == -ESTALE ? EBUSY : r, "remove the cgroup %s left behind by an earlier start",
				    path);
	return 0;
}

int cg_remove_leftovers(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *path = limit_dir(&p->h[i]);
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cgd_open(path, &d);
		if (r == 0 && !tree_empty(&d))
			continue; /* in use: not a leftover of ours */
		if (r == 0 && remove_stale(&p->h[i]) < 0) {
			log_warn("%s", cerr_msg() ? cerr_msg() : "cannot remove an empty cgroup left behind");
			cerr_clear();
			continue;
		}
		/* the shared parent, as destroy does: only when empty, and quietly */
		char *slash = strrchr(path, '/');
		if (slash && (size_t)(slash - path) > strlen(p->h[i].mount)) {
			*slash = 0;
			if (rmdir(path) == 0)
				log_debug("cgroup rmdir %s", path);
		}
	}
	return 0;
}

static int be_create(struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++)
		p->h[i].ino = 0;
	/* a limit cgroup in use anywhere refuses the start before anything changes */
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *path = limit_dir(&p->h[i]);
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cgd_open(path, &d);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return cerr(EX_SYSTEM, r, "open cgroup %s", path);
		if (!tree_empty(&d))
			return cerr(EX_CGFOREIGN, 0,
				    "cgroup %s already holds processes that this start did not put there (a container "
				    "of another installation with the same CTID and [cgroup] parent?): not using it",
				    path);
	}
	for (unsigned i = 0; i < p->n; i++) {
		int r = remove_stale(&p->h[i]);
		if (r == 0)
			r = create_hier(&p->h[i]);
		if (r < 0)
			return r;
	}
	return 0;
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
	return cg_blkdev_whole_disk(sysfs_root(), major(st.st_dev), minor(st.st_dev), maj, min);
}

/* ---- pure conversions ---- */

unsigned cg_cpuunits_to_weight(unsigned cpuunits)
{
	unsigned w = cpuunits / 10;
	return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

void cg_cpulimit_to_max(unsigned pct, unsigned ncpus, bool host_pct, char *buf, unsigned len)
{
	if (pct == 0) {
		snprintf(buf, len, "max 100000");
		return;
	}
	uint64_t q = (uint64_t)pct * 1000;
	if (host_pct)
		q *= ncpus ? ncpus : 1;
	snprintf(buf, len, "%" PRIu64 " 100000", q);
}

/* ioprio 0..7 (higher = more I/O) -> v2 io.weight (1..10000, kernel default 100). The default
 * ioprio 4 maps to the kernel default 100, so an untuned container competes evenly with the
 * rest of the host; each step is about x1.4, so 7 gets ~2.8x and 0 a quarter of the default. */
static const unsigned io_weight_v2[8] = {25, 35, 50, 70, 100, 140, 200, 280};
/* ioprio -> v1 blkio.weight (100..1000, kernel default 500): 4 maps to the default 500. */
static const unsigned io_weight_v1[8] = {100, 200, 300, 400, 500, 625, 750, 1000};

unsigned cg_ioprio_to_weight(int ioprio)
{
	if (ioprio < 0)
		ioprio = 0;
	if (ioprio > 7)
		ioprio = 7;
	return io_weight_v2[ioprio];
}

unsigned cg_ioprio_to_blkio_weight(int ioprio)
{
	if (ioprio < 0)
		ioprio = 0;
	if (ioprio > 7)
		ioprio = 7;
	return io_weight_v1[ioprio];
}

static unsigned host_cpus(void)
{
	int n = get_nprocs();
	return n > 0 ? (unsigned)n : 1;
}

/* cfs quota in us per 100000 us period, 0 for none: cpulimit capped at cpus x 100%. */
static uint64_t cpu_quota(const struct ct_config *c)
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

struct wctx {
	bool live;
	int err; /* first error */
};

/* Write one limit file. must: the value is not the default, so a missing file is an error
 * (otherwise the controller may simply be absent and nothing is lost). Returns <0 only when the
 * caller must stop (live). */
static int wlimit(struct wctx *w, const struct cgdir *d, const char *ctrl, const char *file, const char *val,
		  bool must, int excode)
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
	if (!w->err)
		w->err = r;
	return w->live ? r : 0;
}

static void fmt_u64_or(char *buf, size_t len, uint64_t v, const char *unset)
{
	if (v == SIZE_UNLIMITED)
		snprintf(buf, len, "%s", unset);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int _r = (x);                                                                      \
		if (_r < 0)                                                                        \
			return _r;                                                                 \
	} while (0)

static int apply_v2(const struct cg_paths *p, const struct ct_config *c, const char *private_path, struct wctx *w)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return cerr(EX_SYSTEM, ENOENT, "no unified cgroup hierarchy");
	_cleanup_cgdir_ struct cgdir dir = CGDIR_INIT;
	int r = open_limit(&p->h[hi], &dir);
	if (r < 0)
		return limit_err(&p->h[hi], r);
	char v[256];

	fmt_u64_or(v, sizeof(v), c->ram, "max");
	TRY(wlimit(w, &dir, "memory", "memory.max", v, c->ram != SIZE_UNLIMITED, EX_RESOURCE));
	fmt_u64_or(v, sizeof(v), c->swap, "max");
	TRY(wlimit(w, &dir, "memory", "memory.swap.max", v, c->swap != SIZE_UNLIMITED, EX_RESOURCE));

	snprintf(v, sizeof(v), "%u", cg_cpuunits_to_weight(c->cpuunits ? c->cpuunits : 1000));
	TRY(wlimit(w, &dir, "cpu", "cpu.weight", v, c->cpuunits && c->cpuunits != 1000, EX_RESOURCE));
	uint64_t q = cpu_quota(c);
	if (q)
		snprintf(v, sizeof(v), "%" PRIu64 " 100000", q);
	else
		snprintf(v, sizeof(v), "max 100000");
	TRY(wlimit(w, &dir, "cpu", "cpu.max", v, q != 0, EX_RESOURCE));
	if (c->cpumask) {
		TRY(wlimit(w, &dir, "cpuset", "cpuset.cpus", c->cpumask, true, EX_RESOURCE));
	} else {
		/* unset: empty means "as the parent", but the kernel refuses to empty it while the
		 * cgroup has tasks (ENOSPC); then take the parent's effective set */
		_cleanup_free_ char *cur = NULL, *pe = NULL;
		_cleanup_cgdir_ struct cgdir parent = CGDIR_INIT;
		if (cg_read(&dir, "cpuset.cpus", &cur) == 0 && *cur && cg_write(&dir, "cpuset.cpus", "\n") < 0 &&
		    cgd_open_parent(dir.path, &parent) == 0 && cg_read(&parent, "cpuset.cpus.effective", &pe) == 0)
			TRY(wlimit(w, &dir, "cpuset", "cpuset.cpus", pe, false, EX_RESOURCE));
	}

	fmt_u64_or(v, sizeof(v), c->numproc, "max");
	TRY(wlimit(w, &dir, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));

	/* io.weight is only there with a weight-based I/O controller (iocost); it is a hint */
	snprintf(v, sizeof(v), "default %u", cg_ioprio_to_weight(c->ioprio));
	if (cg_write(&dir, "io.weight", v) < 0) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_weight(c->ioprio));
		if (cg_write(&dir, "io.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no io.weight in %s: ioprio %d not applied", dir.path, c->ioprio);
	}

	bool io_set = c->iolimit || c->iopslimit;
	unsigned maj, min;
	r = private_disk(private_path, &maj, &min);
	if (r < 0) {
		if (io_set) {
			r = cerr(EX_IOLIMIT, r, "find the disk behind %s for iolimit", private_path ? private_path : "(none)");
			if (!w->err)
				w->err = r;
			if (w->live)
				return r;
		}
		return 0;
	}
	char bps[32] = "max", iops[32] = "max";
	if (c->iolimit)
		snprintf(bps, sizeof(bps), "%" PRIu64, c->iolimit);
	if (c->iopslimit)
		snprintf(iops, sizeof(iops), "%u", c->iopslimit);
	snprintf(v, sizeof(v), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s", maj, min, bps, bps, iops, iops);
	TRY(wlimit(w, &dir, "io", "io.max", v, io_set, EX_IOLIMIT));
	return 0;
}

/* The (verified) limit cgroup of the v1 hierarchy holding ctrl: 1 opened; 0 no such hierarchy;
 * <0 it cannot be used (error recorded). */
static int v1_dir(const struct cg_paths *p, const char *ctrl, struct cgdir *d)
{
	int i = hier_index(p, ctrl);
	if (i < 0)
		return 0;
	int r = open_limit(&p->h[i], d);
	return r < 0 ? limit_err(&p->h[i], r) : 1;
}

static int missing_ctrl(struct wctx *w, const char *ctrl, bool must, int excode)
{
	if (!must) {
		log_debug("cgroup v1 controller %s not mounted, skipped", ctrl);
		return 0;
	}
	int r = cerr(excode, ENOENT, "controller %s not available (not mounted)", ctrl);
	if (!w->err)
		w->err = r;
	return w->live ? r : 0;
}

static int apply_v1_memory(const struct cg_paths *p, const struct ct_config *c, struct wctx *w)
{
	_cleanup_cgdir_ struct cgdir dir = CGDIR_INIT;
	bool must = c->ram != SIZE_UNLIMITED || c->swap != SIZE_UNLIMITED;
	int r = v1_dir(p, "memory", &dir);
	if (r <= 0)
		return r < 0 ? r : missing_ctrl(w, "memory", must, EX_RESOURCE);
	char lim[32], memsw[32];
	fmt_u64_or(lim, sizeof(lim), c->ram, "-1");
	uint64_t sw = SIZE_UNLIMITED;
	if (c->ram != SIZE_UNLIMITED && c->swap != SIZE_UNLIMITED && c->ram + c->swap >= c->ram)
		sw = c->ram + c->swap;
	fmt_u64_or(memsw, sizeof(memsw), sw, "-1");

	if (faccessat(dir.fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0) {
		if (c->swap != SIZE_UNLIMITED)
			log_warn("no memory.memsw.limit_in_bytes in %s (swap accounting off): swap not limited", dir.path);
		return wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE);
	}
	/* the kernel wants memsw >= limit at every step: raise memsw first when growing */
	_cleanup_free_ char *cur = NULL;
	uint64_t cur_sw = 0;
	bool memsw_first = false;
	if (cg_read(&dir, "memory.memsw.limit_in_bytes", &cur) == 0 && parse_u64(cur, &cur_sw) == 0) {
		uint64_t new_lim = c->ram == SIZE_UNLIMITED ? UINT64_MAX : c->ram;
		memsw_first = new_lim > cur_sw;
	}
	if (memsw_first) {
		TRY(wlimit(w, &dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
		TRY(wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
	} else {
		TRY(wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
		TRY(wlimit(w, &dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
	}
	return 0;
}

static int blkio_dev_write(struct wctx *w, const struct cgdir *d, const char *file, unsigned maj, unsigned min,
			   uint64_t v, bool must)
{
	char buf[64];
	/* "MAJ:MIN 0" removes the rule */
	snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, maj, min, v);
	return wlimit(w, d, "blkio", file, buf, must, EX_IOLIMIT);
}

static int apply_v1_devices(const struct cg_paths *p, const struct ct_config *c, struct wctx *w)
{
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
	int r = v1_dir(p, "devices", &lim);
	if (r <= 0)
		return r;
	struct dev_rule rules[MAX_DEVRULES + 32];
	size_t n = dev_default_rules(rules, ARRAY_SIZE(rules));
	r = dev_rules_parse_list(c->devices, rules, ARRAY_SIZE(rules), &n);
	if (r < 0)
		return cerr(EX_DEVICES, r, "parse devices \"%s\"", c->devices);
	if (c->devnodes) {
		_cleanup_free_ char *buf = xstrdup(c->devnodes);
		char *save = NULL;
		for (char *t = strtok_r(buf, " \t,;", &save); t && n < ARRAY_SIZE(rules); t = strtok_r(NULL, " \t,;", &save)) {
			r = dev_rule_from_node(t, &rules[n]);
			if (r < 0)
				return cerr(EX_DEVICES, r, "devnodes \"%s\"", t);
			n++;
		}
	}
	if ((r = cgd_sub(&lim, LEAF, &leaf)) < 0)
		return cerr(EX_DEVICES, r, "open cgroup %s/" LEAF, lim.path);
	const struct cgdir *dirs[] = {&lim, &leaf};
	for (size_t d = 0; d < 2; d++) {
		for (size_t i = 0; i < n; i++) {
			const struct dev_rule *x = &rules[i];
			char line[64], mj[16], mn[16];
			snprintf(mj, sizeof(mj), x->major == DEV_ANY ? "*" : "%d", x->major);
			snprintf(mn, sizeof(mn), x->minor == DEV_ANY ? "*" : "%d", x->minor);
			unsigned acc = x->access ? x->access : 7;
			snprintf(line, sizeof(line), "%s %s:%s %s%s%s",
				 x->type == DEVTYPE_ALL ? "a" : x->type == DEVTYPE_CHAR ? "c" : "b", mj, mn,
				 acc & DEVACC_READ ? "r" : "", acc & DEVACC_WRITE ? "w" : "", acc & DEVACC_MKNOD ? "m" : "");
			TRY(wlimit(w, dirs[d], "devices", x->access ? "devices.allow" : "devices.deny", line, true, EX_DEVICES));
		}
	}
	return 0;
}

static int apply_v1(const struct cg_paths *p, const struct ct_config *c, const char *private_path, struct wctx *w)
{
	char v[128];
	_cleanup_cgdir_ struct cgdir cpu = CGDIR_INIT, cpuset = CGDIR_INIT, blkio = CGDIR_INIT, pids = CGDIR_INIT;
	int r;

	TRY(apply_v1_memory(p, c, w));

	uint64_t q = cpu_quota(c);
	bool units_set = c->cpuunits && c->cpuunits != 1000;
	if ((r = v1_dir(p, "cpu", &cpu)) < 0)
		return r;
	if (r) {
		unsigned shares = (unsigned)((uint64_t)(c->cpuunits ? c->cpuunits : 1000) * 1024 / 1000);
		snprintf(v, sizeof(v), "%u", shares < 2 ? 2 : shares);
		TRY(wlimit(w, &cpu, "cpu", "cpu.shares", v, units_set, EX_RESOURCE));
		TRY(wlimit(w, &cpu, "cpu", "cpu.cfs_period_us", "100000", q != 0, EX_RESOURCE));
		if (q)
			snprintf(v, sizeof(v), "%" PRIu64, q);
		else
			snprintf(v, sizeof(v), "-1");
		TRY(wlimit(w, &cpu, "cpu", "cpu.cfs_quota_us", v, q != 0, EX_RESOURCE));
	} else {
		TRY(missing_ctrl(w, "cpu", units_set || q, EX_RESOURCE));
	}

	if ((r = v1_dir(p, "cpuset", &cpuset)) < 0)
		return r;
	if (r) {
		_cleanup_free_ char *pv = NULL;
		const char *mask = c->cpumask;
		if (!mask) {
			/* v1 has no "inherit": put back the parent's set */
			_cleanup_cgdir_ struct cgdir parent = CGDIR_INIT;
			if (cgd_open_parent(cpuset.path, &parent) == 0 && cg_read(&parent, "cpuset.cpus", &pv) == 0)
				mask = pv;
		}
		if (mask) {
			/* v1 wants a child's cpus inside its parent's: shrinking goes leaf first,
			 * growing limit first; try the first and fall back to the second */
			_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
			bool must = c->cpumask != NULL;
			if ((r = cgd_sub(&cpuset, LEAF, &leaf)) < 0)
				return cerr(EX_RESOURCE, r, "open cgroup %s/" LEAF, cpuset.path);
			if (cg_write(&leaf, "cpuset.cpus", mask) == 0) {
				TRY(wlimit(w, &cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			} else {
				TRY(wlimit(w, &cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
				TRY(wlimit(w, &leaf, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			}
		}
	} else {
		TRY(missing_ctrl(w, "cpuset", c->cpumask != NULL, EX_RESOURCE));
	}

	bool io_set = c->iolimit || c->iopslimit;
	if ((r = v1_dir(p, "blkio", &blkio)) < 0)
		return r;
	if (r) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_blkio_weight(c->ioprio));
		if (cg_write(&blkio, "blkio.weight", v) < 0 && cg_write(&blkio, "blkio.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no blkio.weight in %s: ioprio %d not applied", blkio.path, c->ioprio);
		unsigned maj, min;
		r = private_disk(private_path, &maj, &min);
		if (r < 0 && io_set) {
			r = cerr(EX_IOLIMIT, r, "find the disk behind %s for iolimit", private_path ? private_path : "(none)");
			if (!w->err)
				w->err = r;
			if (w->live)
				return r;
		} else if (r == 0) {
			/* v1 blk-throttle is flat: a group's limits cover its own tasks only, not its
			 * children's. The guest runs in the leaf, so the rules go there too (and stay on the
			 * limit cgroup, where ubc reads them). */
			_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
			const struct cgdir *dirs[] = {&blkio, &leaf};
			for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
				if (d == 1 && cgd_sub(&blkio, LEAF, &leaf) < 0)
					break; /* not created yet (apply before create): nothing runs there */
				bool lim = d == 0; /* the leaf's files: as the limit cgroup's, never missing alone */
				TRY(blkio_dev_write(w, dirs[d], "blkio.throttle.read_bps_device", maj, min, c->iolimit, lim && c->iolimit));
				TRY(blkio_dev_write(w, dirs[d], "blkio.throttle.write_bps_device", maj, min, c->iolimit, lim && c->iolimit));
				TRY(blkio_dev_write(w, dirs[d], "blkio.throttle.read_iops_device", maj, min, c->iopslimit, lim && c->iopslimit));
				TRY(blkio_dev_write(w, dirs[d], "blkio.throttle.write_iops_device", maj, min, c->iopslimit, lim && c->iopslimit));
			}
		}
	} else {
		TRY(missing_ctrl(w, "blkio", io_set, EX_IOLIMIT));
	}

	if ((r = v1_dir(p, "pids", &pids)) < 0)
		return r;
	if (r) {
		fmt_u64_or(v, sizeof(v), c->numproc, "max");
		TRY(wlimit(w, &pids, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));
	} else {
		TRY(missing_ctrl(w, "pids", c->numproc != SIZE_UNLIMITED, EX_RESOURCE));
	}
	if (p->mode == CG_LEGACY)
		TRY(apply_v1_devices(p, c, w));
	return 0;
}

static int be_apply_v2(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live)
{
	struct wctx w = {.live = live};
	int r = apply_v2(p, c, private_path, &w);
	return r < 0 ? r : w.err;
}

static int be_apply_v1(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live)
{
	struct wctx w = {.live = live};
	int r = apply_v1(p, c, private_path, &w);
	return r < 0 ? r : w.err;
}

/* ---- attach ---- */

static int be_attach(const struct cg_paths *p, pid_t pid)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
		int r = open_limit(&p->h[i], &lim);
		if (r < 0)
			return limit_err(&p->h[i], r);
		if ((r = cgd_sub(&lim, LEAF, &leaf)) < 0)
			return cerr(EX_SYSTEM, r, "open cgroup %s/" LEAF, lim.path);
		if ((r = cg_write(&leaf, "cgroup.procs", v)) < 0)
			return cerr(EX_SYSTEM, r, "move pid %d into %s", (int)pid, leaf.path);
	}
	return 0;
}

/* ---- kill ---- */

static int be_kill_v2(const struct cg_paths *p, unsigned timeout_ms)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return cerr(EX_SYSTEM, ENOENT, "no unified cgroup hierarchy");
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = open_limit_teardown(&p->h[hi], &d);
	if (r <= 0)
		return r;
	r = cg_write(&d, "cgroup.kill", "1");
	bool rekill = false;
	if (r == -ENOENT) {
		/* kernel < 5.14: no cgroup.kill; keep killing until empty (new forks get caught) */
		log_debug("no cgroup.kill in %s, killing one by one", d.path);
		walk(&d, kill_procs, NULL);
		rekill = true;
	} else if (r < 0) {
		return cerr(EX_SYSTEM, r, "write %s/cgroup.kill", d.path);
	}
	return wait_empty(&d, timeout_ms, rekill);
}

static int be_kill_v1(const struct cg_paths *p, unsigned timeout_ms)
{
	int fi = hier_index(p, "freezer");
	int ti = fi >= 0 ? fi : hier_index(p, "memory");
	if (ti < 0)
		ti = 0;
	if (!p->n)
		return 0;
	/* the freezer's hierarchy when there is one: freeze, kill, thaw in one cgroup */
	_cleanup_cgdir_ struct cgdir tree = CGDIR_INIT;
	int r = open_limit_teardown(&p->h[ti], &tree);
	if (r <= 0)
		return r;
	const struct cgdir *f = fi >= 0 ? &tree : NULL;
	bool frozen = false;
	if (f && cg_write(f, "freezer.state", "FROZEN") == 0) {
		frozen = true;
		uint64_t end = now_ms() + (timeout_ms < 1000 ? timeout_ms : 1000);
		for (;;) {
			_cleanup_free_ char *st = NULL;
			if (cg_read(f, "freezer.state", &st) < 0 || strcmp(st, "FROZEN") == 0 || now_ms() >= end)
				break;
			sleep_ms(5);
		}
	}
	walk(&tree, kill_procs, NULL);
	if (frozen)
		cg_write(f, "freezer.state", "THAWED");
	return wait_empty(&tree, timeout_ms, true);
}

/* ---- nproc ---- */

static int nproc_at(const struct cg_hier *h)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	_cleanup_free_ char *cur = NULL;
	uint64_t v;
	int r = open_limit(h, &d);
	if (r < 0)
		return r == -ESTALE ? r : 0;
	if (cg_read(&d, "pids.current", &cur) == 0 && parse_u64(cur, &v) == 0)
		return v > INT32_MAX ? INT32_MAX : (int)v;
	return (int)tree_procs(&d);
}

static int be_nproc_v2(const struct cg_paths *p)
{
	int hi = hier_index(p, "unified");
	return hi < 0 ? -ENOENT : nproc_at(&p->h[hi]);
}

static int be_nproc_v1(const struct cg_paths *p)
{
	int hi = hier_index(p, "pids");
	if (hi < 0)
		hi = hier_index(p, "memory");
	if (hi < 0)
		hi = 0;
	if (!p->n)
		return -ENOENT;
	/* count processes, not pids.current: that also holds threads and unreaped zombies */
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = open_limit(&p->h[hi], &d);
	if (r < 0)
		return r == -ESTALE ? r : 0;
	return (int)tree_procs(&d);
}

/* ---- destroy ---- */

int cg_reset_leaf(const struct cg_paths *p)
{
	int err = 0;
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
		int r = open_limit_teardown(&p->h[i], &lim);
		if (r <= 0) {
			if (r < 0 && !err)
				err = r;
			continue;
		}
		if (cgd_sub(&lim, LEAF, &leaf) < 0)
			continue;
		if ((r = rm_below(&leaf)) < 0 && !err)
			err = r;
		/* controllers the guest enabled for its sub-cgroups: a process cannot join a cgroup
		 * that has them (no internal processes), so the next init could not be moved in */
		_cleanup_free_ char *ctl = NULL;
		if (cg_read(&leaf, "cgroup.subtree_control", &ctl) < 0)
			continue;
		char *save = NULL;
		for (char *t = strtok_r(ctl, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
			_cleanup_free_ char *off = xasprintf("-%s", t);
			if ((r = cg_write(&leaf, "cgroup.subtree_control", off)) < 0 && !err)
				err = cerr(EX_SYSTEM, r, "disable %s in %s/cgroup.subtree_control", t, leaf.path);
		}
	}
	return err;
}

static int be_destroy(const struct cg_paths *p)
{
	int err = 0;
	for (unsigned i = 0; i < p->n; i++) {
		const struct cg_hier *h = &p->h[i];
		_cleanup_free_ char *dir = limit_dir(h);
		char *slash = strrchr(dir, '/');
		_cleanup_cgdir_ struct cgdir up = CGDIR_INIT;
		if (!slash || cgd_open_parent(dir, &up) < 0)
			continue; /* no parent: the limit cgroup is gone too */
		int r = 0;
		if (h->ino) {
			r = remove_cgroup(&up, slash + 1, h->ino);
			if (r == -ESTALE)
				r = limit_err(h, r);
		}
		if (r < 0) {
			if (!err)
				err = r;
			continue;
		}
		/* the shared parent ("cellctl"): only when empty, and quietly */
		if ((size_t)(slash - dir) > strlen(h->mount)) {
			*slash = 0;
			if (rmdir(dir) == 0)
				log_debug("cgroup rmdir %s", dir);
		}
	}
	return err;
}

/* ---- stats (beancounters) ---- */

const char *cg_res_name(enum cg_res r)
{
	static const char *const names[CG_RES_N] = {"physpages", "swappages", "numproc", "cputime", "iobytes", "ioops"};
	return (unsigned)r < CG_RES_N ? names[r] : "?";
}

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (LONG_MAX rounded down to a page). */
#define V1_UNLIMITED_BYTES 0x7FFFFFFFFFFFF000ULL

/* Stats read control files relative to an fd of each limit cgroup (one path walk per hierarchy,
 * not per file: ubc over hundreds of containers stays fast), checked to be the container's own.
 * dfd < 0: missing (or not the container's cgroup: nothing is read from another's). */
static int st_open(const struct cg_hier *h)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	return open_limit(h, &d) == 0 ? take_fd(&d.fd) : -1;
}

static int st_sub(int dfd, const char *name)
{
	return dfd < 0 ? -1 : openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int st_read(int dfd, const char *file, char **out)
{
	if (dfd < 0)
		return -ENOENT;
	int r = read_file_at(dfd, file, out, NULL);
	if (r >= 0)
		strtrim(*out);
	return r;
}

/* A single-value control file: a number, "max" (CG_STAT_UNLIMITED), else CG_STAT_NONE. */
static uint64_t st_val(int dfd, const char *file)
{
	_cleanup_free_ char *text = NULL;
	uint64_t v;
	if (st_read(dfd, file, &text) < 0)
		return CG_STAT_NONE;
	if (strcmp(text, "max") == 0)
		return CG_STAT_UNLIMITED;
	if (parse_u64(text, &v) < 0)
		return CG_STAT_NONE;
	return v;
}

/* "key value" line of a flat keyed file (memory.events, cpu.stat, pids.events); NONE when absent. */
static uint64_t st_key(int dfd, const char *file, const char *key)
{
	_cleanup_free_ char *text = NULL;
	if (st_read(dfd, file, &text) < 0)
		return CG_STAT_NONE;
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
	_cleanup_close_ int leaf = st_sub(dfd, LEAF);
	return st_add(st_key(dfd, file, key), st_key(leaf, file, key));
}

/* pids.events "max" is hierarchical when the kernel also has pids.events.local (v2, 6.12+). */
static uint64_t pids_failcnt(int dfd)
{
	if (faccessat(dfd, "pids.events.local", F_OK, 0) == 0)
		return st_key(dfd, "pids.events", "max");
	return st_key_leaf(dfd, "pids.events", "max");
}

static void stat_numproc(int dfd, struct cg_stat *s)
{
	st_none(s);
	s->held = st_val(dfd, "pids.current");
	if (s->held == CG_STAT_NONE)
		return;
	s->maxheld = st_val(dfd, "pids.peak");
	s->limit = st_val(dfd, "pids.max");
	s->barrier = s->limit;
	s->failcnt = pids_failcnt(dfd);
}

/* The smallest finite value of the given keys over the "MAJ:MIN k=v ..." lines of io.max;
 * UNLIMITED when every one is "max" (or there are no lines). */
static uint64_t io_max_min(const char *text, const char *k1, const char *k2)
{
	uint64_t best = CG_STAT_UNLIMITED;
	_cleanup_free_ char *buf = xstrdup(text);
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(t, '=');
		uint64_t v;
		if (!eq)
			continue;
		*eq = 0;
		if ((strcmp(t, k1) == 0 || strcmp(t, k2) == 0) && parse_u64(eq + 1, &v) == 0 && v < best)
			best = v;
	}
	return best;
}

static int be_stats_v2(const struct cg_paths *p, struct cg_stat st[CG_RES_N])
{
	for (unsigned i = 0; i < CG_RES_N; i++)
		st_none(&st[i]);
	int hi = hier_index(p, "unified");
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
	stat_numproc(dir, &st[CG_RES_NUMPROC]);

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
		static const char *const keys[4] = {"rbytes", "wbytes", "rios", "wios"};
		char *save = NULL;
		for (char *t = strtok_r(io, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
			char *eq = strchr(t, '=');
			uint64_t v;
			if (!eq)
				continue;
			*eq = 0;
			for (unsigned k = 0; k < 4; k++)
				if (strcmp(t, keys[k]) == 0 && parse_u64(eq + 1, &v) == 0)
					sum[k] += v;
		}
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
	int i = hier_index(p, ctrl);
	if (i < 0)
		return -1;
	return st_open(&p->h[i]);
}

static int be_stats_v1(const struct cg_paths *p, struct cg_stat st[CG_RES_N])
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
	if (p->mode == CG_HYBRID && hier_index(p, "unified") >= 0)
		gone = uni < 0;
	else if (hier_index(p, "memory") >= 0)
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
		 * longer count) plus OOM kills (counted in the killed task's cgroup on v1) */
		s->failcnt = st_add(st_val(mem, "memory.failcnt"), st_key_leaf(mem, "memory.oom_control", "oom_kill"));
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
	stat_numproc(pids, &st[CG_RES_NUMPROC]);

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
		uint64_t per = st_val(cpu, "cpu.cfs_period_us");
		unsigned long long q;
		if (st_read(cpu, "cpu.cfs_quota_us", &qs) == 0) {
			if (strcmp(qs, "-1") == 0)
				s->limit = CG_STAT_UNLIMITED;
			else if (sscanf(qs, "%llu", &q) == 1 && per != CG_STAT_NONE && per)
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

/* ---- the vtables ---- */

static const struct cg_ops ops_v2 = {
	.create = be_create,
	.apply = be_apply_v2,
	.attach = be_attach,
	.kill = be_kill_v2,
	.nproc = be_nproc_v2,
	.destroy = be_destroy,
	.stats = be_stats_v2,
};

/* hybrid: v1 limit files, unified for tracking, kill and BPF */
static const struct cg_ops ops_hybrid = {
	.create = be_create,
	.apply = be_apply_v1,
	.attach = be_attach,
	.kill = be_kill_v2,
	.nproc = be_nproc_v2,
	.destroy = be_destroy,
	.stats = be_stats_v1,
};

static const struct cg_ops ops_legacy = {
	.create = be_create,
	.apply = be_apply_v1,
	.attach = be_attach,
	.kill = be_kill_v1,
	.nproc = be_nproc_v1,
	.destroy = be_destroy,
	.stats = be_stats_v1,
};

const struct cg_ops *cg_backend(enum cg_mode mode)
{
	switch (mode) {
	case CG_UNIFIED: return &ops_v2;
	case CG_HYBRID: return &ops_hybrid;
	case CG_LEGACY: return &ops_legacy;
	}
	return NULL;
}

/* ---- fds and delegation ---- */

int cg_leaf_fd(const struct cg_paths *p)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = open_limit(&p->h[hi], &lim);
	if (r < 0)
		return limit_err(&p->h[hi], r);
	int fd = openat(lim.fd, LEAF, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int cg_limit_fd(const struct cg_paths *p)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = open_limit(&p->h[hi], &lim);
	if (r < 0)
		return limit_err(&p->h[hi], r);
	return take_fd(&lim.fd);
}

static int chown_one(const struct cgdir *d, const char *file, uid_t uid, gid_t gid, bool must)
{
	if (fchownat(d->fd, file, uid, gid, AT_SYMLINK_NOFOLLOW | (*file ? 0 : AT_EMPTY_PATH)) == 0) {
		log_debug("cgroup chown %s%s%s %d:%d", d->path, *file ? "/" : "", file, (int)uid, (int)gid);
		return 0;
	}
	if (errno == ENOENT && !must)
		return 0;
	return cerr(EX_SYSTEM, errno, "chown %s%s%s", d->path, *file ? "/" : "", file);
}

int cg_delegate(const struct cg_paths *p, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *dfile = xasprintf("%s/kernel/cgroup/delegate", sysfs_root());
	_cleanup_free_ char *list = NULL;
	if (read_file_at(AT_FDCWD, dfile, &list, NULL) < 0)
		list = xstrdup("cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
		int r = open_limit(&p->h[i], &lim);
		if (r < 0)
			return limit_err(&p->h[i], r);
		if ((r = cgd_sub(&lim, LEAF, &leaf)) < 0)
			return cerr(EX_SYSTEM, r, "open cgroup %s/" LEAF, lim.path);
		if ((r = chown_one(&leaf, "", uid, gid, true)) < 0)
			return r;
		if (strcmp(p->h[i].name, "unified") == 0) {
			_cleanup_free_ char *l = xstrdup(list);
			char *save = NULL;
			for (char *t = strtok_r(l, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
				if (strchr(t, '/') || t[0] == '.')
					continue;
				if ((r = chown_one(&leaf, t, uid, gid, false)) < 0)
					return r;
			}
		} else {
			static const char *const v1files[] = {"cgroup.procs", "tasks"};
			for (size_t k = 0; k < ARRAY_SIZE(v1files); k++)
				if ((r = chown_one(&leaf, v1files[k], uid, gid, false)) < 0)
					return r;
		}
	}
	return 0;
}
