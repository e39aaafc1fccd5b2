/*
 * The renderer apps' buffers are uploaded with: pixman's, except that a
 * surface's texture starts as a view of the client's wl_shm buffer (no copy)
 * and, once the composer drew it, gives that buffer back and keeps its
 * pixels where the composer put them (pinned in a grant buffer) or in a
 * copy of its own. So an app gets its buffer back as soon as its commit was
 * composed, and the composer can still redraw a window at any time.
 */
#ifndef BRIDGE_AGENT_TEXTURE_H
#define BRIDGE_AGENT_TEXTURE_H

#include <pixman.h>
#include <stdbool.h>

struct wl_list;
struct wlr_renderer;
struct wlr_texture;

/* Wraps PIXMAN (a pixman renderer), which it destroys with itself. */
struct wlr_renderer *bridge_renderer_create(struct wlr_renderer *pixman);

/* The pixels of a texture of that renderer, readable until
 * bridge_texture_end; NULL for any other texture or when unreadable. */
pixman_image_t *bridge_texture_begin(struct wlr_texture *texture);
void bridge_texture_end(struct wlr_texture *texture);

/* Whether the texture still holds its client's buffer. */
bool bridge_texture_holds_buffer(struct wlr_texture *texture);
/* Gives the client's buffer back (if still held). With DST, the texture's
 * pixels are from now on the texture-sized rectangle of DST at X,Y, which
 * the caller vouches is equal to them, and pinned on PINS: before DST's
 * pixels there change, bridge_textures_unpin(PINS). Without DST, the
 * texture copies its pixels. */
void bridge_texture_release(
	struct wlr_texture *texture, pixman_image_t *dst, int x, int y, struct wl_list *pins);
/* Every texture pinned on PINS takes a copy of its pixels; PINS ends empty. */
void bridge_textures_unpin(struct wl_list *pins);

#endif
