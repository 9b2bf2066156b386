/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_manifest: a backup's manifest (cellctl-backup/manifest.json, from an archive that
 * restore-backup treats as hostile) through bk_manifest_parse and bk_manifest_format.
 *  - bk_manifest_parse takes any text without crashing or leaking, and fills only bounded fields;
 *  - what it accepts formats to a text that parses again to the same manifest (the formatted text
 *    is a fixed point). */
#include "backup.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	struct bk_manifest m, m2;
	if (bk_manifest_parse(in, &m) < 0)
		return 0;
	FZ_CHECK(m.format <= BK_FORMAT, "accepted format %u, newer than %u\ninput: %s", m.format, BK_FORMAT, fz_esc(in));
	_cleanup_free_ char *t1 = bk_manifest_format(&m);
	int r = bk_manifest_parse(t1, &m2);
	FZ_CHECK(r == 0, "formatted manifest does not parse (%d)\ninput: %s\nformatted: %s", r, fz_esc(in), fz_esc(t1));
	_cleanup_free_ char *t2 = bk_manifest_format(&m2);
	FZ_CHECK(!strcmp(t1, t2), "manifest changed on a round trip\nformatted: %s\nagain: %s", fz_esc(t1), fz_esc(t2));
	return 0;
}
