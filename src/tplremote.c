/* tpl_extract and tpl_pack for the cellctl command (tpl_archive_helper): run by the cellctl-archive
 * helper, so that cellctl does not load libarchive and its dependencies on every start and exec.
 * The helper dies with us (parent-death signal) and reports "CODE message" on fd 3. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "error.h"
#include "template.h"
#include "tplremote.h"
#include "util.h"

static int run_helper(char **argv, volatile int *cancel, const char *what)
{
	_cleanup_free_ char *bin = helper_path("cellctl-archive");
	if (!bin)
		return cerr(EX_SYSTEM, ENOENT, "cellctl-archive helper not found (beside cellctl or in %s)", PKGLIBEXECDIR);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cerr(EX_SYSTEM, errno, "fork");
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(p[1], 3) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(bin, argv);
		_exit(127);
	}
	close(p[1]);
	int status = 0;
	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (errno != EINTR)
			break;
		if (cancel && *cancel)
			kill(pid, SIGKILL);
	}
	int r = cerr_report_read(p[0]);
	close(p[0]);
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
	char *argv[] = {"cellctl-archive", "extract", (char *)archive, (char *)destdir, shift, size, NULL};
	return run_helper(argv, o ? o->cancel : NULL, "extracting");
}

static int remote_pack(const char *srcdir, const char *archive, bool progress)
{
	char *argv[] = {"cellctl-archive", "pack", (char *)srcdir, (char *)archive, progress ? "1" : "0", NULL};
	return run_helper(argv, NULL, "packing");
}

const struct tpl_archiver tpl_archive_helper = {remote_extract, remote_pack};
