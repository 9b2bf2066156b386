/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cellctl-archive: runs template extraction and packing (libarchive) for cellctl.
 *   cellctl-archive extract ARCHIVE DESTDIR UID_SHIFT UID_SIZE
 *   cellctl-archive pack SRCDIR ARCHIVE PROGRESS(0|1) [ID_BASE ID_SIZE LOW_KEPT(0|1)]
 *     (SRCDIR "-": the directory open at fd 4, HELPER_PASS_FD)
 *   cellctl-archive backup PATH COMPRESS MANIFEST CONFPATH PROGRESS(0|1) ID_BASE ID_SIZE LOW_KEPT(0|1)
 *     (the tree: the directory open at fd 4)
 *   cellctl-archive backup-info PATH OUTDIR
 *   cellctl-archive restore-backup PATH DESTDIR UID_SHIFT UID_SIZE
 * Reports "0 ok" or "CODE message" on fd 3.
 * An extraction parses an untrusted archive as root, so it is confined first: an address-space
 * limit (TPL_EXTRACT_MEMORY_MIB, in the caller's own cgroup: no cgroup is made for it) and a
 * seccomp filter that lets it create no process or thread at all. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "error.h"
#include "bkarchive.h"
#include "helper.h"
#include "log.h"
#include "tplarchive.h"
#include "template.h"
#include "util.h"

static volatile int cancelled;
static void on_signal(int s)
{
	(void)s;
	cancelled = 1;
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#endif

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

/* No fork, clone (threads included), vfork or exec: libarchive would run an external program for a
 * compression it lacks (only built-in ones are enabled), and a parser bug must not get further. */
static int deny_processes(void)
{
#ifdef NATIVE_ARCH
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM), /* another ABI (int 0x80...): nothing */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1), /* the x32 ABI */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
		DENY(__NR_clone),
#ifdef __NR_clone3
		DENY(__NR_clone3),
#endif
#ifdef __NR_fork
		DENY(__NR_fork),
#endif
#ifdef __NR_vfork
		DENY(__NR_vfork),
#endif
		DENY(__NR_execve),
		DENY(__NR_execveat),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = (unsigned short)ARRAY_SIZE(f), .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
#endif
	return 0;
}

static int confine_extractor(void)
{
	/* no core file of a template's contents */
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
#ifndef __SANITIZE_ADDRESS__ /* (ASan reserves terabytes of shadow) */
	struct rlimit as = {(rlim_t)TPL_EXTRACT_MEMORY_MIB << 20, (rlim_t)TPL_EXTRACT_MEMORY_MIB << 20};
	if (setrlimit(RLIMIT_AS, &as) < 0)
		return cerr(EX_SYSTEM, errno, "cellctl-archive: limit the address space");
#endif
	int r = deny_processes();
	if (r < 0)
		return cerr(EX_SYSTEM, r, "cellctl-archive: install the seccomp filter");
	return 0;
}

int main(int argc, char **argv)
{
	log_init(NULL, LOG_ERR_L);
	int r;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((argc == 6 || (argc == 7 && (!strcmp(argv[6], "layer") || !strcmp(argv[6], "lower")))) &&
	    strcmp(argv[1], "extract") == 0) {
		unsigned shift, size;
		if (parse_uint(argv[4], 0, UINT32_MAX, &shift) < 0 || parse_uint(argv[5], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else if ((r = confine_extractor()) == 0) {
			struct tpl_extract_opts o = {.uid_shift = shift,
						     .uid_size = size,
						     .cancel = &cancelled,
						     .lower = argc == 7,
						     .layer = argc == 7 && !strcmp(argv[6], "layer")};
			r = tpl_archive_extract(argv[2], argv[3], &o);
		}
	} else if ((argc == 5 || argc == 8 || (argc == 9 && !strcmp(argv[8], "layer"))) && strcmp(argv[1], "pack") == 0) {
		struct tpl_pack_opts o = {.progress = strcmp(argv[4], "1") == 0};
		unsigned base = 0, size = 0;
		if (argc >= 8 && (parse_uint(argv[5], 0, UINT32_MAX, &base) < 0 || parse_uint(argv[6], 0, UINT32_MAX, &size) < 0))
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else {
			o.id_base = base;
			o.id_size = size;
			o.low_kept = argc >= 8 && strcmp(argv[7], "1") == 0;
			o.layer = argc == 9;
			o.srcfd = strcmp(argv[2], "-") == 0 ? HELPER_PASS_FD : 0;
			r = tpl_archive_pack(argv[2], argv[3], &o);
		}
	} else if (argc == 10 && strcmp(argv[1], "backup") == 0) {
		struct tpl_pack_opts o = {.progress = strcmp(argv[6], "1") == 0, .srcfd = HELPER_PASS_FD};
		unsigned base = 0, size = 0;
		if (parse_uint(argv[7], 0, UINT32_MAX, &base) < 0 || parse_uint(argv[8], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else {
			o.id_base = base;
			o.id_size = size;
			o.low_kept = strcmp(argv[9], "1") == 0;
			r = tpl_archive_local.backup(argv[2], argv[3], argv[4], argv[5], &o);
		}
	} else if (argc == 4 && strcmp(argv[1], "backup-info") == 0) {
		if ((r = confine_extractor()) == 0)
			r = bk_archive_info(argv[2], argv[3]);
	} else if (argc == 6 && strcmp(argv[1], "restore-backup") == 0) {
		unsigned shift, size;
		if (parse_uint(argv[4], 0, UINT32_MAX, &shift) < 0 || parse_uint(argv[5], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else if ((r = confine_extractor()) == 0) {
			struct tpl_extract_opts o = {.uid_shift = shift, .uid_size = size, .cancel = &cancelled};
			r = bk_archive_restore(argv[2], argv[3], &o);
		}
	} else {
		fprintf(stderr, "cellctl-archive is a helper of cellctl\n");
		return 2;
	}
	cerr_report_write(3, r);
	return r < 0 ? 1 : 0;
}
