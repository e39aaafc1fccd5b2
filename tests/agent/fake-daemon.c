/*
 * The fake daemon. It checks what a real daemon must check where a test
 * would otherwise miss an agent bug (sizes against the pool, buffers gone
 * before release, popups gone before their parent) and posts protocol
 * errors for them, which end the link and fail the tests that count them.
 */
#include <errno.h>
#include <png.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon.h>

#include "fake-daemon.h"
#include "grantlink.h"
#include "wl-grant-bridge-protocol.h"

#define LINK_VERSION (1u << 16)

struct fake_pool {
	struct fake_daemon *daemon;
	struct wl_resource *resource;
	struct wl_list link; /* fake_daemon::pools */
	uint32_t size;
	uint32_t *refs;
	size_t nrefs;
	struct grantlink_mapping *mapping;
	int nbuffers;
	struct wl_list buffers; /* fake_buffer::pool_link */
	bool released;
};

struct fake_buffer {
	struct fake_daemon *daemon;
	struct wl_resource *resource;
	struct fake_pool *pool; /* NULL once the pool is gone */
	struct wl_list pool_link;
	uint32_t offset;
	int width, height, stride;
	uint32_t format; /* 0 argb8888, 1 xrgb8888 */
	bool held;
	uint64_t checksum;
	int64_t release_at;
	struct wl_list held_link; /* fake_daemon::held */
};

/* a wgb_frame or a wgb_feedback */
struct fake_frame {
	struct wl_resource *resource;
	struct wl_list link;
};

struct fake_daemon {
	struct fake_daemon_config config;
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct grantlink_domain *domain;
	struct grantlink_listener *listener;
	struct wl_global *global;
	struct wl_event_source *listener_source, *domain_source, *frame_timer, *hold_timer;

	/* the one guest */
	struct grantlink *link;
	struct grantlink_pump *pump;
	int stream_fd;
	struct wl_client *client;
	struct wl_listener client_destroy;
	struct wl_event_source *link_source, *stream_source;
	bool hello;
	struct wl_resource *seat;

	struct wl_list windows; /* fake_window::link */
	struct wl_list held;    /* fake_buffer::held_link */
	struct wl_list pools;   /* fake_pool::link */
	/* mappings kept after the link ended */
	struct grantlink_mapping *lingering[256];
	size_t nlingering;
	int64_t lingering_pages;
	struct wl_event_source *linger_timer;
	uint32_t next_window_id;
	uint32_t serial;
	struct fake_stats stats;
	int64_t cursor_sets;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void post_error(struct wl_resource *resource, uint32_t code, const char *msg)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	(void)daemon;
	fprintf(stderr, "fake-daemon: protocol error %u: %s\n", code, msg);
	wl_resource_post_error(resource, code, "%s", msg);
}

static uint64_t checksum(const uint8_t *p, int width, int height, int stride)
{
	uint64_t h = 1469598103934665603ull;
	for (int y = 0; y < height; y++) {
		const uint8_t *row = p + (size_t)y * (size_t)stride;
		for (int x = 0; x < width * 4; x++) {
			h = (h ^ row[x]) * 1099511628211ull;
		}
	}
	return h;
}

static uint8_t *buffer_data(struct fake_buffer *buffer)
{
	return (uint8_t *)grantlink_mapping_get_data(buffer->pool->mapping) + buffer->offset;
}

/* --- buffers ------------------------------------------------------------ */

static void release_buffer(struct fake_buffer *buffer)
{
	if (buffer->held) {
		uint64_t sum = checksum(
			buffer_data(buffer), buffer->width, buffer->height, buffer->stride);
		if (sum != buffer->checksum) {
			fprintf(stderr, "fake-daemon: buffer written before its release\n");
			buffer->daemon->stats.violations++;
		}
		wl_list_remove(&buffer->held_link);
		buffer->held = false;
	}
	wgb_buffer_send_release(buffer->resource);
	buffer->daemon->stats.releases_sent++;
}

static void buffer_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wgb_buffer_interface buffer_impl = {
	.destroy = buffer_handle_destroy,
};

static void buffer_resource_destroy(struct wl_resource *resource)
{
	struct fake_buffer *buffer = wl_resource_get_user_data(resource);
	struct fake_window *window;
	wl_list_for_each(window, &buffer->daemon->windows, link)
	{
		if (window->pending_buffer == buffer) {
			window->pending_buffer = NULL;
		}
	}
	if (buffer->held) {
		wl_list_remove(&buffer->held_link);
	}
	if (buffer->pool) {
		buffer->pool->nbuffers--;
		wl_list_remove(&buffer->pool_link);
	}
	free(buffer);
}

static int handle_hold_timer(void *data)
{
	struct fake_daemon *daemon = data;
	int64_t now = now_ms();
	struct fake_buffer *buffer, *tmp;
	wl_list_for_each_safe(buffer, tmp, &daemon->held, held_link)
	{
		if (buffer->release_at <= now) {
			release_buffer(buffer);
		}
	}
	if (!wl_list_empty(&daemon->held)) {
		wl_event_source_timer_update(daemon->hold_timer, 2);
	}
	return 0;
}

/* --- pools -------------------------------------------------------------- */

static void pool_add_refs(
	struct wl_client *client, struct wl_resource *resource, struct wl_array *refs)
{
	struct fake_pool *pool = wl_resource_get_user_data(resource);
	size_t n = refs->size / 4;
	if (refs->size % 4 || pool->mapping || pool->nrefs + n > pool->size / 4096) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_POOL, "bad add_refs");
		return;
	}
	uint32_t *grown = realloc(pool->refs, (pool->nrefs + n) * sizeof(uint32_t));
	if (!grown) {
		wl_client_post_no_memory(client);
		return;
	}
	pool->refs = grown;
	memcpy(pool->refs + pool->nrefs, refs->data, refs->size);
	pool->nrefs += n;
}

static void pool_add_indirect_refs(
	struct wl_client *client, struct wl_resource *resource, struct wl_array *refs)
{
	post_error(resource, WGB_BRIDGE_ERROR_BAD_POOL, "indirect refs were not announced");
}

static void pool_map(struct wl_client *client, struct wl_resource *resource)
{
	struct fake_pool *pool = wl_resource_get_user_data(resource);
	struct fake_daemon *daemon = pool->daemon;
	if (pool->mapping || pool->nrefs != pool->size / 4096) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_POOL, "map with missing refs");
		return;
	}
	pool->mapping = grantlink_map(daemon->link, pool->refs, pool->nrefs, GRANTLINK_MAP_NOTIFY);
	if (!pool->mapping) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_POOL, "refs do not map");
		return;
	}
	daemon->stats.pages_mapped += (int64_t)pool->nrefs;
	daemon->stats.pages_mapped_total += (int64_t)pool->nrefs;
	if (daemon->stats.pages_mapped > daemon->stats.max_pages_mapped) {
		daemon->stats.max_pages_mapped = daemon->stats.pages_mapped;
	}
	wgb_pool_send_mapped(resource);
}

static void pool_create_buffer(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	uint32_t offset, int32_t width, int32_t height, int32_t stride, uint32_t format)
{
	struct fake_pool *pool = wl_resource_get_user_data(resource);
	struct fake_daemon *daemon = pool->daemon;
	if (!pool->mapping || pool->released) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_BUFFER, "pool not mapped");
		return;
	}
	if (format > 1 || width <= 0 || height <= 0 || (uint32_t)width > daemon->config.max_width ||
		(uint32_t)height > daemon->config.max_height || stride < width * 4 || stride % 4 ||
		offset % 4 || (uint64_t)offset + (uint64_t)stride * (uint64_t)height > pool->size) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_BUFFER, "buffer does not fit");
		return;
	}
	struct fake_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->resource = wl_resource_create(client, &wgb_buffer_interface, 1, id);
	if (!buffer->resource) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	buffer->daemon = daemon;
	buffer->pool = pool;
	buffer->offset = offset;
	buffer->width = width;
	buffer->height = height;
	buffer->stride = stride;
	buffer->format = format;
	wl_list_init(&buffer->held_link);
	pool->nbuffers++;
	wl_list_insert(&pool->buffers, &buffer->pool_link);
	wl_resource_set_implementation(
		buffer->resource, &buffer_impl, buffer, buffer_resource_destroy);
}

static void pool_release(struct wl_client *client, struct wl_resource *resource)
{
	struct fake_pool *pool = wl_resource_get_user_data(resource);
	if (pool->nbuffers > 0 || pool->released) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_POOL, "release with live buffers");
		return;
	}
	pool->released = true;
	pool->daemon->stats.pools_unmapped++;
	/* unmap /then/ say so */
	if (pool->mapping) {
		pool->daemon->stats.pages_mapped -= (int64_t)pool->nrefs;
		grantlink_unmap(pool->mapping);
		pool->mapping = NULL;
	}
	wgb_pool_send_unmapped(resource);
	wl_resource_destroy(resource);
}

static const struct wgb_pool_interface pool_impl = {
	.add_refs = pool_add_refs,
	.add_indirect_refs = pool_add_indirect_refs,
	.map = pool_map,
	.create_buffer = pool_create_buffer,
	.release = pool_release,
};

static void pool_resource_destroy(struct wl_resource *resource)
{
	struct fake_pool *pool = wl_resource_get_user_data(resource);
	struct fake_daemon *daemon = pool->daemon;
	if (pool->mapping) {
		daemon->stats.pages_mapped -= (int64_t)pool->nrefs;
		grantlink_unmap(pool->mapping);
	}
	/* buffers outliving their pool (a dying guest): cut them loose */
	struct fake_buffer *buffer, *tmp;
	wl_list_for_each_safe(buffer, tmp, &pool->buffers, pool_link)
	{
		if (buffer->held) {
			wl_list_remove(&buffer->held_link);
			buffer->held = false;
		}
		wl_list_remove(&buffer->pool_link);
		buffer->pool = NULL;
	}
	daemon->stats.pools--;
	wl_list_remove(&pool->link);
	free(pool->refs);
	free(pool);
}

/* --- windows ------------------------------------------------------------ */

static void frame_resource_destroy(struct wl_resource *resource)
{
	struct fake_frame *frame = wl_resource_get_user_data(resource);
	wl_list_remove(&frame->link);
	free(frame);
}

static void window_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	struct fake_window *other;
	wl_list_for_each(other, &window->daemon->windows, link)
	{
		if (other->parent == window) {
			post_error(resource, WGB_BRIDGE_ERROR_BAD_WINDOW, "window has popups");
			return;
		}
	}
	/* as the daemon: what the agent committed was not shown */
	struct fake_frame *feedback, *tmp;
	wl_list_for_each_safe(feedback, tmp, &window->feedbacks, link)
	{
		wgb_feedback_send_discarded(feedback->resource);
		wl_resource_destroy(feedback->resource);
		window->daemon->stats.feedbacks_discarded++;
	}
	wl_resource_destroy(resource);
}

static void copy_string(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

static void window_set_title(
	struct wl_client *client, struct wl_resource *resource, const char *title)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	copy_string(window->pending_title, sizeof(window->pending_title), title);
}

static void window_set_app_id(
	struct wl_client *client, struct wl_resource *resource, const char *app_id)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	copy_string(window->app_id, sizeof(window->app_id), app_id);
}

static void window_set_size(
	struct wl_client *client, struct wl_resource *resource, int32_t w, int32_t h)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	if (w < 0 || h < 0 || (uint32_t)w > window->daemon->config.max_width ||
		(uint32_t)h > window->daemon->config.max_height) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_VALUE, "size limit out of range");
	}
}

static void window_attach(
	struct wl_client *client, struct wl_resource *resource, struct wl_resource *buffer_resource)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	window->pending_attach = true;
	window->pending_buffer =
		buffer_resource ? wl_resource_get_user_data(buffer_resource) : NULL;
}

static void window_damage(struct wl_client *client, struct wl_resource *resource, int32_t x,
	int32_t y, int32_t w, int32_t h)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	if (w <= 0 || h <= 0) {
		return;
	}
	if (window->ndamage == 64) {
		window->damage_overflow = true;
		return;
	}
	window->damage[window->ndamage].x = x;
	window->damage[window->ndamage].y = y;
	window->damage[window->ndamage].w = w;
	window->damage[window->ndamage].h = h;
	window->ndamage++;
}

/* A wgb_frame or wgb_feedback, pending until the window's commit. */
static void add_callback(struct wl_client *client, const struct wl_interface *interface,
	uint32_t id, struct wl_list *pending)
{
	struct fake_frame *frame = calloc(1, sizeof(*frame));
	if (frame) {
		frame->resource = wl_resource_create(client, interface, 1, id);
	}
	if (!frame || !frame->resource) {
		free(frame);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_insert(pending->prev, &frame->link);
	wl_resource_set_implementation(frame->resource, NULL, frame, frame_resource_destroy);
}

static void window_frame(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	add_callback(client, &wgb_frame_interface, id, &window->pending_frames);
}

static void window_feedback(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	/* the least the protocol lets every daemon keep */
	if (wl_list_length(&window->feedbacks) + wl_list_length(&window->pending_feedbacks) >= 16) {
		post_error(resource, WGB_BRIDGE_ERROR_LIMIT, "more than 16 feedbacks outstanding");
		return;
	}
	add_callback(client, &wgb_feedback_interface, id, &window->pending_feedbacks);
}

static void window_ack_configure(
	struct wl_client *client, struct wl_resource *resource, uint32_t serial)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	window->last_ack = serial;
}

static void clamp_rect(int *x, int *y, int *w, int *h, int width, int height)
{
	int x2 = *x + *w, y2 = *y + *h;
	*x = *x < 0 ? 0 : *x;
	*y = *y < 0 ? 0 : *y;
	x2 = x2 > width ? width : x2;
	y2 = y2 > height ? height : y2;
	*w = x2 > *x ? x2 - *x : 0;
	*h = y2 > *y ? y2 - *y : 0;
}

static void window_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	struct fake_daemon *daemon = window->daemon;
	window->commits++;
	/* double-buffered like everything in wgb_window */
	memcpy(window->title, window->pending_title, sizeof(window->title));
	if (window->pending_attach && window->pending_buffer) {
		struct fake_buffer *buffer = window->pending_buffer;
		if (!buffer->pool) {
			post_error(resource, WGB_BRIDGE_ERROR_BAD_BUFFER, "buffer of a gone pool");
			return;
		}
		bool full = window->damage_overflow;
		if (buffer->width != window->width || buffer->height != window->height) {
			uint32_t *image = calloc((size_t)buffer->width * (size_t)buffer->height, 4);
			if (!image) {
				wl_client_post_no_memory(client);
				return;
			}
			free(window->image);
			window->image = image;
			window->width = buffer->width;
			window->height = buffer->height;
			full = true;
		}
		if (buffer->format != window->format) {
			/* as the daemon: the whole content, in the new format */
			window->format = buffer->format;
			full = true;
		}
		int n = full ? 1 : window->ndamage;
		for (int i = 0; i < n; i++) {
			int x = 0, y = 0, w = window->width, h = window->height;
			if (!full) {
				x = window->damage[i].x;
				y = window->damage[i].y;
				w = window->damage[i].w;
				h = window->damage[i].h;
			}
			clamp_rect(&x, &y, &w, &h, window->width, window->height);
			const uint8_t *src = buffer_data(buffer);
			for (int row = y; row < y + h; row++) {
				uint32_t *line =
					window->image + (size_t)row * (size_t)window->width + x;
				memcpy(line,
					src + (size_t)row * (size_t)buffer->stride + (size_t)x * 4,
					(size_t)w * 4);
				/* xrgb8888: shown opaque, whatever the top bytes */
				for (int k = 0; buffer->format == 1 && k < w; k++) {
					line[k] |= 0xff000000u;
				}
			}
			window->damage_area += (int64_t)w * h;
		}
		window->damage_rects += n;
		window->buffer_commits++;
		if (buffer->format == 1) {
			window->opaque_commits++;
		}
		if (daemon->config.on_commit) {
			daemon->config.on_commit(window, daemon->config.on_commit_data);
		}
		daemon->stats.buffers_committed++;
		if (daemon->config.release_delay_ms > 0) {
			if (!buffer->held) {
				buffer->held = true;
				buffer->checksum = checksum(buffer_data(buffer), buffer->width,
					buffer->height, buffer->stride);
				buffer->release_at = now_ms() + daemon->config.release_delay_ms;
				wl_list_insert(daemon->held.prev, &buffer->held_link);
				wl_event_source_timer_update(daemon->hold_timer, 2);
			}
		} else {
			release_buffer(buffer);
		}
	} else if (window->pending_attach) {
		free(window->image);
		window->image = NULL;
		window->width = window->height = 0;
	}
	window->pending_attach = false;
	window->pending_buffer = NULL;
	window->ndamage = 0;
	window->damage_overflow = false;
	wl_list_insert_list(window->frames.prev, &window->pending_frames);
	wl_list_init(&window->pending_frames);
	wl_list_insert_list(window->feedbacks.prev, &window->pending_feedbacks);
	wl_list_init(&window->pending_feedbacks);
}

static const struct wgb_window_interface window_impl = {
	.destroy = window_destroy,
	.set_title = window_set_title,
	.set_app_id = window_set_app_id,
	.set_min_size = window_set_size,
	.set_max_size = window_set_size,
	.attach = window_attach,
	.damage = window_damage,
	.frame = window_frame,
	.ack_configure = window_ack_configure,
	.commit = window_commit,
	.feedback = window_feedback,
};

static void window_resource_destroy(struct wl_resource *resource)
{
	struct fake_window *window = wl_resource_get_user_data(resource);
	struct fake_frame *frame, *tmp;
	wl_list_for_each_safe(frame, tmp, &window->frames, link)
	{
		wl_resource_destroy(frame->resource);
	}
	wl_list_for_each_safe(frame, tmp, &window->pending_frames, link)
	{
		wl_resource_destroy(frame->resource);
	}
	wl_list_for_each_safe(frame, tmp, &window->feedbacks, link)
	{
		wl_resource_destroy(frame->resource);
	}
	wl_list_for_each_safe(frame, tmp, &window->pending_feedbacks, link)
	{
		wl_resource_destroy(frame->resource);
	}
	struct fake_window *other;
	wl_list_for_each(other, &window->daemon->windows, link)
	{
		if (other->parent == window) {
			other->parent = NULL;
		}
	}
	window->daemon->stats.windows--;
	wl_list_remove(&window->link);
	free(window->image);
	free(window);
}

static struct fake_window *window_create(struct wl_client *client, struct fake_daemon *daemon,
	struct wl_resource *bridge, uint32_t id)
{
	if (daemon->stats.windows >= daemon->config.max_windows) {
		post_error(bridge, WGB_BRIDGE_ERROR_LIMIT, "too many windows");
		return NULL;
	}
	struct fake_window *window = calloc(1, sizeof(*window));
	if (!window) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	window->resource = wl_resource_create(client, &wgb_window_interface, 1, id);
	if (!window->resource) {
		free(window);
		wl_client_post_no_memory(client);
		return NULL;
	}
	window->daemon = daemon;
	window->id = ++daemon->next_window_id;
	wl_list_init(&window->frames);
	wl_list_init(&window->pending_frames);
	wl_list_init(&window->feedbacks);
	wl_list_init(&window->pending_feedbacks);
	wl_list_insert(daemon->windows.prev, &window->link);
	daemon->stats.windows++;
	daemon->stats.windows_created++;
	wl_resource_set_implementation(
		window->resource, &window_impl, window, window_resource_destroy);
	return window;
}

/* --- seat --------------------------------------------------------------- */

static void seat_set_cursor(struct wl_client *client, struct wl_resource *resource,
	struct wl_resource *buffer_resource, int32_t hx, int32_t hy)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (buffer_resource) {
		struct fake_buffer *buffer = wl_resource_get_user_data(buffer_resource);
		if (buffer->width > 256 || buffer->height > 256 || hx < 0 || hy < 0 ||
			hx >= buffer->width || hy >= buffer->height) {
			post_error(resource, WGB_BRIDGE_ERROR_BAD_VALUE, "bad cursor");
			return;
		}
		/* copied at once: released at once */
		wgb_buffer_send_release(buffer_resource);
	}
	daemon->cursor_sets++;
}

static const struct wgb_seat_interface seat_impl = {
	.set_cursor = seat_set_cursor,
};

static void seat_resource_destroy(struct wl_resource *resource)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (daemon->seat == resource) {
		daemon->seat = NULL;
	}
}

static void send_keymap(struct wl_resource *seat)
{
	struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	/* French: not what the agent starts with, so an app can tell */
	struct xkb_rule_names names = {.layout = "fr"};
	struct xkb_keymap *keymap = ctx ? xkb_keymap_new_from_names(ctx, &names, 0) : NULL;
	char *text = keymap ? xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1) : NULL;
	if (text) {
		size_t len = strlen(text) + 1;
		wgb_seat_send_keymap(seat, 1 /* xkb_v1 */, (uint32_t)len);
		for (size_t off = 0; off < len; off += 3000) {
			size_t n = len - off < 3000 ? len - off : 3000;
			struct wl_array chunk = {.size = n, .alloc = n, .data = text + off};
			wgb_seat_send_keymap_data(seat, &chunk);
		}
	}
	free(text);
	xkb_keymap_unref(keymap);
	xkb_context_unref(ctx);
}

/* --- bridge ------------------------------------------------------------- */

static bool check_hello(struct fake_daemon *daemon, struct wl_resource *resource)
{
	if (!daemon->hello) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_VERSION, "request before hello");
		return false;
	}
	return true;
}

static void bridge_hello(
	struct wl_client *client, struct wl_resource *resource, uint32_t version, const char *name)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (daemon->hello || version >> 16 != LINK_VERSION >> 16) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_VERSION, "bad hello");
		return;
	}
	daemon->hello = true;
	wgb_bridge_send_output(resource, 1, 0, 0, daemon->config.output_width,
		daemon->config.output_height, 1, 60000);
	wgb_bridge_send_welcome(resource, LINK_VERSION, WGB_BRIDGE_CAPABILITY_PRESENTATION,
		daemon->config.max_width, daemon->config.max_height, daemon->config.max_windows,
		daemon->config.max_pages);
}

static void bridge_create_pool(
	struct wl_client *client, struct wl_resource *resource, uint32_t id, uint32_t size)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (!check_hello(daemon, resource)) {
		return;
	}
	if (size == 0 || size % 4096 ||
		daemon->stats.pages_mapped + size / 4096 > daemon->config.max_pages) {
		post_error(resource, WGB_BRIDGE_ERROR_LIMIT, "bad pool size");
		return;
	}
	struct fake_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		wl_client_post_no_memory(client);
		return;
	}
	pool->resource = wl_resource_create(client, &wgb_pool_interface, 1, id);
	if (!pool->resource) {
		free(pool);
		wl_client_post_no_memory(client);
		return;
	}
	pool->daemon = daemon;
	pool->size = size;
	wl_list_init(&pool->buffers);
	wl_list_insert(&daemon->pools, &pool->link);
	daemon->stats.pools++;
	daemon->stats.pools_created++;
	wl_resource_set_implementation(pool->resource, &pool_impl, pool, pool_resource_destroy);
}

static void bridge_create_toplevel(
	struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (check_hello(daemon, resource)) {
		window_create(client, daemon, resource, id);
	}
}

static void bridge_create_popup(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	struct wl_resource *parent, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (!check_hello(daemon, resource)) {
		return;
	}
	if (w <= 0 || h <= 0 || (uint32_t)w > daemon->config.max_width ||
		(uint32_t)h > daemon->config.max_height) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_WINDOW, "bad popup size");
		return;
	}
	struct fake_window *window = window_create(client, daemon, resource, id);
	if (window) {
		window->parent = wl_resource_get_user_data(parent);
		window->popup_x = x;
		window->popup_y = y;
		window->popup_w = w;
		window->popup_h = h;
	}
}

static void bridge_get_seat(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct fake_daemon *daemon = wl_resource_get_user_data(resource);
	if (!check_hello(daemon, resource)) {
		return;
	}
	if (daemon->seat) {
		post_error(resource, WGB_BRIDGE_ERROR_BAD_VALUE, "second seat");
		return;
	}
	daemon->seat = wl_resource_create(client, &wgb_seat_interface, 1, id);
	if (!daemon->seat) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(daemon->seat, &seat_impl, daemon, seat_resource_destroy);
	wgb_seat_send_capabilities(daemon->seat, WGB_SEAT_CAPABILITY_POINTER |
							 WGB_SEAT_CAPABILITY_KEYBOARD |
							 WGB_SEAT_CAPABILITY_TOUCH);
	send_keymap(daemon->seat);
	wgb_seat_send_repeat_info(daemon->seat, 25, 600);
}

static const struct wgb_bridge_interface bridge_impl = {
	.hello = bridge_hello,
	.create_pool = bridge_create_pool,
	.create_toplevel = bridge_create_toplevel,
	.create_popup = bridge_create_popup,
	.get_seat = bridge_get_seat,
};

static void bridge_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct fake_daemon *daemon = data;
	struct wl_resource *resource = wl_resource_create(client, &wgb_bridge_interface, 1, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &bridge_impl, daemon, NULL);
}

/* --- frames ------------------------------------------------------------- */

static int handle_frame_timer(void *data)
{
	struct fake_daemon *daemon = data;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint32_t ms = (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	struct fake_window *window;
	wl_list_for_each(window, &daemon->windows, link)
	{
		struct fake_frame *frame, *tmp;
		if (window->hidden) {
			/* nothing of it is shown */
			wl_list_for_each_safe(frame, tmp, &window->feedbacks, link)
			{
				wgb_feedback_send_discarded(frame->resource);
				wl_resource_destroy(frame->resource);
				daemon->stats.feedbacks_discarded++;
			}
			continue;
		}
		if (!wl_list_empty(&window->frames)) {
			window->last_done_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		}
		wl_list_for_each_safe(frame, tmp, &window->frames, link)
		{
			wgb_frame_send_done(frame->resource, ms);
			wl_resource_destroy(frame->resource);
			daemon->stats.frames_done++;
		}
		/* presented after done, as weston and wlroots hosts do */
		wl_list_for_each_safe(frame, tmp, &window->feedbacks, link)
		{
			wgb_feedback_send_presented(frame->resource,
				(uint32_t)((uint64_t)ts.tv_sec >> 32), (uint32_t)ts.tv_sec,
				(uint32_t)ts.tv_nsec, 16666666, 0);
			wl_resource_destroy(frame->resource);
			daemon->stats.feedbacks_presented++;
		}
	}
	wl_event_source_timer_update(daemon->frame_timer, daemon->config.frame_interval_ms);
	return 0;
}

/* --- the guest's link --------------------------------------------------- */

static uint32_t wl_mask(short events)
{
	return (events & POLLIN ? WL_EVENT_READABLE : 0) |
	       (events & POLLOUT ? WL_EVENT_WRITABLE : 0);
}

static void drop_guest(struct fake_daemon *daemon)
{
	if (!daemon->link) {
		return;
	}
	if (daemon->client) {
		struct wl_client *client = daemon->client;
		daemon->client = NULL;
		wl_list_remove(&daemon->client_destroy.link);
		/* unmaps every pool through the resource destructors */
		wl_client_destroy(client);
	}
	wl_event_source_remove(daemon->link_source);
	wl_event_source_remove(daemon->stream_source);
	grantlink_pump_destroy(daemon->pump);
	close(daemon->stream_fd);
	grantlink_destroy(daemon->link);
	daemon->link = NULL;
	daemon->pump = NULL;
	daemon->hello = false;
	daemon->seat = NULL;
}

static void drop_guest_idle(void *data)
{
	drop_guest(data);
}

static void pump(struct fake_daemon *daemon)
{
	if (!daemon->pump) {
		return;
	}
	uint32_t events = grantlink_pump_dispatch(daemon->pump);
	if (events & GRANTLINK_EVENT_HANGUP) {
		drop_guest(daemon);
		return;
	}
	wl_event_source_fd_update(daemon->link_source, wl_mask(grantlink_get_events(daemon->link)));
	wl_event_source_fd_update(
		daemon->stream_source, wl_mask(grantlink_pump_get_stream_events(daemon->pump)));
}

static int handle_pump(int fd, uint32_t mask, void *data)
{
	pump(data);
	return 0;
}

static void handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct fake_daemon *daemon = wl_container_of(listener, daemon, client_destroy);
	/* a protocol error ended the guest: end its link too */
	wl_list_remove(&daemon->client_destroy.link);
	daemon->client = NULL;
	daemon->stats.protocol_errors++;
	wl_event_loop_add_idle(daemon->loop, drop_guest_idle, daemon);
}

static int handle_listener(int fd, uint32_t mask, void *data)
{
	struct fake_daemon *daemon = data;
	struct grantlink *link = grantlink_listener_accept(daemon->listener);
	if (!link) {
		return 0;
	}
	if (daemon->link) {
		/* the client of a dead link may linger; the new one wins */
		drop_guest(daemon);
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		grantlink_destroy(link);
		return 0;
	}
	daemon->link = link;
	daemon->stream_fd = sv[0];
	daemon->pump = grantlink_pump_create(link, sv[0]);
	daemon->client = wl_client_create(daemon->display, sv[1]);
	if (!daemon->pump || !daemon->client) {
		fprintf(stderr, "fake-daemon: cannot serve the guest\n");
		abort();
	}
	daemon->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(daemon->client, &daemon->client_destroy);
	daemon->link_source = wl_event_loop_add_fd(
		daemon->loop, grantlink_get_fd(link), WL_EVENT_READABLE, handle_pump, daemon);
	daemon->stream_source =
		wl_event_loop_add_fd(daemon->loop, sv[0], WL_EVENT_READABLE, handle_pump, daemon);
	daemon->stats.links++;
	pump(daemon);
	return 0;
}

static int handle_domain(int fd, uint32_t mask, void *data)
{
	struct fake_daemon *daemon = data;
	grantlink_domain_dispatch(daemon->domain);
	return 0;
}

static int handle_linger_timer(void *data);

/* --- public ------------------------------------------------------------- */

struct fake_daemon *fake_daemon_create(const struct fake_daemon_config *config)
{
	struct fake_daemon *daemon = calloc(1, sizeof(*daemon));
	if (!daemon) {
		return NULL;
	}
	daemon->config = *config;
	struct fake_daemon_config *c = &daemon->config;
	c->frame_interval_ms = c->frame_interval_ms ? c->frame_interval_ms : 16;
	c->max_width = c->max_width ? c->max_width : 4096;
	c->max_height = c->max_height ? c->max_height : 4096;
	c->max_windows = c->max_windows ? c->max_windows : 64;
	c->max_pages = c->max_pages ? c->max_pages : 65536;
	c->output_width = c->output_width ? c->output_width : 1920;
	c->output_height = c->output_height ? c->output_height : 1080;
	wl_list_init(&daemon->windows);
	wl_list_init(&daemon->held);
	wl_list_init(&daemon->pools);
	daemon->stream_fd = -1;

	daemon->display = wl_display_create();
	if (!daemon->display) {
		goto out_free;
	}
	daemon->loop = wl_display_get_event_loop(daemon->display);
	struct grantlink_domain_config dc;
	grantlink_domain_config_init(&dc, GRANTLINK_BACKEND_LOCAL);
	dc.domid = 0;
	daemon->domain = grantlink_domain_create(&dc);
	if (!daemon->domain) {
		goto out_display;
	}
	struct grantlink_link_config lc = {.peer_domid = config->guest_domid, .path = config->path};
	daemon->listener = grantlink_listen(daemon->domain, &lc);
	if (!daemon->listener) {
		goto out_domain;
	}
	daemon->global =
		wl_global_create(daemon->display, &wgb_bridge_interface, 1, daemon, bridge_bind);
	daemon->listener_source =
		wl_event_loop_add_fd(daemon->loop, grantlink_listener_get_fd(daemon->listener),
			WL_EVENT_READABLE, handle_listener, daemon);
	daemon->domain_source = wl_event_loop_add_fd(daemon->loop,
		grantlink_domain_get_fd(daemon->domain), WL_EVENT_READABLE, handle_domain, daemon);
	daemon->frame_timer = wl_event_loop_add_timer(daemon->loop, handle_frame_timer, daemon);
	daemon->hold_timer = wl_event_loop_add_timer(daemon->loop, handle_hold_timer, daemon);
	daemon->linger_timer = wl_event_loop_add_timer(daemon->loop, handle_linger_timer, daemon);
	if (!daemon->linger_timer || !daemon->global || !daemon->listener_source ||
		!daemon->domain_source || !daemon->frame_timer || !daemon->hold_timer) {
		fprintf(stderr, "fake-daemon: setup failed\n");
		abort();
	}
	wl_event_source_timer_update(daemon->frame_timer, c->frame_interval_ms);
	return daemon;

out_domain:
	grantlink_domain_destroy(daemon->domain);
out_display:
	wl_display_destroy(daemon->display);
out_free:
	free(daemon);
	return NULL;
}

void fake_daemon_destroy(struct fake_daemon *daemon)
{
	if (!daemon) {
		return;
	}
	drop_guest(daemon);
	handle_linger_timer(daemon);
	wl_event_source_remove(daemon->linger_timer);
	wl_event_source_remove(daemon->listener_source);
	wl_event_source_remove(daemon->domain_source);
	wl_event_source_remove(daemon->frame_timer);
	wl_event_source_remove(daemon->hold_timer);
	wl_display_destroy(daemon->display);
	grantlink_listener_destroy(daemon->listener);
	grantlink_domain_destroy(daemon->domain);
	free(daemon);
}

void fake_daemon_dispatch(struct fake_daemon *daemon, int timeout_ms)
{
	wl_display_flush_clients(daemon->display);
	pump(daemon);
	wl_event_loop_dispatch(daemon->loop, timeout_ms);
	wl_display_flush_clients(daemon->display);
	pump(daemon);
}

void fake_daemon_drop_guest(struct fake_daemon *daemon)
{
	drop_guest(daemon);
}

static int handle_linger_timer(void *data)
{
	struct fake_daemon *daemon = data;
	for (size_t i = 0; i < daemon->nlingering; i++) {
		grantlink_unmap(daemon->lingering[i]);
	}
	daemon->nlingering = 0;
	daemon->lingering_pages = 0;
	return 0;
}

void fake_daemon_drop_guest_lingering(struct fake_daemon *daemon, int hold_ms)
{
	struct fake_pool *pool;
	wl_list_for_each(pool, &daemon->pools, link)
	{
		if (pool->mapping && daemon->nlingering < 256) {
			daemon->lingering[daemon->nlingering++] = pool->mapping;
			daemon->lingering_pages += (int64_t)pool->nrefs;
			daemon->stats.pages_mapped -= (int64_t)pool->nrefs;
			pool->mapping = NULL;
		}
	}
	drop_guest(daemon);
	wl_event_source_timer_update(daemon->linger_timer, hold_ms);
}

int64_t fake_daemon_lingering_pages(struct fake_daemon *daemon)
{
	return daemon->lingering_pages;
}

const struct fake_stats *fake_daemon_get_stats(struct fake_daemon *daemon)
{
	return &daemon->stats;
}

struct wl_list *fake_daemon_windows(struct fake_daemon *daemon)
{
	return &daemon->windows;
}

struct fake_window *fake_daemon_find_window(struct fake_daemon *daemon, uint32_t id)
{
	struct fake_window *window;
	wl_list_for_each(window, &daemon->windows, link)
	{
		if (window->id == id) {
			return window;
		}
	}
	return NULL;
}

bool fake_daemon_connected(struct fake_daemon *daemon)
{
	return daemon->hello && daemon->client;
}

void fake_window_configure(struct fake_window *window, int width, int height, uint32_t state)
{
	struct wl_array states;
	wl_array_init(&states);
	if (state) {
		uint32_t *s = wl_array_add(&states, sizeof(*s));
		if (s) {
			*s = state;
		}
	}
	wgb_window_send_configure(
		window->resource, width, height, &states, ++window->daemon->serial);
	wl_array_release(&states);
}

void fake_window_close(struct fake_window *window)
{
	wgb_window_send_close(window->resource);
	window->closed_sent = true;
}

bool fake_window_write_png(struct fake_window *window, const char *path)
{
	if (!window->image) {
		return false;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		return false;
	}
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(f);
		return false;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)window->width, (png_uint_32)window->height, 8,
		PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	uint8_t *row = malloc((size_t)window->width * 4);
	for (int y = 0; row && y < window->height; y++) {
		for (int x = 0; x < window->width; x++) {
			uint32_t p = window->image[(size_t)y * (size_t)window->width + x];
			row[x * 4 + 0] = (uint8_t)(p >> 16);
			row[x * 4 + 1] = (uint8_t)(p >> 8);
			row[x * 4 + 2] = (uint8_t)p;
			row[x * 4 + 3] = (uint8_t)(p >> 24);
		}
		png_write_row(png, row);
	}
	free(row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return fclose(f) == 0;
}

void fake_daemon_keyboard_enter(struct fake_daemon *daemon, struct fake_window *window)
{
	if (!daemon->seat) {
		return;
	}
	struct wl_array keys;
	wl_array_init(&keys);
	wgb_seat_send_keyboard_enter(daemon->seat, window->resource, &keys);
}

void fake_daemon_key(struct fake_daemon *daemon, uint32_t key, bool pressed)
{
	if (daemon->seat) {
		wgb_seat_send_key(daemon->seat, (uint32_t)now_ms(), key, pressed);
	}
}

void fake_daemon_pointer_enter(
	struct fake_daemon *daemon, struct fake_window *window, double x, double y)
{
	if (daemon->seat) {
		wgb_seat_send_pointer_enter(daemon->seat, window->resource, wl_fixed_from_double(x),
			wl_fixed_from_double(y));
		wgb_seat_send_pointer_frame(daemon->seat);
	}
}

void fake_daemon_pointer_motion(struct fake_daemon *daemon, double x, double y)
{
	if (daemon->seat) {
		wgb_seat_send_pointer_motion(daemon->seat, (uint32_t)now_ms(),
			wl_fixed_from_double(x), wl_fixed_from_double(y));
		wgb_seat_send_pointer_frame(daemon->seat);
	}
}

void fake_daemon_pointer_button(struct fake_daemon *daemon, uint32_t button, bool pressed)
{
	if (daemon->seat) {
		wgb_seat_send_pointer_button(daemon->seat, (uint32_t)now_ms(), button, pressed);
		wgb_seat_send_pointer_frame(daemon->seat);
	}
}

void fake_daemon_touch(
	struct fake_daemon *daemon, struct fake_window *window, int32_t id, double x, double y)
{
	if (daemon->seat) {
		uint32_t t = (uint32_t)now_ms();
		wgb_seat_send_touch_down(daemon->seat, t, window->resource, id,
			wl_fixed_from_double(x), wl_fixed_from_double(y));
		wgb_seat_send_touch_frame(daemon->seat);
		wgb_seat_send_touch_up(daemon->seat, t + 1, id);
		wgb_seat_send_touch_frame(daemon->seat);
	}
}

int64_t fake_daemon_cursor_sets(struct fake_daemon *daemon)
{
	return daemon->cursor_sets;
}
