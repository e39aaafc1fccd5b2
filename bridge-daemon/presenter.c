/*
 * Presents a guest window in dom0: an xdg_toplevel (or xdg_popup), two
 * wl_shm buffers of our own made once per content size and reused, the
 * frame drawn in the label color around the content where the guest cannot
 * reach, and only damaged rectangles copied from the guest's pool.
 *
 * Each shm buffer keeps the region in which it is older than the one last
 * shown (stale). Before a buffer is reused, its stale part outside the new
 * damage is brought up to date from the last shown buffer, so that pixels
 * the guest did not damage never change, and the guest's pool is read only
 * where it said it drew.
 *
 * Each slot is two wl_buffers over the same pixels, argb8888 and xrgb8888
 * (mandatory in wl_shm): a guest's xrgb8888 buffer (an opaque window) is
 * copied into the xrgb8888 one, a plain copy instead of a per-pixel setting
 * of alpha, and shown so. The frame is drawn opaque, right in both. When
 * the guest's format changes, the whole content is copied again: the top
 * bytes an xrgb8888 copy left are not alpha.
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

#define NSLOTS 2

struct shm_slot {
	struct wl_buffer *buffer;        /* argb8888 */
	struct wl_buffer *opaque_buffer; /* xrgb8888, the same pixels */
	pixman_image_t *image;
	pixman_image_t *opaque_image;
	pixman_region32_t stale; /* content pixels older than the front slot's */
	bool busy;               /* the compositor holds it */
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
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct xdg_popup *popup;
	struct zxdg_toplevel_decoration_v1 *decoration;
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

	/* our buffers, for content of width x height */
	int32_t width, height;
	struct shm_slot slots[NSLOTS];
	int front;   /* the slot last shown, -1 none */
	bool opaque; /* the slots' content was last copied as xrgb8888 */
	void *shm_data;
	size_t shm_size;

	/* the last commit, until a free slot takes it */
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

static void free_slots(struct bridge_presenter *p)
{
	for (int i = 0; i < NSLOTS; i++) {
		struct shm_slot *slot = &p->slots[i];
		if (slot->buffer) {
			wl_buffer_destroy(slot->buffer);
			wl_buffer_destroy(slot->opaque_buffer);
			pixman_image_unref(slot->image);
			pixman_image_unref(slot->opaque_image);
			pixman_region32_fini(&slot->stale);
		}
		memset(slot, 0, sizeof(*slot));
	}
	if (p->shm_data) {
		munmap(p->shm_data, p->shm_size);
		p->shm_data = NULL;
		p->window->guest->shm_bytes -= p->shm_size;
	}
	p->front = -1;
	p->width = p->height = 0;
}

static void buffer_release(void *data, struct wl_buffer *buffer)
{
	struct bridge_presenter *p = data;
	for (int i = 0; i < NSLOTS; i++) {
		if (p->slots[i].buffer == buffer || p->slots[i].opaque_buffer == buffer) {
			p->slots[i].busy = false;
		}
	}
	present(p);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

/* Our buffers for content of WIDTH x HEIGHT, the frame already drawn. */
static bool alloc_slots(struct bridge_presenter *p, int32_t width, int32_t height)
{
	free_slots(p);
	int32_t total_w = width + 2 * p->border, total_h = height + 2 * p->border;
	int32_t stride = total_w * 4;
	size_t slot_size = (size_t)stride * (size_t)total_h;
	size_t size = slot_size * NSLOTS;
	if (size > INT32_MAX) {
		/* wl_shm pools are int32-sized */
		bridge_log(BRIDGE_LOG_ERROR, "window of %dx%d too large for wl_shm", width, height);
		return false;
	}
	struct bridge_guest *guest = p->window->guest;
	if (guest->shm_bytes + size > bridge_guest_shm_budget(guest)) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_LIMIT,
			"windows would take more than %" PRIu64 " bytes of dom0 memory",
			bridge_guest_shm_budget(guest));
		return false;
	}
	int fd = memfd_create("bridge-daemon-window", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "shm for a window of %dx%d", width, height);
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "mmap of %zu bytes", size);
		close(fd);
		return false;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(p->dom0->shm, fd, (int32_t)size);
	close(fd);
	p->shm_data = data;
	p->shm_size = size;
	guest->shm_bytes += size;
	pixman_color_t color = {
		.red = (uint16_t)(((p->label >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((p->label >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((p->label & 0xff) * 0x101),
		.alpha = 0xffff,
	};
	for (int i = 0; i < NSLOTS; i++) {
		struct shm_slot *slot = &p->slots[i];
		uint32_t *bits = (uint32_t *)(void *)((uint8_t *)data + slot_size * (size_t)i);
		slot->image =
			pixman_image_create_bits(PIXMAN_a8r8g8b8, total_w, total_h, bits, stride);
		slot->opaque_image =
			pixman_image_create_bits(PIXMAN_x8r8g8b8, total_w, total_h, bits, stride);
		slot->buffer = wl_shm_pool_create_buffer(pool, (int32_t)(slot_size * (size_t)i),
			total_w, total_h, stride, WL_SHM_FORMAT_ARGB8888);
		wl_buffer_add_listener(slot->buffer, &buffer_listener, p);
		slot->opaque_buffer =
			wl_shm_pool_create_buffer(pool, (int32_t)(slot_size * (size_t)i), total_w,
				total_h, stride, WL_SHM_FORMAT_XRGB8888);
		wl_buffer_add_listener(slot->opaque_buffer, &buffer_listener, p);
		pixman_region32_init_rect(&slot->stale, 0, 0, (uint32_t)width, (uint32_t)height);
		/* the frame: the whole buffer in the label color; the content
		 * area is overwritten by the first copy */
		pixman_box32_t box = {0, 0, total_w, total_h};
		pixman_image_fill_boxes(PIXMAN_OP_SRC, slot->image, &color, 1, &box);
	}
	wl_shm_pool_destroy(pool);
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

static int pick_slot(struct bridge_presenter *p)
{
	for (int i = 0; i < NSLOTS; i++) {
		if (i != p->front && !p->slots[i].busy) {
			return i;
		}
	}
	if (p->front >= 0 && !p->slots[p->front].busy) {
		return p->front;
	}
	return -1;
}

static void copy_region(pixman_image_t *src, int32_t src_offset, pixman_image_t *dst,
	int32_t dst_offset, pixman_region32_t *region)
{
	int n;
	pixman_box32_t *rects = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++) {
		pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, dst, rects[i].x1 + src_offset,
			rects[i].y1 + src_offset, 0, 0, rects[i].x1 + dst_offset,
			rects[i].y1 + dst_offset, rects[i].x2 - rects[i].x1,
			rects[i].y2 - rects[i].y1);
	}
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
	if (!buffer || !buffer->image) {
		/* the guest destroyed it before we could copy it */
		set_queued(p, NULL);
		p->have_queued = false;
		return;
	}
	int b = pick_slot(p);
	if (b < 0) {
		return; /* wait for a release */
	}
	struct shm_slot *slot = &p->slots[b];
	bool opaque = buffer->format == WL_SHM_FORMAT_XRGB8888;
	if (opaque != p->opaque) {
		pixman_region32_union_rect(&p->queued_damage, &p->queued_damage, 0, 0,
			(uint32_t)p->width, (uint32_t)p->height);
		p->opaque = opaque;
	}
	pixman_image_t *image = opaque ? slot->opaque_image : slot->image;
	if (p->front >= 0 && p->front != b) {
		struct shm_slot *front = &p->slots[p->front];
		pixman_region32_t patch;
		pixman_region32_init(&patch);
		pixman_region32_subtract(&patch, &slot->stale, &p->queued_damage);
		copy_region(opaque ? front->opaque_image : front->image, p->border, image,
			p->border, &patch);
		pixman_region32_fini(&patch);
	}
	copy_region(buffer->image, 0, image, p->border, &p->queued_damage);
	for (int i = 0; i < NSLOTS; i++) {
		if (i != b) {
			pixman_region32_union(
				&p->slots[i].stale, &p->slots[i].stale, &p->queued_damage);
		}
	}
	pixman_region32_clear(&slot->stale);

	wl_surface_attach(p->surface, opaque ? slot->opaque_buffer : slot->buffer, 0, 0);
	if (p->front < 0) {
		wl_surface_damage_buffer(p->surface, 0, 0, INT32_MAX, INT32_MAX);
	} else {
		int n;
		pixman_box32_t *rects = pixman_region32_rectangles(&p->queued_damage, &n);
		for (int i = 0; i < n; i++) {
			wl_surface_damage_buffer(p->surface, rects[i].x1 + p->border,
				rects[i].y1 + p->border, rects[i].x2 - rects[i].x1,
				rects[i].y2 - rects[i].y1);
		}
	}
	request_frame(p);
	request_feedback(p);
	wl_surface_commit(p->surface);
	p->state_changed = false;
	slot->busy = true;
	p->front = b;

	/* everything needed was copied: the guest may draw into it again */
	wgb_buffer_send_release(buffer->resource);
	set_queued(p, NULL);
	p->have_queued = false;
	pixman_region32_clear(&p->queued_damage);
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
		if (p->queued) {
			wgb_buffer_send_release(p->queued->resource);
		}
		set_queued(p, NULL);
		pixman_region32_clear(&p->queued_damage);
		p->have_queued = false;
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
		if (buffer->width != p->width || buffer->height != p->height) {
			if (!alloc_slots(p, buffer->width, buffer->height)) {
				/* no-op when the budget check already failed it */
				bridge_guest_fail(p->window->guest, WGB_BRIDGE_ERROR_LIMIT,
					"cannot show a buffer of %dx%d", buffer->width,
					buffer->height);
				return;
			}
			pixman_region32_union_rect(&p->queued_damage, &p->queued_damage, 0, 0,
				(uint32_t)buffer->width, (uint32_t)buffer->height);
		}
		pixman_region32_union(&p->queued_damage, &p->queued_damage, damage);
		pixman_region32_intersect_rect(&p->queued_damage, &p->queued_damage, 0, 0,
			(uint32_t)p->width, (uint32_t)p->height);
		if (p->queued && p->queued != buffer) {
			/* replaced before we copied it: we will not read it */
			wgb_buffer_send_release(p->queued->resource);
		}
		set_queued(p, buffer);
		if (pixman_region32_not_empty(&p->queued_damage)) {
			p->have_queued = true;
		} else if (!p->have_queued) {
			/* nothing changed: nothing to read */
			wgb_buffer_send_release(buffer->resource);
			set_queued(p, NULL);
		}
	}
	if (p->have_queued) {
		present(p);
	}
	if (p->hidden) {
		/* nothing of this window is shown until its next buffer */
		bridge_window_feedbacks_discard(p->window, p->window->commit_seq, true);
	}
	/* a commit with no new content: its feedback is answered when dom0
	 * shows the surface next, as wp_presentation does */
	if (p->surface && p->configured && !p->have_queued &&
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
	free_slots(p);
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
	p->front = -1;
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
	free_slots(p);
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

void bridge_presenter_forget_buffer(struct bridge_presenter *p, struct bridge_buffer *b)
{
	if (p && p->queued == b) {
		set_queued(p, NULL);
	}
}

struct bridge_window *bridge_presenter_window_from_surface(
	struct bridge_daemon *daemon, void *surface)
{
	if (!surface) {
		return NULL;
	}
	struct bridge_presenter *p = wl_surface_get_user_data(surface);
	return p ? p->window : NULL;
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
