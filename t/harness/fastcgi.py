"""A FastCGI responder for mod_proxy_fcgi: the application behind
`ProxyPass fcgi://...`, which gets the module's variables as FastCGI
parameters (the environment of a CGI). Python standard library only."""

import json
import struct

from .loopback import LoopbackServer

# Record types (FastCGI 1.0, section 8).
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST = 1, 2, 3
PARAMS, STDIN, STDOUT = 4, 5, 6
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
KEEP_CONN = 1
_HEADER = struct.Struct("!BBHHBx")


def _read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _read_record(conn):
    """(type, request id, content) of the next record."""
    version, rtype, rid, length, padding = _HEADER.unpack(
        _read_exactly(conn, _HEADER.size))
    content = _read_exactly(conn, length + padding)[:length]
    return rtype, rid, content


def _record(rtype, rid, content=b""):
    padding = -len(content) % 8
    return (_HEADER.pack(1, rtype, rid, len(content), padding) + content
            + b"\0" * padding)


def _length(data, i):
    """A name or value length of a name-value pair at data[i]: (length,
    next index)."""
    if data[i] < 0x80:
        return data[i], i + 1
    return struct.unpack("!I", data[i:i + 4])[0] & 0x7FFFFFFF, i + 4


def parse_params(data):
    """The name-value pairs of PARAMS records as a dict of text."""
    params = {}
    i = 0
    while i < len(data):
        nlen, i = _length(data, i)
        vlen, i = _length(data, i)
        name = data[i:i + nlen].decode("latin-1")
        i += nlen
        params[name] = data[i:i + vlen].decode("latin-1")
        i += vlen
    return params


class FastCGIApp(LoopbackServer):
    """Answers every request with its parameters as a JSON object (as
    t/cgi/env.cgi prints its environment); records the parameters of each
    request in requests, oldest first. Keeps connections open when
    mod_proxy_fcgi asks it to."""

    def __init__(self, host="127.0.0.1"):
        super().__init__(host)

    @property
    def address(self):
        return "%s:%d" % (self.sock.getsockname()[0], self.port)

    def handle(self, conn):
        requests = {}
        while True:
            try:
                rtype, rid, content = _read_record(conn)
            except EOFError:
                return
            if rtype == BEGIN_REQUEST:
                flags = content[2]
                requests[rid] = {"params": b"", "keep": flags & KEEP_CONN}
            elif rtype == PARAMS and rid in requests:
                requests[rid]["params"] += content
            elif rtype == STDIN and rid in requests and not content:
                req = requests.pop(rid)
                if not self._answer(conn, rid, parse_params(req["params"])):
                    return
                if not req["keep"]:
                    return
            elif rtype == ABORT_REQUEST:
                requests.pop(rid, None)
                conn.sendall(_record(END_REQUEST, rid, b"\0" * 8))
            elif rtype == GET_VALUES:
                conn.sendall(_record(GET_VALUES_RESULT, 0))
            elif rtype not in (PARAMS, STDIN):
                conn.sendall(_record(UNKNOWN_TYPE, 0,
                                     bytes([rtype]) + b"\0" * 7))

    def _answer(self, conn, rid, params):
        """Writes the answer to one request; False when the peer left."""
        self.record(params)
        body = json.dumps(params, sort_keys=True, indent=1).encode()
        out = (b"Status: 200 OK\r\nContent-Type: application/json\r\n"
               b"Cache-Control: no-store\r\n\r\n" + body)
        try:
            for i in range(0, len(out), 16384):
                conn.sendall(_record(STDOUT, rid, out[i:i + 16384]))
            conn.sendall(_record(STDOUT, rid)
                         + _record(END_REQUEST, rid, b"\0" * 8))
        except OSError:
            return False
        return True
