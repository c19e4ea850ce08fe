"""The site that scripts/bench.py and scripts/profile.py measure.

One httpd (MPM event, the harness's httpd.conf template, LogLevel warn, no
access log) with the built module, and the Threads stand-in over HTTPS on
127.0.0.2. The main server and three virtual hosts, each on its own port
of 127.0.0.1, serve the same small static file (t/htdocs/app/page.html):

  main    /static  no session
          /floor   Session On with mod_session_cookie, no AuthType: what
                   mod_session alone costs to read the logged-in cookie
          /app     AuthType Threads on the cookie store (the default)
          /pass    AuthType Threads, ThreadsUnauthAction pass
          /oauth/callback
  shmcb   /shmcb/app   the same with ThreadsRevocationCache shmcb
  dbd     /dbd/app     mod_session_dbd on SQLite (mod_dbd, apr_dbd_sqlite3)
  crypto  /crypto/app  mod_session_crypto over the cookie store

Each virtual host has its own callback under its prefix and its own session
configuration, and no path of one lies under a <Location> of another: the
main server's sections also apply inside virtual hosts, and a store must
not see another store's cookie settings. A login through each server gives
the cookie its scenarios send (Site.login_cookie).
"""

import os
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "t") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "t"))

import harness  # noqa: E402
from harness.httpdconf import BASE_MODULES  # noqa: E402
from harness.stores import SQLITE_DRIVER, dbd_lines, make_session_db  # noqa
from standin import ThreadsStandin, make_tls_material  # noqa: E402

PAGE = "page.html"
MODULES = BASE_MODULES + ("dbd", "session_dbd", "session_crypto",
                          "socache_shmcb")
COOKIE = "session path=/;HttpOnly;SameSite=Lax"
CRYPTO_PASSPHRASE = "a passphrase for the benchmark"

# Two children of 16 threads that the parent never stops or adds to: the
# CPU of every request stays in processes whose times are read.
MPM_TUNING = ["StartServers 2", "ServerLimit 2", "ThreadsPerChild 16",
              "MaxRequestWorkers 32", "MinSpareThreads 1",
              "MaxSpareThreads 32", "MaxConnectionsPerChild 0"]
# httpd -X under valgrind: one process, few threads.
MPM_TUNING_ONE = ["ThreadsPerChild 4", "MaxRequestWorkers 4",
                  "MinSpareThreads 1", "MaxSpareThreads 4"]

# name: (server, path, sends the server's login cookie, extra headers,
# expected status). The order is the order of every round.
SCENARIOS = [
    ("static", "main", "/static/" + PAGE, False, {}, 200),
    ("floor", "main", "/floor/" + PAGE, True, {}, 200),
    ("auth", "main", "/app/" + PAGE, True, {}, 200),
    ("auth-shmcb", "shmcb", "/shmcb/app/" + PAGE, True, {}, 200),
    ("auth-dbd", "dbd", "/dbd/app/" + PAGE, True, {}, 200),
    ("auth-crypto", "crypto", "/crypto/app/" + PAGE, True, {}, 200),
    ("pass", "main", "/pass/" + PAGE, False, {}, 200),
    ("401", "main", "/app/" + PAGE,
     False, {"X-Requested-With": "XMLHttpRequest"}, 401),
]
SCENARIO_NAMES = [s[0] for s in SCENARIOS]

# What each scenario is, for the printed table and the JSON summary.
DESCRIPTIONS = {
    "static": "small static file, no session",
    "floor": "Session On (mod_session_cookie) reading the logged-in "
             "cookie, no AuthType",
    "auth": "AuthType Threads, valid sealed login, cookie store",
    "auth-shmcb": "the same with ThreadsRevocationCache shmcb",
    "auth-dbd": "the same on mod_session_dbd (SQLite)",
    "auth-crypto": "the same with mod_session_crypto over the cookie",
    "pass": "AuthType Threads, ThreadsUnauthAction pass, no cookie",
    "401": "AuthType Threads, a script's request without login (401)",
}


def _location(path, lines):
    return ["<Location %s>" % path] + ["    " + ln for ln in lines] + \
        ["</Location>"]


class Server:
    """One server of the site: its port, the prefix of its paths and its
    callback."""

    def __init__(self, name, port, prefix):
        self.name = name
        self.port = port
        self.prefix = prefix
        self.base_url = "http://127.0.0.1:%d" % port
        self.callback_path = (prefix + "/callback" if prefix
                              else harness.CALLBACK_PATH)
        self.redirect_uri = self.base_url + self.callback_path

    def url(self, path):
        return self.base_url + path


class Site:
    """The stand-in and the httpd of the benchmark, in directory work
    (0755). one_process: the configuration for httpd -X (few threads);
    the caller starts that httpd itself."""

    def __init__(self, work, one_process=False):
        if not os.path.exists(SQLITE_DRIVER):
            raise RuntimeError("the APR SQLite driver is not installed "
                               "(libaprutil1-dbd-sqlite3)")
        self.work = work
        self.one_process = one_process
        tls = make_tls_material(os.path.join(work, "tls"))
        self.ca_file = tls.ca_file
        self.standin = ThreadsStandin(
            host="127.0.0.2", tls=tls.server, app_id=harness.APP_ID,
            app_secret=harness.APP_SECRET, user_id=harness.USER_ID)
        self.httpd = None
        self._tls = tls

    # -- configuration ------------------------------------------------------

    def _vhost(self, server, lines, session_lines):
        app = os.path.join(self.httpd.docroot, "app")
        body = ["ServerName 127.0.0.1:%d" % server.port,
                'DocumentRoot "%s"' % self.httpd.docroot,
                "ThreadsRedirectUri %s" % server.redirect_uri,
                'Alias %s/app "%s"' % (server.prefix, app)]
        body += lines
        body += _location(server.prefix, ["Session On"] + session_lines)
        body += _location(server.prefix + "/app",
                          ["AuthType Threads", "Require valid-user"])
        return (["Listen 127.0.0.1:%d" % server.port,
                 "<VirtualHost 127.0.0.1:%d>" % server.port]
                + ["    " + ln for ln in body] + ["</VirtualHost>"])

    def _extra(self):
        h = self.httpd
        app = os.path.join(h.docroot, "app")
        cookie = ["Session On", "SessionCookieName " + COOKIE]
        out = ['Alias /static "%s"' % app, 'Alias /floor "%s"' % app,
               'Alias /pass "%s"' % app]
        out += _location(harness.CALLBACK_PATH, cookie)
        out += _location("/floor", cookie)
        out += _location("/app", cookie + ["AuthType Threads",
                                           "Require valid-user"])
        out += _location("/pass", cookie + ["AuthType Threads",
                                            "ThreadsUnauthAction pass",
                                            "Require all granted"])
        out += ["SessionCryptoDriver openssl"]
        out += self._vhost(self.servers["shmcb"],
                           ["ThreadsRevocationCache shmcb"],
                           ["SessionCookieName " + COOKIE])
        db = make_session_db(os.path.join(self.work, "db"))
        out += self._vhost(self.servers["dbd"], dbd_lines(db),
                           ["SessionDBDCookieName " + COOKIE])
        out += self._vhost(self.servers["crypto"], [],
                           ["SessionCookieName " + COOKIE,
                            'SessionCryptoPassphrase "%s"'
                            % CRYPTO_PASSPHRASE])
        return "\n".join(out)

    def configure(self):
        """Writes the httpd configuration; returns the Httpd."""
        self.standin.start()
        self.httpd = harness.Httpd(
            os.path.join(self.work, "httpd"), self.standin, self.ca_file,
            name="bench", access_log=False, log_level="warn",
            session=None, location_app=False, modules=MODULES,
            mpm_tuning=MPM_TUNING_ONE if self.one_process else MPM_TUNING)
        ports = set([self.httpd.port])
        self.servers = {"main": Server("main", self.httpd.port, "")}
        for name in ("shmcb", "dbd", "crypto"):
            port = harness.free_port()
            while port in ports:
                port = harness.free_port()
            ports.add(port)
            self.servers[name] = Server(name, port, "/" + name)
        for server in self.servers.values():
            self.standin.register_redirect_uri(server.redirect_uri)
        self.httpd.extra = self._extra()
        self.httpd.write_conf()
        return self.httpd

    def start(self):
        """Configures and starts httpd (for the throughput runs)."""
        self.configure()
        self.httpd.start()
        self.wait_ports()
        return self

    def wait_ports(self, timeout=10.0, proc=None):
        """Waits until every server's port answers."""
        deadline = time.monotonic() + timeout
        for server in self.servers.values():
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", server.port),
                                                  timeout=0.5):
                        break
                except OSError:
                    if proc is not None and proc.poll() is not None:
                        raise RuntimeError("httpd exited at start:\n"
                                           + self.httpd.error_log_tail())
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            "port %d does not answer:\n%s" % (
                                server.port, self.httpd.error_log_tail()))
                    time.sleep(0.05)

    def stop(self):
        if self.httpd is not None:
            self.httpd.stop()
        self.standin.stop()

    # -- logins and requests -------------------------------------------------

    def browser(self):
        return harness.Browser(self.httpd)

    def login_cookie(self, server_name):
        """Logs in through server_name's protected page; the Cookie header
        its logged-in requests send."""
        server = self.servers[server_name]
        b = self.browser()
        try:
            flow = b.login(server.url(server.prefix + "/app/" + PAGE))
            if flow.final.status_code != 200:
                raise RuntimeError("the login through %s ended with %d"
                                   % (server_name, flow.final.status_code))
            return "session=" + b.cookie()
        finally:
            b.close()

    def scenario_requests(self, cookies, names=SCENARIO_NAMES):
        """name -> (url, headers, expected status) of the scenarios named;
        cookies: server name -> Cookie header (login_cookie)."""
        out = {}
        for name, server, path, with_cookie, headers, status in SCENARIOS:
            if name not in names:
                continue
            hdrs = dict(headers)
            if with_cookie:
                hdrs["Cookie"] = cookies[server]
            out[name] = (self.servers[server].url(path), hdrs, status)
        return out


# -- login clients (processes of their own: bench.py's multiprocessing pool) --

class _Target:
    """What harness.Browser needs to know of the httpd it talks to."""

    def __init__(self, base_url, ca_file):
        self.base_url = base_url
        self.host = "127.0.0.1"
        self.ca_file = ca_file

    def url(self, path):
        return self.base_url + path

    def error_log_tail(self, lines=0):
        return "(see httpd's error log)"


_client = None


def login_worker_init(base_url, ca_file):
    """Pool initializer: this process's browser, whose connections to httpd
    and to the stand-in stay open from one login to the next."""
    global _client
    _client = harness.Browser(_Target(base_url, ca_file))


def _turns(deadline, turn):
    """Calls turn() with an empty cookie jar until deadline (a
    time.monotonic() value). Returns (turns done, failed, first
    failure)."""
    done = failed = 0
    first = None
    while time.monotonic() < deadline:
        _client.clear_cookies()
        try:
            turn()
            done += 1
        except Exception as e:  # noqa: BLE001 - reported, not raised
            failed += 1
            first = first or "%s: %s" % (type(e).__name__, e)
    return done, failed, first


def login_worker(path, deadline):
    """Logs in through path again and again until deadline."""
    def turn():
        flow = _client.login(path)
        if flow.final.status_code != 200:
            raise AssertionError("the page after the login answered %d"
                                 % flow.final.status_code)
    return _turns(deadline, turn)


def static_worker(path, deadline):
    """Three requests for a static page per turn, as a login makes three
    requests to httpd, until deadline: the same clients over the same
    connections at the same pace, so that a static request counts the same
    wake-ups and cold caches as a login's requests do."""
    def turn():
        for _ in range(3):
            r = _client.get(path, navigate=False)
            if r.status_code != 200:
                raise AssertionError("%s answered %d" % (path, r.status_code))
    return _turns(deadline, turn)
