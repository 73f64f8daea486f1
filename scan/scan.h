/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What to act on: every TCP socket in CLOSE_WAIT, in every network namespace,
 * and every (pid, fd) that holds it.  Read only.
 */
#ifndef FDCLOSE_SCAN_H
#define FDCLOSE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scan/tcp.h"

#define COMM_LEN 16	/* TASK_COMM_LEN, the kernel's limit, NUL included */

struct scan_filter {
	const pid_t *pids;	/* only these processes; none means all */
	size_t npids;
	int port;		/* local or remote port; -1 means any */
};

struct holder {
	pid_t pid;
	int fd;
	char comm[COMM_LEN];
	size_t sock;		/* index into scan_result.socks.socks */
};

struct scan_stats {
	size_t netns;		/* distinct network namespaces read */
	size_t procs;		/* processes whose fd table was walked */
	size_t vanished;	/* processes that exited mid-walk */
	size_t denied;		/* processes whose fd table we may not read */
	size_t malformed;	/* tcp table lines skipped */
	size_t unreadable;	/* processes passed over for another error */
	size_t netns_failed;	/* namespaces no member process let us read */
};

struct scan_result {
	struct tcp_table socks;	/* the matching sockets, every namespace */
	struct holder *holders;	/* sorted by pid, then fd */
	size_t count;
	size_t cap;
	struct scan_stats stats;
};

void scan_filter_init(struct scan_filter *f);
/* Fills r (which the caller zeroes first); 0 or -errno. */
int scan_closewait(const struct scan_filter *f, struct scan_result *r);
void scan_result_free(struct scan_result *r);

#endif
