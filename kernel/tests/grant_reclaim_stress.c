// SPDX-License-Identifier: GPL-2.0
/*
 * grant_reclaim_stress: deferred grant reclaim under a dying grant owner.
 *
 * Two halves that talk one line at a time over stdin/stdout, so that any
 * pipe between the two domains will do (ssh, a serial console, a FIFO pair):
 *
 *   guest (PV domU, patched kernel): for each free_per_iteration value,
 *     a child process allocates N grants with /dev/xen/gntalloc and the
 *     parent sends their references to dom0; once dom0 has mapped them the
 *     child is killed with SIGKILL. The parent then measures how long the
 *     deferred list (grant_table.deferred_count) takes to drain, reads the
 *     counters before and after, counts the kernel log lines of
 *     grant_table/gntalloc, and checks whether the dead child's references
 *     are handed out again to a new gntalloc user.
 *   dom0: maps the references with /dev/xen/gntdev, unmaps them when the
 *     guest says its process is dead (after a hold time), and later tries
 *     to map the same, now freed, references again ("late map"). In
 *     quarantine mode every late map must fail.
 *
 * Line protocol (guest -> dom0 / dom0 -> guest):
 *   REFS <round> <n> <ref>...   MAPPED <round> <ok>
 *   KILLED <round>              UNMAPPED <round>
 *   PROBE <round>               LATEMAP <round> <ok> <failed>
 *   DONE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gnt_uapi.h"

#define GT_PARAMS "/sys/module/grant_table/parameters/"
#define GA_PARAMS "/sys/module/xen_gntalloc/parameters/"
#define MAX_RATES 8
#define PAGE_SZ 4096u

struct options {
	bool guest;			/* run the guest half, else dom0 */
	unsigned int domid;		/* peer domain id */
	unsigned int count;		/* grants per round */
	unsigned int rates[MAX_RATES];	/* free_per_iteration values */
	unsigned int nr_rates;		/* used entries of rates */
	const char *mode;		/* leftover_grants, NULL = leave it */
	bool expect_deferred;		/* set the gntalloc file flag */
	unsigned int hold_ms;		/* dom0: keep maps after KILLED */
	unsigned int timeout_s;		/* guest: give up draining after */
};

static void die(const char *what)
{
	fprintf(stderr, "grant_reclaim_stress: %s: %s\n", what,
		strerror(errno));
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool read_param(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static long long read_counter(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), GT_PARAMS "%s", name);
	if (!read_param(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

static bool write_param(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	if (fclose(f))
		ok = false;
	return ok;
}

/* Reads one protocol line from stdin into buf; exits on EOF. */
static void read_line(char *buf, size_t len)
{
	if (!fgets(buf, (int)len, stdin)) {
		fprintf(stderr, "grant_reclaim_stress: peer closed the pipe\n");
		exit(2);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static void expect_line(const char *prefix, char *buf, size_t len)
{
	do
		read_line(buf, len);
	while (strncmp(buf, prefix, strlen(prefix)));
}

/* ---------------------------------------------------------------- guest */

/* Kernel log records since open, counted by origin. */
struct kmsg_count {
	unsigned int grant_table;	/* "xen:grant_table: " lines */
	unsigned int gntalloc;		/* "xen:xen_gntalloc: " lines */
	unsigned int frontends;		/* blkfront/netfront deferral lines */
};

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static void kmsg_count(int fd, struct kmsg_count *c)
{
	char rec[8192];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	if (fd < 0)
		return;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, "xen:grant_table: "))
			c->grant_table++;
		else if (strstr(rec, "xen:xen_gntalloc: "))
			c->gntalloc++;
		else if (strstr(rec, "deferring its reclaim"))
			c->frontends++;
	}
}

/*
 * Child: allocate count grants to domid, write the references to out_fd,
 * then wait to be killed while holding them.
 */
static void __attribute__((noreturn))
alloc_child(const struct options *o, int out_fd)
{
	struct ioctl_gntalloc_alloc_gref *op;
	size_t size = sizeof(*op) + o->count * sizeof(op->gref_ids[0]);
	int fd = open("/dev/xen/gntalloc", O_RDWR);
	uint32_t n = o->count;

	if (fd < 0)
		die("open /dev/xen/gntalloc");
	if (o->expect_deferred) {
		struct ioctl_gntalloc_file_flags ff = {
			.flags = GNTALLOC_FILE_FLAG_EXPECT_DEFERRED_RECLAIM,
		};

		if (ioctl(fd, IOCTL_GNTALLOC_SET_FILE_FLAGS, &ff))
			die("IOCTL_GNTALLOC_SET_FILE_FLAGS");
	}
	op = calloc(1, size);
	if (!op)
		die("calloc");
	op->domid = (uint16_t)o->domid;
	op->flags = GNTALLOC_FLAG_WRITABLE;
	op->count = n;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op))
		die("IOCTL_GNTALLOC_ALLOC_GREF (is xen_gntalloc.limit >= N?)");
	if (write(out_fd, op->gref_ids, n * sizeof(uint32_t)) !=
	    (ssize_t)(n * sizeof(uint32_t)))
		die("write refs");
	close(out_fd);
	for (;;)
		pause();
}

static pid_t spawn_allocator(const struct options *o, uint32_t *refs)
{
	size_t want = o->count * sizeof(uint32_t), got = 0;
	int p[2];
	pid_t pid;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		alloc_child(o, p[1]);
	}
	close(p[1]);
	while (got < want) {
		ssize_t n = read(p[0], (char *)refs + got, want - got);

		if (n <= 0) {
			fprintf(stderr, "grant_reclaim_stress: allocator died\n");
			exit(2);
		}
		got += (size_t)n;
	}
	close(p[0]);
	return pid;
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static unsigned int count_common(uint32_t *a, uint32_t *b, unsigned int n)
{
	unsigned int i, common = 0;

	qsort(b, n, sizeof(*b), cmp_u32);
	for (i = 0; i < n; i++)
		if (bsearch(&a[i], b, n, sizeof(*b), cmp_u32))
			common++;
	return common;
}

static int run_guest(const struct options *o)
{
	uint32_t *refs = calloc(o->count, sizeof(*refs));
	uint32_t *probe = calloc(o->count, sizeof(*probe));
	char line[256], path[256], val[32];
	unsigned int r, i, failures = 0;

	if (!refs || !probe)
		die("calloc");
	if (o->mode && !write_param(GA_PARAMS "leftover_grants", o->mode))
		die("write leftover_grants");
	/* Room for a round's grants and the probe's: raise, never lower. */
	snprintf(path, sizeof(path), GA_PARAMS "limit");
	if (!read_param(path, val, sizeof(val)) ||
	    strtoul(val, NULL, 10) < 2 * o->count + 16) {
		snprintf(val, sizeof(val), "%u", 2 * o->count + 16);
		if (!write_param(path, val))
			die("write xen_gntalloc limit");
	}

	for (r = 0; r < o->nr_rates; r++) {
		long long def0, leak0, def_peak, def1, leak1;
		unsigned int latemap_ok = 0, latemap_failed = 0, reused;
		int mapped = 0;
		struct kmsg_count logs;
		double t_kill, t_unmapped, t_drain = -1;
		char mode[32] = "?";
		pid_t pid, probe_pid;
		int kmsg;

		snprintf(val, sizeof(val), "%u", o->rates[r]);
		if (!write_param(GT_PARAMS "free_per_iteration", val))
			die("write free_per_iteration");
		read_param(GA_PARAMS "leftover_grants", mode, sizeof(mode));

		pid = spawn_allocator(o, refs);
		printf("REFS %u %u", r, o->count);
		for (i = 0; i < o->count; i++)
			printf(" %" PRIu32, refs[i]);
		printf("\n");
		fflush(stdout);
		expect_line("MAPPED", line, sizeof(line));
		sscanf(line, "MAPPED %*u %d", &mapped);
		if (!mapped) {
			fprintf(stderr, "FAIL round=%u: dom0 could not map the grants\n",
				r);
			failures++;
		}

		def0 = read_counter("deferred_count");
		leak0 = read_counter("leaked_count");
		kmsg = kmsg_open_at_end();
		t_kill = now_s();
		kill_child(pid);
		def_peak = read_counter("deferred_count");
		printf("KILLED %u\n", r);
		fflush(stdout);
		expect_line("UNMAPPED", line, sizeof(line));
		t_unmapped = now_s();

		while (now_s() - t_kill < o->timeout_s) {
			def1 = read_counter("deferred_count");
			if (def1 > def_peak)
				def_peak = def1;
			if (def1 <= def0) {
				t_drain = now_s();
				break;
			}
			sleep_ms(20);
		}
		def1 = read_counter("deferred_count");
		leak1 = read_counter("leaked_count");

		/* Would the dead process's references be handed out again? */
		probe_pid = spawn_allocator(o, probe);
		reused = count_common(refs, probe, o->count);
		printf("PROBE %u\n", r);
		fflush(stdout);
		expect_line("LATEMAP", line, sizeof(line));
		sscanf(line, "LATEMAP %*u %u %u", &latemap_ok, &latemap_failed);
		kill_child(probe_pid);

		kmsg_count(kmsg, &logs);
		if (kmsg >= 0)
			close(kmsg);

		fprintf(stderr,
			"RESULT round=%u free_per_iteration=%u leftover_grants=%s n=%u drain_s=%.2f drain_after_unmap_s=%.2f deferred_before=%lld deferred_peak=%lld deferred_after=%lld leaked_before=%lld leaked_after=%lld log_grant_table=%u log_gntalloc=%u log_frontends=%u refs_reused=%u latemap_ok=%u latemap_failed=%u\n",
			r, o->rates[r], mode, o->count,
			t_drain < 0 ? -1.0 : t_drain - t_kill,
			t_drain < 0 ? -1.0 : t_drain - t_unmapped, def0, def_peak,
			def1, leak0, leak1, logs.grant_table, logs.gntalloc,
			logs.frontends, reused, latemap_ok, latemap_failed);
		if (t_drain < 0) {
			fprintf(stderr, "FAIL round=%u: not drained in %us\n",
				r, o->timeout_s);
			failures++;
		}
		if (!strcmp(mode, "quarantine") &&
		    (reused || latemap_ok || leak1 - leak0 < o->count)) {
			fprintf(stderr, "FAIL round=%u: quarantine let references out\n",
				r);
			failures++;
		}
	}
	printf("DONE\n");
	fflush(stdout);
	free(refs);
	free(probe);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------------- dom0 */

/* One gntdev map of refs; returns the mmap address or NULL. */
static void *map_refs(int fd, unsigned int domid, const uint32_t *refs,
		      unsigned int n, uint64_t *index)
{
	struct ioctl_gntdev_map_grant_ref *op;
	size_t size = sizeof(*op) + n * sizeof(op->refs[0]);
	void *addr;
	unsigned int i;

	op = calloc(1, size);
	if (!op)
		die("calloc");
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op)) {
		free(op);
		return NULL;
	}
	*index = op->index;
	free(op);
	addr = mmap(NULL, (size_t)n * PAGE_SZ, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, (off_t)*index);
	if (addr == MAP_FAILED) {
		struct ioctl_gntdev_unmap_grant_ref un = {
			.index = *index, .count = n,
		};

		ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
		return NULL;
	}
	return addr;
}

static void unmap_refs(int fd, void *addr, unsigned int n, uint64_t index)
{
	struct ioctl_gntdev_unmap_grant_ref un = { .index = index, .count = n };

	munmap(addr, (size_t)n * PAGE_SZ);
	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un))
		die("IOCTL_GNTDEV_UNMAP_GRANT_REF");
}

static int run_dom0(const struct options *o)
{
	size_t len = 1 << 20;
	char *line = malloc(len);
	uint32_t *refs = NULL;
	unsigned int round = 0, n = 0, i;
	int fd = open("/dev/xen/gntdev", O_RDWR);
	uint64_t index = 0;
	void *addr = NULL;

	if (fd < 0)
		die("open /dev/xen/gntdev");
	if (!line)
		die("malloc");
	for (;;) {
		read_line(line, len);
		if (!strncmp(line, "REFS ", 5)) {
			char *p = line + 5, *end;

			round = (unsigned int)strtoul(p, &end, 10);
			n = (unsigned int)strtoul(end, &end, 10);
			free(refs);
			refs = calloc(n ? n : 1, sizeof(*refs));
			if (!refs)
				die("calloc");
			for (i = 0; i < n; i++)
				refs[i] = (uint32_t)strtoul(end, &end, 10);
			addr = map_refs(fd, o->domid, refs, n, &index);
			if (addr)	/* touch every page */
				for (i = 0; i < n; i++)
					((volatile char *)addr)[i * PAGE_SZ] = 1;
			printf("MAPPED %u %d\n", round, addr != NULL);
		} else if (!strncmp(line, "KILLED ", 7)) {
			sleep_ms(o->hold_ms);
			if (addr)
				unmap_refs(fd, addr, n, index);
			addr = NULL;
			printf("UNMAPPED %u\n", round);
		} else if (!strncmp(line, "PROBE ", 6)) {
			unsigned int ok = 0, failed = 0;

			for (i = 0; i < n; i++) {
				uint64_t idx;
				void *a = map_refs(fd, o->domid, &refs[i], 1,
						   &idx);

				if (a) {
					ok++;
					unmap_refs(fd, a, 1, idx);
				} else {
					failed++;
				}
			}
			printf("LATEMAP %u %u %u\n", round, ok, failed);
		} else if (!strcmp(line, "DONE")) {
			break;
		}
		fflush(stdout);
	}
	free(refs);
	free(line);
	close(fd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: grant_reclaim_stress guest -d DOM0_ID [-n N] [-r 10,1000,0]\n"
		"                            [-m reclaim|quarantine] [-e] [-t SECONDS]\n"
		"       grant_reclaim_stress dom0 -d GUEST_ID [-H MILLISECONDS]\n"
		"Connect guest stdout to dom0 stdin and dom0 stdout to guest stdin.\n"
		"Results go to the guest's stderr, one RESULT line per round.\n");
}

static bool parse_rates(struct options *o, char *s)
{
	char *tok, *save = NULL;

	o->nr_rates = 0;
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_rates == MAX_RATES)
			return false;
		o->rates[o->nr_rates++] = (unsigned int)strtoul(tok, NULL, 10);
	}
	return o->nr_rates > 0;
}

int main(int argc, char **argv)
{
	struct options o = {
		.domid = 0, .count = 1000, .rates = { 10, 1000, 0 },
		.nr_rates = 3, .hold_ms = 2000, .timeout_s = 600,
	};
	bool have_domid = false;
	int c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "guest")) {
		o.guest = true;
	} else if (strcmp(argv[1], "dom0")) {
		usage(strcmp(argv[1], "-h") ? stderr : stdout);
		return strcmp(argv[1], "-h") ? 2 : 0;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "d:n:r:m:eH:t:h")) != -1) {
		switch (c) {
		case 'd':
			o.domid = (unsigned int)strtoul(optarg, NULL, 10);
			have_domid = true;
			break;
		case 'n':
			o.count = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (!parse_rates(&o, optarg)) {
				usage(stderr);
				return 2;
			}
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'e':
			o.expect_deferred = true;
			break;
		case 'H':
			o.hold_ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o.timeout_s = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_domid || !o.count || o.count > 65536) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdin, NULL, _IOLBF, 0);
	return o.guest ? run_guest(&o) : run_dom0(&o);
}
