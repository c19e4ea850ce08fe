"""The module's counters (contract 9): the "Threads OAuth" section of
server-status, the Prometheus text of `SetHandler threads-oauth-metrics`,
and how each counter moves as logins, refreshes, revocations and 401s
happen, summed over processes and kept across graceful restarts.

Every step of a flow is read before and after (server-status?auto and
/metrics at once, which must agree): the counters the step names move by
exactly the amount given, every other one stays, and the latency of the
calls to Threads (count, total and slowest milliseconds, the histogram's
buckets) accounts for exactly the calls the step made.
"""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse

import pytest
import requests

from harness import (APP_SECRET, BASE_MODULES, CALLBACK_PATH,
                     REMOTE_USER_USERNAME, USER_ID,
                     assert_module_json, assert_module_page, describe,
                     free_port, media_type)
from harness.counters import (HISTOGRAM, STATUS_KEYS, assert_moved, fetch,
                              moves, read, read_metrics, read_status, zero)
from harness.prometheus import parse
from harness.sealed import forge_token, needs_crypto

START = "/app/env.cgi"
DAY = 86400
MODULES = BASE_MODULES + ("status",)
METRICS_CONF = """
<Location /metrics>
    SetHandler threads-oauth-metrics
</Location>
"""
STATUS_CONF = """
<Location /server-status>
    SetHandler server-status
</Location>
""" + METRICS_CONF
XHR = {"X-Requested-With": "XMLHttpRequest"}
LONG_LIVED = {"ThreadsLongLivedToken": "On"}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

@pytest.fixture(params=["event", "prefork"])
def mpm(request):
    """The MPM of a test of the flow: every counter moves the same under
    threads (event) and under processes (prefork)."""
    return request.param


@pytest.fixture
def counted_httpd(httpd_factory, request):
    """counted_httpd(extra="", modules=(), extended="On", **kw): an httpd
    with mod_status, ExtendedStatus, /server-status and /metrics; under
    the test's mpm when it takes one."""
    def make(extra="", modules=(), extended="On", **kw):
        if "mpm" in request.fixturenames and "mpm" not in kw:
            kw["mpm"] = request.getfixturevalue("mpm")
        conf = ("ExtendedStatus %s\n" % extended if extended else "")
        return httpd_factory(modules=MODULES + tuple(modules),
                             extra=conf + STATUS_CONF + extra, **kw)
    return make


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(user_id, secret=APP_SECRET):
    """Meta's signed_request: base64url(HMAC-SHA256(secret, payload)) "."
    payload, payload the base64url JSON."""
    payload = b64url(json.dumps({"algorithm": "HMAC-SHA256",
                                 "user_id": user_id,
                                 "issued_at": int(time.time())}).encode())
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256)
    return b64url(mac.digest()) + "." + payload


def age_the_token(browser, standin, age=2 * DAY, expires_in=3 * DAY):
    """Forges the session's long-lived token to be age seconds old and
    expire in expires_in (refresh due), as test_7_tokens does; the
    stand-in's clock moves on by age."""
    now = int(time.time())
    forge_token(browser, i=now - age, l=now - age, e=now + expires_in,
                k="l", r=None)
    standin.time_offset = age


def logged_in(h, browser, long_lived=False):
    """A whole login of browser on h, checked to count as one (and a
    long-lived exchange, when h makes them)."""
    more = {"LongLivedExchanges": 1} if long_lived else {}
    with moves(h, calls=2 if long_lived else 1, LoginsStarted=1,
               LoginsCompleted=1, **more):
        browser.login(START)


def assert_served(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


# ---------------------------------------------------------------------------
# server-status
# ---------------------------------------------------------------------------

def test_server_status_shows_every_counter(counted_httpd, browser_factory):
    """A fresh httpd counts from 0; after a login the HTML section and
    ?auto show the same numbers, one row and one line per counter."""
    h = counted_httpd()
    assert read(h).values == zero()
    logged_in(h, browser_factory(h))
    auto = read_status(h)
    r = fetch(h, "/server-status")
    assert r.status_code == 200, describe(r)
    page = r.text
    assert page.count("<h2>Threads OAuth</h2>") == 1, page[-3000:]
    section = page[page.index("<h2>Threads OAuth</h2>"):]
    section = section[:section.index("</table>")]
    rows = re.findall(r"<tr><td>([A-Za-z]+)</td><td[^>]*>([0-9]+)</td></tr>",
                      section)
    assert len(rows) == len(STATUS_KEYS), section
    assert {k: int(v) for k, v in rows} == auto, section
    assert auto["LoginsStarted"] == auto["LoginsCompleted"] == 1
    assert auto["ThreadsCalls"] == 1


@pytest.mark.parametrize("extended,shown", [("Off", False), (None, True)],
                         ids=["ExtendedStatus_Off",
                              "not_set_mod_status_turns_it_on"])
def test_section_follows_extended_status(counted_httpd, browser_factory,
                                         extended, shown):
    """ExtendedStatus Off: no section, in HTML or ?auto. Not set at all,
    mod_status turns ExtendedStatus on (httpd 2.4), and the section shows.
    /metrics counts either way."""
    h = counted_httpd(extended=extended)
    conf = open(h.conf_path).read()
    assert ("ExtendedStatus Off" in conf) == (extended == "Off")
    assert "ExtendedStatus On" not in conf
    before, _ = read_metrics(h)
    browser_factory(h).login(START)
    after, _ = read_metrics(h)
    assert_moved(before, after, calls=1, LoginsStarted=1, LoginsCompleted=1)
    html = fetch(h, "/server-status")
    auto = fetch(h, "/server-status?auto")
    assert html.status_code == auto.status_code == 200
    assert "Scoreboard" in auto.text, auto.text
    assert ("Threads OAuth" in html.text) == shown, html.text[-2000:]
    assert ("ThreadsOAuth" in auto.text) == shown, auto.text
    if shown:
        assert read_status(h) == after.values


# ---------------------------------------------------------------------------
# /metrics
# ---------------------------------------------------------------------------

def test_metrics_are_valid_exposition(counted_httpd, browser_factory):
    """text/plain; version=0.0.4, strictly valid, every family named
    threads_oauth_*, with HELP and TYPE; counters end in _total; the
    histogram's buckets are cumulative up to le="+Inf" = _count, _sum in
    seconds; the same numbers as server-status."""
    h = counted_httpd(directives=LONG_LIVED)
    logged_in(h, browser_factory(h), long_lived=True)
    counters, text = read_metrics(h)
    families = parse(text)
    for name, fam in families.items():
        assert name.startswith("threads_oauth_"), name
        assert fam.type in ("counter", "gauge", "histogram"), fam
        assert (fam.type == "counter") == name.endswith("_total"), fam
        for s in fam.samples:
            assert s.name.startswith("threads_oauth_"), s
            assert set(s.labels) <= {"reason", "outcome", "cause", "le"}, s
    hist = families[HISTOGRAM]
    les = [s.labels["le"] for s in hist.samples
           if s.name.endswith("_bucket")]
    assert les[-1] == "+Inf" and len(les) >= 2, les
    assert sum(counters.buckets) == counters["ThreadsCalls"] == 2
    assert read_status(h) == counters.values


def test_metrics_without_mod_status(httpd_factory, browser_factory):
    """SetHandler threads-oauth-metrics needs no mod_status."""
    h = httpd_factory(extra=METRICS_CONF)
    assert "mod_status" not in open(h.conf_path).read()
    before, _ = read_metrics(h)
    assert before.values == zero()
    b = browser_factory(h)
    b.login(START)
    assert b.get(START, navigate=False, headers=XHR).status_code == 200
    after, _ = read_metrics(h)
    assert_moved(before, after, calls=1, LoginsStarted=1, LoginsCompleted=1)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH",
                                    "OPTIONS"])
def test_metrics_answer_get_and_head_only(counted_httpd, method):
    h = counted_httpd()
    with moves(h):
        with requests.Session() as s:
            s.trust_env = False
            head = s.head(h.url("/metrics"), timeout=15)
            other = s.request(method, h.url("/metrics"), data=b"x=1",
                              timeout=15)
    assert head.status_code == 200, describe(head)
    assert head.content == b""
    assert media_type(head).startswith("text/plain; version=0.0.4"), (
        describe(head))
    assert other.status_code == 405, describe(other)
    allow = {m.strip() for m in other.headers.get("Allow", "").split(",")}
    assert {"GET", "HEAD"} <= allow and method not in allow, describe(other)
    assert "threads_oauth_" not in other.text


@needs_crypto
def test_status_and_metrics_hold_no_secret(counted_httpd, browser_factory,
                                           standin):
    """After logins, a refresh, a logout and Meta's callbacks: neither page
    holds a token, a code, a state, the session cookie, the app secret or
    the user id."""
    h = counted_httpd(directives=dict(LONG_LIVED, ThreadsProfile="On"))
    b = browser_factory(h)
    flow = b.login(START)
    secrets = [APP_SECRET, flow.code, flow.state, b.cookie()]
    age_the_token(b, standin)
    assert_served(b.get(START))
    secrets.append(b.cookie())
    b.post(CALLBACK_PATH + "?deauthorize",
           data={"signed_request": signed_request(USER_ID)})
    b.get(CALLBACK_PATH + "?logout=/")
    secrets += standin.issued_tokens()
    assert len(standin.issued_tokens()) == 3
    counters = read(h)
    assert counters["RefreshesDone"] == 1
    for path in ("/metrics", "/server-status", "/server-status?auto"):
        r = fetch(h, path)
        assert r.status_code == 200, describe(r)
        seen = r.text + str(r.headers)
        for s in secrets + [USER_ID, urllib.parse.quote(APP_SECRET)]:
            assert s and s not in seen, "%s holds a secret" % path


# ---------------------------------------------------------------------------
# A login, step by step
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("directives,calls,extra", [
    ({}, 1, {}),
    (LONG_LIVED, 2, {"LongLivedExchanges": 1}),
    (dict(LONG_LIVED, ThreadsProfile="On"), 3, {"LongLivedExchanges": 1}),
], ids=["short", "long_lived", "long_lived_and_profile"])
def test_a_login_step_by_step(counted_httpd, browser_factory, standin,
                              directives, calls, extra, mpm):
    h = counted_httpd(directives=directives)
    b = browser_factory(h)
    with moves(h, LoginsStarted=1):
        flow = b.start_login(START)
    assert standin.requests_for("token") == []
    with moves(h, calls=calls, LoginsCompleted=1, **extra):
        b.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 302, describe(flow.callback)
    assert len(standin.requests) == 1 + calls
    # Served with the token: nothing counts.
    with moves(h):
        assert_served(b.follow(flow.callback))
        assert_served(b.get(START))
        assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)


def test_latency_of_a_slow_call(counted_httpd, browser_factory, standin, mpm):
    """A code exchange slowed by 0.3 s: its time is in the total and the
    maximum, and in a bucket above 250 ms."""
    h = counted_httpd()
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("token", "slow", seconds=0.3)
    with moves(h, calls=1, LoginsCompleted=1) as step:
        b.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 302, describe(flow.callback)
    assert step.ms >= 300, step.ms
    assert step.after["ThreadsCallMsMax"] == step.ms
    added = [a - b for a, b in zip(step.after.buckets, step.before.buckets)]
    upper = step.after.bounds[added.index(1)]
    assert upper is None or upper >= 300, step.after


@pytest.mark.parametrize("error,status", [("access_denied", 403),
                                          ("server_error", 400)])
def test_a_cancelled_login(counted_httpd, browser_factory, error, status, mpm):
    h = counted_httpd()
    b = browser_factory(h)
    flow = b.start_login(START)
    query = urllib.parse.urlencode({"error": error, "error_reason":
                                    "user_denied", "error_description":
                                    "Permissions error", "state": flow.state})
    with moves(h, LoginsCancelled=1):
        assert_module_page(b.get(CALLBACK_PATH + "?" + query), status)


def test_the_stand_in_cancel_button(counted_httpd, browser_factory, standin,
                                    mpm):
    h = counted_httpd()
    b = browser_factory(h)
    standin.auto_decision = "cancel"
    flow = b.start_login(START)
    assert "error=" in flow.callback_url
    with moves(h, LoginsCancelled=1):
        b.finish_login(flow)
    assert_module_page(flow.callback, 403)


@pytest.mark.parametrize("query", [
    "code=AQBnotpending&state=%s",
    "error=access_denied&error_reason=user_denied&state=%s",
], ids=["code", "error"])
def test_a_stale_state(counted_httpd, browser_factory, standin, query, mpm):
    """A state this browser never started: failed (state), no call."""
    h = counted_httpd()
    b = browser_factory(h)
    b.start_login(START)
    with moves(h, LoginsFailedState=1):
        r = b.get(CALLBACK_PATH + "?" + query % ("S" * 43))
    assert_module_page(r, 400)
    assert standin.requests_for("token") == []


def test_a_refused_code(counted_httpd, browser_factory, standin, mpm):
    h = counted_httpd()
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("token", "reject", message="Invalid verification code")
    with moves(h, calls=1, LoginsFailedRejected=1):
        b.finish_login(flow)
    assert_module_page(flow.callback, 403)


@pytest.mark.parametrize("where", ["closed_port", "untrusted_certificate"])
def test_threads_unreachable(counted_httpd, browser_factory, standin,
                             standin_factory, where, mpm):
    if where == "closed_port":
        url = "https://127.0.0.2:%d/oauth/access_token" % free_port(
            "127.0.0.2")
    else:
        url = standin_factory(cert="untrusted").token_url
    h = counted_httpd(directives={"ThreadsTokenUrl": url})
    b = browser_factory(h)
    flow = b.start_login(START)
    with moves(h, calls=1, LoginsFailedUnreachable=1):
        b.finish_login(flow)
    assert_module_page(flow.callback, 502)


def test_threads_slower_than_the_timeout(counted_httpd, browser_factory,
                                         standin, mpm):
    h = counted_httpd(directives={"ThreadsHttpTimeout": "1"})
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("token", "slow", seconds=8)
    with moves(h, calls=1, LoginsFailedTimeout=1) as step:
        b.finish_login(flow)
    assert_module_page(flow.callback, 504)
    # The call lasted the timeout (1 s; curl's clock starts after the
    # module's, and both round down to milliseconds).
    assert step.ms >= 950, step.ms


@pytest.mark.parametrize("kind,params", [
    ("garbage", {}),
    ("no_token", {}),
    ("custom", {"body": b'{"access_token": "THQVJab'}),
], ids=["not_json", "no_token", "truncated_json"])
def test_an_answer_that_is_not_a_token(counted_httpd, browser_factory,
                                       standin, kind, params, mpm):
    h = counted_httpd()
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("token", kind, **params)
    with moves(h, calls=1, LoginsFailedBadAnswer=1):
        b.finish_login(flow)
    assert_module_page(flow.callback, 502)


def test_a_callback_without_a_code(counted_httpd, browser_factory, standin,
                                   mpm):
    """Threads sends the browser back with the state and an empty code:
    failed (bad answer), no call."""
    h = counted_httpd()
    b = browser_factory(h)
    flow = b.start_login(START)
    with moves(h, LoginsFailedBadAnswer=1):
        r = b.get(CALLBACK_PATH + "?code=&state=" + flow.state)
    assert_module_page(r, 400)
    assert standin.requests_for("token") == []


NO_USERNAME = ("custom", {"body": (
    '{"id": "%s", "name": "No Username"}' % USER_ID).encode()})


@pytest.mark.parametrize("fault,params,reason,timeout", [
    NO_USERNAME + ("LoginsFailedBadAnswer", None),
    ("reset", {}, "LoginsFailedUnreachable", None),
    # Only this case shortens the timeout: a loaded machine must not turn
    # the others into timeouts.
    ("slow", {"seconds": 8}, "LoginsFailedTimeout", "1"),
], ids=["no_username", "reset", "too_slow"])
def test_a_login_without_the_username_it_needs(counted_httpd,
                                               browser_factory, standin,
                                               fault, params, reason,
                                               timeout, mpm):
    """ThreadsRemoteUser username and a profile read that gives none: the
    login fails (502) after the code exchange and the profile read, counted
    by why the read gave no username."""
    directives = {"ThreadsProfile": "On"}
    if timeout:
        directives["ThreadsHttpTimeout"] = timeout
    h = counted_httpd(directives=directives, extra=REMOTE_USER_USERNAME)
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("me", fault, **params)
    with moves(h, calls=2, **{reason: 1}):
        b.finish_login(flow)
    assert_module_page(flow.callback, 502)


def test_a_login_too_large_to_keep(counted_httpd, browser_factory, standin,
                                   mpm):
    """The longest token (2048 bytes) and a 256-byte username that
    ThreadsRemoteUser username will not leave out do not fit the cookie:
    the login fails on this server's side (500, THREADS00055), and no
    login is kept."""
    h = counted_httpd(directives={"ThreadsProfile": "On"},
                      extra=REMOTE_USER_USERNAME)
    standin.token_length = 2048
    standin.username = "u" * 256
    b = browser_factory(h)
    flow = b.start_login(START)
    with moves(h, calls=2, LoginsFailedServer=1):
        b.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 500, describe(flow.callback)
    line, = h.error_log_lines(r"THREADS00055:")
    assert ("the token of user %s is too large to keep in a cookie"
            % USER_ID) in line, line
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)


def test_a_login_whose_token_threads_calls_dead(counted_httpd,
                                                browser_factory, standin, mpm):
    """Graph error 190 on the long-lived exchange: the login fails as
    rejected, and the exchange as failed."""
    h = counted_httpd(directives=LONG_LIVED)
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("exchange", "reject", code=190)
    with moves(h, calls=2, LongLivedExchangesFailed=1,
               LoginsFailedRejected=1):
        b.finish_login(flow)
    assert_module_page(flow.callback, 403)


def test_a_failed_long_lived_exchange(counted_httpd, browser_factory,
                                      standin, mpm):
    """The login still completes, with the 1-hour token."""
    h = counted_httpd(directives=LONG_LIVED)
    b = browser_factory(h)
    flow = b.start_login(START)
    standin.set_fault("exchange", "reject", code=1, message="try later")
    with moves(h, calls=2, LoginsCompleted=1, LongLivedExchangesFailed=1):
        b.finish_login(flow)
    assert assert_served(flow.final)["THREADS_TOKEN_TYPE"] == "short"


# ---------------------------------------------------------------------------
# Refresh, logout, Meta's callbacks, 401
# ---------------------------------------------------------------------------

@needs_crypto
def test_a_refresh(counted_httpd, browser_factory, standin, mpm):
    h = counted_httpd(directives=LONG_LIVED)
    b = browser_factory(h)
    logged_in(h, b, long_lived=True)
    age_the_token(b, standin)
    with moves(h, calls=1, RefreshesDone=1):
        env = assert_served(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == \
        standin.requests_for("refresh")[0].response_json()["access_token"]
    with moves(h):
        assert_served(b.get(START))


@needs_crypto
@pytest.mark.parametrize("kind,params,moved", [
    ("error5xx", {}, {}),
    ("reject", {"code": 2, "message": "retry later"}, {}),
    ("reject", {"code": 190, "message": "dead"}, {"LoginsStarted": 1}),
], ids=["502", "oauth_exception", "dead_token_190"])
def test_a_failed_refresh(counted_httpd, browser_factory, standin, kind,
                          params, moved, mpm):
    """Counted once: within the hour the token is not tried again. A dead
    token (190) logs out, so that request starts a login."""
    h = counted_httpd(directives=LONG_LIVED)
    b = browser_factory(h)
    logged_in(h, b, long_lived=True)
    age_the_token(b, standin)
    standin.set_fault("refresh", kind, **params)
    with moves(h, calls=1, RefreshesFailed=1, **moved):
        r = b.get(START)
    assert r.status_code == (302 if moved else 200), describe(r)
    with moves(h, **moved):
        r = b.get(START)
    assert r.status_code == (302 if moved else 200), describe(r)
    assert len(standin.requests_for("refresh")) == 1


def test_a_logout(counted_httpd, browser_factory, mpm):
    """Counted for a logged-in session only; a cross-site link asks first
    and counts when confirmed."""
    h = counted_httpd()
    b = browser_factory(h)
    logged_in(h, b)
    with moves(h, RevocationsLogout=1):
        assert b.get(CALLBACK_PATH + "?logout=/").status_code == 302
    with moves(h):
        assert b.get(CALLBACK_PATH + "?logout=/").status_code == 302
    logged_in(h, b)
    url = CALLBACK_PATH + "?logout=/"
    with moves(h):
        page = b.get(url, headers={"Sec-Fetch-Site": "cross-site"})
    assert_module_page(page, 200)
    with moves(h, RevocationsLogout=1):
        r = b.post(url, headers={"Sec-Fetch-Site": "same-origin",
                                 "Origin": h.base_url})
    assert r.status_code == 302, describe(r)


@pytest.mark.parametrize("endpoint,counter", [
    ("deauthorize", "RevocationsDeauthorize"),
    ("delete", "RevocationsDelete"),
])
def test_meta_callbacks(counted_httpd, browser_factory, endpoint, counter,
                        mpm):
    """A valid signed_request counts once; a forged one not at all."""
    h = counted_httpd()
    b = browser_factory(h)
    url = CALLBACK_PATH + "?" + endpoint
    with moves(h, **{counter: 1}):
        r = b.post(url, data={"signed_request": signed_request(USER_ID)})
    answer = assert_module_json(r, 200)
    with moves(h):
        forged = b.post(url, data={"signed_request": signed_request(
            USER_ID, secret="not the app secret")})
        assert_module_json(forged, 400)
        assert_module_json(b.post(url, data={"x": "1"}), 400)
        if endpoint == "delete":
            code = answer["confirmation_code"]
            assert_module_page(b.get(CALLBACK_PATH + "?deletion=" + code),
                               200)


def test_401_answers(counted_httpd, browser_factory, mpm):
    """A script's request to a protected URL without login, and ?info=json
    without login: each a 401, no login started."""
    h = counted_httpd()
    b = browser_factory(h)
    with moves(h, Unauthorized=1):
        r = b.get(START, navigate=False, headers=XHR)
    assert assert_module_json(r, 401)["error"] == "login_required"
    with moves(h, Unauthorized=1):
        assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)
    logged_in(h, b)
    with moves(h):
        assert_served(b.get(START, navigate=False, headers=XHR))


# ---------------------------------------------------------------------------
# A revocation store that is down
# ---------------------------------------------------------------------------

SESSION_KEY = "k" * 40


def redis_down_httpd(counted_httpd):
    """An httpd whose ThreadsRevocationCache is a redis port where nothing
    listens."""
    return counted_httpd(modules=("socache_redis",), directives={
        "ThreadsRevocationCache": "redis:127.0.0.1:%d" % free_port(),
        "ThreadsSessionKey": SESSION_KEY})


def test_failed_store_lookups(counted_httpd, httpd_factory,
                              browser_factory):
    """A user logged in elsewhere (a server with the same ThreadsSessionKey
    and no store) comes to a server whose store is down: each request is
    served, and each counts a failed lookup."""
    elsewhere = httpd_factory(directives={"ThreadsSessionKey": SESSION_KEY})
    first = browser_factory(elsewhere)
    first.login(START)
    h = redis_down_httpd(counted_httpd)
    b = browser_factory(h)
    b.set_cookie(first.cookie())
    for _ in range(3):
        with moves(h, RevocationCacheFailures=1):
            assert assert_served(b.get(START))["REMOTE_USER"] == USER_ID


def test_failed_store_lookups_after_a_login(counted_httpd, browser_factory):
    """A login on the server whose store is down: the state marked used at
    the callback fails (counted), then each request of the logged-in user
    is served and counts its failed lookup."""
    h = redis_down_httpd(counted_httpd)
    b = browser_factory(h)
    with moves(h, LoginsStarted=1):
        flow = b.start_login(START)
    with moves(h, calls=1, LoginsCompleted=1, RevocationCacheFailures=1):
        b.finish_login(flow, follow_final=False)
    assert flow.callback.status_code == 302, describe(flow.callback)
    for _ in range(3):
        with moves(h, RevocationCacheFailures=1):
            assert_served(b.get(START))


def test_failed_store_writes(counted_httpd, browser_factory):
    """Meta's callbacks find the store down: 503, no revocation counted,
    the failed write counted."""
    h = redis_down_httpd(counted_httpd)
    b = browser_factory(h)
    for endpoint in ("deauthorize", "delete"):
        with moves(h, RevocationCacheFailures=1):
            r = b.post(CALLBACK_PATH + "?" + endpoint,
                       data={"signed_request": signed_request(USER_ID)})
            assert_module_json(r, 503)


# ---------------------------------------------------------------------------
# Summed over processes
# ---------------------------------------------------------------------------

PID_LOG = 'LogFormat "%P \\"%{User-Agent}i\\" %r" pids\n' \
          'CustomLog "{dir}/pids.log" pids\nKeepAliveTimeout 30\n'


def test_prefork_children_add_up(counted_httpd, browser_factory):
    """Four browsers, each kept on its own prefork child by its open
    connection: every child reports the counts of all of them, and 401s
    on new connections add to them."""
    n = 4
    h = counted_httpd(mpm="prefork", start=False, mpm_tuning=[
        "StartServers 7", "MinSpareServers 7", "MaxSpareServers 10",
        "MaxRequestWorkers 16"])
    h.extra += PID_LOG.replace("{dir}", h.dir)
    h.start()
    browsers = [browser_factory(h) for _ in range(n)]
    for i, b in enumerate(browsers):
        b.session.headers["User-Agent"] = "browser-%d" % i
    with moves(h, calls=n, LoginsStarted=n, LoginsCompleted=n,
               Unauthorized=2 * n):
        flows = [b.start_login(START) for b in browsers]
        for b, flow in zip(browsers, flows):
            b.finish_login(flow)
            assert_served(flow.final)
        for _ in range(2 * n):
            r = fetch(h, START, headers=XHR)
            assert r.status_code == 401, describe(r)
    totals = read(h)
    for b in browsers:
        assert read(h, via=b) == totals
    # Each browser's 5 requests (the login's 3, the 2 reads) came to one
    # child, each browser's to another. httpd logs a request after its
    # answer: wait for the lines.
    deadline = time.monotonic() + 10
    while True:
        pids = {i: [] for i in range(n)}
        with open(h.dir + "/pids.log") as f:
            for line in f:
                m = re.match(r'(\d+) "browser-(\d+)" ', line)
                if m:
                    pids[int(m.group(2))].append(m.group(1))
        if all(len(p) == 5 for p in pids.values()) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert all(len(p) == 5 and len(set(p)) == 1 for p in pids.values()), pids
    assert len({p[0] for p in pids.values()}) == n, pids


def test_event_threads_add_up(counted_httpd, browser_factory):
    """Eight logins and logouts at once, on the threads of up to two event
    processes (which process takes a connection is the kernel's choice:
    the prefork test is the one that forces several). Each process has
    more threads than there are browsers: with every worker busy (eight
    callbacks waiting on the token call at once), mpm_event closes the
    kept-alive connections, and a browser's next request would meet a
    closed connection rather than the module."""
    n = 8
    h = counted_httpd(mpm="event", mpm_tuning=[
        "StartServers 2", "ServerLimit 2", "ThreadsPerChild 12",
        "MaxRequestWorkers 24", "MinSpareThreads 12", "MaxSpareThreads 24"])
    browsers = [browser_factory(h) for _ in range(n)]
    barrier = threading.Barrier(n, timeout=20)
    errors = []

    def one(b):
        try:
            barrier.wait()
            b.login(START)
            assert b.get(START, navigate=False, headers={
                "Connection": "close"}).status_code == 200
            b.close()
            r = b.get(CALLBACK_PATH + "?logout=/")
            assert r.status_code == 302, describe(r)
        except Exception as e:  # reported below
            errors.append(e)

    with moves(h, calls=n, LoginsStarted=n, LoginsCompleted=n,
               RevocationsLogout=n):
        threads = [threading.Thread(target=one, args=(b,)) for b in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors


# ---------------------------------------------------------------------------
# Restarts
# ---------------------------------------------------------------------------

def generation(h):
    r = fetch(h, "/server-status?auto")
    return int(re.search(r"^ParentServerConfigGeneration: (\d+)$", r.text,
                         re.M).group(1))


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_graceful_restart_keeps_the_counters(counted_httpd, browser_factory,
                                             standin, mpm):
    h = counted_httpd(mpm=mpm)
    first = browser_factory(h)
    logged_in(h, first)
    assert_module_json(browser_factory(h).get(CALLBACK_PATH + "?info=json"),
                       401)
    expected = read(h)
    assert expected["ThreadsCalls"] == 1 and expected["Unauthorized"] == 1
    for _ in range(2):
        gen = generation(h)
        h.graceful()
        first.close()
        assert generation(h) == gen + 1
        assert read(h) == expected
        # And they go on counting.
        logged_in(h, browser_factory(h))
        expected = read(h)
    assert expected["LoginsCompleted"] == 3


def test_stop_and_start_resets_the_counters(counted_httpd, browser_factory):
    """The counters live in httpd's memory: a full stop and start (not a
    graceful restart) begins at 0 again."""
    h = counted_httpd()
    logged_in(h, browser_factory(h))
    assert read(h)["LoginsCompleted"] == 1
    h.restart()
    assert read(h).values == zero()
    logged_in(h, browser_factory(h))
