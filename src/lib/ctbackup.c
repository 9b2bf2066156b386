/* SPDX-License-Identifier: GPL-2.0-or-later */
/* backup and restore-backup (ctbackup.h). */
#include "ctbackup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "backup.h"
#include "cgroup.h"
#include "ctfreeze.h"
#include "ctname.h"
#include "ctnet.h"
#include "ctops.h"
#include "ctown.h"
#include "ctroot.h"
#include "error.h"
#include "fsutil.h"
#include "idmap.h"
#include "ini.h"
#include "lock.h"
#include "log.h"
#include "precopy.h"
#include "quota.h"
#include "state.h"
#include "template.h"
#include "util.h"

static const char *const mode_names[] = {"stop", "suspend", "live"};

struct bkjob {
	const struct ct_config *c;
	const char *partial, *compress, *confpath;
	enum bk_mode mode;
	bool progress;
	struct tpl_precopy *precopy;
};

static char *manifest_text(const struct ct_config *c, enum bk_mode mode, uint64_t kib, uint64_t entries,
			   bool precopy);

static int write_root(int rootfd, void *arg)
{
	const struct bkjob *j = arg;
	/* container-relative ids as template commit packs them: the block moves back to 0, ids below
	 * the block size (a mapped area, an overlay's lower layer) stay */
	struct tpl_pack_opts po = {.progress = j->progress,
				   .id_base = j->c->userns ? j->c->uid_base : 0,
				   .id_size = j->c->userns ? j->c->uid_size : 0,
				   .low_kept = true,
				   .srcfd = rootfd,
				   .precopy = j->precopy};
	/* the sizes for the manifest: one walk of the metadata before the archive reads it all */
	uint64_t kib = 0, entries = 0;
	if (quota_walk_usage(rootfd, &kib, &entries) < 0)
		kib = entries = 0; /* (records nothing) */
	_cleanup_free_ char *manifest = manifest_text(j->c, j->mode, kib, entries, j->precopy != NULL);
	return tpl_backup_write(j->partial, j->compress, manifest, j->confpath, &po);
}

/* The archive of c's root: ctroot's whole root when it is stopped, the private area itself while it
 * runs (layout copy only). Under ctid's lock. */
static int archive_locked(const struct gconf *g, const struct ct_config *c, bool running, struct bkjob *j)
{
	if (!running)
		return ctroot_run(g, c, write_root, j);
	if (ctconf_overlay(c))
		return cerr(EX_LAYOUT, 0,
			    "container %u has layout overlay: a running one cannot be backed up (its merged root is "
			    "the container's own mount): use --mode stop",
			    c->ctid);
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, c->ctid);
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_NOPRIVATE, errno, "private area %s", root);
	return write_root(fd, j);
}

static char *manifest_text(const struct ct_config *c, enum bk_mode mode, uint64_t kib, uint64_t entries,
			   bool precopy)
{
	struct bk_manifest m = {.format = BK_FORMAT,
				.ctid = c->ctid,
				.userns = c->userns,
				.disk_kib = kib,
				.entries = entries,
				.precopy = precopy};
	snprintf(m.version, sizeof(m.version), "%s", PACKAGE_VERSION);
	snprintf(m.uuid, sizeof(m.uuid), "%s", c->uuid ? c->uuid : "");
	snprintf(m.name, sizeof(m.name), "%s", c->name ? c->name : "");
	snprintf(m.ostemplate, sizeof(m.ostemplate), "%s", c->ostemplate ? c->ostemplate : "");
	snprintf(m.layout, sizeof(m.layout), "%s", ctconf_overlay(c) ? "overlay" : "copy");
	snprintf(m.ownership, sizeof(m.ownership), "%s", !c->userns ? "none" : ctconf_mapped(c) ? "mapped" : "shifted");
	snprintf(m.mode, sizeof(m.mode), "%s", mode_names[mode]);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(m.created, sizeof(m.created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return bk_manifest_format(&m);
}

/* The archive's path: o->output (made absolute) or dumpdir/the default name (dumpdir made). */
static int out_path(const struct gconf *g, unsigned ctid, const struct backup_opts *o, const char *compress, char **out)
{
	if (o->output) {
		if (!o->output[0])
			return cerr(EX_BADVALUE, 0, "an empty -o file name");
		if (o->output[0] == '/') {
			*out = xstrdup(o->output);
			return 0;
		}
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return cerr(EX_SYSTEM, errno, "the current directory");
		*out = xasprintf("%s/%s", cwd, o->output);
		return 0;
	}
	const char *dir = o->dumpdir ? o->dumpdir : g->dumpdir;
	if (!dir || !dir[0])
		return cerr(EX_BADVALUE, 0, "no dump directory: --dumpdir DIR or [backup] dumpdir");
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", dir);
	_cleanup_free_ char *name = bk_default_name(ctid, time(NULL), compress);
	if (dir[0] == '/') {
		*out = xasprintf("%s/%s", dir, name);
		return 0;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return cerr(EX_SYSTEM, errno, "the current directory");
	*out = xasprintf("%s/%s/%s", cwd, dir, name);
	return 0;
}

int ct_backup(const struct gconf *g, unsigned ctid, const struct backup_opts *o, struct backup_result *res)
{
	memset(res, 0, sizeof(*res));
	uint64_t t0 = now_ms();
	const char *compress = o->compress ? o->compress : "zstd";
	if (!bk_compress_ok(compress))
		return cerr(EX_BADVALUE, 0, "invalid --compress '%s' (zstd, gzip or none)", compress);
	_cleanup_conf_ struct ct_config *c = NULL;
	int r = ctconf_load(g, ctid, &c);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = NULL;
	/* "-": the archive goes to standard output (migrate's pipe): no file, no rename */
	const bool to_out = o->output && !strcmp(o->output, "-");
	if (to_out)
		path = xstrdup("-");
	else if ((r = out_path(g, ctid, o, compress, &path)) < 0)
		return r;
	if (!to_out && access(path, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "%s exists", path);
	_cleanup_free_ char *partial = to_out ? xstrdup("-") : xasprintf("%s.partial", path);
	_cleanup_free_ char *confpath = ctconf_path(g, ctid);
	struct bkjob j = {.c = c,
			  .partial = partial,
			  .compress = compress,
			  .confpath = confpath,
			  .mode = o->mode,
			  .progress = o->progress,
			  .precopy = o->precopy};
	if (!to_out)
		unlink(partial); /* one left by a backup that was killed */
	log_set_ctid(ctid);

	bool was_running = ct_running(g, ctid, NULL);
	if (o->mode == BK_STOP && was_running && (r = ct_stop(g, ctid, false, -1)) < 0)
		return r;
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "backup", &lk)) == 0) {
		struct ct_state st;
		bool running = ct_running(g, ctid, &st);
		const struct cg_ops *ops = running ? cg_backend(st.cg.mode) : NULL;
		bool froze = false;
		if (running && o->mode == BK_SUSPEND && !ct_suspended(&st)) {
			if ((r = ops->freeze(&st.cg, true, CT_FREEZE_TIMEOUT_MS)) == 0)
				froze = true;
		}
		if (r == 0)
			r = archive_locked(g, c, running, &j);
		if (froze) {
			struct cerr_saved es;
			cerr_save(&es);
			if (ops->freeze(&st.cg, false, CT_FREEZE_TIMEOUT_MS) < 0)
				log_warn("backup of container %u: cannot thaw it: %s", ctid, cerr_msg());
			cerr_restore(&es);
		}
	}
	ct_lock_release(&lk);
	if (r == 0 && !to_out && rename(partial, path) < 0)
		r = cerr(EX_SYSTEM, errno, "rename %s to %s", partial, path);
	if (r < 0 && !to_out)
		unlink(partial);
	if (o->mode == BK_STOP && was_running) {
		struct cerr_saved es;
		cerr_save(&es);
		int s = ct_start(g, ctid, false);
		if (s < 0 && r == 0) {
			cerr_restore(&es);
			return cerr_wrap(s, 0, "the backup %s was written, but container %u did not start again", path, ctid);
		}
		if (s < 0)
			log_warn("container %u did not start again after the failed backup: %s", ctid, cerr_msg());
		cerr_restore(&es);
	}
	if (r < 0)
		return r;
	struct stat sb;
	res->bytes = !to_out && stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	res->seconds = (double)(now_ms() - t0) / 1000.0;
	res->file = TAKE_PTR(path);
	log_file_only("Container backed up (mode %s) to %s: %llu bytes in %.1f s", mode_names[o->mode], res->file,
		      (unsigned long long)res->bytes, res->seconds);
	return 0;
}

/* ---- restore ---- */

/* Remove private_dir/name when it exists, quietly. */
static void remove_named(const struct gconf *g, const char *name)
{
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	struct cerr_saved es;
	cerr_save(&es);
	if (fs_remove_tree(dfd, name) < 0)
		log_warn("cannot remove %s/%s: %s", g->private_dir, name, cerr_msg() ? cerr_msg() : "error");
	cerr_restore(&es);
}

/* The archive's manifest and config, read by the helper into a directory of our own. */
static int read_info(const struct gconf *g, const char *file, struct bk_manifest *m, char **conf)
{
	int r = mkdir_p(g->run_dir, 0755);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->run_dir);
	_cleanup_free_ char *dir = xasprintf("%s/.restore-XXXXXX", g->run_dir);
	if (!mkdtemp(dir))
		return cerr(EX_SYSTEM, errno, "create a directory in %s", g->run_dir);
	_cleanup_free_ char *mp = xasprintf("%s/manifest.json", dir), *cp = xasprintf("%s/ct.conf", dir);
	_cleanup_free_ char *mtext = NULL;
	size_t len;
	r = tpl_backup_info(file, dir);
	if (r == 0 && (r = read_file_at(AT_FDCWD, mp, &mtext, &len)) < 0)
		r = cerr(EX_SYSTEM, r, "read %s", mp);
	if (r == 0 && (r = read_file_at(AT_FDCWD, cp, conf, &len)) < 0)
		r = cerr(EX_SYSTEM, r, "read %s", cp);
	unlink(mp);
	unlink(cp);
	rmdir(dir);
	if (r < 0)
		return r;
	if ((r = bk_manifest_parse(mtext, m)) < 0)
		return cerr(EX_RESTORE, 0, "%s: its manifest cannot be read%s", file,
			    r == -EPROTONOSUPPORT ? " (a newer format)" : "");
	return 0;
}

/* The new container's config: the archive's, without what belongs to the old container's place on
 * this host (its id block, layout, quota id; for another CTID also its UUID, name and MACs). */
static int restore_config(const struct gconf *g, unsigned ctid, const struct bk_manifest *m, const char *text,
			  const struct restore_opts *o, struct ct_config **out)
{
	struct ini_doc *doc = ini_parse(text);
	if (!doc)
		return cerr(EX_RESTORE, 0, "the config in the backup cannot be read");
	const bool same = ctid == m->ctid;
	static const char *drop[] = {"uid_base", "layout", "template_tree", "quota_id"};
	for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
		while (ini_unset(doc, "container", drop[i]) == 1)
			;
	if (!same) {
		static const char *cdrop[] = {"uuid", "name"};
		for (size_t i = 0; i < ARRAY_SIZE(cdrop); i++)
			while (ini_unset(doc, "container", cdrop[i]) == 1)
				;
		const char *sec;
		static const char *nkeys[] = {"mac", "host_mac", "host_ifname"};
		for (size_t i = 0; ini_section_at(doc, i, &sec) == 0; i++) {
			if (strncmp(sec, "netif.", 6))
				continue;
			_cleanup_free_ char *name = xstrdup(sec);
			for (size_t k = 0; k < ARRAY_SIZE(nkeys); k++)
				while (ini_unset(doc, name, nkeys[k]) == 1)
					;
		}
	}
	int r = ctconf_from_doc(g, ctid, doc, out);
	if (r < 0)
		return cerr_wrap(r, EX_RESTORE, "the config in the backup");
	struct ct_config *c = *out;
	if (!same || !c->uuid) {
		uuid_t u;
		char ustr[40];
		uuid_generate(u);
		uuid_unparse_lower(u, ustr);
		if ((r = param_set(c, param_find("uuid"), ustr)) < 0)
			return r;
	}
	if ((r = param_set(c, param_find("layout"), "copy")) < 0)
		return r;
	/* an overlay's merged tree is restored with the ownership a copy gets by default */
	if (c->userns && !c->ownership && (r = param_set(c, param_find("ownership"), "shifted")) < 0)
		return r;
	if (o->name && (r = param_set(c, param_find("name"), o->name)) < 0)
		return r;
	return 0;
}

static int restore_file(const struct gconf *g, const char *file, unsigned ctid, const struct restore_opts *o);

/* Standard input copied to a file in private_dir (the archive is read twice: its config, then its
 * tree) whose name is removed at once: nothing is left whatever happens to this process. *fdp is
 * open on it, *out names it for the helper (/proc/PID/fd/N). */
static int spool_stdin(const struct gconf *g, int *fdp, char **out)
{
	int r = mkdir_p(g->private_dir, 0755);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	_cleanup_free_ char *path = xasprintf("%s/.incoming-XXXXXX", g->private_dir);
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "create a file in %s", g->private_dir);
	unlink(path);
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cerr(EX_RESTORE, errno, "read the backup from standard input");
		if (n == 0)
			break;
		if (write_full(fd, buf, (size_t)n) < 0)
			return cerr(EX_SYSTEM, errno, "write the backup read from standard input in %s", g->private_dir);
	}
	*out = xasprintf("/proc/%d/fd/%d", (int)getpid(), fd);
	*fdp = take_fd(&fd);
	return 0;
}

char *ct_precopy_stage(const struct gconf *g, unsigned ctid, const char *token)
{
	return xasprintf("%s/.precopy.%u.%s", g->private_dir, ctid, token);
}

/* A stage of another migration of ctid younger than this is its own, not stale. */
#define PC_STALE_SEC 3600

/* Remove ctid's stage of token, and (others) the stale ones of other migrations of ctid: -EBUSY
 * (nothing removed) when another one is younger than PC_STALE_SEC. Under ctid's lock. */
static int precopy_stages_remove(const struct gconf *g, unsigned ctid, const char *token, bool others)
{
	char pre[32];
	snprintf(pre, sizeof(pre), ".precopy.%u.", ctid);
	if (!others) {
		_cleanup_free_ char *name = xasprintf("%s%s", pre, token);
		remove_named(g, name);
		return 0;
	}
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	size_t pl = strlen(pre);
	DIR *d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return 0;
	int r = 0;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, pre, pl) || !pc_token_ok(de->d_name + pl))
			continue;
		bool mine = !strcmp(de->d_name + pl, token);
		struct stat st;
		if (!mine && fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    time(NULL) - st.st_mtime < PC_STALE_SEC) {
			r = -EBUSY;
			continue;
		}
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			remove_named(g, names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

static volatile int pc_cancelled;
static void pc_on_signal(int s)
{
	(void)s;
	pc_cancelled = 1;
}

int ct_precopy_receive(const struct gconf *g, unsigned ctid, const char *token, bool abort_only)
{
	if (!pc_token_ok(token))
		return cerr(EX_BADVALUE, 0, "migrate-precopy: a token is 32 lower-case hex digits");
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "migrate", &lk);
	if (r < 0)
		return r;
	if (abort_only) {
		precopy_stages_remove(g, ctid, token, false);
		return 0;
	}
	_cleanup_free_ char *cpath = ctconf_path(g, ctid), *stage = ct_precopy_stage(g, ctid, token);
	if (access(cpath, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "container %u exists here (%s)", ctid, cpath);
	/* another migration of the same CTID (from another host: CTIDs are each host's own) */
	if (precopy_stages_remove(g, ctid, token, true) == -EBUSY)
		return cerr(EX_LOCKED, 0,
			    "another migration of container %u to this host is under way (a pre-copy of it in %s is "
			    "less than %u s old)",
			    ctid, g->private_dir, PC_STALE_SEC);
	if ((r = mkdir_p(g->private_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	if (mkdir(stage, 0700) < 0)
		return cerr(EX_SYSTEM, errno, "create %s", stage);
	uint64_t t0 = now_ms();
	/* the connection gone (ssh's hangup) or a signal: the helper is stopped and the stage goes */
	struct sigaction sa = {.sa_handler = pc_on_signal}, old[4];
	static const int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	r = tpl_precopy_recv(stage, &pc_cancelled);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	if (r == -EINTR)
		r = cerr(EX_RESTORE, EINTR, "the pre-copy of container %u was interrupted", ctid);
	if (r < 0) {
		struct cerr_saved es;
		cerr_save(&es);
		precopy_stages_remove(g, ctid, token, false);
		cerr_restore(&es);
		return r;
	}
	log_set_ctid(ctid);
	log_file_only("Pre-copy of container %u received in %llu ms", ctid, (unsigned long long)(now_ms() - t0));
	return 0;
}

int ct_restore_backup(const struct gconf *g, const char *file, unsigned ctid, const struct restore_opts *o)
{
	int r;
	if (strcmp(file, "-")) {
		r = restore_file(g, file, ctid, o);
	} else {
		_cleanup_free_ char *spool = NULL;
		_cleanup_close_ int fd = -1;
		r = spool_stdin(g, &fd, &spool);
		if (r == 0)
			r = restore_file(g, spool, ctid, o);
	}
	if (o->precopy_token) {
		/* the pre-copy's objects that were not used, or all of them after a failure: this
		 * migration's own (its token), under the lock */
		struct cerr_saved es;
		cerr_save(&es);
		_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
		if (ct_lock_take(g, ctid, "migrate", &lk) == 0)
			precopy_stages_remove(g, ctid, o->precopy_token, false);
		cerr_restore(&es);
	}
	return r;
}

static int restore_file(const struct gconf *g, const char *file, unsigned ctid, const struct restore_opts *o)
{
	uint64_t t0 = now_ms();
	_cleanup_free_ char *abs = NULL;
	if (file[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return cerr(EX_SYSTEM, errno, "the current directory");
		file = abs = xasprintf("%s/%s", cwd, file);
	}
	if (access(file, R_OK) < 0)
		return cerr(errno == ENOENT ? EX_NOCONF : EX_SYSTEM, errno, "backup %s", file);
	struct bk_manifest m;
	_cleanup_free_ char *conftext = NULL;
	int r = read_info(g, file, &m, &conftext);
	if (r < 0)
		return r;
	if (m.precopy && !o->precopy_token)
		return cerr(EX_RESTORE, 0,
			    "%s is the final pass of a migration: it holds only what changed since the migration's "
			    "first pass, and only that migration restores it",
			    file);
	if (o->precopy_token && !pc_token_ok(o->precopy_token))
		return cerr(EX_BADVALUE, 0, "restore-backup --precopy: a token is 32 lower-case hex digits");
	_cleanup_free_ char *stage = o->precopy_token ? ct_precopy_stage(g, ctid, o->precopy_token) : NULL;
	if (stage) {
		_cleanup_free_ char *done = xasprintf("%s/" PC_COMPLETE, stage);
		if (access(done, F_OK) < 0)
			return cerr(EX_RESTORE, 0, "no complete pre-copy of container %u here (%s)", ctid, stage);
	}
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "create", &lk)) < 0)
		return r;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	bool replace = false;
	if (o->force && access(cpath, F_OK) == 0) {
		if (ct_running(g, ctid, NULL))
			return cerr(EX_RUNNING, 0, "container %u is running: stop it before it is replaced", ctid);
		replace = true;
	} else if ((r = ct_claim_new(g, ctid)) < 0) {
		return r;
	}
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = restore_config(g, ctid, &m, conftext, o, &c)) < 0)
		return r;
	/* addresses are not checked: a restore beside its running original is usual (a clash is
	 * refused at start) */
	_cleanup_(idmap_release) struct idmap_res idres = IDMAP_RES_INIT;
	if ((r = ct_claim_identity(g, c, ctid, &idres, false)) < 0)
		return r;
	if ((r = mkdir_p(g->config_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->config_dir);
	if ((r = mkdir_p(g->private_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	char partial[32], name[16], old[40];
	snprintf(partial, sizeof(partial), ".%u.partial", ctid);
	snprintf(name, sizeof(name), "%u", ctid);
	snprintf(old, sizeof(old), ".%u.destroying", ctid); /* what an interrupted destroy leaves: swept */
	remove_named(g, partial);
	_cleanup_free_ char *tmp = xasprintf("%s/%s", g->private_dir, partial);
	_cleanup_free_ char *root = xasprintf("%s/%s", g->private_dir, name);
	_cleanup_free_ char *oldpath = xasprintf("%s/%s", g->private_dir, old);
	if (mkdir(tmp, 0755) < 0)
		return cerr(EX_SYSTEM, errno, "create %s", tmp);
	r = quota_ct_setup(g, c, tmp);
	struct tpl_extract_opts xo = {
		.uid_shift = ctconf_disk_root(c), .uid_size = c->userns ? c->uid_size : 0, .precopy_dir = stage};
	if (r == 0)
		r = tpl_backup_restore(file, tmp, &xo);
	/* the new tree is complete: only now does the old one go (renamed away, then removed) */
	bool moved = false, placed = false;
	if (r == 0 && replace) {
		remove_named(g, old);
		if (rename(root, oldpath) < 0 && errno != ENOENT)
			r = cerr(EX_SYSTEM, errno, "rename %s", root);
		else
			moved = true;
	}
	if (r == 0)
		r = ct_place_new(c, tmp, root, true, &placed);
	if (r < 0) {
		remove_named(g, placed ? name : partial);
		if (moved && rename(oldpath, root) < 0)
			log_warn("cannot put the old private area back: %s stays", oldpath);
		if (!replace)
			quota_ct_remove(g, ctid);
		return r;
	}
	if (moved)
		remove_named(g, old);
	ct_ownership_forget(g, ctid);
	log_set_ctid(ctid);
	/* the manifest's strings are the archive's: escaped in the log */
	_cleanup_free_ char *efile = str_escape(file), *ecreated = str_escape(m.created), *emode = str_escape(m.mode);
	log_file_only("Container restored from %s (container %u of %s, mode %s) in %llu ms", efile, m.ctid, ecreated,
		      emode, (unsigned long long)(now_ms() - t0));
	return 0;
}
