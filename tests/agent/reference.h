/*
 * What an app draws straight into a headless compositor: sway with the
 * headless backend and the pixman renderer, the app's window floating at
 * 0,0 without border, captured with grim. The reference the agent's
 * window is compared with.
 */
#ifndef AGENT_REFERENCE_H
#define AGENT_REFERENCE_H

#include <stdint.h>

#include <stdbool.h>

/* Returns WIDTH x HEIGHT argb pixels of APP_ARGV's window once it stopped
 * changing, or NULL (with a note) when the window never settled, or, with
 * *MISSING set, when sway, grim or runuser is not installed. Free with
 * free(). */
uint32_t *agent_reference_capture(char *const app_argv[], int width, int height, bool *missing);

#endif
