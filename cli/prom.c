// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/prom.h"

/* One (netns, command) series, and the socket or listener it counts. */
struct series {
	uint64_t netns;
	char comm[COMM_LEN];
	uint64_t inode;
	int64_t age_ms;
	size_t n;		/* accept queue: its CLOSE_WAIT connections */
};

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	c = strcmp(x->comm, y->comm);
	if (c)
		return c;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

static bool same_series(const struct series *a, const struct series *b)
{
	return a->netns == b->netns && !strcmp(a->comm, b->comm);
}

/* A label value as the format wants it: printable, with \ and " escaped. */
static void label_value(char *dst, size_t size, const char *comm)
{
	char shown[COMM_LEN * 4];
	size_t i, n = 0;

	output_printable(shown, sizeof(shown), comm);
	for (i = 0; shown[i] && n + 3 < size; i++) {
		if (shown[i] == '\\' || shown[i] == '"')
			dst[n++] = '\\';
		dst[n++] = shown[i];
	}
	dst[n] = '\0';
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *out, const char *name, const struct series *s, const char *value)
{
	char comm[COMM_LEN * 8];

	label_value(comm, sizeof(comm), s->comm);
	fprintf(out, "%s{netns=\"%" PRIu64 "\",comm=\"%s\"} %s\n", name, s->netns, comm, value);
}

/*
 * CLOSE_WAIT sockets per (netns, command), a socket held by two processes
 * of one command counted once, and the oldest age among them.
 */
static int emit_closewait(FILE *out, const struct scan_result *r)
{
	struct series *s = calloc(r->count ? r->count : 1, sizeof(*s));
	size_t i, j, n = 0, count;
	int64_t oldest;
	char v[32];

	if (!s)
		return -ENOMEM;
	for (i = 0; i < r->count; i++) {
		const struct tcp_sock *t = &r->socks.socks[r->holders[i].sock];

		if (r->holders[i].dead)
			continue;
		s[n] = (struct series){ .netns = t->netns, .inode = t->inode, .age_ms = t->age_ms };
		memcpy(s[n++].comm, r->holders[i].comm, COMM_LEN);
	}
	qsort(s, n, sizeof(*s), cmp_series);
	header(out, "fdclose_closewait_sockets", "gauge",
	       "TCP sockets in CLOSE_WAIT held by processes of this command in this network namespace.");
	for (i = 0; i < n; i = j) {
		for (j = i, count = 0; j < n && same_series(&s[i], &s[j]); j++)
			count += j == i || s[j].inode != s[j - 1].inode;
		snprintf(v, sizeof(v), "%zu", count);
		sample(out, "fdclose_closewait_sockets", &s[i], v);
	}
	header(out, "fdclose_closewait_oldest_age_seconds", "gauge",
	       "Longest time one of those sockets has been in CLOSE_WAIT (absent when no age is known).");
	for (i = 0; i < n; i = j) {
		for (j = i, oldest = -1; j < n && same_series(&s[i], &s[j]); j++)
			if (s[j].age_ms > oldest)
				oldest = s[j].age_ms;
		snprintf(v, sizeof(v), "%.3f", (double)oldest / 1000);
		if (oldest >= 0)
			sample(out, "fdclose_closewait_oldest_age_seconds", &s[i], v);
	}
	free(s);
	return 0;
}

/* Accept-queue CLOSE_WAITs per (netns, command of the listener's holder). */
static int emit_backlogs(FILE *out, const struct scan_result *r)
{
	struct series *s = calloc(r->nbacklogs ? r->nbacklogs : 1, sizeof(*s));
	size_t i, j, sum;
	char v[32];

	if (!s)
		return -ENOMEM;
	for (i = 0; i < r->nbacklogs; i++) {
		const struct tcp_sock *l = &r->socks.socks[r->backlogs[i].listener];

		s[i] = (struct series){ .netns = l->netns, .inode = l->inode,
					.n = r->backlogs[i].closewait };
		memcpy(s[i].comm, r->backlogs[i].comm, COMM_LEN);
	}
	qsort(s, r->nbacklogs, sizeof(*s), cmp_series);
	header(out, "fdclose_accept_queue_closewait_sockets", "gauge",
	       "Connections in CLOSE_WAIT still in the accept queue of a listener of this command "
	       "(comm empty: no readable process holds it); the application is not accepting.");
	for (i = 0; i < r->nbacklogs; i = j) {
		for (j = i, sum = 0; j < r->nbacklogs && same_series(&s[i], &s[j]); j++)
			sum += j == i || s[j].inode != s[j - 1].inode ? s[j].n : 0;
		snprintf(v, sizeof(v), "%zu", sum);
		sample(out, "fdclose_accept_queue_closewait_sockets", &s[i], v);
	}
	free(s);
	return 0;
}

static int cmp_proc_comm(const void *a, const void *b)
{
	return strcmp(((const struct proc_fds *)a)->comm, ((const struct proc_fds *)b)->comm);
}

static void comm_sample(FILE *out, const char *name, const char *comm, const char *value)
{
	char label[COMM_LEN * 8];

	label_value(label, sizeof(label), comm);
	fprintf(out, "%s{comm=\"%s\"} %s\n", name, label, value);
}

/* Per command: its processes' open fds, and how near the nearest is to its limit. */
static int emit_procs(FILE *out, const struct scan_result *r)
{
	struct proc_fds *p = malloc((r->nprocs ? r->nprocs : 1) * sizeof(*p));
	size_t i, j;
	uint64_t fds;
	double ratio;
	char v[32];

	if (!p)
		return -ENOMEM;
	memcpy(p, r->procs, r->nprocs * sizeof(*p));
	qsort(p, r->nprocs, sizeof(*p), cmp_proc_comm);
	header(out, "fdclose_process_open_fds", "gauge",
	       "Open fds of the processes of this command that hold a listed socket, summed.");
	for (i = 0; i < r->nprocs; i = j) {
		for (j = i, fds = 0; j < r->nprocs && !strcmp(p[i].comm, p[j].comm); j++)
			fds += p[j].fds;
		snprintf(v, sizeof(v), "%" PRIu64, fds);
		comm_sample(out, "fdclose_process_open_fds", p[i].comm, v);
	}
	header(out, "fdclose_process_fds_limit_ratio", "gauge",
	       "Open fds over the soft RLIMIT_NOFILE of the process of this command nearest its "
	       "limit (absent when every limit is unlimited or unknown).");
	for (i = 0; i < r->nprocs; i = j) {
		for (j = i, ratio = -1; j < r->nprocs && !strcmp(p[i].comm, p[j].comm); j++)
			if (p[j].nofile && (double)p[j].fds / (double)p[j].nofile > ratio)
				ratio = (double)p[j].fds / (double)p[j].nofile;
		snprintf(v, sizeof(v), "%.6f", ratio);
		if (ratio >= 0)
			comm_sample(out, "fdclose_process_fds_limit_ratio", p[i].comm, v);
	}
	free(p);
	return 0;
}

static void emit_scan(FILE *out, const struct scan_result *r, double duration_s)
{
	header(out, "fdclose_scanned_sockets", "gauge",
	       "TCP sockets the last scan read from the tables of every network namespace "
	       "(--watch reads CLOSE_WAIT and LISTEN ones only).");
	fprintf(out, "fdclose_scanned_sockets %zu\n", r->stats.sockets);
	header(out, "fdclose_scanned_processes", "gauge",
	       "Processes whose fd table the last scan walked.");
	fprintf(out, "fdclose_scanned_processes %zu\n", r->stats.procs);
	header(out, "fdclose_scanned_network_namespaces", "gauge",
	       "Network namespaces whose TCP tables the last scan read.");
	fprintf(out, "fdclose_scanned_network_namespaces %zu\n", r->stats.netns);
	header(out, "fdclose_scan_duration_seconds", "gauge", "How long the last scan took.");
	fprintf(out, "fdclose_scan_duration_seconds %.6f\n", duration_s);
	header(out, "fdclose_scan_timestamp_seconds", "gauge",
	       "When the last scan ended, in seconds since the Unix epoch.");
	fprintf(out, "fdclose_scan_timestamp_seconds %lld\n", (long long)time(NULL));
}

static void emit_counters(FILE *out, const struct prom_counters *c)
{
	header(out, "fdclose_watch_passes_total", "counter", "Passes fdclose --watch has made.");
	fprintf(out, "fdclose_watch_passes_total %" PRIu64 "\n", c->passes);
	header(out, "fdclose_watch_closed_sockets_total", "counter",
	       "CLOSE_WAIT sockets fdclose --watch ended, with this method.");
	fprintf(out, "fdclose_watch_closed_sockets_total{method=\"%s\"} %" PRIu64 "\n",
		c->method, c->closed);
	header(out, "fdclose_watch_failed_sockets_total", "counter",
	       "CLOSE_WAIT sockets fdclose --watch failed to end, with this method.");
	fprintf(out, "fdclose_watch_failed_sockets_total{method=\"%s\"} %" PRIu64 "\n",
		c->method, c->failed);
}

int output_prometheus(FILE *out, const struct scan_result *r, double duration_s,
		      const struct prom_counters *c)
{
	int ret = emit_closewait(out, r);

	if (!ret)
		ret = emit_backlogs(out, r);
	if (!ret)
		ret = emit_procs(out, r);
	if (ret)
		return ret;
	emit_scan(out, r, duration_s);
	if (c)
		emit_counters(out, c);
	return ferror(out) ? -EIO : 0;
}

int prom_write_textfile(const char *dir, const struct scan_result *r, double duration_s,
			const struct prom_counters *c)
{
	char tmp[4096], path[4096];
	FILE *f;
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/fdclose.prom", dir) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.fdclose.prom.XXXXXX", dir) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp makes it 0600; the collector may run as another user. */
	f = fchmod(fd, 0644) ? NULL : fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto remove_tmp;
	}
	ret = output_prometheus(f, r, duration_s, c);
	if (fflush(f) && !ret)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (!ret)
		return 0;
remove_tmp:
	unlink(tmp);
	return ret;
}
