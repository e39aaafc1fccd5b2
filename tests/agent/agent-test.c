#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "agent-test.h"

struct fake_daemon *agent_test_daemon(struct testenv *env, int frame_ms, int release_delay_ms)
{
	struct fake_daemon_config config = {
		.path = env->link_path,
		.guest_domid = 1,
		.frame_interval_ms = frame_ms,
		.release_delay_ms = release_delay_ms,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	return daemon;
}

bool agent_test_wait(struct fake_daemon *daemon, int timeout_ms,
	bool (*cond)(struct fake_daemon *daemon, void *data), void *data)
{
	int64_t deadline = testenv_now_ms() + timeout_ms;
	while (!cond(daemon, data)) {
		if (testenv_now_ms() >= deadline) {
			return false;
		}
		fake_daemon_dispatch(daemon, 10);
	}
	return true;
}

bool agent_test_wait_exit(struct fake_daemon *daemon, pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = testenv_now_ms() + timeout_ms;
	while (testenv_now_ms() < deadline) {
		fake_daemon_dispatch(daemon, 10);
		if (testenv_wait(pid, 0, status)) {
			/* let the daemon see the link end */
			for (int i = 0; i < 10; i++) {
				fake_daemon_dispatch(daemon, 5);
			}
			return true;
		}
	}
	return false;
}

static struct fake_window *find(struct fake_daemon *daemon, bool popup)
{
	struct fake_window *window;
	wl_list_for_each(window, fake_daemon_windows(daemon), link)
	{
		if ((window->parent != NULL) == popup) {
			return window;
		}
	}
	return NULL;
}

struct fake_window *agent_test_toplevel(struct fake_daemon *daemon)
{
	return find(daemon, false);
}

struct fake_window *agent_test_popup(struct fake_daemon *daemon)
{
	return find(daemon, true);
}

int64_t agent_test_compare(struct fake_window *window,
	uint32_t (*expected)(int x, int y, void *data), void *data, const char *name)
{
	int64_t bad = 0;
	int first_x = -1, first_y = -1;
	uint32_t first_have = 0, first_want = 0;
	for (int y = 0; y < window->height; y++) {
		for (int x = 0; x < window->width; x++) {
			uint32_t have = window->image[(size_t)y * (size_t)window->width + x];
			uint32_t want = expected(x, y, data);
			if (have != want) {
				if (bad++ == 0) {
					first_x = x;
					first_y = y;
					first_have = have;
					first_want = want;
				}
			}
		}
	}
	if (bad && name) {
		const char *dir =
			getenv("AGENT_TEST_OUTPUT") ? getenv("AGENT_TEST_OUTPUT") : "/tmp";
		char path[512];
		snprintf(path, sizeof(path), "%s/%s-shot.png", dir, name);
		fake_window_write_png(window, path);
		check_note("%lld pixels differ; first at %d,%d: 0x%08x, expected 0x%08x; shot %s",
			(long long)bad, first_x, first_y, first_have, first_want, path);
		/* the diff: expected where different, black elsewhere */
		uint32_t *saved = window->image;
		uint32_t *diff = calloc((size_t)window->width * (size_t)window->height, 4);
		if (diff) {
			for (int y = 0; y < window->height; y++) {
				for (int x = 0; x < window->width; x++) {
					size_t i = (size_t)y * (size_t)window->width + x;
					diff[i] = saved[i] != expected(x, y, data)
							  ? expected(x, y, data) | 0xff000000u
							  : 0xff000000u;
				}
			}
			window->image = diff;
			snprintf(path, sizeof(path), "%s/%s-diff.png", dir, name);
			fake_window_write_png(window, path);
			window->image = saved;
			free(diff);
		}
	}
	return bad;
}

void agent_test_check_final_stats(struct testenv *env)
{
	int64_t v;
	CHECK(testenv_stat(env, "grants_shared", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(env, "grants_awaiting_ack", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(env, "deferred", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(env, "leaked", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(env, "pools", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(env, "grants_freed", &v));
	CHECK(v > 0);
}
