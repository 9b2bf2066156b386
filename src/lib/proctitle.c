/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proctitle.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "util.h"

static char *title_area;
static size_t title_len;
extern char **environ;

void proc_title_init(int argc, char **argv)
{
	if (argc < 1 || !argv[0])
		return;
	char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	/* the environment usually follows argv: move it to the heap and take its space too */
	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	if (nenv && environ[0] == end) {
		char **copy = xcalloc(nenv + 1, sizeof(char *));
		for (size_t i = 0; i < nenv; i++) {
			if (environ[i] == end)
				end = environ[i] + strlen(environ[i]) + 1;
			copy[i] = xstrdup(environ[i]);
		}
		environ = copy;
	}
	title_area = argv[0];
	title_len = (size_t)(end - argv[0]);
}

void proc_title_set(const char *title)
{
	char comm[16];
	snprintf(comm, sizeof(comm), "%s", title);
	prctl(PR_SET_NAME, comm);
	if (!title_area || title_len < 2)
		return;
	size_t n = strlen(title);
	if (n >= title_len)
		n = title_len - 1;
	memcpy(title_area, title, n);
	memset(title_area + n, 0, title_len - n);
}
