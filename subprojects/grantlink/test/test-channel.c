/*
 * The message channel: bytes both ways in order, back-pressure, the pump,
 * a peer that closes, and a peer that lies in its hello.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testlib.h"

static void test_bytes_both_ways(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	CHECK_EQ(grantlink_send(p.guest_link, "hello", 5), 5);
	test_wait_link(p.dom0_link, GRANTLINK_EVENT_READABLE, 2000);
	char buf[16] = {0};
	CHECK_EQ(grantlink_recv(p.dom0_link, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(grantlink_recv(p.dom0_link, buf, sizeof(buf)), 0);
	CHECK_EQ(grantlink_send(p.dom0_link, "back", 4), 4);
	test_wait_link(p.guest_link, GRANTLINK_EVENT_READABLE, 2000);
	CHECK_EQ(grantlink_recv(p.guest_link, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "back", 4) == 0);
	test_pair_finish(&p);
}

/* 4 MiB through a 64 KiB ring: short sends, WRITABLE, nothing lost or
 * reordered. */
static void test_backpressure(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	const size_t total = 4u << 20;
	uint8_t *out = malloc(total), *in = malloc(total);
	CHECK(out && in);
	for (size_t i = 0; i < total; i++) {
		out[i] = (uint8_t)(i * 7 + i / 251);
	}
	size_t sent = 0, received = 0;
	bool saw_short = false, saw_writable = false;
	while (received < total) {
		if (sent < total) {
			ssize_t n = grantlink_send(p.guest_link, out + sent, total - sent);
			CHECK(n >= 0);
			saw_short |= (size_t)n < total - sent;
			sent += (size_t)n;
		}
		uint32_t ev = test_poll_link(p.dom0_link);
		CHECK_EQ(ev & GRANTLINK_EVENT_HANGUP, 0);
		ssize_t n = grantlink_recv(p.dom0_link, in + received, total - received);
		CHECK(n >= 0);
		received += (size_t)n;
		saw_writable |= (test_poll_link(p.guest_link) & GRANTLINK_EVENT_WRITABLE) != 0;
	}
	CHECK(saw_short);
	CHECK(saw_writable);
	CHECK(memcmp(in, out, total) == 0);
	free(in);
	free(out);
	test_pair_finish(&p);
}

/* The pump joins a stream socket to the link, both ways. */
static void test_pump(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	int guest_sv[2], dom0_sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, guest_sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, dom0_sv) == 0);
	struct grantlink_pump *gp = grantlink_pump_create(p.guest_link, guest_sv[0]);
	struct grantlink_pump *dp = grantlink_pump_create(p.dom0_link, dom0_sv[0]);
	CHECK(gp && dp);

	const size_t total = 1u << 20;
	uint8_t *out = malloc(total), *in = malloc(total);
	CHECK(out && in);
	for (size_t i = 0; i < total; i++) {
		out[i] = (uint8_t)(i ^ (i >> 9));
	}
	size_t sent = 0, received = 0;
	for (int spins = 0; received < total; spins++) {
		CHECK(spins < 100000);
		if (sent < total) {
			ssize_t n = send(guest_sv[1], out + sent, total - sent, MSG_DONTWAIT);
			if (n > 0) {
				sent += (size_t)n;
			}
		}
		struct pollfd pfds[4] = {
			{.fd = grantlink_get_fd(p.guest_link),
				.events = grantlink_get_events(p.guest_link)},
			{.fd = guest_sv[0], .events = grantlink_pump_get_stream_events(gp)},
			{.fd = grantlink_get_fd(p.dom0_link),
				.events = grantlink_get_events(p.dom0_link)},
			{.fd = dom0_sv[0], .events = grantlink_pump_get_stream_events(dp)},
		};
		poll(pfds, 4, 10);
		CHECK_EQ(grantlink_pump_dispatch(gp) & GRANTLINK_EVENT_HANGUP, 0);
		CHECK_EQ(grantlink_pump_dispatch(dp) & GRANTLINK_EVENT_HANGUP, 0);
		ssize_t n = recv(dom0_sv[1], in + received, total - received, MSG_DONTWAIT);
		if (n > 0) {
			received += (size_t)n;
		}
	}
	CHECK(memcmp(in, out, total) == 0);

	/* closing the stream ends the pump */
	close(guest_sv[1]);
	CHECK(grantlink_pump_dispatch(gp) & GRANTLINK_EVENT_HANGUP);
	grantlink_pump_destroy(gp);
	grantlink_pump_destroy(dp);
	close(guest_sv[0]);
	close(dom0_sv[0]);
	close(dom0_sv[1]);
	free(in);
	free(out);
	test_pair_finish(&p);
}

/* The peer's last words before it closed reach the stream even when a send
 * towards it fails first (a daemon's protocol error, say). */
static void test_pump_last_words(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	struct grantlink_pump *pump = grantlink_pump_create(p.guest_link, sv[0]);
	CHECK(pump);
	CHECK_EQ(grantlink_send(p.dom0_link, "error: bad pool", 15), 15);
	grantlink_destroy(p.dom0_link);
	p.dom0_link = NULL;
	/* the guest's side is still talking when the link goes */
	CHECK_EQ(send(sv[1], "more requests", 13, 0), 13);
	uint32_t ev = 0;
	for (int i = 0; i < 200 && !(ev & GRANTLINK_EVENT_HANGUP); i++) {
		struct pollfd pfd = {.fd = grantlink_get_fd(p.guest_link),
			.events = grantlink_get_events(p.guest_link)};
		poll(&pfd, 1, 10);
		ev |= grantlink_pump_dispatch(pump);
	}
	CHECK(ev & GRANTLINK_EVENT_HANGUP);
	char buf[32] = {0};
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 15);
	CHECK(memcmp(buf, "error: bad pool", 15) == 0);
	grantlink_pump_destroy(pump);
	close(sv[0]);
	close(sv[1]);
	test_pair_finish(&p);
}

/* A link destroyed by one side hangs up the other; the listener serves a new
 * link afterwards. */
static void test_hangup_and_relink(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	grantlink_send(p.guest_link, "last", 4);
	grantlink_destroy(p.guest_link);
	p.guest_link = NULL;
	uint32_t ev = test_wait_link(p.dom0_link, GRANTLINK_EVENT_HANGUP, 2000);
	CHECK(ev & GRANTLINK_EVENT_READABLE);
	char buf[8];
	CHECK_EQ(grantlink_recv(p.dom0_link, buf, sizeof(buf)), 4);
	CHECK_EQ(grantlink_send(p.dom0_link, "x", 1), -1);
	CHECK_EQ(errno, EPIPE);
	grantlink_destroy(p.dom0_link);

	struct grantlink_link_config guest_side = {.peer_domid = DOM0_DOMID, .path = p.path};
	p.guest_link = grantlink_connect(p.guest, &guest_side);
	CHECK(p.guest_link);
	p.dom0_link = grantlink_listener_accept(p.listener);
	CHECK(p.dom0_link);
	test_poll_link(p.dom0_link);
	test_poll_link(p.guest_link);
	CHECK_EQ(grantlink_send(p.guest_link, "again", 5), 5);
	test_wait_link(p.dom0_link, GRANTLINK_EVENT_READABLE, 2000);
	test_pair_finish(&p);
}

/* A second server on the same path is refused; a stale socket file is not
 * in the way. */
static void test_listen_path(void)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, DOM0_DOMID);
	struct grantlink_domain *d = grantlink_domain_create(&config);
	char path[108];
	test_socket_path(path, sizeof(path), "listen");
	struct grantlink_link_config lc = {.peer_domid = GUEST_DOMID, .path = path};
	struct grantlink_listener *l = grantlink_listen(d, &lc);
	CHECK(l);
	CHECK(!grantlink_listen(d, &lc));
	CHECK_EQ(errno, EADDRINUSE);
	/* leave a stale socket file behind */
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	grantlink_listener_destroy(l);
	strcpy(addr.sun_path, path);
	CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	close(fd);
	l = grantlink_listen(d, &lc);
	CHECK(l);
	grantlink_listener_destroy(l);
	grantlink_domain_destroy(d);
}

/* A peer claiming another domain id, or sending data before its hello, or
 * a table that can shrink, is hung up on; the server carries on. */
static int raw_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, path);
	CHECK(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	return fd;
}

static void send_raw(int fd, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	CHECK(sendmsg(fd, &msg, 0) == (ssize_t)len);
}

static int memfd(size_t size, bool seal)
{
	int fd = memfd_create("fake", MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	if (seal) {
		CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	}
	return fd;
}

static void expect_refused(
	struct test_pair *p, const void *record, size_t len, bool with_fds, bool seal)
{
	int fd = raw_connect(p->path);
	struct grantlink *link = grantlink_listener_accept(p->listener);
	CHECK(link);
	int fds[3] = {memfd(16 * 4, seal), memfd(16 * 4096, seal), memfd(16 * 4, seal)};
	send_raw(fd, record, len, fds, with_fds ? 3 : 0);
	for (int i = 0; i < 3; i++) {
		close(fds[i]);
	}
	test_wait_link(link, GRANTLINK_EVENT_HANGUP, 2000);
	grantlink_destroy(link);
	close(fd);
}

static void test_hostile_hello(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	uint32_t good[4] = {1, 1, GUEST_DOMID, 16};
	uint32_t wrong_domid[4] = {1, 1, 99, 16};
	uint32_t wrong_version[4] = {1, 2, GUEST_DOMID, 16};
	uint32_t huge[4] = {1, 1, GUEST_DOMID, 0x7fffffff};
	uint32_t data[2] = {2, 0x41414141};
	expect_refused(&p, wrong_domid, sizeof(wrong_domid), true, true);
	expect_refused(&p, wrong_version, sizeof(wrong_version), true, true);
	expect_refused(&p, huge, sizeof(huge), true, true);
	expect_refused(&p, good, sizeof(good), false, true); /* no fds */
	expect_refused(&p, good, sizeof(good), true, false); /* resizable memfds */
	expect_refused(&p, good, 7, true, true);             /* short record */
	expect_refused(&p, data, sizeof(data), false, true); /* data before hello */
	/* the real link still works */
	CHECK_EQ(grantlink_send(p.guest_link, "ok", 2), 2);
	test_wait_link(p.dom0_link, GRANTLINK_EVENT_READABLE, 2000);
	test_pair_finish(&p);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"bytes_both_ways", test_bytes_both_ways},
		{"backpressure", test_backpressure},
		{"pump", test_pump},
		{"pump_last_words", test_pump_last_words},
		{"hangup_and_relink", test_hangup_and_relink},
		{"listen_path", test_listen_path},
		{"hostile_hello", test_hostile_hello},
	};
	return test_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
