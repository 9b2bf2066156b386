/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ringbuf.h"

#include <string.h>

#include "util.h"

void ringbuf_init(struct ringbuf *rb, char *storage, size_t size)
{
	rb->data = storage;
	rb->size = size;
	rb->pos = rb->fill = 0;
}

void ringbuf_add(struct ringbuf *rb, const char *buf, size_t n)
{
	if (rb->size == 0)
		return;
	if (n >= rb->size) {
		/* only the last size bytes stay: they fill the ring from its start */
		memcpy(rb->data, buf + (n - rb->size), rb->size);
		rb->pos = 0;
		rb->fill = rb->size;
		return;
	}
	size_t first = rb->size - rb->pos;
	if (first > n)
		first = n;
	memcpy(rb->data + rb->pos, buf, first);
	memcpy(rb->data, buf + first, n - first);
	rb->pos = (rb->pos + n) % rb->size;
	rb->fill = rb->fill + n > rb->size ? rb->size : rb->fill + n;
}

size_t ringbuf_peek(const struct ringbuf *rb, const char **p1, size_t *n1, const char **p2, size_t *n2)
{
	size_t start = rb->size ? (rb->pos + rb->size - rb->fill) % rb->size : 0;
	size_t first = rb->fill < rb->size - start ? rb->fill : rb->size - start;
	*p1 = rb->data + start;
	*n1 = first;
	*p2 = rb->data;
	*n2 = rb->fill - first;
	return rb->fill;
}

int ringbuf_send(const struct ringbuf *rb, int fd)
{
	const char *p1, *p2;
	size_t n1, n2;
	ringbuf_peek(rb, &p1, &n1, &p2, &n2);
	int r = write_full(fd, p1, n1);
	if (r == 0 && n2)
		r = write_full(fd, p2, n2);
	return r;
}
