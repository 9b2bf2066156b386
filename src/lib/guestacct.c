/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guestacct.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "util.h"

bool acct_valid_user(const char *user)
{
	size_t n = user ? strlen(user) : 0;
	if (n == 0 || n > 32 || user[0] == '-' || user[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)user[i];
		if (isalnum(ch) || ch == '.' || ch == '_' || ch == '-' || (ch == '$' && i == n - 1))
			continue;
		return false;
	}
	return true;
}

int acct_split_userpasswd(const char *arg, char **user, char **password)
{
	*user = *password = NULL;
	const char *colon = arg ? strchr(arg, ':') : NULL;
	if (!colon)
		return -EINVAL;
	_cleanup_free_ char *u = xstrndup(arg, (size_t)(colon - arg));
	if (!acct_valid_user(u) || !colon[1])
		return -EINVAL;
	if (strcmp(colon + 1, "-") != 0)
		*password = xstrdup(colon + 1);
	*user = u;
	u = NULL;
	return 0;
}

/* The line of text whose first ':'-field is user: its start and length (without the newline). */
static const char *find_line(const char *text, const char *user, size_t *len)
{
	size_t ul = strlen(user);
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n > ul && l[ul] == ':' && strncmp(l, user, ul) == 0) {
			*len = n;
			return l;
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* Split line (n bytes) at ':' into at most max fields (malloc'd copy in *store). */
static size_t split_fields(const char *line, size_t n, char **store, char **f, size_t max)
{
	char *s = *store = xstrndup(line, n);
	size_t k = 0;
	while (k < max) {
		f[k++] = s;
		char *c = strchr(s, ':');
		if (!c)
			break;
		*c = 0;
		s = c + 1;
	}
	return k;
}

static int parse_id(const char *s, uint32_t *out)
{
	uint64_t v;
	if (!*s || strspn(s, "0123456789") != strlen(s) || parse_u64(s, &v) < 0 || v >= UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int acct_passwd_find(const char *text, const char *user, struct acct_pw *pw)
{
	size_t n;
	const char *l = find_line(text, user, &n);
	if (!l)
		return -ENOENT;
	_cleanup_free_ char *store = NULL;
	char *f[8];
	if (split_fields(l, n, &store, f, 8) != 7)
		return -EINVAL;
	if (parse_id(f[2], &pw->uid) < 0 || parse_id(f[3], &pw->gid) < 0 || f[5][0] != '/')
		return -EINVAL;
	pw->home = xstrdup(f[5]);
	return 0;
}

int acct_shadow_set(const char *old, const char *user, const char *hash, long day, char **out)
{
	*out = NULL;
	if (strpbrk(hash, ":\n\r") || !*hash)
		return -EINVAL;
	size_t n;
	const char *l = find_line(old, user, &n);
	if (!l)
		return -ENOENT;
	/* user:HASH:LASTCHG:rest... */
	const char *p1 = memchr(l, ':', n);
	const char *p2 = p1 ? memchr(p1 + 1, ':', n - (size_t)(p1 + 1 - l)) : NULL;
	if (!p2)
		return -EINVAL;
	const char *p3 = memchr(p2 + 1, ':', n - (size_t)(p2 + 1 - l));
	const char *rest = p3 ? p3 : l + n; /* from the ':' after lastchg, or the end of the line */
	struct strbuf b = {0};
	sb_addn(&b, old, (size_t)(l - old));
	sb_addn(&b, l, (size_t)(p1 + 1 - l));
	sb_printf(&b, "%s:%ld", hash, day);
	sb_add(&b, rest);
	*out = sb_done(&b);
	return 0;
}

const char *acct_hash_prefix(const char *login_defs)
{
	for (const char *l = login_defs; l && *l;) {
		while (*l == ' ' || *l == '\t')
			l++;
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n > 14 && !strncmp(l, "ENCRYPT_METHOD", 14) && (l[14] == ' ' || l[14] == '\t')) {
			const char *v = l + 14;
			while (*v == ' ' || *v == '\t')
				v++;
			if (!strncasecmp(v, "YESCRYPT", 8) && (v[8] == '\n' || v[8] == 0 || isspace((unsigned char)v[8])))
				return "$y$";
		}
		l = nl ? nl + 1 : NULL;
	}
	return "$6$";
}

/* ---- authorized_keys ---- */

static const char *const key_types[] = {
	"ssh-ed25519",
	"ssh-rsa",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com",
	"ssh-dss",
};

static int b64_val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict base64 (length a multiple of 4, '=' only at the end) into out (at most max bytes); the
 * decoded length, or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t max)
{
	if (n == 0 || n % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64_val(s[i + k])) < 0) {
				return -1;
			}
		}
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		unsigned char bytes[3] = {(unsigned char)(x >> 16), (unsigned char)(x >> 8), (unsigned char)x};
		for (int k = 0; k < 3 - pad; k++) {
			if (o >= max)
				return -1;
			out[o++] = bytes[k];
		}
	}
	return (long)o;
}

int acct_authkey_check(const char *text, char **line, const char **why)
{
	*line = NULL;
	*why = NULL;
	size_t n = text ? strlen(text) : 0;
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	const char *s = text;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0) {
		*why = "the file is empty";
		return -EINVAL;
	}
	if (n > 16384) {
		*why = "the key is longer than 16 KiB";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n' || ch == '\r') {
			*why = "more than one line: give one public key";
			return -EINVAL;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			*why = "a control character";
			return -EINVAL;
		}
	}
	size_t tl = strcspn(s, " \t");
	const char *type = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++)
		if (strlen(key_types[i]) == tl && !strncmp(s, key_types[i], tl))
			type = key_types[i];
	if (!type) {
		*why = "it does not start with a key type such as ssh-ed25519 or ssh-rsa (options before the type are "
		       "not "
		       "accepted)";
		return -EINVAL;
	}
	const char *blob = s + tl;
	while (*blob == ' ' || *blob == '\t')
		blob++;
	size_t bl = strcspn(blob, " \t");
	if (bl > n - (size_t)(blob - s))
		bl = n - (size_t)(blob - s);
	_cleanup_free_ unsigned char *raw = xmalloc(bl + 1);
	long rl = b64_decode(blob, bl, raw, bl + 1);
	if (rl < 0) {
		*why = "the key is not valid base64";
		return -EINVAL;
	}
	uint32_t len = rl >= 4 ? (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3] : 0;
	if (rl < 4 || len != tl || (size_t)rl < 4 + tl || memcmp(raw + 4, type, tl) != 0 || (size_t)rl == 4 + tl) {
		*why = "the key data does not match its type";
		return -EINVAL;
	}
	const char *comment = blob + bl;
	while (comment < s + n && (*comment == ' ' || *comment == '\t'))
		comment++;
	size_t cl = (size_t)(s + n - comment);
	if (cl)
		*line = xasprintf("%s %.*s %.*s\n", type, (int)bl, blob, (int)cl, comment);
	else
		*line = xasprintf("%s %.*s\n", type, (int)bl, blob);
	return 0;
}

/* Does the line (n bytes) hold the words type blob one after the other? */
static bool line_has_key(const char *l, size_t n, const char *type, size_t tl, const char *blob, size_t bl)
{
	const char *prev = NULL;
	size_t prevn = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		size_t st = i;
		while (i < n && l[i] != ' ' && l[i] != '\t')
			i++;
		if (i == st)
			break;
		if (prev && prevn == tl && !strncmp(prev, type, tl) && i - st == bl && !strncmp(l + st, blob, bl))
			return true;
		prev = l + st;
		prevn = i - st;
	}
	return false;
}

char *acct_authkeys_add(const char *old, const char *line)
{
	size_t tl = strcspn(line, " "), bl = strcspn(line + tl + 1, " \n");
	const char *blob = line + tl + 1;
	for (const char *l = old; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (line_has_key(l, n, line, tl, blob, bl))
			return NULL;
		l = nl ? nl + 1 : NULL;
	}
	size_t ol = old ? strlen(old) : 0;
	return xasprintf("%s%s%s", old ? old : "", ol && old[ol - 1] != '\n' ? "\n" : "", line);
}
