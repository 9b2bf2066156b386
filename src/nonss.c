/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name lookups that libnl can make (nl_addr_info, the protocol names) and that cellctl and its
 * monitor never need: both only ever handle numeric addresses. Defining them here keeps glibc's
 * NSS, which a static program cannot load, out of their links (both are linked statically when
 * the toolchain can: configure). */
#include <netdb.h>
#include <stddef.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node, (void)service, (void)hints, (void)res;
	return EAI_FAIL;
}

struct protoent *getprotobynumber(int proto)
{
	(void)proto;
	return NULL;
}

struct protoent *getprotobyname(const char *name)
{
	(void)name;
	return NULL;
}
