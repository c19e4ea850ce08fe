"""Drives a real httpd with mod_threads_oauth for the integration tests.

Httpd writes its own httpd.conf (nothing from /etc/apache2), checks it with
`apache2 -t`, runs `apache2 -DFOREGROUND` and stops it by PID. Browser is a
cookie-keeping client that takes every redirect by hand, as a browser does,
and can walk a whole "Sign in with Threads" login.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# THREADS_MODULE_SO may name another build (a sanitizer build, say).
MODULE_SO = (os.environ.get("THREADS_MODULE_SO")
             or os.path.join(REPO, ".libs", "mod_threads_oauth.so"))
APACHE2 = "/usr/sbin/apache2"
MODULES_DIR = "/usr/lib/apache2/modules"
HTDOCS_SRC = os.path.join(HERE, "htdocs")
CGI_SRC = os.path.join(HERE, "cgi")

APP_ID = "990602627938098"
APP_SECRET = "test-app-secret-5d1e77c2a9"
USER_ID = "17841405793187218"
CALLBACK_PATH = "/oauth/callback"

# The modules every test server loads (besides the MPM and the module).
BASE_MODULES = [
    ("unixd_module", "mod_unixd.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authn_core_module", "mod_authn_core.so"),
    ("authz_user_module", "mod_authz_user.so"),
    ("authz_host_module", "mod_authz_host.so"),
    ("session_module", "mod_session.so"),
    ("session_cookie_module", "mod_session_cookie.so"),
    ("cgid_module", "mod_cgid.so"),
    ("alias_module", "mod_alias.so"),
    ("mime_module", "mod_mime.so"),
    ("dir_module", "mod_dir.so"),
    ("env_module", "mod_env.so"),
    ("headers_module", "mod_headers.so"),
    ("setenvif_module", "mod_setenvif.so"),
    ("rewrite_module", "mod_rewrite.so"),
    ("include_module", "mod_include.so"),
    ("log_config_module", "mod_log_config.so"),
]
MPMS = ("event", "worker", "prefork")

# Error log lines that mean a child died.
CRASH_RE = re.compile(r"exit signal|AH00052|AH00060|Segmentation fault|"
                      r"AddressSanitizer|LeakSanitizer|runtime error:|"
                      r"double free|stack smashing")


_BUILTIN = None


def builtin_modules():
    """Source names of the modules compiled into apache2 (`apache2 -l`),
    such as "mod_unixd.c": those cannot be loaded again."""
    global _BUILTIN
    if _BUILTIN is None:
        out = subprocess.run([APACHE2, "-l"], capture_output=True,
                             text=True, env=clean_env()).stdout
        _BUILTIN = set(re.findall(r"^\s*(\S+\.c)\s*$", out, re.M))
    return _BUILTIN


def free_port(host="127.0.0.1"):
    """A TCP port that is free on host right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def clean_env():
    """The environment httpd runs with: no proxies, C locale. For a
    sanitizer build, THREADS_HTTPD_PRELOAD becomes httpd's LD_PRELOAD and
    ASAN_OPTIONS / UBSAN_OPTIONS are passed on."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
           "LC_ALL": "C"}
    if os.environ.get("THREADS_HTTPD_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["THREADS_HTTPD_PRELOAD"]
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def configtest(conf_path):
    """Runs `apache2 -t -f conf_path`; returns (exit code, output)."""
    proc = subprocess.run([APACHE2, "-t", "-f", conf_path],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=clean_env(), timeout=30)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _copy_tree(src, dst, exec_suffixes=(".cgi",)):
    """Copies src to dst with modes httpd's unprivileged children can
    read (0755 directories, 0644 files, 0755 scripts)."""
    os.makedirs(dst, mode=0o755, exist_ok=True)
    os.chmod(dst, 0o755)
    if not os.path.isdir(src):
        return
    for name in os.listdir(src):
        s = os.path.join(src, name)
        d = os.path.join(dst, name)
        if os.path.isdir(s):
            _copy_tree(s, d, exec_suffixes)
        else:
            shutil.copyfile(s, d)
            os.chmod(d, 0o755 if name.endswith(exec_suffixes) else 0o644)


class LoopbackServer:
    """A TCP listener on a loopback address that hands every connection to
    handle(conn) in a thread of its own and closes it afterwards: for test
    peers the stand-in cannot play (raw bytes on the wire, a CONNECT
    proxy). Subclasses record what they see with record()."""

    def __init__(self, host):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def handle(self, conn):
        raise NotImplementedError

    def record(self, item):
        with self._lock:
            self.requests.append(item)

    def stopped(self):
        return self._stop.is_set()

    def wait_until_stopped(self, seconds):
        """Sleeps up to seconds, less when stop() is called."""
        return self._stop.wait(seconds)

    def stop(self):
        self._stop.set()
        self.sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle_and_close, args=(conn,),
                             daemon=True).start()

    def _handle_and_close(self, conn):
        try:
            conn.settimeout(10)
            self.handle(conn)
        except OSError:  # ssl.SSLError included
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def read_head(conn, limit):
    """Bytes from conn up to and including the blank line that ends an
    HTTP head (limit bytes at most); b"" when the peer closed first."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < limit:
        data = conn.recv(4096)
        if not data:
            return b""
        head += data
    return head


class HttpdError(AssertionError):
    """httpd refused the configuration or did not come up."""


class _PortTaken(Exception):
    """Another process bound the port first."""


class Httpd:
    """One httpd with its own configuration in directory.

    directives: Threads* (or any server-level) directives to override in
    the base configuration, name -> value; a value of None leaves the
    directive out. extra: configuration text appended at the end (server
    context). location_app: False leaves out the protected <Location /app>.
    """

    def __init__(self, directory, standin, ca_file, so_path=MODULE_SO,
                 mpm="event", extra="", directives=None, location_app=True,
                 port=None, name="httpd"):
        if mpm not in MPMS:
            raise ValueError("mpm must be one of %s" % (MPMS,))
        self.dir = directory
        self.name = name
        self.standin = standin
        self.ca_file = ca_file
        self.so_path = so_path
        self.mpm = mpm
        self.extra = extra
        self.location_app = location_app
        self.host = "127.0.0.1"
        self._fixed_port = port is not None
        self._set_port(port or free_port())
        self.docroot = os.path.join(directory, "htdocs")
        self.cgi_dir = os.path.join(directory, "cgi-bin")
        self.conf_path = os.path.join(directory, "httpd.conf")
        self.error_log_path = os.path.join(directory, "error.log")
        self.access_log_path = os.path.join(directory, "access.log")
        self.stderr_path = os.path.join(directory, "stderr.log")
        self.pid_file = os.path.join(directory, "httpd.pid")
        self.directives = self.base_directives()
        self.directives.update(directives or {})
        self._own_redirect_uri = (self.directives.get("ThreadsRedirectUri")
                                  == self.redirect_uri)
        self.proc = None
        self._stderr = None
        os.makedirs(directory, mode=0o755, exist_ok=True)
        os.chmod(directory, 0o755)
        os.makedirs(os.path.join(directory, "run"), mode=0o755,
                    exist_ok=True)
        self._install_content()
        self.write_conf()

    # -- configuration ------------------------------------------------------

    def _set_port(self, port):
        self.port = port
        self.base_url = "http://%s:%d" % (self.host, self.port)
        self.redirect_uri = self.base_url + CALLBACK_PATH

    def base_directives(self):
        """The module's directives of the base configuration (ordered)."""
        s = self.standin
        d = {
            "ThreadsAppId": APP_ID,
            "ThreadsAppSecret": APP_SECRET,
            "ThreadsRedirectUri": self.redirect_uri,
            "ThreadsAuthorizeUrl": s.authorize_url if s else None,
            "ThreadsTokenUrl": s.token_url if s else None,
            "ThreadsGraphUrl": s.graph_url if s else None,
            "ThreadsCaFile": self.ca_file,
        }
        return d

    def _install_content(self):
        _copy_tree(HTDOCS_SRC, self.docroot)
        _copy_tree(CGI_SRC, self.cgi_dir)
        # The protected area holds the same CGI.
        env_cgi = os.path.join(CGI_SRC, "env.cgi")
        if os.path.exists(env_cgi):
            os.makedirs(os.path.join(self.docroot, "app"), mode=0o755,
                        exist_ok=True)
            dst = os.path.join(self.docroot, "app", "env.cgi")
            shutil.copyfile(env_cgi, dst)
            os.chmod(dst, 0o755)

    def config_text(self):
        """The httpd.conf this server runs with."""
        d = self.dir
        lines = [
            "# Written by t/httpd_harness.py for one test.",
            'ServerRoot "%s"' % d,
            "ServerName %s:%d" % (self.host, self.port),
            "Listen %s:%d" % (self.host, self.port),
            'PidFile "%s"' % self.pid_file,
            'DefaultRuntimeDir "%s"' % os.path.join(d, "run"),
            'ErrorLog "%s"' % self.error_log_path,
            "LogLevel warn threads_oauth:trace8",
            "",
            "LoadModule mpm_%s_module %s/mod_mpm_%s.so" % (
                self.mpm, MODULES_DIR, self.mpm),
        ]
        for mod, so in BASE_MODULES:
            if so[:-3] + ".c" in builtin_modules():
                lines.append("# %s is compiled in" % mod)
            else:
                lines.append("LoadModule %s %s/%s" % (mod, MODULES_DIR, so))
        lines.append('LoadModule threads_oauth_module "%s"' % self.so_path)
        if os.geteuid() == 0:
            lines += ["User www-data", "Group www-data"]
        if self.mpm == "prefork":
            lines += ["StartServers 2", "MinSpareServers 2",
                      "MaxSpareServers 4", "MaxRequestWorkers 16"]
        else:
            lines += ["StartServers 1", "ServerLimit 2",
                      "ThreadsPerChild 16", "MaxRequestWorkers 32",
                      "MinSpareThreads 4", "MaxSpareThreads 32"]
        lines += [
            "Timeout 20",
            "KeepAlive On",
            "GracefulShutdownTimeout 1",
            'ScriptSock "%s"' % os.path.join(d, "cgid.sock"),
            'TypesConfig "/etc/mime.types"',
            "AddDefaultCharset off",
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b %D" timed',
            'CustomLog "%s" timed' % self.access_log_path,
            "",
            'DocumentRoot "%s"' % self.docroot,
            "DirectoryIndex index.html",
            "<Directory />",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            '<Directory "%s">' % self.docroot,
            "    Options -Indexes",
            "    Require all granted",
            "</Directory>",
            '<Directory "%s/app">' % self.docroot,
            "    Options +ExecCGI +Includes",
            "    AddHandler cgi-script .cgi",
            "    AddType text/html .shtml",
            "    AddOutputFilter INCLUDES .shtml",
            "</Directory>",
            'ScriptAlias /cgi-bin/ "%s/"' % self.cgi_dir,
            '<Directory "%s">' % self.cgi_dir,
            "    Require all granted",
            "</Directory>",
            "",
        ]
        for name, value in self.directives.items():
            if value is not None:
                lines.append("%s %s" % (name, value))
        lines += [
            "",
            "<Location />",
            "    Session On",
            "    SessionCookieName session path=/;HttpOnly;SameSite=Lax",
            "</Location>",
        ]
        if self.location_app:
            lines += [
                "<Location /app>",
                "    AuthType Threads",
                "    Require valid-user",
                "</Location>",
            ]
        lines += ["", "# Extra configuration of the test", self.extra, ""]
        return "\n".join(lines)

    def write_conf(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        os.chmod(self.conf_path, 0o644)
        return self.conf_path

    def configtest(self):
        """`apache2 -t` on this server's configuration: (exit code, output).
        """
        self.write_conf()
        return configtest(self.conf_path)

    # -- life cycle -----------------------------------------------------------

    def start(self, timeout=10.0):
        """Checks the configuration, starts httpd and waits until its port
        answers. Raises HttpdError with httpd's output on failure. When
        the port was picked here and another process took it meanwhile,
        tries again on another port."""
        for attempt in range(3):
            try:
                return self._start_once(timeout)
            except _PortTaken:
                if self._fixed_port or attempt == 2:
                    raise HttpdError("port %d is taken:\n%s" % (
                        self.port, self.read_stderr()))
                self._set_port(free_port())
                if self._own_redirect_uri:
                    self.directives["ThreadsRedirectUri"] = \
                        self.redirect_uri

    def _start_once(self, timeout):
        rc, out = self.configtest()
        if rc != 0:
            raise HttpdError("apache2 -t failed (%d):\n%s" % (rc, out))
        if self.standin is not None:
            self.standin.register_redirect_uri(self.redirect_uri)
        try:
            os.unlink(self.pid_file)
        except FileNotFoundError:
            pass
        stderr_mark = len(self.read_stderr())
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [APACHE2, "-f", self.conf_path, "-DFOREGROUND"],
            stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, env=clean_env(), start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self._close_stderr()
                self.proc = None
                stderr = self.read_stderr()[stderr_mark:]
                if "Address already in use" in stderr:
                    raise _PortTaken()
                raise HttpdError("httpd exited at start:\n%s\n%s" % (
                    stderr, self.error_log_tail()))
            # The PID file is written once the port is bound.
            if self._pid_file_ready():
                try:
                    with socket.create_connection((self.host, self.port),
                                                  timeout=0.5):
                        break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise HttpdError("httpd did not answer on port %d:\n%s"
                                 % (self.port, self.error_log_tail()))
            time.sleep(0.01)
        return self

    def _pid_file_ready(self):
        try:
            with open(self.pid_file) as f:
                return f.read().strip() == str(self.proc.pid)
        except (FileNotFoundError, ValueError):
            return False

    def stop(self, timeout=10.0):
        """Stops httpd by its PID: SIGTERM, wait, then SIGKILL."""
        proc = self.proc
        if proc is None:
            return
        t0 = time.monotonic()
        if proc.poll() is None:
            # A worker may still be finishing the last request after its
            # answer went out; mod_cgid's cleanup then needs the cgid
            # daemon, which SIGTERM ends at once (and the child waits over
            # a second for it). A moment's pause avoids that.
            time.sleep(0.05)
            try:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    # The process group is the one this httpd leads.
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
            except ProcessLookupError:
                pass
        self.proc = None
        self.stop_seconds = time.monotonic() - t0
        self._close_stderr()

    def _close_stderr(self):
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def restart(self):
        """Rewrites the configuration and starts again (same port)."""
        self.stop()
        return self.start()

    # -- logs -----------------------------------------------------------------

    def url(self, path="/"):
        return self.base_url + path

    def error_log(self):
        """The whole error log (text)."""
        try:
            with open(self.error_log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def error_log_tail(self, lines=150):
        return "\n".join(self.error_log().splitlines()[-lines:])

    def error_log_mark(self):
        """An offset to pass to error_log_since()."""
        try:
            return os.path.getsize(self.error_log_path)
        except FileNotFoundError:
            return 0

    def error_log_since(self, mark):
        try:
            with open(self.error_log_path, "rb") as f:
                f.seek(mark)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def error_log_lines(self, pattern):
        """Error log lines matching the regular expression pattern."""
        rx = re.compile(pattern)
        return [ln for ln in self.error_log().splitlines() if rx.search(ln)]

    def access_log(self):
        try:
            with open(self.access_log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def read_stderr(self):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def crash_lines(self):
        """Error log lines that say a child process crashed."""
        return [ln for ln in self.error_log().splitlines()
                if CRASH_RE.search(ln)]


# ---------------------------------------------------------------------------
# A browser-like client
# ---------------------------------------------------------------------------

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


def describe(resp):
    """A short text of a response for assertion messages."""
    if resp is None:
        return "no response"
    body = resp.text if len(resp.content) < 2000 else resp.text[:2000] + "..."
    return "%s %s -> %d\n%s\n%s" % (
        resp.request.method, resp.url, resp.status_code,
        "\n".join("%s: %s" % kv for kv in resp.headers.items()), body)


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


# ---------------------------------------------------------------------------
# Assertions shared by the tests
# ---------------------------------------------------------------------------

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


def media_type(resp):
    """Content-Type normalised: lower case, "; " between parameters."""
    ctype = resp.headers.get("Content-Type", "")
    return "; ".join(p.strip() for p in ctype.lower().split(";"))


def assert_module_page(resp, status):
    """A page the module wrote: status, text/html; charset=utf-8, no-store.
    Returns the body text."""
    assert resp.status_code == status, (
        "expected %d:\n%s" % (status, describe(resp)))
    assert media_type(resp) == "text/html; charset=utf-8", describe(resp)
    assert_no_store(resp)
    return resp.text


def assert_module_json(resp, status):
    """A JSON answer of the module: status, application/json, no-store.
    Returns the parsed body (integers kept as digit strings)."""
    assert resp.status_code == status, (
        "expected %d:\n%s" % (status, describe(resp)))
    assert media_type(resp).split(";")[0] == "application/json", (
        describe(resp))
    assert_no_store(resp)
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


def has_link(page):
    """1 when the HTML page holds a link (<a href="...">)."""
    return re.search(r'<a\s[^>]*href="[^"]+"', page) is not None
