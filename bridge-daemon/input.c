/*
 * Input from dom0's seat, forwarded to the guest only for the window of
 * this guest that has the focus of that device in dom0. A window is its
 * content's surface and our frame's subsurfaces: coordinates are first
 * taken to the window's frame box, then to the content inside it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-server-core.h>

#include "dom0.h"
#include "guest.h"
#include "input.h"
#include "pool.h"
#include "presenter.h"
#include "window.h"
#include "log.h"
#include "wl-grant-bridge-protocol.h"

#define KEYMAP_MAX (1u << 20)
#define KEYMAP_CHUNK 2048u
#define CURSOR_MAX 256

static struct wl_resource *guest_seat(struct bridge_dom0 *dom0)
{
	struct bridge_guest *guest = dom0->daemon->guest;
	return guest ? guest->seat : NULL;
}

/* The seat to send to about WINDOW: only a live window of the live guest. */
static struct wl_resource *seat_for(struct bridge_dom0 *dom0, struct bridge_window *window)
{
	struct wl_resource *seat = guest_seat(dom0);
	if (!seat || !window || window->guest != dom0->daemon->guest) {
		return NULL;
	}
	return seat;
}

/* Surface coordinates to content coordinates, clamped to the content: over
 * our frame the guest sees its nearest edge. */
static wl_fixed_t content_coord(struct bridge_window *window, wl_fixed_t v, bool vertical)
{
	int32_t width, height;
	bridge_presenter_get_size(window->presenter, &width, &height);
	int32_t size = vertical ? height : width;
	wl_fixed_t c = v - wl_fixed_from_int(bridge_presenter_get_border(window->presenter));
	wl_fixed_t max = wl_fixed_from_int(size > 0 ? size : 1) - 1;
	return c < 0 ? 0 : c > max ? max : c;
}

static void send_keymap(struct bridge_dom0 *dom0, struct wl_resource *seat)
{
	if (!dom0->keymap) {
		return;
	}
	wgb_seat_send_keymap(seat, dom0->keymap_format, dom0->keymap_size);
	for (uint32_t off = 0; off < dom0->keymap_size; off += KEYMAP_CHUNK) {
		uint32_t n = dom0->keymap_size - off < KEYMAP_CHUNK ? dom0->keymap_size - off
								    : KEYMAP_CHUNK;
		struct wl_array chunk = {.size = n, .alloc = n, .data = dom0->keymap + off};
		wgb_seat_send_keymap_data(seat, &chunk);
	}
}

/* --- keyboard ----------------------------------------------------------- */

static void keyboard_keymap(
	void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd, uint32_t size)
{
	struct bridge_dom0 *dom0 = data;
	if (size == 0 || size > KEYMAP_MAX) {
		bridge_log(BRIDGE_LOG_ERROR, "keymap of %u bytes ignored", size);
		close(fd);
		return;
	}
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot map the keymap");
		return;
	}
	char *copy = malloc(size);
	if (!copy) {
		munmap(map, size);
		return;
	}
	memcpy(copy, map, size);
	munmap(map, size);
	free(dom0->keymap);
	dom0->keymap = copy;
	dom0->keymap_size = size;
	dom0->keymap_format = format;
	struct wl_resource *seat = guest_seat(dom0);
	if (seat) {
		send_keymap(dom0, seat);
	}
}

static void keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	struct bridge_dom0 *dom0 = data;
	int32_t ox, oy;
	struct bridge_window *window =
		bridge_presenter_window_from_surface(dom0->daemon, surface, &ox, &oy);
	dom0->keyboard_focus = window;
	struct wl_resource *seat = seat_for(dom0, window);
	if (seat) {
		wgb_seat_send_keyboard_enter(seat, window->resource, keys);
		wgb_seat_send_modifiers(
			seat, dom0->mods[0], dom0->mods[1], dom0->mods[2], dom0->mods[3]);
	}
}

static void keyboard_leave(
	void *data, struct wl_keyboard *keyboard, uint32_t serial, struct wl_surface *surface)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = seat_for(dom0, dom0->keyboard_focus);
	if (seat) {
		wgb_seat_send_keyboard_leave(seat, dom0->keyboard_focus->resource);
	}
	dom0->keyboard_focus = NULL;
}

static void keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time,
	uint32_t key, uint32_t state)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = seat_for(dom0, dom0->keyboard_focus);
	if (seat) {
		wgb_seat_send_key(seat, time, key, state);
	}
}

static void keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group)
{
	struct bridge_dom0 *dom0 = data;
	dom0->mods[0] = depressed;
	dom0->mods[1] = latched;
	dom0->mods[2] = locked;
	dom0->mods[3] = group;
	struct wl_resource *seat = seat_for(dom0, dom0->keyboard_focus);
	if (seat) {
		wgb_seat_send_modifiers(seat, depressed, latched, locked, group);
	}
}

static void keyboard_repeat_info(
	void *data, struct wl_keyboard *keyboard, int32_t rate, int32_t delay)
{
	struct bridge_dom0 *dom0 = data;
	dom0->repeat_rate = rate;
	dom0->repeat_delay = delay;
	struct wl_resource *seat = guest_seat(dom0);
	if (seat) {
		wgb_seat_send_repeat_info(seat, rate, delay);
	}
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

/* --- pointer ------------------------------------------------------------ */

/* Whether X,Y on WINDOW's dom0 surface is over the guest's content: our
 * frame around it belongs to dom0, and what happens there is not the
 * guest's to see. */
static bool on_content(struct bridge_window *window, wl_fixed_t x, wl_fixed_t y)
{
	int32_t width, height;
	bridge_presenter_get_size(window->presenter, &width, &height);
	wl_fixed_t left = wl_fixed_from_int(bridge_presenter_get_border(window->presenter));
	return x >= left && y >= left && x < left + wl_fixed_from_int(width) &&
	       y < left + wl_fixed_from_int(height);
}

/* The seat to send pointer events to: only while the guest has the focus
 * window entered. */
static struct wl_resource *pointer_seat(struct bridge_dom0 *dom0)
{
	struct wl_resource *seat =
		dom0->pointer_entered ? seat_for(dom0, dom0->pointer_focus) : NULL;
	if (seat) {
		dom0->pointer_sent = true;
	}
	return seat;
}

/* After the pointer moved (MOVED) or a button went up: the guest's window
 * is entered when the pointer is over its content and left over our frame.
 * A held button keeps the side it was pressed on, as a compositor's
 * implicit grab does: a drag begun in the content goes on over the frame
 * (at the content's nearest edge), one begun on the frame never enters. */
static void pointer_update(struct bridge_dom0 *dom0, uint32_t time, bool moved)
{
	struct bridge_window *window = dom0->pointer_focus;
	struct wl_resource *seat = seat_for(dom0, window);
	if (!seat) {
		dom0->pointer_entered = false;
		return;
	}
	bool inside = on_content(window, dom0->pointer_x, dom0->pointer_y);
	wl_fixed_t x = content_coord(window, dom0->pointer_x, false);
	wl_fixed_t y = content_coord(window, dom0->pointer_y, true);
	if (dom0->pointer_entered && !inside && !dom0->guest_buttons) {
		wgb_seat_send_pointer_leave(seat, window->resource);
		dom0->pointer_entered = false;
		dom0->pointer_sent = true;
	} else if (dom0->pointer_entered && moved) {
		wgb_seat_send_pointer_motion(seat, time, x, y);
		dom0->pointer_sent = true;
	} else if (!dom0->pointer_entered && inside && !dom0->frame_buttons) {
		wgb_seat_send_pointer_enter(seat, window->resource, x, y);
		dom0->pointer_entered = true;
		dom0->pointer_sent = true;
	}
}

static void pointer_reset(struct bridge_dom0 *dom0, struct bridge_window *window)
{
	dom0->pointer_focus = window;
	dom0->pointer_entered = false;
	dom0->guest_buttons = 0;
	dom0->frame_buttons = 0;
}

static void pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_dom0 *dom0 = data;
	int32_t ox, oy;
	pointer_reset(dom0, bridge_presenter_window_from_surface(dom0->daemon, surface, &ox, &oy));
	dom0->pointer_origin_x = wl_fixed_from_int(ox);
	dom0->pointer_origin_y = wl_fixed_from_int(oy);
	dom0->pointer_x = x + dom0->pointer_origin_x;
	dom0->pointer_y = y + dom0->pointer_origin_y;
	pointer_update(dom0, 0, false);
}

static void pointer_leave(
	void *data, struct wl_pointer *pointer, uint32_t serial, struct wl_surface *surface)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = pointer_seat(dom0);
	if (seat) {
		wgb_seat_send_pointer_leave(seat, dom0->pointer_focus->resource);
	}
	pointer_reset(dom0, NULL);
}

static void pointer_motion(
	void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_dom0 *dom0 = data;
	dom0->pointer_x = x + dom0->pointer_origin_x;
	dom0->pointer_y = y + dom0->pointer_origin_y;
	pointer_update(dom0, time, true);
}

static void pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
	uint32_t button, uint32_t state)
{
	struct bridge_dom0 *dom0 = data;
	bool pressed = state == WL_POINTER_BUTTON_STATE_PRESSED;
	struct wl_resource *seat = pointer_seat(dom0);
	uint32_t *held = seat ? &dom0->guest_buttons : &dom0->frame_buttons;
	if (seat) {
		wgb_seat_send_pointer_button(seat, time, button, state);
	}
	if (pressed) {
		(*held)++;
	} else if (*held > 0) {
		(*held)--;
		pointer_update(dom0, time, false);
	}
}

static void pointer_axis(
	void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis, wl_fixed_t value)
{
	struct wl_resource *seat = pointer_seat(data);
	if (seat) {
		wgb_seat_send_pointer_axis(seat, time, axis, value);
	}
}

static void pointer_frame(void *data, struct wl_pointer *pointer)
{
	struct bridge_dom0 *dom0 = data;
	/* ends what the guest saw (a leave too); nothing stayed on our frame */
	struct wl_resource *seat = dom0->pointer_sent ? guest_seat(dom0) : NULL;
	if (seat) {
		wgb_seat_send_pointer_frame(seat);
	}
	dom0->pointer_sent = false;
}

static void pointer_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
	struct wl_resource *seat = pointer_seat(data);
	if (seat) {
		wgb_seat_send_pointer_axis_source(seat, source);
	}
}

static void pointer_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis)
{
	struct wl_resource *seat = pointer_seat(data);
	if (seat) {
		wgb_seat_send_pointer_axis_stop(seat, time, axis);
	}
}

static void pointer_axis_discrete(
	void *data, struct wl_pointer *pointer, uint32_t axis, int32_t discrete)
{
	struct wl_resource *seat = pointer_seat(data);
	if (seat) {
		wgb_seat_send_pointer_axis_discrete(seat, axis, discrete);
	}
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
	.frame = pointer_frame,
	.axis_source = pointer_axis_source,
	.axis_stop = pointer_axis_stop,
	.axis_discrete = pointer_axis_discrete,
};

/* --- touch -------------------------------------------------------------- */

static void touch_down(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time,
	struct wl_surface *surface, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_dom0 *dom0 = data;
	int32_t ox, oy;
	struct bridge_window *window =
		bridge_presenter_window_from_surface(dom0->daemon, surface, &ox, &oy);
	dom0->touch_focus = window;
	dom0->touch_origin_x = wl_fixed_from_int(ox);
	dom0->touch_origin_y = wl_fixed_from_int(oy);
	struct wl_resource *seat = seat_for(dom0, window);
	if (seat) {
		wgb_seat_send_touch_down(seat, time, window->resource, id,
			content_coord(window, x + dom0->touch_origin_x, false),
			content_coord(window, y + dom0->touch_origin_y, true));
	}
}

static void touch_up(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time, int32_t id)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = seat_for(dom0, dom0->touch_focus);
	if (seat) {
		wgb_seat_send_touch_up(seat, time, id);
	}
}

static void touch_motion(
	void *data, struct wl_touch *touch, uint32_t time, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_dom0 *dom0 = data;
	struct bridge_window *window = dom0->touch_focus;
	struct wl_resource *seat = seat_for(dom0, window);
	if (seat) {
		wgb_seat_send_touch_motion(seat, time, id,
			content_coord(window, x + dom0->touch_origin_x, false),
			content_coord(window, y + dom0->touch_origin_y, true));
	}
}

static void touch_frame(void *data, struct wl_touch *touch)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = seat_for(dom0, dom0->touch_focus);
	if (seat) {
		wgb_seat_send_touch_frame(seat);
	}
}

static void touch_cancel(void *data, struct wl_touch *touch)
{
	struct bridge_dom0 *dom0 = data;
	struct wl_resource *seat = seat_for(dom0, dom0->touch_focus);
	if (seat) {
		wgb_seat_send_touch_cancel(seat);
	}
	dom0->touch_focus = NULL;
}

static void touch_shape(
	void *data, struct wl_touch *touch, int32_t id, wl_fixed_t major, wl_fixed_t minor)
{
}

static void touch_orientation(
	void *data, struct wl_touch *touch, int32_t id, wl_fixed_t orientation)
{
}

static const struct wl_touch_listener touch_listener = {
	.down = touch_down,
	.up = touch_up,
	.motion = touch_motion,
	.frame = touch_frame,
	.cancel = touch_cancel,
	.shape = touch_shape,
	.orientation = touch_orientation,
};

/* --- seat --------------------------------------------------------------- */

static uint32_t guest_caps(struct bridge_dom0 *dom0)
{
	uint32_t caps = 0;
	if (dom0->seat_caps & WL_SEAT_CAPABILITY_POINTER) {
		caps |= WGB_SEAT_CAPABILITY_POINTER;
	}
	if (dom0->seat_caps & WL_SEAT_CAPABILITY_KEYBOARD) {
		caps |= WGB_SEAT_CAPABILITY_KEYBOARD;
	}
	if (dom0->seat_caps & WL_SEAT_CAPABILITY_TOUCH) {
		caps |= WGB_SEAT_CAPABILITY_TOUCH;
	}
	return caps;
}

static void seat_capabilities(void *data, struct wl_seat *wl_seat, uint32_t caps)
{
	struct bridge_dom0 *dom0 = data;
	dom0->seat_caps = caps;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !dom0->keyboard) {
		dom0->keyboard = wl_seat_get_keyboard(wl_seat);
		wl_keyboard_add_listener(dom0->keyboard, &keyboard_listener, dom0);
	} else if (!(caps & WL_SEAT_CAPABILITY_KEYBOARD) && dom0->keyboard) {
		wl_keyboard_release(dom0->keyboard);
		dom0->keyboard = NULL;
		dom0->keyboard_focus = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !dom0->pointer) {
		dom0->pointer = wl_seat_get_pointer(wl_seat);
		wl_pointer_add_listener(dom0->pointer, &pointer_listener, dom0);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && dom0->pointer) {
		wl_pointer_release(dom0->pointer);
		dom0->pointer = NULL;
		pointer_reset(dom0, NULL);
	}
	if ((caps & WL_SEAT_CAPABILITY_TOUCH) && !dom0->touch) {
		dom0->touch = wl_seat_get_touch(wl_seat);
		wl_touch_add_listener(dom0->touch, &touch_listener, dom0);
	} else if (!(caps & WL_SEAT_CAPABILITY_TOUCH) && dom0->touch) {
		wl_touch_release(dom0->touch);
		dom0->touch = NULL;
		dom0->touch_focus = NULL;
	}
	struct wl_resource *seat = guest_seat(dom0);
	if (seat) {
		wgb_seat_send_capabilities(seat, guest_caps(dom0));
	}
}

static void seat_name(void *data, struct wl_seat *wl_seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

void bridge_input_seat_bound(struct bridge_dom0 *dom0)
{
	wl_seat_add_listener(dom0->seat, &seat_listener, dom0);
}

void bridge_input_finish(struct bridge_dom0 *dom0)
{
	if (dom0->keyboard) {
		wl_keyboard_release(dom0->keyboard);
	}
	if (dom0->pointer) {
		wl_pointer_release(dom0->pointer);
	}
	if (dom0->touch) {
		wl_touch_release(dom0->touch);
	}
	if (dom0->seat) {
		wl_seat_release(dom0->seat);
	}
	free(dom0->keymap);
}

void bridge_input_window_gone(struct bridge_dom0 *dom0, struct bridge_window *window)
{
	/* no leave: the guest destroyed the window itself */
	if (dom0->keyboard_focus == window) {
		dom0->keyboard_focus = NULL;
	}
	if (dom0->pointer_focus == window) {
		pointer_reset(dom0, NULL);
	}
	if (dom0->touch_focus == window) {
		dom0->touch_focus = NULL;
	}
}

/* --- the guest's seat --------------------------------------------------- */

static void seat_set_cursor(struct wl_client *client, struct wl_resource *resource,
	struct wl_resource *buffer_resource, int32_t untrusted_hotspot_x,
	int32_t untrusted_hotspot_y)
{
	struct bridge_guest *guest = wl_resource_get_user_data(resource);
	struct bridge_buffer *buffer = bridge_buffer_from_resource(buffer_resource);
	if (!buffer) {
		return;
	}
	if (buffer->width > CURSOR_MAX || buffer->height > CURSOR_MAX) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VALUE, "cursor of %dx%d",
			buffer->width, buffer->height);
		return;
	}
	if (untrusted_hotspot_x < 0 || untrusted_hotspot_x >= buffer->width ||
		untrusted_hotspot_y < 0 || untrusted_hotspot_y >= buffer->height) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VALUE,
			"cursor hotspot %d,%d outside %dx%d", untrusted_hotspot_x,
			untrusted_hotspot_y, buffer->width, buffer->height);
		return;
	}
	/* Checked, but not shown yet: dom0's own cursor stays over guest
	 * windows. The buffer is not kept, so it is free again at once. */
	wgb_buffer_send_release(buffer->resource);
}

static const struct wgb_seat_interface seat_impl = {
	.set_cursor = seat_set_cursor,
};

static void seat_resource_destroy(struct wl_resource *resource)
{
	struct bridge_guest *guest = wl_resource_get_user_data(resource);
	if (guest->seat == resource) {
		guest->seat = NULL;
	}
}

void bridge_input_create_seat(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id)
{
	struct bridge_dom0 *dom0 = guest->daemon->dom0;
	struct wl_client *client = wl_resource_get_client(bridge);
	struct wl_resource *seat = wl_resource_create(client, &wgb_seat_interface, 1, id);
	if (!seat) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(seat, &seat_impl, guest, seat_resource_destroy);
	guest->seat = seat;
	wgb_seat_send_capabilities(seat, guest_caps(dom0));
	send_keymap(dom0, seat);
	if (dom0->keyboard) {
		wgb_seat_send_repeat_info(seat, dom0->repeat_rate, dom0->repeat_delay);
	}
	/* a window of this guest may hold the focus already */
	if (dom0->keyboard_focus && dom0->keyboard_focus->guest == guest) {
		struct wl_array none;
		wl_array_init(&none);
		wgb_seat_send_keyboard_enter(seat, dom0->keyboard_focus->resource, &none);
	}
}
