/*
 * Window buffers in grant pages. A pool holds the buffers of one window at
 * one size; it is shared to dom0, mapped there whole, and unshared only
 * after the daemon's `unmapped` (or once the old daemon is gone).
 */
#ifndef BRIDGE_AGENT_POOL_H
#define BRIDGE_AGENT_POOL_H

#include <pixman.h>
#include <stdbool.h>
#include <stddef.h>
#include <wayland-server-core.h>

#define BRIDGE_POOL_MAX_BUFFERS 3

struct bridge_link;
struct bridge_pool;

struct bridge_buffer {
	struct bridge_pool *pool;
	/* two views of the same pages: argb8888, and xrgb8888 for opaque
	 * windows (composing an opaque surface into it is a plain copy) */
	struct wgb_buffer *proxy;        /* argb8888 */
	struct wgb_buffer *opaque_proxy; /* xrgb8888 */
	pixman_image_t *image;           /* a8r8g8b8 over the grant pages */
	pixman_image_t *opaque_image;    /* x8r8g8b8 over the same pages */
	bool opaque;                     /* last written as xrgb8888 */
	bool busy;                       /* committed to dom0 and not released yet */
	/* where this buffer differs from the window's newest content */
	pixman_region32_t stale;
	/* textures whose pixels are in this buffer (texture.c): it is not
	 * written while any are */
	struct wl_list pins;
};

struct bridge_pool {
	struct bridge_link *link;
	struct wl_list link_node; /* bridge_link::pools */
	struct grantlink_share *share;
	struct wgb_pool *proxy;
	int width, height, stride;
	size_t buffer_size; /* page-aligned span of one buffer */
	bool mapped;        /* the daemon answered `mapped` */
	bool retired;       /* release sent; waiting for `unmapped` */
	int nbuffers;
	struct bridge_buffer buffers[BRIDGE_POOL_MAX_BUFFERS];

	struct {
		/* the pool was mapped, or one of its buffers released */
		struct wl_signal ready;
	} events;
};

/* NULL when the pages cannot be shared or the pool would take the guest
 * past the daemon's max_pages (errno ENOSPC; the link's `room` event tells
 * when pages come back). */
struct bridge_pool *bridge_pool_create(
	struct bridge_link *link, int width, int height, int nbuffers);
/* Destroys the buffers and asks the daemon to let go; the pool frees itself
 * on `unmapped`. The caller forgets it. */
void bridge_pool_retire(struct bridge_pool *pool);
/* Marks REGION (window pixels) out of date in every buffer. */
void bridge_pool_damage(struct bridge_pool *pool, const pixman_region32_t *region);
/* A buffer that may be written now, or NULL (all busy). Prefers one that
 * is not AVOID. */
struct bridge_buffer *bridge_pool_get_free(struct bridge_pool *pool, struct bridge_buffer *avoid);
/* Before BUFFER is written: its pixels become xrgb8888 (OPAQUE) or
 * argb8888. A change of format makes the whole buffer stale: the top
 * bytes an xrgb8888 copy left are not alpha. */
void bridge_buffer_set_opaque(struct bridge_buffer *buffer, bool opaque);
/* The link went away: every pool drops its proxies and hands its share to
 * the link's orphans. */
void bridge_pools_link_down(struct bridge_link *link);
/* Live pools, for the stats. */
size_t bridge_pools_count(struct bridge_link *link);
/* Pages of all pools the daemon may map now (retiring ones included). */
size_t bridge_pools_pages(struct bridge_link *link);

#endif
