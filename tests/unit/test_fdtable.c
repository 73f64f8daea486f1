// SPDX-License-Identifier: GPL-2.0-or-later
/* The inode map and the fd walk on recorded and generated trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "scan/fdtable.h"
#include "proc/pid.h"
#include "proc/proc.h"

static void test_inode_map(void **state)
{
	struct inode_map m;
	size_t i, val = 0;

	(void)state;
	assert_int_equal(inode_map_init(&m, 4), 0);
	assert_false(inode_map_get(&m, 1, &val));
	assert_int_equal(inode_map_put(&m, 0, 1), -EINVAL);
	assert_int_equal(inode_map_put(&m, 1001, 7), 0);
	assert_int_equal(inode_map_put(&m, 1001, 8), -EEXIST);
	assert_true(inode_map_get(&m, 1001, &val));
	assert_int_equal(val, 7);
	assert_false(inode_map_get(&m, 0, &val));
	/* Far past the expected size, with keys that differ in high bits only. */
	for (i = 1; i <= 100000; i++)
		assert_int_equal(inode_map_put(&m, (uint64_t)i << 40, i), 0);
	assert_int_equal(m.count, 100001);
	assert_true(m.count * 2 <= m.mask + 1);
	for (i = 1; i <= 100000; i++) {
		assert_true(inode_map_get(&m, (uint64_t)i << 40, &val));
		assert_int_equal(val, i);
	}
	assert_false(inode_map_get(&m, 100001ULL << 40, NULL));
	assert_true(inode_map_get(&m, 1001, NULL));
	inode_map_free(&m);
	assert_null(m.keys);
	assert_false(inode_map_get(&m, 1001, NULL));
}

/* The CLOSE_WAIT inodes of the recorded tree, valued as in socks[]. */
static void want_recorded(struct inode_map *m)
{
	assert_int_equal(inode_map_init(m, 4), 0);
	assert_int_equal(inode_map_put(m, 1001, 0), 0);
	assert_int_equal(inode_map_put(m, 1003, 1), 0);
	assert_int_equal(inode_map_put(m, 1004, 2), 0);
	assert_int_equal(inode_map_put(m, 2001, 3), 0);
}

static void holder_is(const struct holder *h, pid_t pid, int fd, size_t sock, const char *comm)
{
	assert_int_equal(h->pid, pid);
	assert_int_equal(h->fd, fd);
	assert_int_equal(h->sock, sock);
	assert_string_equal(h->comm, comm);
}

static void test_collect_recorded(void **state)
{
	static const pid_t pids[] = { 1, 100, 201, 300, 500, 99999 };
	struct scan_result r = { 0 };
	struct inode_map want;

	(void)state;
	use_recorded_proc();
	want_recorded(&want);
	assert_int_equal(fdtable_collect(&want, pids, 6, false, &r), 0);
	assert_int_equal(r.count, 5);
	holder_is(&r.holders[0], 1, 3, 0, "systemd");
	holder_is(&r.holders[1], 1, 6, 1, "systemd");
	holder_is(&r.holders[2], 100, 3, 0, "worker");	/* inherited across fork */
	holder_is(&r.holders[3], 100, 7, 2, "worker");
	holder_is(&r.holders[4], 201, 4, 3, "x\"\\\t\x01\xffy\nz");
	assert_int_equal(r.stats.procs, 3);
	assert_int_equal(r.stats.unreadable, 1);	/* 300: fd is a file */
	assert_int_equal(r.stats.vanished, 2);		/* 500 and 99999 */
	assert_int_equal(r.stats.denied, 0);
	inode_map_free(&want);
	scan_result_free(&r);
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	return x->pid != y->pid ? (x->pid > y->pid) - (x->pid < y->pid) : x->fd - y->fd;
}

/* No pids: every process of the proc root, in directory order. */
static void test_collect_every_process(void **state)
{
	struct scan_result r = { 0 };
	struct inode_map want;

	(void)state;
	use_recorded_proc();
	want_recorded(&want);
	assert_int_equal(fdtable_collect(&want, NULL, 0, false, &r), 0);
	assert_int_equal(r.count, 5);
	qsort(r.holders, r.count, sizeof(*r.holders), cmp_holder);
	holder_is(&r.holders[0], 1, 3, 0, "systemd");
	holder_is(&r.holders[2], 100, 3, 0, "worker");
	holder_is(&r.holders[4], 201, 4, 3, "x\"\\\t\x01\xffy\nz");
	assert_int_equal(r.stats.procs, 5);		/* 1, 100, 200, 201, 600 */
	assert_int_equal(r.stats.vanished, 2);		/* 400 and 500 have no fd/ */
	assert_int_equal(r.stats.unreadable, 1);
	inode_map_free(&want);
	scan_result_free(&r);

	use_root("/nonexistent/fdclose-proc");
	assert_int_equal(inode_map_init(&want, 1), 0);
	assert_int_equal(fdtable_collect(&want, NULL, 0, false, &r), -ENOENT);
	inode_map_free(&want);
	scan_result_free(&r);
}

/* Asked-for pids are warned about instead of passed over; the counts are the same. */
static void test_collect_warns_for_asked_pids(void **state)
{
	static const pid_t pids[] = { 300, 99999 };
	struct scan_result r = { 0 };
	struct inode_map want;

	(void)state;
	use_recorded_proc();
	want_recorded(&want);
	diag_quiet = 1;		/* test_list checks what the user sees */
	assert_int_equal(fdtable_collect(&want, pids, 2, true, &r), 0);
	diag_quiet = 0;
	assert_int_equal(r.count, 0);
	assert_int_equal(r.stats.unreadable, 1);
	assert_int_equal(r.stats.vanished, 1);
	inode_map_free(&want);
	scan_result_free(&r);
}

static void test_collect_nothing_wanted(void **state)
{
	static const pid_t pids[] = { 1, 100, 201 };
	struct scan_result r = { 0 };
	struct inode_map want;

	(void)state;
	use_recorded_proc();
	assert_int_equal(inode_map_init(&want, 0), 0);
	assert_int_equal(fdtable_collect(&want, pids, 3, false, &r), 0);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.stats.procs, 3);
	inode_map_free(&want);
	scan_result_free(&r);
}

#define MANY_FDS 20000

/* One process with many fds, every other one a wanted socket. */
static void test_collect_many_fds(void **state)
{
	char root[] = "/tmp/fdclose-fdtable-XXXXXX", path[PATH_MAX], link[64];
	struct scan_result r = { 0 };
	struct inode_map want;
	pid_t pid = 4242;
	FILE *comm;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/4242", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/4242/fd", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/4242/comm", root);
	comm = fopen(path, "w");
	assert_non_null(comm);
	fputs("busy\n", comm);
	fclose(comm);
	assert_int_equal(inode_map_init(&want, MANY_FDS / 2), 0);
	for (i = 0; i < MANY_FDS; i++) {
		snprintf(path, sizeof(path), "%s/4242/fd/%zu", root, i);
		snprintf(link, sizeof(link), i % 2 ? "socket:[%zu]" : "pipe:[%zu]", 500000 + i);
		assert_int_equal(symlink(link, path), 0);
		if (i % 2)
			assert_int_equal(inode_map_put(&want, 500000 + i, i), 0);
	}
	use_root(root);
	assert_int_equal(fdtable_collect(&want, &pid, 1, false, &r), 0);
	assert_int_equal(r.count, MANY_FDS / 2);
	for (i = 0; i < r.count; i++) {
		assert_int_equal(r.holders[i].sock, (size_t)r.holders[i].fd);
		assert_int_equal(r.holders[i].fd % 2, 1);
	}
	assert_string_equal(r.holders[0].comm, "busy");
	inode_map_free(&want);
	scan_result_free(&r);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

static void test_inode_set(void **state)
{
	struct inode_map m;
	size_t i, val = 7;

	(void)state;
	assert_int_equal(inode_set_init(&m, 2), 0);
	assert_null(m.vals);
	assert_int_equal(inode_map_put(&m, 5, 123), 0);
	assert_int_equal(inode_map_put(&m, 5, 0), -EEXIST);
	assert_true(inode_map_get(&m, 5, &val));
	assert_int_equal(val, 0);		/* a set has no values */
	for (i = 1; i <= 1000; i++)		/* grows past its first size */
		assert_int_equal(inode_map_put(&m, 1000 + i, 0), 0);
	assert_null(m.vals);
	for (i = 1; i <= 1000; i++)
		assert_true(inode_map_get(&m, 1000 + i, NULL));
	assert_false(inode_map_get(&m, 3000, NULL));
	assert_int_equal(m.count, 1001);
	inode_map_free(&m);
}

struct seen_fds {
	int fds[16];
	uint64_t inodes[16];
	size_t n;
	int stop_with;
};

static int note_socket(pid_t pid, int fd, uint64_t inode, void *arg)
{
	struct seen_fds *seen = arg;

	(void)pid;
	assert_true(seen->n < 16);
	seen->fds[seen->n] = fd;
	seen->inodes[seen->n++] = inode;
	return seen->stop_with;
}

static bool saw(const struct seen_fds *seen, int fd, uint64_t inode)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (seen->fds[i] == fd && seen->inodes[i] == inode)
			return true;
	return false;
}

static void test_walk(void **state)
{
	struct seen_fds seen = { .n = 0 };
	size_t nfds = 99;

	(void)state;
	use_recorded_proc();
	assert_int_equal(fdtable_walk(1, note_socket, &seen, &nfds), 0);
	assert_int_equal(nfds, 12);		/* every fd, sockets or not */
	assert_int_equal(seen.n, 10);		/* not 0 (/dev/null) nor 5 (a pipe) */
	assert_true(saw(&seen, 3, 1001));
	assert_true(saw(&seen, 8, 1020));
	assert_true(saw(&seen, 14, 1023));

	/* A zombie leader: its fd/ is empty, its thread's is not. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(fdtable_walk(600, note_socket, &seen, &nfds), 0);
	assert_int_equal(nfds, 2);
	assert_int_equal(seen.n, 1);
	assert_true(saw(&seen, 4, 1005));

	/* The callback's error ends the walk and comes back. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_with = -E2BIG;
	assert_int_equal(fdtable_walk(1, note_socket, &seen, &nfds), -E2BIG);
	assert_int_equal(seen.n, 1);

	assert_int_equal(fdtable_walk(99999, note_socket, &seen, &nfds), -ENOENT);
	assert_int_equal(fdtable_walk(300, note_socket, &seen, &nfds), -ENOTDIR);
}

/* close.c's search for other holders goes through the zombie leader's thread too. */
static void test_collect_zombie_leader(void **state)
{
	static const pid_t pids[] = { 600 };
	struct scan_result r = { 0 };
	struct inode_map want;

	(void)state;
	use_recorded_proc();
	assert_int_equal(inode_map_init(&want, 1), 0);
	assert_int_equal(inode_map_put(&want, 1005, 4), 0);
	assert_int_equal(fdtable_collect(&want, pids, 1, false, &r), 0);
	assert_int_equal(r.count, 1);
	holder_is(&r.holders[0], 600, 4, 4, "zm");
	assert_false(r.holders[0].dead);
	inode_map_free(&want);
	scan_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inode_map),
		cmocka_unit_test(test_collect_recorded),
		cmocka_unit_test(test_collect_every_process),
		cmocka_unit_test(test_collect_warns_for_asked_pids),
		cmocka_unit_test(test_collect_nothing_wanted),
		cmocka_unit_test(test_collect_many_fds),
		cmocka_unit_test(test_inode_set),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_collect_zombie_leader),
	};

	return cmocka_run_group_tests_name("fdtable", tests, NULL, NULL);
}
