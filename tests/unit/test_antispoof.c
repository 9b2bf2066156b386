/* SPDX-License-Identifier: GPL-2.0-or-later */
/* antispoof: the filter program built for an interface config, run over crafted frames by an
 * interpreter of the instructions the builder emits (no kernel). The interpreter is strict where
 * the kernel's verifier is (aligned, initialised stack reads; no unknown instruction) so that a
 * program it accepts has a fair chance with the verifier too; the integration tests load it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "antispoof.h"
#include "config.h"
#include "util.h"

/* ---- the interpreter ---- */

#define MAP_MARK 0x4d41500000000000ull
#define CTX_MARK 0x4354580000000000ull

struct vm {
	const uint8_t *pkt;
	size_t len;
	uint32_t vlan_present;
	uint8_t stack[512];
	bool init[512];
	uint64_t counters[SPOOF_NREASONS];
	const char *err;
};

static uint8_t *stack_ptr(struct vm *vm, uint64_t addr, unsigned size)
{
	uintptr_t lo = (uintptr_t)vm->stack, hi = lo + sizeof(vm->stack);
	if (addr < lo || addr + size > hi) {
		vm->err = "stack access out of range";
		return NULL;
	}
	/* the verifier wants stack access aligned to its size, relative to the frame pointer */
	if ((hi - addr) % size) {
		vm->err = "misaligned stack access";
		return NULL;
	}
	return (uint8_t *)(uintptr_t)addr;
}

static bool is_counter(struct vm *vm, uint64_t addr, unsigned size)
{
	uintptr_t lo = (uintptr_t)vm->counters;
	return addr >= lo && addr + size <= lo + sizeof(vm->counters) && (addr - lo) % size == 0;
}

static uint64_t rd(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	switch (size) {
	case 1: v = p[0]; break;
	case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
	case 8: memcpy(&v, p, 8); break;
	}
	return v;
}

static unsigned size_of(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

/* Run the program over vm->pkt. Returns r0; vm->err says why it could not run. */
static int64_t vm_run(struct vm *vm, const struct bpf_insn *prog, int n)
{
	uint64_t r[11] = {0};
	bool live[11] = {false};
	r[1] = CTX_MARK;
	live[1] = true;
	r[10] = (uintptr_t)(vm->stack + sizeof(vm->stack));
	live[10] = true;
	memset(vm->init, 0, sizeof(vm->init));
	vm->err = NULL;
	for (int pc = 0, steps = 0; pc >= 0 && pc < n; pc++) {
		const struct bpf_insn *in = &prog[pc];
		uint8_t cls = BPF_CLASS(in->code), d = in->dst_reg, s = in->src_reg;
		if (++steps > 100000) {
			vm->err = "too many steps";
			return 0;
		}
		if (cls == BPF_ALU64 || cls == BPF_ALU) {
			uint64_t src = BPF_SRC(in->code) == BPF_X ? r[s] : (uint64_t)(int64_t)in->imm;
			if (BPF_SRC(in->code) == BPF_X && !live[s]) {
				vm->err = "read of an unset register";
				return 0;
			}
			uint64_t v = r[d];
			if (BPF_OP(in->code) != BPF_MOV && !live[d]) {
				vm->err = "read of an unset register";
				return 0;
			}
			switch (BPF_OP(in->code)) {
			case BPF_MOV: v = src; break;
			case BPF_ADD: v += src; break;
			case BPF_AND: v &= src; break;
			case BPF_OR: v |= src; break;
			case BPF_LSH: v <<= src; break;
			case BPF_RSH: v >>= src; break;
			default: vm->err = "unknown ALU op"; return 0;
			}
			r[d] = cls == BPF_ALU ? (uint32_t)v : v;
			live[d] = true;
		} else if (cls == BPF_JMP || cls == BPF_JMP32) {
			uint8_t op = BPF_OP(in->code);
			if (op == BPF_EXIT) {
				if (!live[0]) {
					vm->err = "exit with r0 unset";
					return 0;
				}
				return (int64_t)r[0];
			}
			if (op == BPF_CALL) {
				if (in->imm == BPF_FUNC_skb_load_bytes) {
					int64_t off = (int64_t)r[2];
					uint64_t len = r[4];
					if (r[1] != CTX_MARK || len == 0 || len > 64) {
						vm->err = "bad skb_load_bytes arguments";
						return 0;
					}
					uint8_t *dst = stack_ptr(vm, r[3], 1);
					if (!dst || !stack_ptr(vm, r[3] + len - 1, 1))
						return 0;
					size_t at = (size_t)(dst - vm->stack);
					if (off < 0 || (uint64_t)off + len > vm->len) {
						memset(dst, 0, len);
						r[0] = (uint64_t)-EFAULT;
					} else {
						memcpy(dst, vm->pkt + off, len);
						r[0] = 0;
					}
					for (size_t i = 0; i < len; i++)
						vm->init[at + i] = true;
				} else if (in->imm == BPF_FUNC_map_lookup_elem) {
					uint8_t *k = stack_ptr(vm, r[2], 4);
					if (r[1] != MAP_MARK || !k || !vm->init[k - vm->stack] || rd(k, 4) != 0) {
						vm->err = "bad map lookup";
						return 0;
					}
					r[0] = (uintptr_t)vm->counters;
				} else {
					vm->err = "unknown helper";
					return 0;
				}
				live[0] = true;
				for (int i = 1; i <= 5; i++)
					live[i] = false; /* clobbered by the call */
				continue;
			}
			bool jump;
			if (op == BPF_JA) {
				jump = true;
			} else {
				if (BPF_SRC(in->code) != BPF_K || !live[d]) {
					vm->err = "bad jump operand";
					return 0;
				}
				uint64_t a = r[d], b = (uint64_t)(int64_t)in->imm;
				if (cls == BPF_JMP32) {
					a = (uint32_t)a;
					b = (uint32_t)b;
				}
				switch (op) {
				case BPF_JEQ: jump = a == b; break;
				case BPF_JNE: jump = a != b; break;
				case BPF_JLT: jump = a < b; break;
				case BPF_JLE: jump = a <= b; break;
				default: vm->err = "unknown jump"; return 0;
				}
			}
			if (jump)
				pc += in->off;
		} else if (cls == BPF_LDX && BPF_MODE(in->code) == BPF_MEM) {
			unsigned size = size_of(in->code);
			uint64_t addr = r[s] + (uint64_t)(int64_t)in->off;
			if (r[s] == CTX_MARK) {
				if (in->off != (int16_t)offsetof(struct __sk_buff, vlan_present) || size != 4) {
					vm->err = "bad context access";
					return 0;
				}
				r[d] = vm->vlan_present;
			} else if (is_counter(vm, addr, size)) {
				r[d] = rd((const uint8_t *)(uintptr_t)addr, size);
			} else {
				uint8_t *p = stack_ptr(vm, addr, size);
				if (!p)
					return 0;
				for (unsigned i = 0; i < size; i++)
					if (!vm->init[p - vm->stack + i]) {
						vm->err = "read of uninitialised stack";
						return 0;
					}
				r[d] = rd(p, size);
			}
			live[d] = true;
		} else if (cls == BPF_ST && BPF_MODE(in->code) == BPF_MEM) {
			unsigned size = size_of(in->code);
			uint8_t *p = stack_ptr(vm, r[d] + (uint64_t)(int64_t)in->off, size);
			if (!p)
				return 0;
			uint64_t v = (uint64_t)(int64_t)in->imm;
			memcpy(p, &v, size);
			for (unsigned i = 0; i < size; i++)
				vm->init[p - vm->stack + i] = true;
		} else if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
			uint64_t addr = r[d] + (uint64_t)(int64_t)in->off;
			if (in->imm != BPF_ADD || size_of(in->code) != 8 || !is_counter(vm, addr, 8)) {
				vm->err = "bad atomic add";
				return 0;
			}
			*(uint64_t *)(uintptr_t)addr += r[s];
		} else if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if (in->src_reg != BPF_PSEUDO_MAP_FD || pc + 1 >= n) {
				vm->err = "bad ld_imm64";
				return 0;
			}
			r[d] = MAP_MARK;
			live[d] = true;
			pc++;
		} else {
			vm->err = "unknown instruction";
			return 0;
		}
	}
	vm->err = "fell off the end";
	return 0;
}

/* ---- frames ---- */

static const uint8_t OWN_MAC[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t OTHER_MAC[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}
static void put8(struct frame *f, uint8_t v) { put(f, &v, 1); }
static void put16(struct frame *f, uint16_t v)
{
	uint16_t n = htons(v);
	put(f, &n, 2);
}
static void ip4(const char *s, uint8_t out[4]) { assert_int_equal(inet_pton(AF_INET, s, out), 1); }
static void ip6(const char *s, uint8_t out[16]) { assert_int_equal(inet_pton(AF_INET6, s, out), 1); }

static void eth(struct frame *f, const uint8_t *src, uint16_t type)
{
	f->len = 0;
	put(f, BCAST, 6);
	put(f, src, 6);
	put16(f, type);
}

static void arp(struct frame *f, const uint8_t *esrc, uint16_t op, const uint8_t *sha, const char *spa, const char *tpa)
{
	uint8_t a[4];
	eth(f, esrc, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, sha, 6);
	ip4(spa, a);
	put(f, a, 4);
	put(f, BCAST, 6);
	ip4(tpa, a);
	put(f, a, 4);
}

/* IPv4 with ihl words of header (options zero), protocol proto, then payload. */
static void ipv4(struct frame *f, const uint8_t *esrc, const char *src, unsigned ihl, uint8_t proto, uint16_t frag,
		 const void *payload, size_t plen)
{
	uint8_t a[4];
	eth(f, esrc, 0x0800);
	put8(f, (uint8_t)(0x40 | ihl));
	put8(f, 0);
	put16(f, (uint16_t)(ihl * 4 + plen));
	put16(f, 1);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	ip4(src, a);
	put(f, a, 4);
	ip4("10.0.0.1", a);
	put(f, a, 4);
	for (unsigned i = 5; i < ihl; i++)
		put(f, "\0\0\0\0", 4);
	put(f, payload, plen);
}

static void ipv6(struct frame *f, const uint8_t *esrc, const char *src, uint8_t nh, const void *payload, size_t plen)
{
	uint8_t a[16];
	eth(f, esrc, 0x86dd);
	put8(f, 0x60);
	put(f, "\0\0\0", 3);
	put16(f, (uint16_t)plen);
	put8(f, nh);
	put8(f, 255);
	ip6(src, a);
	put(f, a, 16);
	ip6("ff02::1", a);
	put(f, a, 16);
	put(f, payload, plen);
}

/* ICMPv6 ND message type with target (NS/NA) and an optional link-layer option of lltype. */
static void nd(struct frame *f, const uint8_t *esrc, const char *src, uint8_t type, const char *target, uint8_t lltype,
	       const uint8_t *llmac)
{
	uint8_t p[64];
	size_t n = 0;
	p[n++] = type;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 0;
	memset(p + n, 0, 4);
	if (type == 136)
		p[n] = 0x20; /* override */
	n += 4;
	if (target) {
		ip6(target, p + n);
		n += 16;
	}
	if (lltype) {
		p[n++] = lltype;
		p[n++] = 1;
		memcpy(p + n, llmac, 6);
		n += 6;
	}
	ipv6(f, esrc, src, 58, p, n);
}

/* ---- the fixture ---- */

static struct ct_netif netif(const char *ips)
{
	struct ct_netif n;
	memset(&n, 0, sizeof(n));
	strcpy(n.ifname, "eth0");
	_cleanup_free_ char *s = xstrdup(ips);
	for (char *t = strtok(s, " "); t; t = strtok(NULL, " "))
		n.ips[n.nips++] = xstrdup(t);
	return n;
}

static void netif_free(struct ct_netif *n)
{
	for (unsigned i = 0; i < n->nips; i++)
		free(n->ips[i]);
}

struct prog {
	struct bpf_insn insns[8192];
	int n;
	struct vm vm;
};

static struct prog P;

static void build(const struct ct_netif *n, bool counting)
{
	struct spoof_cfg cfg;
	assert_int_equal(spoof_cfg_from_netif(n, "02:11:22:33:44:55", &cfg), 0);
	P.n = spoof_build(&cfg, counting ? 7 : -1, P.insns, 8192);
	assert_true(P.n > 0);
	memset(P.vm.counters, 0, sizeof(P.vm.counters));
}

#define PASS TC_ACT_UNSPEC
#define DROP TC_ACT_SHOT

/* Run frame f; check the verdict and (for drops) which counter went up. */
static void expect(const struct frame *f, int verdict, int reason, const char *what)
{
	uint64_t before[SPOOF_NREASONS];
	memcpy(before, P.vm.counters, sizeof(before));
	P.vm.pkt = f->b;
	P.vm.len = f->len;
	int64_t v = vm_run(&P.vm, P.insns, P.n);
	if (P.vm.err)
		fail_msg("%s: the program did not run: %s", what, P.vm.err);
	if (v != verdict)
		fail_msg("%s: verdict %lld, expected %d", what, (long long)v, verdict);
	for (int i = 0; i < SPOOF_NREASONS; i++) {
		uint64_t want = before[i] + (verdict == DROP && i == reason ? 1 : 0);
		if (P.vm.counters[i] != want)
			fail_msg("%s: counter %s is %llu, expected %llu", what, spoof_reason_names[i],
				 (unsigned long long)P.vm.counters[i], (unsigned long long)want);
	}
}

/* ---- tests ---- */

static void test_cfg(void **state)
{
	(void)state;
	struct ct_netif n = netif("10.0.0.5/24 10.0.0.6 fd00::5/64");
	struct spoof_cfg cfg;
	assert_int_equal(spoof_cfg_from_netif(&n, "02:11:22:33:44:55", &cfg), 0);
	assert_true(cfg.mac_filter && cfg.ip_filter && spoof_cfg_active(&cfg));
	assert_int_equal(cfg.n4, 2);
	assert_int_equal(cfg.n6, 2);
	uint8_t ll[16];
	ip6("fe80::11:22ff:fe33:4455", ll);
	assert_memory_equal(cfg.v6[1], ll, 16); /* EUI-64: U/L bit flipped, ff:fe in the middle */
	assert_int_equal(spoof_cfg_from_netif(&n, "02:11:22:33:44", &cfg), -EINVAL);
	n.mac_filter_off = n.ip_filter_off = true;
	assert_int_equal(spoof_cfg_from_netif(&n, "02:11:22:33:44:55", &cfg), 0);
	assert_false(spoof_cfg_active(&cfg));
	struct bpf_insn insns[16];
	assert_int_equal(spoof_build(&cfg, -1, insns, 16), -EINVAL);
	n.mac_filter_off = false;
	assert_int_equal(spoof_cfg_from_netif(&n, "02:11:22:33:44:55", &cfg), 0);
	assert_int_equal(spoof_build(&cfg, -1, insns, 16), -ENOSPC);
	netif_free(&n);
}

static void test_mac(void **state)
{
	(void)state;
	struct ct_netif n = netif("10.0.0.5/24");
	build(&n, true);
	struct frame f;
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	expect(&f, PASS, 0, "IPv4 from our MAC and address");
	ipv4(&f, OTHER_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_MAC, "IPv4 from another MAC");
	arp(&f, OTHER_MAC, 1, OTHER_MAC, "10.0.0.5", "10.0.0.1");
	expect(&f, DROP, SPOOF_MAC, "ARP from another MAC");
	eth(&f, OWN_MAC, 0x88cc);
	put(&f, "lldp data here", 14);
	expect(&f, DROP, SPOOF_OTHER, "LLDP");
	eth(&f, OWN_MAC, 0x8100);
	put(&f, "\x00\x05\x08\x00", 4);
	expect(&f, DROP, SPOOF_OTHER, "an in-band VLAN tag");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	P.vm.vlan_present = 1;
	expect(&f, DROP, SPOOF_OTHER, "a VLAN tag the kernel took out of band");
	P.vm.vlan_present = 0;
	f.len = 10;
	expect(&f, DROP, SPOOF_OTHER, "a runt frame");
	netif_free(&n);
}

static void test_arp(void **state)
{
	(void)state;
	struct ct_netif n = netif("10.0.0.5/24 10.0.0.7");
	build(&n, true);
	struct frame f;
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.5", "10.0.0.1");
	expect(&f, PASS, 0, "request from our address");
	arp(&f, OWN_MAC, 2, OWN_MAC, "10.0.0.7", "10.0.0.1");
	expect(&f, PASS, 0, "reply from our second address");
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.6", "10.0.0.6");
	expect(&f, DROP, SPOOF_ARP, "gratuitous ARP for a foreign address (arping -U)");
	arp(&f, OWN_MAC, 2, OWN_MAC, "10.0.0.6", "10.0.0.1");
	expect(&f, DROP, SPOOF_ARP, "reply claiming a foreign address");
	arp(&f, OWN_MAC, 2, OTHER_MAC, "10.0.0.5", "10.0.0.1");
	expect(&f, DROP, SPOOF_ARP, "our address, a foreign sender MAC inside");
	arp(&f, OWN_MAC, 1, OWN_MAC, "0.0.0.0", "10.0.0.9");
	expect(&f, PASS, 0, "address probe (sender 0.0.0.0)");
	arp(&f, OWN_MAC, 2, OWN_MAC, "0.0.0.0", "10.0.0.9");
	expect(&f, DROP, SPOOF_ARP, "a reply from 0.0.0.0");
	arp(&f, OWN_MAC, 3, OWN_MAC, "10.0.0.5", "10.0.0.1");
	expect(&f, DROP, SPOOF_ARP, "RARP opcode");
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.5", "10.0.0.1");
	f.b[14 + 5] = 16; /* protocol address length */
	expect(&f, DROP, SPOOF_ARP, "not Ethernet/IPv4 ARP");
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.5", "10.0.0.1");
	f.len = 14 + 20;
	expect(&f, DROP, SPOOF_ARP, "truncated ARP");
	netif_free(&n);
}

static void test_ipv4(void **state)
{
	(void)state;
	struct ct_netif n = netif("10.0.0.5/24");
	build(&n, true);
	struct frame f;
	static const uint8_t dhcp_srv[8] = {0, 67, 0, 68, 0, 8, 0, 0}, dhcp_cli[8] = {0, 68, 0, 67, 0, 8, 0, 0};
	ipv4(&f, OWN_MAC, "10.0.0.6", 5, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_IPV4, "a foreign source address");
	ipv4(&f, OWN_MAC, "0.0.0.0", 5, 17, 0, dhcp_cli, 8);
	expect(&f, DROP, SPOOF_IPV4, "DHCP client from 0.0.0.0 (no DHCP mode)");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 17, 0, dhcp_cli, 8);
	expect(&f, PASS, 0, "UDP from our address");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 17, 0, dhcp_srv, 8);
	expect(&f, DROP, SPOOF_GUARD, "a DHCP server reply");
	ipv4(&f, OWN_MAC, "10.0.0.5", 7, 17, 0, dhcp_srv, 8);
	expect(&f, DROP, SPOOF_GUARD, "a DHCP server reply behind IP options");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 17, 0x0010, dhcp_srv, 8);
	expect(&f, PASS, 0, "a later fragment (no UDP header in it)");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 17, 0, dhcp_srv, 8);
	f.len -= 7;
	expect(&f, DROP, SPOOF_IPV4, "a truncated UDP header");
	ipv4(&f, OWN_MAC, "10.0.0.5", 4, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_IPV4, "header length below 5");
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	f.b[14] = 0x65;
	expect(&f, DROP, SPOOF_IPV4, "version 6 in an IPv4 frame");
	netif_free(&n);

	/* no IPv4 address at all: nothing IPv4 passes, ARP probes do */
	n = netif("fd00::5/64");
	build(&n, true);
	ipv4(&f, OWN_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_IPV4, "IPv4 on an interface without IPv4 addresses");
	arp(&f, OWN_MAC, 1, OWN_MAC, "0.0.0.0", "10.0.0.9");
	expect(&f, PASS, 0, "probe without IPv4 addresses");
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.5", "10.0.0.9");
	expect(&f, DROP, SPOOF_ARP, "ARP without IPv4 addresses");
	netif_free(&n);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct ct_netif n = netif("fd00::5/64 10.0.0.5");
	build(&n, true);
	struct frame f;
	static const uint8_t udp[8] = {0x30, 0x39, 0, 53, 0, 8, 0, 0}, dhcp6_srv[8] = {0x02, 0x23, 0x02, 0x22, 0, 8, 0, 0};
	static const uint8_t echo[8] = {128, 0, 0, 0, 0, 1, 0, 1};
	static const uint8_t mld[8] = {143, 0, 0, 0, 0, 0, 0, 0};
	ipv6(&f, OWN_MAC, "fd00::5", 17, udp, 8);
	expect(&f, PASS, 0, "UDP from our address");
	ipv6(&f, OWN_MAC, "fe80::11:22ff:fe33:4455", 58, echo, 8);
	expect(&f, PASS, 0, "ICMPv6 from our link-local address");
	ipv6(&f, OWN_MAC, "fd00::6", 17, udp, 8);
	expect(&f, DROP, SPOOF_IPV6, "a foreign source address");
	ipv6(&f, OWN_MAC, "fe80::1", 58, echo, 8);
	expect(&f, DROP, SPOOF_IPV6, "a foreign link-local source");
	ipv6(&f, OWN_MAC, "::", 17, udp, 8);
	expect(&f, DROP, SPOOF_IPV6, "UDP from ::");
	ipv6(&f, OWN_MAC, "::", 58, echo, 8);
	expect(&f, DROP, SPOOF_IPV6, "an echo from ::");
	ipv6(&f, OWN_MAC, "::", 58, mld, 8);
	expect(&f, PASS, 0, "an MLD report from ::");
	ipv6(&f, OWN_MAC, "fd00::5", 17, dhcp6_srv, 8);
	expect(&f, DROP, SPOOF_GUARD, "a DHCPv6 server message");
	static const uint8_t ra[16] = {134, 0, 0, 0, 64, 0, 0x07, 0x08};
	ipv6(&f, OWN_MAC, "fe80::11:22ff:fe33:4455", 58, ra, 16);
	expect(&f, DROP, SPOOF_GUARD, "a router advertisement");
	static const uint8_t redirect[40] = {137};
	ipv6(&f, OWN_MAC, "fe80::11:22ff:fe33:4455", 58, redirect, 40);
	expect(&f, DROP, SPOOF_GUARD, "a redirect");
	/* hop-by-hop (router alert) + MLD: what every joining guest sends */
	uint8_t hbh[16] = {58, 0, 5, 2, 0, 0, 1, 0, 143, 0, 0, 0, 0, 0, 0, 0};
	ipv6(&f, OWN_MAC, "fe80::11:22ff:fe33:4455", 0, hbh, 16);
	expect(&f, PASS, 0, "hop-by-hop + MLD report");
	ipv6(&f, OWN_MAC, "::", 0, hbh, 16);
	expect(&f, PASS, 0, "hop-by-hop + MLD report from ::");
	hbh[8] = 134;
	ipv6(&f, OWN_MAC, "fe80::11:22ff:fe33:4455", 0, hbh, 16);
	expect(&f, DROP, SPOOF_IPV6, "a router advertisement behind hop-by-hop");
	hbh[8] = 143;
	hbh[0] = 17;
	ipv6(&f, OWN_MAC, "fd00::5", 0, hbh, 16);
	expect(&f, DROP, SPOOF_IPV6, "hop-by-hop in front of anything else");
	uint8_t dst[16] = {58, 0, 1, 4, 0, 0, 0, 0, 136};
	ipv6(&f, OWN_MAC, "fd00::5", 60, dst, 16);
	expect(&f, DROP, SPOOF_IPV6, "destination options (could hide an NA)");
	ipv6(&f, OWN_MAC, "fd00::5", 43, dst, 16);
	expect(&f, DROP, SPOOF_IPV6, "a routing header");
	ipv6(&f, OWN_MAC, "fd00::5", 44, udp, 8);
	expect(&f, PASS, 0, "a fragment from our address");
	ipv6(&f, OWN_MAC, "fd00::5", 17, udp, 8);
	f.len = 14 + 30;
	expect(&f, DROP, SPOOF_IPV6, "a truncated IPv6 header");
	netif_free(&n);
}

static void test_nd(void **state)
{
	(void)state;
	struct ct_netif n = netif("fd00::5/64");
	build(&n, true);
	struct frame f;
	const char *ll = "fe80::11:22ff:fe33:4455";
	nd(&f, OWN_MAC, "::", 135, "fd00::5", 0, NULL);
	expect(&f, PASS, 0, "DAD for our address");
	nd(&f, OWN_MAC, "::", 135, ll, 0, NULL);
	expect(&f, PASS, 0, "DAD for our link-local address");
	nd(&f, OWN_MAC, "::", 135, "fd00::6", 0, NULL);
	expect(&f, DROP, SPOOF_ND, "DAD for a foreign address (would make its owner give it up)");
	nd(&f, OWN_MAC, ll, 135, "fd00::1", 1, OWN_MAC);
	expect(&f, PASS, 0, "NS for a neighbour, our MAC in the option");
	nd(&f, OWN_MAC, "fd00::5", 135, "fd00::1", 0, NULL);
	expect(&f, PASS, 0, "NS without options (unicast NUD)");
	nd(&f, OWN_MAC, "fd00::5", 135, "fd00::1", 1, OTHER_MAC);
	expect(&f, DROP, SPOOF_ND, "NS with a foreign MAC in its option");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::5", 2, OWN_MAC);
	expect(&f, PASS, 0, "NA for our address");
	nd(&f, OWN_MAC, ll, 136, ll, 2, OWN_MAC);
	expect(&f, PASS, 0, "NA for our link-local address");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::6", 2, OWN_MAC);
	expect(&f, DROP, SPOOF_ND, "NA claiming a foreign address");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::5", 2, OTHER_MAC);
	expect(&f, DROP, SPOOF_ND, "NA for our address, a foreign MAC in its option");
	nd(&f, OWN_MAC, "::", 136, "fd00::5", 0, NULL);
	expect(&f, DROP, SPOOF_ND, "NA from ::");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::5", 1, OWN_MAC);
	expect(&f, DROP, SPOOF_ND, "NA whose first option is not the target link-layer address");
	nd(&f, OWN_MAC, ll, 133, NULL, 1, OWN_MAC);
	expect(&f, PASS, 0, "RS with our MAC");
	nd(&f, OWN_MAC, "::", 133, NULL, 0, NULL);
	expect(&f, PASS, 0, "RS from ::");
	nd(&f, OWN_MAC, ll, 133, NULL, 1, OTHER_MAC);
	expect(&f, DROP, SPOOF_ND, "RS with a foreign MAC");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::5", 2, OWN_MAC);
	f.len -= 20;
	expect(&f, DROP, SPOOF_ND, "a truncated NA");
	netif_free(&n);
}

static void test_opt_outs(void **state)
{
	(void)state;
	struct ct_netif n = netif("10.0.0.5/24 fd00::5/64");
	struct frame f;
	/* ip_filter = no: any address and ethertype, but only from our MAC */
	n.ip_filter_off = true;
	build(&n, true);
	ipv4(&f, OWN_MAC, "10.0.0.99", 5, 1, 0, "ping", 4);
	expect(&f, PASS, 0, "ip_filter=no: a foreign IPv4 source");
	ipv6(&f, OWN_MAC, "fd00::99", 17, "\0\1\0\2\0\10\0\0", 8);
	expect(&f, PASS, 0, "ip_filter=no: a foreign IPv6 source");
	arp(&f, OWN_MAC, 1, OWN_MAC, "10.0.0.99", "10.0.0.99");
	expect(&f, PASS, 0, "ip_filter=no: ARP for a foreign address");
	eth(&f, OWN_MAC, 0x88cc);
	put(&f, "lldp data here", 14);
	expect(&f, PASS, 0, "ip_filter=no: another ethertype");
	ipv4(&f, OTHER_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_MAC, "ip_filter=no: still not from another MAC");
	arp(&f, OWN_MAC, 2, OTHER_MAC, "10.0.0.99", "10.0.0.1");
	expect(&f, DROP, SPOOF_ARP, "ip_filter=no: ARP naming another MAC");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::99", 2, OTHER_MAC);
	expect(&f, DROP, SPOOF_ND, "ip_filter=no: NA naming another MAC");
	nd(&f, OWN_MAC, "fd00::5", 136, "fd00::99", 2, OWN_MAC);
	expect(&f, PASS, 0, "ip_filter=no: NA for any address with our MAC");

	/* mac_filter = no: any MAC, addresses still checked */
	n.ip_filter_off = false;
	n.mac_filter_off = true;
	build(&n, true);
	ipv4(&f, OTHER_MAC, "10.0.0.5", 5, 1, 0, "ping", 4);
	expect(&f, PASS, 0, "mac_filter=no: another MAC");
	arp(&f, OTHER_MAC, 1, OTHER_MAC, "10.0.0.5", "10.0.0.1");
	expect(&f, PASS, 0, "mac_filter=no: ARP with another MAC");
	ipv4(&f, OTHER_MAC, "10.0.0.6", 5, 1, 0, "ping", 4);
	expect(&f, DROP, SPOOF_IPV4, "mac_filter=no: a foreign address still");
	arp(&f, OTHER_MAC, 1, OTHER_MAC, "10.0.0.6", "10.0.0.6");
	expect(&f, DROP, SPOOF_ARP, "mac_filter=no: ARP for a foreign address still");
	netif_free(&n);
}

/* Every combination of options and address counts up to the maximum builds, and without a map
 * no counting code. */
static void test_sizes(void **state)
{
	(void)state;
	struct ct_netif n;
	memset(&n, 0, sizeof(n));
	strcpy(n.ifname, "eth0");
	for (unsigned i = 0; i < MAX_IPS; i++)
		n.ips[n.nips++] = i % 2 ? xasprintf("10.0.%u.1/24", i) : xasprintf("fd00::%x/64", i + 1);
	for (int mode = 1; mode < 4; mode++) {
		n.mac_filter_off = !(mode & 1);
		n.ip_filter_off = !(mode & 2);
		build(&n, true);
		assert_true(P.n < 4096);
		struct frame f;
		ipv4(&f, OWN_MAC, "10.0.31.1", 5, 1, 0, "ping", 4);
		expect(&f, PASS, 0, "the last IPv4 address of 32");
		ipv6(&f, OWN_MAC, "fd00::1f", 17, "\0\1\0\2\0\10\0\0", 8);
		expect(&f, PASS, 0, "an IPv6 address of 32");
	}
	build(&n, false);
	for (int i = 0; i < P.n; i++)
		if (P.insns[i].code == (BPF_JMP | BPF_CALL) && P.insns[i].imm == BPF_FUNC_map_lookup_elem)
			fail_msg("a map lookup without a map");
	netif_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg),     cmocka_unit_test(test_mac),      cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv4),    cmocka_unit_test(test_ipv6),     cmocka_unit_test(test_nd),
		cmocka_unit_test(test_opt_outs), cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
