/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char msg[1024];
static int have, code = EX_SYSTEM;

__attribute__((format(printf, 4, 0))) static int record(int replace, int exitcode, int errnum, const char *fmt,
						      va_list ap)
{
	if (errnum < 0)
		errnum = -errnum;
	char buf[sizeof(msg)];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (errnum && n >= 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(errnum));
	log_debug("error: %s", buf);
	if (!have || replace) {
		memcpy(msg, buf, sizeof(msg));
		code = exitcode;
		have = 1;
	}
	return errnum ? -errnum : -EINVAL;
}

int cerr(int exitcode, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = record(0, exitcode, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int cerr_replace(int exitcode, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = record(1, exitcode, errnum, fmt, ap);
	va_end(ap);
	return r;
}

const char *cerr_msg(void) { return have ? msg : NULL; }
int cerr_exit(void) { return have ? code : EX_SYSTEM; }
void cerr_report_write(int fd, int r)
{
	char buf[sizeof(msg) + 16];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "0 ok");
	else
		snprintf(buf, sizeof(buf), "%d %s", cerr_exit(), have ? msg : strerror(-r));
	size_t len = strlen(buf), done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

int cerr_report_read(int fd)
{
	char buf[sizeof(msg) + 16];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf) - 1)
			break;
	}
	if (n == 0)
		return -ENODATA;
	buf[n] = 0;
	int rcode = atoi(buf);
	if (rcode == 0)
		return 0;
	char *text = strchr(buf, ' ');
	return cerr(rcode, 0, "%s", text ? text + 1 : "helper failed");
}

void cerr_clear(void)
{
	have = 0;
	code = EX_SYSTEM;
	msg[0] = 0;
}

int cerr_wrap(int r, int exitcode, const char *fmt, ...)
{
	if (r >= 0)
		r = -EINVAL;
	char ctx[sizeof(msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	char buf[2 * sizeof(msg) + 4]; /* room for both; cut to the size of msg below */
	if (have) {
		snprintf(buf, sizeof(buf), "%s: %s", ctx, msg);
		if (exitcode)
			code = exitcode;
	} else {
		snprintf(buf, sizeof(buf), "%s: %s", ctx, strerror(-r));
		code = exitcode ? exitcode : EX_SYSTEM;
		have = 1;
	}
	memcpy(msg, buf, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	log_debug("error: %s", msg);
	return r;
}

void cerr_save(struct cerr_saved *s)
{
	_Static_assert(sizeof(s->msg) == sizeof(msg), "cerr_saved holds the whole message");
	s->have = have;
	s->code = code;
	memcpy(s->msg, msg, sizeof(msg));
	cerr_clear();
}

void cerr_restore(const struct cerr_saved *s)
{
	have = s->have;
	code = s->code;
	memcpy(msg, s->msg, sizeof(msg));
}
