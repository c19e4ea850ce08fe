"""What the stand-in records of each request, and the faults a test can
make an endpoint answer with instead of its normal answer."""

import html
import json
import time
import urllib.parse

from .answers import Answer, graph_error, token_error

# Path -> endpoint name, the name used by set_fault() and requests_for().
ENDPOINTS = {
    "/oauth/authorize": "authorize",
    "/oauth/access_token": "token",
    "/access_token": "exchange",
    "/refresh_access_token": "refresh",
    "/v1.0/me": "me",
}
MOVED_PREFIX = "/moved"  # where the "redirect" fault sends clients

FAULT_KINDS = frozenset([
    "slow", "trickle", "reset", "reset_mid_body", "garbage", "huge",
    "reject", "error5xx", "redirect", "no_token", "custom",
])


class RecordedRequest:
    """One request as the stand-in received it.

    method, target (the raw request target), path, query (dict name -> list
    of values, decoded), headers (http.client.HTTPMessage: case-insensitive
    .get() and .get_all()), body (raw bytes), form (dict name -> list of
    values for an application/x-www-form-urlencoded body, else None),
    form_pairs (the same in order), endpoint (see ENDPOINTS; None for other
    paths), time (Unix seconds), client ((host, port)), and once answered
    status and response_body (bytes) (None when no answer was sent)."""

    def __init__(self, method, target, headers, body, client):
        self.method = method
        self.target = target
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query_string = split.query
        self.query = urllib.parse.parse_qs(split.query,
                                           keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.client = client
        self.time = time.time()
        self.endpoint = ENDPOINTS.get(self.path)
        if self.endpoint is None and self.path.startswith(MOVED_PREFIX + "/"):
            self.endpoint = "moved"
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        self.content_type = ctype.lower()
        self.form = None
        self.form_pairs = None
        if self.content_type == "application/x-www-form-urlencoded":
            text = body.decode("utf-8", "replace")
            self.form_pairs = urllib.parse.parse_qsl(text,
                                                     keep_blank_values=True)
            self.form = {}
            for k, v in self.form_pairs:
                self.form.setdefault(k, []).append(v)
        self.status = None
        self.response_body = None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def response_json(self):
        """The JSON answer the stand-in sent (None if none or not JSON)."""
        if self.response_body is None:
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def __repr__(self):
        return "<%s %s -> %s>" % (self.method, self.path, self.status)


class Fault:
    """A misbehaviour for the next count requests of an endpoint (None:
    until reset)."""

    def __init__(self, kind, count, params):
        self.kind = kind
        self.count = count
        self.params = params

    def __repr__(self):
        return "Fault(%r, count=%r, %r)" % (self.kind, self.count,
                                            self.params)


class Cancelled(Exception):
    """A fault's wait was cut short by reset() or stop()."""


def apply_fault(handler, rec, fault):
    """Answers rec through handler (the stand-in's request handler) the
    way fault says, instead of the endpoint's normal answer."""
    standin = handler.server.standin
    kind = fault.kind
    p = fault.params
    out = handler.wfile
    if kind == "slow":
        # With until (a threading.Event) the answer goes as soon as the
        # test sets it, at the latest after seconds.
        until = p.get("until")
        deadline = time.monotonic() + float(p.get("seconds", 5))
        while until is None or not until.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            standin.sleep_unless_reset(left if until is None
                                       else min(left, 0.02))
        handler.send_answer(rec, standin.answer(rec))
    elif kind == "trickle":
        answer = standin.answer(rec)
        handler.note_answer(rec, answer)
        out.write(handler.answer_head(answer))
        out.flush()
        step = int(p.get("bytes", 1))
        interval = float(p.get("interval", 1.0))
        body = answer.body
        for i in range(0, len(body), step):
            standin.sleep_unless_reset(interval)
            out.write(body[i:i + step])
            out.flush()
    elif kind == "reset":
        handler.abort(rst=bool(p.get("rst", True)))
    elif kind == "reset_mid_body":
        answer = standin.answer(rec)
        handler.note_answer(rec, answer)
        body = answer.body
        if len(body) < 200:
            body = body + b" " * (200 - len(body))
        out.write(handler.answer_head(answer, length=len(body)))
        out.write(body[:len(body) // 2])
        out.flush()
        time.sleep(0.05)
        handler.abort(rst=True)
    elif kind == "garbage":
        handler.send_answer(rec, Answer(200, "text/html",
                                        p.get("body", "<html>oops")))
    elif kind == "huge":
        size = int(p.get("size", 2 * 1024 * 1024))
        head = ('{"access_token": "THQVJhuge", "user_id": %s, "pad": "'
                % standin.user_id).encode()
        tail = b'"}'
        body = head + b"x" * max(0, size - len(head) - len(tail)) + tail
        answer = Answer(200, "application/json", body)
        rec.status = 200
        rec.response_body = body[:1024]
        if p.get("chunked"):
            out.write(handler.answer_head(answer, chunked=True))
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            out.write(b"0\r\n\r\n")
            out.flush()
        else:
            out.write(handler.answer_head(answer) + body)
            out.flush()
    elif kind == "reject":
        message = p.get("message")
        if rec.endpoint in ("token", "authorize", None):
            handler.send_answer(rec, token_error(
                message or "Matching code was not found or was already "
                "used"))
        else:
            handler.send_answer(rec, graph_error(
                message or "Error validating access token: Session has "
                "expired", code=int(p.get("code", 190)),
                status=int(p.get("status", 400)),
                subcode=p.get("subcode"), fbtrace_id=p.get("fbtrace_id")))
    elif kind == "error5xx":
        status = int(p.get("status", 502))
        reason = handler.responses.get(status, ("Error",))[0]
        handler.send_answer(rec, Answer(status, "text/html; charset=utf-8", (
            "<!DOCTYPE html><html><head><title>%d %s</title></head>"
            "<body><h1>%s</h1><p>Sorry, something went wrong.</p>"
            "</body></html>" % (status, reason, reason))))
    elif kind == "redirect":
        location = p.get("location") or (standin.base_url + MOVED_PREFIX
                                         + rec.target)
        handler.send_answer(rec, Answer(
            int(p.get("status", 302)), "text/html; charset=utf-8",
            '<html><body><a href="%s">Moved</a></body></html>'
            % html.escape(location), [("Location", location)]))
    elif kind == "no_token":
        handler.send_answer(rec, Answer(200, "application/json",
                                        p.get("body", '{"user_id":1}')))
    elif kind == "custom":
        handler.send_answer(rec, Answer(
            int(p.get("status", 200)),
            p.get("content_type", "application/json"),
            p.get("body", b""), p.get("headers", ())))
    else:  # set_fault() checks kinds; this is a bug in the stand-in
        raise AssertionError("unknown fault " + kind)
