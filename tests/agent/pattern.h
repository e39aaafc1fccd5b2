/*
 * The test client's content, shared with the tests that check it: every
 * pixel is a known function of its place and of the frame number.
 */
#ifndef AGENT_PATTERN_H
#define AGENT_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define PATTERN_W 200
#define PATTERN_H 150
#define PATTERN_SUB_X 20 /* opaque green subsurface */
#define PATTERN_SUB_Y 30
#define PATTERN_SUB_W 40
#define PATTERN_SUB_H 40
#define PATTERN_SUB_COLOR 0xff00ff00u
#define PATTERN_VP_X 120 /* blue 10x10 buffer scaled to 40x40 by viewporter */
#define PATTERN_VP_Y 90
#define PATTERN_VP_SRC 10
#define PATTERN_VP_DST 40
#define PATTERN_VP_COLOR 0xff0000ffu
#define PATTERN_POPUP_X 10 /* red popup, relative to the window */
#define PATTERN_POPUP_Y 12
#define PATTERN_POPUP_W 50
#define PATTERN_POPUP_H 30
#define PATTERN_POPUP_COLOR 0xffff0000u
#define PATTERN_SQUARE 8 /* the square that moves each frame */

/* input mode: the window's color says what the client received */
#define INPUT_IDLE 0xffffffffu    /* nothing yet */
#define INPUT_FOCUSED 0xff00ff00u /* keyboard focus, with a keymap */
#define INPUT_KEY_A 0xff0000ffu   /* KEY_A pressed */
#define INPUT_BAD 0xffffff00u     /* an event came without what it needs */
#define INPUT_CLICK 0xff000000u   /* a 10x10 square at each button press */
#define INPUT_CURSOR 0xffff0000u  /* the cursor image, 16x16, hotspot 3,4 */
#define INPUT_TOUCH 0xff808080u   /* a 6x6 square where a touch went down */

/* Opaque background, a function of place. */
static inline uint32_t pattern_background(int x, int y)
{
	return 0xff000000u | (uint32_t)(x * 255 / PATTERN_W) << 16 |
	       (uint32_t)(y * 255 / PATTERN_H) << 8 | 0x40u;
}

/* Frame N (from 1) paints an 8x8 square at this place with this color. */
static inline void pattern_square(int n, int *x, int *y, uint32_t *color)
{
	*x = 4 + (n * 12) % (PATTERN_W - PATTERN_SQUARE - 8);
	*y = 4 + (n * 7) % 20;
	*color = 0xff000000u | (uint32_t)(n * 37 % 256) << 16 | (uint32_t)(255 - n % 256) << 8 |
		 0x80u;
}

/* The root surface's content after FRAMES frames. */
static inline uint32_t pattern_root_pixel(int x, int y, int frames)
{
	for (int n = frames; n >= 1; n--) {
		int sx, sy;
		uint32_t color;
		pattern_square(n, &sx, &sy, &color);
		if (x >= sx && x < sx + PATTERN_SQUARE && y >= sy && y < sy + PATTERN_SQUARE) {
			return color;
		}
	}
	return pattern_background(x, y);
}

/* test-client formats: one window through stages, each a whole new
 * content; FORMATS_XRGB marks a buffer drawn in XRGB8888, whose top byte
 * is left 0 (not alpha). */
#define FORMATS_W 64
#define FORMATS_H 48
#define FORMATS_SUB_X 8
#define FORMATS_SUB_Y 8
#define FORMATS_SUB_SIZE 16
#define FORMATS_NSTAGES 6

struct formats_stage {
	uint32_t root;       /* the root's pixels, as drawn */
	bool root_xrgb;      /* in XRGB8888 */
	int opaque_w;        /* declared opaque region: 0,0 to opaque_w x FORMATS_H */
	bool sub;            /* a subsurface at FORMATS_SUB_X, _Y */
	uint32_t sub_color;  /* its pixels, as drawn */
	bool sub_xrgb;       /* in XRGB8888 */
	bool opaque;         /* the agent must send xrgb8888 */
	uint32_t shown_root; /* a root pixel as shown, and a subsurface one */
	uint32_t shown_sub;
};

/* Stage I of test-client formats. */
static inline const struct formats_stage *formats_stage(int i)
{
	static const struct formats_stage stages[FORMATS_NSTAGES] = {
		/* an XRGB8888 app: opaque whatever its top bytes */
		{0x00336699u, true, 0, false, 0, false, true, 0xff336699u, 0},
		/* translucent ARGB8888 (premultiplied) */
		{0x80402010u, false, 0, false, 0, false, false, 0x80402010u, 0},
		/* ARGB8888 declared opaque all over */
		{0xff112233u, false, FORMATS_W, false, 0, false, true, 0xff112233u, 0},
		/* ARGB8888 declared opaque on half only */
		{0xff445566u, false, FORMATS_W / 2, false, 0, false, false, 0xff445566u, 0},
		/* a translucent subsurface over an opaque root: blended, opaque */
		{0x00ff0000u, true, 0, true, 0x80000080u, false, true, 0xffff0000u, 0xff7f0080u},
		/* an opaque subsurface over a transparent root: not opaque */
		{0x00000000u, false, 0, true, 0x00123456u, true, false, 0x00000000u, 0xff123456u},
	};
	return &stages[i];
}

#endif
