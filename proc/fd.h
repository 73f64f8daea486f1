/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which object an fd of a process is: its number, and the device and inode
 * of the open file it refers to.  fdclose decides on a (pid, fd) once and
 * acts later; in between the app may close the number and open something
 * else under it.  One rule tells them apart everywhere: the same device and
 * inode (kcmp, where fdclose holds a reference, says the same more exactly).
 */
#ifndef FDCLOSE_FD_H
#define FDCLOSE_FD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fd_ident {
	int fd;
	dev_t dev;
	ino_t ino;
};

/* fd of pid through /proc/PID/fd/FD; 0, -ENOENT (not open), -errno. */
int fd_ident_read(pid_t pid, int fd, struct fd_ident *id);
/* 0 if the fd still refers to the object id names; -ENOENT closed; -ESTALE reused. */
int fd_ident_check(pid_t pid, const struct fd_ident *id);
/* The identity of a socket fd whose inode a scan found, without reading /proc. */
void fd_ident_of_socket(struct fd_ident *id, int fd, uint64_t inode);
/* Whether a reference of fdclose's own is the object id names. */
bool fd_ident_matches(int ref, const struct fd_ident *id);

/* Reads fd's close-on-exec flag from /proc/PID/fdinfo/FD; 0 or -errno. */
int fd_read_cloexec(pid_t pid, int fd, bool *cloexec);
/* The octal "flags:" line of an fdinfo text; 0 or -EINVAL. */
int fdinfo_parse_flags(const char *text, unsigned long *flags);

#endif
