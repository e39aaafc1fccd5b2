/*
 * The window composer.
 *
 * Damage: every commit in a window's surface tree adds the surface's
 * effective damage, moved into window coordinates (the xdg geometry's
 * origin is the window's 0,0), to the window and to every buffer of its
 * pool. Writing a buffer redraws exactly what that buffer misses (its
 * `stale` region), so with three buffers in flight no pixel is copied that
 * did not change since that buffer was last written. A change of layout
 * (a subsurface moved, mapped or unmapped, the geometry moved) is full
 * damage.
 *
 * A surface's texture is first a view of the client's buffer (texture.c):
 * the composer copies a commit's damage straight from what the app drew
 * into a grant buffer, then gives the app its buffer back. The texture
 * keeps its pixels in that grant buffer when they are there 1:1 (the
 * buffer is pinned: not written again until they moved out), else in a
 * copy of its own, so the composer can still redraw a stale buffer, a
 * moved subsurface, or a whole window after the daemon restarted. A
 * buffer that could not be composed yet (no grant buffer free) goes back,
 * copied, at the latest before the app's next frame callback.
 *
 * Format: a window whose every pixel an opaque surface covers (an
 * XRGB8888 buffer or a declared opaque region) is composed into the
 * buffer's x8r8g8b8 view and sent as xrgb8888, so that an XRGB8888 app's
 * pixels are copied with a blt rather than converted one by one; anything
 * else as argb8888.
 *
 * Pacing: the app's frame callbacks follow dom0's frame events. When one
 * frame at a time misses dom0's refresh (twice in a row, from answering
 * the app to the frame event of its next pixels took over 1.5 refresh
 * periods of dom0's fastest output), the window goes one frame ahead, so
 * that the app draws and the agent composes the next frame while dom0
 * shows this one: a commit whose new pixels go to dom0 with a frame
 * request is answered at once. The app's next frame, if it comes before
 * that frame event (or, one at a time, an app's second commit before it),
 * is composed into a free grant buffer but waits there (`ready`) for the
 * event; it goes out then, and its app is answered then (one at a time:
 * by that frame's own event, so an app that commits twice a frame has
 * both shown, one a frame, rather than one replaced unshown). So at most
 * two frames are in flight, only one of them in dom0, and dom0 never gets
 * a frame to replace before it was shown. Every PIPELINE_FRAMES frames
 * the window tries one at a time again: where that keeps up with the
 * refresh (a small window, a fast host) going ahead would only add a
 * frame of latency. A commit without new pixels, or one that finds every
 * grant buffer busy, is answered by a frame event, as is every callback
 * while no frame went out. A configure ack does not wait: a frame
 * composed ahead goes with it. A hidden window gets no frame events: its
 * app draws at most one frame past the last one sent, then waits.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-client.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>

#include "compose.h"
#include "link.h"
#include "log.h"
#include "output.h"
#include "pool.h"
#include "server.h"
#include "texture.h"
#include "window.h"
#include "wl-grant-bridge-client-protocol.h"

#define MAX_DAMAGE_RECTS 64

struct window_surface {
	struct bridge_window *window;
	struct wlr_surface *surface;
	struct wl_list link; /* bridge_window::surfaces */
	struct wl_listener commit;
	struct wl_listener destroy;
	struct wl_listener new_subsurface;
};

/* an app surface's presentation feedback, sampled into a window commit */
struct window_feedback {
	struct wlr_presentation_feedback *feedback;
	struct wl_list link; /* link_feedback::feedbacks or a local list */
};

/* a dom0 frame event asked for with a window commit */
struct window_frame {
	struct bridge_window *window;
	struct wgb_frame *proxy;
	struct wl_list link; /* bridge_window::frames */
	bool content;        /* asked for with new pixels */
	int64_t since_ns;    /* the app's answer before those pixels */
};

/* Frames a window stays one ahead before it tries again without: the
 * probe costs one slow frame in this many. */
#define PIPELINE_FRAMES 120

/* Protocol limit the daemon grants every agent: wgb_feedbacks of a window
 * not yet answered. */
#define MAX_LINK_FEEDBACKS 16

/* the daemon's wgb_feedback for one window commit, and the apps' feedbacks
 * it answers */
struct link_feedback {
	struct bridge_window *window;
	struct wgb_feedback *proxy;
	struct wl_list feedbacks; /* window_feedback::link */
	struct wl_list link;      /* bridge_window::link_feedbacks */
};

static struct wl_listener link_up, link_down, link_room;
static struct wl_event_source *retry_idle;

static void schedule_flush(struct bridge_window *window);
static void track_surface(struct bridge_window *window, struct wlr_surface *surface);

static struct wlr_surface *root_surface(struct bridge_window *window)
{
	return window->xdg->surface;
}

static void window_geometry(struct bridge_window *window, struct wlr_box *geo)
{
	wlr_xdg_surface_get_geometry(window->xdg, geo);
	struct bridge_link *link = window->server->link;
	if (link->ready) {
		if (geo->width > (int)link->limits.max_width) {
			geo->width = (int)link->limits.max_width;
		}
		if (geo->height > (int)link->limits.max_height) {
			geo->height = (int)link->limits.max_height;
		}
	}
}

static void add_damage(struct bridge_window *window, pixman_region32_t *region)
{
	pixman_region32_union(&window->damage, &window->damage, region);
	if (window->pool) {
		bridge_pool_damage(window->pool, region);
	}
	window->dirty = true;
}

static void add_full_damage(struct bridge_window *window)
{
	pixman_region32_t full;
	pixman_region32_init_rect(&full, 0, 0, 65535, 65535);
	add_damage(window, &full);
	pixman_region32_fini(&full);
}

/* --- feedback and frames ------------------------------------------------ */

static void feedbacks_discard(struct wl_list *list)
{
	struct window_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, list, link)
	{
		wlr_presentation_feedback_destroy(fb->feedback);
		wl_list_remove(&fb->link);
		free(fb);
	}
}

static void sample_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct bridge_window *window = data;
	struct wl_list *sampled = window->sampled;
	struct wlr_presentation_feedback *feedback =
		wlr_presentation_surface_sampled(window->server->presentation, surface);
	if (!feedback) {
		return;
	}
	struct window_feedback *fb = calloc(1, sizeof(*fb));
	if (!fb) {
		wlr_presentation_feedback_destroy(feedback);
		return;
	}
	fb->feedback = feedback;
	wl_list_insert(sampled->prev, &fb->link);
}

/* The apps' feedbacks end with their window's: destroyed unanswered,
 * which wlroots tells the apps as discarded. */
static void link_feedback_destroy(struct link_feedback *lf)
{
	feedbacks_discard(&lf->feedbacks);
	wgb_feedback_destroy(lf->proxy);
	wl_list_remove(&lf->link);
	lf->window->nlink_feedbacks--;
	free(lf);
}

static void feedback_handle_presented(void *data, struct wgb_feedback *proxy, uint32_t tv_sec_hi,
	uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t flags)
{
	struct link_feedback *lf = data;
	struct wlr_output *output = bridge_output_any(lf->window->server);
	if (output) {
		struct wlr_presentation_event event = {
			.output = output,
			.tv_sec = (uint64_t)tv_sec_hi << 32 | tv_sec_lo,
			.tv_nsec = tv_nsec,
			.refresh = refresh,
			.flags = flags,
		};
		struct window_feedback *fb;
		wl_list_for_each(fb, &lf->feedbacks, link)
		{
			wlr_presentation_feedback_send_presented(fb->feedback, &event);
		}
	}
	link_feedback_destroy(lf);
}

static void feedback_handle_discarded(void *data, struct wgb_feedback *proxy)
{
	link_feedback_destroy(data);
}

static const struct wgb_feedback_listener feedback_listener = {
	.presented = feedback_handle_presented,
	.discarded = feedback_handle_discarded,
};

/* The apps that asked for presentation feedback on what this commit shows
 * get it from a wgb_feedback; if the daemon cannot give one, discarded. */
static void request_feedback(struct bridge_window *window)
{
	struct wl_list sampled;
	wl_list_init(&sampled);
	window->sampled = &sampled;
	wlr_surface_for_each_surface(root_surface(window), sample_surface, window);
	window->sampled = NULL;
	if (wl_list_empty(&sampled)) {
		return;
	}
	struct bridge_link *link = window->server->link;
	struct link_feedback *lf = NULL;
	if ((link->limits.capabilities & WGB_BRIDGE_CAPABILITY_PRESENTATION) &&
		window->nlink_feedbacks < MAX_LINK_FEEDBACKS) {
		lf = calloc(1, sizeof(*lf));
	}
	if (lf) {
		lf->proxy = wgb_window_feedback(window->proxy);
	}
	if (!lf || !lf->proxy) {
		free(lf);
		feedbacks_discard(&sampled);
		return;
	}
	lf->window = window;
	wl_list_init(&lf->feedbacks);
	wl_list_insert_list(&lf->feedbacks, &sampled);
	wgb_feedback_add_listener(lf->proxy, &feedback_listener, lf);
	wl_list_insert(window->link_feedbacks.prev, &lf->link);
	window->nlink_feedbacks++;
}

static void send_done(struct wlr_surface *surface, int sx, int sy, void *data)
{
	/* a buffer not composed yet (no window buffer was free) goes back
	 * before the app is asked to draw again: it may have only that one */
	struct wlr_texture *texture = wlr_surface_get_texture(surface);
	if (bridge_texture_holds_buffer(texture)) {
		bridge_texture_release(texture, NULL, 0, 0, NULL);
	}
	wlr_surface_send_frame_done(surface, data);
}

static int64_t now_ns(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Only an app that waited for a frame event and draws after it times one
 * frame at a time; EARLY: it did not wait. */
static void answer_app(struct bridge_window *window, bool early)
{
	struct timespec now;
	int64_t ns = now_ns(&now);
	bool waiting = !wl_list_empty(&root_surface(window)->current.frame_callback_list);
	window->answered_ns = waiting && !early ? ns : 0;
	wlr_surface_for_each_surface(root_surface(window), send_done, &now);
}

static bool content_in_flight(struct bridge_window *window)
{
	struct window_frame *wf;
	wl_list_for_each(wf, &window->frames, link)
	{
		if (wf->content) {
			return true;
		}
	}
	return false;
}

static void window_frame_destroy(struct window_frame *wf)
{
	wgb_frame_destroy(wf->proxy);
	wl_list_remove(&wf->link);
	free(wf);
}

static void flush(struct bridge_window *window);

static void frame_handle_done(void *data, struct wgb_frame *frame, uint32_t time)
{
	struct window_frame *wf = data;
	struct bridge_window *window = wf->window;
	if (wf->content && !window->pipeline && wf->since_ns) {
		/* one frame at a time, from answer to frame event, missed a
		 * refresh of dom0's: go one frame ahead */
		struct timespec ts;
		int64_t cycle = now_ns(&ts) - wf->since_ns;
		if (2 * cycle <= 3 * bridge_output_min_period_ns(window->server)) {
			window->slow_cycles = 0;
		} else if (++window->slow_cycles >= 2) {
			/* twice in a row: not the one slow frame of a new pool */
			window->slow_cycles = 0;
			window->pipeline = true;
			window->pipeline_left = PIPELINE_FRAMES;
		}
	}
	window_frame_destroy(wf);
	/* a frame composed ahead goes now; its app is answered as it goes
	 * out when the window is a frame ahead, else by its own frame event */
	bool had_ready = window->ready != NULL;
	if (had_ready) {
		window->answered_ns = 0; /* it was drawn ahead: not timed */
		flush(window);
	}
	/* else whatever callbacks are left are answered by this event */
	if (!had_ready || window->ready) {
		answer_app(window, false);
	}
	if (window->want_frame || window->ready) {
		schedule_flush(window);
	}
}

static const struct wgb_frame_listener frame_listener = {
	.done = frame_handle_done,
};

static bool request_frame(struct bridge_window *window, bool content)
{
	struct window_frame *wf = calloc(1, sizeof(*wf));
	if (!wf) {
		return false;
	}
	wf->proxy = wgb_window_frame(window->proxy);
	if (!wf->proxy) {
		free(wf);
		return false;
	}
	wf->window = window;
	wf->content = content;
	wf->since_ns = window->answered_ns;
	wgb_frame_add_listener(wf->proxy, &frame_listener, wf);
	wl_list_insert(window->frames.prev, &wf->link);
	window->want_frame = false;
	return true;
}

/* --- the link window ---------------------------------------------------- */

static void handle_pool_ready(struct wl_listener *listener, void *data)
{
	struct bridge_window *window = wl_container_of(listener, window, pool_ready);
	if (window->dirty) {
		schedule_flush(window);
	}
}

static void window_handle_configure(void *data, struct wgb_window *proxy, int32_t width,
	int32_t height, struct wl_array *states, uint32_t serial)
{
	struct bridge_window *window = data;
	if (window->xdg->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		/* popups take no configure from dom0: ack at once */
		window->daemon_serial = serial;
		window->ack_pending = true;
		schedule_flush(window);
		return;
	}
	bool maximized = false, fullscreen = false, resizing = false, activated = false;
	uint32_t *state;
	wl_array_for_each(state, states)
	{
		switch (*state) {
		case WGB_WINDOW_STATE_MAXIMIZED:
			maximized = true;
			break;
		case WGB_WINDOW_STATE_FULLSCREEN:
			fullscreen = true;
			break;
		case WGB_WINDOW_STATE_RESIZING:
			resizing = true;
			break;
		case WGB_WINDOW_STATE_ACTIVATED:
			activated = true;
			break;
		}
	}
	struct wlr_xdg_surface *xdg = window->xdg;
	wlr_xdg_toplevel_set_size(
		xdg, width < 0 ? 0 : (uint32_t)width, height < 0 ? 0 : (uint32_t)height);
	wlr_xdg_toplevel_set_maximized(xdg, maximized);
	wlr_xdg_toplevel_set_fullscreen(xdg, fullscreen);
	wlr_xdg_toplevel_set_resizing(xdg, resizing);
	window->xdg_serial = wlr_xdg_toplevel_set_activated(xdg, activated);
	window->daemon_serial = serial;
	window->configure_pending = true;
}

static void window_handle_close(void *data, struct wgb_window *proxy)
{
	struct bridge_window *window = data;
	if (window->xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		wlr_xdg_toplevel_send_close(window->xdg);
	}
}

static void window_handle_popup_done(void *data, struct wgb_window *proxy)
{
	struct bridge_window *window = data;
	if (window->xdg->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		wlr_xdg_popup_destroy(window->xdg);
	}
}

static const struct wgb_window_listener window_listener = {
	.configure = window_handle_configure,
	.close = window_handle_close,
	.popup_done = window_handle_popup_done,
};

struct bridge_window *bridge_window_from_proxy(struct wgb_window *proxy)
{
	if (!proxy || wl_proxy_get_listener((struct wl_proxy *)proxy) != &window_listener) {
		return NULL;
	}
	return wl_proxy_get_user_data((struct wl_proxy *)proxy);
}

static void send_info(struct bridge_window *window)
{
	if (window->xdg->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL || !window->proxy) {
		return;
	}
	struct wlr_xdg_toplevel *toplevel = window->xdg->toplevel;
	wgb_window_set_title(window->proxy, toplevel->title ? toplevel->title : "");
	wgb_window_set_app_id(window->proxy, toplevel->app_id ? toplevel->app_id : "");
	window->min_w = window->min_h = window->max_w = window->max_h = -1;
	window->info_dirty = true;
}

static void send_size_limits(struct bridge_window *window)
{
	if (window->xdg->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL || !window->proxy) {
		return;
	}
	struct bridge_link *link = window->server->link;
	struct wlr_xdg_toplevel_state *s = &window->xdg->toplevel->current;
	int min_w = (int)s->min_width, min_h = (int)s->min_height;
	int max_w = (int)s->max_width, max_h = (int)s->max_height;
	/* clamp to what the daemon accepts: a limit it cannot honour anyway */
	min_w = min_w > (int)link->limits.max_width ? (int)link->limits.max_width : min_w;
	min_h = min_h > (int)link->limits.max_height ? (int)link->limits.max_height : min_h;
	max_w = max_w > (int)link->limits.max_width ? 0 : max_w;
	max_h = max_h > (int)link->limits.max_height ? 0 : max_h;
	if (min_w != window->min_w || min_h != window->min_h) {
		wgb_window_set_min_size(window->proxy, min_w, min_h);
		window->min_w = min_w;
		window->min_h = min_h;
		window->info_dirty = true;
	}
	if (max_w != window->max_w || max_h != window->max_h) {
		wgb_window_set_max_size(window->proxy, max_w, max_h);
		window->max_w = max_w;
		window->max_h = max_h;
		window->info_dirty = true;
	}
}

static void link_window_destroy(struct bridge_window *window, bool link_alive);

static bool link_window_create(struct bridge_window *window)
{
	struct bridge_link *link = window->server->link;
	if (window->proxy || !link->ready || !window->mapped) {
		return window->proxy != NULL;
	}
	if (bridge_windows_count_on_link(window->server) >= (int)link->limits.max_windows) {
		static bool logged;
		if (!logged) {
			bridge_log(BRIDGE_LOG_ERROR, "dom0 allows %u windows: more wait for room",
				link->limits.max_windows);
			logged = true;
		}
		return false;
	}
	if (window->parent) {
		if (!window->parent->proxy) {
			return false;
		}
		struct wlr_box geo;
		window_geometry(window, &geo);
		struct wlr_xdg_popup *popup = window->xdg->popup;
		window->popup_box = (struct wlr_box){
			.x = popup->geometry.x,
			.y = popup->geometry.y,
			.width = geo.width,
			.height = geo.height,
		};
		window->proxy = wgb_bridge_create_popup(link->bridge, window->parent->proxy,
			window->popup_box.x, window->popup_box.y, window->popup_box.width,
			window->popup_box.height);
	} else {
		window->proxy = wgb_bridge_create_toplevel(link->bridge);
	}
	if (!window->proxy) {
		bridge_link_schedule_lost(link, "out of memory");
		return false;
	}
	wgb_window_add_listener(window->proxy, &window_listener, window);
	send_info(window);
	window->layout_hash = 0;
	add_full_damage(window);
	schedule_flush(window);
	/* popups on this window come back too */
	struct bridge_window *child;
	wl_list_for_each(child, &window->server->windows, link)
	{
		if (child->parent == window) {
			link_window_create(child);
		}
	}
	return true;
}

static void link_window_destroy(struct bridge_window *window, bool link_alive)
{
	struct bridge_window *child;
	wl_list_for_each(child, &window->server->windows, link)
	{
		if (child->parent == window) {
			link_window_destroy(child, link_alive);
		}
	}
	while (!wl_list_empty(&window->link_feedbacks)) {
		struct link_feedback *lf = wl_container_of(window->link_feedbacks.next, lf, link);
		link_feedback_destroy(lf);
	}
	if (!wl_list_empty(&window->frames)) {
		/* an app waiting on these frames must not wait forever */
		window->want_frame = true;
	}
	while (!wl_list_empty(&window->frames)) {
		struct window_frame *wf = wl_container_of(window->frames.next, wf, link);
		window_frame_destroy(wf);
	}
	if (window->proxy) {
		if (link_alive) {
			wgb_window_destroy(window->proxy);
		} else {
			wl_proxy_destroy((struct wl_proxy *)window->proxy);
		}
		window->proxy = NULL;
	}
	wl_list_remove(&window->pool_ready.link);
	wl_list_init(&window->pool_ready.link);
	if (link_alive) {
		bridge_pool_retire(window->old_pool);
		bridge_pool_retire(window->pool);
	}
	/* else the link's teardown orphans every pool */
	if (link_alive) {
		wl_signal_emit(&window->server->link->events.room, window->server->link);
	}
	window->old_pool = NULL;
	window->pool = NULL;
	window->front = NULL;
	window->ready = NULL;
	window->ack_pending = false;
	window->configure_pending = false;
}

/* Attaches BUFFER, composed for the window's pending damage, with the
 * presentation feedback its pixels ask for. */
static void send_buffer(struct bridge_window *window, struct bridge_buffer *buffer)
{
	struct bridge_pool *pool = buffer->pool;
	wgb_window_attach(window->proxy, buffer->opaque ? buffer->opaque_proxy : buffer->proxy);
	pixman_region32_intersect_rect(&window->damage, &window->damage, 0, 0,
		(unsigned)pool->width, (unsigned)pool->height);
	int n;
	pixman_box32_t *rects = pixman_region32_rectangles(&window->damage, &n);
	if (n > MAX_DAMAGE_RECTS) {
		wgb_window_damage(window->proxy, 0, 0, pool->width, pool->height);
	} else {
		for (int i = 0; i < n; i++) {
			wgb_window_damage(window->proxy, rects[i].x1, rects[i].y1,
				rects[i].x2 - rects[i].x1, rects[i].y2 - rects[i].y1);
		}
	}
	pixman_region32_clear(&window->damage);
	request_feedback(window);
}

static void flush(struct bridge_window *window)
{
	struct bridge_link *link = window->server->link;
	if (!window->proxy || !link->ready) {
		return;
	}
	/* up to 64 damage rectangles follow: room for them first */
	if (!bridge_link_drain(link)) {
		return;
	}
	struct wlr_box geo;
	window_geometry(window, &geo);
	bool commit = false, sent = false;

	if (window->parent &&
		(geo.width != window->popup_box.width || geo.height != window->popup_box.height ||
			window->xdg->popup->geometry.x != window->popup_box.x ||
			window->xdg->popup->geometry.y != window->popup_box.y)) {
		/* a popup's place and size are fixed at creation: make it anew */
		link_window_destroy(window, true);
		link_window_create(window);
		return;
	}

	uint32_t hash = bridge_compose_layout_hash(root_surface(window), &geo);
	if (hash != window->layout_hash) {
		window->layout_hash = hash;
		add_full_damage(window);
	}

	/* a frame composed ahead goes once dom0 showed the one before it, or
	 * with a configure ack that must not wait */
	if (window->ready && (wl_list_empty(&window->frames) || window->ack_pending)) {
		send_buffer(window, window->ready);
		window->ready = NULL;
		commit = sent = true;
	}

	/* while a frame waits in the agent, the app's next waits for it */
	if (window->dirty && !window->ready && geo.width > 0 && geo.height > 0) {
		if (window->pool &&
			(window->pool->width != geo.width || window->pool->height != geo.height)) {
			/* resized: the old pool stays shown until the new one is */
			if (window->old_pool) {
				bridge_pool_retire(window->pool);
			} else {
				window->old_pool = window->pool;
			}
			wl_list_remove(&window->pool_ready.link);
			wl_list_init(&window->pool_ready.link);
			window->pool = NULL;
			window->front = NULL;
		}
		if (!window->pool) {
			window->pool = bridge_pool_create(link, geo.width, geo.height, 3);
			if (!window->pool) {
				/* ENOSPC: the link's room event brings us back */
				static int last_errno;
				if (errno != last_errno) {
					bridge_log_errno(BRIDGE_LOG_ERROR,
						"no pool for a %dx%d window", geo.width,
						geo.height);
					last_errno = errno;
				}
				return;
			}
			wl_signal_add(&window->pool->events.ready, &window->pool_ready);
		}
		struct bridge_buffer *buffer = bridge_pool_get_free(window->pool, window->front);
		if (buffer) {
			bool opaque = bridge_compose_is_opaque(root_surface(window), &geo);
			bridge_buffer_set_opaque(buffer, opaque);
			pixman_image_t *image = opaque ? buffer->opaque_image : buffer->image;
			bridge_compose(root_surface(window), &geo, image, &buffer->stale);
			/* the app's buffers go back now, not at its next commit */
			bridge_compose_release(root_surface(window), &geo, image, &buffer->pins);
			buffer->busy = true;
			window->front = buffer;
			window->dirty = false;
			if (window->want_frame && content_in_flight(window) &&
				!window->ack_pending) {
				/* dom0 has not shown the frame before: this one
				 * waits, composed, for its frame event */
				window->ready = buffer;
			} else {
				send_buffer(window, buffer);
				commit = sent = true;
			}
		}
	} else if (window->dirty && !window->ready) {
		/* nothing to show yet */
		pixman_region32_clear(&window->damage);
		window->dirty = false;
	}

	/* new pixels sent with a frame request are answered at once: the app
	 * draws its next frame while dom0 shows this one; anything else waits
	 * for the frame event, as it did without the pipeline */
	bool early = false;
	if (window->want_frame && !window->ready &&
		(wl_list_empty(&window->frames) || (sent && window->pipeline))) {
		commit |= request_frame(window, sent);
		early = sent && !window->want_frame && window->pipeline;
		if (early && --window->pipeline_left <= 0) {
			/* this frame's app waits for its frame event: the
			 * next one is timed one at a time */
			window->pipeline = false;
			early = false;
		}
	}
	if (window->ack_pending) {
		wgb_window_ack_configure(window->proxy, window->daemon_serial);
		window->ack_pending = false;
		commit = true;
	}
	/* set_* take effect at commit */
	send_size_limits(window);
	commit |= window->info_dirty;
	window->info_dirty = false;
	if (commit) {
		wgb_window_commit(window->proxy);
		if (window->old_pool && window->front && !window->ready) {
			bridge_pool_retire(window->old_pool);
			window->old_pool = NULL;
		}
	}
	if (early) {
		answer_app(window, true);
	}
}

static void handle_idle_flush(void *data)
{
	struct bridge_window *window = data;
	window->idle = NULL;
	flush(window);
}

static void schedule_flush(struct bridge_window *window)
{
	if (window->idle || !window->proxy) {
		return;
	}
	window->idle = wl_event_loop_add_idle(window->server->loop, handle_idle_flush, window);
	if (!window->idle) {
		flush(window);
	}
}

/* --- the surface tree --------------------------------------------------- */

struct find_ctx {
	struct wlr_surface *surface;
	int x, y;
	bool found;
};

static void find_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct find_ctx *ctx = data;
	if (surface == ctx->surface) {
		ctx->x = sx;
		ctx->y = sy;
		ctx->found = true;
	}
}

static void surface_handle_commit(struct wl_listener *listener, void *data)
{
	struct window_surface *ws = wl_container_of(listener, ws, commit);
	struct bridge_window *window = ws->window;
	if (!wl_list_empty(&ws->surface->current.frame_callback_list)) {
		window->want_frame = true;
	}
	struct find_ctx ctx = {.surface = ws->surface};
	wlr_surface_for_each_surface(root_surface(window), find_surface, &ctx);
	if (ctx.found) {
		struct wlr_box geo;
		wlr_xdg_surface_get_geometry(window->xdg, &geo);
		pixman_region32_t damage;
		pixman_region32_init(&damage);
		wlr_surface_get_effective_damage(ws->surface, &damage);
		pixman_region32_translate(&damage, ctx.x - geo.x, ctx.y - geo.y);
		if (pixman_region32_not_empty(&damage)) {
			add_damage(window, &damage);
		}
		pixman_region32_fini(&damage);
	}
	schedule_flush(window);
}

static void untrack_surface(struct window_surface *ws)
{
	wl_list_remove(&ws->commit.link);
	wl_list_remove(&ws->destroy.link);
	wl_list_remove(&ws->new_subsurface.link);
	wl_list_remove(&ws->link);
	free(ws);
}

static void surface_handle_destroy(struct wl_listener *listener, void *data)
{
	struct window_surface *ws = wl_container_of(listener, ws, destroy);
	struct bridge_window *window = ws->window;
	untrack_surface(ws);
	add_full_damage(window);
	schedule_flush(window);
}

static void surface_handle_new_subsurface(struct wl_listener *listener, void *data)
{
	struct window_surface *ws = wl_container_of(listener, ws, new_subsurface);
	struct wlr_subsurface *subsurface = data;
	track_surface(ws->window, subsurface->surface);
}

static void track_subsurfaces(struct bridge_window *window, struct wl_list *list)
{
	struct wlr_subsurface *subsurface;
	wl_list_for_each(subsurface, list, current.link)
	{
		track_surface(window, subsurface->surface);
	}
}

static void track_surface(struct bridge_window *window, struct wlr_surface *surface)
{
	struct window_surface *ws = calloc(1, sizeof(*ws));
	if (!ws) {
		wl_resource_post_no_memory(surface->resource);
		return;
	}
	ws->window = window;
	ws->surface = surface;
	ws->commit.notify = surface_handle_commit;
	wl_signal_add(&surface->events.commit, &ws->commit);
	ws->destroy.notify = surface_handle_destroy;
	wl_signal_add(&surface->events.destroy, &ws->destroy);
	ws->new_subsurface.notify = surface_handle_new_subsurface;
	wl_signal_add(&surface->events.new_subsurface, &ws->new_subsurface);
	wl_list_insert(window->surfaces.prev, &ws->link);
	track_subsurfaces(window, &surface->current.subsurfaces_below);
	track_subsurfaces(window, &surface->current.subsurfaces_above);
}

/* --- public ------------------------------------------------------------- */

struct bridge_window *bridge_window_create(
	struct bridge_server *server, struct wlr_xdg_surface *xdg, struct bridge_window *parent)
{
	struct bridge_window *window = calloc(1, sizeof(*window));
	if (!window) {
		return NULL;
	}
	window->server = server;
	window->xdg = xdg;
	window->parent = parent;
	pixman_region32_init(&window->damage);
	wl_list_init(&window->surfaces);
	wl_list_init(&window->link_feedbacks);
	wl_list_init(&window->frames);
	window->pool_ready.notify = handle_pool_ready;
	wl_list_init(&window->pool_ready.link);
	wl_list_insert(server->windows.prev, &window->link);
	track_surface(window, xdg->surface);
	return window;
}

void bridge_window_map(struct bridge_window *window)
{
	window->mapped = true;
	link_window_create(window);
}

void bridge_window_unmap(struct bridge_window *window)
{
	window->mapped = false;
	link_window_destroy(window, window->server->link->ready);
}

void bridge_window_destroy(struct bridge_window *window)
{
	if (!window) {
		return;
	}
	bridge_window_unmap(window);
	struct bridge_window *child;
	wl_list_for_each(child, &window->server->windows, link)
	{
		if (child->parent == window) {
			child->parent = NULL; /* wlroots destroys popups first; belt */
		}
	}
	while (!wl_list_empty(&window->surfaces)) {
		struct window_surface *ws = wl_container_of(window->surfaces.next, ws, link);
		untrack_surface(ws);
	}
	if (window->idle) {
		wl_event_source_remove(window->idle);
	}
	pixman_region32_fini(&window->damage);
	wl_list_remove(&window->link);
	free(window);
}

void bridge_window_update_info(struct bridge_window *window)
{
	send_info(window);
	schedule_flush(window);
}

void bridge_window_acked(struct bridge_window *window, uint32_t xdg_serial)
{
	if (!window->configure_pending || (int32_t)(xdg_serial - window->xdg_serial) < 0) {
		return;
	}
	window->configure_pending = false;
	window->ack_pending = true;
	schedule_flush(window);
}

static void handle_link_up(struct wl_listener *listener, void *data)
{
	struct bridge_link *link = data;
	struct bridge_window *window;
	wl_list_for_each(window, &link->server->windows, link)
	{
		if (!window->parent) {
			link_window_create(window);
		}
	}
}

static void handle_link_down(struct wl_listener *listener, void *data)
{
	struct bridge_link *link = data;
	struct bridge_window *window;
	wl_list_for_each(window, &link->server->windows, link)
	{
		link_window_destroy(window, false);
	}
}

/* Windows that waited for room under the daemon's limits try again. */
static void handle_retry_idle(void *data)
{
	struct bridge_server *server = data;
	retry_idle = NULL;
	if (!server->link->ready) {
		return;
	}
	struct bridge_window *window;
	wl_list_for_each(window, &server->windows, link)
	{
		if (!window->mapped) {
			continue;
		}
		if (!window->proxy) {
			link_window_create(window);
		} else if (window->dirty && !window->pool) {
			schedule_flush(window);
		}
	}
}

static void handle_link_room(struct wl_listener *listener, void *data)
{
	struct bridge_link *link = data;
	if (!retry_idle) {
		retry_idle =
			wl_event_loop_add_idle(link->server->loop, handle_retry_idle, link->server);
	}
}

void bridge_windows_init(struct bridge_server *server)
{
	link_room.notify = handle_link_room;
	wl_signal_add(&server->link->events.room, &link_room);
	link_up.notify = handle_link_up;
	wl_signal_add(&server->link->events.up, &link_up);
	link_down.notify = handle_link_down;
	wl_signal_add(&server->link->events.down, &link_down);
}

void bridge_windows_finish(struct bridge_server *server)
{
	if (retry_idle) {
		wl_event_source_remove(retry_idle);
		retry_idle = NULL;
	}
	wl_list_remove(&link_room.link);
	wl_list_remove(&link_up.link);
	wl_list_remove(&link_down.link);
}

int bridge_windows_count_on_link(struct bridge_server *server)
{
	int n = 0;
	struct bridge_window *window;
	wl_list_for_each(window, &server->windows, link)
	{
		n += window->proxy != NULL;
	}
	return n;
}
