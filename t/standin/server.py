"""The stand-in's server: the ThreadsStandin class (its settings, what it
issued and recorded, reset), its HTTP or HTTPS listener and the request
handler that reads each request, records it and sends the endpoint's
answer or the fault set for it."""

import secrets
import socket
import ssl
import string
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import authorize, graph, meta, tokens
from .answers import Answer, graph_error, token_error
from .recording import (ENDPOINTS, FAULT_KINDS, Cancelled, Fault,
                        RecordedRequest, apply_fault)

DEFAULT_APP_ID = "990602627938098"
DEFAULT_APP_SECRET = "standin-app-secret-0f3c9a"
DEFAULT_USER_ID = "17841405793187218"
DEFAULT_USERNAME = "threads_tester"
DEFAULT_NAME = "Threads Tester"
DEFAULT_APP_NAME = "mod_threads_oauth test app"

TOKEN_ALPHABET = string.ascii_letters + string.digits


class _HandshakeFailed(Exception):
    """A TLS client went away or was refused during the handshake."""


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
        if isinstance(exc, (_HandshakeFailed, Cancelled, OSError,
                            ssl.SSLError)):
            return
        # Anything else is a defect of the stand-in: what httpd got then
        # was no answer Threads would give. Kept for the test to fail on.
        self.standin._handler_error(client_address, traceback.format_exc())
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
            self.server.standin._handshake(self.client_address,
                                           conn.session_reused)
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
        """Reads and records a request, then sends the endpoint's answer
        or applies the fault set for it."""
        standin = self.server.standin
        body = self._read_body()
        rec = RecordedRequest(self.command, self.path, self.headers, body,
                              self.client_address)
        standin._record(rec)
        fault = standin._take_fault(rec.endpoint)
        try:
            if fault is None:
                self.send_answer(rec, standin.answer(rec))
            else:
                apply_fault(self, rec, fault)
        except Cancelled:
            self.abort(rst=True)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError,
                socket.timeout):
            self.close_connection = True

    # -- writing (also for apply_fault) ------------------------------------

    def answer_head(self, answer, length=None, chunked=False):
        """The status line and headers of answer, as bytes; length: another
        Content-Length than the body's; chunked: Transfer-Encoding instead.
        """
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

    def note_answer(self, rec, answer):
        """Records answer as what rec got, and logs it."""
        rec.status = answer.status
        rec.response_body = answer.body
        self.log_request(answer.status, len(answer.body))

    def send_answer(self, rec, answer):
        """Sends answer (no body to a HEAD) and records it."""
        self.note_answer(rec, answer)
        data = self.answer_head(answer)
        if self.command != "HEAD":
            data += answer.body
        self.wfile.write(data)
        self.wfile.flush()

    def abort(self, rst=True):
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


class ThreadsStandin:
    """The stand-in server. Attributes a test may change (reset() restores
    them): app_id, app_secret, redirect_uris (a set), user_id (digits),
    user_id_as_string, username, name, raw_utf8 (True: /v1.0/me sends
    non-ASCII text as raw UTF-8, not \\u escapes), app_name, auto_consent
    (True: a valid GET /oauth/authorize answers at once with the Allow
    outcome), auto_decision ("allow" or "cancel"), short_expires_in (None:
    the code exchange answer has no expires_in, as in Meta's guide),
    code_lifetime, refresh_min_age, time_offset (seconds added to the
    stand-in's clock), known_permissions (a set), verbose."""

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
            raw_utf8=False, app_name=app_name, auto_consent=auto_consent,
            auto_decision="allow", short_expires_in=None,
            code_lifetime=tokens.CODE_LIFETIME,
            refresh_min_age=tokens.REFRESH_MIN_AGE,
            time_offset=0.0, known_permissions=set(authorize.PERMISSIONS),
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
            self._handler_errors = []
            self._handshakes = []
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
            if self._thread.is_alive():
                raise RuntimeError("the stand-in's server thread did not "
                                   "end within 5 s of shutdown()")

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
        """How many connections were accepted since the last reset (over
        HTTPS each one starts a TLS handshake: see handshakes and
        tls_errors for how they ended)."""
        with self._lock:
            return self._connections

    def _handshake(self, client, resumed):
        with self._lock:
            self._handshakes.append((client, resumed))

    @property
    def handshakes(self):
        """(client address, resumed) of every TLS handshake that completed,
        oldest first; resumed: the client resumed an earlier TLS session
        (an abbreviated handshake)."""
        with self._lock:
            return list(self._handshakes)

    def _tls_error(self, client, exc):
        with self._lock:
            self._tls_errors.append((client, str(exc)))

    @property
    def tls_errors(self):
        """(client address, error text) of every failed TLS handshake."""
        with self._lock:
            return list(self._tls_errors)

    def _handler_error(self, client, text):
        with self._lock:
            self._handler_errors.append((client, text))

    @property
    def handler_errors(self):
        """(client address, traceback) of every request whose handler
        raised something other than a dropped connection or a cancelled
        fault: a defect of the stand-in, which the test fixtures fail on."""
        with self._lock:
            return list(self._handler_errors)

    # -- faults ---------------------------------------------------------------

    def set_fault(self, endpoint, kind, count=None, **params):
        """Makes endpoint ("authorize", "token", "exchange", "refresh",
        "me" or "*" for all) misbehave for its next count requests (None:
        until reset() or clear_fault()). Kinds and their parameters:
          slow(seconds=5, until=None)  wait, then answer normally; with
                                   until (a threading.Event), answer as
                                   soon as it is set (seconds at most)
          trickle(interval=1.0, bytes=1)  headers now, body bytes at a time
          reset(rst=True)          close without an answer (RST or FIN)
          reset_mid_body           headers and half the body, then RST
          garbage(body)            200 text/html "<html>oops"
          huge(size=2 MiB, chunked=False)  200 with a huge JSON-ish body
          reject(message, code, status, subcode, fbtrace_id)  the
                                   OAuthException of that endpoint (Graph:
                                   code 190 by default, status 400)
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

    def sleep_unless_reset(self, seconds):
        """Sleeps; raises Cancelled when reset() or stop() ends the wait."""
        with self._lock:
            cancel = self._cancel
        if cancel.wait(seconds):
            raise Cancelled()

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

    def redeem_code(self, code, redirect_uri, client_id):
        """Uses up code when it is unused, unexpired and was issued for
        redirect_uri and client_id. Returns (its scope, None), or (None,
        the message Threads answers)."""
        with self._lock:
            info = self._codes.get(code)
            if info is None or info["used"]:
                return None, "Matching code was not found or was already used"
            if info["issued"] + self.code_lifetime <= self.now():
                return None, "This authorization code has expired."
            if info["redirect_uri"] != redirect_uri:
                return None, ("Error validating verification code. Please "
                              "make sure your redirect_uri is identical to "
                              "the one you used in the OAuth dialog request")
            if info["client_id"] != client_id:
                return None, "Matching code was not found or was already used"
            info["used"] = True
            return info["scope"], None

    def issue_token(self, kind="short", age=0.0, user_id=None,
                    scope="threads_basic", lifetime=None):
        """A new access token ("short": THQVJ..., 1 hour; "long": THAA...,
        60 days) that was issued age seconds ago."""
        issued = self.now() - age
        if lifetime is None:
            lifetime = (tokens.SHORT_LIFETIME if kind == "short"
                        else tokens.LONG_EXPIRES_IN)
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

    def valid_token(self, token):
        """What the stand-in knows of token while it is valid, else None."""
        with self._lock:
            info = self._tokens.get(token)
        if info is None or info["expires"] <= self.now():
            return None
        return info

    # -- Meta's callbacks to the app ------------------------------------------

    def signed_request(self, user_id=None, secret=None, **kw):
        """The signed_request Meta posts to the app's Deauthorize and Data
        Deletion callbacks for user_id (this stand-in's user by default),
        signed with the app secret (or secret); more keywords as
        meta.signed_request takes them."""
        return meta.signed_request(user_id or self.user_id,
                                   secret or self.app_secret, **kw)

    # -- answers ------------------------------------------------------------

    def answer(self, rec):
        """The endpoint's normal answer to rec."""
        endpoint = ANSWERS.get(rec.endpoint)
        if endpoint is not None:
            method, answer, wrong_method = endpoint
            if rec.method in method:
                return answer(self, rec)
            if wrong_method is not None:
                return wrong_method(rec)
        elif rec.endpoint == "moved":
            return Answer(200, "application/json",
                          '{"moved": true, "note": "a redirect was '
                          'followed"}')
        return graph_error("Unknown path components: " + rec.path,
                           code=2500, status=404)


def _token_wrong_method(rec):
    return token_error("Unsupported get request. Please read the Graph API "
                       "documentation")


def _graph_other_method(rec):
    return graph_error("Unsupported %s request." % rec.method, code=100)


# Endpoint -> (the methods it answers, its answer, the answer to any other
# method; None: the unknown-path answer).
ANSWERS = {
    "authorize": (("GET", "POST"), authorize.authorize, None),
    "token": (("POST",), tokens.code_exchange, _token_wrong_method),
    "exchange": (("GET",), tokens.long_lived_exchange, _graph_other_method),
    "refresh": (("GET",), tokens.refresh, _graph_other_method),
    "me": (("GET",), graph.me, _graph_other_method),
}
