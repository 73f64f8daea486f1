/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one opener for every /proc path.  Paths are given relative to the proc
 * root ("%d/net/tcp", "self/fd"), which is /proc unless the environment
 * variable FDCLOSE_PROC_ROOT names a directory of recorded files: that is how
 * the unit tests run the scanner without privilege.
 */
#ifndef FDCLOSE_PROC_H
#define FDCLOSE_PROC_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PROC_ROOT_ENV "FDCLOSE_PROC_ROOT"

/* Forget the cached root so the next call reads FDCLOSE_PROC_ROOT again. */
void proc_reset(void);
/* Returns the directory fd of the proc root, or -errno. */
int proc_root(void);

/* Returns an open fd (O_CLOEXEC is added), or -errno. */
int proc_open(int flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a stream, or NULL with errno set. */
FILE *proc_fopen(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns a directory stream, or NULL with errno set. */
DIR *proc_opendir(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns the link's length (NUL-terminated in buf), or -errno. */
ssize_t proc_readlink(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* stat(2) through the link (the object an fd refers to); 0 or -errno. */
int proc_stat(struct stat *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Reads a whole file into a NUL-terminated malloc'd buffer; returns 0 with
 * *buf and *len set, or -errno.  No limit on size: tcp tables can be large.
 */
int proc_read_all(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* getxattr(2) through the link; the value's length (NUL-terminated), or -errno. */
ssize_t proc_getxattr(const char *name, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parses a decimal pid directory name; returns the pid or 0 if not a pid. */
pid_t proc_parse_pid(const char *name);
/*
 * The value of the "NAME:" line of a /proc/PID/status text, blanks skipped
 * (it runs to the end of the line), or NULL when there is none.
 */
const char *proc_status_field(const char *status, const char *name);
/* What fdclose reads of a /proc/PID/stat (or task/TID/stat) text. */
struct proc_stat_info {
	char state;			/* R, S, D, T, t, Z, X, ... */
	unsigned long flags;		/* PF_* */
	/* Clock ticks after boot: with the pid, the identity of a process. */
	unsigned long long start_time;
};
/*
 * Parses the fields up to starttime (the 22nd) of a stat text.  comm may
 * hold anything, spaces and ')' included, so the last ')' ends it.
 * 0, or -EINVAL when the text is not such a line.
 */
int proc_parse_stat(const char *text, struct proc_stat_info *st);
/* Reads and parses /proc/PID/stat; 0 or -errno (-ENOENT: gone). */
int proc_read_stat(pid_t pid, struct proc_stat_info *st);
/* True when pid runs fdclose: named so, or running the very binary we run. */
bool proc_is_fdclose(pid_t pid);

#endif
