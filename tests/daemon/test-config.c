/*
 * Command line and config file parsing: defaults, limits, and one clear
 * error for each bad input.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

static int failures;

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL [%s:%d] %s\n", __FILE__, __LINE__, #cond);           \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static enum bridge_config_result parse(
	struct bridge_config *config, char *err, int argc, char **argv)
{
	bridge_config_init(config);
	err[0] = '\0';
	return bridge_config_parse(config, argc, argv, err, 256);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct bridge_config c;
	char err[256];

	char *good[] = {"bridge-daemon", "--transport", "local", "--listen", "/tmp/x", "--vm-name",
		"work", "--label", "#cc0000", NULL};
	EXPECT(parse(&c, err, 9, good) == BRIDGE_CONFIG_OK);
	EXPECT(c.label == 0xffcc0000u);
	EXPECT(c.domid == 1);
	EXPECT(c.limits.max_width == 16384 && c.limits.max_height == 6144);
	EXPECT(c.limits.max_windows == 500);
	EXPECT(c.limits.max_feedbacks == 64);

	char *no_listen[] = {"bridge-daemon", "--vm-name", "work", "--label", "#cc0000", NULL};
	EXPECT(parse(&c, err, 5, no_listen) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "--listen"));

	char *bad_label[] = {
		"bridge-daemon", "--listen", "/tmp/x", "--vm-name", "work", "--label", "red", NULL};
	EXPECT(parse(&c, err, 7, bad_label) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "--label"));

	char *bad_name[] = {"bridge-daemon", "--listen", "/tmp/x", "--vm-name", "a]b", "--label",
		"#000000", NULL};
	EXPECT(parse(&c, err, 7, bad_name) == BRIDGE_CONFIG_ERROR);

	char *bad_domid[] = {"bridge-daemon", "--listen", "/tmp/x", "--vm-name", "w", "--label",
		"#000000", "--domid", "0", NULL};
	EXPECT(parse(&c, err, 9, bad_domid) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "--domid"));

	if (grantlink_backend_available(GRANTLINK_BACKEND_XEN)) {
		char *xen_no_domid[] = {"bridge-daemon", "--transport", "xen", "--vm-name", "w",
			"--label", "#000000", NULL};
		EXPECT(parse(&c, err, 7, xen_no_domid) == BRIDGE_CONFIG_ERROR);
		EXPECT(strstr(err, "--domid"));
		char *xen[] = {"bridge-daemon", "--transport", "xen", "--domid", "5", "--vm-name",
			"w", "--label", "#000000", NULL};
		EXPECT(parse(&c, err, 9, xen) == BRIDGE_CONFIG_OK);
		EXPECT(c.domid == 5);
		EXPECT(strcmp(c.listen_path, "data/wl-grant-bridge") == 0);
	}

	char *unknown[] = {"bridge-daemon", "--frobnicate", NULL};
	EXPECT(parse(&c, err, 2, unknown) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "--frobnicate"));

	char *help[] = {"bridge-daemon", "--help", NULL};
	EXPECT(parse(&c, err, 2, help) == BRIDGE_CONFIG_HELP);

	write_file("test-config-good.conf",
		"# limits\nmax_windows = 7\nmax_pages=100 # inline\n\nborder_width = 3\n");
	char *with_file[] = {"bridge-daemon", "--listen", "/tmp/x", "--vm-name", "w", "--label",
		"#000000", "--config", "test-config-good.conf", NULL};
	EXPECT(parse(&c, err, 9, with_file) == BRIDGE_CONFIG_OK);
	EXPECT(c.limits.max_windows == 7);
	EXPECT(c.limits.max_pages == 100);
	EXPECT(c.border_width == 3);

	write_file("test-config-bad.conf", "max_windows = -1\n");
	with_file[8] = "test-config-bad.conf";
	EXPECT(parse(&c, err, 9, with_file) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "max_windows"));

	/* below what the protocol promises agents */
	write_file("test-config-bad.conf", "max_feedbacks = 15\n");
	EXPECT(parse(&c, err, 9, with_file) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "max_feedbacks"));

	write_file("test-config-bad.conf", "max_windowz = 3\n");
	EXPECT(parse(&c, err, 9, with_file) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "unknown key"));

	with_file[8] = "/nonexistent/bridge.conf";
	EXPECT(parse(&c, err, 9, with_file) == BRIDGE_CONFIG_ERROR);
	EXPECT(strstr(err, "cannot read"));

	uint32_t argb;
	EXPECT(bridge_config_parse_label("#12aBcD", &argb) && argb == 0xff12abcdu);
	EXPECT(!bridge_config_parse_label("#12aBc", &argb));
	EXPECT(!bridge_config_parse_label("#12aBcG", &argb));
	return failures ? 1 : 0;
}
