/* SPDX-License-Identifier: GPL-2.0-or-later */
/* antispoof: the host-side veth's ingress filter as a tc BPF program; see antispoof.h. */
#include "antispoof.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

const char *const spoof_reason_names[SPOOF_NREASONS] = {"mac", "arp", "ipv4", "ipv6", "nd", "guard", "other"};

/* ---- configuration ---- */

int spoof_cfg_from_netif(const struct ct_netif *n, const char *mac, struct spoof_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	unsigned m[6];
	char tail;
	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		cfg->mac[i] = (uint8_t)m[i];
	cfg->mac_filter = !n->mac_filter_off;
	cfg->ip_filter = !n->ip_filter_off;
	for (unsigned i = 0; i < n->nips; i++) {
		struct net_addr a;
		if (net_parse_addr(n->ips[i], &a) < 0)
			return -EINVAL;
		if (a.family == AF_INET && cfg->n4 < MAX_IPS)
			memcpy(cfg->v4[cfg->n4++], a.bytes, 4);
		else if (a.family == AF_INET6 && cfg->n6 < MAX_IPS)
			memcpy(cfg->v6[cfg->n6++], a.bytes, 16);
	}
	/* the link-local address the kernel derives from the MAC (addr_gen_mode eui64, its default) */
	uint8_t *ll = cfg->v6[cfg->n6++];
	memset(ll, 0, 16);
	ll[0] = 0xfe;
	ll[1] = 0x80;
	ll[8] = cfg->mac[0] ^ 0x02;
	ll[9] = cfg->mac[1];
	ll[10] = cfg->mac[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	ll[13] = cfg->mac[3];
	ll[14] = cfg->mac[4];
	ll[15] = cfg->mac[5];
	return 0;
}

bool spoof_cfg_active(const struct spoof_cfg *cfg) { return cfg->mac_filter || cfg->ip_filter; }

/* ---- a small assembler with forward labels ---- */

#define MAX_LABELS 1024
#define MAX_FIXUPS 4096

struct as {
	struct bpf_insn *out;
	size_t max, n;
	bool full;
	int nlabels;
	long label_at[MAX_LABELS];
	unsigned label_refs[MAX_LABELS];
	size_t nfix;
	struct {
		size_t at;
		int label;
	} fix[MAX_FIXUPS];
};

static void emit(struct as *a, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (a->n >= a->max) {
		a->full = true;
		return;
	}
	a->out[a->n++] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static int label(struct as *a)
{
	if (a->nlabels >= MAX_LABELS) {
		a->full = true;
		return 0;
	}
	a->label_at[a->nlabels] = -1;
	a->label_refs[a->nlabels] = 0;
	return a->nlabels++;
}

static void place(struct as *a, int l) { a->label_at[l] = (long)a->n; }
static bool used(const struct as *a, int l) { return a->label_refs[l] > 0; }

/* A jump to label l (always forward: the program has no loops). */
static void jump(struct as *a, uint8_t code, uint8_t reg, int32_t imm, int l)
{
	if (a->nfix >= MAX_FIXUPS) {
		a->full = true;
		return;
	}
	a->fix[a->nfix].at = a->n;
	a->fix[a->nfix++].label = l;
	a->label_refs[l]++;
	emit(a, code, reg, 0, 0, imm);
}

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R6 BPF_REG_6
#define R7 BPF_REG_7
#define R8 BPF_REG_8
#define R9 BPF_REG_9
#define FP BPF_REG_10

static void ja(struct as *a, int l) { jump(a, BPF_JMP | BPF_JA, 0, 0, l); }
static void jeq32(struct as *a, uint8_t r, int32_t v, int l) { jump(a, BPF_JMP32 | BPF_JEQ | BPF_K, r, v, l); }
static void jne32(struct as *a, uint8_t r, int32_t v, int l) { jump(a, BPF_JMP32 | BPF_JNE | BPF_K, r, v, l); }
static void mov(struct as *a, uint8_t r, int32_t v) { emit(a, BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, v); }
static void alu(struct as *a, uint8_t op, uint8_t r, int32_t v) { emit(a, BPF_ALU64 | op | BPF_K, r, 0, 0, v); }
static void ldx(struct as *a, uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{
	emit(a, BPF_LDX | BPF_MEM | size, dst, src, off, 0);
}

/* Bytes in network order as the value a load of that width from memory gives on this machine:
 * the program compares loaded words with constants made the same way. */
static int32_t native(const uint8_t *p, unsigned width)
{
	if (width == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return (int32_t)v;
	}
	if (width == 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	return p[0];
}
static int32_t native16(uint16_t host) /* a 16-bit protocol field (host order value) */
{
	uint8_t b[2] = {(uint8_t)(host >> 8), (uint8_t)host};
	return native(b, 2);
}

/* Copy len packet bytes from offset off (or from the offset in register offreg when >= 0) to the
 * stack at fp+at; a packet too short for them goes to fail. */
static void load(struct as *a, int off, int offreg, int16_t at, int32_t len, int fail)
{
	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R1, R6, 0, 0);
	if (offreg >= 0)
		emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R2, (uint8_t)offreg, 0, 0);
	else
		mov(a, R2, off);
	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R3, FP, 0, 0);
	alu(a, BPF_ADD, R3, at);
	mov(a, R4, len);
	emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
	jump(a, BPF_JMP | BPF_JNE | BPF_K, R0, 0, fail);
}

/* Compare len stack bytes at fp+at with val; any difference goes to fail. Loads are as wide as
 * the alignment allows (the verifier wants aligned stack access). */
static void cmp(struct as *a, int16_t at, const uint8_t *val, unsigned len, int fail)
{
	for (unsigned i = 0; i < len;) {
		int pos = at + (int)i;
		unsigned w = (pos % 4 == 0 && len - i >= 4) ? 4 : (pos % 2 == 0 && len - i >= 2) ? 2 : 1;
		uint8_t size = w == 4 ? BPF_W : w == 2 ? BPF_H : BPF_B;
		ldx(a, size, R0, FP, (int16_t)pos);
		jne32(a, R0, native(val + i, w), fail);
		i += w;
	}
}

/* Jump to match when the len bytes at fp+at equal one of the n values (each len bytes, stride
 * apart); fall through when none does. */
static void match_any(struct as *a, int16_t at, const uint8_t *vals, unsigned n, size_t stride, unsigned len, int match)
{
	for (unsigned k = 0; k < n; k++) {
		int next = label(a);
		cmp(a, at, vals + k * stride, len, next);
		ja(a, match);
		place(a, next);
	}
}

/* Stack layout (offsets from the frame pointer; each field read is aligned to its width). */
enum {
	S_KEY = -4,   /* u32 map key */
	S_ETH = -16,  /* 8 bytes from packet offset 6: source MAC, ethertype */
	S_L3 = -64,   /* 40 bytes: ARP (28), IPv4 (20) or IPv6 (40) header */
	S_L4 = -96,   /* ICMPv6 type/code/checksum, UDP ports, or a hop-by-hop header's first bytes */
	S_L4B = -88,  /* the ICMPv6 type after a hop-by-hop header */
	S_TGT = -112, /* ND target address (16) */
	S_OPT = -120, /* first ND option (8) */
};
#define ETH_LEN 14
#define OFF_L3 ETH_LEN
#define OFF_L4V6 (ETH_LEN + 40)

enum { ICMP6_RS = 133, ICMP6_RA = 134, ICMP6_NS = 135, ICMP6_NA = 136, ICMP6_REDIRECT = 137 };
static const uint8_t mld_types[] = {130, 131, 132, 143};

/* ND link-layer address option: when the ICMPv6 payload (length in R9) is longer than base, the
 * first option must be type with length 1 and our MAC (receivers use the first one they see). */
static void nd_lla(struct as *a, const struct spoof_cfg *cfg, unsigned type, int base, int off, int fail)
{
	int done = label(a);
	jump(a, BPF_JMP32 | BPF_JLE | BPF_K, R9, base, done);
	load(a, off, -1, S_OPT, 8, fail);
	uint8_t want[8] = {(uint8_t)type, 1};
	memcpy(want + 2, cfg->mac, 6);
	cmp(a, S_OPT, want, 8, fail);
	place(a, done);
}

int spoof_build(const struct spoof_cfg *cfg, int map_fd, struct bpf_insn *out, size_t max)
{
	if (!spoof_cfg_active(cfg))
		return -EINVAL;
	struct as *a = xcalloc(1, sizeof(*a));
	a->out = out;
	a->max = max;
	const bool macf = cfg->mac_filter, ipf = cfg->ip_filter;
	int PASS = label(a), COUNT = label(a), drop[SPOOF_NREASONS];
	for (int i = 0; i < SPOOF_NREASONS; i++)
		drop[i] = label(a);
	int ARP = label(a), IP4 = label(a), IP6 = label(a);
	static const uint8_t zero[16];

	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0);
	if (ipf) {
		/* a VLAN tag is out of band here (skb->vlan_*), the frame shows the inner type */
		ldx(a, BPF_W, R0, R6, (int16_t)offsetof(struct __sk_buff, vlan_present));
		jne32(a, R0, 0, drop[SPOOF_OTHER]);
	}
	load(a, 6, -1, S_ETH, 8, drop[SPOOF_OTHER]);
	if (macf)
		cmp(a, S_ETH, cfg->mac, 6, drop[SPOOF_MAC]);
	ldx(a, BPF_H, R7, FP, S_ETH + 6);
	jeq32(a, R7, native16(0x0806), ARP);
	if (ipf) {
		jeq32(a, R7, native16(0x0800), IP4);
		jeq32(a, R7, native16(0x86dd), IP6);
		ja(a, drop[SPOOF_OTHER]);
	} else {
		jeq32(a, R7, native16(0x86dd), IP6);
		ja(a, PASS);
	}

	/* ARP: Ethernet/IPv4 only; sender MAC ours; sender address ours, or 0.0.0.0 in a request
	 * (an RFC 5227 probe, which updates no cache) */
	place(a, ARP);
	load(a, OFF_L3, -1, S_L3, 28, drop[SPOOF_ARP]);
	if (ipf) {
		static const uint8_t eth_ip[6] = {0, 1, 8, 0, 6, 4};
		cmp(a, S_L3, eth_ip, 6, drop[SPOOF_ARP]);
	}
	if (macf)
		cmp(a, S_L3 + 8, cfg->mac, 6, drop[SPOOF_ARP]);
	if (ipf) {
		int req = label(a), any = label(a);
		ldx(a, BPF_H, R0, FP, S_L3 + 6);
		jeq32(a, R0, native16(1), req);
		jeq32(a, R0, native16(2), any);
		ja(a, drop[SPOOF_ARP]);
		place(a, req);
		match_any(a, S_L3 + 14, zero, 1, 0, 4, PASS);
		place(a, any);
		match_any(a, S_L3 + 14, cfg->v4[0], cfg->n4, 4, 4, PASS);
		ja(a, drop[SPOOF_ARP]);
	} else {
		ja(a, PASS);
	}

	if (ipf) {
		/* IPv4: our source addresses only; no DHCP server replies (UDP source port 67) */
		place(a, IP4);
		int ok = label(a);
		load(a, OFF_L3, -1, S_L3, 20, drop[SPOOF_IPV4]);
		ldx(a, BPF_B, R0, FP, S_L3);
		emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R9, R0, 0, 0);
		alu(a, BPF_AND, R9, 0x0f);
		alu(a, BPF_RSH, R0, 4);
		jne32(a, R0, 4, drop[SPOOF_IPV4]);
		jump(a, BPF_JMP32 | BPF_JLT | BPF_K, R9, 5, drop[SPOOF_IPV4]);
		match_any(a, S_L3 + 12, cfg->v4[0], cfg->n4, 4, 4, ok);
		ja(a, drop[SPOOF_IPV4]);
		if (cfg->n4) /* else nothing below is reachable, and the verifier refuses that */
			place(a, ok);
	}
	if (ipf && cfg->n4) {
		ldx(a, BPF_B, R0, FP, S_L3 + 9);
		jne32(a, R0, 17, PASS);
		ldx(a, BPF_H, R0, FP, S_L3 + 6);
		alu(a, BPF_AND, R0, native16(0x1fff));
		jne32(a, R0, 0, PASS); /* a later fragment: no UDP header in it */
		alu(a, BPF_LSH, R9, 2);
		alu(a, BPF_ADD, R9, OFF_L3);
		load(a, 0, R9, S_L4, 2, drop[SPOOF_IPV4]);
		ldx(a, BPF_H, R0, FP, S_L4);
		jeq32(a, R0, native16(67), drop[SPOOF_GUARD]);
		ja(a, PASS);
	}

	/* IPv6: R8 = 1 for one of our sources (configured or our link-local), 0 for "::";
	 * R9 = payload length; R7 = next header */
	place(a, IP6);
	int ICMP = label(a), HBH = label(a);
	load(a, OFF_L3, -1, S_L3, 40, drop[SPOOF_IPV6]);
	if (ipf) {
		int src_ok = label(a);
		ldx(a, BPF_B, R0, FP, S_L3);
		alu(a, BPF_RSH, R0, 4);
		jne32(a, R0, 6, drop[SPOOF_IPV6]);
		mov(a, R8, 1);
		match_any(a, S_L3 + 8, cfg->v6[0], cfg->n6, 16, 16, src_ok);
		mov(a, R8, 0);
		cmp(a, S_L3 + 8, zero, 16, drop[SPOOF_IPV6]);
		place(a, src_ok);
	}
	ldx(a, BPF_B, R9, FP, S_L3 + 4);
	alu(a, BPF_LSH, R9, 8);
	ldx(a, BPF_B, R0, FP, S_L3 + 5);
	emit(a, BPF_ALU64 | BPF_OR | BPF_X, R9, R0, 0, 0);
	ldx(a, BPF_B, R7, FP, S_L3 + 6);
	jeq32(a, R7, 58, ICMP);
	if (ipf) {
		/* extension headers that could put an RA or ND out of reach of the checks below;
		 * hop-by-hop only in front of MLD (multicast listener reports carry one) */
		jeq32(a, R7, 0, HBH);
		jeq32(a, R7, 43, drop[SPOOF_IPV6]);
		jeq32(a, R7, 60, drop[SPOOF_IPV6]);
		jeq32(a, R8, 0, drop[SPOOF_IPV6]); /* only ND and MLD come from "::" */
		jne32(a, R7, 17, PASS);
		load(a, OFF_L4V6, -1, S_L4, 2, drop[SPOOF_IPV6]);
		ldx(a, BPF_H, R0, FP, S_L4);
		jeq32(a, R0, native16(547), drop[SPOOF_GUARD]);
	}
	ja(a, PASS);

	place(a, ICMP);
	int NS = label(a), NA = label(a), RS = label(a);
	load(a, OFF_L4V6, -1, S_L4, 4, drop[SPOOF_IPV6]);
	ldx(a, BPF_B, R7, FP, S_L4);
	if (ipf) {
		jeq32(a, R7, ICMP6_RA, drop[SPOOF_GUARD]);
		jeq32(a, R7, ICMP6_REDIRECT, drop[SPOOF_GUARD]);
	}
	jeq32(a, R7, ICMP6_NS, NS);
	jeq32(a, R7, ICMP6_NA, NA);
	jeq32(a, R7, ICMP6_RS, RS);
	if (ipf) {
		jne32(a, R8, 0, PASS);
		for (size_t i = 0; i < sizeof(mld_types); i++)
			jeq32(a, R7, mld_types[i], PASS);
		ja(a, drop[SPOOF_IPV6]);
	} else {
		ja(a, PASS);
	}

	/* NS: from "::" (duplicate address detection) only for our own addresses; from an address
	 * of ours any target, with our MAC in its source link-layer option */
	place(a, NS);
	load(a, OFF_L4V6 + 8, -1, S_TGT, 16, drop[SPOOF_ND]);
	if (ipf) {
		int from_us = label(a);
		jne32(a, R8, 0, from_us);
		match_any(a, S_TGT, cfg->v6[0], cfg->n6, 16, 16, PASS);
		ja(a, drop[SPOOF_ND]);
		place(a, from_us);
	}
	if (macf)
		nd_lla(a, cfg, 1, 24, OFF_L4V6 + 24, drop[SPOOF_ND]);
	ja(a, PASS);

	/* NA: only for our own addresses, never from "::", target link-layer option our MAC */
	place(a, NA);
	load(a, OFF_L4V6 + 8, -1, S_TGT, 16, drop[SPOOF_ND]);
	if (ipf) {
		int ours = label(a);
		jeq32(a, R8, 0, drop[SPOOF_ND]);
		match_any(a, S_TGT, cfg->v6[0], cfg->n6, 16, 16, ours);
		ja(a, drop[SPOOF_ND]);
		place(a, ours);
	}
	if (macf)
		nd_lla(a, cfg, 2, 24, OFF_L4V6 + 24, drop[SPOOF_ND]);
	ja(a, PASS);

	/* RS: source link-layer option, when there is one, our MAC */
	place(a, RS);
	if (macf)
		nd_lla(a, cfg, 1, 8, OFF_L4V6 + 8, drop[SPOOF_ND]);
	ja(a, PASS);

	if (ipf) {
		/* hop-by-hop: 8 bytes, then ICMPv6 MLD */
		place(a, HBH);
		static const uint8_t hbh_icmp[2] = {58, 0};
		load(a, OFF_L4V6, -1, S_L4, 2, drop[SPOOF_IPV6]);
		cmp(a, S_L4, hbh_icmp, 2, drop[SPOOF_IPV6]);
		load(a, OFF_L4V6 + 8, -1, S_L4B, 1, drop[SPOOF_IPV6]);
		ldx(a, BPF_B, R0, FP, S_L4B);
		for (size_t i = 0; i < sizeof(mld_types); i++)
			jeq32(a, R0, mld_types[i], PASS);
		ja(a, drop[SPOOF_IPV6]);
	}

	/* drops: R7 = the counter's offset in the map value */
	for (int i = 0; i < SPOOF_NREASONS; i++) {
		if (!used(a, drop[i]))
			continue; /* the verifier refuses unreachable code */
		place(a, drop[i]);
		mov(a, R7, i * 8);
		ja(a, COUNT);
	}
	place(a, COUNT);
	if (map_fd >= 0) {
		int shot = label(a);
		emit(a, BPF_ST | BPF_MEM | BPF_W, FP, 0, S_KEY, 0);
		emit(a, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, map_fd);
		emit(a, 0, 0, 0, 0, 0);
		emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R2, FP, 0, 0);
		alu(a, BPF_ADD, R2, S_KEY);
		emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		jump(a, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, shot);
		emit(a, BPF_ALU64 | BPF_ADD | BPF_X, R0, R7, 0, 0);
		mov(a, R1, 1);
		emit(a, BPF_STX | BPF_ATOMIC | BPF_DW, R0, R1, 0, BPF_ADD);
		place(a, shot);
	}
	mov(a, R0, TC_ACT_SHOT);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	place(a, PASS);
	mov(a, R0, TC_ACT_UNSPEC);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	int r = (int)a->n;
	for (size_t i = 0; i < a->nfix && !a->full; i++) {
		long to = a->label_at[a->fix[i].label];
		long d = to - (long)a->fix[i].at - 1;
		if (to < 0 || d < 0 || d > INT16_MAX) {
			free(a);
			return -EINVAL; /* a bug in this builder */
		}
		out[a->fix[i].at].off = (int16_t)d;
	}
	if (a->full)
		r = -ENOSPC;
	free(a);
	return r;
}

/* ---- bpf() ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

#define MAP_VALUE_SIZE (SPOOF_NREASONS * 8)

int spoof_map_create(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = MAP_VALUE_SIZE;
	a.max_entries = 1;
	memcpy(a.map_name, SPOOF_PROG_NAME, sizeof(SPOOF_PROG_NAME));
	int fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return cerr(EX_NETDEV, fd, "create the anti-spoofing counter map");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

#define MAX_INSNS 8192

int spoof_load(const struct spoof_cfg *cfg, int map_fd)
{
	static const char license[] = "GPL";
	_cleanup_free_ struct bpf_insn *insns = xcalloc(MAX_INSNS, sizeof(*insns));
	int n = spoof_build(cfg, map_fd, insns, MAX_INSNS);
	if (n < 0)
		return cerr(EX_NETDEV, n, "build the anti-spoofing filter");
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	memcpy(a.prog_name, SPOOF_PROG_NAME, sizeof(SPOOF_PROG_NAME));
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		log_debug("loaded anti-spoofing program (%d insns), fd %d", n, fd);
		return fd;
	}
	int e = fd;
	_cleanup_free_ char *logbuf = xcalloc(1, 1 << 20);
	a.log_buf = (uint64_t)(uintptr_t)logbuf;
	a.log_size = 1 << 20;
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	if (logbuf[0]) {
		size_t l = strlen(logbuf);
		log_debug("BPF verifier: %s", l > 4000 ? logbuf + l - 4000 : logbuf);
	}
	return cerr(EX_NETDEV, e, "load the anti-spoofing BPF program");
}

int spoof_map_of_prog(uint32_t prog_id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = prog_id;
	_cleanup_close_ int pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (pfd < 0)
		return -ENOENT;
	uint32_t ids[4] = {0};
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 4;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)pfd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || strncmp(info.name, SPOOF_PROG_NAME, sizeof(info.name)))
		return -ENOENT;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 4; i++) {
		memset(&a, 0, sizeof(a));
		a.map_id = ids[i];
		int mfd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
		if (mfd < 0)
			continue;
		struct bpf_map_info mi;
		memset(&mi, 0, sizeof(mi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)mfd;
		a.info.info_len = sizeof(mi);
		a.info.info = (uint64_t)(uintptr_t)&mi;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && mi.type == BPF_MAP_TYPE_ARRAY &&
		    mi.value_size == MAP_VALUE_SIZE && !strncmp(mi.name, SPOOF_PROG_NAME, sizeof(mi.name))) {
			fcntl(mfd, F_SETFD, FD_CLOEXEC);
			return mfd;
		}
		close(mfd);
	}
	return -ENOENT;
}

int spoof_map_read(int map_fd, uint64_t out[SPOOF_NREASONS])
{
	uint32_t key = 0;
	uint64_t v[SPOOF_NREASONS];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)v;
	int r = sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
	if (r < 0)
		return r;
	memcpy(out, v, sizeof(v));
	return 0;
}
