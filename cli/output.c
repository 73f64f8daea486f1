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

void output_holder_fields(struct json_line *j, const struct scan_result *r,
			  const struct holder *h)
{
	const struct tcp_sock *s = sock_of(r, h);
	char ep[TCP_ENDPOINT_LEN];

	json_add_i64(j, "pid", h->pid);
	json_add_i64(j, "fd", h->fd);
	json_add_str(j, "comm", h->comm);
	json_add_u64(j, "inode", s->inode);
	json_add_u64(j, "netns", s->netns);
	json_add_str(j, "family", s->family == AF_INET6 ? "inet6" : "inet");
	json_add_str(j, "state", tcp_state_name(s->state));
	tcp_format_endpoint(ep, sizeof(ep), s->family, s->local_addr, s->local_port);
	json_add_str(j, "local", ep);
	tcp_format_endpoint(ep, sizeof(ep), s->family, s->remote_addr, s->remote_port);
	json_add_str(j, "remote", ep);
	json_add_u64(j, "local_port", s->local_port);
	json_add_u64(j, "remote_port", s->remote_port);
	json_add_u64(j, "recv_q", s->rx_queue);
	json_add_u64(j, "send_q", s->tx_queue);
	json_add_u64(j, "uid", s->uid);
}

int output_json(FILE *out, const struct scan_result *r)
{
	struct json_line j = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < r->count && !ret; i++) {
		json_begin(&j);
		output_holder_fields(&j, r, &r->holders[i]);
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

enum column { COL_RECVQ, COL_SENDQ, COL_LOCAL, COL_PEER, COL_PROCESS, COL_PID, COL_FD, NCOLS };

static const char *const headers[NCOLS] = {
	"Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process", "PID", "FD",
};

struct row {
	char recvq[16];
	char sendq[16];
	char local[TCP_ENDPOINT_LEN];
	char peer[TCP_ENDPOINT_LEN];
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
	tcp_format_endpoint(row->local, sizeof(row->local), s->family, s->local_addr,
			    s->local_port);
	tcp_format_endpoint(row->peer, sizeof(row->peer), s->family, s->remote_addr,
			    s->remote_port);
	snprintf(row->pid, sizeof(row->pid), "%d", (int)h->pid);
	snprintf(row->fd, sizeof(row->fd), "%d", h->fd);
	row->cells[COL_RECVQ] = row->recvq;
	row->cells[COL_SENDQ] = row->sendq;
	row->cells[COL_LOCAL] = row->local;
	row->cells[COL_PEER] = row->peer;
	row->cells[COL_PROCESS] = row->process;
	row->cells[COL_PID] = row->pid;
	row->cells[COL_FD] = row->fd;
	for (c = 0; c < NCOLS; c++)
		row->widths[c] = strlen(row->cells[c]);
	row->widths[COL_PROCESS] = output_printable(row->process, sizeof(row->process), h->comm);
}

/* Pads by characters, not bytes, so a UTF-8 process name keeps the columns. */
static void print_row(FILE *out, const struct row *row, const size_t widths[NCOLS])
{
	size_t pad;
	int c;

	for (c = 0; c < NCOLS; c++) {
		fputs(row->cells[c], out);
		if (c == NCOLS - 1)
			break;
		for (pad = row->widths[c]; pad <= widths[c]; pad++)
			fputc(' ', out);
	}
	fputc('\n', out);
}

int output_table(FILE *out, const struct scan_result *r)
{
	size_t widths[NCOLS], i;
	struct row row;
	int c;

	header_row(&row);
	memcpy(widths, row.widths, sizeof(widths));
	for (i = 0; i < r->count; i++) {
		holder_row(&row, r, &r->holders[i]);
		for (c = 0; c < NCOLS; c++)
			if (row.widths[c] > widths[c])
				widths[c] = row.widths[c];
	}
	header_row(&row);
	print_row(out, &row, widths);
	for (i = 0; i < r->count; i++) {
		holder_row(&row, r, &r->holders[i]);
		print_row(out, &row, widths);
	}
	return ferror(out) ? -EIO : 0;
}
