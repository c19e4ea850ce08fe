"""Core dumps of the test servers, and their backtraces in a failure
report.

A child that crashes at stop or under load leaves one error log line
("exit signal Segmentation fault") and nothing to debug it by. So every
test httpd gets a CoreDumpDirectory of its own (httpd then keeps its
children dumpable after they change user) and is started with its core
size limit raised (prlimit; the test run's own limit, which Chromium,
redis and the rest inherit, stays as it is), and a stop whose run left
cores reports gdb's backtrace of every thread of each.

Cores land there only when the kernel writes them as files
(/proc/sys/kernel/core_pattern a plain name such as the default "core");
a pattern that pipes them to a collector (systemd-coredump, apport) is
left alone, and the report says where they went instead. The sanitizer
build makes none (ASan turns dumps off): its own report is in the log."""

import os
import resource
import shutil
import subprocess

from .httpdconf import APACHE2

GDB = shutil.which("gdb")
PRLIMIT = shutil.which("prlimit")
CORE_PATTERN = "/proc/sys/kernel/core_pattern"
# gdb output kept per core: enough for every thread of a test server.
BACKTRACE_CHARS = 12000
# Cores backtraced in one report, the newest; the others are listed (a
# crash loop can leave dozens where cores are named by PID).
BACKTRACES_MAX = 3


def with_core_dumps(argv):
    """argv run with its core size limit raised to the hard limit (argv
    as it is without prlimit, util-linux's, always on Debian)."""
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if PRLIMIT is None:
        return argv
    limit = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
    return [PRLIMIT, "--core=%s:%s" % (limit, limit), "--"] + list(argv)


def make_core_dir(path):
    """The folder for a server's cores: writable by its children, whatever
    user they run as (sticky, like /tmp)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o1777)
    return path


def cores_since(path, since):
    """The core files in path written at or after since (a time.time()),
    oldest first."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        full = os.path.join(path, name)
        if name == "core" or name.startswith("core."):
            try:
                mtime = os.stat(full).st_mtime
            except FileNotFoundError:
                continue
            if mtime >= since - 1:
                found.append((mtime, full))
    return [p for _, p in sorted(found)]


def where_cores_go():
    """None when cores are written as files in the crashing process's
    folder; else a sentence saying where they go."""
    if "libasan" in os.environ.get("THREADS_HTTPD_PRELOAD", ""):
        return ("the sanitizer build turns core dumps off: its report is "
                "in the error log")
    try:
        with open(CORE_PATTERN) as f:
            pattern = f.read().strip()
    except OSError:
        return "no core_pattern to read: cores may not be written"
    if pattern.startswith("|"):
        return "the kernel pipes cores to %s" % pattern[1:].split()[0]
    if "/" in pattern:
        return "the kernel writes cores to %s" % os.path.dirname(pattern)
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        return "the hard core size limit is 0"
    if PRLIMIT is None:
        return ("prlimit is not installed: httpd keeps the tests' core "
                "size limit")
    return None


def backtrace(core, binary=APACHE2, timeout=60):
    """gdb's backtrace of every thread in core, as text: functions and
    lines, never the arguments' values (a char * argument would print its
    text, and that may be a token, a code or a cookie)."""
    if GDB is None:
        return "gdb is not installed: the core is kept at %s" % core
    try:
        proc = subprocess.run(
            # -iex: before the core is read, whose first frame gdb
            # prints as it loads it.
            [GDB, "-q", "-nx", "-batch",
             "-iex", "set print frame-arguments none",
             "-iex", "set print entry-values no",
             "-ex", "thread apply all bt 40", binary, core], stdin=subprocess.DEVNULL, capture_output=True,
            text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return "gdb did not finish within %d s on %s" % (timeout, core)
    # Drop gdb's chatter about threads and missing sources.
    lines = [ln for ln in proc.stdout.splitlines()
             if ln.strip() and not ln.startswith(("[New LWP", "warning:"))
             and "libthread_db" not in ln]
    return "\n".join(lines)[-BACKTRACE_CHARS:]


def report(cores, crashed):
    """The report's section on the run's cores: their backtraces, or, for
    a run that crashed without leaving one here, why not."""
    if not cores:
        if not crashed:
            return ""
        why = where_cores_go()
        return ("--- no core dump in the server's CoreDumpDirectory%s ---\n"
                % (": " + why if why else ""))
    newest = cores[-BACKTRACES_MAX:]
    text = "".join("--- backtrace of %s ---\n%s\n" % (c, backtrace(c))
                   for c in newest)
    if len(cores) > len(newest):
        text += "--- %d older core(s), not read: %s ---\n" % (
            len(cores) - len(newest), " ".join(cores[:-len(newest)]))
    return text
