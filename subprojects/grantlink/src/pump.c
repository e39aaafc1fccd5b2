/*
 * The pump: bytes between a link's channel and a local stream socket. Each
 * direction has one bounded buffer; while it holds bytes the destination
 * did not take, the source is not read, so back-pressure reaches the peer.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grantlink-private.h"

#define PUMP_BUFFER 65536

struct pump_buffer {
	uint8_t data[PUMP_BUFFER];
	size_t start, len;
};

struct grantlink_pump {
	struct grantlink *link;
	int stream_fd;
	bool stream_closed;
	bool link_gone;               /* hung up, or a send failed: nothing more goes out */
	struct pump_buffer to_stream; /* from the link */
	struct pump_buffer to_link;   /* from the stream */
};

struct grantlink_pump *grantlink_pump_create(struct grantlink *link, int stream_fd)
{
	struct grantlink_pump *pump = calloc(1, sizeof(*pump));
	if (!pump) {
		return NULL;
	}
	pump->link = link;
	pump->stream_fd = stream_fd;
	return pump;
}

void grantlink_pump_destroy(struct grantlink_pump *pump)
{
	free(pump);
}

short grantlink_pump_get_stream_events(struct grantlink_pump *pump)
{
	if (pump->stream_closed) {
		return 0;
	}
	short events = 0;
	if (pump->to_link.len == 0) {
		events |= POLLIN;
	}
	if (pump->to_stream.len > 0) {
		events |= POLLOUT;
	}
	return events;
}

static void drain_to_stream(struct grantlink_pump *pump)
{
	struct pump_buffer *b = &pump->to_stream;
	while (!pump->stream_closed) {
		if (b->len == 0) {
			b->start = 0;
			ssize_t n = grantlink_recv(pump->link, b->data, sizeof(b->data));
			if (n <= 0) {
				return;
			}
			b->len = (size_t)n;
		}
		ssize_t n = send(
			pump->stream_fd, b->data + b->start, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN) {
				pump->stream_closed = true;
			}
			return;
		}
		b->start += (size_t)n;
		b->len -= (size_t)n;
	}
}

static void drain_to_link(struct grantlink_pump *pump)
{
	struct pump_buffer *b = &pump->to_link;
	while (!pump->stream_closed && !pump->link_gone) {
		if (b->len == 0) {
			b->start = 0;
			ssize_t n = recv(pump->stream_fd, b->data, sizeof(b->data), MSG_DONTWAIT);
			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n < 0 && errno == EAGAIN) {
				return;
			}
			if (n <= 0) {
				pump->stream_closed = true;
				return;
			}
			b->len = (size_t)n;
		}
		ssize_t n = grantlink_send(pump->link, b->data + b->start, b->len);
		if (n < 0) {
			/* the peer is gone, but what it sent before still goes
			 * to the stream (a protocol error, say) */
			pump->link_gone = true;
			b->len = 0;
			return;
		}
		if (n == 0) {
			return; /* ring full: wait for WRITABLE */
		}
		b->start += (size_t)n;
		b->len -= (size_t)n;
	}
}

uint32_t grantlink_pump_dispatch(struct grantlink_pump *pump)
{
	uint32_t events = grantlink_dispatch(pump->link);
	drain_to_link(pump);
	drain_to_stream(pump);
	/* the link may have been written to: let it flush and read again */
	events |= grantlink_dispatch(pump->link);
	drain_to_stream(pump);
	if (events & GRANTLINK_EVENT_HANGUP) {
		pump->link_gone = true;
	}
	uint32_t out = events & GRANTLINK_EVENT_NOTIFY;
	/* a gone link is reported once all it delivered is in the stream */
	if (pump->stream_closed || (pump->link_gone && pump->to_stream.len == 0)) {
		out |= GRANTLINK_EVENT_HANGUP;
	}
	return out;
}
