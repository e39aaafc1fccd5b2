/*
 * Cursor forwarding. The cursor surface's pixels are copied into a small
 * pool of two buffers. Whether the daemon releases a cursor buffer is its
 * business: when both are still held, the pool is replaced (and the old one
 * unshared after `unmapped`), so the agent never writes into a buffer dom0
 * may be reading.
 */
#include <stdlib.h>
#include <wayland-client.h>
#include <wlr/types/wlr_surface.h>

#include "cursor.h"
#include "link.h"
#include "log.h"
#include "texture.h"
#include "pool.h"
#include "server.h"
#include "wl-grant-bridge-client-protocol.h"

#define CURSOR_MAX 256

struct bridge_cursor {
	struct bridge_server *server;
	struct wgb_seat *seat;
	struct wlr_surface *surface;
	int32_t hotspot_x, hotspot_y;
	bool dirty;
	struct bridge_pool *pool;
	struct bridge_buffer *front;
	struct wl_event_source *idle;
	struct wl_listener surface_commit, surface_destroy, pool_ready;
};

static void flush(struct bridge_cursor *cursor)
{
	if (!cursor->seat || !cursor->dirty) {
		return;
	}
	struct wlr_texture *texture =
		cursor->surface ? wlr_surface_get_texture(cursor->surface) : NULL;
	pixman_image_t *image = texture ? bridge_texture_begin(texture) : NULL;
	bridge_texture_end(texture);
	if (!image) {
		wgb_seat_set_cursor(cursor->seat, NULL, 0, 0);
		cursor->dirty = false;
		/* no cursor image: its pages go back */
		wl_list_remove(&cursor->pool_ready.link);
		wl_list_init(&cursor->pool_ready.link);
		bridge_pool_retire(cursor->pool);
		cursor->pool = NULL;
		cursor->front = NULL;
		return;
	}
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	w = w > CURSOR_MAX ? CURSOR_MAX : w;
	h = h > CURSOR_MAX ? CURSOR_MAX : h;
	struct bridge_buffer *buffer = NULL;
	if (cursor->pool && cursor->pool->width == w && cursor->pool->height == h) {
		if (!cursor->pool->mapped) {
			return; /* pool_ready comes */
		}
		buffer = bridge_pool_get_free(cursor->pool, cursor->front);
	}
	if (!buffer) {
		wl_list_remove(&cursor->pool_ready.link);
		wl_list_init(&cursor->pool_ready.link);
		bridge_pool_retire(cursor->pool);
		cursor->front = NULL;
		cursor->pool = bridge_pool_create(cursor->server->link, w, h, 2);
		if (cursor->pool) {
			wl_signal_add(&cursor->pool->events.ready, &cursor->pool_ready);
		}
		return;
	}
	image = bridge_texture_begin(texture);
	if (image) {
		pixman_image_composite32(
			PIXMAN_OP_SRC, image, NULL, buffer->image, 0, 0, 0, 0, 0, 0, w, h);
	}
	bridge_texture_end(texture);
	/* the app's cursor buffer goes back at once; cursors are small */
	bridge_texture_release(texture, NULL, 0, 0, NULL);
	int hx = cursor->hotspot_x, hy = cursor->hotspot_y;
	hx = hx < 0 ? 0 : hx >= w ? w - 1 : hx;
	hy = hy < 0 ? 0 : hy >= h ? h - 1 : hy;
	wgb_seat_set_cursor(cursor->seat, buffer->proxy, hx, hy);
	buffer->busy = true;
	cursor->front = buffer;
	cursor->dirty = false;
}

static void handle_idle(void *data)
{
	struct bridge_cursor *cursor = data;
	cursor->idle = NULL;
	flush(cursor);
}

static void schedule(struct bridge_cursor *cursor)
{
	cursor->dirty = true;
	if (!cursor->idle && cursor->seat) {
		cursor->idle = wl_event_loop_add_idle(cursor->server->loop, handle_idle, cursor);
	}
}

static void handle_pool_ready(struct wl_listener *listener, void *data)
{
	struct bridge_cursor *cursor = wl_container_of(listener, cursor, pool_ready);
	if (cursor->dirty) {
		schedule(cursor);
	}
}

static void handle_surface_commit(struct wl_listener *listener, void *data)
{
	struct bridge_cursor *cursor = wl_container_of(listener, cursor, surface_commit);
	cursor->hotspot_x -= cursor->surface->current.dx;
	cursor->hotspot_y -= cursor->surface->current.dy;
	schedule(cursor);
}

static void forget_surface(struct bridge_cursor *cursor)
{
	wl_list_remove(&cursor->surface_commit.link);
	wl_list_init(&cursor->surface_commit.link);
	wl_list_remove(&cursor->surface_destroy.link);
	wl_list_init(&cursor->surface_destroy.link);
	cursor->surface = NULL;
}

static void handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct bridge_cursor *cursor = wl_container_of(listener, cursor, surface_destroy);
	forget_surface(cursor);
	schedule(cursor);
}

void bridge_cursor_set(struct bridge_cursor *cursor, struct wlr_surface *surface, int32_t hotspot_x,
	int32_t hotspot_y)
{
	forget_surface(cursor);
	cursor->surface = surface;
	cursor->hotspot_x = hotspot_x;
	cursor->hotspot_y = hotspot_y;
	if (surface) {
		wl_signal_add(&surface->events.commit, &cursor->surface_commit);
		wl_signal_add(&surface->events.destroy, &cursor->surface_destroy);
	}
	schedule(cursor);
}

void bridge_cursor_link_up(struct bridge_cursor *cursor, struct wgb_seat *seat)
{
	cursor->seat = seat;
	if (cursor->surface) {
		schedule(cursor);
	}
}

void bridge_cursor_link_down(struct bridge_cursor *cursor)
{
	/* the link's teardown orphans the pool itself */
	wl_list_remove(&cursor->pool_ready.link);
	wl_list_init(&cursor->pool_ready.link);
	cursor->pool = NULL;
	cursor->front = NULL;
	cursor->seat = NULL;
	if (cursor->idle) {
		wl_event_source_remove(cursor->idle);
		cursor->idle = NULL;
	}
}

struct bridge_cursor *bridge_cursor_create(struct bridge_server *server)
{
	struct bridge_cursor *cursor = calloc(1, sizeof(*cursor));
	if (!cursor) {
		return NULL;
	}
	cursor->server = server;
	cursor->surface_commit.notify = handle_surface_commit;
	wl_list_init(&cursor->surface_commit.link);
	cursor->surface_destroy.notify = handle_surface_destroy;
	wl_list_init(&cursor->surface_destroy.link);
	cursor->pool_ready.notify = handle_pool_ready;
	wl_list_init(&cursor->pool_ready.link);
	return cursor;
}

void bridge_cursor_destroy(struct bridge_cursor *cursor)
{
	if (!cursor) {
		return;
	}
	forget_surface(cursor);
	wl_list_remove(&cursor->pool_ready.link);
	if (cursor->idle) {
		wl_event_source_remove(cursor->idle);
	}
	free(cursor);
}
