/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vzconf: OpenVZ CTID.conf parsing (quoting, comments, refused lines) and the key-by-key
 * translation with the file's units, on vzctl's shipped samples (tests/unit/vzconf) and a
 * real-looking container config. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "error.h"
#include "util.h"
#include "vzconf.h"

#ifndef VZCONF_DIR
#define VZCONF_DIR "tests/unit/vzconf"
#endif

static struct gconf gc = {.config_dir = UNCONST("/nonexistent"), .userns_default = true, .userns_size = 65536, .stop_timeout = 120};

static char *fixture(const char *name)
{
	char *text = NULL;
	size_t len;
	_cleanup_free_ char *p = xasprintf("%s/%s", VZCONF_DIR, name);
	assert_int_equal(read_file_at(AT_FDCWD, p, &text, &len), 0);
	return text;
}

/* Translate text into a fresh config; the report in *rep, the config returned. */
static struct ct_config *translate(const char *text, unsigned veid, struct vz_report *rep)
{
	struct vz_vars v;
	cerr_clear();
	assert_int_equal(vzconf_parse(text, "t.conf", &v), 0);
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(&gc, 101, NULL, &c), 0);
	assert_int_equal(vzconf_translate(&v, veid, c, rep), 0);
	vzconf_vars_free(&v);
	assert_null(cerr_msg()); /* a refusal is in the report, not left recorded */
	return c;
}

static const struct vz_item *item(const struct vz_report *rep, const char *key)
{
	for (size_t i = 0; i < rep->n; i++)
		if (!strcmp(rep->items[i].key, key))
			return &rep->items[i];
	fail_msg("no report entry for %s", key);
	return NULL;
}

/* What the new config file says (section.key = value), "" when absent. */
static char *saved(const struct ct_config *c) { return ini_render(c->doc); }

static void test_parse(void **state)
{
	(void)state;
	struct vz_vars v;
	const char *text = "# comment\n\n  A=\"x y\"  # trailing\nexport B=plain\nC='single $VEID'\n"
			   "D=\"esc \\\" \\$ q\"\nE=\nF=\"\"\nG=a\"b c\"d\n";
	assert_int_equal(vzconf_parse(text, "t.conf", &v), 0);
	assert_int_equal(v.n, 7);
	assert_string_equal(v.v[0].key, "A");
	assert_string_equal(v.v[0].value, "x y");
	assert_int_equal(v.v[0].line, 3);
	assert_string_equal(v.v[1].value, "plain");
	assert_string_equal(v.v[2].value, "single $VEID");
	assert_string_equal(v.v[3].value, "esc \" $ q");
	assert_string_equal(v.v[4].value, "");
	assert_string_equal(v.v[5].value, "");
	assert_string_equal(v.v[6].value, "ab cd");
	vzconf_vars_free(&v);

	/* refused lines: EX_BADCONFIG naming the line */
	static const char *bad[] = {"A=\"open\n",   "A=$(id)\n", "A=\"`id`\"\n",     "A=x; rm -rf /\n",
				    "just words\n", "1A=2\n",    "A = 1\n",          "A=x y\n",
				    "A=\"x\" y\n",  "A='x\n",    "A=\"$(reboot)\"\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cerr_clear();
		_cleanup_free_ char *t = xasprintf("OK=1\n%s", bad[i]);
		assert_true(vzconf_parse(t, "t.conf", &v) < 0);
		assert_int_equal(cerr_exit(), EX_BADCONFIG);
		assert_non_null(strstr(cerr_msg(), "t.conf:2:"));
		assert_int_equal(v.n, 0);
	}
	/* a huge line, a huge file */
	char *big = xmalloc(VZCONF_FILE_MAX + 16);
	memset(big, 'x', VZCONF_FILE_MAX + 8);
	memcpy(big, "A=\"", 3);
	big[VZCONF_LINE_MAX + 10] = 0;
	cerr_clear();
	assert_true(vzconf_parse(big, "t.conf", &v) < 0);
	assert_non_null(strstr(cerr_msg(), "too long"));
	big[VZCONF_LINE_MAX + 10] = 'x';
	big[VZCONF_FILE_MAX + 8] = 0;
	cerr_clear();
	assert_true(vzconf_parse(big, "t.conf", &v) < 0);
	assert_int_equal(cerr_exit(), EX_BADCONFIG);
	free(big);
	cerr_clear();
}

static void test_numbers(void **state)
{
	(void)state;
	uint64_t n;
	assert_int_equal(vzconf_number("65536", 4096, &n), 0);
	assert_int_equal(n, 256ULL << 20);
	assert_int_equal(vzconf_number("256M", 4096, &n), 0);
	assert_int_equal(n, 256ULL << 20);
	assert_int_equal(vzconf_number("2.2G", 1024, &n), 0);
	assert_int_equal(n, (uint64_t)(2.2 * (1 << 30)) + 1); /* rounded up */
	assert_int_equal(vzconf_number("1048576", 1024, &n), 0);
	assert_int_equal(n, 1ULL << 30);
	assert_int_equal(vzconf_number("10P", 1, &n), 0);
	assert_int_equal(n, 40960);
	assert_int_equal(vzconf_number("2147483647", 4096, &n), 0);
	assert_true(n == SIZE_UNLIMITED);
	assert_int_equal(vzconf_number("9223372036854775807", 1, &n), 0);
	assert_true(n == SIZE_UNLIMITED);
	assert_int_equal(vzconf_number("2147483647", 1, &n), 0); /* not pages: a number */
	assert_int_equal(n, 2147483647);
	assert_int_equal(vzconf_number("unlimited", 1, &n), 0);
	assert_int_equal(vzconf_number("99999999999999999999999", 1, &n), -ERANGE);
	assert_int_equal(vzconf_number("9999999999999999", 4096, &n), -ERANGE);
	assert_int_equal(vzconf_number("1.5", 1, &n), -EINVAL);
	assert_int_equal(vzconf_number("", 1, &n), -EINVAL);
	assert_int_equal(vzconf_number("12X", 1, &n), -EINVAL);
	assert_int_equal(vzconf_number("-1", 1, &n), -EINVAL);
	assert_int_equal(vzconf_number("1.", 1024, &n), -EINVAL);
}

static void test_sample_basic(void **state)
{
	(void)state;
	static const char *names[] = {"ve-basic.conf-sample", "ve-light.conf-sample"};
	for (size_t s = 0; s < 2; s++) {
		_cleanup_free_ char *text = fixture(names[s]);
		struct vz_report rep;
		struct ct_config *c = translate(text, 101, &rep);
		assert_int_equal(rep.count[VZ_REFUSED], 0);
		/* PHYSPAGES 0:2147483647 pages: no memory limit */
		assert_true(c->ram == SIZE_UNLIMITED);
		assert_int_equal(item(&rep, "PHYSPAGES")->kind, VZ_TRANSLATED);
		assert_int_equal(c->numproc, s ? 65 : 240);
		assert_int_equal(c->diskspace_soft, 1048576ULL * 1024);
		assert_int_equal(c->diskspace_hard, (s ? 1153434ULL : 1153024ULL) * 1024);
		assert_int_equal(c->diskinodes_soft, 200000);
		assert_int_equal(c->diskinodes_hard, 220000);
		assert_int_equal(c->cpuunits, 1000);
		assert_false(c->onboot);
		assert_int_equal(item(&rep, "KMEMSIZE")->kind, VZ_IGNORED);
		assert_non_null(strstr(item(&rep, "KMEMSIZE")->what, "ram"));
		assert_int_equal(item(&rep, "PRIVVMPAGES")->kind, VZ_IGNORED);
		assert_int_equal(item(&rep, "TCPSNDBUF")->kind, VZ_IGNORED);
		assert_int_equal(item(&rep, "QUOTATIME")->kind, VZ_IGNORED);
		/* 8 translated: ONBOOT NUMPROC PHYSPAGES DISKSPACE DISKINODES CPUUNITS, the rest ignored */
		assert_int_equal(rep.count[VZ_TRANSLATED], 6);
		assert_int_equal(rep.count[VZ_IGNORED] + rep.count[VZ_TRANSLATED], rep.n);
		assert_null(rep.private_dir);
		_cleanup_free_ char *conf = saved(c);
		assert_non_null(strstr(conf, "diskspace = 1G:"));
		vzconf_report_free(&rep);
		ctconf_free(c);
	}
}

static void test_sample_vswap(void **state)
{
	(void)state;
	_cleanup_free_ char *text = fixture("ve-vswap-256m.conf-sample");
	struct vz_report rep;
	struct ct_config *c = translate(text, 777, &rep);
	assert_int_equal(rep.count[VZ_REFUSED], 0);
	assert_int_equal(c->ram, 256ULL << 20);
	assert_int_equal(c->swap, 512ULL << 20);
	assert_int_equal(c->diskspace_soft, 2ULL << 30);
	/* 2.2G rounded up to whole KiB */
	assert_int_equal(c->diskspace_hard, ((uint64_t)(2.2 * (1 << 30)) + 1024) / 1024 * 1024);
	assert_int_equal(c->diskinodes_hard, 144179);
	assert_string_equal(rep.private_dir, "/vz/private/777");
	assert_int_equal(item(&rep, "VE_ROOT")->kind, VZ_IGNORED);
	assert_non_null(strstr(item(&rep, "VE_ROOT")->what, "/vz/root/777"));
	vzconf_report_free(&rep);
	ctconf_free(c);

	_cleanup_free_ char *t1 = fixture("ve-vswap-1g.conf-sample");
	c = translate(t1, 5, &rep);
	assert_int_equal(c->ram, 1ULL << 30);
	assert_int_equal(c->swap, 2ULL << 30);
	assert_int_equal(c->diskspace_hard, 11ULL << 30);
	assert_string_equal(rep.private_dir, "/vz/private/5");
	_cleanup_free_ char *r = vzconf_report_render(&rep);
	assert_non_null(strstr(r, "translated   PHYSPAGES=\"0:1G\" -> ram 1G\n"));
	assert_non_null(strstr(r, "keys: "));
	vzconf_report_free(&rep);
	ctconf_free(c);
}

static void test_real_ct(void **state)
{
	(void)state;
	_cleanup_free_ char *text = fixture("1234.conf");
	struct vz_report rep;
	struct ct_config *c = translate(text, 1234, &rep);
	assert_int_equal(rep.count[VZ_REFUSED], 0);
	assert_int_equal(c->ram, 512ULL << 20);  /* 131072 pages */
	assert_int_equal(c->swap, 256ULL << 20); /* 65536 pages */
	assert_int_equal(c->numproc, 500);       /* the limit */
	assert_int_equal(item(&rep, "NUMPROC")->kind, VZ_APPROX);
	assert_int_equal(c->diskspace_soft, 20ULL << 30);
	assert_int_equal(c->diskspace_hard, 22ULL << 30);
	assert_int_equal(c->cpuunits, 2000);
	assert_string_equal(item(&rep, "CPUUNITS")->what, "cpuunits 2000 (cpu.weight 200)");
	assert_int_equal(c->cpulimit, 150);
	assert_false(c->cpulimit_host);
	assert_int_equal(c->cpus, 2);
	assert_int_equal(c->ioprio, 6);
	assert_int_equal(c->iolimit, 10485760); /* bytes/s, not MB/s */
	assert_int_equal(c->iopslimit, 300);
	assert_true(c->onboot);
	assert_int_equal(c->bootorder, 20);
	assert_string_equal(c->hostname, "web1.example.com");
	assert_int_equal(c->venet.nips, 3);
	assert_string_equal(c->nameserver, "198.51.100.53 198.51.100.54");
	assert_string_equal(c->searchdomain, "example.com");
	assert_string_equal(c->name, "web1");
	assert_string_equal(c->description, "customer 4711, shop");
	assert_string_equal(c->ostemplate, "debian-7.0-x86_64-minimal");
	assert_string_equal(c->origin_sample, "vswap-512m");
	assert_non_null(strstr(c->capability, "net_admin:on"));
	assert_non_null(strstr(c->capability, "sys_time:off"));
	assert_string_equal(c->devices, "c:10:200:rw");
	assert_int_equal(item(&rep, "DEVICES")->kind, VZ_APPROX);
	assert_string_equal(c->devnodes, "net/tun:rw");
	assert_int_equal(item(&rep, "VE_LAYOUT")->kind, VZ_TRANSLATED);
	assert_string_equal(rep.private_dir, "/vz/private/1234");
	static const char *ign[] = {"KMEMSIZE", "FEATURES",  "MEMINFO",        "VM_OVERCOMMIT",
				    "NODEMASK", "NETFILTER", "QUOTAUGIDLIMIT", "VMGUARPAGES"};
	for (size_t i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		assert_int_equal(item(&rep, ign[i])->kind, VZ_IGNORED);
	/* the saved config reads back to the same values */
	_cleanup_free_ char *conf = saved(c);
	struct ct_config *back = NULL;
	assert_int_equal(ctconf_from_text(&gc, 101, "back.conf", conf, &back), 0);
	assert_int_equal(back->ram, c->ram);
	assert_int_equal(back->iolimit, c->iolimit);
	assert_int_equal(back->venet.nips, 3);
	assert_string_equal(back->hostname, "web1.example.com");
	ctconf_free(back);
	vzconf_report_free(&rep);
	ctconf_free(c);
}

static void test_refused(void **state)
{
	(void)state;
	struct vz_report rep;
	static const struct {
		const char *text;
		const char *key;
		int code;
	} cases[] = {
		{"VE_LAYOUT=\"ploop\"\n", "VE_LAYOUT", EX_LAYOUT},
		{"VE_LAYOUT=\"zfs\"\n", "VE_LAYOUT", EX_LAYOUT},
		{"PHYSPAGES=\"0:99999999999999999999\"\n", "PHYSPAGES", EX_BADVALUE},
		{"PHYSPAGES=\"0:1\"\n", "PHYSPAGES", EX_BADVALUE}, /* 4 KiB: below ram's minimum */
		{"PHYSPAGES=\"lots\"\n", "PHYSPAGES", EX_BADVALUE},
		{"DISKSPACE=\"2G:1G\"\n", "DISKSPACE", EX_BADVALUE},
		{"HOSTNAME=\"bad_host!\"\n", "HOSTNAME", EX_BADHOSTNAME},
		{"IP_ADDRESS=\"10.0.0.1 999.1.1.1\"\n", "IP_ADDRESS", EX_BADIP},
		{"CPUUNITS=\"1\"\n", "CPUUNITS", EX_BADVALUE},
		{"IOLIMIT=\"fast\"\n", "IOLIMIT", EX_IOLIMIT},
		{"ONBOOT=\"maybe\"\n", "ONBOOT", EX_BADVALUE},
		{"VE_PRIVATE=\"/vz/$OTHER/1\"\n", "VE_PRIVATE", EX_BADCONFIG},
		{"VE_PRIVATE=\"private/1\"\n", "VE_PRIVATE", EX_BADCONFIG},
		{"HOSTNAME=\"$HOST\"\n", "HOSTNAME", EX_BADCONFIG},
		{"NETIF=\"mac=00:11:22:33:44:55\"\n", "NETIF", EX_BADVALUE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_config *c = translate(cases[i].text, 1, &rep);
		const struct vz_item *it = vzconf_first_refused(&rep);
		if (!it)
			fail_msg("case %zu (%s) not refused", i, cases[i].text);
		assert_string_equal(it->key, cases[i].key);
		assert_int_equal(it->code, cases[i].code);
		assert_int_equal(rep.count[VZ_REFUSED], 1);
		vzconf_report_free(&rep);
		ctconf_free(c);
	}
	struct ct_config *c = translate("VE_LAYOUT=ploop\n", 1, &rep);
	assert_true(rep.ploop);
	vzconf_report_free(&rep);
	ctconf_free(c);
}

static void test_misc(void **state)
{
	(void)state;
	struct vz_report rep;
	/* the last assignment counts; unknown keys ignored; ${VEID}; venet prefixes; NETIF */
	struct ct_config *c =
		translate("HOSTNAME=a\nHOSTNAME=b\nWHATEVER=1\nVE_PRIVATE=/p/${VEID}x\n"
			  "IP_ADDRESS=\"10.1.2.3/24 fd00::5/128\"\nCPULIMIT=0\nIOLIMIT=0\nCPUS=0\n"
			  "NETIF=\"ifname=eth0,mac=02:11:22:33:44:55,host_ifname=veth42.0,host_mac=02:11:22:33:44:"
			  "66,bridge=vmbr0,mac_filter=off,gw=10.1.2.1,configure=none;ifname=eth1\"\n"
			  "PHYSPAGES=\"1000:2000\"\nDESCRIPTION=\"a 'quoted' one\"\n",
			  42, &rep);
	assert_int_equal(rep.count[VZ_REFUSED], 0);
	assert_string_equal(c->hostname, "b");
	assert_int_equal(rep.items[0].kind, VZ_IGNORED);
	assert_non_null(strstr(rep.items[0].what, "line 2"));
	assert_int_equal(item(&rep, "WHATEVER")->kind, VZ_IGNORED);
	assert_string_equal(rep.private_dir, "/p/42x");
	assert_int_equal(c->venet.nips, 2);
	assert_int_equal(item(&rep, "IP_ADDRESS")->kind, VZ_APPROX);
	assert_int_equal(c->cpulimit, 0);
	assert_int_equal(c->iolimit, 0);
	assert_int_equal(c->cpus, 0);
	assert_int_equal(c->nnetif, 2);
	assert_string_equal(c->netif[0].ifname, "eth0");
	assert_string_equal(c->netif[0].mac, "02:11:22:33:44:55");
	assert_string_equal(c->netif[0].host_ifname, "veth42.0");
	assert_string_equal(c->netif[0].bridge, "vmbr0");
	assert_string_equal(c->netif[1].ifname, "eth1");
	assert_int_equal(item(&rep, "NETIF")->kind, VZ_APPROX);
	assert_non_null(strstr(item(&rep, "NETIF")->what, "configure=none"));
	assert_true(c->netif[0].mac_filter_off);
	assert_string_equal(c->netif[0].gw, "10.1.2.1");
	assert_false(c->netif[1].mac_filter_off);
	assert_int_equal(c->ram, 2000ULL * 4096);
	assert_int_equal(item(&rep, "PHYSPAGES")->kind, VZ_APPROX);
	assert_string_equal(c->description, "a 'quoted' one");
	vzconf_report_free(&rep);
	ctconf_free(c);
	/* an empty file: an empty report */
	c = translate("", 1, &rep);
	assert_int_equal(rep.n, 0);
	_cleanup_free_ char *r = vzconf_report_render(&rep);
	assert_string_equal(r, "0 keys: 0 translated, 0 approximated, 0 ignored, 0 refused\n");
	vzconf_report_free(&rep);
	ctconf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),        cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_sample_basic), cmocka_unit_test(test_sample_vswap),
		cmocka_unit_test(test_real_ct),      cmocka_unit_test(test_refused),
		cmocka_unit_test(test_misc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
