/*
 * Grant pools and the buffers inside them. A pool collects its refs, is
 * mapped whole (read-only, unmap-notify toward the agent), and stays mapped
 * until the agent releases it; the answer, unmapped, is sent only after the
 * pages are unmapped.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server.h>

#include "guest.h"
#include "pool.h"
#include "log.h"
#include "wl-grant-bridge-protocol.h"

#define REFS_PER_INDIRECT_PAGE (GRANTLINK_PAGE_SIZE / sizeof(uint32_t))

static struct bridge_pool *pool_from_resource(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

static void pool_unmap(struct bridge_pool *pool)
{
	struct bridge_daemon *daemon = pool->guest->daemon;
	if (pool->mapping) {
		grantlink_unmap(pool->mapping);
		pool->mapping = NULL;
		pool->data = NULL;
		daemon->counters.pools--;
		daemon->counters.pages_mapped -= pool->npages;
	}
}

/* Checks an array of refs from the guest: whole uint32s, and room for them. */
static bool check_ref_array(
	struct bridge_pool *pool, struct wl_array *untrusted_refs, size_t room, const char *what)
{
	if (pool->mapping) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "%s after map", what);
		return false;
	}
	if (untrusted_refs->size % sizeof(uint32_t) != 0) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"%s: array of %zu bytes is not whole refs", what, untrusted_refs->size);
		return false;
	}
	size_t n = untrusted_refs->size / sizeof(uint32_t);
	if (n > room) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"%s: %zu refs, room for %zu", what, n, room);
		return false;
	}
	return true;
}

static void pool_add_refs(
	struct wl_client *client, struct wl_resource *resource, struct wl_array *untrusted_refs)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	if (!check_ref_array(pool, untrusted_refs, pool->npages - pool->nrefs, "add_refs")) {
		return;
	}
	size_t n = untrusted_refs->size / sizeof(uint32_t);
	/* refs are opaque to us: the grant table checks them at map time */
	memcpy(pool->refs + pool->nrefs, untrusted_refs->data, n * sizeof(uint32_t));
	pool->nrefs += (uint32_t)n;
}

static void pool_add_indirect_refs(
	struct wl_client *client, struct wl_resource *resource, struct wl_array *untrusted_refs)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	size_t left = pool->npages - pool->nrefs;
	size_t room = (left + REFS_PER_INDIRECT_PAGE - 1) / REFS_PER_INDIRECT_PAGE;
	if (!check_ref_array(pool, untrusted_refs, room, "add_indirect_refs")) {
		return;
	}
	size_t n = untrusted_refs->size / sizeof(uint32_t);
	if (n == 0) {
		return;
	}
	struct grantlink_mapping *indirect =
		grantlink_map(pool->guest->link, untrusted_refs->data, n, 0);
	if (!indirect) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"cannot map %zu indirect ref pages: %s", n, strerror(errno));
		return;
	}
	size_t count = n * REFS_PER_INDIRECT_PAGE < left ? n * REFS_PER_INDIRECT_PAGE : left;
	memcpy(pool->refs + pool->nrefs, grantlink_mapping_get_data(indirect),
		count * sizeof(uint32_t));
	pool->nrefs += (uint32_t)count;
	/* unmapped before mapped is sent: the agent may unshare them then */
	grantlink_unmap(indirect);
}

static void pool_map(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	struct bridge_daemon *daemon = pool->guest->daemon;
	if (pool->mapping) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "pool mapped twice");
		return;
	}
	if (pool->nrefs != pool->npages) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"map with %u refs for %u pages", pool->nrefs, pool->npages);
		return;
	}
	pool->mapping =
		grantlink_map(pool->guest->link, pool->refs, pool->nrefs, GRANTLINK_MAP_NOTIFY);
	if (!pool->mapping) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"cannot map the pool's %u pages: %s", pool->npages, strerror(errno));
		return;
	}
	pool->data = grantlink_mapping_get_data(pool->mapping);
	free(pool->refs);
	pool->refs = NULL;
	daemon->counters.pools++;
	daemon->counters.pages_mapped += pool->npages;
	wgb_pool_send_mapped(resource);
}

static void buffer_resource_destroy(struct wl_resource *resource)
{
	struct bridge_buffer *buffer = wl_resource_get_user_data(resource);
	wl_list_remove(&buffer->link);
	if (buffer->image) {
		pixman_image_unref(buffer->image);
	}
	free(buffer);
}

static void buffer_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wgb_buffer_interface buffer_impl = {
	.destroy = buffer_destroy,
};

struct bridge_buffer *bridge_buffer_from_resource(struct wl_resource *resource)
{
	if (!resource) {
		return NULL;
	}
	assert(wl_resource_instance_of(resource, &wgb_buffer_interface, &buffer_impl));
	return wl_resource_get_user_data(resource);
}

static void pool_create_buffer(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	uint32_t untrusted_offset, int32_t untrusted_width, int32_t untrusted_height,
	int32_t untrusted_stride, uint32_t untrusted_format)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	struct bridge_guest *guest = pool->guest;
	const struct bridge_limits *limits = &guest->daemon->config.limits;
	if (!pool->mapping) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_BUFFER, "buffer in an unmapped pool");
		return;
	}
	if (untrusted_width <= 0 || (uint32_t)untrusted_width > limits->max_width ||
		untrusted_height <= 0 || (uint32_t)untrusted_height > limits->max_height) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_BUFFER, "buffer size %dx%d",
			untrusted_width, untrusted_height);
		return;
	}
	if (untrusted_stride < 0 || (int64_t)untrusted_stride < (int64_t)untrusted_width * 4 ||
		untrusted_stride % 4 != 0) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_BUFFER, "stride %d for width %d",
			untrusted_stride, untrusted_width);
		return;
	}
	if (untrusted_offset % 4 != 0) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_BUFFER, "offset %u unaligned",
			untrusted_offset);
		return;
	}
	/* 64-bit: no product or sum of 32-bit values overflows */
	if ((uint64_t)untrusted_offset + (uint64_t)untrusted_stride * (uint64_t)untrusted_height >
		pool->size) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_BUFFER,
			"buffer at %u, %d x %d bytes, outside a pool of %u", untrusted_offset,
			untrusted_stride, untrusted_height, pool->size);
		return;
	}
	pixman_format_code_t format;
	if (untrusted_format == 0) {
		format = PIXMAN_a8r8g8b8;
	} else if (untrusted_format == 1) {
		format = PIXMAN_x8r8g8b8;
	} else {
		bridge_guest_fail(
			guest, WGB_BRIDGE_ERROR_BAD_BUFFER, "format %u", untrusted_format);
		return;
	}
	/* checked: offset, size, stride and format */
	struct bridge_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->pool = pool;
	buffer->width = untrusted_width;
	buffer->height = untrusted_height;
	buffer->stride = untrusted_stride;
	buffer->format = untrusted_format;
	/* pixman only reads through this image: the mapping is read-only */
	buffer->image = pixman_image_create_bits(format, buffer->width, buffer->height,
		(uint32_t *)(void *)(pool->data + untrusted_offset), buffer->stride);
	buffer->resource = wl_resource_create(client, &wgb_buffer_interface, 1, id);
	if (!buffer->image || !buffer->resource) {
		if (buffer->image) {
			pixman_image_unref(buffer->image);
		}
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_insert(&pool->buffers, &buffer->link);
	wl_resource_set_implementation(
		buffer->resource, &buffer_impl, buffer, buffer_resource_destroy);
}

static void pool_release(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	struct bridge_daemon *daemon = pool->guest->daemon;
	if (!wl_list_empty(&pool->buffers)) {
		bridge_guest_fail(
			pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "pool released with live buffers");
		return;
	}
	/* the heart of the grant invariant: unmap first, then tell */
	pool_unmap(pool);
	daemon->counters.unmapped_acks++;
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
	struct bridge_pool *pool = pool_from_resource(resource);
	/* Only when the client goes can buffers outlive their pool (release
	 * checks there are none), for the moment until their own resources
	 * go: cut them loose from memory about to be unmapped. */
	struct bridge_buffer *buffer, *tmp;
	wl_list_for_each_safe(buffer, tmp, &pool->buffers, link)
	{
		wl_list_remove(&buffer->link);
		wl_list_init(&buffer->link);
		pixman_image_unref(buffer->image);
		buffer->image = NULL;
		buffer->pool = NULL;
	}
	pool_unmap(pool);
	pool->guest->npools--;
	pool->guest->pages_held -= pool->npages;
	wl_list_remove(&pool->link);
	free(pool->refs);
	free(pool);
}

void bridge_pool_create(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id,
	uint32_t untrusted_size)
{
	const struct bridge_limits *limits = &guest->daemon->config.limits;
	if (untrusted_size == 0 || untrusted_size % GRANTLINK_PAGE_SIZE != 0) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_POOL, "pool size %u", untrusted_size);
		return;
	}
	uint32_t npages = untrusted_size / GRANTLINK_PAGE_SIZE;
	if (guest->npools >= limits->max_pools) {
		bridge_guest_fail(
			guest, WGB_BRIDGE_ERROR_LIMIT, "more than %u pools", limits->max_pools);
		return;
	}
	if (guest->pages_held + npages > limits->max_pages) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_LIMIT,
			"pool of %u pages: more than %u pages in all", npages, limits->max_pages);
		return;
	}
	struct wl_client *client = wl_resource_get_client(bridge);
	struct bridge_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		wl_client_post_no_memory(client);
		return;
	}
	pool->guest = guest;
	pool->size = untrusted_size;
	pool->npages = npages;
	wl_list_init(&pool->buffers);
	pool->refs = calloc(npages, sizeof(uint32_t));
	pool->resource = wl_resource_create(client, &wgb_pool_interface, 1, id);
	if (!pool->refs || !pool->resource) {
		free(pool->refs);
		free(pool);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(pool->resource, &pool_impl, pool, pool_resource_destroy);
	wl_list_insert(&guest->pools, &pool->link);
	guest->npools++;
	guest->pages_held += npages;
}
