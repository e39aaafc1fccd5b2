/*
 * The local backend: a model of a Xen grant table between two processes.
 *
 * Each domain owns three kinds of memfd, all sealed against shrinking and
 * growing so that a peer can trust their size:
 *  - the permit table: one 32-bit entry per ref (valid, writable, grantee
 *    domid), written only by the owner; peers get a read-only fd;
 *  - the page store: page N backs ref N; pages are punched out (zeroed and
 *    freed) when their ref is freed;
 *  - one map-count array per link: the peer increments entry N while it
 *    maps ref N. The owner sums the arrays of all its links.
 *
 * Mapping and revoking race the way they do on Xen, and are settled the
 * same way: the mapper increments the count and then checks the permit; the
 * owner clears the permit and then checks the counts (both sequentially
 * consistent), so at least one of them sees the other. A mapper that sees
 * the permit gone backs out; an owner that sees a count defers the ref.
 *
 * Peer death: each link is a SOCK_SEQPACKET unix socket. A side keeps its
 * socket open for as long as it maps anything through it or may still map,
 * so end-of-file on the socket means the peer maps nothing of ours any more
 * (it let go, or it died and the kernel unmapped for it), and only then are
 * its counts dropped. A link the user destroyed while the peer may still
 * map lingers as an orphan, watched through the domain fd.
 *
 * Refs are handed out first-fit: a share takes the lowest run of
 * consecutive free refs, ascending. This departs on purpose from Linux's
 * free list (LIFO, a share's refs in any order): an export must be one
 * range of the page store (ref N = page N), so a share's refs must be
 * consecutive. Ref 0 is never handed out, freed refs still come back (the
 * lowest first), and the deferred and leak rules are Linux's.
 *
 * Exports: the page store fd itself (read-write, sealed against resizing),
 * dup'ed for another process, with the first ref's page as the offset. It
 * holds the refs' counts as a mapping would, from create until close; the
 * receiver's own mmap is invisible to the model, so released comes from
 * the first domain dispatch after close (an eventfd in the domain fd).
 *
 * This models the rules for tests; it is not a security boundary between
 * the two processes (each can write the other's counts).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "grantlink-private.h"

#define LOCAL_VERSION 1
#define LOCAL_MAX_REFS (1u << 20)

#define PERMIT_VALID (1u << 31)
#define PERMIT_WRITABLE (1u << 30)
#define PERMIT_DOMID_MASK 0xffffu

enum record_type {
	RECORD_HELLO = 1,  /* version, domid, table size; fds: permits, store, counts */
	RECORD_DATA = 2,   /* message bytes */
	RECORD_NOTIFY = 3, /* an unmap-notify */
	RECORD_BYE = 4,    /* the sender closed the link; no more data */
};

struct record_header {
	uint32_t type;
};

struct hello {
	uint32_t type;
	uint32_t version;
	uint32_t domid;
	uint32_t max_refs;
};

#define MAX_DATA_PAYLOAD 32768u
#define MAX_RECORD (sizeof(struct record_header) + MAX_DATA_PAYLOAD)

struct local_domain {
	struct grantlink_domain base;
	uint32_t max_refs;
	int permit_fd;
	int permit_ro_fd; /* handed to peers */
	int store_fd;
	_Atomic uint32_t *permits;

	uint64_t *free_map; /* bit N set: ref N is free */
	uint32_t nfree;

	uint32_t *deferred; /* FIFO ring of refs, capacity max_deferred */
	uint32_t deferred_head, deferred_len;
	int timer_fd;
	bool timer_armed;
	int epoll_fd;                  /* the domain fd: timer, release_fd and orphaned conns */
	int release_fd;                /* an eventfd: exports closed, to be released */
	struct gl_list closed_exports; /* local_export::closed_link */

	struct gl_list conns; /* local_conn::link */
	int64_t leaked, freed;
};

/* One socket to one peer. Held by the user's link and by every mapping made
 * through it; kept as an orphan after both are gone until the peer's EOF. */
struct local_conn {
	struct local_domain *domain;
	struct gl_list link;      /* local_domain::conns */
	struct local_link *owner; /* NULL once the user destroyed the link */
	int nmappings;            /* mappings made through this conn */
	int nnotifiers;           /* shares whose unmap-notify rides on this conn */
	int sock;
	uint16_t peer_domid;
	bool eof;        /* the peer maps nothing of ours any more */
	bool write_shut; /* we map nothing of theirs any more */
	bool in_epoll;
	int notify_pending;

	/* the peer's map counts of our refs (we created it) */
	int counts_fd;
	_Atomic uint32_t *counts;

	/* the peer's grant table, once its hello came */
	bool have_remote;
	uint32_t remote_max_refs;
	const _Atomic uint32_t *remote_permits;
	int remote_store_fd;
	_Atomic uint32_t *remote_counts; /* our counts in the peer's eyes */
};

struct local_link {
	struct grantlink base;
	struct local_conn *conn;
	uint8_t *rx;
	size_t rx_start, rx_len;
	uint8_t *tx;
	size_t tx_start, tx_len;
	size_t cap;
	uint8_t *scratch; /* one record */
	bool want_writable;
	bool hangup;
	bool notify_received;
};

struct local_listener {
	struct grantlink_listener base;
	int fd;
	char *path;
	struct grantlink_link_config config;
};

struct local_share {
	struct grantlink_share base;
	struct local_conn *notify_conn;
};

struct local_mapping {
	struct grantlink_mapping base;
	struct local_conn *conn;
	uint32_t *refs;
	bool notify;
};

struct local_export {
	struct grantlink_export base;
	struct local_conn *conn; /* holding the counts; NULL once closed */
	uint32_t first;
	struct gl_list closed_link; /* local_domain::closed_exports */
};

static struct local_domain *local_domain(struct grantlink_domain *domain)
{
	return (struct local_domain *)domain;
}

static struct local_link *local_link(struct grantlink *link)
{
	return (struct local_link *)link;
}

/* --- memfds ------------------------------------------------------------- */

static int sealed_memfd(const char *name, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		gl_err_errno("memfd_create");
		return -1;
	}
	if (ftruncate(fd, (off_t)size) < 0 ||
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		gl_err_errno("sizing %s", name);
		close(fd);
		return -1;
	}
	return fd;
}

/* A peer's fd is trusted only if it cannot change size under us. */
static bool check_peer_memfd(int fd, size_t size, const char *what)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW)) {
		gl_err("peer's %s is not a memfd sealed against resizing", what);
		return false;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != size) {
		gl_err("peer's %s has the wrong size", what);
		return false;
	}
	return true;
}

static void *map_fd(int fd, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		gl_err_errno("mmap");
		return NULL;
	}
	return p;
}

/* Maps the pages REFS of STORE_FD as one range; consecutive refs are mapped
 * with one call. */
static void *map_pages(int store_fd, const uint32_t *refs, size_t count, int prot)
{
	size_t size = count * GRANTLINK_PAGE_SIZE;
	uint8_t *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		gl_err_errno("reserving %zu pages", count);
		return NULL;
	}
	size_t i = 0;
	while (i < count) {
		size_t run = 1;
		while (i + run < count && refs[i + run] == refs[i] + run) {
			run++;
		}
		void *p = mmap(base + i * GRANTLINK_PAGE_SIZE, run * GRANTLINK_PAGE_SIZE, prot,
			MAP_SHARED | MAP_FIXED, store_fd, (off_t)refs[i] * GRANTLINK_PAGE_SIZE);
		if (p == MAP_FAILED) {
			gl_err_errno("mapping pages");
			munmap(base, size);
			return NULL;
		}
		i += run;
	}
	return base;
}

/* --- records ------------------------------------------------------------ */

static ssize_t send_record(
	int sock, uint32_t type, const void *payload, size_t len, const int *fds, size_t nfds)
{
	struct record_header header = {.type = type};
	struct iovec iov[2] = {
		{.iov_base = &header, .iov_len = sizeof(header)},
		{.iov_base = (void *)payload, .iov_len = len},
	};
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	if (nfds > 0) {
		assert(nfds <= 3);
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* --- conns -------------------------------------------------------------- */

static void conn_drop_counts(struct local_conn *conn)
{
	if (conn->counts) {
		munmap(conn->counts, conn->domain->max_refs * sizeof(uint32_t));
		conn->counts = NULL;
	}
	if (conn->counts_fd >= 0) {
		close(conn->counts_fd);
		conn->counts_fd = -1;
	}
}

static void conn_drop_remote(struct local_conn *conn)
{
	if (!conn->have_remote) {
		return;
	}
	munmap((void *)conn->remote_permits, conn->remote_max_refs * sizeof(uint32_t));
	munmap(conn->remote_counts, conn->remote_max_refs * sizeof(uint32_t));
	close(conn->remote_store_fd);
	conn->have_remote = false;
}

static void conn_free(struct local_conn *conn)
{
	if (conn->in_epoll) {
		epoll_ctl(conn->domain->epoll_fd, EPOLL_CTL_DEL, conn->sock, NULL);
	}
	conn_drop_counts(conn);
	conn_drop_remote(conn);
	close(conn->sock);
	gl_list_remove(&conn->link);
	free(conn);
}

static struct local_conn *conn_create(struct local_domain *domain, int sock, uint16_t peer_domid)
{
	struct local_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		close(sock);
		return NULL;
	}
	conn->domain = domain;
	conn->sock = sock;
	conn->peer_domid = peer_domid;
	conn->counts_fd = sealed_memfd("grantlink-counts", domain->max_refs * sizeof(uint32_t));
	if (conn->counts_fd < 0) {
		goto out_free;
	}
	conn->counts = map_fd(
		conn->counts_fd, domain->max_refs * sizeof(uint32_t), PROT_READ | PROT_WRITE);
	if (!conn->counts) {
		goto out_counts;
	}
	struct hello hello = {
		.type = RECORD_HELLO,
		.version = LOCAL_VERSION,
		.domid = domain->base.domid,
		.max_refs = domain->max_refs,
	};
	int fds[3] = {domain->permit_ro_fd, domain->store_fd, conn->counts_fd};
	/* a fresh socket has room: a hello that does not fit is an error */
	if (send_record(sock, RECORD_HELLO, (const uint8_t *)&hello + sizeof(struct record_header),
		    sizeof(hello) - sizeof(struct record_header), fds, 3) < 0) {
		gl_err_errno("sending hello");
		goto out_counts;
	}
	gl_list_insert(&domain->conns, &conn->link);
	return conn;

out_counts:
	conn_drop_counts(conn);
out_free:
	close(sock);
	free(conn);
	return NULL;
}

static bool conn_flush_notifies(struct local_conn *conn)
{
	while (conn->notify_pending > 0) {
		if (send_record(conn->sock, RECORD_NOTIFY, NULL, 0, NULL, 0) < 0) {
			if (errno == EAGAIN) {
				return false;
			}
			conn->notify_pending = 0; /* the peer is gone: nobody to tell */
			break;
		}
		conn->notify_pending--;
	}
	return true;
}

static void conn_notify(struct local_conn *conn)
{
	conn->notify_pending++;
	conn_flush_notifies(conn);
}

static void conn_watch(struct local_conn *conn)
{
	/* an end-of-file socket stays readable: stop asking once seen */
	struct epoll_event ev = {
		.events = (conn->eof ? 0 : EPOLLIN) | (conn->notify_pending ? EPOLLOUT : 0),
		.data.ptr = conn,
	};
	int op = conn->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(conn->domain->epoll_fd, op, conn->sock, &ev) == 0) {
		conn->in_epoll = true;
	} else {
		gl_err_errno("watching an orphaned link");
	}
}

/* Called whenever the link, a mapping or a share lets go of CONN. */
static void conn_update(struct local_conn *conn)
{
	if (conn->owner) {
		return;
	}
	if (!conn->write_shut && conn->nmappings == 0 && conn->nnotifiers == 0 &&
		conn->notify_pending == 0) {
		/* we will map nothing more: tell the peer by end-of-file */
		conn_drop_remote(conn);
		shutdown(conn->sock, SHUT_WR);
		conn->write_shut = true;
	}
	if (conn->write_shut && conn->eof) {
		conn_free(conn);
		return;
	}
	conn_watch(conn);
}

static void conn_set_eof(struct local_conn *conn)
{
	if (!conn->eof) {
		conn->eof = true;
		conn->notify_pending = 0;
		conn_drop_counts(conn);
	}
}

/* Takes the peer's hello; false if it is unusable. */
static bool conn_take_hello(
	struct local_conn *conn, const uint8_t *payload, size_t len, const int *fds, size_t nfds)
{
	struct hello hello;
	if (conn->have_remote || len != sizeof(hello) - sizeof(struct record_header) || nfds != 3) {
		gl_err("peer sent a malformed hello");
		return false;
	}
	memcpy((uint8_t *)&hello + sizeof(struct record_header), payload, len);
	if (hello.version != LOCAL_VERSION) {
		gl_err("peer speaks version %u, not %u", hello.version, LOCAL_VERSION);
		return false;
	}
	if (hello.domid != conn->peer_domid) {
		gl_err("peer is domain %u, expected %u", hello.domid, conn->peer_domid);
		return false;
	}
	if (hello.max_refs == 0 || hello.max_refs > LOCAL_MAX_REFS) {
		gl_err("peer's grant table size %u is out of range", hello.max_refs);
		return false;
	}
	size_t table_size = hello.max_refs * sizeof(uint32_t);
	if (!check_peer_memfd(fds[0], table_size, "permit table") ||
		!check_peer_memfd(
			fds[1], (size_t)hello.max_refs * GRANTLINK_PAGE_SIZE, "page store") ||
		!check_peer_memfd(fds[2], table_size, "map counts")) {
		return false;
	}
	const _Atomic uint32_t *permits = map_fd(fds[0], table_size, PROT_READ);
	_Atomic uint32_t *counts = map_fd(fds[2], table_size, PROT_READ | PROT_WRITE);
	if (!permits || !counts) {
		if (permits) {
			munmap((void *)permits, table_size);
		}
		if (counts) {
			munmap(counts, table_size);
		}
		return false;
	}
	conn->remote_max_refs = hello.max_refs;
	conn->remote_permits = permits;
	conn->remote_counts = counts;
	conn->remote_store_fd = fcntl(fds[1], F_DUPFD_CLOEXEC, 0);
	if (conn->remote_store_fd < 0) {
		munmap((void *)permits, table_size);
		munmap(counts, table_size);
		return false;
	}
	conn->have_remote = true;
	return true;
}

/* Reads one record into BUF (at least MAX_RECORD bytes). Returns its length,
 * 0 at end-of-file, -1 with errno. Received fds land in FDS. */
static ssize_t recv_record(int sock, uint8_t *buf, int fds[3], size_t *nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = MAX_RECORD};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	*nfds = 0;
	if (n < 0) {
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *in = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < count; i++) {
			if (*nfds < 3) {
				fds[(*nfds)++] = in[i];
			} else {
				close(in[i]);
			}
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; i < *nfds; i++) {
			close(fds[i]);
		}
		*nfds = 0;
		errno = EPROTO;
		return -1;
	}
	if (n == 0) {
		return 0;
	}
	if ((size_t)n < sizeof(struct record_header)) {
		errno = EPROTO;
		return -1;
	}
	return n;
}

static void close_fds(const int *fds, size_t nfds)
{
	for (size_t i = 0; i < nfds; i++) {
		close(fds[i]);
	}
}

/* An orphan only waits for end-of-file and flushes notifies. */
static void conn_dispatch_orphan(struct local_conn *conn, uint32_t events)
{
	if (events & EPOLLOUT) {
		conn_flush_notifies(conn);
	}
	uint8_t buf[MAX_RECORD];
	while (!conn->eof) {
		int fds[3];
		size_t nfds;
		ssize_t n = recv_record(conn->sock, buf, fds, &nfds);
		close_fds(fds, nfds);
		if (n < 0 && errno == EAGAIN) {
			break;
		}
		if (n <= 0) {
			conn_set_eof(conn);
		}
	}
	conn_update(conn);
}

/* --- domain ------------------------------------------------------------- */

static void set_ref_free(struct local_domain *domain, uint32_t ref, bool free)
{
	uint64_t bit = UINT64_C(1) << (ref % 64);
	if (free) {
		domain->free_map[ref / 64] |= bit;
		domain->nfree++;
	} else {
		domain->free_map[ref / 64] &= ~bit;
		domain->nfree--;
	}
}

/* The first of the lowest run of NPAGES free refs; 0 (never handed out)
 * when there is none. */
static uint32_t find_free_run(const struct local_domain *domain, size_t npages)
{
	size_t run = 0;
	uint32_t ref = 1;
	while (ref < domain->max_refs) {
		uint64_t word = domain->free_map[ref / 64];
		if (ref % 64 == 0 && word == 0) {
			run = 0;
			ref += 64;
			continue;
		}
		if (ref % 64 == 0 && word == UINT64_MAX && run + 64 < npages) {
			run += 64;
			ref += 64;
			continue;
		}
		if ((word >> (ref % 64)) & 1) {
			if (++run == npages) {
				return ref + 1 - (uint32_t)npages;
			}
		} else {
			run = 0;
		}
		ref++;
	}
	return 0;
}

static void free_ref(struct local_domain *domain, uint32_t ref)
{
	fallocate(domain->store_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		(off_t)ref * GRANTLINK_PAGE_SIZE, GRANTLINK_PAGE_SIZE);
	set_ref_free(domain, ref, true);
	domain->freed++;
}

static bool ref_in_use(struct local_domain *domain, uint32_t ref)
{
	struct local_conn *conn;
	gl_list_for_each(conn, &domain->conns, link)
	{
		if (conn->counts && atomic_load(&conn->counts[ref]) > 0) {
			return true;
		}
	}
	return false;
}

static void arm_timer(struct local_domain *domain, bool on)
{
	if (domain->timer_armed == on) {
		return;
	}
	uint32_t ms = domain->base.config.reclaim_interval_ms;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	struct itimerspec its = {0};
	if (on) {
		its.it_value = ts;
		its.it_interval = ts;
	}
	if (timerfd_settime(domain->timer_fd, 0, &its, NULL) == 0) {
		domain->timer_armed = on;
	} else {
		gl_err_errno("timerfd_settime");
	}
}

/* Ends foreign access to REF: revoke /then/ look for mappings. */
static void end_access(struct local_domain *domain, uint32_t ref)
{
	atomic_store(&domain->permits[ref], 0);
	if (!ref_in_use(domain, ref)) {
		free_ref(domain, ref);
		return;
	}
	uint32_t cap = domain->base.config.max_deferred;
	if (domain->deferred_len >= cap) {
		/* nowhere to remember it: the page and the ref are lost for good */
		if (domain->leaked == 0) {
			gl_err("deferred list full (%u): leaking ref %u", cap, ref);
		}
		domain->leaked++;
		return;
	}
	gl_debug("deferring ref %u", ref);
	domain->deferred[(domain->deferred_head + domain->deferred_len) % cap] = ref;
	domain->deferred_len++;
	arm_timer(domain, true);
}

/* One pass over the deferred list, as Linux's gnttab_handle_deferred: at
 * most free_per_iteration entries looked at (0: no limit), still-mapped ones
 * go to the tail, and the pass ends when it meets the first of those again. */
static size_t reclaim(struct local_domain *domain)
{
	uint32_t cap = domain->base.config.max_deferred;
	uint32_t limit = domain->base.config.free_per_iteration;
	uint32_t examined = 0;
	size_t freed = 0;
	bool have_first = false;
	uint32_t first = 0;
	while (domain->deferred_len > 0 && (limit == 0 || examined < limit)) {
		uint32_t ref = domain->deferred[domain->deferred_head];
		if (have_first && ref == first) {
			break;
		}
		domain->deferred_head = (domain->deferred_head + 1) % cap;
		domain->deferred_len--;
		examined++;
		if (!ref_in_use(domain, ref)) {
			free_ref(domain, ref);
			freed++;
			continue;
		}
		if (!have_first) {
			have_first = true;
			first = ref;
		}
		domain->deferred[(domain->deferred_head + domain->deferred_len) % cap] = ref;
		domain->deferred_len++;
	}
	if (domain->deferred_len == 0) {
		arm_timer(domain, false);
	}
	return freed;
}

/* Calls the released callbacks of the exports closed so far; those the
 * callbacks close go too. */
static void release_closed_exports(struct local_domain *domain)
{
	uint64_t count;
	if (read(domain->release_fd, &count, sizeof(count)) < 0) {
		/* nothing signalled: the list says what to do */
	}
	while (!gl_list_empty(&domain->closed_exports)) {
		struct local_export *export =
			gl_container_of(domain->closed_exports.next, export, closed_link);
		gl_export_release(&export->base);
	}
}

static size_t local_domain_dispatch(struct grantlink_domain *base)
{
	struct local_domain *domain = local_domain(base);
	struct epoll_event evs[16];
	size_t freed = 0;
	int n = epoll_wait(domain->epoll_fd, evs, 16, 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == NULL) {
			uint64_t ticks;
			if (read(domain->timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				freed += reclaim(domain);
			}
		} else if (evs[i].data.ptr == domain) {
			release_closed_exports(domain);
		} else {
			conn_dispatch_orphan(evs[i].data.ptr, evs[i].events);
		}
	}
	return freed;
}

static int local_domain_get_fd(struct grantlink_domain *base)
{
	return local_domain(base)->epoll_fd;
}

static void local_domain_get_counters(
	struct grantlink_domain *base, struct grantlink_counters *counters)
{
	struct local_domain *domain = local_domain(base);
	struct grantlink_share *share;
	counters->peer_mapped = 0;
	gl_list_for_each(share, &base->shares, link)
	{
		counters->peer_mapped += share->impl->share_get_peer_mapped(share);
	}
	counters->deferred = domain->deferred_len;
	counters->leaked = domain->leaked;
	counters->freed = domain->freed;
}

static void local_domain_destroy(struct grantlink_domain *base)
{
	struct local_domain *domain = local_domain(base);
	if (domain->deferred_len > 0) {
		gl_err("%u pages still mapped by a peer at exit: leaked", domain->deferred_len);
	}
	while (!gl_list_empty(&domain->conns)) {
		struct local_conn *conn = gl_container_of(domain->conns.next, conn, link);
		if (conn->owner) {
			gl_err("a link outlives its domain");
			conn->owner->conn = NULL;
		}
		conn_free(conn);
	}
	munmap(domain->permits, domain->max_refs * sizeof(uint32_t));
	close(domain->permit_fd);
	close(domain->permit_ro_fd);
	close(domain->store_fd);
	close(domain->timer_fd);
	close(domain->release_fd);
	close(domain->epoll_fd);
	free(domain->free_map);
	free(domain->deferred);
	free(domain);
}

static struct grantlink_domain *local_domain_create(const struct grantlink_domain_config *config)
{
	if (config->max_refs > LOCAL_MAX_REFS) {
		gl_err("grant table size %u over the limit %u", config->max_refs, LOCAL_MAX_REFS);
		errno = EINVAL;
		return NULL;
	}
	struct local_domain *domain = calloc(1, sizeof(*domain));
	if (!domain) {
		return NULL;
	}
	domain->base.domid = config->domid;
	domain->max_refs = config->max_refs;
	gl_list_init(&domain->conns);
	gl_list_init(&domain->closed_exports);
	domain->timer_fd = -1;
	domain->release_fd = -1;
	domain->epoll_fd = -1;
	domain->free_map = calloc((config->max_refs + 63) / 64, sizeof(uint64_t));
	domain->deferred = calloc(config->max_deferred, sizeof(uint32_t));
	if (!domain->free_map || !domain->deferred) {
		goto out_free;
	}
	/* ref 0 is never handed out, as on Xen where the first refs are
	 * reserved; a fresh table hands out 1, 2, 3... */
	for (uint32_t ref = 1; ref < config->max_refs; ref++) {
		set_ref_free(domain, ref, true);
	}
	size_t table_size = config->max_refs * sizeof(uint32_t);
	domain->permit_fd = sealed_memfd("grantlink-permits", table_size);
	if (domain->permit_fd < 0) {
		goto out_free;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", domain->permit_fd);
	domain->permit_ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (domain->permit_ro_fd < 0) {
		gl_err_errno("reopening the permit table read-only");
		goto out_permit;
	}
	domain->store_fd =
		sealed_memfd("grantlink-pages", (size_t)config->max_refs * GRANTLINK_PAGE_SIZE);
	if (domain->store_fd < 0) {
		goto out_permit_ro;
	}
	domain->permits = map_fd(domain->permit_fd, table_size, PROT_READ | PROT_WRITE);
	if (!domain->permits) {
		goto out_store;
	}
	domain->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	domain->release_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	domain->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event timer_ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct epoll_event release_ev = {.events = EPOLLIN, .data.ptr = domain};
	if (domain->timer_fd < 0 || domain->release_fd < 0 || domain->epoll_fd < 0 ||
		epoll_ctl(domain->epoll_fd, EPOLL_CTL_ADD, domain->timer_fd, &timer_ev) < 0 ||
		epoll_ctl(domain->epoll_fd, EPOLL_CTL_ADD, domain->release_fd, &release_ev) < 0) {
		gl_err_errno("creating the domain fd");
		goto out_timer;
	}
	return &domain->base;

out_timer:
	if (domain->timer_fd >= 0) {
		close(domain->timer_fd);
	}
	if (domain->release_fd >= 0) {
		close(domain->release_fd);
	}
	if (domain->epoll_fd >= 0) {
		close(domain->epoll_fd);
	}
	munmap(domain->permits, table_size);
out_store:
	close(domain->store_fd);
out_permit_ro:
	close(domain->permit_ro_fd);
out_permit:
	close(domain->permit_fd);
out_free:
	free(domain->free_map);
	free(domain->deferred);
	free(domain);
	return NULL;
}

/* --- links -------------------------------------------------------------- */

static void flush_tx(struct local_link *link);

static struct grantlink *link_create(
	struct local_domain *domain, int sock, const struct grantlink_link_config *config)
{
	struct local_link *link = calloc(1, sizeof(*link));
	if (!link) {
		close(sock);
		return NULL;
	}
	gl_link_init(&link->base, &domain->base, config);
	link->cap = link->base.ring_size < 2 * MAX_RECORD ? 2 * MAX_RECORD : link->base.ring_size;
	link->rx = malloc(link->cap);
	link->tx = malloc(link->cap);
	link->scratch = malloc(MAX_RECORD);
	if (!link->rx || !link->tx || !link->scratch) {
		goto out_free;
	}
	link->conn = conn_create(domain, sock, config->peer_domid);
	if (!link->conn) {
		goto out_free;
	}
	link->conn->owner = link;
	return &link->base;

out_free:
	free(link->rx);
	free(link->tx);
	free(link->scratch);
	free(link);
	return NULL;
}

static void local_link_destroy(struct grantlink *base)
{
	struct local_link *link = local_link(base);
	struct local_conn *conn = link->conn;
	if (conn) {
		if (!conn->eof && !link->hangup) {
			flush_tx(link);
			send_record(conn->sock, RECORD_BYE, NULL, 0, NULL, 0);
		}
		conn->owner = NULL;
		conn_update(conn);
	}
	free(link->rx);
	free(link->tx);
	free(link->scratch);
	free(link);
}

static int local_link_get_fd(struct grantlink *base)
{
	struct local_link *link = local_link(base);
	return link->conn ? link->conn->sock : -1;
}

static size_t rx_space(const struct local_link *link)
{
	return link->cap - link->rx_len;
}

static short local_link_get_events(struct grantlink *base)
{
	struct local_link *link = local_link(base);
	if (link->hangup || !link->conn) {
		return 0;
	}
	short events = 0;
	if (rx_space(link) >= MAX_RECORD) {
		events |= POLLIN;
	}
	if (link->tx_len > 0 || link->conn->notify_pending > 0) {
		events |= POLLOUT;
	}
	return events;
}

static void set_hangup(struct local_link *link)
{
	link->hangup = true;
	link->tx_len = 0;
}

static void flush_tx(struct local_link *link)
{
	struct local_conn *conn = link->conn;
	while (link->tx_len > 0 && !link->hangup) {
		size_t chunk = link->tx_len < MAX_DATA_PAYLOAD ? link->tx_len : MAX_DATA_PAYLOAD;
		if (send_record(conn->sock, RECORD_DATA, link->tx + link->tx_start, chunk, NULL,
			    0) < 0) {
			if (errno != EAGAIN) {
				set_hangup(link);
			}
			break;
		}
		link->tx_start += chunk;
		link->tx_len -= chunk;
	}
	if (link->tx_len == 0) {
		link->tx_start = 0;
	}
}

static void rx_append(struct local_link *link, const uint8_t *data, size_t len)
{
	if (link->rx_start + link->rx_len + len > link->cap) {
		memmove(link->rx, link->rx + link->rx_start, link->rx_len);
		link->rx_start = 0;
	}
	memcpy(link->rx + link->rx_start + link->rx_len, data, len);
	link->rx_len += len;
}

static uint32_t local_link_dispatch(struct grantlink *base)
{
	struct local_link *link = local_link(base);
	struct local_conn *conn = link->conn;
	uint32_t events = 0;
	if (!conn || link->hangup) {
		return GRANTLINK_EVENT_HANGUP;
	}
	conn_flush_notifies(conn);
	flush_tx(link);
	uint8_t *buf = link->scratch;
	while (!link->hangup && rx_space(link) >= MAX_RECORD) {
		int fds[3];
		size_t nfds;
		ssize_t n = recv_record(conn->sock, buf, fds, &nfds);
		if (n < 0 && errno == EAGAIN) {
			break;
		}
		if (n <= 0) {
			if (n < 0) {
				gl_err_errno("link to domain %u", base->peer_domid);
			}
			conn_set_eof(conn);
			set_hangup(link);
			break;
		}
		const uint8_t *payload = buf + sizeof(struct record_header);
		size_t len = (size_t)n - sizeof(struct record_header);
		uint32_t type;
		memcpy(&type, buf, sizeof(type));
		bool ok = true;
		if (type == RECORD_HELLO) {
			ok = conn_take_hello(conn, payload, len, fds, nfds);
		} else if (nfds > 0 || !conn->have_remote) {
			gl_err("domain %u sent a record out of order", base->peer_domid);
			ok = false;
		} else if (type == RECORD_DATA && len > 0) {
			rx_append(link, payload, len);
		} else if (type == RECORD_NOTIFY && len == 0) {
			events |= GRANTLINK_EVENT_NOTIFY;
		} else if (type == RECORD_BYE && len == 0) {
			set_hangup(link);
		} else {
			gl_err("domain %u sent a malformed record", base->peer_domid);
			ok = false;
		}
		close_fds(fds, nfds);
		if (!ok) {
			set_hangup(link);
		}
	}
	if (link->rx_len > 0) {
		events |= GRANTLINK_EVENT_READABLE;
	}
	if (link->want_writable && link->tx_len < link->cap && !link->hangup) {
		link->want_writable = false;
		events |= GRANTLINK_EVENT_WRITABLE;
	}
	if (link->hangup) {
		events |= GRANTLINK_EVENT_HANGUP;
	}
	return events;
}

static ssize_t local_link_recv(struct grantlink *base, void *buf, size_t len)
{
	struct local_link *link = local_link(base);
	size_t n = len < link->rx_len ? len : link->rx_len;
	memcpy(buf, link->rx + link->rx_start, n);
	link->rx_start += n;
	link->rx_len -= n;
	if (link->rx_len == 0) {
		link->rx_start = 0;
	}
	return (ssize_t)n;
}

static size_t local_link_send_space(struct grantlink *base)
{
	struct local_link *link = local_link(base);
	return link->hangup ? 0 : link->cap - link->tx_len;
}

static ssize_t local_link_send(struct grantlink *base, const void *buf, size_t len)
{
	struct local_link *link = local_link(base);
	if (link->hangup || !link->conn) {
		errno = EPIPE;
		return -1;
	}
	if (link->tx_start + link->tx_len + len > link->cap) {
		memmove(link->tx, link->tx + link->tx_start, link->tx_len);
		link->tx_start = 0;
	}
	size_t n = len < link->cap - link->tx_len ? len : link->cap - link->tx_len;
	memcpy(link->tx + link->tx_start + link->tx_len, buf, n);
	link->tx_len += n;
	if (n < len) {
		link->want_writable = true;
	}
	flush_tx(link);
	return (ssize_t)n;
}

/* --- listener and connect ----------------------------------------------- */

static bool make_address(const char *path, struct sockaddr_un *addr)
{
	if (strlen(path) >= sizeof(addr->sun_path)) {
		gl_err("socket path too long: %s", path);
		errno = ENAMETOOLONG;
		return false;
	}
	*addr = (struct sockaddr_un){.sun_family = AF_UNIX};
	strcpy(addr->sun_path, path);
	return true;
}

static int seqpacket_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		gl_err_errno("socket");
	}
	return fd;
}

static struct grantlink_listener *local_listen(
	struct grantlink_domain *domain, const struct grantlink_link_config *config)
{
	struct sockaddr_un addr;
	if (!make_address(config->path, &addr)) {
		return NULL;
	}
	int fd = seqpacket_socket();
	if (fd < 0) {
		return NULL;
	}
	/* a socket file nobody answers on is left over from a dead server */
	int probe = seqpacket_socket();
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0 ||
			errno == EAGAIN) {
			gl_err("another process already listens on %s", config->path);
			close(probe);
			close(fd);
			errno = EADDRINUSE;
			return NULL;
		}
		close(probe);
		struct stat st;
		if (lstat(config->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			unlink(config->path);
		}
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0) {
		int err = errno;
		gl_err("cannot listen on %s: %s", config->path, strerror(err));
		close(fd);
		errno = err;
		return NULL;
	}
	struct local_listener *listener = calloc(1, sizeof(*listener));
	if (!listener || !(listener->path = strdup(config->path))) {
		free(listener);
		close(fd);
		unlink(config->path);
		errno = ENOMEM;
		return NULL;
	}
	listener->fd = fd;
	listener->config = *config;
	listener->config.path = listener->path;
	return &listener->base;
}

static void local_listener_destroy(struct grantlink_listener *base)
{
	struct local_listener *listener = (struct local_listener *)base;
	close(listener->fd);
	unlink(listener->path);
	free(listener->path);
	free(listener);
}

static int local_listener_get_fd(struct grantlink_listener *base)
{
	return ((struct local_listener *)base)->fd;
}

static struct grantlink *local_listener_accept(struct grantlink_listener *base)
{
	struct local_listener *listener = (struct local_listener *)base;
	int sock = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (sock < 0) {
		return NULL;
	}
	return link_create(local_domain(base->domain), sock, &listener->config);
}

static struct grantlink *local_connect(
	struct grantlink_domain *domain, const struct grantlink_link_config *config)
{
	struct sockaddr_un addr;
	if (!make_address(config->path, &addr)) {
		return NULL;
	}
	int sock = seqpacket_socket();
	if (sock < 0) {
		return NULL;
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;
		close(sock);
		errno = err;
		return NULL;
	}
	return link_create(local_domain(domain), sock, config);
}

/* --- shares ------------------------------------------------------------- */

static struct grantlink_share *local_share_create(
	struct grantlink_domain *base, uint16_t domid, size_t npages, uint32_t flags)
{
	struct local_domain *domain = local_domain(base);
	uint32_t first = npages <= domain->nfree ? find_free_run(domain, npages) : 0;
	if (first == 0) {
		gl_err("grant table full: %zu consecutive pages asked, %u refs free", npages,
			domain->nfree);
		errno = ENOSPC;
		return NULL;
	}
	struct local_share *share = calloc(1, sizeof(*share));
	uint32_t *refs = calloc(npages, sizeof(uint32_t));
	if (!share || !refs) {
		free(share);
		free(refs);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < npages; i++) {
		refs[i] = first + (uint32_t)i;
	}
	void *data = map_pages(domain->store_fd, refs, npages, PROT_READ | PROT_WRITE);
	if (!data) {
		free(share);
		free(refs);
		return NULL;
	}
	for (size_t i = 0; i < npages; i++) {
		set_ref_free(domain, refs[i], false);
	}
	uint32_t permit =
		PERMIT_VALID | domid | (flags & GRANTLINK_SHARE_WRITABLE ? PERMIT_WRITABLE : 0);
	for (size_t i = 0; i < npages; i++) {
		atomic_store(&domain->permits[refs[i]], permit);
	}
	share->base.refs = refs;
	share->base.data = data;
	return &share->base;
}

static void local_share_destroy(struct grantlink_share *base)
{
	struct local_share *share = (struct local_share *)base;
	struct local_domain *domain = local_domain(base->domain);
	munmap(base->data, base->npages * GRANTLINK_PAGE_SIZE);
	for (size_t i = 0; i < base->npages; i++) {
		end_access(domain, base->refs[i]);
	}
	if (share->notify_conn) {
		struct local_conn *conn = share->notify_conn;
		if (!conn->eof) {
			conn_notify(conn);
		}
		conn->nnotifiers--;
		conn_update(conn);
	}
	free(base->refs);
	free(share);
}

static ssize_t local_share_get_peer_mapped(const struct grantlink_share *base)
{
	struct local_domain *domain = local_domain(base->domain);
	ssize_t n = 0;
	for (size_t i = 0; i < base->npages; i++) {
		n += ref_in_use(domain, base->refs[i]);
	}
	return n;
}

static bool local_share_set_notify(struct grantlink_share *base, struct grantlink *link)
{
	struct local_share *share = (struct local_share *)base;
	struct local_conn *conn = local_link(link)->conn;
	if (!conn) {
		errno = ENOTCONN;
		return false;
	}
	if (share->notify_conn) {
		share->notify_conn->nnotifiers--;
		conn_update(share->notify_conn);
	}
	/* the notify rides on the socket, kept open until the share goes */
	share->notify_conn = conn;
	conn->nnotifiers++;
	return true;
}

/* --- mappings ----------------------------------------------------------- */

static void release_counts(struct local_conn *conn, const uint32_t *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		atomic_fetch_sub(&conn->remote_counts[refs[i]], 1);
	}
}

/* The conn through which LINK maps its peer's refs, after checking that
 * REFS lie in the peer's table; NULL with errno. */
static struct local_conn *mapping_conn(struct local_link *link, const uint32_t *refs, size_t count)
{
	struct local_conn *conn = link->conn;
	if (!conn || !conn->have_remote || link->hangup) {
		errno = ENOTCONN;
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		if (refs[i] == 0 || refs[i] >= conn->remote_max_refs) {
			gl_debug("ref %u out of range", refs[i]);
			errno = EINVAL;
			return NULL;
		}
	}
	return conn;
}

/* Counts REFS as mapped by SELF, all or none: 0, or EPERM for a ref not
 * granted to SELF, EACCES for one granted read-only when WRITABLE. */
static int acquire_counts(
	struct local_conn *conn, const uint32_t *refs, size_t count, uint16_t self, bool writable)
{
	/* count /then/ check the permit: pairs with end_access() */
	for (size_t i = 0; i < count; i++) {
		atomic_fetch_add(&conn->remote_counts[refs[i]], 1);
		uint32_t permit = atomic_load(&conn->remote_permits[refs[i]]);
		int err = 0;
		if (!(permit & PERMIT_VALID) || (permit & PERMIT_DOMID_MASK) != self) {
			err = EPERM;
		} else if (writable && !(permit & PERMIT_WRITABLE)) {
			err = EACCES;
		}
		if (err) {
			gl_debug("ref %u is not granted to domain %u%s", refs[i], self,
				err == EACCES ? " writable" : "");
			release_counts(conn, refs, i + 1);
			return err;
		}
	}
	return 0;
}

static struct grantlink_mapping *local_map(
	struct grantlink *base, const uint32_t *refs, size_t count, uint32_t flags)
{
	struct local_conn *conn = mapping_conn(local_link(base), refs, count);
	if (!conn) {
		return NULL;
	}
	struct local_mapping *mapping = calloc(1, sizeof(*mapping));
	uint32_t *copy = malloc(count * sizeof(uint32_t));
	if (!mapping || !copy) {
		free(mapping);
		free(copy);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(copy, refs, count * sizeof(uint32_t));
	bool writable = flags & GRANTLINK_MAP_WRITABLE;
	if (acquire_counts(conn, copy, count, base->domain->domid, writable) != 0) {
		/* a read-only grant is no grant for a writable map, as on Xen */
		free(copy);
		free(mapping);
		errno = EPERM;
		return NULL;
	}
	void *data = map_pages(
		conn->remote_store_fd, copy, count, PROT_READ | (writable ? PROT_WRITE : 0));
	if (!data) {
		release_counts(conn, copy, count);
		free(copy);
		free(mapping);
		return NULL;
	}
	mapping->base.data = data;
	mapping->conn = conn;
	mapping->refs = copy;
	mapping->notify = flags & GRANTLINK_MAP_NOTIFY;
	conn->nmappings++;
	return &mapping->base;
}

static void local_unmap(struct grantlink_mapping *base)
{
	struct local_mapping *mapping = (struct local_mapping *)base;
	struct local_conn *conn = mapping->conn;
	/* unmap /then/ drop the counts: the owner may free the pages at once */
	munmap(base->data, base->npages * GRANTLINK_PAGE_SIZE);
	release_counts(conn, mapping->refs, base->npages);
	if (mapping->notify && !conn->eof) {
		conn_notify(conn);
	}
	conn->nmappings--;
	free(mapping->refs);
	free(mapping);
	conn_update(conn);
}

/* --- exports ------------------------------------------------------------ */

static struct grantlink_export *local_export_create(
	struct grantlink *base, const uint32_t *refs, size_t count)
{
	struct local_conn *conn = mapping_conn(local_link(base), refs, count);
	if (!conn) {
		return NULL;
	}
	/* one range of the page store: the refs must be consecutive */
	for (size_t i = 1; i < count; i++) {
		if (refs[i] != refs[0] + i) {
			gl_debug("refs %u and %u are not consecutive", refs[i - 1], refs[i]);
			errno = EINVAL;
			return NULL;
		}
	}
	struct local_export *export = calloc(1, sizeof(*export));
	if (!export) {
		errno = ENOMEM;
		return NULL;
	}
	int err = acquire_counts(conn, refs, count, base->domain->domid, true);
	if (err != 0) {
		free(export);
		errno = err;
		return NULL;
	}
	export->base.fd = fcntl(conn->remote_store_fd, F_DUPFD_CLOEXEC, 0);
	if (export->base.fd < 0) {
		err = errno;
		gl_err_errno("duplicating the page store");
		release_counts(conn, refs, count);
		free(export);
		errno = err;
		return NULL;
	}
	export->base.offset = (size_t)refs[0] * GRANTLINK_PAGE_SIZE;
	export->first = refs[0];
	export->conn = conn;
	conn->nmappings++;
	return &export->base;
}

/* Drops what the export holds: its fd and, while open, its counts. */
static void export_let_go(struct local_export *export)
{
	struct local_conn *conn = export->conn;
	if (export->base.fd >= 0) {
		close(export->base.fd);
		export->base.fd = -1;
	}
	if (!conn) {
		return;
	}
	export->conn = NULL;
	for (size_t i = 0; i < export->base.npages; i++) {
		atomic_fetch_sub(&conn->remote_counts[export->first + i], 1);
	}
	conn->nmappings--;
	conn_update(conn);
}

static void local_export_close(struct grantlink_export *base)
{
	struct local_export *export = (struct local_export *)base;
	struct local_domain *domain = local_domain(base->domain);
	export_let_go(export);
	gl_list_insert(domain->closed_exports.prev, &export->closed_link);
	uint64_t one = 1;
	if (write(domain->release_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the fd is readable */
	}
}

static void local_export_free(struct grantlink_export *base)
{
	struct local_export *export = (struct local_export *)base;
	export_let_go(export);
	if (base->closed) {
		gl_list_remove(&export->closed_link);
	}
	free(export);
}

const struct grantlink_impl gl_local_impl = {
	.name = "local",
	.domain_create = local_domain_create,
	.domain_destroy = local_domain_destroy,
	.domain_get_fd = local_domain_get_fd,
	.domain_dispatch = local_domain_dispatch,
	.domain_get_counters = local_domain_get_counters,
	.listen = local_listen,
	.listener_destroy = local_listener_destroy,
	.listener_get_fd = local_listener_get_fd,
	.listener_accept = local_listener_accept,
	.connect = local_connect,
	.link_destroy = local_link_destroy,
	.link_get_fd = local_link_get_fd,
	.link_get_events = local_link_get_events,
	.link_dispatch = local_link_dispatch,
	.link_recv = local_link_recv,
	.link_send = local_link_send,
	.link_send_space = local_link_send_space,
	.share_create = local_share_create,
	.share_destroy = local_share_destroy,
	.share_get_peer_mapped = local_share_get_peer_mapped,
	.share_set_notify = local_share_set_notify,
	.map = local_map,
	.unmap = local_unmap,
	.export_create = local_export_create,
	.export_close = local_export_close,
	.export_free = local_export_free,
};
