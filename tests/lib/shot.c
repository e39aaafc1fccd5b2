#include <png.h>
#include <stdio.h>
#include <stdlib.h>

#include "shot.h"

bool test_png_read(const char *path, struct test_image *image)
{
	png_image png = {.version = PNG_IMAGE_VERSION};
	if (!png_image_begin_read_from_file(&png, path)) {
		fprintf(stderr, "cannot read %s: %s\n", path, png.message);
		return false;
	}
	/* BGRA in memory is 0xAARRGGBB as a little-endian uint32 */
	png.format = PNG_FORMAT_BGRA;
	image->width = (int)png.width;
	image->height = (int)png.height;
	image->pixels = malloc(PNG_IMAGE_SIZE(png));
	if (!image->pixels || !png_image_finish_read(&png, NULL, image->pixels, 0, NULL)) {
		fprintf(stderr, "cannot decode %s: %s\n", path, png.message);
		free(image->pixels);
		image->pixels = NULL;
		png_image_free(&png);
		return false;
	}
	return true;
}

void test_image_finish(struct test_image *image)
{
	free(image->pixels);
	image->pixels = NULL;
}

bool test_image_find_color(
	const struct test_image *image, uint32_t color, int *x1, int *y1, int *x2, int *y2)
{
	bool found = false;
	for (int y = 0; y < image->height; y++) {
		for (int x = 0; x < image->width; x++) {
			if ((test_image_at(image, x, y) & 0xffffff) != (color & 0xffffff)) {
				continue;
			}
			if (!found) {
				*x1 = *x2 = x;
				*y1 = *y2 = y;
				found = true;
			}
			*x1 = x < *x1 ? x : *x1;
			*x2 = x > *x2 ? x : *x2;
			*y1 = y < *y1 ? y : *y1;
			*y2 = y > *y2 ? y : *y2;
		}
	}
	return found;
}
