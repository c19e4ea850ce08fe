"""Starting a login and what the application sees after it (contract 3, 5).

Each test runs its own httpd with mod_threads_oauth against the Threads
stand-in (see t/conftest.py)."""

import json
import re
import time
import urllib.parse

import pytest

from harness import (APP_ID, APP_SECRET, CALLBACK_PATH, USER_ID,
                     assert_module_json, assert_no_store, assert_redirect_to,
                     describe, query_of)

STATE_RE = re.compile(r"[A-Za-z0-9_-]{22,}")  # 22 base64url chars: 132 bits
AUTHORIZE_PARAMS = ["client_id", "redirect_uri", "response_type", "scope",
                    "state"]


def assert_authorize_redirect(resp, httpd, standin, scope="threads_basic"):
    """resp sends the browser to the Authorization Window with exactly the
    five parameters; returns the state."""
    assert resp.status_code == 302, describe(resp)
    loc = resp.headers["Location"]
    split = urllib.parse.urlsplit(loc)
    assert "%s://%s%s" % (split.scheme, split.netloc, split.path) == \
        standin.authorize_url, loc
    assert split.fragment == ""
    q = query_of(loc)
    assert sorted(q) == AUTHORIZE_PARAMS, loc
    assert all(len(v) == 1 for v in q.values()), loc
    assert q["client_id"] == [APP_ID]
    assert q["redirect_uri"] == [httpd.redirect_uri]
    assert q["scope"] == [scope]
    assert q["response_type"] == ["code"]
    state = q["state"][0]
    assert STATE_RE.fullmatch(state), state
    assert_no_store(resp)
    return state


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


# ---------------------------------------------------------------------------
# The redirect to Threads
# ---------------------------------------------------------------------------

def test_protected_page_redirects_to_threads(httpd, browser, standin):
    r = browser.get("/app/env.cgi?x=1")
    assert_authorize_redirect(r, httpd, standin)
    # The pending login lives in the session cookie.
    assert "session=" in r.headers.get("Set-Cookie", ""), describe(r)
    # Nothing is asked of Threads yet.
    assert standin.requests == []


def test_redirect_uri_is_sent_url_encoded(httpd, browser, standin):
    r = browser.get("/app/")
    raw = urllib.parse.urlsplit(r.headers["Location"]).query
    pairs = dict(p.split("=", 1) for p in raw.split("&"))
    assert urllib.parse.unquote_plus(pairs["redirect_uri"]) == \
        httpd.redirect_uri
    assert not re.search(r"[^A-Za-z0-9%._~+-]", pairs["redirect_uri"]), (
        "redirect_uri is not URL-encoded: " + pairs["redirect_uri"])


def test_state_is_new_for_every_attempt(httpd, browser_factory, standin):
    one = browser_factory(httpd)
    states = [assert_authorize_redirect(one.get("/app/"), httpd, standin)
              for _ in range(4)]
    for _ in range(4):
        other = browser_factory(httpd)
        states.append(assert_authorize_redirect(other.get("/app/env.cgi"),
                                                httpd, standin))
    assert len(set(states)) == len(states), states


def test_head_navigation_redirects(httpd, browser, standin):
    assert_authorize_redirect(browser.head("/app/page.html"), httpd, standin)


def test_navigation_without_fetch_metadata_redirects(httpd, browser,
                                                     standin):
    # Older browsers send no Sec-Fetch-* headers.
    r = browser.get("/app/page.html", navigate=False)
    assert_authorize_redirect(r, httpd, standin)


@pytest.mark.parametrize("method,headers", [
    ("GET", {"X-Requested-With": "XMLHttpRequest"}),
    ("GET", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}),
    ("GET", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}),
    ("GET", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}),
    ("POST", {}),
], ids=["xhr", "cors", "no-cors-image", "iframe", "post"])
def test_non_navigation_gets_401_json(httpd, browser, standin, method,
                                      headers):
    kw = {"data": {"a": "b"}} if method == "POST" else {}
    # Everything else about these requests looks like a navigation.
    r = browser.request(method, "/app/env.cgi?x=1&y=%2F", navigate=True,
                        headers=headers, **kw)
    body = assert_module_json(r, 401)
    assert body["error"] == "login_required"
    login_url = body["login_url"]
    split = urllib.parse.urlsplit(login_url)
    assert split.scheme == "" and split.netloc == "", login_url
    assert split.path == CALLBACK_PATH
    assert query_of(login_url) == {"login": ["/app/env.cgi?x=1&y=%2F"]}
    assert "Location" not in r.headers
    assert standin.requests == []


def test_login_url_of_the_401_leads_back(httpd, browser, standin):
    r = browser.get("/app/env.cgi?from=xhr", navigate=False,
                    headers={"X-Requested-With": "XMLHttpRequest"})
    login_url = assert_module_json(r, 401)["login_url"]
    flow = browser.login(login_url)
    assert_authorize_redirect(flow.start, httpd, standin)
    assert_redirect_to(flow.callback, httpd, "/app/env.cgi?from=xhr")
    assert cgi_env(flow.final)["QUERY_STRING"] == "from=xhr"


# ---------------------------------------------------------------------------
# A whole login
# ---------------------------------------------------------------------------

def check_full_login(httpd, browser, standin, path, query):
    t0 = time.time()
    flow = browser.login(path)
    state = assert_authorize_redirect(flow.start, httpd, standin)

    # The stand-in sent the browser back with the code, and Meta's "#_".
    raw = flow.authorize.headers["Location"]
    assert raw.startswith(httpd.redirect_uri + "?code=")
    assert raw.endswith("#_")
    assert flow.state == state

    # The callback exchanged the code and sends the browser back.
    assert_redirect_to(flow.callback, httpd, path)
    assert_no_store(flow.callback)
    assert "session=" in flow.callback.headers.get("Set-Cookie", "")

    # Exactly one POST, with exactly the five fields.
    posts = standin.requests_for("token")
    assert len(posts) == 1, posts
    post = posts[0]
    assert post.method == "POST"
    assert post.content_type == "application/x-www-form-urlencoded"
    assert post.query == {}
    assert post.form == {
        "client_id": [APP_ID],
        "client_secret": [APP_SECRET],
        "code": [flow.code],
        "grant_type": ["authorization_code"],
        "redirect_uri": [httpd.redirect_uri],
    }
    assert post.form["redirect_uri"] == flow.authorize_params["redirect_uri"]
    assert post.status == 200
    # No other call to Threads (no long-lived token, no profile).
    assert [r.endpoint for r in standin.requests] == ["authorize", "token"]

    # The application sees the login.
    env = cgi_env(flow.final)
    token = standin.issued_tokens("short")
    assert len(token) == 1
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert env["THREADS_ACCESS_TOKEN"] == token[0]
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["THREADS_TOKEN_TYPE"] == "short"
    assert env["THREADS_SCOPE"] == "threads_basic"
    expires = int(env["THREADS_TOKEN_EXPIRES"])
    assert t0 + 3600 - 5 <= expires <= time.time() + 3600 + 5
    assert env["QUERY_STRING"] == query
    assert env["REQUEST_URI"] == path
    return flow


def test_full_login(httpd, browser, standin):
    query = "x=1&y=a%20b&z=%2F%3F"
    check_full_login(httpd, browser, standin, "/app/env.cgi?" + query, query)


@pytest.mark.parametrize("mpm", ["worker", "prefork"])
def test_full_login_other_mpms(httpd_factory, browser_factory, standin, mpm):
    h = httpd_factory(mpm=mpm)
    check_full_login(h, browser_factory(h), standin, "/app/env.cgi?m=" + mpm,
                     "m=" + mpm)


def test_logged_in_requests_need_no_more_calls(httpd, browser, standin):
    browser.login("/app/env.cgi")
    before = len(standin.requests)
    r = browser.get("/app/page.html")
    assert r.status_code == 200
    assert "<h1>Protected page</h1>" in r.text
    r = browser.get("/app/")
    assert r.status_code == 200
    assert "Members' area" in r.text
    # Script requests with a session pass too.
    r = browser.get("/app/env.cgi", navigate=False,
                    headers={"X-Requested-With": "XMLHttpRequest"})
    assert cgi_env(r)["REMOTE_USER"] == USER_ID
    r = browser.post("/app/env.cgi", data={"k": "v"})
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    assert env["_body"] == "k=v"
    assert len(standin.requests) == before


def test_public_pages_stay_public(httpd, browser, standin):
    r = browser.get("/")
    assert r.status_code == 200
    assert "Public page" in r.text
    r = browser.get("/cgi-bin/env.cgi")
    env = cgi_env(r)
    assert "REMOTE_USER" not in env
    assert not any(k.startswith("THREADS_") for k in env)
    assert standin.requests == []


def test_another_browser_is_not_logged_in(httpd, browser, browser_factory,
                                          standin):
    browser.login("/app/env.cgi")
    other = browser_factory(httpd)
    assert_authorize_redirect(other.get("/app/env.cgi"), httpd, standin)


def test_client_cannot_inject_threads_headers(httpd, browser, standin):
    browser.login("/app/env.cgi")
    r = browser.get("/app/env.cgi", headers={
        "X-Threads-Access-Token": "forged",
        "X-Threads-User-Id": "1",
        "X-Threads-Username": "admin",
        "x-threads-scope": "threads_basic,threads_delete",
    })
    env = cgi_env(r)
    assert not [k for k in env if k.startswith("HTTP_X_THREADS")], env
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_ACCESS_TOKEN"] != "forged"


def test_ssi_subrequest_sees_the_login(httpd, browser, standin):
    browser.login("/app/env.cgi")
    r = browser.get("/app/whoami.shtml")
    assert r.status_code == 200, describe(r)
    assert "REMOTE_USER=%s" % USER_ID in r.text
    assert "AUTH_TYPE=Threads" in r.text
    assert "THREADS_USER_ID=%s" % USER_ID in r.text


def test_token_expiry_from_expires_in(httpd, browser, standin):
    # Long enough for the login to finish on a slow (sanitizer) build.
    standin.short_expires_in = 4
    t0 = time.time()
    flow = browser.login("/app/env.cgi")
    env = cgi_env(flow.final)
    expires = int(env["THREADS_TOKEN_EXPIRES"])
    assert int(t0) + 4 - 1 <= expires <= time.time() + 4 + 1
    # Once expired, the token is not passed on: a new login starts.
    time.sleep(max(0.0, expires + 1.05 - time.time()))
    r = browser.get("/app/env.cgi")
    assert_authorize_redirect(r, httpd, standin)


def test_no_secret_in_the_error_log(httpd, browser, standin):
    flow = browser.login("/app/env.cgi")
    token = standin.issued_tokens("short")[0]
    browser.get(CALLBACK_PATH + "?info=json")
    browser.get(CALLBACK_PATH + "?logout=/")
    log = httpd.error_log()
    assert "threads_oauth" in log  # trace8 is on: the module did log
    for secret, what in ((APP_SECRET, "app secret"), (flow.code, "code"),
                         (token, "access token"), (token[:40], "token part"),
                         (flow.code[:40], "code part")):
        assert secret not in log, "the %s is in the error log" % what


# ---------------------------------------------------------------------------
# Pending logins (tabs)
# ---------------------------------------------------------------------------

def test_parallel_tabs_all_complete(httpd, browser, standin):
    paths = ["/app/env.cgi?tab=%d" % i for i in range(3)]
    flows = [browser.start_login(p) for p in paths]
    assert len({f.state for f in flows}) == 3
    for i in (1, 2, 0):
        flow = browser.finish_login(flows[i])
        assert_redirect_to(flow.callback, httpd, paths[i])
        assert cgi_env(flow.final)["QUERY_STRING"] == "tab=%d" % i
    assert len(standin.requests_for("token")) == 3


def test_eight_pending_logins_are_kept(httpd, browser, standin):
    paths = ["/app/env.cgi?tab=%d" % i for i in range(8)]
    flows = [browser.start_login(p) for p in paths]
    for i in (0, 7, 3, 1, 6, 2, 5, 4):
        flow = browser.finish_login(flows[i])
        assert_redirect_to(flow.callback, httpd, paths[i])
        assert cgi_env(flow.final)["QUERY_STRING"] == "tab=%d" % i
    assert len(standin.requests_for("token")) == 8
    assert len(browser.cookie("session") or "") < 4096


def test_ninth_pending_login_drops_the_oldest(httpd, browser, standin):
    flows = [browser.start_login("/app/env.cgi?tab=%d" % i)
             for i in range(9)]
    # The oldest is gone: its callback is a "start again" page.
    r = browser.get(flows[0].callback_url)
    assert r.status_code == 400, describe(r)
    assert standin.requests_for("token") == []
    # The newest completes.
    flow = browser.finish_login(flows[8])
    assert_redirect_to(flow.callback, httpd, "/app/env.cgi?tab=8")


def test_long_original_url_returns_to_root(httpd, browser, standin):
    path = "/app/env.cgi?pad=" + "a" * 2100
    flow = browser.login(path)
    assert_redirect_to(flow.callback, httpd, "/")
    assert len(browser.cookie("session") or "") < 4096


def test_original_url_just_under_the_limit_is_kept(httpd, browser, standin):
    path = "/app/env.cgi?pad="
    path += "b" * (2000 - len(path))
    flow = browser.login(path)
    assert_redirect_to(flow.callback, httpd, path)
