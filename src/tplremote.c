/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tpl_extract and tpl_pack for the cellctl command (tpl_archive_helper): run by the cellctl-archive
 * helper, so that cellctl does not load libarchive and its dependencies on every start and exec.
 * The helper dies with us (parent-death signal) and reports "CODE message" on fd 3. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "helper.h"
#include "precopy.h"
#include "template.h"
#include "tplremote.h"
#include "util.h"

static int run_helper_keep(char **argv, int pass_fd, const int *keep, unsigned nkeep, volatile int *cancel,
			   const char *what)
{
	_cleanup_free_ char *bin = helper_path("cellctl-archive");
	if (!bin)
		return cerr(EX_SYSTEM, ENOENT, "cellctl-archive helper not found (beside cellctl or in %s)", PKGLIBEXECDIR);
	struct helper_req rq = {.path = bin,
				.argv = argv,
				.pass_fd = pass_fd,
				.keep_fds = keep,
				.nkeep = nkeep,
				.die_with_us = true,
				.cancel = cancel};
	int status = 0;
	int r = helper_spawn(&rq, &status);
	if (cancel && *cancel)
		return -EINTR;
	if (r == -ENODATA && WIFSIGNALED(status) && !strcmp(what, "extracting"))
		return cerr(EX_SYSTEM, 0,
			    "cellctl-archive was killed by signal %d (%s) while extracting (its address space is limited "
			    "to %u MiB)",
			    WTERMSIG(status), strsignal(WTERMSIG(status)), TPL_EXTRACT_MEMORY_MIB);
	if (r == -ENODATA && WIFSIGNALED(status))
		return cerr(EX_SYSTEM, 0, "cellctl-archive was killed by signal %d (%s) while %s", WTERMSIG(status),
			    strsignal(WTERMSIG(status)), what);
	if (r == -ENODATA)
		return cerr(EX_SYSTEM, 0, "cellctl-archive died (status %d) while %s", status, what);
	return r;
}

static int run_helper(char **argv, int pass_fd, volatile int *cancel, const char *what)
{
	return run_helper_keep(argv, pass_fd, NULL, 0, cancel, what);
}

/* A pre-copy pass: the helper with pc's list at fd 5 and a pipe at fd 6 whose "FILES BYTES" line
 * goes into pc. */
static int run_precopy(char **argv, int pass_fd, struct tpl_precopy *pc, const char *what)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	int keep[2] = {pc->listfd, p[1]};
	int r = run_helper_keep(argv, pass_fd, keep, 2, NULL, what);
	close(p[1]);
	char buf[64] = "";
	ssize_t n = r == 0 ? read(p[0], buf, sizeof(buf) - 1) : 0;
	close(p[0]);
	unsigned long long f, b;
	if (r == 0 && (n <= 0 || (buf[n] = '\0', sscanf(buf, "%llu %llu", &f, &b)) != 2))
		return cerr(EX_SYSTEM, 0, "cellctl-archive gave no figures after %s", what);
	if (r == 0) {
		pc->files = f;
		pc->bytes = b;
	}
	return r;
}

static int remote_precopy_send(const char *compress, const struct tpl_pack_opts *o)
{
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("precopy"), UNCONST(compress), NULL};
	return run_precopy(argv, o->srcfd, o->precopy, "pre-copying");
}

static int remote_precopy_recv(const char *stagedir, volatile int *cancel)
{
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("precopy-recv"), UNCONST(stagedir), NULL};
	return run_helper(argv, -1, cancel, "extracting");
}

static int remote_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o)
{
	char shift[16], size[16];
	snprintf(shift, sizeof(shift), "%u", o ? o->uid_shift : 0);
	snprintf(size, sizeof(size), "%u", o ? o->uid_size : 0);
	/* into a template tree: a seventh argument "lower", or "layer" for a layer template's */
	const char *tree = o && o->lower ? (o->layer ? "layer" : "lower") : NULL;
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("extract"), UNCONST(archive), UNCONST(destdir), shift, size,
			UNCONST(tree), NULL};
	return run_helper(argv, -1, o ? o->cancel : NULL, "extracting");
}

static int remote_pack(const char *srcdir, const char *archive, const struct tpl_pack_opts *o)
{
	char base[16], size[16];
	snprintf(base, sizeof(base), "%u", o ? o->id_base : 0);
	snprintf(size, sizeof(size), "%u", o ? o->id_size : 0);
	/* a directory open at srcfd is handed over: the helper finds it at HELPER_PASS_FD ("-") */
	bool fd = o && o->srcfd > 0;
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("pack"), UNCONST(fd ? "-" : srcdir), UNCONST(archive),
			UNCONST(o && o->progress ? "1" : "0"), base, size, UNCONST(o && o->low_kept ? "1" : "0"),
			o && o->layer ? UNCONST("layer") : NULL, NULL};
	return run_helper(argv, fd ? o->srcfd : -1, NULL, "packing");
}

static int remote_backup(const char *path, const char *compress, const char *manifest, const char *confpath,
			 const struct tpl_pack_opts *o)
{
	char base[16], size[16];
	snprintf(base, sizeof(base), "%u", o->id_base);
	snprintf(size, sizeof(size), "%u", o->id_size);
	char t0s[24], t0n[16];
	struct tpl_precopy *pc = o->precopy;
	snprintf(t0s, sizeof(t0s), "%lld", pc ? (long long)pc->t0_sec : 0LL);
	snprintf(t0n, sizeof(t0n), "%ld", pc ? pc->t0_nsec : 0L);
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("backup"), UNCONST(path), UNCONST(compress),
			UNCONST(manifest), UNCONST(confpath), UNCONST(o->progress ? "1" : "0"), base, size,
			UNCONST(o->low_kept ? "1" : "0"), pc ? t0s : NULL, t0n, NULL};
	return pc ? run_precopy(argv, o->srcfd, pc, "writing a backup") : run_helper(argv, o->srcfd, NULL, "writing a backup");
}

static int remote_backup_info(const char *path, const char *outdir)
{
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("backup-info"), UNCONST(path), UNCONST(outdir), NULL};
	return run_helper(argv, -1, NULL, "reading a backup");
}

static int remote_restore(const char *path, const char *destdir, const struct tpl_extract_opts *o)
{
	char shift[16], size[16];
	snprintf(shift, sizeof(shift), "%u", o ? o->uid_shift : 0);
	snprintf(size, sizeof(size), "%u", o ? o->uid_size : 0);
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("restore-backup"), UNCONST(path), UNCONST(destdir), shift,
			size, UNCONST(o ? o->precopy_dir : NULL), NULL};
	return run_helper(argv, -1, o ? o->cancel : NULL, "extracting");
}

const struct tpl_archiver tpl_archive_helper = {.extract = remote_extract,
						.pack = remote_pack,
						.backup = remote_backup,
						.backup_info = remote_backup_info,
						.restore = remote_restore,
						.precopy_send = remote_precopy_send,
						.precopy_recv = remote_precopy_recv};
