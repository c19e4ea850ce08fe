"""What must stay out of error logs and Referers (contract 6): the
secrets a test saw go by, the forms a log line may hold them in, and the
search of a log for them.

  encodings    a value and its URL-encoded and HTML-escaped forms
  log_forms    encodings, plus decoded, base64 and hex forms, and the head
               and tail of long forms (a dump may cut a value in two)
  secret_map   name -> value: the app secret, the stand-in's tokens, codes,
               states and session cookies
  Witness      a response hook on browsers that collects the codes, states
               and session cookies of a test, and httpd's responses
  find_leaks   every secret a log holds, with the form and the line
"""

import base64
import binascii
import html
import re
import urllib.parse

from .httpd import APP_SECRET, CALLBACK_PATH

# How much of the start and of the end of a long value is searched alone.
WINDOW = 24


def encodings(value):
    """value and the forms it takes once URL-encoded (or HTML-escaped)."""
    forms = {value, urllib.parse.quote(value, safe=""),
             urllib.parse.quote_plus(value), urllib.parse.quote(value),
             html.escape(value)}
    return {f for f in forms if f}


def log_forms(value):
    """Every form of value a log line could hold: raw, URL-encoded (once
    or twice) and decoded, HTML-escaped, base64 and hex; and for each form
    of at least 2 * WINDOW characters its first and last WINDOW characters
    too, which survive a dump that splits the value across two lines."""
    raw = value.encode("utf-8", "surrogateescape")
    forms = set()
    for text in {value, urllib.parse.unquote(value),
                 urllib.parse.unquote_plus(value)}:
        forms |= encodings(text)
        forms.add(urllib.parse.quote(urllib.parse.quote(text, safe=""),
                                     safe=""))
    forms |= {base64.b64encode(raw).decode().rstrip("="),
              base64.urlsafe_b64encode(raw).decode().rstrip("="),
              binascii.hexlify(raw).decode(),
              binascii.hexlify(raw).decode().upper()}
    for f in list(forms):
        if len(f) >= 2 * WINDOW:
            forms |= {f[:WINDOW], f[-WINDOW:]}
    return {f for f in forms if f}


def cookie_value(header, name="session"):
    """The value of cookie name in a Set-Cookie or Cookie header, or
    None."""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value
    return None


def cookie_secrets(value):
    """The parts of a session cookie value that must stay secret: the whole
    value and each entry's value (mod_session's a=b&c=d, URL-encoded),
    but for short or all-digit ones (an expiry time)."""
    parts = [value]
    for _, entry in urllib.parse.parse_qsl(value, keep_blank_values=True):
        if len(entry) >= 16 and not entry.isdigit():
            parts.append(entry)
    return [p for p in parts if p]


def secret_map(standin, codes=(), states=(), cookies=()):
    """Everything that must stay out of logs: name -> value. The tokens
    are every token the stand-in issued since its last reset; tokens and
    codes also by their first and last 24 characters."""
    m = {"app secret": APP_SECRET}
    for i, token in enumerate(standin.issued_tokens()):
        kind = standin.token_info(token)["kind"]
        m["%s token %d" % (kind, i)] = token
        m["%s token %d (first 24)" % (kind, i)] = token[:24]
        m["%s token %d (last 24)" % (kind, i)] = token[-24:]
    for i, code in enumerate(c for c in codes if c):
        m["code %d" % i] = code
        m["code %d (first 24)" % i] = code[:24]
        m["code %d (last 24)" % i] = code[-24:]
    for i, state in enumerate(s for s in states if s):
        m["state %d" % i] = state
    for i, cookie in enumerate(c for c in cookies if c):
        for j, part in enumerate(cookie_secrets(cookie)):
            m["session cookie %d%s" % (i, " part %d" % j if j else "")] = part
    return m


class Witness:
    """Collects what a test's browsers saw go by, through a response hook
    on each (watch): the codes and states of every callback URL requested
    and of every Location, every session cookie value set (Set-Cookie) or
    sent (Cookie), and the responses from httpd's origins."""

    def __init__(self, standin, *origins):
        self.standin = standin
        self.origins = origins
        self.responses = []
        self.codes = []
        self.states = []
        self.cookies = []

    def watch(self, browser):
        browser.session.hooks["response"].append(self._see)
        return browser

    def _add(self, values, value):
        if value and value not in values:
            values.append(value)

    def _see_url(self, url, is_callback):
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if is_callback or parts.path == CALLBACK_PATH:
            for code in query.get("code", []):
                self._add(self.codes, code)
        for state in query.get("state", []):
            self._add(self.states, state)

    def _see(self, resp, *args, **kwargs):
        self._see_url(resp.url, False)
        if resp.headers.get("Location"):
            self._see_url(urllib.parse.urljoin(resp.url,
                                               resp.headers["Location"]),
                          True)
        if not resp.url.startswith(self.origins):
            return resp
        self.responses.append(resp)
        for header in resp.raw.headers.getlist("Set-Cookie"):
            self._add(self.cookies, cookie_value(header))
        sent = resp.request.headers.get("Cookie")
        if sent:
            self._add(self.cookies, cookie_value(sent))
        return resp

    def secrets(self):
        return secret_map(self.standin, self.codes, self.states, self.cookies)


def find_leaks(text, secrets):
    """{secret name: (the form found, the line holding it)} for every
    secret of secrets (name -> value) that text holds in a form of
    log_forms."""
    found = {}
    for name, value in secrets.items():
        for form in sorted(log_forms(value), key=lambda f: (-len(f), f)):
            at = text.find(form)
            if at >= 0:
                start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                found[name] = (form, text[start:end if end >= 0 else None])
                break
    return found


def describe_leaks(found):
    """A text naming each leaked secret, its form and where it was."""
    out = []
    for name, (form, line) in sorted(found.items()):
        module = re.search(r"\] (\[[\w:]+\]) ", line)
        source = re.search(r" ([\w/]+\.c\(\d+\)):", line)
        origin = " ".join(m.group(1) for m in (module, source) if m)
        out.append("%s, as %r, from %s:\n    %s" % (
            name, form[:40], origin or "?", line[:400]))
    return "\n".join(out)
