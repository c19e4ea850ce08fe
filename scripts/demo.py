#!/usr/bin/python3
"""Runs mod_threads_oauth in a local httpd with a small demo site.

  scripts/demo.py          start it (make demo: installs the packages and
                           builds the module first)
  scripts/demo.py stop     stop the httpd and stand-in a start left running
  scripts/demo.py status   say whether they run

(scripts/demo.sh runs this program with the same arguments.)

By default sign-in goes to the bundled Threads stand-in (t/standin/),
started in the background on https://127.0.0.2:8443 with a throwaway CA
that ThreadsCaFile trusts. It shows a consent page with Allow and Cancel.
With THREADS_APP_ID, THREADS_APP_SECRET and THREADS_REDIRECT_URI in the
environment, the demo uses the real Threads endpoints (the module's
defaults) and no stand-in.

The httpd is a private one: its config is written with the project's
httpd.conf template (t/harness/httpdconf.py: MPM event, modules loaded by
absolute path, nothing included from /etc/apache2) into the run directory,
listening on 127.0.0.1 only (and 127.0.0.2 for the stand-in's page).

Environment:
  DEMO_PORT          the site's port on 127.0.0.1 (default 8080)
  DEMO_STANDIN_PORT  the stand-in's HTTPS port on 127.0.0.2 (default 8443)
  DEMO_DIR           run directory: config, logs, PID files (default
                     demo-run/ in the checkout; /tmp/mod_threads_oauth-demo
                     when the checkout is not world-traversable)
  APACHE2            httpd binary (default /usr/sbin/apache2)
"""

import errno
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T_DIR = os.path.join(REPO, "t")
sys.path.insert(0, T_DIR)

from harness import httpdconf  # noqa: E402

APACHE2 = os.environ.get("APACHE2") or "/usr/sbin/apache2"
SO = os.path.join(REPO, ".libs", "mod_threads_oauth.so")
SITE_SRC = os.path.join(REPO, "demo", "site")
STANDIN_APP_ID = "990602627938098"
WRAPPER = os.path.join(REPO, "scripts", "demo.sh")

# What the demo site needs; the stand-in's consent page adds a proxy.
MODULES = ("unixd", "authn_core", "authz_core", "authz_user", "mime", "dir",
           "env", "cgid", "session", "session_cookie", "log_config")
STANDIN_MODULES = ("proxy", "proxy_http", "socache_shmcb", "ssl")


class DemoError(Exception):
    """What stops the demo, said in one line (and lines before it)."""


def say(text):
    sys.stderr.write("demo: %s\n" % text)


def indented(text):
    """text with "demo:   " before each line, for standard error."""
    return "".join("demo:   %s\n" % ln for ln in text.splitlines())


# ---------------------------------------------------------------------------
# The run directory and what runs from it
# ---------------------------------------------------------------------------

def world_traversable(path):
    """True when every directory from path up to / can be traversed by
    anyone (so httpd's unprivileged children reach the site and the CGI
    programs)."""
    d = os.path.abspath(path)
    while True:
        try:
            if not os.stat(d).st_mode & 0o001:
                return False
        except OSError:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


def run_dir():
    if os.environ.get("DEMO_DIR"):
        return os.path.join(os.getcwd(), os.environ["DEMO_DIR"])
    if os.geteuid() != 0 or world_traversable(REPO):
        return os.path.join(REPO, "demo-run")
    return "/tmp/mod_threads_oauth-demo"


def live_pid(pid_file):
    """The PID in pid_file when that process is alive, else None."""
    try:
        with open(pid_file) as f:
            text = f.read().strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return int(text)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def wait_for(check, seconds):
    """Calls check every 0.1 s until it is true, at most seconds long."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def cmd_stop(run):
    stopped = False
    for name in ("httpd", "standin"):
        pid_file = os.path.join(run, name + ".pid")
        pid = live_pid(pid_file)
        if pid:
            os.kill(pid, signal.SIGTERM)
            if not wait_for(lambda: not alive(pid), 10):
                say("%s (pid %d) did not stop within 10 s" % (name, pid))
                continue
            print("demo: stopped %s (pid %d)" % (name, pid))
            stopped = True
        try:
            os.unlink(pid_file)
        except FileNotFoundError:
            pass
    if not stopped:
        print("demo: nothing was running (run directory %s)" % run)


def cmd_status(run):
    running = False
    for name in ("httpd", "standin"):
        pid = live_pid(os.path.join(run, name + ".pid"))
        if pid:
            print("demo: %s runs, pid %d" % (name, pid))
            running = True
    if not running:
        print("demo: not running")


# ---------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------

class Plan:
    """What a start does: against real Threads (mode "threads") or the
    stand-in (mode "standin"), on which ports, with which app."""

    def __init__(self, run):
        self.run = run
        self.port = os.environ.get("DEMO_PORT") or "8080"
        self.standin_port = os.environ.get("DEMO_STANDIN_PORT") or "8443"
        names = ("THREADS_APP_ID", "THREADS_APP_SECRET",
                 "THREADS_REDIRECT_URI")
        given = [n for n in names if os.environ.get(n)]
        if len(given) == 3:
            self.mode = "threads"
            self.app_id = os.environ["THREADS_APP_ID"]
            self.app_secret = os.environ["THREADS_APP_SECRET"]
            self.redirect_uri = os.environ["THREADS_REDIRECT_URI"]
            self._check_threads()
            self.threads_label = "Threads (threads.com)"
        elif not given:
            self.mode = "standin"
            self.app_id = STANDIN_APP_ID
            self.app_secret = secrets.token_urlsafe(24)
            self.redirect_uri = ("http://127.0.0.1:%s/oauth/callback"
                                 % self.port)
            self.origin = "http://127.0.0.1:%s" % self.port
            self.callback = "/oauth/callback"
            self.threads_label = "the Threads stand-in (t/standin/)"
        else:
            raise DemoError("set all three of THREADS_APP_ID, "
                            "THREADS_APP_SECRET, THREADS_REDIRECT_URI (real "
                            "Threads) or none (the bundled stand-in).")
        for name, value in (("DEMO_PORT", self.port),
                            ("DEMO_STANDIN_PORT", self.standin_port)):
            if not value.isdigit():
                raise DemoError("%s must be a port number." % name)
        self.conf = os.path.join(run, "httpd.conf")
        self.site = os.path.join(run, "site")
        self.tls = os.path.join(run, "standin-tls")
        self.front = os.path.join(run, "front")
        self.secret_file = os.path.join(run, "app-secret")
        # mod_cgid's socket path (plus ".<pid>") must fit in 108 bytes.
        self.cgid_sock = os.path.join(run, "cgid.sock")
        if len(self.cgid_sock) > 90:
            self.cgid_sock = "/tmp/threads-demo-%d-%s.cgid" % (os.getuid(),
                                                              self.port)

    def _check_threads(self):
        if not self.app_id.isdigit():
            raise DemoError("THREADS_APP_ID must be the numeric Threads App "
                            "ID.")
        uri = self.redirect_uri
        if re.search(r'[\s"\\]', uri):
            raise DemoError("THREADS_REDIRECT_URI must not contain spaces, "
                            "quotes or backslashes.")
        m = re.match(r"(https?://[^/]*)(/.*)$", uri)
        if not m:
            raise DemoError("THREADS_REDIRECT_URI must be an absolute "
                            "http(s) URL with a path, e.g. "
                            "https://example.org/oauth/callback")
        self.origin = m.group(1)
        self.callback = m.group(2).split("?", 1)[0]
        if self.callback in ("/", "/app") or self.callback.startswith(
                "/app/"):
            raise DemoError("THREADS_REDIRECT_URI's path (%s) would hide a "
                            "page of the demo: use a path such as "
                            "/oauth/callback." % self.callback)

    @property
    def standin(self):
        return self.mode == "standin"

    @property
    def standin_base(self):
        return "https://127.0.0.2:%s" % self.standin_port


def port_problem(host, port):
    """Why nothing can listen on host:port, or None when it is free."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, int(port)))
    except OSError as e:
        return e.strerror or errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()
    return None


def need_port(host, port, variable):
    why = port_problem(host, port)
    if why is None:
        return
    say("cannot use %s:%s: %s." % (host, port, why))
    if shutil.which("ss"):
        out = subprocess.run(["ss", "-ltnpH", "sport = :%s" % port],
                             capture_output=True, text=True).stdout
        sys.stderr.write(indented(out))
    raise DemoError("free that port, or pick another with %s=<port>."
                    % variable)


def prepare_run_dir(plan):
    run = plan.run
    if os.path.islink(run):
        raise DemoError("%s is a symbolic link: refusing to use it." % run)
    os.makedirs(run, exist_ok=True)
    if os.stat(run).st_uid != os.geteuid():
        raise DemoError("%s belongs to someone else: set DEMO_DIR." % run)
    os.chmod(run, 0o755)
    if os.geteuid() == 0 and not world_traversable(run):
        raise DemoError("httpd's children could not reach %s (a parent "
                        "directory is not world-traversable): set DEMO_DIR "
                        "to a directory under /tmp." % run)
    for d in (plan.site, plan.tls, plan.front):
        shutil.rmtree(d, ignore_errors=True)
    for name in os.listdir(run):
        if (name in ("httpd.conf", "standin.out", "app-secret")
                or name.endswith((".log", ".pid"))):
            os.unlink(os.path.join(run, name))
    shutil.copytree(SITE_SRC, plan.site)
    for top, dirs, files in os.walk(plan.site):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name),
                     0o755 if name.endswith(".cgi") else 0o644)
    # The app secret is read by httpd's root parent from a 0600 file and
    # never written into the config.
    fd = os.open(plan.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(plan.app_secret + "\n")


def start_standin(plan):
    """Starts the stand-in in a session of its own; returns its PID once
    it listens (it prints its base URL then, after making its CA)."""
    out_path = os.path.join(plan.run, "standin.out")
    log_path = os.path.join(plan.run, "standin.log")
    with open(out_path, "wb") as out, open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "standin",
             "--listen", "127.0.0.2:%s" % plan.standin_port,
             "--tls-dir", plan.tls, "--app-id", plan.app_id,
             "--app-secret-file", plan.secret_file,
             "--redirect-uri", plan.redirect_uri, "--verbose"],
            cwd=T_DIR, stdin=subprocess.DEVNULL, stdout=out, stderr=log,
            start_new_session=True)
    pid_file = os.path.join(plan.run, "standin.pid")
    with open(pid_file, "w") as f:
        f.write("%d\n" % proc.pid)

    def ready():
        return proc.poll() is not None or os.path.getsize(out_path) > 0

    wait_for(ready, 30)
    if proc.poll() is not None or os.path.getsize(out_path) == 0:
        stop_pid(proc.pid, pid_file)
        with open(log_path, errors="replace") as f:
            sys.stderr.write(indented(f.read()))
        raise DemoError("the Threads stand-in did not start (log: %s)."
                        % log_path)
    if not os.path.exists(os.path.join(plan.tls, "ca.pem")):
        stop_pid(proc.pid, pid_file)
        raise DemoError("the stand-in made no %s/ca.pem." % plan.tls)
    os.chmod(plan.tls, 0o755)
    os.makedirs(plan.front, exist_ok=True)
    return proc.pid


def stop_pid(pid, pid_file):
    """Stops what a failed start left behind."""
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        os.unlink(pid_file)
    except FileNotFoundError:
        pass


def config_text(plan):
    """The demo's httpd.conf, from the project's template."""
    run = plan.run
    modules = MODULES + (STANDIN_MODULES if plan.standin else ())
    listen = ["127.0.0.1:%s" % plan.port]
    server_lines = ["AddType text/css .css"]
    threads = {
        "ThreadsAppId": plan.app_id,
        "ThreadsAppSecret": '"file:%s"' % plan.secret_file,
        "ThreadsRedirectUri": plan.redirect_uri,
        "ThreadsProfile": "On",
    }
    site = [
        'SetEnv DEMO_CALLBACK "%s"' % plan.callback,
        'SetEnv DEMO_THREADS "%s"' % plan.threads_label,
        '<Directory "%s">' % plan.site,
        "    Options +ExecCGI",
        "    AddHandler cgi-script .cgi",
        "    DirectoryIndex index.cgi",
        "    Require all granted",
        "</Directory>",
    ]
    extra = ""
    if plan.standin:
        base = plan.standin_base
        ca = os.path.join(plan.tls, "ca.pem")
        listen.append("127.0.0.2:%s" % plan.port)
        server_lines.append('SSLSessionCache "shmcb:%s/ssl_scache(65536)"'
                            % run)
        site += [
            "",
            "# The bundled Threads stand-in instead of threads.com /",
            "# graph.threads.net. The browser reaches its Authorization",
            "# Window through the plain-http virtual host below; the",
            "# module's own calls go to it over HTTPS and trust only its",
            "# throwaway CA.",
        ]
        threads.update({
            "ThreadsAuthorizeUrl": "http://127.0.0.2:%s/oauth/authorize"
                                   % plan.port,
            "ThreadsTokenUrl": base + "/oauth/access_token",
            "ThreadsGraphUrl": base,
            "ThreadsCaFile": '"%s"' % ca,
        })
        extra = "\n".join([
            "# The browser's side of the stand-in: its consent page over "
            "plain http, so",
            "# that no browser warns about the throwaway CA. To the browser "
            "127.0.0.2 is",
            "# another site than 127.0.0.1, as threads.com is another site "
            "than yours:",
            "# the click on Allow is a cross-site navigation back to the "
            "callback, which",
            "# is why the session cookie must be SameSite=Lax, not Strict.",
            "<VirtualHost 127.0.0.2:%s>" % plan.port,
            "    ServerName 127.0.0.2",
            '    DocumentRoot "%s"' % plan.front,
            '    <Directory "%s">' % plan.front,
            "        Require all granted",
            "    </Directory>",
            "    SSLProxyEngine On",
            '    SSLProxyCACertificateFile "%s"' % ca,
            "    ProxyPass        /oauth/authorize %s/oauth/authorize" % base,
            "    ProxyPassReverse /oauth/authorize %s/oauth/authorize" % base,
            "</VirtualHost>",
        ])
    session = [
        "# The module keeps its values sealed (AES-256-GCM) in this cookie.",
        "# No Secure attribute here only because the demo is plain http on",
        "# 127.0.0.1, where a Secure cookie would not come back; behind",
        '# HTTPS use "path=/;HttpOnly;Secure;SameSite=Lax".',
    ] + list(httpdconf.COOKIE_SESSION)
    locations = [
        "",
        "# Public pages: anyone may see them; a signed-in visitor's",
        "# THREADS_* variables still reach them.",
        '<Location "/">',
        "    AuthType Threads",
        "    ThreadsUnauthAction pass",
        "    Require all granted",
        "</Location>",
        "",
        "# The protected page: without a valid token a browser is sent to",
        "# sign in, a script gets 401.",
        '<Location "/app/">',
        "    ThreadsUnauthAction auth",
        "    Require valid-user",
        "</Location>",
    ]
    return httpdconf.render(
        comment="Generated by scripts/demo.py; rewritten on every start.",
        root=run, server_name="127.0.0.1", listen=listen,
        pid_file=os.path.join(run, "httpd.pid"), runtime_dir=run,
        error_log=os.path.join(run, "error.log"),
        log_level="warn threads_oauth:debug", mpm="event", modules=modules,
        module_so=SO, user=httpdconf.children_user(),
        server_lines=server_lines, cgid_sock=plan.cgid_sock,
        types_config="/dev/null", charset="utf-8",
        access_log=os.path.join(run, "access.log"),
        log_format='%h %u %t \\"%r\\" %>s %b',
        vhost=("127.0.0.1:%s" % plan.port, "127.0.0.1"), docroot=plan.site,
        site=site, threads=threads, session=session, locations=locations,
        extra=extra)


def http_status(url):
    """The HTTP status of GET url (0 when it cannot connect)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kw):
            return None

    opener = urllib.request.build_opener(NoRedirect,
                                         urllib.request.ProxyHandler({}))
    try:
        return opener.open(url, timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def error_log_tail(plan):
    try:
        with open(os.path.join(plan.run, "error.log"),
                  errors="replace") as f:
            return "\n".join(f.read().splitlines()[-20:])
    except FileNotFoundError:
        return ""


def start_httpd(plan):
    """Checks the config, starts httpd and waits for its PID file; returns
    the PID."""
    proc = subprocess.run([APACHE2, "-t", "-f", plan.conf],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write(indented(proc.stdout + proc.stderr))
        raise DemoError("apache2 -t rejected %s (see above)." % plan.conf)
    proc = subprocess.run([APACHE2, "-f", plan.conf, "-k", "start"],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write(indented(proc.stdout + proc.stderr))
    pid_file = os.path.join(plan.run, "httpd.pid")
    if not wait_for(lambda: live_pid(pid_file), 10):
        sys.stderr.write(indented(error_log_tail(plan)))
        raise DemoError("httpd did not start (log: %s)."
                        % os.path.join(plan.run, "error.log"))
    return live_pid(pid_file)


def cmd_start(run):
    if not os.access(APACHE2, os.X_OK):
        raise DemoError("%s not found: install apache2 (make demo does)."
                        % APACHE2)
    if not os.path.isfile(SO):
        raise DemoError("%s not found: build it with make module (make "
                        "demo does)." % SO)
    plan = Plan(run)
    if (live_pid(os.path.join(run, "httpd.pid"))
            or live_pid(os.path.join(run, "standin.pid"))):
        raise DemoError("the demo is already running (run directory %s): "
                        "stop it with scripts/demo.sh stop" % run)
    need_port("127.0.0.1", plan.port, "DEMO_PORT")
    if plan.standin:
        need_port("127.0.0.2", plan.port, "DEMO_PORT")
        need_port("127.0.0.2", plan.standin_port, "DEMO_STANDIN_PORT")
    prepare_run_dir(plan)

    standin_pid = start_standin(plan) if plan.standin else None
    try:
        with open(plan.conf, "w") as f:
            f.write(config_text(plan))
        httpd_pid = start_httpd(plan)
    except BaseException:
        stop_pid(standin_pid, os.path.join(run, "standin.pid"))
        raise
    front = "http://127.0.0.1:%s/" % plan.port
    code = 0
    for _ in range(50):
        code = http_status(front)
        if code == 200:
            break
        time.sleep(0.1)
    if code != 200:
        sys.stderr.write(indented(error_log_tail(plan)))
        say("warning: GET %s answered %03d, not 200 (log: %s)"
            % (front, code, os.path.join(run, "error.log")))
    tell(plan, httpd_pid, standin_pid)


def tell(plan, httpd_pid, standin_pid):
    """What to open, where the logs are, how to stop."""
    run, port = plan.run, plan.port
    lines = ["", "mod_threads_oauth demo is running.", ""]
    if plan.standin:
        lines += [
            "  Open     http://127.0.0.1:%s/" % port,
            "  Sign-in  goes to the Threads stand-in's consent page "
            "(http://127.0.0.2:%s," % port,
            "           proxied to https://127.0.0.2:%s): choose Allow or "
            "Cancel." % plan.standin_port,
            "           Nothing leaves this machine.",
        ]
    else:
        lines.append("  Open     %s/" % plan.origin)
        if plan.origin not in ("http://127.0.0.1:%s" % port,
                               "http://localhost:%s" % port):
            lines += [
                "           (%s must reach this httpd on 127.0.0.1:%s, e.g. "
                "through" % (plan.origin, port),
                "           a tunnel or a TLS proxy: the session cookie "
                "belongs to that host.)",
            ]
        lines += [
            "  Sign-in  goes to threads.com for app %s; Threads sends the "
            "browser back" % plan.app_id,
            "           to %s" % plan.redirect_uri,
            "           (it must be listed exactly so in the App Dashboard).",
        ]
    logs = "%s/error.log  %s/access.log" % (run, run)
    if plan.standin:
        logs += "  %s/standin.log" % run
    lines += [
        "  Pages    / (public)  /app/ (protected)  %s?info=json"
        % plan.callback,
        "  Logs     " + logs,
        "  Config   " + plan.conf,
        "",
        "  Stop     %s%s stop" % ("DEMO_DIR=%s " % run
                                  if os.environ.get("DEMO_DIR") else "",
                                  WRAPPER),
    ]
    if standin_pid:
        lines.append("           (or: kill %d %d)" % (httpd_pid, standin_pid))
    else:
        lines.append("           (or: kill %d)" % httpd_pid)
    print("\n".join(lines))


def main(argv):
    command = argv[1] if len(argv) > 1 else "start"
    commands = {"start": cmd_start, "stop": cmd_stop, "status": cmd_status}
    if command not in commands:
        say("usage: scripts/demo.sh [start|stop|status]")
        return 1
    try:
        commands[command](run_dir())
    except DemoError as e:
        say(str(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
