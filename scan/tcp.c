// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel writes one line per socket (get_tcp4_sock() in
 * net/ipv4/tcp_ipv4.c, get_tcp6_sock() in net/ipv6/tcp_ipv6.c, and their
 * time-wait and request-socket variants):
 *
 *   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu ..."
 *     sl  local         remote   st tx_queue rx_queue tr tm->when retrnsmt
 *                                                              uid timeout inode
 *
 * An IPv6 address is four such %08X words.  What follows the inode differs by
 * socket kind and kernel version, so it is ignored; tcp (not tcp6) lines are
 * also padded with spaces to a fixed width.
 *
 * The parser works on the buffer in place: no line is copied, so no line is
 * too long, and a line the kernel never finished (no trailing newline) is
 * refused rather than guessed at.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/array.h"
#include "proc/proc.h"
#include "scan/tcp.h"

/* A read position within one line; end is the line's newline. */
struct cursor {
	const char *p;
	const char *end;
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Hex number of min..max digits (max <= 16, so no overflow); 0 or -EINVAL.
 * It stops after max digits: an IPv6 address is four words in a row, and
 * everywhere else the caller's next take_*() refuses a digit too many.
 */
static int take_hex(struct cursor *c, int min, int max, uint64_t *out)
{
	uint64_t v = 0;
	int n, d;

	for (n = 0; n < max && c->p < c->end && (d = hex_digit(*c->p)) >= 0; n++) {
		v = v << 4 | (uint64_t)d;
		c->p++;
	}
	if (n < min)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Unsigned decimal that fits in max; 0 or -EINVAL. */
static int take_dec(struct cursor *c, uint64_t max, uint64_t *out)
{
	const char *start = c->p;
	uint64_t v = 0;

	for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
		uint64_t d = (uint64_t)(*c->p - '0');

		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (c->p == start)
		return -EINVAL;
	*out = v;
	return 0;
}

static int take_char(struct cursor *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return -EINVAL;
	c->p++;
	return 0;
}

/* Fields are separated by one or more spaces (the kernel pads with %5u etc). */
static int take_spaces(struct cursor *c)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p == ' ')
		c->p++;
	return c->p == start ? -EINVAL : 0;
}

/*
 * The kernel prints each 32-bit word of the address as a host-order integer;
 * storing that integer back in host order gives the network-order bytes on
 * every architecture.
 */
static int take_address(struct cursor *c, int family, uint8_t addr[16], uint16_t *port)
{
	int words = family == AF_INET6 ? 4 : 1;
	uint32_t word;
	uint64_t v;
	int i;

	memset(addr, 0, 16);
	for (i = 0; i < words; i++) {
		if (take_hex(c, 8, 8, &v))
			return -EINVAL;
		word = (uint32_t)v;
		memcpy(addr + 4 * i, &word, sizeof(word));
	}
	if (take_char(c, ':') || take_hex(c, 4, 4, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int take_endpoints(struct cursor *c, int family, struct tcp_sock *s)
{
	if (take_address(c, family, s->local_addr, &s->local_port) || take_spaces(c))
		return -EINVAL;
	return take_address(c, family, s->remote_addr, &s->remote_port);
}

/* "st tx_queue:rx_queue tr:tm->when retrnsmt" */
static int take_state_and_queues(struct cursor *c, struct tcp_sock *s)
{
	uint64_t v;

	if (take_spaces(c) || take_hex(c, 2, 2, &v))
		return -EINVAL;
	s->state = (uint8_t)v;
	if (take_spaces(c) || take_hex(c, 1, 8, &v))
		return -EINVAL;
	s->tx_queue = (uint32_t)v;
	if (take_char(c, ':') || take_hex(c, 1, 8, &v))
		return -EINVAL;
	s->rx_queue = (uint32_t)v;
	/* The timer fields are checked, not kept: the kernel prints a long. */
	if (take_spaces(c) || take_hex(c, 1, 8, &v) || take_char(c, ':') ||
	    take_hex(c, 1, 16, &v))
		return -EINVAL;
	if (take_spaces(c) || take_hex(c, 1, 8, &v))
		return -EINVAL;
	return 0;
}

/* "uid timeout inode", then the end of the line or a space. */
static int take_owner(struct cursor *c, struct tcp_sock *s)
{
	uint64_t v;

	if (take_spaces(c) || take_dec(c, UINT32_MAX, &v))
		return -EINVAL;
	s->uid = (uint32_t)v;
	/* Old kernels could print a negative timeout for an expired timer. */
	if (take_spaces(c))
		return -EINVAL;
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (take_dec(c, INT32_MAX + 1ULL, &v))
		return -EINVAL;
	if (take_spaces(c) || take_dec(c, UINT64_MAX, &s->inode))
		return -EINVAL;
	if (c->p < c->end && *c->p != ' ')
		return -EINVAL;
	return 0;
}

/* One line without its newline; 0 or -EINVAL. */
static int parse_line(const char *line, const char *end, int family, struct tcp_sock *s)
{
	struct cursor c = { line, end };
	uint64_t slot;

	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (take_dec(&c, UINT32_MAX, &slot) || take_char(&c, ':') || take_spaces(&c))
		return -EINVAL;
	if (take_endpoints(&c, family, s) || take_state_and_queues(&c, s))
		return -EINVAL;
	if (take_owner(&c, s))
		return -EINVAL;
	s->family = (uint8_t)family;
	/* The table's timer columns say when the next timer fires, not how old anything is. */
	s->age_ms = TCP_AGE_UNKNOWN;
	return 0;
}

/* "  sl  local_address rem_address ..." in tcp, "remote_address" in tcp6. */
static bool is_header(const char *line, const char *end)
{
	static const char sl[] = "sl", local[] = "local_address";
	struct cursor c = { line, end };

	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if ((size_t)(c.end - c.p) < sizeof(sl) - 1 || memcmp(c.p, sl, sizeof(sl) - 1))
		return false;
	c.p += sizeof(sl) - 1;
	if (take_spaces(&c))
		return false;
	return (size_t)(c.end - c.p) >= sizeof(local) - 1 &&
	       !memcmp(c.p, local, sizeof(local) - 1);
}

int tcp_table_append(struct tcp_table *t, const struct tcp_sock *s)
{
	struct tcp_sock *bigger = array_grow(t->socks, &t->cap, t->count, sizeof(*bigger));

	if (!bigger)
		return -ENOMEM;
	t->socks = bigger;
	t->socks[t->count++] = *s;
	return 0;
}

static bool state_wanted(unsigned int state, unsigned int state_mask)
{
	return state < 32 && (state_mask & TCP_STATE_BIT(state));
}

void tcp_table_free(struct tcp_table *t)
{
	free(t->socks);
	memset(t, 0, sizeof(*t));
}

int tcp_parse_each(const char *text, size_t len, int family, uint64_t netns,
		   tcp_sock_fn fn, void *arg, size_t *malformed)
{
	const char *p = text, *end = text + len;
	bool header = true;
	int ret;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct tcp_sock s;

		if (!nl) {
			(*malformed)++;	/* the kernel always ends a line */
			break;
		}
		if (header) {
			if (!is_header(p, nl))
				(*malformed)++;
			header = false;
		} else if (parse_line(p, nl, family, &s)) {
			(*malformed)++;
		} else {
			s.netns = netns;
			ret = fn(&s, arg);
			if (ret)
				return ret;
		}
		p = nl + 1;
	}
	return 0;
}

struct append_ctx {
	struct tcp_table *t;
	unsigned int state_mask;
};

static int append_wanted(const struct tcp_sock *s, void *arg)
{
	const struct append_ctx *ctx = arg;

	if (!state_wanted(s->state, ctx->state_mask))
		return 0;
	return tcp_table_append(ctx->t, s);
}

int tcp_parse(struct tcp_table *t, const char *text, size_t len, int family,
	      uint64_t netns, unsigned int state_mask)
{
	struct append_ctx ctx = { t, state_mask };

	return tcp_parse_each(text, len, family, netns, append_wanted, &ctx, &t->malformed);
}

/*
 * tcp6 is read first: if it is missing and tcp is then present, IPv6 is
 * simply disabled; if the process vanished, tcp is missing too and the
 * caller sees ENOENT.
 */
int tcp_read_each(pid_t pid, uint64_t netns, tcp_sock_fn fn, void *arg, size_t *malformed)
{
	char *text6 = NULL, *text4;
	size_t len6 = 0, len4;
	int ret;

	ret = proc_read_all(&text6, &len6, "%d/net/tcp6", (int)pid);
	if (ret && ret != -ENOENT)
		return ret;
	ret = proc_read_all(&text4, &len4, "%d/net/tcp", (int)pid);
	if (ret)
		goto free_text6;
	if (text6)
		ret = tcp_parse_each(text6, len6, AF_INET6, netns, fn, arg, malformed);
	if (!ret)
		ret = tcp_parse_each(text4, len4, AF_INET, netns, fn, arg, malformed);
	free(text4);
free_text6:
	free(text6);
	return ret;
}

/* On failure the table is left as it was, so the caller can try another process. */
int tcp_read(struct tcp_table *t, pid_t pid, uint64_t netns, unsigned int state_mask)
{
	size_t count = t->count, malformed = t->malformed;
	struct append_ctx ctx = { t, state_mask };
	int ret;

	ret = tcp_read_each(pid, netns, append_wanted, &ctx, &t->malformed);
	if (ret) {
		t->count = count;
		t->malformed = malformed;
	}
	return ret;
}

const struct tcp_sock *tcp_find_inode(const struct tcp_table *t, uint64_t inode)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (t->socks[i].inode == inode)
			return &t->socks[i];
	return NULL;
}

static const char *const state_names[TCPS_MAX] = {
	[TCPS_ESTABLISHED] = "ESTAB",
	[TCPS_SYN_SENT] = "SYN-SENT",
	[TCPS_SYN_RECV] = "SYN-RECV",
	[TCPS_FIN_WAIT1] = "FIN-WAIT-1",
	[TCPS_FIN_WAIT2] = "FIN-WAIT-2",
	[TCPS_TIME_WAIT] = "TIME-WAIT",
	[TCPS_CLOSE] = "UNCONN",
	[TCPS_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCPS_LAST_ACK] = "LAST-ACK",
	[TCPS_LISTEN] = "LISTEN",
	[TCPS_CLOSING] = "CLOSING",
	[TCPS_NEW_SYN_RECV] = "NEW-SYN-RECV",
};

const char *tcp_state_name(unsigned int state)
{
	if (state >= TCPS_MAX || !state_names[state])
		return "UNKNOWN";
	return state_names[state];
}

void tcp_format_endpoint(char *buf, size_t size, int family, const uint8_t addr[16],
			 uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (!size)
		return;
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, ip, sizeof(ip))) {
		snprintf(buf, size, "?:%u", port);
		return;
	}
	if (family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, port);
	else
		snprintf(buf, size, "%s:%u", ip, port);
}
