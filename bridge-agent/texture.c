/*
 * The copying renderer. Everything but texture uploads goes to the pixman
 * renderer it wraps (wlroots only renders with it to enable the headless
 * outputs); textures are pixman images of our own, filled from the client's
 * wl_shm buffer while wlroots holds it for the upload.
 */
#include <drm_fourcc.h>
#include <stdlib.h>
#include <string.h>
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
	pixman_image_t *image;
	uint32_t format; /* DRM fourcc */
};

static const uint32_t shm_formats[] = {DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888};

static struct bridge_renderer *get_renderer(struct wlr_renderer *base)
{
	return (struct bridge_renderer *)base;
}

/* --- textures ----------------------------------------------------------- */

static const struct wlr_texture_impl texture_impl;

pixman_image_t *bridge_texture_get_image(struct wlr_texture *texture)
{
	if (!texture || texture->impl != &texture_impl) {
		return NULL;
	}
	return ((struct bridge_texture *)texture)->image;
}

static bool texture_is_opaque(struct wlr_texture *base)
{
	return ((struct bridge_texture *)base)->format == DRM_FORMAT_XRGB8888;
}

static bool texture_write_pixels(struct wlr_texture *base, uint32_t stride, uint32_t width,
	uint32_t height, uint32_t src_x, uint32_t src_y, uint32_t dst_x, uint32_t dst_y,
	const void *data)
{
	struct bridge_texture *texture = (struct bridge_texture *)base;
	if ((uint64_t)src_x + width > base->width || (uint64_t)src_y + height > base->height ||
		(uint64_t)dst_x + width > base->width || (uint64_t)dst_y + height > base->height) {
		return false;
	}
	uint8_t *dst = (uint8_t *)pixman_image_get_data(texture->image);
	int dst_stride = pixman_image_get_stride(texture->image);
	const uint8_t *src = data;
	for (uint32_t y = 0; y < height; y++) {
		memcpy(dst + (size_t)(dst_y + y) * (size_t)dst_stride + (size_t)dst_x * 4,
			src + (size_t)(src_y + y) * stride + (size_t)src_x * 4, (size_t)width * 4);
	}
	return true;
}

static void texture_destroy(struct wlr_texture *base)
{
	struct bridge_texture *texture = (struct bridge_texture *)base;
	pixman_image_unref(texture->image);
	free(texture);
}

static const struct wlr_texture_impl texture_impl = {
	.is_opaque = texture_is_opaque,
	.write_pixels = texture_write_pixels,
	.destroy = texture_destroy,
};

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
	pixman_format_code_t pixman_format = format == DRM_FORMAT_ARGB8888   ? PIXMAN_a8r8g8b8
					     : format == DRM_FORMAT_XRGB8888 ? PIXMAN_x8r8g8b8
									     : 0;
	struct bridge_texture *texture = pixman_format ? calloc(1, sizeof(*texture)) : NULL;
	if (texture) {
		texture->format = format;
		texture->image = pixman_image_create_bits_no_clear(
			pixman_format, buffer->width, buffer->height, NULL, 0);
	}
	if (!texture || !texture->image) {
		wlr_buffer_end_data_ptr_access(buffer);
		free(texture);
		return NULL;
	}
	wlr_texture_init(
		&texture->base, &texture_impl, (uint32_t)buffer->width, (uint32_t)buffer->height);
	texture_write_pixels(&texture->base, (uint32_t)stride, (uint32_t)buffer->width,
		(uint32_t)buffer->height, 0, 0, 0, 0, data);
	wlr_buffer_end_data_ptr_access(buffer);
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
