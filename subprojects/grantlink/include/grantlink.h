/*
 * grantlink: share pages with another domain, map a peer's pages, learn when
 * either side lets go, and carry messages between the two.
 *
 * Two backends behind one interface:
 *  - xen: libxengntshr (gntalloc), libxengnttab (gntdev), libxenevtchn,
 *    libxenvchan and xenstore, between real Xen domains;
 *  - local: memfd pages and a unix socket between two processes, keeping the
 *    rules of a Xen grant table so that tests without Xen mean something:
 *    refs are small integers re-used after being freed; mapping a ref that
 *    was never shared, was revoked, or was shared to another domain fails;
 *    ending access to a ref that is still mapped parks it on a deferred list
 *    retried on a timer, a tunable number per iteration (as Linux does).
 *
 * Objects:
 *  - struct grantlink_domain: this process's view of the grant system (the
 *    grant table it shares from, the handles it maps with). One per process
 *    and backend; it outlives links, so shares survive a peer's restart.
 *  - struct grantlink: a connection to one peer domain: a bidirectional byte
 *    stream (vchan), unmap-notify events, and the right to map the peer's
 *    grants.
 *  - struct grantlink_share: pages this domain shares to a peer.
 *  - struct grantlink_mapping: a peer's pages mapped here, one contiguous
 *    range.
 *  - struct grantlink_export: a peer's pages handed, unmapped here, to
 *    another process of this domain as an fd it maps itself.
 *
 * Everything is non-blocking and event-loop agnostic: each object with work
 * to do has a pollable fd and a dispatch function.
 *
 * Every destroy function accepts NULL.
 */
#ifndef GRANTLINK_H
#define GRANTLINK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GRANTLINK_PAGE_SIZE 4096u

enum grantlink_backend {
	GRANTLINK_BACKEND_LOCAL,
	GRANTLINK_BACKEND_XEN,
};

/* Returns the backend named NAME ("local" or "xen"); false if unknown or not
 * built in. */
bool grantlink_backend_from_name(const char *name, enum grantlink_backend *out);
const char *grantlink_backend_name(enum grantlink_backend backend);
bool grantlink_backend_available(enum grantlink_backend backend);

enum grantlink_log_level {
	GRANTLINK_LOG_SILENT,
	GRANTLINK_LOG_ERROR,
	GRANTLINK_LOG_INFO,
	GRANTLINK_LOG_DEBUG,
};

typedef void (*grantlink_log_func)(enum grantlink_log_level level, const char *fmt, va_list args);

/* Messages at or below LEVEL go to FUNC (NULL: stderr). Default: errors. */
void grantlink_log_init(enum grantlink_log_level level, grantlink_log_func func);

/* --- Domain ------------------------------------------------------------- */

struct grantlink_domain_config {
	enum grantlink_backend backend;
	/* local: the domain id this process plays (dom0 = 0). xen: ignored,
	 * the real id is read from xenstore. */
	uint16_t domid;
	/* local: grant table size in refs/pages. 0: 131072 (512 MiB). */
	uint32_t max_refs;
	/* local: period of the deferred-reclaim timer. 0: 1000 ms (Linux: HZ). */
	uint32_t reclaim_interval_ms;
	/* local: deferred entries examined per timer tick; 0 means no limit.
	 * Linux's grant_table.free_per_iteration defaults to 10. */
	uint32_t free_per_iteration;
	/* local: deferred entries allowed before further still-mapped pages are
	 * leaked instead (never freed, ref never re-used). 0: 65536. */
	uint32_t max_deferred;
};

/* Sets CONFIG to the defaults of BACKEND. */
void grantlink_domain_config_init(
	struct grantlink_domain_config *config, enum grantlink_backend backend);

struct grantlink_domain *grantlink_domain_create(const struct grantlink_domain_config *config);
/* Shares still alive are unshared; refs still mapped by a peer are counted
 * as leaked (the process is going away with them). */
void grantlink_domain_destroy(struct grantlink_domain *domain);

uint16_t grantlink_domain_get_domid(const struct grantlink_domain *domain);
enum grantlink_backend grantlink_domain_get_backend(const struct grantlink_domain *domain);

/* Readable when deferred-reclaim work is due (local; on xen the kernel does
 * it) or an export was released (both). Call grantlink_domain_dispatch
 * then. An fd on both backends (xen: the event channel fd of exports). */
int grantlink_domain_get_fd(struct grantlink_domain *domain);
/* Runs one reclaim iteration of the deferred list and calls the released
 * callbacks of the exports let go of. Returns the number of pages freed
 * (reclaimed refs of this domain; a released export frees none of ours). */
size_t grantlink_domain_dispatch(struct grantlink_domain *domain);

/* Counters in pages. A value of -1 means the backend cannot tell. */
struct grantlink_counters {
	int64_t shared;         /* shared by this domain now (not counting deferred) */
	int64_t peer_mapped;    /* of the shared pages, mapped by a peer now */
	int64_t awaiting_unmap; /* shared pages retired by their owner, not yet unshared */
	int64_t deferred;       /* access ended while mapped: on the deferred list */
	int64_t leaked;         /* given up for good: never freed, ref never re-used */
	int64_t mapped;         /* peer pages mapped by this domain now, exports
				 * included until released */
	int64_t freed;          /* pages freed back to the grant table since creation */
};

void grantlink_domain_get_counters(
	struct grantlink_domain *domain, struct grantlink_counters *counters);

/* --- Link --------------------------------------------------------------- */

struct grantlink_link_config {
	uint16_t peer_domid;
	/* local: path of the unix socket. xen: xenstore directory of the link,
	 * relative to the client domain's (the guest's) tree, e.g.
	 * "data/wl-grant-bridge" is /local/domain/<guest>/data/wl-grant-bridge. */
	const char *path;
	/* Bytes of message buffering each way (vchan ring size). 0: 65536. */
	size_t ring_size;
};

/* The serving side (dom0) waits for a peer. */
struct grantlink_listener *grantlink_listen(
	struct grantlink_domain *domain, const struct grantlink_link_config *config);
void grantlink_listener_destroy(struct grantlink_listener *listener);
/* Readable when a peer may be waiting. */
int grantlink_listener_get_fd(struct grantlink_listener *listener);
/* Returns the new link, or NULL with errno EAGAIN if no peer came yet (or
 * another errno on failure). Xen: a listener serves one link; make a new
 * listener after it ends. */
struct grantlink *grantlink_listener_accept(struct grantlink_listener *listener);

/* The guest side connects. One try: NULL with errno (ENOENT, ECONNREFUSED,
 * EAGAIN...) when no server is there yet; the caller retries with backoff. */
struct grantlink *grantlink_connect(
	struct grantlink_domain *domain, const struct grantlink_link_config *config);

/* Closes the channel. Mappings made through the link stay valid until
 * unmapped; the peer learns the link is gone only once they are. */
void grantlink_destroy(struct grantlink *link);

uint16_t grantlink_get_peer_domid(const struct grantlink *link);

/* Poll this fd for the events grantlink_get_events() returns. */
int grantlink_get_fd(struct grantlink *link);
short grantlink_get_events(struct grantlink *link);

enum grantlink_event {
	GRANTLINK_EVENT_READABLE = 1 << 0, /* grantlink_recv has bytes */
	GRANTLINK_EVENT_WRITABLE = 1 << 1, /* room again after a short send */
	GRANTLINK_EVENT_NOTIFY = 1 << 2,   /* an unmap-notify from the peer */
	GRANTLINK_EVENT_HANGUP = 1 << 3,   /* the peer is gone; nothing more comes */
};

/* Does the work the fd signalled. Returns a mask of enum grantlink_event.
 * After HANGUP, recv still returns what was received before. */
uint32_t grantlink_dispatch(struct grantlink *link);

/* Copies up to LEN received bytes into BUF. Returns the count, 0 when none
 * is available now, -1 on error. */
ssize_t grantlink_recv(struct grantlink *link, void *buf, size_t len);
/* Queues up to LEN bytes. Returns the count accepted (may be short when the
 * ring is full: wait for WRITABLE), -1 with errno EPIPE once the peer is
 * gone. */
ssize_t grantlink_send(struct grantlink *link, const void *buf, size_t len);
/* Bytes that can be sent now without a short count. */
size_t grantlink_send_space(struct grantlink *link);

/* --- Sharing ------------------------------------------------------------ */

enum grantlink_share_flags {
	GRANTLINK_SHARE_WRITABLE = 1 << 0, /* the peer may map it writable */
};

/* Shares NPAGES fresh zeroed pages to domain DOMID. local: the refs are
 * consecutive and ascending (the lowest free run), so a peer can export
 * them; ENOSPC when no run of NPAGES free refs is left. */
struct grantlink_share *grantlink_share_create(
	struct grantlink_domain *domain, uint16_t domid, size_t npages, uint32_t flags);
/* Ends foreign access. Pages the peer still maps are not freed: they go on
 * the deferred list (their refs revoked at once: a late map fails) and are
 * freed, and their refs re-used, only once the peer has unmapped them. */
void grantlink_share_destroy(struct grantlink_share *share);

const uint32_t *grantlink_share_get_refs(const struct grantlink_share *share);
size_t grantlink_share_get_npages(const struct grantlink_share *share);
void *grantlink_share_get_data(const struct grantlink_share *share);
/* Pages of this share mapped by a peer now; -1 if the backend cannot tell. */
ssize_t grantlink_share_get_peer_mapped(const struct grantlink_share *share);

/* Arms unmap-notify: when the share is destroyed or this process dies, the
 * peer of LINK gets GRANTLINK_EVENT_NOTIFY. */
bool grantlink_share_set_notify(struct grantlink_share *share, struct grantlink *link);

/* The owner asked the peer to let go of the share and waits for its answer:
 * counted as awaiting_unmap until destroyed. */
void grantlink_share_retire(struct grantlink_share *share);

/* --- Mapping ------------------------------------------------------------ */

enum grantlink_map_flags {
	GRANTLINK_MAP_WRITABLE = 1 << 0,
	/* when unmapped, or when this process dies, the peer gets NOTIFY */
	GRANTLINK_MAP_NOTIFY = 1 << 1,
};

/* Maps COUNT refs of the link's peer as one contiguous range, all or none.
 * Fails (NULL, errno) for a ref that is not shared to this domain, was
 * revoked, is out of range, or is read-only when WRITABLE is asked. */
struct grantlink_mapping *grantlink_map(
	struct grantlink *link, const uint32_t *refs, size_t count, uint32_t flags);
void grantlink_unmap(struct grantlink_mapping *mapping);

void *grantlink_mapping_get_data(const struct grantlink_mapping *mapping);
size_t grantlink_mapping_get_size(const struct grantlink_mapping *mapping);

/* --- Export: a peer's pages for another process of this domain ---------- */

/*
 * Zero copy for a third party: dom0's daemon hands a guest's pages to dom0's
 * compositor (as a wl_shm pool fd) without mapping or copying them.
 *
 * xen: the fd is a fresh gntdev fd holding one map of the refs (offset 0),
 * never mmapped here. It can be mmapped ONCE in its lifetime, only
 * MAP_SHARED, only at offset 0 and exactly the export's size (a gntdev map
 * is one range): a second mmap, or a read-write mmap of refs not shared
 * writable, fails with EINVAL and burns the map. Not resizable (mremap
 * fails), not inherited across fork (VM_DONTCOPY), fstat says S_IFCHR of
 * size 0. Xen checks the refs only at the receiver's mmap. Released means
 * the kernel's unmap-notify fired: the last user of the map (the receiver's
 * munmap, close or death, or our close if nobody mapped it) is gone.
 *
 * local: the fd is the peer's page store (a memfd, read-write, sealed
 * against resizing) and the pages lie at a non-zero offset; mapping more of
 * it than the export is possible, and a test's mistake. The model cannot
 * see the receiver's own mmap: the export counts as a mapping of the refs
 * (the sharer's end of access defers them) from create until close, and
 * released fires from the first grantlink_domain_dispatch after close
 * (the domain fd becomes readable), even if the receiver still maps.
 */
struct grantlink_export;

/* Gives an fd in which COUNT refs of LINK's peer lie contiguously, from
 * grantlink_export_get_offset(), for ONE other process of this domain to
 * mmap read-write and MAP_SHARED (dom0's compositor, through wl_shm). Maps
 * nothing in this process. The refs must be shared writable to this domain
 * (checking may be deferred to the receiver's mmap on xen). NULL + errno on
 * failure; local also fails like grantlink_map (EPERM not shared to us,
 * EINVAL out of range), with EACCES for refs shared read-only and with
 * EINVAL unless the refs are consecutive ascending. */
struct grantlink_export *grantlink_export_create(
	struct grantlink *link, const uint32_t *refs, size_t count);
/* Owned by the export; send a copy (SCM_RIGHTS dups it). CLOEXEC. */
int grantlink_export_get_fd(const struct grantlink_export *export);
/* Byte offset of the first page in that fd (xen: always 0). */
size_t grantlink_export_get_offset(const struct grantlink_export *export);
/* COUNT * GRANTLINK_PAGE_SIZE. */
size_t grantlink_export_get_size(const struct grantlink_export *export);
/* This process lets go (closes its fd). RELEASED(DATA) is called later, from
 * grantlink_domain_dispatch(), once no process maps the pages any more;
 * the export is freed right after the call. RELEASED may be NULL. Never
 * called if the domain is destroyed first (the domain frees pending
 * exports silently, and those not closed yet too). The export's link may be
 * destroyed before: the export does not need it. */
void grantlink_export_close(
	struct grantlink_export *export, void (*released)(void *data), void *data);

/* --- Pump --------------------------------------------------------------- */

/*
 * Moves bytes between a link's channel and a local stream socket (one end of
 * a socketpair handed to libwayland), so that a wl_display or wl_display
 * client can run over the link. Bounded buffers: when one side stops
 * reading, the other side stops being read.
 */
struct grantlink_pump *grantlink_pump_create(struct grantlink *link, int stream_fd);
/* Does not close the stream fd or destroy the link. */
void grantlink_pump_destroy(struct grantlink_pump *pump);
/* Poll events wanted on the stream fd (the link's are grantlink_get_events). */
short grantlink_pump_get_stream_events(struct grantlink_pump *pump);
/* Moves what can be moved. Call after either fd was ready (or both). Returns
 * the link events not consumed by the pump (NOTIFY, HANGUP); HANGUP also
 * when the stream side closed or failed. */
uint32_t grantlink_pump_dispatch(struct grantlink_pump *pump);

#endif
