/*
 * The wgb_bridge global: handshake, limits, factories.
 */
#ifndef BRIDGE_BRIDGE_H
#define BRIDGE_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"

struct bridge_guest;

#define BRIDGE_VERSION_MAJOR 1
#define BRIDGE_VERSION_MINOR 0

bool bridge_global_create(struct bridge_daemon *daemon);
/* Tells the guest's bridge about an output (after hello). */
void bridge_send_output(struct bridge_guest *guest, uint32_t name, int32_t x, int32_t y,
	int32_t width, int32_t height, int32_t scale, int32_t refresh);
void bridge_send_output_removed(struct bridge_guest *guest, uint32_t name);

#endif
