/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the two halves of the parameter table (params.c and params_netif.c):
 * value validators, list splitting and the wording of a value error. Nothing here knows the
 * table itself, so both halves call down into this file and never into each other's. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "params_int.h"
#include "util.h"

bool params_valid_addr(const char *s, int *family)
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
	if (!params_valid_addr(addr, &fam))
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

/* Split on commas and white space into a NULL-terminated vector (tokens in one buffer). */
char **params_split(const char *v, char **store, size_t *n)
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

const char *params_why(int r, const char *form, char *buf, size_t len)
{
	snprintf(buf, len, "%s: expected %s", r == -ERANGE ? " is out of range" : r == -ENOENT ? " not found" : "",
		 form ? form : "a value as in cellctl(8), PARAMETERS");
	return buf;
}

int params_bad_key(const char *name, int code, const char *sec, const char *key, const char *v, int r,
		   const char *form)
{
	char w[512], e[256];
	return cerr(code, 0, "%s: [%s] %s: invalid value '%s'%s", name ? name : "config", sec, key,
		    str_escape_buf(v, e, sizeof(e)), params_why(r, form, w, sizeof(w)));
}
