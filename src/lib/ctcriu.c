/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctcriu.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "criu.h"
#include "criutar.h"
#include "ctfreeze.h"
#include "ctops.h"
#include "error.h"
#include "fsutil.h"
#include "lock.h"
#include "log.h"
#include "monitor.h"
#include "state.h"
#include "util.h"

char *ct_chkpnt_dir(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o)
{
	if (o->dumpfile)
		return xstrdup(o->dumpfile);
	return xasprintf("%s/Dump.%u", o->dumpdir ? o->dumpdir : g->dumpdir, ctid);
}

/* The console as CRIU names it, "tty[RDEV:DEV]", from init's stdin (the console pty's slave), or
 * "" when init's stdin is no pty (then the dump has no console to leave out). */
static void console_tty_id(pid_t init, char *out, size_t len)
{
	char path[64];
	struct stat st;
	*out = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)init);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143)
		snprintf(out, len, "tty[%llx:%llx]", (unsigned long long)st.st_rdev, (unsigned long long)st.st_dev);
}

static bool has_checkpoint(const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/inventory.img", dir);
	return access(p, F_OK) == 0;
}

/* The last "Error" lines of CRIU's log, for the message. */
static char *log_tail(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return xstrdup("no log");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return xstrdup("no log");
	off_t from = st.st_size > 65536 ? st.st_size - 65536 : 0;
	char *buf = xmalloc(65537);
	ssize_t n = pread(fd, buf, 65536, from);
	buf[n > 0 ? n : 0] = 0;
	struct strbuf b = {0};
	unsigned found = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "Error (") && found++ < 2) {
			_cleanup_free_ char *e = str_escape(l);
			sb_printf(&b, "%s%s", found > 1 ? "; " : "", e);
		}
	free(buf);
	char *s = sb_done(&b);
	if (!*s) {
		free(s);
		s = xstrdup("no error line in its log");
	}
	return s;
}

int ct_chkpnt(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o)
{
	_cleanup_free_ char *bin = o->criu_checked ? criu_binary() : NULL;
	int r = bin ? 0 : criu_host_check(&bin);
	if (r < 0)
		return r;
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "chkpnt", &lk)) < 0)
		return r;
	struct ct_state st;
	if (!ct_running(g, ctid, &st))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	if (ct_suspended(&st))
		return cerr(EX_SUSPENDED, 0, "container %u is suspended: resume it first", ctid);
	_cleanup_free_ char *want = ct_chkpnt_dir(g, ctid, o);
	if (has_checkpoint(want))
		return cerr(EX_BADVALUE, 0, "%s holds a checkpoint already (restore it, or remove it)", want);
	/* the parents private (CRIU writes the images 0644); the directory itself searchable: CRIU's
	 * restore opens images in it from inside the container's user namespace (as "others") */
	_cleanup_free_ char *parent = xstrdup(want);
	if ((r = mkdir_p(dirname(parent), 0700)) < 0 || (mkdir(want, 0711) < 0 && errno != EEXIST) || chmod(want, 0711) < 0)
		return cerr(EX_FREEZE, r < 0 ? r : errno, "create the checkpoint directory %s", want);
	char dir[PATH_MAX];
	if (!realpath(want, dir))
		return cerr(EX_FREEZE, errno, "the checkpoint directory %s", want);
	_cleanup_close_ int mon = proc_pidfd(st.monitor_pid, st.monitor_start);
	char tty[64];
	console_tty_id(st.init_pid, tty, sizeof(tty));
	struct criu_req rq = {.images = dir,
			      .log = "dump.log",
			      .pid = st.init_pid,
			      .tty_id = *tty ? tty : NULL,
			      .tcp_established = o->tcp_established};
	char **argv = criu_argv(bin, &rq);
	if (!argv)
		return cerr(EX_FREEZE, EINVAL, "cannot name the container's resources to CRIU");
	uint64_t t0 = now_ms();
	int rc = criu_run(argv, NULL, 0, NULL);
	criu_argv_free(argv);
	if (rc != 0) {
		_cleanup_free_ char *p = xasprintf("%s/inventory.img", dir);
		unlink(p); /* not a checkpoint to restore */
		_cleanup_free_ char *why = log_tail(dir, "dump.log");
		if (!ct_running(g, ctid, NULL))
			return cerr(EX_FREEZE, 0,
				    "criu dump of container %u failed (exit %d): %s (log: %s/dump.log); "
				    "the container is no longer running",
				    ctid, rc, why, dir);
		return cerr(EX_FREEZE, 0,
			    "criu dump of container %u failed (exit %d): %s (log: %s/dump.log); it keeps running", ctid,
			    rc, why, dir);
	}
	log_info("checkpointed container %u to %s in %llu ms", ctid, dir, (unsigned long long)(now_ms() - t0));
	int fixed = criutar_fix_dir(dir);
	if (fixed < 0)
		return cerr(EX_FREEZE, fixed,
			    "container %u (stopped): rewrite the tmpfs archives of the checkpoint in %s", ctid, dir);
	log_debug("checkpoint %s: %d device nodes of its tmpfs archives made empty files", dir, fixed);
	if ((r = criu_meta_write(dir, *tty ? tty : NULL, o->tcp_established)) < 0)
		return r;
	/* CRIU killed the tree: its monitor cleans up as after a stop; wait for it */
	if (mon >= 0) {
		struct pollfd p = {.fd = mon, .events = POLLIN};
		if (poll(&p, 1, 30000) <= 0)
			log_warn("container %u: its monitor has not finished cleaning up after the checkpoint", ctid);
	}
	return 0;
}

int ct_restore(const struct gconf *g, unsigned ctid, const struct chkpnt_opts *o)
{
	int r = o->criu_checked ? 0 : criu_host_check(NULL);
	if (r < 0)
		return r;
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running", ctid);
	_cleanup_free_ char *want = ct_chkpnt_dir(g, ctid, o);
	char dir[PATH_MAX];
	if (!realpath(want, dir) || !has_checkpoint(dir))
		return cerr(EX_RESTORE, errno ? errno : ENOENT, "no checkpoint of container %u in %s", ctid, want);
	char tty[64];
	bool tcp;
	if ((r = criu_meta_read(dir, tty, sizeof(tty), &tcp)) < 0)
		return r;
	monitor_set_restore(dir);
	uint64_t t0 = now_ms();
	r = ct_start(g, ctid, false);
	monitor_set_restore(NULL);
	if (r < 0)
		return r;
	log_info("restored container %u from %s in %llu ms", ctid, dir, (unsigned long long)(now_ms() - t0));
	/* the checkpoint is spent: the container has run on from it */
	_cleanup_free_ char *d1 = xstrdup(dir), *d2 = xstrdup(dir);
	_cleanup_close_ int pfd = open(dirname(d1), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || fs_remove_tree(pfd, basename(d2)) < 0)
		log_warn("container %u: could not remove the restored checkpoint %s", ctid, dir);
	return 0;
}
