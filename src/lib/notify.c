/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify.h"

#include <string.h>

static bool line_is(const char *l, size_t len, const char *what)
{
	return len == strlen(what) && memcmp(l, what, len) == 0;
}

void notify_parse(const char *buf, size_t n, struct notify_msg *m)
{
	memset(m, 0, sizeof(*m));
	const char *nul = memchr(buf, 0, n);
	if (nul)
		n = (size_t)(nul - buf);
	for (size_t i = 0; i < n;) {
		const char *l = buf + i;
		const char *nl = memchr(l, '\n', n - i);
		size_t len = nl ? (size_t)(nl - l) : n - i;
		i += len + 1;
		if (line_is(l, len, "READY=1")) {
			m->ready = true;
		} else if (len >= 7 && memcmp(l, "STATUS=", 7) == 0) {
			size_t k = len - 7 < sizeof(m->status) - 1 ? len - 7 : sizeof(m->status) - 1;
			memcpy(m->status, l + 7, k);
			m->status[k] = 0;
			m->have_status = true;
		}
	}
}
