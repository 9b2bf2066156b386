/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups, the v2 backend: controllers enabled down the tree, limits in the unified limit
 * cgroup, cgroup.kill, and the devices BPF program (which hybrid mode uses as well). */
#include "cgroup_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devbpf.h"
#include "error.h"
#include "log.h"

/* ---- create ---- */

static bool word_in(const char *text, const char *w)
{
	size_t l = strlen(w);
	for (const char *s = text; (s = strstr(s, w)); s += l)
		if ((s == text || s[-1] == ' ' || s[-1] == '\n') && (!s[l] || s[l] == ' ' || s[l] == '\n'))
			return true;
	return false;
}

int cg2_enable_controllers(const struct cgdir *d)
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

unsigned cg_ioprio_to_weight(int ioprio)
{
	return io_weight_v2[cg_ioprio_index(ioprio)];
}

/* ---- apply ---- */

static int apply_v2(const struct cg_paths *p, const struct ct_config *c, const char *private_path, struct wctx *w)
{
	_cleanup_cgdir_ struct cgdir dir = CGDIR_INIT;
	int r = cg_open_ctrl(p, "unified", &dir);
	if (r <= 0)
		return r < 0 ? r : cerr(EX_SYSTEM, ENOENT, "no unified cgroup hierarchy");
	char v[256];

	cg_fmt_u64_or(v, sizeof(v), c->ram, "max");
	TRY(cg_wlimit(w, &dir, "memory", "memory.max", v, c->ram != SIZE_UNLIMITED, EX_RESOURCE));
	cg_fmt_u64_or(v, sizeof(v), c->swap, "max");
	TRY(cg_wlimit(w, &dir, "memory", "memory.swap.max", v, c->swap != SIZE_UNLIMITED, EX_RESOURCE));

	snprintf(v, sizeof(v), "%u", cg_cpuunits_to_weight(c->cpuunits ? c->cpuunits : 1000));
	TRY(cg_wlimit(w, &dir, "cpu", "cpu.weight", v, c->cpuunits && c->cpuunits != 1000, EX_RESOURCE));
	uint64_t q = cg_cpu_quota(c);
	if (q)
		snprintf(v, sizeof(v), "%" PRIu64 " 100000", q);
	else
		snprintf(v, sizeof(v), "max 100000");
	TRY(cg_wlimit(w, &dir, "cpu", "cpu.max", v, q != 0, EX_RESOURCE));
	{
		/* a copy on init's leaf: lxcfs --enable-cfs reads the quota of the reader's own cgroup
		 * only (the limit above is the one the kernel enforces) */
		_cleanup_cgdir_ struct cgdir leaf = CGDIR_INIT;
		if (cgd_sub(&dir, LEAF, &leaf) == 0 && cg_write(&leaf, "cpu.max", v) < 0)
			log_debug("cgroup %s/" LEAF ": cpu.max %s not copied", dir.path, v);
	}
	if (c->cpumask) {
		TRY(cg_wlimit(w, &dir, "cpuset", "cpuset.cpus", c->cpumask, true, EX_RESOURCE));
	} else {
		/* unset: empty means "as the parent", but the kernel refuses to empty it while the
		 * cgroup has tasks (ENOSPC); then take the parent's effective set */
		_cleanup_free_ char *cur = NULL, *pe = NULL;
		_cleanup_cgdir_ struct cgdir parent = CGDIR_INIT;
		if (cg_read(&dir, "cpuset.cpus", &cur) == 0 && *cur && cg_write(&dir, "cpuset.cpus", "\n") < 0 &&
		    cgd_open_parent(dir.path, &parent) == 0 && cg_read(&parent, "cpuset.cpus.effective", &pe) == 0)
			TRY(cg_wlimit(w, &dir, "cpuset", "cpuset.cpus", pe, false, EX_RESOURCE));
	}

	cg_fmt_u64_or(v, sizeof(v), c->numproc, "max");
	TRY(cg_wlimit(w, &dir, "pids", "pids.max", v, c->numproc != SIZE_UNLIMITED, EX_RESOURCE));

	/* io.weight is only there with a weight-based I/O controller (iocost); it is a hint */
	snprintf(v, sizeof(v), "default %u", cg_ioprio_to_weight(c->ioprio));
	if (cg_write(&dir, "io.weight", v) < 0) {
		snprintf(v, sizeof(v), "%u", cg_ioprio_to_weight(c->ioprio));
		if (cg_write(&dir, "io.bfq.weight", v) < 0 && c->ioprio != 4)
			log_warn("no io.weight in %s: ioprio %d not applied", dir.path, c->ioprio);
	}

	bool io_set = c->iolimit || c->iopslimit;
	unsigned maj, min;
	if ((r = cg_io_disk(w, private_path, io_set, &maj, &min)) <= 0)
		return r;
	char bps[32] = "max", iops[32] = "max";
	if (c->iolimit)
		snprintf(bps, sizeof(bps), "%" PRIu64, c->iolimit);
	if (c->iopslimit)
		snprintf(iops, sizeof(iops), "%u", c->iopslimit);
	snprintf(v, sizeof(v), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s", maj, min, bps, bps, iops, iops);
	TRY(cg_wlimit(w, &dir, "io", "io.max", v, io_set, EX_IOLIMIT));
	return 0;
}

int cg2_limits(const struct cg_paths *p, const struct ct_config *c, const char *private_path, bool live)
{
	struct wctx w = {.live = live};
	int r = apply_v2(p, c, private_path, &w);
	return r < 0 ? r : w.err;
}

/* ---- kill ---- */

int cg2_kill(const struct cg_paths *p, unsigned timeout_ms)
{
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		return cerr(EX_SYSTEM, ENOENT, "no unified cgroup hierarchy");
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cg_open_teardown(&p->h[hi], &d);
	if (r <= 0)
		return r;
	r = cg_write(&d, "cgroup.kill", "1");
	bool rekill = false;
	if (r == -ENODEV) {
		/* removed meanwhile (the monitor's cleanup of a container whose init died): a removed
		 * cgroup holds no process */
		log_debug("%s was removed before cgroup.kill", d.path);
		return 0;
	} else if (r == -ENOENT) {
		/* kernel < 5.14: no cgroup.kill; keep killing until empty (new forks get caught) */
		log_debug("no cgroup.kill in %s, killing one by one", d.path);
		cg_walk(&d, cg_kill_procs, NULL);
		rekill = true;
	} else if (r < 0) {
		return cerr(EX_SYSTEM, r, "write %s/cgroup.kill", d.path);
	}
	return cg_wait_empty(&d, timeout_ms, rekill);
}

/* ---- nproc ---- */

int cg2_nproc(const struct cg_paths *p)
{
	int hi = cg_hier_index(p, "unified");
	return hi < 0 ? -ENOENT : cg_nproc_at(&p->h[hi], true);
}

/* ---- devices ---- */

int cg2_devices(const struct cg_paths *p, const struct ct_config *c, bool live)
{
	(void)live; /* the new program replaces the old one atomically (BPF_F_REPLACE) */
	_cleanup_cgdir_ struct cgdir lim = CGDIR_INIT;
	int r = cg_open_ctrl(p, "unified", &lim);
	if (r <= 0)
		return r; /* 0: no unified hierarchy, no program */
	return devbpf_apply(lim.fd, c->devices, c->devnodes);
}


/* ---- freeze ---- */

/* The value of key in a flat-keyed file's text ("populated 1\nfrozen 0\n"), -1 when missing. */
static int keyed_int(const char *text, const char *key)
{
	size_t l = strlen(key);
	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (strncmp(s, key, l) == 0 && s[l] == ' ')
			return atoi(s + l + 1);
	return -1;
}

static bool v2_settled(const char *events, bool on) { return keyed_int(events, "frozen") == (on ? 1 : 0); }

int cg2_freeze(const struct cg_paths *p, bool on, unsigned timeout_ms)
{
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cg_open_ctrl(p, "unified", &d);
	if (r < 0)
		return r;
	if (r == 0)
		return cerr(EX_FREEZE, ENOENT, "no unified cgroup hierarchy: cannot %s", on ? "freeze" : "thaw");
	r = cg_write(&d, "cgroup.freeze", on ? "1" : "0");
	if (r == -ENOENT)
		return cerr(EX_FREEZE, EOPNOTSUPP, "%s/cgroup.freeze: this kernel has no cgroup v2 freezer (5.2 and later)",
			    d.path);
	if (r < 0)
		return cerr(EX_FREEZE, r, "write %s/cgroup.freeze", d.path);
	/* the write returns at once; the cgroup is frozen when cgroup.events says so */
	return cg_freeze_settle(&d, "cgroup.events", "cgroup.freeze", "0", v2_settled, on, timeout_ms);
}

int cg2_frozen(const struct cg_paths *p)
{
	int hi = cg_hier_index(p, "unified");
	if (hi < 0)
		return -ENOENT;
	_cleanup_cgdir_ struct cgdir d = CGDIR_INIT;
	int r = cg_open_limit(&p->h[hi], &d);
	if (r < 0)
		return r;
	_cleanup_free_ char *v = NULL;
	if ((r = cg_read(&d, "cgroup.freeze", &v)) < 0)
		return r;
	return strcmp(v, "1") == 0;
}
