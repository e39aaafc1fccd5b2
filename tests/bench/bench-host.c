/*
 * bench-host: the host compositor for benchmarks.
 *
 * wlroots 0.15, headless backend, pixman renderer, one output with a
 * configurable size and refresh rate (e.g. 240 Hz) so that what sits between
 * the app and this host, not the host, limits the frame rate. It shows xdg
 * toplevels through wlr_scene with their main surface at the output's
 * top-left corner (see view_handle_map), sends frame
 * callbacks and presentation feedback, and offers the globals a bridge
 * daemon may bind (seat without devices, data device, viewporter,
 * xdg-output). Its refresh cycle is its own periodic timer, so render
 * time does not stretch the period. On SIGINT/SIGTERM it prints how many
 * output frames it rendered and its CPU time.
 *
 * Not part of the test suite: see tests/bench/run.sh.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
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
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

struct bench_host {
	struct wl_display *display;
	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_scene *scene;
	struct wlr_output_layout *layout;
	struct wlr_presentation *presentation;
	struct wlr_xdg_shell *xdg_shell;
	struct wlr_seat *seat;

	int width, height, refresh_mhz;
	bool allow_scanout;

	struct wl_list outputs; // bench_output::link
	struct wl_listener new_output;
	struct wl_listener new_xdg_surface;

	unsigned long frames_rendered;
	unsigned long frames_ticked;
};

struct bench_output {
	struct bench_host *host;
	struct wlr_output *wlr_output;
	struct wlr_scene_output *scene_output;
	struct wl_list link; // bench_host::outputs
	int timer_fd;
	struct wl_event_source *timer;
	struct wl_listener destroy;
};

struct bench_view {
	struct bench_host *host;
	struct wlr_xdg_surface *xdg_surface;
	struct wlr_scene_node *node;
	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
};

struct bench_present {
	struct bench_host *host;
	struct wlr_presentation_event event;
};

/*
 * wlroots 0.15's headless output sends its present event before the commit
 * event that wlr_presentation_surface_sampled_on_output waits for, so its
 * feedback never fires: send it here, for each visible surface that
 * committed since it was last shown.
 */
static void present_surface(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct bench_present *present = data;
	struct wlr_presentation_feedback *feedback =
		wlr_presentation_surface_sampled(present->host->presentation, surface);
	if (feedback == NULL) {
		return;
	}
	wlr_presentation_feedback_send_presented(feedback, &present->event);
	wlr_presentation_feedback_destroy(feedback);
}

/*
 * The refresh cycle. Not wlroots' headless frame event: its timer is re-armed
 * (in whole milliseconds) only after the frame handlers ran, so the period
 * would be the refresh period plus the render time and the host, not what is
 * measured, would set the pace. A periodic timerfd keeps the period whatever
 * the render time; the headless timer, at least as fast (its delay is the
 * period rounded down to a millisecond), only clears frame_pending.
 */
static int output_handle_tick(int fd, uint32_t mask, void *data)
{
	struct bench_output *output = data;
	struct bench_host *host = output->host;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof(expirations)) < 0) {
		return 0;
	}
	host->frames_ticked++;
	if (output->wlr_output->frame_pending) {
		return 0; /* the last frame is not yet "on screen": next tick */
	}
	unsigned before = output->wlr_output->commit_seq;

	/* renders only the damaged part; commits nothing when nothing changed */
	wlr_scene_output_commit(output->scene_output);
	if (output->wlr_output->commit_seq != before) {
		host->frames_rendered++;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (output->wlr_output->commit_seq != before) {
		/* on headless the commit is the presentation */
		struct bench_present present = {
			.host = host,
			.event =
				{
					.output = output->wlr_output,
					.tv_sec = (uint64_t)now.tv_sec,
					.tv_nsec = (uint32_t)now.tv_nsec,
					.refresh = (uint32_t)(1000000000000LL /
							      output->wlr_output->refresh),
					.seq = output->wlr_output->commit_seq,
				},
		};
		wlr_scene_output_for_each_surface(output->scene_output, present_surface, &present);
	}
	wlr_scene_output_send_frame_done(output->scene_output, &now);
	return 0;
}

static void output_handle_destroy(struct wl_listener *listener, void *data)
{
	struct bench_output *output = wl_container_of(listener, output, destroy);
	wl_event_source_remove(output->timer);
	close(output->timer_fd);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	free(output);
}

static void host_handle_new_output(struct wl_listener *listener, void *data)
{
	struct bench_host *host = wl_container_of(listener, host, new_output);
	struct wlr_output *wlr_output = data;

	if (!wlr_output_init_render(wlr_output, host->allocator, host->renderer)) {
		wlr_log(WLR_ERROR, "cannot init rendering on %s", wlr_output->name);
		return;
	}
	wlr_output_set_custom_mode(wlr_output, host->width, host->height, host->refresh_mhz);
	wlr_output_enable(wlr_output, true);
	if (!wlr_output_commit(wlr_output)) {
		wlr_log(WLR_ERROR, "cannot enable %s", wlr_output->name);
		return;
	}

	struct bench_output *output = calloc(1, sizeof(*output));
	if (output == NULL) {
		wlr_log(WLR_ERROR, "out of memory");
		return;
	}
	output->host = host;
	output->wlr_output = wlr_output;
	output->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (output->timer_fd < 0) {
		wlr_log_errno(WLR_ERROR, "timerfd_create");
		goto out_free;
	}
	long period_ns = (long)(1000000000000LL / host->refresh_mhz);
	struct itimerspec period = {
		.it_interval = {.tv_sec = period_ns / 1000000000L,
			.tv_nsec = period_ns % 1000000000L},
		.it_value = {.tv_sec = period_ns / 1000000000L, .tv_nsec = period_ns % 1000000000L},
	};
	if (timerfd_settime(output->timer_fd, 0, &period, NULL) < 0) {
		wlr_log_errno(WLR_ERROR, "timerfd_settime");
		goto out_close;
	}
	output->timer = wl_event_loop_add_fd(wl_display_get_event_loop(host->display),
		output->timer_fd, WL_EVENT_READABLE, output_handle_tick, output);
	if (output->timer == NULL) {
		goto out_close;
	}
	output->destroy.notify = output_handle_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(&host->outputs, &output->link);

	wlr_output_layout_add(host->layout, wlr_output, 0, 0);
	output->scene_output = wlr_scene_get_scene_output(host->scene, wlr_output);
	wlr_log(WLR_INFO, "output %s %dx%d @ %d mHz", wlr_output->name, wlr_output->width,
		wlr_output->height, wlr_output->refresh);
	return;

out_close:
	close(output->timer_fd);
out_free:
	free(output);
}

static void view_handle_map(struct wl_listener *listener, void *data)
{
	struct bench_view *view = wl_container_of(listener, view, map);
	/* The main surface, not the window geometry, goes to 0,0: the app's
	 * pixels sit at the same place whether it draws its own window or a
	 * bridge adds a frame around it (which is then partly off-screen).
	 * wlroots 0.15's pixman renderer composites a surface at 0,0 with a
	 * blt and one anywhere else through a translation transform, a much
	 * slower path: the same place keeps the comparison fair. */
	if (view->xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		struct wlr_box geo;
		wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
		wlr_scene_node_set_position(view->node, geo.x, geo.y);
	}
	wlr_scene_node_set_enabled(view->node, true);
}

static void view_handle_unmap(struct wl_listener *listener, void *data)
{
	struct bench_view *view = wl_container_of(listener, view, unmap);
	wlr_scene_node_set_enabled(view->node, false);
}

static void view_handle_destroy(struct wl_listener *listener, void *data)
{
	struct bench_view *view = wl_container_of(listener, view, destroy);
	/* the scene node goes with the xdg_surface */
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	free(view);
}

static void host_handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct bench_host *host = wl_container_of(listener, host, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;
	struct wlr_scene_node *parent_node = &host->scene->node;

	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		/* popups go under their parent's node, if it has one */
		struct wlr_xdg_surface *parent =
			wlr_xdg_surface_from_wlr_surface(xdg_surface->popup->parent);
		if (parent == NULL || parent->data == NULL) {
			return;
		}
		parent_node = parent->data;
	} else if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}

	struct bench_view *view = calloc(1, sizeof(*view));
	if (view == NULL) {
		wlr_log(WLR_ERROR, "out of memory");
		return;
	}
	view->host = host;
	view->xdg_surface = xdg_surface;
	view->node = wlr_scene_xdg_surface_create(parent_node, xdg_surface);
	if (view->node == NULL) {
		free(view);
		return;
	}
	xdg_surface->data = view->node;
	wlr_scene_node_set_enabled(view->node, false);

	view->map.notify = view_handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = view_handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = view_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
}

static int handle_signal(int sig, void *data)
{
	struct bench_host *host = data;
	wl_display_terminate(host->display);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-host [options]\n"
		   "  -S, --socket NAME   listen on $XDG_RUNTIME_DIR/NAME (default: automatic)\n"
		   "  -W, --width N       output width (default 3840)\n"
		   "  -H, --height N      output height (default 2160)\n"
		   "  -r, --refresh HZ    output refresh rate (default 240)\n"
		   "  -s, --allow-scanout no background: a window covering the output is\n"
		   "                      shown without compositing (direct scanout)\n"
		   "  -v, --verbose       wlroots debug log\n");
}

int main(int argc, char **argv)
{
	struct bench_host host = {
		.width = 3840,
		.height = 2160,
		.refresh_mhz = 240000,
	};
	const char *socket_name = NULL;
	enum wlr_log_importance log_level = WLR_ERROR;

	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"width", required_argument, NULL, 'W'},
		{"height", required_argument, NULL, 'H'},
		{"refresh", required_argument, NULL, 'r'},
		{"allow-scanout", no_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "S:W:H:r:svh", opts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			socket_name = optarg;
			break;
		case 'W':
			host.width = atoi(optarg);
			break;
		case 'H':
			host.height = atoi(optarg);
			break;
		case 'r':
			host.refresh_mhz = (int)(atof(optarg) * 1000.0);
			break;
		case 's':
			host.allow_scanout = true;
			break;
		case 'v':
			log_level = WLR_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (host.width <= 0 || host.height <= 0 || host.refresh_mhz <= 0) {
		fprintf(stderr, "bench-host: bad output size or refresh rate\n");
		return 2;
	}
	wlr_log_init(log_level, NULL);
	wl_list_init(&host.outputs);

	int rc = 1;
	host.display = wl_display_create();
	if (host.display == NULL) {
		return 1;
	}
	host.backend = wlr_headless_backend_create(host.display);
	if (host.backend == NULL) {
		goto out_display;
	}
	host.renderer = wlr_pixman_renderer_create();
	if (host.renderer == NULL || !wlr_renderer_init_wl_display(host.renderer, host.display)) {
		goto out_display;
	}
	host.allocator = wlr_allocator_autocreate(host.backend, host.renderer);
	if (host.allocator == NULL) {
		goto out_display;
	}

	wlr_compositor_create(host.display, host.renderer); /* with wl_subcompositor */
	wlr_data_device_manager_create(host.display);
	wlr_viewporter_create(host.display);
	host.layout = wlr_output_layout_create();
	wlr_xdg_output_manager_v1_create(host.display, host.layout);
	host.seat = wlr_seat_create(host.display, "seat0");

	host.scene = wlr_scene_create();
	if (!host.allow_scanout) {
		/*
		 * One pixel in the bottom right corner, under the windows: wlr_scene
		 * then never hands a window's buffer straight to the output (direct
		 * scanout, which it does for a lone node covering the output), so
		 * the host composites every frame whatever the window's size,
		 * through the bridge (which may add a frame) as without it. A full
		 * background would cost more than the window itself: pixman has no
		 * fast path for wlroots' transformed solid fill.
		 */
		static const float grey[4] = {0.2f, 0.2f, 0.2f, 1.0f};
		struct wlr_scene_rect *corner =
			wlr_scene_rect_create(&host.scene->node, 1, 1, grey);
		if (corner == NULL) {
			goto out_display;
		}
		wlr_scene_node_set_position(&corner->node, host.width - 1, host.height - 1);
	}
	wlr_scene_attach_output_layout(host.scene, host.layout);
	host.presentation = wlr_presentation_create(host.display, host.backend);

	host.xdg_shell = wlr_xdg_shell_create(host.display);
	host.new_xdg_surface.notify = host_handle_new_xdg_surface;
	wl_signal_add(&host.xdg_shell->events.new_surface, &host.new_xdg_surface);

	host.new_output.notify = host_handle_new_output;
	wl_signal_add(&host.backend->events.new_output, &host.new_output);
	if (wlr_headless_add_output(host.backend, (unsigned)host.width, (unsigned)host.height) ==
		NULL) {
		goto out_display;
	}

	if (socket_name != NULL) {
		if (wl_display_add_socket(host.display, socket_name) != 0) {
			fprintf(stderr, "bench-host: cannot listen on %s\n", socket_name);
			goto out_display;
		}
	} else {
		socket_name = wl_display_add_socket_auto(host.display);
		if (socket_name == NULL) {
			goto out_display;
		}
	}
	if (!wlr_backend_start(host.backend)) {
		goto out_display;
	}

	struct wl_event_loop *loop = wl_display_get_event_loop(host.display);
	struct wl_event_source *sigint =
		wl_event_loop_add_signal(loop, SIGINT, handle_signal, &host);
	struct wl_event_source *sigterm =
		wl_event_loop_add_signal(loop, SIGTERM, handle_signal, &host);

	printf("bench-host: listening on %s\n", socket_name);
	fflush(stdout);
	wl_display_run(host.display);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench-host: frames_rendered=%lu frames_ticked=%lu cpu_s=%.3f\n",
		host.frames_rendered, host.frames_ticked,
		(double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	fflush(stdout);
	rc = 0;

	wl_event_source_remove(sigint);
	wl_event_source_remove(sigterm);
	wl_display_destroy_clients(host.display);
out_display:
	/* the display first: it destroys the outputs and globals that use these */
	wl_display_destroy(host.display);
	/* the layout before the scene: 0.15's scene/layout link reads the scene */
	wlr_output_layout_destroy(host.layout);
	if (host.scene != NULL) {
		wlr_scene_node_destroy(&host.scene->node);
	}
	wlr_allocator_destroy(host.allocator);
	wlr_renderer_destroy(host.renderer);
	return rc;
}
