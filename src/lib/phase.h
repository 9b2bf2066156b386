/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The phase timer, for profiling a command phase by phase (bench/phases). With CELLCTL_TIMING=FILE
 * in the environment of cellctl, every process of the command (cellctl, the monitor, the
 * container's setup children before their exec) appends a line per phase mark to FILE:
 * "MICROSECONDS PID NAME", MICROSECONDS on CLOCK_MONOTONIC, which all processes share. Without
 * the variable a mark costs one branch after the first call. The file is opened O_CLOEXEC, so no
 * program a command executes (a guest's init, an exec'd command) inherits it; the guest's
 * environment is built from nothing and never carries the variable. */
#pragma once

/* Append a mark named name (a fixed string of the caller's: no spaces) to the timing file, if
 * one is set. Keeps errno. */
void phase_mark(const char *name);

/* After a process closed its fds on purpose (the monitor at its start): open the timing file again,
 * if one is set. Only where the process still sees the host's files: never in a guest's mount
 * namespace, where the path would be the guest's. */
void phase_reopen(void);

/* The line phase_mark writes, for the unit test: "us pid name\n" into buf (size n); its length. */
int phase_format(char *buf, int n, unsigned long long us, int pid, const char *name);
