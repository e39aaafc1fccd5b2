/*
 * bench-client: a wl_shm benchmark client.
 *
 * One xdg toplevel, buffers created once in one memfd and reused on
 * wl_buffer.release, full or partial damage, incompressible (xorshift noise,
 * new every frame) or flat (one colour, new every frame) content, paced by
 * frame callbacks or unpaced (a roundtrip per commit). After a warm-up it
 * measures for a duration or a frame count and prints one JSON line: frames
 * per second, damaged MB/s, commit-to-present latency (p50/p99) from
 * wp_presentation feedback, and optionally the CPU time per frame and peak
 * RSS of other process trees (the bridge or proxy in between, the host)
 * read from /proc at the start and the end of the measurement.
 *
 * Not part of the test suite: see tests/bench/run.sh and docs/performance.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define BENCH_MAX_BUFFERS 4
#define BENCH_MAX_RECTS 16
#define BENCH_MAX_SAMPLES 8
#define BENCH_STALL_MS 5000
#define BENCH_LANES 32

struct bench_rect {
	int32_t x, y, w, h;
};

struct bench_buffer {
	struct wl_buffer *wl_buffer;
	uint32_t *pixels;
	bool busy;
};

/* Another process tree whose CPU time and peak RSS are reported per frame. */
struct bench_sample {
	char name[32];
	pid_t pid;
	double cpu_start; /* seconds of utime + stime at measurement start */
	double cpu_end;
	long hwm_kb;
	bool ok;
};

struct bench_feedback {
	struct bench_client *client;
	struct wp_presentation_feedback *feedback;
	uint64_t commit_ns;
	bool measured;
};

struct bench_client {
	/* options */
	int32_t width, height;
	int nbuffers;
	bool noise;
	bool paced;
	double duration_s;    /* measure for this long, or */
	uint64_t frame_limit; /* this many frames (0: use duration) */
	double warmup_s;
	struct bench_rect rects[BENCH_MAX_RECTS];
	int nrects;
	const char *label;
	const char *output_path;
	double linger_s;
	struct bench_sample samples[BENCH_MAX_SAMPLES];
	int nsamples;

	/* wayland */
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	clockid_t clock_id;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;
	bool closed;
	struct wl_callback *frame_cb;
	struct bench_buffer buffers[BENCH_MAX_BUFFERS];
	void *map;
	size_t map_size;

	/* state */
	uint32_t lanes[BENCH_LANES]; /* noise generator state */
	uint32_t frame_no;
	bool measuring;
	uint64_t measured_frames;
	uint64_t feedback_pending;
	uint64_t presented, discarded;
	double *latencies_ms;
	size_t nlatencies, cap_latencies;
	uint64_t damage_bytes_per_frame;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_self_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

struct proc_stat {
	pid_t pid, ppid;
	double cpu_s; /* utime + stime + cutime + cstime: its own and its reaped children's */
	long hwm_kb;
};

/* One process's /proc/PID/stat fields 4 (ppid) and 14 to 17, and VmHWM. */
static bool proc_read(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return false;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip past the last ')' */
	char *p = strrchr(buf, ')');
	if (p == NULL) {
		return false;
	}
	int ppid;
	unsigned long utime, stime;
	long cutime, cstime;
	/* after ')': state(3) ppid(4) pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15) cutime(16) cstime(17) */
	if (sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &ppid,
		    &utime, &stime, &cutime, &cstime) != 5) {
		return false;
	}
	out->pid = pid;
	out->ppid = (pid_t)ppid;
	out->cpu_s = (double)(utime + stime + (unsigned long)cutime + (unsigned long)cstime) /
		     (double)sysconf(_SC_CLK_TCK);
	out->hwm_kb = 0;
	char line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "VmHWM: %ld kB", &out->hwm_kb) == 1) {
				break;
			}
		}
		fclose(f);
	}
	return true;
}

/*
 * CPU seconds and peak RSS of a process and all its descendants but this
 * client: waypipe, for one, does its work in a process it forks per
 * connection. Children that exited and were reaped count through their
 * parent's cutime/cstime. Peak RSS is the sum of VmHWM over the tree.
 */
static bool proc_tree(pid_t root, double *cpu_s, long *hwm_kb)
{
	DIR *dir = opendir("/proc");
	if (dir == NULL) {
		return false;
	}
	size_t n = 0, cap = 256;
	struct proc_stat *all = malloc(cap * sizeof(*all));
	struct dirent *de;
	while (all != NULL && (de = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0) {
			continue;
		}
		if (n == cap) {
			struct proc_stat *more = realloc(all, 2 * cap * sizeof(*all));
			if (more == NULL) {
				break;
			}
			all = more;
			cap *= 2;
		}
		if (proc_read((pid_t)pid, &all[n])) {
			n++;
		}
	}
	closedir(dir);
	if (all == NULL) {
		return false;
	}
	/* mark the tree: repeat until no process joins (trees are shallow) */
	bool *in = calloc(n ? n : 1, sizeof(bool));
	bool found = false;
	if (in != NULL) {
		for (size_t i = 0; i < n; i++) {
			if (all[i].pid == root) {
				in[i] = found = true;
			}
		}
		for (bool grew = found; grew;) {
			grew = false;
			for (size_t i = 0; i < n; i++) {
				for (size_t j = 0; !in[i] && j < n; j++) {
					if (in[j] && all[i].ppid == all[j].pid) {
						in[i] = grew = true;
					}
				}
			}
		}
		*cpu_s = 0;
		*hwm_kb = 0;
		pid_t self = getpid();
		for (size_t i = 0; i < n; i++) {
			if (in[i] && all[i].pid != self) {
				*cpu_s += all[i].cpu_s;
				*hwm_kb += all[i].hwm_kb;
			}
		}
	}
	free(in);
	free(all);
	return found;
}

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * Noise for one row: BENCH_LANES independent xorshift32 generators side by
 * side, which the compiler turns into vector code, so that making a 4K frame
 * costs a few memsets and the client stays far from being the limit.
 */
static void fill_noise(uint32_t *restrict row, int32_t w, uint32_t *restrict state)
{
	/* a local copy: stores to row cannot alias it, so it stays in registers */
	uint32_t lanes[BENCH_LANES];
	memcpy(lanes, state, sizeof(lanes));
	int32_t x = 0;
	for (; x + BENCH_LANES <= w; x += BENCH_LANES) {
		for (int j = 0; j < BENCH_LANES; j++) {
			uint32_t s = lanes[j];
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			lanes[j] = s;
			row[x + j] = s;
		}
	}
	for (int j = 0; x < w; x++, j++) {
		row[x] = lanes[j] * 2654435761u;
	}
	memcpy(state, lanes, sizeof(lanes));
}

/* Fill the damaged rectangles of one buffer with this frame's content. */
static void draw(struct bench_client *c, struct bench_buffer *b)
{
	uint32_t flat = 0xff000000u | ((c->frame_no * 0x9e3779b9u) & 0x00ffffffu);
	for (int i = 0; i < c->nrects; i++) {
		const struct bench_rect *r = &c->rects[i];
		for (int32_t y = r->y; y < r->y + r->h; y++) {
			uint32_t *row = b->pixels + (size_t)y * (size_t)c->width + (size_t)r->x;
			if (c->noise) {
				fill_noise(row, r->w, c->lanes);
			} else {
				for (int32_t x = 0; x < r->w; x++) {
					row[x] = flat;
				}
			}
		}
	}
}

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct bench_buffer *b = data;
	b->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static bool create_buffers(struct bench_client *c)
{
	size_t stride = (size_t)c->width * 4;
	size_t size = stride * (size_t)c->height;
	c->map_size = size * (size_t)c->nbuffers;
	int fd = memfd_create("bench-client", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		return false;
	}
	if (ftruncate(fd, (off_t)c->map_size) < 0) {
		perror("ftruncate");
		goto out_close;
	}
	c->map = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->map == MAP_FAILED) {
		perror("mmap");
		c->map = NULL;
		goto out_close;
	}
	/* touch every page now so page faults stay out of the measurement */
	memset(c->map, 0x40, c->map_size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)c->map_size);
	for (int i = 0; i < c->nbuffers; i++) {
		struct bench_buffer *b = &c->buffers[i];
		b->wl_buffer = wl_shm_pool_create_buffer(pool, (int32_t)(size * (size_t)i),
			c->width, c->height, (int32_t)stride, WL_SHM_FORMAT_XRGB8888);
		b->pixels = (uint32_t *)((char *)c->map + size * (size_t)i);
		wl_buffer_add_listener(b->wl_buffer, &buffer_listener, b);
	}
	wl_shm_pool_destroy(pool);
	close(fd);
	return true;

out_close:
	close(fd);
	return false;
}

static void add_latency(struct bench_client *c, double ms)
{
	if (c->nlatencies == c->cap_latencies) {
		size_t cap = c->cap_latencies ? c->cap_latencies * 2 : 4096;
		double *l = realloc(c->latencies_ms, cap * sizeof(*l));
		if (l == NULL) {
			return; /* keep what we have */
		}
		c->latencies_ms = l;
		c->cap_latencies = cap;
	}
	c->latencies_ms[c->nlatencies++] = ms;
}

static void feedback_done(struct bench_feedback *fb)
{
	fb->client->feedback_pending--;
	wp_presentation_feedback_destroy(fb->feedback);
	free(fb);
}

static void feedback_sync_output(
	void *data, struct wp_presentation_feedback *feedback, struct wl_output *output)
{
}

static void feedback_presented(void *data, struct wp_presentation_feedback *feedback,
	uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
	uint32_t seq_lo, uint32_t flags)
{
	struct bench_feedback *fb = data;
	struct bench_client *c = fb->client;
	if (fb->measured) {
		uint64_t sec = ((uint64_t)tv_sec_hi << 32) | tv_sec_lo;
		uint64_t t = sec * 1000000000u + tv_nsec;
		/* a compositor may stamp a time before our commit (e.g. the vblank the
		 * frame was latched for); report it as zero rather than wrap around */
		double ms = t > fb->commit_ns ? (double)(t - fb->commit_ns) / 1e6 : 0.0;
		add_latency(c, ms);
		c->presented++;
	}
	feedback_done(fb);
}

static void feedback_discarded(void *data, struct wp_presentation_feedback *feedback)
{
	struct bench_feedback *fb = data;
	if (fb->measured) {
		fb->client->discarded++;
	}
	feedback_done(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

static void presentation_clock_id(void *data, struct wp_presentation *presentation, uint32_t clk)
{
	struct bench_client *c = data;
	c->clock_id = (clockid_t)clk;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct bench_client *c = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

/* The size stays ours: a benchmark frame has a fixed size. */
static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct bench_client *c = data;
	c->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct bench_client *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(
			registry, name, &wl_compositor_interface, version < 4 ? version : 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		c->presentation = wl_registry_bind(registry, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(c->presentation, &presentation_listener, c);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct bench_client *c = data;
	wl_callback_destroy(cb);
	c->frame_cb = NULL;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* Flush, then read and dispatch events, waiting at most timeout_ms. */
static int dispatch_timeout(struct wl_display *display, int timeout_ms)
{
	while (wl_display_prepare_read(display) != 0) {
		if (wl_display_dispatch_pending(display) < 0) {
			return -1;
		}
	}
	if (wl_display_flush(display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(display);
		return -1;
	}
	struct pollfd pfd = {.fd = wl_display_get_fd(display), .events = POLLIN};
	int n = poll(&pfd, 1, timeout_ms);
	if (n <= 0) {
		wl_display_cancel_read(display);
		return n < 0 && errno != EINTR ? -1 : 0;
	}
	if (wl_display_read_events(display) < 0) {
		return -1;
	}
	return wl_display_dispatch_pending(display);
}

/* Wait until cond(c) holds; false on a connection error or a stall. */
static bool wait_for(struct bench_client *c, bool (*cond)(struct bench_client *), const char *what)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC);
	while (!cond(c)) {
		if (c->closed) {
			fprintf(stderr, "bench-client: toplevel closed by the compositor\n");
			return false;
		}
		if (dispatch_timeout(c->display, 100) < 0) {
			fprintf(stderr, "bench-client: connection lost waiting for %s\n", what);
			return false;
		}
		if (now_ns(CLOCK_MONOTONIC) - start > (uint64_t)BENCH_STALL_MS * 1000000u) {
			fprintf(stderr, "bench-client: stalled %d ms waiting for %s\n",
				BENCH_STALL_MS, what);
			return false;
		}
	}
	return true;
}

static bool is_configured(struct bench_client *c)
{
	return c->configured;
}

static bool frame_ready(struct bench_client *c)
{
	return c->frame_cb == NULL;
}

static struct bench_buffer *free_buffer(struct bench_client *c)
{
	for (int i = 0; i < c->nbuffers; i++) {
		if (!c->buffers[i].busy) {
			return &c->buffers[i];
		}
	}
	return NULL;
}

static bool has_free_buffer(struct bench_client *c)
{
	return free_buffer(c) != NULL;
}

static bool feedback_settled(struct bench_client *c)
{
	return c->feedback_pending == 0;
}

static bool roundtrip_done(struct bench_client *c)
{
	/* used with a wl_display_sync callback that clears frame_cb */
	return c->frame_cb == NULL;
}

static bool commit_frame(struct bench_client *c)
{
	struct bench_buffer *b = free_buffer(c);
	if (b == NULL) {
		if (!wait_for(c, has_free_buffer, "a buffer release")) {
			return false;
		}
		b = free_buffer(c);
	}
	c->frame_no++;
	draw(c, b);

	wl_surface_attach(c->surface, b->wl_buffer, 0, 0);
	for (int i = 0; i < c->nrects; i++) {
		const struct bench_rect *r = &c->rects[i];
		wl_surface_damage_buffer(c->surface, r->x, r->y, r->w, r->h);
	}
	if (c->paced) {
		c->frame_cb = wl_surface_frame(c->surface);
		wl_callback_add_listener(c->frame_cb, &frame_listener, c);
	}
	if (c->presentation != NULL) {
		struct bench_feedback *fb = calloc(1, sizeof(*fb));
		if (fb != NULL) {
			fb->client = c;
			fb->measured = c->measuring;
			fb->feedback = wp_presentation_feedback(c->presentation, c->surface);
			wp_presentation_feedback_add_listener(fb->feedback, &feedback_listener, fb);
			c->feedback_pending++;
			fb->commit_ns = now_ns(c->clock_id);
		}
	}
	wl_surface_commit(c->surface);
	b->busy = true;

	if (c->paced) {
		return wait_for(c, frame_ready, "a frame callback");
	}
	/* unpaced: wait only until the compositor has processed the commit */
	c->frame_cb = wl_display_sync(c->display);
	wl_callback_add_listener(c->frame_cb, &frame_listener, c);
	return wait_for(c, roundtrip_done, "a roundtrip");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, size_t n, double p)
{
	if (n == 0) {
		return -1;
	}
	double pos = p * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	if (i + 1 >= n) {
		return sorted[n - 1];
	}
	return sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
}

static void samples_read(struct bench_client *c, bool start)
{
	for (int i = 0; i < c->nsamples; i++) {
		struct bench_sample *s = &c->samples[i];
		double v;
		long hwm;
		if (!proc_tree(s->pid, &v, &hwm)) {
			s->ok = false;
			continue;
		}
		if (start) {
			s->cpu_start = v;
			s->ok = true;
		} else {
			s->cpu_end = v;
			s->hwm_kb = hwm;
		}
	}
}

static void print_result(struct bench_client *c, FILE *out, double seconds, double client_cpu_s)
{
	qsort(c->latencies_ms, c->nlatencies, sizeof(double), cmp_double);
	double fps = seconds > 0 ? (double)c->measured_frames / seconds : 0;
	double mbps = fps * (double)c->damage_bytes_per_frame / 1e6;
	uint64_t frames = c->measured_frames ? c->measured_frames : 1;

	fprintf(out,
		"{\"tool\":\"bench-client\",\"label\":\"%s\",\"width\":%d,\"height\":%d,"
		"\"content\":\"%s\",\"pacing\":\"%s\",\"buffers\":%d,\"rects\":%d,"
		"\"damage_bytes_per_frame\":%" PRIu64 ",\"frames\":%" PRIu64
		",\"seconds\":%.4f,\"fps\":%.2f,\"mbps\":%.1f,\"presented\":%" PRIu64
		",\"discarded\":%" PRIu64 ",",
		c->label, c->width, c->height, c->noise ? "noise" : "flat",
		c->paced ? "paced" : "unpaced", c->nbuffers, c->nrects, c->damage_bytes_per_frame,
		c->measured_frames, seconds, fps, mbps, c->presented, c->discarded);
	if (c->nlatencies > 0) {
		fprintf(out, "\"lat_p50_ms\":%.3f,\"lat_p99_ms\":%.3f,",
			percentile(c->latencies_ms, c->nlatencies, 0.5),
			percentile(c->latencies_ms, c->nlatencies, 0.99));
	} else {
		fprintf(out, "\"lat_p50_ms\":null,\"lat_p99_ms\":null,");
	}
	fprintf(out, "\"client_cpu_ms_per_frame\":%.4f,\"procs\":{",
		client_cpu_s * 1e3 / (double)frames);
	bool first = true;
	for (int i = 0; i < c->nsamples; i++) {
		struct bench_sample *s = &c->samples[i];
		if (!s->ok) {
			continue;
		}
		fprintf(out, "%s\"%s\":{\"pid\":%d,\"cpu_ms_per_frame\":%.4f,\"hwm_kb\":%ld}",
			first ? "" : ",", s->name, (int)s->pid,
			(s->cpu_end - s->cpu_start) * 1e3 / (double)frames, s->hwm_kb);
		first = false;
	}
	fprintf(out, "}}\n");
	fflush(out);
}

static bool parse_rect(const char *s, struct bench_rect *r)
{
	return sscanf(s, "%d,%d,%d,%d", &r->x, &r->y, &r->w, &r->h) == 4;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-client [options]\n"
		   "  -W, --width N          buffer width (default 1920)\n"
		   "  -H, --height N         buffer height (default 1080)\n"
		   "  -s, --size NAME        1080p or 4k\n"
		   "  -d, --duration S       measure for S seconds (default 5)\n"
		   "  -n, --frames N         measure N frames instead\n"
		   "  -w, --warmup S         unmeasured warm-up seconds (default 1)\n"
		   "  -c, --content KIND     noise (incompressible, default) or flat\n"
		   "  -D, --damage X,Y,W,H   damage this rectangle (repeatable; default full)\n"
		   "  -u, --unpaced          no frame callbacks: a roundtrip per commit\n"
		   "  -b, --buffers N        2..4 buffers (default 3)\n"
		   "  -l, --label TEXT       label copied into the result\n"
		   "  -o, --output FILE      also append the result line to FILE\n"
		   "  -p, --sample NAME=PID  report CPU/frame and peak RSS of PID\n"
		   "                         (PID may be 'ppid': this process's parent)\n"
		   "  -L, --linger S         stay connected S seconds after the result\n");
}

static bool parse_args(struct bench_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"width", required_argument, NULL, 'W'},
		{"height", required_argument, NULL, 'H'},
		{"size", required_argument, NULL, 's'},
		{"duration", required_argument, NULL, 'd'},
		{"frames", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"content", required_argument, NULL, 'c'},
		{"damage", required_argument, NULL, 'D'},
		{"unpaced", no_argument, NULL, 'u'},
		{"buffers", required_argument, NULL, 'b'},
		{"label", required_argument, NULL, 'l'},
		{"output", required_argument, NULL, 'o'},
		{"sample", required_argument, NULL, 'p'},
		{"linger", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "W:H:s:d:n:w:c:D:ub:l:o:p:L:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'W':
			c->width = atoi(optarg);
			break;
		case 'H':
			c->height = atoi(optarg);
			break;
		case 's':
			if (strcmp(optarg, "1080p") == 0) {
				c->width = 1920;
				c->height = 1080;
			} else if (strcmp(optarg, "4k") == 0) {
				c->width = 3840;
				c->height = 2160;
			} else {
				fprintf(stderr, "bench-client: unknown size %s\n", optarg);
				return false;
			}
			break;
		case 'd':
			c->duration_s = atof(optarg);
			break;
		case 'n':
			c->frame_limit = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			c->warmup_s = atof(optarg);
			break;
		case 'c':
			if (strcmp(optarg, "noise") == 0) {
				c->noise = true;
			} else if (strcmp(optarg, "flat") == 0) {
				c->noise = false;
			} else {
				fprintf(stderr, "bench-client: unknown content %s\n", optarg);
				return false;
			}
			break;
		case 'D':
			if (c->nrects == BENCH_MAX_RECTS ||
				!parse_rect(optarg, &c->rects[c->nrects])) {
				fprintf(stderr, "bench-client: bad damage %s\n", optarg);
				return false;
			}
			c->nrects++;
			break;
		case 'u':
			c->paced = false;
			break;
		case 'b':
			c->nbuffers = atoi(optarg);
			break;
		case 'l':
			c->label = optarg;
			break;
		case 'o':
			c->output_path = optarg;
			break;
		case 'p': {
			struct bench_sample *s = &c->samples[c->nsamples];
			const char *eq = strchr(optarg, '=');
			if (c->nsamples == BENCH_MAX_SAMPLES || eq == NULL ||
				(size_t)(eq - optarg) >= sizeof(s->name) || eq == optarg) {
				fprintf(stderr, "bench-client: bad sample %s\n", optarg);
				return false;
			}
			memcpy(s->name, optarg, (size_t)(eq - optarg));
			s->name[eq - optarg] = '\0';
			s->pid = strcmp(eq + 1, "ppid") == 0 ? getppid() : (pid_t)atoi(eq + 1);
			if (s->pid <= 0) {
				fprintf(stderr, "bench-client: bad pid in %s\n", optarg);
				return false;
			}
			c->nsamples++;
			break;
		}
		case 'L':
			c->linger_s = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return false;
		}
	}
	if (c->width <= 0 || c->height <= 0 || c->width > 16384 || c->height > 16384 ||
		c->nbuffers < 2 || c->nbuffers > BENCH_MAX_BUFFERS ||
		(c->frame_limit == 0 && c->duration_s <= 0)) {
		fprintf(stderr, "bench-client: bad size, buffer count or duration\n");
		return false;
	}
	if (c->nrects == 0) {
		c->rects[0] = (struct bench_rect){0, 0, c->width, c->height};
		c->nrects = 1;
	}
	c->damage_bytes_per_frame = 0;
	for (int i = 0; i < c->nrects; i++) {
		struct bench_rect *r = &c->rects[i];
		/* clip to the buffer: a rectangle outside it damages nothing */
		int32_t x1 = r->x < 0 ? 0 : r->x, y1 = r->y < 0 ? 0 : r->y;
		int32_t x2 = r->x + r->w > c->width ? c->width : r->x + r->w;
		int32_t y2 = r->y + r->h > c->height ? c->height : r->y + r->h;
		*r = (struct bench_rect){x1, y1, x2 > x1 ? x2 - x1 : 0, y2 > y1 ? y2 - y1 : 0};
		c->damage_bytes_per_frame += (uint64_t)r->w * (uint64_t)r->h * 4u;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct bench_client c = {
		.width = 1920,
		.height = 1080,
		.nbuffers = 3,
		.noise = true,
		.paced = true,
		.duration_s = 5,
		.warmup_s = 1,
		.label = "",
		.clock_id = CLOCK_MONOTONIC,
	};
	if (!parse_args(&c, argc, argv)) {
		return 2;
	}
	uint64_t seed = 0x9e3779b97f4a7c15u ^ (uint64_t)getpid();
	for (int i = 0; i < BENCH_LANES; i++) {
		c.lanes[i] = (uint32_t)xorshift64(&seed) | 1u; /* never zero */
	}

	c.display = wl_display_connect(NULL);
	if (c.display == NULL) {
		fprintf(stderr, "bench-client: cannot connect to the Wayland display\n");
		return 1;
	}
	c.registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(c.registry, &registry_listener, &c);
	wl_display_roundtrip(c.display);
	wl_display_roundtrip(c.display); /* the clock_id event */
	if (c.compositor == NULL || c.shm == NULL || c.wm_base == NULL) {
		fprintf(stderr,
			"bench-client: compositor lacks wl_compositor, wl_shm or xdg_wm_base\n");
		return 1;
	}
	if (c.presentation == NULL) {
		fprintf(stderr, "bench-client: no wp_presentation: no latency figures\n");
	}
	if (!create_buffers(&c)) {
		return 1;
	}

	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_title(c.toplevel, "bench-client");
	xdg_toplevel_set_app_id(c.toplevel, "bench-client");
	wl_surface_commit(c.surface);
	if (!wait_for(&c, is_configured, "the first configure")) {
		return 1;
	}

	int rc = 0;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	uint64_t warm_end = t0 + (uint64_t)(c.warmup_s * 1e9);
	while (now_ns(CLOCK_MONOTONIC) < warm_end) {
		if (!commit_frame(&c)) {
			return 1;
		}
	}

	c.measuring = true;
	samples_read(&c, true);
	double cpu0 = cpu_self_s();
	uint64_t m0 = now_ns(CLOCK_MONOTONIC);
	uint64_t m_end = m0 + (uint64_t)(c.duration_s * 1e9);
	for (;;) {
		if (c.frame_limit ? c.measured_frames >= c.frame_limit
				  : now_ns(CLOCK_MONOTONIC) >= m_end) {
			break;
		}
		if (!commit_frame(&c)) {
			rc = 1;
			break;
		}
		c.measured_frames++;
	}
	uint64_t m1 = now_ns(CLOCK_MONOTONIC);
	double cpu1 = cpu_self_s();
	samples_read(&c, false);
	c.measuring = false;

	/* collect the last feedback; a compositor may hold the last one back */
	uint64_t settle_end = now_ns(CLOCK_MONOTONIC) + 500000000u;
	while (!feedback_settled(&c) && now_ns(CLOCK_MONOTONIC) < settle_end) {
		if (dispatch_timeout(c.display, 50) < 0) {
			break;
		}
	}

	double seconds = (double)(m1 - m0) / 1e9;
	print_result(&c, stdout, seconds, cpu1 - cpu0);
	if (c.output_path != NULL) {
		FILE *f = fopen(c.output_path, "a");
		if (f == NULL) {
			perror(c.output_path);
			rc = 1;
		} else {
			print_result(&c, f, seconds, cpu1 - cpu0);
			fclose(f);
		}
	}

	if (c.linger_s > 0) {
		uint64_t linger_end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(c.linger_s * 1e9);
		while (now_ns(CLOCK_MONOTONIC) < linger_end) {
			if (dispatch_timeout(c.display, 50) < 0) {
				break;
			}
		}
	}

	xdg_toplevel_destroy(c.toplevel);
	xdg_surface_destroy(c.xdg_surface);
	wl_surface_destroy(c.surface);
	for (int i = 0; i < c.nbuffers; i++) {
		wl_buffer_destroy(c.buffers[i].wl_buffer);
	}
	munmap(c.map, c.map_size);
	free(c.latencies_ms);
	if (c.presentation != NULL) {
		wp_presentation_destroy(c.presentation);
	}
	xdg_wm_base_destroy(c.wm_base);
	wl_shm_destroy(c.shm);
	wl_compositor_destroy(c.compositor);
	wl_registry_destroy(c.registry);
	wl_display_disconnect(c.display);
	return rc;
}
