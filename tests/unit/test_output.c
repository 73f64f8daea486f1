// SPDX-License-Identifier: GPL-2.0-or-later
/* The table and JSON Lines shown by --list, on scan results built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/output.h"

#define ODD_NAME "x\"\\\t\x01\xffy\nz"

static struct tcp_sock socks[] = {
	{
		.inode = 1001, .netns = 4026531840ULL, .tx_queue = 0, .rx_queue = 1,
		.uid = 1000, .local_port = 9999, .remote_port = 41234, .family = AF_INET,
		.state = TCPS_CLOSE_WAIT, .age_ms = 45000,
		.local_addr = { 127, 0, 0, 1 }, .remote_addr = { 127, 0, 0, 1 },
	},
	{
		.inode = 1003, .netns = 4026532100ULL, .tx_queue = 0, .rx_queue = 5,
		.uid = 0, .local_port = 8080, .remote_port = 50000, .family = AF_INET6,
		.state = TCPS_CLOSE_WAIT, .age_ms = TCP_AGE_UNKNOWN,
		.local_addr = { [15] = 1 }, .remote_addr = { [15] = 1 },
	},
};

static struct holder holders[] = {
	{ .pid = 1, .fd = 3, .comm = "systemd", .sock = 0 },
	{ .pid = 100, .fd = 12345, .comm = ODD_NAME, .sock = 1 },
};

static struct scan_result sample(size_t nholders)
{
	struct scan_result r = { 0 };

	r.socks.socks = socks;
	r.socks.count = r.socks.cap = 2;
	r.holders = holders;
	r.count = r.cap = nholders;
	return r;
}

typedef int (*printer)(FILE *out, const struct scan_result *r);

static char *capture(printer print, const struct scan_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(print(out, r), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_table(void **state)
{
	struct scan_result r = sample(2);
	char *text = capture(output_table, &r);

	(void)state;
	assert_string_equal(text,
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process   PID FD\n"
		"1      0      127.0.0.1:9999     127.0.0.1:41234   45s systemd   1   3\n"
		"5      0      [::1]:8080         [::1]:50000       -   x\"\\???y?z 100 12345\n");
	free(text);
}

static void test_table_empty_is_header(void **state)
{
	struct scan_result r = sample(0);
	char *text = capture(output_table, &r);

	(void)state;
	assert_string_equal(text,
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process PID FD\n");
	free(text);
}

/* Columns line up by characters, so a UTF-8 name does not shift the PID column. */
static void test_table_utf8_name(void **state)
{
	struct holder h[] = {
		{ .pid = 7, .fd = 4, .comm = "caf\xc3\xa9", .sock = 0 },
		{ .pid = 8, .fd = 5, .comm = "abcdefgh", .sock = 0 },
	};
	struct scan_result r = sample(0);
	char *text;

	(void)state;
	r.holders = h;
	r.count = 2;
	text = capture(output_table, &r);
	assert_non_null(strstr(text, "127.0.0.1:41234   45s caf\xc3\xa9     7   4\n"));
	assert_non_null(strstr(text, "127.0.0.1:41234   45s abcdefgh 8   5\n"));
	free(text);
}

static void test_json_lines(void **state)
{
	struct scan_result r = sample(2);
	char *text = capture(output_json, &r);

	(void)state;
	assert_string_equal(text,
		"{\"type\":\"holder\",\"pid\":1,\"fd\":3,\"comm\":\"systemd\",\"inode\":1001,"
		"\"netns\":4026531840,"
		"\"family\":\"inet\",\"state\":\"CLOSE-WAIT\",\"local\":\"127.0.0.1:9999\","
		"\"remote\":\"127.0.0.1:41234\",\"local_port\":9999,\"remote_port\":41234,"
		"\"recv_q\":1,\"send_q\":0,\"uid\":1000,\"dead\":false,\"age_ms\":45000}\n"
		"{\"type\":\"holder\",\"pid\":100,\"fd\":12345,"
		"\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\","
		"\"inode\":1003,\"netns\":4026532100,\"family\":\"inet6\","
		"\"state\":\"CLOSE-WAIT\",\"local\":\"[::1]:8080\",\"remote\":\"[::1]:50000\","
		"\"local_port\":8080,\"remote_port\":50000,\"recv_q\":5,\"send_q\":0,\"uid\":0,"
		"\"dead\":false,\"age_ms\":null}\n");
	free(text);
}

static void test_json_empty_prints_nothing(void **state)
{
	struct scan_result r = sample(0);
	char *text = capture(output_json, &r);

	(void)state;
	assert_string_equal(text, "");
	free(text);
}

/* The lead's close report adds its own fields to the same object. */
static void test_holder_fields_extend(void **state)
{
	struct scan_result r = sample(2);
	struct json_line j = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	json_begin(&j);
	output_holder_fields(&j, &r, &r.holders[0]);
	json_add_str(&j, "result", "closed");
	assert_int_equal(json_end(&j, out), 0);
	fclose(out);
	assert_true(strncmp(text, "{\"pid\":1,\"fd\":3,", 16) == 0);
	assert_non_null(strstr(text, ",\"uid\":1000,\"dead\":false,\"age_ms\":45000,"
			       "\"result\":\"closed\"}\n"));
	assert_null(strstr(text, "\"type\""));	/* the caller's object, the caller's type */
	free(text);
	json_free(&j);
}

/* socks[] of a fuller result: a CLOSE-WAIT one, a dead one, two listeners. */
static struct tcp_sock more_socks[] = {
	{
		.inode = 1001, .netns = 4026531840ULL, .rx_queue = 1, .uid = 1000,
		.local_port = 9999, .remote_port = 41234, .family = AF_INET,
		.state = TCPS_CLOSE_WAIT, .age_ms = 3 * 3600000 + 300000,
		.local_addr = { 127, 0, 0, 1 }, .remote_addr = { 127, 0, 0, 1 },
	},
	{
		.inode = 1020, .netns = 4026531840ULL, .rx_queue = 3, .uid = 1000,
		.family = AF_INET6, .state = TCPS_CLOSE,
	},
	{
		.inode = 1010, .netns = 4026531840ULL, .uid = 1000, .local_port = 8080,
		.family = AF_INET, .state = TCPS_LISTEN, .local_addr = { 127, 0, 0, 1 },
	},
	{
		.inode = 2003, .netns = 4026532100ULL, .local_port = 443,
		.family = AF_INET6, .state = TCPS_LISTEN,
	},
};

static struct holder more_holders[] = {
	{ .pid = 4711, .fd = 7, .comm = "java", .sock = 0 },
	{ .pid = 4711, .fd = 12, .comm = "java", .sock = 1, .dead = true },
};

static struct backlog more_backlogs[] = {
	{ .pid = 0, .fd = -1, .comm = "", .listener = 3, .closewait = 1 },
	{ .pid = 4711, .fd = 5, .comm = "java", .listener = 2, .closewait = 3 },
};

static struct proc_fds more_procs[] = {
	{ .pid = 4711, .comm = "java", .fds = 16003, .nofile = 65536 },
	{ .pid = 4712, .comm = ODD_NAME, .fds = 12, .nofile = 0 },
	{ .pid = 4713, .comm = "gone", .fds = 1234567, .nofile = 0, .nofile_unknown = true },
};

static struct scan_result fuller(void)
{
	struct scan_result r = { 0 };

	r.socks.socks = more_socks;
	r.socks.count = r.socks.cap = 4;
	r.holders = more_holders;
	r.count = r.cap = 2;
	r.backlogs = more_backlogs;
	r.nbacklogs = 2;
	r.procs = more_procs;
	r.nprocs = 3;
	return r;
}

/* With a dead holder the State column appears (as in ss), and "*" for its endpoints. */
static void test_table_dead_backlogs_processes(void **state)
{
	struct scan_result r = fuller();
	char *text = capture(output_table, &r);

	(void)state;
	assert_string_equal(text,
		"State      Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process PID  FD\n"
		"CLOSE-WAIT 1      0      127.0.0.1:9999     127.0.0.1:41234   3h  java    4711 7\n"
		"DEAD       3      0      *                  *                 -   java    4711 12\n"
		"\n"
		"[::]:443: 1 CLOSE-WAIT connection waits in the accept queue of listener "
		"socket:[2003], held by no process fdclose could read: the application is not "
		"accepting\n"
		"127.0.0.1:8080: 3 CLOSE-WAIT connections wait in the accept queue of pid 4711 "
		"(java) fd 5: the application is not accepting\n"
		"java 4711: 16,003 fds of 65,536\n"
		"x\"\\???y?z 4712: 12 fds of unlimited\n"
		"gone 4713: 1,234,567 fds\n");
	free(text);
}

/* Without dead holders, no State column: the backlogs and processes follow the table. */
static void test_table_without_dead(void **state)
{
	struct scan_result r = fuller();
	char *text;

	(void)state;
	r.count = 1;
	r.nbacklogs = 0;
	r.nprocs = 1;
	text = capture(output_table, &r);
	assert_string_equal(text,
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Age Process PID  FD\n"
		"1      0      127.0.0.1:9999     127.0.0.1:41234   3h  java    4711 7\n"
		"\n"
		"java 4711: 16,003 fds of 65,536\n");
	free(text);
}

static void test_json_dead_backlogs_processes(void **state)
{
	struct scan_result r = fuller();
	char *text = capture(output_json, &r);

	(void)state;
	assert_string_equal(text,
		"{\"type\":\"holder\",\"pid\":4711,\"fd\":7,\"comm\":\"java\",\"inode\":1001,"
		"\"netns\":4026531840,\"family\":\"inet\",\"state\":\"CLOSE-WAIT\","
		"\"local\":\"127.0.0.1:9999\",\"remote\":\"127.0.0.1:41234\",\"local_port\":9999,"
		"\"remote_port\":41234,\"recv_q\":1,\"send_q\":0,\"uid\":1000,\"dead\":false,"
		"\"age_ms\":11100000}\n"
		"{\"type\":\"holder\",\"pid\":4711,\"fd\":12,\"comm\":\"java\",\"inode\":1020,"
		"\"netns\":4026531840,\"family\":\"inet6\",\"state\":\"DEAD\",\"local\":null,"
		"\"remote\":null,\"local_port\":null,\"remote_port\":null,\"recv_q\":3,"
		"\"send_q\":0,\"uid\":1000,\"dead\":true,\"age_ms\":null}\n"
		"{\"type\":\"backlog\",\"pid\":null,\"fd\":null,\"comm\":null,\"inode\":2003,"
		"\"local\":\"[::]:443\",\"netns\":4026532100,\"closewait\":1}\n"
		"{\"type\":\"backlog\",\"pid\":4711,\"fd\":5,\"comm\":\"java\",\"inode\":1010,"
		"\"local\":\"127.0.0.1:8080\",\"netns\":4026531840,\"closewait\":3}\n"
		"{\"type\":\"process\",\"pid\":4711,\"comm\":\"java\",\"fds\":16003,"
		"\"nofile\":65536,"
		"\"closewait\":0,\"oldest_ms\":null,\"ages\":{\"under_1m\":0,\"under_10m\":0,"
		"\"under_1h\":0,\"under_1d\":0,\"older\":0,\"unknown\":0}}\n"
		"{\"type\":\"process\",\"pid\":4712,\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\","
		"\"fds\":12,\"nofile\":0,"
		"\"closewait\":0,\"oldest_ms\":null,\"ages\":{\"under_1m\":0,\"under_10m\":0,"
		"\"under_1h\":0,\"under_1d\":0,\"older\":0,\"unknown\":0}}\n"
		"{\"type\":\"process\",\"pid\":4713,\"comm\":\"gone\",\"fds\":1234567,"
		"\"nofile\":0,"
		"\"closewait\":0,\"oldest_ms\":null,\"ages\":{\"under_1m\":0,\"under_10m\":0,"
		"\"under_1h\":0,\"under_1d\":0,\"older\":0,\"unknown\":0}}\n");
	free(text);
}

static char *process_line(const struct proc_fds *p, size_t after)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	output_process_line(out, p, after);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* What the sweep prints per process, before and after. */
static void test_process_line(void **state)
{
	char *text;

	(void)state;
	text = process_line(&more_procs[0], 12);
	assert_string_equal(text, "java 4711: 16,003 -> 12 fds of 65,536\n");
	free(text);
	text = process_line(&more_procs[0], SIZE_MAX);
	assert_string_equal(text, "java 4711: 16,003 fds of 65,536\n");
	free(text);
	text = process_line(&more_procs[1], 0);
	assert_string_equal(text, "x\"\\???y?z 4712: 12 -> 0 fds of unlimited\n");
	free(text);
	text = process_line(&more_procs[2], 1000);
	assert_string_equal(text, "gone 4713: 1,234,567 -> 1,000 fds\n");
	free(text);
}

/* A process with a steady leak: every bucket has some. */
static void test_process_line_ages(void **state)
{
	struct proc_fds p = {
		.pid = 4711, .comm = "java", .fds = 16003, .nofile = 65536, .closewait = 412,
		.oldest_ms = 3 * 3600000 + 59 * 60000,
		.ages = { [AGE_UNDER_1M] = 2, [AGE_UNDER_10M] = 5, [AGE_UNDER_1H] = 10,
			  [AGE_UNDER_1D] = 395 },
	};
	char *text;

	(void)state;
	text = process_line(&p, SIZE_MAX);
	assert_string_equal(text, "java 4711: 16,003 fds of 65,536; CLOSE_WAIT 412, oldest 3h "
			    "(<1m 2, <10m 5, <1h 10, <1d 395, older 0)\n");
	free(text);
	text = process_line(&p, 12);
	assert_string_equal(text, "java 4711: 16,003 -> 12 fds of 65,536; CLOSE_WAIT 412, "
			    "oldest 3h (<1m 2, <10m 5, <1h 10, <1d 395, older 0)\n");
	free(text);
	/* Some ages unknown: a bucket of their own, shown only then. */
	p.closewait = 1412;
	p.ages[AGE_UNKNOWN] = 1000;
	text = process_line(&p, SIZE_MAX);
	assert_string_equal(text, "java 4711: 16,003 fds of 65,536; CLOSE_WAIT 1,412, oldest 3h "
			    "(<1m 2, <10m 5, <1h 10, <1d 395, older 0, unknown 1,000)\n");
	free(text);
	/* None known. */
	memset(p.ages, 0, sizeof(p.ages));
	p.closewait = p.ages[AGE_UNKNOWN] = 3;
	p.oldest_ms = TCP_AGE_UNKNOWN;
	text = process_line(&p, SIZE_MAX);
	assert_string_equal(text, "java 4711: 16,003 fds of 65,536; CLOSE_WAIT 3 (age unknown)\n");
	free(text);
}

static void test_process_json_ages(void **state)
{
	struct proc_fds p = {
		.pid = 9, .comm = "svc", .fds = 40, .nofile = 1024, .closewait = 3,
		.oldest_ms = 2 * 86400000LL + 5,
		.ages = { [AGE_UNDER_1M] = 1, [AGE_OLDER] = 1, [AGE_UNKNOWN] = 1 },
	};
	struct scan_result r = { 0 };
	char *text;

	(void)state;
	r.procs = &p;
	r.nprocs = 1;
	text = capture(output_json, &r);
	assert_string_equal(text,
		"{\"type\":\"process\",\"pid\":9,\"comm\":\"svc\",\"fds\":40,\"nofile\":1024,"
		"\"closewait\":3,\"oldest_ms\":172800005,\"ages\":{\"under_1m\":1,"
		"\"under_10m\":0,\"under_1h\":0,\"under_1d\":0,\"older\":1,\"unknown\":1}}\n");
	free(text);
}

static void age_is(int64_t ms, const char *want)
{
	char buf[AGE_TEXT_LEN];

	output_age(buf, sizeof(buf), ms);
	assert_string_equal(buf, want);
}

/* Rounded down to the largest unit that fits: an age is never overstated. */
static void test_age_text(void **state)
{
	char tiny[3];

	(void)state;
	age_is(TCP_AGE_UNKNOWN, "-");
	age_is(0, "0s");
	age_is(999, "0s");
	age_is(1000, "1s");
	age_is(45000, "45s");
	age_is(59999, "59s");
	age_is(60000, "1m");
	age_is(12 * 60000 + 59999, "12m");
	age_is(3599999, "59m");
	age_is(3600000, "1h");
	age_is(3 * 3600000 + 3599999, "3h");
	age_is(86399999, "23h");
	age_is(86400000, "1d");
	age_is(2 * 86400000 + 86399999LL, "2d");
	age_is(UINT32_MAX, "49d");
	age_is(INT64_MAX, "106751991167d");
	output_age(tiny, sizeof(tiny), 45000);	/* cut, never overrun */
	assert_string_equal(tiny, "45");
}

static void count_is(uint64_t n, const char *want)
{
	char buf[32];

	output_count(buf, sizeof(buf), n);
	assert_string_equal(buf, want);
}

static void test_count(void **state)
{
	char tiny[4];

	(void)state;
	count_is(0, "0");
	count_is(7, "7");
	count_is(999, "999");
	count_is(1000, "1,000");
	count_is(16003, "16,003");
	count_is(65536, "65,536");
	count_is(100000, "100,000");
	count_is(1234567, "1,234,567");
	count_is(UINT64_MAX, "18,446,744,073,709,551,615");
	output_count(tiny, sizeof(tiny), 123456);	/* cut, never overrun */
	assert_string_equal(tiny, "123");
}

static void printable_is(const char *name, const char *want, size_t want_width)
{
	char buf[64];

	assert_int_equal(output_printable(buf, sizeof(buf), name), want_width);
	assert_string_equal(buf, want);
}

static void test_printable(void **state)
{
	char tiny[4];

	(void)state;
	printable_is("nginx: worker", "nginx: worker", 13);
	printable_is("\x1b[31mred", "?[31mred", 8);
	printable_is("a\xc2\x85" "b", "a?b", 3);		/* C1 control NEL */
	printable_is("caf\xc3\xa9", "caf\xc3\xa9", 4);
	printable_is("\xff\xfe", "??", 2);
	printable_is("\xe2\x82", "??", 2);
	printable_is("", "", 0);
	/* Truncates at a character boundary, never inside one. */
	assert_int_equal(output_printable(tiny, sizeof(tiny), "ab\xc3\xa9"), 2);
	assert_string_equal(tiny, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_empty_is_header),
		cmocka_unit_test(test_table_utf8_name),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_json_empty_prints_nothing),
		cmocka_unit_test(test_holder_fields_extend),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_table_dead_backlogs_processes),
		cmocka_unit_test(test_table_without_dead),
		cmocka_unit_test(test_json_dead_backlogs_processes),
		cmocka_unit_test(test_process_line),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_process_line_ages),
		cmocka_unit_test(test_process_json_ages),
		cmocka_unit_test(test_age_text),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
