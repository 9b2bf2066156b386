/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups, the v1 backend: the mounted hierarchies, limits in each controller's limit cgroup
 * (hybrid mode too), devices.allow/deny, and freeze-and-kill (legacy mode). */
#include "cgroup_int.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devbpf.h"
#include "error.h"
#include "log.h"

/* ---- hierarchies ---- */

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

/* v1 hierarchies from /proc/self/mountinfo: "... MOUNTROOT MOUNTPOINT ... - cgroup SRC OPTS" */
static size_t v1_from_mountinfo(struct cg1_mount *m, size_t max)
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
			/* systemd's own hierarchy (no controller): where it tracks a unit's processes */
			if (!is_v1_controller(t) && strcmp(t, CG_SYSTEMD) != 0)
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
static size_t v1_from_dir(struct cg1_mount *m, size_t max)
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

size_t cg1_mounts(struct cg1_mount *m, size_t max)
{
	size_t n = 0;
	if (!cg_root_overridden())
		n = v1_from_mountinfo(m, max);
	if (n == 0)
		n = v1_from_dir(m, max);
	return n;
}

/* ---- create ---- */

int cg1_cpuset_inherit(const struct cgdir *parent, const struct cgdir *d)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	_cleanup_cgdir_ struct cgdir up = CGDIR_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *cur = NULL, *pv = NULL;
		int r = cg_read(d, files[i], &cur);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", d->path, files[i]);
		if (*cur)
			continue;
		if (!parent) { /* opened only now: a level that has its values (the usual case) costs two reads */
			if ((r = cgd_open_parent(d->path, &up)) < 0)
				return cerr(EX_RESOURCE, r, "open the parent cgroup of %s", d->path);
			parent = &up;
		}
		r = cg_read(parent, files[i], &pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "read %s/%s", parent->path, files[i]);
		if (!*pv) /* made a moment ago itself (another start's level): nothing to give yet */
			return cerr(EX_RESOURCE, ENOENT, "%s/%s is empty: no cpus or memory nodes to give %s", parent->path,
				    files[i], d->path);
		r = cg_write(d, files[i], pv);
		if (r < 0)
			return cerr(EX_RESOURCE, r, "write %s/%s", d->path, files[i]);
	}
	return 0;
}

int cg1_devices_init(const struct cgdir *lim)
{
	int r = cg_write(lim, "devices.deny", "a");
	if (r < 0 && r != -EINVAL)
		return cerr(EX_DEVICES, r, "write %s/devices.deny", lim->path);
	return 0;
}

/* ---- apply ---- */

/* ioprio -> v1 blkio.weight (100..1000, kernel default 500): 4 maps to the default 500. */
static const unsigned io_weight_v1[8] = {100, 200, 300, 400, 500, 625, 750, 1000};
unsigned cg_ioprio_to_blkio_weight(int ioprio)
{
	return io_weight_v1[cg_ioprio_index(ioprio)];
}

static int missing_ctrl(struct wctx *w, const char *ctrl, bool must, int excode)
{
	if (!must) {
		log_debug("cgroup v1 controller %s not mounted, skipped", ctrl);
		return 0;
	}
	return cg_wfail(w, cerr(excode, ENOENT, "controller %s not available (not mounted)", ctrl));
}

static int apply_v1_memory(const struct cg_paths *p, const struct ct_config *c, struct wctx *w)
{
	_cleanup_cgdir_ struct cgdir dir = CGDIR_INIT;
	bool must = c->ram != SIZE_UNLIMITED || c->swap != SIZE_UNLIMITED;
	int r = cg_open_ctrl(p, "memory", &dir);
	if (r <= 0)
		return r < 0 ? r : missing_ctrl(w, "memory", must, EX_RESOURCE);
	char lim[32], memsw[32];
	cg_fmt_u64_or(lim, sizeof(lim), c->ram, "-1");
	uint64_t sw = SIZE_UNLIMITED;
	if (c->ram != SIZE_UNLIMITED && c->swap != SIZE_UNLIMITED && c->ram + c->swap >= c->ram)
		sw = c->ram + c->swap;
	cg_fmt_u64_or(memsw, sizeof(memsw), sw, "-1");

	if (faccessat(dir.fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0) {
		if (c->swap != SIZE_UNLIMITED)
			log_warn("no memory.memsw.limit_in_bytes in %s (swap accounting off): swap not limited", dir.path);
		return cg_wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE);
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
		TRY(cg_wlimit(w, &dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
		TRY(cg_wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
	} else {
		TRY(cg_wlimit(w, &dir, "memory", "memory.limit_in_bytes", lim, must, EX_RESOURCE));
		TRY(cg_wlimit(w, &dir, "memory", "memory.memsw.limit_in_bytes", memsw, must, EX_RESOURCE));
	}
	return 0;
}

static int blkio_dev_write(struct wctx *w, const struct cgdir *d, const char *file, unsigned maj, unsigned min,
			   uint64_t v, bool must)
{
	char buf[64];
	/* "MAJ:MIN 0" removes the rule */
	snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, maj, min, v);
	return cg_wlimit(w, d, "blkio", file, buf, must, EX_IOLIMIT);
}

static int apply_v1(const struct cg_paths *p, const struct ct_config *c, const char *private_path, struct wctx *w)
{
	char v[128];
	_cleanup_cgdir_ struct cgdir cpu = CGDIR_INIT, cpuset = CGDIR_INIT, blkio = CGDIR_INIT, pids = CGDIR_INIT;
	int r;

	TRY(apply_v1_memory(p, c, w));

	uint64_t q = cg_cpu_quota(c);
	bool units_set = c->cpuunits && c->cpuunits != 1000;
	if ((r = cg_open_ctrl(p, "cpu", &cpu)) < 0)
		return r;
	if (r) {
		unsigned shares = (unsigned)((uint64_t)(c->cpuunits ? c->cpuunits : 1000) * 1024 / 1000);
		snprintf(v, sizeof(v), "%u", shares < 2 ? 2 : shares);
		TRY(cg_wlimit(w, &cpu, "cpu", "cpu.shares", v, units_set, EX_RESOURCE));
		TRY(cg_wlimit(w, &cpu, "cpu", "cpu.cfs_period_us", "100000", q != 0, EX_RESOURCE));
		if (q)
			snprintf(v, sizeof(v), "%" PRIu64, q);
		else
			snprintf(v, sizeof(v), "-1");
		/* a copy on init's leaf, for lxcfs --enable-cfs (it reads the reader's own cgroup only);
		 * v1 wants a child's quota within its parent's: the leaf is unlimited while the parent
		 * changes */
		_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
		bool have_leaf = cgd_sub(&cpu, LEAF, &leaf) == 0;
		if (have_leaf)
			cg_write(&leaf, "cpu.cfs_quota_us", "-1");
		TRY(cg_wlimit(w, &cpu, "cpu", "cpu.cfs_quota_us", v, q != 0, EX_RESOURCE));
		if (have_leaf && q && cg_write(&leaf, "cpu.cfs_quota_us", v) < 0)
			log_debug("cgroup %s/" LEAF ": cpu.cfs_quota_us %s not copied", cpu.path, v);
	} else {
		TRY(missing_ctrl(w, "cpu", units_set || q, EX_RESOURCE));
	}

	if ((r = cg_open_ctrl(p, "cpuset", &cpuset)) < 0)
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
				TRY(cg_wlimit(w, &cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			} else {
				TRY(cg_wlimit(w, &cpuset, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
				TRY(cg_wlimit(w, &leaf, "cpuset", "cpuset.cpus", mask, must, EX_RESOURCE));
			}
		}
	} else {
		TRY(missing_ctrl(w, "cpuset", c->cpumask != NULL, EX_RESOURCE));
	}

	bool io_set = c->iolimit || c->iopslimit;
	if ((r = cg_open_ctrl(p, "blkio", &blkio)) < 0)
		return r;
	if (r) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_blkio_weight(c->ioprio));
		if (cg_write(&blkio, "blkio.weight", v) < 0 && cg_write(&blkio, "blkio.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no blkio.weight in %s: ioprio %d not applied", blkio.path, c->ioprio);
		unsigned maj, min;
		if ((r = cg_io_disk(w, private_path, io_set, &maj, &min)) < 0)
			return r;
		if (r) {
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

	if ((r = cg_open_ctrl(p, "pids", &pids)) < 0)
		return r;
	if (r) {
		cg_fmt_u64_or(v, sizeof(v), c->numproc, "max");
		TRY(cg_wlimit(w, &pids, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));
	} else {
		TRY(missing_ctrl(w, "pids", c->numproc != SIZE_UNLIMITED, EX_RESOURCE));
	}
	return 0;
}

int cg1_limits(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live)
{
	struct wctx w = {.live = live};
	int r = apply_v1(p, c, private_path, &w);
	return r < 0 ? r : w.err;
}

/* ---- devices ---- */

int cg1_devices(const struct cg_paths *p, const struct ct_config *c, bool live)
{
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT, leaf = CGDIR_INIT;
	int r = cg_open_ctrl(p, "devices", &lim);
	if (r <= 0)
		return r;
	struct dev_rule rules[DEV_MAX_RULES];
	size_t n = 0;
	if ((r = dev_rules_collect(c->devices, c->devnodes, rules, ARRAY_SIZE(rules), &n)) < 0)
		return r;
	if ((r = cgd_sub(&lim, LEAF, &leaf)) < 0)
		return cerr(EX_DEVICES, r, "open cgroup %s/" LEAF, lim.path);
	/* the same rules in the leaf, where init runs */
	struct wctx w = {.live = live};
	const struct cgdir *dirs[] = {&lim, &leaf};
	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		for (size_t i = 0; i < n; i++) {
			char line[64];
			const char *file = dev_rule_v1(&rules[i], line, sizeof(line));
			TRY(cg_wlimit(&w, dirs[d], "devices", file, line, true, EX_DEVICES));
		}
	}
	return w.err;
}

/* ---- kill ---- */

int cg1_kill(const struct cg_paths *p, unsigned timeout_ms)
{
	int fi = cg_hier_index(p, "freezer");
	int ti = fi >= 0 ? fi : cg_hier_index(p, "memory");
	if (ti < 0)
		ti = 0;
	if (!p->n)
		return 0;
	/* the freezer's hierarchy when there is one: freeze, kill, thaw in one cgroup */
	_cleanup_cgdir_ struct cgdir tree = CGDIR_INIT;
	int r = cg_open_teardown(&p->h[ti], &tree);
	if (r <= 0)
		return r;
	const struct cgdir *f = fi >= 0 ? &tree : NULL;
	bool frozen = false;
	if (f && cg_write(f, "freezer.state", "FROZEN") == 0) {
		frozen = true;
		uint64_t end = now_ms() + (timeout_ms < 1000 ? timeout_ms : 1000);
		unsigned us = 0;
		for (;;) {
			_cleanup_free_ char *st = NULL;
			if (cg_read(f, "freezer.state", &st) < 0 || strcmp(st, "FROZEN") == 0 || now_ms() >= end)
				break;
			cg_pause(&us);
		}
	}
	cg_walk(&tree, cg_kill_procs, NULL);
	if (frozen)
		cg_write(f, "freezer.state", "THAWED");
	return cg_wait_empty(&tree, timeout_ms, true);
}

/* ---- nproc ---- */

int cg1_nproc(const struct cg_paths *p)
{
	int hi = cg_hier_index(p, "pids");
	if (hi < 0)
		hi = cg_hier_index(p, "memory");
	if (hi < 0)
		hi = 0;
	if (!p->n)
		return -ENOENT;
	/* count processes, not pids.current: that also holds threads and unreaped zombies */
	return cg_nproc_at(&p->h[hi], false);
}


/* ---- freeze ---- */

static bool v1_settled(const char *state, bool on) { return strcmp(state, on ? "FROZEN" : "THAWED") == 0; }

int cg1_freeze(const struct cg_paths *p, bool on, unsigned timeout_ms)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cg_open_ctrl(p, "freezer", &d);
	if (r < 0)
		return r;
	if (r == 0)
		return cerr(EX_FREEZE, ENOENT, "no freezer cgroup hierarchy: cannot %s", on ? "freeze" : "thaw");
	const char *want = on ? "FROZEN" : "THAWED";
	if ((r = cg_write(&d, "freezer.state", want)) < 0)
		return cerr(EX_FREEZE, r, "write %s/freezer.state", d.path);
	/* FREEZING until every task is frozen */
	return cg_freeze_settle(&d, "freezer.state", "freezer.state", "THAWED", v1_settled, on, timeout_ms);
}

int cg1_frozen(const struct cg_paths *p)
{
	int hi = cg_hier_index(p, "freezer");
	if (hi < 0)
		return -ENOENT;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cg_open_limit(&p->h[hi], &d);
	if (r < 0)
		return r;
	_cleanup_free_ char *v = NULL;
	if ((r = cg_read(&d, "freezer.state", &v)) < 0)
		return r;
	return strcmp(v, "THAWED") != 0;
}
