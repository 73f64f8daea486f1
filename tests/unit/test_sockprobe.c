// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real kernel's answers about sockets in no table, on the test's own
 * sockets over loopback: a reset one (dead), one in CLOSE_WAIT, one never
 * connected, a unix one.  No privilege needed: a process may always ask
 * about its own fds.  Then the whole scan on the real /proc, for this
 * process alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc/proc.h"
#include "scan/scan.h"
#include "scan/sockprobe.h"

struct pair {
	int listener;
	int client;
	int accepted;
};

static void use_real_proc(void)
{
	assert_int_equal(unsetenv(PROC_ROOT_ENV), 0);
	proc_reset();
}

static uint64_t inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static struct pair connect_loopback(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct pair p;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p.listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p.listener >= 0);
	assert_int_equal(bind(p.listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(p.listener, 4), 0);
	assert_int_equal(getsockname(p.listener, (struct sockaddr *)&addr, &len), 0);
	p.client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p.client >= 0);
	assert_int_equal(connect(p.client, (struct sockaddr *)&addr, sizeof(addr)), 0);
	p.accepted = accept4(p.listener, NULL, NULL, SOCK_CLOEXEC);
	assert_true(p.accepted >= 0);
	return p;
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* The peer hangs up: our end waits in CLOSE_WAIT. */
static struct pair closewait_pair(void)
{
	struct pair p = connect_loopback();

	assert_int_equal(close(p.client), 0);
	p.client = -1;
	pause_ms(20);
	return p;
}

/* The peer resets: our end is unhashed, only the fd keeps it. */
static struct pair dead_pair(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pair p = connect_loopback();

	assert_int_equal(setsockopt(p.client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(close(p.client), 0);
	p.client = -1;
	pause_ms(20);
	return p;
}

static void close_pair(struct pair *p)
{
	if (p->client >= 0)
		close(p->client);
	close(p->accepted);
	close(p->listener);
}

/* Skips when this kernel or sandbox lets nobody ask (no pidfd_getfd, seccomp). */
static int inspect_or_skip(int fd, struct sock_state *st)
{
	int ret = sock_probe_kernel.inspect(getpid(), fd, inode_of(fd), st);

	if (ret == -ENOSYS || ret == -EPERM) {
		print_message("pidfd_getfd() unavailable here (%s): skipped\n", strerror(-ret));
		skip();
	}
	return ret;
}

static void test_protocol_names(void **state)
{
	int tcp = socket(AF_INET, SOCK_STREAM, 0), tcp6 = socket(AF_INET6, SOCK_STREAM, 0);
	int un = socket(AF_UNIX, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);
	char proto[32];
	int family = 0;

	(void)state;
	use_real_proc();
	assert_true(tcp >= 0 && un >= 0 && udp >= 0);
	assert_int_equal(sock_probe_kernel.protocol(getpid(), tcp, proto, sizeof(proto)), 0);
	assert_string_equal(proto, "TCP");
	assert_true(sock_proto_is_tcp(proto, &family));
	assert_int_equal(family, AF_INET);
	if (tcp6 >= 0) {	/* IPv6 may be off */
		assert_int_equal(sock_probe_kernel.protocol(getpid(), tcp6, proto, sizeof(proto)),
				 0);
		assert_string_equal(proto, "TCPv6");
		assert_true(sock_proto_is_tcp(proto, &family));
		assert_int_equal(family, AF_INET6);
		close(tcp6);
	}
	assert_int_equal(sock_probe_kernel.protocol(getpid(), un, proto, sizeof(proto)), 0);
	/* "UNIX", or "UNIX-STREAM" since Linux 6.5: not TCP either way. */
	assert_int_equal(strncmp(proto, "UNIX", 4), 0);
	assert_false(sock_proto_is_tcp(proto, &family));
	assert_int_equal(sock_probe_kernel.protocol(getpid(), udp, proto, sizeof(proto)), 0);
	assert_false(sock_proto_is_tcp(proto, &family));
	assert_false(sock_proto_is_tcp("TCPv7", &family));
	assert_false(sock_proto_is_tcp("", &family));
	assert_int_equal(sock_probe_kernel.protocol(getpid(), 9999, proto, sizeof(proto)),
			 -ENOENT);
	close(tcp);
	close(un);
	close(udp);
}

static void test_inspect(void **state)
{
	struct pair dead = dead_pair(), cw = closewait_pair();
	int fresh = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int un = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	struct sock_state st;

	(void)state;
	use_real_proc();
	assert_int_equal(inspect_or_skip(dead.accepted, &st), 0);
	assert_int_equal(st.sock.state, TCPS_CLOSE);
	assert_true(st.carried);
	assert_int_equal(st.sock.family, AF_INET);
	assert_int_equal(st.sock.inode, inode_of(dead.accepted));
	assert_int_equal(st.sock.uid, getuid());

	assert_int_equal(inspect_or_skip(cw.accepted, &st), 0);
	assert_int_equal(st.sock.state, TCPS_CLOSE_WAIT);
	assert_int_equal(st.sock.local_addr[0], 127);
	assert_int_equal(st.sock.remote_addr[3], 1);
	assert_int_equal(getsockname(cw.listener, (struct sockaddr *)&addr, &len), 0);
	assert_int_equal(st.sock.local_port, ntohs(addr.sin_port));
	assert_true(st.sock.remote_port != 0);

	assert_int_equal(inspect_or_skip(fresh, &st), 0);
	assert_int_equal(st.sock.state, TCPS_CLOSE);
	assert_false(st.carried);		/* never a connection */

	/* Another object behind the fd than the inode we saw: refused. */
	assert_int_equal(sock_probe_kernel.inspect(getpid(), fresh, inode_of(fresh) + 1, &st),
			 -ESTALE);
	assert_int_equal(sock_probe_kernel.inspect(getpid(), un, inode_of(un), &st),
			 -EPROTOTYPE);
	assert_int_equal(sock_probe_kernel.inspect(getpid(), 9999, 1, &st), -EBADF);
	close_pair(&dead);
	close_pair(&cw);
	close(fresh);
	close(un);
}

/*
 * The whole scan on the real /proc, for this process only: the reset
 * socket is a dead holder, the CLOSE_WAIT one an ordinary one, the fresh
 * socket and the listeners nothing.
 */
static void test_scan_self(void **state)
{
	struct pair dead = dead_pair(), cw = closewait_pair();
	int fresh = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t self = getpid();
	struct scan_result r = { 0 };
	struct scan_filter f;
	struct sock_state st;
	size_t i, ndead = 0, ncw = 0;

	(void)state;
	use_real_proc();
	inspect_or_skip(fresh, &st);
	scan_filter_init(&f);
	f.pids = &self;
	f.npids = 1;
	assert_int_equal(scan_closewait(&f, &r), 0);
	for (i = 0; i < r.count; i++) {
		const struct holder *h = &r.holders[i];
		const struct tcp_sock *s = &r.socks.socks[h->sock];

		assert_int_equal(h->pid, self);
		/* Whatever else the test runner left open is not ours to judge. */
		if (h->fd == dead.accepted) {
			assert_true(h->dead);
			assert_int_equal(s->state, TCPS_CLOSE);
			assert_int_equal(s->inode, inode_of(dead.accepted));
			ndead++;
		} else if (h->fd == cw.accepted) {
			assert_false(h->dead);
			assert_int_equal(s->state, TCPS_CLOSE_WAIT);
			ncw++;
		}
		assert_true(h->fd != fresh && h->fd != dead.listener && h->fd != cw.listener);
	}
	assert_int_equal(ndead, 1);
	assert_int_equal(ncw, 1);
	assert_int_equal(r.stats.dead_unverified, 0);
	assert_int_equal(r.nprocs, 1);
	assert_int_equal(r.procs[0].pid, self);
	assert_true(r.procs[0].fds >= 6);
	scan_result_free(&r);
	close_pair(&dead);
	close_pair(&cw);
	close(fresh);
}

/* The unix sockets of our own namespace, over netlink. */
static void test_unix_inodes_here(void **state)
{
	struct inode_map set;
	int sv[2], tcp;
	uint64_t used;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(tcp >= 0);
	assert_int_equal(inode_set_init(&set, 16), 0);
	assert_int_equal(sock_unix_inodes_here(&set), 0);
	assert_true(inode_map_get(&set, inode_of(sv[0]), NULL));
	assert_true(inode_map_get(&set, inode_of(sv[1]), NULL));
	assert_false(inode_map_get(&set, inode_of(tcp), NULL));
	inode_map_free(&set);
	use_real_proc();
	used = 0;
	assert_int_equal(sock_count_netns(getpid(), &used), 0);
	assert_true(used >= 3);		/* ours at least */
	assert_int_equal(sock_count_netns(0, &used), -ENOENT);
	close(sv[0]);
	close(sv[1]);
	close(tcp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_scan_self),
		cmocka_unit_test(test_unix_inodes_here),
	};

	return cmocka_run_group_tests_name("sockprobe", tests, NULL, NULL);
}
