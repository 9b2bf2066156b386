/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netaddr.c: interface names, MACs and addresses as text (pure: links no config loading, no
 * netlink, no file access). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "util.h"

static const char *U1 = "6f1d4a4e-2b1a-4a9e-9d3b-0a1b2c3d4e5f";
static const char *U2 = "6f1d4a4e-2b1a-4a9e-9d3b-0a1b2c3d4e60";

/* ---- host interface names ---- */

/* Inverse of the documented derivation: proves it is injective. */
static bool decode_ifname(const char *s, unsigned *ctid, unsigned *idx)
{
	unsigned long long v = 0;
	const char *p;
	if (!strncmp(s, "veth", 4)) {
		for (p = s + 4; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (unsigned)(*p - '0');
	} else if (!strncmp(s, "vz", 2)) {
		for (p = s + 2; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'); p++)
			v = v * 36 + (unsigned)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	} else {
		return false;
	}
	if (*p != '.' || v > CTID_MAX)
		return false;
	*ctid = (unsigned)v;
	*idx = (unsigned)strtoul(p + 1, NULL, 10);
	return true;
}

static void check_name(unsigned ctid, unsigned idx)
{
	char n[16];
	memset(n, 'X', sizeof(n));
	assert_int_equal(net_host_ifname(ctid, idx, n), 0);
	size_t len = strnlen(n, sizeof(n));
	if (len > 15 || !net_valid_ifname(n))
		fail_msg("bad name '%.16s' for CTID %u idx %u", n, ctid, idx);
	unsigned c2, i2;
	if (!decode_ifname(n, &c2, &i2) || c2 != ctid || i2 != idx)
		fail_msg("name '%s' does not decode to %u.%u", n, ctid, idx);
}

static void test_host_ifname_fits(void **state)
{
	(void)state;
	char n[16];
	for (unsigned id = CTID_MIN; id <= 200000; id++) {
		check_name(id, 0);
		check_name(id, 15);
	}
	for (uint64_t id = CTID_MIN; id <= CTID_MAX; id += 9973)
		for (unsigned i = 0; i < MAX_NETIF; i++)
			check_name((unsigned)id, i);
	unsigned edges[] = {101, 999, 99999999, 100000000, 999999999, 1000000000, 2147483646, 2147483647};
	for (size_t k = 0; k < ARRAY_SIZE(edges); k++)
		for (unsigned i = 0; i < MAX_NETIF; i++)
			check_name(edges[k], i);
	assert_int_equal(net_host_ifname(101, 0, n), 0);
	assert_string_equal(n, "veth101.0");
	assert_int_equal(net_host_ifname(999999999, 9, n), 0);
	assert_string_equal(n, "veth999999999.9"); /* exactly 15 */
	assert_int_equal(net_host_ifname(999999999, 10, n), 0);
	assert_string_equal(n, "vzgjdgxr.10");
	assert_int_equal(net_host_ifname(2147483647, 15, n), 0);
	assert_string_equal(n, "vzzik0zj.15");
	assert_int_equal(net_host_ifname(100, 0, n), -EINVAL);
	assert_int_equal(net_host_ifname(0, 0, n), -EINVAL);
	assert_int_equal(net_host_ifname(2147483648u, 0, n), -EINVAL);
	assert_int_equal(net_host_ifname(101, 16, n), -EINVAL);
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

static void test_host_ifname_unique(void **state)
{
	(void)state;
	/* a large sample across both forms, sorted: neighbours must differ */
	enum { N = 200000 };
	char(*names)[16] = xcalloc(N, 16);
	size_t k = 0;
	for (unsigned id = 999999000u; k < N / 2; id++)
		for (unsigned i = 0; i < MAX_NETIF && k < N / 2; i += 5)
			net_host_ifname(id, i, names[k++]);
	for (uint64_t id = CTID_MIN; k < N; id += 21473)
		for (unsigned i = 0; i < MAX_NETIF && k < N; i += 3)
			net_host_ifname((unsigned)id, i, names[k++]);
	qsort(names, N, 16, cmp_name);
	for (size_t i = 1; i < N; i++)
		if (!strcmp(names[i - 1], names[i]))
			fail_msg("collision: %s", names[i]);
	free(names);
}

/* ---- MACs ---- */

static unsigned mac_byte0(const char *m) { return (unsigned)strtoul(m, NULL, 16); }

static void test_macs(void **state)
{
	(void)state;
	char a[18], b[18], h[18];
	assert_int_equal(net_guest_mac(U1, 0, a), 0);
	assert_int_equal(net_guest_mac(U1, 0, b), 0);
	assert_string_equal(a, b); /* stable */
	assert_int_equal(net_guest_mac(U1, 1, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(net_guest_mac(U2, 0, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(net_host_mac(U1, 0, h), 0);
	assert_string_not_equal(a, h);
	assert_int_equal(net_guest_mac("not-a-uuid", 0, a), -EINVAL);
	assert_int_equal(net_host_mac(NULL, 0, a), -EINVAL);

	/* bits, and no duplicates over 2000 UUIDs x 16 interfaces */
	enum { NU = 2000 };
	char(*all)[18] = xcalloc(NU * MAX_NETIF * 2, 18);
	size_t k = 0;
	for (unsigned u = 0; u < NU; u++) {
		char uuid[37];
		snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012x", u * 2654435761u, u);
		for (unsigned i = 0; i < MAX_NETIF; i++) {
			assert_int_equal(net_guest_mac(uuid, i, all[k]), 0);
			unsigned b0 = mac_byte0(all[k]);
			assert_true(b0 & 0x02);
			assert_false(b0 & 0x01);
			assert_int_not_equal(b0, 0xfe);
			assert_true(net_valid_mac(all[k]));
			k++;
			assert_int_equal(net_host_mac(uuid, i, all[k]), 0);
			assert_int_equal(mac_byte0(all[k]), 0xfe);
			assert_true(net_valid_mac(all[k]));
			k++;
		}
	}
	qsort(all, k, 18, cmp_name);
	for (size_t i = 1; i < k; i++)
		if (!strcmp(all[i - 1], all[i]))
			fail_msg("MAC collision: %s", all[i]);
	free(all);
}

/* ---- addresses, names ---- */

static void test_parse_addr(void **state)
{
	(void)state;
	struct net_addr a;
	char buf[64];
	assert_int_equal(net_parse_addr("10.0.0.1/24", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefix, 24);
	assert_true(a.has_prefix);
	assert_int_equal(a.bytes[0], 10);
	assert_int_equal(a.bytes[3], 1);
	net_format_addr(&a, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1/24");
	assert_int_equal(net_parse_addr("10.0.0.1", &a), 0);
	assert_int_equal(a.prefix, 32); /* a host address, as vzctl's --ipadd */
	assert_false(a.has_prefix);
	assert_int_equal(net_parse_addr("fd00::1/64", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.prefix, 64);
	assert_int_equal(net_parse_addr("fd00::1", &a), 0);
	assert_int_equal(a.prefix, 128);
	assert_int_equal(net_parse_addr("0.0.0.0/0", &a), 0);
	assert_int_equal(net_parse_addr("::/0", &a), 0);
	assert_int_equal(net_parse_addr("10.0.0.1/33", &a), -ERANGE);
	assert_int_equal(net_parse_addr("fd00::1/129", &a), -ERANGE);
	const char *bad[] = {"", "/24", "10.0.0.1/", "10.0.0.1/024", "10.0.0.1/+4", "10.0.0.1/-1", "10.0.0.1/2x",
			     " 10.0.0.1", "10.0.0.1 ", "10.0.0", "10.0.0.256", "hostname", "10.0.0.1/24/1",
			     "fd00:::1", "1::2::3", "10.0.0.1/1000"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (net_parse_addr(bad[i], &a) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_subnet(void **state)
{
	(void)state;
	struct net_addr n, x;
	assert_int_equal(net_parse_addr("10.77.0.101/24", &n), 0);
	assert_int_equal(net_parse_addr("10.77.0.1", &x), 0);
	assert_true(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("10.77.1.1", &x), 0);
	assert_false(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("10.77.0.101/32", &n), 0);
	assert_int_equal(net_parse_addr("10.77.0.1", &x), 0);
	assert_false(net_in_subnet(&x, &n)); /* /32: the gateway needs an on-link route */
	assert_int_equal(net_parse_addr("10.77.0.128/25", &n), 0);
	assert_int_equal(net_parse_addr("10.77.0.200", &x), 0);
	assert_true(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("10.77.0.127", &x), 0);
	assert_false(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("fd00::5/64", &n), 0);
	assert_int_equal(net_parse_addr("fd00::1", &x), 0);
	assert_true(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("fd01::1", &x), 0);
	assert_false(net_in_subnet(&x, &n));
	assert_int_equal(net_parse_addr("10.0.0.1", &x), 0);
	assert_false(net_in_subnet(&x, &n)); /* family mismatch */
	assert_int_equal(net_parse_addr("0.0.0.0/0", &n), 0);
	assert_true(net_in_subnet(&x, &n));
	struct net_addr y;
	assert_int_equal(net_parse_addr("10.0.0.1/8", &y), 0);
	assert_true(net_addr_equal(&x, &y));
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(net_valid_mac("02:00:00:00:00:01"));
	assert_true(net_valid_mac("FE:ab:CD:00:11:22"));
	assert_false(net_valid_mac("01:00:5e:00:00:01")); /* multicast */
	assert_false(net_valid_mac("00:00:00:00:00:00"));
	assert_false(net_valid_mac("02:00:00:00:00"));
	assert_false(net_valid_mac("02-00-00-00-00-01"));
	assert_false(net_valid_mac("02:00:00:00:00:0g"));
	assert_false(net_valid_mac("02:00:00:00:00:011"));
	assert_false(net_valid_mac(""));
	assert_true(net_valid_ifname("eth0"));
	assert_true(net_valid_ifname("veth999999999.9"));
	assert_false(net_valid_ifname("veth1234567890.1"));
	assert_false(net_valid_ifname(""));
	assert_false(net_valid_ifname("."));
	assert_false(net_valid_ifname(".."));
	assert_false(net_valid_ifname("a/b"));
	assert_false(net_valid_ifname("a b"));
	assert_false(net_valid_ifname("a\tb"));
	assert_false(net_valid_ifname("eth0:1"));
	assert_false(net_valid_ifname("e\xc3\xa9"));
	assert_false(net_valid_ifname("e\x7f"));
}

/* The fixed MACs of bridges cellctl creates: pinned, since a bridge's MAC is what its neighbours
 * learned (it must not change between versions). */
static void test_bridge_mac(void **state)
{
	(void)state;
	char m[18], m2[18];
	net_bridge_mac("cellbr0", m);
	assert_string_equal(m, "b6:97:56:32:34:62");
	net_bridge_mac("cellbr0", m2);
	assert_string_equal(m, m2);
	net_bridge_mac("br1", m2);
	assert_string_equal(m2, "02:84:87:93:a6:e3");
	/* and the derived guest/host MACs */
	net_guest_mac(U1, 0, m);
	assert_string_equal(m, "ba:5d:29:38:66:6f");
	net_host_mac(U1, 0, m);
	assert_string_equal(m, "fe:52:59:cd:df:40");
}

/* The one interface-name validator: a name becomes a config section "[netif.NAME]" and a value,
 * so nothing of INI syntax (params.c had a stricter copy of this check than netlink.c). */
static void test_valid_ifname_ini(void **state)
{
	(void)state;
	const char *bad[] = {"a[b", "a]b", "a\"b", "a'b", "a;b", "a#b", "a\\b", "a,b", "br0\n", "a\rb"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (net_valid_ifname(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	assert_true(net_valid_ifname("eth0.100"));
	assert_true(net_valid_ifname("br-lan@x=1"));
	assert_true(net_valid_ifname("123456789012345"));
	assert_false(net_valid_ifname("1234567890123456"));
}

static void test_resolve(void **state)
{
	(void)state;
	struct gconf g = {.bridge = UNCONST("cellbr0")};
	struct ct_config c = {.ctid = 101, .uuid = UNCONST(U1), .nnetif = 2};
	strcpy(c.netif[0].ifname, "eth0");
	strcpy(c.netif[1].ifname, "eth1");
	strcpy(c.netif[1].mac, "02:11:22:33:44:55");
	strcpy(c.netif[1].host_ifname, "myhost");
	strcpy(c.netif[1].host_mac, "fe:11:22:33:44:55");
	strcpy(c.netif[1].bridge, "br9");
	struct net_ifres r;
	char m[18];
	assert_int_equal(net_resolve_netif(&g, &c, 0, &r), 0);
	assert_string_equal(r.host_ifname, "veth101.0");
	net_guest_mac(U1, 0, m);
	assert_string_equal(r.mac, m);
	net_host_mac(U1, 0, m);
	assert_string_equal(r.host_mac, m);
	assert_string_equal(r.bridge, "cellbr0");
	assert_true(r.default_bridge);
	assert_int_equal(net_resolve_netif(&g, &c, 1, &r), 0);
	assert_string_equal(r.host_ifname, "myhost");
	assert_string_equal(r.mac, "02:11:22:33:44:55");
	assert_string_equal(r.host_mac, "fe:11:22:33:44:55");
	assert_string_equal(r.bridge, "br9");
	assert_false(r.default_bridge);
	assert_int_equal(net_resolve_netif(&g, &c, 2, &r), -EINVAL);

	/* no uuid (a hand-written config): MACs from the CTID, stable, never random or empty */
	c.uuid = NULL;
	struct net_ifres a, b;
	assert_int_equal(net_resolve_netif(&g, &c, 0, &a), 0);
	assert_int_equal(net_resolve_netif(&g, &c, 0, &b), 0);
	assert_true(net_valid_mac(a.mac) && net_valid_mac(a.host_mac));
	assert_string_equal(a.mac, b.mac);
	assert_int_equal(strtoul(a.mac, NULL, 16) & 3, 2); /* locally administered, unicast */
	assert_true(!strncmp(a.host_mac, "fe:", 3));
	c.ctid = 102;
	assert_int_equal(net_resolve_netif(&g, &c, 0, &b), 0);
	assert_string_not_equal(a.mac, b.mac);
}

/* ---- bandwidth ---- */

static void test_rate(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int r;
		uint64_t bps;
		const char *out;
	} t[] = {
		{"", 0, 0, ""},
		{"0", 0, 0, ""},
		{"0M", 0, 0, ""},
		{"50M", 0, 50000000, "50M"},
		{"800k", 0, 800000, "800k"},
		{"800K", 0, 800000, "800k"},
		{"1G", 0, 1000000000, "1G"},
		{"1500k", 0, 1500000, "1500k"},
		{"2000k", 0, 2000000, "2M"},
		{"12345", 0, 12345, "12345"},
		{"8k", 0, 8000, "8k"},
		{"16G", 0, 16000000000ull, "16G"},
		{"7999", -ERANGE, 0, NULL},
		{"16000000001", -ERANGE, 0, NULL},
		{"17G", -ERANGE, 0, NULL},
		{"99999999999999999999999", -ERANGE, 0, NULL},
		{"50m", -EINVAL, 0, NULL},
		{"1.5M", -EINVAL, 0, NULL},
		{"-5M", -EINVAL, 0, NULL},
		{"M", -EINVAL, 0, NULL},
		{"50MB", -EINVAL, 0, NULL},
		{"50 M", -EINVAL, 0, NULL},
		{" 50M", -EINVAL, 0, NULL},
		{"50Mbit", -EINVAL, 0, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t v = 42;
		int r = net_parse_rate(t[i].in, &v);
		if (r != t[i].r)
			fail_msg("'%s': %d, want %d", t[i].in, r, t[i].r);
		if (r < 0)
			continue;
		assert_true(v == t[i].bps);
		char buf[32];
		net_format_rate(v, buf, sizeof(buf));
		assert_string_equal(buf, t[i].out);
		/* the printed form reads back to the same rate */
		uint64_t back = 1;
		assert_int_equal(net_parse_rate(buf, &back), 0);
		assert_true(back == v);
	}
	char name[16];
	net_ifb_name(2147483647, name);
	assert_string_equal(name, "cifb2147483647");
	assert_true(strlen(name) <= 15);
}

/* A link's owner: the group from the CTID (the top bit set), the alias from the uuid in one
 * spelling; without a usable uuid, from the CTID. Two installations' CT 101 differ by alias only. */
static void test_owner(void **state)
{
	(void)state;
	struct net_owner a, b, c;
	net_owner_of(101, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &a);
	assert_int_equal(a.group, 0x80000000u | 101);
	assert_string_equal(a.alias, "cellctl 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	net_owner_of(101, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", &b);
	assert_string_equal(b.alias, a.alias);
	net_owner_of(101, "11111111-2222-3333-4444-555555555555", &c);
	assert_int_equal(c.group, a.group);
	assert_string_not_equal(c.alias, a.alias);
	net_owner_of(2147483647, NULL, &b);
	assert_int_equal(b.group, 0xffffffffu);
	assert_string_equal(b.alias, "cellctl ct 2147483647");
	net_owner_of(7, "not-a-uuid\nforged", &b);
	assert_string_equal(b.alias, "cellctl ct 7");
}

/* the group the kernel joins for an address (RFC 4291 2.7.1), as `ip -6 maddr` shows it */
static void test_solicited_node(void **state)
{
	(void)state;
	struct net_addr a, g, want;
	char t[64];
	assert_int_equal(net_parse_addr("fd00:78::121/64", &a), 0);
	net_solicited_node(&a, &g);
	assert_int_equal(net_parse_addr("ff02::1:ff00:121", &want), 0);
	assert_true(net_addr_equal(&g, &want));
	net_format_addr(&g, t, sizeof(t));
	assert_string_equal(t, "ff02::1:ff00:121");
	assert_int_equal(net_parse_addr("2001:db8:1:2:a1b2:c3d4:e5f6:789a", &a), 0);
	net_solicited_node(&a, &g);
	net_format_addr(&g, t, sizeof(t));
	assert_string_equal(t, "ff02::1:fff6:789a");
}

static void test_venet_names(void **state)
{
	(void)state;
	char n[16];
	assert_int_equal(net_venet_ifname(101, n), 0);
	assert_string_equal(n, "venet101");
	assert_int_equal(net_venet_ifname(2147483647, n), 0);
	assert_string_equal(n, "venet2147483647");
	assert_true(strlen(n) <= 15);
	assert_int_equal(net_venet_ifname(100, n), -EINVAL);
	assert_int_equal(net_venet_ifname(2147483648u, n), -EINVAL);
	/* never the name of a bridged host side */
	char h[16];
	for (unsigned ctid = 101; ctid < 2147483647u; ctid = ctid * 7 + 3) {
		assert_int_equal(net_venet_ifname(ctid, n), 0);
		for (unsigned i = 0; i < MAX_NETIF; i++) {
			assert_int_equal(net_host_ifname(ctid, i, h), 0);
			assert_string_not_equal(n, h);
		}
	}
	struct ct_config c = {.ctid = 4242};
	struct net_ifres r;
	assert_int_equal(net_venet_resolve(&c, &r), 0);
	assert_string_equal(r.ifname, "venet0");
	assert_string_equal(r.host_ifname, "venet4242");
	assert_string_equal(r.bridge, "");
	assert_true(net_valid_mac(r.mac));
	assert_true(net_valid_mac(r.host_mac));
	assert_true(strncmp(r.host_mac, "fe:", 3) == 0);
	assert_true(strncmp(r.mac, "fe:", 3) != 0);
	/* stable, and apart from every bridged interface's MAC */
	struct net_ifres r2;
	assert_int_equal(net_venet_resolve(&c, &r2), 0);
	assert_string_equal(r.mac, r2.mac);
	c.uuid = UNCONST("0b7e3c1a-4f2d-4e8b-9a6c-2d1e0f3a4b5c");
	assert_int_equal(net_venet_resolve(&c, &r2), 0);
	for (unsigned i = 0; i < MAX_NETIF; i++) {
		char m[18];
		assert_int_equal(net_guest_mac(c.uuid, i, m), 0);
		assert_string_not_equal(m, r2.mac);
	}
}

static void test_routed_addr(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int r;
		const char *out;
	} t[] = {
		{"203.0.113.5", AF_INET, "203.0.113.5"},
		{"203.0.113.5/32", AF_INET, "203.0.113.5"},
		{"2001:db8::5", AF_INET6, "2001:db8::5"},
		{"2001:DB8:0::5/128", AF_INET6, "2001:db8::5"},
		{"203.0.113.5/24", -EDOM, NULL},
		{"2001:db8::5/64", -EDOM, NULL},
		{"203.0.113.5/33", -ERANGE, NULL},
		{"203.0.113.300", -EINVAL, NULL},
		{"", -EINVAL, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char buf[64] = "";
		int r = net_routed_addr(t[i].in, buf, sizeof(buf));
		if (r != t[i].r)
			fail_msg("'%s': %d, want %d", t[i].in, r, t[i].r);
		if (r > 0)
			assert_string_equal(buf, t[i].out);
		assert_int_equal(net_routed_addr(t[i].in, NULL, 0), t[i].r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_ifname_fits),
		cmocka_unit_test(test_host_ifname_unique),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_bridge_mac),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_ifname_ini),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_solicited_node),
		cmocka_unit_test(test_venet_names),
		cmocka_unit_test(test_routed_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
