// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_list end to end on the recorded tree: stdout, stderr and exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/diag.h"
#include "proc/proc.h"
#include "fake_probe.h"

struct run {
	int status;
	char *out;
	char *err;
};

static void use_proc_tree(void)
{
	use_recorded_proc();
	fake_probe_reset();
}

static char *slurp(FILE *f)
{
	long len;
	char *text;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* Runs cmd_list with stdout and stderr captured in temporary files. */
static struct run run_list(const struct options *opt)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out, saved_err;
	struct run run;

	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(out), STDOUT_FILENO) >= 0);
	assert_true(dup2(fileno(err), STDERR_FILENO) >= 0);
	run.status = cmd_list(opt);
	fflush(stdout);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	run.out = slurp(out);
	run.err = slurp(err);
	return run;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static struct options list_options(bool json)
{
	struct options opt = { .cmd = CMD_LIST, .json = json };

	scan_filter_init(&opt.filter);
	return opt;
}

/* The position of the line that contains needle, from 1; 0 when none does. */
static size_t line_of(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle);
	size_t n = 1;

	if (!hit)
		return 0;
	for (; text < hit; text++)
		n += *text == '\n';
	return n;
}

static void test_table(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	/* header, 10 holders, an empty line, 5 backlogs, 4 processes */
	assert_int_equal(count_lines(run.out), 1 + 10 + 1 + 5 + 4);
	/* Dead holders are listed, so the State column shows, as in ss. */
	assert_true(strncmp(run.out, "State      Recv-Q Send-Q Local Address:Port", 43) == 0);
	assert_non_null(strstr(run.out, "\nCLOSE-WAIT 1      0      127.0.0.1:9999 "));
	assert_non_null(strstr(run.out, "[::ffff:127.0.0.1]:7000"));
	assert_non_null(strstr(run.out, " worker "));
	assert_non_null(strstr(run.out, "\nDEAD       3      0      *                       "
			       "*                        -   systemd   1   8\n"));
	assert_non_null(strstr(run.out, "10.9.0.2:5000"));	/* its namespace has no process */
	/* Then, after the whole table, so that | head shows the table first: */
	assert_int_equal(line_of(run.out, "\n\n") + 1, 12);
	assert_int_equal(line_of(run.out, "0.0.0.0:8000: 2 CLOSE-WAIT connections wait in the "
			 "accept queue of pid 1 (systemd) fd 10: the application is not "
			 "accepting\n"), 14);
	assert_non_null(strstr(run.out, "\n10.0.0.2:80: 1 CLOSE-WAIT connection waits in the "
			       "accept queue of listener socket:[2003], held by no process "
			       "fdclose could read: the application is not accepting\n"));
	assert_non_null(strstr(run.out, "\n[::]:8443: 1 CLOSE-WAIT connection waits"));
	/* The /proc tables age nothing; the socket asked directly has its TCP_INFO age. */
	assert_int_equal(line_of(run.out, "\nsystemd 1: 12 fds of 1,024; CLOSE_WAIT 2 "
				 "(age unknown)\n") + 1, 18);
	assert_non_null(strstr(run.out, "\nworker 100: 4 fds of unlimited; CLOSE_WAIT 2 "
			       "(age unknown)\n"));
	assert_non_null(strstr(run.out, "\nx\"\\???y?z 201: 4 fds; CLOSE_WAIT 2, oldest 1h "
			       "(<1m 0, <10m 0, <1h 0, <1d 1, older 0, unknown 1)\n"));
	assert_true(strstr(run.out, "\nzm 600: 2 fds; CLOSE_WAIT 1 (age unknown)\n") ==
		    run.out + strlen(run.out) - 43);
	assert_non_null(strstr(run.out, "10.9.0.1:6000            1h  x\"\\???y?z 201 6\n"));
	assert_non_null(strstr(run.out, "127.0.0.1:41242          -   zm        600 4\n"));
	/* The malformed line is worth a warning; nothing else is said. */
	assert_non_null(strstr(run.err, "warning: skipped 1 malformed line"));
	assert_int_equal(count_lines(run.err), 1);
	free(run.out);
	free(run.err);
}

static void test_json(void **state)
{
	static const char first[] = "{\"type\":\"holder\",\"pid\":1,\"fd\":3,\"comm\":\"systemd\","
				    "\"inode\":1001,";
	struct options opt = list_options(true);
	size_t last_holder, first_backlog, last_backlog, first_process;
	struct run run;

	(void)state;
	use_proc_tree();
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_int_equal(count_lines(run.out), 10 + 5 + 4);
	assert_true(strncmp(run.out, first, strlen(first)) == 0);
	assert_non_null(strstr(run.out, "\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\""));
	assert_non_null(strstr(run.out, "\"local\":\"[::1]:8080\",\"remote\":\"[::1]:50000\""));
	assert_non_null(strstr(run.out, "{\"type\":\"holder\",\"pid\":100,\"fd\":8,"
			       "\"comm\":\"worker\",\"inode\":1020,\"netns\":4026531840,"
			       "\"family\":\"inet\",\"state\":\"DEAD\",\"local\":null,"
			       "\"remote\":null,\"local_port\":null,\"remote_port\":null,"
			       "\"recv_q\":3,\"send_q\":0,\"uid\":1000,\"dead\":true,"
			       "\"age_ms\":null}\n"));
	assert_non_null(strstr(run.out, "{\"type\":\"backlog\",\"pid\":100,\"fd\":10,"
			       "\"comm\":\"worker\",\"inode\":1010,\"local\":\"0.0.0.0:8000\","
			       "\"netns\":4026531840,\"closewait\":2}\n"));
	assert_non_null(strstr(run.out, "{\"type\":\"process\",\"pid\":1,\"comm\":\"systemd\","
			       "\"fds\":12,\"nofile\":1024,\"closewait\":2,\"oldest_ms\":null,"
			       "\"ages\":{\"under_1m\":0,\"under_10m\":0,\"under_1h\":0,"
			       "\"under_1d\":0,\"older\":0,\"unknown\":2}}\n"));
	assert_non_null(strstr(run.out, "\"pid\":201,\"fd\":6,"));
	assert_non_null(strstr(run.out, "\"dead\":false,\"age_ms\":5400000}\n"));
	assert_non_null(strstr(run.out, "\"oldest_ms\":5400000,\"ages\":{\"under_1m\":0,"
			       "\"under_10m\":0,\"under_1h\":0,\"under_1d\":1,\"older\":0,"
			       "\"unknown\":1}}\n"));
	/* Holders first, then backlogs, then processes. */
	last_holder = line_of(run.out, "\"pid\":600,\"fd\":4,");
	first_backlog = line_of(run.out, "\"type\":\"backlog\"");
	last_backlog = line_of(run.out, "\"type\":\"backlog\",\"pid\":100,");
	first_process = line_of(run.out, "\"type\":\"process\"");
	assert_int_equal(last_holder, 10);
	assert_int_equal(first_backlog, 11);
	assert_int_equal(last_backlog, 15);
	assert_int_equal(first_process, 16);
	free(run.out);
	free(run.err);
}

/* The filters reach the scan: a process name and a local address. */
static void test_filters(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	opt.filter.comm = "worker";
	assert_int_equal(parse_addr_filter("127.0.0.1", &opt.filter.local), 0);
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_string_equal(run.out,
		"Recv-Q Send-Q Local Address:Port      Peer Address:Port        Age Process PID FD\n"
		"1      0      127.0.0.1:9999          127.0.0.1:41234          -   worker  100 3\n"
		"0      2      [::ffff:127.0.0.1]:7000 [::ffff:127.0.0.1]:50001 -   worker  100 7\n"
		"\n"
		"0.0.0.0:8000: 2 CLOSE-WAIT connections wait in the accept queue of pid 100 "
		"(worker) fd 10: the application is not accepting\n"
		"worker 100: 4 fds of unlimited; CLOSE_WAIT 2 (age unknown)\n");
	free(run.out);
	free(run.err);
}

/* Nothing found: the table is its header, JSON says nothing, and both succeed. */
static void test_nothing_found(void **state)
{
	struct options opt = list_options(true);
	struct run run;

	(void)state;
	use_proc_tree();
	opt.filter.port = 1;
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_string_equal(run.out, "");
	free(run.out);
	free(run.err);

	opt.json = false;
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_string_equal(run.out,
			    "Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process PID FD\n");
	free(run.out);
	free(run.err);
}

/*
 * --older-than on tables read from /proc: only the socket asked directly
 * has an age, and the rest are said once, with why.
 */
static void test_older_than(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	opt.filter.older_than_ms = 60000;
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_string_equal(run.out,
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process   PID FD\n"
		"1      0      10.9.0.2:5000      10.9.0.1:6000     1h  x\"\\???y?z 201 6\n"
		"\n"
		"x\"\\???y?z 201: 4 fds; CLOSE_WAIT 1, oldest 1h (<1m 0, <10m 0, <1h 0, "
		"<1d 1, older 0)\n");
	assert_non_null(strstr(run.err, "fdclose: warning: --older-than passed over 11 "
			       "CLOSE_WAIT sockets of unknown age: a TCP table read from "
			       "/proc/net/tcp has no timers"));
	/* Said once: the holders shared by two processes and the queued ones too. */
	assert_null(strstr(strstr(run.err, "--older-than") + 1, "--older-than"));
	free(run.out);
	free(run.err);

	/* Older than the oldest: nothing, and still the same warning. */
	opt.filter.older_than_ms = 2 * 3600000;
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_int_equal(count_lines(run.out), 1);
	assert_non_null(strstr(run.err, "passed over 11 CLOSE_WAIT sockets"));
	free(run.out);
	free(run.err);
}

static void test_verbose_stats(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	diag_verbose = 1;
	run = run_list(&opt);
	diag_verbose = 0;
	assert_int_equal(run.status, EXIT_OK);
	assert_non_null(strstr(run.err, "scanned 2 network namespace(s) (0 unreadable), "
				"5 process fd table(s)"));
	assert_non_null(strstr(run.err, "asked the kernel about 7 socket fd(s) in no table: "
				"3 dead (0 judged by the tables alone), 1 in CLOSE_WAIT in a "
				"namespace without a readable process; 1 accept-queue "
				"CLOSE_WAIT(s) without a listener"));
	assert_non_null(strstr(run.err, "passed over 2 vanished, 0 denied, 1 unreadable "
				"process(es); 1 malformed tcp table line(s)"));
	free(run.out);
	free(run.err);
}

/* Pids the user asked for are named when they cannot be looked at. */
static void test_asked_pid_missing(void **state)
{
	static const pid_t pids[] = { 99999 };
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	opt.filter.pids = pids;
	opt.filter.npids = 1;
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_int_equal(count_lines(run.out), 1);
	assert_non_null(strstr(run.err, "fdclose: warning: pid 99999: no such process\n"));
	free(run.out);
	free(run.err);
}

static void test_scan_failure(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_root("/nonexistent/fdclose-proc");
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_FAILED);
	assert_string_equal(run.out, "");
	assert_non_null(strstr(run.err, "cannot scan /proc for CLOSE_WAIT sockets"));
	free(run.out);
	free(run.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_nothing_found),
		cmocka_unit_test(test_older_than),
		cmocka_unit_test(test_verbose_stats),
		cmocka_unit_test(test_asked_pid_missing),
		cmocka_unit_test(test_scan_failure),
	};

	return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
