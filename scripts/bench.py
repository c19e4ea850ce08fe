"""Throughput of the module's request path against plain static serving.

Starts the Threads stand-in and one httpd (MPM event) with the built module,
logs in once, then measures with wrk, in one run and on the same server:

  static      a small static file, no session, no module
  session     the same file under Session On (mod_session_cookie decoding)
  logged-in   the file under AuthType Threads with a valid sealed login
              (session decode, unseal, record decode, export)
  pass        AuthType Threads, ThreadsUnauthAction pass, no cookie
  401         AuthType Threads, a script request without a login (JSON 401)

and prints requests per second and each one's ratio to `static`. Every
scenario runs ROUNDS times, interleaved, and the best round counts, so a
burst of other load on the machine does not decide a figure. A crash, or
an httpd that does not stop cleanly at the end (exit status not 0, killed,
a process left behind), ends the bench with an error instead.

Usage: /usr/bin/python3 scripts/bench.py [--seconds 5] [--rounds 3]
       [--connections 16] [--threads 2] [--json]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "t"))

import harness  # noqa: E402
from standin import ThreadsStandin, make_tls_material  # noqa: E402

PAGE = "page.html"


def bench_config(h):
    """The locations of the scenarios, beside the harness's base config."""
    app = os.path.join(h.docroot, "app")
    return "\n".join([
        'Alias /static "%s"' % app,
        'Alias /sess "%s"' % app,
        'Alias /pass "%s"' % app,
        "<Location /static>",
        "    Session Off",
        "</Location>",
        "<Location /pass>",
        "    AuthType Threads",
        "    ThreadsUnauthAction pass",
        "    Require all granted",
        "</Location>",
    ])


def wrk(url, seconds, connections, threads, headers):
    """Requests per second that wrk reached, and its non-2xx count."""
    cmd = ["wrk", "-t%d" % threads, "-c%d" % connections,
           "-d%ds" % seconds, "--latency"]
    for name, value in headers.items():
        cmd += ["-H", "%s: %s" % (name, value)]
    out = subprocess.run(cmd + [url], check=True, capture_output=True,
                         text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (apt-get install wrk)")
    if not os.path.exists(harness.MODULE_SO):
        sys.exit("bench: build the module first (make)")

    work = tempfile.mkdtemp(prefix="tto-bench-", dir="/tmp")
    os.chmod(work, 0o755)
    standin = h = None
    try:
        tls = make_tls_material(os.path.join(work, "tls"))
        standin = ThreadsStandin(
            host="127.0.0.2", tls=tls.server, app_id=harness.APP_ID,
            app_secret=harness.APP_SECRET,
            user_id=harness.USER_ID)
        standin.start()
        # No access log: a line per request would dominate small files.
        h = harness.Httpd(os.path.join(work, "httpd"), standin,
                          tls.ca_file, name="bench", access_log=False)
        h.extra = bench_config(h)
        h.write_conf()
        standin.register_redirect_uri(h.redirect_uri)
        h.start()

        browser = harness.Browser(h)
        flow = browser.login("/app/" + PAGE)
        if flow.final.status_code != 200:
            sys.exit("bench: the login failed: %d" % flow.final.status_code)
        cookie = "session=" + browser.cookie()

        scenarios = [
            ("static", "/static/" + PAGE, {}),
            ("session", "/sess/" + PAGE, {"Cookie": cookie}),
            ("logged-in", "/app/" + PAGE, {"Cookie": cookie}),
            ("pass", "/pass/" + PAGE, {}),
            ("401", "/app/" + PAGE, {"X-Requested-With": "XMLHttpRequest"}),
        ]
        best = {name: 0.0 for name, _, _ in scenarios}
        for _ in range(args.rounds):
            for name, path, headers in scenarios:
                rps, bad = wrk(h.url(path), args.seconds, args.connections,
                               args.threads, headers)
                expect_bad = name == "401"
                if bool(bad) != expect_bad:
                    sys.exit("bench: %s answered %d unexpected statuses"
                             % (name, bad))
                best[name] = max(best[name], rps)
        if h.crash_lines():
            sys.exit("bench: httpd crashed: %s" % h.crash_lines())
        h.stop()
        h.assert_stopped_cleanly()
    except harness.UncleanStop as e:
        sys.exit("bench: %s" % e)
    finally:
        if h:
            h.stop()
        if standin:
            standin.stop()
        shutil.rmtree(work, ignore_errors=True)

    base = best["static"]
    result = {name: {"requests_per_second": round(rps),
                     "ratio_to_static": round(rps / base, 3)}
              for name, rps in best.items()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("%-10s %12s %10s" % ("scenario", "requests/s", "vs static"))
    for name, r in result.items():
        print("%-10s %12d %10.3f" % (name, r["requests_per_second"],
                                    r["ratio_to_static"]))


if __name__ == "__main__":
    main()
