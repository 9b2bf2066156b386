/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_guestfiles: the guest's own files that cellctl reads and rewrites from the host
 * (/etc/hosts, /etc/resolv.conf, /etc/network/interfaces): the guest's root owns them, so their
 * text is hostile. The pure transforms of guestnet.c and distnet.c, on the input as each file:
 *  - no crash, no leak, on any text;
 *  - each edit is idempotent: editing its own output again changes nothing (a restart or a
 *    second live change does not keep rewriting the file);
 *  - hosts: exactly one line of ours, and every other name of the guest's lines is kept;
 *  - resolv.conf: the servers and search list given, once each;
 *  - interfaces: one block of ours; removing it gives what removing it from the original
 *    gives; the guest's lines outside a block are kept. */
#include <strings.h>

#include "config.h"
#include "distnet.h"
#include "fuzz.h"
#include "guestnet.h"

#define HOST "web.example.com"
#define SHORT "web"
#define NS "10.0.0.53 fd00::53"
#define SEARCH "example.com corp.example"
static const char stanzas[] = "auto eth0\niface eth0 inet manual\n\tup ip addr replace 10.0.0.2/24 dev eth0\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

/* How many lines of text are line (after leading blanks when skip_blanks), or start with it when
 * prefix. */
static size_t count_lines(const char *text, const char *line, bool prefix)
{
	size_t n = 0, l = strlen(line);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		const char *s = p;
		if (prefix)
			while (s < p + len && (*s == ' ' || *s == '\t'))
				s++;
		size_t sl = len - (size_t)(s - p);
		n += prefix ? sl >= l && !memcmp(s, line, l) : sl == l && !memcmp(s, line, l);
		p += len + (p[len] != 0);
	}
	return n;
}

/* Every word (up to a '#') of a guest line that is not ours and not a 127.0.1.1 line, other than
 * our names, is still in out. */
static void hosts_names_kept(const char *in, const char *out)
{
	_cleanup_free_ char *copy = xstrdup(in);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strlen(line) >= 1023 || strstr(line, "# cellctl"))
			continue; /* kept verbatim, or ours */
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s2 = NULL, *first = strtok_r(line, " \t\r", &s2);
		if (!first || !strcmp(first, "127.0.1.1"))
			continue;
		for (char *w = strtok_r(NULL, " \t\r", &s2); w; w = strtok_r(NULL, " \t\r", &s2)) {
			if (!strcasecmp(w, HOST) || !strcasecmp(w, SHORT))
				continue;
			FZ_CHECK(strstr(out, w), "hosts: name '%s' of line '%s...' lost\nout: %s", fz_esc(w), fz_esc(first),
				 fz_esc(out));
		}
	}
}

static void hosts(const char *in)
{
	_cleanup_free_ char *a = gnet_hosts_edit(in, HOST, "10.0.0.2");
	_cleanup_free_ char *b = gnet_hosts_edit(a, HOST, "10.0.0.2");
	FZ_CHECK(!strcmp(a, b), "hosts: a second edit changes the file\nin: %s\nonce: %s\ntwice: %s", fz_esc(in), fz_esc(a),
		 fz_esc(b));
	FZ_CHECK(count_lines(a, "10.0.0.2\t" HOST " " SHORT "\t# cellctl", false) == 1, "hosts: not one line of ours\nout: %s",
		 fz_esc(a));
	hosts_names_kept(in, a);
	_cleanup_free_ char *c = gnet_hosts_edit(in, "x", NULL);
	free(gnet_hosts_edit(c, HOST, NULL));
}

static void resolv(const char *in)
{
	_cleanup_free_ char *a = gnet_resolv_render(in, NS, SEARCH);
	_cleanup_free_ char *b = gnet_resolv_render(a, NS, SEARCH);
	FZ_CHECK(!strcmp(a, b), "resolv.conf: a second edit changes the file\nonce: %s\ntwice: %s", fz_esc(a), fz_esc(b));
	FZ_CHECK(count_lines(a, "nameserver 10.0.0.53", false) == 1 && count_lines(a, "nameserver fd00::53", false) == 1,
		 "resolv.conf: not one line per server\nout: %s", fz_esc(a));
	FZ_CHECK(count_lines(a, "search " SEARCH, false) == 1, "resolv.conf: not one search line\nout: %s", fz_esc(a));
	free(gnet_resolv_render(in, NULL, NULL));
	free(gnet_resolv_values(in, "nameserver"));
	free(gnet_resolv_values(in, "search"));
	(void)gnet_opted_out(in, 0100644);
}

static void interfaces(const char *in)
{
	_cleanup_free_ char *a = dnet_ifupdown_main_edit(in, 101, stanzas);
	FZ_CHECK(a, "interfaces: no text");
	_cleanup_free_ char *b = dnet_ifupdown_main_edit(a, 101, stanzas);
	FZ_CHECK(!strcmp(a, b), "interfaces: a second edit changes the file\nin: %s\nonce: %s\ntwice: %s", fz_esc(in),
		 fz_esc(a), fz_esc(b));
	FZ_CHECK(count_lines(a, DNET_BLOCK_BEGIN, true) == 1, "interfaces: not one block\nout: %s", fz_esc(a));
	_cleanup_free_ char *none_a = dnet_ifupdown_main_edit(a, 101, NULL);
	_cleanup_free_ char *none_in = dnet_ifupdown_main_edit(in, 101, NULL);
	FZ_CHECK(none_a && none_in, "interfaces: no text after removal");
	/* removing our block from our output leaves what removing it from the input leaves, but
	 * for the blank line set before an appended block */
	size_t la = strlen(none_a), li = strlen(none_in);
	FZ_CHECK(!strcmp(none_a, none_in) || (la == li + 1 && !strncmp(none_a, none_in, li) && none_a[li] == '\n'),
		 "interfaces: removal differs\nin: %s\nremoved from in: %s\nremoved from out: %s", fz_esc(in),
		 fz_esc(none_in), fz_esc(none_a));
	(void)dnet_ifupdown_sources_dir(in);
	(void)dnet_is_ours(in);
	struct ct_config c = {0};
	c.nnetif = 2;
	strcpy(c.netif[0].ifname, "eth0");
	strcpy(c.netif[1].ifname, "eth1");
	unsigned m = dnet_ifupdown_declared(in, &c);
	FZ_CHECK((m & ~3u) == 0, "declared mask %#x", m);
	FZ_CHECK(dnet_ifupdown_declared(a, &c) == m, "our block changed what the guest declares");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	hosts(in);
	resolv(in);
	interfaces(in);
	return 0;
}
