"""One kept-alive connection, many requests (contract 5a, src/httpd/
token_cache.c): the module opens a connection's sealed token once and
keeps what it opened to, so every request here goes over one raw
connection and asserts that what each request sees is what its own cookie
says, as if nothing were kept: another user's cookie, a tampered one, none,
a revoked login, an expired token, a virtual host with another key.

A reverse proxy sends many users' requests over one connection to httpd:
the first test is that case."""

import http.client
import json
import time

import pytest

from harness import (CALLBACK_PATH, SHARED_SESSION_KEY, USER_ID,
                     with_store)
from harness.sealed import TOKEN_ENTRY, forge_token, needs_crypto

START = "/app/env.cgi"
OTHER_USER = "17841400000000999"
OTHER_KEY = "9f" * 32


class Connection:
    """One HTTP/1.1 connection to httpd that must stay open: every answer
    is read whole, and a request on a connection httpd closed fails the
    test instead of opening a new one."""

    def __init__(self, httpd):
        self.conn = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                               timeout=10)
        self.conn.connect()
        self.sock = self.conn.sock
        self.requests = 0

    def get(self, path, cookie=None, host=None):
        headers = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        if cookie is not None:
            headers["Cookie"] = "session=" + cookie
        if host is not None:
            headers["Host"] = host
        self.conn.request("GET", path, headers=headers)
        resp = self.conn.getresponse()
        body = resp.read()
        assert self.conn.sock is self.sock, "httpd closed the connection"
        self.requests += 1
        return resp.status, body

    def user(self, cookie, host=None):
        """The REMOTE_USER env.cgi saw for cookie, or None when the
        request was sent to log in (302) instead."""
        status, body = self.get(START, cookie, host)
        if status == 302:
            return None
        assert status == 200, (status, body[:300])
        return json.loads(body)["REMOTE_USER"]

    def close(self):
        self.conn.close()


@pytest.fixture
def connection_factory():
    made = []

    def make(httpd):
        c = Connection(httpd)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def login_cookie(browser_factory, httpd, standin, user_id):
    standin.user_id = user_id
    browser = browser_factory(httpd)
    browser.login(START)
    standin.user_id = USER_ID
    return browser


def tampered(cookie):
    """cookie with one character of its sealed token entry changed."""
    head, sep, rest = cookie.partition(TOKEN_ENTRY + "=")
    assert sep, cookie
    value, amp, tail = rest.partition("&")
    i = len(value) // 2
    value = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]
    return head + sep + value + amp + tail


def test_users_sharing_a_connection_each_see_their_own(
        shared_httpd, browser_factory, standin, connection_factory):
    h = shared_httpd
    one = login_cookie(browser_factory, h, standin, USER_ID).cookie()
    two = login_cookie(browser_factory, h, standin, OTHER_USER).cookie()
    bad = tampered(one)
    assert bad != one
    c = connection_factory(h)
    # Enough turns that the connection stops keeping entries (8 changes)
    # and goes on without one.
    for turn in range(12):
        assert c.user(one) == USER_ID, turn
        assert c.user(one) == USER_ID, turn
        # Right after the value it differs from by one character.
        assert c.user(bad) is None, turn
        assert c.user(two) == OTHER_USER, turn
        assert c.user(None) is None, turn
    assert c.requests == 60


@needs_crypto
def test_an_expired_token_ends_on_a_kept_connection(
        shared_httpd, browser_factory, standin, connection_factory):
    browser = login_cookie(browser_factory, shared_httpd, standin, USER_ID)
    expiry = int(time.time()) + 2
    forge_token(browser, e=expiry)
    cookie = browser.cookie()
    c = connection_factory(shared_httpd)
    assert c.user(cookie) == USER_ID
    while time.time() < expiry + 1:
        time.sleep(0.1)
    assert c.user(cookie) is None


def test_a_logout_elsewhere_ends_the_login_on_a_kept_connection(
        httpd_factory, browser_factory, standin, connection_factory):
    h = httpd_factory(**with_store("shmcb"))
    browser = login_cookie(browser_factory, h, standin, USER_ID)
    cookie = browser.cookie()
    c = connection_factory(h)
    assert c.user(cookie) == USER_ID
    assert c.user(cookie) == USER_ID
    assert browser.get(CALLBACK_PATH + "?logout=/").status_code == 302
    assert c.user(cookie) is None


def test_a_virtual_host_with_another_key_on_the_same_connection(
        httpd_factory, browser_factory, standin, connection_factory):
    """The first virtual host answers the test's own host name; the
    second, another name on the same address, has its own key: the
    cookie the first opened must not open there, even right after."""
    h = httpd_factory(directives={"ThreadsSessionKey": SHARED_SESSION_KEY},
                      extra="\n".join([
                          "<VirtualHost *:*>",
                          "    ServerName first.test",
                          "</VirtualHost>",
                          "<VirtualHost *:*>",
                          "    ServerName second.test",
                          "    ThreadsSessionKey %s" % OTHER_KEY,
                          "</VirtualHost>"]))
    cookie = login_cookie(browser_factory, h, standin, USER_ID).cookie()
    c = connection_factory(h)
    for _ in range(3):
        assert c.user(cookie) == USER_ID
        assert c.user(cookie, host="second.test") is None
