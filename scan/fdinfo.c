// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/fdinfo.h"
#include "scan/fdtable.h"
#include "scan/proc.h"

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

int fd_describe(pid_t pid, int fd, struct fd_desc *d)
{
	struct stat st;
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	n = proc_readlink(d->link, sizeof(d->link), "%d/fd/%d", pid, fd);
	if (n < 0) {
		if (n == -ENOENT && proc_stat(&st, "%d", pid) == -ENOENT)
			return -ESRCH;
		return (int)n;
	}
	ret = proc_stat(&st, "%d/fd/%d", pid, fd);
	if (ret)
		return ret;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->kind = kind_of_link(d->link);
	if (d->kind == FDK_SOCKET &&
	    proc_getxattr("system.sockprotoname", d->proto, sizeof(d->proto),
			  "%d/fd/%d", pid, fd) < 0)
		d->proto[0] = '\0';
	return 0;
}

/* The "flags:" line of a /proc/PID/fdinfo/FD text, in octal; 0 or -EINVAL. */
int fdinfo_parse_flags(const char *text, unsigned long *flags)
{
	const char *line = strstr(text, "\nflags:\t");
	char *end;

	if (!strncmp(text, "flags:\t", 7))
		line = text;
	else if (line)
		line++;
	else
		return -EINVAL;
	errno = 0;
	*flags = strtoul(line + 7, &end, 8);
	if (errno || end == line + 7 || *end != '\n')
		return -EINVAL;
	return 0;
}

int fd_read_cloexec(pid_t pid, int fd, bool *cloexec)
{
	unsigned long flags;
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/fdinfo/%d", pid, fd);
	if (ret)
		return ret;
	ret = fdinfo_parse_flags(text, &flags);
	free(text);
	if (!ret)
		*cloexec = flags & O_CLOEXEC;
	return ret;
}

/* Every socket lives on the one sockfs: one fstat of a socket of ours gives its device. */
static dev_t sockfs_dev(void)
{
	static dev_t dev;
	static bool known;
	struct stat st;
	int fd;

	if (known)
		return dev;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !fstat(fd, &st)) {
		dev = st.st_dev;
		known = true;
	}
	if (fd >= 0)
		close(fd);
	return dev;
}

void fd_desc_for_socket(struct fd_desc *d, int fd, uint64_t inode)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->kind = FDK_SOCKET;
	snprintf(d->link, sizeof(d->link), "socket:[%" PRIu64 "]", inode);
	d->dev = sockfs_dev();
	d->ino = (ino_t)inode;
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

int fd_still_same(pid_t pid, const struct fd_desc *d)
{
	struct stat st;
	int ret = proc_stat(&st, "%d/fd/%d", pid, d->fd);

	if (ret)
		return ret;
	return st.st_dev == d->dev && st.st_ino == d->ino ? 0 : -ESTALE;
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
