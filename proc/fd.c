// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/fd.h"
#include "proc/proc.h"

int fd_ident_read(pid_t pid, int fd, struct fd_ident *id)
{
	struct stat st;
	int ret;

	ret = proc_stat(&st, "%d/fd/%d", (int)pid, fd);
	if (ret)
		return ret;
	id->fd = fd;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int fd_ident_check(pid_t pid, const struct fd_ident *id)
{
	struct stat st;
	int ret = proc_stat(&st, "%d/fd/%d", (int)pid, id->fd);

	if (ret)
		return ret;
	return st.st_dev == id->dev && st.st_ino == id->ino ? 0 : -ESTALE;
}

bool fd_ident_matches(int ref, const struct fd_ident *id)
{
	struct stat st;

	return !fstat(ref, &st) && st.st_dev == id->dev && st.st_ino == id->ino;
}

/* Every socket lives on the one sockfs: one fstat of a socket of ours gives its device. */
static dev_t sockfs_dev(void)
{
	static dev_t dev;
	static bool known;
	struct stat st;
	int fd;

	if (known)
		return dev;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !fstat(fd, &st)) {
		dev = st.st_dev;
		known = true;
	}
	if (fd >= 0)
		close(fd);
	return dev;
}

void fd_ident_of_socket(struct fd_ident *id, int fd, uint64_t inode)
{
	id->fd = fd;
	id->dev = sockfs_dev();
	id->ino = (ino_t)inode;
}

/* The "flags:" line of a /proc/PID/fdinfo/FD text, in octal; 0 or -EINVAL. */
int fdinfo_parse_flags(const char *text, unsigned long *flags)
{
	const char *line = strstr(text, "\nflags:\t");
	char *end;

	if (!strncmp(text, "flags:\t", 7))
		line = text;
	else if (line)
		line++;
	else
		return -EINVAL;
	errno = 0;
	*flags = strtoul(line + 7, &end, 8);
	if (errno || end == line + 7 || *end != '\n')
		return -EINVAL;
	return 0;
}

int fd_read_cloexec(pid_t pid, int fd, bool *cloexec)
{
	unsigned long flags;
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/fdinfo/%d", (int)pid, fd);
	if (ret)
		return ret;
	ret = fdinfo_parse_flags(text, &flags);
	free(text);
	if (!ret)
		*cloexec = flags & O_CLOEXEC;
	return ret;
}
