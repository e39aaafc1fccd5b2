/*
 * Grant pools mapped from the guest, and the buffers inside them. dom0's
 * compositor reads a pool's pages itself, as a wl_shm pool: the daemon
 * copies nothing.
 */
#ifndef BRIDGE_POOL_H
#define BRIDGE_POOL_H

#include <stdint.h>
#include <wayland-server-core.h>

#include "grantlink.h"

struct bridge_daemon;
struct bridge_guest;
struct wl_buffer;
struct wl_callback;
struct wl_shm_pool;

struct bridge_pool {
	struct bridge_daemon *daemon;
	struct bridge_guest *guest;   /* NULL once the resource is gone */
	struct wl_resource *resource; /* NULL once the guest's client went */
	struct wl_list link;          /* bridge_guest::pools, then bridge_daemon::retiring_pools */
	uint32_t size;
	uint32_t npages;
	uint32_t *refs;
	uint32_t nrefs;
	/* our own mapping: proves the refs map, writable, before dom0's
	 * compositor is given them, and keeps the model's counts */
	struct grantlink_mapping *mapping; /* NULL until map */
	/* the same pages for dom0's compositor, which maps them itself */
	struct grantlink_export *export;
	struct wl_shm_pool *host_pool;
	size_t host_offset;     /* of the pool's first byte in host_pool */
	struct wl_list buffers; /* bridge_buffer::link */
	/* retiring: waiting for dom0's compositor to have dropped its pool */
	bool retiring;                 /* released, or its client went */
	struct wl_callback *host_sync; /* until the compositor dropped its pool */
};

struct bridge_buffer {
	struct bridge_pool *pool;
	struct wl_resource *resource;
	struct wl_list link; /* bridge_pool::buffers */
	int32_t width, height, stride;
	uint32_t format;
	/* the same pixels as a wl_buffer of dom0's compositor; NULL once the
	 * pool is gone. Its release is the guest's release. */
	struct wl_buffer *host;
};

void bridge_pool_create(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id,
	uint32_t untrusted_size);
/* The buffer of a wgb_buffer resource of this guest. */
struct bridge_buffer *bridge_buffer_from_resource(struct wl_resource *resource);
/* dom0's compositor is about to go (daemon exit or a lost connection):
 * retiring pools stop waiting for it. */
void bridge_pools_dom0_gone(struct bridge_daemon *daemon);
/* Daemon exit: the pools still retiring are dropped (the process's exit
 * unmaps them). */
void bridge_pools_finish(struct bridge_daemon *daemon);

#endif
