"""One test httpd: its content and configuration in a directory of its
own (written with httpdconf.render), `apache2 -t`, start, graceful and full
restarts, stop by PID (every stop recorded and checked, see lifecycle.py),
and its logs (the access log names the module's error page of each
request, THREADS_ERROR)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

from . import cores, httpdconf
from .httpdconf import APACHE2, MPMS
from .lifecycle import (CRASH_RE, Stop, UncleanStop, kill_group, reap_group,
                        unreported)

T_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(T_DIR)
# THREADS_MODULE_SO may name another build (a sanitizer build, say).
MODULE_SO = (os.environ.get("THREADS_MODULE_SO")
             or os.path.join(REPO, ".libs", "mod_threads_oauth.so"))
HTDOCS_SRC = os.path.join(T_DIR, "htdocs")
CGI_SRC = os.path.join(T_DIR, "cgi")

APP_ID = "990602627938098"
APP_SECRET = "test-app-secret-5d1e77c2a9"
USER_ID = "17841405793187218"
CALLBACK_PATH = "/oauth/callback"

# What the error log says when the parent has read its configuration
# again and runs a new generation of children (at start and after every
# restart; mpm_event AH00489, mpm_worker AH00292, mpm_prefork AH00163).
RESUMING_RE = re.compile(r"configured -- resuming normal operations")

# A ThreadsSessionKey for servers that open each other's cookies (without
# one, each server seals with a key it generated).
SHARED_SESSION_KEY = ("4c0d7e5a9b1f2e3d8c6a5b4f3e2d1c0b"
                      "9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d")


def free_port(host="127.0.0.1"):
    """A TCP port that is free on host right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def with_store(spec, directives=None, modules=httpdconf.BASE_MODULES):
    """Httpd keywords (modules, directives) for a server with
    ThreadsRevocationCache spec ("shmcb", "redis:host:port"; None: none):
    the socache provider's module is loaded, directives come on top."""
    d = dict(directives or {})
    modules = tuple(modules)
    if spec:
        d["ThreadsRevocationCache"] = spec
        modules += ("socache_" + spec.split(":")[0],)
    return {"modules": modules, "directives": d}


def includes_in(directory):
    """Configuration that serves the .shtml pages of directory with their
    SSI includes (the base configuration does so only under /app)."""
    return "\n".join(['<Directory "%s">' % directory,
                      "    Options +Includes",
                      "    AddType text/html .shtml",
                      "    AddOutputFilter INCLUDES .shtml",
                      "</Directory>"])


def clean_env(extra=None):
    """The environment httpd runs with: no proxies, C locale. For a
    sanitizer build, THREADS_HTTPD_PRELOAD becomes httpd's LD_PRELOAD and
    ASAN_OPTIONS / UBSAN_OPTIONS are passed on. extra: more variables
    (name -> value). Its LD_PRELOAD comes before THREADS_HTTPD_PRELOAD:
    a library whose constructor reads the clock (libfaketime) deadlocks
    in ASan's start-up when it is loaded after ASan, so ASan is told not
    to insist on coming first."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
           "LC_ALL": "C"}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    extra = dict(extra or {})
    preload = [p for p in (extra.pop("LD_PRELOAD", None),
                           os.environ.get("THREADS_HTTPD_PRELOAD")) if p]
    env.update(extra)
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    if len(preload) > 1:
        env["ASAN_OPTIONS"] = ":".join(
            o for o in (env.get("ASAN_OPTIONS"), "verify_asan_link_order=0")
            if o)
    return env


def configtest(conf_path, env=None):
    """Runs `apache2 -t -f conf_path` (env: more variables, as
    clean_env takes them); returns (exit code, output)."""
    proc = subprocess.run([APACHE2, "-t", "-f", conf_path],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=clean_env(env), timeout=30)
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




def _read_text(path):
    """The text of the file at path; "" when there is none (yet)."""
    if path is None:
        return ""
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


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
    modules (BASE_MODULES by default), session (the cookie store by
    default; None: no mod_session at all), mpm_tuning (the MPM's process
    and thread counts), log_level and access_log (False: none) are those
    of httpdconf.render(). env: more environment variables for httpd, as
    clean_env() takes them (an LD_PRELOAD of libfaketime, say). All of
    them are attributes a test may change before start(), as is launcher:
    a function that turns httpd's command line (a list) into the one to
    run, e.g. inside a private mount namespace; None runs httpd as it is.

    Every run ends in stop(), which records how it ended in stops (a
    lifecycle.Stop each); assert_stopped_cleanly() fails on an unclean
    one.
    """

    def __init__(self, directory, standin, ca_file, so_path=MODULE_SO,
                 mpm="event", extra="", directives=None, location_app=True,
                 port=None, name="httpd", modules=httpdconf.BASE_MODULES,
                 session=httpdconf.COOKIE_SESSION, mpm_tuning=None,
                 log_level="warn threads_oauth:trace8", access_log=True,
                 env=None):
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
        self.modules = list(modules)
        self.session = session
        self.mpm_tuning = mpm_tuning
        self.log_level = log_level
        self.env = dict(env or {})
        self.host = "127.0.0.1"
        self._fixed_port = port is not None
        self._set_port(port or free_port())
        self.docroot = os.path.join(directory, "htdocs")
        self.cgi_dir = os.path.join(directory, "cgi-bin")
        self.conf_path = os.path.join(directory, "httpd.conf")
        self.error_log_path = os.path.join(directory, "error.log")
        self.access_log_path = (os.path.join(directory, "access.log")
                                if access_log else None)
        self.stderr_path = os.path.join(directory, "stderr.log")
        self.core_dir = os.path.join(directory, "cores")
        self.pid_file = os.path.join(directory, "httpd.pid")
        self.directives = self.base_directives()
        self.directives.update(directives or {})
        self._own_redirect_uri = (self.directives.get("ThreadsRedirectUri")
                                  == self.redirect_uri)
        self.launcher = None
        self.apachectl_output = None
        self.proc = None
        self.stops = []
        self._stderr = None
        self._run_marks = (0, 0, 0.0)
        os.makedirs(directory, mode=0o755, exist_ok=True)
        os.chmod(directory, 0o755)
        cores.make_core_dir(self.core_dir)
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

    def mpm_defaults(self):
        """Small process and thread counts, so that many test servers fit
        on one machine."""
        if self.mpm == "prefork":
            return ["StartServers 2", "MinSpareServers 2",
                    "MaxSpareServers 4", "MaxRequestWorkers 16"]
        return ["StartServers 1", "ServerLimit 2", "ThreadsPerChild 16",
                "MaxRequestWorkers 32", "MinSpareThreads 4",
                "MaxSpareThreads 32"]

    def config_text(self):
        """The httpd.conf this server runs with."""
        d = self.dir
        site = [
            "DirectoryIndex index.html",
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
        ]
        locations = []
        if self.location_app:
            locations = [
                "<Location /app>",
                "    AuthType Threads",
                "    Require valid-user",
                "</Location>",
            ]
        return httpdconf.render(
            comment="Written by t/harness for the test server %s."
            % self.name,
            root=d, server_name="%s:%d" % (self.host, self.port),
            listen=["%s:%d" % (self.host, self.port)],
            pid_file=self.pid_file, runtime_dir=os.path.join(d, "run"),
            error_log=self.error_log_path, log_level=self.log_level,
            mpm=self.mpm, modules=self.modules, module_so=self.so_path,
            user=httpdconf.children_user(),
            mpm_tuning=(self.mpm_tuning if self.mpm_tuning is not None
                        else self.mpm_defaults()),
            server_lines=["Timeout 20", "KeepAlive On",
                          "GracefulShutdownTimeout 1",
                          'CoreDumpDirectory "%s"' % self.core_dir],
            cgid_sock=os.path.join(d, "cgid.sock"),
            access_log=self.access_log_path,
            log_format='%h %l %u %t \\"%r\\" %>s %b %D %{THREADS_ERROR}n',
            docroot=self.docroot, site=site, threads=self.directives,
            session=self.session, locations=locations, extra=self.extra)

    def write_conf(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        os.chmod(self.conf_path, 0o644)
        return self.conf_path

    def configtest(self):
        """`apache2 -t` on this server's configuration: (exit code, output).
        """
        self.write_conf()
        return configtest(self.conf_path, self.env)

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
        self._run_marks = (self.error_log_mark(), stderr_mark, time.time())
        # PID and signals stay httpd's: prlimit execs it.
        argv = cores.with_core_dumps(
            [APACHE2, "-f", self.conf_path, "-DFOREGROUND"])
        if self.launcher is not None:
            argv = self.launcher(argv)
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, env=clean_env(self.env),
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self._close_stderr()
                reap_group(self.proc.pid, wait=0.5)
                self.proc = None
                stderr = self.read_stderr()[stderr_mark:]
                if "Address already in use" in stderr:
                    raise _PortTaken()
                raise HttpdError("httpd exited at start:\n%s\n%s" % (
                    stderr, self.error_log_tail()))
            # The PID file is written once the port is bound, but before
            # the parent installs its signal handlers: until it says it
            # resumes normal operations, SIGTERM or SIGUSR1 would end it
            # the hard way.
            if self._pid_file_ready() and RESUMING_RE.search(
                    self.error_log_since(self._run_marks[0])):
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

    def stop(self, sig=signal.SIGTERM, timeout=10.0, signalled=False):
        """Stops httpd by its PID: sig (SIGTERM as apachectl stop does,
        SIGWINCH for graceful-stop), then waits timeout seconds for it to
        end before it SIGKILLs httpd's process group. signalled: sig has
        been sent already (apachectl("stop"), say): only wait. Records how
        the run ended (a lifecycle.Stop, appended to self.stops) and
        returns it; None when httpd was not running. It does not judge:
        see assert_stopped_cleanly()."""
        proc = self.proc
        if proc is None:
            return None
        t0 = time.monotonic()
        sent = sig if signalled else None
        killed = False
        if proc.poll() is None:
            if not signalled:
                # A worker may still be finishing the last request after
                # its answer went out; mod_cgid's cleanup then needs the
                # cgid daemon, which SIGTERM ends at once (and the child
                # waits over a second for it). A moment's pause avoids
                # that.
                time.sleep(0.05)
                try:
                    os.kill(proc.pid, sig)
                    sent = sig
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
                # The process group is the one this httpd leads.
                kill_group(proc.pid)
                proc.wait(5)
        seconds = time.monotonic() - t0
        leftovers = reap_group(proc.pid)
        self.proc = None
        self.stop_seconds = seconds
        self._close_stderr()
        log_mark, stderr_mark, started = self._run_marks
        record = Stop(
            self.name, proc.pid, sent, proc.returncode, killed, timeout,
            seconds, leftovers, os.path.exists(self.pid_file),
            self.error_log_since(log_mark),
            self.read_stderr()[stderr_mark:], self.error_log_path,
            cores=cores.cores_since(self.core_dir, started))
        self.stops.append(record)
        return record

    def assert_stopped_cleanly(self):
        """Raises UncleanStop (an AssertionError) naming each stop of this
        server that was not clean and not reported before: exit status,
        signal, killed, leftover processes, PID file, crash lines, and the
        tail of the error log."""
        texts = unreported(self.stops)
        if texts:
            raise UncleanStop("\n".join(texts))

    def _close_stderr(self):
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        """The parent's PID (None when not running)."""
        return self.proc.pid if self.proc is not None else None

    def restart(self):
        """Stops httpd (which must stop cleanly), rewrites the
        configuration and starts again (same port, same directory)."""
        self.stop()
        self.assert_stopped_cleanly()
        return self.start()

    def apachectl(self, action, timeout=30):
        """Runs `apache2 -f <conf> -k <action>` with httpd's environment,
        as apachectl does: it reads the configuration (the module
        included), signals the PID in the PID file (graceful: SIGUSR1,
        restart: SIGHUP, graceful-stop: SIGWINCH, stop: SIGTERM) and exits
        without waiting. Returns (exit code, output)."""
        proc = subprocess.run(
            [APACHE2, "-f", self.conf_path, "-k", action],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=clean_env(), timeout=timeout)
        return proc.returncode, (proc.stdout + proc.stderr).strip()

    def restart_in_place(self, action="graceful", signal_only=False,
                         timeout=10.0):
        """apachectl graceful (or restart): checks the configuration
        (rewritten first), runs `apache2 -k <action>` (signal_only: sends
        the parent SIGUSR1 or SIGHUP itself), then waits until the new
        generation runs: the error log says again that httpd resumes
        normal operations, and the port answers. The parent's PID stays.
        Returns the error log's mark from before the signal; what
        apache2 -k printed is in self.apachectl_output."""
        sig = {"graceful": signal.SIGUSR1, "restart": signal.SIGHUP}[action]
        rc, out = self.configtest()
        if rc != 0:
            raise HttpdError("apache2 -t failed (%d):\n%s" % (rc, out))
        assert self.running, "httpd is not running"
        mark = self.error_log_mark()
        self.apachectl_output = None
        if signal_only:
            os.kill(self.proc.pid, sig)
        else:
            rc, out = self.apachectl(action)
            if rc != 0:
                raise HttpdError("apache2 -k %s failed (%d):\n%s"
                                 % (action, rc, out))
            self.apachectl_output = out
        deadline = time.monotonic() + timeout
        while not RESUMING_RE.search(self.error_log_since(mark)):
            if not self.running or time.monotonic() > deadline:
                raise HttpdError("httpd did not come back after %s:\n%s" % (
                    action, self.error_log_since(mark)[-6000:]))
            time.sleep(0.02)
        while True:
            try:
                with socket.create_connection((self.host, self.port),
                                              timeout=0.5):
                    return mark
            except OSError:
                if time.monotonic() > deadline:
                    raise HttpdError("httpd does not answer after " + action)
                time.sleep(0.02)

    def graceful(self, timeout=10.0):
        """apachectl graceful by SIGUSR1 to the parent (see
        restart_in_place); returns self."""
        self.restart_in_place("graceful", signal_only=True, timeout=timeout)
        return self

    # -- logs -----------------------------------------------------------------

    def url(self, path="/"):
        return self.base_url + path

    def error_log(self):
        """The whole error log (text)."""
        return _read_text(self.error_log_path)

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
        return _read_text(self.access_log_path)

    def threads_error(self, target, method="GET", timeout=3.0):
        """THREADS_ERROR (the page the module answered with, "-" for none)
        of the last request for target, exactly as sent, in the access log.
        httpd logs a request after answering it: this waits for its line.
        """
        rx = re.compile(r'"%s %s HTTP/1\.[01]" .* (\S+)$'
                        % (re.escape(method), re.escape(target)))
        deadline = time.monotonic() + timeout
        while True:
            found = [m.group(1) for m in map(rx.search,
                                             self.access_log().splitlines())
                     if m]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError("%s %s is not in the access log:\n%s"
                                     % (method, target, self.access_log()))
            time.sleep(0.02)

    def read_stderr(self):
        return _read_text(self.stderr_path)

    def crash_lines(self):
        """Error log lines that say a child process crashed."""
        return [ln for ln in self.error_log().splitlines()
                if CRASH_RE.search(ln)]


def stop_all(httpds):
    """Stops every httpd of httpds that still runs and returns what went
    wrong, as failure texts ([] when nothing did): each unclean stop not
    reported yet (see Httpd.assert_stopped_cleanly), then the crash lines
    of each error log that no stop covers (a crash in a start that failed,
    say)."""
    texts = []
    for h in httpds:
        h.stop()
        texts += unreported(h.stops)
        covered = {ln for s in h.stops for ln in s.crash_lines}
        crashes = [ln for ln in h.crash_lines() if ln not in covered]
        if crashes:
            texts.append("an httpd child crashed:\n" + "\n".join(
                "%s: %s" % (h.name, ln) for ln in crashes))
    return texts
