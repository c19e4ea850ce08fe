"""Building, loading and configuring the module (contract 1 and 2).

`apache2 -t` must refuse every bad directive with a message that names it;
the accepted forms must take effect. Each test writes its own httpd.conf
(see t/conftest.py); a started httpd talks to the Threads stand-in."""

import grp
import json
import os
import pwd
import re
import shutil
import subprocess

import pytest

from harness import (APACHE2, APP_ID, APP_SECRET, BASE_MODULES,
                     CALLBACK_PATH, USER_ID, assert_module_json, clean_env,
                     describe, httpdconf, query_of)

# The three directives every server that uses the module needs.
REQUIRED = ("ThreadsAppId", "ThreadsAppSecret", "ThreadsRedirectUri")
NONE_OF_THEM = {name: None for name in REQUIRED}


def assert_rejected(rc, out, directive):
    """apache2 -t failed and its message names directive (a message of the
    module, not httpd's "Invalid command")."""
    assert rc != 0, "apache2 -t accepted it:\n" + out
    assert directive in out, out
    assert "Invalid command" not in out, out
    assert "Syntax OK" not in out, out


def assert_authorize_redirect(resp, standin):
    assert resp.status_code == 302, describe(resp)
    loc = resp.headers["Location"]
    assert loc.startswith(standin.authorize_url + "?"), loc
    return query_of(loc)


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def startup_log(h):
    """What httpd said while it started: stderr (before the error log is
    open) and the error log."""
    return h.read_stderr() + "\n" + h.error_log()


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


# ---------------------------------------------------------------------------
# 1. Loading: mod_session is required
# ---------------------------------------------------------------------------

# The base modules without mod_session and its stores.
WITHOUT_MOD_SESSION = [m for m in BASE_MODULES if not m.startswith("session")]


def test_without_mod_session_httpd_refuses_to_start(httpd_factory):
    h = httpd_factory(start=False, modules=WITHOUT_MOD_SESSION, session=None)
    text = h.config_text()
    assert "session_module" not in text
    assert "threads_oauth_module" in text
    conf = h.write_conf()
    proc = subprocess.run([APACHE2, "-t", "-f", conf],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=clean_env(), timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "mod_session" in out, out
    # A real start fails the same way (and does not hang).
    proc = subprocess.run([APACHE2, "-f", conf, "-DFOREGROUND"],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=clean_env(), timeout=30)
    out = proc.stdout + proc.stderr
    try:
        with open(h.error_log_path) as f:
            out += f.read()
    except FileNotFoundError:
        pass
    assert proc.returncode != 0, out
    assert "mod_session" in out, out


def test_base_configuration_is_accepted(configtest):
    rc, out = configtest()
    assert rc == 0, out


# ---------------------------------------------------------------------------
# 2. Directives that apache2 -t refuses
# ---------------------------------------------------------------------------

BAD_VALUES = [
    ("ThreadsAppId", "12ab"),
    ("ThreadsAppId", "-12"),
    ("ThreadsRedirectUri", "/cb"),
    ("ThreadsRedirectUri", "ftp://x/cb"),
    ("ThreadsRedirectUri", "127.0.0.1/oauth/callback"),
    ("ThreadsScope", "threads_content_publish"),
    ("ThreadsScope", "threads_content_publish,threads_read_replies"),
    ("ThreadsUnauthAction", "redirect"),
    ("ThreadsUnauthAction", "402"),
    ("ThreadsPassAs", "cookie"),
    ("ThreadsPassAs", "envs"),
    ("ThreadsRemoteUser", "email"),
    ("ThreadsRemoteUser", "name"),
    ("ThreadsHttpTimeout", "0"),
    ("ThreadsHttpTimeout", "-1"),
    ("ThreadsHttpTimeout", "abc"),
    ("ThreadsHttpTimeout", "10x"),
    ("ThreadsStateTimeout", "0"),
    ("ThreadsStateTimeout", "-1"),
    ("ThreadsStateTimeout", "abc"),
    ("ThreadsStateTimeout", "10x"),
    ("ThreadsCaFile", "/nonexistent/threads-ca.pem"),
    ("ThreadsAppSecret", "file:/nonexistent/threads-secret"),
]


@pytest.mark.parametrize("name,value", BAD_VALUES,
                         ids=["%s=%s" % nv for nv in BAD_VALUES])
def test_configtest_refuses(configtest, name, value):
    rc, out = configtest(directives={name: value})
    assert_rejected(rc, out, name)


@pytest.mark.parametrize("name,value", [
    ("ThreadsScope", "threads_content_publish"),
    ("ThreadsUnauthAction", "redirect"),
    ("ThreadsPassAs", "cookie"),
    ("ThreadsRemoteUser", "email"),
], ids=["scope", "unauth", "passas", "remoteuser"])
def test_configtest_refuses_in_a_location(configtest, name, value):
    rc, out = configtest(extra="<Location /app>\n    %s %s\n</Location>"
                         % (name, value))
    assert_rejected(rc, out, name)


def test_secret_file_with_an_empty_first_line(configtest, filedir):
    path = write_file(filedir, "secret", "\nthe-secret-on-line-two\n")
    rc, out = configtest(directives={"ThreadsAppSecret": "file:" + path})
    assert_rejected(rc, out, "ThreadsAppSecret")


def test_empty_secret_file(configtest, filedir):
    path = write_file(filedir, "empty", "")
    rc, out = configtest(directives={"ThreadsAppSecret": "file:" + path})
    assert_rejected(rc, out, "ThreadsAppSecret")


def assert_names_missing(out, missing):
    """The error names exactly the directives in missing as missing."""
    lines = [ln for ln in out.splitlines()
             if any(name in ln for name in missing)]
    assert lines, out
    line = lines[0]
    given = [n for n in REQUIRED if n not in missing]
    if re.search(r"missing", line, re.I):
        # "... missing: X Y": what follows the word names the missing ones.
        named = re.split(r"missing", line, flags=re.I)[-1]
    else:
        named = line
    for name in missing:
        assert name in named, line
    for name in given:
        assert name not in named, "%s is set, yet named missing: %s" % (
            name, line)


@pytest.mark.parametrize("missing", [
    ("ThreadsAppId",), ("ThreadsAppSecret",), ("ThreadsRedirectUri",),
    ("ThreadsAppId", "ThreadsRedirectUri"),
], ids=["no-id", "no-secret", "no-redirect", "only-secret"])
def test_server_with_some_of_the_three(configtest, missing):
    rc, out = configtest(directives={name: None for name in missing})
    assert rc != 0, out
    assert "Syntax OK" not in out
    assert_names_missing(out, missing)


@pytest.mark.parametrize("given", [
    ("ThreadsAppId",), ("ThreadsAppId", "ThreadsAppSecret"),
    ("ThreadsRedirectUri",), ("ThreadsAppSecret", "ThreadsRedirectUri"),
], ids=["only-id", "id-secret", "only-redirect", "no-id"])
def test_virtual_host_with_some_of_the_three(configtest, given):
    values = {"ThreadsAppId": APP_ID, "ThreadsAppSecret": APP_SECRET,
              "ThreadsRedirectUri": "http://127.0.0.1:9/oauth/callback"}
    lines = ["<VirtualHost *:*>", "    ServerName partial.test"]
    lines += ["    %s %s" % (n, values[n]) for n in given]
    lines.append("</VirtualHost>")
    rc, out = configtest(directives=NONE_OF_THEM, extra="\n".join(lines))
    assert rc != 0, out
    assert "Syntax OK" not in out
    assert_names_missing(out, [n for n in REQUIRED if n not in given])


def test_complete_virtual_host_on_a_bare_server_is_accepted(configtest):
    rc, out = configtest(directives=NONE_OF_THEM, extra="\n".join([
        "<VirtualHost *:*>",
        "    ServerName complete.test",
        "    ThreadsAppId %s" % APP_ID,
        "    ThreadsAppSecret %s" % APP_SECRET,
        "    ThreadsRedirectUri http://127.0.0.1:9/oauth/callback",
        "</VirtualHost>"]))
    assert rc == 0, out


def test_server_with_none_of_the_three_is_accepted(configtest):
    # A server that does not use the module needs none of them.
    rc, out = configtest(directives=NONE_OF_THEM, location_app=False)
    assert rc == 0, out


# ---------------------------------------------------------------------------
# 2. Accepted forms take effect
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o600], ids=["0644", "0600"])
def test_app_secret_from_a_file(httpd_factory, browser_factory, standin,
                                filedir, mode):
    """0600: a secret file only root may read works, since httpd reads
    it at startup as root, before the children change user (which the
    startup check of files the children read therefore leaves alone)."""
    secret = "file-secret-3b8e41d0c7"
    path = write_file(filedir, "app-secret", secret + "\r\nline two\n")
    os.chmod(path, mode)
    standin.app_secret = secret
    h = httpd_factory(directives={"ThreadsAppSecret": "file:" + path})
    b = browser_factory(h)
    flow = b.login("/app/env.cgi")
    post, = standin.requests_for("token")
    assert post.form["client_secret"] == [secret]
    assert cgi_env(flow.final)["REMOTE_USER"] == USER_ID
    assert secret not in h.error_log()
    assert not h.error_log_lines(r"\[threads_oauth:(warn|error)\]"), (
        h.error_log_tail(20))


HTACCESS = """AuthType Threads
Require valid-user
ThreadsScope threads_basic threads_content_publish
ThreadsUnauthAction auth
ThreadsPassAs env
ThreadsRemoteUser id
"""


def test_per_directory_directives_in_an_htaccess_file(
        httpd_factory, browser_factory, standin):
    """README: in .htaccess the per-directory directives need AllowOverride
    AuthConfig; with it they protect the directory, with another override
    only httpd refuses the file (500)."""
    h = httpd_factory(start=False)
    for name, override in (("ht", "AuthConfig"),
                           ("ht-fileinfo", "FileInfo")):
        d = os.path.join(h.docroot, name)
        os.makedirs(d)
        write_file(d, ".htaccess", HTACCESS)
        write_file(d, "page.html", "<p>behind .htaccess</p>\n")
        os.chmod(d, 0o755)
        h.extra += '\n<Directory "%s">\n    AllowOverride %s\n</Directory>' \
            % (d, override)
    h.start()
    b = browser_factory(h)
    r = b.get("/ht/page.html")
    q = assert_authorize_redirect(r, standin)
    assert q["scope"] == ["threads_basic,threads_content_publish"], q
    flow = b.login("/ht/page.html")
    assert flow.final.status_code == 200, describe(flow.final)
    assert "behind .htaccess" in flow.final.text
    r = browser_factory(h).get("/ht-fileinfo/page.html")
    assert r.status_code == 500, describe(r)
    assert h.error_log_lines(r"\.htaccess: \S+ not allowed here"), (
        h.error_log_tail(10))


@pytest.mark.parametrize("written", [
    '"threads_basic threads_content_publish,threads_basic"',
    "threads_basic threads_content_publish,threads_basic",
    "threads_basic, threads_content_publish threads_basic ,",
], ids=["quoted", "unquoted", "spaces-and-commas"])
def test_scope_is_deduplicated_and_comma_joined(httpd_factory,
                                                browser_factory, standin,
                                                written):
    h = httpd_factory(extra="<Location /app>\n    ThreadsScope %s\n"
                            "</Location>" % written)
    b = browser_factory(h)
    q = assert_authorize_redirect(b.get("/app/env.cgi"), standin)
    assert q["scope"] == ["threads_basic,threads_content_publish"]
    flow = b.login("/app/env.cgi")
    env = cgi_env(flow.final)
    assert env["THREADS_SCOPE"] == "threads_basic,threads_content_publish"


def test_scope_at_server_level(httpd_factory, browser_factory, standin):
    h = httpd_factory(directives={
        "ThreadsScope": "threads_read_replies,threads_basic"})
    b = browser_factory(h)
    q = assert_authorize_redirect(b.get("/app/env.cgi"), standin)
    assert q["scope"] == ["threads_read_replies,threads_basic"]


def test_unknown_permission_is_accepted_with_a_warning(httpd_factory,
                                                       browser_factory,
                                                       standin):
    standin.known_permissions.add("threads_future_permission")
    h = httpd_factory(extra="<Location /app>\n    ThreadsScope threads_basic,"
                            "threads_future_permission\n</Location>")
    log = startup_log(h)
    lines = [ln for ln in log.splitlines()
             if "threads_future_permission" in ln]
    assert lines, log
    assert any(re.search(r"warn", ln, re.I) for ln in lines), lines
    # The known ones are not warned about.
    assert not [ln for ln in log.splitlines()
                if re.search(r"unknown.*threads_basic\b", ln)], log
    b = browser_factory(h)
    q = assert_authorize_redirect(b.get("/app/env.cgi"), standin)
    assert q["scope"] == ["threads_basic,threads_future_permission"]


def test_ssl_verify_off_warns_at_startup(httpd_factory, browser_factory,
                                         standin):
    h = httpd_factory(directives={"ThreadsSslVerify": "Off"})
    lines = [ln for ln in startup_log(h).splitlines()
             if "ThreadsSslVerify" in ln]
    assert lines, startup_log(h)
    assert any(re.search(r"warn", ln, re.I) for ln in lines), lines
    # The server works (the stand-in's certificate is valid anyway).
    b = browser_factory(h)
    assert cgi_env(b.login("/app/env.cgi").final)["REMOTE_USER"] == USER_ID


def test_ssl_verify_on_does_not_warn(httpd_factory):
    h = httpd_factory(directives={"ThreadsSslVerify": "On"})
    assert "ThreadsSslVerify" not in startup_log(h)


def test_authorization_window_defaults_to_threads_com(httpd_factory,
                                                      browser_factory,
                                                      standin):
    """Without ThreadsAuthorizeUrl the login goes to threads.com, not to
    the threads.net host whose redirect has dropped the query string."""
    h = httpd_factory(directives={"ThreadsAuthorizeUrl": None})
    r = browser_factory(h).get("/app/env.cgi")
    assert r.status_code == 302, r.status_code
    location = r.headers["Location"]
    assert location.startswith("https://threads.com/oauth/authorize?"), (
        location)
    assert standin.requests == [], "the stand-in was asked for nothing"


def test_directive_names_are_case_insensitive(httpd_factory,
                                              browser_factory, standin):
    h = httpd_factory(start=False)
    d = {}
    for i, (name, value) in enumerate(h.directives.items()):
        d[name] = None
        if value is not None:
            d[name.lower() if i % 2 == 0 else name.upper()] = value
    d["ThReAdSsCoPe"] = "threads_basic"
    h.directives = d
    h.extra = "<Location /app>\n    threadspassas BOTH\n</Location>"
    h.start()
    text = open(h.conf_path).read()
    assert "\nthreadsappid %s\n" % APP_ID in text
    assert "\nThreadsAppId" not in text
    b = browser_factory(h)
    flow = b.login("/app/env.cgi")
    post, = standin.requests_for("token")
    assert post.form["client_id"] == [APP_ID]
    assert post.form["client_secret"] == [APP_SECRET]
    assert post.form["redirect_uri"] == [h.redirect_uri]
    env = cgi_env(flow.final)
    assert env["THREADS_USER_ID"] == USER_ID
    assert env["HTTP_X_THREADS_USER_ID"] == USER_ID


def test_virtual_host_inherits_the_three_directives(httpd_factory,
                                                    browser_factory,
                                                    standin):
    h = httpd_factory(extra="\n".join([
        "<VirtualHost *:*>",
        "    ServerName inherits.test",
        "    SetEnv VHOST_MARK inherits",
        "</VirtualHost>",
    ]))
    b = browser_factory(h)
    q = assert_authorize_redirect(b.get("/app/env.cgi"), standin)
    assert q["client_id"] == [APP_ID]
    assert q["redirect_uri"] == [h.redirect_uri]
    flow = b.login("/app/env.cgi")
    env = cgi_env(flow.final)
    assert env["VHOST_MARK"] == "inherits"  # the virtual host answered
    assert env["REMOTE_USER"] == USER_ID
    post, = standin.requests_for("token")
    assert post.form["client_id"] == [APP_ID]
    assert post.form["client_secret"] == [APP_SECRET]
    assert post.form["redirect_uri"] == [h.redirect_uri]


def test_inner_location_sets_the_unauth_action_back(httpd_factory,
                                                    browser_factory,
                                                    standin):
    h = httpd_factory(start=False)
    h.extra = "\n".join([
        'Alias /app/inner "%s/app"' % h.docroot,
        "<Location /app>",
        "    ThreadsUnauthAction 401",
        "</Location>",
        "<Location /app/inner>",
        "    ThreadsUnauthAction auth",
        "</Location>",
    ])
    h.start()
    b = browser_factory(h)
    # The outer location: a navigation gets 401.
    r = b.get("/app/env.cgi")
    body = assert_module_json(r, 401)
    assert body["error"] == "login_required"
    assert query_of(body["login_url"]) == {"login": ["/app/env.cgi"]}
    # The inner one logs in again.
    assert_authorize_redirect(b.get("/app/inner/env.cgi"), standin)
    flow = b.login("/app/inner/env.cgi?q=1")
    env = cgi_env(flow.final)
    assert env["REMOTE_USER"] == USER_ID
    assert env["SCRIPT_NAME"] == "/app/inner/env.cgi"
    # Logged in, the outer location passes too.
    assert cgi_env(b.get("/app/env.cgi"))["REMOTE_USER"] == USER_ID


def test_server_without_the_three_answers_500(httpd_factory,
                                              browser_factory, standin):
    h = httpd_factory(directives=NONE_OF_THEM)
    b = browser_factory(h)
    mark = h.error_log_mark()
    for headers in ({}, {"X-Requested-With": "XMLHttpRequest"}):
        r = b.get("/app/env.cgi", headers=headers)
        assert r.status_code == 500, describe(r)
        assert "Location" not in r.headers
    log = h.error_log_since(mark)
    lines = [ln for ln in log.splitlines() if "ThreadsAppId" in ln]
    assert lines, log
    for name in REQUIRED:
        assert name in lines[0], lines[0]
    assert standin.requests == []
    # Public pages are unaffected.
    assert b.get("/").status_code == 200


# ---------------------------------------------------------------------------
# 2. Warnings at startup: on the console and in the error log
# ---------------------------------------------------------------------------

# The warnings the configuration alone gives, by log ID.
STARTUP_WARNINGS = ("THREADS00020", "THREADS00023", "THREADS00024",
                    "THREADS00029", "THREADS00030", "THREADS00031",
                    "THREADS00032", "THREADS00233")
SECRET_FILE = "{secret file}"  # stands for the path of an existing file

# id -> (log ID, directives, what the warning line names)
WARNING_CASES = {
    "graph-http": ("THREADS00029",
                   {"ThreadsGraphUrl": "http://127.0.0.2:9"},
                   "ThreadsGraphUrl"),
    "authorize-http": ("THREADS00030",
                       {"ThreadsAuthorizeUrl":
                        "http://127.0.0.2:9/oauth/authorize"},
                       "ThreadsAuthorizeUrl"),
    "authorize-threads-net": ("THREADS00031",
                              {"ThreadsAuthorizeUrl":
                               "https://threads.net/oauth/authorize"},
                              "https://threads.com/oauth/authorize"),
    "authorize-www-threads-net": ("THREADS00031",
                                  {"ThreadsAuthorizeUrl":
                                   "https://www.threads.net/oauth/authorize"},
                                  "https://threads.com/oauth/authorize"),
    "secret-is-a-path": ("THREADS00032",
                         {"ThreadsAppSecret": SECRET_FILE},
                         "file:"),
    "ssl-verify-off": ("THREADS00023", {"ThreadsSslVerify": "Off"},
                       "ThreadsSslVerify Off"),
    "token-http": ("THREADS00024",
                   {"ThreadsTokenUrl": "http://127.0.0.2:9/oauth/access_token"},
                   "ThreadsTokenUrl"),
    "unknown-permission": ("THREADS00020",
                           {"ThreadsScope":
                            "threads_basic,threads_future_permission"},
                           "threads_future_permission"),
}


def warning_ids(text):
    """The startup warning IDs in text, one entry a line."""
    return [logno for ln in text.splitlines() for logno in STARTUP_WARNINGS
            if logno + ":" in ln]


def warning_lines(text, logno):
    return [ln for ln in text.splitlines() if logno + ":" in ln]


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_startup_warning_on_the_console_and_once_in_the_error_log(
        httpd_factory, filedir, case):
    """httpd -t and the start print it; the error log (all a daemon has
    once its console is gone) has it once per start and once again per
    graceful restart."""
    logno, directives, names = WARNING_CASES[case]
    secret_path = write_file(filedir, "looks-like-a-secret", "x\n")
    directives = {k: (secret_path if v == SECRET_FILE else v)
                  for k, v in directives.items()}
    h = httpd_factory(start=False, directives=directives)

    rc, out = h.configtest()
    assert rc == 0 and "Syntax OK" in out, out
    assert warning_ids(out) == [logno], out
    line, = warning_lines(out, logno)
    assert ":warn]" in line and names in line, line

    h.start()
    assert warning_ids(h.read_stderr()) == [logno], h.read_stderr()
    assert warning_ids(h.error_log()) == [logno], h.error_log()
    line, = warning_lines(h.error_log(), logno)
    assert ":warn]" in line and names in line, line

    h.graceful()
    assert warning_ids(h.error_log()) == [logno, logno], h.error_log()
    # Whatever else: the secret is never logged.
    assert secret_path not in h.error_log() + h.read_stderr() + out


def test_a_configuration_without_a_session_store_is_warned_about(
        httpd_factory, browser_factory):
    """Session On, but no SessionCookieName nor SessionDBDCookieName
    anywhere: httpd -t and the start say so (THREADS00233), and a sign-in
    answers 500 with the error line that names the path (THREADS00057)."""
    h = httpd_factory(start=False, session=[])
    rc, out = h.configtest()
    assert rc == 0 and "Syntax OK" in out, out
    assert warning_ids(out) == ["THREADS00233"], out
    h.start()
    assert warning_ids(h.error_log()) == ["THREADS00233"], h.error_log()
    r = browser_factory(h).get("/app/env.cgi")
    assert r.status_code == 500, describe(r)
    line, = h.error_log_lines(r"THREADS00057")
    assert "/app/env.cgi" in line, line


def test_clean_configuration_gives_no_startup_warning(httpd_factory):
    h = httpd_factory(start=False, extra="<Location /app>\n    ThreadsScope "
                      "threads_basic,threads_content_publish\n</Location>")
    rc, out = h.configtest()
    assert rc == 0 and "Syntax OK" in out, out
    h.start()
    h.graceful()
    for text in (out, h.read_stderr(), h.error_log()):
        assert warning_ids(text) == [], text


def conf_line_of(h, needle):
    """The number of the first line of h's httpd.conf holding needle."""
    with open(h.conf_path) as f:
        for number, line in enumerate(f, 1):
            if needle in line:
                return number
    raise AssertionError("%r is not in %s" % (needle, h.conf_path))


def test_startup_warnings_name_where(httpd_factory):
    """A virtual host's warning names the virtual host and where it is
    defined; an unknown permission, the line of its ThreadsScope."""
    h = httpd_factory(start=False, extra="\n".join([
        "<VirtualHost *:*>",
        "    ServerName plain-token.test",
        "    ThreadsTokenUrl http://127.0.0.2:9/oauth/access_token",
        "</VirtualHost>",
        "<Location /app>",
        "    ThreadsScope threads_basic threads_future_permission",
        "</Location>",
    ]))
    h.start()
    log = h.error_log()
    line, = warning_lines(log, "THREADS00024")
    assert "plain-token.test" in line, line
    assert "%s:%d" % (h.conf_path, conf_line_of(h, "<VirtualHost")) in line
    line, = warning_lines(log, "THREADS00020")
    assert "%s:%d" % (h.conf_path,
                      conf_line_of(h, "threads_future_permission")) in line


def test_unknown_permission_is_warned_once_however_many_virtual_hosts(
        httpd_factory):
    """One ThreadsScope line, one warning: the virtual hosts that inherit
    it do not repeat it (the module's merge says: the main server's
    only once)."""
    h = httpd_factory(start=False, extra="\n".join([
        "<VirtualHost *:*>",
        "    ServerName first.test",
        "</VirtualHost>",
        "<VirtualHost *:*>",
        "    ServerName second.test",
        "</VirtualHost>",
        "<Location /app>",
        "    ThreadsScope threads_basic,threads_future_permission",
        "</Location>",
    ]))
    rc, out = h.configtest()
    assert rc == 0, out
    h.start()
    for text in (out, h.error_log()):
        assert warning_ids(text) == ["THREADS00020"], text


# ---------------------------------------------------------------------------
# 2. Startup errors that span directives and modules
# ---------------------------------------------------------------------------

def error_line(rc, out, logno):
    """apache2 -t failed, and with one emerg line of logno: that line."""
    assert rc != 0, "apache2 -t accepted it:\n" + out
    assert "Syntax OK" not in out, out
    lines = [ln for ln in out.splitlines() if logno + ":" in ln]
    assert len(lines) == 1, out
    assert ":emerg]" in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def configtest_with(httpd_factory):
    """configtest with any keyword of httpd_factory (session, modules)."""
    def run(**conf):
        return httpd_factory(start=False, **conf).configtest()

    return run


COOKIE_STORE = httpdconf.COOKIE_SESSION[0]


def session_section(open_line, close_line, lines=("Session On",
                                                  COOKIE_STORE)):
    return "\n".join([open_line] + ["    " + ln for ln in lines]
                     + [close_line])


# Session On where the callback (/oauth/callback) plainly is not covered.
NOT_COVERING = {
    "only-in-location-app": (None, session_section("<Location /app>",
                                                   "</Location>")),
    "location-that-only-shares-a-prefix": (
        None, session_section("<Location /oauth/call>", "</Location>")
        + "\n" + session_section("<Location /app>", "</Location>")),
    "nowhere": (None, ""),
    "off-for-the-callback": (
        httpdconf.COOKIE_SESSION,
        session_section("<Location /oauth>", "</Location>",
                        ["Session Off"])),
}


@pytest.mark.parametrize("case", sorted(NOT_COVERING))
def test_session_not_covering_the_callback_is_refused(configtest_with,
                                                      case):
    session, extra = NOT_COVERING[case]
    rc, out = configtest_with(session=session, extra=extra)
    line = error_line(rc, out, "THREADS00026")
    assert "Session On" in line and CALLBACK_PATH in line, line


def covering(h, case):
    """The session configuration of a case that may cover the callback:
    what the module cannot place (a <Directory>, a regex, a wildcard, an
    <If>) or what does cover it."""
    return {
        "server-level": "Session On\n" + COOKIE_STORE,
        "directory": session_section('<Directory "%s">' % h.docroot,
                                     "</Directory>"),
        "location-match": session_section('<LocationMatch "^/(app|oauth)/">',
                                          "</LocationMatch>"),
        "location-regex": session_section('<Location ~ "^/">',
                                          "</Location>"),
        "location-wildcard": session_section('<Location "/*/*">',
                                             "</Location>"),
        "location-of-the-callback": session_section(
            "<Location %s>" % CALLBACK_PATH, "</Location>")
        + "\n" + session_section("<Location /app>", "</Location>"),
        "location-of-its-folder": session_section("<Location /oauth/>",
                                                  "</Location>")
        + "\n" + session_section("<Location /app>", "</Location>"),
        "if": session_section('<If "%{REQUEST_URI} =~ m#^/(app|oauth)/#">',
                              "</If>"),
    }[case]


@pytest.mark.parametrize("case", [
    "server-level", "directory", "location-match", "location-regex",
    "location-wildcard", "location-of-the-callback",
    "location-of-its-folder",
    "if"])
def test_session_that_may_cover_the_callback_is_accepted(
        httpd_factory, browser_factory, standin, case):
    h = httpd_factory(start=False, session=None)
    h.extra = covering(h, case)
    rc, out = h.configtest()
    assert rc == 0, out
    assert "THREADS00026" not in out
    # Each of them does cover it: a login goes through.
    h.start()
    flow = browser_factory(h).login("/app/env.cgi")
    assert cgi_env(flow.final)["REMOTE_USER"] == USER_ID


def test_no_session_store_module_is_refused(configtest_with):
    no_store = [m for m in BASE_MODULES if m != "session_cookie"]
    rc, out = configtest_with(modules=no_store, session=())
    line = error_line(rc, out, "THREADS00028")
    assert "session_cookie_module" in line, line
    assert "session_dbd_module" in line, line


def test_no_session_store_is_fine_where_the_module_is_unused(
        configtest_with):
    no_store = [m for m in BASE_MODULES if m != "session_cookie"]
    rc, out = configtest_with(modules=no_store, session=None,
                              directives=NONE_OF_THEM, location_app=False)
    assert rc == 0, out
    assert "THREADS00028" not in out


needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="httpd's children keep the user when not "
    "started as root")


def children_user():
    return httpdconf.children_user()[0]


def copy_ca(tls, directory, mode, group="root"):
    """A copy of the stand-in's CA file in directory, root-owned, with
    mode and group."""
    path = os.path.join(directory, "ca.pem")
    shutil.copyfile(tls.ca_file, path)
    os.chown(path, 0, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)
    return path


@needs_root
@pytest.mark.parametrize("mode", [0o600, 0o640], ids=["0600", "0640"])
def test_ca_file_the_children_cannot_read_is_refused(configtest, tls,
                                                     filedir, mode):
    path = copy_ca(tls, filedir, mode)
    rc, out = configtest(directives={"ThreadsCaFile": path})
    line = error_line(rc, out, "THREADS00027")
    assert path in line and children_user() in line, line


@needs_root
def test_ca_file_in_a_folder_the_children_cannot_enter_is_refused(
        configtest, tls, filedir):
    closed = os.path.join(filedir, "closed")
    os.mkdir(closed, 0o700)
    os.chmod(closed, 0o700)
    path = copy_ca(tls, closed, 0o644)
    rc, out = configtest(directives={"ThreadsCaFile": path})
    line = error_line(rc, out, "THREADS00027")
    assert path in line and children_user() in line, line
    assert "cannot enter %s" % closed in line, line


@needs_root
def test_ca_file_readable_through_the_childrens_group_is_accepted(
        httpd_factory, browser_factory, standin, tls, filedir):
    group = grp.getgrgid(pwd.getpwnam(children_user()).pw_gid).gr_name
    path = copy_ca(tls, filedir, 0o640, group=group)
    h = httpd_factory(directives={"ThreadsCaFile": path})
    assert "THREADS00027" not in h.read_stderr() + h.error_log()
    # The children read it at every call to Threads.
    flow = browser_factory(h).login("/app/env.cgi")
    assert cgi_env(flow.final)["REMOTE_USER"] == USER_ID
