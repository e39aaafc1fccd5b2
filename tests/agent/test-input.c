/*
 * Input from dom0 reaches the app: keyboard focus with the daemon's keymap,
 * a key, a pointer position in window coordinates and a button, a touch;
 * and the cursor the app sets comes back to the daemon.
 */
#include <stdio.h>
#include <sys/wait.h>

#include "agent-test.h"
#include "pattern.h"

struct want {
	uint32_t color; /* every pixel */
	int click_x, click_y;
	int touch_x, touch_y;
};

static uint32_t expected(int x, int y, void *data)
{
	const struct want *want = data;
	if (want->touch_x >= 0 && x >= want->touch_x && x < want->touch_x + 6 &&
		y >= want->touch_y && y < want->touch_y + 6) {
		return INPUT_TOUCH;
	}
	if (want->click_x >= 0 && x >= want->click_x && x < want->click_x + 10 &&
		y >= want->click_y && y < want->click_y + 10) {
		return INPUT_CLICK;
	}
	return want->color;
}

static bool shows(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->image && agent_test_compare(w, expected, data, NULL) == 0;
}

static bool cursor_set(struct fake_daemon *daemon, void *data)
{
	return fake_daemon_cursor_sets(daemon) > 0;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 0);
	char *app[] = {(char *)testenv_client_path(), "input", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);

	struct want want = {.color = INPUT_IDLE, .click_x = -1, .touch_x = -1};
	CHECK(agent_test_wait(daemon, 10000, shows, &want));
	struct fake_window *w = agent_test_toplevel(daemon);

	fake_daemon_keyboard_enter(daemon, w);
	want.color = INPUT_FOCUSED;
	CHECK(agent_test_wait(daemon, 5000, shows, &want));

	fake_daemon_key(daemon, 30 /* KEY_A */, true);
	fake_daemon_key(daemon, 30, false);
	want.color = INPUT_KEY_A;
	CHECK(agent_test_wait(daemon, 5000, shows, &want));

	fake_daemon_pointer_enter(daemon, w, 57.5, 33.25);
	CHECK(agent_test_wait(daemon, 5000, cursor_set, NULL));
	fake_daemon_pointer_button(daemon, 0x110 /* BTN_LEFT */, true);
	fake_daemon_pointer_button(daemon, 0x110, false);
	want.click_x = 57;
	want.click_y = 33;
	bool ok = agent_test_wait(daemon, 5000, shows, &want);
	agent_test_compare(w, expected, &want, "input");
	CHECK(ok);

	fake_daemon_touch(daemon, w, 7, 120.75, 80.5);
	want.touch_x = 120;
	want.touch_y = 80;
	ok = agent_test_wait(daemon, 5000, shows, &want);
	agent_test_compare(w, expected, &want, "input-touch");
	CHECK(ok);

	CHECK_EQ(fake_daemon_get_stats(daemon)->protocol_errors, 0);
	fake_window_close(w);
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
