"""Fault injection on the calls to Threads (contract 4, 6 and 7).

The code exchange is made to fail in every way this file can arrange on
loopback: a name that does not resolve, a closed port, a server that
never finishes its TLS handshake, answers that trickle, stop, lie about
their length, redirect, come as HTML or are JSON with bad strings or
fields. Each case asserts the exact status of the callback AND that
nothing was stored: the cookie holds no token entry, ?info=json says 401
and the protected page starts a new login.

The long-lived exchange and the profile read are then made to fail with
every fault kind of the stand-in: the login still succeeds with what it
has (the 1-hour token, no profile) and a warning is logged.

Cases another file already covers the same way are left out here (see
test_4_callback.py, test_7_tokens.py and test_transport.py: OAuthException,
garbage, no token, 500/502/503 pages, 302 and 307, a body over 1 MiB,
user_id float/negative/0/40 digits, access_token empty/5000 bytes/CR LF/
\\u0001/DEL/NUL, TLS failures).
"""

import json
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.parse

import pytest

from harness import (CALLBACK_PATH, USER_ID, LoopbackServer, read_head,
                     assert_module_json, assert_module_page, describe,
                     free_port)

START = "/app/env.cgi?from=faults"
TOKEN_ENTRY = "threads.token"
TIMEOUT = {"ThreadsHttpTimeout": "2"}
# The callback may answer a timeout this late (ThreadsHttpTimeout 2).
TIMEOUT_LATEST = 3.5


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def session_entries(cookie_value):
    """mod_session's encoded session (a=b&c=d, URL-encoded): a dict."""
    return dict(urllib.parse.parse_qsl(cookie_value or "",
                                       keep_blank_values=True))


def assert_nothing_stored(browser, standin):
    """The cookie holds no token entry, ?info=json is 401 and the
    protected page starts a new login."""
    cookie = browser.cookie()
    assert TOKEN_ENTRY not in session_entries(cookie), (
        "a token entry was stored: %r" % cookie)
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    r = browser.get("/app/env.cgi")
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?"), (
        describe(r))
    assert TOKEN_ENTRY not in session_entries(browser.cookie())


def timed_callback(browser, flow):
    t0 = time.monotonic()
    r = browser.get(flow.callback_url,
                    headers={"Sec-Fetch-Site": "cross-site"})
    return r, time.monotonic() - t0


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def module_lines(httpd, level, pattern, since=0):
    """Lines of the module at level (warn, error) matching pattern."""
    rx = re.compile(r"\[threads_oauth:%s\].*%s" % (level, pattern), re.I)
    return [ln for ln in httpd.error_log_since(since).splitlines()
            if rx.search(ln)]


def assert_no_secret_logged(httpd, *secrets):
    log = httpd.error_log()
    for s in secrets:
        if s:
            assert s not in log, "a secret is in the error log"


# ---------------------------------------------------------------------------
# A name that does not resolve (a private mount namespace, loopback only)
# ---------------------------------------------------------------------------

def _namespace_problem(resolv_conf):
    """None when this machine lets us bind-mount a file over
    /etc/resolv.conf in a private mount namespace, else why not."""
    try:
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c",
             'mount --bind "$0" /etc/resolv.conf && cat /etc/resolv.conf',
             resolv_conf],
            capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "unshare cannot run: %s" % e
    if proc.returncode != 0:
        return ("unshare -m / mount --bind is not permitted here: %s"
                % (proc.stderr.strip() or "exit %d" % proc.returncode))
    if "nameserver 127.0.0.1" not in proc.stdout:
        return "the bind mount did not take effect"
    return None


def start_with_resolv_conf(h, resolv_conf):
    """Starts httpd h (made with start=False) in a private mount namespace
    whose /etc/resolv.conf is resolv_conf. The namespace is private to this
    httpd: the machine's own file is untouched."""
    # unshare runs sh in place (no fork), which then runs httpd in place:
    # the PID the harness watches and signals is httpd's own.
    h.launcher = lambda argv: [
        "unshare", "-m", "sh", "-c",
        'mount --bind "$0" /etc/resolv.conf && exec "$@"',
        resolv_conf] + argv
    return h.start()


def test_name_that_does_not_resolve_is_502(httpd_factory, browser_factory,
                                           standin, workdir):
    resolv = os.path.join(workdir, "resolv-loopback.conf")
    with open(resolv, "w") as f:
        # Nothing listens on 127.0.0.1:53: every lookup fails at once.
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    os.chmod(resolv, 0o644)
    problem = _namespace_problem(resolv)
    if problem:
        pytest.skip(problem)
    h = httpd_factory(start=False, directives=dict(TIMEOUT, **{
        "ThreadsTokenUrl": "https://threads-standin.invalid:%d"
                           "/oauth/access_token" % standin.port}))
    start_with_resolv_conf(h, resolv)
    b = browser_factory(h)
    flow = b.start_login(START)
    mark = h.error_log_mark()
    r, elapsed = timed_callback(b, flow)
    assert_module_page(r, 502)
    assert elapsed < TIMEOUT_LATEST, "answered after %.2f s" % elapsed
    assert standin.requests_for("token") == []
    lines = module_lines(h, "error", r"resolve", mark)
    assert lines, ("no error-log line says the name could not be "
                   "resolved:\n" + h.error_log_since(mark))
    assert any("threads-standin.invalid" in ln for ln in lines), lines
    assert_nothing_stored(b, standin)
    assert_no_secret_logged(h, flow.code)


# ---------------------------------------------------------------------------
# Connections that fail or stall
# ---------------------------------------------------------------------------

def test_connection_refused_is_502_at_once(httpd_factory, browser_factory,
                                           standin):
    closed = free_port("127.0.0.2")
    h = httpd_factory(directives=dict(TIMEOUT, **{
        "ThreadsTokenUrl": "https://127.0.0.2:%d/oauth/access_token"
                           % closed}))
    b = browser_factory(h)
    flow = b.start_login(START)
    mark = h.error_log_mark()
    r, elapsed = timed_callback(b, flow)
    assert_module_page(r, 502)
    assert elapsed < 1.5, "answered after %.2f s" % elapsed
    assert module_lines(h, "error", r"code exchange.*unreachable", mark), (
        h.error_log_since(mark))
    assert_nothing_stored(b, standin)


class SilentListener:
    """A port on 127.0.0.2 that accepts TCP (the kernel's backlog) and
    never says a word: the TLS handshake stalls."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def test_stalled_tls_handshake_is_504_in_time(httpd_factory,
                                              browser_factory, standin):
    silent = SilentListener()
    try:
        h = httpd_factory(directives=dict(TIMEOUT, **{
            "ThreadsTokenUrl": "https://127.0.0.2:%d/oauth/access_token"
                               % silent.port}))
        b = browser_factory(h)
        flow = b.start_login(START)
        r, elapsed = timed_callback(b, flow)
        assert_module_page(r, 504)
        assert 1.5 <= elapsed <= TIMEOUT_LATEST, (
            "answered after %.2f s" % elapsed)
        assert_nothing_stored(b, standin)
    finally:
        silent.close()


def test_fast_trickle_beyond_the_timeout_is_504(httpd_factory,
                                                browser_factory, standin):
    # A byte every 0.2 s: the connection is never idle for long, only the
    # total time limit can end the call.
    h = httpd_factory(directives=TIMEOUT)
    b = browser_factory(h)
    standin.set_fault("token", "trickle", interval=0.2, bytes=1)
    flow = b.start_login(START)
    r, elapsed = timed_callback(b, flow)
    assert_module_page(r, 504)
    assert 1.5 <= elapsed <= TIMEOUT_LATEST, "answered after %.2f s" % elapsed
    assert len(standin.requests_for("token")) == 1
    assert_nothing_stored(b, standin)


@pytest.mark.parametrize("kind", ["reset", "reset_mid_body"])
def test_reset_is_502(httpd, browser, standin, kind):
    standin.set_fault("token", kind)
    flow = browser.start_login(START)
    mark = httpd.error_log_mark()
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert standin.requests_for("token"), "the exchange never reached Threads"
    assert module_lines(httpd, "error", r"code exchange failed", mark), (
        httpd.error_log_since(mark))
    assert_nothing_stored(browser, standin)


# ---------------------------------------------------------------------------
# A token endpoint that says anything at all (raw bytes over TLS)
# ---------------------------------------------------------------------------

GOOD_JSON = b'{"access_token": "THQVJrawtoken", "user_id": %s}' % (
    USER_ID.encode())


class RawTokenServer(LoopbackServer):
    """An HTTPS server on 127.0.0.2 (the stand-in's certificate) that
    reads one request per connection and answers with respond(conn),
    which writes whatever bytes it likes. Records the request lines."""

    def __init__(self, cert, respond):
        self.respond = respond
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert.cert, cert.key)
        super().__init__("127.0.0.2")
        self.url = "https://127.0.0.2:%d/oauth/access_token" % self.port

    def handle(self, raw):
        conn = self.ctx.wrap_socket(raw, server_side=True)
        try:
            head = read_head(conn, 65536)
            if not head:
                return
            head, _, body = head.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            want = int(m.group(1)) if m else 0
            while len(body) < want:
                data = conn.recv(4096)
                if not data:
                    break
                body += data
            self.record(head.split(b"\r\n", 1)[0])
            self.respond(conn)
        finally:
            conn.close()


def _send(conn, *parts):
    for p in parts:
        conn.sendall(p)


def _head(status=b"200 OK", extra=b"", ctype=b"application/json"):
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype
            + b"\r\n" + extra)


def raw_short_body_then_fin(conn):
    # Content-Length promises more than comes before the close.
    _send(conn, _head(extra=b"Content-Length: 500\r\n\r\n"), GOOD_JSON)


def raw_announced_over_1_mib(conn):
    _send(conn, _head(extra=b"Content-Length: %d\r\n\r\n"
                      % (1024 * 1024 + 1)), GOOD_JSON)


def raw_read_to_close_over_1_mib(conn):
    # HTTP/1.0 style: no length, the body ends at the close.
    pad = b" " * (1024 * 1024)
    _send(conn, _head(extra=b"Connection: close\r\n\r\n"),
          GOOD_JSON[:-1] + pad + b"}")


def raw_bad_chunk_size(conn):
    _send(conn, _head(extra=b"Transfer-Encoding: chunked\r\n\r\n"),
          b"zz\r\n" + GOOD_JSON + b"\r\n0\r\n\r\n")


def raw_chunked_without_end(conn):
    # A valid first chunk, then the connection closes mid-stream.
    _send(conn, _head(extra=b"Transfer-Encoding: chunked\r\n\r\n"),
          b"%x\r\n%s\r\n" % (len(GOOD_JSON), GOOD_JSON))


def raw_no_status_line(conn):
    _send(conn, GOOD_JSON + b"\r\n\r\n")


def raw_header_line_over_100_kib(conn):
    # One header line longer than any client keeps.
    _send(conn, _head(), b"X-Padding: " + b"p" * (200 * 1024) + b"\r\n",
          b"Content-Length: %d\r\n\r\n" % len(GOOD_JSON), GOOD_JSON)


def raw_endless_headers(conn, server):
    # Header lines as fast as they go, never a blank line: libcurl's cap
    # on the header section (300 KiB) or the time limit ends it. Bounded
    # here by the stop of the server or 20 s.
    _send(conn, _head())
    line = b"X-More: " + b"m" * 1000 + b"\r\n"
    deadline = time.monotonic() + 20
    while not server.wait_until_stopped(0.001) and \
            time.monotonic() < deadline:
        conn.sendall(line * 16)


def raw_http_0_9(conn):
    _send(conn, b"OK\n")


def raw_binary_noise(conn):
    _send(conn, bytes(range(256)) * 16)


def raw_headers_then_stall(conn, server):
    # The head arrives, the body never does: only the time limit ends it.
    _send(conn, _head(extra=b"Content-Length: %d\r\n\r\n" % len(GOOD_JSON)))
    server.wait_until_stopped(10)


RAW_CASES = {
    "short_body_then_fin": (raw_short_body_then_fin, 502),
    "content_length_over_1_mib": (raw_announced_over_1_mib, 502),
    "read_to_close_over_1_mib": (raw_read_to_close_over_1_mib, 502),
    "bad_chunk_size": (raw_bad_chunk_size, 502),
    "chunked_without_last_chunk": (raw_chunked_without_end, 502),
    "no_status_line": (raw_no_status_line, 502),
    "header_line_over_100_kib": (raw_header_line_over_100_kib, 502),
    "endless_headers": (raw_endless_headers, (502, 504)),
    "http_0_9": (raw_http_0_9, 502),
    "binary_noise": (raw_binary_noise, 502),
    "headers_then_stall": (raw_headers_then_stall, 504),
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_token_answer(httpd_factory, browser_factory, standin, tls,
                          case):
    respond, status = RAW_CASES[case]
    holder = {}

    def answer(conn):
        if respond in (raw_headers_then_stall, raw_endless_headers):
            respond(conn, holder["server"])
        else:
            respond(conn)

    server = RawTokenServer(tls.server, answer)
    holder["server"] = server
    try:
        h = httpd_factory(directives=dict(TIMEOUT,
                                          ThreadsTokenUrl=server.url))
        b = browser_factory(h)
        flow = b.start_login(START)
        r, elapsed = timed_callback(b, flow)
        if isinstance(status, tuple):
            assert r.status_code in status, describe(r)
            status = r.status_code
        assert_module_page(r, status)
        assert elapsed <= TIMEOUT_LATEST, "answered after %.2f s" % elapsed
        if status == 504:
            assert elapsed >= 1.5, "answered after %.2f s" % elapsed
        assert server.requests, "the module never asked the raw server"
        assert all(line.startswith(b"POST /oauth/access_token ")
                   for line in server.requests), server.requests
        assert_nothing_stored(b, standin)
    finally:
        server.stop()


def test_raw_server_serves_a_good_answer(httpd_factory, browser_factory,
                                         standin, tls):
    # The raw server itself works: a proper answer logs in.
    def good(conn):
        _send(conn, _head(extra=b"Content-Length: %d\r\n\r\n"
                          % len(GOOD_JSON)), GOOD_JSON)

    server = RawTokenServer(tls.server, good)
    try:
        h = httpd_factory(directives=dict(TIMEOUT,
                                          ThreadsTokenUrl=server.url))
        b = browser_factory(h)
        flow = b.login(START)
        assert flow.final.status_code == 200, describe(flow.final)
        env = cgi_env(b.get(START))
        assert env["THREADS_ACCESS_TOKEN"] == "THQVJrawtoken"
        assert env["REMOTE_USER"] == USER_ID
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# Redirects and error pages from the token endpoint
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 303, 308])
def test_redirect_is_not_followed(httpd, browser, standin, standin_factory,
                                  status):
    other = standin_factory()
    standin.set_fault("token", "redirect", status=status,
                      location=other.token_url)
    flow = browser.start_login(START)
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert len(standin.requests_for("token")) == 1
    assert other.requests == [] and other.connections == 0, (
        "the redirect target was requested")
    assert_nothing_stored(browser, standin)


def test_redirect_carrying_a_token_is_refused(httpd, browser, standin,
                                              standin_factory):
    # A 302 whose body is a perfect token answer: only a 200 counts.
    other = standin_factory()
    standin.set_fault("token", "custom", status=302, body=GOOD_JSON,
                      headers=[("Location", other.token_url)])
    flow = browser.start_login(START)
    mark = httpd.error_log_mark()
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert other.connections == 0
    assert module_lines(httpd, "error", r"HTTP 302", mark), (
        httpd.error_log_since(mark))
    assert_nothing_stored(browser, standin)


@pytest.mark.parametrize("status", [500, 504])
def test_5xx_carrying_a_token_is_refused(httpd, browser, standin, status):
    standin.set_fault("token", "custom", status=status, body=GOOD_JSON)
    flow = browser.start_login(START)
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert_nothing_stored(browser, standin)


def test_threads_504_page_is_502_not_504(httpd, browser, standin):
    # Threads answered in time; its own gateway timeout is a bad answer.
    standin.set_fault("token", "error5xx", status=504)
    flow = browser.start_login(START)
    r, elapsed = timed_callback(browser, flow)
    page = assert_module_page(r, 502)
    assert "Gateway Time-out" not in page and "Sorry, something" not in page
    assert elapsed < 2
    assert_nothing_stored(browser, standin)


# ---------------------------------------------------------------------------
# The 1 MiB cap, exactly
# ---------------------------------------------------------------------------

MIB = 1024 * 1024


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_body_of_exactly_1_mib_is_accepted(httpd, browser, standin,
                                           chunked):
    standin.set_fault("token", "huge", size=MIB, chunked=chunked)
    flow = browser.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    env = cgi_env(browser.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == "THQVJhuge"
    assert env["REMOTE_USER"] == USER_ID


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_body_of_1_mib_and_one_byte_is_502(httpd, browser, standin,
                                           chunked):
    standin.set_fault("token", "huge", size=MIB + 1, chunked=chunked)
    flow = browser.start_login(START)
    mark = httpd.error_log_mark()
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert module_lines(httpd, "error", r"over 1048576 bytes|too_large",
                        mark), httpd.error_log_since(mark)
    assert_nothing_stored(browser, standin)


# ---------------------------------------------------------------------------
# JSON that is not quite right
# ---------------------------------------------------------------------------

UID = USER_ID.encode()


def token_json(token=b'"THQVJabcdef"', user_id=UID, extra=b""):
    return (b'{"access_token": ' + token + b', "user_id": ' + user_id
            + extra + b"}")


BAD_JSON = {
    # Invalid UTF-8, wherever it sits: the document is refused whole.
    "utf8_ff_in_token": token_json(token=b'"THQVJ\xffab"'),
    "utf8_overlong_slash": token_json(extra=b', "note": "\xc0\xaf"'),
    "utf8_encoded_surrogate": token_json(extra=b', "note": "\xed\xa0\x80"'),
    "utf8_truncated_sequence": token_json(extra=b', "note": "ab\xe2\x82"'),
    "utf8_in_a_key": token_json(extra=b', "n\xfe": 1'),
    "lone_surrogate_escape": token_json(extra=b', "note": "\\ud800"'),
    # NUL, escaped or raw.
    "nul_in_user_id_string": token_json(user_id=b'"1784\\u0000"'),
    "nul_in_another_member": token_json(extra=b', "note": "a\\u0000b"'),
    "nul_in_a_key": token_json(extra=b', "\\u0000": 1'),
    "raw_nul_between_members": token_json(extra=b',\x00 "note": 1'),
    "raw_nul_after_the_object": token_json() + b"\x00",
    # Structure.
    "duplicate_access_token": token_json(
        extra=b', "access_token": "THQVJother"'),
    "duplicate_user_id": token_json(extra=b', "user_id": 5'),
    "second_document": token_json() + b' {"a": 1}',
    "nested_10000_deep": b'{"access_token": "THQVJab", "user_id": 5, '
                         b'"x": ' + b"[" * 10000 + b"]" * 10000 + b"}",
    # user_id shapes not covered elsewhere.
    "user_id_true": token_json(user_id=b"true"),
    "user_id_array": token_json(user_id=b"[5]"),
    "user_id_object": token_json(user_id=b'{"id": 5}'),
    "user_id_exponent_small": token_json(user_id=b"1e3"),
    "user_id_integral_float": token_json(user_id=b"5.0"),
    "user_id_2_63_overflows": token_json(user_id=b"9223372036854775808"),
    "user_id_string_plus": token_json(user_id=b'"+5"'),
    "user_id_string_leading_zero": token_json(user_id=b'"0017"'),
    "user_id_string_empty": token_json(user_id=b'""'),
    "user_id_string_space": token_json(user_id=b'" 5"'),
    "user_id_string_negative": token_json(user_id=b'"-5"'),
    "user_id_string_33_digits": token_json(user_id=b'"' + b"1" * 33 + b'"'),
    # access_token shapes not covered elsewhere.
    "token_3000_bytes": token_json(token=b'"THQVJ' + b"a" * 2995 + b'"'),
    "token_2049_bytes": token_json(token=b'"THQVJ' + b"a" * 2044 + b'"'),
    "token_cr_only": token_json(token=b'"THQVJ\\rab"'),
    "token_lf_only": token_json(token=b'"THQVJ\\nab"'),
    "token_tab": token_json(token=b'"THQVJ\\tab"'),
    "token_space": token_json(token=b'"THQVJ ab"'),
    "token_escape_1b": token_json(token=b'"THQVJ\\u001b[31mab"'),
    "token_nel_0085": token_json(token=b'"THQVJ\\u0085ab"'),
    "token_line_separator": token_json(token=b'"THQVJ\\u2028ab"'),
    "token_non_ascii": token_json(token=b'"THQVJ\xc3\xa9ab"'),
    "token_true": token_json(token=b"true"),
    "token_object": token_json(token=b'{"v": "THQVJab"}'),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_bad_json_is_502(httpd, browser, standin, case):
    body = BAD_JSON[case]
    standin.set_fault("token", "custom", body=body)
    flow = browser.start_login(START)
    mark = httpd.error_log_mark()
    r, _ = timed_callback(browser, flow)
    assert_module_page(r, 502)
    assert "Set-Cookie: x" not in str(r.headers)
    assert module_lines(httpd, "error", r"code exchange: unusable answer",
                        mark), httpd.error_log_since(mark)
    assert len(standin.requests_for("token")) == 1
    assert_nothing_stored(browser, standin)
    assert_no_secret_logged(httpd, flow.code, "THQVJabcdef")


@pytest.mark.parametrize("length", [1, 2048], ids=["1_byte", "2048_bytes"])
def test_token_length_limits_are_inclusive(httpd, browser, standin, length):
    token = ("THQVJ" + "b" * length)[:length]
    standin.set_fault("token", "custom", body=token_json(
        token=json.dumps(token).encode()))
    flow = browser.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    env = cgi_env(browser.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == token
    assert len(browser.cookie()) < 4000, len(browser.cookie())


# The largest answers the module accepts: a 2048-byte token (the cap), a
# profile name cut to 256 bytes, a username of 256 bytes. Whatever it
# accepts must still fit the one cookie a browser keeps (name=value at most
# 4096 bytes, contract 3), or the login "succeeds" into a cookie the
# browser drops.
BIG_NAME = "\u00e9" * 128          # 256 bytes of UTF-8
BIG_USERNAME = "u" * 256


def set_cookie_pair(resp):
    value = resp.headers.get("Set-Cookie", "")
    return value.split(";", 1)[0]


def big_profile_server(httpd_factory, standin, username):
    h = httpd_factory(directives={"ThreadsProfile": "On"})
    standin.token_length = 2048
    standin.name = BIG_NAME
    standin.username = username
    return h


@pytest.mark.parametrize("username", ["threads_tester", BIG_USERNAME],
                         ids=["short_username", "username_256"])
def test_largest_accepted_login_fits_one_cookie(httpd_factory,
                                                browser_factory, standin,
                                                username):
    h = big_profile_server(httpd_factory, standin, username)
    b = browser_factory(h)
    flow = b.login(START)
    pair = set_cookie_pair(flow.callback)
    assert len(pair) <= 4096, (
        "the login's cookie is %d bytes: a browser drops it" % len(pair))
    env = cgi_env(flow.final)
    assert len(env["THREADS_ACCESS_TOKEN"]) == 2048


def test_second_login_with_the_largest_token_can_finish(httpd_factory,
                                                        browser_factory,
                                                        standin):
    # Logged in with a large token record, a new login (a step-up, a
    # second "Sign in" link) must keep its own pending state.
    h = big_profile_server(httpd_factory, standin, "threads_tester")
    b = browser_factory(h)
    b.login(START)
    flow = b.start_login(CALLBACK_PATH + "?login=%2Fapp%2Fpage.html")
    pair = set_cookie_pair(flow.start)
    assert "threads.pending" in urllib.parse.unquote(pair), (
        "the new login's state was not kept (cookie %d bytes)" % len(pair))
    b.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 302, describe(flow.callback)
    assert flow.callback.headers["Location"] == "/app/page.html", (
        describe(flow.callback))


def test_user_id_2_63_minus_1_is_kept(httpd, browser, standin):
    uid = "9223372036854775807"
    standin.set_fault("token", "custom", body=token_json(user_id=uid.encode()))
    flow = browser.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    assert cgi_env(browser.get(START))["REMOTE_USER"] == uid


def test_error_object_with_invalid_utf8_is_502(httpd, browser, standin):
    # An OAuthException is 403 only when the document itself is valid.
    standin.set_fault("token", "custom", status=400, body=(
        b'{"error_type": "OAuthException", "code": 400, '
        b'"error_message": "bad \xff code"}'))
    flow = browser.start_login(START)
    r, _ = timed_callback(browser, flow)
    page = assert_module_page(r, 502)
    assert "bad" not in page
    assert_nothing_stored(browser, standin)


def test_error_message_with_control_characters_is_escaped(httpd, browser,
                                                          standin):
    standin.set_fault("token", "custom", status=400, body=json.dumps({
        "error_type": "OAuthException", "code": 400,
        "error_message": "no\r\nSet-Cookie: x=1\u001b[2J<b>"}).encode())
    flow = browser.start_login(START)
    mark = browser.httpd.error_log_mark()
    r, _ = timed_callback(browser, flow)
    page = assert_module_page(r, 403)
    assert "<b>" not in page
    assert "Set-Cookie: x" not in str(r.headers)
    log = browser.httpd.error_log_since(mark)
    assert not re.search(r"^Set-Cookie", log, re.M), log
    assert "\x1b" not in log, "an escape sequence reached the error log"
    assert_nothing_stored(browser, standin)


# ---------------------------------------------------------------------------
# The long-lived exchange and the profile, with every fault
# ---------------------------------------------------------------------------

EXTRA_FAULTS = {
    "slow": ("slow", {"seconds": 10}),
    "trickle": ("trickle", {"interval": 0.2}),
    "reset": ("reset", {}),
    "reset_mid_body": ("reset_mid_body", {}),
    "garbage": ("garbage", {}),
    "huge": ("huge", {}),
    "huge_chunked": ("huge", {"chunked": True}),
    # Not 190, which ends the login (test_7_tokens).
    "reject": ("reject", {"code": 100, "message": "Unsupported request"}),
    "error500": ("error5xx", {"status": 500}),
    "error503": ("error5xx", {"status": 503}),
    "redirect": ("redirect", {}),
    "no_token": ("no_token", {"body": '{"token_type": "bearer"}'}),
    "empty_200": ("custom", {"body": b""}),
    "invalid_utf8": ("custom", {
        "body": b'{"access_token": "THAA\xff", "id": "\xff"}'}),
    "nul": ("custom", {
        "body": b'{"access_token": "THAA\\u0000x", "id": "1\\u0000"}'}),
}
SLOW = ("slow", "trickle")


def login_with_fault(httpd_factory, browser_factory, standin, endpoint,
                     case, directives):
    kind, params = EXTRA_FAULTS[case]
    h = httpd_factory(directives=dict(TIMEOUT, **directives))
    b = browser_factory(h)
    standin.set_fault(endpoint, kind, **params)
    mark = h.error_log_mark()
    t0 = time.monotonic()
    flow = b.login(START)
    elapsed = time.monotonic() - t0
    assert flow.final.status_code == 200, describe(flow.final)
    assert elapsed < 2 + TIMEOUT_LATEST, "login took %.2f s" % elapsed
    assert standin.requests_for("moved") == [], "a redirect was followed"
    short = standin.requests_for("token")[0].response_json()["access_token"]
    return h, b, mark, short


@pytest.mark.parametrize("case", sorted(EXTRA_FAULTS))
def test_long_lived_exchange_fault_keeps_the_short_token(
        httpd_factory, browser_factory, standin, case):
    h, b, mark, short = login_with_fault(
        httpd_factory, browser_factory, standin, "exchange", case,
        {"ThreadsLongLivedToken": "On", "ThreadsProfile": "On"})
    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == short
    assert env["THREADS_TOKEN_TYPE"] == "short"
    assert env["REMOTE_USER"] == USER_ID
    # The profile is still read, with the short token.
    assert env.get("THREADS_USERNAME") == standin.username
    assert module_lines(h, "warn", r"no long-lived token", mark), (
        h.error_log_since(mark))
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["token_type"] == "short"
    assert_no_secret_logged(h, short)


@pytest.mark.parametrize("case", sorted(EXTRA_FAULTS))
def test_profile_fault_logs_in_without_a_profile(
        httpd_factory, browser_factory, standin, case):
    h, b, mark, short = login_with_fault(
        httpd_factory, browser_factory, standin, "me", case,
        {"ThreadsProfile": "On"})
    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == short
    assert env["THREADS_TOKEN_TYPE"] == "short"
    assert env["REMOTE_USER"] == USER_ID
    assert "THREADS_USERNAME" not in env, env
    assert "THREADS_NAME" not in env, env
    assert module_lines(h, "warn", r"profile", mark), h.error_log_since(mark)
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["username"] is None
    assert_no_secret_logged(h, short)
