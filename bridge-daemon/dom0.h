/*
 * Our connection to dom0's compositor, shared by the presenter and the input
 * forwarder.
 */
#ifndef BRIDGE_DOM0_H
#define BRIDGE_DOM0_H

#include <time.h>
#include <wayland-client.h>

#include "daemon.h"

struct bridge_guest;
struct bridge_window;

/* REPORT: say on stderr why it failed (at start; not when retrying). */
struct bridge_dom0 *bridge_dom0_connect(struct bridge_daemon *daemon, bool report);
void bridge_dom0_destroy(struct bridge_dom0 *dom0);
/* Before sleeping in the event loop. */
void bridge_dom0_prepare(struct bridge_dom0 *dom0);
/* After the event loop woke up. False if the compositor is gone. */
bool bridge_dom0_after_dispatch(struct bridge_dom0 *dom0);
/* Sends every known output to GUEST's bridge. */
void bridge_dom0_send_outputs(struct bridge_dom0 *dom0, struct bridge_guest *guest);

struct bridge_output {
	struct bridge_dom0 *dom0;
	struct wl_output *output;
	uint32_t name;       /* the registry name, also what the guest sees */
	struct wl_list link; /* bridge_dom0::outputs */
	int32_t x, y, width, height, scale, refresh;
	bool mode_seen;
};

struct bridge_dom0 {
	struct bridge_daemon *daemon;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct zxdg_decoration_manager_v1 *decoration_manager;
	struct wp_presentation *presentation; /* NULL: the compositor offers none */
	clockid_t presentation_clock;         /* its clock_id; CLOCK_MONOTONIC until told */
	struct wl_list outputs;               /* bridge_output::link */
	struct wl_event_source *source;
	bool read_prepared;
	bool readable;

	/* input.c */
	struct wl_seat *seat;
	uint32_t seat_caps;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	struct wl_touch *touch;
	struct bridge_window *keyboard_focus; /* a guest window, or NULL */
	struct bridge_window *pointer_focus;  /* the window under dom0's pointer */
	bool pointer_entered;                 /* the guest has pointer_focus entered */
	bool pointer_sent;                    /* events went to the guest since the last frame */
	uint32_t guest_buttons;               /* buttons held that the guest saw pressed */
	uint32_t frame_buttons;               /* buttons held that were pressed on our frame */
	wl_fixed_t pointer_x, pointer_y;      /* in pointer_focus's frame box */
	/* where the entered surface (content or a frame side) lies in it */
	wl_fixed_t pointer_origin_x, pointer_origin_y;
	struct bridge_window *touch_focus;
	wl_fixed_t touch_origin_x, touch_origin_y;
	uint32_t keymap_format;
	char *keymap; /* a copy, sent to each new seat */
	uint32_t keymap_size;
	int32_t repeat_rate, repeat_delay;
	struct wl_array pressed_keys;
	uint32_t mods[4];
};

#endif
