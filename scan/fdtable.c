// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "scan/fdtable.h"
#include "scan/proc.h"

/* "socket:[18446744073709551615]" fits; anything longer is not a socket. */
#define FD_LINK_MAX 64

static size_t slot_of(const struct inode_map *m, uint64_t inode)
{
	uint64_t h = inode * 0x9E3779B97F4A7C15ULL;	/* spreads sequential inodes */

	return (size_t)(h ^ h >> 32) & m->mask;
}

static int map_alloc(struct inode_map *m, size_t slots, bool with_vals)
{
	m->keys = calloc(slots, sizeof(*m->keys));
	m->vals = with_vals ? calloc(slots, sizeof(*m->vals)) : NULL;
	if (!m->keys || (with_vals && !m->vals)) {
		free(m->keys);
		free(m->vals);
		m->keys = NULL;
		m->vals = NULL;
		return -ENOMEM;
	}
	m->mask = slots - 1;
	m->count = 0;
	return 0;
}

static int map_init(struct inode_map *m, size_t expected, bool with_vals)
{
	size_t slots = 16;

	while (slots / 2 < expected) {
		if (slots > SIZE_MAX / 4 / sizeof(*m->keys))
			return -ENOMEM;
		slots *= 2;
	}
	return map_alloc(m, slots, with_vals);
}

int inode_map_init(struct inode_map *m, size_t expected)
{
	return map_init(m, expected, true);
}

int inode_set_init(struct inode_map *m, size_t expected)
{
	return map_init(m, expected, false);
}

static void insert(struct inode_map *m, uint64_t inode, size_t val)
{
	size_t i = slot_of(m, inode);

	while (m->keys[i])
		i = (i + 1) & m->mask;
	m->keys[i] = inode;
	if (m->vals)
		m->vals[i] = val;
	m->count++;
}

/* Keeps the table at most half full, so probes stay short. */
static int grow(struct inode_map *m)
{
	struct inode_map old = *m;
	size_t slots = (old.mask + 1) * 2, i;
	int ret;

	if (slots > SIZE_MAX / 2 / sizeof(*m->keys))
		return -ENOMEM;
	ret = map_alloc(m, slots, old.vals != NULL);
	if (ret) {
		*m = old;
		return ret;
	}
	for (i = 0; i <= old.mask; i++)
		if (old.keys[i])
			insert(m, old.keys[i], old.vals ? old.vals[i] : 0);
	free(old.keys);
	free(old.vals);
	return 0;
}

int inode_map_put(struct inode_map *m, uint64_t inode, size_t val)
{
	int ret;

	if (!inode)
		return -EINVAL;
	if (inode_map_get(m, inode, NULL))
		return -EEXIST;
	if ((m->count + 1) * 2 > m->mask + 1) {
		ret = grow(m);
		if (ret)
			return ret;
	}
	insert(m, inode, val);
	return 0;
}

bool inode_map_get(const struct inode_map *m, uint64_t inode, size_t *val)
{
	size_t i;

	if (!inode || !m->keys)
		return false;
	for (i = slot_of(m, inode); m->keys[i]; i = (i + 1) & m->mask) {
		if (m->keys[i] == inode) {
			if (val)
				*val = m->vals ? m->vals[i] : 0;
			return true;
		}
	}
	return false;
}

void inode_map_free(struct inode_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Digits at p into *v, refusing none and overflow; the end, or NULL. */
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

/* The link of one fd names its object; a failed readlink means the fd just closed. */
static int visit_fd(int dfd, const char *name, pid_t pid, fd_socket_fn fn, void *arg,
		    size_t *nfds)
{
	char link[FD_LINK_MAX];
	uint64_t inode;
	ssize_t n;
	int fd;

	fd = parse_fd_name(name);
	if (fd < 0)
		return 0;
	(*nfds)++;
	n = readlinkat(dfd, name, link, sizeof(link) - 1);
	if (n < 0)
		return errno == EACCES || errno == EPERM ? -errno : 0;
	link[n] = '\0';
	if (parse_link_inode(link, "socket", &inode))
		return 0;
	return fn(pid, fd, inode, arg);
}

/*
 * Calls fn for the sockets of one fd directory (fn NULL: only counts);
 * *nfds counts every fd.  0 or -errno.
 */
static int walk_fd_dir(int dfd, pid_t pid, fd_socket_fn fn, void *arg, size_t *nfds)
{
	struct dirent *de;
	DIR *dir;
	int ret = 0;

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
		if (!fn) {
			*nfds += parse_fd_name(de->d_name) >= 0;
			continue;
		}
		ret = visit_fd(dirfd(dir), de->d_name, pid, fn, arg, nfds);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

/*
 * When the leader called pthread_exit() it is a zombie whose fd/ lists
 * nothing, while the fd table lives on, shared by the other threads: their
 * task/TID/fd shows it.  Returns an open fd directory of a live thread, or
 * -ENOENT when pid has no other thread.
 */
static int open_thread_fd_dir(pid_t pid)
{
	struct dirent *de;
	int dfd = -ENOENT;
	DIR *tasks;
	pid_t tid;

	tasks = proc_opendir("%d/task", (int)pid);
	if (!tasks)
		return -errno;
	while (dfd < 0 && (de = readdir(tasks))) {
		tid = proc_parse_pid(de->d_name);
		if (!tid || tid == pid)
			continue;
		dfd = proc_open(O_RDONLY | O_DIRECTORY, "%d/task/%d/fd", (int)pid, (int)tid);
		if (dfd == -EACCES || dfd == -EPERM)
			break;
	}
	closedir(tasks);
	return dfd;
}

/* A kernel thread has no fds and no other thread: its task/ has only itself. */
static int walk_fds(pid_t pid, fd_socket_fn fn, void *arg, size_t *nfds)
{
	int dfd, ret;

	*nfds = 0;
	dfd = proc_open(O_RDONLY | O_DIRECTORY, "%d/fd", (int)pid);
	if (dfd < 0)
		return dfd;
	ret = walk_fd_dir(dfd, pid, fn, arg, nfds);
	if (ret || *nfds)
		return ret;
	dfd = open_thread_fd_dir(pid);
	if (dfd == -ENOENT)
		return 0;	/* a process without fds, or gone: the fd/ above said so */
	if (dfd < 0)
		return dfd;
	return walk_fd_dir(dfd, pid, fn, arg, nfds);
}

int fdtable_walk(pid_t pid, fd_socket_fn fn, void *arg, size_t *nfds)
{
	return walk_fds(pid, fn, arg, nfds);
}

int proc_count_fds(pid_t pid, size_t *count)
{
	return walk_fds(pid, NULL, NULL, count);
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
int proc_parse_nofile(const char *text, uint64_t *soft)
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

int proc_nofile_limit(pid_t pid, uint64_t *soft)
{
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/limits", (int)pid);
	if (ret)
		return ret;
	ret = proc_parse_nofile(text, soft);
	free(text);
	return ret;
}

int proc_read_comm(pid_t pid, char comm[COMM_LEN])
{
	size_t len;
	char *text;
	int ret;

	ret = proc_read_all(&text, &len, "%d/comm", (int)pid);
	if (ret)
		return ret;
	if (len && text[len - 1] == '\n')
		len--;		/* the kernel's; a newline inside the name stays */
	if (len > COMM_LEN - 1)
		len = COMM_LEN - 1;
	memcpy(comm, text, len);
	comm[len] = '\0';
	free(text);
	return 0;
}

int fdtable_add_holder(struct scan_result *r, pid_t pid, int fd, size_t sock)
{
	struct holder *h;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct holder *bigger;

		if (cap > SIZE_MAX / sizeof(*bigger))
			return -ENOMEM;
		bigger = realloc(r->holders, cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		r->holders = bigger;
		r->cap = cap;
	}
	h = &r->holders[r->count++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->fd = fd;
	h->sock = sock;
	/* A process's holders come in a run: its stat is read once. */
	if (r->count > 1 && h[-1].pid == pid) {
		h->start_time = h[-1].start_time;
	} else {
		struct proc_stat_info st;

		if (!proc_read_stat(pid, &st))
			h->start_time = st.start_time;
	}
	return 0;
}

struct collect_ctx {
	const struct inode_map *want;
	struct scan_result *r;
};

static int collect_socket(pid_t pid, int fd, uint64_t inode, void *arg)
{
	struct collect_ctx *ctx = arg;
	size_t sock;

	if (!inode_map_get(ctx->want, inode, &sock))
		return 0;
	return fdtable_add_holder(ctx->r, pid, fd, sock);
}

/* Reads comm into every holder from index first on; 0 or -errno. */
static int fill_comm(struct scan_result *r, size_t first, pid_t pid)
{
	char comm[COMM_LEN];
	size_t i;
	int ret;

	ret = proc_read_comm(pid, comm);
	if (ret)
		return ret;
	for (i = first; i < r->count; i++)
		memcpy(r->holders[i].comm, comm, sizeof(comm));
	return 0;
}

/* Holders of a process we could not walk to the end are dropped, not trusted. */
static int collect_pid(const struct inode_map *want, pid_t pid, struct scan_result *r)
{
	struct collect_ctx ctx = { want, r };
	size_t first = r->count, nfds;
	int ret;

	ret = fdtable_walk(pid, collect_socket, &ctx, &nfds);
	if (!ret && r->count > first)
		ret = fill_comm(r, first, pid);
	if (ret)
		r->count = first;
	return ret;
}

void fdtable_count_failure(struct scan_stats *st, pid_t pid, int err, bool warn)
{
	switch (err) {
	case -ENOENT:
	case -ESRCH:
		st->vanished++;
		if (warn)
			pr_warn("pid %d: no such process", (int)pid);
		break;
	case -EACCES:
	case -EPERM:
		st->denied++;
		if (warn)
			pr_warn("pid %d: may not read its fd table: run as root or as its owner",
				(int)pid);
		break;
	default:
		st->unreadable++;
		if (warn)
			pr_warn("pid %d: cannot read its fd table: %s", (int)pid, strerror(-err));
		else
			pr_verbose("pid %d: cannot read its fd table: %s", (int)pid,
				   strerror(-err));
		break;
	}
}

static int collect_counted(const struct inode_map *want, pid_t pid, bool warn,
			   struct scan_result *r)
{
	int ret = collect_pid(want, pid, r);

	if (ret == -ENOMEM)
		return ret;
	if (ret)
		fdtable_count_failure(&r->stats, pid, ret, warn);
	else
		r->stats.procs++;
	return 0;
}

static int collect_all(const struct inode_map *want, bool warn, struct scan_result *r)
{
	struct dirent *de;
	int ret = 0;
	DIR *dir;
	pid_t pid;

	dir = proc_opendir(".");
	if (!dir)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		pid = proc_parse_pid(de->d_name);
		if (!pid)
			continue;
		ret = collect_counted(want, pid, warn, r);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

int fdtable_collect(const struct inode_map *want, const pid_t *pids, size_t npids,
		    bool warn, struct scan_result *r)
{
	size_t i;
	int ret;

	if (!npids)
		return collect_all(want, warn, r);
	for (i = 0; i < npids; i++) {
		ret = collect_counted(want, pids[i], warn, r);
		if (ret)
			return ret;
	}
	return 0;
}
