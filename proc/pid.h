/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Facts about a process, read through the one opener (proc/proc.h), each
 * written once for scan/, injector/ and cli/ alike.  A main thread that
 * called pthread_exit() is a zombie whose fd/ and ns/ entries are empty
 * while its other threads live on: the readers below then ask a live one.
 */
#ifndef FDCLOSE_PID_H
#define FDCLOSE_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define COMM_LEN 16	/* TASK_COMM_LEN, the kernel's limit, NUL included */

/* PF_KTHREAD and PF_EXITING of include/linux/sched.h, in stat's flags. */
#define TASK_FLAG_EXITING 0x4
#define TASK_FLAG_KTHREAD 0x200000

/* The fields of /proc/PID/task/TID/stat that fdclose decides on. */
struct task_stat {
	char state;		/* R, S, D, T, t, Z, X, ... */
	unsigned long flags;	/* PF_* */
	unsigned long long start_time;	/* clock ticks after boot */
};

/* Parses a stat text (a comm may hold spaces and parentheses); 0 or -EINVAL. */
int task_stat_parse(const char *text, struct task_stat *st);
/* Reads tid's stat (tid == pid: the process's own); 0 or -errno. */
int task_stat_read(pid_t pid, pid_t tid, struct task_stat *st);

/* A thread of pid other than its main one that is neither zombie nor dead, or 0. */
pid_t pid_live_thread(pid_t pid);

/* "net:[4026531840]" -> 4026531840 when the link is of kind; 0 or -EINVAL. */
int parse_link_inode(const char *link, const char *kind, uint64_t *inode);
/* The inode of pid's network namespace (a zombie main thread asks a live one). */
int pid_netns(pid_t pid, uint64_t *inode);
/* fdclose's own network namespace; 0 or -errno (a recorded proc root has no self/). */
int self_netns(uint64_t *inode);
/* The namespace a socket lives in (SIOCGSKNS: needs CAP_NET_ADMIN there); 0 unknown. */
uint64_t socket_netns(int sock);

/*
 * Whether the process a pidfd pins has been reaped: its pid may then name
 * another process.  A zombie is not reaped yet: its pid is still its own.
 * Read from /proc/self/fdinfo ("Pid: -1"), so nothing is sent to it.
 */
bool pidfd_reaped(int pidfd);

/* pid's name from /proc/PID/comm, NUL-terminated, cut to COMM_LEN; 0 or -errno. */
int pid_comm(pid_t pid, char comm[COMM_LEN]);
/*
 * The soft RLIMIT_NOFILE of pid from /proc/PID/limits ("Max open files"),
 * 0 for unlimited; 0 or -errno.
 */
int pid_nofile_limit(pid_t pid, uint64_t *soft);
/* The same, from a limits text; 0 or -EINVAL. */
int parse_nofile_limit(const char *text, uint64_t *soft);
/*
 * Called for each open fd of pid, with the directory that listed it (for
 * readlinkat) and its entry's name; 0 goes on, -errno stops the walk.
 */
typedef int (*pid_fd_fn)(int dirfd, const char *name, int fd, void *arg);
/*
 * Lists pid's fd table: /proc/PID/fd, or a live thread's task/TID/fd when
 * the main thread's lists nothing.  fn NULL only counts; *nfds counts every
 * fd.  0 or -errno (fn's, or -EACCES when the table may not be read).
 */
int pid_walk_fds(pid_t pid, pid_fd_fn fn, void *arg, size_t *nfds);
/* How many fds pid has open; 0 or -errno. */
int pid_count_fds(pid_t pid, size_t *count);

#endif
