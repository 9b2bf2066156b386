/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate (migrate.h). */
#include "migrate.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "criu.h"
#include "ctbackup.h"
#include "ctcriu.h"
#include "ctname.h"
#include "ctnet.h"
#include "ctops.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "migonline.h"
#include "precopy.h"
#include "quota.h"
#include "template.h"
#include "state.h"
#include "util.h"

/* ---- pure parts ---- */

static bool user_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-'; }
static bool host_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '-'; }

int mig_dest_parse(const char *s, struct mig_dest *d)
{
	memset(d, 0, sizeof(*d));
	if (!s || !*s || s[0] == '-')
		return -EINVAL;
	const char *at = strchr(s, '@'), *h = s;
	if (at) {
		size_t n = (size_t)(at - s);
		if (!n || n >= sizeof(d->user))
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (!user_char(s[i]))
				return -EINVAL;
		memcpy(d->user, s, n);
		h = at + 1;
	}
	const char *end, *port = NULL;
	if (h[0] == '[') { /* [IPv6] */
		const char *cl = strchr(h, ']');
		if (!cl || cl == h + 1)
			return -EINVAL;
		for (const char *p = h + 1; p < cl; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return -EINVAL;
		if ((size_t)(cl - h - 1) >= sizeof(d->host))
			return -EINVAL;
		memcpy(d->host, h + 1, (size_t)(cl - h - 1));
		end = cl + 1;
		if (*end == ':')
			port = end + 1;
		else if (*end)
			return -EINVAL;
	} else {
		end = h;
		while (*end && *end != ':')
			end++;
		size_t n = (size_t)(end - h);
		if (!n || n >= sizeof(d->host) || h[0] == '-' || h[0] == '.')
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (!host_char(h[i]))
				return -EINVAL;
		memcpy(d->host, h, n);
		if (*end == ':')
			port = end + 1;
	}
	if (port && parse_uint(port, 1, 65535, &d->port) < 0)
		return -EINVAL;
	return 0;
}

static void add_words(char ***v, size_t *n, const char *text)
{
	if (!text)
		return;
	_cleanup_free_ char *s = xstrdup(text);
	char *save = NULL;
	for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		*v = xrealloc(*v, (*n + 2) * sizeof(**v));
		(*v)[(*n)++] = xstrdup(t);
		(*v)[*n] = NULL;
	}
}

char **mig_ssh_argv(const struct gconf *g, const struct mig_dest *d, const char *const *words)
{
	char **v = NULL;
	size_t n = 0;
	add_words(&v, &n, g->migrate_ssh);
	add_words(&v, &n, g->migrate_ssh_options);
	if (d->port) {
		char p[16];
		snprintf(p, sizeof(p), "%u", d->port);
		add_words(&v, &n, "-p");
		add_words(&v, &n, p);
	}
	_cleanup_free_ char *target = d->user[0] ? xasprintf("%s@%s", d->user, d->host) : xstrdup(d->host);
	add_words(&v, &n, target);
	add_words(&v, &n, g->migrate_remote);
	for (size_t i = 0; words && words[i]; i++)
		add_words(&v, &n, words[i]);
	return v;
}

void mig_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int mig_json_u64(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && (p = strchr(p, '"')); p++) {
		if (strncmp(p + 1, key, kl) || p[kl + 1] != '"')
			continue;
		const char *q = p + kl + 2;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!isdigit((unsigned char)*q))
			return -ENOENT;
		char num[24];
		size_t i = 0;
		while (isdigit((unsigned char)q[i]) && i < sizeof(num) - 1) {
			num[i] = q[i];
			i++;
		}
		num[i] = '\0';
		return parse_u64(num, out) < 0 ? -ENOENT : 0;
	}
	return -ENOENT;
}

/* ---- the destination's check ---- */

/* statvfs of path or of its nearest existing parent */
static int free_kib(const char *path, uint64_t *out)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (;;) {
		struct statvfs sv;
		if (statvfs(p, &sv) == 0) {
			*out = (uint64_t)sv.f_bavail * sv.f_frsize / 1024;
			return 0;
		}
		char *slash = strrchr(p, '/');
		if (errno != ENOENT || !slash)
			return cerr(EX_SYSTEM, errno, "statvfs %s", p);
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int mig_check_local(const struct gconf *g, unsigned ctid, const char *conftext, struct mig_check *out)
{
	memset(out, 0, sizeof(*out));
	out->format = BK_FORMAT;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
	if (access(cpath, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "container %u exists here (%s)", ctid, cpath);
	if (access(root, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "container %u exists here (its private area %s)", ctid, root);
	_cleanup_conf_ struct ct_config *c = NULL;
	int r = ctconf_from_text(g, ctid, "the source's config", conftext, &c);
	if (r < 0)
		return r;
	if (c->name && (r = ct_name_check(g, ctid, c->name)) < 0)
		return r;
	if ((r = ct_check_net_conflicts(g, c)) < 0)
		return r;
	return free_kib(g->private_dir, &out->free_kib);
}

int mig_check_online(void)
{
	return criu_host_check(NULL);
}

/* ---- the source ---- */

/* Run argv with stdin from in (-1: /dev/null); its stdout (and with err, its stderr) into *text
 * when text (up to 64 KiB kept), else to /dev/null. Returns its exit status (0..255, 128+signal)
 * or a negative errno (cerr). */
static int run(char **argv, int in, bool err, char **text)
{
	int p[2] = {-1, -1};
	if (text && pipe2(p, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (text) {
			close(p[0]);
			close(p[1]);
		}
		return cerr(EX_SYSTEM, e, "fork");
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dup2(in >= 0 ? in : devnull, 0) < 0 || dup2(text ? p[1] : devnull, 1) < 0 || (err && dup2(p[1], 2) < 0))
			_exit(126);
		execvp(argv[0], argv);
		dprintf(2, "cellctl: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	struct strbuf sb = {0};
	if (text) {
		close(p[1]);
		char buf[4096];
		ssize_t n;
		while ((n = read(p[0], buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			if (sb.len < 64 * 1024)
				sb_addn(&sb, buf, (size_t)n);
		}
		close(p[0]);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			free(sb_done(&sb));
			return cerr(EX_SYSTEM, errno, "wait for %s", argv[0]);
		}
	if (text)
		*text = sb_done(&sb);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `ssh DEST cellctl WORDS...` (see run). */
static int remote(const struct gconf *g, const struct mig_dest *d, const char *const *words, int in, bool err, char **text)
{
	char **argv = mig_ssh_argv(g, d, words);
	int r = run(argv, in, err, text);
	mig_argv_free(argv);
	return r;
}

/* The last non-empty line of a command's output, escaped, for a message. */
static char *last_line(const char *text)
{
	_cleanup_free_ char *s = xstrdup(text ? text : "");
	char *e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		*--e = '\0';
	char *nl = strrchr(s, '\n');
	return str_escape(nl ? nl + 1 : s);
}

/* The pre-check: migrate-check on the destination with our config on its stdin. *precopy: the
 * destination receives a pre-copy. */
static int precheck(const struct gconf *g, const struct mig_dest *d, const char *dest, unsigned ctid, uint64_t usage_kib,
		    bool online, bool *precopy)
{
	_cleanup_free_ char *cpath = ctconf_path(g, ctid), *conf = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, cpath, &conf, &len);
	if (r < 0)
		return cerr(EX_NOCONF, r, "read %s", cpath);
	_cleanup_close_ int mfd = memfd_create("cellctl-migrate-conf", MFD_CLOEXEC);
	if (mfd < 0 || write_full(mfd, conf, len) < 0 || lseek(mfd, 0, SEEK_SET) < 0)
		return cerr(EX_SYSTEM, errno, "a memory file for the config");
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	const char *words[] = {"migrate-check", id, "-", "--json", online ? "--online" : NULL, NULL};
	_cleanup_free_ char *out = NULL;
	int st = remote(g, d, words, mfd, true, &out);
	if (st < 0)
		return cerr_wrap(st, EX_MIGREFUSED, "check %s", dest);
	_cleanup_free_ char *why = last_line(out);
	if (st == 255)
		return cerr(EX_MIGREFUSED, 0, "cannot reach %s with %s (exit 255): %s", dest, g->migrate_ssh, why);
	if (online && st == EX_BADKERNEL)
		return cerr(EX_MIGONLINE, 0, "online migration is not possible: %s cannot restore a checkpoint: %s", dest,
			    why);
	if (st)
		return cerr(EX_MIGREFUSED, 0, "%s refuses container %u (its check exited %d): %s", dest, ctid, st, why);
	const char *j = out ? strrchr(out, '{') : NULL;
	uint64_t fmt = 0, avail = 0;
	if (!j || mig_json_u64(j, "format", &fmt) < 0 || mig_json_u64(j, "free_kib", &avail) < 0)
		return cerr(EX_MIGREFUSED, 0, "%s: its check's reply cannot be read: %s", dest, why);
	if (fmt < BK_FORMAT)
		return cerr(EX_MIGREFUSED, 0, "%s reads backup format %llu, older than this one's (%u): upgrade its cellctl",
			    dest, (unsigned long long)fmt, BK_FORMAT);
	/* the tree and, while it is read, the archive (at most the tree's size) */
	if (avail < 2 * usage_kib)
		return cerr(EX_MIGREFUSED, 0,
			    "%s has %llu KiB free in its private directory; container %u needs %llu (twice its %llu "
			    "KiB: "
			    "the tree and the archive)",
			    dest, (unsigned long long)avail, ctid, (unsigned long long)(2 * usage_kib),
			    (unsigned long long)usage_kib);
	uint64_t pc = 0;
	*precopy = mig_json_u64(j, "precopy", &pc) == 0 && pc == 1;
	log_debug("migrate %u: %s accepts it (format %llu, %llu KiB free%s)", ctid, dest, (unsigned long long)fmt,
		  (unsigned long long)avail, *precopy ? ", pre-copy" : "");
	return 0;
}

/* `ssh DEST cellctl WORDS...` with its stdin the read end of a new pipe (*wfd its write end,
 * O_CLOEXEC) and its stdout /dev/null (stderr passes). The child's pid, or a negative errno (cerr). */
static pid_t spawn_remote(const struct gconf *g, const struct mig_dest *d, const char *const *words, int *wfd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	char **argv = mig_ssh_argv(g, d, words);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		mig_argv_free(argv);
		return cerr(EX_SYSTEM, e, "fork");
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dup2(p[0], 0) < 0 || dup2(devnull, 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		dprintf(2, "cellctl: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	mig_argv_free(argv);
	close(p[0]);
	*wfd = p[1];
	return pid;
}

/* Its exit status (0..255, 128+signal), -1 when it cannot be waited for. */
static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A migration's pre-copy (precopy.h): its token (the destination's stage is this migration's
 * only), its records, its figures. */
struct precopy_run {
	struct tpl_precopy pc;
	char token[33];
};

/* `ssh DEST cellctl WORDS` fed with what fn(arg) writes to our standard output (a pipe into ssh for
 * the time of fn: the archivers write there). fn's result; *code: ssh's exit status. */
static int feed_remote(const struct gconf *g, const struct mig_dest *d, const char *const *words, int (*fn)(void *),
		       void *arg, int *code)
{
	*code = -1;
	int wfd = -1;
	pid_t pid = spawn_remote(g, d, words, &wfd);
	if (pid < 0)
		return pid;
	int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	int r = 0;
	if (saved < 0 || dup2(wfd, STDOUT_FILENO) < 0)
		r = cerr(EX_SYSTEM, errno, "redirect our output to ssh");
	close(wfd);
	if (r == 0)
		r = fn(arg);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO); /* the pipe's last write end of ours closes: ssh sees the end */
		close(saved);
	}
	*code = reap(pid);
	return r;
}

struct backup_job {
	const struct gconf *g;
	unsigned ctid;
	struct tpl_precopy *pc;
};

static int backup_out(void *arg)
{
	struct backup_job *j = arg;
	struct backup_opts bo = {.mode = BK_STOP, .output = "-", .precopy = j->pc};
	struct backup_result br = {0};
	int r = ct_backup(j->g, j->ctid, &bo, &br);
	free(br.file);
	return r;
}

/* The copy: our backup to a pipe into `ssh DEST cellctl restore-backup - CTID`; with pc, the final
 * pass over a pre-copy (restore-backup --precopy there). *made: the destination's restore
 * succeeded (its container exists). */
static int transfer(const struct gconf *g, const struct mig_dest *d, const char *dest, unsigned ctid, bool *made,
		    struct precopy_run *pr)
{
	*made = false;
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	const char *words[] = {"restore-backup", "-", id, pr ? "--precopy" : NULL, pr ? pr->token : NULL, NULL};
	struct backup_job j = {.g = g, .ctid = ctid, .pc = pr ? &pr->pc : NULL};
	int code;
	int r = feed_remote(g, d, words, backup_out, &j, &code);
	*made = code == 0;
	if (r < 0)
		return cerr_wrap(r, EX_MIGRATE, "stream container %u to %s", ctid, dest);
	if (code)
		return cerr(EX_MIGRATE, 0, "the restore on %s failed (exit %d): see its message above", dest, code);
	return 0;
}

/* Online: the checkpoint's images in dir into `ssh DEST cellctl migrate-restore CTID [--enable]`,
 * which restores the container there (it runs when this returns 0). */
static int send_images(const struct gconf *g, const struct mig_dest *d, const char *dest, unsigned ctid, const char *dir,
		       bool enable)
{
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	const char *words[] = {"migrate-restore", id, enable ? "--enable" : NULL, NULL};
	int wfd = -1;
	pid_t pid = spawn_remote(g, d, words, &wfd);
	if (pid < 0)
		return pid;
	int r = mig_images_send(dir, wfd);
	close(wfd);
	int code = reap(pid);
	if (code)
		return cerr(EX_MIGRATE, 0, "the restore of the checkpoint on %s failed (exit %d): see its message above",
			    dest, code);
	return r < 0 ? cerr_wrap(r, EX_MIGRATE, "send the checkpoint of container %u to %s", ctid, dest) : 0;
}


/* `ssh DEST cellctl WORDS` whose outcome does not matter (a clean-up): its output is dropped. */
static void remote_quiet(const struct gconf *g, const struct mig_dest *d, const char *const *words)
{
	_cleanup_free_ char *out = NULL;
	remote(g, d, words, -1, true, &out);
}

/* ---- the pre-copy (precopy.h) ---- */

static void precopy_run_done(struct precopy_run *pr)
{
	if (pr->pc.listfd >= 0)
		close(pr->pc.listfd);
	pr->pc.listfd = -1;
}

/* The destination's stage of this migration goes (a clean-up: its outcome does not matter;
 * restore-backup --precopy removes it itself when it ran). */
static void precopy_abort(const struct gconf *g, const struct mig_dest *d, unsigned ctid, const struct precopy_run *pr)
{
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	const char *words[] = {"migrate-precopy", id, pr->token, "--abort", NULL};
	struct cerr_saved es;
	cerr_save(&es);
	remote_quiet(g, d, words);
	cerr_restore(&es);
}

static int precopy_out(void *arg)
{
	return tpl_precopy_send("zstd", arg);
}

/* The first pass while container ctid runs: the regular files of its private area into `ssh DEST
 * cellctl migrate-precopy CTID TOKEN`. Nothing changes here; on failure the destination's stage
 * goes. *conn: the failure was ssh's own (the destination not reached: exit 255). */
static int precopy_pass(const struct gconf *g, const struct mig_dest *d, const char *dest, unsigned ctid,
			struct precopy_run *pr, struct migrate_result *res, bool *conn)
{
	*conn = false;
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return cerr(EX_SYSTEM, errno, "getrandom");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(pr->token + 2 * i, 3, "%02x", rnd[i]);
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return cerr(EX_NOPRIVATE, errno, "private area %s", root);
	/* the first pass's records: a memory file (48 bytes a file), read back by the final pass */
	if ((pr->pc.listfd = memfd_create("cellctl-precopy", MFD_CLOEXEC)) < 0)
		return cerr(EX_SYSTEM, errno, "memfd_create");
	/* t0 before the pass reads anything (a file stamped after it is sent whole, not read twice);
	 * written back first, so that the guest's dirty pages do not hold the pass up */
	if (syncfs(rfd) < 0)
		log_debug("migrate %u: syncfs %s: %m", ctid, root);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	pr->pc.t0_sec = (int64_t)rt.tv_sec - PC_T0_MARGIN_SEC;
	pr->pc.t0_nsec = rt.tv_nsec;
	uint64_t t0 = now_ms();
	const char *words[] = {"migrate-precopy", id, pr->token, NULL};
	struct tpl_pack_opts po = {.srcfd = rfd, .precopy = &pr->pc};
	int code;
	int r = feed_remote(g, d, words, precopy_out, &po, &code);
	*conn = code == 255;
	if (code && (r == 0 || cerr_exit() == EX_SYSTEM))
		r = cerr_replace(EX_MIGRATE, 0, "the pre-copy's receiver on %s failed (exit %d): see its message above", dest,
				 code);
	if (r < 0) {
		precopy_abort(g, d, ctid, pr);
		return cerr_wrap(r, EX_MIGRATE, "pre-copy of container %u to %s", ctid, dest);
	}
	res->precopy = true;
	res->t_precopy = (double)(now_ms() - t0) / 1000.0;
	res->precopy_files = pr->pc.files;
	res->precopy_bytes = pr->pc.bytes;
	log_debug("migrate %u: pre-copy of %llu files, %llu bytes in %.3f s", ctid, (unsigned long long)pr->pc.files,
		  (unsigned long long)pr->pc.bytes, res->t_precopy);
	return 0;
}

/* The running source, after a failed online switch: restored from its checkpoint in dir, or
 * started cold when that fails. Says which. */
static void online_recover(const struct gconf *g, unsigned ctid, const char *dir)
{
	struct chkpnt_opts lo = {.dumpfile = dir, .criu_checked = true};
	if (ct_running(g, ctid, NULL)) {
		log_warn("migrate: container %u runs on here (its checkpoint was not completed)", ctid);
	} else if (access(dir, F_OK) == 0 && ct_restore(g, ctid, &lo) == 0) {
		log_warn("migrate: container %u restored here from its checkpoint: its processes run on", ctid);
	} else {
		_cleanup_free_ char *why = xstrdup(cerr_msg() ? cerr_msg() : "no checkpoint");
		if (ct_start(g, ctid, false) == 0)
			log_warn("migrate: container %u could not be restored here from its checkpoint (%s): started "
				 "cold (its processes were restarted)",
				 ctid, why);
		else
			log_warn("migrate: container %u could not be restored here (%s) nor started: %s", ctid, why,
				 cerr_msg());
	}
	/* whatever became of it, the checkpoint (a memory image) goes */
	_cleanup_free_ char *d1 = xstrdup(dir), *d2 = xstrdup(dir);
	_cleanup_close_ int pfd = open(dirname(d1), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0 && faccessat(pfd, basename(d2), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		fs_remove_tree(pfd, basename(d2));
}

/* The source's side of a failed online switch: its setting back, running again (unless it had
 * stopped on its own before the checkpoint: recover false); returns r with its error kept. */
static int online_undo(const struct gconf *g, unsigned ctid, const char *dir, bool disabled_here, bool recover,
		       int r)
{
	struct cerr_saved es;
	cerr_save(&es);
	if (disabled_here && mig_set_disabled(g, ctid, false) < 0)
		log_warn("migrate: container %u stays disabled here: %s", ctid, cerr_msg());
	if (recover)
		online_recover(g, ctid, dir);
	cerr_restore(&es);
	return r;
}

/* The online switch of running container ctid (disabled already): checkpoint into a scratch
 * directory of run_dir (the container freezes: downtime starts), the backup archive into
 * restore-backup there, enable it there, then the checkpoint's images into migrate-restore there
 * (it runs there: downtime ends), and the source destroyed or kept. On failure after the
 * checkpoint the destination's container is stopped and removed (kept with keep_dst) and the
 * source runs again here (online_recover). */
static int migrate_online(const struct gconf *g, const struct mig_dest *d, const char *dest, unsigned ctid,
			  const struct migrate_opts *o, struct migrate_result *res, bool disabled_here,
			  struct precopy_run *pr)
{
	_cleanup_free_ char *parent = xasprintf("%s/migrate", g->dumpdir), *dir = mig_dump_dir(g, ctid, false);
	int r = mkdir_p(parent, 0700);
	if (r < 0 || chmod(parent, 0700) < 0)
		return online_undo(g, ctid, dir, disabled_here, true,
				   cerr(EX_SYSTEM, r < 0 ? r : errno, "create %s", parent));
	_cleanup_close_ int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	char name[32];
	snprintf(name, sizeof(name), "dump.%u", ctid);
	if (pfd < 0)
		return online_undo(g, ctid, dir, disabled_here, true, cerr(EX_SYSTEM, errno, "open %s", parent));
	fs_remove_tree(pfd, name); /* a stale one of an interrupted migration */
	/* frozen from here */
	uint64_t tfreeze = now_ms();
	struct chkpnt_opts co = {.dumpfile = dir, .criu_checked = true};
	r = ct_chkpnt(g, ctid, &co);
	uint64_t tcopy = now_ms();
	res->t_stop = (double)(tcopy - tfreeze) / 1000.0;
	if (r < 0) {
		/* stopped meanwhile (by its guest or an admin): not started again behind their back */
		bool stopped = cerr_exit() == EX_NOTRUNNING;
		return online_undo(g, ctid, dir, disabled_here, !stopped,
				   cerr_wrap(r, EX_MIGRATE, "migrate --online: checkpoint container %u", ctid));
	}
	bool made = false;
	r = transfer(g, d, dest, ctid, &made, pr);
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	if (r == 0 && pr) {
		res->unchanged_files = pr->pc.files;
		res->unchanged_bytes = pr->pc.bytes;
	}
	/* (migrate-restore enables the destination's copy itself: no ssh round trip for it) */
	uint64_t trestore = now_ms();
	res->t_copy = (double)(trestore - tcopy) / 1000.0;
	if (r == 0)
		r = send_images(g, d, dest, ctid, dir, disabled_here);
	uint64_t tup = now_ms();
	res->t_start = (double)(tup - trestore) / 1000.0;
	if (r < 0) {
		struct cerr_saved es;
		cerr_save(&es);
		if (made) {
			/* it may run there when only the connection broke after the restore */
			const char *stop[] = {"stop", id, "--fast", NULL}, *destroy[] = {"destroy", id, NULL};
			remote_quiet(g, d, stop);
			if (!o->keep_dst) {
				int st = remote(g, d, destroy, -1, false, NULL);
				if (st)
					log_warn("migrate: container %u could not be destroyed on %s (exit %d): remove it "
						 "there",
						 ctid, dest, st);
			}
		}
		cerr_restore(&es);
		return online_undo(g, ctid, dir, disabled_here, true, r);
	}
	/* running there: downtime ends */
	res->downtime = (double)(tup - tfreeze) / 1000.0;
	if (fs_remove_tree(pfd, name) < 0)
		log_warn("migrate: the checkpoint %s could not be removed", dir);
	if (o->keep_src) {
		res->src_kept = true;
	} else if ((r = ct_destroy(g, ctid)) < 0) {
		res->src_kept = true;
		return cerr_wrap(r, EX_MIGRATE, "container %u runs on %s, but could not be destroyed here", ctid, dest);
	}
	return 0;
}

int ct_migrate(const struct gconf *g, unsigned ctid, const char *dest, const struct migrate_opts *o,
	       struct migrate_result *res)
{
	memset(res, 0, sizeof(*res));
	uint64_t t0 = now_ms();
	/* a destination that ends its side early must give us EPIPE, not kill us between the stop (or
	 * the checkpoint) and bringing the source back; the ssh children get SIGPIPE back */
	signal(SIGPIPE, SIG_IGN);
	struct mig_dest d;
	if (mig_dest_parse(dest, &d) < 0) {
		_cleanup_free_ char *e = str_escape(dest ? dest : "");
		return cerr(EX_BADVALUE, 0, "invalid destination '%s': [user@]host[:port] (host a name or an address)", e);
	}
	_cleanup_conf_ struct ct_config *c = NULL;
	int r = ctconf_load(g, ctid, &c);
	if (r < 0)
		return r;
	log_set_ctid(ctid);
	/* online: this host must checkpoint (and restore, when it fails), the destination restore */
	bool online = false;
	if (o->online && !ct_running(g, ctid, NULL)) {
		res->online_offline = true;
		log_debug("migrate %u: not running: --online moves it offline", ctid);
	} else if (o->online) {
		if ((r = criu_host_check(NULL)) < 0)
			return cerr_wrap(r, EX_MIGONLINE, "online migration is not possible: this host cannot checkpoint");
		online = true;
	}
	{
		_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
		_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		uint64_t inodes;
		if (rfd < 0)
			return cerr(EX_NOPRIVATE, errno, "private area %s", root);
		if (quota_walk_usage(rfd, &res->usage_kib, &inodes) < 0)
			res->usage_kib = 0;
	}
	bool dest_has_precopy = false;
	if ((r = precheck(g, &d, dest, ctid, res->usage_kib, online, &dest_has_precopy)) < 0)
		return r;

	/* from here until the end the source is disabled: a start (boot's, an admin's) between the
	 * stop and the destroy would run a second copy with the same addresses */
	bool disabled_here = false;
	if (!c->disabled) {
		if ((r = mig_set_disabled(g, ctid, true)) < 0)
			return cerr_wrap(r, 0, "migrate: disable container %u for the migration", ctid);
		disabled_here = true;
	}
	/* the first pass, while it runs (not an overlay's: its merged root is the running container's
	 * own mount); a failure leaves it running as before */
	struct precopy_run pr = {.pc = {.listfd = -1, .statfd = -1}};
	bool pre = dest_has_precopy && !o->no_precopy && !ctconf_overlay(c) && ct_running(g, ctid, NULL);
	if (!pre)
		log_debug("migrate %u: no pre-copy (%s)", ctid,
			  !dest_has_precopy ? "the destination has none"
			  : o->no_precopy   ? "--no-precopy"
			  : ctconf_overlay(c) ? "layout overlay"
					      : "not running");
	bool conn = false;
	if (pre && (r = precopy_pass(g, &d, dest, ctid, &pr, res, &conn)) < 0) {
		precopy_run_done(&pr);
		pre = false;
		if (conn) {
			/* the destination is out of reach: not worth a stop */
			if (disabled_here && mig_set_disabled(g, ctid, false) < 0)
				log_warn("migrate: container %u stays disabled here: %s", ctid, cerr_msg());
			return r;
		}
		/* (a guest's tree the first pass could not read, a receiver that refused it): the whole
		 * copy while it is down, as without one */
		log_warn("migrate: %s: the whole copy is made while it is down", cerr_msg());
		cerr_clear();
		res->precopy_failed = true;
	}
	if (online) {
		res->was_running = res->online = true;
		r = migrate_online(g, &d, dest, ctid, o, res, disabled_here, pre ? &pr : NULL);
		if (r < 0 && pre)
			precopy_abort(g, &d, ctid, &pr);
		precopy_run_done(&pr);
		res->seconds = (double)(now_ms() - t0) / 1000.0;
		if (r == 0)
			log_file_only("Container migrated to %s (online, %s): frozen %.3f s, %.3f s in all", dest,
				      res->src_kept ? "source kept, disabled" : "source destroyed", res->downtime,
				      res->seconds);
		return r;
	}
	/* downtime starts */
	res->was_running = ct_running(g, ctid, NULL);
	uint64_t tstop = now_ms();
	if (res->was_running && (r = ct_stop(g, ctid, false, -1)) < 0) {
		if (pre)
			precopy_abort(g, &d, ctid, &pr);
		precopy_run_done(&pr);
		if (disabled_here)
			mig_set_disabled(g, ctid, false);
		return cerr_wrap(r, 0, "migrate: stop container %u", ctid);
	}
	uint64_t tcopy = now_ms();
	res->t_stop = (double)(tcopy - tstop) / 1000.0;
	bool made = false;
	/* (stopped on its own meanwhile: still the final pass of the pre-copy made while it ran) */
	r = transfer(g, &d, dest, ctid, &made, pre ? &pr : NULL);
	uint64_t tstart = now_ms();
	res->t_copy = (double)(tstart - tcopy) / 1000.0;
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	if (r == 0 && pre) {
		res->unchanged_files = pr.pc.files;
		res->unchanged_bytes = pr.pc.bytes;
	} else if (pre) {
		precopy_abort(g, &d, ctid, &pr);
	}
	precopy_run_done(&pr);
	if (r == 0 && disabled_here) {
		/* the config travelled disabled: the destination's copy is as it was here before */
		const char *words[] = {"set", id, "--disabled", "no", "--save", NULL};
		int st = remote(g, &d, words, -1, false, NULL);
		if (st)
			r = st < 0 ? cerr_wrap(st, EX_MIGRATE, "enable container %u on %s", ctid, dest)
				   : cerr(EX_MIGRATE, 0, "container %u could not be enabled on %s (exit %d)", ctid, dest, st);
	}
	if (r == 0 && res->was_running) {
		const char *words[] = {"start", id, NULL};
		int st = remote(g, &d, words, -1, false, NULL);
		if (st)
			r = st < 0 ? cerr_wrap(st, EX_MIGRATE, "start container %u on %s", ctid, dest)
				   : cerr(EX_MIGRATE, 0, "container %u did not start on %s (exit %d)", ctid, dest, st);
	}
	if (r < 0) {
		struct cerr_saved es;
		cerr_save(&es);
		if (made && !o->keep_dst) {
			const char *words[] = {"destroy", id, NULL};
			int st = remote(g, &d, words, -1, false, NULL);
			if (st)
				log_warn("migrate: container %u could not be destroyed on %s (exit %d): remove it "
					 "there",
					 ctid, dest, st);
		}
		if (disabled_here && mig_set_disabled(g, ctid, false) < 0)
			log_warn("migrate: container %u stays disabled here: %s", ctid, cerr_msg());
		if (res->was_running && ct_start(g, ctid, false) < 0)
			log_warn("migrate: container %u did not start again here: %s", ctid, cerr_msg());
		cerr_restore(&es);
		return r;
	}
	/* running there: downtime ends */
	uint64_t tup = now_ms();
	res->downtime = res->was_running ? (double)(tup - tstop) / 1000.0 : 0;
	res->t_start = (double)(tup - tstart) / 1000.0;
	if (o->keep_src) {
		res->src_kept = true; /* disabled since the stop */
	} else if ((r = ct_destroy(g, ctid)) < 0) {
		res->src_kept = true;
		return cerr_wrap(r, EX_MIGRATE, "container %u runs on %s, but could not be destroyed here", ctid, dest);
	}
	res->seconds = (double)(now_ms() - t0) / 1000.0;
	log_file_only("Container migrated to %s (offline, %s): downtime %.3f s, %.3f s in all", dest,
		      res->src_kept ? "source kept, disabled" : "source destroyed", res->downtime, res->seconds);
	return 0;
}
