/*
 * The renderer apps' buffers are uploaded with: pixman's, except that a
 * surface's texture is the agent's own copy of the client's wl_shm buffer
 * instead of a view of it. wlroots then releases the client's buffer as
 * soon as its commit was copied (and copies only the damage of later
 * commits, through write_pixels), so an app gets its buffers back at once,
 * while the composer keeps what it needs to redraw a window at any time.
 */
#ifndef BRIDGE_AGENT_TEXTURE_H
#define BRIDGE_AGENT_TEXTURE_H

#include <pixman.h>

struct wlr_renderer;
struct wlr_texture;

/* Wraps PIXMAN (a pixman renderer), which it destroys with itself. */
struct wlr_renderer *bridge_renderer_create(struct wlr_renderer *pixman);
/* The pixels of a texture of that renderer; NULL for any other texture. */
pixman_image_t *bridge_texture_get_image(struct wlr_texture *texture);

#endif
