/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "phase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int timing_fd = -2; /* -2: not looked at yet; -1: off; -3: lost. A fork inherits it and writes too */
static dev_t timing_dev;   /* what it is: a process that closed its fds (exec, the mount helper) */
static ino_t timing_ino;   /* may have that number on another file by now */

int phase_format(char *buf, int n, unsigned long long us, int pid, const char *name)
{
	int k = snprintf(buf, (size_t)n, "%llu %d %s\n", us, pid, name);
	return k < 0 || k >= n ? -1 : k;
}

void phase_reopen(void)
{
	if (timing_fd >= 0) {
		struct stat st;
		if (fstat(timing_fd, &st) == 0 && st.st_dev == timing_dev && st.st_ino == timing_ino)
			return; /* still open */
		timing_fd = -2;
	} else if (timing_fd == -3) {
		timing_fd = -2;
	}
}

void phase_mark(const char *name)
{
	if (timing_fd == -1 || timing_fd == -3)
		return;
	int saved = errno;
	if (timing_fd == -2) {
		const char *f = getenv("CELLCTL_TIMING");
		timing_fd = f && *f == '/' ? open(f, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
		struct stat st;
		if (timing_fd >= 0 && fstat(timing_fd, &st) == 0) {
			timing_dev = st.st_dev;
			timing_ino = st.st_ino;
		} else {
			if (timing_fd >= 0)
				close(timing_fd);
			timing_fd = -1;
			errno = saved;
			return;
		}
	}
	struct stat st;
	if (fstat(timing_fd, &st) < 0 || st.st_dev != timing_dev || st.st_ino != timing_ino) {
		timing_fd = -3; /* closed, or the number is another file's now: never write there */
		errno = saved;
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char line[160];
	int k = phase_format(line, sizeof(line), (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000,
			     (int)getpid(), name);
	if (k > 0 && write(timing_fd, line, (size_t)k) < 0) {
		/* a profiling aid: a failed write is not the command's problem */
	}
	errno = saved;
}
