/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestacct: the pure parts of set --userpasswd and --ssh-key (user names, the USER:PASSWORD
 * split, /etc/passwd lookups, the /etc/shadow rewrite, the hash method from login.defs,
 * authorized_keys line validation and the duplicate check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guestacct.h"

#define ED "AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
#define RSA "AAAAB3NzaC1yc2EAAAADAQABAAAABQDA/+4B"

static void user_names(void **s)
{
	(void)s;
	assert_true(acct_valid_user("root"));
	assert_true(acct_valid_user("web-1.admin_x"));
	assert_true(acct_valid_user("machine$"));
	assert_false(acct_valid_user(""));
	assert_false(acct_valid_user("-root"));
	assert_false(acct_valid_user(".x"));
	assert_false(acct_valid_user("a:b"));
	assert_false(acct_valid_user("a b"));
	assert_false(acct_valid_user("ro$ot"));
	assert_false(acct_valid_user("../etc"));
	assert_false(acct_valid_user("abcdefghijklmnopqrstuvwxyz0123456"));
}

static void userpasswd_split(void **s)
{
	(void)s;
	char *u, *p;
	assert_int_equal(acct_split_userpasswd("root:se:cr:et", &u, &p), 0);
	assert_string_equal(u, "root");
	assert_string_equal(p, "se:cr:et");
	free(u);
	free(p);
	assert_int_equal(acct_split_userpasswd("admin:-", &u, &p), 0);
	assert_string_equal(u, "admin");
	assert_null(p);
	free(u);
	assert_int_equal(acct_split_userpasswd("root", &u, &p), -EINVAL);
	assert_int_equal(acct_split_userpasswd("root:", &u, &p), -EINVAL);
	assert_int_equal(acct_split_userpasswd(":pw", &u, &p), -EINVAL);
	assert_int_equal(acct_split_userpasswd("ro ot:pw", &u, &p), -EINVAL);
	assert_null(u);
	assert_null(p);
}

static void passwd_lookup(void **s)
{
	(void)s;
	const char *pw = "root:x:0:0:root:/root:/bin/sh\n"
			 "rootx:x:5:5::/nope:/bin/sh\n"
			 "bad:x:abc:1::/home/bad:/bin/sh\n"
			 "rel:x:7:7::home/rel:/bin/sh\n"
			 "short:x:8:8\n"
			 "web:x:1000:1001:Web,,,:/home/web:/bin/bash";
	struct acct_pw p;
	assert_int_equal(acct_passwd_find(pw, "web", &p), 0);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 1001);
	assert_string_equal(p.home, "/home/web");
	free(p.home);
	assert_int_equal(acct_passwd_find(pw, "root", &p), 0);
	assert_string_equal(p.home, "/root");
	free(p.home);
	assert_int_equal(acct_passwd_find(pw, "roo", &p), -ENOENT);
	assert_int_equal(acct_passwd_find(pw, "bad", &p), -EINVAL);
	assert_int_equal(acct_passwd_find(pw, "rel", &p), -EINVAL);
	assert_int_equal(acct_passwd_find(pw, "short", &p), -EINVAL);
	assert_int_equal(acct_passwd_find("", "root", &p), -ENOENT);
	assert_int_equal(acct_passwd_find("root:x:4294967295:0::/:/bin/sh\n", "root", &p), -EINVAL);
}

static void shadow_rewrite(void **s)
{
	(void)s;
	const char *old = "# comment kept\n"
			  "rootx:*:1:0:99999:7:::\n"
			  "root:*:19000:0:99999:7:::\n"
			  "nobody:!:19000::::::\n";
	char *out;
	assert_int_equal(acct_shadow_set(old, "root", "$6$salt$hash", 20000, &out), 0);
	assert_string_equal(out, "# comment kept\n"
				 "rootx:*:1:0:99999:7:::\n"
				 "root:$6$salt$hash:20000:0:99999:7:::\n"
				 "nobody:!:19000::::::\n");
	free(out);
	/* the last line without a newline, the line with only three fields */
	assert_int_equal(acct_shadow_set("a:x:1:2\nb:y:3", "b", "$y$j9T$s$h", 5, &out), 0);
	assert_string_equal(out, "a:x:1:2\nb:$y$j9T$s$h:5");
	free(out);
	assert_int_equal(acct_shadow_set("a:x:1:2\nb:y:3", "a", "H", 5, &out), 0);
	assert_string_equal(out, "a:H:5:2\nb:y:3");
	free(out);
	assert_int_equal(acct_shadow_set(old, "nosuch", "H", 1, &out), -ENOENT);
	assert_int_equal(acct_shadow_set("x:only\n", "x", "H", 1, &out), -EINVAL);
	assert_int_equal(acct_shadow_set(old, "root", "bad:hash", 1, &out), -EINVAL);
	assert_int_equal(acct_shadow_set(old, "root", "bad\nhash", 1, &out), -EINVAL);
	assert_null(out);
}

static void hash_method(void **s)
{
	(void)s;
	assert_string_equal(acct_hash_prefix(NULL), "$6$");
	assert_string_equal(acct_hash_prefix("# ENCRYPT_METHOD YESCRYPT\nENCRYPT_METHOD SHA512\n"), "$6$");
	assert_string_equal(acct_hash_prefix("UMASK 022\nENCRYPT_METHOD   yescrypt\n"), "$y$");
	assert_string_equal(acct_hash_prefix("ENCRYPT_METHOD YESCRYPTX\n"), "$6$");
	assert_string_equal(acct_hash_prefix("ENCRYPT_METHOD_X YESCRYPT\n"), "$6$");
}

static void authkey_lines(void **s)
{
	(void)s;
	char *l;
	const char *why;
	assert_int_equal(acct_authkey_check("ssh-ed25519 " ED " admin@host\n", &l, &why), 0);
	assert_string_equal(l, "ssh-ed25519 " ED " admin@host\n");
	free(l);
	assert_int_equal(acct_authkey_check("  ssh-rsa\t" RSA "   a  comment  \r\n\n", &l, &why), 0);
	assert_string_equal(l, "ssh-rsa " RSA " a  comment\n");
	free(l);
	assert_int_equal(acct_authkey_check("ssh-ed25519 " ED, &l, &why), 0);
	assert_string_equal(l, "ssh-ed25519 " ED "\n");
	free(l);
	/* refused: two lines, a type that does not match the blob, bad base64, options, junk */
	assert_int_equal(acct_authkey_check("ssh-ed25519 " ED " a\nssh-ed25519 " ED " b\n", &l, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(acct_authkey_check("ssh-rsa " ED "\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("ssh-ed25519 AAAA*BBB\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("ssh-ed25519 " ED "=\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("ssh-ed25519\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("command=\"/bin/sh\" ssh-ed25519 " ED "\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("-----BEGIN OPENSSH PRIVATE KEY-----\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("ssh-ed25519 " ED " esc\033[2J\n", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("", &l, &why), -EINVAL);
	assert_int_equal(acct_authkey_check("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n", &l, &why), -EINVAL);
	assert_null(l);
}

static void authkeys_append(void **s)
{
	(void)s;
	const char *line = "ssh-ed25519 " ED " new\n";
	char *t = acct_authkeys_add(NULL, line);
	assert_string_equal(t, line);
	free(t);
	t = acct_authkeys_add("ssh-rsa " RSA " old", line);
	assert_string_equal(t, "ssh-rsa " RSA " old\nssh-ed25519 " ED " new\n");
	free(t);
	/* the same key, with options and another comment: no second line */
	assert_null(acct_authkeys_add("# keys\nfrom=\"10.0.0.1\" ssh-ed25519 " ED " other\n", line));
	assert_null(acct_authkeys_add(line, line));
	/* the blob alone, or under another type, is another key */
	t = acct_authkeys_add("ssh-rsa " ED "\n", line);
	assert_non_null(t);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_names),      cmocka_unit_test(userpasswd_split), cmocka_unit_test(passwd_lookup),
		cmocka_unit_test(shadow_rewrite),  cmocka_unit_test(hash_method),      cmocka_unit_test(authkey_lines),
		cmocka_unit_test(authkeys_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
