/*
 * Plain copies of pixel rectangles: one memcpy when the rectangle is one
 * run of memory in both images, else a memcpy per row. A large copy on
 * x86-64 uses SSE2 non-temporal stores instead: glibc's memcpy keeps
 * ordinary stores up to a fraction of the last-level cache, which on a
 * large host is more than a 4k frame, so each destination line would be
 * read before it is written and the whole window buffer pass through the
 * caches; streaming stores do neither.
 */
#include <stdint.h>
#include <string.h>

#include "copy.h"

static void memcpy_rows(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
	size_t row_bytes, size_t rows)
{
	for (size_t y = 0; y < rows; y++) {
		memcpy(dst + y * dst_stride, src + y * src_stride, row_bytes);
	}
}

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>

/* One run of N bytes (a multiple of 4, both ends 4-byte aligned). */
static void stream_run(uint8_t *dst, const uint8_t *src, size_t n)
{
	/* whole pixels until the destination is 16-byte aligned */
	size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
	if (head > n) {
		head = n;
	}
	memcpy(dst, src, head);
	dst += head;
	src += head;
	n -= head;
	for (const uint8_t *end = src + (n & ~(size_t)63); src != end; src += 64, dst += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + 48));
		_mm_stream_si128((__m128i *)(void *)dst, a);
		_mm_stream_si128((__m128i *)(void *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(void *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(void *)(dst + 48), d);
	}
	n &= 63;
	for (; n >= 16; n -= 16, src += 16, dst += 16) {
		_mm_stream_si128((__m128i *)(void *)dst,
			_mm_loadu_si128((const __m128i *)(const void *)src));
	}
	memcpy(dst, src, n);
}

static void stream_rows(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
	size_t row_bytes, size_t rows)
{
	for (size_t y = 0; y < rows; y++) {
		stream_run(dst + y * dst_stride, src + y * src_stride, row_bytes);
	}
	/* streaming stores are weakly ordered: make them visible before
	 * whatever tells the reader (a socket write) */
	_mm_sfence();
}
#endif

void bridge_copy_rect(void *dst, size_t dst_stride, const void *src, size_t src_stride,
	size_t row_bytes, size_t rows)
{
	if (row_bytes == 0 || rows == 0) {
		return;
	}
	if (dst_stride == row_bytes && src_stride == row_bytes) {
		/* whole rows of both, back to back: one run */
		row_bytes *= rows;
		rows = 1;
	}
#if defined(__x86_64__) && defined(__SSE2__)
	if (row_bytes * rows >= BRIDGE_COPY_STREAM_MIN) {
		stream_rows(dst, dst_stride, src, src_stride, row_bytes, rows);
		return;
	}
#endif
	memcpy_rows(dst, dst_stride, src, src_stride, row_bytes, rows);
}
