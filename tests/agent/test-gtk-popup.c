/*
 * A GTK menu through the agent: a click from dom0 on gtk4-widget-factory's
 * menu button opens a popover, an xdg_popup, which must reach dom0 as a
 * popup window on the toplevel, placed near the button, with content; a
 * second click outside closes it again and its window leaves dom0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"

static bool shown(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->image && w->buffer_commits >= 3;
}

static bool popup_shown(struct fake_daemon *daemon, void *data)
{
	struct fake_window *p = agent_test_popup(daemon);
	return p && p->image && p->buffer_commits >= 1;
}

static bool popup_gone(struct fake_daemon *daemon, void *data)
{
	return agent_test_popup(daemon) == NULL;
}

static void click(struct fake_daemon *daemon, struct fake_window *w, double x, double y)
{
	fake_daemon_pointer_enter(daemon, w, x, y);
	fake_daemon_pointer_motion(daemon, x + 1, y);
	fake_daemon_pointer_motion(daemon, x, y);
	fake_daemon_dispatch(daemon, 50);
	fake_daemon_pointer_button(daemon, 0x110 /* BTN_LEFT */, true);
	fake_daemon_dispatch(daemon, 50);
	fake_daemon_pointer_button(daemon, 0x110, false);
}

int main(void)
{
	const char *app = "/usr/bin/gtk4-widget-factory";
	if (access(app, X_OK) != 0) {
		printf("skip: no %s\n", app);
		return 77;
	}
	struct testenv env;
	testenv_init(&env, 90);
	setenv("GSK_RENDERER", "cairo", 1);
	setenv("GDK_BACKEND", "wayland", 1);
	setenv("NO_AT_BRIDGE", "1", 1);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 0);
	char *argv[] = {(char *)app, NULL};
	pid_t agent = testenv_spawn_agent(&env, argv);
	CHECK(agent_test_wait(daemon, 30000, shown, NULL));
	struct fake_window *w = agent_test_toplevel(daemon);
	fake_window_configure(w, 0, 0, 4 /* activated */);
	fake_daemon_keyboard_enter(daemon, w);
	for (int i = 0; i < 30; i++) {
		fake_daemon_dispatch(daemon, 10);
	}

	/* the menu button sits in the header bar's right end, left of close */
	double bx = w->width - 72, by = 22;
	click(daemon, w, bx, by);
	bool ok = agent_test_wait(daemon, 10000, popup_shown, NULL);
	if (!ok) {
		fake_window_write_png(w, "/tmp/gtk-popup-toplevel.png");
	}
	CHECK(ok);
	struct fake_window *p = agent_test_popup(daemon);
	const char *dir = getenv("AGENT_TEST_OUTPUT") ? getenv("AGENT_TEST_OUTPUT") : "/tmp";
	char path[512];
	snprintf(path, sizeof(path), "%s/gtk-popup-shot.png", dir);
	fake_window_write_png(p, path);
	check_note("popup %dx%d at %d,%d of the toplevel's %dx%d; shot %s", p->width, p->height,
		p->popup_x, p->popup_y, w->width, w->height, path);
	CHECK(p->parent == w);
	CHECK_EQ(p->width, p->popup_w);
	CHECK_EQ(p->height, p->popup_h);
	CHECK(p->width >= 50 && p->height >= 50);
	/* below the button, near it */
	CHECK(p->popup_y >= 0 && p->popup_y < 80);
	CHECK(p->popup_x < bx && p->popup_x + p->width > bx - 200);
	int64_t opaque = 0, n = (int64_t)p->width * p->height;
	for (int64_t i = 0; i < n; i++) {
		opaque += (p->image[i] >> 24) == 0xff;
	}
	CHECK(opaque * 2 > n);

	/* a click elsewhere on the toplevel dismisses the popover */
	fake_daemon_pointer_enter(daemon, w, 20, w->height - 20);
	click(daemon, w, 20, w->height - 20);
	CHECK(agent_test_wait(daemon, 10000, popup_gone, NULL));
	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->protocol_errors, 0);

	fake_window_close(w);
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->pools, 0);
	CHECK_EQ(stats->pools_unmapped, stats->pools_created);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
