/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON writer: see json.h. */
#include "json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A well-formed UTF-8 sequence at p: its length and code point; false when it is not one. */
static bool utf8_decode(const unsigned char *p, size_t *len, unsigned *cp)
{
	unsigned c = p[0], min;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return false;
	unsigned v = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*len = n;
	*cp = v;
	return true;
}

void json_escape(struct strbuf *sb, const char *s)
{
	sb_addn(sb, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, cp;
		size_t n;
		if (c == '"' || c == '\\') {
			sb_printf(sb, "\\%c", c);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			sb_addn(sb, (const char *)p, 1);
			p++;
		} else if (utf8_decode(p, &n, &cp)) {
			if (cp < 0xa0)
				sb_printf(sb, "\\u%04x", cp);
			else
				sb_addn(sb, (const char *)p, n);
			p += n;
		} else {
			sb_add(sb, "\\ufffd");
			p++;
		}
	}
	sb_addn(sb, "\"", 1);
}

void json_init(struct json *j)
{
	*j = (struct json){.nl = -1};
}

void json_nl(struct json *j, int indent) { j->nl = indent; }

static void newline(struct json *j, int indent)
{
	sb_addn(&j->sb, "\n", 1);
	for (int i = 0; i < indent; i++)
		sb_addn(&j->sb, " ", 1);
}

/* Before an item: the separator and the line break asked for; nothing for the value of a key. */
static void item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	bool more = j->depth && j->any[j->depth - 1];
	if (more)
		sb_addn(&j->sb, j->nl >= 0 ? "," : ", ", j->nl >= 0 ? 1 : 2);
	if (j->nl >= 0)
		newline(j, j->nl);
	if (j->depth)
		j->any[j->depth - 1] = true;
	j->nl = -1;
}

static void open_(struct json *j, char open, char close)
{
	item(j);
	if (j->depth >= JSON_MAX_DEPTH)
		abort(); /* a programming error: no document of ours nests this deep */
	sb_addn(&j->sb, &open, 1);
	j->close[j->depth] = close;
	j->any[j->depth] = false;
	j->depth++;
}

void json_obj(struct json *j) { open_(j, '{', '}'); }
void json_arr(struct json *j) { open_(j, '[', ']'); }

void json_end(struct json *j)
{
	if (!j->depth)
		abort();
	j->depth--;
	sb_addn(&j->sb, &j->close[j->depth], 1);
	j->nl = -1;
}

void json_end_nl(struct json *j, int indent)
{
	if (j->depth && j->any[j->depth - 1])
		newline(j, indent);
	json_end(j);
}

void json_key(struct json *j, const char *key)
{
	item(j);
	json_escape(&j->sb, key);
	sb_addn(&j->sb, ": ", 2);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	item(j);
	if (s)
		json_escape(&j->sb, s);
	else
		sb_add(&j->sb, "null");
}

void json_u64(struct json *j, uint64_t v)
{
	item(j);
	sb_printf(&j->sb, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	item(j);
	sb_printf(&j->sb, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	item(j);
	sb_add(&j->sb, v ? "true" : "false");
}

void json_null(struct json *j)
{
	item(j);
	sb_add(&j->sb, "null");
}

void json_numf(struct json *j, const char *fmt, ...)
{
	item(j);
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_add(&j->sb, buf);
}

char *json_done(struct json *j)
{
	sb_addn(&j->sb, "\n", 1);
	char *s = sb_done(&j->sb);
	json_init(j);
	return s;
}
