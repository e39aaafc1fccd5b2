/*
 * The link client. Our protocol runs as a Wayland client over a socketpair
 * whose other end the grantlink pump connects to the link's channel. Every
 * fd involved sits in the compositor's event loop, so apps and dom0 are
 * served by one thread.
 */
#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "pool.h"
#include "server.h"
#include "wl-grant-bridge-client-protocol.h"

#define LINK_VERSION (1u << 16 | 0u)
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define ORPHAN_POLL_MS 20
#define DRAIN_TIMEOUT_MS 2000

/* Backends that cannot tell whether the peer still maps a page (xen):
 * a dead daemon's mappings go with its process within milliseconds; a
 * second is given before the pages are unshared, and what is still mapped
 * then goes through the kernel's (counted) deferred path. */
#define ORPHAN_GRACE_MS 1000

struct bridge_orphan {
	struct grantlink_share *share;
	int64_t since_ms;
	struct wl_list link; /* bridge_link::orphans */
};

static void update_masks(struct bridge_link *link)
{
	if (!link->pump) {
		return;
	}
	wl_event_source_fd_update(
		link->link_source, bridge_wl_fd_mask(grantlink_get_events(link->gl)));
	wl_event_source_fd_update(link->stream_source,
		bridge_wl_fd_mask(grantlink_pump_get_stream_events(link->pump)));
}

static void check_orphans(struct bridge_link *link)
{
	struct bridge_orphan *orphan, *tmp;
	wl_list_for_each_safe(orphan, tmp, &link->orphans, link)
	{
		ssize_t mapped = grantlink_share_get_peer_mapped(orphan->share);
		if (mapped > 0 ||
			(mapped < 0 && bridge_now_ms() - orphan->since_ms < ORPHAN_GRACE_MS)) {
			continue;
		}
		grantlink_share_destroy(orphan->share);
		wl_list_remove(&orphan->link);
		free(orphan);
	}
	if (!wl_list_empty(&link->orphans)) {
		wl_event_source_timer_update(link->orphan_timer, ORPHAN_POLL_MS);
	}
}

void bridge_link_adopt_orphan(struct bridge_link *link, struct grantlink_share *share)
{
	struct bridge_orphan *orphan = calloc(1, sizeof(*orphan));
	if (!orphan) {
		/* keeping the pages shared forever is safe; unsharing is not */
		bridge_log(BRIDGE_LOG_ERROR, "out of memory: a share stays shared");
		return;
	}
	orphan->share = share;
	orphan->since_ms = bridge_now_ms();
	wl_list_insert(link->orphans.prev, &orphan->link);
	check_orphans(link);
}

static int handle_orphan_timer(void *data)
{
	check_orphans(data);
	return 0;
}

static int handle_domain(int fd, uint32_t mask, void *data)
{
	struct bridge_link *link = data;
	grantlink_domain_dispatch(link->domain);
	check_orphans(link);
	return 0;
}

/* --- protocol events ---------------------------------------------------- */

static uint32_t limit(uint32_t value)
{
	return value == 0 || value > INT32_MAX ? INT32_MAX : value;
}

static void bridge_handle_welcome(void *data, struct wgb_bridge *bridge, uint32_t version,
	uint32_t capabilities, uint32_t max_width, uint32_t max_height, uint32_t max_windows,
	uint32_t max_pages)
{
	struct bridge_link *link = data;
	if (version >> 16 != LINK_VERSION >> 16) {
		bridge_log(BRIDGE_LOG_ERROR, "daemon speaks version %u.%u, we speak %u.%u",
			version >> 16, version & 0xffff, LINK_VERSION >> 16, LINK_VERSION & 0xffff);
		bridge_link_schedule_lost(link, "version mismatch");
		return;
	}
	/* a limit of 0 would allow nothing at all: read it as none; and keep
	 * them within int for the comparisons with sizes and counts */
	link->limits = (struct bridge_link_limits){
		.version = version,
		.capabilities = capabilities,
		.max_width = limit(max_width),
		.max_height = limit(max_height),
		.max_windows = limit(max_windows),
		.max_pages = limit(max_pages),
	};
	link->ready = true;
	link->backoff_ms = BACKOFF_MIN_MS;
	if (link->connects++ > 0) {
		link->reconnects++;
	}
	bridge_log(BRIDGE_LOG_INFO, "link up: daemon %u.%u, max %ux%u, %u windows, %u pages",
		version >> 16, version & 0xffff, max_width, max_height, max_windows, max_pages);
	wl_signal_emit(&link->events.up, link);
	bridge_server_write_stats(link->server);
}

static void bridge_handle_output(void *data, struct wgb_bridge *bridge, uint32_t name, int32_t x,
	int32_t y, int32_t width, int32_t height, int32_t scale, int32_t refresh);
static void bridge_handle_output_removed(void *data, struct wgb_bridge *bridge, uint32_t name);

static const struct wgb_bridge_listener bridge_listener = {
	.welcome = bridge_handle_welcome,
	.output = bridge_handle_output,
	.output_removed = bridge_handle_output_removed,
};

static void bridge_handle_output(void *data, struct wgb_bridge *bridge, uint32_t name, int32_t x,
	int32_t y, int32_t width, int32_t height, int32_t scale, int32_t refresh)
{
	struct bridge_link *link = data;
	bridge_output_update(link->server, name, x, y, width, height, scale, refresh);
}

static void bridge_handle_output_removed(void *data, struct wgb_bridge *bridge, uint32_t name)
{
	struct bridge_link *link = data;
	bridge_output_remove(link->server, name);
}

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct bridge_link *link = data;
	if (strcmp(interface, wgb_bridge_interface.name) != 0 || link->bridge) {
		return;
	}
	link->bridge = wl_registry_bind(registry, name, &wgb_bridge_interface, 1);
	if (!link->bridge) {
		bridge_link_schedule_lost(link, "cannot bind wgb_bridge");
		return;
	}
	wgb_bridge_add_listener(link->bridge, &bridge_listener, link);
	char host[256] = "guest";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	wgb_bridge_hello(link->bridge, LINK_VERSION, host);
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

/* --- event loop glue ---------------------------------------------------- */

static void pump(struct bridge_link *link)
{
	if (!link->pump) {
		return;
	}
	uint32_t events = grantlink_pump_dispatch(link->pump);
	if (events & GRANTLINK_EVENT_HANGUP) {
		bridge_link_schedule_lost(link, "daemon hung up");
		return;
	}
	if (events & GRANTLINK_EVENT_NOTIFY) {
		check_orphans(link);
	}
	update_masks(link);
}

static int handle_pump_fd(int fd, uint32_t mask, void *data)
{
	pump(data);
	return 0;
}

static void remote_failed(struct bridge_link *link)
{
	int err = wl_display_get_error(link->remote);
	if (err == EPROTO) {
		const struct wl_interface *iface;
		uint32_t id;
		uint32_t code = wl_display_get_protocol_error(link->remote, &iface, &id);
		bridge_log(BRIDGE_LOG_ERROR, "daemon sent protocol error %u on %s@%u", code,
			iface ? iface->name : "?", id);
	}
	bridge_link_schedule_lost(link, "link display failed");
}

static int handle_remote(int fd, uint32_t mask, void *data)
{
	struct bridge_link *link = data;
	if (mask & WL_EVENT_READABLE) {
		while (wl_display_prepare_read(link->remote) != 0) {
			if (wl_display_dispatch_pending(link->remote) < 0) {
				remote_failed(link);
				return 0;
			}
		}
		if (wl_display_read_events(link->remote) < 0 ||
			wl_display_dispatch_pending(link->remote) < 0) {
			remote_failed(link);
			return 0;
		}
	}
	if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		bridge_link_schedule_lost(link, "link socket closed");
		return 0;
	}
	bridge_link_flush(link);
	return 0;
}

void bridge_link_flush(struct bridge_link *link)
{
	if (!link->remote || link->lost) {
		return;
	}
	uint32_t mask = WL_EVENT_READABLE;
	if (wl_display_flush(link->remote) < 0) {
		if (errno != EAGAIN) {
			remote_failed(link);
			return;
		}
		mask |= WL_EVENT_WRITABLE;
	}
	wl_event_source_fd_update(link->remote_source, mask);
	pump(link);
}

bool bridge_link_drain(struct bridge_link *link)
{
	if (!link->remote || link->lost) {
		return false;
	}
	int64_t deadline = bridge_now_ms() + DRAIN_TIMEOUT_MS;
	for (;;) {
		if (wl_display_flush(link->remote) >= 0) {
			pump(link);
			return !link->lost;
		}
		if (errno != EAGAIN) {
			remote_failed(link);
			return false;
		}
		/* dom0 reads slower than we write: move bytes until it took
		 * enough, for a while */
		int64_t left = deadline - bridge_now_ms();
		if (left <= 0) {
			bridge_link_schedule_lost(link, "dom0 stopped reading");
			return false;
		}
		struct pollfd pfd[2] = {
			{.fd = grantlink_get_fd(link->gl),
				.events = grantlink_get_events(link->gl)},
			{.fd = link->stream_fd,
				.events = grantlink_pump_get_stream_events(link->pump)},
		};
		poll(pfd, 2, left < 50 ? (int)left : 50);
		pump(link);
		if (link->lost) {
			return false;
		}
	}
}

/* --- connect and lose --------------------------------------------------- */

static void schedule_retry(struct bridge_link *link)
{
	wl_event_source_timer_update(link->retry_timer, link->backoff_ms);
	link->backoff_ms *= 2;
	if (link->backoff_ms > BACKOFF_MAX_MS) {
		link->backoff_ms = BACKOFF_MAX_MS;
	}
}

static void teardown(struct bridge_link *link)
{
	link->ready = false;
	/* windows and pools drop their proxies; pools hand their shares over */
	wl_signal_emit(&link->events.down, link);
	bridge_pools_link_down(link);
	if (link->bridge) {
		wl_proxy_destroy((struct wl_proxy *)link->bridge);
		link->bridge = NULL;
	}
	if (link->registry) {
		wl_registry_destroy(link->registry);
		link->registry = NULL;
	}
	if (link->remote_source) {
		wl_event_source_remove(link->remote_source);
		link->remote_source = NULL;
	}
	if (link->remote) {
		wl_display_disconnect(link->remote);
		link->remote = NULL;
	}
	if (link->stream_source) {
		wl_event_source_remove(link->stream_source);
		link->stream_source = NULL;
	}
	if (link->link_source) {
		wl_event_source_remove(link->link_source);
		link->link_source = NULL;
	}
	grantlink_pump_destroy(link->pump);
	link->pump = NULL;
	if (link->stream_fd >= 0) {
		close(link->stream_fd);
		link->stream_fd = -1;
	}
	grantlink_destroy(link->gl);
	link->gl = NULL;
	check_orphans(link);
}

static void handle_lost_idle(void *data);

void bridge_link_schedule_lost(struct bridge_link *link, const char *why)
{
	if (link->lost || !link->gl) {
		return;
	}
	bridge_log(BRIDGE_LOG_INFO, "link lost: %s", why);
	link->lost = true;
	/* not from inside a dispatch of the display we are about to free */
	link->lost_idle = wl_event_loop_add_idle(link->server->loop, handle_lost_idle, link);
	if (!link->lost_idle) {
		handle_lost_idle(link);
	}
}

static void handle_lost_idle(void *data)
{
	struct bridge_link *link = data;
	link->lost_idle = NULL;
	teardown(link);
	link->lost = false;
	bridge_server_write_stats(link->server);
	schedule_retry(link);
}

/* A failure at start gets our one line, not the library's as well. */
static enum bridge_log_level quiet_begin(void)
{
	enum bridge_log_level level = bridge_log_get_level();
	if (level == BRIDGE_LOG_ERROR) {
		bridge_log_init(BRIDGE_LOG_SILENT);
	}
	return level;
}

static void quiet_end(enum bridge_log_level level)
{
	int err = errno;
	bridge_log_init(level);
	errno = err;
}

static bool retryable(int err)
{
	return err == ENOENT || err == ECONNREFUSED || err == EAGAIN || err == ECONNRESET ||
	       err == ENOTCONN || err == ETIMEDOUT;
}

/* One attempt. Returns false and sets errno when it failed. */
static bool try_connect(struct bridge_link *link)
{
	link->gl = grantlink_connect(link->domain, &link->gl_config);
	if (!link->gl) {
		return false;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		goto out_link;
	}
	link->stream_fd = sv[0];
	link->remote = wl_display_connect_to_fd(sv[1]);
	if (!link->remote) {
		close(sv[1]);
		goto out_stream;
	}
	link->pump = grantlink_pump_create(link->gl, link->stream_fd);
	if (!link->pump) {
		goto out_display;
	}
	struct wl_event_loop *loop = link->server->loop;
	link->link_source = wl_event_loop_add_fd(
		loop, grantlink_get_fd(link->gl), WL_EVENT_READABLE, handle_pump_fd, link);
	link->stream_source = wl_event_loop_add_fd(
		loop, link->stream_fd, WL_EVENT_READABLE, handle_pump_fd, link);
	link->remote_source = wl_event_loop_add_fd(
		loop, wl_display_get_fd(link->remote), WL_EVENT_READABLE, handle_remote, link);
	link->registry = wl_display_get_registry(link->remote);
	if (!link->link_source || !link->stream_source || !link->remote_source || !link->registry) {
		teardown(link);
		errno = ENOMEM;
		return false;
	}
	wl_registry_add_listener(link->registry, &registry_listener, link);
	bridge_log(BRIDGE_LOG_INFO, "link connected to %s", link->path);
	bridge_link_flush(link);
	return true;

out_display:
	wl_display_disconnect(link->remote);
	link->remote = NULL;
out_stream:
	close(link->stream_fd);
	link->stream_fd = -1;
out_link:
	grantlink_destroy(link->gl);
	link->gl = NULL;
	return false;
}

static int handle_retry(void *data)
{
	struct bridge_link *link = data;
	if (link->gl) {
		return 0;
	}
	if (!try_connect(link)) {
		bridge_log(BRIDGE_LOG_DEBUG, "connect to %s: %s", link->path, strerror(errno));
		schedule_retry(link);
	}
	return 0;
}

bool bridge_link_start(struct bridge_link *link)
{
	enum bridge_log_level level = quiet_begin();
	bool ok = try_connect(link);
	quiet_end(level);
	if (ok) {
		return true;
	}
	if (!retryable(errno)) {
		fprintf(stderr, "bridge-agent: cannot use link %s: %s\n", link->path,
			strerror(errno));
		return false;
	}
	bridge_log(BRIDGE_LOG_INFO, "daemon not there yet (%s): retrying", strerror(errno));
	schedule_retry(link);
	return true;
}

struct bridge_link *bridge_link_create(
	struct bridge_server *server, const struct bridge_link_config *config)
{
	struct bridge_link *link = calloc(1, sizeof(*link));
	if (!link) {
		fprintf(stderr, "bridge-agent: out of memory\n");
		return NULL;
	}
	link->server = server;
	link->stream_fd = -1;
	link->backoff_ms = BACKOFF_MIN_MS;
	wl_list_init(&link->pools);
	wl_list_init(&link->orphans);
	wl_signal_init(&link->events.up);
	wl_signal_init(&link->events.down);
	wl_signal_init(&link->events.room);
	link->path = strdup(config->path);
	if (!link->path) {
		fprintf(stderr, "bridge-agent: out of memory\n");
		goto out_free;
	}
	link->gl_config = (struct grantlink_link_config){
		.peer_domid = config->peer_domid,
		.path = link->path,
	};

	struct grantlink_domain_config dc;
	grantlink_domain_config_init(&dc, config->backend);
	dc.domid = config->own_domid;
	enum bridge_log_level level = quiet_begin();
	link->domain = grantlink_domain_create(&dc);
	quiet_end(level);
	if (!link->domain) {
		fprintf(stderr, "bridge-agent: cannot open the %s grant backend: %s\n",
			grantlink_backend_name(config->backend), strerror(errno));
		goto out_path;
	}
	int dfd = grantlink_domain_get_fd(link->domain);
	if (dfd >= 0) {
		link->domain_source = wl_event_loop_add_fd(
			server->loop, dfd, WL_EVENT_READABLE, handle_domain, link);
	}
	link->retry_timer = wl_event_loop_add_timer(server->loop, handle_retry, link);
	link->orphan_timer = wl_event_loop_add_timer(server->loop, handle_orphan_timer, link);
	if ((dfd >= 0 && !link->domain_source) || !link->retry_timer || !link->orphan_timer) {
		fprintf(stderr, "bridge-agent: cannot watch the link\n");
		goto out_sources;
	}
	return link;

out_sources:
	if (link->domain_source) {
		wl_event_source_remove(link->domain_source);
	}
	if (link->retry_timer) {
		wl_event_source_remove(link->retry_timer);
	}
	if (link->orphan_timer) {
		wl_event_source_remove(link->orphan_timer);
	}
	grantlink_domain_destroy(link->domain);
out_path:
	free(link->path);
out_free:
	free(link);
	return NULL;
}

void bridge_link_destroy(struct bridge_link *link)
{
	if (!link) {
		return;
	}
	if (link->lost_idle) {
		wl_event_source_remove(link->lost_idle);
	}
	teardown(link);
	struct bridge_orphan *orphan, *tmp;
	wl_list_for_each_safe(orphan, tmp, &link->orphans, link)
	{
		/* going away with the process: the domain counts what was mapped */
		grantlink_share_destroy(orphan->share);
		wl_list_remove(&orphan->link);
		free(orphan);
	}
	if (link->domain_source) {
		wl_event_source_remove(link->domain_source);
	}
	wl_event_source_remove(link->retry_timer);
	wl_event_source_remove(link->orphan_timer);
	grantlink_domain_destroy(link->domain);
	free(link->path);
	free(link);
}
