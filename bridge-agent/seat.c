/*
 * Input from dom0. The daemon names windows; a window's content starts at
 * its xdg geometry, so its coordinates are moved by the geometry's origin
 * and resolved to the (sub)surface under them. Keys go through a headless
 * keyboard device that carries the daemon's xkb keymap to the apps.
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <xkbcommon/xkbcommon.h>

#include "cursor.h"
#include "link.h"
#include "log.h"
#include "seat.h"
#include "server.h"
#include "window.h"
#include "wl-grant-bridge-client-protocol.h"

#define MAX_KEYMAP (1u << 20)
#define MAX_TOUCH 16

struct touch_point {
	bool active;
	int32_t id;
	struct wlr_surface *surface;
	double ox, oy; /* window coordinates of the surface's 0,0 */
};

struct bridge_seat {
	struct bridge_server *server;
	struct wlr_seat *seat;
	struct wlr_input_device *keyboard;
	struct xkb_context *xkb;
	struct wgb_seat *proxy;
	struct bridge_cursor *cursor;

	char *keymap;
	uint32_t keymap_size, keymap_have;
	bool keymap_bad;

	struct bridge_window *pointer_window;
	double pointer_x, pointer_y; /* window coordinates */
	enum wlr_axis_source axis_source;
	int32_t axis_discrete[2];

	struct touch_point touch[MAX_TOUCH];

	struct wl_listener link_up, link_down;
	struct wl_listener request_set_cursor;
};

static struct wlr_surface *surface_at(
	struct bridge_window *window, double x, double y, double *sx, double *sy)
{
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(window->xdg, &geo);
	return wlr_surface_surface_at(window->xdg->surface, x + geo.x, y + geo.y, sx, sy);
}

/* --- keyboard ----------------------------------------------------------- */

static void seat_handle_capabilities(void *data, struct wgb_seat *proxy, uint32_t caps)
{
	struct bridge_seat *seat = data;
	uint32_t wl_caps = 0;
	if (caps & WGB_SEAT_CAPABILITY_POINTER) {
		wl_caps |= WL_SEAT_CAPABILITY_POINTER;
	}
	if (caps & WGB_SEAT_CAPABILITY_KEYBOARD) {
		wl_caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	if (caps & WGB_SEAT_CAPABILITY_TOUCH) {
		wl_caps |= WL_SEAT_CAPABILITY_TOUCH;
	}
	wlr_seat_set_capabilities(seat->seat, wl_caps);
}

static void seat_handle_keymap(void *data, struct wgb_seat *proxy, uint32_t format, uint32_t size)
{
	struct bridge_seat *seat = data;
	free(seat->keymap);
	seat->keymap = NULL;
	seat->keymap_have = 0;
	seat->keymap_size = size;
	seat->keymap_bad =
		format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || size == 0 || size > MAX_KEYMAP;
	if (!seat->keymap_bad) {
		seat->keymap = malloc(size + 1);
		seat->keymap_bad = seat->keymap == NULL;
	}
	if (seat->keymap_bad) {
		bridge_log(
			BRIDGE_LOG_ERROR, "keymap of format %u, %u bytes: ignored", format, size);
	}
}

static void seat_handle_keymap_data(void *data, struct wgb_seat *proxy, struct wl_array *chunk)
{
	struct bridge_seat *seat = data;
	if (seat->keymap_bad || !seat->keymap) {
		return;
	}
	if (chunk->size > seat->keymap_size - seat->keymap_have) {
		bridge_log(BRIDGE_LOG_ERROR, "keymap data past its size: ignored");
		seat->keymap_bad = true;
		return;
	}
	memcpy(seat->keymap + seat->keymap_have, chunk->data, chunk->size);
	seat->keymap_have += (uint32_t)chunk->size;
	if (seat->keymap_have < seat->keymap_size) {
		return;
	}
	seat->keymap[seat->keymap_size] = '\0';
	struct xkb_keymap *keymap = xkb_keymap_new_from_buffer(seat->xkb, seat->keymap,
		strnlen(seat->keymap, seat->keymap_size), XKB_KEYMAP_FORMAT_TEXT_V1,
		XKB_KEYMAP_COMPILE_NO_FLAGS);
	free(seat->keymap);
	seat->keymap = NULL;
	if (!keymap) {
		bridge_log(BRIDGE_LOG_ERROR, "the daemon's keymap does not compile");
		return;
	}
	wlr_keyboard_set_keymap(seat->keyboard->keyboard, keymap);
	xkb_keymap_unref(keymap);
}

static void seat_handle_repeat_info(void *data, struct wgb_seat *proxy, int32_t rate, int32_t delay)
{
	struct bridge_seat *seat = data;
	wlr_keyboard_set_repeat_info(seat->keyboard->keyboard, rate, delay);
}

static void seat_handle_keyboard_enter(
	void *data, struct wgb_seat *proxy, struct wgb_window *wproxy, struct wl_array *keys)
{
	struct bridge_seat *seat = data;
	struct bridge_window *window = bridge_window_from_proxy(wproxy);
	if (!window) {
		return;
	}
	wlr_seat_keyboard_notify_enter(seat->seat, window->xdg->surface, keys->data,
		keys->size / sizeof(uint32_t), &seat->keyboard->keyboard->modifiers);
}

static void seat_handle_keyboard_leave(void *data, struct wgb_seat *proxy, struct wgb_window *w)
{
	struct bridge_seat *seat = data;
	wlr_seat_keyboard_notify_clear_focus(seat->seat);
}

static void seat_handle_key(
	void *data, struct wgb_seat *proxy, uint32_t time, uint32_t key, uint32_t state)
{
	struct bridge_seat *seat = data;
	wlr_seat_keyboard_notify_key(seat->seat, time, key, state);
}

static void seat_handle_modifiers(void *data, struct wgb_seat *proxy, uint32_t depressed,
	uint32_t latched, uint32_t locked, uint32_t group)
{
	struct bridge_seat *seat = data;
	struct wlr_keyboard *kb = seat->keyboard->keyboard;
	kb->modifiers.depressed = depressed;
	kb->modifiers.latched = latched;
	kb->modifiers.locked = locked;
	kb->modifiers.group = group;
	wlr_seat_keyboard_notify_modifiers(seat->seat, &kb->modifiers);
}

/* --- pointer ------------------------------------------------------------ */

static void pointer_focus(struct bridge_seat *seat, uint32_t time, bool motion)
{
	if (!seat->pointer_window) {
		return;
	}
	double sx, sy;
	struct wlr_surface *surface =
		surface_at(seat->pointer_window, seat->pointer_x, seat->pointer_y, &sx, &sy);
	if (!surface) {
		wlr_seat_pointer_notify_clear_focus(seat->seat);
		return;
	}
	wlr_seat_pointer_notify_enter(seat->seat, surface, sx, sy);
	if (motion) {
		wlr_seat_pointer_notify_motion(seat->seat, time, sx, sy);
	}
}

static void seat_handle_pointer_enter(
	void *data, struct wgb_seat *proxy, struct wgb_window *wproxy, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_seat *seat = data;
	seat->pointer_window = bridge_window_from_proxy(wproxy);
	seat->pointer_x = wl_fixed_to_double(x);
	seat->pointer_y = wl_fixed_to_double(y);
	pointer_focus(seat, 0, false);
}

static void seat_handle_pointer_leave(void *data, struct wgb_seat *proxy, struct wgb_window *w)
{
	struct bridge_seat *seat = data;
	seat->pointer_window = NULL;
	wlr_seat_pointer_notify_clear_focus(seat->seat);
}

static void seat_handle_pointer_motion(
	void *data, struct wgb_seat *proxy, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_seat *seat = data;
	seat->pointer_x = wl_fixed_to_double(x);
	seat->pointer_y = wl_fixed_to_double(y);
	pointer_focus(seat, time, true);
}

static void seat_handle_pointer_button(
	void *data, struct wgb_seat *proxy, uint32_t time, uint32_t button, uint32_t state)
{
	struct bridge_seat *seat = data;
	wlr_seat_pointer_notify_button(
		seat->seat, time, button, state ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED);
}

static void seat_handle_pointer_axis(
	void *data, struct wgb_seat *proxy, uint32_t time, uint32_t axis, wl_fixed_t value)
{
	struct bridge_seat *seat = data;
	if (axis > 1) {
		return;
	}
	wlr_seat_pointer_notify_axis(seat->seat, time, (enum wlr_axis_orientation)axis,
		wl_fixed_to_double(value), seat->axis_discrete[axis], seat->axis_source);
	seat->axis_discrete[axis] = 0;
}

static void seat_handle_pointer_axis_source(void *data, struct wgb_seat *proxy, uint32_t source)
{
	struct bridge_seat *seat = data;
	if (source <= WLR_AXIS_SOURCE_WHEEL_TILT) {
		seat->axis_source = (enum wlr_axis_source)source;
	}
}

static void seat_handle_pointer_axis_stop(
	void *data, struct wgb_seat *proxy, uint32_t time, uint32_t axis)
{
	struct bridge_seat *seat = data;
	if (axis > 1) {
		return;
	}
	wlr_seat_pointer_notify_axis(
		seat->seat, time, (enum wlr_axis_orientation)axis, 0, 0, seat->axis_source);
}

static void seat_handle_pointer_axis_discrete(
	void *data, struct wgb_seat *proxy, uint32_t axis, int32_t discrete)
{
	struct bridge_seat *seat = data;
	if (axis <= 1) {
		seat->axis_discrete[axis] = discrete;
	}
}

static void seat_handle_pointer_frame(void *data, struct wgb_seat *proxy)
{
	struct bridge_seat *seat = data;
	wlr_seat_pointer_notify_frame(seat->seat);
	seat->axis_source = WLR_AXIS_SOURCE_WHEEL;
}

/* --- touch -------------------------------------------------------------- */

static struct touch_point *touch_find(struct bridge_seat *seat, int32_t id, bool make)
{
	struct touch_point *free_point = NULL;
	for (int i = 0; i < MAX_TOUCH; i++) {
		if (seat->touch[i].active && seat->touch[i].id == id) {
			return &seat->touch[i];
		}
		if (!seat->touch[i].active && !free_point) {
			free_point = &seat->touch[i];
		}
	}
	return make ? free_point : NULL;
}

static void seat_handle_touch_down(void *data, struct wgb_seat *proxy, uint32_t time,
	struct wgb_window *wproxy, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_seat *seat = data;
	struct bridge_window *window = bridge_window_from_proxy(wproxy);
	struct touch_point *point = touch_find(seat, id, true);
	if (!window || !point) {
		return;
	}
	double wx = wl_fixed_to_double(x), wy = wl_fixed_to_double(y), sx, sy;
	struct wlr_surface *surface = surface_at(window, wx, wy, &sx, &sy);
	if (!surface) {
		return;
	}
	*point = (struct touch_point){
		.active = true,
		.id = id,
		.surface = surface,
		.ox = wx - sx,
		.oy = wy - sy,
	};
	wlr_seat_touch_notify_down(seat->seat, surface, time, id, sx, sy);
}

static void seat_handle_touch_up(void *data, struct wgb_seat *proxy, uint32_t time, int32_t id)
{
	struct bridge_seat *seat = data;
	struct touch_point *point = touch_find(seat, id, false);
	if (point) {
		point->active = false;
		wlr_seat_touch_notify_up(seat->seat, time, id);
	}
}

static void seat_handle_touch_motion(
	void *data, struct wgb_seat *proxy, uint32_t time, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_seat *seat = data;
	struct touch_point *point = touch_find(seat, id, false);
	if (point) {
		wlr_seat_touch_notify_motion(seat->seat, time, id,
			wl_fixed_to_double(x) - point->ox, wl_fixed_to_double(y) - point->oy);
	}
}

static void seat_handle_touch_frame(void *data, struct wgb_seat *proxy)
{
	struct bridge_seat *seat = data;
	wlr_seat_touch_notify_frame(seat->seat);
}

static void seat_handle_touch_cancel(void *data, struct wgb_seat *proxy)
{
	struct bridge_seat *seat = data;
	for (int i = 0; i < MAX_TOUCH; i++) {
		if (seat->touch[i].active) {
			wlr_seat_touch_notify_cancel(seat->seat, seat->touch[i].surface);
			seat->touch[i].active = false;
		}
	}
}

static const struct wgb_seat_listener seat_listener = {
	.capabilities = seat_handle_capabilities,
	.keymap = seat_handle_keymap,
	.keymap_data = seat_handle_keymap_data,
	.repeat_info = seat_handle_repeat_info,
	.keyboard_enter = seat_handle_keyboard_enter,
	.keyboard_leave = seat_handle_keyboard_leave,
	.key = seat_handle_key,
	.modifiers = seat_handle_modifiers,
	.pointer_enter = seat_handle_pointer_enter,
	.pointer_leave = seat_handle_pointer_leave,
	.pointer_motion = seat_handle_pointer_motion,
	.pointer_button = seat_handle_pointer_button,
	.pointer_axis = seat_handle_pointer_axis,
	.pointer_axis_source = seat_handle_pointer_axis_source,
	.pointer_axis_stop = seat_handle_pointer_axis_stop,
	.pointer_axis_discrete = seat_handle_pointer_axis_discrete,
	.pointer_frame = seat_handle_pointer_frame,
	.touch_down = seat_handle_touch_down,
	.touch_up = seat_handle_touch_up,
	.touch_motion = seat_handle_touch_motion,
	.touch_frame = seat_handle_touch_frame,
	.touch_cancel = seat_handle_touch_cancel,
};

/* --- link and cursor ---------------------------------------------------- */

static void handle_link_up(struct wl_listener *listener, void *data)
{
	struct bridge_seat *seat = wl_container_of(listener, seat, link_up);
	struct bridge_link *link = data;
	seat->proxy = wgb_bridge_get_seat(link->bridge);
	if (!seat->proxy) {
		bridge_link_schedule_lost(link, "out of memory");
		return;
	}
	wgb_seat_add_listener(seat->proxy, &seat_listener, seat);
	bridge_cursor_link_up(seat->cursor, seat->proxy);
}

static void handle_link_down(struct wl_listener *listener, void *data)
{
	struct bridge_seat *seat = wl_container_of(listener, seat, link_down);
	bridge_cursor_link_down(seat->cursor);
	if (seat->proxy) {
		wl_proxy_destroy((struct wl_proxy *)seat->proxy);
		seat->proxy = NULL;
	}
	/* dom0's focus is gone with its daemon */
	seat->pointer_window = NULL;
	wlr_seat_pointer_notify_clear_focus(seat->seat);
	wlr_seat_keyboard_notify_clear_focus(seat->seat);
	seat_handle_touch_cancel(seat, NULL);
}

static void handle_request_set_cursor(struct wl_listener *listener, void *data)
{
	struct bridge_seat *seat = wl_container_of(listener, seat, request_set_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	if (event->seat_client != seat->seat->pointer_state.focused_client) {
		return;
	}
	bridge_cursor_set(seat->cursor, event->surface, event->hotspot_x, event->hotspot_y);
}

struct bridge_seat *bridge_seat_create(struct bridge_server *server)
{
	struct bridge_seat *seat = calloc(1, sizeof(*seat));
	if (!seat) {
		return NULL;
	}
	seat->server = server;
	seat->axis_source = WLR_AXIS_SOURCE_WHEEL;
	seat->seat = wlr_seat_create(server->display, "seat0");
	seat->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	seat->keyboard = wlr_headless_add_input_device(server->backend, WLR_INPUT_DEVICE_KEYBOARD);
	if (!seat->seat || !seat->xkb || !seat->keyboard) {
		goto out;
	}
	/* a usable keymap before dom0 sends its own */
	struct xkb_keymap *keymap = xkb_keymap_new_from_names(seat->xkb, NULL, 0);
	if (keymap) {
		wlr_keyboard_set_keymap(seat->keyboard->keyboard, keymap);
		xkb_keymap_unref(keymap);
	}
	wlr_seat_set_keyboard(seat->seat, seat->keyboard);
	wlr_seat_set_capabilities(
		seat->seat, WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
	seat->cursor = bridge_cursor_create(server);
	if (!seat->cursor) {
		goto out;
	}
	seat->link_up.notify = handle_link_up;
	wl_signal_add(&server->link->events.up, &seat->link_up);
	seat->link_down.notify = handle_link_down;
	wl_signal_add(&server->link->events.down, &seat->link_down);
	seat->request_set_cursor.notify = handle_request_set_cursor;
	wl_signal_add(&seat->seat->events.request_set_cursor, &seat->request_set_cursor);
	return seat;

out:
	if (seat->seat) {
		wlr_seat_destroy(seat->seat);
	}
	xkb_context_unref(seat->xkb);
	free(seat);
	return NULL;
}

void bridge_seat_destroy(struct bridge_seat *seat)
{
	if (!seat) {
		return;
	}
	/* the link outlives the seat: let go of our proxies first */
	handle_link_down(&seat->link_down, seat->server->link);
	wl_list_remove(&seat->link_up.link);
	wl_list_remove(&seat->link_down.link);
	wl_list_remove(&seat->request_set_cursor.link);
	bridge_cursor_destroy(seat->cursor);
	free(seat->keymap);
	/* wlroots 0.15's wlr_seat_destroy leaves its listener on the keyboard
	 * device, which the backend destroys later */
	wlr_seat_set_keyboard(seat->seat, NULL);
	wlr_seat_destroy(seat->seat);
	xkb_context_unref(seat->xkb);
	free(seat);
}
