# Guest part of the kernel-stock scenario (the dom0 part is
# scenario-kernel-stock-dom0.sh): share one page for the gntdev CLEAR_BYTE
# reproduction and hold it; dom0's kernel is expected to Oops.
B=$XEN_TIER/bin
con=/dev/hvc0
busybox stty -F "$con" raw -echo || echo "GUEST: FAIL stty"
echo "GUEST: READY repro"
# Held until dom0 is gone: the machine powers off with the guest in it.
"$B"/gntdev_clear_byte_repro guest 0 <"$con"
echo "GUEST: repro guest half exit $?"
