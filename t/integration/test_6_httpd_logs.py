"""No secret in the error log, whatever httpd's own modules log (contract
6, README "Log messages").

The server logs at `LogLevel debug` (core at trace8, for request lines)
with `<Location /> LogLevel trace8` (a per-directory level replaces the
server's on every request); mod_rewrite at trace8 with a server-level and
a per-directory RewriteCond on the callback's query; mod_dumpio dumping
both directions at trace7; mod_ssl at trace8 on an HTTPS virtual host
whose whole site is a FastCGI application behind mod_proxy_fcgi
(`ProxyPass /`, callback path included); and a FastCGI and an AJP
location under AuthType Threads on the plain server too. Both FastCGI locations get the
token as a variable and a header (ThreadsPassAs both); the callback's
errors are answered by ErrorDocuments (internal redirects), and a page
includes the CGI (an SSI subrequest). Logins and their failures then run
through all of it, and the whole error log is searched
for every code, state, token, the app secret and every session cookie
value, in every form harness/leaks.py knows.

Requests the module does not handle prove the levels are on: they leave
core's AH00007 (debug), http's response headers (trace4), mod_rewrite's
RewriteCond input (trace4) and mod_proxy_fcgi's variables (trace8) in the
same log. Request lines (core trace5) and connection dumps (mod_dumpio,
mod_ssl at trace7) the module caps on every server it runs on: the same
configuration without the module's directives shows them.
"""

import json
import os
import re
import urllib.parse

import pytest

from harness import (BASE_MODULES, CALLBACK_PATH, Browser, describe,
                     free_port)
from harness.fastcgi import FastCGIApp
from harness.leaks import Witness, describe_leaks, find_leaks
from harness.loopback import LoopbackServer
from harness.sealed import forge_token, needs_crypto
from harness.stores import SQLITE_DRIVER, dbd_lines, make_session_db

MODULES = BASE_MODULES + ("dumpio", "proxy", "proxy_ajp", "proxy_fcgi",
                          "socache_shmcb", "ssl")
LOG_LEVEL = "debug core:trace8 rewrite:trace8 dumpio:trace7 ssl:trace8"
QUERY_RULE = [
    "RewriteCond %{QUERY_STRING} (^|&)(code|state|error)=",
    "RewriteRule ^ - [E=CALLBACK_QUERY:1]",
]
START = "/app/env.cgi"
AGAIN = CALLBACK_PATH + "?login=/app/env.cgi"  # a login while logged in
DAY = 86400

# What the requests the module does not handle send, and must find logged.
PROBE_CODE = "probe-code-0a1b2c3d4e5f"
PROBE_HEADER = "probe-header-6a7b8c9d"
PROBE_COOKIE = "probe-cookie-5e6f7a8b"


@pytest.fixture
def fastcgi():
    app = FastCGIApp()
    yield app
    app.stop()


class AjpSink(LoopbackServer):
    """An AJP backend that reads what mod_proxy_ajp sends and closes: it
    marshals every forwarded header (and logs them at trace5) before it
    waits for an answer."""

    def handle(self, conn):
        self.record(conn.recv(65536))


@pytest.fixture
def ajp():
    sink = AjpSink("127.0.0.1")
    yield sink
    sink.stop()


def traced_config(h, app, ajp, tls_port, tls, module=True):
    """Every log level on, as this file's docstring says. module=False
    leaves out what needs the module configured (AuthType Threads)."""
    fcgi = "fcgi://%s/" % app.address
    ajp_url = "ajp://127.0.0.1:%d/" % ajp.port
    lines = [
        "DumpIOInput On",
        "DumpIOOutput On",
        "RewriteEngine On",
    ] + QUERY_RULE + [
        "<Location />",
        "    LogLevel trace8",
        "</Location>",
        '<Directory "%s">' % h.docroot,
        "    RewriteEngine On",
    ] + ["    " + ln for ln in QUERY_RULE] + [
        "</Directory>",
        # A public FastCGI location and a public session of its own
        # (written on every request: SessionMaxAge), for the probes.
        "<Location /pub-fcgi/>",
        "    ProxyPass %s" % fcgi,
        "</Location>",
        "<Location /pub-ajp/>",
        "    ProxyPass %s" % ajp_url,
        "</Location>",
        "<Location /index.html>",
        "    SessionCookieName probe path=/index.html",
        "    SessionMaxAge 600",
        "    SessionEnv On",
        "</Location>",
        # Public pages under the site's own session, written back on
        # every request (SessionMaxAge): the module does not handle them,
        # but a logged-in browser's cookie goes through them.
        'Alias /public "%s"' % h.docroot,
        "<Location /public>",
        "    SessionMaxAge 600",
        "</Location>",
        "Listen 127.0.0.1:%d" % tls_port,
        "<VirtualHost 127.0.0.1:%d>" % tls_port,
        "    ServerName localhost",
        "    SSLEngine on",
        '    SSLCertificateFile "%s"' % tls.server.cert,
        '    SSLCertificateKeyFile "%s"' % tls.server.key,
        "    RewriteEngine On",
    ] + ["    " + ln for ln in QUERY_RULE] + [
        "    ProxyPass / %s" % fcgi,
        "</VirtualHost>",
    ]
    if module:
        lines += [
            "<Location /app>",
            "    ThreadsPassAs both",
            "</Location>",
            # The callback's errors answered by pages of the site's (an
            # internal redirect, which carries the session's Set-Cookie).
            "<Location %s>" % CALLBACK_PATH,
            "    ErrorDocument 403 /err.html",
            "    ErrorDocument 502 /cgi-bin/env.cgi",
            "</Location>",
            "<Location /fcgi/>",
            "    AuthType Threads",
            "    Require valid-user",
            "    ThreadsPassAs both",
            "    ProxyPass %s" % fcgi,
            "</Location>",
            "<Location /ajp/>",
            "    AuthType Threads",
            "    Require valid-user",
            "    ThreadsPassAs both",
            "    ProxyPass %s" % ajp_url,
            "</Location>",
        ]
    return "\n".join(lines)


class Traced:
    """A started server with traced_config: httpd, its HTTPS origin
    (tls_url), the FastCGI application and the AJP backend."""

    def __init__(self, httpd, tls_url, app, ajp):
        self.httpd = httpd
        self.tls_url = tls_url
        self.app = app
        self.ajp = ajp


def start_traced(httpd_factory, tls, app, ajp, module=True,
                 directives=None):
    tls_port = free_port()
    d = dict(directives or {})
    if not module:
        d.update({name: None for name in (
            "ThreadsAppId", "ThreadsAppSecret", "ThreadsRedirectUri",
            "ThreadsAuthorizeUrl", "ThreadsTokenUrl", "ThreadsGraphUrl",
            "ThreadsCaFile")})
    h = httpd_factory(start=False, modules=MODULES, log_level=LOG_LEVEL,
                      directives=d, location_app=module)
    h.extra = traced_config(h, app, ajp, tls_port, tls, module)
    with open(os.path.join(h.docroot, "err.html"), "w") as f:
        f.write("<!DOCTYPE html><title>Oops</title><p>Sign-in failed.</p>\n")
    os.chmod(os.path.join(h.docroot, "err.html"), 0o644)
    h.start()
    return Traced(h, "https://127.0.0.1:%d" % tls_port, app, ajp)


@pytest.fixture
def traced(httpd_factory, tls, fastcgi, ajp):
    return start_traced(httpd_factory, tls, fastcgi, ajp)


def on_tls(traced, url):
    """url (on the plain server) on the HTTPS virtual host instead."""
    return traced.tls_url + url[len(traced.httpd.base_url):]


def token_of(resp):
    """The token the application got (CGI environment or FastCGI
    parameters, as JSON)."""
    assert resp.status_code == 200, describe(resp)
    env = json.loads(resp.text)
    token = env.get("THREADS_ACCESS_TOKEN")
    assert token, "the application got no token:\n" + describe(resp)
    assert env.get("HTTP_X_THREADS_ACCESS_TOKEN") == token, env
    return token


def probe(traced):
    """Requests the module does not handle, which log what the same
    levels would log on the module's requests."""
    h = traced.httpd
    p = Browser(h)
    try:
        query = "?" + urllib.parse.urlencode({"code": PROBE_CODE,
                                              "state": PROBE_CODE})
        r = p.get("/index.html" + query)
        assert r.status_code == 200, describe(r)
        r = p.get("/pub-fcgi/x" + query, headers={"X-Probe": PROBE_HEADER})
        assert r.status_code == 200, describe(r)
        # The AJP backend reads and hangs up: httpd answers 5xx, after
        # mod_proxy_ajp marshalled (and logged) the headers.
        r = p.get("/pub-ajp/x", headers={"X-Probe": PROBE_HEADER})
        assert r.status_code >= 500 and traced.ajp.requests, describe(r)
        r = p.get("/index.html",
                  headers={"Cookie": "probe=n=" + PROBE_COOKIE})
        assert PROBE_COOKIE in r.headers.get("Set-Cookie", ""), describe(r)
        r = p.get(traced.tls_url + "/pub-tls?code=%s-tls" % PROBE_CODE)
        assert r.status_code == 200, describe(r)
    finally:
        p.close()


def assert_probes_traced(log):
    """The probes' trace lines: the levels of httpd's modules were on."""
    lines = log.splitlines()

    def has(*parts):
        """A line with every part ("-x": without x)."""
        return any(all((p[1:] not in ln) if p.startswith("-") else (p in ln)
                       for p in parts) for ln in lines)

    expected = {
        "core debug (AH00007, a Set-Cookie)": ("[core:debug]", "AH00007",
                                               PROBE_COOKIE),
        "http trace4 (response headers)": ("[http:trace4]",
                                           "Content-Type: text/html"),
        "rewrite trace4 (server RewriteCond)": (
            "[rewrite:trace4]", "-[perdir ",
            "RewriteCond: input='code=" + PROBE_CODE),
        "rewrite trace4 (per-directory RewriteCond)": (
            "[rewrite:trace4]", "[perdir ", "input='code=" + PROBE_CODE),
        "rewrite trace4 (the virtual host's RewriteCond)": (
            "[rewrite:trace4]", "input='code=%s-tls'" % PROBE_CODE),
        "proxy_fcgi trace8 (the variables sent)": (
            "[proxy_fcgi:trace8]", "HTTP_X_PROBE", PROBE_HEADER),
        "proxy_ajp trace5 (the headers forwarded)": (
            "[proxy_ajp:trace5]", PROBE_HEADER),
        "ssl trace3 (the virtual host speaks TLS)": ("[ssl:trace3]",),
    }
    missing = [what for what, parts in expected.items() if not has(*parts)]
    assert not missing, (
        "httpd's modules did not log these on requests the module does not "
        "handle (the levels are not on): %s" % ", ".join(missing))


def assert_no_secret_logged(traced, witness, minimum, starts=1):
    """Stops the server (so every line is written), then searches the
    whole error log for every secret the witness saw; minimum: how many
    codes, states, cookies and tokens it must have seen at least (a
    witness that saw nothing proves nothing). The probes' lines must be
    there, and the caps' notice once for each of the server's starts."""
    h = traced.httpd
    h.stop()
    secrets = witness.secrets()
    seen = {"codes": len(witness.codes), "states": len(witness.states),
            "cookies": len(witness.cookies),
            "tokens": len(witness.standin.issued_tokens())}
    assert all(seen[k] >= n for k, n in minimum.items()), (seen, minimum)
    log = h.error_log()
    assert_probes_traced(log)
    leaks = find_leaks(log, secrets)
    assert not leaks, "secrets in the error log:\n" + describe_leaks(leaks)
    notices = h.error_log_lines(r"THREADS00004")
    assert len(notices) == starts, notices
    return log


def test_logins_and_their_failures_log_no_secret_at_any_level(
        traced, browser_factory, standin):
    h = traced.httpd
    witness = Witness(standin, h.base_url, traced.tls_url)
    b = witness.watch(browser_factory(h))
    probe(traced)

    flow = b.login(START + "?x=1")
    token = token_of(flow.final)
    # A public page that rewrites the session cookie (core logs what it
    # writes at debug, AH00007).
    r = b.get("/public/index.html")
    assert r.status_code == 200, describe(r)
    assert "threads.token" in urllib.parse.unquote(
        r.headers.get("Set-Cookie", "")), describe(r)
    r = b.get("/app/include.shtml")  # an SSI subrequest to the CGI
    assert r.status_code == 200 and token in r.text, describe(r)
    assert token_of(b.get("/fcgi/page?y=2")) == token
    # A session cookie and the token as a header, through AJP.
    r = b.get("/ajp/page")
    assert r.status_code >= 500 and traced.ajp.requests[-1], describe(r)
    assert token.encode() in traced.ajp.requests[-1]
    assert traced.app.requests[-1]["THREADS_ACCESS_TOKEN"] == token
    assert token_of(b.get(traced.tls_url + "/app/page?z=3")) == token
    assert b.get(CALLBACK_PATH + "?info=json").status_code == 200
    # The callback again (back button): logged in, so back to /.
    assert b.get(flow.callback_url).status_code == 302
    # Cancelled on the consent page, a code Threads refuses, Threads down.
    # (Answered by the ErrorDocuments.)
    standin.auto_decision = "cancel"
    f = b.finish_login(b.start_login(AGAIN))
    assert f.callback.status_code == 403, describe(f.callback)
    assert "Sign-in failed" in f.callback.text, describe(f.callback)
    standin.auto_decision = "allow"
    standin.set_fault("token", "reject", count=1, message="Invalid code")
    f = b.finish_login(b.start_login(AGAIN))
    assert f.callback.status_code == 403, describe(f.callback)
    standin.set_fault("token", "reset", count=2)
    f = b.finish_login(b.start_login(AGAIN))
    assert f.callback.status_code == 502, describe(f.callback)
    assert "REDIRECT_THREADS_ERROR" in f.callback.text, describe(f.callback)
    standin.clear_fault()
    assert b.get(CALLBACK_PATH + "?logout=/").status_code == 302

    # After a restart, another browser: a made-up callback (no such
    # state), then a login whose callback comes back on the HTTPS host,
    # its replay, a logout.
    b.close()
    h.restart()
    b2 = witness.watch(browser_factory(h))
    r = b2.get(CALLBACK_PATH + "?code=AQBmadeup0123456789abcdefghij"
               "&state=madeup0123456789abcdefghijklmnopq")
    assert r.status_code == 400, describe(r)
    f = b2.start_login(START)
    f.callback_url = on_tls(traced, f.callback_url)
    b2.finish_login(f)
    assert f.callback.status_code == 302, describe(f.callback)
    assert f.final.url.startswith(traced.tls_url + START), describe(f.final)
    tls_token = token_of(f.final)
    r = b2.get(f.callback_url)
    assert r.status_code == 302, describe(r)
    assert token_of(b2.get("/fcgi/again")) == tls_token
    r = b2.get(traced.tls_url + CALLBACK_PATH + "?logout=/")
    assert r.status_code == 302, describe(r)

    assert_no_secret_logged(traced, witness, {
        "codes": 5, "states": 6, "cookies": 6, "tokens": 2}, starts=2)


@needs_crypto
def test_a_refresh_logs_no_secret_at_any_level(httpd_factory, tls, fastcgi,
                                               ajp, browser_factory, standin):
    traced = start_traced(httpd_factory, tls, fastcgi, ajp,
                          directives={"ThreadsLongLivedToken": "On"})
    h = traced.httpd
    witness = Witness(standin, h.base_url, traced.tls_url)
    b = witness.watch(browser_factory(h))
    probe(traced)
    b.login(START)
    # The long-lived token two days old, expiring in three: due.
    now = int(standin.now())
    old = forge_token(b, i=now - 2 * DAY, l=now - 2 * DAY, e=now + 3 * DAY,
                      k="l", r=None)["t"]
    standin.time_offset = 2 * DAY
    new = token_of(b.get(traced.tls_url + "/app/refreshed"))
    assert new != old
    assert len(standin.requests_for("refresh")) == 1
    assert token_of(b.get("/fcgi/after")) == new
    assert b.get(CALLBACK_PATH + "?logout=/").status_code == 302
    assert_no_secret_logged(traced, witness, {
        "codes": 1, "states": 1, "cookies": 3, "tokens": 3})


def test_without_the_module_the_same_levels_dump_connections(
        httpd_factory, tls, fastcgi, ajp):
    """The control for the two dumps the module caps on every server:
    without its directives, the same configuration logs the bytes of
    each connection (mod_dumpio, and mod_ssl's hex dumps) and request
    lines (core trace5)."""
    traced = start_traced(httpd_factory, tls, fastcgi, ajp, module=False)
    h = traced.httpd
    p = Browser(h)
    target = "/index.html?code=" + PROBE_CODE
    assert p.get(target).status_code == 200
    assert p.get(traced.tls_url + target).status_code == 200
    p.close()
    h.stop()
    dumped = h.error_log_lines(r"\[dumpio:trace7\].*GET " + re.escape(target))
    assert len(dumped) == 2, "mod_dumpio did not log both requests"
    # mod_ssl's dumps are of the bytes on the wire (TLS records).
    assert h.error_log_lines(r"\[ssl:trace7\].*\| 0000: "), (
        "mod_ssl dumped nothing")
    assert h.error_log_lines(r"\[core:trace5\].*GET " + re.escape(target)), (
        "core logged no request line")
    assert not h.error_log_lines(r"THREADS00004")


# A CGI that puts a value of its own in the session (SessionHeader): a
# session id of mod_session_dbd that does not hold the module's values.
SET_SESSION_CGI = """#!/bin/sh
printf 'X-Replace-Session: probe=1\r\nContent-Type: text/plain\r\n\r\nset\n'
"""


def test_a_session_id_stays_out_of_the_log_on_public_pages(
        httpd_factory, browser_factory, standin):
    """mod_session_dbd: the cookie is a session id, as good as the session
    to whoever holds it. With SessionMaxAge mod_session writes it back on
    every page under Session On, the module's or not, error answers and
    redirects included, and core logs what it writes at debug (AH00007).
    The module caps core on every request whose session holds its values;
    a session of the site's own (the control) is still logged."""
    if not os.path.exists(SQLITE_DRIVER):
        pytest.skip("the APR SQLite driver is not installed "
                    "(libaprutil1-dbd-sqlite3)")
    h = httpd_factory(
        start=False, modules=BASE_MODULES + ("dbd", "session_dbd"),
        session=["SessionDBDCookieName session path=/;HttpOnly"],
        log_level="debug")
    db = make_session_db(os.path.join(h.dir, "db"))
    h.extra = "\n".join(dbd_lines(db) + [
        'Alias /public "%s"' % h.docroot,
        "<Location /public>",
        "    SessionMaxAge 600",
        "</Location>",
        "<Location /public/denied>",
        "    Require all denied",
        "</Location>",
        # An answer made at translate_name, before the final merge.
        "RewriteEngine On",
        "RewriteRule ^/public/old$ /public/index.html [R=302,L]",
        "<Location /cgi-bin/probe.cgi>",
        "    SessionHeader X-Replace-Session",
        "</Location>",
    ])
    h.start()
    script = os.path.join(h.cgi_dir, "probe.cgi")
    with open(script, "w") as f:
        f.write(SET_SESSION_CGI)
    os.chmod(script, 0o755)

    control = browser_factory(h)
    r = control.get("/cgi-bin/probe.cgi")
    assert r.status_code == 200, describe(r)
    site_session = control.cookie()
    assert site_session, describe(r)

    b = browser_factory(h)
    b.login("/app/env.cgi")
    sid = b.cookie()
    # A page; a directory, whose index a subrequest finds first; a page
    # refused before fixups; a redirect of the server's rewrite rules.
    # mod_session writes the id back into each answer.
    for path, status in (("/public/index.html", 200), ("/public/", 200),
                         ("/public/denied", 403), ("/public/old", 302)):
        r = b.get(path)
        assert r.status_code == status, describe(r)
        assert sid in r.headers.get("Set-Cookie", ""), describe(r)
    h.stop()
    log = h.error_log()
    assert any("AH00007" in ln and site_session in ln
               for ln in log.splitlines()), (
        "core's AH00007 is not on: the control proves nothing")
    leaked = [ln for ln in log.splitlines() if sid in ln]
    assert not leaked, "the session id is in the log:\n" + "\n".join(leaked)
