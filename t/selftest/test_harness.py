"""Tests of the harness itself: the configuration its template writes for
a test server is one apache2 accepts, and apache2 -t reports what it
refuses (see harness/httpdconf.py)."""


def test_base_configuration_passes_configtest(configtest):
    rc, out = configtest()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_configtest_reports_a_bad_directive(configtest):
    rc, out = configtest(directives={"ThreadsAppId": "99x"})
    assert rc != 0
    assert "ThreadsAppId" in out
