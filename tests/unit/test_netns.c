// SPDX-License-Identifier: GPL-2.0-or-later
/* Network namespace discovery on the recorded tree and on trees made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan/netns.h"
#include "proc/proc.h"

#define HOST_NS 4026531840ULL
#define CONTAINER_NS 4026532100ULL

static void test_recorded_tree(void **state)
{
	struct netns_set set = { 0 };
	const struct netns *host, *container;

	(void)state;
	use_recorded_proc();
	assert_int_equal(netns_discover(&set), 0);
	assert_int_equal(set.count, 2);
	host = &set.ns[0];
	container = &set.ns[1];
	assert_int_equal(host->inode, HOST_NS);
	assert_int_equal(host->pid, 1);
	assert_int_equal(host->nprocs, 5);		/* 1, 100, 300, 500, 600 */
	assert_int_equal(container->inode, CONTAINER_NS);
	assert_int_equal(container->pid, 200);		/* its lowest pid */
	assert_int_equal(container->nprocs, 2);		/* 200, 201 */
	assert_int_equal(set.nprocs, 7);
	assert_int_equal(set.procs[host->first + 1].pid, 100);
	assert_int_equal(set.procs[host->first + 3].pid, 500);
	/* A zombie leader has no ns/net: its live thread's tells. */
	assert_int_equal(set.procs[host->first + 4].pid, 600);
	assert_int_equal(set.procs[host->first + 4].netns, HOST_NS);
	assert_int_equal(set.procs[container->first + 1].pid, 201);
	assert_int_equal(set.procs[container->first + 1].netns, CONTAINER_NS);
	assert_int_equal(set.vanished, 1);		/* 400 has no ns/net, nor threads */
	assert_int_equal(set.denied, 0);
	assert_int_equal(set.unreadable, 0);
	netns_set_free(&set);
	assert_null(set.ns);
	assert_int_equal(set.count, 0);
}

static void test_missing_root(void **state)
{
	struct netns_set set = { 0 };

	(void)state;
	use_root("/nonexistent/fdclose-proc");
	assert_int_equal(netns_discover(&set), -ENOENT);
	assert_null(set.procs);
}

static void make_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void make_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void remove_tree(const char *root)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* Links that are not "net:[N]" are counted, not trusted; empty trees are fine. */
static void test_odd_links(void **state)
{
	static const char *const bad[] = {
		"net:[]", "net:[12x]", "mnt:[4026531840]", "net:[4026531840", "net:[4026531840]x",
		"net:[99999999999999999999999]",
	};
	char root[] = "/tmp/fdclose-netns-XXXXXX", rel[64];
	struct netns_set set = { 0 };
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(root));
	use_root(root);
	assert_int_equal(netns_discover(&set), 0);
	assert_int_equal(set.count, 0);
	netns_set_free(&set);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rel, sizeof(rel), "%zu", 10 + i);
		make_dir(root, rel);
		snprintf(rel, sizeof(rel), "%zu/ns", 10 + i);
		make_dir(root, rel);
		snprintf(rel, sizeof(rel), "%zu/ns/net", 10 + i);
		make_link(root, rel, bad[i]);
	}
	make_dir(root, "7");
	make_dir(root, "7/ns");
	make_link(root, "7/ns/net", "net:[18446744073709551615]");
	make_dir(root, "0");		/* not a pid */
	make_dir(root, "self");
	assert_int_equal(netns_discover(&set), 0);
	assert_int_equal(set.unreadable, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(set.count, 1);
	assert_int_equal(set.ns[0].inode, UINT64_MAX);
	assert_int_equal(set.ns[0].pid, 7);
	netns_set_free(&set);
	remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_tree),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_odd_links),
	};

	return cmocka_run_group_tests_name("netns", tests, NULL, NULL);
}
