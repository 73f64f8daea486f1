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
#include <sys/types.h>

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

/*
 * Appends to t the TCP sockets (IPv4 and IPv6) whose state is in state_mask
 * (TCP_STATE_BIT()s) in the network namespace of pid, as netns: one
 * NETLINK_SOCK_DIAG dump each, filtered by the kernel, where reading
 * /proc/PID/net/tcp and tcp6 walks the whole hash table four times.  Each
 * socket's age (tcp_sock.age_ms) comes from the tcp_info asked with it.
 * Needs CAP_SYS_ADMIN to enter another namespace; 0 or -errno (the caller
 * then reads /proc instead, which ages nothing).
 */
int sockdiag_dump(pid_t pid, uint64_t netns, unsigned int state_mask, struct tcp_table *t);
/* Called with the inode (0 for a socket without a file) of each socket; 0 goes on. */
typedef int (*sockdiag_inode_fn)(uint64_t inode, void *arg);
/*
 * The same in one dump with the sockets whose state is in inode_states too
 * (when not 0), handed to fn as they come rather than kept in t: only their
 * inode is needed (to tell a socket some table lists from one in none), and
 * the established bulk would be most of t.  A failure may come after some
 * calls of fn; t is left as it was.
 */
int sockdiag_dump_split(pid_t pid, uint64_t netns, unsigned int state_mask, struct tcp_table *t,
			unsigned int inode_states, sockdiag_inode_fn fn, void *arg);
struct nlmsghdr;

/*
 * Fills s from one SOCK_DIAG_BY_FAMILY reply (an inet_diag_msg and its
 * attributes), as netns; 0, or -EPROTO when the reply is too short.
 */
int sockdiag_msg_sock(const struct nlmsghdr *h, uint64_t netns, struct tcp_sock *s);

/* Called for each SOCK_DIAG_BY_FAMILY message of a dump; 0 goes on, -errno stops. */
typedef int (*sockdiag_msg_fn)(const struct nlmsghdr *h, void *arg);
/*
 * The one netlink dump loop: sends req (len bytes) on nl, then reads the
 * answers until NLMSG_DONE, calling fn for each message.  0 or -errno (an
 * NLMSG_ERROR's, fn's, or the socket's).
 */
int sockdiag_dump_each(int nl, const void *req, size_t len, sockdiag_msg_fn fn, void *arg);
/*
 * tcpi_last_ack_recv from the INET_DIAG_INFO attribute of reply h, in ms;
 * TCP_AGE_UNKNOWN when there is none (not asked for, a time-wait or
 * request socket) or an older kernel's tcp_info ends before that field.
 */
int64_t sockdiag_msg_age(const struct nlmsghdr *h);
/*
 * Appends to t the sockets of one recv() of a dump (replies to
 * SOCK_DIAG_BY_FAMILY, buf aligned as netlink aligns): 1 when it ends with
 * NLMSG_DONE, 0 when more is to come, or -errno (an NLMSG_ERROR's, -ENOMEM).
 */
int sockdiag_parse_dump(const void *buf, size_t len, uint64_t netns, struct tcp_table *t);

/*
 * The TCP tables of pid's namespace: by sock_diag when fdclose may, else by
 * /proc/PID/net/tcp{,6} (tcp_read(), which the recorded trees of the unit
 * tests serve).  0 or -errno.
 */
int tcp_table_read(struct tcp_table *t, pid_t pid, uint64_t netns, unsigned int state_mask);

#define TCP_DUMP_V4	1U
#define TCP_DUMP_V6	2U
/*
 * The same, to look sockets up by inode: by sock_diag only the families
 * asked for (TCP_DUMP_V4, TCP_DUMP_V6), and no socket's tcp_info, so no
 * age; by /proc both.  0 or -errno.
 */
int tcp_table_read_inodes(struct tcp_table *t, pid_t pid, uint64_t netns,
			  unsigned int state_mask, unsigned int families);

#endif
