#include <poll.h>
#include <time.h>
#include <wayland-server-core.h>

#include "loop.h"

int64_t bridge_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint32_t bridge_wl_fd_mask(short poll_events)
{
	uint32_t mask = 0;
	if (poll_events & POLLIN) {
		mask |= WL_EVENT_READABLE;
	}
	if (poll_events & POLLOUT) {
		mask |= WL_EVENT_WRITABLE;
	}
	return mask;
}
