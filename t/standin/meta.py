"""Meta's side of the Deauthorize and Data Deletion callbacks: the
signed_request a Threads app receives when a user removes it or asks for
their data to be deleted.

A signed request is <signature>.<payload>: the payload is the base64url
text of a JSON object ({"algorithm": "HMAC-SHA256", "user_id": ...,
"issued_at": ...}), the signature the base64url HMAC-SHA256 of that text
under the app secret. Meta leaves the '=' padding off; padded=True puts
it on both parts (the signature is then taken over the padded payload, as
a receiver sees it)."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

# The form field Meta posts.
FIELD = "signed_request"


def b64url(data, padded=False):
    text = base64.urlsafe_b64encode(data).decode()
    return text if padded else text.rstrip("=")


def sign(payload_text, secret):
    """The raw HMAC-SHA256 of the payload's base64url text."""
    return hmac.new(secret.encode(), payload_text.encode(),
                    hashlib.sha256).digest()


def signed_request(user_id, secret, algorithm="HMAC-SHA256",
                   issued_at=None, user_id_as_number=False, padded=False,
                   payload=None, **fields):
    """A signed_request for user_id (digits) under secret.

    user_id_as_number: the JSON has "user_id": 1784… rather than a string
    (Meta has sent both). fields: more members of the payload ("expires",
    anything Meta may add; a value of None leaves a member out, so
    algorithm=None makes a payload without one). payload: the JSON text
    itself instead (for malformed payloads)."""
    if payload is None:
        obj = {"algorithm": algorithm,
               "user_id": int(user_id) if user_id_as_number else str(user_id),
               "issued_at": int(time.time()) if issued_at is None
               else issued_at}
        obj.update(fields)
        payload = json.dumps({k: v for k, v in obj.items() if v is not None},
                             separators=(",", ":"))
    text = b64url(payload.encode(), padded)
    return b64url(sign(text, secret), padded) + "." + text


def form(signed):
    """The application/x-www-form-urlencoded body Meta posts."""
    return urllib.parse.urlencode({FIELD: signed})
