"""Where httpd's instructions go on the module's request path and in a
login, counted by callgrind (instructions executed in user space: the same
count whatever else the machine does).

Runs the benchmark's site (scripts/bench_site.py) with httpd -X (one
process, four threads) under valgrind --tool=callgrind, logs in through
the main server and the shmcb virtual host, warms every scenario up, then
sends --requests requests of each profiled scenario over one kept-alive
connection, and --logins complete logins (protected page, the stand-in's
authorization, callback with the code exchange over HTTPS, the page again)
with a fresh cookie jar each. Between two segments a request for a file
that does not exist makes httpd call ap_send_error_response, where
callgrind dumps (--dump-before): each dump holds one segment, plus the
end of one 404 and the start of the next.

For each segment it reports the instructions per request (or per login)
and their ratio to a static request, the module's share (its hooks with
everything they call, and its own code), the module's costliest functions
(inclusive and self) and what they call, and where all the instructions
go by shared object. The report goes to stdout and --out (build/profile)
with a JSON summary and the callgrind files, which callgrind_annotate
reads (the Debian httpd's static functions show as addresses).

THREADS_MODULE_SO names another build of the module (to compare a change).

Usage: /usr/bin/python3 scripts/profile.py [--requests 2000] [--logins 40]
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import bench_site
import callgrind
from bench_site import PAGE, harness

ROOT = bench_site.ROOT
MARKER = "/no-such-file-marks-a-dump"
# Scenarios of bench_site.SCENARIOS that are profiled, in order.
PROFILED = ["static", "floor", "auth", "auth-shmcb", "pass"]
# Calls counted per request or login: what derives, allocates, fetches,
# draws random bytes, parses the cookie, locks or talks TLS how often.
COUNTED = [
    "EVP_KDF_derive", "EVP_CIPHER_fetch", "EVP_CIPHER_CTX_new",
    "EVP_DecryptInit_ex", "EVP_EncryptInit_ex", "RAND_bytes",
    "threads_base64url_decode", "threads_base64url_encode",
    "threads_url_encode", "threads_query_parse", "ap_run_session_load",
    "ap_cookie_read", "ap_run_session_encode", "apr_global_mutex_lock",
    "apr_table_setn", "curl_easy_init", "curl_easy_perform",
    "SSL_do_handshake", "SSL_write", "json_loadb",
]


def get_many(url, headers, n, status):
    """n GET requests for url over one kept-alive connection."""
    parts = http.client.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        for _ in range(n):
            conn.request("GET", parts.path, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != status:
                raise RuntimeError("%s answered %d, not %d"
                                   % (url, r.status, status))
    finally:
        conn.close()


class Run:
    """httpd -X under callgrind, and the segments sent to it."""

    def __init__(self, site, out_dir):
        self.site = site
        self.out_dir = out_dir
        self.segments = []  # names, in the order of the dumps
        self.proc = None
        self.log = open(os.path.join(out_dir, "valgrind.log"), "w")

    def start(self):
        h = self.site.configure()
        rc, text = h.configtest()
        if rc != 0:
            raise RuntimeError("apache2 -t failed:\n" + text)
        cg_dir = os.path.join(self.site.work, "cg")
        os.makedirs(cg_dir)
        os.chmod(cg_dir, 0o777)  # httpd writes its dumps as www-data
        self.cg_dir = cg_dir
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind",
             "--dump-before=ap_send_error_response",
             "--compress-strings=no", "--compress-pos=no",
             "--callgrind-out-file=%s/callgrind.out" % cg_dir,
             harness.APACHE2, "-X", "-f", h.conf_path],
            stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, env=harness.clean_env())
        self.site.wait_ports(timeout=300, proc=self.proc)

    def mark(self, name=None):
        """Ends the current segment with a 404; name: the next segment's."""
        get_many(self.site.servers["main"].url(MARKER), {}, 1, 404)
        self.segments.append(name)

    def stop(self):
        """Stops httpd -X (SIGTERM) and the stand-in. Returns what went
        wrong: httpd gone before, killed after a timeout, an exit status
        other than 0, a crash in its error log or valgrind's."""
        problems = []
        if self.proc is None:
            problems.append("httpd did not start")
        elif self.proc.poll() is not None:
            problems.append("httpd had exited (%d) before the stop"
                            % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                problems.append("httpd did not stop within 120 s: killed")
        self.site.standin.stop()
        self.log.close()
        with open(self.log.name, errors="replace") as f:
            logs = f.read()
        error_log = (self.site.httpd.error_log()
                     if os.path.exists(self.site.httpd.error_log_path) else "")
        # callgrind cannot write its final dump as the user httpd switched
        # to (every segment was dumped before), and valgrind then exits
        # with 1: that exit status, with that line, is a clean stop.
        final_dump = "can not open cache simulation output file" in logs
        if (self.proc is not None and self.proc.returncode not in (None, 0)
                and not (self.proc.returncode == 1 and final_dump)):
            problems.append("httpd exited with %d" % self.proc.returncode)
        problems += [ln for ln in (logs + error_log).splitlines()
                     if harness.CRASH_RE.search(ln)]
        return problems

    def dumps(self):
        """segment name -> the file of its dump (copied to out_dir)."""
        out = {}
        for i, name in enumerate(self.segments, start=1):
            if name is None:
                continue
            src = os.path.join(self.cg_dir, "callgrind.out.%d" % (i + 1))
            dst = os.path.join(self.out_dir, "callgrind.%s.out" % name)
            shutil.copy(src, dst)
            out[name] = dst
        return out


def drive(run, args):
    """The warm-up and the segments."""
    site = run.site
    cookies = {"main": site.login_cookie("main"),
               "shmcb": site.login_cookie("shmcb")}
    requests_of = site.scenario_requests(cookies, PROFILED)
    browser = site.browser()
    for _ in range(3):  # the pooled connection to the stand-in is open
        browser.clear_cookies()
        browser.login("/app/" + PAGE)
    for name in PROFILED:
        url, headers, status = requests_of[name]
        get_many(url, headers, 100, status)
    run.mark(PROFILED[0])
    for i, name in enumerate(PROFILED):
        url, headers, status = requests_of[name]
        t0 = time.monotonic()
        get_many(url, headers, args.requests, status)
        print("profile: %-12s %d requests in %.1f s" % (
            name, args.requests, time.monotonic() - t0), flush=True)
        run.mark(PROFILED[i + 1] if i + 1 < len(PROFILED) else "login")
    t0 = time.monotonic()
    for _ in range(args.logins):
        browser.clear_cookies()
        flow = browser.login("/app/" + PAGE)
        if flow.final.status_code != 200:
            raise RuntimeError("a login ended with %d"
                               % flow.final.status_code)
    print("profile: %-12s %d logins in %.1f s" % (
        "login", args.logins, time.monotonic() - t0), flush=True)
    run.mark()
    browser.close()


# -- the report ---------------------------------------------------------------

def module_object(profile, so_path):
    """The module's object as callgrind names it (the path httpd loaded)."""
    base = os.path.basename(so_path)
    for ob in profile.by_object():
        if ob and os.path.basename(ob) == base:
            return ob
    raise RuntimeError("%s ran no code of %s" % (profile.path, base))


def analyse(dumps, so_path, counts):
    """Per segment: totals, the module's share and its functions."""
    out = {}
    for name, path in dumps.items():
        p = callgrind.Profile(path)
        view = callgrind.ObjectView(p, module_object(p, so_path))
        n = counts[name]
        out[name] = {
            "count": n, "file": os.path.basename(path),
            "ir_total": p.total, "ir_per": p.total / n,
            "module_ir_per": view.total() / n,
            "module_own_ir_per": view.own() / n,
            "requests_read": p.call_count("ap_read_request"),
            "calls": {f: p.call_count(f) / n for f in COUNTED},
            "by_object": [(os.path.basename(ob or "?"), c / n)
                          for ob, c in p.by_object().most_common(12)],
            "module_inclusive": [
                (fn[1], c / n, [(callgrind.short(b), cc / n, calls / n)
                                for b, cc, calls in view.callees(fn, 6)])
                for fn, c in view.inclusive_top(16)],
            "module_self": [(fn[1], c / n) for fn, c in view.self_top(16)],
            "module_calls_out": [(callgrind.short(fn), c / n)
                                 for fn, c in view.exits().most_common(20)],
            "module_calls_by_object": [
                (os.path.basename(ob or "?"), c / n)
                for ob, c in view.exits_by_object().most_common(10)],
        }
    return out


def report(result, out):
    static = result["static"]["ir_per"]
    floor = result["floor"]["ir_per"]
    out("Instructions (callgrind Ir, user space) per request, or per "
        "login for login; httpd -X, one keep-alive connection")
    out("%-11s %10s %9s %12s %12s %10s" % (
        "segment", "Ir", "x static", "module Ir", "module own", "- floor"))
    for name, r in result.items():
        out("%-11s %10.0f %9.2f %12.0f %12.0f %10s" % (
            name, r["ir_per"], r["ir_per"] / static, r["module_ir_per"],
            r["module_own_ir_per"],
            "%.0f" % (r["ir_per"] - floor) if name != "login" else "-"))
    out("  module Ir: the module's hooks and handler with everything they "
        "call but the output filters they pass on to (for a logged-in "
        "request that includes mod_session's load, which the floor pays "
        "in its fixups); module own: instructions in "
        "mod_threads_oauth.so itself; - floor: Ir above the floor")
    for name, r in result.items():
        if name in ("static", "floor"):
            continue
        out()
        out("== %s: %d %s, %.0f Ir each (%d requests read, with the "
            "markers)" % (name, r["count"],
                          "logins" if name == "login" else "requests",
                          r["ir_per"], r["requests_read"]))
        out("calls per %s: %s" % (
            "login" if name == "login" else "request",
            ", ".join("%s %.3g" % (f, c) for f, c in r["calls"].items()
                      if c)))
        out("where the instructions go, by object (self):")
        for ob, c in r["by_object"]:
            out("  %10.0f  %5.1f %%  %s" % (c, 100 * c / r["ir_per"], ob))
        out("the module's functions by inclusive Ir, and their costliest "
            "calls (Ir, calls):")
        for fn, c, callees in r["module_inclusive"]:
            out("  %10.0f  %s" % (c, fn))
            for callee, cc, calls in callees:
                if cc >= 0.01 * r["ir_per"]:
                    out("  %10s    -> %.0f  %s  (x%.2g)" % ("", cc, callee,
                                                            calls))
        out("the module's functions by self Ir:")
        for fn, c in r["module_self"]:
            out("  %10.0f  %s" % (c, fn))
        out("what the module calls outside itself, by object (inclusive):")
        for ob, c in r["module_calls_by_object"]:
            out("  %10.0f  %s" % (c, ob))
        out("... and by function:")
        for fn, c in r["module_calls_out"]:
            out("  %10.0f  %s" % (c, fn))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--logins", type=int, default=40)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "profile"))
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("profile: valgrind is not installed")
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    work = tempfile.mkdtemp(prefix="tto-prof-", dir="/tmp")
    os.chmod(work, 0o755)
    run = Run(bench_site.Site(work, one_process=True), args.out)
    try:
        run.start()
        drive(run, args)
    finally:
        problems = run.stop()
    if problems:
        # Dumps of an httpd that crashed or hung say nothing reliable.
        print("profile: httpd did not stop cleanly:\n  "
              + "\n  ".join(problems), file=sys.stderr)
        sys.exit(2)
    dumps = run.dumps()
    shutil.rmtree(work, ignore_errors=True)

    counts = {name: args.requests for name in PROFILED}
    counts["login"] = args.logins
    module = harness.MODULE_SO
    result = analyse(dumps, module, counts)
    lines = []

    def out(text=""):
        print(text)
        lines.append(text)

    report(result, out)
    with open(os.path.join(args.out, "profile.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"module": module, "segments": result}, f, indent=1)
    print("\nprofile: report, JSON and callgrind files in %s" % (
        os.path.relpath(args.out, os.getcwd())))


if __name__ == "__main__":
    main()
