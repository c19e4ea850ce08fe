"""The check of how a step moved the module's counters
(harness/counters.py assert_moved) refuses every wrong movement: a
counter that moved without being named, calls, time, buckets and maximum
that do not fit together."""

import pytest

from harness.counters import Counters, assert_moved, zero

BOUNDS = [50, 100, 250, 500, 1000, 2500, 5000, 10000, None]


def counters(calls=0, ms=0, slowest=0, buckets=(0,) * 9, **events):
    values = zero()
    values.update(events, ThreadsCalls=calls, ThreadsCallMsTotal=ms,
                  ThreadsCallMsMax=slowest)
    return Counters(values, list(buckets), BOUNDS)


BEFORE = counters(1, 70, 70, (0, 1, 0, 0, 0, 0, 0, 0, 0), LoginsStarted=1)


def after(calls=0, ms=0, slowest=70, buckets=(0,) * 9, **events):
    """BEFORE plus calls taking ms in buckets, and events."""
    values = dict(LoginsStarted=1)
    for k, v in events.items():
        values[k] = values.get(k, 0) + v
    return counters(1 + calls, 70 + ms, slowest,
                    [b + a for b, a in zip(BEFORE.buckets, buckets)],
                    **values)


@pytest.mark.parametrize("now,calls,moved", [
    (after(), 0, {}),
    (after(LoginsStarted=1), 0, {"LoginsStarted": 1}),
    (after(1, 40, 70, (1, 0, 0, 0, 0, 0, 0, 0, 0), LoginsCompleted=1), 1,
     {"LoginsCompleted": 1}),
    (after(1, 300, 300, (0, 0, 0, 1, 0, 0, 0, 0, 0)), 1, {}),
    (after(1, 20000, 20000, (0, 0, 0, 0, 0, 0, 0, 0, 1)), 1, {}),
    (after(2, 600, 400, (0, 0, 1, 1, 0, 0, 0, 0, 0)), 2, {}),
], ids=["nothing", "one_event", "fast_call", "slow_call", "beyond_10_s",
        "two_calls"])
def test_accepted(now, calls, moved):
    assert_moved(BEFORE, now, calls, **moved)


@pytest.mark.parametrize("now,calls,moved", [
    (after(Unauthorized=1), 0, {}),
    (after(), 0, {"LoginsStarted": 1}),
    (after(LoginsStarted=2), 0, {"LoginsStarted": 1}),
    (after(1, 40, 70, (1, 0, 0, 0, 0, 0, 0, 0, 0)), 0, {}),
    (after(1, 40, 70, (0, 1, 0, 0, 0, 0, 0, 0, 0)), 1, {}),
    (after(1, 40, 70, (1, 0, 0, 0, 0, 0, 0, 0, 0)), 2, {}),
    (after(0, 5, 70), 0, {}),
    (after(0, 0, 80), 0, {}),
    (after(1, 300, 299, (0, 0, 0, 1, 0, 0, 0, 0, 0)), 1, {}),
    (after(1, 300, 300, (0, 0, 0, 0, 1, 0, 0, 0, 0)), 1, {}),
    (after(2, 600, 200, (0, 0, 1, 1, 0, 0, 0, 0, 0)), 2, {}),
    (after(2, 600, 700, (0, 0, 1, 1, 0, 0, 0, 0, 0)), 2, {}),
], ids=["unnamed_event", "event_missing", "event_twice", "call_not_named",
        "bucket_too_high", "calls_missing", "time_without_call",
        "max_without_call", "max_below_the_call", "bucket_too_high_for_ms",
        "max_below_average", "max_above_total"])
def test_refused(now, calls, moved):
    with pytest.raises(AssertionError):
        assert_moved(BEFORE, now, calls, **moved)


def test_unknown_counter_names_are_refused():
    with pytest.raises(AssertionError):
        assert_moved(BEFORE, after(), LoginStarted=1)
