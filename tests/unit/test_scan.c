// SPDX-License-Identifier: GPL-2.0-or-later
/* The whole scan on the recorded /proc tree: what is found, filtered and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/diag.h"
#include "scan/proc.h"
#include "scan/scan.h"

static void use_root(const char *path)
{
	assert_int_equal(setenv(PROC_ROOT_ENV, path, 1), 0);
	proc_reset();
}

static int use_proc_tree(void **state)
{
	const char *dir = getenv("FDCLOSE_TEST_DATA");
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/proc", dir && *dir ? dir : "tests/data");
	if (access(path, X_OK)) {
		fprintf(stderr, "%s: run the tests from the repository root\n", path);
		return -1;
	}
	use_root(path);
	return 0;
}

static const struct tcp_sock *sock_of(const struct scan_result *r, size_t i)
{
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
}

static struct scan_result scan(const pid_t *pids, size_t npids, int port)
{
	struct scan_result r = { 0 };
	struct scan_filter f;

	scan_filter_init(&f);
	f.pids = pids;
	f.npids = npids;
	f.port = port;
	assert_int_equal(scan_closewait(&f, &r), 0);
	return r;
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
}

static void test_everything(void **state)
{
	struct scan_result r = scan(NULL, 0, -1);

	(void)state;
	assert_int_equal(r.count, 5);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 1, 1, 6, 1003);
	holder_is(&r, 2, 100, 3, 1001);		/* the same socket, inherited */
	holder_is(&r, 3, 100, 7, 1004);
	holder_is(&r, 4, 201, 4, 2001);		/* the container's */
	assert_int_equal(r.holders[0].sock, r.holders[2].sock);
	assert_string_equal(r.holders[0].comm, "systemd");
	assert_string_equal(r.holders[3].comm, "worker");
	assert_string_equal(r.holders[4].comm, "x\"\\\t\x01\xffy\nz");
	assert_int_equal(sock_of(&r, 0)->netns, 4026531840ULL);
	assert_int_equal(sock_of(&r, 0)->rx_queue, 1);
	assert_int_equal(sock_of(&r, 1)->family, AF_INET6);
	assert_int_equal(sock_of(&r, 4)->netns, 4026532100ULL);

	/* Each namespace read once: 1001, 1003, 1004, 2001 and one without a file. */
	assert_int_equal(r.socks.count, 5);
	assert_non_null(tcp_find_inode(&r.socks, 0));
	assert_null(tcp_find_inode(&r.socks, 1002));		/* ESTAB */
	assert_null(tcp_find_inode(&r.socks, 2002));

	assert_int_equal(r.stats.netns, 2);
	assert_int_equal(r.stats.netns_failed, 0);
	assert_int_equal(r.stats.procs, 4);		/* 1, 100, 200, 201 */
	assert_int_equal(r.stats.vanished, 2);		/* 400 (no ns), 500 (no fd) */
	assert_int_equal(r.stats.denied, 0);
	assert_int_equal(r.stats.unreadable, 1);	/* 300 */
	assert_int_equal(r.stats.malformed, 1);
	scan_result_free(&r);
	assert_null(r.holders);
	assert_null(r.socks.socks);
	assert_int_equal(r.count, 0);
}

static void test_pid_filter(void **state)
{
	static const pid_t one[] = { 100 };
	static const pid_t repeated[] = { 201, 100, 100, 1 };
	static const pid_t absent[] = { 99999, 300 };
	struct scan_result r;

	(void)state;
	r = scan(one, 1, -1);
	assert_int_equal(r.count, 2);
	holder_is(&r, 0, 100, 3, 1001);
	holder_is(&r, 1, 100, 7, 1004);
	assert_int_equal(r.stats.procs, 1);
	assert_int_equal(r.stats.vanished, 0);	/* 400's and 500's troubles are not ours */
	scan_result_free(&r);

	r = scan(repeated, 4, -1);
	assert_int_equal(r.count, 5);
	holder_is(&r, 0, 1, 3, 1001);
	holder_is(&r, 4, 201, 4, 2001);
	assert_int_equal(r.stats.procs, 3);
	scan_result_free(&r);

	diag_quiet = 1;
	r = scan(absent, 2, -1);
	diag_quiet = 0;
	assert_int_equal(r.count, 0);
	assert_int_equal(r.stats.vanished, 1);
	assert_int_equal(r.stats.unreadable, 1);
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
	scan_result_free(&r);
}

/* No CLOSE_WAIT socket left after filtering: the fd tables are not walked at all. */
static void test_no_closewait_skips_walk(void **state)
{
	struct scan_result r = scan(NULL, 0, 1);

	(void)state;
	assert_int_equal(r.count, 0);
	assert_int_equal(r.socks.count, 0);
	assert_int_equal(r.stats.procs, 0);
	assert_int_equal(r.stats.netns, 2);
	assert_int_equal(r.stats.unreadable, 0);	/* 300 was never looked at */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_init),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_pid_filter),
		cmocka_unit_test(test_port_filter),
		cmocka_unit_test(test_no_closewait_skips_walk),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests_name("scan", tests, use_proc_tree, NULL);
}
