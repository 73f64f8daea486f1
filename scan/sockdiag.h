/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One TCP socket, asked of the kernel directly: given fdclose's own reference
 * to a socket (from pidfd_getfd), its addresses, state and queues come from
 * an exact NETLINK_SOCK_DIAG lookup in the socket's own namespace, the way
 * ss gets them, without walking /proc/net/tcp.  On a host with much memory
 * every read of that file walks the whole connection hash table (262,144
 * buckets here, ~2 ms); the lookup is one hash probe.
 */
#ifndef FDCLOSE_SOCKDIAG_H
#define FDCLOSE_SOCKDIAG_H

#include <stdint.h>

#include "scan/tcp.h"

struct sockdiag {
	int nl;			/* NETLINK_SOCK_DIAG socket in the socket's namespace */
	uint64_t cookie;	/* the kernel's identity of the socket */
	struct tcp_sock sock;	/* as last seen */
};

/*
 * Describes the TCP socket behind fd (a reference fdclose holds) into d:
 * 0, -ENOTSOCK / -EPROTONOSUPPORT when it is not a TCP socket, -ENOENT when
 * the kernel no longer has it in its tables, or -errno.  d->nl stays open
 * for sockdiag_recheck(); sockdiag_done() closes it.
 */
int sockdiag_describe(int fd, struct sockdiag *d);
/*
 * Looks the same socket up again, after fdclose dropped its reference:
 * 0 with d->sock updated while the kernel still has it (in any state),
 * -ENOENT once it is gone, or -errno.
 */
int sockdiag_recheck(struct sockdiag *d);
void sockdiag_done(struct sockdiag *d);

#endif
