"""Raw TCP peers for what the stand-in cannot play: a listener that hands
each connection to a handler thread (a token server that sends any bytes,
a CONNECT proxy), and reading an HTTP head off a socket."""

import socket
import threading
import traceback


class LoopbackServer:
    """A TCP listener on a loopback address that hands every connection to
    handle(conn) in a thread of its own and closes it afterwards: for test
    peers the stand-in cannot play (raw bytes on the wire, a CONNECT
    proxy). Subclasses record what they see with record(). A handler that
    raises anything but a socket error is a defect of the peer, not of
    httpd: stop() fails with its traceback, so the test that used the peer
    fails too."""

    def __init__(self, host):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.handler_errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def handle(self, conn):
        raise NotImplementedError

    def record(self, item):
        with self._lock:
            self.requests.append(item)

    def stopped(self):
        return self._stop.is_set()

    def wait_until_stopped(self, seconds):
        """Sleeps up to seconds, less when stop() is called."""
        return self._stop.wait(seconds)

    def stop(self):
        self._stop.set()
        self.sock.close()
        with self._lock:
            errors = list(self.handler_errors)
        if errors:
            raise AssertionError("%s failed on %d connection(s):\n%s" % (
                type(self).__name__, len(errors), "\n".join(errors)))

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle_and_close, args=(conn,),
                             daemon=True).start()

    def _handle_and_close(self, conn):
        try:
            conn.settimeout(10)
            self.handle(conn)
        except OSError:  # ssl.SSLError included
            pass
        except Exception:  # reported by stop()
            with self._lock:
                self.handler_errors.append(traceback.format_exc())
        finally:
            try:
                conn.close()
            except OSError:
                pass


def read_head(conn, limit):
    """Bytes from conn up to and including the blank line that ends an
    HTTP head (limit bytes at most); b"" when the peer closed first."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < limit:
        data = conn.recv(4096)
        if not data:
            return b""
        head += data
    return head
