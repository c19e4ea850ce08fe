#!/usr/bin/python3
"""A repeatable load test of mod_threads_oauth on loopback.

Starts the Threads stand-in (in a process of its own, on 127.0.0.2) and an
httpd with the module (on 127.0.0.1) and runs N workers (threads) for a
bounded time. Each worker loops:

  a script's request while logged out (401), a full login (the protected
  page -> the stand-in's Authorization Window, which consents at once ->
  the callback -> back to the page), K requests while logged in (the CGI
  env.cgi, a static page under AuthType Threads, ?info=json, a script's
  request to a location that needs more scope: 401), and now and then a
  logout followed by a script's request (401).

The stand-in makes a share of the code exchanges fail (--fault-share):
reject (OAuthException: 403), garbage (502), reset (502) and slow beyond
ThreadsHttpTimeout (504). Which exchange fails is a function of its
authorization code, so the worker that sees the code knows what to expect.

It reports requests by status, logins ok / failed by reason, 5xx not
explained by an injected fault, crashes in the error log, the RSS and the
open file descriptors of httpd's children after the warm-up and at the end
(both measured with the load paused and client connections closed), and
the throughput; it prints a JSON summary and a short line, and exits

  0  every check passed
  1  a check failed: unexplained 5xx, other unexpected answers or client
     errors, a crash, RSS growth over --max-rss-growth percent, descriptor
     growth over --fd-slack, more pooled connections to Threads than the
     module keeps, an httpd that did not stop cleanly at the end (exit
     status not 0, killed, a process left: harness/lifecycle.py)
  2  it could not run (no module, httpd would not start, ...)

Everything stays on this machine (127.0.0.1 and 127.0.0.2); every loop ends
by itself at the deadline.

    t/soak.py --seconds 60 --mpm event --workers 8 --fault-share 0.1
"""

import argparse
import collections
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
import standin as standin_mod  # noqa: E402

CALLBACK = harness.CALLBACK_PATH
XHR = {"X-Requested-With": "XMLHttpRequest"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}
FAULT_KINDS = ("reject", "garbage", "reset", "slow")
# What the callback answers for each planned fault (None: no fault).
EXPECTED_CALLBACK = {None: 302, "reject": 403, "garbage": 502, "reset": 502,
                     "slow": 504}
# The module keeps at most this many idle libcurl handles per process
# (THREADS_HTTP_STACK_MAX in threads_http.c), each with one connection.
POOL_MAX = 16

# Fixed process counts, so that the children measured after the warm-up
# are the ones measured at the end.
MPM_CONFIG = {
    "event": ["StartServers 2", "ServerLimit 2", "ThreadsPerChild 16",
              "MaxRequestWorkers 32", "MinSpareThreads 1",
              "MaxSpareThreads 64", "MaxConnectionsPerChild 0"],
    "worker": ["StartServers 2", "ServerLimit 2", "ThreadsPerChild 16",
               "MaxRequestWorkers 32", "MinSpareThreads 1",
               "MaxSpareThreads 64", "MaxConnectionsPerChild 0"],
    "prefork": ["StartServers 16", "ServerLimit 16", "MinSpareServers 1",
                "MaxSpareServers 16", "MaxRequestWorkers 16",
                "MaxConnectionsPerChild 0"],
}


def planned_fault(code, share):
    """The fault the stand-in injects into the exchange of code (None for
    none): a pure function of the code, known to both sides."""
    if not code or share <= 0:
        return None
    digest = hashlib.sha256(code.encode("utf-8", "replace")).digest()
    u = int.from_bytes(digest[:8], "big") / float(1 << 64)
    if u >= share:
        return None
    return FAULT_KINDS[digest[8] % len(FAULT_KINDS)]


# ---------------------------------------------------------------------------
# The stand-in, in its own process
# ---------------------------------------------------------------------------

class SoakStandin(standin_mod.ThreadsStandin):
    """The stand-in with faults planned per authorization code, and
    without the request log (a soak would grow it without end)."""

    def __init__(self, fault_share, slow_seconds, **kw):
        super().__init__(**kw)
        self.fault_share = fault_share
        self.slow_seconds = slow_seconds
        self._current = threading.local()
        self.counts = collections.Counter()
        self._count_lock = threading.Lock()

    def _record(self, rec):
        # Called by the handler for each request, before _take_fault, in
        # the same thread: keep the request for the fault decision only.
        self._current.rec = rec
        with self._count_lock:
            self.counts[rec.endpoint or "other"] += 1

    def _take_fault(self, endpoint):
        if endpoint != "token":
            return None
        rec = getattr(self._current, "rec", None)
        code = None
        if rec is not None and rec.form:
            code = (rec.form.get("code") or [None])[0]
        kind = planned_fault(code, self.fault_share)
        if kind is None:
            return None
        params = {"seconds": self.slow_seconds} if kind == "slow" else {}
        with self._count_lock:
            self.counts["fault_" + kind] += 1
        return standin_mod.Fault(kind, None, params)


def serve_standin(args):
    """--serve-standin: runs the stand-in until SIGTERM or until standard
    input closes (the soak that started it is gone)."""
    for name in ("_record", "_take_fault"):
        if not hasattr(standin_mod.ThreadsStandin, name):
            sys.stderr.write("standin.ThreadsStandin has no %s: the "
                             "soak's fault plan cannot hook in\n" % name)
            return 2
    host, _, port = args.listen.rpartition(":")
    s = SoakStandin(
        fault_share=args.fault_share, slow_seconds=args.slow_seconds,
        host=host, port=int(port),
        tls=standin_mod.CertFiles(args.cert, args.key),
        app_id=harness.APP_ID, app_secret=harness.APP_SECRET,
        user_id=harness.USER_ID, redirect_uris=[args.redirect_uri],
        auto_consent=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(1):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    s.start()
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(s.base_url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        s.stop()
        sys.stderr.write("standin counts: %s\n" % json.dumps(
            dict(s.counts), sort_keys=True))
    return 0


class StandinProcess:
    """The stand-in subprocess, seen by the harness as a stand-in."""

    def __init__(self, workdir, tls, port, redirect_uri, fault_share,
                 slow_seconds):
        self.stderr_path = os.path.join(workdir, "standin.stderr")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve-standin",
             "--listen", "127.0.0.2:%d" % port, "--cert", tls.server.cert,
             "--key", tls.server.key, "--redirect-uri", redirect_uri,
             "--fault-share", repr(fault_share),
             "--slow-seconds", repr(slow_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
            env=dict(harness.clean_env(), PYTHONDONTWRITEBYTECODE="1"))
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("https://"):
            self.stop()
            raise RuntimeError("the stand-in did not start: %s" %
                               self.stderr())
        self.base_url = line
        self.authorize_url = line + "/oauth/authorize"
        self.token_url = line + "/oauth/access_token"
        self.graph_url = line

    def register_redirect_uri(self, uri):
        pass  # given on its command line

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()[-4000:]
        except FileNotFoundError:
            return ""

    def counts(self):
        m = re.search(r"standin counts: (\{.*\})", self.stderr())
        return json.loads(m.group(1)) if m else {}

    def stop(self):
        """Stops the stand-in (SIGTERM, which it handles); returns what
        went wrong: gone before, killed after a timeout, an exit status
        other than 0, a traceback on its standard error."""
        problems = []
        if self.proc.poll() is not None:
            problems.append("it had exited (%d) before the stop"
                            % self.proc.returncode)
        else:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                problems.append("it did not stop within 10 s: killed")
            if self.proc.returncode != 0:
                problems.append("it exited with %d" % self.proc.returncode)
        self._err.close()
        if "Traceback" in self.stderr():
            problems.append("a traceback on its standard error")
        return problems


# ---------------------------------------------------------------------------
# httpd's children: RSS and descriptors
# ---------------------------------------------------------------------------

def _rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV",
              "04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
              "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK",
              "0A": "LISTEN", "0B": "CLOSING"}


def _hex_addr(text):
    ip, port = text.split(":")
    octets = [str(int(ip[i:i + 2], 16)) for i in range(0, 8, 2)][::-1]
    return "%s:%d" % (".".join(octets), int(port, 16))


def _tcp_sockets():
    """inode -> (local "ip:port", remote "ip:port", state) of IPv4 TCP."""
    out = {}
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) > 9:
                    out[parts[9]] = (_hex_addr(parts[1]), _hex_addr(parts[2]),
                                     TCP_STATES.get(parts[3], parts[3]))
    except OSError:
        pass
    return out


def _unix_sockets():
    """inode -> path ("" when none) of UNIX sockets."""
    out = {}
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) >= 7:
                    out[parts[6]] = parts[7] if len(parts) >= 8 else ""
    except OSError:
        pass
    return out


def _listening_unix_inodes(path_prefix):
    inodes = set()
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) >= 8 and parts[7].startswith(path_prefix):
                    inodes.add(parts[6])
    except OSError:
        pass
    return inodes


def _fds(pid):
    """The descriptors of pid as a list of link targets."""
    out = []
    d = "/proc/%d/fd" % pid
    try:
        names = os.listdir(d)
    except OSError:
        return None
    for n in names:
        try:
            out.append(os.readlink(os.path.join(d, n)))
        except OSError:
            pass
    return out


def _fd_kind(target, tcp, threads_addr, unix):
    """A short name for what a descriptor is."""
    if target.startswith("socket:["):
        inode = target[8:-1]
        if inode in tcp:
            local, remote, state = tcp[inode]
            if remote == threads_addr:
                return "tcp_to_threads"
            if state == "LISTEN":
                return "tcp_listen"
            return "tcp_%s" % state.lower()
        if inode in unix:
            # libcurl keeps a socketpair in each easy handle (its wakeup
            # pipe): an unnamed UNIX socket here is one of the pool's.
            return ("unix:" + os.path.basename(unix[inode])
                    if unix[inode] else "unix_unnamed")
        return "socket"
    if target.startswith(("pipe:", "anon_inode:")):
        return target.split(":", 1)[0] + ":" + target.split(":", 1)[1][:20]
    if target.startswith("/dev/"):
        return target
    if target.startswith("/"):
        return "file:" + os.path.basename(target)
    return target[:30]


def snapshot(httpd, standin_port):
    """RSS and descriptors of every child of httpd's parent process. The
    mod_cgid daemon is reported on its own; descriptors of connections to
    the stand-in and unnamed UNIX sockets (the module's pooled libcurl
    handles) are counted apart from the rest."""
    ppid = httpd.proc.pid
    tcp = _tcp_sockets()
    threads_addr = "127.0.0.2:%d" % standin_port
    unix = _unix_sockets()
    cgid_inodes = _listening_unix_inodes(os.path.join(httpd.dir, "cgid.sock"))
    procs = {}
    cgid = None
    for pid in harness.lifecycle.children(ppid):
        fds = _fds(pid)
        rss = _rss_kb(pid)
        if fds is None or rss is None:
            continue
        sockets = [f[8:-1] for f in fds if f.startswith("socket:[")]
        kinds = collections.Counter(
            _fd_kind(f, tcp, threads_addr, unix) for f in fds)
        info = {"pid": pid, "rss_kb": rss, "fds": len(fds),
                "threads_conns": kinds["tcp_to_threads"],
                "socketpairs": kinds["unix_unnamed"], "fd_kinds": kinds}
        # Descriptors outside the module's bounded pool of libcurl
        # handles (one connection and one socketpair each).
        info["other_fds"] = (info["fds"] - info["threads_conns"]
                             - info["socketpairs"])
        if cgid_inodes and any(s in cgid_inodes for s in sockets):
            cgid = info
        else:
            procs[pid] = info
    return {"time": time.time(), "children": procs, "cgid": cgid,
            "parent_rss_kb": _rss_kb(ppid)}


def compare(warm, end, max_growth_pct, fd_slack):
    """The growth between two snapshots, over the children present in
    both; returns (report dict, list of failed checks)."""
    common = sorted(set(warm["children"]) & set(end["children"]))
    rss_w = sum(warm["children"][p]["rss_kb"] for p in common)
    rss_e = sum(end["children"][p]["rss_kb"] for p in common)
    fds_w = sum(warm["children"][p]["fds"] for p in common)
    fds_e = sum(end["children"][p]["fds"] for p in common)
    oth_w = sum(warm["children"][p]["other_fds"] for p in common)
    oth_e = sum(end["children"][p]["other_fds"] for p in common)
    tc_w = sum(warm["children"][p]["threads_conns"] for p in common)
    tc_e = sum(end["children"][p]["threads_conns"] for p in common)
    growth = (100.0 * (rss_e - rss_w) / rss_w) if rss_w else 0.0
    pool_max = max([c["threads_conns"] for c in end["children"].values()]
                   + [0])
    pairs_max = max([c["socketpairs"] for c in end["children"].values()]
                    + [0])
    report = {
        "children_warm": sorted(warm["children"]),
        "children_end": sorted(end["children"]),
        "children_compared": len(common),
        "rss_kb_warm": rss_w, "rss_kb_end": rss_e,
        "rss_growth_pct": round(growth, 2),
        "rss_kb_per_child_end": {str(p): end["children"][p]["rss_kb"]
                                 for p in common},
        "fds_warm": fds_w, "fds_end": fds_e,
        "fds_other_warm": oth_w, "fds_other_end": oth_e,
        "fds_growth": oth_e - oth_w,
        "threads_conns_warm": tc_w, "threads_conns_end": tc_e,
        "threads_conns_max_per_child": pool_max,
        "socketpairs_warm": sum(warm["children"][p]["socketpairs"]
                                for p in common),
        "socketpairs_end": sum(end["children"][p]["socketpairs"]
                               for p in common),
        "socketpairs_max_per_child": pairs_max,
        "cgid_rss_kb": [warm["cgid"] and warm["cgid"]["rss_kb"],
                        end["cgid"] and end["cgid"]["rss_kb"]],
        "cgid_fds": [warm["cgid"] and warm["cgid"]["fds"],
                     end["cgid"] and end["cgid"]["fds"]],
    }
    failed = []
    if not common:
        failed.append("no child of httpd lived through the run")
    if growth > max_growth_pct:
        failed.append("RSS of the children grew %.1f%% (%d -> %d kB), over "
                      "%g%%" % (growth, rss_w, rss_e, max_growth_pct))
    if oth_e - oth_w > fd_slack:
        failed.append("descriptors of the children grew by %d (%d -> %d, "
                      "without the pooled libcurl handles), over %d"
                      % (oth_e - oth_w, oth_w, oth_e, fd_slack))
    if pool_max > POOL_MAX:
        failed.append("a child holds %d connections to Threads, more than "
                      "the %d pooled handles" % (pool_max, POOL_MAX))
    if pairs_max > 2 * POOL_MAX:
        failed.append("a child holds %d unnamed UNIX sockets, more than the "
                      "%d pooled handles have" % (pairs_max, 2 * POOL_MAX))
    kinds_w = collections.Counter()
    kinds_e = collections.Counter()
    for p in common:
        kinds_w.update(warm["children"][p]["fd_kinds"])
        kinds_e.update(end["children"][p]["fd_kinds"])
    report["fd_kinds_changed"] = {
        k: [kinds_w.get(k, 0), kinds_e.get(k, 0)]
        for k in sorted(set(kinds_w) | set(kinds_e))
        if kinds_w.get(k, 0) != kinds_e.get(k, 0)}
    gone = sorted(set(warm["children"]) - set(end["children"]))
    if gone:
        report["children_gone"] = gone
    return report, failed


# ---------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------

class Stats:
    """Everything the workers count, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.status = collections.Counter()
        self.by_label = collections.defaultdict(collections.Counter)
        self.logins = collections.Counter()
        self.unexplained_5xx = []
        self.unexpected = []
        self.client_errors = collections.Counter()
        self.client_error_samples = []
        self.latencies = []
        self.latency_504 = []
        self.standin_requests = 0
        self.requests = 0

    def record(self, label, status, seconds):
        with self.lock:
            self.requests += 1
            self.status[str(status)] += 1
            self.by_label[label][str(status)] += 1
            if len(self.latencies) < 2000000:
                self.latencies.append(seconds)
            if status == 504:
                self.latency_504.append(seconds)

    def problem(self, kind, detail):
        with self.lock:
            target = (self.unexplained_5xx if kind == "5xx"
                      else self.unexpected)
            if len(target) < 10000:
                target.append(detail)


class Soak:
    def __init__(self, args, httpd, standin):
        self.args = args
        self.httpd = httpd
        self.standin = standin
        self.stats = Stats()
        self.deadline = None
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._resume = threading.Event()
        self._parked = 0
        self._parked_lock = threading.Lock()

    # -- pausing ------------------------------------------------------------

    def stopping(self):
        return self._stop.is_set() or time.monotonic() >= self.deadline

    def _park(self):
        with self._parked_lock:
            self._parked += 1
        while not self._resume.wait(0.1):
            if self._stop.is_set():
                break
        with self._parked_lock:
            self._parked -= 1

    def pause(self, timeout):
        """Stops the workers between iterations (their connections
        closed); True once all are parked."""
        self._resume.clear()
        self._pause.set()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._parked_lock:
                if self._parked >= self.args.workers:
                    return True
            time.sleep(0.05)
        return False

    def resume(self):
        self._pause.clear()
        self._resume.set()

    # -- one request --------------------------------------------------------

    def get(self, b, path, label, expect, navigate=True, headers=None,
            fault=None):
        t0 = time.monotonic()
        r = b.get(path, navigate=navigate, headers=headers)
        dt = time.monotonic() - t0
        self.stats.record(label, r.status_code, dt)
        if r.status_code != expect:
            detail = {"label": label, "path": path[:200],
                      "status": r.status_code, "expected": expect,
                      "fault": fault, "seconds": round(dt, 3),
                      "body": r.text[:300]}
            if r.status_code >= 500:
                self.stats.problem("5xx", detail)
            else:
                self.stats.problem("other", detail)
        return r

    # -- one worker ---------------------------------------------------------

    def worker(self, wid):
        rng = random.Random(self.args.seed * 1000 + wid)
        n = 0
        while not self.stopping():
            if self._pause.is_set():
                self._park()
                continue
            b = harness.Browser(self.httpd, timeout=30)
            try:
                self.iteration(b, rng, "w%dn%d" % (wid, n))
            except Exception as e:  # a client-side failure: counted
                name = type(e).__name__
                with self.stats.lock:
                    self.stats.client_errors[name] += 1
                    if len(self.stats.client_error_samples) < 20:
                        self.stats.client_error_samples.append(
                            "%s: %s" % (name, str(e)[:300]))
            finally:
                b.close()
            n += 1

    def iteration(self, b, rng, tag):
        page = "/app/page.html?t=" + tag
        # A script's request while logged out.
        self.get(b, page, "xhr_logged_out", 401, navigate=False,
                 headers=XHR)
        if self.stopping():
            return
        # The login.
        r = self.get(b, page, "login_start", 302)
        if r.status_code != 302:
            self.stats.logins["unexpected_start"] += 1
            return
        authz = b.location(r)
        if not authz.startswith(self.standin.authorize_url + "?"):
            self.stats.problem("other", {"label": "login_start",
                                         "location": authz[:200]})
            return
        a = b.get(authz, headers=CROSS_SITE)
        with self.stats.lock:
            self.stats.standin_requests += 1
        if a.status_code != 302:
            self.stats.problem("other", {"label": "authorize",
                                         "status": a.status_code})
            self.stats.logins["unexpected_authorize"] += 1
            return
        cb_url = b.location(a)
        code = (urllib.parse.parse_qs(urllib.parse.urlsplit(cb_url).query)
                .get("code") or [None])[0]
        fault = planned_fault(code, self.args.fault_share)
        expect = EXPECTED_CALLBACK[fault]
        r = self.get(b, cb_url, "callback", expect, headers=CROSS_SITE,
                     fault=fault)
        if r.status_code != expect:
            self.stats.logins["unexpected_%d" % r.status_code] += 1
            return
        if fault is not None:
            self.stats.logins["failed_" + fault] += 1
            return
        back = b.location(r)
        r = self.get(b, back, "back_to_page", 200)
        if r.status_code != 200:
            self.stats.logins["unexpected_back_%d" % r.status_code] += 1
            return
        self.stats.logins["ok"] += 1
        # Requests while logged in.
        for _ in range(self.args.requests_per_login):
            if self.stopping() or self._pause.is_set():
                return
            x = rng.random()
            if x < 0.45:
                r = self.get(b, "/app/env.cgi?t=" + tag, "cgi", 200)
                if r.status_code == 200:
                    try:
                        who = json.loads(r.text).get("REMOTE_USER")
                    except ValueError:
                        who = None
                    if who != harness.USER_ID:
                        self.stats.problem("other", {
                            "label": "cgi", "remote_user": who})
            elif x < 0.85:
                self.get(b, "/app/page.html", "static", 200)
            elif x < 0.93:
                self.get(b, CALLBACK + "?info=json", "info", 200,
                         navigate=False)
            else:
                self.get(b, "/more/page.html", "xhr_step_up", 401,
                         navigate=False, headers=XHR)
        if rng.random() < self.args.logout_share:
            r = self.get(b, CALLBACK + "?logout=/", "logout", 302)
            if r.status_code == 302:
                self.get(b, "/app/page.html", "xhr_after_logout", 401,
                         navigate=False, headers=XHR)

    # -- the run ------------------------------------------------------------

    def run(self):
        args = self.args
        start = time.monotonic()
        self.deadline = start + args.seconds
        threads = [threading.Thread(target=self.worker, args=(i,),
                                    name="soak-%d" % i, daemon=True)
                   for i in range(args.workers)]
        for t in threads:
            t.start()
        warm = None
        paused_for = 0.0
        warm_at = start + args.warmup
        while time.monotonic() < warm_at and not self.stopping():
            time.sleep(0.1)
        # Warm means every child has made a call to Threads (it holds a
        # pooled libcurl handle): the first call loads TLS state that would
        # otherwise read as growth. Up to three times the warm-up, and not
        # beyond half of the run.
        latest = min(start + 3 * args.warmup, start + args.seconds / 2.0)
        self.warm_children = None
        while not self.stopping():
            snap = snapshot(self.httpd, self.standin_port)
            kids = snap["children"].values()
            self.warm_children = [sum(1 for c in kids if c["socketpairs"]),
                                  len(snap["children"])]
            if all(c["socketpairs"] for c in kids) or \
                    time.monotonic() >= latest:
                break
            time.sleep(0.5)
        self.warm_after = round(time.monotonic() - start, 1)
        if not self.stopping():
            p0 = time.monotonic()
            if self.pause(timeout=max(30.0, args.slow_seconds * 3)):
                time.sleep(args.settle)
                warm = snapshot(self.httpd, self.standin_port)
                warm["requests_so_far"] = self.stats.requests
            self.resume()
            paused_for = time.monotonic() - p0
            # The pause does not count against the load time.
            self.deadline += paused_for
        # RSS under load, every --sample-every seconds: a leak climbs in a
        # line, an allocator filling its arenas levels off.
        self.timeline = []
        next_sample = time.monotonic()
        while not self.stopping():
            if time.monotonic() >= next_sample:
                snap = snapshot(self.httpd, self.standin_port)
                self.timeline.append([
                    round(time.monotonic() - start - paused_for, 1),
                    sum(c["rss_kb"] for c in snap["children"].values()),
                    self.stats.requests])
                next_sample += args.sample_every
            time.sleep(0.1)
        self._stop.set()
        self._resume.set()
        for t in threads:
            t.join(max(30.0, args.slow_seconds * 3))
        active = time.monotonic() - start - paused_for
        alive = [t.name for t in threads if t.is_alive()]
        time.sleep(args.settle)
        end = snapshot(self.httpd, self.standin_port)
        return warm, end, active, alive


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) -
                                                            1)))))
    return round(values[k], 4)


def extra_config(httpd):
    lines = [
        # A location that needs more scope than the logins ask for: a
        # script's request there is a step-up 401.
        'Alias /more "%s/app"' % httpd.docroot,
        "<Location /more>",
        "    AuthType Threads",
        "    Require valid-user",
        "    ThreadsScope threads_basic,threads_content_publish",
        "</Location>",
    ]
    return "\n".join(lines)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Soak mod_threads_oauth on loopback: logins, "
                    "authenticated requests and injected faults; checks "
                    "5xx, crashes, RSS and descriptors.")
    ap.add_argument("--seconds", type=float, default=60.0,
                    help="load time (default 60)")
    ap.add_argument("--mpm", choices=harness.MPMS, default="event")
    ap.add_argument("--workers", type=int, default=8,
                    help="concurrent clients (default 8)")
    ap.add_argument("--fault-share", type=float, default=0.1,
                    help="share of code exchanges that fail (default 0.1)")
    ap.add_argument("--requests-per-login", type=int, default=8,
                    help="requests while logged in, per login (default 8)")
    ap.add_argument("--logout-share", type=float, default=0.3,
                    help="share of logins that end with ?logout= "
                         "(default 0.3)")
    ap.add_argument("--http-timeout", type=int, default=2,
                    help="ThreadsHttpTimeout (default 2)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds before the first measurement (default: "
                         "a quarter of --seconds, 3 to 20)")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="quiet seconds before each measurement")
    ap.add_argument("--max-rss-growth", type=float, default=20.0,
                    help="allowed RSS growth of the children after the "
                         "warm-up, percent (default 20)")
    ap.add_argument("--fd-slack", type=int, default=4,
                    help="allowed growth of the children's descriptors "
                         "(default 4)")
    ap.add_argument("--sample-every", type=float, default=10.0,
                    help="seconds between RSS samples under load "
                         "(default 10)")
    ap.add_argument("--malloc-arena-max", type=int, default=None,
                    help="run httpd with MALLOC_ARENA_MAX set (to tell "
                         "glibc's per-thread arenas from a leak)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--so", default=harness.MODULE_SO,
                    help="the module (default: the harness's, "
                         "$THREADS_MODULE_SO or .libs/)")
    ap.add_argument("--json-out", metavar="FILE",
                    help="also write the JSON summary to FILE")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, configuration)")
    # Internal: the stand-in process.
    ap.add_argument("--serve-standin", action="store_true",
                    help=argparse.SUPPRESS)
    ap.add_argument("--listen", help=argparse.SUPPRESS)
    ap.add_argument("--cert", help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    ap.add_argument("--redirect-uri", help=argparse.SUPPRESS)
    ap.add_argument("--slow-seconds", type=float, default=None,
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.slow_seconds is None:
        args.slow_seconds = args.http_timeout + 1.5
    if args.warmup is None:
        args.warmup = min(20.0, max(3.0, args.seconds / 4.0))
    if args.seconds <= args.warmup:
        ap.error("--seconds must be longer than the warm-up (%g s)"
                 % args.warmup)
    if not 1 <= args.workers <= 64:
        ap.error("--workers must be 1 to 64")
    if not 0 <= args.fault_share <= 1:
        ap.error("--fault-share must be within 0..1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.serve_standin:
        return serve_standin(args)
    if not os.path.exists(args.so):
        sys.stderr.write("soak: the module %s does not exist (make module)\n"
                         % args.so)
        return 2

    if args.malloc_arena_max:
        base_env = harness.httpd.clean_env

        def env_with_arena_max():
            env = base_env()
            env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
            return env

        harness.httpd.clean_env = env_with_arena_max
    workdir = tempfile.mkdtemp(prefix="tto-soak-", dir="/tmp")
    os.chmod(workdir, 0o755)
    standin = httpd = None
    summary = {"mpm": args.mpm, "seconds": args.seconds,
               "workers": args.workers, "fault_share": args.fault_share,
               "requests_per_login": args.requests_per_login,
               "http_timeout": args.http_timeout, "warmup": args.warmup,
               "malloc_arena_max": args.malloc_arena_max,
               "workdir": workdir if args.keep else None}
    failed = []
    try:
        tls = standin_mod.make_tls_material(os.path.join(workdir, "tls"))
        port = harness.free_port()
        standin_port = harness.free_port("127.0.0.2")
        redirect_uri = "http://127.0.0.1:%d%s" % (port, CALLBACK)
        standin = StandinProcess(workdir, tls, standin_port, redirect_uri,
                                 args.fault_share, args.slow_seconds)
        httpd = harness.Httpd(
            os.path.join(workdir, "httpd"), standin, tls.ca_file,
            so_path=args.so, mpm=args.mpm, port=port, name="soak",
            directives={"ThreadsHttpTimeout": str(args.http_timeout)},
            mpm_tuning=MPM_CONFIG[args.mpm],
            # The module at info: one line a login, every warning and
            # error.
            log_level="warn threads_oauth:info")
        httpd.extra = extra_config(httpd)
        httpd.start()
    except Exception as e:
        sys.stderr.write("soak: could not start: %s\n" % e)
        if httpd is not None:
            httpd.stop()
        if standin is not None:
            standin.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        return 2

    try:
        soak = Soak(args, httpd, standin)
        soak.standin_port = standin_port
        warm, end, active, alive = soak.run()
        parent_alive = httpd.running
    finally:
        stop = httpd.stop()
        standin_problems = standin.stop()

    st = soak.stats
    crashes = httpd.crash_lines()
    log = httpd.error_log()
    module_levels = collections.Counter(
        m.group(1) for m in re.finditer(r"\[threads_oauth:(\w+)\]", log))
    summary.update({
        "active_seconds": round(active, 2),
        "requests": st.requests,
        "throughput_rps": round(st.requests / active, 1) if active else 0,
        "requests_by_status": dict(sorted(st.status.items())),
        "requests_by_label": {k: dict(sorted(v.items()))
                              for k, v in sorted(st.by_label.items())},
        "standin_requests": st.standin_requests,
        "standin_counts": standin.counts(),
        "logins_ok": st.logins.get("ok", 0),
        "logins_failed": {k[len("failed_"):]: v for k, v in
                          sorted(st.logins.items())
                          if k.startswith("failed_")},
        "logins_unexpected": {k: v for k, v in sorted(st.logins.items())
                              if k.startswith("unexpected")},
        "unexplained_5xx": len(st.unexplained_5xx),
        "unexplained_5xx_samples": st.unexplained_5xx[:10],
        "unexpected": len(st.unexpected),
        "unexpected_samples": st.unexpected[:10],
        "client_errors": dict(st.client_errors),
        "client_error_samples": st.client_error_samples[:10],
        "latency_s": {"p50": percentile(st.latencies, 50),
                      "p95": percentile(st.latencies, 95),
                      "p99": percentile(st.latencies, 99),
                      "max": percentile(st.latencies, 100)},
        "latency_504_max_s": percentile(st.latency_504, 100),
        "crashes": len(crashes),
        "crash_lines": crashes[:10],
        "module_log_lines": dict(module_levels),
        "httpd_alive_at_end": parent_alive,
        "stop": {"exit_status": stop.status, "killed": stop.killed,
                 "seconds": round(stop.seconds, 2),
                 "problems": stop.problems()},
        "workers_stuck": alive,
    })
    if warm is None:
        failed.append("no measurement after the warm-up (the workers "
                      "did not pause)")
        summary["memory"] = None
    else:
        report, mem_failed = compare(warm, end, args.max_rss_growth,
                                     args.fd_slack)
        report["requests_at_warm"] = warm["requests_so_far"]
        report["rss_timeline_kb"] = soak.timeline
        report["warm_after_s"] = soak.warm_after
        report["children_with_pool_at_warm"] = soak.warm_children
        summary["memory"] = report
        failed += mem_failed
    injected_errors = sum(v for k, v in summary["logins_failed"].items()
                          if k != "reject")
    module_errors = sum(v for k, v in module_levels.items()
                        if k in ("error", "crit", "alert", "emerg"))
    summary["module_errors_unexplained"] = max(0, module_errors
                                               - injected_errors)
    if summary["module_errors_unexplained"]:
        failed.append("%d module error lines beyond the %d injected "
                      "faults" % (module_errors - injected_errors,
                                  injected_errors))
    if st.unexplained_5xx:
        failed.append("%d 5xx answers not explained by an injected fault"
                      % len(st.unexplained_5xx))
    if st.unexpected:
        failed.append("%d other unexpected answers" % len(st.unexpected))
    if st.client_errors:
        failed.append("client errors: %s" % dict(st.client_errors))
    if crashes:
        failed.append("%d crash lines in the error log" % len(crashes))
    if not parent_alive:
        failed.append("httpd was not running at the end")
    if not stop.clean:
        failed.append("httpd did not stop cleanly: exit status %s%s" % (
            harness.describe_status(stop.status),
            ", killed" if stop.killed else ""))
        sys.stderr.write(stop.report())
    if standin_problems:
        failed.append("the stand-in did not stop cleanly: %s"
                      % "; ".join(standin_problems))
        sys.stderr.write(standin.stderr())
    if alive:
        failed.append("workers still running at the end: %s" % alive)
    if st.logins.get("ok", 0) == 0:
        failed.append("no login succeeded")
    summary["failed_checks"] = failed
    summary["result"] = "FAIL" if failed else "PASS"

    text = json.dumps(summary, indent=1, sort_keys=True)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    mem = summary["memory"] or {}
    print("soak %s %gs x%d: %d requests (%.1f/s), logins %d ok / %d failed "
          "as injected, %d unexplained 5xx, %d unexpected, %d crashes, RSS "
          "%s -> %s kB (%+.1f%%), fds %s -> %s, Threads conns %s -> %s: %s%s"
          % (args.mpm, args.seconds, args.workers, st.requests,
             summary["throughput_rps"], summary["logins_ok"],
             sum(summary["logins_failed"].values()), len(st.unexplained_5xx),
             len(st.unexpected), len(crashes), mem.get("rss_kb_warm"),
             mem.get("rss_kb_end"), mem.get("rss_growth_pct") or 0.0,
             mem.get("fds_other_warm"), mem.get("fds_other_end"),
             mem.get("threads_conns_warm"), mem.get("threads_conns_end"),
             summary["result"], "" if not failed else " (" +
             "; ".join(failed) + ")"))
    if args.keep:
        print("soak: kept %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
