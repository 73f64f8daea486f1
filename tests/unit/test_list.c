// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_list end to end on the recorded tree: stdout, stderr and exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/diag.h"
#include "scan/proc.h"

struct run {
	int status;
	char *out;
	char *err;
};

static void use_root(const char *path)
{
	assert_int_equal(setenv(PROC_ROOT_ENV, path, 1), 0);
	proc_reset();
}

static void use_proc_tree(void)
{
	const char *dir = getenv("FDCLOSE_TEST_DATA");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc", dir && *dir ? dir : "tests/data");
	if (access(path, X_OK))
		fail_msg("%s: run the tests from the repository root", path);
	use_root(path);
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

static void test_table(void **state)
{
	struct options opt = list_options(false);
	struct run run;

	(void)state;
	use_proc_tree();
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_int_equal(count_lines(run.out), 6);
	assert_true(strncmp(run.out, "Recv-Q Send-Q Local Address:Port", 32) == 0);
	assert_non_null(strstr(run.out, "\n1      0      127.0.0.1:9999 "));
	assert_non_null(strstr(run.out, "[::ffff:127.0.0.1]:7000"));
	assert_non_null(strstr(run.out, " worker "));
	/* The malformed line is worth a warning; nothing else is said. */
	assert_non_null(strstr(run.err, "warning: skipped 1 malformed line"));
	assert_int_equal(count_lines(run.err), 1);
	free(run.out);
	free(run.err);
}

static void test_json(void **state)
{
	static const char first[] = "{\"pid\":1,\"fd\":3,\"comm\":\"systemd\",\"inode\":1001,";
	struct options opt = list_options(true);
	struct run run;

	(void)state;
	use_proc_tree();
	run = run_list(&opt);
	assert_int_equal(run.status, EXIT_OK);
	assert_int_equal(count_lines(run.out), 5);
	assert_true(strncmp(run.out, first, strlen(first)) == 0);
	assert_non_null(strstr(run.out, "\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\""));
	assert_non_null(strstr(run.out, "\"local\":\"[::1]:8080\",\"remote\":\"[::1]:50000\""));
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
			    "Recv-Q Send-Q Local Address:Port Peer Address:Port Process PID FD\n");
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
				"4 process fd table(s)"));
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
		cmocka_unit_test(test_nothing_found),
		cmocka_unit_test(test_verbose_stats),
		cmocka_unit_test(test_asked_pid_missing),
		cmocka_unit_test(test_scan_failure),
	};

	return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
