/*
 * Guest windows: double-buffered state like wl_surface (attach, damage,
 * frame, title... take effect at commit), checked against the limits, then
 * handed to the presenter.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server.h>

#include "dom0.h"
#include "guest.h"
#include "input.h"
#include "pool.h"
#include "presenter.h"
#include "window.h"
#include "log.h"
#include "sanitize.h"
#include "wl-grant-bridge-protocol.h"

#define MAX_DAMAGE_RECTS 64

static const struct wgb_window_interface window_impl;

struct bridge_window *bridge_window_from_resource(struct wl_resource *resource)
{
	assert(wl_resource_instance_of(resource, &wgb_window_interface, &window_impl));
	return wl_resource_get_user_data(resource);
}

static void set_pending_buffer(struct bridge_window *window, struct bridge_buffer *buffer)
{
	if (window->pending.buffer) {
		wl_list_remove(&window->pending.buffer_destroy.link);
		wl_list_init(&window->pending.buffer_destroy.link);
	}
	window->pending.buffer = buffer;
	if (buffer) {
		wl_resource_add_destroy_listener(buffer->resource, &window->pending.buffer_destroy);
	}
}

static void handle_pending_buffer_destroy(struct wl_listener *listener, void *data)
{
	struct bridge_window *window = wl_container_of(listener, window, pending.buffer_destroy);
	set_pending_buffer(window, NULL);
}

static void window_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	if (!wl_list_empty(&window->popups)) {
		bridge_guest_fail(window->guest, WGB_BRIDGE_ERROR_BAD_WINDOW,
			"window destroyed before its popups");
		return;
	}
	/* the agent learns about the content it committed */
	struct wl_resource *feedback, *tmp;
	wl_resource_for_each_safe(feedback, tmp, &window->pending.feedbacks)
	{
		wgb_feedback_send_discarded(feedback);
		wl_resource_destroy(feedback);
	}
	bridge_window_feedbacks_discard(window, window->commit_seq, true);
	wl_resource_destroy(resource);
}

/* A string request: sanitized now, applied at commit. */
static char *sanitize_string(struct bridge_window *window, const char *untrusted)
{
	struct bridge_daemon *daemon = window->guest->daemon;
	char *clean = bridge_sanitize_text(untrusted, daemon->config.limits.max_title_bytes);
	if (!clean) {
		return NULL;
	}
	/* "[NAME] clean": the VM's name comes from our configuration */
	size_t len = strlen(daemon->config.vm_name) + strlen(clean) + 4;
	char *full = malloc(len);
	if (full) {
		snprintf(full, len, "[%s] %s", daemon->config.vm_name, clean);
	}
	free(clean);
	return full;
}

static void window_set_title(
	struct wl_client *client, struct wl_resource *resource, const char *untrusted_title)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	char *title = sanitize_string(window, untrusted_title);
	if (!title) {
		wl_client_post_no_memory(client);
		return;
	}
	free(window->pending.title);
	window->pending.title = title;
}

static void window_set_app_id(
	struct wl_client *client, struct wl_resource *resource, const char *untrusted_app_id)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	char *app_id = sanitize_string(window, untrusted_app_id);
	if (!app_id) {
		wl_client_post_no_memory(client);
		return;
	}
	free(window->pending.app_id);
	window->pending.app_id = app_id;
}

static bool check_size_limit(struct bridge_window *window, const char *what,
	int32_t untrusted_width, int32_t untrusted_height)
{
	const struct bridge_limits *limits = &window->guest->daemon->config.limits;
	if (untrusted_width < 0 || (uint32_t)untrusted_width > limits->max_width ||
		untrusted_height < 0 || (uint32_t)untrusted_height > limits->max_height) {
		bridge_guest_fail(window->guest, WGB_BRIDGE_ERROR_BAD_VALUE, "%s %dx%d", what,
			untrusted_width, untrusted_height);
		return false;
	}
	return true;
}

static void window_set_min_size(struct wl_client *client, struct wl_resource *resource,
	int32_t untrusted_width, int32_t untrusted_height)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	if (!check_size_limit(window, "min size", untrusted_width, untrusted_height)) {
		return;
	}
	window->pending.min_set = true;
	window->pending.min_w = untrusted_width;
	window->pending.min_h = untrusted_height;
}

static void window_set_max_size(struct wl_client *client, struct wl_resource *resource,
	int32_t untrusted_width, int32_t untrusted_height)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	if (!check_size_limit(window, "max size", untrusted_width, untrusted_height)) {
		return;
	}
	window->pending.max_set = true;
	window->pending.max_w = untrusted_width;
	window->pending.max_h = untrusted_height;
}

static void window_attach(
	struct wl_client *client, struct wl_resource *resource, struct wl_resource *buffer_resource)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	/* libwayland checked the object is a wgb_buffer of this client */
	window->pending.attached = true;
	set_pending_buffer(window, bridge_buffer_from_resource(buffer_resource));
}

static int32_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

static void window_damage(struct wl_client *client, struct wl_resource *resource,
	int32_t untrusted_x, int32_t untrusted_y, int32_t untrusted_width, int32_t untrusted_height)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	const struct bridge_limits *limits = &window->guest->daemon->config.limits;
	if (untrusted_width <= 0 || untrusted_height <= 0) {
		return;
	}
	if (++window->pending.ndamage > MAX_DAMAGE_RECTS) {
		/* too many: the whole buffer, clamped at commit */
		pixman_region32_fini(&window->pending.damage);
		pixman_region32_init_rect(
			&window->pending.damage, 0, 0, limits->max_width, limits->max_height);
		return;
	}
	/* clamped to the largest buffer here, to the real one at commit */
	int32_t x1 = clamp(untrusted_x, 0, limits->max_width);
	int32_t y1 = clamp(untrusted_y, 0, limits->max_height);
	int32_t x2 = clamp((int64_t)untrusted_x + untrusted_width, 0, limits->max_width);
	int32_t y2 = clamp((int64_t)untrusted_y + untrusted_height, 0, limits->max_height);
	if (x2 > x1 && y2 > y1) {
		pixman_region32_union_rect(&window->pending.damage, &window->pending.damage, x1, y1,
			(uint32_t)(x2 - x1), (uint32_t)(y2 - y1));
	}
}

static void frame_resource_destroy(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void window_frame(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	struct wl_resource *frame = wl_resource_create(client, &wgb_frame_interface, 1, id);
	if (!frame) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(frame, NULL, NULL, frame_resource_destroy);
	wl_list_insert(window->pending.frames.prev, wl_resource_get_link(frame));
}

/* what a wgb_feedback resource carries */
struct feedback_state {
	struct bridge_window *window;
	uint32_t seq;                   /* the commit it applies to; 0 before it */
	const void *presenter_feedback; /* dom0's feedback that answers it; NULL none yet */
};

static void feedback_resource_destroy(struct wl_resource *resource)
{
	struct feedback_state *state = wl_resource_get_user_data(resource);
	state->window->nfeedbacks--;
	free(state);
	wl_list_remove(wl_resource_get_link(resource));
}

static void window_feedback(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	/* sanitize: each one costs memory until dom0 answers */
	if (window->nfeedbacks >= window->guest->daemon->config.limits.max_feedbacks) {
		bridge_guest_fail(window->guest, WGB_BRIDGE_ERROR_LIMIT,
			"more than %u feedbacks outstanding on a window",
			window->guest->daemon->config.limits.max_feedbacks);
		return;
	}
	struct feedback_state *state = calloc(1, sizeof(*state));
	struct wl_resource *feedback =
		state ? wl_resource_create(client, &wgb_feedback_interface, 1, id) : NULL;
	if (!feedback) {
		free(state);
		wl_client_post_no_memory(client);
		return;
	}
	state->window = window;
	window->nfeedbacks++;
	wl_resource_set_implementation(feedback, NULL, state, feedback_resource_destroy);
	wl_list_insert(window->pending.feedbacks.prev, wl_resource_get_link(feedback));
}

static void window_ack_configure(
	struct wl_client *client, struct wl_resource *resource, uint32_t untrusted_serial)
{
	/* dom0's configure is acked when it arrives; nothing here is trusted
	 * or needed beyond the log */
	bridge_log(BRIDGE_LOG_DEBUG, "window %u acked configure %u", wl_resource_get_id(resource),
		untrusted_serial);
}

static void window_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	struct bridge_presenter *presenter = window->presenter;
	if (window->pending.title) {
		bridge_presenter_set_title(presenter, window->pending.title);
		free(window->pending.title);
		window->pending.title = NULL;
	}
	if (window->pending.app_id) {
		bridge_presenter_set_app_id(presenter, window->pending.app_id);
		free(window->pending.app_id);
		window->pending.app_id = NULL;
	}
	if (window->pending.min_set) {
		bridge_presenter_set_size_limits(
			presenter, true, window->pending.min_w, window->pending.min_h);
		window->pending.min_set = false;
	}
	if (window->pending.max_set) {
		bridge_presenter_set_size_limits(
			presenter, false, window->pending.max_w, window->pending.max_h);
		window->pending.max_set = false;
	}
	bool want_frame = !wl_list_empty(&window->pending.frames);
	wl_list_insert_list(window->frames.prev, &window->pending.frames);
	wl_list_init(&window->pending.frames);
	window->commit_seq++;
	struct wl_resource *feedback;
	wl_resource_for_each(feedback, &window->pending.feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		state->seq = window->commit_seq;
	}
	wl_list_insert_list(window->feedbacks.prev, &window->pending.feedbacks);
	wl_list_init(&window->pending.feedbacks);
	if (!window->guest->daemon->dom0 || !window->guest->daemon->dom0->presentation) {
		/* nobody will tell us: no wait for the agent either */
		bridge_window_feedbacks_discard(window, window->commit_seq, true);
	}

	bridge_presenter_commit(presenter, window->pending.attached, window->pending.buffer,
		&window->pending.damage, want_frame);
	window->pending.attached = false;
	set_pending_buffer(window, NULL);
	pixman_region32_clear(&window->pending.damage);
	window->pending.ndamage = 0;
}

static const struct wgb_window_interface window_impl = {
	.destroy = window_destroy,
	.set_title = window_set_title,
	.set_app_id = window_set_app_id,
	.set_min_size = window_set_min_size,
	.set_max_size = window_set_max_size,
	.attach = window_attach,
	.damage = window_damage,
	.frame = window_frame,
	.ack_configure = window_ack_configure,
	.commit = window_commit,
	.feedback = window_feedback,
};

void bridge_window_frames_done(struct bridge_window *window, uint32_t time)
{
	/* at once: presentation feedback has its own object */
	struct wl_resource *frame, *tmp;
	wl_resource_for_each_safe(frame, tmp, &window->frames)
	{
		wgb_frame_send_done(frame, time);
		wl_resource_destroy(frame);
	}
}

bool bridge_window_feedbacks_unbound(struct bridge_window *window)
{
	struct wl_resource *feedback;
	wl_resource_for_each(feedback, &window->feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		if (!state->presenter_feedback) {
			return true;
		}
	}
	return false;
}

void bridge_window_feedbacks_bind(struct bridge_window *window, const void *presenter_feedback)
{
	struct wl_resource *feedback;
	wl_resource_for_each(feedback, &window->feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		if (!state->presenter_feedback) {
			state->presenter_feedback = presenter_feedback;
		}
	}
}

void bridge_window_feedbacks_presented(struct bridge_window *window, const void *presenter_feedback,
	uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t flags)
{
	struct wl_resource *feedback, *tmp;
	wl_resource_for_each_safe(feedback, tmp, &window->feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		if (state->presenter_feedback == presenter_feedback) {
			wgb_feedback_send_presented(
				feedback, tv_sec_hi, tv_sec_lo, tv_nsec, refresh, flags);
			wl_resource_destroy(feedback);
		}
	}
}

void bridge_window_feedbacks_discarded(struct bridge_window *window, const void *presenter_feedback)
{
	struct wl_resource *feedback, *tmp;
	wl_resource_for_each_safe(feedback, tmp, &window->feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		if (state->presenter_feedback == presenter_feedback) {
			wgb_feedback_send_discarded(feedback);
			wl_resource_destroy(feedback);
		}
	}
}

void bridge_window_feedbacks_discard(struct bridge_window *window, uint32_t up_to_seq, bool bound)
{
	struct wl_resource *feedback, *tmp;
	wl_resource_for_each_safe(feedback, tmp, &window->feedbacks)
	{
		struct feedback_state *state = wl_resource_get_user_data(feedback);
		if ((int32_t)(state->seq - up_to_seq) <= 0 &&
			(bound || !state->presenter_feedback)) {
			wgb_feedback_send_discarded(feedback);
			wl_resource_destroy(feedback);
		}
	}
}

/* Frames and feedbacks: gone with no event (the link is going). */
static void destroy_resources(struct wl_list *frames)
{
	struct wl_resource *frame, *tmp;
	wl_resource_for_each_safe(frame, tmp, frames)
	{
		wl_resource_destroy(frame);
	}
}

static void window_resource_destroy(struct wl_resource *resource)
{
	struct bridge_window *window = bridge_window_from_resource(resource);
	struct bridge_daemon *daemon = window->guest->daemon;
	/* popups of a window that goes with its client: they go too, first */
	struct bridge_window *popup, *tmp;
	wl_list_for_each_safe(popup, tmp, &window->popups, popup_link)
	{
		wl_resource_destroy(popup->resource);
	}
	bridge_input_window_gone(daemon->dom0, window);
	/* first: the presenter would answer them, and the link may be going */
	destroy_resources(&window->pending.feedbacks);
	destroy_resources(&window->feedbacks);
	bridge_presenter_destroy(window->presenter);
	set_pending_buffer(window, NULL);
	destroy_resources(&window->pending.frames);
	destroy_resources(&window->frames);
	pixman_region32_fini(&window->pending.damage);
	free(window->pending.title);
	free(window->pending.app_id);
	wl_list_remove(&window->popup_link);
	wl_list_remove(&window->link);
	window->guest->nwindows--;
	daemon->counters.windows--;
	free(window);
}

static struct bridge_window *window_create(
	struct bridge_guest *guest, uint32_t id, struct bridge_window *parent)
{
	struct wl_client *client = guest->client;
	struct bridge_window *window = calloc(1, sizeof(*window));
	if (!window) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	window->guest = guest;
	window->parent = parent;
	wl_list_init(&window->popups);
	wl_list_init(&window->popup_link);
	wl_list_init(&window->pending.frames);
	wl_list_init(&window->pending.buffer_destroy.link);
	window->pending.buffer_destroy.notify = handle_pending_buffer_destroy;
	wl_list_init(&window->frames);
	wl_list_init(&window->pending.feedbacks);
	wl_list_init(&window->feedbacks);
	pixman_region32_init(&window->pending.damage);
	window->resource = wl_resource_create(client, &wgb_window_interface, 1, id);
	if (!window->resource) {
		pixman_region32_fini(&window->pending.damage);
		free(window);
		wl_client_post_no_memory(client);
		return NULL;
	}
	if (parent) {
		wl_list_insert(&parent->popups, &window->popup_link);
	}
	wl_list_insert(&guest->windows, &window->link);
	guest->nwindows++;
	guest->daemon->counters.windows++;
	wl_resource_set_implementation(
		window->resource, &window_impl, window, window_resource_destroy);
	return window;
}

void bridge_window_create_toplevel(struct bridge_guest *guest, uint32_t id)
{
	struct bridge_window *window = window_create(guest, id, NULL);
	if (!window) {
		return;
	}
	window->presenter = bridge_presenter_create(window);
	if (!window->presenter) {
		wl_client_post_no_memory(guest->client);
	}
}

void bridge_window_create_popup(struct bridge_guest *guest, uint32_t id,
	struct wl_resource *parent_resource, int32_t untrusted_x, int32_t untrusted_y,
	int32_t untrusted_width, int32_t untrusted_height)
{
	const struct bridge_limits *limits = &guest->daemon->config.limits;
	/* libwayland checked parent is a wgb_window of this client */
	struct bridge_window *parent = bridge_window_from_resource(parent_resource);
	if (untrusted_width <= 0 || (uint32_t)untrusted_width > limits->max_width ||
		untrusted_height <= 0 || (uint32_t)untrusted_height > limits->max_height) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VALUE, "popup size %dx%d",
			untrusted_width, untrusted_height);
		return;
	}
	/* kept near the parent: its corner within the parent's content, or
	 * at most its own size before it (never detached) */
	int32_t parent_w, parent_h;
	bridge_presenter_get_size(parent->presenter, &parent_w, &parent_h);
	int32_t x = clamp(untrusted_x, -(int64_t)untrusted_width, parent_w);
	int32_t y = clamp(untrusted_y, -(int64_t)untrusted_height, parent_h);
	struct bridge_window *window = window_create(guest, id, parent);
	if (!window) {
		return;
	}
	window->popup_x = x;
	window->popup_y = y;
	window->popup_width = untrusted_width;
	window->popup_height = untrusted_height;
	window->presenter = bridge_presenter_create(window);
	if (!window->presenter) {
		wl_client_post_no_memory(guest->client);
	}
}
