/*
 * bridge-daemon's private objects and how they call each other:
 *  - daemon (main.c): the event loop, the listener, the stats;
 *  - dom0 (dom0.c): our client connection to dom0's compositor;
 *  - guest (guest.c): one link, its pump and its wl_client, teardown;
 *  - bridge (bridge.c): the wgb_bridge global and its checks;
 *  - pool (pool.c): grant pools and the buffers inside them;
 *  - window (window.c): wgb_window state, frames, popups;
 *  - presenter (presenter.c): the dom0 surface, shm buffers, frame, copy;
 *  - input (input.c): the dom0 seat, forwarded to the focused guest window.
 */
#ifndef BRIDGE_DAEMON_H
#define BRIDGE_DAEMON_H

#include <pixman.h>
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
};

struct bridge_daemon {
	struct bridge_config config;
	struct wl_display *display; /* the server the guest's link talks to */
	struct wl_event_loop *loop;
	struct wl_global *bridge_global;
	struct bridge_dom0 *dom0;
	struct grantlink_domain *domain;
	struct grantlink_listener *listener;
	struct wl_event_source *listener_source;
	struct wl_event_source *domain_source;
	struct wl_event_source *stats_timer;
	struct wl_protocol_logger *rate_logger; /* counts guest requests */
	struct bridge_guest *guest;             /* the live link, or NULL */
	struct bridge_counters counters;
	bool running;
	int exit_status;
};

/* main.c */
void bridge_daemon_write_stats(struct bridge_daemon *daemon);
/* Called by guest.c once a link is gone: may listen again. */
void bridge_daemon_link_ended(struct bridge_daemon *daemon);

/* --- guest.c ------------------------------------------------------------ */

struct bridge_guest {
	struct bridge_daemon *daemon;
	struct grantlink *link;
	struct grantlink_pump *pump;
	int stream_fd;            /* our end of the socketpair */
	struct wl_client *client; /* NULL once destroyed */
	struct wl_event_source *link_source;
	struct wl_event_source *stream_source;
	struct wl_event_source *finish_idle;
	struct wl_listener client_destroy;
	struct wl_resource *bridge; /* wgb_bridge, once bound */
	struct wl_resource *seat;   /* wgb_seat, or NULL */
	bool hello_done;
	bool failed;            /* a protocol error ended the link */
	bool closing;           /* we or the peer end it, not libwayland */
	struct wl_list windows; /* bridge_window::link */
	struct wl_list pools;   /* bridge_pool::link */
	uint32_t nwindows;
	uint32_t npools;
	uint64_t pages_held; /* pages of all its pools, mapped or not yet */
	/* bytes of dom0 shm its windows cost us: many windows may show one
	 * guest buffer, so this is bounded on its own */
	uint64_t shm_bytes;
	/* message rate: requests counted in the current one-second window */
	uint64_t rate_window_start_ms;
	uint32_t rate_count;
};

struct bridge_guest *bridge_guest_create(struct bridge_daemon *daemon, struct grantlink *link);
/* Ends the link at once (daemon exit). */
void bridge_guest_destroy(struct bridge_guest *guest);
/* Logs REASON, counts a protocol error and posts CODE on wgb_bridge: the
 * client is destroyed once the request is handled, then the link ends. */
void bridge_guest_fail(struct bridge_guest *guest, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct bridge_guest *bridge_guest_from_client(struct bridge_daemon *daemon, struct wl_client *c);

/* Our shm copies of a guest's windows may take this many bytes: twice
 * what its pools may hold (two buffers per window). */
uint64_t bridge_guest_shm_budget(const struct bridge_guest *guest);

/* --- bridge.c ----------------------------------------------------------- */

#define BRIDGE_VERSION_MAJOR 1
#define BRIDGE_VERSION_MINOR 0
#define BRIDGE_CAPABILITIES 1 /* indirect_refs */

bool bridge_global_create(struct bridge_daemon *daemon);
/* Tells the guest's bridge about an output (after hello). */
void bridge_send_output(struct bridge_guest *guest, uint32_t name, int32_t x, int32_t y,
	int32_t width, int32_t height, int32_t scale, int32_t refresh);
void bridge_send_output_removed(struct bridge_guest *guest, uint32_t name);

/* --- pool.c ------------------------------------------------------------- */

struct bridge_pool {
	struct bridge_guest *guest;
	struct wl_resource *resource;
	struct wl_list link; /* bridge_guest::pools */
	uint32_t size;
	uint32_t npages;
	uint32_t *refs;
	uint32_t nrefs;
	struct grantlink_mapping *mapping; /* NULL until map */
	const uint8_t *data;
	struct wl_list buffers; /* bridge_buffer::link */
};

struct bridge_buffer {
	struct bridge_pool *pool;
	struct wl_resource *resource;
	struct wl_list link; /* bridge_pool::buffers */
	int32_t width, height, stride;
	uint32_t format;
	pixman_image_t *image; /* over the mapped pool, read only */
};

void bridge_pool_create(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id,
	uint32_t untrusted_size);
/* The buffer of a wgb_buffer resource of this guest. */
struct bridge_buffer *bridge_buffer_from_resource(struct wl_resource *resource);

/* --- window.c ----------------------------------------------------------- */

struct bridge_presenter;

struct bridge_window {
	struct bridge_guest *guest;
	struct wl_resource *resource;
	struct wl_list link; /* bridge_guest::windows */
	struct bridge_window *parent;
	struct wl_list popups;     /* bridge_window::popup_link */
	struct wl_list popup_link; /* parent's popups */
	int32_t popup_x, popup_y, popup_width, popup_height;
	struct {
		bool attached;
		struct bridge_buffer *buffer;
		struct wl_listener buffer_destroy;
		pixman_region32_t damage;
		uint32_t ndamage;
		struct wl_list frames; /* wl_resource link */
		char *title;
		char *app_id;
		bool min_set, max_set;
		int32_t min_w, min_h, max_w, max_h;
	} pending;
	struct wl_list frames; /* committed, waiting for dom0's frame */
	struct bridge_presenter *presenter;
};

void bridge_window_create_toplevel(struct bridge_guest *guest, uint32_t id);
void bridge_window_create_popup(struct bridge_guest *guest, uint32_t id, struct wl_resource *parent,
	int32_t untrusted_x, int32_t untrusted_y, int32_t untrusted_width,
	int32_t untrusted_height);
struct bridge_window *bridge_window_from_resource(struct wl_resource *resource);
/* dom0 asked for the next frame: done to the frames committed so far. */
void bridge_window_frames_done(struct bridge_window *window, uint32_t time);

/* --- presenter.c -------------------------------------------------------- */

struct bridge_presenter *bridge_presenter_create(struct bridge_window *window);
void bridge_presenter_destroy(struct bridge_presenter *presenter);
void bridge_presenter_set_title(struct bridge_presenter *presenter, const char *title);
void bridge_presenter_set_app_id(struct bridge_presenter *presenter, const char *app_id);
void bridge_presenter_set_size_limits(
	struct bridge_presenter *presenter, bool min, int32_t width, int32_t height);
/* A commit: BUFFER (NULL: hide) with DAMAGE in buffer pixels, clamped. The
 * presenter releases the buffer once it copied it. */
void bridge_presenter_commit(struct bridge_presenter *presenter, bool attached,
	struct bridge_buffer *buffer, pixman_region32_t *damage, bool want_frame);
/* The buffer is going away: drop it if still queued. */
void bridge_presenter_forget_buffer(struct bridge_presenter *presenter, struct bridge_buffer *b);
/* The window the dom0 surface SURFACE shows, if it is one of ours. */
struct bridge_window *bridge_presenter_window_from_surface(
	struct bridge_daemon *daemon, void *surface);
int32_t bridge_presenter_get_border(struct bridge_presenter *presenter);
void bridge_presenter_get_size(struct bridge_presenter *p, int32_t *width, int32_t *height);

/* --- dom0.c ------------------------------------------------------------- */

struct bridge_dom0 *bridge_dom0_connect(struct bridge_daemon *daemon);
void bridge_dom0_destroy(struct bridge_dom0 *dom0);
/* Before sleeping in the event loop. */
void bridge_dom0_prepare(struct bridge_dom0 *dom0);
/* After the event loop woke up. False if the compositor is gone. */
bool bridge_dom0_after_dispatch(struct bridge_dom0 *dom0);
/* Sends every known output to GUEST's bridge. */
void bridge_dom0_send_outputs(struct bridge_dom0 *dom0, struct bridge_guest *guest);

/* --- input.c ------------------------------------------------------------ */

void bridge_input_create_seat(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id);
/* A window is going away: end any focus it has. */
void bridge_input_window_gone(struct bridge_dom0 *dom0, struct bridge_window *window);

#endif
