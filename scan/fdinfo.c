// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/fdinfo.h"

static enum fd_kind kind_of_link(const char *link)
{
	if (!strncmp(link, "socket:[", 8))
		return FDK_SOCKET;
	if (!strncmp(link, "pipe:[", 6))
		return FDK_PIPE;
	if (link[0] == '/')
		return FDK_FILE;
	return FDK_OTHER;
}

int fd_describe(pid_t pid, int fd, struct fd_ident *id, struct fd_desc *d)
{
	struct stat st;
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	id->fd = fd;
	n = proc_readlink(d->link, sizeof(d->link), "%d/fd/%d", pid, fd);
	if (n < 0) {
		if (n == -ENOENT && proc_stat(&st, "%d", pid) == -ENOENT)
			return -ESRCH;
		return (int)n;
	}
	ret = fd_ident_read(pid, fd, id);
	if (ret)
		return ret;
	d->kind = kind_of_link(d->link);
	return 0;
}

void fd_read_proto(pid_t pid, int fd, struct fd_desc *d)
{
	if (d->kind != FDK_SOCKET ||
	    proc_getxattr("system.sockprotoname", d->proto, sizeof(d->proto),
			  "%d/fd/%d", pid, fd) < 0)
		d->proto[0] = '\0';
}

void fd_desc_for_socket(struct fd_ident *id, struct fd_desc *d, int fd, uint64_t inode)
{
	memset(d, 0, sizeof(*d));
	d->kind = FDK_SOCKET;
	snprintf(d->link, sizeof(d->link), "socket:[%" PRIu64 "]", inode);
	fd_ident_of_socket(id, fd, inode);
}

uint64_t fd_socket_inode(const struct fd_desc *d)
{
	uint64_t inode;

	return parse_link_inode(d->link, "socket", &inode) ? 0 : inode;
}

void fd_match_tcp(struct fd_desc *d, const struct tcp_table *table)
{
	const struct tcp_sock *s;

	if (d->kind != FDK_SOCKET)
		return;
	s = tcp_find_inode(table, fd_socket_inode(d));
	if (!s)
		return;
	d->kind = FDK_TCP;
	d->tcp = *s;
}

void fd_summary(const struct fd_desc *d, char *buf, size_t size)
{
	char local[TCP_ENDPOINT_LEN], remote[TCP_ENDPOINT_LEN];

	if (d->kind == FDK_TCP && d->dead) {
		snprintf(buf, size, "tcp socket:[%" PRIu64 "], dead (in no TCP table)",
			 d->tcp.inode);
		return;
	}
	switch (d->kind) {
	case FDK_TCP:
		tcp_format_endpoint(local, sizeof(local), d->tcp.family, d->tcp.local_addr,
				    d->tcp.local_port);
		tcp_format_endpoint(remote, sizeof(remote), d->tcp.family, d->tcp.remote_addr,
				    d->tcp.remote_port);
		snprintf(buf, size, "tcp %s -> %s %s", local, remote,
			 tcp_state_name(d->tcp.state));
		break;
	case FDK_SOCKET:
		if (d->proto[0])
			snprintf(buf, size, "%s %s", d->proto, d->link);
		else
			snprintf(buf, size, "%s", d->link);
		break;
	case FDK_FILE:
		snprintf(buf, size, "file %s", d->link);
		break;
	case FDK_UNKNOWN:
	case FDK_PIPE:
	case FDK_OTHER:
		snprintf(buf, size, "%s", d->link);
		break;
	}
}
