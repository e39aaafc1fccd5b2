/*
 * Exports on the local backend: a guest's pages handed by dom0 to a third
 * process (as dom0's daemon hands them to its compositor), which maps them
 * read-write from the fd alone; the share defers while exported, and the
 * released callback comes from the domain's dispatch after close.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define NPAGES 4

static struct grantlink_share *share(struct test_pair *p, size_t npages, uint32_t flags)
{
	struct grantlink_share *s = grantlink_share_create(p->guest, DOM0_DOMID, npages, flags);
	CHECK(s);
	return s;
}

static void count_release(void *data)
{
	(*(int *)data)++;
}

static void send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	CHECK_EQ(sendmsg(sock, &msg, 0), 1);
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	if (recvmsg(sock, &msg, 0) != 1) {
		return -1;
	}
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The third process, knowing only the fd it is sent and the offset and size
 * it is told, as a compositor knows a wl_shm pool: it maps read-write and
 * shared, checks the guest's pattern, writes one byte back and unmaps.
 * Exits 0 when all went as expected. */
static int receiver(int sock, size_t offset, size_t size)
{
	int fd = recv_fd(sock);
	if (fd < 0) {
		return 1;
	}
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	close(fd);
	if (p == MAP_FAILED) {
		return 2;
	}
	for (size_t i = 0; i < size; i++) {
		if (p[i] != (uint8_t)(0x30 + i / GRANTLINK_PAGE_SIZE)) {
			return 3;
		}
	}
	p[2 * GRANTLINK_PAGE_SIZE + 17] = 0xa5;
	munmap(p, size);
	return 0;
}

/* Runs the receiver for EXPORT in a child process; returns its exit code. */
static int run_receiver(const struct grantlink_export *export)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	size_t offset = grantlink_export_get_offset(export);
	size_t size = grantlink_export_get_size(export);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(receiver(sv[1], offset, size));
	}
	close(sv[1]);
	send_fd(sv[0], grantlink_export_get_fd(export));
	close(sv[0]);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Waits for the domain fd and dispatches once. */
static void dispatch_when_ready(struct grantlink_domain *domain)
{
	struct pollfd pfd = {.fd = grantlink_domain_get_fd(domain), .events = POLLIN};
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	grantlink_domain_dispatch(domain);
}

static void test_export_to_third_process(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, NPAGES, GRANTLINK_SHARE_WRITABLE);
	uint8_t *data = grantlink_share_get_data(s);
	for (size_t i = 0; i < NPAGES; i++) {
		memset(data + i * GRANTLINK_PAGE_SIZE, 0x30 + (int)i, GRANTLINK_PAGE_SIZE);
	}
	const uint32_t *refs = grantlink_share_get_refs(s);
	struct grantlink_export *e = grantlink_export_create(p.dom0_link, refs, NPAGES);
	CHECK(e);
	CHECK_EQ(grantlink_export_get_offset(e), refs[0] * GRANTLINK_PAGE_SIZE);
	CHECK_EQ(grantlink_export_get_size(e), NPAGES * GRANTLINK_PAGE_SIZE);
	CHECK(grantlink_export_get_fd(e) >= 0);

	/* the export counts as a mapping on both sides */
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.peer_mapped, NPAGES);
	test_counters(p.dom0, &c);
	CHECK_EQ(c.mapped, NPAGES);

	CHECK_EQ(run_receiver(e), 0);
	/* the receiver's write is the guest's memory */
	CHECK_EQ(data[2 * GRANTLINK_PAGE_SIZE + 17], 0xa5);
	CHECK_EQ(data[2 * GRANTLINK_PAGE_SIZE + 16], 0x32);

	/* ending access while exported defers every page */
	grantlink_share_destroy(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, NPAGES);
	CHECK_EQ(c.freed, 0);
	CHECK_EQ(test_reclaim_tick(p.guest), 0);

	int released = 0;
	grantlink_export_close(e, count_release, &released);
	/* never from close itself: only from the domain's dispatch */
	CHECK_EQ(released, 0);
	dispatch_when_ready(p.dom0);
	CHECK_EQ(released, 1);
	test_counters(p.dom0, &c);
	CHECK_EQ(c.mapped, 0);
	CHECK_EQ(test_reclaim_tick(p.guest), NPAGES);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.freed, NPAGES);
	test_pair_finish(&p);
}

/* What grantlink_map refuses, an export refuses; and the refs must be one
 * ascending run, shared writable. A refused export leaves no count. */
static void test_export_refused(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *a = share(&p, 1, GRANTLINK_SHARE_WRITABLE);
	struct grantlink_share *b = share(&p, 1, GRANTLINK_SHARE_WRITABLE);
	struct grantlink_share *c = share(&p, 1, GRANTLINK_SHARE_WRITABLE);
	uint32_t ra = grantlink_share_get_refs(a)[0];
	uint32_t rb = grantlink_share_get_refs(b)[0];
	uint32_t rc = grantlink_share_get_refs(c)[0];
	CHECK_EQ(rb, ra + 1);
	CHECK_EQ(rc, rb + 1);

	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, (const uint32_t[]){ra, rc}, 2));
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, (const uint32_t[]){rb, ra}, 2));
	CHECK_EQ(errno, EINVAL);
	/* three separate shares, one run: that is allowed */
	struct grantlink_export *e =
		grantlink_export_create(p.dom0_link, (const uint32_t[]){ra, rb, rc}, 3);
	CHECK(e);
	grantlink_export_close(e, NULL, NULL);
	/* a run whose last ref was never shared */
	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, (const uint32_t[]){rb, rc, rc + 1}, 3));
	CHECK_EQ(errno, EPERM);

	struct grantlink_share *ro = share(&p, 2, 0);
	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, grantlink_share_get_refs(ro), 2));
	CHECK_EQ(errno, EACCES);

	struct grantlink_share *other =
		grantlink_share_create(p.guest, 3, 1, GRANTLINK_SHARE_WRITABLE);
	CHECK(other);
	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, grantlink_share_get_refs(other), 1));
	CHECK_EQ(errno, EPERM);
	uint32_t never = 1000;
	errno = 0;
	CHECK(!grantlink_export_create(p.dom0_link, &never, 1));
	CHECK_EQ(errno, EPERM);
	uint32_t zero = 0;
	CHECK(!grantlink_export_create(p.dom0_link, &zero, 1));
	CHECK_EQ(errno, EINVAL);
	uint32_t past = 4096;
	CHECK(!grantlink_export_create(p.dom0_link, &past, 1));
	CHECK_EQ(errno, EINVAL);

	dispatch_when_ready(p.dom0);
	struct grantlink_counters counters;
	test_counters(p.guest, &counters);
	CHECK_EQ(counters.peer_mapped, 0);
	test_counters(p.dom0, &counters);
	CHECK_EQ(counters.mapped, 0);
	grantlink_share_destroy(a);
	grantlink_share_destroy(b);
	grantlink_share_destroy(c);
	grantlink_share_destroy(ro);
	grantlink_share_destroy(other);
	test_counters(p.guest, &counters);
	CHECK_EQ(counters.deferred, 0);
	test_pair_finish(&p);
}

/* The export does not need its link: the link goes first, the export still
 * holds the pages, and its release still comes. */
static void test_export_outlives_link(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 2, GRANTLINK_SHARE_WRITABLE);
	struct grantlink_export *e =
		grantlink_export_create(p.dom0_link, grantlink_share_get_refs(s), 2);
	CHECK(e);
	grantlink_destroy(p.dom0_link);
	p.dom0_link = NULL;
	test_wait_link(p.guest_link, GRANTLINK_EVENT_HANGUP, 2000);
	grantlink_share_destroy(s);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 2);

	int released = 0;
	grantlink_export_close(e, count_release, &released);
	dispatch_when_ready(p.dom0);
	CHECK_EQ(released, 1);
	/* the guest frees the pages once dom0's side is gone (end-of-file) */
	while (c.deferred > 0) {
		test_reclaim_tick(p.guest);
		test_counters(p.guest, &c);
	}
	CHECK_EQ(c.freed, 2);
	test_pair_finish(&p);
}

/* Exports pending at the domain's end are freed without a call. */
static void test_export_domain_destroyed_first(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 1, GRANTLINK_SHARE_WRITABLE);
	struct grantlink_export *closed =
		grantlink_export_create(p.dom0_link, grantlink_share_get_refs(s), 1);
	struct grantlink_export *open =
		grantlink_export_create(p.dom0_link, grantlink_share_get_refs(s), 1);
	CHECK(closed && open);
	int released = 0;
	grantlink_export_close(closed, count_release, &released);
	grantlink_destroy(p.dom0_link);
	p.dom0_link = NULL;
	grantlink_listener_destroy(p.listener);
	p.listener = NULL;
	grantlink_domain_destroy(p.dom0);
	p.dom0 = NULL;
	CHECK_EQ(released, 0);
	/* the guest learns dom0 let go of everything */
	test_wait_link(p.guest_link, GRANTLINK_EVENT_HANGUP, 2000);
	grantlink_share_destroy(s);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.freed, 1);
	test_pair_finish(&p);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"export_to_third_process", test_export_to_third_process},
		{"export_refused", test_export_refused},
		{"export_outlives_link", test_export_outlives_link},
		{"export_domain_destroyed_first", test_export_domain_destroyed_first},
	};
	return test_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
