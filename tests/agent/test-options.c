/*
 * The command line: --help, a bad option or an unusable link ends with one
 * clear line on stderr and status 2; a daemon that is not there yet is
 * waited for.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"
#include "grantlink.h"

/* Runs the agent with ARGS; returns its exit status, its stderr in ERR. */
static int run(char *const args[], char *out, size_t out_len, char *err, size_t err_len)
{
	int po[2], pe[2];
	CHECK(pipe(po) == 0 && pipe(pe) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		char *argv[32] = {(char *)testenv_agent_path()};
		for (int i = 0; args[i] && i < 30; i++) {
			argv[i + 1] = args[i];
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	size_t no = 0, ne = 0;
	ssize_t n;
	while (no < out_len - 1 && (n = read(po[0], out + no, out_len - 1 - no)) > 0) {
		no += (size_t)n;
	}
	while (ne < err_len - 1 && (n = read(pe[0], err + ne, err_len - 1 - ne)) > 0) {
		ne += (size_t)n;
	}
	out[no] = err[ne] = '\0';
	close(po[0]);
	close(pe[0]);
	int status;
	CHECK(testenv_wait(pid, 10000, &status));
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int lines(const char *s)
{
	int n = 0;
	for (; *s; s++) {
		n += *s == '\n';
	}
	return n;
}

static void expect_usage_error(char *const args[], const char *needle)
{
	char out[4096], err[4096];
	int status = run(args, out, sizeof(out), err, sizeof(err));
	check_note("-> %d: %s", status, err);
	CHECK_EQ(status, 2);
	CHECK_EQ(lines(err), 1);
	CHECK(strstr(err, needle) != NULL);
	CHECK_EQ(strlen(out), 0);
}

static bool window_there(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->image;
}

int main(void)
{
	struct testenv env;
	testenv_init(&env, 60);
	char out[8192], err[4096];

	char *help[] = {"--help", NULL};
	CHECK_EQ(run(help, out, sizeof(out), err, sizeof(err)), 0);
	CHECK(strstr(out, "--transport") && strstr(out, "--stats-file") && strstr(out, "--socket"));

	char *none[] = {NULL};
	expect_usage_error(none, "--transport");
	char *bogus[] = {"--transport", "local", "--connect", env.link_path, "--frobnicate", NULL};
	expect_usage_error(bogus, "--frobnicate");
	char *transport[] = {"--transport", "carrier-pigeon", "--connect", "x", NULL};
	expect_usage_error(transport, "carrier-pigeon");
	char *noconnect[] = {"--transport", "local", NULL};
	expect_usage_error(noconnect, "--connect");
	char *domid[] = {"--transport", "local", "--connect", "x", "--domid", "seven", NULL};
	expect_usage_error(domid, "--domid");
	char *level[] = {"--transport", "local", "--connect", "x", "--log-level", "loud", NULL};
	expect_usage_error(level, "--log-level");
	char *stray[] = {"--transport", "local", "--connect", "x", "stray", NULL};
	expect_usage_error(stray, "stray");
	char longpath[300];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	char *unusable[] = {"--transport", "local", "--connect", longpath, NULL};
	expect_usage_error(unusable, "cannot use link");
	char *notdir[] = {"--transport", "local", "--connect", "/proc/version/link", NULL};
	expect_usage_error(notdir, "cannot use link");
	if (!grantlink_backend_available(GRANTLINK_BACKEND_XEN) || access("/dev/xen", F_OK) != 0) {
		/* not built in, or no Xen under us: either way unusable */
		char *xen[] = {"--transport", "xen", NULL};
		expect_usage_error(xen, "xen");
	}

	/* started before the daemon: the agent waits for it */
	char *app[] = {(char *)testenv_client_path(), "pattern", "0", "stay", NULL};
	pid_t agent = testenv_spawn_agent(&env, app);
	usleep(300000);
	int status;
	CHECK(waitpid(agent, &status, WNOHANG) == 0);
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 0);
	CHECK(agent_test_wait(daemon, 10000, window_there, NULL));
	int64_t v;
	CHECK(testenv_stat(&env, "reconnects", &v));
	CHECK_EQ(v, 0);
	fake_window_close(agent_test_toplevel(daemon));
	CHECK(agent_test_wait_exit(daemon, agent, 10000, &status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
