/*
 * The daemon's configuration: command line, config file, and the per-guest
 * limits every guest value is checked against.
 */
#ifndef BRIDGE_CONFIG_H
#define BRIDGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grantlink.h"
#include "log.h"

struct bridge_limits {
	uint32_t max_width; /* content pixels */
	uint32_t max_height;
	uint32_t max_windows;
	uint32_t max_pools;
	uint32_t max_pages; /* pages all pools of a guest may map at once */
	uint32_t max_messages_per_second;
	uint32_t max_title_bytes;
	uint32_t max_feedbacks; /* per window: wgb_feedbacks not yet answered */
};

struct bridge_config {
	enum grantlink_backend transport;
	const char *listen_path; /* local: socket; xen: xenstore directory */
	uint16_t domid;          /* the guest's */
	const char *vm_name;
	uint32_t label; /* 0xffRRGGBB */
	const char *config_path;
	const char *stats_path;
	enum bridge_log_level log_level;
	uint32_t border_width;
	struct bridge_limits limits;
};

enum bridge_config_result {
	BRIDGE_CONFIG_OK,
	BRIDGE_CONFIG_HELP,
	BRIDGE_CONFIG_ERROR, /* the reason is in the error buffer */
};

void bridge_config_init(struct bridge_config *config);

/* Reads the command line, then the config file it names. On error, ERR gets
 * one line naming the problem. */
enum bridge_config_result bridge_config_parse(
	struct bridge_config *config, int argc, char *argv[], char *err, size_t err_len);

/* Reads "key = value" lines ('#' starts a comment) into CONFIG's limits. */
bool bridge_config_load_file(
	struct bridge_config *config, const char *path, char *err, size_t err_len);

/* Parses "#RRGGBB". */
bool bridge_config_parse_label(const char *text, uint32_t *argb);

void bridge_config_print_usage(const char *prog);

#endif
