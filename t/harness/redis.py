"""A real redis-server for the tests of ThreadsRevocationCache redis:…,
a small RESP client to read what the module stored, and the module's
entries as they stand in the store.

The server runs on loopback in a directory of its own, with a config file
written here (no persistence, in the foreground), on a port picked from
free_port(). stop() kills it by its PID; start() brings it back on the same
port, empty.

The module's keys (src/httpd/revoke.c, pace.c) are
  threads:<app id>:u:<user id>   the user's revocation record
  threads:<app id>:s:<HEX>       a used state (the claim's mark), HEX as
                                 below but of the state
  threads:<app id>:p:<HEX>       the refresh pace of a token (the claim's
                                 mark), HEX the first 16 bytes of SHA-256
                                 of the token
  threads:heartbeat              written every few seconds by a server that
                                 has read "not found", to prove the store
                                 is there (entries() leaves it out)
each value stored as "<expiry>:<value>" (src/httpd/store.c), a claim's
mark 16 base64url characters of the server that won it, and
mod_socache_redis stores each as <namespace>:<hex of the key>, the
namespace being the module's "threads-oauth".
"""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import time

from .httpd import APP_ID, free_port
from .killed import kill_and_check

REDIS_SERVER = "/usr/bin/redis-server"
HEARTBEAT_KEY = "threads:heartbeat"
# What redis-server logs when it crashes (its bug report).
REDIS_CRASH_RE = re.compile(r"crashed by signal|Guru Meditation|"
                            r"REDIS BUG REPORT")
NAMESPACE = "threads-oauth"


def user_key(user_id, app_id=APP_ID):
    return "threads:%s:u:%s" % (app_id, user_id)


def fingerprint_hex(secret):
    """How a key names a secret: the first 16 bytes of its SHA-256, in
    upper-case hex."""
    return hashlib.sha256(secret.encode()).digest()[:16].hex().upper()


def state_key(state, app_id=APP_ID):
    return "threads:%s:s:%s" % (app_id, fingerprint_hex(state))


def pace_key(token, app_id=APP_ID):
    return "threads:%s:p:%s" % (app_id, fingerprint_hex(token))


def redis_key(key):
    """Where mod_socache_redis keeps the module's key."""
    return "%s:%s" % (NAMESPACE, key.encode().hex())


# The random mark threads_store_claim writes (12 bytes, base64url).
CLAIM_MARK_RE = re.compile(rb"[A-Za-z0-9_-]{16}")


def is_claim_mark(value):
    """True when value is what a claim of the module writes."""
    return value is not None and CLAIM_MARK_RE.fullmatch(value) is not None


def stored_value(raw):
    """(expiry, value) of a value as the module stores it,
    "<expiry>:<value>"; raw None gives (None, None)."""
    if raw is None:
        return None, None
    expiry, colon, value = raw.partition(b":")
    assert colon and expiry.isdigit(), raw
    return int(expiry), value


def revocation_record(value):
    """A user's revocation record ("1 <before> <before_until>" then a line
    "<login id> <until>" per revoked login): {"before", "before_until",
    "logins": {login id: until}}, numbers as int."""
    lines = value.decode().split("\n")
    version, before, before_until = lines[0].split(" ")
    assert version == "1", value
    logins = {}
    for line in lines[1:]:
        login_id, until = line.split(" ")
        logins[login_id] = int(until)
    return {"before": int(before), "before_until": int(before_until),
            "logins": logins}


class RedisError(Exception):
    """An error reply of redis (-ERR …)."""


def _read_line(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("redis closed the connection")
    return line[:-2]


def _read_reply(f):
    """One RESP2 reply from the file f: str for simple strings, int, bytes
    for bulk strings (None for nil), list for arrays."""
    line = _read_line(f)
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise ConnectionError("not a RESP reply: %r" % line)


class RedisServer:
    """redis-server on 127.0.0.1:port with its files in directory."""

    def __init__(self, directory, port=None):
        self.dir = directory
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.conf_path = os.path.join(directory, "redis.conf")
        self.log_path = os.path.join(directory, "redis.log")
        self.proc = None
        self._log_mark = 0  # where this run's lines start in the log
        os.makedirs(directory, mode=0o755, exist_ok=True)

    @property
    def spec(self):
        """The ThreadsRevocationCache value that names this server."""
        return "redis:%s:%d" % (self.host, self.port)

    def write_conf(self):
        lines = [
            "# Written by t/harness/redis.py for one test run.",
            "bind %s" % self.host,
            "port %d" % self.port,
            # Clients come from loopback only: protected mode lets them in.
            "protected-mode yes",
            "daemonize no",
            'save ""',
            "appendonly no",
            'dir "%s"' % self.dir,
            'logfile "%s"' % self.log_path,
            "databases 1",
        ]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self, timeout=10.0):
        """Starts redis-server and waits until it answers PING."""
        assert self.proc is None, "redis-server is running"
        self.write_conf()
        try:
            self._log_mark = os.path.getsize(self.log_path)
        except FileNotFoundError:
            self._log_mark = 0
        self.proc = subprocess.Popen(
            [REDIS_SERVER, self.conf_path], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.proc = None
                raise AssertionError("redis-server exited at start:\n"
                                     + self.log_tail())
            try:
                if self.command("PING") == "PONG":
                    return self
            except (OSError, ConnectionError, RedisError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("redis-server did not answer on port "
                                     "%d:\n%s" % (self.port, self.log_tail()))
            time.sleep(0.02)

    def stop(self):
        """Kills redis-server (SIGKILL: as a crash, nothing said to its
        clients) and waits until it is gone. Asserts it was still running
        until then, ended by that signal, and logged no crash of its
        own."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        kill_and_check(proc, "redis-server", self.log_tail)
        # This run's lines only: redis appends, and one crash must not
        # fail every later stop of the session.
        crashes = [ln for ln in self.log_since(self._log_mark).splitlines()
                   if REDIS_CRASH_RE.search(ln)]
        assert not crashes, "redis-server crashed:\n" + "\n".join(crashes)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_since(self, offset):
        """The log's text from byte offset on."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "\n".join(f.read().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    # -- the client -----------------------------------------------------------

    def command(self, *args):
        """Sends one command on a new connection; returns its reply."""
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        with socket.create_connection((self.host, self.port),
                                      timeout=5) as s:
            s.sendall(b"".join(parts))
            with s.makefile("rb") as f:
                return _read_reply(f)

    def get(self, key):
        """The value of key (bytes), None when there is none."""
        return self.command("GET", key)

    def ttl(self, key):
        """Seconds key has left (-1: no expiry, -2: no such key)."""
        return self.command("TTL", key)

    def keys(self, pattern="*"):
        return sorted(k.decode() for k in self.command("KEYS", pattern))

    def entry(self, key):
        """The value the module stored under its key, None when none."""
        return stored_value(self.get(redis_key(key)))[1]

    def entry_expiry(self, key):
        """When the module's entry expires as it wrote it (Unix seconds),
        None when there is none."""
        return stored_value(self.get(redis_key(key)))[0]

    def entry_ttl(self, key):
        return self.ttl(redis_key(key))

    def entries(self, heartbeat=False):
        """Every key of the module's in the store, as the module names
        them; the heartbeat only when asked for."""
        prefix = NAMESPACE + ":"
        keys = (bytes.fromhex(k[len(prefix):]).decode()
                for k in self.keys(prefix + "*"))
        return sorted(k for k in keys if heartbeat or k != HEARTBEAT_KEY)

    def flush(self):
        """Empties the store and its statistics."""
        self.command("FLUSHALL")
        self.reset_stats()

    def reset_stats(self):
        self.command("CONFIG", "RESETSTAT")

    def calls(self, command):
        """How many times command (e.g. "get") ran since the last flush()
        or reset_stats(), from INFO commandstats."""
        info = self.command("INFO", "commandstats").decode()
        for line in info.splitlines():
            if line.startswith("cmdstat_%s:" % command.lower()):
                fields = dict(kv.split("=") for kv in
                              line.split(":", 1)[1].split(","))
                return int(fields["calls"])
        return 0
