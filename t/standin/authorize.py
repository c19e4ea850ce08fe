"""The Authorization Window (GET and POST /oauth/authorize): the checks of
the app's request, the consent page with Allow and Cancel, the error page,
and the redirect back to the app with a code or with access_denied."""

import html
import re
import urllib.parse

from .answers import Answer, single

# Permissions Meta documents for Threads, with the consent page's wording.
PERMISSIONS = {
    "threads_basic": "Access your Threads profile and posts",
    "threads_content_publish": "Create and publish posts on your behalf",
    "threads_read_replies": "Read replies to your posts",
    "threads_manage_replies": "Manage and hide replies to your posts",
    "threads_manage_insights": "Read insights about your posts and profile",
    "threads_keyword_search": "Search public posts by keyword",
    "threads_location_tagging": "Tag locations in your posts",
    "threads_manage_mentions": "Read and manage your mentions",
    "threads_delete": "Delete your posts",
    "threads_profile_discovery": "Look up public Threads profiles",
}


def authorize(standin, rec):
    """GET shows the consent page (or, with standin.auto_consent, decides
    at once as standin.auto_decision says); POST is the click on Allow or
    Cancel."""
    params = rec.query if rec.method == "GET" else (rec.form or {})
    problems = []
    one = {}
    for name in ("client_id", "redirect_uri", "response_type", "scope"):
        one[name] = single(params, name, problems)
    state = single(params, "state", problems, required=False)
    if one["client_id"] is not None and one["client_id"] != standin.app_id:
        problems.append("Invalid platform app")
    if (one["redirect_uri"] is not None
            and one["redirect_uri"] not in standin.redirect_uris):
        problems.append("Invalid redirect_uri: it is not one of the "
                        "app's valid OAuth redirect URIs")
    if (one["response_type"] is not None
            and one["response_type"] != "code"):
        problems.append("Invalid response_type: must be code")
    scope = []
    if one["scope"] is not None:
        for perm in re.split(r"[ ,]+", one["scope"]):
            if perm and perm not in scope:
                scope.append(perm)
        unknown = [p for p in scope if p not in standin.known_permissions]
        if unknown:
            problems.append("Invalid Scopes: " + ", ".join(unknown))
        if "threads_basic" not in scope:
            problems.append("The threads_basic permission is required")
    if problems:
        return error_page(problems)

    if rec.method == "GET":
        if not standin.auto_consent:
            return consent_page(standin, one, state, scope)
        decision = standin.auto_decision
    else:
        decision = single(params, "decision", problems)
        if decision not in ("allow", "cancel"):
            return error_page(problems or ["Unknown decision"])

    redirect_uri = one["redirect_uri"]
    sep = "&" if "?" in redirect_uri else "?"
    if decision == "allow":
        code = standin.issue_code(redirect_uri, ",".join(scope),
                                  one["client_id"])
        pairs = [("code", code)]
        if state is not None:
            pairs.append(("state", state))
        location = (redirect_uri + sep + urllib.parse.urlencode(pairs)
                    + "#_")
    else:
        pairs = [("error", "access_denied"),
                 ("error_reason", "user_denied"),
                 ("error_description", "The user denied your request")]
        if state is not None:
            pairs.append(("state", state))
        location = redirect_uri + sep + urllib.parse.urlencode(pairs)
    return Answer(302, "text/html; charset=utf-8",
                  '<html><body><a href="%s">Continue</a></body></html>'
                  % html.escape(location),
                  [("Location", location),
                   ("Cache-Control", "no-store")])


def page(status, title, body_html):
    """An HTML page of the Authorization Window."""
    return Answer(status, "text/html; charset=utf-8", (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n<title>%s</title>\n</head>\n<body>\n'
        '%s\n</body>\n</html>\n' % (html.escape(title), body_html)),
        [("Cache-Control", "no-store")])


def error_page(problems):
    """What Threads shows for an invalid request of the app (400)."""
    items = "".join("<li>%s</li>" % html.escape(p) for p in problems)
    return page(400, "Threads - Error", (
        "<h1>Sorry, this content isn't available right now</h1>\n"
        "<p>The app's request is not valid:</p>\n<ul>%s</ul>" % items))


def consent_page(standin, one, state, scope):
    """The consent page: the app, the user, the permissions asked for,
    and a form that posts the request back with Allow or Cancel."""
    e = html.escape
    app = e(standin.app_name)
    perms = "".join(
        '<li><strong>%s</strong>: %s</li>\n' % (
            e(p), e(PERMISSIONS.get(p, "A Threads permission")))
        for p in scope)
    hidden = [("client_id", one["client_id"]),
              ("redirect_uri", one["redirect_uri"]),
              ("scope", one["scope"]),
              ("response_type", one["response_type"])]
    if state is not None:
        hidden.append(("state", state))
    fields = "".join(
        '<input type="hidden" name="%s" value="%s">\n' % (e(n), e(v))
        for n, v in hidden)
    return page(200, "Threads - Allow %s to access your account?"
                % standin.app_name, (
                    '<main>\n<h1>Allow <span class="app">%s</span> to access '
                    'your Threads account?</h1>\n'
                    '<p>Signed in as <strong>@%s</strong></p>\n'
                    '<p>%s will be able to:</p>\n'
                    '<ul class="permissions">\n%s</ul>\n'
                    '<form method="post" action="/oauth/authorize">\n%s'
                    '<button type="submit" name="decision" value="allow">'
                    'Allow</button>\n'
                    '<button type="submit" name="decision" value="cancel">'
                    'Cancel</button>\n</form>\n</main>' % (
                        app, e(standin.username), app, perms, fields)))
