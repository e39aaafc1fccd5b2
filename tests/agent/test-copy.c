/*
 * bridge_copy_rect against a row-by-row memcpy: odd widths, every
 * 4-byte alignment of the destination, padded and packed strides,
 * rectangles below and above the size where copies stream past the
 * caches; the rectangle must come out exact and nothing around it change.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "copy.h"

/* N bytes of a xorshift sequence from SEED, a word at a time: the large
 * cases fill 50 MB each, which must stay quick under valgrind */
static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15u | 1;
	size_t i = 0;
	for (; i + sizeof(x) <= n; i += sizeof(x)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, sizeof(x));
	}
	for (; i < n; i++) {
		p[i] = (uint8_t)(x >> (8 * (i % sizeof(x))));
	}
}

/* A W x H pixel rectangle from SRC (pixel SX, SY of an image SRC_STRIDE
 * bytes a row) to DST (pixel DX, DY, DST_STRIDE): checked against a copy
 * of the destination with the rectangle's rows put in one memcpy each. */
static void check_case(size_t w, size_t h, size_t src_stride, size_t sx, size_t sy,
	size_t dst_stride, size_t dx, size_t dy)
{
	size_t src_size = src_stride * (sy + h) + 64, dst_size = dst_stride * (dy + h) + 64;
	uint8_t *src = malloc(src_size), *dst = malloc(dst_size), *want = malloc(dst_size);
	CHECK(src && dst && want);
	fill(src, src_size, 1);
	fill(dst, dst_size, 2);
	memcpy(want, dst, dst_size);
	for (size_t y = 0; y < h; y++) {
		memcpy(want + (dy + y) * dst_stride + dx * 4, src + (sy + y) * src_stride + sx * 4,
			w * 4);
	}
	bridge_copy_rect(dst + dy * dst_stride + dx * 4, dst_stride, src + sy * src_stride + sx * 4,
		src_stride, w * 4, h);
	if (memcmp(dst, want, dst_size) != 0) {
		size_t i = 0;
		while (dst[i] == want[i]) {
			i++;
		}
		check_fail(__FILE__, __LINE__,
			"%zux%zu from %zu,%zu (stride %zu) to %zu,%zu (stride %zu): byte %zu "
			"(row %zu) is %u, expected %u",
			w, h, sx, sy, src_stride, dx, dy, dst_stride, i, i / dst_stride, dst[i],
			want[i]);
	}
	free(src);
	free(dst);
	free(want);
}

int main(void)
{
	/* nothing to copy touches nothing */
	check_case(0, 5, 64, 0, 0, 64, 1, 1);
	check_case(5, 0, 64, 0, 0, 64, 1, 1);

	/* small (ordinary stores): odd widths at every alignment */
	static const size_t widths[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 63, 64, 65, 257};
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		size_t w = widths[i];
		for (size_t dx = 0; dx < 4; dx++) {
			check_case(w, 7, (w + 9) * 4, 3, 2, (w + 5) * 4, dx, 1);
			check_case(w, 7, w * 4, 0, 0, (w + dx) * 4, dx, 0);
		}
		/* packed rows: one run */
		check_case(w, 9, w * 4, 0, 0, w * 4, 0, 0);
	}

	/* large (past BRIDGE_COPY_STREAM_MIN): sub-rectangles of padded
	 * images at every alignment, odd widths, packed rows */
	size_t rows = BRIDGE_COPY_STREAM_MIN / (1021 * 4) + 3;
	for (size_t dx = 0; dx < 4; dx++) {
		check_case(1021, rows, 1100 * 4, 7, 3, 1030 * 4, dx, 2);
		check_case(1024, rows, 1024 * 4, 0, 0, 1031 * 4, dx, 0);
	}
	check_case(1021, rows, 1021 * 4, 0, 0, 1021 * 4, 0, 0);
	check_case(1, BRIDGE_COPY_STREAM_MIN / 4 + 5, 4, 0, 0, 4, 0, 0);
	check_case(BRIDGE_COPY_STREAM_MIN / 4 + 3, 1, BRIDGE_COPY_STREAM_MIN + 12, 0, 0,
		BRIDGE_COPY_STREAM_MIN + 12, 0, 0);
	/* rows narrower than the alignment step, past the limit */
	check_case(2, BRIDGE_COPY_STREAM_MIN / 8 + 5, 12, 0, 0, 16, 1, 0);
	/* exactly at the limit, and one row short of it */
	check_case(1024, BRIDGE_COPY_STREAM_MIN / 4096, 1040 * 4, 1, 1, 1032 * 4, 3, 1);
	check_case(1024, BRIDGE_COPY_STREAM_MIN / 4096 - 1, 1040 * 4, 1, 1, 1032 * 4, 3, 1);
	return 0;
}
