/*
 * Guest windows: double-buffered state checked, then handed to the presenter.
 */
#ifndef BRIDGE_WINDOW_H
#define BRIDGE_WINDOW_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct bridge_guest;
struct bridge_buffer;

struct bridge_presenter;

struct bridge_window {
	struct bridge_guest *guest;
	struct wl_resource *resource;
	struct wl_list link; /* bridge_guest::windows */
	struct bridge_window *parent;
	struct wl_list popups;     /* bridge_window::popup_link */
	struct wl_list popup_link; /* parent's popups */
	int32_t popup_x, popup_y, popup_width, popup_height;
	struct {
		bool attached;
		struct bridge_buffer *buffer;
		struct wl_listener buffer_destroy;
		pixman_region32_t damage;
		uint32_t ndamage;
		struct wl_list frames;    /* wl_resource link */
		struct wl_list feedbacks; /* wl_resource link */
		char *title;
		char *app_id;
		bool min_set, max_set;
		int32_t min_w, min_h, max_w, max_h;
	} pending;
	struct wl_list frames;    /* committed, waiting for dom0's frame */
	struct wl_list feedbacks; /* committed, waiting for dom0's presentation, oldest first */
	uint32_t nfeedbacks;      /* wgb_feedbacks not yet answered, pending or committed */
	uint32_t commit_seq;      /* commits so far; a feedback keeps the one it applies to */
	struct bridge_presenter *presenter;
};

void bridge_window_create_toplevel(struct bridge_guest *guest, uint32_t id);
void bridge_window_create_popup(struct bridge_guest *guest, uint32_t id, struct wl_resource *parent,
	int32_t untrusted_x, int32_t untrusted_y, int32_t untrusted_width,
	int32_t untrusted_height);
struct bridge_window *bridge_window_from_resource(struct wl_resource *resource);
/* dom0 asked for the next frame: done to the frames committed so far, at
 * once. */
void bridge_window_frames_done(struct bridge_window *window, uint32_t time);
/* Some committed feedback waits for a dom0 commit to ask presentation of. */
bool bridge_window_feedbacks_unbound(struct bridge_window *window);
/* The presenter asked dom0 for PRESENTER_FEEDBACK on the commit that shows
 * the content committed so far: it answers the feedbacks not bound yet. */
void bridge_window_feedbacks_bind(struct bridge_window *window, const void *presenter_feedback);
/* dom0 answered PRESENTER_FEEDBACK: so are the feedbacks bound to it. */
void bridge_window_feedbacks_presented(struct bridge_window *window, const void *presenter_feedback,
	uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t flags);
void bridge_window_feedbacks_discarded(
	struct bridge_window *window, const void *presenter_feedback);
/* Content that will never be shown: discarded to the committed feedbacks
 * of commits up to UP_TO_SEQ not bound yet, and with BOUND to the bound
 * ones too. */
void bridge_window_feedbacks_discard(struct bridge_window *window, uint32_t up_to_seq, bool bound);

#endif
