/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a target process is, read from /proc before anything is done to it. */
#ifndef FDCLOSE_TARGET_H
#define FDCLOSE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc/pid.h"

struct target_info {
	pid_t pid;
	/*
	 * The task whose /proc entries show the fd table and the network
	 * namespace: pid, unless the main thread called pthread_exit() and
	 * is a zombie while other threads live on (its own entries are empty).
	 */
	pid_t fd_task;
	char comm[COMM_LEN];
	char state;		/* R, S, D, T, t, Z, X, ... */
	pid_t tracer;		/* TracerPid, 0 when none */
	uid_t uid;		/* real uid */
	int seccomp;		/* 0 none, 1 strict, 2 filter */
	bool kthread;
	bool ns_init;		/* pid 1 of its own pid namespace */
	unsigned int threads;
};

/* Reads %d/status and %d/stat; 0, -ESRCH when the process is gone, or -errno. */
int target_inspect(pid_t pid, struct target_info *ti);
/*
 * target_inspect()'s reading of a /proc/PID/status text into ti (pid set
 * by the caller); *kthread_known is false when the text does not say
 * (no "Kthread:" before Linux 6.x).  0, or -ESRCH when pid is a thread id.
 */
int target_parse_status(const char *status, pid_t pid, struct target_info *ti,
			bool *kthread_known);
/* Reads the comm of pid into comm (COMM_LEN); "?" when unknown. */
void target_comm(pid_t pid, char *comm);

#endif
