/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <stddef.h>

struct ini_doc;

/* ---- the one reader ----
 * Every config value cellctl acts on comes from one iniparser parse of one read of the file. The
 * text is read once; the editor (ini.c) checks its lines (FILE:LINE for a malformed line, a key
 * before any [section], a line too long) and keeps it for set --save; iniparser reads the values
 * from the same bytes. */
struct _dictionary_;
struct conf_text {
	struct ini_doc *doc;       /* the text, for editing */
	struct _dictionary_ *dict; /* iniparser's reading of it */
};
/* Check and parse text (len bytes, read once from the file name). EX_BADCONFIG "NAME:LINE:
 * malformed line: TEXT" (or "key before any [section]", with a hint for OpenVZ files, or "line
 * too long"), -EINVAL; 0 and *out filled (conf_text_free it). */
int conf_parse(const char *name, const char *text, size_t len, struct conf_text *out);
void conf_text_free(struct conf_text *t);
/* Each "section:key" (lower case, as iniparser keeps it) that has a value, with the value, in
 * no particular order: fn(sk, value, arg). */
void conf_each(const struct conf_text *t, void (*fn)(const char *sk, const char *value, void *arg), void *arg);
/* The value of [section] key as iniparser read it, NULL when absent. */
const char *conf_get(const struct conf_text *t, const char *section, const char *key);
/* After an edit: render doc, parse the text again as above, and check that iniparser reads every
 * key of doc as the editor meant it. 0 and *text (malloc'd, may be NULL) what to write;
 * EX_CONFSAVE naming the key otherwise, and nothing should be written. */
int conf_check_edit(const char *name, const struct ini_doc *doc, char **text);
