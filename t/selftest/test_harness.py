"""Tests of the harness itself: the configuration its template writes for
a test server is one apache2 accepts, and apache2 -t reports what it
refuses (see harness/httpdconf.py)."""

import requests

from harness import CALLBACK_PATH


def test_base_configuration_passes_configtest(configtest):
    rc, out = configtest()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_configtest_reports_a_bad_directive(configtest):
    rc, out = configtest(directives={"ThreadsAppId": "99x"})
    assert rc != 0
    assert "ThreadsAppId" in out


def test_graceful_restart_reads_the_configuration_again(httpd_factory):
    h = httpd_factory()
    s = requests.Session()
    s.trust_env = False
    assert s.get(h.url("/after-graceful"), timeout=10).status_code == 404
    h.extra = "Alias /after-graceful %s/index.html" % h.docroot
    h.write_conf()
    h.graceful()
    assert len(h.error_log_lines(r"AH00493:")) == 1, h.error_log_tail()
    assert s.get(h.url("/after-graceful"), timeout=10).status_code == 200
    s.close()


def test_threads_error_reads_the_access_log(httpd_factory):
    h = httpd_factory()
    s = requests.Session()
    s.trust_env = False
    assert s.get(h.url("/index.html"), timeout=10).status_code == 200
    assert s.get(h.url(CALLBACK_PATH + "?x=1"),
                 timeout=10).status_code == 400
    s.close()
    assert h.threads_error("/index.html") == "-"
    assert h.threads_error(CALLBACK_PATH + "?x=1") == "invalid_request"
