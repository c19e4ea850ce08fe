"""The token endpoints: the code exchange (POST /oauth/access_token), the
long-lived token exchange (GET /access_token) and the refresh
(GET /refresh_access_token), with Threads' lifetimes."""

import json
import secrets

from .answers import graph_error, json_answer, single, token_error

CODE_LIFETIME = 3600         # authorization codes: 1 hour, one use
SHORT_LIFETIME = 3600        # short-lived user tokens
LONG_EXPIRES_IN = 5183944    # what Threads answers for 60-day tokens
REFRESH_MIN_AGE = 86400      # a long-lived token can be refreshed after 24 h


def code_exchange(standin, rec):
    """POST /oauth/access_token: a code of the Allow button for a
    short-lived token and the user id."""
    params = rec.form or {}
    problems = []
    one = {}
    for name in ("client_id", "client_secret", "code", "grant_type",
                 "redirect_uri"):
        one[name] = single(params, name, problems)
    if problems:
        return token_error(problems[0])
    if one["grant_type"] != "authorization_code":
        return token_error("Unsupported grant_type: " + one["grant_type"])
    if one["client_id"] != standin.app_id:
        return token_error("Invalid platform app")
    if not secrets.compare_digest(one["client_secret"].encode(),
                                  standin.app_secret.encode()):
        return token_error("Error validating client secret.")
    scope, problem = standin.redeem_code(one["code"], one["redirect_uri"],
                                         one["client_id"])
    if problem is not None:
        return token_error(problem)
    token = standin.issue_token("short", scope=scope,
                                lifetime=standin.short_expires_in
                                or SHORT_LIFETIME)
    user_id = (json.dumps(standin.user_id) if standin.user_id_as_string
               else standin.user_id)
    text = '{"access_token": %s, "user_id": %s' % (json.dumps(token),
                                                  user_id)
    if standin.short_expires_in is not None:
        text += ', "expires_in": %d' % standin.short_expires_in
    return json_answer(200, text + "}")


def long_token_answer(standin, scope):
    """A new 60-day token, as both the exchange and the refresh answer."""
    token = standin.issue_token("long", scope=scope)
    return json_answer(200, json.dumps(
        {"access_token": token, "token_type": "bearer",
         "expires_in": LONG_EXPIRES_IN}))


def long_lived_exchange(standin, rec):
    """GET /access_token?grant_type=th_exchange_token: a short-lived token
    for a long-lived one."""
    problems = []
    grant = single(rec.query, "grant_type", problems)
    secret = single(rec.query, "client_secret", problems)
    token = single(rec.query, "access_token", problems)
    if problems:
        return graph_error(problems[0], code=100)
    if grant != "th_exchange_token":
        return graph_error("Unsupported grant_type", code=100)
    if not secrets.compare_digest(secret.encode(),
                                  standin.app_secret.encode()):
        return graph_error("Error validating client secret.", code=1)
    info = standin.valid_token(token)
    if info is None:
        return graph_error("Invalid OAuth access token - Cannot parse "
                           "access token")
    if info["kind"] != "short":
        return graph_error("Only a short-lived token can be exchanged")
    return long_token_answer(standin, info["scope"])


def refresh(standin, rec):
    """GET /refresh_access_token?grant_type=th_refresh_token: a long-lived
    token at least standin.refresh_min_age old for a new one."""
    problems = []
    grant = single(rec.query, "grant_type", problems)
    token = single(rec.query, "access_token", problems)
    if problems:
        return graph_error(problems[0], code=100)
    if grant != "th_refresh_token":
        return graph_error("Unsupported grant_type", code=100)
    info = standin.valid_token(token)
    if info is None or info["kind"] != "long":
        return graph_error("Invalid OAuth access token - Cannot parse "
                           "access token")
    if standin.now() - info["issued"] < standin.refresh_min_age:
        return graph_error("The access token can not be refreshed until it "
                           "is at least 24 hours old", code=190)
    return long_token_answer(standin, info["scope"])
