/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the scan's passes share: the context one scan_closewait() builds up,
 * pass by pass (scan.c drives them in order).
 */
#ifndef FDCLOSE_SCAN_INTERNAL_H
#define FDCLOSE_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/pid.h"
#include "scan/fdtable.h"
#include "scan/netns.h"
#include "scan/scan.h"
#include "scan/tcp.h"

struct walk_pool;

/* A socket fd that no table we read lists. */
struct candidate {
	pid_t pid;
	int fd;
	uint64_t inode;
	uint64_t netns;		/* of its process; 0 unknown */
	int family;		/* once the kernel named it TCP */
};

/* A process whose fd table was walked to the end. */
struct walked {
	pid_t pid;
	uint64_t netns;
	size_t fds;
	bool comm_known;
	char comm[COMM_LEN];
};

/* A holder of a listener that has CLOSE_WAITs in its accept queue. */
struct listener_holder {
	pid_t pid;
	int fd;
	size_t sock;
	char comm[COMM_LEN];
};

struct queue_count {
	size_t listener;	/* index in r->socks */
	size_t closewait;
};

struct scan_ctx {
	const struct scan_filter *f;
	struct scan_result *r;
	const struct netns_set *set;
	struct netns_proc *by_pid;	/* set->procs sorted by pid */
	struct inode_map seen;		/* every socket a table lists */
	struct inode_map want;		/* inode -> index in r->socks */
	struct inode_map extra;		/* dead and unlisted sockets: inode -> index */
	struct tcp_table listeners;
	struct tcp_table queued;	/* CLOSE_WAIT without a file, unfiltered */
	struct queue_count *queues;
	size_t nqueues, capqueues;
	struct candidate *cands;
	size_t ncands, capcands;
	struct walked *walked;		/* by pid: the walk goes in pid order */
	size_t nwalked, capwalked;
	struct listener_holder *lholders;
	size_t nlholders, caplholders;
	struct walk_pool *pool;		/* the walk's, from scan_walk_start() on */
};

/* The filters (filter.c): the socket ones; the process ones apply in the walk. */
bool scan_sock_matches(const struct scan_filter *f, const struct tcp_sock *s);
bool scan_dead_matches(const struct scan_filter *f, uint32_t uid);
bool scan_process_filtered(const struct scan_filter *f);

/* Pass 2 (tables.c): each namespace's tcp tables, read once. */
int scan_read_tables(struct scan_ctx *ctx);
/*
 * The CLOSE_WAITs queued on listeners (backlog.c): matched to their
 * listener after the tables, made into backlogs after the walk.
 */
int scan_match_queues(struct scan_ctx *ctx);
int scan_make_backlogs(struct scan_ctx *ctx);
/* Pass 3 (walk.c): the fd tables, in pid order, when they can hold anything wanted. */
bool scan_walk_wanted(const struct scan_ctx *ctx);
int scan_map_wanted(struct scan_ctx *ctx);
int scan_index_by_pid(struct scan_ctx *ctx);
int scan_walk(struct scan_ctx *ctx);
/*
 * The same in two steps, the workers started before the tables are read
 * (they keep every socket fd until scan_walk_finish() gives them the
 * tables); scan_walk_abort() stops and frees them on the way out.
 */
int scan_walk_start(struct scan_ctx *ctx);
int scan_walk_finish(struct scan_ctx *ctx);
void scan_walk_abort(struct scan_ctx *ctx);
/* A walked process by pid, or NULL. */
struct walked *scan_find_walked(struct scan_ctx *ctx, pid_t pid);
/* Pass 4 (unlisted.c): the socket fds found in no table. */
int scan_resolve_candidates(struct scan_ctx *ctx);

#endif
