// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/sockdiag.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* Asks for struct tcp_info with each reply: the age of a socket is in it. */
#define DIAG_EXT_INFO (1U << (INET_DIAG_INFO - 1))

/*
 * A netlink socket lives in the namespace it was made in: make it inside the
 * one nsfd names (and close nsfd), then come home.
 */
static int netlink_in(int nsfd)
{
	struct stat theirs;
	uint64_t ours;
	int home, nl, err;

	if (fstat(nsfd, &theirs) == 0 && self_netns(&ours) == 0 && theirs.st_ino == ours) {
		nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		err = nl < 0 ? -errno : nl;
		goto close_nsfd;
	}
	home = proc_open(O_RDONLY, "self/ns/net");
	if (home < 0) {
		err = home;
		goto close_nsfd;
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		err = -errno;
		goto close_home;
	}
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	err = nl < 0 ? -errno : nl;
	if (setns(home, CLONE_NEWNET)) {
		/* fdclose must not go on in another namespace. */
		err = -errno;
		if (nl >= 0)
			close(nl);
	}
close_home:
	close(home);
close_nsfd:
	close(nsfd);
	return err;
}

/* In the namespace of the socket fd, which SIOCGSKNS names. */
static int netlink_in_netns_of(int fd, uint64_t *netns)
{
	struct stat st;
	int nsfd = ioctl(fd, SIOCGSKNS);

	if (nsfd < 0)
		return -errno;
	if (!fstat(nsfd, &st))
		*netns = st.st_ino;
	return netlink_in(nsfd);
}

/* In the namespace of pid, entered through /proc/PID/ns/net. */
static int netlink_in_netns_of_pid(pid_t pid)
{
	int nsfd = proc_open(O_RDONLY, "%d/ns/net", pid);

	return nsfd < 0 ? nsfd : netlink_in(nsfd);
}

/* One exact lookup: the kernel's inet_diag_dump_one path, one hash probe. */
static int lookup(struct sockdiag *d)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST,
		},
		.req = {
			.sdiag_family = d->sock.family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_ext = DIAG_EXT_INFO,
			.idiag_states = ~0U,
			.id = {
				.idiag_sport = htons(d->sock.local_port),
				.idiag_dport = htons(d->sock.remote_port),
				.idiag_cookie = { (uint32_t)d->cookie, (uint32_t)(d->cookie >> 32) },
			},
		},
	};
	/* One socket's answer: some 400 bytes with tcp_info. */
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h = (const void *)buf;
	const struct inet_diag_msg *m;
	ssize_t n;

	memcpy(msg.req.id.idiag_src, d->sock.local_addr, 16);
	memcpy(msg.req.id.idiag_dst, d->sock.remote_addr, 16);
	if (send(d->nl, &msg, sizeof(msg), 0) < 0)
		return -errno;
	n = recv(d->nl, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n))
		return -EPROTO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EPROTO;
		/* A stale cookie means the 4-tuple now belongs to another socket. */
		return e->error == -ESTALE ? -ENOENT : e->error;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EPROTO;
	m = NLMSG_DATA(h);
	d->sock.state = m->idiag_state;
	d->sock.inode = m->idiag_inode;
	d->sock.uid = m->idiag_uid;
	d->sock.rx_queue = m->idiag_rqueue;
	d->sock.tx_queue = m->idiag_wqueue;
	d->sock.age_ms = sockdiag_msg_age(h);
	return 0;
}

static int endpoints(int fd, struct tcp_sock *s)
{
	struct sockaddr_storage local = { 0 }, remote = { 0 };
	socklen_t llen = sizeof(local), rlen = sizeof(remote);

	if (getsockname(fd, (struct sockaddr *)&local, &llen) ||
	    getpeername(fd, (struct sockaddr *)&remote, &rlen))
		return -errno;
	s->family = (uint8_t)local.ss_family;
	if (local.ss_family == AF_INET) {
		const struct sockaddr_in *l = (const void *)&local, *r = (const void *)&remote;

		memcpy(s->local_addr, &l->sin_addr, 4);
		memcpy(s->remote_addr, &r->sin_addr, 4);
		s->local_port = ntohs(l->sin_port);
		s->remote_port = ntohs(r->sin_port);
	} else if (local.ss_family == AF_INET6) {
		const struct sockaddr_in6 *l = (const void *)&local, *r = (const void *)&remote;

		memcpy(s->local_addr, &l->sin6_addr, 16);
		memcpy(s->remote_addr, &r->sin6_addr, 16);
		s->local_port = ntohs(l->sin6_port);
		s->remote_port = ntohs(r->sin6_port);
	} else {
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/*
 * A socket with no peer (a listener, one an RST or ss -K left dead) has no
 * 4-tuple to look up: its own TCP_INFO and address say enough.
 */
static int describe_unconnected(int fd, struct sockdiag *d)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	struct tcp_info info = { 0 };
	struct stat st;
	int nsfd;

	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &len) || fstat(fd, &st))
		return -errno;
	len = sizeof(info.tcpi_state);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len))
		return -errno;
	d->sock.family = (uint8_t)local.ss_family;
	if (local.ss_family == AF_INET) {
		const struct sockaddr_in *l = (const void *)&local;

		memcpy(d->sock.local_addr, &l->sin_addr, 4);
		d->sock.local_port = ntohs(l->sin_port);
	} else {
		const struct sockaddr_in6 *l = (const void *)&local;

		memcpy(d->sock.local_addr, &l->sin6_addr, 16);
		d->sock.local_port = ntohs(l->sin6_port);
	}
	d->sock.state = info.tcpi_state;
	d->sock.inode = st.st_ino;
	nsfd = ioctl(fd, SIOCGSKNS);
	if (nsfd >= 0) {
		if (!fstat(nsfd, &st))
			d->sock.netns = st.st_ino;
		close(nsfd);
	}
	return 0;
}

int sockdiag_describe(int fd, struct sockdiag *d)
{
	int type, proto;
	socklen_t len = sizeof(type);
	int ret;

	memset(d, 0, sizeof(*d));
	d->nl = -1;
	d->sock.age_ms = TCP_AGE_UNKNOWN;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return -errno;
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return -errno;
	if (type != SOCK_STREAM || proto != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	len = sizeof(d->cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &d->cookie, &len))
		return -errno;
	ret = endpoints(fd, &d->sock);
	if (ret == -ENOTCONN)
		return describe_unconnected(fd, d);
	if (ret)
		return ret;
	ret = netlink_in_netns_of(fd, &d->sock.netns);
	if (ret < 0)
		return ret;
	d->nl = ret;
	ret = lookup(d);
	if (ret)
		sockdiag_done(d);
	return ret;
}

int sockdiag_recheck(struct sockdiag *d)
{
	return d->nl < 0 ? -EBADF : lookup(d);
}

void sockdiag_done(struct sockdiag *d)
{
	if (d->nl >= 0)
		close(d->nl);
	d->nl = -1;
}

/*
 * The attribute of that type after the inet_diag_msg of reply h, bounds
 * checked against the reply's own length; NULL when there is none.
 */
static const struct rtattr *diag_attr(const struct nlmsghdr *h, unsigned short type)
{
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct inet_diag_msg)));

	while (off + sizeof(struct rtattr) <= h->nlmsg_len) {
		const struct rtattr *a = (const void *)((const char *)h + off);

		if (a->rta_len < sizeof(*a) || off + a->rta_len > h->nlmsg_len)
			return NULL;
		if ((a->rta_type & NLA_TYPE_MASK) == type)
			return a;
		off += RTA_ALIGN(a->rta_len);
	}
	return NULL;
}

int64_t sockdiag_msg_age(const struct nlmsghdr *h)
{
	const size_t need = offsetof(struct tcp_info, tcpi_last_ack_recv) +
			    sizeof(((struct tcp_info *)0)->tcpi_last_ack_recv);
	const struct rtattr *a;
	uint32_t ms;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return TCP_AGE_UNKNOWN;
	a = diag_attr(h, INET_DIAG_INFO);
	/* An older kernel's tcp_info is shorter: it must reach the field. */
	if (!a || RTA_PAYLOAD(a) < need)
		return TCP_AGE_UNKNOWN;
	memcpy(&ms, (const char *)RTA_DATA(a) + offsetof(struct tcp_info, tcpi_last_ack_recv),
	       sizeof(ms));
	return ms;
}

int sockdiag_msg_sock(const struct nlmsghdr *h, uint64_t netns, struct tcp_sock *s)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	size_t len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EPROTO;
	memset(s, 0, sizeof(*s));
	s->inode = m->idiag_inode;
	s->netns = netns;
	s->tx_queue = m->idiag_wqueue;
	s->rx_queue = m->idiag_rqueue;
	s->uid = m->idiag_uid;
	s->age_ms = sockdiag_msg_age(h);
	s->local_port = ntohs(m->id.idiag_sport);
	s->remote_port = ntohs(m->id.idiag_dport);
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	len = m->idiag_family == AF_INET ? 4 : 16;
	memcpy(s->local_addr, m->id.idiag_src, len);
	memcpy(s->remote_addr, m->id.idiag_dst, len);
	return 0;
}

/*
 * A dump answers in as many datagrams as it takes; 64 KiB each is what the
 * kernel fills at most (sock_diag's dumps stop at a page or two).
 */
#define DUMP_BUF 65536

/*
 * The messages of one recv() of a dump, buf aligned as netlink aligns: 1
 * at NLMSG_DONE, 0 when more is to come, or -errno (an NLMSG_ERROR's, fn's).
 */
static int parse_msgs(const void *buf, size_t len, sockdiag_msg_fn fn, void *arg)
{
	const struct nlmsghdr *h;
	int ret;

	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error >= 0)
				return -EPROTO;
			return e->error;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			ret = fn(h, arg);
			if (ret)
				return ret;
		}
		/*
		 * NLMSG_NEXT() takes the padded length from len: an unpadded
		 * last message would wrap the size_t len and read past buf.
		 */
		if (NLMSG_ALIGN(h->nlmsg_len) >= len)
			break;
	}
	return 0;
}

int sockdiag_dump_each(int nl, const void *req, size_t len, sockdiag_msg_fn fn, void *arg)
{
	char *buf;
	int ret = 0;

	if (send(nl, req, len, 0) < 0)
		return -errno;
	buf = malloc(DUMP_BUF);	/* malloc's alignment is netlink's and more */
	if (!buf)
		return -ENOMEM;
	while (!ret) {
		ssize_t n = recv(nl, buf, DUMP_BUF, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EPROTO;
			break;
		}
		ret = parse_msgs(buf, (size_t)n, fn, arg);
	}
	free(buf);
	return ret < 0 ? ret : 0;
}

struct tcp_dump {
	struct tcp_table *t;
	uint64_t netns;
	unsigned int keep;		/* states kept whole in t */
	sockdiag_inode_fn fn;		/* the others: their inode only */
	void *arg;
};

static int take_tcp_msg(const struct nlmsghdr *h, void *arg)
{
	const struct tcp_dump *d = arg;
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	struct tcp_sock s;
	int ret;

	if (d->fn && h->nlmsg_len >= NLMSG_LENGTH(sizeof(*m)) &&
	    (m->idiag_state >= 32 || !(d->keep & TCP_STATE_BIT(m->idiag_state))))
		return d->fn(m->idiag_inode, d->arg);
	ret = sockdiag_msg_sock(h, d->netns, &s);
	return ret ? ret : tcp_table_append(d->t, &s);
}

int sockdiag_parse_dump(const void *buf, size_t len, uint64_t netns, struct tcp_table *t)
{
	struct tcp_dump d = { .t = t, .netns = netns };

	return parse_msgs(buf, len, take_tcp_msg, &d);
}

static int dump_family(int nl, int family, unsigned int state_mask, const struct tcp_dump *d,
		       uint8_t ext)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_ext = ext,
			.idiag_states = state_mask,
		},
	};

	return sockdiag_dump_each(nl, &msg, sizeof(msg), take_tcp_msg, (void *)d);
}

/*
 * The families of families (TCP_DUMP_V4 | TCP_DUMP_V6) in pid's namespace,
 * the sockets in states to d; d->t is left as it was on a failure.
 */
static int dump_tables(pid_t pid, const struct tcp_dump *d, unsigned int states, uint8_t ext,
		       unsigned int families)
{
	size_t before = d->t->count;
	int nl = netlink_in_netns_of_pid(pid);
	int ret = 0;

	if (nl < 0)
		return nl;
	if (families & TCP_DUMP_V4)
		ret = dump_family(nl, AF_INET, states, d, ext);
	/* A kernel without IPv6 answers ENOENT for that family: nothing to add. */
	if (!ret && families & TCP_DUMP_V6) {
		ret = dump_family(nl, AF_INET6, states, d, ext);
		if (ret == -ENOENT)
			ret = 0;
	}
	close(nl);
	if (ret)
		d->t->count = before;
	return ret;
}

int sockdiag_dump_split(pid_t pid, uint64_t netns, unsigned int state_mask, struct tcp_table *t,
			unsigned int inode_states, sockdiag_inode_fn fn, void *arg)
{
	struct tcp_dump d = { t, netns, state_mask, inode_states ? fn : NULL, arg };

	/*
	 * Every socket's tcp_info, for its age: about 0.2 us a socket more
	 * for the kernel (1 ms in 5,000), a few percent of a --list, which
	 * shows every age anyway.
	 */
	return dump_tables(pid, &d, state_mask | inode_states, DIAG_EXT_INFO,
			   TCP_DUMP_V4 | TCP_DUMP_V6);
}

int sockdiag_dump(pid_t pid, uint64_t netns, unsigned int state_mask, struct tcp_table *t)
{
	return sockdiag_dump_split(pid, netns, state_mask, t, 0, NULL, NULL);
}

int tcp_table_read(struct tcp_table *t, pid_t pid, uint64_t netns, unsigned int state_mask)
{
	if (!sockdiag_dump(pid, netns, state_mask, t))
		return 0;
	return tcp_read(t, pid, netns, state_mask);
}

int tcp_table_read_inodes(struct tcp_table *t, pid_t pid, uint64_t netns,
			  unsigned int state_mask, unsigned int families)
{
	struct tcp_dump d = { .t = t, .netns = netns };

	/* Each dump walks the whole established hash: only the families asked for. */
	if (!dump_tables(pid, &d, state_mask, 0, families))
		return 0;
	return tcp_read(t, pid, netns, state_mask);
}
