/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sockspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* absolute, no empty, . or .. component, no trailing /, nothing a config line or a name would
 * take for something else */
static bool path_ok(const char *p)
{
	if (p[0] != '/' || !p[1])
		return false;
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f || *s == '"' || *s == '\'' || *s == '\\' || *s == '=' || *s == ',')
			return false;
	for (const char *s = p; *s;) {
		const char *e = strchr(s + 1, '/');
		size_t l = e ? (size_t)(e - s - 1) : strlen(s + 1);
		if (l == 0 || (l == 1 && s[1] == '.') || (l == 2 && s[1] == '.' && s[2] == '.'))
			return false;
		if (!e)
			break;
		s = e;
	}
	return true;
}

static int parse_port(const char *s, unsigned *port)
{
	if (!*s || strlen(s) > 5)
		return -EINVAL;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (s[0] == '0' || v < 1 || v > 65535)
		return v == 0 || v > 65535 ? -ERANGE : -EINVAL;
	*port = v;
	return 0;
}

int sockspec_parse(const char *s, struct sock_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	if (!s || strlen(s) > 256)
		return -EINVAL;
	char buf[260];
	snprintf(buf, sizeof(buf), "%s", s);
	char *eq = strchr(buf, '=');
	if (eq) {
		*eq++ = 0;
		if (strlen(eq) > SOCKSPEC_NAME_MAX)
			return -ENAMETOOLONG;
		if (!name_ok(eq))
			return -EINVAL;
		snprintf(sp->name, sizeof(sp->name), "%s", eq);
	}
	if (!strncmp(buf, "unix:", 5)) {
		const char *p = buf + 5;
		if (strlen(p) >= SOCKSPEC_PATH_MAX)
			return -ENAMETOOLONG;
		if (!path_ok(p))
			return -EINVAL;
		sp->kind = SOCKSPEC_UNIX;
		memcpy(sp->path, p, strlen(p) + 1); /* shorter than SOCKSPEC_PATH_MAX: checked above */
		return 0;
	}
	if (strncmp(buf, "tcp:", 4))
		return -EINVAL;
	char *a = buf + 4, *colon;
	if (*a == '[') {
		char *close = strchr(a, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		*close = 0;
		colon = close + 1;
		a++;
		if (inet_pton(AF_INET6, a, sp->addr) != 1)
			return -EINVAL;
		sp->family = AF_INET6;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			return -EINVAL;
		*colon = 0;
		if (inet_pton(AF_INET, a, sp->addr) != 1)
			return -EINVAL;
		sp->family = AF_INET;
	}
	int r = parse_port(colon + 1, &sp->port);
	if (r < 0)
		return r;
	sp->kind = SOCKSPEC_TCP;
	return 0;
}

void sockspec_endpoint(const struct sock_spec *sp, char *buf, size_t len)
{
	if (sp->kind == SOCKSPEC_UNIX) {
		snprintf(buf, len, "unix:%s", sp->path);
		return;
	}
	char a[INET6_ADDRSTRLEN] = "";
	inet_ntop(sp->family, sp->addr, a, sizeof(a));
	if (sp->family == AF_INET6)
		snprintf(buf, len, "tcp:[%s]:%u", a, sp->port);
	else
		snprintf(buf, len, "tcp:%s:%u", a, sp->port);
}

void sockspec_format(const struct sock_spec *sp, char *buf, size_t len)
{
	char e[200];
	sockspec_endpoint(sp, e, sizeof(e));
	snprintf(buf, len, "%s%s%s", e, sp->name[0] ? "=" : "", sp->name);
}

static size_t addr_len(int family) { return family == AF_INET6 ? 16 : 4; }

bool sockspec_same(const struct sock_spec *a, const struct sock_spec *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SOCKSPEC_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, addr_len(a->family));
}

static bool wildcard(const struct sock_spec *s)
{
	static const unsigned char zero[16];
	return !memcmp(s->addr, zero, addr_len(s->family));
}

bool sockspec_conflict(const struct sock_spec *a, const struct sock_spec *b)
{
	if (sockspec_same(a, b))
		return true;
	return a->kind == SOCKSPEC_TCP && b->kind == SOCKSPEC_TCP && a->family == b->family && a->port == b->port &&
	       (wildcard(a) || wildcard(b));
}

int sockspec_list(const char *list, struct sock_spec *out)
{
	if (!list)
		return 0;
	_cleanup_free_ char *copy = xstrdup(list);
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == SOCKSPEC_MAX)
			return -E2BIG;
		int r = sockspec_parse(t, &out[n]);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

void sockspec_fdnames(const struct sock_spec *sp, unsigned n, char *buf, size_t len)
{
	size_t k = 0;
	if (len)
		buf[0] = 0;
	for (unsigned i = 0; i < n && k < len; i++) {
		int w = snprintf(buf + k, len - k, "%s%s", i ? ":" : "", sp[i].name[0] ? sp[i].name : "unknown");
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* c->listen from the n specs */
static void store(struct ct_config *c, const struct sock_spec *sp, int n)
{
	char buf[SOCKSPEC_MAX * 200] = "";
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		char one[200];
		sockspec_format(&sp[i], one, sizeof(one));
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? " " : "", one);
	}
	free(c->listen);
	c->listen = n ? xstrdup(buf) : NULL;
}

int sockspec_ap_add(struct ct_config *c, const char *v)
{
	struct sock_spec have[SOCKSPEC_MAX], add[SOCKSPEC_MAX];
	int n = sockspec_list(c->listen, have), k = sockspec_list(v, add);
	if (n < 0)
		n = 0; /* a broken old list is replaced, not kept */
	if (k < 0)
		return k;
	if (k == 0)
		return -EINVAL;
	for (int i = 0; i < k; i++) {
		int at = -1;
		for (int j = 0; j < n && at < 0; j++)
			if (sockspec_same(&have[j], &add[i]))
				at = j;
		if (at < 0) {
			if (n == SOCKSPEC_MAX)
				return -E2BIG;
			at = n++;
		}
		have[at] = add[i];
	}
	store(c, have, n);
	return 0;
}

int sockspec_ap_del(struct ct_config *c, const char *v)
{
	if (!strcmp(v, "all")) {
		free(c->listen);
		c->listen = NULL;
		return 0;
	}
	struct sock_spec have[SOCKSPEC_MAX], del;
	int r = sockspec_parse(v, &del);
	if (r < 0)
		return r;
	int n = sockspec_list(c->listen, have);
	if (n < 0)
		n = 0;
	for (int j = 0; j < n; j++)
		if (sockspec_same(&have[j], &del)) {
			memmove(&have[j], &have[j + 1], sizeof(have[0]) * (size_t)(n - j - 1));
			store(c, have, n - 1);
			return 0;
		}
	return -ENOENT;
}

void sockspec_pr(const struct ct_config *c, char *buf, unsigned len)
{
	snprintf(buf, len, "%s", c->listen ? c->listen : "");
}
