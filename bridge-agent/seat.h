/*
 * The seat: input from dom0's daemon (wgb_seat) fed into the wlr_seat apps
 * see, with an xkbcommon keymap from the daemon, and the cursor apps set
 * sent back to the daemon.
 */
#ifndef BRIDGE_AGENT_SEAT_H
#define BRIDGE_AGENT_SEAT_H

struct bridge_server;

struct bridge_seat *bridge_seat_create(struct bridge_server *server);
void bridge_seat_destroy(struct bridge_seat *seat);

#endif
