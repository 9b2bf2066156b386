#include "state.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "error.h"
#include "util.h"

char *state_path(const struct gconf *g, unsigned ctid, const char *suffix)
{
	return xasprintf("%s/%u%s", g->run_dir, ctid, suffix);
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
	int r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "write %s", path);
	return 0;
}

int state_read(const struct gconf *g, unsigned ctid, struct ct_state *s)
{
	_cleanup_free_ char *path = state_path(g, ctid, ".state");
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

int proc_starttime(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	/* comm may hold spaces and parens: fields restart after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p += 2; /* field 3 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	*out = strtoull(p, NULL, 10);
	/* a zombie is as good as gone */
	char *st = strrchr(buf, ')') + 2;
	if (*st == 'Z' || *st == 'X')
		return -ESRCH;
	return 0;
}

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

bool ct_running(const struct gconf *g, unsigned ctid, struct ct_state *s)
{
	struct ct_state tmp;
	if (!s)
		s = &tmp;
	if (state_read(g, ctid, s) < 0)
		return false;
	return proc_alive(s->init_pid, s->init_start);
}
