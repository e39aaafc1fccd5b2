#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "agent.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_init(struct agent *agent, const char *path, uint16_t domid)
{
	memset(agent, 0, sizeof(*agent));
	agent->path = path;
	agent->stream_fd = -1;
	struct grantlink_domain_config config;
	grantlink_domain_config_init(&config, GRANTLINK_BACKEND_LOCAL);
	config.domid = domid;
	config.reclaim_interval_ms = 10;
	agent->domain = grantlink_domain_create(&config);
	CHECK(agent->domain);
}

void agent_finish(struct agent *agent)
{
	if (agent->link) {
		agent_link_down(agent);
	}
	grantlink_domain_destroy(agent->domain);
}

static void bridge_welcome(void *data, struct wgb_bridge *bridge, uint32_t version,
	uint32_t capabilities, uint32_t max_width, uint32_t max_height, uint32_t max_windows,
	uint32_t max_pages)
{
	struct agent *agent = data;
	CHECK_EQ(version >> 16, 1);
	agent->welcomed = true;
	agent->capabilities = capabilities;
	agent->max_width = max_width;
	agent->max_height = max_height;
	agent->max_windows = max_windows;
	agent->max_pages = max_pages;
}

static void bridge_output(void *data, struct wgb_bridge *bridge, uint32_t name, int32_t x,
	int32_t y, int32_t width, int32_t height, int32_t scale, int32_t refresh)
{
	struct agent *agent = data;
	agent->outputs++;
	agent->output_width = width;
	agent->output_height = height;
}

static void bridge_output_removed(void *data, struct wgb_bridge *bridge, uint32_t name)
{
}

static const struct wgb_bridge_listener bridge_listener = {
	.welcome = bridge_welcome,
	.output = bridge_output,
	.output_removed = bridge_output_removed,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct agent *agent = data;
	if (strcmp(interface, wgb_bridge_interface.name) == 0 && !agent->bridge) {
		agent->bridge = wl_registry_bind(registry, name, &wgb_bridge_interface, 1);
		wgb_bridge_add_listener(agent->bridge, &bridge_listener, agent);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

void agent_link_up(struct agent *agent)
{
	struct grantlink_link_config config = {.peer_domid = 0, .path = agent->path};
	int64_t deadline = now_ms() + 10000;
	while (!(agent->link = grantlink_connect(agent->domain, &config))) {
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "cannot connect to %s: %s", agent->path,
				strerror(errno));
		}
		usleep(20000);
	}
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	agent->stream_fd = sv[0];
	agent->pump = grantlink_pump_create(agent->link, sv[0]);
	CHECK(agent->pump);
	agent->display = wl_display_connect_to_fd(sv[1]);
	CHECK(agent->display);
	agent->hangup = false;
	agent->welcomed = false;
	agent->bridge = NULL;
	agent->outputs = 0;
}

void agent_link_down(struct agent *agent)
{
	if (agent->bridge) {
		wgb_bridge_destroy(agent->bridge);
		agent->bridge = NULL;
	}
	if (agent->registry) {
		wl_registry_destroy(agent->registry);
		agent->registry = NULL;
	}
	wl_display_disconnect(agent->display);
	agent->display = NULL;
	/* carry the last bytes before the link closes */
	grantlink_pump_dispatch(agent->pump);
	grantlink_pump_destroy(agent->pump);
	close(agent->stream_fd);
	grantlink_destroy(agent->link);
	agent->link = NULL;
	agent->pump = NULL;
	agent->stream_fd = -1;
}

/* grantlink_pump stops carrying link -> stream as soon as a send to a dead
 * link fails, so what the daemon said last (its error) stays in the link
 * when we were still writing at that moment. Carry it over ourselves. */
static void deliver_leftovers(struct agent *agent)
{
	char buf[4096];
	ssize_t n;
	while ((n = grantlink_recv(agent->link, buf, sizeof(buf))) > 0) {
		if (write(agent->stream_fd, buf, (size_t)n) != n) {
			break;
		}
	}
}

/* After a protocol error the display reads nothing more: drain its socket
 * ourselves so that the link keeps moving and its end is seen. */
static void iterate_broken(struct agent *agent, int timeout_ms)
{
	struct pollfd fds[2] = {
		{.fd = agent->hangup ? -1 : grantlink_get_fd(agent->link),
			.events = grantlink_get_events(agent->link)},
		{.fd = agent->stream_fd, .events = grantlink_pump_get_stream_events(agent->pump)},
	};
	poll(fds, 2, timeout_ms);
	if (grantlink_pump_dispatch(agent->pump) & GRANTLINK_EVENT_HANGUP) {
		agent->hangup = true;
	}
	char sink[4096];
	while (recv(wl_display_get_fd(agent->display), sink, sizeof(sink), MSG_DONTWAIT) > 0) {
	}
}

void agent_iterate(struct agent *agent, int timeout_ms)
{
	struct wl_display *display = agent->display;
	if (wl_display_get_error(display)) {
		iterate_broken(agent, timeout_ms);
		return;
	}
	wl_display_flush(display);
	while (wl_display_prepare_read(display) != 0) {
		if (wl_display_dispatch_pending(display) < 0) {
			iterate_broken(agent, timeout_ms);
			return;
		}
	}
	struct pollfd fds[4] = {
		{.fd = agent->hangup ? -1 : grantlink_get_fd(agent->link),
			.events = grantlink_get_events(agent->link)},
		{.fd = agent->stream_fd, .events = grantlink_pump_get_stream_events(agent->pump)},
		{.fd = wl_display_get_fd(display), .events = POLLIN},
		{.fd = grantlink_domain_get_fd(agent->domain), .events = POLLIN},
	};
	poll(fds, 4, timeout_ms);
	uint32_t events = grantlink_pump_dispatch(agent->pump);
	if (events & GRANTLINK_EVENT_NOTIFY) {
		agent->notifies++;
	}
	if (events & GRANTLINK_EVENT_HANGUP) {
		agent->hangup = true;
		deliver_leftovers(agent);
	}
	if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
		wl_display_read_events(display);
	} else {
		wl_display_cancel_read(display);
	}
	wl_display_dispatch_pending(display);
	if (fds[3].revents & POLLIN) {
		grantlink_domain_dispatch(agent->domain);
	}
	/* the ring may have room again: move what the display wrote */
	grantlink_pump_dispatch(agent->pump);
}

static void check_display(struct agent *agent, const char *what)
{
	int err = wl_display_get_error(agent->display);
	if (err) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = err == EPROTO
					? wl_display_get_protocol_error(agent->display, &iface, &id)
					: 0;
		check_fail(__FILE__, __LINE__, "waiting for %s: display error %s (%s code %u)",
			what, strerror(err), iface ? iface->name : "-", code);
	}
}

void agent_wait(struct agent *agent, const bool *flag, int timeout_ms, const char *what)
{
	int64_t deadline = now_ms() + timeout_ms;
	while (!*flag) {
		check_display(agent, what);
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "timed out waiting for %s", what);
		}
		agent_iterate(agent, 20);
	}
}

void agent_wait_count(struct agent *agent, const int *count, int target, const char *what)
{
	int64_t deadline = now_ms() + 5000;
	while (*count < target) {
		check_display(agent, what);
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "timed out waiting for %s", what);
		}
		agent_iterate(agent, 20);
	}
}

static void sync_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	*(bool *)data = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

void agent_sync(struct agent *agent)
{
	bool done = false;
	struct wl_callback *callback = wl_display_sync(agent->display);
	wl_callback_add_listener(callback, &sync_listener, &done);
	agent_wait(agent, &done, 5000, "sync");
}

void agent_bind(struct agent *agent, bool hello)
{
	agent->registry = wl_display_get_registry(agent->display);
	wl_registry_add_listener(agent->registry, &registry_listener, agent);
	agent_sync(agent);
	CHECK(agent->bridge);
	if (hello) {
		wgb_bridge_hello(agent->bridge, 1 << 16, "fake-agent");
		agent_wait(agent, &agent->welcomed, 5000, "welcome");
		CHECK(agent->outputs >= 1);
	}
}

void agent_expect_drop(struct agent *agent, uint32_t code)
{
	int64_t deadline = now_ms() + 5000;
	while (!wl_display_get_error(agent->display) || !agent->hangup) {
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__,
				"the link was not dropped (display error %d, hangup %d)",
				wl_display_get_error(agent->display), agent->hangup);
		}
		agent_iterate(agent, 20);
	}
	CHECK_EQ(wl_display_get_error(agent->display), EPROTO);
	const struct wl_interface *iface = NULL;
	uint32_t id;
	uint32_t got = wl_display_get_protocol_error(agent->display, &iface, &id);
	CHECK(iface == &wgb_bridge_interface);
	CHECK_EQ(got, code);
}

static void pool_mapped(void *data, struct wgb_pool *wgb_pool)
{
	struct agent_pool *pool = data;
	pool->mapped = true;
}

static void pool_unmapped(void *data, struct wgb_pool *wgb_pool)
{
	struct agent_pool *pool = data;
	/* the invariant, seen by the guest: nothing of the pool is mapped
	 * in dom0 any more when unmapped arrives */
	pool->peer_mapped_at_unmapped = grantlink_share_get_peer_mapped(pool->share);
	pool->unmapped = true;
}

static const struct wgb_pool_listener pool_listener = {
	.mapped = pool_mapped,
	.unmapped = pool_unmapped,
};

void agent_pool_init(
	struct agent *agent, struct agent_pool *pool, uint32_t npages, bool send_refs, bool map)
{
	memset(pool, 0, sizeof(*pool));
	pool->agent = agent;
	/* writable: dom0's compositor maps the pages read-write */
	pool->share = grantlink_share_create(agent->domain, 0, npages, GRANTLINK_SHARE_WRITABLE);
	CHECK(pool->share);
	CHECK(grantlink_share_set_notify(pool->share, agent->link));
	pool->data = grantlink_share_get_data(pool->share);
	pool->size = npages * GRANTLINK_PAGE_SIZE;
	pool->pool = wgb_bridge_create_pool(agent->bridge, pool->size);
	wgb_pool_add_listener(pool->pool, &pool_listener, pool);
	if (!send_refs) {
		return;
	}
	const uint32_t *refs = grantlink_share_get_refs(pool->share);
	for (uint32_t i = 0; i < npages; i += 512) {
		uint32_t n = npages - i < 512 ? npages - i : 512;
		struct wl_array array = {.size = n * sizeof(uint32_t),
			.alloc = n * sizeof(uint32_t),
			.data = (void *)(refs + i)};
		wgb_pool_add_refs(pool->pool, &array);
		/* keep the socket from filling up while the link is slower */
		agent_iterate(agent, 0);
	}
	if (map) {
		wgb_pool_map(pool->pool);
		agent_wait(agent, &pool->mapped, 5000, "mapped");
		CHECK_EQ(grantlink_share_get_peer_mapped(pool->share), npages);
	}
}

void agent_wait_unmapped(struct agent *agent, struct grantlink_share *share)
{
	int64_t deadline = now_ms() + 5000;
	while (grantlink_share_get_peer_mapped(share) != 0) {
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "dom0 still maps %zd pages",
				grantlink_share_get_peer_mapped(share));
		}
		usleep(10000);
	}
}

void agent_pool_release(struct agent_pool *pool)
{
	struct agent *agent = pool->agent;
	wgb_pool_release(pool->pool);
	agent_wait(agent, &pool->unmapped, 5000, "unmapped");
	CHECK_EQ(pool->peer_mapped_at_unmapped, 0);
	wgb_pool_destroy(pool->pool);
	pool->pool = NULL;
	struct grantlink_counters before, after;
	grantlink_domain_get_counters(agent->domain, &before);
	grantlink_share_destroy(pool->share);
	pool->share = NULL;
	grantlink_domain_get_counters(agent->domain, &after);
	/* freed at once: nothing went through the deferred list */
	CHECK_EQ(after.deferred, 0);
	CHECK_EQ(after.leaked, 0);
	CHECK(after.freed > before.freed);
}

static void window_configure(void *data, struct wgb_window *wgb_window, int32_t width,
	int32_t height, struct wl_array *states, uint32_t serial)
{
	struct agent_window *window = data;
	window->configured = true;
	window->width = width;
	window->height = height;
	uint32_t *state;
	wl_array_for_each(state, states)
	{
		CHECK(*state < 32);
		window->states_seen |= 1u << *state;
	}
	wgb_window_ack_configure(wgb_window, serial);
}

static void window_close(void *data, struct wgb_window *wgb_window)
{
	struct agent_window *window = data;
	window->closed = true;
}

static void window_popup_done(void *data, struct wgb_window *wgb_window)
{
	struct agent_window *window = data;
	window->popup_done = true;
}

static const struct wgb_window_listener window_listener = {
	.configure = window_configure,
	.close = window_close,
	.popup_done = window_popup_done,
};

void agent_window_init(struct agent *agent, struct agent_window *window)
{
	memset(window, 0, sizeof(*window));
	window->window = wgb_bridge_create_toplevel(agent->bridge);
	wgb_window_add_listener(window->window, &window_listener, window);
}

void agent_popup_init(struct agent *agent, struct agent_window *popup, struct agent_window *parent,
	int32_t x, int32_t y, int32_t width, int32_t height)
{
	memset(popup, 0, sizeof(*popup));
	popup->window = wgb_bridge_create_popup(agent->bridge, parent->window, x, y, width, height);
	wgb_window_add_listener(popup->window, &window_listener, popup);
}

static void buffer_release(void *data, struct wgb_buffer *wgb_buffer)
{
	struct agent_buffer *buffer = data;
	buffer->releases++;
}

static const struct wgb_buffer_listener buffer_listener = {
	.release = buffer_release,
};

void agent_buffer_init(struct agent_pool *pool, struct agent_buffer *buffer, uint32_t offset,
	int32_t width, int32_t height)
{
	memset(buffer, 0, sizeof(*buffer));
	buffer->width = width;
	buffer->height = height;
	buffer->stride = width * 4;
	buffer->data = pool->data + offset;
	CHECK(offset + (uint64_t)buffer->stride * (uint64_t)height <= pool->size);
	buffer->buffer =
		wgb_pool_create_buffer(pool->pool, offset, width, height, buffer->stride, 1);
	wgb_buffer_add_listener(buffer->buffer, &buffer_listener, buffer);
}

void agent_buffer_fill(struct agent_buffer *buffer, uint32_t (*pattern)(int x, int y))
{
	for (int y = 0; y < buffer->height; y++) {
		uint32_t *row = (uint32_t *)(void *)(buffer->data + (size_t)y * buffer->stride);
		for (int x = 0; x < buffer->width; x++) {
			row[x] = pattern(x, y);
		}
	}
}

static void frame_done(void *data, struct wgb_frame *frame, uint32_t time)
{
	struct agent_window *window = data;
	window->frames_done++;
	wgb_frame_destroy(frame);
}

static const struct wgb_frame_listener frame_listener = {
	.done = frame_done,
};

/* a wgb_feedback of one show: the frames done by then */
struct show_feedback {
	struct agent_window *window;
	int frames_done_at_commit;
};

static void feedback_presented(void *data, struct wgb_feedback *feedback, uint32_t tv_sec_hi,
	uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t flags)
{
	struct show_feedback *sf = data;
	struct agent_window *window = sf->window;
	window->feedbacks_presented += tv_sec_hi != 0 || tv_sec_lo != 0 || tv_nsec != 0;
	/* this commit's frame was done before: done did not wait for this */
	window->presented_after_done += window->frames_done > sf->frames_done_at_commit;
	window->feedbacks_answered++;
	wgb_feedback_destroy(feedback);
	free(sf);
}

static void feedback_discarded(void *data, struct wgb_feedback *feedback)
{
	struct show_feedback *sf = data;
	sf->window->feedbacks_answered++;
	wgb_feedback_destroy(feedback);
	free(sf);
}

static const struct wgb_feedback_listener feedback_listener = {
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

void agent_window_show(struct agent *agent, struct agent_window *window,
	struct agent_buffer *buffer, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct agent_buffer *replaced = window->shown != buffer ? window->shown : NULL;
	int releases = window->shown_releases;
	int frames = window->frames_done;
	wgb_window_attach(window->window, buffer->buffer);
	if (w < 0) {
		wgb_window_damage(window->window, 0, 0, buffer->width, buffer->height);
	} else {
		wgb_window_damage(window->window, x, y, w, h);
	}
	struct wgb_frame *frame = wgb_window_frame(window->window);
	wgb_frame_add_listener(frame, &frame_listener, window);
	if (agent->capabilities & WGB_BRIDGE_CAPABILITY_PRESENTATION) {
		struct show_feedback *sf = calloc(1, sizeof(*sf));
		CHECK(sf);
		sf->window = window;
		sf->frames_done_at_commit = frames;
		struct wgb_feedback *feedback = wgb_window_feedback(window->window);
		wgb_feedback_add_listener(feedback, &feedback_listener, sf);
		window->feedbacks_asked++;
	}
	window->shown_releases = buffer->releases;
	wgb_window_commit(window->window);
	window->shown = buffer;
	if (replaced) {
		agent_wait_count(agent, &replaced->releases, releases + 1, "buffer release");
	}
	agent_wait_count(agent, &window->frames_done, frames + 1, "frame done");
}

int64_t agent_stat(const char *stats_path, const char *key)
{
	/* written once the daemon listens */
	FILE *f;
	int64_t deadline = now_ms() + 5000;
	while (!(f = fopen(stats_path, "r"))) {
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "cannot read %s", stats_path);
		}
		usleep(20000);
	}
	char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char needle[128];
	snprintf(needle, sizeof(needle), "\"%s\": ", key);
	const char *at = strstr(text, needle);
	if (!at) {
		check_fail(__FILE__, __LINE__, "no %s in %s: %s", key, stats_path, text);
	}
	return strtoll(at + strlen(needle), NULL, 10);
}

void agent_wait_stat(const char *stats_path, const char *key, int64_t value)
{
	/* the daemon refreshes the file twice a second */
	int64_t deadline = now_ms() + 3000;
	int64_t got;
	while ((got = agent_stat(stats_path, key)) != value) {
		if (now_ms() > deadline) {
			check_fail(__FILE__, __LINE__, "stat %s is %lld, expected %lld", key,
				(long long)got, (long long)value);
		}
		usleep(50000);
	}
}

static void seat_capabilities(void *data, struct wgb_seat *wgb_seat, uint32_t capabilities)
{
	struct agent_seat *seat = data;
	seat->capabilities |= capabilities; /* every capability seen */
}

static void seat_keymap(void *data, struct wgb_seat *wgb_seat, uint32_t format, uint32_t size)
{
	struct agent_seat *seat = data;
	CHECK(size > 0 && size <= (1u << 20));
	free(seat->keymap);
	seat->keymap = calloc(1, size + 1);
	CHECK(seat->keymap);
	seat->keymap_size = size;
	seat->keymap_received = 0;
	seat->keymap_complete = false;
}

static void seat_keymap_data(void *data, struct wgb_seat *wgb_seat, struct wl_array *chunk)
{
	struct agent_seat *seat = data;
	CHECK(seat->keymap);
	CHECK(seat->keymap_received + chunk->size <= seat->keymap_size);
	memcpy(seat->keymap + seat->keymap_received, chunk->data, chunk->size);
	seat->keymap_received += (uint32_t)chunk->size;
	seat->keymap_complete = seat->keymap_received == seat->keymap_size;
}

static void seat_repeat_info(void *data, struct wgb_seat *wgb_seat, int32_t rate, int32_t delay)
{
}

static void seat_keyboard_enter(
	void *data, struct wgb_seat *wgb_seat, struct wgb_window *window, struct wl_array *keys)
{
	struct agent_seat *seat = data;
	seat->keyboard_focus = window;
}

static void seat_keyboard_leave(void *data, struct wgb_seat *wgb_seat, struct wgb_window *window)
{
	struct agent_seat *seat = data;
	seat->keyboard_focus = NULL;
}

static void seat_key(
	void *data, struct wgb_seat *wgb_seat, uint32_t time, uint32_t key, uint32_t state)
{
	struct agent_seat *seat = data;
	if (seat->keyboard_focus) {
		seat->keys++;
	} else {
		seat->keys_unfocused++;
	}
	seat->last_key = key;
}

static void seat_modifiers(void *data, struct wgb_seat *wgb_seat, uint32_t depressed,
	uint32_t latched, uint32_t locked, uint32_t group)
{
}

static void seat_pointer_enter(void *data, struct wgb_seat *wgb_seat, struct wgb_window *window,
	wl_fixed_t x, wl_fixed_t y)
{
}

static void seat_pointer_leave(void *data, struct wgb_seat *wgb_seat, struct wgb_window *window)
{
}

static void seat_pointer_motion(
	void *data, struct wgb_seat *wgb_seat, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
}

static void seat_pointer_button(
	void *data, struct wgb_seat *wgb_seat, uint32_t time, uint32_t button, uint32_t state)
{
}

static void seat_pointer_axis(
	void *data, struct wgb_seat *wgb_seat, uint32_t time, uint32_t axis, wl_fixed_t value)
{
}

static void seat_pointer_axis_source(void *data, struct wgb_seat *wgb_seat, uint32_t source)
{
}

static void seat_pointer_axis_stop(
	void *data, struct wgb_seat *wgb_seat, uint32_t time, uint32_t axis)
{
}

static void seat_pointer_axis_discrete(
	void *data, struct wgb_seat *wgb_seat, uint32_t axis, int32_t discrete)
{
}

static void seat_pointer_frame(void *data, struct wgb_seat *wgb_seat)
{
}

static void seat_touch_down(void *data, struct wgb_seat *wgb_seat, uint32_t time,
	struct wgb_window *window, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
}

static void seat_touch_up(void *data, struct wgb_seat *wgb_seat, uint32_t time, int32_t id)
{
}

static void seat_touch_motion(void *data, struct wgb_seat *wgb_seat, uint32_t time, int32_t id,
	wl_fixed_t x, wl_fixed_t y)
{
}

static void seat_touch_frame(void *data, struct wgb_seat *wgb_seat)
{
}

static void seat_touch_cancel(void *data, struct wgb_seat *wgb_seat)
{
}

static const struct wgb_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.keymap = seat_keymap,
	.keymap_data = seat_keymap_data,
	.repeat_info = seat_repeat_info,
	.keyboard_enter = seat_keyboard_enter,
	.keyboard_leave = seat_keyboard_leave,
	.key = seat_key,
	.modifiers = seat_modifiers,
	.pointer_enter = seat_pointer_enter,
	.pointer_leave = seat_pointer_leave,
	.pointer_motion = seat_pointer_motion,
	.pointer_button = seat_pointer_button,
	.pointer_axis = seat_pointer_axis,
	.pointer_axis_source = seat_pointer_axis_source,
	.pointer_axis_stop = seat_pointer_axis_stop,
	.pointer_axis_discrete = seat_pointer_axis_discrete,
	.pointer_frame = seat_pointer_frame,
	.touch_down = seat_touch_down,
	.touch_up = seat_touch_up,
	.touch_motion = seat_touch_motion,
	.touch_frame = seat_touch_frame,
	.touch_cancel = seat_touch_cancel,
};

void agent_seat_init(struct agent *agent, struct agent_seat *seat)
{
	memset(seat, 0, sizeof(*seat));
	seat->seat = wgb_bridge_get_seat(agent->bridge);
	wgb_seat_add_listener(seat->seat, &seat_listener, seat);
}
