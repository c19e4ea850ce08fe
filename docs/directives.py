"""The source of mod_threads_oauth's manual: its summary, a quick example,
the words before the tables it takes from README.md, and every directive. Data only; scripts/docs.py writes from it

  docs/mod_threads_oauth.html   the manual, in httpd's own style
  conf/threads_oauth.conf       Debian's mods-available .conf: every
                                server-level directive commented out
  README.md                     the table under "## Directives"

and `make lint` (scripts/docs.py check) fails when this file and the
directive table of src/httpd/config.c (threads_config_cmds) disagree on a
name, a context or the number of arguments, or when one of those files is
not what this one makes (`make docs` writes them again).

STATUS and COUNTERS make the manual's section on server-status and the
threads-oauth-metrics handler; COUNTERS is checked against
src/httpd/counters.c.

Each directive is a dict:

  name          as in its AP_INIT_* line
  args          the AP_INIT_ kind: TAKE1, TAKE12, FLAG, RAW_ARGS, ...
  context       "server" (RSRC_CONF: server config, virtual host) or
                "dir" (OR_AUTHCFG | RSRC_CONF: also <Directory>,
                <Location>, <Files> and .htaccess with AllowOverride
                AuthConfig)
  syntax        the directive with its arguments: <word> is a value to
                give, [ ] is optional, | separates choices
  default       the argument it behaves as when not set, or None
  default_note  words about the default (shown after it, or alone)
  default_macro the #define of src/httpd/config.h that holds the default
                (checked against default)
  description   one line: the manual's Description, the .conf's comment
  summary       the README table's Meaning (Markdown, one paragraph)
  text          the manual's prose after the summary: paragraphs apart by
                blank lines, "- " list items, lines indented by four
                spaces are an example
  conf          the argument of the commented example line in the .conf,
                when there is no default to show

Markup everywhere: `code`, **strong**, [text](#anchor).
"""

MODULE = {
    "name": "mod_threads_oauth",
    "identifier": "threads_oauth_module",
    "source": "mod_threads_oauth.c",
    "description": 'Sign in with Threads: the Threads OAuth 2.0 '
                   'authorization-code flow as an httpd authentication '
                   'type',
    "compatibility": "Apache httpd 2.4; needs mod_session and a session "
                     "store (mod_session_cookie or mod_session_dbd)",
}

SUMMARY = """
This module adds "Sign in with Threads" (Meta's Threads OAuth 2.0
authorization-code flow) to httpd. `AuthType Threads` protects any
location: a visitor without a valid login is sent to Threads' Authorization
Window, and the module serves the callback path of
`ThreadsRedirectUri` itself, exchanges the code for a token with a call
to Threads, and keeps the token sealed (AES-256-GCM) in the `mod_session`
session. The application behind it (CGI, PHP, a proxied backend, another
module) sees the signed-in user in `REMOTE_USER` and the token and user in
request notes, environment variables or request headers.

The module uses httpd's own authentication and authorization: `AuthType
Threads` with `Require valid-user` or any other `Require` line. It needs
`mod_session` with a store (`mod_session_cookie` or `mod_session_dbd`);
`mod_session_crypto` is not needed, since the module seals its own values.
Calls to Threads go through libcurl, with TLS verification on.

On Debian the package `libapache2-mod-threads-oauth` installs the module;
`a2enmod threads_oauth` enables it together with `session` and
`session_cookie`. Its `mods-available/threads_oauth.conf` lists every
server-level directive below, commented out.
"""

QUICK_EXAMPLE = """
In the HTTPS virtual host that answers for the host of the redirect URI
(the session cookie is `Secure`, so the site must be served over HTTPS):

    <VirtualHost *:443>
        ServerName www.example.org
        SSLEngine on
        SSLCertificateFile    /etc/ssl/certs/www.example.org.pem
        SSLCertificateKeyFile /etc/ssl/private/www.example.org.key

        ThreadsAppId        990602627938098
        ThreadsAppSecret    file:/etc/apache2/threads-secret
        ThreadsRedirectUri  https://www.example.org/oauth/callback

        Session On
        SessionCookieName session path=/;HttpOnly;Secure;SameSite=Lax

        <Location "/app">
            AuthType Threads
            Require valid-user
        </Location>
    </VirtualHost>

Register `https://www.example.org/oauth/callback` under the app's redirect
callback URLs in the App Dashboard. Nothing else is needed for the callback
path: the module serves it. `Session On` must cover the callback path as
well as the protected ones. Link a sign-in button to
`/oauth/callback?login=/app/` and a sign-out link to
`/oauth/callback?logout=/`.

Keep the app secret in a file only root can read; httpd's root parent
reads it at startup:

    install -m 0600 -o root -g root /dev/null /etc/apache2/threads-secret
    sh -c 'printf "%s\\n" "<app secret>" > /etc/apache2/threads-secret'
    apache2ctl configtest && apache2ctl graceful
"""

# The words before each table that the manual takes from README.md.
ENDPOINTS = """
The path of `ThreadsRedirectUri` (below: `/oauth/callback`) is served by
the module's handler (`threads-oauth`) on its server, with no other
configuration. Every page the module writes carries `Cache-Control:
no-store` and `Referrer-Policy: no-referrer`.
"""

VARIABLES = """
On every request under `AuthType Threads` with a valid token,
`REMOTE_USER` is the user (see `ThreadsRemoteUser`) and `AUTH_TYPE` is
`Threads`. The values below are request notes always, environment
variables with `ThreadsPassAs env` or `both`, request headers with
`headers` or `both`.
"""

ERROR_VARIABLES = """
When the callback fails, the module sets `THREADS_ERROR` and
`THREADS_ERROR_DESCRIPTION` (notes and environment), which an
`ErrorDocument` sees as `REDIRECT_THREADS_ERROR` and
`REDIRECT_THREADS_ERROR_DESCRIPTION` too:
"""

LOG_MESSAGES = """
Every message of the module starts with a stable ID, `THREADS00nnn: `, as
httpd's own start with `AHnnnnn`. IDs are never reused. For detail:
`LogLevel warn threads_oauth:debug`. Secrets (the app secret, codes,
states, tokens, session cookies) are never logged at any level.
"""

# The section on the module's counters: server-status and the handler
# threads-oauth-metrics (src/httpd/counters.c).
STATUS = """
The module counts what it does. The counters are summed over all of
httpd's processes and kept until httpd stops: a restart, graceful or not,
keeps them (shared memory made once per httpd; atomic adds, no lock on
the request path).

**server-status.** With `mod_status` and `ExtendedStatus On`, the
`server-status` page shows a "Threads OAuth" section, and
`server-status?auto` the same counters as `ThreadsOAuth<key>: <value>`
lines (`ThreadsOAuthLoginsStarted: 12`).

**Prometheus.** The handler `threads-oauth-metrics` serves the counters in
the Prometheus text format (`text/plain; version=0.0.4`), to `GET` and
`HEAD` only, with `Cache-Control: no-store` and without `ExtendedStatus`:
names prefixed `threads_oauth_`, counters ending in `_total`, the time of
the calls to Threads as the histogram
`threads_oauth_threads_call_duration_seconds` (buckets from 0.05 to 10
seconds) and the slowest call as the gauge
`threads_oauth_threads_call_milliseconds_max`. Allow both only to the
addresses that read them:

    ExtendedStatus On
    <Location "/server-status">
        SetHandler server-status
        Require ip 127.0.0.1
    </Location>
    <Location "/metrics">
        SetHandler threads-oauth-metrics
        Require ip 10.0.0.0/8
    </Location>
"""

# The counters, in the order of the reports: (server-status key, the
# Prometheus sample, what it counts). `make lint` fails when a counter of
# src/httpd/counters.c (threads_counter_info) is missing or shown under
# another name.
COUNTERS = [
    ("LoginsStarted", "logins_started_total",
     "logins sent to Threads' Authorization Window"),
    ("LoginsCompleted", "logins_completed_total",
     "logins that ended with a token kept in the session"),
    ("LoginsCancelled", "logins_cancelled_total",
     "logins the user cancelled, or Threads refused to authorize"),
    ("LoginsFailedState", 'logins_failed_total{reason="state"}',
     "failed logins: the state was missing, used or expired"),
    ("LoginsFailedRejected", 'logins_failed_total{reason="rejected"}',
     "failed logins: Threads refused the code"),
    ("LoginsFailedUnreachable", 'logins_failed_total{reason="unreachable"}',
     "failed logins: no answer from Threads (DNS, TLS, connect) to the "
     "code exchange, or to the profile read `ThreadsRemoteUser username` "
     "needs"),
    ("LoginsFailedTimeout", 'logins_failed_total{reason="timeout"}',
     "failed logins: Threads slower than `ThreadsHttpTimeout` on one of "
     "those calls"),
    ("LoginsFailedBadAnswer", 'logins_failed_total{reason="bad_answer"}',
     "failed logins: an answer that is not a token, or a profile without "
     "the username `ThreadsRemoteUser username` needs"),
    ("LoginsFailedServer", 'logins_failed_total{reason="server"}',
     "failed logins: this server could not finish them (the session not "
     "written, no random bytes)"),
    ("LongLivedExchanges", "long_lived_exchanges_total",
     "short-lived tokens traded for 60-day ones (`ThreadsLongLivedToken`)"),
    ("LongLivedExchangesFailed", "long_lived_exchanges_failed_total",
     "long-lived exchanges that failed (the login goes on with the "
     "short-lived token)"),
    ("RefreshesDone", 'refreshes_total{outcome="done"}',
     "tokens refreshed"),
    ("RefreshesFailed", 'refreshes_total{outcome="failed"}',
     "refreshes that failed, Graph error 190 included"),
    ("RevocationsLogout", 'revocations_total{cause="logout"}',
     "`?logout=` of a logged-in browser"),
    ("RevocationsDeauthorize", 'revocations_total{cause="deauthorize"}',
     "Meta's Deauthorize callbacks carried out"),
    ("RevocationsDelete", 'revocations_total{cause="delete"}',
     "Meta's Data Deletion callbacks carried out"),
    ("Unauthorized", "unauthorized_total", "the module's `401` answers"),
    ("RevocationCacheFailures", "revocation_cache_failures_total",
     "calls to `ThreadsRevocationCache` that failed"),
    ("ThreadsCalls", "threads_call_duration_seconds_count",
     "calls to Threads (code exchange, long-lived exchange, refresh, "
     "profile)"),
    ("ThreadsCallMsTotal", "threads_call_duration_seconds_sum",
     "their time: milliseconds in server-status, seconds in Prometheus"),
    ("ThreadsCallMsMax", "threads_call_milliseconds_max",
     "the slowest call since httpd started, in milliseconds (a gauge)"),
]

DIRECTIVES = [
    dict(
        name="ThreadsAppId",
        args="TAKE1",
        context="server",
        syntax="ThreadsAppId <digits>",
        default=None,
        description="The Threads App ID (client_id)",
        summary="Threads App ID (`client_id`), from App Dashboard › App "
                "settings › Basic. Non-digits: syntax error.",
        text="""
Required, with `ThreadsAppSecret` and `ThreadsRedirectUri`, on every
server or virtual host that uses `AuthType Threads`; a virtual host
inherits the three from the main server. A server that sets some but not
all of them does not start (`THREADS00022`). The app id also binds the
module's sealed session values: a value sealed for another app never
opens.

    ThreadsAppId 990602627938098
""",
        conf="990602627938098",
    ),
    dict(
        name="ThreadsAppSecret",
        args="TAKE1",
        context="server",
        syntax="ThreadsAppSecret <secret>|file:<path>",
        default=None,
        description="The Threads app secret (client_secret), or the file "
                    "that holds it",
        summary="App secret (`client_secret`). `file:` reads the first "
                "line of the file at startup, as root (CR/LF stripped); "
                "unreadable file or empty first line: startup error. A "
                "value without `file:` that is the path of an existing "
                "file is taken as the secret itself, with a warning "
                "(`THREADS00032`). Never logged.",
        text="""
Prefer `file:` with a file that only root can read: httpd's root parent
reads it at startup and at every graceful restart, the children never
need it. A relative path is taken under `ServerRoot`.

    ThreadsAppSecret file:/etc/apache2/threads-secret

The secret is sent to Threads only in the code exchange and the
long-lived token exchange, and never written to a log at any `LogLevel`.
It is not the key that seals sessions (see `ThreadsSessionKey`).
""",
        conf="file:/etc/apache2/threads-secret",
    ),
    dict(
        name="ThreadsRedirectUri",
        args="TAKE1",
        context="server",
        syntax="ThreadsRedirectUri <absolute-url>",
        default=None,
        description="The redirect URI registered for the app; its path is "
                    "the module's callback endpoint",
        summary="Sent verbatim as `redirect_uri`; must equal an entry of "
                "the App Dashboard character for character. Its path is "
                "the module's callback endpoint on this server. Relative "
                "URL, non-http(s) scheme or a `#fragment`: syntax error.",
        text="""
The module serves the path of this URL on this server, whether or not it
lies under an `AuthType Threads` location, with no other configuration
(see [The callback endpoint](#endpoints)). The App Dashboard may add a
trailing slash when it saves the URL: configure exactly what it shows.
The host must be the one users visit, since the session cookie belongs
to it.

    ThreadsRedirectUri https://www.example.org/oauth/callback
""",
        conf="https://www.example.org/oauth/callback",
    ),
    dict(
        name="ThreadsScope",
        args="RAW_ARGS",
        context="dir",
        syntax="ThreadsScope <perm>[,<perm>...]",
        default="threads_basic",
        default_macro="THREADS_DEFAULT_SCOPE",
        description="The permissions a login asks for",
        summary="Permissions to ask for, comma- and/or space-separated; "
                "duplicates dropped; sent comma-joined in the order first "
                "given. Must contain `threads_basic` (else syntax error). "
                "Unknown names are sent as given and logged at startup "
                "(`THREADS00020`).",
        text="""
Step-up: when the session holds a valid token whose scope lacks a
permission that this location's `ThreadsScope` names, the request counts
as not logged in, and the new authorization asks for the union of both
scopes.

    <Location "/app/post">
        AuthType Threads
        ThreadsScope threads_basic, threads_content_publish
        Require valid-user
    </Location>

In an `.htaccess` file an unknown permission is logged at `info`
(`THREADS00215`) when the file is read.
""",
    ),
    dict(
        name="ThreadsAuthorizeUrl",
        args="TAKE1",
        context="server",
        syntax="ThreadsAuthorizeUrl <url>",
        default="https://threads.com/oauth/authorize",
        default_macro="THREADS_DEFAULT_AUTHORIZE_URL",
        description="The URL of Threads' Authorization Window",
        summary="The Authorization Window. Not `threads.net`: its redirect "
                "to threads.com has been seen to drop the query string (a "
                "`threads.net` URL logs a warning, `THREADS00031`; plain "
                "`http:` too, `THREADS00030`).",
        text="""
Change it only to point the module at a stand-in for tests. The browser,
not httpd, visits this URL.
""",
    ),
    dict(
        name="ThreadsTokenUrl",
        args="TAKE1",
        context="server",
        syntax="ThreadsTokenUrl <url>",
        default="https://graph.threads.net/oauth/access_token",
        default_macro="THREADS_DEFAULT_TOKEN_URL",
        description="The URL of the code exchange",
        summary="Code exchange endpoint. Plain `http:` logs a warning "
                "(`THREADS00024`).",
        text="""
httpd POSTs the authorization code, the app id and the app secret here
once per login.
""",
    ),
    dict(
        name="ThreadsGraphUrl",
        args="TAKE1",
        context="server",
        syntax="ThreadsGraphUrl <url>",
        default="https://graph.threads.net",
        default_macro="THREADS_DEFAULT_GRAPH_URL",
        description="The base URL of the Threads Graph API",
        summary="Base for `/access_token`, `/refresh_access_token` and "
                "`/v1.0/me` (a trailing `/` is dropped). The long-lived "
                "exchange puts the app secret in its query: plain `http:` "
                "logs a warning (`THREADS00029`).",
    ),
    dict(
        name="ThreadsUnauthAction",
        args="TAKE1",
        context="dir",
        syntax="ThreadsUnauthAction auth|401|pass",
        default="auth",
        description="What a request without a valid login gets",
        summary="What a request without a valid token gets. `auth`: a "
                "browser navigation is redirected to log in, anything else "
                "gets 401. `401`: always 401. `pass`: the request goes on "
                "unauthenticated — use with `Require all granted` for "
                "pages where login is optional; a logged-in visitor still "
                "gets the variables. (Under a `Require` that needs a user, "
                "such as `valid-user`, a visitor without a login gets 401: "
                "the module never names an empty user.) A navigation is a "
                "GET or HEAD without `X-Requested-With: XMLHttpRequest` "
                "whose `Sec-Fetch-Mode` (if sent) is `navigate` and "
                "`Sec-Fetch-Dest` (if sent) is `document`.",
        text="""
A `401` from the module carries `WWW-Authenticate: Threads realm="Sign in
with Threads"` and a small JSON body,
`{"error":"login_required","login_url":"<callback path>?login=<this URL>"}`,
so a script can send the user to log in.

A JSON API that must never redirect, and a public page that shows more to
a signed-in visitor:

    <Location "/api">
        AuthType Threads
        ThreadsUnauthAction 401
        Require valid-user
    </Location>
    <Location "/">
        AuthType Threads
        ThreadsUnauthAction pass
        Require all granted
    </Location>
""",
    ),
    dict(
        name="ThreadsPassAs",
        args="TAKE1",
        context="dir",
        syntax="ThreadsPassAs env|headers|both|none",
        default="env",
        description="How the token and user reach the application",
        summary="How the token and user reach the application, besides "
                "request notes (always set).",
        text="""
`env` sets environment variables (CGI, PHP, SSI, FastCGI through
`mod_proxy_fcgi`), `headers` request headers for a backend behind
`mod_proxy`, `both` both of them, `none` only the request notes (see
[Variables](#variables)). Whatever it says, every incoming request header
whose name starts with `X-Threads-` is removed on every request under
`AuthType Threads`, so a client can never inject them.

    <Location "/backend">
        AuthType Threads
        ThreadsPassAs headers
        Require valid-user
        ProxyPass "http://127.0.0.1:8000/"
    </Location>
""",
    ),
    dict(
        name="ThreadsRemoteUser",
        args="TAKE1",
        context="dir",
        syntax="ThreadsRemoteUser id|username",
        default="id",
        description="What REMOTE_USER is: the Threads user id or the "
                    "username",
        summary="What `REMOTE_USER` is: the Threads user id, or the "
                "username (needs `ThreadsProfile On`, else a startup "
                "error, `THREADS00025`). With `username`, `REMOTE_USER` "
                "never falls back to the id, since an all-digit username "
                "could equal another user's id: a login whose profile read "
                "fails (or gives no username) ends in `502` with a "
                "try-again link (`THREADS00110`). Usernames can be renamed "
                "and reused by someone else later: key lasting data on the "
                "id.",
    ),
    dict(
        name="ThreadsLongLivedToken",
        args="FLAG",
        context="server",
        syntax="ThreadsLongLivedToken On|Off",
        default="Off",
        description="Trade the 1-hour token for a 60-day token at login",
        summary="After the code exchange, trade the 1-hour token for a "
                "60-day token. If that fails, the login goes on with the "
                "short-lived token and a warning is logged; if Threads "
                "calls the token dead (Graph error 190), the login fails "
                "with 403.",
        text="""
With long-lived tokens the module also refreshes them while they are in
use (see `ThreadsRefreshWindow`).
""",
    ),
    dict(
        name="ThreadsRefreshWindow",
        args="TAKE1",
        context="server",
        syntax="ThreadsRefreshWindow <seconds>",
        default="604800",
        default_note="7 days",
        default_macro="THREADS_DEFAULT_REFRESH_WINDOW",
        description="When a long-lived token is refreshed",
        summary="With long-lived tokens: refresh a token that is at least "
                "24 h old and expires within this window. 0 to 5184000.",
        text="""
Threads refreshes only tokens at least 24 hours old and not yet expired;
a refreshed token lives 60 days again. If a refresh fails, the current
token is used while it is valid, and the refresh is tried again an hour
later.
""",
    ),
    dict(
        name="ThreadsProfile",
        args="FLAG",
        context="server",
        syntax="ThreadsProfile On|Off",
        default="Off",
        description="Read the user's username and name once after login",
        summary="After login, read `/v1.0/me` once and keep username and "
                "name in the session. If that fails, the login still "
                "succeeds, unless Threads calls the token dead (Graph "
                "error 190: the login fails with 403) or "
                "`ThreadsRemoteUser username` needs the username (502).",
        text="""
The values reach the application as `THREADS_USERNAME` and
`THREADS_NAME`. `ThreadsRemoteUser username` needs it.
""",
    ),
    dict(
        name="ThreadsStateTimeout",
        args="TAKE1",
        context="server",
        syntax="ThreadsStateTimeout <seconds>",
        default="600",
        default_macro="THREADS_DEFAULT_STATE_TIMEOUT",
        description="How long a started login may take",
        summary="How long a started login may take before its state is "
                "void. 10 to 86400.",
        text="""
A callback with an older state gets `400` "Sign-in expired" with a link
to start again (`THREADS00103`), and no call to Threads is made.
""",
    ),
    dict(
        name="ThreadsSessionKey",
        args="TAKE12",
        context="server",
        syntax="ThreadsSessionKey <key>|file:<path> "
               "[<older-key>|file:<path>]",
        default=None,
        default_note="a random key generated at first start",
        description="The key material that seals the module's session "
                    "values",
        summary="Key material for sealing the module's session values: at "
                "least 32 bytes (a shorter literal or file's first line is "
                "a syntax error); `openssl rand -hex 32` makes one. The "
                "optional second key only opens values, for rotation "
                "without logging everyone out. Without it the module "
                "generates a 256-bit key once and keeps it in "
                "`threads_oauth_session.key` under `DefaultRuntimeDir` "
                "(mode 0600, root): sessions survive graceful and full "
                "restarts, not a reboot that clears that folder, and are "
                "not shared with other servers (`THREADS00207` says so at "
                "startup). The app secret is never the key.",
        text="""
Servers behind one name (a load balancer) must open each other's
sessions: give all of them the same key, kept like the app secret in a
root-only file.

    sh -c 'umask 077; openssl rand -hex 32 > /etc/apache2/threads-session-key'

    ThreadsSessionKey file:/etc/apache2/threads-session-key

To rotate, seal with the new key and still open values sealed under the
old one, for as long as a session may live (the token lifetime):

    ThreadsSessionKey file:/etc/apache2/session-key.new file:/etc/apache2/session-key.old
""",
        conf="file:/etc/apache2/threads-session-key",
    ),
    dict(
        name="ThreadsHttpTimeout",
        args="TAKE1",
        context="server",
        syntax="ThreadsHttpTimeout <seconds>",
        default="10",
        default_macro="THREADS_DEFAULT_HTTP_TIMEOUT",
        description="The time limit of each call to Threads",
        summary="Total time limit of each call to Threads, connect "
                "included; exceeded: `504`. 1 to 300.",
    ),
    dict(
        name="ThreadsSslVerify",
        args="FLAG",
        context="server",
        syntax="ThreadsSslVerify On|Off",
        default="On",
        description="Verify the TLS peer of calls to Threads",
        summary="TLS peer and host name verification of calls to Threads. "
                "`Off` logs a warning at startup (`THREADS00023`); for "
                "tests only.",
        text="""
To trust a private CA (a stand-in, a TLS-inspecting proxy), keep it `On`
and name the CA with `ThreadsCaFile`.
""",
    ),
    dict(
        name="ThreadsCaFile",
        args="TAKE1",
        context="server",
        syntax="ThreadsCaFile <path>",
        default=None,
        default_note="the system's CA certificates",
        description="The CA bundle that calls to Threads trust",
        summary="PEM CA bundle for calls to Threads (and a TLS proxy). "
                "httpd's children read it at every call, so it must be "
                "readable by the `User` they run as, through every "
                "directory on its path: checked at startup "
                "(`THREADS00027`).",
        text="""
A relative path is taken under `ServerRoot`.

    ThreadsCaFile /etc/ssl/certs/ca-certificates.crt
""",
        conf="/etc/ssl/certs/ca-certificates.crt",
    ),
    dict(
        name="ThreadsOutgoingProxy",
        args="TAKE1",
        context="server",
        syntax="ThreadsOutgoingProxy <url>",
        default=None,
        default_note="none (calls go straight to Threads)",
        description="The HTTP(S) proxy of calls to Threads",
        summary="HTTP(S) proxy for calls to Threads. `http_proxy` and "
                "friends in httpd's environment are ignored.",
        text="""
    ThreadsOutgoingProxy http://proxy.example.org:3128
""",
        conf="http://proxy.example.org:3128",
    ),
    dict(
        name="ThreadsRevocationCache",
        args="TAKE1",
        context="server",
        syntax="ThreadsRevocationCache <provider>[:<args>]",
        default=None,
        default_note="none",
        description="The shared store that makes logout and Meta's "
                    "deauthorization end every copy of a session",
        summary="Server-side store on httpd's socache providers (`shmcb` "
                "on one machine, `redis` or `memcache` across machines) "
                "that makes logout and Meta's deauthorization end every "
                "copy of a session, keeps used states and shares the "
                "refresh pace: see "
                "[below](#threadsrevocationcache-what-each-choice-guarantees)."
                " An unknown provider: startup error (`THREADS00033`).",
        text="""
With a cookie store every cookie is a bearer credential until it expires.
With this store, `?logout=` ends that login on every server sharing the
store, copies of the cookie included (`?logout=...&everywhere=1` every
login of the user); Meta's Deauthorize and Data Deletion callbacks end
every earlier session of the user; a used `state` is refused from every
copy of a cookie; and servers sharing the store share the refresh pace.
Without it a startup notice says what is not guaranteed (`THREADS00034`).

The provider's module must be loaded:

    LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
    ThreadsRevocationCache shmcb

    # Servers that share sessions:
    LoadModule socache_redis_module /usr/lib/apache2/modules/mod_socache_redis.so
    ThreadsRevocationCache redis:10.0.0.5:6379

The request path makes at most one store lookup per request. A store that
fails counts as "not revoked": users stay served, the failure is logged
at most once a minute per process (`THREADS00221`), and Meta's callbacks
answer `503`.

`shmcb` keeps its entries in this httpd's shared memory and carries them
over restarts: when httpd restarts (gracefully or not) or stops, the
module writes the entries not yet expired to
`threads_oauth_store_<id>.dat` in `DefaultRuntimeDir` (mode 0600), and
the next start puts them back and removes the file (`THREADS00229`;
`THREADS00228` if they cannot be written). So a revocation holds across
restarts, though not across a reboot that clears that folder (which also
clears the generated session key, and with it every session). `redis`
and `memcache` keep theirs outside httpd. The providers'
`Mutex` is `threads-oauth-cache` (and `threads-oauth-pace` for the
refresh pace).
""",
        conf="shmcb",
    ),
]
