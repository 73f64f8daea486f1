/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds which socket: the /proc/PID/fd walk that maps a socket inode to
 * every (pid, fd) holding it.  Only the inodes asked for are kept, looked up
 * in a hash map, so walking 100,000 fds costs little more than the readlinks.
 */
#ifndef FDCLOSE_FDTABLE_H
#define FDCLOSE_FDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scan/scan.h"

/* Open addressing over nonzero inodes (0 marks a free slot). */
struct inode_map {
	uint64_t *keys;
	size_t *vals;		/* NULL in a set */
	size_t mask;		/* slots - 1; slots is a power of two */
	size_t count;
};

/* Sized for expected entries without rehashing; 0 or -ENOMEM. */
int inode_map_init(struct inode_map *m, size_t expected);
/* The same without values, half the memory: inode_map_get() only says "present". */
int inode_set_init(struct inode_map *m, size_t expected);
/* 0, -EINVAL for inode 0, -EEXIST (the old value stays), or -ENOSPC past expected. */
int inode_map_put(struct inode_map *m, uint64_t inode, size_t val);
bool inode_map_get(const struct inode_map *m, uint64_t inode, size_t *val);
void inode_map_free(struct inode_map *m);

/*
 * Called for every socket fd of a walk; a nonzero return (-errno) ends the
 * walk and is handed back.
 */
typedef int (*fd_socket_fn)(pid_t pid, int fd, uint64_t inode, void *arg);

/*
 * Walks the fd table of pid, through a live thread when the leader is a
 * zombie (its own fd/ is empty then), calling fn for each socket fd and
 * counting every fd in *nfds.  0, -ENOENT/-ESRCH (no such process),
 * -EACCES/-EPERM, fn's return, or another -errno.
 */
int fdtable_walk(pid_t pid, fd_socket_fn fn, void *arg, size_t *nfds);

/*
 * Appends a holder (comm empty, not dead) to r, with the start time of the
 * holder before it when that is the same pid, else read now; 0 or -ENOMEM.
 */
int fdtable_add_holder(struct scan_result *r, pid_t pid, int fd, size_t sock);
/* The same with the start time given (read earlier by fdtable_start_time()). */
int fdtable_add_holder_at(struct scan_result *r, pid_t pid, int fd, size_t sock,
			 unsigned long long start_time);
/* The start time of pid from /proc/PID/stat, 0 when it cannot be read. */
unsigned long long fdtable_start_time(pid_t pid);

/*
 * Counts a process the walk passed over in st (vanished, denied or
 * unreadable), with a warning naming it when warn is set, else quietly.
 */
void fdtable_count_failure(struct scan_stats *st, pid_t pid, int err, bool warn);

/*
 * Walks /proc/PID/fd of each pid, or of every process when npids is 0, and
 * appends a holder (comm read, sock set to the map's value) for every fd
 * whose socket is in want.  Processes that vanish, deny access or fail
 * otherwise are counted in r->stats and passed over quietly, or with a
 * warning naming them when warn is set (the user asked for those pids).
 * Holders come out in walk order.  0, -ENOMEM, or -errno when the proc root
 * cannot be listed.
 */
int fdtable_collect(const struct inode_map *want, const pid_t *pids, size_t npids,
		    bool warn, struct scan_result *r);

#endif
