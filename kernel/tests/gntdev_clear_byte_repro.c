// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev_clear_byte_repro: the dom0 Oops of ../../shared/zero-copy-dom0.md.
 *
 *   guest half (domU): share one writable page with dom0 through
 *     /dev/xen/gntalloc, print its reference, hold it until stdin closes.
 *   dom0 half: IOCTL_GNTDEV_MAP_GRANT_REF of that reference, then
 *     IOCTL_GNTDEV_SET_UNMAP_NOTIFY with UNMAP_NOTIFY_CLEAR_BYTE before any
 *     mmap, then mmap(PROT_READ), then munmap.
 *
 * On a fixed kernel either the ioctl or the mmap is refused: the program
 * prints "FIXED" and exits 0. On a stock 6.1 kernel the mmap succeeds and
 * the munmap makes gntdev write the notify byte through a read-only grant
 * mapping: the kernel Oopses and munmap never returns. If it does return,
 * the program prints "VULNERABLE" and exits 1. Setup errors exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gnt_uapi.h"

#define PAGE_SZ 4096u

static int fail(const char *what)
{
	fprintf(stderr, "gntdev_clear_byte_repro: %s: %s\n", what,
		strerror(errno));
	return 2;
}

static int run_guest(unsigned int dom0)
{
	struct ioctl_gntalloc_alloc_gref op = {
		.domid = (__u16)dom0,
		.flags = GNTALLOC_FLAG_WRITABLE,
		.count = 1,
	};
	int fd = open("/dev/xen/gntalloc", O_RDWR);
	char buf[64];

	if (fd < 0)
		return fail("open /dev/xen/gntalloc");
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &op))
		return fail("IOCTL_GNTALLOC_ALLOC_GREF");
	printf("REF %u\n", op.gref_ids[0]);
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin))
		;
	close(fd);
	return 0;
}

static int run_dom0(unsigned int guest, unsigned int ref)
{
	struct ioctl_gntdev_map_grant_ref map = { .count = 1 };
	struct ioctl_gntdev_unmap_notify notify;
	int fd = open("/dev/xen/gntdev", O_RDWR);
	void *addr;

	if (fd < 0)
		return fail("open /dev/xen/gntdev");
	map.refs[0].domid = guest;
	map.refs[0].ref = ref;
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map))
		return fail("IOCTL_GNTDEV_MAP_GRANT_REF");

	memset(&notify, 0, sizeof(notify));
	notify.index = map.index;
	notify.action = UNMAP_NOTIFY_CLEAR_BYTE;
	if (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &notify)) {
		printf("FIXED: SET_UNMAP_NOTIFY(CLEAR_BYTE) before mmap refused: %s\n",
		       strerror(errno));
		return 0;
	}

	addr = mmap(NULL, PAGE_SZ, PROT_READ, MAP_SHARED, fd,
		    (off_t)map.index);
	if (addr == MAP_FAILED) {
		printf("FIXED: read-only mmap after CLEAR_BYTE refused: %s\n",
		       strerror(errno));
		return 0;
	}
	printf("mmap(PROT_READ) accepted, byte 0 = %d; munmap now (a stock kernel Oopses here)\n",
	       *(volatile unsigned char *)addr);
	fflush(stdout);
	munmap(addr, PAGE_SZ);
	printf("VULNERABLE: munmap returned, check dmesg for an Oops\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "guest"))
		return run_guest((unsigned int)strtoul(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "dom0"))
		return run_dom0((unsigned int)strtoul(argv[2], NULL, 10),
				(unsigned int)strtoul(argv[3], NULL, 10));
	fprintf(stderr,
		"usage: gntdev_clear_byte_repro guest DOM0_ID   (prints REF n, holds it until stdin closes)\n"
		"       gntdev_clear_byte_repro dom0 GUEST_ID REF\n");
	return 2;
}
