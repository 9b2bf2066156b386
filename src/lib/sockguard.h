/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TCP sockets handed to a guest (--listen) live in the host's network namespace. A guest can
 * turn any of them, or a connection accepted on one, back into an unconnected socket
 * (connect(AF_UNSPEC)) and connect it anywhere: from the host's namespace, to the host's own
 * loopback services. So they are made in a cgroup of their own whose programs refuse every
 * connect(2) (cgroup BPF, BPF_CGROUP_INET4_CONNECT and INET6_CONNECT): a socket belongs to the
 * cgroup it was made in for its whole life, and so does every connection accepted on it. */
#pragma once

#include "cgroup.h"

/* n new TCP sockets (SOCK_STREAM, close-on-exec) of families fam[0..n-1] (AF_INET, AF_INET6)
 * into fds, made by a short-lived child in a temporary cgroup2 leaf beside the container's cgroups cg
 * (below the [cgroup] parent) that carries the two connect-refusing programs; the leaf is removed at once
 * (the sockets keep it and its programs alive). 0, or cerr: EX_BADKERNEL without a cgroup2
 * hierarchy or cgroup BPF, EX_ENVCREATE otherwise; nothing is left behind. */
int sockguard_sockets(const struct cg_paths *cg, unsigned ctid, const int *fam, unsigned n, int *fds);
