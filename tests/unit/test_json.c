/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c: the one string escaper (controls, DEL, C1, invalid UTF-8 as list -j has always printed
 * them), nesting and the caller's layout (line breaks, empty containers), numbers, null. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

static char *esc(const char *s)
{
	struct strbuf b = {0};
	json_escape(&b, s);
	return sb_done(&b);
}

#define ESC(in, want)                                                                                                  \
	do {                                                                                                           \
		char *t_ = esc(in);                                                                                    \
		assert_string_equal(t_, want);                                                                         \
		free(t_);                                                                                              \
	} while (0)

static void test_escape(void **state)
{
	(void)state;
	ESC("", "\"\"");
	ESC("plain text 123", "\"plain text 123\"");
	ESC("quote \" backslash \\ slash /", "\"quote \\\" backslash \\\\ slash /\"");
	/* C0 controls, ESC, DEL */
	ESC("\x01\t\n\r\x1b[31m\x1f\x7f", "\"\\u0001\\u0009\\u000a\\u000d\\u001b[31m\\u001f\\u007f\"");
	/* C1 controls (well-formed UTF-8 U+0080..U+009F) escaped; U+00A0 and beyond pass */
	ESC("\xc2\x80\xc2\x85\xc2\x9f\xc2\xa0", "\"\\u0080\\u0085\\u009f\xc2\xa0\"");
	ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* not UTF-8: each offending byte becomes U+FFFD */
	ESC("\xff", "\"\\ufffd\"");
	ESC("a\x80z", "\"a\\ufffdz\"");                         /* stray continuation byte */
	ESC("\xc0\xaf", "\"\\ufffd\\ufffd\"");                 /* overlong '/' */
	ESC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");      /* overlong, 3 bytes */
	ESC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");      /* a surrogate */
	ESC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* beyond U+10FFFF */
	ESC("\xe2\x82", "\"\\ufffd\\ufffd\"");                 /* cut short at the end */
	ESC("\xe2\x82\"", "\"\\ufffd\\ufffd\\\"\"");           /* cut short before a quote */
}

static void test_nesting(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_obj(&j);
	json_key(&j, "a");
	json_u64(&j, 18446744073709551615ull);
	json_key(&j, "b");
	json_i64(&j, -5);
	json_key(&j, "c");
	json_null(&j);
	json_key(&j, "d");
	json_bool(&j, true);
	json_key(&j, "e");
	json_bool(&j, false);
	json_key(&j, "f");
	json_numf(&j, "%.2f", 12.5);
	json_key(&j, "g");
	json_str(&j, NULL);
	json_key(&j, "h\n\"k\"");
	json_arr(&j);
	json_arr(&j);
	json_end(&j);
	json_obj(&j);
	json_end_nl(&j, 4); /* empty: no line break */
	json_arr(&j);
	json_str(&j, "x");
	json_arr(&j);
	json_u64(&j, 1);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	char *t = json_done(&j);
	assert_string_equal(t, "{\"a\": 18446744073709551615, \"b\": -5, \"c\": null, \"d\": true, \"e\": false, "
			       "\"f\": 12.50, \"g\": null, \"h\\u000a\\\"k\\\"\": [[], {}, [\"x\", [1]]]}\n");
	free(t);
	/* the writer starts over after json_done */
	json_arr(&j);
	json_end_nl(&j, 0);
	t = json_done(&j);
	assert_string_equal(t, "[]\n");
	free(t);
}

/* The layout of list -j and netstat -j: one item a line, the closing bracket on its own line. */
static void test_layout(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_arr(&j);
	for (unsigned i = 1; i <= 2; i++) {
		json_nl(&j, 2);
		json_obj(&j);
		json_key(&j, "ctid");
		json_u64(&j, i);
		json_key(&j, "interfaces");
		json_arr(&j);
		for (unsigned k = 0; k < i - 1; k++) {
			json_nl(&j, 4);
			json_obj(&j);
			json_key(&j, "ifname");
			json_str(&j, "eth0");
			json_end(&j);
		}
		json_end_nl(&j, 2);
		json_end(&j);
	}
	json_nl(&j, 1);
	json_str(&j, "last");
	json_end_nl(&j, 0);
	char *t = json_done(&j);
	assert_string_equal(t, "[\n"
			       "  {\"ctid\": 1, \"interfaces\": []},\n"
			       "  {\"ctid\": 2, \"interfaces\": [\n"
			       "    {\"ifname\": \"eth0\"}\n"
			       "  ]},\n"
			       " \"last\"\n"
			       "]\n");
	free(t);
}

/* Every byte value in a string, and a long hostile one: always one valid JSON string. */
static void test_hostile(void **state)
{
	(void)state;
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	char *t = esc(all);
	size_t n = strlen(t);
	assert_true(n > 2 && t[0] == '"' && t[n - 1] == '"');
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)t[i];
		assert_true(c >= 0x20 && c != 0x7f && c < 0x80); /* every non-ASCII byte was invalid here */
		if (c == '\\') {
			assert_non_null(strchr("\"\\u", t[i + 1]));
			i++;
		} else {
			assert_true(c != '"');
		}
	}
	free(t);
	size_t big = 100000;
	char *h = malloc(big + 1);
	assert_non_null(h);
	for (size_t i = 0; i < big; i++)
		h[i] = "\"\\\x01\xff\xe2"[i % 5];
	h[big] = 0;
	t = esc(h);
	assert_int_equal(strlen(t), 2 + (big / 5) * (2 + 2 + 6 + 6 + 6));
	free(t);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
