"""Tokens: the long-lived exchange, the profile, refresh, user ids and what
the code exchange may answer (contract 4 and 7).

Refresh needs a token at least 24 hours old. The tests forge one: the
module's session value is opened and sealed again with the module's own
scheme (harness/sealed.py: HKDF-SHA256 of the app secret, AES-256-GCM, see
threads_seal.c and threads_record.c), and the stand-in's clock is moved on
so that it too sees the token as old. The sealer is first checked against a cookie the
module wrote.
"""

import json
import re
import time

import pytest

from harness import (APP_SECRET, CALLBACK_PATH, REMOTE_USER_USERNAME,
                     USER_ID, assert_module_json, assert_module_page,
                     assert_not_logged_in, describe)
from harness.sealed import (TOKEN_ENTRY, InvalidTag, age_token, forge_token,
                            needs_crypto, record_text, seal, session_entries,
                            session_text, token_record, unseal)

START = "/app/env.cgi"
LONG_EXPIRES_IN = 5183944
DAY = 86400
LONG_LIVED = {"ThreadsLongLivedToken": "On"}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def info(browser):
    return assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 200)


def short_token_of(standin):
    """The token the code exchange handed out."""
    post, = standin.requests_for("token")
    return post.response_json()["access_token"]


def assert_no_token_stored(browser):
    cookie = browser.cookie()
    if cookie:
        assert TOKEN_ENTRY not in session_entries(cookie), cookie


def warnings(httpd, pattern):
    """warn lines of the module's in the error log matching pattern
    (case-insensitive)."""
    return httpd.error_log_lines(r"(?i)\[threads_oauth:warn\].*" + pattern)


def calls_allowed(fault):
    """Calls one request may make to an endpoint with this fault: libcurl
    sends a request again, once, on a fresh connection when a reused
    keep-alive connection closes without an answer."""
    return 2 if fault == "reset" else 1


def assert_secrets_not_logged(httpd, *secrets):
    log = httpd.error_log()
    for s in (APP_SECRET,) + secrets:
        assert s not in log, "a secret is in the error log"


# ---------------------------------------------------------------------------
# The long-lived token (contract 7)
# ---------------------------------------------------------------------------

def test_long_lived_exchange(httpd_factory, browser_factory, standin):
    h = httpd_factory(directives=LONG_LIVED)
    b = browser_factory(h)
    t0 = int(time.time())
    b.login(START)
    t1 = int(time.time()) + 1
    short = short_token_of(standin)
    exchange, = standin.requests_for("exchange")
    assert exchange.method == "GET"
    assert exchange.target == (
        "/access_token?grant_type=th_exchange_token&client_secret=%s"
        "&access_token=%s" % (APP_SECRET, short)), exchange.target
    assert exchange.body == b""
    long_token = exchange.response_json()["access_token"]
    assert long_token.startswith("THAA")

    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == long_token
    assert env["THREADS_TOKEN_TYPE"] == "long"
    expires = int(env["THREADS_TOKEN_EXPIRES"])
    assert t0 + LONG_EXPIRES_IN <= expires <= t1 + LONG_EXPIRES_IN, expires
    assert env["REMOTE_USER"] == USER_ID

    data = info(b)
    assert data["token_type"] == "long"
    assert int(data["expires_at"]) == expires
    assert "access_token" not in data and long_token not in json.dumps(data)
    # One exchange per login, none per request.
    assert len(standin.requests_for("exchange")) == 1
    assert_secrets_not_logged(h, short, long_token)


@pytest.mark.parametrize("kind,params", [
    # Refused with an error that does not call the token dead (190 does:
    # test_a_login_whose_new_token_threads_calls_dead_fails).
    ("reject", {"code": 100, "message": "Unsupported request"}),
    ("error5xx", {"status": 500}),
    ("garbage", {}),
    ("reset", {}),
    ("custom", {"body": b'{"token_type": "bearer", "expires_in": 5183944}'}),
    ("custom", {"body": b'{"access_token": "THAA\\u0001x", '
                        b'"token_type": "bearer", "expires_in": 5183944}'}),
], ids=["oauth_exception", "500", "not_json", "reset", "no_token",
        "token_with_control_char"])
def test_long_lived_exchange_failure_keeps_the_short_token(
        httpd_factory, browser_factory, standin, kind, params):
    h = httpd_factory(directives=LONG_LIVED)
    b = browser_factory(h)
    standin.set_fault("exchange", kind, **params)
    t0 = int(time.time())
    flow = b.login(START)
    t1 = int(time.time()) + 1
    assert flow.final.status_code == 200, describe(flow.final)
    short = short_token_of(standin)
    assert 1 <= len(standin.requests_for("exchange")) <= calls_allowed(kind)
    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == short
    assert env["THREADS_TOKEN_TYPE"] == "short"
    assert t0 + 3600 <= int(env["THREADS_TOKEN_EXPIRES"]) <= t1 + 3600
    assert info(b)["token_type"] == "short"
    assert warnings(h, "long-lived"), h.error_log_tail(30)
    assert_secrets_not_logged(h, short)


# ---------------------------------------------------------------------------
# The profile
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("long_lived", ["Off", "On"])
def test_profile(httpd_factory, browser_factory, standin, long_lived):
    h = httpd_factory(directives={"ThreadsProfile": "On",
                                  "ThreadsLongLivedToken": long_lived})
    b = browser_factory(h)
    b.login(START)
    env = cgi_env(b.get(START))
    me, = standin.requests_for("me")
    assert me.method == "GET"
    assert me.path == "/v1.0/me"
    assert me.query == {"fields": ["id,username,name"]}, me.target
    assert me.header("Authorization") == \
        "Bearer " + env["THREADS_ACCESS_TOKEN"]
    if long_lived == "On":
        assert env["THREADS_ACCESS_TOKEN"].startswith("THAA")
    assert env["THREADS_USERNAME"] == standin.username
    assert env["THREADS_NAME"] == standin.name
    assert env["REMOTE_USER"] == USER_ID  # ThreadsRemoteUser id
    assert info(b)["username"] == standin.username
    # Read once at login, not per request.
    b.get(START)
    assert len(standin.requests_for("me")) == 1


@pytest.mark.parametrize("status", [400, 200])
@pytest.mark.parametrize("endpoint,directives", [
    ("exchange", LONG_LIVED),
    ("me", {"ThreadsProfile": "On"}),
], ids=["long_lived_exchange", "profile"])
def test_a_login_whose_new_token_threads_calls_dead_fails(
        httpd_factory, browser_factory, standin, endpoint, directives,
        status):
    """Graph error 190 on a call after the code exchange, whatever the
    HTTP status: the token just given is dead and there is nothing to
    keep. The login ends on Threads' refusal page (403), the cookie holds
    no token, and the log names code, subcode and trace id, never the
    token."""
    h = httpd_factory(directives=directives)
    b = browser_factory(h)
    standin.set_fault(endpoint, "reject", code=190, subcode=460,
                      status=status, message="Error validating access "
                      "token: The session has been invalidated.")
    flow = b.start_login(START)
    b.finish_login(flow)
    assert_module_page(flow.callback, 403)
    assert h.threads_error(flow.callback.request.path_url) == \
        "token_rejected"
    assert_no_token_stored(b)
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)
    assert len(standin.requests_for(endpoint)) == 1
    refused = h.error_log_lines(r"THREADS0020[36].*code 190")
    assert len(refused) == 1, h.error_log_tail(30)
    assert "error_subcode 460" in refused[0], refused
    fbtrace = json.loads(standin.requests_for(endpoint)[0].response_body)[
        "error"]["fbtrace_id"]
    assert "fbtrace_id " + fbtrace in refused[0], refused
    ended = h.error_log_lines(r"THREADS00231")
    assert len(ended) == 1 and USER_ID in ended[0], h.error_log_tail(30)
    assert "[threads_oauth:error]" in ended[0], ended
    assert not h.error_log_lines(r"THREADS00104"), "a login was logged"
    assert_secrets_not_logged(h, short_token_of(standin))


def test_a_profile_refusal_is_logged_with_code_subcode_and_trace(
        httpd_factory, browser_factory, standin):
    """A Graph error other than 190 on the profile read: the login goes
    on without the profile; the warning names the error's code, subcode
    and trace id."""
    h = httpd_factory(directives={"ThreadsProfile": "On"})
    b = browser_factory(h)
    standin.set_fault("me", "reject", code=100, subcode=33,
                      message="Unsupported get request.")
    flow = b.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    env = cgi_env(b.get(START))
    assert env["THREADS_USER_ID"] == USER_ID
    assert "THREADS_USERNAME" not in env
    line, = h.error_log_lines(r"THREADS00206")
    assert "[threads_oauth:warn]" in line, line
    assert "code 100" in line and "error_subcode 33" in line, line
    fbtrace = json.loads(standin.requests_for("me")[0].response_body)[
        "error"]["fbtrace_id"]
    assert "fbtrace_id " + fbtrace in line, line
    assert_secrets_not_logged(h, env["THREADS_ACCESS_TOKEN"])



def test_remote_user_username(httpd_factory, browser_factory, standin):
    h = httpd_factory(directives={"ThreadsProfile": "On"},
                      extra=REMOTE_USER_USERNAME)
    b = browser_factory(h)
    b.login(START)
    env = cgi_env(b.get(START))
    assert env["REMOTE_USER"] == standin.username
    assert env["THREADS_USER_ID"] == USER_ID


@pytest.mark.parametrize("kind,params", [
    # Refused with an error that does not call the token dead (190 does:
    # test_a_login_whose_new_token_threads_calls_dead_fails).
    ("reject", {"code": 100, "message": "Unsupported request"}),
    ("error5xx", {}),
    ("garbage", {}),
    ("custom", {"body": b'{"id": "1234", "username": "someone_else"}'}),
    ("custom", {"body": ('{"id": "%s", "name": "No Username"}'
                         % USER_ID).encode()}),
], ids=["oauth_exception", "502", "not_json", "other_user", "no_username"])
def test_remote_user_username_never_falls_back_to_the_id(
        httpd_factory, browser_factory, standin, kind, params):
    """An all-digit username could equal another user's id: without the
    username the login fails (502, a try-again link), nothing is kept."""
    h = httpd_factory(directives={"ThreadsProfile": "On"},
                      extra=REMOTE_USER_USERNAME)
    b = browser_factory(h)
    standin.set_fault("me", kind, **params)
    flow = b.start_login(START)
    b.finish_login(flow, follow_final=False)
    page = assert_module_page(flow.callback, 502)
    assert "username" in page
    assert re.search(r'href="[^"]*\?login=%2Fapp%2Fenv\.cgi"', page), page
    assert len(standin.requests_for("me")) == 1
    # Nothing of the login was kept: the next visit logs in again.
    r = b.get(START)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    refused = h.error_log_lines(r"THREADS00110")
    assert len(refused) == 1 and ":error]" in refused[0], h.error_log_tail(30)


def test_remote_user_username_needs_the_profile(configtest):
    rc, out = configtest(extra=REMOTE_USER_USERNAME)
    assert rc != 0, out
    assert "THREADS00025" in out
    assert "ThreadsRemoteUser username needs ThreadsProfile On" in out


def test_remote_user_username_needs_the_profile_in_each_virtual_host(
        httpd_factory):
    """The main server's sections apply to its virtual hosts: one that
    turns the profile off is refused, by name and place, the others not.
    """
    h = httpd_factory(start=False, directives={"ThreadsProfile": "On"},
                      extra=REMOTE_USER_USERNAME + "\n".join([
                          "<VirtualHost *:*>",
                          "    ServerName with-profile.test",
                          "</VirtualHost>",
                          "<VirtualHost *:*>",
                          "    ServerName no-profile.test",
                          "    ThreadsProfile Off",
                          "</VirtualHost>"]))
    rc, out = h.configtest()
    assert rc != 0, out
    lines = [ln for ln in out.splitlines() if "THREADS00025:" in ln]
    assert len(lines) == 1, out
    with open(h.conf_path) as f:
        where = [n for n, ln in enumerate(f, 1)
                 if ln.startswith("<VirtualHost")][1]
    assert "no-profile.test (%s:%d)" % (h.conf_path, where) in lines[0], (
        lines[0])


@needs_crypto
def test_remote_user_username_of_a_login_without_one(httpd_factory,
                                                     browser_factory,
                                                     standin):
    """A session without a username, at a location that names users by
    username: a 502 page with a link to sign in again, never the id,
    never a loop of logins."""
    h = httpd_factory(directives={"ThreadsProfile": "On"},
                      extra=REMOTE_USER_USERNAME)
    b = browser_factory(h)
    b.login(START)
    forge_token(b, n=None)
    calls = len(standin.requests)
    r = b.get(START)
    page = assert_module_page(r, 502)
    assert re.search(r'href="[^"]*\?login=%2Fapp%2Fenv\.cgi"', page), page
    assert standin.requests[calls:] == []
    assert h.error_log_lines(r"THREADS00157.*holds no username")


# ---------------------------------------------------------------------------
# Refresh (contract 7), with forged old tokens
# ---------------------------------------------------------------------------

@needs_crypto
def test_sealer_opens_the_module_cookie(httpd_factory, browser_factory,
                                        standin):
    h = httpd_factory(directives=LONG_LIVED)
    b = browser_factory(h)
    b.login(START)
    env = cgi_env(b.get(START))
    rec = token_record(b)
    assert rec["v"] == "1"
    assert rec["t"] == env["THREADS_ACCESS_TOKEN"]
    assert rec["u"] == USER_ID
    assert rec["e"] == env["THREADS_TOKEN_EXPIRES"]
    assert rec["k"] == "l"
    assert rec["s"] == "threads_basic"
    # The value is bound to its entry name.
    sealed = session_entries(b.cookie())[TOKEN_ENTRY]
    with pytest.raises(InvalidTag):
        unseal("threads.pending", sealed, h)
    # Sealed again here, unchanged, the module still reads it.
    forge_token(b)
    assert cgi_env(b.get(START))["THREADS_ACCESS_TOKEN"] == rec["t"]
    # Sealed under another key, it is "not logged in".
    entries = session_entries(b.cookie())
    entries[TOKEN_ENTRY] = seal(TOKEN_ENTRY, record_text(rec),
                                secret="another secret")
    b.clear_cookies()
    b.set_cookie(session_text(entries))
    assert_not_logged_in(b, standin)


def login_old_long_token(httpd_factory, browser_factory, standin, age,
                         expires_in, directives=None, kind="l"):
    """A login with a long-lived token, then the session forged to say it
    was issued age seconds ago and expires in expires_in seconds. The
    stand-in's clock moves on by age. Returns (browser, httpd, token,
    forged expiry)."""
    d = dict(LONG_LIVED)
    d.update(directives or {})
    h = httpd_factory(directives=d)
    b = browser_factory(h)
    b.login(START)
    rec = age_token(b, age, expires_in, kind)
    standin.time_offset = age
    return b, h, rec["t"], int(rec["e"])


@needs_crypto
def test_refresh_of_a_token_2_days_old(httpd_factory, browser_factory,
                                       standin):
    b, h, token, _ = login_old_long_token(httpd_factory, browser_factory,
                                          standin, 2 * DAY, 3 * DAY)
    old_cookie = b.cookie()
    t0 = int(time.time())
    r = b.get(START)
    t1 = int(time.time()) + 1
    env = cgi_env(r)
    refresh, = standin.requests_for("refresh")
    assert refresh.method == "GET"
    assert refresh.target == (
        "/refresh_access_token?grant_type=th_refresh_token&access_token=%s"
        % token), refresh.target
    new_token = refresh.response_json()["access_token"]
    assert new_token != token
    assert env["THREADS_ACCESS_TOKEN"] == new_token
    assert env["THREADS_TOKEN_TYPE"] == "long"
    expires = int(env["THREADS_TOKEN_EXPIRES"])
    assert t0 + LONG_EXPIRES_IN <= expires <= t1 + LONG_EXPIRES_IN
    # The session was written again with the new token.
    assert "session=" in r.headers.get("Set-Cookie", ""), describe(r)
    assert b.cookie() != old_cookie
    rec = token_record(b)
    assert rec["t"] == new_token
    assert rec["e"] == str(expires)
    assert t0 <= int(rec["i"]) <= t1
    # The fresh token is not refreshed again.
    env = cgi_env(b.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == new_token
    assert len(standin.requests_for("refresh")) == 1
    assert_secrets_not_logged(h, token, new_token)


@needs_crypto
@pytest.mark.parametrize("age,expires_in,directives,kind", [
    (2 * 3600, 3 * DAY, {}, "l"),
    (23 * 3600, 3 * DAY, {}, "l"),
    (2 * DAY, 30 * DAY, {}, "l"),
    (2 * DAY, 3 * DAY, {"ThreadsRefreshWindow": str(DAY)}, "l"),
    (2 * DAY, 3 * DAY, {}, "s"),
], ids=["2h_old", "23h_old", "outside_the_window", "window_1_day",
        "short_token"])
def test_token_not_due_is_not_refreshed(httpd_factory, browser_factory,
                                        standin, age, expires_in,
                                        directives, kind):
    b, h, token, expires = login_old_long_token(
        httpd_factory, browser_factory, standin, age, expires_in,
        directives, kind)
    env = cgi_env(b.get(START))
    assert standin.requests_for("refresh") == []
    assert env["THREADS_ACCESS_TOKEN"] == token
    assert env["THREADS_TOKEN_EXPIRES"] == str(expires)


@needs_crypto
def test_expired_token_is_not_refreshed(httpd_factory, browser_factory,
                                        standin):
    b, h, token, _ = login_old_long_token(httpd_factory, browser_factory,
                                          standin, 61 * DAY, -60)
    r = b.get(START)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)
    assert standin.requests_for("refresh") == []


@needs_crypto
@pytest.mark.parametrize("kind,params,directives", [
    ("reject", {"code": 2, "message": "An unexpected error has occurred. "
                "Please retry your request later."}, {}),
    ("error5xx", {}, {}),
    ("reset", {}, {}),
    ("slow", {"seconds": 8}, {"ThreadsHttpTimeout": "1"}),
    ("custom", {"body": b'{"token_type": "bearer", "expires_in": 5183944}'},
     {}),
], ids=["oauth_exception", "502", "reset", "timeout", "no_token"])
def test_failed_refresh_keeps_the_token_and_waits(
        httpd_factory, browser_factory, standin, kind, params, directives):
    b, h, token, expires = login_old_long_token(
        httpd_factory, browser_factory, standin, 2 * DAY, 3 * DAY,
        directives)
    standin.set_fault("refresh", kind, **params)
    t0 = time.monotonic()
    env = cgi_env(b.get(START))
    assert time.monotonic() - t0 < 3
    calls = len(standin.requests_for("refresh"))
    assert 1 <= calls <= calls_allowed(kind)
    assert env["THREADS_ACCESS_TOKEN"] == token
    assert env["THREADS_TOKEN_TYPE"] == "long"
    assert env["THREADS_TOKEN_EXPIRES"] == str(expires)
    assert warnings(h, "refresh"), h.error_log_tail(30)
    # Within the hour the next requests do not call Threads again.
    for _ in range(2):
        env = cgi_env(b.get(START))
        assert env["THREADS_ACCESS_TOKEN"] == token
    assert len(standin.requests_for("refresh")) == calls
    assert_secrets_not_logged(h, token)


@needs_crypto
@pytest.mark.parametrize("status", [400, 200, 500])
def test_refresh_answered_190_logs_out(httpd_factory, browser_factory,
                                       standin, status):
    """Graph error 190, whatever the HTTP status: the token is dead, the
    session counts as logged out. The log names code, subcode and trace
    id, never the token."""
    b, h, token, expires = login_old_long_token(
        httpd_factory, browser_factory, standin, 2 * DAY, 3 * DAY)
    standin.set_fault("refresh", "reject", code=190, subcode=458,
                      status=status, message="Error validating access "
                      "token: The user has not authorized application.")
    r = b.get(START)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    assert len(standin.requests_for("refresh")) == 1
    # The cookie no longer holds the token: the next request logs in too,
    # without another call.
    assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 401)
    r = b.get(START)
    assert r.status_code == 302, describe(r)
    assert len(standin.requests_for("refresh")) == 1
    refused = h.error_log_lines(r"THREADS00203.*token refresh")
    assert refused, h.error_log_tail(30)
    assert "code 190" in refused[0] and "error_subcode 458" in refused[0]
    fbtrace = json.loads(standin.requests_for("refresh")[0].response_body)[
        "error"]["fbtrace_id"]
    assert "fbtrace_id " + fbtrace in refused[0]
    assert h.error_log_lines(r"THREADS00160.*dead")
    assert_secrets_not_logged(h, token)


# ---------------------------------------------------------------------------
# user_id
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("user_id,as_string", [
    ("17841405793187218", False),
    ("17841405793187218", True),
    ("9007199254740993", False),
    ("9007199254740993", True),
], ids=["number", "string", "2^53+1", "2^53+1_string"])
def test_user_id_digit_for_digit(httpd, browser, standin, user_id,
                                 as_string):
    standin.user_id = user_id
    standin.user_id_as_string = as_string
    browser.login(START)
    post, = standin.requests_for("token")
    assert (b'"user_id": "%s"' if as_string else b'"user_id": %s') % \
        user_id.encode() in post.response_body
    env = cgi_env(browser.get(START))
    assert env["THREADS_USER_ID"] == user_id
    assert env["REMOTE_USER"] == user_id
    assert str(info(browser)["user_id"]) == user_id


# ---------------------------------------------------------------------------
# What the code exchange may answer (contract 4)
# ---------------------------------------------------------------------------

def oauth_exception(message):
    return json.dumps({"error_type": "OAuthException", "code": 400,
                       "error_message": message}).encode()


def test_oauth_exception_is_403_with_the_escaped_message(
        httpd, browser, standin):
    message = 'Invalid code <script>alert("x")</script> & more'
    standin.set_fault("token", "custom", status=400,
                      body=oauth_exception(message))
    flow = browser.start_login(START)
    page = assert_module_page(browser.get(flow.callback_url), 403)
    assert "<script>" not in page
    assert "Invalid code &lt;script&gt;alert(" in page, page
    assert "&lt;/script&gt; &amp; more" in page, page
    assert_no_token_stored(browser)
    assert_not_logged_in(browser, standin)


BAD = b'{"access_token": "THQVJabc", "user_id": %s}'

BAD_ANSWERS = {
    "no_access_token": ("custom", {"body": b'{"user_id": 17841405793187218}'}),
    "access_token_empty": ("custom", {
        "body": b'{"access_token": "", "user_id": 17841405793187218}'}),
    "access_token_5000_chars": ("custom", {
        "body": b'{"access_token": "THQVJ' + b"a" * 4995
                + b'", "user_id": 17841405793187218}'}),
    "access_token_ctl_01": ("custom", {
        "body": b'{"access_token": "THQVJ\\u0001ab", "user_id": 5}'}),
    "access_token_newline": ("custom", {
        "body": b'{"access_token": "THQVJ\\r\\nSet-Cookie: x=1", '
                b'"user_id": 5}'}),
    "access_token_del": ("custom", {
        "body": b'{"access_token": "THQVJ\\u007fab", "user_id": 5}'}),
    "access_token_nul": ("custom", {
        "body": b'{"access_token": "THQVJ\\u0000ab", "user_id": 5}'}),
    "user_id_float": ("custom", {"body": BAD % b"17841405793187218.5"}),
    "user_id_exponent": ("custom", {"body": BAD % b"1.7841405793187218e16"}),
    "user_id_negative": ("custom", {"body": BAD % b"-17841405793187218"}),
    "user_id_zero": ("custom", {"body": BAD % b"0"}),
    "user_id_40_digits": ("custom", {"body": BAD % (b"1" * 40)}),
    "user_id_40_digits_string": ("custom", {
        "body": BAD % (b'"' + b"1" * 40 + b'"')}),
    "body_over_1_mib": ("huge", {"size": 1024 * 1024 + 1}),
    "body_over_1_mib_chunked": ("huge", {"size": 1024 * 1024 + 1,
                                         "chunked": True}),
    "body_2_mib": ("huge", {"size": 2 * 1024 * 1024}),
    "html_500": ("error5xx", {"status": 500}),
    "html_503": ("error5xx", {"status": 503}),
    "redirect_302": ("redirect", {}),
    "not_json": ("garbage", {}),
    "json_truncated": ("custom", {"body": b'{"access_token": "THQVJab'}),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_unusable_code_exchange_answer_is_502(httpd, browser, standin,
                                              case):
    kind, params = BAD_ANSWERS[case]
    standin.set_fault("token", kind, **params)
    flow = browser.start_login(START)
    r = browser.get(flow.callback_url)
    assert_module_page(r, 502)
    assert len(standin.requests_for("token")) == 1
    assert standin.requests_for("moved") == [], "the redirect was followed"
    assert "Set-Cookie: x" not in str(r.headers)
    assert_no_token_stored(browser)
    assert_not_logged_in(browser, standin)


@pytest.mark.parametrize("chunked", [False, True],
                         ids=["content_length", "chunked"])
def test_body_of_exactly_1_mib_is_accepted(httpd, browser, standin,
                                           chunked):
    standin.set_fault("token", "huge", size=1024 * 1024, chunked=chunked)
    flow = browser.start_login(START)
    r = browser.get(flow.callback_url)
    assert r.status_code == 302, describe(r)
    env = cgi_env(browser.get(START))
    assert env["THREADS_ACCESS_TOKEN"] == "THQVJhuge"


def test_redirect_target_is_never_requested(httpd, browser, standin,
                                            standin_factory):
    # The redirect points to another server that would hand out a token.
    other = standin_factory()
    standin.set_fault("token", "redirect", status=307,
                      location=other.token_url)
    flow = browser.start_login(START)
    assert_module_page(browser.get(flow.callback_url), 502)
    assert other.requests == [] and other.connections == 0
    assert_not_logged_in(browser, standin)


def test_slow_code_exchange_is_504_in_time(httpd_factory, browser_factory,
                                           standin):
    h = httpd_factory(directives={"ThreadsHttpTimeout": "2"})
    b = browser_factory(h)
    standin.set_fault("token", "slow", seconds=10)
    flow = b.start_login(START)
    t0 = time.monotonic()
    r = b.get(flow.callback_url)
    elapsed = time.monotonic() - t0
    assert_module_page(r, 504)
    assert 1.5 <= elapsed < 3.5, "answered after %.2f s" % elapsed
    assert_no_token_stored(b)
    assert_not_logged_in(b, standin)


@needs_crypto
@pytest.mark.parametrize("retry_in,calls", [(-1, 1), (1800, 0)],
                         ids=["hour_over", "within_the_hour"])
def test_failed_refresh_is_tried_again_after_the_hour(
        httpd_factory, browser_factory, standin, retry_in, calls):
    # "r" is when the module may try again after a failed refresh.
    b, h, token, _ = login_old_long_token(httpd_factory, browser_factory,
                                          standin, 2 * DAY, 3 * DAY)
    forge_token(b, r=int(time.time()) + retry_in)
    env = cgi_env(b.get(START))
    assert len(standin.requests_for("refresh")) == calls
    if calls:
        new_token = standin.requests_for("refresh")[0].response_json()[
            "access_token"]
        assert env["THREADS_ACCESS_TOKEN"] == new_token
    else:
        assert env["THREADS_ACCESS_TOKEN"] == token
