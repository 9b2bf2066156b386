/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cellctl-archive: runs template extraction and packing (libarchive) for cellctl.
 *   cellctl-archive extract ARCHIVE DESTDIR UID_SHIFT UID_SIZE
 *   cellctl-archive pack SRCDIR ARCHIVE PROGRESS(0|1) [ID_BASE ID_SIZE LOW_KEPT(0|1)]
 *     (SRCDIR "-": the directory open at fd 4, HELPER_PASS_FD)
 *   cellctl-archive backup PATH COMPRESS MANIFEST CONFPATH PROGRESS(0|1) ID_BASE ID_SIZE LOW_KEPT(0|1)
 *     (the tree: the directory open at fd 4)
 *   cellctl-archive backup-info PATH OUTDIR
 *     [T0_SEC T0_NSEC]  (a migration's final pass, precopy.h: the first pass's records at fd 5,
 *     "FILES BYTES" of the references made written to fd 6)
 *   cellctl-archive restore-backup PATH DESTDIR UID_SHIFT UID_SIZE [STAGEDIR]
 *   cellctl-archive precopy COMPRESS  (a migration's first pass of the tree at fd 4 to stdout; its
 *     records to fd 5, "FILES BYTES" to fd 6)
 *   cellctl-archive precopy-recv STAGEDIR  (the first pass from stdin)
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
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "bkarchive.h"
#include "helper.h"
#include "log.h"
#include "precopy.h"
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

/* The final pass's t0 and the first pass's records (at pc->listfd, read whole from its start). */
static int precopy_args(const char *sec, const char *nsec, struct tpl_precopy *pc)
{
	long long s;
	unsigned ns;
	char *end;
	errno = 0;
	s = strtoll(sec, &end, 10);
	if (errno || end == sec || *end || parse_uint(nsec, 0, 999999999, &ns) < 0)
		return cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad pre-copy time");
	pc->t0_sec = s;
	pc->t0_nsec = (long)ns;
	struct stat st;
	if (fstat(pc->listfd, &st) < 0 || !S_ISREG(st.st_mode))
		return cerr(EX_SYSTEM, errno ? errno : EINVAL, "the pre-copy's list of files");
	size_t len = (size_t)st.st_size;
	_cleanup_free_ char *buf = xmalloc(len ? len : 1);
	ssize_t n = len ? pread(pc->listfd, buf, len, 0) : 0;
	if (n < 0 || (size_t)n != len)
		return cerr(EX_SYSTEM, n < 0 ? errno : EIO, "read the pre-copy's list of files");
	if (pc_records_load(pc, buf, len) < 0)
		return cerr(EX_SYSTEM, EINVAL, "the pre-copy's list of files is malformed");
	return 0;
}

/* A pre-copy's fds, handed over as helper_req.keep_fds (tplremote.c): its records, its figures */
#define PC_LIST_FD (HELPER_PASS_FD + 1)
#define PC_STAT_FD (HELPER_PASS_FD + 2)

static int precopy_stats(const struct tpl_precopy *pc)
{
	if (dprintf(pc->statfd, "%llu %llu\n", (unsigned long long)pc->files, (unsigned long long)pc->bytes) < 0)
		return cerr(EX_SYSTEM, errno, "report the pre-copy's figures");
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
	} else if ((argc == 10 || argc == 12) && strcmp(argv[1], "backup") == 0) {
		struct tpl_pack_opts o = {.progress = strcmp(argv[6], "1") == 0, .srcfd = HELPER_PASS_FD};
		struct tpl_precopy pc = {.listfd = PC_LIST_FD, .statfd = PC_STAT_FD};
		unsigned base = 0, size = 0;
		if (parse_uint(argv[7], 0, UINT32_MAX, &base) < 0 || parse_uint(argv[8], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else if (argc == 12 && (r = precopy_args(argv[10], argv[11], &pc)) < 0)
			;
		else {
			o.id_base = base;
			o.id_size = size;
			o.low_kept = strcmp(argv[9], "1") == 0;
			o.precopy = argc == 12 ? &pc : NULL;
			r = tpl_archive_local.backup(argv[2], argv[3], argv[4], argv[5], &o);
			if (r == 0 && o.precopy)
				r = precopy_stats(&pc);
		}
		pc_records_free(&pc);
	} else if (argc == 3 && strcmp(argv[1], "precopy") == 0) {
		struct tpl_precopy pc = {.listfd = PC_LIST_FD, .statfd = PC_STAT_FD};
		r = tpl_precopy_write(STDOUT_FILENO, argv[2], HELPER_PASS_FD, &pc, &cancelled);
		if (r == 0)
			r = precopy_stats(&pc);
	} else if (argc == 3 && strcmp(argv[1], "precopy-recv") == 0) {
		if ((r = confine_extractor()) == 0)
			r = tpl_archive_local.precopy_recv(argv[2], &cancelled);
	} else if (argc == 4 && strcmp(argv[1], "backup-info") == 0) {
		if ((r = confine_extractor()) == 0)
			r = bk_archive_info(argv[2], argv[3]);
	} else if ((argc == 6 || argc == 7) && strcmp(argv[1], "restore-backup") == 0) {
		unsigned shift, size;
		if (parse_uint(argv[4], 0, UINT32_MAX, &shift) < 0 || parse_uint(argv[5], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else if ((r = confine_extractor()) == 0) {
			struct tpl_extract_opts o = {.uid_shift = shift,
						     .uid_size = size,
						     .cancel = &cancelled,
						     .precopy_dir = argc == 7 ? argv[6] : NULL};
			r = bk_archive_restore(argv[2], argv[3], &o);
		}
	} else {
		fprintf(stderr, "cellctl-archive is a helper of cellctl\n");
		return 2;
	}
	cerr_report_write(3, r);
	return r < 0 ? 1 : 0;
}
