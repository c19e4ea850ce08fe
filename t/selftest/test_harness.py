"""Tests of the harness itself: the configuration its template writes for
a test server is one apache2 accepts, and apache2 -t reports what it
refuses (see harness/httpdconf.py); the redis server and client, and the
environment httpd runs with."""

import requests

from harness import APP_ID, CALLBACK_PATH, clean_env
from harness.redis import (pace_key, redis_key, revocation_record,
                           user_key)


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


def test_redis_server_stores_stops_and_comes_back_empty(redis):
    redis.command("SET", "k", "v\n1", "EX", "60")
    assert redis.get("k") == b"v\n1"
    assert 0 < redis.ttl("k") <= 60
    assert redis.calls("get") == 1
    port = redis.port
    redis.stop()
    assert not redis.running
    redis.start()
    assert redis.port == port
    assert redis.get("k") is None


def test_module_store_keys_as_redis_holds_them(redis):
    key = user_key("17841405793187218")
    assert key == "threads:%s:u:17841405793187218" % APP_ID
    redis.command("SET", redis_key(key), "1 5 10\nabc 20")
    assert redis.entries() == [key]
    assert revocation_record(redis.entry(key)) == {
        "before": 5, "before_until": 10, "logins": {"abc": 20}}
    # The pace key names the token by the first 16 bytes of its SHA-256.
    assert pace_key("abc") == ("threads:%s:p:BA7816BF8F01CFEA414140DE5DAE2223"
                               % APP_ID)


def test_httpd_env_adds_a_preload_before_the_sanitizer(monkeypatch):
    monkeypatch.setenv("THREADS_HTTPD_PRELOAD", "/asan.so")
    monkeypatch.setenv("ASAN_OPTIONS", "detect_leaks=0")
    env = clean_env({"LD_PRELOAD": "/faketime.so", "FAKETIME": "+2d"})
    assert env["LD_PRELOAD"] == "/faketime.so:/asan.so"
    assert env["ASAN_OPTIONS"] == "detect_leaks=0:verify_asan_link_order=0"
    assert env["FAKETIME"] == "+2d"
    assert clean_env()["ASAN_OPTIONS"] == "detect_leaks=0"
    assert clean_env()["LD_PRELOAD"] == "/asan.so"
    monkeypatch.delenv("THREADS_HTTPD_PRELOAD")
    assert "LD_PRELOAD" not in clean_env()
    assert clean_env({"LD_PRELOAD": "/f.so"})["LD_PRELOAD"] == "/f.so"
