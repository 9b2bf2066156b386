/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's readiness messages (the sd_notify protocol): newline-separated KEY=VALUE
 * assignments in one datagram, from the guest's init to the monitor. Pure: the monitor receives
 * the datagram and checks its sender; this parses the text, which is the guest's (hostile). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define NOTIFY_STATUS_MAX 256

struct notify_msg {
	bool ready;                         /* a READY=1 line */
	bool have_status;                   /* a STATUS= line (the last one counts) */
	char status[NOTIFY_STATUS_MAX];     /* its text, cut to fit, NUL-terminated */
};

/* Parse n bytes of one datagram into *m. The text ends at n or at a NUL byte; lines are
 * separated by '\n'; a line must match exactly ("READY=1", not " READY=1" or "READY=10"); lines
 * of other keys and lines without '=' are ignored, as are empty ones. */
void notify_parse(const char *buf, size_t n, struct notify_msg *m);
