// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"

/* Digits to a uint64_t; the first byte after them, or NULL (none, overflow). */
static const char *take_u64(const char *p, uint64_t *v)
{
	*v = 0;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return NULL;
		*v = *v * 10 + d;
	}
	return p;
}

/*
 * After the ")" that ends comm: "S 1 2 3 0 -1 4194560 ...".  The comm is
 * the process's to choose, so the last ")" is the one.
 */
int task_stat_parse(const char *text, struct task_stat *st)
{
	const char *p = strrchr(text, ')');
	uint64_t v;
	int field;

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->state = p[2];
	p += 3;
	/* field 3 is the state; flags is 9, start_time 22 (proc(5)). */
	for (field = 4; field <= 22; field++) {
		if (*p != ' ')
			return -EINVAL;
		p++;
		if (*p == '-')
			p++;	/* tty_nr, tpgid, priority, nice may be negative */
		p = take_u64(p, &v);
		if (!p)
			return -EINVAL;
		if (field == 9)
			st->flags = (unsigned long)v;
		else if (field == 22)
			st->start_time = v;
	}
	/* The 22nd ends where a field ends: "5x" is no start time. */
	return *p == ' ' || *p == '\n' || !*p ? 0 : -EINVAL;
}

int task_stat_read(pid_t pid, pid_t tid, struct task_stat *st)
{
	char buf[1024];		/* a stat line is a few hundred bytes */
	ssize_t n = proc_read_buf(buf, sizeof(buf), "%d/task/%d/stat", (int)pid, (int)tid);

	return n < 0 ? (int)n : task_stat_parse(buf, st);
}

pid_t pid_live_thread(pid_t pid)
{
	struct task_stat st;
	struct dirent *de;
	pid_t found = 0;
	DIR *tasks;

	tasks = proc_opendir("%d/task", (int)pid);
	if (!tasks)
		return 0;
	while (!found && (de = readdir(tasks))) {
		pid_t tid = proc_parse_pid(de->d_name);

		if (!tid || tid == pid || task_stat_read(pid, tid, &st))
			continue;
		if (st.state != 'Z' && st.state != 'X')
			found = tid;
	}
	closedir(tasks);
	return found;
}

int parse_link_inode(const char *link, const char *kind, uint64_t *inode)
{
	size_t kind_len = strlen(kind);
	const char *p;
	uint64_t v;

	if (strncmp(link, kind, kind_len) || link[kind_len] != ':' || link[kind_len + 1] != '[')
		return -EINVAL;
	p = take_u64(link + kind_len + 2, &v);
	if (!p || p[0] != ']' || p[1] != '\0')
		return -EINVAL;
	*inode = v;
	return 0;
}

/* A namespace link is "net:[4026531840]"; the buffer leaves room to spare. */
#define NS_LINK_MAX 64

int pid_netns(pid_t pid, uint64_t *inode)
{
	char link[NS_LINK_MAX];
	ssize_t n;
	pid_t tid;

	n = proc_readlink(link, sizeof(link), "%d/ns/net", (int)pid);
	if (n == -ENOENT) {
		tid = pid_live_thread(pid);
		if (tid)
			n = proc_readlink(link, sizeof(link), "%d/task/%d/ns/net", (int)pid,
					  (int)tid);
	}
	if (n < 0)
		return (int)n;
	return parse_link_inode(link, "net", inode);
}

int self_netns(uint64_t *inode)
{
	struct stat st;
	int ret;

	ret = proc_stat(&st, "self/ns/net");
	if (ret)
		return ret;
	*inode = (uint64_t)st.st_ino;
	return 0;
}

uint64_t socket_netns(int sock)
{
	struct stat st;
	uint64_t inode = 0;
	int ns;

	ns = ioctl(sock, SIOCGSKNS);
	if (ns < 0)
		return 0;
	if (!fstat(ns, &st))
		inode = (uint64_t)st.st_ino;
	close(ns);
	return inode;
}

bool pidfd_reaped(int pidfd)
{
	/*
	 * Asked inside every window, so in one syscall: /proc/self/fdinfo/N
	 * stays open, and each pread() from 0 makes it afresh for whatever
	 * fd N is then.  No signal is sent, not even signal 0, which an LSM
	 * would check and may log.
	 */
	static int info = -1, info_of = -1;
	char text[512];
	const char *v;
	ssize_t n;

	if (info_of != pidfd) {
		if (info >= 0)
			close(info);
		info = proc_open(O_RDONLY, "self/fdinfo/%d", pidfd);
		info_of = info >= 0 ? pidfd : -1;
	}
	if (info < 0)
		return false;	/* cannot tell: as without a pin */
	n = pread(info, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return false;
	text[n] = '\0';
	v = proc_status_field(text, "Pid");
	return v && !strncmp(v, "-1", 2);
}

int pid_comm(pid_t pid, char comm[COMM_LEN])
{
	char buf[COMM_LEN + 1];
	ssize_t n = proc_read_buf(buf, sizeof(buf), "%d/comm", (int)pid);

	if (n < 0)
		return (int)n;
	if (n && buf[n - 1] == '\n')
		n--;		/* the kernel's; a newline inside the name stays */
	if (n > COMM_LEN - 1)
		n = COMM_LEN - 1;
	memcpy(comm, buf, (size_t)n);
	comm[n] = '\0';
	return 0;
}

/* The text after "key" at the start of a line, or NULL. */
static const char *after_line_key(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *line = text;

	while (line) {
		if (!strncmp(line, key, n))
			return line + n;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

/*
 * "Max open files            1024                 1048576              files     "
 * (fs/proc/base.c proc_pid_limits(): the soft limit is a %-20lu or
 * "unlimited", padded).
 */
int parse_nofile_limit(const char *text, uint64_t *soft)
{
	const char *p = after_line_key(text, "Max open files ");
	uint64_t v;

	if (!p)
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "unlimited ", 10)) {
		*soft = 0;
		return 0;
	}
	p = take_u64(p, &v);
	if (!p || *p != ' ')
		return -EINVAL;
	*soft = v;
	return 0;
}

int pid_nofile_limit(pid_t pid, uint64_t *soft)
{
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/limits", (int)pid);
	if (ret)
		return ret;
	ret = parse_nofile_limit(text, soft);
	free(text);
	return ret;
}

/* An fd directory entry: "0", "17"; -1 for ".", ".." and anything else. */
static int parse_fd_name(const char *name)
{
	long v = 0;

	if (name[0] == '0' && name[1] == '\0')
		return 0;
	if (*name < '1' || *name > '9')
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > (INT_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*name - '0');
	}
	return (int)v;
}

/* Takes over dfd.  0 or -errno. */
static int walk_fd_dir(int dfd, pid_fd_fn fn, void *arg, size_t *nfds)
{
	struct dirent *de;
	DIR *dir;
	int fd, ret = 0;

	dir = fdopendir(dfd);
	if (!dir) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		fd = parse_fd_name(de->d_name);
		if (fd < 0)
			continue;
		(*nfds)++;
		ret = fn ? fn(dirfd(dir), de->d_name, fd, arg) : 0;
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

/* A kernel thread has no fds and no other thread: its task/ has only itself. */
int pid_walk_fds(pid_t pid, pid_fd_fn fn, void *arg, size_t *nfds)
{
	pid_t tid;
	int dfd, ret;

	*nfds = 0;
	dfd = proc_open(O_RDONLY | O_DIRECTORY, "%d/fd", (int)pid);
	if (dfd < 0)
		return dfd;
	ret = walk_fd_dir(dfd, fn, arg, nfds);
	if (ret || *nfds)
		return ret;
	tid = pid_live_thread(pid);
	if (!tid)
		return 0;	/* a process without fds, or gone: the fd/ above said so */
	dfd = proc_open(O_RDONLY | O_DIRECTORY, "%d/task/%d/fd", (int)pid, (int)tid);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	return walk_fd_dir(dfd, fn, arg, nfds);
}

int pid_count_fds(pid_t pid, size_t *count)
{
	return pid_walk_fds(pid, NULL, NULL, count);
}
