/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one fd of a process is: a TCP connection, another socket, a file... */
#ifndef FDCLOSE_FDINFO_H
#define FDCLOSE_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc/fd.h"
#include "scan/tcp.h"

enum fd_kind {
	FDK_UNKNOWN,		/* not described (e.g. not open) */
	FDK_TCP,		/* found in the tcp tables of the process's namespace */
	FDK_SOCKET,		/* any other socket */
	FDK_PIPE,
	FDK_FILE,		/* a path; possibly deleted */
	FDK_OTHER,		/* anon_inode:..., and the rest */
};

/* What an fd is; which object it is (its identity) is a struct fd_ident. */
struct fd_desc {
	enum fd_kind kind;
	char link[256];		/* what /proc/PID/fd/N points to */
	char proto[16];		/* socket protocol ("TCP", "UNIX", ...), or "" */
	struct tcp_sock tcp;	/* FDK_TCP only */
	bool dead;		/* FDK_TCP in no table: an RST or ss -K left it */
};

/*
 * Fills id and d for fd of pid but d->proto; 0, -ENOENT (not open), -ESRCH
 * (no process), -errno.
 */
int fd_describe(pid_t pid, int fd, struct fd_ident *id, struct fd_desc *d);
/* d->proto of a socket fd ("" when unreadable), wanted when sock_diag could not tell. */
void fd_read_proto(pid_t pid, int fd, struct fd_desc *d);
/* Marks a socket found in table (its process's tcp tables) as FDK_TCP. */
void fd_match_tcp(struct fd_desc *d, const struct tcp_table *table);
/* Fills id and d for a socket fd whose inode a scan found, without reading /proc. */
void fd_desc_for_socket(struct fd_ident *id, struct fd_desc *d, int fd, uint64_t inode);
/* "tcp 127.0.0.1:9999 -> 127.0.0.1:56990 CLOSE-WAIT", "file /var/log/x (deleted)", ... */
void fd_summary(const struct fd_desc *d, char *buf, size_t size);
/* The socket inode of an fd whose link reads "socket:[N]", else 0. */
uint64_t fd_socket_inode(const struct fd_desc *d);

#endif
