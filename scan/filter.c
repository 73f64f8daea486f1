// SPDX-License-Identifier: GPL-2.0-or-later
/* --local, --remote, --port, --uid, --comm and --older-than: what a scan keeps. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/internal.h"
#include "scan/scan.h"

static const uint8_t v4_mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

/* A port after the address: 0 to 65535, digits only; 0 or -EINVAL. */
static int parse_filter_port(const char *s, int *port)
{
	long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*port = (int)v;
	return 0;
}

/* An address without brackets or port; IPv4 is stored v4-mapped. */
static int parse_filter_ip(const char *s, size_t len, uint8_t addr[16])
{
	char ip[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (!len || len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, &v4) == 1) {
		memcpy(addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(addr + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, ip, addr) == 1 ? 0 : -EINVAL;
}

/* "[ADDR]" or "[ADDR]:PORT" */
static int parse_bracketed(const char *s, struct addr_filter *g)
{
	const char *close = strchr(s, ']');

	if (!close || parse_filter_ip(s + 1, (size_t)(close - s - 1), g->addr))
		return -EINVAL;
	if (!close[1])
		return 0;
	if (close[1] != ':')
		return -EINVAL;
	return parse_filter_port(close + 2, &g->port);
}

/* "ADDR", or "IPV4:PORT": an IPv6 address with a port needs brackets. */
static int parse_plain(const char *s, struct addr_filter *g)
{
	const char *colon = strchr(s, ':');

	if (!colon || strchr(colon + 1, ':'))
		return parse_filter_ip(s, strlen(s), g->addr);
	if (parse_filter_port(colon + 1, &g->port) ||
	    parse_filter_ip(s, (size_t)(colon - s), g->addr) ||
	    memcmp(g->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)))
		return -EINVAL;
	return 0;
}

int parse_addr_filter(const char *s, struct addr_filter *f)
{
	struct addr_filter g = { .set = true, .port = -1 };
	int ret;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "*")) {
		g.any_addr = true;
		ret = 0;
	} else if (!strncmp(s, "*:", 2) || (s[0] == ':' && s[1] != ':')) {
		g.any_addr = true;
		ret = parse_filter_port(strchr(s, ':') + 1, &g.port);
	} else if (s[0] == '[') {
		ret = parse_bracketed(s, &g);
	} else {
		ret = parse_plain(s, &g);
	}
	if (ret)
		return -EINVAL;
	*f = g;
	return 0;
}

bool addr_filter_match(const struct addr_filter *f, int family, const uint8_t addr[16],
		       uint16_t port)
{
	uint8_t v6[16];

	if (!f->set)
		return true;
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (f->port >= 0 && port != f->port)
		return false;
	if (f->any_addr)
		return true;
	if (family == AF_INET) {
		memcpy(v6, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(v6 + 12, addr, 4);
		addr = v6;
	}
	return !memcmp(addr, f->addr, 16);
}

bool age_filter_match(const struct scan_filter *f, int64_t age_ms)
{
	if (f->older_than_ms < 0)
		return true;
	return age_ms != TCP_AGE_UNKNOWN && age_ms >= f->older_than_ms;
}

bool scan_sock_matches(const struct scan_filter *f, const struct tcp_sock *s)
{
	if (f->port >= 0 && s->local_port != f->port && s->remote_port != f->port)
		return false;
	if (f->uid >= 0 && s->uid != f->uid)
		return false;
	return addr_filter_match(&f->local, s->family, s->local_addr, s->local_port) &&
	       addr_filter_match(&f->remote, s->family, s->remote_addr, s->remote_port);
}

/* A dead socket has no endpoint left: only filters that name none let it through. */
bool scan_dead_matches(const struct scan_filter *f, uint32_t uid)
{
	return f->port < 0 && !f->local.set && !f->remote.set && (f->uid < 0 || uid == f->uid);
}

bool scan_process_filtered(const struct scan_filter *f)
{
	return f->npids || f->comm;
}
