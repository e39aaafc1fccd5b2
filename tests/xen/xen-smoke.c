// SPDX-License-Identifier: MIT
/*
 * xen-smoke: the harness's own proof that grants cross domains, written
 * straight against libxengntshr / libxengnttab / libxenvchan.
 *
 *   xen-smoke guest        (domU) share pages read-only to dom0, send refs
 *   xen-smoke host DOMID   (dom0) map them, check the pattern, unmap, ack
 *
 * The guest unshares only after dom0's "unmapped", so its kernel must not
 * defer any grant (the guest script checks dmesg).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <xengnttab.h>
#include <xenstore.h>

#define NPAGES 16
#define PAGE 4096

static int fail(const char *what)
{
	fprintf(stderr, "xen-smoke: FAIL %s (%s)\n", what, strerror(errno));
	return 1;
}

/* The channel is left non-blocking; these wait on its event channel. */
static int recv_all(struct libxenvchan *ch, void *buf, size_t len)
{
	while (libxenvchan_data_ready(ch) < (int)len) {
		if (!libxenvchan_is_open(ch) || libxenvchan_wait(ch) < 0)
			return -1;
	}
	return libxenvchan_recv(ch, buf, len) == (int)len ? 0 : -1;
}

static int send_all(struct libxenvchan *ch, const void *buf, size_t len)
{
	while (libxenvchan_buffer_space(ch) < (int)len) {
		if (!libxenvchan_is_open(ch) || libxenvchan_wait(ch) < 0)
			return -1;
	}
	return libxenvchan_send(ch, buf, len) == (int)len ? 0 : -1;
}

static uint8_t pattern(unsigned page, unsigned off)
{
	return (uint8_t)(page * 31 + off * 7 + 1);
}

static int own_domid(void)
{
	struct xs_handle *xs = xs_open(0);
	unsigned len;
	char *s;
	int id;

	if (!xs)
		return -1;
	s = xs_read(xs, XBT_NULL, "domid", &len);
	xs_close(xs);
	if (!s)
		return -1;
	id = atoi(s);
	free(s);
	return id;
}

static int guest(void)
{
	uint32_t refs[NPAGES];
	char path[128], ack[9] = { 0 };
	struct libxenvchan *ch = NULL;
	xengntshr_handle *gs;
	uint8_t *mem;
	int me, i;

	me = own_domid();
	if (me < 0)
		return fail("read own domid");
	snprintf(path, sizeof(path), "/local/domain/%d/data/xen-smoke", me);
	for (i = 0; i < 300 && !ch; i++) {
		ch = libxenvchan_client_init(NULL, 0, path);
		if (!ch)
			usleep(100000);
	}
	if (!ch)
		return fail("vchan client");

	gs = xengntshr_open(NULL, 0);
	if (!gs)
		return fail("xengntshr_open");
	mem = xengntshr_share_pages(gs, 0, NPAGES, refs, 0);
	if (!mem)
		return fail("share pages");
	for (i = 0; i < NPAGES * PAGE; i++)
		mem[i] = pattern(i / PAGE, i % PAGE);
	if (send_all(ch, refs, sizeof(refs)))
		return fail("send refs");
	if (recv_all(ch, ack, 8) || strcmp(ack, "unmapped"))
		return fail("recv unmapped");
	if (xengntshr_unshare(gs, mem, NPAGES))
		return fail("unshare");
	printf("xen-smoke: guest shared %d pages, dom0 mapped and unmapped them\n", NPAGES);
	xengntshr_close(gs);
	libxenvchan_close(ch);
	return 0;
}

static int host(int domid)
{
	uint32_t refs[NPAGES];
	struct libxenvchan *ch;
	xengnttab_handle *gt;
	char path[128];
	uint8_t *mem;
	int i;

	snprintf(path, sizeof(path), "/local/domain/%d/data/xen-smoke", domid);
	ch = libxenvchan_server_init(NULL, domid, path, 4096, 4096);
	if (!ch)
		return fail("vchan server");
	if (recv_all(ch, refs, sizeof(refs)))
		return fail("recv refs");
	gt = xengnttab_open(NULL, 0);
	if (!gt)
		return fail("xengnttab_open");
	mem = xengnttab_map_domain_grant_refs(gt, NPAGES, domid, refs, PROT_READ);
	if (!mem)
		return fail("map refs");
	for (i = 0; i < NPAGES * PAGE; i++) {
		if (mem[i] != pattern(i / PAGE, i % PAGE)) {
			errno = EBADMSG;
			return fail("pattern mismatch");
		}
	}
	if (xengnttab_unmap(gt, mem, NPAGES))
		return fail("unmap");
	if (send_all(ch, "unmapped", 8))
		return fail("send unmapped");
	printf("xen-smoke: host mapped %d pages of domain %d, pattern ok, unmapped\n",
	       NPAGES, domid);
	xengnttab_close(gt);
	libxenvchan_close(ch);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "guest"))
		return guest();
	if (argc == 3 && !strcmp(argv[1], "host"))
		return host(atoi(argv[2]));
	fprintf(stderr, "usage: xen-smoke guest | host DOMID\n");
	return 2;
}
