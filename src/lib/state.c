/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "error.h"
#include "util.h"

char *state_path(const struct gconf *g, unsigned ctid, const char *suffix)
{
	return xasprintf("%s/%u%s", g->run_dir, ctid, suffix);
}

int state_sockaddr(const struct gconf *g, unsigned ctid, const char *suffix, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%u%s", g->run_dir, ctid, suffix);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return cerr(EX_SYSTEM, ENAMETOOLONG, "the socket path %s/%u%s is too long", g->run_dir, ctid, suffix);
	return 0;
}

char *state_format(const struct ct_state *s)
{
	_cleanup_free_ char *cg = cg_paths_format(&s->cg);
	return xasprintf("monitor %d %llu\ninit %d %llu\nuserns %d %u\nboots %u\n%s", (int)s->monitor_pid,
			 s->monitor_start, (int)s->init_pid, s->init_start, s->userns ? 1 : 0, s->uid_base,
			 s->boots, cg ? cg : "");
}

int state_parse(const char *text, struct ct_state *s)
{
	memset(s, 0, sizeof(*s));
	/* every line ends in a newline: without one at the end, the file was cut short */
	if (!*text || text[strlen(text) - 1] != '\n')
		return -EINVAL;
	int mp, ip, un;
	int n = 0;
	if (sscanf(text, "monitor %d %llu\ninit %d %llu\nuserns %d %u\nboots %u\n%n", &mp, &s->monitor_start, &ip,
		   &s->init_start, &un, &s->uid_base, &s->boots, &n) != 7 ||
	    n == 0)
		return -EINVAL;
	s->monitor_pid = mp;
	s->init_pid = ip;
	s->userns = un != 0;
	return cg_paths_parse(text + n, &s->cg);
}

int state_write(const struct gconf *g, unsigned ctid, const struct ct_state *s)
{
	_cleanup_free_ char *path = state_path(g, ctid, ".state");
	_cleanup_free_ char *text = state_format(s);
	int r = write_file_replace(path, text, strlen(text), 0600);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "write %s", path);
	return 0;
}

int state_read(const struct gconf *g, unsigned ctid, struct ct_state *s)
{
	_cleanup_free_ char *path = state_path(g, ctid, ".state");
	char buf[4096]; /* one read: list and ubc read one per running container */
	ssize_t n = read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n >= 0)
		return state_parse(buf, s);
	if (n != -EFBIG)
		return (int)n;
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, path, &text, NULL);
	if (r < 0)
		return r;
	return state_parse(text, s);
}

void state_remove(const struct gconf *g, unsigned ctid)
{
	_cleanup_free_ char *a = state_path(g, ctid, ".state");
	_cleanup_free_ char *b = state_path(g, ctid, ".sock");
	unlink(a);
	unlink(b);
}

int proc_stat_field(pid_t pid, int field, unsigned long long *out)
{
	char path[64], buf[2048]; /* the longest possible line fits, in one read */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -ESRCH;
	/* comm may hold spaces and parens: fields restart after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || field < 4)
		return -EINVAL;
	/* a zombie is as good as gone */
	if (p[2] == 'Z' || p[2] == 'X')
		return -ESRCH;
	p += 2; /* field 3 */
	for (int f = 3; f < field; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	*out = strtoull(p, NULL, 10);
	return 0;
}

int proc_starttime(pid_t pid, unsigned long long *out) { return proc_stat_field(pid, 22, out); }

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long st;
	return pid > 0 && proc_starttime(pid, &st) == 0 && st == start;
}

int proc_pidfd(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return -ESRCH;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	if (!proc_alive(pid, start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int state_ids(const struct gconf *g, unsigned **ids, unsigned *n)
{
	return ctid_dir_list(g->run_dir, ".state", ids, n);
}

bool ct_running(const struct gconf *g, unsigned ctid, struct ct_state *s)
{
	struct ct_state tmp;
	if (!s)
		s = &tmp;
	if (state_read(g, ctid, s) < 0)
		return false;
	return proc_alive(s->init_pid, s->init_start);
}

int ct_poweroff_signal(pid_t init_pid)
{
	char path[64];
	_cleanup_free_ char *status = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)init_pid);
	if (read_file_at(AT_FDCWD, path, &status, NULL) == 0) {
		char *b = strstr(status, "\nSigBlk:");
		if (b) {
			unsigned long long mask = strtoull(b + 8, NULL, 16);
			if (mask & (1ULL << (SIGRTMIN + 3 - 1)))
				return SIGRTMIN + 4;
		}
	}
	char exe[256] = "";
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)init_pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		if (strstr(exe, "busybox"))
			return SIGUSR2;
		if (strstr(exe, "systemd"))
			return SIGRTMIN + 4;
	}
	return SIGPWR;
}
