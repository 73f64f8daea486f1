// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "proc/proc.h"

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

bool proc_root_is_recorded(void)
{
	const char *root = getenv(PROC_ROOT_ENV);

	return root && *root && strcmp(root, "/proc");
}

/* Formats the relative path; returns 0, or -ENAMETOOLONG. */
__attribute__((format(printf, 3, 0)))
static int format_path(char *path, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(path, size, fmt, ap);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

__attribute__((format(printf, 2, 0)))
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
__attribute__((format(printf, 5, 0)))
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

ssize_t proc_read_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	fd = vopen(O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
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

/*
 * Reads fd to its end into a growing buffer; 0 or -errno.  It starts at a
 * page, which most files here fit (a status is some 1.5 kB), and doubles
 * when less than a quarter is left: every page the heap grows into is a
 * page fault, some 10-30 us on a virtual machine with shadow page tables.
 */
static int slurp(int fd, char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - len < cap / 4) {
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
