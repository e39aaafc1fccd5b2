/*
 * One guest link: the grant link, the pump that carries its bytes to a
 * socketpair, and the wl_client on the other end of it. A link ends when the
 * guest hangs up or breaks a rule; its resources go first (pools unmapped,
 * windows destroyed), then the pump drains what is left (the error message),
 * then the link closes.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server.h>

#include "daemon.h"
#include "guest.h"
#include "log.h"
#include "loop.h"
#include "wl-grant-bridge-protocol.h"

static void guest_finish(struct bridge_guest *guest);

static void update_masks(struct bridge_guest *guest)
{
	if (guest->link_source) {
		wl_event_source_fd_update(
			guest->link_source, bridge_wl_fd_mask(grantlink_get_events(guest->link)));
	}
	if (guest->stream_source) {
		wl_event_source_fd_update(guest->stream_source,
			bridge_wl_fd_mask(grantlink_pump_get_stream_events(guest->pump)));
	}
}

static void pump(struct bridge_guest *guest)
{
	uint32_t events = grantlink_pump_dispatch(guest->pump);
	if (events & GRANTLINK_EVENT_NOTIFY) {
		/* the agent unshared a pool after our unmapped, or is dying;
		 * which one the link's hangup tells */
		bridge_log(BRIDGE_LOG_DEBUG, "domain %u: unmap-notify from the guest",
			grantlink_get_peer_domid(guest->link));
	}
	if (events & GRANTLINK_EVENT_HANGUP) {
		if (guest->client) {
			bridge_log(BRIDGE_LOG_INFO, "domain %u: link closed",
				grantlink_get_peer_domid(guest->link));
			/* takes every resource down, then guest_finish runs */
			guest->closing = true;
			wl_client_destroy(guest->client);
		} else if (!guest->finish_idle) {
			guest_finish(guest);
		}
		return;
	}
	update_masks(guest);
}

static int handle_fd(int fd, uint32_t mask, void *data)
{
	pump(data);
	return 0;
}

static void handle_finish(void *data)
{
	struct bridge_guest *guest = data;
	guest->finish_idle = NULL;
	guest_finish(guest);
}

static void handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct bridge_guest *guest = wl_container_of(listener, guest, client_destroy);
	wl_list_remove(&guest->client_destroy.link);
	wl_list_init(&guest->client_destroy.link);
	if (!guest->closing && !guest->failed) {
		/* libwayland itself refused the guest's bytes (an unknown
		 * object or opcode, a malformed argument) */
		guest->failed = true;
		guest->daemon->counters.protocol_errors++;
		bridge_log(BRIDGE_LOG_ERROR, "domain %u: malformed message, dropping the link",
			grantlink_get_peer_domid(guest->link));
	}
	guest->client = NULL;
	guest->bridge = NULL;
	guest->seat = NULL;
	/* Resources are destroyed after this signal, and the socket closed:
	 * finish once that is done. */
	guest->finish_idle = wl_event_loop_add_idle(guest->daemon->loop, handle_finish, guest);
	if (!guest->finish_idle) {
		bridge_log(BRIDGE_LOG_ERROR, "out of memory: finishing the link late");
	}
}

/* Counts every request of the guest against its message rate. */
static void protocol_logger(void *data, enum wl_protocol_logger_type type,
	const struct wl_protocol_logger_message *message)
{
	struct bridge_daemon *daemon = data;
	if (type != WL_PROTOCOL_LOGGER_REQUEST || !daemon->guest) {
		return;
	}
	struct bridge_guest *guest = daemon->guest;
	if (wl_resource_get_client(message->resource) != guest->client || guest->failed) {
		return;
	}
	int64_t now = bridge_now_ms();
	if (now - guest->rate_window_start_ms >= 1000) {
		guest->rate_window_start_ms = now;
		guest->rate_count = 0;
	}
	if (++guest->rate_count > guest->daemon->config.limits.max_messages_per_second) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_LIMIT, "more than %u messages a second",
			guest->daemon->config.limits.max_messages_per_second);
	}
}

struct bridge_guest *bridge_guest_create(struct bridge_daemon *daemon, struct grantlink *link)
{
	if (!daemon->rate_logger) {
		daemon->rate_logger =
			wl_display_add_protocol_logger(daemon->display, protocol_logger, daemon);
		if (!daemon->rate_logger) {
			return NULL;
		}
	}
	struct bridge_guest *guest = calloc(1, sizeof(*guest));
	if (!guest) {
		return NULL;
	}
	guest->daemon = daemon;
	guest->link = link;
	wl_list_init(&guest->windows);
	wl_list_init(&guest->pools);
	wl_list_init(&guest->client_destroy.link);
	guest->rate_window_start_ms = bridge_now_ms();

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "socketpair");
		goto out_free;
	}
	guest->stream_fd = sv[0];
	guest->pump = grantlink_pump_create(link, sv[0]);
	if (!guest->pump) {
		close(sv[1]);
		goto out_close;
	}
	guest->client = wl_client_create(daemon->display, sv[1]);
	if (!guest->client) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "wl_client_create");
		close(sv[1]);
		goto out_pump;
	}
	guest->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(guest->client, &guest->client_destroy);
	guest->link_source = wl_event_loop_add_fd(daemon->loop, grantlink_get_fd(link),
		bridge_wl_fd_mask(grantlink_get_events(link)), handle_fd, guest);
	guest->stream_source = wl_event_loop_add_fd(daemon->loop, sv[0],
		bridge_wl_fd_mask(grantlink_pump_get_stream_events(guest->pump)), handle_fd, guest);
	if (!guest->link_source || !guest->stream_source) {
		goto out_client;
	}
	daemon->guest = guest;
	daemon->counters.guests = 1;
	bridge_log(BRIDGE_LOG_INFO, "domain %u: link up", grantlink_get_peer_domid(link));
	return guest;

out_client:
	if (guest->link_source) {
		wl_event_source_remove(guest->link_source);
	}
	if (guest->stream_source) {
		wl_event_source_remove(guest->stream_source);
	}
	wl_list_remove(&guest->client_destroy.link);
	wl_client_destroy(guest->client);
out_pump:
	grantlink_pump_destroy(guest->pump);
out_close:
	close(sv[0]);
out_free:
	free(guest);
	return NULL;
}

static void guest_finish(struct bridge_guest *guest)
{
	struct bridge_daemon *daemon = guest->daemon;
	if (guest->finish_idle) {
		wl_event_source_remove(guest->finish_idle);
		guest->finish_idle = NULL;
	}
	/* the client's socket end is closed: carry what it wrote last (an
	 * error message) to the guest before the link closes */
	grantlink_pump_dispatch(guest->pump);
	if (guest->link_source) {
		wl_event_source_remove(guest->link_source);
	}
	if (guest->stream_source) {
		wl_event_source_remove(guest->stream_source);
	}
	/* every pool went with the client's resources */
	if (guest->npools != 0 || guest->pages_held != 0) {
		bridge_log(
			BRIDGE_LOG_ERROR, "BUG: %u pools still mapped at link end", guest->npools);
	}
	grantlink_pump_destroy(guest->pump);
	close(guest->stream_fd);
	grantlink_destroy(guest->link);
	if (guest->failed) {
		daemon->counters.links_dropped++;
	} else {
		daemon->counters.links_closed++;
	}
	daemon->counters.guests = 0;
	daemon->guest = NULL;
	free(guest);
	bridge_daemon_write_stats(daemon);
	bridge_daemon_link_ended(daemon);
}

void bridge_guest_destroy(struct bridge_guest *guest)
{
	if (!guest) {
		return;
	}
	if (guest->client) {
		guest->closing = true;
		wl_client_destroy(guest->client);
	}
	guest_finish(guest);
}

void bridge_guest_fail(struct bridge_guest *guest, uint32_t code, const char *fmt, ...)
{
	if (guest->failed) {
		return;
	}
	guest->failed = true;
	guest->daemon->counters.protocol_errors++;
	char reason[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	bridge_log(BRIDGE_LOG_ERROR, "domain %u: protocol error %u, dropping the link: %s",
		grantlink_get_peer_domid(guest->link), code, reason);
	if (guest->bridge) {
		wl_resource_post_error(guest->bridge, code, "%s", reason);
	} else if (guest->client) {
		wl_client_post_implementation_error(guest->client, "%s", reason);
	}
}

struct bridge_guest *bridge_guest_from_client(struct bridge_daemon *daemon, struct wl_client *c)
{
	if (daemon->guest && daemon->guest->client == c) {
		return daemon->guest;
	}
	return NULL;
}
