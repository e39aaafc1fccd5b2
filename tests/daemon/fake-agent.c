/*
 * The daemon's end-to-end tests, one scenario per run, played by a fake
 * agent against a running bridge-daemon (started by run-test.sh together
 * with a headless compositor).
 *
 *   fake-agent --connect PATH --stats FILE --scenario NAME [--shot-dir DIR]
 *              [--label RRGGBB] [--border N]
 *
 * Bad-value scenarios send one value a sanitize block must refuse, expect
 * the link to be dropped with the right error and the pools unmapped, then
 * check the daemon serves a new link.
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
#include "shot.h"

#define GUEST_DOMID 1
#define WIN_W 200
#define WIN_H 120

static struct {
	const char *stats;
	const char *shot_dir;
	const char *compositor; /* weston or sway */
	uint32_t label;
	int border;
} opts = {.label = 0xe01bc4, .border = 2, .compositor = "weston"};

/* --- pixels ------------------------------------------------------------- */

static uint32_t pattern_a(int x, int y)
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
		agent_fail(__FILE__, __LINE__, "no pixel of the label color on screen");
	}
	int b = opts.border;
	CHECK_EQ(x2 - x1 + 1, w + 2 * b);
	CHECK_EQ(y2 - y1 + 1, h + 2 * b);
	for (int y = y1; y <= y2; y++) {
		for (int x = x1; x <= x2; x++) {
			bool frame = x < x1 + b || x > x2 - b || y < y1 + b || y > y2 - b;
			if (frame && (test_image_at(image, x, y) & 0xffffff) != opts.label) {
				agent_fail(__FILE__, __LINE__, "frame pixel %d,%d is %08x", x, y,
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

	/* the whole back buffer changes, but only a rectangle is damaged:
	 * only that rectangle may change on screen */
	struct rect r = {.x = 50, .y = 30, .w = 40, .h = 20};
	agent_buffer_fill(&back, pattern_b);
	agent_window_show(a, &window, &back, r.x, r.y, r.w, r.h);
	/* The compositor repaints only what is damaged: cover the window
	 * with a popup and take it away again, so that the next screenshot
	 * shows all of the daemon's buffer, not the compositor's memory. */
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
	/* and once more through the first buffer, to exercise reuse of the
	 * daemon's other shm buffer: a 1x1 damage of what is already there */
	agent_buffer_fill(&front, pattern_a);
	for (int y = r.y; y < r.y + r.h; y++) {
		for (int x = r.x; x < r.x + r.w; x++) {
			((uint32_t *)(void *)front.data)[y * WIN_W + x] = pattern_b(x, y);
		}
	}
	agent_window_show(a, &window, &front, 0, 0, 1, 1);
	usleep(200000);
	agent_iterate(a, 0);
	screenshot("reuse", &shot);
	find_window(&shot, WIN_W, WIN_H, &cx, &cy);
	CHECK_EQ(count_mismatches(&shot, cx, cy, WIN_W, WIN_H, expect_a_with_b_in_rect, &r), 0);
	test_image_finish(&shot);

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
static void good_session(struct agent *a)
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
	wgb_buffer_destroy(buffer.buffer);
	wgb_window_destroy(window.window);
	agent_pool_release(&pool);
	agent_link_down(a);
}

/* Writes raw words to the daemon, below libwayland. */
static void send_raw(struct agent *a, const uint32_t *words, size_t count)
{
	int fd = wl_display_get_fd(a->display);
	CHECK(write(fd, words, count * sizeof(uint32_t)) == (ssize_t)(count * sizeof(uint32_t)));
}

static void expect_hangup(struct agent *a)
{
	for (int i = 0; i < 250 && !a->hangup; i++) {
		agent_iterate(a, 20);
	}
	CHECK(a->hangup);
}

/* Malformed wire messages, crafted and random: each ends its link (the
 * daemon's libwayland or our checks refuse it), and the daemon serves the
 * next link after all of them. */
static void scenario_garbage(struct agent *a)
{
	uint32_t seed = 12345;
	for (int round = 0; round < 24; round++) {
		agent_link_up(a);
		agent_bind(a, round % 2 == 0);
		/* wgb_bridge is object 3 after the registry (2) */
		uint32_t msg[64];
		size_t n;
		switch (round) {
		case 0: /* a request to an object that does not exist */
			msg[0] = 99;
			msg[1] = 8u << 16 | 0;
			n = 2;
			break;
		case 1: /* an opcode past the interface's requests */
			msg[0] = 3;
			msg[1] = 8u << 16 | 40;
			n = 2;
			break;
		case 2: /* hello whose string claims more bytes than sent */
			msg[0] = 3;
			msg[1] = 20u << 16 | 0;
			msg[2] = 1u << 16;
			msg[3] = 4000;
			msg[4] = 0x41414141;
			n = 5;
			break;
		case 3: /* a string without its NUL */
			msg[0] = 3;
			msg[1] = 20u << 16 | 0;
			msg[2] = 1u << 16;
			msg[3] = 4;
			msg[4] = 0x41414141;
			n = 5;
			break;
		case 4: /* a size smaller than the header */
			msg[0] = 3;
			msg[1] = 4u << 16 | 0;
			n = 2;
			break;
		case 5: /* create_pool with a new id already in use */
			msg[0] = 3;
			msg[1] = 16u << 16 | 1;
			msg[2] = 3;
			msg[3] = 4096;
			n = 4;
			break;
		default: /* random words after a plausible header */
			n = 2 + (seed % 30);
			msg[0] = round % 3 == 0 ? 3 : seed % 8;
			msg[1] = (uint32_t)(n * 4) << 16 | (seed >> 8) % 6;
			for (size_t i = 2; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				msg[i] = seed;
			}
			break;
		}
		seed = seed * 1103515245u + 12345u;
		send_raw(a, msg, n);
		expect_hangup(a);
		agent_link_down(a);
	}
	good_session(a);
	agent_wait_stat(opts.stats, "links_dropped", 24);
	agent_wait_stat(opts.stats, "protocol_errors", 24);
	agent_wait_stat(opts.stats, "links_closed", 1);
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

/* --- bad values ----------------------------------------------------------- */

struct bad_case {
	const char *name;
	uint32_t error;
	bool no_hello;
	void (*send)(struct agent *a, struct agent_pool *probe);
};

static void send_refs(struct wgb_pool *pool, const uint32_t *refs, size_t bytes)
{
	struct wl_array array = {.size = bytes, .alloc = bytes, .data = (void *)refs};
	wgb_pool_add_refs(pool, &array);
}

static void bad_no_hello(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 4096);
}

static void bad_hello_twice(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 1 << 16, "again");
}

static void bad_hello_major(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 2 << 16, "future");
}

static void bad_hello_utf8(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_hello(a->bridge, 1 << 16, "bad\xc3\x28name");
}

static void bad_pool_size_zero(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 0);
}

static void bad_pool_size_unaligned(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, 4097);
}

static void bad_pool_pages_limit(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_create_pool(a->bridge, (a->max_pages + 1) * GRANTLINK_PAGE_SIZE);
}

static void bad_pool_count_limit(struct agent *a, struct agent_pool *probe)
{
	/* run with max_pools = 3: the probe and two more fit */
	for (int i = 0; i < 3; i++) {
		wgb_bridge_create_pool(a->bridge, 4096);
	}
}

static void bad_refs_partial(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, 6);
}

static void bad_refs_too_many(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, sizeof(refs));
}

static void bad_refs_after_map(struct agent *a, struct agent_pool *probe)
{
	send_refs(probe->pool, grantlink_share_get_refs(probe->share), 4);
}

static void bad_map_short(struct agent *a, struct agent_pool *probe)
{
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 2 * 4096);
	send_refs(pool, grantlink_share_get_refs(probe->share), 4);
	wgb_pool_map(pool);
}

static void bad_map_unshared(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[1] = {3000}; /* never shared */
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, refs, sizeof(refs));
	wgb_pool_map(pool);
}

static void bad_map_revoked(struct agent *a, struct agent_pool *probe)
{
	struct grantlink_share *share = grantlink_share_create(a->domain, 0, 1, 0);
	CHECK(share);
	uint32_t ref = grantlink_share_get_refs(share)[0];
	grantlink_share_destroy(share);
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	send_refs(pool, &ref, sizeof(ref));
	wgb_pool_map(pool);
}

static void bad_map_twice(struct agent *a, struct agent_pool *probe)
{
	wgb_pool_map(probe->pool);
}

static void bad_indirect_unshared(struct agent *a, struct agent_pool *probe)
{
	uint32_t refs[1] = {3000};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	struct wl_array array = {.size = 4, .alloc = 4, .data = refs};
	wgb_pool_add_indirect_refs(pool, &array);
}

static void bad_indirect_too_many(struct agent *a, struct agent_pool *probe)
{
	/* one page of refs needs one indirect page, not two */
	uint32_t refs[2] = {0, 0};
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	struct wl_array array = {.size = 8, .alloc = 8, .data = refs};
	wgb_pool_add_indirect_refs(pool, &array);
}

static void buffer_case(struct agent *a, struct agent_pool *probe, uint32_t offset, int32_t w,
	int32_t h, int32_t stride, uint32_t format)
{
	wgb_pool_create_buffer(probe->pool, offset, w, h, stride, format);
}

static void bad_buffer_unmapped_pool(struct agent *a, struct agent_pool *probe)
{
	struct wgb_pool *pool = wgb_bridge_create_pool(a->bridge, 4096);
	wgb_pool_create_buffer(pool, 0, 16, 16, 64, 0);
}

static void bad_buffer_zero_width(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 0, 16, 64, 0);
}

static void bad_buffer_negative_height(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, -16, 64, 0);
}

static void bad_buffer_too_wide(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, (int32_t)a->max_width + 1, 1, ((int32_t)a->max_width + 1) * 4, 0);
}

static void bad_buffer_too_tall(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 1, (int32_t)a->max_height + 1, 4, 0);
}

static void bad_buffer_stride_small(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 60, 0);
}

static void bad_buffer_stride_unaligned(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 66, 0);
}

static void bad_buffer_offset_unaligned(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 2, 16, 16, 64, 0);
}

static void bad_buffer_outside_pool(struct agent *a, struct agent_pool *probe)
{
	/* the probe pool is 4 pages: 64 rows of 256 bytes end at its end,
	 * one more row does not fit */
	buffer_case(a, probe, 256, 64, 64, 256, 0);
}

static void bad_buffer_overflow(struct agent *a, struct agent_pool *probe)
{
	/* offset + stride * height wraps around in 32 bits */
	buffer_case(a, probe, 0xfffff000u, 1024, 4096, 1 << 20, 0);
}

static void bad_buffer_format(struct agent *a, struct agent_pool *probe)
{
	buffer_case(a, probe, 0, 16, 16, 64, 7);
}

static void bad_release_with_buffers(struct agent *a, struct agent_pool *probe)
{
	wgb_pool_create_buffer(probe->pool, 0, 16, 16, 64, 0);
	wgb_pool_release(probe->pool);
}

static void bad_window_limit(struct agent *a, struct agent_pool *probe)
{
	/* run with max_windows = 2 */
	for (int i = 0; i < 3; i++) {
		wgb_bridge_create_toplevel(a->bridge);
	}
}

static void bad_popup_size(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 0, 0, 0, 10);
}

static void bad_popup_too_big(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 0, 0, 10, (int32_t)a->max_height + 1);
}

static void bad_parent_destroyed_first(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *parent = wgb_bridge_create_toplevel(a->bridge);
	wgb_bridge_create_popup(a->bridge, parent, 1, 1, 10, 10);
	wgb_window_destroy(parent);
}

static void bad_min_size_negative(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	wgb_window_set_min_size(window, -1, 10);
}

static void bad_max_size_too_big(struct agent *a, struct agent_pool *probe)
{
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	wgb_window_set_max_size(window, 10, (int32_t)a->max_height + 1);
}

static void bad_second_seat(struct agent *a, struct agent_pool *probe)
{
	wgb_bridge_get_seat(a->bridge);
	wgb_bridge_get_seat(a->bridge);
}

static void bad_cursor_too_big(struct agent *a, struct agent_pool *probe)
{
	/* 257 x 1: fits the probe pool, not a cursor */
	struct wgb_seat *seat = wgb_bridge_get_seat(a->bridge);
	struct wgb_buffer *buffer = wgb_pool_create_buffer(probe->pool, 0, 257, 1, 257 * 4, 0);
	wgb_seat_set_cursor(seat, buffer, 0, 0);
}

static void bad_cursor_hotspot(struct agent *a, struct agent_pool *probe)
{
	struct wgb_seat *seat = wgb_bridge_get_seat(a->bridge);
	struct wgb_buffer *buffer = wgb_pool_create_buffer(probe->pool, 0, 16, 16, 64, 0);
	wgb_seat_set_cursor(seat, buffer, 16, 0);
}

static void bad_shm_budget(struct agent *a, struct agent_pool *probe)
{
	/* run with max_pages = 64: 512 KiB of dom0 copies at most. One
	 * 64x64 guest buffer shown by 20 windows would cost 20 x 37 KiB. */
	struct wgb_buffer *buffer = wgb_pool_create_buffer(probe->pool, 0, 64, 64, 256, 1);
	for (int i = 0; i < 20; i++) {
		struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
		wgb_window_attach(window, buffer);
		wgb_window_damage(window, 0, 0, 64, 64);
		wgb_window_commit(window);
	}
}

static void bad_message_rate(struct agent *a, struct agent_pool *probe)
{
	/* run with max_messages_per_second = 200 */
	struct wgb_window *window = wgb_bridge_create_toplevel(a->bridge);
	for (int i = 0; i < 400; i++) {
		wgb_window_set_title(window, "spam");
		agent_iterate(a, 0);
	}
}

static const struct bad_case bad_cases[] = {
	{"no-hello", WGB_BRIDGE_ERROR_BAD_VERSION, true, bad_no_hello},
	{"hello-twice", WGB_BRIDGE_ERROR_BAD_VERSION, false, bad_hello_twice},
	{"hello-major", WGB_BRIDGE_ERROR_BAD_VERSION, true, bad_hello_major},
	{"hello-utf8", WGB_BRIDGE_ERROR_BAD_VALUE, true, bad_hello_utf8},
	{"pool-size-zero", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_pool_size_zero},
	{"pool-size-unaligned", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_pool_size_unaligned},
	{"pool-pages-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_pool_pages_limit},
	{"pool-count-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_pool_count_limit},
	{"refs-partial", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_partial},
	{"refs-too-many", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_too_many},
	{"refs-after-map", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_refs_after_map},
	{"map-short", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_short},
	{"map-unshared", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_unshared},
	{"map-revoked", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_revoked},
	{"map-twice", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_map_twice},
	{"indirect-unshared", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_indirect_unshared},
	{"indirect-too-many", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_indirect_too_many},
	{"buffer-unmapped-pool", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_unmapped_pool},
	{"buffer-zero-width", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_zero_width},
	{"buffer-negative-height", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_negative_height},
	{"buffer-too-wide", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_too_wide},
	{"buffer-too-tall", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_too_tall},
	{"buffer-stride-small", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_stride_small},
	{"buffer-stride-unaligned", WGB_BRIDGE_ERROR_BAD_BUFFER, false,
		bad_buffer_stride_unaligned},
	{"buffer-offset-unaligned", WGB_BRIDGE_ERROR_BAD_BUFFER, false,
		bad_buffer_offset_unaligned},
	{"buffer-outside-pool", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_outside_pool},
	{"buffer-overflow", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_overflow},
	{"buffer-format", WGB_BRIDGE_ERROR_BAD_BUFFER, false, bad_buffer_format},
	{"release-with-buffers", WGB_BRIDGE_ERROR_BAD_POOL, false, bad_release_with_buffers},
	{"window-limit", WGB_BRIDGE_ERROR_LIMIT, false, bad_window_limit},
	{"popup-size", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_popup_size},
	{"popup-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_popup_too_big},
	{"parent-destroyed-first", WGB_BRIDGE_ERROR_BAD_WINDOW, false, bad_parent_destroyed_first},
	{"min-size-negative", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_min_size_negative},
	{"max-size-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_max_size_too_big},
	{"second-seat", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_second_seat},
	{"cursor-too-big", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_cursor_too_big},
	{"cursor-hotspot", WGB_BRIDGE_ERROR_BAD_VALUE, false, bad_cursor_hotspot},
	{"message-rate", WGB_BRIDGE_ERROR_LIMIT, false, bad_message_rate},
	{"shm-budget", WGB_BRIDGE_ERROR_LIMIT, false, bad_shm_budget},
};

static void run_bad_case(struct agent *a, const struct bad_case *c)
{
	int64_t errors_before = agent_stat(opts.stats, "protocol_errors");
	agent_link_up(a);
	agent_bind(a, !c->no_hello);
	/* a mapped pool of 4 pages the drop must unmap */
	struct agent_pool probe;
	bool have_probe = !c->no_hello;
	if (have_probe) {
		agent_pool_init(a, &probe, 4, true, true);
	}
	c->send(a, &probe);
	agent_expect_drop(a, c->error);
	if (have_probe) {
		/* the link ended with the pool: dom0 maps none of it now */
		CHECK_EQ(grantlink_share_get_peer_mapped(probe.share), 0);
		grantlink_share_destroy(probe.share);
		struct grantlink_counters counters;
		grantlink_domain_get_counters(a->domain, &counters);
		CHECK_EQ(counters.deferred, 0);
	}
	agent_link_down(a);
	/* still serving */
	good_session(a);
	agent_wait_stat(opts.stats, "protocol_errors", errors_before + 1);
	agent_wait_stat(opts.stats, "links_dropped", 1);
	agent_wait_stat(opts.stats, "pools", 0);
	agent_wait_stat(opts.stats, "windows", 0);
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
		known = false;
		for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
			if (strcmp(scenario + 4, bad_cases[i].name) == 0) {
				run_bad_case(&agent, &bad_cases[i]);
				known = true;
			}
		}
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
