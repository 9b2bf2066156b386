/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctnet: the network checks of the container-operations layer, across containers: what create and
 * set refuse because another container has it already. Built on ctconf_foreach (config.h) and
 * the pure address code (netaddr.h); no netlink. */
#pragma once
#include "config.h"

/* Config-level checks for create/set (c is the new config, ctid c->ctid): no other container may
 * use one of c's guest MACs or host interface names (cerr EX_BADVALUE "MAC ... already used by
 * CT N"); no running container on the same bridge may have one of c's addresses, nor may the
 * default bridge's own address be used (cerr EX_IPINUSE). c's own interfaces must not share a MAC.
 * A running neighbour is checked with its saved and its running configuration (runconf.h).
 * Unreadable other configs are skipped (logged at debug level; their error is not kept). */
int ct_check_net_conflicts(const struct gconf *g, const struct ct_config *c);
