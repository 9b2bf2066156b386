/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_guestacct: the guest's account files that set --userpasswd and --ssh-key read and rewrite
 * from the host (/etc/passwd, /etc/shadow, login.defs, authorized_keys) and the key file given
 * (guestacct.c). The input is the file's text:
 *  - no crash, no leak, on any text;
 *  - passwd: a user found has an absolute home;
 *  - shadow: a rewrite finds the user again, a second rewrite changes nothing more, and every
 *    other line is kept (the text before the user's line is a prefix of the result, the text
 *    after it a suffix);
 *  - a key line accepted is one line that is accepted again as itself (a fixed point); added to
 *    the input, adding it again finds it (no duplicate);
 *  - the hash method is one of the two. */
#include "fuzz.h"
#include "guestacct.h"

#define HASH "$6$saltsalt$0123456789abcdefABCDEF./"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

static void passwd(const char *in)
{
	struct acct_pw pw = {0};
	if (acct_passwd_find(in, "root", &pw) == 0) {
		FZ_CHECK(pw.home && pw.home[0] == '/', "passwd: a home that is not absolute: %s", fz_esc(pw.home));
		free(pw.home);
	}
}

static void shadow(const char *in)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	if (acct_shadow_set(in, "root", HASH, 19000, &a) < 0)
		return;
	FZ_CHECK(acct_shadow_set(a, "root", HASH, 19000, &b) == 0, "shadow: the user is gone after a rewrite\nout: %s",
		 fz_esc(a));
	FZ_CHECK(!strcmp(a, b), "shadow: a second rewrite changes the file\nonce: %s\ntwice: %s", fz_esc(a), fz_esc(b));
	/* the lines around the user's are kept: a common prefix and suffix cover all but that line */
	size_t la = strlen(a), li = strlen(in), p = 0, s = 0;
	while (p < la && p < li && a[p] == in[p])
		p++;
	while (s < la - p && s < li - p && a[la - 1 - s] == in[li - 1 - s])
		s++;
	FZ_CHECK(!memchr(in + p, '\n', li - p - s), "shadow: more than one line changed\nin: %s\nout: %s", fz_esc(in),
		 fz_esc(a));
}

static void authkey(const char *in)
{
	_cleanup_free_ char *line = NULL, *again = NULL, *added = NULL;
	const char *why;
	if (acct_authkey_check(in, &line, &why) < 0) {
		FZ_CHECK(!line && why, "authkey: refused without a reason");
		return;
	}
	size_t n = strlen(line);
	FZ_CHECK(n && line[n - 1] == '\n' && !memchr(line, '\n', n - 1), "authkey: not one line: %s", fz_esc(line));
	FZ_CHECK(acct_authkey_check(line, &again, &why) == 0 && !strcmp(line, again), "authkey: not a fixed point: %s",
		 fz_esc(line));
	added = acct_authkeys_add(in, line);
	if (added)
		FZ_CHECK(!acct_authkeys_add(added, line), "authkey: added twice\nfile: %s", fz_esc(added));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = fz_str(data, size);
	passwd(in);
	shadow(in);
	authkey(in);
	const char *m = acct_hash_prefix(in);
	FZ_CHECK(!strcmp(m, "$6$") || !strcmp(m, "$y$"), "hash prefix %s", m);
	char *u, *pw;
	if (acct_split_userpasswd(in, &u, &pw) == 0) {
		FZ_CHECK(acct_valid_user(u), "userpasswd: an invalid user %s", fz_esc(u));
		free(u);
		free(pw);
	}
	return 0;
}
