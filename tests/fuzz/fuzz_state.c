/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_state: the run state file (run_dir/CTID.state) through the public state_parse and
 * state_format.
 *  - state_parse takes any text without crashing or leaking;
 *  - what it accepts formats to a text that parses again, to the same state: the formatted
 *    text is a fixed point (format(parse(format(parse(x)))) == format(parse(x))). Compared as
 *    text, so fields added to the state later are covered as long as state_format writes them. */
#include "fuzz.h"
#include "state.h"

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
	struct ct_state s, s2;
	if (state_parse(in, &s) < 0)
		return 0;
	_cleanup_free_ char *t1 = state_format(&s);
	int r = state_parse(t1, &s2);
	FZ_CHECK(r == 0, "formatted state does not parse (%d)\ninput: %s\nformatted: %s", r, fz_esc(in), fz_esc(t1));
	_cleanup_free_ char *t2 = state_format(&s2);
	FZ_CHECK(!strcmp(t1, t2), "state changed on a round trip\nformatted: %s\nagain: %s", fz_esc(t1), fz_esc(t2));
	FZ_CHECK(s.monitor_pid == s2.monitor_pid && s.monitor_start == s2.monitor_start && s.init_pid == s2.init_pid &&
			 s.init_start == s2.init_start && s.userns == s2.userns && s.uid_base == s2.uid_base &&
			 s.boots == s2.boots && s.cg.mode == s2.cg.mode && s.cg.n == s2.cg.n,
		 "fields differ after a round trip\nformatted: %s", fz_esc(t1));
	cerr_clear();
	return 0;
}
