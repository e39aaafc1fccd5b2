/*
 * The window composer: one link window per mapped xdg toplevel or popup.
 * It composes the surface tree (subsurfaces, viewporter) with pixman into
 * the window's grant-backed buffers, redrawing only damaged pixels, and
 * paces the app's frame callbacks by dom0's frame events, at most two
 * frames ahead of them.
 */
#ifndef BRIDGE_AGENT_WINDOW_H
#define BRIDGE_AGENT_WINDOW_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/util/box.h>

struct bridge_server;
struct bridge_pool;
struct bridge_buffer;
struct wlr_xdg_surface;
struct wgb_window;

struct bridge_window {
	struct bridge_server *server;
	struct wl_list link; /* bridge_server::windows */
	struct wlr_xdg_surface *xdg;
	struct bridge_window *parent; /* popups: the window they sit on */
	bool mapped;

	/* link side; NULL while the link is down or the surface unmapped */
	struct wgb_window *proxy;
	struct bridge_pool *pool;
	struct bridge_pool *old_pool; /* shown until a buffer of pool is */
	struct bridge_buffer *front;
	/* composed, waiting for dom0's frame event of the commit before */
	struct bridge_buffer *ready;
	struct wlr_box popup_box;       /* as sent in create_popup */
	int min_w, min_h, max_w, max_h; /* as last sent */
	bool info_dirty;                /* title or limits sent, not committed */

	pixman_region32_t damage; /* window pixels changed since the last commit */
	bool dirty;
	uint32_t layout_hash;
	bool want_frame; /* the app waits for a frame callback */
	/* one frame ahead of dom0 (window.c, pacing), for pipeline_left
	 * more frames; else as many frames in flight as dom0 shows */
	bool pipeline;
	int pipeline_left;
	int slow_cycles;     /* in a row, one frame at a time */
	int64_t answered_ns; /* when the app's callbacks were last answered */
	/* dom0 frame events asked for and not come yet (window_frame::link) */
	struct wl_list frames;
	struct wl_list link_feedbacks; /* link_feedback::link, not answered yet */
	int nlink_feedbacks;
	struct wl_list *sampled; /* window_feedback::link, while sampling */

	bool configure_pending; /* waiting for the app to ack xdg_serial */
	uint32_t xdg_serial, daemon_serial;
	bool ack_pending; /* send ack_configure(daemon_serial) with the next commit */

	struct wl_event_source *idle;
	struct wl_list surfaces; /* window_surface::link */

	struct wl_listener pool_ready;
};

struct bridge_window *bridge_window_create(
	struct bridge_server *server, struct wlr_xdg_surface *xdg, struct bridge_window *parent);
void bridge_window_destroy(struct bridge_window *window);
void bridge_window_map(struct bridge_window *window);
void bridge_window_unmap(struct bridge_window *window);
/* The app changed its title, app id or size limits. */
void bridge_window_update_info(struct bridge_window *window);
/* The app acked a configure. */
void bridge_window_acked(struct bridge_window *window, uint32_t xdg_serial);

struct bridge_window *bridge_window_from_proxy(struct wgb_window *proxy);

/* Windows follow the link: re-created on every welcome. */
void bridge_windows_init(struct bridge_server *server);
void bridge_windows_finish(struct bridge_server *server);
int bridge_windows_count_on_link(struct bridge_server *server);

#endif
