/*
 * A guest window in dom0: its surface showing the guest's buffers, and our
 * frame around them.
 */
#ifndef BRIDGE_PRESENTER_H
#define BRIDGE_PRESENTER_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

struct bridge_daemon;
struct bridge_window;
struct bridge_buffer;

struct bridge_presenter *bridge_presenter_create(struct bridge_window *window);
void bridge_presenter_destroy(struct bridge_presenter *presenter);
void bridge_presenter_set_title(struct bridge_presenter *presenter, const char *title);
void bridge_presenter_set_app_id(struct bridge_presenter *presenter, const char *app_id);
void bridge_presenter_set_size_limits(
	struct bridge_presenter *presenter, bool min, int32_t width, int32_t height);
/* A commit: BUFFER (NULL: hide) with DAMAGE in buffer pixels, clamped. The
 * buffer is released when dom0's compositor releases it, or at once if
 * dom0 never gets it. */
void bridge_presenter_commit(struct bridge_presenter *presenter, bool attached,
	struct bridge_buffer *buffer, pixman_region32_t *damage, bool want_frame);
/* The window the dom0 surface SURFACE is part of, if it is one of ours,
 * and where the surface's origin lies in the window's frame (the content
 * starts at border, border). */
struct bridge_window *bridge_presenter_window_from_surface(
	struct bridge_daemon *daemon, void *surface, int32_t *x, int32_t *y);
int32_t bridge_presenter_get_border(struct bridge_presenter *presenter);
void bridge_presenter_get_size(struct bridge_presenter *p, int32_t *width, int32_t *height);

#endif
