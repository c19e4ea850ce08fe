"""Logins under every MPM, many at once, and with the other session stores
(contract 1: mod_session with mod_session_cookie or mod_session_dbd,
mod_session_crypto optional; contract 5a: sealed values in any store).
"""

import concurrent.futures
import json
import os
import re
import sqlite3
import threading

import pytest
import requests
from urllib3.util.retry import Retry

from harness import (BASE_MODULES, CALLBACK_PATH, USER_ID, assert_module_json,
                     describe)
from harness.sealed import (needs_crypto, record_fields, session_entries,
                            unseal)
from harness.stores import SQLITE_DRIVER, dbd_lines, make_session_db

START = "/app/env.cgi"
LONG_AND_PROFILE = {"ThreadsLongLivedToken": "On", "ThreadsProfile": "On"}


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def assert_logged_in(browser, standin, token_type="long"):
    env = cgi_env(browser.get(START))
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert env["THREADS_TOKEN_TYPE"] == token_type
    assert env["THREADS_ACCESS_TOKEN"] in standin.issued_tokens()
    return env


# ---------------------------------------------------------------------------
# MPMs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["worker", "prefork"])
def test_login_under_mpm(httpd_factory, browser_factory, standin, mpm):
    h = httpd_factory(mpm=mpm, directives=LONG_AND_PROFILE)
    assert "mod_mpm_%s.so" % mpm in open(h.conf_path).read()
    b = browser_factory(h)
    b.login(START)
    env = assert_logged_in(b, standin)
    assert env["THREADS_USERNAME"] == standin.username
    # Any process reads the session: new connections each time.
    for _ in range(4):
        b.close()
        assert cgi_env(b.get(START))["THREADS_ACCESS_TOKEN"] == \
            env["THREADS_ACCESS_TOKEN"]
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["token_type"] == "long"
    assert [r.endpoint for r in standin.requests] == [
        "authorize", "token", "exchange", "me"]


def retrying(browser):
    """browser, made to send a GET again when the server closed a
    kept-alive connection just as the request went out, as browsers do:
    with every worker busy, mpm_event closes idle keep-alive connections
    early."""
    adapter = requests.adapters.HTTPAdapter(max_retries=Retry(
        total=2, connect=2, read=2, status=0, other=0, redirect=False,
        allowed_methods=frozenset(["GET", "HEAD"]),
        raise_on_status=False))
    browser.session.mount("http://", adapter)
    return browser


EVENT_8_THREADS = ["StartServers 1", "ServerLimit 1", "ThreadsPerChild 8",
                   "MaxRequestWorkers 8", "MinSpareThreads 1",
                   "MaxSpareThreads 8"]


def test_20_concurrent_logins_under_event(httpd_factory, browser_factory,
                                          standin):
    n = 20
    h = httpd_factory(mpm="event", mpm_tuning=EVENT_8_THREADS,
                      directives={"ThreadsLongLivedToken": "On"})
    browsers = [retrying(browser_factory(h)) for _ in range(n)]
    barrier = threading.Barrier(n, timeout=20)

    def one(b):
        barrier.wait()
        flow = b.login("%s?n=%d" % (START, id(b)))
        assert flow.final.status_code == 200, describe(flow.final)
        env = cgi_env(b.get(START))
        return env["THREADS_ACCESS_TOKEN"], env["REMOTE_USER"], flow

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, browsers))
    tokens = [t for t, _, _ in results]
    assert len(set(tokens)) == n, "two browsers got the same token"
    assert set(tokens) == set(standin.issued_tokens("long"))
    assert all(u == USER_ID for _, u, _ in results)
    # Each browser came back to its own URL.
    for b, (_, _, flow) in zip(browsers, results):
        assert flow.final.url.endswith("?n=%d" % id(b)), flow.final.url
    assert len(standin.requests_for("token")) == n
    assert len(standin.requests_for("exchange")) == n


# ---------------------------------------------------------------------------
# mod_session_dbd
# ---------------------------------------------------------------------------

DBD_MODULES = BASE_MODULES + ("dbd", "session_dbd")
DBD_STORE = ["SessionDBDCookieName session path=/;HttpOnly;SameSite=Lax"]


def dbd_httpd(httpd_factory, directives=None, extra=""):
    """An httpd whose sessions live in SQLite through mod_session_dbd
    (instead of the cookie store of the base configuration), extra
    configuration after the store's. Returns (httpd, database path)."""
    if not os.path.exists(SQLITE_DRIVER):
        pytest.skip("the APR SQLite driver is not installed "
                    "(libaprutil1-dbd-sqlite3)")
    h = httpd_factory(start=False, directives=directives,
                      modules=DBD_MODULES, session=DBD_STORE)
    db = make_session_db(os.path.join(h.dir, "db"))
    h.extra = "\n".join(dbd_lines(db)) + "\n" + extra
    h.start()
    assert "SessionCookieName" not in open(h.conf_path).read()
    return h, db


# A public page that only a request whose Cookie header still holds the
# session cookie may see.
COOKIE_SEEN_BY_REQUIRE = """
<Location /index.html>
    Require expr "%{HTTP_COOKIE} =~ /session=/"
</Location>
"""


@pytest.mark.parametrize("remove,status", [("On", 403), ("Off", 200)])
def test_dbd_cookie_removal_and_the_sites_rules(httpd_factory,
                                                browser_factory, standin,
                                                remove, status):
    """As the README says: the module loads a mod_session_dbd session
    before authorization, to know whether to cap the logs, so with
    SessionDBDCookieRemove On (the default) a Require expr on the cookie
    no longer sees it; with Off it does."""
    h, _ = dbd_httpd(httpd_factory, extra=COOKIE_SEEN_BY_REQUIRE + (
        "<Location />\n    SessionDBDCookieRemove %s\n</Location>\n"
        % remove))
    b = browser_factory(h)
    b.login(START)
    assert b.cookie(), "no session cookie after the login"
    r = b.get("/index.html")
    assert r.status_code == status, describe(r)


def session_rows(db):
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT key, value, expiry FROM session").fetchall()
    conn.close()
    return rows


@needs_crypto
def test_session_dbd_store(httpd_factory, browser_factory, standin):
    h, db = dbd_httpd(httpd_factory, LONG_AND_PROFILE)
    b = browser_factory(h)
    flow = b.login(START)
    env = assert_logged_in(b, standin)
    token = env["THREADS_ACCESS_TOKEN"]
    sid = b.cookie()
    # The cookie holds the session id only.
    assert re.fullmatch(r"[0-9a-fA-F-]{36}", sid), sid
    for hop in flow.hops:
        assert "threads." not in hop.headers.get("Set-Cookie", "")
    rows = {k: v for k, v, _ in session_rows(db)}
    assert sid in rows, rows.keys()
    value = rows[sid]
    assert token not in value, "the token is stored in clear"
    entries = session_entries(value)
    rec = record_fields(unseal("threads.token", entries["threads.token"], h))
    assert rec["t"] == token
    assert rec["u"] == USER_ID
    assert rec["n"] == standin.username
    # Logged out: the module's values leave the row.
    r = b.get(CALLBACK_PATH + "?logout=/")
    assert r.status_code == 302, describe(r)
    rows = {k: v for k, v, _ in session_rows(db)}
    assert "threads.token" not in (rows.get(b.cookie()) or "")
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)


# ---------------------------------------------------------------------------
# mod_session_crypto on top of the cookie store
# ---------------------------------------------------------------------------

SESSION_CRYPTO = """
SessionCryptoDriver openssl
<Location />
    SessionCryptoPassphrase "a passphrase for the tests"
</Location>
"""


def test_session_crypto(httpd_factory, browser_factory, standin):
    h = httpd_factory(extra=SESSION_CRYPTO,
                      modules=BASE_MODULES + ("session_crypto",),
                      directives=LONG_AND_PROFILE)
    b = browser_factory(h)
    b.login(START)
    env = assert_logged_in(b, standin)
    cookie = b.cookie()
    assert "threads." not in cookie, "mod_session_crypto did not encrypt"
    assert env["THREADS_USERNAME"] == standin.username
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["user_id"] == USER_ID
    r = b.get(CALLBACK_PATH + "?logout=/")
    assert r.status_code == 302, describe(r)
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)
