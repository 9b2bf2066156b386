/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exe_writer FD [SECONDS] (see fake_ld.c): writes "PWNED" at offset 0 of the file behind the
 * O_PATH fd FD as soon as it can (ETXTBSY while something executes it), for up to SECONDS
 * (default 20). Logs to /exe_writer.log: the fd's target, then WROTE or WRITE-FAILED. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	FILE *log = fopen("/exe_writer.log", "a");
	if (!log)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	int fd = atoi(argv[1]);
	char path[64], target[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	fprintf(log, "TARGET %s\n", target);
	time_t end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 20);
	int err = 0;
	for (;;) {
		int w = open(path, O_WRONLY);
		if (w >= 0) {
			ssize_t k = pwrite(w, "PWNED", 5, 0);
			err = k == 5 ? 0 : errno;
			close(w);
			if (k == 5) {
				fprintf(log, "WROTE\n");
				return 0;
			}
		} else {
			err = errno;
		}
		if (err != ETXTBSY || time(NULL) >= end)
			break;
		usleep(50000);
	}
	fprintf(log, "WRITE-FAILED %s\n", strerror(err));
	return 0;
}
