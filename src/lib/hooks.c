/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Action scripts: which files, whether they may run, their environment, and the host-side run. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "util.h"

#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const phase_names[HOOK_NPHASES] = {"premount", "mount", "start", "stop", "umount", "postumount"};

const char *hook_phase_name(enum hook_phase ph) { return (unsigned)ph < HOOK_NPHASES ? phase_names[ph] : "?"; }

bool hook_inside(enum hook_phase ph) { return ph == HOOK_START || ph == HOOK_STOP; }

static const char *hook_state(enum hook_phase ph) { return ph <= HOOK_START ? "starting" : "stopping"; }

/* The variables as NAME, value pairs (value NULL: empty). */
static void hook_vars(const struct hook_info *hi, char *ctid, size_t len, const char *v[7][2])
{
	snprintf(ctid, len, "%u", hi->ctid);
	const char *vars[7][2] = {{"VEID", ctid},
				  {"CTID", ctid},
				  {"VE_CONFFILE", hi->conffile},
				  {"VE_ROOT", hi->root},
				  {"VE_PRIVATE", hi->priv},
				  {"VE_STATE", hook_state(hi->phase)},
				  {"CELLCTL_HOOK", hook_phase_name(hi->phase)}};
	memcpy(v, vars, sizeof(vars));
}

void hook_env(const struct hook_info *hi, char *env[HOOK_NENV])
{
	char id[16];
	const char *v[7][2];
	hook_vars(hi, id, sizeof(id), v);
	for (size_t i = 0; i < 7; i++)
		env[i] = xasprintf("%s=%s", v[i][0], v[i][1] ? v[i][1] : "");
	env[7] = xstrdup(HOOK_PATH);
	env[8] = NULL;
}

void hook_env_free(char *env[HOOK_NENV])
{
	for (size_t i = 0; i < HOOK_NENV; i++) {
		free(env[i]);
		env[i] = NULL;
	}
}

char *hook_env_shell(const struct hook_info *hi)
{
	char id[16];
	const char *v[7][2];
	hook_vars(hi, id, sizeof(id), v);
	struct strbuf b = {0};
	for (size_t i = 0; i < 7; i++) {
		sb_printf(&b, "export %s='", v[i][0]);
		for (const char *p = v[i][1] ? v[i][1] : ""; *p; p++) {
			if (*p == '\'')
				sb_add(&b, "'\\''");
			else
				sb_addn(&b, p, 1);
		}
		sb_add(&b, "'\n");
	}
	return sb_done(&b);
}

void hook_paths(const char *dir, unsigned ctid, enum hook_phase ph, char *paths[2])
{
	paths[0] = xasprintf("%s/vps.%s", dir, hook_phase_name(ph));
	paths[1] = xasprintf("%s/%u.%s", dir, ctid, hook_phase_name(ph));
}

/* A directory on the way to a script: root's, and writable only by root unless sticky. */
static int check_dir(int fd, const char *what)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "action script: stat %s", what);
	_cleanup_free_ char *esc = str_escape(what);
	if (sb.st_uid != 0)
		return cerr(EX_ACTIONSCRIPT, 0, "action script refused: the directory %s is not owned by root", esc);
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		return cerr(EX_ACTIONSCRIPT, 0,
			    "action script refused: the directory %s is writable by group or others", esc);
	return 0;
}

int hook_check(const char *path, bool exec, int *fd)
{
	if (fd)
		*fd = -1;
	_cleanup_free_ char *esc = str_escape(path);
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 1;
		return cerr(EX_ACTIONSCRIPT, errno, "action script %s", esc);
	}
	if (S_ISLNK(sb.st_mode))
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s refused: it is a symbolic link", esc);
	/* the directory, resolved once (an admin's symlinked /etc is fine), then walked from / with
	 * O_NOFOLLOW, each step checked: nobody but root can replace what we check */
	_cleanup_free_ char *dcopy = xstrdup(path);
	char *slash = strrchr(dcopy, '/');
	const char *base = slash ? slash + 1 : dcopy;
	if (slash == dcopy)
		dcopy[1] = 0;
	else if (slash)
		*slash = 0;
	_cleanup_free_ char *dir = realpath(slash ? dcopy : ".", NULL);
	if (!dir)
		return cerr(EX_ACTIONSCRIPT, errno, "action script %s: resolve its directory", esc);
	int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "open /");
	int r = check_dir(dfd, "/");
	for (char *p = dir + 1, *next; r == 0 && *p; p = next) {
		next = strchr(p, '/');
		if (next)
			*next++ = 0;
		else
			next = p + strlen(p);
		if (!*p)
			continue;
		int nfd = openat(dfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			r = cerr(EX_ACTIONSCRIPT, errno, "action script %s: open the directory component %s", esc, p);
			break;
		}
		close(dfd);
		dfd = nfd;
		r = check_dir(dfd, p);
	}
	if (r < 0) {
		close(dfd);
		return r;
	}
	int ffd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int e = errno;
	close(dfd);
	if (ffd < 0)
		return e == ENOENT ? 1 : cerr(EX_ACTIONSCRIPT, e, "action script %s refused", esc);
	if (fstat(ffd, &sb) < 0) {
		e = errno;
		close(ffd);
		return cerr(EX_ACTIONSCRIPT, e, "action script %s", esc);
	}
	const char *why = NULL;
	if (!S_ISREG(sb.st_mode))
		why = "it is not a regular file";
	else if (sb.st_uid != 0)
		why = "it is not owned by root";
	else if (sb.st_mode & (S_IWGRP | S_IWOTH))
		why = "it is writable by group or others";
	else if (exec && !(sb.st_mode & S_IXUSR))
		why = "it is not executable (chmod u+x)";
	if (why) {
		close(ffd);
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s refused: %s (a script runs as root on the host)", esc, why);
	}
	fcntl(ffd, F_SETFL, O_RDONLY);
	if (fd)
		*fd = ffd;
	else
		close(ffd);
	return 0;
}

/* One line of a script's output to the log, escaped. */
static void log_line(const char *name, const char *s, size_t n)
{
	_cleanup_free_ char *line = xstrndup(s, n);
	_cleanup_free_ char *esc = str_escape(line);
	log_file_only("action script %s: %s", name, esc);
}

bool hook_pump(const char *name, int fd, int pidfd, unsigned long long deadline)
{
	char buf[4096];
	size_t have = 0;
	bool ended = false, eof = false;
	while (!eof) {
		unsigned long long now = now_ms();
		if (now >= deadline)
			break;
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		/* once the process has ended, what is left in the pipe: a descendant that keeps it
		 * open does not hold us */
		int k = poll(p, ended ? 1 : 2, ended ? 0 : (int)(deadline - now));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		if (!ended && (p[1].revents & POLLIN))
			ended = true;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, buf + have, sizeof(buf) - have);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				eof = true;
				break;
			}
			have += (size_t)n;
			char *nl;
			while ((nl = memchr(buf, '\n', have))) {
				log_line(name, buf, (size_t)(nl - buf));
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have);
			}
			if (have == sizeof(buf)) { /* an endless line: in pieces */
				log_line(name, buf, have);
				have = 0;
			}
		} else if (ended) {
			break; /* ended, and nothing more to read */
		}
	}
	if (have)
		log_line(name, buf, have);
	if (!ended && eof) {
		/* output closed: wait for the end itself, within the deadline */
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		unsigned long long now = now_ms();
		while (now < deadline && !ended) {
			int k = poll(&p, 1, (int)(deadline - now));
			if (k > 0)
				ended = true;
			else if (k == 0 || errno != EINTR)
				break;
			now = now_ms();
		}
	}
	return ended;
}

int hook_collect(const char *path, int out[2], pid_t pid, int fork_errno, int pidfd, unsigned timeout_s,
		 unsigned extra_ms, bool group, int *status, unsigned long long *ms)
{
	_cleanup_free_ char *esc = str_escape(path);
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		return cerr(EX_ACTIONSCRIPT, fork_errno, "action script %s: fork", esc);
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint64_t t0 = now_ms();
	bool ended = hook_pump(name, out[0], pidfd, t0 + (uint64_t)timeout_s * 1000 + extra_ms);
	close(out[0]);
	if (!ended) {
		if (group)
			kill(-pid, SIGKILL); /* its group: whatever it started and left there */
		kill(pid, SIGKILL);
	}
	*status = 0;
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	close(pidfd);
	*ms = (unsigned long long)(now_ms() - t0);
	if (!ended)
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s timed out after %u s (killed)", esc, timeout_s);
	return 0;
}

int hook_exec_host(const char *path, char *const env[], int rootfd, unsigned timeout_s)
{
	_cleanup_free_ char *esc = str_escape(path);
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return cerr(EX_ACTIONSCRIPT, errno, "action script %s: pipe", esc);
	/* the environment as built, with VE_ROOT made the child's own /proc path when rootfd says
	 * where the root is: built before the fork (no allocation after it) */
	size_t n = 0;
	while (env[n])
		n++;
	char **e2 = xcalloc(n + 1, sizeof(*e2));
	char rootvar[64];
	for (size_t i = 0; i < n; i++)
		e2[i] = rootfd >= 0 && str_startswith(env[i], "VE_ROOT=") ? rootvar : env[i];
	int pidfd = -1;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid(); /* a process group of its own: the timeout kills it whole */
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		if (rootfd >= 0) {
			if (dup2(rootfd, 3) < 0)
				_exit(126);
			snprintf(rootvar, sizeof(rootvar), "VE_ROOT=/proc/%d/fd/3", (int)getpid());
			syscall(SYS_close_range, 4, ~0U, 0);
		} else {
			syscall(SYS_close_range, 3, ~0U, 0);
		}
		char *argv[] = {UNCONST(path), NULL};
		execve(path, argv, e2);
		int e = errno;
		dprintf(2, "cannot execute: %s\n", strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	int ce = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(e2);
	int st = 0;
	unsigned long long ms = 0;
	int r = hook_collect(path, out, pid, ce, pidfd, timeout_s, 0, true, &st, &ms);
	if (r < 0)
		return r;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	log_file_only("action script %s: exit status %d, %llu ms", name,
		      WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ms);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		return cerr(EX_ACTIONSCRIPT, 0, "action script %s killed by signal %d", esc, WTERMSIG(st));
	return cerr(EX_ACTIONSCRIPT, 0, "action script %s failed (exit status %d)", esc, WEXITSTATUS(st));
}

bool hooks_present(const struct gconf *g, unsigned ctid, enum hook_phase ph)
{
	char *paths[2];
	hook_paths(g->config_dir, ctid, ph, paths);
	struct stat sb;
	bool any = lstat(paths[0], &sb) == 0 || lstat(paths[1], &sb) == 0;
	free(paths[0]);
	free(paths[1]);
	return any;
}

int hooks_run_host(const struct gconf *g, const struct ct_config *c, enum hook_phase ph, int rootfd)
{
	char *paths[2];
	hook_paths(g->config_dir, c->ctid, ph, paths);
	_cleanup_free_ char *priv = xasprintf("%s/%u", g->private_dir, c->ctid);
	int r = 0;
	for (int i = 0; i < 2 && r == 0; i++) {
		int k = hook_check(paths[i], true, NULL);
		if (k == 1)
			continue;
		if (k < 0) {
			r = k;
			break;
		}
		struct hook_info hi = {.ctid = c->ctid, .conffile = c->path, .root = priv, .priv = priv, .phase = ph};
		char *env[HOOK_NENV];
		hook_env(&hi, env);
		log_file_only("running action script %s", paths[i]);
		r = hook_exec_host(paths[i], env, rootfd, g->hook_timeout);
		hook_env_free(env);
	}
	free(paths[0]);
	free(paths[1]);
	return r;
}
