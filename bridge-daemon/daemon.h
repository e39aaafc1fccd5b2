/*
 * The daemon's process-wide state. Its parts, each with a header of the
 * same name:
 *  - daemon (main.c): the event loop, the listener, the stats;
 *  - dom0 (dom0.c): our client connection to dom0's compositor;
 *  - guest (guest.c): one link, its pump and its wl_client, teardown;
 *  - bridge (bridge.c): the wgb_bridge global and its checks;
 *  - pool (pool.c): grant pools and the buffers inside them;
 *  - window (window.c): wgb_window state, frames, popups;
 *  - presenter (presenter.c): the dom0 surface, its frame, the commits;
 *  - input (input.c): the dom0 seat, forwarded to the focused guest window.
 */
#ifndef BRIDGE_DAEMON_H
#define BRIDGE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "config.h"
#include "grantlink.h"

struct wl_display;
struct bridge_dom0;
struct bridge_guest;

struct bridge_counters {
	int64_t guests;
	int64_t windows;
	int64_t pools;
	int64_t pages_mapped;
	int64_t unmapped_acks;
	int64_t protocol_errors;
	int64_t links_dropped;
	int64_t links_closed;
	int64_t compositor_lost; /* times dom0's compositor went away */
};

struct bridge_daemon {
	struct bridge_config config;
	struct wl_display *display; /* the server the guest's link talks to */
	struct wl_event_loop *loop;
	struct wl_global *bridge_global;
	struct bridge_dom0 *dom0; /* NULL while dom0's compositor is gone */
	struct grantlink_domain *domain;
	struct grantlink_listener *listener;
	struct wl_event_source *listener_source;
	struct wl_event_source *domain_source;
	struct wl_event_source *stats_timer;
	struct wl_event_source *reconnect_timer; /* while the compositor is gone */
	struct wl_protocol_logger *rate_logger;  /* counts guest requests */
	struct bridge_guest *guest;              /* the live link, or NULL */
	/* pools released or left by a guest, until dom0 maps none of them */
	struct wl_list retiring_pools; /* bridge_pool::link */
	struct bridge_counters counters;
	bool running;
	int exit_status;
};

/* main.c */
void bridge_daemon_write_stats(struct bridge_daemon *daemon);
/* Called by guest.c once a link is gone: may listen again. */
void bridge_daemon_link_ended(struct bridge_daemon *daemon);

#endif
