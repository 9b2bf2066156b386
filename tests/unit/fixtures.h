/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared fixtures of the unit tests: temp dirs, removing a tree, writing a file into one, and the
 * fake cgroup root (a temp dir that CELLCTL_CGROUP_ROOT points the cgroup code at). Built into
 * tests/unit/libfixtures.a, which every unit test links. */
#pragma once
#include <stddef.h>

/* Make a fresh directory /tmp/cellctl-test-NAME.XXXXXX into buf (len bytes); fails the running
 * test when it cannot. Returns buf. */
char *fx_tmpdir(char *buf, size_t len, const char *name);
/* Remove path and everything below it, never following a symlink. A missing path is fine. */
void rm_rf(const char *path);
/* Write text to dir/rel (NULL dir: rel as it is), making the directories on the way; fails the
 * running test when it cannot. */
void fx_write(const char *dir, const char *rel, const char *text);

/* A fake cgroup root: a fresh temp dir into buf whose subdirectory "cg" CELLCTL_CGROUP_ROOT names
 * (the directory itself is made by the test, as the files in it are); the recorded error is
 * cleared. Returns buf. */
char *fx_cgroot_setup(char *buf, size_t len, const char *name);
/* Undo fx_cgroot_setup: remove the temp dir and unset CELLCTL_CGROUP_ROOT and the other
 * environment overrides the cgroup code reads (CELLCTL_CGROUP_MODE, CELLCTL_PROC_SELF_CGROUP,
 * CELLCTL_SYSFS_ROOT). */
void fx_cgroot_teardown(const char *dir);
