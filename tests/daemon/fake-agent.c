/*
 * The daemon's end-to-end tests, one scenario per run, played by a fake
 * agent against a running bridge-daemon (started by run-test.sh together
 * with a headless compositor).
 *
 *   fake-agent --connect PATH --stats FILE --scenario NAME [--shot-dir DIR]
 *              [--label RRGGBB] [--border N] [--compositor weston|sway]
 *
 * Scenarios: present, indirect, agent-dies, churn, input, title, bench
 * (here), garbage and bad-NAME (bad-cases.c). "fake-agent --scenario
 * wait-compositor" only waits until $WAYLAND_DISPLAY answers.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "agent.h"
#include "scenarios.h"
#include "shot.h"

#define GUEST_DOMID 1
#define WIN_W 200
#define WIN_H 120

struct fake_options opts = {.label = 0xe01bc4, .border = 2, .compositor = "weston"};

/* --- pixels ------------------------------------------------------------- */

uint32_t pattern_a(int x, int y)
{
	/* never the label color: blue is at most 0x80 */
	return 0xff000000u | (uint32_t)(x * 255 / WIN_W) << 16 | (uint32_t)(y * 255 / WIN_H) << 8 |
	       (uint32_t)((x ^ y) & 0x7f);
}

static uint32_t pattern_b(int x, int y)
{
	return 0xff20c040u;
}

static uint32_t pattern_c(int x, int y)
{
	return 0xff000000u | (uint32_t)(((x / 10 + y / 10) & 1) ? 0x3050a0 : 0xf0f0f0);
}

/* Takes a screenshot of the compositor into DIR/NAME.png. */
static void screenshot(const char *name, struct test_image *image)
{
	CHECK(opts.shot_dir);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.png", opts.shot_dir, name);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (chdir(opts.shot_dir) < 0) {
			_exit(127);
		}
		if (strcmp(opts.compositor, "sway") == 0) {
			execlp("grim", "grim", path, (char *)NULL);
		} else {
			execlp("weston-screenshooter", "weston-screenshooter", (char *)NULL);
		}
		_exit(127);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (strcmp(opts.compositor, "sway") != 0) {
		/* weston-screenshooter names its file by the time */
		DIR *dir = opendir(opts.shot_dir);
		CHECK(dir);
		struct dirent *entry;
		char found[512] = "";
		while ((entry = readdir(dir))) {
			if (strncmp(entry->d_name, "wayland-screenshot", 18) == 0) {
				snprintf(found, sizeof(found), "%s/%s", opts.shot_dir,
					entry->d_name);
			}
		}
		closedir(dir);
		CHECK(found[0]);
		CHECK(rename(found, path) == 0);
	}
	CHECK(test_png_read(path, image));
	fprintf(stderr, "screenshot %s: %dx%d\n", path, image->width, image->height);
}

/* The window's frame is where the label color is; returns the content's
 * top-left corner on screen after checking the frame all around. */
static void find_window(const struct test_image *image, int w, int h, int *cx, int *cy)
{
	int x1, y1, x2, y2;
	if (!test_image_find_color(image, opts.label, &x1, &y1, &x2, &y2)) {
		check_fail(__FILE__, __LINE__, "no pixel of the label color on screen");
	}
	int b = opts.border;
	CHECK_EQ(x2 - x1 + 1, w + 2 * b);
	CHECK_EQ(y2 - y1 + 1, h + 2 * b);
	for (int y = y1; y <= y2; y++) {
		for (int x = x1; x <= x2; x++) {
			bool frame = x < x1 + b || x > x2 - b || y < y1 + b || y > y2 - b;
			if (frame && (test_image_at(image, x, y) & 0xffffff) != opts.label) {
				check_fail(__FILE__, __LINE__, "frame pixel %d,%d is %08x", x, y,
					test_image_at(image, x, y));
			}
		}
	}
	*cx = x1 + b;
	*cy = y1 + b;
}

/* Counts content pixels that differ from EXPECT(x, y). */
static int count_mismatches(const struct test_image *image, int cx, int cy, int w, int h,
	uint32_t (*expect)(int x, int y, void *data), void *data)
{
	int bad = 0;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t got = test_image_at(image, cx + x, cy + y) & 0xffffff;
			uint32_t want = expect(x, y, data) & 0xffffff;
			if (got != want) {
				if (bad < 5) {
					fprintf(stderr, "pixel %d,%d: %06x, expected %06x\n", x, y,
						got, want);
				}
				bad++;
			}
		}
	}
	return bad;
}

static uint32_t expect_a(int x, int y, void *data)
{
	return pattern_a(x, y);
}

static uint32_t expect_c(int x, int y, void *data)
{
	return pattern_c(x, y);
}

struct rect {
	int x, y, w, h;
};

static uint32_t expect_a_with_b_in_rect(int x, int y, void *data)
{
	const struct rect *r = data;
	if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h) {
		return pattern_b(x, y);
	}
	return pattern_a(x, y);
}

/* BUFFER drawn as expect_a_with_b_in_rect expects it shown */
static void fill_a_with_b_in_rect(struct agent_buffer *buffer, const struct rect *r)
{
	agent_buffer_fill(buffer, pattern_a);
	for (int y = r->y; y < r->y + r->h; y++) {
		uint32_t *row = (uint32_t *)(void *)(buffer->data + (size_t)y * buffer->stride);
		for (int x = r->x; x < r->x + r->w; x++) {
			row[x] = pattern_b(x, y);
		}
	}
}

/* --- good scenarios ----------------------------------------------------- */

/* A window with frame and content, a damage-only update, then teardown
 * with the release/unmapped ordering checked. */
static void scenario_present(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	CHECK_EQ(a->max_width, 16384);
	CHECK_EQ(a->max_height, 6144);
	CHECK_EQ(a->max_windows, 500);

	struct agent_pool pool;
	uint32_t buffer_bytes = WIN_W * 4 * WIN_H;
	uint32_t npages = (3 * buffer_bytes + GRANTLINK_PAGE_SIZE - 1) / GRANTLINK_PAGE_SIZE;
	agent_pool_init(a, &pool, npages, true, true);
	struct agent_buffer front, back, third;
	agent_buffer_init(&pool, &front, 0, WIN_W, WIN_H);
	agent_buffer_init(&pool, &back, buffer_bytes, WIN_W, WIN_H);
	agent_buffer_init(&pool, &third, 2 * buffer_bytes, WIN_W, WIN_H);

	struct agent_window window;
	agent_window_init(a, &window);
	wgb_window_set_title(window.window, "fake window");
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");

	agent_buffer_fill(&front, pattern_a);
	agent_window_show(a, &window, &front, 0, 0, -1, -1);
	/* two frames through the compositor: what it shows is settled */
	agent_sync(a);
	usleep(200000);
	agent_iterate(a, 0);
	agent_wait_stat(opts.stats, "windows", 1);
	agent_wait_stat(opts.stats, "pools", 1);
	agent_wait_stat(opts.stats, "pages_mapped", npages);

	struct test_image shot;
	screenshot("present", &shot);
	int cx, cy;
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_a, NULL), 0);
	test_image_finish(&shot);

	/* a rectangle changes, and only it is damaged; dom0's compositor
	 * shows the buffer as it is, so the agent keeps the rest up to date */
	struct rect r = {.x = 50, .y = 30, .w = 40, .h = 20};
	fill_a_with_b_in_rect(&back, &r);
	agent_window_show(a, &window, &back, r.x, r.y, r.w, r.h);
	/* both offer presentation-time; weston presents a frame of a shown
	 * window a refresh after its done: done must not wait for it, and
	 * presented comes on its own wgb_feedback (headless sway 1.7 was
	 * seen to present none of these, so nothing is waited for there) */
	CHECK(a->capabilities & WGB_BRIDGE_CAPABILITY_PRESENTATION);
	CHECK_EQ(window.feedbacks_asked, 2);
	if (strcmp(opts.compositor, "weston") == 0) {
		agent_wait_count(
			a, &window.feedbacks_answered, window.feedbacks_asked, "feedback answers");
		CHECK(window.feedbacks_presented >= 1);
		CHECK(window.presented_after_done >= 1);
	}
	/* The compositor repaints only what is damaged: cover the window
	 * with a popup and take it away again, so that the next screenshot
	 * shows all of the buffer, not the compositor's memory. */
	struct agent_window popup;
	agent_popup_init(a, &popup, &window, 0, 0, WIN_W, WIN_H);
	wgb_window_commit(popup.window);
	agent_buffer_fill(&third, pattern_c);
	agent_window_show(a, &popup, &third, 0, 0, -1, -1);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("popup", &shot);
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_c, NULL), 0);
	test_image_finish(&shot);
	wgb_window_destroy(popup.window);
	agent_sync(a);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("damage", &shot);
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_a_with_b_in_rect, &r), 0);
	test_image_finish(&shot);
	/* and once more through the first buffer, released by dom0 when the
	 * second was shown: a 1x1 damage of what is already there */
	fill_a_with_b_in_rect(&front, &r);
	agent_window_show(a, &window, &front, 0, 0, 1, 1);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("reuse", &shot);
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_a_with_b_in_rect, &r), 0);
	test_image_finish(&shot);

	/* a null attach hides the window, frame and all */
	wgb_window_attach(window.window, NULL);
	wgb_window_commit(window.window);
	agent_sync(a);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("hidden", &shot);
	int x1, y1, x2, y2;
	CHECK(!test_image_find_color(&shot, opts.label, &x1, &y1, &x2, &y2));
	test_image_finish(&shot);
	/* and a buffer shows it again, whole */
	agent_buffer_fill(&back, pattern_a);
	agent_window_show(a, &window, &back, 0, 0, -1, -1);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("shown-again", &shot);
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_a, NULL), 0);
	test_image_finish(&shot);

	/* a valid cursor: checked, and the buffer is free again at once */
	struct wgb_seat *seat = wgb_bridge_get_seat(a->bridge);
	struct agent_buffer cursor;
	agent_buffer_init(&pool, &cursor, 0, 32, 32);
	wgb_seat_set_cursor(seat, cursor.buffer, 31, 31);
	agent_wait_count(a, &cursor.releases, 1, "cursor buffer release");
	wgb_buffer_destroy(cursor.buffer);
	wgb_seat_destroy(seat);

	wgb_buffer_destroy(front.buffer);
	wgb_buffer_destroy(back.buffer);
	wgb_buffer_destroy(third.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_sync(a);
	agent_wait_stat(opts.stats, "windows", 0);
	agent_wait_stat(opts.stats, "pools", 0);
	agent_wait_stat(opts.stats, "pages_mapped", 0);
	CHECK(agent_stat(opts.stats, "unmapped_acks") >= 1);
	agent_wait_stat(opts.stats, "protocol_errors", 0);
	agent_link_down(a);
}

/* The smallest complete session; run after every drop. */
void good_session(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	struct agent_pool pool;
	agent_pool_init(a, &pool, 1, true, true);
	struct agent_buffer buffer;
	agent_buffer_init(&pool, &buffer, 0, 16, 16);
	agent_buffer_fill(&buffer, pattern_a);
	struct agent_window window;
	agent_window_init(a, &window);
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");
	agent_window_show(a, &window, &buffer, 0, 0, -1, -1);
	wgb_buffer_destroy(buffer.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
}

/* A pool whose refs come in indirect pages. */
static void scenario_indirect(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	CHECK(a->capabilities & WGB_BRIDGE_CAPABILITY_INDIRECT_REFS);
	uint32_t npages = 1500; /* two indirect pages */
	struct agent_pool pool;
	agent_pool_init(a, &pool, npages, false, false);
	struct grantlink_share *indirect = grantlink_share_create(a->domain, 0, 2, 0);
	CHECK(indirect);
	memcpy(grantlink_share_get_data(indirect), grantlink_share_get_refs(pool.share),
		npages * sizeof(uint32_t));
	struct wl_array refs = {.size = 2 * sizeof(uint32_t),
		.alloc = 2 * sizeof(uint32_t),
		.data = (void *)grantlink_share_get_refs(indirect)};
	wgb_pool_add_indirect_refs(pool.pool, &refs);
	wgb_pool_map(pool.pool);
	agent_wait(a, &pool.mapped, 5000, "mapped");
	CHECK_EQ(grantlink_share_get_peer_mapped(pool.share), npages);
	/* the indirect pages were let go before mapped */
	CHECK_EQ(grantlink_share_get_peer_mapped(indirect), 0);
	grantlink_share_destroy(indirect);
	struct grantlink_counters c;
	grantlink_domain_get_counters(a->domain, &c);
	CHECK_EQ(c.deferred, 0);
	agent_pool_release(&pool);
	agent_link_down(a);
}

/* The agent dies with pools mapped and windows shown: the daemon unmaps,
 * survives, and serves the next link. */
static void scenario_agent_dies(struct agent *a)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct agent child;
		agent_init(&child, a->path, GUEST_DOMID);
		agent_link_up(&child);
		agent_bind(&child, true);
		struct agent_pool pool;
		agent_pool_init(&child, &pool, 8, true, true);
		struct agent_buffer buffer;
		agent_buffer_init(&pool, &buffer, 0, 32, 32);
		struct agent_window window;
		agent_window_init(&child, &window);
		wgb_window_commit(window.window);
		agent_wait(&child, &window.configured, 5000, "configure");
		agent_window_show(&child, &window, &buffer, 0, 0, -1, -1);
		_exit(0); /* no goodbye */
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	good_session(a);
	agent_wait_stat(opts.stats, "links_closed", 2);
}

/* Window and pool churn, the case that leaks grants without the unmapped
 * answer: after 100 rounds nothing is shared, deferred or leaked in the
 * guest, and the daemon maps nothing. */
static void scenario_churn(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	for (int round = 0; round < 100; round++) {
		struct agent_pool pool;
		agent_pool_init(a, &pool, 4 + (uint32_t)(round % 7) * 9, true, true);
		struct agent_buffer buffer;
		agent_buffer_init(&pool, &buffer, 0, 32 + round % 5, 32);
		agent_buffer_fill(&buffer, pattern_a);
		struct agent_window window;
		agent_window_init(a, &window);
		wgb_window_commit(window.window);
		agent_wait(a, &window.configured, 5000, "configure");
		agent_window_show(a, &window, &buffer, 0, 0, -1, -1);
		wgb_buffer_destroy(buffer.buffer);
		wgb_window_destroy(window.window);
		agent_pool_release(&pool);
	}
	struct grantlink_counters c;
	grantlink_domain_get_counters(a->domain, &c);
	CHECK_EQ(c.shared, 0);
	CHECK_EQ(c.peer_mapped, 0);
	CHECK_EQ(c.awaiting_unmap, 0);
	CHECK_EQ(c.deferred, 0);
	CHECK_EQ(c.leaked, 0);
	agent_wait_stat(opts.stats, "unmapped_acks", 100);
	agent_wait_stat(opts.stats, "pages_mapped", 0);
	agent_wait_stat(opts.stats, "windows", 0);
	agent_link_down(a);
}

/* One daemon serves one guest link at a time: a second link is refused
 * and the first goes on undisturbed. */
static void scenario_second_link(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	struct agent_pool pool;
	agent_pool_init(a, &pool, 1, true, true);
	struct agent_buffer buffer;
	agent_buffer_init(&pool, &buffer, 0, 16, 16);
	agent_buffer_fill(&buffer, pattern_a);
	struct agent_window window;
	agent_window_init(a, &window);
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");

	struct agent intruder;
	agent_init(&intruder, a->path, GUEST_DOMID);
	agent_link_up(&intruder);
	for (int i = 0; i < 250 && !intruder.hangup; i++) {
		agent_iterate(&intruder, 20);
		agent_iterate(a, 0);
	}
	CHECK(intruder.hangup);
	agent_finish(&intruder);

	agent_window_show(a, &window, &buffer, 0, 0, -1, -1);
	wgb_buffer_destroy(buffer.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
	good_session(a);
	agent_wait_stat(opts.stats, "protocol_errors", 0);
}

/* Keys typed in dom0 (wtype, through sway's virtual keyboard) reach the
 * guest only while its window has the focus, and the keymap arrives whole
 * in chunks. */
static void scenario_input(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	struct agent_seat seat;
	agent_seat_init(a, &seat);
	struct agent_pool pool;
	agent_pool_init(a, &pool, 16, true, true);
	struct agent_buffer buffer;
	agent_buffer_init(&pool, &buffer, 0, 64, 64);
	agent_buffer_fill(&buffer, pattern_a);
	struct agent_window window;
	agent_window_init(a, &window);
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");
	agent_window_show(a, &window, &buffer, 0, 0, -1, -1);
	/* headless sway has no keyboard until wtype makes a virtual one:
	 * wtype waits a second before typing, for the daemon to see it */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execlp("wtype", "wtype", "-s", "1000", "wgb", (char *)NULL);
		_exit(127);
	}
	bool focused = false;
	int status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		agent_iterate(a, 20);
		focused |= seat.keyboard_focus == window.window;
	}
	agent_iterate(a, 100);
	CHECK(focused || seat.keyboard_focus == window.window);
	CHECK(seat.capabilities & WGB_SEAT_CAPABILITY_KEYBOARD);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	agent_wait_count(a, &seat.keys, 6, "3 key presses and releases");
	CHECK_EQ(seat.keys_unfocused, 0);
	CHECK(seat.keymap_complete);
	CHECK(strstr(seat.keymap, "xkb_keymap"));
	fprintf(stderr, "keys: %d, keymap %u bytes\n", seat.keys, seat.keymap_size);

	wgb_buffer_destroy(buffer.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
	free(seat.keymap);
}

/* What sway shows as the title and app id: the VM's name first, then the
 * guest's strings sanitized (asked through swaymsg). */
static void scenario_title(struct agent *a)
{
	agent_link_up(a);
	agent_bind(a, true);
	struct agent_pool pool;
	agent_pool_init(a, &pool, 16, true, true);
	struct agent_buffer buffer;
	agent_buffer_init(&pool, &buffer, 0, 64, 64);
	agent_buffer_fill(&buffer, pattern_a);
	struct agent_window window;
	agent_window_init(a, &window);
	/* an escape sequence, a right-to-left override, a bad byte, and far
	 * more than the 256-byte cap */
	char title[600] = "evil\x1b[2J\xe2\x80\xae"
			  "fdp.exe\xff";
	size_t len = strlen(title);
	memset(title + len, 'x', 400);
	title[len + 400] = '\0';
	wgb_window_set_title(window.window, title);
	wgb_window_set_app_id(window.window, "org.example.Fake\n");
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");
	agent_window_show(a, &window, &buffer, 0, 0, -1, -1);
	agent_sync(a);

	char want_title[400];
	int n = snprintf(want_title, sizeof(want_title), "\"name\": \"[testvm] evil_[2J_fdp.exe_");
	memset(want_title + n, 'x', 256 - 17);
	snprintf(want_title + n + 256 - 17, sizeof(want_title) - (size_t)n - 239, "\"");
	const char *want_app_id = "\"app_id\": \"[testvm] org.example.Fake_\"";
	bool found = false;
	for (int i = 0; i < 50 && !found; i++) {
		FILE *f = popen("swaymsg -r -t get_tree", "r");
		CHECK(f);
		static char tree[1 << 20];
		size_t got = fread(tree, 1, sizeof(tree) - 1, f);
		tree[got] = '\0';
		pclose(f);
		found = strstr(tree, want_title) && strstr(tree, want_app_id);
		if (!found) {
			agent_iterate(a, 50);
		}
		if (!found && i == 49) {
			fprintf(stderr, "want %s and %s in:\n%s\n", want_title, want_app_id, tree);
		}
	}
	CHECK(found);
	/* sway focused the new window: activated reached the guest */
	CHECK(window.states_seen & (1u << WGB_WINDOW_STATE_ACTIVATED));
	/* closing it in dom0 asks the guest to close it */
	CHECK(system("swaymsg -q '[app_id=\"^\\[testvm\\] \"] kill'") == 0);
	agent_wait(a, &window.closed, 5000, "close");
	wgb_buffer_destroy(buffer.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not a test: commit-to-release latency of the daemon (the map is done
 * once; each frame is a copy of the damage into dom0 shm, then release),
 * for a full 1920x1080 frame and for a 64x64 damage. */
static void scenario_bench(struct agent *a)
{
	const int w = 1920, h = 1080, frames = 60;
	agent_link_up(a);
	agent_bind(a, true);
	uint32_t bytes = (uint32_t)w * 4 * h;
	struct agent_pool pool;
	agent_pool_init(a, &pool, 2 * bytes / GRANTLINK_PAGE_SIZE + 1, true, true);
	struct agent_buffer buffers[2];
	agent_buffer_init(&pool, &buffers[0], 0, w, h);
	agent_buffer_init(&pool, &buffers[1], bytes, w, h);
	agent_buffer_fill(&buffers[0], pattern_a);
	agent_buffer_fill(&buffers[1], pattern_b);
	struct agent_window window;
	agent_window_init(a, &window);
	wgb_window_commit(window.window);
	agent_wait(a, &window.configured, 5000, "configure");
	agent_window_show(a, &window, &buffers[0], 0, 0, -1, -1);
	for (int damage = 0; damage < 2; damage++) {
		int dw = damage ? 64 : w, dh = damage ? 64 : h;
		double total = 0, worst = 0;
		for (int i = 0; i < frames; i++) {
			struct agent_buffer *b = &buffers[(i + 1) % 2];
			int releases = b->releases;
			double t0 = now_s();
			wgb_window_attach(window.window, b->buffer);
			wgb_window_damage(window.window, 0, 0, dw, dh);
			wgb_window_commit(window.window);
			agent_wait_count(a, &b->releases, releases + 1, "release");
			double dt = now_s() - t0;
			total += dt;
			worst = dt > worst ? dt : worst;
		}
		printf("%dx%d damage in a %dx%d window: commit to release %.3f ms mean, "
		       "%.3f ms worst, over %d frames\n",
			dw, dh, w, h, total / frames * 1e3, worst * 1e3, frames);
	}
	wgb_buffer_destroy(buffers[0].buffer);
	wgb_buffer_destroy(buffers[1].buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
}

int main(int argc, char *argv[])
{
	const char *path = NULL, *scenario = NULL;
	static const struct option options[] = {
		{"connect", required_argument, NULL, 'c'},
		{"stats", required_argument, NULL, 's'},
		{"scenario", required_argument, NULL, 'n'},
		{"shot-dir", required_argument, NULL, 'd'},
		{"label", required_argument, NULL, 'l'},
		{"border", required_argument, NULL, 'b'},
		{"compositor", required_argument, NULL, 'w'},
		{0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 's':
			opts.stats = optarg;
			break;
		case 'n':
			scenario = optarg;
			break;
		case 'd':
			opts.shot_dir = optarg;
			break;
		case 'l':
			opts.label = (uint32_t)strtoul(optarg, NULL, 16);
			break;
		case 'b':
			opts.border = atoi(optarg);
			break;
		case 'w':
			opts.compositor = optarg;
			break;
		default:
			return 2;
		}
	}
	if (scenario && strcmp(scenario, "wait-compositor") == 0) {
		/* The socket file exists a moment before the compositor listens
		 * on it: wait until a client really gets in. */
		for (int i = 0; i < 200; i++) {
			struct wl_display *display = wl_display_connect(NULL);
			if (display && wl_display_roundtrip(display) >= 0) {
				wl_display_disconnect(display);
				return 0;
			}
			if (display) {
				wl_display_disconnect(display);
			}
			usleep(25000);
		}
		fprintf(stderr, "the compositor does not answer\n");
		return 1;
	}
	if (!path || !scenario || !opts.stats) {
		fprintf(stderr, "usage: fake-agent --connect PATH --stats FILE --scenario NAME\n");
		return 2;
	}
	struct agent agent;
	agent_init(&agent, path, GUEST_DOMID);
	bool known = true;
	if (strcmp(scenario, "present") == 0) {
		scenario_present(&agent);
	} else if (strcmp(scenario, "indirect") == 0) {
		scenario_indirect(&agent);
	} else if (strcmp(scenario, "second-link") == 0) {
		scenario_second_link(&agent);
	} else if (strcmp(scenario, "churn") == 0) {
		scenario_churn(&agent);
	} else if (strcmp(scenario, "garbage") == 0) {
		scenario_garbage(&agent);
	} else if (strcmp(scenario, "bench") == 0) {
		scenario_bench(&agent);
	} else if (strcmp(scenario, "title") == 0) {
		scenario_title(&agent);
	} else if (strcmp(scenario, "input") == 0) {
		scenario_input(&agent);
	} else if (strcmp(scenario, "agent-dies") == 0) {
		scenario_agent_dies(&agent);
	} else if (strncmp(scenario, "bad-", 4) == 0) {
		known = run_bad_scenario(&agent, scenario + 4);
	} else {
		known = false;
	}
	if (!known) {
		fprintf(stderr, "unknown scenario %s\n", scenario);
		return 2;
	}
	agent_finish(&agent);
	fprintf(stderr, "scenario %s passed\n", scenario);
	return 0;
}
