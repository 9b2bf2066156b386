/* Line-preserving INI editor. Each line is kept verbatim; a key line also remembers where its
 * value sits so that a set rewrites only the value and keeps the prefix and inline comment. The
 * value rules follow iniparser's: a quoted value ends at its closing quote, an unquoted one at the
 * first ';' or '#'. */
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
	memset(ln, 0, sizeof(*ln));
}

/* Classify raw and fill the derived fields. */
static void line_parse(struct ini_line *ln)
{
	const char *s = ln->raw;
	free(ln->name);
	free(ln->value);
	ln->name = ln->value = NULL;
	ln->type = L_OTHER;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (e) {
			ln->type = L_SECTION;
			ln->name = trim_dup(s + 1, (size_t)(e - s - 1));
		}
		return;
	}
	const char *eq = strchr(s, '=');
	if (!eq)
		return;
	ln->type = L_KEY;
	ln->name = trim_dup(s, (size_t)(eq - s));
	const char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	ln->vstart = (size_t)(v - ln->raw);
	if ((*v == '"' || *v == '\'') && strchr(v + 1, *v)) {
		const char *q = strchr(v + 1, *v);
		ln->value = xstrndup(v + 1, (size_t)(q - v - 1));
		ln->vend = (size_t)(q + 1 - ln->raw);
		return;
	}
	size_t n = strcspn(v, ";#");
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
		const char *nl = strchr(p, '\n');
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

int ini_load(const char *path, struct ini_doc **out)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, path, &text, NULL);
	if (r < 0)
		return r;
	*out = ini_parse(text);
	return 0;
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

static char *quote_value(const char *v)
{
	size_t n = strlen(v);
	bool need = n && (strpbrk(v, ";#") || isspace((unsigned char)v[0]) ||
			  isspace((unsigned char)v[n - 1]) || v[0] == '"' || v[0] == '\'');
	if (!need)
		return xstrdup(v);
	if (!strchr(v, '"'))
		return xasprintf("\"%s\"", v);
	if (!strchr(v, '\''))
		return xasprintf("'%s'", v);
	log_warn("config value holds both quote characters, it will not read back intact: %s", v);
	return xasprintf("\"%s\"", v);
}

void ini_set(struct ini_doc *d, const char *section, const char *key, const char *value)
{
	if (!value)
		value = "";
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
	ssize_t i = find_key(d, section, key);
	if (i >= 0) {
		struct ini_line *ln = &d->l[i];
		if (!strcmp(ln->value, value))
			return;
		const char *tail = ln->raw + ln->vend;
		bool was_empty = ln->vstart == ln->vend;
		const char *pre = was_empty && ln->vstart && ln->raw[ln->vstart - 1] == '=' && *q ? " " : "";
		const char *post = was_empty && *tail && !isspace((unsigned char)*tail) ? " " : "";
		char *raw = xasprintf("%.*s%s%s%s%s", (int)ln->vstart, ln->raw, pre, q, post, tail);
		free(ln->raw);
		ln->raw = raw;
		line_parse(ln);
		return;
	}
	char *raw = *q ? xasprintf("%s = %s", key, q) : xasprintf("%s =", key);
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
		insert_line(d, (size_t)(at + 1), raw);
		return;
	}
	if (d->n && strspn(d->l[d->n - 1].raw, " \t\r") != strlen(d->l[d->n - 1].raw))
		insert_line(d, d->n, xstrdup(""));
	insert_line(d, d->n, xasprintf("[%s]", section));
	insert_line(d, d->n, raw);
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
