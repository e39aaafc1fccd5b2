/*
 * bridge-agent: the guest's proxy compositor. Sets up wlroots (headless
 * backend, pixman renderer, the globals apps need), the link to dom0, and
 * the optional app; runs the event loop until told to stop or the app ends.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "texture.h"
#include "output.h"
#include "pool.h"
#include "seat.h"
#include "server.h"
#include "stats.h"
#include "window.h"
#include "xdg_shell.h"

#define EXIT_USAGE 2

static const char usage[] =
	"Usage: bridge-agent --transport local --connect PATH [--domid N] [options] [-- APP "
	"ARGS...]\n"
	"       bridge-agent --transport xen [--dom0-domid N] [--connect XS_PATH] [options] [-- "
	"APP ARGS...]\n"
	"\n"
	"The guest side of wl-grant-bridge: a Wayland compositor for the apps of\n"
	"this VM that sends their windows to dom0's bridge-daemon in grant pages.\n"
	"\n"
	"  --transport local|xen  grant link backend (required)\n"
	"  --connect PATH         local: the daemon's unix socket; xen: the link's\n"
	"                         xenstore directory in this guest's tree\n"
	"                         (default data/wl-grant-bridge)\n"
	"  --domid N              local only: the domain id this agent plays (default 1)\n"
	"  --dom0-domid N         the daemon's domain (default 0)\n"
	"  --socket NAME          Wayland socket in $XDG_RUNTIME_DIR (default: first\n"
	"                         free wayland-N)\n"
	"  --stats-file PATH      keep live counters there as JSON\n"
	"  --log-level LEVEL      silent, error, info or debug (default error)\n"
	"  -h, --help             this text\n"
	"\n"
	"With -- APP ARGS..., APP is started with WAYLAND_DISPLAY set and the agent\n"
	"exits with its status when it ends. Exit status 2: bad usage or unusable link.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "bridge-agent: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see --help)\n");
	return EXIT_USAGE;
}

static bool parse_u16(const char *s, uint16_t *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0 || v > 0x7fef) {
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

/* --- stats -------------------------------------------------------------- */

void bridge_server_write_stats(struct bridge_server *server)
{
	if (!server->stats_path || !server->link) {
		return;
	}
	struct grantlink_counters c;
	grantlink_domain_get_counters(server->link->domain, &c);
	int windows = 0;
	struct bridge_window *window;
	wl_list_for_each(window, &server->windows, link)
	{
		windows += window->mapped;
	}
	struct bridge_stat stats[] = {
		{"clients", server->nclients},
		{"windows", windows},
		{"windows_on_link", bridge_windows_count_on_link(server)},
		{"pools", (int64_t)bridge_pools_count(server->link)},
		{"grants_shared", c.shared},
		{"grants_awaiting_ack", c.awaiting_unmap},
		{"grants_peer_mapped", c.peer_mapped},
		{"grants_freed", c.freed},
		{"deferred", c.deferred},
		{"leaked", c.leaked},
		{"reconnects", server->link->reconnects},
		{"link_up", server->link->ready},
	};
	/* rewritten only when a value changed */
	static int64_t last[sizeof(stats) / sizeof(stats[0])];
	static bool written;
	bool same = written;
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		same = same && last[i] == stats[i].value;
		last[i] = stats[i].value;
	}
	if (!same) {
		written = bridge_stats_write(
			server->stats_path, stats, sizeof(stats) / sizeof(stats[0]));
	}
}

static int handle_stats_timer(void *data)
{
	struct bridge_server *server = data;
	bridge_server_write_stats(server);
	wl_event_source_timer_update(server->stats_timer, 100);
	return 0;
}

/* --- clients and the app ------------------------------------------------ */

struct client_watch {
	struct bridge_server *server;
	struct wl_listener destroy;
};

static void handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct client_watch *watch = wl_container_of(listener, watch, destroy);
	watch->server->nclients--;
	wl_list_remove(&watch->destroy.link);
	free(watch);
}

static void handle_client_created(struct wl_listener *listener, void *data)
{
	struct bridge_server *server = wl_container_of(listener, server, client_created);
	struct wl_client *client = data;
	struct client_watch *watch = calloc(1, sizeof(*watch));
	if (!watch) {
		return;
	}
	watch->server = server;
	watch->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(client, &watch->destroy);
	server->nclients++;
}

static int handle_sigchld(int signo, void *data)
{
	struct bridge_server *server = data;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != server->child) {
			continue;
		}
		server->exit_status =
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		server->child = 0;
		server->quit = true;
	}
	return 0;
}

static int handle_term(int signo, void *data)
{
	struct bridge_server *server = data;
	server->quit = true;
	return 0;
}

static bool spawn_app(struct bridge_server *server, const char *socket, char **argv)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("bridge-agent: fork");
		return false;
	}
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		setenv("WAYLAND_DISPLAY", socket, 1);
		unsetenv("WAYLAND_SOCKET");
		unsetenv("DISPLAY");
		execvp(argv[0], argv);
		fprintf(stderr, "bridge-agent: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	server->child = pid;
	return true;
}

/* --- main --------------------------------------------------------------- */

#define DRAIN_MS 3000

/* Apps are done: their windows go, and dom0 gets a moment to unmap the
 * pools before the process takes the pages with it. */
static void drain(struct bridge_server *server)
{
	wl_display_destroy_clients(server->display);
	int64_t deadline = bridge_now_ms() + DRAIN_MS;
	struct bridge_link *link = server->link;
	/* pools of a live link wait for `unmapped`; shares a lost link left
	 * behind wait until the old daemon no longer maps them */
	while ((link->ready && !wl_list_empty(&link->pools)) || !wl_list_empty(&link->orphans)) {
		int64_t left = deadline - bridge_now_ms();
		if (left <= 0) {
			bridge_log(BRIDGE_LOG_ERROR, "dom0 did not unmap %d pools in time",
				wl_list_length(&link->pools) + wl_list_length(&link->orphans));
			break;
		}
		wl_event_loop_dispatch_idle(server->loop);
		bridge_link_flush(server->link);
		if (wl_event_loop_dispatch(server->loop, (int)(left < 50 ? left : 50)) < 0 &&
			errno != EINTR) {
			break;
		}
	}
}

static void wlr_log_bridge(enum wlr_log_importance importance, const char *fmt, va_list args)
{
	enum bridge_log_level level = importance == WLR_ERROR  ? BRIDGE_LOG_ERROR
				      : importance == WLR_INFO ? BRIDGE_LOG_INFO
							       : BRIDGE_LOG_DEBUG;
	if (level > bridge_log_get_level()) {
		return;
	}
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, args);
	_bridge_log(level, "[wlr] %s", buf);
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{"transport", required_argument, NULL, 't'},
		{"connect", required_argument, NULL, 'c'},
		{"domid", required_argument, NULL, 'd'},
		{"dom0-domid", required_argument, NULL, 'D'},
		{"socket", required_argument, NULL, 's'},
		{"stats-file", required_argument, NULL, 'S'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *transport = NULL, *connect_path = NULL, *socket_name = NULL;
	const char *stats_path = NULL;
	bool have_domid = false;
	uint16_t domid = 1, dom0_domid = 0;
	enum bridge_log_level log_level = BRIDGE_LOG_ERROR;

	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			transport = optarg;
			break;
		case 'c':
			connect_path = optarg;
			break;
		case 'd':
			if (!parse_u16(optarg, &domid)) {
				return usage_error("bad --domid: %s", optarg);
			}
			have_domid = true;
			break;
		case 'D':
			if (!parse_u16(optarg, &dom0_domid)) {
				return usage_error("bad --dom0-domid: %s", optarg);
			}
			break;
		case 's':
			socket_name = optarg;
			break;
		case 'S':
			stats_path = optarg;
			break;
		case 'l':
			if (!bridge_log_level_from_name(optarg, &log_level)) {
				return usage_error("bad --log-level: %s", optarg);
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return usage_error("unknown or incomplete option: %s", argv[optind - 1]);
		}
	}
	char **app_argv = optind < argc ? &argv[optind] : NULL;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		return usage_error("unexpected argument: %s", argv[optind]);
	}
	enum grantlink_backend backend;
	if (!transport) {
		return usage_error("%s", "--transport is required");
	}
	if (strcmp(transport, "local") != 0 && strcmp(transport, "xen") != 0) {
		return usage_error("unknown transport: %s", transport);
	}
	if (!grantlink_backend_from_name(transport, &backend)) {
		fprintf(stderr, "bridge-agent: transport %s is not built in\n", transport);
		return EXIT_USAGE;
	}
	if (backend == GRANTLINK_BACKEND_LOCAL && !connect_path) {
		return usage_error("%s", "--transport local needs --connect PATH");
	}
	if (backend == GRANTLINK_BACKEND_XEN && have_domid) {
		return usage_error("%s", "--domid is for --transport local only");
	}
	if (!connect_path) {
		connect_path = "data/wl-grant-bridge";
	}
	if (domid == dom0_domid) {
		return usage_error("%s", "--domid must differ from --dom0-domid");
	}
	if (!getenv("XDG_RUNTIME_DIR")) {
		fprintf(stderr, "bridge-agent: XDG_RUNTIME_DIR is not set\n");
		return EXIT_USAGE;
	}

	bridge_log_init(log_level);
	wlr_log_init(log_level >= BRIDGE_LOG_DEBUG   ? WLR_DEBUG
		     : log_level >= BRIDGE_LOG_INFO  ? WLR_INFO
		     : log_level >= BRIDGE_LOG_ERROR ? WLR_ERROR
						     : WLR_SILENT,
		wlr_log_bridge);

	struct bridge_server server = {0};
	server.stats_path = stats_path;
	wl_list_init(&server.windows);
	wl_list_init(&server.outputs);
	int status = EXIT_FAILURE;
	struct wl_event_source *sigchld = NULL, *sigterm = NULL, *sigint = NULL;

	server.display = wl_display_create();
	if (!server.display) {
		fprintf(stderr, "bridge-agent: cannot create the display\n");
		return EXIT_FAILURE;
	}
	server.loop = wl_display_get_event_loop(server.display);

	struct bridge_link_config link_config = {
		.backend = backend,
		.own_domid = domid,
		.peer_domid = dom0_domid,
		.path = connect_path,
	};
	server.link = bridge_link_create(&server, &link_config);
	if (!server.link) {
		status = EXIT_USAGE;
		goto out_display;
	}

	server.backend = wlr_headless_backend_create(server.display);
	server.renderer =
		server.backend ? bridge_renderer_create(wlr_pixman_renderer_create()) : NULL;
	if (!server.renderer || !wlr_renderer_init_wl_display(server.renderer, server.display)) {
		fprintf(stderr, "bridge-agent: cannot set up the headless backend\n");
		goto out_link;
	}
	server.allocator = wlr_allocator_autocreate(server.backend, server.renderer);
	server.compositor = wlr_compositor_create(server.display, server.renderer);
	server.xdg_shell = wlr_xdg_shell_create(server.display);
	server.layout = wlr_output_layout_create();
	server.presentation = wlr_presentation_create(server.display, server.backend);
	server.decoration_manager = wlr_xdg_decoration_manager_v1_create(server.display);
	if (!server.allocator || !server.compositor || !server.xdg_shell || !server.layout ||
		!server.presentation || !server.decoration_manager ||
		!wlr_data_device_manager_create(server.display) ||
		!wlr_viewporter_create(server.display) ||
		!wlr_xdg_output_manager_v1_create(server.display, server.layout)) {
		fprintf(stderr, "bridge-agent: cannot create the globals\n");
		goto out_link;
	}
	server.seat = bridge_seat_create(&server);
	if (!server.seat) {
		fprintf(stderr, "bridge-agent: cannot create the seat\n");
		goto out_link;
	}
	bridge_xdg_shell_init(&server);
	bridge_windows_init(&server);
	server.client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(server.display, &server.client_created);

	const char *socket = socket_name;
	if (socket_name) {
		if (wl_display_add_socket(server.display, socket_name) < 0) {
			fprintf(stderr, "bridge-agent: cannot listen on %s/%s\n",
				getenv("XDG_RUNTIME_DIR"), socket_name);
			status = EXIT_USAGE;
			goto out_shell;
		}
	} else {
		socket = wl_display_add_socket_auto(server.display);
		if (!socket) {
			fprintf(stderr, "bridge-agent: no free Wayland socket\n");
			goto out_shell;
		}
	}
	if (!wlr_backend_start(server.backend)) {
		fprintf(stderr, "bridge-agent: cannot start the backend\n");
		goto out_shell;
	}
	if (!bridge_link_start(server.link)) {
		status = EXIT_USAGE;
		goto out_shell;
	}

	sigchld = wl_event_loop_add_signal(server.loop, SIGCHLD, handle_sigchld, &server);
	sigterm = wl_event_loop_add_signal(server.loop, SIGTERM, handle_term, &server);
	sigint = wl_event_loop_add_signal(server.loop, SIGINT, handle_term, &server);
	if (stats_path) {
		server.stats_timer =
			wl_event_loop_add_timer(server.loop, handle_stats_timer, &server);
	}
	if (!sigchld || !sigterm || !sigint || (stats_path && !server.stats_timer)) {
		fprintf(stderr, "bridge-agent: cannot watch signals\n");
		goto out_sources;
	}
	bridge_server_write_stats(&server);
	if (server.stats_timer) {
		wl_event_source_timer_update(server.stats_timer, 100);
	}
	bridge_log(BRIDGE_LOG_INFO, "listening on WAYLAND_DISPLAY=%s", socket);
	if (app_argv && !spawn_app(&server, socket, app_argv)) {
		goto out_sources;
	}

	status = EXIT_SUCCESS;
	while (!server.quit) {
		/* idle work (composing) queues link requests: send them before
		 * the loop sleeps */
		wl_event_loop_dispatch_idle(server.loop);
		wl_display_flush_clients(server.display);
		bridge_link_flush(server.link);
		if (wl_event_loop_dispatch(server.loop, -1) < 0 && errno != EINTR) {
			bridge_log_errno(BRIDGE_LOG_ERROR, "event loop");
			status = EXIT_FAILURE;
			break;
		}
	}
	if (app_argv) {
		status = server.exit_status;
	}
	drain(&server);
	bridge_server_write_stats(&server);

out_sources:
	if (server.child > 0) {
		/* the app goes with us: asked first, then made to */
		kill(server.child, SIGTERM);
		for (int i = 0; i < 100 && waitpid(server.child, NULL, WNOHANG) == 0; i++) {
			usleep(20000);
		}
		if (waitpid(server.child, NULL, WNOHANG) == 0) {
			kill(server.child, SIGKILL);
			waitpid(server.child, NULL, 0);
		}
	}
	if (server.stats_timer) {
		wl_event_source_remove(server.stats_timer);
	}
	if (sigchld) {
		wl_event_source_remove(sigchld);
	}
	if (sigterm) {
		wl_event_source_remove(sigterm);
	}
	if (sigint) {
		wl_event_source_remove(sigint);
	}
out_shell:
	wl_display_destroy_clients(server.display);
	bridge_windows_finish(&server);
	bridge_xdg_shell_finish(&server);
	bridge_seat_destroy(server.seat);
out_link:
	bridge_outputs_finish(&server);
	bridge_link_destroy(server.link);
	if (server.backend) {
		wlr_backend_destroy(server.backend);
	}
	if (server.allocator) {
		wlr_allocator_destroy(server.allocator);
	}
	if (server.renderer) {
		wlr_renderer_destroy(server.renderer);
	}
	if (server.layout) {
		wlr_output_layout_destroy(server.layout);
	}
out_display:
	wl_display_destroy(server.display);
	return status;
}
