// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/output.h"

static const struct tcp_sock *sock_of(const struct scan_result *r, const struct holder *h)
{
	return &r->socks.socks[h->sock];
}

static const char *holder_state(const struct scan_result *r, const struct holder *h)
{
	return h->dead ? "DEAD" : tcp_state_name(sock_of(r, h)->state);
}

static void add_endpoint(struct json_line *j, const char *key, int family,
			 const uint8_t addr[16], uint16_t port)
{
	char ep[TCP_ENDPOINT_LEN];

	tcp_format_endpoint(ep, sizeof(ep), family, addr, port);
	json_add_str(j, key, ep);
}

void output_socket_fields(struct json_line *j, const struct tcp_sock *s, bool dead,
			  const char *state)
{
	json_add_u64(j, "inode", s->inode);
	json_add_u64(j, "netns", s->netns);
	json_add_str(j, "family", s->family == AF_INET6 ? "inet6" : "inet");
	json_add_str(j, "state", state);
	/* A dead socket has no endpoint any more: null, not a made-up 0.0.0.0:0. */
	if (dead) {
		json_add_null(j, "local");
		json_add_null(j, "remote");
		json_add_null(j, "local_port");
		json_add_null(j, "remote_port");
	} else {
		add_endpoint(j, "local", s->family, s->local_addr, s->local_port);
		add_endpoint(j, "remote", s->family, s->remote_addr, s->remote_port);
		json_add_u64(j, "local_port", s->local_port);
		json_add_u64(j, "remote_port", s->remote_port);
	}
	json_add_u64(j, "recv_q", s->rx_queue);
	json_add_u64(j, "send_q", s->tx_queue);
	json_add_u64(j, "uid", s->uid);
	json_add_bool(j, "dead", dead);
	output_age_field(j, dead ? TCP_AGE_UNKNOWN : s->age_ms);
}

void output_holder_fields(struct json_line *j, const struct scan_result *r,
			  const struct holder *h)
{
	json_add_i64(j, "pid", h->pid);
	json_add_i64(j, "fd", h->fd);
	json_add_str(j, "comm", h->comm);
	output_socket_fields(j, sock_of(r, h), h->dead, holder_state(r, h));
}

void output_age_field(struct json_line *j, int64_t age_ms)
{
	if (age_ms < 0)
		json_add_null(j, "age_ms");
	else
		json_add_i64(j, "age_ms", age_ms);
}

void output_age(char *buf, size_t size, int64_t age_ms)
{
	static const struct {
		int64_t ms;
		char unit;
	} units[] = { { 86400000, 'd' }, { 3600000, 'h' }, { 60000, 'm' }, { 1000, 's' } };
	size_t i;

	if (age_ms < 0) {
		snprintf(buf, size, "-");
		return;
	}
	/* The largest unit that fits, rounded down: "59m" until it is "1h". */
	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1 && age_ms < units[i].ms; i++)
		;
	snprintf(buf, size, "%lld%c", (long long)(age_ms / units[i].ms), units[i].unit);
}

void output_process_age_fields(struct json_line *j, const struct proc_fds *p)
{
	int b;

	json_add_u64(j, "closewait", p->closewait);
	if (!p->closewait || p->oldest_ms < 0)
		json_add_null(j, "oldest_ms");
	else
		json_add_i64(j, "oldest_ms", p->oldest_ms);
	json_object_begin(j, "ages");
	for (b = 0; b < AGE_BUCKETS; b++)
		json_add_u64(j, age_bucket_names[b].key, p->ages[b]);
	json_object_end(j);
}

static void backlog_fields(struct json_line *j, const struct scan_result *r,
			   const struct backlog *b)
{
	const struct tcp_sock *l = &r->socks.socks[b->listener];

	json_add_str(j, "type", "backlog");
	if (b->pid) {
		json_add_i64(j, "pid", b->pid);
		json_add_i64(j, "fd", b->fd);
		json_add_str(j, "comm", b->comm);
	} else {
		json_add_null(j, "pid");
		json_add_null(j, "fd");
		json_add_null(j, "comm");
	}
	json_add_u64(j, "inode", l->inode);
	add_endpoint(j, "local", l->family, l->local_addr, l->local_port);
	json_add_u64(j, "netns", l->netns);
	json_add_u64(j, "closewait", b->closewait);
}

void output_process_fields(struct json_line *j, const struct proc_fds *p)
{
	json_add_str(j, "type", "process");
	json_add_i64(j, "pid", p->pid);
	json_add_str(j, "comm", p->comm);
	json_add_u64(j, "fds", p->fds);
	json_add_u64(j, "nofile", p->nofile);
	output_process_age_fields(j, p);
}

int output_json(FILE *out, const struct scan_result *r)
{
	struct json_line j = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < r->count && !ret; i++) {
		json_begin(&j);
		json_add_str(&j, "type", "holder");
		output_holder_fields(&j, r, &r->holders[i]);
		ret = json_end(&j, out);
	}
	for (i = 0; i < r->nbacklogs && !ret; i++) {
		json_begin(&j);
		backlog_fields(&j, r, &r->backlogs[i]);
		ret = json_end(&j, out);
	}
	for (i = 0; i < r->nprocs && !ret; i++) {
		json_begin(&j);
		output_process_fields(&j, &r->procs[i]);
		ret = json_end(&j, out);
	}
	json_free(&j);
	return ret;
}

/*
 * Length of the character at s (1 for a byte that starts no valid
 * sequence); *printable says whether it may be shown as it is.
 */
static size_t char_len(const unsigned char *s, size_t n, bool *printable)
{
	size_t k;

	if (*s < 0x80) {
		*printable = *s >= 0x20 && *s != 0x7f;
		return 1;
	}
	k = utf8_seq_len(s, n);
	/* U+0080..U+009F are the C1 controls, encoded C2 80..C2 9F. */
	*printable = k && !(k == 2 && s[0] == 0xC2 && s[1] < 0xA0);
	return k ? k : 1;
}

size_t output_printable(char *dst, size_t size, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), out = 0, width = 0, k;
	bool printable;

	if (!size)
		return 0;
	while (n) {
		k = char_len(s, n, &printable);
		if (out + (printable ? k : 1) >= size)
			break;
		if (printable) {
			memcpy(dst + out, s, k);
			out += k;
		} else {
			dst[out++] = '?';
		}
		width++;
		s += k;
		n -= k;
	}
	dst[out] = '\0';
	return width;
}

enum column {
	COL_STATE, COL_RECVQ, COL_SENDQ, COL_LOCAL, COL_PEER, COL_AGE, COL_PROCESS, COL_PID, COL_FD,
	NCOLS
};

static const char *const headers[NCOLS] = {
	"State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Age", "Process",
	"PID", "FD",
};

struct row {
	char recvq[16];
	char sendq[16];
	char local[TCP_ENDPOINT_LEN];
	char peer[TCP_ENDPOINT_LEN];
	char age[AGE_TEXT_LEN];
	char process[COMM_LEN];
	char pid[16];
	char fd[16];
	const char *cells[NCOLS];
	size_t widths[NCOLS];
};

static void header_row(struct row *row)
{
	int c;

	for (c = 0; c < NCOLS; c++) {
		row->cells[c] = headers[c];
		row->widths[c] = strlen(headers[c]);
	}
}

static void holder_row(struct row *row, const struct scan_result *r, const struct holder *h)
{
	const struct tcp_sock *s = sock_of(r, h);
	int c;

	snprintf(row->recvq, sizeof(row->recvq), "%" PRIu32, s->rx_queue);
	snprintf(row->sendq, sizeof(row->sendq), "%" PRIu32, s->tx_queue);
	if (h->dead) {
		snprintf(row->local, sizeof(row->local), "*");
		snprintf(row->peer, sizeof(row->peer), "*");
	} else {
		tcp_format_endpoint(row->local, sizeof(row->local), s->family, s->local_addr,
				    s->local_port);
		tcp_format_endpoint(row->peer, sizeof(row->peer), s->family, s->remote_addr,
				    s->remote_port);
	}
	output_age(row->age, sizeof(row->age), h->dead ? TCP_AGE_UNKNOWN : s->age_ms);
	snprintf(row->pid, sizeof(row->pid), "%d", (int)h->pid);
	snprintf(row->fd, sizeof(row->fd), "%d", h->fd);
	row->cells[COL_STATE] = holder_state(r, h);
	row->cells[COL_RECVQ] = row->recvq;
	row->cells[COL_SENDQ] = row->sendq;
	row->cells[COL_LOCAL] = row->local;
	row->cells[COL_PEER] = row->peer;
	row->cells[COL_AGE] = row->age;
	row->cells[COL_PROCESS] = row->process;
	row->cells[COL_PID] = row->pid;
	row->cells[COL_FD] = row->fd;
	for (c = 0; c < NCOLS; c++)
		row->widths[c] = strlen(row->cells[c]);
	row->widths[COL_PROCESS] = output_printable(row->process, sizeof(row->process), h->comm);
}

/* Pads by characters, not bytes, so a UTF-8 process name keeps the columns. */
static void print_row(FILE *out, const struct row *row, const size_t widths[NCOLS],
		      int first)
{
	size_t pad;
	int c;

	for (c = first; c < NCOLS; c++) {
		fputs(row->cells[c], out);
		if (c == NCOLS - 1)
			break;
		for (pad = row->widths[c]; pad <= widths[c]; pad++)
			fputc(' ', out);
	}
	fputc('\n', out);
}

void output_count(char *buf, size_t size, uint64_t n)
{
	char digits[24];
	size_t len, i, out = 0;

	if (!size)
		return;
	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (i = 0; i < len && out + 1 < size; i++) {
		if (i && (len - i) % 3 == 0) {
			buf[out++] = ',';
			if (out + 1 >= size)
				break;
		}
		buf[out++] = digits[i];
	}
	buf[out] = '\0';
}

void output_backlog_line(FILE *out, const struct scan_result *r, const struct backlog *b)
{
	const struct tcp_sock *l = &r->socks.socks[b->listener];
	char ep[TCP_ENDPOINT_LEN], n[32], comm[COMM_LEN];

	tcp_format_endpoint(ep, sizeof(ep), l->family, l->local_addr, l->local_port);
	output_count(n, sizeof(n), b->closewait);
	fprintf(out, "%s: %s CLOSE-WAIT connection%s in the accept queue of ", ep, n,
		b->closewait == 1 ? " waits" : "s wait");
	if (b->pid) {
		output_printable(comm, sizeof(comm), b->comm);
		fprintf(out, "pid %d (%s) fd %d", (int)b->pid, comm, b->fd);
	} else {
		fprintf(out, "listener socket:[%" PRIu64 "], held by no process fdclose could read",
			l->inode);
	}
	fputs(": the application is not accepting\n", out);
}

/*
 * "; CLOSE_WAIT 412, oldest 3h (<1m 2, <10m 5, <1h 10, <1d 395, older 0)":
 * every bucket but unknown always, so that lines compare column by column.
 */
static void print_ages(FILE *out, const struct proc_fds *p)
{
	char n[32], oldest[AGE_TEXT_LEN];
	int b;

	if (!p->closewait)
		return;
	output_count(n, sizeof(n), p->closewait);
	fprintf(out, "; CLOSE_WAIT %s", n);
	if (p->oldest_ms < 0) {
		fputs(" (age unknown)", out);
		return;
	}
	output_age(oldest, sizeof(oldest), p->oldest_ms);
	fprintf(out, ", oldest %s (", oldest);
	for (b = 0; b < AGE_BUCKETS; b++) {
		if (b == AGE_UNKNOWN && !p->ages[b])
			continue;
		output_count(n, sizeof(n), p->ages[b]);
		fprintf(out, "%s%s %s", b ? ", " : "", age_bucket_names[b].text, n);
	}
	fputc(')', out);
}

void output_process_line(FILE *out, const struct proc_fds *p, size_t fds_after)
{
	char comm[COMM_LEN], fds[32], after[32], nofile[32];

	output_printable(comm, sizeof(comm), p->comm);
	output_count(fds, sizeof(fds), p->fds);
	fprintf(out, "%s %d: %s", comm, (int)p->pid, fds);
	if (fds_after != SIZE_MAX) {
		output_count(after, sizeof(after), fds_after);
		fprintf(out, " -> %s", after);
	}
	fputs(" fds", out);
	if (p->nofile) {
		output_count(nofile, sizeof(nofile), p->nofile);
		fprintf(out, " of %s", nofile);
	} else if (!p->nofile_unknown) {
		fputs(" of unlimited", out);
	}
	print_ages(out, p);
	fputc('\n', out);
}

/*
 * As ss does, the State column shows only when there is more than one
 * state to tell apart: CLOSE-WAIT alone is what --list means.
 */
static bool any_dead(const struct scan_result *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->holders[i].dead)
			return true;
	return false;
}

int output_table(FILE *out, const struct scan_result *r)
{
	int c, first = any_dead(r) ? COL_STATE : COL_RECVQ;
	size_t widths[NCOLS], i;
	struct row row;

	header_row(&row);
	memcpy(widths, row.widths, sizeof(widths));
	for (i = 0; i < r->count; i++) {
		holder_row(&row, r, &r->holders[i]);
		for (c = 0; c < NCOLS; c++)
			if (row.widths[c] > widths[c])
				widths[c] = row.widths[c];
	}
	header_row(&row);
	print_row(out, &row, widths, first);
	for (i = 0; i < r->count; i++) {
		holder_row(&row, r, &r->holders[i]);
		print_row(out, &row, widths, first);
	}
	if (r->nbacklogs || r->nprocs)
		fputc('\n', out);
	for (i = 0; i < r->nbacklogs; i++)
		output_backlog_line(out, r, &r->backlogs[i]);
	for (i = 0; i < r->nprocs; i++)
		output_process_line(out, &r->procs[i], SIZE_MAX);
	return ferror(out) ? -EIO : 0;
}
