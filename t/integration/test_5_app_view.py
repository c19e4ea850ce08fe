"""What the application sees (contract 5): the variables per
ThreadsPassAs, REMOTE_USER, client-sent X-Threads-* headers, the unauth
actions, subrequests and internal redirects, step-up and expiry.

Most tests share one httpd (the "view" server below, started once for this
file); each test logs in with its own browser. Its access log records, per
request, the request notes and the request headers as the module left them,
so the tests can see what an application would get without a CGI."""

import json
import os
import re
import time
import urllib.parse
import uuid

import pytest

from harness import (CALLBACK_PATH, USER_ID, assert_module_json,
                     assert_no_store, assert_redirect_to, describe, query_of)

TEST_ID = "X-Test-Id"
FORGED = {
    "X-Threads-User-Id": "1",
    "x-threads-access-token": "forged-token",
    "X_Threads_Scope": "threads_basic,threads_delete",
    "X-THREADS-Foo": "bar",
}
# Fields of the view log, in LogFormat order.
VIEW_FIELDS = [
    "id", "status", "user", "uri",
    "n_user_id", "n_token", "n_scope", "n_type", "n_expires",
    "h_user_id", "h_token", "h_scope_underscore", "h_foo", "h_scope",
]
VIEW_LOG_FORMAT = "\\t".join([
    "%{X-Test-Id}i", "%>s", "%u", "%U",
    "%{THREADS_USER_ID}n", "%{THREADS_ACCESS_TOKEN}n", "%{THREADS_SCOPE}n",
    "%{THREADS_TOKEN_TYPE}n", "%{THREADS_TOKEN_EXPIRES}n",
    "%{X-Threads-User-Id}i", "%{x-threads-access-token}i",
    "%{X_Threads_Scope}i", "%{X-THREADS-Foo}i", "%{X-Threads-Scope}i",
])


def shared_config(h):
    """The view server's extra configuration."""
    d = h.docroot
    return "\n".join([
        'LogFormat "%s" threadsview' % VIEW_LOG_FORMAT,
        'CustomLog "%s/view.log" threadsview' % h.dir,
        # The same scripts under other protected paths.
        'Alias /pa-env "%s/app"' % d,
        'Alias /pa-headers "%s/app"' % d,
        'Alias /pa-both "%s/app"' % d,
        'Alias /pa-none "%s/app"' % d,
        'Alias /opt "%s/app"' % d,
        'Alias /strict "%s/app"' % d,
        'Alias /optvu "%s/app"' % d,
        'Alias /app/pub "%s/app"' % d,
        'Alias /app/replies "%s/app"' % d,
        "<Location /pa-env>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsPassAs env",
        "</Location>",
        "<Location /pa-headers>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsPassAs headers",
        "</Location>",
        "<Location /pa-both>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsPassAs both",
        "</Location>",
        "<Location /pa-none>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsPassAs none",
        "</Location>",
        "<Location /opt>",
        "    AuthType Threads",
        "    Require all granted",
        "    ThreadsUnauthAction pass",
        "</Location>",
        "<Location /optvu>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsUnauthAction pass",
        "</Location>",
        "<Location /strict>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsUnauthAction 401",
        "</Location>",
        "<Location /app/pub>",
        "    ThreadsScope threads_basic,threads_content_publish",
        "</Location>",
        "<Location /app/replies>",
        "    ThreadsScope threads_read_replies threads_basic",
        "</Location>",
        # Subrequests and internal redirects.
        '<Directory "%s/app">' % d,
        "    DirectoryIndex env.cgi",
        "</Directory>",
        "<Location /app>",
        "    ErrorDocument 404 /app/env.cgi",
        "</Location>",
        "<Location /missing>",
        "    ErrorDocument 404 /app/env.cgi",
        "</Location>",
        '<Directory "%s/pub">' % d,
        "    Options +Includes +FollowSymLinks",
        "    AddType text/html .shtml",
        "    AddOutputFilter INCLUDES .shtml",
        "    RewriteEngine On",
        "    RewriteRule ^rw/(.*)$ /app/$1 [L]",
        "</Directory>",
        "RewriteEngine On",
        "RewriteRule ^/rwpt/(.*)$ /app/$1 [PT]",
    ])


@pytest.fixture
def view(shared_httpd):
    """The shared server, registered with the (reset) stand-in; a crash
    of one of its children fails the test that caused it."""
    return shared_httpd


@pytest.fixture
def vb(view, browser_factory):
    """A browser on the view server."""
    return browser_factory(view)


def view_log(h, test_id, timeout=3.0):
    """The view log entry of the request that carried test_id (a dict of
    VIEW_FIELDS; "-" means absent). httpd logs after answering: wait."""
    path = os.path.join(h.dir, "view.log")
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if parts[0] == test_id:
                        assert len(parts) == len(VIEW_FIELDS), line
                        return dict(zip(VIEW_FIELDS, parts))
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("no view log entry for " + test_id)
        time.sleep(0.02)


def tagged_get(b, path, headers=None, **kw):
    """GET path with a fresh X-Test-Id; returns (response, test id)."""
    tid = uuid.uuid4().hex
    hdrs = dict(headers or {})
    hdrs[TEST_ID] = tid
    return b.get(path, headers=hdrs, **kw), tid


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    assert resp.headers.get("Content-Type", "").startswith(
        "application/json"), describe(resp)
    return json.loads(resp.text)


def threads_env(env):
    return {k: v for k, v in env.items() if k.startswith("THREADS_")}


def header_env(env):
    return {k: v for k, v in env.items() if k.startswith("HTTP_X_THREADS")}


def assert_login_redirect(resp, standin, scope="threads_basic"):
    assert resp.status_code == 302, describe(resp)
    loc = resp.headers["Location"]
    assert loc.startswith(standin.authorize_url + "?"), loc
    q = query_of(loc)
    assert q["scope"] == [scope], loc
    assert_no_store(resp)
    return q


def assert_login_required(resp, path):
    """The module's 401 JSON for path (local path with its query)."""
    body = assert_module_json(resp, 401)
    assert body["error"] == "login_required", body
    login_url = body["login_url"]
    split = urllib.parse.urlsplit(login_url)
    assert (split.scheme, split.netloc) == ("", ""), login_url
    assert split.path == CALLBACK_PATH, login_url
    assert query_of(login_url) == {"login": [path]}, login_url
    assert "Location" not in resp.headers
    return login_url


def logged_in(b, path="/app/env.cgi"):
    flow = b.login(path)
    assert flow.final.status_code == 200, describe(flow.final)
    return flow


# ---------------------------------------------------------------------------
# ThreadsPassAs
# ---------------------------------------------------------------------------

def the_token(standin):
    token, = standin.issued_tokens("short")
    return token


def test_pass_as_env(view, vb, standin):
    t0 = int(time.time())
    logged_in(vb)
    token = the_token(standin)
    r, tid = tagged_get(vb, "/pa-env/env.cgi")
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    t = threads_env(env)
    assert set(t) == {"THREADS_ACCESS_TOKEN", "THREADS_USER_ID",
                      "THREADS_TOKEN_EXPIRES", "THREADS_TOKEN_TYPE",
                      "THREADS_SCOPE"}, t
    assert t["THREADS_ACCESS_TOKEN"] == token
    assert t["THREADS_USER_ID"] == USER_ID
    assert t["THREADS_TOKEN_TYPE"] == "short"
    assert t["THREADS_SCOPE"] == "threads_basic"
    assert t0 + 3600 - 5 <= int(t["THREADS_TOKEN_EXPIRES"]) <= \
        time.time() + 3600 + 5
    assert header_env(env) == {}
    log = view_log(view, tid)
    assert (log["n_user_id"], log["n_token"]) == (USER_ID, token)
    assert (log["h_user_id"], log["h_token"]) == ("-", "-")
    # The default is env.
    assert threads_env(cgi_env(vb.get("/app/env.cgi"))) == t


def test_pass_as_headers(view, vb, standin):
    logged_in(vb)
    token = the_token(standin)
    r, tid = tagged_get(vb, "/pa-headers/env.cgi")
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert threads_env(env) == {}, env
    h = header_env(env)
    assert set(h) == {"HTTP_X_THREADS_ACCESS_TOKEN", "HTTP_X_THREADS_USER_ID",
                      "HTTP_X_THREADS_TOKEN_EXPIRES",
                      "HTTP_X_THREADS_TOKEN_TYPE", "HTTP_X_THREADS_SCOPE"}, h
    assert h["HTTP_X_THREADS_ACCESS_TOKEN"] == token
    assert h["HTTP_X_THREADS_USER_ID"] == USER_ID
    assert h["HTTP_X_THREADS_TOKEN_TYPE"] == "short"
    assert h["HTTP_X_THREADS_SCOPE"] == "threads_basic"
    assert h["HTTP_X_THREADS_TOKEN_EXPIRES"].isdigit()
    log = view_log(view, tid)
    assert (log["n_user_id"], log["n_token"]) == (USER_ID, token)
    assert (log["h_user_id"], log["h_token"]) == (USER_ID, token)


def test_pass_as_both(view, vb, standin):
    logged_in(vb)
    token = the_token(standin)
    env = cgi_env(vb.get("/pa-both/env.cgi"))
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    t = threads_env(env)
    h = header_env(env)
    assert t["THREADS_ACCESS_TOKEN"] == token
    assert len(t) == 5 and len(h) == 5, env
    for name, value in t.items():
        assert h["HTTP_X_" + name] == value


def test_pass_as_none_still_sets_notes(view, vb, standin):
    logged_in(vb)
    token = the_token(standin)
    r, tid = tagged_get(vb, "/pa-none/env.cgi")
    env = cgi_env(r)
    # REMOTE_USER and AUTH_TYPE do not depend on ThreadsPassAs.
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert threads_env(env) == {}, env
    assert header_env(env) == {}, env
    log = view_log(view, tid)
    assert log["user"] == USER_ID
    assert log["n_user_id"] == USER_ID
    assert log["n_token"] == token
    assert log["n_scope"] == "threads_basic"
    assert log["n_type"] == "short"
    assert log["n_expires"].isdigit()
    assert (log["h_user_id"], log["h_token"], log["h_scope"]) == \
        ("-", "-", "-")


# ---------------------------------------------------------------------------
# Client-sent X-Threads-* headers
# ---------------------------------------------------------------------------

def assert_scrubbed(log, mode):
    """The forged headers were gone by the end of the request."""
    assert log["h_scope_underscore"] == "-", log
    assert log["h_foo"] == "-", log
    if mode in ("headers", "both"):
        assert log["h_user_id"] == USER_ID, log
        assert log["h_token"] not in ("-", FORGED["x-threads-access-token"])
    else:
        assert log["h_user_id"] == "-", log
        assert log["h_token"] == "-", log
        assert log["h_scope"] == "-", log


SCRUB_PATHS = [("/app/env.cgi", "env"), ("/pa-headers/env.cgi", "headers"),
               ("/pa-both/env.cgi", "both"), ("/pa-none/env.cgi", "none"),
               ("/opt/env.cgi", "env"), ("/strict/env.cgi", "env")]


@pytest.mark.parametrize("path,mode", SCRUB_PATHS,
                         ids=[p.split("/")[1] for p, _ in SCRUB_PATHS])
def test_forged_headers_are_removed_when_logged_in(view, vb, standin, path,
                                                   mode):
    logged_in(vb)
    r, tid = tagged_get(vb, path, headers=FORGED)
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    h = header_env(env)
    if mode in ("headers", "both"):
        assert h["HTTP_X_THREADS_USER_ID"] == USER_ID
        assert h["HTTP_X_THREADS_ACCESS_TOKEN"] != "forged-token"
        assert h["HTTP_X_THREADS_SCOPE"] == "threads_basic"
        assert "HTTP_X_THREADS_FOO" not in h
    else:
        assert h == {}, env
    assert "forged-token" not in r.text
    assert "threads_delete" not in r.text
    assert_scrubbed(view_log(view, tid), mode)


@pytest.mark.parametrize("path,mode,status", [
    ("/app/env.cgi", "env", 302), ("/pa-headers/env.cgi", "headers", 302),
    ("/pa-none/env.cgi", "none", 302), ("/strict/env.cgi", "env", 401),
    ("/opt/env.cgi", "env", 200),
], ids=["app", "pa-headers", "pa-none", "strict", "opt"])
def test_forged_headers_are_removed_when_not_logged_in(view, vb, standin,
                                                       path, mode, status):
    r, tid = tagged_get(vb, path, headers=FORGED)
    assert r.status_code == status, describe(r)
    log = view_log(view, tid)
    for name in ("h_user_id", "h_token", "h_scope_underscore", "h_foo",
                 "h_scope"):
        assert log[name] == "-", log
    assert log["n_user_id"] == "-", log
    if status == 200:
        env = cgi_env(r)
        assert header_env(env) == {}, env
        assert threads_env(env) == {}, env
        assert "REMOTE_USER" not in env or env["REMOTE_USER"] == "", env


def test_forged_headers_reach_pages_outside_authtype_threads(view, vb,
                                                            standin):
    # The observer works: outside AuthType Threads nothing is removed.
    r, tid = tagged_get(vb, "/cgi-bin/env.cgi", headers=FORGED)
    env = cgi_env(r)
    assert env["HTTP_X_THREADS_USER_ID"] == "1"
    log = view_log(view, tid)
    assert log["h_user_id"] == "1"
    assert log["h_token"] == "forged-token"
    assert log["h_scope_underscore"] == "threads_basic,threads_delete"
    assert log["h_foo"] == "bar"


SUBREQUESTS = [
    # An SSI include of a protected script from a public page.
    ("ssi-public", "/pub/include.shtml", 200),
    # An SSI include from a protected page.
    ("ssi-protected", "/app/include.shtml", 200),
    # The ErrorDocument of a public page, in the protected location.
    ("errordocument", "/missing/page", 404),
    # A per-directory rewrite into the protected location.
    ("rewrite", "/pub/rw/env.cgi", 200),
    # The DirectoryIndex script.
    ("directoryindex", "/app/", 200),
]


@pytest.mark.parametrize("path,status", [c[1:] for c in SUBREQUESTS],
                         ids=[c[0] for c in SUBREQUESTS])
def test_forged_headers_are_removed_in_subrequests(view, vb, standin, path,
                                                   status):
    logged_in(vb)
    r = vb.get(path, headers=FORGED)
    assert r.status_code == status, describe(r)
    env = (included_env(r.text) if path.endswith(".shtml")
           else json.loads(r.text))
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert header_env(env) == {}, (
        "client-sent X-Threads-* headers reached a script under AuthType "
        "Threads: %r" % header_env(env))


def test_forged_headers_are_removed_for_script_requests(view, vb, standin):
    logged_in(vb)
    hdrs = dict(FORGED)
    hdrs["X-Requested-With"] = "XMLHttpRequest"
    r, tid = tagged_get(vb, "/pa-headers/env.cgi", headers=hdrs,
                        navigate=False)
    env = cgi_env(r)
    assert env["HTTP_X_THREADS_USER_ID"] == USER_ID
    assert_scrubbed(view_log(view, tid), "headers")


# ---------------------------------------------------------------------------
# ThreadsUnauthAction
# ---------------------------------------------------------------------------

def test_unauth_401_always_answers_401(view, vb, standin):
    path = "/strict/env.cgi?a=1&b=%2Fx%3Fy"
    for method, headers in (("GET", {}), ("HEAD", {}),
                            ("GET", {"X-Requested-With": "XMLHttpRequest"}),
                            ("POST", {})):
        r = vb.request(method, path, headers=headers)
        if method == "HEAD":
            assert r.status_code == 401, describe(r)
            assert_no_store(r)
            continue
        login_url = assert_login_required(r, "/strict/env.cgi?a=1&b=%2Fx%3Fy")
        # The return URL is URL-encoded in the link.
        raw = urllib.parse.urlsplit(login_url).query
        assert raw.startswith("login=%2Fstrict%2Fenv.cgi%3Fa%3D1%26b%3D"), raw
    assert standin.requests == []
    # The link logs in and comes back; then the location passes.
    flow = vb.login(login_url)
    assert_redirect_to(flow.callback, view, path)
    env = cgi_env(flow.final)
    assert env["REMOTE_USER"] == USER_ID
    assert env["QUERY_STRING"] == "a=1&b=%2Fx%3Fy"


def test_unauth_pass_not_logged_in(view, vb, standin):
    r = vb.get("/opt/env.cgi?q=1")
    env = cgi_env(r)
    assert threads_env(env) == {}, env
    assert header_env(env) == {}, env
    assert env.get("REMOTE_USER", "") == ""
    assert "Set-Cookie" not in r.headers
    # Script requests pass as well.
    r = vb.get("/opt/env.cgi", navigate=False,
               headers={"X-Requested-With": "XMLHttpRequest"})
    assert threads_env(cgi_env(r)) == {}
    r = vb.post("/opt/env.cgi", data={"k": "v"})
    assert cgi_env(r)["_body"] == "k=v"
    assert standin.requests == []


def test_unauth_pass_logged_in_gets_the_variables(view, vb, standin):
    logged_in(vb)
    token = the_token(standin)
    env = cgi_env(vb.get("/opt/env.cgi"))
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert env["THREADS_ACCESS_TOKEN"] == token
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["THREADS_SCOPE"] == "threads_basic"


def test_unauth_pass_never_names_an_empty_user(view, vb, standin):
    # "pass" lets the request go on unauthenticated: whatever the Require
    # line, the application never sees a REMOTE_USER for a visitor who is
    # not logged in (an empty one included: many applications only test
    # whether it is set).
    r = vb.get("/optvu/env.cgi")
    assert r.status_code != 500, describe(r)
    if r.status_code == 200:
        env = cgi_env(r)
        assert "REMOTE_USER" not in env, (
            "not logged in, yet REMOTE_USER=%r reached the application "
            "under Require valid-user" % env["REMOTE_USER"])
        assert threads_env(env) == {}, env
    # Logged in, the same location hands on the login.
    logged_in(vb)
    env = cgi_env(vb.get("/optvu/env.cgi"))
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID


NAVIGATIONS = [
    ("GET", {}),
    ("HEAD", {}),
    ("GET", {"Sec-Fetch-Mode": "navigate"}),
    ("GET", {"Sec-Fetch-Dest": "document"}),
    ("GET", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}),
    ("HEAD", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}),
    ("GET", {"X-Requested-With": "somethingelse"}),
]
NOT_NAVIGATIONS = [
    ("GET", {"Sec-Fetch-Dest": "iframe"}),
    ("GET", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}),
    ("GET", {"Sec-Fetch-Mode": "cors"}),
    ("GET", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "document"}),
    ("GET", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"}),
    ("GET", {"X-Requested-With": "XMLHttpRequest"}),
    ("GET", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
             "X-Requested-With": "XMLHttpRequest"}),
    ("POST", {}),
    ("POST", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}),
    ("PUT", {}),
]


def nav_id(case):
    method, headers = case
    return method + "".join("-%s=%s" % (k.split("-")[-1], v)
                            for k, v in headers.items())


@pytest.mark.parametrize("method,headers", NAVIGATIONS,
                         ids=[nav_id(c) for c in NAVIGATIONS])
def test_navigation_redirects_to_log_in(view, vb, standin, method, headers):
    r = vb.request(method, "/app/page.html?n=1", navigate=False,
                   headers=headers)
    assert_login_redirect(r, standin)


@pytest.mark.parametrize("method,headers", NOT_NAVIGATIONS,
                         ids=[nav_id(c) for c in NOT_NAVIGATIONS])
def test_non_navigation_gets_401(view, vb, standin, method, headers):
    kw = {"data": "a=b"} if method in ("POST", "PUT") else {}
    r = vb.request(method, "/app/page.html?n=1", navigate=False,
                   headers=headers, **kw)
    assert_login_required(r, "/app/page.html?n=1")
    assert "Set-Cookie" not in r.headers
    assert standin.requests == []


# ---------------------------------------------------------------------------
# Subrequests and internal redirects
# ---------------------------------------------------------------------------

def assert_quiet(resp):
    """No login started and nothing written: no Location, no cookie."""
    assert "Location" not in resp.headers, describe(resp)
    assert "Set-Cookie" not in resp.headers, describe(resp)


def included_env(page):
    """The JSON a CGI printed into an SSI page."""
    m = re.search(r'<pre id="included">\s*(\{.*\})\s*</pre>', page, re.S)
    assert m, page
    return json.loads(m.group(1))


def test_directory_index_cgi_sees_the_login(view, vb, standin):
    logged_in(vb)
    token = the_token(standin)
    r = vb.get("/app/")
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["THREADS_ACCESS_TOKEN"] == token
    assert_quiet(r)


def test_directory_index_not_logged_in_logs_in_once(view, vb, standin):
    r = vb.get("/app/")
    assert_login_redirect(r, standin)
    assert len(r.headers.get("Set-Cookie", "").split("session=")) == 2
    flow = vb.login("/app/")
    assert_redirect_to(flow.callback, view, "/app/")
    assert cgi_env(flow.final)["REMOTE_USER"] == USER_ID


def test_ssi_include_in_a_protected_page(view, vb, standin):
    logged_in(vb)
    r = vb.get("/app/include.shtml")
    assert r.status_code == 200, describe(r)
    assert "REMOTE_USER=%s" % USER_ID in r.text
    env = included_env(r.text)
    assert env["QUERY_STRING"] == "from=ssi"
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["AUTH_TYPE"] == "Threads"
    assert_quiet(r)


def test_ssi_include_from_a_public_page_logged_in(view, vb, standin):
    logged_in(vb)
    r = vb.get("/pub/include.shtml")
    assert r.status_code == 200, describe(r)
    env = included_env(r.text)
    assert env["QUERY_STRING"] == "from=public-ssi"
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert_quiet(r)


def test_ssi_include_from_a_public_page_not_logged_in(view, vb, standin):
    r = vb.get("/pub/include.shtml")
    assert r.status_code == 200, describe(r)
    assert "A public page that includes a protected script." in r.text
    assert "THREADS_" not in r.text
    assert "REMOTE_USER" not in r.text
    assert_quiet(r)
    assert standin.requests == []
    # Nothing was stored: the browser holds no session cookie.
    assert vb.cookie("session") is None


def test_error_document_under_the_protected_location(view, vb, standin):
    logged_in(vb)
    r = vb.get("/app/no-such-page")
    assert r.status_code == 404, describe(r)
    env = json.loads(r.text)
    assert env["REDIRECT_STATUS"] == "404"
    assert env["REDIRECT_URL"] == "/app/no-such-page"
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert_quiet(r)


def test_error_document_not_logged_in_logs_in_for_the_page(view, vb,
                                                          standin):
    r = vb.get("/app/no-such-page?x=1")
    assert_login_redirect(r, standin)
    flow = vb.login("/app/no-such-page?x=1")
    assert_redirect_to(flow.callback, view, "/app/no-such-page?x=1")
    assert flow.final.status_code == 404


def test_protected_error_document_of_a_public_page(view, vb, standin):
    # Not logged in: the internal redirect to the protected ErrorDocument
    # does not start a login.
    r = vb.get("/missing/page")
    assert r.status_code == 404, describe(r)
    assert "THREADS_" not in r.text
    assert_quiet(r)
    assert vb.cookie("session") is None
    assert standin.requests == []
    # Logged in: it sees the login.
    logged_in(vb)
    r = vb.get("/missing/page")
    assert r.status_code == 404, describe(r)
    env = json.loads(r.text)
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert_quiet(r)


def test_rewrite_internal_redirect_into_app(view, vb, standin):
    # Not logged in: the rewritten request does not start a login.
    r = vb.get("/pub/rw/env.cgi?x=1")
    assert r.status_code == 401, describe(r)
    assert_quiet(r)
    assert vb.cookie("session") is None
    assert standin.requests == []
    logged_in(vb)
    r = vb.get("/pub/rw/env.cgi?x=1")
    env = cgi_env(r)
    assert env["REMOTE_USER"] == USER_ID
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["SCRIPT_NAME"] == "/app/env.cgi"
    assert_quiet(r)


def test_rewrite_pass_through_logs_in_and_returns_to_the_request(view, vb,
                                                                 standin):
    r = vb.get("/rwpt/env.cgi?y=2")
    assert_login_redirect(r, standin)
    flow = vb.login("/rwpt/env.cgi?y=2")
    # Back to the URL the browser asked for, not the rewritten one.
    assert_redirect_to(flow.callback, view, "/rwpt/env.cgi?y=2")
    env = cgi_env(flow.final)
    assert env["REMOTE_USER"] == USER_ID
    assert env["QUERY_STRING"] == "y=2"


# ---------------------------------------------------------------------------
# Step-up and expiry
# ---------------------------------------------------------------------------

def test_step_up_asks_for_the_union(view, vb, standin):
    logged_in(vb)
    r = vb.get("/app/pub/env.cgi?post=1")
    assert_login_redirect(r, standin,
                          scope="threads_basic,threads_content_publish")
    flow = vb.login("/app/pub/env.cgi?post=1")
    assert_redirect_to(flow.callback, view, "/app/pub/env.cgi?post=1")
    env = cgi_env(flow.final)
    assert env["THREADS_SCOPE"] == "threads_basic,threads_content_publish"
    token = standin.issued_tokens("short")[-1]
    assert env["THREADS_ACCESS_TOKEN"] == token
    # The wider token serves the narrower location too.
    env = cgi_env(vb.get("/app/env.cgi"))
    assert env["THREADS_SCOPE"] == "threads_basic,threads_content_publish"
    # A third permission: the union keeps the order, old ones first.
    r = vb.get("/app/replies/env.cgi")
    assert_login_redirect(r, standin, scope="threads_basic,"
                          "threads_content_publish,threads_read_replies")


def test_step_up_for_scripts_is_401(view, vb, standin):
    logged_in(vb)
    r = vb.get("/app/pub/env.cgi", navigate=False,
               headers={"X-Requested-With": "XMLHttpRequest"})
    assert_login_required(r, "/app/pub/env.cgi")


def test_expired_token_is_not_passed_on(view, vb, standin):
    # Long enough for the login to finish on a slow (sanitizer) build; the
    # test then waits until the expiry the application was told about.
    standin.short_expires_in = 4
    flow = logged_in(vb)
    env = cgi_env(flow.final)
    assert env["REMOTE_USER"] == USER_ID
    time.sleep(max(0.0, int(env["THREADS_TOKEN_EXPIRES"]) - time.time()) + 1.05)
    r = vb.get("/app/env.cgi")
    assert_login_redirect(r, standin)
    r = vb.get("/app/env.cgi", navigate=False,
               headers={"X-Requested-With": "XMLHttpRequest"})
    assert_login_required(r, "/app/env.cgi")
    # Where login is optional, the expired token is not handed on either.
    r, tid = tagged_get(vb, "/opt/env.cgi")
    env = cgi_env(r)
    assert threads_env(env) == {}, env
    assert env.get("REMOTE_USER", "") == ""
    assert view_log(view, tid)["n_token"] == "-"
    assert_module_json(vb.get(CALLBACK_PATH + "?info=json"), 401)
