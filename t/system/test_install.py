"""The Debian package on this machine, as a sysadmin would use it.

make deb (lintian included) in a copy of the checkout, apt-get install of
the .deb beside Debian's apache2, a2enmod threads_oauth, a site in
/etc/apache2/sites-available pointed at the HTTPS stand-in, a2ensite,
apache2ctl configtest and start, a whole login through that httpd,
apache2ctl stop, a2dissite, a2dismod, apt-get purge; then make install and
make uninstall the same way. Afterwards the machine must be as it was: no
file of the package, the same enabled modules, sites and configurations
(and a2enmod's state), apache2 running only if it ran before.

It changes the system's httpd, so it runs as root only, on its own
(make check-install), never among the parallel integration tests. Debian's
maintainer scripts restart apache2 through invoke-rc.d, which a
policy-rc.d may forbid and a machine without one allows: each step stops
what they started, so only the test's own start is the one tested.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import harness

PACKAGE = "libapache2-mod-threads-oauth"
SITE = "threads-oauth-install-test"
ETC = "/etc/apache2"
STATE = "/var/lib/apache2"
ERROR_LOG = "/var/log/apache2/error.log"
PID_FILE = "/var/run/apache2/apache2.pid"
KEY_FILE = "/var/run/apache2/threads_oauth_session.key"
ENABLED = ("mods-enabled", "sites-enabled", "conf-enabled")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the install test changes the system's "
    "apache2: it runs as root only (make check-install as root)")


def say(text):
    print("install-test: " + text, flush=True)


def run(cmd, timeout=300, check=True, **kw):
    """Runs cmd (a list) with a plain environment; its output (standard
    output and error in the order written, in proc.stdout) and its exit
    status go to the test's log. Returns the CompletedProcess."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    say("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, env=env, **kw)
    out = proc.stdout.strip()
    if out:
        print("\n".join("    " + ln for ln in out.splitlines()[-25:]),
              flush=True)
    say("exit %d" % proc.returncode)
    if check:
        assert proc.returncode == 0, "%s exited %d" % (cmd[0],
                                                       proc.returncode)
    return proc


def apt(*args):
    return run(["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=120"]
               + list(args))


def installed(package=PACKAGE):
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                          capture_output=True, text=True)
    return "ok installed" in proc.stdout


def apache2_running():
    try:
        with open(PID_FILE) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def wait_until(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_apache2(why):
    """apache2ctl stop, and wait until it is gone."""
    say("stopping apache2: " + why)
    rc = run(["apache2ctl", "stop"], check=False).returncode
    gone = wait_until(lambda: not apache2_running())
    return rc, gone


def stop_if_started(step):
    """Stops an apache2 that a maintainer script started (no policy-rc.d
    forbade it), so that the test starts its own."""
    if apache2_running():
        rc, gone = stop_apache2("%s started it" % step)
        assert rc == 0 and gone, "cannot stop the apache2 that %s started" \
            % step


def snapshot():
    """What the test must leave as it found: the links of the *-enabled
    folders and a2enmod's state markers."""
    state = {}
    for folder in ENABLED:
        path = os.path.join(ETC, folder)
        state[folder] = sorted(os.listdir(path)) if os.path.isdir(path) \
            else []
    markers = []
    for d, _, names in os.walk(STATE):
        markers += [os.path.relpath(os.path.join(d, n), STATE)
                    for n in names]
    state["markers"] = sorted(markers)
    return state


def restore_markers(before):
    """a2enmod's state as before: the dependencies the test enabled and
    then disabled leave markers of their own."""
    now = snapshot()["markers"]
    for m in set(now) - set(before["markers"]):
        os.unlink(os.path.join(STATE, m))
    for m in set(before["markers"]) - set(now):
        os.makedirs(os.path.dirname(os.path.join(STATE, m)), exist_ok=True)
        open(os.path.join(STATE, m), "w").close()


def enabled_since(before):
    """The modules enabled now that were not before, dependents first
    (a2dismod refuses to disable session while session_cookie is on)."""
    now = snapshot()["mods-enabled"]
    return sorted((n[:-5] for n in now if n.endswith(".load")
                   and n not in before["mods-enabled"]), reverse=True)


def port_free(host, port):
    with socket.socket() as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


class SystemSite:
    """The test site of the system httpd, as harness.Browser sees a
    server."""

    def __init__(self, port, ca_file):
        self.host = "127.0.0.1"
        self.port = port
        self.ca_file = ca_file
        self.base_url = "http://%s:%d" % (self.host, port)
        self.redirect_uri = self.base_url + harness.CALLBACK_PATH

    def url(self, path="/"):
        return self.base_url + path

    def error_log_tail(self, lines=60):
        with open(ERROR_LOG, errors="replace") as f:
            return "\n".join(f.read().splitlines()[-lines:])

    def config(self, standin, docroot):
        return "\n".join([
            "# Written by t/system/test_install.py; removed after the test.",
            "Listen %s:%d" % (self.host, self.port),
            "<VirtualHost %s:%d>" % (self.host, self.port),
            "    ServerName %s:%d" % (self.host, self.port),
            '    DocumentRoot "%s"' % docroot,
            '    <Directory "%s">' % docroot,
            "        Require all granted",
            "    </Directory>",
            "    LogLevel warn threads_oauth:info",
            "",
            "    ThreadsAppId        %s" % harness.APP_ID,
            "    ThreadsAppSecret    %s" % harness.APP_SECRET,
            "    ThreadsRedirectUri  %s" % self.redirect_uri,
            "    ThreadsAuthorizeUrl %s" % standin.authorize_url,
            "    ThreadsTokenUrl     %s" % standin.token_url,
            "    ThreadsGraphUrl     %s" % standin.graph_url,
            '    ThreadsCaFile       "%s"' % self.ca_file,
            "",
            "    Session On",
            "    SessionCookieName session path=/;HttpOnly;SameSite=Lax",
            "",
            "    <Location /app>",
            "        AuthType Threads",
            "        Require valid-user",
            "    </Location>",
            "</VirtualHost>",
            ""])


def copy_checkout(dst):
    """The checkout's files (tracked, and new ones git does not ignore)
    into dst, so that the package build's make clean leaves the checkout's
    build alone."""
    proc = subprocess.run(["git", "-C", harness.REPO, "ls-files", "-z",
                           "--cached", "--others", "--exclude-standard"],
                          capture_output=True)
    if proc.returncode == 0:
        for rel in proc.stdout.decode().split("\0"):
            src = os.path.join(harness.REPO, rel)
            if rel and os.path.isfile(src):
                os.makedirs(os.path.join(dst, os.path.dirname(rel)),
                            exist_ok=True)
                shutil.copy2(src, os.path.join(dst, rel))
        return
    shutil.copytree(harness.REPO, dst, symlinks=True, ignore=shutil.
                    ignore_patterns(".git", ".libs", "build", "node_modules",
                                    "demo-run", "*.o", "*.lo", "*.slo",
                                    "*.la", "__pycache__"))


@pytest.fixture
def machine():
    """The machine's state before the test; afterwards, whatever the test
    left half done is undone (best effort) and apache2 runs again if it
    ran before."""
    if installed():
        pytest.fail("%s is installed already: the test would replace and "
                    "purge it; remove it first" % PACKAGE, pytrace=False)
    was_running = apache2_running()
    if was_running:
        rc, gone = stop_apache2("it was running before the test; it is "
                                "started again afterwards")
        assert rc == 0 and gone
    state = {"before": snapshot(), "was_running": was_running,
             "site_file": os.path.join(ETC, "sites-available",
                                       SITE + ".conf")}
    try:
        with open(ERROR_LOG, "rb") as f:
            state["log_mark"] = len(f.read())
    except FileNotFoundError:
        state["log_mark"] = 0
    yield state
    # Undo what a failed step left.
    if apache2_running():
        stop_apache2("the test is over")
    if os.path.lexists(os.path.join(ETC, "sites-enabled", SITE + ".conf")):
        run(["a2dissite", "-q", SITE], check=False)
    if os.path.exists(state["site_file"]):
        os.unlink(state["site_file"])
    if installed():
        apt("purge", PACKAGE)
    if apache2_running():
        stop_apache2("apt-get purge started it")
    before = state["before"]
    extra = enabled_since(before)
    if extra:
        run(["a2dismod", "-q", "-f"] + extra, check=False)
    restore_markers(before)
    if was_running:
        say("starting apache2 again, as it ran before the test")
        run(["apache2ctl", "start"], check=False)


def test_package_install_login_purge(machine, standin, tls):
    before = machine["before"]
    work = tempfile.mkdtemp(prefix="tto-sys-", dir="/tmp")
    os.chmod(work, 0o755)
    try:
        _install_login_purge(machine, standin, tls, work, before)
    finally:
        if not os.environ.get("THREADS_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def _install_login_purge(machine, standin, tls, work, before):
    assert port_free("0.0.0.0", 80), (
        "port 80 is taken: Debian's apache2 listens there (ports.conf), so "
        "this test cannot start it")

    # -- build ---------------------------------------------------------------
    src = os.path.join(work, "src")
    copy_checkout(src)
    build = run(["make", "-C", src, "deb"], timeout=900, check=False)
    assert build.returncode == 0, "make deb failed (lintian included)"
    debs = [f for f in os.listdir(work)
            if f.startswith(PACKAGE + "_") and f.endswith(".deb")]
    assert len(debs) == 1, "make deb left %s in %s" % (debs, work)
    deb = os.path.join(work, debs[0])
    os.chmod(deb, 0o644)

    # -- install -------------------------------------------------------------
    apt("install", "--no-install-recommends", deb)
    assert installed()
    stop_if_started("apt-get install")
    files = [p for p in run(["dpkg-query", "-L", PACKAGE]).stdout.split("\n")
             if p and os.path.isfile(p)]
    for path in ("/usr/lib/apache2/modules/mod_threads_oauth.so",
                 ETC + "/mods-available/threads_oauth.load",
                 ETC + "/mods-available/threads_oauth.conf"):
        assert path in files, "the package lacks " + path
    # The maintainer script enabled it, with its dependencies.
    mods = set(os.listdir(os.path.join(ETC, "mods-enabled")))
    assert {"threads_oauth.load", "threads_oauth.conf", "session.load",
            "session_cookie.load"} <= mods
    run(["a2enmod", "threads_oauth"])

    # -- the site ------------------------------------------------------------
    docroot = os.path.join(work, "htdocs")
    os.makedirs(os.path.join(docroot, "app"))
    for d in (docroot, os.path.join(docroot, "app")):
        os.chmod(d, 0o755)
    with open(os.path.join(docroot, "app", "index.html"), "w") as f:
        f.write("<p>signed in</p>\n")
    os.chmod(os.path.join(docroot, "app", "index.html"), 0o644)
    site = SystemSite(harness.free_port(), tls.ca_file)
    standin.register_redirect_uri(site.redirect_uri)
    with open(machine["site_file"], "w") as f:
        f.write(site.config(standin, docroot))
    run(["a2ensite", SITE])
    assert "Syntax OK" in run(["apache2ctl", "configtest"]).stdout

    # -- a login through the system's httpd -----------------------------------
    run(["apache2ctl", "start"])
    assert wait_until(lambda: not port_free(site.host, site.port)), \
        "apache2 does not listen on %d:\n%s" % (site.port,
                                                site.error_log_tail())
    browser = harness.Browser(site)
    try:
        flow = browser.login("/app/")
        assert flow.final.status_code == 200, harness.describe(flow.final)
        assert "signed in" in flow.final.text
        info = browser.get(harness.CALLBACK_PATH + "?info=json",
                           navigate=False)
        assert info.status_code == 200, harness.describe(info)
        assert json.loads(info.text)["user_id"] == harness.USER_ID
        say("signed in as %s through the system's apache2"
            % harness.USER_ID)
        out = browser.get(harness.CALLBACK_PATH + "?logout=/")
        assert out.status_code == 302
        assert browser.get("/app/").status_code == 302
    finally:
        browser.close()
    rc, gone = stop_apache2("the login is done")
    assert rc == 0, "apache2ctl stop exited %d" % rc
    assert gone, "apache2 did not stop"
    with open(ERROR_LOG, "rb") as f:
        f.seek(machine["log_mark"])
        log = f.read().decode("utf-8", "replace")
    crashes = [ln for ln in log.splitlines() if harness.CRASH_RE.search(ln)]
    assert not crashes, "crashes in %s:\n%s" % (ERROR_LOG,
                                                "\n".join(crashes))
    assert "THREADS00104" in log, "no login in %s:\n%s" % (ERROR_LOG, log)
    assert os.path.exists(KEY_FILE)

    # -- away again ----------------------------------------------------------
    run(["a2dissite", SITE])
    os.unlink(machine["site_file"])
    run(["a2dismod", "threads_oauth"])
    apt("purge", PACKAGE)
    stop_if_started("apt-get purge")
    assert not installed()
    left = [p for p in files if os.path.lexists(p)]
    assert not left, "purge left files of the package: %s" % left
    assert not os.path.exists(KEY_FILE), "purge left " + KEY_FILE
    markers = [m for m in snapshot()["markers"]
               if os.path.basename(m) == "threads_oauth"]
    assert not markers, "purge left a2enmod's state: %s" % markers

    # -- make install and make uninstall, the same way -------------------------
    run(["make", "-C", src, "install"], timeout=300)
    for path in ("/usr/lib/apache2/modules/mod_threads_oauth.so",
                 ETC + "/mods-available/threads_oauth.load",
                 ETC + "/mods-available/threads_oauth.conf"):
        assert os.path.exists(path), "make install did not write " + path
    run(["a2enmod", "threads_oauth"])
    assert "Syntax OK" in run(["apache2ctl", "configtest"]).stdout
    run(["make", "-C", src, "uninstall"])
    for path in ("/usr/lib/apache2/modules/mod_threads_oauth.so",
                 ETC + "/mods-available/threads_oauth.load",
                 ETC + "/mods-available/threads_oauth.conf",
                 ETC + "/mods-enabled/threads_oauth.load"):
        assert not os.path.lexists(path), "make uninstall left " + path

    # -- as it was -------------------------------------------------------------
    # a2enmod threads_oauth enabled session and session_cookie too; they
    # stay enabled after a2dismod threads_oauth, as on any Debian system.
    extra = enabled_since(before)
    assert set(extra) <= {"session", "session_cookie"}, extra
    if extra:
        run(["a2dismod", "-q"] + extra)
    restore_markers(before)
    after = snapshot()
    for key in before:
        assert after[key] == before[key], "%s differs: before %s, after %s" \
            % (key, before[key], after[key])
    assert not apache2_running()
    say("the machine is as it was")
