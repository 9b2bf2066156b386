/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/integration/sectest.c: probes the syscall filter from inside a container (t_sec_seccomp).
 * Built by the test with `gcc -static -no-pie` (the busybox guest has no libc; non-PIE keeps our
 * data below 4 GiB for the 32-bit entry) and copied into the guest.
 *
 * Each probe makes one call through the 64-bit entry (syscall), the i386 entry (int $0x80) or
 * with the x32 bit, with arguments that would fail harmlessly were the call let through, and
 * prints "NAME ABI RESULT": RESULT is "ok" or the errno's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

/* the i386 system call entry, from 64-bit code (r8-r11 are clobbered by the kernel) */
static long sys32(long nr, long a, long b, long c, long d, long e)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static const char *result(long r, int err)
{
	static char buf[32];
	if (r >= 0)
		return "ok";
	const char *n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static void p64(const char *name, long nr, long a, long b, long c, long d, long e)
{
	errno = 0;
	long r = syscall(nr, a, b, c, d, e);
	printf("%s 64 %s\n", name, result(r, errno));
	if (r >= 0 && !strcmp(name, "userfaultfd"))
		close((int)r);
}

static void p32(const char *name, long nr, long a, long b, long c, long d, long e)
{
	long r = sys32(nr, a, b, c, d, e);
	printf("%s 32 %s\n", name, r < 0 && r > -4096 ? result(-1, (int)-r) : "ok");
	if (r >= 0 && !strcmp(name, "userfaultfd"))
		close((int)r);
}

static void px32(const char *name, long nr, long a, long b, long c)
{
	errno = 0;
	long r = syscall(nr | X32_BIT, a, b, c, 0, 0);
	printf("%s x32 %s\n", name, result(r, errno));
}

static const char nothere[] = "/nonexistent/acct", modname[] = "cellctl_no_such_module", empty[] = "";
static char ch = '\n';
static int linux_sub = 0;
static char hostname[] = "sectest";

/* a pty of the container's devpts as our controlling terminal, where TIOCSTI is legal */
static int ctty(void)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (m < 0 || unlockpt(m) < 0)
		return -1;
	int s = ioctl(m, TIOCGPTPEER, O_RDWR);
	if (s < 0)
		return -1;
	setsid();
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		return -1;
	return s;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "hostname")) {
		/* the deny adjustment: sethostname on both entries */
		p64("sethostname", SYS_sethostname, (long)hostname, (long)strlen(hostname), 0, 0, 0);
		p32("sethostname", 74, (long)hostname, (long)strlen(hostname), 0, 0, 0);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "keyctl")) {
		p64("keyctl", SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0, 0, 0);
		p32("keyctl", 288, 0, -3, 0, 0, 0);
		return 0;
	}
	/* 64-bit entry */
	p64("kexec_load", SYS_kexec_load, 0, 0, 0, 0, 0);
	p64("kexec_file_load", SYS_kexec_file_load, -1, -1, 0, 0, 0);
	p64("init_module", SYS_init_module, 0, 0, (long)empty, 0, 0);
	p64("finit_module", SYS_finit_module, -1, (long)empty, 0, 0, 0);
	p64("delete_module", SYS_delete_module, (long)modname, 0, 0, 0, 0);
	p64("add_key", SYS_add_key, 0, 0, 0, 0, -2);
	p64("request_key", SYS_request_key, 0, 0, 0, 0, 0);
	p64("keyctl", SYS_keyctl, 0, -3, 0, 0, 0);
	p64("open_by_handle_at", SYS_open_by_handle_at, -1, 0, 0, 0, 0);
	p64("bpf", SYS_bpf, -1, 0, 0, 0, 0);
	p64("userfaultfd", SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */, 0, 0, 0, 0);
	p64("perf_event_open", SYS_perf_event_open, 0, 0, -1, -1, 0);
	p64("swapon", SYS_swapon, 0, 0, 0, 0, 0);
	p64("swapoff", SYS_swapoff, 0, 0, 0, 0, 0);
	p64("acct", SYS_acct, (long)nothere, 0, 0, 0, 0);
	p64("syslog", SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0, 0, 0);
	p64("uselib", SYS_uselib, 0, 0, 0, 0, 0);
	p64("getpid", SYS_getpid, 0, 0, 0, 0, 0);
	/* i386 entry */
	p32("kexec_load", 283, 0, 0, 0, 0, 0);
	p32("init_module", 128, 0, 0, (long)empty, 0, 0);
	p32("finit_module", 350, -1, (long)empty, 0, 0, 0);
	p32("delete_module", 129, (long)modname, 0, 0, 0, 0);
	p32("add_key", 286, 0, 0, 0, 0, -2);
	p32("request_key", 287, 0, 0, 0, 0, 0);
	p32("keyctl", 288, 0, -3, 0, 0, 0);
	p32("open_by_handle_at", 342, -1, 0, 0, 0, 0);
	p32("bpf", 357, -1, 0, 0, 0, 0);
	p32("userfaultfd", 374, 1, 0, 0, 0, 0);
	p32("perf_event_open", 336, 0, 0, -1, -1, 0);
	p32("swapon", 87, 0, 0, 0, 0, 0);
	p32("swapoff", 115, 0, 0, 0, 0, 0);
	p32("acct", 51, (long)nothere, 0, 0, 0, 0);
	p32("syslog", 103, 10, 0, 0, 0, 0);
	p32("uselib", 86, 0, 0, 0, 0, 0);
	p32("getpid", 20, 0, 0, 0, 0, 0);
	/* x32 numbers (the filter sees them whether or not the kernel runs x32 code) */
	px32("kexec_load", 528, 0, 0, 0);
	px32("init_module", 175, 0, 0, (long)empty);
	px32("keyctl", 250, 0, -3, 0);
	/* ioctl on a terminal of our own, in a child: we may lead a session already (enter) */
	pid_t kid = fork();
	if (kid > 0) {
		int st;
		waitpid(kid, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	int t = ctty();
	if (t < 0) {
		printf("tty - %s\n", strerrorname_np(errno));
		return 1;
	}
	p64("tcgets", SYS_ioctl, t, TCGETS, (long)&(char[64]){0}, 0, 0);
	p64("tiocsti", SYS_ioctl, t, TIOCSTI, (long)&ch, 0, 0);
	p64("tiocsti_hi", SYS_ioctl, t, (long)(TIOCSTI | (1UL << 32)), (long)&ch, 0, 0);
	p64("tioclinux", SYS_ioctl, t, TIOCLINUX, (long)&linux_sub, 0, 0);
	p32("tiocsti", 54, t, TIOCSTI, (long)&ch, 0, 0);
	p32("tioclinux", 54, t, TIOCLINUX, (long)&linux_sub, 0, 0);
	px32("tiocsti", 514, t, TIOCSTI, (long)&ch);
	return 0;
}
