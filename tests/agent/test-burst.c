/*
 * Many large windows at once while dom0 does not read for 1.5 s, and all
 * of them again after the link was made anew: thousands of grant refs in
 * a burst must not overrun the link (a Wayland client that cannot flush
 * its socket fails for good), so the link must not break or flap.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"

#define COUNT 24

static bool all_shown(struct fake_daemon *daemon, void *data)
{
	int n = 0, all = 0;
	struct fake_window *w;
	wl_list_for_each(w, fake_daemon_windows(daemon), link)
	{
		n += w->image != NULL && w->width == 1024;
		all++;
	}
	return n == all && n == *(int *)data;
}

static void close_windows(struct fake_daemon *daemon, int count)
{
	for (int i = 0; i < count; i++) {
		struct fake_window *w = agent_test_toplevel(daemon);
		CHECK(w);
		fake_window_close(w);
		/* wait for this one to go before closing the next */
		uint32_t id = w->id;
		int64_t deadline = testenv_now_ms() + 5000;
		while (fake_daemon_find_window(daemon, id) && testenv_now_ms() < deadline) {
			fake_daemon_dispatch(daemon, 10);
		}
		CHECK(!fake_daemon_find_window(daemon, id));
	}
}

static bool connected(struct fake_daemon *daemon, void *data)
{
	return fake_daemon_connected(daemon);
}

static bool none_left(struct fake_daemon *daemon, void *data)
{
	return wl_list_empty(fake_daemon_windows(daemon));
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 120);
	struct fake_daemon_config config = {
		.path = env.link_path,
		.guest_domid = 1,
		.max_pages = 120000,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	char count[8];
	snprintf(count, sizeof(count), "%d", COUNT);
	char *app[] = {(char *)testenv_client_path(), "many", count, "1024", "1024", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	CHECK(agent_test_wait(daemon, 10000, connected, NULL));
	usleep(1500000); /* dom0 busy: the app opens its windows meanwhile */
	int want = COUNT;
	CHECK(agent_test_wait(daemon, 30000, all_shown, &want));
	int64_t v;
	CHECK(testenv_stat(&env, "reconnects", &v));
	CHECK_EQ(v, 0);
	CHECK_EQ(fake_daemon_get_stats(daemon)->links, 1);

	/* half of them again when the link comes back (the local backend
	 * maps re-used refs page by page: all of them would pass the
	 * process's limit of memory maps) */
	close_windows(daemon, COUNT / 2);
	fake_daemon_drop_guest(daemon);
	want = COUNT / 2;
	CHECK(agent_test_wait(daemon, 30000, all_shown, &want));
	for (int i = 0; i < 50; i++) {
		fake_daemon_dispatch(daemon, 10);
	}
	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	check_note("%lld links, %lld pages mapped at most", (long long)stats->links,
		(long long)stats->max_pages_mapped);
	CHECK_EQ(stats->links, 2);
	CHECK_EQ(stats->protocol_errors, 0);

	close_windows(daemon, COUNT / 2);
	CHECK(agent_test_wait(daemon, 5000, none_left, NULL));
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
