/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The distinct network namespaces of the running processes, read from the
 * /proc/PID/ns/net links ("net:[4026531840]").  Each namespace's tcp tables
 * are then read once, through one of its processes: ss sees only its own
 * namespace, fdclose sees the containers' too.
 */
#ifndef FDCLOSE_NETNS_H
#define FDCLOSE_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct netns_proc {
	uint64_t netns;
	pid_t pid;
};

struct netns {
	uint64_t inode;
	pid_t pid;		/* its lowest pid, whose net/tcp shows the tables */
	size_t first;		/* its processes: netns_set.procs[first..first+nprocs) */
	size_t nprocs;
};

struct netns_set {
	struct netns *ns;	/* by inode */
	size_t count;
	struct netns_proc *procs;	/* every process placed, by netns then pid */
	size_t nprocs;
	size_t vanished;	/* processes that exited before their link was read */
	size_t denied;		/* processes whose link we may not read */
	size_t unreadable;	/* any other error (named with --verbose) */
};

/* Walks the proc root and fills set (zeroed by the caller); 0 or -errno. */
int netns_discover(struct netns_set *set);
void netns_set_free(struct netns_set *set);

#endif
