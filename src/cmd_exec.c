/* exec, enter, console */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "nsexec.h"
#include "util.h"

int cmd_exec(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl exec CTID [--] CMD [ARG ...]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	int first = 2;
	if (strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc)
		return cerr(EX_NOTENOUGH, 0, "exec: no command given");
	char **cmd = argv + first;
	/* vzctl habit: one argument with shell syntax in it runs through /bin/sh -c */
	char *shv[] = {"/bin/sh", "-c", argv[first], NULL};
	if (argc - first == 1 && strpbrk(argv[first], " \t;|&<>$*?'\"`()"))
		cmd = shv;
	return ct_exec(g, ctid, cmd);
}

int cmd_enter(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl enter CTID [--exec CMD ...]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	char **cmd = NULL;
	if (argc > 2) {
		if (strcmp(argv[2], "--exec") != 0 || argc < 4)
			return cli_usage("enter: unknown option '%s'", argv[2]);
		cmd = argv + 3;
	}
	return ct_enter(g, ctid, cmd);
}

int cmd_console(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl console CTID [--log]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	if (argc > 2 && strcmp(argv[2], "--log") == 0) {
		_cleanup_free_ char *path = xasprintf("%s/console/%u.log", g->run_dir, ctid);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if ((r = read_file_at(AT_FDCWD, path, &text, &len)) < 0)
			return cerr(EX_NOTRUNNING, r, "no console log for container %u (%s)", ctid, path);
		fwrite(text, 1, len, stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage("console: unknown option '%s'", argv[2]);
	return ct_console(g, ctid);
}
