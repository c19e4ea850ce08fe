"""The refresh of long-lived tokens: the 24-hour rule, the window, and the
pace (contract 7 and 8): one httpd makes at most one refresh call per token
at a time and none again for it within the hour, whatever came of it, for
any number of requests at once (threads, and processes under prefork) and
for a client replaying an older cookie; servers sharing a
ThreadsRevocationCache share the pace. Only main requests refresh.

Time is not waited for: a second server runs two days ahead under
libfaketime (harness.faketime) with the real-time server's
ThreadsSessionKey, so a token from the real-time server is old there; or
the token record is forged to be old (harness.sealed.age_token). The
stand-in's clock moves on as much, so that it too sees the token as old.
"""

import concurrent.futures
import email.utils
import json
import re
import threading
import time

import pytest
import requests

from harness import (CALLBACK_PATH, SHARED_SESSION_KEY, USER_ID,
                     assert_module_json, cgi_env, describe, includes_in,
                     with_store)
from harness.faketime import faketime_env, needs_faketime
from harness.redis import is_claim_mark, pace_key
from harness.sealed import (age_token, needs_crypto, session_entries,
                            token_record)

START = "/app/env.cgi"
DAY = 86400
LONG_EXPIRES_IN = 5183944
DIRECTIVES = {"ThreadsSessionKey": SHARED_SESSION_KEY,
              "ThreadsLongLivedToken": "On"}
WINDOW_60_DAYS = "5184000"
PACE_SECONDS = 3600
# Requests of one session at once.
N = 12
PREFORK_MANY = ["StartServers 6", "MinSpareServers 6", "MaxSpareServers 12",
                "MaxRequestWorkers 16"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def server_time(httpd):
    """httpd's clock, from the Date of an answer (Unix seconds)."""
    with requests.Session() as s:
        s.trust_env = False
        r = s.get(httpd.url("/index.html"), timeout=15)
    return email.utils.parsedate_to_datetime(r.headers["Date"]).timestamp()


def ahead_server(httpd_factory, offset, seconds, window=WINDOW_60_DAYS,
                 **kw):
    """A server whose clock is offset ("+2d") ahead, seconds in all;
    checked from its answers."""
    d = dict(DIRECTIVES, ThreadsRefreshWindow=window)
    h = httpd_factory(name="ahead", directives=d, env=faketime_env(offset),
                      **kw)
    skew = server_time(h) - time.time()
    assert seconds - 60 < skew < seconds + 60, (
        "httpd's clock is %.0f s off, not %s" % (skew, offset))
    return h


def login_now(httpd_factory, browser_factory, window=WINDOW_60_DAYS):
    """A login on a real-time server: (server, browser, long-lived token).
    """
    h = httpd_factory(name="now", directives=dict(
        DIRECTIVES, ThreadsRefreshWindow=window))
    b = browser_factory(h)
    b.login(START)
    token = cgi_env(b.get(START))["THREADS_ACCESS_TOKEN"]
    assert token.startswith("THAA")
    return h, b, token


def with_cookie(browser_factory, httpd, cookie):
    b = browser_factory(httpd)
    b.set_cookie(cookie)
    return b


def refreshed_tokens(standin):
    return [r.response_json()["access_token"]
            for r in standin.requests_for("refresh")
            if r.status == 200]


# ---------------------------------------------------------------------------
# The 24-hour rule and the window, on a clock ahead
# ---------------------------------------------------------------------------

@needs_faketime
@pytest.mark.parametrize("offset,seconds,window,due", [
    ("+20h", 20 * 3600, WINDOW_60_DAYS, False),
    ("+2d", 2 * DAY, "604800", False),
    ("+2d", 2 * DAY, WINDOW_60_DAYS, True),
], ids=["20_hours_old", "outside_the_default_window", "due"])
def test_refresh_of_a_token_from_a_real_time_server(
        httpd_factory, browser_factory, standin, offset, seconds, window,
        due):
    now, b, token = login_now(httpd_factory, browser_factory)
    ahead = ahead_server(httpd_factory, offset, seconds, window)
    standin.time_offset = seconds
    # Where it was made, the token is new: never refreshed.
    for _ in range(2):
        assert cgi_env(b.get(START))["THREADS_ACCESS_TOKEN"] == token
    assert standin.requests_for("refresh") == []

    there = with_cookie(browser_factory, ahead, b.cookie())
    r = there.get(START)
    env = cgi_env(r)
    if not due:
        assert standin.requests_for("refresh") == []
        assert env["THREADS_ACCESS_TOKEN"] == token
        return
    refresh, = standin.requests_for("refresh")
    assert refresh.query["access_token"] == [token]
    new_token, = refreshed_tokens(standin)
    assert env["THREADS_ACCESS_TOKEN"] == new_token
    assert env["THREADS_TOKEN_TYPE"] == "long"
    # Valid 60 days from the clock of the server that refreshed it.
    expires = int(env["THREADS_TOKEN_EXPIRES"])
    assert abs(expires - (time.time() + seconds + LONG_EXPIRES_IN)) < 120
    assert token_record(there)["t"] == new_token
    # The same user and login go on.
    assert env["THREADS_USER_ID"] == USER_ID
    assert token_record(there)["j"] == token_record(b)["j"]


# ---------------------------------------------------------------------------
# Many requests at once, and an older cookie replayed
# ---------------------------------------------------------------------------

def at_once(browser_factory, httpd, cookie, n=N):
    """n requests of one session at once, each on its own connection:
    [(status, token the app saw, the cookie answered or None)]."""
    browsers = [with_cookie(browser_factory, httpd, cookie)
                for _ in range(n)]
    barrier = threading.Barrier(n, timeout=20)

    def one(b):
        barrier.wait()
        r = b.get(START)
        token = cgi_env(r)["THREADS_ACCESS_TOKEN"]
        return r.status_code, token, b.cookie()

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, browsers))


@needs_faketime
@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_requests_at_once_make_one_refresh_call(
        httpd_factory, browser_factory, standin, mpm):
    now, b, token = login_now(httpd_factory, browser_factory)
    ahead = ahead_server(httpd_factory, "+2d", 2 * DAY, mpm=mpm,
                         mpm_tuning=PREFORK_MANY if mpm == "prefork"
                         else None)
    standin.time_offset = 2 * DAY
    # The one call takes a while: the other requests come meanwhile.
    standin.set_fault("refresh", "slow", count=1, seconds=1)
    old_cookie = b.cookie()
    results = at_once(browser_factory, ahead, old_cookie)
    assert len(standin.requests_for("refresh")) == 1, [
        r.target[:40] for r in standin.requests_for("refresh")]
    new_token, = refreshed_tokens(standin)
    seen = [t for _, t, _ in results]
    assert set(seen) <= {token, new_token}, seen
    assert new_token in seen
    assert all(status == 200 for status, _, _ in results)

    # The older cookie again, on new connections: no call within the hour.
    for _ in range(3):
        replay = with_cookie(browser_factory, ahead, old_cookie)
        assert cgi_env(replay.get(START))["THREADS_ACCESS_TOKEN"] == token
    # Nor for the cookie with the new token, which is not due.
    fresh = [c for _, t, c in results if t == new_token][0]
    assert cgi_env(with_cookie(browser_factory, ahead, fresh).get(START))[
        "THREADS_ACCESS_TOKEN"] == new_token
    assert len(standin.requests_for("refresh")) == 1


@needs_crypto
@pytest.mark.parametrize("fault", [None, "error5xx", "timeout"],
                         ids=["refreshed", "failed", "timed_out"])
def test_an_older_cookie_replayed_makes_no_call_within_the_hour(
        httpd_factory, browser_factory, standin, fault):
    """Whatever came of the call: the server, not the cookie, keeps the
    pace."""
    d = dict(DIRECTIVES)
    if fault == "timeout":
        d["ThreadsHttpTimeout"] = "1"
        standin.set_fault("refresh", "slow", seconds=5)
    elif fault:
        standin.set_fault("refresh", fault)
    h = httpd_factory(directives=d)
    b = browser_factory(h)
    b.login(START)
    rec = age_token(b, 2 * DAY, 3 * DAY)
    standin.time_offset = 2 * DAY
    older = b.cookie()
    cgi_env(b.get(START))
    assert len(standin.requests_for("refresh")) == 1
    for _ in range(3):
        replay = with_cookie(browser_factory, h, older)
        assert cgi_env(replay.get(START))["THREADS_ACCESS_TOKEN"] == rec["t"]
    assert len(standin.requests_for("refresh")) == 1
    assert h.error_log_lines(r"THREADS00159.*within the hour")


# ---------------------------------------------------------------------------
# The pace shared through the store
# ---------------------------------------------------------------------------

@needs_crypto
@pytest.mark.parametrize("store,fault,calls", [
    ("redis", None, 1),
    ("redis", "error5xx", 1),
    (None, None, 2),
], ids=["redis", "redis_failed_refresh", "no_store"])
def test_servers_sharing_redis_share_the_pace(
        httpd_factory, browser_factory, standin, request, store, fault,
        calls):
    """Without a store each server keeps its own pace (the README says
    so): the control that shows the shared pace is the store's."""
    spec = request.getfixturevalue("redis").spec if store else None
    a, b = [httpd_factory(name=name, **with_store(spec, DIRECTIVES))
            for name in ("node1", "node2")]
    one = browser_factory(a)
    one.login(START)
    token = age_token(one, 2 * DAY, 3 * DAY)["t"]
    standin.time_offset = 2 * DAY
    if fault:
        standin.set_fault("refresh", fault)
    older = one.cookie()
    cgi_env(one.get(START))
    assert len(standin.requests_for("refresh")) == 1
    if store:
        r = request.getfixturevalue("redis")
        assert is_claim_mark(r.entry(pace_key(token))), r.entries()
        assert PACE_SECONDS - 60 < r.entry_ttl(pace_key(token)) \
            <= PACE_SECONDS
    other = with_cookie(browser_factory, b, older)
    env = cgi_env(other.get(START))
    assert len(standin.requests_for("refresh")) == calls
    if calls == 1:
        assert env["THREADS_ACCESS_TOKEN"] == token
    # Each server's own pace holds in any case.
    for h in (a, b):
        cgi_env(with_cookie(browser_factory, h, older).get(START))
    assert len(standin.requests_for("refresh")) == calls


# ---------------------------------------------------------------------------
# Only main requests
# ---------------------------------------------------------------------------

def included_token(resp):
    """THREADS_ACCESS_TOKEN in the env.cgi output an SSI page included."""
    assert resp.status_code == 200, describe(resp)
    m = re.search(r'<pre id="included">\s*(\{.*\})\s*</pre>', resp.text,
                  re.S)
    assert m, resp.text
    return json.loads(m.group(1)).get("THREADS_ACCESS_TOKEN")


@needs_crypto
def test_only_main_requests_refresh(httpd_factory, browser_factory,
                                    standin):
    h = httpd_factory(directives=DIRECTIVES, start=False)
    h.extra = includes_in(h.docroot + "/pub")
    h.start()
    b = browser_factory(h)
    b.login(START)
    token = age_token(b, 2 * DAY, 3 * DAY)["t"]
    standin.time_offset = 2 * DAY
    # A public page whose SSI include reaches the protected script: the
    # subrequest sees the login but does not refresh it.
    for _ in range(2):
        r = b.get("/pub/include.shtml")
        assert included_token(r) == token
        assert "session=" not in r.headers.get("Set-Cookie", "")
    assert standin.requests_for("refresh") == []
    # A protected page: its main request refreshes, its include sees the
    # new token.
    r = b.get("/app/include.shtml")
    new_token, = refreshed_tokens(standin)
    assert included_token(r) == new_token
    assert "threads.token" in session_entries(b.cookie())
    assert assert_module_json(b.get(CALLBACK_PATH + "?info=json"),
                              200)["token_type"] == "long"


@needs_crypto
def test_servers_sharing_redis_share_the_pace_at_the_same_moment(
        httpd_factory, browser_factory, standin, redis):
    """The older cookie reaches both servers at once. Writes to redis are
    held back a moment (CLIENT PAUSE WRITE; reads go on), as a busy store
    would: the claim that comes second must still lose."""
    a, b = [httpd_factory(name=name, **with_store(redis.spec, DIRECTIVES))
            for name in ("node1", "node2")]
    one = browser_factory(a)
    one.login(START)
    token = age_token(one, 2 * DAY, 3 * DAY)["t"]
    standin.time_offset = 2 * DAY
    older = one.cookie()
    browsers = [with_cookie(browser_factory, h, older) for h in (a, b)]
    redis.command("CLIENT", "PAUSE", "1500", "WRITE")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        envs = list(pool.map(lambda br: cgi_env(br.get(START)), browsers))
    assert all(env["THREADS_USER_ID"] == USER_ID for env in envs)
    assert is_claim_mark(redis.entry(pace_key(token)))
    assert len(standin.requests_for("refresh")) == 1
