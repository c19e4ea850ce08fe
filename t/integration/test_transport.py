"""The module's outgoing calls to Threads: TLS verification, connection
failures, keep-alive and the outgoing proxy (contract 2: ThreadsCaFile,
ThreadsSslVerify, ThreadsOutgoingProxy; contract 4: Threads unreachable or
a TLS failure is 502 with nothing stored).

The code exchange goes to the stand-in's HTTPS endpoint; a second stand-in
with a bad certificate (another CA, expired, another host name) plays a
Threads that must not be trusted.
"""

import json
import select
import socket
import time

import pytest

from harness import (APP_ID, CALLBACK_PATH, USER_ID, LoopbackServer, read_head,
                     assert_module_json, assert_module_page, describe,
                     free_port)

START = "/app/env.cgi"
MODULE_ENDPOINTS = ("token", "exchange", "refresh", "me")


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def assert_not_logged_in(browser, standin):
    cookie = browser.cookie()
    assert not cookie or "threads.token" not in cookie, cookie
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    r = browser.get(START)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")


def wait_for(predicate, timeout=3.0):
    """predicate's value once true, or its last value after timeout (the
    stand-in records a failed handshake in its own thread, maybe after
    httpd has answered)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def module_requests(standin):
    """What the module (not the test's browser) sent to the stand-in."""
    return [r for r in standin.requests if r.endpoint in MODULE_ENDPOINTS]


def callback_with_code_of(browser, flow, other, httpd):
    """Finishes flow with a code that the stand-in other issued (the code
    exchange of httpd goes to other)."""
    code = other.issue_code(httpd.redirect_uri, "threads_basic", APP_ID)
    return browser.get("%s?code=%s&state=%s" % (CALLBACK_PATH, code,
                                                flow.state),
                       headers={"Sec-Fetch-Site": "cross-site"})


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------

def test_https_with_the_ca_file(httpd, browser, standin):
    browser.login(START)
    env = cgi_env(browser.get(START))
    assert env["REMOTE_USER"] == USER_ID
    assert standin.tls_errors == []
    post, = standin.requests_for("token")
    assert post.method == "POST"


def test_system_cas_do_not_trust_the_stand_in(httpd_factory, browser_factory,
                                              standin):
    h = httpd_factory(directives={"ThreadsCaFile": None})
    assert "ThreadsCaFile" not in open(h.conf_path).read()
    b = browser_factory(h)
    flow = b.start_login(START)
    assert_module_page(b.get(flow.callback_url), 502)
    assert standin.requests_for("token") == []
    assert wait_for(lambda: standin.tls_errors), "no TLS handshake was tried"
    assert_not_logged_in(b, standin)


@pytest.mark.parametrize("cert", ["untrusted", "expired", "wrong_host"],
                         ids=["other_ca", "expired", "wrong_host_name"])
def test_bad_certificate_is_502(httpd_factory, browser_factory, standin,
                                standin_factory, cert):
    bad = standin_factory(cert=cert)
    h = httpd_factory(directives={"ThreadsTokenUrl": bad.token_url,
                                  "ThreadsGraphUrl": bad.graph_url})
    b = browser_factory(h)
    flow = b.start_login(START)
    r = callback_with_code_of(b, flow, bad, h)
    assert_module_page(r, 502)
    assert bad.requests == [], "a request went over a bad TLS connection"
    assert wait_for(lambda: bad.connections >= 1), (
        "the module never tried the bad server")
    if cert != "wrong_host":
        # libcurl checks the host name itself once the handshake is done,
        # so only these two fail the handshake on the server's side.
        assert wait_for(lambda: bad.tls_errors), \
            "the handshake did not fail"
    assert_not_logged_in(b, standin)
    log = h.error_log()
    assert "THREADS00200" in log or "code exchange" in log, log[-2000:]


def test_ssl_verify_off_accepts_another_ca(httpd_factory, browser_factory,
                                          standin, standin_factory):
    bad = standin_factory(cert="untrusted")
    h = httpd_factory(directives={"ThreadsTokenUrl": bad.token_url,
                                  "ThreadsGraphUrl": bad.graph_url,
                                  "ThreadsSslVerify": "Off"})
    # Warned at startup, before any request.
    warned = h.error_log_lines(r"\[threads_oauth:warn\].*ThreadsSslVerify Off")
    assert warned, h.error_log_tail(20)
    b = browser_factory(h)
    flow = b.start_login(START)
    r = callback_with_code_of(b, flow, bad, h)
    assert r.status_code == 302, describe(r)
    post, = bad.requests_for("token")
    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == post.response_json()["access_token"]


def test_ssl_verify_on_is_not_warned(httpd):
    assert httpd.error_log_lines("ThreadsSslVerify") == []


# ---------------------------------------------------------------------------
# Connection failures
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Keep-alive
# ---------------------------------------------------------------------------

ONE_CHILD = """
StartServers 1
ServerLimit 1
MaxRequestWorkers 16
"""


def test_logins_share_one_tls_connection(httpd_factory, browser_factory,
                                         standin):
    h = httpd_factory(mpm="event", extra=ONE_CHILD,
                      directives={"ThreadsLongLivedToken": "On",
                                  "ThreadsProfile": "On"})
    b = browser_factory(h)
    for _ in range(2):
        b.clear_cookies()
        b.login(START)
        assert cgi_env(b.get(START))["THREADS_TOKEN_TYPE"] == "long"
    calls = module_requests(standin)
    assert [r.endpoint for r in calls] == ["token", "exchange", "me"] * 2
    clients = {r.client for r in calls}
    assert len(clients) == 1, (
        "the module opened %d connections for %d calls: %s"
        % (len(clients), len(calls), sorted(clients)))
    # Every connection (and TLS handshake) the stand-in accepted: the test
    # browser's and the module's one.
    all_clients = {r.client for r in standin.requests}
    assert standin.connections == len(all_clients), (
        standin.connections, all_clients)
    assert standin.tls_errors == []


# ---------------------------------------------------------------------------
# The outgoing proxy
# ---------------------------------------------------------------------------

class ConnectProxy(LoopbackServer):
    """A small HTTP CONNECT proxy on 127.0.0.1 that records what it is
    asked and tunnels to loopback addresses only."""

    def __init__(self):
        self.upstream_ports = set()  # local ports of tunnels to targets
        super().__init__("127.0.0.1")
        self.url = "http://127.0.0.1:%d" % self.port

    def handle(self, conn):
        head = read_head(conn, 16384)
        if not head:
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        self.record(line)
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n"
                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        host, _, port = parts[1].rpartition(":")
        if not host.startswith("127."):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\n"
                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        up = socket.create_connection((host, int(port)), timeout=10)
        try:
            self.upstream_ports.add(up.getsockname()[1])
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            rest = head.split(b"\r\n\r\n", 1)[1]
            if rest:
                up.sendall(rest)
            self._pipe(conn, up)
        finally:
            up.close()

    def _pipe(self, a, b):
        socks = [a, b]
        while not self.stopped():
            readable, _, _ = select.select(socks, [], [], 0.5)
            for s in readable:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)


@pytest.fixture
def connect_proxy():
    p = ConnectProxy()
    yield p
    p.stop()


def test_outgoing_proxy(httpd_factory, browser_factory, standin,
                        connect_proxy):
    h = httpd_factory(directives={"ThreadsOutgoingProxy": connect_proxy.url,
                                  "ThreadsLongLivedToken": "On",
                                  "ThreadsProfile": "On"})
    b = browser_factory(h)
    b.login(START)
    env = cgi_env(b.get(START))
    assert env["THREADS_TOKEN_TYPE"] == "long"
    target = "127.0.0.2:%d" % standin.port
    assert connect_proxy.requests, "the proxy was not used"
    for line in connect_proxy.requests:
        assert line.split()[:2] == ["CONNECT", target], line
    calls = module_requests(standin)
    assert [r.endpoint for r in calls] == ["token", "exchange", "me"]
    for r in calls:
        assert r.client[1] in connect_proxy.upstream_ports, (
            "%s did not come through the proxy" % r.path)


def test_dead_outgoing_proxy_is_502(httpd_factory, browser_factory, standin):
    dead = free_port("127.0.0.1")
    h = httpd_factory(directives={
        "ThreadsOutgoingProxy": "http://127.0.0.1:%d" % dead})
    b = browser_factory(h)
    flow = b.start_login(START)
    assert_module_page(b.get(flow.callback_url), 502)
    assert standin.requests_for("token") == []
    assert_not_logged_in(b, standin)


def assert_environment(h, name, value):
    with open("/proc/%d/environ" % h.proc.pid, "rb") as f:
        environ = f.read().split(b"\0")
    assert ("%s=%s" % (name, value)).encode() in environ


def test_proxy_environment_is_ignored(httpd_factory, browser_factory,
                                      standin):
    dead = "http://127.0.0.1:%d" % free_port("127.0.0.1")
    h = httpd_factory(directives={"ThreadsLongLivedToken": "On"},
                      env={name: dead for name in (
                          "http_proxy", "https_proxy", "HTTP_PROXY",
                          "HTTPS_PROXY", "all_proxy", "ALL_PROXY")})
    assert_environment(h, "https_proxy", dead)
    b = browser_factory(h)
    b.login(START)
    assert cgi_env(b.get(START))["THREADS_TOKEN_TYPE"] == "long"
    assert [r.endpoint for r in module_requests(standin)] == \
        ["token", "exchange"]


@pytest.mark.parametrize("name", ["no_proxy", "NO_PROXY"])
def test_no_proxy_environment_does_not_bypass_the_outgoing_proxy(
        httpd_factory, browser_factory, standin, connect_proxy, name):
    # The directive decides, as it does for http_proxy and friends.
    h = httpd_factory(directives={"ThreadsOutgoingProxy": connect_proxy.url},
                      env={name: "*"})
    assert_environment(h, name, "*")
    b = browser_factory(h)
    b.login(START)
    assert connect_proxy.requests == [
        "CONNECT 127.0.0.2:%d HTTP/1.1" % standin.port], (
        "the code exchange did not go through ThreadsOutgoingProxy")
    post, = standin.requests_for("token")
    assert post.client[1] in connect_proxy.upstream_ports
