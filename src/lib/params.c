/* The one table of container parameters: names, INI places, value syntax (vzctl's), printing. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "secfilter.h"
#include "util.h"

#define NETIF_SECTION "netif" /* marker: the value lives in the [netif.X] sections */

/* ---- validators ---- */

static bool valid_addr(const char *s, int *family)
{
	unsigned char buf[16];
	if (inet_pton(AF_INET, s, buf) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

bool param_valid_cidr(const char *s)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, s, n);
	addr[n] = 0;
	int fam;
	unsigned pfx;
	if (!valid_addr(addr, &fam))
		return false;
	return !slash || parse_uint(slash + 1, 0, fam == AF_INET ? 32 : 128, &pfx) == 0;
}

bool param_valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	const char *label = s;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == 0) {
			size_t ln = (size_t)(p - label);
			if (ln == 0 || ln > 63 || label[0] == '-' || p[-1] == '-')
				return false;
			if (!*p)
				return true;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return false;
		}
	}
}

static bool valid_name_chars(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* the same rule start applies: six hex pairs, unicast, not all zero */
static bool valid_mac(const char *s) { return net_valid_mac(s); }

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

/* Split on commas and white space into a NULL-terminated vector (tokens in one buffer). */
static char **split_list(const char *v, char **store, size_t *n)
{
	char *s = *store = xstrdup(v);
	size_t cap = 8, cnt = 0;
	char **out = xmalloc(cap * sizeof(*out));
	for (char *tok = strtok(s, ", \t\n"); tok; tok = strtok(NULL, ", \t\n")) {
		if (cnt + 1 >= cap) {
			cap *= 2;
			out = xrealloc(out, cap * sizeof(*out));
		}
		out[cnt++] = tok;
	}
	out[cnt] = NULL;
	*n = cnt;
	return out;
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
		oldv = split_list(old, &store, &on);
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

/* ---- [container] ---- */

#define STR_PARAM(fld, check)                                                                      \
	static int ap_##fld(struct ct_config *c, const char *v)                                    \
	{                                                                                          \
		if (!(check))                                                                      \
			return -EINVAL;                                                            \
		set_str(&c->fld, v);                                                               \
		return 0;                                                                          \
	}                                                                                          \
	static void pr_##fld(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->fld, buf, len); }

#define BOOL_PARAM(fld)                                                                            \
	static int ap_##fld(struct ct_config *c, const char *v) { return parse_bool(v, &c->fld); }   \
	static void pr_##fld(const struct ct_config *c, char *buf, unsigned len)                   \
	{                                                                                          \
		snprintf(buf, len, "%s", c->fld ? "yes" : "no");                                   \
	}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

STR_PARAM(hostname, param_valid_hostname(v))
STR_PARAM(ostemplate, valid_name_chars(v, "._-+") && v[0] != '.')
STR_PARAM(uuid, valid_uuid(v))
STR_PARAM(name, !*v || (valid_name_chars(v, "._-+@") && !all_digits(v)))
STR_PARAM(description, !strpbrk(v, "\n\r"))
STR_PARAM(origin_sample, valid_name_chars(v, "._-") && v[0] != '.')
BOOL_PARAM(onboot)
BOOL_PARAM(disabled)
BOOL_PARAM(userns)

static int ap_bootorder(struct ct_config *c, const char *v)
{
	unsigned x;
	int r = parse_uint(v, 0, INT32_MAX, &x);
	if (r == 0)
		c->bootorder = (int)x;
	return r;
}
static void pr_bootorder(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->bootorder)
		snprintf(buf, len, "%d", c->bootorder);
	else
		buf[0] = 0;
}

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

static int ap_stop_timeout(struct ct_config *c, const char *v)
{
	return parse_uint(v, 1, 7 * 86400, &c->stop_timeout);
}
static void pr_stop_timeout(const struct ct_config *c, char *buf, unsigned len)
{
	snprintf(buf, len, "%u", c->stop_timeout);
}

/* ---- [resources] ---- */

static int ap_ram(struct ct_config *c, const char *v)
{
	uint64_t x;
	int r = parse_size(v, 1, &x);
	if (r < 0)
		return r;
	if (x < 1024 * 1024) /* under 1M cannot boot anything: a typo */
		return -ERANGE;
	c->ram = x;
	return 0;
}
static void pr_ram(const struct ct_config *c, char *buf, unsigned len) { pr_size(c->ram, buf, len); }

static int ap_swap(struct ct_config *c, const char *v) { return parse_size(v, 1, &c->swap); }
static void pr_swap(const struct ct_config *c, char *buf, unsigned len) { pr_size(c->swap, buf, len); }

static int ap_cpuunits(struct ct_config *c, const char *v) { return parse_uint(v, 8, 500000, &c->cpuunits); }
static void pr_cpuunits(const struct ct_config *c, char *buf, unsigned len)
{
	snprintf(buf, len, "%u", c->cpuunits);
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

static int ap_cpus(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "unlimited")) {
		c->cpus = 0;
		return 0;
	}
	return parse_uint(v, 1, 1024, &c->cpus);
}
static void pr_cpus(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->cpus)
		snprintf(buf, len, "%u", c->cpus);
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

static int ap_ioprio(struct ct_config *c, const char *v)
{
	unsigned x;
	int r = parse_uint(v, 0, 7, &x);
	if (r == 0)
		c->ioprio = (int)x;
	return r;
}
static void pr_ioprio(const struct ct_config *c, char *buf, unsigned len) { snprintf(buf, len, "%d", c->ioprio); }

static int ap_iolimit(struct ct_config *c, const char *v)
{
	uint64_t x;
	int r = parse_size(v, 1024 * 1024, &x); /* bare number: MB/s, as vzctl */
	if (r < 0)
		return r;
	c->iolimit = x == SIZE_UNLIMITED ? 0 : x;
	return 0;
}
static void pr_iolimit(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->iolimit)
		pr_size(c->iolimit, buf, len);
	else
		buf[0] = 0;
}

static int ap_iopslimit(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "unlimited")) {
		c->iopslimit = 0;
		return 0;
	}
	return parse_uint(v, 0, UINT32_MAX, &c->iopslimit);
}
static void pr_iopslimit(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->iopslimit)
		snprintf(buf, len, "%u", c->iopslimit);
	else
		buf[0] = 0;
}

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

static int ap_diskspace(struct ct_config *c, const char *v)
{
	uint64_t s, h;
	int r = parse_pair(v, 1024, true, &s, &h); /* bare number: KB, as vzctl */
	if (r < 0)
		return r;
	if (s > h)
		return -ERANGE;
	c->diskspace_soft = s;
	c->diskspace_hard = h;
	return 0;
}
static void pr_diskspace(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->diskspace_soft == SIZE_UNLIMITED && c->diskspace_hard == SIZE_UNLIMITED) {
		buf[0] = 0;
		return;
	}
	char a[32], b[32];
	pr_size(c->diskspace_soft, a, sizeof(a));
	pr_size(c->diskspace_hard, b, sizeof(b));
	if (c->diskspace_soft == c->diskspace_hard)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s:%s", a, b);
}

static int ap_diskinodes(struct ct_config *c, const char *v)
{
	uint64_t s, h;
	int r = parse_pair(v, 1, false, &s, &h);
	if (r < 0)
		return r;
	if (s > h)
		return -ERANGE;
	c->diskinodes_soft = s;
	c->diskinodes_hard = h;
	return 0;
}
static void pr_diskinodes(const struct ct_config *c, char *buf, unsigned len)
{
	if (c->diskinodes_soft == SIZE_UNLIMITED && c->diskinodes_hard == SIZE_UNLIMITED) {
		buf[0] = 0;
		return;
	}
	char a[32], b[32];
	pr_count(c->diskinodes_soft, a, sizeof(a));
	pr_count(c->diskinodes_hard, b, sizeof(b));
	if (c->diskinodes_soft == c->diskinodes_hard)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s:%s", a, b);
}

/* ---- [security] ---- */

/* Validate every entry of v with norm (which returns a normalized malloc'd entry or NULL), then
 * merge them into *dst. Nothing is stored unless all entries are valid. */
static int merge_entries(char **dst, const char *v, const char *sep, char *(*norm)(const char *))
{
	_cleanup_free_ char *store = NULL;
	size_t n;
	_cleanup_free_ char **tok = split_list(v, &store, &n);
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

static int ap_capability(struct ct_config *c, const char *v) { return merge_entries(&c->capability, v, ",", norm_cap); }
static void pr_capability(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->capability, buf, len); }
static int ap_devices(struct ct_config *c, const char *v) { return merge_entries(&c->devices, v, " ", norm_dev); }
static void pr_devices(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->devices, buf, len); }
static int ap_devnodes(struct ct_config *c, const char *v) { return merge_entries(&c->devnodes, v, " ", norm_devnode); }
static void pr_devnodes(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->devnodes, buf, len); }

/* the syscall filter (secfilter.c) */
static int ap_seccomp(struct ct_config *c, const char *v)
{
	bool on;
	if (parse_bool(v, &on) < 0)
		return -EINVAL;
	c->seccomp_off = !on;
	return 0;
}
static void pr_seccomp(const struct ct_config *c, char *buf, unsigned len) { snprintf(buf, len, "%s", c->seccomp_off ? "no" : "yes"); }
BOOL_PARAM(no_new_privs)
BOOL_PARAM(nesting)

/* Merge entries into a comma list in a fixed buffer: each is validated by norm; one with the
 * same name (the part before ':') as a stored one replaces it; "none" clears the list. Nothing
 * is stored unless all entries are valid and the result fits. */
static int merge_fixed(char *dst, size_t size, const char *v, char *(*norm)(const char *))
{
	_cleanup_free_ char *store = NULL, *ostore = NULL;
	size_t n, on;
	_cleanup_free_ char **tok = split_list(v, &store, &n);
	if (n == 0)
		return -EINVAL;
	if (n == 1 && !strcasecmp(tok[0], "none")) {
		dst[0] = 0;
		return 0;
	}
	_cleanup_free_ char **old = split_list(dst, &ostore, &on);
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
static int ap_seccomp_allow(struct ct_config *c, const char *v)
{
	return merge_fixed(c->seccomp_allow, sizeof(c->seccomp_allow), v, sec_norm_allow);
}
static void pr_seccomp_allow(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->seccomp_allow, buf, len); }
static int ap_seccomp_deny(struct ct_config *c, const char *v)
{
	return merge_fixed(c->seccomp_deny, sizeof(c->seccomp_deny), v, sec_norm_deny);
}
static void pr_seccomp_deny(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->seccomp_deny, buf, len); }

/* ---- [network] ---- */

/* A space-separated list (or "inherit"), each item checked. */
static int set_list(char **dst, const char *v, bool (*ok)(const char *))
{
	_cleanup_free_ char *store = NULL;
	size_t n;
	_cleanup_free_ char **tok = split_list(v, &store, &n);
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
	return valid_addr(s, &fam);
}

static int ap_nameserver(struct ct_config *c, const char *v) { return set_list(&c->nameserver, v, ok_ns); }
static void pr_nameserver(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->nameserver, buf, len); }
static int ap_searchdomain(struct ct_config *c, const char *v)
{
	return set_list(&c->searchdomain, v, param_valid_hostname);
}
static void pr_searchdomain(const struct ct_config *c, char *buf, unsigned len) { pr_str(c->searchdomain, buf, len); }

/* ---- interfaces ---- */

static struct ct_netif *netif_find(struct ct_config *c, const char *ifname)
{
	for (unsigned i = 0; i < c->nnetif; i++)
		if (!strcasecmp(c->netif[i].ifname, ifname))
			return &c->netif[i];
	return NULL;
}

static void netif_clear(struct ct_netif *n)
{
	for (unsigned j = 0; j < n->nips; j++)
		free(n->ips[j]);
	memset(n, 0, sizeof(*n));
}

/* Add addresses (all validated first) to n; duplicates are skipped. */
static int netif_add_ips(struct ct_netif *n, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = split_list(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	unsigned total = n->nips;
	for (size_t i = 0; i < cnt; i++) {
		if (!param_valid_cidr(tok[i]))
			return -EINVAL;
		total++;
	}
	if (total > MAX_IPS)
		return -ERANGE;
	/* the list is one config line, "ipadd = A B ..." */
	size_t len = strlen("ipadd = ");
	for (unsigned j = 0; j < n->nips; j++)
		len += strlen(n->ips[j]) + 1;
	for (size_t i = 0; i < cnt; i++)
		len += strlen(tok[i]) + 1;
	if (len > INI_LINE_MAX)
		return -ERANGE;
	for (size_t i = 0; i < cnt; i++) {
		bool dup = false;
		for (unsigned j = 0; j < n->nips && !dup; j++)
			dup = !strcmp(n->ips[j], tok[i]);
		if (!dup)
			n->ips[n->nips++] = xstrdup(tok[i]);
	}
	return 0;
}

static struct ct_netif *netif_new(struct ct_config *c, const char *ifname)
{
	if (c->nnetif >= MAX_NETIF)
		return NULL;
	struct ct_netif *n = &c->netif[c->nnetif++];
	memset(n, 0, sizeof(*n));
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	return n;
}

static int ap_ipadd(struct ct_config *c, const char *v)
{
	/* vzctl --ipadd: the first interface, eth0 when there is none yet */
	bool created = c->nnetif == 0;
	if (created && !netif_new(c, "eth0"))
		return -ERANGE;
	int r = netif_add_ips(&c->netif[0], v);
	if (r < 0 && created)
		netif_clear(&c->netif[--c->nnetif]);
	return r;
}

static int ap_ipdel(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *store = NULL;
	size_t cnt;
	_cleanup_free_ char **tok = split_list(v, &store, &cnt);
	if (cnt == 0)
		return -EINVAL;
	for (size_t i = 0; i < cnt; i++)
		if (strcasecmp(tok[i], "all") && !param_valid_cidr(tok[i]))
			return -EINVAL;
	for (size_t i = 0; i < cnt; i++) {
		bool all = !strcasecmp(tok[i], "all");
		size_t al = strcspn(tok[i], "/");
		for (unsigned k = 0; k < c->nnetif; k++) {
			struct ct_netif *n = &c->netif[k];
			for (unsigned j = 0; j < n->nips;) {
				/* "A" removes A with any prefix; "A/P" only that one */
				bool m = all || !strcmp(n->ips[j], tok[i]) ||
					 (!tok[i][al] && !strncmp(n->ips[j], tok[i], al) &&
					  (n->ips[j][al] == '/' || !n->ips[j][al]));
				if (!m) {
					j++;
					continue;
				}
				free(n->ips[j]);
				memmove(&n->ips[j], &n->ips[j + 1], (n->nips - j - 1) * sizeof(char *));
				n->nips--;
			}
		}
	}
	return 0;
}

static void pr_ips(const struct ct_config *c, char *buf, unsigned len, bool prefix)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->nnetif; k++)
		for (unsigned j = 0; j < c->netif[k].nips; j++) {
			const char *ip = c->netif[k].ips[j];
			int n = (int)(prefix ? strlen(ip) : strcspn(ip, "/"));
			if (off + (size_t)n + 2 > len)
				return;
			off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? " " : "", n, ip);
		}
}
static void pr_ipadd(const struct ct_config *c, char *buf, unsigned len) { pr_ips(c, buf, len, true); }
static void pr_ip(const struct ct_config *c, char *buf, unsigned len) { pr_ips(c, buf, len, false); }

/* "ifname[,mac,host_ifname,host_mac,bridge]" */
static int ap_netif_add(struct ct_config *c, const char *v)
{
	_cleanup_free_ char *s = xstrdup(v);
	char *f[5] = {NULL};
	int n = 0;
	for (char *p = s, *q; n < 5; p = q + 1) {
		f[n++] = strtrim(p);
		if (!(q = strchr(p, ',')))
			break;
		*q = 0;
	}
	if (n == 5 && strchr(f[4], ','))
		return -EINVAL;
	if (!net_valid_ifname(f[0]) || netif_find(c, f[0]))
		return -EINVAL;
	if ((f[1] && *f[1] && !valid_mac(f[1])) || (f[2] && *f[2] && !net_valid_ifname(f[2])) ||
	    (f[3] && *f[3] && !valid_mac(f[3])) || (f[4] && *f[4] && !net_valid_ifname(f[4])))
		return -EINVAL;
	struct ct_netif *ni = netif_new(c, f[0]);
	if (!ni)
		return -ERANGE;
	if (f[1])
		snprintf(ni->mac, sizeof(ni->mac), "%s", f[1]);
	if (f[2])
		snprintf(ni->host_ifname, sizeof(ni->host_ifname), "%s", f[2]);
	if (f[3])
		snprintf(ni->host_mac, sizeof(ni->host_mac), "%s", f[3]);
	if (f[4])
		snprintf(ni->bridge, sizeof(ni->bridge), "%s", f[4]);
	return 0;
}

static int ap_netif_del(struct ct_config *c, const char *v)
{
	if (!strcasecmp(v, "all")) {
		for (unsigned i = 0; i < c->nnetif; i++)
			netif_clear(&c->netif[i]);
		c->nnetif = 0;
		return 0;
	}
	struct ct_netif *n = netif_find(c, v);
	if (!n)
		return -ENOENT;
	unsigned i = (unsigned)(n - c->netif);
	netif_clear(n);
	memmove(&c->netif[i], &c->netif[i + 1], (c->nnetif - i - 1) * sizeof(*n));
	c->nnetif--;
	memset(&c->netif[c->nnetif], 0, sizeof(*n));
	return 0;
}
static void pr_netif(const struct ct_config *c, char *buf, unsigned len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->nnetif && off + 17 < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", c->netif[k].ifname);
}

/* ---- the table ---- */

#define P(n, s, k, f, x, h) {#n, s, k, f, x, ap_##n, pr_##n, h}
#define CS (PF_CREATE | PF_SET)
static const struct param params[] = {
	P(hostname, "container", "hostname", CS | PF_LIVE | PF_LIST, EX_BADHOSTNAME, "host name inside the container"),
	P(ostemplate, "container", "ostemplate", PF_CREATE | PF_LIST, EX_BADVALUE, "OS template the private area came from"),
	P(uuid, "container", "uuid", PF_LIST, EX_BADVALUE, "container UUID (set at create)"),
	P(name, "container", "name", CS | PF_LIST, EX_BADVALUE, "a name that may replace the CTID"),
	P(description, "container", "description", CS | PF_LIST, EX_BADVALUE, "free text"),
	P(origin_sample, "container", "origin_sample", PF_LIST, EX_BADVALUE, "config sample used at create"),
	P(onboot, "container", "onboot", CS | PF_LIST, EX_BADVALUE, "start at host boot: yes|no"),
	P(disabled, "container", "disabled", CS | PF_LIST, EX_BADVALUE, "refuse to start: yes|no"),
	P(bootorder, "container", "bootorder", CS | PF_LIST, EX_BADVALUE, "boot order, higher starts first"),
	P(userns, "container", "userns", PF_CREATE | PF_LIST, EX_BADVALUE, "run in a user namespace: yes|no"),
	P(uid_base, "container", "uid_base", PF_LIST, EX_BADVALUE, "first host uid/gid of the id block"),
	P(stop_timeout, "container", "stop_timeout", CS | PF_LIST, EX_BADVALUE, "seconds to wait for a clean stop"),
	P(ram, "resources", "ram", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "memory limit: N[KMGT]|unlimited"),
	P(swap, "resources", "swap", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "swap limit: N[KMGT]|unlimited"),
	P(cpuunits, "resources", "cpuunits", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "CPU weight 8..500000 (default 1000)"),
	P(cpulimit, "resources", "cpulimit", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "N: percent of one CPU; N%: percent of the host"),
	P(cpus, "resources", "cpus", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "number of CPUs 1..1024"),
	P(cpumask, "resources", "cpumask", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "CPUs to run on: 0-2,7|all"),
	P(ioprio, "resources", "ioprio", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "I/O priority 0..7 (default 4)"),
	P(iolimit, "resources", "iolimit", CS | PF_LIVE | PF_LIST, EX_IOLIMIT, "I/O bandwidth: N[BKMG] (bare: MB/s)"),
	P(iopslimit, "resources", "iopslimit", CS | PF_LIVE | PF_LIST, EX_IOLIMIT, "I/O operations per second"),
	P(numproc, "resources", "numproc", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "process limit: N[:N]|unlimited"),
	P(diskspace, "resources", "diskspace", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "disk quota: soft[:hard] (bare: KB)"),
	P(diskinodes, "resources", "diskinodes", CS | PF_LIVE | PF_LIST, EX_BADVALUE, "inode quota: soft[:hard]"),
	P(capability, "security", "capability", CS | PF_REPEAT, EX_BADVALUE, "name:on|off[,...]"),
	P(devices, "security", "devices", CS | PF_LIVE | PF_REPEAT, EX_DEVICES, "b|c:major:minor|all:[r][w][m]|none"),
	P(devnodes, "security", "devnodes", CS | PF_LIVE | PF_REPEAT, EX_DEVICES, "name:[r][w][q]|none"),
	P(seccomp, "security", "seccomp", CS | PF_LIST, EX_BADVALUE, "syscall filter (default deny-list): yes|no"),
	P(seccomp_allow, "security", "seccomp_allow", CS | PF_REPEAT, EX_BADVALUE, "take NAME[,...] off the deny-list|none"),
	P(seccomp_deny, "security", "seccomp_deny", CS | PF_REPEAT, EX_BADVALUE, "also deny NAME[:ERRNO][,...]|none"),
	P(no_new_privs, "security", "no_new_privs", CS | PF_LIST, EX_BADVALUE, "no_new_privs for init and exec: yes|no"),
	P(nesting, "security", "nesting", CS | PF_LIST, EX_BADVALUE, "unlocked /proc masks, for nested containers: yes|no"),
	P(nameserver, "network", "nameserver", CS | PF_JOIN | PF_LIST, EX_BADDNS, "DNS servers: A [A...]|inherit"),
	P(searchdomain, "network", "searchdomain", CS | PF_JOIN | PF_LIST, EX_BADSEARCH, "DNS search domains: D [D...]|inherit"),
	P(ipadd, NETIF_SECTION, "ipadd", CS | PF_REPEAT, EX_BADIP, "add A[/prefix] to the first interface"),
	{"ipdel", NETIF_SECTION, NULL, PF_SET | PF_REPEAT, EX_BADIP, ap_ipdel, NULL, "remove A[/prefix] or all"},
	{"ip", NULL, NULL, PF_LIST, EX_BADIP, NULL, pr_ip, "addresses of all interfaces"},
	{"netif_add", NETIF_SECTION, NULL, CS | PF_REPEAT, EX_BADVALUE, ap_netif_add, pr_netif,
	 "add ifname[,mac,host_ifname,host_mac,bridge]"},
	{"netif_del", NETIF_SECTION, NULL, PF_SET | PF_REPEAT, EX_BADVALUE, ap_netif_del, NULL, "remove ifname|all"},
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

/* ---- the accepted forms, for error messages ---- */

#define STR_(x) #x
#define STR(x) STR_(x)
#define SIZE_SUFFIXES "K M G T are powers of 1024, P counts 4 KiB pages, B bytes"
#define BOOL_FORM "yes or no (also on/off, true/false, 1/0)"
#define IFNAME_FORM "an interface name of 1 to 15 characters without /, :, comma or white space"
#define MAC_FORM "a unicast MAC address such as 02:1a:2b:3c:4d:5e"
#define CIDR_FORM "an IPv4 or IPv6 address with an optional /prefix, such as 10.77.0.101/24 or fd00::65/64"

/* What each parameter accepts, in words and examples: an invalid value's message names it. */
static const struct {
	const char *name, *form;
} forms[] = {
	{"hostname", "a host name: labels of letters, digits and hyphens, at most 63 each, joined by dots, "
		     "at most 253 in all, such as web1.example.com"},
	{"ostemplate", "a template name of letters, digits and . _ - +, not starting with a dot, such as debian-12"},
	{"uuid", "a UUID such as 3f1e0b2a-9c4d-4e5f-8a6b-7c8d9e0f1a2b"},
	{"name", "letters, digits and . _ - + @, not only digits, such as web1 (empty removes the name)"},
	{"description", "one line of text"},
	{"origin_sample", "a sample name of letters, digits and . _ -, such as vswap-1g"},
	{"onboot", BOOL_FORM},
	{"disabled", BOOL_FORM},
	{"userns", BOOL_FORM},
	{"bootorder", "a number from 0 to 2147483647 (higher starts first)"},
	{"uid_base", "a host user ID from 0 to 4294967295 that leaves room for the ID block above it"},
	{"stop_timeout", "seconds from 1 to 604800, such as 120"},
	{"ram", "a size of at least 1M such as 512M, 12G or 1048576K (" SIZE_SUFFIXES "), or unlimited"},
	{"swap", "a size such as 0, 512M or 2G (" SIZE_SUFFIXES "), or unlimited"},
	{"cpuunits", "a number from 8 to 500000 (default 1000)"},
	{"cpulimit", "a percentage of one CPU from 1 to 102400 such as 50 or 200 (two CPUs), a percentage of "
		     "the whole host from 1% to 100% such as 25%, or unlimited"},
	{"cpus", "a number of CPUs from 1 to 1024, or unlimited"},
	{"cpumask", "CPU numbers and ranges from 0 to 8191 such as 0-2,7 (each range ascending), or all"},
	{"ioprio", "a number from 0 to 7 (default 4)"},
	{"iolimit", "bytes per second such as 10M or 512K (suffixes B K M G T; a bare number is MB/s), "
		    "0 or unlimited"},
	{"iopslimit", "operations per second such as 500, 0 or unlimited"},
	{"numproc", "a number of processes such as 256, or barrier:limit such as 200:256 (the limit applies, "
		    "not 0), or unlimited"},
	{"diskspace", "soft[:hard] sizes such as 10G or 9G:10G (K M G T are powers of 1024, a bare number "
		      "is KB), soft not above hard, or unlimited"},
	{"diskinodes", "soft[:hard] inode counts such as 200000 or 180000:200000, soft not above hard, "
		       "or unlimited"},
	{"capability", "name:on or name:off, comma separated, with Linux capability names with or without "
		       "cap_, such as net_admin:on,sys_time:off"},
	{"devices", "rules b|c:MAJOR:MINOR:PERMS or all:PERMS, MAJOR and MINOR numbers or *, PERMS of r w m "
		    "or none, such as c:10:200:rw; or none"},
	{"devnodes", "NAME:PERMS with NAME a device below /dev and PERMS of r w q or none, such as net/tun:rw; "
		     "or none"},
	{"nameserver", "IPv4 or IPv6 addresses such as 10.0.0.53 or 2001:db8::53, space separated, or inherit"},
	{"searchdomain", "domain names such as example.com, space separated, or inherit"},
	{"ipadd", CIDR_FORM "; at most " STR(MAX_IPS) " per interface"},
	{"ipdel", CIDR_FORM " (without /prefix: any prefix), or all"},
	{"netif_add", "ifname[,mac,host_ifname,host_mac,bridge] such as eth1 or eth1,02:1a:2b:3c:4d:5e,,,br1: "
		      "new interface names, unicast MAC addresses; at most " STR(MAX_NETIF) " interfaces"},
	{"netif_del", "the name of an interface of the container, or all"},
	/* the per-interface options */
	{"mac", MAC_FORM},
	{"host_mac", MAC_FORM},
	{"host_ifname", IFNAME_FORM},
	{"bridge", IFNAME_FORM},
	{"gw", "an IPv4 address such as 10.77.0.1, or none"},
	{"gw6", "an IPv6 address such as fd00::1, or none"},
	{"mac_filter", BOOL_FORM},
	{"ip_filter", BOOL_FORM},
	{"seccomp", BOOL_FORM},
	{"seccomp_allow", "system call names such as perf_event_open,bpf (comma separated), or none"},
	{"seccomp_deny", "system call names with an optional errno such as mount,unshare:EPERM or ptrace:1 (comma "
			 "separated), or none"},
	{"no_new_privs", BOOL_FORM},
	{"nesting", BOOL_FORM},
};

static const char *form_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++)
		if (!strcmp(forms[i].name, name))
			return forms[i].form;
	return NULL;
}

const char *param_form(const struct param *p)
{
	const char *f = form_of(p->name);
	return f ? f : p->help;
}

/* What follows the quoted value for an apply function's error r: ": expected FORM", " is out of
 * range: expected FORM" or " not found: expected FORM". */
static const char *why(int r, const char *form, char *buf, size_t len)
{
	snprintf(buf, len, "%s: expected %s", r == -ERANGE ? " is out of range" : r == -ENOENT ? " not found" : "",
		 form ? form : "a value as in cellctl(8), PARAMETERS");
	return buf;
}

/* ---- per-interface options (--ifname IFNAME --mac ... --ipadd ...) ---- */

static const char *const netif_keys[] = {"mac", "host_ifname", "host_mac", "bridge", "ipadd", "ipdel", "gw", "gw6",
					 "mac_filter", "ip_filter"};

bool param_is_netif_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(netif_keys); i++)
		if (!strcmp(key, netif_keys[i]))
			return true;
	return false;
}

static void sync_netif(struct ct_config *c);

int param_netif_set(struct ct_config *c, const char *ifname, const char *key, const char *value)
{
	struct ct_netif *n = ifname ? netif_find(c, ifname) : (c->nnetif ? &c->netif[0] : NULL);
	if (!n)
		return cerr(EX_BADVALUE, 0, "no interface %s: add it first with --netif_add %s", ifname ? ifname : "eth0",
			    ifname ? ifname : "eth0");
	int fam, r = 0;
	bool is_ip = !strcmp(key, "ipadd") || !strcmp(key, "ipdel") || !strcmp(key, "gw") || !strcmp(key, "gw6");
	if (!strcmp(key, "mac") || !strcmp(key, "host_mac")) {
		if (!valid_mac(value))
			r = -EINVAL;
		else
			snprintf(!strcmp(key, "mac") ? n->mac : n->host_mac, sizeof(n->mac), "%s", value);
	} else if (!strcmp(key, "host_ifname") || !strcmp(key, "bridge")) {
		if (!net_valid_ifname(value))
			r = -EINVAL;
		else
			snprintf(!strcmp(key, "bridge") ? n->bridge : n->host_ifname, sizeof(n->bridge), "%s", value);
	} else if (!strcmp(key, "ipadd")) {
		r = netif_add_ips(n, value);
	} else if (!strcmp(key, "ipdel")) {
		/* ap_ipdel works on every interface: narrow it to this one */
		struct ct_config one = *c;
		one.netif[0] = *n;
		one.nnetif = 1;
		r = ap_ipdel(&one, value);
		if (r == 0)
			*n = one.netif[0];
	} else if (!strcmp(key, "gw") || !strcmp(key, "gw6")) {
		bool v6 = !strcmp(key, "gw6");
		if (strcmp(value, "none") && (!valid_addr(value, &fam) || fam != (v6 ? AF_INET6 : AF_INET)))
			r = -EINVAL;
		else
			snprintf(v6 ? n->gw6 : n->gw, sizeof(n->gw), "%s", strcmp(value, "none") ? value : "");
	} else if (!strcmp(key, "mac_filter") || !strcmp(key, "ip_filter")) {
		bool on;
		if (parse_bool(value, &on) < 0)
			r = -EINVAL;
		else
			*(!strcmp(key, "mac_filter") ? &n->mac_filter_off : &n->ip_filter_off) = !on;
	} else {
		return cerr(EX_BADSYNTAX, 0, "--%s is not an interface option", key);
	}
	if (r < 0) {
		char w[512], e[256];
		return cerr(is_ip ? EX_BADIP : EX_BADVALUE, 0, "invalid --%s value for interface %s: '%s'%s", key, n->ifname,
			    str_escape_buf(value, e, sizeof(e)), why(r, form_of(key), w, sizeof(w)));
	}
	sync_netif(c);
	return 0;
}

/* ---- the doc side ---- */

static void sync_netif(struct ct_config *c)
{
	struct ini_doc *d = c->doc;
	/* drop sections of interfaces that are gone */
	for (size_t i = 0;;) {
		const char *sec;
		if (ini_section_at(d, i, &sec) < 0)
			break;
		if (!strncasecmp(sec, "netif.", 6) && !netif_find(c, sec + 6)) {
			_cleanup_free_ char *s = xstrdup(sec);
			ini_remove_section(d, s);
			continue;
		}
		i++;
	}
	for (unsigned k = 0; k < c->nnetif; k++) {
		const struct ct_netif *n = &c->netif[k];
		_cleanup_free_ char *sec = xasprintf("netif.%s", n->ifname);
		char ips[MAX_IPS * 52];
		size_t off = 0;
		ips[0] = 0;
		for (unsigned j = 0; j < n->nips; j++)
			off += (size_t)snprintf(ips + off, sizeof(ips) - off, "%s%s", j ? " " : "", n->ips[j]);
		const struct {
			const char *k, *v;
		} kv[] = {{"mac", n->mac}, {"host_ifname", n->host_ifname}, {"host_mac", n->host_mac},
			  {"bridge", n->bridge}, {"ipadd", ips}, {"gw", n->gw}, {"gw6", n->gw6},
			  {"mac_filter", n->mac_filter_off ? "no" : ""}, {"ip_filter", n->ip_filter_off ? "no" : ""}};
		const char *dummy;
		bool exists = ini_key_at(d, sec, 0, &dummy, &dummy) == 0;
		if (!exists) {
			/* create the header even for an interface with no keys */
			bool any = false;
			for (size_t j = 0; j < ARRAY_SIZE(kv); j++)
				any |= kv[j].v[0] != 0;
			if (!any) {
				ini_set(d, sec, "mac", "");
				ini_unset(d, sec, "mac");
			}
		}
		for (size_t j = 0; j < ARRAY_SIZE(kv); j++) {
			if (kv[j].v[0])
				ini_set(d, sec, kv[j].k, kv[j].v);
			else
				ini_unset(d, sec, kv[j].k);
		}
	}
}

int param_set(struct ct_config *c, const struct param *p, const char *value)
{
	if (!p->apply)
		return cerr(EX_BADSYNTAX, 0, "parameter %s cannot be set", p->name);
	if (!value)
		value = "";
	_cleanup_free_ char *v = strtrim(xstrdup(value));
	int r = p->apply(c, v);
	if (r < 0) {
		char w[512], e[256];
		return cerr(p->bad_exit, 0, "invalid value for --%s: '%s'%s", p->name, str_escape_buf(value, e, sizeof(e)),
			    why(r, param_form(p), w, sizeof(w)));
	}
	if (p->flags & PF_NOSAVE)
		return 0;
	if (!c->doc)
		c->doc = ini_new();
	if (p->section && !strcmp(p->section, NETIF_SECTION)) {
		sync_netif(c);
		return 0;
	}
	if (!p->section || !p->key || !p->print)
		return 0;
	char buf[4096];
	buf[0] = 0;
	p->print(c, buf, sizeof(buf));
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

static int bad_key_r(const struct ct_config *c, int code, const char *sec, const char *key, const char *v, int r,
		     const char *form)
{
	char w[512], e[256];
	return cerr(code, 0, "%s: [%s] %s: invalid value '%s'%s", c->path ? c->path : "config", sec, key,
		    str_escape_buf(v, e, sizeof(e)), why(r, form, w, sizeof(w)));
}

static int bad_key(const struct ct_config *c, int code, const char *sec, const char *key, const char *v)
{
	return bad_key_r(c, code, sec, key, v, -EINVAL, form_of(key));
}

static int load_netif(struct ct_config *c, const char *sec)
{
	const struct ini_doc *d = c->doc;
	const char *ifname = sec + 6;
	if (!net_valid_ifname(ifname))
		return cerr(EX_BADCONFIG, 0, "%s: [%s]: invalid interface name", c->path, sec);
	struct ct_netif *n = netif_new(c, ifname);
	if (!n)
		return cerr(EX_BADCONFIG, 0, "%s: [%s]: more than %d interfaces", c->path, sec, MAX_NETIF);
	const char *v;
	int fam;
	if ((v = ini_get(d, sec, "mac")) && *v) {
		if (!valid_mac(v))
			return bad_key(c, EX_BADVALUE, sec, "mac", v);
		snprintf(n->mac, sizeof(n->mac), "%s", v);
	}
	if ((v = ini_get(d, sec, "host_mac")) && *v) {
		if (!valid_mac(v))
			return bad_key(c, EX_BADVALUE, sec, "host_mac", v);
		snprintf(n->host_mac, sizeof(n->host_mac), "%s", v);
	}
	if ((v = ini_get(d, sec, "host_ifname")) && *v) {
		if (!net_valid_ifname(v))
			return bad_key(c, EX_BADVALUE, sec, "host_ifname", v);
		snprintf(n->host_ifname, sizeof(n->host_ifname), "%s", v);
	}
	if ((v = ini_get(d, sec, "bridge")) && *v) {
		if (!net_valid_ifname(v))
			return bad_key(c, EX_BADVALUE, sec, "bridge", v);
		snprintf(n->bridge, sizeof(n->bridge), "%s", v);
	}
	if ((v = ini_get(d, sec, "ipadd")) && *v && netif_add_ips(n, v) < 0)
		return bad_key(c, EX_BADIP, sec, "ipadd", v);
	if ((v = ini_get(d, sec, "gw")) && *v) {
		if (!valid_addr(v, &fam) || fam != AF_INET)
			return bad_key(c, EX_BADIP, sec, "gw", v);
		snprintf(n->gw, sizeof(n->gw), "%s", v);
	}
	if ((v = ini_get(d, sec, "gw6")) && *v) {
		if (!valid_addr(v, &fam) || fam != AF_INET6)
			return bad_key(c, EX_BADIP, sec, "gw6", v);
		snprintf(n->gw6, sizeof(n->gw6), "%s", v);
	}
	bool on;
	if ((v = ini_get(d, sec, "mac_filter")) && *v) {
		if (parse_bool(v, &on) < 0)
			return bad_key(c, EX_BADVALUE, sec, "mac_filter", v);
		n->mac_filter_off = !on;
	}
	if ((v = ini_get(d, sec, "ip_filter")) && *v) {
		if (parse_bool(v, &on) < 0)
			return bad_key(c, EX_BADVALUE, sec, "ip_filter", v);
		n->ip_filter_off = !on;
	}
	return 0;
}

int param_load_doc(struct ct_config *c)
{
	if (!c->doc)
		c->doc = ini_new();
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const struct param *p = &params[i];
		if (!p->apply || !p->section || !p->key || !strcmp(p->section, NETIF_SECTION))
			continue;
		const char *v = ini_get(c->doc, p->section, p->key);
		if (!v || !*v)
			continue;
		int r = p->apply(c, v);
		if (r < 0)
			return bad_key_r(c, p->bad_exit, p->section, p->key, v, r, param_form(p));
	}
	const char *sec;
	for (size_t i = 0; ini_section_at(c->doc, i, &sec) == 0; i++) {
		if (strncasecmp(sec, "netif.", 6))
			continue;
		int r = load_netif(c, sec);
		if (r < 0)
			return r;
	}
	return 0;
}
