#!/usr/bin/python3
"""A stand-in for Threads' OAuth and Graph endpoints, faults included.

It answers like Meta's "Get Access Tokens and Permissions" guide says Threads
does: the Authorization Window (/oauth/authorize, with a real consent page),
the code exchange (POST /oauth/access_token), the long-lived token exchange
(/access_token), the refresh (/refresh_access_token) and the profile
(/v1.0/me). It records every request it gets, and a test can make any
endpoint misbehave for the next N requests (slow, trickling, reset, garbage,
huge, rejected, 5xx, redirected, without a token, or any custom answer).

In-process use (pytest):

    tls = make_tls_material("/tmp/dir")
    s = ThreadsStandin(host="127.0.0.2", tls=tls.server, app_secret="s3cret",
                       redirect_uris=["http://127.0.0.1:8080/oauth/callback"])
    s.start(); ... s.base_url ... s.requests ... s.set_fault("token", "slow",
    seconds=5) ... s.reset(); s.stop()

Command line (demo):

    t/threads_standin.py --listen 127.0.0.2:8443 --tls-dir DIR \
        --app-id 990602627938098 --app-secret S --redirect-uri URI \
        [--auto-consent]

prints its base URL on the first line of standard output and serves until it
is killed. Python standard library only.
"""

import argparse
import datetime
import html
import json
import os
import re
import secrets
import signal
import socket
import ssl
import string
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_APP_ID = "990602627938098"
DEFAULT_APP_SECRET = "standin-app-secret-0f3c9a"
DEFAULT_USER_ID = "17841405793187218"
DEFAULT_USERNAME = "threads_tester"
DEFAULT_NAME = "Threads Tester"
DEFAULT_APP_NAME = "mod_threads_oauth test app"

CODE_LIFETIME = 3600         # authorization codes: 1 hour, one use
SHORT_LIFETIME = 3600        # short-lived user tokens
LONG_EXPIRES_IN = 5183944    # what Threads answers for 60-day tokens
REFRESH_MIN_AGE = 86400      # a long-lived token can be refreshed after 24 h

# Permissions Meta documents for Threads, with the consent page's wording.
PERMISSIONS = {
    "threads_basic": "Access your Threads profile and posts",
    "threads_content_publish": "Create and publish posts on your behalf",
    "threads_read_replies": "Read replies to your posts",
    "threads_manage_replies": "Manage and hide replies to your posts",
    "threads_manage_insights": "Read insights about your posts and profile",
    "threads_keyword_search": "Search public posts by keyword",
    "threads_location_tagging": "Tag locations in your posts",
    "threads_manage_mentions": "Read and manage your mentions",
    "threads_delete": "Delete your posts",
    "threads_profile_discovery": "Look up public Threads profiles",
}

# Path -> endpoint name, the name used by set_fault() and requests_for().
ENDPOINTS = {
    "/oauth/authorize": "authorize",
    "/oauth/access_token": "token",
    "/access_token": "exchange",
    "/refresh_access_token": "refresh",
    "/v1.0/me": "me",
}
MOVED_PREFIX = "/moved"  # where the "redirect" fault sends clients

FAULT_KINDS = frozenset([
    "slow", "trickle", "reset", "reset_mid_body", "garbage", "huge",
    "reject", "error5xx", "redirect", "no_token", "custom",
])

TOKEN_ALPHABET = string.ascii_letters + string.digits


# ---------------------------------------------------------------------------
# TLS material made with the openssl command line tool
# ---------------------------------------------------------------------------

class CertFiles:
    """A certificate and its private key, as PEM files."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    def __repr__(self):
        return "CertFiles(%r, %r)" % (self.cert, self.key)


class TLSMaterial:
    """What make_tls_material() creates: ca (the trusted CA, its cert is the
    CA file to give clients), server (127.0.0.2, 127.0.0.1, localhost, signed
    by ca), other_ca, untrusted (the same names, signed by other_ca),
    expired (signed by ca, validity over) and wrong_host (signed by ca, only
    for wrong-host.invalid)."""

    def __init__(self, directory, ca, server, other_ca, untrusted, expired,
                 wrong_host):
        self.directory = directory
        self.ca = ca
        self.server = server
        self.other_ca = other_ca
        self.untrusted = untrusted
        self.expired = expired
        self.wrong_host = wrong_host

    @property
    def ca_file(self):
        return self.ca.cert


DEFAULT_SANS = ("IP:127.0.0.2", "IP:127.0.0.1", "DNS:localhost")


def _openssl(args, cwd):
    proc = subprocess.run(["openssl"] + list(args), cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s" % (
            " ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


def _write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _asn1_time(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


def make_ca(directory, name="ca", common_name="Threads stand-in test CA",
            days=3650):
    """Creates a self-signed CA (EC P-256) as <name>.pem / <name>.key in
    directory. Returns CertFiles."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    conf = os.path.join(directory, name + "-req.cnf")
    _write(conf, "\n".join([
        "[ req ]",
        "distinguished_name = dn",
        "prompt = no",
        "x509_extensions = v3_ca",
        "[ dn ]",
        "CN = " + common_name,
        "O = Threads stand-in",
        "[ v3_ca ]",
        "basicConstraints = critical, CA:TRUE",
        "keyUsage = critical, keyCertSign, cRLSign",
        "subjectKeyIdentifier = hash",
        "",
    ]))
    _openssl(["req", "-x509", "-new", "-config", conf,
              "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", cert, "-days", str(days),
              "-sha256"], cwd=directory)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)
    return CertFiles(cert, key)


def make_cert(directory, ca, name="server", common_name="127.0.0.2",
              sans=DEFAULT_SANS, not_before=None, not_after=None, days=30):
    """Creates a server certificate signed by ca (CertFiles of make_ca) as
    <name>.pem / <name>.key in directory. not_before / not_after are Unix
    times (default: an hour ago / days from now); a not_after in the past
    makes an expired certificate. Returns CertFiles."""
    os.makedirs(directory, exist_ok=True)
    now = time.time()
    if not_before is None:
        not_before = now - 3600
    if not_after is None:
        not_after = now + days * 86400
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    csr = os.path.join(directory, name + ".csr")
    req_conf = os.path.join(directory, name + "-req.cnf")
    ca_conf = os.path.join(directory, name + "-ca.cnf")
    ext = os.path.join(directory, name + "-ext.cnf")
    db_dir = os.path.join(directory, name + "-db")
    os.makedirs(db_dir, exist_ok=True)
    _write(os.path.join(db_dir, "index.txt"), "")
    _write(os.path.join(db_dir, "serial"), "%016X\n" % secrets.randbits(63))
    _write(req_conf, "\n".join([
        "[ req ]",
        "distinguished_name = dn",
        "prompt = no",
        "[ dn ]",
        "CN = " + common_name,
        "O = Threads stand-in",
        "",
    ]))
    _write(ca_conf, "\n".join([
        "[ ca ]",
        "default_ca = standin_ca",
        "[ standin_ca ]",
        "database = " + os.path.join(db_dir, "index.txt"),
        "new_certs_dir = " + db_dir,
        "serial = " + os.path.join(db_dir, "serial"),
        "default_md = sha256",
        "policy = any_policy",
        "unique_subject = no",
        "copy_extensions = none",
        "[ any_policy ]",
        "commonName = supplied",
        "organizationName = optional",
        "",
    ]))
    lines = [
        "basicConstraints = critical, CA:FALSE",
        "keyUsage = critical, digitalSignature, keyEncipherment",
        "extendedKeyUsage = serverAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
    ]
    if sans:
        lines.append("subjectAltName = " + ", ".join(sans))
    _write(ext, "\n".join(lines) + "\n")
    _openssl(["req", "-new", "-config", req_conf,
              "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", csr], cwd=directory)
    _openssl(["ca", "-batch", "-config", ca_conf, "-cert", ca.cert,
              "-keyfile", ca.key, "-in", csr, "-out", cert, "-notext",
              "-rand_serial", "-extfile", ext,
              "-startdate", _asn1_time(not_before),
              "-enddate", _asn1_time(not_after)], cwd=directory)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)
    return CertFiles(cert, key)


def make_tls_material(directory):
    """Creates in directory everything TLS tests need (see TLSMaterial)."""
    ca = make_ca(directory, "ca")
    server = make_cert(directory, ca, "server")
    other_ca = make_ca(directory, "other-ca",
                       common_name="Some other test CA")
    untrusted = make_cert(directory, other_ca, "untrusted")
    now = time.time()
    expired = make_cert(directory, ca, "expired", not_before=now - 40 * 86400,
                        not_after=now - 86400)
    wrong_host = make_cert(directory, ca, "wrong-host",
                           common_name="wrong-host.invalid",
                           sans=("DNS:wrong-host.invalid",))
    return TLSMaterial(directory, ca, server, other_ca, untrusted, expired,
                       wrong_host)


# ---------------------------------------------------------------------------
# Recorded requests and faults
# ---------------------------------------------------------------------------

class RecordedRequest:
    """One request as the stand-in received it.

    method, target (the raw request target), path, query (dict name -> list
    of values, decoded), headers (http.client.HTTPMessage: case-insensitive
    .get() and .get_all()), body (raw bytes), form (dict name -> list of
    values for an application/x-www-form-urlencoded body, else None),
    form_pairs (the same in order), endpoint (see ENDPOINTS; None for other
    paths), time (Unix seconds), client ((host, port)), and once answered
    status and response_body (bytes) (None when no answer was sent)."""

    def __init__(self, method, target, headers, body, client):
        self.method = method
        self.target = target
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query_string = split.query
        self.query = urllib.parse.parse_qs(split.query,
                                           keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.client = client
        self.time = time.time()
        self.endpoint = ENDPOINTS.get(self.path)
        if self.endpoint is None and self.path.startswith(MOVED_PREFIX + "/"):
            self.endpoint = "moved"
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        self.content_type = ctype.lower()
        self.form = None
        self.form_pairs = None
        if self.content_type == "application/x-www-form-urlencoded":
            text = body.decode("utf-8", "replace")
            self.form_pairs = urllib.parse.parse_qsl(text,
                                                     keep_blank_values=True)
            self.form = {}
            for k, v in self.form_pairs:
                self.form.setdefault(k, []).append(v)
        self.status = None
        self.response_body = None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def response_json(self):
        """The JSON answer the stand-in sent (None if none or not JSON)."""
        if self.response_body is None:
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def __repr__(self):
        return "<%s %s -> %s>" % (self.method, self.path, self.status)


class Fault:
    """A misbehaviour for the next count requests of an endpoint (None:
    until reset)."""

    def __init__(self, kind, count, params):
        self.kind = kind
        self.count = count
        self.params = params

    def __repr__(self):
        return "Fault(%r, count=%r, %r)" % (self.kind, self.count,
                                            self.params)


class _Answer:
    """A response to send: status, content type, body bytes, more headers."""

    def __init__(self, status, ctype, body, headers=()):
        self.status = status
        self.ctype = ctype
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list(headers)


class _Cancelled(Exception):
    """A fault's wait was cut short by reset() or stop()."""


class _HandshakeFailed(Exception):
    """A TLS client went away or was refused during the handshake."""


# ---------------------------------------------------------------------------
# The HTTP server
# ---------------------------------------------------------------------------

class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, standin):
        self.standin = standin
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        # Clients that time out or drop the connection are normal here.
        exc = sys.exc_info()[1]
        if isinstance(exc, (_HandshakeFailed, _Cancelled, OSError,
                            ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ThreadsStandin/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are closed after this

    def setup(self):
        self.server.standin._connected()
        conn = self.request
        if isinstance(conn, ssl.SSLSocket):
            conn.settimeout(10)
            try:
                conn.do_handshake()
            except (ssl.SSLError, OSError) as e:
                self.server.standin._tls_error(self.client_address, e)
                raise _HandshakeFailed(str(e))
        super().setup()

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def log_message(self, fmt, *args):
        if self.server.standin.verbose:
            sys.stderr.write("standin: %s - %s\n" % (
                self.client_address[0], fmt % args))

    def log_request(self, code="-", size="-"):
        # The request line may carry a secret: log the path only.
        if self.server.standin.verbose:
            path = urllib.parse.urlsplit(self.path).path
            sys.stderr.write("standin: %s %s %s\n" % (self.command, path,
                                                      code))

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    # -- reading ------------------------------------------------------------

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        return self.rfile.read(int(length))

    # -- the request ----------------------------------------------------------

    def _serve(self):
        standin = self.server.standin
        body = self._read_body()
        rec = RecordedRequest(self.command, self.path, self.headers, body,
                              self.client_address)
        standin._record(rec)
        fault = standin._take_fault(rec.endpoint)
        try:
            if fault is None:
                self._send(rec, standin._answer(rec))
            else:
                self._apply_fault(rec, fault)
        except _Cancelled:
            self._abort(rst=True)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError,
                socket.timeout):
            self.close_connection = True

    def _headers_bytes(self, rec, answer, length=None, chunked=False):
        lines = ["HTTP/1.1 %d %s" % (answer.status,
                                      self.responses.get(answer.status,
                                                         ("",))[0])]
        lines.append("Date: " + self.date_time_string())
        lines.append("Server: " + self.version_string())
        lines.append("Content-Type: " + answer.ctype)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append("Content-Length: %d" % (
                len(answer.body) if length is None else length))
        for name, value in answer.headers:
            lines.append("%s: %s" % (name, value))
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _note(self, rec, answer):
        rec.status = answer.status
        rec.response_body = answer.body
        self.log_request(answer.status, len(answer.body))

    def _send(self, rec, answer):
        self._note(rec, answer)
        data = self._headers_bytes(rec, answer)
        if self.command != "HEAD":
            data += answer.body
        self.wfile.write(data)
        self.wfile.flush()

    def _abort(self, rst=True):
        """Closes the connection without an answer; rst sends a TCP RST."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except (OSError, ValueError):
            pass
        conn = self.connection
        try:
            if rst:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            if isinstance(conn, ssl.SSLSocket):
                # Close the descriptor without a TLS close_notify.
                socket.socket.close(conn)
            else:
                conn.close()
        except OSError:
            pass

    # -- faults ---------------------------------------------------------------

    def _apply_fault(self, rec, fault):
        standin = self.server.standin
        kind = fault.kind
        p = fault.params
        if kind == "slow":
            standin._sleep(float(p.get("seconds", 5)))
            self._send(rec, standin._answer(rec))
        elif kind == "trickle":
            answer = standin._answer(rec)
            self._note(rec, answer)
            self.wfile.write(self._headers_bytes(rec, answer))
            self.wfile.flush()
            step = int(p.get("bytes", 1))
            interval = float(p.get("interval", 1.0))
            body = answer.body
            for i in range(0, len(body), step):
                standin._sleep(interval)
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
        elif kind == "reset":
            self._abort(rst=bool(p.get("rst", True)))
        elif kind == "reset_mid_body":
            answer = standin._answer(rec)
            self._note(rec, answer)
            body = answer.body
            if len(body) < 200:
                body = body + b" " * (200 - len(body))
            self.wfile.write(self._headers_bytes(rec, answer,
                                                 length=len(body)))
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(0.05)
            self._abort(rst=True)
        elif kind == "garbage":
            self._send(rec, _Answer(200, "text/html",
                                    p.get("body", "<html>oops")))
        elif kind == "huge":
            size = int(p.get("size", 2 * 1024 * 1024))
            head = ('{"access_token": "THQVJhuge", "user_id": %s, "pad": "'
                    % standin.user_id).encode()
            tail = b'"}'
            body = head + b"x" * max(0, size - len(head) - len(tail)) + tail
            answer = _Answer(200, "application/json", body)
            rec.status = 200
            rec.response_body = body[:1024]
            if p.get("chunked"):
                self.wfile.write(self._headers_bytes(rec, answer,
                                                     chunked=True))
                for i in range(0, len(body), 65536):
                    chunk = body[i:i + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            else:
                self.wfile.write(self._headers_bytes(rec, answer) + body)
                self.wfile.flush()
        elif kind == "reject":
            message = p.get("message")
            if rec.endpoint in ("token", "authorize", None):
                self._send(rec, standin._token_error(
                    message or "Matching code was not found or was already "
                    "used"))
            else:
                self._send(rec, standin._graph_error(
                    message or "Error validating access token: Session has "
                    "expired", code=int(p.get("code", 190))))
        elif kind == "error5xx":
            status = int(p.get("status", 502))
            reason = self.responses.get(status, ("Error",))[0]
            self._send(rec, _Answer(status, "text/html; charset=utf-8", (
                "<!DOCTYPE html><html><head><title>%d %s</title></head>"
                "<body><h1>%s</h1><p>Sorry, something went wrong.</p>"
                "</body></html>" % (status, reason, reason))))
        elif kind == "redirect":
            location = p.get("location") or (standin.base_url + MOVED_PREFIX
                                             + rec.target)
            self._send(rec, _Answer(
                int(p.get("status", 302)), "text/html; charset=utf-8",
                '<html><body><a href="%s">Moved</a></body></html>'
                % html.escape(location), [("Location", location)]))
        elif kind == "no_token":
            self._send(rec, _Answer(200, "application/json",
                                    p.get("body", '{"user_id":1}')))
        elif kind == "custom":
            body = p.get("body", b"")
            self._send(rec, _Answer(int(p.get("status", 200)),
                                    p.get("content_type",
                                          "application/json"),
                                    body, p.get("headers", ())))
        else:  # set_fault() checks kinds; this is a bug in the stand-in
            raise AssertionError("unknown fault " + kind)


class ThreadsStandin:
    """The stand-in server. Attributes a test may change (reset() restores
    them): app_id, app_secret, redirect_uris (a set), user_id (digits),
    user_id_as_string, username, name, app_name, auto_consent (True: a
    valid GET /oauth/authorize answers at once with the Allow outcome),
    auto_decision ("allow" or "cancel"), short_expires_in (None: the code
    exchange answer has no expires_in, as in Meta's guide), code_lifetime,
    refresh_min_age, time_offset (seconds added to the stand-in's clock),
    known_permissions (a set), verbose."""

    def __init__(self, host="127.0.0.2", port=0, tls=None,
                 app_id=DEFAULT_APP_ID, app_secret=DEFAULT_APP_SECRET,
                 redirect_uris=(), user_id=DEFAULT_USER_ID,
                 username=DEFAULT_USERNAME, name=DEFAULT_NAME,
                 app_name=DEFAULT_APP_NAME, auto_consent=True,
                 verbose=False):
        self.host = host
        self.port = port
        self.tls = tls
        self._defaults = dict(
            app_id=str(app_id), app_secret=app_secret,
            redirect_uris=set(redirect_uris), user_id=str(user_id),
            user_id_as_string=False, username=username, name=name,
            app_name=app_name, auto_consent=auto_consent,
            auto_decision="allow", short_expires_in=None,
            code_lifetime=CODE_LIFETIME, refresh_min_age=REFRESH_MIN_AGE,
            time_offset=0.0, known_permissions=set(PERMISSIONS),
            verbose=verbose, token_length=160)
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None
        self._restore_defaults()
        self._clear_state()

    # -- configuration ------------------------------------------------------

    def _restore_defaults(self):
        for k, v in self._defaults.items():
            setattr(self, k, set(v) if isinstance(v, set) else v)

    def _clear_state(self):
        with self._lock:
            self._requests = []
            self._faults = {}
            self._codes = {}
            self._tokens = {}
            self._tls_errors = []
            self._connections = 0
            self._cancel = getattr(self, "_cancel", None)
            if self._cancel is not None:
                self._cancel.set()
            self._cancel = threading.Event()

    def register_redirect_uri(self, uri):
        """Adds uri to the app's valid OAuth redirect URIs."""
        with self._lock:
            self.redirect_uris.add(uri)

    def reset(self):
        """Forgets requests, faults, codes and tokens, restores the
        attributes given to the constructor, and ends every fault that is
        still waiting (its connection is reset)."""
        self._restore_defaults()
        self._clear_state()

    # -- life cycle -----------------------------------------------------------

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def base_url(self):
        return "%s://%s:%d" % (self.scheme, self.host, self.port)

    @property
    def authorize_url(self):
        return self.base_url + "/oauth/authorize"

    @property
    def token_url(self):
        return self.base_url + "/oauth/access_token"

    @property
    def graph_url(self):
        return self.base_url

    def start(self):
        """Binds and serves in a background thread; returns self."""
        httpd = _HTTPServer((self.host, self.port), _Handler, self)
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls.cert, self.tls.key)
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                           do_handshake_on_connect=False)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="threads-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving and ends waiting faults."""
        with self._lock:
            self._cancel.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    def serve_forever(self):
        """Serves in the calling thread (command line use)."""
        self.start()
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what happened ------------------------------------------------------

    def _record(self, rec):
        with self._lock:
            self._requests.append(rec)

    @property
    def requests(self):
        """Every request received since the last reset, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, endpoint):
        """The recorded requests of one endpoint (see ENDPOINTS, "moved")."""
        return [r for r in self.requests if r.endpoint == endpoint]

    def wait_for_requests(self, endpoint, count, timeout=5.0):
        """Waits until endpoint has at least count requests; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.requests_for(endpoint)
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.01)

    def _connected(self):
        with self._lock:
            self._connections += 1

    @property
    def connections(self):
        """How many connections were accepted since the last reset."""
        with self._lock:
            return self._connections

    def _tls_error(self, client, exc):
        with self._lock:
            self._tls_errors.append((client, str(exc)))

    @property
    def tls_errors(self):
        """(client address, error text) of every failed TLS handshake."""
        with self._lock:
            return list(self._tls_errors)

    # -- faults ---------------------------------------------------------------

    def set_fault(self, endpoint, kind, count=None, **params):
        """Makes endpoint ("authorize", "token", "exchange", "refresh",
        "me" or "*" for all) misbehave for its next count requests (None:
        until reset() or clear_fault()). Kinds and their parameters:
          slow(seconds=5)          wait, then answer normally
          trickle(interval=1.0, bytes=1)  headers now, body bytes at a time
          reset(rst=True)          close without an answer (RST or FIN)
          reset_mid_body           headers and half the body, then RST
          garbage(body)            200 text/html "<html>oops"
          huge(size=2 MiB, chunked=False)  200 with a huge JSON-ish body
          reject(message, code)    the OAuthException of that endpoint
          error5xx(status=502)     a 5xx HTML page
          redirect(location, status=302)  to <base>/moved<target> by default
          no_token(body)           200 {"user_id":1}
          custom(status=200, content_type, body, headers=[(n, v)])
        """
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % kind)
        if endpoint != "*" and endpoint not in ENDPOINTS.values():
            raise ValueError("unknown endpoint %r" % endpoint)
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults[endpoint] = Fault(kind, count, params)

    def clear_fault(self, endpoint="*"):
        with self._lock:
            self._faults.pop(endpoint, None)

    def _take_fault(self, endpoint):
        with self._lock:
            for key in (endpoint, "*"):
                fault = self._faults.get(key)
                if fault is None or endpoint is None or endpoint == "moved":
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        del self._faults[key]
                return fault
        return None

    def _sleep(self, seconds):
        with self._lock:
            cancel = self._cancel
        if cancel.wait(seconds):
            raise _Cancelled()

    # -- codes and tokens ---------------------------------------------------

    def now(self):
        return time.time() + self.time_offset

    def _random(self, n):
        return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(n))

    def issue_code(self, redirect_uri, scope="threads_basic",
                   client_id=None):
        """A new authorization code, as the Allow button makes one."""
        code = "AQB" + secrets.token_urlsafe(96)
        with self._lock:
            self._codes[code] = dict(
                redirect_uri=redirect_uri, scope=scope,
                client_id=client_id or self.app_id, issued=self.now(),
                used=False)
        return code

    def issue_token(self, kind="short", age=0.0, user_id=None,
                    scope="threads_basic", lifetime=None):
        """A new access token ("short": THQVJ..., 1 hour; "long": THAA...,
        60 days) that was issued age seconds ago."""
        issued = self.now() - age
        if lifetime is None:
            lifetime = SHORT_LIFETIME if kind == "short" else LONG_EXPIRES_IN
        prefix = "THQVJ" if kind == "short" else "THAA"
        token = prefix + self._random(max(8, self.token_length - len(prefix)))
        with self._lock:
            self._tokens[token] = dict(
                kind=kind, user_id=user_id or self.user_id, scope=scope,
                issued=issued, expires=issued + lifetime)
        return token

    def token_info(self, token):
        """What the stand-in knows of token (a dict copy), or None."""
        with self._lock:
            info = self._tokens.get(token)
            return dict(info) if info else None

    def issued_tokens(self, kind=None):
        """Tokens issued since the last reset, oldest first."""
        with self._lock:
            return [t for t, i in self._tokens.items()
                    if kind is None or i["kind"] == kind]

    def _valid_token(self, token):
        with self._lock:
            info = self._tokens.get(token)
        if info is None or info["expires"] <= self.now():
            return None
        return info

    # -- answers ------------------------------------------------------------

    def _answer(self, rec):
        if rec.endpoint == "authorize":
            if rec.method in ("GET", "POST"):
                return self._authorize(rec)
        elif rec.endpoint == "token":
            if rec.method == "POST":
                return self._token(rec)
            return self._token_error("Unsupported get request. Please read "
                                     "the Graph API documentation")
        elif rec.endpoint in ("exchange", "refresh", "me"):
            if rec.method == "GET":
                return getattr(self, "_" + rec.endpoint)(rec)
            return self._graph_error("Unsupported %s request." % rec.method,
                                     code=100)
        elif rec.endpoint == "moved":
            return _Answer(200, "application/json",
                           '{"moved": true, "note": "a redirect was '
                           'followed"}')
        return self._graph_error("Unknown path components: " + rec.path,
                                 code=2500, status=404)

    @staticmethod
    def _json_answer(status, text):
        return _Answer(status, "application/json; charset=UTF-8", text)

    def _token_error(self, message, status=400):
        return self._json_answer(status, json.dumps(
            {"error_type": "OAuthException", "code": 400,
             "error_message": message}))

    def _graph_error(self, message, code=190, status=400):
        return self._json_answer(status, json.dumps(
            {"error": {"message": message, "type": "OAuthException",
                       "code": code,
                       "fbtrace_id": "A" + secrets.token_urlsafe(16)}}))

    @staticmethod
    def _single(params, name, problems, required=True):
        values = params.get(name)
        if not values:
            if required:
                problems.append("The parameter %s is required" % name)
            return None
        if len(values) > 1:
            problems.append("The parameter %s was given more than once"
                            % name)
            return None
        return values[0]

    # /oauth/authorize ------------------------------------------------------

    def _authorize(self, rec):
        params = rec.query if rec.method == "GET" else (rec.form or {})
        problems = []
        one = {}
        for name in ("client_id", "redirect_uri", "response_type", "scope"):
            one[name] = self._single(params, name, problems)
        state = self._single(params, "state", problems, required=False)
        if one["client_id"] is not None and one["client_id"] != self.app_id:
            problems.append("Invalid platform app")
        if (one["redirect_uri"] is not None
                and one["redirect_uri"] not in self.redirect_uris):
            problems.append("Invalid redirect_uri: it is not one of the "
                            "app's valid OAuth redirect URIs")
        if (one["response_type"] is not None
                and one["response_type"] != "code"):
            problems.append("Invalid response_type: must be code")
        scope = []
        if one["scope"] is not None:
            for perm in re.split(r"[ ,]+", one["scope"]):
                if perm and perm not in scope:
                    scope.append(perm)
            unknown = [p for p in scope if p not in self.known_permissions]
            if unknown:
                problems.append("Invalid Scopes: " + ", ".join(unknown))
            if "threads_basic" not in scope:
                problems.append("The threads_basic permission is required")
        if problems:
            return self._error_page(problems)

        if rec.method == "GET":
            if not self.auto_consent:
                return self._consent_page(one, state, scope)
            decision = self.auto_decision
        else:
            decision = self._single(params, "decision", problems)
            if decision not in ("allow", "cancel"):
                return self._error_page(problems or ["Unknown decision"])

        redirect_uri = one["redirect_uri"]
        sep = "&" if "?" in redirect_uri else "?"
        if decision == "allow":
            code = self.issue_code(redirect_uri, ",".join(scope),
                                   one["client_id"])
            pairs = [("code", code)]
            if state is not None:
                pairs.append(("state", state))
            location = (redirect_uri + sep + urllib.parse.urlencode(pairs)
                        + "#_")
        else:
            pairs = [("error", "access_denied"),
                     ("error_reason", "user_denied"),
                     ("error_description", "The user denied your request")]
            if state is not None:
                pairs.append(("state", state))
            location = redirect_uri + sep + urllib.parse.urlencode(pairs)
        return _Answer(302, "text/html; charset=utf-8",
                       '<html><body><a href="%s">Continue</a></body></html>'
                       % html.escape(location),
                       [("Location", location),
                        ("Cache-Control", "no-store")])

    def _page(self, status, title, body_html):
        return _Answer(status, "text/html; charset=utf-8", (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
            '<meta charset="utf-8">\n<title>%s</title>\n</head>\n<body>\n'
            '%s\n</body>\n</html>\n' % (html.escape(title), body_html)),
            [("Cache-Control", "no-store")])

    def _error_page(self, problems):
        items = "".join("<li>%s</li>" % html.escape(p) for p in problems)
        return self._page(400, "Threads - Error", (
            "<h1>Sorry, this content isn't available right now</h1>\n"
            "<p>The app's request is not valid:</p>\n<ul>%s</ul>" % items))

    def _consent_page(self, one, state, scope):
        e = html.escape
        app = e(self.app_name)
        perms = "".join(
            '<li><strong>%s</strong>: %s</li>\n' % (
                e(p), e(PERMISSIONS.get(p, "A Threads permission")))
            for p in scope)
        hidden = [("client_id", one["client_id"]),
                  ("redirect_uri", one["redirect_uri"]),
                  ("scope", one["scope"]),
                  ("response_type", one["response_type"])]
        if state is not None:
            hidden.append(("state", state))
        fields = "".join(
            '<input type="hidden" name="%s" value="%s">\n' % (e(n), e(v))
            for n, v in hidden)
        return self._page(200, "Threads - Allow %s to access your account?"
                          % self.app_name, (
            '<main>\n<h1>Allow <span class="app">%s</span> to access your '
            'Threads account?</h1>\n'
            '<p>Signed in as <strong>@%s</strong></p>\n'
            '<p>%s will be able to:</p>\n<ul class="permissions">\n%s</ul>\n'
            '<form method="post" action="/oauth/authorize">\n%s'
            '<button type="submit" name="decision" value="allow">Allow'
            '</button>\n'
            '<button type="submit" name="decision" value="cancel">Cancel'
            '</button>\n</form>\n</main>' % (
                app, e(self.username), app, perms, fields)))

    # POST /oauth/access_token ----------------------------------------------

    def _token(self, rec):
        params = rec.form or {}
        problems = []
        one = {}
        for name in ("client_id", "client_secret", "code", "grant_type",
                     "redirect_uri"):
            one[name] = self._single(params, name, problems)
        if problems:
            return self._token_error(problems[0])
        if one["grant_type"] != "authorization_code":
            return self._token_error("Unsupported grant_type: "
                                     + one["grant_type"])
        if one["client_id"] != self.app_id:
            return self._token_error("Invalid platform app")
        if not secrets.compare_digest(one["client_secret"].encode(),
                                      self.app_secret.encode()):
            return self._token_error("Error validating client secret.")
        with self._lock:
            info = self._codes.get(one["code"])
            if info is None or info["used"]:
                info = None
                problem = "Matching code was not found or was already used"
            elif info["issued"] + self.code_lifetime <= self.now():
                info = None
                problem = "This authorization code has expired."
            elif info["redirect_uri"] != one["redirect_uri"]:
                info = None
                problem = ("Error validating verification code. Please make "
                           "sure your redirect_uri is identical to the one "
                           "you used in the OAuth dialog request")
            elif info["client_id"] != one["client_id"]:
                info = None
                problem = "Matching code was not found or was already used"
            else:
                info["used"] = True
        if info is None:
            return self._token_error(problem)
        token = self.issue_token("short", scope=info["scope"],
                                 lifetime=self.short_expires_in
                                 or SHORT_LIFETIME)
        user_id = (json.dumps(self.user_id) if self.user_id_as_string
                   else self.user_id)
        text = '{"access_token": %s, "user_id": %s' % (json.dumps(token),
                                                      user_id)
        if self.short_expires_in is not None:
            text += ', "expires_in": %d' % self.short_expires_in
        return self._json_answer(200, text + "}")

    # GET /access_token, /refresh_access_token, /v1.0/me -------------------

    def _long_token_answer(self, scope):
        token = self.issue_token("long", scope=scope)
        return self._json_answer(200, json.dumps(
            {"access_token": token, "token_type": "bearer",
             "expires_in": LONG_EXPIRES_IN}))

    def _exchange(self, rec):
        problems = []
        grant = self._single(rec.query, "grant_type", problems)
        secret = self._single(rec.query, "client_secret", problems)
        token = self._single(rec.query, "access_token", problems)
        if problems:
            return self._graph_error(problems[0], code=100)
        if grant != "th_exchange_token":
            return self._graph_error("Unsupported grant_type", code=100)
        if not secrets.compare_digest(secret.encode(),
                                      self.app_secret.encode()):
            return self._graph_error("Error validating client secret.",
                                     code=1)
        info = self._valid_token(token)
        if info is None:
            return self._graph_error("Invalid OAuth access token - Cannot "
                                     "parse access token")
        if info["kind"] != "short":
            return self._graph_error("Only a short-lived token can be "
                                     "exchanged")
        return self._long_token_answer(info["scope"])

    def _refresh(self, rec):
        problems = []
        grant = self._single(rec.query, "grant_type", problems)
        token = self._single(rec.query, "access_token", problems)
        if problems:
            return self._graph_error(problems[0], code=100)
        if grant != "th_refresh_token":
            return self._graph_error("Unsupported grant_type", code=100)
        info = self._valid_token(token)
        if info is None or info["kind"] != "long":
            return self._graph_error("Invalid OAuth access token - Cannot "
                                     "parse access token")
        if self.now() - info["issued"] < self.refresh_min_age:
            return self._graph_error("The access token can not be refreshed "
                                     "until it is at least 24 hours old",
                                     code=190)
        return self._long_token_answer(info["scope"])

    def _me(self, rec):
        token = None
        auth = rec.header("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
        elif rec.query.get("access_token"):
            token = rec.query["access_token"][0]
        if not token:
            return self._graph_error("An active access token must be used "
                                     "to query information about the "
                                     "current user.", code=2500)
        info = self._valid_token(token)
        if info is None:
            return self._graph_error("Error validating access token: "
                                     "Session has expired or the token is "
                                     "invalid.")
        fields = (rec.query.get("fields") or ["id"])[0]
        profile = {
            "id": info["user_id"],
            "username": self.username,
            "name": self.name,
            "threads_profile_picture_url":
                "https://127.0.0.1/picture/" + info["user_id"] + ".jpg",
            "threads_biography": "Testing things.",
        }
        out = {}
        for field in [f.strip() for f in fields.split(",") if f.strip()]:
            if field not in profile:
                return self._graph_error(
                    "(#100) Tried accessing nonexisting field (%s)" % field,
                    code=100)
            out[field] = profile[field]
        return self._json_answer(200, json.dumps(out))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _parse_listen(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host, int(port)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="A stand-in for Threads' OAuth endpoints (for tests and "
                    "demos; it never talks to Threads).")
    ap.add_argument("--listen", type=_parse_listen,
                    default=("127.0.0.2", 8443), metavar="HOST:PORT",
                    help="address to listen on (port 0: any free port)")
    ap.add_argument("--tls-dir", metavar="DIR",
                    help="serve HTTPS; the CA (ca.pem) and server "
                         "certificate are made in DIR unless already there")
    ap.add_argument("--app-id", default=DEFAULT_APP_ID)
    secret = ap.add_mutually_exclusive_group()
    secret.add_argument("--app-secret")
    secret.add_argument("--app-secret-file", metavar="FILE",
                        help="read the app secret from the first line")
    ap.add_argument("--redirect-uri", action="append", default=[],
                    metavar="URI", help="a valid OAuth redirect URI "
                    "(repeatable)")
    ap.add_argument("--user-id", default=DEFAULT_USER_ID)
    ap.add_argument("--username", default=DEFAULT_USERNAME)
    ap.add_argument("--name", default=DEFAULT_NAME)
    ap.add_argument("--app-name", default=DEFAULT_APP_NAME)
    ap.add_argument("--auto-consent", action="store_true",
                    help="skip the consent page: answer Allow at once")
    ap.add_argument("--verbose", action="store_true",
                    help="log each request (path only) to standard error")
    args = ap.parse_args(argv)

    app_secret = args.app_secret or DEFAULT_APP_SECRET
    if args.app_secret_file:
        with open(args.app_secret_file) as f:
            app_secret = f.readline().strip()

    tls = None
    if args.tls_dir:
        os.makedirs(args.tls_dir, exist_ok=True)
        ca = CertFiles(os.path.join(args.tls_dir, "ca.pem"),
                       os.path.join(args.tls_dir, "ca.key"))
        server = CertFiles(os.path.join(args.tls_dir, "server.pem"),
                           os.path.join(args.tls_dir, "server.key"))
        if not (os.path.exists(ca.cert) and os.path.exists(ca.key)):
            ca = make_ca(args.tls_dir, "ca")
            server = make_cert(args.tls_dir, ca, "server")
        elif not (os.path.exists(server.cert) and os.path.exists(server.key)):
            server = make_cert(args.tls_dir, ca, "server")
        tls = server

    host, port = args.listen
    standin = ThreadsStandin(host=host, port=port, tls=tls,
                             app_id=args.app_id, app_secret=app_secret,
                             redirect_uris=args.redirect_uri,
                             user_id=args.user_id, username=args.username,
                             name=args.name, app_name=args.app_name,
                             auto_consent=args.auto_consent,
                             verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    standin.start()
    print(standin.base_url, flush=True)
    if args.tls_dir:
        sys.stderr.write("standin: CA certificate %s\n"
                         % os.path.join(args.tls_dir, "ca.pem"))
        sys.stderr.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
