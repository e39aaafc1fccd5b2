#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "grantlink.h"
#include "log.h"

static enum bridge_log_level log_level = BRIDGE_LOG_ERROR;

static const char *const level_names[] = {
	[BRIDGE_LOG_SILENT] = "silent",
	[BRIDGE_LOG_ERROR] = "error",
	[BRIDGE_LOG_INFO] = "info",
	[BRIDGE_LOG_DEBUG] = "debug",
};

static void vlog(enum bridge_log_level level, const char *fmt, va_list args)
{
	if (level > log_level) {
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s ", (int)(ts.tv_sec / 3600 % 100),
		(int)(ts.tv_sec / 60 % 60), (int)(ts.tv_sec % 60), ts.tv_nsec / 1000000,
		level == BRIDGE_LOG_ERROR  ? "[ERROR]"
		: level == BRIDGE_LOG_INFO ? "[INFO]"
					   : "[DEBUG]");
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

static void grantlink_handler(enum grantlink_log_level level, const char *fmt, va_list args)
{
	/* the two enums share their order */
	vlog((enum bridge_log_level)level, fmt, args);
}

void bridge_log_init(enum bridge_log_level level)
{
	log_level = level;
	grantlink_log_init((enum grantlink_log_level)level, grantlink_handler);
}

enum bridge_log_level bridge_log_get_level(void)
{
	return log_level;
}

bool bridge_log_level_from_name(const char *name, enum bridge_log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum bridge_log_level)i;
			return true;
		}
	}
	return false;
}

void _bridge_log(enum bridge_log_level level, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vlog(level, fmt, args);
	va_end(args);
}

const char *_bridge_strip_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
