/*
 * Grant pools and the buffers inside them. A pool collects its refs and is
 * mapped whole: once here (writable, unmap-notify toward the agent), which
 * checks every ref, and once as an export that dom0's compositor maps as a
 * wl_shm pool, so that it shows the guest's pixels where they are. Each
 * guest buffer is a wl_buffer of that pool.
 *
 * unmapped is sent only when no process of dom0 maps the pages any more:
 * after the release, the compositor's pool and buffers are destroyed, a
 * roundtrip makes sure it has seen that, the export is closed, and its
 * last user letting go (on Xen: gntdev's unmap-notify, whenever the
 * compositor really unmaps) ends our own mapping; only then the answer.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>
#include <wayland-server.h>

#include "dom0.h"
#include "guest.h"
#include "pool.h"
#include "log.h"
#include "wl-grant-bridge-protocol.h"

#define REFS_PER_INDIRECT_PAGE (GRANTLINK_PAGE_SIZE / sizeof(uint32_t))

static struct bridge_pool *pool_from_resource(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

/* The pool a request is for; NULL (and the link ends) once it was released. */
static struct bridge_pool *live_pool(struct wl_resource *resource, const char *what)
{
	struct bridge_pool *pool = pool_from_resource(resource);
	if (pool->retiring) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "%s after release", what);
		return NULL;
	}
	return pool;
}

static void buffer_forget_host(struct bridge_buffer *buffer)
{
	if (buffer->host) {
		wl_buffer_destroy(buffer->host);
		buffer->host = NULL;
	}
}

/* The last step: nothing in dom0 maps the pages now. */
static void pool_free(struct bridge_pool *pool)
{
	struct bridge_daemon *daemon = pool->daemon;
	if (pool->mapping) {
		grantlink_unmap(pool->mapping);
		daemon->counters.pools--;
		daemon->counters.pages_mapped -= pool->npages;
	}
	wl_list_remove(&pool->link);
	free(pool->refs);
	if (pool->resource) {
		/* the heart of the grant invariant: unmap first, then tell */
		daemon->counters.unmapped_acks++;
		wgb_pool_send_unmapped(pool->resource);
		wl_resource_destroy(pool->resource);
	}
	free(pool);
}

static void export_released(void *data)
{
	struct bridge_pool *pool = data;
	pool->export = NULL;
	pool_free(pool);
}

static void pool_close_export(struct bridge_pool *pool)
{
	if (!pool->export) {
		pool_free(pool);
		return;
	}
	grantlink_export_close(pool->export, export_released, pool);
}

static void host_sync_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct bridge_pool *pool = data;
	wl_callback_destroy(callback);
	pool->host_sync = NULL;
	pool_close_export(pool);
}

static const struct wl_callback_listener host_sync_listener = {
	.done = host_sync_done,
};

/* The guest let go of the pool (release) or went: the compositor drops
 * its pool, then the pages are let go of step by step. */
static void pool_retire(struct bridge_pool *pool)
{
	struct bridge_daemon *daemon = pool->daemon;
	struct bridge_buffer *buffer, *tmp;
	wl_list_for_each_safe(buffer, tmp, &pool->buffers, link)
	{
		/* only when the client goes can buffers outlive their pool
		 * (release checks there are none), for the moment until their
		 * own resources go */
		buffer_forget_host(buffer);
		wl_list_remove(&buffer->link);
		wl_list_init(&buffer->link);
		buffer->pool = NULL;
	}
	pool->retiring = true;
	wl_list_remove(&pool->link);
	wl_list_insert(&daemon->retiring_pools, &pool->link);
	if (pool->host_pool && daemon->dom0) {
		wl_shm_pool_destroy(pool->host_pool);
		pool->host_pool = NULL;
		pool->host_sync = wl_display_sync(daemon->dom0->display);
		wl_callback_add_listener(pool->host_sync, &host_sync_listener, pool);
		return;
	}
	pool_close_export(pool);
}

void bridge_pools_dom0_gone(struct bridge_daemon *daemon)
{
	struct bridge_pool *pool, *tmp;
	wl_list_for_each_safe(pool, tmp, &daemon->retiring_pools, link)
	{
		if (pool->host_sync) {
			wl_callback_destroy(pool->host_sync);
			pool->host_sync = NULL;
			pool_close_export(pool);
		}
	}
}

void bridge_pools_finish(struct bridge_daemon *daemon)
{
	struct bridge_pool *pool, *tmp;
	wl_list_for_each_safe(pool, tmp, &daemon->retiring_pools, link)
	{
		/* the domain frees the exports; our mappings go here */
		pool->export = NULL;
		pool_free(pool);
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
	struct bridge_pool *pool = live_pool(resource, "add_refs");
	if (!pool) {
		return;
	}
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
	struct bridge_pool *pool = live_pool(resource, "add_indirect_refs");
	if (!pool) {
		return;
	}
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

/* The compositor's view of the pool: an export of the same refs, handed
 * over as a wl_shm pool. wl_shm maps from the start of the fd, so the pool
 * there spans the export's offset too. */
static bool pool_export(struct bridge_pool *pool)
{
	struct bridge_dom0 *dom0 = pool->daemon->dom0;
	pool->export = grantlink_export_create(pool->guest->link, pool->refs, pool->nrefs);
	if (!pool->export) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"cannot export the pool's %u pages: %s", pool->npages, strerror(errno));
		return false;
	}
	pool->host_offset = grantlink_export_get_offset(pool->export);
	size_t span = pool->host_offset + grantlink_export_get_size(pool->export);
	if (span > INT32_MAX) {
		/* wl_shm pools are int32-sized */
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"pool of %u pages out of wl_shm's reach", pool->npages);
		return false;
	}
	pool->host_pool =
		wl_shm_create_pool(dom0->shm, grantlink_export_get_fd(pool->export), (int32_t)span);
	return true;
}

static void pool_map(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_pool *pool = live_pool(resource, "map");
	if (!pool) {
		return;
	}
	struct bridge_daemon *daemon = pool->daemon;
	if (pool->mapping) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "pool mapped twice");
		return;
	}
	if (pool->nrefs != pool->npages) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"map with %u refs for %u pages", pool->nrefs, pool->npages);
		return;
	}
	pool->mapping = grantlink_map(pool->guest->link, pool->refs, pool->nrefs,
		GRANTLINK_MAP_WRITABLE | GRANTLINK_MAP_NOTIFY);
	if (!pool->mapping) {
		bridge_guest_fail(pool->guest, WGB_BRIDGE_ERROR_BAD_POOL,
			"cannot map the pool's %u pages: %s", pool->npages, strerror(errno));
		return;
	}
	daemon->counters.pools++;
	daemon->counters.pages_mapped += pool->npages;
	if (!pool_export(pool)) {
		return;
	}
	free(pool->refs);
	pool->refs = NULL;
	wgb_pool_send_mapped(resource);
}

static void buffer_resource_destroy(struct wl_resource *resource)
{
	struct bridge_buffer *buffer = wl_resource_get_user_data(resource);
	wl_list_remove(&buffer->link);
	buffer_forget_host(buffer);
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

static void host_buffer_release(void *data, struct wl_buffer *host)
{
	struct bridge_buffer *buffer = data;
	/* the compositor is done reading it: so are we */
	wgb_buffer_send_release(buffer->resource);
}

static const struct wl_buffer_listener host_buffer_listener = {
	.release = host_buffer_release,
};

static void pool_create_buffer(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	uint32_t untrusted_offset, int32_t untrusted_width, int32_t untrusted_height,
	int32_t untrusted_stride, uint32_t untrusted_format)
{
	struct bridge_pool *pool = live_pool(resource, "create_buffer");
	if (!pool) {
		return;
	}
	struct bridge_guest *guest = pool->guest;
	const struct bridge_limits *limits = &guest->daemon->config.limits;
	if (!pool->host_pool) {
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
	/* the two wl_shm formats every compositor has, with the same codes */
	if (untrusted_format != WL_SHM_FORMAT_ARGB8888 &&
		untrusted_format != WL_SHM_FORMAT_XRGB8888) {
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
	buffer->resource = wl_resource_create(client, &wgb_buffer_interface, 1, id);
	if (!buffer->resource) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	buffer->host = wl_shm_pool_create_buffer(pool->host_pool,
		(int32_t)(pool->host_offset + untrusted_offset), buffer->width, buffer->height,
		buffer->stride, buffer->format);
	wl_buffer_add_listener(buffer->host, &host_buffer_listener, buffer);
	wl_list_insert(&pool->buffers, &buffer->link);
	wl_resource_set_implementation(
		buffer->resource, &buffer_impl, buffer, buffer_resource_destroy);
}

static void pool_release(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_pool *pool = live_pool(resource, "release");
	if (!pool) {
		return;
	}
	if (!wl_list_empty(&pool->buffers)) {
		bridge_guest_fail(
			pool->guest, WGB_BRIDGE_ERROR_BAD_POOL, "pool released with live buffers");
		return;
	}
	/* answered with unmapped once dom0 maps none of it */
	pool_retire(pool);
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
	/* the answer was sent, or the guest's client goes: nobody to answer */
	pool->guest->npools--;
	pool->guest->pages_held -= pool->npages;
	pool->guest = NULL;
	pool->resource = NULL;
	if (!pool->retiring) {
		pool_retire(pool);
	}
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
	pool->daemon = guest->daemon;
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
