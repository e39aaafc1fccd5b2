/*
 * wl_output and xdg_output for apps, mirroring the outputs dom0's daemon
 * reports: one headless wlr_output each, placed in an output layout.
 */
#ifndef BRIDGE_AGENT_OUTPUT_H
#define BRIDGE_AGENT_OUTPUT_H

#include <stdint.h>
#include <wayland-server-core.h>

struct bridge_server;

struct bridge_output {
	struct bridge_server *server;
	struct wl_list link; /* bridge_server::outputs */
	uint32_t name;       /* the daemon's */
	struct wlr_output *output;
	int32_t refresh; /* dom0's, mHz; 0 unknown */
};

void bridge_output_update(struct bridge_server *server, uint32_t name, int32_t x, int32_t y,
	int32_t width, int32_t height, int32_t scale, int32_t refresh);
void bridge_output_remove(struct bridge_server *server, uint32_t name);
/* An output to name in presentation feedback; NULL if dom0 reported none. */
struct wlr_output *bridge_output_any(struct bridge_server *server);
/* The refresh period of dom0's fastest output, in ns; 60 Hz if unknown. */
int64_t bridge_output_min_period_ns(struct bridge_server *server);
void bridge_outputs_finish(struct bridge_server *server);

#endif
