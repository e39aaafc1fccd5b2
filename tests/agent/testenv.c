#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"

#define MAX_CHILDREN 16

static pid_t children[MAX_CHILDREN];
static char env_dir[128];

static void kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0) {
			kill(-children[i], SIGKILL);
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	}
}

static void remove_dir(void)
{
	if (!env_dir[0]) {
		return;
	}
	DIR *d = opendir(env_dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				char path[512];
				snprintf(path, sizeof(path), "%s/%s", env_dir, e->d_name);
				unlink(path);
			}
		}
		closedir(d);
	}
	rmdir(env_dir);
}

static void cleanup(void)
{
	kill_children();
	if (!getenv("AGENT_TEST_KEEP")) {
		remove_dir();
	}
}

static void on_signal(int sig)
{
	static const char msg[] = "FAIL: test timed out or was killed\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to do */
	}
	cleanup();
	_exit(1);
}

int64_t testenv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void testenv_init(struct testenv *env, int timeout_s)
{
	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "/tmp/agent-test-XXXXXX");
	if (!mkdtemp(env->dir) || chmod(env->dir, 0700) < 0) {
		check_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
	}
	/* a copy, not snprintf: GCC 12 at -O2 with ASan takes env->dir for a
	 * null argument (-Wformat-truncation) */
	_Static_assert(sizeof(env_dir) == sizeof(env->dir), "env_dir holds env->dir");
	memcpy(env_dir, env->dir, sizeof(env_dir));
	setenv("XDG_RUNTIME_DIR", env->dir, 1);
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("DISPLAY");
	snprintf(env->link_path, sizeof(env->link_path), "%s/link", env->dir);
	snprintf(env->stats_path, sizeof(env->stats_path), "%s/agent-stats.json", env->dir);
	env->socket = "wayland-test";
	atexit(cleanup);
	signal(SIGALRM, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)timeout_s);
}

static int free_slot(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == 0) {
			return i;
		}
	}
	check_fail(__FILE__, __LINE__, "too many children");
}

pid_t testenv_fork(void)
{
	int slot = free_slot();
	pid_t pid = fork();
	if (pid < 0) {
		check_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		memset(children, 0, sizeof(children));
		env_dir[0] = '\0'; /* the parent cleans up */
		return 0;
	}
	setpgid(pid, pid);
	children[slot] = pid;
	return pid;
}

pid_t testenv_spawn(char *const argv[])
{
	int slot = -1;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		check_fail(__FILE__, __LINE__, "too many children");
	}
	pid_t pid = fork();
	if (pid < 0) {
		check_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	children[slot] = pid;
	return pid;
}

pid_t testenv_spawn_agent(struct testenv *env, char *const app_argv[])
{
	char *argv[64];
	int n = 0;
	argv[n++] = (char *)testenv_agent_path();
	argv[n++] = "--transport";
	argv[n++] = "local";
	argv[n++] = "--connect";
	argv[n++] = env->link_path;
	argv[n++] = "--domid";
	argv[n++] = "1";
	argv[n++] = "--socket";
	argv[n++] = (char *)env->socket;
	argv[n++] = "--stats-file";
	argv[n++] = env->stats_path;
	argv[n++] = "--log-level";
	argv[n++] = getenv("AGENT_LOG_LEVEL") ? getenv("AGENT_LOG_LEVEL") : "error";
	if (app_argv) {
		argv[n++] = "--";
		for (int i = 0; app_argv[i] && n < 63; i++) {
			argv[n++] = app_argv[i];
		}
	}
	argv[n] = NULL;
	return testenv_spawn(argv);
}

static void forget(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == pid) {
			children[i] = 0;
		}
	}
}

bool testenv_wait(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = testenv_now_ms() + timeout_ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			/* its group may hold more (the app): end them too */
			kill(-pid, SIGKILL);
			forget(pid);
			return true;
		}
		if (testenv_now_ms() >= deadline) {
			return false;
		}
		usleep(5000);
	}
}

void testenv_kill(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
}

bool testenv_stat(struct testenv *env, const char *key, int64_t *value)
{
	FILE *f = fopen(env->stats_path, "r");
	if (!f) {
		return false;
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
	const char *p = strstr(buf, pattern);
	if (!p) {
		return false;
	}
	*value = strtoll(p + strlen(pattern), NULL, 10);
	return true;
}

const char *testenv_agent_path(void)
{
	const char *p = getenv("BRIDGE_AGENT");
	if (!p) {
		check_fail(__FILE__, __LINE__, "BRIDGE_AGENT is not set");
	}
	return p;
}

const char *testenv_client_path(void)
{
	const char *p = getenv("AGENT_TEST_CLIENT");
	if (!p) {
		check_fail(__FILE__, __LINE__, "AGENT_TEST_CLIENT is not set");
	}
	return p;
}
