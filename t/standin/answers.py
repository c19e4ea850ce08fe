"""The shapes of Threads' answers that every endpoint shares: a response
to send, the token endpoint's OAuthException, the Graph API's error object,
and the check of a single-valued parameter."""

import json
import secrets


class Answer:
    """A response to send: status, content type, body bytes, more headers."""

    def __init__(self, status, ctype, body, headers=()):
        self.status = status
        self.ctype = ctype
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list(headers)


def json_answer(status, text):
    return Answer(status, "application/json; charset=UTF-8", text)


def token_error(message, status=400):
    """The error of POST /oauth/access_token: a flat OAuthException."""
    return json_answer(status, json.dumps(
        {"error_type": "OAuthException", "code": 400,
         "error_message": message}))


def graph_error(message, code=190, status=400, subcode=None,
                fbtrace_id=None):
    """The error object of the Graph API endpoints (code 190: the token is
    dead; error_subcode says why, e.g. 458 the app was removed, 463 the
    token expired). fbtrace_id: Meta's trace id of the answer (a random
    one by default)."""
    error = {"message": message, "type": "OAuthException", "code": code,
             "fbtrace_id": fbtrace_id or "A" + secrets.token_urlsafe(16)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_answer(status, json.dumps({"error": error}))


def single(params, name, problems, required=True):
    """The one value of parameter name in params (name -> list of values),
    or None with the reason appended to problems: missing (when required)
    or given more than once."""
    values = params.get(name)
    if not values:
        if required:
            problems.append("The parameter %s is required" % name)
        return None
    if len(values) > 1:
        problems.append("The parameter %s was given more than once"
                        % name)
        return None
    return values[0]
