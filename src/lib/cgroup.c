/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups: mode detection, path resolution, the identity checks and operations every mode shares
 * (create, attach, destroy, delegation), and the vtables that put them together with the v2
 * (cgroup_v2.c) and v1 (cgroup_v1.c) backends and the statistics (cgroup_stats.c). Every write and
 * mkdir is logged at debug level. */
#include "cgroup_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "error.h"
#include "log.h"

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

/* The caller's own cgroup in hierarchy name ("" for unified), without leading slash, as the file
 * path (/proc/self/cgroup or a test's stand-in) says. */
static int cgroup_in(const char *path, const char *name, char *out, size_t len)
{
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
				match &= cg_list_has(ctrls, t);
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

/* The caller's own cgroup for resolving "self": CELLCTL_PROC_SELF_CGROUP may stand in for
 * /proc/self/cgroup (tests). */
static int self_cgroup(const char *name, char *out, size_t len)
{
	const char *path = getenv("CELLCTL_PROC_SELF_CGROUP");
	return cgroup_in(path && *path ? path : "/proc/self/cgroup", name, out, len);
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

	struct cg1_mount mounts[24];
	size_t nm = cg1_mounts(mounts, ARRAY_SIZE(mounts));
	static const char *const wanted[] = {"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids", "freezer", "devices"};
	size_t nwanted = out->mode == CG_LEGACY ? 8 : 6;
	for (size_t w = 0; w < nwanted; w++) {
		const struct cg1_mount *m = NULL;
		for (size_t i = 0; i < nm && !m; i++)
			if (cg_list_has(mounts[i].name, wanted[w]))
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
	for (size_t i = 0; i < nm && out->n > 0 && out->n < CG_MAX_HIER; i++) {
		if (strcmp(mounts[i].name, CG_SYSTEMD) != 0)
			continue;
		struct cg_hier *h = &out->h[out->n++];
		snprintf(h->name, sizeof(h->name), "%s", mounts[i].name);
		snprintf(h->mount, sizeof(h->mount), "%s", mounts[i].mount);
		r = fill_rel(h, parent, self, mounts[i].root, ctid);
		if (r < 0)
			return r;
		break;
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

/* ---- identity ---- */

int cg_verify(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cg_open_limit(&p->h[i], &d);
		if (r < 0)
			return cg_limit_err(&p->h[i], r);
	}
	return 0;
}

bool cg_lost(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cg_open_limit(&p->h[i], &d);
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
	int r = cg_open_limit(&p->h[i], &d);
	if (r < 0)
		return cg_limit_err(&p->h[i], r);
	return take_fd(&d.fd);
}

/* ---- create ---- */

/* Did a write or read of a cgroup fail because the cgroup (or its parent) was removed meanwhile?
 * A removed cgroup's open files answer ENODEV. Then the error is forgotten (es restored): the
 * caller walks down again. */
static bool gone(int r, const struct cerr_saved *es)
{
	if (r != -ENODEV && r != -ENOENT)
		return false;
	cerr_restore(es);
	return true;
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
	struct cerr_saved es;
	cerr_save(&es);
	if (unified && strlen(up.path) > mlen && (r = cg2_enable_controllers(&up)) < 0)
		return gone(r, &es) ? -ENOENT : r;
	/* v1 cpuset: a shared level made again meanwhile by another start (or by anything else)
	 * may not have its cpus and mems yet, and a child would copy the empty values (no task can
	 * join it then: ENOSPC). Filled here from its own parent first; -ENOENT when that has none
	 * either (made again meanwhile: the walk starts again). */
	if (cpuset && strlen(up.path) > mlen && (r = cg1_cpuset_inherit(NULL, &up)) < 0)
		return gone(r, &es) ? -ENOENT : r;
	cerr_restore(&es);
	/* Made and opened below the parent we hold, never by path: the parent can be removed and
	 * made again by another start between our open of it and the mkdir. A mkdir by path would
	 * then land in the new parent while `up` is the removed one (cpuset.cpus: ENODEV). Below a
	 * removed directory mkdirat fails (ENOENT); once our child is in it the parent stays. */
	const char *name = strrchr(path, '/') + 1;
	if (mkdirat(up.fd, name, 0755) == 0)
		log_debug("cgroup mkdir %s", path);
	else if (errno == ENOENT || errno == ENODEV)
		return -ENOENT; /* as above: the parent was removed between the open and the mkdir */
	else if (errno != EEXIST)
		return cerr(EX_SYSTEM, errno, "create cgroup %s", path);
	else if (exclusive)
		return cerr(EX_CGFOREIGN, EEXIST, "create cgroup %s: another start made it meanwhile", path);
	if ((r = cgd_sub(&up, name, out)) == -ENOENT && exclusive)
		/* made, and removed before we opened it: another installation's start took it for one
		 * left behind (remove_stale), as it may; the CTID is being started there */
		return cerr(EX_CGFOREIGN, EBUSY, "create cgroup %s: another start removed it meanwhile", path);
	if (r == -ENOENT)
		return -ENOENT; /* a shared ancestor: create_hier makes it again */
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s", path);
	cerr_save(&es);
	if (cpuset && (r = cg1_cpuset_inherit(&up, out)) < 0) {
		if (!gone(r, &es))
			return r;
		cgdir_close(out);
		if (exclusive)
			return cerr(EX_CGFOREIGN, EBUSY, "create cgroup %s: another start removed it meanwhile", path);
		return -ENOENT;
	}
	cerr_restore(&es);
	return 0;
}

/* Make the cgroup at path in h's hierarchy with its missing ancestors (they are shared) and open
 * it into out; exclusive: path itself must be new. A shared ancestor can be removed by another
 * container's stop or destroy (they rmdir it when it looks empty) between our mkdir of it and of
 * the level below: then walk down again. -ENOENT when that keeps happening. */
static int make_path(const struct cg_hier *h, char *path, bool exclusive, struct cgdir *out)
{
	bool unified = strcmp(h->name, "unified") == 0;
	bool cpuset = !unified && cg_list_has(h->name, "cpuset");
	size_t mlen = strlen(h->mount);
	int r = -ENOENT;
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
			r = make_level(path, mlen, unified, cpuset, exclusive, out);
	}
	return r;
}

/* Make hierarchy h's levels: the ancestors when missing (they are shared), the limit cgroup (which
 * must be new: its identity is recorded in h->ino) and its leaf. */
static int create_hier(struct cg_hier *h)
{
	bool unified = strcmp(h->name, "unified") == 0;
	bool cpuset = !unified && cg_list_has(h->name, "cpuset");
	bool devices = !unified && cg_list_has(h->name, "devices");
	_cleanup_free_ char *path = cg_limit_dir(h);
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = make_path(h, path, true, &lim);
	if (r == -ENOENT)
		return cerr(EX_SYSTEM, ENOENT, "create cgroup %s: its parent keeps being removed", path);
	if (r < 0)
		return r;
	h->ino = cg_fd_ino(lim.fd);
	/* v1: default-deny must be set before the limit cgroup has children */
	if (devices && (r = cg1_devices_init(&lim)) < 0)
		return r;
	if (unified && (r = cg2_enable_controllers(&lim)) < 0)
		return r;
	if (mkdirat(lim.fd, LEAF, 0755) == 0)
		log_debug("cgroup mkdir %s/" LEAF, lim.path);
	else if (errno == ENOENT || errno == ENODEV)
		r = -ENOENT; /* our new limit cgroup removed: see below */
	else if (errno != EEXIST)
		return cerr(EX_SYSTEM, errno, "create cgroup %s/" LEAF, lim.path);
	_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
	if (r == -ENOENT || (r = cgd_sub(&lim, LEAF, &leaf)) == -ENOENT)
		/* made by us a moment ago: another installation's start took it, still empty, for one
		 * left behind (remove_stale), as it may; the CTID is being started there */
		return cerr(EX_CGFOREIGN, EBUSY, "create cgroup %s: another start removed it meanwhile", lim.path);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s/" LEAF, lim.path);
	if (cpuset && (r = cg1_cpuset_inherit(&lim, &leaf)) < 0)
		return r;
	return 0;
}

/* ---- the monitors' cgroup ---- */

/* The monitors' cgroup of h's hierarchy: a leaf beside the limit cgroups, below the same [cgroup]
 * parent (its name is no CTID). malloc'd. */
static char *monitor_dir(const struct cg_hier *h)
{
	_cleanup_free_ char *lim = cg_limit_dir(h);
	*strrchr(lim, '/') = 0;
	return xasprintf("%s/" CG_MONITOR, lim);
}

/* The shared levels of h, quietly and only when empty: the monitors' cgroup, then the parent
 * (never the hierarchy's root). */
static void remove_shared(const struct cg_hier *h)
{
	_cleanup_free_ char *mon = monitor_dir(h);
	if (rmdir(mon) == 0)
		log_debug("cgroup rmdir %s", mon);
	else if (errno != ENOENT)
		return; /* the monitors' cgroup stays (a monitor in it: the caller's own, another's), so does the parent */
	char *slash = strrchr(mon, '/');
	*slash = 0;
	if ((size_t)(slash - mon) > strlen(h->mount) && rmdir(mon) == 0)
		log_debug("cgroup rmdir %s", mon);
}

int cg_monitor_launch_fds(const struct cg_paths *p, int *into, int *origin)
{
	*into = *origin = -1;
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	const struct cg_hier *h = &p->h[hi];
	char own[512];
	struct cerr_saved es;
	cerr_save(&es);
	_cleanup_free_ char *path = monitor_dir(h);
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cgroup_in("/proc/self/cgroup", "", own, sizeof(own));
	if (r == 0) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", h->mount, own);
		if ((*origin = open(dir, CGDIR_FLAGS)) < 0)
			r = -errno;
	}
	if (r == 0)
		r = make_path(h, path, false, &d);
	cerr_restore(&es);
	if (r < 0) {
		if (*origin >= 0)
			close(*origin);
		*origin = -1;
		return r;
	}
	*into = take_fd(&d.fd);
	return 0;
}

int cg_monitor_enter(const struct cg_paths *p, struct cg_origin *from, int unified_origin)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", (int)getpid());
	from->n = p->n;
	for (unsigned i = 0; i < p->n; i++)
		from->fd[i] = -1;
	for (unsigned i = 0; i < p->n; i++) {
		bool unified = strcmp(p->h[i].name, "unified") == 0;
		/* the cgroup being left, to go back to at the end (see cg_monitor_leave) */
		char own[512];
		struct cerr_saved es;
		cerr_save(&es);
		bool have_own = cgroup_in("/proc/self/cgroup", unified ? "" : p->h[i].name, own, sizeof(own)) == 0;
		if (unified && unified_origin >= 0) {
			from->fd[i] = unified_origin;
			unified_origin = -1;
		} else if (have_own) {
			_cleanup_free_ char *dir = xasprintf("%s/%s", p->h[i].mount, own);
			from->fd[i] = open(dir, CGDIR_FLAGS);
		}
		cerr_restore(&es);
		_cleanup_free_ char *path = monitor_dir(&p->h[i]);
		if (unified && have_own) {
			/* forked straight into it (cg_monitor_launch_fds): no move */
			_cleanup_free_ char *cur = xasprintf("%s/%s", p->h[i].mount, own);
			if (strcmp(cur, path) == 0) {
				log_debug("monitor %d forked into %s", (int)getpid(), path);
				continue;
			}
		}
		int r = -ENOENT, w = 0;
		/* another container's destroy removes the leaf when it looks empty: make it again */
		for (int attempt = 0; r == -ENOENT && attempt < 20; attempt++) {
			_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
			w = 0;
			if ((r = make_path(&p->h[i], path, false, &d)) < 0)
				continue; /* recorded, or -ENOENT: again */
			/* v1: "0" into tasks moves only the writing thread (the whole monitor: it has no
			 * other), which spares the threadgroup lock and its RCU grace period */
			r = w = unified ? cg_write(&d, "cgroup.procs", v) : cg_write(&d, "tasks", "0");
			if (w == -ENODEV || w == -ENOENT)
				r = -ENOENT;
		}
		if (r == -ENOENT)
			return cerr(EX_SYSTEM, ENOENT, "move the monitor into %s: it keeps being removed", path);
		if (w < 0)
			return cerr(EX_SYSTEM, w, "move the monitor into %s", path);
		if (r < 0)
			return r;
		log_debug("monitor %d moved into %s", (int)getpid(), path);
	}
	return 0;
}

void cg_monitor_leave(const struct cg_paths *p, struct cg_origin *from)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", (int)getpid());
	bool back = true;
	for (unsigned i = 0; i < from->n && i < CG_MAX_HIER; i++) {
		int fd = from->fd[i] >= 0 ? openat(from->fd[i], "cgroup.procs", O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0 || write(fd, v, strlen(v)) < 0)
			back = false;
		if (fd >= 0)
			close(fd);
		if (from->fd[i] >= 0)
			close(from->fd[i]);
		from->fd[i] = -1;
	}
	from->n = 0;
	if (back)
		cg_monitor_remove(p);
}

void cg_origin_drop(struct cg_origin *from)
{
	for (unsigned i = 0; i < from->n && i < CG_MAX_HIER; i++)
		if (from->fd[i] >= 0)
			close(from->fd[i]);
	from->n = 0;
}

void cg_monitor_remove(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++)
		remove_shared(&p->h[i]);
}

/* An empty limit cgroup at h's place (a start that crashed, or another installation's container
 * that has stopped) goes, so that create makes a new one whose identity is ours alone. */
static int remove_stale(const struct cg_hier *h)
{
	_cleanup_free_ char *path = cg_limit_dir(h);
	const char *name = strrchr(path, '/') + 1;
	_cleanup_cgdir_ struct cgdir up = CGDIR_INIT, d = CGDIR_INIT;
	if (cgd_open_parent(path, &up) < 0 || cgd_sub(&up, name, &d) < 0)
		return 0;
	/* looked at again just before: another start may have put its init there meanwhile */
	if (!cg_tree_empty(&d))
		return cerr(EX_CGFOREIGN, 0, "cgroup %s already holds processes that this start did not put there: not using it",
			    path);
	log_info("removing the empty cgroup %s left behind by an earlier start", path);
	int r = cg_remove_cgroup(&up, name, cg_fd_ino(d.fd));
	if (r < 0)
		return cerr_replace(EX_CGFOREIGN, r == -ESTALE ? EBUSY : r, "remove the cgroup %s left behind by an earlier start",
				    path);
	return 0;
}

int cg_remove_leftovers(const struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *path = cg_limit_dir(&p->h[i]);
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cgd_open(path, &d);
		if (r == 0 && !cg_tree_empty(&d))
			continue; /* in use: not a leftover of ours */
		if (r == 0 && remove_stale(&p->h[i]) < 0) {
			log_warn("%s", cerr_msg() ? cerr_msg() : "cannot remove an empty cgroup left behind");
			cerr_clear();
			continue;
		}
		/* the shared levels, as destroy does: only when empty, and quietly */
		remove_shared(&p->h[i]);
	}
	return 0;
}

static int be_create(struct cg_paths *p)
{
	for (unsigned i = 0; i < p->n; i++)
		p->h[i].ino = 0;
	/* a limit cgroup in use anywhere refuses the start before anything changes */
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_free_ char *path = cg_limit_dir(&p->h[i]);
		_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
		int r = cgd_open(path, &d);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return cerr(EX_SYSTEM, r, "open cgroup %s", path);
		if (!cg_tree_empty(&d))
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

/* ---- apply ---- */

static int be_apply(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live)
{
	const struct cg_ops *ops = cg_backend(p->mode);
	int r = ops->limits(p, c, private_path, live);
	return r < 0 ? r : ops->devices(p, c, live);
}

/* ---- attach ---- */

/* The leaf of h's (verified) limit cgroup, error recorded. */
static int open_leaf(const struct cg_hier *h, struct cgdir *leaf)
{
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = cg_open_limit(h, &lim);
	if (r < 0)
		return cg_limit_err(h, r);
	if ((r = cgd_sub(&lim, LEAF, leaf)) == -ENOENT)
		/* only another start removes it: another installation's start of the same CTID took
		 * our cgroup, still empty, for one left behind, and is halfway through its removal */
		return cerr(EX_CGFOREIGN, ENOENT,
			    "cgroup %s/" LEAF " was removed after this container's start made it (another "
			    "installation's start of the same CTID and [cgroup] parent?)",
			    lim.path);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "open cgroup %s/" LEAF, lim.path);
	return 0;
}

/* pid into the leaf of every hierarchy, or of the one named only */
static int attach_leaves(const struct cg_paths *p, pid_t pid, const char *only)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (unsigned i = 0; i < p->n; i++) {
		if (only && strcmp(p->h[i].name, only) != 0)
			continue;
		_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
		int r = open_leaf(&p->h[i], &leaf);
		if (r < 0)
			return r;
		if ((r = cg_write(&leaf, "cgroup.procs", v)) < 0)
			return cerr(EX_SYSTEM, r, "move pid %d into %s", (int)pid, leaf.path);
	}
	return 0;
}

static int be_attach(const struct cg_paths *p, pid_t pid) { return attach_leaves(p, pid, NULL); }

/* ---- destroy ---- */

int cg_reset_leaf(const struct cg_paths *p)
{
	int err = 0;
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
		int r = cg_open_teardown(&p->h[i], &lim);
		if (r <= 0) {
			if (r < 0 && !err)
				err = r;
			continue;
		}
		if (cgd_sub(&lim, LEAF, &leaf) < 0)
			continue;
		if ((r = cg_rm_below(&leaf)) < 0 && !err)
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
		_cleanup_free_ char *dir = cg_limit_dir(h);
		char *slash = strrchr(dir, '/');
		_cleanup_cgdir_ struct cgdir up = CGDIR_INIT;
		if (!slash || cgd_open_parent(dir, &up) < 0)
			continue; /* no parent: the limit cgroup is gone too */
		int r = 0;
		if (h->ino) {
			r = cg_remove_cgroup(&up, slash + 1, h->ino);
			if (r == -ESTALE)
				r = cg_limit_err(h, r);
		}
		if (r < 0) {
			if (!err)
				err = r;
			continue;
		}
		/* the shared levels (the monitors' cgroup, the parent "cellctl"): only when empty */
		remove_shared(h);
	}
	return err;
}

/* ---- the vtables ---- */

static const struct cg_ops ops_v2 = {
	.create = be_create,
	.apply = be_apply,
	.limits = cg2_limits,
	.devices = cg2_devices,
	.attach = be_attach,
	.kill = cg2_kill,
	.nproc = cg2_nproc,
	.freeze = cg2_freeze,
	.frozen = cg2_frozen,
	.destroy = be_destroy,
	.stats = cg2_stats,
};

/* hybrid: v1 limit files, unified for tracking, kill and BPF */
static const struct cg_ops ops_hybrid = {
	.create = be_create,
	.apply = be_apply,
	.limits = cg1_limits,
	.devices = cg2_devices,
	.attach = be_attach,
	.kill = cg2_kill,
	.nproc = cg2_nproc,
	.freeze = cg2_freeze,
	.frozen = cg2_frozen,
	.destroy = be_destroy,
	.stats = cg1_stats,
};

static const struct cg_ops ops_legacy = {
	.create = be_create,
	.apply = be_apply,
	.limits = cg1_limits,
	.devices = cg1_devices,
	.attach = be_attach,
	.kill = cg1_kill,
	.nproc = cg1_nproc,
	.freeze = cg1_freeze,
	.frozen = cg1_frozen,
	.destroy = be_destroy,
	.stats = cg1_stats,
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
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = cg_open_ctrl(p, "unified", &lim);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	int fd = openat(lim.fd, LEAF, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int cg_leaf_tasks_open(const struct cg_paths *p, int fds[CG_MAX_HIER])
{
	for (unsigned i = 0; i < CG_MAX_HIER; i++)
		fds[i] = -1;
	for (unsigned i = 0; i < p->n && i < CG_MAX_HIER; i++) {
		if (strcmp(p->h[i].name, "unified") == 0)
			continue;
		_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
		int r = open_leaf(&p->h[i], &leaf);
		if (r >= 0 && (fds[i] = openat(leaf.fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			r = cerr(EX_SYSTEM, errno, "open %s/tasks", leaf.path);
		if (r < 0) {
			cg_fds_close(fds);
			return r;
		}
	}
	return 0;
}

void cg_fds_close(int fds[CG_MAX_HIER])
{
	for (unsigned i = 0; i < CG_MAX_HIER; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int cg_attach_unified(const struct cg_paths *p, pid_t pid) { return attach_leaves(p, pid, "unified"); }

int cg_limit_fd(const struct cg_paths *p)
{
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = cg_open_ctrl(p, "unified", &lim);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
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
	_cleanup_free_ char *dfile = xasprintf("%s/kernel/cgroup/delegate", cg_sysfs_root());
	_cleanup_free_ char *list = NULL;
	if (read_file_at(AT_FDCWD, dfile, &list, NULL) < 0)
		list = xstrdup("cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
	for (unsigned i = 0; i < p->n; i++) {
		_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
		int r = open_leaf(&p->h[i], &leaf);
		if (r < 0)
			return r;
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
