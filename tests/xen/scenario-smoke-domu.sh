# Guest part of the smoke scenario: share, wait for dom0's unmap, unshare;
# then no grant may have gone through the kernel's deferred path.
if /opt/xen-tier/bin/xen-smoke guest; then
	echo "GUEST: smoke ok"
else
	echo "GUEST: FAIL smoke"
fi
n=$(dmesg | grep -c -e 'deferring g.e.' -e 'still pending')
echo "GUEST: deferred-lines=$n"
