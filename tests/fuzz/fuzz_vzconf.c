/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_vzconf: OpenVZ container configs (import-vz reads an old host's CTID.conf: text cellctl
 * does not control) through the parser and the key-by-key translation.
 *  - vzconf_parse takes any text; a refusal is EX_BADCONFIG and leaves nothing; an accepted value
 *    never holds a newline;
 *  - quoting round trip: every parsed assignment written back as KEY="value" (\ " $ ` escaped)
 *    parses to the same keys and values;
 *  - vzconf_translate gives one report entry per assignment, leaves no error recorded, and the
 *    config it made (what import-vz saves) loads again through the config reader. */
#include "config.h"
#include "fuzz.h"
#include "vzconf.h"

static struct gconf g = {.config_dir = UNCONST("/nonexistent"), .userns_default = true, .userns_size = 65536, .stop_timeout = 120};

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
	struct vz_vars v;
	cerr_clear();
	if (vzconf_parse(in, "f.conf", &v) < 0) {
		FZ_CHECK(cerr_exit() == EX_BADCONFIG, "refusal with exit %d: %s", cerr_exit(), fz_esc(cerr_msg()));
		FZ_CHECK(v.n == 0 && !v.v, "a refusal left %zu assignments", v.n);
		cerr_clear();
		return 0;
	}
	struct strbuf b = {0};
	for (size_t i = 0; i < v.n; i++) {
		FZ_CHECK(!strchr(v.v[i].value, '\n'), "a value with a newline: '%s'", fz_esc(v.v[i].value));
		sb_printf(&b, "%s=\"", v.v[i].key);
		for (const char *p = v.v[i].value; *p; p++) {
			if (strchr("\\\"$`", *p))
				sb_add(&b, "\\");
			sb_addn(&b, p, 1);
		}
		sb_add(&b, "\"\n");
	}
	_cleanup_free_ char *again = sb_done(&b);
	struct vz_vars w;
	FZ_CHECK(vzconf_parse(again ? again : "", "again.conf", &w) == 0, "written back, refused: %s\n%s",
		 fz_esc(cerr_msg()), fz_esc(again));
	FZ_CHECK(w.n == v.n, "%zu assignments read back as %zu", v.n, w.n);
	for (size_t i = 0; i < v.n; i++)
		FZ_CHECK(!strcmp(v.v[i].key, w.v[i].key) && !strcmp(v.v[i].value, w.v[i].value),
			 "%s='%s' read back as %s='%s'", v.v[i].key, fz_esc(v.v[i].value), w.v[i].key,
			 fz_esc(w.v[i].value));
	vzconf_vars_free(&w);

	struct ct_config *c = NULL;
	FZ_CHECK(ctconf_from_doc(&g, 101, NULL, &c) == 0, "empty config");
	struct vz_report rep;
	vzconf_translate(&v, 101, c, &rep);
	FZ_CHECK(!cerr_msg(), "an error left recorded: %s", fz_esc(cerr_msg()));
	FZ_CHECK(rep.n == v.n, "%zu report entries for %zu assignments", rep.n, v.n);
	FZ_CHECK(rep.count[0] + rep.count[1] + rep.count[2] + rep.count[3] == rep.n, "counts do not add up");
	free(vzconf_report_render(&rep));
	_cleanup_free_ char *text = ini_render(c->doc);
	struct ct_config *back = NULL;
	FZ_CHECK(ctconf_from_text(&g, 101, "back.conf", text, &back) == 0,
		 "the translated config does not load: %s\n%s", fz_esc(cerr_msg()), fz_esc(text));
	ctconf_free(back);
	ctconf_free(c);
	vzconf_report_free(&rep);
	vzconf_vars_free(&v);
	cerr_clear();
	return 0;
}
