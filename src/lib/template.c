/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OS templates: tarballs in template_dir/cache, unpacked with libarchive into private areas.
 * Archives are untrusted input (DESIGN §7): every name is checked, extraction never writes
 * through a symlink or outside the destination, owners are numeric only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "template.h"
#include "util.h"

/* Cache suffixes in order of preference. */
static const char *const tpl_suffixes[] = {".tar.zst", ".tar.xz", ".tar.gz", ".tar.bz2", ".tar"};

bool tpl_path_ok(const char *name)
{
	if (!name || !*name || name[0] == '/')
		return false;
	size_t len = strlen(name);
	if (len >= PATH_MAX)
		return false;
	for (const char *p = name; *p;) {
		const char *e = strchrnul(p, '/');
		if (e - p == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p = *e ? e + 1 : e;
	}
	return true;
}

char *tpl_path_clean(const char *name)
{
	if (!tpl_path_ok(name))
		return NULL;
	size_t n = strlen(name), k = 0;
	char *out = xmalloc(n + 1);
	for (const char *p = name; *p;) {
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);
		if (len && !(len == 1 && p[0] == '.')) {
			if (k)
				out[k++] = '/';
			memcpy(out + k, p, len);
			k += len;
		}
		p = *e ? e + 1 : e;
	}
	out[k] = '\0';
	return out;
}

bool tpl_path_in_dev(const char *clean)
{
	return clean && !strncmp(clean, "dev/", 4) && clean[4];
}

bool tpl_name_ok(const char *name)
{
	if (!name || !*name || name[0] == '.' || strlen(name) > 128)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

char *tpl_find(const struct gconf *g, const char *name)
{
	if (!g || !g->template_dir || !tpl_name_ok(name))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(tpl_suffixes); i++) {
		char *p = xasprintf("%s/cache/%s%s", g->template_dir, name, tpl_suffixes[i]);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return p;
		free(p);
	}
	return NULL;
}

/* Length of the cache suffix name ends with, 0 when none. */
size_t tpl_suffix_len(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tpl_suffixes); i++)
		if (str_endswith(name, tpl_suffixes[i]))
			return strlen(tpl_suffixes[i]);
	return 0;
}

/* Template name for messages: the archive's base name without the cache suffix. */
/* ---- the cache ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tpl_list(const struct gconf *g, char ***names, unsigned *n)
{
	*names = NULL;
	*n = 0;
	if (!g || !g->template_dir)
		return 0;
	_cleanup_free_ char *dir = xasprintf("%s/cache", g->template_dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cerr(EX_SYSTEM, errno, "open %s", dir);
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return cerr(EX_SYSTEM, e, "open %s", dir);
	}
	char **v = NULL;
	unsigned cnt = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t s = tpl_suffix_len(de->d_name), len = strlen(de->d_name);
		if (!s || s >= len)
			continue;
		char *name = xstrndup(de->d_name, len - s);
		struct stat st;
		if (!tpl_name_ok(name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode)) {
			free(name);
			continue;
		}
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = name;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	unsigned out = 0;
	for (unsigned i = 0; i < cnt; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*names = v;
	*n = out;
	return 0;
}

/* Run the recipe with ROOTDIR, output passed through; 0 or the cerr'd failure. */
static int run_recipe(const char *name, const char *recipe, const char *root)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_term, old_quit;
	/* a ^C reaches the recipe; we stay to clean up after it */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGTERM, &ign, &old_term);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGQUIT, &dfl, NULL);
		char *const argv[] = {UNCONST(recipe), UNCONST(root), NULL};
		execv(recipe, argv);
		if (errno == EACCES || errno == ENOEXEC) {
			char *const shargv[] = {UNCONST("/bin/sh"), UNCONST(recipe), UNCONST(root), NULL};
			execv("/bin/sh", shargv);
		}
		_exit(127);
	}
	int r = 0, status = 0;
	if (pid < 0) {
		r = cerr(EX_SYSTEM, errno, "fork");
	} else {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				r = cerr(EX_SYSTEM, errno, "wait for recipe %s", name);
				break;
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (r < 0)
		return r;
	if (WIFSIGNALED(status))
		return cerr(EX_BADTEMPLATE, 0, "recipe %s killed by signal %d", name, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return cerr(EX_BADTEMPLATE, 0, "recipe %s failed with status %d", name, WEXITSTATUS(status));
	return 0;
}

/* ---- extraction and packing, by whoever the program chose ---- */

static const struct tpl_archiver *archiver;

void tpl_set_archiver(const struct tpl_archiver *a) { archiver = a; }

int tpl_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o)
{
	if (!archiver)
		return cerr(EX_SYSTEM, 0, "extract %s: no template archiver set (tpl_set_archiver)", archive);
	return archiver->extract(archive, destdir, o);
}

int tpl_pack_opts(const char *srcdir, const char *archive, const struct tpl_pack_opts *o)
{
	if (!archiver)
		return cerr(EX_SYSTEM, 0, "pack %s: no template archiver set (tpl_set_archiver)", archive);
	return archiver->pack(srcdir, archive, o);
}

int tpl_backup_write(const char *path, const char *compress, const char *manifest, const char *confpath,
		     const struct tpl_pack_opts *o)
{
	if (!archiver || !archiver->backup)
		return cerr(EX_SYSTEM, 0, "backup %s: no archiver set (tpl_set_archiver)", path);
	return archiver->backup(path, compress, manifest, confpath, o);
}

int tpl_backup_info(const char *path, const char *outdir)
{
	if (!archiver || !archiver->backup_info)
		return cerr(EX_SYSTEM, 0, "read backup %s: no archiver set (tpl_set_archiver)", path);
	return archiver->backup_info(path, outdir);
}

int tpl_backup_restore(const char *path, const char *destdir, const struct tpl_extract_opts *o)
{
	if (!archiver || !archiver->restore)
		return cerr(EX_SYSTEM, 0, "restore backup %s: no archiver set (tpl_set_archiver)", path);
	return archiver->restore(path, destdir, o);
}

int tpl_precopy_send(const char *compress, const struct tpl_pack_opts *o)
{
	if (!archiver || !archiver->precopy_send)
		return cerr(EX_SYSTEM, 0, "pre-copy: no archiver set (tpl_set_archiver)");
	return archiver->precopy_send(compress, o);
}

int tpl_precopy_recv(const char *stagedir, volatile int *cancel)
{
	if (!archiver || !archiver->precopy_recv)
		return cerr(EX_SYSTEM, 0, "pre-copy: no archiver set (tpl_set_archiver)");
	return archiver->precopy_recv(stagedir, cancel);
}

int tpl_pack(const char *srcdir, const char *archive, bool progress)
{
	struct tpl_pack_opts o = {.progress = progress};
	return tpl_pack_opts(srcdir, archive, &o);
}

int tpl_build(const struct gconf *g, const char *name)
{
	if (!tpl_name_ok(name))
		return cerr(EX_BADVALUE, 0, "invalid template name '%s'", name ? name : "");
	if (!g->recipe_dir || !g->template_dir)
		return cerr(EX_NOTEMPLATE, 0, "no recipe or template directory configured");
	_cleanup_free_ char *recipe = xasprintf("%s/%s/build", g->recipe_dir, name);
	struct stat st;
	if (stat(recipe, &st) < 0 || !S_ISREG(st.st_mode))
		return cerr(EX_NOTEMPLATE, 0, "no recipe for template %s in %s", name, g->recipe_dir);
	_cleanup_free_ char *cache = xasprintf("%s/cache", g->template_dir);
	int r = mkdir_p(cache, 0755);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", cache);
	_cleanup_free_ char *root = xasprintf("%s/.build-%s-XXXXXX", g->template_dir, name);
	if (!mkdtemp(root))
		return cerr(EX_SYSTEM, errno, "create a build directory in %s", g->template_dir);
	/* the packed "." entry becomes the container's / */
	if (chmod(root, 0755) < 0) {
		r = cerr(EX_SYSTEM, errno, "chmod %s", root);
	} else {
		log_info("building template %s with %s", name, recipe);
		r = run_recipe(name, recipe, root);
	}
	_cleanup_free_ char *archive = xasprintf("%s/%s.tar.zst", cache, name);
	if (r == 0)
		r = tpl_pack(root, archive, true);
	_cleanup_free_ char *origin = xasprintf("%s/%s" TPL_ORIGIN_SUFFIX, cache, name);
	if (r == 0 && unlink(origin) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", origin, strerror(errno));
	_cleanup_close_ int tfd = open(g->template_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *base = strrchr(root, '/') + 1;
	int k = tfd >= 0 ? fs_remove_tree(tfd, base) : -errno;
	if (k < 0)
		log_warn("cannot remove the build directory %s: %s", root, strerror(-k));
	return r;
}
