/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one table of container parameters: names, INI places, value syntax (vzctl's), printing,
 * list columns. Most entries are typed (a field, its range or unit); the interface parameters
 * live in params_netif.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "bindmount.h"
#include "sockspec.h"
#include "error.h"
#include "log.h"
#include "params_int.h"
#include "netaddr.h"
#include "secfilter.h"
#include "util.h"

/* ---- validators ---- */

static bool valid_name_chars(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool valid_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static bool ok_template(const char *v) { return valid_name_chars(v, "._-+") && v[0] != '.'; }
/* a name stands for the CTID on the command line: not all digits, not taken for an option (a
 * leading '-'; the other first characters stay valid, as names written before this rule have them) */
static bool ok_name(const char *v) { return !*v || (valid_name_chars(v, "._-+@") && !all_digits(v) && v[0] != '-'); }
static bool ok_line(const char *v) { return !strpbrk(v, "\n\r"); }
static bool ok_sample(const char *v) { return valid_name_chars(v, "._-") && v[0] != '.'; }
static bool ok_layout(const char *v) { return !strcmp(v, "copy") || !strcmp(v, "overlay"); }
static bool ok_ownership(const char *v) { return !strcmp(v, "mapped") || !strcmp(v, "shifted"); }
/* a template tree's name (tpltree.h): a template name, a dot and 16 hex digits */
static bool ok_tree(const char *v)
{
	size_t n = strlen(v);
	return ok_template(v) && n >= 18 && v[n - 17] == '.' && strspn(v + n - 16, "0123456789abcdef") == 16;
}

/* ---- small helpers ---- */

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v && *v ? xstrdup(v) : NULL;
}

static void pr_str(const char *v, char *buf, unsigned len)
{
	snprintf(buf, len, "%s", v ? v : "");
}

/* A size that reads back exactly: format_size, with a 'B' when it came out as bare bytes (a bare
 * number means KB or MB/s for some parameters). */
static void pr_size(uint64_t v, char *buf, unsigned len)
{
	format_size(v, buf, len);
	size_t n = strlen(buf);
	if (n && isdigit((unsigned char)buf[n - 1]) && strcmp(buf, "0") != 0 && n + 1 < len) {
		buf[n] = 'B';
		buf[n + 1] = 0;
	}
}

static void pr_count(uint64_t v, char *buf, unsigned len)
{
	if (v == SIZE_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* "SOFT[:HARD]" or "BARRIER[:LIMIT]"; one value sets both. */
static int parse_pair(const char *v, uint64_t unit, bool sizes, uint64_t *a, uint64_t *b)
{
	_cleanup_free_ char *s = xstrdup(v);
	char *colon = strchr(s, ':');
	if (colon)
		*colon = 0;
	int r;
	uint64_t x, y;
	if (sizes)
		r = parse_size(strtrim(s), unit, &x);
	else if (!strcasecmp(strtrim(s), "unlimited"))
		x = SIZE_UNLIMITED, r = 0;
	else
		r = parse_u64(s, &x);
	if (r < 0)
		return r;
	y = x;
	if (colon) {
		char *t = strtrim(colon + 1);
		if (sizes)
			r = parse_size(t, unit, &y);
		else if (!strcasecmp(t, "unlimited"))
			y = SIZE_UNLIMITED, r = 0;
		else
			r = parse_u64(t, &y);
		if (r < 0)
			return r;
	}
	*a = x;
	*b = y;
	return 0;
}

/* Merge entries "KEY:VALUE" into a stored list: an entry replaces the one with the same KEY (the
 * part before the last ':', compared case-insensitively), else it is appended. */
static char *list_merge(const char *old, const char *sep, char **ents, size_t n)
{
	size_t cnt = 0, cap = 8;
	char **items = xmalloc(cap * sizeof(*items));
	_cleanup_free_ char *store = NULL;
	_cleanup_free_ char **oldv = NULL;
	size_t on = 0;
	if (old) {
		oldv = params_split(old, &store, &on);
		if (on + 1 > cap) {
			cap = on + 1;
			items = xrealloc(items, cap * sizeof(*items));
		}
		for (size_t i = 0; i < on; i++)
			items[cnt++] = oldv[i];
	}
	for (size_t i = 0; i < n; i++) {
		size_t kl = (size_t)(strrchr(ents[i], ':') - ents[i]);
		size_t j;
		for (j = 0; j < cnt; j++) {
			const char *c = strrchr(items[j], ':');
			if (c && (size_t)(c - items[j]) == kl && !strncasecmp(items[j], ents[i], kl))
				break;
		}
		if (j == cnt) {
			if (cnt + 1 >= cap) {
				cap *= 2;
				items = xrealloc(items, cap * sizeof(*items));
			}
			cnt++;
		}
		items[j] = ents[i];
	}
	size_t len = 1;
	for (size_t i = 0; i < cnt; i++)
		len += strlen(items[i]) + strlen(sep);
	char *out = xmalloc(len);
	out[0] = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, items[i]);
	}
	free(items);
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- functions of their own ---- */

static int ap_uid_base(struct ct_config *c, const char *v)
{
	unsigned x;
	int r = parse_uint(v, 0, UINT32_MAX, &x);
	if (r < 0)
		return r;
	if ((uint64_t)x + c->uid_size > UINT32_MAX)
		return -ERANGE;
	c->uid_base = x;
	return 0;
}
static void pr_uid_base(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->uid_base)
		snprintf(buf, len, "%u", c->uid_base);
	else
		buf[0] = 0;
}

static int ap_cpulimit(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "unlimited")) {
		c->cpulimit = 0;
		c->cpulimit_host = false;
		return 0;
	}
	size_t n = strlen(v);
	bool host = n && v[n - 1] == '%';
	_cleanup_free_ char *num = xstrndup(v, host ? n - 1 : n);
	unsigned x;
	int r = parse_uint(num, 1, host ? 100 : 100 * 1024, &x);
	if (r < 0)
		return r;
	c->cpulimit = x;
	c->cpulimit_host = host;
	return 0;
}
static void pr_cpulimit(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->cpulimit)
		snprintf(buf, len, "%u%s", c->cpulimit, c->cpulimit_host ? "%" : "");
	else
		buf[0] = 0;
}

static int ap_cpumask(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "all")) {
		set_str(&c->cpumask, NULL);
		return 0;
	}
	/* "0-2,7": CPUs below 8192, ranges ascending */
	_cleanup_free_ char *s = xstrdup(v);
	char *save = NULL;
	if (!*s || s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,"))
		return -EINVAL;
	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		unsigned a, b;
		if (dash)
			*dash = 0;
		int r = parse_uint(tok, 0, 8191, &a);
		if (r < 0)
			return r;
		b = a;
		if (dash && (r = parse_uint(dash + 1, 0, 8191, &b)) < 0)
			return r;
		if (b < a)
			return -EINVAL;
	}
	set_str(&c->cpumask, v);
	return 0;
}
static void pr_cpumask(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->cpumask, buf, len); }

static int ap_numproc(struct ct_config *c, const char *v)
{
	uint64_t b, l;
	int r = parse_pair(v, 1, false, &b, &l);
	if (r < 0)
		return r;
	if (l == 0)
		return -ERANGE;
	c->numproc = l; /* pids.max has one number: the limit */
	return 0;
}
static void pr_numproc(const struct ct_config *c, char *buf, unsigned len) { pr_count(c->numproc, buf, len); }

/* ---- [security] ---- */

/* Validate every entry of v with norm (which returns a normalized malloc'd entry or NULL), then
 * merge them into *dst. Nothing is stored unless all entries are valid. */
static int merge_entries(char **dst, const char *v, const char *sep, char *(*norm)(const char *))
{
	_cleanup_free_ char *store = NULL;
	size_t n;
	_cleanup_free_ char **tok = params_split(v, &store, &n);
	if (n == 0)
		return -EINVAL;
	if (n == 1 && !strcasecmp(tok[0], "none")) {
		set_str(dst, NULL);
		return 0;
	}
	char **ents = xcalloc(n, sizeof(*ents));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if (!(ents[i] = norm(tok[i])))
			r = -EINVAL;
	if (r == 0) {
		char *m = list_merge(*dst, sep, ents, n);
		free(*dst);
		*dst = m;
	}
	for (size_t i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

static char *norm_cap(const char *t)
{
	const char *colon = strrchr(t, ':');
	if (!colon || colon == t)
		return NULL;
	const char *val = colon + 1;
	if (strcasecmp(val, "on") && strcasecmp(val, "off"))
		return NULL;
	_cleanup_free_ char *name = xstrndup(t, (size_t)(colon - t));
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *bare = str_startswith(name, "cap_") ? name + 4 : name;
	if (!valid_name_chars(bare, "_") || all_digits(bare))
		return NULL;
	_cleanup_free_ char *full = xasprintf("cap_%s", bare);
	cap_value_t cv;
	if (cap_from_name(full, &cv) < 0)
		return NULL;
	return xasprintf("%s:%s", bare, strcasecmp(val, "on") ? "off" : "on");
}

static int perms_norm(const char *p, const char *allowed, char *out)
{
	if (!strcasecmp(p, "none")) {
		strcpy(out, "none");
		return 0;
	}
	if (!*p)
		return -EINVAL;
	bool have[128] = {false};
	for (; *p; p++) {
		char ch = (char)tolower((unsigned char)*p);
		if (!strchr(allowed, ch) && ch != 'q')
			return -EINVAL;
		have[(int)ch] = true;
	}
	char *o = out;
	for (const char *a = allowed; *a; a++)
		if (have[(int)*a])
			*o++ = *a;
	*o = 0;
	return o == out ? -EINVAL : 0; /* 'q' (vzctl quota) alone grants nothing */
}

static bool dev_num(const char *s, unsigned max)
{
	unsigned x;
	return !strcmp(s, "*") || parse_uint(s, 0, max, &x) == 0;
}

static char *norm_dev(const char *t)
{
	_cleanup_free_ char *s = xstrdup(t);
	char *f[4] = {NULL};
	int n = 0;
	for (char *p = s, *q; n < 4; p = q + 1) {
		f[n++] = p;
		if (!(q = strchr(p, ':')))
			break;
		*q = 0;
	}
	if (n < 2 || strchr(f[n - 1], ':'))
		return NULL;
	char perms[8];
	if (n == 2 && !strcasecmp(f[0], "all")) {
		if (perms_norm(f[1], "rwm", perms) < 0)
			return NULL;
		return xasprintf("all:%s", perms);
	}
	if (n != 4 || (strcmp(f[0], "b") && strcmp(f[0], "c")))
		return NULL;
	if (!dev_num(f[1], 4095) || !dev_num(f[2], (1u << 20) - 1) || perms_norm(f[3], "rwm", perms) < 0)
		return NULL;
	return xasprintf("%s:%s:%s:%s", f[0], f[1], f[2], perms);
}

static char *norm_devnode(const char *t)
{
	const char *colon = strrchr(t, ':');
	if (!colon || colon == t)
		return NULL;
	_cleanup_free_ char *name = xstrndup(t, (size_t)(colon - t));
	const char *nm = str_startswith(name, "/dev/") ? name + 5 : name;
	if (!valid_name_chars(nm, "._+-/") || nm[0] == '/' || strstr(nm, "..") || str_endswith(nm, "/"))
		return NULL;
	char perms[8];
	if (perms_norm(colon + 1, "rwq", perms) < 0 && strcasecmp(colon + 1, "q"))
		return NULL;
	if (!strcasecmp(colon + 1, "q"))
		strcpy(perms, "q");
	return xasprintf("%s:%s", nm, perms);
}

/* Merge entries into a comma list in a fixed buffer: each is validated by norm; one with the
 * same name (the part before ':') as a stored one replaces it; "none" clears the list. Nothing
 * is stored unless all entries are valid and the result fits. */
static int merge_fixed(char *dst, size_t size, const char *v, char *(*norm)(const char *))
{
	_cleanup_free_ char *store = NULL, *ostore = NULL;
	size_t n, on;
	_cleanup_free_ char **tok = params_split(v, &store, &n);
	if (n == 0)
		return -EINVAL;
	if (n == 1 && !strcasecmp(tok[0], "none")) {
		dst[0] = 0;
		return 0;
	}
	_cleanup_free_ char **old = params_split(dst, &ostore, &on);
	char **items = xcalloc(on + n + 1, sizeof(*items));
	size_t cnt = 0;
	int r = 0;
	for (size_t i = 0; i < on; i++)
		items[cnt++] = xstrdup(old[i]);
	for (size_t i = 0; i < n && r == 0; i++) {
		char *e = norm(tok[i]);
		if (!e) {
			r = -EINVAL;
			break;
		}
		size_t kl = strcspn(e, ":"), j;
		for (j = 0; j < cnt; j++)
			if (strcspn(items[j], ":") == kl && !strncmp(items[j], e, kl))
				break;
		if (j == cnt)
			cnt++;
		else
			free(items[j]);
		items[j] = e;
	}
	size_t len = 1;
	for (size_t i = 0; i < cnt; i++)
		len += strlen(items[i]) + 1;
	if (r == 0 && len > size)
		r = -E2BIG;
	if (r == 0) {
		dst[0] = 0;
		for (size_t i = 0; i < cnt; i++) {
			if (i)
				strcat(dst, ",");
			strcat(dst, items[i]);
		}
	}
	for (size_t i = 0; i < cnt; i++)
		free(items[i]);
	free(items);
	return r;
}
/* ---- [network] ---- */

/* A space-separated list (or "inherit"), each item checked. */
static int set_list(char **dst, const char *v, bool (*ok)(const char *))
{
	_cleanup_free_ char *store = NULL;
	size_t n;
	_cleanup_free_ char **tok = params_split(v, &store, &n);
	if (n == 1 && !strcasecmp(tok[0], "inherit")) {
		set_str(dst, "inherit");
		return 0;
	}
	size_t len = 1;
	for (size_t i = 0; i < n; i++) {
		if (!ok(tok[i]))
			return -EINVAL;
		len += strlen(tok[i]) + 1;
	}
	char *out = xmalloc(len);
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, tok[i]);
	}
	set_str(dst, out);
	free(out);
	return 0;
}

static bool ok_ns(const char *s)
{
	int fam;
	return params_valid_addr(s, &fam);
}

/* ---- list's own views ---- */

static void col_uid_base(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->userns)
		snprintf(buf, len, "%u", c->uid_base);
	else
		buf[0] = 0;
}

static void col_bootorder(const struct ct_config *c, char *buf, unsigned len) { snprintf(buf, len, "%d", c->bootorder); }

/* ---- typed entries ---- */

#define FLD(p, c, T) ((T *)(void *)((char *)(c) + (p)->off))
#define CFLD(p, c, T) ((const T *)(const void *)((const char *)(c) + (p)->off))

int param_apply(const struct param *p, struct ct_config *c, const char *v)
{
	unsigned u;
	uint64_t x, y;
	int r;
	bool unlim = (p->tflags & PT_UNLIM) && !strcasecmp(v, "unlimited");
	switch (p->type) {
	case PT_FUNC:
		return p->fn_apply ? p->fn_apply(c, v) : -EINVAL;
	case PT_STR:
		if (!p->ok(v))
			return -EINVAL;
		set_str(FLD(p, c, char *), v);
		return 0;
	case PT_BOOL:
		return parse_bool(v, FLD(p, c, bool));
	case PT_NBOOL:
		if (parse_bool(v, FLD(p, c, bool)) < 0)
			return -EINVAL;
		*FLD(p, c, bool) = !*FLD(p, c, bool);
		return 0;
	case PT_UINT:
	case PT_INT:
		if (unlim) {
			u = 0;
		} else if ((r = parse_uint(v, (unsigned)p->min, (unsigned)p->max, &u)) < 0) {
			return r;
		}
		if (p->type == PT_INT)
			*FLD(p, c, int) = (int)u;
		else
			*FLD(p, c, unsigned) = u;
		return 0;
	case PT_SIZE:
		if ((r = parse_size(v, p->unit, &x)) < 0)
			return r;
		if (x < p->min) /* ram under 1M cannot boot anything: a typo */
			return -ERANGE;
		*FLD(p, c, uint64_t) = (p->tflags & PT_UNLIM) && x == SIZE_UNLIMITED ? 0 : x;
		return 0;
	case PT_PAIR:
		if ((r = parse_pair(v, p->unit ? p->unit : 1, p->unit != 0, &x, &y)) < 0)
			return r;
		if (x > y)
			return -ERANGE;
		*FLD(p, c, uint64_t) = x;
		*(uint64_t *)(void *)((char *)c + p->off2) = y;
		return 0;
	case PT_MERGE:
		return merge_entries(FLD(p, c, char *), v, p->sep, p->norm);
	case PT_FIXMERGE:
		return merge_fixed(FLD(p, c, char), (size_t)p->max, v, p->norm);
	case PT_WORDS:
		return set_list(FLD(p, c, char *), v, p->ok);
	}
	return -EINVAL;
}

bool param_print(const struct param *p, const struct ct_config *c, char *buf, unsigned len)
{
	buf[0] = 0;
	switch (p->type) {
	case PT_FUNC:
		if (!p->fn_print)
			return false;
		p->fn_print(c, buf, len);
		break;
	case PT_STR:
	case PT_MERGE:
	case PT_WORDS:
		pr_str(*CFLD(p, c, char *const), buf, len);
		break;
	case PT_FIXMERGE:
		pr_str(CFLD(p, c, char), buf, len);
		break;
	case PT_BOOL:
	case PT_NBOOL:
		snprintf(buf, len, "%s", *CFLD(p, c, bool) != (p->type == PT_NBOOL) ? "yes" : "no");
		break;
	case PT_UINT:
		if (*CFLD(p, c, unsigned) || !(p->tflags & PT_BLANK0))
			snprintf(buf, len, "%u", *CFLD(p, c, unsigned));
		break;
	case PT_INT:
		if (*CFLD(p, c, int) || !(p->tflags & PT_BLANK0))
			snprintf(buf, len, "%d", *CFLD(p, c, int));
		break;
	case PT_SIZE:
		if (*CFLD(p, c, uint64_t) || !(p->tflags & PT_BLANK0))
			pr_size(*CFLD(p, c, uint64_t), buf, len);
		break;
	case PT_PAIR: {
		uint64_t s = *CFLD(p, c, uint64_t), h = *(const uint64_t *)(const void *)((const char *)c + p->off2);
		if (s == SIZE_UNLIMITED && h == SIZE_UNLIMITED)
			break;
		char a[32], b[32];
		(p->unit ? pr_size : pr_count)(s, a, sizeof(a));
		(p->unit ? pr_size : pr_count)(h, b, sizeof(b));
		if (s == h)
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "%s:%s", a, b);
		break;
	}
	}
	return true;
}

/* ---- the table ---- */

#define SIZE_SUFFIXES "K M G T are powers of 1024, P counts 4 KiB pages, B bytes"
#define OFF(f) offsetof(struct ct_config, f)
#define CS (PF_CREATE | PF_SET)
#define CONTAINER(n) #n, "container", #n
#define RES(n) #n, "resources", #n
#define SEC(n) #n, "security", #n
#define NET(n) #n, "network", #n
#define IF(n) #n, NETIF_SECTION
/* typed: the field, then what else the type needs */
#define T(t, f) .type = PT_##t, .off = OFF(f)
#define RANGE(a, b) .min = (a), .max = (b)
#define COL(h, w, num) .col = {h, w, num, NULL}
#define FN(n) .type = PT_FUNC, .fn_apply = ap_##n, .fn_print = pr_##n

static const struct param params[] = {
	{CONTAINER(hostname), CS | PF_LIVE | PF_LIST, EX_BADHOSTNAME, T(STR, hostname), .ok = param_valid_hostname,
	 .help = "host name inside the container", COL("HOSTNAME", -32, false),
	 .form = "a host name: labels of letters, digits and hyphens, at most 63 each, joined by dots, at most 253 "
		 "in all, such as web1.example.com"},
	{CONTAINER(ostemplate), PF_CREATE | PF_LIST, EX_BADVALUE, T(STR, ostemplate), .ok = ok_template,
	 .help = "OS template the private area came from", COL("OSTEMPLATE", -16, false),
	 .form = "a template name of letters, digits and . _ - +, not starting with a dot, such as debian-12"},
	{CONTAINER(layout), PF_CREATE | PF_LIST, EX_BADVALUE, T(STR, layout), .ok = ok_layout,
	 .help = "private area: copy (a full copy of the template) or overlay (copy-on-write over its tree)",
	 COL("LAYOUT", -7, false), .form = "copy or overlay"},
	{CONTAINER(template_tree), PF_LIST, EX_BADVALUE, T(STR, template_tree), .ok = ok_tree,
	 .help = "layout overlay: the template tree under the container (set at create)", COL("TEMPLATE_TREE", -34, false),
	 .form = "a template tree name: the template's name, a dot and 16 hex digits"},
	{CONTAINER(ownership), PF_CREATE | PF_LIST, EX_BADVALUE, T(STR, ownership), .ok = ok_ownership,
	 .help = "layout copy with userns: mapped (container-relative ids on disk, idmapped at start) or shifted",
	 COL("OWNERSHIP", -9, false), .form = "mapped or shifted"},
	{CONTAINER(uuid), PF_LIST, EX_BADVALUE, T(STR, uuid), .ok = valid_uuid, .help = "container UUID (set at create)",
	 COL("UUID", -36, false), .form = "a UUID such as 3f1e0b2a-9c4d-4e5f-8a6b-7c8d9e0f1a2b"},
	{CONTAINER(name), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(STR, name), .ok = ok_name,
	 .help = "a name that may replace the CTID", COL("NAME", -16, false),
	 .form = "letters, digits and . _ - + @, not starting with -, not only digits, such as web1 (empty "
		 "removes the name)"},
	{CONTAINER(description), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(STR, description), .ok = ok_line,
	 .help = "free text", COL("DESCRIPTION", -32, false), .form = "one line of text"},
	{CONTAINER(origin_sample), PF_LIST, EX_BADVALUE, T(STR, origin_sample), .ok = ok_sample,
	 .help = "config sample used at create", .form = "a sample name of letters, digits and . _ -, such as vswap-1g"},
	{CONTAINER(onboot), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(BOOL, onboot), .help = "start at host boot: yes|no",
	 COL("ONBOOT", -6, false), .form = BOOL_FORM},
	{CONTAINER(disabled), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(BOOL, disabled), .help = "refuse to start: yes|no",
	 .form = BOOL_FORM},
	{CONTAINER(bootorder), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(INT, bootorder), RANGE(0, INT32_MAX),
	 .tflags = PT_BLANK0, .help = "boot order, higher starts first", .col = {"BOOTORDER", 9, true, col_bootorder},
	 .form = "a number from 0 to 2147483647 (higher starts first)"},
	{CONTAINER(onboot_delay), CS | PF_LIVE, EX_BADVALUE, T(UINT, onboot_delay), RANGE(0, 3600),
	 .tflags = PT_BLANK0, .help = "seconds boot waits after the previous group before starting it", .form = "seconds from 0 to 3600 (0 removes the key)"},
	{CONTAINER(userns), PF_CREATE | PF_LIST, EX_BADVALUE, T(BOOL, userns), .help = "run in a user namespace: yes|no",
	 COL("USERNS", -6, false), .form = BOOL_FORM},
	{CONTAINER(uid_base), PF_LIST, EX_BADVALUE, FN(uid_base), .help = "first host uid/gid of the id block",
	 .col = {"UID_BASE", 10, true, col_uid_base},
	 .form = "a host user ID from 0 to 4294967295 that leaves room for the ID block above it"},
	{CONTAINER(stop_timeout), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(UINT, stop_timeout), RANGE(1, 7 * 86400),
	 .help = "seconds to wait for a clean stop", .form = "seconds from 1 to 604800, such as 120"},
	{CONTAINER(quota_id), 0, EX_BADVALUE, T(UINT, quota_id), RANGE(1, UINT32_MAX - 1), .tflags = PT_BLANK0,
	 .help = "disk quota project ID (set at create)", .form = "a project ID from 1 to 4294967294"},
	{RES(ram), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(SIZE, ram), .unit = 1, .min = 1024 * 1024,
	 .help = "memory limit: N[KMGT]|unlimited",
	 .form = "a size of at least 1M such as 512M, 12G or 1048576K (" SIZE_SUFFIXES "), or unlimited"},
	{RES(swap), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(SIZE, swap), .unit = 1, .help = "swap limit: N[KMGT]|unlimited",
	 .form = "a size such as 0, 512M or 2G (" SIZE_SUFFIXES "), or unlimited"},
	{RES(cpuunits), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(UINT, cpuunits), RANGE(8, 500000),
	 .help = "CPU weight 8..500000 (default 1000)", .form = "a number from 8 to 500000 (default 1000)"},
	{RES(cpulimit), CS | PF_LIVE | PF_LIST, EX_BADVALUE, FN(cpulimit),
	 .help = "N: percent of one CPU; N%: percent of the host",
	 .form = "a percentage of one CPU from 1 to 102400 such as 50 or 200 (two CPUs), a percentage of the whole "
		 "host from 1% to 100% such as 25%, or unlimited"},
	{RES(cpus), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(UINT, cpus), RANGE(1, 1024), .tflags = PT_UNLIM | PT_BLANK0,
	 .help = "number of CPUs 1..1024", .form = "a number of CPUs from 1 to 1024, or unlimited"},
	{RES(cpumask), CS | PF_LIVE | PF_LIST, EX_BADVALUE, FN(cpumask), .help = "CPUs to run on: 0-2,7|all",
	 .form = "CPU numbers and ranges from 0 to 8191 such as 0-2,7 (each range ascending), or all"},
	{RES(ioprio), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(INT, ioprio), RANGE(0, 7),
	 .help = "I/O priority 0..7 (default 4)", .form = "a number from 0 to 7 (default 4)"},
	{RES(iolimit), CS | PF_LIVE | PF_LIST, EX_IOLIMIT, T(SIZE, iolimit), .unit = 1024 * 1024,
	 .tflags = PT_UNLIM | PT_BLANK0, .help = "I/O bandwidth: N[BKMG] (bare: MB/s)",
	 .form = "bytes per second such as 10M or 512K (suffixes B K M G T; a bare number is MB/s), 0 or unlimited"},
	{RES(iopslimit), CS | PF_LIVE | PF_LIST, EX_IOLIMIT, T(UINT, iopslimit), RANGE(0, UINT32_MAX),
	 .tflags = PT_UNLIM | PT_BLANK0, .help = "I/O operations per second",
	 .form = "operations per second such as 500, 0 or unlimited"},
	{RES(numproc), CS | PF_LIVE | PF_LIST, EX_BADVALUE, FN(numproc), .help = "process limit: N[:N]|unlimited",
	 .form = "a number of processes such as 256, or barrier:limit such as 200:256 (the limit applies, not 0), or "
		 "unlimited"},
	{RES(diskspace), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(PAIR, diskspace_soft), .off2 = OFF(diskspace_hard),
	 .unit = 1024, .help = "disk quota: soft[:hard] (bare: KB)",
	 .form = "soft[:hard] sizes such as 10G or 9G:10G (K M G T are powers of 1024, a bare number is KB), soft not "
		 "above hard, or unlimited"},
	{RES(diskinodes), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(PAIR, diskinodes_soft), .off2 = OFF(diskinodes_hard),
	 .help = "inode quota: soft[:hard]",
	 .form = "soft[:hard] inode counts such as 200000 or 180000:200000, soft not above hard, or unlimited"},
	{SEC(capability), CS | PF_REPEAT, EX_BADVALUE, T(MERGE, capability), .norm = norm_cap, .sep = ",",
	 .help = "name:on|off[,...]",
	 .form = "name:on or name:off, comma separated, with Linux capability names with or without cap_, such as "
		 "net_admin:on,sys_time:off"},
	{SEC(devices), CS | PF_LIVE | PF_REPEAT, EX_DEVICES, T(MERGE, devices), .norm = norm_dev, .sep = " ",
	 .help = "b|c:major:minor|all:[r][w][m]|none",
	 .form = "rules b|c:MAJOR:MINOR:PERMS or all:PERMS, MAJOR and MINOR numbers or *, PERMS of r w m or none, such "
		 "as c:10:200:rw; or none"},
	{SEC(devnodes), CS | PF_LIVE | PF_REPEAT, EX_DEVICES, T(MERGE, devnodes), .norm = norm_devnode, .sep = " ",
	 .help = "name:[r][w][q]|none",
	 .form = "NAME:PERMS with NAME a device below /dev and PERMS of r w q or none, such as net/tun:rw; or none"},
	{SEC(seccomp), CS | PF_LIST, EX_BADVALUE, T(NBOOL, seccomp_off), .help = "syscall filter (default deny-list): yes|no",
	 .form = BOOL_FORM},
	{SEC(seccomp_allow), CS | PF_REPEAT, EX_BADVALUE, T(FIXMERGE, seccomp_allow),
	 .max = sizeof(((struct ct_config *)0)->seccomp_allow), .norm = sec_norm_allow,
	 .help = "take NAME[,...] off the deny-list|none",
	 .form = "system call names such as perf_event_open,bpf (comma separated), or none"},
	{SEC(seccomp_deny), CS | PF_REPEAT, EX_BADVALUE, T(FIXMERGE, seccomp_deny),
	 .max = sizeof(((struct ct_config *)0)->seccomp_deny), .norm = sec_norm_deny,
	 .help = "also deny NAME[:ERRNO][,...]|none",
	 .form = "system call names with an optional errno such as mount,unshare:EPERM or ptrace:1 (comma separated), "
		 "or none"},
	{SEC(no_new_privs), CS | PF_LIST, EX_BADVALUE, T(BOOL, no_new_privs),
	 .help = "no_new_privs for init and exec: yes|no", .form = BOOL_FORM},
	{CONTAINER(lxcfs), CS, EX_BADVALUE, T(NBOOL, lxcfs_off),
	 .help = "lxcfs's /proc files over the container's own, when lxcfs runs (default yes): yes|no", .form = BOOL_FORM},
	{CONTAINER(sysinfo), CS, EX_BADVALUE, T(NBOOL, sysinfo_off),
	 .help = "sysinfo(2) answered from the container's cgroup (default yes): yes|no", .form = BOOL_FORM},
	{SEC(nesting), CS | PF_LIST, EX_BADVALUE, T(BOOL, nesting),
	 .help = "unlocked /proc masks, for nested containers: yes|no", .form = BOOL_FORM},
	{NET(nameserver), CS | PF_LIVE | PF_JOIN | PF_LIST, EX_BADDNS, T(WORDS, nameserver), .ok = ok_ns,
	 .help = "DNS servers: A [A...]|inherit",
	 .form = "IPv4 or IPv6 addresses such as 10.0.0.53 or 2001:db8::53, space separated, or inherit"},
	{NET(searchdomain), CS | PF_LIVE | PF_JOIN | PF_LIST, EX_BADSEARCH, T(WORDS, searchdomain),
	 .ok = param_valid_hostname, .help = "DNS search domains: D [D...]|inherit",
	 .form = "domain names such as example.com, space separated, or inherit"},
	{IF(ipadd), "ipadd", CS | PF_LIVE | PF_REPEAT, EX_BADIP, .fn_apply = netif_ap_ipadd, .fn_print = netif_pr_ipadd,
	 .help = "add A[/prefix]: to venet0 (routed) or the first interface (ipadd_mode)",
	 .form = CIDR_FORM "; at most " STR(MAX_IPS) " per interface"},
	{"venet_ipadd", "venet", "ipadd", CS | PF_LIVE | PF_REPEAT, EX_BADIP, .fn_apply = venet_ap_ipadd,
	 .fn_print = venet_pr_ipadd, .help = "add A to the routed interface venet0",
	 .form = VENET_FORM "; at most " STR(MAX_IPS)},
	{"venet_rate_in", "venet", "rate_in", CS | PF_LIVE, EX_BADVALUE, .fn_apply = venet_ap_rate_in,
	 .fn_print = venet_pr_rate_in, .help = "bandwidth to the routed venet0 (its download): bits/s, 0 = none",
	 .form = RATE_FORM},
	{"venet_rate_out", "venet", "rate_out", CS | PF_LIVE, EX_BADVALUE, .fn_apply = venet_ap_rate_out,
	 .fn_print = venet_pr_rate_out, .help = "bandwidth from the routed venet0 (its upload): bits/s, 0 = none",
	 .form = RATE_FORM},
	{"venet_ipdel", NETIF_SECTION, NULL, PF_SET | PF_LIVE | PF_REPEAT, EX_BADIP, .fn_apply = venet_ap_ipdel,
	 .help = "remove A or all from the routed interface venet0", .form = VENET_FORM ", or all"},
	{IF(ipdel), NULL, PF_SET | PF_LIVE | PF_REPEAT, EX_BADIP, .fn_apply = netif_ap_ipdel,
	 .help = "remove A[/prefix] or all", .form = CIDR_FORM " (without /prefix: any prefix), or all"},
	{"ip", NULL, NULL, PF_LIST, EX_BADIP, .fn_print = netif_pr_ip, .help = "addresses of all interfaces",
	 COL("IP_ADDR", -15, false)},
	{IF(netif_add), NULL, CS | PF_LIVE | PF_REPEAT, EX_BADVALUE, .fn_apply = netif_ap_add, .fn_print = netif_pr_names,
	 .help = "add ifname[,mac,host_ifname,host_mac,bridge]",
	 .form = "ifname[,mac,host_ifname,host_mac,bridge] such as eth1 or eth1,02:1a:2b:3c:4d:5e,,,br1: new interface "
		 "names, unicast MAC addresses; at most " STR(MAX_NETIF) " interfaces"},
	{IF(netif_del), NULL, PF_SET | PF_LIVE | PF_REPEAT, EX_BADVALUE, .fn_apply = netif_ap_del,
	 .help = "remove ifname|all", .form = "the name of an interface of the container, or all"},
	{"bindmount", BIND_SECTION, NULL, CS | PF_LIVE | PF_REPEAT | PF_LIST, EX_BADVALUE, .fn_apply = bind_ap_add,
	 .fn_print = bind_pr_all, .help = "bind HOSTDIR:GUESTDIR[:ro|rw][,propagation=private|slave|shared][,idmap]",
	 .form = BIND_FORM, COL("BINDMOUNT", -30, false)},
	{"bindmount_del", BIND_SECTION, NULL, PF_SET | PF_LIVE | PF_REPEAT, EX_BADVALUE, .fn_apply = bind_ap_del,
	 .help = "remove the bind mount at GUESTDIR|all",
	 .form = "the guest directory of one of the container's bind mounts, or all"},
	{CONTAINER(listen), CS | PF_REPEAT | PF_LIST, EX_BADVALUE, .fn_apply = sockspec_ap_add, .fn_print = sockspec_pr,
	 .help = "host sockets passed to init: tcp:ADDR:PORT|tcp:[ADDR6]:PORT|unix:/PATH[=NAME]", COL("LISTEN", -24, false),
	 .form = LISTEN_FORM},
	{CONTAINER(onconnect), CS | PF_LIVE | PF_LIST, EX_BADVALUE, T(BOOL, onconnect),
	 .help = "stopped, its listen sockets are held and the first connection starts it: yes|no",
	 COL("ONCONNECT", -9, false), .form = BOOL_FORM},
	{CONTAINER(idle_stop), CS, EX_BADVALUE, T(UINT, idle_stop), RANGE(0, 7 * 86400), .tflags = PT_BLANK0,
	 .help = "stop after SECONDS without a connection on the listen sockets (0: never)",
	 .form = "seconds from 0 to 604800 (0 removes the key)"},
	{"listen_del", "container", "listen", PF_SET | PF_REPEAT | PF_DEL, EX_BADVALUE, .fn_apply = sockspec_ap_del,
	 .fn_print = sockspec_pr, .help = "remove the socket at an endpoint of --listen|all",
	 .form = "an endpoint of the container's listen list (tcp:ADDR:PORT, tcp:[ADDR6]:PORT, unix:/PATH), or all"},
};

const struct param *param_table(unsigned *n)
{
	*n = ARRAY_SIZE(params);
	return params;
}

const struct param *param_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const char *a = params[i].name, *b = name;
		/* '-' and '_' are the same: stop-timeout, netif-add */
		while (*a && *b && (*a == *b || ((*a == '_' || *a == '-') && (*b == '_' || *b == '-')))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return &params[i];
	}
	return NULL;
}

const char *param_form(const struct param *p) { return p->form ? p->form : p->help; }

/* ---- the doc side ---- */

static bool can_apply(const struct param *p) { return p->type != PT_FUNC || p->fn_apply; }

int param_set(struct ct_config *c, const struct param *p, const char *value)
{
	if (!can_apply(p))
		return cerr(EX_BADSYNTAX, 0, "parameter %s cannot be set", p->name);
	if (!value)
		value = "";
	_cleanup_free_ char *v = strtrim(xstrdup(value));
	int r = param_apply(p, c, v);
	if (r < 0) {
		char w[512], e[256];
		/* a bare --ipadd in routed mode (ipadd_mode) takes the routed interface's form */
		const char *form = p->fn_apply == netif_ap_ipadd && !c->ipadd_bridged ? VENET_FORM : param_form(p);
		return cerr(p->bad_exit, 0, "invalid value for --%s: '%s'%s", p->name, str_escape_buf(value, e, sizeof(e)),
			    params_why(r, form, w, sizeof(w)));
	}
	if (p->flags & PF_NOSAVE)
		return 0;
	if (!c->doc)
		c->doc = ini_new();
	if (p->section && !strcmp(p->section, NETIF_SECTION)) {
		netif_sync(c);
		return 0;
	}
	if (p->section && !strcmp(p->section, BIND_SECTION)) {
		bind_sync(c);
		return 0;
	}
	char buf[4096];
	if (!p->section || !p->key || !param_print(p, c, buf, sizeof(buf)))
		return 0;
	/* what set --save writes must read back: one line, quotable */
	if (!ini_value_ok(p->key, buf)) {
		if (strlen(buf) + strlen(p->key) + 3 > INI_LINE_MAX)
			return cerr(p->bad_exit, 0, "invalid value for --%s: it does not fit on one config line (%d bytes)",
				    p->name, INI_LINE_MAX);
		return cerr(p->bad_exit, 0, "invalid value for --%s: '%s' cannot be quoted in the config (both quote "
			    "characters)", p->name, value);
	}
	if (buf[0])
		ini_set(c->doc, p->section, p->key, buf);
	else
		ini_unset(c->doc, p->section, p->key);
	return 0;
}

/* The parameters a config file sets, by "section:key" in lower case (iniparser's form): built once
 * per process, so that reading a config looks up each of its keys once instead of asking the
 * parse for every parameter in turn (1,000 configs: list -a). */
struct param_key {
	char sk[64];
	unsigned idx;
};
static struct param_key pkeys[ARRAY_SIZE(params)];
static size_t npkeys;

static bool loadable(const struct param *p)
{
	return can_apply(p) && p->section && p->key && !(p->flags & PF_DEL) && strcmp(p->section, NETIF_SECTION) &&
	       strcmp(p->section, BIND_SECTION);
}

static int pkey_cmp(const void *a, const void *b)
{
	const struct param_key *x = a, *y = b;
	int r = strcmp(x->sk, y->sk);
	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static void pkeys_build(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const struct param *p = &params[i];
		if (!loadable(p))
			continue;
		struct param_key *k = &pkeys[npkeys++];
		int n = snprintf(k->sk, sizeof(k->sk), "%s:%s", p->section, p->key);
		if (n < 0 || (size_t)n >= sizeof(k->sk))
			abort(); /* a table entry that does not fit: a build mistake */
		for (char *q = k->sk; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		k->idx = (unsigned)i;
	}
	qsort(pkeys, npkeys, sizeof(*pkeys), pkey_cmp);
}

static void pkey_found(const char *sk, const char *value, void *arg)
{
	const char **vals = arg;
	size_t lo = 0, hi = npkeys;
	while (lo < hi) { /* the first entry not below sk */
		size_t mid = (lo + hi) / 2;
		if (strcmp(pkeys[mid].sk, sk) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < npkeys && !strcmp(pkeys[lo].sk, sk); lo++)
		vals[pkeys[lo].idx] = value;
}

int param_load(struct ct_config *c, const struct conf_text *t, const char *name)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, pkeys_build);
	const char *vals[ARRAY_SIZE(params)] = {0};
	conf_each(t, pkey_found, vals);
	/* in the table's order, as before: a parameter may read what an earlier one stored */
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const char *v = vals[i];
		if (!v || !*v)
			continue;
		const struct param *p = &params[i];
		int r = param_apply(p, c, v);
		if (r < 0)
			return params_bad_key(name, p->bad_exit, p->section, p->key, v, r, param_form(p));
	}
	const char *sec;
	for (size_t i = 0; ini_section_at(t->doc, i, &sec) == 0; i++) {
		if (strncasecmp(sec, "netif.", 6))
			continue;
		int r = netif_load(c, t, name, sec);
		if (r < 0)
			return r;
	}
	return bind_load(c, t, name);
}
