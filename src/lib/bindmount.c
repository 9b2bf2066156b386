/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bindmount.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "params_int.h"
#include "util.h"

static const char *const props[] = {"private", "slave", "shared"};

const char *bind_prop_name(int p) { return p >= 0 && p < (int)ARRAY_SIZE(props) ? props[p] : "?"; }

/* An absolute path without empty, "." or ".." components, a trailing slash, or a character the
 * spec or the config cannot carry. */
static bool clean_path(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s; s++)
		if (iscntrl((unsigned char)*s) || isspace((unsigned char)*s) || strchr(":,\"'\\", *s))
			return false;
	if (!strcmp(p, "/"))
		return true;
	for (const char *s = p + 1;;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

/* Is p dir or below it? */
static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

int bind_parse(const char *spec, struct ct_bind *b)
{
	memset(b, 0, sizeof(*b));
	_cleanup_free_ char *s = xstrdup(spec);
	char *opts = strchr(s, ',');
	if (opts)
		*opts++ = 0;
	char *guest = strchr(s, ':');
	if (!guest)
		return -EINVAL;
	*guest++ = 0;
	char *mode = strchr(guest, ':');
	if (mode) {
		*mode++ = 0;
		if (!strcmp(mode, "ro"))
			b->ro = true;
		else if (strcmp(mode, "rw"))
			return -EINVAL;
	}
	if (strlen(s) >= sizeof(b->host) || strlen(guest) >= sizeof(b->guest))
		return -ENAMETOOLONG;
	if (!clean_path(s) || !clean_path(guest) || !strcmp(s, "/") || !strcmp(guest, "/") || under(guest, "/proc") ||
	    under(guest, "/sys") || under(guest, "/dev"))
		return -EINVAL;
	snprintf(b->host, sizeof(b->host), "%s", s);
	snprintf(b->guest, sizeof(b->guest), "%s", guest);
	bool seen_prop = false;
	for (char *o = opts, *next; o; o = next) {
		if ((next = strchr(o, ',')))
			*next++ = 0;
		if (!strncmp(o, "propagation=", 12) && !seen_prop) {
			seen_prop = true;
			size_t i;
			for (i = 0; i < ARRAY_SIZE(props) && strcmp(o + 12, props[i]); i++)
				;
			if (i == ARRAY_SIZE(props))
				return -EINVAL;
			b->prop = (int)i;
		} else if (!strcmp(o, "idmap") && !b->idmap) {
			b->idmap = true;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

void bind_format(const struct ct_bind *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s%s%s%s%s", b->host, b->guest, b->ro ? ":ro" : "", b->prop ? ",propagation=" : "",
		 b->prop ? bind_prop_name(b->prop) : "", b->idmap ? ",idmap" : "");
}

bool bind_same(const struct ct_bind *a, const struct ct_bind *b)
{
	return !strcmp(a->host, b->host) && !strcmp(a->guest, b->guest) && a->ro == b->ro && a->idmap == b->idmap &&
	       a->prop == b->prop;
}

static int find_guest(const struct ct_config *c, const char *guest)
{
	for (unsigned i = 0; i < c->nbinds; i++)
		if (!strcmp(c->binds[i].guest, guest))
			return (int)i;
	return -1;
}

int bind_ap_add(struct ct_config *c, const char *v)
{
	struct ct_bind b;
	int r = bind_parse(v, &b);
	if (r < 0)
		return r == -ENAMETOOLONG ? -ERANGE : r;
	int i = find_guest(c, b.guest);
	if (i >= 0) {
		c->binds[i] = b;
		return 0;
	}
	if (c->nbinds >= BIND_MAX)
		return -ERANGE;
	c->binds = xrealloc(c->binds, (c->nbinds + 1) * sizeof(*c->binds));
	c->binds[c->nbinds++] = b;
	return 0;
}

int bind_ap_del(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "all")) {
		c->nbinds = 0;
		return 0;
	}
	size_t n = strlen(v);
	while (n > 1 && v[n - 1] == '/')
		n--; /* /data/ is /data */
	_cleanup_free_ char *g = xstrndup(v, n);
	int i = find_guest(c, g);
	if (i < 0)
		return clean_path(g) ? -ENOENT : -EINVAL;
	memmove(&c->binds[i], &c->binds[i + 1], (c->nbinds - (unsigned)i - 1) * sizeof(*c->binds));
	c->nbinds--;
	return 0;
}

void bind_pr_all(const struct ct_config *c, char *buf, unsigned len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < c->nbinds; i++) {
		char s[2 * BIND_PATH_MAX + 64];
		bind_format(&c->binds[i], s, sizeof(s));
		if (off + strlen(s) + 2 > len)
			return;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", s);
	}
}

/* Is key mpN (N a number without leading zeros)? */
static bool mp_key(const char *k)
{
	return !strncmp(k, "mp", 2) && isdigit((unsigned char)k[2]) && (k[2] != '0' || !k[3]) &&
	       strspn(k + 2, "0123456789") == strlen(k + 2) && strlen(k) < 8;
}

void bind_sync(struct ct_config *c)
{
	struct ini_doc *d = c->doc;
	/* the stale keys first: every mpN at or beyond the count */
	for (size_t i = 0;;) {
		const char *k, *v;
		if (ini_key_at(d, BIND_SECTION, i, &k, &v) < 0)
			break;
		if (mp_key(k) && strtoul(k + 2, NULL, 10) >= c->nbinds) {
			_cleanup_free_ char *kk = xstrdup(k);
			ini_unset(d, BIND_SECTION, kk);
			continue;
		}
		i++;
	}
	for (unsigned i = 0; i < c->nbinds; i++) {
		char k[16], s[2 * BIND_PATH_MAX + 64];
		snprintf(k, sizeof(k), "mp%u", i);
		bind_format(&c->binds[i], s, sizeof(s));
		ini_set(d, BIND_SECTION, k, s);
	}
	const char *k, *v;
	if (c->nbinds == 0 && ini_key_at(d, BIND_SECTION, 0, &k, &v) < 0)
		ini_remove_section(d, BIND_SECTION);
}

int bind_load(struct ct_config *c, const struct conf_text *t, const char *name)
{
	const char *k, *dv;
	for (size_t i = 0; ini_key_at(t->doc, BIND_SECTION, i, &k, &dv) == 0; i++) {
		if (!mp_key(k))
			return cerr(EX_BADCONFIG, 0, "%s: [" BIND_SECTION "] %s: unknown key (expected mp0, mp1, ...)",
				    name ? name : "config", k);
		const char *v = conf_get(t, BIND_SECTION, k);
		if (!v || !*v)
			continue;
		struct ct_bind b;
		int r = bind_parse(v, &b);
		if (r == 0 && find_guest(c, b.guest) >= 0)
			r = -EEXIST;
		if (r == 0 && c->nbinds >= BIND_MAX)
			r = -ERANGE;
		if (r < 0)
			return params_bad_key(name, EX_BADVALUE, BIND_SECTION, k, v, r == -ENAMETOOLONG ? -ERANGE : r,
					      r == -EEXIST ? "a guest directory no other mpN of the section has" : BIND_FORM);
		c->binds = xrealloc(c->binds, (c->nbinds + 1) * sizeof(*c->binds));
		c->binds[c->nbinds++] = b;
	}
	return 0;
}

void bind_free(struct ct_config *c)
{
	free(c->binds);
	c->binds = NULL;
	c->nbinds = 0;
}
