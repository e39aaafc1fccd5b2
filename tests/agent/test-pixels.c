/*
 * The test client's window through the agent: exact pixels of a surface
 * tree with a subsurface and a viewporter-scaled subsurface, a popup at its
 * place, damage limited to what changed, no buffer written while dom0
 * holds it, and every grant freed when the app is gone.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "agent-test.h"
#include "pattern.h"

#define FRAMES 20

static uint32_t expected_toplevel(int x, int y, void *data)
{
	int frames = *(int *)data;
	if (x >= PATTERN_VP_X && x < PATTERN_VP_X + PATTERN_VP_DST && y >= PATTERN_VP_Y &&
		y < PATTERN_VP_Y + PATTERN_VP_DST) {
		return PATTERN_VP_COLOR;
	}
	if (x >= PATTERN_SUB_X && x < PATTERN_SUB_X + PATTERN_SUB_W && y >= PATTERN_SUB_Y &&
		y < PATTERN_SUB_Y + PATTERN_SUB_H) {
		return PATTERN_SUB_COLOR;
	}
	return pattern_root_pixel(x, y, frames);
}

static uint32_t expected_popup(int x, int y, void *data)
{
	return PATTERN_POPUP_COLOR;
}

static bool shown(struct fake_daemon *daemon, void *data)
{
	struct fake_window *top = agent_test_toplevel(daemon);
	struct fake_window *popup = agent_test_popup(daemon);
	int frames = FRAMES;
	return top && popup && top->width == PATTERN_W && popup->image &&
	       strcmp(top->title, "pattern: done") == 0 &&
	       agent_test_compare(top, expected_toplevel, &frames, NULL) == 0;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	/* dom0 holds each buffer 30 ms: the agent must write others meanwhile */
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 30);
	/* the client also checks its frames were presented, its buffer came
	 * back before each frame was shown, and dom0's output (1920x1080 in
	 * the fake daemon) reached it: its exit status says */
	char *app[] = {(char *)testenv_client_path(), "pattern", "20", "sub", "viewport", "popup",
		"stay", "feedback", "release", "output=1920x1080", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);

	bool ok = agent_test_wait(daemon, 20000, shown, NULL);
	struct fake_window *top = agent_test_toplevel(daemon);
	struct fake_window *popup = agent_test_popup(daemon);
	CHECK(top);
	CHECK(popup);
	int frames = FRAMES;
	CHECK_EQ(agent_test_compare(top, expected_toplevel, &frames, "pixels-toplevel"), 0);
	CHECK(ok);
	CHECK_EQ(top->width, PATTERN_W);
	CHECK_EQ(top->height, PATTERN_H);
	CHECK(strcmp(top->title, "pattern: done") == 0);
	CHECK(strcmp(top->app_id, "agent-test-client") == 0);
	/* the client's feedback rode on wgb_feedback, answered after done */
	CHECK(fake_daemon_get_stats(daemon)->feedbacks_presented >= 1);

	CHECK(popup->parent == top);
	CHECK_EQ(popup->popup_x, PATTERN_POPUP_X);
	CHECK_EQ(popup->popup_y, PATTERN_POPUP_Y);
	CHECK_EQ(popup->popup_w, PATTERN_POPUP_W);
	CHECK_EQ(popup->popup_h, PATTERN_POPUP_H);
	CHECK_EQ(popup->width, PATTERN_POPUP_W);
	CHECK_EQ(agent_test_compare(popup, expected_popup, NULL, "pixels-popup"), 0);

	/* the 20 one-square frames arrive as small damage: a full-window
	 * damage per frame would be 20 * 30000 pixels */
	const int64_t full = PATTERN_W * PATTERN_H;
	check_note("toplevel: %llu buffer commits, %lld damage pixels in %lld rects",
		(unsigned long long)top->buffer_commits, (long long)top->damage_area,
		(long long)top->damage_rects);
	CHECK(top->buffer_commits >= FRAMES);
	CHECK(top->damage_area <= 3 * full + FRAMES * 4 * PATTERN_SQUARE * PATTERN_SQUARE);

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->violations, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	CHECK(stats->frames_done > 0);

	/* close from dom0: the app quits, the agent exits with its status */
	fake_window_close(top);
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->pools, 0);
	CHECK_EQ(stats->pools_unmapped, stats->pools_created);
	CHECK_EQ(stats->pages_mapped, 0);
	agent_test_check_final_stats(&env);
	int64_t freed;
	CHECK(testenv_stat(&env, "grants_freed", &freed));
	CHECK_EQ(freed, stats->pages_mapped_total);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
