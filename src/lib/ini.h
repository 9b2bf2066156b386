/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The editor: a line-preserving INI document for set --save (comments, blank lines, unknown keys
 * and key order survive), and the line checks of the reader (ini_lint). Values cellctl acts on
 * are not read here: config.c reads them with iniparser from the same text (conf_parse), and
 * checks an edited text with iniparser before it is written (conf_check_edit). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct ini_doc;

struct ini_doc *ini_new(void);
/* Parse text (never fails on content: unknown lines are kept verbatim). */
struct ini_doc *ini_parse(const char *text);
void ini_free(struct ini_doc *d);
/* Section and key names compare case-insensitively. get returns NULL when absent (value trimmed,
 * surrounding double quotes removed): the value the editor means, for its own checks and
 * conf_check_edit, not for acting on. */
const char *ini_get(const struct ini_doc *d, const char *section, const char *key);
/* Replace the value in place (keeping the line's inline comment), or add the key after the last
 * key of the section, or add the section at the end. Values holding ';' '#', leading/trailing
 * space, a leading quote or a trailing backslash are written quoted. Section and key names are
 * cellctl's own (no ']' '=' ';' '#'). A value ini_value_ok refuses is written anyway, with a
 * warning: check it first. */
void ini_set(struct ini_doc *d, const char *section, const char *key, const char *value);
/* The longest line iniparser reads (its ASCIILINESZ, 1024, less the newline and the NUL): with
 * a longer one it refuses the whole file. */
#define INI_LINE_MAX 1022
/* Does ini_set write key = value so that it reads back intact (here and in iniparser)? Not when
 * the value holds a line break, or both quote characters and needs quoting, or the line would be
 * longer than INI_LINE_MAX. */
bool ini_value_ok(const char *key, const char *value);
/* What ini_lint finds first. */
enum { INI_LINT_OK, INI_LINT_MALFORMED, INI_LINT_NOSECTION, INI_LINT_TOOLONG };
/* The first line of d that cellctl's reader refuses: one iniparser calls a syntax error
 * (INI_LINT_MALFORMED; also an empty "[]" header, after which iniparser files the keys under the
 * first character of the section name), a key before any [section] (INI_LINT_NOSECTION:
 * iniparser would take it and cellctl ignore it), a physical line longer than INI_LINE_MAX
 * (INI_LINT_TOOLONG). Returns
 * INI_LINT_OK, or the problem with *line its 1-based number (the first physical line of a
 * continued one) and *text the line as it is in the file. */
int ini_lint(const struct ini_doc *d, unsigned *line, const char **text);
/* Returns 1 if removed, 0 if absent. */
int ini_unset(struct ini_doc *d, const char *section, const char *key);
/* Iterate keys of a section in file order: idx from 0; returns 0 and fills key/value, -1 at end. */
int ini_key_at(const struct ini_doc *d, const char *section, size_t idx, const char **key, const char **value);
char *ini_render(const struct ini_doc *d); /* malloc'd text */
int ini_save(const struct ini_doc *d, const char *path, unsigned mode); /* atomic: tmp, fsync, rename */
/* Remove a section: its header and every line up to the next header. 1 if removed, 0 if absent. */
int ini_remove_section(struct ini_doc *d, const char *section);
/* Iterate the keys ini_set wrote, in file order: idx from 0; 0 and fills section, key and the
 * value ini_set was asked for (what the line must read as), -1 at end. */
int ini_edit_at(const struct ini_doc *d, size_t idx, const char **section, const char **key, const char **meant);
/* Iterate distinct section names in file order: idx from 0; 0 and fills name, -1 at end. */
int ini_section_at(const struct ini_doc *d, size_t idx, const char **name);
