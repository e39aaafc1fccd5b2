/*
 * Plain copies of pixel rectangles, for the composer's one common case: an
 * opaque surface drawn 1:1 into a window buffer of its own format, which
 * pixman would copy row by row with ordinary stores.
 */
#ifndef BRIDGE_AGENT_COPY_H
#define BRIDGE_AGENT_COPY_H

#include <stddef.h>

/* From this many bytes on a copy bypasses the caches (x86-64 only). Measured
 * on the chain of tests/bench: a 4k frame (33 MB) then costs the agent a
 * third less CPU and the next reader in dom0 (measured with the daemon's
 * copy; now dom0's compositor) a tenth more, since it finds the frame in
 * memory rather than in the cache; for a 1080p frame (8 MB) the reader
 * would lose more than the agent saves. */
#define BRIDGE_COPY_STREAM_MIN ((size_t)16 << 20)

/* Copies ROWS rows of ROW_BYTES bytes (whole 4-byte pixels) from SRC,
 * SRC_STRIDE bytes from one row to the next, to DST, likewise; touches
 * nothing else of DST. SRC, DST and the strides are multiples of 4; source
 * and destination must not overlap. */
void bridge_copy_rect(void *dst, size_t dst_stride, const void *src, size_t src_stride,
	size_t row_bytes, size_t rows);

#endif
