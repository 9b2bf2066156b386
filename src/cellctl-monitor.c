/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cellctl-monitor: the per-container monitor as a small static program, so that each running
 * container costs little host memory. Started by `cellctl start` (argv: title, CTID, cgroup
 * paths, and for `cellctl restore` the checkpoint's directory); fd 3 is the report pipe. With
 * --waiter: the waiter of a stopped onconnect container (sockwait.h). Reads the same configs as cellctl. */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "monitor.h"
#include "phase.h"
#include "proctitle.h"
#include "sockwait.h"
#include "util.h"

static void fail(void)
{
	cerr_report_write(3, -EINVAL);
	_exit(1);
}

/* cellctl-monitor --waiter CTID N CGPATHS: the waiter of a stopped onconnect container (sockwait.h), N
 * sockets handed at SOCKWAIT_FD0.. (0: it binds them). */
static int waiter(int argc, char **argv)
{
	unsigned ctid = 0, n = 0;
	struct gconf *g = NULL;
	struct ct_config *c = NULL;
	static struct cg_paths cg;
	log_init(NULL, LOG_WARN_L);
	char *cgtext = xstrdup(argv[4]); /* argv is overwritten by the process title */
	proc_title_init(argc, argv);
	if (ctid_parse(argv[2], &ctid) < 0 || parse_uint(argv[3], 0, 16, &n) < 0 || cg_paths_parse(cgtext, &cg) < 0) {
		cerr(EX_BADSYNTAX, 0, "waiter: bad arguments");
		fail();
	}
	if (gconf_load(&g) < 0 || ctconf_load(g, ctid, &c) < 0)
		fail();
	sockwait_main(g, c, n, &cg);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--waiter"))
		return waiter(argc, argv);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "cellctl-monitor is started by cellctl start\n");
		return 2;
	}
	phase_mark("monitor.main");
	log_init(NULL, LOG_WARN_L);
	char *cgtext = xstrdup(argv[2]); /* argv is overwritten by the process title */
	if (argc == 4)
		monitor_set_restore(xstrdup(argv[3])); /* restore: the checkpoint's directory */
	proc_title_init(argc, argv);
	unsigned ctid;
	struct gconf *g = NULL;
	struct ct_config *c = NULL;
	static struct cg_paths cg;
	if (ctid_parse(argv[1], &ctid) < 0) {
		cerr(EX_BADSYNTAX, 0, "monitor: bad CTID");
		fail();
	}
	if (gconf_load(&g) < 0 || ctconf_load(g, ctid, &c) < 0)
		fail();
	if (cg_paths_parse(cgtext, &cg) < 0) {
		cerr(EX_SYSTEM, 0, "monitor: bad cgroup paths");
		fail();
	}
	phase_mark("monitor.configs");
	log_set_file(g->log_file);
	log_set_ctid(ctid);
	char *root = xasprintf("%s/%u", g->private_dir, ctid);
	monitor_run(g, c, &cg, root, 3);
}
