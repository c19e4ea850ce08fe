"""The headers of every answer the module writes (contract 3 and 4): once
each, Cache-Control: no-store, Pragma: no-cache and Referrer-Policy:
no-referrer (the callback's URL holds the code and the state: no Referer
may carry it to a favicon, a stylesheet, another site or a log), and one
Set-Cookie for the session, also where mod_session_cookie would write two.

The site sets its own Referrer-Policy and Cache-Control for everything,
as hardening guides advise: the module's answers must still say theirs,
alone. A browser's view of the same (the favicon's Referer) is in
test_browser.py."""

import os
import urllib.parse

import pytest

from harness import CALLBACK_PATH, assert_module_headers, describe

HTTP_TIMEOUT = 1  # ThreadsHttpTimeout of the server
START = "/app/env.cgi"
XHR = {"X-Requested-With": "XMLHttpRequest"}
# What a site may set for all its answers (mod_headers; "always" covers
# error answers too).
SITE_HEADERS = [
    'Header always set Referrer-Policy "strict-origin-when-cross-origin"',
    'Header set Cache-Control "public, max-age=600"',
]


def shared_config(h):
    return "\n".join(SITE_HEADERS + [
        "ThreadsHttpTimeout %d" % HTTP_TIMEOUT,
    ])


@pytest.fixture
def server(shared_httpd):
    return shared_httpd


def callback(b, **params):
    return b.get(CALLBACK_PATH + "?" + urllib.parse.urlencode(params))


def failed_login(b, standin, kind, **params):
    """A login whose code exchange meets the stand-in's fault kind: the
    callback's answer."""
    standin.set_fault("token", kind, **params)
    flow = b.finish_login(b.start_login(START), follow_final=False)
    return flow.callback


def cancelled(b, standin):
    standin.auto_decision = "cancel"
    return b.finish_login(b.start_login(START), follow_final=False).callback


def stale_with_a_login_pending(b):
    b.start_login(START)
    return callback(b, code="AQBstale", state="s" * 32)


def logged_in(b):
    b.login(START)
    return b


# Each answer of the module: (how to get it, its status, how many
# Set-Cookie lines for the session it carries). A stale state changes
# nothing in the session, so nothing is written; every login started or
# ended (a state consumed), and the logout, writes the session once.
ANSWERS = {
    "login-start": (lambda b, s: b.get(START), 302, 1),
    "login-start-head": (lambda b, s: b.head("/app/page.html"), 302, 1),
    "login-link": (lambda b, s: b.get(CALLBACK_PATH + "?login=/app/"),
                   302, 1),
    "401-json": (lambda b, s: b.get(START, navigate=False, headers=XHR),
                 401, 0),
    "callback": (lambda b, s: b.login(START).callback, 302, 1),
    "callback-replayed": (lambda b, s: b.get(b.login(START).callback_url),
                          302, 0),
    "info-json": (lambda b, s: logged_in(b).get(CALLBACK_PATH
                                                + "?info=json"), 200, 0),
    "info-json-401": (lambda b, s: b.get(CALLBACK_PATH + "?info=json"),
                      401, 0),
    "logout": (lambda b, s: logged_in(b).get(CALLBACK_PATH + "?logout=/"),
               302, 1),
    "cancelled": (cancelled, 403, 1),
    "threads-error": (lambda b, s: callback(
        b, error="server_error", state=b.start_login(START).state), 400, 1),
    "stale-state": (lambda b, s: callback(b, code="AQBstale",
                                          state="s" * 32), 400, 0),
    "stale-state-pending": (lambda b, s: stale_with_a_login_pending(b),
                            400, 0),
    "code-refused": (lambda b, s: failed_login(b, s, "reject", count=1),
                     403, 1),
    "threads-down": (lambda b, s: failed_login(b, s, "reset", count=2),
                     502, 1),
    "threads-garbage": (lambda b, s: failed_login(b, s, "garbage", count=1),
                        502, 1),
    "threads-timeout": (lambda b, s: failed_login(
        b, s, "slow", count=1, seconds=HTTP_TIMEOUT + 2), 504, 1),
    "no-code-nor-error": (lambda b, s: b.get(CALLBACK_PATH + "?foo=bar"),
                          400, 0),
    "login-link-off-site": (lambda b, s: b.get(
        CALLBACK_PATH + "?login=//evil.example/"), 400, 0),
    "logout-off-site": (lambda b, s: b.get(
        CALLBACK_PATH + "?logout=https://evil.example/"), 400, 0),
    "post-405": (lambda b, s: b.post(CALLBACK_PATH, data={"code": "x"}),
                 405, 0),
}


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_answer_carries_each_header_once(server, browser_factory, standin,
                                         answer):
    get, status, cookies = ANSWERS[answer]
    resp = get(browser_factory(server), standin)
    assert resp.status_code == status, describe(resp)
    assert_module_headers(resp, session_cookies=cookies)


# The answers that write the session, on a site without headers of its
# own: mod_session adds its own Cache-Control and a second Set-Cookie
# there, which the site's headers above would hide.
PLAIN_SITE = ("logout", "cancelled", "code-refused", "threads-down",
              "login-start")


@pytest.mark.parametrize("answer", PLAIN_SITE)
def test_plain_site_answer_carries_each_header_once(
        httpd_factory, browser_factory, standin, answer):
    h = httpd_factory(extra="ThreadsHttpTimeout %d" % HTTP_TIMEOUT)
    get, status, cookies = ANSWERS[answer]
    resp = get(browser_factory(h), standin)
    assert resp.status_code == status, describe(resp)
    assert_module_headers(resp, session_cookies=cookies)
    assert resp.headers.get("Cache-Control") == "no-store", describe(resp)


# ---------------------------------------------------------------------------
# An ErrorDocument of the callback's errors
# ---------------------------------------------------------------------------

# A CGI error page of the application's, which sets its own caching.
ERROR_CGI = """#!/bin/sh
printf 'Content-Type: text/html\\r\\nCache-Control: private, max-age=60\\r\\n'
printf '\\r\\n<p>Sign-in failed: %s</p>\\n' "$REDIRECT_THREADS_ERROR"
"""
ERROR_HTML = "<!DOCTYPE html><title>Oops</title><p>Sign-in failed.</p>\n"


def error_document_httpd(httpd_factory, page, site_headers):
    """A server whose callback answers its errors with an ErrorDocument:
    page "static" (/err.html) or "cgi" (/cgi-bin/err.cgi)."""
    target = "/err.html" if page == "static" else "/cgi-bin/err.cgi"
    h = httpd_factory(start=False, extra="\n".join(
        (SITE_HEADERS if site_headers else []) + [
            "<Location %s>" % CALLBACK_PATH,
            "    ErrorDocument 400 %s" % target,
            "    ErrorDocument 403 %s" % target,
            "    ErrorDocument 502 %s" % target,
            "</Location>",
        ]))
    for path, text, mode in ((os.path.join(h.docroot, "err.html"),
                              ERROR_HTML, 0o644),
                             (os.path.join(h.cgi_dir, "err.cgi"), ERROR_CGI,
                              0o755)):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
    h.start()
    return h


# The callback's errors that an ErrorDocument answers.
ERRORS = {k: ANSWERS[k] for k in ("cancelled", "stale-state",
                                  "threads-down")}
PAGES = {
    "static-page": ("static", False),
    "static-page-site-headers": ("static", True),
    "cgi-page": ("cgi", False),
}


def error_document_cases():
    for error in ERRORS:
        for page in PAGES:
            yield pytest.param(error, page, id="%s-%s" % (error, page))


@pytest.mark.parametrize("error,page", error_document_cases())
def test_error_document_answer_carries_each_header_once(
        httpd_factory, browser_factory, standin, page, error):
    h = error_document_httpd(httpd_factory, *PAGES[page])
    get, status, cookies = ERRORS[error]
    resp = get(browser_factory(h), standin)
    assert resp.status_code == status, describe(resp)
    assert "Sign-in failed" in resp.text, (
        "not the ErrorDocument:\n" + describe(resp))
    assert_module_headers(resp, session_cookies=cookies)
