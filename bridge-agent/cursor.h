/*
 * The cursor image an app set, sent to the daemon as a grant-backed buffer
 * with its hotspot (wgb_seat.set_cursor).
 */
#ifndef BRIDGE_AGENT_CURSOR_H
#define BRIDGE_AGENT_CURSOR_H

#include <stdint.h>

struct bridge_server;
struct wlr_surface;
struct wgb_seat;

struct bridge_cursor *bridge_cursor_create(struct bridge_server *server);
void bridge_cursor_destroy(struct bridge_cursor *cursor);
/* SURFACE NULL hides the cursor. */
void bridge_cursor_set(struct bridge_cursor *cursor, struct wlr_surface *surface, int32_t hotspot_x,
	int32_t hotspot_y);
void bridge_cursor_link_up(struct bridge_cursor *cursor, struct wgb_seat *seat);
void bridge_cursor_link_down(struct bridge_cursor *cursor);

#endif
