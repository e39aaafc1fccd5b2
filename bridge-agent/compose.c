/*
 * Composing a surface tree with pixman: the root surface and its mapped
 * subsurfaces, each cropped and scaled as viewporter and the buffer scale
 * say, drawn in stacking order into a window buffer, within a clip region.
 */
#include <stdbool.h>
#include <stdint.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_surface.h>

#include "compose.h"
#include "copy.h"
#include "log.h"
#include "texture.h"

struct compose_ctx {
	pixman_image_t *dst;
	pixman_region32_t *clip; /* window coordinates */
	int ox, oy;              /* surface-tree coordinates of the window's 0,0 */
	uint32_t hash;
};

static uint32_t hash_mix(uint32_t h, uint32_t v)
{
	h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
	return h;
}

static void hash_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct compose_ctx *ctx = data;
	ctx->hash = hash_mix(ctx->hash, (uint32_t)(uintptr_t)surface);
	ctx->hash = hash_mix(ctx->hash, (uint32_t)sx);
	ctx->hash = hash_mix(ctx->hash, (uint32_t)sy);
	ctx->hash = hash_mix(ctx->hash, (uint32_t)surface->current.width);
	ctx->hash = hash_mix(ctx->hash, (uint32_t)surface->current.height);
}

/* Draws the W x H rectangle of SRC at SX, SY onto DST at DX, DY (OVER), as
 * a plain copy where that is what OVER does: the same 32-bit format without
 * alpha (an opaque pixel over anything is itself; pixman's blt copies the
 * unused byte as it is, and so does this), SRC untransformed, the rectangle
 * inside both images, and the two apart in memory (a texture never lives in
 * the buffer being composed: pool.c unpins it first). Else pixman draws it. */
static void draw_rect(pixman_image_t *src, pixman_image_t *dst, bool transformed, int sx, int sy,
	int dx, int dy, int w, int h)
{
	pixman_format_code_t format = pixman_image_get_format(src);
	if (transformed || format != pixman_image_get_format(dst) ||
		PIXMAN_FORMAT_BPP(format) != 32 || PIXMAN_FORMAT_A(format) != 0 || sx < 0 ||
		sy < 0 || dx < 0 || dy < 0 || w <= 0 || h <= 0 ||
		sx + w > pixman_image_get_width(src) || sy + h > pixman_image_get_height(src) ||
		dx + w > pixman_image_get_width(dst) || dy + h > pixman_image_get_height(dst)) {
		goto composite;
	}
	size_t src_stride = (size_t)pixman_image_get_stride(src);
	size_t dst_stride = (size_t)pixman_image_get_stride(dst);
	size_t row = (size_t)w * 4;
	const uint8_t *from = (const uint8_t *)pixman_image_get_data(src) +
			      (size_t)sy * src_stride + (size_t)sx * 4;
	uint8_t *to =
		(uint8_t *)pixman_image_get_data(dst) + (size_t)dy * dst_stride + (size_t)dx * 4;
	const uint8_t *from_end = from + (size_t)(h - 1) * src_stride + row;
	const uint8_t *to_end = to + (size_t)(h - 1) * dst_stride + row;
	if ((uintptr_t)from < (uintptr_t)to_end && (uintptr_t)to < (uintptr_t)from_end) {
		goto composite;
	}
	bridge_copy_rect(to, dst_stride, from, src_stride, row, (size_t)h);
	return;

composite:
	pixman_image_composite32(PIXMAN_OP_OVER, src, NULL, dst, sx, sy, 0, 0, dx, dy, w, h);
}

static void compose_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct compose_ctx *ctx = data;
	struct wlr_texture *texture = wlr_surface_get_texture(surface);
	int w = surface->current.width, h = surface->current.height;
	if (!texture || w <= 0 || h <= 0) {
		return;
	}
	int x = sx - ctx->ox, y = sy - ctx->oy;
	pixman_region32_t region;
	pixman_region32_init_rect(&region, x, y, (unsigned)w, (unsigned)h);
	pixman_region32_intersect(&region, &region, ctx->clip);
	if (!pixman_region32_not_empty(&region)) {
		pixman_region32_fini(&region);
		return;
	}
	pixman_image_t *src = bridge_texture_begin(texture);
	if (!src) {
		bridge_texture_end(texture);
		pixman_region32_fini(&region);
		return;
	}

	/* destination pixel (x + dx, y + dy) samples buffer point
	 * src.xy + (dx, dy) * src.size / (w, h): viewporter crop and scale,
	 * and the buffer scale, in one transform */
	struct wlr_fbox box;
	wlr_surface_get_buffer_source_box(surface, &box);
	if (surface->current.transform != WL_OUTPUT_TRANSFORM_NORMAL) {
		static bool logged;
		if (!logged) {
			bridge_log(BRIDGE_LOG_ERROR, "buffer transforms are drawn untransformed");
			logged = true;
		}
	}
	bool scaled =
		box.width != w || box.height != h || box.x != (int)box.x || box.y != (int)box.y;
	pixman_transform_t transform;
	pixman_transform_init_identity(&transform);
	if (scaled) {
		pixman_transform_init_scale(&transform, pixman_double_to_fixed(box.width / w),
			pixman_double_to_fixed(box.height / h));
		pixman_transform_translate(NULL, &transform, pixman_double_to_fixed(box.x),
			pixman_double_to_fixed(box.y));
		pixman_image_set_transform(src, &transform);
		pixman_image_set_filter(src, PIXMAN_FILTER_BILINEAR, NULL, 0);
		/* edge samples take the edge pixel, not transparency */
		pixman_image_set_repeat(src, PIXMAN_REPEAT_PAD);
	}
	int off_x = scaled ? 0 : (int)box.x, off_y = scaled ? 0 : (int)box.y;

	int n;
	pixman_box32_t *rects = pixman_region32_rectangles(&region, &n);
	for (int i = 0; i < n; i++) {
		draw_rect(src, ctx->dst, scaled, rects[i].x1 - x + off_x, rects[i].y1 - y + off_y,
			rects[i].x1, rects[i].y1, rects[i].x2 - rects[i].x1,
			rects[i].y2 - rects[i].y1);
	}
	if (scaled) {
		pixman_image_set_transform(src, NULL);
		pixman_image_set_filter(src, PIXMAN_FILTER_NEAREST, NULL, 0);
		pixman_image_set_repeat(src, PIXMAN_REPEAT_NONE);
	}
	bridge_texture_end(texture);
	pixman_region32_fini(&region);
}

#define MAX_TREE 64

struct placed_surface {
	struct wlr_surface *surface;
	int x, y;               /* window coordinates */
	pixman_region32_t draw; /* what of it to draw */
};

struct tree {
	struct placed_surface items[MAX_TREE];
	int n;
	int ox, oy;
	bool overflow;
};

static void collect_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct tree *tree = data;
	if (tree->n == MAX_TREE) {
		tree->overflow = true;
		return;
	}
	tree->items[tree->n++] = (struct placed_surface){
		.surface = surface,
		.x = sx - tree->ox,
		.y = sy - tree->oy,
	};
}

/* The tree in window coordinates; one at a time (static: 64 regions). */
static struct tree *collect_tree(struct wlr_surface *root, const struct wlr_box *geo)
{
	static struct tree tree;
	tree.n = 0;
	tree.ox = geo->x;
	tree.oy = geo->y;
	tree.overflow = false;
	wlr_surface_for_each_surface(root, collect_surface, &tree);
	return &tree;
}

static void clear_region(pixman_image_t *dst, pixman_region32_t *region)
{
	int n;
	pixman_box32_t *rects = pixman_region32_rectangles(region, &n);
	pixman_color_t clear = {0, 0, 0, 0};
	if (n > 0) {
		pixman_image_fill_boxes(PIXMAN_OP_SRC, dst, &clear, n, rects);
	}
}

void bridge_compose(struct wlr_surface *root, const struct wlr_box *geo, pixman_image_t *dst,
	pixman_region32_t *clip)
{
	pixman_region32_intersect_rect(
		clip, clip, 0, 0, (unsigned)geo->width, (unsigned)geo->height);
	struct tree *tree = collect_tree(root, geo);
	if (tree->overflow) {
		/* a huge tree: everything, bottom to top, over transparency */
		clear_region(dst, clip);
		struct compose_ctx ctx = {.dst = dst, .clip = clip, .ox = geo->x, .oy = geo->y};
		wlr_surface_for_each_surface(root, compose_surface, &ctx);
		pixman_region32_clear(clip);
		return;
	}

	/* Occlusion: a surface is drawn only where no opaque surface above
	 * it covers, and only pixels no opaque surface covers are cleared;
	 * a plain opaque window is thus one pass over its damage. */
	pixman_region32_t covered, opaque;
	pixman_region32_init(&covered);
	pixman_region32_init(&opaque);
	for (int i = tree->n - 1; i >= 0; i--) {
		struct placed_surface *p = &tree->items[i];
		struct wlr_surface *surface = p->surface;
		pixman_region32_init_rect(&p->draw, p->x, p->y, (unsigned)surface->current.width,
			(unsigned)surface->current.height);
		pixman_region32_intersect(&p->draw, &p->draw, clip);
		pixman_region32_subtract(&p->draw, &p->draw, &covered);
		pixman_region32_copy(&opaque, &surface->opaque_region);
		pixman_region32_translate(&opaque, p->x, p->y);
		pixman_region32_intersect_rect(&opaque, &opaque, p->x, p->y,
			(unsigned)surface->current.width, (unsigned)surface->current.height);
		pixman_region32_union(&covered, &covered, &opaque);
	}
	pixman_region32_t bare;
	pixman_region32_init(&bare);
	pixman_region32_subtract(&bare, clip, &covered);
	clear_region(dst, &bare);
	pixman_region32_fini(&bare);
	pixman_region32_fini(&opaque);
	pixman_region32_fini(&covered);

	for (int i = 0; i < tree->n; i++) {
		struct placed_surface *p = &tree->items[i];
		struct compose_ctx ctx = {.dst = dst, .clip = &p->draw, .ox = geo->x, .oy = geo->y};
		compose_surface(p->surface, p->x + geo->x, p->y + geo->y, &ctx);
		pixman_region32_fini(&p->draw);
	}
	pixman_region32_clear(clip);
}

/* Whether a surface of items FROM to TO (excluded) overlaps RECT. */
static bool any_overlaps(struct tree *tree, int from, int to, const pixman_box32_t *rect)
{
	for (int j = from; j < to; j++) {
		struct placed_surface *q = &tree->items[j];
		pixman_box32_t other = {q->x, q->y, q->x + q->surface->current.width,
			q->y + q->surface->current.height};
		if (other.x1 < rect->x2 && rect->x1 < other.x2 && other.y1 < rect->y2 &&
			rect->y1 < other.y2) {
			return true;
		}
	}
	return false;
}

/* Whether DST's pixels at the surface's place are exactly its own: drawn
 * 1:1, inside the window, nothing above it there, and nothing below it
 * showing through (opaque, or over cleared pixels, where OVER is a copy). */
static bool kept_in_place(struct tree *tree, int i, const struct wlr_box *geo)
{
	struct placed_surface *p = &tree->items[i];
	struct wlr_surface *surface = p->surface;
	struct wlr_texture *texture = wlr_surface_get_texture(surface);
	int w = surface->current.width, h = surface->current.height;
	if (!texture || (int)texture->width != w || (int)texture->height != h ||
		surface->current.transform != WL_OUTPUT_TRANSFORM_NORMAL || p->x < 0 || p->y < 0 ||
		p->x + w > geo->width || p->y + h > geo->height) {
		return false;
	}
	struct wlr_fbox box;
	wlr_surface_get_buffer_source_box(surface, &box);
	if (box.x != 0 || box.y != 0 || box.width != w || box.height != h) {
		return false;
	}
	pixman_box32_t rect = {p->x, p->y, p->x + w, p->y + h};
	if (any_overlaps(tree, i + 1, tree->n, &rect)) {
		return false;
	}
	pixman_box32_t own = {0, 0, w, h};
	if (pixman_region32_contains_rectangle(&surface->opaque_region, &own) == PIXMAN_REGION_IN) {
		return true;
	}
	return !any_overlaps(tree, 0, i, &rect);
}

bool bridge_compose_is_opaque(struct wlr_surface *root, const struct wlr_box *geo)
{
	struct tree *tree = collect_tree(root, geo);
	if (tree->overflow || geo->width <= 0 || geo->height <= 0) {
		return false;
	}
	/* opaque: a surface with an xrgb8888 buffer, or what its client
	 * declared, within its size */
	pixman_region32_t covered, opaque;
	pixman_region32_init(&covered);
	pixman_region32_init(&opaque);
	for (int i = 0; i < tree->n; i++) {
		struct placed_surface *p = &tree->items[i];
		struct wlr_surface *surface = p->surface;
		struct wlr_texture *texture = wlr_surface_get_texture(surface);
		if (!texture) {
			continue; /* not drawn */
		}
		if (wlr_texture_is_opaque(texture)) {
			pixman_region32_fini(&opaque);
			pixman_region32_init_rect(&opaque, 0, 0, (unsigned)surface->current.width,
				(unsigned)surface->current.height);
		} else {
			pixman_region32_copy(&opaque, &surface->opaque_region);
		}
		pixman_region32_translate(&opaque, p->x, p->y);
		pixman_region32_intersect_rect(&opaque, &opaque, p->x, p->y,
			(unsigned)surface->current.width, (unsigned)surface->current.height);
		pixman_region32_union(&covered, &covered, &opaque);
	}
	pixman_box32_t window = {0, 0, geo->width, geo->height};
	bool all = pixman_region32_contains_rectangle(&covered, &window) == PIXMAN_REGION_IN;
	pixman_region32_fini(&opaque);
	pixman_region32_fini(&covered);
	return all;
}

void bridge_compose_release(struct wlr_surface *root, const struct wlr_box *geo,
	pixman_image_t *dst, struct wl_list *pins)
{
	/* an x8r8g8b8 DST does not keep alpha: only opaque textures may
	 * keep their pixels there */
	bool dst_has_alpha = PIXMAN_FORMAT_A(pixman_image_get_format(dst)) > 0;
	struct tree *tree = collect_tree(root, geo);
	for (int i = 0; i < tree->n; i++) {
		struct wlr_texture *texture = wlr_surface_get_texture(tree->items[i].surface);
		if (!texture) {
			continue;
		}
		if (!tree->overflow && (dst_has_alpha || wlr_texture_is_opaque(texture)) &&
			kept_in_place(tree, i, geo)) {
			/* no copy: from now on the pixels are those in DST */
			bridge_texture_release(
				texture, dst, tree->items[i].x, tree->items[i].y, pins);
		} else if (bridge_texture_holds_buffer(texture)) {
			bridge_texture_release(texture, NULL, 0, 0, NULL);
		}
	}
}

uint32_t bridge_compose_layout_hash(struct wlr_surface *root, const struct wlr_box *geo)
{
	struct compose_ctx ctx = {.hash = hash_mix((uint32_t)geo->x, (uint32_t)geo->y)};
	ctx.hash = hash_mix(ctx.hash, (uint32_t)geo->width);
	ctx.hash = hash_mix(ctx.hash, (uint32_t)geo->height);
	wlr_surface_for_each_surface(root, hash_surface, &ctx);
	return ctx.hash;
}
