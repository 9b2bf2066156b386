/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vzconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgroup.h"
#include "error.h"
#include "util.h"

/* ---- the file ---- */

static bool key_char(char ch, bool first)
{
	return ch == '_' || isalpha((unsigned char)ch) || (!first && isdigit((unsigned char)ch));
}

static int bad_line(const char *name, unsigned line, const char *why)
{
	return cerr(EX_BADCONFIG, 0, "%s:%u: %s (an OpenVZ config line is KEY=\"value\"; no shell is run)", name, line, why);
}

/* The value of one line from p (after '='): quoted parts and bare words up to white space, then
 * only white space or a comment. *out malloc'd; NULL and *why on a bad value. */
static char *parse_value(const char *p, const char **why)
{
	size_t cap = strlen(p) + 1, n = 0;
	char *v = xmalloc(cap);
	while (*p && !isspace((unsigned char)*p) && *p != '#') {
		if (*p == '`' || (p[0] == '$' && p[1] == '(')) {
			*why = "command substitution";
			goto bad;
		}
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e) {
				*why = "unterminated quote";
				goto bad;
			}
			memcpy(v + n, p + 1, (size_t)(e - p - 1));
			n += (size_t)(e - p - 1);
			p = e + 1;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '`' || (p[0] == '$' && p[1] == '(')) {
					*why = "command substitution";
					goto bad;
				}
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				v[n++] = *p;
			}
			if (*p != '"') {
				*why = "unterminated quote";
				goto bad;
			}
			p++;
		} else {
			if (*p == '\\' && p[1])
				p++;
			else if (strchr(";&|<>()", *p)) {
				*why = "shell syntax after the value";
				goto bad;
			}
			v[n++] = *p++;
		}
	}
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p && *p != '#') {
		*why = "text after the value";
		goto bad;
	}
	v[n] = 0;
	return v;
bad:
	free(v);
	return NULL;
}

int vzconf_parse(const char *text, const char *name, struct vz_vars *out)
{
	*out = (struct vz_vars){0};
	if (!text)
		return 0;
	size_t len = strlen(text);
	if (len > VZCONF_FILE_MAX)
		return cerr(EX_BADCONFIG, 0, "%s: larger than %d bytes: not an OpenVZ container config", name,
			    VZCONF_FILE_MAX);
	size_t cap = 0;
	unsigned line = 0;
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		if (l > VZCONF_LINE_MAX) {
			vzconf_vars_free(out);
			return bad_line(name, line, "line too long");
		}
		_cleanup_free_ char *buf = xstrndup(s, l);
		s = nl ? nl + 1 : s + l;
		char *p = strtrim(buf);
		if (!*p || *p == '#')
			continue;
		if (!strncmp(p, "export", 6) && isspace((unsigned char)p[6]))
			for (p += 6; isspace((unsigned char)*p); p++)
				;
		char *k = p;
		if (!key_char(*p, true)) {
			vzconf_vars_free(out);
			return bad_line(name, line, "not an assignment");
		}
		while (key_char(*p, false))
			p++;
		if (*p != '=') {
			vzconf_vars_free(out);
			return bad_line(name, line, "not an assignment");
		}
		*p++ = 0;
		const char *why = NULL;
		char *v = parse_value(p, &why);
		if (!v) {
			vzconf_vars_free(out);
			return bad_line(name, line, why);
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 32;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = (struct vz_var){.key = xstrdup(k), .value = v, .line = line};
	}
	return 0;
}

void vzconf_vars_free(struct vz_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].value);
	}
	free(v->v);
	*v = (struct vz_vars){0};
}

/* ---- numbers ---- */

int vzconf_number(const char *s, uint64_t unit, uint64_t *out)
{
	if (!strcasecmp(s, "unlimited") || !strcmp(s, "9223372036854775807") || (unit == 4096 && !strcmp(s, "2147483647"))) {
		*out = SIZE_UNLIMITED;
		return 0;
	}
	const char *p = s;
	uint64_t ip = 0, fnum = 0, fden = 1;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	bool frac = *p == '.';
	if (frac) {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++)
			if (fden < 1000000000ULL) {
				fnum = fnum * 10 + (uint64_t)(*p - '0');
				fden *= 10;
			}
	}
	uint64_t mult = unit;
	if (*p) {
		switch (toupper((unsigned char)*p)) {
		case 'B':
			mult = 1;
			break;
		case 'K':
			mult = 1ULL << 10;
			break;
		case 'M':
			mult = 1ULL << 20;
			break;
		case 'G':
			mult = 1ULL << 30;
			break;
		case 'T':
			mult = 1ULL << 40;
			break;
		case 'P':
			mult = 4096;
			break;
		default:
			return -EINVAL;
		}
		if (p[1])
			return -EINVAL;
	} else if (frac) {
		return -EINVAL; /* a fraction needs a suffix, as vzctl's */
	}
	if (ip && mult > UINT64_MAX / ip)
		return -ERANGE;
	uint64_t v = ip * mult;
	if (fnum) {
		/* mult is at most 2^40 and fnum below 10^9: no overflow before the division */
		uint64_t f = (uint64_t)(((unsigned __int128)fnum * mult + fden - 1) / fden);
		if (v > UINT64_MAX - 1 - f)
			return -ERANGE;
		v += f;
	}
	if (v == SIZE_UNLIMITED)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "barrier:limit" or one value for both. */
static int vz_pair(const char *s, uint64_t unit, uint64_t *b, uint64_t *l)
{
	_cleanup_free_ char *t = xstrdup(s);
	char *colon = strchr(t, ':');
	if (colon)
		*colon++ = 0;
	int r = vzconf_number(strtrim(t), unit, b);
	if (r < 0)
		return r;
	if (!colon) {
		*l = *b;
		return 0;
	}
	return vzconf_number(strtrim(colon), unit, l);
}

/* n (divided by d, rounded up) in decimal, or "unlimited"; suffix after the number. */
static void fmt_num(char *buf, size_t len, uint64_t n, uint64_t d, const char *suffix)
{
	if (n == SIZE_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu%s", (unsigned long long)((n + d - 1) / d), suffix);
}

/* ---- the report ---- */

struct vzctx {
	struct ct_config *c;
	struct vz_report *rep;
	const struct vz_var *var;
	unsigned veid;
	char what[1024]; /* the settings made for the current key */
	bool failed;     /* a setting of the current key was refused (the item is added) */
};

static void item_add(struct vzctx *x, enum vz_kind kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void item_add(struct vzctx *x, enum vz_kind kind, int code, const char *fmt, ...)
{
	struct vz_report *rep = x->rep;
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	rep->items[rep->n++] = (struct vz_item){.key = xstrdup(x->var->key),
						.value = xstrdup(x->var->value),
						.line = x->var->line,
						.kind = kind,
						.what = text ? text : xstrdup("?"),
						.code = code};
	rep->count[kind]++;
}

/* param_set(name, value) on the new config; its text added to x->what ("ram 256M"). A refusal
 * becomes the refused item of the current key. */
static int vz_set(struct vzctx *x, const char *name, const char *value)
{
	const struct param *p = param_find(name);
	if (x->failed)
		return -EINVAL;
	struct cerr_saved es;
	cerr_save(&es);
	int r = p ? param_set(x->c, p, value) : cerr(EX_SYSTEM, 0, "no parameter %s", name);
	if (r < 0) {
		item_add(x, VZ_REFUSED, cerr_exit(), "%s", cerr_msg() ? cerr_msg() : "refused");
		x->failed = true;
		cerr_restore(&es);
		return r;
	}
	cerr_restore(&es);
	char shown[512];
	if (!(p->flags & (PF_REPEAT | PF_JOIN)) && param_print(p, x->c, shown, sizeof(shown)) && shown[0])
		value = shown;
	size_t n = strlen(x->what);
	snprintf(x->what + n, sizeof(x->what) - n, "%s%s %s", n ? ", " : "", name, value);
	return 0;
}

/* The same for a per-interface option of ifname (param_netif_set: mac_filter, gw, gw6). */
static int vz_netif_set(struct vzctx *x, const char *ifname, const char *key, const char *value)
{
	if (x->failed)
		return -EINVAL;
	struct cerr_saved es;
	cerr_save(&es);
	int r = param_netif_set(x->c, ifname, key, value);
	if (r < 0) {
		item_add(x, VZ_REFUSED, cerr_exit(), "%s", cerr_msg() ? cerr_msg() : "refused");
		x->failed = true;
	} else {
		size_t n = strlen(x->what);
		snprintf(x->what + n, sizeof(x->what) - n, ", %s of %s %s", key, ifname, value);
	}
	cerr_restore(&es);
	return r;
}

static void vz_done(struct vzctx *x, const char *approx_why)
{
	if (x->failed)
		return;
	if (!x->what[0])
		item_add(x, approx_why ? VZ_APPROX : VZ_TRANSLATED, 0, "nothing set%s%s", approx_why ? ": " : "",
			 approx_why ? approx_why : "");
	else if (approx_why)
		item_add(x, VZ_APPROX, 0, "%s (%s)", x->what, approx_why);
	else
		item_add(x, VZ_TRANSLATED, 0, "%s", x->what);
}

static void vz_refuse(struct vzctx *x, int code, const char *why)
{
	item_add(x, VZ_REFUSED, code, "%s", why);
	x->failed = true;
}

/* A value with a shell expansion we do not do. */
static bool has_expansion(const char *v)
{
	for (const char *p = strchr(v, '$'); p; p = strchr(p + 1, '$'))
		if (p[1] == '{' || key_char(p[1], true))
			return true;
	return false;
}

/* ---- the keys ---- */

typedef void (*vz_fn)(struct vzctx *x, const char *arg);

/* A size pair (barrier:limit) whose limit sets param arg: PHYSPAGES, SWAPPAGES. */
static void k_pages(struct vzctx *x, const char *param)
{
	uint64_t b, l;
	if (vz_pair(x->var->value, 4096, &b, &l) < 0)
		return vz_refuse(x, EX_BADVALUE, "not barrier:limit in 4 KiB pages (or with a K M G T suffix)");
	char v[32];
	fmt_num(v, sizeof(v), l, 1, "");
	if (vz_set(x, param, v) < 0)
		return;
	vz_done(x, b && b != l ? "the barrier is dropped: the cgroup limit is the limit" : NULL);
}

static void k_numproc(struct vzctx *x, const char *param)
{
	uint64_t b, l;
	if (vz_pair(x->var->value, 1, &b, &l) < 0)
		return vz_refuse(x, EX_BADVALUE, "not barrier:limit in processes");
	char v[32];
	fmt_num(v, sizeof(v), l, 1, "");
	if (vz_set(x, param, v) < 0)
		return;
	vz_done(x, b != l && b != SIZE_UNLIMITED ? "the barrier is dropped: pids.max has one number" : NULL);
}

/* DISKSPACE (KiB) and DISKINODES: soft:hard. */
static void k_disk(struct vzctx *x, const char *param)
{
	const bool space = !strcmp(param, "diskspace");
	uint64_t s, h;
	if (vz_pair(x->var->value, space ? 1024 : 1, &s, &h) < 0)
		return vz_refuse(x, EX_BADVALUE, space ? "not soft:hard in KiB" : "not soft:hard in inodes");
	char a[32], b[32], v[80];
	const uint64_t d = space ? 1024 : 1;
	fmt_num(a, sizeof(a), s, d, "");
	fmt_num(b, sizeof(b), h, d, "");
	snprintf(v, sizeof(v), "%s:%s", a, b);
	if (vz_set(x, param, v) == 0)
		vz_done(x, NULL);
}

/* A plain value for param arg; "0" means none where the parameter has PT_BLANK0 (IOLIMIT,
 * IOPSLIMIT, CPUS, CPULIMIT). */
static void k_plain(struct vzctx *x, const char *param)
{
	const char *v = x->var->value;
	if (!strcmp(param, "cpulimit") && !strcmp(v, "0"))
		v = "unlimited";
	if (!strcmp(param, "cpus") && !strcmp(v, "0"))
		v = "unlimited";
	if (vz_set(x, param, v) == 0)
		vz_done(x, NULL);
}

/* CPUUNITS: vzctl's scale is cellctl's; the report names the cgroup v2 weight it becomes. */
static void k_cpuunits(struct vzctx *x, const char *param)
{
	if (vz_set(x, param, x->var->value) < 0)
		return;
	size_t n = strlen(x->what);
	snprintf(x->what + n, sizeof(x->what) - n, " (cpu.weight %u)", cg_cpuunits_to_weight(x->c->cpuunits));
	vz_done(x, NULL);
}

static void k_iolimit(struct vzctx *x, const char *param)
{
	uint64_t n;
	if (vzconf_number(x->var->value, 1, &n) < 0)
		return vz_refuse(x, EX_IOLIMIT, "not a number of bytes per second");
	char v[32];
	fmt_num(v, sizeof(v), n, 1, "B");
	if (vz_set(x, param, n ? v : "0") == 0)
		vz_done(x, NULL);
}

/* IP_ADDRESS: the venet addresses, routed ([venet] ipadd). */
static void k_ipaddr(struct vzctx *x, const char *param)
{
	_cleanup_free_ char *s = xstrdup(x->var->value);
	char *save = NULL;
	bool cut = false;
	for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char *slash = strchr(t, '/');
		if (slash && strcmp(slash, "/32") && strcmp(slash, "/128")) {
			*slash = 0;
			cut = true;
		}
		if (vz_set(x, param, t) < 0)
			return;
	}
	vz_done(x, cut ? "a venet address is a host address: the /prefix is dropped" : NULL);
}

/* NETIF: ifname=eth0,mac=..,host_ifname=..,host_mac=..,bridge=..,mac_filter=on,gw=..;ifname=eth1,...
 * (the first five make the interface, then its per-interface options). */
static void k_netif(struct vzctx *x, const char *param)
{
	_cleanup_free_ char *s = xstrdup(x->var->value);
	char *save = NULL, dropped[256] = "";
	static const char *names[] = {"ifname", "mac", "host_ifname", "host_mac", "bridge", "mac_filter", "gw", "gw6"};
	enum { NF = 8, NADD = 5 };
	for (char *ifs = strtok_r(s, ";", &save); ifs; ifs = strtok_r(NULL, ";", &save)) {
		const char *f[NF] = {"", "", "", "", "", "", "", ""};
		char *save2 = NULL;
		for (char *kv = strtok_r(ifs, ",", &save2); kv; kv = strtok_r(NULL, ",", &save2)) {
			char *eq = strchr(kv, '=');
			size_t i = 0;
			if (eq)
				for (*eq = 0; i < NF && strcmp(kv, names[i]); i++)
					;
			if (eq && i < NF) {
				f[i] = eq + 1;
				continue;
			}
			if (eq)
				*eq = '=';
			if (strlen(dropped) + strlen(kv) + 3 < sizeof(dropped)) {
				strcat(dropped, dropped[0] ? ", " : "");
				strcat(dropped, kv);
			}
		}
		if (!f[0][0])
			return vz_refuse(x, EX_BADVALUE, "an interface without ifname=");
		char v[128];
		snprintf(v, sizeof(v), "%s,%s,%s,%s,%s", f[0], f[1], f[2], f[3], f[4]);
		if (vz_set(x, param, v) < 0)
			return;
		for (size_t i = NADD; i < NF; i++)
			if (f[i][0] && vz_netif_set(x, f[0], names[i], f[i]) < 0)
				return;
	}
	char why[300];
	snprintf(why, sizeof(why), "not translated: %s", dropped);
	vz_done(x, dropped[0] ? why : NULL);
}

/* CAPABILITY: "NAME:on NAME:off" (space separated in the file). */
static void k_caps(struct vzctx *x, const char *param)
{
	_cleanup_free_ char *s = xstrdup(x->var->value);
	for (char *p = s; *p; p++)
		if (isspace((unsigned char)*p))
			*p = ',';
	char *t = s;
	while (*t == ',')
		t++;
	if (!*t)
		return vz_done(x, NULL);
	for (size_t n = strlen(t); n && t[n - 1] == ','; n--)
		t[n - 1] = 0;
	/* ",," from runs of spaces */
	for (char *d; (d = strstr(t, ",,"));)
		memmove(d, d + 1, strlen(d));
	if (vz_set(x, param, t) == 0)
		vz_done(x, NULL);
}

/* DEVICES: "c:10:200:rw b:8:0:r" (the q of vzctl, its quota permission, is dropped). */
static void k_devices(struct vzctx *x, const char *param)
{
	_cleanup_free_ char *s = xstrdup(x->var->value);
	bool q = false;
	char *save = NULL;
	for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char *perm = strrchr(t, ':');
		for (char *p = perm ? perm + 1 : t + strlen(t); *p;)
			if (*p == 'q') {
				memmove(p, p + 1, strlen(p));
				q = true;
			} else {
				p++;
			}
		/* "c:1:3:q" left without permissions: none (a new string: t cannot grow in place) */
		_cleanup_free_ char *e = perm && !perm[1] ? xasprintf("%snone", t) : NULL;
		if (vz_set(x, param, e ? e : t) < 0)
			return;
	}
	vz_done(x, q ? "the q (quota) permission has no cellctl meaning: dropped" : NULL);
}

static void k_bool(struct vzctx *x, const char *param)
{
	const char *v = x->var->value;
	if (strcasecmp(v, "yes") && strcasecmp(v, "no"))
		return vz_refuse(x, EX_BADVALUE, "not yes or no");
	if (vz_set(x, param, v) == 0)
		vz_done(x, NULL);
}

/* VE_PRIVATE, VE_ROOT: $VEID and ${VEID} expanded. */
static char *expand_veid(const char *v, unsigned veid)
{
	size_t cap = strlen(v) + 1;
	char *out = xmalloc(cap + 64), id[16];
	size_t n = 0;
	snprintf(id, sizeof(id), "%u", veid);
	for (const char *p = v; *p;) {
		const char *w = NULL;
		if (!strncmp(p, "$VEID", 5) && !key_char(p[5], false))
			w = p + 5;
		else if (!strncmp(p, "${VEID}", 7))
			w = p + 7;
		if (w) {
			cap += strlen(id);
			out = xrealloc(out, cap + 64);
			memcpy(out + n, id, strlen(id));
			n += strlen(id);
			p = w;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = 0;
	return out;
}

static void k_private(struct vzctx *x, const char *arg)
{
	_cleanup_free_ char *v = expand_veid(x->var->value, x->veid);
	if (has_expansion(v))
		return vz_refuse(x, EX_BADCONFIG, "only $VEID is expanded");
	if (!strcmp(arg, "root")) {
		item_add(x, VZ_IGNORED, 0, "%s: cellctl mounts the container's root itself", v);
		return;
	}
	if (v[0] != '/')
		return vz_refuse(x, EX_BADCONFIG, "not an absolute path");
	free(x->rep->private_dir);
	x->rep->private_dir = xstrdup(v);
	item_add(x, VZ_TRANSLATED, 0, "the private area to import: %s (layout copy)", v);
}

static void k_layout(struct vzctx *x, const char *arg)
{
	(void)arg;
	if (!strcasecmp(x->var->value, "ploop")) {
		x->rep->ploop = true;
		return vz_refuse(x, EX_LAYOUT,
				 "a ploop image is not imported: convert the container to simfs (vzctl convert is the "
				 "other way round: copy its mounted root into a plain directory) and pass --private");
	}
	if (strcasecmp(x->var->value, "simfs"))
		return vz_refuse(x, EX_LAYOUT, "an unknown private area layout");
	item_add(x, VZ_TRANSLATED, 0, "a plain directory: layout copy");
}

static void k_ignore(struct vzctx *x, const char *why) { item_add(x, VZ_IGNORED, 0, "%s", why); }

#define UBC_WHY "a beancounter of the OpenVZ kernel: "
static const struct {
	const char *key;
	vz_fn fn;
	const char *arg;
} keys[] = {
	{"PHYSPAGES", k_pages, "ram"},
	{"SWAPPAGES", k_pages, "swap"},
	{"NUMPROC", k_numproc, "numproc"},
	{"DISKSPACE", k_disk, "diskspace"},
	{"DISKINODES", k_disk, "diskinodes"},
	{"CPUUNITS", k_cpuunits, "cpuunits"},
	{"CPULIMIT", k_plain, "cpulimit"},
	{"CPUS", k_plain, "cpus"},
	{"CPUMASK", k_plain, "cpumask"},
	{"IOPRIO", k_plain, "ioprio"},
	{"IOLIMIT", k_iolimit, "iolimit"},
	{"IOPSLIMIT", k_plain, "iopslimit"},
	{"HOSTNAME", k_plain, "hostname"},
	{"IP_ADDRESS", k_ipaddr, "venet_ipadd"},
	{"NAMESERVER", k_plain, "nameserver"},
	{"SEARCHDOMAIN", k_plain, "searchdomain"},
	{"NETIF", k_netif, "netif_add"},
	{"ONBOOT", k_bool, "onboot"},
	{"DISABLED", k_bool, "disabled"},
	{"BOOTORDER", k_plain, "bootorder"},
	{"STOP_TIMEOUT", k_plain, "stop_timeout"},
	{"DEVICES", k_devices, "devices"},
	{"DEVNODES", k_plain, "devnodes"},
	{"CAPABILITY", k_caps, "capability"},
	{"OSTEMPLATE", k_plain, "ostemplate"},
	{"ORIGIN_SAMPLE", k_plain, "origin_sample"},
	{"NAME", k_plain, "name"},
	{"DESCRIPTION", k_plain, "description"},
	{"VE_PRIVATE", k_private, "private"},
	{"VE_ROOT", k_private, "root"},
	{"VE_LAYOUT", k_layout, NULL},
	{"VEID", k_ignore, "the CTID is given on the command line"},
	{"KMEMSIZE", k_ignore, UBC_WHY "kernel memory is counted in ram (memory.max)"},
	{"PRIVVMPAGES", k_ignore, UBC_WHY "allocated memory; ram (PHYSPAGES) limits what is used"},
	{"LOCKEDPAGES", k_ignore, UBC_WHY "locked memory is counted in ram"},
	{"SHMPAGES", k_ignore, UBC_WHY "shared memory is counted in ram"},
	{"VMGUARPAGES", k_ignore, UBC_WHY "no memory guarantee"},
	{"OOMGUARPAGES", k_ignore, UBC_WHY "no OOM guarantee"},
	{"NUMTCPSOCK", k_ignore, UBC_WHY "no socket count limit"},
	{"NUMOTHERSOCK", k_ignore, UBC_WHY "no socket count limit"},
	{"TCPSNDBUF", k_ignore, UBC_WHY "socket buffers are counted in ram"},
	{"TCPRCVBUF", k_ignore, UBC_WHY "socket buffers are counted in ram"},
	{"OTHERSOCKBUF", k_ignore, UBC_WHY "socket buffers are counted in ram"},
	{"DGRAMRCVBUF", k_ignore, UBC_WHY "socket buffers are counted in ram"},
	{"DCACHESIZE", k_ignore, UBC_WHY "the dentry cache is counted in ram"},
	{"NUMFILE", k_ignore, UBC_WHY "no open file count limit"},
	{"NUMFLOCK", k_ignore, UBC_WHY "no file lock limit"},
	{"NUMPTY", k_ignore, UBC_WHY "no pseudo-terminal limit"},
	{"NUMSIGINFO", k_ignore, UBC_WHY "no pending signal limit"},
	{"NUMIPTENT", k_ignore, UBC_WHY "no netfilter entry limit"},
	{"AVNUMPROC", k_ignore, UBC_WHY "an average process count used for sizing only"},
	{"MEMINFO", k_ignore, "/proc/meminfo inside is lxcfs's (from ram) where lxcfs runs"},
	{"VM_OVERCOMMIT", k_ignore, "no overcommit ratio: ram and swap are the limits"},
	{"FEATURES", k_ignore, "OpenVZ kernel features (nfs, sit, ipip, ppp, ...) have no per-container switch"},
	{"NODEMASK", k_ignore, "no NUMA node mask (cpumask pins CPUs)"},
	{"QUOTATIME", k_ignore, "no grace time: the soft disk limit is reported, the hard one enforced"},
	{"QUOTAUGIDLIMIT", k_ignore, "no second-level (per user) quota inside"},
	{"NETFILTER", k_ignore, "netfilter is the container's own in its network namespace"},
	{"IPTABLES", k_ignore, "netfilter is the container's own in its network namespace"},
	{"IPV6", k_ignore, "IPv6 is always available"},
	{"BINDMOUNT", k_ignore, "no bind mounts from the config"},
	{"LOCAL_UID", k_ignore, "the container gets a new user namespace block"},
	{"LOCAL_GID", k_ignore, "the container gets a new user namespace block"},
	{"HA_ENABLE", k_ignore, "no high-availability cluster"},
	{"HA_PRIO", k_ignore, "no high-availability cluster"},
	{"CONFIG_CUSTOMIZED", k_ignore, "a vzctl marker"},
	{"MOUNT_OPTS", k_ignore, "no mount options for the private area"},
};

int vzconf_translate(const struct vz_vars *vars, unsigned veid, struct ct_config *c, struct vz_report *rep)
{
	*rep = (struct vz_report){0};
	for (size_t i = 0; i < vars->n; i++) {
		struct vzctx x = {.c = c, .rep = rep, .var = &vars->v[i], .veid = veid};
		/* shell semantics: the last assignment counts */
		size_t later = 0;
		for (size_t j = i + 1; j < vars->n && !later; j++)
			if (!strcmp(vars->v[j].key, x.var->key))
				later = j;
		if (later) {
			item_add(&x, VZ_IGNORED, 0, "set again on line %u", vars->v[later].line);
			continue;
		}
		size_t k = 0;
		while (k < ARRAY_SIZE(keys) && strcmp(keys[k].key, x.var->key))
			k++;
		if (k == ARRAY_SIZE(keys)) {
			item_add(&x, VZ_IGNORED, 0, "not a key cellctl knows");
			continue;
		}
		if (keys[k].fn != k_ignore && keys[k].fn != k_private && has_expansion(x.var->value)) {
			vz_refuse(&x, EX_BADCONFIG, "a shell expansion: no shell is run");
			continue;
		}
		if (keys[k].fn != k_ignore && !x.var->value[0] && keys[k].fn != k_caps) {
			item_add(&x, VZ_IGNORED, 0, "empty");
			continue;
		}
		keys[k].fn(&x, keys[k].arg);
	}
	return 0;
}

void vzconf_report_free(struct vz_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->items[i].key);
		free(rep->items[i].value);
		free(rep->items[i].what);
	}
	free(rep->items);
	free(rep->private_dir);
	*rep = (struct vz_report){0};
}

const struct vz_item *vzconf_first_refused(const struct vz_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->items[i].kind == VZ_REFUSED)
			return &rep->items[i];
	return NULL;
}

char *vzconf_report_render(const struct vz_report *rep)
{
	static const char *kinds[] = {"translated", "approximated", "ignored", "refused"};
	size_t cap = 256, n = 0;
	char *out = xmalloc(cap);
	out[0] = 0;
	for (size_t i = 0; i <= rep->n; i++) {
		char line[2048], val[64], what[1024];
		if (i < rep->n) {
			const struct vz_item *it = &rep->items[i];
			str_escape_buf(it->value, val, sizeof(val));
			if (strlen(it->value) > 60)
				strcpy(val + 56, "...");
			str_escape_buf(it->what, what, sizeof(what));
			bool set = it->kind == VZ_TRANSLATED || it->kind == VZ_APPROX;
			snprintf(line, sizeof(line), "%-12s %s=\"%s\" %s %s\n", kinds[it->kind], it->key, val,
				 set ? "->" : "--", what);
		} else {
			snprintf(line, sizeof(line), "%zu keys: %u translated, %u approximated, %u ignored, %u refused\n",
				 rep->n, rep->count[VZ_TRANSLATED], rep->count[VZ_APPROX], rep->count[VZ_IGNORED],
				 rep->count[VZ_REFUSED]);
		}
		size_t l = strlen(line);
		while (n + l + 1 > cap)
			cap *= 2;
		out = xrealloc(out, cap);
		memcpy(out + n, line, l + 1);
		n += l;
	}
	return out;
}
