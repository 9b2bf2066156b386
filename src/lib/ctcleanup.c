/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctcleanup.h"

#include <string.h>

#include "error.h"
#include "log.h"
#include "netlink.h"
#include "phase.h"
#include "routed.h"
#include "runconf.h"
#include "state.h"

/* The same routed addresses, in the same order (the usual case: nothing was changed live). */
static bool same_venet(const struct ct_config *a, const struct ct_config *b)
{
	if (a->venet.nips != b->venet.nips)
		return false;
	for (unsigned i = 0; i < a->venet.nips; i++)
		if (strcmp(a->venet.ips[i], b->venet.ips[i]))
			return false;
	return true;
}

void ct_routed_teardown(const struct gconf *g, unsigned ctid, const struct ct_config *c)
{
	struct cerr_saved es;
	cerr_save(&es);
	if (c)
		routed_teardown(g, c);
	/* addresses added live (without --save) are only in the running configuration */
	struct ct_config *run = NULL;
	if (runconf_load(g, ctid, &run) == 0) {
		if (!c || !same_venet(c, run))
			routed_teardown(g, run);
		ctconf_free(run);
	}
	cerr_restore(&es);
}

int ct_cleanup(const struct gconf *g, unsigned ctid, const struct cg_paths *cg, const struct ct_config *c)
{
	int r = ct_cleanup_but_state(g, ctid, cg, c);
	state_remove(g, ctid);
	return r;
}

int ct_cleanup_but_state(const struct gconf *g, unsigned ctid, const struct cg_paths *cg, const struct ct_config *c)
{
	int r = 0;
	struct ct_config *own = NULL;
	struct cerr_saved es;
	cerr_save(&es); /* without a readable config the cleanup goes on by what the state recorded */
	if (!c && ctconf_load(g, ctid, &own) == 0)
		c = own;
	cerr_restore(&es);
	if (c)
		net_teardown_container(g, c); /* host veths go explicitly (by group: live additions too) */
	ct_routed_teardown(g, ctid, c);
	runconf_remove(g, ctid);
	if (own)
		ctconf_free(own);
	phase_mark("cleanup.net");
	if (cg && cg->n) {
		/* both act only on the cgroups recorded at start */
		const struct cg_ops *ops = cg_backend(cg->mode);
		int k = ops->kill(cg, 5000);
		int d = ops->destroy(cg);
		r = k < 0 ? k : d;
		if (r < 0)
			log_warn("cleanup of container %u: %s", ctid, cerr_msg() ? cerr_msg() : strerror(-r));
	}
	phase_mark("cleanup.cgroups");
	return r;
}
