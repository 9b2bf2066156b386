/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A byte ring buffer that keeps the last SIZE bytes written to it (the monitor's console
 * history, replayed to each console client that attaches). Pure: no allocation, no I/O but
 * ringbuf_send. */
#pragma once
#include <stddef.h>

struct ringbuf {
	char *data;
	size_t size; /* capacity of data */
	size_t pos;  /* where the next byte goes */
	size_t fill; /* bytes held (at most size) */
};

/* An empty ring over the caller's storage of size bytes (size > 0). */
void ringbuf_init(struct ringbuf *rb, char *storage, size_t size);
/* Append n bytes; when more than the capacity is held, the oldest bytes go. */
void ringbuf_add(struct ringbuf *rb, const char *buf, size_t n);
/* The bytes held, oldest first, as up to two pieces: p1 (n1 bytes) then p2 (n2 bytes; 0 when
 * the content does not wrap). Returns the total, n1 + n2. */
size_t ringbuf_peek(const struct ringbuf *rb, const char **p1, size_t *n1, const char **p2, size_t *n2);
/* Write the bytes held, oldest first, to fd. 0 or a negative errno. */
int ringbuf_send(const struct ringbuf *rb, int fd);
