/* set CTID --PARAM VALUE ... [--save] */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "devbpf.h"
#include "error.h"
#include "lock.h"
#include "state.h"
#include "util.h"

int cmd_set(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl set CTID --PARAM VALUE ... [--save]");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	bool save = false;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--save") == 0)
			save = true;
	struct ct_lock lk = CT_LOCK_INIT;
	if ((r = ct_lock_take(g, ctid, "set", &lk)) < 0)
		return r;
	struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		goto out;
	bool changed = false, live = false;
	for (int i = 2; i < argc; i++) {
		const struct param *p;
		const char *v;
		if (strcmp(argv[i], "--save") == 0)
			continue;
		r = cli_param(argc, argv, &i, PF_SET, &p, &v);
		if (r == 0)
			r = cli_usage("set: unknown option '%s'", argv[i]);
		if (r < 0)
			goto out;
		const char *old = ini_get(c->doc, p->section, p->key);
		_cleanup_free_ char *before = old ? xstrdup(old) : NULL;
		if ((r = param_set(c, p, v)) < 0)
			goto out;
		const char *now = ini_get(c->doc, p->section, p->key);
		if (!before || !now || strcmp(before, now) != 0)
			changed = true;
		if (p->flags & PF_LIVE)
			live = true;
	}
	struct ct_state st;
	bool running = ct_running(g, ctid, &st);
	if (running && live && changed) {
		_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, ctid);
		const struct cg_ops *ops = cg_backend(st.cg.mode);
		if ((r = ops->apply(&st.cg, c, root, true)) < 0)
			goto out;
		int fd = cg_limit_fd(&st.cg);
		if (fd >= 0) {
			r = devbpf_apply(fd, c->devices, c->devnodes);
			close(fd);
			if (r < 0)
				goto out;
		}
	}
	if (!changed) {
		printf("No changes in CT configuration, not saving\n");
		r = 0;
		goto out;
	}
	if (save) {
		if ((r = ctconf_save(c)) < 0)
			goto out;
		printf("Saved parameters for CT %u\n", ctid);
	} else if (running) {
		fprintf(stderr, "WARNING: Settings were not saved to the container configuration file and will be lost after CT restart. Use --save to save them.\n");
	} else {
		r = cerr(EX_NOTRUNNING, 0, "container %u is not running: nothing was changed (use --save to change its config)", ctid);
		goto out;
	}
	r = 0;
out:
	if (c)
		ctconf_free(c);
	ct_lock_release(&lk);
	return r;
}
