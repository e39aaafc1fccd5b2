#!/usr/bin/env bash
# Installs, from Debian 12's archive, everything the build, the demo and the
# test suite need. Idempotent: does nothing when all is there. Run as root.
set -euo pipefail

packages=(
	# build
	build-essential meson ninja-build pkg-config clang-format
	libwayland-dev wayland-protocols libwlroots-dev libpixman-1-dev
	libxkbcommon-dev libxen-dev libpng-dev
	# real compositors and apps for the end-to-end tiers
	weston sway foot grim wtype gtk-4-examples fonts-dejavu-core
	# what GTK 4 recommends for its look: its default font, the SVG icon
	# loader (symbolic icons), its settings schemas; without them widgets
	# change size and place
	fonts-cantarell libgtk-4-bin librsvg2-common gsettings-desktop-schemas iso-codes
	# peers and tools for tests and benchmarks
	waypipe valgrind python3 python3-matplotlib
	# a virtual pointer on headless sway's seat (the pointer e2e test)
	wayvnc
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 2
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
