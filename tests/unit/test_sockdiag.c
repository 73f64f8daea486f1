// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sock_diag replies built by hand: the socket in each, and its age from the
 * INET_DIAG_INFO attribute, as a new kernel sends it, as an old kernel with
 * a shorter tcp_info sends it, and not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/sockdiag.h"

#define LAST_ACK_RECV_END (offsetof(struct tcp_info, tcpi_last_ack_recv) + \
			   sizeof(((struct tcp_info *)0)->tcpi_last_ack_recv))

/* A reply: the header, an inet_diag_msg, then attributes added one by one. */
struct reply {
	union {
		struct nlmsghdr h;
		char buf[2048];
	};
};

static void reply_init(struct reply *r)
{
	struct inet_diag_msg *m;

	memset(r, 0, sizeof(*r));
	r->h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(*m));
	m = NLMSG_DATA(&r->h);
	m->idiag_family = AF_INET;
	m->idiag_state = TCPS_CLOSE_WAIT;
	m->id.idiag_sport = htons(8080);
	m->id.idiag_dport = htons(41234);
	m->id.idiag_src[0] = htonl(0x7f000001);
	m->id.idiag_dst[0] = htonl(0x0a000002);
	m->idiag_rqueue = 1;
	m->idiag_wqueue = 2;
	m->idiag_uid = 1000;
	m->idiag_inode = 4242;
}

/* Appends an attribute of len payload bytes; returns its payload. */
static void *reply_add(struct reply *r, unsigned short type, size_t len)
{
	struct rtattr *a = (void *)(r->buf + NLMSG_ALIGN(r->h.nlmsg_len));

	assert_true(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) <= sizeof(r->buf));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_LENGTH(len);
	return RTA_DATA(a);
}

/* An INET_DIAG_INFO of len bytes, cut from a tcp_info whose last ack came ms ago. */
static void reply_add_info(struct reply *r, size_t len, uint32_t ms)
{
	struct tcp_info info;

	memset(&info, 0xee, sizeof(info));
	info.tcpi_state = TCPS_CLOSE_WAIT;
	info.tcpi_last_ack_recv = ms;
	assert_true(len <= sizeof(info));
	memcpy(reply_add(r, INET_DIAG_INFO, len), &info, len);
}

static void test_socket_fields(void **state)
{
	static const uint8_t local[16] = { 127, 0, 0, 1 }, remote[16] = { 10, 0, 0, 2 };
	struct reply r;
	struct tcp_sock s;

	(void)state;
	reply_init(&r);
	reply_add_info(&r, sizeof(struct tcp_info), 6500);
	assert_int_equal(sockdiag_msg_sock(&r.h, 4026531840ULL, &s), 0);
	assert_int_equal(s.inode, 4242);
	assert_int_equal(s.netns, 4026531840ULL);
	assert_int_equal(s.family, AF_INET);
	assert_int_equal(s.state, TCPS_CLOSE_WAIT);
	assert_int_equal(s.local_port, 8080);
	assert_int_equal(s.remote_port, 41234);
	assert_memory_equal(s.local_addr, local, 16);
	assert_memory_equal(s.remote_addr, remote, 16);
	assert_int_equal(s.rx_queue, 1);
	assert_int_equal(s.tx_queue, 2);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.age_ms, 6500);
}

static void test_full_info(void **state)
{
	struct reply r;

	(void)state;
	reply_init(&r);
	reply_add_info(&r, sizeof(struct tcp_info), 12345);
	assert_int_equal(sockdiag_msg_age(&r.h), 12345);
	/* 32 bits of ms: 49 days fit, and no sign is made up. */
	reply_init(&r);
	reply_add_info(&r, sizeof(struct tcp_info), UINT32_MAX);
	assert_int_equal(sockdiag_msg_age(&r.h), (int64_t)UINT32_MAX);
}

/* An older kernel's tcp_info: the age is there only if the struct reaches it. */
static void test_short_info(void **state)
{
	struct reply r;

	(void)state;
	reply_init(&r);
	reply_add_info(&r, LAST_ACK_RECV_END, 777);
	assert_int_equal(sockdiag_msg_age(&r.h), 777);
	reply_init(&r);
	reply_add_info(&r, LAST_ACK_RECV_END - 1, 777);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
	reply_init(&r);
	reply_add_info(&r, offsetof(struct tcp_info, tcpi_last_ack_recv), 777);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
	reply_init(&r);
	reply_add_info(&r, 0, 777);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
}

/* Not asked for, or a time-wait socket: no attribute, no age. */
static void test_no_info(void **state)
{
	struct reply r;
	struct tcp_sock s;

	(void)state;
	reply_init(&r);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
	assert_int_equal(sockdiag_msg_sock(&r.h, 1, &s), 0);
	assert_int_equal(s.age_ms, TCP_AGE_UNKNOWN);
	/* Other attributes only. */
	memset(reply_add(&r, INET_DIAG_SHUTDOWN, 1), 3, 1);
	memset(reply_add(&r, INET_DIAG_MEMINFO, sizeof(struct inet_diag_meminfo)), 0,
	       sizeof(struct inet_diag_meminfo));
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
}

/* The attribute is found after others, whatever their padding. */
static void test_info_after_others(void **state)
{
	struct reply r;

	(void)state;
	reply_init(&r);
	memset(reply_add(&r, INET_DIAG_SHUTDOWN, 1), 3, 1);	/* 1 byte, padded to 4 */
	memset(reply_add(&r, INET_DIAG_TOS, 1), 0, 1);
	reply_add_info(&r, sizeof(struct tcp_info), 4321);
	memset(reply_add(&r, INET_DIAG_CONG, 6), 'c', 6);
	assert_int_equal(sockdiag_msg_age(&r.h), 4321);
}

/* Lengths that lie are never followed past the reply. */
static void test_malformed(void **state)
{
	struct reply r;
	struct rtattr *a;
	struct tcp_sock s;

	(void)state;
	/* An attribute longer than the reply that holds it. */
	reply_init(&r);
	reply_add_info(&r, sizeof(struct tcp_info), 99);
	r.h.nlmsg_len -= 8;
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
	/* An attribute that says it is shorter than its own header: the walk stops. */
	reply_init(&r);
	a = (void *)(r.buf + NLMSG_ALIGN(r.h.nlmsg_len));
	reply_add(&r, INET_DIAG_SHUTDOWN, 4);
	a->rta_len = 2;
	reply_add_info(&r, sizeof(struct tcp_info), 99);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
	/* A reply too short for its inet_diag_msg. */
	reply_init(&r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg) - 1);
	assert_int_equal(sockdiag_msg_sock(&r.h, 1, &s), -EPROTO);
	assert_int_equal(sockdiag_msg_age(&r.h), TCP_AGE_UNKNOWN);
}

/* buf's first len bytes in a heap block of exactly that size, for ASan. */
static void *exact_copy(const void *buf, size_t len)
{
	void *p = malloc(len);

	assert_non_null(p);
	memcpy(p, buf, len);
	return p;
}

/*
 * Found by tests/fuzz/fuzz_sockdiag: a last message whose length is not a
 * multiple of 4, with no padding after it, made NLMSG_NEXT() wrap the
 * remaining length and the next NLMSG_OK() read past the buffer.
 */
static void test_dump_unpadded_last(void **state)
{
	struct tcp_table t = { 0 };
	struct reply r;
	void *buf;

	(void)state;
	reply_init(&r);
	reply_add(&r, INET_DIAG_MARK, 1);
	assert_int_not_equal(r.h.nlmsg_len % NLMSG_ALIGNTO, 0);
	buf = exact_copy(r.buf, r.h.nlmsg_len);
	assert_int_equal(sockdiag_parse_dump(buf, r.h.nlmsg_len, 9, &t), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.socks[0].inode, 4242);
	assert_int_equal(t.socks[0].netns, 9);
	free(buf);
	tcp_table_free(&t);
}

/* Two replies and NLMSG_DONE; then the ways a dump ends in an error. */
static void test_dump_end(void **state)
{
	struct {
		struct nlmsghdr h;
		int error;
	} done = { { sizeof(done), NLMSG_DONE, NLM_F_MULTI, 1, 0 }, 0 };
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} err = { { sizeof(err), NLMSG_ERROR, 0, 1, 0 }, { -ENOENT, { 0 } } };
	struct tcp_table t = { 0 };
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len = 0;
	struct reply r;
	void *copy;

	(void)state;
	reply_init(&r);
	reply_add_info(&r, sizeof(struct tcp_info), 1500);
	memcpy(buf, r.buf, r.h.nlmsg_len);
	len = NLMSG_ALIGN(r.h.nlmsg_len);
	memcpy(buf + len, r.buf, r.h.nlmsg_len);
	len += NLMSG_ALIGN(r.h.nlmsg_len);
	memcpy(buf + len, &done, sizeof(done));
	len += sizeof(done);
	assert_int_equal(sockdiag_parse_dump(buf, len, 1, &t), 1);
	assert_int_equal(t.count, 2);
	assert_int_equal(t.socks[1].age_ms, 1500);
	tcp_table_free(&t);

	assert_int_equal(sockdiag_parse_dump(&err, sizeof(err), 1, &t), -ENOENT);
	/* An acknowledgement (error 0) is no end of a dump. */
	err.e.error = 0;
	assert_int_equal(sockdiag_parse_dump(&err, sizeof(err), 1, &t), -EPROTO);
	/* An NLMSG_ERROR too short for its nlmsgerr is not read past its end. */
	err.h.nlmsg_len = sizeof(err.h);
	copy = exact_copy(&err, sizeof(err.h));
	assert_int_equal(sockdiag_parse_dump(copy, sizeof(err.h), 1, &t), -EPROTO);
	free(copy);
	assert_int_equal(t.count, 0);
	tcp_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_fields),
		cmocka_unit_test(test_full_info),
		cmocka_unit_test(test_short_info),
		cmocka_unit_test(test_no_info),
		cmocka_unit_test(test_info_after_others),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_dump_unpadded_last),
		cmocka_unit_test(test_dump_end),
	};

	return cmocka_run_group_tests_name("sockdiag", tests, NULL, NULL);
}
