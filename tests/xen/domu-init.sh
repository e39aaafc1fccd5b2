#!/bin/sh
# /init of the test domU: load the grant modules, turn on dynamic debug for
# drivers/xen/grant-table.c (so every deferred grant is logged), then run
# the guest part of the scenario (/opt/xen-tier/guest.sh). Every line goes to hvc0, which dom0's
# xenconsoled logs to a file the dom0 scenario reads.
export PATH=/bin:/sbin
export XEN_TIER=/opt/xen-tier
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug

# A kernel with the driver built in (tests/xen run.sh --kernel) has its
# device already; Debian's kernel needs the module.
builtin() {
	case $1 in
	xenfs) grep -qw xenfs /proc/filesystems ;;
	*) [ -e "/dev/xen/${1#xen-}" ] ;;
	esac
}
for m in xen-evtchn xen-gntdev xen-gntalloc; do
	builtin "$m" && continue
	insmod "$XEN_TIER/modules/$m.ko" || echo "GUEST: FAIL insmod $m"
done
# gntalloc allows 1024 pages (4 MiB) for the whole guest by default: less
# than one 1080p buffer. The agent's guests need more, and so does this.
echo 16384 >/sys/module/xen_gntalloc/parameters/limit
echo 'file drivers/xen/grant-table.c +p' >/sys/kernel/debug/dynamic_debug/control
if grep -q 'grant-table.c.*=p' /sys/kernel/debug/dynamic_debug/control; then
	echo "GUEST: dyndbg on for grant-table.c"
else
	echo "GUEST: FAIL dyndbg not on for grant-table.c"
fi

if [ -f "$XEN_TIER/guest.sh" ]; then
	(cd /tmp && sh "$XEN_TIER/guest.sh")
	echo "GUEST: script exit $?"
else
	echo "GUEST: FAIL no guest script"
fi
echo "GUEST: DONE"
sync
poweroff -f
