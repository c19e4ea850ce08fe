"""The harness's stop check can fail (harness/lifecycle.py): Httpd.stop()
records how each run of httpd ended, and an exit status other than 0, a
kill, a process left behind, a PID file left behind or a crash line in the
error log makes the stop unclean, with a message that shows the exit
status or signal and the tail of the error log.

A harmless script plays httpd's parent (fake_httpd.py, through
Httpd.launcher) to end in each of those ways; a real httpd's parent and
children are killed by signals; and a pytest of its own runs
unclean_stop_example.py to show that the httpd_factory fixture fails the
test whose httpd died by SIGSEGV at stop, and only that one. Every test
here reads the reports it provokes, so the fixture does not fail it."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

import fake_httpd
from harness import CRASH_RE, SEVERE_RE, T_DIR, UncleanStop, cores
from harness.lifecycle import children, group_members, tail

HERE = os.path.dirname(os.path.abspath(__file__))

# What httpd writes when a process crashed or had to be killed, and what
# it writes on an ordinary start, restart or stop.
CRASH_LINES = [
    "AH00052: child pid 7150 exit signal Segmentation fault (11)",
    "AH00051: child pid 7150 exit signal Aborted (6), possible coredump "
    "in /tmp",
    "AH00060: seg fault or similar nasty error detected in the parent "
    "process",
    "AH00050: Child 7150 returned a Fatal error... Apache is exiting!",
    "AH00046: child process 7150 still did not exit, sending a SIGKILL",
    "==7150==ERROR: AddressSanitizer: heap-use-after-free on address 0x6",
    "==7150==ERROR: LeakSanitizer: detected memory leaks",
    "src/core/seal.c:120:9: runtime error: signed integer overflow",
    "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior src/x.c:1:1",
    "free(): invalid pointer",
    "double free or corruption (out)",
    "*** stack smashing detected ***: terminated",
    "*** buffer overflow detected ***: terminated",
    "malloc(): corrupted top size",
]
ORDINARY_LINES = [
    "AH00491: caught SIGTERM, shutting down",
    "AH00492: caught SIGWINCH, shutting down gracefully",
    "AH00493: SIGUSR1 received.  Doing graceful restart",
    "AH00171: Graceful restart requested, doing restart",
    "AH00494: SIGHUP received.  Attempting to restart",
    "AH00489: Apache/2.4.71 (Debian) configured -- resuming normal "
    "operations",
    "AH00045: child process 7150 still did not exit, sending a SIGTERM",
]


@pytest.mark.parametrize("line", CRASH_LINES)
def test_crash_re_knows_a_crash(line):
    assert CRASH_RE.search(line)


@pytest.mark.parametrize("line", ORDINARY_LINES)
def test_crash_re_leaves_ordinary_lines_alone(line):
    assert not CRASH_RE.search(line)


@pytest.mark.parametrize("line,severe", [
    ("[Tue Dec 01 08:06:31.675530 2026] [threads_oauth:error] [pid 1:tid 1] "
     "THREADS00201: x", True),
    ("[Tue Dec 01 08:06:31.675530 2026] [core:crit] [pid 1] x", True),
    ("[Tue Dec 01 08:06:31.675530 2026] [mpm_event:alert] [pid 1] x", True),
    ("[Tue Dec 01 08:06:31.675530 2026] [:emerg] [pid 1] x", True),
    ("[Tue Dec 01 08:06:31.675530 2026] [threads_oauth:warn] [pid 1] x",
     False),
    ("[Tue Dec 01 08:06:31.675530 2026] [mpm_event:notice] [pid 1] AH00491: "
     "caught SIGTERM, shutting down", False),
    ("[Tue Dec 01 08:06:31.675530 2026] [core:trace8] [pid 1] error:", False),
])
def test_severe_re_finds_error_lines(line, severe):
    assert bool(SEVERE_RE.search(line)) == severe


def assert_reported(h, stop, *expected):
    """stop (of h) is unclean, its report names each of expected and shows
    the error log's tail; assert_stopped_cleanly() raises it once."""
    assert not stop.clean
    report = stop.report()
    assert "did not stop cleanly" in report, report
    for text in expected:
        assert text in report, report
    assert "--- error log of the run" in report, report
    assert tail(stop.log).splitlines()[-1] in report, report
    with pytest.raises(UncleanStop) as e:
        h.assert_stopped_cleanly()
    assert str(e.value).strip() == report.strip()
    h.assert_stopped_cleanly()  # reported once: no more
    return report


def test_a_clean_stop_is_clean(httpd_factory):
    h = fake_httpd.start(httpd_factory, "clean")
    pid = h.pid
    stop = h.stop()
    assert (stop.sent, stop.status, stop.killed) == (signal.SIGTERM, 0,
                                                     False)
    assert stop.problems() == [], stop.report()
    assert "caught SIGTERM, shutting down" in stop.log
    assert not os.path.exists(h.pid_file)
    assert group_members(pid) == {}
    h.assert_stopped_cleanly()


@pytest.mark.parametrize("ending,sig,expected", [
    ("segv", signal.SIGTERM, "exit status signal 11 (SIGSEGV) after SIGTERM"),
    ("segv", signal.SIGWINCH,
     "exit status signal 11 (SIGSEGV) after SIGWINCH"),
    ("exit1", signal.SIGTERM, "exit status 1 after SIGTERM"),
    ("pid-file", signal.SIGTERM, "its PID file is still there"),
    ("asan", signal.SIGTERM, "ERROR: AddressSanitizer: heap-use-after-free"),
])
def test_an_unclean_ending_is_reported(httpd_factory, ending, sig, expected):
    h = fake_httpd.start(httpd_factory, ending)
    stop = h.stop(sig)
    assert stop.sent == sig
    assert_reported(h, stop, expected)


def test_an_httpd_that_must_be_killed_is_reported(httpd_factory):
    h = fake_httpd.start(httpd_factory, "hang")
    pid = h.pid
    stop = h.stop(timeout=1)
    assert stop.killed and stop.status == -signal.SIGKILL
    assert_reported(h, stop, "did not end within 1s of SIGTERM: the "
                    "harness killed it (SIGKILL)")
    assert group_members(pid) == {}


def test_a_process_left_behind_is_reported_and_ended(httpd_factory):
    h = fake_httpd.start(httpd_factory, "orphan")
    pid = h.pid
    stop = h.stop()
    assert stop.status == 0 and len(stop.leftovers) == 1, stop.report()
    assert_reported(h, stop, "processes of its group outlived it",
                    "fake_httpd.py orphan")
    assert group_members(pid) == {}


# -- a real httpd, killed ---------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL],
                         ids=["SIGSEGV", "SIGKILL"])
def test_a_parent_that_died_is_reported(httpd_factory, sig):
    h = httpd_factory()
    pid = h.pid
    os.kill(pid, sig)
    h.proc.wait(10)
    stop = h.stop()
    assert stop.sent is None
    # httpd's own SIGSEGV handler (it logs AH00060) ends the parent by the
    # signal again, also under a sanitizer.
    assert stop.status == -sig
    assert_reported(h, stop, "had exited before it was asked to stop, exit "
                    "status signal %d (%s)" % (sig, signal.Signals(sig).name))
    if sig == signal.SIGSEGV:
        assert_backtraces(stop, 1, "ap_wait_or_timeout")
    else:
        assert stop.cores == [] and "backtrace" not in stop.report()
    # Whatever the parent left running is gone.
    assert group_members(pid) == {}


def test_a_child_that_crashed_is_reported(httpd_factory):
    h = httpd_factory(mpm="prefork")
    kids = children(h.pid)
    assert kids
    for kid in kids:
        os.kill(kid, signal.SIGSEGV)
    deadline = time.monotonic() + 10
    while not h.crash_lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop = h.stop()
    assert stop.status == 0 and stop.crash_lines, stop.report()
    assert_reported(h, stop, "crash line(s) in the error log",
                    stop.crash_lines[0])
    assert any(re.search(r"exit signal Segmentation fault", ln)
               for ln in stop.crash_lines), stop.crash_lines
    assert_backtraces(stop, len(kids), "accept")


def assert_backtraces(stop, count, frame):
    """The report of a stop whose processes crashed gives gdb's
    backtrace of each core, frame among their frames: count of them, or
    fewer where the kernel names every core "core" (core_uses_pid 0, the
    default: the last crash wins). Where the kernel does not write cores
    here, the report says so."""
    report = stop.report()
    why = cores.where_cores_go()
    if why is not None:
        assert "--- no core dump in the server's CoreDumpDirectory: " + why \
            in report, report
        return
    assert 1 <= len(stop.cores) <= count, (stop.cores, report)
    for core in stop.cores:
        assert os.path.dirname(core) == os.path.join(
            os.path.dirname(stop.error_log_path), "cores"), core
        section = report.split("--- backtrace of %s ---\n" % core)[1]
        section = section.split("\n---")[0]
        assert re.search(r"^#0 .* in ", section, re.M), section
        assert frame in section, section
        # Frames name their arguments, never their values.
        assert not re.search(r"\w+=(?!\.\.\.)", section), section


# -- the fixture ------------------------------------------------------------

def test_the_fixture_fails_the_test_whose_httpd_did_not_stop_cleanly():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", os.path.join(HERE, "unclean_stop_example.py")],
        cwd=T_DIR, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"^2 passed, 1 error in ", out.splitlines()[-1]), out
    assert ("ERROR at teardown of test_httpd_dies_by_sigsegv_at_stop"
            in out), out
    assert "test_httpd_stops_cleanly" not in out.split("short test summary")[1]
    for text in ("httpd fake-segv (pid ", "did not stop cleanly",
                 "exit status signal 11 (SIGSEGV) after SIGTERM",
                 "--- error log of the run",
                 "configured -- resuming normal operations"):
        assert text in out, out
