"""The module's sealed session values, as tests open and forge them.

The module keeps its values in mod_session's session (a=b&c=d,
URL-encoded), each sealed as base64url(0x01 || nonce || AES-256-GCM
ciphertext || tag) with the entry's name as AAD, under a key derived with
HKDF-SHA256 from the server's key material and bound to its app id (see
src/core/seal.c, token.c and pending.c). The key material is the server's
ThreadsSessionKey, or else the key it generated in its DefaultRuntimeDir.
These helpers do the same, so a test can read what the module stored and
write a record the module will accept (a token older than it is, say).
"""

import base64
import os
import time
import urllib.parse

import pytest

from .httpd import APP_ID

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:  # pragma: no cover - Debian: python3-cryptography
    AESGCM = InvalidTag = None

# Tests that open or seal values need python3-cryptography.
needs_crypto = pytest.mark.skipif(
    AESGCM is None, reason="python3-cryptography is not installed")

TOKEN_ENTRY = "threads.token"
# The generated key's file, in the server's DefaultRuntimeDir.
KEY_FILE = "threads_oauth_session.key"

__all__ = [
    "KEY_FILE", "TOKEN_ENTRY", "InvalidTag", "age_token", "forge_token",
    "key_material",
    "needs_crypto", "record_fields", "record_text", "seal",
    "session_entries", "session_key", "session_text", "token_record",
    "unseal",
]


def key_material(httpd):
    """The key material httpd seals with: the first key of its
    ThreadsSessionKey (inline or file:), else the key it generated."""
    configured = httpd.directives.get("ThreadsSessionKey")
    if configured:
        first = configured.split()[0]
        if first.startswith("file:"):
            with open(first[5:]) as f:
                return f.readline().rstrip("\r\n")
        return first
    with open(os.path.join(httpd.dir, "run", KEY_FILE)) as f:
        return f.read().strip()


def _material(secret):
    """secret itself (a str), or the key material of an httpd."""
    return secret if isinstance(secret, str) else key_material(secret)


def session_key(secret, app_id=APP_ID):
    """The sealing key the module derives from key material (or from an
    httpd's) for app_id."""
    return HKDF(algorithm=hashes.SHA256(), length=32,
                salt=b"mod_threads_oauth",
                info=b"session seal v2 app=" + app_id.encode()).derive(
                    _material(secret).encode())


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(label, plaintext, secret, app_id=APP_ID):
    """base64url(0x01 || nonce || ciphertext || tag), label as AAD, under
    the key of secret (key material, or an httpd)."""
    nonce = os.urandom(12)
    ct = AESGCM(session_key(secret, app_id)).encrypt(
        nonce, plaintext.encode(), label.encode())
    return base64.urlsafe_b64encode(b"\x01" + nonce + ct).rstrip(
        b"=").decode()


def unseal(label, sealed, secret, app_id=APP_ID):
    raw = _b64url_decode(sealed)
    assert raw[0] == 1, "unknown seal version %r" % raw[0]
    return AESGCM(session_key(secret, app_id)).decrypt(
        raw[1:13], raw[13:], label.encode()).decode()


def session_entries(cookie_value):
    """mod_session's encoded session (a=b&c=d, URL-encoded): a dict."""
    assert cookie_value, "no session cookie"
    return dict(urllib.parse.parse_qsl(cookie_value, keep_blank_values=True))


def session_text(entries):
    return urllib.parse.urlencode(entries)


def record_fields(plain):
    """The token record (v=1&t=…&u=…): a dict."""
    return dict(urllib.parse.parse_qsl(plain, keep_blank_values=True))


def record_text(fields):
    order = ["v", "t", "u", "e", "i", "l", "k", "s", "n", "m", "r"]
    keys = [k for k in order if k in fields] + sorted(
        k for k in fields if k not in order)
    return "&".join("%s=%s" % (k, urllib.parse.quote(fields[k], safe=""))
                    for k in keys)


def token_record(browser):
    """The opened token record of browser's session cookie."""
    entries = session_entries(browser.cookie())
    assert TOKEN_ENTRY in entries, "no token in the session: %r" % entries
    return record_fields(unseal(TOKEN_ENTRY, entries[TOKEN_ENTRY],
                                browser.httpd))


def forge_token(browser, **fields):
    """Replaces fields of the token record in browser's cookie (None
    removes a field) and seals it again as the module would."""
    entries = session_entries(browser.cookie())
    rec = record_fields(unseal(TOKEN_ENTRY, entries[TOKEN_ENTRY],
                               browser.httpd))
    for k, v in fields.items():
        if v is None:
            rec.pop(k, None)
        else:
            rec[k] = str(v)
    entries[TOKEN_ENTRY] = seal(TOKEN_ENTRY, record_text(rec), browser.httpd)
    browser.clear_cookies()
    browser.set_cookie(session_text(entries))
    return rec


def age_token(browser, age, expires_in, kind="l"):
    """Forges browser's token record as issued (and logged in) age seconds
    ago and expiring expires_in seconds from now, with no time set for a
    next refresh try. Returns the record."""
    now = int(time.time())
    return forge_token(browser, i=now - age, l=now - age, e=now + expires_in,
                       k=kind, r=None)
