#!/usr/bin/env bash
# Runs mod_threads_oauth in a local httpd with a small demo site.
#
#   scripts/demo.sh          start it (make demo: installs the packages and
#                            builds the module first)
#   scripts/demo.sh stop     stop the httpd and stand-in a start left running
#   scripts/demo.sh status   say whether they run
#
# By default sign-in goes to the bundled Threads stand-in
# (t/standin/, run as t/threads_standin.py), started in the background on
# https://127.0.0.2:8443 with a throwaway CA that ThreadsCaFile trusts. It
# shows a consent page with Allow and Cancel. With THREADS_APP_ID,
# THREADS_APP_SECRET and THREADS_REDIRECT_URI in the environment, the demo
# uses the real Threads endpoints (the module's defaults) and no stand-in.
#
# The httpd is a private one: its own generated config (MPM event, modules
# loaded by absolute path, nothing included from /etc/apache2) in the run
# directory, listening on 127.0.0.1 only.
#
# Environment:
#   DEMO_PORT          the site's port on 127.0.0.1 (default 8080)
#   DEMO_STANDIN_PORT  the stand-in's HTTPS port on 127.0.0.2 (default 8443)
#   DEMO_DIR           run directory: config, logs, PID files (default
#                      demo-run/ in the checkout; /tmp/mod_threads_oauth-demo
#                      when the checkout is not world-traversable)
#   APACHE2            httpd binary (default /usr/sbin/apache2)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
APACHE2=${APACHE2:-/usr/sbin/apache2}
PYTHON=/usr/bin/python3
MODULES=/usr/lib/apache2/modules
SO="$REPO/.libs/mod_threads_oauth.so"
STANDIN="$REPO/t/threads_standin.py"
PORT=${DEMO_PORT:-8080}
STANDIN_PORT=${DEMO_STANDIN_PORT:-8443}
STANDIN_APP_ID=990602627938098

die() {
    echo "demo: $*" >&2
    exit 1
}

# 1 when every directory from $1 up to / can be traversed by anyone (so
# httpd's unprivileged children reach the site and the CGI programs).
world_traversable() {
    local d=$1 mode
    while :; do
        mode=$(stat -c %a "$d") || return 1
        [ $((8#$mode & 1)) -eq 1 ] || return 1
        [ "$d" = / ] && return 0
        d=$(dirname "$d")
    done
}

run_dir() {
    if [ -n "${DEMO_DIR:-}" ]; then
        case $DEMO_DIR in
            /*) echo "$DEMO_DIR" ;;
            *) echo "$PWD/$DEMO_DIR" ;;
        esac
    elif [ "$(id -u)" -ne 0 ] || world_traversable "$REPO"; then
        echo "$REPO/demo-run"
    else
        echo "/tmp/mod_threads_oauth-demo"
    fi
}

RUN=$(run_dir)
CONF="$RUN/httpd.conf"
SITE="$RUN/site"
TLS="$RUN/standin-tls"

# The PID in file $1 when that process is alive.
live_pid() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

# Succeeds when nothing listens on $1:$2 (prints the reason otherwise).
port_free() {
    "$PYTHON" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print(e.strerror)
    sys.exit(1)
PY
}

need_port() {
    local why
    if ! why=$(port_free "$1" "$2"); then
        echo "demo: cannot use $1:$2: $why." >&2
        if command -v ss >/dev/null 2>&1; then
            ss -ltnpH "sport = :$2" 2>/dev/null | sed 's/^/demo:   /' >&2 || :
        fi
        die "free that port, or pick another with $3=<port>."
    fi
}

# Waits up to $2 tenths of a second for the command $1 to succeed.
wait_for() {
    local i
    for ((i = 0; i < $2; i++)); do
        if eval "$1"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# The HTTP status of GET $1 (000 when it cannot connect).
http_status() {
    "$PYTHON" - "$1" <<'PY'
import sys, urllib.request, urllib.error
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(NoRedirect,
                                     urllib.request.ProxyHandler({}))
try:
    print(opener.open(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}

# Stops the stand-in a failed start left behind ($standin_pid of cmd_start).
abort_standin() {
    if [ -n "${standin_pid:-}" ]; then
        kill -TERM "$standin_pid" 2>/dev/null || :
    fi
    rm -f "$RUN/standin.pid"
}

cmd_stop() {
    local pid stopped=0 f
    for f in httpd standin; do
        if pid=$(live_pid "$RUN/$f.pid"); then
            kill -TERM "$pid"
            if ! wait_for "! kill -0 $pid 2>/dev/null" 100; then
                echo "demo: $f (pid $pid) did not stop within 10 s" >&2
                continue
            fi
            echo "demo: stopped $f (pid $pid)"
            stopped=1
        fi
        rm -f "$RUN/$f.pid"
    done
    [ $stopped -eq 1 ] || echo "demo: nothing was running (run directory $RUN)"
}

cmd_status() {
    local pid f any=0
    for f in httpd standin; do
        if pid=$(live_pid "$RUN/$f.pid"); then
            echo "demo: $f runs, pid $pid"
            any=1
        fi
    done
    [ $any -eq 1 ] || echo "demo: not running"
}

cmd_start() {
    local mode app_id redirect_uri callback rest origin threads_label
    local standin_pid="" httpd_pid user_lines="" standin_conf="" front_conf=""
    local listen_front="" out i code

    [ -x "$APACHE2" ] || die "$APACHE2 not found: install apache2 (make demo does)."
    [ -f "$SO" ] || die "$SO not found: build it with make module (make demo does)."
    [ -x "$PYTHON" ] || die "$PYTHON not found: install python3 (make demo does)."

    # --- which Threads -----------------------------------------------------
    local nset=0 v
    for v in THREADS_APP_ID THREADS_APP_SECRET THREADS_REDIRECT_URI; do
        if [ -n "${!v:-}" ]; then
            nset=$((nset + 1))
        fi
    done
    if [ $nset -eq 3 ]; then
        mode=threads
        app_id=$THREADS_APP_ID
        redirect_uri=$THREADS_REDIRECT_URI
        case $app_id in
            *[!0-9]*) die "THREADS_APP_ID must be the numeric Threads App ID." ;;
        esac
        case $redirect_uri in
            *[[:space:]\"\\]*) die "THREADS_REDIRECT_URI must not contain spaces, quotes or backslashes." ;;
            http://*/* | https://*/*) ;;
            *) die "THREADS_REDIRECT_URI must be an absolute http(s) URL with a path, e.g. https://example.org/oauth/callback" ;;
        esac
        rest=${redirect_uri#*://}
        origin=${redirect_uri%%://*}://${rest%%/*}
        callback=/${rest#*/}
        callback=${callback%%\?*}
        case $callback in
            / | /app | /app/*)
                die "THREADS_REDIRECT_URI's path ($callback) would hide a page of the demo: use a path such as /oauth/callback." ;;
        esac
        threads_label="Threads (threads.com)"
    elif [ $nset -eq 0 ]; then
        mode=standin
        app_id=$STANDIN_APP_ID
        redirect_uri="http://127.0.0.1:$PORT/oauth/callback"
        origin="http://127.0.0.1:$PORT"
        callback=/oauth/callback
        threads_label="the Threads stand-in (t/standin/)"
        [ -f "$STANDIN" ] || die "$STANDIN not found."
    else
        die "set all three of THREADS_APP_ID, THREADS_APP_SECRET, THREADS_REDIRECT_URI (real Threads) or none (the bundled stand-in)."
    fi
    case $PORT in '' | *[!0-9]*) die "DEMO_PORT must be a port number." ;; esac
    case $STANDIN_PORT in '' | *[!0-9]*) die "DEMO_STANDIN_PORT must be a port number." ;; esac

    # --- nothing in the way ------------------------------------------------
    if live_pid "$RUN/httpd.pid" >/dev/null || live_pid "$RUN/standin.pid" >/dev/null; then
        die "the demo is already running (run directory $RUN): stop it with scripts/demo.sh stop"
    fi
    need_port 127.0.0.1 "$PORT" DEMO_PORT
    if [ $mode = standin ]; then
        need_port 127.0.0.2 "$PORT" DEMO_PORT
        need_port 127.0.0.2 "$STANDIN_PORT" DEMO_STANDIN_PORT
    fi

    # --- the run directory -------------------------------------------------
    if [ -L "$RUN" ]; then
        die "$RUN is a symbolic link: refusing to use it."
    fi
    mkdir -p "$RUN"
    [ -O "$RUN" ] || die "$RUN belongs to someone else: set DEMO_DIR."
    chmod 755 "$RUN"
    if [ "$(id -u)" -eq 0 ] && ! world_traversable "$RUN"; then
        die "httpd's children could not reach $RUN (a parent directory is not world-traversable): set DEMO_DIR to a directory under /tmp."
    fi
    rm -rf "$SITE" "$TLS" "$RUN/front"
    rm -f "$RUN"/httpd.conf "$RUN"/*.log "$RUN"/*.pid "$RUN"/standin.out \
        "$RUN"/app-secret
    cp -R "$REPO/demo/site" "$SITE"
    chmod -R u+rwX,go+rX "$SITE"
    chmod 755 "$SITE/index.cgi" "$SITE/app/index.cgi"

    # The app secret is read by httpd's root parent from a 0600 file and
    # never written into the config.
    (
        umask 077
        if [ $mode = threads ]; then
            printf '%s\n' "$THREADS_APP_SECRET" >"$RUN/app-secret"
        else
            "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(24))' \
                >"$RUN/app-secret"
        fi
    )

    # mod_cgid's socket path (plus ".<pid>") must fit in 108 bytes.
    local cgid_sock="$RUN/cgid.sock"
    if [ ${#cgid_sock} -gt 90 ]; then
        cgid_sock="/tmp/threads-demo-$(id -u)-$PORT.cgid"
    fi

    # --- the stand-in ------------------------------------------------------
    if [ $mode = standin ]; then
        setsid "$PYTHON" "$STANDIN" \
            --listen "127.0.0.2:$STANDIN_PORT" --tls-dir "$TLS" \
            --app-id "$app_id" --app-secret-file "$RUN/app-secret" \
            --redirect-uri "$redirect_uri" --verbose \
            </dev/null >"$RUN/standin.out" 2>"$RUN/standin.log" &
        standin_pid=$!
        echo "$standin_pid" >"$RUN/standin.pid"
        # It prints its base URL once it listens (after making its CA).
        if ! wait_for "[ -s '$RUN/standin.out' ] || ! kill -0 $standin_pid 2>/dev/null" 300 ||
            ! kill -0 "$standin_pid" 2>/dev/null || [ ! -s "$RUN/standin.out" ]; then
            abort_standin
            sed 's/^/demo:   /' "$RUN/standin.log" >&2
            die "the Threads stand-in did not start (log: $RUN/standin.log)."
        fi
        [ -f "$TLS/ca.pem" ] || die "the stand-in made no $TLS/ca.pem."
        chmod 755 "$TLS"
        mkdir -p "$RUN/front"
        local base="https://127.0.0.2:$STANDIN_PORT"
        standin_conf="
    # The bundled Threads stand-in instead of threads.com / graph.threads.net.
    # The browser reaches its Authorization Window through the plain-http
    # virtual host below; the module's own calls go to it over HTTPS and
    # trust only its throwaway CA.
    ThreadsAuthorizeUrl http://127.0.0.2:$PORT/oauth/authorize
    ThreadsTokenUrl $base/oauth/access_token
    ThreadsGraphUrl $base
    ThreadsCaFile \"$TLS/ca.pem\""
        listen_front="Listen 127.0.0.2:$PORT"
        front_conf="
# The browser's side of the stand-in: its consent page over plain http, so
# that no browser warns about the throwaway CA. To the browser 127.0.0.2 is
# another site than 127.0.0.1, as threads.com is another site than yours:
# the click on Allow is a cross-site navigation back to the callback, which
# is why the session cookie must be SameSite=Lax, not Strict.
<VirtualHost 127.0.0.2:$PORT>
    ServerName 127.0.0.2
    DocumentRoot \"$RUN/front\"
    <Directory \"$RUN/front\">
        Require all granted
    </Directory>
    SSLProxyEngine On
    SSLProxyCACertificateFile \"$TLS/ca.pem\"
    ProxyPass        /oauth/authorize $base/oauth/authorize
    ProxyPassReverse /oauth/authorize $base/oauth/authorize
</VirtualHost>"
    fi

    # --- the httpd config --------------------------------------------------
    if [ "$(id -u)" -eq 0 ]; then
        if id www-data >/dev/null 2>&1; then
            user_lines="User www-data
Group www-data"
        else
            user_lines="User nobody
Group nogroup"
        fi
    fi
    cat >"$CONF" <<EOF
# Generated by scripts/demo.sh; rewritten on every start.
ServerRoot "$RUN"
DefaultRuntimeDir "$RUN"
PidFile "$RUN/httpd.pid"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
$listen_front
$user_lines

LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authn_core_module $MODULES/mod_authn_core.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule authz_user_module $MODULES/mod_authz_user.so
LoadModule mime_module $MODULES/mod_mime.so
LoadModule dir_module $MODULES/mod_dir.so
LoadModule env_module $MODULES/mod_env.so
LoadModule cgid_module $MODULES/mod_cgid.so
LoadModule session_module $MODULES/mod_session.so
LoadModule session_cookie_module $MODULES/mod_session_cookie.so
$([ $mode = standin ] && printf '%s\n' \
    "LoadModule proxy_module $MODULES/mod_proxy.so" \
    "LoadModule proxy_http_module $MODULES/mod_proxy_http.so" \
    "LoadModule socache_shmcb_module $MODULES/mod_socache_shmcb.so" \
    "LoadModule ssl_module $MODULES/mod_ssl.so" \
    "SSLSessionCache \"shmcb:$RUN/ssl_scache(65536)\"")
LoadModule threads_oauth_module "$SO"

ErrorLog "$RUN/error.log"
LogLevel warn threads_oauth:debug
LogFormat "%h %u %t \"%r\" %>s %b" demo
CustomLog "$RUN/access.log" demo
ScriptSock "$cgid_sock"
TypesConfig /dev/null
AddType text/css .css
AddDefaultCharset utf-8

<Directory />
    AllowOverride None
    Require all denied
</Directory>

<VirtualHost 127.0.0.1:$PORT>
    ServerName 127.0.0.1
    DocumentRoot "$SITE"

    ThreadsAppId $app_id
    ThreadsAppSecret "file:$RUN/app-secret"
    ThreadsRedirectUri $redirect_uri
    ThreadsProfile On
$standin_conf

    # The module keeps its values sealed (AES-256-GCM) in this cookie.
    # No Secure attribute here only because the demo is plain http on
    # 127.0.0.1, where a Secure cookie would not come back; behind HTTPS use
    # "path=/;HttpOnly;Secure;SameSite=Lax".
    Session On
    SessionCookieName session path=/;HttpOnly;SameSite=Lax

    SetEnv DEMO_CALLBACK "$callback"
    SetEnv DEMO_THREADS "$threads_label"

    <Directory "$SITE">
        Options +ExecCGI
        AddHandler cgi-script .cgi
        DirectoryIndex index.cgi
        Require all granted
    </Directory>

    # Public pages: anyone may see them; a signed-in visitor's THREADS_*
    # variables still reach them.
    <Location "/">
        AuthType Threads
        ThreadsUnauthAction pass
        Require all granted
    </Location>

    # The protected page: without a valid token a browser is sent to sign in,
    # a script gets 401.
    <Location "/app/">
        ThreadsUnauthAction auth
        Require valid-user
    </Location>
</VirtualHost>
$front_conf
EOF

    # --- check, then start -------------------------------------------------
    if ! out=$("$APACHE2" -t -f "$CONF" 2>&1); then
        echo "$out" | sed 's/^/demo:   /' >&2
        abort_standin
        die "apache2 -t rejected $CONF (see above)."
    fi
    if ! out=$("$APACHE2" -f "$CONF" -k start 2>&1); then
        echo "$out" | sed 's/^/demo:   /' >&2
    fi
    if ! wait_for "live_pid '$RUN/httpd.pid' >/dev/null" 100; then
        [ -f "$RUN/error.log" ] && tail -n 20 "$RUN/error.log" | sed 's/^/demo:   /' >&2
        abort_standin
        die "httpd did not start (log: $RUN/error.log)."
    fi
    httpd_pid=$(cat "$RUN/httpd.pid")
    code=000
    for ((i = 0; i < 50; i++)); do
        code=$(http_status "http://127.0.0.1:$PORT/")
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    if [ "$code" != 200 ]; then
        tail -n 20 "$RUN/error.log" | sed 's/^/demo:   /' >&2
        echo "demo: warning: GET http://127.0.0.1:$PORT/ answered $code, not 200 (log: $RUN/error.log)" >&2
    fi

    # --- tell the person ---------------------------------------------------
    echo
    echo "mod_threads_oauth demo is running."
    echo
    if [ $mode = standin ]; then
        echo "  Open     http://127.0.0.1:$PORT/"
        echo "  Sign-in  goes to the Threads stand-in's consent page (http://127.0.0.2:$PORT,"
        echo "           proxied to https://127.0.0.2:$STANDIN_PORT): choose Allow or Cancel."
        echo "           Nothing leaves this machine."
    else
        echo "  Open     $origin/"
        if [ "$origin" != "http://127.0.0.1:$PORT" ] &&
            [ "$origin" != "http://localhost:$PORT" ]; then
            echo "           ($origin must reach this httpd on 127.0.0.1:$PORT, e.g. through"
            echo "           a tunnel or a TLS proxy: the session cookie belongs to that host.)"
        fi
        echo "  Sign-in  goes to threads.com for app $app_id; Threads sends the browser back"
        echo "           to $redirect_uri"
        echo "           (it must be listed exactly so in the App Dashboard)."
    fi
    echo "  Pages    / (public)  /app/ (protected)  $callback?info=json"
    echo "  Logs     $RUN/error.log  $RUN/access.log$([ $mode = standin ] && echo "  $RUN/standin.log")"
    echo "  Config   $CONF"
    echo
    echo "  Stop     ${DEMO_DIR:+DEMO_DIR=$RUN }$REPO/scripts/demo.sh stop"
    if [ -n "$standin_pid" ]; then
        echo "           (or: kill $httpd_pid $standin_pid)"
    else
        echo "           (or: kill $httpd_pid)"
    fi
}

case ${1:-start} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) die "usage: scripts/demo.sh [start|stop|status]" ;;
esac
