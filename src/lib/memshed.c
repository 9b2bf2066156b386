/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mem_shed: see memshed.h. Nothing here changes what the process computes: MADV_DONTNEED on a
 * private file mapping that was never written only drops page-table entries (the next access
 * maps the same page-cache page again), and on the stack below the live frames it drops pages
 * no one can read before writing. */
#include "memshed.h"

#include <elf.h>
#include <stdbool.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static bool textrel(const ElfW(Dyn) *d)
{
	for (; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_TEXTREL || (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
			return true;
	return false;
}

size_t memshed_ranges(const ElfW(Phdr) *ph, size_t n, uintptr_t bias, const ElfW(Dyn) *dyn, uintptr_t page,
		      struct memshed_range *out, size_t max)
{
	if (textrel(dyn))
		return 0; /* the loader wrote into its "read-only" segments */
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (ph[i].p_type != PT_LOAD || (ph[i].p_flags & PF_W) || ph[i].p_filesz == 0)
			continue;
		/* a page shared with a writable segment (or RELRO, written before it was protected)
		 * is left: only the pages wholly inside this segment's file part */
		uintptr_t lo = bias + ph[i].p_vaddr, hi = lo + ph[i].p_filesz;
		lo = (lo + page - 1) & ~(page - 1);
		hi &= ~(page - 1);
		if (hi > lo)
			out[k++] = (struct memshed_range){lo, hi};
	}
	return k;
}

struct shed {
	uintptr_t page;
	size_t dropped;
};

/* the main program only: the first object dl_iterate_phdr gives */
static int shed_program(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct shed *s = arg;
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	struct memshed_range r[16];
	size_t n = memshed_ranges(info->dlpi_phdr, info->dlpi_phnum, info->dlpi_addr, dyn, s->page, r, 16);
	for (size_t i = 0; i < n; i++)
		if (madvise((void *)r[i].lo, r[i].hi - r[i].lo, MADV_DONTNEED) == 0)
			s->dropped += r[i].hi - r[i].lo;
	return 1;
}

/* the [stack] mapping's range, from /proc/self/maps (false: not found) */
static bool stack_range(uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		if (n > 8 && strcmp(line + n - 8, "[stack]\n") == 0) {
			unsigned long a, b;
			if (sscanf(line, "%lx-%lx", &a, &b) == 2) {
				*lo = a;
				*hi = b;
				found = true;
			}
			break;
		}
	}
	fclose(f);
	return found;
}

static __attribute__((noinline)) size_t shed_stack(uintptr_t page)
{
	/* our caller's frame and ours stay: from one page below this frame down */
	volatile char here = 0;
	uintptr_t sp = (uintptr_t)&here;
	uintptr_t lo, top;
	/* not on the main thread's stack (a thread, an alternate stack): nothing */
	if (!stack_range(&lo, &top) || sp < lo || sp >= top)
		return 0;
	uintptr_t hi = (sp & ~(page - 1)) - page;
	if (hi <= lo)
		return 0;
	return madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0 ? hi - lo : 0;
}

size_t mem_shed(void)
{
	struct shed s = {.page = (uintptr_t)sysconf(_SC_PAGESIZE)};
	dl_iterate_phdr(shed_program, &s);
	size_t stack = shed_stack(s.page);
	malloc_trim(0); /* last: the stack's look at /proc/self/maps allocates and frees */
	return s.dropped + stack;
}
