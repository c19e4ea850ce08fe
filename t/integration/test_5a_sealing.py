"""Sealed session values (contract 5a, and the cookie budget of 3).

The session store here is plain mod_session_cookie without
mod_session_crypto: whatever the module keeps must be unreadable,
tamper-evident, shared by servers with the same key, and small enough for
a browser to keep."""

import base64
import binascii
import json
import os
import re
import urllib.parse

import pytest

from harness import (APP_SECRET, CALLBACK_PATH, USER_ID, HttpdError,
                     assert_module_json, assert_redirect_to, describe)
from harness.sealed import (AESGCM, HKDF, KEY_FILE, TOKEN_ENTRY, hashes,
                            key_material, needs_crypto, record_text, seal,
                            session_text, token_record)

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
COOKIE_LIMIT = 4096


# ---------------------------------------------------------------------------
# A server shared by the tests that need nothing special
# ---------------------------------------------------------------------------

@pytest.fixture
def server(shared_httpd):
    return shared_httpd


@pytest.fixture
def sb(server, browser_factory):
    return browser_factory(server)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def set_cookie_headers(resp):
    """Every Set-Cookie header of resp, raw."""
    return resp.raw.headers.getlist("Set-Cookie") if resp is not None else []


def session_value(set_cookie):
    """The value of the session cookie in a Set-Cookie header, or None."""
    first = set_cookie.split(";", 1)[0]
    name, _, value = first.partition("=")
    return value if name.strip() == "session" else None


def entries(cookie_value):
    """mod_session's name=value&... as an ordered list of pairs (raw)."""
    out = []
    for part in (cookie_value or "").split("&"):
        if part:
            name, _, value = part.partition("=")
            out.append((name, value))
    return out


def join_entries(pairs):
    return "&".join("%s=%s" % p for p in pairs)


def b64_variants(text):
    """Byte strings a base64-looking text may decode to."""
    out = []
    for alphabet in (None, b"-_"):
        s = text.strip()
        s += "=" * (-len(s) % 4)
        try:
            if alphabet:
                out.append(base64.urlsafe_b64decode(s))
            else:
                out.append(base64.b64decode(s, validate=True))
        except (binascii.Error, ValueError):
            pass
    return out


def readable_forms(raw):
    """raw, its URL-decoded forms, and base64 decodings of every
    base64-looking run in them."""
    texts = [raw]
    for _ in range(2):
        texts.append(urllib.parse.unquote_plus(texts[-1]))
    blobs = [t.encode("utf-8", "replace") for t in texts]
    for t in texts:
        for run in re.findall(r"[A-Za-z0-9+/_-]{16,}={0,2}", t):
            blobs += b64_variants(run)
            # A run may hold several values glued by a separator.
            for piece in re.split(r"[._]", run):
                if len(piece) >= 16:
                    blobs += b64_variants(piece)
    return blobs


def assert_not_in_cookie(set_cookies, secrets):
    for sc in set_cookies:
        for blob in readable_forms(sc):
            for what, secret in secrets.items():
                assert secret.encode() not in blob, (
                    "the %s is readable in the cookie %r" % (what, sc))


def flip(value, i):
    """value with its i-th base64url character changed in its top bit (a
    change that survives decoding, even in the last character)."""
    i %= len(value)
    c = value[i]
    idx = B64URL.index(c) if c in B64URL else 0
    return value[:i] + B64URL[idx ^ 0x20] + value[i + 1:]


def raw_get(h, browser_factory, cookie, path="/app/env.cgi", xhr=False):
    """GET path on h with exactly this session cookie and nothing else."""
    b = browser_factory(h)
    headers = {"Cookie": "session=" + cookie} if cookie is not None else {}
    if xhr:
        headers["X-Requested-With"] = "XMLHttpRequest"
    return b.get(path, headers=headers, navigate=not xhr)


def assert_logged_out(h, browser_factory, standin, cookie):
    """The cookie counts as "not logged in": a navigation is sent to log
    in, a script gets 401, the info is 401; never 500."""
    r = raw_get(h, browser_factory, cookie)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    r = raw_get(h, browser_factory, cookie, xhr=True)
    body = assert_module_json(r, 401)
    assert body["error"] == "login_required"
    r = raw_get(h, browser_factory, cookie, path=CALLBACK_PATH +
                "?info=json", xhr=True)
    assert_module_json(r, 401)


def assert_logged_in_with(h, browser_factory, cookie, token=None):
    r = raw_get(h, browser_factory, cookie)
    assert r.status_code == 200, describe(r)
    env = json.loads(r.text)
    assert env["REMOTE_USER"] == USER_ID
    if token is not None:
        assert env["THREADS_ACCESS_TOKEN"] == token
    return env


def logged_in_cookie(b):
    """Logs b in; returns the session cookie value."""
    b.login("/app/env.cgi")
    value = b.cookie("session")
    assert value, "no session cookie after the login"
    return value


def both_entries(b):
    """Logs b in and starts another login: returns (cookie, token entry,
    pending entry) as (name, value) pairs, told apart by when each
    appeared, not by their names."""
    after_login = entries(logged_in_cookie(b))
    assert len(after_login) == 1, after_login
    token_entry = after_login[0]
    r = b.get(CALLBACK_PATH + "?login=/app/env.cgi")
    assert r.status_code == 302, describe(r)
    now = entries(b.cookie("session"))
    assert token_entry in now, (token_entry, now)
    pending = [e for e in now if e[0] != token_entry[0]]
    assert len(pending) == 1, now
    return b.cookie("session"), token_entry, pending[0]


# ---------------------------------------------------------------------------
# Nothing readable
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("profile", [False, True],
                         ids=["short", "long-lived-and-profile"])
def test_cookie_holds_nothing_in_clear(httpd_factory, browser_factory,
                                       standin, profile):
    directives = {}
    if profile:
        directives = {"ThreadsLongLivedToken": "On", "ThreadsProfile": "On"}
    h = httpd_factory(directives=directives)
    b = browser_factory(h)
    flow = b.start_login("/app/env.cgi?x=1")
    cookies = set_cookie_headers(flow.start)
    b.finish_login(flow)
    assert flow.final.status_code == 200, describe(flow.final)
    cookies += set_cookie_headers(flow.callback)
    flow2 = b.start_login(CALLBACK_PATH + "?login=/app/")
    cookies += set_cookie_headers(flow2.start)
    cookies += set_cookie_headers(b.get(CALLBACK_PATH + "?logout=/"))
    assert len(cookies) >= 3, cookies
    secrets = {"user id": USER_ID, "state": flow.state,
               "second state": flow2.state, "code": flow.code,
               "app secret": APP_SECRET}
    for i, token in enumerate(standin.issued_tokens()):
        secrets["token %d" % i] = token
        secrets["token %d (start)" % i] = token[:24]
    if profile:
        assert len(standin.issued_tokens("long")) == 1
        secrets["username"] = standin.username
        secrets["name"] = standin.name
    assert_not_in_cookie(cookies, secrets)


# ---------------------------------------------------------------------------
# Tampering
# ---------------------------------------------------------------------------

TOKEN_FLIPS = [0, 1, 7, 13, 20, -40, -17, -2, -1]


@pytest.mark.parametrize("pos", TOKEN_FLIPS)
def test_flipped_token_character_is_logged_out(server, sb, browser_factory,
                                               standin, pos):
    cookie = logged_in_cookie(sb)
    (name, value), = entries(cookie)
    assert_logged_in_with(server, browser_factory, cookie)
    tampered = join_entries([(name, flip(value, pos))])
    assert tampered != cookie
    assert_logged_out(server, browser_factory, standin, tampered)


TRUNCATIONS = [("last", lambda v: v[:-1]), ("last4", lambda v: v[:-4]),
               ("half", lambda v: v[:len(v) // 2]),
               ("head", lambda v: v[:16]), ("one", lambda v: v[:1]),
               ("empty", lambda v: ""),
               ("middle-cut", lambda v: v[:len(v) // 3] + v[2 * len(v) // 3:]),
               ("padded", lambda v: v + "=="),
               ("extended", lambda v: v + "AAAA"),
               ("standard-b64", lambda v: v.replace("-", "+").replace("_",
                                                                      "/"))]


@pytest.mark.parametrize("how", [t[1] for t in TRUNCATIONS],
                         ids=[t[0] for t in TRUNCATIONS])
def test_cut_or_padded_token_is_logged_out(server, sb, browser_factory,
                                           standin, how):
    cookie = logged_in_cookie(sb)
    (name, value), = entries(cookie)
    changed = how(value)
    if changed == value:
        pytest.skip("this token value has no character the case changes")
    assert_logged_out(server, browser_factory, standin,
                      join_entries([(name, changed)]))


def test_swapped_entries_are_logged_out(server, sb, browser_factory,
                                        standin):
    cookie, (tname, tvalue), (pname, pvalue) = both_entries(sb)
    assert_logged_in_with(server, browser_factory, cookie)
    # Each value under the other's name.
    assert_logged_out(server, browser_factory, standin,
                      join_entries([(tname, pvalue), (pname, tvalue)]))
    # The token under the pending name only.
    assert_logged_out(server, browser_factory, standin,
                      join_entries([(pname, tvalue)]))
    # The pending value under the token name only.
    assert_logged_out(server, browser_factory, standin,
                      join_entries([(tname, pvalue)]))


def test_deleted_parts_are_logged_out(server, sb, browser_factory, standin):
    cookie, (tname, tvalue), (pname, pvalue) = both_entries(sb)
    for tampered in (
            join_entries([(pname, pvalue)]),            # token deleted
            tname,                                       # name only
            tname + "=",                                 # empty value
            "=" + tvalue,                                # no name
            tvalue,                                      # value only
            join_entries([(tname, tvalue[:len(tvalue) // 2]),
                          (pname, pvalue)]),
            "",                                          # nothing
    ):
        assert_logged_out(server, browser_factory, standin, tampered)


@pytest.mark.parametrize("garbage", [
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    "%00%01%02%ff",
    "A" * 6000,
    base64.urlsafe_b64encode(os.urandom(300)).decode().rstrip("="),
    "AQ" + "A" * 60,
    "%zz%",
], ids=["punctuation", "control", "long", "random", "zeros", "bad-escape"])
def test_garbage_token_values_are_logged_out(server, sb, browser_factory,
                                             standin, garbage):
    cookie = logged_in_cookie(sb)
    (name, _), = entries(cookie)
    assert_logged_out(server, browser_factory, standin,
                      join_entries([(name, garbage)]))


def test_duplicated_entry_with_a_tampered_copy(server, sb, browser_factory,
                                               standin):
    cookie = logged_in_cookie(sb)
    (name, value), = entries(cookie)
    r = raw_get(server, browser_factory,
                join_entries([(name, value), (name, flip(value, 9))]))
    assert r.status_code in (200, 302), describe(r)
    r = raw_get(server, browser_factory,
                join_entries([(name, flip(value, 9)), (name, value)]))
    assert r.status_code in (200, 302), describe(r)


def test_tampered_pending_login_is_start_again(server, sb, browser_factory,
                                               standin):
    flow = sb.start_login("/app/env.cgi?t=1")
    (pname, pvalue), = entries(sb.cookie("session"))
    for tampered in (flip(pvalue, 3), flip(pvalue, -1), pvalue[:-6], ""):
        b = browser_factory(server)
        r = b.get(flow.callback_url, headers={
            "Cookie": "session=" + join_entries([(pname, tampered)]),
            "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 400, describe(r)
        assert "text/html" in r.headers.get("Content-Type", "")
    assert standin.requests_for("token") == []
    # The untouched one still completes.
    sb.finish_login(flow)
    assert_redirect_to(flow.callback, server, "/app/env.cgi?t=1")


def test_tampering_never_logs_a_server_error(server, sb, browser_factory,
                                             standin):
    mark = server.error_log_mark()
    cookie, (tname, tvalue), (pname, pvalue) = both_entries(sb)
    for pos in (0, 5, 30, -1):
        raw_get(server, browser_factory,
                join_entries([(tname, flip(tvalue, pos)), (pname, pvalue)]))
        raw_get(server, browser_factory,
                join_entries([(tname, tvalue), (pname, flip(pvalue, pos))]))
    log = server.error_log_since(mark)
    bad = [ln for ln in log.splitlines()
           if re.search(r":(error|crit|alert|emerg)\]", ln)
           and "threads_oauth" in ln]
    assert bad == [], "\n".join(bad)


# ---------------------------------------------------------------------------
# Servers sharing (or not) the key
# ---------------------------------------------------------------------------

# Key material of 32 characters or more, as ThreadsSessionKey needs.
SHARED_KEY = "shared-session-key-77-0123456789abcdef"
OLD_KEY = "session-key-old-1f2e3d-0123456789abcdef"
NEW_KEY = "session-key-new-4c5b6a-0123456789abcdef"


def generated_key_file(h):
    return os.path.join(h.dir, "run", KEY_FILE)


def test_servers_with_the_same_session_key_share_sessions(httpd_factory,
                                                          browser_factory,
                                                          standin):
    a = httpd_factory(name="a", directives={"ThreadsSessionKey": SHARED_KEY})
    b = httpd_factory(name="b", directives={"ThreadsSessionKey": SHARED_KEY})
    cookie = logged_in_cookie(browser_factory(a))
    token, = standin.issued_tokens("short")
    env = assert_logged_in_with(b, browser_factory, cookie, token)
    assert env["THREADS_SCOPE"] == "threads_basic"
    # A login started on A finishes on B.
    ba = browser_factory(a)
    flow = ba.start_login("/app/env.cgi?from=a")
    pending = ba.cookie("session")
    bb = browser_factory(b)
    r = bb.get(flow.callback_url, headers={"Cookie": "session=" + pending,
                                           "Sec-Fetch-Site": "cross-site"})
    assert_redirect_to(r, b, "/app/env.cgi?from=a")
    # With a key of their own, neither server makes a key file.
    assert not os.path.exists(generated_key_file(a))
    assert not os.path.exists(generated_key_file(b))


def test_generated_key_is_kept_in_the_runtime_dir(httpd_factory):
    h = httpd_factory()
    path = generated_key_file(h)
    st = os.stat(path)
    assert oct(st.st_mode & 0o777) == oct(0o600), oct(st.st_mode)
    assert st.st_uid == os.geteuid()
    with open(path) as f:
        text = f.read()
    assert re.fullmatch(r"[0-9A-F]{64}\n", text), repr(text)
    notes = h.error_log_lines(r"THREADS00207")
    assert len(notes) == 1, h.error_log_tail(30)
    assert path in notes[0] and "not shared with other servers" in notes[0]
    assert "notice" in notes[0]
    # A new key was made: the log says so, once.
    assert len(h.error_log_lines(r"THREADS00214")) == 1


def test_servers_with_generated_keys_do_not_share(httpd_factory,
                                                  browser_factory, standin):
    a = httpd_factory(name="a")
    b = httpd_factory(name="b")
    assert key_material(a) != key_material(b)
    cookie = logged_in_cookie(browser_factory(a))
    assert_logged_in_with(a, browser_factory, cookie)
    assert_logged_out(b, browser_factory, standin, cookie)


def test_generated_key_survives_a_restart(httpd_factory, browser_factory,
                                          standin):
    h = httpd_factory()
    key = key_material(h)
    cookie = logged_in_cookie(browser_factory(h))
    token = standin.issued_tokens("short")[-1]
    h.restart()
    assert key_material(h) == key
    assert_logged_in_with(h, browser_factory, cookie, token)
    assert len(h.error_log_lines(r"THREADS00214")) == 1
    # Without the file (a reboot that cleared the folder) a new key is
    # made, and what the old one sealed counts as logged out.
    os.unlink(generated_key_file(h))
    h.restart()
    assert key_material(h) != key
    assert len(h.error_log_lines(r"THREADS00214")) == 2
    assert_logged_out(h, browser_factory, standin, cookie)


@needs_crypto
def test_the_app_secret_cannot_forge_a_session(httpd_factory,
                                               browser_factory, standin):
    """Meta and every App Dashboard user know the app secret: a record
    sealed under keys derived from it, for any user, lets nobody in."""
    h = httpd_factory()
    b = browser_factory(h)
    b.login("/app/env.cgi")
    rec = token_record(b)
    rec["u"] = "17841400000000001"
    forged = []
    # This version's derivation, with the app secret as key material.
    forged.append(seal(TOKEN_ENTRY, record_text(rec), APP_SECRET))
    # The derivation of earlier versions (app secret, "session seal v1").
    nonce = os.urandom(12)
    old_key = HKDF(algorithm=hashes.SHA256(), length=32,
                   salt=b"mod_threads_oauth",
                   info=b"session seal v1").derive(APP_SECRET.encode())
    ct = AESGCM(old_key).encrypt(nonce, record_text(rec).encode(),
                                 TOKEN_ENTRY.encode())
    forged.append(base64.urlsafe_b64encode(b"\x01" + nonce + ct).rstrip(
        b"=").decode())
    calls = len(standin.requests)
    for sealed in forged:
        cookie = session_text({TOKEN_ENTRY: sealed})
        assert_logged_out(h, browser_factory, standin, cookie)
    # Nothing of it reached Threads.
    assert [r.path for r in standin.requests[calls:]] == []


def test_value_sealed_for_another_app_does_not_open(httpd_factory,
                                                    browser_factory,
                                                    standin):
    a = httpd_factory(name="a", directives={"ThreadsSessionKey": SHARED_KEY})
    b = httpd_factory(name="b", directives={"ThreadsSessionKey": SHARED_KEY,
                                            "ThreadsAppId": "1234567890"})
    cookie = logged_in_cookie(browser_factory(a))
    assert_logged_in_with(a, browser_factory, cookie)
    assert_logged_out(b, browser_factory, standin, cookie)


@pytest.mark.parametrize("value", [
    "short-key-31-characters-long-xx",
    NEW_KEY + " short-old-key",
])
def test_session_key_shorter_than_32_bytes_is_refused(configtest, value):
    assert len(value.split()[-1]) < 32
    rc, out = configtest(directives={"ThreadsSessionKey": value})
    assert rc != 0, out
    assert "ThreadsSessionKey" in out and "at least 32 bytes" in out, out


def test_session_key_file_shorter_than_32_bytes_is_refused(configtest,
                                                           filedir):
    short = os.path.join(filedir, "short.key")
    with open(short, "w") as f:
        f.write("x" * 31 + "\n")
    rc, out = configtest(directives={"ThreadsSessionKey": "file:" + short})
    assert rc != 0, out
    assert "ThreadsSessionKey" in out and "at least 32 bytes" in out, out
    good = os.path.join(filedir, "good.key")
    with open(good, "w") as f:
        f.write("x" * 32 + "\n")
    rc, out = configtest(directives={"ThreadsSessionKey": "file:" + good})
    assert rc == 0, out


def test_session_key_from_a_file_is_used(httpd_factory, browser_factory,
                                         standin, filedir):
    path = os.path.join(filedir, "session.key")
    with open(path, "w") as f:
        f.write(SHARED_KEY + "\n")
    a = httpd_factory(name="a", directives={"ThreadsSessionKey": "file:" + path})
    b = httpd_factory(name="b", directives={"ThreadsSessionKey": SHARED_KEY})
    cookie = logged_in_cookie(browser_factory(a))
    assert_logged_in_with(b, browser_factory, cookie)


@pytest.mark.parametrize("content,mode,logno", [
    ("A" * 64 + "\n", 0o644, "THREADS00209"),
    ("not a key\n", 0o600, "THREADS00211"),
    ("A" * 63 + "\n", 0o600, "THREADS00211"),
], ids=["readable_by_others", "garbage", "short"])
def test_unusable_key_file_stops_the_start(httpd_factory, content, mode,
                                           logno):
    h = httpd_factory(start=False)
    path = generated_key_file(h)
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, mode)
    with pytest.raises(HttpdError):
        h.start()
    log = h.read_stderr() + h.error_log()
    assert logno in log and path in log, log
    # The file is left as it was: the sysadmin decides.
    with open(path) as f:
        assert f.read() == content


def test_session_key_rotation(httpd_factory, browser_factory, standin):
    old = httpd_factory(name="old", directives={"ThreadsSessionKey": OLD_KEY})
    both = httpd_factory(name="both", directives={
        "ThreadsSessionKey": NEW_KEY + " " + OLD_KEY})
    new = httpd_factory(name="new", directives={"ThreadsSessionKey": NEW_KEY})
    generated = httpd_factory(name="generated")

    sealed_old = logged_in_cookie(browser_factory(old))
    token_old = standin.issued_tokens("short")[-1]
    # The older key still opens...
    assert_logged_in_with(both, browser_factory, sealed_old, token_old)
    # ...but not where it is no longer listed, nor with a generated key.
    assert_logged_out(new, browser_factory, standin, sealed_old)
    assert_logged_out(generated, browser_factory, standin, sealed_old)

    # What the rotated server writes is sealed with the new key.
    sealed_new = logged_in_cookie(browser_factory(both))
    token_new = standin.issued_tokens("short")[-1]
    assert_logged_in_with(new, browser_factory, sealed_new, token_new)
    assert_logged_in_with(both, browser_factory, sealed_new, token_new)
    assert_logged_out(old, browser_factory, standin, sealed_new)


def test_session_key_is_apart_from_the_app_secret(httpd_factory,
                                                  browser_factory, standin):
    # Two servers with different app secrets but the same session key
    # share sessions.
    a = httpd_factory(name="a", directives={"ThreadsSessionKey": SHARED_KEY})
    b = httpd_factory(name="b", directives={
        "ThreadsSessionKey": SHARED_KEY,
        "ThreadsAppSecret": "b-has-another-app-secret"})
    cookie = logged_in_cookie(browser_factory(a))
    assert_logged_in_with(b, browser_factory, cookie)


# ---------------------------------------------------------------------------
# A fresh nonce per write
# ---------------------------------------------------------------------------

def same_positions(a, b):
    return sum(1 for x, y in zip(a, b) if x == y)


def test_fresh_nonce_for_every_write(server, browser_factory, standin):
    # Threads answers both logins with the same token: the sealed
    # plaintexts are (nearly) the same, the sealed values must not be.
    fixed = "THQVJ" + "f1xedT0ken" * 15
    standin.set_fault("token", "custom", body=json.dumps(
        {"access_token": fixed, "user_id": int(USER_ID)}))
    b1, b2 = browser_factory(server), browser_factory(server)
    f1, f2 = b1.start_login(), b2.start_login()
    b1.finish_login(f1)
    b2.finish_login(f2)
    values = []
    for b in (b1, b2):
        (name, value), = entries(b.cookie("session"))
        assert_logged_in_with(server, browser_factory,
                              b.cookie("session"), fixed)
        values.append(value)
    # The same browser logging in again writes yet another value.
    f3 = b1.start_login(CALLBACK_PATH + "?login=/app/env.cgi")
    b1.finish_login(f3)
    (name, value), = entries(b1.cookie("session"))
    values.append(value)
    assert len(set(values)) == 3, values
    raw = [base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)) for v in values]
    for i in range(3):
        for j in range(i + 1, 3):
            n = min(len(raw[i]), len(raw[j]))
            same = same_positions(raw[i], raw[j])
            # Reused nonces would leave almost every byte equal; fresh
            # ones about 1 in 256 (and a version byte or so).
            assert same < n // 8, (same, n, values[i], values[j])


# ---------------------------------------------------------------------------
# The cookie budget (contract 3)
# ---------------------------------------------------------------------------

def long_path(i, size=2000):
    head = "/app/env.cgi?tab=%02d&pad=" % i
    return head + "p" * (size - len(head))


def assert_cookie_fits(resp):
    for sc in set_cookie_headers(resp):
        value = session_value(sc)
        if value is not None:
            assert len("session=" + value) < COOKIE_LIMIT, len(value)
            assert len(sc) < COOKIE_LIMIT, len(sc)


def test_twelve_tabs_with_long_return_urls_stay_under_4096(server, sb,
                                                           standin):
    flows = []
    for i in range(12):
        flow = sb.start_login(long_path(i))
        assert_cookie_fits(flow.start)
        flows.append(flow)
    # The newest completes and returns to its URL.
    sb.finish_login(flows[-1])
    assert_redirect_to(flows[-1].callback, server, long_path(11))
    assert flows[-1].final.status_code == 200
    assert_cookie_fits(flows[-1].callback)
    # Dropped ones ask to start again (or, now logged in, go home).
    r = sb.get(flows[0].callback_url)
    assert r.status_code in (302, 400), describe(r)
    if r.status_code == 302:
        assert_redirect_to(r, server, "/")


def test_twelve_long_logins_while_logged_in_stay_under_4096(server, sb,
                                                            standin):
    logged_in_cookie(sb)
    flows = []
    for i in range(12):
        url = CALLBACK_PATH + "?" + urllib.parse.urlencode(
            {"login": long_path(i)})
        flow = sb.start_login(url)
        assert_cookie_fits(flow.start)
        flows.append(flow)
        # Still logged in all along.
        r = sb.get("/app/env.cgi", navigate=False,
                   headers={"X-Requested-With": "XMLHttpRequest"})
        assert r.status_code == 200, describe(r)
    sb.finish_login(flows[-1])
    assert_redirect_to(flows[-1].callback, server, long_path(11))
    assert_cookie_fits(flows[-1].callback)


def test_return_url_over_2048_bytes_returns_home(server, sb, standin):
    path = long_path(1, size=2100)
    flow = sb.login(path)
    assert_redirect_to(flow.callback, server, "/")
    assert_cookie_fits(flow.start)
    assert_cookie_fits(flow.callback)


def test_login_link_over_2048_bytes_returns_home(server, sb, standin):
    # ?login= starts a login "as in 3": the long URL is not kept.
    url = CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"login": long_path(2, size=2100)})
    r = sb.get(url)
    assert r.status_code == 302, describe(r)
    flow = sb.login(url)
    assert_redirect_to(flow.callback, server, "/")


@pytest.mark.parametrize("order", [
    [5, 0, 7, 2, 6, 1, 4, 3], [7, 6, 5, 4, 3, 2, 1, 0],
], ids=["shuffled", "newest-first"])
def test_eight_tabs_complete_in_any_order(server, sb, standin, order):
    paths = ["/app/env.cgi?tab=%d" % i for i in range(8)]
    flows = [sb.start_login(p) for p in paths]
    for flow in flows:
        assert_cookie_fits(flow.start)
    for i in order:
        sb.finish_login(flows[i])
        assert_redirect_to(flows[i].callback, server, paths[i])
        env = json.loads(flows[i].final.text)
        assert env["QUERY_STRING"] == "tab=%d" % i
        assert_cookie_fits(flows[i].callback)
    assert len(standin.requests_for("token")) == 8
