/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mem_shed (the monitor, once its container is up): what it drops is mapped again on use, and it
 * loses nothing the program wrote: initialised data, relocated pointers (RELRO in a PIE), the
 * heap's live blocks and the caller's stack frames keep their values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memshed.h"

static int data_val[2048] = {1, 2, 3};
static const char *const names[] = {"alpha", "beta", "gamma"}; /* relocated at load in a PIE */
static int (*const fns[])(const char *) = {atoi, puts};

/* 8 MiB of constants in the program's read-only segment, a page-aligned run that nothing but this
 * test reads (large enough that the kernel mapping code or strings back around a fault cannot
 * cover most of it) */
#define BLOB (8u << 20)
static const unsigned char blob[BLOB] __attribute__((aligned(4096))) = {1};

/* how many of the blob's pages are mapped in this process (/proc/self/pagemap's present bit) */
static size_t blob_mapped(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	static uint64_t e[BLOB / 4096];
	off_t off = (off_t)((uintptr_t)blob / 4096 * sizeof(uint64_t));
	assert_int_equal(pread(fd, e, sizeof(e), off), (ssize_t)sizeof(e));
	close(fd);
	size_t n = 0;
	for (size_t i = 0; i < BLOB / 4096; i++)
		n += (e[i] >> 63) & 1;
	return n;
}

static __attribute__((noinline)) int deep(int n)
{
	char buf[64 * 1024];
	memset(buf, 0x5a, sizeof(buf));
	__asm__ volatile("" : : "r"(buf) : "memory"); /* the writes happen */
	return n ? deep(n - 1) + buf[n] : buf[100];
}

static void keeps_what_was_written(void **s)
{
	(void)s;
	char mine[4096];
	memset(mine, 'm', sizeof(mine));
	data_val[2047] = 42;
	char *heap = malloc(200000);
	assert_non_null(heap);
	memset(heap, 'h', 200000);
	void *freed = malloc(300000);
	free(freed);
	assert_int_equal(deep(3), 4 * 0x5a);

	size_t dropped = mem_shed();
	assert_true(dropped > 0);

	assert_int_equal(data_val[0], 1);
	assert_int_equal(data_val[2], 3);
	assert_int_equal(data_val[2047], 42);
	assert_string_equal(names[1], "beta");
	assert_int_equal(fns[0]("17"), 17);
	for (size_t i = 0; i < sizeof(mine); i++)
		assert_int_equal(mine[i], 'm');
	for (size_t i = 0; i < 200000; i += 997)
		assert_int_equal(heap[i], 'h');
	free(heap);
	/* and the stack below works as before */
	assert_int_equal(deep(2), 3 * 0x5a);
}

static void drops_the_code_mappings(void **s)
{
	(void)s;
	unsigned sum = 0;
	for (size_t i = 0; i < BLOB; i += 4096) /* map every page of it */
		sum += *(volatile const unsigned char *)&blob[i];
	assert_int_equal(sum, 1);
	size_t before = blob_mapped();
	assert_int_equal(before, BLOB / 4096);
	mem_shed();
	size_t after = blob_mapped();
	printf("# 8 MiB of constants: %zu pages mapped before, %zu after\n", before, after);
	assert_true(after < before / 2);
	/* and they read as before, mapped again */
	assert_int_equal(blob[0], 1);
	assert_int_equal(blob[BLOB - 1], 0);
}

/* the ranges of one object, from its program headers: the layout of a static PIE as ld lays it out */
static void ranges_of_the_segments(void **s)
{
	(void)s;
	const ElfW(Phdr) ph[] = {
		{.p_type = PT_PHDR, .p_flags = PF_R, .p_vaddr = 0x40, .p_filesz = 0x2d8},
		{.p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0, .p_filesz = 0x16d80, .p_memsz = 0x16d80},
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = 0x17000, .p_filesz = 0x1a48b9, .p_memsz = 0x1a48b9},
		{.p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0x1bc000, .p_filesz = 0xa0ab7, .p_memsz = 0xa0ab7},
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_vaddr = 0x25dc30, .p_filesz = 0x11020, .p_memsz = 0xa44c8},
		{.p_type = PT_GNU_RELRO, .p_flags = PF_R, .p_vaddr = 0x25dc30, .p_filesz = 0xd3d0, .p_memsz = 0xd3d0},
		{.p_type = PT_DYNAMIC, .p_flags = PF_R | PF_W, .p_vaddr = 0x26a000, .p_filesz = 0x100},
		/* not page-aligned: only its whole pages; and one with no whole page */
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = 0x401800, .p_filesz = 0x3000, .p_memsz = 0x3000},
		{.p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0x410100, .p_filesz = 0x200, .p_memsz = 0x200},
		/* bss only */
		{.p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0x420000, .p_filesz = 0, .p_memsz = 0x4000},
	};
	const size_t n = sizeof(ph) / sizeof(ph[0]);
	struct memshed_range r[8];
	const uintptr_t b = 0x555555550000;
	size_t k = memshed_ranges(ph, n, b, NULL, 4096, r, 8);
	assert_int_equal(k, 4);
	assert_true(r[0].lo == b && r[0].hi == b + 0x16000);
	assert_true(r[1].lo == b + 0x17000 && r[1].hi == b + 0x1bb000);
	assert_true(r[2].lo == b + 0x1bc000 && r[2].hi == b + 0x25c000);
	assert_true(r[3].lo == b + 0x402000 && r[3].hi == b + 0x404000);
	/* no range reaches the writable segment's first page (its RELRO part was written) */
	for (size_t i = 0; i < k; i++)
		assert_true(r[i].hi <= b + 0x25d000 || r[i].lo >= b + 0x25dc30 + 0xa44c8);
	/* at most max */
	assert_int_equal(memshed_ranges(ph, n, b, NULL, 4096, r, 2), 2);

	/* text relocations, either way of saying so: nothing */
	const ElfW(Dyn) tr[] = {{.d_tag = DT_NEEDED}, {.d_tag = DT_TEXTREL}, {.d_tag = DT_NULL}};
	assert_int_equal(memshed_ranges(ph, n, b, tr, 4096, r, 8), 0);
	const ElfW(Dyn) fl[] = {{.d_tag = DT_FLAGS, .d_un.d_val = DF_BIND_NOW | DF_TEXTREL}, {.d_tag = DT_NULL}};
	assert_int_equal(memshed_ranges(ph, n, b, fl, 4096, r, 8), 0);
	const ElfW(Dyn) ok[] = {{.d_tag = DT_FLAGS, .d_un.d_val = DF_BIND_NOW}, {.d_tag = DT_NULL}};
	assert_int_equal(memshed_ranges(ph, n, b, ok, 4096, r, 8), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_what_was_written),
		cmocka_unit_test(drops_the_code_mappings),
		cmocka_unit_test(ranges_of_the_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
