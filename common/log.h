/*
 * One log macro for the bridge's programs, in the style of wlr_log: a level,
 * [file:line], printf checking, and an _errno variant.
 */
#ifndef BRIDGE_LOG_H
#define BRIDGE_LOG_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

enum bridge_log_level {
	BRIDGE_LOG_SILENT,
	BRIDGE_LOG_ERROR,
	BRIDGE_LOG_INFO,
	BRIDGE_LOG_DEBUG,
};

/* Also routes the grant link library's messages through this log. */
void bridge_log_init(enum bridge_log_level level);
/* "silent", "error", "info" or "debug". */
bool bridge_log_level_from_name(const char *name, enum bridge_log_level *level);
enum bridge_log_level bridge_log_get_level(void);

void _bridge_log(enum bridge_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *_bridge_strip_path(const char *path);

#define bridge_log(level, fmt, ...)                                                                \
	_bridge_log(level, "[%s:%d] " fmt, _bridge_strip_path(__FILE__), __LINE__, ##__VA_ARGS__)
#define bridge_log_errno(level, fmt, ...)                                                          \
	bridge_log(level, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
