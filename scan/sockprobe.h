/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel says about a socket fd that no table of a namespace we
 * read lists.  Such a TCP socket is usually dead: an RST, `ss -K` or a
 * shutdown and a timeout unhashed it and only the fd keeps it.  But a socket
 * made a moment ago, or one whose namespace has no process left to read the
 * tables through, is in no table we read either: only the socket itself can
 * tell them apart, so the scan asks it through a reference of its own
 * (pidfd_getfd(), as injector/ops.c does).  Nothing is changed in the
 * process that holds it.
 */
#ifndef FDCLOSE_SOCKPROBE_H
#define FDCLOSE_SOCKPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scan/fdtable.h"
#include "scan/tcp.h"

struct sock_state {
	/*
	 * state, family, rx/tx queues (SIOCINQ and SIOCOUTQ: the receive
	 * queue without the FIN that /proc/net/tcp counts), uid (the owner of
	 * the socket's inode), netns (0 when the kernel would not say), and
	 * for a connected socket its addresses; age_ms from TCP_INFO as
	 * sock_diag gives it.
	 */
	struct tcp_sock sock;
	bool carried;		/* it ever sent or received a segment */
};

/* The two questions, as functions a test can answer in the kernel's stead. */
struct sock_probe {
	/*
	 * system.sockprotoname of pid's fd: "TCP", "TCPv6", "UNIX", "UDP"...
	 * into buf, NUL-terminated; 0 or -errno.
	 */
	int (*protocol)(pid_t pid, int fd, char *buf, size_t size);
	/*
	 * The state of pid's fd, if it still is socket inode: 0; -ESTALE (the
	 * fd now holds another object), -ESRCH or -EBADF (gone), or another
	 * -errno when the kernel lets nobody ask (ENOSYS before Linux 5.6,
	 * EPERM without ptrace access).
	 */
	int (*inspect)(pid_t pid, int fd, uint64_t inode, struct sock_state *st);
};

/* The real thing: the xattr, then pidfd_open(), pidfd_getfd() and getsockopt(). */
extern const struct sock_probe sock_probe_kernel;

/* True for the protocol names of TCP sockets; *family then AF_INET or AF_INET6. */
bool sock_proto_is_tcp(const char *proto, int *family);

/*
 * Adds the inode of every socket in PID's /proc/PID/net/unix to set.
 * Lines that do not parse are passed over: a socket missed here only costs
 * the caller an xattr later.  0 or -errno.
 */
int sock_read_unix_inodes(pid_t pid, struct inode_map *set);
/*
 * How many sockets of every kind PID's network namespace has ("sockets:
 * used" in /proc/PID/net/sockstat): the size of its tables, for the price of
 * one small read.  0 or -errno.
 */
int sock_count_netns(pid_t pid, uint64_t *used);
/*
 * The same for the unix sockets of fdclose's own network namespace, asked
 * of NETLINK_SOCK_DIAG: the kernel then sends 32 bytes per socket instead
 * of formatting a line with its path, a third of the cost.  0 or -errno.
 */
int sock_unix_inodes_here(struct inode_map *set);

#endif
