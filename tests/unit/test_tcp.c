// SPDX-License-Identifier: GPL-2.0-or-later
/* The /proc/net/tcp parser, on text in the kernel's own formats. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc/proc.h"
#include "scan/tcp.h"

#define HDR4 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
	"retrnsmt   uid  timeout inode                                                     \n"
#define HDR6 "  sl  local_address                         remote_address         " \
	"               st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

/* 127.0.0.1:9999 -> 127.0.0.1:41234, CLOSE_WAIT, rx 1, uid 1000, inode 1001 */
#define CW4 "   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 " \
	"00000000  1000        0 1001 1 ffff8881049a0001 20 4 30 10 -1         \n"
/* [::1]:8080 -> [::1]:50000, CLOSE_WAIT, rx 5, inode 1003 */
#define CW6 "   0: 00000000000000000000000001000000:1F90 0000000000000000000000000" \
	"1000000:C350 08 00000000:00000005 00:00000000 00000000  1000        0 1003 " \
	"1 ffff8881049b0000 20 4 30 10 -1\n"
/* [::ffff:127.0.0.1]:7000 -> [::ffff:127.0.0.1]:50001, CLOSE_WAIT, tx 2 */
#define CW6_MAPPED "   1: 0000000000000000FFFF00000100007F:1B58 0000000000000000FFFF00" \
	"000100007F:C351 08 00000002:00000000 00:00000000 00000000  1000        0 1004 " \
	"1 ffff8881049b0001 20 4 30 10 -1\n"

static const uint8_t loopback4[16] = { 127, 0, 0, 1 };
static const uint8_t loopback6[16] = { [15] = 1 };
static const uint8_t mapped4[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };

static struct tcp_table parse(const char *text, int family, unsigned int mask)
{
	struct tcp_table t = { 0 };

	assert_int_equal(tcp_parse(&t, text, strlen(text), family, 42, mask), 0);
	return t;
}

static void endpoint_is(const struct tcp_sock *s, bool local, const char *want)
{
	char buf[TCP_ENDPOINT_LEN];

	tcp_format_endpoint(buf, sizeof(buf), s->family, local ? s->local_addr : s->remote_addr,
			    local ? s->local_port : s->remote_port);
	assert_string_equal(buf, want);
}

static void test_ipv4(void **state)
{
	struct tcp_table t = parse(HDR4 CW4, AF_INET, TCP_ALL_STATES);
	const struct tcp_sock *s = &t.socks[0];

	(void)state;
	assert_int_equal(t.count, 1);
	assert_int_equal(t.malformed, 0);
	assert_int_equal(s->family, AF_INET);
	assert_memory_equal(s->local_addr, loopback4, 16);
	assert_memory_equal(s->remote_addr, loopback4, 16);
	assert_int_equal(s->local_port, 9999);
	assert_int_equal(s->remote_port, 41234);
	assert_int_equal(s->state, TCPS_CLOSE_WAIT);
	assert_int_equal(s->rx_queue, 1);
	assert_int_equal(s->tx_queue, 0);
	assert_int_equal(s->uid, 1000);
	assert_int_equal(s->inode, 1001);
	assert_int_equal(s->netns, 42);
	endpoint_is(s, true, "127.0.0.1:9999");
	endpoint_is(s, false, "127.0.0.1:41234");
	tcp_table_free(&t);
}

static void test_ipv6(void **state)
{
	struct tcp_table t = parse(HDR6 CW6, AF_INET6, TCP_ALL_STATES);
	const struct tcp_sock *s = &t.socks[0];

	(void)state;
	assert_int_equal(t.count, 1);
	assert_int_equal(t.malformed, 0);
	assert_int_equal(s->family, AF_INET6);
	assert_memory_equal(s->local_addr, loopback6, 16);
	assert_int_equal(s->local_port, 8080);
	assert_int_equal(s->remote_port, 50000);
	assert_int_equal(s->rx_queue, 5);
	assert_int_equal(s->inode, 1003);
	endpoint_is(s, true, "[::1]:8080");
	endpoint_is(s, false, "[::1]:50000");
	tcp_table_free(&t);
}

static void test_v4_mapped(void **state)
{
	struct tcp_table t = parse(HDR6 CW6_MAPPED, AF_INET6, TCP_ALL_STATES);
	const struct tcp_sock *s = &t.socks[0];

	(void)state;
	assert_int_equal(t.count, 1);
	assert_memory_equal(s->local_addr, mapped4, 16);
	assert_int_equal(s->tx_queue, 2);
	endpoint_is(s, true, "[::ffff:127.0.0.1]:7000");
	endpoint_is(s, false, "[::ffff:127.0.0.1]:50001");
	tcp_table_free(&t);
}

/* One line per state, in the format the kernel uses for that kind of socket. */
static char *every_state_text(void)
{
	char *text = malloc(64 * 1024);
	size_t len = 0;
	unsigned int st;

	assert_non_null(text);
	len += (size_t)sprintf(text, "%s", HDR4);
	for (st = TCPS_ESTABLISHED; st < TCPS_MAX; st++) {
		const char *tail = "1 ffff8881049a0000 20 4 30 10 -1";

		if (st == TCPS_TIME_WAIT || st == TCPS_NEW_SYN_RECV)
			tail = "3 0000000000000000";	/* time-wait and request socks */
		len += (size_t)sprintf(text + len,
			"%4u: 0100007F:%04X 0100007F:C000 %02X 00000000:00000000 00:00000000 "
			"00000000  1000        0 %u %s\n", st - 1, 8000 + st, st,
			st == TCPS_TIME_WAIT || st == TCPS_NEW_SYN_RECV ? 0 : 5000 + st, tail);
	}
	return text;
}

static void test_every_state(void **state)
{
	char *text = every_state_text();
	struct tcp_table t = parse(text, AF_INET, TCP_ALL_STATES);
	unsigned int st;

	(void)state;
	assert_int_equal(t.count, TCPS_MAX - 1);
	assert_int_equal(t.malformed, 0);
	for (st = TCPS_ESTABLISHED; st < TCPS_MAX; st++) {
		assert_int_equal(t.socks[st - 1].state, st);
		assert_int_equal(t.socks[st - 1].local_port, 8000 + st);
	}
	tcp_table_free(&t);

	t = parse(text, AF_INET, TCP_STATE_BIT(TCPS_CLOSE_WAIT));
	assert_int_equal(t.count, 1);
	assert_int_equal(t.socks[0].inode, 5000 + TCPS_CLOSE_WAIT);
	tcp_table_free(&t);

	t = parse(text, AF_INET, TCP_STATE_BIT(TCPS_TIME_WAIT) | TCP_STATE_BIT(TCPS_LISTEN));
	assert_int_equal(t.count, 2);
	assert_int_equal(t.socks[0].state, TCPS_TIME_WAIT);
	assert_int_equal(t.socks[0].inode, 0);
	assert_int_equal(t.socks[1].state, TCPS_LISTEN);
	tcp_table_free(&t);
	free(text);
}

static void test_state_names(void **state)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
		"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
		"NEW-SYN-RECV",
	};
	unsigned int st;

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), TCPS_MAX);
	for (st = 0; st < TCPS_MAX; st++)
		assert_string_equal(tcp_state_name(st), names[st]);
	assert_string_equal(tcp_state_name(TCPS_MAX), "UNKNOWN");
	assert_string_equal(tcp_state_name(255), "UNKNOWN");
	assert_string_equal(tcp_state_name(UINT_MAX), "UNKNOWN");
}

static void test_header_only_and_empty(void **state)
{
	struct tcp_table t;

	(void)state;
	t = parse(HDR4, AF_INET, TCP_ALL_STATES);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.malformed, 0);
	tcp_table_free(&t);

	t = parse(HDR6, AF_INET6, TCP_ALL_STATES);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.malformed, 0);
	tcp_table_free(&t);

	t = parse("", AF_INET, TCP_ALL_STATES);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.malformed, 0);
	assert_null(t.socks);
	tcp_table_free(&t);
}

/* A header that is not one, or is cut short, is counted like any bad line. */
static void test_bad_header(void **state)
{
	struct tcp_table t;

	(void)state;
	t = parse(CW4 CW4, AF_INET, TCP_ALL_STATES);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.malformed, 1);
	tcp_table_free(&t);

	t = parse("  sl  local_address", AF_INET, TCP_ALL_STATES);
	assert_int_equal(t.malformed, 1);
	tcp_table_free(&t);

	t = parse("  sl  remote_address\n" CW4, AF_INET, TCP_ALL_STATES);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.malformed, 1);
	tcp_table_free(&t);
}

static void test_truncated_last_line(void **state)
{
	static const char text[] = HDR4 CW4 CW4;
	struct tcp_table t;
	size_t cut;

	(void)state;
	/* Without its newline the line is refused, however much of it is there. */
	for (cut = 1; cut < sizeof(CW4) - 1; cut += 7) {
		t = (struct tcp_table){ 0 };
		assert_int_equal(tcp_parse(&t, text, sizeof(text) - 1 - cut, AF_INET, 0,
					   TCP_ALL_STATES), 0);
		assert_int_equal(t.count, 1);
		assert_int_equal(t.malformed, 1);
		tcp_table_free(&t);
	}
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"garbage\n",
		"\n",
		"   1: 0100007G:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:70F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F0 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 008 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 08 000000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000-00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  -1000        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  4294967296        0 1001\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001x\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0\n",
		"   1: 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 18446744073709551616\n",
		"   1 0100007F:270F 0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		"   1: 0100007F:270F\t0100007F:A112 08 00000000:00000001 00:00000000 00000000  1000        0 1001\n",
		/* an IPv6 address in the IPv4 table */
		"   0: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 08 00000000:00000005 00:00000000 00000000  1000        0 1003\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(HDR4) + strlen(bad[i]) + strlen(CW4);
		struct tcp_table t = { 0 };
		char *text = malloc(len + 1);

		assert_non_null(text);
		snprintf(text, len + 1, "%s%s%s", HDR4, bad[i], CW4);
		assert_int_equal(tcp_parse(&t, text, len, AF_INET, 0, TCP_ALL_STATES), 0);
		if (t.malformed != 1 || t.count != 1)
			fail_msg("line %zu: %zu malformed, %zu parsed", i, t.malformed, t.count);
		assert_int_equal(t.socks[0].inode, 1001);
		tcp_table_free(&t);
		free(text);
	}
}

/* A NUL inside a line must not end the parse early or be read past. */
static void test_embedded_nul(void **state)
{
	static const char text[] = HDR4 "   1: 0100007F:270F\0" CW4;
	struct tcp_table t = { 0 };

	(void)state;
	assert_int_equal(tcp_parse(&t, text, sizeof(text) - 1, AF_INET, 0, TCP_ALL_STATES), 0);
	assert_int_equal(t.malformed, 1);
	assert_int_equal(t.count, 0);
	tcp_table_free(&t);
}

/* The kernel printed negative timeouts once; lowercase hex is accepted too. */
static void test_lenient_where_harmless(void **state)
{
	struct tcp_table t = parse(HDR4
		"   1: 0100007f:270f 0100007F:A112 08 00000000:00000001 02:ffffffffffffff00 "
		"00000000  1000       -5 1001\n", AF_INET, TCP_ALL_STATES);

	(void)state;
	assert_int_equal(t.malformed, 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.socks[0].local_port, 9999);
	assert_int_equal(t.socks[0].inode, 1001);
	tcp_table_free(&t);
}

#define MB (1024 * 1024)

static void test_very_long_lines(void **state)
{
	size_t hdr = strlen(HDR4), cw = strlen(CW4), len = hdr + MB + 1 + cw - 1 + MB + 1 + cw;
	char *text = malloc(len), *p = text;
	struct tcp_table t = { 0 };

	(void)state;
	assert_non_null(text);
	memcpy(p, HDR4, hdr);
	p += hdr;
	memset(p, 'x', MB);		/* a 1 MB garbage line */
	p += MB;
	*p++ = '\n';
	memcpy(p, CW4, cw - 1);		/* a valid line padded with 1 MB of spaces */
	p += cw - 1;
	memset(p, ' ', MB);
	p += MB;
	*p++ = '\n';
	memcpy(p, CW4, cw);
	assert_int_equal(tcp_parse(&t, text, len, AF_INET, 0, TCP_ALL_STATES), 0);
	assert_int_equal(t.malformed, 1);
	assert_int_equal(t.count, 2);
	assert_int_equal(t.socks[0].inode, 1001);
	assert_int_equal(t.socks[1].inode, 1001);
	tcp_table_free(&t);
	free(text);
}

#define BIG_LINES 100000

/* Every 10th socket is in CLOSE_WAIT; the rest are established. */
static char *big_table(size_t *lenp)
{
	size_t cap = (size_t)(BIG_LINES + 1) * 160, len;
	char *text = malloc(cap);
	unsigned int i;

	assert_non_null(text);
	len = (size_t)sprintf(text, "%s", HDR4);
	for (i = 0; i < BIG_LINES; i++) {
		int n = sprintf(text + len,
			"%4u: %08X:%04X 0100007F:%04X %02X %08X:%08X 00:00000000 00000000 %5u "
			"%8d %u 1 ffff8881049a0000 20 4 30 10 -1", i, 0x0100000A + (i << 24),
			1024 + i % 60000, 40000 + i % 20000,
			i % 10 ? TCPS_ESTABLISHED : TCPS_CLOSE_WAIT, i % 7, i % 13, 1000 + i % 5, 0,
			100000 + i);

		memset(text + len + n, ' ', (size_t)(149 - n));	/* the kernel's padding */
		len += 149;
		text[len++] = '\n';
	}
	*lenp = len;
	return text;
}

/*
 * CPU time, not wall time: the bound is about the parser, and a loaded test
 * machine must not turn it into a flaky test.
 */
#define PARSE_CLOCK CLOCK_THREAD_CPUTIME_ID

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(PARSE_CLOCK, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void test_100000_lines(void **state)
{
	struct tcp_table t = { 0 };
	struct timespec start;
	double all_ms, cw_ms;
	size_t len;
	char *text = big_table(&len);

	(void)state;
	clock_gettime(PARSE_CLOCK, &start);
	assert_int_equal(tcp_parse(&t, text, len, AF_INET, 7, TCP_ALL_STATES), 0);
	all_ms = ms_since(&start);
	assert_int_equal(t.count, BIG_LINES);
	assert_int_equal(t.malformed, 0);
	assert_int_equal(t.socks[0].inode, 100000);
	assert_int_equal(t.socks[0].state, TCPS_CLOSE_WAIT);
	assert_int_equal(t.socks[54321].inode, 154321);
	assert_int_equal(t.socks[54321].local_port, 1024 + 54321);
	assert_int_equal(t.socks[54321].remote_port, 40000 + 54321 % 20000);
	assert_int_equal(t.socks[54321].tx_queue, 54321 % 7);
	assert_int_equal(t.socks[54321].rx_queue, 54321 % 13);
	assert_int_equal(t.socks[54321].uid, 1000 + 54321 % 5);
	assert_int_equal(t.socks[54321].local_addr[0], 10);
	assert_int_equal(t.socks[54321].local_addr[3], (54321 + 1) & 0xff);
	assert_int_equal(t.socks[BIG_LINES - 1].inode, 100000 + BIG_LINES - 1);
	tcp_table_free(&t);

	clock_gettime(PARSE_CLOCK, &start);
	assert_int_equal(tcp_parse(&t, text, len, AF_INET, 7, TCP_STATE_BIT(TCPS_CLOSE_WAIT)), 0);
	cw_ms = ms_since(&start);
	assert_int_equal(t.count, BIG_LINES / 10);
	assert_int_equal(t.socks[4321].inode, 100000 + 43210);
	tcp_table_free(&t);
	free(text);

	print_message("parsed %d lines (%zu bytes) in %.1f ms CPU (all states), %.1f ms (CLOSE_WAIT)\n",
		      BIG_LINES, len, all_ms, cw_ms);
	/*
	 * Not a speed test (make bench is): a bound twenty times what the
	 * parser takes under ASan on a loaded machine, which only a parse gone
	 * quadratic (minutes for this table) could break.
	 */
	assert_true(all_ms < 2000.0);
	assert_true(cw_ms < 2000.0);
}

static void test_read_recorded(void **state)
{
	struct tcp_table t = { 0 };

	(void)state;
	use_recorded_proc();
	assert_int_equal(tcp_read(&t, 1, 4026531840ULL, TCP_STATE_BIT(TCPS_CLOSE_WAIT)), 0);
	/* tcp6: 1003, 1004, one queued; tcp: 1001, 1005 and four queued (inode 0) */
	assert_int_equal(t.count, 9);
	assert_int_equal(t.malformed, 1);
	assert_non_null(tcp_find_inode(&t, 1001));
	assert_non_null(tcp_find_inode(&t, 1003));
	assert_int_equal(tcp_find_inode(&t, 1004)->family, AF_INET6);
	assert_int_equal(tcp_find_inode(&t, 1004)->netns, 4026531840ULL);
	assert_int_equal(t.socks[0].inode, 1003);	/* tcp6 first */
	assert_null(tcp_find_inode(&t, 1002));	/* established */
	assert_null(tcp_find_inode(&t, 424242));

	/* No tcp6 (IPv6 disabled) is fine. */
	assert_int_equal(tcp_read(&t, 201, 4026532100ULL, TCP_STATE_BIT(TCPS_CLOSE_WAIT)), 0);
	assert_int_equal(t.count, 11);
	assert_int_equal(tcp_find_inode(&t, 2001)->netns, 4026532100ULL);

	/* A process without tables leaves the table as it was. */
	assert_int_equal(tcp_read(&t, 200, 4026532100ULL, TCP_ALL_STATES), -ENOENT);
	assert_int_equal(tcp_read(&t, 99999, 1, TCP_ALL_STATES), -ENOENT);
	assert_int_equal(t.count, 11);
	assert_int_equal(t.malformed, 1);
	tcp_table_free(&t);
	assert_int_equal(t.count, 0);
	assert_null(t.socks);
}

struct visit {
	uint64_t inodes[32];
	unsigned int states[32];
	size_t n;
	size_t stop_after;	/* 0: never */
};

static int note(const struct tcp_sock *s, void *arg)
{
	struct visit *v = arg;

	assert_true(v->n < 32);
	v->inodes[v->n] = s->inode;
	v->states[v->n++] = s->state;
	assert_int_equal(s->netns, 42);
	return v->stop_after && v->n == v->stop_after ? -ECANCELED : 0;
}

/* Every state reaches the callback; the garbage counts as malformed. */
static void test_parse_each(void **state)
{
	static const char text[] = HDR4 CW4 "not a socket line\n" CW4;
	struct visit v = { .n = 0 };
	size_t malformed = 0;
	char *every = every_state_text();

	(void)state;
	assert_int_equal(tcp_parse_each(text, strlen(text), AF_INET, 42, note, &v, &malformed), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.inodes[1], 1001);
	assert_int_equal(malformed, 1);

	memset(&v, 0, sizeof(v));
	assert_int_equal(tcp_parse_each(every, strlen(every), AF_INET, 42, note, &v, &malformed),
			 0);
	assert_int_equal(v.n, TCPS_MAX - 1);
	assert_int_equal(v.states[TCPS_LISTEN - 1], TCPS_LISTEN);
	assert_int_equal(v.inodes[TCPS_TIME_WAIT - 1], 0);

	/* The callback's error stops the parse and comes back. */
	memset(&v, 0, sizeof(v));
	v.stop_after = 3;
	assert_int_equal(tcp_parse_each(every, strlen(every), AF_INET, 42, note, &v, &malformed),
			 -ECANCELED);
	assert_int_equal(v.n, 3);
	free(every);
}

static void test_read_each(void **state)
{
	struct visit v = { .n = 0 };
	size_t malformed = 0;

	(void)state;
	use_recorded_proc();
	assert_int_equal(tcp_read_each(1, 42, note, &v, &malformed), 0);
	assert_int_equal(v.n, 4 + 11);		/* every state, both tables */
	assert_int_equal(v.inodes[0], 1003);
	assert_int_equal(v.states[2], TCPS_LISTEN);	/* [::]:8443 */
	assert_int_equal(malformed, 1);

	/* No tables at all (the process exited). */
	memset(&v, 0, sizeof(v));
	assert_int_equal(tcp_read_each(200, 42, note, &v, &malformed), -ENOENT);
	assert_int_equal(v.n, 0);
}

/* tcp6 read, then tcp gone: not a single call, so the caller has nothing to undo. */
static void test_read_each_all_or_nothing(void **state)
{
	char root[] = "/tmp/fdclose-tcp-XXXXXX", path[PATH_MAX];
	struct visit v = { .n = 0 };
	size_t malformed = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/5", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/5/net", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/5/net/tcp6", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HDR6 CW6 CW6_MAPPED, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(setenv(PROC_ROOT_ENV, root, 1), 0);
	proc_reset();
	assert_int_equal(tcp_read_each(5, 42, note, &v, &malformed), -ENOENT);
	assert_int_equal(v.n, 0);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/5/net", root);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/5", root);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(root), 0);
}

static void test_udp_line(void **state)
{
	/* udp4_format_sock(): the same columns, then "ref pointer drops". */
	static const char text[] = HDR4
		"  123: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 "
		"00000000   101        0 31337 2 ffff888100000000 0\n";
	struct visit v = { .n = 0 };
	size_t malformed = 0;

	(void)state;
	assert_int_equal(tcp_parse_each(text, strlen(text), AF_INET, 42, note, &v, &malformed), 0);
	assert_int_equal(malformed, 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.inodes[0], 31337);
	assert_int_equal(v.states[0], TCPS_CLOSE);
}

static void test_table_append(void **state)
{
	struct tcp_table t = { 0 };
	struct tcp_sock s = { .inode = 1 };
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		s.inode = i + 1;
		assert_int_equal(tcp_table_append(&t, &s), 0);
	}
	assert_int_equal(t.count, 1000);
	assert_true(t.cap >= 1000);
	assert_int_equal(tcp_find_inode(&t, 777)->inode, 777);
	tcp_table_free(&t);
}

static void test_format_endpoint_edges(void **state)
{
	char buf[TCP_ENDPOINT_LEN], tiny[6];
	uint8_t any[16] = { 0 };
	uint8_t full[16];

	(void)state;
	memset(full, 0xff, sizeof(full));
	tcp_format_endpoint(buf, sizeof(buf), AF_INET6, full, 65535);
	assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	tcp_format_endpoint(buf, sizeof(buf), AF_INET, any, 0);
	assert_string_equal(buf, "0.0.0.0:0");
	tcp_format_endpoint(buf, sizeof(buf), AF_INET6, any, 22);
	assert_string_equal(buf, "[::]:22");
	tcp_format_endpoint(tiny, sizeof(tiny), AF_INET, loopback4, 9999);
	assert_string_equal(tiny, "127.0");
	tcp_format_endpoint(buf, sizeof(buf), AF_UNIX, loopback4, 1);
	assert_string_equal(buf, "?:1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_every_state),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_header_only_and_empty),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_truncated_last_line),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_lenient_where_harmless),
		cmocka_unit_test(test_very_long_lines),
		cmocka_unit_test(test_100000_lines),
		cmocka_unit_test(test_read_recorded),
		cmocka_unit_test(test_parse_each),
		cmocka_unit_test(test_read_each),
		cmocka_unit_test(test_read_each_all_or_nothing),
		cmocka_unit_test(test_udp_line),
		cmocka_unit_test(test_table_append),
		cmocka_unit_test(test_format_endpoint_edges),
	};

	return cmocka_run_group_tests_name("tcp", tests, NULL, NULL);
}
