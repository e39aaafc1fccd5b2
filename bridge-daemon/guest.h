/*
 * One guest link: the grant link, its pump, its wl_client, and what the guest
 * holds; ending it unmaps everything first.
 */
#ifndef BRIDGE_GUEST_H
#define BRIDGE_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "daemon.h"
#include "grantlink.h"

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
	/* message rate: requests counted in the current one-second window */
	int64_t rate_window_start_ms;
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

#endif
