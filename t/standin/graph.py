"""The Graph API's profile endpoint (GET /v1.0/me?fields=...), with the
token as a Bearer header or an access_token parameter. Non-ASCII text is
sent as \\uXXXX escapes, or as raw UTF-8 when the stand-in's raw_utf8 is
set (JSON allows both)."""

import json

from .answers import graph_error, json_answer


def me(standin, rec):
    """The fields asked for of the token's user; an unknown field is
    Threads' error (#100)."""
    token = None
    auth = rec.header("Authorization") or ""
    if auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
    elif rec.query.get("access_token"):
        token = rec.query["access_token"][0]
    if not token:
        return graph_error("An active access token must be used to query "
                           "information about the current user.", code=2500)
    info = standin.valid_token(token)
    if info is None:
        return graph_error("Error validating access token: Session has "
                           "expired or the token is invalid.")
    fields = (rec.query.get("fields") or ["id"])[0]
    profile = {
        "id": info["user_id"],
        "username": standin.username,
        "name": standin.name,
        "threads_profile_picture_url":
            "https://127.0.0.1/picture/" + info["user_id"] + ".jpg",
        "threads_biography": "Testing things.",
    }
    out = {}
    for field in [f.strip() for f in fields.split(",") if f.strip()]:
        if field not in profile:
            return graph_error(
                "(#100) Tried accessing nonexisting field (%s)" % field,
                code=100)
        out[field] = profile[field]
    return json_answer(200, json.dumps(out,
                                       ensure_ascii=not standin.raw_utf8))
