"""httpd on a clock of its own: libfaketime preloaded into a test server
(Httpd(env=faketime_env("+2d"))), so a token from a real-time server is
old there without waiting a day."""

import os

import pytest

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

needs_faketime = pytest.mark.skipif(
    not os.path.exists(LIBFAKETIME),
    reason="libfaketime is not installed (Debian package faketime)")


def faketime_env(offset):
    """httpd's environment for a clock offset as libfaketime reads it
    ("+2d", "+20h"): the wall clock only, so that httpd's timers and
    timeouts (on the monotonic clock) run as usual."""
    return {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": offset,
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
