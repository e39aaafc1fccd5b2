/*
 * The agent paces an app by dom0's frame events, at most one frame ahead
 * of them when dom0 is slow: the fake daemon's frames come every 50 ms
 * (its output says 60 Hz), so one frame at a time misses the refresh and
 * the agent goes one frame ahead. Every frame of test-client's "bench"
 * carries the microsecond it was committed at; the daemon notes when it
 * sent its last frame event. Must hold, frame by frame:
 *   - no buffer reaches dom0 while a frame event of an earlier commit is
 *     still due (at most one frame in dom0: none replaced unshown);
 *   - the app never draws two frames ahead: frame k is drawn after the
 *     frame event that came before frame k-1 reached dom0;
 *   - and it does draw one ahead: most frames were drawn before the frame
 *     event of the frame before them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "agent-test.h"

#define FRAMES 40

struct seen {
	int64_t stamp[FRAMES + 8]; /* the app's commit, us */
	int64_t done[FRAMES + 8];  /* the daemon's last frame event before it */
	int n;
	int over_pending; /* buffers that came while an earlier frame was due */
};

static void on_commit(struct fake_window *w, void *data)
{
	struct seen *s = data;
	if (!w->image || w->width < 2 || s->n == FRAMES + 8) {
		return;
	}
	/* frames: those of earlier commits not answered yet (this commit's
	 * are added after this call); before the first buffer, the app's
	 * first commit may have asked one without pixels */
	if (s->n > 0 && !wl_list_empty(&w->frames)) {
		s->over_pending++;
	}
	s->stamp[s->n] = (int64_t)(w->image[0] & 0xffffff) | (int64_t)(w->image[1] & 0xffffff)
								     << 24;
	s->done[s->n] = w->last_done_us;
	s->n++;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	struct seen s = {0};
	struct fake_daemon_config config = {
		.path = env.link_path,
		.guest_domid = 1,
		.frame_interval_ms = 50,
		.on_commit = on_commit,
		.on_commit_data = &s,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	char count[16];
	snprintf(count, sizeof(count), "%d", FRAMES);
	char *app[] = {(char *)testenv_client_path(), "bench", count, "64", "48", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 30000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);

	check_note("%d frames reached dom0", s.n);
	CHECK(s.n >= FRAMES);
	CHECK_EQ(s.over_pending, 0);
	int ahead = 0, two_ahead = 0;
	for (int k = 1; k < s.n; k++) {
		/* drawn before the frame event of frame k-1 came */
		ahead += s.stamp[k] < s.done[k];
		/* drawn before the frame event of frame k-2 came */
		two_ahead += s.stamp[k] < s.done[k - 1];
	}
	check_note("%d frames drawn one ahead of dom0, %d two ahead", ahead, two_ahead);
	CHECK_EQ(two_ahead, 0);
	CHECK(ahead >= s.n / 2);

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->violations, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
