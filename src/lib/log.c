/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int verbosity = LOG_WARN_L;
static unsigned cur_ctid;
static char file_path[512];
static int file_fd = -1;

void log_set_file(const char *log_file)
{
	if (file_fd >= 0)
		close(file_fd);
	file_fd = -1;
	file_path[0] = 0;
	if (log_file && *log_file)
		snprintf(file_path, sizeof(file_path), "%s", log_file);
}

void log_init(const char *log_file, int v)
{
	verbosity = v;
	log_set_file(log_file);
}

int log_verbosity(void) { return verbosity; }
void log_set_ctid(unsigned ctid) { cur_ctid = ctid; }

static void to_file(const char *text)
{
	if (!file_path[0])
		return;
	if (file_fd < 0)
		file_fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (file_fd < 0)
		return;
	char ts[64], line[1400];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S+0000", &tm);
	int n;
	if (cur_ctid)
		n = snprintf(line, sizeof(line), "%s cellctl : CT %u : %s\n", ts, cur_ctid, text);
	else
		n = snprintf(line, sizeof(line), "%s cellctl : %s\n", ts, text);
	if (n > 0) {
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1, line[n - 1] = '\n';
		ssize_t w = write(file_fd, line, (size_t)n);
		(void)w;
	}
}

__attribute__((format(printf, 3, 0))) static void vlog(int level, int file_too, const char *fmt, va_list ap)
{
	char text[1200];
	vsnprintf(text, sizeof(text), fmt, ap);
	if (level <= verbosity) {
		static const char *pfx[] = {"error: ", "warning: ", "", "debug: "};
		fprintf(stderr, "cellctl: %s%s\n", pfx[level], text);
	}
	if (file_too && level <= LOG_INFO_L)
		to_file(text);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, 1, fmt, ap);
	va_end(ap);
}

/* Format into text and write it to the log file; echo it to stderr when echo. */
__attribute__((format(printf, 2, 0))) static void file_line(bool echo, const char *fmt, va_list ap)
{
	char text[1200];
	vsnprintf(text, sizeof(text), fmt, ap);
	if (echo)
		fprintf(stderr, "cellctl: %s\n", text);
	to_file(text);
}

void log_file_only(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	file_line(verbosity >= LOG_DEBUG_L, fmt, ap);
	va_end(ap);
}

void log_file_quiet(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	file_line(false, fmt, ap);
	va_end(ap);
}
