"""The soak (t/soak.py), briefly: about 15 s under event and 10 s under
prefork, 8 workers, a fifth of the code exchanges failing on purpose. The
run must pass every check of the soak (no unexplained 5xx, no crash, RSS
and descriptors of httpd's children steady after the warm-up, a clean stop
at the end) and report every figure the longer runs (make soak) are read
for."""

import json
import os
import subprocess
import sys

import pytest

import soak
from harness import T_DIR

SOAK = os.path.join(T_DIR, "soak.py")
# Under a sanitizer build (make check-asan) the allocator's quarantine
# grows with every request: RSS says nothing about leaks there, while
# crashes and sanitizer reports still fail the soak.
SANITIZED = bool(os.environ.get("THREADS_HTTPD_PRELOAD"))
RSS_ARGS = ["--max-rss-growth", 100000] if SANITIZED else []


def run_soak(workdir, *args, timeout=240):
    out = os.path.join(workdir, "soak-%d.json" % os.getpid())
    if os.path.exists(out):
        os.unlink(out)
    proc = subprocess.run([sys.executable, SOAK, "--json-out", out]
                          + [str(a) for a in args],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    summary = None
    if os.path.exists(out):
        with open(out) as f:
            summary = json.load(f)
        os.unlink(out)
    return proc, summary


def explain(proc, summary):
    lines = proc.stdout.strip().splitlines()
    return "exit %d\n%s\n%s\nsummary: %s" % (
        proc.returncode, "\n".join(lines[-1:]), proc.stderr[-3000:],
        json.dumps(summary, indent=1, sort_keys=True)[:6000]
        if summary else None)


@pytest.mark.parametrize("mpm,seconds", [("event", 15), ("prefork", 10)])
def test_short_soak(module_so, workdir, mpm, seconds):
    proc, s = run_soak(workdir, "--seconds", seconds, "--mpm", mpm,
                       "--workers", 8, "--fault-share", 0.2, *RSS_ARGS)
    why = explain(proc, s)
    assert proc.returncode == 0, why
    assert s is not None, why
    assert s["result"] == "PASS" and s["failed_checks"] == [], why
    # The human line comes last.
    assert proc.stdout.strip().splitlines()[-1].startswith(
        "soak %s " % mpm), why

    # Load and throughput.
    assert s["mpm"] == mpm
    assert s["requests"] > 100, why
    assert s["throughput_rps"] > 0
    assert s["active_seconds"] >= seconds - 1
    statuses = s["requests_by_status"]
    assert sum(statuses.values()) == s["requests"]
    assert statuses.get("200", 0) > 0 and statuses.get("302", 0) > 0
    assert statuses.get("401", 0) > 0, "no script got its 401"
    assert set(statuses) <= {"200", "302", "401", "403", "502", "504"}, (
        statuses)

    # Logins: the injected faults show up as failed logins, and only they.
    assert s["logins_ok"] > 10, why
    failed = s["logins_failed"]
    assert set(failed) <= {"reject", "garbage", "reset", "slow"}, failed
    assert sum(failed.values()) >= 1, "no fault was injected: %s" % why
    assert s["logins_unexpected"] == {}, why
    assert statuses.get("403", 0) == failed.get("reject", 0)
    assert statuses.get("502", 0) == (failed.get("garbage", 0)
                                      + failed.get("reset", 0))
    assert statuses.get("504", 0) == failed.get("slow", 0)
    assert s["standin_counts"].get("token", 0) >= s["logins_ok"]

    # The checks.
    assert s["unexplained_5xx"] == 0
    assert s["unexpected"] == 0
    assert s["client_errors"] == {}
    assert s["crashes"] == 0
    assert s["module_errors_unexplained"] == 0
    assert s["httpd_alive_at_end"] is True
    assert s["workers_stuck"] == []
    # apachectl stop at the end: exit status 0, nothing killed or left.
    assert s["stop"] == dict(s["stop"], exit_status=0, killed=False,
                             problems=[]), why

    # Memory and descriptors of the children.
    mem = s["memory"]
    for key in ("rss_kb_warm", "rss_kb_end", "rss_growth_pct", "fds_warm",
                "fds_end", "fds_other_warm", "fds_other_end", "fds_growth",
                "threads_conns_warm", "threads_conns_end",
                "children_compared", "requests_at_warm"):
        assert key in mem, key
    assert mem["children_compared"] >= (2 if mpm == "event" else 8), mem
    assert mem["rss_kb_warm"] > 0 and mem["rss_kb_end"] > 0
    assert SANITIZED or mem["rss_growth_pct"] <= 20.0
    assert mem["fds_growth"] <= 4
    assert 0 < mem["requests_at_warm"] < s["requests"]
    if s["latency_504_max_s"] is not None:
        # ThreadsHttpTimeout plus scheduling on a busy machine.
        assert s["latency_504_max_s"] < s["http_timeout"] + 3, why


def test_soak_fails_when_a_threshold_is_crossed(module_so, workdir):
    # A negative RSS allowance cannot be met: the soak must say FAIL and
    # exit 1 (its checks are not decorative).
    proc, s = run_soak(workdir, "--seconds", 6, "--workers", 2,
                       "--max-rss-growth", -1000, "--warmup", 2)
    assert proc.returncode == 1, explain(proc, s)
    assert s["result"] == "FAIL"
    assert any("RSS" in f for f in s["failed_checks"]), s["failed_checks"]
    assert s["unexplained_5xx"] == 0 and s["crashes"] == 0


def test_soak_without_the_module_cannot_run(workdir):
    proc, s = run_soak(workdir, "--seconds", 5,
                       "--so", os.path.join(workdir, "no-such-module.so"),
                       timeout=60)
    assert proc.returncode == 2, explain(proc, s)
    assert s is None
    assert "does not exist" in proc.stderr


def test_fault_plan_is_a_function_of_the_code():
    codes = ["AQB%06d" % i for i in range(20000)]
    plan = [soak.planned_fault(c, 0.1) for c in codes]
    assert plan == [soak.planned_fault(c, 0.1) for c in codes]
    share = sum(1 for k in plan if k) / float(len(codes))
    assert 0.09 < share < 0.11, share
    assert {k for k in plan if k} == set(soak.FAULT_KINDS)
    assert all(soak.planned_fault(c, 0) is None for c in codes[:100])
    assert all(soak.planned_fault(c, 1) for c in codes[:100])
    assert soak.planned_fault(None, 0.5) is None
