/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UAPI of /dev/xen/gntalloc and /dev/xen/gntdev for the test programs.
 *
 * Build with -I pointing at a directory holding xen/gntalloc.h and
 * xen/gntdev.h copied from the patched tree's include/uapi/xen/ (the
 * Makefile does that when KSRC is set). Without them, the few definitions
 * the series adds are provided here so that the programs still build
 * against the distribution's headers.
 */
#ifndef GNT_UAPI_H
#define GNT_UAPI_H

#include <linux/types.h>
#include <stdint.h>
#include <sys/ioctl.h>
/* gntdev.h uses these without defining them (also in the kernel's copy). */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#ifndef IOCTL_GNTALLOC_SET_FILE_FLAGS
#define IOCTL_GNTALLOC_SET_FILE_FLAGS \
_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntalloc_file_flags))
struct ioctl_gntalloc_file_flags {
	__u32 flags;
	__u32 reserved;
};
#define GNTALLOC_FILE_FLAG_EXPECT_DEFERRED_RECLAIM 0x1
#endif

_Static_assert(sizeof(struct ioctl_gntalloc_file_flags) == 8,
	       "IOCTL_GNTALLOC_SET_FILE_FLAGS argument layout");

#endif /* GNT_UAPI_H */
