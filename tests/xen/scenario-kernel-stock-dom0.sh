# dom0 part of the kernel-stock scenario, on Debian's stock kernel: the
# gntdev CLEAR_BYTE reproduction must crash the dom0 kernel (an Oops in
# unmap_grant_pages, "supervisor write access"), which proves that the
# kernel scenario's "refused" on the patched kernel means a fix. run.sh
# also looks for the Oops on the console (--expect-console).
. "$XEN_TIER/lib.sh"
start_guest || exit 1
domid=$(guest_domid)
wait_guest_line 'GUEST: READY repro' 120 || fail_now "guest not ready"
ref=$(guest_ref) || fail_now "the guest shared no page"
repro_dom0 "$domid" "$ref" 15
rc=$?
sed 's/^/XEN-TIER: repro| /' /tmp/repro.log
echo "XEN-TIER: repro exit $rc (124: munmap did not return in 15 s)"
# (the Oops itself is on the console already)
dmesg >/tmp/dmesg.txt
grep -q 'supervisor write access' /tmp/dmesg.txt && grep -q 'RIP: .*unmap_grant_pages' /tmp/dmesg.txt ||
	fail_now "the stock kernel did not Oops in unmap_grant_pages"
echo "XEN-TIER: the stock dom0 kernel Oopsed in unmap_grant_pages, as expected"
