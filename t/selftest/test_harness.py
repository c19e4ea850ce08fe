"""Tests of the harness itself: the configuration its template writes for
a test server is one apache2 accepts, and apache2 -t reports what it
refuses (see harness/httpdconf.py); the leak search finds what it claims
to find (harness/leaks.py); the FastCGI application answers as
mod_proxy_fcgi expects (harness/fastcgi.py); the redis server and client,
and the environment httpd runs with."""

import base64
import binascii
import re
import socket
import struct
import urllib.parse

import pytest

from harness.fastcgi import FastCGIApp
from harness.loopback import LoopbackServer
from harness.leaks import (WINDOW, cookie_secrets, cookie_value,
                           describe_leaks, find_leaks)

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


# What each MPM logs when SIGUSR1 asks for a graceful restart.
GRACEFUL_LINES = {"event": "AH00493", "worker": "AH00297",
                  "prefork": "AH00171"}


@pytest.mark.parametrize("mpm", sorted(GRACEFUL_LINES))
def test_graceful_restart_reads_the_configuration_again(httpd_factory, mpm):
    """Under every MPM, also after a full restart (the error log then holds
    the lines of the earlier start). Each request on a new connection: a
    kept-alive one may stay with a child of the old generation."""
    def status():
        with requests.Session() as s:
            s.trust_env = False
            return s.get(h.url("/after-graceful"), timeout=10,
                         headers={"Connection": "close"}).status_code

    h = httpd_factory(mpm=mpm)
    h.restart()
    assert status() == 404
    for n, (alias, expected) in enumerate([(True, 200), (False, 404)], 1):
        h.extra = ("Alias /after-graceful %s/index.html" % h.docroot
                   if alias else "")
        h.write_conf()
        h.graceful()
        assert len(h.error_log_lines(GRACEFUL_LINES[mpm] + ":")) == n, (
            h.error_log_tail())
        assert status() == expected


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
    redis.command("SET", redis_key(key), "1796000000:1 5 10\nabc 20")
    assert redis.entries() == [key]
    assert redis.entry_expiry(key) == 1796000000
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


# ---------------------------------------------------------------------------
# harness/leaks.py: the search must find a secret in each form it claims
# ---------------------------------------------------------------------------

SECRET = "AQB" + "x7-_Kq9ZvR2mT4pL" * 5 + "=end"


@pytest.mark.parametrize("logged", [
    SECRET,
    urllib.parse.quote(SECRET, safe=""),
    urllib.parse.quote(urllib.parse.quote(SECRET, safe=""), safe=""),
    base64.b64encode(SECRET.encode()).decode(),
    binascii.hexlify(SECRET.encode()).decode(),
    # A dump that cuts the value in two lines keeps its head and its tail.
    SECRET[:30] + "\n[x] [dumpio:trace7] [pid 1] mod_dumpio.c(100): "
    + SECRET[30:],
], ids=["raw", "url-encoded", "twice", "base64", "hex", "split"])
def test_find_leaks_finds_every_form(logged):
    log = "[x] [core:debug] [pid 1] util_cookies.c(58): 'k=%s'\n" % logged
    found = find_leaks(log, {"the secret": SECRET})
    assert set(found) == {"the secret"}
    assert re.search(r"from \[(core:debug|dumpio:trace7)\] \w+\.c\(\d+\)",
                     describe_leaks(found)), describe_leaks(found)


def test_find_leaks_finds_nothing_in_a_clean_log():
    log = "[x] [core:debug] [pid 1] AH00007: set cookie: 'k=%s'\n" % (
        SECRET[:WINDOW - 1])
    assert find_leaks(log, {"the secret": SECRET}) == {}


def test_cookie_secrets_are_the_value_and_its_long_entries():
    value = "a.b=" + "S" * 40 + "&expiry=1796113326612592&short=xyz"
    assert cookie_secrets(value) == [value, "S" * 40]
    assert cookie_value("session=" + value + ";path=/;HttpOnly") == value
    assert cookie_value("other=1; session=v") == "v"


# ---------------------------------------------------------------------------
# harness/fastcgi.py, as mod_proxy_fcgi would speak to it
# ---------------------------------------------------------------------------

def fcgi_record(rtype, content=b"", rid=1):
    return (struct.pack("!BBHHBx", 1, rtype, rid, len(content), 0)
            + content)


def fcgi_pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


class _BrokenPeer(LoopbackServer):
    def handle(self, conn):
        if conn.recv(16) == b"drop":
            raise ConnectionResetError("a peer that went away")
        raise KeyError("a defect of the peer")


def test_a_loopback_peer_that_raises_fails_its_stop():
    peer = _BrokenPeer("127.0.0.1")
    for data in (b"drop", b"defect"):
        with socket.create_connection(("127.0.0.1", peer.port), 5) as s:
            s.sendall(data)
            assert s.recv(16) == b""  # closed after the handler
    with pytest.raises(AssertionError) as e:
        peer.stop()
    text = str(e.value)
    assert text.startswith("_BrokenPeer failed on 1 connection(s):"), text
    assert "KeyError: 'a defect of the peer'" in text
    assert "ConnectionResetError" not in text


def test_fastcgi_app_answers_with_its_parameters():
    app = FastCGIApp()
    try:
        with socket.create_connection(("127.0.0.1", app.port), 5) as s:
            params = (fcgi_pair(b"REQUEST_URI", b"/x?y=1")
                      + fcgi_pair(b"LONG", b"v" * 300))
            s.sendall(fcgi_record(1, b"\0\1\1" + b"\0" * 5)  # keep conn
                      + fcgi_record(4, params) + fcgi_record(4)
                      + fcgi_record(5))
            out = b""
            while not out.endswith(fcgi_record(3, b"\0" * 8)):
                out += s.recv(65536)
        assert app.requests == [{"REQUEST_URI": "/x?y=1",
                                 "LONG": "v" * 300}]
        assert b"Content-Type: application/json" in out
        assert b'"LONG": "' + b"v" * 300 in out
    finally:
        app.stop()
