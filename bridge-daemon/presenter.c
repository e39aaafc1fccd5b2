/*
 * Presents a guest window in dom0: an xdg_toplevel (or xdg_popup) whose
 * surface shows the guest's buffers themselves, wl_buffers of the pool that
 * dom0's compositor maps (pool.c): nothing is copied. The frame in the
 * label color is four subsurfaces around the content, drawn once per
 * content size where the guest cannot reach, and part of the window
 * geometry, so that dom0 places and sizes the whole.
 *
 * A guest buffer goes to dom0 at the guest's commit, with its damage; the
 * guest hears release when dom0's compositor releases it. Until dom0 has
 * configured the surface, the last commit waits; a buffer replaced while
 * waiting was never read and is released at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-server-core.h>

#include "dom0.h"
#include "guest.h"
#include "pool.h"
#include "presenter.h"
#include "window.h"
#include "log.h"
#include "presentation-time-client-protocol.h"
#include "wl-grant-bridge-protocol.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

enum frame_side {
	SIDE_TOP,
	SIDE_BOTTOM,
	SIDE_LEFT,
	SIDE_RIGHT,
	NSIDES,
};

/* dom0's presentation feedback for one dom0 commit; the guest's feedbacks
 * bound to it take its answer */
struct presented {
	struct bridge_presenter *p;
	struct wp_presentation_feedback *feedback;
	struct wl_list link; /* bridge_presenter::feedbacks */
};

struct bridge_presenter {
	struct bridge_window *window;
	struct bridge_dom0 *dom0;
	int32_t border;
	uint32_t label;
	struct wl_surface *surface; /* the content */
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct xdg_popup *popup;
	struct zxdg_toplevel_decoration_v1 *decoration;
	struct wl_surface *sides[NSIDES];
	struct wl_subsurface *subsurfaces[NSIDES];
	/* hidden: no surface in dom0 at all (a null attach, or a popup whose
	 * parent is hidden); a buffer makes all of it anew */
	bool hidden;
	bool configured;
	/* toplevel state, kept to make the toplevel again after hiding */
	char *title, *app_id;
	int32_t min_w, min_h, max_w, max_h; /* with the frame; 0 no limit */
	int32_t configure_width, configure_height;
	struct wl_array configure_states;
	uint32_t guest_serial;

	/* the content size dom0 shows, 0x0 before the first buffer */
	int32_t width, height;
	/* the frame's strips for that size: across (top, bottom) and along
	 * (left, right); the previous ones live until the commit that
	 * replaces them */
	struct wl_buffer *strips[2];
	struct wl_buffer *old_strips[2];

	/* the last commit, until dom0 has configured the surface */
	bool have_queued;
	struct bridge_buffer *queued;
	struct wl_listener queued_destroy;
	pixman_region32_t queued_damage; /* content pixels */
	bool want_frame;
	bool state_changed; /* a double-buffered xdg state waits for a commit */
	struct wl_callback *frame_callback;
	struct wl_list feedbacks; /* presented::link, oldest first */
};

static void present(struct bridge_presenter *p);
static void hide(struct bridge_presenter *p);
static bool create_role(struct bridge_presenter *p);

static void destroy_strips(struct wl_buffer *strips[2])
{
	for (int i = 0; i < 2; i++) {
		if (strips[i]) {
			wl_buffer_destroy(strips[i]);
			strips[i] = NULL;
		}
	}
}

static void free_frame(struct bridge_presenter *p)
{
	destroy_strips(p->strips);
	destroy_strips(p->old_strips);
	p->width = p->height = 0;
}

/* The frame around content of WIDTH x HEIGHT: two strips in the label
 * color, on the four sides, applied with the next commit of the content
 * (the subsurfaces are synchronized). */
static bool fit_frame(struct bridge_presenter *p, int32_t width, int32_t height)
{
	int32_t b = p->border;
	if (b == 0) {
		p->width = width;
		p->height = height;
		return true;
	}
	int32_t across_w = width + 2 * b, along_h = height;
	size_t across = (size_t)across_w * 4 * (size_t)b;
	size_t along = (size_t)b * 4 * (size_t)along_h;
	size_t size = across + along;
	if (size > INT32_MAX) {
		return false;
	}
	int fd = memfd_create("bridge-daemon-frame", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "frame for a window of %dx%d", width, height);
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	uint32_t *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "mmap of %zu bytes", size);
		close(fd);
		return false;
	}
	for (size_t i = 0; i < size / 4; i++) {
		data[i] = 0xff000000u | p->label;
	}
	munmap(data, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(p->dom0->shm, fd, (int32_t)size);
	close(fd);
	destroy_strips(p->old_strips);
	p->old_strips[0] = p->strips[0];
	p->old_strips[1] = p->strips[1];
	p->strips[0] = wl_shm_pool_create_buffer(
		pool, 0, across_w, b, across_w * 4, WL_SHM_FORMAT_XRGB8888);
	p->strips[1] = wl_shm_pool_create_buffer(
		pool, (int32_t)across, b, along_h, b * 4, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);

	const struct {
		int strip;
		int32_t x, y;
	} place[NSIDES] = {
		[SIDE_TOP] = {0, -b, -b},
		[SIDE_BOTTOM] = {0, -b, height},
		[SIDE_LEFT] = {1, -b, 0},
		[SIDE_RIGHT] = {1, width, 0},
	};
	for (int i = 0; i < NSIDES; i++) {
		wl_subsurface_set_position(p->subsurfaces[i], place[i].x, place[i].y);
		wl_surface_attach(p->sides[i], p->strips[place[i].strip], 0, 0);
		wl_surface_damage_buffer(p->sides[i], 0, 0, INT32_MAX, INT32_MAX);
		wl_surface_commit(p->sides[i]);
	}
	xdg_surface_set_window_geometry(p->xdg_surface, -b, -b, width + 2 * b, height + 2 * b);
	p->width = width;
	p->height = height;
	return true;
}

static void frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct bridge_presenter *p = data;
	wl_callback_destroy(callback);
	p->frame_callback = NULL;
	bridge_window_frames_done(p->window, time);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void request_frame(struct bridge_presenter *p)
{
	if (p->want_frame && !p->frame_callback) {
		p->frame_callback = wl_surface_frame(p->surface);
		wl_callback_add_listener(p->frame_callback, &frame_listener, p);
	}
	p->want_frame = false;
}

static void set_queued(struct bridge_presenter *p, struct bridge_buffer *buffer)
{
	if (p->queued) {
		wl_list_remove(&p->queued_destroy.link);
		wl_list_init(&p->queued_destroy.link);
	}
	p->queued = buffer;
	if (buffer) {
		wl_resource_add_destroy_listener(buffer->resource, &p->queued_destroy);
	}
}

static void handle_queued_destroy(struct wl_listener *listener, void *data)
{
	struct bridge_presenter *p = wl_container_of(listener, p, queued_destroy);
	set_queued(p, NULL);
}

static void presented_destroy(struct presented *pr)
{
	wp_presentation_feedback_destroy(pr->feedback);
	wl_list_remove(&pr->link);
	free(pr);
}

static void feedback_sync_output(
	void *data, struct wp_presentation_feedback *feedback, struct wl_output *output)
{
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* dom0's compositor may stamp with another clock than CLOCK_MONOTONIC
 * (weston: CLOCK_MONOTONIC_RAW); the link speaks CLOCK_MONOTONIC, so move
 * the time by the two clocks' difference now. */
static void time_to_monotonic(
	clockid_t clock, uint32_t *tv_sec_hi, uint32_t *tv_sec_lo, uint32_t *tv_nsec)
{
	struct timespec mono, other;
	if (clock == CLOCK_MONOTONIC || clock_gettime(clock, &other) != 0 ||
		clock_gettime(CLOCK_MONOTONIC, &mono) != 0) {
		return;
	}
	int64_t sec = (int64_t)((uint64_t)*tv_sec_hi << 32 | *tv_sec_lo);
	int64_t ns = sec * 1000000000 + *tv_nsec + timespec_ns(&mono) - timespec_ns(&other);
	if (ns < 0) {
		ns = 0;
	}
	uint64_t out_sec = (uint64_t)(ns / 1000000000);
	*tv_sec_hi = (uint32_t)(out_sec >> 32);
	*tv_sec_lo = (uint32_t)out_sec;
	*tv_nsec = (uint32_t)(ns % 1000000000);
}

static void feedback_presented(void *data, struct wp_presentation_feedback *feedback,
	uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
	uint32_t seq_lo, uint32_t flags)
{
	struct presented *pr = data;
	time_to_monotonic(pr->p->dom0->presentation_clock, &tv_sec_hi, &tv_sec_lo, &tv_nsec);
	bridge_window_feedbacks_presented(
		pr->p->window, pr, tv_sec_hi, tv_sec_lo, tv_nsec, refresh, flags);
	presented_destroy(pr);
}

static void feedback_discarded(void *data, struct wp_presentation_feedback *feedback)
{
	struct presented *pr = data;
	bridge_window_feedbacks_discarded(pr->p->window, pr);
	presented_destroy(pr);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

/* Asks dom0 when the dom0 commit about to be made is shown, for the
 * guest's feedbacks that wait for one. */
static void request_feedback(struct bridge_presenter *p)
{
	struct wp_presentation *presentation = p->dom0->presentation;
	if (!presentation || !bridge_window_feedbacks_unbound(p->window)) {
		return;
	}
	struct presented *pr = calloc(1, sizeof(*pr));
	if (!pr) {
		/* no answer from dom0 will come: say so now */
		bridge_window_feedbacks_discard(p->window, p->window->commit_seq, false);
		return;
	}
	pr->p = p;
	pr->feedback = wp_presentation_feedback(presentation, p->surface);
	wp_presentation_feedback_add_listener(pr->feedback, &feedback_listener, pr);
	wl_list_insert(p->feedbacks.prev, &pr->link);
	bridge_window_feedbacks_bind(p->window, pr);
}

static void feedbacks_destroy(struct bridge_presenter *p)
{
	struct presented *pr, *tmp;
	wl_list_for_each_safe(pr, tmp, &p->feedbacks, link)
	{
		/* the surface goes: dom0 will not answer */
		bridge_window_feedbacks_discarded(p->window, pr);
		presented_destroy(pr);
	}
}

static void present(struct bridge_presenter *p)
{
	if (!p->surface || !p->configured || !p->have_queued) {
		return;
	}
	struct bridge_buffer *buffer = p->queued;
	set_queued(p, NULL);
	p->have_queued = false;
	if (!buffer || !buffer->host) {
		/* the guest destroyed it, or its pool, before dom0 could show it */
		pixman_region32_clear(&p->queued_damage);
		return;
	}
	bool resized = buffer->width != p->width || buffer->height != p->height;
	if (resized && !fit_frame(p, buffer->width, buffer->height)) {
		bridge_guest_fail(p->window->guest, WGB_BRIDGE_ERROR_LIMIT,
			"cannot frame a buffer of %dx%d", buffer->width, buffer->height);
		wgb_buffer_send_release(buffer->resource);
		pixman_region32_clear(&p->queued_damage);
		return;
	}
	wl_surface_attach(p->surface, buffer->host, 0, 0);
	if (resized) {
		wl_surface_damage_buffer(p->surface, 0, 0, INT32_MAX, INT32_MAX);
	} else {
		int n;
		pixman_box32_t *rects = pixman_region32_rectangles(&p->queued_damage, &n);
		for (int i = 0; i < n; i++) {
			wl_surface_damage_buffer(p->surface, rects[i].x1, rects[i].y1,
				rects[i].x2 - rects[i].x1, rects[i].y2 - rects[i].y1);
		}
	}
	pixman_region32_clear(&p->queued_damage);
	request_frame(p);
	request_feedback(p);
	wl_surface_commit(p->surface);
	destroy_strips(p->old_strips);
	p->state_changed = false;
	/* dom0's compositor reads it now: its release is the guest's */
}

/* A buffer the guest committed that dom0 will never read. */
static void release_unread(struct bridge_presenter *p)
{
	if (p->queued) {
		wgb_buffer_send_release(p->queued->resource);
	}
	set_queued(p, NULL);
	pixman_region32_clear(&p->queued_damage);
	p->have_queued = false;
}

void bridge_presenter_commit(struct bridge_presenter *p, bool attached,
	struct bridge_buffer *buffer, pixman_region32_t *damage, bool want_frame)
{
	if (!p) {
		return;
	}
	p->want_frame |= want_frame;
	if (attached && buffer && p->have_queued) {
		/* the queued content is replaced before it was shown */
		bridge_window_feedbacks_discard(p->window, p->window->commit_seq - 1, false);
	}
	if (attached && !buffer) {
		release_unread(p);
		hide(p);
		return;
	}
	if (attached && p->hidden && !create_role(p)) {
		/* a popup of a hidden parent stays hidden: nothing to read */
		wgb_buffer_send_release(buffer->resource);
		bridge_window_feedbacks_discard(p->window, p->window->commit_seq, true);
		return;
	}
	if (attached) {
		if (p->queued && p->queued != buffer) {
			/* replaced before dom0 saw it */
			wgb_buffer_send_release(p->queued->resource);
		}
		set_queued(p, buffer);
		p->have_queued = true;
		pixman_region32_union(&p->queued_damage, &p->queued_damage, damage);
		pixman_region32_intersect_rect(&p->queued_damage, &p->queued_damage, 0, 0,
			(uint32_t)buffer->width, (uint32_t)buffer->height);
		present(p);
	}
	if (p->hidden) {
		/* nothing of this window is shown until its next buffer */
		bridge_window_feedbacks_discard(p->window, p->window->commit_seq, true);
	}
	/* a commit with no new content: its feedback is answered when dom0
	 * shows the surface next, as wp_presentation does */
	if (p->surface && p->configured && !p->have_queued && !attached &&
		(p->want_frame || p->state_changed || bridge_window_feedbacks_unbound(p->window))) {
		request_frame(p);
		request_feedback(p);
		wl_surface_commit(p->surface);
		p->state_changed = false;
	}
}

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct bridge_presenter *p = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	p->configured = true;
	if (p->toplevel) {
		int32_t w = p->configure_width, h = p->configure_height;
		/* the guest sizes its content; the frame is ours */
		w = w > 2 * p->border ? w - 2 * p->border : 0;
		h = h > 2 * p->border ? h - 2 * p->border : 0;
		wgb_window_send_configure(
			p->window->resource, w, h, &p->configure_states, ++p->guest_serial);
	}
	if (p->have_queued) {
		present(p);
	} else {
		/* an ack takes effect at the next commit */
		request_frame(p);
		request_feedback(p);
		wl_surface_commit(p->surface);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
	struct bridge_presenter *p = data;
	p->configure_width = width;
	p->configure_height = height;
	p->configure_states.size = 0;
	uint32_t *state;
	wl_array_for_each(state, states)
	{
		uint32_t ours;
		switch (*state) {
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			ours = WGB_WINDOW_STATE_MAXIMIZED;
			break;
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			ours = WGB_WINDOW_STATE_FULLSCREEN;
			break;
		case XDG_TOPLEVEL_STATE_RESIZING:
			ours = WGB_WINDOW_STATE_RESIZING;
			break;
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			ours = WGB_WINDOW_STATE_ACTIVATED;
			break;
		default:
			continue;
		}
		uint32_t *slot = wl_array_add(&p->configure_states, sizeof(*slot));
		if (slot) {
			*slot = ours;
		}
	}
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct bridge_presenter *p = data;
	wgb_window_send_close(p->window->resource);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void popup_configure(
	void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t width, int32_t height)
{
}

static void popup_done(void *data, struct xdg_popup *popup)
{
	struct bridge_presenter *p = data;
	wgb_window_send_popup_done(p->window->resource);
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
};

static void decoration_configure(
	void *data, struct zxdg_toplevel_decoration_v1 *decoration, uint32_t mode)
{
	bridge_log(BRIDGE_LOG_DEBUG, "decoration mode %s",
		mode == ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE ? "server side"
								     : "client side");
}

static const struct zxdg_toplevel_decoration_v1_listener decoration_listener = {
	.configure = decoration_configure,
};

static bool make_popup(struct bridge_presenter *p)
{
	struct bridge_window *window = p->window;
	struct bridge_presenter *parent = window->parent->presenter;
	if (!parent) {
		return false;
	}
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(p->dom0->wm_base);
	if (!positioner) {
		return false;
	}
	/* both surfaces have the same frame width: the popup's content lands
	 * at (x, y) of the parent's content when its surface is at (x, y) of
	 * the parent's surface */
	int32_t parent_w = parent->width + 2 * parent->border;
	int32_t parent_h = parent->height + 2 * parent->border;
	int32_t ax = window->popup_x, ay = window->popup_y;
	/* the anchor must lie inside the parent: clamp it there and let the
	 * compositor slide the popup */
	ax = ax < 0 ? 0 : ax >= parent_w ? parent_w - 1 : ax;
	ay = ay < 0 ? 0 : ay >= parent_h ? parent_h - 1 : ay;
	xdg_positioner_set_size(positioner, window->popup_width + 2 * p->border,
		window->popup_height + 2 * p->border);
	xdg_positioner_set_anchor_rect(positioner, ax, ay, 1, 1);
	xdg_positioner_set_anchor(positioner, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(positioner, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	xdg_positioner_set_offset(positioner, window->popup_x - ax, window->popup_y - ay);
	xdg_positioner_set_constraint_adjustment(
		positioner, XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X |
				    XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_Y);
	p->popup = xdg_surface_get_popup(p->xdg_surface, parent->xdg_surface, positioner);
	xdg_positioner_destroy(positioner);
	xdg_popup_add_listener(p->popup, &popup_listener, p);
	return true;
}

static void apply_toplevel_state(struct bridge_presenter *p)
{
	if (p->title) {
		xdg_toplevel_set_title(p->toplevel, p->title);
	}
	if (p->app_id) {
		xdg_toplevel_set_app_id(p->toplevel, p->app_id);
	}
	xdg_toplevel_set_min_size(p->toplevel, p->min_w, p->min_h);
	xdg_toplevel_set_max_size(p->toplevel, p->max_w, p->max_h);
}

/* Destroys the dom0 surface and its role; popups on it go first, as
 * xdg-shell wants. */
static void destroy_role(struct bridge_presenter *p)
{
	if (!p->surface) {
		return;
	}
	struct bridge_window *popup;
	wl_list_for_each(popup, &p->window->popups, popup_link)
	{
		if (popup->presenter) {
			hide(popup->presenter);
		}
	}
	if (p->frame_callback) {
		wl_callback_destroy(p->frame_callback);
		p->frame_callback = NULL;
	}
	feedbacks_destroy(p);
	if (p->decoration) {
		zxdg_toplevel_decoration_v1_destroy(p->decoration);
		p->decoration = NULL;
	}
	if (p->popup) {
		xdg_popup_destroy(p->popup);
		p->popup = NULL;
	}
	if (p->toplevel) {
		xdg_toplevel_destroy(p->toplevel);
		p->toplevel = NULL;
	}
	xdg_surface_destroy(p->xdg_surface);
	p->xdg_surface = NULL;
	for (int i = 0; i < NSIDES; i++) {
		if (p->subsurfaces[i]) {
			wl_subsurface_destroy(p->subsurfaces[i]);
			wl_surface_destroy(p->sides[i]);
			p->subsurfaces[i] = NULL;
			p->sides[i] = NULL;
		}
	}
	wl_surface_destroy(p->surface);
	p->surface = NULL;
	p->configured = false;
}

/* A dom0 surface with its role, committed once: the compositor answers
 * with a configure. False for a popup whose parent is hidden. */
static bool create_role(struct bridge_presenter *p)
{
	struct bridge_window *window = p->window;
	if (window->parent &&
		(!window->parent->presenter || !window->parent->presenter->xdg_surface)) {
		return false;
	}
	p->surface = wl_compositor_create_surface(p->dom0->compositor);
	wl_surface_set_user_data(p->surface, p);
	for (int i = 0; p->border > 0 && i < NSIDES; i++) {
		p->sides[i] = wl_compositor_create_surface(p->dom0->compositor);
		wl_surface_set_user_data(p->sides[i], p);
		p->subsurfaces[i] = wl_subcompositor_get_subsurface(
			p->dom0->subcompositor, p->sides[i], p->surface);
	}
	p->xdg_surface = xdg_wm_base_get_xdg_surface(p->dom0->wm_base, p->surface);
	xdg_surface_add_listener(p->xdg_surface, &xdg_surface_listener, p);
	if (window->parent) {
		make_popup(p);
	} else {
		p->toplevel = xdg_surface_get_toplevel(p->xdg_surface);
		xdg_toplevel_add_listener(p->toplevel, &toplevel_listener, p);
		apply_toplevel_state(p);
		if (p->dom0->decoration_manager) {
			p->decoration = zxdg_decoration_manager_v1_get_toplevel_decoration(
				p->dom0->decoration_manager, p->toplevel);
			zxdg_toplevel_decoration_v1_add_listener(
				p->decoration, &decoration_listener, p);
			zxdg_toplevel_decoration_v1_set_mode(
				p->decoration, ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
		}
	}
	wl_surface_commit(p->surface);
	p->hidden = false;
	return true;
}

/* Gone from dom0 until the next buffer. Unmapping with a null buffer and
 * mapping again is not reliable across compositors (wlroots 0.15 sends no
 * new configure), so the surface goes, and our buffers with it. */
static void hide(struct bridge_presenter *p)
{
	destroy_role(p);
	/* what was committed so far will not be shown */
	bridge_window_feedbacks_discard(p->window, p->window->commit_seq, true);
	free_frame(p);
	p->hidden = true;
}

struct bridge_presenter *bridge_presenter_create(struct bridge_window *window)
{
	struct bridge_daemon *daemon = window->guest->daemon;
	struct bridge_presenter *p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->window = window;
	p->dom0 = daemon->dom0;
	p->border = (int32_t)daemon->config.border_width;
	p->label = daemon->config.label;
	wl_array_init(&p->configure_states);
	wl_list_init(&p->feedbacks);
	pixman_region32_init(&p->queued_damage);
	wl_list_init(&p->queued_destroy.link);
	p->queued_destroy.notify = handle_queued_destroy;
	char title[128];
	snprintf(title, sizeof(title), "[%s]", daemon->config.vm_name);
	p->title = strdup(title);
	if (!p->title) {
		free(p);
		return NULL;
	}
	if (!create_role(p)) {
		p->hidden = true;
	}
	return p;
}

void bridge_presenter_destroy(struct bridge_presenter *p)
{
	if (!p) {
		return;
	}
	set_queued(p, NULL);
	destroy_role(p);
	free_frame(p);
	pixman_region32_fini(&p->queued_damage);
	wl_array_release(&p->configure_states);
	free(p->title);
	free(p->app_id);
	free(p);
}

void bridge_presenter_set_title(struct bridge_presenter *p, const char *title)
{
	char *copy = p ? strdup(title) : NULL;
	if (!copy) {
		return;
	}
	bridge_log(BRIDGE_LOG_DEBUG, "title: %s", title);
	free(p->title);
	p->title = copy;
	if (p->toplevel) {
		xdg_toplevel_set_title(p->toplevel, title);
	}
}

void bridge_presenter_set_app_id(struct bridge_presenter *p, const char *app_id)
{
	char *copy = p ? strdup(app_id) : NULL;
	if (!copy) {
		return;
	}
	free(p->app_id);
	p->app_id = copy;
	if (p->toplevel) {
		xdg_toplevel_set_app_id(p->toplevel, app_id);
	}
}

void bridge_presenter_set_size_limits(
	struct bridge_presenter *p, bool min, int32_t width, int32_t height)
{
	if (!p || p->window->parent) {
		return;
	}
	/* 0 stays "no limit"; otherwise the frame is added */
	int32_t w = width ? width + 2 * p->border : 0;
	int32_t h = height ? height + 2 * p->border : 0;
	if (min) {
		p->min_w = w;
		p->min_h = h;
	} else {
		p->max_w = w;
		p->max_h = h;
	}
	if (p->toplevel) {
		apply_toplevel_state(p);
		p->state_changed = true;
	}
}

struct bridge_window *bridge_presenter_window_from_surface(
	struct bridge_daemon *daemon, void *surface, int32_t *x, int32_t *y)
{
	struct bridge_presenter *p = surface ? wl_surface_get_user_data(surface) : NULL;
	if (!p) {
		return NULL;
	}
	int32_t b = p->border;
	*x = b;
	*y = b;
	if (surface == p->sides[SIDE_TOP]) {
		*x = 0;
		*y = 0;
	} else if (surface == p->sides[SIDE_BOTTOM]) {
		*x = 0;
		*y = b + p->height;
	} else if (surface == p->sides[SIDE_LEFT]) {
		*x = 0;
	} else if (surface == p->sides[SIDE_RIGHT]) {
		*x = b + p->width;
	}
	return p->window;
}

int32_t bridge_presenter_get_border(struct bridge_presenter *p)
{
	return p ? p->border : 0;
}

void bridge_presenter_get_size(struct bridge_presenter *p, int32_t *width, int32_t *height)
{
	*width = p ? p->width : 0;
	*height = p ? p->height : 0;
}
