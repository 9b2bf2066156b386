/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared fixtures of the unit tests (fixtures.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fixtures.h"
#include "util.h"

char *fx_tmpdir(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "/tmp/cellctl-test-%s.XXXXXX", name);
	if (n < 0 || (size_t)n >= len)
		fail_msg("temp dir name for %s does not fit in %zu bytes", name, len);
	if (!mkdtemp(buf))
		fail_msg("mkdtemp %s: %s", buf, strerror(errno));
	return buf;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

void rm_rf(const char *path)
{
	/* FTW_DEPTH: contents before their directory; FTW_PHYS: a symlink is removed, not followed */
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_write(const char *dir, const char *rel, const char *text)
{
	_cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, rel) : xstrdup(rel);
	char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = 0;
		if (mkdir_p(path, 0755) < 0)
			fail_msg("mkdir -p %s: %s", path, strerror(errno));
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

char *fx_cgroot_setup(char *buf, size_t len, const char *name)
{
	fx_tmpdir(buf, len, name);
	_cleanup_free_ char *root = xasprintf("%s/cg", buf);
	setenv("CELLCTL_CGROUP_ROOT", root, 1);
	cerr_clear();
	return buf;
}

void fx_cgroot_teardown(const char *dir)
{
	rm_rf(dir);
	unsetenv("CELLCTL_CGROUP_ROOT");
	unsetenv("CELLCTL_CGROUP_MODE");
	unsetenv("CELLCTL_PROC_SELF_CGROUP");
	unsetenv("CELLCTL_SYSFS_ROOT");
}
