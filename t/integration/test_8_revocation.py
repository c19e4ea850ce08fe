"""ThreadsRevocationCache on real stores (contract 8, README "What each
choice guarantees"): shmcb on one httpd, a real redis-server shared by two
httpd servers that open each other's cookies (one ThreadsSessionKey), and
no store at all, where the README says what is not guaranteed.

What the store holds is read from redis itself (harness.redis); shmcb
cannot be read from outside, so there the behaviour is what is asserted.
"""

import base64
import concurrent.futures
import glob
import os
import stat
import time
import urllib.parse

import pytest

from harness import (CALLBACK_PATH, SHARED_SESSION_KEY, USER_ID,
                     assert_module_json, assert_module_page,
                     assert_not_logged_in, assert_redirect_to, cgi_env,
                     describe, includes_in, with_store)
from harness.meta import post_meta
from harness.redis import (HEARTBEAT_KEY, is_claim_mark, redis_key,
                           revocation_record, state_key, user_key)
from harness.sealed import age_token, needs_crypto, token_record

START = "/app/env.cgi"
SHARED = {"ThreadsSessionKey": SHARED_SESSION_KEY}
LONG_LIVED = {"ThreadsLongLivedToken": "On"}
# The longest a token is kept (src/core/bounds.h): a revocation of every
# login of a user is kept as long.
TOKEN_LIFETIME_MAX = 61 * 86400
OTHER_USER = "17841400000000777"
PROBE_USER = "17841400000000555"
# One process, so that "once a minute per process" is once.
ONE_PROCESS = ["StartServers 1", "ServerLimit 1", "ThreadsPerChild 8",
               "MaxRequestWorkers 8", "MinSpareThreads 1",
               "MaxSpareThreads 8"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def servers(httpd_factory, spec, n=2, directives=None, **kw):
    """n servers with the store spec, one ThreadsSessionKey and
    directives on top."""
    conf = with_store(spec, dict(SHARED, **(directives or {})))
    return [httpd_factory(name="node%d" % (i + 1), **conf, **kw)
            for i in range(n)]


def due_for_refresh(browser, standin):
    """Forges browser's 60-day token as two days old, expiring in three
    (a refresh is due), and moves the stand-in's clock on to match.
    Returns the login's id."""
    login_id = age_token(browser, 2 * 86400, 3 * 86400)["j"]
    standin.time_offset = 2 * 86400
    return login_id


def copy_of(browser_factory, browser, httpd):
    """A browser for httpd holding a copy of browser's session cookie."""
    copy = browser_factory(httpd)
    copy.set_cookie(browser.cookie())
    return copy


def logged_in(browser, user_id=USER_ID):
    """Asserts the app sees browser's login; returns the CGI environment."""
    env = cgi_env(browser.get(START))
    assert env["REMOTE_USER"] == user_id
    assert env["THREADS_USER_ID"] == user_id
    assert env["AUTH_TYPE"] == "Threads"
    return env


def log_lines(httpd, mark, logno):
    return [ln for ln in httpd.error_log_since(mark).splitlines()
            if logno + ":" in ln]


def wait_past(second):
    """Sleeps until the clock is past the Unix second: a revocation ends
    the logins made at or before its second."""
    while time.time() < second + 1:
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# ?logout= on two servers sharing redis
# ---------------------------------------------------------------------------

@needs_crypto
def test_logout_ends_every_copy_of_that_login_on_every_server(
        httpd_factory, browser_factory, standin, redis):
    a, b = servers(httpd_factory, redis.spec)
    one = browser_factory(a)
    one.login(START)
    login = token_record(one)
    assert len(login.get("j", "")) >= 22, login
    copy = copy_of(browser_factory, one, b)
    token = logged_in(copy)["THREADS_ACCESS_TOKEN"]
    other = browser_factory(b)
    other.login(START)
    assert redis.entry(user_key(USER_ID)) is None

    r = one.get(CALLBACK_PATH + "?logout=/")
    assert_redirect_to(r, a, "/")
    assert_not_logged_in(one, standin)
    # The copy taken before the logout is logged out on the other server,
    # and on this one.
    assert_not_logged_in(copy, standin)
    assert_not_logged_in(copy_of(browser_factory, copy, a), standin)
    # Another login of the same user goes on.
    logged_in(other)
    assert logged_in(other)["THREADS_ACCESS_TOKEN"] != token

    value = redis.entry(user_key(USER_ID))
    assert value is not None, redis.entries()
    assert revocation_record(value) == {
        "before": 0, "before_until": 0,
        "logins": {login["j"]: int(login["e"])}}
    # Kept until the login's token would have expired.
    left = int(login["e"]) - time.time()
    assert left - 10 <= redis.entry_ttl(user_key(USER_ID)) <= left + 1
    assert b.error_log_lines(r"THREADS00222.*revoked")


@needs_crypto
def test_a_logout_outlasts_a_copy_refreshed_before_it(
        httpd_factory, browser_factory, standin, redis):
    """A copy of a 60-day login refreshed on the other server holds a token
    that outlives the one that logs out: the revocation is kept as long as
    any copy of the login could live, not only as long as the logged-out
    token."""
    a, b = servers(httpd_factory, redis.spec, directives=LONG_LIVED)
    one = browser_factory(a)
    one.login(START)
    login_id = due_for_refresh(one, standin)
    copy = copy_of(browser_factory, one, b)
    logged_in(copy)
    assert len(standin.requests_for("refresh")) == 1
    refreshed = token_record(copy)
    assert refreshed["j"] == login_id
    assert int(refreshed["e"]) > time.time() + 50 * 86400, refreshed["e"]

    # The original, whose token ends in three days, logs out.
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), a, "/")
    record = revocation_record(redis.entry(user_key(USER_ID)))
    assert set(record["logins"]) == {login_id}, record
    kept = record["logins"][login_id]
    assert kept >= int(refreshed["e"]), (kept, refreshed["e"])
    assert redis.entry_ttl(user_key(USER_ID)) >= \
        int(refreshed["e"]) - time.time() - 10
    assert_not_logged_in(copy, standin)


def test_a_record_written_before_values_carried_their_expiry_holds(
        httpd_factory, browser_factory, standin, redis):
    """A store kept from an earlier version holds records without the
    "<expiry>:" in front: they are read as they are (here: every login of
    the user revoked), and a logout rewrites them in today's form."""
    h, = servers(httpd_factory, redis.spec, n=1)
    one = browser_factory(h)
    one.login(START)
    logged_in(one)
    now = int(time.time())
    redis.command("SET", redis_key(user_key(USER_ID)),
                  "1 %d %d" % (now + 1, now + 86400), "EX", 86400)
    assert_not_logged_in(one, standin)
    assert not h.error_log_lines(r"THREADS00221"), h.error_log_tail(10)
    wait_past(now + 1)
    two = browser_factory(h)
    two.login(START)
    assert_redirect_to(two.get(CALLBACK_PATH + "?logout=/"), h, "/")
    assert redis.entry_expiry(user_key(USER_ID)) is not None


@needs_crypto
def test_two_logouts_on_two_servers_at_once_both_hold(
        httpd_factory, browser_factory, standin, redis):
    """Two logins of one user log out on the two servers at the same
    moment; writes to redis are held back a moment (CLIENT PAUSE WRITE;
    reads go on), as a busy store would."""
    nodes = servers(httpd_factory, redis.spec)
    logins, copies = [], []
    for h in nodes:
        browser = browser_factory(h)
        browser.login(START)
        logins.append(browser)
        copies.append(copy_of(browser_factory, browser, h))
    ids = {token_record(browser)["j"] for browser in logins}
    redis.command("CLIENT", "PAUSE", "1500", "WRITE")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(
            lambda browser: browser.get(CALLBACK_PATH + "?logout=/"),
            logins))
    assert [r.status_code for r in answers] == [302, 302]
    record = revocation_record(redis.entry(user_key(USER_ID)))
    assert set(record["logins"]) == ids, record
    for copy in copies:
        assert_not_logged_in(copy, standin)


def test_logout_everywhere_ends_every_login_of_the_user(
        httpd_factory, browser_factory, standin, redis):
    a, b = servers(httpd_factory, redis.spec)
    one = browser_factory(a)
    one.login(START)
    copy = copy_of(browser_factory, one, b)
    two = browser_factory(b)
    two.login(START)
    standin.user_id = OTHER_USER
    stranger = browser_factory(b)
    stranger.login(START)
    standin.user_id = USER_ID

    t0 = int(time.time())
    r = one.get(CALLBACK_PATH + "?logout=/app/&everywhere=1")
    t1 = int(time.time())
    assert_redirect_to(r, a, "/app/")
    for browser in (one, copy, two):
        assert_not_logged_in(browser, standin)
    logged_in(stranger, OTHER_USER)

    record = revocation_record(redis.entry(user_key(USER_ID)))
    assert t0 <= record["before"] <= t1, record
    assert record["before_until"] == record["before"] + TOKEN_LIFETIME_MAX
    assert record["logins"] == {}
    assert redis.entry(user_key(OTHER_USER)) is None

    # A login after the revocation's second is not covered by it.
    wait_past(record["before"])
    again = browser_factory(b)
    flow = again.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    logged_in(copy_of(browser_factory, again, a))


# ---------------------------------------------------------------------------
# Meta's callbacks on two servers sharing redis
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["deauthorize", "delete"])
def test_meta_callback_on_one_server_ends_the_sessions_on_the_other(
        httpd_factory, browser_factory, standin, redis, which):
    a, b = servers(httpd_factory, redis.spec)
    one = browser_factory(a)
    one.login(START)
    copy = copy_of(browser_factory, one, b)
    logged_in(copy)

    t0 = int(time.time())
    r = post_meta(b, which, standin.signed_request())
    t1 = int(time.time())
    data = assert_module_json(r, 200)
    assert_not_logged_in(one, standin)
    assert_not_logged_in(copy, standin)
    record = revocation_record(redis.entry(user_key(USER_ID)))
    assert t0 <= record["before"] <= t1, record
    assert record["logins"] == {}
    assert b.error_log_lines(r"THREADS00115.*user %s" % USER_ID)
    if which == "delete":
        # The status page opens on every server with the same key.
        code = urllib.parse.urlencode({"deletion":
                                       data["confirmation_code"]})
        page = assert_module_page(
            browser_factory(a).get(CALLBACK_PATH + "?" + code), 200)
        assert "Data deleted" in page


def test_a_refused_meta_callback_writes_nothing(httpd_factory,
                                                browser_factory, standin,
                                                redis):
    a, = servers(httpd_factory, redis.spec, n=1)
    one = browser_factory(a)
    flow = one.login(START)
    redis.reset_stats()
    for signed in (standin.signed_request(secret="not the secret"),
                   standin.signed_request(algorithm="HMAC-SHA1"),
                   standin.signed_request()[:-4]):
        for which in ("deauthorize", "delete"):
            assert_module_json(post_meta(a, which, signed), 400)
    assert redis.entries() == [state_key(flow.state)]
    assert redis.calls("set") + redis.calls("setex") == 0
    logged_in(one)
    # A lookup that found nothing proves the store is there with a write
    # of its own: one short-lived key, shared by every app.
    assert HEARTBEAT_KEY in redis.entries(heartbeat=True)
    assert 0 < redis.ttl(redis_key(HEARTBEAT_KEY)) <= 60


# ---------------------------------------------------------------------------
# A used state, claimed in the store
# ---------------------------------------------------------------------------

def callback_target(flow, code):
    """The callback of flow's state with another code."""
    return CALLBACK_PATH + "?" + urllib.parse.urlencode(
        {"code": code, "state": flow.state})


def test_a_used_state_is_refused_to_an_older_copy_on_the_other_server(
        httpd_factory, browser_factory, standin, redis):
    a, b = servers(httpd_factory, redis.spec)
    one = browser_factory(a)
    flow = one.start_login(START)
    older = copy_of(browser_factory, one, b)  # still lists the state
    one.finish_login(flow)
    assert flow.callback.status_code == 302, describe(flow.callback)
    assert is_claim_mark(redis.entry(state_key(flow.state)))
    assert 0 < redis.entry_ttl(state_key(flow.state)) <= 600
    # The key names the state by its fingerprint: mod_socache_redis logs
    # the keys it fails to write (AH03478), hex-encoded as stored.
    raw = b" ".join(redis.command("KEYS", "*"))
    assert flow.state.encode().hex().encode() not in raw, raw
    # The expiry the module wrote in front of the value is redis's own.
    assert abs(redis.entry_expiry(state_key(flow.state)) - time.time()
               - redis.entry_ttl(state_key(flow.state))) <= 2

    # A code Threads would accept for the other server: only the store can
    # tell that the state was used.
    code = standin.issue_code(b.redirect_uri)
    calls = len(standin.requests_for("token"))
    target = callback_target(flow, code)
    r = older.get(target, headers={"Sec-Fetch-Site": "cross-site"})
    page = assert_module_page(r, 400)
    assert "Sign-in expired" in page, page
    assert len(standin.requests_for("token")) == calls
    assert b.threads_error(target) == "invalid_state"
    assert_not_logged_in(older, standin)
    logged_in(one)


def test_a_state_brought_to_both_servers_at_once_is_used_once(
        httpd_factory, browser_factory, standin, redis):
    """Two copies of a cookie with the same pending state reach the two
    servers at the same moment; writes to redis are held back a moment
    (CLIENT PAUSE WRITE; reads go on), as a busy store would."""
    a, b = servers(httpd_factory, redis.spec)
    one = browser_factory(a)
    flow = one.start_login(START)
    copies = [copy_of(browser_factory, one, h) for h in (a, b)]
    targets = [callback_target(flow, standin.issue_code(h.redirect_uri))
               for h in (a, b)]
    redis.command("CLIENT", "PAUSE", "1500", "WRITE")

    def finish(i):
        return copies[i].get(targets[i],
                             headers={"Sec-Fetch-Site": "cross-site"})

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(finish, range(2)))
    assert is_claim_mark(redis.entry(state_key(flow.state)))
    assert sorted(r.status_code for r in answers) == [302, 400], [
        describe(r) for r in answers]
    assert len(standin.requests_for("token")) == 1


@pytest.mark.parametrize("store", ["shmcb", None], ids=["shmcb", "no_store"])
def test_a_used_state_and_an_older_copy_of_the_cookie(
        httpd_factory, browser_factory, standin, store):
    """With a store the older copy is refused; without one it can use
    the state once more: the limitation the README documents."""
    h = httpd_factory(**with_store(store))
    one = browser_factory(h)
    flow = one.start_login(START)
    older = copy_of(browser_factory, one, h)
    one.finish_login(flow)
    assert flow.callback.status_code == 302, describe(flow.callback)
    code = standin.issue_code(h.redirect_uri)
    calls = len(standin.requests_for("token"))
    r = older.get(callback_target(flow, code),
                  headers={"Sec-Fetch-Site": "cross-site"})
    if store:
        assert "Sign-in expired" in assert_module_page(r, 400)
        assert len(standin.requests_for("token")) == calls
        assert_not_logged_in(older, standin)
    else:
        assert_redirect_to(r, h, START)
        assert len(standin.requests_for("token")) == calls + 1
        logged_in(older)
    # The cookie that used the state cannot use it again, store or not:
    # with a fresh code it is sent home (it is logged in), no call made.
    calls = len(standin.requests_for("token"))
    r = one.get(callback_target(flow, standin.issue_code(h.redirect_uri)),
                headers={"Sec-Fetch-Site": "cross-site"})
    assert_redirect_to(r, h, "/")
    assert len(standin.requests_for("token")) == calls


# ---------------------------------------------------------------------------
# shmcb: one machine, every process
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_shmcb_revocations_reach_every_process(
        httpd_factory, browser_factory, standin, mpm):
    h = httpd_factory(mpm=mpm, **with_store("shmcb"))
    one = browser_factory(h)
    one.login(START)
    copy = copy_of(browser_factory, one, h)
    two = browser_factory(h)
    two.login(START)
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), h, "/")
    # New connections: other processes (prefork) and threads answer.
    for _ in range(3):
        copy.close()
        assert_not_logged_in(copy, standin)
        two.close()
        logged_in(two)
    assert_module_json(post_meta(h, "deauthorize",
                                 standin.signed_request()), 200)
    for _ in range(3):
        two.close()
        assert_not_logged_in(two, standin)


@needs_crypto
def test_a_revoked_login_is_not_refreshed(httpd_factory, browser_factory,
                                          standin):
    """A revoked session whose token is due makes no call to Threads."""
    h = httpd_factory(**with_store("shmcb", LONG_LIVED))
    one = browser_factory(h)
    one.login(START)
    due_for_refresh(one, standin)
    assert_module_json(post_meta(h, "deauthorize",
                                 standin.signed_request()), 200)
    assert_not_logged_in(one, standin)
    assert standin.requests_for("refresh") == []


@needs_crypto
def test_a_token_threads_calls_dead_ends_every_copy(httpd_factory,
                                                    browser_factory, standin,
                                                    redis):
    """Graph error 190 on a refresh logs that browser out and revokes the
    login: a copy on the other server, which the shared pace keeps from
    asking Threads itself, ends too instead of using the dead token."""
    a, b = servers(httpd_factory, redis.spec, directives=LONG_LIVED)
    one = browser_factory(a)
    one.login(START)
    login_id = due_for_refresh(one, standin)
    copy = copy_of(browser_factory, one, b)
    standin.set_fault("refresh", "reject", code=190, subcode=460)
    r = one.get(START)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?")
    record = revocation_record(redis.entry(user_key(USER_ID)))
    assert set(record["logins"]) == {login_id}, record
    assert_not_logged_in(copy, standin)
    assert len(standin.requests_for("refresh")) == 1


# ---------------------------------------------------------------------------
# Without a store: what the README says is not guaranteed
# ---------------------------------------------------------------------------

def test_without_a_store_copies_outlive_logout_and_meta(
        httpd_factory, browser_factory, standin):
    h = httpd_factory()
    assert h.error_log_lines(r"THREADS00034")
    one = browser_factory(h)
    one.login(START)
    copy = copy_of(browser_factory, one, h)
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), h, "/")
    assert_not_logged_in(one, standin)
    logged_in(copy)
    for which in ("deauthorize", "delete"):
        mark = h.error_log_mark()
        assert_module_json(post_meta(h, which, standin.signed_request()),
                           200)
        notice, = log_lines(h, mark, "THREADS00114")
        assert ":notice]" in notice and USER_ID in notice, notice
        logged_in(copy)
        # It still verifies what it answers.
        forged = standin.signed_request(secret="not the secret")
        assert_module_json(post_meta(h, which, forged), 400)


# ---------------------------------------------------------------------------
# redis failing, and back
# ---------------------------------------------------------------------------

def test_redis_down_keeps_users_served_and_meta_answers_503(
        httpd_factory, browser_factory, standin, redis):
    a, b = servers(httpd_factory, redis.spec, mpm_tuning=ONE_PROCESS)
    one = browser_factory(a)
    one.login(START)
    token = logged_in(one)["THREADS_ACCESS_TOKEN"]
    copy = copy_of(browser_factory, one, b)
    logged_in(copy)
    marks = [a.error_log_mark(), b.error_log_mark()]

    redis.stop()
    went_down = time.monotonic()
    for _ in range(4):
        for browser in (one, copy):
            env = logged_in(browser)
            assert env["THREADS_ACCESS_TOKEN"] == token
            assert env["THREADS_TOKEN_TYPE"] == "short"
    for which in ("deauthorize", "delete"):
        r = post_meta(a, which, standin.signed_request())
        data = assert_module_json(r, 503)
        assert r.headers.get("Retry-After", "").isdigit(), describe(r)
        assert "confirmation_code" not in data and "url" not in data
    # Logins go on (the state is still consumed in the cookie), and a
    # logout clears the browser's cookie though the store cannot say so.
    standin.user_id = OTHER_USER
    late = browser_factory(b)
    flow = late.login(START)
    assert flow.final.status_code == 200, describe(flow.final)
    late_copy = copy_of(browser_factory, late, b)
    assert_redirect_to(late.get(CALLBACK_PATH + "?logout=/"), b, "/")
    assert_not_logged_in(late, standin)
    logged_in(late_copy, OTHER_USER)
    standin.user_id = USER_ID
    assert log_lines(b, marks[1], "THREADS00112")
    for h, mark in zip((a, b), marks):
        failed = log_lines(h, mark, "THREADS00221")
        assert len(failed) == 1, h.error_log_since(mark)
        assert ":error]" in failed[0] and "redis:" in failed[0]
    assert len(log_lines(a, marks[0], "THREADS00223")) == 2
    # The provider's own error lines (mod_socache_redis, AH034xx): each
    # failure backs the process off the store for a few seconds (lookups,
    # state claims), so a dead store is not tried, and logged, per
    # request; only the revocations (a's two Meta callbacks, b's logout)
    # are each tried.
    down = time.monotonic() - went_down
    for h, mark, revocations in ((a, marks[0], 2), (b, marks[1], 1)):
        provider = [ln for ln in h.error_log_since(mark).splitlines()
                    if "[socache_redis:" in ln]
        assert 1 <= len(provider) <= 2 + revocations + down / 5, (
            "\n".join(provider))

    redis.start()
    # Each server tries the store again after its few seconds of backing
    # off (and apr_redis a server it found dead after a few more).
    def answered(h, user_id):
        deadline = time.monotonic() + 20
        while True:
            r = post_meta(h, "deauthorize",
                          standin.signed_request(user_id=user_id))
            if r.status_code == 200 or time.monotonic() > deadline:
                return r
            assert_module_json(r, 503)
            time.sleep(0.25)

    assert_module_json(answered(b, PROBE_USER), 200)
    # The refused callbacks claimed nothing: the user is still logged in.
    logged_in(one)
    logged_in(copy)
    assert redis.entries() == [user_key(PROBE_USER)]
    # Revocations work again.
    assert_module_json(answered(a, USER_ID), 200)
    assert_not_logged_in(one, standin)
    assert_not_logged_in(copy, standin)


@needs_crypto
def test_memcache_keeps_revocations_of_60_day_logins(
        httpd_factory, browser_factory, standin, memcached):
    """A revocation is kept for weeks (a logged-out 60-day login, every
    login of a user); memcached reads a time to live over 30 days as a
    Unix time, which would put the entry in 1970, gone at once, while the
    logout and Meta's callback answered as done. The module keeps
    memcache entries 30 days at most: they hold."""
    a, b = servers(httpd_factory, memcached.spec,
                   directives=LONG_LIVED)
    one = browser_factory(a)
    one.login(START)
    assert token_record(one)["k"] == "l"
    copy = copy_of(browser_factory, one, b)
    logged_in(copy)
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), a, "/")
    assert_not_logged_in(copy, standin)

    standin.user_id = OTHER_USER
    two = browser_factory(b)
    two.login(START)
    two_copy = copy_of(browser_factory, two, a)
    assert_module_json(post_meta(b, "deauthorize", standin.signed_request(
        user_id=OTHER_USER)), 200)
    assert_not_logged_in(two_copy, standin)
    standin.user_id = USER_ID


def test_one_store_lookup_per_request(httpd_factory, browser_factory,
                                      standin, redis):
    """The hot path reads the user's record once per request, whatever
    the request causes (an SSI include, a DirectoryIndex), and not at all
    without a login."""
    h, = servers(httpd_factory, redis.spec, n=1, start=False)
    h.extra = includes_in(h.docroot + "/pub")
    h.start()
    one = browser_factory(h)
    one.login(START)
    redis.reset_stats()
    for path, shows in ((START, USER_ID), ("/app/include.shtml", USER_ID),
                        ("/pub/include.shtml", USER_ID),
                        ("/app/", "Members' area")):
        r = one.get(path)
        assert r.status_code == 200 and shows in r.text, describe(r)
    assert redis.calls("get") == 4
    anonymous = browser_factory(h)
    r = anonymous.get("/pub/include.shtml")
    assert r.status_code == 200 and "THREADS_" not in r.text, describe(r)
    assert anonymous.get(START).status_code == 302
    assert redis.calls("get") == 4


# ---------------------------------------------------------------------------
# Restarts, and what starts at all
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("store", ["redis", "shmcb"])
def test_a_logout_outlasts_a_graceful_restart(
        httpd_factory, browser_factory, standin, request, store):
    """redis keeps its entries itself; shmcb lives in httpd's shared
    memory, and the module carries its entries over the restart (the
    README says so)."""
    spec = request.getfixturevalue("redis").spec if store == "redis" \
        else store
    h, = servers(httpd_factory, spec, n=1)
    one = browser_factory(h)
    one.login(START)
    copy = copy_of(browser_factory, one, h)
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), h, "/")
    assert_not_logged_in(copy, standin)
    copy.close()
    h.graceful()
    assert_not_logged_in(copy, standin)


def test_shmcb_entries_wait_over_a_stop_in_a_file_only_root_reads(
        httpd_factory, browser_factory, standin):
    """A stop writes the live entries to DefaultRuntimeDir (mode 0600:
    key and value in base64url, no token among them); the next start puts
    them back, says how many, and removes the file. The revocation holds:
    also a store whose lookups skip keys it never held must know the keys
    it was given back."""
    h, = servers(httpd_factory, "shmcb", n=1)
    one = browser_factory(h)
    one.login(START)
    token = logged_in(one)["THREADS_ACCESS_TOKEN"]
    copy = copy_of(browser_factory, one, h)
    assert_redirect_to(one.get(CALLBACK_PATH + "?logout=/"), h, "/")
    assert_not_logged_in(copy, standin)
    copy.close()
    h.stop()
    h.assert_stopped_cleanly()
    run = os.path.join(h.dir, "run")
    kept, = glob.glob(os.path.join(run, "threads_oauth_store_*.dat"))
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    keys = []
    with open(kept) as f:
        for line in f:
            key, value = [base64.urlsafe_b64decode(part + "=" * (-len(part)
                                                                 % 4))
                          for part in line.split()]
            assert token.encode() not in value
            keys.append(key.decode())
    assert user_key(USER_ID) in keys, keys
    mark = h.error_log_mark()
    h.start()
    assert not os.path.exists(kept)
    back, = log_lines(h, mark, "THREADS00229")
    assert "%d entries kept over the restart" % len(keys) in back
    assert_not_logged_in(copy, standin)


@pytest.mark.parametrize("spec", ["nosuch", "redis:127.0.0.1:6379"],
                         ids=["unknown_provider", "provider_not_loaded"])
def test_a_store_whose_provider_is_not_loaded_is_a_startup_error(
        configtest, spec):
    rc, out = configtest(extra="ThreadsRevocationCache %s" % spec)
    assert rc != 0, out
    line, = [ln for ln in out.splitlines() if "THREADS00033" in ln]
    assert "ThreadsRevocationCache" in line and spec.split(":")[0] in line
