"""httpd's life cycle with the module loaded (contract 6): no crash when
httpd starts, restarts gracefully, or stops; apachectl graceful keeps every
session valid; apachectl stop ends with exit status 0 under every MPM.

The servers are driven as an operator drives them: `apache2 -k graceful`,
`-k restart`, `-k graceful-stop` and `-k stop` (what apachectl runs; each
reads the configuration, module included, and signals the PID in the PID
file: SIGUSR1, SIGHUP, SIGWINCH, SIGTERM), and a stop and a start on the
same directory. What the operator sees is asserted: the -k command's exit
status and output, httpd's exit status, its processes gone, its PID file
removed, the restart and shutdown lines in the error log, and no line of
level error or worse. The fixture checks every stop once more (see
harness/lifecycle.py)."""

import http.client
import json
import os
import re
import signal
import stat
import threading

import pytest

from harness import (CALLBACK_PATH, MODULES_DIR, MPMS, USER_ID,
                     assert_module_json, describe)
from harness.lifecycle import group_members
from harness.sealed import KEY_FILE, key_material

START = "/app/env.cgi"
PAGE = "/app/page.html"

# What the parent logs when it is told to restart, per MPM.
GRACEFUL_LINE = {
    "event": "AH00493: SIGUSR1 received.  Doing graceful restart",
    "worker": "AH00297: SIGUSR1 received.  Doing graceful restart",
    "prefork": "AH00171: Graceful restart requested, doing restart",
}
RESTART_LINE = {
    "event": "AH00494: SIGHUP received.  Attempting to restart",
    "worker": "AH00298: SIGHUP received.  Attempting to restart",
    "prefork": "AH00173: SIGHUP received.  Attempting to restart",
}
# apache2 -k action: the signal it sends, what the parent then logs.
STOPS = {
    "stop": (signal.SIGTERM, "caught SIGTERM, shutting down"),
    "graceful-stop": (signal.SIGWINCH, "caught SIGWINCH, shutting down "
                                       "gracefully"),
}
# The module's startup notice that names the generated key, and the one
# that says it made a new one.
KEY_NOTICE = "THREADS00207"
NEW_KEY_NOTICE = "THREADS00214"
# The module's counters in the Prometheus format, and its revocation
# store in shared memory.
METRICS = "<Location /metrics>\n    SetHandler threads-oauth-metrics\n" \
          "</Location>"
REVOCATION = ("LoadModule socache_shmcb_module %s/mod_socache_shmcb.so\n"
              "ThreadsRevocationCache shmcb" % MODULES_DIR)
SCRIPT = {"X-Requested-With": "XMLHttpRequest"}


def cgi_env(resp):
    assert resp.status_code == 200, describe(resp)
    return json.loads(resp.text)


def log_in(h, browser_factory):
    """A whole login on h; returns (session cookie, access token)."""
    b = browser_factory(h)
    env = cgi_env(b.login(START).final)
    assert env["REMOTE_USER"] == USER_ID
    cookie = b.cookie()
    b.close()
    return cookie, env["THREADS_ACCESS_TOKEN"]


def assert_session_valid(h, browser_factory, standin, cookie, token):
    """The session cookie still logs in on h, with the same token, without
    a call to Threads."""
    calls = len(standin.requests)
    b = browser_factory(h)
    b.set_cookie(cookie)
    env = cgi_env(b.get(START))
    assert env["REMOTE_USER"] == USER_ID and env["AUTH_TYPE"] == "Threads"
    assert env["THREADS_ACCESS_TOKEN"] == token
    info = assert_module_json(b.get(CALLBACK_PATH + "?info=json"), 200)
    assert info["user_id"] == USER_ID
    assert standin.requests[calls:] == [], "the session needed Threads"
    b.close()


# A line httpd logged at notice level or below, as it prints one before
# its error log is open.
QUIET_RE = re.compile(r"^\[[^]]*\] \[[\w.-]*:(notice|info|debug|trace\d)\] ")


def assert_quiet(action, rc, out):
    """apache2 -k action exited 0 and printed nothing an operator must act
    on. What httpd and its modules log while the command reads the
    configuration goes to the terminal (the error log is opened later):
    a startup notice may show there, a warning, an error, a crash or any
    other text may not."""
    loud = [ln for ln in out.splitlines() if not QUIET_RE.search(ln)]
    assert rc == 0 and loud == [], "apache2 -k %s: exit %d\n%s" % (
        action, rc, out)


def assert_stopped(h, action):
    """`apache2 -k action` (stop or graceful-stop) ends h as an operator
    expects: exit status 0, no process left, no PID file, the shutdown
    line in the error log, no crash, no error line."""
    pid = h.pid
    sig, line = STOPS[action]
    rc, out = h.apachectl(action)
    # Record the stop first, so that a failure below is not also reported
    # as an httpd that ended by itself.
    stop = h.stop(sig, signalled=rc == 0)
    assert_quiet(action, rc, out)
    assert stop.problems() == [], stop.report()
    assert stop.status == 0 and not stop.killed
    assert line in stop.log, stop.report()
    assert not os.path.exists(h.pid_file)
    assert group_members(pid) == {}
    assert stop.crash_lines == []
    assert stop.severe_lines() == [], stop.report()
    h.assert_stopped_cleanly()
    return stop


# ---------------------------------------------------------------------------
# apachectl graceful, then stop or graceful-stop
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["stop", "graceful-stop"])
@pytest.mark.parametrize("mpm", MPMS)
def test_graceful_keeps_sessions_then_stop_is_clean(
        httpd_factory, browser_factory, standin, mpm, action):
    h = httpd_factory(mpm=mpm)
    pid = h.pid
    cookie, token = log_in(h, browser_factory)
    # A login under way when the restart comes: its state is in the
    # session, sealed like the rest.
    pending = browser_factory(h)
    flow = pending.start_login(START + "?pending=1")
    calls = len(standin.requests)

    mark = h.restart_in_place("graceful")
    assert_quiet("graceful", 0, h.apachectl_output)
    log = h.error_log_since(mark)
    assert GRACEFUL_LINE[mpm] in log, log
    assert h.pid == pid and h.running
    with open(h.pid_file) as f:
        assert f.read().strip() == str(pid)
    # The module read its configuration again and kept its key.
    assert KEY_NOTICE in log and NEW_KEY_NOTICE not in log, log
    assert standin.requests[calls:] == []

    assert_session_valid(h, browser_factory, standin, cookie, token)
    pending.finish_login(flow)
    assert flow.callback.status_code == 302, describe(flow.callback)
    env = cgi_env(flow.final)
    assert env["REQUEST_URI"] == START + "?pending=1"
    assert env["REMOTE_USER"] == USER_ID
    pending.close()
    # A new login works on the new generation.
    new_cookie, new_token = log_in(h, browser_factory)
    assert new_token != token
    assert_session_valid(h, browser_factory, standin, new_cookie, new_token)

    stop = assert_stopped(h, action)
    assert stop.log.count("configured -- resuming normal operations") == 2


@pytest.mark.parametrize("mpm", MPMS)
def test_restart_keeps_sessions(httpd_factory, browser_factory, standin,
                                mpm):
    h = httpd_factory(mpm=mpm)
    pid = h.pid
    cookie, token = log_in(h, browser_factory)
    mark = h.restart_in_place("restart")
    assert_quiet("restart", 0, h.apachectl_output)
    log = h.error_log_since(mark)
    assert RESTART_LINE[mpm] in log, log
    assert NEW_KEY_NOTICE not in log, log
    assert h.pid == pid
    assert_session_valid(h, browser_factory, standin, cookie, token)
    assert_stopped(h, "stop")


# ---------------------------------------------------------------------------
# What lives in shared memory: the counters, the revocation store
# ---------------------------------------------------------------------------

def counters(h, browser_factory):
    """The module's counters on h: {"name{labels}": value}."""
    b = browser_factory(h)
    r = b.get("/metrics", navigate=False)
    b.close()
    assert r.status_code == 200, describe(r)
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


@pytest.mark.parametrize("mpm", MPMS)
def test_graceful_keeps_the_counters(httpd_factory, browser_factory,
                                     standin, mpm):
    # Contract 9: summed over all processes and kept across graceful
    # restarts.
    h = httpd_factory(mpm=mpm, extra=METRICS)
    log_in(h, browser_factory)
    before = counters(h, browser_factory)
    assert before["threads_oauth_logins_completed_total"] == 1, before
    h.restart_in_place("graceful")
    assert counters(h, browser_factory) == before
    log_in(h, browser_factory)
    after = counters(h, browser_factory)
    assert after["threads_oauth_logins_started_total"] == 2, after
    assert after["threads_oauth_logins_completed_total"] == 2, after
    assert_stopped(h, "stop")


@pytest.mark.parametrize("mpm", MPMS)
def test_revocation_store_works_after_graceful(httpd_factory,
                                               browser_factory, standin,
                                               mpm):
    # shmcb is made again at every restart (README: its entries do not
    # outlive one); the store of the new generation must work, and httpd
    # must stop cleanly with it.
    h = httpd_factory(mpm=mpm, extra=REVOCATION)
    h.restart_in_place("graceful")
    cookie, _ = log_in(h, browser_factory)
    b = browser_factory(h)
    b.set_cookie(cookie)
    r = b.get(CALLBACK_PATH + "?logout=/")
    assert r.status_code == 302, describe(r)
    b.close()
    copy = browser_factory(h)
    copy.set_cookie(cookie)
    r = copy.get(START, headers=SCRIPT)
    assert r.status_code == 401, "a copy outlived the logout:\n" + describe(r)
    copy.close()
    h.restart_in_place("graceful")
    # A login after the restart, and its logout, on the store made again.
    cookie, _ = log_in(h, browser_factory)
    b = browser_factory(h)
    b.set_cookie(cookie)
    assert b.get(CALLBACK_PATH + "?logout=/").status_code == 302
    b.close()
    copy = browser_factory(h)
    copy.set_cookie(cookie)
    assert copy.get(START, headers=SCRIPT).status_code == 401
    copy.close()
    assert_stopped(h, "graceful-stop")


# ---------------------------------------------------------------------------
# A full restart: stop, then start on the same directory
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", MPMS)
def test_full_restart_keeps_sessions(httpd_factory, browser_factory,
                                     standin, mpm):
    h = httpd_factory(mpm=mpm)
    key_file = os.path.join(h.dir, "run", KEY_FILE)
    key = key_material(h)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    cookie, token = log_in(h, browser_factory)
    first_pid = h.pid
    assert_stopped(h, "stop")

    h.start()
    assert h.pid != first_pid
    assert key_material(h) == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert_session_valid(h, browser_factory, standin, cookie, token)
    # The key was made at the first start only.
    assert len(h.error_log_lines(NEW_KEY_NOTICE)) == 1
    assert_stopped(h, "stop")
    assert len(h.stops) == 2


# ---------------------------------------------------------------------------
# A graceful restart while requests are in flight
# ---------------------------------------------------------------------------

class KeptAliveClient:
    """GETs with the session cookie over one kept-alive connection at a
    time (http.client: it says exactly where a request failed).

    What a graceful restart promises, and what is asserted: every request
    httpd has begun to serve is answered in full by the old generation, and
    the listening sockets stay open, so a request on a new connection is
    served too (by whichever generation accepts it). What it does not
    promise is an idle kept-alive connection: the old generation closes
    those, and a request sent on one at that very moment meets the close
    before any byte of an answer. A client may send such a request again
    on a new connection (RFC 9112, 9.3.1: the connection closed before the
    answer began, and GET is idempotent), as browsers and requests' own
    retries do. So: a clean close before any answer, on a reused
    connection, counts as retried once on a new one, which must then
    succeed. Anything else fails: a status other than 200 (a 5xx, or a
    401 or 302 that means the session was lost), an answer cut short, a
    close on a fresh connection, a timeout."""

    def __init__(self, h, cookie, path):
        self.h = h
        self.headers = {"Cookie": "session=" + cookie}
        self.path = path
        self.conn = None
        self.used = 0
        self.outcomes = []  # ("ok"|"retried"|failure text)

    def _close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _once(self):
        """(status, None) or (None, why) for one GET."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.h.host, self.h.port,
                                                   timeout=30)
            self.used = 0
        reused = self.used > 0
        try:
            self.conn.request("GET", self.path, headers=self.headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError,
                BrokenPipeError) as e:
            self._close()
            return None, ("closed-reused" if reused
                          else "closed on a new connection: %r" % e)
        except OSError as e:
            self._close()
            return None, "no answer: %r" % e
        try:
            body = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self._close()
            return None, "answer cut short: %r" % e
        self.used += 1
        if resp.will_close:
            self._close()
        if resp.status != 200:
            return None, "status %d: %r" % (resp.status, body[:300])
        return 200, None

    def get(self):
        status, why = self._once()
        if why == "closed-reused":
            status, why = self._once()
            self.outcomes.append("retried" if status == 200
                                 else "retry failed: " + why)
        else:
            self.outcomes.append("ok" if status == 200 else why)

    def close(self):
        self._close()


@pytest.mark.parametrize("mpm", MPMS)
def test_graceful_under_load_loses_no_request(httpd_factory,
                                              browser_factory, standin,
                                              mpm):
    # Room for the old generation to finish beside the new one.
    tuning = None if mpm == "prefork" else [
        "StartServers 1", "ServerLimit 4", "ThreadsPerChild 16",
        "MaxRequestWorkers 32", "MinSpareThreads 4", "MaxSpareThreads 32"]
    h = httpd_factory(mpm=mpm, mpm_tuning=tuning,
                      directives={"ThreadsHttpTimeout": "60"})
    cookie, token = log_in(h, browser_factory)

    # Logins whose code exchange is under way in httpd's children: the
    # stand-in holds each POST until the restart is done.
    release = threading.Event()
    held = 3
    before = len(standin.requests_for("token"))
    standin.set_fault("token", "slow", count=held, seconds=60,
                      until=release)
    logins = []
    for i in range(held):
        b = browser_factory(h)
        logins.append((b, b.start_login(START + "?held=%d" % i)))
    finishers = [threading.Thread(target=b.finish_login, args=(flow,),
                                  kwargs={"follow_final": False})
                 for b, flow in logins]
    for t in finishers:
        t.start()

    # Requests over kept-alive connections all along.
    done = threading.Event()
    clients = [KeptAliveClient(h, cookie, PAGE) for _ in range(3)]
    after = [0] * len(clients)
    restarted = threading.Event()

    def hammer(i):
        while not done.is_set():
            clients[i].get()
            if restarted.is_set():
                after[i] += 1
        clients[i].close()

    hammers = [threading.Thread(target=hammer, args=(i,))
               for i in range(len(clients))]
    for t in hammers:
        t.start()

    try:
        waiting = standin.wait_for_requests("token", before + held,
                                            timeout=30)[before:]
        assert [r.status for r in waiting] == [None] * held, waiting
        mark = h.restart_in_place("graceful", signal_only=True, timeout=30)
        restarted.set()
        assert GRACEFUL_LINE[mpm] in h.error_log_since(mark)
        release.set()
        for t in finishers:
            t.join(60)
        # Some requests on the new generation, on every connection.
        while min(after) < 5 and all(t.is_alive() for t in hammers):
            done.wait(0.05)
    finally:
        release.set()
        done.set()
        for t in hammers + finishers:
            t.join(60)

    for b, flow in logins:
        assert flow.callback is not None, "a held login got no answer"
        assert flow.callback.status_code == 302, describe(flow.callback)
        env = cgi_env(b.follow(flow.callback))
        assert env["REMOTE_USER"] == USER_ID
        assert env["REQUEST_URI"].startswith(START + "?held=")
        b.close()
    outcomes = [o for c in clients for o in c.outcomes]
    failures = [o for o in outcomes if o not in ("ok", "retried")]
    assert failures == [], "%d of %d requests failed:\n%s" % (
        len(failures), len(outcomes), "\n".join(failures[:20]))
    assert min(after) >= 5, after
    assert_session_valid(h, browser_factory, standin, cookie, token)
    assert_stopped(h, "stop")
