/*
 * What every agent test needs: its own XDG_RUNTIME_DIR (0700), child
 * processes that are all killed however the test ends, a time limit, and
 * checks that fail loudly.
 */
#ifndef AGENT_TESTENV_H
#define AGENT_TESTENV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "check.h"

struct testenv {
	char dir[128];        /* XDG_RUNTIME_DIR */
	char link_path[192];  /* the fake daemon's socket */
	char stats_path[192]; /* the agent's --stats-file */
	const char *socket;   /* the agent's --socket */
};

/* Sets up the environment and a time limit of TIMEOUT_S for the whole test. */
void testenv_init(struct testenv *env, int timeout_s);

/* Runs ARGV in its own process group; killed with it at exit. */
pid_t testenv_spawn(char *const argv[]);
/* fork() whose child is killed at exit like a spawned one. */
pid_t testenv_fork(void);
/* Starts the agent with the usual options; APP_ARGV may be NULL. */
pid_t testenv_spawn_agent(struct testenv *env, char *const app_argv[]);
/* Waits for PID to end; false after TIMEOUT_MS. */
bool testenv_wait(pid_t pid, int timeout_ms, int *status);
/* Kills PID's process group with SIG. */
void testenv_kill(pid_t pid, int sig);

/* A number from the agent's stats file; false if not there yet. */
bool testenv_stat(struct testenv *env, const char *key, int64_t *value);

const char *testenv_agent_path(void);
const char *testenv_client_path(void);
int64_t testenv_now_ms(void);

#endif
