/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec, enter, console: the command layer. The library starts the command (src/lib/nsexec.c);
 * this file owns the caller's terminal: raw mode, the relay, window size, signal forwarding. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "hooks_guest.h"
#include "nsexec.h"
#include "util.h"

/* ---- the caller's terminal ---------------------------------------------------------------- */
static struct termios saved_tio;
static int tio_fd = -1;

static void tty_raw(int fd)
{
	if (tcgetattr(fd, &saved_tio) < 0)
		return;
	struct termios t = saved_tio;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) == 0)
		tio_fd = fd;
}

static void tty_restore(void)
{
	if (tio_fd >= 0)
		tcsetattr(tio_fd, TCSANOW, &saved_tio);
	tio_fd = -1;
}

/* ---- signals ------------------------------------------------------------------------------ */
/* Where a signal to us goes: the command's process group (no pty), or the pty (INT and QUIT
 * through TIOCSIG to its foreground group; HUP and TERM hang it up, as a terminal that went away). */
static volatile sig_atomic_t fwd_pid, fwd_master = -1, winch, hangup;

static void on_signal(int sig)
{
	int e = errno;
	if (sig == SIGWINCH) {
		winch = 1;
	} else if (sig == SIGPIPE) {
		/* a write fails with EPIPE instead */
	} else if (fwd_master >= 0) {
		if (sig == SIGINT || sig == SIGQUIT)
			ioctl(fwd_master, TIOCSIG, sig);
		else
			hangup = 1;
	} else if (fwd_pid > 0) {
		if (kill(-(pid_t)fwd_pid, sig) < 0)
			kill((pid_t)fwd_pid, sig);
	}
	errno = e;
}

static const int fwd_sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};

/* Handlers (never SIG_IGN: an ignored signal stays ignored across execve) for the forwarded
 * signals that are not ignored already (nohup, a background job of a script). Those stay blocked
 * (kept pending, across a re-exec too) until signals_target says where they go. */
static void signals_install(bool pty, bool intquit)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigset_t block;
	sigemptyset(&block);
	for (size_t i = intquit ? 0 : 2; i < ARRAY_SIZE(fwd_sigs); i++) {
		struct sigaction old;
		if (sigaction(fwd_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaddset(&block, fwd_sigs[i]);
		sigaction(fwd_sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (pty) {
		sigaction(SIGWINCH, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static void signals_target(const struct ct_proc *p)
{
	if (p && p->master >= 0)
		fwd_master = p->master;
	else if (p)
		fwd_pid = p->cmd;
	sigset_t fwd;
	sigemptyset(&fwd);
	for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++)
		sigaddset(&fwd, fwd_sigs[i]);
	sigprocmask(SIG_UNBLOCK, &fwd, NULL);
}

/* Stop forwarding before the command is reaped: its pid (and process group id) cannot be reused
 * while it is a zombie. */
static void wait_unreaped(pid_t pid)
{
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	fwd_pid = 0;
	fwd_master = -1;
}

/* ---- the relay ---------------------------------------------------------------------------- */
/* Copy in -> fd and fd -> out until stop hangs up (then drain fd), or fd closes and stop hangs
 * up. escape: Ctrl-a q ends it. winsize_from: our terminal whose size follows to fd (or -1). */
static void relay(int in, int out, int fd, int stop, bool escape, bool eof_to_pty, int winsize_from)
{
	char buf[4096];
	bool ctrl_a = false, fd_open = true;
	for (;;) {
		if (winch && winsize_from >= 0) {
			struct winsize ws;
			winch = 0;
			if (ioctl(winsize_from, TIOCGWINSZ, &ws) == 0)
				ioctl(fd, TIOCSWINSZ, &ws);
		}
		if (hangup)
			return;
		struct pollfd pf[3] = {{.fd = fd_open ? fd : -1, .events = POLLIN},
				       {.fd = in, .events = POLLIN},
				       {.fd = stop, .events = POLLIN}};
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pf[0].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n > 0) {
				if (write_full(out, buf, (size_t)n) < 0)
					return;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				fd_open = false; /* EIO: no slave is open any more */
				if (stop < 0)
					return;
			}
		}
		if (pf[1].revents) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				in = -1;
				if (eof_to_pty) {
					/* end of our input: the end-of-file character, as a terminal sends it */
					struct termios t;
					char c = 4;
					if (tcgetattr(fd, &t) == 0)
						c = (char)t.c_cc[VEOF];
					write_full(fd, &c, 1);
				}
				continue;
			}
			if (escape) {
				for (ssize_t i = 0; i < n; i++) {
					if (ctrl_a && (buf[i] == 'q' || buf[i] == 'Q'))
						return;
					ctrl_a = buf[i] == 1;
				}
			}
			if (write_full(fd, buf, (size_t)n) < 0 && errno != EAGAIN)
				return;
		}
		if (stop >= 0 && pf[2].revents) {
			/* the command has ended: what it wrote is still in the pty */
			while (fd_open) {
				ssize_t n = read(fd, buf, sizeof(buf));
				if (n <= 0 || write_full(out, buf, (size_t)n) < 0)
					break;
			}
			return;
		}
	}
}

/* ---- exec and enter ----------------------------------------------------------------------- */
/* The command line to run this invocation again (argv from "exec"/"enter" on), with the global
 * verbosity options. */
static char **reexec_argv(int argc, char **argv)
{
	char **v = xcalloc((size_t)argc + 4, sizeof(char *));
	int n = 0;
	v[n++] = UNCONST("cellctl");
	int verb = log_verbosity();
	if (verb == LOG_ERR_L)
		v[n++] = UNCONST("-q");
	for (int i = LOG_WARN_L; i < verb; i++)
		v[n++] = UNCONST("-v");
	for (int i = 0; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	return v;
}

/* Run cmd (NULL: a login shell) in the container. enter: every fd on a pty; exec: a pty in place
 * of each of our fds 0-2 that is a terminal, the others passed as they are. */
static int session(struct gconf *g, unsigned ctid, char **cmd, bool enter, int argc, char **argv)
{
	bool tin = isatty(0), tout = isatty(1), terr = isatty(2);
	struct ct_exec_req req = {.argv = cmd};
	for (int i = 0; i < 3; i++)
		req.pty[i] = enter || isatty(i);
	bool pty = req.pty[0] || req.pty[1] || req.pty[2];
	/* a background job ("exec CT cmd &") neither reads nor sets its terminal (SIGTTIN/SIGTTOU
	 * would stop it): the command's pty then gets no input */
	bool fg = tin && tcgetpgrp(0) == getpgrp();
	/* raw only when we both read and show the terminal (not for "exec CT ps | less") */
	bool raw = fg && (enter || tout);
	req.pty_cooked = !raw;
	int out = enter || tout || !terr ? 1 : 2;
	int wsfd = tout ? 1 : tin ? 0 : terr ? 2 : -1;
	if (wsfd >= 0 && ioctl(wsfd, TIOCGWINSZ, &req.ws) == 0)
		req.have_ws = true;
	_cleanup_free_ char **rv = reexec_argv(argc, argv);
	req.reexec_argv = rv;

	signals_install(pty, true);
	struct ct_proc p;
	int r = ct_exec_spawn(g, ctid, &req, &p);
	signals_target(r < 0 ? NULL : &p);
	if (r < 0)
		return r;
	if (pty) {
		if (enter)
			fprintf(stderr, "entered into CT %u\n", ctid);
		if (raw)
			tty_raw(0);
		int in = (enter && !tin) || fg ? 0 : -1;
		relay(in, out, p.master, p.done, false, !raw, wsfd);
		tty_restore();
		if (hangup) {
			/* our terminal went away: hang the pty up */
			close(p.master);
			p.master = -1;
		}
	}
	wait_unreaped(p.pid);
	int rc = ct_proc_wait(&p);
	if (enter && rc >= 0)
		fprintf(stderr, "exited from CT %u\n", ctid);
	return rc;
}

const struct cli_cmd cli_exec = {"exec", cmd_exec, "CTID [--] CMD [ARG ...]", NULL, CLI_CMDLINE,
				 "Run a command in the container; exit with its exit status."};

int cmd_exec(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl exec CTID [--] CMD [ARG ...]");
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	int first = 2;
	if (strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc)
		return cerr(EX_NOTENOUGH, 0, "exec: no command given");
	char **cmd = argv + first;
	/* vzctl habit: one argument with shell syntax in it runs through /bin/sh -c */
	char *shv[] = {UNCONST("/bin/sh"), UNCONST("-c"), argv[first], NULL};
	if (argc - first == 1 && strpbrk(argv[first], " \t;|&<>$*?'\"`()"))
		cmd = shv;
	return session(g, ctid, cmd, false, argc, argv);
}

static const struct cli_opt enter_opts[] = {
	{'e', "exec", 0, "CMD [ARG ...]", "run this command instead of a login shell (the rest of the line)", true},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_enter = {"enter", cmd_enter, "CTID", enter_opts, CLI_CTID,
				  "A root shell in the container, on a pty of its own devpts."};

int cmd_enter(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl enter CTID [--exec CMD ...]");
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	char **cmd = NULL;
	struct cli_parse p;
	cli_parse_init(&p, &cli_enter, argc, argv, 2);
	const char *v;
	if ((r = cli_next(&p, &v)) == 'e' && p.i < argc)
		cmd = argv + p.i;
	else if (r != CLI_END)
		return r < 0 ? r : cli_usage("enter: unknown option '%s'", argv[2]);
	return session(g, ctid, cmd, true, argc, argv);
}

static const struct cli_opt console_opts[] = {
	{'l', "log", 0, NULL, "print what the console has shown so far instead of attaching", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_console = {"console", cmd_console, "CTID", console_opts, CLI_CTID,
				    "Attach to the container's /dev/console (detach: Ctrl-a q)."};

int cmd_console(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl console CTID [--log]");
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_console, argc, argv, 2);
	const char *v;
	bool log = false;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		if (r == 'l')
			log = true;
		else
			return r < 0 ? r : cli_usage("console: unknown option '%s'", v);
	}
	if (log) {
		_cleanup_free_ char *path = xasprintf("%s/console/%u.log", g->run_dir, ctid);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if ((r = read_file_at(AT_FDCWD, path, &text, &len)) < 0)
			return cerr(EX_NOTRUNNING, r, "no console log for container %u (%s)", ctid, path);
		fwrite(text, 1, len, stdout);
		return 0;
	}
	int fd = ct_console_connect(g, ctid);
	if (fd < 0)
		return fd;
	fprintf(stderr, "Attached to CT %u console (detach: Ctrl-a q)\n", ctid);
	fwd_master = fd; /* TERM and HUP end the session (the terminal restored) */
	signals_install(true, false);
	signals_target(NULL);
	if (isatty(0))
		tty_raw(0);
	relay(0, 1, fd, -1, true, false, -1);
	tty_restore();
	close(fd);
	fprintf(stderr, "\nDetached from CT %u console\n", ctid);
	return 0;
}

/* hook-exec CTID TIMEOUT: plumbing, not for users. The runner of an inside action script (fd 0 the
 * script, 1 and 2 the log pipe), which a privileged container's script re-executes from a sealed
 * copy of the binary (see hooks_guest_runner). */
static int cmd_hook_exec(struct gconf *g, int argc, char **argv)
{
	unsigned ctid, timeout;
	char *end;
	if (argc != 3 || ctid_parse(argv[1], &ctid) < 0)
		return cerr(EX_BADSYNTAX, 0, "usage: cellctl hook-exec CTID TIMEOUT (run by the action scripts)");
	errno = 0;
	unsigned long t = strtoul(argv[2], &end, 10);
	if (errno || *end || end == argv[2] || t == 0 || t > 86400)
		return cerr(EX_BADSYNTAX, 0, "hook-exec: bad timeout '%s'", argv[2]);
	timeout = (unsigned)t;
	char id[16], tmo[16];
	snprintf(id, sizeof(id), "%u", ctid);
	snprintf(tmo, sizeof(tmo), "%u", timeout);
	char *reexec[] = {UNCONST("cellctl"), UNCONST("hook-exec"), id, tmo, NULL};
	hooks_guest_runner(g, ctid, timeout, reexec);
}

const struct cli_cmd cli_hook_exec = {"hook-exec", cmd_hook_exec, "CTID TIMEOUT", NULL, CLI_CMDLINE | CLI_HIDDEN,
				      "Plumbing: the runner of an action script inside a container."};
