/*
 * What bridge-agent and bridge-daemon both need around their
 * wl_event_loop: a millisecond clock and poll(2) events as a loop mask.
 */
#ifndef BRIDGE_LOOP_H
#define BRIDGE_LOOP_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
int64_t bridge_now_ms(void);
/* POLLIN/POLLOUT as WL_EVENT_READABLE/WL_EVENT_WRITABLE. */
uint32_t bridge_wl_fd_mask(short poll_events);

#endif
