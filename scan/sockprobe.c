// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/sockdiag.h"
#include "scan/sockprobe.h"

bool sock_proto_is_tcp(const char *proto, int *family)
{
	if (!strcmp(proto, "TCP")) {
		*family = AF_INET;
		return true;
	}
	if (!strcmp(proto, "TCPv6")) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

static int kernel_protocol(pid_t pid, int fd, char *buf, size_t size)
{
	ssize_t n = proc_getxattr("system.sockprotoname", buf, size, "%d/fd/%d", (int)pid, fd);

	return n < 0 ? (int)n : 0;
}

/* Host-order port and network-order bytes, as the tcp parser stores them. */
static void take_sockaddr(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	memset(addr, 0, 16);
	*port = 0;
	if (ss->ss_family == AF_INET) {
		memcpy(addr, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(addr, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}

/* A closed socket has no peer (ENOTCONN); its addresses then stay zero. */
static void take_endpoints(int ref, struct tcp_sock *s)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);

	if (getpeername(ref, (struct sockaddr *)&ss, &len))
		return;
	take_sockaddr(&ss, s->remote_addr, &s->remote_port);
	len = sizeof(ss);
	if (!getsockname(ref, (struct sockaddr *)&ss, &len))
		take_sockaddr(&ss, s->local_addr, &s->local_port);
}

static int describe(int ref, const struct stat *st, struct sock_state *out)
{
	struct tcp_sock *s = &out->sock;
	struct tcp_info info;
	socklen_t len = sizeof(int);
	int v;

	if (getsockopt(ref, SOL_SOCKET, SO_PROTOCOL, &v, &len))
		return -errno;
	if (v != IPPROTO_TCP)
		return -EPROTOTYPE;
	len = sizeof(int);
	if (getsockopt(ref, SOL_SOCKET, SO_DOMAIN, &v, &len))
		return -errno;
	s->family = (uint8_t)v;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (getsockopt(ref, IPPROTO_TCP, TCP_INFO, &info, &len))
		return -errno;
	s->state = info.tcpi_state;
	s->age_ms = len < offsetof(struct tcp_info, tcpi_last_ack_recv) +
			  sizeof(info.tcpi_last_ack_recv) ?
		    TCP_AGE_UNKNOWN : info.tcpi_last_ack_recv;
	/* Kernels before 4.2 do not count segments: call it a connection then. */
	out->carried = len < offsetof(struct tcp_info, tcpi_segs_in) + sizeof(info.tcpi_segs_in) ||
		       info.tcpi_segs_in || info.tcpi_segs_out;
	if (!ioctl(ref, SIOCINQ, &v) && v >= 0)
		s->rx_queue = (uint32_t)v;
	if (!ioctl(ref, SIOCOUTQ, &v) && v >= 0)
		s->tx_queue = (uint32_t)v;
	s->uid = (uint32_t)st->st_uid;
	s->inode = st->st_ino;
	s->netns = socket_netns(ref);	/* 0 without CAP_NET_ADMIN there */
	take_endpoints(ref, s);
	return 0;
}

/*
 * Our reference keeps the socket alive until we close it: if the process
 * closed its fd meanwhile, our close is the last one and does what its
 * close would have done.
 */
static int kernel_inspect(pid_t pid, int fd, uint64_t inode, struct sock_state *out)
{
	struct stat st;
	int pidfd, ref, ret;

	memset(out, 0, sizeof(*out));
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	ref = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	ret = ref < 0 ? -errno : 0;
	close(pidfd);
	if (ret)
		return ret;
	if (fstat(ref, &st))
		ret = -errno;
	else if (!S_ISSOCK(st.st_mode) || st.st_ino != inode)
		ret = -ESTALE;
	else
		ret = describe(ref, &st, out);
	close(ref);
	return ret;
}

const struct sock_probe sock_probe_kernel = {
	.protocol = kernel_protocol,
	.inspect = kernel_inspect,
};

/*
 * "Num       RefCount Protocol Flags    Type St Inode Path" then lines like
 * "0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock"
 * (unix_seq_show() in net/unix/af_unix.c): the inode is the seventh field.
 */
static uint64_t unix_line_inode(const char *p, const char *end)
{
	uint64_t v = 0;
	int field;

	for (field = 0; field < 6; field++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return p == end || *p == ' ' ? v : 0;
}

int sock_read_unix_inodes(pid_t pid, struct inode_map *set)
{
	const char *p, *end, *nl;
	uint64_t inode;
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/net/unix", (int)pid);
	if (ret)
		return ret;
	end = text + len;
	nl = memchr(text, '\n', len);	/* the header */
	for (p = nl ? nl + 1 : end; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		inode = unix_line_inode(p, nl);
		if (inode) {
			ret = inode_map_put(set, inode, 0);
			if (ret == -ENOMEM)
				break;
			ret = 0;
		}
	}
	free(text);
	return ret;
}

int sock_count_netns(pid_t pid, uint64_t *used)
{
	static const char key[] = "sockets: used ";
	const char *p;
	uint64_t v = 0;
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/net/sockstat", (int)pid);
	if (ret)
		return ret;
	ret = -EINVAL;
	p = strncmp(text, key, sizeof(key) - 1) ? NULL : text + sizeof(key) - 1;
	if (p && *p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9' && v < UINT64_MAX / 10 - 9; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (*p == '\n') {
			*used = v;
			ret = 0;
		}
	}
	free(text);
	return ret;
}

static int take_unix_msg(const struct nlmsghdr *h, void *arg)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct inode_map *set = arg;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || !m->udiag_ino)
		return 0;
	return inode_map_put(set, m->udiag_ino, 0) == -ENOMEM ? -ENOMEM : 0;
}

int sock_unix_inodes_here(struct inode_map *set)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0u },
	};
	int nl, ret;

	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	ret = sockdiag_dump_each(nl, &msg, sizeof(msg), take_unix_msg, set);
	close(nl);
	return ret;
}
