#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "FAIL [%s:%d] ", file, line);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	abort();
}

void test_domain_config(struct grantlink_domain_config *config, uint16_t domid)
{
	grantlink_domain_config_init(config, GRANTLINK_BACKEND_LOCAL);
	config->domid = domid;
	config->max_refs = 4096;
	config->reclaim_interval_ms = 5;
}

void test_socket_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (!dir || access(dir, W_OK) != 0) {
		dir = "/tmp";
	}
	snprintf(buf, len, "%s/grantlink-test-%s-%d", dir, name, (int)getpid());
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint32_t test_poll_link(struct grantlink *link)
{
	return grantlink_dispatch(link);
}

uint32_t test_wait_link(struct grantlink *link, uint32_t mask, int timeout_ms)
{
	uint32_t seen = 0;
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		seen |= grantlink_dispatch(link);
		if (seen & mask) {
			return seen;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			test_fail(__FILE__, __LINE__, "no link event 0x%x within %d ms (saw 0x%x)",
				mask, timeout_ms, seen);
		}
		struct pollfd pfd = {
			.fd = grantlink_get_fd(link), .events = grantlink_get_events(link)};
		poll(&pfd, 1, (int)(left < 50 ? left : 50));
	}
}

size_t test_reclaim_tick(struct grantlink_domain *domain)
{
	struct pollfd pfd = {.fd = grantlink_domain_get_fd(domain), .events = POLLIN};
	if (poll(&pfd, 1, 5000) != 1) {
		test_fail(__FILE__, __LINE__, "reclaim timer did not fire");
	}
	return grantlink_domain_dispatch(domain);
}

void test_counters(struct grantlink_domain *domain, struct grantlink_counters *c)
{
	grantlink_domain_get_counters(domain, c);
}

void test_pair_init(struct test_pair *pair, const struct grantlink_domain_config *guest_config)
{
	struct grantlink_domain_config config;
	memset(pair, 0, sizeof(*pair));
	if (!guest_config) {
		test_domain_config(&config, GUEST_DOMID);
		guest_config = &config;
	}
	pair->guest = grantlink_domain_create(guest_config);
	CHECK(pair->guest);
	test_domain_config(&config, DOM0_DOMID);
	pair->dom0 = grantlink_domain_create(&config);
	CHECK(pair->dom0);

	test_socket_path(pair->path, sizeof(pair->path), "pair");
	struct grantlink_link_config dom0_side = {.peer_domid = GUEST_DOMID, .path = pair->path};
	pair->listener = grantlink_listen(pair->dom0, &dom0_side);
	CHECK(pair->listener);
	struct grantlink_link_config guest_side = {.peer_domid = DOM0_DOMID, .path = pair->path};
	pair->guest_link = grantlink_connect(pair->guest, &guest_side);
	CHECK(pair->guest_link);
	pair->dom0_link = grantlink_listener_accept(pair->listener);
	CHECK(pair->dom0_link);
	/* take each other's hello */
	CHECK_EQ(test_poll_link(pair->dom0_link) & GRANTLINK_EVENT_HANGUP, 0);
	CHECK_EQ(test_poll_link(pair->guest_link) & GRANTLINK_EVENT_HANGUP, 0);
}

void test_pair_finish(struct test_pair *pair)
{
	grantlink_destroy(pair->guest_link);
	grantlink_destroy(pair->dom0_link);
	grantlink_listener_destroy(pair->listener);
	grantlink_domain_destroy(pair->guest);
	grantlink_domain_destroy(pair->dom0);
}

int test_run_all(const struct test_case *tests, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		tests[i].run();
		printf("ok %zu - %s\n", i + 1, tests[i].name);
	}
	printf("1..%zu\n", count);
	return 0;
}
