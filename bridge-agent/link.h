/*
 * The agent's side of the link to dom0: the grant link, the pump that
 * carries our protocol over it, the Wayland client display of that protocol,
 * reconnection with backoff, and the shares left behind by a lost link.
 */
#ifndef BRIDGE_AGENT_LINK_H
#define BRIDGE_AGENT_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "grantlink.h"

struct bridge_server;

struct bridge_link_config {
	enum grantlink_backend backend;
	uint16_t own_domid;  /* local backend only */
	uint16_t peer_domid; /* dom0 */
	const char *path;
};

struct bridge_link_limits {
	uint32_t version;
	uint32_t capabilities;
	uint32_t max_width, max_height;
	uint32_t max_windows, max_pages;
};

struct bridge_link {
	struct bridge_server *server;
	struct grantlink_domain *domain;
	struct grantlink_link_config gl_config;
	char *path;

	/* one connection; all NULL while the daemon is away */
	struct grantlink *gl;
	struct grantlink_pump *pump;
	int stream_fd; /* our end of the socketpair; the other is the display's */
	struct wl_display *remote;
	struct wl_registry *registry;
	struct wgb_bridge *bridge;
	struct wl_event_source *link_source, *stream_source, *remote_source;
	bool ready; /* welcome came: windows may be made */
	bool lost;  /* a teardown is scheduled */
	struct bridge_link_limits limits;

	struct wl_event_source *domain_source;
	struct wl_event_source *retry_timer;
	struct wl_event_source *orphan_timer;
	struct wl_event_source *lost_idle;
	int backoff_ms;

	int64_t connects;   /* welcomes received */
	int64_t reconnects; /* welcomes after the first */

	struct wl_list pools;   /* bridge_pool::link */
	struct wl_list orphans; /* bridge_orphan::link */

	struct {
		struct wl_signal up;   /* welcome came */
		struct wl_signal down; /* the link is going; drop every proxy */
		/* a pool or window went: room under the daemon's limits again */
		struct wl_signal room;
	} events;
};

/* Returns NULL after logging one line when the link cannot work at all. */
struct bridge_link *bridge_link_create(
	struct bridge_server *server, const struct bridge_link_config *config);
void bridge_link_destroy(struct bridge_link *link);

/* First connection attempt. False, after one line on stderr, when the link
 * is unusable (bad path, backend missing); a daemon not there yet is retried. */
bool bridge_link_start(struct bridge_link *link);

/* Sends what the agent queued; call before the event loop sleeps. */
void bridge_link_flush(struct bridge_link *link);

/* Sends everything queued, waiting (a bounded while) when dom0 reads
 * slower than we write. libwayland's client cannot queue more than 4 KiB
 * and fails for good when its socket is full, so anything that writes a
 * burst drains first. False when the link is gone or going. */
bool bridge_link_drain(struct bridge_link *link);

/* Takes a share whose pool died with the link; it is unshared once the old
 * daemon can no longer map it. */
void bridge_link_adopt_orphan(struct bridge_link *link, struct grantlink_share *share);

/* The link broke (protocol error, hangup): tear it down and reconnect. */
void bridge_link_schedule_lost(struct bridge_link *link, const char *why);

#endif
