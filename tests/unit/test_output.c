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
		.state = TCPS_CLOSE_WAIT,
		.local_addr = { 127, 0, 0, 1 }, .remote_addr = { 127, 0, 0, 1 },
	},
	{
		.inode = 1003, .netns = 4026532100ULL, .tx_queue = 0, .rx_queue = 5,
		.uid = 0, .local_port = 8080, .remote_port = 50000, .family = AF_INET6,
		.state = TCPS_CLOSE_WAIT,
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
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Process   PID FD\n"
		"1      0      127.0.0.1:9999     127.0.0.1:41234   systemd   1   3\n"
		"5      0      [::1]:8080         [::1]:50000       x\"\\???y?z 100 12345\n");
	free(text);
}

static void test_table_empty_is_header(void **state)
{
	struct scan_result r = sample(0);
	char *text = capture(output_table, &r);

	(void)state;
	assert_string_equal(text,
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Process PID FD\n");
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
	assert_non_null(strstr(text, "127.0.0.1:41234   caf\xc3\xa9     7   4\n"));
	assert_non_null(strstr(text, "127.0.0.1:41234   abcdefgh 8   5\n"));
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
		"\"recv_q\":1,\"send_q\":0,\"uid\":1000,\"dead\":false}\n"
		"{\"type\":\"holder\",\"pid\":100,\"fd\":12345,"
		"\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\","
		"\"inode\":1003,\"netns\":4026532100,\"family\":\"inet6\","
		"\"state\":\"CLOSE-WAIT\",\"local\":\"[::1]:8080\",\"remote\":\"[::1]:50000\","
		"\"local_port\":8080,\"remote_port\":50000,\"recv_q\":5,\"send_q\":0,\"uid\":0,"
		"\"dead\":false}\n");
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
	assert_non_null(strstr(text, ",\"uid\":1000,\"dead\":false,\"result\":\"closed\"}\n"));
	assert_null(strstr(text, "\"type\""));	/* the caller's object, the caller's type */
	free(text);
	json_free(&j);
}

/* socks[] of a fuller result: a CLOSE-WAIT one, a dead one, two listeners. */
static struct tcp_sock more_socks[] = {
	{
		.inode = 1001, .netns = 4026531840ULL, .rx_queue = 1, .uid = 1000,
		.local_port = 9999, .remote_port = 41234, .family = AF_INET,
		.state = TCPS_CLOSE_WAIT,
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
		"State      Recv-Q Send-Q Local Address:Port Peer Address:Port Process PID  FD\n"
		"CLOSE-WAIT 1      0      127.0.0.1:9999     127.0.0.1:41234   java    4711 7\n"
		"DEAD       3      0      *                  *                 java    4711 12\n"
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
		"Recv-Q Send-Q Local Address:Port Peer Address:Port Process PID  FD\n"
		"1      0      127.0.0.1:9999     127.0.0.1:41234   java    4711 7\n"
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
		"\"remote_port\":41234,\"recv_q\":1,\"send_q\":0,\"uid\":1000,\"dead\":false}\n"
		"{\"type\":\"holder\",\"pid\":4711,\"fd\":12,\"comm\":\"java\",\"inode\":1020,"
		"\"netns\":4026531840,\"family\":\"inet6\",\"state\":\"DEAD\",\"local\":null,"
		"\"remote\":null,\"local_port\":null,\"remote_port\":null,\"recv_q\":3,"
		"\"send_q\":0,\"uid\":1000,\"dead\":true}\n"
		"{\"type\":\"backlog\",\"pid\":null,\"fd\":null,\"comm\":null,\"inode\":2003,"
		"\"local\":\"[::]:443\",\"netns\":4026532100,\"closewait\":1}\n"
		"{\"type\":\"backlog\",\"pid\":4711,\"fd\":5,\"comm\":\"java\",\"inode\":1010,"
		"\"local\":\"127.0.0.1:8080\",\"netns\":4026531840,\"closewait\":3}\n"
		"{\"type\":\"process\",\"pid\":4711,\"comm\":\"java\",\"fds\":16003,"
		"\"nofile\":65536}\n"
		"{\"type\":\"process\",\"pid\":4712,\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\","
		"\"fds\":12,\"nofile\":0}\n"
		"{\"type\":\"process\",\"pid\":4713,\"comm\":\"gone\",\"fds\":1234567,"
		"\"nofile\":0}\n");
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
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
