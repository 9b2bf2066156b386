/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside action scripts: a host file fed to the guest's shell through nsexec's path. */
#include "hooks_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "nsexec.h"
#include "util.h"

#define HOOK_MAX_SIZE (1024 * 1024)

/* The script for the guest's shell: its environment as exports, then the file's text, in a
 * sealed memfd at offset 0. */
static int script_memfd(const char *esc, int fd, const struct hook_info *hi)
{
	_cleanup_free_ char *text = xmalloc(HOOK_MAX_SIZE + 1);
	ssize_t n = read_full(fd, text, HOOK_MAX_SIZE + 1);
	if (n < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "action script %s: read", esc);
	if (n > HOOK_MAX_SIZE)
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s: larger than %d bytes", esc, HOOK_MAX_SIZE);
	_cleanup_free_ char *pre = hook_env_shell(hi);
	int mfd = memfd_create("cellctl-hook", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "memfd_create");
	if (write_full(mfd, pre, strlen(pre)) < 0 || write_full(mfd, text, (size_t)n) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0 ||
	    lseek(mfd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(mfd);
		return cerr(EX_ACTIONSCRIPT, e, "action script %s: prepare its text", esc);
	}
	return mfd;
}

/* The runner (see the header): the parent tells a timeout by its SIGKILL. */
void hooks_guest_runner(const struct gconf *g, unsigned ctid, unsigned timeout_s, char *const *reexec_argv)
{
	char *argv[] = {UNCONST("/bin/sh"), NULL};
	struct ct_exec_req req = {.argv = argv, .reexec_argv = reexec_argv};
	struct ct_proc p;
	cerr_clear();
	if (ct_exec_spawn(g, ctid, &req, &p) < 0) {
		dprintf(2, "%s\n", cerr_msg() ? cerr_msg() : "cannot run the script in the container");
		_exit(cerr_exit() > 0 && cerr_exit() < 256 ? cerr_exit() : 1);
	}
	uint64_t end = now_ms() + (uint64_t)timeout_s * 1000;
	int st;
	for (;;) {
		pid_t w = waitpid(p.pid, &st, WNOHANG);
		if (w == p.pid)
			break;
		if (w < 0 && errno != EINTR)
			_exit(1);
		if (now_ms() >= end) {
			kill(-p.cmd, SIGKILL);
			kill(p.cmd, SIGKILL);
			while (waitpid(p.pid, &st, 0) < 0 && errno == EINTR)
				;
			raise(SIGKILL);
		}
		usleep(20000);
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int run_one(const struct gconf *g, const struct ct_config *c, enum hook_phase ph, const char *path)
{
	_cleanup_free_ char *esc = str_escape(path);
	_cleanup_close_ int fd = -1;
	int r = hook_check(path, false, &fd);
	if (r != 0)
		return r == 1 ? 0 : r;
	_cleanup_free_ char *priv = xasprintf("%s/%u", g->private_dir, c->ctid);
	struct hook_info hi = {.ctid = c->ctid, .conffile = c->path, .root = "/", .priv = priv, .phase = ph};
	_cleanup_close_ int mfd = script_memfd(esc, fd, &hi);
	if (mfd < 0)
		return mfd;
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "pipe");
	log_file_only("running action script %s inside the container", path);
	int pidfd = -1;
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		if (dup2(mfd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		log_set_file(NULL); /* before its fd goes: a stale number would close another's later */
		syscall(SYS_close_range, 3, ~0U, 0);
		char id[16], tmo[16];
		snprintf(id, sizeof(id), "%u", c->ctid);
		snprintf(tmo, sizeof(tmo), "%u", g->hook_timeout);
		char *reexec[] = {UNCONST("cellctl"), UNCONST("hook-exec"), id, tmo, NULL};
		hooks_guest_runner(g, c->ctid, g->hook_timeout, reexec);
	}
	int e = errno;
	int st = 0;
	unsigned long long ms = 0;
	/* the runner keeps the timeout; this one (5 s later) is the backstop for a runner that hangs */
	if ((r = hook_collect(path, out, pid, e, pidfd, g->hook_timeout, 5000, false, &st, &ms)) < 0)
		return r;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s timed out after %u s (killed)", esc, g->hook_timeout);
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	log_file_only("action script %s: exit status %d, %llu ms", name, code, ms);
	if (code == 0)
		return 0;
	return cerr(EX_ACTIONSCRIPT, 0, "action script %s failed inside the container (exit status %d)", esc, code);
}

int hooks_run_guest(const struct gconf *g, const struct ct_config *c, enum hook_phase ph)
{
	char *paths[2];
	hook_paths(g->config_dir, c->ctid, ph, paths);
	int r = 0;
	for (int i = 0; i < 2 && r == 0; i++)
		r = run_one(g, c, ph, paths[i]);
	free(paths[0]);
	free(paths[1]);
	return r;
}
