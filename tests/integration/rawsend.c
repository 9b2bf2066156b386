/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rawsend IFACE HEX...: send one Ethernet frame, given in hex (spaces and colons ignored), out of
 * IFACE through a packet socket, after filling in the IPv4 header checksum and the ICMPv6, UDP
 * (IPv6) and ICMP checksums. A test helper: spoof.sh builds it static and copies it into a
 * container, so that the container's own root sends frames an attacker would craft. */
#include <arpa/inet.h>
#include <ctype.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void checksums(uint8_t *f, size_t len)
{
	if (len < 14)
		return;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	uint8_t *l3 = f + 14;
	size_t n = len - 14;
	if (type == 0x0800 && n >= 20) {
		size_t ihl = (size_t)(l3[0] & 15) * 4;
		if (ihl < 20 || ihl > n)
			return;
		put16(l3 + 10, 0);
		put16(l3 + 10, fold(sum16(l3, ihl, 0)));
		if (l3[9] == 1 && n >= ihl + 4) { /* ICMP */
			put16(l3 + ihl + 2, 0);
			put16(l3 + ihl + 2, fold(sum16(l3 + ihl, n - ihl, 0)));
		}
	} else if (type == 0x86dd && n >= 40) {
		size_t plen = (size_t)(l3[4] << 8 | l3[5]);
		if (40 + plen > n)
			return;
		uint8_t nh = l3[6];
		size_t at = nh == 58 ? 2 : nh == 17 ? 6 : 0;
		if (!at || plen < at + 2)
			return;
		uint8_t *l4 = l3 + 40;
		put16(l4 + at, 0);
		uint32_t s = sum16(l3 + 8, 32, 0); /* pseudo header: addresses, length, next header */
		s += (uint32_t)plen;
		s += nh;
		put16(l4 + at, fold(sum16(l4, plen, s)));
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rawsend IFACE HEX...\n");
		return 2;
	}
	uint8_t f[2048];
	size_t len = 0;
	int hi = -1;
	for (int a = 2; a < argc; a++)
		for (const char *p = argv[a]; *p; p++) {
			if (isspace((unsigned char)*p) || *p == ':')
				continue;
			if (!isxdigit((unsigned char)*p) || len >= sizeof(f)) {
				fprintf(stderr, "rawsend: bad hex at '%s'\n", p);
				return 2;
			}
			int v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
			if (hi < 0) {
				hi = v;
			} else {
				f[len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
	if (hi >= 0 || len < 14) {
		fprintf(stderr, "rawsend: need whole bytes, at least 14\n");
		return 2;
	}
	checksums(f, len);
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("rawsend: socket");
		return 1;
	}
	struct sockaddr_ll sa = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]), .sll_halen = 6};
	if (!sa.sll_ifindex) {
		perror("rawsend: interface");
		return 1;
	}
	memcpy(sa.sll_addr, f, 6);
	if (sendto(fd, f, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len) {
		perror("rawsend: sendto");
		return 1;
	}
	close(fd);
	return 0;
}
