/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CELLCTL_MEMSHED_H
#define CELLCTL_MEMSHED_H

#include <stddef.h>
#include <stdint.h>

/* A long-lived process that has finished its start-up (the monitor, once its container is up)
 * gives back what that start-up left it holding: the free heap, the stack pages below the
 * caller's frame, and its page-table mappings of the program's read-only segments (code and
 * constants: shared page cache, mapped again on the next use). Writable segments, and anything a
 * relocation may have written, are kept. Returns the number of bytes of address range it dropped
 * mappings of (for tests and debug logs). */
size_t mem_shed(void);

/* What mem_shed drops of one loaded object (exposed for the unit tests): the whole pages of its
 * read-only PT_LOAD segments (ph, n, loaded at bias), into out (at most max); returns how many.
 * None when dyn (its dynamic section, or NULL) asks for text relocations. */
#include <link.h>
struct memshed_range {
	uintptr_t lo, hi;
};
size_t memshed_ranges(const ElfW(Phdr) *ph, size_t n, uintptr_t bias, const ElfW(Dyn) *dyn, uintptr_t page,
		      struct memshed_range *out, size_t max);

#endif
