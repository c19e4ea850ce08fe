"""The callback endpoint, row by row (contract 4).

Each test runs its own httpd with mod_threads_oauth against the Threads
stand-in (see t/conftest.py)."""

import html
import json
import re
import time
import urllib.parse

import pytest
import requests

from harness import (CALLBACK_PATH, USER_ID, assert_module_json,
                     assert_module_page, assert_no_store, assert_not_logged_in,
                     assert_redirect_to, describe, has_link, httpdconf,
                     query_of)

START = "/app/env.cgi?from=callback"


def callback(browser, query):
    """GET the callback with query (a string, or a list of pairs)."""
    if not isinstance(query, str):
        query = urllib.parse.urlencode(query)
    return browser.get(CALLBACK_PATH + ("?" + query if query else ""),
                       headers={"Sec-Fetch-Site": "cross-site"})


def token_posts(standin):
    return standin.requests_for("token")


def assert_logged_in(browser):
    r = browser.get("/app/env.cgi")
    assert r.status_code == 200, describe(r)
    env = json.loads(r.text)
    assert env["REMOTE_USER"] == USER_ID
    return env


# ---------------------------------------------------------------------------
# The code
# ---------------------------------------------------------------------------

def test_encoded_fragment_is_stripped_from_the_code(httpd, browser,
                                                    standin):
    flow = browser.start_login(START)
    r = callback(browser, "code=%s%%23_&state=%s" % (flow.code, flow.state))
    assert_redirect_to(r, httpd, START)
    post, = token_posts(standin)
    assert post.form["code"] == [flow.code]
    assert_logged_in(browser)


def test_string_user_id(httpd, browser, standin):
    standin.user_id_as_string = True
    browser.login(START)
    env = assert_logged_in(browser)
    assert env["THREADS_USER_ID"] == USER_ID


def test_user_id_beyond_2_53_kept_digit_for_digit(httpd, browser, standin):
    standin.user_id = "9007199254740993"  # 2^53 + 1: a double would round
    browser.login(START)
    env = json.loads(browser.get("/app/env.cgi").text)
    assert env["REMOTE_USER"] == "9007199254740993"
    assert env["THREADS_USER_ID"] == "9007199254740993"


# ---------------------------------------------------------------------------
# The state
# ---------------------------------------------------------------------------

def assert_start_again(r, standin, posts_before=0):
    """A 400 page with a link to start again, and no call to Threads."""
    page = assert_module_page(r, 400)
    assert has_link(page), page
    assert len(token_posts(standin)) == posts_before
    return page


def test_missing_state(httpd, browser, standin):
    flow = browser.start_login(START)
    assert_start_again(callback(browser, [("code", flow.code)]), standin)


def test_unknown_state(httpd, browser, standin):
    flow = browser.start_login(START)
    other = "A" * len(flow.state)
    assert_start_again(callback(browser, [("code", flow.code),
                                          ("state", other)]), standin)
    # The real state still works afterwards.
    r = callback(browser, [("code", flow.code), ("state", flow.state)])
    assert_redirect_to(r, httpd, START)


def test_state_of_another_browser_is_unknown(httpd, browser,
                                             browser_factory, standin):
    flow = browser.start_login(START)
    thief = browser_factory(httpd)
    assert_start_again(thief.get(flow.callback_url), standin)


def test_state_is_consumed_even_when_the_exchange_fails(httpd, browser,
                                                        standin):
    standin.set_fault("token", "reject", count=1)
    flow = browser.start_login(START)
    r = browser.get(flow.callback_url)
    assert_module_page(r, 403)
    assert len(token_posts(standin)) == 1
    page = assert_module_page(browser.get(flow.callback_url), 400)
    assert has_link(page)
    assert len(token_posts(standin)) == 1


def test_reused_state_when_logged_in_goes_home(httpd, browser, standin):
    flow = browser.login(START)
    r = browser.get(flow.callback_url)  # the back button
    assert_redirect_to(r, httpd, "/")
    assert len(token_posts(standin)) == 1
    assert_logged_in(browser)


@pytest.mark.parametrize("query", [
    "code=AQBsomething",
    "code=AQBsomething&state=unknownstate0123456789abcdef",
], ids=["missing-state", "unknown-state"])
def test_bad_state_when_logged_in_goes_home(httpd, browser, standin, query):
    browser.login(START)
    r = callback(browser, query)
    assert_redirect_to(r, httpd, "/")
    assert len(token_posts(standin)) == 1


def test_expired_state(httpd_factory, browser_factory, standin):
    # The shortest timeout the module accepts is 10 s; one wait serves two
    # browsers: one not logged in, one logged in with a new login pending.
    h = httpd_factory(extra="ThreadsStateTimeout 10")
    anonymous = browser_factory(h)
    member = browser_factory(h)
    member.login(START)
    # A logged-in member starts another login with the "Sign in" link.
    stale_member = member.start_login(
        CALLBACK_PATH + "?login=" + urllib.parse.quote("/app/page.html"))
    stale = anonymous.start_login(START)
    time.sleep(11.2)
    assert_start_again(anonymous.get(stale.callback_url), standin, 1)
    r = member.get(stale_member.callback_url)
    assert_redirect_to(r, h, "/")
    assert len(token_posts(standin)) == 1


# ---------------------------------------------------------------------------
# Errors from the Authorization Window
# ---------------------------------------------------------------------------

def cancel_on_consent_page(browser, standin, path=START):
    """Starts a login and presses Cancel on the stand-in's consent page;
    returns the URL the stand-in sends the browser back to."""
    standin.auto_consent = False
    r = browser.get(path)
    assert r.status_code == 302, describe(r)
    page = browser.get(browser.location(r))
    assert page.status_code == 200, describe(page)
    form = {k: html.unescape(v) for k, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}
    form["decision"] = "cancel"
    r = browser.post(standin.authorize_url, data=form)
    assert r.status_code == 302, describe(r)
    return browser.location(r)


def test_access_denied(httpd, browser, standin):
    url = cancel_on_consent_page(browser, standin)
    assert query_of(url)["error"] == ["access_denied"]
    r = browser.get(url)
    page = assert_module_page(r, 403)
    assert "The user denied your request" in page
    assert has_link(page)
    assert token_posts(standin) == []
    assert_not_logged_in(browser, standin)


def test_access_denied_consumes_the_state(httpd, browser, standin):
    url = cancel_on_consent_page(browser, standin)
    state = query_of(url)["state"][0]
    assert_module_page(browser.get(url), 403)
    # A code with the same state now finds no pending login.
    r = callback(browser, [("code", "AQBlate"), ("state", state)])
    assert_module_page(r, 400)
    assert token_posts(standin) == []


def test_replayed_error_callback_is_400(httpd, browser, standin):
    url = cancel_on_consent_page(browser, standin)
    assert_module_page(browser.get(url), 403)
    # The same error callback again: its state is already used.
    page = assert_module_page(browser.get(url), 400)
    assert has_link(page)


def test_error_description_is_escaped(httpd, browser, standin):
    flow = browser.start_login(START)
    r = callback(browser, [
        ("error", "access_denied"), ("error_reason", "user_denied"),
        ("error_description", '<script>alert("x")</script> & \'more\''),
        ("state", flow.state)])
    page = assert_module_page(r, 403)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert token_posts(standin) == []


def test_other_error_is_400(httpd, browser, standin):
    flow = browser.start_login(START)
    r = callback(browser, [
        ("error", "server_error"), ("error_reason", "oops"),
        ("error_description", "Try again later"), ("state", flow.state)])
    page = assert_module_page(r, 400)
    assert "Try again later" in page
    assert has_link(page)
    assert token_posts(standin) == []
    # S consumed.
    assert_module_page(browser.get(flow.callback_url), 400)
    assert token_posts(standin) == []


def test_error_document_sees_threads_error(httpd_factory, browser_factory,
                                           standin):
    h = httpd_factory(extra="ErrorDocument 403 /cgi-bin/env.cgi")
    browser = browser_factory(h)
    flow = browser.start_login(START)
    r = callback(browser, [
        ("error", "access_denied"), ("error_reason", "user_denied"),
        ("error_description", "The user denied your request"),
        ("state", flow.state)])
    assert r.status_code == 403, describe(r)
    env = json.loads(r.text)
    error = env.get("REDIRECT_THREADS_ERROR", env.get("THREADS_ERROR"))
    desc = env.get("REDIRECT_THREADS_ERROR_DESCRIPTION",
                   env.get("THREADS_ERROR_DESCRIPTION"))
    assert error, env
    assert desc == "The user denied your request"


def test_neither_code_nor_error(httpd, browser, standin):
    flow = browser.start_login(START)
    assert_module_page(callback(browser, [("state", flow.state)]), 400)
    assert_module_page(callback(browser, ""), 400)
    assert_module_page(callback(browser, [("foo", "bar")]), 400)
    assert token_posts(standin) == []


# ---------------------------------------------------------------------------
# Malformed callbacks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["code", "state", "error_description",
                                  "other"])
def test_parameter_over_4096_bytes(httpd, browser, standin, name):
    flow = browser.start_login(START)
    params = {"code": flow.code, "state": flow.state}
    params[name] = "A" * 4097
    assert_module_page(callback(browser, list(params.items())), 400)
    assert token_posts(standin) == []


def test_parameter_of_4096_bytes_is_accepted(httpd, browser, standin):
    flow = browser.start_login(START)
    code = "A" * 4096
    r = callback(browser, [("code", code), ("state", flow.state)])
    # The exchange happens; the stand-in does not know this code.
    page = assert_module_page(r, 403)
    assert "Matching code was not found or was already used" in page
    post, = token_posts(standin)
    assert post.form["code"] == [code]


@pytest.mark.parametrize("dup", ["code", "state", "error"])
def test_duplicate_parameters(httpd, browser, standin, dup):
    flow = browser.start_login(START)
    pairs = [("code", flow.code), ("state", flow.state)]
    if dup == "error":
        pairs = [("error", "access_denied"), ("error", "server_error"),
                 ("state", flow.state)]
    else:
        pairs.append((dup, dict(pairs)[dup]))
    assert_module_page(callback(browser, pairs), 400)
    assert token_posts(standin) == []


# ---------------------------------------------------------------------------
# What Threads answers
# ---------------------------------------------------------------------------

def test_oauth_exception_is_403_with_the_message(httpd, browser, standin):
    standin.set_fault("token", "reject", message='Bad <b>code</b> & "x"')
    flow = browser.start_login(START)
    page = assert_module_page(browser.get(flow.callback_url), 403)
    assert "<b>code</b>" not in page
    assert "Bad &lt;b&gt;code&lt;/b&gt; &amp;" in page
    assert len(token_posts(standin)) == 1
    assert_not_logged_in(browser, standin)


def test_used_code_is_403(httpd, browser, standin):
    flow = browser.start_login(START)
    # Someone else (an attacker, a double submit) used the code first.
    standin.wait_for_requests("authorize", 1)
    form = {"client_id": standin.app_id, "client_secret": standin.app_secret,
            "code": flow.code, "grant_type": "authorization_code",
            "redirect_uri": httpd.redirect_uri}
    assert requests.post(standin.token_url, data=form,
                         verify=httpd.ca_file).status_code == 200
    page = assert_module_page(browser.get(flow.callback_url), 403)
    assert "Matching code was not found or was already used" in page
    assert_not_logged_in(browser, standin)


BAD_ANSWERS = {
    "garbage": ("garbage", {}),
    "no_token": ("no_token", {}),
    "huge": ("huge", {}),
    "huge_chunked": ("huge", {"chunked": True}),
    "502": ("error5xx", {}),
    "500": ("error5xx", {"status": 500}),
    "reset": ("reset", {}),
    "reset_mid_body": ("reset_mid_body", {}),
    "redirect": ("redirect", {}),
    "empty_200": ("custom", {"body": b""}),
    "json_array": ("custom", {"body": b'["THQVJabc", 1]'}),
    "user_id_missing": ("custom", {"body": b'{"access_token": "THQVJabc"}'}),
    "user_id_float": ("custom", {
        "body": b'{"access_token": "THQVJabc", "user_id": 1.5}'}),
    "user_id_negative": ("custom", {
        "body": b'{"access_token": "THQVJabc", "user_id": -5}'}),
    "user_id_zero": ("custom", {
        "body": b'{"access_token": "THQVJabc", "user_id": 0}'}),
    "user_id_40_digits": ("custom", {
        "body": b'{"access_token": "THQVJabc", "user_id": '
                + b"9" * 40 + b"}"}),
    "user_id_letters": ("custom", {
        "body": b'{"access_token": "THQVJabc", "user_id": "12ab"}'}),
    "token_control_char": ("custom", {
        "body": b'{"access_token": "THQVJ\\u0001abc", "user_id": 5}'}),
    "token_empty": ("custom", {
        "body": b'{"access_token": "", "user_id": 5}'}),
    "token_number": ("custom", {
        "body": b'{"access_token": 12345, "user_id": 5}'}),
    "token_huge": ("custom", {
        "body": b'{"access_token": "' + b"T" * 5000 + b'", "user_id": 5}'}),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_bad_answer_from_threads_is_502(httpd, browser, standin, case):
    kind, params = BAD_ANSWERS[case]
    standin.set_fault("token", kind, **params)
    flow = browser.start_login(START)
    r = browser.get(flow.callback_url)
    page = assert_module_page(r, 502)
    assert has_link(page) or "try" in page.lower()
    assert token_posts(standin), "no call to the token endpoint"
    assert standin.requests_for("moved") == [], "a redirect was followed"
    assert_not_logged_in(browser, standin)


# Threads unreachable (refused, DNS, resets): test_faults.py.


@pytest.mark.parametrize("cert", ["untrusted", "expired", "wrong_host"])
def test_tls_failure_is_502(httpd_factory, browser_factory, standin,
                            standin_factory, cert):
    bad = standin_factory(cert=cert)
    h = httpd_factory(directives={"ThreadsTokenUrl": bad.token_url})
    browser = browser_factory(h)
    flow = browser.start_login(START)
    assert_module_page(browser.get(flow.callback_url), 502)
    assert bad.requests == [], "a request went over a bad TLS connection"
    assert bad.connections >= 1, "the module never tried the bad server"
    assert_not_logged_in(browser, standin)


@pytest.mark.parametrize("kind,params", [
    ("slow", {"seconds": 10}),
    ("trickle", {"interval": 1.0}),
], ids=["slow", "trickle"])
def test_threads_slower_than_the_timeout_is_504(httpd_factory,
                                                browser_factory, standin,
                                                kind, params):
    h = httpd_factory(directives={"ThreadsHttpTimeout": "2"})
    browser = browser_factory(h)
    standin.set_fault("token", kind, **params)
    flow = browser.start_login(START)
    t0 = time.monotonic()
    r = browser.get(flow.callback_url)
    elapsed = time.monotonic() - t0
    assert_module_page(r, 504)
    assert 1.5 <= elapsed <= 3.5, "answered after %.2f s" % elapsed
    assert len(token_posts(standin)) == 1
    assert_not_logged_in(browser, standin)


# ---------------------------------------------------------------------------
# logout, login, info
# ---------------------------------------------------------------------------

def test_logout(httpd, browser, standin):
    browser.login(START)
    r = browser.get(CALLBACK_PATH + "?logout=/x")
    assert_redirect_to(r, httpd, "/x")
    assert_no_store(r)
    assert "session=" in r.headers.get("Set-Cookie", "")
    assert_not_logged_in(browser, standin)


def test_logout_defaults_to_root(httpd, browser, standin):
    browser.login(START)
    r = browser.get(CALLBACK_PATH + "?logout")
    assert_redirect_to(r, httpd, "/")
    assert_not_logged_in(browser, standin)


def test_logout_keeps_the_query_of_a_local_url(httpd, browser, standin):
    browser.login(START)
    # A sign-out link of the site itself: a same-origin navigation.
    r = browser.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(
        [("logout", "/bye.html?a=1&b=2")]),
        headers={"Sec-Fetch-Site": "same-origin"})
    assert_redirect_to(r, httpd, "/bye.html?a=1&b=2")


BAD_URLS = ["//evil.example/", "https://evil.example/", "/\\evil.example",
            "javascript:alert(1)", "evil.example", "http:/evil.example",
            "/\r\nSet-Cookie: x=1",
            # Dot segments an app's own redirect could resolve off-site.
            "/.//evil.example", "/app/..//evil.example", "/%2e//evil.example"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_logout_to_a_foreign_url_is_400(httpd, browser, standin, url):
    browser.login(START)
    r = callback(browser, [("logout", url)])
    assert_module_page(r, 400)
    assert "Location" not in r.headers


def test_login_link(httpd, browser, standin):
    target = "/app/page.html?from=link"
    r = callback(browser, [("login", target)])
    assert r.status_code == 302, describe(r)
    assert_no_store(r)
    loc = r.headers["Location"]
    assert loc.startswith(standin.authorize_url + "?")
    q = query_of(loc)
    assert sorted(q) == ["client_id", "redirect_uri", "response_type",
                         "scope", "state"]
    assert q["redirect_uri"] == [httpd.redirect_uri]
    flow = browser.login(CALLBACK_PATH + "?login="
                         + urllib.parse.quote(target, safe=""))
    assert_redirect_to(flow.callback, httpd, target)
    assert flow.final.status_code == 200
    assert "<h1>Protected page</h1>" in flow.final.text


@pytest.mark.parametrize("url", BAD_URLS)
def test_login_to_a_foreign_url_is_400(httpd, browser, standin, url):
    r = callback(browser, [("login", url)])
    assert_module_page(r, 400)
    assert "Location" not in r.headers
    assert standin.requests == []


def test_info_when_logged_in(httpd, browser, standin):
    t0 = time.time()
    browser.login(START)
    token = standin.issued_tokens("short")[0]
    r = browser.get(CALLBACK_PATH + "?info=json")
    info = assert_module_json(r, 200)
    assert {"user_id", "username", "expires_at", "scope",
            "token_type"} <= set(info)
    assert str(info["user_id"]) == USER_ID
    assert info["scope"] == "threads_basic"
    assert info["token_type"] == "short"
    assert t0 + 3600 - 5 <= int(info["expires_at"]) <= time.time() + 3605
    assert token not in r.text
    assert "access_token" not in info


def test_info_when_not_logged_in(httpd, browser, standin):
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    browser.start_login(START)  # a pending login is not a login
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    assert token_posts(standin) == []


# ---------------------------------------------------------------------------
# Where no session covers the callback (what the configuration cannot tell)
# ---------------------------------------------------------------------------

COOKIE_STORE = httpdconf.COOKIE_SESSION[0]

# case -> (configuration, log ID, what its line names besides the path).
# Session On and its store only under /app by a regex: apache2 -t cannot
# tell that the callback lacks it. /nosession is protected, and without
# a session; /nostore has Session On but no store.
SESSIONLESS = {
    "no-session": ("\n".join([
        '<LocationMatch "^/app(/|$)">',
        "    Session On",
        "    " + COOKIE_STORE,
        "</LocationMatch>",
        "<Location /nosession>",
        "    AuthType Threads",
        "    Require valid-user",
        "</Location>",
    ]), "THREADS00051", ["Session On"], "/nosession/page.html"),
    "no-store": ("\n".join([
        '<LocationMatch "^/">',
        "    Session On",
        "</LocationMatch>",
        '<LocationMatch "^/app(/|$)">',
        "    " + COOKIE_STORE,
        "</LocationMatch>",
        "<Location /nostore>",
        "    AuthType Threads",
        "    Require valid-user",
        "</Location>",
    ]), "THREADS00057", ["SessionCookieName", "SessionDBDCookieName"],
        "/nostore/page.html"),
}


@pytest.fixture(params=sorted(SESSIONLESS))
def sessionless(request, httpd_factory):
    """(httpd, log ID, words its line names, a protected path without a
    session) for a server whose callback has no session."""
    extra, logno, words, path = SESSIONLESS[request.param]
    h = httpd_factory(session=None, extra=extra)
    return h, logno, words, path


def assert_sign_in_not_available(h, r, mark, logno, words, path):
    """The 500 page of a sign-in without a session, and one error line."""
    page = assert_module_page(r, 500)
    assert "<title>Sign-in is not available</title>" in page, page
    assert "<h1>Sign-in is not available</h1>" in page, page
    assert "error log" in page
    assert "Location" not in r.headers
    assert "Set-Cookie" not in r.headers
    assert h.threads_error(r.request.path_url) == "session_unavailable"
    errors = [ln for ln in h.error_log_since(mark).splitlines()
              if "[threads_oauth:error]" in ln]
    assert len(errors) == 1, "\n".join(errors)
    assert logno + ":" in errors[0], errors[0]
    for word in words + [path]:
        assert word in errors[0], errors[0]


@pytest.mark.parametrize("endpoint", ["code", "error", "login", "logout"])
def test_callback_without_a_session_is_500(sessionless, browser_factory,
                                           standin, endpoint):
    h, logno, words, _ = sessionless
    b = browser_factory(h)
    # /app has a session: its login starts, and Threads sends a code.
    flow = b.start_login("/app/env.cgi")
    query = {
        "code": urllib.parse.urlsplit(flow.callback_url).query,
        "error": urllib.parse.urlencode([
            ("error", "access_denied"), ("error_reason", "user_denied"),
            ("state", flow.state)]),
        "login": "login=%2Fapp%2Fenv.cgi",
        "logout": "logout=%2F",
    }[endpoint]
    mark = h.error_log_mark()
    r = callback(b, query)
    assert_sign_in_not_available(h, r, mark, logno, words, CALLBACK_PATH)
    assert [q.endpoint for q in standin.requests] == ["authorize"]


def test_callback_info_without_a_session_is_not_logged_in(sessionless,
                                                          browser_factory,
                                                          standin):
    h = sessionless[0]
    mark = h.error_log_mark()
    assert_module_json(browser_factory(h).get(CALLBACK_PATH + "?info=json"),
                       401)
    assert "[threads_oauth:error]" not in h.error_log_since(mark)


def test_login_starting_without_a_session_is_500(sessionless,
                                                 browser_factory, standin):
    h, logno, words, path = sessionless
    mark = h.error_log_mark()
    r = browser_factory(h).get(path)
    assert_sign_in_not_available(h, r, mark, logno, words, path)
    assert standin.requests == []


def test_path_of_a_login_without_a_session_is_escaped(sessionless,
                                                      browser_factory,
                                                      standin):
    h, logno, _, path = sessionless
    forged = "[Sat Jan 01 00:00:00 2000] [threads_oauth:crit] forged"
    mark = h.error_log_mark()
    r = browser_factory(h).get(path + "%0d%0a" + urllib.parse.quote(forged)
                               + "%3Cb%3Ex")
    page = assert_module_page(r, 500)
    assert "<b>" not in page and "forged" not in page, page
    lines = h.error_log_since(mark).splitlines()
    assert not [ln for ln in lines if ln.startswith("[Sat Jan 01")], lines
    errors = [ln for ln in lines if "[threads_oauth:error]" in ln]
    assert len(errors) == 1 and logno + ":" in errors[0], lines
