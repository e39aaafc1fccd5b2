/*
 * Live counters as one JSON object in a file, replaced atomically (written
 * beside it, then renamed) so a reader never sees half of it.
 */
#ifndef BRIDGE_STATS_H
#define BRIDGE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bridge_stat {
	const char *name; /* a JSON key: letters, digits and '_' */
	int64_t value;
};

bool bridge_stats_write(const char *path, const struct bridge_stat *stats, size_t count);

#endif
