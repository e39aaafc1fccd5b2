#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reference.h"
#include "shot.h"
#include "testenv.h"

#define SETTLE_TRIES 60

/* The PNG at PATH as opaque 0xffRRGGBB pixels, if it is WIDTH x HEIGHT. */
static uint32_t *load_png(const char *path, int width, int height)
{
	struct test_image image;
	if (!test_png_read(path, &image)) {
		return NULL;
	}
	if (image.width != width || image.height != height) {
		test_image_finish(&image);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
		image.pixels[i] |= 0xff000000u;
	}
	return image.pixels;
}

static bool have(const char *path)
{
	return access(path, X_OK) == 0;
}

/* argv for running CMD in DIR as the reference user, with a clean
 * environment. */
static int build_argv(char **argv, const char *dir, const char *wayland, char *const cmd[],
	char *storage, size_t len)
{
	int n = 0;
	if (geteuid() == 0) {
		/* sway refuses to run as root */
		argv[n++] = "runuser";
		argv[n++] = "-u";
		argv[n++] = "nobody";
		argv[n++] = "--";
	}
	argv[n++] = "env";
	argv[n++] = "-i";
	snprintf(storage, len, "XDG_RUNTIME_DIR=%s", dir);
	argv[n++] = storage;
	size_t used = strlen(storage) + 1;
	snprintf(storage + used, len - used, "HOME=%s", dir);
	argv[n++] = storage + used;
	used += strlen(storage + used) + 1;
	if (wayland) {
		snprintf(storage + used, len - used, "WAYLAND_DISPLAY=%s", wayland);
		argv[n++] = storage + used;
	}
	argv[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	argv[n++] = "LANG=C.UTF-8";
	argv[n++] = "WLR_BACKENDS=headless";
	argv[n++] = "WLR_LIBINPUT_NO_DEVICES=1";
	argv[n++] = "WLR_RENDERER=pixman";
	argv[n++] = "GSK_RENDERER=cairo";
	argv[n++] = "GDK_BACKEND=wayland";
	argv[n++] = "NO_AT_BRIDGE=1";
	/* the same shell prompt for root and nobody */
	argv[n++] = "PS1=$ ";
	for (int i = 0; cmd[i] && n < 62; i++) {
		argv[n++] = cmd[i];
	}
	argv[n] = NULL;
	return n;
}

static void remove_tree(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		check_note("cannot remove %s", dir);
	}
}

uint32_t *agent_reference_capture(char *const app_argv[], int width, int height, bool *missing)
{
	*missing = !have("/usr/bin/sway") || !have("/usr/bin/grim") ||
		   (geteuid() == 0 && !have("/usr/sbin/runuser") && !have("/sbin/runuser"));
	if (*missing) {
		check_note("no sway, grim or runuser: no reference");
		return NULL;
	}
	char dir[] = "/tmp/agent-ref-XXXXXX";
	if (!mkdtemp(dir)) {
		return NULL;
	}
	struct passwd *nobody = geteuid() == 0 ? getpwnam("nobody") : NULL;
	if (nobody && chown(dir, nobody->pw_uid, nobody->pw_gid) < 0) {
		remove_tree(dir);
		return NULL;
	}
	chmod(dir, 0700);
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "%s/config", dir);
	FILE *f = fopen(cfg, "w");
	if (!f) {
		remove_tree(dir);
		return NULL;
	}
	fprintf(f, "output HEADLESS-1 mode 1600x1000 position 0 0 bg #102030 solid_color\n"
		   "default_border none\n"
		   "default_floating_border none\n"
		   "for_window [title=\".*\"] floating enable, move position 0 0\n");
	fclose(f);
	if (nobody && chown(cfg, nobody->pw_uid, nobody->pw_gid) < 0) {
		remove_tree(dir);
		return NULL;
	}

	char *argv[64], storage[1024];
	char *sway_cmd[] = {"sway", "-c", cfg, NULL};
	build_argv(argv, dir, NULL, sway_cmd, storage, sizeof(storage));
	pid_t sway = testenv_spawn(argv);
	char socket[160];
	snprintf(socket, sizeof(socket), "%s/wayland-1", dir);
	for (int i = 0; i < 100 && access(socket, F_OK) != 0; i++) {
		usleep(50000);
	}
	uint32_t *result = NULL;
	pid_t app = 0;
	if (access(socket, F_OK) != 0) {
		check_note("sway did not start");
		goto out;
	}
	build_argv(argv, dir, "wayland-1", app_argv, storage, sizeof(storage));
	app = testenv_spawn(argv);

	char shot[160], geometry[64];
	snprintf(shot, sizeof(shot), "%s/shot.png", dir);
	snprintf(geometry, sizeof(geometry), "0,0 %dx%d", width, height);
	char *grim_cmd[] = {"grim", "-g", geometry, shot, NULL};
	uint32_t *last = NULL;
	for (int i = 0; i < SETTLE_TRIES && !result; i++) {
		usleep(250000);
		build_argv(argv, dir, "wayland-1", grim_cmd, storage, sizeof(storage));
		int status;
		pid_t grim = testenv_spawn(argv);
		if (!testenv_wait(grim, 5000, &status) || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0) {
			continue;
		}
		uint32_t *now = load_png(shot, width, height);
		if (now && last && memcmp(now, last, (size_t)width * (size_t)height * 4) == 0 &&
			now[0] != 0xff102030u) {
			result = now;
			now = NULL;
		}
		free(last);
		last = now;
	}
	free(last);
	if (!result) {
		check_note("the reference window never settled");
	}
out:
	if (app) {
		testenv_kill(app, SIGKILL);
		testenv_wait(app, 5000, NULL);
	}
	testenv_kill(sway, SIGKILL);
	testenv_wait(sway, 5000, NULL);
	remove_tree(dir);
	return result;
}
