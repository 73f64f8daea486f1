// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cwmany: many processes that leak many CLOSE_WAIT sockets, fast, for the
 * bench.  cwfix is the careful fixture (one process, at most 4096 sockets,
 * checks itself); this one is the crowd.
 *
 *   cwmany --procs N --closewait M [--live L] [--extra K] [--threads T]
 *          --ready FILE [--lifetime SECONDS]
 *
 * Forks N holders.  Each listens on 127.0.0.1 (a port of its own, so that
 * the N of them never compete for the 4-tuples of one listener), connects
 * to itself M times, accepts, and closes the connecting end: M accepted
 * sockets in CLOSE_WAIT, which it never closes.  Each connection comes from
 * a loopback address of its own (see connect_accept()).  Then L
 * connections that stay ESTABLISHED (both ends held), K more fds of other
 * kinds (a quarter of them unix sockets from socketpairs, the rest dups of
 * /dev/null) so that a scan has a realistic haystack, and T - 1 more
 * threads parked in untimed blocking calls (futex, poll, nanosleep by
 * turns), as the idle pool of a server.  The main thread of each holder
 * parks in read(2) on a pipe whose writer is the parent: when the parent
 * goes, for whatever reason, the holders go too (and PR_SET_PDEATHSIG
 * backs that up).
 *
 * When every holder is ready the parent writes FILE atomically (tmp file
 * and rename), one line per holder:
 *
 *   PID FD FD ...      the holder's pid, then its CLOSE_WAIT fds
 *
 * preceded by "parent PID".  The parent then waits for SIGTERM, SIGINT,
 * SIGHUP, the death of any holder or --lifetime (default 900 s), kills the
 * holders, reaps them and exits.  Exit status 1 (and a message) if a holder
 * could not be set up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../fixtures/fixture.h"

#define MAX_PROCS	1000
#define MAX_PER_PROC	200000
#define MAX_THREADS	4096
#define READY_TIMEOUT_S	120
#define THREAD_STACK	(64 * 1024)

struct opts {
	int procs;
	int closewait;
	int live;
	int extra;
	int threads;
	int lifetime;
	const char *ready;
};

static struct opts o = { .procs = 1, .threads = 1, .lifetime = 900 };

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cwmany[%d]: %s\n", (int)getpid(), msg);
	exit(1);
}

/* ------------------------------------------------------------------ */
/* A holder                                                            */

static int listen_loopback(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd;

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* The backlog never fills: each connection is accepted right away. */
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)addr, &len))
		die("listen on 127.0.0.1: %s", strerror(errno));
	return fd;
}

/*
 * Connection i comes from 127.1.0.0 + i + 1, an address of its own.  The
 * bench turns TIME_WAIT off in its namespace (a server never holds its
 * remote clients' ends, and over loopback they would linger and pile up),
 * so a closed client end frees its port at once; were every client on
 * 127.0.0.1, a later connect() could take the same port again, and its SYN
 * would hit the CLOSE_WAIT socket that still owns that 4-tuple and reset it.
 * IP_BIND_ADDRESS_NO_PORT leaves the port to connect(), as usual.
 *
 * On loopback the handshake is done by the time connect() returns.
 */
static int connect_accept(int lfd, const struct sockaddr_in *addr, int i, int *cli)
{
	struct sockaddr_in src = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl((127u << 24 | 1u << 16) + (uint32_t)i + 1),
	};
	int one = 1, c, s;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) ||
	    bind(c, (struct sockaddr *)&src, sizeof(src)))
		die("bind to %s: %s", inet_ntoa(src.sin_addr), strerror(errno));
	if (connect(c, (const struct sockaddr *)addr, sizeof(*addr)))
		die("connect to 127.0.0.1:%d: %s", ntohs(addr->sin_port), strerror(errno));
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		die("accept: %s", strerror(errno));
	*cli = c;
	return s;
}

/* The FIN usually lands inside close(); wait for the few that do not. */
static void wait_closewait(const int *cw, int n)
{
	int64_t deadline = now_ms() + 10000;
	struct pollfd p = { .events = POLLRDHUP };
	int i;

	for (i = 0; i < n; i++) {
		while (tcp_state(cw[i]) != TCP_CLOSE_WAIT) {
			if (now_ms() > deadline)
				die("fd %d did not reach CLOSE_WAIT (state %d)", cw[i],
				    tcp_state(cw[i]));
			p.fd = cw[i];
			poll(&p, 1, 10);
		}
	}
}

static void make_extra(int n)
{
	int devnull, sp[2], made = 0;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null: %s", strerror(errno));
	made = 1;
	while (made < n) {
		if (made % 8 == 0 && made + 2 <= n) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
				die("socketpair: %s", strerror(errno));
			made += 2;
			continue;
		}
		if (fcntl(devnull, F_DUPFD_CLOEXEC, 0) < 0)
			die("dup: %s", strerror(errno));
		made++;
	}
}

static unsigned int idle_word;
static int hold_fd = -1;

/* Parked for good, in the calls an idle pool thread sits in. */
static void *idle_thread(void *arg)
{
	long kind = (long)arg;
	struct timespec hour = { .tv_sec = 3600 };
	struct pollfd p = { .fd = hold_fd, .events = POLLIN };

	for (;;) {
		switch (kind % 3) {
		case 0:
			syscall(SYS_futex, &idle_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
			break;
		case 1:
			if (poll(&p, 1, -1) == 1)
				return NULL;	/* the parent is gone */
			break;
		default:
			nanosleep(&hour, NULL);
			break;
		}
	}
	return NULL;
}

static void start_threads(int n)
{
	pthread_attr_t attr;
	pthread_t t;
	long i;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		err = pthread_create(&t, &attr, idle_thread, (void *)i);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	pthread_attr_destroy(&attr);
}

/* Writes "PID FD FD ...\n" to its own part file for the parent to merge. */
static void write_part(const int *cw, int n)
{
	char path[PATH_MAX];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s.part.%d", o.ready, (int)getpid());
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "%d", (int)getpid());
	for (i = 0; i < n; i++)
		fprintf(f, " %d", cw[i]);
	fputc('\n', f);
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

static void __attribute__((noreturn)) holder(pid_t parent, int notify_fd)
{
	struct sockaddr_in addr;
	int *cw, lfd, i, c, s;
	char buf[1];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	cw = calloc((size_t)o.closewait + 1, sizeof(*cw));
	if (!cw)
		die("out of memory");
	lfd = listen_loopback(&addr);
	for (i = 0; i < o.closewait; i++) {
		cw[i] = connect_accept(lfd, &addr, i, &c);
		close(c);
	}
	for (i = 0; i < o.live; i++) {
		s = connect_accept(lfd, &addr, o.closewait + i, &c);
		(void)s;
	}
	wait_closewait(cw, o.closewait);
	make_extra(o.extra);
	start_threads(o.threads - 1);
	write_part(cw, o.closewait);
	free(cw);
	if (write(notify_fd, "r", 1) != 1)
		die("telling the parent: %s", strerror(errno));
	close(notify_fd);
	/* Parked: only the parent's end of the pipe closing wakes us. */
	while (read(hold_fd, buf, 1) != 0)
		;
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* The parent                                                          */

static pid_t *kids;
static int nkids;

static void kill_kids(void)
{
	int i;

	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < nkids; i++)
		waitpid(kids[i], NULL, 0);
	nkids = 0;
}

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kill_kids();
	die("%s", msg);
}

/* Root may raise the hard limit too; each holder needs about M + 2L + K. */
static void raise_nofile(void)
{
	rlim_t need = (rlim_t)o.closewait + 2 * (rlim_t)o.live + (rlim_t)o.extra + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE %lu: %s (each holder needs that many fds)",
		    (unsigned long)need, strerror(errno));
}

static void wait_ready(int notify_fd)
{
	int64_t deadline = now_ms() + READY_TIMEOUT_S * 1000;
	struct pollfd p = { .fd = notify_fd, .events = POLLIN };
	int ready = 0, status;
	char buf[256];
	ssize_t n;
	pid_t dead;

	while (ready < nkids) {
		if (now_ms() > deadline)
			fail("%d of %d holders not ready after %d s", nkids - ready, nkids,
			     READY_TIMEOUT_S);
		dead = waitpid(-1, &status, WNOHANG);
		if (dead > 0)
			fail("holder %d died during setup (status 0x%x)", (int)dead, status);
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(notify_fd, buf, sizeof(buf));
		if (n > 0)
			ready += (int)n;
	}
}

static void merge_parts(void)
{
	char tmp[PATH_MAX], part[PATH_MAX], line[4096];
	FILE *out, *in;
	size_t n;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", o.ready, (int)getpid());
	out = fopen(tmp, "w");
	if (!out)
		fail("%s: %s", tmp, strerror(errno));
	fprintf(out, "parent %d\n", (int)getpid());
	for (i = 0; i < nkids; i++) {
		snprintf(part, sizeof(part), "%s.part.%d", o.ready, (int)kids[i]);
		in = fopen(part, "r");
		if (!in)
			fail("%s: %s", part, strerror(errno));
		while ((n = fread(line, 1, sizeof(line), in)) > 0)
			fwrite(line, 1, n, out);
		fclose(in);
		unlink(part);
	}
	if (fclose(out) || rename(tmp, o.ready))
		fail("writing %s: %s", o.ready, strerror(errno));
}

static int num_arg(const char *s, int min, int max, const char *what)
{
	int v;

	if (!parse_num(s, min, max, &v))
		die("%s takes a number from %d to %d, not '%s'", what, min, max, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "closewait", required_argument, NULL, 'n' },
		{ "live", required_argument, NULL, 'l' },
		{ "extra", required_argument, NULL, 'x' },
		{ "threads", required_argument, NULL, 't' },
		{ "ready", required_argument, NULL, 'r' },
		{ "lifetime", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o.procs = num_arg(optarg, 1, MAX_PROCS, "--procs"); break;
		case 'n': o.closewait = num_arg(optarg, 0, MAX_PER_PROC, "--closewait"); break;
		case 'l': o.live = num_arg(optarg, 0, MAX_PER_PROC, "--live"); break;
		case 'x': o.extra = num_arg(optarg, 0, MAX_PER_PROC, "--extra"); break;
		case 't': o.threads = num_arg(optarg, 1, MAX_THREADS, "--threads"); break;
		case 'r': o.ready = optarg; break;
		case 'L': o.lifetime = num_arg(optarg, 1, 86400, "--lifetime"); break;
		default: goto usage;
		}
	}
	if (optind == argc && o.ready)
		return;
usage:
	fputs("usage: cwmany --procs N --closewait M [--live L] [--extra K] [--threads T]\n"
	      "              --ready FILE [--lifetime SECONDS]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int notify[2], hold[2], sig, i;
	pid_t parent = getpid(), pid;
	sigset_t set;

	parse_args(argc, argv);
	raise_nofile();
	if (pipe2(notify, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	/* Blocked before the fork, so a signal during setup is not lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kids = calloc((size_t)o.procs, sizeof(*kids));
	if (!kids)
		die("out of memory");
	for (i = 0; i < o.procs; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (pid == 0) {
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			close(notify[0]);
			close(hold[1]);
			hold_fd = hold[0];
			holder(parent, notify[1]);
		}
		kids[nkids++] = pid;
	}
	close(notify[1]);
	close(hold[0]);
	alarm((unsigned int)o.lifetime);
	wait_ready(notify[0]);
	merge_parts();
	sigwait(&set, &sig);
	kill_kids();
	return sig == SIGCHLD ? 1 : 0;
}
