/*
 * A small Wayland client for the agent's tests, drawing known content.
 *
 *   test-client pattern FRAMES [sub] [viewport] [popup] [stay] [feedback]
 *                      [output=WxH]
 *       one window (pattern.h); after the first frame, FRAMES frames each
 *       repaint and damage one 8x8 square; "stay" keeps running until the
 *       compositor closes the window. Prints "done" on stdout after the
 *       last frame was shown. "feedback" asks presentation feedback for
 *       every frame and exits with 4 unless most were presented;
 *       "output=WxH" exits with 5 unless the compositor's wl_output has
 *       that mode; "release" exits with 6 unless each frame's buffer was
 *       released before that frame was shown.
 *   test-client input
 *       one PATTERN_W x PATTERN_H window whose color shows the input it got
 *       (pattern.h INPUT_*; focus counts only with a French keymap, the
 *       fake daemon's); sets a cursor on pointer enter; draws where a
 *       touch goes down once the seat has touch.
 *   test-client bad
 *       shows a window, then breaks the protocol (acks a configure that was
 *       never sent); the compositor must end this client only.
 *   test-client many COUNT [WIDTH HEIGHT]
 *       COUNT windows (default 64x48) at once, window i in color 0xff0000ff + i; a
 *       window the compositor closes goes; the client ends with the last.
 *   test-client bench FRAMES WIDTH HEIGHT
 *       FRAMES full-damage frames, each drawn when the previous one's frame
 *       callback came, in XRGB8888, with the CLOCK_MONOTONIC microsecond
 *       at commit in pixels 0 and 1 (24 bits each).
 *   test-client formats
 *       one FORMATS_W x FORMATS_H window through pattern.h's formats_stage(),
 *       each shown (its frame callback came) before the next; then exits.
 *   test-client churn COUNT
 *       opens and closes COUNT windows one after another, each shown (a
 *       frame callback came back) before it is closed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "pattern.h"
#include "presentation-time-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "xdg-shell-client-protocol.h"

struct client {
	struct wl_display *display;
	struct wl_seat *seat;
	uint32_t seat_caps;
	struct input *input; /* input mode */
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_viewporter *viewporter;
	struct wp_presentation *presentation;
	struct wl_output *output;
	int output_w, output_h;
	int presented, discarded;
	bool released;
	int late_releases;
	bool configured, closed, frame_done;
	uint32_t *root_pixels;
};

static void die(const char *msg)
{
	fprintf(stderr, "test-client: %s\n", msg);
	exit(1);
}

static uint32_t buffer_format = WL_SHM_FORMAT_ARGB8888;

static struct wl_buffer *make_buffer(struct client *c, int w, int h, uint32_t **pixels)
{
	size_t size = (size_t)w * (size_t)h * 4;
	int fd = memfd_create("test-client", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		die("memfd");
	}
	void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		die("mmap");
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4, buffer_format);
	wl_shm_pool_destroy(pool);
	close(fd);
	*pixels = data;
	return buffer;
}

static struct wl_buffer *solid_buffer(struct client *c, int w, int h, uint32_t color)
{
	uint32_t *pixels;
	struct wl_buffer *buffer = make_buffer(c, w, h, &pixels);
	for (int i = 0; i < w * h; i++) {
		pixels[i] = color;
	}
	return buffer;
}

static void output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t pw,
	int32_t ph, int32_t subpixel, const char *make, const char *model, int32_t transform)
{
}

static void output_mode(
	void *data, struct wl_output *o, uint32_t flags, int32_t w, int32_t h, int32_t refresh)
{
	struct client *c = data;
	if (flags & WL_OUTPUT_MODE_CURRENT) {
		c->output_w = w;
		c->output_h = h;
	}
}

static void output_done(void *data, struct wl_output *o)
{
}

static void output_scale(void *data, struct wl_output *o, int32_t scale)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

static void feedback_sync_output(
	void *data, struct wp_presentation_feedback *f, struct wl_output *o)
{
}

static void feedback_presented(void *data, struct wp_presentation_feedback *f, uint32_t sec_hi,
	uint32_t sec_lo, uint32_t nsec, uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo,
	uint32_t flags)
{
	struct client *c = data;
	c->presented += sec_lo != 0 || sec_hi != 0;
	wp_presentation_feedback_destroy(f);
}

static void feedback_discarded(void *data, struct wp_presentation_feedback *f)
{
	struct client *c = data;
	c->discarded++;
	wp_presentation_feedback_destroy(f);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

static const struct wl_seat_listener seat_listener;

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct client *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_subcompositor_interface.name) == 0) {
		c->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		c->presentation = wl_registry_bind(registry, name, &wp_presentation_interface, 1);
	} else if (strcmp(interface, wl_output_interface.name) == 0 && !c->output) {
		c->output = wl_registry_bind(registry, name, &wl_output_interface, 2);
		wl_output_add_listener(c->output, &output_listener, c);
	} else if (strcmp(interface, wl_seat_interface.name) == 0) {
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 5);
		/* at once: capabilities come right after the bind */
		wl_seat_add_listener(c->seat, &seat_listener, c);
	} else if (strcmp(interface, wp_viewporter_interface.name) == 0) {
		c->viewporter = wl_registry_bind(registry, name, &wp_viewporter_interface, 1);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {.ping = wm_base_ping};

static void xdg_surface_configure(void *data, struct xdg_surface *surface, uint32_t serial)
{
	struct client *c = data;
	xdg_surface_ack_configure(surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(
	void *data, struct xdg_toplevel *toplevel, int32_t w, int32_t h, struct wl_array *states)
{
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct client *c = data;
	c->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void popup_configure(
	void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t w, int32_t h)
{
}

static void popup_done(void *data, struct xdg_popup *popup)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
};

static void frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct client *c = data;
	c->frame_done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = {.done = frame_done};

static void request_frame(struct client *c, struct wl_surface *surface)
{
	c->frame_done = false;
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, c);
}

static void wait_frame(struct client *c)
{
	while (!c->frame_done && !c->closed) {
		if (wl_display_dispatch(c->display) < 0) {
			die("display gone");
		}
	}
}

static void connect_client(struct client *c)
{
	c->display = wl_display_connect(NULL);
	if (!c->display) {
		die("cannot connect");
	}
	struct wl_registry *registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(registry, &registry_listener, c);
	wl_display_roundtrip(c->display);
	if (!c->compositor || !c->subcompositor || !c->shm || !c->wm_base || !c->viewporter) {
		die("missing globals");
	}
	xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
}

struct window {
	struct wl_surface *surface;
	struct xdg_surface *xdg;
	struct xdg_toplevel *toplevel;
};

static void window_open(struct client *c, struct window *w, const char *title)
{
	w->surface = wl_compositor_create_surface(c->compositor);
	w->xdg = xdg_wm_base_get_xdg_surface(c->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg, &xdg_surface_listener, c);
	w->toplevel = xdg_surface_get_toplevel(w->xdg);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, c);
	xdg_toplevel_set_title(w->toplevel, title);
	xdg_toplevel_set_app_id(w->toplevel, "agent-test-client");
	c->configured = false;
	wl_surface_commit(w->surface);
	while (!c->configured) {
		if (wl_display_dispatch(c->display) < 0) {
			die("display gone");
		}
	}
}

static void window_close(struct window *w)
{
	xdg_toplevel_destroy(w->toplevel);
	xdg_surface_destroy(w->xdg);
	wl_surface_destroy(w->surface);
}

static int run_churn(struct client *c, int count)
{
	static const int sizes[][2] = {{64, 48}, {100, 80}, {64, 48}, {33, 17}};
	for (int i = 0; i < count; i++) {
		struct window w;
		window_open(c, &w, "churn");
		int sw = sizes[i % 4][0], sh = sizes[i % 4][1];
		struct wl_buffer *buffer = solid_buffer(c, sw, sh, 0xff000000u | (uint32_t)i);
		wl_surface_attach(w.surface, buffer, 0, 0);
		wl_surface_damage_buffer(w.surface, 0, 0, sw, sh);
		request_frame(c, w.surface);
		wl_surface_commit(w.surface);
		wait_frame(c);
		window_close(&w);
		wl_buffer_destroy(buffer);
		/* munmap of the tiny buffers is left to exit */
	}
	wl_display_roundtrip(c->display);
	printf("done\n");
	fflush(stdout);
	return 0;
}

static bool want_feedback, want_release;

static void buffer_release(void *data, struct wl_buffer *buffer)
{
	struct client *c = data;
	c->released = true;
}

static const struct wl_buffer_listener buffer_listener = {.release = buffer_release};

static void draw_frame(
	struct client *c, struct wl_surface *surface, struct wl_buffer *buffer, int n)
{
	if (want_feedback && c->presentation) {
		wp_presentation_feedback_add_listener(
			wp_presentation_feedback(c->presentation, surface), &feedback_listener, c);
	}
	int x, y;
	uint32_t color;
	pattern_square(n, &x, &y, &color);
	for (int j = y; j < y + PATTERN_SQUARE; j++) {
		for (int i = x; i < x + PATTERN_SQUARE; i++) {
			c->root_pixels[j * PATTERN_W + i] = color;
		}
	}
	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage_buffer(surface, x, y, PATTERN_SQUARE, PATTERN_SQUARE);
	request_frame(c, surface);
	wl_surface_commit(surface);
}

static bool has_word(char **argv, const char *word)
{
	for (int i = 3; argv[i]; i++) {
		if (strcmp(argv[i], word) == 0) {
			return true;
		}
	}
	return false;
}

static int run_pattern(struct client *c, int frames, char **argv)
{
	bool sub = has_word(argv, "sub"), viewport = has_word(argv, "viewport");
	bool popup = has_word(argv, "popup"), stay = has_word(argv, "stay");
	want_feedback = has_word(argv, "feedback");
	want_release = has_word(argv, "release");
	int want_w = 0, want_h = 0;
	for (int i = 3; argv[i]; i++) {
		if (sscanf(argv[i], "output=%dx%d", &want_w, &want_h) == 2) {
			break;
		}
	}
	struct window w;
	window_open(c, &w, "pattern");
	struct wl_buffer *buffer = make_buffer(c, PATTERN_W, PATTERN_H, &c->root_pixels);
	wl_buffer_add_listener(buffer, &buffer_listener, c);
	for (int y = 0; y < PATTERN_H; y++) {
		for (int x = 0; x < PATTERN_W; x++) {
			c->root_pixels[y * PATTERN_W + x] = pattern_background(x, y);
		}
	}
	if (sub) {
		struct wl_surface *s = wl_compositor_create_surface(c->compositor);
		struct wl_subsurface *ss =
			wl_subcompositor_get_subsurface(c->subcompositor, s, w.surface);
		wl_subsurface_set_position(ss, PATTERN_SUB_X, PATTERN_SUB_Y);
		wl_surface_attach(
			s, solid_buffer(c, PATTERN_SUB_W, PATTERN_SUB_H, PATTERN_SUB_COLOR), 0, 0);
		wl_surface_damage_buffer(s, 0, 0, PATTERN_SUB_W, PATTERN_SUB_H);
		wl_surface_commit(s);
	}
	if (viewport) {
		struct wl_surface *s = wl_compositor_create_surface(c->compositor);
		struct wl_subsurface *ss =
			wl_subcompositor_get_subsurface(c->subcompositor, s, w.surface);
		wl_subsurface_set_position(ss, PATTERN_VP_X, PATTERN_VP_Y);
		struct wp_viewport *vp = wp_viewporter_get_viewport(c->viewporter, s);
		wp_viewport_set_destination(vp, PATTERN_VP_DST, PATTERN_VP_DST);
		wl_surface_attach(
			s, solid_buffer(c, PATTERN_VP_SRC, PATTERN_VP_SRC, PATTERN_VP_COLOR), 0, 0);
		wl_surface_damage_buffer(s, 0, 0, PATTERN_VP_SRC, PATTERN_VP_SRC);
		wl_surface_commit(s);
	}
	wl_surface_attach(w.surface, buffer, 0, 0);
	wl_surface_damage_buffer(w.surface, 0, 0, PATTERN_W, PATTERN_H);
	request_frame(c, w.surface);
	wl_surface_commit(w.surface);
	wait_frame(c);

	if (popup) {
		struct xdg_positioner *pos = xdg_wm_base_create_positioner(c->wm_base);
		xdg_positioner_set_size(pos, PATTERN_POPUP_W, PATTERN_POPUP_H);
		xdg_positioner_set_anchor_rect(pos, PATTERN_POPUP_X, PATTERN_POPUP_Y, 1, 1);
		xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_TOP_LEFT);
		xdg_positioner_set_gravity(pos, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
		struct wl_surface *ps = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *pxdg = xdg_wm_base_get_xdg_surface(c->wm_base, ps);
		xdg_surface_add_listener(pxdg, &xdg_surface_listener, c);
		struct xdg_popup *p = xdg_surface_get_popup(pxdg, w.xdg, pos);
		xdg_popup_add_listener(p, &popup_listener, c);
		c->configured = false;
		wl_surface_commit(ps);
		while (!c->configured) {
			if (wl_display_dispatch(c->display) < 0) {
				die("display gone");
			}
		}
		wl_surface_attach(ps,
			solid_buffer(c, PATTERN_POPUP_W, PATTERN_POPUP_H, PATTERN_POPUP_COLOR), 0,
			0);
		wl_surface_damage_buffer(ps, 0, 0, PATTERN_POPUP_W, PATTERN_POPUP_H);
		request_frame(c, ps);
		wl_surface_commit(ps);
		wait_frame(c);
	}

	/* one buffer, redrawn after each frame was shown, as simple clients do */
	for (int n = 1; n <= frames && !c->closed; n++) {
		c->released = false;
		draw_frame(c, w.surface, buffer, n);
		wait_frame(c);
		/* the compositor copied the commit: the buffer is ours again */
		c->late_releases += want_release && !c->released;
	}
	/* a title change alone, with no new content, must reach dom0 too */
	xdg_toplevel_set_title(w.toplevel, "pattern: done");
	wl_display_roundtrip(c->display);
	printf("done\n");
	fflush(stdout);
	while (stay && !c->closed) {
		if (wl_display_dispatch(c->display) < 0) {
			die("display gone");
		}
	}
	if (want_feedback && (!c->presentation || c->presented * 2 < frames)) {
		fprintf(stderr, "test-client: %d of %d frames presented, %d discarded\n",
			c->presented, frames, c->discarded);
		return 4;
	}
	if (c->late_releases) {
		fprintf(stderr, "test-client: %d frames shown before their buffer was released\n",
			c->late_releases);
		return 6;
	}
	if (want_w && (c->output_w != want_w || c->output_h != want_h)) {
		fprintf(stderr, "test-client: output %dx%d, expected %dx%d\n", c->output_w,
			c->output_h, want_w, want_h);
		return 5;
	}
	return 0;
}

struct many_window {
	struct window w;
	bool open;
	int *left;
};

static void many_configure(
	void *data, struct xdg_toplevel *toplevel, int32_t w, int32_t h, struct wl_array *states)
{
}

static void many_close(void *data, struct xdg_toplevel *toplevel)
{
	struct many_window *mw = data;
	if (mw->open) {
		window_close(&mw->w);
		mw->open = false;
		(*mw->left)--;
	}
}

static const struct xdg_toplevel_listener many_listener = {
	.configure = many_configure,
	.close = many_close,
};

static int run_many(struct client *c, int count, int width, int height)
{
	struct many_window *windows = calloc((size_t)count, sizeof(*windows));
	int left = count;
	for (int i = 0; i < count && windows; i++) {
		struct many_window *mw = &windows[i];
		window_open(c, &mw->w, "many");
		/* replace the common listener: closes are per window here */
		xdg_toplevel_destroy(mw->w.toplevel);
		xdg_surface_destroy(mw->w.xdg);
		wl_surface_destroy(mw->w.surface);
		mw->w.surface = wl_compositor_create_surface(c->compositor);
		mw->w.xdg = xdg_wm_base_get_xdg_surface(c->wm_base, mw->w.surface);
		xdg_surface_add_listener(mw->w.xdg, &xdg_surface_listener, c);
		mw->w.toplevel = xdg_surface_get_toplevel(mw->w.xdg);
		mw->open = true;
		mw->left = &left;
		xdg_toplevel_add_listener(mw->w.toplevel, &many_listener, mw);
		c->configured = false;
		wl_surface_commit(mw->w.surface);
		while (!c->configured) {
			if (wl_display_dispatch(c->display) < 0) {
				die("display gone");
			}
		}
		wl_surface_attach(mw->w.surface,
			solid_buffer(c, width, height, 0xff0000ffu + (uint32_t)i), 0, 0);
		wl_surface_damage_buffer(mw->w.surface, 0, 0, width, height);
		wl_surface_commit(mw->w.surface);
	}
	while (left > 0) {
		if (wl_display_dispatch(c->display) < 0) {
			die("display gone");
		}
	}
	free(windows);
	return 0;
}

static int run_bench(struct client *c, int frames, int width, int height)
{
	struct window w;
	window_open(c, &w, "bench");
	uint32_t *pixels[2];
	/* opaque, as most big windows are */
	buffer_format = WL_SHM_FORMAT_XRGB8888;
	struct wl_buffer *buffers[2] = {
		make_buffer(c, width, height, &pixels[0]),
		make_buffer(c, width, height, &pixels[1]),
	};
	for (int n = 0; n < frames && !c->closed; n++) {
		uint32_t *p = pixels[n % 2];
		uint32_t color = 0xff000000u | (uint32_t)(n * 0x010203);
		for (int i = 0; i < width * height; i++) {
			p[i] = color;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
		p[0] = 0xff000000u | (uint32_t)(us & 0xffffff);
		p[1] = 0xff000000u | (uint32_t)(us >> 24 & 0xffffff);
		wl_surface_attach(w.surface, buffers[n % 2], 0, 0);
		wl_surface_damage_buffer(w.surface, 0, 0, width, height);
		request_frame(c, w.surface);
		wl_surface_commit(w.surface);
		wait_frame(c);
	}
	return 0;
}

static struct wl_buffer *format_buffer(struct client *c, int w, int h, uint32_t color, bool xrgb)
{
	buffer_format = xrgb ? WL_SHM_FORMAT_XRGB8888 : WL_SHM_FORMAT_ARGB8888;
	return solid_buffer(c, w, h, color);
}

static int run_formats(struct client *c)
{
	struct window w;
	window_open(c, &w, "formats");
	struct wl_surface *sub_surface = NULL;
	for (int i = 0; i < FORMATS_NSTAGES && !c->closed; i++) {
		const struct formats_stage *stage = formats_stage(i);
		if (stage->sub) {
			if (!sub_surface) {
				sub_surface = wl_compositor_create_surface(c->compositor);
				struct wl_subsurface *ss = wl_subcompositor_get_subsurface(
					c->subcompositor, sub_surface, w.surface);
				wl_subsurface_set_position(ss, FORMATS_SUB_X, FORMATS_SUB_Y);
			}
			wl_surface_attach(sub_surface,
				format_buffer(c, FORMATS_SUB_SIZE, FORMATS_SUB_SIZE,
					stage->sub_color, stage->sub_xrgb),
				0, 0);
			wl_surface_damage_buffer(
				sub_surface, 0, 0, FORMATS_SUB_SIZE, FORMATS_SUB_SIZE);
			/* synchronized: shown with the root's commit */
			wl_surface_commit(sub_surface);
		}
		struct wl_region *region = NULL;
		if (stage->opaque_w > 0) {
			region = wl_compositor_create_region(c->compositor);
			wl_region_add(region, 0, 0, stage->opaque_w, FORMATS_H);
		}
		wl_surface_set_opaque_region(w.surface, region);
		if (region) {
			wl_region_destroy(region);
		}
		wl_surface_attach(w.surface,
			format_buffer(c, FORMATS_W, FORMATS_H, stage->root, stage->root_xrgb), 0,
			0);
		wl_surface_damage_buffer(w.surface, 0, 0, FORMATS_W, FORMATS_H);
		request_frame(c, w.surface);
		wl_surface_commit(w.surface);
		wait_frame(c);
	}
	printf("done\n");
	return c->closed ? 1 : 0;
}

static int run_bad(struct client *c)
{
	struct window w;
	window_open(c, &w, "bad");
	wl_surface_attach(w.surface, solid_buffer(c, 30, 20, 0xff000000u), 0, 0);
	wl_surface_damage_buffer(w.surface, 0, 0, 30, 20);
	request_frame(c, w.surface);
	wl_surface_commit(w.surface);
	wait_frame(c);
	printf("shown\n");
	fflush(stdout);
	usleep(300000);
	xdg_surface_ack_configure(w.xdg, 0xdeadbeef);
	/* the error ends the connection: dispatch fails */
	while (wl_display_dispatch(c->display) >= 0) {
	}
	uint32_t code = wl_display_get_error(c->display);
	printf("error %u\n", code);
	return code == EPROTO ? 3 : 1;
}

/* --- input mode --------------------------------------------------------- */

struct input {
	struct client *c;
	struct wl_surface *surface;
	struct wl_buffer *buffer;
	uint32_t *pixels;
	struct wl_surface *cursor;
	struct wl_buffer *cursor_buffer;
	bool keymap;
	double px, py;
	struct wl_touch *touch;
};

static void input_paint(struct input *in, uint32_t color)
{
	for (int i = 0; i < PATTERN_W * PATTERN_H; i++) {
		in->pixels[i] = color;
	}
	wl_surface_attach(in->surface, in->buffer, 0, 0);
	wl_surface_damage_buffer(in->surface, 0, 0, PATTERN_W, PATTERN_H);
	wl_surface_commit(in->surface);
}

static void kb_keymap(
	void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd, uint32_t size)
{
	struct input *in = data;
	/* the fake daemon sends a French keymap, the agent's own is not: on
	 * AZERTY the key at QWERTY's Q (AD01) gives 'a' */
	char *text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	in->keymap = false;
	if (format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 && text != MAP_FAILED) {
		const char *key = memmem(text, size, "key <AD01>", 10);
		const char *open = key ? memchr(key, '[', size - (size_t)(key - text)) : NULL;
		if (open) {
			open++;
			while (*open == ' ' || *open == '\t') {
				open++;
			}
			in->keymap = strncmp(open, "a,", 2) == 0;
		}
	}
	if (text != MAP_FAILED) {
		munmap(text, size);
	}
	close(fd);
}

static void kb_enter(void *data, struct wl_keyboard *kb, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	struct input *in = data;
	input_paint(in, surface == in->surface && in->keymap ? INPUT_FOCUSED : INPUT_BAD);
}

static void kb_leave(
	void *data, struct wl_keyboard *kb, uint32_t serial, struct wl_surface *surface)
{
}

static void kb_key(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t time, uint32_t key,
	uint32_t state)
{
	struct input *in = data;
	if (state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		input_paint(in, key == 30 /* KEY_A */ ? INPUT_KEY_A : INPUT_BAD);
	}
}

static void kb_modifiers(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t dep,
	uint32_t lat, uint32_t lock, uint32_t group)
{
}

static void kb_repeat(void *data, struct wl_keyboard *kb, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap,
	.enter = kb_enter,
	.leave = kb_leave,
	.key = kb_key,
	.modifiers = kb_modifiers,
	.repeat_info = kb_repeat,
};

static void ptr_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *surface,
	wl_fixed_t x, wl_fixed_t y)
{
	struct input *in = data;
	in->px = wl_fixed_to_double(x);
	in->py = wl_fixed_to_double(y);
	wl_pointer_set_cursor(p, serial, in->cursor, 3, 4);
}

static void ptr_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *surface)
{
}

static void ptr_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	struct input *in = data;
	in->px = wl_fixed_to_double(x);
	in->py = wl_fixed_to_double(y);
}

static void ptr_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
	uint32_t button, uint32_t state)
{
	struct input *in = data;
	if (state != WL_POINTER_BUTTON_STATE_PRESSED) {
		return;
	}
	int x0 = (int)in->px, y0 = (int)in->py;
	for (int y = y0; y < y0 + 10 && y < PATTERN_H; y++) {
		for (int x = x0; x < x0 + 10 && x < PATTERN_W; x++) {
			in->pixels[y * PATTERN_W + x] = INPUT_CLICK;
		}
	}
	wl_surface_attach(in->surface, in->buffer, 0, 0);
	wl_surface_damage_buffer(in->surface, x0, y0, 10, 10);
	wl_surface_commit(in->surface);
}

static void ptr_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis, wl_fixed_t v)
{
}

static void ptr_frame(void *data, struct wl_pointer *p)
{
}

static void ptr_axis_source(void *data, struct wl_pointer *p, uint32_t source)
{
}

static void ptr_axis_stop(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis)
{
}

static void ptr_axis_discrete(void *data, struct wl_pointer *p, uint32_t axis, int32_t discrete)
{
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = ptr_enter,
	.leave = ptr_leave,
	.motion = ptr_motion,
	.button = ptr_button,
	.axis = ptr_axis,
	.frame = ptr_frame,
	.axis_source = ptr_axis_source,
	.axis_stop = ptr_axis_stop,
	.axis_discrete = ptr_axis_discrete,
};

static void touch_down(void *data, struct wl_touch *t, uint32_t serial, uint32_t time,
	struct wl_surface *surface, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct input *in = data;
	int x0 = wl_fixed_to_int(x), y0 = wl_fixed_to_int(y);
	for (int j = y0; j < y0 + 6 && j < PATTERN_H; j++) {
		for (int i = x0; i < x0 + 6 && i < PATTERN_W; i++) {
			in->pixels[j * PATTERN_W + i] =
				surface == in->surface ? INPUT_TOUCH : INPUT_BAD;
		}
	}
	wl_surface_attach(in->surface, in->buffer, 0, 0);
	wl_surface_damage_buffer(in->surface, x0, y0, 6, 6);
	wl_surface_commit(in->surface);
}

static void touch_up(void *data, struct wl_touch *t, uint32_t serial, uint32_t time, int32_t id)
{
}

static void touch_motion(
	void *data, struct wl_touch *t, uint32_t time, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
}

static void touch_frame(void *data, struct wl_touch *t)
{
}

static void touch_cancel(void *data, struct wl_touch *t)
{
}

static const struct wl_touch_listener touch_listener = {
	.down = touch_down,
	.up = touch_up,
	.motion = touch_motion,
	.frame = touch_frame,
	.cancel = touch_cancel,
};

static void input_take_touch(struct input *in)
{
	if ((in->c->seat_caps & WL_SEAT_CAPABILITY_TOUCH) && !in->touch) {
		in->touch = wl_seat_get_touch(in->c->seat);
		wl_touch_add_listener(in->touch, &touch_listener, in);
	}
}

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *c = data;
	c->seat_caps = caps;
	if (c->input) {
		input_take_touch(c->input);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static int run_input(struct client *c)
{
	if (!c->seat) {
		die("no seat");
	}
	struct input in = {.c = c};
	struct window w;
	window_open(c, &w, "input");
	in.surface = w.surface;
	in.buffer = make_buffer(c, PATTERN_W, PATTERN_H, &in.pixels);
	in.cursor = wl_compositor_create_surface(c->compositor);
	in.cursor_buffer = solid_buffer(c, 16, 16, INPUT_CURSOR);
	wl_surface_attach(in.cursor, in.cursor_buffer, 0, 0);
	wl_surface_damage_buffer(in.cursor, 0, 0, 16, 16);
	wl_surface_commit(in.cursor);
	wl_keyboard_add_listener(wl_seat_get_keyboard(c->seat), &keyboard_listener, &in);
	wl_pointer_add_listener(wl_seat_get_pointer(c->seat), &pointer_listener, &in);
	c->input = &in;
	input_take_touch(&in);
	input_paint(&in, INPUT_IDLE);
	while (!c->closed) {
		if (wl_display_dispatch(c->display) < 0) {
			die("display gone");
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	bool one_word =
		argc >= 2 && (strcmp(argv[1], "input") == 0 || strcmp(argv[1], "bad") == 0 ||
				     strcmp(argv[1], "formats") == 0);
	if (argc < 2 || (!one_word && argc < 3)) {
		die("usage: test-client pattern FRAMES [sub] [viewport] [popup] [stay] | churn "
		    "COUNT "
		    "| input | bad | formats");
	}
	struct client c = {0};
	connect_client(&c);
	int count = argc > 2 ? atoi(argv[2]) : 0;
	int status;
	if (strcmp(argv[1], "input") == 0) {
		status = run_input(&c);
	} else if (strcmp(argv[1], "bad") == 0) {
		status = run_bad(&c);
	} else if (strcmp(argv[1], "formats") == 0) {
		status = run_formats(&c);
	} else if (strcmp(argv[1], "bench") == 0 && argc >= 5) {
		status = run_bench(&c, count, atoi(argv[3]), atoi(argv[4]));
	} else if (strcmp(argv[1], "many") == 0) {
		status = run_many(
			&c, count, argc > 4 ? atoi(argv[3]) : 64, argc > 4 ? atoi(argv[4]) : 48);
	} else if (strcmp(argv[1], "churn") == 0) {
		status = run_churn(&c, count);
	} else {
		status = run_pattern(&c, count, argv);
	}
	/* a test tool: the process takes its objects with it */
	fflush(stdout);
	_exit(status);
}
