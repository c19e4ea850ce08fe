"""Hostile clients (contract 3, 4, 5, 5a and 6; SECURITY.md).

A client that forges the module's headers in every spelling, smuggles CR
and LF into every value that reaches a header or a Location, sends huge,
numerous, cut or altered cookies, replays a cookie after logout, presents
another browser's code and state, tries every open-redirect spelling, and
plays games with methods, paths and absolute-form request targets.

The backends that watch what reaches the application are the CGI env.cgi
(under several ThreadsPassAs settings) and a small HTTP server on
127.0.0.1 behind mod_proxy that records the raw request headers it gets.
"""

import http.client
import json
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import (BASE_MODULES, CALLBACK_PATH, USER_ID, assert_module_json,
                     assert_module_page, assert_redirect_to, describe,
                     has_link, query_of)

START = "/app/env.cgi?from=hostile"
TOKEN_ENTRY = "threads.token"
PENDING_ENTRY = "threads.pending"
XHR = {"X-Requested-With": "XMLHttpRequest"}
PASS_MODES = ("env", "headers", "both", "none")
# What the module hands on, by ThreadsPassAs (besides the notes).
REAL_VARS = ("ACCESS_TOKEN", "USER_ID", "TOKEN_EXPIRES", "TOKEN_TYPE",
             "SCOPE")


# ---------------------------------------------------------------------------
# A backend behind mod_proxy that records the headers it receives
# ---------------------------------------------------------------------------

class HeaderRecorder:
    """An HTTP server on 127.0.0.1 that answers every request with the
    raw header list it received, as JSON, and keeps the lists."""

    def __init__(self):
        recorder = self
        self.seen = []
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # idle kept-alive proxy connections end

            def do_GET(self):
                items = [list(kv) for kv in self.headers.items()]
                with recorder._lock:
                    recorder.seen.append(items)
                body = json.dumps(items).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    r = HeaderRecorder()
    yield r
    r.stop()


WITH_PROXY = BASE_MODULES + ("proxy", "proxy_http")


def hostile_config(h, backend_port):
    """The same CGI under every ThreadsPassAs, the recording backend
    behind a proxy under every ThreadsPassAs, and optional login (pass)
    for both."""
    d = h.docroot
    lines = [
        'Alias /opt "%s/app"' % d,
        "<Location /opt>",
        "    AuthType Threads",
        "    ThreadsUnauthAction pass",
        "    Require all granted",
        "</Location>",
        "<Location /px-opt>",
        "    AuthType Threads",
        "    ThreadsUnauthAction pass",
        "    Require all granted",
        "    ThreadsPassAs both",
        "    ProxyPass http://127.0.0.1:%d/" % backend_port,
        "</Location>",
    ]
    for mode in PASS_MODES:
        lines += [
            'Alias /pa-%s "%s/app"' % (mode, d),
            "<Location /pa-%s>" % mode,
            "    AuthType Threads",
            "    Require valid-user",
            "    ThreadsPassAs %s" % mode,
            "</Location>",
            "<Location /px-%s>" % mode,
            "    AuthType Threads",
            "    Require valid-user",
            "    ThreadsPassAs %s" % mode,
            "    ProxyPass http://127.0.0.1:%d/" % backend_port,
            "</Location>",
        ]
    return "\n".join(lines)


@pytest.fixture
def hostile(httpd_factory, recorder):
    """An httpd with hostile_config()."""
    h = httpd_factory(start=False, modules=WITH_PROXY)
    h.extra = hostile_config(h, recorder.port)
    return h.start()


# ---------------------------------------------------------------------------
# Raw HTTP
# ---------------------------------------------------------------------------

def _dechunk(data):
    out = []
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        data = rest[size + 2:]
    return b"".join(out)


class RawResponse:
    """status, lines (the raw header lines), headers (lower-case name ->
    list of values), body (bytes)."""

    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        parts = self.status_line.split(" ", 2)
        self.status = int(parts[1]) if len(parts) > 1 else 0
        self.lines = lines[1:]
        self.headers = {}
        for ln in self.lines:
            name, _, value = ln.partition(":")
            self.headers.setdefault(name.strip().lower(), []).append(
                value.strip())
        self.head = head
        if "chunked" in (self.header("Transfer-Encoding") or "").lower():
            self.body = _dechunk(self.body)

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def __repr__(self):
        return "%s\n%s\n\n%s" % (self.status_line, "\n".join(self.lines),
                                 self.body[:1500].decode("utf-8", "replace"))


def raw_request(httpd, target, headers=(), method="GET", timeout=10):
    """Sends one request exactly as given (target as bytes or text, header
    pairs in order, duplicates allowed) on a fresh connection and reads
    the whole answer (Connection: close)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    req = [method.encode() + b" " + target + b" HTTP/1.1"]
    names = {n.lower() for n, _ in headers}
    if "host" not in names:
        req.append(b"Host: %s:%d" % (httpd.host.encode(), httpd.port))
    for name, value in headers:
        req.append(("%s: %s" % (name, value)).encode("latin-1"))
    req.append(b"Connection: close")
    data = b"\r\n".join(req) + b"\r\n\r\n"
    with socket.create_connection((httpd.host, httpd.port),
                                  timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # httpd refused a huge request early: read its answer
        chunks = []
        while True:
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                break
            if not d:
                break
            chunks.append(d)
    return RawResponse(b"".join(chunks))


NAV = [("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document")]


def session_entries(cookie_value):
    return dict(urllib.parse.parse_qsl(cookie_value or "",
                                       keep_blank_values=True))


def cookie_of(resp):
    """The session cookie's value set by a RawResponse."""
    return resp.header("Set-Cookie").split(";", 1)[0].split("=", 1)[1]


def callback_of_raw_login(browser, r):
    """Takes the login that the RawResponse r started (its cookie, its 302
    to Threads) on in browser: the callback URL Threads sends back to."""
    browser.set_cookie(cookie_of(r))
    authz = browser.get(r.header("Location"),
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert authz.status_code == 302, describe(authz)
    return browser.location(authz)


def finish_raw_login(browser, r):
    """The callback's answer to the login the RawResponse r started."""
    return browser.get(callback_of_raw_login(browser, r),
                       headers={"Sec-Fetch-Site": "cross-site"})


def assert_no_injected_header(resp, *names):
    """No raw header line of resp starts with one of names, and no header
    value holds CR or LF."""
    for ln in resp.lines:
        for name in names:
            assert not ln.lower().startswith(name.lower()), (
                "injected header %r in:\n%r" % (ln, resp))
        assert "\r" not in ln and "\n" not in ln, ln


def assert_local_location(httpd, loc):
    """loc is a path on httpd (relative, or absolute on its origin) that a
    browser cannot read as another host."""
    assert loc, "no Location"
    assert not re.search(r"[\x00-\x20\x7f-\xff\\]", loc), (
        "Location with a control, space, backslash or non-ASCII: %r" % loc)
    if loc.startswith(httpd.base_url + "/"):
        loc = loc[len(httpd.base_url):]
    assert loc.startswith("/") and not loc.startswith("//"), (
        "not a local Location: %r" % loc)
    target = urllib.parse.urlsplit(urllib.parse.urljoin(httpd.base_url + "/",
                                                        loc))
    assert (target.scheme, target.netloc) == ("http", "%s:%d" % (
        httpd.host, httpd.port)), loc


def logged_in(browser, path=START):
    flow = browser.login(path)
    assert flow.final.status_code == 200, describe(flow.final)
    return flow


def assert_logged_out(browser):
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    r = browser.get("/app/page.html", navigate=False, headers=XHR)
    assert r.status_code == 401, describe(r)


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


# ---------------------------------------------------------------------------
# 1. Forged X-Threads-* headers, every spelling, every ThreadsPassAs
# ---------------------------------------------------------------------------

OTHER_USER = "17841400000000001"
OTHER_IN_VALUE = "ok; X-Threads-User-Id: 17841400000000002"
FORGED_TOKEN = "THQVJforged" + "Q" * 140
FORGED = [
    ("X-Threads-User-Id", OTHER_USER),
    ("x-threads-user-id", "forged-lower"),
    ("X_THREADS_USER_ID", "forged-underscores"),
    ("X-Threads_User-Id", "forged-mixed-1"),
    ("x_threads-access_token", "forged-mixed-2"),
    ("X-Threads-Access-Token", FORGED_TOKEN),
    ("X-Threads-Access-Token", "forged-duplicate"),
    ("X-THREADS-TOKEN-EXPIRES", "9999999999"),
    ("X-Threads-Token-Type", "forged-type"),
    ("X-Threads-Scope", "threads_basic,threads_delete"),
    ("X-Threads-Username", "forged-username"),
    ("X-Threads-Name", "forged-name"),
    ("X_Threads_Name", "forged-name-2"),
    ("X-Threads-Anything", "forged-anything"),
    # A value in the module's own header format, in another header.
    ("X-Other", OTHER_IN_VALUE),
]
FORGED_VALUES = [v for _, v in FORGED if v != OTHER_IN_VALUE]


def real_values(browser, standin):
    """THREADS_* names (without prefix) -> the module's values for the
    browser's login."""
    env = cgi_env(browser.get("/pa-env/env.cgi"))
    vals = {k: env["THREADS_" + k] for k in REAL_VARS}
    assert vals["USER_ID"] == USER_ID
    assert vals["ACCESS_TOKEN"] in standin.issued_tokens()
    return vals


def as_headers(values):
    """real_values() as the sorted header pairs the module sends."""
    return sorted(("X-Threads-" + "-".join(
        w.capitalize() for w in k.split("_")), v) for k, v in values.items())


def threads_headers(items):
    """The sorted X-Threads-* (or X_Threads_*) pairs of a header list."""
    return sorted((n, v) for n, v in items
                  if n.lower().replace("_", "-").startswith("x-threads"))


def forged_request(httpd, browser, path, extra=()):
    headers = [("Cookie", "session=" + browser.cookie())] \
        if browser.cookie() else []
    return raw_request(httpd, path, headers + NAV + list(FORGED)
                       + list(extra))


def assert_no_forged_value(text):
    for v in FORGED_VALUES:
        assert v not in text, "the forged value %r reached the app" % v


@pytest.mark.parametrize("mode", PASS_MODES)
def test_cgi_never_sees_forged_headers(hostile, browser_factory, standin,
                                       mode):
    b = browser_factory(hostile)
    logged_in(b)
    real = real_values(b, standin)
    r = forged_request(hostile, b, "/pa-%s/env.cgi" % mode)
    assert r.status == 200, r
    env = json.loads(r.body)
    text = r.body.decode()
    assert_no_forged_value(text)
    assert env["REMOTE_USER"] == USER_ID
    assert env["HTTP_X_OTHER"] == OTHER_IN_VALUE
    got_env = {k[len("THREADS_"):]: v for k, v in env.items()
               if k.startswith("THREADS_")}
    got_hdr = {k[len("HTTP_X_THREADS_"):]: v for k, v in env.items()
               if k.startswith("HTTP_X_THREADS_")}
    want = real if mode in ("env", "both") else {}
    assert got_env == want, env
    want = real if mode in ("headers", "both") else {}
    assert got_hdr == want, env


@pytest.mark.parametrize("mode", PASS_MODES)
def test_proxied_backend_never_sees_forged_headers(hostile, browser_factory,
                                                   standin, recorder, mode):
    b = browser_factory(hostile)
    logged_in(b)
    real = real_values(b, standin)
    r = forged_request(hostile, b, "/px-%s/x" % mode)
    assert r.status == 200, r
    items = json.loads(r.body)
    assert_no_forged_value(r.body.decode())
    threads = threads_headers(items)
    if mode in ("headers", "both"):
        assert threads == as_headers(real), items
    else:
        assert threads == [], items
    assert ["X-Other", OTHER_IN_VALUE] in items


@pytest.mark.parametrize("path", ["/opt/env.cgi", "/px-opt/x"])
def test_forged_headers_removed_when_not_logged_in(hostile, browser_factory,
                                                   standin, path):
    b = browser_factory(hostile)
    r = forged_request(hostile, b, path)
    assert r.status == 200, r
    text = r.body.decode()
    assert_no_forged_value(text)
    if path.endswith(".cgi"):
        env = json.loads(text)
        assert not [k for k in env if "THREADS" in k], env
        assert env.get("REMOTE_USER", "") == ""
    else:
        items = json.loads(text)
        assert not [n for n, _ in items if "threads" in n.lower()], items


def test_forged_headers_on_the_callback(hostile, browser_factory, standin):
    # The callback serves ?info=json from the session only.
    b = browser_factory(hostile)
    r = forged_request(hostile, b, CALLBACK_PATH + "?info=json",
                       extra=[("X-Requested-With", "XMLHttpRequest")])
    assert r.status == 401, r
    logged_in(b)
    r = forged_request(hostile, b, CALLBACK_PATH + "?info=json")
    assert r.status == 200, r
    info = json.loads(r.body, parse_int=str)
    assert str(info["user_id"]) == USER_ID
    assert_no_forged_value(r.body.decode())


def proxied_request(httpd, path, headers):
    """GET path with the header pairs in order (duplicates allowed) on a
    fresh connection that http.client keeps open, so that the request's
    own Connection header is the only one: (status, body)."""
    conn = http.client.HTTPConnection(httpd.host, httpd.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# Connection headers that name the module's headers as hop-by-hop, which
# mod_proxy would drop before the backend; X-Hop names a harmless header.
CONNECTION_VALUES = [
    "close, X-Threads-User-Id, X-Threads-Access-Token",
    "X-THREADS-USER-ID, x-threads-access-token, X-Threads-Token-Expires, "
    "x-Threads-token-type, X-Threads-Scope",
    "X_Threads_User_Id,X-Threads-Access-Token , X-Hop",
    "X-Threads-User-Id",
]


@pytest.mark.parametrize("mode", ["headers", "both"])
@pytest.mark.parametrize("connection", CONNECTION_VALUES,
                         ids=["close", "cases", "underscore-and-hop",
                              "alone"])
def test_connection_header_cannot_drop_the_modules_headers(
        hostile, browser_factory, standin, recorder, mode, connection):
    b = browser_factory(hostile)
    logged_in(b)
    real = real_values(b, standin)
    status, body = proxied_request(hostile, "/px-%s/x" % mode, [
        ("Cookie", "session=" + b.cookie()), ("Connection", connection),
        ("X-Hop", "hop-by-hop"), ("X-Kept", "end-to-end")] + NAV
        + list(FORGED))
    assert status == 200, body
    items = json.loads(body)
    assert_no_forged_value(body.decode())
    assert threads_headers(items) == as_headers(real), items
    names = [n.lower() for n, _ in items]
    # Other tokens of Connection still work: X-Hop is hop-by-hop where it
    # is named, X-Kept always reaches the backend.
    assert ("x-hop" in names) == ("X-Hop" not in connection), items
    assert ["X-Kept", "end-to-end"] in items


def test_connection_header_naming_a_custom_header_still_drops_it(
        hostile, browser_factory, standin, recorder):
    b = browser_factory(hostile)
    logged_in(b)
    status, body = proxied_request(hostile, "/px-headers/x", [
        ("Cookie", "session=" + b.cookie()), ("Connection", "X-Hop"),
        ("X-Hop", "hop-by-hop")] + NAV)
    assert status == 200, body
    items = json.loads(body)
    names = [n.lower() for n, _ in items]
    assert "x-hop" not in names, items
    assert dict(items)["X-Threads-User-Id"] == USER_ID


# ---------------------------------------------------------------------------
# 2. CR/LF injection into headers and Locations
# ---------------------------------------------------------------------------

INJECTED = ("Set-Cookie: a=b", "Set-Cookie: x=1", "X: y", "X:y",
            "X-Injected")


@pytest.mark.parametrize("query", [
    "login=/x%0d%0aSet-Cookie:%20a=b",
    "login=/x%0aSet-Cookie:%20a=b",
    "login=/x%0dSet-Cookie:%20a=b",
    "logout=/%0d%0aX:y",
    "logout=/%0aX:y",
    "logout=/x%0d%0a%0d%0a<html>",
], ids=["login-crlf", "login-lf", "login-cr", "logout-crlf", "logout-lf",
        "logout-body"])
def test_crlf_in_login_and_logout_links_is_400(hostile, browser_factory,
                                               standin, query):
    b = browser_factory(hostile)
    logged_in(b)
    r = raw_request(hostile, CALLBACK_PATH + "?" + query,
                    [("Cookie", "session=" + b.cookie())] + NAV)
    assert r.status == 400, r
    assert r.header("Location") is None, r
    assert_no_injected_header(r, *INJECTED)
    assert b"<html>\r\n" not in r.body and b"\r\n<html>" not in r.body


RETURN_PATHS = [
    "/app/env.cgi%0d%0aSet-Cookie:%20a=b",
    "/app/page.html?next=%0d%0aX:y",
    "/app/page.html?a=%0aSet-Cookie:%20x=1&b=%0d",
]


@pytest.mark.parametrize("path", RETURN_PATHS,
                         ids=["path", "query", "query-lf"])
def test_crlf_in_the_return_url(hostile, browser_factory, standin, path):
    b = browser_factory(hostile)
    r = raw_request(hostile, path, NAV)
    assert r.status == 302, r
    assert_no_injected_header(r, *INJECTED)
    assert r.header("Location").startswith(standin.authorize_url + "?")
    # The script's 401 carries the login link in JSON, never in a header.
    x = raw_request(hostile, path, [("X-Requested-With", "XMLHttpRequest")])
    assert x.status == 401, x
    assert_no_injected_header(x, *INJECTED)
    body = json.loads(x.body)
    assert "\r" not in body["login_url"] and "\n" not in body["login_url"]
    # Finish the login started by the raw request: the callback sends the
    # browser back to exactly the encoded path.
    target = callback_of_raw_login(b, r)[len(hostile.base_url):]
    cb = raw_request(hostile, target,
                     [("Cookie", "session=" + b.cookie())] + NAV)
    assert cb.status == 302, cb
    assert_no_injected_header(cb, *INJECTED)
    assert cb.header("Location") == path, cb
    assert_local_location(hostile, cb.header("Location"))


@pytest.mark.parametrize("path", [
    "/app/a%3Fb=1", "/app/a%23frag", "/app/100%25", "/app/caf%C3%A9.html",
    "/app/a%2523b", "/app/my%20page.html?x=%20",
], ids=["encoded-question-mark", "encoded-hash", "encoded-percent",
        "utf-8", "double-encoded", "encoded-space"])
def test_encoded_return_url_comes_back_unchanged(hostile, browser_factory,
                                                 standin, path):
    # The original URL is kept as the client sent it: decoding it once
    # would make %3F a query, %23 a fragment, %25 a broken escape.
    b = browser_factory(hostile)
    r = raw_request(hostile, path, NAV)
    assert r.status == 302, r
    cb = finish_raw_login(b, r)
    assert cb.status_code == 302, describe(cb)
    assert cb.headers["Location"] == path, describe(cb)


def test_crlf_in_error_description_and_reason(hostile, browser_factory,
                                              standin):
    b = browser_factory(hostile)
    flow = b.start_login(START)
    mark = hostile.error_log_mark()
    fake = "[Sat Jan 01 00:00:00.000000 2000] [threads_oauth:crit] forged"
    query = urllib.parse.urlencode([
        ("error", "access_denied"),
        ("error_reason", "user_denied\r\n" + fake),
        ("error_description", "no\r\nSet-Cookie: x=1\r\n\r\n<b>x</b>"),
        ("state", flow.state)])
    r = raw_request(hostile, CALLBACK_PATH + "?" + query,
                    [("Cookie", "session=" + b.cookie())] + NAV)
    assert r.status == 403, r
    assert_no_injected_header(r, *INJECTED)
    assert b"<b>x</b>" not in r.body
    log = hostile.error_log_since(mark)
    assert not any(ln.startswith("[Sat Jan 01") for ln in log.splitlines()), (
        "a forged line reached the error log:\n" + log)
    assert standin.requests_for("token") == []


@pytest.mark.parametrize("field,value", [
    ("name", "Evil\r\nX-Injected: 1"),
    ("name", "Evil\nX-Injected: 1"),
    ("name", "Evil\rX-Injected: 1"),
    ("username", "evil\r\nX-Injected: 2"),
], ids=["name-crlf", "name-lf", "name-cr", "username-crlf"])
def test_crlf_in_the_profile_never_reaches_the_backend(
        httpd_factory, browser_factory, standin, recorder, field, value):
    h = httpd_factory(start=False, modules=WITH_PROXY,
                      directives={"ThreadsProfile": "On"})
    h.extra = hostile_config(h, recorder.port)
    h.start()
    setattr(standin, field, value)
    b = browser_factory(h)
    mark = h.error_log_mark()
    logged_in(b)
    r = b.get("/px-headers/x")
    assert r.status_code == 200, describe(r)
    items = json.loads(r.text)
    names = [n.lower() for n, _ in items]
    assert "x-injected" not in names, items
    for n, v in items:
        assert "\r" not in v and "\n" not in v and "X-Injected" not in v, (
            n, v)
    assert "x-threads-name" not in names and "x-threads-username" not in names
    env = cgi_env(b.get("/pa-both/env.cgi"))
    assert "HTTP_X_INJECTED" not in env, env
    assert "THREADS_NAME" not in env and "THREADS_USERNAME" not in env
    assert env["REMOTE_USER"] == USER_ID
    assert re.search(r"\[threads_oauth:warn\].*profile",
                     h.error_log_since(mark)), h.error_log_since(mark)


# C1 controls and the direction marks, embeddings, overrides and isolates
# of Unicode: in a username or a name they would reorder or hide what an
# admin page, a log viewer or a terminal shows.
UNSAFE_PROFILE_CHARS = ["\u0080", "\u0085", "\u009f", "\u200e", "\u200f",
                        "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                        "\u2066", "\u2067", "\u2068", "\u2069"]
PROFILE_VALUES = {"username": "evil%suser", "name": "Evil %s Name"}
FIELDS = ("username", "name")
ENCODINGS = ("escaped", "raw")  # how /v1.0/me writes non-ASCII text
# (character, field, encoding): every character in both encodings, the
# fields in turn; and every character once, with field and encoding in
# turn.
UNSAFE_PROFILES = [(ch, FIELDS[i % 2], encoding)
                   for i, ch in enumerate(UNSAFE_PROFILE_CHARS)
                   for encoding in ENCODINGS]
UNSAFE_ONCE = [(ch, FIELDS[i % 2], ENCODINGS[i // 2 % 2])
               for i, ch in enumerate(UNSAFE_PROFILE_CHARS)]


def profile_ids(cases):
    return ["U+%04X-%s-%s" % (ord(ch), field, encoding)
            for ch, field, encoding in cases]


def profile_server(httpd_factory, recorder, standin, field, text,
                   encoding, extra=""):
    """An httpd with hostile_config() and ThreadsProfile On, and the
    stand-in's profile field set to text, written as encoding."""
    h = httpd_factory(start=False, modules=WITH_PROXY,
                      directives={"ThreadsProfile": "On"})
    h.extra = hostile_config(h, recorder.port) + extra
    h.start()
    setattr(standin, field, text)
    standin.raw_utf8 = encoding == "raw"
    return h


def assert_profile_sent(standin, ch, encoding):
    """The stand-in's answer to /v1.0/me held ch, written as encoding."""
    me, = standin.requests_for("me")
    raw = ch.encode("utf-8") in me.response_body
    escaped = ("\\u%04x" % ord(ch)).encode() in me.response_body
    assert (raw, escaped) == (encoding == "raw", encoding == "escaped"), (
        me.response_body)


@pytest.mark.parametrize("ch,field,encoding", UNSAFE_PROFILES,
                         ids=profile_ids(UNSAFE_PROFILES))
def test_unsafe_characters_in_the_profile_never_reach_the_app(
        httpd_factory, browser_factory, standin, recorder, ch, field,
        encoding):
    """The profile is refused as a whole: the login goes on by id without
    username and name, and a warning says why."""
    h = profile_server(httpd_factory, recorder, standin, field,
                       PROFILE_VALUES[field] % ch, encoding)
    b = browser_factory(h)
    mark = h.error_log_mark()
    logged_in(b)
    assert_profile_sent(standin, ch, encoding)
    env = cgi_env(b.get("/pa-both/env.cgi"))
    assert env["REMOTE_USER"] == USER_ID
    for name in ("THREADS_USERNAME", "THREADS_NAME",
                 "HTTP_X_THREADS_USERNAME", "HTTP_X_THREADS_NAME"):
        assert name not in env, env
    assert not [v for v in env.values() if ch in v], env
    r = b.get("/px-headers/x")
    assert r.status_code == 200, describe(r)
    items = json.loads(r.text)
    names = [n.lower() for n, _ in items]
    assert "x-threads-user-id" in names, names
    assert "x-threads-username" not in names, names
    assert "x-threads-name" not in names, names
    # http.server reads header bytes as Latin-1.
    as_latin1 = ch.encode("utf-8").decode("latin-1")
    assert not [v for _, v in items if as_latin1 in v or ch in v], items
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["username"] is None, info
    assert ch not in json.dumps(info, ensure_ascii=False), info
    warned = [ln for ln in h.error_log_since(mark).splitlines()
              if "THREADS00206:" in ln]
    assert len(warned) == 1 and "[threads_oauth:warn]" in warned[0], (
        h.error_log_since(mark))


REMOTE_USER_BY_USERNAME = ("\n<Location /pa-both>\n"
                           "    ThreadsRemoteUser username\n</Location>")


@pytest.mark.parametrize("ch,field,encoding", UNSAFE_ONCE,
                         ids=profile_ids(UNSAFE_ONCE))
def test_unsafe_characters_in_the_profile_refuse_a_login_by_username(
        httpd_factory, browser_factory, standin, recorder, ch, field,
        encoding):
    """ThreadsRemoteUser username never falls back to the id: the login
    ends in the 502 page with a link to try again, and keeps nothing."""
    h = profile_server(httpd_factory, recorder, standin, field,
                       PROFILE_VALUES[field] % ch, encoding,
                       extra=REMOTE_USER_BY_USERNAME)
    b = browser_factory(h)
    flow = b.start_login("/pa-both/env.cgi")
    b.finish_login(flow, follow_final=False)
    assert_profile_sent(standin, ch, encoding)
    page = assert_module_page(flow.callback, 502)
    assert ch not in page
    assert h.threads_error(flow.callback.request.path_url) == (
        "profile_unavailable")
    assert re.search(r'href="[^"]*\?login=%2Fpa-both%2Fenv\.cgi"', page), page
    refused = h.error_log_lines(r"THREADS00110:")
    assert len(refused) == 1 and "[threads_oauth:error]" in refused[0], (
        h.error_log_tail(20))
    assert TOKEN_ENTRY not in session_entries(b.cookie())
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_safe_non_ascii_profile_reaches_the_app(httpd_factory,
                                                browser_factory, standin,
                                                recorder, encoding):
    """Only the unsafe characters are refused: letters, marks and symbols
    of any script pass, in both JSON spellings."""
    name = "Zo\u00eb \u05e9\u05dc\u05d5\u05dd \u65e5\u672c \u2713"
    h = profile_server(httpd_factory, recorder, standin, "name", name,
                       encoding, extra=REMOTE_USER_BY_USERNAME)
    b = browser_factory(h)
    logged_in(b, "/pa-both/env.cgi")
    assert_profile_sent(standin, "\u2713", encoding)
    env = cgi_env(b.get("/pa-both/env.cgi"))
    assert env["THREADS_NAME"] == name
    assert env["THREADS_USERNAME"] == standin.username
    assert env["REMOTE_USER"] == standin.username
    assert not h.error_log_lines(r"THREADS00206:|THREADS00110:")


# ---------------------------------------------------------------------------
# 3. Oversized and numerous cookies
# ---------------------------------------------------------------------------

def _xhr_and_nav(httpd, cookie_headers):
    """(XHR response, navigation response) for /app/page.html."""
    x = raw_request(httpd, "/app/page.html", cookie_headers
                    + [("X-Requested-With", "XMLHttpRequest")])
    n = raw_request(httpd, "/app/page.html", cookie_headers + NAV)
    return x, n


def assert_logged_out_or_400(httpd, standin, x, n):
    """Counts as logged out (401 for a script, a login for a navigation)
    or httpd's own 400 for oversized headers; never 5xx."""
    for r in (x, n):
        assert r.status < 500, r
    if x.status == 400 or n.status == 400:
        assert x.status == n.status == 400, (x, n)
        return
    assert x.status == 401, x
    assert n.status == 302, n
    assert n.header("Location").startswith(standin.authorize_url + "?"), n


COOKIE_CASES = {
    "session_8_kib": [("Cookie", "session=" + "A" * 8192)],
    "session_64_kib": [("Cookie", "session=" + "A" * 65536)],
    "module_value_5000": [("Cookie", "session=threads.token="
                           + "A" * 5000)],
    "pending_value_5000": [("Cookie", "session=threads.pending="
                            + "A" * 5000)],
    "many_entries": [("Cookie", "session=" + "&".join(
        "k%d=v" % i for i in range(900)))],
    "many_cookies_one_header": [("Cookie", "; ".join(
        "c%d=%d" % i for i in ((j, j) for j in range(600))))],
    "many_session_cookies": [("Cookie", "; ".join(
        ["session=threads.token=AAAA"] * 200))],
    "cookie_lines_120": [("Cookie", "c%d=1" % i) for i in range(120)],
    "cookie_lines_90": [("Cookie", "c%d=1" % i) for i in range(90)],
}


@pytest.mark.parametrize("case", sorted(COOKIE_CASES))
def test_oversized_or_numerous_cookies(httpd, browser_factory, standin,
                                       case):
    x, n = _xhr_and_nav(httpd, COOKIE_CASES[case])
    assert_logged_out_or_400(httpd, standin, x, n)
    # httpd still serves, and a login still works.
    b = browser_factory(httpd)
    logged_in(b)
    assert standin.requests_for("token"), "no login after the case"


def test_oversized_cookie_answers_are_as_expected(httpd, standin):
    # Which of the cases are httpd's own 400 (LimitRequestFieldSize 8190,
    # LimitRequestFields 100), which reach the module.
    x, _ = _xhr_and_nav(httpd, COOKIE_CASES["session_8_kib"])
    assert x.status == 400, x
    x, _ = _xhr_and_nav(httpd, COOKIE_CASES["cookie_lines_120"])
    assert x.status == 400, x
    x, _ = _xhr_and_nav(httpd, COOKIE_CASES["module_value_5000"])
    assert x.status == 401, x


def cookie_pair(set_cookie):
    """name=value of a Set-Cookie header (what a browser stores)."""
    return set_cookie.split(";", 1)[0]


@pytest.mark.parametrize("size", [1000, 3300, 3900])
def test_junk_module_value_does_not_block_a_new_login(httpd, browser,
                                                      standin, size):
    # A threads.token entry that does not open counts as logged out; the
    # login it starts must be able to finish, and its cookie must be one a
    # browser keeps (name=value at most 4096 bytes). Every size here is
    # one a browser can send.
    junk = "A" * size
    r = raw_request(httpd, "/app/page.html",
                    [("Cookie", "session=threads.token=" + junk)] + NAV)
    assert r.status == 302, r
    assert r.header("Location").startswith(standin.authorize_url + "?")
    pair = cookie_pair(r.header("Set-Cookie"))
    assert len(pair) <= 4096, "a cookie of %d bytes" % len(pair)
    assert PENDING_ENTRY in session_entries(pair.split("=", 1)[1]), (
        "the login was started without keeping its state: %r..."
        % pair[:80])
    cb = finish_raw_login(browser, r)
    assert_redirect_to(cb, httpd, "/app/page.html")
    assert browser.get("/app/page.html").status_code == 200


def test_real_session_among_many_other_cookies_still_works(httpd, browser,
                                                           standin):
    logged_in(browser)
    others = "; ".join("pref%d=%s" % (i, "v" * 40) for i in range(150))
    cookie = "%s; session=%s; %s" % (others[:3000], browser.cookie(),
                                     others[:3000])
    r = raw_request(httpd, "/app/env.cgi", [("Cookie", cookie)] + NAV)
    assert r.status == 200, r
    assert json.loads(r.body)["REMOTE_USER"] == USER_ID


# ---------------------------------------------------------------------------
# 4. Cut and altered session cookies, at every length and position
# ---------------------------------------------------------------------------

def _probe(conn, path, cookie, headers):
    """One request on a kept-alive http.client connection."""
    hdrs = dict(headers)
    hdrs["Cookie"] = "session=" + cookie
    conn.request("GET", path, headers=hdrs)
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, body


def _sweep(httpd, path, cookies, headers, check):
    """Sends each cookie of cookies; check(cookie, status, body)."""
    conn = http.client.HTTPConnection(httpd.host, httpd.port, timeout=10)
    try:
        for cookie in cookies:
            try:
                status, body = _probe(conn, path, cookie, headers)
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection(httpd.host, httpd.port,
                                                  timeout=10)
                status, body = _probe(conn, path, cookie, headers)
            check(cookie, status, body)
    finally:
        conn.close()


def _token_still_whole(original, cookie):
    """1 when the cut or altered cookie still holds the original token
    entry intact (then it may legitimately stay logged in)."""
    return (session_entries(cookie).get(TOKEN_ENTRY)
            == session_entries(original).get(TOKEN_ENTRY))


def test_token_cookie_cut_at_every_length(httpd, browser, standin):
    logged_in(browser)
    full = browser.cookie()
    assert TOKEN_ENTRY in session_entries(full)
    statuses = {}

    def check(cookie, status, body):
        assert status != 500 and status < 500, (len(cookie), status, body)
        want = 200 if _token_still_whole(full, cookie) else 401
        assert status == want, "cut at %d: %d" % (len(cookie), status)
        statuses[status] = statuses.get(status, 0) + 1

    _sweep(httpd, "/app/page.html", [full[:n] for n in range(len(full) + 1)],
           XHR, check)
    assert statuses.get(401, 0) >= len(full) - 1, statuses
    assert httpd.crash_lines() == []


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_token_cookie_altered_at_every_position(httpd, browser, standin):
    logged_in(browser)
    full = browser.cookie()
    start = full.index("=") + 1
    cookies = []
    for i in range(start, len(full)):
        c = full[i]
        repl = B64[(B64.index(c) + 17) % len(B64)] if c in B64 else "A"
        cookies.append(full[:i] + repl + full[i + 1:])
    # And a few that are not base64url at all.
    for junk in ("%00", "%", "%zz", "&", "=", "+", "/", "..", "%0d%0a"):
        cookies.append(full[:start + 10] + junk + full[start + 10:])
    mark = httpd.error_log_mark()

    def check(cookie, status, body):
        assert status == 401, "altered cookie %r: %d" % (cookie[:60], status)

    _sweep(httpd, "/app/page.html", cookies, XHR, check)
    log = httpd.error_log_since(mark)
    bad = [ln for ln in log.splitlines()
           if re.search(r":(error|crit|alert|emerg)\]", ln)]
    assert bad == [], "\n".join(bad[:10])


def test_pending_cookie_cut_at_every_length(httpd, browser, standin):
    flow = browser.start_login(START)
    full = browser.cookie()
    assert PENDING_ENTRY in session_entries(full)
    target = flow.callback_url[len(httpd.base_url):]
    seen = []

    def check(cookie, status, body):
        assert status < 500, (len(cookie), status, body[:300])
        seen.append(status)
        assert status == 400, "cut at %d: %d" % (len(cookie), status)

    _sweep(httpd, target, [full[:n] for n in range(len(full))], NAV, check)
    assert standin.requests_for("token") == [], (
        "a cut pending login reached Threads")
    # The whole cookie still completes that login.
    browser.finish_login(flow)
    assert_redirect_to(flow.callback, httpd, START)


# ---------------------------------------------------------------------------
# 5. A cookie replayed after logout (a cookie store, SECURITY.md)
# ---------------------------------------------------------------------------

def test_cookie_copied_before_logout_still_works_until_expiry(
        httpd, browser, browser_factory, standin):
    """SECURITY.md, "Logout is per browser": ?logout= removes the values
    from that browser's cookie; a copy taken earlier is a bearer
    credential that still opens until the token expires."""
    standin.short_expires_in = 6  # the token lives 6 s
    logged_in(browser)
    copy = browser.cookie()
    token = cgi_env(browser.get(START))["THREADS_ACCESS_TOKEN"]
    r = browser.get(CALLBACK_PATH + "?logout=/")
    assert_redirect_to(r, httpd, "/")
    assert TOKEN_ENTRY not in session_entries(browser.cookie())
    # The browser that logged out is logged out.
    assert_logged_out(browser)
    # The copy still opens, as the same user with the same token.
    thief = browser_factory(httpd)
    thief.set_cookie(copy)
    env = cgi_env(thief.get(START))
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_ACCESS_TOKEN"] == token
    # ... until the token expires.
    deadline = time.time() + 12
    while time.time() < deadline:
        r = thief.get("/app/page.html", navigate=False, headers=XHR)
        if r.status_code == 401:
            break
        assert r.status_code == 200, describe(r)
        time.sleep(0.5)
    assert r.status_code == 401, "the copied cookie outlived its token"
    assert_logged_out(browser)


# ---------------------------------------------------------------------------
# 6. CSRF: another browser's code and state
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("victim_cookie", ["own_pending", "none",
                                           "logged_in"])
def test_state_minted_for_another_browser(httpd, browser_factory, standin,
                                          victim_cookie):
    a = browser_factory(httpd)
    b = browser_factory(httpd)
    flow_a = a.start_login(START)
    if victim_cookie == "own_pending":
        b.start_login("/app/page.html")
    elif victim_cookie == "logged_in":
        logged_in(b, "/app/page.html")
    posts = len(standin.requests_for("token"))
    r = b.get(flow_a.callback_url, headers={"Sec-Fetch-Site": "cross-site"})
    if victim_cookie == "logged_in":
        # A valid session and a stale state: back home, nothing new.
        assert_redirect_to(r, httpd, "/")
    else:
        page = assert_module_page(r, 400)
        assert has_link(page)
        assert_logged_out(b)
    assert len(standin.requests_for("token")) == posts, (
        "a foreign state reached Threads")
    # A's own login still completes with the untouched code.
    a.finish_login(flow_a)
    assert_redirect_to(flow_a.callback, httpd, START)
    assert cgi_env(a.get(START))["REMOTE_USER"] == USER_ID


# ---------------------------------------------------------------------------
# 7. Open redirects through ?login= and ?logout=
# ---------------------------------------------------------------------------

REDIRECT_PAYLOADS = [
    ("//evil", 400),
    ("/\\evil", 400),
    ("/%2f%2fevil", 302),        # an encoded path on this host
    ("%2f%2fevil", 400),
    ("\t//evil", 400),
    ("/\t/evil", 400),
    (" /evil", 400),
    ("javascript:alert(1)", 400),
    ("https://evil", 400),
    ("https:evil", 400),
    ("http:/evil", 400),
    ("//user@evil", 400),
    ("///evil", 400),
    ("\\\\evil", 400),
    ("/%E2%88%95evil", 302),     # an encoded lookalike: still local
    ("/\u2215evil", 400),         # raw DIVISION SLASH bytes
    ("/\uff0f/evil", 400),        # raw FULLWIDTH SOLIDUS bytes
    ("/\u3000/evil", 400),        # raw IDEOGRAPHIC SPACE
    ("/evil\x00.html", 400),
    ("/x\x7f", 400),
    ("evil", 400),
    ("?/evil", 400),
    ("#//evil", 400),
    # Dot segments, which a browser resolves ("/.//evil.example" is
    # "//evil.example"), each dot also as %2e.
    ("/.//evil.example", 400),
    ("/..//evil.example", 400),
    ("/%2e//evil.example", 400),
    ("/%2E%2e//evil.example", 400),
    ("/.%2e//evil.example", 400),
    ("/app/..//evil.example", 400),
    ("/app/../x", 400),
    ("/app/./x", 400),
    ("/app/..", 400),
    ("/app/%2e?q=1", 400),
    ("/..#x", 400),
    # Dots that are no dot segment: local as they stand.
    ("/app/...", 302),
    ("/app/.hidden", 302),
    ("/app/x..", 302),
    ("/app/%2e%2ex", 302),
    ("/app/..%2fx", 302),
    ("/app/page.html?next=/../x", 302),
]
PAYLOAD_IDS = ["%02d-%s" % (i, urllib.parse.quote(p, safe="")[:24])
               for i, (p, _) in enumerate(REDIRECT_PAYLOADS)]


@pytest.mark.parametrize("payload,status", REDIRECT_PAYLOADS,
                         ids=PAYLOAD_IDS)
def test_logout_redirect(httpd, browser, standin, payload, status):
    logged_in(browser)
    r = browser.get(CALLBACK_PATH + "?logout="
                    + urllib.parse.quote(payload, safe=""))
    assert r.status_code == status, describe(r)
    if status == 302:
        loc = r.headers["Location"]
        assert_local_location(httpd, loc)
        assert loc == payload
        assert_logged_out(browser)
    else:
        assert_bad_link_page(r, payload, "Bad sign-out link")


def assert_bad_link_page(r, payload, title):
    """The 400 page of a refused ?login= or ?logout= URL (a NUL is
    refused with the whole query: "Bad sign-in request")."""
    page = assert_module_page(r, 400)
    if "\x00" not in payload:
        assert "<h1>%s</h1>" % title in page, page
    assert "Location" not in r.headers


@pytest.mark.parametrize("payload,status", REDIRECT_PAYLOADS,
                         ids=PAYLOAD_IDS)
def test_login_redirect(httpd, browser, standin, payload, status):
    link = CALLBACK_PATH + "?login=" + urllib.parse.quote(payload, safe="")
    r = browser.get(link)
    assert r.status_code == status, describe(r)
    if status != 302:
        assert_bad_link_page(r, payload, "Bad sign-in link")
        assert standin.requests == []
        return
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    flow = browser.start_login(link)
    browser.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 302, describe(flow.callback)
    loc = flow.callback.headers["Location"]
    assert_local_location(httpd, loc)
    assert loc == payload


# ---------------------------------------------------------------------------
# 8. Methods, paths and request targets
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_the_callback_are_405(httpd, browser, standin,
                                               method):
    """Only Meta's callbacks and the logout take POST; the return from
    Threads (code and state) is a GET."""
    flow = browser.start_login(START)
    target = flow.callback_url[len(httpd.base_url):]
    r = raw_request(httpd, target, [("Cookie", "session=" + browser.cookie()),
                                    ("Content-Length", "0")], method=method)
    assert r.status == 405, r
    allow = [m.strip() for m in (r.header("Allow") or "").split(",")]
    assert "GET" in allow, "405 without GET in Allow: %r" % r.header("Allow")
    assert method not in allow, allow
    assert standin.requests_for("token") == []
    # The pending login was not consumed.
    browser.finish_login(flow)
    assert_redirect_to(flow.callback, httpd, START)


@pytest.mark.parametrize("path", [
    CALLBACK_PATH + "/", CALLBACK_PATH.upper(), "/OAuth/Callback",
    CALLBACK_PATH + ";x", CALLBACK_PATH + ".html", CALLBACK_PATH + "%2f",
    "/app" + CALLBACK_PATH,
], ids=["trailing-slash", "upper", "mixed-case", "semicolon", "suffix",
        "encoded-slash", "under-app"])
def test_lookalike_callback_paths_are_not_the_callback(httpd, browser,
                                                       standin, path):
    flow = browser.start_login(START)
    query = urllib.parse.urlsplit(flow.callback_url).query
    r = browser.get(path + "?" + query,
                    headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code in (302, 401, 403, 404), describe(r)
    if r.status_code == 302:
        # Only /app/... is protected: a new login, not a finished one.
        assert r.headers["Location"].startswith(standin.authorize_url)
    assert standin.requests_for("token") == []
    assert TOKEN_ENTRY not in session_entries(browser.cookie())
    browser.finish_login(flow)
    assert_redirect_to(flow.callback, httpd, START)


@pytest.mark.parametrize("target,host", [
    ("http://evil.example/app/page.html?q=1", "evil.example"),
    ("http://evil.example/app/page.html?q=1", None),
    ("https://evil.example:8443/app/page.html?q=1", "evil.example:8443"),
], ids=["absolute-evil-host", "absolute-own-host", "absolute-https"])
def test_absolute_form_target_returns_to_the_local_path(httpd, browser,
                                                        standin, target,
                                                        host):
    headers = list(NAV)
    if host:
        headers.append(("Host", host))
    headers.append(("X-Forwarded-Host", "evil.example"))
    r = raw_request(httpd, target, headers)
    assert r.status == 302, r
    loc = r.header("Location")
    assert loc.startswith(standin.authorize_url + "?"), r
    assert "evil" not in loc
    cb = finish_raw_login(browser, r)
    assert cb.status_code == 302, describe(cb)
    assert cb.headers["Location"] == "/app/page.html?q=1", describe(cb)
    assert_local_location(httpd, cb.headers["Location"])


# Request targets with dot segments: httpd resolves them (and merges the
# slashes) to a protected path, a browser would resolve the target as sent
# to another one, off-site for the first four.
DOT_TARGETS = ["/.//evil.example", "/%2e//evil.example",
               "/app/%2E%2e//evil.example", "/app/..//evil.example?q=1",
               "/app/./page.html", "/app/x/../page.html?q=1",
               "/app/%2e/page.html"]


@pytest.mark.parametrize("target", DOT_TARGETS)
def test_dot_segments_in_the_request_target_return_home(
        httpd_factory, browser_factory, standin, target):
    h = httpd_factory(extra="<Location /evil.example>\n    AuthType "
                      "Threads\n    Require valid-user\n</Location>")
    r = raw_request(h, target, NAV)
    assert r.status == 302, r
    assert r.header("Location").startswith(standin.authorize_url + "?"), r
    # The script's login link does not carry the target either.
    x = raw_request(h, target, [("X-Requested-With", "XMLHttpRequest")])
    assert x.status == 401, x
    assert query_of(json.loads(x.body)["login_url"]) == {"login": ["/"]}, x
    # The login the navigation started comes back home.
    b = browser_factory(h)
    cb = finish_raw_login(b, r)
    assert_redirect_to(cb, h, "/")
    assert cb.headers["Location"] == "/", describe(cb)
    # Logged in, httpd serves what it resolved the target to (there is
    # no /evil.example).
    served = raw_request(h, target, [("Cookie", "session=" + b.cookie())]
                         + NAV)
    assert served.status == (200 if "page.html" in target else 404), served


def test_forged_host_never_reaches_a_location_or_login_url(httpd, browser,
                                                           standin):
    hdrs = [("Host", "evil.example"), ("X-Forwarded-Host", "evil2.example"),
            ("X-Forwarded-Proto", "https"), ("Forwarded",
                                             "host=evil3.example")]
    r = raw_request(httpd, "/app/page.html?q=2", hdrs + NAV)
    assert r.status == 302, r
    assert "evil" not in r.header("Location")
    x = raw_request(httpd, "/app/page.html?q=2",
                    hdrs + [("X-Requested-With", "XMLHttpRequest")])
    assert x.status == 401, x
    assert b"evil" not in x.body
    login_url = json.loads(x.body)["login_url"]
    assert login_url.startswith(CALLBACK_PATH + "?login="), login_url
    r = raw_request(httpd, CALLBACK_PATH + "?login=%2Fapp%2F", hdrs + NAV)
    assert r.status == 302 and "evil" not in r.header("Location"), r
