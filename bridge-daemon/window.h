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
		struct wl_list frames; /* wl_resource link */
		char *title;
		char *app_id;
		bool min_set, max_set;
		int32_t min_w, min_h, max_w, max_h;
	} pending;
	struct wl_list frames; /* committed, waiting for dom0's frame */
	uint32_t commit_seq;   /* commits so far; a frame keeps the one it came with */
	struct wl_event_source *settle_timer; /* due frames wait for presented */
	int presented_missed;                 /* waits for presented in a row that timed out */
	struct bridge_presenter *presenter;
};

void bridge_window_create_toplevel(struct bridge_guest *guest, uint32_t id);
void bridge_window_create_popup(struct bridge_guest *guest, uint32_t id, struct wl_resource *parent,
	int32_t untrusted_x, int32_t untrusted_y, int32_t untrusted_width,
	int32_t untrusted_height);
struct bridge_window *bridge_window_from_resource(struct wl_resource *resource);
/* dom0 asked for the next frame: done to the frames committed so far; a
 * frame whose presentation feedback is still coming gets it first. */
void bridge_window_frames_done(struct bridge_window *window, uint32_t time);
/* A feedback ended: done to the frames that were due and wait no more. */
void bridge_window_frames_settle(struct bridge_window *window);
/* dom0 showed the content of commit SEQ: presented to the frames committed
 * with it or before, once each. tv_sec is split as in wgb_frame.presented. */
void bridge_window_frames_presented(struct bridge_window *window, uint32_t seq, uint32_t tv_sec_hi,
	uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t flags);

#endif
