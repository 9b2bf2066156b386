/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_osrelease: the guest's os-release (a file the guest's root owns: hostile) through the
 * parser that picks the distribution's network configuration writers.
 *  - dnet_osrel_value, dnet_family and dnet_choose take any text without crashing or leaking; a
 *    value never holds a newline;
 *  - dnet_choose agrees with dnet_family (a family gets writers, no family none) and only ever
 *    picks writers that are present;
 *  - quoting: the first line of the input, written as a value the way os-release(5) quotes it
 *    (double quotes with \ " $ ` escaped, single quotes, or bare), after the input's own lines,
 *    reads back as that line. */
#include <ctype.h>

#include "distnet.h"
#include "fuzz.h"

static const char *const keys[] = {"ID", "ID_LIKE", "NAME", "VERSION_ID", "PRETTY_NAME", ""};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

static void roundtrip(const char *text, const char *v, int style)
{
	struct strbuf b = {0};
	sb_add(&b, text);
	if (b.len && b.s[b.len - 1] != '\n')
		sb_add(&b, "\n");
	sb_add(&b, "PRETTY_NAME=");
	if (style == 0) {
		sb_add(&b, "\"");
		for (const char *p = v; *p; p++) {
			if (strchr("\\\"$`", *p))
				sb_add(&b, "\\");
			sb_addn(&b, p, 1);
		}
		sb_add(&b, "\"");
	} else if (style == 1) {
		sb_printf(&b, "'%s'", v);
	} else {
		sb_add(&b, v);
	}
	sb_add(&b, "\n");
	_cleanup_free_ char *t = sb_done(&b);
	_cleanup_free_ char *got = dnet_osrel_value(t, "PRETTY_NAME");
	FZ_CHECK(fz_streq(got, v), "style %d: '%s' reads back as '%s'\ntext: %s", style, fz_esc(v), fz_esc(got),
		 fz_esc(t));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *v = dnet_osrel_value(in, keys[i]);
		FZ_CHECK(!v || !strchr(v, '\n'), "%s value holds a newline: '%s'", keys[i], fz_esc(v));
	}
	const char *fam = dnet_family(in);
	unsigned all = dnet_choose(in, true, true);
	FZ_CHECK((fam != NULL) == (all != 0), "family %s but writers %#x", fam ? fam : "(none)", all);
	FZ_CHECK(dnet_choose(in, false, false) == 0, "writers chosen with none present");
	FZ_CHECK((dnet_choose(in, true, false) & ~(unsigned)DNET_IFUPDOWN) == 0, "networkd chosen, not enabled");
	FZ_CHECK((dnet_choose(in, false, true) & ~(unsigned)DNET_NETWORKD) == 0, "ifupdown chosen, not present");

	/* the first line as a value */
	_cleanup_free_ char *v = xstrndup(in, strcspn(in, "\n"));
	roundtrip(in, v, 0);
	if (!strchr(v, '\''))
		roundtrip(in, v, 1);
	bool bare = *v != 0;
	for (const char *p = v; *p && bare; p++)
		bare = isalnum((unsigned char)*p) || strchr("._-", *p);
	if (bare)
		roundtrip(in, v, 2);
	return 0;
}
