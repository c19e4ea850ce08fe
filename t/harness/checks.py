"""Assertions the tests share about the module's answers: no-store and
no-referrer, the headers every answer carries once, its HTML pages and
JSON answers, local redirects, query strings, and whether a browser is
logged in."""

import json
import re
import urllib.parse

from .httpd import CALLBACK_PATH


def describe(resp):
    """A short text of a response for assertion messages."""
    if resp is None:
        return "no response"
    body = resp.text if len(resp.content) < 2000 else resp.text[:2000] + "..."
    return "%s %s -> %d\n%s\n%s" % (
        resp.request.method, resp.url, resp.status_code,
        "\n".join("%s: %s" % kv for kv in resp.headers.items()), body)


def query_of(url):
    """The query of url as name -> list of values (blank values kept)."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query,
                                 keep_blank_values=True)


def cache_control(resp):
    """The Cache-Control directives of resp, lower case."""
    value = resp.headers.get("Cache-Control", "")
    return {d.strip().split("=")[0].lower() for d in value.split(",")
            if d.strip()}


def assert_no_store(resp):
    assert "no-store" in cache_control(resp), (
        "Cache-Control lacks no-store:\n" + describe(resp))


def header_lines(resp, name):
    """Every value of header name in resp, one per header line as sent
    (requests joins repeated headers in resp.headers)."""
    return resp.raw.headers.getlist(name)


def assert_no_referrer(resp):
    """Referrer-Policy: no-referrer, once: a browser takes the last policy
    it knows of a list, so another one beside it would win."""
    assert header_lines(resp, "Referrer-Policy") == ["no-referrer"], (
        "Referrer-Policy is not exactly no-referrer:\n" + describe(resp))


def session_set_cookies(resp, name="session"):
    """The Set-Cookie lines of resp that set cookie name."""
    return [v for v in header_lines(resp, "Set-Cookie")
            if v.split("=", 1)[0].strip() == name]


def assert_module_headers(resp, session_cookies=(0, 1)):
    """What every answer of the module carries, each header exactly once:
    Cache-Control: no-store, Pragma: no-cache, Referrer-Policy:
    no-referrer; and one Set-Cookie line per cookie at most, for the
    session cookie as many as session_cookies allows (a count, or the
    counts allowed)."""
    problems = []
    for name, value in (("Cache-Control", "no-store"),
                        ("Pragma", "no-cache"),
                        ("Referrer-Policy", "no-referrer")):
        lines = header_lines(resp, name)
        if lines != [value]:
            problems.append("%s: %r, not once %r" % (name, lines, value))
    names = [v.split("=", 1)[0].strip()
             for v in header_lines(resp, "Set-Cookie")]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append("Set-Cookie more than once for " + ", ".join(twice))
    allowed = ((session_cookies,) if isinstance(session_cookies, int)
               else session_cookies)
    if names.count("session") not in allowed:
        problems.append("%d Set-Cookie for the session, not %s" % (
            names.count("session"), " or ".join(map(str, allowed))))
    assert not problems, "; ".join(problems) + ":\n" + describe(resp)


def media_type(resp):
    """Content-Type normalised: lower case, "; " between parameters."""
    ctype = resp.headers.get("Content-Type", "")
    return "; ".join(p.strip() for p in ctype.lower().split(";"))


def assert_module_page(resp, status):
    """A page the module wrote: status, text/html; charset=utf-8, no-store,
    no-referrer. Returns the body text."""
    assert resp.status_code == status, (
        "expected %d:\n%s" % (status, describe(resp)))
    assert media_type(resp) == "text/html; charset=utf-8", describe(resp)
    assert_no_store(resp)
    assert_no_referrer(resp)
    return resp.text


def assert_module_json(resp, status):
    """A JSON answer of the module: status, application/json, no-store,
    no-referrer. Returns the parsed body (integers kept as digit
    strings)."""
    assert resp.status_code == status, (
        "expected %d:\n%s" % (status, describe(resp)))
    assert media_type(resp).split(";")[0] == "application/json", (
        describe(resp))
    assert_no_store(resp)
    assert_no_referrer(resp)
    return json.loads(resp.text, parse_int=str)


def assert_redirect_to(resp, httpd, path):
    """resp is a 302 to the local path on httpd (relative, or absolute on
    httpd's own origin)."""
    assert resp.status_code == 302, describe(resp)
    loc = resp.headers.get("Location", "")
    local = loc.startswith("/") and not loc.startswith("//")
    assert local or loc.startswith(httpd.base_url + "/"), (
        "not a local redirect: " + loc)
    target = urllib.parse.urljoin(httpd.base_url + "/", loc)
    assert target == httpd.url(path), describe(resp)


def cgi_env(resp):
    """The environment the test CGI (env.cgi) printed: a 200 JSON object.
    """
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def assert_not_logged_in(browser, standin, path="/app/env.cgi"):
    """browser counts as not logged in: ?info=json says 401 and the
    protected path starts a new login (302 to the stand-in)."""
    assert_module_json(browser.get(CALLBACK_PATH + "?info=json"), 401)
    r = browser.get(path)
    assert r.status_code == 302, describe(r)
    assert r.headers["Location"].startswith(standin.authorize_url + "?"), (
        describe(r))


def has_link(page):
    """1 when the HTML page holds a link (<a href="...">)."""
    return re.search(r'<a\s[^>]*href="[^"]+"', page) is not None
