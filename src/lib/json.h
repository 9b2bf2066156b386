/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one JSON writer behind every -j (list, ubc, netstat, quota-report): objects, arrays,
 * strings through one escaper, numbers, booleans and null, appended to a string.
 *
 * The layout is the caller's, because the documents are an API and keep their exact bytes: items
 * of an object or array are separated by ", ", or by ",\n" and an indent when json_nl asked for a
 * line break before the item; json_end_nl closes on a new line (only when the container holds
 * something). json_done ends the document with a newline. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define JSON_MAX_DEPTH 16

struct json {
	struct strbuf sb;
	unsigned depth;
	char close[JSON_MAX_DEPTH]; /* '}' or ']' of each open container */
	bool any[JSON_MAX_DEPTH];   /* it holds an item already */
	bool after_key;             /* a key was written: the next value belongs to it */
	int nl;                     /* line break with this indent before the next item; -1 none */
};

/* Start an empty document. */
void json_init(struct json *j);
/* Put the next item (a key, or a value in an array) on a new line indented by indent spaces. */
void json_nl(struct json *j, int indent);
/* Open an object / an array (a value: after a key, in an array, or the document). */
void json_obj(struct json *j);
void json_arr(struct json *j);
/* Close the innermost object or array; json_end_nl first breaks the line (indent spaces) when it
 * holds an item. */
void json_end(struct json *j);
void json_end_nl(struct json *j, int indent);
/* A key of the open object ("key": ), escaped as a string. */
void json_key(struct json *j, const char *key);
/* Values. json_str(NULL) writes null. json_numf writes a number in the caller's printf format
 * ("%g", "%.2f"); the caller makes sure it is one. */
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_numf(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The document followed by a newline (malloc'd; the writer is reset). */
char *json_done(struct json *j);

/* The string escaper: s as a JSON string (with its quotes) that is valid UTF-8 and shows no
 * control character raw: '"' and '\' backslashed, the C0 controls, DEL and the C1 controls
 * (U+0080..U+009F) as \u00XX, each byte that is not part of well-formed UTF-8 (stray, overlong,
 * surrogate, beyond U+10FFFF, cut short) as \ufffd. */
void json_escape(struct strbuf *sb, const char *s);
