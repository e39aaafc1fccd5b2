/*
 * The xen backend: gntalloc through libxengntshr, gntdev through
 * libxengnttab, event channels through libxenevtchn, the message channel
 * through libxenvchan, and xenstore for the rendezvous.
 *
 * The link's xenstore directory is /local/domain/<client>/<path>, in the
 * guest's own tree: one per guest whatever the path (a daemon per guest
 * under dom0's tree would share one directory), and xenstored drops it with
 * the guest. The server (dom0) empties it, owns it with read-only access for
 * the guest (libxenvchan does the same for its keys), so the guest cannot
 * plant keys there, creates the vchan in it and publishes an extra unbound
 * event channel, "notify-port", that carries unmap-notify events both ways.
 * The server reads nothing from there. The link fd is an epoll fd over the
 * vchan's event channel and that one.
 *
 * Unmap-notify on a map: SEND_EVENT is armed on the data mapping itself
 * (IOCTL_GNTDEV_SET_UNMAP_NOTIFY on libxengnttab's gntdev fd), so the event
 * goes out only when gntdev has unmapped every page of it (gntdev holds the
 * map until its asynchronous unmap is done). A second, single-page notify
 * mapping would be released on its own: at process exit gntdev puts the
 * maps in list order, and the notify could leave while the pool's unmap
 * still waits for busy pages.
 *
 * Unmap-notify on a share: gntalloc arms notify per grant and libxengntshr
 * does not tell a share's file offset, so a notifying share carries one
 * extra single-page grant with SEND_EVENT armed. On destroy it goes after
 * the pool; at process exit the kernel releases it with its mapping, which
 * may come first: the peer must expect the pool to be still going away.
 * CLEAR_BYTE is never used (see shared/zero-copy-dom0.md for the Oops it
 * can cause).
 *
 * Xen marks a port pending when it is bound to a remote one (it cannot know
 * whether an event was lost meanwhile); on the notify channel that would
 * read as "the peer let go", so connect swallows it.
 *
 * Exports: a fresh gntdev fd per export (libxengnttab handle), the refs
 * mapped on it by a raw IOCTL_GNTDEV_MAP_GRANT_REF (index 0 on a fresh fd;
 * libxengnttab has no map-without-mmap call) and never mmapped here: a
 * gntdev map can be mmapped once, and that is the receiver's. Release is
 * the kernel's unmap-notify on that map, SEND_EVENT to a loopback event
 * channel pair of this domain on the domain's event channel handle, whose
 * fd is the domain fd: gntdev sends when the map's last user goes (the
 * receiver's munmap, close or death; our fd's close when nobody mapped it;
 * gntdev_put_map in drivers/xen/gntdev.c), which can only come after our
 * close since our fd holds the map. Notify is armed on the port bound with
 * bind_interdomain and heard on its unbound-allocated end, because Xen
 * marks the interdomain-bound end pending at bind: that spurious event
 * lands on a port nobody listens to. Both ports are bound through
 * /dev/xen/evtchn, so gntdev's evtchn_get accepts them and holds them
 * until it has sent.
 *
 * Deferred reclaim is the kernel's; its counters are read from sysfs where
 * the kernel exposes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/sys/gntdev.h>

#include <libxenvchan.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "grantlink-private.h"

struct xen_domain {
	struct grantlink_domain base;
	xengntshr_handle *gntshr;
	xengnttab_handle *gnttab;
	struct xs_handle *xs;
	xenevtchn_handle *evtchn; /* exports' release channels; the domain fd */
};

struct xen_link {
	struct grantlink base;
	struct libxenvchan *vchan;
	xenevtchn_handle *evtchn; /* the notify channel */
	evtchn_port_t notify_port;
	int epoll_fd;
	/* makes epoll_fd readable once more: the vchan's own event may have
	 * been consumed before the user watched epoll_fd (see link_kick) */
	int kick_fd;
	char *notify_key; /* server: the xenstore key it published */
	bool want_writable;
	bool hangup;
};

struct xen_listener {
	struct grantlink_listener base;
	struct xen_link *link; /* waiting for the client */
};

struct xen_share {
	struct grantlink_share base;
	void *notify_page;
};

struct xen_mapping {
	struct grantlink_mapping base;
};

struct xen_export {
	struct grantlink_export base;
	xengnttab_handle *gnttab;   /* holds the map; NULL once closed */
	evtchn_port_t notify_port;  /* gntdev sends on it (bound interdomain) */
	evtchn_port_t release_port; /* ...and it arrives here (bound unbound) */
	bool have_ports;
};

static struct xen_domain *xen_domain(struct grantlink_domain *domain)
{
	return (struct xen_domain *)domain;
}

static struct xen_link *xen_link(struct grantlink *link)
{
	return (struct xen_link *)link;
}

/* --- domain ------------------------------------------------------------- */

static struct grantlink_domain *xen_domain_create(const struct grantlink_domain_config *config)
{
	(void)config;
	struct xen_domain *domain = calloc(1, sizeof(*domain));
	if (!domain) {
		return NULL;
	}
	domain->gntshr = xengntshr_open(NULL, 0);
	if (!domain->gntshr) {
		gl_err_errno("cannot open gntalloc (xengntshr_open)");
		goto out_free;
	}
	domain->gnttab = xengnttab_open(NULL, 0);
	if (!domain->gnttab) {
		gl_err_errno("cannot open gntdev (xengnttab_open)");
		goto out_gntshr;
	}
	domain->evtchn = xenevtchn_open(NULL, 0);
	if (!domain->evtchn) {
		gl_err_errno("cannot open event channels");
		goto out_gnttab;
	}
	/* dispatch reads events until there are none: never block */
	int evtchn_fd = xenevtchn_fd(domain->evtchn);
	int fl = fcntl(evtchn_fd, F_GETFL);
	if (fl < 0 || fcntl(evtchn_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		gl_err_errno("cannot make the event channel fd non-blocking");
		goto out_evtchn;
	}
	domain->xs = xs_open(0);
	if (!domain->xs) {
		gl_err_errno("cannot open xenstore");
		goto out_evtchn;
	}
	unsigned int len;
	char *domid = xs_read(domain->xs, XBT_NULL, "domid", &len);
	if (!domid) {
		gl_err_errno("cannot read this domain's id from xenstore");
		goto out_xs;
	}
	domain->base.domid = (uint16_t)strtoul(domid, NULL, 10);
	free(domid);
	return &domain->base;

out_xs:
	xs_close(domain->xs);
out_evtchn:
	xenevtchn_close(domain->evtchn);
out_gnttab:
	xengnttab_close(domain->gnttab);
out_gntshr:
	xengntshr_close(domain->gntshr);
out_free:
	free(domain);
	return NULL;
}

static void xen_domain_destroy(struct grantlink_domain *base)
{
	struct xen_domain *domain = xen_domain(base);
	xs_close(domain->xs);
	xenevtchn_close(domain->evtchn);
	xengnttab_close(domain->gnttab);
	xengntshr_close(domain->gntshr);
	free(domain);
}

static int xen_domain_get_fd(struct grantlink_domain *base)
{
	return xenevtchn_fd(xen_domain(base)->evtchn);
}

static struct xen_export *export_by_release_port(struct grantlink_domain *base, evtchn_port_t port)
{
	struct grantlink_export *export;
	gl_list_for_each(export, &base->exports, link)
	{
		struct xen_export *xe = (struct xen_export *)export;
		if (xe->have_ports && xe->release_port == port) {
			return xe;
		}
	}
	return NULL;
}

/* Releases the exports whose map the kernel let go of. The reclaim of our
 * shares is the kernel's: no page is freed here. */
static size_t xen_domain_dispatch(struct grantlink_domain *base)
{
	struct xen_domain *domain = xen_domain(base);
	xenevtchn_port_or_error_t port;
	while ((port = xenevtchn_pending(domain->evtchn)) >= 0) {
		struct xen_export *export = export_by_release_port(base, (evtchn_port_t)port);
		if (!export || !export->base.closed) {
			/* Xen's event on a notify port at its bind, or a map some
			 * other holder of our fd unmapped by ioctl before we closed
			 * (never wl_shm): the pages are not ours to call free */
			xenevtchn_unmask(domain->evtchn, (evtchn_port_t)port);
			continue;
		}
		gl_export_release(&export->base);
	}
	if (errno != EAGAIN) {
		gl_err_errno("reading event channels");
	}
	return 0;
}

/* A counter the kernel exposes in sysfs, or -1. */
static int64_t read_sysfs_counter(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	long long value = -1;
	if (fscanf(f, "%lld", &value) != 1) {
		value = -1;
	}
	fclose(f);
	return value;
}

static void xen_domain_get_counters(
	struct grantlink_domain *base, struct grantlink_counters *counters)
{
	(void)base;
	counters->peer_mapped = -1;
	counters->deferred =
		read_sysfs_counter("/sys/module/grant_table/parameters/deferred_count");
	counters->leaked = read_sysfs_counter("/sys/module/grant_table/parameters/leaked_count");
	counters->freed = -1;
}

/* --- links -------------------------------------------------------------- */

static char *link_dir(uint16_t client_domid, const char *path)
{
	char *dir;
	if (asprintf(&dir, "/local/domain/%u/%s", client_domid, path) < 0) {
		return NULL;
	}
	return dir;
}

static bool link_watch(struct xen_link *link)
{
	link->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (link->epoll_fd < 0) {
		return false;
	}
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.u32 = 0;
	if (epoll_ctl(link->epoll_fd, EPOLL_CTL_ADD, libxenvchan_fd_for_select(link->vchan), &ev) <
		0) {
		return false;
	}
	ev.data.u32 = 1;
	if (epoll_ctl(link->epoll_fd, EPOLL_CTL_ADD, xenevtchn_fd(link->evtchn), &ev) < 0) {
		return false;
	}
	link->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.u32 = 2;
	return link->kick_fd >= 0 &&
	       epoll_ctl(link->epoll_fd, EPOLL_CTL_ADD, link->kick_fd, &ev) == 0;
}

/* A link handed to the user may already hold data whose event is gone:
 * the client's first message can arrive with the very event that told
 * accept the client is there, and nothing would wake the user for it. A
 * kick makes the link's fd readable, so the first dispatch looks at the
 * ring. */
static void link_kick(struct xen_link *link)
{
	uint64_t one = 1;
	if (write(link->kick_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the fd is readable */
	}
}

static void xen_link_free(struct xen_link *link)
{
	struct xen_domain *domain = xen_domain(link->base.domain);
	if (link->epoll_fd >= 0) {
		close(link->epoll_fd);
	}
	if (link->kick_fd >= 0) {
		close(link->kick_fd);
	}
	if (link->vchan) {
		libxenvchan_close(link->vchan);
	}
	if (link->evtchn) {
		xenevtchn_close(link->evtchn);
	}
	if (link->notify_key) {
		xs_rm(domain->xs, XBT_NULL, link->notify_key);
		free(link->notify_key);
	}
	free(link);
}

static struct xen_link *link_alloc(
	struct grantlink_domain *domain, const struct grantlink_link_config *config)
{
	struct xen_link *link = calloc(1, sizeof(*link));
	if (!link) {
		return NULL;
	}
	gl_link_init(&link->base, domain, config);
	link->epoll_fd = -1;
	link->kick_fd = -1;
	link->evtchn = xenevtchn_open(NULL, 0);
	if (!link->evtchn) {
		gl_err_errno("cannot open event channels");
		free(link);
		return NULL;
	}
	return link;
}

static struct grantlink_listener *xen_listen(
	struct grantlink_domain *base, const struct grantlink_link_config *config)
{
	struct xen_domain *domain = xen_domain(base);
	struct xen_listener *listener = calloc(1, sizeof(*listener));
	struct xen_link *link = link_alloc(base, config);
	char *dir = link_dir(config->peer_domid, config->path);
	struct xs_permissions perms[2] = {
		{.id = base->domid, .perms = XS_PERM_NONE},
		{.id = config->peer_domid, .perms = XS_PERM_READ},
	};
	if (!listener || !link || !dir) {
		goto out;
	}
	/* A server killed with -9 leaves its keys behind (libxenvchan removes
	 * them only on close): a client must never meet those, they lead to a
	 * dead ring. Start from an empty directory, ours: what we create in
	 * the guest's tree is the guest's unless we say otherwise. */
	xs_rm(domain->xs, XBT_NULL, dir);
	if (!xs_mkdir(domain->xs, XBT_NULL, dir) ||
		!xs_set_permissions(domain->xs, XBT_NULL, dir, perms, 2)) {
		gl_err_errno("cannot make %s", dir);
		goto out;
	}
	link->vchan = libxenvchan_server_init(
		NULL, config->peer_domid, dir, link->base.ring_size, link->base.ring_size);
	if (!link->vchan) {
		gl_err_errno("cannot create the vchan at %s", dir);
		goto out;
	}
	link->vchan->blocking = 0;
	int port = xenevtchn_bind_unbound_port(link->evtchn, config->peer_domid);
	if (port < 0) {
		gl_err_errno("cannot allocate the notify event channel");
		goto out;
	}
	link->notify_port = (evtchn_port_t)port;
	char value[16];
	snprintf(value, sizeof(value), "%d", port);
	if (asprintf(&link->notify_key, "%s/notify-port", dir) < 0) {
		link->notify_key = NULL;
		goto out;
	}
	if (!xs_write(domain->xs, XBT_NULL, link->notify_key, value, strlen(value)) ||
		!xs_set_permissions(domain->xs, XBT_NULL, link->notify_key, perms, 2)) {
		gl_err_errno("cannot publish %s", link->notify_key);
		goto out;
	}
	if (!link_watch(link)) {
		goto out;
	}
	free(dir);
	listener->link = link;
	return &listener->base;

out:
	if (link) {
		xen_link_free(link);
	}
	free(dir);
	free(listener);
	return NULL;
}

static void xen_listener_destroy(struct grantlink_listener *base)
{
	struct xen_listener *listener = (struct xen_listener *)base;
	if (listener->link) {
		xen_link_free(listener->link);
	}
	free(listener);
}

static int xen_listener_get_fd(struct grantlink_listener *base)
{
	struct xen_listener *listener = (struct xen_listener *)base;
	return listener->link ? listener->link->epoll_fd : -1;
}

static struct grantlink *xen_listener_accept(struct grantlink_listener *base)
{
	struct xen_listener *listener = (struct xen_listener *)base;
	struct xen_link *link = listener->link;
	if (!link) {
		errno = EBUSY;
		return NULL;
	}
	/* consume the vchan's event, then look at the ring's state */
	struct pollfd pfd = {.fd = libxenvchan_fd_for_select(link->vchan), .events = POLLIN};
	if (poll(&pfd, 1, 0) == 1) {
		libxenvchan_wait(link->vchan);
	}
	if (libxenvchan_is_open(link->vchan) != 1) {
		errno = EAGAIN;
		return NULL;
	}
	listener->link = NULL;
	link_kick(link);
	return &link->base;
}

/* Swallows the event Xen raises on a freshly bound interdomain port (it
 * always does: evtchn_bind_interdomain sets the local port pending): no
 * share or map exists on the link yet, so it cannot be a real notify. The
 * event is usually in the device's ring when the bind returns; with several
 * vCPUs it may be delivered on another one a moment later, so the first
 * wait is not zero. */
static void drain_bind_event(struct xen_link *link)
{
	struct pollfd pfd = {.fd = xenevtchn_fd(link->evtchn), .events = POLLIN};
	for (int timeout_ms = 1000; poll(&pfd, 1, timeout_ms) == 1; timeout_ms = 0) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(link->evtchn);
		if (port < 0) {
			break;
		}
		xenevtchn_unmask(link->evtchn, (evtchn_port_t)port);
	}
}

static struct grantlink *xen_connect(
	struct grantlink_domain *base, const struct grantlink_link_config *config)
{
	struct xen_domain *domain = xen_domain(base);
	struct xen_link *link = link_alloc(base, config);
	char *dir = link_dir(base->domid, config->path);
	char *key = NULL;
	char *value = NULL;
	if (!link || !dir || asprintf(&key, "%s/notify-port", dir) < 0) {
		key = NULL;
		goto out;
	}
	unsigned int len;
	value = xs_read(domain->xs, XBT_NULL, key, &len);
	if (!value) {
		errno = ENOENT;
		goto out;
	}
	link->vchan = libxenvchan_client_init(NULL, config->peer_domid, dir);
	if (!link->vchan) {
		errno = ECONNREFUSED;
		goto out;
	}
	/* Keys left by a dead server can still lead to its ring (its kernel
	 * keeps pages we mapped until we let go); the server's death cleared
	 * srv_live through the ring's unmap-notify. That is no server. */
	if (libxenvchan_is_open(link->vchan) != 1) {
		errno = ECONNREFUSED;
		goto out;
	}
	link->vchan->blocking = 0;
	int port = xenevtchn_bind_interdomain(
		link->evtchn, config->peer_domid, (evtchn_port_t)strtoul(value, NULL, 10));
	if (port < 0) {
		gl_err_errno("cannot bind the notify event channel");
		goto out;
	}
	link->notify_port = (evtchn_port_t)port;
	drain_bind_event(link);
	if (!link_watch(link)) {
		goto out;
	}
	link_kick(link);
	free(dir);
	free(key);
	free(value);
	return &link->base;

out:;
	int err = errno;
	if (link) {
		xen_link_free(link);
	}
	free(dir);
	free(key);
	free(value);
	errno = err;
	return NULL;
}

static void xen_link_destroy(struct grantlink *base)
{
	xen_link_free(xen_link(base));
}

static int xen_link_get_fd(struct grantlink *base)
{
	return xen_link(base)->epoll_fd;
}

static short xen_link_get_events(struct grantlink *base)
{
	return xen_link(base)->hangup ? 0 : POLLIN;
}

static uint32_t xen_link_dispatch(struct grantlink *base)
{
	struct xen_link *link = xen_link(base);
	uint32_t events = 0;
	struct epoll_event evs[3];
	int n = epoll_wait(link->epoll_fd, evs, 3, 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == 0) {
			libxenvchan_wait(link->vchan);
		} else if (evs[i].data.u32 == 2) {
			uint64_t count;
			if (read(link->kick_fd, &count, sizeof(count)) < 0) {
				/* nothing to clear */
			}
		} else {
			xenevtchn_port_or_error_t port = xenevtchn_pending(link->evtchn);
			if (port >= 0) {
				xenevtchn_unmask(link->evtchn, (evtchn_port_t)port);
				events |= GRANTLINK_EVENT_NOTIFY;
			}
		}
	}
	if (libxenvchan_data_ready(link->vchan) > 0) {
		events |= GRANTLINK_EVENT_READABLE;
	}
	if (link->want_writable && libxenvchan_buffer_space(link->vchan) > 0) {
		link->want_writable = false;
		events |= GRANTLINK_EVENT_WRITABLE;
	}
	if (!libxenvchan_is_open(link->vchan)) {
		link->hangup = true;
	}
	if (link->hangup) {
		events |= GRANTLINK_EVENT_HANGUP;
	}
	return events;
}

static ssize_t xen_link_recv(struct grantlink *base, void *buf, size_t len)
{
	int n = libxenvchan_read(xen_link(base)->vchan, buf, len);
	return n < 0 ? -1 : n;
}

static ssize_t xen_link_send(struct grantlink *base, const void *buf, size_t len)
{
	struct xen_link *link = xen_link(base);
	if (link->hangup) {
		errno = EPIPE;
		return -1;
	}
	int n = libxenvchan_write(link->vchan, buf, len);
	if (n < 0) {
		link->hangup = true;
		errno = EPIPE;
		return -1;
	}
	if ((size_t)n < len) {
		link->want_writable = true;
	}
	return n;
}

static size_t xen_link_send_space(struct grantlink *base)
{
	int n = libxenvchan_buffer_space(xen_link(base)->vchan);
	return n > 0 ? (size_t)n : 0;
}

/* --- shares and mappings ------------------------------------------------ */

static struct grantlink_share *xen_share_create(
	struct grantlink_domain *base, uint16_t domid, size_t npages, uint32_t flags)
{
	struct xen_domain *domain = xen_domain(base);
	struct xen_share *share = calloc(1, sizeof(*share));
	uint32_t *refs = calloc(npages, sizeof(uint32_t));
	if (!share || !refs) {
		goto out;
	}
	void *data = xengntshr_share_pages(
		domain->gntshr, domid, (int)npages, refs, (flags & GRANTLINK_SHARE_WRITABLE) != 0);
	if (!data) {
		if (errno == ENOSPC) {
			gl_err("cannot share %zu pages to domain %u: over gntalloc's limit for "
			       "this domain (/sys/module/xen_gntalloc/parameters/limit)",
				npages, domid);
		} else {
			gl_err_errno("cannot share %zu pages to domain %u", npages, domid);
		}
		goto out;
	}
	share->base.refs = refs;
	share->base.data = data;
	return &share->base;

out:
	free(share);
	free(refs);
	return NULL;
}

static void xen_share_destroy(struct grantlink_share *base)
{
	struct xen_share *share = (struct xen_share *)base;
	struct xen_domain *domain = xen_domain(base->domain);
	xengntshr_unshare(domain->gntshr, base->data, (uint32_t)base->npages);
	if (share->notify_page) {
		xengntshr_unshare(domain->gntshr, share->notify_page, 1);
	}
	free(base->refs);
	free(share);
}

static ssize_t xen_share_get_peer_mapped(const struct grantlink_share *base)
{
	(void)base;
	return -1;
}

static bool xen_share_set_notify(struct grantlink_share *base, struct grantlink *link)
{
	struct xen_share *share = (struct xen_share *)base;
	struct xen_domain *domain = xen_domain(base->domain);
	if (share->notify_page) {
		errno = EBUSY;
		return false;
	}
	uint32_t ref;
	share->notify_page = xengntshr_share_page_notify(
		domain->gntshr, base->domid, &ref, 0, (uint32_t)-1, xen_link(link)->notify_port);
	if (!share->notify_page) {
		gl_err_errno("cannot arm unmap-notify");
		return false;
	}
	return true;
}

/* Arms SEND_EVENT unmap-notify on the gntdev mapping at DATA: the peer's
 * PORT fires once every page of it is unmapped (by us, or at our death). */
static bool arm_map_notify(xengnttab_handle *gnttab, void *data, evtchn_port_t port)
{
	int fd = xengnttab_fd(gnttab);
	struct ioctl_gntdev_get_offset_for_vaddr where = {.vaddr = (uintptr_t)data};
	if (ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &where) < 0) {
		gl_err_errno("cannot find the gntdev offset of a mapping");
		return false;
	}
	struct ioctl_gntdev_unmap_notify notify = {
		.index = where.offset,
		.action = UNMAP_NOTIFY_SEND_EVENT,
		.event_channel_port = port,
	};
	if (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &notify) < 0) {
		gl_err_errno("cannot arm unmap-notify");
		return false;
	}
	return true;
}

static struct grantlink_mapping *xen_map(
	struct grantlink *base, const uint32_t *refs, size_t count, uint32_t flags)
{
	struct xen_domain *domain = xen_domain(base->domain);
	struct xen_link *link = xen_link(base);
	int prot = PROT_READ | (flags & GRANTLINK_MAP_WRITABLE ? PROT_WRITE : 0);
	int err;
	struct xen_mapping *mapping = calloc(1, sizeof(*mapping));
	if (!mapping) {
		return NULL;
	}
	mapping->base.data = xengnttab_map_domain_grant_refs(
		domain->gnttab, (uint32_t)count, base->peer_domid, (uint32_t *)refs, prot);
	if (!mapping->base.data) {
		goto out_free;
	}
	if ((flags & GRANTLINK_MAP_NOTIFY) &&
		!arm_map_notify(domain->gnttab, mapping->base.data, link->notify_port)) {
		goto out_unmap;
	}
	return &mapping->base;

out_unmap:
	err = errno;
	xengnttab_unmap(domain->gnttab, mapping->base.data, (uint32_t)count);
	errno = err;
out_free:
	err = errno;
	free(mapping);
	errno = err;
	return NULL;
}

static void xen_unmap(struct grantlink_mapping *base)
{
	struct xen_domain *domain = xen_domain(base->domain);
	xengnttab_unmap(domain->gnttab, base->data, (uint32_t)base->npages);
	free(base);
}

/* --- exports ------------------------------------------------------------ */

static void export_unbind(struct xen_domain *domain, struct xen_export *export)
{
	if (export->have_ports) {
		xenevtchn_unbind(domain->evtchn, export->release_port);
		xenevtchn_unbind(domain->evtchn, export->notify_port);
		export->have_ports = false;
	}
}

/* A loopback channel in this domain: NOTIFY's events arrive on RELEASE. */
static bool bind_loopback(struct xen_domain *domain, struct xen_export *export)
{
	int release = xenevtchn_bind_unbound_port(domain->evtchn, domain->base.domid);
	if (release < 0) {
		return false;
	}
	int notify = xenevtchn_bind_interdomain(
		domain->evtchn, domain->base.domid, (evtchn_port_t)release);
	if (notify < 0) {
		int err = errno;
		xenevtchn_unbind(domain->evtchn, (evtchn_port_t)release);
		errno = err;
		return false;
	}
	export->release_port = (evtchn_port_t)release;
	export->notify_port = (evtchn_port_t)notify;
	export->have_ports = true;
	return true;
}

static struct grantlink_export *xen_export_create(
	struct grantlink *base, const uint32_t *refs, size_t count)
{
	struct xen_domain *domain = xen_domain(base->domain);
	struct xen_export *export = calloc(1, sizeof(*export));
	struct ioctl_gntdev_map_grant_ref *op =
		malloc(sizeof(*op) + (count - 1) * sizeof(op->refs[0]));
	int err;
	if (!export || !op) {
		err = ENOMEM;
		goto out_free;
	}
	/* a fresh gntdev fd: its first map is at index 0, the offset the
	 * receiver maps at, and the fd is the map's alone to hand out */
	export->gnttab = xengnttab_open(NULL, 0);
	if (!export->gnttab) {
		err = errno;
		gl_err_errno("cannot open gntdev (xengnttab_open)");
		goto out_free;
	}
	op->count = (uint32_t)count;
	op->pad = 0;
	for (size_t i = 0; i < count; i++) {
		op->refs[i].domid = base->peer_domid;
		op->refs[i].ref = refs[i];
	}
	int fd = xengnttab_fd(export->gnttab);
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op) < 0) {
		err = errno;
		gl_err_errno(
			"cannot map %zu refs of domain %u for export", count, base->peer_domid);
		goto out_close;
	}
	if (op->index != 0) {
		gl_err("a fresh gntdev fd mapped at index %llu, not 0",
			(unsigned long long)op->index);
		err = EPROTO;
		goto out_close;
	}
	if (!bind_loopback(domain, export)) {
		err = errno;
		gl_err_errno("cannot bind an export's release channel");
		goto out_close;
	}
	/* SEND_EVENT only: CLEAR_BYTE can Oops the kernel when the receiver
	 * maps read-only (shared/zero-copy-dom0.md) */
	struct ioctl_gntdev_unmap_notify notify = {
		.index = 0,
		.action = UNMAP_NOTIFY_SEND_EVENT,
		.event_channel_port = export->notify_port,
	};
	if (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &notify) < 0) {
		err = errno;
		gl_err_errno("cannot arm an export's unmap-notify");
		goto out_unbind;
	}
	free(op);
	export->base.fd = fd;
	export->base.offset = 0;
	return &export->base;

out_unbind:
	export_unbind(domain, export);
out_close:
	xengnttab_close(export->gnttab);
out_free:
	free(op);
	free(export);
	errno = err;
	return NULL;
}

static void xen_export_close(struct grantlink_export *base)
{
	struct xen_export *export = (struct xen_export *)base;
	/* our fd goes: the map goes with the receiver's last use of it, or
	 * now if it never mapped it, and gntdev sends then */
	xengnttab_close(export->gnttab);
	export->gnttab = NULL;
	base->fd = -1;
}

static void xen_export_free(struct grantlink_export *base)
{
	struct xen_export *export = (struct xen_export *)base;
	xengnttab_close(export->gnttab);
	export_unbind(xen_domain(base->domain), export);
	free(export);
}

const struct grantlink_impl gl_xen_impl = {
	.name = "xen",
	.domain_create = xen_domain_create,
	.domain_destroy = xen_domain_destroy,
	.domain_get_fd = xen_domain_get_fd,
	.domain_dispatch = xen_domain_dispatch,
	.domain_get_counters = xen_domain_get_counters,
	.listen = xen_listen,
	.listener_destroy = xen_listener_destroy,
	.listener_get_fd = xen_listener_get_fd,
	.listener_accept = xen_listener_accept,
	.connect = xen_connect,
	.link_destroy = xen_link_destroy,
	.link_get_fd = xen_link_get_fd,
	.link_get_events = xen_link_get_events,
	.link_dispatch = xen_link_dispatch,
	.link_recv = xen_link_recv,
	.link_send = xen_link_send,
	.link_send_space = xen_link_send_space,
	.share_create = xen_share_create,
	.share_destroy = xen_share_destroy,
	.share_get_peer_mapped = xen_share_get_peer_mapped,
	.share_set_notify = xen_share_set_notify,
	.map = xen_map,
	.unmap = xen_unmap,
	.export_create = xen_export_create,
	.export_close = xen_export_close,
	.export_free = xen_export_free,
};
