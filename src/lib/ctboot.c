/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot and shutdown of every container (ctboot.h). */
#include "ctboot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctops.h"
#include "error.h"
#include "log.h"
#include "monitor.h"
#include "netaddr.h"
#include "netlink.h"
#include "sockwait.h"
#include "state.h"
#include "util.h"

/* ---- the pure part ---- */

static int cmp_boot(const void *a, const void *b)
{
	const struct boot_item *x = a, *y = b;
	if (x->bootorder != y->bootorder)
		return x->bootorder > y->bootorder ? -1 : 1;
	if (x->delay != y->delay)
		return x->delay < y->delay ? -1 : 1;
	return x->ctid < y->ctid ? -1 : x->ctid > y->ctid;
}

static int cmp_shutdown(const void *a, const void *b) { return cmp_boot(b, a); }

void boot_sort(struct boot_item *v, size_t n, bool reverse)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), reverse ? cmp_shutdown : cmp_boot);
}

size_t boot_group_end(const struct boot_item *v, size_t n, size_t i)
{
	size_t j = i + 1;
	while (j < n && v[j].bootorder == v[i].bootorder)
		j++;
	return j;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

void boot_record_parse(const char *text, unsigned **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	size_t cap = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = xstrndup(p, len);
		p = nl ? nl + 1 : NULL;
		char *t = strtrim(line);
		unsigned id;
		if (!*t || *t == '#' || ctid_parse(t, &id) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = id;
	}
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), cmp_uint);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (k == 0 || (*ids)[k - 1] != (*ids)[i])
			(*ids)[k++] = (*ids)[i];
	*n = k;
}

char *boot_record_path(const struct gconf *g)
{
	_cleanup_free_ char *copy = xstrdup(g->private_dir);
	return xasprintf("%s/running-at-shutdown", dirname(copy));
}

static bool in_ids(const unsigned *ids, size_t n, unsigned id)
{
	return n && bsearch(&id, ids, n, sizeof(*ids), cmp_uint);
}

static void read_record(const struct gconf *g, unsigned **ids, size_t *n)
{
	_cleanup_free_ char *path = boot_record_path(g);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, &text, &len);
	if (r < 0 && r != -ENOENT)
		log_warn("cannot read %s: %s", path, strerror(-r));
	boot_record_parse(r < 0 ? NULL : text, ids, n);
}

/* ---- the children ---- */

/* the children of the running group, for the signal handler */
#define MAX_JOBS 256
static volatile pid_t job_pids[MAX_JOBS];
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	int e = errno;
	got_signal = sig;
	for (size_t i = 0; i < MAX_JOBS; i++)
		if (job_pids[i] > 0)
			kill(job_pids[i], sig);
	errno = e;
}

struct job {
	pid_t pid;
	int fd;
	size_t idx;
	struct strbuf out;
};

/* What a child does for one item; returns 0 or an error (cerr). */
typedef int (*job_fn)(const struct gconf *g, const struct boot_item *it, uint64_t t0, const struct boot_opts *o);

static int job_start(const struct gconf *g, const struct boot_item *it, uint64_t t0, const struct boot_opts *o)
{
	(void)t0;
	if (it->delay) {
		struct timespec ts = {(time_t)it->delay, 0};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	uint64_t since = now_ms();
	int r = ct_start(g, it->ctid, false);
	if (r < 0)
		return r;
	/* not ready in time: EX_TIMEOUT, saying that the container keeps running */
	return monitor_wait_ready(g, it->ctid, since, o->timeout_s);
}

static int job_stop(const struct gconf *g, const struct boot_item *it, uint64_t t0, const struct boot_opts *o)
{
	int64_t left = (int64_t)o->timeout_s - (int64_t)(now_ms() - t0) / 1000;
	bool fast = left <= 0;
	int t = (int)it->stop_time;
	if (!fast && left < t)
		t = (int)left;
	struct cerr_saved es;
	cerr_save(&es);
	int r = ct_stop(g, it->ctid, fast, fast ? 0 : t);
	if (r < 0 && cerr_exit() == EX_NOTRUNNING) { /* stopped on its own meanwhile */
		cerr_restore(&es);
		return 0;
	}
	return r;
}

static pid_t spawn_job(const struct gconf *g, const struct boot_item *it, uint64_t t0, const struct boot_opts *o,
		       job_fn fn, int *fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(p[0]);
		log_set_ctid(it->ctid);
		int r = fn(g, it, t0, o);
		char buf[1024];
		int n = r < 0 ? snprintf(buf, sizeof(buf), "%d %s", cerr_exit() ? cerr_exit() : EX_SYSTEM,
					 cerr_msg() ? cerr_msg() : strerror(-r))
			      : snprintf(buf, sizeof(buf), "0 ok");
		size_t len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		buf[len++] = '\n'; /* the end of the result: a monitor it forked may keep the pipe open */
		write_full(p[1], buf, len);
		_exit(0);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* One container's outcome: a log line with its CTID (fmt...), then the caller's report. */
static void __attribute__((format(printf, 5, 6)))
outcome(const struct boot_opts *o, unsigned ctid, enum boot_what what, const char *msg, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_set_ctid(ctid);
	log_file_only("%s", line);
	log_set_ctid(0);
	if (o->report)
		o->report(ctid, what, msg, o->arg);
}

/* A child ended (its pipe closed): reap it, count and report its result. */
static void job_done(struct job *j, const struct boot_item *v, bool boot, const struct boot_opts *o,
		     struct boot_result *res)
{
	int st;
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	for (size_t i = 0; i < MAX_JOBS; i++)
		if (job_pids[i] == j->pid)
			job_pids[i] = 0;
	_cleanup_free_ char *out = sb_done(&j->out);
	const struct boot_item *it = &v[j->idx];
	const char *verb = boot ? "start" : "stop";
	int code = -1;
	int off = 0;
	if (out)
		out[strcspn(out, "\n")] = 0;
	if (out && sscanf(out, "%d %n", &code, &off) >= 1 && code == 0) {
		res->done++;
		outcome(o, it->ctid, boot ? BOOT_STARTED : BOOT_STOPPED, NULL, "%s: %s (bootorder %d)",
			boot ? "boot" : "shutdown", boot ? "started" : "stopped", it->bootorder);
		return;
	}
	_cleanup_free_ char *msg = NULL;
	if (code > 0)
		msg = xasprintf("%s (exit %d)", out + off, code);
	else if (WIFSIGNALED(st))
		msg = xasprintf("the %s was killed by signal %d", verb, WTERMSIG(st));
	else
		msg = xasprintf("the %s ended without a result", verb);
	res->failed++;
	outcome(o, it->ctid, BOOT_FAILED, msg, "%s: %s failed: %s", boot ? "boot" : "shutdown", verb, msg);
}

/* Run fn for v[from..to) in children, at most o->parallel at a time; returns once all ended. */
static void run_group(const struct gconf *g, const struct boot_item *v, size_t from, size_t to, uint64_t t0,
		      const struct boot_opts *o, job_fn fn, bool boot, struct boot_result *res)
{
	size_t par = o->parallel ? o->parallel : 1;
	if (par > MAX_JOBS)
		par = MAX_JOBS;
	struct job *jobs = xcalloc(par, sizeof(*jobs));
	size_t next = from, running = 0;
	while (running > 0 || (next < to && !got_signal)) {
		while (running < par && next < to && !got_signal) {
			size_t k = 0;
			while (jobs[k].pid > 0)
				k++;
			int fd = -1;
			pid_t pid = spawn_job(g, &v[next], t0, o, fn, &fd);
			if (pid < 0) {
				res->failed++;
				_cleanup_free_ char *msg = xasprintf("cannot fork: %s", strerror((int)-pid));
				outcome(o, v[next].ctid, BOOT_FAILED, msg, "%s: %s", boot ? "boot" : "shutdown", msg);
				next++;
				continue;
			}
			jobs[k] = (struct job){.pid = pid, .fd = fd, .idx = next++};
			job_pids[k] = pid;
			running++;
		}
		if (!running)
			break;
		struct pollfd *pfd = xcalloc(par, sizeof(*pfd));
		for (size_t k = 0; k < par; k++)
			pfd[k] = (struct pollfd){.fd = jobs[k].pid > 0 ? jobs[k].fd : -1, .events = POLLIN};
		int n = poll(pfd, par, -1);
		for (size_t k = 0; n > 0 && k < par; k++) {
			if (jobs[k].pid <= 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[512];
			ssize_t got = read(jobs[k].fd, buf, sizeof(buf));
			if (got > 0)
				sb_addn(&jobs[k].out, buf, (size_t)got);
			if ((got > 0 && !memchr(buf, '\n', (size_t)got)) || (got < 0 && errno == EINTR))
				continue;
			close(jobs[k].fd);
			job_done(&jobs[k], v, boot, o, res);
			jobs[k] = (struct job){0};
			running--;
		}
		free(pfd);
	}
	free(jobs);
}

/* Run a sorted plan group by group. */
static int run_plan(const struct gconf *g, const struct boot_item *v, size_t n, const struct boot_opts *o, job_fn fn,
		    bool boot, struct boot_result *res)
{
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	uint64_t t0 = now_ms();
	for (size_t i = 0; i < n && !got_signal;) {
		size_t end = boot_group_end(v, n, i);
		log_file_only("%s: group bootorder %d: %zu container(s)", boot ? "boot" : "shutdown", v[i].bootorder,
			      end - i);
		run_group(g, v, i, end, t0, o, fn, boot, res);
		i = end;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (got_signal)
		return cerr(EX_FAIL, 0, "%s interrupted by signal %d", boot ? "boot" : "shutdown", (int)got_signal);
	return 0;
}

/* ---- boot ---- */

struct plan {
	struct boot_item *v;
	size_t n, cap;
	const unsigned *rec; /* boot: the shutdown record */
	size_t nrec;
	const struct gconf *g;
	const struct boot_opts *o;
	struct boot_result *res;
	char (*br)[16]; /* boot: the bridges of the planned containers that cellctl does not make */
	size_t nbr;
};

/* Note the bridges of c that the host's network config makes (not cellctl: they are not
 * creatable), for wait_bridges. */
static void plan_bridges(struct plan *p, const struct ct_config *c)
{
	for (unsigned i = 0; i < c->nnetif; i++) {
		struct net_ifres res;
		if (net_resolve_netif(p->g, c, i, &res) < 0 || !res.bridge[0] || net_bridge_creatable(p->g, res.bridge))
			continue;
		bool have = false;
		for (size_t k = 0; k < p->nbr && !have; k++)
			have = strcmp(p->br[k], res.bridge) == 0;
		if (have)
			continue;
		p->br = xrealloc(p->br, (p->nbr + 1) * sizeof(*p->br));
		snprintf(p->br[p->nbr++], sizeof(*p->br), "%s", res.bridge);
	}
}

/* At host boot the bridges that the host's network config makes (ifupdown, systemd-networkd) may
 * not be there, or up, yet even after network-online.target. Wait for all of them, up to
 * [boot] bridge_wait seconds; what is still missing then is logged, and the starts that need it
 * fail and are counted as they would without the wait. */
static void wait_bridges(const struct gconf *g, const struct plan *p)
{
	uint64_t t0 = now_ms(), end = t0 + (uint64_t)g->boot_bridge_wait * 1000;
	bool waited = false;
	for (;;) {
		size_t missing = 0;
		for (size_t i = 0; i < p->nbr; i++)
			missing += net_bridge_ready(p->br[i]) == 0; /* errors and non-bridges: start says */
		if (!missing) {
			if (waited)
				log_file_only("boot: the bridges are up after %llu ms", (unsigned long long)(now_ms() - t0));
			return;
		}
		if (now_ms() >= end)
			break;
		if (!waited)
			log_file_only("boot: waiting up to %u s for %zu bridge(s) that are not up yet", g->boot_bridge_wait,
				      missing);
		waited = true;
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < p->nbr; i++)
		if (net_bridge_ready(p->br[i]) == 0)
			log_warn("boot: bridge %s is not up after %u s ([boot] bridge_wait): its containers may fail to start",
				 p->br[i], g->boot_bridge_wait);
}

static void plan_add(struct plan *p, const struct ct_config *c)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = (struct boot_item){c->ctid, c->bootorder, c->onboot_delay, c->stop_timeout};
}

static int boot_each(unsigned ctid, struct ct_config **cp, void *arg)
{
	struct plan *p = arg;
	const struct ct_config *c = *cp;
	if (!c) {
		_cleanup_free_ char *msg = xasprintf("config unreadable: %s", cerr_msg() ? cerr_msg() : "?");
		p->res->failed++;
		outcome(p->o, ctid, BOOT_FAILED, msg, "boot: %s", msg);
		return 0;
	}
	/* onconnect: not started, its waiter holds its sockets until the first connection */
	if (c->onconnect && c->listen && !c->disabled && !ct_running(p->g, ctid, NULL)) {
		if (sockwait_present(p->g, ctid)) {
			p->res->skipped++;
			outcome(p->o, ctid, BOOT_SKIPPED, "its waiter holds its sockets", "boot: skipped: its waiter holds its sockets");
		} else if (sockwait_sync(p->g, ctid) < 0) {
			_cleanup_free_ char *msg = xasprintf("waiter: %s", cerr_msg() ? cerr_msg() : "?");
			p->res->failed++;
			outcome(p->o, ctid, BOOT_FAILED, msg, "boot: %s", msg);
			cerr_clear();
		} else {
			p->res->done++;
			outcome(p->o, ctid, BOOT_STARTED, "waiting for a connection", "boot: waiting for a connection (onconnect)");
		}
		return 0;
	}
	if (!c->onboot && !in_ids(p->rec, p->nrec, ctid))
		return 0;
	const char *why = c->disabled ? "disabled" : ct_running(p->g, ctid, NULL) ? "already running" : NULL;
	if (why) {
		p->res->skipped++;
		outcome(p->o, ctid, BOOT_SKIPPED, why, "boot: skipped: %s", why);
		return 0;
	}
	plan_add(p, c);
	plan_bridges(p, c);
	return 0;
}

int ct_boot(const struct gconf *g, const struct boot_opts *o, struct boot_result *res)
{
	*res = (struct boot_result){0};
	_cleanup_free_ unsigned *rec = NULL;
	size_t nrec;
	read_record(g, &rec, &nrec);
	struct plan p = {.rec = rec, .nrec = nrec, .g = g, .o = o, .res = res};
	int r = ctconf_foreach(g, CTCONF_EACH_BROKEN, boot_each, &p);
	if (r < 0) {
		free(p.v);
		free(p.br);
		return r;
	}
	boot_sort(p.v, p.n, false);
	wait_bridges(g, &p);
	free(p.br);
	log_file_only("boot: %zu container(s) to start, at most %u at a time", p.n, o->parallel);
	r = run_plan(g, p.v, p.n, o, job_start, true, res);
	free(p.v);
	if (r == 0 && nrec) {
		_cleanup_free_ char *path = boot_record_path(g);
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn("cannot remove %s: %s", path, strerror(errno));
	}
	log_file_only("boot: started %u, failed %u, skipped %u", res->done, res->failed, res->skipped);
	return r;
}

/* ---- shutdown ---- */

static int shutdown_each(unsigned ctid, struct ct_config **cp, void *arg)
{
	struct plan *p = arg;
	(void)ctid;
	if (ct_running(p->g, (*cp)->ctid, NULL))
		plan_add(p, *cp);
	return 0;
}

static int write_record(const struct gconf *g, const struct boot_item *v, size_t n)
{
	_cleanup_free_ unsigned *old = NULL;
	size_t nold;
	read_record(g, &old, &nold);
	struct strbuf b = {0};
	sb_add(&b, "# containers running at the last cellctl shutdown: the next cellctl boot starts them\n");
	for (size_t i = 0; i < nold; i++)
		sb_printf(&b, "%u\n", old[i]);
	for (size_t i = 0; i < n; i++)
		if (!in_ids(old, nold, v[i].ctid))
			sb_printf(&b, "%u\n", v[i].ctid);
	_cleanup_free_ char *text = sb_done(&b);
	_cleanup_free_ char *path = boot_record_path(g);
	int r = write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return cerr(EX_SYSTEM, -r, "cannot write %s", path);
	return 0;
}

int ct_shutdown(const struct gconf *g, const struct boot_opts *o, struct boot_result *res)
{
	*res = (struct boot_result){0};
	struct plan p = {.g = g, .o = o, .res = res};
	int r = ctconf_foreach(g, 0, shutdown_each, &p);
	if (r == 0 && (r = write_record(g, p.v, p.n)) == 0) {
		boot_sort(p.v, p.n, true);
		log_file_only("shutdown: %zu running container(s), at most %u at a time, deadline %d s", p.n,
			      o->parallel, o->timeout_s);
		r = run_plan(g, p.v, p.n, o, job_stop, false, res);
		log_file_only("shutdown: stopped %u, failed %u", res->done, res->failed);
	}
	free(p.v);
	return r;
}
