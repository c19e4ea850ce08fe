"""Two tests that test_stop_check.py runs in a pytest of their own, to see
the httpd_factory fixture fail the test whose httpd did not stop cleanly.
The suite does not collect this file (its name does not start with
test_)."""

import fake_httpd


def test_httpd_dies_by_sigsegv_at_stop(httpd_factory):
    fake_httpd.start(httpd_factory, "segv")


def test_httpd_stops_cleanly(httpd_factory):
    fake_httpd.start(httpd_factory, "clean")
