/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/integration/sysinfotest.c: probes the sysinfo view from inside a container (t_sysinfo).
 * Built by the test with `gcc -static` (the busybox guest has no libc) and copied into the guest.
 *   sysinfotest            one sysinfo(2): "total=B free=B shared=B swap=B freeswap=B procs=N
 *                          uptime=S unit=U"
 *   sysinfotest bad        sysinfo with bad pointers: "null=ERR low=ERR kernel=ERR" (ok or the
 *                          errno's name)
 *   sysinfotest loop N     N calls: "loop N ok" or the first failure
 *   sysinfotest listen CMD...  (on the host) load a seccomp filter with a listener (for a call
 *                          nobody makes), keep the listener open and run CMD under it: the
 *                          filter chain then refuses a second listener (EBUSY) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(long r)
{
	if (r == 0)
		return "ok";
	switch (errno) {
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	default: return strerror(errno);
	}
}

static int listen_run(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_uselib, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	if (fd < 0) {
		perror("seccomp listener");
		return 125;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 125;
	close((int)fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "listen"))
		return listen_run(argv + 2);
	if (argc > 1 && !strcmp(argv[1], "bad")) {
		long a = syscall(SYS_sysinfo, NULL);
		const char *na = ename(a);
		long b = syscall(SYS_sysinfo, (void *)8);
		const char *nb = ename(b);
		long c = syscall(SYS_sysinfo, (void *)0xffffffffff600000UL);
		printf("null=%s low=%s kernel=%s\n", na, nb, ename(c));
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "loop")) {
		long n = atol(argv[2]);
		struct sysinfo si;
		for (long i = 0; i < n; i++)
			if (syscall(SYS_sysinfo, &si) < 0) {
				printf("loop failed at %ld: %s\n", i, strerror(errno));
				return 1;
			}
		printf("loop %ld ok\n", n);
		return 0;
	}
	struct sysinfo si;
	memset(&si, 0, sizeof(si));
	if (syscall(SYS_sysinfo, &si) < 0) {
		printf("sysinfo: %s\n", strerror(errno));
		return 1;
	}
	unsigned long long u = si.mem_unit ? si.mem_unit : 1;
	printf("total=%llu free=%llu shared=%llu swap=%llu freeswap=%llu procs=%u uptime=%ld unit=%u\n",
	       si.totalram * u, si.freeram * u, si.sharedram * u, si.totalswap * u, si.freeswap * u, si.procs,
	       si.uptime, si.mem_unit);
	return 0;
}
