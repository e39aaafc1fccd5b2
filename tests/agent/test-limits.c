/*
 * dom0's limits are kept, not tripped over: with room for two windows, a
 * third waits until one goes; with room for two pools' pages, a third
 * window waits for its pages until a pool is unmapped. Neither ends the
 * link with a protocol error.
 */
#include <stdio.h>
#include <sys/wait.h>

#include "agent-test.h"

struct count {
	int windows, with_content;
};

static void count(struct fake_daemon *daemon, struct count *c)
{
	*c = (struct count){0};
	struct fake_window *w;
	wl_list_for_each(w, fake_daemon_windows(daemon), link)
	{
		c->windows++;
		c->with_content += w->image != NULL;
	}
}

static bool reached(struct fake_daemon *daemon, void *data)
{
	const struct count *want = data;
	struct count now;
	count(daemon, &now);
	return now.windows == want->windows && now.with_content == want->with_content;
}

static bool created_reached(struct fake_daemon *daemon, void *data)
{
	return fake_daemon_get_stats(daemon)->windows_created == *(int64_t *)data;
}

static struct fake_daemon *daemon_with(struct testenv *env, uint32_t windows, uint32_t pages)
{
	struct fake_daemon_config config = {
		.path = env->link_path,
		.guest_domid = 1,
		.max_windows = windows,
		.max_pages = pages,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	return daemon;
}

static void settle(struct fake_daemon *daemon)
{
	for (int i = 0; i < 30; i++) {
		fake_daemon_dispatch(daemon, 10);
	}
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	/* 64x48 windows: three buffers in 9 pages per pool */
	struct fake_daemon *daemon = daemon_with(&env, 2, 1000);
	char *app[] = {(char *)testenv_client_path(), "many", "4", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);

	struct count want = {2, 2};
	CHECK(agent_test_wait(daemon, 10000, reached, &want));
	settle(daemon);
	CHECK(reached(daemon, &want));
	int64_t v;
	CHECK(testenv_stat(&env, "windows", &v));
	CHECK_EQ(v, 4);
	/* one goes: a waiting one takes its place */
	fake_window_close(agent_test_toplevel(daemon));
	int64_t created = 3;
	CHECK(agent_test_wait(daemon, 10000, created_reached, &created));
	CHECK(agent_test_wait(daemon, 10000, reached, &want));
	CHECK_EQ(fake_daemon_get_stats(daemon)->protocol_errors, 0);

	/* a new daemon with pages for two pools only */
	fake_daemon_destroy(daemon);
	daemon = daemon_with(&env, 64, 20);
	want = (struct count){3, 2};
	CHECK(agent_test_wait(daemon, 10000, reached, &want));
	settle(daemon);
	CHECK(reached(daemon, &want));
	/* a shown one goes: once its pool is unmapped, the last one shows */
	struct fake_window *w;
	wl_list_for_each(w, fake_daemon_windows(daemon), link)
	{
		if (w->image) {
			break;
		}
	}
	fake_window_close(w);
	want = (struct count){2, 2};
	CHECK(agent_test_wait(daemon, 10000, reached, &want));
	settle(daemon);
	CHECK(reached(daemon, &want));
	CHECK(fake_daemon_get_stats(daemon)->max_pages_mapped <= 20);
	CHECK_EQ(fake_daemon_get_stats(daemon)->protocol_errors, 0);

	/* the last two go, and the app with them */
	fake_window_close(agent_test_toplevel(daemon));
	want = (struct count){1, 1};
	CHECK(agent_test_wait(daemon, 10000, reached, &want));
	settle(daemon);
	fake_window_close(agent_test_toplevel(daemon));
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
