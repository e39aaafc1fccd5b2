// SPDX-License-Identifier: MIT
/*
 * xen-link-test: the grant link library's xen backend across two real
 * domains. One binary, two roles, one phase per run:
 *
 *   xen-link-test guest PHASE              in the domU (the agent's role)
 *   xen-link-test host PHASE GUEST_DOMID [LINK]
 *                                          in dom0 (the daemon's role)
 *
 * The link's xenstore directory is named after the phase, or LINK (the
 * restarted host of kill-host serves "cycle" on the "kill-host" link).
 *
 * Phases:
 *   cycle [N]   N times: the guest shares a pool read-only with unmap-notify,
 *               dom0 maps all of it with unmap-notify and checks the pixels,
 *               the guest sends "destroy", dom0 unmaps and answers
 *               "unmapped", the guest sees dom0's notify and only then
 *               unshares. Then bulk messages both ways (larger than the
 *               ring). Every counter must end at zero.
 *   kill-guest  the guest holds a mapped pool and is killed (-9) by the
 *               guest script; dom0 must get the notify and unmap at once.
 *   kill-host   dom0 holds the mapping and is killed (-9) by the dom0
 *               script; the guest must get the notify, unshare everything,
 *               then reconnect to a restarted host ("cycle") and go on.
 *   pump        a stream socket in each domain joined by grantlink's pump:
 *               the guest writes PUMP_BYTES, dom0 echoes them, the guest
 *               checks them (the way the agent and daemon carry Wayland).
 *   defer       the control experiment: the guest unshares its pool while
 *               dom0 still maps it (what the bridge never does), so its
 *               kernel must defer every page; dom0 is served by "cycle".
 *   export      zero copy in dom0: the guest shares a 1080p pool writable,
 *               dom0 exports it (grantlink_export_create) to a receiver
 *               process it spawns, which maps the fd read-write as wl_shm
 *               does, checks the pixels and writes a marker the guest then
 *               sees. dom0 closes the export while the receiver maps: no
 *               release; the receiver unmaps: released; the guest unshares
 *               (its kernel must defer nothing). Then a read-only pool: the
 *               receiver's read-write mmap fails with EINVAL, and released
 *               still comes after close.
 *
 *   xen-link-test receiver PAGES SEED      (spawned by dom0's export phase:
 *               a socket to it on fd 3, the pool fd on fd 4)
 *
 * Each line it prints starts with "xen-link-test:"; failures print
 * "xen-link-test: FAIL ..." and exit 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grantlink.h"

#define POOL_PAGES 64
#define FRAME_POOL_PAGES 2025 /* one 1920x1080 XRGB8888 buffer */
#define BULK_BYTES (256 * 1024)
#define TIMEOUT_MS 30000
#define PUMP_BYTES (1024 * 1024)
#define EXPORT_MARKER 0x5a17c0de5a17c0deull /* the receiver writes it at word 1 */

enum msg_type {
	MSG_POOL = 1, /* guest -> dom0: seed, npages, refs[npages] */
	MSG_MAPPED,   /* dom0 -> guest: the pool is mapped and checked */
	MSG_DESTROY,  /* guest -> dom0: let go of the pool */
	MSG_UNMAPPED, /* dom0 -> guest: unmapped; the guest may unshare */
	MSG_BULK,     /* either way: bytes, then their checksum */
	MSG_DONE,     /* guest -> dom0: end of the phase */
	MSG_HELLO,    /* dom0 -> guest: first message of a link */
};

struct msg_header {
	uint32_t type;
	uint32_t len; /* payload bytes after the header */
};

static const char *role = "?";
static uint32_t sticky_events; /* events seen but not consumed yet */
static unsigned notifies;      /* NOTIFY events consumed */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	printf("xen-link-test: FAIL %s: ", role);
	vprintf(fmt, args);
	printf(" (errno: %s)\n", strerror(errno));
	va_end(args);
	exit(1);
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	printf("xen-link-test: %s: ", role);
	vprintf(fmt, args);
	putchar('\n');
	va_end(args);
}

static uint8_t pattern(uint32_t seed, size_t i)
{
	uint32_t x = seed * 2654435761u + (uint32_t)i * 40503u;
	return (uint8_t)(x >> 13);
}

/* Pools are filled and checked a 64-bit word at a time: 8 MiB byte by
 * byte costs seconds under TCG. */
static uint64_t word_pattern(uint32_t seed, size_t i)
{
	return ((uint64_t)seed << 40) ^ (i * 0x9e3779b97f4a7c15ull);
}

static void fill_pool(void *data, size_t npages, uint32_t seed)
{
	uint64_t *w = data;
	for (size_t i = 0; i < npages * GRANTLINK_PAGE_SIZE / 8; i++) {
		w[i] = word_pattern(seed, i);
	}
}

/* Returns the index of the first word that differs, or SIZE_MAX. */
static size_t check_pool(const void *data, size_t npages, uint32_t seed)
{
	const uint64_t *w = data;
	for (size_t i = 0; i < npages * GRANTLINK_PAGE_SIZE / 8; i++) {
		if (w[i] != word_pattern(seed, i)) {
			return i;
		}
	}
	return SIZE_MAX;
}

/* Polls and dispatches LINK until an event in MASK is pending (it stays
 * pending until consumed with take_event). */
static void wait_event(struct grantlink *link, uint32_t mask, const char *what)
{
	int64_t deadline = now_ms() + TIMEOUT_MS;
	for (;;) {
		sticky_events |= grantlink_dispatch(link);
		if (sticky_events & mask) {
			return;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			fail("no %s within %d ms (events 0x%x)", what, TIMEOUT_MS, sticky_events);
		}
		struct pollfd pfd = {
			.fd = grantlink_get_fd(link), .events = grantlink_get_events(link)};
		poll(&pfd, 1, (int)(left < 100 ? left : 100));
	}
}

static bool take_event(uint32_t event)
{
	bool had = sticky_events & event;
	sticky_events &= ~event;
	if (had && event == GRANTLINK_EVENT_NOTIFY) {
		notifies++;
	}
	return had;
}

static void recv_exact(struct grantlink *link, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = grantlink_recv(link, (uint8_t *)buf + got, len - got);
		if (n < 0) {
			fail("recv");
		}
		got += (size_t)n;
		if (got < len) {
			take_event(GRANTLINK_EVENT_READABLE);
			if (sticky_events & GRANTLINK_EVENT_HANGUP) {
				errno = EPIPE;
				fail("peer hung up after %zu of %zu bytes", got, len);
			}
			wait_event(link, GRANTLINK_EVENT_READABLE | GRANTLINK_EVENT_HANGUP,
				"message bytes");
		}
	}
}

static void send_all(struct grantlink *link, const void *buf, size_t len)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = grantlink_send(link, (const uint8_t *)buf + sent, len - sent);
		if (n < 0) {
			fail("send");
		}
		sent += (size_t)n;
		if (sent < len) {
			take_event(GRANTLINK_EVENT_WRITABLE);
			wait_event(link, GRANTLINK_EVENT_WRITABLE, "room to send");
		}
	}
}

static void send_msg(struct grantlink *link, uint32_t type, const void *payload, uint32_t len)
{
	struct msg_header h = {.type = type, .len = len};
	send_all(link, &h, sizeof(h));
	if (len) {
		send_all(link, payload, len);
	}
}

/* Receives the next message; returns its payload (malloc'd, may be empty). */
static void *recv_any(struct grantlink *link, uint32_t *type, uint32_t *len)
{
	struct msg_header h;
	recv_exact(link, &h, sizeof(h));
	if (h.len > BULK_BYTES + 64) {
		errno = EMSGSIZE;
		fail("message %u of %u bytes", h.type, h.len);
	}
	void *payload = malloc(h.len + 1);
	if (!payload) {
		fail("malloc");
	}
	recv_exact(link, payload, h.len);
	*type = h.type;
	*len = h.len;
	return payload;
}

/* Receives one message of type TYPE; returns its payload (malloc'd). */
static void *recv_msg(struct grantlink *link, uint32_t type, uint32_t *len)
{
	uint32_t got, n;
	void *payload = recv_any(link, &got, &n);
	if (got != type) {
		errno = EPROTO;
		fail("got message %u, expected %u", got, type);
	}
	if (len) {
		*len = n;
	}
	return payload;
}

static void expect_msg(struct grantlink *link, uint32_t type)
{
	free(recv_msg(link, type, NULL));
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ull;
	}
	return h;
}

/* Sends BULK_BYTES of pattern SEED and their checksum. */
static void send_bulk(struct grantlink *link, uint32_t seed)
{
	uint8_t *buf = malloc(BULK_BYTES + sizeof(uint64_t));
	if (!buf) {
		fail("malloc");
	}
	for (size_t i = 0; i < BULK_BYTES; i++) {
		buf[i] = pattern(seed, i);
	}
	uint64_t sum = checksum(buf, BULK_BYTES);
	memcpy(buf + BULK_BYTES, &sum, sizeof(sum));
	send_msg(link, MSG_BULK, buf, BULK_BYTES + sizeof(sum));
	free(buf);
}

static void check_bulk(const uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint64_t sum;
	if (len != BULK_BYTES + sizeof(sum)) {
		errno = EPROTO;
		fail("bulk message of %u bytes", len);
	}
	memcpy(&sum, buf + BULK_BYTES, sizeof(sum));
	if (sum != checksum(buf, BULK_BYTES)) {
		errno = EBADMSG;
		fail("bulk checksum mismatch");
	}
	for (size_t i = 0; i < BULK_BYTES; i++) {
		if (buf[i] != pattern(seed, i)) {
			errno = EBADMSG;
			fail("bulk byte %zu differs", i);
		}
	}
}

static void recv_bulk(struct grantlink *link, uint32_t seed)
{
	uint32_t len;
	uint8_t *buf = recv_msg(link, MSG_BULK, &len);
	check_bulk(buf, len, seed);
	free(buf);
}

static struct grantlink_domain *open_domain(void)
{
	struct grantlink_domain_config config;
	grantlink_domain_config_init(&config, GRANTLINK_BACKEND_XEN);
	struct grantlink_domain *domain = grantlink_domain_create(&config);
	if (!domain) {
		fail("grantlink_domain_create(xen)");
	}
	return domain;
}

static void link_config(struct grantlink_link_config *config, uint16_t peer, const char *phase)
{
	static char path[64];
	snprintf(path, sizeof(path), "data/xen-link-test/%s", phase);
	*config = (struct grantlink_link_config){.peer_domid = peer, .path = path};
}

static void check_counters(struct grantlink_domain *domain, const char *when)
{
	struct grantlink_counters c;
	grantlink_domain_get_counters(domain, &c);
	say("counters %s: shared=%" PRId64 " peer_mapped=%" PRId64 " awaiting_unmap=%" PRId64
	    " deferred=%" PRId64 " leaked=%" PRId64 " mapped=%" PRId64,
		when, c.shared, c.peer_mapped, c.awaiting_unmap, c.deferred, c.leaked, c.mapped);
	/* -1: the kernel does not tell (deferred, leaked, peer_mapped) */
	if (c.shared != 0 || c.awaiting_unmap != 0 || c.mapped != 0 || c.deferred > 0 ||
		c.leaked > 0 || c.peer_mapped > 0) {
		errno = EBUSY;
		fail("counters not back to zero %s", when);
	}
}

/* While the peer still maps or shares, no notify may have come: Xen raises
 * one when a port is bound, and a backend that passed it on would make us
 * let go of pages still in use. */
static void check_no_notify(struct grantlink *link, const char *when)
{
	sticky_events |= grantlink_dispatch(link);
	if (sticky_events & GRANTLINK_EVENT_NOTIFY) {
		errno = EPROTO;
		fail("unmap-notify %s, while the peer is alive", when);
	}
}

/* Lines of /proc/self/maps that map gntdev or gntalloc. */
static int grant_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;
	if (!f) {
		fail("open /proc/self/maps");
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "/dev/xen/gntdev") || strstr(line, "/dev/xen/gntalloc")) {
			n++;
		}
	}
	fclose(f);
	return n;
}

/* --- the pump, both sides ----------------------------------------------- */

/* Runs LINK's pump against one end of a socketpair; on the other end the
 * guest writes PUMP_BYTES and reads them back, dom0 echoes what it reads.
 * The guest is done when all came back; dom0 when the pump reports the
 * guest gone (it closes its link at the end). */
static void pump_run(struct grantlink *link, bool guest_side)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		fail("socketpair");
	}
	struct grantlink_pump *pump = grantlink_pump_create(link, sv[0]);
	if (!pump) {
		fail("grantlink_pump_create");
	}
	static uint8_t buf[65536];
	size_t sent = 0, got = 0, held = 0, held_start = 0, echoed = 0;
	int64_t t0 = now_ms();
	for (;;) {
		if (now_ms() - t0 > 60000) {
			errno = ETIMEDOUT;
			fail("pump: sent %zu, got back %zu, echoed %zu", sent, got, echoed);
		}
		bool want_out = guest_side ? sent < PUMP_BYTES : held > 0;
		struct pollfd pfd[3] = {
			{.fd = grantlink_get_fd(link), .events = grantlink_get_events(link)},
			{.fd = sv[0], .events = grantlink_pump_get_stream_events(pump)},
			{.fd = sv[1], .events = POLLIN | (want_out ? POLLOUT : 0)},
		};
		poll(pfd, 3, 100);
		uint32_t events = grantlink_pump_dispatch(pump);
		if (guest_side) {
			while (sent < PUMP_BYTES) {
				uint8_t chunk[4096];
				size_t n = PUMP_BYTES - sent < sizeof(chunk) ? PUMP_BYTES - sent
									     : sizeof(chunk);
				for (size_t i = 0; i < n; i++) {
					chunk[i] = pattern(3, sent + i);
				}
				ssize_t w = write(sv[1], chunk, n);
				if (w <= 0) {
					break;
				}
				sent += (size_t)w;
			}
			ssize_t r;
			while ((r = read(sv[1], buf, sizeof(buf))) > 0) {
				for (ssize_t i = 0; i < r; i++) {
					if (buf[i] != pattern(3, got + (size_t)i)) {
						errno = EBADMSG;
						fail("pump: byte %zu came back wrong",
							got + (size_t)i);
					}
				}
				got += (size_t)r;
			}
			if (got == PUMP_BYTES) {
				break;
			}
		} else {
			for (;;) {
				if (held == 0) {
					ssize_t r = read(sv[1], buf, sizeof(buf));
					if (r <= 0) {
						break;
					}
					held = (size_t)r;
					held_start = 0;
				}
				ssize_t w = write(sv[1], buf + held_start, held);
				if (w <= 0) {
					break;
				}
				held -= (size_t)w;
				held_start += (size_t)w;
				echoed += (size_t)w;
			}
		}
		if (events & GRANTLINK_EVENT_HANGUP) {
			if (guest_side) {
				errno = EPIPE;
				fail("pump: dom0 went away after %zu of %d bytes", got, PUMP_BYTES);
			}
			break;
		}
	}
	if (guest_side) {
		say("pump: %d KiB through the link and back in %" PRId64 " ms", PUMP_BYTES / 1024,
			now_ms() - t0);
	} else {
		say("pump: echoed %zu KiB until the guest closed", echoed / 1024);
		if (echoed != PUMP_BYTES) {
			errno = EPROTO;
			fail("pump: echoed %zu bytes, expected %d", echoed, PUMP_BYTES);
		}
	}
	grantlink_pump_destroy(pump);
	close(sv[0]);
	close(sv[1]);
}

/* --- guest side ----------------------------------------------------------- */

static struct grantlink *guest_connect(struct grantlink_domain *domain, const char *phase)
{
	struct grantlink_link_config config;
	link_config(&config, 0, phase);
	int64_t t0 = now_ms();
	for (int delay = 10;; delay = delay < 200 ? delay * 2 : 200) {
		struct grantlink *link = grantlink_connect(domain, &config);
		if (link) {
			/* A dead or dying dom0 side can still be met (its keys
			 * outlive it): a link counts once dom0 said hello. */
			sticky_events = 0;
			wait_event(
				link, GRANTLINK_EVENT_READABLE | GRANTLINK_EVENT_HANGUP, "hello");
			struct msg_header h;
			if (!(sticky_events & GRANTLINK_EVENT_HANGUP) &&
				grantlink_recv(link, &h, sizeof(h)) == sizeof(h) &&
				h.type == MSG_HELLO && h.len == 0) {
				say("connected to dom0 (%s) after %" PRId64 " ms", phase,
					now_ms() - t0);
				sticky_events = 0;
				return link;
			}
			say("a dom0 side that is gone answered; retrying");
			grantlink_destroy(link);
		}
		if (now_ms() - t0 > 60000) {
			fail("connect %s", phase);
		}
		usleep((useconds_t)delay * 1000);
	}
}

/* Shares NPAGES with notify, fills them with SEED's pattern, sends the
 * pool message. */
static struct grantlink_share *guest_share_pool(struct grantlink_domain *domain,
	struct grantlink *link, uint32_t seed, size_t npages, uint32_t flags)
{
	struct grantlink_share *share = grantlink_share_create(domain, 0, npages, flags);
	if (!share) {
		fail("share %zu pages", npages);
	}
	fill_pool(grantlink_share_get_data(share), npages, seed);
	if (!grantlink_share_set_notify(share, link)) {
		fail("set notify on the share");
	}
	uint32_t *payload = malloc((2 + npages) * sizeof(uint32_t));
	if (!payload) {
		fail("malloc");
	}
	payload[0] = seed;
	payload[1] = (uint32_t)npages;
	memcpy(payload + 2, grantlink_share_get_refs(share), npages * sizeof(uint32_t));
	send_msg(link, MSG_POOL, payload, (uint32_t)((2 + npages) * sizeof(uint32_t)));
	free(payload);
	return share;
}

static void guest_cycles(struct grantlink_domain *domain, struct grantlink *link, unsigned n)
{
	int64_t t0 = now_ms();
	unsigned before = notifies;
	for (unsigned i = 0; i < n; i++) {
		/* the first pool is a whole 1080p frame buffer */
		size_t npages = i == 0 ? FRAME_POOL_PAGES : POOL_PAGES;
		struct grantlink_share *share = guest_share_pool(domain, link, i + 1, npages, 0);
		expect_msg(link, MSG_MAPPED);
		grantlink_share_retire(share);
		send_msg(link, MSG_DESTROY, NULL, 0);
		expect_msg(link, MSG_UNMAPPED);
		/* dom0's unmap of the whole pool fires its notify toward us */
		wait_event(link, GRANTLINK_EVENT_NOTIFY, "dom0's unmap notify");
		take_event(GRANTLINK_EVENT_NOTIFY);
		grantlink_share_destroy(share);
	}
	say("%u cycles (one of %d pages, then %d pages each): share -> map -> destroy -> "
	    "unmapped -> notify -> unshare in %" PRId64 " ms, %u notifies",
		n, FRAME_POOL_PAGES, POOL_PAGES, now_ms() - t0, notifies - before);
	if (notifies - before != n) {
		errno = EPROTO;
		fail("%u notifies for %u unmaps", notifies - before, n);
	}
	t0 = now_ms();
	send_bulk(link, 7);
	recv_bulk(link, 8);
	say("bulk %d KiB each way in %" PRId64 " ms", BULK_BYTES / 1024, now_ms() - t0);
	send_msg(link, MSG_DONE, NULL, 0);
}

/* The guest's half of the export phase: a writable pool dom0's receiver
 * writes into, then a read-only one it cannot map read-write. Unshared only
 * once dom0 says the export was released: nothing may be deferred. */
static void guest_export(struct grantlink_domain *domain, struct grantlink *link)
{
	struct grantlink_share *share =
		guest_share_pool(domain, link, 21, FRAME_POOL_PAGES, GRANTLINK_SHARE_WRITABLE);
	expect_msg(link, MSG_MAPPED);
	const uint64_t *w = grantlink_share_get_data(share);
	if (w[1] != EXPORT_MARKER || w[0] != word_pattern(21, 0) || w[2] != word_pattern(21, 2)) {
		errno = EBADMSG;
		fail("the receiver's write is not in the pool (word 1: %#" PRIx64 ")", w[1]);
	}
	say("dom0's receiver process wrote into the writable pool; seen here");
	send_msg(link, MSG_DESTROY, NULL, 0);
	expect_msg(link, MSG_UNMAPPED);
	grantlink_share_destroy(share);

	share = guest_share_pool(domain, link, 22, POOL_PAGES, 0);
	expect_msg(link, MSG_UNMAPPED);
	grantlink_share_destroy(share);
	say("both pools unshared after dom0's export was released");
	send_msg(link, MSG_DONE, NULL, 0);
}

static int guest(const char *phase, unsigned n)
{
	struct grantlink_domain *domain = open_domain();
	say("domain %u, phase %s", grantlink_domain_get_domid(domain), phase);
	struct grantlink *link = guest_connect(domain, phase);

	if (!strcmp(phase, "cycle")) {
		guest_cycles(domain, link, n);
	} else if (!strcmp(phase, "pump")) {
		pump_run(link, true);
	} else if (!strcmp(phase, "export")) {
		guest_export(domain, link);
	} else if (!strcmp(phase, "defer")) {
		struct grantlink_share *share = guest_share_pool(domain, link, 5, POOL_PAGES, 0);
		expect_msg(link, MSG_MAPPED);
		grantlink_share_destroy(share); /* while dom0 maps it */
		send_msg(link, MSG_DESTROY, NULL, 0);
		expect_msg(link, MSG_UNMAPPED);
		say("unshared %d pages while dom0 mapped them, then dom0 unmapped", POOL_PAGES);
		send_msg(link, MSG_DONE, NULL, 0);
	} else if (!strcmp(phase, "kill-guest")) {
		guest_share_pool(domain, link, 99, POOL_PAGES, 0);
		expect_msg(link, MSG_MAPPED);
		say("READY: pool mapped by dom0, waiting to be killed");
		for (;;) {
			pause();
		}
	} else if (!strcmp(phase, "kill-host")) {
		struct grantlink_share *share = guest_share_pool(domain, link, 42, POOL_PAGES, 0);
		expect_msg(link, MSG_MAPPED);
		check_no_notify(link, "after dom0 mapped the pool");
		say("READY: pool mapped by dom0, waiting for dom0 to die");
		wait_event(link, GRANTLINK_EVENT_NOTIFY, "notify of dom0's death");
		int64_t t0 = now_ms();
		take_event(GRANTLINK_EVENT_NOTIFY);
		grantlink_share_destroy(share);
		grantlink_destroy(link);
		say("dom0 died: notify received, pool unshared, link closed");
		check_counters(domain, "after dom0's death");
		link = guest_connect(domain, phase);
		say("reconnected to the restarted dom0 in %" PRId64 " ms", now_ms() - t0);
		guest_cycles(domain, link, n);
	} else {
		fail("unknown phase %s", phase);
	}
	grantlink_destroy(link);
	check_counters(domain, "at the end");
	if (grant_vmas() != 0) {
		errno = EBUSY;
		fail("%d grant mappings left in this process", grant_vmas());
	}
	grantlink_domain_destroy(domain);
	say("PASS %s", phase);
	return 0;
}

/* --- dom0 side ------------------------------------------------------------ */

static struct grantlink *host_accept(struct grantlink_domain *domain, uint16_t guest,
	const char *phase, struct grantlink_listener **out)
{
	struct grantlink_link_config config;
	link_config(&config, guest, phase);
	struct grantlink_listener *listener = grantlink_listen(domain, &config);
	if (!listener) {
		fail("listen at %s", config.path);
	}
	say("listening at %s for domain %u", config.path, guest);
	int64_t deadline = now_ms() + 60000;
	for (;;) {
		struct grantlink *link = grantlink_listener_accept(listener);
		if (link) {
			*out = listener;
			sticky_events = 0;
			send_msg(link, MSG_HELLO, NULL, 0);
			return link;
		}
		if (errno != EAGAIN) {
			fail("accept");
		}
		if (now_ms() > deadline) {
			fail("no guest came");
		}
		struct pollfd pfd = {.fd = grantlink_listener_get_fd(listener), .events = POLLIN};
		poll(&pfd, 1, 200);
	}
}

/* A pool message's payload: seed, npages, refs[npages]. Sanitized: the
 * guest is not trusted. */
static void check_pool_msg(const uint32_t *payload, uint32_t len)
{
	if (len < 8 || payload[1] == 0 || payload[1] > 4096 || len != 8 + payload[1] * 4) {
		errno = EPROTO;
		fail("bad pool message (%u bytes)", len);
	}
}

/* Maps all of a pool message's refs read-only with notify, checks the
 * pattern, answers "mapped". With TRY_WRITABLE, first checks that a
 * writable map of the read-only pool is refused. */
static struct grantlink_mapping *host_map_pool(
	struct grantlink *link, const uint32_t *payload, uint32_t len, bool try_writable)
{
	check_pool_msg(payload, len);
	uint32_t seed = payload[0], npages = payload[1];
	if (try_writable) {
		struct grantlink_mapping *w =
			grantlink_map(link, payload + 2, npages, GRANTLINK_MAP_WRITABLE);
		if (w) {
			errno = EPERM;
			fail("a read-only pool was mapped writable");
		}
		say("writable map of the read-only pool refused (%s)", strerror(errno));
	}
	struct grantlink_mapping *mapping =
		grantlink_map(link, payload + 2, npages, GRANTLINK_MAP_NOTIFY);
	if (!mapping) {
		fail("map %u pages with notify", npages);
	}
	size_t bad = check_pool(grantlink_mapping_get_data(mapping), npages, seed);
	if (bad != SIZE_MAX) {
		errno = EBADMSG;
		fail("pool %u differs at byte %zu", seed, bad * 8);
	}
	send_msg(link, MSG_MAPPED, NULL, 0);
	return mapping;
}

static struct grantlink_mapping *host_recv_pool(struct grantlink *link)
{
	uint32_t len;
	uint32_t *payload = recv_msg(link, MSG_POOL, &len);
	struct grantlink_mapping *mapping = host_map_pool(link, payload, len, false);
	free(payload);
	return mapping;
}

/* --- export: dom0 hands the guest's pages to another process --------------- */

struct receiver_report {
	char code; /* 'M' mapped and checked, 'E' mmap refused, 'u' unmapped */
	int err;
};

static void report_to(int sock, char code, int err)
{
	struct receiver_report r = {.code = code, .err = err};
	if (write(sock, &r, sizeof(r)) != sizeof(r)) {
		fail("report to dom0's side");
	}
}

/* The receiver (dom0's compositor in the bridge): knows only the fd and
 * the pool size, maps it as libwayland's wl_shm does (read-write, shared,
 * offset 0) and closes the fd at once. The fd is a reference to the same
 * open file as one sent with SCM_RIGHTS would be. */
static int receiver(size_t npages, uint32_t seed)
{
	const int sock = 3, fd = 4;
	size_t size = npages * GRANTLINK_PAGE_SIZE;
	int64_t t0 = now_ms();
	uint64_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = errno;
	int64_t took = now_ms() - t0;
	close(fd);
	if (p == MAP_FAILED) {
		say("read-write mmap of %zu pages refused: %s", npages, strerror(err));
		report_to(sock, 'E', err);
		return 0;
	}
	size_t bad = check_pool(p, npages, seed);
	if (bad != SIZE_MAX) {
		errno = EBADMSG;
		fail("pool %u differs at byte %zu", seed, bad * 8);
	}
	p[1] = EXPORT_MARKER;
	say("mapped %zu pages read-write in %" PRId64 " ms, pixels checked, marker written", npages,
		took);
	report_to(sock, 'M', 0);
	char go;
	if (read(sock, &go, 1) != 1) {
		fail("wait for dom0's go");
	}
	munmap(p, size);
	report_to(sock, 'u', 0);
	return 0;
}

/* Spawns the receiver of EXPORT's fd; returns its pid, and a socket to it
 * in SOCK. */
static pid_t spawn_receiver(
	const struct grantlink_export *export, int *sock, uint32_t npages, uint32_t seed)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fail("socketpair");
	}
	char pages_arg[16], seed_arg[16];
	snprintf(pages_arg, sizeof(pages_arg), "%u", npages);
	snprintf(seed_arg, sizeof(seed_arg), "%u", seed);
	char *argv[] = {"xen-link-test", "receiver", pages_arg, seed_arg, NULL};
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
	posix_spawn_file_actions_adddup2(&actions, grantlink_export_get_fd(export), 4);
	pid_t pid;
	/* exec: the other gntdev and evtchn fds of this process are
	 * close-on-exec, so the receiver holds the pool fd only as fd 4 */
	int err = posix_spawn(&pid, "/proc/self/exe", &actions, NULL, argv, NULL);
	posix_spawn_file_actions_destroy(&actions);
	close(sv[1]);
	if (err) {
		errno = err;
		fail("spawn the receiver");
	}
	*sock = sv[0];
	return pid;
}

static struct receiver_report read_report(int sock)
{
	struct receiver_report r;
	if (read(sock, &r, sizeof(r)) != sizeof(r)) {
		errno = EPIPE;
		fail("the receiver died");
	}
	return r;
}

static void reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		fail("the receiver failed (status %#x)", status);
	}
}

static unsigned released;

static void on_released(void *data)
{
	(void)data;
	released++;
}

/* Dispatches the domain until RELEASED reaches EXPECTED; returns the ms. */
static int64_t wait_released(struct grantlink_domain *domain, unsigned expected)
{
	int64_t t0 = now_ms();
	while (released < expected) {
		if (now_ms() - t0 > TIMEOUT_MS) {
			errno = ETIMEDOUT;
			fail("no release within %d ms", TIMEOUT_MS);
		}
		struct pollfd pfd = {.fd = grantlink_domain_get_fd(domain), .events = POLLIN};
		poll(&pfd, 1, 100);
		grantlink_domain_dispatch(domain);
	}
	return now_ms() - t0;
}

/* Receives a pool message and exports its refs: returns the export. */
static struct grantlink_export *host_export_pool(
	struct grantlink *link, uint32_t *seed, uint32_t *npages)
{
	uint32_t len;
	uint32_t *payload = recv_msg(link, MSG_POOL, &len);
	check_pool_msg(payload, len);
	*seed = payload[0];
	*npages = payload[1];
	int64_t t0 = now_ms();
	struct grantlink_export *export = grantlink_export_create(link, payload + 2, *npages);
	if (!export) {
		fail("export %u pages", *npages);
	}
	say("exported %u pages in %" PRId64 " ms (fd %d, offset %zu, size %zu)", *npages,
		now_ms() - t0, grantlink_export_get_fd(export), grantlink_export_get_offset(export),
		grantlink_export_get_size(export));
	free(payload);
	return export;
}

static void host_export(struct grantlink_domain *domain, struct grantlink *link)
{
	struct grantlink_counters c;
	uint32_t seed, npages;
	int sock;

	/* the writable pool: the receiver maps it and writes */
	struct grantlink_export *export = host_export_pool(link, &seed, &npages);
	pid_t pid = spawn_receiver(export, &sock, npages, seed);
	struct receiver_report r = read_report(sock);
	if (r.code != 'M') {
		errno = r.err;
		fail("the receiver could not map the writable pool");
	}
	send_msg(link, MSG_MAPPED, NULL, 0);
	expect_msg(link, MSG_DESTROY);
	grantlink_export_close(export, on_released, NULL);
	/* our fd is gone; the receiver's mapping holds the map: a release now
	 * would come at once (gntdev sends from close when it was the last) */
	struct pollfd pfd = {.fd = grantlink_domain_get_fd(domain), .events = POLLIN};
	poll(&pfd, 1, 500);
	grantlink_domain_dispatch(domain);
	if (released != 0) {
		errno = EPROTO;
		fail("released while the receiver still maps the pool");
	}
	grantlink_domain_get_counters(domain, &c);
	if (c.mapped != npages) {
		errno = EPROTO;
		fail("mapped=%" PRId64 " while the receiver maps %u pages", c.mapped, npages);
	}
	say("export closed while the receiver maps: not released after 500 ms, mapped=%" PRId64,
		c.mapped);
	if (write(sock, "u", 1) != 1) {
		fail("tell the receiver to unmap");
	}
	if (read_report(sock).code != 'u') {
		errno = EPROTO;
		fail("the receiver did not unmap");
	}
	say("released %" PRId64 " ms after the receiver's munmap", wait_released(domain, 1));
	close(sock);
	reap(pid);
	send_msg(link, MSG_UNMAPPED, NULL, 0);

	/* the read-only pool: no read-write mmap, and still a release */
	export = host_export_pool(link, &seed, &npages);
	pid = spawn_receiver(export, &sock, npages, seed);
	r = read_report(sock);
	if (r.code != 'E' || r.err != EINVAL) {
		errno = r.code == 'E' ? r.err : 0;
		fail("the receiver's read-write mmap of a read-only pool: %c", r.code);
	}
	close(sock);
	reap(pid);
	grantlink_export_close(export, on_released, NULL);
	say("read-write mmap of the read-only pool refused (EINVAL); released %" PRId64
	    " ms after close",
		wait_released(domain, 2));
	send_msg(link, MSG_UNMAPPED, NULL, 0);
	expect_msg(link, MSG_DONE);
}

/* Serves the guest's cycles: pools, destroys, bulk, until "done". */
static void host_cycles(struct grantlink *link)
{
	unsigned n = 0;
	for (;;) {
		uint32_t type, len;
		void *payload = recv_any(link, &type, &len);
		if (type == MSG_DONE) {
			free(payload);
			break;
		} else if (type == MSG_POOL) {
			struct grantlink_mapping *mapping =
				host_map_pool(link, payload, len, n == 0);
			expect_msg(link, MSG_DESTROY);
			grantlink_unmap(mapping);
			send_msg(link, MSG_UNMAPPED, NULL, 0);
			n++;
		} else if (type == MSG_BULK) {
			check_bulk(payload, len, 7);
			send_bulk(link, 8);
		} else {
			errno = EPROTO;
			fail("unexpected message %u", type);
		}
		free(payload);
	}
	say("%u pools mapped, checked and unmapped; bulk checked both ways", n);
}

static int host(const char *phase, uint16_t guest, const char *link_name)
{
	struct grantlink_domain *domain = open_domain();
	struct grantlink_listener *listener;
	struct grantlink *link = host_accept(domain, guest, link_name, &listener);
	say("guest %u connected (%s)", guest, phase);

	if (!strcmp(phase, "cycle")) {
		host_cycles(link);
	} else if (!strcmp(phase, "pump")) {
		pump_run(link, false);
	} else if (!strcmp(phase, "export")) {
		host_export(domain, link);
	} else if (!strcmp(phase, "kill-guest")) {
		struct grantlink_mapping *mapping = host_recv_pool(link);
		check_no_notify(link, "after mapping the pool");
		say("READY: pool mapped, waiting for the guest to die");
		wait_event(link, GRANTLINK_EVENT_NOTIFY | GRANTLINK_EVENT_HANGUP,
			"notify of the guest's death");
		int64_t t0 = now_ms();
		bool notified = take_event(GRANTLINK_EVENT_NOTIFY);
		grantlink_unmap(mapping);
		say("guest died: %s, pool unmapped in %" PRId64 " ms",
			notified ? "unmap-notify received" : "hangup only (no notify)",
			now_ms() - t0);
		if (!notified) {
			errno = EPROTO;
			fail("the guest's death came without its unmap-notify");
		}
	} else if (!strcmp(phase, "kill-host")) {
		host_recv_pool(link);
		say("READY: pool mapped, waiting to be killed");
		for (;;) {
			pause();
		}
	} else {
		fail("unknown phase %s", phase);
	}
	grantlink_destroy(link);
	grantlink_listener_destroy(listener);
	check_counters(domain, "at the end");
	if (grant_vmas() != 0) {
		errno = EBUSY;
		fail("%d grant mappings left in this process", grant_vmas());
	}
	grantlink_domain_destroy(domain);
	say("PASS %s", phase);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	grantlink_log_init(GRANTLINK_LOG_INFO, NULL);
	if (argc >= 3 && !strcmp(argv[1], "guest")) {
		role = "guest";
		return guest(argv[2], argc >= 4 ? (unsigned)atoi(argv[3]) : 20);
	}
	if (argc == 4 && !strcmp(argv[1], "receiver")) {
		role = "receiver";
		return receiver((size_t)atoi(argv[2]), (uint32_t)strtoul(argv[3], NULL, 10));
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "host")) {
		role = "dom0";
		return host(argv[2], (uint16_t)atoi(argv[3]), argc == 5 ? argv[4] : argv[2]);
	}
	fprintf(stderr, "usage: xen-link-test guest PHASE [N] | host PHASE GUEST_DOMID [LINK]\n");
	return 2;
}
