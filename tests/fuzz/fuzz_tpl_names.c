/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_tpl_names: the pure checks on names from a template archive (hostile) and on template
 * names, against independent reference rules.
 *  - tpl_path_ok (every entry name, and every hard link's target): true exactly for a non-empty
 *    relative name shorter than PATH_MAX without a ".." component; and what it accepts, resolved
 *    lexically below a root, never leaves it;
 *  - tpl_name_ok: [A-Za-z0-9._-]{1,128}, not starting with '.'; such a name is one plain file
 *    name component;
 *  - tpl_suffix_len: the length of a cache suffix the name really ends with.
 * Input: the name (bytes up to the first NUL). */
#include <limits.h>

#include "fuzz.h"
#include "template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

static bool ref_path_ok(const char *s)
{
	if (!*s || s[0] == '/' || strlen(s) >= PATH_MAX)
		return false;
	const char *p = s;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* Depth below the root after lexical resolution; -1 when it climbs out. */
static int lexical_depth(const char *s)
{
	int depth = 0;
	const char *p = s;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return -1;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		if (!p[n])
			return depth;
		p += n + 1;
	}
}

static bool ref_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 128 || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fz_str(data, size);
	bool ok = tpl_path_ok(s);
	FZ_CHECK(ok == ref_path_ok(s), "tpl_path_ok('%s') = %d", fz_esc(s), ok);
	if (ok)
		FZ_CHECK(lexical_depth(s) >= 0, "tpl_path_ok accepts '%s', which leaves the root", fz_esc(s));
	/* absolute: the same name below the root */
	if (s[0] != '/') {
		_cleanup_free_ char *abs = xasprintf("/%s", s);
		FZ_CHECK(!tpl_path_ok(abs), "absolute '%s' accepted", fz_esc(abs));
	}

	bool nok = tpl_name_ok(s);
	FZ_CHECK(nok == ref_name_ok(s), "tpl_name_ok('%s') = %d", fz_esc(s), nok);
	if (nok)
		FZ_CHECK(!strchr(s, '/') && strcmp(s, ".") && strcmp(s, ".."), "template name '%s' is not one component",
			 fz_esc(s));

	size_t k = tpl_suffix_len(s), n = strlen(s);
	FZ_CHECK(k <= n, "suffix %zu longer than '%s'", k, fz_esc(s));
	if (k)
		FZ_CHECK(!strncmp(s + n - k, ".tar", 4), "suffix of '%s' is '%s'", fz_esc(s), fz_esc(s + n - k));
	else
		FZ_CHECK(!str_endswith(s, ".tar"), "'%s' ends with .tar but has no suffix", fz_esc(s));
	return 0;
}
