"""What the module costs httpd: throughput and CPU per request, CPU and TLS
handshakes per login, memory, each against plain static serving by the
same httpd in the same run, with the budgets of the project's issue.

Starts the site of scripts/bench_site.py (the Threads stand-in over HTTPS
and one httpd, MPM event, two children of 16 threads), logs in once through
each session store, and then measures:

  requests  wrk (keep-alive, --connections, --threads) for each scenario of
            bench_site.SCENARIOS in turn, --rounds times interleaved; each
            round reads the CPU time (utime + stime) of every httpd process
            from /proc before and after, so CPU per request is httpd's own,
            not wrk's, and how much of the machine other processes took
            meanwhile. A figure is the best of the quiet rounds (others at
            most QUIET_PERCENT), or of all rounds when none was quiet:
            throughput the highest, CPU per request the lowest.
  logins    --login-clients processes, each logging in again and again with
            a fresh cookie jar over kept-alive connections: the protected
            page (302), the stand-in's authorization (auto-consent, 302),
            the callback (the code exchange over HTTPS, 302) and the page
            again (200). httpd's CPU per complete login (not the stand-in's,
            not the clients'), against a static request made by the same
            clients at the same pace (and under wrk), and the TLS handshakes
            the stand-in completed for httpd's connections, after a warm-up
            window of twice the clients that lets every child open the
            pooled connections the rounds can need.
  memory    the RSS of every httpd process after a warm-up of every
            scenario and of logins, and at the end.

Every figure is printed as it is measured, then a table and the budget
lines (PASS/FAIL, SKIP for what a run left out). The output, wrk's raw
output, httpd's error log and a JSON summary go to --out (build/bench). The
exit status is 0, or 1 when a budget fails and --strict (BENCH_STRICT=1) is
given, or 2 when the benchmark could not run: a crash, or an httpd that
does not stop cleanly at the end (exit status not 0, killed, a process
left behind), included.

Usage: /usr/bin/python3 scripts/bench.py [--seconds 3] [--rounds 7]
       [--connections 16] [--threads 2] [--login-clients 4] [--strict]
       [--scenarios floor,auth] [--no-logins] [--pin]
BENCH_SECONDS, BENCH_ROUNDS, BENCH_STRICT and BENCH_PIN set the defaults of
--seconds, --rounds, --strict and --pin. THREADS_MODULE_SO measures another
build of the module.
"""

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import requests

import bench_site
from bench_site import DESCRIPTIONS, SCENARIO_NAMES

ROOT = bench_site.ROOT
CLK_TCK = os.sysconf("SC_CLK_TCK")
# A round counts as quiet when other processes took at most this share of
# the machine: when they take more, httpd's threads wake less often and
# batch more work per wake-up, and its CPU per request drops as well as
# rises, so only quiet rounds give the figures unless none was quiet.
QUIET_PERCENT = 10.0
MODULE_AGENT = "mod_threads_oauth/"

# name, what is compared, the figure's key, "max" or "min", the limit.
BUDGETS = [
    ("auth throughput", "requests/s of auth / static", "auth_rps", "min",
     0.85),
    ("auth CPU", "CPU per request of auth / static", "auth_cpu", "max",
     1.25),
    ("auth CPU above floor", "(auth - floor) CPU per request / static",
     "auth_over_floor", "max", 0.10),
    ("shmcb throughput", "requests/s of auth-shmcb / static", "shmcb_rps",
     "min", 0.80),
    ("shmcb CPU", "CPU per request of auth-shmcb / static", "shmcb_cpu",
     "max", 1.35),
    ("login CPU", "CPU per login / a static request at the logins' pace",
     "login_cpu", "max", 6.0),
    ("TLS handshakes", "per login after warm-up", "handshakes", "max", 0.0),
    ("RSS growth", "% from after warm-up to the end", "rss_growth", "max",
     4.999),
]


class Output:
    """Prints lines and keeps them for the output file."""

    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        print(text, flush=True)
        self.lines.append(text)


# -- httpd's processes --------------------------------------------------------

def _stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    # The command may hold spaces and parentheses: split after it.
    return stat[stat.rfind(")") + 2:].split()


def process_tree(root):
    """root and every process descended from it."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(root):
    """utime + stime of httpd's processes, with the children they reaped
    (cutime + cstime): a child that exits keeps counting."""
    ticks = 0
    for pid in process_tree(root):
        fields = _stat_fields(pid)
        if fields:
            # utime, stime, cutime, cstime: fields 14-17 of stat.
            ticks += sum(int(v) for v in fields[11:15])
    return ticks / CLK_TCK


def rss_kb(root):
    """The sum of VmRSS over httpd's processes."""
    total = 0
    for pid in process_tree(root):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def pin(root, cpus):
    """Binds every thread of every process under root to cpus (threads
    made later inherit it)."""
    for pid in process_tree(root):
        try:
            for tid in os.listdir("/proc/%d/task" % pid):
                os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass


def load_average():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def machine_busy_seconds():
    """CPU time the whole machine spent busy (steal included), from
    /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    # user, nice, system, (idle, iowait), irq, softirq, steal
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK


class Window:
    """httpd's CPU time over a stretch of the run, and the share of the
    machine that other processes (not httpd, not this benchmark and its
    clients, not wrk) took meanwhile: what made that stretch noisy."""

    def __init__(self, httpd_pid):
        self.pid = httpd_pid
        self.t0 = time.monotonic()
        self.cpu0 = cpu_seconds(httpd_pid)
        self.ours0 = cpu_seconds(os.getpid())  # httpd is a child of ours
        self.busy0 = machine_busy_seconds()

    def close(self):
        """(httpd's CPU seconds, others' share of the machine in %)."""
        wall = time.monotonic() - self.t0
        cpu = cpu_seconds(self.pid) - self.cpu0
        others = (machine_busy_seconds() - self.busy0
                  - (cpu_seconds(os.getpid()) - self.ours0))
        return cpu, max(0.0, 100.0 * others / (os.cpu_count() * wall))


# -- requests -----------------------------------------------------------------

def wrk(url, headers, seconds, connections, threads):
    """One wrk run: (requests, requests per second, non-2xx/3xx, output)."""
    cmd = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds]
    for name, value in headers.items():
        cmd += ["-H", "%s: %s" % (name, value)]
    out = subprocess.run(cmd + [url], check=True, capture_output=True,
                         text=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return total, rps, int(m.group(1)) if m else 0, out


def check_answers(requests_of, when):
    """One request of each scenario: its status, and no Set-Cookie (a
    logged-in request must not rewrite the session). wrk counts a 302
    as a success: this is what tells a lost login."""
    for name, (url, headers, status) in requests_of.items():
        r = requests.get(url, headers=headers, allow_redirects=False,
                         timeout=10)
        if r.status_code != status:
            raise RuntimeError("%s %s: %s answered %d, not %d"
                               % (when, name, url, r.status_code, status))
        if "Set-Cookie" in r.headers:
            raise RuntimeError("%s %s: the answer sets a cookie: %s"
                               % (when, name, r.headers["Set-Cookie"]))


def run_requests(site, requests_of, args, out, raw_dir):
    """The interleaved wrk rounds; name -> list of rounds."""
    pid = site.httpd.proc.pid
    rounds = {name: [] for name in args.scenarios}
    for n in range(1, args.rounds + 1):
        for name in args.scenarios:
            url, headers, status = requests_of[name]
            window = Window(pid)
            total, rps, bad, text = wrk(url, headers, args.seconds,
                                        args.connections, args.threads)
            cpu, others = window.close()
            with open(os.path.join(raw_dir, "wrk-%d-%s.txt" % (n, name)),
                      "w") as f:
                f.write(text)
            if bad != (total if status >= 400 else 0):
                raise RuntimeError("%s answered %d of %d requests with "
                                   "another status than %d"
                                   % (name, bad, total, status))
            r = {"requests": total, "requests_per_second": rps,
                 "cpu_seconds": cpu, "cpu_us_per_request":
                 1e6 * cpu / total if total else None,
                 "others_cpu_percent": others}
            rounds[name].append(r)
            out("round %d/%d  %-12s %9.0f req/s  %7.1f us CPU/request  "
                "(others %.0f %%)" % (n, args.rounds, name, rps,
                                      r["cpu_us_per_request"], others))
    return rounds


# -- logins -------------------------------------------------------------------

def client_window(site, pool, args, seconds, worker, path, clients=None):
    """One window of clients (--login-clients unless given) running worker
    (bench_site's login_worker or static_worker) on path: the turns they
    made and httpd's CPU meanwhile; failures raise."""
    window = Window(site.httpd.proc.pid)
    t0 = time.monotonic()
    results = pool.starmap(worker, [(path, t0 + seconds)]
                           * (clients or args.login_clients))
    elapsed = time.monotonic() - t0
    cpu, others = window.close()
    failed = sum(r[1] for r in results)
    if failed:
        raise RuntimeError("%d turns of %s failed: %s" % (
            failed, worker.__name__, [r[2] for r in results if r[2]][0]))
    turns = sum(r[0] for r in results)
    return {"turns": turns, "seconds": elapsed, "cpu_seconds": cpu,
            "cpu_us_per_turn": 1e6 * cpu / turns if turns else None,
            "others_cpu_percent": others}


def login_window(site, pool, args, seconds, clients=None):
    """A window of parallel logins: httpd's CPU per login, and the TLS
    handshakes and code exchanges the stand-in saw meanwhile."""
    standin = site.standin
    handshakes0 = len(standin.handshakes)
    exchanges0 = len(standin.requests_for("token"))
    w = client_window(site, pool, args, seconds, bench_site.login_worker,
                      "/app/" + bench_site.PAGE, clients)
    module_clients = {
        r.client for r in standin.requests
        if (r.header("User-Agent") or "").startswith(MODULE_AGENT)}
    shakes = [h for h in standin.handshakes[handshakes0:]
              if h[0] in module_clients]
    exchanges = len(standin.requests_for("token")) - exchanges0
    if exchanges != w["turns"]:
        raise RuntimeError("%d logins made %d code exchanges"
                           % (w["turns"], exchanges))
    return {
        "logins": w["turns"], "seconds": w["seconds"],
        "logins_per_second": w["turns"] / w["seconds"],
        "cpu_seconds": w["cpu_seconds"],
        "cpu_us_per_login": w["cpu_us_per_turn"],
        "others_cpu_percent": w["others_cpu_percent"],
        "handshakes": len(shakes),
        "handshakes_resumed": sum(1 for h in shakes if h[1]),
        "module_connections": len(module_clients),
    }


def paced_static_window(site, pool, args, seconds):
    """The login clients fetching the static page, three requests a turn:
    httpd's CPU per request at the logins' pace."""
    w = client_window(site, pool, args, seconds, bench_site.static_worker,
                      "/static/" + bench_site.PAGE)
    return {"requests": 3 * w["turns"], "seconds": w["seconds"],
            "cpu_seconds": w["cpu_seconds"],
            "cpu_us_per_request": w["cpu_us_per_turn"] / 3,
            "others_cpu_percent": w["others_cpu_percent"]}


def login_pool(site, args):
    """The login clients: processes of their own (the stand-in answers in
    this one), each keeping its connections from one login to the next;
    twice --login-clients of them, for the warm-up."""
    ctx = multiprocessing.get_context("spawn")
    return ctx.Pool(2 * args.login_clients, bench_site.login_worker_init,
                    (site.servers["main"].base_url, site.ca_file))


def run_logins(site, pool, args, out):
    """A warm-up window, then --rounds rounds of a paced static window and
    a login window, back to back. The warm-up opens (again) the module's
    pooled connections: a pause longer than the stand-in's 30 s idle
    timeout closes them, and rightly costs a handshake. It runs twice the
    login clients: each httpd child keeps one connection to Threads per
    code exchange it ran at once, so after a busier moment than any round
    can bring, a handshake in the rounds is a connection the module did
    not keep, not one it never needed before."""
    warm = login_window(site, pool, args, args.seconds,
                        2 * args.login_clients)
    out("logins warm-up  %d logins, %d TLS handshakes by httpd (%d "
        "resumed)" % (warm["logins"], warm["handshakes"],
                      warm["handshakes_resumed"]))
    rounds = []
    for n in range(1, args.rounds + 1):
        paced = paced_static_window(site, pool, args, args.seconds / 2.0)
        r = login_window(site, pool, args, args.seconds)
        r["paced_static"] = paced
        rounds.append(r)
        out("round %d/%d  %-12s %9.1f logins/s  %7.1f us CPU/login  "
            "(others %.0f %%); a static request at that pace %.1f us; %d "
            "TLS handshakes by httpd (%d resumed)"
            % (n, args.rounds, "login", r["logins_per_second"],
               r["cpu_us_per_login"], r["others_cpu_percent"],
               paced["cpu_us_per_request"], r["handshakes"],
               r["handshakes_resumed"]))
    return warm, rounds


# -- the summary --------------------------------------------------------------

def counted(rounds):
    """The rounds a figure is made of: the quiet ones, or all when none
    was."""
    quiet = [r for r in rounds if r["others_cpu_percent"] <= QUIET_PERCENT]
    return quiet or rounds


def summarize_logins(login_rounds, static_cpu):
    """The best login figures and their ratios."""
    logins = sum(r["logins"] for r in login_rounds)
    used = counted(login_rounds)
    paced = min(r["cpu_us_per_request"]
                for r in counted([r["paced_static"] for r in login_rounds]))
    login = {
        "cpu_us_per_login": min(r["cpu_us_per_login"] for r in used),
        "logins_per_second": max(r["logins_per_second"] for r in used),
        "rounds_counted": len(used),
        "paced_static_cpu_us_per_request": paced,
        "logins": logins,
        "handshakes": sum(r["handshakes"] for r in login_rounds),
        "handshakes_resumed": sum(r["handshakes_resumed"]
                                  for r in login_rounds),
        "module_connections": login_rounds[-1]["module_connections"],
    }
    login["cpu_vs_paced_static"] = login["cpu_us_per_login"] / paced
    login["cpu_vs_static"] = login["cpu_us_per_login"] / static_cpu
    login["paced_static_vs_static"] = paced / static_cpu
    login["handshakes_per_login"] = login["handshakes"] / logins
    return login


def summarize(rounds, login_rounds, rss):
    """The best figures, their ratios to static and the budgets' figures
    (None for those a run left out)."""
    best = {}
    for name, rs in rounds.items():
        used = counted(rs)
        best[name] = {
            "requests_per_second": max(r["requests_per_second"]
                                       for r in used),
            "cpu_us_per_request": min(r["cpu_us_per_request"] for r in used),
            "rounds_counted": len(used),
            "quiet_rounds": sum(1 for r in rs if r["others_cpu_percent"]
                                <= QUIET_PERCENT),
        }
    base = best["static"]
    for b in best.values():
        b["throughput_vs_static"] = (b["requests_per_second"]
                                     / base["requests_per_second"])
        b["cpu_vs_static"] = (b["cpu_us_per_request"]
                              / base["cpu_us_per_request"])
    login = (summarize_logins(login_rounds, base["cpu_us_per_request"])
             if login_rounds else None)

    def of(name, key):
        return best[name][key] if name in best else None

    figures = {
        "auth_rps": of("auth", "throughput_vs_static"),
        "auth_cpu": of("auth", "cpu_vs_static"),
        "auth_over_floor": None,
        "shmcb_rps": of("auth-shmcb", "throughput_vs_static"),
        "shmcb_cpu": of("auth-shmcb", "cpu_vs_static"),
        "login_cpu": login and login["cpu_vs_paced_static"],
        "handshakes": login and login["handshakes_per_login"],
        "rss_growth": rss["growth_percent"],
    }
    if "auth" in best and "floor" in best:
        figures["auth_over_floor"] = (
            (best["auth"]["cpu_us_per_request"]
             - best["floor"]["cpu_us_per_request"])
            / base["cpu_us_per_request"])
    return best, login, figures


def budget_lines(figures, login):
    """(passed, line) of every budget."""
    out = []
    for label, what, key, kind, limit in BUDGETS:
        value = figures[key]
        if value is None:
            out.append((True, "SKIP  %-21s %9s  (%s: not measured)"
                        % (label, "-", what)))
            continue
        ok = value >= limit if kind == "min" else value <= limit
        if key == "rss_growth":
            text, bound = "%.2f %%" % value, "< 5 %"
        elif key == "handshakes":
            text = "%d/%d" % (login["handshakes"], login["logins"])
            bound = "= 0"
        else:
            text = "%.3fx" % value
            bound = ("%s %.2fx" % (">=" if kind == "min" else "<=", limit))
        out.append((ok, "%s  %-21s %9s  (%s; %s)"
                    % ("PASS" if ok else "FAIL", label, text, bound, what)))
    return out


def print_table(out, best, rounds, login, login_rounds, rss):
    out()
    out("%-12s %11s %8s %12s %8s %6s  %s" % (
        "scenario", "requests/s", "x static", "us CPU/req", "x static",
        "quiet", "what"))
    for name, b in best.items():
        out("%-12s %11.0f %8.3f %12.1f %8.3f %6s  %s" % (
            name, b["requests_per_second"], b["throughput_vs_static"],
            b["cpu_us_per_request"], b["cpu_vs_static"],
            "%d/%d" % (b["quiet_rounds"], len(rounds[name])),
            DESCRIPTIONS[name]))
    if login:
        print_logins(out, login, login_rounds)
    out("httpd RSS: %d kB at start, %d kB after warm-up, %d kB at the end: "
        "%+.2f %% over the run" % (rss["start_kb"], rss["warm_kb"],
                                   rss["end_kb"], rss["growth_percent"]))


def print_logins(out, login, login_rounds):
    quiet = sum(1 for r in login_rounds
                if r["others_cpu_percent"] <= QUIET_PERCENT)
    out("%-12s %11s %8s %12.1f %8.3f %6s  %s" % (
        "login", "-", "-", login["cpu_us_per_login"],
        login["cpu_vs_static"], "%d/%d" % (quiet, len(login_rounds)),
        "a complete login: 3 requests to httpd and a code exchange "
        "(%.0f logins/s at best)" % login["logins_per_second"]))
    out("%-12s %11s %8s %12.1f %8.3f %6s  %s" % (
        "paced static", "-", "-", login["paced_static_cpu_us_per_request"],
        login["paced_static_vs_static"], "",
        "a static request from the login clients, at their pace"))
    out("a login costs %.2f static requests at the logins' pace (%.2f "
        "under wrk)" % (login["cpu_vs_paced_static"],
                        login["cpu_vs_static"]))
    out("TLS handshakes by httpd after warm-up: %d in %d logins (%d "
        "resumed); httpd opened %d connections to the stand-in in all"
        % (login["handshakes"], login["logins"],
           login["handshakes_resumed"], login["module_connections"]))


# -- main ---------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int,
                    default=int(os.environ.get("BENCH_SECONDS") or 3))
    ap.add_argument("--rounds", type=int,
                    default=int(os.environ.get("BENCH_ROUNDS") or 7))
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--login-clients", type=int, default=4)
    ap.add_argument("--strict", action="store_true",
                    default=os.environ.get("BENCH_STRICT") == "1")
    ap.add_argument("--scenarios", metavar="NAME,...",
                    help="only these request scenarios (and static): %s"
                    % ",".join(SCENARIO_NAMES))
    ap.add_argument("--no-logins", dest="logins", action="store_false",
                    help="leave the logins out")
    ap.add_argument("--pin", action="store_true",
                    default=os.environ.get("BENCH_PIN") == "1",
                    help="httpd on CPU 0, everything else on the others")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    args = ap.parse_args()
    wanted = set((args.scenarios or ",".join(SCENARIO_NAMES)).split(","))
    unknown = wanted - set(SCENARIO_NAMES)
    if unknown:
        ap.error("no scenario %s" % ", ".join(sorted(unknown)))
    args.scenarios = [n for n in SCENARIO_NAMES
                      if n == "static" or n in wanted]
    return args


def warm_up(site, pool, requests_of, args):
    """Every scenario and the logins once, so that every thread, pool,
    cache and pooled connection has been used before memory is read."""
    for name in args.scenarios:
        url, headers, _ = requests_of[name]
        wrk(url, headers, 1, args.connections, args.threads)
    for _ in range(2 if pool else 0):
        login_window(site, pool, args, 1.5)


def measure(site, args, out, raw_dir):
    """Everything but the summary, on a started site."""
    pid = site.httpd.proc.pid
    rss_start = rss_kb(pid)
    cookies = {name: site.login_cookie(name) for name in site.servers}
    out("login cookies: %s" % ", ".join(
        "%s %d bytes" % (name, len(c)) for name, c in cookies.items()))
    requests_of = site.scenario_requests(cookies, args.scenarios)
    check_answers(requests_of, "before the rounds:")
    pool = login_pool(site, args) if args.logins else None
    try:
        warm_up(site, pool, requests_of, args)
        rss_warm = rss_kb(pid)
        rounds = run_requests(site, requests_of, args, out, raw_dir)
        check_answers(requests_of, "after the rounds:")
        warm, login_rounds = (run_logins(site, pool, args, out) if pool
                              else (None, []))
    finally:
        if pool:
            pool.terminate()
            pool.join()
    rss_end = rss_kb(pid)
    rss = {"start_kb": rss_start, "warm_kb": rss_warm, "end_kb": rss_end,
           "growth_percent": 100.0 * (rss_end - rss_warm) / rss_warm}
    if site.httpd.crash_lines():
        raise RuntimeError("httpd crashed: %s" % site.httpd.crash_lines())
    return rounds, warm, login_rounds, rss


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (apt-get install wrk)")
    if not os.path.exists(bench_site.harness.MODULE_SO):
        sys.exit("bench: build the module first (make)")
    raw_dir = os.path.join(args.out, "raw")
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(raw_dir)
    out = Output()
    load_start = load_average()
    out("bench: %d s x %d rounds, wrk -c%d -t%d, %d login clients, %d CPUs, "
        "load average %.2f %.2f %.2f at start" % (
            args.seconds, args.rounds, args.connections, args.threads,
            args.login_clients, os.cpu_count(), *load_start))
    work = tempfile.mkdtemp(prefix="tto-bench-", dir="/tmp")
    os.chmod(work, 0o755)
    site = bench_site.Site(work)
    try:
        if args.pin:
            # httpd gets CPU 0 to itself; this process, the stand-in, wrk
            # and the login clients share the others.
            os.sched_setaffinity(0, set(range(1, os.cpu_count())))
        site.start()
        if args.pin:
            pin(site.httpd.proc.pid, {0})
        rounds, warm, login_rounds, rss = measure(site, args, out, raw_dir)
        # A figure from an httpd that crashes on stop is no figure.
        site.httpd.stop()
        site.httpd.assert_stopped_cleanly()
    except (RuntimeError, subprocess.CalledProcessError, AssertionError,
            requests.RequestException, bench_site.harness.UncleanStop) as e:
        out("bench: cannot measure: %s" % e)
        if site.httpd:
            out(site.httpd.error_log_tail(30))
        sys.exit(2)
    finally:
        site.stop()
        if site.httpd:
            shutil.copy(site.httpd.error_log_path,
                        os.path.join(args.out, "error.log"))
        shutil.rmtree(work, ignore_errors=True)
    load_end = load_average()

    best, login, figures = summarize(rounds, login_rounds, rss)
    print_table(out, best, rounds, login, login_rounds, rss)
    out("load average %.2f %.2f %.2f at start, %.2f %.2f %.2f at the end "
        "(%d CPUs)" % (*load_start, *load_end, os.cpu_count()))
    others = sorted(r["others_cpu_percent"] for rs in rounds.values()
                    for r in rs)
    out("other processes took %.0f to %.0f %% of the machine's CPU during "
        "the request rounds (median %.0f %%); the figures come from the "
        "quiet rounds (others at most %.0f %%), or all rounds of a scenario "
        "that had none" % (others[0], others[-1], others[len(others) // 2],
                           QUIET_PERCENT))
    out()
    lines = budget_lines(figures, login)
    for _, line in lines:
        out(line)
    failed = [line for ok, line in lines if not ok]
    skipped = [line for _, line in lines if line.startswith("SKIP")]

    summary = {
        "settings": {"seconds": args.seconds, "rounds": args.rounds,
                     "connections": args.connections,
                     "threads": args.threads,
                     "login_clients": args.login_clients,
                     "cpus": os.cpu_count(),
                     "module": bench_site.harness.MODULE_SO},
        "load_average": {"start": load_start, "end": load_end},
        "scenarios": {name: dict(best[name], description=DESCRIPTIONS[name],
                                 rounds=rounds[name])
                      for name in best},
        "login": login and dict(login, warm_up=warm, rounds=login_rounds),
        "rss": rss,
        "budgets": [{"name": b[0], "what": b[1], "value": figures[b[2]],
                     "limit": b[4], "kind": b[3],
                     "passed": ok if figures[b[2]] is not None else None}
                    for b, (ok, _) in zip(BUDGETS, lines)],
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    out()
    out("bench: %d of %d budgets failed%s; output, JSON summary and raw "
        "figures in %s" % (len(failed), len(lines) - len(skipped),
                           " (%d not measured)" % len(skipped)
                           if skipped else "",
                           os.path.relpath(args.out, os.getcwd())))
    with open(os.path.join(args.out, "output.txt"), "w") as f:
        f.write("\n".join(out.lines) + "\n")
    if failed and args.strict:
        sys.exit(1)


if __name__ == "__main__":
    main()
