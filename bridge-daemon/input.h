/*
 * Input from the dom0 seat, forwarded to the focused guest window; the
 * guest's wgb_seat.
 */
#ifndef BRIDGE_INPUT_H
#define BRIDGE_INPUT_H

#include <stdint.h>
#include <wayland-server-core.h>

struct bridge_dom0;
struct bridge_guest;
struct bridge_window;

void bridge_input_create_seat(struct bridge_guest *guest, struct wl_resource *bridge, uint32_t id);
/* A window is going away: end any focus it has. */
void bridge_input_window_gone(struct bridge_dom0 *dom0, struct bridge_window *window);

/* dom0.c bound the dom0 seat: listen to it. */
void bridge_input_seat_bound(struct bridge_dom0 *dom0);
/* Releases the dom0 input devices. */
void bridge_input_finish(struct bridge_dom0 *dom0);

#endif
