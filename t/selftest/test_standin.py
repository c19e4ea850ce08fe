"""Tests of the Threads stand-in itself (no httpd, no module needed)."""

import base64
import hashlib
import hmac
import html
import json
import re
import socket
import ssl
import os
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
import requests

import harness
from harness import T_DIR
from standin import ThreadsStandin

REDIRECT = "http://127.0.0.1:18080/oauth/callback"
OTHER_REDIRECT = "http://127.0.0.1:18080/other/callback"
APP_ID = harness.APP_ID
SECRET = harness.APP_SECRET


@pytest.fixture
def s(standin):
    standin.register_redirect_uri(REDIRECT)
    standin.register_redirect_uri(OTHER_REDIRECT)
    return standin


@pytest.fixture
def http(tls):
    sess = requests.Session()
    sess.trust_env = False
    sess.verify = tls.ca_file
    return sess


def authorize_params(**over):
    p = {"client_id": APP_ID, "redirect_uri": REDIRECT,
         "scope": "threads_basic", "response_type": "code",
         "state": "st4te"}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def get_code(s, http, redirect_uri=REDIRECT, scope="threads_basic"):
    r = http.get(s.authorize_url, allow_redirects=False,
                 params=authorize_params(redirect_uri=redirect_uri,
                                         scope=scope))
    assert r.status_code == 302, r.text
    loc = urllib.parse.urldefrag(r.headers["Location"])[0]
    return urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["code"][0]


def exchange(s, http, code_value, **over):
    form = {"client_id": APP_ID, "client_secret": SECRET,
            "code": code_value, "grant_type": "authorization_code",
            "redirect_uri": REDIRECT}
    form.update(over)
    form = {k: v for k, v in form.items() if v is not None}
    return http.post(s.token_url, data=form)


def short_token(s, http):
    r = exchange(s, http, get_code(s, http))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


TOKEN_ERROR_KEYS = ["code", "error_message", "error_type"]


def assert_token_error(r, message=None):
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert sorted(body) == TOKEN_ERROR_KEYS
    assert body["error_type"] == "OAuthException"
    assert body["code"] == 400
    if message is not None:
        assert body["error_message"] == message
    return body


def assert_graph_error(r, code=None):
    assert r.status_code == 400, r.text
    body = r.json()
    assert sorted(body) == ["error"]
    err = body["error"]
    assert err["type"] == "OAuthException"
    assert isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code
    return err


# ---------------------------------------------------------------------------
# /oauth/authorize
# ---------------------------------------------------------------------------

def test_authorize_allow_redirects_with_code_state_and_fragment(s, http):
    r = http.get(s.authorize_url, params=authorize_params(),
                 allow_redirects=False)
    assert r.status_code == 302
    loc = r.headers["Location"]
    m = re.fullmatch(re.escape(REDIRECT) + r"\?code=([A-Za-z0-9_-]+)"
                     r"&state=st4te#_", loc)
    assert m, loc
    assert r.headers["Cache-Control"] == "no-store"
    rec, = s.requests_for("authorize")
    assert rec.method == "GET"
    assert rec.query == {k: [v] for k, v in authorize_params().items()}


def test_authorize_without_state_omits_it(s, http):
    r = http.get(s.authorize_url, params=authorize_params(state=None),
                 allow_redirects=False)
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert loc.endswith("#_")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc[:-2]).query)
    assert sorted(q) == ["code"]


def test_authorize_keeps_query_of_redirect_uri(s, http):
    uri = "http://127.0.0.1:18080/cb?site=a"
    s.register_redirect_uri(uri)
    r = http.get(s.authorize_url, params=authorize_params(redirect_uri=uri),
                 allow_redirects=False)
    assert r.headers["Location"].startswith(uri + "&code=")


@pytest.mark.parametrize("scope", [
    "threads_basic,threads_content_publish",
    "threads_basic threads_content_publish",
    "threads_content_publish,threads_basic",
    "threads_basic",
])
def test_authorize_accepts_comma_or_space_separated_scope(s, http, scope):
    r = http.get(s.authorize_url, params=authorize_params(scope=scope),
                 allow_redirects=False)
    assert r.status_code == 302, r.text


@pytest.mark.parametrize("over,needle", [
    ({"client_id": None}, "client_id is required"),
    ({"redirect_uri": None}, "redirect_uri is required"),
    ({"scope": None}, "scope is required"),
    ({"response_type": None}, "response_type is required"),
    ({"client_id": "123"}, "Invalid platform app"),
    ({"redirect_uri": REDIRECT + "/"}, "Invalid redirect_uri"),
    ({"redirect_uri": "http://127.0.0.1:18080/OAuth/callback"},
     "Invalid redirect_uri"),
    ({"response_type": "token"}, "Invalid response_type"),
    ({"scope": "threads_content_publish"}, "threads_basic permission is"),
    ({"scope": "threads_basic,no_such_permission"},
     "Invalid Scopes: no_such_permission"),
])
def test_authorize_rejects_bad_requests(s, http, over, needle):
    r = http.get(s.authorize_url, params=authorize_params(**over),
                 allow_redirects=False)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<html" in r.text
    assert html.escape(needle) in r.text
    assert "Location" not in r.headers


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "scope",
                                  "response_type", "state"])
def test_authorize_rejects_a_repeated_parameter(s, http, name):
    p = authorize_params()
    query = urllib.parse.urlencode(p) + "&" + urllib.parse.urlencode(
        {name: p[name]})
    r = http.get(s.authorize_url + "?" + query, allow_redirects=False)
    assert r.status_code == 400
    assert "more than once" in r.text


def test_consent_page_lists_permissions_and_escapes(s, http):
    s.auto_consent = False
    s.app_name = "Tom & Jerry's <app>"
    state = 'a"b<c>&d\'e'
    r = http.get(s.authorize_url, allow_redirects=False,
                 params=authorize_params(
                     state=state, scope="threads_basic,threads_read_replies"))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.text
    assert re.search(r"<title>Threads - Allow Tom &amp; Jerry&#x27;s "
                     r"&lt;app&gt; to access your account\?</title>", page)
    assert "<app>" not in page
    assert "<strong>threads_basic</strong>" in page
    assert "<strong>threads_read_replies</strong>" in page
    assert '<form method="post" action="/oauth/authorize">' in page
    assert ('<input type="hidden" name="state" value="%s">'
            % html.escape(state)) in page
    assert ('<input type="hidden" name="redirect_uri" value="%s">'
            % html.escape(REDIRECT)) in page
    assert ('<button type="submit" name="decision" value="allow">Allow'
            '</button>') in page
    assert ('<button type="submit" name="decision" value="cancel">Cancel'
            '</button>') in page
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" '
                             r'value="([^"]*)">', page))
    assert {k: html.unescape(v) for k, v in hidden.items()} == {
        "client_id": APP_ID, "redirect_uri": REDIRECT,
        "scope": "threads_basic,threads_read_replies",
        "response_type": "code", "state": state}


def consent_form(page):
    return {k: html.unescape(v) for k, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


def test_consent_allow_button(s, http):
    s.auto_consent = False
    page = http.get(s.authorize_url, params=authorize_params()).text
    form = consent_form(page)
    form["decision"] = "allow"
    r = http.post(s.authorize_url, data=form, allow_redirects=False)
    assert r.status_code == 302
    assert re.fullmatch(re.escape(REDIRECT) + r"\?code=[A-Za-z0-9_-]+"
                        r"&state=st4te#_", r.headers["Location"])


def test_consent_cancel_button(s, http):
    s.auto_consent = False
    page = http.get(s.authorize_url, params=authorize_params()).text
    form = consent_form(page)
    form["decision"] = "cancel"
    r = http.post(s.authorize_url, data=form, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == (
        REDIRECT + "?error=access_denied&error_reason=user_denied"
        "&error_description=The+user+denied+your+request&state=st4te")
    assert s.issued_tokens() == []


def test_consent_post_is_validated_again(s, http):
    form = authorize_params(client_id="1")
    form["decision"] = "allow"
    r = http.post(s.authorize_url, data=form, allow_redirects=False)
    assert r.status_code == 400
    form = authorize_params()
    form["decision"] = "maybe"
    r = http.post(s.authorize_url, data=form, allow_redirects=False)
    assert r.status_code == 400


def test_auto_decision_cancel(s, http):
    s.auto_decision = "cancel"
    r = http.get(s.authorize_url, params=authorize_params(state=None),
                 allow_redirects=False)
    assert r.headers["Location"] == (
        REDIRECT + "?error=access_denied&error_reason=user_denied"
        "&error_description=The+user+denied+your+request")


# ---------------------------------------------------------------------------
# POST /oauth/access_token
# ---------------------------------------------------------------------------

def test_code_exchange_success_shape(s, http):
    code = get_code(s, http)
    r = exchange(s, http, code)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    m = re.fullmatch(r'\{"access_token": "(THQVJ[A-Za-z0-9]+)", '
                     r'"user_id": 17841405793187218\}', r.text)
    assert m, r.text
    body = r.json()
    assert body["user_id"] == 17841405793187218  # an exact integer
    token = m.group(1)
    assert s.issued_tokens("short") == [token]
    info = s.token_info(token)
    assert info["user_id"] == "17841405793187218"
    assert abs(info["expires"] - time.time() - 3600) < 5
    rec, = s.requests_for("token")
    assert rec.content_type == "application/x-www-form-urlencoded"
    assert rec.form == {"client_id": [APP_ID], "client_secret": [SECRET],
                        "code": [code],
                        "grant_type": ["authorization_code"],
                        "redirect_uri": [REDIRECT]}
    assert rec.status == 200
    assert rec.response_json()["access_token"] == token


def test_code_exchange_user_id_as_string_and_expires_in(s, http):
    s.user_id_as_string = True
    s.short_expires_in = 1800
    r = exchange(s, http, get_code(s, http))
    body = r.json()
    assert body["user_id"] == "17841405793187218"
    assert body["expires_in"] == 1800


def test_code_is_one_time(s, http):
    code = get_code(s, http)
    assert exchange(s, http, code).status_code == 200
    assert_token_error(exchange(s, http, code),
                       "Matching code was not found or was already used")
    assert r'"error_type": "OAuthException", "code": 400' in exchange(
        s, http, code).text


def test_unknown_code(s, http):
    assert_token_error(exchange(s, http, "AQBnot-a-code"),
                       "Matching code was not found or was already used")


def test_code_is_bound_to_its_redirect_uri(s, http):
    code = get_code(s, http)
    body = assert_token_error(exchange(s, http, code,
                                       redirect_uri=OTHER_REDIRECT))
    assert "redirect_uri is identical" in body["error_message"]
    # A failed attempt does not use the code up.
    assert exchange(s, http, code).status_code == 200


def test_code_expires_after_an_hour(s, http):
    code = get_code(s, http)
    s.time_offset = 3601
    assert_token_error(exchange(s, http, code),
                       "This authorization code has expired.")


@pytest.mark.parametrize("over,message", [
    ({"client_secret": "wrong"}, "Error validating client secret."),
    ({"client_id": "1234"}, "Invalid platform app"),
    ({"grant_type": "client_credentials"},
     "Unsupported grant_type: client_credentials"),
    ({"code": None}, "The parameter code is required"),
    ({"client_secret": None}, "The parameter client_secret is required"),
    ({"redirect_uri": None}, "The parameter redirect_uri is required"),
])
def test_code_exchange_rejects(s, http, over, message):
    code = get_code(s, http)
    assert_token_error(exchange(s, http, code, **over), message)
    assert s.issued_tokens() == []


def test_code_exchange_rejects_duplicates_and_other_encodings(s, http):
    code = get_code(s, http)
    body = urllib.parse.urlencode([
        ("client_id", APP_ID), ("client_secret", SECRET), ("code", code),
        ("code", code), ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT)])
    r = http.post(s.token_url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert_token_error(r, "The parameter code was given more than once")
    r = http.post(s.token_url, files={"client_id": (None, APP_ID)})
    assert_token_error(r, "The parameter client_id is required")
    r = http.get(s.token_url)
    assert_token_error(r)


# ---------------------------------------------------------------------------
# Graph endpoints
# ---------------------------------------------------------------------------

def test_long_lived_exchange(s, http):
    short = short_token(s, http)
    r = http.get(s.graph_url + "/access_token", params={
        "grant_type": "th_exchange_token", "client_secret": SECRET,
        "access_token": short})
    assert r.status_code == 200
    body = r.json()
    assert sorted(body) == ["access_token", "expires_in", "token_type"]
    assert body["access_token"].startswith("THAA")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5183944
    assert s.token_info(body["access_token"])["kind"] == "long"


@pytest.mark.parametrize("params,code", [
    ({"client_secret": "wrong"}, 1),
    ({"grant_type": "th_refresh_token"}, 100),
    ({"access_token": "THQVJunknown"}, 190),
    ({"access_token": None}, 100),
])
def test_long_lived_exchange_errors(s, http, params, code):
    p = {"grant_type": "th_exchange_token", "client_secret": SECRET,
         "access_token": short_token(s, http)}
    p.update(params)
    r = http.get(s.graph_url + "/access_token",
                 params={k: v for k, v in p.items() if v is not None})
    assert_graph_error(r, code)


def test_long_lived_exchange_refuses_expired_and_long_tokens(s, http):
    expired = s.issue_token("short", age=3601)
    longlived = s.issue_token("long")
    for token in (expired, longlived):
        r = http.get(s.graph_url + "/access_token", params={
            "grant_type": "th_exchange_token", "client_secret": SECRET,
            "access_token": token})
        assert_graph_error(r, 190)


def test_refresh(s, http):
    young = s.issue_token("long", age=3600)
    old = s.issue_token("long", age=86400 + 60)
    expired = s.issue_token("long", age=5183944 + 10)
    short = s.issue_token("short")
    url = s.graph_url + "/refresh_access_token"
    for token in (young, expired, short, "THAAnope"):
        r = http.get(url, params={"grant_type": "th_refresh_token",
                                  "access_token": token})
        assert_graph_error(r, 190)
    r = http.get(url, params={"grant_type": "th_refresh_token",
                              "access_token": old})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5183944
    assert body["access_token"].startswith("THAA")
    assert body["access_token"] != old
    r = http.get(url, params={"grant_type": "th_exchange_token",
                              "access_token": old})
    assert_graph_error(r, 100)


def test_me(s, http):
    token = short_token(s, http)
    r = http.get(s.graph_url + "/v1.0/me",
                 params={"fields": "id,username,name"},
                 headers={"Authorization": "Bearer " + token})
    assert r.status_code == 200
    assert r.text == ('{"id": "17841405793187218", "username": '
                      '"threads_tester", "name": "Threads Tester"}')
    rec = s.requests_for("me")[-1]
    assert rec.header("authorization") == "Bearer " + token
    r = http.get(s.graph_url + "/v1.0/me",
                 headers={"Authorization": "Bearer " + token})
    assert r.json() == {"id": "17841405793187218"}


def test_me_non_ascii_escaped_or_raw(s, http):
    token = short_token(s, http)
    s.name = "Zo\u00eb \u202eevil"
    url = s.graph_url + "/v1.0/me"
    auth = {"Authorization": "Bearer " + token}
    r = http.get(url, params={"fields": "name"}, headers=auth)
    assert r.content == b'{"name": "Zo\\u00eb \\u202eevil"}'
    s.raw_utf8 = True
    r = http.get(url, params={"fields": "name"}, headers=auth)
    assert r.content == b'{"name": "Zo\xc3\xab \xe2\x80\xaeevil"}'
    assert r.json() == {"name": s.name}
    s.reset()
    assert s.raw_utf8 is False


def test_me_errors(s, http):
    url = s.graph_url + "/v1.0/me"
    assert_graph_error(http.get(url), 2500)
    assert_graph_error(http.get(url, headers={
        "Authorization": "Bearer THQVJunknown"}), 190)
    expired = s.issue_token("short", age=4000)
    assert_graph_error(http.get(url, headers={
        "Authorization": "Bearer " + expired}), 190)
    ok = s.issue_token("short")
    assert_graph_error(http.get(url, params={"fields": "id,password"},
                                headers={"Authorization": "Bearer " + ok}),
                       100)


def test_unknown_path_is_404_json(s, http):
    r = http.get(s.base_url + "/v2.0/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "OAuthException"


# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------

def test_a_handler_that_raises_is_recorded_for_the_fixtures(tls, http):
    """A defect of the stand-in (here an answer that raises) is kept in
    handler_errors, which the fixtures fail the test on; a dropped
    connection is not."""
    broken = ThreadsStandin(host="127.0.0.2", tls=tls.server)

    def answer(rec):
        raise ZeroDivisionError("an answer the stand-in cannot make")

    broken.answer = answer
    with broken:
        with pytest.raises(requests.ConnectionError):
            http.get(broken.base_url + "/me", timeout=5)
        socket.create_connection((broken.host, broken.port), 5).close()
        # The dropped connection's handshake has failed once it is listed.
        deadline = time.monotonic() + 5
        while not broken.tls_errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(broken.tls_errors) == 1, broken.tls_errors
        time.sleep(0.2)  # for its handler to finish with it
        errors = broken.handler_errors
        assert len(errors) == 1, errors
        assert errors[0][0][0] == "127.0.0.1"
        assert "ZeroDivisionError: an answer the stand-in cannot make" in \
            errors[0][1]
        broken.reset()
        assert broken.handler_errors == []


def test_records_everything(s, http):
    http.post(s.token_url + "?x=1&x=2&y=",
              data=[("a", "1"), ("b", "two words"), ("a", "3")],
              headers={"X-Custom": "v"})
    rec, = s.requests
    assert rec.method == "POST"
    assert rec.path == "/oauth/access_token"
    assert rec.endpoint == "token"
    assert rec.query == {"x": ["1", "2"], "y": [""]}
    assert rec.header("x-custom") == "v"
    assert rec.headers["X-CUSTOM"] == "v"
    assert rec.body == b"a=1&b=two+words&a=3"
    assert rec.form == {"a": ["1", "3"], "b": ["two words"]}
    assert rec.form_pairs == [("a", "1"), ("b", "two words"), ("a", "3")]
    assert rec.status == 400
    s.reset()
    assert s.requests == []


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------

def me(s, http, **kw):
    token = s.issue_token("short")
    return http.get(s.graph_url + "/v1.0/me",
                    headers={"Authorization": "Bearer " + token}, **kw)


def test_fault_count_then_normal(s, http):
    s.set_fault("me", "garbage", count=2)
    assert me(s, http).text == "<html>oops"
    assert me(s, http).text == "<html>oops"
    assert me(s, http).json() == {"id": "17841405793187218"}


def test_fault_until_reset_and_wildcard(s, http):
    s.set_fault("*", "error5xx")
    for _ in range(3):
        assert me(s, http).status_code == 502
    assert exchange(s, http, "x").status_code == 502
    s.reset()
    assert me(s, http).status_code == 200


def test_fault_only_on_its_endpoint(s, http):
    s.set_fault("token", "garbage")
    assert me(s, http).status_code == 200
    assert exchange(s, http, "x").text == "<html>oops"


def test_fault_arguments_checked(s):
    with pytest.raises(ValueError):
        s.set_fault("token", "explode")
    with pytest.raises(ValueError):
        s.set_fault("tokens", "slow")


def test_fault_slow(s, http):
    s.set_fault("me", "slow", count=1, seconds=0.6)
    t0 = time.monotonic()
    r = me(s, http)
    assert time.monotonic() - t0 >= 0.6
    assert r.status_code == 200
    t0 = time.monotonic()
    me(s, http)
    assert time.monotonic() - t0 < 0.5


def test_fault_slow_until_an_event(s, http):
    release = threading.Event()
    s.set_fault("me", "slow", count=1, seconds=30, until=release)
    answers = []
    t = threading.Thread(target=lambda: answers.append(me(s, http)))
    t.start()
    assert s.wait_for_requests("me", 1)
    t.join(0.3)
    assert answers == [], "answered before the event"
    release.set()
    t.join(10)
    assert [r.status_code for r in answers] == [200]


def test_fault_slow_ends_on_reset(s, http):
    s.set_fault("me", "slow", seconds=30)
    t0 = time.monotonic()
    threading.Timer(0.3, s.reset).start()
    with pytest.raises(requests.ConnectionError):
        me(s, http, timeout=10)
    assert time.monotonic() - t0 < 5


def test_fault_trickle(s, http):
    s.set_fault("me", "trickle", interval=0.02)
    t0 = time.monotonic()
    r = me(s, http, stream=True)
    t_headers = time.monotonic() - t0
    body = r.content
    elapsed = time.monotonic() - t0
    assert t_headers < 0.5
    assert body == b'{"id": "17841405793187218"}'
    assert elapsed >= len(body) * 0.02


def test_fault_trickle_sends_headers_first(s, http):
    s.set_fault("me", "trickle")  # one byte a second
    t0 = time.monotonic()
    r = me(s, http, stream=True)
    assert r.status_code == 200
    first = r.raw.read(1)
    assert first == b"{"
    assert 0.8 <= time.monotonic() - t0 < 3
    r.close()


def test_fault_reset(s, http):
    s.set_fault("token", "reset")
    with pytest.raises(requests.ConnectionError):
        exchange(s, http, "x")
    rec, = s.requests_for("token")
    assert rec.status is None


def test_fault_reset_mid_body(s, tls):
    s.set_fault("me", "reset_mid_body")
    token = s.issue_token("short")
    ctx = ssl.create_default_context(cafile=tls.ca_file)
    with socket.create_connection((s.host, s.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname=s.host) as c:
            c.sendall(("GET /v1.0/me HTTP/1.1\r\nHost: x\r\nAuthorization: "
                       "Bearer %s\r\n\r\n" % token).encode())
            data = b""
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    data += d
            except (ConnectionResetError, ssl.SSLError):
                pass
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert head.startswith(b"HTTP/1.1 200")
    assert 0 < len(body) < length


def test_fault_garbage(s, http):
    s.set_fault("token", "garbage")
    r = exchange(s, http, "x")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html"
    assert r.text == "<html>oops"


@pytest.mark.parametrize("chunked", [False, True])
def test_fault_huge(s, http, chunked):
    s.set_fault("token", "huge", chunked=chunked)
    r = exchange(s, http, "x")
    assert r.status_code == 200
    assert len(r.content) == 2 * 1024 * 1024
    assert r.content.startswith(b'{"access_token": ')
    if chunked:
        assert r.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in r.headers
    else:
        assert r.headers["Content-Length"] == str(2 * 1024 * 1024)


def test_fault_reject(s, http):
    s.set_fault("token", "reject")
    code = get_code(s, http)
    assert_token_error(exchange(s, http, code),
                       "Matching code was not found or was already used")
    s.set_fault("token", "reject", message="<b>no</b> & \"never\"")
    assert_token_error(exchange(s, http, code), "<b>no</b> & \"never\"")
    s.set_fault("me", "reject")
    assert_graph_error(me(s, http), 190)
    s.set_fault("me", "reject", code=190, subcode=458, fbtrace_id="Atrace")
    err = assert_graph_error(me(s, http), 190)
    assert err["error_subcode"] == 458 and err["fbtrace_id"] == "Atrace"


@pytest.mark.parametrize("status", [None, 500])
def test_fault_error5xx(s, http, status):
    kw = {"status": status} if status else {}
    s.set_fault("token", "error5xx", **kw)
    r = exchange(s, http, "x")
    assert r.status_code == (status or 502)
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<html>" in r.text


def test_fault_redirect(s, http):
    s.set_fault("token", "redirect")
    r = http.post(s.token_url, data={"a": "b"}, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == (s.base_url + "/moved/oauth/access_token")
    r = http.get(r.headers["Location"])
    assert r.json()["moved"] is True
    assert [x.endpoint for x in s.requests] == ["token", "moved"]


def test_fault_no_token(s, http):
    s.set_fault("token", "no_token")
    r = exchange(s, http, "x")
    assert r.status_code == 200
    assert r.text == '{"user_id":1}'


def test_fault_custom(s, http):
    raw = b'{"access_token":"THQVJ\x01x","user_id":1.5e3}'
    s.set_fault("token", "custom", status=201, content_type="text/plain",
                body=raw, headers=[("X-Extra", "1")])
    r = exchange(s, http, "x")
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "text/plain"
    assert r.headers["X-Extra"] == "1"
    assert r.content == raw


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------

def test_https_needs_the_ca(s, tls):
    ok = requests.get(s.graph_url + "/v1.0/me", verify=tls.ca_file)
    assert ok.status_code == 400  # an answer, over verified TLS
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(s.graph_url + "/v1.0/me", verify=True)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(s.graph_url + "/v1.0/me", verify=tls.other_ca.cert)
    deadline = time.monotonic() + 2
    while not s.tls_errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.tls_errors
    # The server goes on serving after refused handshakes.
    assert requests.get(s.graph_url + "/v1.0/me",
                        verify=tls.ca_file).status_code == 400


def test_handshakes_are_recorded_with_resumption(s, tls):
    ctx = ssl.create_default_context(cafile=tls.ca_file)
    # TLS 1.2: its session is ready when the handshake ends (a TLS 1.3
    # ticket comes after it, with the first read).
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    session = None
    for _ in range(2):
        with socket.create_connection((s.host, s.port)) as raw:
            with ctx.wrap_socket(raw, server_hostname=s.host,
                                 session=session) as c:
                for _ in range(2):  # two requests, one handshake
                    c.sendall(b"GET /v1.0/me HTTP/1.1\r\nHost: x\r\n\r\n")
                    head = c.recv(4096)
                    assert head.startswith(b"HTTP/1.1 400"), head
                session = c.session
    deadline = time.monotonic() + 2
    while len(s.handshakes) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [resumed for _, resumed in s.handshakes] == [False, True]
    assert s.connections == 2
    assert {client for client, _ in s.handshakes} == \
        {r.client for r in s.requests}


def test_stalled_handshake_does_not_block_others(s, tls):
    with socket.create_connection((s.host, s.port)):
        # A client that connects and never says anything.
        t0 = time.monotonic()
        r = requests.get(s.graph_url + "/v1.0/me", verify=tls.ca_file,
                         timeout=5)
        assert r.status_code == 400
        assert time.monotonic() - t0 < 2


def test_certificate_names(tls):
    def text(cert):
        return subprocess.run(["openssl", "x509", "-in", cert, "-noout",
                               "-text"], capture_output=True, text=True,
                              check=True).stdout
    server = text(tls.server.cert)
    assert "IP Address:127.0.0.2" in server
    assert "IP Address:127.0.0.1" in server
    assert "DNS:localhost" in server
    assert "DNS:wrong-host.invalid" in text(tls.wrong_host.cert)
    assert "IP Address" not in text(tls.wrong_host.cert)


@pytest.mark.parametrize("cert,reason", [
    ("untrusted", "certificate verify failed"),
    ("expired", "certificate has expired"),
    ("wrong_host", "doesn't match 'wrong-host.invalid'"),
])
def test_bad_certificates_fail_verification(standin_factory, tls, cert,
                                            reason):
    bad = standin_factory(cert=cert)
    with pytest.raises(requests.exceptions.SSLError) as e:
        requests.get(bad.graph_url + "/v1.0/me", verify=tls.ca_file)
    assert reason in str(e.value)
    # The certificate itself is fine for a client that trusts its issuer
    # and ignores what is wrong with it.
    ctx = ssl.create_default_context(cafile=tls.other_ca.cert
                                     if cert == "untrusted" else tls.ca_file)
    ctx.check_hostname = cert not in ("wrong_host",)
    if cert == "expired":
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((bad.host, bad.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname=bad.host) as c:
            c.sendall(b"GET /v1.0/me HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            assert c.recv(12) == b"HTTP/1.1 400"


def test_plain_http_mode():
    s = ThreadsStandin(host="127.0.0.2", tls=None)
    with s:
        assert s.base_url.startswith("http://127.0.0.2:")
        r = requests.get(s.base_url + "/v1.0/me")
        assert r.status_code == 400


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

# The package run with -m (from t/), and the old script path.
COMMANDS = {
    "module": [sys.executable, "-m", "standin"],
    "script": [sys.executable, os.path.join(T_DIR, "threads_standin.py")],
}


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_command_line(workdir, how):
    tls_dir = os.path.join(workdir, "cli-tls-" + how)
    proc = subprocess.Popen(
        COMMANDS[how] + ["--listen", "127.0.0.2:0",
                         "--tls-dir", tls_dir, "--app-id", APP_ID,
                         "--app-secret", "S", "--redirect-uri", REDIRECT,
                         "--auto-consent"],
        cwd=T_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip()
        assert re.fullmatch(r"https://127\.0\.0\.2:\d+", base), (
            base, proc.stderr.read() if proc.poll() is not None else "")
        ca = os.path.join(tls_dir, "ca.pem")
        r = requests.get(base + "/oauth/authorize", verify=ca,
                         allow_redirects=False,
                         params=authorize_params())
        assert r.status_code == 302
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.headers["Location"][:-2]).query)["code"][0]
        r = requests.post(base + "/oauth/access_token", verify=ca, data={
            "client_id": APP_ID, "client_secret": "S", "code": code,
            "grant_type": "authorization_code", "redirect_uri": REDIRECT})
        assert r.status_code == 200
        assert r.json()["user_id"] == 17841405793187218
    finally:
        proc.terminate()
        proc.wait(5)
    assert proc.returncode == 0


# ---------------------------------------------------------------------------
# Meta's signed_request
# ---------------------------------------------------------------------------

def open_signed(signed, secret=SECRET):
    """The payload of a signed_request once its signature checks out."""
    sig, payload = signed.split(".")
    raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    assert hmac.compare_digest(raw, hmac.new(
        secret.encode(), payload.encode(), hashlib.sha256).digest())
    return json.loads(base64.urlsafe_b64decode(
        payload + "=" * (-len(payload) % 4)))


def test_signed_request_as_meta_sends_it(s):
    t0 = int(time.time())
    signed = s.signed_request()
    assert "=" not in signed
    body = open_signed(signed)
    assert body["algorithm"] == "HMAC-SHA256"
    assert body["user_id"] == harness.USER_ID
    assert t0 <= body["issued_at"] <= time.time()


def test_signed_request_variants(s):
    signed = s.signed_request("9007199254740993", user_id_as_number=True,
                              padded=True, expires=5, algorithm=None,
                              extra={"a": 1})
    assert signed.split(".")[0].endswith("=")
    body = open_signed(signed)
    assert body == {"user_id": 9007199254740993, "issued_at":
                    body["issued_at"], "expires": 5, "extra": {"a": 1}}
    assert '"user_id":9007199254740993' in base64.urlsafe_b64decode(
        signed.split(".")[1]).decode()
    other = s.signed_request(secret="another")
    with pytest.raises(AssertionError):
        open_signed(other)
    assert open_signed(s.signed_request(payload='{"x":1}')) == {"x": 1}
