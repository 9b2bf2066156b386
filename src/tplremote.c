/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tpl_extract and tpl_pack for the cellctl command (tpl_archive_helper): run by the cellctl-archive
 * helper, so that cellctl does not load libarchive and its dependencies on every start and exec.
 * The helper dies with us (parent-death signal) and reports "CODE message" on fd 3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "error.h"
#include "helper.h"
#include "template.h"
#include "tplremote.h"
#include "util.h"

static int run_helper(char **argv, int pass_fd, volatile int *cancel, const char *what)
{
	_cleanup_free_ char *bin = helper_path("cellctl-archive");
	if (!bin)
		return cerr(EX_SYSTEM, ENOENT, "cellctl-archive helper not found (beside cellctl or in %s)", PKGLIBEXECDIR);
	struct helper_req rq = {.path = bin, .argv = argv, .pass_fd = pass_fd, .die_with_us = true, .cancel = cancel};
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
	char *argv[] = {UNCONST("cellctl-archive"), UNCONST("backup"), UNCONST(path), UNCONST(compress),
			UNCONST(manifest), UNCONST(confpath), UNCONST(o->progress ? "1" : "0"), base, size,
			UNCONST(o->low_kept ? "1" : "0"), NULL};
	return run_helper(argv, o->srcfd, NULL, "writing a backup");
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
			size, NULL};
	return run_helper(argv, -1, o ? o->cancel : NULL, "extracting");
}

const struct tpl_archiver tpl_archive_helper = {.extract = remote_extract,
						.pack = remote_pack,
						.backup = remote_backup,
						.backup_info = remote_backup_info,
						.restore = remote_restore};
