/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one reader of config text: a file's bytes, read once by the caller, have their lines
 * checked by the editor (ini.c: FILE:LINE for what iniparser would misread or skip) and their
 * values read by iniparser from the same bytes; after an edit for set --save the new text is read
 * again the same way before it may be written. Knows nothing of what the keys mean (config.c and
 * the parameter table do). */
#include "conftext.h"

#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "ini.h"
#include "log.h"
#include "util.h"

/* ---- the one reader: a text read once, its lines checked, its values read by iniparser ---- */

static char ip_err[1024];

__attribute__((format(printf, 1, 2))) static int ip_errback(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(ip_err);
	int r = 0;
	if (n < sizeof(ip_err) - 1)
		r = vsnprintf(ip_err + n, sizeof(ip_err) - n, fmt, ap);
	va_end(ap);
	return r;
}

/* The memory file the texts go through, made once per process and emptied for each text (a list
 * of 1,000 containers made and dropped 1,000 of them: a fifth of its time). Its owner and identity
 * are checked before each use: a forked child makes its own (parent and child may parse at once),
 * and a process that closed its fds may have the number on another file by now. */
static struct {
	int fd;
	pid_t owner;
	dev_t dev;
	ino_t ino;
} memf = {-1, 0, 0, 0};

/* The memory file's fd and, in *size, the length of what it holds (the caller writes its text over
 * it and cuts it to that text's length: a file emptied for each text freed and took a page again
 * each time). */
static int memf_get(char *p, size_t plen, off_t *size)
{
	struct stat st;
	bool mine = memf.fd >= 0 && memf.owner == getpid() && fstat(memf.fd, &st) == 0 && st.st_dev == memf.dev &&
		    st.st_ino == memf.ino;
	if (mine) {
		snprintf(p, plen, "/proc/self/fd/%d", memf.fd);
		*size = st.st_size;
		return memf.fd;
	}
	/* the fd is a parent's copy, or no longer ours at all: left as it is */
	memf.fd = -1;
	int fd = memfd_create("cellctl-config", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(p, plen, "/proc/self/fd/%d", fd);
	if (access(p, R_OK) < 0 || fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	memf.fd = fd;
	memf.owner = getpid();
	memf.dev = st.st_dev;
	memf.ino = st.st_ino;
	*size = 0;
	return fd;
}

/* iniparser (4.1) reads only from a path: hand it the text through an anonymous memory file (or,
 * without one, a private temporary file), never the config file a second time. NULL with
 * ip_err set when iniparser refuses the text. */
static dictionary *ip_parse_text(const char *text, size_t len)
{
	char p[PATH_MAX];
	off_t size = 0;
	int fd = memf_get(p, sizeof(p), &size);
	bool tmp = false;
	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		snprintf(p, sizeof(p), "%s/cellctl-config.XXXXXX", dir && *dir == '/' ? dir : "/tmp");
		if ((fd = mkostemp(p, O_CLOEXEC)) < 0) {
			snprintf(ip_err, sizeof(ip_err), "no memory file or temporary file to read from: %s", strerror(errno));
			return NULL;
		}
		tmp = true;
	}
	dictionary *d = NULL;
	size_t off = 0;
	while (off < len) {
		ssize_t w = pwrite(fd, text + off, len - off, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < len) {
		snprintf(ip_err, sizeof(ip_err), "write the text to read: %s", strerror(errno));
	} else if (size > (off_t)len && ftruncate(fd, (off_t)len) < 0) {
		/* the end of a longer text before it would be read as this one's */
		snprintf(ip_err, sizeof(ip_err), "cut the text to read: %s", strerror(errno));
		if (!tmp) {
			close(fd);
			memf.fd = -1;
		}
	} else {
		ip_err[0] = 0;
		iniparser_set_error_callback(ip_errback);
		d = iniparser_load(p);
		iniparser_set_error_callback(NULL);
	}
	if (tmp) {
		unlink(p);
		close(fd);
	}
	return d;
}

static const char *const lint_what[] = {
	[INI_LINT_MALFORMED] = "malformed line",
	[INI_LINT_NOSECTION] = "key before any [section]",
	[INI_LINT_TOOLONG] = "line too long",
};

int conf_parse(const char *name, const char *text, size_t len, struct conf_text *out)
{
	memset(out, 0, sizeof(*out));
	const char *nul = memchr(text, 0, len);
	if (nul) {
		unsigned line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		return cerr(EX_BADCONFIG, 0, "%s:%u: malformed line: it holds a NUL byte", name, line);
	}
	struct ini_doc *doc = ini_parse(text);
	unsigned line = 0;
	const char *bad = NULL;
	int what = ini_lint(doc, &line, &bad);
	if (what != INI_LINT_OK) {
		char e[256];
		_cleanup_free_ char *one = xstrndup(bad, strcspn(bad, "\n"));
		str_escape_buf(strtrim(one), e, sizeof(e));
		if (what == INI_LINT_TOOLONG)
			cerr(EX_BADCONFIG, 0, "%s:%u: line too long (at most %d characters)", name, line, INI_LINE_MAX);
		else if (what == INI_LINT_NOSECTION)
			cerr(EX_BADCONFIG, 0,
			     "%s:%u: key before any [section]: %s (this looks like an OpenVZ/vzctl config; cellctl "
			     "configs are INI with [sections], see cellctl.conf(5))",
			     name, line, e);
		else
			cerr(EX_BADCONFIG, 0, "%s:%u: %s: %s", name, line, lint_what[what], e);
		ini_free(doc);
		return -EINVAL;
	}
	dictionary *d = ip_parse_text(text, len);
	if (!d) {
		ini_free(doc);
		ip_err[strcspn(ip_err, "\n")] = 0;
		log_debug("iniparser on %s: %s", name, ip_err);
		return cerr(EX_BADCONFIG, 0, "%s: iniparser cannot read it (a continued line longer than %d characters?)",
			    name, INI_LINE_MAX);
	}
	out->dict = d;
	out->doc = doc;
	return 0;
}

void conf_text_free(struct conf_text *t)
{
	if (t->dict)
		iniparser_freedict(t->dict);
	ini_free(t->doc);
	t->dict = NULL;
	t->doc = NULL;
}

void conf_each(const struct conf_text *t, void (*fn)(const char *sk, const char *value, void *arg), void *arg)
{
	const dictionary *d = t->dict;
	for (ssize_t i = 0; d && i < d->size; i++)
		if (d->key[i] && d->val[i])
			fn(d->key[i], d->val[i], arg);
}

const char *conf_get(const struct conf_text *t, const char *section, const char *key)
{
	/* "section:key" on the stack (a malloc per key was a tenth of a config's parse); a longer one made */
	char sk[1100];
	size_t sl = strlen(section), kl = strlen(key);
	if (sl + kl + 2 > sizeof(sk)) {
		_cleanup_free_ char *big = xasprintf("%s:%s", section, key);
		return iniparser_getstring(t->dict, big, NULL);
	}
	memcpy(sk, section, sl);
	sk[sl] = ':';
	memcpy(sk + sl + 1, key, kl + 1);
	return iniparser_getstring(t->dict, sk, NULL);
}

/* 0 when iniparser read [sec] key as meant; EX_CONFSAVE otherwise */
static int edit_differs(const char *name, const struct conf_text *t, const char *sec, const char *key, const char *meant)
{
	const char *got = conf_get(t, sec, key);
	if (got && !strcmp(got, meant))
		return 0;
	char a[256], b[256];
	return cerr(EX_CONFSAVE, 0, "%s: [%s] %s: the edited file would read '%s', not '%s': not written", name, sec, key,
		    str_escape_buf(got ? got : "", a, sizeof(a)), str_escape_buf(meant, b, sizeof(b)));
}

int conf_check_edit(const char *name, const struct ini_doc *doc, char **text_out)
{
	char *text = ini_render(doc);
	struct conf_text t;
	int r = conf_parse(name, text, strlen(text), &t);
	if (r < 0) {
		free(text);
		return r;
	}
	/* every key ini_set wrote must read as it was asked to, and every key as the editor reads it
	 * (the last line of a name counts, in both) */
	const char *sec, *key, *val;
	for (size_t i = 0; r == 0 && ini_edit_at(doc, i, &sec, &key, &val) == 0; i++)
		r = edit_differs(name, &t, sec, key, val); /* ini_set writes the last line of a key */
	for (size_t i = 0; r == 0 && ini_section_at(doc, i, &sec) == 0; i++)
		for (size_t k = 0; r == 0 && ini_key_at(doc, sec, k, &key, &val) == 0; k++)
			r = edit_differs(name, &t, sec, key, ini_get(doc, sec, key));
	conf_text_free(&t);
	if (r == 0 && text_out)
		*text_out = text;
	else
		free(text);
	return r;
}
