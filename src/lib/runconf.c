/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runconf: the running configuration of a container; see runconf.h. */
#include "runconf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "conftext.h"
#include "error.h"
#include "ini.h"
#include "log.h"
#include "state.h"
#include "util.h"

char *runconf_path(const struct gconf *g, unsigned ctid) { return state_path(g, ctid, ".running"); }

int runconf_save(const struct gconf *g, const struct ct_config *c)
{
	_cleanup_free_ char *path = runconf_path(g, c->ctid);
	struct ini_doc *empty = NULL;
	const struct ini_doc *d = c->doc ? c->doc : (empty = ini_new());
	/* as set --save: what is written reads back through the one reader as meant */
	_cleanup_free_ char *text = NULL;
	int r = conf_check_edit(path, d, &text);
	if (empty)
		ini_free(empty);
	if (r < 0)
		return r;
	r = write_file_replace(path, text ? text : "", text ? strlen(text) : 0, 0600);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "write the running configuration %s", path);
	log_debug("wrote the running configuration %s", path);
	return 0;
}

int runconf_load(const struct gconf *g, unsigned ctid, struct ct_config **out)
{
	_cleanup_free_ char *path = runconf_path(g, ctid);
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, path, &text, NULL);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read the running configuration %s", path);
	if ((r = ctconf_from_text(g, ctid, path, text, out)) < 0)
		return r;
	/* never saved over CTID.conf by mistake */
	free((*out)->path);
	(*out)->path = xstrdup(path);
	return 0;
}

void runconf_remove(const struct gconf *g, unsigned ctid)
{
	_cleanup_free_ char *path = runconf_path(g, ctid);
	if (unlink(path) == 0)
		log_debug("removed the running configuration %s", path);
}
