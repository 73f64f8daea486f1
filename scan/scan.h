/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What to act on: every TCP socket in CLOSE_WAIT, in every network namespace,
 * and every (pid, fd) that holds it.  Read only.
 */
#ifndef FDCLOSE_SCAN_H
#define FDCLOSE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/pid.h"
#include "scan/tcp.h"

struct addr_filter {
	bool set;		/* the option was given */
	bool any_addr;		/* only a port was given: ":8080" or "*:8080" */
	uint8_t addr[16];	/* IPv4 kept as its v4-mapped IPv6 form ::ffff:a.b.c.d */
	int port;		/* -1: any port */
};

/*
 * Parses "127.0.0.1", "127.0.0.1:80", "::1", "[::1]:80", "[::1]",
 * "[::ffff:127.0.0.1]:80", ":80", "*:80" and "*" (any endpoint) into f;
 * a port is 0 to 65535.  0 or -EINVAL (f is then untouched).
 */
int parse_addr_filter(const char *s, struct addr_filter *f);
/*
 * True when the endpoint matches; an IPv4 address and its v4-mapped IPv6
 * form match each other either way, as a user expects.  An unset filter
 * matches all; a set one matches no family but AF_INET and AF_INET6.
 */
bool addr_filter_match(const struct addr_filter *f, int family, const uint8_t addr[16],
		       uint16_t port);

struct scan_filter {
	const pid_t *pids;	/* only these processes; none means all */
	size_t npids;
	int port;		/* local or remote port; -1 means any */
	struct addr_filter local;	/* --local ADDR[:PORT] */
	struct addr_filter remote;	/* --remote ADDR[:PORT] */
	const char *comm;	/* --comm NAME: exact process name; NULL any */
	long long uid;		/* --uid UID: the socket's owner uid (the tcp table's
				 * uid column, as ss -e shows); -1 any */
	int64_t older_than_ms;	/* --older-than: only sockets whose age (tcp_sock.age_ms)
				 * is known and at least this; -1 any age */
	bool closewait_only;	/* no dead holders wanted: only CLOSE_WAIT and
				 * LISTEN sockets are dumped, and when the tables
				 * hold none the filters could select, the fd tables
				 * are not walked at all (--watch) */
};

/*
 * A process's fd on a socket to act on: one in CLOSE_WAIT, or a dead one.
 * A dead holder's socket is a TCP socket in no tcp table (an RST, ss -K, or
 * a shutdown and a timeout unhashed it): its tcp_sock has the inode, the
 * family, state TCPS_CLOSE, zero addresses and ports, the queues and owner
 * the socket itself gave, and the holder process's namespace.
 */
struct holder {
	pid_t pid;
	int fd;
	char comm[COMM_LEN];
	size_t sock;		/* index into scan_result.socks.socks */
	bool dead;
	/*
	 * pid's start time when it was scanned (struct task_stat), so that an
	 * act can tell the pid was reused since; 0 when it could not be read.
	 */
	unsigned long long start_time;
};

/*
 * CLOSE_WAIT connections still in a listener's accept queue: their peer
 * left before the application accepted them, so there is no fd to close;
 * the application is not accepting.  One per holder of the listener; a
 * listener no process we could read holds has pid 0, fd -1 and comm "" (and
 * is left out when --pid or --comm is given).  The socket filters count the
 * queued connections that match by their own endpoints, or with the
 * listener's address as their local one (--local 0.0.0.0:8080 as ss -tln
 * shows the listener); --pid and --comm apply to the holder.
 */
struct backlog {
	pid_t pid;
	int fd;
	char comm[COMM_LEN];
	size_t listener;	/* index in r->socks of the LISTEN socket */
	size_t closewait;	/* how many */
};

/*
 * How long a process's listed sockets have been in CLOSE_WAIT (each one's
 * tcp_sock.age_ms), in buckets an on-call engineer reads at a glance: a
 * steady leak fills all of them, a burst one.
 */
enum age_bucket {
	AGE_UNDER_1M,
	AGE_UNDER_10M,
	AGE_UNDER_1H,
	AGE_UNDER_1D,
	AGE_OLDER,
	AGE_UNKNOWN,		/* no timer could be read (the /proc/net/tcp path) */
	AGE_BUCKETS
};

struct age_bucket_name {
	const char *text;	/* "<1m", as the process line shows it */
	const char *key;	/* "under_1m", the JSON key */
};

extern const struct age_bucket_name age_bucket_names[AGE_BUCKETS];

/* The bucket of an age in ms; TCP_AGE_UNKNOWN (any negative) is AGE_UNKNOWN. */
enum age_bucket age_bucket_of(int64_t age_ms);

/* A process with something listed, and how close it is to its fd limit. */
struct proc_fds {
	pid_t pid;
	char comm[COMM_LEN];
	size_t fds;		/* open fds counted by the walk */
	uint64_t nofile;	/* soft "Max open files" from /proc/PID/limits;
				 * 0 unknown or unlimited */
	bool nofile_unknown;	/* with nofile 0: the limits could not be read */
	size_t closewait;	/* its CLOSE_WAIT holders listed (not the dead ones) */
	int64_t oldest_ms;	/* the oldest of their ages; TCP_AGE_UNKNOWN if none known */
	size_t ages[AGE_BUCKETS];	/* how many of them in each bucket */
};

/* Empties p's age counts; then proc_ages_add() once per CLOSE_WAIT holder. */
void proc_ages_reset(struct proc_fds *p);
void proc_ages_add(struct proc_fds *p, int64_t age_ms);

struct scan_stats {
	size_t netns;		/* distinct network namespaces read */
	size_t sockets;		/* TCP sockets read from their tables, every state */
	size_t procs;		/* processes whose fd table was walked */
	size_t vanished;	/* processes that exited mid-walk */
	size_t denied;		/* processes whose fd table we may not read */
	size_t malformed;	/* tcp table lines skipped */
	size_t unreadable;	/* processes passed over for another error */
	size_t netns_failed;	/* namespaces no member process let us read */
	size_t probed;		/* socket fds in no table the kernel was asked about */
	size_t dead;		/* dead holders listed */
	size_t dead_unverified;	/* of those, the socket could not be asked (no
				 * pidfd_getfd(), or no ptrace access): judged by
				 * the tables alone, read twice */
	size_t unlisted;	/* CLOSE_WAIT holders whose namespace we could not
				 * read, found by asking the socket */
	size_t queued_unmatched;	/* accept-queue CLOSE_WAITs without a listener */
	size_t unaged;		/* CLOSE_WAIT sockets the other filters selected but
				 * --older-than passed over: their age is unknown */
	size_t netns_proc;	/* namespaces read from /proc/PID/net/tcp{,6}, which
				 * has no timers: sock_diag could not enter them */
};

struct scan_result {
	struct tcp_table socks;	/* the matching sockets, every namespace; then the
				 * listeners of backlogs and the dead sockets */
	struct holder *holders;	/* sorted by pid, then fd */
	size_t count;
	size_t cap;
	struct backlog *backlogs;	/* sorted by pid, then fd */
	size_t nbacklogs;
	struct proc_fds *procs;	/* sorted by pid */
	size_t nprocs;
	struct scan_stats stats;
};

struct sock_probe;

void scan_filter_init(struct scan_filter *f);
/*
 * --older-than: true when no age is asked for, or the age is known and at
 * least the one asked for.  A socket of unknown age is never old enough.
 */
bool age_filter_match(const struct scan_filter *f, int64_t age_ms);
/* Fills r (which the caller zeroes first); 0 or -errno. */
int scan_closewait(const struct scan_filter *f, struct scan_result *r);
/*
 * Keeps in first only the holders whose (pid, fd, inode) second has too,
 * the backlogs whose (pid, fd, listener inode) it has too (with the smaller
 * count), and the processes that still have either (with second's counts,
 * the newer).  For --settle: scan, sleep, scan, settle.  0 or -errno.
 */
int scan_settle(struct scan_result *first, const struct scan_result *second);
void scan_result_free(struct scan_result *r);
/* The process entry of pid in r, or NULL. */
const struct proc_fds *scan_find_proc(const struct scan_result *r, pid_t pid);
/* Fills each process's closewait, oldest_ms and ages from the holders. */
void scan_count_ages(struct scan_result *r);

/*
 * Where the scan asks about sockets in no table; NULL restores the kernel
 * (sock_probe_kernel).  For tests, whose recorded fds the kernel cannot see.
 */
void scan_set_sock_probe(const struct sock_probe *probe);

#endif
