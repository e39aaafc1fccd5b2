/*
 * Screenshots for the tests: read a PNG into 0xAARRGGBB pixels,
 * and find a window framed in a given color.
 */
#ifndef TEST_SHOT_H
#define TEST_SHOT_H

#include <stdbool.h>
#include <stdint.h>

struct test_image {
	int width, height;
	uint32_t *pixels; /* 0xAARRGGBB, row after row */
};

bool test_png_read(const char *path, struct test_image *image);
void test_image_finish(struct test_image *image);
static inline uint32_t test_image_at(const struct test_image *image, int x, int y)
{
	return image->pixels[(size_t)y * (size_t)image->width + (size_t)x];
}

/* The bounding box of the pixels of COLOR (alpha ignored); false if none. */
bool test_image_find_color(
	const struct test_image *image, uint32_t color, int *x1, int *y1, int *x2, int *y2);

#endif
