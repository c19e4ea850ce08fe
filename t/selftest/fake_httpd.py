#!/usr/bin/python3
"""A harmless stand-in for httpd's parent, for the harness's own tests of
its stop check (test_stop_check.py). Run in httpd's place through
Httpd.launcher as

    fake_httpd.py <ending> -f <httpd.conf> -DFOREGROUND

it does what the harness waits for at start (binds the Listen address,
writes the PidFile, logs to the ErrorLog as httpd does), and once told to
stop (SIGTERM or SIGWINCH) it ends the way <ending> says:

  clean     logs "caught SIGTERM, shutting down", removes its PID file,
            exits 0: what httpd does
  segv      dies by SIGSEGV (as httpd's parent did at every stop while a
            libcurl cleanup ran after the module was unloaded)
  exit1     exits with status 1
  hang      ignores the signal: the harness has to kill it
  orphan    leaves a process of its group running, then ends cleanly
  pid-file  ends cleanly but leaves its PID file
  asan      logs a sanitizer report, then ends cleanly
"""

import os
import re
import resource
import signal
import socket
import sys
import time

ENDINGS = ("clean", "segv", "exit1", "hang", "orphan", "pid-file", "asan")


def launcher(ending):
    """An Httpd.launcher that runs this script in httpd's place, ending
    as ending says. It drops a sanitizer's LD_PRELOAD (make check-asan):
    the script is not what is under test, and a sanitizer would turn its
    SIGSEGV into an exit status of 1."""
    def argv_for(argv):
        return (["env", "-u", "LD_PRELOAD", sys.executable,
                 os.path.abspath(__file__), ending] + argv[1:])
    return argv_for


def start(httpd_factory, ending):
    """A test server of httpd_factory with this script in httpd's place,
    started."""
    h = httpd_factory(start=False, name="fake-" + ending)
    h.launcher = launcher(ending)
    return h.start()


def directive(conf, name):
    m = re.search(r'^%s\s+"?([^"\n]+)"?\s*$' % name, conf, re.M)
    return m.group(1)


def log(path, level, text):
    stamp = time.strftime("%a %b %d %H:%M:%S.000000 %Y")
    with open(path, "a") as f:
        f.write("[%s] [%s] [pid %d:tid %d] %s\n" % (
            stamp, level, os.getpid(), os.getpid(), text))


def main():
    ending = sys.argv[1]
    if ending not in ENDINGS:
        sys.exit("fake_httpd: unknown ending %r" % ending)
    with open(sys.argv[sys.argv.index("-f") + 1]) as f:
        conf = f.read()
    host, port = directive(conf, "Listen").rsplit(":", 1)
    pid_file = directive(conf, "PidFile")
    error_log = directive(conf, "ErrorLog")
    # No core file, whatever the limits this was started with.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    stop = []
    if ending == "hang":
        for sig in (signal.SIGTERM, signal.SIGWINCH):
            signal.signal(sig, signal.SIG_IGN)
    else:
        for sig in (signal.SIGTERM, signal.SIGWINCH):
            signal.signal(sig, lambda signum, frame: stop.append(signum))

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.listen(16)
    log(error_log, "mpm_event:notice", "AH00489: Apache/2.4 (fake_httpd) "
        "configured -- resuming normal operations")
    with open(pid_file, "w") as f:
        f.write("%d\n" % os.getpid())

    while not stop:
        time.sleep(0.02)
    sock.close()
    log(error_log, "mpm_event:notice", "AH00491: caught %s, shutting down"
        % signal.Signals(stop[0]).name)
    if ending == "segv":
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(5)
    if ending == "exit1":
        sys.exit(1)
    if ending == "orphan" and os.fork() == 0:
        # The child stays in the group; the harness must find and end it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(60)
        os._exit(0)
    if ending == "asan":
        # As a sanitizer writes it: to stderr, which is httpd's error log.
        with open(error_log, "a") as f:
            f.write("==%d==ERROR: AddressSanitizer: heap-use-after-free on "
                    "address 0x602000000010\n" % os.getpid())
    if ending != "pid-file":
        os.unlink(pid_file)
    sys.exit(0)


if __name__ == "__main__":
    main()
