/*
 * The portable core's view of a backend. Backends embed the public structs
 * as their first member and allocate them; the core keeps the counters and
 * lists that do not depend on the backend.
 */
#ifndef GRANTLINK_PRIVATE_H
#define GRANTLINK_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "grantlink.h"

#define GL_ATTRIB_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* A doubly linked list in the style of wl_list. */
struct gl_list {
	struct gl_list *prev, *next;
};

void gl_list_init(struct gl_list *list);
void gl_list_insert(struct gl_list *list, struct gl_list *elm);
void gl_list_remove(struct gl_list *elm);
bool gl_list_empty(const struct gl_list *list);

#define gl_container_of(ptr, sample, member)                                                       \
	((__typeof__(sample))((char *)(ptr)-offsetof(__typeof__(*(sample)), member)))

#define gl_list_for_each(pos, head, member)                                                        \
	for (pos = gl_container_of((head)->next, pos, member); &pos->member != (head);             \
		pos = gl_container_of(pos->member.next, pos, member))

void gl_log(enum grantlink_log_level level, const char *fmt, ...) GL_ATTRIB_PRINTF(2, 3);
#define gl_log_at(level, fmt, ...)                                                                 \
	gl_log(level, "[grantlink %s:%d] " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define gl_err(fmt, ...) gl_log_at(GRANTLINK_LOG_ERROR, fmt, ##__VA_ARGS__)
#define gl_info(fmt, ...) gl_log_at(GRANTLINK_LOG_INFO, fmt, ##__VA_ARGS__)
#define gl_debug(fmt, ...) gl_log_at(GRANTLINK_LOG_DEBUG, fmt, ##__VA_ARGS__)
#define gl_err_errno(fmt, ...) gl_err(fmt ": %s", ##__VA_ARGS__, strerror(errno))

struct grantlink_impl {
	const char *name;

	struct grantlink_domain *(*domain_create)(const struct grantlink_domain_config *config);
	void (*domain_destroy)(struct grantlink_domain *domain);
	int (*domain_get_fd)(struct grantlink_domain *domain);
	size_t (*domain_dispatch)(struct grantlink_domain *domain);
	/* fills peer_mapped, deferred, leaked, freed */
	void (*domain_get_counters)(
		struct grantlink_domain *domain, struct grantlink_counters *counters);

	struct grantlink_listener *(*listen)(
		struct grantlink_domain *domain, const struct grantlink_link_config *config);
	void (*listener_destroy)(struct grantlink_listener *listener);
	int (*listener_get_fd)(struct grantlink_listener *listener);
	struct grantlink *(*listener_accept)(struct grantlink_listener *listener);
	struct grantlink *(*connect)(
		struct grantlink_domain *domain, const struct grantlink_link_config *config);

	void (*link_destroy)(struct grantlink *link);
	int (*link_get_fd)(struct grantlink *link);
	short (*link_get_events)(struct grantlink *link);
	uint32_t (*link_dispatch)(struct grantlink *link);
	ssize_t (*link_recv)(struct grantlink *link, void *buf, size_t len);
	ssize_t (*link_send)(struct grantlink *link, const void *buf, size_t len);
	size_t (*link_send_space)(struct grantlink *link);

	/* share_create fills refs and data */
	struct grantlink_share *(*share_create)(
		struct grantlink_domain *domain, uint16_t domid, size_t npages, uint32_t flags);
	void (*share_destroy)(struct grantlink_share *share);
	ssize_t (*share_get_peer_mapped)(const struct grantlink_share *share);
	bool (*share_set_notify)(struct grantlink_share *share, struct grantlink *link);

	/* map fills data and size */
	struct grantlink_mapping *(*map)(
		struct grantlink *link, const uint32_t *refs, size_t count, uint32_t flags);
	void (*unmap)(struct grantlink_mapping *mapping);

	/* export_create fills fd and offset; export_close closes this
	 * process's fd and arranges for the backend's domain_dispatch to call
	 * gl_export_release() once the pages are let go of; export_free frees
	 * the backend's part of an export in any state, silently */
	struct grantlink_export *(*export_create)(
		struct grantlink *link, const uint32_t *refs, size_t count);
	void (*export_close)(struct grantlink_export *export);
	void (*export_free)(struct grantlink_export *export);
};

struct grantlink_domain {
	const struct grantlink_impl *impl;
	struct grantlink_domain_config config;
	uint16_t domid;
	struct gl_list shares;  /* grantlink_share::link */
	struct gl_list exports; /* grantlink_export::link, open and closed */
	int64_t mapped_pages;
};

struct grantlink_listener {
	const struct grantlink_impl *impl;
	struct grantlink_domain *domain;
};

struct grantlink {
	const struct grantlink_impl *impl;
	struct grantlink_domain *domain;
	uint16_t peer_domid;
	size_t ring_size;
};

struct grantlink_share {
	const struct grantlink_impl *impl;
	struct grantlink_domain *domain;
	struct gl_list link; /* grantlink_domain::shares */
	uint16_t domid;
	uint32_t flags;
	size_t npages;
	uint32_t *refs;
	void *data;
	bool retired;
};

struct grantlink_mapping {
	const struct grantlink_impl *impl;
	struct grantlink_domain *domain;
	size_t npages;
	void *data;
};

struct grantlink_export {
	const struct grantlink_impl *impl;
	struct grantlink_domain *domain;
	struct gl_list link; /* grantlink_domain::exports */
	size_t npages;
	int fd;
	size_t offset;
	bool closed;
	void (*released)(void *data);
	void *data;
};

/* Calls EXPORT's released callback and frees it; the backend's dispatch
 * calls it once the pages are let go of. */
void gl_export_release(struct grantlink_export *export);

/* The core fills the common fields of objects a backend has allocated. */
void gl_link_init(struct grantlink *link, struct grantlink_domain *domain,
	const struct grantlink_link_config *config);

size_t gl_ring_size(const struct grantlink_link_config *config);

extern const struct grantlink_impl gl_local_impl;
#if GRANTLINK_HAVE_XEN
extern const struct grantlink_impl gl_xen_impl;
#endif

#endif
