/*
 * 1,000 windows opened and closed one after another, each shown in dom0
 * before it goes, in four sizes. Every pool must come back: the daemon
 * unmapped as many as it mapped, the agent freed every page it shared, and
 * no page ever went through the deferred-reclaim path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "agent-test.h"

int main(int argc, char *argv[])
{
	const char *count = getenv("AGENT_CHURN_COUNT") ? getenv("AGENT_CHURN_COUNT") : "1000";
	struct testenv env;
	testenv_init(&env, 300);
	struct fake_daemon *daemon = agent_test_daemon(&env, 1, 0);
	char *app[] = {(char *)testenv_client_path(), "churn", (char *)count, NULL};
	int64_t t0 = testenv_now_ms();
	pid_t agent = testenv_spawn_agent(&env, app);

	int64_t max_pools = 0, max_deferred = 0, next_sample = 0;
	int status = -1;
	bool exited = false;
	while (!exited && testenv_now_ms() - t0 < 240000) {
		exited = agent_test_wait_exit(daemon, agent, 100, &status);
		if (testenv_now_ms() >= next_sample) {
			int64_t v;
			if (testenv_stat(&env, "deferred", &v) && v > max_deferred) {
				max_deferred = v;
			}
			next_sample = testenv_now_ms() + 50;
		}
		const struct fake_stats *s = fake_daemon_get_stats(daemon);
		if (s->pools > max_pools) {
			max_pools = s->pools;
		}
	}
	CHECK(exited);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	int64_t elapsed = testenv_now_ms() - t0;

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	check_note("%s windows in %lld ms; daemon: %lld windows, %lld pools (at most %lld "
		   "live), %lld pages mapped in all",
		count, (long long)elapsed, (long long)stats->windows_created,
		(long long)stats->pools_created, (long long)max_pools,
		(long long)stats->pages_mapped_total);
	CHECK_EQ(stats->windows_created, atoi(count));
	CHECK_EQ(stats->windows, 0);
	CHECK(stats->pools_created >= atoi(count));
	CHECK_EQ(stats->pools_unmapped, stats->pools_created);
	CHECK_EQ(stats->pools, 0);
	CHECK_EQ(stats->pages_mapped, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	CHECK(max_pools <= 4);
	CHECK_EQ(max_deferred, 0);
	agent_test_check_final_stats(&env);
	int64_t freed;
	CHECK(testenv_stat(&env, "grants_freed", &freed));
	CHECK_EQ(freed, stats->pages_mapped_total);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
