/*
 * kill -9 of the peer, both ways: the survivor hears of it, and every
 * counter comes back to zero.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define NPAGES 8

static void wait_byte(int fd, char expected)
{
	char c = 0;
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, expected);
}

static void kill_child(pid_t pid)
{
	int status;
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static struct grantlink *accept_link(struct grantlink_listener *listener)
{
	for (int i = 0; i < 500; i++) {
		struct grantlink *link = grantlink_listener_accept(listener);
		if (link) {
			return link;
		}
		usleep(2000);
	}
	test_fail(__FILE__, __LINE__, "no peer came");
}

static void recv_exact(struct grantlink *link, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		test_wait_link(link, GRANTLINK_EVENT_READABLE, 5000);
		ssize_t n = grantlink_recv(link, (uint8_t *)buf + got, len - got);
		CHECK(n >= 0);
		got += (size_t)n;
	}
}

static void check_all_zero(struct grantlink_domain *domain)
{
	struct grantlink_counters c;
	grantlink_domain_get_counters(domain, &c);
	CHECK_EQ(c.shared, 0);
	CHECK_EQ(c.peer_mapped, 0);
	CHECK_EQ(c.awaiting_unmap, 0);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.leaked, 0);
	CHECK_EQ(c.mapped, 0);
}

/* dom0's process maps the guest's pages and dies: the guest gets the hangup,
 * and its deferred pages are freed on the next tick. */
static void test_dom0_killed(void)
{
	char path[108];
	test_socket_path(path, sizeof(path), "dom0-killed");
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct grantlink_domain_config config;
		test_domain_config(&config, DOM0_DOMID);
		struct grantlink_domain *dom0 = grantlink_domain_create(&config);
		struct grantlink_link_config lc = {.peer_domid = GUEST_DOMID, .path = path};
		struct grantlink_listener *listener = grantlink_listen(dom0, &lc);
		CHECK(listener);
		CHECK_EQ(write(ready[1], "L", 1), 1);
		struct grantlink *link = accept_link(listener);
		uint32_t refs[NPAGES];
		recv_exact(link, refs, sizeof(refs));
		CHECK(grantlink_map(link, refs, NPAGES, GRANTLINK_MAP_NOTIFY));
		CHECK_EQ(write(ready[1], "M", 1), 1);
		for (;;) {
			pause();
		}
	}
	wait_byte(ready[0], 'L');
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	struct grantlink_domain *guest = grantlink_domain_create(&config);
	struct grantlink_link_config lc = {.peer_domid = DOM0_DOMID, .path = path};
	struct grantlink *link = grantlink_connect(guest, &lc);
	CHECK(link);
	struct grantlink_share *s = grantlink_share_create(guest, DOM0_DOMID, NPAGES, 0);
	CHECK(s);
	CHECK(grantlink_share_set_notify(s, link));
	CHECK_EQ(grantlink_send(link, grantlink_share_get_refs(s), NPAGES * sizeof(uint32_t)),
		NPAGES * sizeof(uint32_t));
	test_poll_link(link);
	wait_byte(ready[0], 'M');

	struct grantlink_counters c;
	grantlink_domain_get_counters(guest, &c);
	CHECK_EQ(c.peer_mapped, NPAGES);
	/* the guest lets go while dom0 still maps: deferred */
	grantlink_share_destroy(s);
	grantlink_domain_get_counters(guest, &c);
	CHECK_EQ(c.deferred, NPAGES);

	kill_child(pid);
	test_wait_link(link, GRANTLINK_EVENT_HANGUP, 5000);
	size_t freed = 0;
	for (int tick = 0; tick < 100 && freed < NPAGES; tick++) {
		freed += test_reclaim_tick(guest);
	}
	check_all_zero(guest);
	grantlink_domain_get_counters(guest, &c);
	CHECK_EQ(c.freed, NPAGES);
	grantlink_destroy(link);
	grantlink_domain_destroy(guest);
	close(ready[0]);
	close(ready[1]);
}

/* The guest's process shares pages and dies: dom0 gets the hangup, its
 * mapping stays readable until it unmaps, and nothing is left mapped. */
static void test_guest_killed(void)
{
	char path[108];
	test_socket_path(path, sizeof(path), "guest-killed");
	struct grantlink_domain_config config;
	test_domain_config(&config, DOM0_DOMID);
	struct grantlink_domain *dom0 = grantlink_domain_create(&config);
	struct grantlink_link_config lc = {.peer_domid = GUEST_DOMID, .path = path};
	struct grantlink_listener *listener = grantlink_listen(dom0, &lc);
	CHECK(listener);
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct grantlink_domain_config gc;
		test_domain_config(&gc, GUEST_DOMID);
		struct grantlink_domain *guest = grantlink_domain_create(&gc);
		struct grantlink_link_config glc = {.peer_domid = DOM0_DOMID, .path = path};
		struct grantlink *link = grantlink_connect(guest, &glc);
		CHECK(link);
		struct grantlink_share *s = grantlink_share_create(guest, DOM0_DOMID, NPAGES, 0);
		CHECK(s);
		memset(grantlink_share_get_data(s), 0x3c, NPAGES * GRANTLINK_PAGE_SIZE);
		CHECK(grantlink_share_set_notify(s, link));
		grantlink_send(link, grantlink_share_get_refs(s), NPAGES * sizeof(uint32_t));
		test_poll_link(link);
		CHECK_EQ(write(ready[1], "S", 1), 1);
		for (;;) {
			pause();
		}
	}
	struct grantlink *link = accept_link(listener);
	uint32_t refs[NPAGES];
	recv_exact(link, refs, sizeof(refs));
	wait_byte(ready[0], 'S');
	struct grantlink_mapping *m = grantlink_map(link, refs, NPAGES, GRANTLINK_MAP_NOTIFY);
	CHECK(m);
	kill_child(pid);
	uint32_t ev = test_wait_link(link, GRANTLINK_EVENT_HANGUP, 5000);
	CHECK(ev & GRANTLINK_EVENT_HANGUP);
	/* no SIGBUS: the pages live until we let go */
	CHECK_EQ(((const uint8_t *)grantlink_mapping_get_data(m))[NPAGES * GRANTLINK_PAGE_SIZE - 1],
		0x3c);
	grantlink_unmap(m);
	grantlink_destroy(link);
	check_all_zero(dom0);
	grantlink_listener_destroy(listener);
	grantlink_domain_destroy(dom0);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_dom0_killed();
	printf("ok 1 - dom0_killed\n");
	test_guest_killed();
	printf("ok 2 - guest_killed\n");
	printf("1..2\n");
	return 0;
}
