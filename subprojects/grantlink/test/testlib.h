/*
 * Helpers for the grantlink tests: two domains in one process (or two),
 * joined by a local link, and a way to wait for link events.
 */
#ifndef GRANTLINK_TESTLIB_H
#define GRANTLINK_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grantlink.h"

#define GUEST_DOMID 7
#define DOM0_DOMID 0

#define CHECK(cond) ((cond) ? (void)0 : test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond))
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_,   \
				#b, b_);                                                           \
		}                                                                                  \
	} while (0)

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

struct test_pair {
	struct grantlink_domain *guest;
	struct grantlink_domain *dom0;
	struct grantlink_listener *listener;
	struct grantlink *guest_link;
	struct grantlink *dom0_link;
	char path[108];
};

/* Fills CONFIG as the tests want a local domain: fast reclaim timer. */
void test_domain_config(struct grantlink_domain_config *config, uint16_t domid);
/* A unique socket path for this test process. */
void test_socket_path(char *buf, size_t len, const char *name);

/* GUEST_CONFIG may be NULL for the defaults of test_domain_config. */
void test_pair_init(struct test_pair *pair, const struct grantlink_domain_config *guest_config);
void test_pair_finish(struct test_pair *pair);

/* Polls LINK and dispatches until an event in MASK came; returns all events
 * seen. Fails the test after TIMEOUT_MS. */
uint32_t test_wait_link(struct grantlink *link, uint32_t mask, int timeout_ms);
/* Dispatches LINK without waiting; returns the events. */
uint32_t test_poll_link(struct grantlink *link);
/* Waits for the domain's reclaim timer once and runs it; returns pages freed. */
size_t test_reclaim_tick(struct grantlink_domain *domain);

void test_counters(struct grantlink_domain *domain, struct grantlink_counters *c);

struct test_case {
	const char *name;
	void (*run)(void);
};

/* Runs every test in order, printing TAP; a failed CHECK aborts. */
int test_run_all(const struct test_case *tests, size_t count);

#endif
