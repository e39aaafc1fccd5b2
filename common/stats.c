#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "stats.h"

bool bridge_stats_write(const char *path, const struct bridge_stat *stats, size_t count)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		bridge_log(BRIDGE_LOG_ERROR, "stats path too long: %s", path);
		return false;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot write %s", tmp);
		return false;
	}
	fputc('{', f);
	for (size_t i = 0; i < count; i++) {
		fprintf(f, "%s\"%s\": %" PRId64, i ? ", " : "", stats[i].name, stats[i].value);
	}
	fputs("}\n", f);
	bool ok = fflush(f) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		bridge_log_errno(BRIDGE_LOG_ERROR, "cannot write %s", path);
		remove(tmp);
		return false;
	}
	return true;
}
