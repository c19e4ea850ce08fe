"""Meta calling a test server's Deauthorize and Data Deletion callbacks
(POST <callback>?deauthorize, ?delete) as its servers do: a form with the
signed_request field, no cookie, no browser headers."""

import requests

from standin import meta

from .httpd import CALLBACK_PATH


def post_meta(httpd, which, signed=None, body=None, headers=None,
              timeout=15):
    """POSTs Meta's callback which ("deauthorize" or "delete") to httpd
    with the form of the signed request signed, or with body (bytes, str
    or an iterable for a chunked body) instead. Returns the response."""
    hdrs = {"Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "facebookexternalua"}
    hdrs.update(headers or {})
    if body is None:
        body = meta.form(signed)
    with requests.Session() as s:
        s.trust_env = False
        return s.post(httpd.url(CALLBACK_PATH + "?" + which), data=body,
                      headers=hdrs, allow_redirects=False, timeout=timeout)
