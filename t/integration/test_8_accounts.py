"""Accounts (contract 8, README "Authorization, revocation, status" and
"The callback endpoint"): Require threads-id and threads-user alone and
in <RequireAny>/<RequireAll>/<RequireNone>, Meta's Deauthorize and Data
Deletion callbacks and what they refuse, the deletion status page, and a
logout reached from another site.

One server for the file, with ThreadsProfile On and a shmcb revocation
store, so that a callback that must change nothing can be seen to change
nothing. Tests that revoke a user log in a user of their own (fresh_user):
a revocation ends the logins of its second, whichever test made them.
"""

import html
import json
import re
import secrets
import urllib.parse

import pytest
import requests

from harness import (CALLBACK_PATH, USER_ID, assert_module_json,
                     assert_module_page, assert_not_logged_in,
                     assert_redirect_to, cgi_env, describe)
from harness.meta import post_meta
from standin import meta

START = "/app/env.cgi"
USERNAME = "threads_tester"  # the stand-in's
BIG = "9007199254740993"     # 2^53 + 1: a double would make it 2^53
BIG_LESS = "9007199254740992"

# Location name -> its authorization lines. Each is an alias of the app's
# directory at /who/<name>/.
REQUIRES = {
    "id": ["Require threads-id %s" % USER_ID],
    "ids": ["Require threads-id 1 17841400000000001 %s" % USER_ID],
    "other-id": ["Require threads-id %s9" % USER_ID[:-1]],
    "user": ["Require threads-user %s" % USERNAME],
    "user-upper": ["Require threads-user %s" % USERNAME.upper()],
    "users": ["Require threads-user alice %s bob" % USERNAME],
    "other-user": ["Require threads-user someone_else"],
    "any": ["<RequireAny>", "    Require threads-id 1",
            "    Require threads-user %s" % USERNAME, "</RequireAny>"],
    "any-neither": ["<RequireAny>", "    Require threads-id 1",
                    "    Require threads-user nobody", "</RequireAny>"],
    "all": ["<RequireAll>", "    Require threads-id %s" % USER_ID,
            "    Require threads-user %s" % USERNAME, "</RequireAll>"],
    "all-but-one": ["<RequireAll>", "    Require threads-id %s" % USER_ID,
                    "    Require threads-user nobody", "</RequireAll>"],
    "none-other": ["<RequireAll>", "    Require valid-user",
                   "    <RequireNone>", "        Require threads-user blocked",
                   "    </RequireNone>", "</RequireAll>"],
    "none-me": ["<RequireAll>", "    Require valid-user", "    <RequireNone>",
                "        Require threads-id %s" % USER_ID,
                "    </RequireNone>", "</RequireAll>"],
    "forbidden": ["Require threads-id 1", "AuthzSendForbiddenOnFailure On"],
    "big": ["Require threads-id %s" % BIG],
    "big-less": ["Require threads-id %s" % BIG_LESS],
    "kate-admin": ["Require threads-user kate admin"],
}

# What the stand-in's default user gets at each location.
EXPECTED = {
    "id": 200, "ids": 200, "other-id": 401, "user": 200, "user-upper": 200,
    "users": 200, "other-user": 401, "any": 200, "any-neither": 401,
    "all": 200, "all-but-one": 401, "none-other": 200, "none-me": 401,
    "forbidden": 403, "big": 401, "big-less": 401, "kate-admin": 401,
}


def require_locations(docroot, requires):
    lines = []
    for name, inner in requires.items():
        lines += ['Alias /who/%s "%s/app"' % (name, docroot),
                  "<Location /who/%s>" % name, "    AuthType Threads"]
        lines += ["    " + ln for ln in inner]
        lines.append("</Location>")
    return "\n".join(lines)


def shared_config(h):
    h.directives["ThreadsProfile"] = "On"
    h.directives["ThreadsRevocationCache"] = "shmcb"
    h.modules.append("socache_shmcb")
    return require_locations(h.docroot, REQUIRES)


def who(name):
    return "/who/%s/env.cgi" % name


@pytest.fixture
def fresh_user(standin):
    """A user id no other test logs in with."""
    standin.user_id = "1784%013d" % secrets.randbelow(10 ** 13)
    return standin.user_id


def logged_in(browser, user_id):
    env = cgi_env(browser.get(START))
    assert env["THREADS_USER_ID"] == user_id
    return env


# ---------------------------------------------------------------------------
# Require threads-id, Require threads-user
# ---------------------------------------------------------------------------

def statuses(browser, names):
    """Each location's status for browser, and the CGI environment of the
    granted ones."""
    got, envs = {}, {}
    for name in names:
        r = browser.get(who(name))
        got[name] = r.status_code
        if r.status_code == 200:
            envs[name] = json.loads(r.text)
    return got, envs


def test_require_grants_and_refuses_a_logged_in_user(shared_httpd,
                                                     browser_factory,
                                                     standin):
    b = browser_factory(shared_httpd)
    b.login(START)
    got, envs = statuses(b, REQUIRES)
    assert got == EXPECTED
    for env in envs.values():
        assert env["REMOTE_USER"] == USER_ID
        assert env["THREADS_USERNAME"] == USERNAME
    # A refusal is httpd's: the user stays logged in, no login starts.
    r = b.get(who("other-id"))
    assert "Location" not in r.headers, describe(r)
    assert len(standin.requests_for("authorize")) == 1
    logged_in(b, USER_ID)


@pytest.mark.parametrize("username", ["THREADS_TESTER", "Threads_Tester"])
def test_require_threads_user_ignores_ascii_case(shared_httpd,
                                                 browser_factory, standin,
                                                 username):
    standin.username = username
    b = browser_factory(shared_httpd)
    b.login(START)
    got, envs = statuses(b, ["user", "user-upper", "users", "other-user"])
    assert got == {"user": 200, "user-upper": 200, "users": 200,
                   "other-user": 401}
    assert envs["user"]["THREADS_USERNAME"] == username


@pytest.mark.parametrize("username,status", [
    ("KATE", 200),
    ("\u212aate", 401),   # KELVIN SIGN: "kate" only in Unicode's case folding
    ("adm\u0130n", 401),  # I WITH DOT ABOVE
    ("adm\u0131n", 401),  # DOTLESS I
    ("kate ", 401),
], ids=["ascii_upper", "kelvin_sign", "dotted_capital_i", "dotless_i",
        "trailing_space"])
def test_require_threads_user_folds_ascii_case_only(
        shared_httpd, browser_factory, standin, username, status):
    """A username that equals a Require line only under Unicode case
    folding, or with a space, is another user's."""
    standin.username = username
    b = browser_factory(shared_httpd)
    b.login(START)
    r = b.get(who("kate-admin"))
    assert r.status_code == status, describe(r)
    if status == 200:
        assert json.loads(r.text)["THREADS_USERNAME"] == username


@pytest.mark.parametrize("user_id,granted", [
    (BIG, "big"), (BIG_LESS, "big-less")], ids=["2^53+1", "2^53"])
def test_require_threads_id_digit_for_digit(shared_httpd, browser_factory,
                                            standin, user_id, granted):
    standin.user_id = user_id
    standin.user_id_as_string = False  # a JSON number
    b = browser_factory(shared_httpd)
    b.login(START)
    got, envs = statuses(b, ["big", "big-less", "id"])
    assert got == {"big": 401, "big-less": 401, "id": 401,
                   granted: 200}
    assert envs[granted]["REMOTE_USER"] == user_id


@pytest.mark.parametrize("name", ["id", "other-id", "any", "none-me"])
def test_require_without_a_login_starts_one(shared_httpd, browser_factory,
                                            standin, name):
    b = browser_factory(shared_httpd)
    r = b.get(who(name) + "?q=1")
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    assert standin.requests == []
    # A script gets the 401 of the module instead.
    r = b.get(who(name), navigate=False,
              headers={"X-Requested-With": "XMLHttpRequest"})
    assert assert_module_json(r, 401)["error"] == "login_required"
    flow = b.login(who(name) + "?q=1")
    assert flow.final.url == shared_httpd.url(who(name) + "?q=1")
    assert flow.final.status_code == EXPECTED[name], describe(flow.final)


def test_require_threads_user_needs_the_profile(httpd_factory,
                                                browser_factory, standin):
    h = httpd_factory(start=False)
    h.extra = require_locations(h.docroot, {
        k: REQUIRES[k] for k in ("user", "id", "other-id")})
    h.start()
    b = browser_factory(h)
    b.login(START)
    r = b.get(who("user"))
    assert r.status_code == 500, describe(r)
    line, = h.error_log_lines(r"THREADS00161")
    assert ":error]" in line and "/who/user/env.cgi" in line, line
    assert "ThreadsProfile On" in line
    # Ids need no profile.
    assert b.get(who("id")).status_code == 200
    assert b.get(who("other-id")).status_code == 401


@pytest.mark.parametrize("line,needle", [
    ("Require threads-id 12ab", "12ab is not a Threads user id"),
    ("Require threads-id", "needs one or more Threads user ids"),
    ("Require threads-user", "needs one or more Threads usernames"),
], ids=["not_digits", "no_id", "no_username"])
def test_require_lines_checked_at_startup(configtest, line, needle):
    rc, out = configtest(extra="\n".join([
        "<Location /app>", "    " + line, "</Location>"]))
    assert rc != 0, out
    assert needle in out, out


# ---------------------------------------------------------------------------
# Meta's Deauthorize and Data Deletion callbacks
# ---------------------------------------------------------------------------

def logged_in_user(shared_httpd, browser_factory, user_id):
    b = browser_factory(shared_httpd)
    b.login(START)
    logged_in(b, user_id)
    return b


@pytest.mark.parametrize("kw", [
    {},
    {"padded": True},
    {"user_id_as_number": True},
    {"user_id_as_number": True, "padded": True},
    {"expires": 0, "profile_id": "123", "oauth_token": None,
     "extra": {"nested": [1, "x"]}},
], ids=["as_meta_sends_it", "padded", "number", "number_padded",
        "unknown_fields"])
def test_deauthorize_ends_the_users_sessions(shared_httpd, browser_factory,
                                             standin, fresh_user, kw):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    bystander = browser_factory(shared_httpd)
    standin.user_id = USER_ID
    bystander.login(START)
    mark = shared_httpd.error_log_mark()
    r = post_meta(shared_httpd, "deauthorize",
                  standin.signed_request(fresh_user, **kw))
    assert assert_module_json(r, 200) == {"deauthorized": True}
    assert_not_logged_in(b, standin)
    logged_in(bystander, USER_ID)
    recorded = shared_httpd.error_log_since(mark)
    assert re.search(r"THREADS00115: deauthorization of user %s"
                     % fresh_user, recorded), recorded


def test_delete_answers_a_confirmation_and_its_status_page(
        shared_httpd, browser_factory, standin, fresh_user):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    r = post_meta(shared_httpd, "delete",
                  standin.signed_request(fresh_user, user_id_as_number=True))
    data = assert_module_json(r, 200)
    assert sorted(data) == ["confirmation_code", "url"]
    code = data["confirmation_code"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", code), code
    assert data["url"] == (shared_httpd.redirect_uri + "?deletion=" + code)
    assert_not_logged_in(b, standin)

    # Meta shows the user the URL: anyone may open it.
    viewer = browser_factory(shared_httpd)
    page = assert_module_page(viewer.get(data["url"]), 200)
    assert "Data deleted" in page and "is done" in page, page
    assert "no sign-in from before the request is accepted" in page, page
    # Another deletion of the same user has a code of its own.
    again = assert_module_json(post_meta(
        shared_httpd, "delete", standin.signed_request(fresh_user)), 200)
    assert again["confirmation_code"] != code
    assert viewer.get(again["url"]).status_code == 200

    middle = len(code) // 2
    tampered = code[:middle] + ("A" if code[middle] != "A" else "B") + \
        code[middle + 1:]
    for other in (tampered, code[:-4], "x" + code, "invented", ""):
        target = CALLBACK_PATH + "?" + urllib.parse.urlencode(
            {"deletion": other})
        page = assert_module_page(viewer.get(target), 404)
        assert "No data deletion request has this code" in page


def test_a_deletion_page_without_a_store_does_not_claim_sign_ins_ended(
        httpd_factory, browser_factory, standin):
    """Without ThreadsRevocationCache a deletion cannot end a cookie
    session: the status page says the browser stays signed in, and it
    does."""
    h = httpd_factory()
    b = browser_factory(h)
    b.login(START)
    data = assert_module_json(post_meta(h, "delete",
                                        standin.signed_request()), 200)
    page = assert_module_page(browser_factory(h).get(data["url"]), 200)
    assert "Data deleted" in page and "is done" in page, page
    assert "no sign-in from before" not in page, page
    assert "stays signed in until that sign-in expires" in page, page
    logged_in(b, USER_ID)


def parts(standin, user_id):
    """A good signed request for user_id, its signature and payload."""
    good = standin.signed_request(user_id)
    sig, payload = good.split(".")
    return good, sig, payload


def changed(text):
    """text with its last two characters changed."""
    return text[:-2] + ("AA" if text[-2:] != "AA" else "BB")


def form_body(body, ctype="application/x-www-form-urlencoded"):
    return (body, ctype)


# What Meta never sends, each of which must change nothing: name ->
# function(standin, user_id) giving the form field's value, or a whole
# body with its Content-Type.
BAD = {
    "wrong_secret": lambda s, u: s.signed_request(u, secret="not it"),
    "other_payload": lambda s, u: parts(s, u)[1] + "." + parts(
        s, "17841400000000002")[2],
    "payload_changed": lambda s, u: parts(s, u)[1] + "." + changed(
        parts(s, u)[2]),
    "signature_truncated": lambda s, u: parts(s, u)[1][:-3] + "." + parts(
        s, u)[2],
    "signature_over_32_bytes": lambda s, u: meta.b64url(meta.sign(
        parts(s, u)[2], s.app_secret) + b"x") + "." + parts(s, u)[2],
    "no_signature": lambda s, u: "." + parts(s, u)[2],
    "no_dot": lambda s, u: parts(s, u)[2],
    "three_parts": lambda s, u: parts(s, u)[0] + "." + parts(s, u)[1],
    "empty": lambda s, u: "",
    "algorithm_sha1": lambda s, u: s.signed_request(u,
                                                    algorithm="HMAC-SHA1"),
    "algorithm_none": lambda s, u: s.signed_request(u, algorithm="none"),
    "no_algorithm": lambda s, u: s.signed_request(u, algorithm=None),
    "no_user_id": lambda s, u: s.signed_request(
        u, payload='{"algorithm":"HMAC-SHA256","issued_at":1}'),
    "user_id_not_digits": lambda s, u: s.signed_request(u + "ab"),
    "user_id_negative": lambda s, u: s.signed_request(
        u, payload='{"algorithm":"HMAC-SHA256","user_id":-%s}' % u),
    "payload_not_json": lambda s, u: s.signed_request(u, payload="not json"),
    "payload_an_array": lambda s, u: s.signed_request(u, payload="[1]"),
    "payload_not_base64url": lambda s, u: meta.b64url(meta.sign(
        "e30*", s.app_secret)) + ".e30*",
    "no_field": lambda s, u: form_body(b"other=" + parts(s, u)[0].encode()),
    "json_body": lambda s, u: form_body(json.dumps(
        {"signed_request": parts(s, u)[0]}).encode(), "application/json"),
    "multipart_body": lambda s, u: form_body(
        b'--b\r\nContent-Disposition: form-data; name="signed_request"'
        b"\r\n\r\n" + parts(s, u)[0].encode() + b"\r\n--b--\r\n",
        "multipart/form-data; boundary=b"),
    "over_64_kib": lambda s, u: form_body(form_of_size(parts(s, u)[0],
                                                       65537)),
}


@pytest.mark.parametrize("case", BAD)
def test_meta_callback_refuses_what_is_not_a_valid_signed_request(
        shared_httpd, browser_factory, standin, fresh_user, case):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    value = BAD[case](standin, fresh_user)
    for which in ("deauthorize", "delete"):
        mark = shared_httpd.error_log_mark()
        if isinstance(value, tuple):
            r = post_meta(shared_httpd, which, body=value[0],
                          headers={"Content-Type": value[1]})
        else:
            r = post_meta(shared_httpd, which, value)
        data = assert_module_json(r, 400)
        assert data == {"error": "invalid_signed_request"}
        refused, = [ln for ln in shared_httpd.error_log_since(
            mark).splitlines() if "THREADS00113" in ln]
        assert ":warn]" in refused, refused
        assert "THREADS00115" not in shared_httpd.error_log_since(mark)
    logged_in(b, fresh_user)


def form_of_size(signed, size):
    """Meta's form for signed, padded to size bytes with more fields (each
    of them short)."""
    body = meta.form(signed)
    n = 0
    while len(body) < size:
        field = "&p%d=" % n
        body += field + "x" * min(4000, size - len(body) - len(field))
        n += 1
    assert len(body) == size
    return body.encode()


def chunked(body):
    """body sent in chunks (no Content-Length)."""
    for i in range(0, len(body), 4096):
        yield body[i:i + 4096]


@pytest.mark.parametrize("send", [bytes, chunked],
                         ids=["content_length", "chunked"])
def test_meta_callback_takes_64_kib_and_refuses_more(
        shared_httpd, browser_factory, standin, fresh_user, send):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    signed = standin.signed_request(fresh_user)
    r = post_meta(shared_httpd, "deauthorize",
                  body=send(form_of_size(signed, 65537)))
    assert ("Transfer-Encoding" in r.request.headers) == (send is chunked)
    assert assert_module_json(r, 400) == {"error": "invalid_signed_request"}
    logged_in(b, fresh_user)
    r = post_meta(shared_httpd, "deauthorize",
                  body=send(form_of_size(signed, 65536)))
    assert assert_module_json(r, 200) == {"deauthorized": True}
    assert_not_logged_in(b, standin)


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------

def allowed(resp):
    return {m.strip() for m in resp.headers.get("Allow", "").split(",")
            if m.strip()}


@pytest.mark.parametrize("method,query,allow", [
    ("GET", "deauthorize", {"POST"}),
    ("GET", "delete", {"POST"}),
    ("HEAD", "delete", {"POST"}),
    ("POST", "deletion=x", {"GET"}),
    ("POST", "info=json", {"GET"}),
    ("PUT", "deauthorize", {"GET", "POST"}),
    ("DELETE", "delete", {"GET", "POST"}),
    ("PUT", "logout=/", {"GET", "POST"}),
])
def test_an_endpoint_answers_405_to_another_method(shared_httpd, method,
                                                   query, allow):
    with requests.Session() as s:
        s.trust_env = False
        r = s.request(method, shared_httpd.url(CALLBACK_PATH + "?" + query),
                      data=b"signed_request=x" if method != "GET" else None,
                      allow_redirects=False, timeout=15)
    assert r.status_code == 405, describe(r)
    # httpd adds what it answers itself (TRACE, with TraceEnable On).
    assert allow <= allowed(r) <= allow | {"HEAD", "OPTIONS", "TRACE"}, (
        describe(r))


# ---------------------------------------------------------------------------
# ?logout= reached from another site
# ---------------------------------------------------------------------------

CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}


def confirmation_form(page):
    """The (method, action) of the one form of a confirmation page."""
    forms = re.findall(r'<form\s[^>]*>', page)
    assert len(forms) == 1, page
    method = re.search(r'method="([^"]*)"', forms[0]).group(1)
    action = re.search(r'action="([^"]*)"', forms[0]).group(1)
    return method.lower(), html.unescape(action)


@pytest.mark.parametrize("target", [
    CALLBACK_PATH + "?logout=/app/",
    CALLBACK_PATH + "?logout=%2Fapp%2F%3Fa%3D1%26b%3D2&everywhere=1",
], ids=["logout", "everywhere_and_a_query"])
def test_cross_site_logout_asks_first(shared_httpd, browser_factory,
                                      standin, fresh_user, target):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    r = b.get(target, headers=CROSS_SITE)
    page = assert_module_page(r, 200)
    assert "Set-Cookie" not in r.headers, describe(r)
    method, action = confirmation_form(page)
    assert (method, action) == ("post", target)
    logged_in(b, fresh_user)
    # The form posted from another site again: asked again.
    r = b.post(action, headers=CROSS_SITE)
    assert confirmation_form(assert_module_page(r, 200)) == ("post", target)
    logged_in(b, fresh_user)
    # The button (a same-origin POST) logs out.
    r = b.post(action, headers={"Sec-Fetch-Site": "same-origin",
                                "Origin": shared_httpd.base_url})
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
    assert_redirect_to(r, shared_httpd, back["logout"][0])
    assert_not_logged_in(b, standin)


@pytest.mark.parametrize("site", ["same-origin", "same-site", "none", None])
def test_logout_from_the_site_itself_is_at_once(shared_httpd,
                                                browser_factory, standin,
                                                fresh_user, site):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    copy = browser_factory(shared_httpd)
    copy.set_cookie(b.cookie())
    headers = {"Sec-Fetch-Site": site} if site else {}
    r = b.get(CALLBACK_PATH + "?logout=/", navigate=site is not None,
              headers=headers)
    assert_redirect_to(r, shared_httpd, "/")
    assert_not_logged_in(b, standin)
    assert_not_logged_in(copy, standin)


def test_cross_site_logout_everywhere_confirmed_ends_every_login(
        shared_httpd, browser_factory, standin, fresh_user):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    other = logged_in_user(shared_httpd, browser_factory, fresh_user)
    target = CALLBACK_PATH + "?logout=/&everywhere=1"
    method, action = confirmation_form(assert_module_page(
        b.get(target, headers=CROSS_SITE), 200))
    logged_in(other, fresh_user)
    r = b.post(action, headers={"Sec-Fetch-Site": "same-origin"})
    assert_redirect_to(r, shared_httpd, "/")
    assert_not_logged_in(b, standin)
    assert_not_logged_in(other, standin)


def test_cross_site_logout_page_escapes_the_url(shared_httpd,
                                                browser_factory, fresh_user):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    evil = '/"><script>alert(1)</script><a\'x="'
    target = CALLBACK_PATH + "?" + urllib.parse.urlencode({"logout": evil})
    page = assert_module_page(b.get(target, headers=CROSS_SITE), 200)
    assert "<script>" not in page, page
    assert confirmation_form(page) == ("post", target)


@pytest.mark.parametrize("url", ["//evil.example/", "https://evil.example/",
                                 "javascript:alert(1)"])
def test_cross_site_logout_to_another_site_is_refused(shared_httpd,
                                                      browser_factory,
                                                      fresh_user, url):
    b = logged_in_user(shared_httpd, browser_factory, fresh_user)
    target = CALLBACK_PATH + "?" + urllib.parse.urlencode({"logout": url})
    page = assert_module_page(b.get(target, headers=CROSS_SITE), 400)
    assert "<form" not in page
    logged_in(b, fresh_user)
