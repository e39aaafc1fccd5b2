/*
 * Grant-backed pools. Life of one: share the pages (with unmap-notify, so
 * our death reaches dom0), create_pool + add_refs + map, buffers once
 * `mapped`; later release + retire, and unshare only on `unmapped`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

#include "grantlink.h"
#include "link.h"
#include "log.h"
#include "pool.h"
#include "texture.h"
#include "wl-grant-bridge-client-protocol.h"

/* refs per add_refs: a Wayland message holds at most 4096 bytes */
#define REFS_PER_MESSAGE 1000

static void buffer_handle_release(void *data, struct wgb_buffer *proxy)
{
	struct bridge_buffer *buffer = data;
	buffer->busy = false;
	wl_signal_emit(&buffer->pool->events.ready, buffer->pool);
}

static const struct wgb_buffer_listener buffer_listener = {
	.release = buffer_handle_release,
};

static void pool_handle_mapped(void *data, struct wgb_pool *proxy)
{
	struct bridge_pool *pool = data;
	if (pool->mapped || pool->retired) {
		return;
	}
	for (int i = 0; i < pool->nbuffers; i++) {
		struct bridge_buffer *buffer = &pool->buffers[i];
		uint32_t offset = (uint32_t)(i * pool->buffer_size);
		buffer->proxy = wgb_pool_create_buffer(proxy, offset, pool->width, pool->height,
			pool->stride, WL_SHM_FORMAT_ARGB8888);
		buffer->opaque_proxy = wgb_pool_create_buffer(proxy, offset, pool->width,
			pool->height, pool->stride, WL_SHM_FORMAT_XRGB8888);
		if (!buffer->proxy || !buffer->opaque_proxy) {
			bridge_link_schedule_lost(pool->link, "out of memory");
			return;
		}
		/* either is released only after it was attached: either frees
		 * the pages */
		wgb_buffer_add_listener(buffer->proxy, &buffer_listener, buffer);
		wgb_buffer_add_listener(buffer->opaque_proxy, &buffer_listener, buffer);
	}
	pool->mapped = true;
	wl_signal_emit(&pool->events.ready, pool);
}

static void pool_free(struct bridge_pool *pool)
{
	for (int i = 0; i < pool->nbuffers; i++) {
		pixman_image_unref(pool->buffers[i].image);
		pixman_image_unref(pool->buffers[i].opaque_image);
		pixman_region32_fini(&pool->buffers[i].stale);
	}
	wl_list_remove(&pool->link_node);
	free(pool);
}

static void pool_handle_unmapped(void *data, struct wgb_pool *proxy)
{
	struct bridge_pool *pool = data;
	wgb_pool_destroy(proxy);
	pool->proxy = NULL;
	if (!pool->retired) {
		/* the daemon may not drop a pool on its own: keep the pages
		 * shared rather than trust a confused peer */
		bridge_link_schedule_lost(pool->link, "unmapped without release");
		return;
	}
	/* the one place where a pool's grants end in normal operation */
	grantlink_share_destroy(pool->share);
	pool->share = NULL;
	struct bridge_link *link = pool->link;
	pool_free(pool);
	wl_signal_emit(&link->events.room, link);
}

static const struct wgb_pool_listener pool_listener = {
	.mapped = pool_handle_mapped,
	.unmapped = pool_handle_unmapped,
};

struct bridge_pool *bridge_pool_create(
	struct bridge_link *link, int width, int height, int nbuffers)
{
	if (!link->ready || width <= 0 || height <= 0 || nbuffers < 1 ||
		nbuffers > BRIDGE_POOL_MAX_BUFFERS || (uint32_t)width > link->limits.max_width ||
		(uint32_t)height > link->limits.max_height) {
		errno = EINVAL;
		return NULL;
	}
	size_t stride = (size_t)width * 4;
	size_t span = stride * (size_t)height;
	span = (span + GRANTLINK_PAGE_SIZE - 1) / GRANTLINK_PAGE_SIZE * GRANTLINK_PAGE_SIZE;
	size_t size = span * (size_t)nbuffers;
	if (size > UINT32_MAX) {
		errno = EOVERFLOW;
		return NULL;
	}
	if (bridge_pools_pages(link) + size / GRANTLINK_PAGE_SIZE > link->limits.max_pages) {
		errno = ENOSPC;
		return NULL;
	}
	struct bridge_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		return NULL;
	}
	pool->link = link;
	pool->width = width;
	pool->height = height;
	pool->stride = (int)stride;
	pool->buffer_size = span;
	pool->nbuffers = nbuffers;
	wl_signal_init(&pool->events.ready);
	wl_list_init(&pool->link_node);

	size_t npages = size / GRANTLINK_PAGE_SIZE;
	pool->share = grantlink_share_create(link->domain, grantlink_get_peer_domid(link->gl),
		npages, GRANTLINK_SHARE_WRITABLE /* dom0's compositor maps wl_shm read-write */);
	if (!pool->share) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot share %zu pages", npages);
		goto out_free;
	}
	if (!grantlink_share_set_notify(pool->share, link->gl)) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot arm unmap-notify");
		goto out_share;
	}
	uint8_t *data = grantlink_share_get_data(pool->share);
	for (int i = 0; i < nbuffers; i++) {
		struct bridge_buffer *buffer = &pool->buffers[i];
		buffer->pool = pool;
		wl_list_init(&buffer->pins);
		pixman_region32_init_rect(&buffer->stale, 0, 0, (unsigned)width, (unsigned)height);
		uint32_t *bits = (uint32_t *)(data + (size_t)i * span);
		buffer->image = pixman_image_create_bits_no_clear(
			PIXMAN_a8r8g8b8, width, height, bits, (int)stride);
		buffer->opaque_image = pixman_image_create_bits_no_clear(
			PIXMAN_x8r8g8b8, width, height, bits, (int)stride);
		if (!buffer->image || !buffer->opaque_image) {
			goto out_images;
		}
	}

	pool->proxy = wgb_bridge_create_pool(link->bridge, (uint32_t)size);
	if (!pool->proxy) {
		goto out_images;
	}
	wgb_pool_add_listener(pool->proxy, &pool_listener, pool);
	const uint32_t *refs = grantlink_share_get_refs(pool->share);
	for (size_t done = 0; done < npages;) {
		/* each chunk fills most of libwayland's buffer: empty it first */
		if (!bridge_link_drain(link)) {
			break; /* the link goes; its teardown takes the pool */
		}
		size_t n = npages - done < REFS_PER_MESSAGE ? npages - done : REFS_PER_MESSAGE;
		struct wl_array array = {
			.size = n * sizeof(uint32_t),
			.alloc = n * sizeof(uint32_t),
			.data = (void *)(refs + done),
		};
		wgb_pool_add_refs(pool->proxy, &array);
		done += n;
	}
	wgb_pool_map(pool->proxy);
	wl_list_insert(link->pools.prev, &pool->link_node);
	return pool;

out_images:
	for (int i = 0; i < nbuffers; i++) {
		if (pool->buffers[i].image) {
			pixman_image_unref(pool->buffers[i].image);
		}
		if (pool->buffers[i].opaque_image) {
			pixman_image_unref(pool->buffers[i].opaque_image);
		}
		pixman_region32_fini(&pool->buffers[i].stale);
	}
out_share:
	/* never sent to dom0: nobody can have mapped it */
	grantlink_share_destroy(pool->share);
out_free:
	free(pool);
	return NULL;
}

/* The surfaces' pixels kept in the pool's buffers move out before the
 * pages go. */
static void unpin_all(struct bridge_pool *pool)
{
	for (int i = 0; i < pool->nbuffers; i++) {
		bridge_textures_unpin(&pool->buffers[i].pins);
	}
}

static void destroy_buffer_proxies(struct bridge_pool *pool)
{
	for (int i = 0; i < pool->nbuffers; i++) {
		struct bridge_buffer *buffer = &pool->buffers[i];
		if (buffer->proxy) {
			wgb_buffer_destroy(buffer->proxy);
			buffer->proxy = NULL;
		}
		if (buffer->opaque_proxy) {
			wgb_buffer_destroy(buffer->opaque_proxy);
			buffer->opaque_proxy = NULL;
		}
	}
}

void bridge_pool_retire(struct bridge_pool *pool)
{
	if (!pool) {
		return;
	}
	unpin_all(pool);
	destroy_buffer_proxies(pool);
	pool->retired = true;
	wgb_pool_release(pool->proxy);
	grantlink_share_retire(pool->share);
}

void bridge_pool_damage(struct bridge_pool *pool, const pixman_region32_t *region)
{
	for (int i = 0; i < pool->nbuffers; i++) {
		pixman_region32_union(&pool->buffers[i].stale, &pool->buffers[i].stale,
			(pixman_region32_t *)region);
	}
}

void bridge_buffer_set_opaque(struct bridge_buffer *buffer, bool opaque)
{
	if (buffer->opaque == opaque) {
		return;
	}
	buffer->opaque = opaque;
	pixman_region32_union_rect(&buffer->stale, &buffer->stale, 0, 0,
		(unsigned)buffer->pool->width, (unsigned)buffer->pool->height);
}

struct bridge_buffer *bridge_pool_get_free(struct bridge_pool *pool, struct bridge_buffer *avoid)
{
	if (!pool->mapped) {
		return NULL;
	}
	/* unpinned first, AVOID last; a pinned one costs its textures a copy */
	struct bridge_buffer *found = NULL, *pinned = NULL;
	for (int i = 0; i < pool->nbuffers; i++) {
		struct bridge_buffer *buffer = &pool->buffers[i];
		if (buffer->busy) {
			continue;
		}
		if (!wl_list_empty(&buffer->pins)) {
			pinned = pinned && pinned != avoid ? pinned : buffer;
			continue;
		}
		if (buffer != avoid) {
			return buffer;
		}
		found = buffer;
	}
	if (!found && pinned) {
		bridge_textures_unpin(&pinned->pins);
		found = pinned;
	}
	return found;
}

void bridge_pools_link_down(struct bridge_link *link)
{
	struct bridge_pool *pool, *tmp;
	wl_list_for_each_safe(pool, tmp, &link->pools, link_node)
	{
		unpin_all(pool);
		for (int i = 0; i < pool->nbuffers; i++) {
			if (pool->buffers[i].proxy) {
				wl_proxy_destroy((struct wl_proxy *)pool->buffers[i].proxy);
			}
			if (pool->buffers[i].opaque_proxy) {
				wl_proxy_destroy((struct wl_proxy *)pool->buffers[i].opaque_proxy);
			}
		}
		if (pool->proxy) {
			wl_proxy_destroy((struct wl_proxy *)pool->proxy);
		}
		bridge_link_adopt_orphan(link, pool->share);
		pool_free(pool);
	}
}

size_t bridge_pools_count(struct bridge_link *link)
{
	return (size_t)wl_list_length(&link->pools);
}

size_t bridge_pools_pages(struct bridge_link *link)
{
	size_t pages = 0;
	struct bridge_pool *pool;
	wl_list_for_each(pool, &link->pools, link_node)
	{
		pages += grantlink_share_get_npages(pool->share);
	}
	return pages;
}
