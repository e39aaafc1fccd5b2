/*
 * The portable core: argument checks, counters that do not depend on the
 * backend, and dispatch through the backend table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grantlink-private.h"

static enum grantlink_log_level log_level = GRANTLINK_LOG_ERROR;
static grantlink_log_func log_func;

void grantlink_log_init(enum grantlink_log_level level, grantlink_log_func func)
{
	log_level = level;
	log_func = func;
}

void gl_log(enum grantlink_log_level level, const char *fmt, ...)
{
	if (level > log_level) {
		return;
	}
	va_list args;
	va_start(args, fmt);
	if (log_func) {
		log_func(level, fmt, args);
	} else {
		vfprintf(stderr, fmt, args);
		fputc('\n', stderr);
	}
	va_end(args);
}

void gl_list_init(struct gl_list *list)
{
	list->prev = list;
	list->next = list;
}

void gl_list_insert(struct gl_list *list, struct gl_list *elm)
{
	elm->prev = list;
	elm->next = list->next;
	list->next = elm;
	elm->next->prev = elm;
}

void gl_list_remove(struct gl_list *elm)
{
	elm->prev->next = elm->next;
	elm->next->prev = elm->prev;
	elm->next = NULL;
	elm->prev = NULL;
}

bool gl_list_empty(const struct gl_list *list)
{
	return list->next == list;
}

static const struct grantlink_impl *impl_for(enum grantlink_backend backend)
{
	switch (backend) {
	case GRANTLINK_BACKEND_LOCAL:
		return &gl_local_impl;
	case GRANTLINK_BACKEND_XEN:
#if GRANTLINK_HAVE_XEN
		return &gl_xen_impl;
#else
		return NULL;
#endif
	}
	return NULL;
}

bool grantlink_backend_from_name(const char *name, enum grantlink_backend *out)
{
	if (strcmp(name, "local") == 0) {
		*out = GRANTLINK_BACKEND_LOCAL;
	} else if (strcmp(name, "xen") == 0) {
		*out = GRANTLINK_BACKEND_XEN;
	} else {
		return false;
	}
	return grantlink_backend_available(*out);
}

const char *grantlink_backend_name(enum grantlink_backend backend)
{
	return backend == GRANTLINK_BACKEND_XEN ? "xen" : "local";
}

bool grantlink_backend_available(enum grantlink_backend backend)
{
	return impl_for(backend) != NULL;
}

void grantlink_domain_config_init(
	struct grantlink_domain_config *config, enum grantlink_backend backend)
{
	*config = (struct grantlink_domain_config){
		.backend = backend,
		.domid = 0,
		.max_refs = 131072,
		.reclaim_interval_ms = 1000,
		.free_per_iteration = 10,
		.max_deferred = 65536,
	};
}

struct grantlink_domain *grantlink_domain_create(const struct grantlink_domain_config *config)
{
	const struct grantlink_impl *impl = impl_for(config->backend);
	if (!impl) {
		gl_err("backend %s is not built in", grantlink_backend_name(config->backend));
		errno = ENOTSUP;
		return NULL;
	}
	struct grantlink_domain_config defaults;
	grantlink_domain_config_init(&defaults, config->backend);
	struct grantlink_domain_config c = *config;
	if (c.max_refs == 0) {
		c.max_refs = defaults.max_refs;
	}
	if (c.reclaim_interval_ms == 0) {
		c.reclaim_interval_ms = defaults.reclaim_interval_ms;
	}
	if (c.max_deferred == 0) {
		c.max_deferred = defaults.max_deferred;
	}
	struct grantlink_domain *domain = impl->domain_create(&c);
	if (!domain) {
		return NULL;
	}
	domain->impl = impl;
	domain->config = c;
	gl_list_init(&domain->shares);
	gl_list_init(&domain->exports);
	return domain;
}

void grantlink_domain_destroy(struct grantlink_domain *domain)
{
	if (!domain) {
		return;
	}
	struct grantlink_share *share, *tmp;
	for (share = gl_container_of(domain->shares.next, share, link);
		&share->link != &domain->shares; share = tmp) {
		tmp = gl_container_of(share->link.next, tmp, link);
		grantlink_share_destroy(share);
	}
	/* pending exports go silently: nobody waits for them any more */
	while (!gl_list_empty(&domain->exports)) {
		struct grantlink_export *export =
			gl_container_of(domain->exports.next, export, link);
		gl_list_remove(&export->link);
		domain->impl->export_free(export);
	}
	domain->impl->domain_destroy(domain);
}

uint16_t grantlink_domain_get_domid(const struct grantlink_domain *domain)
{
	return domain->domid;
}

enum grantlink_backend grantlink_domain_get_backend(const struct grantlink_domain *domain)
{
	return domain->config.backend;
}

int grantlink_domain_get_fd(struct grantlink_domain *domain)
{
	return domain->impl->domain_get_fd(domain);
}

size_t grantlink_domain_dispatch(struct grantlink_domain *domain)
{
	return domain->impl->domain_dispatch(domain);
}

void grantlink_domain_get_counters(
	struct grantlink_domain *domain, struct grantlink_counters *counters)
{
	*counters = (struct grantlink_counters){0};
	struct grantlink_share *share;
	gl_list_for_each(share, &domain->shares, link)
	{
		counters->shared += (int64_t)share->npages;
		if (share->retired) {
			counters->awaiting_unmap += (int64_t)share->npages;
		}
	}
	counters->mapped = domain->mapped_pages;
	domain->impl->domain_get_counters(domain, counters);
}

size_t gl_ring_size(const struct grantlink_link_config *config)
{
	return config->ring_size ? config->ring_size : 65536;
}

void gl_link_init(struct grantlink *link, struct grantlink_domain *domain,
	const struct grantlink_link_config *config)
{
	link->impl = domain->impl;
	link->domain = domain;
	link->peer_domid = config->peer_domid;
	link->ring_size = gl_ring_size(config);
}

static bool check_link_config(const struct grantlink_link_config *config)
{
	if (!config->path || config->path[0] == '\0') {
		gl_err("a link needs a path");
		errno = EINVAL;
		return false;
	}
	return true;
}

struct grantlink_listener *grantlink_listen(
	struct grantlink_domain *domain, const struct grantlink_link_config *config)
{
	if (!check_link_config(config)) {
		return NULL;
	}
	struct grantlink_listener *listener = domain->impl->listen(domain, config);
	if (listener) {
		listener->impl = domain->impl;
		listener->domain = domain;
	}
	return listener;
}

void grantlink_listener_destroy(struct grantlink_listener *listener)
{
	if (listener) {
		listener->impl->listener_destroy(listener);
	}
}

int grantlink_listener_get_fd(struct grantlink_listener *listener)
{
	return listener->impl->listener_get_fd(listener);
}

struct grantlink *grantlink_listener_accept(struct grantlink_listener *listener)
{
	return listener->impl->listener_accept(listener);
}

struct grantlink *grantlink_connect(
	struct grantlink_domain *domain, const struct grantlink_link_config *config)
{
	if (!check_link_config(config)) {
		return NULL;
	}
	return domain->impl->connect(domain, config);
}

void grantlink_destroy(struct grantlink *link)
{
	if (link) {
		link->impl->link_destroy(link);
	}
}

uint16_t grantlink_get_peer_domid(const struct grantlink *link)
{
	return link->peer_domid;
}

int grantlink_get_fd(struct grantlink *link)
{
	return link->impl->link_get_fd(link);
}

short grantlink_get_events(struct grantlink *link)
{
	return link->impl->link_get_events(link);
}

uint32_t grantlink_dispatch(struct grantlink *link)
{
	return link->impl->link_dispatch(link);
}

ssize_t grantlink_recv(struct grantlink *link, void *buf, size_t len)
{
	return link->impl->link_recv(link, buf, len);
}

ssize_t grantlink_send(struct grantlink *link, const void *buf, size_t len)
{
	return link->impl->link_send(link, buf, len);
}

size_t grantlink_send_space(struct grantlink *link)
{
	return link->impl->link_send_space(link);
}

struct grantlink_share *grantlink_share_create(
	struct grantlink_domain *domain, uint16_t domid, size_t npages, uint32_t flags)
{
	if (npages == 0 || npages > domain->config.max_refs) {
		errno = EINVAL;
		return NULL;
	}
	struct grantlink_share *share = domain->impl->share_create(domain, domid, npages, flags);
	if (!share) {
		return NULL;
	}
	share->impl = domain->impl;
	share->domain = domain;
	share->domid = domid;
	share->flags = flags;
	share->npages = npages;
	gl_list_insert(&domain->shares, &share->link);
	return share;
}

void grantlink_share_destroy(struct grantlink_share *share)
{
	if (!share) {
		return;
	}
	gl_list_remove(&share->link);
	share->impl->share_destroy(share);
}

const uint32_t *grantlink_share_get_refs(const struct grantlink_share *share)
{
	return share->refs;
}

size_t grantlink_share_get_npages(const struct grantlink_share *share)
{
	return share->npages;
}

void *grantlink_share_get_data(const struct grantlink_share *share)
{
	return share->data;
}

ssize_t grantlink_share_get_peer_mapped(const struct grantlink_share *share)
{
	return share->impl->share_get_peer_mapped(share);
}

bool grantlink_share_set_notify(struct grantlink_share *share, struct grantlink *link)
{
	if (link->domain != share->domain || link->peer_domid != share->domid) {
		gl_err("notify link does not lead to the domain the pages are shared to");
		errno = EINVAL;
		return false;
	}
	return share->impl->share_set_notify(share, link);
}

void grantlink_share_retire(struct grantlink_share *share)
{
	share->retired = true;
}

struct grantlink_mapping *grantlink_map(
	struct grantlink *link, const uint32_t *refs, size_t count, uint32_t flags)
{
	if (count == 0 || count > link->domain->config.max_refs) {
		errno = EINVAL;
		return NULL;
	}
	struct grantlink_mapping *mapping = link->impl->map(link, refs, count, flags);
	if (!mapping) {
		return NULL;
	}
	mapping->impl = link->impl;
	mapping->domain = link->domain;
	mapping->npages = count;
	link->domain->mapped_pages += (int64_t)count;
	return mapping;
}

void grantlink_unmap(struct grantlink_mapping *mapping)
{
	if (!mapping) {
		return;
	}
	mapping->domain->mapped_pages -= (int64_t)mapping->npages;
	mapping->impl->unmap(mapping);
}

void *grantlink_mapping_get_data(const struct grantlink_mapping *mapping)
{
	return mapping->data;
}

size_t grantlink_mapping_get_size(const struct grantlink_mapping *mapping)
{
	return mapping->npages * GRANTLINK_PAGE_SIZE;
}

struct grantlink_export *grantlink_export_create(
	struct grantlink *link, const uint32_t *refs, size_t count)
{
	if (count == 0 || count > link->domain->config.max_refs) {
		errno = EINVAL;
		return NULL;
	}
	struct grantlink_export *export = link->impl->export_create(link, refs, count);
	if (!export) {
		return NULL;
	}
	export->impl = link->impl;
	export->domain = link->domain;
	export->npages = count;
	gl_list_insert(&link->domain->exports, &export->link);
	link->domain->mapped_pages += (int64_t)count;
	return export;
}

int grantlink_export_get_fd(const struct grantlink_export *export)
{
	return export->fd;
}

size_t grantlink_export_get_offset(const struct grantlink_export *export)
{
	return export->offset;
}

size_t grantlink_export_get_size(const struct grantlink_export *export)
{
	return export->npages * GRANTLINK_PAGE_SIZE;
}

void grantlink_export_close(
	struct grantlink_export *export, void (*released)(void *data), void *data)
{
	if (export->closed) {
		gl_err("an export closed twice");
		return;
	}
	export->closed = true;
	export->released = released;
	export->data = data;
	export->impl->export_close(export);
}

void gl_export_release(struct grantlink_export *export)
{
	gl_list_remove(&export->link);
	export->domain->mapped_pages -= (int64_t) export->npages;
	if (export->released) {
		export->released(export->data);
	}
	export->impl->export_free(export);
}
