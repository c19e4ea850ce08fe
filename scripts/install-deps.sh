#!/bin/sh
# Installs the Debian packages that building, testing and the demo need,
# when they are missing. Runs as root, or through sudo.
set -eu

PACKAGES="apache2 apache2-dev libcurl4-openssl-dev libjansson-dev libssl-dev
openssl make gcc pkg-config check python3 python3-pytest python3-pytest-xdist
python3-requests python3-pyflakes
clang-format cppcheck valgrind python3-cryptography libaprutil1-dbd-sqlite3
chromium clang libclang-rt-14-dev wrk"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
        grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
