/* SPDX-License-Identifier: GPL-2.0-or-later */
/* distnet.c (the distribution's network files rendered from a config: fixed inputs, exact texts)
 * and guestnet.c's gnet_write_netconf (writes into a temp "private area": writer choice, stale
 * files, the opt-out, symlinks). No root, no netlink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "distnet.h"
#include "error.h"
#include "fixtures.h"
#include "guestnet.h"
#include "util.h"

static void add_if(struct ct_config *c, const char *name, const char *ips, const char *gw, const char *gw6)
{
	struct ct_netif *n = &c->netif[c->nnetif++];
	memset(n, 0, sizeof(*n));
	snprintf(n->ifname, sizeof(n->ifname), "%s", name);
	_cleanup_free_ char *copy = xstrdup(ips ? ips : "");
	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		n->ips[n->nips++] = xstrdup(t);
	snprintf(n->gw, sizeof(n->gw), "%s", gw ? gw : "");
	snprintf(n->gw6, sizeof(n->gw6), "%s", gw6 ? gw6 : "");
}

static void free_ifs(struct ct_config *c)
{
	for (unsigned k = 0; k < c->nnetif; k++)
		for (unsigned i = 0; i < c->netif[k].nips; i++)
			free(c->netif[k].ips[i]);
	c->nnetif = 0;
}

/* ---- os-release and the writer choice ---- */

static void test_osrel(void **state)
{
	(void)state;
	const char *deb = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n";
	const char *ubu = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n";
	const char *mint = "ID='linuxmint'\n";
	const char *like = "ID=somederiv\nID_LIKE=\"ubuntu debian\"\n";
	const char *bb = "NAME=\"BusyBox\"\nID=busybox\n";
	const char *fed = "ID=fedora\nID_LIKE=\"rhel centos\"\n";
	char *v = dnet_osrel_value(deb, "PRETTY_NAME");
	assert_string_equal(v, "Debian GNU/Linux 12 (bookworm)");
	free(v);
	v = dnet_osrel_value("ID=\"a\\\"b\"\n", "ID");
	assert_string_equal(v, "a\"b");
	free(v);
	assert_null(dnet_osrel_value(deb, "ID_LIKE"));
	assert_null(dnet_osrel_value("XID=debian\n", "ID"));

	assert_string_equal(dnet_family(deb), "debian");
	assert_string_equal(dnet_family(ubu), "debian");
	assert_string_equal(dnet_family(mint), "debian");
	assert_string_equal(dnet_family(like), "debian");
	assert_null(dnet_family(bb));
	assert_null(dnet_family(fed));
	assert_null(dnet_family(NULL));
	assert_null(dnet_family(""));

	assert_int_equal(dnet_choose(deb, true, false), DNET_IFUPDOWN);
	assert_int_equal(dnet_choose(deb, false, true), DNET_NETWORKD);
	assert_int_equal(dnet_choose(ubu, true, true), DNET_IFUPDOWN | DNET_NETWORKD);
	assert_int_equal(dnet_choose(deb, false, false), 0);
	assert_int_equal(dnet_choose(bb, true, true), 0);
	assert_int_equal(dnet_choose(fed, true, true), 0);

	assert_true(dnet_ifname_ok("eth0"));
	assert_true(dnet_ifname_ok("lan-1.100"));
	assert_false(dnet_ifname_ok("a;b"));
	assert_false(dnet_ifname_ok("$(x)"));
	assert_false(dnet_ifname_ok(".."));
	assert_false(dnet_ifname_ok(""));
	assert_true(dnet_is_ours(DNET_OURS_MARK " by cellctl\n"));
	assert_false(dnet_is_ours("# mine\n" DNET_OURS_MARK "\n"));
	assert_false(dnet_is_ours(NULL));
}

/* ---- ifupdown ---- */

static void test_ifupdown_ipv4(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 101};
	add_if(&c, "eth0", "10.0.0.5/24", "10.0.0.1", NULL);
	char *s = dnet_ifupdown_stanzas(&c, "10.0.0.53 10.0.0.54", "example.com", 0);
	assert_string_equal(s, "auto eth0\n"
			       "iface eth0 inet manual\n"
			       "\tup ip addr replace 10.0.0.5/24 dev eth0\n"
			       "\tup ip route replace default via 10.0.0.1 dev eth0\n"
			       "\tdown ip addr del 10.0.0.5/24 dev eth0 2>/dev/null || true\n"
			       "\tdns-nameservers 10.0.0.53 10.0.0.54\n"
			       "\tdns-search example.com\n");
	char *f = dnet_ifupdown_file(101, s);
	assert_true(dnet_is_ours(f));
	assert_non_null(strstr(f, "CT 101"));
	assert_non_null(strstr(f, "\n\n" "auto eth0\n"));
	assert_false(gnet_opted_out(f, 0644)); /* our header must not read as the opt-out marker */
	free(f);
	free(s);
	free_ifs(&c);
}

static void test_ifupdown_ipv6_offlink(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 102};
	/* a host address (no prefix: /32) with a gateway outside it, and IPv6 on-subnet */
	add_if(&c, "eth0", "192.0.2.7 fd00::5/64", "10.1.0.1", "fd00::1");
	char *s = dnet_ifupdown_stanzas(&c, NULL, NULL, 0);
	assert_string_equal(s, "auto eth0\n"
			       "iface eth0 inet manual\n"
			       "\tup ip addr replace 192.0.2.7/32 dev eth0\n"
			       "\tup ip -6 addr replace fd00::5/64 dev eth0 nodad\n"
			       "\tup ip route replace 10.1.0.1 dev eth0 scope link\n"
			       "\tup ip route replace default via 10.1.0.1 dev eth0\n"
			       "\tup ip -6 route replace default via fd00::1 dev eth0\n"
			       "\tdown ip addr del 192.0.2.7/32 dev eth0 2>/dev/null || true\n"
			       "\tdown ip -6 addr del fd00::5/64 dev eth0 2>/dev/null || true\n");
	free(s);
	free_ifs(&c);
	/* IPv6 off-subnet gateway: a host route; a link-local one needs none */
	add_if(&c, "eth0", "2001:db8:1::5/128", NULL, "2001:db8::1");
	s = dnet_ifupdown_stanzas(&c, NULL, NULL, 0);
	assert_non_null(strstr(s, "\tup ip -6 route replace 2001:db8::1 dev eth0\n"
				  "\tup ip -6 route replace default via 2001:db8::1 dev eth0\n"));
	free(s);
	free_ifs(&c);
	add_if(&c, "eth0", "2001:db8:1::5/128", NULL, "fe80::1");
	s = dnet_ifupdown_stanzas(&c, NULL, NULL, 0);
	assert_null(strstr(s, "route replace fe80::1 dev"));
	assert_non_null(strstr(s, "\tup ip -6 route replace default via fe80::1 dev eth0\n"));
	free(s);
	free_ifs(&c);
}

static void test_ifupdown_several(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 103};
	add_if(&c, "eth0", "10.0.0.5/24", "10.0.0.1", NULL);
	add_if(&c, "eth1", NULL, NULL, NULL);                   /* nothing to configure */
	add_if(&c, "eth2", "10.2.0.5/16", "10.9.0.1", NULL);    /* off-subnet; the last gateway: the default */
	add_if(&c, "bad;name", "10.3.0.5/24", NULL, NULL);      /* never into a shell command */
	char *s = dnet_ifupdown_stanzas(&c, "10.0.0.53", "a.example b.example", 0);
	assert_string_equal(s, "auto eth0\n"
			       "iface eth0 inet manual\n"
			       "\tup ip addr replace 10.0.0.5/24 dev eth0\n"
			       "\tdown ip addr del 10.0.0.5/24 dev eth0 2>/dev/null || true\n"
			       "\tdns-nameservers 10.0.0.53\n"
			       "\tdns-search a.example b.example\n"
			       "\n"
			       "auto eth2\n"
			       "iface eth2 inet manual\n"
			       "\tup ip addr replace 10.2.0.5/16 dev eth2\n"
			       "\tup ip route replace 10.9.0.1 dev eth2 scope link\n"
			       "\tup ip route replace default via 10.9.0.1 dev eth2\n"
			       "\tdown ip addr del 10.2.0.5/16 dev eth2 2>/dev/null || true\n");
	free(s);
	/* eth0 declared by the admin: skipped, and DNS moves to the next one written */
	s = dnet_ifupdown_stanzas(&c, "10.0.0.53 bogus;", NULL, 1u << 0);
	assert_null(strstr(s, "eth0"));
	assert_non_null(strstr(s, "\tdns-nameservers 10.0.0.53\n"));
	free(s);
	free_ifs(&c);
}

static void test_ifupdown_empty(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 104};
	char *s = dnet_ifupdown_stanzas(&c, "10.0.0.53", NULL, 0);
	assert_string_equal(s, "");
	assert_null(dnet_ifupdown_file(104, s));
	assert_null(dnet_ifupdown_main_edit(NULL, 104, s));
	free(s);
	add_if(&c, "eth0", NULL, NULL, NULL);
	s = dnet_ifupdown_stanzas(&c, "10.0.0.53", NULL, 0);
	assert_string_equal(s, "");
	free(s);
	free_ifs(&c);
	/* a gateway alone is still configured (cellctl sets its routes) */
	add_if(&c, "eth0", NULL, "10.0.0.1", NULL);
	s = dnet_ifupdown_stanzas(&c, NULL, NULL, 0);
	assert_string_equal(s, "auto eth0\niface eth0 inet manual\n"
			       "\tup ip route replace 10.0.0.1 dev eth0 scope link\n"
			       "\tup ip route replace default via 10.0.0.1 dev eth0\n");
	free(s);
	free_ifs(&c);
}

static void test_ifupdown_main(void **state)
{
	(void)state;
	const char *st = "auto eth0\niface eth0 inet manual\n";
	const char *st2 = "auto eth1\niface eth1 inet manual\n";
	/* no file: loopback, then our block */
	char *s = dnet_ifupdown_main_edit(NULL, 101, st);
	assert_non_null(strstr(s, "auto lo\niface lo inet loopback\n\n" DNET_BLOCK_BEGIN));
	assert_non_null(strstr(s, st));
	assert_true(str_endswith(s, "iface eth0 inet manual\n" DNET_BLOCK_END "\n"));
	/* replaced in place, the admin's lines around it kept */
	char *old = xasprintf("# admin\nauto lo\niface lo inet loopback\n\n%s# after\n", strstr(s, DNET_BLOCK_BEGIN));
	char *t = dnet_ifupdown_main_edit(old, 101, st2);
	assert_true(str_startswith(t, "# admin\nauto lo\niface lo inet loopback\n\n" DNET_BLOCK_BEGIN));
	assert_non_null(strstr(t, st2));
	assert_null(strstr(t, "eth0"));
	assert_true(str_endswith(t, DNET_BLOCK_END "\n# after\n"));
	/* removed */
	char *u = dnet_ifupdown_main_edit(t, 101, NULL);
	assert_string_equal(u, "# admin\nauto lo\niface lo inet loopback\n\n# after\n");
	char *v = dnet_ifupdown_main_edit(u, 101, "");
	assert_string_equal(v, u);
	free(v);
	/* appended after a blank line */
	v = dnet_ifupdown_main_edit("auto lo\niface lo inet loopback", 101, st);
	assert_true(str_startswith(v, "auto lo\niface lo inet loopback\n\n" DNET_BLOCK_BEGIN));
	free(v);
	/* a begin line without an end swallows nothing of the admin's */
	v = dnet_ifupdown_main_edit(DNET_BLOCK_BEGIN " (x)\nauto eth5\niface eth5 inet dhcp\n", 101, NULL);
	assert_string_equal(v, "auto eth5\niface eth5 inet dhcp\n");
	free(v);
	free(u);
	free(t);
	free(old);
	free(s);
}

static void test_ifupdown_parse(void **state)
{
	(void)state;
	assert_true(dnet_ifupdown_sources_dir("# x\nsource /etc/network/interfaces.d/*\n"));
	assert_true(dnet_ifupdown_sources_dir("source-directory /etc/network/interfaces.d/\n"));
	assert_true(dnet_ifupdown_sources_dir("  source-directory interfaces.d\n"));
	assert_true(dnet_ifupdown_sources_dir("source interfaces.d/*\n"));
	assert_false(dnet_ifupdown_sources_dir("# source /etc/network/interfaces.d/*\n"));
	assert_false(dnet_ifupdown_sources_dir("source /etc/network/other/*\n"));
	assert_false(dnet_ifupdown_sources_dir(NULL));

	struct ct_config c = {.ctid = 101};
	add_if(&c, "eth0", NULL, NULL, NULL);
	add_if(&c, "eth1", NULL, NULL, NULL);
	add_if(&c, "eth2", NULL, NULL, NULL);
	const char *text = "auto lo\niface lo inet loopback\n"
			   "iface eth1 inet dhcp\n"
			   "#iface eth2 inet dhcp\n" DNET_BLOCK_BEGIN " (CT 101)\n"
			   "auto eth0\niface eth0 inet manual\n" DNET_BLOCK_END "\n";
	assert_int_equal(dnet_ifupdown_declared(text, &c), 1u << 1);
	assert_int_equal(dnet_ifupdown_declared(NULL, &c), 0);
	free_ifs(&c);
}

/* ---- systemd-networkd ---- */

static void test_networkd(void **state)
{
	(void)state;
	struct ct_config c = {.ctid = 101};
	add_if(&c, "eth0", "10.0.0.5/24 fd00::5/64", "10.0.0.1", "fd00::1");
	add_if(&c, "eth1", NULL, NULL, NULL);
	add_if(&c, "eth2", "192.0.2.7", "10.1.0.1", NULL); /* off-subnet, the last IPv4 gateway */
	char *s = dnet_networkd_render(&c, 0, "10.0.0.53 2001:db8::53", "example.com");
	const char *body0 = "\n[Match]\nName=eth0\n\n[Network]\nIPv6AcceptRA=no\n"
			    "DNS=10.0.0.53\nDNS=2001:db8::53\nDomains=example.com\n"
			    "\n[Address]\nAddress=10.0.0.5/24\nBroadcast=no\n"
			    "\n[Address]\nAddress=fd00::5/64\nDuplicateAddressDetection=none\n"
			    "\n[Route]\nGateway=fd00::1\n";
	assert_true(dnet_is_ours(s));
	assert_false(gnet_opted_out(s, 0644));
	assert_non_null(strstr(s, body0));
	assert_true(str_endswith(s, body0));
	free(s);
	assert_null(dnet_networkd_render(&c, 1, "10.0.0.53", NULL));
	s = dnet_networkd_render(&c, 2, "10.0.0.53", "example.com");
	const char *body2 = "\n[Match]\nName=eth2\n\n[Network]\n"
			    "\n[Address]\nAddress=192.0.2.7/32\nBroadcast=no\n"
			    "\n[Route]\nDestination=10.1.0.1/32\nScope=link\n"
			    "\n[Route]\nGateway=10.1.0.1\n";
	assert_true(str_endswith(s, body2)); /* no DNS: it went on eth0 */
	free(s);
	assert_null(dnet_networkd_render(&c, 3, NULL, NULL));
	char *n = dnet_networkd_name("eth0");
	assert_string_equal(n, "10-cellctl-eth0.network");
	free(n);
	free_ifs(&c);
	/* IPv6 off-subnet gateway: a /128 host route without a scope */
	add_if(&c, "eth0", "2001:db8:1::5/128", NULL, "2001:db8::1");
	s = dnet_networkd_render(&c, 0, NULL, NULL);
	assert_true(str_endswith(s, "\n[Route]\nDestination=2001:db8::1/128\n\n[Route]\nGateway=2001:db8::1\n"));
	free(s);
	free_ifs(&c);
}

/* ---- gnet_write_netconf into a temp private area ---- */

static char *mktemp_dir(void)
{
	char t[] = "/tmp/test-guestnet.XXXXXX";
	assert_non_null(mkdtemp(t));
	return xstrdup(t);
}

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
}

static char *slurp(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	char *s = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, p, &s, &len) < 0)
		return NULL;
	return s;
}

static bool exists(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	return lstat(p, &st) == 0;
}

static void mkd(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void rmrf(const char *dir)
{
	rm_rf(dir);
}

/* A Debian-like guest below dir/root (returned): ifupdown whose main file sources
 * interfaces.d, networkd enabled (its wants link dangles, which is fine). */
static char *debian_root(const char *dir)
{
	char *root = xasprintf("%s/root", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	mkd(root, "etc");
	mkd(root, "etc/network");
	mkd(root, "etc/network/interfaces.d");
	mkd(root, "etc/systemd");
	mkd(root, "etc/systemd/system");
	mkd(root, "etc/systemd/system/multi-user.target.wants");
	put(root, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
	put(root, "etc/network/interfaces", "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n");
	_cleanup_free_ char *wants = xasprintf("%s/etc/systemd/system/multi-user.target.wants/systemd-networkd.service", root);
	assert_int_equal(symlink("/lib/systemd/system/systemd-networkd.service", wants), 0);
	return root;
}

/* A Debian-like guest: ifupdown whose main file sources interfaces.d, networkd enabled. */
static void test_write_debian(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = mktemp_dir();
	_cleanup_free_ char *root = debian_root(dir);
	put(root, "etc/network/interfaces.d/admin", "iface eth1 inet dhcp\n");

	struct ct_config c = {.ctid = 101, .nameserver = UNCONST("10.0.0.53")};
	add_if(&c, "eth0", "10.0.0.5/24", "10.0.0.1", NULL);
	add_if(&c, "eth1", "10.1.0.5/24", NULL, NULL);
	add_if(&c, "eth2", "10.2.0.5/24", NULL, NULL);
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	cerr_clear();
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);

	char *s = slurp(root, "etc/network/interfaces.d/cellctl");
	assert_non_null(s);
	assert_true(dnet_is_ours(s));
	assert_non_null(strstr(s, "auto eth0\niface eth0 inet manual\n"));
	assert_null(strstr(s, "eth1")); /* the admin's own stanza wins */
	assert_non_null(strstr(s, "auto eth2\n"));
	free(s);
	s = slurp(root, "etc/network/interfaces");
	assert_string_equal(s, "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n");
	free(s);
	for (int k = 0; k < 3; k++) {
		_cleanup_free_ char *n = xasprintf("etc/systemd/network/10-cellctl-eth%d.network", k);
		s = slurp(root, n);
		assert_non_null(s);
		_cleanup_free_ char *m = xasprintf("\n[Match]\nName=eth%d\n", k);
		assert_non_null(strstr(s, m));
		free(s);
	}
	/* an admin file with our naming but without our mark */
	put(root, "etc/systemd/network/10-cellctl-eth9.network", "[Match]\nName=eth9\n");

	/* eth2 goes, eth1 loses its addresses: their files go; the admin's stay */
	free(c.netif[1].ips[0]);
	c.netif[1].nips = 0;
	free(c.netif[2].ips[0]);
	c.nnetif = 2;
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	assert_true(exists(root, "etc/systemd/network/10-cellctl-eth0.network"));
	assert_false(exists(root, "etc/systemd/network/10-cellctl-eth1.network"));
	assert_false(exists(root, "etc/systemd/network/10-cellctl-eth2.network"));
	assert_true(exists(root, "etc/systemd/network/10-cellctl-eth9.network"));
	assert_true(exists(root, "etc/network/interfaces.d/admin"));
	s = slurp(root, "etc/network/interfaces.d/cellctl");
	assert_null(strstr(s, "eth2"));
	free(s);

	/* opt-out: the marker in our file, or u-w */
	put(root, "etc/network/interfaces.d/cellctl", "# cellctl: keep\nauto eth0\niface eth0 inet dhcp\n");
	_cleanup_free_ char *nd0 = xasprintf("%s/etc/systemd/network/10-cellctl-eth0.network", root);
	assert_int_equal(chmod(nd0, 0444), 0);
	_cleanup_free_ char *before = slurp(root, "etc/systemd/network/10-cellctl-eth0.network");
	snprintf(c.netif[0].gw, sizeof(c.netif[0].gw), "10.0.0.254");
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces.d/cellctl");
	assert_string_equal(s, "# cellctl: keep\nauto eth0\niface eth0 inet dhcp\n");
	free(s);
	s = slurp(root, "etc/systemd/network/10-cellctl-eth0.network");
	assert_string_equal(s, before);
	free(s);
	/* no addresses at all: nothing of ours is left (opted-out files stay) */
	assert_int_equal(chmod(nd0, 0644), 0);
	free(c.netif[0].ips[0]);
	c.netif[0].nips = 0;
	c.netif[0].gw[0] = 0;
	put(root, "etc/network/interfaces.d/cellctl", DNET_OURS_MARK " stale\nauto eth0\n");
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	assert_false(exists(root, "etc/network/interfaces.d/cellctl"));
	assert_false(exists(root, "etc/systemd/network/10-cellctl-eth0.network"));
	assert_true(exists(root, "etc/systemd/network/10-cellctl-eth9.network"));
	c.nnetif = 0;
	close(rootfd);
	rmrf(dir);
}

/* The routed venet0 (issue 13): stanzas and a networkd file like a bridged interface's, last, with
 * host addresses, the on-link route to 169.254.0.1 and the default routes via 169.254.0.1 and
 * fe80::1; beside a bridged eth1. */
static void test_write_venet(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = mktemp_dir();
	_cleanup_free_ char *root = debian_root(dir);
	struct ct_config c = {.ctid = 101};
	add_if(&c, "eth1", "10.1.0.5/24", NULL, NULL);
	c.venet.ips[c.venet.nips++] = UNCONST("203.0.113.5");
	c.venet.ips[c.venet.nips++] = UNCONST("2001:db8::5");
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	char *s = slurp(root, "etc/network/interfaces.d/cellctl");
	assert_non_null(s);
	assert_non_null(strstr(s, "auto eth1\n"));
	const char *v = strstr(s, "auto venet0\niface venet0 inet manual\n");
	assert_non_null(v);
	assert_true(v > strstr(s, "auto eth1\n")); /* last: its default routes win, as at start */
	assert_non_null(strstr(v, "up ip addr replace 203.0.113.5/32 dev venet0\n"));
	assert_non_null(strstr(v, "up ip -6 addr replace 2001:db8::5/128 dev venet0 nodad\n"));
	assert_non_null(strstr(v, "up ip route replace 169.254.0.1 dev venet0 scope link\n"));
	assert_non_null(strstr(v, "up ip route replace default via 169.254.0.1 dev venet0\n"));
	assert_non_null(strstr(v, "up ip -6 route replace default via fe80::1 dev venet0\n"));
	free(s);
	s = slurp(root, "etc/systemd/network/10-cellctl-venet0.network");
	assert_non_null(s);
	assert_non_null(strstr(s, "Name=venet0\n"));
	assert_non_null(strstr(s, "Address=203.0.113.5/32\n"));
	assert_non_null(strstr(s, "Address=2001:db8::5/128\n"));
	assert_non_null(strstr(s, "Gateway=169.254.0.1\n"));
	assert_non_null(strstr(s, "Gateway=fe80::1\n"));
	free(s);
	assert_true(exists(root, "etc/systemd/network/10-cellctl-eth1.network"));
	/* the routed addresses go: so do venet0's stanza and file */
	c.venet.nips = 0;
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces.d/cellctl");
	assert_null(strstr(s, "venet0"));
	free(s);
	assert_false(exists(root, "etc/systemd/network/10-cellctl-venet0.network"));
	_cleanup_free_ char *h = NULL;
	c.venet.ips[c.venet.nips++] = UNCONST("203.0.113.5");
	free(c.netif[0].ips[0]);
	c.nnetif = 0;
	h = gnet_hosts_addr(&c);
	assert_string_equal(h, "203.0.113.5"); /* a routed-only container's hosts line */
	close(rootfd);
	rmrf(dir);
}

/* No interfaces.d: a block in the main file; a guest symlink never leads out; busybox: nothing. */
static void test_write_main_block(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = mktemp_dir();
	_cleanup_free_ char *root = xasprintf("%s/root", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	mkd(root, "etc");
	mkd(root, "sbin");
	put(root, "sbin/ifup", "");
	put(dir, "hostfile", "precious\n");
	put(root, "etc/os-release", "ID=ubuntu\nID_LIKE=debian\n");
	/* /etc/network is missing: created; then the main file is written with loopback and a block */
	struct ct_config c = {.ctid = 105};
	add_if(&c, "eth0", "10.0.0.5/24", NULL, NULL);
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	char *s = slurp(root, "etc/network/interfaces");
	assert_non_null(s);
	assert_non_null(strstr(s, "auto lo\n"));
	assert_non_null(strstr(s, DNET_BLOCK_BEGIN));
	assert_non_null(strstr(s, "\tup ip addr replace 10.0.0.5/24 dev eth0\n"));
	free(s);
	assert_false(exists(root, "etc/systemd/network"));

	/* a symlink to a host file: replaced inside the guest, the host file untouched */
	_cleanup_free_ char *main = xasprintf("%s/etc/network/interfaces", root), *hf = xasprintf("%s/hostfile", dir);
	assert_int_equal(unlink(main), 0);
	assert_int_equal(symlink(hf, main), 0);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(dir, "hostfile");
	assert_string_equal(s, "precious\n");
	free(s);
	struct stat st;
	assert_int_equal(lstat(main, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* a relative one climbing out: the same */
	assert_int_equal(unlink(main), 0);
	assert_int_equal(symlink("../../../hostfile", main), 0);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(dir, "hostfile");
	assert_string_equal(s, "precious\n");
	free(s);

	/* the admin's lines stay; our block is rewritten; the marker opts the whole file out */
	put(root, "etc/network/interfaces", "# mine\nauto lo\niface lo inet loopback\n");
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces");
	assert_true(str_startswith(s, "# mine\nauto lo\niface lo inet loopback\n\n" DNET_BLOCK_BEGIN));
	free(s);
	c.netif[0].nips = 0;
	free(c.netif[0].ips[0]);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces");
	assert_string_equal(s, "# mine\nauto lo\niface lo inet loopback\n\n");
	free(s);
	put(root, "etc/network/interfaces", "# cellctl: keep\n");
	add_if(&c, "eth1", "10.1.0.5/24", NULL, NULL);
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces");
	assert_string_equal(s, "# cellctl: keep\n");
	free(s);

	/* busybox: nothing written */
	put(root, "etc/os-release", "ID=busybox\n");
	put(root, "etc/network/interfaces", "auto lo\n");
	assert_int_equal(gnet_write_netconf(rootfd, &c, getuid(), getgid()), 0);
	s = slurp(root, "etc/network/interfaces");
	assert_string_equal(s, "auto lo\n");
	free(s);
	free_ifs(&c);
	close(rootfd);
	rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_osrel),
		cmocka_unit_test(test_ifupdown_ipv4),
		cmocka_unit_test(test_ifupdown_ipv6_offlink),
		cmocka_unit_test(test_ifupdown_several),
		cmocka_unit_test(test_ifupdown_empty),
		cmocka_unit_test(test_ifupdown_main),
		cmocka_unit_test(test_ifupdown_parse),
		cmocka_unit_test(test_networkd),
		cmocka_unit_test(test_write_debian),
		cmocka_unit_test(test_write_venet),
		cmocka_unit_test(test_write_main_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
