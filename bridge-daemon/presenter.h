/*
 * A guest window in dom0: surface, frame, shm buffers, damage copy.
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
 * presenter releases the buffer once it copied it. */
void bridge_presenter_commit(struct bridge_presenter *presenter, bool attached,
	struct bridge_buffer *buffer, pixman_region32_t *damage, bool want_frame);
/* The buffer is going away: drop it if still queued. */
void bridge_presenter_forget_buffer(struct bridge_presenter *presenter, struct bridge_buffer *b);
/* The window the dom0 surface SURFACE shows, if it is one of ours. */
struct bridge_window *bridge_presenter_window_from_surface(
	struct bridge_daemon *daemon, void *surface);
int32_t bridge_presenter_get_border(struct bridge_presenter *presenter);
void bridge_presenter_get_size(struct bridge_presenter *p, int32_t *width, int32_t *height);

#endif
