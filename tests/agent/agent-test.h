/*
 * Helpers shared by the agent's end-to-end tests: run a fake daemon until
 * something holds, and compare a window with expected pixels.
 */
#ifndef AGENT_TEST_H
#define AGENT_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "fake-daemon.h"
#include "testenv.h"

struct fake_daemon *agent_test_daemon(struct testenv *env, int frame_ms, int release_delay_ms);

/* Dispatches DAEMON until COND(DAEMON, DATA) or TIMEOUT_MS; returns COND. */
bool agent_test_wait(struct fake_daemon *daemon, int timeout_ms,
	bool (*cond)(struct fake_daemon *daemon, void *data), void *data);
/* Dispatches DAEMON until PID exits; returns false on timeout. */
bool agent_test_wait_exit(struct fake_daemon *daemon, pid_t pid, int timeout_ms, int *status);

/* The first toplevel (no parent) and the first popup, or NULL. */
struct fake_window *agent_test_toplevel(struct fake_daemon *daemon);
struct fake_window *agent_test_popup(struct fake_daemon *daemon);

/* Pixels of WINDOW that differ from EXPECTED(x, y); writes the shot and a
 * diff mask as PNG under NAME in AGENT_TEST_OUTPUT (or /tmp) when any do;
 * NAME NULL: count only. */
int64_t agent_test_compare(struct fake_window *window,
	uint32_t (*expected)(int x, int y, void *data), void *data, const char *name);

/* The agent's counters that must be back to zero when it is done. */
void agent_test_check_final_stats(struct testenv *env);

#endif
