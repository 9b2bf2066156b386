/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Line-preserving INI editor. Each line is kept verbatim; a key line also remembers where its
 * value sits so that a set rewrites only the value and keeps the prefix and inline comment.
 *
 * The editor must find the same sections, keys and values as the reader (iniparser 4.1), so it
 * follows iniparser's line rules (tests/fuzz/fuzz_ini checks the two against each other):
 *  - a line ending in a backslash (after trailing white space) continues on the next line; the
 *    backslash is dropped and the next line appended as it is; a continued line at the end of
 *    the file is dropped;
 *  - a section header starts with '[' and ends with ']'; its name runs to the first ']'; an
 *    empty "[]" header cuts iniparser's current section name to its first character (it
 *    lowercases the name with the header line's length as the limit): ini_lint refuses it;
 *  - after '=' any white space is skipped; a value opening with a quote and a non-quote ends at
 *    the next such quote or the end of the line; "" and '' alone are empty; any other value
 *    ends at the first ';' or '#', trailing white space dropped. */
#include "ini.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"

enum { L_OTHER, L_SECTION, L_KEY };

struct ini_line {
	char *raw;
	int type;
	char *name;        /* section name (L_SECTION) or key (L_KEY), trimmed */
	char *value;       /* L_KEY: the value as iniparser would read it */
	size_t vstart, vend; /* L_KEY: value span in raw, quotes included */
	char *meant;       /* L_KEY written by ini_set: the value it was asked for (NULL: not edited) */
	bool joined;       /* raw holds several physical lines (continuations) */
	bool dangling;     /* a continuation at the end of the file: iniparser drops it */
};

struct ini_doc {
	struct ini_line *l;
	size_t n, cap;
	bool final_nl;
};

static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void line_clear(struct ini_line *ln)
{
	free(ln->raw);
	free(ln->name);
	free(ln->value);
	free(ln->meant);
	memset(ln, 0, sizeof(*ln));
}

/* The text iniparser reads for raw, a line that may span several physical lines: while the text
 * so far ends in a backslash (after trailing white space), that white space and the backslash go
 * and the next physical line is appended. *dangling: the text still ends in a backslash (a
 * continuation with nothing after it, which iniparser drops). */
static char *logical_text(const char *raw, bool *dangling)
{
	struct strbuf b = {0};
	for (const char *p = raw;;) {
		const char *nl = strchr(p, '\n');
		sb_addn(&b, p, nl ? (size_t)(nl - p) : strlen(p));
		while (b.len && isspace((unsigned char)b.s[b.len - 1]))
			b.len--;
		bool cont = b.len && b.s[b.len - 1] == '\\';
		if (!nl || !cont) {
			if (dangling)
				*dangling = cont;
			break;
		}
		b.len--; /* the backslash */
		p = nl + 1;
	}
	if (b.s)
		b.s[b.len] = 0;
	return sb_done(&b);
}

/* Classify raw and fill the derived fields. */
static void line_parse(struct ini_line *ln)
{
	free(ln->name);
	free(ln->value);
	ln->name = ln->value = NULL;
	ln->type = L_OTHER;
	ln->joined = strchr(ln->raw, '\n') != NULL;
	_cleanup_free_ char *text = logical_text(ln->raw, &ln->dangling);
	if (ln->dangling)
		return;
	const char *s = text;
	while (isspace((unsigned char)*s))
		s++;
	const char *end = s + strlen(s); /* trailing white space is gone */
	if (s == end || *s == ';' || *s == '#')
		return;
	if (*s == '[' && end[-1] == ']') {
		const char *e = memchr(s, ']', (size_t)(end - s));
		if (e > s + 1) {
			ln->type = L_SECTION;
			ln->name = trim_dup(s + 1, (size_t)(e - s - 1));
		}
		return;
	}
	const char *eq = memchr(s, '=', (size_t)(end - s));
	if (!eq)
		return;
	ln->type = L_KEY;
	ln->name = trim_dup(s, (size_t)(eq - s));
	const char *v = eq + 1;
	while (v < end && isspace((unsigned char)*v))
		v++;
	ln->vstart = (size_t)(v - text);
	if (v + 1 < end && (*v == '"' || *v == '\'') && v[1] != *v) {
		const char *q = memchr(v + 1, *v, (size_t)(end - v - 1));
		const char *ve = q ? q : end;
		ln->value = xstrndup(v + 1, (size_t)(ve - v - 1));
		ln->vend = (size_t)((q ? q + 1 : end) - text);
		return;
	}
	size_t n = strcspn(v, ";#");
	if (n > (size_t)(end - v))
		n = (size_t)(end - v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	ln->vend = ln->vstart + n;
	ln->value = xstrndup(v, n);
	/* iniparser reads "" and '' as empty */
	if (!strcmp(ln->value, "\"\"") || !strcmp(ln->value, "''"))
		ln->value[0] = 0;
}

static struct ini_line *insert_line(struct ini_doc *d, size_t at, char *raw)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->l = xrealloc(d->l, d->cap * sizeof(*d->l));
	}
	memmove(d->l + at + 1, d->l + at, (d->n - at) * sizeof(*d->l));
	d->n++;
	struct ini_line *ln = &d->l[at];
	memset(ln, 0, sizeof(*ln));
	ln->raw = raw;
	line_parse(ln);
	return ln;
}

static void remove_line(struct ini_doc *d, size_t at)
{
	line_clear(&d->l[at]);
	memmove(d->l + at, d->l + at + 1, (d->n - at - 1) * sizeof(*d->l));
	d->n--;
}

struct ini_doc *ini_new(void)
{
	struct ini_doc *d = xcalloc(1, sizeof(*d));
	d->final_nl = true;
	return d;
}

struct ini_doc *ini_parse(const char *text)
{
	struct ini_doc *d = ini_new();
	if (!text || !*text)
		return d;
	const char *p = text;
	while (*p) {
		/* a continued line takes the next physical lines with it */
		const char *nl = strchr(p, '\n');
		while (nl && nl[1]) {
			_cleanup_free_ char *part = xstrndup(p, (size_t)(nl - p));
			bool cont = false;
			free(logical_text(part, &cont));
			if (!cont)
				break;
			nl = strchr(nl + 1, '\n');
		}
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		insert_line(d, d->n, xstrndup(p, n));
		if (!nl) {
			d->final_nl = false;
			break;
		}
		p = nl + 1;
	}
	return d;
}

void ini_free(struct ini_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		line_clear(&d->l[i]);
	free(d->l);
	free(d);
}

static bool same(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

/* Index of the last line holding key in section, or -1. Keys before any section are in "". */
static ssize_t find_key(const struct ini_doc *d, const char *section, const char *key)
{
	const char *cur = "";
	ssize_t found = -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct ini_line *ln = &d->l[i];
		if (ln->type == L_SECTION)
			cur = ln->name;
		else if (ln->type == L_KEY && same(cur, section) && same(ln->name, key))
			found = (ssize_t)i;
	}
	return found;
}

const char *ini_get(const struct ini_doc *d, const char *section, const char *key)
{
	ssize_t i = find_key(d, section, key);
	return i < 0 ? NULL : d->l[i].value;
}

/* How ini_set writes a value: bare, or quoted when a bare value would not read back (';' '#',
 * white space at either end, a quote first, a backslash last: that continues the line). NULL when
 * no form reads back: a line break, or both quote characters in a value that needs quoting. */
static char *quote_value(const char *v)
{
	size_t n = strlen(v);
	if (strpbrk(v, "\r\n"))
		return NULL;
	bool need = n && (strpbrk(v, ";#") || isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) ||
			  v[0] == '"' || v[0] == '\'' || v[n - 1] == '\\');
	if (!need)
		return xstrdup(v);
	if (!strchr(v, '"'))
		return xasprintf("\"%s\"", v);
	if (!strchr(v, '\''))
		return xasprintf("'%s'", v);
	return NULL;
}

/* The line ini_set writes for a new key. */
static char *key_line(const char *key, const char *q)
{
	return *q ? xasprintf("%s = %s", key, q) : xasprintf("%s =", key);
}

bool ini_value_ok(const char *key, const char *value)
{
	_cleanup_free_ char *q = quote_value(value ? value : "");
	if (!q)
		return false;
	_cleanup_free_ char *line = key_line(key, q);
	return strlen(line) <= INI_LINE_MAX;
}

/* The part of the text after a value that a new value keeps: white space and a comment. Text
 * between a closing quote and the comment, which both readers ignore, goes: a new bare value
 * would take it in. */
static const char *kept_tail(const char *t)
{
	const char *s = t;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return t;
	s = strpbrk(s, ";#");
	return s ? s : "";
}

void ini_set(struct ini_doc *d, const char *section, const char *key, const char *value)
{
	if (!value)
		value = "";
	const char *asked = value;
	_cleanup_free_ char *flat = NULL;
	if (strpbrk(value, "\r\n")) {
		/* one line per key: a newline would split the value into a malformed line */
		log_warn("config value for %s holds a newline, replaced by a space", key);
		flat = xstrdup(value);
		for (char *p = flat; (p = strpbrk(p, "\r\n"));)
			*p = ' ';
		value = flat;
	}
	_cleanup_free_ char *q = quote_value(value);
	if (!q) {
		log_warn("config value holds both quote characters, it will not read back intact: %s", value);
		q = xasprintf("\"%s\"", value);
	}
	if (strlen(key) + 3 + strlen(q) > INI_LINE_MAX)
		log_warn("config value for %s is too long for one line, the file will not load: %s", key, value);
	ssize_t i = find_key(d, section, key);
	if (i >= 0) {
		struct ini_line *ln = &d->l[i];
		if (!strcmp(ln->value, value))
			return;
		char *raw = NULL;
		if (!ln->joined) {
			/* in place: keep the prefix and an inline comment */
			const char *tail = kept_tail(ln->raw + ln->vend);
			bool cut = tail != ln->raw + ln->vend;
			bool was_empty = ln->vstart == ln->vend;
			const char *pre = was_empty && ln->vstart && ln->raw[ln->vstart - 1] == '=' && *q ? " " : "";
			const char *post = (was_empty || cut) && *tail && !isspace((unsigned char)*tail) ? " " : "";
			raw = xasprintf("%.*s%s%s%s%s", (int)ln->vstart, ln->raw, pre, q, post, tail);
		}
		/* a continued line, or one that would grow too long, is written anew */
		if (!raw || strlen(raw) > INI_LINE_MAX) {
			free(raw);
			raw = key_line(ln->name, q);
		}
		free(ln->raw);
		ln->raw = raw;
		line_parse(ln);
		free(ln->meant);
		ln->meant = xstrdup(asked);
		return;
	}
	char *raw = key_line(key, q);
	/* after the last key (or header) of the section */
	const char *cur = "";
	ssize_t at = -1;
	bool in_section = !section || !*section;
	for (size_t j = 0; j < d->n; j++) {
		const struct ini_line *ln = &d->l[j];
		if (ln->type == L_SECTION) {
			cur = ln->name;
			in_section = same(cur, section);
			if (in_section)
				at = (ssize_t)j;
		} else if (ln->type == L_KEY && in_section) {
			at = (ssize_t)j;
		}
	}
	if (at >= 0 || !section || !*section) {
		insert_line(d, (size_t)(at + 1), raw)->meant = xstrdup(asked);
		return;
	}
	/* a new section at the end, but before a dangling continuation (it must stay last) */
	size_t end = d->n && d->l[d->n - 1].dangling ? d->n - 1 : d->n;
	if (end && strspn(d->l[end - 1].raw, " \t\r") != strlen(d->l[end - 1].raw))
		insert_line(d, end++, xstrdup(""));
	insert_line(d, end++, xasprintf("[%s]", section));
	insert_line(d, end, raw)->meant = xstrdup(asked);
}

int ini_unset(struct ini_doc *d, const char *section, const char *key)
{
	int removed = 0;
	ssize_t i;
	while ((i = find_key(d, section, key)) >= 0) {
		remove_line(d, (size_t)i);
		removed = 1;
	}
	return removed;
}

int ini_remove_section(struct ini_doc *d, const char *section)
{
	int removed = 0;
	for (size_t i = 0; i < d->n;) {
		if (d->l[i].type != L_SECTION || !same(d->l[i].name, section)) {
			i++;
			continue;
		}
		/* the header and everything up to the next header */
		do
			remove_line(d, i);
		while (i < d->n && d->l[i].type != L_SECTION);
		removed = 1;
	}
	/* drop a trailing blank line left behind */
	while (removed && d->n && !d->l[d->n - 1].raw[strspn(d->l[d->n - 1].raw, " \t\r")])
		remove_line(d, d->n - 1);
	return removed;
}

int ini_lint(const struct ini_doc *d, unsigned *line, const char **text)
{
	const char *cur = NULL; /* no section yet (an empty "[ ]" header counts as none) */
	unsigned no = 1;
	for (size_t i = 0; i < d->n; i++) {
		const struct ini_line *ln = &d->l[i];
		int what = INI_LINT_OK;
		if (ln->type == L_SECTION) {
			cur = ln->name;
		} else if (ln->type == L_KEY) {
			if (!*ln->name)
				what = INI_LINT_MALFORMED; /* "= value": iniparser's syntax error */
			else if (!cur || !*cur)
				what = INI_LINT_NOSECTION;
		} else if (!ln->dangling) {
			/* blank, a comment, "[]", or what iniparser calls a syntax error; after "[]" iniparser
			 * files the keys under the first character of the section's name: malformed too
			 * (fuzz_ini found it, "[\" continued by "]") */
			_cleanup_free_ char *t = logical_text(ln->raw, NULL);
			const char *s = t;
			while (isspace((unsigned char)*s))
				s++;
			if ((*s && *s != ';' && *s != '#' && !(*s == '[' && s[strlen(s) - 1] == ']')) ||
			    (s[0] == '[' && s[1] == ']'))
				what = INI_LINT_MALFORMED;
		}
		/* iniparser reads at most INI_LINE_MAX characters of a physical line */
		for (const char *p = ln->raw; what == INI_LINT_OK && p;) {
			const char *nl = strchr(p, '\n');
			if ((nl ? (size_t)(nl - p) : strlen(p)) > INI_LINE_MAX)
				what = INI_LINT_TOOLONG;
			p = nl ? nl + 1 : NULL;
		}
		if (what != INI_LINT_OK) {
			*line = no;
			*text = ln->raw;
			return what;
		}
		for (const char *p = ln->raw; (p = strchr(p, '\n')); p++)
			no++;
		no++;
	}
	return INI_LINT_OK;
}

int ini_key_at(const struct ini_doc *d, const char *section, size_t idx, const char **key, const char **value)
{
	const char *cur = "";
	for (size_t i = 0; i < d->n; i++) {
		const struct ini_line *ln = &d->l[i];
		if (ln->type == L_SECTION)
			cur = ln->name;
		else if (ln->type == L_KEY && same(cur, section) && idx-- == 0) {
			*key = ln->name;
			*value = ln->value;
			return 0;
		}
	}
	return -1;
}

int ini_edit_at(const struct ini_doc *d, size_t idx, const char **section, const char **key, const char **meant)
{
	const char *cur = "";
	for (size_t i = 0; i < d->n; i++) {
		const struct ini_line *ln = &d->l[i];
		if (ln->type == L_SECTION)
			cur = ln->name;
		else if (ln->type == L_KEY && ln->meant && idx-- == 0) {
			*section = cur;
			*key = ln->name;
			*meant = ln->meant;
			return 0;
		}
	}
	return -1;
}

int ini_section_at(const struct ini_doc *d, size_t idx, const char **name)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ini_line *ln = &d->l[i];
		if (ln->type != L_SECTION)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = d->l[j].type == L_SECTION && same(d->l[j].name, ln->name);
		if (!seen && idx-- == 0) {
			*name = ln->name;
			return 0;
		}
	}
	return -1;
}

char *ini_render(const struct ini_doc *d)
{
	size_t len = 1;
	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->l[i].raw) + 1;
	char *out = xmalloc(len), *p = out;
	for (size_t i = 0; i < d->n; i++) {
		size_t n = strlen(d->l[i].raw);
		memcpy(p, d->l[i].raw, n);
		p += n;
		if (i + 1 < d->n || d->final_nl)
			*p++ = '\n';
	}
	*p = 0;
	return out;
}

int ini_save(const struct ini_doc *d, const char *path, unsigned mode)
{
	_cleanup_free_ char *text = ini_render(d);
	return write_file_atomic(path, text, strlen(text), (mode_t)mode);
}
