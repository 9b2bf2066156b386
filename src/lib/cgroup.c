/* cgroups: mode detection, path resolution, and the backends (v2, hybrid, legacy v1) behind one
 * vtable. Every write and mkdir is logged at debug level. */
#include "cgroup.h"

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
	}
	const char *parts[] = {own, parent, id};
	int r = join_rel(h->rel, sizeof(h->rel), parts, 3);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "cgroup path too long");
	return 0;
}

int cg_resolve(const struct gconf *g, unsigned ctid, struct cg_paths *out)
{
	memset(out, 0, sizeof(*out));
	int r = cg_detect(&out->mode);
	if (r < 0)
		return r;
	const char *parent = g && g->cg_parent && *g->cg_parent ? g->cg_parent : "cellctl";
	bool self = strcmp(parent, "self") == 0;
	if (self)
		parent = "cellctl";
	if (strstr(parent, ".."))
		return cerr(EX_BADVALUE, EINVAL, "bad cgroup parent \"%s\"", parent);
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
	size_t cap = 64 + p->n * (sizeof(p->h[0]) + 4);
	char *buf = xmalloc(cap);
	size_t k = (size_t)snprintf(buf, cap, "mode %s\n", mode_name(p->mode));
	for (unsigned i = 0; i < p->n && i < CG_MAX_HIER; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s %s %s\n", p->h[i].name, p->h[i].mount, p->h[i].rel);
	return buf;
}

int cg_paths_parse(const char *text, struct cg_paths *p)
{
	memset(p, 0, sizeof(*p));
	_cleanup_free_ char *buf = xstrdup(text);
	char *save = NULL;
	bool have_mode = false;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		unsigned n = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(l, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2)) {
			if (n == 4)
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
		if (n != 3 || p->n >= CG_MAX_HIER)
			return -EINVAL;
		struct cg_hier *h = &p->h[p->n];
		if (strlen(f[0]) >= sizeof(h->name) || strlen(f[1]) >= sizeof(h->mount) ||
		    strlen(f[2]) >= sizeof(h->rel) || f[2][0] == '/' || strstr(f[2], ".."))
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

static char *leaf_dir(const struct cg_hier *h)
{
	return xasprintf("%s/%s/" LEAF, h->mount, h->rel);
}

static int cg_write(const char *dir, const char *file, const char *val)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	int r = write_file_at(AT_FDCWD, path, val);
	log_debug("cgroup write %s = \"%s\"%s%s", path, val, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	return r;
}

static int cg_read(const char *dir, const char *file, char **out)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	int r = read_file_at(AT_FDCWD, path, out, NULL);
	if (r >= 0)
		strtrim(*out);
	return r;
}

static int cg_mkdir(const char *path)
{
	if (mkdir(path, 0755) == 0) {
		log_debug("cgroup mkdir %s", path);
		return 1;
	}
	if (errno == EEXIST)
		return 0;
	return -errno;
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

/* Enable the container controllers in dir's cgroup.subtree_control (those dir has). */
static int enable_controllers(const char *dir)
{
	static const char *const want[] = {"cpuset", "cpu", "io", "memory", "pids"};
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	int r = cg_read(dir, "cgroup.controllers", &avail);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read %s/cgroup.controllers", dir);
	if (cg_read(dir, "cgroup.subtree_control", &enabled) < 0)
		enabled = xstrdup("");
	char line[64] = "";
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		if (!word_in(avail, want[i])) {
			log_debug("cgroup controller %s not available in %s", want[i], dir);
			continue;
		}
		if (word_in(enabled, want[i]))
			continue;
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s+%s", *line ? " " : "", want[i]);
	}
	if (!*line)
		return 0;
	r = cg_write(dir, "cgroup.subtree_control", line);
	if (r == 0)
		return 0;
	/* find out which one the kernel refuses */
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		r = cg_write(dir, "cgroup.subtree_control", t);
		if (r == -EBUSY)
			return cerr(EX_SYSTEM, r,
				    "enable %s in %s/cgroup.subtree_control: that cgroup has processes of its own "
				    "(cgroup v2 no-internal-process rule); use a parent cgroup without processes",
				    t + 1, dir);
		if (r == -EOPNOTSUPP || r == -ENOTSUP) {
			log_warn("cannot enable %s in %s (threaded or unsupported); limits of it are skipped", t + 1, dir);
			continue;
		}
		if (r < 0)
			return cerr(EX_SYSTEM, r, "enable %s in %s/cgroup.subtree_control", t + 1, dir);
	}
	return 0;
}

/* Copy cpuset.cpus/mems from the parent when dir's are empty (new v1 cpusets start empty). */
static int cpuset_inherit(const char *parent, const char *dir)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *cur = NULL, *pv = NULL;
		int r = cg_read(dir, files[i], &cur);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", dir, files[i]);
		if (*cur)
			continue;
		r = cg_read(parent, files[i], &pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", parent, files[i]);
		r = cg_write(dir, files[i], pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "write %s/%s", dir, files[i]);
	}
	return 0;
}

/* mkdir every level of rel (and the leaf) below mount, with per-hierarchy set-up. */
static int create_hier(const struct cg_hier *h)
{
	bool unified = strcmp(h->name, "unified") == 0;
	bool cpuset = !unified && list_has(h->name, "cpuset");
	bool devices = !unified && list_has(h->name, "devices");
	_cleanup_free_ char *rel = xasprintf("%s/" LEAF, h->rel);
	size_t mlen = strlen(h->mount);
	_cleanup_free_ char *path = xasprintf("%s/%s", h->mount, rel);
	size_t limit_end = mlen + 1 + strlen(h->rel);
	/* walk every '/' after the mount point: path[0..i) is one level */
	for (size_t i = mlen + 1;; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		char c = path[i];
		path[i] = 0;
		bool is_leaf = i > limit_end;
		if (unified) {
			/* controllers for this level come from the parent's subtree_control */
			char *slash = strrchr(path, '/');
			*slash = 0;
			int r = slash - path >= (ptrdiff_t)mlen + 1 ? enable_controllers(path) : 0;
			*slash = '/';
			if (r < 0)
				return r;
		}
		if (devices && is_leaf) {
			/* v1: default-deny must be set before the limit cgroup has children */
			path[limit_end] = 0;
			int r = cg_write(path, "devices.deny", "a");
			path[limit_end] = '/';
			if (r < 0 && r != -EINVAL)
				return cerr(EX_DEVICES, r, "write %.*s/devices.deny", (int)limit_end, path);
		}
		int r = cg_mkdir(path);
		if (r < 0)
			return cerr(EX_SYSTEM, r, "create cgroup %s", path);
		if (cpuset) {
			char *slash = strrchr(path, '/');
			*slash = 0;
			_cleanup_free_ char *parent = xstrdup(path);
			*slash = '/';
			r = cpuset_inherit(parent, path);
			if (r < 0)
				return r;
		}
		path[i] = c;
		if (!c)
			break;
	}
	return 0;
}

static int be_create(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		int r = create_hier(&p->h[i]);
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
static int wlimit(struct wctx *w, const char *dir, const char *ctrl, const char *file, const char *val,
		  bool must, int excode)
{
	int r = cg_write(dir, file, val);
	if (r == 0)
		return 0;
	if (r == -ENOENT) {
		if (!must) {
			log_debug("cgroup %s/%s missing: %s left as is", dir, file, val);
			return 0;
		}
		r = cerr(excode, ENOENT, "controller %s not available (missing %s/%s)", ctrl, dir, file);
	} else {
		r = cerr(excode, r, "write \"%s\" to %s/%s", val, dir, file);
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
	_cleanup_free_ char *dir = limit_dir(&p->h[hi]);
	char v[256];

	fmt_u64_or(v, sizeof(v), c->ram, "max");
	TRY(wlimit(w, dir, "memory", "memory.max", v, c->ram != SIZE_UNLIMITED, EX_RESOURCE));
	fmt_u64_or(v, sizeof(v), c->swap, "max");
	TRY(wlimit(w, dir, "memory", "memory.swap.max", v, c->swap != SIZE_UNLIMITED, EX_RESOURCE));

	snprintf(v, sizeof(v), "%u", cg_cpuunits_to_weight(c->cpuunits ? c->cpuunits : 1000));
	TRY(wlimit(w, dir, "cpu", "cpu.weight", v, c->cpuunits && c->cpuunits != 1000, EX_RESOURCE));
	uint64_t q = cpu_quota(c);
	if (q)
		snprintf(v, sizeof(v), "%" PRIu64 " 100000", q);
	else
		snprintf(v, sizeof(v), "max 100000");
	TRY(wlimit(w, dir, "cpu", "cpu.max", v, q != 0, EX_RESOURCE));
	if (c->cpumask) {
		TRY(wlimit(w, dir, "cpuset", "cpuset.cpus", c->cpumask, true, EX_RESOURCE));
	} else {
		/* unset: empty means "as the parent", but the kernel refuses to empty it while the
		 * cgroup has tasks (ENOSPC); then take the parent's effective set */
		_cleanup_free_ char *cur = NULL, *pe = NULL, *parent = xstrdup(dir);
		*strrchr(parent, '/') = 0;
		if (cg_read(dir, "cpuset.cpus", &cur) == 0 && *cur && cg_write(dir, "cpuset.cpus", "\n") < 0 &&
		    cg_read(parent, "cpuset.cpus.effective", &pe) == 0)
			TRY(wlimit(w, dir, "cpuset", "cpuset.cpus", pe, false, EX_RESOURCE));
	}

	fmt_u64_or(v, sizeof(v), c->numproc, "max");
	TRY(wlimit(w, dir, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));

	/* io.weight is only there with a weight-based I/O controller (iocost); it is a hint */
	snprintf(v, sizeof(v), "default %u", cg_ioprio_to_weight(c->ioprio));
	if (cg_write(dir, "io.weight", v) < 0) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_weight(c->ioprio));
		if (cg_write(dir, "io.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no io.weight in %s: ioprio %d not applied", dir, c->ioprio);
	}

	bool io_set = c->iolimit || c->iopslimit;
	unsigned maj, min;
	int r = private_disk(private_path, &maj, &min);
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
	TRY(wlimit(w, dir, "io", "io.max", v, io_set, EX_IOLIMIT));
	return 0;
}

static int v1_dir(const struct cg_paths *p, const char *ctrl, char **dir)
{
	int i = hier_index(p, ctrl);
	if (i < 0)
		return -ENOENT;
	*dir = limit_dir(&p->h[i]);
	return 0;
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
	_cleanup_free_ char *dir = NULL;
	bool must = c->ram != SIZE_UNLIMITED || c->swap != SIZE_UNLIMITED;
	if (v1_dir(p, "memory", &dir) < 0)
		return missing_ctrl(w, "memory", must, EX_RESOURCE);
	char lim[32], memsw[32];
	fmt_u64_or(lim, sizeof(lim), c->ram, "-1");
	uint64_t sw = SIZE_UNLIMITED;
	if (c->ram != SIZE_UNLIMITED && c->swap != SIZE_UNLIMITED && c->ram + c->swap >= c->ram)
		sw = c->ram + c->swap;
	fmt_u64_or(memsw, sizeof(memsw), sw, "-1");

	_cleanup_free_ char *swf = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
	if (access(swf, F_OK) < 0) {
		if (c->swap != SIZE_UNLIMITED)
			log_warn("no memory.memsw.limit_in_bytes in %s (swap accounting off): swap not limited", dir);
		return wlimit(w, dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE);
	}
	/* the kernel wants memsw >= limit at every step: raise memsw first when growing */
	_cleanup_free_ char *cur = NULL;
	uint64_t cur_sw = 0;
	bool memsw_first = false;
	if (cg_read(dir, "memory.memsw.limit_in_bytes", &cur) == 0 && parse_u64(cur, &cur_sw) == 0) {
		uint64_t new_lim = c->ram == SIZE_UNLIMITED ? UINT64_MAX : c->ram;
		memsw_first = new_lim > cur_sw;
	}
	if (memsw_first) {
		TRY(wlimit(w, dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
		TRY(wlimit(w, dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
	} else {
		TRY(wlimit(w, dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
		TRY(wlimit(w, dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
	}
	return 0;
}

static int blkio_dev_write(struct wctx *w, const char *dir, const char *file, unsigned maj, unsigned min,
			   uint64_t v, bool must)
{
	char buf[64];
	/* "MAJ:MIN 0" removes the rule */
	snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, maj, min, v);
	return wlimit(w, dir, "blkio", file, buf, must, EX_IOLIMIT);
}

static int apply_v1_devices(const struct cg_paths *p, const struct ct_config *c, struct wctx *w)
{
	int hi = hier_index(p, "devices");
	if (hi < 0)
		return 0;
	struct dev_rule rules[MAX_DEVRULES + 32];
	size_t n = dev_default_rules(rules, ARRAY_SIZE(rules));
	int r = dev_rules_parse_list(c->devices, rules, ARRAY_SIZE(rules), &n);
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
	_cleanup_free_ char *lim = limit_dir(&p->h[hi]);
	_cleanup_free_ char *leaf = leaf_dir(&p->h[hi]);
	const char *dirs[] = {lim, leaf};
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
	_cleanup_free_ char *cpu = NULL, *cpuset = NULL, *blkio = NULL, *pids = NULL;

	TRY(apply_v1_memory(p, c, w));

	uint64_t q = cpu_quota(c);
	bool units_set = c->cpuunits && c->cpuunits != 1000;
	if (v1_dir(p, "cpu", &cpu) == 0) {
		unsigned shares = (unsigned)((uint64_t)(c->cpuunits ? c->cpuunits : 1000) * 1024 / 1000);
		snprintf(v, sizeof(v), "%u", shares < 2 ? 2 : shares);
		TRY(wlimit(w, cpu, "cpu", "cpu.shares", v, units_set, EX_RESOURCE));
		TRY(wlimit(w, cpu, "cpu", "cpu.cfs_period_us", "100000", q != 0, EX_RESOURCE));
		if (q)
			snprintf(v, sizeof(v), "%" PRIu64, q);
		else
			snprintf(v, sizeof(v), "-1");
		TRY(wlimit(w, cpu, "cpu", "cpu.cfs_quota_us", v, q != 0, EX_RESOURCE));
	} else {
		TRY(missing_ctrl(w, "cpu", units_set || q, EX_RESOURCE));
	}

	if (v1_dir(p, "cpuset", &cpuset) == 0) {
		_cleanup_free_ char *pv = NULL;
		const char *mask = c->cpumask;
		if (!mask) {
			/* v1 has no "inherit": put back the parent's set */
			_cleanup_free_ char *parent = xstrdup(cpuset);
			*strrchr(parent, '/') = 0;
			if (cg_read(parent, "cpuset.cpus", &pv) == 0)
				mask = pv;
		}
		if (mask) {
			/* v1 wants a child's cpus inside its parent's: shrinking goes leaf first,
			 * growing limit first; try the first and fall back to the second */
			_cleanup_free_ char *leaf = xasprintf("%s/" LEAF, cpuset);
			bool must = c->cpumask != NULL;
			if (cg_write(leaf, "cpuset.cpus", mask) == 0) {
				TRY(wlimit(w, cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			} else {
				TRY(wlimit(w, cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
				TRY(wlimit(w, leaf, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			}
		}
	} else {
		TRY(missing_ctrl(w, "cpuset", c->cpumask != NULL, EX_RESOURCE));
	}

	bool io_set = c->iolimit || c->iopslimit;
	if (v1_dir(p, "blkio", &blkio) == 0) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_blkio_weight(c->ioprio));
		if (cg_write(blkio, "blkio.weight", v) < 0 && cg_write(blkio, "blkio.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no blkio.weight in %s: ioprio %d not applied", blkio, c->ioprio);
		unsigned maj, min;
		int r = private_disk(private_path, &maj, &min);
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
			_cleanup_free_ char *leaf = xasprintf("%s/" LEAF, blkio);
			const char *dirs[] = {blkio, leaf};
			for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
				if (d == 1 && access(leaf, F_OK) < 0)
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

	if (v1_dir(p, "pids", &pids) == 0) {
		fmt_u64_or(v, sizeof(v), c->numproc, "max");
		TRY(wlimit(w, pids, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));
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
		_cleanup_free_ char *leaf = leaf_dir(&p->h[i]);
		int r = cg_write(leaf, "cgroup.procs", v);
		if (r < 0)
			return cerr(EX_SYSTEM, r, "move pid %d into %s", (int)pid, leaf);
	}
	return 0;
}

/* ---- tree walks ---- */

/* Call fn on dir and every cgroup below it; depth first, children before dir when post. */
typedef int (*walk_fn)(const char *dir, void *arg);

static int walk(const char *dir, bool post, walk_fn fn, void *arg)
{
	int r;
	if (!post && (r = fn(dir, arg)) != 0)
		return r;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		bool isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			isdir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		}
		if (!isdir)
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
		r = walk(sub, post, fn, arg);
	}
	closedir(d);
	if (r == 0 && post)
		r = fn(dir, arg);
	return r;
}

static int count_procs(const char *dir, void *arg)
{
	unsigned *n = arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(dir, "cgroup.procs", &text) < 0)
		return 0;
	for (char *s = text; *s; s++)
		if (*s != '\n' && (s == text || s[-1] == '\n'))
			(*n)++;
	return 0;
}

static int kill_procs(const char *dir, void *arg)
{
	(void)arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(dir, "cgroup.procs", &text) < 0)
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

static int collect_procs(const char *dir, void *arg)
{
	struct pidlist *l = arg;
	_cleanup_free_ char *text = NULL;
	if (cg_read(dir, "cgroup.procs", &text) < 0)
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
	if (hi >= 0) {
		_cleanup_free_ char *dir = limit_dir(&p->h[hi]);
		walk(dir, false, collect_procs, &l);
	}
	*pids = l.v;
	return l.n;
}

static unsigned tree_procs(const char *dir)
{
	unsigned n = 0;
	walk(dir, false, count_procs, &n);
	return n;
}

static bool tree_empty(const char *dir)
{
	_cleanup_free_ char *ev = NULL;
	if (cg_read(dir, "cgroup.events", &ev) == 0) {
		char *pop = strstr(ev, "populated ");
		if (pop)
			return pop[10] == '0';
	}
	return tree_procs(dir) == 0;
}

static int wait_empty(const char *dir, unsigned timeout_ms, bool rekill)
{
	uint64_t end = now_ms() + timeout_ms;
	for (;;) {
		if (access(dir, F_OK) < 0 || tree_empty(dir))
			return 0;
		if (now_ms() >= end)
			return cerr(EX_SYSTEM, ETIMEDOUT, "processes left in %s after %u ms", dir, timeout_ms);
		if (rekill)
			walk(dir, false, kill_procs, NULL);
		sleep_ms(10);
	}
}

/* ---- kill ---- */

static int be_kill_v2(const struct cg_paths *p, unsigned timeout_ms)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return cerr(EX_SYSTEM, ENOENT, "no unified cgroup hierarchy");
	_cleanup_free_ char *dir = limit_dir(&p->h[hi]);
	if (access(dir, F_OK) < 0)
		return 0;
	int r = cg_write(dir, "cgroup.kill", "1");
	bool rekill = false;
	if (r == -ENOENT) {
		/* kernel < 5.14: no cgroup.kill; keep killing until empty (new forks get caught) */
		log_debug("no cgroup.kill in %s, killing one by one", dir);
		walk(dir, false, kill_procs, NULL);
		rekill = true;
	} else if (r < 0) {
		return cerr(EX_SYSTEM, r, "write %s/cgroup.kill", dir);
	}
	return wait_empty(dir, timeout_ms, rekill);
}

static int be_kill_v1(const struct cg_paths *p, unsigned timeout_ms)
{
	int fi = hier_index(p, "freezer");
	int ti = fi >= 0 ? fi : hier_index(p, "memory");
	if (ti < 0)
		ti = 0;
	_cleanup_free_ char *tree = limit_dir(&p->h[ti]);
	if (access(tree, F_OK) < 0)
		return 0;
	_cleanup_free_ char *fz = fi >= 0 ? limit_dir(&p->h[fi]) : NULL;
	bool frozen = false;
	if (fz && cg_write(fz, "freezer.state", "FROZEN") == 0) {
		frozen = true;
		uint64_t end = now_ms() + (timeout_ms < 1000 ? timeout_ms : 1000);
		for (;;) {
			_cleanup_free_ char *st = NULL;
			if (cg_read(fz, "freezer.state", &st) < 0 || strcmp(st, "FROZEN") == 0 || now_ms() >= end)
				break;
			sleep_ms(5);
		}
	}
	walk(tree, false, kill_procs, NULL);
	if (frozen)
		cg_write(fz, "freezer.state", "THAWED");
	return wait_empty(tree, timeout_ms, true);
}

/* ---- nproc ---- */

static int nproc_at(const struct cg_hier *h)
{
	_cleanup_free_ char *dir = limit_dir(h);
	_cleanup_free_ char *cur = NULL;
	uint64_t v;
	if (access(dir, F_OK) < 0)
		return 0;
	if (cg_read(dir, "pids.current", &cur) == 0 && parse_u64(cur, &v) == 0)
		return v > INT32_MAX ? INT32_MAX : (int)v;
	return (int)tree_procs(dir);
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
	_cleanup_free_ char *dir = limit_dir(&p->h[hi]);
	return access(dir, F_OK) < 0 ? 0 : (int)tree_procs(dir);
}

/* ---- destroy ---- */

static int rmdir_retry(const char *dir, void *arg)
{
	(void)arg;
	for (int i = 0;; i++) {
		if (rmdir(dir) == 0) {
			log_debug("cgroup rmdir %s", dir);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 20)
			return cerr(EX_SYSTEM, errno, "remove cgroup %s", dir);
		sleep_ms(10);
	}
}

/* rmdir every cgroup below dir (not dir itself), deepest first */
static int rmdir_below(const char *dir, void *arg)
{
	const char *top = arg;
	return strcmp(dir, top) == 0 ? 0 : rmdir_retry(dir, NULL);
}

int cg_reset_leaf(const struct cg_paths *p)
{
	int err = 0;
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *leaf = leaf_dir(&p->h[i]);
		int r = walk(leaf, true, rmdir_below, leaf);
		if (r < 0 && !err)
			err = r;
		/* controllers the guest enabled for its sub-cgroups: a process cannot join a cgroup
		 * that has them (no internal processes), so the next init could not be moved in */
		_cleanup_free_ char *ctl = NULL;
		if (cg_read(leaf, "cgroup.subtree_control", &ctl) < 0)
			continue;
		char *save = NULL;
		for (char *t = strtok_r(ctl, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
			_cleanup_free_ char *off = xasprintf("-%s", t);
			if ((r = cg_write(leaf, "cgroup.subtree_control", off)) < 0 && !err)
				err = cerr(EX_SYSTEM, r, "disable %s in %s/cgroup.subtree_control", t, leaf);
		}
	}
	return err;
}

static int be_destroy(const struct cg_paths *p)
{
	int err = 0;
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *dir = limit_dir(&p->h[i]);
		int r = walk(dir, true, rmdir_retry, NULL);
		if (r < 0 && !err)
			err = r;
		/* the shared parent ("cellctl"): only when empty, and quietly */
		char *slash = strrchr(dir, '/');
		if (r == 0 && slash && (size_t)(slash - dir) > strlen(p->h[i].mount)) {
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

/* Stats read control files relative to an O_PATH fd of each cgroup (one path walk per
 * hierarchy, not per file: ubc over hundreds of containers stays fast). dfd < 0: missing. */
static int st_open(const char *dir)
{
	return dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
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
	_cleanup_free_ char *path = limit_dir(&p->h[hi]);
	_cleanup_close_ int dir = st_open(path);
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
	_cleanup_free_ char *dir = limit_dir(&p->h[i]);
	return st_open(dir);
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
	_cleanup_free_ char *leaf = leaf_dir(&p->h[hi]);
	int fd = open(leaf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cg_limit_fd(const struct cg_paths *p)
{
	int hi = hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_free_ char *dir = limit_dir(&p->h[hi]);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int chown_one(const char *path, uid_t uid, gid_t gid, bool must)
{
	if (chown(path, uid, gid) == 0) {
		log_debug("cgroup chown %s %d:%d", path, (int)uid, (int)gid);
		return 0;
	}
	if (errno == ENOENT && !must)
		return 0;
	return cerr(EX_SYSTEM, errno, "chown %s", path);
}

int cg_delegate(const struct cg_paths *p, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *dfile = xasprintf("%s/kernel/cgroup/delegate", sysfs_root());
	_cleanup_free_ char *list = NULL;
	if (read_file_at(AT_FDCWD, dfile, &list, NULL) < 0)
		list = xstrdup("cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *leaf = leaf_dir(&p->h[i]);
		int r = chown_one(leaf, uid, gid, true);
		if (r < 0)
			return r;
		if (strcmp(p->h[i].name, "unified") == 0) {
			_cleanup_free_ char *l = xstrdup(list);
			char *save = NULL;
			for (char *t = strtok_r(l, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
				if (strchr(t, '/') || t[0] == '.')
					continue;
				_cleanup_free_ char *f = xasprintf("%s/%s", leaf, t);
				if ((r = chown_one(f, uid, gid, false)) < 0)
					return r;
			}
		} else {
			static const char *const v1files[] = {"cgroup.procs", "tasks"};
			for (size_t k = 0; k < ARRAY_SIZE(v1files); k++) {
				_cleanup_free_ char *f = xasprintf("%s/%s", leaf, v1files[k]);
				if ((r = chown_one(f, uid, gid, false)) < 0)
					return r;
			}
		}
	}
	return 0;
}
