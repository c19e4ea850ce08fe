"""A real memcached for the tests of ThreadsRevocationCache memcache:…,
on loopback, on a port picked from free_port(), in the foreground; stop()
kills it and asserts it ran until then. Only what the tests need: the module's entries are read back
through the module's behaviour, not from memcached."""

import os
import socket
import subprocess
import tempfile
import time

from .httpd import free_port
from .killed import kill_and_check

MEMCACHED = "/usr/bin/memcached"


class Memcached:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self._stderr = None

    @property
    def spec(self):
        """ThreadsRevocationCache's argument for this server."""
        return "memcache:127.0.0.1:%d" % self.port

    def start(self, timeout=10.0):
        cmd = [MEMCACHED, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
               "-m", "16"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self._stderr)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("memcached exited with %d"
                                       % self.proc.returncode)
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("memcached did not listen on %d"
                                       % self.port)
                time.sleep(0.05)

    def stderr(self):
        """What memcached wrote to its standard error."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self):
        """Kills memcached; asserts it was running until then and ended
        by that signal."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        kill_and_check(proc, "memcached", self.stderr)
