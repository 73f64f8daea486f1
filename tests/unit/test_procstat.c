// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The stat and status readers on recorded lines (tests/fuzz/corpus/stat
 * and status hold the same texts as seeds), on malformed ones, and on
 * lines far longer than any fixed buffer: a name of 100,000 bytes is cut
 * to COMM_LEN, never copied whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/target.h"
#include "scan/fdtable.h"
#include "proc/pid.h"
#include "proc/proc.h"

#define PF_KTHREAD 0x00200000UL

/* Recorded: a sleep named "x) (y z", a zombie, and kthreadd. */
static const char odd_comm[] =
	"18159 (x) (y z) S 18026 18026 29257 0 -1 4194304 137 0 0 0 0 0 0 0 20 0 1 0 925341 "
	"2990080 406 18446744073709551615 94693162946560 94693162964489 140736347792880 0 0 0 "
	"0 6 0 1 0 0 17 1 0 0 0 0 0 94693162978576 94693162979840 94693769490432 "
	"140736347793797 140736347793827 140736347793827 140736347795420 0\n";
static const char zombie[] =
	"18254 (sleep) Z 18165 18026 29257 0 -1 4227084 122 0 0 0 0 0 0 0 20 0 1 0 925348 0 0 "
	"18446744073709551615 0 0 0 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
static const char kthreadd[] =
	"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0 18446744073709551615 "
	"0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

static void test_stat_recorded(void **state)
{
	struct task_stat st;

	(void)state;
	assert_int_equal(task_stat_parse(odd_comm, &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.flags, 4194304);
	assert_int_equal(st.start_time, 925341);
	assert_int_equal(task_stat_parse(zombie, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.start_time, 925348);
	assert_int_equal(task_stat_parse(kthreadd, &st), 0);
	assert_true(st.flags & PF_KTHREAD);
	assert_int_equal(st.start_time, 2);
}

static void test_stat_malformed(void **state)
{
	struct task_stat st;

	(void)state;
	assert_int_equal(task_stat_parse("", &st), -EINVAL);
	assert_int_equal(task_stat_parse("1 (no paren S 0 0", &st), -EINVAL);
	/* Cut before starttime, the 22nd field. */
	assert_int_equal(task_stat_parse("7 (old) R 1 1 1 0 -1 4194560 0 0 0\n", &st), -EINVAL);
	assert_int_equal(task_stat_parse("7 (x) R 1 1 1 0 -1 4x 0 0 0 0 0 0 0 0 20 0 1 0 5\n", &st),
			 -EINVAL);
	assert_int_equal(task_stat_parse("7 (x)R 1 1 1 0 -1 4 0 0 0 0 0 0 0 0 20 0 1 0 5\n", &st),
			 -EINVAL);
	/* A start time past 64 bits. */
	assert_int_equal(task_stat_parse("7 (x) R 1 1 1 0 -1 4 0 0 0 0 0 0 0 0 20 0 1 0 "
					 "18446744073709551616\n", &st), -EINVAL);
	/* Exactly 22 fields, negative ones among them, no newline. */
	assert_int_equal(task_stat_parse("7 (x) T -1 1 1 0 -1 4 0 0 0 0 0 0 0 0 -2 -20 1 0 9", &st),
			 0);
	assert_int_equal(st.state, 'T');
	assert_int_equal(st.start_time, 9);
}

/* "Name:\t" and n bytes of 'a', then the rest of a status text. */
static char *status_with_name(size_t n, const char *rest)
{
	char *s = malloc(n + strlen(rest) + 16);

	assert_non_null(s);
	strcpy(s, "Name:\t");
	memset(s + 6, 'a', n);
	strcpy(s + 6 + n, "\n");
	strcat(s, rest);
	return s;
}

static void test_status_long_name(void **state)
{
	char *status = status_with_name(100000, "State:\tS (sleeping)\nTgid:\t42\nTracerPid:\t0\n"
					"Uid:\t0\t0\t0\t0\nThreads:\t3\nNSpid:\t42\t1\n");
	struct target_info ti = { .pid = 42 };
	bool kthread_known = true;

	(void)state;
	assert_int_equal(target_parse_status(status, 42, &ti, &kthread_known), 0);
	assert_int_equal(strlen(ti.comm), COMM_LEN - 1);
	assert_int_equal(ti.state, 'S');
	assert_int_equal(ti.threads, 3);
	assert_true(ti.ns_init);
	assert_false(kthread_known);
	free(status);
}

static void test_status_thread_and_kthread(void **state)
{
	struct target_info ti = { .pid = 42 };
	bool kthread_known;

	(void)state;
	assert_int_equal(target_parse_status("Name:\tw\nTgid:\t41\n", 42, &ti, &kthread_known),
			 -ESRCH);
	assert_int_equal(target_parse_status("Name:\tkworker/0:1\nState:\tI (idle)\nTgid:\t42\n"
					     "Kthread:\t1\n", 42, &ti, &kthread_known), 0);
	assert_true(kthread_known);
	assert_true(ti.kthread);
	assert_string_equal(ti.comm, "kworker/0:1");
	/* No Name line at all: a placeholder, not garbage. */
	assert_int_equal(target_parse_status("Tgid:\t42\n", 42, &ti, &kthread_known), 0);
	assert_string_equal(ti.comm, "?");
	assert_int_equal(ti.state, '?');
}

/* A proc root of one process, 7, whose comm file holds n bytes of 'b'. */
static void test_comm_long(void **state)
{
	char dir[] = "/tmp/fdclose-procstat.XXXXXX", path[64], comm[COMM_LEN], *text;
	size_t n = 65536;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/7", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/7/comm", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	text = malloc(n);
	assert_non_null(text);
	memset(text, 'b', n);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	setenv(PROC_ROOT_ENV, dir, 1);
	proc_reset();
	assert_int_equal(pid_comm(7, comm), 0);
	assert_int_equal(strlen(comm), COMM_LEN - 1);
	assert_false(proc_is_fdclose(7));
	proc_reset();
	unsetenv(PROC_ROOT_ENV);
	unlink(path);
	snprintf(path, sizeof(path), "%s/7", dir);
	rmdir(path);
	rmdir(dir);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_recorded),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_status_long_name),
		cmocka_unit_test(test_status_thread_and_kthread),
		cmocka_unit_test(test_comm_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
