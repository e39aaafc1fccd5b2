/*
 * A scripted fake bridge-agent: the guest side of the link protocol over the
 * grant link library's local backend, driven step by step by a test.
 */
#ifndef TEST_AGENT_H
#define TEST_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "grantlink.h"
#include "wl-grant-bridge-client-protocol.h"

struct agent {
	const char *path;
	struct grantlink_domain *domain;
	struct grantlink *link;
	struct grantlink_pump *pump;
	int stream_fd;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wgb_bridge *bridge;
	bool welcomed;
	uint32_t capabilities, max_width, max_height, max_windows, max_pages;
	int outputs;
	int32_t output_width, output_height;
	bool hangup;
	int notifies;
};

struct agent_seat {
	struct wgb_seat *seat;
	uint32_t capabilities;
	uint32_t keymap_size, keymap_received;
	char *keymap;
	bool keymap_complete;
	struct wgb_window *keyboard_focus;
	int keys;           /* key events while a window had focus */
	int keys_unfocused; /* key events with no focus: must stay 0 */
	uint32_t last_key;
};

void agent_seat_init(struct agent *agent, struct agent_seat *seat);

struct agent_pool {
	struct agent *agent;
	struct grantlink_share *share;
	struct wgb_pool *pool;
	uint32_t size;
	uint8_t *data;
	bool mapped, unmapped;
	int64_t peer_mapped_at_unmapped;
};

struct agent_window {
	struct wgb_window *window;
	bool configured;
	int32_t width, height;
	int frames_done;
	/* wgb_feedbacks of agent_window_show: asked, answered either way,
	 * presented, and presented after the frame of their commit was done */
	int feedbacks_asked, feedbacks_answered;
	int feedbacks_presented, presented_after_done;
	bool popup_done;
	bool closed;
	uint32_t states_seen;       /* 1 << wgb_window.state, over all configures */
	struct agent_buffer *shown; /* the last buffer agent_window_show gave */
	int shown_releases;         /* its releases before that commit */
};

struct agent_buffer {
	struct wgb_buffer *buffer;
	uint8_t *data; /* in the pool's share */
	int32_t width, height, stride;
	int releases;
};

void agent_init(struct agent *agent, const char *path, uint16_t domid);
void agent_finish(struct agent *agent);
/* A new link to the daemon (retried while it starts). */
void agent_link_up(struct agent *agent);
void agent_link_down(struct agent *agent);
/* Binds wgb_bridge; with HELLO, says hello and waits for welcome. */
void agent_bind(struct agent *agent, bool hello);
/* One turn of the loop: pump, read, dispatch; waits up to TIMEOUT_MS. */
void agent_iterate(struct agent *agent, int timeout_ms);
/* Iterates until *FLAG (or fails after TIMEOUT_MS, or on a display error). */
void agent_wait(struct agent *agent, const bool *flag, int timeout_ms, const char *what);
void agent_wait_count(struct agent *agent, const int *count, int target, const char *what);
void agent_sync(struct agent *agent);
/* Waits for the daemon to end the link with CODE on wgb_bridge. */
void agent_expect_drop(struct agent *agent, uint32_t code);

/* Shares NPAGES and sends their refs (unless !SEND_REFS); maps if MAP. */
void agent_pool_init(
	struct agent *agent, struct agent_pool *pool, uint32_t npages, bool send_refs, bool map);
/* After the link ended: waits until dom0 maps nothing of SHARE, which it
 * does once its compositor let go too. */
void agent_wait_unmapped(struct agent *agent, struct grantlink_share *share);
/* Releases the pool, waits for unmapped, checks the grant invariant, and
 * unshares. */
void agent_pool_release(struct agent_pool *pool);

void agent_window_init(struct agent *agent, struct agent_window *window);
void agent_popup_init(struct agent *agent, struct agent_window *popup, struct agent_window *parent,
	int32_t x, int32_t y, int32_t width, int32_t height);
void agent_buffer_init(struct agent_pool *pool, struct agent_buffer *buffer, uint32_t offset,
	int32_t width, int32_t height);
void agent_buffer_fill(struct agent_buffer *buffer, uint32_t (*pattern)(int x, int y));
/* attach + damage (x, y, w, h; w < 0: whole) + frame (+ feedback with
 * the capability presentation) + commit; waits for the frame, and for the
 * release of the buffer it replaces (dom0's compositor holds the shown
 * one until then). */
void agent_window_show(struct agent *agent, struct agent_window *window,
	struct agent_buffer *buffer, int32_t x, int32_t y, int32_t w, int32_t h);

int64_t agent_stat(const char *stats_path, const char *key);
/* Waits up to 3 s for the stats file to show KEY == VALUE. */
void agent_wait_stat(const char *stats_path, const char *key, int64_t value);

#endif
