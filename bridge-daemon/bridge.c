/*
 * The wgb_bridge global: version handshake, then the factories for pools,
 * windows and the seat. Nothing but hello is accepted before welcome.
 */
#include <stdlib.h>
#include <wayland-server.h>

#include "bridge.h"
#include "dom0.h"
#include "guest.h"
#include "input.h"
#include "pool.h"
#include "window.h"
#include "log.h"
#include "sanitize.h"
#include "wl-grant-bridge-protocol.h"

#define GUEST_NAME_LOG_MAX 64

static struct bridge_guest *guest_of(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

/* True if the guest said hello; otherwise fails the link. */
static bool check_hello(struct bridge_guest *guest)
{
	if (!guest->hello_done) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VERSION, "request before hello");
		return false;
	}
	return true;
}

static void bridge_hello(struct wl_client *client, struct wl_resource *resource,
	uint32_t untrusted_version, const char *untrusted_guest_name)
{
	struct bridge_guest *guest = guest_of(resource);
	struct bridge_daemon *daemon = guest->daemon;
	if (guest->hello_done) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VERSION, "hello repeated");
		return;
	}
	if (untrusted_version >> 16 != BRIDGE_VERSION_MAJOR) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VERSION,
			"guest speaks major version %u, we speak %u", untrusted_version >> 16,
			BRIDGE_VERSION_MAJOR);
		return;
	}
	if (!bridge_utf8_valid(untrusted_guest_name)) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VALUE, "guest name is not UTF-8");
		return;
	}
	char *name = bridge_sanitize_text(untrusted_guest_name, GUEST_NAME_LOG_MAX);
	if (!name) {
		wl_client_post_no_memory(client);
		return;
	}
	bridge_log(BRIDGE_LOG_INFO, "domain %u: hello from '%s', version %u.%u",
		grantlink_get_peer_domid(guest->link), name, untrusted_version >> 16,
		untrusted_version & 0xffff);
	free(name);
	guest->hello_done = true;
	bridge_dom0_send_outputs(daemon->dom0, guest);
	const struct bridge_limits *limits = &daemon->config.limits;
	/* feedback is answered while dom0's compositor offers presentation-time */
	uint32_t caps = WGB_BRIDGE_CAPABILITY_INDIRECT_REFS;
	if (daemon->dom0 && daemon->dom0->presentation) {
		caps |= WGB_BRIDGE_CAPABILITY_PRESENTATION;
	}
	wgb_bridge_send_welcome(resource, BRIDGE_VERSION_MAJOR << 16 | BRIDGE_VERSION_MINOR, caps,
		limits->max_width, limits->max_height, limits->max_windows, limits->max_pages);
}

static void bridge_create_pool(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	uint32_t untrusted_size)
{
	struct bridge_guest *guest = guest_of(resource);
	if (!check_hello(guest)) {
		return;
	}
	bridge_pool_create(guest, resource, id, untrusted_size);
}

/* A toplevel or popup may come: after hello and below the window limit. */
static bool may_add_window(struct bridge_guest *guest)
{
	if (!check_hello(guest)) {
		return false;
	}
	if (guest->nwindows >= guest->daemon->config.limits.max_windows) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_LIMIT, "more than %u windows",
			guest->daemon->config.limits.max_windows);
		return false;
	}
	return true;
}

static void bridge_create_toplevel(
	struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct bridge_guest *guest = guest_of(resource);
	if (!may_add_window(guest)) {
		return;
	}
	bridge_window_create_toplevel(guest, id);
}

static void bridge_create_popup(struct wl_client *client, struct wl_resource *resource, uint32_t id,
	struct wl_resource *parent, int32_t untrusted_x, int32_t untrusted_y,
	int32_t untrusted_width, int32_t untrusted_height)
{
	struct bridge_guest *guest = guest_of(resource);
	if (!may_add_window(guest)) {
		return;
	}
	bridge_window_create_popup(
		guest, id, parent, untrusted_x, untrusted_y, untrusted_width, untrusted_height);
}

static void bridge_get_seat(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct bridge_guest *guest = guest_of(resource);
	if (!check_hello(guest)) {
		return;
	}
	if (guest->seat) {
		bridge_guest_fail(guest, WGB_BRIDGE_ERROR_BAD_VALUE, "second get_seat");
		return;
	}
	bridge_input_create_seat(guest, resource, id);
}

static const struct wgb_bridge_interface bridge_impl = {
	.hello = bridge_hello,
	.create_pool = bridge_create_pool,
	.create_toplevel = bridge_create_toplevel,
	.create_popup = bridge_create_popup,
	.get_seat = bridge_get_seat,
};

static void bridge_resource_destroy(struct wl_resource *resource)
{
	struct bridge_guest *guest = guest_of(resource);
	if (guest && guest->bridge == resource) {
		guest->bridge = NULL;
	}
}

static void bridge_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct bridge_daemon *daemon = data;
	struct bridge_guest *guest = bridge_guest_from_client(daemon, client);
	struct wl_resource *resource = wl_resource_create(client, &wgb_bridge_interface, 1, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	if (!guest || guest->bridge) {
		/* one bridge per link: a second one is not served */
		wl_resource_set_implementation(resource, &bridge_impl, NULL, NULL);
		wl_resource_post_error(
			resource, WGB_BRIDGE_ERROR_BAD_VERSION, "bridge bound twice");
		if (guest) {
			guest->failed = true;
			daemon->counters.protocol_errors++;
		}
		return;
	}
	wl_resource_set_implementation(resource, &bridge_impl, guest, bridge_resource_destroy);
	guest->bridge = resource;
}

bool bridge_global_create(struct bridge_daemon *daemon)
{
	daemon->bridge_global =
		wl_global_create(daemon->display, &wgb_bridge_interface, 1, daemon, bridge_bind);
	return daemon->bridge_global != NULL;
}

void bridge_send_output(struct bridge_guest *guest, uint32_t name, int32_t x, int32_t y,
	int32_t width, int32_t height, int32_t scale, int32_t refresh)
{
	if (guest->bridge && guest->hello_done) {
		wgb_bridge_send_output(guest->bridge, name, x, y, width, height, scale, refresh);
	}
}

void bridge_send_output_removed(struct bridge_guest *guest, uint32_t name)
{
	if (guest->bridge && guest->hello_done) {
		wgb_bridge_send_output_removed(guest->bridge, name);
	}
}
