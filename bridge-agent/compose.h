/*
 * The pixel work of the window composer: a window's surface tree drawn
 * into a window buffer, and a fingerprint of the tree's layout.
 */
#ifndef BRIDGE_AGENT_COMPOSE_H
#define BRIDGE_AGENT_COMPOSE_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wlr/util/box.h>

struct wl_list;
struct wlr_surface;

/* Redraws CLIP (window pixels; clipped to the window, then emptied) of DST
 * from the tree of ROOT, whose window content starts at GEO's x, y in
 * surface coordinates. Pixels not covered by the tree become transparent. */
void bridge_compose(struct wlr_surface *root, const struct wlr_box *geo, pixman_image_t *dst,
	pixman_region32_t *clip);

/* Whether every pixel of the window is covered by an opaque surface of the
 * tree (an xrgb8888 buffer, or a declared opaque region): then translucent
 * surfaces above blend over opaque ones only, and the window may be composed
 * into an x8r8g8b8 buffer, where an opaque surface is a plain copy. */
bool bridge_compose_is_opaque(struct wlr_surface *root, const struct wlr_box *geo);

/* After DST (a window buffer pinned by PINS) was composed up to date: every
 * surface of the tree gives its client's buffer back, its pixels kept in
 * DST where they are there as they are, else copied. */
void bridge_compose_release(struct wlr_surface *root, const struct wlr_box *geo,
	pixman_image_t *dst, struct wl_list *pins);

/* Changes whenever a surface of the tree is mapped, unmapped, moved or
 * resized, or the window geometry changes: then the whole window is
 * redrawn. */
uint32_t bridge_compose_layout_hash(struct wlr_surface *root, const struct wlr_box *geo);

#endif
