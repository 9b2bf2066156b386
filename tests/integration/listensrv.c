/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper for passed sockets (t_listen, t_onconnect), built static by the test.
 * As a container's init (no arguments): records LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, its pid
 * and every fd it has in /listen.env, then answers each connection on its passed sockets with
 * "hello NAME HOSTNAME" and closes it; /listen.delay (seconds) delays the first accept. SIGTERM,
 * SIGINT, SIGUSR2, SIGPWR end it (it is PID 1: no default action). `listensrv serve`: the same
 * as a child of the guest's init (LISTEN_PID not checked), for a guest with its own init.
 * As a client: `listensrv get tcp ADDR PORT` or `listensrv get unix PATH` prints the answer. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void bye(int s)
{
	(void)s;
	_exit(0);
}

static int client(int argc, char **argv)
{
	alarm(20);
	int fd;
	if (argc == 5 && !strcmp(argv[2], "tcp")) {
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short)atoi(argv[4]))};
		struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[4]))};
		if (inet_pton(AF_INET, argv[3], &s4.sin_addr) == 1) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0)
				return perror("connect"), 1;
		} else if (inet_pton(AF_INET6, argv[3], &s6.sin6_addr) == 1) {
			fd = socket(AF_INET6, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0)
				return perror("connect"), 1;
		} else {
			return 2;
		}
	} else if (argc == 4 && !strcmp(argv[2], "unix")) {
		struct sockaddr_un su = {.sun_family = AF_UNIX};
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", argv[3]);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0)
			return perror("connect"), 1;
	} else {
		return 2;
	}
	char buf[512];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return n < 0;
}

/* /listen.escape holding "IPV4 PORT": the hostile guest. The accepted connection (a socket of the
 * host's network namespace) is disconnected (connect AF_UNSPEC) and connected to IPV4:PORT, as a
 * guest would reach the host's loopback services; /listen.escape.result says "ok" or the errno. */
static bool escape(int c)
{
	FILE *f = fopen("/listen.escape", "r");
	char addr[64];
	int port;
	if (!f)
		return false;
	int k = fscanf(f, "%63s %d", addr, &port);
	fclose(f);
	if (k != 2)
		return false;
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	inet_pton(AF_INET, addr, &to.sin_addr);
	int r = connect(c, &un, sizeof(un));
	if (r == 0)
		r = connect(c, (struct sockaddr *)&to, sizeof(to));
	int e = errno;
	f = fopen("/listen.escape.tmp", "w");
	if (f) {
		fprintf(f, "%s\n", r == 0 ? "ok" : e == EPERM ? "EPERM" : strerror(e));
		fclose(f);
		rename("/listen.escape.tmp", "/listen.escape.result");
	}
	close(c);
	return true;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "get"))
		return client(argc, argv);
	signal(SIGTERM, bye);
	signal(SIGINT, bye);
	signal(SIGUSR2, bye);
	signal(SIGPWR, bye);
	const char *nfds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID"), *names = getenv("LISTEN_FDNAMES");
	bool any = argc > 1 && !strcmp(argv[1], "serve"); /* started by init: its LISTEN_PID is init's */
	FILE *f = any ? NULL : fopen("/listen.env.tmp", "w");
	if (f) {
		fprintf(f, "LISTEN_FDS=%s\nLISTEN_PID=%s\nLISTEN_FDNAMES=%s\npid=%d\n", nfds ? nfds : "",
			pid ? pid : "", names ? names : "", (int)getpid());
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;
		int dfd = d ? dirfd(d) : -1;
		while (d && (e = readdir(d))) {
			int fd = atoi(e->d_name);
			if (e->d_name[0] == '.' || fd == dfd)
				continue;
			char t[256] = "", path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ssize_t k = readlink(path, t, sizeof(t) - 1);
			t[k > 0 ? k : 0] = 0;
			int acc = 0;
			socklen_t l = sizeof(acc);
			if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0)
				acc = -1;
			fprintf(f, "fd %d %s listening=%d cloexec=%d\n", fd, strncmp(t, "socket:", 7) ? t : "socket",
				acc, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
		}
		if (d)
			closedir(d);
		fclose(f);
		rename("/listen.env.tmp", "/listen.env");
	}
	int n = nfds ? atoi(nfds) : 0;
	if (n <= 0 || n > 16 || !pid || (!any && atoi(pid) != (int)getpid()))
		for (;;)
			pause();
	char host[64] = "?";
	gethostname(host, sizeof(host));
	char *nm[16] = {0}, *save = NULL, *copy = strdup(names ? names : "");
	for (int i = 0; i < n; i++)
		nm[i] = strtok_r(i ? NULL : copy, ":", &save);
	f = fopen("/listen.delay", "r");
	int delay = 0;
	if (f && fscanf(f, "%d", &delay) == 1 && delay > 0)
		sleep((unsigned)delay);
	if (f)
		fclose(f);
	struct pollfd p[16];
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = 3 + i, .events = POLLIN};
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int c = accept4(3 + i, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			if (escape(c))
				continue;
			char msg[200];
			int len = snprintf(msg, sizeof(msg), "hello %s %s\n", nm[i] ? nm[i] : "?", host);
			if (write(c, msg, (size_t)len) < 0)
				perror("write");
			close(c);
		}
	}
}
