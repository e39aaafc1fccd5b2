/*
 * The daemon as a client of dom0's compositor: globals, outputs, and the
 * connection's place in the daemon's event loop (prepare_read before
 * sleeping, read_events after).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>

#include "bridge.h"
#include "dom0.h"
#include "guest.h"
#include "input.h"
#include "log.h"
#include "presentation-time-client-protocol.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void output_send(struct bridge_output *output)
{
	struct bridge_guest *guest = output->dom0->daemon->guest;
	if (!guest || !output->mode_seen) {
		return;
	}
	int32_t scale = output->scale > 0 ? output->scale : 1;
	bridge_send_output(guest, output->name, output->x, output->y, output->width / scale,
		output->height / scale, scale, output->refresh);
}

static void output_geometry(void *data, struct wl_output *wl_output, int32_t x, int32_t y,
	int32_t physical_width, int32_t physical_height, int32_t subpixel, const char *make,
	const char *model, int32_t transform)
{
	struct bridge_output *output = data;
	output->x = x;
	output->y = y;
}

static void output_mode(void *data, struct wl_output *wl_output, uint32_t flags, int32_t width,
	int32_t height, int32_t refresh)
{
	struct bridge_output *output = data;
	if (flags & WL_OUTPUT_MODE_CURRENT) {
		output->width = width;
		output->height = height;
		output->refresh = refresh;
		output->mode_seen = true;
	}
}

static void output_done(void *data, struct wl_output *wl_output)
{
	output_send(data);
}

static void output_scale(void *data, struct wl_output *wl_output, int32_t factor)
{
	struct bridge_output *output = data;
	output->scale = factor;
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

static void output_destroy(struct bridge_output *output)
{
	wl_list_remove(&output->link);
	wl_output_destroy(output->output);
	free(output);
}

static void presentation_clock_id(void *data, struct wp_presentation *presentation, uint32_t clk_id)
{
	struct bridge_dom0 *dom0 = data;
	dom0->presentation_clock = (clockid_t)clk_id;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct bridge_dom0 *dom0 = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0 && version >= 4) {
		dom0->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_subcompositor_interface.name) == 0) {
		dom0->subcompositor =
			wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		dom0->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		dom0->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(dom0->wm_base, &wm_base_listener, dom0);
	} else if (strcmp(interface, zxdg_decoration_manager_v1_interface.name) == 0) {
		dom0->decoration_manager =
			wl_registry_bind(registry, name, &zxdg_decoration_manager_v1_interface, 1);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		dom0->presentation =
			wl_registry_bind(registry, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(dom0->presentation, &presentation_listener, dom0);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !dom0->seat && version >= 5) {
		dom0->seat = wl_registry_bind(registry, name, &wl_seat_interface, 5);
		bridge_input_seat_bound(dom0);
	} else if (strcmp(interface, wl_output_interface.name) == 0 && version >= 2) {
		struct bridge_output *output = calloc(1, sizeof(*output));
		if (!output) {
			bridge_log(BRIDGE_LOG_ERROR, "out of memory: output %u ignored", name);
			return;
		}
		output->dom0 = dom0;
		output->name = name;
		output->scale = 1;
		output->output = wl_registry_bind(registry, name, &wl_output_interface, 2);
		wl_output_add_listener(output->output, &output_listener, output);
		wl_list_insert(dom0->outputs.prev, &output->link);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct bridge_dom0 *dom0 = data;
	struct bridge_output *output, *tmp;
	wl_list_for_each_safe(output, tmp, &dom0->outputs, link)
	{
		if (output->name == name) {
			if (dom0->daemon->guest) {
				bridge_send_output_removed(dom0->daemon->guest, name);
			}
			output_destroy(output);
		}
	}
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static int handle_readable(int fd, uint32_t mask, void *data)
{
	struct bridge_dom0 *dom0 = data;
	/* writable only wakes the loop: the next prepare flushes */
	if (mask & (WL_EVENT_READABLE | WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		dom0->readable = true;
	}
	return 0;
}

struct bridge_dom0 *bridge_dom0_connect(struct bridge_daemon *daemon, bool report)
{
	struct bridge_dom0 *dom0 = calloc(1, sizeof(*dom0));
	if (!dom0) {
		return NULL;
	}
	dom0->daemon = daemon;
	dom0->presentation_clock = CLOCK_MONOTONIC;
	wl_list_init(&dom0->outputs);
	wl_array_init(&dom0->pressed_keys);
	dom0->display = wl_display_connect(NULL);
	if (!dom0->display) {
		const char *name = getenv("WAYLAND_DISPLAY");
		if (report) {
			fprintf(stderr,
				"bridge-daemon: cannot connect to the compositor at %s: %s\n",
				name ? name : "wayland-0", strerror(errno));
		}
		free(dom0);
		return NULL;
	}
	dom0->registry = wl_display_get_registry(dom0->display);
	wl_registry_add_listener(dom0->registry, &registry_listener, dom0);
	/* globals, then the outputs' first state */
	if (wl_display_roundtrip(dom0->display) < 0 || wl_display_roundtrip(dom0->display) < 0) {
		if (report) {
			fprintf(stderr, "bridge-daemon: the compositor closed the connection\n");
		}
		goto out_disconnect;
	}
	const char *missing = !dom0->compositor      ? "wl_compositor v4"
			      : !dom0->subcompositor ? "wl_subcompositor"
			      : !dom0->shm           ? "wl_shm"
			      : !dom0->wm_base       ? "xdg_wm_base"
						     : NULL;
	if (missing) {
		if (report) {
			fprintf(stderr, "bridge-daemon: the compositor does not offer %s\n",
				missing);
		}
		goto out_disconnect;
	}
	dom0->source = wl_event_loop_add_fd(daemon->loop, wl_display_get_fd(dom0->display),
		WL_EVENT_READABLE, handle_readable, dom0);
	if (!dom0->source) {
		fprintf(stderr, "bridge-daemon: cannot watch the compositor connection\n");
		goto out_disconnect;
	}
	bridge_log(BRIDGE_LOG_INFO,
		"connected to the compositor; xdg-decoration %s, presentation-time %s",
		dom0->decoration_manager ? "offered" : "not offered",
		dom0->presentation ? "offered" : "not offered");
	return dom0;

out_disconnect:
	bridge_dom0_destroy(dom0);
	return NULL;
}

void bridge_dom0_destroy(struct bridge_dom0 *dom0)
{
	if (!dom0) {
		return;
	}
	if (dom0->read_prepared) {
		wl_display_cancel_read(dom0->display);
	}
	if (dom0->source) {
		wl_event_source_remove(dom0->source);
	}
	bridge_input_finish(dom0);
	struct bridge_output *output, *tmp;
	wl_list_for_each_safe(output, tmp, &dom0->outputs, link)
	{
		output_destroy(output);
	}
	if (dom0->decoration_manager) {
		zxdg_decoration_manager_v1_destroy(dom0->decoration_manager);
	}
	if (dom0->presentation) {
		wp_presentation_destroy(dom0->presentation);
	}
	if (dom0->wm_base) {
		xdg_wm_base_destroy(dom0->wm_base);
	}
	if (dom0->shm) {
		wl_shm_destroy(dom0->shm);
	}
	if (dom0->subcompositor) {
		wl_subcompositor_destroy(dom0->subcompositor);
	}
	if (dom0->compositor) {
		wl_compositor_destroy(dom0->compositor);
	}
	wl_registry_destroy(dom0->registry);
	wl_display_flush(dom0->display);
	wl_display_disconnect(dom0->display);
	wl_array_release(&dom0->pressed_keys);
	free(dom0);
}

void bridge_dom0_prepare(struct bridge_dom0 *dom0)
{
	while (wl_display_prepare_read(dom0->display) != 0) {
		wl_display_dispatch_pending(dom0->display);
	}
	dom0->read_prepared = true;
	dom0->readable = false;
	/* a full socket: wake up when it drains, to flush the rest; errors
	 * show up in read_events */
	uint32_t mask = WL_EVENT_READABLE;
	if (wl_display_flush(dom0->display) < 0 && errno == EAGAIN) {
		mask |= WL_EVENT_WRITABLE;
	}
	wl_event_source_fd_update(dom0->source, mask);
}

bool bridge_dom0_after_dispatch(struct bridge_dom0 *dom0)
{
	dom0->read_prepared = false;
	if (dom0->readable) {
		if (wl_display_read_events(dom0->display) < 0) {
			bridge_log_errno(BRIDGE_LOG_ERROR, "lost the compositor");
			return false;
		}
	} else {
		wl_display_cancel_read(dom0->display);
	}
	if (wl_display_dispatch_pending(dom0->display) < 0) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "lost the compositor");
		return false;
	}
	return true;
}

void bridge_dom0_send_outputs(struct bridge_dom0 *dom0, struct bridge_guest *guest)
{
	struct bridge_output *output;
	wl_list_for_each(output, &dom0->outputs, link)
	{
		output_send(output);
	}
}
