"""A browser-like client: it keeps cookies, sends a top-level
navigation's headers, takes every redirect by hand, and can walk a whole
"Sign in with Threads" login through the stand-in."""

import urllib.parse

import requests

from .checks import describe

NAVIGATION_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,"
              "*/*;q=0.8",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Site": "none",
    "Upgrade-Insecure-Requests": "1",
}


class LoginFlow:
    """The hops of one login: start (the protected URL: 302 to Threads),
    authorize (the stand-in: 302 to the callback), callback (302 back),
    final (the original URL), plus state, code, authorize_url and
    callback_url (without the #_ fragment)."""

    def __init__(self):
        self.start = self.authorize = self.callback = self.final = None
        self.state = self.code = None
        self.authorize_url = self.callback_url = None

    @property
    def hops(self):
        return [h for h in (self.start, self.authorize, self.callback,
                            self.final) if h is not None]

    @property
    def authorize_params(self):
        """The authorize URL's query: name -> list of values."""
        return urllib.parse.parse_qs(
            urllib.parse.urlsplit(self.authorize_url).query,
            keep_blank_values=True)


class Browser:
    """A cookie-keeping client that follows nothing by itself.

    Requests to httpd carry the headers of a top-level navigation unless
    navigate=False. The stand-in's HTTPS is verified with ca_file."""

    def __init__(self, httpd, ca_file=None, timeout=15):
        self.httpd = httpd
        self.ca_file = ca_file or (httpd.ca_file if httpd else None)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["User-Agent"] = (
            "Mozilla/5.0 (X11; Linux x86_64) threads-oauth-tests")

    # -- single requests ----------------------------------------------------

    def url(self, path_or_url):
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.httpd.url(path_or_url)

    def request(self, method, path_or_url, navigate=True, headers=None,
                **kw):
        hdrs = dict(NAVIGATION_HEADERS) if navigate else {}
        hdrs.update(headers or {})
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("verify", self.ca_file or True)
        return self.session.request(method, self.url(path_or_url),
                                    headers=hdrs, **kw)

    def get(self, path_or_url, **kw):
        return self.request("GET", path_or_url, **kw)

    def head(self, path_or_url, **kw):
        return self.request("HEAD", path_or_url, **kw)

    def post(self, path_or_url, **kw):
        kw.setdefault("navigate", False)
        return self.request("POST", path_or_url, **kw)

    @staticmethod
    def location(resp):
        """The absolute URL of resp's Location, without its fragment (a
        browser does not send it)."""
        loc = resp.headers.get("Location")
        assert loc, "no Location in:\n" + describe(resp)
        return urllib.parse.urldefrag(urllib.parse.urljoin(resp.url,
                                                           loc))[0]

    def follow(self, resp, **kw):
        """Follows resp's redirect (one hop)."""
        return self.get(self.location(resp), **kw)

    # -- cookies --------------------------------------------------------------

    def cookie(self, name="session"):
        for c in self.session.cookies:
            if c.name == name:
                return c.value
        return None

    def set_cookie(self, value, name="session"):
        self.session.cookies.set(name, value, domain=self.httpd.host,
                                 path="/")

    def clear_cookies(self):
        self.session.cookies.clear()

    def close(self):
        """Closes the kept-alive connections."""
        self.session.close()

    # -- a login --------------------------------------------------------------

    def start_login(self, path="/app/env.cgi"):
        """GET path (302 to Threads), then the authorize URL on the
        stand-in (302 to the callback). Returns the LoginFlow so far; its
        callback_url has not been visited."""
        flow = LoginFlow()
        flow.start = self.get(path)
        assert flow.start.status_code == 302, (
            "protected URL did not redirect to Threads:\n"
            + describe(flow.start))
        flow.authorize_url = self.location(flow.start)
        flow.authorize = self.get(flow.authorize_url,
                                  headers={"Sec-Fetch-Site": "cross-site"})
        assert flow.authorize.status_code == 302, (
            "the stand-in did not redirect back:\n"
            + describe(flow.authorize))
        raw = flow.authorize.headers["Location"]
        flow.callback_url = self.location(flow.authorize)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(
            flow.callback_url).query)
        flow.state = (query.get("state") or [None])[0]
        flow.code = (query.get("code") or [None])[0]
        flow.raw_callback_location = raw
        return flow

    def finish_login(self, flow, follow_final=True):
        """GET the callback URL of flow, then (when it redirects and
        follow_final) the URL it sends the browser back to."""
        flow.callback = self.get(flow.callback_url,
                                 headers={"Sec-Fetch-Site": "cross-site"})
        if follow_final and flow.callback.status_code in (301, 302, 303,
                                                          307):
            flow.final = self.follow(flow.callback)
        return flow

    def login(self, path="/app/env.cgi"):
        """A whole login starting at path; asserts every hop redirects and
        returns the LoginFlow (flow.final is the page at path)."""
        flow = self.start_login(path)
        self.finish_login(flow)
        assert flow.callback.status_code == 302, (
            "the callback did not complete the login:\n"
            + describe(flow.callback) + "\n--- httpd error log ---\n"
            + self.httpd.error_log_tail(60))
        return flow
