/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared bits of the libFuzzer harnesses (tests/fuzz/README.md). Each harness checks properties
 * of public library functions; a failed check aborts, which libFuzzer reports as a crash and
 * saves the input. The library's logger is silenced: the harnesses print only on failure. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed property: print what differs (escaped) and abort. */
#define FZ_CHECK(cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			fz_explain(__VA_ARGS__);                                                   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

__attribute__((format(printf, 1, 2))) static inline void fz_explain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Escaped copy for messages (static ring of buffers: several per printf). */
static inline const char *fz_esc(const char *s)
{
	static char bufs[8][2048];
	static unsigned k;
	char *b = bufs[k++ % 8];
	return s ? str_escape_buf(s, b, sizeof(bufs[0])) : "(null)";
}

/* The input as a C string: a NUL byte ends it, as it ends the text for every reader here. */
static inline char *fz_str(const uint8_t *d, size_t n)
{
	char *s = xmalloc(n + 1);
	memcpy(s, d, n);
	s[n] = 0;
	return s;
}

static inline bool fz_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Quiet library: no log output, no error carried between inputs. */
static inline void fz_quiet(void)
{
	log_init(NULL, -1);
	cerr_clear();
}

static int fz_iniparser_quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* Text to a file: path is rewritten in place (truncate, write). */
static inline void fz_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_full(fd, text, strlen(text)) < 0) {
		perror(path);
		abort();
	}
	close(fd);
}

static char fz_dir[512];

static void fz_rmdir(void)
{
	if (fz_dir[0])
		fs_remove_tree(AT_FDCWD, fz_dir);
}

/* A private scratch directory under $TMPDIR (or /tmp) for harnesses that need files; removed
 * at a normal exit. */
static inline const char *fz_tmpdir(void)
{
	char *dir = fz_dir;
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof(fz_dir), "%s/cellctl-fuzz-XXXXXX", base && strlen(base) < 400 ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(fz_rmdir);
	}
	return dir;
}

/* iniparser (the config reader) on text; NULL when it refuses the text (syntax error, a line
 * too long). Its complaints are silenced. */
static inline dictionary *fz_iniparser(const char *text)
{
	static char path[600];
	if (!path[0])
		snprintf(path, sizeof(path), "%s/iniparser.ini", fz_tmpdir());
	fz_write(path, text);
	iniparser_set_error_callback(fz_iniparser_quiet);
	dictionary *d = iniparser_load(path);
	iniparser_set_error_callback(fz_iniparser_quiet);
	return d;
}
