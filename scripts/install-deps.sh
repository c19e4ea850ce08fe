#!/bin/sh
# Installs the Debian packages that one or more groups need, when they are
# missing. Runs as root, or through sudo.
#
#   scripts/install-deps.sh [GROUP...]     (default: build)
#
#   build   building the module: make (make deps)
#   deb     building the Debian package as well: make deb
#   demo    running it: make demo (httpd, the stand-in's openssl and Python)
#   test    everything make test runs, besides build (make test-deps)
set -eu

# apxs and httpd's headers, APR's libtool, the three libraries' headers,
# a C compiler with the C library's headers, make.
BUILD="apache2-dev libcurl4-openssl-dev libjansson-dev libssl-dev gcc
libc6-dev make"
# dpkg-buildpackage and debhelper (dh_apache2 comes with apache2-dev);
# check for the unit tests the package build runs; lintian, which make deb
# runs on the package.
DEB="dpkg-dev debhelper check lintian"
# httpd itself (and its modules), the stand-in's certificates (openssl),
# Python for the demo and the stand-in, and requests, which the harness
# package the demo's httpd.conf template lives in imports.
DEMO="apache2 openssl python3 python3-requests"
# The unit tests (check), valgrind, the lint tools, pytest with parallel
# workers, the harness's HTTP client and the stand-in's crypto, the
# session store of mod_session_dbd, a real browser, the fuzzers' clang,
# the benchmark's wrk, the package build (lintian included) for the
# system install test, redis, memcached and faketime for the revocation
# store and clock tests, and gdb for the backtrace of a test server that
# crashed.
TEST="$DEB $DEMO check valgrind clang-format cppcheck python3-pyflakes
python3-pytest python3-pytest-xdist python3-requests python3-cryptography
libaprutil1-dbd-sqlite3 chromium clang libclang-rt-14-dev wrk
redis-server memcached faketime gdb"

[ $# -gt 0 ] || set -- build
PACKAGES=""
for group in "$@"; do
    case "$group" in
    build) PACKAGES="$PACKAGES $BUILD" ;;
    deb) PACKAGES="$PACKAGES $BUILD $DEB" ;;
    demo) PACKAGES="$PACKAGES $BUILD $DEMO" ;;
    test) PACKAGES="$PACKAGES $BUILD $TEST" ;;
    *) echo "install-deps: no group $group (build, deb, demo, test)" >&2
       exit 2 ;;
    esac
done

missing=""
for pkg in $(printf '%s\n' $PACKAGES | sort -u); do
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
