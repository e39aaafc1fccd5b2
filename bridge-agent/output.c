/*
 * Outputs mirrored from dom0. A headless wlr_output gives apps a real
 * wl_output (and, through the layout, an xdg_output) with dom0's geometry;
 * nothing is ever rendered to it.
 */
#include <stdlib.h>
#include <wlr/backend/headless.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>

#include "log.h"
#include "output.h"
#include "server.h"

static struct bridge_output *find(struct bridge_server *server, uint32_t name)
{
	struct bridge_output *out;
	wl_list_for_each(out, &server->outputs, link)
	{
		if (out->name == name) {
			return out;
		}
	}
	return NULL;
}

static void destroy(struct bridge_output *out)
{
	wl_list_remove(&out->link);
	wlr_output_layout_remove(out->server->layout, out->output);
	wlr_output_destroy(out->output);
	free(out);
}

void bridge_output_update(struct bridge_server *server, uint32_t name, int32_t x, int32_t y,
	int32_t width, int32_t height, int32_t scale, int32_t refresh)
{
	if (width <= 0 || height <= 0 || width > 65536 || height > 65536) {
		bridge_log(
			BRIDGE_LOG_ERROR, "ignoring output %u of size %dx%d", name, width, height);
		return;
	}
	if (scale < 1) {
		scale = 1;
	}
	struct bridge_output *out = find(server, name);
	if (out && (out->output->width != width * scale || out->output->height != height * scale)) {
		/* a headless output's mode is fixed at creation: make it anew */
		destroy(out);
		out = NULL;
	}
	if (!out) {
		out = calloc(1, sizeof(*out));
		if (!out) {
			bridge_log(BRIDGE_LOG_ERROR, "out of memory for output %u", name);
			return;
		}
		out->output = wlr_headless_add_output(
			server->backend, (unsigned)(width * scale), (unsigned)(height * scale));
		if (!out->output) {
			free(out);
			return;
		}
		out->server = server;
		out->name = name;
		wlr_output_init_render(out->output, server->allocator, server->renderer);
		wl_list_insert(server->outputs.prev, &out->link);
		wlr_output_create_global(out->output);
	}
	wlr_output_set_scale(out->output, (float)scale);
	wlr_output_enable(out->output, true);
	if (!wlr_output_commit(out->output)) {
		bridge_log(BRIDGE_LOG_DEBUG, "output %u: commit refused", name);
	}
	/* headless outputs keep their fixed mode; the agent's pacing wants
	 * dom0's */
	out->refresh = refresh > 0 ? refresh : 0;
	wlr_output_layout_add(server->layout, out->output, x, y);
}

void bridge_output_remove(struct bridge_server *server, uint32_t name)
{
	struct bridge_output *out = find(server, name);
	if (out) {
		destroy(out);
	}
}

struct wlr_output *bridge_output_any(struct bridge_server *server)
{
	if (wl_list_empty(&server->outputs)) {
		return NULL;
	}
	struct bridge_output *out = wl_container_of(server->outputs.next, out, link);
	return out->output;
}

int64_t bridge_output_min_period_ns(struct bridge_server *server)
{
	int64_t period = 0;
	struct bridge_output *out;
	wl_list_for_each(out, &server->outputs, link)
	{
		if (out->refresh > 0) {
			int64_t p = 1000000000000LL / out->refresh;
			period = period && period < p ? period : p;
		}
	}
	return period ? period : 1000000000000LL / 60000;
}

void bridge_outputs_finish(struct bridge_server *server)
{
	struct bridge_output *out, *tmp;
	wl_list_for_each_safe(out, tmp, &server->outputs, link)
	{
		destroy(out);
	}
}
