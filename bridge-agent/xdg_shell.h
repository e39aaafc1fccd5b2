/*
 * xdg-shell handling: which surfaces become link windows and when, and
 * server-side decorations for every toplevel.
 */
#ifndef BRIDGE_AGENT_XDG_SHELL_H
#define BRIDGE_AGENT_XDG_SHELL_H

struct bridge_server;

void bridge_xdg_shell_init(struct bridge_server *server);
void bridge_xdg_shell_finish(struct bridge_server *server);

#endif
