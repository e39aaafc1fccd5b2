/*
 * The fake agent's scenarios, shared between its files.
 */
#ifndef TEST_SCENARIOS_H
#define TEST_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"

struct fake_options {
	const char *stats;
	const char *shot_dir;
	const char *compositor; /* weston or sway */
	uint32_t label;         /* 0xRRGGBB */
	int border;
};

extern struct fake_options opts;

/* The guest's reference picture: never the label color. */
uint32_t pattern_a(int x, int y);
/* The smallest complete session; run after every drop. */
void good_session(struct agent *a);

/* bad-cases.c */
void scenario_garbage(struct agent *a);
/* Runs bad-value case NAME; false if there is none. */
bool run_bad_scenario(struct agent *a, const char *name);

#endif
