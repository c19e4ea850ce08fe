#!/usr/bin/python3
"""Prints the CGI environment as a JSON object with sorted keys, plus the
request body (if any) under the key "_body"."""
import json
import os
import sys

length = os.environ.get("CONTENT_LENGTH") or "0"
body = sys.stdin.buffer.read(int(length)) if length.isdigit() else b""
env = dict(os.environ)
if body:
    env["_body"] = body.decode("utf-8", "replace")
sys.stdout.write("Content-Type: application/json\r\n"
                 "Cache-Control: no-store\r\n\r\n")
sys.stdout.write(json.dumps(env, sort_keys=True, indent=1) + "\n")
