/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sockact.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bindmount.h"
#include "error.h"
#include "log.h"
#include "sockguard.h"
#include "util.h"

#define BACKLOG 128

static int parse_list(const struct ct_config *c, struct sock_spec *sp)
{
	int n = sockspec_list(c->listen, sp);
	if (n < 0)
		return cerr(EX_BADVALUE, 0, "container %u: invalid listen list '%s'", c->ctid, c->listen);
	return n;
}

struct scan {
	const struct ct_config *c;
	const struct sock_spec *sp;
	int n;
};

static int scan_one(unsigned ctid, struct ct_config **o, void *arg)
{
	struct scan *s = arg;
	if (ctid == s->c->ctid || !(*o)->listen)
		return 0;
	struct sock_spec other[SOCKSPEC_MAX];
	int k = sockspec_list((*o)->listen, other);
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < k; j++)
			if (sockspec_conflict(&s->sp[i], &other[j])) {
				char a[200], b[200];
				sockspec_endpoint(&s->sp[i], a, sizeof(a));
				sockspec_endpoint(&other[j], b, sizeof(b));
				return cerr(EX_IPINUSE, 0, "listen %s: container %u listens on %s", a, ctid, b);
			}
	return 0;
}

int sockact_check_conflicts(const struct gconf *g, const struct ct_config *c)
{
	struct sock_spec sp[SOCKSPEC_MAX];
	int n = parse_list(c, sp);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (sockspec_conflict(&sp[i], &sp[j])) {
				char a[200], b[200];
				sockspec_endpoint(&sp[i], a, sizeof(a));
				sockspec_endpoint(&sp[j], b, sizeof(b));
				return cerr(EX_IPINUSE, 0, "container %u: listen %s conflicts with its own %s", c->ctid,
					    a, b);
			}
	struct scan s = {c, sp, n};
	return ctconf_foreach(g, 0, scan_one, &s);
}

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	while (l > 1 && dir[l - 1] == '/')
		l--;
	return !strncmp(path, dir, l) && (path[l] == '/' || path[l] == 0);
}

/* The directory of a Unix socket's path: each component from / a real directory (no symlink),
 * owned by root, writable by nobody else; not where a guest writes. Returns its O_PATH fd. */
/* The directory of path (absolute, clean), walked from / without following a symbolic link:
 * each directory root's and writable by nobody else (-EPERM), none of them one of forbid
 * (-EXDEV); *bad gets the length of the prefix that failed. Its O_PATH fd, or -errno. */
static int walk_parent(const char *path, const struct stat *forbid, unsigned nforbid, int *bad)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	const char *p = path + 1, *slash;
	for (;;) {
		struct stat st;
		*bad = (int)(p - path);
		int r = fstat(fd, &st) < 0 ? -errno : (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) ? -EPERM : 0;
		for (unsigned i = 0; i < nforbid && !r; i++)
			if (st.st_dev == forbid[i].st_dev && st.st_ino == forbid[i].st_ino)
				r = -EXDEV;
		if (r < 0) {
			close(fd);
			return r;
		}
		if (!(slash = strchr(p, '/')))
			return fd;
		char comp[SOCKSPEC_PATH_MAX];
		snprintf(comp, sizeof(comp), "%.*s", (int)(slash - p), p);
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = -errno;
		close(fd);
		if (nfd < 0) {
			*bad = (int)(slash - path);
			return r;
		}
		fd = nfd;
		p = slash + 1;
	}
}

/* The directory of a Unix socket's path: each component from / a real directory (no symlink),
 * owned by root, writable by nobody else; not where a guest writes (the private areas, c's
 * read-write binds: by name, and by identity on the way down). Returns its O_PATH fd. */
static int open_safe_dir(const struct gconf *g, const struct ct_config *c, const char *path)
{
	if (g->private_dir && under(path, g->private_dir))
		return cerr(EX_BADVALUE, 0, "listen unix:%s: in the private areas (%s), where guests write", path,
			    g->private_dir);
	struct stat forbid[1 + BIND_MAX];
	unsigned nf = 0;
	if (g->private_dir && stat(g->private_dir, &forbid[nf]) == 0)
		nf++;
	for (unsigned i = 0; i < c->nbinds; i++) {
		if (c->binds[i].ro)
			continue;
		if (under(path, c->binds[i].host))
			return cerr(EX_BADVALUE, 0, "listen unix:%s: under the read-write bind mount %s of the container",
				    path, c->binds[i].host);
		if (nf < ARRAY_SIZE(forbid) && stat(c->binds[i].host, &forbid[nf]) == 0)
			nf++;
	}
	int bad = 0, fd = walk_parent(path, forbid, nf, &bad);
	if (fd == -EPERM)
		return cerr(EX_BADVALUE, 0,
			    "listen unix:%s: the directory %.*s must belong to root and be writable by nobody else", path,
			    bad, path);
	if (fd == -EXDEV)
		return cerr(EX_BADVALUE, 0, "listen unix:%s: %.*s is a private area or a read-write bind, where guests write",
			    path, bad, path);
	if (fd < 0)
		return cerr(EX_BADVALUE, fd, "listen unix:%s: the directory %.*s", path, bad, path);
	return fd;
}

static int bind_unix(const struct gconf *g, const struct ct_config *c, const struct sock_spec *sp)
{
	_cleanup_close_ int dir = open_safe_dir(g, c, sp->path);
	if (dir < 0)
		return dir;
	const char *base = strrchr(sp->path, '/') + 1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir, base);
	if (strlen(base) + 24 >= sizeof(sa.sun_path))
		return cerr(EX_BADVALUE, ENAMETOOLONG, "listen unix:%s", sp->path);
	struct stat st;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return cerr(EX_BADVALUE, EEXIST, "listen unix:%s: the path is taken by another file", sp->path);
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return cerr(EX_IPINUSE, EADDRINUSE, "listen unix:%s: a process listens there", sp->path);
		if (unlinkat(dir, base, 0) < 0 && errno != ENOENT)
			return cerr(EX_ENVCREATE, errno, "remove the stale socket %s", sp->path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cerr(EX_ENVCREATE, errno, "socket");
	mode_t old = umask(0117); /* 0660 from the start: never reachable by others */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	umask(old);
	if (r < 0 || fchownat(dir, base, 0, 0, AT_SYMLINK_NOFOLLOW) < 0 || listen(fd, BACKLOG) < 0) {
		e = r < 0 ? e : errno;
		if (r == 0)
			unlinkat(dir, base, 0);
		close(fd);
		return cerr(e == EADDRINUSE ? EX_IPINUSE : EX_ENVCREATE, e, "listen unix:%s", sp->path);
	}
	return fd;
}

/* fd: a new socket of sp's family (sockguard_sockets), taken */
static int bind_tcp(const struct sock_spec *sp, int fd)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	memset(&sa, 0, sizeof(sa));
	socklen_t len;
	if (sp->family == AF_INET6) {
		sa.v6.sin6_family = AF_INET6;
		sa.v6.sin6_port = htons((uint16_t)sp->port);
		memcpy(&sa.v6.sin6_addr, sp->addr, 16);
		len = sizeof(sa.v6);
	} else {
		sa.v4.sin_family = AF_INET;
		sa.v4.sin_port = htons((uint16_t)sp->port);
		memcpy(&sa.v4.sin_addr, sp->addr, 4);
		len = sizeof(sa.v4);
	}
	char ep[200];
	sockspec_endpoint(sp, ep, sizeof(ep));
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (sp->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, BACKLOG) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			return cerr(EX_IPINUSE, e, "listen %s: the address is in use on the host", ep);
		return cerr(EX_ENVCREATE, e, "listen %s", ep);
	}
	return fd;
}

int sockact_open(const struct gconf *g, const struct ct_config *c, const struct cg_paths *cg, struct sockact_set *s)
{
	memset(s, 0, sizeof(*s));
	int n = parse_list(c, s->sp);
	if (n < 0)
		return n;
	/* the TCP sockets come from a cgroup where they can never connect (sockguard.h) */
	int fam[SOCKSPEC_MAX], tcp[SOCKSPEC_MAX];
	unsigned ntcp = 0, k = 0;
	for (int i = 0; i < n; i++)
		if (s->sp[i].kind != SOCKSPEC_UNIX)
			fam[ntcp++] = s->sp[i].family;
	int r = sockguard_sockets(cg, c->ctid, fam, ntcp, tcp);
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++) {
		int fd = s->sp[i].kind == SOCKSPEC_UNIX ? bind_unix(g, c, &s->sp[i]) : bind_tcp(&s->sp[i], tcp[k++]);
		if (fd < 0) {
			while (k < ntcp)
				close(tcp[k++]);
			sockact_close(s);
			return fd;
		}
		s->fds[s->n++] = fd;
	}
	sockspec_fdnames(s->sp, s->n, s->names, sizeof(s->names));
	return 0;
}

void sockact_close(struct sockact_set *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		s->fds[i] = -1;
		if (s->sp[i].kind != SOCKSPEC_UNIX)
			continue;
		/* its file goes, found as at bind (no symbolic link followed), and only a socket */
		int bad, dir = walk_parent(s->sp[i].path, NULL, 0, &bad);
		const char *base = strrchr(s->sp[i].path, '/') + 1;
		struct stat st;
		if (dir >= 0 && fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
			unlinkat(dir, base, 0);
		if (dir >= 0)
			close(dir);
	}
	s->n = 0;
}

void sockact_forget(struct sockact_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	s->n = 0;
}

/* ---- idleness ---- */

static bool hex_addr(const char *hex, unsigned char *out, size_t len)
{
	if (strlen(hex) != len * 2)
		return false;
	for (size_t w = 0; w < len / 4; w++) {
		char word[9];
		memcpy(word, hex + w * 8, 8);
		word[8] = 0;
		char *end;
		uint32_t v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return false;
		memcpy(out + w * 4, &v, 4); /* the kernel prints each 32-bit word as it holds it */
	}
	return true;
}

/* FNV-1a of n bytes */
static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static bool seen_before(const struct sockact_seen *prev, uint64_t h)
{
	for (unsigned i = 0; prev && i < prev->n; i++)
		if (prev->h[i] == h)
			return true;
	return false;
}

static void seen_add(struct sockact_seen *cur, uint64_t h)
{
	if (cur && cur->n < SOCKACT_SEEN_MAX)
		cur->h[cur->n++] = h;
}

bool sockact_busy_tcp(const struct sockact_set *s, const char *text, bool v6, const struct sockact_seen *prev,
		      struct sockact_seen *cur)
{
	static const unsigned char zero[16];
	size_t alen = v6 ? 16 : 4;
	bool busy = false;
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char hex[40];
		unsigned port, st, txq, rxq;
		int a = 0, b = 0;
		if (sscanf(line, " %*d: %n%39[0-9A-Fa-f]:%x %*s%n %x %x:%x", &a, hex, &port, &b, &st, &txq, &rxq) != 5)
			continue;
		unsigned char addr[16];
		if (!hex_addr(hex, addr, alen))
			continue;
		for (unsigned i = 0; i < s->n; i++) {
			const struct sock_spec *sp = &s->sp[i];
			if (sp->kind != SOCKSPEC_TCP || (sp->family == AF_INET6) != v6 || sp->port != port)
				continue;
			if (memcmp(sp->addr, zero, alen) && memcmp(sp->addr, addr, alen))
				continue;
			if (st == 0x0A) { /* the listener: its rx queue is its accept queue */
				busy |= rxq > 0;
				break;
			}
			/* a connection: open, or new since the last look (TIME_WAIT keeps a short one
			 * visible for a minute on the side that closed first) */
			uint64_t h = hash(line + a, (size_t)(b - a));
			seen_add(cur, h);
			busy |= (st != 0x06 && st != 0x07) || !seen_before(prev, h);
			break;
		}
	}
	return busy;
}

bool sockact_busy_unix(const struct sockact_set *s, const char *text)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned flags, type, st;
		int off = 0;
		if (sscanf(line, "%*s %*s %*s %x %x %x %*u %n", &flags, &type, &st, &off) != 3 || !off || st != 3)
			continue;
		const char *path = line + off;
		size_t l = strcspn(path, "\n");
		for (unsigned i = 0; i < s->n; i++)
			if (s->sp[i].kind == SOCKSPEC_UNIX && strlen(s->sp[i].path) == l && !strncmp(s->sp[i].path, path, l))
				return true;
	}
	return false;
}

bool sockact_busy(const struct sockact_set *s, struct sockact_seen *seen)
{
	struct sockact_seen prev = *seen;
	seen->n = 0;
	bool busy = false;
	bool tcp4 = false, tcp6 = false, unx = false;
	for (unsigned i = 0; i < s->n; i++) {
		tcp4 |= s->sp[i].kind == SOCKSPEC_TCP && s->sp[i].family == AF_INET;
		tcp6 |= s->sp[i].kind == SOCKSPEC_TCP && s->sp[i].family == AF_INET6;
		unx |= s->sp[i].kind == SOCKSPEC_UNIX;
	}
	static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6", "/proc/net/unix"};
	bool want[] = {tcp4, tcp6, unx};
	for (int k = 0; k < 3; k++) {
		_cleanup_free_ char *text = NULL;
		if (!want[k] || read_file_at(AT_FDCWD, files[k], &text, NULL) < 0)
			continue;
		busy |= k < 2 ? sockact_busy_tcp(s, text, k == 1, &prev, seen) : sockact_busy_unix(s, text);
	}
	return busy;
}
