"""Stopping a helper server (redis-server, memcached) by SIGKILL, as a
crash would, and asserting it was still running until then."""

import signal


def kill_and_check(proc, name, output):
    """Kills proc and waits for it. Asserts it had not exited before and
    ended by SIGKILL; output() is what it wrote, for the messages."""
    died = proc.poll()
    if died is None:
        proc.kill()
        proc.wait(10)
    assert died is None, ("%s had exited (%d) before it was stopped:\n%s"
                          % (name, died, output()))
    assert proc.returncode == -signal.SIGKILL, (
        "%s ended with %d, not by SIGKILL:\n%s"
        % (name, proc.returncode, output()))
