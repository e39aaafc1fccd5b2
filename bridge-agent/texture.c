/*
 * The renderer of apps' buffers. Everything but texture uploads goes to the
 * pixman renderer it wraps (wlroots only renders with it to enable the
 * headless outputs). A texture starts as a view of the client's wl_shm
 * buffer, locked, so the composer draws straight from what the app drew;
 * once composed, the client's buffer goes back and the texture keeps its
 * pixels where they already are (in a grant buffer the composer wrote, which
 * stays untouched while pinned) or, failing that, in a copy of its own.
 */
#include <drm_fourcc.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/render/interface.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/render/wlr_texture.h>

#include "log.h"
#include "texture.h"

struct bridge_renderer {
	struct wlr_renderer base;
	struct wlr_renderer *pixman;
};

struct bridge_texture {
	struct wlr_texture base;
	uint32_t format; /* DRM fourcc */
	pixman_format_code_t pixman_format;
	/* the pixels: over the client's buffer, a grant buffer's or our own */
	pixman_image_t *image;
	struct wlr_buffer *buffer; /* the client's, locked while image is over it */
	void *buffer_data;         /* where image points into it */
	bool accessing;            /* between begin and end */
	struct wl_list pin_link;   /* the pins list of the grant buffer image is over */
	bool pinned;
};

static const uint32_t shm_formats[] = {DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888};

static struct bridge_renderer *get_renderer(struct wlr_renderer *base)
{
	return (struct bridge_renderer *)base;
}

/* --- textures ----------------------------------------------------------- */

static const struct wlr_texture_impl texture_impl;

static struct bridge_texture *get_texture(struct wlr_texture *texture)
{
	if (!texture || texture->impl != &texture_impl) {
		return NULL;
	}
	return (struct bridge_texture *)texture;
}

static bool texture_is_opaque(struct wlr_texture *base)
{
	return ((struct bridge_texture *)base)->format == DRM_FORMAT_XRGB8888;
}

static void unpin(struct bridge_texture *texture)
{
	if (texture->pinned) {
		wl_list_remove(&texture->pin_link);
		wl_list_init(&texture->pin_link);
		texture->pinned = false;
	}
}

static void drop_buffer(struct bridge_texture *texture)
{
	if (texture->buffer) {
		/* the last lock: wlroots sends wl_buffer.release */
		wlr_buffer_unlock(texture->buffer);
		texture->buffer = NULL;
		texture->buffer_data = NULL;
	}
}

/* Our own copy of the pixels, wherever they are now. */
static void texture_own(struct bridge_texture *texture)
{
	if (!texture->buffer && !texture->pinned) {
		return;
	}
	uint32_t w = texture->base.width, h = texture->base.height;
	pixman_image_t *own =
		pixman_image_create_bits_no_clear(texture->pixman_format, (int)w, (int)h, NULL, 0);
	pixman_image_t *src = bridge_texture_begin(&texture->base);
	if (own && src) {
		pixman_image_composite32(
			PIXMAN_OP_SRC, src, NULL, own, 0, 0, 0, 0, 0, 0, (int)w, (int)h);
	} else {
		if (own) {
			pixman_image_unref(own);
			own = NULL; /* drawn as nothing rather than as garbage */
		}
		static bool logged;
		if (!logged) {
			bridge_log(BRIDGE_LOG_ERROR, "out of memory: a surface loses its pixels");
			logged = true;
		}
	}
	bridge_texture_end(&texture->base);
	if (texture->image) {
		pixman_image_unref(texture->image);
	}
	texture->image = own;
	drop_buffer(texture);
	unpin(texture);
}

static void texture_destroy(struct wlr_texture *base)
{
	struct bridge_texture *texture = (struct bridge_texture *)base;
	if (texture->image) {
		pixman_image_unref(texture->image);
	}
	drop_buffer(texture);
	unpin(texture);
	free(texture);
}

/* no write_pixels: each commit makes a new view, and the old one goes */
static const struct wlr_texture_impl texture_impl = {
	.is_opaque = texture_is_opaque,
	.destroy = texture_destroy,
};

pixman_image_t *bridge_texture_begin(struct wlr_texture *base)
{
	struct bridge_texture *texture = get_texture(base);
	if (!texture || texture->accessing) {
		return NULL;
	}
	if (!texture->buffer) {
		return texture->image;
	}
	void *data;
	uint32_t format;
	size_t stride;
	if (!wlr_buffer_begin_data_ptr_access(
		    texture->buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &format, &stride)) {
		return NULL;
	}
	texture->accessing = true;
	if (data != texture->buffer_data || !texture->image) {
		/* a wl_shm pool may move when the client resizes it */
		if (texture->image) {
			pixman_image_unref(texture->image);
		}
		texture->image = pixman_image_create_bits_no_clear(texture->pixman_format,
			(int)texture->base.width, (int)texture->base.height, data, (int)stride);
		texture->buffer_data = texture->image ? data : NULL;
	}
	return texture->image;
}

void bridge_texture_end(struct wlr_texture *base)
{
	struct bridge_texture *texture = get_texture(base);
	if (texture && texture->accessing) {
		wlr_buffer_end_data_ptr_access(texture->buffer);
		texture->accessing = false;
	}
}

bool bridge_texture_holds_buffer(struct wlr_texture *base)
{
	struct bridge_texture *texture = get_texture(base);
	return texture && texture->buffer;
}

void bridge_texture_release(
	struct wlr_texture *base, pixman_image_t *dst, int x, int y, struct wl_list *pins)
{
	struct bridge_texture *texture = get_texture(base);
	if (!texture || texture->accessing) {
		return;
	}
	if (!dst) {
		if (texture->buffer) {
			texture_own(texture);
		}
		return;
	}
	int stride = pixman_image_get_stride(dst);
	uint8_t *bits = (uint8_t *)pixman_image_get_data(dst);
	pixman_image_t *view = pixman_image_create_bits_no_clear(texture->pixman_format,
		(int)texture->base.width, (int)texture->base.height,
		(uint32_t *)(void *)(bits + (size_t)y * (size_t)stride + (size_t)x * 4), stride);
	if (!view) {
		texture_own(texture);
		return;
	}
	if (texture->image) {
		pixman_image_unref(texture->image);
	}
	texture->image = view;
	drop_buffer(texture);
	unpin(texture);
	wl_list_insert(pins, &texture->pin_link);
	texture->pinned = true;
}

void bridge_textures_unpin(struct wl_list *pins)
{
	while (!wl_list_empty(pins)) {
		struct bridge_texture *texture = wl_container_of(pins->next, texture, pin_link);
		texture_own(texture);
	}
}

static struct wlr_texture *renderer_texture_from_buffer(
	struct wlr_renderer *base, struct wlr_buffer *buffer)
{
	void *data;
	uint32_t format;
	size_t stride;
	if (!wlr_buffer_begin_data_ptr_access(
		    buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &format, &stride)) {
		return NULL; /* not wl_shm: nothing else is offered */
	}
	wlr_buffer_end_data_ptr_access(buffer);
	pixman_format_code_t pixman_format = format == DRM_FORMAT_ARGB8888   ? PIXMAN_a8r8g8b8
					     : format == DRM_FORMAT_XRGB8888 ? PIXMAN_x8r8g8b8
									     : 0;
	struct bridge_texture *texture = pixman_format ? calloc(1, sizeof(*texture)) : NULL;
	if (!texture) {
		return NULL;
	}
	wlr_texture_init(
		&texture->base, &texture_impl, (uint32_t)buffer->width, (uint32_t)buffer->height);
	texture->format = format;
	texture->pixman_format = pixman_format;
	wl_list_init(&texture->pin_link);
	/* the image is made at the first access */
	texture->buffer = wlr_buffer_lock(buffer);
	return &texture->base;
}

/* --- the rest goes to pixman --------------------------------------------- */

static bool renderer_bind_buffer(struct wlr_renderer *base, struct wlr_buffer *buffer)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	return p->impl->bind_buffer(p, buffer);
}

static void renderer_begin(struct wlr_renderer *base, uint32_t width, uint32_t height)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	p->impl->begin(p, width, height);
}

static void renderer_end(struct wlr_renderer *base)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	if (p->impl->end) {
		p->impl->end(p);
	}
}

static void renderer_clear(struct wlr_renderer *base, const float color[static 4])
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	p->impl->clear(p, color);
}

static void renderer_scissor(struct wlr_renderer *base, struct wlr_box *box)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	p->impl->scissor(p, box);
}

static bool renderer_render_subtexture_with_matrix(struct wlr_renderer *base,
	struct wlr_texture *texture, const struct wlr_fbox *box, const float matrix[static 9],
	float alpha)
{
	/* the agent composes with pixman itself (compose.c) */
	return false;
}

static void renderer_render_quad_with_matrix(
	struct wlr_renderer *base, const float color[static 4], const float matrix[static 9])
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	p->impl->render_quad_with_matrix(p, color, matrix);
}

static const uint32_t *renderer_get_shm_texture_formats(struct wlr_renderer *base, size_t *len)
{
	*len = sizeof(shm_formats) / sizeof(shm_formats[0]);
	return shm_formats;
}

static const struct wlr_drm_format_set *renderer_get_render_formats(struct wlr_renderer *base)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	return p->impl->get_render_formats ? p->impl->get_render_formats(p) : NULL;
}

static uint32_t renderer_get_render_buffer_caps(struct wlr_renderer *base)
{
	struct wlr_renderer *p = get_renderer(base)->pixman;
	return p->impl->get_render_buffer_caps(p);
}

static void renderer_destroy(struct wlr_renderer *base)
{
	struct bridge_renderer *renderer = get_renderer(base);
	wlr_renderer_destroy(renderer->pixman);
	free(renderer);
}

static const struct wlr_renderer_impl renderer_impl = {
	.bind_buffer = renderer_bind_buffer,
	.begin = renderer_begin,
	.end = renderer_end,
	.clear = renderer_clear,
	.scissor = renderer_scissor,
	.render_subtexture_with_matrix = renderer_render_subtexture_with_matrix,
	.render_quad_with_matrix = renderer_render_quad_with_matrix,
	.get_shm_texture_formats = renderer_get_shm_texture_formats,
	.get_render_formats = renderer_get_render_formats,
	.get_render_buffer_caps = renderer_get_render_buffer_caps,
	.destroy = renderer_destroy,
	.texture_from_buffer = renderer_texture_from_buffer,
};

struct wlr_renderer *bridge_renderer_create(struct wlr_renderer *pixman)
{
	if (!pixman) {
		return NULL;
	}
	struct bridge_renderer *renderer = calloc(1, sizeof(*renderer));
	if (!renderer) {
		wlr_renderer_destroy(pixman);
		return NULL;
	}
	wlr_renderer_init(&renderer->base, &renderer_impl);
	renderer->pixman = pixman;
	return &renderer->base;
}
