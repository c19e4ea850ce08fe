#!/usr/bin/python3
"""The demo's public home page.

It lies under AuthType Threads with ThreadsUnauthAction pass and
Require all granted: anyone may see it, and a signed-in visitor's
THREADS_* variables reach it all the same.
"""
import html
import os


def esc(value):
    return html.escape(value, quote=True)


env = os.environ
callback = env.get("DEMO_CALLBACK", "/oauth/callback")
backend = env.get("DEMO_THREADS", "Threads")
user = env.get("THREADS_USER_ID")

if user:
    name = env.get("THREADS_USERNAME")
    who = "@" + name if name else "user " + user
    body = (
        "<p>You are signed in as <strong>%s</strong>.</p>\n"
        '<p><a href="/app/">Open the protected page</a> &middot; '
        '<a href="%s?logout=/">Sign out</a></p>\n'
        % (esc(who), esc(callback)))
else:
    body = (
        "<p>You are not signed in.</p>\n"
        '<p><a class="button" href="%s?login=/app/">Sign in with Threads</a>'
        "</p>\n"
        '<p>Or open the <a href="/app/">protected page</a> directly: it '
        "sends you to sign in first.</p>\n" % esc(callback))

print("Content-Type: text/html; charset=utf-8")
print("Cache-Control: no-store")
print()
print("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>mod_threads_oauth demo</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body>
<h1>mod_threads_oauth demo</h1>
%s<p class="note">Sign-in goes to %s.</p>
</body>
</html>""" % (body, esc(backend)))
