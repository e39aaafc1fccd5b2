/*
 * bench-memcpy: the memcpy ceiling of this machine for one frame.
 *
 * Copies a 1920x1080 and a 3840x2160 XRGB frame (or any size given) from one
 * buffer into another, both mapped and touched once before timing, as the
 * cheapest copy a bridge could make per frame. A second figure copies into a
 * freshly mapped buffer each time, what a bridge pays when it maps per frame.
 * Prints one JSON line per size: median and p10/p90 milliseconds per copy and
 * GB/s.
 *
 * Not part of the test suite: see tests/bench/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Time reps copies of size bytes; fresh: map a new destination for each. */
static int measure(size_t size, int reps, int fresh, double *ms)
{
	uint8_t *src = map_anon(size);
	uint8_t *dst = fresh ? NULL : map_anon(size);
	if (src == NULL || (!fresh && dst == NULL)) {
		return -1;
	}
	for (size_t i = 0; i < size; i++) {
		src[i] = (uint8_t)(i * 2654435761u >> 13);
	}
	if (!fresh) {
		memset(dst, 0, size);
	}
	for (int r = 0; r < reps; r++) {
		uint8_t *d = dst;
		double t0 = now_s();
		if (fresh) {
			d = map_anon(size);
			if (d == NULL) {
				return -1;
			}
		}
		memcpy(d, src, size);
		if (fresh) {
			munmap(d, size);
		}
		ms[r] = (now_s() - t0) * 1e3;
		/* keep the copy from being optimised away */
		if (!fresh && d[r % size] != src[r % size]) {
			return -1;
		}
	}
	munmap(src, size);
	if (!fresh) {
		munmap(dst, size);
	}
	qsort(ms, (size_t)reps, sizeof(double), cmp_double);
	return 0;
}

static int report(const char *name, int w, int h, int reps)
{
	size_t size = (size_t)w * (size_t)h * 4;
	double *once = calloc((size_t)reps, sizeof(double));
	double *fresh = calloc((size_t)reps, sizeof(double));
	if (once == NULL || fresh == NULL || measure(size, reps, 0, once) < 0 ||
		measure(size, reps, 1, fresh) < 0) {
		fprintf(stderr, "bench-memcpy: out of memory\n");
		return -1;
	}
	double med = once[reps / 2];
	printf("{\"tool\":\"bench-memcpy\",\"label\":\"%s\",\"width\":%d,\"height\":%d,"
	       "\"bytes\":%zu,\"reps\":%d,\"ms_p50\":%.4f,\"ms_p10\":%.4f,\"ms_p90\":%.4f,"
	       "\"gbps\":%.2f,\"fresh_map_ms_p50\":%.4f}\n",
		name, w, h, size, reps, med, once[reps / 10], once[reps * 9 / 10],
		(double)size / (med / 1e3) / 1e9, fresh[reps / 2]);
	free(once);
	free(fresh);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 50;
	if (reps < 10) {
		reps = 10;
	}
	if (argc > 3) {
		return report("custom", atoi(argv[2]), atoi(argv[3]), reps) ? 1 : 0;
	}
	if (report("1080p", 1920, 1080, reps) < 0 || report("4k", 3840, 2160, reps) < 0) {
		return 1;
	}
	return 0;
}
