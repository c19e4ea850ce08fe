"""What must never happen (contract 6) and what every page of the module
looks like (contract 4: no-store, UTF-8 HTML, escaping).

One httpd runs this file's scenarios with every module of httpd logging at
trace8: the app secret, the codes, the tokens and the states must still
never reach its error log, nor any URL the module builds but the
Authorization Window's."""

import html
import http.client
import json
import re
import time
import urllib.parse

import pytest

from harness import (CALLBACK_PATH, USER_ID, assert_module_json,
                     assert_module_page, assert_no_store, assert_redirect_to,
                     cache_control, describe, media_type)
from harness.leaks import encodings, secret_map

HTTP_TIMEOUT = 1  # ThreadsHttpTimeout of the server


def shared_config(h):
    d = h.docroot
    return "\n".join([
        # Everything, not just the module, at the highest level.
        "LogLevel trace8",
        "LogLevel trace8 threads_oauth:trace8",
        "ThreadsLongLivedToken On",
        "ThreadsProfile On",
        "ThreadsHttpTimeout %d" % HTTP_TIMEOUT,
        'Alias /strict "%s/app"' % d,
        "<Location /strict>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsUnauthAction 401",
        "</Location>",
    ])


@pytest.fixture
def server(shared_httpd):
    return shared_httpd


class Recorder:
    """A browser on the server that keeps every response httpd sent, and
    every state and code it saw."""

    def __init__(self, server, browser):
        self.server = server
        self.b = browser
        self.responses = []
        self.states = []
        self.codes = []

    def keep(self, resp):
        if resp is not None and resp.url.startswith(self.server.base_url):
            self.responses.append(resp)
        return resp

    def get(self, path, **kw):
        return self.keep(self.b.get(path, **kw))

    def start(self, path="/app/env.cgi"):
        flow = self.b.start_login(path)
        self.keep(flow.start)
        self.states.append(flow.state)
        self.codes.append(flow.code)
        return flow

    def finish(self, flow):
        self.b.finish_login(flow)
        self.keep(flow.callback)
        self.keep(flow.final)
        return flow

    def login(self, path="/app/env.cgi"):
        flow = self.finish(self.start(path))
        assert flow.callback.status_code == 302, describe(flow.callback)
        return flow


@pytest.fixture
def rec(server, browser_factory):
    return Recorder(server, browser_factory(server))


def assert_not_in_error_log(server, secrets, whole=("app secret", "short",
                                                    "long", "code", "state")):
    """No secret in the error log. Those whose names start with one of
    whole are looked for in every line; the others in the module's own
    lines only."""
    log = server.error_log()
    assert "threads_oauth:trace" in log or "threads_oauth:debug" in log
    assert re.search(r"\[(core|http|session\w*|cgid):trace\d\]", log), (
        "httpd's own modules do not log at trace: LogLevel is not global")
    lines = log.splitlines()
    own = [ln for ln in lines if "[threads_oauth:" in ln]
    leaks = {}
    for what, value in secrets.items():
        for ln in (lines if what.startswith(whole) else own):
            if any(form in ln for form in encodings(value)):
                # Where it came from: "[module:level] ... file.c(line)".
                m = re.search(r"\] (\[[\w:]+\]) .*?(\w+\.c\(\d+\))", ln)
                where = " ".join(m.groups()) if m else ln[:120]
                kind = re.sub(r" \d+.*", "", what)  # "code 3 (...)": code
                leaks.setdefault((kind, where), [set(), ln[:300]])[0].add(
                    what.split(" (")[0])
    assert not leaks, "secrets in the error log:\n" + "\n".join(
        "%s (%d found) from %s, e.g.\n    %s" % (kind, len(found), where,
                                               example)
        for (kind, where), (found, example) in sorted(leaks.items()))


# Where each scenario looks for what: the tokens and the app secret
# anywhere; codes and states in the module's own lines (the whole log is
# the subject of test_trace8_error_log_holds_no_code_nor_state).
SCENARIO = ("app secret", "short", "long")


def assert_locations_clean(standin, rec, secrets):
    """No Location of the module holds a code or a token; only the one
    to the Authorization Window holds the state."""
    assert rec.responses
    for resp in rec.responses:
        loc = resp.headers.get("Location")
        if loc is None:
            continue
        to_threads = loc.startswith(standin.authorize_url + "?")
        for what, value in secrets.items():
            if what.startswith("state") and to_threads:
                continue
            for form in encodings(value):
                assert form not in loc, (
                    "the %s is in a Location the module sent:\n%s"
                    % (what, describe(resp)))


def assert_pages_clean(standin, rec, secrets):
    """No page the module wrote (not the application's) shows a code, a
    token or a state in its body (links included), but for the state in
    the "Continue" link of the redirect to the Authorization Window."""
    for resp in rec.responses:
        if resp.headers.get("Content-Type", "").startswith(
                "application/json") and resp.status_code == 200:
            continue  # the CGI, or the info JSON (checked elsewhere)
        to_threads = resp.headers.get("Location", "").startswith(
            standin.authorize_url + "?")
        for what, value in secrets.items():
            if what.startswith("state") and to_threads:
                continue
            for form in encodings(value):
                assert form not in resp.text, (
                    "the %s is in a page of the module:\n%s"
                    % (what, describe(resp)))


# ---------------------------------------------------------------------------
# No secret in the error log, nor in URLs
# ---------------------------------------------------------------------------

def test_full_login_with_long_lived_token_and_profile(server, rec,
                                                      standin):
    flow = rec.login("/app/env.cgi?x=1")
    env = json.loads(flow.final.text)
    assert env["THREADS_TOKEN_TYPE"] == "long"
    assert env["THREADS_USERNAME"] == standin.username
    assert [r.endpoint for r in standin.requests] == [
        "authorize", "token", "exchange", "me"]
    # The exchange and the profile read were made with the tokens.
    short, = standin.issued_tokens("short")
    long_, = standin.issued_tokens("long")
    assert standin.requests_for("exchange")[0].query["access_token"] == \
        [short]
    assert standin.requests_for("me")[0].header("Authorization") == \
        "Bearer " + long_
    info = rec.get(CALLBACK_PATH + "?info=json")
    body = assert_module_json(info, 200)
    assert long_ not in info.text and short not in info.text
    assert body["token_type"] == "long"
    rec.get("/app/page.html")
    r = rec.get(CALLBACK_PATH + "?logout=/")
    assert_redirect_to(r, server, "/")
    secrets = secret_map(standin, rec.codes, rec.states)
    assert_not_in_error_log(server, secrets, SCENARIO)
    assert_locations_clean(standin, rec, secrets)
    assert_pages_clean(standin, rec, secrets)


def test_failed_long_lived_exchange_and_profile(server, rec, standin):
    # Refused with an error other than 190 (which would end the login).
    standin.set_fault("exchange", "reject", count=1, code=100)
    standin.set_fault("me", "garbage", count=1)
    mark = server.error_log_mark()
    flow = rec.login()
    env = json.loads(flow.final.text)
    assert env["THREADS_TOKEN_TYPE"] == "short"
    assert "THREADS_USERNAME" not in env
    # The failed exchange is logged as a warning (contract 7).
    assert re.search(r"threads_oauth:warn", server.error_log_since(mark))
    rec.get(CALLBACK_PATH + "?logout=/")
    secrets = secret_map(standin, rec.codes, rec.states)
    assert_not_in_error_log(server, secrets, SCENARIO)
    assert_locations_clean(standin, rec, secrets)
    assert_pages_clean(standin, rec, secrets)


@pytest.mark.parametrize("kind,params,status", [
    ("reject", {}, 403),
    ("reject", {"message": "Invalid code"}, 403),
    ("garbage", {}, 502),
    ("no_token", {}, 502),
    ("error5xx", {}, 502),
    ("slow", {"seconds": HTTP_TIMEOUT + 2}, 504),
], ids=["reject", "reject-message", "garbage", "no-token", "5xx",
        "timeout"])
def test_failed_code_exchange(server, rec, standin, kind, params, status):
    standin.set_fault("token", kind, count=1, **params)
    flow = rec.start()
    t0 = time.monotonic()
    rec.finish(flow)
    assert flow.callback.status_code == status, describe(flow.callback)
    assert time.monotonic() - t0 < HTTP_TIMEOUT + 1.5
    assert_module_page(flow.callback, status)
    # The code was sent, and a replay of the callback is a stale state.
    post, = standin.requests_for("token")
    assert post.form["code"] == [flow.code]
    r = rec.get(flow.callback_url)
    assert_module_page(r, 400)
    standin.clear_fault()
    secrets = secret_map(standin, rec.codes, rec.states)
    assert_not_in_error_log(server, secrets, SCENARIO)
    assert_locations_clean(standin, rec, secrets)
    assert_pages_clean(standin, rec, secrets)


def test_cancelled_login_and_stale_states(server, rec, standin):
    standin.auto_decision = "cancel"
    flow = rec.start()
    rec.finish(flow)
    assert_module_page(flow.callback, 403)
    standin.auto_decision = "allow"
    # A login, then its callback again (back button), then a made-up state.
    flow = rec.login()
    r = rec.get(flow.callback_url)
    assert_redirect_to(r, server, "/")
    r = rec.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"code": flow.code, "state": "x" * 32}))
    assert r.status_code in (302, 400)
    rec.get(CALLBACK_PATH + "?logout=/app/")
    secrets = secret_map(standin, rec.codes, rec.states)
    assert_not_in_error_log(server, secrets, SCENARIO)
    assert_locations_clean(standin, rec, secrets)
    assert_pages_clean(standin, rec, secrets)


AGAIN = CALLBACK_PATH + "?login=/app/env.cgi"  # a login while logged in


def test_trace8_error_log_holds_no_code_nor_state(server, rec, standin):
    """Everything of this file at once, then the whole error log (httpd's
    own trace lines included) is searched for every secret."""
    flow = rec.login("/app/env.cgi?all=1")                 # long + profile
    assert json.loads(flow.final.text)["THREADS_TOKEN_TYPE"] == "long"
    rec.get(CALLBACK_PATH + "?info=json")
    for kind, params in (("reject", {"message": "Invalid code"}),
                         ("slow", {"seconds": HTTP_TIMEOUT + 2}),
                         ("garbage", {})):
        standin.set_fault("token", kind, count=1, **params)
        rec.finish(rec.start(AGAIN))
    standin.auto_decision = "cancel"
    rec.finish(rec.start(AGAIN))
    standin.auto_decision = "allow"
    rec.get(CALLBACK_PATH + "?logout=/")
    secrets = secret_map(standin, rec.codes, rec.states)
    assert len([k for k in secrets if k.startswith("code ")]) >= 4
    assert_locations_clean(standin, rec, secrets)
    assert_not_in_error_log(server, secrets)


# ---------------------------------------------------------------------------
# Every answer of the module: no-store, UTF-8 HTML or JSON
# ---------------------------------------------------------------------------

def assert_html(resp, status):
    assert resp.status_code == status, describe(resp)
    assert media_type(resp) == "text/html; charset=utf-8", describe(resp)
    assert_no_store(resp)


def test_redirects_carry_no_store(server, rec, standin):
    # To Threads (GET and HEAD), back after the callback, after logout.
    r = rec.get("/app/env.cgi")
    assert_html(r, 302)
    r = rec.b.head("/app/page.html")
    assert r.status_code == 302 and "no-store" in cache_control(r)
    r = rec.get(CALLBACK_PATH + "?login=/app/")
    assert_html(r, 302)
    flow = rec.login()
    assert_html(flow.callback, 302)
    r = rec.get(flow.callback_url)            # stale state, logged in
    assert_html(r, 302)
    r = rec.get(CALLBACK_PATH + "?logout=/")
    assert_html(r, 302)


def test_error_pages_carry_no_store(server, rec, standin):
    cases = [
        (CALLBACK_PATH + "?code=abc&state=unknown", 400),
        (CALLBACK_PATH, 400),
        (CALLBACK_PATH + "?foo=bar", 400),
        (CALLBACK_PATH + "?code=" + "c" * 5000 + "&state=s", 400),
        (CALLBACK_PATH + "?code=a&code=b&state=s", 400),
        (CALLBACK_PATH + "?logout=https://evil.example/", 400),
        (CALLBACK_PATH + "?login=//evil.example/", 400),
    ]
    for path, status in cases:
        assert_html(rec.get(path), status)
    flow = rec.start()
    r = rec.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"error": "access_denied", "error_reason": "user_denied",
         "state": flow.state}))
    assert_html(r, 403)
    flow = rec.start()
    r = rec.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"error": "server_error", "state": flow.state}))
    assert_html(r, 400)
    for kind, params, status in (("reject", {}, 403), ("garbage", {}, 502),
                                 ("slow", {"seconds": HTTP_TIMEOUT + 2},
                                  504)):
        standin.set_fault("token", kind, count=1, **params)
        flow = rec.finish(rec.start())
        assert_html(flow.callback, status)
    # Other methods at the callback.
    r = rec.b.post(CALLBACK_PATH, data={"code": "x"})
    assert r.status_code == 405, describe(r)
    assert_no_store(r)


def test_json_answers_carry_no_store(server, rec, standin):
    r = rec.get("/app/env.cgi", navigate=False,
                headers={"X-Requested-With": "XMLHttpRequest"})
    assert assert_module_json(r, 401)["error"] == "login_required"
    r = rec.get("/strict/env.cgi")
    assert assert_module_json(r, 401)["error"] == "login_required"
    r = rec.get(CALLBACK_PATH + "?info=json")
    assert_module_json(r, 401)
    rec.login()
    r = rec.get(CALLBACK_PATH + "?info=json")
    body = assert_module_json(r, 200)
    assert body["user_id"] == USER_ID
    assert "access_token" not in body


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg/onload=alert(1)>'


def assert_escaped(text, raw):
    assert raw not in text, text
    assert html.escape(raw, quote=False) in text or html.escape(raw) in text \
        or raw.replace("<", "&lt;") in text, text


def test_error_description_is_escaped(server, rec, standin):
    flow = rec.start()
    r = rec.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"error": "access_denied", "error_reason": "user_denied",
         "error_description": SCRIPT, "state": flow.state}))
    page = assert_module_page(r, 403)
    assert_escaped(page, SCRIPT)


def test_error_and_reason_are_never_raw(server, rec, standin):
    flow = rec.start()
    r = rec.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"error": "<b>boom</b>", "error_reason": IMG,
         "error_description": IMG, "state": flow.state}))
    page = assert_module_page(r, 400)
    assert "<b>boom</b>" not in page
    assert_escaped(page, IMG)


def test_threads_error_message_is_escaped(server, rec, standin):
    standin.set_fault("token", "reject", count=1, message=IMG)
    flow = rec.finish(rec.start())
    page = assert_module_page(flow.callback, 403)
    assert_escaped(page, IMG)


def raw_get(server, target, headers=None):
    """GET with the request target sent exactly as given (a browser-like
    client would percent-encode some characters)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        hdrs = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        hdrs.update(headers or {})
        conn.request("GET", target, headers=hdrs)
        resp = conn.getresponse()
        headers = {}
        for name, value in resp.getheaders():  # repeated ones joined
            key = name.title()
            headers[key] = (headers[key] + ", " + value if key in headers
                            else value)
        return resp.status, headers, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_return_url_in_redirect_pages_is_escaped(server, standin):
    status, headers, body = raw_get(server, "/app/env.cgi?q=" + SVG)
    assert status == 302, (status, headers, body)
    assert "no-store" in headers.get("Cache-Control", "")
    assert SVG not in body, body
    assert "<svg" not in body, body
    for target in (CALLBACK_PATH + "?login=/x" + SVG,
                   CALLBACK_PATH + "?logout=/x" + SVG):
        status, headers, body = raw_get(server, target)
        assert status in (302, 400), (target, status, body)
        assert "<svg" not in body, body
        assert "no-store" in headers.get("Cache-Control", "")
