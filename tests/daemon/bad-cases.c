/*
 * Hostile guests: one bad value per check of the daemon's sanitize blocks,
 * and malformed wire messages below libwayland. Each must end the link
 * (with the right error where ours), unmap the guest's pools, and leave
 * the daemon serving the next link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client.h>

#include "agent.h"
#include "scenarios.h"

/* Writes raw words to the daemon, below libwayland. */
static void send_raw(struct agent *a, const uint32_t *words, size_t count)
{
	int fd = wl_display_get_fd(a->display);
	CHECK(write(fd, words, count * sizeof(uint32_t)) == (ssize_t)(count * sizeof(uint32_t)));
}

static void expect_hangup(struct agent *a)
{
	for (int i = 0; i < 250 && !a->hangup; i++) {
		agent_iterate(a, 20);
	}
	CHECK(a->hangup);
}

/* Malformed wire messages, crafted and random: each ends its link (the
 * daemon's libwayland or our checks refuse it), and the daemon serves the
 * next link after all of them. */
void scenario_garbage(struct agent *a)
{
	uint32_t seed = 12345;
	for (int round = 0; round < 24; round++) {
		agent_link_up(a);
		agent_bind(a, round % 2 == 0);
		/* wgb_bridge is object 3 after the registry (2) */
		uint32_t msg[64];
		size_t n;
		switch (round) {
		case 0: /* a request to an object that does not exist */
			msg[0] = 99;
			msg[1] = 8u << 16 | 0;
			n = 2;
			break;
		case 1: /* an opcode past the interface's requests */
			msg[0] = 3;
			msg[1] = 8u << 16 | 40;
			n = 2;
			break;
		case 2: /* hello whose string claims more bytes than sent */
			msg[0] = 3;
			msg[1] = 20u << 16 | 0;
			msg[2] = 1u << 16;
			msg[3] = 4000;
			msg[4] = 0x41414141;
			n = 5;
			break;
		case 3: /* a string without its NUL */
			msg[0] = 3;
			msg[1] = 20u << 16 | 0;
			msg[2] = 1u << 16;
			msg[3] = 4;
			msg[4] = 0x41414141;
			n = 5;
			break;
		case 4: /* a size smaller than the header */
			msg[0] = 3;
			msg[1] = 4u << 16 | 0;
			n = 2;
			break;
		case 5: /* create_pool with a new id already in use */
			msg[0] = 3;
			msg[1] = 16u << 16 | 1;
			msg[2] = 3;
			msg[3] = 4096;
			n = 4;
			break;
		default: /* random words after a plausible header */
			n = 2 + (seed % 30);
			msg[0] = round % 3 == 0 ? 3 : seed % 8;
			msg[1] = (uint32_t)(n * 4) << 16 | (seed >> 8) % 6;
			for (size_t i = 2; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				msg[i] = seed;
			}
			break;
		}
		seed = seed * 1103515245u + 12345u;
		send_raw(a, msg, n);
		expect_hangup(a);
		agent_link_down(a);
	}
	good_session(a);
	agent_wait_stat(opts.stats, "links_dropped", 24);
	agent_wait_stat(opts.stats, "protocol_errors", 24);
	agent_wait_stat(opts.stats, "links_closed", 1);
}

/* --- bad values ----------------------------------------------------------- */

struct bad_case {
	const char *name;
	uint32_t error;
	bool no_hello;
	void (*send)(struct agent *a, struct agent_pool *probe);
};

static void send_refs(struct wgb_pool *pool, const uint32_t *refs, size_t bytes)
{
	struct wl_array array = {.size = bytes, .alloc = bytes, .data = (void *)refs};
	wgb_pool_add_refs(pool, &array);
}

static void bad_no_hello(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 4096);
}

static void bad_hello_twice(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 1 << 16, "again");
}

static void bad_hello_major(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 2 << 16, "future");
}

static void bad_hello_utf8(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 1 << 16, "bad\xc3\x28name");
}

static void bad_pool_size_zero(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 0);
}

static void bad_pool_size_unaligned(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 4097);
}

static void bad_pool_pages_limit(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, (a->max_pages + 1) * GRANTLINK_PAGE_SIZE);
}

static void bad_pool_count_limit(struct agent *a, struct agent_pool *probe)
{
	/* run with max_pools = 3: the probe and two more fit */
	for (int i = 0; i < 3; i++) {
		wgb_bridge_create_pool(a->bridge, 4096);
	}
}

static void bad_refs_partial(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, 6);
}

static void bad_refs_too_many(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, sizeof(refs));
}

static void bad_refs_after_map(struct agent *a, struct agent_pool *probe)
{
	send_refs(probe->pool, grantlink_share_get_refs(probe->share), 4);
}

static void bad_map_short(struct agent *a, struct agent_pool *probe)
{
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 2 * 4096);
	send_refs(pool, grantlink_share_get_refs(probe->share), 4);
	wgb_pool_map(pool);
}

static void bad_map_unshared(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[1] = {3000}; /* never shared */
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, sizeof(refs));
	wgb_pool_map(pool);
}

static void bad_map_revoked(struct agent *a, struct agent_pool *probe)
{
	struct grantlink_share *share = grantlink_share_create(a->domain, 0, 1, 0);
	CHECK(share);
	uint32_t ref = grantlink_share_get_refs(share)[0];
	grantlink_share_destroy(share);
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, &ref, sizeof(ref));
	wgb_pool_map(pool);
}

static void bad_map_read_only(struct agent *a, struct agent_pool *probe)
{
	/* dom0's compositor maps wl_shm pools read-write: so must the daemon */
	struct grantlink_share *share = grantlink_share_create(a->domain, 0, 1, 0);
	CHECK(share);
	uint32_t ref = grantlink_share_get_refs(share)[0];
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, &ref, sizeof(ref));
	wgb_pool_map(pool);
}

static void bad_map_twice(struct agent *a, struct agent_pool *probe)
{
	wgb_pool_map(probe->pool);
}

static void bad_indirect_unshared(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[1] = {3000};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	struct wl_array array = {.size = 4, .alloc = 4, .data = refs};
	wgb_pool_add_indirect_refs(pool, &array);
}

static void bad_indirect_too_many(struct agent *a, struct agent_pool *probe)
{
	/* one page of refs needs one indirect page, not two */
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	struct wl_array array = {.size = 8, .alloc = 8, .data = refs};
	wgb_pool_add_indirect_refs(pool, &array);
}

static void buffer_case(struct agent *a, struct agent_pool *probe, uint32_t offset, int32_t w,
	int32_t h, int32_t stride, uint32_t format)
{
	wgb_pool_create_buffer(probe->pool, offset, w, h, stride, format);
}

static void bad_buffer_unmapped_pool(struct agent *a, struct agent_pool *probe)
{
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	wgb_pool_create_buffer(pool, 0, 16, 16, 64, 0);
}

static void bad_buffer_zero_width(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 0, 16, 64, 0);
}

static void bad_buffer_negative_height(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, -16, 64, 0);
}

static void bad_buffer_too_wide(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, (int32_t)a->max_width + 1, 1, ((int32_t)a->max_width + 1) * 4, 0);
}

static void bad_buffer_too_tall(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 1, (int32_t)a->max_height + 1, 4, 0);
}

static void bad_buffer_stride_small(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 60, 0);
}

static void bad_buffer_stride_unaligned(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 66, 0);
}

static void bad_buffer_offset_unaligned(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 2, 16, 16, 64, 0);
}

static void bad_buffer_outside_pool(struct agent *a, struct agent_pool *probe)
{
	/* the probe pool is 4 pages: 64 rows of 256 bytes end at its end,
	 * one more row does not fit */
	buffer_case(a, probe, 256, 64, 64, 256, 0);
}

static void bad_buffer_overflow(struct agent *a, struct agent_pool *probe)
{
	/* offset + stride * height wraps around in 32 bits */
	buffer_case(a, probe, 0xfffff000u, 1024, 4096, 1 << 20, 0);
}

static void bad_buffer_format(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 64, 7);
}

static void bad_release_with_buffers(struct agent *a, struct agent_pool *probe)
{
	wgb_pool_create_buffer(probe->pool, 0, 16, 16, 64, 0);
	wgb_pool_release(probe->pool);
}

static void bad_window_limit(struct agent *a, struct agent_pool *probe)
{
	/* run with max_windows = 2 */
	for (int i = 0; i < 3; i++) {
		wgb_bridge_create_toplevel(a->bridge);
	}
}

static void bad_popup_size(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 0, 0, 0, 10);
}

static void bad_popup_too_big(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 0, 0, 10, (int32_t)a->max_height + 1);
}

static void bad_parent_destroyed_first(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 1, 1, 10, 10);
	wgb_window_destroy(parent);
}

static void bad_min_size_negative(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	wgb_window_set_min_size(window, -1, 10);
}

static void bad_max_size_too_big(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	wgb_window_set_max_size(window, 10, (int32_t)a->max_height + 1);
}

static void bad_second_seat(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_get_seat(a->bridge);
	wgb_bridge_get_seat(a->bridge);
}

static void bad_cursor_too_big(struct agent *a, struct agent_pool *probe)
{
	/* 257 x 1: fits the probe pool, not a cursor */
	struct wgb_seat *seat = wgb_bridge_get_seat(a->bridge);
	struct wgb_buffer *buffer = wgb_pool_create_buffer(probe->pool, 0, 257, 1, 257 * 4, 0);
	wgb_seat_set_cursor(seat, buffer, 0, 0);
}

static void bad_cursor_hotspot(struct agent *a, struct agent_pool *probe)
{
	struct wgb_seat *seat = wgb_bridge_get_seat(a->bridge);
	struct wgb_buffer *buffer = wgb_pool_create_buffer(probe->pool, 0, 16, 16, 64, 0);
	wgb_seat_set_cursor(seat, buffer, 16, 0);
}

static void bad_message_rate(struct agent *a, struct agent_pool *probe)
{
	/* run with max_messages_per_second = 200 */
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	for (int i = 0; i < 400; i++) {
		wgb_window_set_title(window, "spam");
		agent_iterate(a, 0);
	}
}

static void bad_feedback_limit(struct agent *a, struct agent_pool *probe)
{
	/* run with max_feedbacks = 16: one more than the daemon keeps */
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	for (int i = 0; i < 17; i++) {
		wgb_window_feedback(window);
	}
}

static const struct bad_case bad_cases[] = {
	{"no-hello", WGB_BRIDGE_ERROR_BAD_VERSION, true, bad_no_hello},
	{"hello-twice", WGB_BRIDGE_ERROR_BAD_VERSION, false, bad_hello_twice},
	{"hello-major", WGB_BRIDGE_ERROR_BAD_VERSION, true, bad_hello_major},
	{"hello-utf8", WGB_BRIDGE_ERROR_BAD_VALUE, true, bad_hello_utf8},
	{"pool-size-zero", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_pool_size_zero},
	{"pool-size-unaligned", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_pool_size_unaligned},
	{"pool-pages-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_pool_pages_limit},
	{"pool-count-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_pool_count_limit},
	{"refs-partial", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_partial},
	{"refs-too-many", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_too_many},
	{"refs-after-map", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_after_map},
	{"map-short", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_short},
	{"map-unshared", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_unshared},
	{"map-revoked", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_revoked},
	{"map-read-only", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_read_only},
	{"map-twice", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_twice},
	{"indirect-unshared", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_indirect_unshared},
	{"indirect-too-many", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_indirect_too_many},
	{"buffer-unmapped-pool", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_unmapped_pool},
	{"buffer-zero-width", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_zero_width},
	{"buffer-negative-height", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_negative_height},
	{"buffer-too-wide", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_too_wide},
	{"buffer-too-tall", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_too_tall},
	{"buffer-stride-small", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_stride_small},
	{"buffer-stride-unaligned", WGB_BRIDGE_ERROR_BAD_BUFFER, false,
		bad_buffer_stride_unaligned},
	{"buffer-offset-unaligned", WGB_BRIDGE_ERROR_BAD_BUFFER, false,
		bad_buffer_offset_unaligned},
	{"buffer-outside-pool", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_outside_pool},
	{"buffer-overflow", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_overflow},
	{"buffer-format", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_format},
	{"release-with-buffers", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_release_with_buffers},
	{"window-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_window_limit},
	{"popup-size", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_popup_size},
	{"popup-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_popup_too_big},
	{"parent-destroyed-first", WGB_BRIDGE_ERROR_BAD_WINDOW, false, bad_parent_destroyed_first},
	{"min-size-negative", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_min_size_negative},
	{"max-size-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_max_size_too_big},
	{"second-seat", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_second_seat},
	{"cursor-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_cursor_too_big},
	{"cursor-hotspot", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_cursor_hotspot},
	{"message-rate", WGB_BRIDGE_ERROR_LIMIT, false, bad_message_rate},
	{"feedback-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_feedback_limit},
};

static void run_bad_case(struct agent *a, const struct bad_case *c)
{
	int64_t errors_before = agent_stat(opts.stats, "protocol_errors");
	agent_link_up(a);
	agent_bind(a, !c->no_hello);
	/* a mapped pool of 4 pages the drop must unmap */
	struct agent_pool probe;
	bool have_probe = !c->no_hello;
	if (have_probe) {
		agent_pool_init(a, &probe, 4, true, true);
	}
	c->send(a, &probe);
	agent_expect_drop(a, c->error);
	if (have_probe) {
		/* the link ended with the pool: dom0 lets go of all of it */
		agent_wait_unmapped(a, probe.share);
		grantlink_share_destroy(probe.share);
		struct grantlink_counters counters;
		grantlink_domain_get_counters(a->domain, &counters);
		CHECK_EQ(counters.deferred, 0);
	}
	agent_link_down(a);
	/* still serving */
	good_session(a);
	agent_wait_stat(opts.stats, "protocol_errors", errors_before + 1);
	agent_wait_stat(opts.stats, "links_dropped", 1);
	agent_wait_stat(opts.stats, "pools", 0);
	agent_wait_stat(opts.stats, "windows", 0);
}

bool run_bad_scenario(struct agent *a, const char *name)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		if (strcmp(name, bad_cases[i].name) == 0) {
			run_bad_case(a, &bad_cases[i]);
			return true;
		}
	}
	return false;
}
