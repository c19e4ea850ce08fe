"""The module's counters (contract 9) as a test reads them: the
ThreadsOAuth<Key> lines of server-status?auto and the Prometheus text of
`SetHandler threads-oauth-metrics`, each read strictly, and the check
that a step of a flow moved them by exactly what it should.

The server needs mod_status with ExtendedStatus On and /server-status,
and /metrics (see t/integration/test_9_counters.py). read() takes both at
once and asserts they agree; `with moves(h, calls=1, LoginsCompleted=1):`
checks a step against them.
"""

import decimal
import re

import requests

from .checks import describe, media_type
from .prometheus import parse

__all__ = [
    "EVENTS", "FAMILIES", "HISTOGRAM", "LATENCY", "SAMPLES", "STATUS_KEYS",
    "Counters", "assert_moved", "fetch", "moves", "read", "read_metrics",
    "read_status", "zero",
]

# Every server-status key (ThreadsOAuth<Key>) and the Prometheus sample
# with the same number. ThreadsCallMsTotal is the histogram's _sum, in
# seconds.
HISTOGRAM = "threads_oauth_threads_call_duration_seconds"
SAMPLES = {
    "LoginsStarted": ("threads_oauth_logins_started_total", {}),
    "LoginsCompleted": ("threads_oauth_logins_completed_total", {}),
    "LoginsCancelled": ("threads_oauth_logins_cancelled_total", {}),
    "LoginsFailedState": ("threads_oauth_logins_failed_total",
                          {"reason": "state"}),
    "LoginsFailedRejected": ("threads_oauth_logins_failed_total",
                             {"reason": "rejected"}),
    "LoginsFailedUnreachable": ("threads_oauth_logins_failed_total",
                                {"reason": "unreachable"}),
    "LoginsFailedTimeout": ("threads_oauth_logins_failed_total",
                            {"reason": "timeout"}),
    "LoginsFailedBadAnswer": ("threads_oauth_logins_failed_total",
                              {"reason": "bad_answer"}),
    "LoginsFailedServer": ("threads_oauth_logins_failed_total",
                           {"reason": "server"}),
    "LongLivedExchanges": ("threads_oauth_long_lived_exchanges_total", {}),
    "LongLivedExchangesFailed": (
        "threads_oauth_long_lived_exchanges_failed_total", {}),
    "RefreshesDone": ("threads_oauth_refreshes_total", {"outcome": "done"}),
    "RefreshesFailed": ("threads_oauth_refreshes_total",
                        {"outcome": "failed"}),
    "RevocationsLogout": ("threads_oauth_revocations_total",
                          {"cause": "logout"}),
    "RevocationsDeauthorize": ("threads_oauth_revocations_total",
                               {"cause": "deauthorize"}),
    "RevocationsDelete": ("threads_oauth_revocations_total",
                          {"cause": "delete"}),
    "Unauthorized": ("threads_oauth_unauthorized_total", {}),
    "RevocationCacheFailures": (
        "threads_oauth_revocation_cache_failures_total", {}),
    "ThreadsCalls": (HISTOGRAM + "_count", {}),
    "ThreadsCallMsMax": ("threads_oauth_threads_call_milliseconds_max", {}),
}
STATUS_KEYS = set(SAMPLES) | {"ThreadsCallMsTotal"}
LATENCY = ("ThreadsCalls", "ThreadsCallMsTotal", "ThreadsCallMsMax")
EVENTS = sorted(STATUS_KEYS - set(LATENCY))
FAMILIES = {name for name, _ in SAMPLES.values()
            if not name.startswith(HISTOGRAM)} | {HISTOGRAM}


class Counters:
    """The counters at one moment: values (server-status key -> int),
    buckets (how many calls each bucket of the histogram took, not
    cumulative) and bounds (each bucket's upper bound in milliseconds;
    None for +Inf)."""

    def __init__(self, values, buckets=None, bounds=None):
        self.values = values
        self.buckets = buckets
        self.bounds = bounds

    def __getitem__(self, key):
        return self.values[key]

    def __eq__(self, other):
        return (self.values, self.buckets) == (other.values, other.buckets)

    def __repr__(self):
        return "Counters(%r, buckets=%r)" % (self.values, self.buckets)


def fetch(h, path, via=None, headers=None):
    """GET path on h: through via (a Browser, on its kept connection), or
    on a new connection that is closed afterwards."""
    if via is not None:
        return via.get(path, navigate=False, headers=headers)
    with requests.Session() as s:
        s.trust_env = False
        return s.get(h.url(path), headers=dict(headers or {},
                                               Connection="close"),
                     timeout=15, allow_redirects=False)


def read_status(h, via=None):
    """server-status?auto's ThreadsOAuth lines: key -> int. Each key of
    every counter exactly once, nothing else of the module's."""
    r = fetch(h, "/server-status?auto", via)
    assert r.status_code == 200, describe(r)
    values = {}
    for line in r.text.splitlines():
        if not line.startswith("ThreadsOAuth"):
            continue
        m = re.fullmatch(r"ThreadsOAuth([A-Za-z]+): (0|[1-9][0-9]*)", line)
        assert m, "a malformed line in server-status?auto: %r" % line
        assert m.group(1) not in values, "%s twice" % m.group(1)
        values[m.group(1)] = int(m.group(2))
    assert set(values) == STATUS_KEYS, (
        "server-status?auto: missing %s, unknown %s" % (
            sorted(STATUS_KEYS - set(values)),
            sorted(set(values) - STATUS_KEYS)))
    return values


def _integer(sample):
    """A counter's value as written: digits only."""
    assert re.fullmatch(r"0|[1-9][0-9]*", sample.text), sample
    return int(sample.text)


def read_metrics(h, via=None):
    """The Prometheus text of /metrics, parsed strictly and checked against
    what the module serves: (Counters, the text)."""
    r = fetch(h, "/metrics", via)
    assert r.status_code == 200, describe(r)
    ctype = media_type(r).replace(" ", "").split(";")
    assert ctype[0] == "text/plain" and "version=0.0.4" in ctype[1:], (
        r.headers.get("Content-Type"))
    assert set(ctype[1:]) <= {"version=0.0.4", "charset=utf-8"}, ctype
    families = parse(r.text)
    assert set(families) == FAMILIES, (
        "metric families: missing %s, unknown %s" % (
            sorted(FAMILIES - set(families)),
            sorted(set(families) - FAMILIES)))
    by_key = {}
    for fam in families.values():
        assert fam.help, "%s has no HELP text" % fam.name
        if fam.name == HISTOGRAM:
            assert fam.type == "histogram", fam
        elif fam.name.endswith("_total"):
            assert fam.type == "counter", fam
        else:
            assert fam.type == "gauge", fam
        for s in fam.samples:
            by_key[(s.name, tuple(sorted(s.labels.items())))] = s
    values = {}
    for key, (name, labels) in SAMPLES.items():
        sample = by_key.pop((name, tuple(sorted(labels.items()))), None)
        assert sample is not None, "no sample %s%s" % (name, labels or "")
        values[key] = _integer(sample)
    # _sum: seconds with the milliseconds exact.
    total = by_key.pop((HISTOGRAM + "_sum", ()))
    ms = decimal.Decimal(total.text) * 1000
    assert ms == ms.to_integral_value() and ms >= 0, total
    values["ThreadsCallMsTotal"] = int(ms)
    buckets = [by_key.pop(k) for k in sorted(
        (k for k in by_key if k[0] == HISTOGRAM + "_bucket"),
        key=lambda k: by_key[k].line)]
    assert not by_key, "unexpected samples: %s" % sorted(by_key)
    bounds, counts = [], []
    for b in buckets:
        le = b.labels["le"]
        if le == "+Inf":
            bounds.append(None)
        else:
            bound = decimal.Decimal(le) * 1000
            assert bound == bound.to_integral_value() and bound > 0, b
            bounds.append(int(bound))
        counts.append(_integer(b))
    assert len(buckets) >= 2, "a histogram without buckets"
    per_bucket = [c - p for c, p in zip(counts, [0] + counts)]
    return Counters(values, per_bucket, bounds), r.text


def read(h, via=None):
    """The counters, read in server-status and in the Prometheus text: both
    must say the same."""
    status = read_status(h, via)
    metrics, _ = read_metrics(h, via)
    assert status == metrics.values, (
        "server-status and /metrics differ:\n%s" % "\n".join(
            "  %s: %s / %s" % (k, status[k], metrics.values[k])
            for k in sorted(status) if status[k] != metrics.values[k]))
    return metrics


def assert_moved(before, after, calls=0, **moved):
    """after is before with each counter of moved (key=amount) raised by
    that amount, every other event counter unchanged, and calls more calls
    to Threads: ThreadsCalls and the histogram's count raised by calls,
    each of those calls in one bucket, ThreadsCallMsTotal raised by their
    time (which the buckets bound) and ThreadsCallMsMax the slowest call
    so far. Returns the milliseconds the calls took."""
    unknown = set(moved) - set(EVENTS)
    assert not unknown, "not an event counter: %s" % sorted(unknown)
    problems = ["%s: %d -> %d, not +%d" % (k, before[k], after[k],
                                            moved.get(k, 0))
                for k in EVENTS if after[k] != before[k] + moved.get(k, 0)]
    assert not problems, "counters moved wrong:\n  " + "\n  ".join(problems)

    assert after.bounds == before.bounds
    ms = after["ThreadsCallMsTotal"] - before["ThreadsCallMsTotal"]
    added = [a - b for a, b in zip(after.buckets, before.buckets)]
    what = "calls %d, ms %d, buckets %+r, max %d -> %d" % (
        calls, ms, added, before["ThreadsCallMsMax"],
        after["ThreadsCallMsMax"])
    assert after["ThreadsCalls"] - before["ThreadsCalls"] == calls, what
    assert min(added) >= 0 and sum(added) == calls, what
    # A call in bucket i took more than the bound below it and at most its
    # own bound, by the microsecond; its time is counted in whole
    # milliseconds, rounded down: at least the bound below.
    bounds = after.bounds
    low = sum(n * (bounds[i - 1] if i else 0)
              for i, n in enumerate(added))
    high = sum(n * (bounds[i] if bounds[i] is not None else float("inf"))
               for i, n in enumerate(added) if n)
    assert low <= ms <= high, what
    old_max, new_max = before["ThreadsCallMsMax"], after["ThreadsCallMsMax"]
    if calls == 0:
        assert ms == 0 and new_max == old_max, what
    elif calls == 1:
        assert new_max == max(old_max, ms), what
    else:
        slowest_at_least = max(old_max, -(-ms // calls))
        assert slowest_at_least <= new_max <= max(old_max, ms), what
    # The slowest call of the step is at least in its highest bucket.
    top = max((i for i, n in enumerate(added) if n), default=0)
    if top:
        assert new_max >= bounds[top - 1], what
    return ms


class moves:
    """with moves(h, calls=1, LoginsCompleted=1) as step: ... reads h's
    counters before and after the block and checks them with
    assert_moved(); step.ms is then the time of the calls to Threads."""

    def __init__(self, h, calls=0, via=None, **moved):
        self.h, self.calls, self.via, self.moved = h, calls, via, moved
        self.ms = None

    def __enter__(self):
        self.before = read(self.h, self.via)
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.after = read(self.h, self.via)
            self.ms = assert_moved(self.before, self.after, self.calls,
                                   **self.moved)
        return False


def zero():
    """The values of a server that has counted nothing yet."""
    return {k: 0 for k in STATUS_KEYS}
