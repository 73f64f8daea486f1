// SPDX-License-Identifier: GPL-2.0-or-later
/* The Prometheus text of --list and --watch, on scan results built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/prom.h"

#define NS1 4026531840ULL
#define NS2 4026532100ULL

/* 1001 is held twice by "java" (a fork): one socket, counted once. */
static struct tcp_sock socks[] = {
	{ .inode = 1001, .netns = NS1, .family = AF_INET, .state = TCPS_CLOSE_WAIT, .age_ms = 45000 },
	{ .inode = 1002, .netns = NS1, .family = AF_INET, .state = TCPS_CLOSE_WAIT, .age_ms = 7250 },
	{ .inode = 1003, .netns = NS2, .family = AF_INET6, .state = TCPS_CLOSE_WAIT,
	  .age_ms = TCP_AGE_UNKNOWN },
	{ .inode = 1004, .netns = NS1, .family = AF_INET, .state = TCPS_CLOSE },
	{ .inode = 2000, .netns = NS1, .family = AF_INET, .state = TCPS_LISTEN },
};

static struct holder holders[] = {
	{ .pid = 10, .fd = 3, .comm = "java", .sock = 0 },
	{ .pid = 10, .fd = 4, .comm = "java", .sock = 1 },
	{ .pid = 11, .fd = 3, .comm = "java", .sock = 0 },
	{ .pid = 20, .fd = 5, .comm = "a\"b\\c", .sock = 2 },
	{ .pid = 21, .fd = 6, .comm = "dead", .sock = 3, .dead = true },
};

static struct backlog backlogs[] = {
	{ .pid = 10, .fd = 7, .comm = "java", .listener = 4, .closewait = 3 },
	{ .pid = 11, .fd = 7, .comm = "java", .listener = 4, .closewait = 3 },
};

static struct proc_fds procs[] = {
	{ .pid = 10, .comm = "java", .fds = 500, .nofile = 1000 },
	{ .pid = 11, .comm = "java", .fds = 900, .nofile = 1000 },
	{ .pid = 20, .comm = "a\"b\\c", .fds = 7, .nofile = 0 },
};

static char *render(const struct prom_counters *c)
{
	struct scan_result r = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	r.socks.socks = socks;
	r.socks.count = r.socks.cap = 5;
	r.holders = holders;
	r.count = r.cap = 5;
	r.backlogs = backlogs;
	r.nbacklogs = 2;
	r.procs = procs;
	r.nprocs = 3;
	r.stats.sockets = 123;
	r.stats.procs = 45;
	r.stats.netns = 2;
	assert_non_null(out);
	assert_int_equal(output_prometheus(out, &r, 0.25, c), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void has(const char *text, const char *line)
{
	char *want = NULL;

	assert_true(asprintf(&want, "\n%s\n", line) > 0);
	if (!strstr(text, want))
		fail_msg("no line '%s' in:\n%s", line, text);
	free(want);
}

static void test_gauges(void **state)
{
	char *t = render(NULL);

	(void)state;
	has(t, "fdclose_closewait_sockets{netns=\"4026531840\",comm=\"java\"} 2");
	has(t, "fdclose_closewait_sockets{netns=\"4026532100\",comm=\"a\\\"b\\\\c\"} 1");
	has(t, "fdclose_closewait_oldest_age_seconds{netns=\"4026531840\",comm=\"java\"} 45.000");
	/* A series whose ages are all unknown has no age sample; a dead socket no count. */
	assert_null(strstr(t, "fdclose_closewait_oldest_age_seconds{netns=\"4026532100\""));
	assert_null(strstr(t, "comm=\"dead\""));
	/* One listener, held by two java processes: its queue counted once. */
	has(t, "fdclose_accept_queue_closewait_sockets{netns=\"4026531840\",comm=\"java\"} 3");
	has(t, "fdclose_process_open_fds{comm=\"java\"} 1400");
	has(t, "fdclose_process_fds_limit_ratio{comm=\"java\"} 0.900000");
	assert_null(strstr(t, "fdclose_process_fds_limit_ratio{comm=\"a"));
	has(t, "fdclose_scanned_sockets 123");
	has(t, "fdclose_scanned_processes 45");
	has(t, "fdclose_scanned_network_namespaces 2");
	has(t, "fdclose_scan_duration_seconds 0.250000");
	has(t, "# TYPE fdclose_closewait_sockets gauge");
	assert_null(strstr(t, "_total"));
	assert_null(strstr(t, "pid="));
	free(t);
}

static void test_counters(void **state)
{
	struct prom_counters c = { .method = "shutdown", .passes = 7, .closed = 5, .failed = 1 };
	char *t = render(&c);

	(void)state;
	has(t, "# TYPE fdclose_watch_passes_total counter");
	has(t, "fdclose_watch_passes_total 7");
	has(t, "fdclose_watch_closed_sockets_total{method=\"shutdown\"} 5");
	has(t, "fdclose_watch_failed_sockets_total{method=\"shutdown\"} 1");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gauges),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
