/*
 * dom0's daemon dies (kill -9) and another one starts: the app keeps
 * running, the agent unshares what the dead daemon had mapped (without
 * one deferred page), reconnects, and the window comes back with the same
 * pixels although the app drew nothing since. Then the new daemon ends the
 * link while it still maps the pools for a while: the agent must keep
 * those pages shared until they are unmapped, and come back again.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"
#include "pattern.h"

static uint32_t expected(int x, int y, void *data)
{
	if (x >= PATTERN_VP_X && x < PATTERN_VP_X + PATTERN_VP_DST && y >= PATTERN_VP_Y &&
		y < PATTERN_VP_Y + PATTERN_VP_DST) {
		return PATTERN_VP_COLOR;
	}
	if (x >= PATTERN_SUB_X && x < PATTERN_SUB_X + PATTERN_SUB_W && y >= PATTERN_SUB_Y &&
		y < PATTERN_SUB_Y + PATTERN_SUB_H) {
		return PATTERN_SUB_COLOR;
	}
	return pattern_root_pixel(x, y, 5);
}

static bool window_right(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	struct fake_window *p = agent_test_popup(daemon);
	return w && p && p->image && w->width == PATTERN_W && w->height == PATTERN_H &&
	       agent_test_compare(w, expected, NULL, NULL) == 0;
}

static bool title_done(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && strcmp(w->title, "pattern: done") == 0;
}

static bool wait_stat(struct testenv *env, const char *key, int64_t want, int timeout_ms)
{
	int64_t deadline = testenv_now_ms() + timeout_ms, v;
	while (testenv_now_ms() < deadline) {
		if (testenv_stat(env, key, &v) && v == want) {
			return true;
		}
		usleep(10000);
	}
	return false;
}

/* The first daemon, in a child we can kill -9. */
static pid_t first_daemon(struct testenv *env, int report_fd)
{
	pid_t pid = testenv_fork();
	if (pid > 0) {
		return pid;
	}
	struct fake_daemon *daemon = agent_test_daemon(env, 16, 0);
	if (!agent_test_wait(daemon, 20000, window_right, NULL)) {
		_exit(1);
	}
	if (write(report_fd, "y", 1) != 1) {
		_exit(1);
	}
	for (;;) {
		fake_daemon_dispatch(daemon, 100);
	}
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 90);
	int report[2];
	CHECK(pipe(report) == 0);
	pid_t daemon1 = first_daemon(&env, report[1]);
	char *app[] = {(char *)testenv_client_path(), "pattern", "5", "sub", "viewport", "popup",
		"stay", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	char c;
	CHECK(read(report[0], &c, 1) == 1);

	/* the stats file follows within 100 ms */
	int64_t shared_before = 0;
	for (int i = 0; i < 200 && shared_before == 0; i++) {
		usleep(10000);
		testenv_stat(&env, "grants_shared", &shared_before);
	}
	CHECK(shared_before > 0);
	testenv_kill(daemon1, SIGKILL);
	CHECK(testenv_wait(daemon1, 5000, NULL));

	/* the app lives on; what the dead daemon mapped is unshared */
	CHECK(wait_stat(&env, "link_up", 0, 5000));
	CHECK(wait_stat(&env, "grants_shared", 0, 5000));
	int64_t v;
	CHECK(testenv_stat(&env, "deferred", &v));
	CHECK_EQ(v, 0);
	CHECK(testenv_stat(&env, "clients", &v));
	CHECK_EQ(v, 1);
	CHECK(testenv_stat(&env, "windows", &v));
	CHECK_EQ(v, 2);
	int status;
	CHECK(waitpid(agent, &status, WNOHANG) == 0);

	/* a new daemon: everything comes back by itself */
	usleep(200000);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 0);
	CHECK(agent_test_wait(daemon, 10000, window_right, NULL));
	struct fake_window *w = agent_test_toplevel(daemon);
	struct fake_window *p = agent_test_popup(daemon);
	/* the app finishes its last frame only now that frames come again */
	CHECK(agent_test_wait(daemon, 5000, title_done, NULL));
	CHECK(p->parent == w);
	CHECK_EQ(p->popup_x, PATTERN_POPUP_X);
	CHECK_EQ(p->popup_y, PATTERN_POPUP_Y);
	/* the stats file follows within 100 ms */
	CHECK(wait_stat(&env, "reconnects", 1, 2000));
	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK(wait_stat(&env, "grants_shared", stats->pages_mapped, 2000));
	CHECK(testenv_stat(&env, "deferred", &v));
	CHECK_EQ(v, 0);

	/* a link that ends while its pools are still mapped */
	int64_t mapped = stats->pages_mapped;
	fake_daemon_drop_guest_lingering(daemon, 600);
	CHECK_EQ(fake_daemon_lingering_pages(daemon), mapped);
	int64_t t0 = testenv_now_ms();
	bool held_while_mapped = false;
	while (testenv_now_ms() - t0 < 1200) {
		fake_daemon_dispatch(daemon, 10);
		int64_t shared, deferred;
		if (testenv_stat(&env, "grants_shared", &shared) &&
			testenv_stat(&env, "deferred", &deferred)) {
			CHECK_EQ(deferred, 0);
			/* every lingering page is still shared by the agent */
			if (fake_daemon_lingering_pages(daemon) > 0) {
				CHECK(shared >= fake_daemon_lingering_pages(daemon));
				held_while_mapped |= testenv_now_ms() - t0 > 300;
			}
		}
	}
	CHECK(held_while_mapped);
	CHECK_EQ(fake_daemon_lingering_pages(daemon), 0);
	CHECK(agent_test_wait(daemon, 10000, window_right, NULL));
	CHECK(wait_stat(&env, "reconnects", 2, 2000));
	w = agent_test_toplevel(daemon);
	CHECK(wait_stat(&env, "grants_shared", stats->pages_mapped, 2000));
	CHECK(testenv_stat(&env, "deferred", &v));
	CHECK_EQ(v, 0);

	fake_window_close(w);
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	agent_test_check_final_stats(&env);
	CHECK_EQ(stats->protocol_errors, 0);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
