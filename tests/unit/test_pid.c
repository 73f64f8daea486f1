// SPDX-License-Identifier: GPL-2.0-or-later
/* The proc tier's facts about a pid, on recorded and generated trees. */
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

#include "proc/fd.h"
#include "proc/pid.h"
#include "proc/proc.h"

static void test_parse_link_inode(void **state)
{
	static const char *const bad[] = {
		"socket:[]", "socket:[12a]", "socket:[-1]", "socket:[ 1]", "socket:[1",
		"socket:[1]x", "socket:1", "socket[1]", "pipe:[1]", "sock:[1]", "socket",
		"", "/dev/null", "socket:[18446744073709551616]", "anon_inode:[eventpoll]",
	};
	uint64_t inode = 7;
	size_t i;

	(void)state;
	assert_int_equal(parse_link_inode("socket:[12345]", "socket", &inode), 0);
	assert_int_equal(inode, 12345);
	assert_int_equal(parse_link_inode("socket:[18446744073709551615]", "socket", &inode), 0);
	assert_int_equal(inode, UINT64_MAX);
	assert_int_equal(parse_link_inode("net:[4026531840]", "net", &inode), 0);
	assert_int_equal(inode, 4026531840ULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		inode = 7;
		if (parse_link_inode(bad[i], "socket", &inode) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(inode, 7);
	}
}

static void stat_is(const char *text, char state, unsigned long flags,
		    unsigned long long start_time)
{
	struct task_stat st;

	assert_int_equal(task_stat_parse(text, &st), 0);
	assert_int_equal(st.state, state);
	assert_int_equal(st.flags, flags);
	assert_int_equal(st.start_time, start_time);
}

static void test_task_stat_parse(void **state)
{
	struct task_stat st;

	(void)state;
	stat_is("601 (zm) S 1 600 600 0 -1 4194560 90 0 0 0 1 2 0 0 20 0 2 0 5001 9000000 200\n",
		'S', 4194560, 5001);
	/* A comm may hold spaces and ")": the last ")" ends it. */
	stat_is("7 (a) b) (c) R 1 7 7 34816 7 4194304 0 0 0 0 0 0 0 0 20 0 1 0 123456789 0 0\n",
		'R', 4194304, 123456789);
	/* Negative priority and nice (a real-time thread, a niced one). */
	stat_is("8 (rt) D 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 -51 -20 1 0 99 0 0\n",
		'D', 2129984, 99);
	stat_is("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n",
		'S', TASK_FLAG_KTHREAD | 0x8040, 1);
	assert_int_equal(task_stat_parse("", &st), -EINVAL);
	assert_int_equal(task_stat_parse("9 (cut) S 1 2 3", &st), -EINVAL);
	assert_int_equal(task_stat_parse("9 (x)S 1", &st), -EINVAL);
	assert_int_equal(task_stat_parse("9 (x) S 1 2 3 4 5 six 7", &st), -EINVAL);
	assert_int_equal(task_stat_parse("9 no parenthesis S 1", &st), -EINVAL);
}

static void test_live_thread(void **state)
{
	struct task_stat st;

	(void)state;
	use_recorded_proc();
	/* 600's leader is a zombie (Z in its stat); 601 sleeps on. */
	assert_int_equal(task_stat_read(600, 600, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(pid_live_thread(600), 601);
	/* Only the leader, or no task/ at all: none. */
	assert_int_equal(pid_live_thread(1), 0);
	assert_int_equal(pid_live_thread(99999), 0);
	assert_int_equal(task_stat_read(99999, 99999, &st), -ENOENT);
}

static void test_netns(void **state)
{
	uint64_t inode = 0;

	(void)state;
	use_recorded_proc();
	assert_int_equal(pid_netns(1, &inode), 0);
	assert_int_equal(inode, 4026531840ULL);
	inode = 0;
	assert_int_equal(pid_netns(600, &inode), 0);	/* through thread 601 */
	assert_int_equal(inode, 4026531840ULL);
	assert_int_equal(pid_netns(201, &inode), 0);
	assert_int_equal(inode, 4026532100ULL);
	assert_int_equal(pid_netns(400, &inode), -ENOENT);	/* a zombie without threads */
	/* A recorded tree has no self/. */
	assert_int_equal(self_netns(&inode), -ENOENT);
}

static void test_fd_ident(void **state)
{
	struct fd_ident id = { 0 }, other;

	(void)state;
	use_root("/proc");
	assert_int_equal(fd_ident_read(getpid(), 0, &id), 0);
	assert_int_equal(id.fd, 0);
	assert_int_equal(fd_ident_check(getpid(), &id), 0);
	other = id;
	other.ino++;
	assert_int_equal(fd_ident_check(getpid(), &other), -ESTALE);
	assert_int_equal(fd_ident_read(getpid(), 9999, &other), -ENOENT);
	assert_true(fd_ident_matches(0, &id));
	assert_false(fd_ident_matches(0, &other));
	fd_ident_of_socket(&other, 7, 12345);
	assert_int_equal(other.fd, 7);
	assert_int_equal(other.ino, 12345);
}

static void test_count_fds(void **state)
{
	size_t n = 0;

	(void)state;
	use_recorded_proc();
	assert_int_equal(pid_count_fds(1, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(pid_count_fds(100, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(pid_count_fds(600, &n), 0);	/* through thread 601 */
	assert_int_equal(n, 2);
	assert_int_equal(pid_count_fds(200, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pid_count_fds(99999, &n), -ENOENT);
	assert_int_equal(pid_count_fds(500, &n), -ENOENT);
}

static char own_root[PATH_MAX];

static void own_file(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", own_root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#define LIMITS_HEAD "Limit                     Soft Limit           Hard Limit           Units     \n" \
	"Max cpu time              unlimited            unlimited            seconds   \n"

static void nofile_is(const char *limits, int want_ret, uint64_t want)
{
	uint64_t soft = 4242;

	own_file("7/limits", limits);
	assert_int_equal(pid_nofile_limit(7, &soft), want_ret);
	assert_int_equal(soft, want_ret ? 4242 : want);
}

static void test_nofile_limit(void **state)
{
	char cmd[PATH_MAX + 16];
	uint64_t soft = 1;

	(void)state;
	use_recorded_proc();
	assert_int_equal(pid_nofile_limit(1, &soft), 0);
	assert_int_equal(soft, 1024);
	assert_int_equal(pid_nofile_limit(100, &soft), 0);
	assert_int_equal(soft, 0);		/* unlimited */
	assert_int_equal(pid_nofile_limit(201, &soft), -ENOENT);

	snprintf(own_root, sizeof(own_root), "/tmp/fdclose-limits-XXXXXX");
	assert_non_null(mkdtemp(own_root));
	snprintf(cmd, sizeof(cmd), "%s/7", own_root);
	assert_int_equal(mkdir(cmd, 0755), 0);
	use_root(own_root);
	nofile_is(LIMITS_HEAD "Max open files            1048576              1048576              files     \n",
		  0, 1048576);
	nofile_is(LIMITS_HEAD "Max open files            18446744073709551614 unlimited            files     \n",
		  0, 18446744073709551614ULL);
	nofile_is(LIMITS_HEAD, -EINVAL, 0);	/* no such line */
	nofile_is(LIMITS_HEAD "Max open files            many                 1024                 files     \n",
		  -EINVAL, 0);
	nofile_is(LIMITS_HEAD "Max open files            99999999999999999999 1024                 files     \n",
		  -EINVAL, 0);
	nofile_is(LIMITS_HEAD "Max open files            1024", -EINVAL, 0);	/* cut short */
	nofile_is(LIMITS_HEAD "Max open filesystems      10                   10                   files     \n",
		  -EINVAL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", own_root);
	assert_int_equal(system(cmd), 0);
}

static void test_read_comm(void **state)
{
	char comm[COMM_LEN], cmd[PATH_MAX + 16];

	(void)state;
	use_recorded_proc();
	assert_int_equal(pid_comm(100, comm), 0);
	assert_string_equal(comm, "worker");
	assert_int_equal(pid_comm(201, comm), 0);
	assert_string_equal(comm, "x\"\\\t\x01\xffy\nz");	/* only the last newline goes */
	assert_int_equal(pid_comm(99999, comm), -ENOENT);

	snprintf(own_root, sizeof(own_root), "/tmp/fdclose-comm-XXXXXX");
	assert_non_null(mkdtemp(own_root));
	snprintf(cmd, sizeof(cmd), "%s/7", own_root);
	assert_int_equal(mkdir(cmd, 0755), 0);
	use_root(own_root);
	own_file("7/comm", "a-name-longer-than-the-kernel-keeps\n");
	assert_int_equal(pid_comm(7, comm), 0);
	assert_string_equal(comm, "a-name-longer-t");
	own_file("7/comm", "");
	assert_int_equal(pid_comm(7, comm), 0);
	assert_string_equal(comm, "");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", own_root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_link_inode),
		cmocka_unit_test(test_task_stat_parse),
		cmocka_unit_test(test_live_thread),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_fd_ident),
		cmocka_unit_test(test_count_fds),
		cmocka_unit_test(test_nofile_limit),
		cmocka_unit_test(test_read_comm),
	};

	return cmocka_run_group_tests_name("pid", tests, NULL, NULL);
}
