/*
 * The agent's state shared by its parts: the wlroots objects apps talk to,
 * the link to dom0, and the windows.
 */
#ifndef BRIDGE_AGENT_SERVER_H
#define BRIDGE_AGENT_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>

struct bridge_link;
struct bridge_seat;

struct bridge_server {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_compositor *compositor;
	struct wlr_xdg_shell *xdg_shell;
	struct wlr_presentation *presentation;
	struct wlr_output_layout *layout;
	struct wlr_xdg_decoration_manager_v1 *decoration_manager;

	struct bridge_link *link;
	struct bridge_seat *seat;

	struct wl_list windows; /* bridge_window::link, in creation order */
	struct wl_list outputs; /* bridge_output::link */
	int nclients;

	struct wl_listener new_xdg_surface;
	struct wl_listener new_decoration;
	struct wl_listener client_created;

	const char *stats_path;
	struct wl_event_source *stats_timer;

	pid_t child;
	int exit_status;
	bool quit;
};

/* Writes the stats file now if one was asked for. */
void bridge_server_write_stats(struct bridge_server *server);

#endif
