// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tests/vm/svefix.c: an arm64 process that holds live SVE state while it
 * is interrupted (built for the arm64 VM only, with +sve; see
 * run-aarch64.sh).  A syscall entry zeroes the SVE registers beyond their
 * 128-bit FPSIMD part and the predicates: an injector that runs its syscall
 * in this thread must put that state back.
 *
 *   svefix DIR
 *
 * Parks four loopback TCP connections in CLOSE_WAIT, writes DIR/ready ("pid
 * P", "closewait FD..."), then loops: sve_hold() fills z0-z31 and p0-p3, spins in
 * registers only (no syscall, no memory), and counts the registers that
 * changed; after each round DIR/status says "rounds R bad B".  Ends after
 * 600 rounds or when its parent's test is over (the VM powers off).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* One close per try: a try whose interrupt lands outside sve_hold proves nothing. */
#define SOCKETS 4

/* Returns how many of z0-z31, p0-p3 no longer hold what it put there. */
uint64_t sve_hold(uint64_t spins);
__asm__(
	".text\n"
	".global sve_hold\n"
	".type sve_hold, %function\n"
	"sve_hold:\n"
	"	ptrue p7.b\n"
	"	ptrue p0.b\n"
	"	ptrue p1.h\n"
	"	ptrue p2.s\n"
	"	ptrue p3.d\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	dup z\\n\\().b, #((\\n % 15) + 1)\n"
	".endr\n"
	"1:	subs x0, x0, #1\n"
	"	b.ne 1b\n"
	/* The governing predicate is checked by its use: all false, nothing would compare. */
	"	ptrue p7.b\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	cmpne p6.b, p7/z, z\\n\\().b, #((\\n % 15) + 1)\n"
	"	cinc x0, x0, ne\n"	/* ne: some active lane differs */
	".endr\n"
	"	ptrue p6.b\n"
	"	eors p6.b, p7/z, p6.b, p0.b\n"
	"	cinc x0, x0, ne\n"
	"	ptrue p6.h\n"
	"	eors p6.b, p7/z, p6.b, p1.b\n"
	"	cinc x0, x0, ne\n"
	"	ptrue p6.s\n"
	"	eors p6.b, p7/z, p6.b, p2.b\n"
	"	cinc x0, x0, ne\n"
	"	ptrue p6.d\n"
	"	eors p6.b, p7/z, p6.b, p3.b\n"
	"	cinc x0, x0, ne\n"
	"	ret\n"
	".size sve_hold, . - sve_hold\n");

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A connection whose peer has closed: the accepted end sits in CLOSE_WAIT. */
static int closewait_socket(int l, const struct sockaddr_in *a)
{
	int c = socket(AF_INET, SOCK_STREAM, 0), s;

	if (c < 0 || connect(c, (const struct sockaddr *)a, sizeof(*a)))
		die("connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	close(c);
	return s;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256], tmp[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s", dir, name);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		die(path);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	unsigned long rounds, bad = 0;
	char text[128];
	int l, fd[SOCKETS], i;

	if (argc != 2) {
		fprintf(stderr, "usage: svefix DIR\n");
		return 2;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, SOCKETS) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		die("listen");
	for (i = 0; i < SOCKETS; i++)
		fd[i] = closewait_socket(l, &a);
	snprintf(text, sizeof(text), "pid %d\nclosewait %d %d %d %d\n", (int)getpid(), fd[0],
		 fd[1], fd[2], fd[3]);
	write_file(argv[1], "ready", text);
	for (rounds = 1; rounds <= 600; rounds++) {
		bad += sve_hold(20000000);
		snprintf(text, sizeof(text), "rounds %lu bad %lu\n", rounds, bad);
		write_file(argv[1], "status", text);
	}
	return 0;
}
