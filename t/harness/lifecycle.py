"""How a run of httpd ended: the Stop record Httpd.stop() keeps of every
run, what makes a stop unclean, and the processes of httpd's group.

A clean stop, as an operator sees it: httpd ends by itself after the
signal it was sent (SIGTERM for apachectl stop, SIGWINCH for
graceful-stop) with exit status 0, it did not have to be killed, no
process of its group outlives it, its PID file is gone, and its error log
gained no crash line (CRASH_RE) while it ran."""

import os
import re
import signal
import time

from . import cores as core_dumps

# Error log lines that mean a process crashed or had to be killed.
#   exit signal        AH00051/AH00052: a child died by a signal (SIGSEGV,
#                      SIGABRT, SIGBUS...); the parent does not log the
#                      signals it sends itself (SIGTERM, SIGHUP, SIGUSR1,
#                      SIGKILL), so "caught SIGTERM" never matches
#   AH00050            a child exited with a fatal error: httpd gives up
#   AH00060            the parent caught SIGSEGV or the like
#   AH00046, AH00047   at stop, a child outlasted the parent's SIGTERMs
#                      and it was SIGKILLed (or could not be ended)
#   sanitizers         AddressSanitizer, LeakSanitizer, UBSan's "runtime
#                      error:" and its summary
#   glibc              its messages before it aborts a process
CRASH_RE = re.compile(
    r"exit signal|AH00050|AH00051|AH00052|AH00060|AH00046|AH00047|"
    r"Segmentation fault|AddressSanitizer|LeakSanitizer|"
    r"UndefinedBehaviorSanitizer|runtime error:|double free|"
    r"stack smashing|buffer overflow detected|free\(\): invalid|"
    r"malloc\(\): |munmap_chunk\(\)|corrupted (size|double-linked|top)")

# The signals that end a process that crashed.
CRASH_SIGNALS = (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL,
                 signal.SIGFPE)

# Error log lines of level error or worse (httpd's default ErrorLogFormat:
# "[time] [module:level] ...").
SEVERE_RE = re.compile(r"^\[[^]]*\] \[[\w.-]*:(error|crit|alert|emerg)\]")

# Lines of the error log a failure message shows.
TAIL_LINES = 40


def describe_status(status):
    """An exit status as subprocess reports it, in words: "0", "1",
    "signal 11 (SIGSEGV)"."""
    if status is None:
        return "unknown (still running)"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "?"
        return "signal %d (%s)" % (-status, name)
    return "%d" % status


def signal_name(sig):
    return signal.Signals(sig).name if sig is not None else None


def processes():
    """(pid, fields) for every process there is: fields are those of
    /proc/<pid>/stat after the command (state, ppid, pgrp, session...)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: split after it.
        yield int(entry), stat[stat.rfind(")") + 2:].split()


def children(ppid):
    """The PIDs of the processes whose parent is ppid, in order."""
    return sorted(pid for pid, fields in processes()
                  if len(fields) > 1 and int(fields[1]) == ppid)


def group_members(pgid):
    """The live (not zombie) processes whose process group is pgid:
    {pid: command line}."""
    found = {}
    for pid, fields in processes():
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    found[pid] = f.read().replace(b"\0", b" ").decode(
                        "utf-8", "replace").strip()
            except OSError:
                pass
    return found


def kill_group(pgid):
    """SIGKILL to the process group pgid (httpd leads its own)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_until_empty(pgid, seconds):
    """The members of group pgid once it is empty or seconds have gone."""
    deadline = time.monotonic() + seconds
    members = group_members(pgid)
    while members and time.monotonic() < deadline:
        time.sleep(0.05)
        members = group_members(pgid)
    return members


def reap_group(pgid, wait=2.0):
    """Waits up to wait seconds for the process group pgid to empty, then
    SIGKILLs what is left and waits for it to go. Returns what was left:
    ["pid cmdline", ...]."""
    members = _wait_until_empty(pgid, wait)
    if members:
        kill_group(pgid)
        _wait_until_empty(pgid, 5.0)
    return ["%d %s" % kv for kv in sorted(members.items())]


def tail(text, lines=TAIL_LINES):
    """The last lines of an error log's text, trace lines left out (the
    test servers log the module at trace8: its last request would fill the
    tail)."""
    kept = [ln for ln in text.splitlines()
            if not re.search(r"^\[[^]]*\] \[[\w.-]*:trace\d\]", ln)]
    return "\n".join(kept[-lines:])


class Stop:
    """How one run of an httpd ended (Httpd.stop() makes one).

    name, pid, error_log_path; sent: the signal the harness sent to stop
    it (None: httpd had exited before it was asked to); status: its exit
    status as subprocess reports it (0, an exit code, or minus the signal
    that ended it); killed: it did not end within timeout seconds and the
    harness SIGKILLed its process group; leftovers: processes of its group
    still alive after it ended ("pid cmdline"); pid_file_left; crash_lines:
    the CRASH_RE lines the error log gained during the run; log: the error
    log's text of the run; stderr: what httpd wrote to its stderr during
    the run; seconds: from the signal to the end; cores: the core dumps
    its processes left (harness/cores.py). reported: a failure message has
    named this stop already."""

    def __init__(self, name, pid, sent, status, killed, timeout, seconds,
                 leftovers, pid_file_left, log, stderr, error_log_path,
                 cores=()):
        self.name = name
        self.pid = pid
        self.sent = sent
        self.status = status
        self.killed = killed
        self.timeout = timeout
        self.seconds = seconds
        self.leftovers = leftovers
        self.pid_file_left = pid_file_left
        self.log = log
        self.stderr = stderr
        self.error_log_path = error_log_path
        self.cores = list(cores)
        self._core_report = None
        self.crash_lines = [ln for ln in log.splitlines()
                            if CRASH_RE.search(ln)]
        self.reported = False

    def severe_lines(self):
        """The run's error log lines of level error or worse."""
        return [ln for ln in self.log.splitlines() if SEVERE_RE.search(ln)]

    def problems(self):
        """What was not clean about this stop, in words; [] when clean."""
        out = []
        if self.sent is None:
            out.append("httpd had exited before it was asked to stop, "
                       "exit status %s" % describe_status(self.status))
        elif self.killed:
            out.append("httpd did not end within %gs of %s: the harness "
                       "killed it (SIGKILL)" % (self.timeout,
                                                signal_name(self.sent)))
        elif self.status != 0:
            out.append("exit status %s after %s" % (
                describe_status(self.status), signal_name(self.sent)))
        if self.leftovers:
            out.append("processes of its group outlived it (killed now): "
                       + "; ".join(self.leftovers))
        if self.pid_file_left:
            out.append("its PID file is still there")
        if self.crash_lines:
            out.append("%d crash line(s) in the error log:\n      %s" % (
                len(self.crash_lines), "\n      ".join(self.crash_lines)))
        return out

    @property
    def clean(self):
        return not self.problems()

    def crashed(self):
        """The parent or a child died by a signal that means a crash
        (SIGSEGV, SIGBUS, SIGABRT...), not one sent to end it."""
        return ((self.status is not None and -self.status in CRASH_SIGNALS)
                or any("exit signal" in ln or "AH00060" in ln
                       for ln in self.crash_lines))

    def report(self):
        """A failure message: the problems, then the tail of the run's
        error log (and its stderr, when it wrote any), then the backtraces
        of the cores the run left."""
        text = "httpd %s (pid %d) did not stop cleanly:\n%s\n" % (
            self.name, self.pid,
            "\n".join("  - " + p for p in self.problems()))
        text += ("--- error log of the run, last %d lines without trace "
                 "lines (%s) ---\n%s\n" % (TAIL_LINES, self.error_log_path,
                                           tail(self.log) or "(empty)"))
        if self.stderr.strip():
            text += "--- stderr ---\n%s\n" % self.stderr.strip()[-3000:]
        if self._core_report is None:  # gdb takes a while: once
            self._core_report = core_dumps.report(self.cores, self.crashed())
        return text + self._core_report


class UncleanStop(AssertionError):
    """httpd did not stop cleanly (see Stop.problems)."""


def unreported(stops):
    """The reports of the unclean stops among stops not reported yet, and
    marks them reported."""
    texts = []
    for s in stops:
        if not s.reported and not s.clean:
            s.reported = True
            texts.append(s.report())
    return texts
