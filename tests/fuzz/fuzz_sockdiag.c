// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One recv() of a NETLINK_SOCK_DIAG dump: sockdiag_parse_dump(), i.e. the
 * netlink headers, each inet_diag_msg and its attributes (INET_DIAG_INFO
 * for the age).  The kernel hands whole, aligned messages, but their
 * lengths and attributes are the kernel's word, checked here.
 */
#include <linux/netlink.h>

#include "scan/sockdiag.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_table t = { 0 };
	void *buf;
	size_t i;

	/* Exactly size bytes, aligned as recv() fills read_dump()'s buffer. */
	buf = aligned_alloc(NLMSG_ALIGNTO, (size + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1));
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	sockdiag_parse_dump(buf, size, 7, &t);
	for (i = 0; i < t.count; i++)
		if (t.socks[i].netns != 7 || t.socks[i].age_ms < TCP_AGE_UNKNOWN)
			abort();
	tcp_table_free(&t);
	free(buf);
	return 0;
}
