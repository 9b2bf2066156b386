/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passed sockets (cellctl.8, --listen): the spec tcp:ADDR:PORT, tcp:[ADDR6]:PORT or unix:/PATH,
 * each with an optional =NAME (LISTEN_FDNAMES), their parsing, printing and comparison, and the
 * parameter table's listen and listen_del ([container] listen = "SPEC SPEC ..."). Pure: no
 * socket is made here (sockact.h binds them). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define SOCKSPEC_MAX 16       /* sockets per container (fds 3 to 18 of init) */
#define SOCKSPEC_NAME_MAX 64  /* a name: letters, digits, . _ - */
#define SOCKSPEC_PATH_MAX 108 /* sun_path, with its NUL */
#define LISTEN_FORM                                                                                                    \
	"tcp:ADDR:PORT, tcp:[ADDR6]:PORT or unix:/PATH, each with an optional =NAME, space separated, such as "        \
	"tcp:203.0.113.5:80=http, tcp:[2001:db8::5]:443 or unix:/run/web/app.sock (ADDR a numeric address, "           \
	"PORT 1 to 65535; PATH absolute and clean, without white space, quotes, = or control characters, "             \
	"under 108 bytes; NAME of letters, digits and . _ -, at most 64); at most 16"

enum { SOCKSPEC_TCP = 1, SOCKSPEC_UNIX = 2 };

struct sock_spec {
	int kind;                         /* SOCKSPEC_TCP or SOCKSPEC_UNIX */
	int family;                       /* TCP: AF_INET or AF_INET6 */
	unsigned char addr[16];           /* TCP: the address, network order (4 bytes for AF_INET) */
	unsigned port;                    /* TCP: 1 to 65535 */
	char path[SOCKSPEC_PATH_MAX];     /* UNIX: absolute, clean */
	char name[SOCKSPEC_NAME_MAX + 1]; /* "" when none */
};

/* Pure: parse one spec into *sp: 0, or -EINVAL (syntax, address, path or name), -ERANGE (port),
 * -ENAMETOOLONG (path or name too long). */
int sockspec_parse(const char *s, struct sock_spec *sp);
/* Pure: the canonical spec (what the config holds): tcp:A:P, tcp:[A6]:P or unix:/P, then =NAME. */
void sockspec_format(const struct sock_spec *sp, char *buf, size_t len);
/* Pure: the endpoint without the name (tcp:A:P, unix:/P), as messages name it. */
void sockspec_endpoint(const struct sock_spec *sp, char *buf, size_t len);
/* Pure: the same endpoint (the name aside)? */
bool sockspec_same(const struct sock_spec *a, const struct sock_spec *b);
/* Pure: can both not be bound at once: the same endpoint, or TCP on the same port and family
 * where one of them is the family's wildcard address (0.0.0.0 or ::; cellctl's IPv6 sockets are
 * v6only, so :: does not cover IPv4). */
bool sockspec_conflict(const struct sock_spec *a, const struct sock_spec *b);
/* Pure: parse the space separated list (a config's listen) into out (room for SOCKSPEC_MAX):
 * the count, or the first spec's error (-E2BIG over SOCKSPEC_MAX). NULL or "": 0. */
int sockspec_list(const char *list, struct sock_spec *out);
/* Pure: LISTEN_FDNAMES for the n specs: their names joined by ':' ("unknown" for one without). */
void sockspec_fdnames(const struct sock_spec *sp, unsigned n, char *buf, size_t len);

/* The parameter table's listen and listen_del (params.c): add specs (a spec at an endpoint the
 * list has replaces that one: a new name); remove the spec at an endpoint (its name, if given,
 * is not compared), or all. 0 or -EINVAL / -ERANGE / -E2BIG (more than SOCKSPEC_MAX) / -ENOENT
 * (no such endpoint in the list). */
int sockspec_ap_add(struct ct_config *c, const char *v);
int sockspec_ap_del(struct ct_config *c, const char *v);
/* The list, space separated ("" when none). */
void sockspec_pr(const struct ct_config *c, char *buf, unsigned len);
