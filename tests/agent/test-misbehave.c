/*
 * An app that breaks the protocol gets a protocol error and loses only its
 * own windows: its window leaves dom0, while the agent, its link and
 * another app's window stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"
#include "pattern.h"

static bool shown(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->image && w->buffer_commits >= 1 && strcmp(w->title, "pattern: done") == 0;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 0);
	char *app[] = {(char *)testenv_client_path(), "pattern", "0", "stay", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	CHECK(agent_test_wait(daemon, 10000, shown, NULL));
	struct fake_window *good = agent_test_toplevel(daemon);
	uint64_t commits = good->commits;

	setenv("WAYLAND_DISPLAY", env.socket, 1);
	char *bad_argv[] = {(char *)testenv_client_path(), "bad", NULL};
	pid_t bad = testenv_spawn(bad_argv);
	int status = -1;
	int64_t max_windows = 0;
	int64_t deadline = testenv_now_ms() + 10000;
	bool ended = false;
	while (!ended && testenv_now_ms() < deadline) {
		fake_daemon_dispatch(daemon, 10);
		ended = testenv_wait(bad, 0, &status);
		int64_t n = fake_daemon_get_stats(daemon)->windows;
		max_windows = n > max_windows ? n : max_windows;
	}
	/* its window was shown before it went */
	CHECK_EQ(max_windows, 2);
	CHECK(ended);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 3); /* it saw EPROTO */

	for (int i = 0; i < 20; i++) {
		fake_daemon_dispatch(daemon, 10);
	}
	CHECK(waitpid(agent, &status, WNOHANG) == 0);
	CHECK(fake_daemon_connected(daemon));
	CHECK_EQ(fake_daemon_get_stats(daemon)->windows, 1);
	CHECK(agent_test_toplevel(daemon) == good);
	CHECK(good->commits == commits);
	int64_t v;
	CHECK(testenv_stat(&env, "clients", &v));
	CHECK_EQ(v, 1);

	fake_window_close(good);
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
