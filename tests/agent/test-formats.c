/*
 * The buffer format the agent sends: xrgb8888 for a window whose every
 * pixel an opaque surface covers (an XRGB8888 buffer, or a declared opaque
 * region), composed as a plain copy; argb8888 for anything translucent.
 * The window goes through test-client's formats stages (pattern.h), and
 * each must reach the fake daemon in its format with exact pixels: an
 * XRGB8888 app's top bytes (0 here) never show as alpha, a translucent
 * subsurface blends over an opaque root, an opaque subsurface over a
 * transparent root leaves the window translucent.
 */
#include <stdio.h>
#include <sys/wait.h>

#include "agent-test.h"
#include "pattern.h"

struct progress {
	int stage;      /* the next stage to see */
	int mismatches; /* stages shown in the wrong format */
};

static uint32_t expected(int x, int y, void *data)
{
	const struct formats_stage *stage = data;
	if (stage->sub && x >= FORMATS_SUB_X && x < FORMATS_SUB_X + FORMATS_SUB_SIZE &&
		y >= FORMATS_SUB_Y && y < FORMATS_SUB_Y + FORMATS_SUB_SIZE) {
		return stage->shown_sub;
	}
	return stage->shown_root;
}

static void on_commit(struct fake_window *window, void *data)
{
	struct progress *progress = data;
	if (window->parent || window->width != FORMATS_W || window->height != FORMATS_H) {
		return;
	}
	/* each stage in order; commits in between (none expected) are let be,
	 * but a stage passed over was never shown right */
	for (int i = progress->stage; i < FORMATS_NSTAGES; i++) {
		const struct formats_stage *stage = formats_stage(i);
		if (agent_test_compare(window, expected, (void *)stage, NULL) != 0) {
			continue;
		}
		for (int skipped = progress->stage; skipped < i; skipped++) {
			check_note("stage %d never shown as expected", skipped);
			progress->mismatches++;
		}
		if (window->format != (stage->opaque ? 1u : 0u)) {
			check_note("stage %d shown in format %u", i, window->format);
			progress->mismatches++;
		}
		progress->stage = i + 1;
		return;
	}
}

static bool all_seen(struct fake_daemon *daemon, void *data)
{
	return ((struct progress *)data)->stage == FORMATS_NSTAGES;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	struct progress progress = {0};
	struct fake_daemon_config config = {
		.path = env.link_path,
		.guest_domid = 1,
		.frame_interval_ms = 1,
		.on_commit = on_commit,
		.on_commit_data = &progress,
	};
	struct fake_daemon *daemon = fake_daemon_create(&config);
	CHECK(daemon);
	char *app[] = {(char *)testenv_client_path(), "formats", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	CHECK(agent_test_wait(daemon, 30000, all_seen, &progress));
	int status = -1;
	CHECK(agent_test_wait_exit(daemon, agent, 30000, &status));
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	check_note("%d stages seen; %lld buffers committed", progress.stage,
		(long long)stats->buffers_committed);
	CHECK_EQ(progress.stage, FORMATS_NSTAGES);
	CHECK_EQ(progress.mismatches, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	CHECK_EQ(stats->pages_mapped, 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
