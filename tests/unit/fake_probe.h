/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel would say about the sockets of the recorded tree
 * (tests/data/proc) that no table lists.  The recorded fds are symlinks, so
 * neither the xattr nor pidfd_getfd() can ask the real kernel: the scan is
 * pointed here with scan_set_sock_probe(&fake_probe).
 */
#ifndef FDCLOSE_TESTS_FAKE_PROBE_H
#define FDCLOSE_TESTS_FAKE_PROBE_H

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "scan/scan.h"
#include "scan/sockprobe.h"

struct fake_sock {
	pid_t pid;
	int fd;
	const char *proto;
	int err;			/* inspect()'s return */
	struct sock_state st;
};

#define FAKE_CONTAINER_ORPHAN_NS 4026532200ULL

static const struct fake_sock fake_socks[] = {
	/* Reset: unhashed, the fd stays; 3 unread bytes. */
	{ 1, 8, "TCP", 0, { .sock = { .state = TCPS_CLOSE, .family = AF_INET, .uid = 1000,
				     .rx_queue = 3 }, .carried = true } },
	{ 100, 8, "TCP", 0, { .sock = { .state = TCPS_CLOSE, .family = AF_INET, .uid = 1000,
				       .rx_queue = 3 }, .carried = true } },
	{ 1, 9, "UNIX", 0, { .sock = { 0 } } },
	/* A socket() not connected yet: CLOSE, but never a connection. */
	{ 1, 13, "TCP", 0, { .sock = { .state = TCPS_CLOSE, .family = AF_INET, .uid = 1000 } } },
	/* Connected after the tables were read. */
	{ 1, 14, "TCP", 0, { .sock = { .state = TCPS_ESTABLISHED, .family = AF_INET,
				      .uid = 1000 }, .carried = true } },
	{ 201, 5, "TCPv6", 0, { .sock = { .state = TCPS_CLOSE, .family = AF_INET6, .uid = 33 },
				.carried = true } },
	/* CLOSE_WAIT in a namespace that no process is in any more; its TCP_INFO ages it. */
	{ 201, 6, "TCP", 0, { .sock = { .state = TCPS_CLOSE_WAIT, .family = AF_INET, .uid = 33,
				       .rx_queue = 1, .netns = FAKE_CONTAINER_ORPHAN_NS,
				       .age_ms = 90 * 60000,
				       .local_port = 5000, .remote_port = 6000,
				       .local_addr = { 10, 9, 0, 2 },
				       .remote_addr = { 10, 9, 0, 1 } }, .carried = true } },
};

/* Extra answers a test adds for a tree of its own. */
static const struct fake_sock *fake_more;
static size_t fake_nmore;
static size_t fake_protocol_calls;
static size_t fake_inspect_calls;
/* Called by inspect() before it answers, to change the world meanwhile. */
static void (*fake_inspect_hook)(pid_t pid, int fd);

static const struct fake_sock *fake_find(pid_t pid, int fd)
{
	size_t i;

	for (i = 0; i < sizeof(fake_socks) / sizeof(fake_socks[0]); i++)
		if (fake_socks[i].pid == pid && fake_socks[i].fd == fd)
			return &fake_socks[i];
	for (i = 0; i < fake_nmore; i++)
		if (fake_more[i].pid == pid && fake_more[i].fd == fd)
			return &fake_more[i];
	return NULL;
}

static int fake_protocol(pid_t pid, int fd, char *buf, size_t size)
{
	const struct fake_sock *f = fake_find(pid, fd);

	fake_protocol_calls++;
	if (!f)
		return -ENOENT;
	snprintf(buf, size, "%s", f->proto);
	return 0;
}

static int fake_inspect(pid_t pid, int fd, uint64_t inode, struct sock_state *st)
{
	const struct fake_sock *f = fake_find(pid, fd);

	fake_inspect_calls++;
	if (fake_inspect_hook)
		fake_inspect_hook(pid, fd);
	if (!f)
		return -EBADF;
	if (f->err)
		return f->err;
	*st = f->st;
	st->sock.inode = inode;
	return 0;
}

static const struct sock_probe fake_probe = {
	.protocol = fake_protocol,
	.inspect = fake_inspect,
};

static inline void fake_probe_reset(void)
{
	fake_more = NULL;
	fake_nmore = 0;
	fake_protocol_calls = 0;
	fake_inspect_calls = 0;
	fake_inspect_hook = NULL;
	scan_set_sock_probe(&fake_probe);
}

#endif
