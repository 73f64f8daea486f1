// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID/net/tcp and tcp6 (and udp, same format): tcp_parse_each() on
 * the text as both families, then the endpoints formatted as the output
 * does.  The text is not NUL-terminated: the parser must keep to len.
 */
#include <sys/socket.h>

#include "scan/tcp.h"
#include "tests/fuzz/fuzz.h"

static int check_sock(const struct tcp_sock *s, void *arg)
{
	char buf[TCP_ENDPOINT_LEN];
	size_t *count = arg;

	tcp_format_endpoint(buf, sizeof(buf), s->family, s->local_addr, s->local_port);
	tcp_format_endpoint(buf, sizeof(buf), s->family, s->remote_addr, s->remote_port);
	fuzz_use(tcp_state_name(s->state), 0);
	if (s->family != AF_INET && s->family != AF_INET6)
		abort();
	(*count)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past len. */
	char *text = malloc(size ? size : 1);
	struct tcp_table t = { 0 };
	size_t count = 0, malformed = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	tcp_parse_each(text, size, AF_INET, 1, check_sock, &count, &malformed);
	tcp_parse_each(text, size, AF_INET6, 1, check_sock, &count, &malformed);
	/* The table form keeps only the wanted states. */
	if (!tcp_parse(&t, text, size, AF_INET6, 1, TCP_STATE_BIT(TCPS_CLOSE_WAIT)))
		for (size_t i = 0; i < t.count; i++)
			if (t.socks[i].state != TCPS_CLOSE_WAIT || tcp_find_inode(&t, t.socks[i].inode) == NULL)
				abort();
	tcp_table_free(&t);
	free(text);
	return 0;
}
