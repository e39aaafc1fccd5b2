/*
 * xdg-shell handling: which surfaces become link windows, and when. A
 * toplevel or popup is a window from creation; it reaches dom0 while
 * mapped. Decorations are always server-side: dom0 draws the frame.
 */
#include <stdlib.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/types/wlr_xdg_shell.h>

#include "log.h"
#include "server.h"
#include "window.h"
#include "xdg_shell.h"

struct xdg_view {
	struct bridge_window *window;
	struct wl_listener map, unmap, destroy, ack_configure;
	struct wl_listener set_title, set_app_id;
};

struct decoration {
	struct wlr_xdg_toplevel_decoration_v1 *decoration;
	struct wl_listener request_mode, destroy;
};

static void handle_map(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, map);
	bridge_window_map(view->window);
}

static void handle_unmap(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, unmap);
	bridge_window_unmap(view->window);
}

static void handle_ack_configure(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, ack_configure);
	struct wlr_xdg_surface_configure *configure = data;
	bridge_window_acked(view->window, configure->serial);
}

static void handle_set_title(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, set_title);
	bridge_window_update_info(view->window);
}

static void handle_set_app_id(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, set_app_id);
	bridge_window_update_info(view->window);
}

static void handle_destroy(struct wl_listener *listener, void *data)
{
	struct xdg_view *view = wl_container_of(listener, view, destroy);
	bridge_window_destroy(view->window);
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->ack_configure.link);
	wl_list_remove(&view->set_title.link);
	wl_list_remove(&view->set_app_id.link);
	free(view);
}

static struct bridge_window *find_window(struct bridge_server *server, struct wlr_surface *surface)
{
	struct bridge_window *window;
	wl_list_for_each(window, &server->windows, link)
	{
		if (window->xdg->surface == surface) {
			return window;
		}
	}
	return NULL;
}

static void handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct bridge_server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg = data;
	struct bridge_window *parent = NULL;
	if (xdg->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		parent = find_window(server, xdg->popup->parent);
		if (!parent) {
			/* a popup on something that is no window of ours */
			bridge_log(BRIDGE_LOG_DEBUG, "popup without a known parent: not shown");
			return;
		}
	} else if (xdg->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}
	struct xdg_view *view = calloc(1, sizeof(*view));
	if (!view) {
		wl_resource_post_no_memory(xdg->resource);
		return;
	}
	view->window = bridge_window_create(server, xdg, parent);
	if (!view->window) {
		free(view);
		wl_resource_post_no_memory(xdg->resource);
		return;
	}
	view->map.notify = handle_map;
	wl_signal_add(&xdg->events.map, &view->map);
	view->unmap.notify = handle_unmap;
	wl_signal_add(&xdg->events.unmap, &view->unmap);
	view->destroy.notify = handle_destroy;
	wl_signal_add(&xdg->events.destroy, &view->destroy);
	view->ack_configure.notify = handle_ack_configure;
	wl_signal_add(&xdg->events.ack_configure, &view->ack_configure);
	wl_list_init(&view->set_title.link);
	wl_list_init(&view->set_app_id.link);
	if (xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		view->set_title.notify = handle_set_title;
		wl_signal_add(&xdg->toplevel->events.set_title, &view->set_title);
		view->set_app_id.notify = handle_set_app_id;
		wl_signal_add(&xdg->toplevel->events.set_app_id, &view->set_app_id);
	}
}

static void decoration_handle_request_mode(struct wl_listener *listener, void *data)
{
	struct decoration *deco = wl_container_of(listener, deco, request_mode);
	wlr_xdg_toplevel_decoration_v1_set_mode(
		deco->decoration, WLR_XDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

static void decoration_handle_destroy(struct wl_listener *listener, void *data)
{
	struct decoration *deco = wl_container_of(listener, deco, destroy);
	wl_list_remove(&deco->request_mode.link);
	wl_list_remove(&deco->destroy.link);
	free(deco);
}

static void handle_new_decoration(struct wl_listener *listener, void *data)
{
	struct wlr_xdg_toplevel_decoration_v1 *decoration = data;
	struct decoration *deco = calloc(1, sizeof(*deco));
	if (!deco) {
		wl_resource_post_no_memory(decoration->resource);
		return;
	}
	deco->decoration = decoration;
	deco->request_mode.notify = decoration_handle_request_mode;
	wl_signal_add(&decoration->events.request_mode, &deco->request_mode);
	deco->destroy.notify = decoration_handle_destroy;
	wl_signal_add(&decoration->events.destroy, &deco->destroy);
	wlr_xdg_toplevel_decoration_v1_set_mode(
		decoration, WLR_XDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

void bridge_xdg_shell_init(struct bridge_server *server)
{
	server->new_xdg_surface.notify = handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);
	server->new_decoration.notify = handle_new_decoration;
	wl_signal_add(&server->decoration_manager->events.new_toplevel_decoration,
		&server->new_decoration);
}

void bridge_xdg_shell_finish(struct bridge_server *server)
{
	wl_list_remove(&server->new_xdg_surface.link);
	wl_list_remove(&server->new_decoration.link);
}
