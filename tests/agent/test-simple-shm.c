/*
 * weston-simple-shm through the agent. Its picture moves with time, so the
 * check is on what does not: a 250x250 window, a 20-pixel white padding
 * (its buffers start as 0xff bytes), an opaque XRGB interior that changes
 * from frame to frame, frames paced by dom0 (none while dom0 hides the
 * window), buffers never written while held, drawing that goes on after
 * the link was lost and made again, and every grant freed after dom0
 * closes the window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"

#define SIZE 250
#define PADDING 20

static bool enough_frames(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->buffer_commits >= *(uint64_t *)data;
}

static uint32_t pixel(struct fake_window *w, int x, int y)
{
	return w->image[(size_t)y * (size_t)w->width + x];
}

int main(void)
{
	const char *app = "/usr/bin/weston-simple-shm";
	if (access(app, X_OK) != 0) {
		printf("skip: no %s\n", app);
		return 77;
	}
	struct testenv env;
	testenv_init(&env, 60);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 20);
	char *argv[] = {(char *)app, NULL};
	pid_t agent = testenv_spawn_agent(&env, argv);

	uint64_t want = 10;
	CHECK(agent_test_wait(daemon, 20000, enough_frames, &want));
	struct fake_window *w = agent_test_toplevel(daemon);
	CHECK_EQ(w->width, SIZE);
	CHECK_EQ(w->height, SIZE);
	CHECK(strcmp(w->title, "simple-shm") == 0);

	uint32_t *before = malloc(SIZE * SIZE * 4);
	CHECK(before);
	memcpy(before, w->image, SIZE * SIZE * 4);
	int64_t t0 = testenv_now_ms();
	want = w->buffer_commits + 30;
	CHECK(agent_test_wait(daemon, 20000, enough_frames, &want));
	int64_t elapsed = testenv_now_ms() - t0;
	check_note("30 frames in %lld ms (dom0 frame every 16 ms)", (long long)elapsed);
	/* paced by dom0's frames, not free-running */
	CHECK(elapsed >= 30 * 16 * 8 / 10);

	int changed = 0;
	for (int y = 0; y < SIZE; y++) {
		for (int x = 0; x < SIZE; x++) {
			uint32_t p = pixel(w, x, y);
			bool border = x < PADDING || y < PADDING || x >= SIZE - PADDING ||
				      y >= SIZE - PADDING;
			if (border && p != 0xffffffffu) {
				fake_window_write_png(w, "/tmp/simple-shm-shot.png");
				check_fail(__FILE__, __LINE__, "padding %d,%d is 0x%08x", x, y, p);
			}
			/* XRGB content composes opaque */
			CHECK((p >> 24) == 0xff);
			changed += p != before[y * SIZE + x];
		}
	}
	check_note("%d pixels changed over 30 frames", changed);
	CHECK(changed > 1000);
	free(before);

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->violations, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	check_note("damage: %lld pixels in %lld rects over %llu commits", (long long)w->damage_area,
		(long long)w->damage_rects, (unsigned long long)w->buffer_commits);

	/* hidden in dom0: no frames, so the app stops drawing */
	w->hidden = true;
	for (int i = 0; i < 10; i++) {
		fake_daemon_dispatch(daemon, 10);
	}
	uint64_t hidden_at = w->buffer_commits;
	for (int i = 0; i < 50; i++) {
		fake_daemon_dispatch(daemon, 10);
	}
	check_note("%llu commits in 500 ms while hidden",
		(unsigned long long)(w->buffer_commits - hidden_at));
	CHECK(w->buffer_commits - hidden_at <= 1);
	w->hidden = false;
	want = w->buffer_commits + 10;
	CHECK(agent_test_wait(daemon, 5000, enough_frames, &want));

	/* the link goes and comes back: the app never noticed, and draws on */
	fake_daemon_drop_guest(daemon);
	CHECK(agent_test_wait(daemon, 5000, enough_frames, &(uint64_t){10}));
	w = agent_test_toplevel(daemon);
	CHECK_EQ(w->width, SIZE);
	want = w->buffer_commits + 10;
	CHECK(agent_test_wait(daemon, 5000, enough_frames, &want));
	int64_t v;
	CHECK(testenv_stat(&env, "reconnects", &v));
	CHECK_EQ(v, 1);
	CHECK(testenv_stat(&env, "deferred", &v));
	CHECK_EQ(v, 0);
	stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->violations, 0);
	CHECK_EQ(stats->protocol_errors, 0);

	fake_window_close(w);
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	stats = fake_daemon_get_stats(daemon);
	/* all unmapped: on release, or when the first link was dropped */
	CHECK_EQ(stats->pools, 0);
	CHECK_EQ(stats->pages_mapped, 0);
	agent_test_check_final_stats(&env);
	int64_t freed;
	CHECK(testenv_stat(&env, "grants_freed", &freed));
	CHECK_EQ(freed, stats->pages_mapped_total);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
