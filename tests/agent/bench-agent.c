/*
 * Benchmark (not a timed test): full-damage frames through the agent to the
 * fake daemon. Reports frames per second, megabytes per second, and the
 * latency from the app's commit to the daemon holding the frame's pixels
 * (median and 99th percentile), for the sizes given (default 1920x1080).
 *
 *   bench-agent [FRAMES [WIDTH HEIGHT]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "agent-test.h"

struct samples {
	int64_t *us;
	int n, cap;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_commit(struct fake_window *w, void *data)
{
	struct samples *s = data;
	if (!w->image || w->width < 2 || s->n == s->cap) {
		return;
	}
	int64_t sent = (int64_t)(w->image[0] & 0xffffff) | (int64_t)(w->image[1] & 0xffffff) << 24;
	int64_t now = now_us();
	/* the first frame arrives before the window exists: skip odd ones */
	if (now - sent < 10000000) {
		s->us[s->n++] = now - sent;
	}
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char *argv[])
{
	int frames = argc > 1 ? atoi(argv[1]) : 300;
	const char *w = argc > 3 ? argv[2] : "1920", *h = argc > 3 ? argv[3] : "1080";
	struct testenv env;
	testenv_init(&env, 300);
	struct samples s = {.cap = frames + 8};
	s.us = calloc((size_t)s.cap, sizeof(int64_t));
	CHECK(s.us);
	struct fake_daemon_config config = {
		.path = env.link_path,
		.guest_domid = 1,
		.frame_interval_ms = 1,
		.on_commit = on_commit,
		.on_commit_data = &s,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	char count[16];
	snprintf(count, sizeof(count), "%d", frames);
	char *app[] = {(char *)testenv_client_path(), "bench", count, (char *)w, (char *)h, NULL};
	int64_t t0 = now_us();
	pid_t agent = testenv_spawn_agent(&env, app);
	int status;
	CHECK(agent_test_wait_exit(daemon, agent, 280000, &status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	int64_t elapsed = now_us() - t0;
	CHECK(s.n > 10);
	qsort(s.us, (size_t)s.n, sizeof(int64_t), cmp);
	double mb = (double)atoi(w) * atoi(h) * 4 * s.n / 1e6;
	printf("%sx%s: %d frames in %.2f s (with start-up): %.1f frames/s, %.0f MB/s; "
	       "commit-to-daemon latency median %.2f ms, p99 %.2f ms\n",
		w, h, s.n, elapsed / 1e6, s.n / (elapsed / 1e6), mb / (elapsed / 1e6),
		s.us[s.n / 2] / 1000.0, s.us[s.n * 99 / 100] / 1000.0);
	fake_daemon_destroy(daemon);
	free(s.us);
	return 0;
}
