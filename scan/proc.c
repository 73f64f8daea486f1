// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "scan/proc.h"

static int root_fd = -1;
static const char *root_path = "/proc";

void proc_reset(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
}

int proc_root(void)
{
	const char *root;

	if (root_fd >= 0)
		return root_fd;
	root = getenv(PROC_ROOT_ENV);
	if (!root || !*root)
		root = "/proc";
	root_path = root;
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	return root_fd;
}

/* Formats the relative path; returns 0, or -ENAMETOOLONG. */
static int format_path(char *path, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(path, size, fmt, ap);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int vopen(int flags, const char *fmt, va_list ap)
{
	char path[256];
	int root = proc_root();
	int fd, ret;

	if (root < 0)
		return root;
	ret = format_path(path, sizeof(path), fmt, ap);
	if (ret)
		return ret;
	fd = openat(root, path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int proc_open(int flags, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = vopen(flags, fmt, ap);
	va_end(ap);
	return fd;
}

FILE *proc_fopen(const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	int fd;

	va_start(ap, fmt);
	fd = vopen(O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}

DIR *proc_opendir(const char *fmt, ...)
{
	va_list ap;
	DIR *d;
	int fd;

	va_start(ap, fmt);
	fd = vopen(O_RDONLY | O_DIRECTORY, fmt, ap);
	va_end(ap);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return d;
}

/* The root fd and the formatted relative path, for a call that fills buf; 0 or -errno. */
static int prepare_path(int *root, char *path, size_t path_size, size_t buf_size,
			const char *fmt, va_list ap)
{
	*root = proc_root();
	if (*root < 0)
		return *root;
	if (buf_size == 0)
		return -EINVAL;
	return format_path(path, path_size, fmt, ap);
}

ssize_t proc_readlink(char *buf, size_t size, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	ssize_t n;
	int root, ret;

	va_start(ap, fmt);
	ret = prepare_path(&root, path, sizeof(path), size, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	n = readlinkat(root, path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int proc_stat(struct stat *st, const char *fmt, ...)
{
	char path[256];
	int root = proc_root();
	va_list ap;
	int ret;

	if (root < 0)
		return root;
	va_start(ap, fmt);
	ret = format_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	return fstatat(root, path, st, 0) ? -errno : 0;
}

/* Reads fd to its end into a growing buffer; 0 or -errno. */
static int slurp(int fd, char **bufp, size_t *lenp)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				goto free_buf;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;

free_buf:
	free(buf);
	return -ENOMEM;
}

int proc_read_all(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	fd = vopen(O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	ret = slurp(fd, buf, len);
	close(fd);
	return ret;
}

ssize_t proc_getxattr(const char *name, char *buf, size_t size, const char *fmt, ...)
{
	char rel[256], path[PATH_MAX];
	va_list ap;
	ssize_t n;
	int root, ret;

	va_start(ap, fmt);
	ret = prepare_path(&root, rel, sizeof(rel), size, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	/* There is no getxattrat() in this libc: build the path from the root. */
	if (snprintf(path, sizeof(path), "%s/%s", root_path, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = getxattr(path, name, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

pid_t proc_parse_pid(const char *name)
{
	long pid = 0;

	if (*name < '1' || *name > '9')
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || pid > 99999999)
			return 0;
		pid = pid * 10 + (*name - '0');
	}
	return (pid_t)pid;
}

bool proc_is_fdclose(pid_t pid)
{
	static struct stat ours;
	static bool ours_known;
	struct stat theirs;
	char comm[32];
	int fd = proc_open(0, "%d/comm", pid);
	ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		comm[n] = '\0';
		if (!strcmp(comm, "fdclose\n"))
			return true;
	}
	if (!ours_known)
		ours_known = !proc_stat(&ours, "self/exe");
	return ours_known && !proc_stat(&theirs, "%d/exe", pid) &&
	       theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

const char *proc_status_field(const char *status, const char *name)
{
	size_t n = strlen(name);
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " \t");
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* A decimal field, maybe negative, then a space or the end; NULL if malformed. */
static const char *take_stat_field(const char *p, unsigned long long *v)
{
	const char *start;

	*v = 0;
	if (*p == '-')
		p++;
	for (start = p; *p >= '0' && *p <= '9'; p++) {
		unsigned long long d = (unsigned long long)(*p - '0');

		if (*v > (ULLONG_MAX - d) / 10)
			return NULL;
		*v = *v * 10 + d;
	}
	if (p == start || (*p != ' ' && *p != '\n' && *p != '\0'))
		return NULL;
	return p;
}

/*
 * "pid (comm) state ppid pgrp session tty_nr tpgid flags ... starttime ..."
 * (fs/proc/array.c do_task_stat()); fields 4 to 22 are numbers.
 */
int proc_parse_stat(const char *text, struct proc_stat_info *st)
{
	const char *p = strrchr(text, ')');
	unsigned long long v;
	int field;

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EINVAL;
	st->state = p[2];
	p += 3;
	for (field = 4; field <= 22; field++) {
		if (*p != ' ')
			return -EINVAL;
		p = take_stat_field(p + 1, &v);
		if (!p)
			return -EINVAL;
		if (field == 9)
			st->flags = (unsigned long)v;
		else if (field == 22)
			st->start_time = v;
	}
	return 0;
}

int proc_read_stat(pid_t pid, struct proc_stat_info *st)
{
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/stat", (int)pid);
	if (ret)
		return ret;
	ret = proc_parse_stat(text, st);
	free(text);
	return ret;
}
