/*
 * Grant pools mapped from the guest, and the buffers inside them.
 */
#ifndef BRIDGE_POOL_H
#define BRIDGE_POOL_H

#include <pixman.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "grantlink.h"

struct bridge_guest;

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

#endif
