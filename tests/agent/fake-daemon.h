/*
 * A scripted stand-in for dom0's bridge-daemon, for the agent's tests: the
 * server side of our link protocol over the grantlink local backend. It
 * maps pools, copies each commit's damage into a per-window image (copy
 * mode), releases buffers, answers release with unmapped, sends frames on
 * a timer, and counts what it saw so tests can check the agent's rules.
 */
#ifndef FAKE_DAEMON_H
#define FAKE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct fake_window;

struct fake_daemon_config {
	const char *path;      /* link socket */
	uint16_t guest_domid;  /* the agent's --domid */
	int frame_interval_ms; /* 0: 16 */
	/* hold every buffer this long before release, and check that its
	 * pixels did not change meanwhile */
	int release_delay_ms;
	uint32_t max_width, max_height, max_windows, max_pages;
	int output_width, output_height;
	/* called after each commit that brought pixels */
	void (*on_commit)(struct fake_window *window, void *data);
	void *on_commit_data;
};

struct fake_window {
	struct fake_daemon *daemon;
	struct wl_resource *resource;
	struct wl_list link; /* fake_daemon::windows */
	uint32_t id;         /* order of creation, from 1 */
	struct fake_window *parent;
	int popup_x, popup_y, popup_w, popup_h;
	char title[256], app_id[256];
	char pending_title[256];

	/* pending */
	struct fake_buffer *pending_buffer;
	bool pending_attach;
	int64_t pending_damage_area;
	int pending_rects;
	struct wl_list pending_frames;    /* fake_frame::link */
	struct wl_list pending_feedbacks; /* fake_frame::link, wgb_feedbacks */
	struct {
		int32_t x, y, w, h;
	} damage[64];
	int ndamage;
	bool damage_overflow;

	/* current */
	int width, height;        /* of the image; 0 before the first buffer */
	uint32_t *image;          /* argb8888, copy of what the agent committed */
	uint32_t format;          /* of the last buffer committed: 0 argb8888, 1 xrgb8888 */
	struct wl_list frames;    /* fake_frame::link */
	struct wl_list feedbacks; /* fake_frame::link, committed wgb_feedbacks */
	uint64_t commits, buffer_commits;
	uint64_t opaque_commits; /* of them, buffers in xrgb8888 */
	int64_t damage_area;     /* pixels of damage received, summed */
	int64_t damage_rects;
	uint32_t last_ack;
	bool closed_sent;
	bool hidden;          /* set by the test: no frame events, as for a hidden window */
	int64_t last_done_us; /* CLOCK_MONOTONIC of the last frame event sent */
};

struct fake_stats {
	int64_t windows, windows_created;
	int64_t pools, pools_created, pools_unmapped;
	int64_t pages_mapped, max_pages_mapped, pages_mapped_total;
	int64_t buffers_committed, releases_sent;
	int64_t frames_done;
	int64_t feedbacks_presented, feedbacks_discarded;
	int64_t violations; /* a held buffer changed before its release */
	int64_t protocol_errors;
	int64_t links;
};

struct fake_daemon;

struct fake_daemon *fake_daemon_create(const struct fake_daemon_config *config);
void fake_daemon_destroy(struct fake_daemon *daemon);
/* Runs the daemon for at most TIMEOUT_MS (one poll round). */
void fake_daemon_dispatch(struct fake_daemon *daemon, int timeout_ms);
/* Ends the guest's link as a daemon would on its way out. */
void fake_daemon_drop_guest(struct fake_daemon *daemon);
/* Ends the link but keeps the guest's pools mapped HOLD_MS longer, as a
 * daemon whose compositor still holds the pages would. */
void fake_daemon_drop_guest_lingering(struct fake_daemon *daemon, int hold_ms);
/* Pages still mapped after such a drop. */
int64_t fake_daemon_lingering_pages(struct fake_daemon *daemon);

const struct fake_stats *fake_daemon_get_stats(struct fake_daemon *daemon);
struct wl_list *fake_daemon_windows(struct fake_daemon *daemon); /* fake_window::link */
struct fake_window *fake_daemon_find_window(struct fake_daemon *daemon, uint32_t id);
bool fake_daemon_connected(struct fake_daemon *daemon);

void fake_window_configure(struct fake_window *window, int width, int height, uint32_t state);
void fake_window_close(struct fake_window *window);
/* Writes the window's image as PNG. */
bool fake_window_write_png(struct fake_window *window, const char *path);

/* Input. */
void fake_daemon_keyboard_enter(struct fake_daemon *daemon, struct fake_window *window);
void fake_daemon_key(struct fake_daemon *daemon, uint32_t key, bool pressed);
void fake_daemon_pointer_enter(
	struct fake_daemon *daemon, struct fake_window *window, double x, double y);
void fake_daemon_pointer_motion(struct fake_daemon *daemon, double x, double y);
void fake_daemon_pointer_button(struct fake_daemon *daemon, uint32_t button, bool pressed);
/* A tap: touch down at X, Y of WINDOW, then up. */
void fake_daemon_touch(
	struct fake_daemon *daemon, struct fake_window *window, int32_t id, double x, double y);
/* the cursor buffers the agent set, counted */
int64_t fake_daemon_cursor_sets(struct fake_daemon *daemon);

#endif
