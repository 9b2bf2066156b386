/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctnet.c (network conflicts between containers, with real config files in a temp dir), the parts
 * of netlink.c that need no kernel, and guestnet.c (text transforms and symlink-safe writes into a
 * temp "private area"). No root, no netlink. The pure address code is in test_netaddr.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctnet.h"
#include "error.h"
#include "fixtures.h"
#include "fsutil.h"
#include "guestnet.h"
#include "ifstats.h"
#include "netlink.h"
#include "shape.h"
#include "state.h"
#include "util.h"

static const char *U1 = "6f1d4a4e-2b1a-4a9e-9d3b-0a1b2c3d4e5f";
static const char *U2 = "6f1d4a4e-2b1a-4a9e-9d3b-0a1b2c3d4e60";

static void free_cfg(struct ct_config *c)
{
	for (unsigned k = 0; k < c->nnetif; k++)
		for (unsigned j = 0; j < c->netif[k].nips; j++)
			free(c->netif[k].ips[j]);
}

/* ---- netlink.c without the kernel ---- */

static void test_bridges_creatable(void **state)
{
	(void)state;
	struct gconf g = {.bridge = UNCONST("cellbr0")};
	assert_int_equal(net_link_group(101), 0x80000065u);
	/* bridges cellctl may create */
	g.bridges = UNCONST("br1,br2  br3");
	assert_true(net_bridge_creatable(&g, "cellbr0"));
	assert_true(net_bridge_creatable(&g, "br2"));
	assert_true(net_bridge_creatable(&g, "br3"));
	assert_false(net_bridge_creatable(&g, "br"));
	assert_false(net_bridge_creatable(&g, "nosuchbr"));
}

/* ---- conflicts, with real config files in a temp dir ---- */

static char *mktemp_dir(void)
{
	char *d = xstrdup("/tmp/test_net.XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_conflicts(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = mktemp_dir();
	_cleanup_free_ char *cfg = xasprintf("%s/ct", dir), *run = xasprintf("%s/run", dir);
	assert_int_equal(mkdir(cfg, 0755), 0);
	assert_int_equal(mkdir(run, 0755), 0);
	struct gconf g = {.config_dir = cfg, .run_dir = run, .bridge = UNCONST("cellbr0"), .bridge_address = UNCONST("10.77.0.1/24")};
	_cleanup_free_ char *c102 = xasprintf("[container]\nuuid = %s\n[netif.eth0]\nipadd = 10.77.0.102/24\n", U2);
	put(cfg, "102.conf", c102);
	put(cfg, "103.conf", "[container]\nuuid = 11111111-2222-4333-8444-555555555555\n[netif.eth0]\n"
			     "mac = 02:aa:bb:cc:dd:ee\nipadd = 10.77.0.103/24\n");
	put(cfg, "104.conf", "this is [ not a valid config\n");

	struct ct_config c = {.ctid = 101, .uuid = UNCONST(U1), .nnetif = 1};
	strcpy(c.netif[0].ifname, "eth0");
	c.netif[0].ips[c.netif[0].nips++] = xstrdup("10.77.0.101/24");
	cerr_clear();
	assert_int_equal(ct_check_net_conflicts(&g, &c), 0);
	assert_null(cerr_msg()); /* the broken 104.conf is skipped silently */

	/* the same MAC as CT 103 */
	strcpy(c.netif[0].mac, "02:AA:BB:CC:DD:EE");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "CT 103"));
	cerr_clear();
	c.netif[0].mac[0] = 0;

	/* the bridge's own address */
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("10.77.0.1/24");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_IPINUSE);
	cerr_clear();

	/* CT 102's address: fine while 102 is stopped, refused while it runs */
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("10.77.0.102");
	assert_int_equal(ct_check_net_conflicts(&g, &c), 0);
	struct ct_state s = {0};
	s.monitor_pid = s.init_pid = getpid();
	assert_int_equal(proc_starttime(getpid(), &s.init_start), 0);
	s.monitor_start = s.init_start;
	s.cg.mode = CG_UNIFIED;
	s.cg.n = 1;
	strcpy(s.cg.h[0].name, "unified");
	strcpy(s.cg.h[0].mount, "/sys/fs/cgroup");
	strcpy(s.cg.h[0].rel, "cellctl/102");
	assert_int_equal(state_write(&g, 102, &s), 0);
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_IPINUSE);
	assert_non_null(strstr(cerr_msg(), "CT 102"));
	cerr_clear();
	/* ... but not on another bridge (one cellctl may create: it need not exist yet) */
	strcpy(c.netif[0].bridge, "otherbr");
	g.bridges = UNCONST("br1, otherbr");
	assert_int_equal(ct_check_net_conflicts(&g, &c), 0);
	assert_int_equal(net_check_bridges(&g, &c), 0);
	/* a bridge cellctl may not create must exist: a typo is refused, nothing assumed */
	g.bridges = NULL;
	assert_true(net_check_bridges(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_non_null(strstr(cerr_msg(), "bridge otherbr does not exist"));
	cerr_clear();
	c.netif[0].bridge[0] = 0;

	/* an address CT 102 only has live (its running configuration): refused while it runs */
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("10.77.0.122/24");
	assert_int_equal(ct_check_net_conflicts(&g, &c), 0);
	_cleanup_free_ char *r102 = xasprintf("[container]\nuuid = %s\n[netif.eth0]\nipadd = 10.77.0.102/24 10.77.0.122\n", U2);
	put(run, "102.running", r102);
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_IPINUSE);
	cerr_clear();

	/* routed addresses (issue 13) belong to one container whatever the bridges: CT 102 running
	 * with [venet] ipadd 203.0.113.2; ours as a routed one, or on a bridged interface of another
	 * bridge, is refused; a routed address of ours that 102 has on its bridged eth0 too */
	_cleanup_free_ char *r102v = xasprintf("[container]\nuuid = %s\n[venet]\nipadd = 203.0.113.2\n[netif.eth0]\n"
					       "ipadd = 10.77.0.102/24\n", U2);
	put(run, "102.running", r102v);
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("10.77.0.51/24");
	assert_int_equal(ct_check_net_conflicts(&g, &c), 0);
	c.venet.ips[c.venet.nips++] = UNCONST("203.0.113.2");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_IPINUSE);
	assert_non_null(strstr(cerr_msg(), "203.0.113.2 already used by CT 102"));
	cerr_clear();
	c.venet.ips[0] = UNCONST("10.77.0.102");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	cerr_clear();
	c.venet.nips = 0;
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("203.0.113.2/24");
	strcpy(c.netif[0].bridge, "otherbr");
	g.bridges = UNCONST("otherbr");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_IPINUSE);
	cerr_clear();
	c.netif[0].bridge[0] = 0;
	g.bridges = NULL;
	/* a routed-only container is checked too */
	struct ct_config v = {.ctid = 105, .uuid = UNCONST("11111111-2222-4333-8444-666666666666")};
	v.venet.ips[v.venet.nips++] = UNCONST("203.0.113.2");
	assert_true(ct_check_net_conflicts(&g, &v) < 0);
	cerr_clear();
	put(run, "102.running", r102);

	/* an explicit host name equal to CT 102's derived one */
	free(c.netif[0].ips[0]);
	c.netif[0].ips[0] = xstrdup("10.77.0.50/24");
	strcpy(c.netif[0].host_ifname, "veth102.0");
	assert_true(ct_check_net_conflicts(&g, &c) < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	cerr_clear();
	free_cfg(&c);
	state_remove(&g, 102);
	rm_rf(dir);
}

/* ---- guest files: pure transforms ---- */

static void test_opt_out(void **state)
{
	(void)state;
	assert_false(gnet_opted_out(NULL, 0));
	assert_false(gnet_opted_out("nameserver 1.1.1.1\n", 0100644));
	assert_true(gnet_opted_out("# cellctl: keep\nnameserver 1.1.1.1\n", 0100644));
	assert_true(gnet_opted_out("# a\n# b\n  # cellctl: keep this file\n", 0100644));
	assert_false(gnet_opted_out("1\n2\n3\n4\n5\n# cellctl: keep\n", 0100644)); /* only the first lines */
	assert_false(gnet_opted_out("nameserver 1.1.1.1 # cellctl: keep\n", 0100644));
	assert_true(gnet_opted_out("nameserver 1.1.1.1\n", 0100444)); /* no u+w */
}

static void test_hosts_edit(void **state)
{
	(void)state;
	char *s = gnet_hosts_edit(NULL, "ct101.example.com", "10.77.0.101");
	assert_string_equal(s, "127.0.0.1\tlocalhost\n10.77.0.101\tct101.example.com ct101\t# cellctl\n");
	/* idempotent, and a rename replaces our line */
	char *t = gnet_hosts_edit(s, "ct101.example.com", "10.77.0.101");
	assert_string_equal(s, t);
	free(t);
	t = gnet_hosts_edit(s, "web", NULL);
	assert_string_equal(t, "127.0.0.1\tlocalhost\n127.0.1.1\tweb\t# cellctl\n");
	free(t);
	free(s);

	const char *debian = "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n# The following lines are desirable for IPv6\n"
			     "::1     localhost ip6-localhost ip6-loopback\n10.1.1.1 db web other\n";
	s = gnet_hosts_edit(debian, "web", "10.77.0.5");
	assert_string_equal(s, "127.0.0.1\tlocalhost\n10.77.0.5\tweb\t# cellctl\n\n"
			       "# The following lines are desirable for IPv6\n"
			       "::1     localhost ip6-localhost ip6-loopback\n10.1.1.1\tdb other\n");
	free(s);
	/* no localhost line, no trailing newline; a line with only our name goes */
	s = gnet_hosts_edit("10.0.0.9 web\n192.168.0.1 gw", "web", "10.0.0.9");
	assert_string_equal(s, "127.0.0.1\tlocalhost\n10.0.0.9\tweb\t# cellctl\n192.168.0.1 gw\n");
	free(s);
	/* "127.0.0.1 localhost web" keeps localhost */
	s = gnet_hosts_edit("127.0.0.1 localhost web\n", "web", NULL);
	assert_string_equal(s, "127.0.0.1\tlocalhost\n127.0.1.1\tweb\t# cellctl\n");
	free(s);
}

static void test_resolv(void **state)
{
	(void)state;
	char *s = gnet_resolv_render(NULL, "10.0.0.53 1.1.1.1", "example.com corp.example");
	assert_string_equal(s, "search example.com corp.example\nnameserver 10.0.0.53\nnameserver 1.1.1.1\n");
	free(s);
	const char *old = "# from dhcp\ndomain old.example\nnameserver 9.9.9.9\noptions ndots:2\nsearch x.y\n";
	s = gnet_resolv_render(old, "8.8.8.8", NULL);
	assert_string_equal(s, "# from dhcp\ndomain old.example\noptions ndots:2\nsearch x.y\nnameserver 8.8.8.8\n");
	free(s);
	s = gnet_resolv_render(old, NULL, "a.example");
	assert_string_equal(s, "# from dhcp\nnameserver 9.9.9.9\noptions ndots:2\nsearch a.example\n");
	free(s);
	s = gnet_resolv_render(old, "", "");
	assert_string_equal(s, old);
	free(s);

	const char *host = "nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch a.b\nnameserver ::1\n"
			   "nameserver 2001:db8::1\ndomain c.d\n";
	s = gnet_resolv_values(host, "nameserver");
	assert_string_equal(s, "192.0.2.1 2001:db8::1");
	free(s);
	s = gnet_resolv_values(host, "search");
	assert_string_equal(s, "c.d");
	free(s);
	s = gnet_resolv_values(NULL, "nameserver");
	assert_string_equal(s, "");
	free(s);
}

static void test_hosts_addr(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 101, .nnetif = 2};
	assert_null(gnet_hosts_addr(&c));
	c.netif[0].ips[c.netif[0].nips++] = xstrdup("fd00::5/64");
	c.netif[1].ips[c.netif[1].nips++] = xstrdup("10.0.0.5/24");
	char *a = gnet_hosts_addr(&c);
	assert_string_equal(a, "10.0.0.5");
	free(a);
	free_cfg(&c);
}

/* ---- guest files: real writes into a temp private area ---- */

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, &s, &len) < 0)
		return NULL;
	return s;
}

static void test_guest_files(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = mktemp_dir();
	_cleanup_free_ char *root = xasprintf("%s/root", dir), *etc = xasprintf("%s/root/etc", dir);
	_cleanup_free_ char *hostfile = xasprintf("%s/hostfile", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	put(dir, "hostfile", "precious\n");
	put(etc, "hosts", "127.0.0.1 localhost\n127.0.1.1 template\n");
	/* attacks: absolute and relative symlinks out to a host file */
	_cleanup_free_ char *rl = xasprintf("%s/resolv.conf", etc), *hn = xasprintf("%s/hostname", etc);
	assert_int_equal(symlink(hostfile, rl), 0);
	_cleanup_free_ char *rel = xasprintf("../../hostfile");
	assert_int_equal(symlink(rel, hn), 0);

	struct ct_config c = {.ctid = 101, .nnetif = 1, .hostname = UNCONST("ct101"), .nameserver = UNCONST("10.0.0.53"),
			      .searchdomain = UNCONST("example.com")};
	c.netif[0].ips[c.netif[0].nips++] = xstrdup("10.77.0.101/24");
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	cerr_clear();
	assert_int_equal(gnet_write_files(rootfd, &c, getuid(), getgid()), 0);

	char *s = slurp(hostfile);
	assert_string_equal(s, "precious\n"); /* the host file is untouched */
	free(s);
	struct stat st;
	assert_int_equal(lstat(rl, &st), 0);
	assert_true(S_ISREG(st.st_mode)); /* the symlink was replaced inside the guest */
	s = slurp(rl);
	assert_string_equal(s, "search example.com\nnameserver 10.0.0.53\n");
	free(s);
	s = slurp(hn);
	assert_string_equal(s, "ct101\n");
	free(s);
	_cleanup_free_ char *hosts = xasprintf("%s/hosts", etc);
	s = slurp(hosts);
	assert_string_equal(s, "127.0.0.1 localhost\n10.77.0.101\tct101\t# cellctl\n");
	free(s);

	/* opt-out: the marker, or no u+w */
	put(etc, "resolv.conf", "# cellctl: keep\nnameserver 9.9.9.9\n");
	assert_int_equal(chmod(hn, 0444), 0);
	c.hostname = UNCONST("renamed");
	c.nameserver = UNCONST("1.1.1.1");
	assert_int_equal(gnet_write_files(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(rl);
	assert_string_equal(s, "# cellctl: keep\nnameserver 9.9.9.9\n");
	free(s);
	s = slurp(hn);
	assert_string_equal(s, "ct101\n");
	free(s);
	s = slurp(hosts); /* hosts was not opted out */
	assert_string_equal(s, "127.0.0.1 localhost\n10.77.0.101\trenamed\t# cellctl\n");
	free(s);

	/* a guest without /etc is not an error */
	_cleanup_free_ char *empty = xasprintf("%s/empty", dir);
	assert_int_equal(mkdir(empty, 0755), 0);
	int efd = open(empty, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(gnet_write_files(efd, &c, getuid(), getgid()), 0);
	close(efd);

	close(rootfd);
	free_cfg(&c);
	rm_rf(dir);
}

/* ---- ifstats' field names ---- */

static void test_ifstat_fields(void **state)
{
	(void)state;
	enum ifstat_key k;
	char ifn[16];
	assert_true(ifstat_field_parse("in_bytes", &k, ifn));
	assert_int_equal(k, IFS_IN_BYTES);
	assert_string_equal(ifn, "");
	assert_true(ifstat_field_parse("eth1:spoof_drops", &k, ifn));
	assert_int_equal(k, IFS_SPOOF_DROPS);
	assert_string_equal(ifn, "eth1");
	assert_true(ifstat_field_parse("out_drops", &k, ifn) && k == IFS_OUT_DROPS);
	assert_false(ifstat_field_parse("eth0:", &k, ifn));
	assert_false(ifstat_field_parse(":in_bytes", &k, ifn));
	assert_false(ifstat_field_parse("eth0:in_bytes:x", &k, ifn));
	assert_false(ifstat_field_parse("a234567890123456:in_bytes", &k, ifn));
	assert_false(ifstat_field_parse("in_byte", &k, ifn));
	assert_false(ifstat_field_parse("hostname", &k, ifn));
}

/* ---- shape.c's arithmetic ---- */

static void test_shape_params(void **state)
{
	(void)state;
	struct shape_tbf p;
	/* 50 Mbit/s: 6.25 MB/s, a 10 ms bucket (62500 B) is below the floor: 128 KiB */
	shape_tbf_params(50000000, 1500, &p);
	assert_int_equal(p.rate, 6250000);
	assert_int_equal(p.burst, SHAPE_MIN_BURST);
	assert_int_equal(p.limit, SHAPE_MIN_BURST + 6250000 / 20);
	/* 1 Gbit/s: 10 ms of it */
	shape_tbf_params(1000000000, 1500, &p);
	assert_int_equal(p.burst, 1250000);
	/* a tiny rate: still room for every packet, and a queue of at least 64 KiB */
	shape_tbf_params(8000, 1500, &p);
	assert_int_equal(p.rate, 1000);
	assert_true(p.burst >= SHAPE_MIN_BURST && p.limit >= p.burst && p.limit >= 65536);
	/* jumbo frames: two of them */
	shape_tbf_params(8000, 65535, &p);
	assert_int_equal(p.burst, 2 * (65535 + 14));
	/* the largest rate fits libnl's int */
	shape_tbf_params(16000000000ull, 1500, &p);
	assert_true(p.rate == 2000000000u && p.burst <= INT32_MAX && p.limit <= INT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridges_creatable),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_opt_out),
		cmocka_unit_test(test_hosts_edit),
		cmocka_unit_test(test_resolv),
		cmocka_unit_test(test_hosts_addr),
		cmocka_unit_test(test_guest_files),
		cmocka_unit_test(test_shape_params),
		cmocka_unit_test(test_ifstat_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
