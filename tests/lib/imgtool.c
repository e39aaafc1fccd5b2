/*
 * Pixel checks for the end-to-end tests, from the shell:
 *
 *   imgtool compare A.png AX AY B.png BX BY W H [DIFF.png [MASK.png MX MY | ring X Y W H]...]
 *       exit 0 when the W x H regions are the same pixel for pixel (alpha
 *       ignored); otherwise prints the count and writes DIFF.png (differing
 *       pixels red, the rest a dimmed copy of A). With MASK.png images, later
 *       shots of B's content, pixels that differ between B and any MASK
 *       (the app animates them itself), and pixels within 6 of those (a
 *       spinner's next angle), are not compared; their count goes to
 *       stderr. "ring X Y W H" (in A's coordinates) leaves out the 2 px
 *       border of that rectangle: a frame that only A has.
 *   imgtool pixel A.png X Y          prints RRGGBB
 *   imgtool bbox A.png RRGGBB [X Y W H]  prints X1 Y1 X2 Y2 of that color (in the
 *       region); exit 1 if none
 *   imgtool count A.png X Y W H RRGGBB  prints how many pixels of the region have that color
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shot.h"

static int usage(void)
{
	fprintf(stderr, "usage: imgtool compare A.png AX AY B.png BX BY W H "
			"[DIFF.png [MASK.png MX MY | ring X Y W H]...]\n"
			"       imgtool pixel A.png X Y\n"
			"       imgtool bbox A.png RRGGBB [X Y W H]\n"
			"       imgtool count A.png X Y W H RRGGBB\n");
	return 2;
}

static bool load(const char *path, struct test_image *image)
{
	if (!test_png_read(path, image)) {
		fprintf(stderr, "imgtool: cannot read %s\n", path);
		return false;
	}
	return true;
}

static bool region_fits(const struct test_image *image, int x, int y, int w, int h)
{
	return x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= image->width &&
	       y + h <= image->height;
}

static bool write_png(const char *path, const uint32_t *pixels, int width, int height)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		return false;
	}
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *row = malloc((size_t)width * 3);
	bool ok = false;
	if (!png || !info || !row || setjmp(png_jmpbuf(png))) {
		goto out;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
		PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < height; y++) {
		for (int x = 0; x < width; x++) {
			uint32_t p = pixels[(size_t)y * (size_t)width + (size_t)x];
			row[3 * x] = (uint8_t)(p >> 16);
			row[3 * x + 1] = (uint8_t)(p >> 8);
			row[3 * x + 2] = (uint8_t)p;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	png_destroy_write_struct(&png, &info);
	free(row);
	fclose(f);
	return ok;
}

static int compare(char **argv, int argc)
{
#define MAX_MASKS 24
	struct test_image a, b, m[MAX_MASKS] = {0};
	int mx[MAX_MASKS], my[MAX_MASKS];
	int ax = atoi(argv[3]), ay = atoi(argv[4]);
	int bx = atoi(argv[6]), by = atoi(argv[7]);
	int w = atoi(argv[8]), h = atoi(argv[9]);
	if (!load(argv[2], &a)) {
		return 2;
	}
	if (!load(argv[5], &b)) {
		test_image_finish(&a);
		return 2;
	}
	int rc = 2;
	uint32_t *diff = NULL;
	int nmasks = 0, nrings = 0;
	int rings[MAX_MASKS][4];
	bool masks_fit = true;
	for (int i = 11; i + 2 < argc && nmasks < MAX_MASKS;) {
		if (strcmp(argv[i], "ring") == 0 && i + 4 < argc && nrings < MAX_MASKS) {
			for (int k = 0; k < 4; k++) {
				rings[nrings][k] = atoi(argv[i + 1 + k]);
			}
			nrings++;
			i += 5;
			continue;
		}
		if (!load(argv[i], &m[nmasks])) {
			goto out;
		}
		mx[nmasks] = atoi(argv[i + 1]);
		my[nmasks] = atoi(argv[i + 2]);
		masks_fit = masks_fit && region_fits(&m[nmasks], mx[nmasks], my[nmasks], w, h);
		nmasks++;
		i += 3;
	}
	if (!region_fits(&a, ax, ay, w, h) || !region_fits(&b, bx, by, w, h) || !masks_fit) {
		fprintf(stderr, "imgtool: region out of the images\n");
		goto out;
	}
	diff = malloc((size_t)w * (size_t)h * sizeof(uint32_t));
	if (!diff) {
		goto out;
	}
	/* what moves by itself, then that grown by a few pixels each way */
	uint8_t *moves = calloc((size_t)w * (size_t)h, 1);
	uint8_t *near = calloc((size_t)w * (size_t)h, 1);
	if (!moves || !near) {
		free(moves);
		free(near);
		goto out;
	}
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t pb = test_image_at(&b, bx + x, by + y) & 0xffffff;
			for (int i = 0; i < nmasks; i++) {
				moves[(size_t)y * w + x] |=
					pb !=
					(test_image_at(&m[i], mx[i] + x, my[i] + y) & 0xffffff);
			}
		}
	}
	const int grow = 6;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			if (!moves[(size_t)y * w + x]) {
				continue;
			}
			for (int j = y - grow; j <= y + grow; j++) {
				for (int i = x - grow; i <= x + grow; i++) {
					if (i >= 0 && j >= 0 && i < w && j < h) {
						near[(size_t)j * w + i] = 1;
					}
				}
			}
		}
	}
	free(moves);
	long differing = 0, animated = 0;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t pa = test_image_at(&a, ax + x, ay + y) & 0xffffff;
			uint32_t pb = test_image_at(&b, bx + x, by + y) & 0xffffff;
			bool moving = near[(size_t)y * w + x];
			animated += moving;
			bool framed = false;
			for (int r = 0; r < nrings; r++) {
				int rx = ax + x - rings[r][0], ry = ay + y - rings[r][1];
				int rw = rings[r][2], rh = rings[r][3];
				bool inside = rx >= 0 && ry >= 0 && rx < rw && ry < rh;
				framed |= inside &&
					  (rx < 2 || ry < 2 || rx >= rw - 2 || ry >= rh - 2);
			}
			bool same = pa == pb || moving || framed;
			differing += !same;
			diff[(size_t)y * (size_t)w + (size_t)x] =
				same ? (pa >> 2) & 0x3f3f3f : 0xff0000;
		}
	}
	free(near);
	printf("%ld\n", differing);
	if (nmasks > 0) {
		fprintf(stderr, "imgtool: %ld pixels animate by themselves: not compared\n",
			animated);
	}
	rc = differing == 0 ? 0 : 1;
	if (differing && argc > 10 && !write_png(argv[10], diff, w, h)) {
		fprintf(stderr, "imgtool: cannot write %s\n", argv[10]);
	}
out:
	free(diff);
	test_image_finish(&a);
	test_image_finish(&b);
	for (int i = 0; i < nmasks; i++) {
		test_image_finish(&m[i]);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		return usage();
	}
	if (strcmp(argv[1], "compare") == 0 && argc >= 10) {
		return compare(argv, argc);
	}
	struct test_image image;
	if (strcmp(argv[1], "pixel") == 0 && argc == 5) {
		if (!load(argv[2], &image)) {
			return 2;
		}
		int x = atoi(argv[3]), y = atoi(argv[4]);
		int rc = 2;
		if (region_fits(&image, x, y, 1, 1)) {
			printf("%06x\n", test_image_at(&image, x, y) & 0xffffff);
			rc = 0;
		}
		test_image_finish(&image);
		return rc;
	}
	if (strcmp(argv[1], "bbox") == 0 && (argc == 4 || argc == 8)) {
		if (!load(argv[2], &image)) {
			return 2;
		}
		int x1 = INT32_MAX, y1 = INT32_MAX, x2 = -1, y2 = -1;
		uint32_t color = (uint32_t)strtoul(argv[3], NULL, 16);
		int rx = 0, ry = 0, rw = image.width, rh = image.height;
		if (argc == 8) {
			rx = atoi(argv[4]), ry = atoi(argv[5]), rw = atoi(argv[6]),
			rh = atoi(argv[7]);
			if (!region_fits(&image, rx, ry, rw, rh)) {
				test_image_finish(&image);
				return 2;
			}
		}
		for (int y = ry; y < ry + rh; y++) {
			for (int x = rx; x < rx + rw; x++) {
				if ((test_image_at(&image, x, y) & 0xffffff) == color) {
					x1 = x < x1 ? x : x1;
					y1 = y < y1 ? y : y1;
					x2 = x > x2 ? x : x2;
					y2 = y > y2 ? y : y2;
				}
			}
		}
		bool found = x2 >= 0;
		if (found) {
			printf("%d %d %d %d\n", x1, y1, x2, y2);
		}
		test_image_finish(&image);
		return found ? 0 : 1;
	}
	if (strcmp(argv[1], "count") == 0 && argc == 8) {
		if (!load(argv[2], &image)) {
			return 2;
		}
		int x = atoi(argv[3]), y = atoi(argv[4]), w = atoi(argv[5]), h = atoi(argv[6]);
		uint32_t color = (uint32_t)strtoul(argv[7], NULL, 16);
		int rc = 2;
		if (region_fits(&image, x, y, w, h)) {
			long n = 0;
			for (int j = y; j < y + h; j++) {
				for (int i = x; i < x + w; i++) {
					n += (test_image_at(&image, i, j) & 0xffffff) == color;
				}
			}
			printf("%ld\n", n);
			rc = 0;
		}
		test_image_finish(&image);
		return rc;
	}
	return usage();
}
