#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sanitize.h"

#define VM_NAME_MAX 64

void bridge_config_init(struct bridge_config *config)
{
	*config = (struct bridge_config){
		.transport = GRANTLINK_BACKEND_LOCAL,
		.domid = 1,
		.log_level = BRIDGE_LOG_ERROR,
		.border_width = 2,
		.limits =
			{
				.max_width = 16384,
				.max_height = 6144,
				.max_windows = 500,
				.max_pools = 2048,
				/* 1 GiB: ten full-size double-buffered windows */
				.max_pages = 262144,
				.max_messages_per_second = 20000,
				.max_title_bytes = 256,
				.max_feedbacks = 64,
			},
	};
}

static void set_error(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t err_len, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(err, err_len, fmt, args);
	va_end(args);
}

static bool parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
	if (!isdigit((unsigned char)text[0])) {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool bridge_config_parse_label(const char *text, uint32_t *argb)
{
	if (strlen(text) != 7 || text[0] != '#') {
		return false;
	}
	for (int i = 1; i < 7; i++) {
		if (!isxdigit((unsigned char)text[i])) {
			return false;
		}
	}
	*argb = 0xff000000u | (uint32_t)strtoul(text + 1, NULL, 16);
	return true;
}

struct limit_key {
	const char *name;
	size_t offset;
	uint32_t min, max;
};

static const struct limit_key limit_keys[] = {
	{"max_width", offsetof(struct bridge_limits, max_width), 1, 32768},
	{"max_height", offsetof(struct bridge_limits, max_height), 1, 32768},
	{"max_windows", offsetof(struct bridge_limits, max_windows), 1, 100000},
	{"max_pools", offsetof(struct bridge_limits, max_pools), 1, 100000},
	{"max_pages", offsetof(struct bridge_limits, max_pages), 1, 1u << 24},
	{"max_messages_per_second", offsetof(struct bridge_limits, max_messages_per_second), 1,
		10000000},
	{"max_title_bytes", offsetof(struct bridge_limits, max_title_bytes), 1, 4096},
	/* the protocol promises agents 16 */
	{"max_feedbacks", offsetof(struct bridge_limits, max_feedbacks), 16, 4096},
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s)) {
		s++;
	}
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1])) {
		s[--n] = '\0';
	}
	return s;
}

bool bridge_config_load_file(
	struct bridge_config *config, const char *path, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		set_error(err, err_len, "cannot read config file %s: %s", path, strerror(errno));
		return false;
	}
	char line[512];
	int lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash) {
			*hash = '\0';
		}
		char *s = trim(line);
		if (!*s) {
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			set_error(err, err_len, "%s:%d: expected key = value", path, lineno);
			ok = false;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		bool found = false;
		if (strcmp(key, "border_width") == 0) {
			found = true;
			if (!parse_u32(value, 1, 64, &config->border_width)) {
				set_error(err, err_len, "%s:%d: border_width must be 1..64", path,
					lineno);
				ok = false;
			}
		}
		for (size_t i = 0; !found && i < sizeof(limit_keys) / sizeof(limit_keys[0]); i++) {
			const struct limit_key *k = &limit_keys[i];
			if (strcmp(key, k->name) != 0) {
				continue;
			}
			found = true;
			uint32_t *field = (uint32_t *)((char *)&config->limits + k->offset);
			if (!parse_u32(value, k->min, k->max, field)) {
				set_error(err, err_len, "%s:%d: %s must be %u..%u", path, lineno,
					k->name, k->min, k->max);
				ok = false;
			}
		}
		if (ok && !found) {
			set_error(err, err_len, "%s:%d: unknown key '%s'", path, lineno, key);
			ok = false;
		}
	}
	fclose(f);
	return ok;
}

void bridge_config_print_usage(const char *prog)
{
	printf("Usage: %s --transport local --listen PATH --vm-name NAME --label '#RRGGBB'\n"
	       "       %s --transport xen --domid N --vm-name NAME --label '#RRGGBB'\n"
	       "\n"
	       "Shows the windows of one guest in the dom0 Wayland compositor named by\n"
	       "$WAYLAND_DISPLAY, framed in the guest's label color.\n"
	       "\n"
	       "  --transport local|xen  how the guest's link is carried\n"
	       "  --listen PATH          local: socket to listen on; xen: xenstore directory\n"
	       "                         in the guest's tree (default data/wl-grant-bridge)\n"
	       "  --domid N              the guest's domain id (local: default 1; xen: required)\n"
	       "  --vm-name NAME         the name shown before every title\n"
	       "  --label '#RRGGBB'      the frame color\n"
	       "  --config FILE          limits, one 'key = value' a line\n"
	       "  --stats-file PATH      live counters as JSON, refreshed every second\n"
	       "  --log-level LEVEL      error, info or debug (default error)\n"
	       "  --help                 this text\n"
	       "\n"
	       "Exit status: 0 after SIGINT/SIGTERM, 1 if the compositor goes away, 2 for a\n"
	       "bad option, an unreachable compositor or an unusable link.\n",
		prog, prog);
}

enum bridge_config_result bridge_config_parse(
	struct bridge_config *config, int argc, char *argv[], char *err, size_t err_len)
{
	enum {
		OPT_TRANSPORT = 256,
		OPT_LISTEN,
		OPT_DOMID,
		OPT_VM_NAME,
		OPT_LABEL,
		OPT_CONFIG,
		OPT_STATS,
		OPT_LOG_LEVEL,
		OPT_HELP,
	};
	static const struct option options[] = {
		{"transport", required_argument, NULL, OPT_TRANSPORT},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"domid", required_argument, NULL, OPT_DOMID},
		{"vm-name", required_argument, NULL, OPT_VM_NAME},
		{"label", required_argument, NULL, OPT_LABEL},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"stats-file", required_argument, NULL, OPT_STATS},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	bool have_label = false, have_domid = false;
	opterr = 0;
	optind = 1;
	for (;;) {
		int opt = getopt_long(argc, argv, "", options, NULL);
		if (opt == -1) {
			break;
		}
		uint32_t v;
		switch (opt) {
		case OPT_TRANSPORT:
			if (!grantlink_backend_from_name(optarg, &config->transport)) {
				set_error(err, err_len,
					"--transport: '%s' is not 'local' or 'xen' (or not built "
					"in)",
					optarg);
				return BRIDGE_CONFIG_ERROR;
			}
			break;
		case OPT_LISTEN:
			config->listen_path = optarg;
			break;
		case OPT_DOMID:
			if (!parse_u32(optarg, 1, 32751, &v)) {
				set_error(err, err_len, "--domid: '%s' is not a guest domain id",
					optarg);
				return BRIDGE_CONFIG_ERROR;
			}
			config->domid = (uint16_t)v;
			have_domid = true;
			break;
		case OPT_VM_NAME:
			config->vm_name = optarg;
			break;
		case OPT_LABEL:
			if (!bridge_config_parse_label(optarg, &config->label)) {
				set_error(err, err_len, "--label: '%s' is not #RRGGBB", optarg);
				return BRIDGE_CONFIG_ERROR;
			}
			have_label = true;
			break;
		case OPT_CONFIG:
			config->config_path = optarg;
			break;
		case OPT_STATS:
			config->stats_path = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (!bridge_log_level_from_name(optarg, &config->log_level)) {
				set_error(err, err_len,
					"--log-level: '%s' is not error, info or debug", optarg);
				return BRIDGE_CONFIG_ERROR;
			}
			break;
		case OPT_HELP:
			return BRIDGE_CONFIG_HELP;
		default:
			if (optopt >= OPT_TRANSPORT) {
				set_error(
					err, err_len, "option %s needs a value", argv[optind - 1]);
			} else {
				set_error(err, err_len, "unknown option %s", argv[optind - 1]);
			}
			return BRIDGE_CONFIG_ERROR;
		}
	}
	if (optind < argc) {
		set_error(err, err_len, "unexpected argument '%s'", argv[optind]);
		return BRIDGE_CONFIG_ERROR;
	}
	if (config->transport == GRANTLINK_BACKEND_LOCAL && !config->listen_path) {
		set_error(err, err_len, "--transport local needs --listen PATH");
		return BRIDGE_CONFIG_ERROR;
	}
	if (config->transport == GRANTLINK_BACKEND_XEN && !have_domid) {
		/* a real guest has no default id */
		set_error(err, err_len, "--transport xen needs --domid N");
		return BRIDGE_CONFIG_ERROR;
	}
	if (!config->listen_path) {
		config->listen_path = "data/wl-grant-bridge";
	}
	if (!config->vm_name) {
		set_error(err, err_len, "--vm-name NAME is required");
		return BRIDGE_CONFIG_ERROR;
	}
	size_t name_len = strlen(config->vm_name);
	if (name_len == 0 || name_len > VM_NAME_MAX || !bridge_utf8_valid(config->vm_name)) {
		set_error(err, err_len, "--vm-name: must be 1..%d bytes of UTF-8", VM_NAME_MAX);
		return BRIDGE_CONFIG_ERROR;
	}
	for (size_t i = 0; i < name_len; i++) {
		unsigned char c = (unsigned char)config->vm_name[i];
		if (c < 0x20 || c == 0x7f || c == '[' || c == ']') {
			set_error(
				err, err_len, "--vm-name: control characters and [ ] not allowed");
			return BRIDGE_CONFIG_ERROR;
		}
	}
	if (!have_label) {
		set_error(err, err_len, "--label '#RRGGBB' is required");
		return BRIDGE_CONFIG_ERROR;
	}
	if (config->config_path &&
		!bridge_config_load_file(config, config->config_path, err, err_len)) {
		return BRIDGE_CONFIG_ERROR;
	}
	return BRIDGE_CONFIG_OK;
}
