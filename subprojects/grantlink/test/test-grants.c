/*
 * The grant-table rules of the local backend, each in its own test: what
 * maps, what does not, when a ref is freed and when it comes back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static struct grantlink_share *share(struct test_pair *p, size_t npages, uint32_t flags)
{
	struct grantlink_share *s = grantlink_share_create(p->guest, DOM0_DOMID, npages, flags);
	CHECK(s);
	return s;
}

static void test_map_shared(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 3, 0);
	memset(grantlink_share_get_data(s), 0x5a, 3 * GRANTLINK_PAGE_SIZE);

	struct grantlink_mapping *m = grantlink_map(p.dom0_link, grantlink_share_get_refs(s), 3, 0);
	CHECK(m);
	CHECK_EQ(grantlink_mapping_get_size(m), 3 * GRANTLINK_PAGE_SIZE);
	const uint8_t *data = grantlink_mapping_get_data(m);
	CHECK_EQ(data[0], 0x5a);
	CHECK_EQ(data[3 * GRANTLINK_PAGE_SIZE - 1], 0x5a);
	/* the guest's later writes are seen: it is the same memory */
	((uint8_t *)grantlink_share_get_data(s))[GRANTLINK_PAGE_SIZE] = 0x11;
	CHECK_EQ(data[GRANTLINK_PAGE_SIZE], 0x11);

	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.shared, 3);
	CHECK_EQ(c.peer_mapped, 3);
	test_counters(p.dom0, &c);
	CHECK_EQ(c.mapped, 3);

	grantlink_unmap(m);
	test_counters(p.guest, &c);
	CHECK_EQ(c.peer_mapped, 0);
	test_counters(p.dom0, &c);
	CHECK_EQ(c.mapped, 0);
	grantlink_share_destroy(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.shared, 0);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.freed, 3);
	test_pair_finish(&p);
}

static void test_map_never_shared_fails(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	uint32_t ref = 5;
	errno = 0;
	CHECK(!grantlink_map(p.dom0_link, &ref, 1, 0));
	CHECK_EQ(errno, EPERM);
	ref = 0; /* never handed out */
	CHECK(!grantlink_map(p.dom0_link, &ref, 1, 0));
	CHECK_EQ(errno, EINVAL);
	ref = 4096; /* past the table */
	CHECK(!grantlink_map(p.dom0_link, &ref, 1, 0));
	CHECK_EQ(errno, EINVAL);
	struct grantlink_counters c;
	test_counters(p.dom0, &c);
	CHECK_EQ(c.mapped, 0);
	test_pair_finish(&p);
}

static void test_map_other_domain_fails(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = grantlink_share_create(p.guest, 3, 1, 0);
	CHECK(s);
	CHECK(!grantlink_map(p.dom0_link, grantlink_share_get_refs(s), 1, 0));
	CHECK_EQ(errno, EPERM);
	/* a failed map leaves no count behind */
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.peer_mapped, 0);
	grantlink_share_destroy(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	test_pair_finish(&p);
}

static void test_readonly(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *ro = share(&p, 1, 0);
	CHECK(!grantlink_map(p.dom0_link, grantlink_share_get_refs(ro), 1, GRANTLINK_MAP_WRITABLE));
	CHECK_EQ(errno, EPERM);
	struct grantlink_share *rw = share(&p, 1, GRANTLINK_SHARE_WRITABLE);
	struct grantlink_mapping *m =
		grantlink_map(p.dom0_link, grantlink_share_get_refs(rw), 1, GRANTLINK_MAP_WRITABLE);
	CHECK(m);
	((uint8_t *)grantlink_mapping_get_data(m))[7] = 0x77;
	CHECK_EQ(((uint8_t *)grantlink_share_get_data(rw))[7], 0x77);
	grantlink_unmap(m);
	grantlink_share_destroy(rw);
	grantlink_share_destroy(ro);
	test_pair_finish(&p);
}

/* A map is all or nothing: one bad ref fails it and leaves no count. */
static void test_map_all_or_nothing(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 2, 0);
	uint32_t refs[3];
	memcpy(refs, grantlink_share_get_refs(s), 2 * sizeof(uint32_t));
	refs[2] = 3000;
	CHECK(!grantlink_map(p.dom0_link, refs, 3, 0));
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.peer_mapped, 0);
	grantlink_share_destroy(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	test_pair_finish(&p);
}

static void test_refs_reused(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 1, 0);
	uint32_t ref = grantlink_share_get_refs(s)[0];
	memset(grantlink_share_get_data(s), 0xff, GRANTLINK_PAGE_SIZE);
	grantlink_share_destroy(s);
	s = share(&p, 1, 0);
	CHECK_EQ(grantlink_share_get_refs(s)[0], ref);
	/* a re-used ref comes back as a fresh zeroed page */
	CHECK_EQ(((uint8_t *)grantlink_share_get_data(s))[100], 0);
	grantlink_share_destroy(s);
	test_pair_finish(&p);
}

/* A share's refs, once freed, come back as the same ascending run. */
static void test_refs_reused_in_order(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 64, 0);
	uint32_t first[64];
	memcpy(first, grantlink_share_get_refs(s), sizeof(first));
	grantlink_share_destroy(s);
	s = share(&p, 64, 0);
	const uint32_t *again = grantlink_share_get_refs(s);
	for (size_t i = 0; i < 64; i++) {
		CHECK_EQ(again[i], first[i]);
		if (i > 0) {
			CHECK_EQ(again[i], again[i - 1] + 1);
		}
	}
	grantlink_share_destroy(s);
	test_pair_finish(&p);
}

/*
 * The seed race: the guest ends access to a ref dom0 still maps. The ref is
 * revoked at once (a late map fails), parked on the deferred list, not handed
 * out again, and freed only after dom0 unmapped it.
 */
static void test_unshare_mapped_defers(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 1, 0);
	uint32_t ref = grantlink_share_get_refs(s)[0];
	memset(grantlink_share_get_data(s), 0x42, GRANTLINK_PAGE_SIZE);
	struct grantlink_mapping *m = grantlink_map(p.dom0_link, &ref, 1, 0);
	CHECK(m);

	grantlink_share_destroy(s);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.shared, 0);
	CHECK_EQ(c.deferred, 1);
	CHECK_EQ(c.freed, 0);
	/* dom0's mapping still reads the old page, not a re-used one */
	CHECK_EQ(((const uint8_t *)grantlink_mapping_get_data(m))[9], 0x42);

	/* a late map of the revoked ref fails cleanly */
	CHECK(!grantlink_map(p.dom0_link, &ref, 1, 0));
	CHECK_EQ(errno, EPERM);

	/* the ref is not handed out while deferred */
	struct grantlink_share *other = share(&p, 1, 0);
	CHECK(grantlink_share_get_refs(other)[0] != ref);

	/* the timer keeps it while mapped */
	CHECK_EQ(test_reclaim_tick(p.guest), 0);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 1);

	grantlink_unmap(m);
	CHECK_EQ(test_reclaim_tick(p.guest), 1);
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.freed, 1);
	struct grantlink_share *again = share(&p, 1, 0);
	CHECK_EQ(grantlink_share_get_refs(again)[0], ref);
	grantlink_share_destroy(again);
	grantlink_share_destroy(other);
	test_pair_finish(&p);
}

/* free_per_iteration bounds the entries one tick looks at; 0 means all. */
static void run_per_iteration(uint32_t per_iteration, const size_t *expected, size_t ticks)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	config.free_per_iteration = per_iteration;
	struct test_pair p;
	test_pair_init(&p, &config);
	struct grantlink_share *s = share(&p, 25, 0);
	struct grantlink_mapping *m =
		grantlink_map(p.dom0_link, grantlink_share_get_refs(s), 25, 0);
	CHECK(m);
	grantlink_share_destroy(s);
	grantlink_unmap(m);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 25);
	for (size_t i = 0; i < ticks; i++) {
		CHECK_EQ(test_reclaim_tick(p.guest), expected[i]);
	}
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.freed, 25);
	test_pair_finish(&p);
}

static void test_free_per_iteration(void)
{
	run_per_iteration(10, (const size_t[]){10, 10, 5}, 3);
	run_per_iteration(0, (const size_t[]){25}, 1);
}

/* Entries still mapped go to the tail; the pass stops when it meets the
 * first of them again, so one tick frees what can be freed behind it. */
static void test_still_mapped_requeued(void)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	config.free_per_iteration = 0;
	struct test_pair p;
	test_pair_init(&p, &config);
	struct grantlink_share *a = share(&p, 1, 0);
	struct grantlink_share *b = share(&p, 2, 0);
	struct grantlink_mapping *ma =
		grantlink_map(p.dom0_link, grantlink_share_get_refs(a), 1, 0);
	struct grantlink_mapping *mb =
		grantlink_map(p.dom0_link, grantlink_share_get_refs(b), 2, 0);
	CHECK(ma && mb);
	grantlink_share_destroy(a);
	grantlink_share_destroy(b);
	grantlink_unmap(mb);
	CHECK_EQ(test_reclaim_tick(p.guest), 2);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 1);
	grantlink_unmap(ma);
	CHECK_EQ(test_reclaim_tick(p.guest), 1);
	test_pair_finish(&p);
}

/* Past max_deferred a still-mapped page is leaked: counted, never re-used. */
static void test_leak_when_list_full(void)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	config.max_deferred = 2;
	struct test_pair p;
	test_pair_init(&p, &config);
	struct grantlink_share *s = share(&p, 3, 0);
	uint32_t refs[3];
	memcpy(refs, grantlink_share_get_refs(s), sizeof(refs));
	struct grantlink_mapping *m = grantlink_map(p.dom0_link, refs, 3, 0);
	CHECK(m);
	grantlink_share_destroy(s);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.deferred, 2);
	CHECK_EQ(c.leaked, 1);
	grantlink_unmap(m);
	CHECK_EQ(test_reclaim_tick(p.guest), 2);
	/* every free ref, one page at a time: two of the three come back, the
	 * leaked one never does (4095 usable refs, one lost) */
	int back = 0;
	size_t count = 0;
	struct grantlink_share *one;
	while ((one = grantlink_share_create(p.guest, DOM0_DOMID, 1, 0))) {
		count++;
		for (int j = 0; j < 3; j++) {
			back += grantlink_share_get_refs(one)[0] == refs[j];
		}
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(back, 2);
	CHECK_EQ(count, 4096 - 1 - 1);
	test_pair_finish(&p);
}

/* First fit: a share takes the lowest run of free refs long enough, so its
 * refs are always consecutive (an export needs one range). A table with
 * enough free refs but no run long enough is full for that share. */
static void test_refs_first_fit(void)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	config.max_refs = 16;
	struct test_pair p;
	test_pair_init(&p, &config);
	struct grantlink_share *a = share(&p, 2, 0);
	struct grantlink_share *b = share(&p, 3, 0);
	struct grantlink_share *c = share(&p, 2, 0);
	CHECK_EQ(grantlink_share_get_refs(a)[0], 1);
	CHECK_EQ(grantlink_share_get_refs(b)[0], 3);
	CHECK_EQ(grantlink_share_get_refs(c)[0], 6);
	grantlink_share_destroy(b); /* 3-5 free */
	struct grantlink_share *big = share(&p, 4, 0);
	CHECK_EQ(grantlink_share_get_refs(big)[0], 8);
	struct grantlink_share *small = share(&p, 2, 0);
	CHECK_EQ(grantlink_share_get_refs(small)[0], 3);
	for (size_t i = 1; i < 4; i++) {
		CHECK_EQ(grantlink_share_get_refs(big)[i], 8 + i);
	}
	/* free now: 5 and 12-15; five refs, no run of five */
	struct grantlink_counters counters;
	test_counters(p.guest, &counters);
	CHECK_EQ(counters.shared, 10);
	CHECK(!grantlink_share_create(p.guest, DOM0_DOMID, 5, 0));
	CHECK_EQ(errno, ENOSPC);
	struct grantlink_share *four = share(&p, 4, 0);
	CHECK_EQ(grantlink_share_get_refs(four)[0], 12);
	CHECK_EQ(grantlink_share_get_refs(share(&p, 1, 0))[0], 5);
	grantlink_share_destroy(a);
	grantlink_share_destroy(c);
	test_pair_finish(&p);
}

static void test_table_full(void)
{
	struct grantlink_domain_config config;
	test_domain_config(&config, GUEST_DOMID);
	config.max_refs = 16;
	struct test_pair p;
	test_pair_init(&p, &config);
	struct grantlink_share *s = share(&p, 15, 0); /* ref 0 is reserved */
	CHECK(!grantlink_share_create(p.guest, DOM0_DOMID, 1, 0));
	CHECK_EQ(errno, ENOSPC);
	grantlink_share_destroy(s);
	CHECK(grantlink_share_create(p.guest, DOM0_DOMID, 15, 0));
	test_pair_finish(&p);
}

static void test_awaiting_unmap(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 4, 0);
	struct grantlink_counters c;
	test_counters(p.guest, &c);
	CHECK_EQ(c.awaiting_unmap, 0);
	grantlink_share_retire(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.awaiting_unmap, 4);
	grantlink_share_destroy(s);
	test_counters(p.guest, &c);
	CHECK_EQ(c.awaiting_unmap, 0);
	test_pair_finish(&p);
}

/* Unmap-notify both ways over the link. */
static void test_notify(void)
{
	struct test_pair p;
	test_pair_init(&p, NULL);
	struct grantlink_share *s = share(&p, 1, 0);
	CHECK(grantlink_share_set_notify(s, p.guest_link));
	struct grantlink_mapping *m =
		grantlink_map(p.dom0_link, grantlink_share_get_refs(s), 1, GRANTLINK_MAP_NOTIFY);
	CHECK(m);
	CHECK_EQ(test_poll_link(p.guest_link) & GRANTLINK_EVENT_NOTIFY, 0);
	grantlink_unmap(m);
	test_wait_link(p.guest_link, GRANTLINK_EVENT_NOTIFY, 2000);
	CHECK_EQ(test_poll_link(p.dom0_link) & GRANTLINK_EVENT_NOTIFY, 0);
	grantlink_share_destroy(s);
	test_wait_link(p.dom0_link, GRANTLINK_EVENT_NOTIFY, 2000);
	test_pair_finish(&p);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"map_shared", test_map_shared},
		{"map_never_shared_fails", test_map_never_shared_fails},
		{"map_other_domain_fails", test_map_other_domain_fails},
		{"readonly", test_readonly},
		{"map_all_or_nothing", test_map_all_or_nothing},
		{"refs_reused", test_refs_reused},
		{"refs_reused_in_order", test_refs_reused_in_order},
		{"unshare_mapped_defers", test_unshare_mapped_defers},
		{"free_per_iteration", test_free_per_iteration},
		{"still_mapped_requeued", test_still_mapped_requeued},
		{"leak_when_list_full", test_leak_when_list_full},
		{"refs_first_fit", test_refs_first_fit},
		{"table_full", test_table_full},
		{"awaiting_unmap", test_awaiting_unmap},
		{"notify", test_notify},
	};
	return test_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
