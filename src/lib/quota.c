/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Disk quota per container: project IDs on the private area, limits and usage via quotactl on
 * PRJQUOTA, and a du-style walk where the filesystem cannot do it. See quota.h. */
#include "quota.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "util.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

/* Deeper directories are not descended into (each level holds one fd). */
#define WALK_MAX_DEPTH 400

/* ---- pure ---- */

uint32_t quota_ct_projid(const struct ct_config *c)
{
	return c->quota_id ? c->quota_id : c->ctid;
}

void quota_ct_assign(struct ct_config *c)
{
	if (c->quota_id)
		return;
	char b[16];
	snprintf(b, sizeof(b), "%u", c->ctid);
	param_set(c, param_find("quota_id"), b); /* a CTID is a valid project ID */
}

uint64_t quota_bytes_to_kb(uint64_t bytes)
{
	if (bytes == QUOTA_NONE)
		return 0;
	return bytes / 1024 + (bytes % 1024 ? 1 : 0);
}

uint64_t quota_inodes_to_q(uint64_t n) { return n == QUOTA_NONE ? 0 : n; }
uint64_t quota_from_q(uint64_t v) { return v == 0 ? QUOTA_NONE : v; }

static bool has_limits(const struct ct_config *c)
{
	return c->diskspace_soft != QUOTA_NONE || c->diskspace_hard != QUOTA_NONE || c->diskinodes_soft != QUOTA_NONE ||
	       c->diskinodes_hard != QUOTA_NONE;
}

static void fmt_limit(uint64_t v, char *buf, size_t len)
{
	if (v == QUOTA_NONE)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void fmt_grace(int64_t until, int64_t now, bool over, char *buf, size_t len)
{
	buf[0] = 0;
	if (!over)
		return;
	if (until <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (until <= now) {
		snprintf(buf, len, "none");
		return;
	}
	int64_t s = until - now;
	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d%" PRId64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h%" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
}

static bool over(uint64_t used, uint64_t soft, uint64_t hard)
{
	return (soft != QUOTA_NONE && used > soft) || (hard != QUOTA_NONE && used > hard);
}

char *quota_format_table(const struct quota_info *q, int64_t now)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	fprintf(f, "%11s%15s%16s%15s%9s\n", "resource", "usage", "softlimit", "hardlimit", "grace");
	struct {
		const char *name;
		uint64_t used, soft, hard;
		int64_t t;
	} rows[2] = {{"1k-blocks", q->used_kb, q->bsoft_kb, q->bhard_kb, q->btime},
		     {"inodes", q->used_inodes, q->isoft, q->ihard, q->itime}};
	for (int i = 0; i < 2; i++) {
		char u[32], s[32], h[32], gr[32];
		bool ov = q->known && over(rows[i].used, rows[i].soft, rows[i].hard);
		if (q->known)
			snprintf(u, sizeof(u), "%" PRIu64, rows[i].used);
		else
			snprintf(u, sizeof(u), "-");
		fmt_limit(rows[i].soft, s, sizeof(s));
		fmt_limit(rows[i].hard, h, sizeof(h));
		fmt_grace(q->enforced ? rows[i].t : 0, now, ov, gr, sizeof(gr));
		fprintf(f, "%11s%15s%c%15s%15s%9s\n", rows[i].name, u, ov ? '*' : ' ', s, h, gr);
	}
	if (!q->known)
		fprintf(f, "note: no private area: usage unknown\n");
	else if (!q->enforced)
		fprintf(f, "note: not enforced (%s); usage %s\n", q->reason[0] ? q->reason : "unknown reason",
			q->from_quota ? "from the filesystem's accounting" : "from a walk of the private area");
	fclose(f);
	return out;
}

static void json_limit(struct json *j, const char *key, bool known, uint64_t used, uint64_t soft, uint64_t hard,
		       int64_t until, bool enforced)
{
	json_key(j, key);
	json_obj(j);
	json_key(j, "used");
	if (known)
		json_u64(j, used);
	else
		json_null(j);
	json_key(j, "soft");
	if (soft == QUOTA_NONE)
		json_null(j);
	else
		json_u64(j, soft);
	json_key(j, "hard");
	if (hard == QUOTA_NONE)
		json_null(j);
	else
		json_u64(j, hard);
	bool ov = known && over(used, soft, hard);
	json_key(j, "over");
	json_bool(j, ov);
	json_key(j, "grace_until");
	if (ov && enforced && until > 0)
		json_i64(j, until);
	else
		json_null(j);
	json_end(j);
}

char *quota_format_json(unsigned ctid, const struct quota_info *q)
{
	struct json j;
	json_init(&j);
	json_obj(&j);
	json_nl(&j, 2);
	json_key(&j, "ctid");
	json_u64(&j, ctid);
	json_nl(&j, 2);
	json_key(&j, "projid");
	json_u64(&j, q->projid);
	json_nl(&j, 2);
	json_key(&j, "enforced");
	json_bool(&j, q->enforced);
	json_nl(&j, 2);
	json_key(&j, "usage_from");
	json_str(&j, !q->known ? NULL : q->from_quota ? "quota" : "walk");
	json_nl(&j, 2);
	json_key(&j, "reason");
	json_str(&j, q->enforced || !q->reason[0] ? NULL : q->reason);
	json_nl(&j, 2);
	json_limit(&j, "blocks_kb", q->known, q->used_kb, q->bsoft_kb, q->bhard_kb, q->btime, q->enforced);
	json_nl(&j, 2);
	json_limit(&j, "inodes", q->known, q->used_inodes, q->isoft, q->ihard, q->itime, q->enforced);
	json_end_nl(&j, 0);
	return json_done(&j);
}

/* ---- quotactl ---- */

static void scopy(char *d, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);
	memcpy(d, s, l);
	d[l] = 0;
}

/* QCMD() shifts a signed int: Q_GETQUOTA (0x800007) << 8 overflows it (undefined behaviour,
 * UBSan stops there). The same bits, computed unsigned. */
static int qcmd(int cmd)
{
	return (int)(((unsigned)cmd << SUBCMDSHIFT) | ((unsigned)PRJQUOTA & SUBCMDMASK));
}

static int qctl(const struct quota_fs *fs, int fd, int cmd, uint32_t id, void *addr)
{
	if (fd >= 0) {
		long r = syscall(SYS_quotactl_fd, fd, qcmd(cmd), id, addr);
		if (r == 0)
			return 0;
		if (errno != ENOSYS || !fs || fs->source[0] != '/')
			return -errno;
	}
	if (!fs || fs->source[0] != '/')
		return -ENODEV;
	if (syscall(SYS_quotactl, qcmd(cmd), fs->source, id, addr) < 0)
		return -errno;
	return 0;
}

/* Octal escapes of /proc/self/mountinfo (\040 for a space). */
static void unescape(char *s)
{
	char *d = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

/* The mount of device dev whose mount point is the longest prefix of real. */
static void find_mount(dev_t dev, const char *real, struct quota_fs *fs)
{
	_cleanup_free_ char *text = NULL;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL) < 0)
		return;
	size_t best = 0;
	bool found = false;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned maj, min;
		char mp[4096], fstype[64], src[4096];
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		if ((dev_t)makedev(maj, min) != dev)
			continue;
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s %4095s", fstype, src) != 2)
			continue;
		unescape(mp);
		unescape(src);
		size_t n = strlen(mp);
		bool prefix = real && (strcmp(mp, "/") == 0 || (strncmp(real, mp, n) == 0 && (real[n] == '/' || !real[n])));
		if (found && !(prefix && n >= best))
			continue;
		if (!prefix && found)
			continue;
		found = true;
		best = prefix ? n : 0;
		scopy(fs->mnt, sizeof(fs->mnt), mp);
		scopy(fs->source, sizeof(fs->source), src);
		scopy(fs->fstype, sizeof(fs->fstype), fstype);
	}
}

int quota_probe(const char *path, struct quota_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	fs->dev = st.st_dev;
	_cleanup_free_ char *real = realpath(path, NULL);
	find_mount(st.st_dev, real, fs);
	if (!fs->mnt[0])
		scopy(fs->mnt, sizeof(fs->mnt), real ? real : path);
	if (!fs->fstype[0])
		scopy(fs->fstype, sizeof(fs->fstype), "unknown");
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct fs_quota_statv sv = {.qs_version = FS_QSTATV_VERSION1};
	int r = qctl(fs, fd, Q_XGETQSTATV, 0, &sv);
	if (r == 0) {
		fs->accounting = sv.qs_flags & FS_QUOTA_PDQ_ACCT;
		fs->enforced = fs->accounting && (sv.qs_flags & FS_QUOTA_PDQ_ENFD);
	} else {
		/* older interfaces: Q_GETINFO succeeds when project quota is on */
		struct if_dqinfo di;
		if (qctl(fs, fd, Q_GETINFO, 0, &di) == 0)
			fs->accounting = fs->enforced = true;
	}
	if (fs->enforced)
		return 0;
	_cleanup_free_ char *why = NULL;
	if (fs->accounting)
		why = xasprintf("project quota limits are not enforced on %s (%s on %s): mount it with prjquota (ext4) or "
				"pquota (xfs)",
				fs->mnt, fs->fstype, fs->source);
	else if (r == 0)
		why = xasprintf("project quota is off on %s (%s on %s): mount it with prjquota (ext4) or pquota (xfs)",
				fs->mnt, fs->fstype, fs->source);
	else
		why = xasprintf("%s at %s has no project quota support (%s)", fs->fstype, fs->mnt, strerror(-r));
	scopy(fs->reason, sizeof(fs->reason), why);
	return 0;
}

int quota_get(const struct quota_fs *fs, int fd, uint32_t projid, struct quota_info *out)
{
	struct if_dqblk dq;
	memset(&dq, 0, sizeof(dq));
	int r = qctl(fs, fd, Q_GETQUOTA, projid, &dq);
	if (r == -ENOENT || r == -ESRCH) /* XFS: no dquot for this id yet */
		memset(&dq, 0, sizeof(dq));
	else if (r < 0)
		return r;
	out->used_kb = dq.dqb_curspace / 1024 + (dq.dqb_curspace % 1024 ? 1 : 0);
	out->used_inodes = dq.dqb_curinodes;
	out->bsoft_kb = quota_from_q(dq.dqb_bsoftlimit);
	out->bhard_kb = quota_from_q(dq.dqb_bhardlimit);
	out->isoft = quota_from_q(dq.dqb_isoftlimit);
	out->ihard = quota_from_q(dq.dqb_ihardlimit);
	out->btime = (int64_t)dq.dqb_btime;
	out->itime = (int64_t)dq.dqb_itime;
	return 0;
}

int quota_set_limits(const struct quota_fs *fs, int fd, uint32_t projid, uint64_t bsoft_kb, uint64_t bhard_kb,
		     uint64_t isoft, uint64_t ihard)
{
	struct if_dqblk dq;
	memset(&dq, 0, sizeof(dq));
	dq.dqb_bsoftlimit = bsoft_kb;
	dq.dqb_bhardlimit = bhard_kb;
	dq.dqb_isoftlimit = isoft;
	dq.dqb_ihardlimit = ihard;
	dq.dqb_valid = QIF_LIMITS;
	return qctl(fs, fd, Q_SETQUOTA, projid, &dq);
}

/* ---- tree walks ---- */

int quota_get_projid(int fd, uint32_t *projid, bool *inherit)
{
	struct fsxattr fa;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	*projid = fa.fsx_projid;
	if (inherit)
		*inherit = fa.fsx_xflags & FS_XFLAG_PROJINHERIT;
	return 0;
}

static int set_projid(int fd, uint32_t projid, bool dir)
{
	struct fsxattr fa;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	uint32_t want = fa.fsx_xflags | (dir ? FS_XFLAG_PROJINHERIT : 0);
	if (fa.fsx_projid == projid && fa.fsx_xflags == want)
		return 0;
	fa.fsx_projid = projid;
	fa.fsx_xflags = want;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0)
		return -errno;
	return 0;
}

/* Inode numbers of files with more than one link, seen once. */
struct inoset {
	uint64_t *v;
	size_t n, cap; /* cap: a power of two, or 0 */
};

static bool inoset_add(struct inoset *s, uint64_t ino)
{
	ino++; /* 0 marks an empty slot */
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		uint64_t *nv = xcalloc(ncap, sizeof(*nv));
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				for (size_t k = (s->v[i] * 0x9e3779b97f4a7c15ull) & (ncap - 1);; k = (k + 1) & (ncap - 1))
					if (!nv[k]) {
						nv[k] = s->v[i];
						break;
					}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (size_t k = (ino * 0x9e3779b97f4a7c15ull) & (s->cap - 1);; k = (k + 1) & (s->cap - 1)) {
		if (s->v[k] == ino)
			return false;
		if (!s->v[k]) {
			s->v[k] = ino;
			s->n++;
			return true;
		}
	}
}

struct walk {
	dev_t dev;
	bool tag;
	uint32_t projid;
	unsigned long skipped;
	uint64_t blocks512, inodes;
	struct inoset links;
};

static void account(struct walk *w, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 && !inoset_add(&w->links, st->st_ino))
		return;
	w->blocks512 += (uint64_t)st->st_blocks;
	w->inodes++;
}

/* fd: an open directory (consumed). */
static int walk_dir(struct walk *w, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	int r = 0;
	struct dirent *de;
	errno = 0;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		if (st.st_dev != w->dev)
			continue; /* another mount (its mount point directory included) */
		account(w, &st);
		bool dir = S_ISDIR(st.st_mode);
		if (!dir && !S_ISREG(st.st_mode)) {
			if (w->tag)
				w->skipped++; /* symlinks and special files cannot be opened for the ioctl */
			continue;
		}
		if (dir && depth >= WALK_MAX_DEPTH) {
			w->skipped++;
			continue;
		}
		if (!dir && !w->tag)
			continue;
		int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | (dir ? O_DIRECTORY : 0);
		/* a file is looked at through O_PATH first: a device node swapped in is never opened */
		int cfd = dir ? openat(dirfd(d), de->d_name, flags | O_NOATIME)
			      : fs_open_regular(dirfd(d), de->d_name, flags | O_NOATIME);
		if (cfd < 0 && errno == EPERM)
			cfd = dir ? openat(dirfd(d), de->d_name, flags) : fs_open_regular(dirfd(d), de->d_name, flags);
		if (cfd < 0) {
			if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == EINVAL)
				continue; /* changed under us */
			r = -errno;
			break;
		}
		struct stat st2;
		if (fstat(cfd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
			close(cfd);
			continue;
		}
		if (w->tag && (r = set_projid(cfd, w->projid, dir)) < 0) {
			close(cfd);
			break;
		}
		if (dir)
			r = walk_dir(w, cfd, depth + 1);
		else
			close(cfd);
		errno = 0;
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

static int walk_top(struct walk *w, int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	w->dev = st.st_dev;
	account(w, &st);
	if (w->tag) {
		int r = set_projid(fd, w->projid, true);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	int r = walk_dir(w, fd, 0);
	free(w->links.v);
	w->links = (struct inoset){0};
	return r;
}

int quota_tag_tree(int dirfd, uint32_t projid, unsigned long *skipped)
{
	struct walk w = {.tag = true, .projid = projid};
	int r = walk_top(&w, dirfd);
	if (skipped)
		*skipped = w.skipped;
	return r;
}

int quota_walk_usage(int dirfd, uint64_t *kb, uint64_t *inodes)
{
	struct walk w = {.tag = false};
	int r = walk_top(&w, dirfd);
	*kb = w.blocks512 / 2 + (w.blocks512 % 2);
	*inodes = w.inodes;
	return r;
}

/* ---- hooks ---- */

static char *ct_root(const struct gconf *g, unsigned ctid) { return xasprintf("%s/%u", g->private_dir, ctid); }

/* Tag dir (always, or only when its top is not tagged yet) and set c's limits (when they differ
 * from the filesystem's, or always). */
static int apply(const struct ct_config *c, const char *dir, bool always, bool warn)
{
	struct quota_fs fs;
	int r = quota_probe(dir, &fs);
	if (r < 0)
		return cerr(QUOTA_EX_INIT, r, "examine the filesystem of %s", dir);
	bool limits = has_limits(c);
	if (!fs.accounting) {
		if (limits) {
			if (warn)
				log_warn("disk quota not enforced: %s", fs.reason);
			else
				log_info("disk quota not enforced: %s", fs.reason);
		}
		return 0;
	}
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cerr(QUOTA_EX_INIT, errno, "open %s", dir);
	uint32_t projid = quota_ct_projid(c), cur = 0;
	bool inherit = false;
	if ((r = quota_get_projid(fd, &cur, &inherit)) < 0)
		return cerr(QUOTA_EX_INIT, r, "read the project ID of %s", dir);
	if (always || cur != projid || !inherit) {
		unsigned long skipped = 0;
		uint64_t t0 = now_ms();
		if ((r = quota_tag_tree(fd, projid, &skipped)) < 0)
			return cerr(QUOTA_EX_INIT, r, "set project ID %u on %s", projid, dir);
		log_debug("project ID %u set on %s in %llu ms (%lu symlinks or special files skipped)", projid, dir,
			  (unsigned long long)(now_ms() - t0), skipped);
	}
	uint64_t bs = quota_bytes_to_kb(c->diskspace_soft), bh = quota_bytes_to_kb(c->diskspace_hard);
	uint64_t is = quota_inodes_to_q(c->diskinodes_soft), ih = quota_inodes_to_q(c->diskinodes_hard);
	struct quota_info q = {0};
	/* compared in quotactl units (0 = none) */
	if (!always && quota_get(&fs, fd, projid, &q) == 0 && quota_inodes_to_q(q.bsoft_kb) == bs &&
	    quota_inodes_to_q(q.bhard_kb) == bh && quota_inodes_to_q(q.isoft) == is && quota_inodes_to_q(q.ihard) == ih)
		return 0;
	if ((r = quota_set_limits(&fs, fd, projid, bs, bh, is, ih)) < 0)
		return cerr(QUOTA_EX_SET, r, "set the disk quota of project %u on %s", projid, fs.mnt);
	log_debug("disk quota of project %u: blocks %" PRIu64 ":%" PRIu64 " KB, inodes %" PRIu64 ":%" PRIu64, projid, bs,
		  bh, is, ih);
	if (!fs.enforced && limits) {
		if (warn)
			log_warn("disk quota not enforced: %s", fs.reason);
		else
			log_info("disk quota not enforced: %s", fs.reason);
	}
	return 0;
}

int quota_ct_setup(const struct gconf *g, const struct ct_config *c, const char *dir)
{
	(void)g;
	return apply(c, dir, true, true);
}

int quota_ct_update(const struct gconf *g, const struct ct_config *old, const struct ct_config *c)
{
	if (old && old->diskspace_soft == c->diskspace_soft && old->diskspace_hard == c->diskspace_hard &&
	    old->diskinodes_soft == c->diskinodes_soft && old->diskinodes_hard == c->diskinodes_hard)
		return 0;
	_cleanup_free_ char *root = ct_root(g, c->ctid);
	return apply(c, root, false, true);
}

int quota_ct_ensure(const struct gconf *g, const struct ct_config *c)
{
	_cleanup_free_ char *root = ct_root(g, c->ctid);
	return apply(c, root, false, false);
}

int quota_ct_remove(const struct gconf *g, unsigned ctid)
{
	/* the config's quota_id, read without ctconf_load: this runs on create's failure path too,
	 * and must leave the error recorded there alone */
	uint32_t projid = ctid;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	struct ct_config *c = NULL;
	bool had_error = cerr_msg() != NULL;
	if (access(cpath, F_OK) == 0) {
		if (ctconf_load(g, ctid, &c) == 0) {
			projid = quota_ct_projid(c);
			ctconf_free(c);
		} else if (!had_error) {
			cerr_clear(); /* a broken config: its CTID */
		}
	}
	struct quota_fs fs;
	if (quota_probe(g->private_dir, &fs) < 0 || !fs.accounting)
		return 0;
	_cleanup_close_ int fd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = quota_set_limits(&fs, fd, projid, 0, 0, 0, 0);
	if (r < 0) {
		log_warn("remove the disk quota of project %u on %s: %s", projid, fs.mnt, strerror(-r));
		return 0;
	}
	struct quota_info q = {0};
	if (quota_get(&fs, fd, projid, &q) == 0 && (q.used_kb || q.used_inodes))
		log_warn("project %u still holds %" PRIu64 " KB in %" PRIu64 " inodes on %s after destroy", projid,
			 q.used_kb, q.used_inodes, fs.mnt);
	return 0;
}

int quota_ct_info(const struct gconf *g, const struct ct_config *c, const struct quota_fs *fs, struct quota_info *out)
{
	memset(out, 0, sizeof(*out));
	out->projid = quota_ct_projid(c);
	out->bsoft_kb = c->diskspace_soft == QUOTA_NONE ? QUOTA_NONE : quota_bytes_to_kb(c->diskspace_soft);
	out->bhard_kb = c->diskspace_hard == QUOTA_NONE ? QUOTA_NONE : quota_bytes_to_kb(c->diskspace_hard);
	out->isoft = c->diskinodes_soft;
	out->ihard = c->diskinodes_hard;
	_cleanup_free_ char *root = ct_root(g, c->ctid);
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cerr(QUOTA_EX_READ, errno, "open %s", root);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cerr(QUOTA_EX_READ, errno, "stat %s", root);
	struct quota_fs own;
	if (!fs || fs->dev != st.st_dev) {
		int r = quota_probe(root, &own);
		if (r < 0)
			return cerr(QUOTA_EX_READ, r, "examine the filesystem of %s", root);
		fs = &own;
	}
	out->known = true;
	out->enforced = fs->enforced;
	scopy(out->reason, sizeof(out->reason), fs->reason);
	if (fs->accounting) {
		uint32_t cur = 0;
		bool inherit = false;
		if (quota_get_projid(fd, &cur, &inherit) == 0 && cur == out->projid) {
			struct quota_info q = *out;
			int r = quota_get(fs, fd, out->projid, &q);
			if (r < 0)
				return cerr(QUOTA_EX_READ, r, "read the disk quota of project %u on %s", out->projid, fs->mnt);
			if (!fs->enforced) { /* the limits that count are the config's */
				q.bsoft_kb = out->bsoft_kb;
				q.bhard_kb = out->bhard_kb;
				q.isoft = out->isoft;
				q.ihard = out->ihard;
			}
			*out = q;
			out->from_quota = true;
			return 0;
		}
		out->enforced = false;
		snprintf(out->reason, sizeof(out->reason),
			 "the private area does not carry project ID %u yet (start the container or set its limits again)",
			 out->projid);
	}
	int r = quota_walk_usage(fd, &out->used_kb, &out->used_inodes);
	if (r < 0)
		return cerr(QUOTA_EX_READ, r, "measure the disk usage of %s", root);
	return 0;
}
