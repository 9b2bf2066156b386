/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_tpl_extract: hostile template archives through tpl_extract, the whole entry check (names,
 * hard-link targets, paths through symlinks) with libarchive's secure extraction under it.
 *
 * Input: lines "T NAME [TARGET]", one archive entry each (at most 32): T is f (a file; TARGET is
 * its content), d (a directory), l (a symlink to TARGET) or h (a hard link to TARGET). "@OUT" in
 * a name or target stands for the absolute path of a directory beside the destination; a first
 * line "shift" extracts with a uid shift (as for a user-namespace container).
 *
 * Property: whatever tpl_extract answers, nothing outside the destination changed: the directory
 * beside it holds its one file, with its content, mode and link count, and nothing new appeared
 * beside the destination.
 *
 * Containment of the harness itself: it runs in a private mount namespace where every mount is
 * read-only but a tmpfs for its scratch directory and the directories libFuzzer writes to, so an
 * escape that the checks miss writes nowhere else. Absolute names and targets outside the scratch directory are moved under "@OUT",
 * and at most one ".." is kept per name or target. Needs root (CAP_SYS_ADMIN). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fuzz.h"
#include "tplarchive.h"
#include "template.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define MAX_ENTRIES 32
#define SENTINEL "SENTINEL\n"

static char *scratch, *dest, *out, *sentinel, *tarpath;

/* Directories libFuzzer writes to (corpus, artifacts, $TMPDIR for a merge) stay writable. */
static void keep_writable(const char *path, char **list, size_t *n)
{
	struct stat st;
	if (*n >= 16 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	if (mount(path, path, NULL, MS_BIND, NULL) < 0) {
		perror(path);
		exit(1);
	}
	list[(*n)++] = xstrdup(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_quiet();
	scratch = xstrdup(fz_tmpdir());
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("fuzz_tpl_extract: a private mount namespace (needs root)");
		exit(1);
	}
	char *rw[16];
	size_t nrw = 0;
	const char *tmp = getenv("TMPDIR");
	keep_writable(tmp && *tmp ? tmp : "/tmp", rw, &nrw);
	for (int i = 1; i < *argc; i++) {
		const char *a = (*argv)[i];
		if (a[0] != '-') {
			keep_writable(a, rw, &nrw);
		} else if (!strncmp(a, "-artifact_prefix=", 17) || !strncmp(a, "-exact_artifact_path=", 21)) {
			_cleanup_free_ char *d = xstrdup(strchr(a, '=') + 1);
			char *slash = strrchr(d, '/');
			if (slash)
				*slash = 0;
			keep_writable(slash ? (*d ? d : "/") : ".", rw, &nrw);
		}
	}
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY}, wr = {.attr_clr = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0) {
		perror("fuzz_tpl_extract: make every mount read-only");
		exit(1);
	}
	for (size_t i = 0; i < nrw; i++) {
		if (syscall(SYS_mount_setattr, AT_FDCWD, rw[i], 0, &wr, sizeof(wr)) < 0) {
			perror(rw[i]);
			exit(1);
		}
		free(rw[i]);
	}
	if (mount("fuzz", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=256m") < 0) {
		perror("fuzz_tpl_extract: tmpfs on the scratch directory");
		exit(1);
	}
	dest = xasprintf("%s/dest", scratch);
	out = xasprintf("%s/outside", scratch);
	sentinel = xasprintf("%s/sentinel", out);
	tarpath = xasprintf("%s/t.tar", scratch);
	mkdir(out, 0755);
	fz_write(sentinel, SENTINEL);
	chmod(sentinel, 0644);
	return 0;
}

/* "@OUT" expanded; absolute paths outside the scratch directory moved under @OUT; ".." after
 * the first one replaced by "x". */
static char *tame(const char *s)
{
	struct strbuf b = {0};
	for (const char *p = s; *p;) {
		if (!strncmp(p, "@OUT", 4)) {
			sb_add(&b, out);
			p += 4;
		} else {
			sb_addn(&b, p++, 1);
		}
	}
	char *t = sb_done(&b);
	if (t[0] == '/' && strncmp(t, scratch, strlen(scratch))) {
		char *moved = xasprintf("%s%s", out, t);
		free(t);
		t = moved;
	}
	int dots = 0;
	for (char *p = t; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.' && dots++)
			p[0] = p[1] = 'x';
		p += n + (p[n] != 0);
	}
	return t;
}

/* Write the entries as an uncompressed tar; false when there are none. */
static bool make_tar(char *in, bool *shift)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_none(a);
	if (archive_write_open_filename(a, tarpath) != ARCHIVE_OK)
		abort();
	unsigned n = 0;
	char *save = NULL;
	*shift = false;
	for (char *line = strtok_r(in, "\n", &save); line && n < MAX_ENTRIES; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "shift")) {
			*shift = true;
			continue;
		}
		char *s2 = NULL, *type = strtok_r(line, " ", &s2), *name = strtok_r(NULL, " ", &s2);
		char *target = strtok_r(NULL, "", &s2);
		if (!type || !name || strlen(type) != 1 || !strchr("fdlh", type[0]))
			continue;
		_cleanup_free_ char *nm = tame(name);
		_cleanup_free_ char *tg = tame(target ? target : "");
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, nm);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_mtime(e, 1700000000, 0);
		switch (type[0]) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(tg));
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, tg);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, tg);
			break;
		}
		if (archive_write_header(a, e) >= ARCHIVE_WARN && type[0] == 'f' && *tg)
			archive_write_data(a, tg, strlen(tg));
		archive_entry_free(e);
		n++;
	}
	archive_write_close(a);
	archive_write_free(a);
	return n > 0;
}

static void outside_unchanged(const char *in)
{
	struct stat st;
	FZ_CHECK(lstat(sentinel, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 && st.st_nlink == 1 &&
			 st.st_uid == 0 && st.st_size == (off_t)strlen(SENTINEL),
		 "the file beside the destination changed (mode %o, %ju links, uid %u, %jd bytes)\ninput: %s",
		 (unsigned)st.st_mode, (uintmax_t)st.st_nlink, (unsigned)st.st_uid, (intmax_t)st.st_size, fz_esc(in));
	_cleanup_free_ char *text = NULL;
	FZ_CHECK(read_file_at(AT_FDCWD, sentinel, &text, NULL) == 0 && !strcmp(text, SENTINEL),
		 "the file beside the destination was rewritten\ninput: %s", fz_esc(in));
	FZ_CHECK(lstat(out, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_uid == 0,
		 "the directory beside the destination changed\ninput: %s", fz_esc(in));
	static const char *const known[] = {".", "..", "dest", "outside", "t.tar"};
	static const char *const known_out[] = {".", "..", "sentinel"};
	struct {
		const char *dir;
		const char *const *names;
		size_t n;
	} dirs[] = {{scratch, known, ARRAY_SIZE(known)}, {out, known_out, ARRAY_SIZE(known_out)}};
	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++) {
		DIR *d = opendir(dirs[k].dir);
		FZ_CHECK(d, "open %s", dirs[k].dir);
		struct dirent *de;
		while ((de = readdir(d))) {
			bool ok = false;
			for (size_t i = 0; i < dirs[k].n && !ok; i++)
				ok = !strcmp(de->d_name, dirs[k].names[i]);
			FZ_CHECK(ok, "'%s' appeared in %s\ninput: %s", fz_esc(de->d_name), dirs[k].dir, fz_esc(in));
		}
		closedir(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	_cleanup_free_ char *copy = xstrdup(in);
	bool shift;
	if (!make_tar(copy, &shift)) {
		unlink(tarpath);
		return 0;
	}
	mkdir(dest, 0755);
	struct tpl_extract_opts o = {.uid_shift = 100000, .uid_size = 65536};
	(void)tpl_archive_extract(tarpath, dest, shift ? &o : NULL);
	cerr_clear();
	outside_unchanged(in);
	FZ_CHECK(fs_remove_tree(AT_FDCWD, dest) == 0, "remove %s", dest);
	unlink(tarpath);
	return 0;
}
