// SPDX-License-Identifier: GPL-2.0-or-later
/* The table and JSON Lines shown by --list, on scan results built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
		"{\"pid\":1,\"fd\":3,\"comm\":\"systemd\",\"inode\":1001,\"netns\":4026531840,"
		"\"family\":\"inet\",\"state\":\"CLOSE-WAIT\",\"local\":\"127.0.0.1:9999\","
		"\"remote\":\"127.0.0.1:41234\",\"local_port\":9999,\"remote_port\":41234,"
		"\"recv_q\":1,\"send_q\":0,\"uid\":1000}\n"
		"{\"pid\":100,\"fd\":12345,\"comm\":\"x\\\"\\\\\\t\\u0001\\ufffdy\\nz\","
		"\"inode\":1003,\"netns\":4026532100,\"family\":\"inet6\","
		"\"state\":\"CLOSE-WAIT\",\"local\":\"[::1]:8080\",\"remote\":\"[::1]:50000\","
		"\"local_port\":8080,\"remote_port\":50000,\"recv_q\":5,\"send_q\":0,\"uid\":0}\n");
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
	assert_non_null(strstr(text, ",\"uid\":1000,\"result\":\"closed\"}\n"));
	free(text);
	json_free(&j);
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
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
