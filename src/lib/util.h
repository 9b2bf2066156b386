/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small shared helpers: allocation, cleanup attributes, file I/O on dirfds, number parsing. */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
/* A string without its const, for the char *const[] argv and envp of the exec calls (which never
 * write to them), without a cast that -Wcast-qual flags. */
#define UNCONST(s) ((char *)(uintptr_t)(const char *)(s))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A growing string: zero-initialise, add to it, then take the text with sb_done (never NULL;
 * the caller frees it). */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_addn(struct strbuf *b, const char *s, size_t n);
void sb_add(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sb_done(struct strbuf *b);

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int e = errno;
		close(*fd);
		errno = e;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand an owned resource on: the variable is reset so its cleanup does nothing. */
static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _t = (p);                                                            \
		(p) = NULL;                                                                        \
		_t;                                                                                \
	})

/* Full reads and writes that survive EINTR and short transfers. */
ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);
/* One message of len bytes (at least 1) on the unix socket sock carrying the descriptor fd
 * (SCM_RIGHTS); retried on EINTR, never SIGPIPE. 0 or -errno. */
int fd_send(int sock, const void *buf, size_t len, int fd);
/* Receive one message of up to len bytes into buf and the one descriptor passed with it (close-on-exec;
 * any further descriptor is closed) into *fd (-1 when none). flags: extra recvmsg flags (MSG_DONTWAIT).
 * Returns the bytes read (0 at end of file), or -errno; retries on EINTR. */
ssize_t fd_recv(int sock, void *buf, size_t len, int flags, int *fd);
struct msghdr;
/* After a recvmsg(..., MSG_CMSG_CLOEXEC): the SCM_RIGHTS descriptors of mh, the first max in fds
 * (the rest closed, fds may be NULL with max 0). Returns how many were stored. */
int cmsg_take_fds(struct msghdr *mh, int *fds, int max);
/* Read a whole (small) file relative to dirfd (AT_FDCWD allowed); NUL-terminated; -errno on failure. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len);
/* Read a small file relative to dirfd (AT_FDCWD allowed) into buf (size bytes, at least 2),
 * NUL-terminated, usually with open, one read and close: a read that leaves at least half of buf
 * unused is taken as the whole file (a regular file's short read is its end; a cgroup or proc file
 * gives a whole record per read, and no control file has a line near half a page long), else it
 * reads on to the end. Its length, or -EFBIG when the file does not fit (read it with
 * read_file_at), or -errno. */
ssize_t read_small_at(int dirfd, const char *path, char *buf, size_t size);
/* Open an existing file O_WRONLY (never O_CREAT) and write s; used for cgroup and proc files. */
int write_file_at(int dirfd, const char *path, const char *s);
/* Write a file atomically: temp file beside it, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same without the fsyncs, for the run-time state (run_dir): a reader sees the old file or the
 * new one, never a part, but nothing there has to outlive a crash of the host, which ends every
 * container it describes. */
int write_file_replace(const char *path, const void *data, size_t len, mode_t mode);
int mkdir_p(const char *path, mode_t mode);

/* Trim leading and trailing white space in place; returns s. */
char *strtrim(char *s);
bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);

/* Parsers: 0 on success, -EINVAL on syntax error, -ERANGE out of range. */
int parse_u64(const char *s, uint64_t *out);
int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
int parse_bool(const char *s, bool *out); /* yes/no, on/off, true/false, 1/0 */
/* vzctl sizes: digits with optional K M G T (powers of 1024), P (4 KiB pages) or B; the word
 * "unlimited" gives UINT64_MAX. default_unit multiplies a bare number (1 for bytes, 1024 for KB). */
#define SIZE_UNLIMITED UINT64_MAX
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);
/* Print a byte size the short way (1G, 512M, 4096, unlimited). */
void format_size(uint64_t v, char *buf, size_t len);

/* Path of one of our helper programs (cellctl-monitor, cellctl-archive): beside our own
 * executable (a build tree), else in PKGLIBEXECDIR. malloc'd, or NULL when neither has it. */
char *helper_path(const char *name);

/* Guest-controlled text made safe for a terminal or a log line: printable ASCII and well-formed
 * UTF-8 (minus the C1 controls U+0080..U+009F) pass; a backslash is doubled; every other byte
 * (controls, ESC, DEL, stray or overlong UTF-8) becomes backslash-x and two hex digits. Never
 * NULL; the caller frees. Use it for anything a guest or a template chose (names, hostnames,
 * command names, console text in messages) before it reaches a terminal or the log. */
char *str_escape(const char *s);
/* The same into buf (always NUL-terminated, truncated to fit); returns buf. */
const char *str_escape_buf(const char *s, char *buf, size_t len);

/* Monotonic milliseconds, for timeouts and benchmarks. */
uint64_t now_ms(void);
