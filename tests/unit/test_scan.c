// SPDX-License-Identifier: GPL-2.0-or-later
/* The whole scan on the recorded /proc tree: what is found, filtered and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "proc/proc.h"
#include "scan/scan.h"
#include "fake_probe.h"

#define HOST_NS 4026531840ULL
#define CONTAINER_NS 4026532100ULL
#define ODD_COMM "x\"\\\t\x01\xffy\nz"

static int use_proc_tree(void **state)
{
	(void)state;
	use_recorded_proc();
	fake_probe_reset();
	return 0;
}

static const struct tcp_sock *sock_of(const struct scan_result *r, size_t i)
{
	assert_true(i < r->count);
	assert_true(r->holders[i].sock < r->socks.count);
	return &r->socks.socks[r->holders[i].sock];
}

static void holder_is(const struct scan_result *r, size_t i, pid_t pid, int fd,
		      uint64_t inode)
{
	assert_true(i < r->count);
	assert_int_equal(r->holders[i].pid, pid);
	assert_int_equal(r->holders[i].fd, fd);
	assert_int_equal(sock_of(r, i)->inode, inode);
	assert_int_equal(sock_of(r, i)->state, TCPS_CLOSE_WAIT);
	assert_false(r->holders[i].dead);
}

static void dead_is(const struct scan_result *r, size_t i, pid_t pid, int fd, uint64_t inode)
{
	static const uint8_t zero[16];
	const struct tcp_sock *s;

	assert_true(i < r->count);
	assert_int_equal(r->holders[i].pid, pid);
	assert_int_equal(r->holders[i].fd, fd);
	assert_true(r->holders[i].dead);
	s = sock_of(r, i);
	assert_int_equal(s->inode, inode);
	assert_int_equal(s->state, TCPS_CLOSE);
	assert_memory_equal(s->local_addr, zero, 16);
	assert_memory_equal(s->remote_addr, zero, 16);
	assert_int_equal(s->local_port, 0);
	assert_int_equal(s->remote_port, 0);
}

static void backlog_is(const struct scan_result *r, size_t i, pid_t pid, int fd,
		       uint64_t listener, size_t closewait)
{
	const struct tcp_sock *l;

	assert_true(i < r->nbacklogs);
	assert_int_equal(r->backlogs[i].pid, pid);
	assert_int_equal(r->backlogs[i].fd, fd);
	assert_true(r->backlogs[i].listener < r->socks.count);
	l = &r->socks.socks[r->backlogs[i].listener];
	assert_int_equal(l->inode, listener);
	assert_int_equal(l->state, TCPS_LISTEN);
	assert_int_equal(r->backlogs[i].closewait, closewait);
}

static void proc_is(const struct scan_result *r, size_t i, pid_t pid, const char *comm,
		    size_t fds, uint64_t nofile, bool unknown)
{
	assert_true(i < r->nprocs);
	assert_int_equal(r->procs[i].pid, pid);
	assert_string_equal(r->procs[i].comm, comm);
	assert_int_equal(r->procs[i].fds, fds);
	assert_int_equal(r->procs[i].nofile, nofile);
	assert_int_equal(r->procs[i].nofile_unknown, unknown);
}

static struct scan_result scan_with(const struct scan_filter *f)
{
	struct scan_result r = { 0 };

	assert_int_equal(scan_closewait(f, &r), 0);
	return r;
}

static struct scan_result scan(const pid_t *pids, size_t npids, int port)
{
	struct scan_filter f;

	scan_filter_init(&f);
	f.pids = pids;
	f.npids = npids;
	f.port = port;
	return scan_with(&f);
}

static void test_filter_init(void **state)
{
	struct scan_filter f;

	(void)state;
	memset(&f, 0xa5, sizeof(f));
	scan_filter_init(&f);
	assert_int_equal(f.port, -1);
	assert_int_equal(f.npids, 0);
	assert_null(f.pids);
	assert_int_equal(f.uid, -1);
	assert_null(f.comm);
	assert_false(f.local.set);
	assert_false(f.remote.set);
	assert_int_equal(f.local.port, -1);
	assert_int_equal(f.remote.port, -1);
}

static void test_everything(void **state)
{
	struct scan_result r = scan(NULL, 0, -1);
	const struct tcp_sock *s;

	(void)state;
	assert_int_equal(r.count, 10);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 1, 6, 1003);
	dead_is(&r, 2, 1, 8, 1020);
	holder_is(&r, 3, 100, 3, 1001);		/* the same socket, inherited */
	holder_is(&r, 4, 100, 7, 1004);
	dead_is(&r, 5, 100, 8, 1020);		/* the dead one, inherited too */
	holder_is(&r, 6, 201, 4, 2001);		/* the container's */
	dead_is(&r, 7, 201, 5, 2010);
	holder_is(&r, 8, 201, 6, 2011);		/* its namespace has no process */
	holder_is(&r, 9, 600, 4, 1005);		/* through the zombie leader's thread */
	assert_int_equal(r.holders[0].sock, r.holders[3].sock);
	assert_int_equal(r.holders[2].sock, r.holders[5].sock);
	assert_string_equal(r.holders[0].comm, "systemd");
	assert_string_equal(r.holders[2].comm, "systemd");
	assert_string_equal(r.holders[4].comm, "worker");
	assert_string_equal(r.holders[5].comm, "worker");
	assert_string_equal(r.holders[6].comm, ODD_COMM);
	assert_string_equal(r.holders[8].comm, ODD_COMM);
	assert_string_equal(r.holders[9].comm, "zm");
	assert_int_equal(sock_of(&r, 0)->netns, HOST_NS);
	assert_int_equal(sock_of(&r, 0)->rx_queue, 1);
	assert_int_equal(sock_of(&r, 1)->family, AF_INET6);
	assert_int_equal(sock_of(&r, 6)->netns, CONTAINER_NS);

	/* Dead: the family from the protocol name, the rest from the socket. */
	s = sock_of(&r, 2);
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->netns, HOST_NS);
	assert_int_equal(s->uid, 1000);
	assert_int_equal(s->rx_queue, 3);
	s = sock_of(&r, 7);
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->netns, CONTAINER_NS);	/* its holder's */
	assert_int_equal(s->uid, 33);

	/* Found by asking the socket, its own namespace and endpoints. */
	s = sock_of(&r, 8);
	assert_int_equal(s->netns, FAKE_CONTAINER_ORPHAN_NS);
	assert_int_equal(s->local_port, 5000);
	assert_int_equal(s->remote_port, 6000);
	assert_int_equal(s->local_addr[0], 10);
	assert_int_equal(s->remote_addr[3], 1);

	/*
	 * Each namespace read once: 11 CLOSE-WAIT sockets (5 of them queued,
	 * without a file), then the 4 listeners with a queue, then the dead
	 * and the unlisted socket.
	 */
	assert_int_equal(r.socks.count, 11 + 4 + 2 + 1);
	assert_non_null(tcp_find_inode(&r.socks, 0));
	assert_null(tcp_find_inode(&r.socks, 1002));		/* ESTAB */
	assert_null(tcp_find_inode(&r.socks, 2002));
	assert_null(tcp_find_inode(&r.socks, 1000));		/* a listener, no queue */
	assert_null(tcp_find_inode(&r.socks, 1022));		/* never connected */
	assert_null(tcp_find_inode(&r.socks, 1023));		/* made after the tables */
	assert_null(tcp_find_inode(&r.socks, 1021));		/* unix */

	/* Accept queues: one line per holder of the listener. */
	assert_int_equal(r.nbacklogs, 5);
	backlog_is(&r, 0, 0, -1, 2003, 1);	/* nobody we can read holds it */
	assert_string_equal(r.backlogs[0].comm, "");
	backlog_is(&r, 1, 1, 10, 1010, 2);	/* 0.0.0.0:8000 */
	assert_string_equal(r.backlogs[1].comm, "systemd");
	backlog_is(&r, 2, 1, 11, 1011, 1);	/* 127.0.0.1:9999, exact */
	backlog_is(&r, 3, 1, 12, 1012, 1);	/* [::]:8443 takes a v4-mapped one */
	backlog_is(&r, 4, 100, 10, 1010, 2);
	assert_string_equal(r.backlogs[4].comm, "worker");
	assert_int_equal(r.stats.queued_unmatched, 1);	/* 127.0.0.1:7777 */

	/* Every process listed, with its fd count and soft limit. */
	assert_int_equal(r.nprocs, 4);
	proc_is(&r, 0, 1, "systemd", 12, 1024, false);
	proc_is(&r, 1, 100, "worker", 4, 0, false);	/* unlimited */
	proc_is(&r, 2, 201, ODD_COMM, 4, 0, true);	/* no limits file */
	proc_is(&r, 3, 600, "zm", 2, 0, true);

	assert_int_equal(r.stats.netns, 2);
	assert_int_equal(r.stats.netns_failed, 0);
	assert_int_equal(r.stats.procs, 5);		/* 1, 100, 200, 201, 600 */
	assert_int_equal(r.stats.vanished, 2);		/* 400 (no ns), 500 (no fd) */
	assert_int_equal(r.stats.denied, 0);
	assert_int_equal(r.stats.unreadable, 1);	/* 300 */
	assert_int_equal(r.stats.malformed, 1);
	assert_int_equal(r.stats.probed, 7);		/* the sockets in no table */
	assert_int_equal(r.stats.dead, 3);
	assert_int_equal(r.stats.dead_unverified, 0);
	assert_int_equal(r.stats.unlisted, 1);
	assert_int_equal(fake_protocol_calls, 7);
	assert_int_equal(fake_inspect_calls, 6);	/* not the unix one */
	scan_result_free(&r);
	assert_null(r.holders);
	assert_null(r.socks.socks);
	assert_null(r.backlogs);
	assert_null(r.procs);
	assert_int_equal(r.count, 0);
}

/* The kernel as it really is: the recorded links have no xattr, so nothing is dead. */
static void test_real_probe_on_recorded_tree(void **state)
{
	struct scan_result r;

	(void)state;
	scan_set_sock_probe(NULL);
	r = scan(NULL, 0, -1);
	fake_probe_reset();
	assert_int_equal(r.count, 6);
	assert_int_equal(r.stats.dead, 0);
	assert_int_equal(r.stats.unlisted, 0);
	assert_int_equal(r.stats.probed, 7);
	assert_int_equal(fake_protocol_calls, 0);
	scan_result_free(&r);
}

static void test_pid_filter(void **state)
{
	static const pid_t one[] = { 100 };
	static const pid_t repeated[] = { 201, 100, 100, 1 };
	static const pid_t absent[] = { 99999, 300 };
	static const pid_t zombie[] = { 600 };
	struct scan_result r;

	(void)state;
	r = scan(one, 1, -1);
	assert_int_equal(r.count, 3);
	holder_is(&r, 0, 100, 3, 1001);
	holder_is(&r, 1, 100, 7, 1004);
	dead_is(&r, 2, 100, 8, 1020);
	assert_int_equal(r.nbacklogs, 1);	/* not pid 1's, nor the unheld one */
	backlog_is(&r, 0, 100, 10, 1010, 2);
	assert_int_equal(r.nprocs, 1);
	proc_is(&r, 0, 100, "worker", 4, 0, false);
	assert_int_equal(r.stats.procs, 1);
	assert_int_equal(r.stats.vanished, 0);	/* 400's and 500's troubles are not ours */
	scan_result_free(&r);

	r = scan(repeated, 4, -1);
	assert_int_equal(r.count, 9);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 6, 201, 4, 2001);
	assert_int_equal(r.stats.procs, 3);
	assert_int_equal(r.nprocs, 3);
	scan_result_free(&r);

	diag_quiet = 1;
	r = scan(absent, 2, -1);
	diag_quiet = 0;
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 0);
	assert_int_equal(r.nprocs, 0);
	assert_int_equal(r.stats.vanished, 1);
	assert_int_equal(r.stats.unreadable, 1);
	scan_result_free(&r);

	r = scan(zombie, 1, -1);
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 600, 4, 1005);
	scan_result_free(&r);
}

/*
 * --watch without --include-dead: no dead holder, and when the filters can
 * select no socket in the tables, no fd table is walked at all.
 */
static void test_closewait_only(void **state)
{
	struct scan_filter f;
	struct scan_result r;
	size_t i;

	(void)state;
	scan_filter_init(&f);
	f.closewait_only = true;
	r = scan_with(&f);
	assert_true(r.count >= 6);
	for (i = 0; i < r.count; i++)
		assert_false(r.holders[i].dead);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 1, 6, 1003);
	holder_is(&r, 2, 100, 3, 1001);
	holder_is(&r, 3, 100, 7, 1004);
	holder_is(&r, 4, 201, 4, 2001);
	assert_true(r.stats.procs > 0);
	scan_result_free(&r);

	f.port = 1;			/* no socket has it */
	r = scan_with(&f);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.stats.procs, 0);
	scan_result_free(&r);

	f.closewait_only = false;	/* the same filter walks, for the dead ones */
	r = scan_with(&f);
	assert_int_equal(r.count, 0);
	assert_true(r.stats.procs > 0);
	scan_result_free(&r);
}

static void test_port_filter(void **state)
{
	static const pid_t worker[] = { 100 };
	struct scan_result r;

	(void)state;
	r = scan(NULL, 0, 8080);		/* local port */
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 1, 6, 1003);
	assert_int_equal(r.nbacklogs, 0);
	assert_int_equal(r.nprocs, 1);
	scan_result_free(&r);

	r = scan(NULL, 0, 41234);		/* remote port */
	assert_int_equal(r.count, 2);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 100, 3, 1001);
	scan_result_free(&r);

	r = scan(worker, 1, 7000);		/* both filters */
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 100, 7, 1004);
	scan_result_free(&r);

	r = scan(worker, 1, 8080);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nprocs, 0);
	scan_result_free(&r);

	/* A queued connection counts by its own ports: no holder, two backlogs. */
	r = scan(NULL, 0, 8000);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 2);
	backlog_is(&r, 0, 1, 10, 1010, 2);
	backlog_is(&r, 1, 100, 10, 1010, 2);
	assert_int_equal(r.nprocs, 2);
	scan_result_free(&r);

	r = scan(NULL, 0, 51001);		/* one of the two queued */
	assert_int_equal(r.nbacklogs, 2);
	backlog_is(&r, 0, 1, 10, 1010, 1);
	scan_result_free(&r);
}

static void test_comm_filter(void **state)
{
	struct scan_filter f;
	struct scan_result r;

	(void)state;
	scan_filter_init(&f);
	f.comm = "worker";
	r = scan_with(&f);
	assert_int_equal(r.count, 3);
	holder_is(&r, 0, 100, 3, 1001);
	holder_is(&r, 1, 100, 7, 1004);
	dead_is(&r, 2, 100, 8, 1020);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 100, 10, 1010, 2);
	assert_int_equal(r.nprocs, 1);
	assert_int_equal(r.stats.procs, 1);	/* only the worker's fds were walked */
	scan_result_free(&r);

	f.comm = ODD_COMM;		/* exact bytes, newline inside and all */
	r = scan_with(&f);
	assert_int_equal(r.count, 3);
	holder_is(&r, 0, 201, 4, 2001);
	dead_is(&r, 1, 201, 5, 2010);
	holder_is(&r, 2, 201, 6, 2011);
	assert_int_equal(r.nbacklogs, 0);	/* the container's listener: no holder */
	scan_result_free(&r);

	f.comm = "work";		/* exact, not a prefix */
	r = scan_with(&f);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 0);
	assert_int_equal(r.nprocs, 0);
	assert_int_equal(r.stats.procs, 0);
	scan_result_free(&r);
}

static void test_uid_filter(void **state)
{
	static const pid_t container[] = { 201 };
	struct scan_filter f;
	struct scan_result r;

	(void)state;
	scan_filter_init(&f);
	f.uid = 33;
	r = scan_with(&f);
	assert_int_equal(r.count, 3);
	holder_is(&r, 0, 201, 4, 2001);
	dead_is(&r, 1, 201, 5, 2010);		/* its owner, as the socket gave it */
	holder_is(&r, 2, 201, 6, 2011);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 0, -1, 2003, 1);
	scan_result_free(&r);

	f.pids = container;		/* a process filter drops the unheld listener */
	f.npids = 1;
	r = scan_with(&f);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.nbacklogs, 0);
	scan_result_free(&r);

	scan_filter_init(&f);
	f.uid = 0;			/* root owns nothing here */
	r = scan_with(&f);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 0);
	scan_result_free(&r);

	f.uid = 1000;
	r = scan_with(&f);
	assert_int_equal(r.count, 7);
	dead_is(&r, 2, 1, 8, 1020);
	holder_is(&r, 6, 600, 4, 1005);
	assert_int_equal(r.nbacklogs, 4);
	scan_result_free(&r);
}

static struct scan_result scan_addr(const char *local, const char *remote)
{
	struct scan_filter f;

	scan_filter_init(&f);
	if (local)
		assert_int_equal(parse_addr_filter(local, &f.local), 0);
	if (remote)
		assert_int_equal(parse_addr_filter(remote, &f.remote), 0);
	return scan_with(&f);
}

static void test_addr_filters(void **state)
{
	struct scan_result r;

	(void)state;
	/* IPv4 matches its v4-mapped form too; no dead socket has an address. */
	r = scan_addr("127.0.0.1", NULL);
	assert_int_equal(r.count, 4);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 100, 3, 1001);
	holder_is(&r, 2, 100, 7, 1004);		/* [::ffff:127.0.0.1]:7000 */
	holder_is(&r, 3, 600, 4, 1005);
	assert_int_equal(r.nbacklogs, 3);	/* 127.0.0.1:8000 twice, 127.0.0.1:9999 */
	backlog_is(&r, 0, 1, 10, 1010, 2);
	backlog_is(&r, 1, 1, 11, 1011, 1);
	backlog_is(&r, 2, 100, 10, 1010, 2);
	assert_int_equal(r.stats.dead, 0);
	scan_result_free(&r);

	r = scan_addr("[::ffff:127.0.0.1]:7000", NULL);
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 100, 7, 1004);
	assert_int_equal(r.nbacklogs, 0);
	scan_result_free(&r);

	r = scan_addr("::1", NULL);
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 1, 6, 1003);
	scan_result_free(&r);

	r = scan_addr(":8443", NULL);		/* a queue alone */
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 1, 12, 1012, 1);
	assert_int_equal(r.nprocs, 1);
	proc_is(&r, 0, 1, "systemd", 12, 1024, false);
	scan_result_free(&r);

	r = scan_addr(NULL, "10.1.1.2");	/* v4 filter, v4-mapped peer */
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 1, 12, 1012, 1);
	scan_result_free(&r);

	r = scan_addr(NULL, "10.0.0.1");
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 201, 4, 2001);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 0, -1, 2003, 1);
	scan_result_free(&r);

	r = scan_addr(NULL, "*:6000");		/* the unlisted one is a full socket */
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 201, 6, 2011);
	scan_result_free(&r);

	r = scan_addr("127.0.0.1:9999", "127.0.0.1:41234");
	assert_int_equal(r.count, 2);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 100, 3, 1001);
	assert_int_equal(r.nbacklogs, 0);
	scan_result_free(&r);

	/* A listener's address as ss -tln shows it means its queue. */
	r = scan_addr("0.0.0.0:8000", NULL);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 2);
	backlog_is(&r, 0, 1, 10, 1010, 2);
	backlog_is(&r, 1, 100, 10, 1010, 2);
	scan_result_free(&r);

	r = scan_addr("[::]:8443", NULL);
	assert_int_equal(r.nbacklogs, 1);
	backlog_is(&r, 0, 1, 12, 1012, 1);
	scan_result_free(&r);

	r = scan_addr("0.0.0.0", "127.0.0.1:51001");	/* both, one of the two queued */
	assert_int_equal(r.nbacklogs, 2);
	backlog_is(&r, 0, 1, 10, 1010, 1);
	scan_result_free(&r);

	r = scan_addr("0.0.0.0:7777", NULL);	/* no listener to lend its address */
	assert_int_equal(r.nbacklogs, 0);
	assert_int_equal(r.stats.queued_unmatched, 0);
	scan_result_free(&r);

	r = scan_addr("*", NULL);		/* set, so dead sockets still do not match */
	assert_int_equal(r.count, 7);
	assert_int_equal(r.stats.dead, 0);
	scan_result_free(&r);
}

static void test_failures(void **state)
{
	char empty[] = "/tmp/fdclose-scan-XXXXXX";
	struct scan_result r = { 0 };
	struct scan_filter f;

	(void)state;
	scan_filter_init(&f);
	use_root("/nonexistent/fdclose-proc");
	assert_int_equal(scan_closewait(&f, &r), -ENOENT);
	scan_result_free(&r);

	/* Not a single namespace to read: an error, not an empty list. */
	assert_non_null(mkdtemp(empty));
	use_root(empty);
	assert_int_equal(scan_closewait(&f, &r), -ENOENT);
	assert_int_equal(r.count, 0);
	scan_result_free(&r);
	assert_int_equal(rmdir(empty), 0);
	assert_int_equal(use_proc_tree(NULL), 0);
}

/* ------------------------------------------------------------- own trees */

#define HDR4 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
	"retrnsmt   uid  timeout inode\n"
#define HDR6 "  sl  local_address                         remote_address         " \
	"               st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define HDR_UNIX "Num       RefCount Protocol Flags    Type St Inode Path\n"

static char tree[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_dirs(const char *rel)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", tree, rel);
	assert_int_equal(system(cmd), 0);
}

static void make_link(const char *rel, const char *target)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	assert_int_equal(symlink(target, path), 0);
}

/* A tree with one process, pid 42, in namespace 7, holding nothing yet. */
static void new_tree(void)
{
	snprintf(tree, sizeof(tree), "/tmp/fdclose-scan-tree-XXXXXX");
	assert_non_null(mkdtemp(tree));
	make_dirs("42/fd");
	make_dirs("42/ns");
	make_dirs("42/net");
	make_link("42/ns/net", "net:[7]");
	put("42/comm", "own\n");
	put("42/net/tcp", HDR4);
	put("42/net/tcp6", HDR6);
	use_root(tree);
}

static void remove_tree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(use_proc_tree(NULL), 0);
}

/*
 * An fd whose link resolves inside the tree, to a file whose inode is the
 * one the link names: stat(2) through it then proves the fd is that socket,
 * as for a real one.  Returns the inode.
 */
static uint64_t socket_fd(pid_t pid, int fd)
{
	char rel[64], path[PATH_MAX * 2], name[64], target[PATH_MAX * 2];
	struct stat st;

	snprintf(rel, sizeof(rel), "%d/fd/tmp", (int)pid);
	put(rel, "");
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	assert_int_equal(stat(path, &st), 0);
	snprintf(name, sizeof(name), "socket:[%llu]", (unsigned long long)st.st_ino);
	snprintf(target, sizeof(target), "%s/%d/fd/%s", tree, (int)pid, name);
	assert_int_equal(rename(path, target), 0);
	snprintf(rel, sizeof(rel), "%d/fd/%d", (int)pid, fd);
	make_link(rel, name);
	return st.st_ino;
}

static const struct fake_sock no_answer[] = {
	{ 42, 3, "TCP", -EPERM, { .sock = { 0 } } },
	{ 42, 4, "TCP", -ENOSYS, { .sock = { 0 } } },
	{ 42, 5, "TCPv6", -EPERM, { .sock = { 0 } } },
};

/* Without pidfd_getfd() the tables are read again, and what is still missing is dead. */
static void test_dead_unverified(void **state)
{
	struct scan_result r = { 0 };
	struct scan_filter f;
	uint64_t a, b;

	(void)state;
	new_tree();
	fake_probe_reset();
	fake_more = no_answer;
	fake_nmore = 3;
	a = socket_fd(42, 3);
	b = socket_fd(42, 5);
	make_link("42/fd/4", "socket:[999999]");	/* stat cannot prove this one */
	scan_filter_init(&f);
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(r.count, 2);
	dead_is(&r, 0, 42, 3, a);
	dead_is(&r, 1, 42, 5, b);
	assert_int_equal(sock_of(&r, 0)->family, AF_INET);
	assert_int_equal(sock_of(&r, 1)->family, AF_INET6);
	assert_int_equal(sock_of(&r, 0)->uid, getuid());	/* the inode's owner */
	assert_int_equal(sock_of(&r, 0)->netns, 7);
	assert_string_equal(r.holders[0].comm, "own");
	assert_int_equal(r.stats.dead, 2);
	assert_int_equal(r.stats.dead_unverified, 2);
	assert_int_equal(r.nprocs, 1);
	proc_is(&r, 0, 42, "own", 3, 0, true);
	scan_result_free(&r);

	f.uid = (long long)getuid() + 1;	/* the owner counts for --uid */
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(r.count, 0);
	scan_result_free(&r);
	remove_tree();
}

static char race_line[256];

/* The socket gets connected (hashed) while the scan asks about it. */
static void hash_it(pid_t pid, int fd)
{
	(void)pid;
	(void)fd;
	put("42/net/tcp", race_line);
}

static void test_dead_unverified_race(void **state)
{
	struct scan_result r = { 0 };
	struct scan_filter f;
	uint64_t a;

	(void)state;
	new_tree();
	fake_probe_reset();
	fake_more = no_answer;
	fake_nmore = 1;
	a = socket_fd(42, 3);
	snprintf(race_line, sizeof(race_line), HDR4
		 "   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 "
		 "00000000  1000        0 %llu 1 0 20 4 30 10 -1\n", (unsigned long long)a);
	fake_inspect_hook = hash_it;
	scan_filter_init(&f);
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(fake_inspect_calls, 1);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.stats.dead, 0);
	scan_result_free(&r);
	remove_tree();
}

static const struct fake_sock unlisted_no_ns[] = {
	{ 42, 3, "TCP", 0, { .sock = { .state = TCPS_CLOSE_WAIT, .family = AF_INET, .uid = 7,
				      .local_port = 80, .remote_port = 4000,
				      .local_addr = { 10, 0, 0, 1 }, .remote_addr = { 10, 0, 0, 2 } },
			     .carried = true } },
};

/* A CLOSE_WAIT socket the kernel would not name the namespace of: its holder's. */
static void test_unlisted_without_netns(void **state)
{
	struct scan_result r = { 0 };
	struct scan_filter f;

	(void)state;
	new_tree();
	fake_probe_reset();
	fake_more = unlisted_no_ns;
	fake_nmore = 1;
	make_link("42/fd/3", "socket:[4242]");
	scan_filter_init(&f);
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(r.count, 1);
	holder_is(&r, 0, 42, 3, 4242);
	assert_int_equal(sock_of(&r, 0)->netns, 7);
	assert_int_equal(sock_of(&r, 0)->uid, 7);
	assert_int_equal(r.stats.unlisted, 1);
	scan_result_free(&r);
	remove_tree();
}

#define MANY_UNIX 40

static const struct fake_sock lone_tcp[] = {
	{ 42, 100, "TCP", 0, { .sock = { .state = TCPS_CLOSE, .family = AF_INET },
			       .carried = true } },
};

/*
 * Many sockets in no tcp table, nearly all unix: their own table settles
 * them, and only the rest costs a question to the kernel.
 */
static void test_many_candidates_read_unix_table(void **state)
{
	static const pid_t own[] = { 42 };
	char unix_table[MANY_UNIX * 80 + 64], rel[32], link[32], udp[512];
	struct scan_result r = { 0 };
	struct scan_filter f;
	size_t len, i;

	(void)state;
	new_tree();
	fake_probe_reset();
	fake_more = lone_tcp;
	fake_nmore = 1;
	len = (size_t)snprintf(unix_table, sizeof(unix_table), HDR_UNIX);
	for (i = 0; i < MANY_UNIX; i++) {
		snprintf(rel, sizeof(rel), "42/fd/%zu", 10 + i);
		snprintf(link, sizeof(link), "socket:[%zu]", 7000 + i);
		make_link(rel, link);
		/* One in ten without a path: the inode ends the line. */
		len += (size_t)snprintf(unix_table + len, sizeof(unix_table) - len,
					"0000000000000000: 00000002 00000000 00010000 0001 01 "
					"%zu%s\n", 7000 + i, i % 10 ? " /run/x.sock" : "");
	}
	snprintf(unix_table + len, sizeof(unix_table) - len, "a line that says nothing\n");
	put("42/net/unix", unix_table);
	snprintf(udp, sizeof(udp), HDR4
		 "  1: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 "
		 "00000000     0        0 8000 2 0000000000000000 0\n");
	put("42/net/udp", udp);
	make_link("42/fd/60", "socket:[8000]");
	make_link("42/fd/100", "socket:[9000]");
	scan_filter_init(&f);
	assert_int_equal(scan_closewait(&f, &r), 0);
	/* Only the TCP one, and the UDP one: its table is not worth reading. */
	assert_int_equal(fake_protocol_calls, 2);
	assert_int_equal(r.count, 1);
	dead_is(&r, 0, 42, 100, 9000);
	proc_is(&r, 0, 42, "own", MANY_UNIX + 2, 0, true);
	scan_result_free(&r);

	/* With --pid the tables could dwarf the few fds walked: every one is asked. */
	fake_probe_reset();
	fake_more = lone_tcp;
	fake_nmore = 1;
	f.pids = own;
	f.npids = 1;
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(fake_protocol_calls, MANY_UNIX + 2);
	assert_int_equal(r.count, 1);
	scan_result_free(&r);

	/* Unless sockstat tells the table is small enough to be worth it... */
	put("42/net/sockstat", "sockets: used 150\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0\n");
	fake_protocol_calls = 0;
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(fake_protocol_calls, 2);
	scan_result_free(&r);

	/* ...or too big even for a full walk's candidates. */
	put("42/net/sockstat", "sockets: used 100000\n");
	fake_protocol_calls = 0;
	f.npids = 0;
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(fake_protocol_calls, MANY_UNIX + 2);
	assert_int_equal(r.count, 1);
	scan_result_free(&r);

	/* A sockstat that does not say: back to guessing (a full walk reads the table). */
	put("42/net/sockstat", "sockets: used many\n");
	fake_protocol_calls = 0;
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(fake_protocol_calls, 2);
	scan_result_free(&r);
	remove_tree();
}

/*
 * A dual-stack listener and an exact one on the same port: the exact one
 * gets the connections to its own address, the wildcard the rest.
 */
static void test_listener_choice(void **state)
{
	struct scan_result r = { 0 };
	struct scan_filter f;

	(void)state;
	new_tree();
	fake_probe_reset();
	put("42/net/tcp", HDR4
	    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
	    "  1000        0 501 1 0 20 4 30 10 -1\n"
	    "   1: 0100007F:1F90 0200007F:C350 08 00000000:00000001 00:00000000 00000000"
	    "  1000        0 0 1 0 20 4 30 10 -1\n"
	    "   2: 0100000A:1F90 0200000A:C351 08 00000000:00000001 00:00000000 00000000"
	    "  1000        0 0 1 0 20 4 30 10 -1\n"
	    "   3: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
	    "  1000        0 502 1 0 20 4 30 10 -1\n"
	    "   4: 0100007F:1F91 0200007F:C352 08 00000000:00000001 00:00000000 00000000"
	    "  1000        0 0 1 0 20 4 30 10 -1\n");
	/* An IPv6 wildcard does not take IPv4 sockets: those are in tcp6 when it has them. */
	put("42/net/tcp6", HDR6
	    "   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000"
	    " 0A 00000000:00000000 00:00000000 00000000  1000        0 503 1 0 20 4 30 10 -1\n");
	make_link("42/fd/3", "socket:[501]");
	make_link("42/fd/4", "socket:[502]");
	make_link("42/fd/5", "socket:[503]");
	scan_filter_init(&f);
	assert_int_equal(scan_closewait(&f, &r), 0);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.nbacklogs, 2);
	backlog_is(&r, 0, 42, 3, 501, 1);	/* 127.0.0.1:8080 exact */
	backlog_is(&r, 1, 42, 4, 502, 1);	/* 0.0.0.0:8080 for 10.0.0.1 */
	assert_int_equal(r.stats.queued_unmatched, 1);	/* :8081 over IPv4 */
	scan_result_free(&r);
	remove_tree();
}

/* ----------------------------------------------------------------- settle */

static void test_settle_same_scan(void **state)
{
	struct scan_result first = scan(NULL, 0, -1), second = scan(NULL, 0, -1);

	(void)state;
	assert_int_equal(scan_settle(&first, &second), 0);
	assert_int_equal(first.count, 10);
	assert_int_equal(first.nbacklogs, 5);
	assert_int_equal(first.nprocs, 4);
	dead_is(&first, 2, 1, 8, 1020);
	scan_result_free(&first);
	scan_result_free(&second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_init),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_real_probe_on_recorded_tree),
		cmocka_unit_test(test_pid_filter),
		cmocka_unit_test(test_closewait_only),
		cmocka_unit_test(test_port_filter),
		cmocka_unit_test(test_comm_filter),
		cmocka_unit_test(test_uid_filter),
		cmocka_unit_test(test_addr_filters),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_dead_unverified),
		cmocka_unit_test(test_dead_unverified_race),
		cmocka_unit_test(test_unlisted_without_netns),
		cmocka_unit_test(test_many_candidates_read_unix_table),
		cmocka_unit_test(test_listener_choice),
		cmocka_unit_test(test_settle_same_scan),
	};

	return cmocka_run_group_tests_name("scan", tests, use_proc_tree, NULL);
}
