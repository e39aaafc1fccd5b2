#!/bin/sh
# /init of the test dom0: bring up the Xen control plane (xenstored,
# xen-init-dom0, xenconsoled), run the scenario, print the verdict on the
# console (a line "XEN-TIER: PASS" or "XEN-TIER: FAIL ...") and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export XEN_TIER=/opt/xen-tier
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/xenstored /var/log/xen/console /var/lib/xen /run/xen

fail() {
	echo "XEN-TIER: FAIL $*"
	busybox poweroff -f
}

# A kernel with the driver built in (tests/xen run.sh --kernel) has its
# device already; Debian's kernel needs the module.
builtin() {
	case $1 in
	xenfs) grep -qw xenfs /proc/filesystems ;;
	*) [ -e "/dev/xen/${1#xen-}" ] ;;
	esac
}
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
	builtin "$m" && continue
	insmod "$XEN_TIER/modules/$m.ko" || fail "insmod $m"
done
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
XENSTORED_ROOTDIR=/run/xenstored /usr/lib/xen-4.17/bin/xenstored || fail "xenstored"
/usr/lib/xen-4.17/bin/xen-init-dom0 >/dev/null || fail "xen-init-dom0"
/usr/lib/xen-4.17/bin/xenconsoled --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled"
echo "XEN-TIER: dom0 up after $(cut -d' ' -f1 /proc/uptime) s"

cd /tmp || fail "cd /tmp"
timeout "${XEN_TIER_SCENARIO_TIMEOUT:-600}" sh "$XEN_TIER/scenario.sh"
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "XEN-TIER: PASS"
else
	echo "XEN-TIER: FAIL scenario exit code $rc"
fi
sync
busybox poweroff -f
