"""A real browser on the consent page (contract 3 and 4 as a browser sees
them).

Headless Chromium, driven by t/browser/flow.js (playwright-core), opens a
protected page, lands on the Threads stand-in's consent page (auto-consent
off) and clicks Allow or Cancel. The click is a navigation started on the
Threads site (127.0.0.2) that ends on httpd (127.0.0.1), another site: a
SameSite=Strict session cookie is not sent with it, SameSite=Lax is. Only
a browser shows this; redirects alone keep even a Strict cookie.

The callback's error pages, as the browser shows them, must not give their
URL (code and state) away in the Referer of what the page loads, its
favicon included.

Needs /usr/bin/chromium, node and `npm ci` in t/browser.
"""

import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import tempfile
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from harness import CALLBACK_PATH, T_DIR, USER_ID
from harness.lifecycle import children

FLOW_JS = os.path.join(T_DIR, "browser", "flow.js")
CHROMIUM = "/usr/bin/chromium"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason="chromium is not installed (apt-get install "
                              "-y --no-install-recommends chromium)"),
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
]

COOKIE_LOG = 'CustomLog "{path}" "%U|%{{Cookie}}i"'


def samesite_conf(value):
    return ("<Location />\n"
            "    SessionCookieName session path=/;HttpOnly;SameSite=%s\n"
            "</Location>\n" % value)


def cookie_log_conf(httpd_dir):
    path = os.path.join(httpd_dir, "cookies.log")
    return path, COOKIE_LOG.format(path=path)


class FlowDriver:
    """`node flow.js --serve`: one Chromium for the whole run, a fresh
    context (no cookies) for every flow. close() fails unless Chromium and
    flow.js both ended with status 0."""

    def __init__(self):
        if not os.path.isdir(os.path.join(T_DIR, "browser", "node_modules",
                                          "playwright-core")):
            pytest.fail("playwright-core is not installed: run `npm ci` in "
                        "t/browser", pytrace=False)
        env = {k: v for k, v in os.environ.items()
               if not k.lower().endswith("_proxy")}
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [NODE, FLOW_JS, "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, env=env, text=True,
            bufsize=1)
        self.pool = concurrent.futures.ThreadPoolExecutor(1)

    def run(self, url, button, timeout=60, **options):
        """One flow (see flow.js: button "none" only opens url; options
        such as waitForLog go to flow.js as they are); returns its JSON
        answer."""
        assert self.proc.poll() is None, "flow.js exited: " + self.errors()
        request = dict(options, url=url, button=button, chromium=CHROMIUM)
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        try:
            line = self.pool.submit(self.proc.stdout.readline).result(
                timeout)
        except concurrent.futures.TimeoutError:
            self.proc.kill()
            pytest.fail("flow.js did not answer in %d s:\n%s"
                        % (timeout, self.errors()), pytrace=False)
        try:
            out = json.loads(line)
        except ValueError:
            out = {"error": "no JSON from flow.js: %r" % line}
        assert "error" not in out, (
            "flow.js failed: %s\n%s" % (out["error"], self.errors()))
        return out

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]

    def close(self):
        """Ends flow.js, which closes Chromium first; returns what flow.js
        said of Chromium's end ({"code": ..., "signal": ...}) and its own
        exit status, or fails the test if either is not a clean end."""
        ended = None
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                ended = json.loads(self.pool.submit(
                    self.proc.stdout.readline).result(20) or "null")
                self.proc.wait(10)
            except (concurrent.futures.TimeoutError,
                    subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
                self.proc.wait(5)
        self.pool.shutdown(wait=False)
        errors = self.errors()
        self.stderr.close()
        how = (ended or {}).get("chromium")
        if self.proc.returncode != 0 or how != {"code": 0, "signal": None}:
            pytest.fail("flow.js ended with status %s, Chromium with %s:\n%s"
                        % (self.proc.returncode, how, errors),
                        pytrace=False)
        return how


@pytest.fixture(scope="module")
def chromium():
    driver = FlowDriver()
    yield driver
    driver.close()


def test_a_chromium_that_dies_fails_the_run(httpd_factory, standin):
    """The driver's close() is what the fixture's teardown calls: it tells
    a Chromium killed during the run from one that closed cleanly."""
    h = httpd_factory()
    for kill in (False, True):
        driver = FlowDriver()
        try:
            driver.run(h.url("/index.html"), "none")
            if kill:
                chrome, = children(driver.proc.pid)
                os.kill(chrome, signal.SIGKILL)
                with pytest.raises(pytest.fail.Exception) as e:
                    driver.close()
                assert ("flow.js ended with status 3, Chromium with "
                        "{'code': None, 'signal': 'SIGKILL'}"
                        in str(e.value)), str(e.value)
            else:
                assert driver.close() == {"code": 0, "signal": None}
        finally:
            if driver.proc.poll() is None:  # a step above failed
                driver.proc.kill()
                driver.proc.wait(10)


def cookie_lines(path, url_path):
    """The Cookie header (or "-") of each logged request for url_path."""
    with open(path) as f:
        lines = [ln.rstrip("\n").split("|", 1) for ln in f]
    return [c for p, c in lines if p == url_path]


def start_httpd(httpd_factory, standin, samesite=None):
    standin.auto_consent = False
    h = httpd_factory(start=False)
    log, conf = cookie_log_conf(h.dir)
    h.extra = conf + "\n" + (samesite_conf(samesite) if samesite else "")
    h.start()
    return h, log


def without_fragment(url):
    """A redirect without a fragment keeps the fragment of the URL before
    it (RFC 9110 10.2.2): the stand-in's "#_" stays in the address bar."""
    return url.split("#", 1)[0]


def assert_consent_page(out, standin):
    assert out["consent"]["url"].startswith(standin.authorize_url + "?"), out
    assert out["consent"]["status"] == 200, out
    assert "Allow" in out["consent"]["title"], out


def test_allow_lands_on_the_protected_page(httpd_factory, standin,
                                           chromium):
    h, _ = start_httpd(httpd_factory, standin)
    out = chromium.run(h.url("/app/whoami.shtml?from=browser"), "allow")
    assert_consent_page(out, standin)
    final = out["final"]
    assert without_fragment(final["url"]) == \
        h.url("/app/whoami.shtml?from=browser"), out
    assert final["status"] == 200, out
    assert "REMOTE_USER=%s" % USER_ID in final["text"], final["text"]
    assert "AUTH_TYPE=Threads" in final["text"], final["text"]
    assert len(standin.requests_for("token")) == 1
    assert [c["name"] for c in out["cookies"]] == ["session"], out["cookies"]


def test_cancel_shows_the_cancelled_page(httpd_factory, standin,
                                         chromium):
    h, _ = start_httpd(httpd_factory, standin)
    out = chromium.run(h.url("/app/whoami.shtml"), "cancel")
    assert_consent_page(out, standin)
    final = out["final"]
    assert final["url"].startswith(h.url(CALLBACK_PATH + "?")), out
    assert "error=access_denied" in final["url"]
    assert final["status"] == 403, out
    assert "cancelled" in final["text"].lower(), final["text"]
    assert standin.requests_for("token") == []


def test_samesite_strict_cookie_is_lost_on_the_consent_click(httpd_factory,
                                                             standin,
                                                             chromium):
    h, log = start_httpd(httpd_factory, standin, "Strict")
    out = chromium.run(h.url("/app/whoami.shtml"), "allow")
    assert_consent_page(out, standin)
    final = out["final"]
    assert final["url"].startswith(h.url(CALLBACK_PATH + "?code=")), out
    assert final["status"] == 400, out
    assert "start again" in final["text"].lower(), final["text"]
    # The browser kept the cookie but did not send it to the callback.
    assert [c["sameSite"] for c in out["cookies"]] == ["Strict"], out
    assert cookie_lines(log, CALLBACK_PATH) == ["-"]
    callback, = [d for d in out["documents"]
                 if d["url"].startswith(h.url(CALLBACK_PATH))]
    assert not callback["cookie"], callback
    # No call to Threads.
    assert standin.requests_for("token") == []


def test_samesite_lax_cookie_survives_the_consent_click(httpd_factory,
                                                        standin, chromium):
    h, log = start_httpd(httpd_factory, standin, "Lax")
    out = chromium.run(h.url("/app/whoami.shtml"), "allow")
    final = out["final"]
    assert without_fragment(final["url"]) == h.url("/app/whoami.shtml"), out
    assert final["status"] == 200, out
    assert "REMOTE_USER=%s" % USER_ID in final["text"], final["text"]
    sent, = cookie_lines(log, CALLBACK_PATH)
    assert sent.startswith("session="), sent
    assert len(standin.requests_for("token")) == 1


# ---------------------------------------------------------------------------
# No Referer from the callback's pages (contract 4): the favicon
# ---------------------------------------------------------------------------

# What a browser sends for the favicon of a page it shows, and httpd's
# answer: the request's referer ("-" for none).
FAVICON_LOG = 'CustomLog "{path}" "%r|%>s|%{{Referer}}i"'
STALE_CODE = "AQBstale0d2c9f8e7b6a5d4c3b2a1f0e9d8c7b6a5"
STALE_STATE = "stale9b8a7f6e5d4c3b2a1f0e9d8c7b6a5d4c3b2"
# A site that sets its own policy and caching for everything (hardening
# guides advise the first; mod_headers' "always" covers error answers),
# and an ErrorDocument of its own for the callback's errors.
OWN_ERROR_PAGE = "\n".join([
    'Header always set Referrer-Policy "strict-origin-when-cross-origin"',
    'Header always set Cache-Control "max-age=600"',
    "<Location %s>" % CALLBACK_PATH,
    "    ErrorDocument 400 /err.html",
    "    ErrorDocument 403 /err.html",
    "</Location>",
])


def favicon_httpd(httpd_factory, standin, extra=""):
    """A server that logs at info (core's AH00128 for a missing file, with
    the request's referer) and logs each request's referer."""
    standin.auto_consent = False
    h = httpd_factory(start=False, log_level="info")
    path = os.path.join(h.dir, "favicon.log")
    h.extra = FAVICON_LOG.format(path=path) + "\n" + extra
    with open(os.path.join(h.docroot, "err.html"), "w") as f:
        f.write("<!DOCTYPE html><title>Oops</title><p>Not signed in.</p>\n")
    os.chmod(os.path.join(h.docroot, "err.html"), 0o644)
    h.start()
    return h, path


@pytest.mark.parametrize("case,extra", [
    ("cancel", ""),
    ("stale", ""),
    ("cancel", OWN_ERROR_PAGE),
], ids=["cancelled", "stale-state", "error-document-on-a-hardened-site"])
def test_callback_error_page_sends_no_referer_to_its_favicon(
        httpd_factory, standin, chromium, case, extra):
    """The browser shows one of the callback's error pages, then asks for
    its favicon (404, core's AH00128 at info, which names the referer):
    neither the request nor the log line holds the callback's URL, its
    code or its state."""
    h, log = favicon_httpd(httpd_factory, standin, extra)
    wait = {"path": log, "text": "GET /favicon.ico "}
    if case == "cancel":
        out = chromium.run(h.url("/app/whoami.shtml"), "cancel",
                           waitForLog=wait)
        status, secrets = 403, [parse_qs(urlsplit(out["final"]["url"])
                                         .query)["state"][0]]
    else:
        query = urlencode({"code": STALE_CODE, "state": STALE_STATE})
        out = chromium.run(h.url(CALLBACK_PATH + "?" + query), "none",
                           waitForLog=wait)
        status, secrets = 400, [STALE_CODE, STALE_STATE]
    final = out["final"]
    assert final["url"].startswith(h.url(CALLBACK_PATH + "?")), out
    assert final["status"] == status, out
    with open(log) as f:
        favicons = [ln.rstrip("\n").split("|") for ln in f
                    if ln.startswith("GET /favicon.ico ")]
    assert favicons, "the browser did not ask for the favicon"
    assert [status for _, status, _ in favicons] == ["404"] * len(favicons)
    missing = h.error_log_lines(r"AH00128: .*favicon\.ico")
    assert missing, "no AH00128 line for the favicon:\n" + h.error_log_tail()
    assert not [ln for ln in missing if "referer" in ln], (
        "the favicon's log line names the page's URL:\n" + "\n".join(missing))
    assert [referer for _, _, referer in favicons] == ["-"] * len(favicons), (
        "the favicon was asked for with a Referer: %s" % favicons)
    for secret in secrets:
        assert secret not in h.error_log(), "%s is in the error log" % secret
