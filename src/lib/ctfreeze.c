/* SPDX-License-Identifier: GPL-2.0-or-later */
/* suspend and resume (ctfreeze.h). */
#include "ctfreeze.h"

#include "cgroup.h"
#include "error.h"
#include "lock.h"
#include "log.h"
#include "util.h"

bool ct_suspended(const struct ct_state *st)
{
	const struct cg_ops *ops = cg_backend(st->cg.mode);
	return ops->frozen && ops->frozen(&st->cg) == 1;
}

/* Take ctid's lock and its run state: cerr EX_NOTRUNNING when it does not run. */
static int running_locked(const struct gconf *g, unsigned ctid, const char *op, struct ct_lock *lk, struct ct_state *st)
{
	int r = ct_lock_take(g, ctid, op, lk);
	if (r < 0)
		return r;
	log_set_ctid(ctid);
	if (!ct_running(g, ctid, st))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	return 0;
}

int ct_suspend(const struct gconf *g, unsigned ctid)
{
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	struct ct_state st;
	int r = running_locked(g, ctid, "suspend", &lk, &st);
	if (r < 0)
		return r;
	if (ct_suspended(&st))
		return cerr(EX_SUSPENDED, 0, "container %u is suspended already", ctid);
	uint64_t t0 = now_ms();
	if ((r = cg_backend(st.cg.mode)->freeze(&st.cg, true, CT_FREEZE_TIMEOUT_MS)) < 0)
		return cerr_wrap(r, 0, "suspend container %u", ctid);
	log_file_only("Container suspended in %llu ms", (unsigned long long)(now_ms() - t0));
	return 0;
}

int ct_resume(const struct gconf *g, unsigned ctid)
{
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	struct ct_state st;
	int r = running_locked(g, ctid, "resume", &lk, &st);
	if (r < 0)
		return r;
	if (!ct_suspended(&st))
		return cerr(EX_FREEZE, 0, "container %u is not suspended", ctid);
	if ((r = cg_backend(st.cg.mode)->freeze(&st.cg, false, CT_FREEZE_TIMEOUT_MS)) < 0)
		return cerr_wrap(r, 0, "resume container %u", ctid);
	log_file_only("Container resumed");
	return 0;
}
