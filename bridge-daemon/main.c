/*
 * bridge-daemon: dom0's side of one guest. Waits for the guest's link,
 * serves it, and when it ends waits for the next one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server.h>

#include "config.h"
#include "bridge.h"
#include "daemon.h"
#include "dom0.h"
#include "guest.h"
#include "pool.h"
#include "log.h"
#include "stats.h"

#define STATS_INTERVAL_MS 500

void bridge_daemon_write_stats(struct bridge_daemon *daemon)
{
	if (!daemon->config.stats_path) {
		return;
	}
	const struct bridge_counters *c = &daemon->counters;
	const struct bridge_stat stats[] = {
		{"guests", c->guests},
		{"windows", c->windows},
		{"pools", c->pools},
		{"pages_mapped", c->pages_mapped},
		{"unmapped_acks", c->unmapped_acks},
		{"protocol_errors", c->protocol_errors},
		{"links_dropped", c->links_dropped},
		{"links_closed", c->links_closed},
		{"compositor_lost", c->compositor_lost},
		{"compositor_up", daemon->dom0 != NULL},
	};
	bridge_stats_write(daemon->config.stats_path, stats, sizeof(stats) / sizeof(stats[0]));
}

static int handle_stats_timer(void *data)
{
	struct bridge_daemon *daemon = data;
	bridge_daemon_write_stats(daemon);
	wl_event_source_timer_update(daemon->stats_timer, STATS_INTERVAL_MS);
	return 0;
}

static int handle_signal(int signal_number, void *data)
{
	struct bridge_daemon *daemon = data;
	bridge_log(BRIDGE_LOG_INFO, "signal %d: exiting", signal_number);
	daemon->running = false;
	return 0;
}

static int handle_domain(int fd, uint32_t mask, void *data)
{
	struct bridge_daemon *daemon = data;
	grantlink_domain_dispatch(daemon->domain);
	return 0;
}

static int handle_listener(int fd, uint32_t mask, void *data);

static bool start_listening(struct bridge_daemon *daemon)
{
	struct grantlink_link_config link_config = {
		.peer_domid = daemon->config.domid,
		.path = daemon->config.listen_path,
	};
	daemon->listener = grantlink_listen(daemon->domain, &link_config);
	if (!daemon->listener) {
		return false;
	}
	daemon->listener_source =
		wl_event_loop_add_fd(daemon->loop, grantlink_listener_get_fd(daemon->listener),
			WL_EVENT_READABLE, handle_listener, daemon);
	if (!daemon->listener_source) {
		grantlink_listener_destroy(daemon->listener);
		daemon->listener = NULL;
		return false;
	}
	return true;
}

static void stop_listening(struct bridge_daemon *daemon)
{
	if (daemon->listener_source) {
		wl_event_source_remove(daemon->listener_source);
		daemon->listener_source = NULL;
	}
	grantlink_listener_destroy(daemon->listener);
	daemon->listener = NULL;
}

static int handle_listener(int fd, uint32_t mask, void *data)
{
	struct bridge_daemon *daemon = data;
	struct grantlink *link = grantlink_listener_accept(daemon->listener);
	if (!link) {
		if (errno != EAGAIN) {
			bridge_log_errno(BRIDGE_LOG_ERROR, "accepting a link");
		}
		return 0;
	}
	if (daemon->guest && !daemon->guest->client) {
		/* the last link is ending: finish it before the new one */
		bridge_guest_destroy(daemon->guest);
	}
	if (daemon->guest) {
		/* one link per guest at a time */
		bridge_log(BRIDGE_LOG_ERROR, "domain %u: a second link refused",
			grantlink_get_peer_domid(link));
		grantlink_destroy(link);
		return 0;
	}
	if (!bridge_guest_create(daemon, link)) {
		bridge_log(BRIDGE_LOG_ERROR, "cannot serve a new link");
		grantlink_destroy(link);
		return 0;
	}
	if (daemon->config.transport == GRANTLINK_BACKEND_XEN) {
		/* a xen listener serves one link */
		stop_listening(daemon);
	}
	bridge_daemon_write_stats(daemon);
	return 0;
}

void bridge_daemon_link_ended(struct bridge_daemon *daemon)
{
	/* without a compositor there is nowhere to show a guest: the next
	 * link waits until it is back */
	if (!daemon->listener && daemon->running && daemon->dom0 && !start_listening(daemon)) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot listen for the next link");
		daemon->running = false;
		daemon->exit_status = 1;
	}
}

#define RECONNECT_MS 500

static int handle_reconnect_timer(void *data)
{
	struct bridge_daemon *daemon = data;
	daemon->dom0 = bridge_dom0_connect(daemon, false);
	if (!daemon->dom0) {
		wl_event_source_timer_update(daemon->reconnect_timer, RECONNECT_MS);
		return 0;
	}
	bridge_log(BRIDGE_LOG_INFO, "the compositor is back: serving the guest again");
	if (!start_listening(daemon)) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot listen for the next link");
		daemon->running = false;
		daemon->exit_status = 1;
	}
	bridge_daemon_write_stats(daemon);
	return 0;
}

/* dom0's compositor is gone: the guest's windows have nowhere to be, so its
 * link ends (every pool unmapped: the agent frees its grants and retries),
 * and the daemon waits for a compositor to come back. */
static void lose_compositor(struct bridge_daemon *daemon)
{
	bridge_log(BRIDGE_LOG_ERROR, "lost the compositor: ending the guest's link, "
				     "waiting for the compositor to come back");
	daemon->counters.compositor_lost++;
	bridge_guest_destroy(daemon->guest);
	stop_listening(daemon);
	bridge_pools_dom0_gone(daemon);
	bridge_dom0_destroy(daemon->dom0);
	daemon->dom0 = NULL;
	wl_event_source_timer_update(daemon->reconnect_timer, RECONNECT_MS);
	bridge_daemon_write_stats(daemon);
}

static void usage_error(const char *message)
{
	fprintf(stderr, "bridge-daemon: %s (see --help)\n", message);
}

int main(int argc, char *argv[])
{
	struct bridge_daemon daemon = {.running = true};
	wl_list_init(&daemon.retiring_pools);
	bridge_config_init(&daemon.config);
	char err[512];
	switch (bridge_config_parse(&daemon.config, argc, argv, err, sizeof(err))) {
	case BRIDGE_CONFIG_HELP:
		bridge_config_print_usage(argv[0]);
		return 0;
	case BRIDGE_CONFIG_ERROR:
		usage_error(err);
		return 2;
	case BRIDGE_CONFIG_OK:
		break;
	}
	/* At the default level, a startup failure is reported by our own one
	 * line on stderr, not also by the library underneath. */
	bridge_log_init(daemon.config.log_level == BRIDGE_LOG_ERROR ? BRIDGE_LOG_SILENT
								    : daemon.config.log_level);
	if (!grantlink_backend_available(daemon.config.transport)) {
		fprintf(stderr, "bridge-daemon: transport %s is not built in\n",
			grantlink_backend_name(daemon.config.transport));
		return 2;
	}
	/* a guest closing its link must not kill us */
	signal(SIGPIPE, SIG_IGN);

	int status = 2;
	daemon.display = wl_display_create();
	if (!daemon.display) {
		fprintf(stderr, "bridge-daemon: cannot create a wl_display\n");
		return 2;
	}
	daemon.loop = wl_display_get_event_loop(daemon.display);
	daemon.dom0 = bridge_dom0_connect(&daemon, true);
	if (!daemon.dom0) {
		goto out_display; /* the reason is printed */
	}
	struct grantlink_domain_config domain_config;
	grantlink_domain_config_init(&domain_config, daemon.config.transport);
	domain_config.domid = 0;
	daemon.domain = grantlink_domain_create(&domain_config);
	if (!daemon.domain) {
		fprintf(stderr, "bridge-daemon: cannot open the %s grant system: %s\n",
			grantlink_backend_name(daemon.config.transport), strerror(errno));
		goto out_dom0;
	}
	if (grantlink_domain_get_fd(daemon.domain) >= 0) {
		daemon.domain_source =
			wl_event_loop_add_fd(daemon.loop, grantlink_domain_get_fd(daemon.domain),
				WL_EVENT_READABLE, handle_domain, &daemon);
	}
	if (!bridge_global_create(&daemon)) {
		fprintf(stderr, "bridge-daemon: cannot create the wgb_bridge global\n");
		goto out_domain;
	}
	if (!start_listening(&daemon)) {
		fprintf(stderr, "bridge-daemon: cannot listen at %s: %s\n",
			daemon.config.listen_path, strerror(errno));
		goto out_domain;
	}
	struct wl_event_source *sigint =
		wl_event_loop_add_signal(daemon.loop, SIGINT, handle_signal, &daemon);
	struct wl_event_source *sigterm =
		wl_event_loop_add_signal(daemon.loop, SIGTERM, handle_signal, &daemon);
	struct wl_event_source *stats_timer =
		wl_event_loop_add_timer(daemon.loop, handle_stats_timer, &daemon);
	daemon.stats_timer = stats_timer;
	daemon.reconnect_timer =
		wl_event_loop_add_timer(daemon.loop, handle_reconnect_timer, &daemon);
	if (stats_timer) {
		wl_event_source_timer_update(stats_timer, STATS_INTERVAL_MS);
	}
	bridge_log_init(daemon.config.log_level);
	bridge_daemon_write_stats(&daemon);
	bridge_log(BRIDGE_LOG_INFO, "serving domain %u (%s) at %s", daemon.config.domid,
		daemon.config.vm_name, daemon.config.listen_path);

	status = 0;
	if (!daemon.reconnect_timer) {
		fprintf(stderr, "bridge-daemon: cannot create a timer\n");
		status = 2;
		daemon.running = false;
	}
	while (daemon.running) {
		wl_display_flush_clients(daemon.display);
		/* the reconnect timer may bring a compositor during dispatch:
		 * only the one prepared for is read */
		struct bridge_dom0 *prepared = daemon.dom0;
		if (prepared) {
			bridge_dom0_prepare(prepared);
		}
		int ret = wl_event_loop_dispatch(daemon.loop, -1);
		if (prepared && !bridge_dom0_after_dispatch(prepared)) {
			lose_compositor(&daemon);
		}
		if (ret < 0 && errno != EINTR) {
			bridge_log_errno(BRIDGE_LOG_ERROR, "event loop");
			status = 1;
			break;
		}
		wl_event_loop_dispatch_idle(daemon.loop);
	}
	if (daemon.exit_status) {
		status = daemon.exit_status;
	}

	bridge_guest_destroy(daemon.guest);
	bridge_pools_dom0_gone(&daemon);
	bridge_pools_finish(&daemon);
	bridge_daemon_write_stats(&daemon);
	if (stats_timer) {
		wl_event_source_remove(stats_timer);
	}
	if (daemon.reconnect_timer) {
		wl_event_source_remove(daemon.reconnect_timer);
	}
	if (sigint) {
		wl_event_source_remove(sigint);
	}
	if (sigterm) {
		wl_event_source_remove(sigterm);
	}
	stop_listening(&daemon);
	if (daemon.rate_logger) {
		wl_protocol_logger_destroy(daemon.rate_logger);
	}
out_domain:
	if (daemon.domain_source) {
		wl_event_source_remove(daemon.domain_source);
	}
	grantlink_domain_destroy(daemon.domain);
out_dom0:
	bridge_dom0_destroy(daemon.dom0);
out_display:
	wl_display_destroy(daemon.display);
	return status;
}
