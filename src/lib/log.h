/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: stderr (by verbosity) plus the log file, lines "timestamp cellctl : CT 101 : message". */
#pragma once
enum { LOG_ERR_L = 0, LOG_WARN_L = 1, LOG_INFO_L = 2, LOG_DEBUG_L = 3 };

/* verbosity: messages at or below this level go to stderr (default LOG_WARN_L). */
void log_init(const char *log_file, int verbosity);
void log_set_ctid(unsigned ctid); /* 0: none */
void log_set_file(const char *log_file);
int log_verbosity(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERR_L, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN_L, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO_L, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG_L, __VA_ARGS__)
/* Only to the log file (and stderr at -vv): audit lines such as "Container started". */
void log_file_only(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only to the log file, never to stderr: what the caller has shown the user already (main
 * writes each command failure here after printing it). */
void log_file_quiet(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
