/*
 * A real app through the agent:
 *   test-agent-app NAME [resize] [translucent] [reference] -- APP ARGS...
 *
 * The window must reach dom0 with real content (not one flat color; mostly
 * opaque unless the app draws translucent), every buffer untouched while dom0 holds it, no protocol
 * error; with "resize", dom0's configure must reach the app, whose new size comes back in a new
 * pool while the old one is unmapped; dom0's close must end the app, and every grant must be freed.
 * The shot is written as NAME-shot.png in the test's output directory.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-test.h"
#include "reference.h"

static int reference_width;

static bool has_content(struct fake_daemon *daemon, void *data)
{
	struct fake_window *w = agent_test_toplevel(daemon);
	return w && w->image && w->buffer_commits >= 1;
}

struct settle {
	uint64_t commits;
	int64_t since;
};

/* No new content for 500 ms. */
static bool settled(struct fake_daemon *daemon, void *data)
{
	struct settle *s = data;
	struct fake_window *w = agent_test_toplevel(daemon);
	if (!w) {
		return false;
	}
	if (w->buffer_commits != s->commits) {
		s->commits = w->buffer_commits;
		s->since = testenv_now_ms();
		return false;
	}
	return testenv_now_ms() - s->since >= 500;
}

/* Grown toward the size asked (terminals snap to their cell grid), in a
 * new pool, the old one unmapped. */
static bool resized(struct fake_daemon *daemon, void *data)
{
	const int *size = data; /* old w, old h, asked w, asked h */
	struct fake_window *w = agent_test_toplevel(daemon);
	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	return w && w->width > size[0] && w->width <= size[2] && w->height > size[1] &&
	       w->height <= size[3] && stats->pools == 1;
}

static uint32_t expected_reference(int x, int y, void *data)
{
	const uint32_t *ref = data;
	return ref[(size_t)y * (size_t)reference_width + x];
}

/* Premultiplied argb OVER the reference's background (reference.c). */
static uint32_t *over_background(struct fake_window *w)
{
	const uint32_t bg = 0xff102030u;
	size_t n = (size_t)w->width * (size_t)w->height;
	uint32_t *out = malloc(n * 4);
	for (size_t i = 0; out && i < n; i++) {
		uint32_t p = w->image[i], a = p >> 24, r = 0xff000000u;
		for (int shift = 0; shift < 24; shift += 8) {
			uint32_t c = (p >> shift & 0xff) +
				     ((bg >> shift & 0xff) * (255 - a) + 127) / 255;
			r |= (c > 255 ? 255 : c) << shift;
		}
		out[i] = r;
	}
	return out;
}

static void write_shot(struct fake_window *w, const char *name)
{
	const char *dir = getenv("AGENT_TEST_OUTPUT") ? getenv("AGENT_TEST_OUTPUT") : "/tmp";
	char path[512];
	snprintf(path, sizeof(path), "%s/%s-shot.png", dir, name);
	CHECK(fake_window_write_png(w, path));
	check_note("%s: %dx%d, shot %s", name, w->width, w->height, path);
}

static void check_content(struct fake_window *w, bool translucent)
{
	int64_t n = (int64_t)w->width * w->height, opaque = 0;
	uint32_t first = w->image[0];
	int64_t different = 0;
	for (int64_t i = 0; i < n; i++) {
		opaque += (w->image[i] >> 24) == 0xff;
		different += w->image[i] != first;
	}
	check_note("%lld of %lld pixels opaque, %lld differ from the first", (long long)opaque,
		(long long)n, (long long)different);
	CHECK(translucent || opaque * 2 > n);
	CHECK(different >= 100); /* not one flat color */
}

int main(int argc, char *argv[])
{
	int sep = 1;
	while (sep < argc && strcmp(argv[sep], "--") != 0) {
		sep++;
	}
	if (sep < 2 || sep + 1 >= argc) {
		fprintf(stderr, "usage: test-agent-app NAME [resize] -- APP ARGS...\n");
		return 2;
	}
	const char *name = argv[1];
	bool resize = false, translucent = false, reference = false;
	for (int i = 2; i < sep; i++) {
		resize |= strcmp(argv[i], "resize") == 0;
		translucent |= strcmp(argv[i], "translucent") == 0;
		reference |= strcmp(argv[i], "reference") == 0;
	}
	if (access(argv[sep + 1], X_OK) != 0) {
		printf("skip: no %s\n", argv[sep + 1]);
		return 77;
	}
	struct testenv env;
	testenv_init(&env, 120);
	setenv("GSK_RENDERER", "cairo", 1);
	setenv("GDK_BACKEND", "wayland", 1);
	setenv("NO_AT_BRIDGE", "1", 1);
	setenv("GTK_A11Y", "none", 1);
	setenv("PS1", "$ ", 1); /* as in the reference, whoever runs the test */
	struct fake_daemon *daemon = agent_test_daemon(&env, 16, 20);
	pid_t agent = testenv_spawn_agent(&env, &argv[sep + 1]);

	CHECK(agent_test_wait(daemon, 30000, has_content, NULL));
	struct settle settle = {0};
	agent_test_wait(daemon, 5000, settled, &settle);
	struct fake_window *w = agent_test_toplevel(daemon);
	write_shot(w, name);
	CHECK(w->width >= 32 && w->height >= 32);
	check_content(w, translucent);
	int64_t v;
	CHECK(testenv_stat(&env, "clients", &v));
	CHECK(v >= 1);

	if (reference) {
		/* a compositor activates the window it shows; dom0 does too */
		fake_window_configure(w, 0, 0, 4 /* activated */);
		settle = (struct settle){0};
		agent_test_wait(daemon, 5000, settled, &settle);
		bool missing;
		reference_width = w->width;
		uint32_t *ref =
			agent_reference_capture(&argv[sep + 1], w->width, w->height, &missing);
		CHECK(ref || missing);
		if (ref) {
			char ref_name[128];
			snprintf(ref_name, sizeof(ref_name), "%s-reference", name);
			/* what sway shows: the window OVER its background */
			uint32_t *saved = w->image;
			uint32_t *shown = over_background(w);
			CHECK(shown);
			w->image = shown;
			int64_t bad = agent_test_compare(w, expected_reference, ref, ref_name);
			w->image = saved;
			free(shown);
			check_note("%lld pixels differ from the reference", (long long)bad);
			CHECK_EQ(bad, 0);
			free(ref);
		}
	}

	if (resize) {
		int size[4] = {w->width, w->height, w->width + 96, w->height + 48};
		fake_window_configure(w, size[2], size[3], 4 /* activated */);
		CHECK(agent_test_wait(daemon, 10000, resized, size));
		settle = (struct settle){0};
		agent_test_wait(daemon, 5000, settled, &settle);
		char resized_name[128];
		snprintf(resized_name, sizeof(resized_name), "%s-resized", name);
		write_shot(w, resized_name);
		check_content(w, translucent);
		CHECK(w->last_ack != 0);
	}

	const struct fake_stats *stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->violations, 0);
	CHECK_EQ(stats->protocol_errors, 0);
	check_note("%lld windows, %lld pools, %lld frames, %lld buffers committed",
		(long long)stats->windows_created, (long long)stats->pools_created,
		(long long)stats->frames_done, (long long)stats->buffers_committed);

	fake_window_close(w);
	int status = -1;
	if (!agent_test_wait_exit(daemon, agent, 10000, &status)) {
		check_fail(__FILE__, __LINE__, "%s did not quit on close", name);
	}
	CHECK(WIFEXITED(status));
	check_note("exit status %d", WEXITSTATUS(status));
	stats = fake_daemon_get_stats(daemon);
	CHECK_EQ(stats->pools, 0);
	CHECK_EQ(stats->pools_unmapped, stats->pools_created);
	agent_test_check_final_stats(&env);
	fake_daemon_destroy(daemon);
	printf("ok\n");
	return 0;
}
