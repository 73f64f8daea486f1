// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/array.h"
#include "common/diag.h"
#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/fdtable.h"

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

struct visit {
	pid_t pid;
	fd_socket_fn fn;
	void *arg;
};

/* The link of one fd names its object; a failed readlink means the fd just closed. */
static int visit_fd(int dfd, const char *name, int fd, void *arg)
{
	const struct visit *v = arg;
	char link[FD_LINK_MAX];
	uint64_t inode;
	ssize_t n;

	n = readlinkat(dfd, name, link, sizeof(link) - 1);
	if (n < 0)
		return errno == EACCES || errno == EPERM ? -errno : 0;
	link[n] = '\0';
	if (parse_link_inode(link, "socket", &inode))
		return 0;
	return v->fn(v->pid, fd, inode, v->arg);
}

int fdtable_walk(pid_t pid, fd_socket_fn fn, void *arg, size_t *nfds)
{
	struct visit v = { pid, fn, arg };

	return pid_walk_fds(pid, visit_fd, &v, nfds);
}

int fdtable_add_holder_at(struct scan_result *r, pid_t pid, int fd, size_t sock,
			 unsigned long long start_time)
{
	struct holder *h = array_grow(r->holders, &r->cap, r->count, sizeof(*h));

	if (!h)
		return -ENOMEM;
	r->holders = h;
	h = &r->holders[r->count++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->fd = fd;
	h->sock = sock;
	h->start_time = start_time;
	return 0;
}

unsigned long long fdtable_start_time(pid_t pid)
{
	struct task_stat st;

	return task_stat_read(pid, pid, &st) ? 0 : st.start_time;
}

int fdtable_add_holder(struct scan_result *r, pid_t pid, int fd, size_t sock)
{
	/* A process's holders come in a run: its stat is read once. */
	if (r->count && r->holders[r->count - 1].pid == pid)
		return fdtable_add_holder_at(r, pid, fd, sock,
					     r->holders[r->count - 1].start_time);
	return fdtable_add_holder_at(r, pid, fd, sock, fdtable_start_time(pid));
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

	ret = pid_comm(pid, comm);
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
