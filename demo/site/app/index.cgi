#!/usr/bin/python3
"""The demo's protected page (AuthType Threads, Require valid-user).

Shows what mod_threads_oauth hands to a CGI program. The access token is
never printed: only its first 6 characters and its length.
"""
import html
import os
import time


def esc(value):
    return html.escape(value, quote=True)


def expiry(value):
    try:
        at = int(value)
    except (TypeError, ValueError):
        return value or ""
    left = at - int(time.time())
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))
    if left <= 0:
        return "%d (%s, expired)" % (at, when)
    if left >= 2 * 86400:
        rest = "%d days" % (left // 86400)
    elif left >= 2 * 3600:
        rest = "%d hours" % (left // 3600)
    else:
        rest = "%d minutes" % (left // 60)
    return "%d (%s, in %s)" % (at, when, rest)


env = os.environ
callback = env.get("DEMO_CALLBACK", "/oauth/callback")
token = env.get("THREADS_ACCESS_TOKEN", "")
if token:
    token_text = "present: %s… (%d characters)" % (token[:6], len(token))
else:
    token_text = "absent"

rows = [
    ("THREADS_USER_ID", env.get("THREADS_USER_ID", "")),
    ("REMOTE_USER", env.get("REMOTE_USER", "")),
    ("AUTH_TYPE", env.get("AUTH_TYPE", "")),
    ("THREADS_USERNAME", env.get("THREADS_USERNAME", "(not known)")),
    ("THREADS_NAME", env.get("THREADS_NAME", "(not known)")),
    ("THREADS_TOKEN_TYPE", env.get("THREADS_TOKEN_TYPE", "")),
    ("THREADS_TOKEN_EXPIRES", expiry(env.get("THREADS_TOKEN_EXPIRES"))),
    ("THREADS_SCOPE", env.get("THREADS_SCOPE", "")),
    ("THREADS_ACCESS_TOKEN", token_text),
]
# The module removes every X-Threads-* request header a client sends.
injected = sorted(k for k in env if k.startswith("HTTP_X_THREADS_"))
rows.append(("client X-Threads-* headers",
             ", ".join(injected) if injected else "none reached this page"))

table = "\n".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v))
                  for k, v in rows)

print("Content-Type: text/html; charset=utf-8")
print("Cache-Control: no-store")
print()
print("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>Signed in - mod_threads_oauth demo</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body>
<h1>Signed in with Threads</h1>
<table>
%s
</table>
<p><a href="%s?info=json">Session as JSON (?info=json)</a> &middot;
<a href="%s?logout=/">Sign out</a> &middot;
<a href="/">Home</a></p>
</body>
</html>""" % (table, esc(callback), esc(callback)))
