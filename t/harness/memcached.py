"""A real memcached for the tests of ThreadsRevocationCache memcache:…,
on loopback, on a port picked from free_port(), in the foreground; stop()
kills it. Only what the tests need: the module's entries are read back
through the module's behaviour, not from memcached."""

import os
import socket
import subprocess
import time

from .httpd import free_port

MEMCACHED = "/usr/bin/memcached"


class Memcached:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None

    @property
    def spec(self):
        """ThreadsRevocationCache's argument for this server."""
        return "memcache:127.0.0.1:%d" % self.port

    def start(self, timeout=10.0):
        cmd = [MEMCACHED, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
               "-m", "16"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
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

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
