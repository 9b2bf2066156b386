#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static char msg[1024];
static int have, code = EX_SYSTEM;

static int record(int replace, int exitcode, int errnum, const char *fmt, va_list ap)
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
void cerr_clear(void)
{
	have = 0;
	code = EX_SYSTEM;
	msg[0] = 0;
}
