/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict parser for /proc/PID/net/tcp and tcp6.  Addresses are stored in
 * network byte order (IPv4 in the first four bytes); the kernel prints them
 * as host-order 32-bit words, which the parser undoes.
 */
#ifndef FDCLOSE_TCP_H
#define FDCLOSE_TCP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's TCP states (include/net/tcp_states.h). */
enum tcp_state_nr {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT,
	TCPS_SYN_RECV,
	TCPS_FIN_WAIT1,
	TCPS_FIN_WAIT2,
	TCPS_TIME_WAIT,
	TCPS_CLOSE,
	TCPS_CLOSE_WAIT,
	TCPS_LAST_ACK,
	TCPS_LISTEN,
	TCPS_CLOSING,
	TCPS_NEW_SYN_RECV,
	TCPS_MAX
};

#define TCP_STATE_BIT(s) (1u << (s))
#define TCP_ALL_STATES (~0u)

/* tcp_sock.age_ms when no timer could be read: /proc/net/tcp shows none. */
#define TCP_AGE_UNKNOWN INT64_C(-1)

struct tcp_sock {
	uint64_t inode;		/* 0 for sockets without a file (accept queue, orphans) */
	uint64_t netns;		/* inode of the network namespace it was read in */
	uint32_t tx_queue;	/* Send-Q */
	uint32_t rx_queue;	/* Recv-Q */
	uint32_t uid;
	/*
	 * ms since the socket last received a segment (tcp_info's
	 * tcpi_last_ack_recv): for a CLOSE_WAIT socket, how long ago the
	 * peer's FIN came, unless the peer sent something since.  Only
	 * sock_diag and TCP_INFO give it; else TCP_AGE_UNKNOWN.
	 */
	int64_t age_ms;
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t state;		/* enum tcp_state_nr */
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
};

struct tcp_table {
	struct tcp_sock *socks;
	size_t count;
	size_t cap;
	size_t malformed;	/* lines that were counted and skipped */
};

/* Longest string tcp_format_endpoint() writes, with its NUL. */
#define TCP_ENDPOINT_LEN (INET6_ADDRSTRLEN + 9)

/*
 * Called for every well-formed line of a table, in file order; a nonzero
 * return (-errno) stops the parse and is handed back to the caller.
 */
typedef int (*tcp_sock_fn)(const struct tcp_sock *s, void *arg);

void tcp_table_free(struct tcp_table *t);
/* Appends s to t; 0 or -ENOMEM. */
int tcp_table_append(struct tcp_table *t, const struct tcp_sock *s);
/*
 * Appends the sockets of one table's text whose state is in state_mask
 * (TCP_STATE_BIT()s).  family is AF_INET for "tcp", AF_INET6 for "tcp6".
 * Returns 0, or -ENOMEM.
 */
int tcp_parse(struct tcp_table *t, const char *text, size_t len, int family,
	      uint64_t netns, unsigned int state_mask);
/*
 * Calls fn for every socket of one table's text, whatever its state, and
 * adds the lines it skips to *malformed.  The udp and udp6 tables share the
 * format, so they parse here too.  0, or fn's nonzero return.
 */
int tcp_parse_each(const char *text, size_t len, int family, uint64_t netns,
		   tcp_sock_fn fn, void *arg, size_t *malformed);
/* Reads PID's tcp and tcp6 (the tables of its network namespace); 0 or -errno. */
int tcp_read(struct tcp_table *t, pid_t pid, uint64_t netns, unsigned int state_mask);
/*
 * Reads both of PID's tables first, tcp6 then tcp (either missing: -ENOENT,
 * except tcp6 alone, which means IPv6 is off), then calls fn for every
 * socket in them.  So a failed read calls fn not even once, and the caller
 * can simply try another process of the namespace.  0 or -errno.
 */
int tcp_read_each(pid_t pid, uint64_t netns, tcp_sock_fn fn, void *arg, size_t *malformed);
/* Returns the socket with that inode, or NULL. */
const struct tcp_sock *tcp_find_inode(const struct tcp_table *t, uint64_t inode);
/* "CLOSE-WAIT", "ESTAB", ... as ss names them. */
const char *tcp_state_name(unsigned int state);
/* "127.0.0.1:9999", "[::1]:9999", "[::ffff:127.0.0.1]:9999" as ss shows them. */
void tcp_format_endpoint(char *buf, size_t size, int family, const uint8_t addr[16],
			 uint16_t port);

#endif
