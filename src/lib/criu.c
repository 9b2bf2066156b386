/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "criu.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "netlink.h"
#include "util.h"

#define OUT_MAX 16384

/* ---- pure: versions and the gate ---- */
int criu_version_parse(const char *text, struct criu_version *v)
{
	const char *p = text ? strstr(text, "Version:") : NULL;
	if (!p)
		return -EINVAL;
	p += 8;
	while (*p == ' ' || *p == '\t')
		p++;
	memset(v, 0, sizeof(*v));
	unsigned a = 0, b = 0, c = 0;
	int n = 0;
	if (!isdigit((unsigned char)*p) || sscanf(p, "%u.%u%n", &a, &b, &n) != 2)
		return -EINVAL;
	if (p[n] == '.' && sscanf(p + n + 1, "%u", &c) != 1)
		return -EINVAL;
	v->major = a;
	v->minor = b;
	v->sub = c;
	return 0;
}

int criu_kernel_parse(const char *release, unsigned *major, unsigned *minor)
{
	if (!release || !isdigit((unsigned char)*release) || sscanf(release, "%u.%u", major, minor) != 2)
		return -EINVAL;
	return 0;
}

static bool older(const struct criu_version *v, unsigned major, unsigned minor)
{
	return v->major < major || (v->major == major && v->minor < minor);
}

const char *criu_gate(const struct criu_version *v, unsigned kmajor, unsigned kminor)
{
	if (older(v, 3, 15))
		return "CRIU older than 3.15 cannot checkpoint a container with a user namespace and cgroup v2";
	if ((kmajor > 6 || (kmajor == 6 && kminor >= 13)) && older(v, 4, 1))
		return "CRIU older than 4.1 cannot work on kernel 6.13 or newer (the vDSO layout changed)";
	return NULL;
}

/* ---- pure: the argv ---- */
static bool plain(const char *s) { return s && *s && !strpbrk(s, ":@[],=\n"); }

static void add(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

char **criu_argv(const char *bin, const struct criu_req *r)
{
	if (!bin || !r->images || !r->log || (r->tty_id && !str_startswith(r->tty_id, "tty[")))
		return NULL;
	if (r->restore ? !r->root || !r->pidfile : r->pid <= 0)
		return NULL;
	if (r->restore && r->tty_id && (r->tty_fd < 0 || !r->console_path || strchr(r->console_path, ':')))
		return NULL;
	if (r->cgroup_root && (r->cgroup_root[0] != '/' || strpbrk(r->cgroup_root, ":\n")))
		return NULL;
	for (unsigned i = 0; i < r->ncgroup_root; i++) {
		const char *colon = strchr(r->cgroup_roots[i], ':');
		if (!colon || colon == r->cgroup_roots[i] || colon[1] != '/' || strpbrk(colon + 1, ":\n"))
			return NULL;
	}
	for (unsigned i = 0; r->restore && i < r->nveth; i++)
		if (!plain(r->veths[i].guest) || !plain(r->veths[i].host) ||
		    (r->veths[i].bridge && *r->veths[i].bridge && !plain(r->veths[i].bridge)))
			return NULL;
	char **v = NULL;
	size_t n = 0;
	add(&v, &n, xstrdup(bin));
	add(&v, &n, xstrdup(r->restore ? "restore" : "dump"));
	add(&v, &n, xstrdup("-D"));
	add(&v, &n, xstrdup(r->images));
	add(&v, &n, xstrdup("-o"));
	add(&v, &n, xstrdup(r->log));
	add(&v, &n, xstrdup("-v4"));
	if (r->restore) {
		add(&v, &n, xstrdup("--root"));
		add(&v, &n, xstrdup(r->root));
		/* the restored init becomes a child of our caller (the monitor), and criu exits */
		add(&v, &n, xstrdup("--restore-sibling"));
		add(&v, &n, xstrdup("--restore-detached"));
		add(&v, &n, xstrdup("--pidfile"));
		add(&v, &n, xstrdup(r->pidfile));
		if (r->cgroup_root) {
			add(&v, &n, xstrdup("--cgroup-root"));
			add(&v, &n, xstrdup(r->cgroup_root));
		}
		for (unsigned i = 0; i < r->ncgroup_root; i++) {
			add(&v, &n, xstrdup("--cgroup-root"));
			add(&v, &n, xstrdup(r->cgroup_roots[i]));
		}
	} else {
		add(&v, &n, xstrdup("-t"));
		add(&v, &n, xasprintf("%d", (int)r->pid));
		/* CRIU 3.17's nftables lock fails for a tree in a PID namespace */
		add(&v, &n, xstrdup("--network-lock"));
		add(&v, &n, xstrdup("iptables"));
		if (r->freeze_cgroup) {
			add(&v, &n, xstrdup("--freeze-cgroup"));
			add(&v, &n, xstrdup(r->freeze_cgroup));
		}
	}
	if (r->tcp_established)
		add(&v, &n, xstrdup("--tcp-established"));
	add(&v, &n, xstrdup("--file-locks"));
	add(&v, &n, xstrdup("--link-remap"));
	add(&v, &n, xstrdup("--manage-cgroups=soft"));
	/* the console: its mount and its tty are the monitor's, outside the dump */
	if (r->tty_id) {
		add(&v, &n, xstrdup("--ext-mount-map"));
		add(&v, &n, r->restore ? xasprintf("console:%s", r->console_path) : xstrdup("/dev/console:console"));
		if (r->restore) {
			add(&v, &n, xstrdup("--inherit-fd"));
			add(&v, &n, xasprintf("fd[%d]:%s", r->tty_fd, r->tty_id));
		} else {
			add(&v, &n, xstrdup("--external"));
			add(&v, &n, xstrdup(r->tty_id));
		}
	}
	/* the host files bound in (masked /proc files, lxcfs): the same host paths at restore */
	add(&v, &n, xstrdup("--ext-mount-map"));
	add(&v, &n, xstrdup("auto"));
	add(&v, &n, xstrdup("--enable-external-sharing"));
	add(&v, &n, xstrdup("--enable-external-masters"));
	for (unsigned i = 0; r->restore && i < r->nveth; i++) {
		const struct criu_veth *e = &r->veths[i];
		add(&v, &n, xstrdup("--external"));
		if (e->bridge && *e->bridge)
			add(&v, &n, xasprintf("veth[%s]:%s@%s", e->guest, e->host, e->bridge));
		else
			add(&v, &n, xasprintf("veth[%s]:%s", e->guest, e->host));
	}
	return v;
}

void criu_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/* ---- running it ---- */
char *criu_binary(void)
{
	const char *env = getenv("CELLCTL_CRIU");
	if (env && *env)
		return access(env, X_OK) == 0 ? xstrdup(env) : NULL;
	static const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *p = xasprintf("%s/criu", dirs[i]);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

int criu_run(char **argv, const int *keep, unsigned nkeep, char **out)
{
	int pfd[2] = {-1, -1};
	/* without out, no pipe: a process CRIU leaves behind (the restored tree) could hold it open */
	if (out && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -e;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int o = out ? pfd[1] : null;
		if (null < 0 || dup2(null, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(127);
		for (unsigned i = 0; i < nkeep; i++)
			if (keep[i] > 2)
				fcntl(keep[i], F_SETFD, 0);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	struct strbuf b = {0};
	char buf[4096];
	size_t total = 0;
	if (out)
		close(pfd[1]);
	for (; out;) {
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (total < OUT_MAX)
			sb_addn(&b, buf, (size_t)n < OUT_MAX - total ? (size_t)n : OUT_MAX - total);
		total += (size_t)n;
	}
	if (out)
		close(pfd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	if (out)
		*out = sb_done(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The last non-empty line of text (escaped), for a message. */
static char *last_line(const char *text)
{
	_cleanup_free_ char *t = xstrdup(text ? text : "");
	char *end = t + strlen(t);
	while (end > t && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	char *nl = strrchr(t, '\n');
	return str_escape(nl ? nl + 1 : t);
}

int criu_host_check(char **bin_out)
{
	_cleanup_free_ char *bin = criu_binary();
	if (!bin)
		return cerr(EX_BADKERNEL, 0,
			    "checkpoint and restore need CRIU, and there is no criu binary (install the criu package)");
	char *vargv[] = {bin, UNCONST("--version"), NULL};
	_cleanup_free_ char *vout = NULL;
	int r = criu_run(vargv, NULL, 0, &vout);
	struct criu_version v;
	if (r != 0 || criu_version_parse(vout, &v) < 0)
		return cerr(EX_BADKERNEL, 0, "%s --version did not say its version: CRIU cannot be used", bin);
	struct utsname u;
	unsigned km = 0, kn = 0;
	if (uname(&u) == 0 && criu_kernel_parse(u.release, &km, &kn) == 0) {
		const char *why = criu_gate(&v, km, kn);
		if (why)
			return cerr(EX_BADKERNEL, 0,
				    "checkpoint and restore are not possible here: %s (CRIU %u.%u.%u, kernel %s)", why,
				    v.major, v.minor, v.sub, u.release);
	}
	char *cargv[] = {bin, UNCONST("check"), NULL};
	_cleanup_free_ char *cout = NULL;
	r = criu_run(cargv, NULL, 0, &cout);
	if (r != 0) {
		_cleanup_free_ char *why = last_line(cout);
		return cerr(EX_BADKERNEL, 0, "checkpoint and restore are not possible here: `criu check` failed: %s",
			    why && *why ? why : "no reason given");
	}
	if (bin_out)
		*bin_out = xstrdup(bin);
	return 0;
}

/* ---- the checkpoint's record ---- */
#define META "cellctl-checkpoint"

int criu_meta_write(const char *dir, const char *tty_id, bool tcp_established)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, META);
	_cleanup_free_ char *text = xasprintf("tty %s\ntcp %d\n", tty_id ? tty_id : "-", tcp_established ? 1 : 0);
	int r = write_file_atomic(path, text, strlen(text), 0600);
	return r < 0 ? cerr(EX_SYSTEM, r, "write %s", path) : 0;
}

int criu_meta_read(const char *dir, char *tty_id, size_t len, bool *tcp_established)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	int r = dfd < 0 ? -errno : read_file_at(dfd, META, &text, &n);
	if (r < 0)
		return cerr(EX_RESTORE, r, "%s is not a checkpoint of cellctl (no %s)", dir, META);
	char tty[64];
	int tcp = 0;
	if (sscanf(text, "tty %63s\ntcp %d\n", tty, &tcp) != 2 || (strcmp(tty, "-") && !str_startswith(tty, "tty[")))
		return cerr(EX_RESTORE, 0, "%s/%s is malformed", dir, META);
	snprintf(tty_id, len, "%s", strcmp(tty, "-") ? tty : "");
	*tcp_established = tcp != 0;
	return 0;
}

/* ---- the monitor's restore ---- */
#define CG_LEAF "ct" /* the leaf below a limit cgroup where init runs (cgroup_int.h's LEAF) */

/* The tail of CRIU's log in dir (its errors), escaped, for a message. */
static char *log_errors(const char *dir, const char *log)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	if (dfd < 0 || read_file_at(dfd, log, &text, &n) < 0)
		return xstrdup("no log");
	struct strbuf b = {0};
	unsigned found = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "Error (") && found++ < 3) {
			_cleanup_free_ char *e = str_escape(l);
			sb_printf(&b, "%s%s", found > 1 ? "; " : "", e);
		}
	char *s = sb_done(&b);
	if (!*s) {
		free(s);
		s = xstrdup("see the log");
	}
	return s;
}

/* A new console pty of the host (the monitor keeps the master), its slave owned by the container's
 * root and tty group as the guest's own console was. */
static int new_console(const struct ct_config *c, int *master, int *slave, char *path, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return cerr(EX_RESTORE, errno, "open a console pty");
	int unlock = 0, n = -1;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		close(m);
		return cerr(EX_RESTORE, errno, "set up the console pty");
	}
	snprintf(path, len, "/dev/pts/%d", n);
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	uid_t root = c->userns ? c->uid_base : 0;
	if (s < 0 || fchown(s, root, root + 5) < 0 || fchmod(s, 0620) < 0) {
		int e = errno;
		if (s >= 0)
			close(s);
		close(m);
		return cerr(EX_RESTORE, e, "set up the console pty %s", path);
	}
	*master = m;
	*slave = s;
	return 0;
}

int criu_restore_tree(const struct gconf *g, const struct ct_config *c, const struct cg_paths *cg, const char *dir,
		      const char *root, pid_t *pid, int *console_master)
{
	char tty[64];
	bool tcp = false;
	int r = criu_meta_read(dir, tty, sizeof(tty), &tcp);
	if (r < 0)
		return r;
	_cleanup_free_ char *bin = criu_binary();
	if (!bin)
		return cerr(EX_BADKERNEL, 0, "no criu binary");
	int master = -1, slave = -1;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	char cpath[32] = "";
	if (*tty && (r = new_console(c, &master, &slave, cpath, sizeof(cpath))) < 0)
		return r;
	struct criu_veth veths[MAX_NETIF];
	struct net_ifres res[MAX_NETIF];
	unsigned nv = 0;
	for (unsigned i = 0; i < c->nnetif && i < MAX_NETIF; i++)
		if (net_resolve_netif(g, c, i, &res[nv]) == 0) {
			veths[nv] = (struct criu_veth){res[nv].ifname, res[nv].host_ifname, res[nv].bridge};
			/* CRIU puts the veth on its bridge: one cellctl may make is made as a start does (a
			 * checkpoint migrated from another host comes to one that may not have it yet) */
			if (res[nv].bridge[0] && net_bridge_creatable(g, res[nv].bridge) &&
			    (r = net_bridge_ensure(res[nv].bridge, res[nv].default_bridge ? g->bridge_address : NULL)) < 0) {
				if (master >= 0)
					close(master);
				if (slave >= 0)
					close(slave);
				return r;
			}
			nv++;
		}
	/* the tree goes into this start's leaves: h[0]'s for every controller, the others' where
	 * their path differs (v1 hierarchies under another parent) */
	_cleanup_free_ char *cgroot = cg && cg->n ? xasprintf("/%s/%s", cg->h[0].rel, CG_LEAF) : NULL;
	char *cgroots[CG_MAX_HIER];
	unsigned ncg = 0;
	for (unsigned i = 1; cg && i < cg->n; i++)
		if (strcmp(cg->h[i].rel, cg->h[0].rel))
			cgroots[ncg++] = xasprintf("%s:/%s/%s", cg->h[i].name, cg->h[i].rel, CG_LEAF);
	_cleanup_free_ char *pidfile = xasprintf("%s/restore.pid", dir);
	unlink(pidfile);
	struct criu_req rq = {.restore = true,
			      .images = dir,
			      .log = "restore.log",
			      .root = root,
			      .tty_id = *tty ? tty : NULL,
			      .tty_fd = slave,
			      .console_path = cpath,
			      .veths = veths,
			      .nveth = nv,
			      .pidfile = pidfile,
			      .tcp_established = tcp,
			      .cgroup_root = cgroot,
			      .cgroup_roots = (const char *const *)cgroots,
			      .ncgroup_root = ncg};
	char **argv = criu_argv(bin, &rq);
	for (unsigned i = 0; i < ncg; i++)
		free(cgroots[i]);
	if (!argv) {
		r = cerr(EX_RESTORE, EINVAL, "cannot name the restore's resources to CRIU");
		goto out;
	}
	int st = criu_run(argv, &slave, slave >= 0 ? 1 : 0, NULL);
	criu_argv_free(argv);
	if (st != 0) {
		_cleanup_free_ char *why = log_errors(dir, "restore.log");
		r = cerr(EX_RESTORE, 0, "criu restore failed (exit %d): %s (log: %s/restore.log)", st, why, dir);
		goto out;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0;
	int p = 0;
	if (dfd < 0 || read_file_at(dfd, "restore.pid", &text, &n) < 0 || sscanf(text, "%d", &p) != 1 || p <= 0) {
		r = cerr(EX_RESTORE, 0, "criu restore wrote no pid to %s", pidfile);
		goto out;
	}
	*pid = p;
	*console_master = master;
	master = -1;
	r = 0;
out:
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	return r;
}
